// evonas: the layer genome's default mutation and crossover per preset,
// declared in genome/layer_genome_traits.hpp and defined here because they
// are built from the operators (which themselves need the traits).
#pragma once

#include <string>

#include <evonas/engine/options.hpp>
#include <evonas/genome/layer_genome_traits.hpp>
#include <evonas/operators/crossover.hpp>
#include <evonas/operators/mutation_mix.hpp>
#include <evonas/operators/mutations.hpp>

namespace evonas {

inline std::function<std::string(Genome<LayerGene>&, const SearchSpace&, Rng&)>
genome_traits<Genome<LayerGene>>::default_mutation(const EvolutionOptions& options) {
    if (options.resolved().effective_preset() == EvolutionPreset::classic) {
        return [mix = MutationMix::standard()](Genome<LayerGene>& genome, const SearchSpace& space,
                                               Rng& rng) mutable -> std::string {
            return mix(genome, space, rng) ? mix.last_applied() : std::string();
        };
    }
    return [mix = MutationMix::standard(), globals = MutateGlobalsEach{}](
               Genome<LayerGene>& genome, const SearchSpace& space, Rng& rng) mutable -> std::string {
        std::string name = mix(genome, space, rng) ? mix.last_applied() : std::string();
        if (globals(genome, space, rng)) name += name.empty() ? "mutate_globals" : "+mutate_globals";
        return name;
    };
}

inline NamedCrossover<Genome<LayerGene>, SearchSpace> genome_traits<Genome<LayerGene>>::default_crossover(
    const EvolutionOptions& options) {
    if (options.resolved().effective_preset() == EvolutionPreset::classic) {
        return {OnePointCrossover{}, std::string(OnePointCrossover{}.name())};
    }
    return {AlignedOnePointCrossover{}, std::string(AlignedOnePointCrossover{}.name())};
}

}  // namespace evonas
