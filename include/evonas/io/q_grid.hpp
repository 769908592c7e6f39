// evonas: one q grid for curves of different lengths and q ranges.
//
// A network takes a fixed number of inputs, while measured curves each have
// their own q points. Scattering curves are close to power laws over wide q
// ranges, so they are resampled by straight lines in (log q, log I): exact
// for a power law, and never below zero. Grid points outside a curve's q
// range get the nearest end value (counted, so the caller can report them:
// there the input is made up), and intensities <= 0 (background subtracted
// too far) are raised to the curve's smallest positive intensity before the
// log (counted too).
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/io/curve_text.hpp>

namespace evonas {

/// The most points log_q_grid() makes: a guard against a mistyped count
/// allocating gigabytes.
inline constexpr std::size_t max_q_grid_points = std::size_t{1} << 24;

/// Throws ConfigError(field, ...) unless `grid` has at least 2 points, all
/// finite, > 0 and strictly increasing.
inline void check_q_grid(std::span<const double> grid, const std::string& field = "q grid") {
    if (grid.size() < 2) throw ConfigError(field, fmt::format("needs at least 2 points, got {}", grid.size()));
    for (std::size_t i = 0; i < grid.size(); ++i) {
        if (!std::isfinite(grid[i]) || !(grid[i] > 0.0)) {
            throw ConfigError(field, fmt::format("point {} is {}; every q must be finite and > 0", i, grid[i]));
        }
        if (i > 0 && !(grid[i] > grid[i - 1])) {
            throw ConfigError(field, fmt::format("point {} ({}) is not greater than point {} ({}); q must increase "
                                                 "strictly", i, grid[i], i - 1, grid[i - 1]));
        }
    }
}

/// `points` q values spaced evenly in log q from q_min to q_max, both ends
/// exact (the formula of the SANS example's sans_q_grid(), so
/// log_q_grid(0.001, 0.5, 256) is that grid). Throws ConfigError unless
/// 0 < q_min < q_max are finite and 2 <= points <= max_q_grid_points, or
/// when the range is too narrow for that many distinct doubles.
inline std::vector<double> log_q_grid(double q_min, double q_max, std::size_t points) {
    if (!std::isfinite(q_min) || !(q_min > 0.0)) {
        throw ConfigError("log_q_grid.q_min", fmt::format("must be finite and > 0, got {}", q_min));
    }
    if (!std::isfinite(q_max) || !(q_max > q_min)) {
        throw ConfigError("log_q_grid.q_max", fmt::format("must be finite and > q_min ({}), got {}", q_min, q_max));
    }
    if (points < 2 || points > max_q_grid_points) {
        throw ConfigError("log_q_grid.points",
                          fmt::format("must be in [2, {}], got {}", max_q_grid_points, points));
    }
    std::vector<double> q(points);
    const double ratio = std::log(q_max / q_min);
    for (std::size_t i = 0; i < points; ++i) {
        q[i] = q_min * std::exp(ratio * static_cast<double>(i) / static_cast<double>(points - 1));
    }
    q.front() = q_min;
    q.back() = q_max;
    check_q_grid(q, "log_q_grid");  // a range only a few doubles wide
    return q;
}

/// A curve on a q grid (resample_log_log()).
struct Resampled {
    std::vector<double> intensity;  ///< one per grid point
    std::size_t below = 0;          ///< grid points below the curve's first q: given its first intensity
    std::size_t above = 0;          ///< grid points above the curve's last q: given its last intensity
    std::size_t clamped = 0;        ///< curve points with I <= 0, raised to the smallest positive I
    double smallest_positive = 0.0; ///< the curve's smallest positive intensity (the clamp value)
};

/// Throws ConfigError naming the curve's source unless it has at least 2
/// points, as many intensities as q values, finite values, q > 0 and
/// strictly increasing (what parse_curve_text() guarantees; a Curve built
/// by hand may not).
inline void check_curve(const Curve& curve) {
    const std::string name = curve.source.empty() ? std::string("curve") : curve.source;
    if (curve.q.size() < 2) throw ConfigError(name, fmt::format("has {} points; a curve needs at least 2", curve.q.size()));
    if (curve.intensity.size() != curve.q.size()) {
        throw ConfigError(name, fmt::format("has {} q values but {} intensities", curve.q.size(), curve.intensity.size()));
    }
    for (std::size_t i = 0; i < curve.q.size(); ++i) {
        if (!std::isfinite(curve.q[i]) || !(curve.q[i] > 0.0) || (i > 0 && !(curve.q[i] > curve.q[i - 1]))) {
            throw ConfigError(name, fmt::format("q[{}] = {}: q must be finite, > 0 and strictly increasing", i, curve.q[i]));
        }
        if (!std::isfinite(curve.intensity[i])) {
            throw ConfigError(name, fmt::format("intensity[{}] = {} is not finite", i, curve.intensity[i]));
        }
    }
}

/// `curve`'s intensities at the q values of `grid`, interpolated linearly
/// in (log q, log I); a grid point equal to one of the curve's q gets that
/// point's intensity exactly. Points outside the curve's q range get the
/// nearest end intensity and are counted (below, above); intensities <= 0
/// are raised to the curve's smallest positive one first (clamped). Throws
/// ConfigError when the grid is invalid (check_q_grid), the curve is
/// (check_curve), or no intensity of the curve is positive (the error
/// names the curve's source).
inline Resampled resample_log_log(const Curve& curve, std::span<const double> grid) {
    check_q_grid(grid);
    check_curve(curve);
    const std::size_t n = curve.q.size();
    Resampled out;
    for (double v : curve.intensity) {
        if (v > 0.0 && (out.smallest_positive == 0.0 || v < out.smallest_positive)) out.smallest_positive = v;
    }
    if (out.smallest_positive == 0.0) {
        throw ConfigError(curve.source.empty() ? std::string("curve") : curve.source,
                          "no intensity is positive, so the curve has no log: is it background only?");
    }
    std::vector<double> level(n), log_q(n), log_i(n);
    for (std::size_t k = 0; k < n; ++k) {
        level[k] = curve.intensity[k];
        if (!(level[k] > 0.0)) {
            level[k] = out.smallest_positive;
            ++out.clamped;
        }
        log_q[k] = std::log(curve.q[k]);
        log_i[k] = std::log(level[k]);
    }
    out.intensity.resize(grid.size());
    std::size_t j = 0;  // segment [q[j], q[j+1]]; the grid increases, so j only moves forward
    for (std::size_t g = 0; g < grid.size(); ++g) {
        const double x = grid[g];
        if (x < curve.q.front()) {
            out.intensity[g] = level.front();
            ++out.below;
            continue;
        }
        if (x > curve.q.back()) {
            out.intensity[g] = level.back();
            ++out.above;
            continue;
        }
        while (j + 2 < n && curve.q[j + 1] < x) ++j;
        if (x == curve.q[j]) {
            out.intensity[g] = level[j];
        } else if (x == curve.q[j + 1]) {
            out.intensity[g] = level[j + 1];
        } else {
            const double span = log_q[j + 1] - log_q[j];
            // Adjacent q one ulp apart can share a log: take the midpoint.
            const double t = span > 0.0 ? (std::log(x) - log_q[j]) / span : 0.5;
            out.intensity[g] = std::exp(log_i[j] + t * (log_i[j + 1] - log_i[j]));
        }
    }
    return out;
}

}  // namespace evonas
