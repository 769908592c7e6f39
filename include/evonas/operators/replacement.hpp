// evonas: the built-in replacements: where a newcomer goes in a full population.
//
// `r(population, newcomer, rng)` returns the index to overwrite, or nullopt
// to discard the newcomer (also for an empty population: nothing to
// overwrite). Scores as in selection.hpp: higher is better, NaN counts as
// failed (-infinity); a smaller id is an older member.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <evonas/operators/concepts.hpp>
#include <evonas/operators/selection.hpp>
#include <evonas/random.hpp>

namespace evonas {

/// Steady-state replacement: the newcomer overwrites the worst member (ties:
/// the oldest) when it scores at least as well, or always with `always`.
struct ReplaceWorst {
    bool always = false;  ///< replace the worst member even when the newcomer is worse

    /// "replace_worst", for logs.
    std::string_view name() const noexcept { return "replace_worst"; }

    /// The index the newcomer overwrites, or nullopt to discard it.
    template <Scored T>
    std::optional<std::size_t> operator()(std::span<const T> population, const T& newcomer,
                                          Rng& /*rng*/) const {
        if (population.empty()) return std::nullopt;
        std::size_t worst = 0;
        double worst_score = detail::score_of(population[0]);
        for (std::size_t i = 1; i < population.size(); ++i) {
            const double score = detail::score_of(population[i]);
            if (score < worst_score ||
                (score == worst_score && static_cast<std::uint64_t>(population[i].id) <
                                             static_cast<std::uint64_t>(population[worst].id))) {
                worst = i;
                worst_score = score;
            }
        }
        if (always || detail::score_of(newcomer) >= worst_score) return worst;
        return std::nullopt;
    }

    /// The same for a population held in a std::vector.
    template <Scored T>
    std::optional<std::size_t> operator()(const std::vector<T>& population, const T& newcomer,
                                          Rng& rng) const {
        return (*this)(std::span<const T>(population), newcomer, rng);
    }
};

/// Aging replacement: the newcomer always overwrites the oldest member
/// (smallest id; ties: the smaller index). With AgingTournamentSelection
/// this is regularized evolution (Real et al. 2019).
struct ReplaceOldest {
    /// "replace_oldest", for logs.
    std::string_view name() const noexcept { return "replace_oldest"; }

    /// The index the newcomer overwrites, or nullopt to discard it.
    template <Scored T>
    std::optional<std::size_t> operator()(std::span<const T> population, const T& /*newcomer*/,
                                          Rng& /*rng*/) const {
        if (population.empty()) return std::nullopt;
        std::size_t oldest = 0;
        for (std::size_t i = 1; i < population.size(); ++i) {
            if (static_cast<std::uint64_t>(population[i].id) <
                static_cast<std::uint64_t>(population[oldest].id)) {
                oldest = i;
            }
        }
        return oldest;
    }

    /// The same for a population held in a std::vector.
    template <Scored T>
    std::optional<std::size_t> operator()(const std::vector<T>& population, const T& newcomer,
                                          Rng& rng) const {
        return (*this)(std::span<const T>(population), newcomer, rng);
    }
};

}  // namespace evonas
