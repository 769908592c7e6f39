// evonas: the built-in selections: which population member becomes a parent.
//
// `s(population, rng)` returns an index into a non-empty population of
// Scored members (higher score is better, failed members have -infinity, a
// NaN score counts as failed; a smaller id is an older member). Randomness
// comes from the Rng only, so a seed gives the same picks on every platform.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/operators/concepts.hpp>
#include <evonas/random.hpp>

namespace evonas {

namespace detail {

/// A member's score for comparisons: NaN counts as failed (-infinity).
template <Scored T>
double score_of(const T& member) noexcept {
    const auto score = static_cast<double>(member.score);
    return std::isnan(score) ? -std::numeric_limits<double>::infinity() : score;
}

/// The members of a tournament: `size` indices into a population of `n`,
/// drawn with replacement, or without (`distinct`; all n when size >= n).
inline std::vector<std::size_t> tournament_members(std::size_t n, std::size_t size, bool distinct, Rng& rng) {
    std::vector<std::size_t> picked;
    if (!distinct) {
        picked.reserve(size);
        for (std::size_t k = 0; k < size; ++k) picked.push_back(rng.index(n));
        return picked;
    }
    picked.resize(n);
    for (std::size_t i = 0; i < n; ++i) picked[i] = i;
    const auto m = std::min(size, n);
    for (std::size_t k = 0; k < m; ++k) std::swap(picked[k], picked[k + rng.index(n - k)]);
    picked.resize(m);
    return picked;
}

inline void check_population(std::size_t size, std::string_view selection) {
    if (size == 0) {
        throw ConfigError("population", fmt::format("{}: cannot select from an empty population", selection));
    }
}

}  // namespace detail

/// Tournament selection: the best of `size` members drawn uniformly with
/// replacement (or without, `distinct`); ties go to the smaller index.
struct TournamentSelection {
    std::size_t size = 3;  ///< members per tournament (>= 1); larger = stronger pressure
    /// Draw the members without replacement (all of them when size >= the
    /// population): a tournament of k then really compares k members.
    bool distinct = false;

    /// "tournament", for logs.
    std::string_view name() const noexcept { return "tournament"; }

    /// Throws ConfigError("TournamentSelection.size") when size is 0.
    void validate() const {
        if (size == 0) throw ConfigError("TournamentSelection.size", "must be at least 1, got 0");
    }

    /// The index of the parent; throws ConfigError when the options are
    /// invalid or the population is empty.
    template <Scored T>
    std::size_t operator()(std::span<const T> population, Rng& rng) const {
        validate();
        detail::check_population(population.size(), name());
        if (distinct) {
            const auto members = detail::tournament_members(population.size(), size, true, rng);
            std::size_t best = members[0];
            for (auto c : members) {
                const double score = detail::score_of(population[c]);
                const double best_score = detail::score_of(population[best]);
                if (score > best_score || (score == best_score && c < best)) best = c;
            }
            return best;
        }
        std::size_t best = rng.index(population.size());
        double best_score = detail::score_of(population[best]);
        for (std::size_t k = 1; k < size; ++k) {
            const auto c = rng.index(population.size());
            const double score = detail::score_of(population[c]);
            if (score > best_score || (score == best_score && c < best)) {
                best = c;
                best_score = score;
            }
        }
        return best;
    }

    /// The same for a population held in a std::vector.
    template <Scored T>
    std::size_t operator()(const std::vector<T>& population, Rng& rng) const {
        return (*this)(std::span<const T>(population), rng);
    }
};

/// Tournament selection whose ties go to the younger member (larger id).
/// With ReplaceOldest as the replacement this is regularized ("aging")
/// evolution (Real et al. 2019, "Regularized Evolution for Image
/// Classifier Architecture Search"): every member dies of old age, so a
/// lucky score cannot dominate the population forever.
struct AgingTournamentSelection {
    std::size_t size = 3;  ///< members per tournament (>= 1); larger = stronger pressure
    /// Draw the members without replacement (all of them when size >= the
    /// population), as Real et al. sample S distinct members.
    bool distinct = false;

    /// "aging_tournament", for logs.
    std::string_view name() const noexcept { return "aging_tournament"; }

    /// Throws ConfigError("AgingTournamentSelection.size") when size is 0.
    void validate() const {
        if (size == 0) throw ConfigError("AgingTournamentSelection.size", "must be at least 1, got 0");
    }

    /// The index of the parent; throws ConfigError when the options are
    /// invalid or the population is empty.
    template <Scored T>
    std::size_t operator()(std::span<const T> population, Rng& rng) const {
        validate();
        detail::check_population(population.size(), name());
        const auto younger_wins = [&](std::size_t c, std::size_t best) {
            const double score = detail::score_of(population[c]);
            const double best_score = detail::score_of(population[best]);
            const auto id = static_cast<std::uint64_t>(population[c].id);
            const auto best_id = static_cast<std::uint64_t>(population[best].id);
            return score > best_score || (score == best_score && (id > best_id || (id == best_id && c < best)));
        };
        if (distinct) {
            const auto members = detail::tournament_members(population.size(), size, true, rng);
            std::size_t best = members[0];
            for (auto c : members) {
                if (younger_wins(c, best)) best = c;
            }
            return best;
        }
        std::size_t best = rng.index(population.size());
        double best_score = detail::score_of(population[best]);
        for (std::size_t k = 1; k < size; ++k) {
            const auto c = rng.index(population.size());
            const double score = detail::score_of(population[c]);
            const auto id = static_cast<std::uint64_t>(population[c].id);
            const auto best_id = static_cast<std::uint64_t>(population[best].id);
            if (score > best_score ||
                (score == best_score && (id > best_id || (id == best_id && c < best)))) {
                best = c;
                best_score = score;
            }
        }
        return best;
    }

    /// The same for a population held in a std::vector.
    template <Scored T>
    std::size_t operator()(const std::vector<T>& population, Rng& rng) const {
        return (*this)(std::span<const T>(population), rng);
    }
};

/// Linear ranking selection (Baker 1985): members sorted by score, the
/// rank r (0 = worst, n - 1 = best) is drawn with probability
/// (2 - p + 2 (p - 1) r / (n - 1)) / n for pressure p. p = 1 is uniform,
/// p = 2 the strongest (the best is twice as likely as average, the worst
/// never picked). Members with equal scores share their ranks' mean.
struct RankSelection {
    double pressure = 1.5;  ///< selection pressure, in [1, 2]

    /// "rank", for logs.
    std::string_view name() const noexcept { return "rank"; }

    /// Throws ConfigError("RankSelection.pressure") outside [1, 2].
    void validate() const {
        if (!(pressure >= 1.0 && pressure <= 2.0)) {
            throw ConfigError("RankSelection.pressure",
                              fmt::format("must be in [1, 2], got {}", pressure));
        }
    }

    /// The index of the parent; throws ConfigError when the options are
    /// invalid or the population is empty.
    template <Scored T>
    std::size_t operator()(std::span<const T> population, Rng& rng) const {
        validate();
        detail::check_population(population.size(), name());
        const std::size_t n = population.size();
        if (n == 1) return 0;
        std::vector<std::size_t> order(n);
        for (std::size_t i = 0; i < n; ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
            const double sx = detail::score_of(population[x]);
            const double sy = detail::score_of(population[y]);
            return sx < sy || (sx == sy && x < y);
        });
        std::vector<double> weights(n);
        const double denominator = static_cast<double>(n - 1);
        for (std::size_t r = 0; r < n;) {
            // the group of equal scores at ranks [r, end) shares their mean weight
            std::size_t end = r + 1;
            const double score = detail::score_of(population[order[r]]);
            while (end < n && detail::score_of(population[order[end]]) == score) ++end;
            double sum = 0.0;
            for (std::size_t k = r; k < end; ++k) {
                sum += (2.0 - pressure) + 2.0 * (pressure - 1.0) * static_cast<double>(k) / denominator;
            }
            const double mean = sum / static_cast<double>(end - r);
            for (std::size_t k = r; k < end; ++k) weights[order[k]] = mean;
            r = end;
        }
        return rng.weighted(weights);
    }

    /// The same for a population held in a std::vector.
    template <Scored T>
    std::size_t operator()(const std::vector<T>& population, Rng& rng) const {
        return (*this)(std::span<const T>(population), rng);
    }
};

}  // namespace evonas
