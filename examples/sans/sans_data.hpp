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
// 1e-6/Angstrom^2, intensity in 1/cm. The pure model functions below return
// the model without background; generate_sans() adds a flat background and
// counting noise and samples parameters from the ranges documented at
// sample_sans_curve().
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

// ---- special functions ------------------------------------------------------

/// J1(x)/x, accurate to about 1e-8 absolute: the power series below
/// |x| = 2 (to 1e-14), then the rational and asymptotic approximations of
/// Numerical Recipes' bessj1. Even in x; 0.5 at x = 0. Written out because
/// libc++ has no std::cyl_bessel_j.
inline double bessel_j1_over_x(double x) {
    const double ax = std::fabs(x);
    if (ax < 2.0) {
        // J1(x)/x = 1/2 sum_k (-x^2/4)^k / (k! (k+1)!)
        const double y = -0.25 * x * x;
        double term = 0.5;
        double sum = 0.5;
        for (int k = 1; k <= 11; ++k) {
            term *= y / (k * (k + 1.0));
            sum += term;
        }
        return sum;
    }
    if (ax < 8.0) {
        const double y = x * x;
        const double num = 72362614232.0 +
                           y * (-7895059235.0 + y * (242396853.1 + y * (-2972611.439 + y * (15704.48260 + y * (-30.16036606)))));
        const double den = 144725228442.0 +
                           y * (2300535178.0 + y * (18583304.74 + y * (99447.43394 + y * (376.9991397 + y))));
        return num / den;
    }
    const double z = 8.0 / ax;
    const double y = z * z;
    const double xx = ax - 2.356194491;
    const double p = 1.0 + y * (0.183105e-2 + y * (-0.3516396496e-4 + y * (0.2457520174e-5 + y * (-0.240337019e-6))));
    const double r = 0.04687499995 + y * (-0.2002690873e-3 + y * (0.8449199096e-5 + y * (-0.88228987e-6 + y * 0.105787412e-6)));
    return std::sqrt(0.636619772 / ax) * (std::cos(xx) * p - z * std::sin(xx) * r) / ax;
}

/// The Bessel function of the first kind of order 1.
inline double bessel_j1(double x) { return x * bessel_j1_over_x(x); }

/// The sphere's form amplitude 3 (sin x - x cos x) / x^3 (1 at x = 0).
inline double sphere_amplitude(double x) {
    if (std::fabs(x) < 0.05) {
        const double y = x * x;
        return 1.0 - y / 10.0 + y * y / 280.0 - y * y * y / 15120.0;
    }
    return 3.0 * (std::sin(x) - x * std::cos(x)) / (x * x * x);
}

/// sin(x)/x (1 at x = 0).
inline double sinc(double x) {
    if (std::fabs(x) < 1e-4) return 1.0 - x * x / 6.0;
    return std::sin(x) / x;
}

namespace detail {

/// 6-point Gauss-Legendre nodes and weights on [-1, 1] (positive half).
inline constexpr std::array<double, 3> gl6_nodes{0.2386191860831969, 0.6612093864662645, 0.9324695142031521};
inline constexpr std::array<double, 3> gl6_weights{0.4679139345726910, 0.3607615730481386, 0.1713244923791704};

/// Integral of f over [a, b] by composite 6-point Gauss-Legendre on
/// `panels` equal panels.
template <class F>
double gauss_legendre(F&& f, double a, double b, int panels) {
    const double h = (b - a) / panels;
    double total = 0.0;
    for (int k = 0; k < panels; ++k) {
        const double mid = a + (k + 0.5) * h;
        const double half = 0.5 * h;
        double s = 0.0;
        for (std::size_t j = 0; j < gl6_nodes.size(); ++j) {
            s += gl6_weights[j] * (f(mid - half * gl6_nodes[j]) + f(mid + half * gl6_nodes[j]));
        }
        total += s * half;
    }
    return total;
}

inline constexpr double intensity_unit = 1e-4;  ///< (1e-6/A^2)^2 * A^3 -> 1/cm

}  // namespace detail

// ---- the models (no background) -------------------------------------------

/// Homogeneous sphere: I(q) = scale * V * contrast^2 * [3 (sin qR - qR cos qR)/(qR)^3]^2 * 1e-4,
/// scale = volume fraction, contrast = SLD difference (1e-6/A^2), V = 4/3 pi R^3.
/// Its minima are the roots of tan(qR) = qR: qR = 4.4934, 7.7253, ...
inline double sphere_intensity(double q, double radius, double contrast, double scale) {
    const double volume = 4.0 / 3.0 * std::numbers::pi * radius * radius * radius;
    const double f = sphere_amplitude(q * radius);
    return scale * volume * contrast * contrast * f * f * detail::intensity_unit;
}

/// Cylinder at angle alpha between its axis and q (no orientation average):
/// the form factor [2 J1(qR sin a)/(qR sin a) * sin(qL cos a / 2)/(qL cos a / 2)]^2.
/// At alpha = pi/2 it is the cross-section term [2 J1(qR)/(qR)]^2, zero at
/// the zeros of J1 (qR = 3.8317, 7.0156, ...).
inline double cylinder_form_factor(double q, double radius, double length, double alpha) {
    const double a = 2.0 * bessel_j1_over_x(q * radius * std::sin(alpha));
    const double b = sinc(0.5 * q * length * std::cos(alpha));
    return a * a * b * b;
}

/// Orientation-averaged cylinder (SasView's "cylinder"):
/// I(q) = scale * V * contrast^2 * integral_0^1 [2 J1(qR s)/(qR s)]^2 sinc^2(qLu/2) du * 1e-4,
/// u = cos(alpha), s = sqrt(1 - u^2), V = pi R^2 L. The integral uses
/// composite 6-point Gauss-Legendre with one panel per half-oscillation of
/// the integrand (relative error far below the data's noise). For L >> R and
/// qL >> 1, I(q) ~ (pi / qL) * [2 J1(qR)/(qR)]^2, so q*I(q) has its minima at
/// the zeros of J1.
inline double cylinder_intensity(double q, double radius, double length, double contrast, double scale) {
    const double qr = q * radius;
    const double half_ql = 0.5 * q * length;
    const int panels = 1 + static_cast<int>(std::min(2000.0, (half_ql + qr) / std::numbers::pi));
    const double average = detail::gauss_legendre(
        [&](double u) {
            const double a = 2.0 * bessel_j1_over_x(qr * std::sqrt(std::max(0.0, 1.0 - u * u)));
            const double b = sinc(half_ql * u);
            return a * a * b * b;
        },
        0.0, 1.0, panels);
    const double volume = std::numbers::pi * radius * radius * length;
    return scale * volume * contrast * contrast * average * detail::intensity_unit;
}

/// One step of a radial SLD profile: SLD `sld` from the previous step's
/// radius out to `radius`.
struct SldStep {
    double radius = 0;  ///< outer radius, Angstrom
    double sld = 0;     ///< 1e-6/A^2
};

/// Core-multi-shell sphere from a step profile (radii increasing), in a
/// solvent: F(q) = sum_k (rho_k - rho_{k+1}) V(r_k) 3 j1(q r_k)/(q r_k), with
/// rho after the last step = solvent; I(q) = scale / V_total * F^2 * 1e-4.
inline double core_multi_shell_intensity(double q, std::span<const SldStep> steps, double solvent_sld,
                                         double scale) {
    if (steps.empty()) return 0.0;
    double amplitude = 0.0;
    for (std::size_t k = 0; k < steps.size(); ++k) {
        const double outer = (k + 1 < steps.size()) ? steps[k + 1].sld : solvent_sld;
        const double r = steps[k].radius;
        const double volume = 4.0 / 3.0 * std::numbers::pi * r * r * r;
        amplitude += (steps[k].sld - outer) * volume * sphere_amplitude(q * r);
    }
    const double r_total = steps.back().radius;
    const double v_total = 4.0 / 3.0 * std::numbers::pi * r_total * r_total * r_total;
    return scale / v_total * amplitude * amplitude * detail::intensity_unit;
}

/// A sphere with shells and graded interfaces (SasView's "spherical_sld"
/// idea): a flat core, then for each shell an interface in which the SLD
/// changes smoothly (an error-function profile) from the previous layer's
/// SLD to the shell's, then the shell's flat part; a last interface leads to
/// the solvent. Each interface is approximated by `sub_shells` thin flat
/// sub-shells.
struct SphericalSldProfile {
    double core_radius = 50;                ///< Angstrom
    double core_sld = 1;                    ///< 1e-6/A^2
    std::vector<double> shell_thickness;    ///< flat part of each shell, Angstrom
    std::vector<double> shell_sld;          ///< same size as shell_thickness
    std::vector<double> interface_width;    ///< shells + 1 widths (the last one before the solvent); 0 = sharp
    double solvent_sld = 6.36;              ///< D2O
    int sub_shells = 5;                     ///< thin shells per interface

    /// The equivalent step profile. Throws ConfigError on mismatched sizes
    /// or non-positive lengths.
    std::vector<SldStep> steps() const {
        if (shell_sld.size() != shell_thickness.size()) {
            throw ConfigError("SphericalSldProfile.shell_sld", "needs one SLD per shell thickness");
        }
        if (!interface_width.empty() && interface_width.size() != shell_thickness.size() + 1) {
            throw ConfigError("SphericalSldProfile.interface_width",
                              fmt::format("needs {} widths (one per shell and one before the solvent), got {}",
                                          shell_thickness.size() + 1, interface_width.size()));
        }
        if (core_radius <= 0) throw ConfigError("SphericalSldProfile.core_radius", "must be positive");
        if (sub_shells < 1) throw ConfigError("SphericalSldProfile.sub_shells", "must be at least 1");
        std::vector<SldStep> out;
        double r = core_radius;
        double previous = core_sld;
        out.push_back({r, core_sld});
        constexpr double nu = 1.5;  // steepness of the erf profile across the interface
        const auto graded = [&](double width, double from, double to) {
            if (width <= 0) return;
            for (int k = 0; k < sub_shells; ++k) {
                const double t = (k + 0.5) / sub_shells;  // sub-shell centre, 0..1 across the interface
                const double s = (std::erf(nu * (2.0 * t - 1.0)) + std::erf(nu)) / (2.0 * std::erf(nu));
                r += width / sub_shells;
                out.push_back({r, from + (to - from) * s});
            }
        };
        for (std::size_t i = 0; i < shell_thickness.size(); ++i) {
            if (shell_thickness[i] <= 0) {
                throw ConfigError(fmt::format("SphericalSldProfile.shell_thickness[{}]", i), "must be positive");
            }
            graded(interface_width.empty() ? 0.0 : interface_width[i], previous, shell_sld[i]);
            r += shell_thickness[i];
            out.push_back({r, shell_sld[i]});
            previous = shell_sld[i];
        }
        graded(interface_width.empty() ? 0.0 : interface_width.back(), previous, solvent_sld);
        return out;
    }
};

/// Spherical SLD model: core_multi_shell_intensity of profile.steps().
inline double spherical_sld_intensity(double q, const SphericalSldProfile& profile, double scale) {
    const auto steps = profile.steps();
    return core_multi_shell_intensity(q, steps, profile.solvent_sld, scale);
}

/// Gaussian polymer chain (Debye function): I(q) = scale * 2 (e^-x + x - 1) / x^2,
/// x = (q Rg)^2; scale = I(0) in 1/cm. Guinier: ln I ~ ln scale - (q Rg)^2 / 3.
inline double debye_intensity(double q, double rg, double scale) {
    const double x = (q * rg) * (q * rg);
    if (x < 0.01) return scale * (1.0 - x / 3.0 + x * x / 12.0 - x * x * x / 60.0 + x * x * x * x / 360.0);
    return scale * 2.0 * (std::exp(-x) + x - 1.0) / (x * x);
}

/// Correlation-length model: I(q) = A / q^n + C / (1 + (q L)^m): a Porod
/// law (exponent n) plus a Lorentzian-like term with correlation length L
/// (Angstrom) and exponent m. At high q the log-log slope tends to -min(n, m)
/// (-m when A = 0).
inline double correlation_length_intensity(double q, double porod_scale, double porod_exponent,
                                           double lorentz_scale, double correlation_length,
                                           double lorentz_exponent) {
    return porod_scale / std::pow(q, porod_exponent) +
           lorentz_scale / (1.0 + std::pow(q * correlation_length, lorentz_exponent));
}

// ---- random curves ----------------------------------------------------------

/// One synthetic curve on sans_q_grid(): the model (with background) and the
/// same with counting noise, and the parameters drawn (name, value; lengths
/// in Angstrom, SLD in 1e-6/A^2, intensities in 1/cm).
struct SansCurve {
    SansModel model = SansModel::cylinder;
    std::vector<double> clean;  ///< model + background
    std::vector<double> noisy;  ///< clean + counting noise
    std::vector<std::pair<std::string, double>> parameters;

    /// The value of parameter `name`; throws ConfigError when absent.
    double parameter(const std::string& name) const {
        for (const auto& [key, value] : parameters) {
            if (key == name) return value;
        }
        throw ConfigError("SansCurve.parameters", fmt::format("no parameter '{}'", name));
    }
};

/// A curve of `model` with parameters drawn from `rng`, on the grid `q`.
///
/// Parameter ranges ("log" = uniform in log):
///   all        background B: log 0.001..0.1 1/cm; noise level eps: 0.01..0.05
///   cylinder   radius: log 10..60 A; length: log 150..1000 A;
///              contrast: 1..6; volume fraction: log 0.002..0.05
///   spherical  core radius: 20..80 A; 1..3 shells of 10..40 A; interface
///   _sld       widths 4..20 A (5 sub-shells each); solvent SLD -0.5..6.4;
///              core and shell SLDs = solvent +- 0.5..5, kept in -0.6..8;
///              volume fraction: log 0.002..0.05
///   gaussian   Rg: log 15..250 A; I(0): log 0.2..20 1/cm
///   _chain
///   correlation  correlation length L: log 20..200 A; Lorentz scale C: log
///   _length      0.5..50 1/cm; Lorentz exponent m: 1.5..3; Porod exponent
///                n: 2..4; Porod scale A = C q_c^n with the crossover q_c:
///                log 0.0012..0.006 1/A (the Porod upturn is seen below q_c)
///
/// Counting noise: point i gets a Gaussian of variance I_i * u_i (Poisson-
/// like: variance proportional to intensity), where u_i = B eps^2
/// sqrt(q_max/q_i) is the intensity one count stands for: at high q, where
/// I ~ B, the relative error is eps; at low q fewer detector pixels per q
/// bin make each count stand for more intensity (typically 1% relative
/// error at I = 1 1/cm and q = 0.001).
inline SansCurve sample_sans_curve(SansModel model, Rng& rng, std::span<const double> q) {
    SansCurve c;
    c.model = model;
    c.clean.resize(q.size());
    auto& p = c.parameters;
    const double background = log_uniform(rng, 0.001, 0.1);
    const double eps = rng.uniform(0.01, 0.05);
    switch (model) {
        case SansModel::cylinder: {
            const double radius = log_uniform(rng, 10.0, 60.0);
            const double length = log_uniform(rng, 150.0, 1000.0);
            const double contrast = rng.uniform(1.0, 6.0);
            const double scale = log_uniform(rng, 0.002, 0.05);
            p = {{"radius", radius}, {"length", length}, {"contrast", contrast}, {"scale", scale}};
            for (std::size_t i = 0; i < q.size(); ++i) c.clean[i] = cylinder_intensity(q[i], radius, length, contrast, scale);
            break;
        }
        case SansModel::spherical_sld: {
            SphericalSldProfile profile;
            profile.solvent_sld = rng.uniform(-0.5, 6.4);
            const auto layer_sld = [&] {
                const double offset = rng.uniform(0.5, 5.0);
                double sld = profile.solvent_sld + (rng.chance(0.5) ? offset : -offset);
                if (sld < -0.6 || sld > 8.0) sld = 2.0 * profile.solvent_sld - sld;  // the other side
                return std::clamp(sld, -0.6, 8.0);  // real materials: about -0.6 (H2O) to 8
            };
            profile.core_radius = rng.uniform(20.0, 80.0);
            profile.core_sld = layer_sld();
            const auto shells = static_cast<std::size_t>(1 + rng.index(3));
            for (std::size_t s = 0; s < shells; ++s) {
                profile.shell_thickness.push_back(rng.uniform(10.0, 40.0));
                profile.shell_sld.push_back(layer_sld());
            }
            for (std::size_t s = 0; s <= shells; ++s) profile.interface_width.push_back(rng.uniform(4.0, 20.0));
            const double scale = log_uniform(rng, 0.002, 0.05);
            p = {{"core_radius", profile.core_radius}, {"core_sld", profile.core_sld},
                 {"shells", static_cast<double>(shells)}, {"solvent_sld", profile.solvent_sld}, {"scale", scale}};
            for (std::size_t s = 0; s < shells; ++s) {
                p.emplace_back(fmt::format("shell{}_thickness", s + 1), profile.shell_thickness[s]);
                p.emplace_back(fmt::format("shell{}_sld", s + 1), profile.shell_sld[s]);
            }
            for (std::size_t s = 0; s <= shells; ++s) {
                p.emplace_back(fmt::format("interface{}_width", s + 1), profile.interface_width[s]);
            }
            const auto steps = profile.steps();
            p.emplace_back("total_radius", steps.back().radius);
            for (std::size_t i = 0; i < q.size(); ++i) {
                c.clean[i] = core_multi_shell_intensity(q[i], steps, profile.solvent_sld, scale);
            }
            break;
        }
        case SansModel::gaussian_chain: {
            const double rg = log_uniform(rng, 15.0, 250.0);
            const double scale = log_uniform(rng, 0.2, 20.0);
            p = {{"rg", rg}, {"scale", scale}};
            for (std::size_t i = 0; i < q.size(); ++i) c.clean[i] = debye_intensity(q[i], rg, scale);
            break;
        }
        case SansModel::correlation_length: {
            const double length = log_uniform(rng, 20.0, 200.0);
            const double lorentz_scale = log_uniform(rng, 0.5, 50.0);
            const double m = rng.uniform(1.5, 3.0);
            const double n = rng.uniform(2.0, 4.0);
            const double crossover = log_uniform(rng, 0.0012, 0.006);
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
    p.emplace_back("noise", eps);
    c.noisy.resize(q.size());
    for (std::size_t i = 0; i < q.size(); ++i) {
        c.clean[i] += background;
        const double per_count = background * eps * eps * std::sqrt(sans_q_max / q[i]);
        c.noisy[i] = c.clean[i] + std::sqrt(c.clean[i] * per_count) * standard_normal(rng);
    }
    return c;
}

/// Raw noisy curves: shape [4 * n_per_class, 256] (float32 I(q) in 1/cm on
/// sans_q_grid()), labels i % 4 (classes interleaved, so every prefix is
/// balanced). Curve i is drawn from Rng(derive_seed(seed, i)), so it does
/// not depend on n_per_class.
inline Dataset generate_sans(std::int64_t n_per_class, std::uint64_t seed) {
    if (n_per_class < 1) throw ConfigError("generate_sans.n_per_class", fmt::format("must be positive, got {}", n_per_class));
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
        const auto curve = sample_sans_curve(static_cast<SansModel>(label), rng, q);
        auto out = d.sample(i);
        for (std::size_t k = 0; k < out.size(); ++k) out[k] = static_cast<float>(curve.noisy[k]);
        d.labels[static_cast<std::size_t>(i)] = label;
    }
    return d;
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
