// evonas examples: the small-angle scattering models of the SANS example,
// as pure functions of q (no background, no noise, no randomness).
//
// Units follow SasView: q in 1/Angstrom, lengths in Angstrom, scattering
// length densities (SLD) in 1e-6/Angstrom^2, intensity in 1/cm. Each model
// is sasmodels' model of the same kind (SasView's model library: cylinder,
// spherical_sld, mono_gauss_coil, correlation_length), and ctest
// sans_physics_vs_sasmodels compares them with it on the example's q grid
// (examples/sans/README.md says how the parameters map).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <span>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>

namespace evonas::examples::sans {

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

/// One piece of a radial SLD profile in which the SLD changes linearly with
/// the radius, from `sld_inner` at `inner` to `sld_outer` at `outer` (equal
/// SLDs for a flat layer). Radii in Angstrom, SLD in 1e-6/A^2.
struct SldSegment {
    double inner = 0;
    double outer = 0;
    double sld_inner = 0;
    double sld_outer = 0;
};

namespace detail {

/// (2x sin x - (x^2 - 2) cos x - 2) / x^4: with 3 V(r) r it is the integral
/// of 4 pi r'^3 sin(q r')/(q r') from 0 to r (x = q r), the part of a
/// linearly graded layer's amplitude that grows with the radius. The power
/// series below x = 0.5 avoids cancelling digits near 0 (1/4 at x = 0).
inline double sphere_linear_amplitude(double x) {
    const double y = x * x;
    if (y < 0.25) {
        return 0.25 + y * (-1.0 / 36.0 + y * (1.0 / 960.0 + y * (-1.0 / 50400.0 + y * (1.0 / 4354560.0 - y / 558835200.0))));
    }
    return (2.0 * x * std::sin(x) - (y - 2.0) * std::cos(x) - 2.0) / (y * y);
}

}  // namespace detail

/// Amplitude of a sphere whose SLD follows `segments` (radii increasing;
/// outside them the solvent) in a solvent of SLD `solvent_sld`:
/// F(q) = integral of 4 pi (rho(r) - rho_solvent) r^2 sin(qr)/(qr) dr, exact
/// for piecewise linear rho. In 1e-6/A^2 * A^3.
inline double graded_sphere_amplitude(double q, std::span<const SldSegment> segments, double solvent_sld) {
    // Per radius r: V(r) 3 j1(qr)/(qr) integrates a constant SLD from 0 to
    // r, 3 V(r) r sphere_linear_amplitude(qr) an SLD growing like r.
    struct Terms {
        double flat, graded;
    };
    const auto terms = [&](double r) -> Terms {
        const double volume = 4.0 / 3.0 * std::numbers::pi * r * r * r;
        return {volume * sphere_amplitude(q * r), 3.0 * volume * r * detail::sphere_linear_amplitude(q * r)};
    };
    double amplitude = 0.0;
    double r_last = -1.0;
    Terms in{}, out{};
    for (const auto& s : segments) {
        in = s.inner == r_last ? out : terms(s.inner);  // contiguous segments share a radius
        out = terms(s.outer);
        r_last = s.outer;
        // rho(r) - rho_solvent = c + slope r inside the segment.
        const double slope = s.outer > s.inner ? (s.sld_outer - s.sld_inner) / (s.outer - s.inner) : 0.0;
        const double c = s.sld_inner - solvent_sld - slope * s.inner;
        amplitude += c * (out.flat - in.flat) + slope * (out.graded - in.graded);
    }
    return amplitude;
}

/// A sphere with shells and graded interfaces, sasmodels' "spherical_sld"
/// with error-function interfaces: a flat core, then after the core and
/// after each shell an interface in which the SLD goes from that layer's
/// SLD to the next layer's (the last one: to the solvent's) along
/// erf(nu (2z - 1) / sqrt 2), z = 0..1 across the interface, normalised to
/// run exactly from one SLD to the other. Each interface is `interface_steps`
/// linear pieces through that curve, as in sasmodels (its n_steps).
struct SphericalSldProfile {
    double core_radius = 50;                ///< Angstrom
    double core_sld = 1;                    ///< 1e-6/A^2
    std::vector<double> shell_thickness;    ///< flat part of each shell, Angstrom
    std::vector<double> shell_sld;          ///< same size as shell_thickness
    std::vector<double> interface_width;    ///< shells + 1 widths (after the core, after each shell); 0 = sharp
    double solvent_sld = 6.36;              ///< D2O
    double nu = 2.5;                        ///< steepness of the erf interfaces (sasmodels' default)
    int interface_steps = 35;               ///< linear pieces per interface (sasmodels' default n_steps)

    /// The radial profile as contiguous segments from radius 0 to the outer
    /// radius. Throws ConfigError on mismatched sizes, non-positive lengths
    /// or fewer than 1 step per interface.
    std::vector<SldSegment> segments() const {
        if (shell_sld.size() != shell_thickness.size()) {
            throw ConfigError("SphericalSldProfile.shell_sld", "needs one SLD per shell thickness");
        }
        if (!interface_width.empty() && interface_width.size() != shell_thickness.size() + 1) {
            throw ConfigError("SphericalSldProfile.interface_width",
                              fmt::format("needs {} widths (one after the core and after each shell), got {}",
                                          shell_thickness.size() + 1, interface_width.size()));
        }
        if (core_radius <= 0) throw ConfigError("SphericalSldProfile.core_radius", "must be positive");
        if (interface_steps < 1) throw ConfigError("SphericalSldProfile.interface_steps", "must be at least 1");
        if (nu <= 0) throw ConfigError("SphericalSldProfile.nu", "must be positive");
        std::vector<SldSegment> out;
        double r = 0.0;
        // erf profile normalised to run from 0 at z = 0 to 1 at z = 1.
        const double norm = std::erf(nu / std::numbers::sqrt2);
        const auto blend = [&](double z) { return 0.5 + std::erf(nu / std::numbers::sqrt2 * (2.0 * z - 1.0)) / (2.0 * norm); };
        const auto layer = [&](double thickness, double sld, double width, double next_sld) {
            out.push_back({r, r + thickness, sld, sld});
            r += thickness;
            if (width <= 0) return;
            double sld_in = sld;
            for (int k = 1; k <= interface_steps; ++k) {
                const double sld_out = sld + (next_sld - sld) * blend(static_cast<double>(k) / interface_steps);
                out.push_back({r, r + width / interface_steps, sld_in, sld_out});
                r += width / interface_steps;
                sld_in = sld_out;
            }
        };
        const auto width = [&](std::size_t i) { return interface_width.empty() ? 0.0 : interface_width[i]; };
        const auto sld_after = [&](std::size_t i) { return i < shell_sld.size() ? shell_sld[i] : solvent_sld; };
        layer(core_radius, core_sld, width(0), sld_after(0));
        for (std::size_t i = 0; i < shell_thickness.size(); ++i) {
            if (shell_thickness[i] <= 0) {
                throw ConfigError(fmt::format("SphericalSldProfile.shell_thickness[{}]", i), "must be positive");
            }
            layer(shell_thickness[i], shell_sld[i], width(i + 1), sld_after(i + 1));
        }
        return out;
    }

    /// The outer radius: core, shells and interfaces, Angstrom.
    double outer_radius() const { return segments().back().outer; }
};

/// Spherical SLD model (sasmodels' spherical_sld): I(q) = scale / V F^2 * 1e-4,
/// F = graded_sphere_amplitude of profile.segments(), V the volume out to the
/// outer radius (scale is the volume fraction of those spheres).
inline double spherical_sld_intensity(double q, const SphericalSldProfile& profile, double scale) {
    const auto segments = profile.segments();
    const double r = segments.back().outer;
    const double volume = 4.0 / 3.0 * std::numbers::pi * r * r * r;
    const double f = graded_sphere_amplitude(q, segments, profile.solvent_sld);
    return scale / volume * f * f * detail::intensity_unit;
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

}  // namespace evonas::examples::sans
