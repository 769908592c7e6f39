// evonas: which members of an island migrate, and where an arriving migrant
// goes: the two choices MigrationOptions configures.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include <evonas/engine/individual.hpp>
#include <evonas/engine/options.hpp>
#include <evonas/operators/multi_objective.hpp>
#include <evonas/random.hpp>

namespace evonas {

/// Up to options.migrants members of `population` to send: the best (ties
/// to the lower index) or a random sample drawn with `rng`.
template <class G>
std::vector<Individual<G>> pick_migrants(const std::vector<Individual<G>>& population,
                                         const MigrationOptions& options, Rng& rng) {
    std::vector<std::size_t> order(population.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const auto k = std::min(options.migrants, order.size());
    if (options.pick == MigrantPick::best) {
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                          [&](std::size_t a, std::size_t b) {
                              return population[a].score > population[b].score ||
                                     (population[a].score == population[b].score && a < b);
                          });
    } else {
        for (std::size_t i = 0; i < k; ++i) std::swap(order[i], order[i + rng.index(order.size() - i)]);
    }
    std::vector<Individual<G>> out;
    for (std::size_t i = 0; i < k; ++i) out.push_back(population[order[i]]);
    return out;
}

/// Multi-objective runs: up to `count` members of `population`, best first
/// by (Pareto front, crowding distance), ties to the lower index.
template <class G>
std::vector<Individual<G>> pick_front_migrants(const std::vector<Individual<G>>& population,
                                               const Objectives& objectives, std::size_t count) {
    const auto view = ParetoView::of(objectives, std::span<const Individual<G>>(population));
    std::vector<std::size_t> order(population.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return view.better(a, b); });
    std::vector<Individual<G>> out;
    for (std::size_t i = 0; i < std::min(count, order.size()); ++i) out.push_back(population[order[i]]);
    return out;
}

/// The member of a full `population` that `migrant` replaces, or nullopt
/// when it is not let in (replace worst: the migrant is worse than the worst).
template <class G>
std::optional<std::size_t> migrant_slot(const std::vector<Individual<G>>& population,
                                        const Individual<G>& migrant, MigrantReplace replace, Rng& rng) {
    const auto index_of = [&](auto it) { return static_cast<std::size_t>(it - population.begin()); };
    switch (replace) {
        case MigrantReplace::worst: {
            const auto slot = index_of(std::min_element(
                population.begin(), population.end(), [](const auto& a, const auto& b) { return a.score < b.score; }));
            if (population[slot].score > migrant.score) return std::nullopt;
            return slot;
        }
        case MigrantReplace::random: return rng.index(population.size());
        case MigrantReplace::oldest:
            return index_of(std::min_element(population.begin(), population.end(),
                                             [](const auto& a, const auto& b) { return a.id < b.id; }));
    }
    return std::nullopt;
}

}  // namespace evonas
