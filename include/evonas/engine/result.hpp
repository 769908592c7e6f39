// evonas: what a run returns.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <evonas/engine/individual.hpp>

namespace evonas {

/// The best individuals of a run and its counters.
template <class G>
struct EvolutionResult {
    std::optional<Individual<G>> best;                  ///< best ok individual overall
    std::vector<std::optional<Individual<G>>> island_best;  ///< per island, best ok individual ever
    std::vector<Individual<G>> hall_of_fame;            ///< best first, distinct genomes
    RunCounts counts{};                                 ///< the run's counters
    double elapsed_seconds = 0.0;                       ///< the driver's clock at the end
    std::string stop_reason;                            ///< "max_evaluations", "patience", ...; empty if none
    /// Multi-objective runs: every trained network no other one dominates
    /// (constrained dominance, engine/pareto.hpp), by score, best first.
    /// Empty for a single-objective run.
    std::vector<Individual<G>> pareto_front;
    /// Multi-objective runs: the front's hypervolume (NaN without a
    /// reference point, see Objective::reference).
    double hypervolume = 0.0;
};

}  // namespace evonas
