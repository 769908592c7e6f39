// evonas: selection and replacement for runs with several objectives
// (EvolutionOptions::objectives), for a steady-state population:
//
//   ParetoTournament      NSGA-II's binary tournament on (front, crowding)
//   ReplaceWorstFront     the newcomer joins, then one member of the worst
//                         front leaves: the most crowded (NSGA-II) or the
//                         one adding least hypervolume (SMS-EMOA)
//   ChebyshevTournament,  the cheaper alternative: a tournament / replace-
//   ReplaceChebyshev      worst on a Chebyshev scalarisation with a weight
//                         vector drawn at random for each call
//
// Members are anything with a `fitness` (Fitness) and an `id` (smaller =
// older), such as Individual<G>. Infeasible members (beyond an objective's
// limit) rank after every feasible one, by their total violation.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <evonas/engine/fitness.hpp>
#include <evonas/engine/objectives.hpp>
#include <evonas/engine/pareto.hpp>
#include <evonas/error.hpp>
#include <evonas/random.hpp>

namespace evonas {

/// A population member multi-objective operators can compare.
template <class T>
concept WithFitness = requires(const T& m) {
    { m.fitness } -> std::convertible_to<const Fitness&>;
    { static_cast<std::uint64_t>(m.id) };
};

/// A population seen through its objectives: each member's point,
/// violation, front and crowding distance (within its front; for an
/// infeasible member, minus its violation).
struct ParetoView {
    std::vector<std::vector<double>> points;  ///< oriented higher-is-better
    std::vector<double> violations;           ///< 0: feasible
    std::vector<std::size_t> fronts;          ///< 0: non-dominated
    std::vector<double> crowding;             ///< larger: less crowded

    /// The view of `members` (plus `extra` after them, if given).
    template <WithFitness T>
    static ParetoView of(const Objectives& objectives, std::span<const T> members, const T* extra = nullptr) {
        ParetoView v;
        const auto add = [&](const T& m) {
            v.points.push_back(objective_point(objectives, m.fitness));
            v.violations.push_back(objective_violation(objectives, m.fitness));
        };
        for (const auto& m : members) add(m);
        if (extra) add(*extra);
        v.fronts = pareto_ranks(v.points, v.violations);
        v.crowding.assign(v.points.size(), 0.0);
        std::size_t worst = 0;
        for (auto f : v.fronts) worst = std::max(worst, f);
        std::vector<std::size_t> front;
        for (std::size_t r = 0; r <= worst && !v.points.empty(); ++r) {
            front.clear();
            for (std::size_t i = 0; i < v.fronts.size(); ++i) {
                if (v.fronts[i] == r) front.push_back(i);
            }
            if (front.empty()) continue;
            if (v.violations[front[0]] > 0.0) {
                for (auto i : front) v.crowding[i] = -v.violations[i];
                continue;
            }
            const auto d = crowding_distances(v.points, front);
            for (std::size_t k = 0; k < front.size(); ++k) v.crowding[front[k]] = d[k];
        }
        return v;
    }

    /// True when member a is preferred to b: lower front, then less crowded.
    bool better(std::size_t a, std::size_t b) const noexcept {
        if (fronts[a] != fronts[b]) return fronts[a] < fronts[b];
        return crowding[a] > crowding[b];
    }
};

namespace detail {

inline void check_objectives(const Objectives& objectives, std::string_view op) {
    if (objectives.empty()) {
        throw ConfigError(std::string(op), "has no objectives (set EvolutionOptions::objectives)");
    }
}

// A tournament's objectives, size and population, checked.
inline void check_tournament(const Objectives& objectives, std::size_t size, std::size_t population,
                             std::string_view op, std::string_view type) {
    check_objectives(objectives, op);
    if (size == 0) throw ConfigError(fmt::format("{}.size", type), "must be at least 1, got 0");
    if (population == 0) throw ConfigError("population", fmt::format("{}: cannot select from an empty population", op));
}

// The Chebyshev distance of each point from the ideal, after scaling every
// objective to [0, 1] over the points, with weights `w`; an infeasible
// point adds 1 + its violation (it is worse than every feasible one).
inline std::vector<double> chebyshev_values(const ParetoView& v, const std::vector<double>& w) {
    const std::size_t n = v.points.size();
    std::vector<double> out(n, 0.0);
    if (n == 0) return out;
    const std::size_t m = w.size();
    for (std::size_t k = 0; k < m; ++k) {
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (const auto& p : v.points) {
            if (std::isfinite(p[k])) lo = std::min(lo, p[k]), hi = std::max(hi, p[k]);
        }
        for (std::size_t i = 0; i < n; ++i) {
            const double p = v.points[i][k];
            const double gap = !std::isfinite(p) ? 1.0 : hi > lo ? (hi - p) / (hi - lo) : 0.0;
            out[i] = std::max(out[i], w[k] * gap);
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (v.violations[i] > 0.0) out[i] += 1.0 + v.violations[i];
    }
    return out;
}

// Weights drawn uniformly from the simplex.
inline std::vector<double> random_weights(std::size_t m, Rng& rng) {
    std::vector<double> w(m);
    double sum = 0.0;
    for (auto& x : w) sum += (x = -std::log(1.0 - rng.uniform()));
    for (auto& x : w) x /= sum;
    return w;
}

}  // namespace detail

/// Binary (or `size`-member) tournament on (front, crowding distance), as
/// in NSGA-II; members drawn with replacement, ties to the smaller index.
struct ParetoTournament {
    Objectives objectives;  ///< what is compared
    std::size_t size = 2;   ///< members per tournament (>= 1)

    /// "pareto_tournament", for logs.
    std::string_view name() const noexcept { return "pareto_tournament"; }

    /// The index of the parent; ConfigError for an empty population or no objectives.
    template <WithFitness T>
    std::size_t operator()(std::span<const T> population, Rng& rng) const {
        detail::check_tournament(objectives, size, population.size(), name(), "ParetoTournament");
        const auto view = ParetoView::of(objectives, population);
        std::size_t best = rng.index(population.size());
        for (std::size_t k = 1; k < size; ++k) {
            const auto c = rng.index(population.size());
            if (view.better(c, best) || (!view.better(best, c) && c < best)) best = c;
        }
        return best;
    }
};

/// The newcomer joins the population; one member of the worst front then
/// leaves (the newcomer itself, when it is the one: it is discarded). Of an
/// infeasible worst front the largest violation leaves; of a feasible one
/// the most crowded member (ParetoRule::crowding) or the one whose removal
/// loses the least hypervolume (ParetoRule::hypervolume; objectives scaled
/// to [0, 1] over the population, reference 0.1 beyond the worst). Ties:
/// the oldest leaves.
struct ReplaceWorstFront {
    Objectives objectives;                     ///< what is compared
    ParetoRule rule = ParetoRule::crowding;    ///< crowding or hypervolume

    /// "replace_worst_front", for logs.
    std::string_view name() const noexcept { return "replace_worst_front"; }

    /// The index the newcomer overwrites, or nullopt to discard it.
    template <WithFitness T>
    std::optional<std::size_t> operator()(std::span<const T> population, const T& newcomer, Rng& /*rng*/) const {
        detail::check_objectives(objectives, name());
        if (population.empty()) return std::nullopt;
        const auto view = ParetoView::of(objectives, population, &newcomer);
        const std::size_t n = view.points.size();  // population + newcomer (last)
        const std::size_t worst = *std::max_element(view.fronts.begin(), view.fronts.end());
        std::vector<std::size_t> front;
        for (std::size_t i = 0; i < n; ++i) {
            if (view.fronts[i] == worst) front.push_back(i);
        }
        std::vector<double> keep_value(n, 0.0);  // the smallest leaves
        if (view.violations[front[0]] > 0.0 || rule != ParetoRule::hypervolume || front.size() < 2) {
            for (auto i : front) keep_value[i] = view.crowding[i];
        } else {
            const auto scaled = scaled_points(view, front);
            std::vector<double> ref(objectives.size(), -0.1);
            const auto c = hypervolume_contributions(scaled, ref);
            for (std::size_t k = 0; k < front.size(); ++k) keep_value[front[k]] = c[k];
        }
        const auto id_of = [&](std::size_t i) {
            return i < population.size() ? static_cast<std::uint64_t>(population[i].id)
                                         : static_cast<std::uint64_t>(newcomer.id);
        };
        std::size_t leave = front[0];
        for (auto i : front) {
            if (keep_value[i] < keep_value[leave] || (keep_value[i] == keep_value[leave] && id_of(i) < id_of(leave))) {
                leave = i;
            }
        }
        if (leave == n - 1) return std::nullopt;
        return leave;
    }

private:
    // The front's points scaled to [0, 1] per objective over every member.
    static std::vector<std::vector<double>> scaled_points(const ParetoView& v, const std::vector<std::size_t>& front) {
        const std::size_t m = v.points.empty() ? 0 : v.points[0].size();
        std::vector<double> lo(m, std::numeric_limits<double>::infinity()), hi(m, -std::numeric_limits<double>::infinity());
        for (const auto& p : v.points) {
            for (std::size_t k = 0; k < m; ++k) {
                if (std::isfinite(p[k])) lo[k] = std::min(lo[k], p[k]), hi[k] = std::max(hi[k], p[k]);
            }
        }
        std::vector<std::vector<double>> out;
        for (auto i : front) {
            std::vector<double> s(m);
            for (std::size_t k = 0; k < m; ++k) s[k] = hi[k] > lo[k] ? (v.points[i][k] - lo[k]) / (hi[k] - lo[k]) : 1.0;
            out.push_back(std::move(s));
        }
        return out;
    }
};

/// Tournament on a Chebyshev scalarisation: each call draws weights
/// uniformly from the simplex; the member closest (weighted, worst
/// objective) to the population's ideal point wins.
struct ChebyshevTournament {
    Objectives objectives;  ///< what is compared
    std::size_t size = 2;   ///< members per tournament (>= 1)

    /// "chebyshev_tournament", for logs.
    std::string_view name() const noexcept { return "chebyshev_tournament"; }

    /// The index of the parent.
    template <WithFitness T>
    std::size_t operator()(std::span<const T> population, Rng& rng) const {
        detail::check_tournament(objectives, size, population.size(), name(), "ChebyshevTournament");
        const auto view = ParetoView::of(objectives, population);
        const auto value = detail::chebyshev_values(view, detail::random_weights(objectives.size(), rng));
        std::size_t best = rng.index(population.size());
        for (std::size_t k = 1; k < size; ++k) {
            const auto c = rng.index(population.size());
            if (value[c] < value[best] || (value[c] == value[best] && c < best)) best = c;
        }
        return best;
    }
};

/// Replace-worst on a Chebyshev scalarisation with weights drawn for each
/// newcomer: the worst member under them leaves when the newcomer is at
/// least as good under the same weights (ties: the oldest leaves).
struct ReplaceChebyshev {
    Objectives objectives;  ///< what is compared

    /// "replace_chebyshev", for logs.
    std::string_view name() const noexcept { return "replace_chebyshev"; }

    /// The index the newcomer overwrites, or nullopt to discard it.
    template <WithFitness T>
    std::optional<std::size_t> operator()(std::span<const T> population, const T& newcomer, Rng& rng) const {
        detail::check_objectives(objectives, name());
        if (population.empty()) return std::nullopt;
        const auto view = ParetoView::of(objectives, population, &newcomer);
        const auto value = detail::chebyshev_values(view, detail::random_weights(objectives.size(), rng));
        std::size_t worst = 0;
        for (std::size_t i = 1; i < population.size(); ++i) {
            if (value[i] > value[worst] ||
                (value[i] == value[worst] && static_cast<std::uint64_t>(population[i].id) <
                                                 static_cast<std::uint64_t>(population[worst].id))) {
                worst = i;
            }
        }
        if (value.back() > value[worst]) return std::nullopt;
        return worst;
    }
};

}  // namespace evonas
