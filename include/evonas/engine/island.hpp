// evonas: the state of one island of an IslandModel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <evonas/engine/individual.hpp>
#include <evonas/random.hpp>

namespace evonas {

/// One island: a steady-state population with its own generators. Plain
/// data owned by IslandModel; read it through IslandModel::island().
template <class G>
struct Island {
    std::vector<Individual<G>> population;  ///< ok members only, at most options.population
    std::optional<Individual<G>> best;      ///< best ok member ever (it may have been replaced since)
    std::vector<G> seeds;                   ///< the user's seeds for this island, in order
    std::size_t seeds_used = 0;             ///< seeds handed out so far
    std::size_t initial_proposed = 0;       ///< seeds + random genomes of the initial phase
    std::uint64_t seq = 0;                  ///< proposals so far (job id = seq * islands + island)
    std::uint64_t finished = 0;             ///< trained jobs finished
    double resource = 0.0;                  ///< their resource (StopCriteria::resource_metric), summed
    std::uint64_t proposed = 0;             ///< jobs handed to workers
    std::uint64_t duplicates = 0;           ///< twins bred (see DuplicatePolicy)
    std::size_t since_migration = 0;        ///< finished jobs since the island last sent migrants
    Rng breed_rng;                          ///< draws of the proposal side only
    Rng event_rng;                          ///< draws of the completion side (replacement, migration)
    std::vector<Individual<G>> inbox;       ///< migrants not merged yet
    std::vector<Job<G>> retry;              ///< jobs to propose again first, with their ids
};

}  // namespace evonas
