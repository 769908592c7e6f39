// evonas: how an island of an IslandModel draws its next genome: a seed, a
// random genome, or a child bred by selection, crossover and mutation.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>

#include <evonas/engine/evolution_operators.hpp>
#include <evonas/engine/individual.hpp>
#include <evonas/engine/island.hpp>
#include <evonas/engine/options.hpp>
#include <evonas/genome/genome_traits.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas::detail {

/// Members an island needs before it breeds rather than draws at random
/// (classic preset, after its initial phase).
inline std::size_t breeding_minimum(const EvolutionOptions& options) noexcept {
    return std::min(options.population, std::max<std::size_t>(2, options.tournament_size));
}

/// True while `is` is in its initial random phase. Regularized: until its
/// population is full of trained (ok) members, so rejected, duplicate and
/// failed draws do not use the phase up and breeding never starts from the
/// first few networks to finish. Classic: until `population` genomes (seeds
/// included) were proposed.
template <class G>
bool in_initial_phase(const Island<G>& is, const EvolutionOptions& options) noexcept {
    if (options.effective_preset() == EvolutionPreset::classic) return is.initial_proposed < options.population;
    return is.population.size() < options.population;
}

/// Sets job.genome, origin, op and parents: the island's next seed, a random
/// genome (initial phase, too few members, the random fraction, or
/// `force_random`), or a child.
template <class G>
void draw_genome(Island<G>& is, Job<G>& job, bool force_random, const space_of<G>& space,
                 const EvolutionOptions& options, const EvolutionOperators<G>& ops) {
    job.parents.clear();
    const bool initial = in_initial_phase(is, options);
    if (is.seeds_used < is.seeds.size()) {
        job.genome = is.seeds[is.seeds_used++];
        job.origin = Origin::seed;
        job.op = "seed";
        ++is.initial_proposed;
        return;
    }
    const double fraction = options.random_fraction.value_or(0.0);
    if (force_random || initial || is.population.size() < breeding_minimum(options) ||
        (fraction > 0.0 && is.breed_rng.chance(fraction))) {
        job.genome = random_genome_of<G>(space, is.breed_rng);
        job.origin = Origin::random;
        job.op = "random";
        if (initial && !force_random) ++is.initial_proposed;
        return;
    }
    const auto population = std::span<const Individual<G>>(is.population);
    const auto a = ops.select(population, is.breed_rng);
    job.origin = Origin::bred;
    if (population.size() >= 2 && is.breed_rng.chance(options.crossover_probability.value_or(0.0))) {
        auto b = ops.select(population, is.breed_rng);
        if (b == a) b = ops.select(population, is.breed_rng);
        job.genome = ops.crossover(population[a].genome, population[b].genome, space, is.breed_rng);
        job.op = "crossover:" + ops.crossover_name;
        job.parents = {population[a].id, population[b].id};
        if (is.breed_rng.chance(options.mutate_after_crossover)) {
            const auto name = ops.mutate(job.genome, space, is.breed_rng);
            if (!name.empty()) job.op += "+mutation:" + name;
        }
    } else {
        job.genome = population[a].genome;
        job.parents = {population[a].id};
        std::string name;
        for (int t = 0; t < 4 && name.empty(); ++t) name = ops.mutate(job.genome, space, is.breed_rng);
        job.op = "mutation:" + (name.empty() ? std::string("none") : name);
    }
}

}  // namespace evonas::detail
