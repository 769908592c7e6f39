// evonas: genome_traits for the layer genome, Genome<LayerGene> in a
// SearchSpace: the library's own genome model, expressed through the same
// customisation point a genome of your own uses (genome/genome_traits.hpp).
// Every function forwards to the layer genome's free functions, so files
// and hashes are exactly those of evonas 0.1.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <evonas/genome/genome.hpp>
#include <evonas/genome/genome_traits.hpp>
#include <evonas/genome/hash.hpp>
#include <evonas/genome/layer_features.hpp>
#include <evonas/genome/layer_gene.hpp>
#include <evonas/genome/random_genome.hpp>
#include <evonas/genome/text.hpp>
#include <evonas/genome/validate.hpp>
#include <evonas/random.hpp>
#include <evonas/space/search_space.hpp>
#include <evonas/space/space_json.hpp>

namespace evonas {

struct EvolutionOptions;

/// The layer genome: sections of layers plus global genes (genome/genome.hpp).
template <>
struct genome_traits<Genome<LayerGene>> {
    using genome_type = Genome<LayerGene>;  ///< the layer genome
    using space_type = SearchSpace;         ///< its search space

    /// genome_problem(): "" when valid.
    static std::string problem(const genome_type& g, const SearchSpace& space) { return genome_problem(g, space); }
    /// genome_hash(): the hash of the canonical text's content.
    static std::uint64_t hash(const genome_type& g, const SearchSpace& space) { return genome_hash(g, space); }
    /// random_genome().
    static genome_type random(const SearchSpace& space, Rng& rng) { return random_genome(space, rng); }
    /// append_text(): the canonical text notation.
    static void append_text(std::string& out, const genome_type& g, const SearchSpace& space) {
        evonas::append_text(out, g, space);
    }
    /// parse_genome(), errors naming `where`.
    static genome_type from_text(std::string_view text, const SearchSpace& space, const std::string& where) {
        return parse_genome(text, space, where);
    }
    /// space_to_json().
    static nlohmann::json space_to_json(const SearchSpace& space) { return evonas::space_to_json(space); }
    /// layer_genome_features(): the slot encoding and the globals (the
    /// surrogate's input; CnnFeatures adds the shape inference's aggregates).
    static std::vector<double> features(const genome_type& g, const SearchSpace& space) {
        return layer_genome_features(g, space);
    }

    /// The preset's mutation (defined in operators/layer_defaults.hpp):
    /// MutationMix::standard(), plus MutateGlobalsEach under the regularized
    /// preset. Returns the names of what it applied ("" for nothing).
    static std::function<std::string(genome_type&, const SearchSpace&, Rng&)> default_mutation(
        const EvolutionOptions& options);
    /// The preset's crossover: OnePointCrossover (classic) or
    /// AlignedOnePointCrossover (regularized).
    static NamedCrossover<genome_type, SearchSpace> default_crossover(const EvolutionOptions& options);
};

}  // namespace evonas
