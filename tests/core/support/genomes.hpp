// Test support: genomes written by hand and in words.
#pragma once

#include <evonas/genome/genome.hpp>
#include <evonas/genome/layer_gene.hpp>
#include <evonas/space/search_space.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace evonas::test {

/// A layer of `type` in `space` with the given leading values (defaults for the rest).
inline LayerGene layer(const SearchSpace& space, std::string_view type, std::vector<double> values = {}) {
    auto gene = default_layer(space, *space.find_layer_type(type));
    for (std::size_t i = 0; i < values.size(); ++i) gene.values[i] = values[i];
    return gene;
}

/// A genome in words, for failure messages.
inline std::string dump(const Genome<LayerGene>& g, const SearchSpace& space) {
    std::string out;
    for (std::size_t s = 0; s < g.section_count(); ++s) {
        out += fmt::format("[s{}:", s);
        for (const auto& gene : g.section(s)) {
            out += gene.type < space.layer_types().size() ? space.layer_type(gene.type).name : "?";
            out += fmt::format("({})", fmt::join(gene.params(), ","));
        }
        out += "] ";
    }
    return out + fmt::format("globals({})", fmt::join(g.globals(), ","));
}

}  // namespace evonas::test
