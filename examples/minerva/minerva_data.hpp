// evonas examples: synthetic MINERvA-style neutrino events for vertex
// reconstruction, MENNDL's second science problem.
//
// A neutrino interacts somewhere in the detector; which segment along the
// beam holds the interaction vertex? The answer tells which nuclear target
// (or the scintillator tracker) the neutrino hit. Each event is an image of
// energy deposits, [3 views, 64 planes, 48 strips], and its label is the
// vertex segment (11 classes).
//
// Geometry (a simplified, scaled-down MINERvA nuclear-target region):
//
//   * z is the beam axis. 64 scintillator planes, each 1.7 cm thick, at a
//     pitch of 2.25 cm, numbered 0..63 from upstream.
//   * 5 passive targets (no readout), 2.6 cm thick, sit in widened gaps
//     just upstream of planes 6, 14, 22, 28 and 32 (each such gap is 2.6 cm
//     longer than the normal pitch).
//   * Segments (the classes), upstream to downstream:
//       0 upstream_tracker    planes 0..5
//       1 target1             passive target before plane 6
//       2 tracker_1_2         planes 6..13
//       3 target2             before plane 14
//       4 tracker_2_3         planes 14..21
//       5 target3             before plane 22
//       6 tracker_3_4         planes 22..27
//       7 target4             before plane 28
//       8 tracker_4_5         planes 28..31
//       9 target5             before plane 32
//      10 downstream_tracker  planes 32..63
//   * Each plane is a regular hexagon read out in three views: X (strips
//     measure x), U and V (strips rotated by +60 and -60 degrees, measuring
//     u = x cos60 + y sin60 and v = x cos60 - y sin60). A point is inside
//     the detector when |x|, |u| and |v| are all within 39.1 cm, which is
//     exactly a hexagon, so a track leaves all three views at once. 48
//     strips of 1.7 cm pitch per view; as with MINERvA's triangular strips,
//     a crossing's charge is shared linearly between the two nearest strips.
//
// Physics (all tracks start at the vertex and go downstream):
//   * 1 to 4 charged tracks: always a muon (polar angle 0..0.6 rad, crosses
//     every later plane until it leaves the hexagon), plus 0 to 3 hadrons,
//     each a proton (range 2..12 planes, dE/dx rising towards its end as a
//     Bragg peak, 1 + 3 r^-0.42 MIPs with r the planes left) or a pion
//     (range 4..30 planes, minimum ionising); hadron polar angles 0..1.2 rad;
//     azimuths uniform.
//   * A minimum-ionising crossing deposits 2 MeV times the path length
//     factor sqrt(1 + tx^2 + ty^2) with a Landau-like tail (0.8 + 0.2 * an
//     exponential of mean 1).
//   * Multiple scattering: after each plane a track's slopes get a Gaussian
//     kink of 0.015 (muon), 0.04 (pion) or 0.06 (proton).
//   * Vertex activity: with probability 0.75 a vertex in the scintillator
//     leaves a blob of 3..20 MeV (nuclear recoil) in its plane; in a
//     passive target it is absorbed, so target events start with tracks
//     only, at the first plane after the target.
//   * Readout: photostatistics smearing (Gaussian, variance 0.1 MeV * E),
//     a 0.2 MeV threshold, random noise hits (Poisson, mean 8 per event,
//     exponential energies of mean 0.8 MeV) and dead channels (0.5% of
//     view/plane/strip channels, a fixed map like a real detector's).
//
// Simplified compared with the real MINERvA detector: a narrow detector
// (48 instead of 127 strips per view, 0.8 m instead of 2.2 m across), 64
// planes and every plane read out in all three views (MINERvA's planes
// alternate X U X V, so its U and V images have half the planes); no water
// target, no ECAL/HCAL, no magnetic field or MINOS; single-material targets
// with no hadronic interactions, showers, neutral particles, backward
// tracks or tracks stopping in a target; uniform vertex distributions in a
// fiducial disc of radius 23.5 cm; no timing, cross-talk or pile-up;
// energies in MeV without calibration.
//
// Randomness comes only from evonas::Rng (normal draws by Box-Muller), so a
// seed gives the same images everywhere; event i depends only on (seed, i).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/random.hpp>

#include "../common/dataset.hpp"

namespace evonas::examples::minerva {

inline constexpr std::int64_t minerva_views = 3;     ///< X, U, V
inline constexpr std::int64_t minerva_planes = 64;   ///< along the beam
inline constexpr std::int64_t minerva_strips = 48;   ///< per view
inline constexpr std::int64_t minerva_targets = 5;
inline constexpr std::int64_t minerva_segments = 2 * minerva_targets + 1;  ///< the classes

/// The first plane downstream of each passive target.
inline constexpr std::array<std::int64_t, minerva_targets> minerva_target_before_plane{6, 14, 22, 28, 32};

inline constexpr double minerva_plane_pitch = 2.25;       ///< cm
inline constexpr double minerva_plane_thickness = 1.7;    ///< cm
inline constexpr double minerva_target_thickness = 2.6;   ///< cm (each target widens its gap by this)
inline constexpr double minerva_strip_pitch = 1.7;        ///< cm
inline constexpr double minerva_half_width = (minerva_strips / 2 - 1) * minerva_strip_pitch;  ///< hexagon apothem, cm
inline constexpr double minerva_mip = 2.0;                ///< MeV per plane at normal incidence

/// The class names, index = label.
inline std::vector<std::string> minerva_class_names() {
    return {"upstream_tracker", "target1",     "tracker_1_2", "target2",     "tracker_2_3",        "target3",
            "tracker_3_4",      "target4",     "tracker_4_5", "target5",     "downstream_tracker"};
}

/// True for the passive-target segments (odd labels).
constexpr bool minerva_segment_is_target(std::int64_t segment) noexcept { return segment % 2 == 1; }

/// The z of plane p's centre, cm (plane 0 at z = 0).
constexpr double minerva_plane_z(std::int64_t p) noexcept {
    double z = static_cast<double>(p) * minerva_plane_pitch;
    for (auto b : minerva_target_before_plane) {
        if (p >= b) z += minerva_target_thickness;
    }
    return z;
}

/// The planes a segment's vertices leave their first deposits in: a tracker
/// segment's own planes, or for a target the single plane just after it.
constexpr std::array<std::int64_t, 2> minerva_segment_planes(std::int64_t segment) noexcept {
    const auto k = segment / 2;  // trackers 0..5, targets 0..4
    if (minerva_segment_is_target(segment)) {
        const auto b = minerva_target_before_plane[static_cast<std::size_t>(k)];
        return {b, b};
    }
    const std::int64_t first = k == 0 ? 0 : minerva_target_before_plane[static_cast<std::size_t>(k - 1)];
    const std::int64_t last =
        k == minerva_targets ? minerva_planes - 1 : minerva_target_before_plane[static_cast<std::size_t>(k)] - 1;
    return {first, last};
}

/// The segment holding a vertex at z (cm): a target's slab, or the tracker
/// region between targets (gaps between planes belong to their tracker).
constexpr std::int64_t minerva_segment_of_z(double z) noexcept {
    for (std::int64_t k = 0; k < minerva_targets; ++k) {
        const auto b = minerva_target_before_plane[static_cast<std::size_t>(k)];
        const double mid = 0.5 * (minerva_plane_z(b - 1) + minerva_plane_z(b));
        if (z < mid - 0.5 * minerva_target_thickness) return 2 * k;
        if (z <= mid + 0.5 * minerva_target_thickness) return 2 * k + 1;
    }
    return minerva_segments - 1;
}

/// Which effects to simulate; all on by default. Turning the readout
/// effects off gives exact images for tests.
struct MinervaOptions {
    bool multiple_scattering = true;
    bool vertex_activity = true;      ///< recoil blob at scintillator vertices
    bool energy_noise = true;         ///< photostatistics smearing and 0.2 MeV threshold
    bool noise_hits = true;
    bool dead_channels = true;
    double noise_hits_per_event = 8.0;
    double dead_channel_fraction = 0.005;
    std::uint64_t detector_seed = 2017;  ///< the dead-channel map (fixed, like a real detector's)
};

/// One simulated event: the image and its truth.
struct MinervaEvent {
    std::int64_t segment = 0;       ///< the label
    double vertex_x = 0, vertex_y = 0, vertex_z = 0;  ///< cm
    std::int64_t vertex_plane = 0;  ///< the first plane at or after the vertex
    std::int64_t tracks = 0;
    std::vector<float> image;       ///< [views, planes, strips], MeV

    /// The index of (view, plane, strip) in image.
    static constexpr std::size_t at(std::int64_t view, std::int64_t plane, std::int64_t strip) noexcept {
        return static_cast<std::size_t>((view * minerva_planes + plane) * minerva_strips + strip);
    }
};

/// The dead-channel map for options (1 = dead), [views, planes, strips].
inline std::vector<std::uint8_t> minerva_dead_channels(const MinervaOptions& options) {
    std::vector<std::uint8_t> dead(static_cast<std::size_t>(minerva_views * minerva_planes * minerva_strips), 0);
    if (!options.dead_channels) return dead;
    Rng rng(options.detector_seed);
    for (auto& d : dead) d = rng.chance(options.dead_channel_fraction) ? 1 : 0;
    return dead;
}

namespace detail {

enum class Particle { muon, pion, proton };

/// Adds a deposit of `energy` at transverse (x, y) in plane p to all three
/// views, sharing each view's charge between the two nearest strips.
/// Returns false (and adds nothing) when (x, y) is outside the hexagon.
inline bool deposit(std::vector<float>& image, std::int64_t plane, double x, double y, double energy) {
    constexpr double c60 = 0.5;
    const double s60 = std::sqrt(3.0) / 2.0;
    const std::array<double, minerva_views> coord{x, c60 * x + s60 * y, c60 * x - s60 * y};
    for (double c : coord) {
        if (std::fabs(c) > minerva_half_width) return false;
    }
    for (std::int64_t v = 0; v < minerva_views; ++v) {
        const double f = coord[static_cast<std::size_t>(v)] / minerva_strip_pitch + 0.5 * minerva_strips - 0.5;
        const auto i = static_cast<std::int64_t>(std::floor(f));
        const double frac = f - static_cast<double>(i);
        image[MinervaEvent::at(v, plane, i)] += static_cast<float>((1.0 - frac) * energy);
        image[MinervaEvent::at(v, plane, i + 1)] += static_cast<float>(frac * energy);
    }
    return true;
}

}  // namespace detail

/// Simulates one event whose vertex lies in `segment` (see the geometry at
/// the top of this header). `dead` is minerva_dead_channels(options).
inline MinervaEvent simulate_minerva_event(std::int64_t segment, Rng& rng, const MinervaOptions& options,
                                           const std::vector<std::uint8_t>& dead) {
    if (segment < 0 || segment >= minerva_segments) {
        throw ConfigError("simulate_minerva_event.segment", fmt::format("must be in [0, {}), got {}", minerva_segments, segment));
    }
    MinervaEvent ev;
    ev.segment = segment;
    ev.image.assign(static_cast<std::size_t>(minerva_views * minerva_planes * minerva_strips), 0.0f);

    // Vertex.
    const auto planes = minerva_segment_planes(segment);
    if (minerva_segment_is_target(segment)) {
        const auto b = planes[0];
        const double mid = 0.5 * (minerva_plane_z(b - 1) + minerva_plane_z(b));
        ev.vertex_z = mid + 0.5 * minerva_target_thickness * (2.0 * rng.uniform() - 1.0) * 0.98;
        ev.vertex_plane = b;
    } else {
        ev.vertex_plane = planes[0] + static_cast<std::int64_t>(rng.index(static_cast<std::size_t>(planes[1] - planes[0] + 1)));
        ev.vertex_z = minerva_plane_z(ev.vertex_plane) + 0.5 * minerva_plane_thickness * (2.0 * rng.uniform() - 1.0) * 0.98;
    }
    const double fiducial = 0.6 * minerva_half_width;
    do {
        ev.vertex_x = fiducial * (2.0 * rng.uniform() - 1.0);
        ev.vertex_y = fiducial * (2.0 * rng.uniform() - 1.0);
    } while (ev.vertex_x * ev.vertex_x + ev.vertex_y * ev.vertex_y > fiducial * fiducial);

    // Vertex activity: only a vertex in scintillator is seen.
    if (options.vertex_activity && !minerva_segment_is_target(segment) && rng.chance(0.75)) {
        const double energy = rng.uniform(3.0, 20.0);
        for (int k = 0; k < 3; ++k) {
            detail::deposit(ev.image, ev.vertex_plane, ev.vertex_x + rng.uniform(-1.5, 1.5),
                            ev.vertex_y + rng.uniform(-1.5, 1.5), energy / 3.0);
        }
    }

    // Tracks.
    ev.tracks = 1 + static_cast<std::int64_t>(rng.index(4));
    for (std::int64_t t = 0; t < ev.tracks; ++t) {
        auto kind = detail::Particle::muon;
        std::int64_t range = minerva_planes;
        double max_angle = 0.6;
        double kink = 0.015;
        if (t > 0) {
            max_angle = 1.2;
            if (rng.chance(0.5)) {
                kind = detail::Particle::proton;
                range = rng.uniform_int(2, 12);
                kink = 0.06;
            } else {
                kind = detail::Particle::pion;
                range = rng.uniform_int(4, 30);
                kink = 0.04;
            }
        }
        const double theta = max_angle * rng.uniform();
        const double phi = 2.0 * std::numbers::pi * rng.uniform();
        double tx = std::tan(theta) * std::cos(phi);
        double ty = std::tan(theta) * std::sin(phi);
        double x = ev.vertex_x;
        double y = ev.vertex_y;
        double z = ev.vertex_z;
        for (std::int64_t k = 0; k < range && ev.vertex_plane + k < minerva_planes; ++k) {
            const auto p = ev.vertex_plane + k;
            const double zp = minerva_plane_z(p);
            x += tx * (zp - z);
            y += ty * (zp - z);
            z = zp;
            const double path = std::min(3.0, std::sqrt(1.0 + tx * tx + ty * ty));
            double dedx = 1.0;
            if (kind == detail::Particle::proton) {
                dedx = 1.0 + 3.0 * std::pow(static_cast<double>(range - k), -0.42);
            }
            const double landau = std::min(5.0, 0.8 + 0.2 * exponential(rng, 1.0));
            if (!detail::deposit(ev.image, p, x, y, minerva_mip * dedx * path * landau)) break;  // left the detector
            if (options.multiple_scattering) {
                tx += kink * standard_normal(rng);
                ty += kink * standard_normal(rng);
            }
        }
    }

    // Readout.
    if (options.energy_noise) {
        for (auto& e : ev.image) {
            if (e <= 0.0f) continue;
            const double smeared = e + std::sqrt(0.1 * e) * standard_normal(rng);
            e = smeared < 0.2 ? 0.0f : static_cast<float>(smeared);
        }
    }
    if (options.noise_hits) {
        const auto hits = poisson(rng, options.noise_hits_per_event);
        for (std::int64_t h = 0; h < hits; ++h) {
            const auto cell = rng.index(ev.image.size());
            ev.image[cell] += static_cast<float>(exponential(rng, 0.8));
        }
    }
    if (options.dead_channels) {
        for (std::size_t c = 0; c < ev.image.size(); ++c) {
            if (dead[c]) ev.image[c] = 0.0f;
        }
    }
    return ev;
}

/// Images [11 * n_per_class, 3, 64, 48] (float32, MeV; channels X, U, V),
/// labels = vertex segment, i % 11 (classes interleaved, so every prefix is
/// balanced). Event i is drawn from Rng(derive_seed(seed, i)), so it does
/// not depend on n_per_class.
inline Dataset generate_minerva(std::int64_t n_per_class, std::uint64_t seed, const MinervaOptions& options = {}) {
    if (n_per_class < 1) {
        throw ConfigError("generate_minerva.n_per_class", fmt::format("must be positive, got {}", n_per_class));
    }
    const auto dead = minerva_dead_channels(options);
    Dataset d;
    const std::int64_t n = n_per_class * minerva_segments;
    d.shape = {n, minerva_views, minerva_planes, minerva_strips};
    d.class_names = minerva_class_names();
    d.data.resize(static_cast<std::size_t>(n * minerva_views * minerva_planes * minerva_strips));
    d.labels.resize(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        Rng rng(derive_seed(seed, static_cast<std::uint64_t>(i)));
        const auto segment = i % minerva_segments;
        const auto ev = simulate_minerva_event(segment, rng, options, dead);
        auto out = d.sample(i);
        std::copy(ev.image.begin(), ev.image.end(), out.begin());
        d.labels[static_cast<std::size_t>(i)] = segment;
    }
    return d;
}

}  // namespace evonas::examples::minerva
