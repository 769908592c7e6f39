// evonas: Pareto dominance, non-dominated sorting, crowding distance and
// the hypervolume, on points oriented "higher is better" (see
// engine/objectives.hpp), with Deb's constraint rule: a feasible point
// (violation 0) beats an infeasible one; of two infeasible points the
// smaller violation wins; two feasible points compare by dominance.
//
// Sizes are a steady-state population (tens to hundreds) and an archive:
// the O(M N^2) sort and the slicing hypervolume (exact, fine for 2-4
// objectives and fronts of hundreds) are simple and fast enough there.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

namespace evonas {

/// True when `a` dominates `b` (both higher-is-better): at least as good in
/// every objective and better in one. NaN coordinates never dominate.
inline bool dominates(std::span<const double> a, std::span<const double> b) noexcept {
    bool better = false;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        if (!(a[i] >= b[i])) return false;
        if (a[i] > b[i]) better = true;
    }
    return better;
}

/// Deb's constrained dominance: `a` (violation va) beats `b` (violation vb).
inline bool constrained_dominates(std::span<const double> a, double va, std::span<const double> b,
                                  double vb) noexcept {
    if (va <= 0.0 && vb > 0.0) return true;
    if (va > 0.0 || vb > 0.0) return va < vb;
    return dominates(a, b);
}

/// The front of each point under constrained dominance: 0 for the
/// non-dominated ones, 1 for those dominated only by front 0, and so on.
/// `violations` may be empty (every point feasible).
inline std::vector<std::size_t> pareto_ranks(const std::vector<std::vector<double>>& points,
                                             std::span<const double> violations = {}) {
    const std::size_t n = points.size();
    const auto viol = [&](std::size_t i) { return violations.empty() ? 0.0 : violations[i]; };
    std::vector<std::size_t> dominated_by(n, 0);          // how many points beat i
    std::vector<std::vector<std::size_t>> beats(n);       // the points i beats
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 1; j < n; ++j) {
            if (constrained_dominates(points[i], viol(i), points[j], viol(j))) {
                beats[i].push_back(j);
                ++dominated_by[j];
            } else if (constrained_dominates(points[j], viol(j), points[i], viol(i))) {
                beats[j].push_back(i);
                ++dominated_by[i];
            }
        }
    }
    std::vector<std::size_t> rank(n, 0), current;
    for (std::size_t i = 0; i < n; ++i) {
        if (dominated_by[i] == 0) current.push_back(i);
    }
    for (std::size_t r = 0; !current.empty(); ++r) {
        std::vector<std::size_t> next;
        for (auto i : current) {
            rank[i] = r;
            for (auto j : beats[i]) {
                if (--dominated_by[j] == 0) next.push_back(j);
            }
        }
        current = std::move(next);
    }
    return rank;
}

/// NSGA-II's crowding distance of each point among `members` (indices into
/// `points`, one front): per objective, the gap between its neighbours
/// divided by the objective's range, summed; the extremes get infinity.
/// Returned in the order of `members`.
inline std::vector<double> crowding_distances(const std::vector<std::vector<double>>& points,
                                              std::span<const std::size_t> members) {
    const std::size_t n = members.size();
    std::vector<double> d(n, 0.0);
    if (n == 0) return d;
    const std::size_t m = points[members[0]].size();
    std::vector<std::size_t> order(n);
    for (std::size_t k = 0; k < m; ++k) {
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
            return points[members[x]][k] < points[members[y]][k];
        });
        const double lo = points[members[order.front()]][k], hi = points[members[order.back()]][k];
        d[order.front()] = d[order.back()] = std::numeric_limits<double>::infinity();
        if (!(hi > lo)) continue;
        for (std::size_t i = 1; i + 1 < n; ++i) {
            d[order[i]] += (points[members[order[i + 1]]][k] - points[members[order[i - 1]]][k]) / (hi - lo);
        }
    }
    return d;
}

namespace detail {

// The hypervolume of `pts` (all strictly better than `ref` in every
// coordinate) over the first `dims` coordinates, by slicing on the last one.
inline double hypervolume_slices(std::vector<std::vector<double>> pts, std::span<const double> ref, std::size_t dims) {
    if (pts.empty()) return 0.0;
    const std::size_t last = dims - 1;
    if (dims == 1) {
        double best = ref[0];
        for (const auto& p : pts) best = std::max(best, p[0]);
        return best - ref[0];
    }
    if (dims == 2) {  // sweep: sort by the first coordinate, best first
        std::sort(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return a[0] > b[0] || (a[0] == b[0] && a[1] > b[1]); });
        double volume = 0.0, height = ref[1];
        for (const auto& p : pts) {
            if (p[1] > height) {
                volume += (p[0] - ref[0]) * (p[1] - height);
                height = p[1];
            }
        }
        return volume;
    }
    // Slices between consecutive values of the last coordinate, best first:
    // the slab below a value is covered by every point at least that good.
    std::sort(pts.begin(), pts.end(), [last](const auto& a, const auto& b) { return a[last] > b[last]; });
    double volume = 0.0;
    std::vector<std::vector<double>> above;
    for (std::size_t i = 0; i < pts.size(); ++i) {
        above.push_back(pts[i]);
        const double top = pts[i][last];
        const double bottom = i + 1 < pts.size() ? pts[i + 1][last] : ref[last];
        if (top > bottom) volume += hypervolume_slices(above, ref, dims - 1) * (top - bottom);
    }
    return volume;
}

}  // namespace detail

/// The hypervolume dominated by `points` (higher is better) and bounded by
/// the reference point `ref`: the measure of everything at least as good as
/// `ref` and dominated by some point. Points not strictly better than `ref`
/// in every coordinate, or with NaN, add nothing. Exact.
inline double hypervolume(const std::vector<std::vector<double>>& points, std::span<const double> ref) {
    std::vector<std::vector<double>> pts;
    for (const auto& p : points) {
        bool inside = p.size() == ref.size();
        for (std::size_t i = 0; inside && i < p.size(); ++i) inside = p[i] > ref[i];  // false for NaN
        if (inside) pts.push_back(p);
    }
    if (pts.empty() || ref.empty()) return 0.0;
    // Only the non-dominated points matter.
    const auto ranks = pareto_ranks(pts);
    std::vector<std::vector<double>> front;
    for (std::size_t i = 0; i < pts.size(); ++i) {
        if (ranks[i] == 0) front.push_back(pts[i]);
    }
    return detail::hypervolume_slices(std::move(front), ref, ref.size());
}

/// Each point's exclusive hypervolume contribution among `points` (the
/// volume lost without it), as SMS-EMOA removes the smallest.
inline std::vector<double> hypervolume_contributions(const std::vector<std::vector<double>>& points,
                                                     std::span<const double> ref) {
    const double all = hypervolume(points, ref);
    std::vector<double> out(points.size(), 0.0);
    for (std::size_t i = 0; i < points.size(); ++i) {
        auto rest = points;
        rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
        out[i] = all - hypervolume(rest, ref);
    }
    return out;
}

}  // namespace evonas
