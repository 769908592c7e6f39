// evonas examples: synthetic 3-D electron-microscopy (EM) volumes for
// mitochondria segmentation, MENNDL's third science problem.
//
// A volume of cellular material holds mitochondria; the task is to label
// every voxel as mitochondrion or not. As in MENNDL's EM work, a network
// classifies the centre voxel of a small 3-D patch, and a held-out volume is
// segmented by classifying a grid of patches and scored with Dice and IoU.
//
// What a synthetic volume holds (voxel units; intensities before the final
// standardisation; the whole volume is then shifted and scaled to zero mean
// and unit variance):
//   * mitochondria (the mask): capsules with an elliptic cross-section, so
//     from near-spheres to long rods: cross-section radii 3..7 voxels, a
//     straight middle part of half-length 0..10, random orientation, not
//     touching each other; added until the mask holds 10..22% of the volume
//     (a target drawn per volume) or 400 placements were tried.
//     Inside: a matrix slightly darker than the cytoplasm (-0.45..-0.1), a
//     bright double membrane (two Gaussian sheets 1.4 voxels apart, the
//     outer at the surface, amplitude 1.6..2.2) and cristae: thin bright
//     stripes (period 2.6..4 voxels, amplitude 1.0..1.5) across a direction
//     near the long axis, starting just inside the inner membrane;
//   * distractors: vesicles and other organelles (spheres of radius 1.5..5
//     with one bright membrane of amplitude 1.2..2.0, no cristae, a darker
//     or lighter inside), 1 to 3 gently curved membrane sheets (ER, plasma
//     membrane; amplitude 1.0..1.6), and dark and bright Gaussian blobs of
//     1..3.5 voxels (other organelles, stain variations);
//   * imaging: a separable 3-D Gaussian blur (sigma 0.6..1.0 voxel), a linear
//     illumination ramp (+-0.15 across the volume) and Gaussian noise
//     (sigma 0.25..0.45).
//
// Bright membranes appear on mitochondria and distractors alike, so a
// threshold on the local mean intensity reaches a Dice of only about
// 0.75..0.8; telling a double membrane with cristae from a single one is
// the network's job.
//
// Simplified compared with real FIB-SEM / serial-section EM: isotropic
// voxels, no section-to-section misalignment, charging or curtaining, no
// branching or touching mitochondria, cristae as regular stripes, and a
// background without the dense variety of real cytoplasm.
//
// Randomness comes only from evonas::Rng (normal draws by Box-Muller), so a
// seed gives the same volume everywhere.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/random.hpp>

#include "../common/dataset.hpp"

namespace evonas::examples::em {

using Index3 = std::array<std::int64_t, 3>;  ///< (z, y, x)

/// The class names, index = label.
inline std::vector<std::string> em_class_names() { return {"background", "mitochondrion"}; }

/// A 3-D volume with its ground truth. Arrays are z-major: voxel (z, y, x)
/// is at (z * dims[1] + y) * dims[2] + x.
struct EmVolume {
    Index3 dims{};                    ///< (depth, height, width)
    std::vector<float> intensity;     ///< dims product values
    std::vector<std::uint8_t> mask;   ///< 1 inside mitochondria; may be empty for unlabelled data

    std::int64_t voxels() const noexcept { return dims[0] * dims[1] * dims[2]; }
    std::size_t index(std::int64_t z, std::int64_t y, std::int64_t x) const noexcept {
        return static_cast<std::size_t>((z * dims[1] + y) * dims[2] + x);
    }
    /// The fraction of voxels in mitochondria.
    double mask_fraction() const noexcept {
        std::int64_t n = 0;
        for (auto m : mask) n += m != 0;
        return mask.empty() ? 0.0 : static_cast<double>(n) / static_cast<double>(mask.size());
    }
    /// Throws ConfigError when the arrays do not match dims.
    void check() const {
        for (std::size_t a = 0; a < 3; ++a) {
            if (dims[a] < 1) throw ConfigError("EmVolume.dims", fmt::format("axis {} is {}", a, dims[a]));
        }
        if (intensity.size() != static_cast<std::size_t>(voxels())) {
            throw ConfigError("EmVolume.intensity", fmt::format("{} values for {} voxels", intensity.size(), voxels()));
        }
        if (!mask.empty() && mask.size() != intensity.size()) {
            throw ConfigError("EmVolume.mask", fmt::format("{} values for {} voxels", mask.size(), voxels()));
        }
    }
};

/// Ranges the generator draws a volume's properties from.
struct EmOptions {
    double min_fraction = 0.10;  ///< mitochondria volume fraction: target drawn in [min, max]
    double max_fraction = 0.22;
    double min_noise = 0.25;     ///< Gaussian noise sigma (membrane amplitude ~1)
    double max_noise = 0.45;
    double min_blur = 0.6;       ///< blur sigma, voxels
    double max_blur = 1.0;
};

namespace detail {

using Vec3 = std::array<double, 3>;

inline double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
inline Vec3 cross(const Vec3& a, const Vec3& b) {
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
inline Vec3 normalised(const Vec3& a) {
    const double n = std::sqrt(dot(a, a));
    return {a[0] / n, a[1] / n, a[2] / n};
}
inline Vec3 random_direction(Rng& rng) {
    const double z = 2.0 * rng.uniform() - 1.0;
    const double phi = 2.0 * std::numbers::pi * rng.uniform();
    const double r = std::sqrt(std::max(0.0, 1.0 - z * z));
    return {z, r * std::sin(phi), r * std::cos(phi)};
}

/// A capsule with an elliptic cross-section: points c + t a + u1 e1 + u2 e2.
struct Capsule {
    Vec3 centre{};
    Vec3 axis{}, e1{}, e2{};
    double r1 = 1, r2 = 1, half_length = 0;

    double extent() const { return half_length + std::max(r1, r2); }

    /// Approximate signed distance to the surface (negative inside): the
    /// distance along the ray from the nearest axis point.
    double signed_distance(const Vec3& p) const {
        const Vec3 d{p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]};
        const double t = dot(d, axis);
        const double u1 = dot(d, e1);
        const double u2 = dot(d, e2);
        const double te = std::max(std::fabs(t) - half_length, 0.0);
        const double r3 = std::sqrt(r1 * r2);
        const double rho = std::sqrt((u1 / r1) * (u1 / r1) + (u2 / r2) * (u2 / r2) + (te / r3) * (te / r3));
        const double len = std::sqrt(u1 * u1 + u2 * u2 + te * te);
        if (rho < 1e-12) return -std::min(r1, r2);
        return len - len / rho;
    }
};

/// Calls f(z, y, x, point) for the voxels within `radius` (a box) of c.
template <class F>
void for_box(const Index3& dims, const Vec3& c, double radius, F&& f) {
    Index3 lo{}, hi{};
    for (std::size_t a = 0; a < 3; ++a) {
        lo[a] = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(c[a] - radius)));
        hi[a] = std::min<std::int64_t>(dims[a] - 1, static_cast<std::int64_t>(std::ceil(c[a] + radius)));
    }
    for (std::int64_t z = lo[0]; z <= hi[0]; ++z) {
        for (std::int64_t y = lo[1]; y <= hi[1]; ++y) {
            for (std::int64_t x = lo[2]; x <= hi[2]; ++x) {
                f(z, y, x, Vec3{static_cast<double>(z), static_cast<double>(y), static_cast<double>(x)});
            }
        }
    }
}

/// In-place separable Gaussian blur with clamped borders.
inline void blur(std::vector<double>& v, const Index3& dims, double sigma) {
    const auto radius = static_cast<std::int64_t>(std::ceil(3.0 * sigma));
    std::vector<double> kernel(static_cast<std::size_t>(2 * radius + 1));
    double total = 0.0;
    for (std::int64_t k = -radius; k <= radius; ++k) {
        const double w = std::exp(-0.5 * static_cast<double>(k * k) / (sigma * sigma));
        kernel[static_cast<std::size_t>(k + radius)] = w;
        total += w;
    }
    for (auto& w : kernel) w /= total;
    const std::array<std::int64_t, 3> step{dims[1] * dims[2], dims[2], 1};
    std::vector<double> line;
    std::vector<double> out;
    for (std::size_t axis = 0; axis < 3; ++axis) {
        const auto n = dims[axis];
        line.resize(static_cast<std::size_t>(n));
        out.resize(static_cast<std::size_t>(n));
        const auto total_voxels = static_cast<std::int64_t>(v.size());
        for (std::int64_t start = 0; start < total_voxels; ++start) {
            // Start of a line: its coordinate along `axis` is 0.
            if ((start / step[axis]) % n != 0) continue;
            for (std::int64_t i = 0; i < n; ++i) line[static_cast<std::size_t>(i)] = v[static_cast<std::size_t>(start + i * step[axis])];
            for (std::int64_t i = 0; i < n; ++i) {
                double s = 0.0;
                for (std::int64_t k = -radius; k <= radius; ++k) {
                    const auto j = std::clamp<std::int64_t>(i + k, 0, n - 1);
                    s += kernel[static_cast<std::size_t>(k + radius)] * line[static_cast<std::size_t>(j)];
                }
                out[static_cast<std::size_t>(i)] = s;
            }
            for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(start + i * step[axis])] = out[static_cast<std::size_t>(i)];
        }
    }
}

}  // namespace detail

/// A cubic volume of size^3 voxels (size >= 16) and its mitochondria mask,
/// drawn from `seed` (see the top of this header for what it holds).
inline EmVolume generate_em_volume(std::int64_t size, std::uint64_t seed, const EmOptions& options = {}) {
    if (size < 16) throw ConfigError("generate_em_volume.size", fmt::format("must be at least 16, got {}", size));
    if (!(options.min_fraction > 0 && options.min_fraction <= options.max_fraction && options.max_fraction < 0.5)) {
        throw ConfigError("EmOptions.min_fraction", "needs 0 < min_fraction <= max_fraction < 0.5");
    }
    using detail::Vec3;
    Rng rng(seed);
    EmVolume vol;
    vol.dims = {size, size, size};
    const auto n = static_cast<std::size_t>(vol.voxels());
    std::vector<double> raw(n, 0.0);
    vol.mask.assign(n, 0);
    std::vector<std::uint8_t> near(n, 0);  // within 1 voxel of a mitochondrion (kept clear)

    const auto random_point = [&](double margin) {
        return Vec3{rng.uniform(-margin, static_cast<double>(size) + margin),
                    rng.uniform(-margin, static_cast<double>(size) + margin),
                    rng.uniform(-margin, static_cast<double>(size) + margin)};
    };

    // Mitochondria.
    const double target = rng.uniform(options.min_fraction, options.max_fraction);
    std::int64_t inside = 0;
    std::vector<double> sd;
    for (int attempt = 0; attempt < 400 && static_cast<double>(inside) < target * static_cast<double>(n); ++attempt) {
        detail::Capsule cap;
        cap.r1 = rng.uniform(3.0, 7.0);
        cap.r2 = rng.uniform(3.0, 7.0);
        cap.half_length = rng.uniform(0.0, 10.0);
        cap.axis = detail::random_direction(rng);
        const Vec3 helper = std::fabs(cap.axis[0]) < 0.9 ? Vec3{1, 0, 0} : Vec3{0, 1, 0};
        const Vec3 e1 = detail::normalised(detail::cross(cap.axis, helper));
        const Vec3 e2 = detail::cross(cap.axis, e1);
        const double psi = 2.0 * std::numbers::pi * rng.uniform();
        for (std::size_t a = 0; a < 3; ++a) {
            cap.e1[a] = std::cos(psi) * e1[a] + std::sin(psi) * e2[a];
            cap.e2[a] = -std::sin(psi) * e1[a] + std::cos(psi) * e2[a];
        }
        cap.centre = random_point(0.0);
        const double reach = cap.extent() + 3.0;
        // Reject when it would touch an accepted one.
        bool clear = true;
        detail::for_box(vol.dims, cap.centre, reach, [&](std::int64_t z, std::int64_t y, std::int64_t x, const Vec3& p) {
            if (clear && near[vol.index(z, y, x)] && cap.signed_distance(p) < 1.0) clear = false;
        });
        if (!clear) continue;
        const double matrix = rng.uniform(-0.45, -0.1);
        const double membrane = rng.uniform(1.6, 2.2);
        const double cristae = rng.uniform(1.0, 1.5);
        const double period = rng.uniform(2.6, 4.0);
        const double phase = 2.0 * std::numbers::pi * rng.uniform();
        const auto tilt = detail::random_direction(rng);
        const Vec3 stripe = detail::normalised(
            {cap.axis[0] + 0.3 * tilt[0], cap.axis[1] + 0.3 * tilt[1], cap.axis[2] + 0.3 * tilt[2]});
        detail::for_box(vol.dims, cap.centre, reach, [&](std::int64_t z, std::int64_t y, std::int64_t x, const Vec3& p) {
            const double d = cap.signed_distance(p);
            if (d >= 2.5) return;
            const auto i = vol.index(z, y, x);
            if (d < 1.0) near[i] = 1;
            const double m1 = (d + 0.5) / 0.5;
            const double m2 = (d + 1.9) / 0.5;
            double value = membrane * (std::exp(-m1 * m1) + std::exp(-m2 * m2));
            if (d < 0.0) {
                vol.mask[i] = 1;
                ++inside;
                value += matrix;
                if (d < -2.4) {
                    const double s = detail::dot({p[0] - cap.centre[0], p[1] - cap.centre[1], p[2] - cap.centre[2]}, stripe);
                    const double c = std::max(0.0, std::cos(2.0 * std::numbers::pi * s / period + phase));
                    value += cristae * std::min(1.0, (-d - 2.4) / 0.8) * c * c * c * c;
                }
            }
            raw[i] += value;
        });
    }

    // Vesicles and other organelles: one bright membrane, no cristae, a
    // darker or lighter inside; away from mitochondria.
    const auto vesicles = static_cast<std::int64_t>(n / 5000) + 1;
    for (std::int64_t k = 0; k < vesicles; ++k) {
        const Vec3 c = random_point(2.0);
        const double r = rng.uniform(1.5, 5.0);
        const double amplitude = rng.uniform(1.2, 2.0);
        const double interior = rng.uniform(-0.45, 0.2);
        bool clear = true;
        detail::for_box(vol.dims, c, r + 2.0, [&](std::int64_t z, std::int64_t y, std::int64_t x, const Vec3&) {
            if (near[vol.index(z, y, x)]) clear = false;
        });
        if (!clear) continue;
        detail::for_box(vol.dims, c, r + 2.0, [&](std::int64_t z, std::int64_t y, std::int64_t x, const Vec3& p) {
            const double dist = std::sqrt((p[0] - c[0]) * (p[0] - c[0]) + (p[1] - c[1]) * (p[1] - c[1]) + (p[2] - c[2]) * (p[2] - c[2]));
            const double m = (dist - r + 0.5) / 0.5;
            raw[vol.index(z, y, x)] += amplitude * std::exp(-m * m) + (dist < r - 0.5 ? interior : 0.0);
        });
    }

    // Membrane sheets, gently curved, interrupted by mitochondria.
    const auto sheets = 1 + static_cast<std::int64_t>(rng.index(3));
    for (std::int64_t k = 0; k < sheets; ++k) {
        const Vec3 normal = detail::random_direction(rng);
        const Vec3 c = random_point(0.0);
        const double curvature = rng.uniform(-0.01, 0.01);
        const double amplitude = rng.uniform(1.0, 1.6);
        for (std::int64_t z = 0; z < size; ++z) {
            for (std::int64_t y = 0; y < size; ++y) {
                for (std::int64_t x = 0; x < size; ++x) {
                    const auto i = vol.index(z, y, x);
                    if (near[i]) continue;
                    const Vec3 d{static_cast<double>(z) - c[0], static_cast<double>(y) - c[1], static_cast<double>(x) - c[2]};
                    const double h = detail::dot(d, normal);
                    const double perp2 = detail::dot(d, d) - h * h;
                    const double m = (h - curvature * perp2) / 0.5;
                    if (std::fabs(m) < 6.0) raw[i] += amplitude * std::exp(-m * m);
                }
            }
        }
    }

    // Blobs.
    const auto blobs = static_cast<std::int64_t>(n / 1500) + 1;
    for (std::int64_t k = 0; k < blobs; ++k) {
        const Vec3 c = random_point(3.0);
        const double sigma = rng.uniform(1.0, 3.5);
        const double amplitude = rng.uniform(-0.4, 0.4);
        detail::for_box(vol.dims, c, 3.0 * sigma, [&](std::int64_t z, std::int64_t y, std::int64_t x, const Vec3& p) {
            const double r2 = (p[0] - c[0]) * (p[0] - c[0]) + (p[1] - c[1]) * (p[1] - c[1]) + (p[2] - c[2]) * (p[2] - c[2]);
            raw[vol.index(z, y, x)] += amplitude * std::exp(-0.5 * r2 / (sigma * sigma));
        });
    }

    // Imaging: blur, illumination ramp, noise, standardisation.
    detail::blur(raw, vol.dims, rng.uniform(options.min_blur, options.max_blur));
    const Vec3 ramp = detail::random_direction(rng);
    const double noise = rng.uniform(options.min_noise, options.max_noise);
    const double half = 0.5 * static_cast<double>(size - 1);
    for (std::int64_t z = 0; z < size; ++z) {
        for (std::int64_t y = 0; y < size; ++y) {
            for (std::int64_t x = 0; x < size; ++x) {
                const Vec3 d{static_cast<double>(z) - half, static_cast<double>(y) - half, static_cast<double>(x) - half};
                raw[vol.index(z, y, x)] += 0.15 * detail::dot(d, ramp) / half + noise * standard_normal(rng);
            }
        }
    }
    double mean = 0.0;
    for (double v : raw) mean += v;
    mean /= static_cast<double>(n);
    double var = 0.0;
    for (double v : raw) var += (v - mean) * (v - mean);
    const double inv = 1.0 / std::sqrt(var / static_cast<double>(n));
    vol.intensity.resize(n);
    for (std::size_t i = 0; i < n; ++i) vol.intensity[i] = static_cast<float>((raw[i] - mean) * inv);
    return vol;
}

/// Patches and where they came from.
struct EmPatches {
    Dataset data;                 ///< [N, 1, p, p, p], labels 0 background / 1 mitochondrion
    std::vector<Index3> centres;  ///< each patch's centre voxel
};

namespace detail {

/// Copies the patch of odd side p centred at c (borders replicated) into out.
inline void copy_patch(const EmVolume& vol, const Index3& c, std::int64_t p, std::span<float> out) {
    const auto r = p / 2;
    std::size_t k = 0;
    for (std::int64_t dz = -r; dz <= r; ++dz) {
        const auto z = std::clamp<std::int64_t>(c[0] + dz, 0, vol.dims[0] - 1);
        for (std::int64_t dy = -r; dy <= r; ++dy) {
            const auto y = std::clamp<std::int64_t>(c[1] + dy, 0, vol.dims[1] - 1);
            for (std::int64_t dx = -r; dx <= r; ++dx) {
                const auto x = std::clamp<std::int64_t>(c[2] + dx, 0, vol.dims[2] - 1);
                out[k++] = vol.intensity[vol.index(z, y, x)];
            }
        }
    }
}

inline void check_patch_size(std::int64_t p) {
    if (p < 1 || p % 2 == 0) throw ConfigError("patch_size", fmt::format("must be odd and positive, got {}", p));
}

inline EmPatches make_patches(std::int64_t count, std::int64_t p) {
    EmPatches out;
    out.data.shape = {count, 1, p, p, p};
    out.data.class_names = em_class_names();
    out.data.data.resize(static_cast<std::size_t>(count * p * p * p));
    out.data.labels.resize(static_cast<std::size_t>(count));
    out.centres.resize(static_cast<std::size_t>(count));
    return out;
}

}  // namespace detail

/// `count` patches of odd side `patch_size` (e.g. 9 or 11) to classify the
/// centre voxel: [count, 1, p, p, p] with label = mask at the centre.
/// Borders are replicated, so any voxel can be a centre. balance = true
/// alternates background (even i) and mitochondrion (odd i) centres, each
/// drawn uniformly from the voxels of its class; false draws centres
/// uniformly from the whole volume. Throws ConfigError for a bad size, a
/// volume without a mask, or (balanced) a class with no voxels.
inline EmPatches extract_patches(const EmVolume& vol, std::int64_t patch_size, std::int64_t count, std::uint64_t seed,
                                 bool balance = true) {
    vol.check();
    detail::check_patch_size(patch_size);
    if (count < 1) throw ConfigError("extract_patches.count", fmt::format("must be positive, got {}", count));
    if (vol.mask.empty()) throw ConfigError("extract_patches.volume", "has no mask to label patches with");
    std::array<std::vector<std::int64_t>, 2> by_class;
    if (balance) {
        for (std::size_t i = 0; i < vol.mask.size(); ++i) by_class[vol.mask[i] ? 1 : 0].push_back(static_cast<std::int64_t>(i));
        for (std::size_t c = 0; c < 2; ++c) {
            if (by_class[c].empty()) {
                throw ConfigError("extract_patches.volume", fmt::format("has no {} voxels to balance with", em_class_names()[c]));
            }
        }
    }
    Rng rng(seed);
    auto out = detail::make_patches(count, patch_size);
    const auto plane = vol.dims[1] * vol.dims[2];
    for (std::int64_t k = 0; k < count; ++k) {
        std::int64_t voxel = 0;
        if (balance) {
            const auto& pool = by_class[static_cast<std::size_t>(k % 2)];
            voxel = pool[rng.index(pool.size())];
        } else {
            voxel = static_cast<std::int64_t>(rng.index(static_cast<std::size_t>(vol.voxels())));
        }
        const Index3 c{voxel / plane, (voxel / vol.dims[2]) % vol.dims[1], voxel % vol.dims[2]};
        detail::copy_patch(vol, c, patch_size, out.data.sample(k));
        out.data.labels[static_cast<std::size_t>(k)] = vol.mask[static_cast<std::size_t>(voxel)] ? 1 : 0;
        out.centres[static_cast<std::size_t>(k)] = c;
    }
    return out;
}

/// A strided grid of patch centres over a volume, to segment it: along an
/// axis of length n, centre k is min(k * stride + stride / 2, n - 1) for
/// k < ceil(n / stride), and voxel x belongs to cell x / stride. stride 1
/// is every voxel. Centres are numbered z-major.
struct PatchGrid {
    Index3 dims{};
    std::int64_t stride = 1;
    Index3 counts{};

    std::int64_t size() const noexcept { return counts[0] * counts[1] * counts[2]; }

    Index3 centre(std::int64_t k) const noexcept {
        const Index3 cell{k / (counts[1] * counts[2]), (k / counts[2]) % counts[1], k % counts[2]};
        Index3 c{};
        for (std::size_t a = 0; a < 3; ++a) c[a] = std::min(cell[a] * stride + stride / 2, dims[a] - 1);
        return c;
    }
};

/// The grid over a volume of `dims` with `stride` >= 1.
inline PatchGrid make_patch_grid(const Index3& dims, std::int64_t stride) {
    if (stride < 1) throw ConfigError("make_patch_grid.stride", fmt::format("must be positive, got {}", stride));
    PatchGrid g;
    g.dims = dims;
    g.stride = stride;
    for (std::size_t a = 0; a < 3; ++a) g.counts[a] = (dims[a] + stride - 1) / stride;
    return g;
}

/// Patches [first, first + count) of the grid (fewer at the end), so a
/// whole volume can be classified in chunks that fit in memory. Labels are
/// the mask at the centres (0 when the volume has no mask).
inline EmPatches grid_patches(const EmVolume& vol, const PatchGrid& grid, std::int64_t patch_size, std::int64_t first,
                              std::int64_t count) {
    vol.check();
    detail::check_patch_size(patch_size);
    if (grid.dims != vol.dims) throw ConfigError("grid_patches.grid", "was made for other dimensions");
    if (first < 0 || count < 0) throw ConfigError("grid_patches.first", "first and count must not be negative");
    const auto end = std::min(grid.size(), first + count);
    const auto n = std::max<std::int64_t>(0, end - first);
    auto out = detail::make_patches(n, patch_size);
    for (std::int64_t k = 0; k < n; ++k) {
        const auto c = grid.centre(first + k);
        detail::copy_patch(vol, c, patch_size, out.data.sample(k));
        out.data.labels[static_cast<std::size_t>(k)] = !vol.mask.empty() && vol.mask[vol.index(c[0], c[1], c[2])] ? 1 : 0;
        out.centres[static_cast<std::size_t>(k)] = c;
    }
    return out;
}

/// A voxel mask from one predicted label per grid centre (nonzero =
/// mitochondrion): every voxel takes its cell's prediction.
inline std::vector<std::uint8_t> mask_from_grid(const PatchGrid& grid, std::span<const std::int64_t> predicted) {
    if (static_cast<std::int64_t>(predicted.size()) != grid.size()) {
        throw ConfigError("mask_from_grid.predicted", fmt::format("{} labels for a grid of {}", predicted.size(), grid.size()));
    }
    std::vector<std::uint8_t> mask(static_cast<std::size_t>(grid.dims[0] * grid.dims[1] * grid.dims[2]));
    std::size_t i = 0;
    for (std::int64_t z = 0; z < grid.dims[0]; ++z) {
        for (std::int64_t y = 0; y < grid.dims[1]; ++y) {
            for (std::int64_t x = 0; x < grid.dims[2]; ++x) {
                const auto k = ((z / grid.stride) * grid.counts[1] + y / grid.stride) * grid.counts[2] + x / grid.stride;
                mask[i++] = predicted[static_cast<std::size_t>(k)] != 0 ? 1 : 0;
            }
        }
    }
    return mask;
}

namespace detail {
struct Overlap {
    std::int64_t both = 0, pred = 0, truth = 0;
};
inline Overlap overlap(std::span<const std::uint8_t> pred, std::span<const std::uint8_t> truth, const char* who) {
    if (pred.size() != truth.size()) {
        throw ConfigError(who, fmt::format("masks differ in size ({} and {})", pred.size(), truth.size()));
    }
    Overlap o;
    for (std::size_t i = 0; i < pred.size(); ++i) {
        const bool p = pred[i] != 0;
        const bool t = truth[i] != 0;
        o.both += p && t;
        o.pred += p;
        o.truth += t;
    }
    return o;
}
}  // namespace detail

/// Dice coefficient 2|P and T| / (|P| + |T|) of two masks (nonzero =
/// foreground); 1 when both are empty.
inline double dice(std::span<const std::uint8_t> pred, std::span<const std::uint8_t> truth) {
    const auto o = detail::overlap(pred, truth, "dice");
    if (o.pred + o.truth == 0) return 1.0;
    return 2.0 * static_cast<double>(o.both) / static_cast<double>(o.pred + o.truth);
}

/// Intersection over union |P and T| / |P or T| (Jaccard); 1 when both are
/// empty. iou = dice / (2 - dice).
inline double iou(std::span<const std::uint8_t> pred, std::span<const std::uint8_t> truth) {
    const auto o = detail::overlap(pred, truth, "iou");
    const auto either = o.pred + o.truth - o.both;
    if (either == 0) return 1.0;
    return static_cast<double>(o.both) / static_cast<double>(either);
}

}  // namespace evonas::examples::em
