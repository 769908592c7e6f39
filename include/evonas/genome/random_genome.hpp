// evonas: random and default genomes that honour every constraint of a space.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include <evonas/genome/genome.hpp>
#include <evonas/genome/layer_gene.hpp>
#include <evonas/random.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas {

/// The global genes at their defaults.
inline std::vector<double> default_globals(const SearchSpace& space) {
    std::vector<double> globals;
    globals.reserve(space.globals().size());
    for (const auto& spec : space.globals()) globals.push_back(spec.default_value);
    return globals;
}

/// A random genome: each section gets a uniform number of layers in
/// [min_layers, max_layers], each layer a type drawn by the section's
/// weights and random parameters; every global gene is drawn too. A section
/// with a requirement (require_any) that none of its layers meets gets one
/// position (drawn uniformly; the only layer of an empty section) replaced
/// by a layer of a required type.
inline Genome<LayerGene> random_genome(const SearchSpace& space, Rng& rng) {
    std::vector<GeneSection<LayerGene>> sections;
    sections.reserve(space.sections().size());
    for (std::size_t s = 0; s < space.sections().size(); ++s) {
        const auto& spec = space.section(s);
        const auto n = static_cast<std::size_t>(rng.uniform_int(
            static_cast<std::int64_t>(spec.min_layers), static_cast<std::int64_t>(spec.max_layers)));
        std::vector<LayerGene> genes;
        genes.reserve(std::max<std::size_t>(n, 1));
        for (std::size_t i = 0; i < n; ++i) genes.push_back(random_layer_for_section(space, s, rng));
        if (!space.meets_requirement(s, genes)) {
            // One position (or the only layer of an empty section) becomes a
            // layer of a required type, drawn by the section's weights.
            const auto layer = random_required_layer(space, s, rng);
            if (genes.empty()) genes.push_back(layer);
            else genes[rng.index(genes.size())] = layer;
        }
        sections.emplace_back(std::move(genes));
    }
    std::vector<double> globals;
    globals.reserve(space.globals().size());
    for (const auto& spec : space.globals()) globals.push_back(spec.sample(rng));
    return {std::move(sections), std::move(globals)};
}

}  // namespace evonas
