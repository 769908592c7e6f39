// evonas: a snapshot of a run's progress, for stop callbacks and observers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include <evonas/engine/individual.hpp>

namespace evonas {

/// Where a run stands. Thread safety: a plain value.
struct Progress {
    RunCounts counts{};                        ///< the run's counters
    double best_score = -std::numeric_limits<double>::infinity();  ///< best ok score so far
    std::uint64_t best_id = 0;                 ///< job id of the best score
    double elapsed_seconds = 0.0;              ///< the driver's clock (wall or virtual)
    std::size_t in_flight = 0;                 ///< jobs proposed and not yet finished
    std::uint64_t max_evaluations = 0;         ///< 0 when there is no such limit
    std::uint64_t since_improvement = 0;       ///< finished jobs since the best last improved
    double resource_used = 0.0;                ///< trained networks' resource (StopCriteria::resource_metric)
    /// Multi-objective runs (EvolutionOptions::objectives): networks on the
    /// Pareto front now (0 otherwise).
    std::size_t front_size = 0;
    /// Multi-objective runs: the front's hypervolume (objective_reference();
    /// NaN without a reference point or without objectives).
    double hypervolume = std::numeric_limits<double>::quiet_NaN();
    /// Multi-objective runs: how many times the front changed so far.
    std::uint64_t front_updates = 0;
};

}  // namespace evonas
