// evonas: the default gene, one layer: its type and its parameter values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <evonas/space/layer_type.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas {

/// One layer: a layer type id and one value per parameter of that type, in
/// the type's parameter order (see ParamSpec for how values are stored).
/// Fixed-width and trivially copyable, so copying a genome is a memcpy per
/// section. Unused slots stay 0. Thread safety: a plain value.
struct LayerGene {
    LayerTypeId type = 0;   ///< the layer type, an index into SearchSpace::layer_types()
    std::uint8_t size = 0;  ///< number of used values (= the type's parameter count)
    std::array<double, max_layer_params> values{};  ///< parameter values; the first `size` are used

    /// The used values, one per parameter of the type.
    std::span<double> params() noexcept { return {values.data(), size}; }
    /// The used values, one per parameter of the type.
    std::span<const double> params() const noexcept { return {values.data(), size}; }

    /// Same type and values.
    friend bool operator==(const LayerGene&, const LayerGene&) = default;
};

/// A layer of type `id` with every parameter at its default.
inline LayerGene default_layer(const SearchSpace& space, LayerTypeId id) {
    const auto& type = space.layer_type(id);
    LayerGene gene;
    gene.type = id;
    gene.size = static_cast<std::uint8_t>(type.params.size());
    for (std::size_t i = 0; i < type.params.size(); ++i) {
        gene.values[i] = type.params[i].default_value;
    }
    return gene;
}

/// A layer of type `id` with every parameter drawn at random.
inline LayerGene random_layer(const SearchSpace& space, LayerTypeId id, Rng& rng) {
    const auto& type = space.layer_type(id);
    LayerGene gene;
    gene.type = id;
    gene.size = static_cast<std::uint8_t>(type.params.size());
    for (std::size_t i = 0; i < type.params.size(); ++i) {
        gene.values[i] = type.params[i].sample(rng);
    }
    return gene;
}

/// A random layer for section `s`: type drawn by the section's weights.
inline LayerGene random_layer_for_section(const SearchSpace& space, std::size_t s, Rng& rng) {
    const auto& ids = space.allowed_ids(s);
    return random_layer(space, ids[rng.weighted(space.allowed_weights(s))], rng);
}

/// A random layer of one of the types section `s` requires (require_any),
/// drawn by the section's weights among them; random_layer_for_section()
/// when the section requires nothing.
inline LayerGene random_required_layer(const SearchSpace& space, std::size_t s, Rng& rng) {
    const auto& required = space.required_ids(s);
    if (required.empty()) return random_layer_for_section(space, s, rng);
    const auto& ids = space.allowed_ids(s);
    const auto& all_weights = space.allowed_weights(s);
    std::vector<double> weights;
    weights.reserve(required.size());
    for (auto id : required) {
        for (std::size_t k = 0; k < ids.size(); ++k) {
            if (ids[k] == id) weights.push_back(all_weights[k]);
        }
    }
    return random_layer(space, required[rng.weighted(weights)], rng);
}

}  // namespace evonas
