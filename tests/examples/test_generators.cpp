// Tests of the example programs' synthetic science data: the SANS model
// functions against known physics (Guinier radius, sphere and cylinder
// minima, power-law slopes), the MINERvA event geometry (the vertex segment
// matches where deposits start, the three views agree), the EM volumes and
// patches (labels equal the mask, Dice and IoU relations), and for all
// three: shapes, balanced labels, finite values and determinism.
#include "common/dataset.hpp"
#include "em/em_data.hpp"
#include "minerva/minerva_data.hpp"
#include "sans/sans_data.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <set>
#include <vector>

using evonas::ConfigError;
using evonas::Rng;
using evonas::examples::Dataset;
namespace sans = evonas::examples::sans;
namespace minerva = evonas::examples::minerva;
namespace em = evonas::examples::em;

namespace {

/// Least-squares slope of y against x.
double slope(const std::vector<double>& x, const std::vector<double>& y) {
    const auto n = static_cast<double>(x.size());
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sx += x[i];
        sy += y[i];
        sxx += x[i] * x[i];
        sxy += x[i] * y[i];
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/// The argument in [lo, hi] (steps points) where f is smallest.
template <class F>
double argmin(F&& f, double lo, double hi, int steps) {
    double best_x = lo;
    double best = f(lo);
    for (int i = 1; i <= steps; ++i) {
        const double x = lo + (hi - lo) * i / steps;
        const double v = f(x);
        if (v < best) {
            best = v;
            best_x = x;
        }
    }
    return best_x;
}

/// Common checks of a generated data set: shape, label balance (labels
/// i % classes), finite values, consistency.
void check_generated(const Dataset& d, std::int64_t classes, std::int64_t per_class) {
    REQUIRE_NOTHROW(d.check());
    CHECK(d.size() == classes * per_class);
    CHECK(d.classes() == classes);
    for (auto count : d.class_counts()) CHECK(count == per_class);
    for (std::size_t i = 0; i < d.labels.size(); ++i) {
        if (d.labels[i] != static_cast<std::int64_t>(i) % classes) FAIL("label " << i << " is " << d.labels[i]);
    }
    CHECK(std::all_of(d.data.begin(), d.data.end(), [](float v) { return std::isfinite(v); }));
}

}  // namespace

// ---------------------------------------------------------------- common ---

TEST_CASE("Dataset checks, subsets and shuffles", "[examples][dataset]") {
    Dataset d;
    d.shape = {4, 1, 3};
    d.data = {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32};
    d.labels = {0, 1, 0, 1};
    d.class_names = {"a", "b"};
    REQUIRE_NOTHROW(d.check());
    CHECK(d.sample_size() == 3);
    CHECK(d.sample(2)[1] == 21.0f);
    const std::vector<std::int64_t> pick{3, 0};
    const auto s = evonas::examples::subset(d, pick);
    CHECK(s.shape == std::vector<std::int64_t>{2, 1, 3});
    CHECK(s.data == std::vector<float>{30, 31, 32, 0, 1, 2});
    CHECK(s.labels == std::vector<std::int64_t>{1, 0});
    const auto sh = evonas::examples::shuffled(d, 5);
    CHECK(sh.class_counts() == d.class_counts());
    for (std::int64_t i = 0; i < sh.size(); ++i) {
        CHECK(static_cast<std::int64_t>(sh.sample(i)[0]) / 10 % 2 == sh.labels[static_cast<std::size_t>(i)]);
    }
    const auto p = evonas::examples::permutation(100, 9);
    CHECK(std::set<std::int64_t>(p.begin(), p.end()).size() == 100);
    CHECK(p == evonas::examples::permutation(100, 9));

    auto bad = d;
    bad.labels[1] = 2;
    CHECK_THROWS_AS(bad.check(), ConfigError);
    bad = d;
    bad.data.pop_back();
    CHECK_THROWS_AS(bad.check(), ConfigError);
}

TEST_CASE("Box-Muller normals have mean 0 and variance 1", "[examples][dataset]") {
    Rng rng(3);
    double sum = 0, sum2 = 0, sum4 = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
        const double z = evonas::examples::standard_normal(rng);
        sum += z;
        sum2 += z * z;
        sum4 += z * z * z * z;
    }
    CHECK(std::fabs(sum / n) < 0.01);
    CHECK(std::fabs(sum2 / n - 1.0) < 0.01);
    CHECK(std::fabs(sum4 / n - 3.0) < 0.06);  // Gaussian kurtosis
    double mean = 0;
    for (int i = 0; i < n; ++i) mean += static_cast<double>(evonas::examples::poisson(rng, 2.5));
    CHECK(std::fabs(mean / n - 2.5) < 0.02);
}

// ------------------------------------------------------------------ SANS ---

TEST_CASE("SANS q grid is 256 log-spaced points from 0.001 to 0.5", "[examples][sans]") {
    const auto q = sans::sans_q_grid();
    REQUIRE(q.size() == 256);
    CHECK(q.front() == Approx(0.001).epsilon(1e-12));
    CHECK(q.back() == 0.5);
    const double ratio = q[1] / q[0];
    for (std::size_t i = 1; i < q.size(); ++i) CHECK(q[i] / q[i - 1] == Approx(ratio).epsilon(1e-9));
}

TEST_CASE("Bessel J1 and the quadrature are accurate", "[examples][sans]") {
#if defined(__cpp_lib_math_special_functions) || defined(__STDCPP_MATH_SPEC_FUNCS__)
    double worst = 0;
    for (double x = 0; x < 100; x += 0.0137) worst = std::max(worst, std::fabs(sans::bessel_j1(x) - std::cyl_bessel_j(1.0, x)));
    CHECK(worst < 2e-8);
#endif
    CHECK(std::fabs(sans::bessel_j1(3.8317059702075123)) < 1e-8);  // first zero
    CHECK(std::fabs(sans::bessel_j1(7.0155866698156187)) < 1e-8);  // second zero
    CHECK(sans::bessel_j1(1.0) == Approx(0.44005058574493355).epsilon(1e-7));
    CHECK(sans::bessel_j1(-2.0) == Approx(-0.5767248077568734).epsilon(1e-7));
    CHECK(sans::bessel_j1_over_x(0.0) == 0.5);
    // 6-point Gauss-Legendre is exact for polynomials of degree 11.
    CHECK(sans::detail::gauss_legendre([](double x) { return std::pow(x, 11); }, 0.0, 1.0, 1) ==
          Approx(1.0 / 12.0).epsilon(1e-13));
    CHECK(sans::detail::gauss_legendre([](double x) { return std::sin(x); }, 0.0, std::numbers::pi, 3) ==
          Approx(2.0).epsilon(1e-12));
}

TEST_CASE("Debye curve: the Guinier fit gives back Rg", "[examples][sans]") {
    const auto q = sans::sans_q_grid();
    for (double rg : {20.0, 60.0, 150.0, 250.0}) {
        std::vector<double> x, y;
        for (double qq : q) {
            if (qq * rg > 0.6) break;  // Guinier region
            x.push_back(qq * qq);
            y.push_back(std::log(sans::debye_intensity(qq, rg, 7.0)));
        }
        REQUIRE(x.size() >= 30);
        const double fitted = std::sqrt(-3.0 * slope(x, y));
        INFO("Rg " << rg << " fitted " << fitted);
        CHECK(std::fabs(fitted / rg - 1.0) < 0.02);
    }
    CHECK(sans::debye_intensity(1e-6, 50, 7.0) == Approx(7.0).epsilon(1e-9));  // I(0) = scale
    // High q: 2 scale / (q Rg)^2.
    CHECK(sans::debye_intensity(0.5, 100, 3.0) == Approx(2.0 * 3.0 / 2500.0).epsilon(1e-3));
    // Continuity where the series hands over to the closed form.
    const double qs = std::sqrt(0.01) / 100.0;
    CHECK(sans::debye_intensity(qs * (1 - 1e-9), 100, 1.0) == Approx(sans::debye_intensity(qs * (1 + 1e-9), 100, 1.0)).epsilon(1e-9));
}

TEST_CASE("Noisy Gaussian-chain curves keep their Guinier radius", "[examples][sans]") {
    const auto q = sans::sans_q_grid();
    std::vector<double> errors;
    for (std::uint64_t i = 0; i < 40; ++i) {
        Rng rng(evonas::derive_seed(77, i));
        const auto c = sans::sample_sans_curve(sans::SansModel::gaussian_chain, rng, q);
        const double rg = c.parameter("rg");
        const double background = c.parameter("background");
        std::vector<double> x, y;
        for (std::size_t k = 0; k < q.size() && q[k] * rg <= 0.8; ++k) {
            const double signal = c.noisy[k] - background;
            if (signal <= 0) continue;
            x.push_back(q[k] * q[k]);
            y.push_back(std::log(signal));
        }
        if (x.size() < 10) continue;
        errors.push_back(std::fabs(std::sqrt(std::max(0.0, -3.0 * slope(x, y))) / rg - 1.0));
    }
    REQUIRE(errors.size() >= 30);
    std::sort(errors.begin(), errors.end());
    CHECK(errors[errors.size() / 2] < 0.05);  // median
}

TEST_CASE("Sphere: first minimum at qR = 4.493 (tan x = x)", "[examples][sans]") {
    for (double r : {25.0, 50.0, 120.0}) {
        const auto f = [&](double q) { return sans::sphere_intensity(q, r, 3.0, 0.01); };
        CHECK(argmin(f, 3.5 / r, 5.5 / r, 20000) * r == Approx(4.493409457909064).epsilon(2e-4));
        CHECK(argmin(f, 6.5 / r, 8.5 / r, 20000) * r == Approx(7.725251836937707).epsilon(2e-4));
        const double volume = 4.0 / 3.0 * std::numbers::pi * r * r * r;
        CHECK(sans::sphere_intensity(1e-7, r, 3.0, 0.01) == Approx(0.01 * volume * 9.0 * 1e-4).epsilon(1e-9));
    }
    CHECK(sans::sphere_amplitude(0.05 - 1e-12) == Approx(sans::sphere_amplitude(0.05 + 1e-12)).epsilon(1e-11));
}

TEST_CASE("Spherical SLD: uniform profiles reduce to a sphere, graded interfaces damp high q", "[examples][sans]") {
    sans::SphericalSldProfile p;
    p.core_radius = 40;
    p.core_sld = 2.0;
    p.shell_thickness = {15, 25};
    p.shell_sld = {2.0, 2.0};
    p.interface_width = {10, 5, 8};
    p.solvent_sld = 6.0;
    const auto segments = p.segments();
    CHECK(segments.size() == 3 * (1 + 35));  // a flat part and 35 linear pieces per layer
    CHECK(p.outer_radius() == Approx(40 + 15 + 25 + 10 + 5 + 8));
    for (std::size_t k = 1; k < segments.size(); ++k) CHECK(segments[k].inner == segments[k - 1].outer);
    // The last interface runs from 2 to the solvent's 6, monotonically, along erf.
    CHECK(segments[segments.size() - 35].sld_inner == 2.0);
    CHECK(segments.back().sld_outer == Approx(6.0).epsilon(1e-12));
    for (std::size_t k = segments.size() - 35; k < segments.size(); ++k) CHECK(segments[k].sld_outer > segments[k].sld_inner);
    // Same SLD everywhere inside a sharp surface: a homogeneous sphere of the total radius.
    auto sharp = p;
    sharp.interface_width = {10, 5, 0};
    const double total = 40 + 15 + 25 + 10 + 5;
    for (double q : {0.001, 0.01, 0.05, 0.1, 0.3}) {
        CHECK(sans::spherical_sld_intensity(q, sharp, 0.02) == Approx(sans::sphere_intensity(q, total, -4.0, 0.02)).epsilon(1e-9));
    }
    // A graded outer interface damps the high-q oscillations (like
    // exp(-q^2 sigma^2)) against a sharp surface at the interface's middle.
    auto graded = sharp;
    graded.interface_width = {10, 5, 20};
    auto middle = sharp;
    middle.shell_thickness = {15, 25 + 10};
    double graded_sum = 0, sharp_sum = 0;
    for (double q = 0.15; q < 0.5; q += 0.001) {
        graded_sum += sans::spherical_sld_intensity(q, graded, 0.02);
        sharp_sum += sans::spherical_sld_intensity(q, middle, 0.02);
    }
    CHECK(graded_sum < 0.5 * sharp_sum);
    // The same excess scattering length at low q (scale is a volume
    // fraction of particles out to the outer radius, hence the R^3).
    CHECK(sans::spherical_sld_intensity(1e-4, graded, 0.02) * std::pow(graded.outer_radius(), 3) ==
          Approx(sans::spherical_sld_intensity(1e-4, middle, 0.02) * std::pow(middle.outer_radius(), 3)).epsilon(0.03));
    auto bad = p;
    bad.interface_width = {1};
    CHECK_THROWS_AS(bad.segments(), ConfigError);
    bad = p;
    bad.interface_steps = 0;
    CHECK_THROWS_AS(bad.segments(), ConfigError);
}

TEST_CASE("Spherical SLD: a linear SLD ramp's amplitude is its integral", "[examples][sans]") {
    // One ramp from SLD 1 at r = 30 to 5 at r = 50 inside a core of SLD 3,
    // solvent 0, against the same profile cut into 20000 flat steps.
    const std::vector<sans::SldSegment> ramp{{0, 30, 3, 3}, {30, 50, 1, 5}};
    std::vector<sans::SldStep> steps{{30, 3}};
    const int n = 20000;
    for (int k = 0; k < n; ++k) steps.push_back({30 + 20.0 * (k + 1) / n, 1 + 4.0 * (k + 0.5) / n});
    const double volume = 4.0 / 3.0 * std::numbers::pi * 50 * 50 * 50;
    for (double q : {1e-4, 0.003, 0.02, 0.1, 0.3, 0.5}) {
        const double f = sans::graded_sphere_amplitude(q, ramp, 0.0);
        const double stepped = sans::core_multi_shell_intensity(q, steps, 0.0, 1.0);
        INFO("q " << q);
        CHECK(f * f / volume * 1e-4 == Approx(stepped).epsilon(1e-6));
    }
    // The series (below x = 0.5) and the closed form of the ramp term, against
    // 40-digit values (mpmath) on both sides of the hand-over.
    CHECK(sans::detail::sphere_linear_amplitude(0.5 - 1e-9) == Approx(0.24312035062494470597).epsilon(1e-13));
    CHECK(sans::detail::sphere_linear_amplitude(0.5 + 1e-9) == Approx(0.24312035057042340524).epsilon(1e-13));
    CHECK(sans::detail::sphere_linear_amplitude(0.0) == 0.25);
}

TEST_CASE("Cylinder: cross-section minimum at the J1 zero qR = 3.832", "[examples][sans]") {
    // Perpendicular orientation: the cross-section factor [2 J1(qR)/(qR)]^2 is exactly zero there.
    CHECK(sans::cylinder_form_factor(3.8317059702075123 / 20.0, 20.0, 400.0, std::numbers::pi / 2) < 1e-15);
    CHECK(sans::cylinder_form_factor(1e-6, 20.0, 400.0, 0.3) == Approx(1.0).epsilon(1e-6));
    // A long rod (L = 200 R), orientation averaged: I ~ (pi/qL) cross-section, so q I(q)
    // has its minimum where J1 vanishes.
    const double r = 20.0;
    const double length = 4000.0;
    const auto qi = [&](double q) { return q * sans::cylinder_intensity(q, r, length, 2.0, 0.01); };
    CHECK(argmin(qi, 3.0 / r, 4.6 / r, 4000) * r == Approx(3.8317059702075123).epsilon(0.01));
    const double volume = std::numbers::pi * r * r * length;
    const double i0 = 0.01 * volume * 4.0 * 1e-4;
    CHECK(sans::cylinder_intensity(1e-7, r, length, 2.0, 0.01) == Approx(i0).epsilon(1e-6));
    // The rod limit itself, where qL >> 1 and qR ~ 1.
    const double q = 0.05;
    const double cross = 2.0 * sans::bessel_j1_over_x(q * r);
    CHECK(sans::cylinder_intensity(q, r, length, 2.0, 0.01) ==
          Approx(i0 * std::numbers::pi / (q * length) * cross * cross).epsilon(0.02));
    // The adaptive quadrature agrees with one on 8 times as many panels.
    for (double qq : {0.003, 0.02, 0.1, 0.25, 0.5}) {
        for (double len : {150.0, 1000.0}) {
            const double qr = qq * 60.0;
            const double hl = 0.5 * qq * len;
            const double fine = sans::detail::gauss_legendre(
                [&](double u) {
                    const double a = 2.0 * sans::bessel_j1_over_x(qr * std::sqrt(1.0 - u * u));
                    const double b = sans::sinc(hl * u);
                    return a * a * b * b;
                },
                0.0, 1.0, 8 * (1 + static_cast<int>((hl + qr) / std::numbers::pi)));
            const double v = std::numbers::pi * 60.0 * 60.0 * len;
            CHECK(sans::cylinder_intensity(qq, 60.0, len, 1.0, 1.0) == Approx(v * fine * 1e-4).epsilon(1e-3));
        }
    }
}

TEST_CASE("Correlation length: high-q log-log slope is the power-law exponent", "[examples][sans]") {
    const auto log_slope = [](auto f, double q1, double q2) { return std::log(f(q2) / f(q1)) / std::log(q2 / q1); };
    // Lorentzian term alone (A = 0): slope -> -m once qL >> 1.
    for (double m : {1.7, 2.0, 2.5, 3.0}) {
        const auto f = [&](double q) { return sans::correlation_length_intensity(q, 0.0, 3.0, 10.0, 200.0, m); };
        CHECK(log_slope(f, 0.3, 0.5) == Approx(-m).epsilon(0.005));
        const auto g = [&](double q) { return sans::correlation_length_intensity(q, 0.0, 3.0, 10.0, 50.0, m); };
        CHECK(log_slope(g, 0.001, 0.0012) == Approx(0.0).margin(0.02));  // plateau where qL << 1
    }
    // Porod term alone: slope -n everywhere.
    const auto porod = [](double q) { return sans::correlation_length_intensity(q, 1e-9, 3.3, 0.0, 50.0, 2.0); };
    CHECK(log_slope(porod, 0.001, 0.5) == Approx(-3.3).epsilon(1e-9));
    // Both, with n = 4 > m = 2: the Porod law rules the lowest q, the Lorentzian the highest.
    const auto both = [](double q) { return sans::correlation_length_intensity(q, 1e-9, 4.0, 10.0, 100.0, 2.0); };
    CHECK(log_slope(both, 0.001, 0.0011) == Approx(-4.0).epsilon(0.02));
    CHECK(log_slope(both, 0.3, 0.5) == Approx(-2.0).epsilon(0.01));
}

TEST_CASE("generate_sans: shapes, balance, finite values, determinism", "[examples][sans]") {
    const auto d = sans::generate_sans(25, 42);
    CHECK(d.shape == std::vector<std::int64_t>{100, 256});
    check_generated(d, 4, 25);
    CHECK(d.class_names == sans::sans_class_names());
    // Counts are Poisson: no negative intensity; a zero only where a curve
    // is faint at low q (the preprocessing clamps it), so hardly ever.
    CHECK(std::all_of(d.data.begin(), d.data.end(), [](float v) { return v >= 0.0f; }));
    CHECK(std::count(d.data.begin(), d.data.end(), 0.0f) <= 2);
    CHECK(d.data == sans::generate_sans(25, 42).data);
    CHECK(d.data != sans::generate_sans(25, 43).data);
    // Curve i depends only on (seed, i): a smaller set is a prefix.
    const auto small = sans::generate_sans(5, 42);
    CHECK(std::equal(small.data.begin(), small.data.end(), d.data.begin()));
    // Intensities in a physical range (1/cm): at high q near the background
    // (0.05 .. 1), nowhere above 1e4.
    for (std::int64_t i = 0; i < d.size(); ++i) {
        const auto curve = d.sample(i);
        CHECK(curve.back() > 0.03f);
        CHECK(*std::max_element(curve.begin(), curve.end()) < 1e4f);
    }
    CHECK_THROWS_AS(sans::generate_sans(0, 1), ConfigError);
}

TEST_CASE("preprocess_sans: log10 then zero mean, unit variance per curve", "[examples][sans]") {
    const auto raw = sans::generate_sans(10, 7);
    const auto x = sans::preprocess_sans(raw);
    CHECK(x.shape == std::vector<std::int64_t>{40, 1, 256});
    CHECK(x.labels == raw.labels);
    for (std::int64_t i = 0; i < x.size(); ++i) {
        const auto c = x.sample(i);
        double mean = 0, var = 0;
        for (float v : c) mean += v;
        mean /= 256.0;
        for (float v : c) var += (v - mean) * (v - mean);
        var /= 256.0;
        CHECK(std::fabs(mean) < 1e-5);
        CHECK(var == Approx(1.0).epsilon(1e-4));
    }
    // The same from [N, 1, P], and from raw files with zeros, negatives and other lengths.
    auto raw3 = raw;
    raw3.shape = {40, 1, 256};
    CHECK(sans::preprocess_sans(raw3).data == x.data);
    Dataset odd;
    odd.shape = {2, 5};
    odd.data = {1.0f, 0.0f, -3.0f, 100.0f, 10.0f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f};
    const auto y = sans::preprocess_sans(odd);  // no labels: curves to classify
    CHECK(y.shape == std::vector<std::int64_t>{2, 1, 5});
    CHECK(y.data[1] == y.data[0]);  // clamped to the smallest positive value, 1
    CHECK(y.data[2] == y.data[0]);
    CHECK(y.data[3] > y.data[4]);
    for (int k = 5; k < 10; ++k) CHECK(y.data[static_cast<std::size_t>(k)] == 0.0f);  // flat curve
    odd.data[7] = std::nanf("");
    CHECK_THROWS_AS(sans::preprocess_sans(odd), ConfigError);
    odd.data = {0, -1, 0, 0, 0, 1, 2, 3, 4, 5};
    CHECK_THROWS_AS(sans::preprocess_sans(odd), ConfigError);
    odd.shape = {2, 2, 5};
    CHECK_THROWS_AS(sans::preprocess_sans(odd), ConfigError);
}

// --------------------------------------------------------------- MINERvA ---

TEST_CASE("MINERvA geometry: segments tile the detector", "[examples][minerva]") {
    for (std::int64_t p = 1; p < minerva::minerva_planes; ++p) CHECK(minerva::minerva_plane_z(p) > minerva::minerva_plane_z(p - 1));
    // Tracker segments own every plane once, in order.
    std::int64_t next = 0;
    for (std::int64_t s = 0; s < minerva::minerva_segments; s += 2) {
        const auto planes = minerva::minerva_segment_planes(s);
        CHECK(planes[0] == next);
        next = planes[1] + 1;
    }
    CHECK(next == minerva::minerva_planes);
    for (std::int64_t t = 0; t < minerva::minerva_targets; ++t) {
        const auto b = minerva::minerva_target_before_plane[static_cast<std::size_t>(t)];
        CHECK(minerva::minerva_segment_planes(2 * t + 1)[0] == b);
        CHECK(minerva::minerva_segment_planes(2 * t + 2)[0] == b);
        CHECK(minerva::minerva_plane_z(b) - minerva::minerva_plane_z(b - 1) ==
              Approx(minerva::minerva_plane_pitch + minerva::minerva_target_thickness));
        const double mid = 0.5 * (minerva::minerva_plane_z(b) + minerva::minerva_plane_z(b - 1));
        CHECK(minerva::minerva_segment_of_z(mid) == 2 * t + 1);
        CHECK(minerva::minerva_segment_of_z(minerva::minerva_plane_z(b)) == 2 * t + 2);
        CHECK(minerva::minerva_segment_of_z(minerva::minerva_plane_z(b - 1)) == 2 * t);
    }
    CHECK(minerva::minerva_class_names().size() == 11);
}

TEST_CASE("generate_minerva: shapes, balance, finite values, determinism", "[examples][minerva]") {
    const auto d = minerva::generate_minerva(4, 5);
    CHECK(d.shape == std::vector<std::int64_t>{44, 3, 64, 48});
    check_generated(d, 11, 4);
    CHECK(std::all_of(d.data.begin(), d.data.end(), [](float v) { return v >= 0.0f; }));
    for (std::int64_t i = 0; i < d.size(); ++i) {
        const auto s = d.sample(i);
        double total = 0;
        for (float v : s) total += v;
        CHECK(total > 5.0);  // at least one track's worth of MeV
    }
    CHECK(d.data == minerva::generate_minerva(4, 5).data);
    CHECK(d.data != minerva::generate_minerva(4, 6).data);
    const auto small = minerva::generate_minerva(1, 5);
    CHECK(std::equal(small.data.begin(), small.data.end(), d.data.begin()));
    // Dead channels read zero in every event.
    const auto dead = minerva::minerva_dead_channels({});
    const auto dead_count = std::count(dead.begin(), dead.end(), std::uint8_t{1});
    CHECK(dead_count > 10);
    CHECK(dead_count < 120);
    for (std::int64_t i = 0; i < d.size(); ++i) {
        const auto s = d.sample(i);
        for (std::size_t c = 0; c < dead.size(); ++c) {
            if (dead[c] && s[c] != 0.0f) FAIL("dead channel " << c << " of event " << i << " reads " << s[c]);
        }
    }
}

TEST_CASE("MINERvA: deposits start where the labelled vertex is, views agree (exact readout)", "[examples][minerva]") {
    minerva::MinervaOptions exact;
    exact.energy_noise = false;
    exact.noise_hits = false;
    exact.dead_channels = false;
    const auto dead = minerva::minerva_dead_channels(exact);
    Rng rng(31);
    for (std::int64_t segment = 0; segment < minerva::minerva_segments; ++segment) {
        for (int k = 0; k < 30; ++k) {
            const auto ev = minerva::simulate_minerva_event(segment, rng, exact, dead);
            INFO("segment " << segment << " event " << k);
            CHECK(minerva::minerva_segment_of_z(ev.vertex_z) == segment);
            std::int64_t first = -1;
            for (std::int64_t p = 0; p < minerva::minerva_planes && first < 0; ++p) {
                for (std::int64_t v = 0; v < minerva::minerva_views && first < 0; ++v) {
                    for (std::int64_t s = 0; s < minerva::minerva_strips; ++s) {
                        if (ev.image[minerva::MinervaEvent::at(v, p, s)] > 0.0f) {
                            first = p;
                            break;
                        }
                    }
                }
            }
            const auto planes = minerva::minerva_segment_planes(segment);
            CHECK(first == ev.vertex_plane);
            CHECK(first >= planes[0]);
            CHECK(first <= planes[1]);
            if (minerva::minerva_segment_is_target(segment)) {
                CHECK(first == minerva::minerva_target_before_plane[static_cast<std::size_t>(segment / 2)]);
            }
            // Each plane's energy is the same in X, U and V: one deposit seen three ways.
            for (std::int64_t p = 0; p < minerva::minerva_planes; ++p) {
                std::array<double, 3> sum{};
                for (std::int64_t v = 0; v < 3; ++v) {
                    for (std::int64_t s = 0; s < minerva::minerva_strips; ++s) sum[static_cast<std::size_t>(v)] += ev.image[minerva::MinervaEvent::at(v, p, s)];
                }
                CHECK(sum[1] == Approx(sum[0]).margin(1e-4).epsilon(1e-5));
                CHECK(sum[2] == Approx(sum[0]).margin(1e-4).epsilon(1e-5));
            }
        }
    }
}

TEST_CASE("MINERvA: vertex segment matches the deposits with realistic readout", "[examples][minerva]") {
    const minerva::MinervaOptions options;  // noise hits, smearing, threshold, dead channels
    const auto dead = minerva::minerva_dead_channels(options);
    Rng rng(32);
    int agree = 0;
    int views_close = 0;
    int events = 0;
    for (std::int64_t segment = 0; segment < minerva::minerva_segments; ++segment) {
        for (int k = 0; k < 40; ++k, ++events) {
            const auto ev = minerva::simulate_minerva_event(segment, rng, options, dead);
            // First plane seen in all three views (> 0.8 MeV each): a noise
            // hit is in one view only, a track crossing in all three.
            std::int64_t first = -1;
            std::array<double, 3> view_total{};
            for (std::int64_t p = 0; p < minerva::minerva_planes; ++p) {
                std::array<double, 3> plane{};
                for (std::int64_t v = 0; v < 3; ++v) {
                    for (std::int64_t s = 0; s < minerva::minerva_strips; ++s) {
                        plane[static_cast<std::size_t>(v)] += ev.image[minerva::MinervaEvent::at(v, p, s)];
                    }
                    view_total[static_cast<std::size_t>(v)] += plane[static_cast<std::size_t>(v)];
                }
                if (first < 0 && std::min({plane[0], plane[1], plane[2]}) > 0.8) first = p;
            }
            agree += first == ev.vertex_plane;
            const auto [lo, hi] = std::minmax_element(view_total.begin(), view_total.end());
            views_close += *hi < 1.25 * *lo;
        }
    }
    INFO(agree << " of " << events << " agree, views close in " << views_close);
    CHECK(agree >= events * 95 / 100);
    CHECK(views_close >= events * 95 / 100);
}

// -------------------------------------------------------------------- EM ---

TEST_CASE("generate_em_volume: mask fraction, standardised intensity, determinism", "[examples][em]") {
    for (std::uint64_t seed : {1, 2, 3}) {
        const auto v = em::generate_em_volume(48, seed);
        REQUIRE_NOTHROW(v.check());
        CHECK(v.dims == em::Index3{48, 48, 48});
        CHECK(v.mask_fraction() > 0.05);
        CHECK(v.mask_fraction() < 0.30);
        double mean = 0, var = 0, inside = 0, outside = 0;
        std::int64_t n_in = 0;
        for (std::size_t i = 0; i < v.intensity.size(); ++i) {
            REQUIRE(std::isfinite(v.intensity[i]));
            mean += v.intensity[i];
            if (v.mask[i]) {
                inside += v.intensity[i];
                ++n_in;
            } else {
                outside += v.intensity[i];
            }
        }
        const auto n = static_cast<double>(v.intensity.size());
        mean /= n;
        for (float x : v.intensity) var += (x - mean) * (x - mean);
        CHECK(std::fabs(mean) < 1e-4);
        CHECK(var / n == Approx(1.0).epsilon(1e-3));
        // Mitochondria (bright membranes and cristae) are brighter on average.
        CHECK(inside / static_cast<double>(n_in) > outside / (n - static_cast<double>(n_in)) + 0.3);
    }
    const auto a = em::generate_em_volume(32, 9);
    const auto b = em::generate_em_volume(32, 9);
    CHECK(a.intensity == b.intensity);
    CHECK(a.mask == b.mask);
    CHECK(a.intensity != em::generate_em_volume(32, 10).intensity);
    CHECK_THROWS_AS(em::generate_em_volume(8, 1), ConfigError);
}

TEST_CASE("extract_patches: labels are the mask at the centre voxel", "[examples][em]") {
    const auto v = em::generate_em_volume(40, 4);
    for (bool balance : {true, false}) {
        const auto p = em::extract_patches(v, 9, 600, 11, balance);
        CHECK(p.data.shape == std::vector<std::int64_t>{600, 1, 9, 9, 9});
        REQUIRE_NOTHROW(p.data.check());
        for (std::int64_t i = 0; i < p.data.size(); ++i) {
            const auto& c = p.centres[static_cast<std::size_t>(i)];
            CHECK(p.data.labels[static_cast<std::size_t>(i)] == v.mask[v.index(c[0], c[1], c[2])]);
            CHECK(p.data.sample(i)[9 * 9 * 9 / 2] == v.intensity[v.index(c[0], c[1], c[2])]);  // centre value
            if (balance) CHECK(p.data.labels[static_cast<std::size_t>(i)] == i % 2);
        }
        if (!balance) {
            const double fraction = static_cast<double>(p.data.class_counts()[1]) / 600.0;
            CHECK(fraction == Approx(v.mask_fraction()).margin(0.06));
        }
        CHECK(p.data.data == em::extract_patches(v, 9, 600, 11, balance).data.data);
    }
    // Patch layout: (dz, dy, dx) row-major around the centre, borders replicated.
    const auto grid = em::make_patch_grid(v.dims, 1);
    const auto corner = em::grid_patches(v, grid, 5, 0, 1);
    REQUIRE(corner.centres[0] == em::Index3{0, 0, 0});
    const auto s = corner.data.sample(0);
    CHECK(s[0] == v.intensity[v.index(0, 0, 0)]);                    // clamped
    CHECK(s[(4 * 5 + 3) * 5 + 4] == v.intensity[v.index(2, 1, 2)]);  // (dz, dy, dx) = (2, 1, 2)
    CHECK(s[(2 * 5 + 2) * 5 + 3] == v.intensity[v.index(0, 0, 1)]);
    CHECK_THROWS_AS(em::extract_patches(v, 8, 10, 1), ConfigError);
    auto empty = v;
    std::fill(empty.mask.begin(), empty.mask.end(), std::uint8_t{0});
    CHECK_THROWS_AS(em::extract_patches(empty, 9, 10, 1, true), ConfigError);
}

TEST_CASE("Dice and IoU", "[examples][em]") {
    const auto v = em::generate_em_volume(32, 5);
    const std::vector<std::uint8_t> none(v.mask.size(), 0);
    CHECK(em::dice(v.mask, v.mask) == 1.0);
    CHECK(em::iou(v.mask, v.mask) == 1.0);
    CHECK(em::dice(v.mask, none) == 0.0);
    CHECK(em::iou(none, v.mask) == 0.0);
    CHECK(em::dice(none, none) == 1.0);
    Rng rng(8);
    for (int k = 0; k < 5; ++k) {
        std::vector<std::uint8_t> pred(v.mask.size());
        for (auto& m : pred) m = rng.chance(0.2) ? 1 : 0;
        const double d = em::dice(pred, v.mask);
        const double j = em::iou(pred, v.mask);
        CHECK(d == Approx(2.0 * j / (1.0 + j)).epsilon(1e-12));
        CHECK(d >= j);
        CHECK(d == em::dice(v.mask, pred));  // symmetric
    }
    // Hand-checked: A = {0,1,2}, B = {1,2,3}: 2 shared.
    const std::vector<std::uint8_t> a{1, 1, 1, 0}, b{0, 1, 1, 1};
    CHECK(em::dice(a, b) == Approx(2.0 * 2 / 6));
    CHECK(em::iou(a, b) == Approx(2.0 / 4));
    CHECK_THROWS_AS(em::dice(a, std::vector<std::uint8_t>{1}), ConfigError);
}

TEST_CASE("Grid patches segment a held-out volume", "[examples][em]") {
    const auto v = em::generate_em_volume(24, 6);
    for (std::int64_t stride : {1, 2, 3, 5}) {
        const auto grid = em::make_patch_grid(v.dims, stride);
        CHECK(grid.size() == grid.counts[0] * grid.counts[1] * grid.counts[2]);
        CHECK(grid.counts[0] == (24 + stride - 1) / stride);
        // Classify in chunks with a perfect "network": the mask at each centre.
        std::vector<std::int64_t> labels;
        for (std::int64_t first = 0; first < grid.size(); first += 1000) {
            const auto chunk = em::grid_patches(v, grid, 7, first, 1000);
            CHECK(chunk.data.size() == std::min<std::int64_t>(1000, grid.size() - first));
            labels.insert(labels.end(), chunk.data.labels.begin(), chunk.data.labels.end());
        }
        REQUIRE(static_cast<std::int64_t>(labels.size()) == grid.size());
        const auto mask = em::mask_from_grid(grid, labels);
        INFO("stride " << stride);
        if (stride == 1) {
            CHECK(mask == v.mask);
        } else {
            CHECK(em::dice(mask, v.mask) > (stride <= 3 ? 0.6 : 0.3));
        }
    }
    const auto grid = em::make_patch_grid(v.dims, 4);
    CHECK(em::grid_patches(v, grid, 7, grid.size(), 10).data.size() == 0);
    CHECK_THROWS_AS(em::mask_from_grid(grid, std::vector<std::int64_t>(3, 0)), ConfigError);
    CHECK_THROWS_AS(em::make_patch_grid(v.dims, 0), ConfigError);
}
