// evonas: is a genome valid in a search space?
#pragma once

#include <cstddef>
#include <string>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas {

/// The first reason `genome` is not valid in `space`, or "" when it is:
/// section count, layers per section, layer types the section allows, a
/// section's required layer type (require_any), parameter counts and every
/// value inside its parameter's space.
inline std::string genome_problem(const Genome<LayerGene>& genome, const SearchSpace& space) {
    if (genome.section_count() != space.sections().size()) {
        return fmt::format("the genome has {} sections, the space '{}' has {}",
                           genome.section_count(), space.name(), space.sections().size());
    }
    for (std::size_t s = 0; s < genome.section_count(); ++s) {
        const auto& section = genome.section(s);
        const auto& spec = space.section(s);
        if (section.size() < spec.min_layers || section.size() > spec.max_layers) {
            return fmt::format("section '{}' has {} layers; it allows {} to {}", spec.name,
                               section.size(), spec.min_layers, spec.max_layers);
        }
        for (std::size_t i = 0; i < section.size(); ++i) {
            const auto& gene = section[i];
            if (gene.type >= space.layer_types().size()) {
                return fmt::format("section '{}' layer {}: unknown layer type id {}", spec.name, i, gene.type);
            }
            const auto& type = space.layer_type(gene.type);
            if (!space.allows(s, gene.type)) {
                return fmt::format("section '{}' layer {}: layer type '{}' is not allowed in this section",
                                   spec.name, i, type.name);
            }
            if (gene.size != type.params.size()) {
                return fmt::format("section '{}' layer {} ('{}'): {} values for {} parameters",
                                   spec.name, i, type.name, gene.size, type.params.size());
            }
            for (std::size_t p = 0; p < type.params.size(); ++p) {
                if (!type.params[p].contains(gene.values[p])) {
                    return fmt::format("section '{}' layer {} ('{}'): {}={} is outside the space: {}",
                                       spec.name, i, type.name, type.params[p].name,
                                       gene.values[p], type.params[p].describe());
                }
            }
            for (std::size_t p = type.params.size(); p < max_layer_params; ++p) {
                if (gene.values[p] != 0.0) {
                    return fmt::format("section '{}' layer {} ('{}'): unused value slot {} is not 0",
                                       spec.name, i, type.name, p);
                }
            }
        }
        if (!space.meets_requirement(s, section)) {
            std::string names;
            for (const auto& n : spec.require_any) names += (names.empty() ? "" : ", ") + n;
            return fmt::format("section '{}' needs at least one layer of type {}", spec.name, names);
        }
    }
    if (genome.globals().size() != space.globals().size()) {
        return fmt::format("the genome has {} global genes, the space '{}' has {}",
                           genome.globals().size(), space.name(), space.globals().size());
    }
    for (std::size_t g = 0; g < space.globals().size(); ++g) {
        const auto& spec = space.globals()[g];
        if (!spec.contains(genome.globals()[g])) {
            return fmt::format("global gene {}={} is outside the space: {}", spec.name,
                               genome.globals()[g], spec.describe());
        }
    }
    return {};
}

/// True when `genome` is valid in `space`.
inline bool is_valid(const Genome<LayerGene>& genome, const SearchSpace& space) {
    return genome_problem(genome, space).empty();
}

/// Throws ConfigError("genome", reason) when `genome` is not valid in `space`.
inline void validate_genome(const Genome<LayerGene>& genome, const SearchSpace& space,
                            const std::string& field = "genome") {
    if (auto problem = genome_problem(genome, space); !problem.empty()) {
        throw ConfigError(field, problem);
    }
}

}  // namespace evonas
