// evonas examples: synthetic small-angle neutron scattering (SANS) curves
// for model identification, MENNDL's first science problem.
//
// Given a measured I(q), which structural model describes the sample? Four
// classes, in this order (the label is the index):
//   0 cylinder            rigid rods, orientation averaged
//   1 spherical_sld       spheres whose scattering length density (SLD)
//                         changes from core to shells through graded
//                         (smooth) interfaces
//   2 gaussian_chain      Gaussian polymer coils (Debye function)
//   3 correlation_length  Porod power law plus a Lorentzian-like term
//
// Units follow SasView: q in 1/Angstrom, lengths in Angstrom, SLD in
// 1e-6/Angstrom^2, intensity in 1/cm. The pure model functions
// (sans_models.hpp) return the model without background; generate_sans()
// adds a flat background and counting noise and samples parameters from
// SansRanges (sans_ranges.hpp), whose defaults follow real instruments.
//
// Randomness comes only from evonas::Rng (normal draws by Box-Muller), so a
// seed gives the same curves everywhere; curve i depends only on (seed, i).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/random.hpp>

#include "../common/dataset.hpp"
#include "sans_models.hpp"
#include "sans_ranges.hpp"

namespace evonas::examples::sans {

/// The four structural models, in label order.
enum class SansModel : std::int64_t { cylinder = 0, spherical_sld = 1, gaussian_chain = 2, correlation_length = 3 };

inline constexpr std::int64_t sans_classes = 4;
inline constexpr std::int64_t sans_points = 256;  ///< points of the q grid
inline constexpr double sans_q_min = 0.001;       ///< 1/Angstrom
inline constexpr double sans_q_max = 0.5;         ///< 1/Angstrom
/// The human-designed seed network of the SANS example (genome text, in
/// cnn_space(1)); the example and the search benchmark (benchmarks/search) start from it.
inline constexpr const char* sans_seed_genome =
    "conv(k=7,f=16) pool(k=2,s=2) conv(k=5,f=32) pool(k=2,s=2) | dense(u=64) ; lr=0.01 mom=0.9 bs=32 opt=sgd";

/// The class names, index = label.
inline std::vector<std::string> sans_class_names() {
    return {"cylinder", "spherical_sld", "gaussian_chain", "correlation_length"};
}

/// The fixed q grid: sans_points values log-spaced from 0.001 to 0.5 1/A.
inline std::vector<double> sans_q_grid() {
    std::vector<double> q(static_cast<std::size_t>(sans_points));
    const double ratio = std::log(sans_q_max / sans_q_min);
    for (std::size_t i = 0; i < q.size(); ++i) {
        q[i] = sans_q_min * std::exp(ratio * static_cast<double>(i) / static_cast<double>(sans_points - 1));
    }
    q.back() = sans_q_max;
    return q;
}

// ---- random curves ----------------------------------------------------------

/// One synthetic curve on sans_q_grid(): the model (with background) and the
/// same with counting noise, and the parameters drawn (name, value; lengths
/// in Angstrom, SLD in 1e-6/A^2, intensities in 1/cm).
struct SansCurve {
    SansModel model = SansModel::cylinder;
    std::vector<double> clean;  ///< model + background
    std::vector<double> noisy;  ///< clean with counting noise
    std::vector<std::pair<std::string, double>> parameters;

    /// The value of parameter `name`; throws ConfigError when absent.
    double parameter(const std::string& name) const {
        for (const auto& [key, value] : parameters) {
            if (key == name) return value;
        }
        throw ConfigError("SansCurve.parameters", fmt::format("no parameter '{}'", name));
    }
};

namespace detail {

inline double draw(Rng& rng, const Interval& r) { return rng.uniform(r.min, r.max); }
inline double draw_log(Rng& rng, const Interval& r) { return log_uniform(rng, r.min, r.max); }

}  // namespace detail

/// The intensity (1/cm) one detector count stands for at q: the counts of
/// a q bin are I(q) / this. It grows toward low q as (q_max/q)^exponent
/// (fewer detector pixels per bin at small angles; see the README).
inline double intensity_per_count(double q, double at_q_max, double exponent) {
    return at_q_max * std::pow(sans_q_max / q, exponent);
}

/// A curve of `model` with parameters drawn from `rng` within `ranges`, on
/// the grid `q` (any q > 0; sans_q_grid() for the data sets).
///
/// Every curve: a flat background B (log-uniform in ranges.background) and
/// the intensity one count stands for at q_max, u (log-uniform in
/// ranges.intensity_per_count). Point i's counts are Poisson with mean
/// I_i / u_i, u_i = intensity_per_count(q_i, u, ranges.count_exponent), and
/// the noisy intensity is counts * u_i: the variance is I_i u_i, as for the
/// counting statistics of a reduced SANS curve. Parameter names (as in
/// sasmodels where it has the model; see the README's mapping):
///   cylinder            radius, length, contrast, scale (volume fraction)
///   spherical_sld       core_radius, core_sld, shells, solvent_sld, scale,
///                       shellK_thickness, shellK_sld, interfaceK_width
///                       (K = 1.., one interface more than shells), nu,
///                       interface_steps, total_radius
///   gaussian_chain      rg, scale (I(0))
///   correlation_length  porod_scale, porod_exponent, lorentz_scale,
///                       correlation_length, lorentz_exponent, crossover
///   all                 background, intensity_per_count
/// Throws ConfigError when `ranges` is invalid (SansRanges::validate).
inline SansCurve sample_sans_curve(SansModel model, Rng& rng, std::span<const double> q, const SansRanges& ranges) {
    ranges.validate();
    SansCurve c;
    c.model = model;
    c.clean.resize(q.size());
    auto& p = c.parameters;
    const double background = detail::draw_log(rng, ranges.background);
    const double per_count = detail::draw_log(rng, ranges.intensity_per_count);
    switch (model) {
        case SansModel::cylinder: {
            const double radius = detail::draw_log(rng, ranges.cylinder_radius);
            const double length = detail::draw_log(rng, ranges.cylinder_length);
            const double contrast = detail::draw(rng, ranges.cylinder_contrast);
            const double scale = detail::draw_log(rng, ranges.volume_fraction);
            p = {{"radius", radius}, {"length", length}, {"contrast", contrast}, {"scale", scale}};
            for (std::size_t i = 0; i < q.size(); ++i) c.clean[i] = cylinder_intensity(q[i], radius, length, contrast, scale);
            break;
        }
        case SansModel::spherical_sld: {
            SphericalSldProfile profile;
            profile.nu = ranges.interface_nu;
            profile.interface_steps = ranges.interface_steps;
            profile.solvent_sld = detail::draw(rng, ranges.solvent_sld);
            const auto& limits = ranges.material_sld;
            const auto layer_sld = [&] {
                const double offset = detail::draw(rng, ranges.sld_offset);
                double sld = profile.solvent_sld + (rng.chance(0.5) ? offset : -offset);
                if (sld < limits.min || sld > limits.max) sld = 2.0 * profile.solvent_sld - sld;  // the other side
                return std::clamp(sld, limits.min, limits.max);
            };
            profile.core_radius = detail::draw(rng, ranges.core_radius);
            profile.core_sld = layer_sld();
            const auto shells = static_cast<std::size_t>(1 + rng.index(static_cast<std::size_t>(ranges.max_shells)));
            for (std::size_t s = 0; s < shells; ++s) {
                profile.shell_thickness.push_back(detail::draw(rng, ranges.shell_thickness));
                profile.shell_sld.push_back(layer_sld());
            }
            for (std::size_t s = 0; s <= shells; ++s) profile.interface_width.push_back(detail::draw(rng, ranges.interface_width));
            const double scale = detail::draw_log(rng, ranges.volume_fraction);
            p = {{"core_radius", profile.core_radius}, {"core_sld", profile.core_sld},
                 {"shells", static_cast<double>(shells)}, {"solvent_sld", profile.solvent_sld}, {"scale", scale}};
            for (std::size_t s = 0; s < shells; ++s) {
                p.emplace_back(fmt::format("shell{}_thickness", s + 1), profile.shell_thickness[s]);
                p.emplace_back(fmt::format("shell{}_sld", s + 1), profile.shell_sld[s]);
            }
            for (std::size_t s = 0; s <= shells; ++s) {
                p.emplace_back(fmt::format("interface{}_width", s + 1), profile.interface_width[s]);
            }
            p.emplace_back("nu", profile.nu);
            p.emplace_back("interface_steps", static_cast<double>(profile.interface_steps));
            const auto segments = profile.segments();
            const double r = segments.back().outer;
            p.emplace_back("total_radius", r);
            const double volume = 4.0 / 3.0 * std::numbers::pi * r * r * r;
            for (std::size_t i = 0; i < q.size(); ++i) {
                const double f = graded_sphere_amplitude(q[i], segments, profile.solvent_sld);
                c.clean[i] = scale / volume * f * f * detail::intensity_unit;
            }
            break;
        }
        case SansModel::gaussian_chain: {
            const double rg = detail::draw_log(rng, ranges.radius_of_gyration);
            const double scale = detail::draw_log(rng, ranges.chain_forward_intensity);
            p = {{"rg", rg}, {"scale", scale}};
            for (std::size_t i = 0; i < q.size(); ++i) c.clean[i] = debye_intensity(q[i], rg, scale);
            break;
        }
        case SansModel::correlation_length: {
            const double length = detail::draw_log(rng, ranges.correlation_length);
            const double lorentz_scale = detail::draw_log(rng, ranges.lorentz_scale);
            const double m = detail::draw(rng, ranges.lorentz_exponent);
            const double n = detail::draw(rng, ranges.porod_exponent);
            const double crossover = detail::draw_log(rng, ranges.porod_crossover);
            const double porod_scale = lorentz_scale * std::pow(crossover, n);
            p = {{"porod_scale", porod_scale}, {"porod_exponent", n},        {"lorentz_scale", lorentz_scale},
                 {"correlation_length", length}, {"lorentz_exponent", m}, {"crossover", crossover}};
            for (std::size_t i = 0; i < q.size(); ++i) {
                c.clean[i] = correlation_length_intensity(q[i], porod_scale, n, lorentz_scale, length, m);
            }
            break;
        }
    }
    p.emplace_back("background", background);
    p.emplace_back("intensity_per_count", per_count);
    c.noisy.resize(q.size());
    for (std::size_t i = 0; i < q.size(); ++i) {
        c.clean[i] += background;
        const double u = intensity_per_count(q[i], per_count, ranges.count_exponent);
        c.noisy[i] = static_cast<double>(poisson(rng, c.clean[i] / u)) * u;
    }
    return c;
}

/// sample_sans_curve with the default ranges (SansRanges{}).
inline SansCurve sample_sans_curve(SansModel model, Rng& rng, std::span<const double> q) {
    return sample_sans_curve(model, rng, q, SansRanges{});
}

/// Raw noisy curves: shape [4 * n_per_class, 256] (float32 I(q) in 1/cm on
/// sans_q_grid()), labels i % 4 (classes interleaved, so every prefix is
/// balanced). Curve i is drawn from Rng(derive_seed(seed, i)) within
/// `ranges`, so it does not depend on n_per_class.
inline Dataset generate_sans(std::int64_t n_per_class, std::uint64_t seed, const SansRanges& ranges) {
    if (n_per_class < 1) throw ConfigError("generate_sans.n_per_class", fmt::format("must be positive, got {}", n_per_class));
    ranges.validate();
    const auto q = sans_q_grid();
    Dataset d;
    const std::int64_t n = n_per_class * sans_classes;
    d.shape = {n, sans_points};
    d.class_names = sans_class_names();
    d.data.resize(static_cast<std::size_t>(n * sans_points));
    d.labels.resize(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        Rng rng(derive_seed(seed, static_cast<std::uint64_t>(i)));
        const auto label = i % sans_classes;
        const auto curve = sample_sans_curve(static_cast<SansModel>(label), rng, q, ranges);
        auto out = d.sample(i);
        for (std::size_t k = 0; k < out.size(); ++k) out[k] = static_cast<float>(curve.noisy[k]);
        d.labels[static_cast<std::size_t>(i)] = label;
    }
    return d;
}

/// generate_sans with the default ranges (SansRanges{}).
inline Dataset generate_sans(std::int64_t n_per_class, std::uint64_t seed) {
    return generate_sans(n_per_class, seed, SansRanges{});
}

/// One curve's network input: log10 of the intensities, each clamped from
/// below to the curve's smallest positive value (zeros and negative noisy
/// points are not infinite), then standardised to zero mean and unit
/// variance (all zeros for a flat curve). Throws ConfigError naming the
/// point when a value is NaN or infinite, or when no value is positive.
inline void preprocess_sans_curve(std::span<const float> raw, std::span<float> out, std::int64_t curve = 0) {
    if (out.size() != raw.size()) throw ConfigError("preprocess_sans", "output size differs from input size");
    double floor = 0.0;
    for (std::size_t k = 0; k < raw.size(); ++k) {
        if (!std::isfinite(raw[k])) {
            throw ConfigError(fmt::format("sans curve {} point {}", curve, k), "intensity is not finite");
        }
        if (raw[k] > 0 && (floor == 0.0 || raw[k] < floor)) floor = raw[k];
    }
    if (floor == 0.0) throw ConfigError(fmt::format("sans curve {}", curve), "has no positive intensity");
    std::vector<double> logs(raw.size());
    double mean = 0.0;
    for (std::size_t k = 0; k < raw.size(); ++k) {
        logs[k] = std::log10(std::max(static_cast<double>(raw[k]), floor));
        mean += logs[k];
    }
    mean /= static_cast<double>(raw.size());
    double var = 0.0;
    for (double v : logs) var += (v - mean) * (v - mean);
    var /= static_cast<double>(raw.size());
    const double inv = var > 1e-24 ? 1.0 / std::sqrt(var) : 0.0;
    for (std::size_t k = 0; k < raw.size(); ++k) out[k] = static_cast<float>((logs[k] - mean) * inv);
}

/// Network input from raw curves of shape [N, P] or [N, 1, P] (any P >= 2,
/// e.g. generate_sans() output or I(q) read from files): [N, 1, P] made by
/// preprocess_sans_curve, labels and class names kept. Labels may be empty
/// (curves to classify); otherwise there is one per curve.
inline Dataset preprocess_sans(const Dataset& raw) {
    if (!(raw.shape.size() == 2 || (raw.shape.size() == 3 && raw.shape[1] == 1))) {
        throw ConfigError("preprocess_sans.raw", fmt::format("needs shape [N, points] or [N, 1, points], got {} axes",
                                                             raw.shape.size()));
    }
    const auto points = raw.shape.back();
    if (raw.shape[0] < 0 || points < 2) throw ConfigError("preprocess_sans.raw", "needs at least 2 points per curve");
    if (raw.data.size() != static_cast<std::size_t>(raw.shape[0] * points)) {
        throw ConfigError("preprocess_sans.raw",
                          fmt::format("{} values for {} curves of {} points", raw.data.size(), raw.shape[0], points));
    }
    if (!raw.labels.empty() && raw.labels.size() != static_cast<std::size_t>(raw.shape[0])) {
        throw ConfigError("preprocess_sans.raw", fmt::format("{} labels for {} curves", raw.labels.size(), raw.shape[0]));
    }
    Dataset out;
    out.shape = {raw.size(), 1, points};
    out.labels = raw.labels;
    out.class_names = raw.class_names;
    out.data.resize(raw.data.size());
    for (std::int64_t i = 0; i < raw.size(); ++i) preprocess_sans_curve(raw.sample(i), out.sample(i), i);
    return out;
}

}  // namespace evonas::examples::sans
