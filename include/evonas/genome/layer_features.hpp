// evonas: a layer genome as a fixed-length vector of numbers, the input of
// the surrogate's predictor (surrogate/surrogate.hpp). Variable-length
// sections become fixed slots:
//
//   per section:  depth / max_layers, then per allowed layer type its count
//                 / max_layers, then per slot (max_layers of them) a one-hot
//                 of the layer type (all 0 for an empty slot) and the
//                 layer's parameters normalised to [0, 1] (padded with 0)
//   globals:      each global gene normalised to [0, 1]
//   with a data shape (CnnFeatures): from the shape inference, whether the
//                 network can be built, log10 parameters, log10 FLOPs per
//                 sample, log10 of the smallest layer output (elements per
//                 sample) and the number of layers built
//
// Normalisation: int and real (v - lo) / (hi - lo), log_real on the log
// scale, a choice its index / (choices - 1), a bool 0 or 1. The length
// depends on the space only, so every genome of one run maps to vectors of
// one length.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <evonas/genome/cnn_layer.hpp>
#include <evonas/genome/cnn_shape.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/genome/layer_gene.hpp>
#include <evonas/space/param_spec.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas {

/// `value` of `spec` mapped to [0, 1] (see the top of this header).
inline double normalised_param(const ParamSpec& spec, double value) noexcept {
    switch (spec.kind) {
        case ParamKind::integer:
        case ParamKind::real: return spec.hi > spec.lo ? (value - spec.lo) / (spec.hi - spec.lo) : 0.0;
        case ParamKind::log_real:
            return spec.hi > spec.lo && value > 0.0 ? std::log(value / spec.lo) / std::log(spec.hi / spec.lo) : 0.0;
        case ParamKind::choice:
            return spec.choices.size() > 1 ? value / static_cast<double>(spec.choices.size() - 1) : 0.0;
        case ParamKind::boolean: return value != 0.0 ? 1.0 : 0.0;
    }
    return 0.0;
}

/// The fixed-length features of a layer genome (top of this header): the
/// slot encoding and the globals. `genome` must be valid in `space`.
inline std::vector<double> layer_genome_features(const Genome<LayerGene>& genome, const SearchSpace& space) {
    std::vector<double> out;
    for (std::size_t s = 0; s < space.sections().size(); ++s) {
        const auto& section_space = space.section(s);
        const auto& allowed = space.allowed_ids(s);
        const double max_layers = static_cast<double>(std::max<std::size_t>(section_space.max_layers, 1));
        std::size_t max_params = 0;
        for (const auto id : allowed) max_params = std::max(max_params, space.layer_type(id).params.size());
        const auto* section = s < genome.section_count() ? &genome.section(s) : nullptr;
        const std::size_t depth = section ? section->size() : 0;
        out.push_back(static_cast<double>(depth) / max_layers);
        const auto slot_of = [&](LayerTypeId id) {
            return static_cast<std::size_t>(std::find(allowed.begin(), allowed.end(), id) - allowed.begin());
        };
        const std::size_t counts_at = out.size();
        out.resize(out.size() + allowed.size(), 0.0);
        for (std::size_t j = 0; j < depth; ++j) {
            const auto k = slot_of((*section)[j].type);
            if (k < allowed.size()) out[counts_at + k] += 1.0 / max_layers;
        }
        for (std::size_t j = 0; j < section_space.max_layers; ++j) {
            const std::size_t at = out.size();
            out.resize(out.size() + allowed.size() + max_params, 0.0);
            if (j >= depth) continue;
            const auto& gene = (*section)[j];
            const auto k = slot_of(gene.type);
            if (k < allowed.size()) out[at + k] = 1.0;
            const auto& params = space.layer_type(gene.type).params;
            for (std::size_t p = 0; p < gene.size && p < params.size() && p < max_params; ++p) {
                out[at + allowed.size() + p] = normalised_param(params[p], gene.values[p]);
            }
        }
    }
    const auto& globals = space.globals();
    for (std::size_t g = 0; g < globals.size(); ++g) {
        out.push_back(g < genome.globals().size() ? normalised_param(globals[g], genome.globals()[g]) : 0.0);
    }
    return out;
}

/// The features of a CNN layer genome for inputs of `shape`: the slot
/// encoding and globals (layer_genome_features) plus the shape inference's
/// aggregates. What EvolutionOperators::features should be for a CNN run
/// (the CNN examples and the search benchmark set it).
struct CnnFeatures {
    CnnDataShape shape;  ///< the inputs the networks are built for

    /// The features; ConfigError when `shape` does not suit `space`.
    std::vector<double> operator()(const Genome<LayerGene>& genome, const SearchSpace& space) const {
        auto out = layer_genome_features(genome, space);
        const auto report = infer_cnn_shapes(genome, space, shape);
        double smallest = 0.0;
        bool first = true;
        for (const auto& layer : report.layers) {
            double elements = 1.0;
            for (const auto e : layer.output) elements *= static_cast<double>(std::max<std::int64_t>(e, 1));
            if (first || elements < smallest) smallest = elements;
            first = false;
        }
        out.push_back(report.ok() ? 1.0 : 0.0);
        out.push_back(std::log10(1.0 + static_cast<double>(report.params)));
        out.push_back(std::log10(1.0 + report.flops));
        out.push_back(std::log10(std::max(smallest, 1.0)));
        out.push_back(static_cast<double>(report.layers.size()));
        return out;
    }
};

}  // namespace evonas
