// evonas: the search space: layer types, ordered sections, global genes.
//
// A SearchSpace is runtime data (load it from JSON with space_from_json,
// or build one in code): a user defines a new space without recompiling.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/space/layer_type.hpp>
#include <evonas/space/param_spec.hpp>
#include <evonas/space/section_space.hpp>

namespace evonas {

/// Index of a layer type in SearchSpace::layer_types().
using LayerTypeId = std::uint16_t;

/// Everything evolution may choose: the layer types, the sections that use
/// them (in genome order) and the global genes (learning rate, batch size,
/// ...). The constructor validates the whole space and throws ConfigError
/// naming the offending field. Thread safety: immutable; share freely
/// between threads.
class SearchSpace {
public:
    /// Builds and validates a space; throws ConfigError naming the bad field.
    SearchSpace(std::string name, std::vector<LayerType> layer_types,
                std::vector<SectionSpace> sections, std::vector<ParamSpec> globals)
        : name_(std::move(name)),
          layer_types_(std::move(layer_types)),
          sections_(std::move(sections)),
          globals_(std::move(globals)) {
        validate_and_index();
    }

    /// The space's name, e.g. "cnn2d".
    const std::string& name() const noexcept { return name_; }
    /// Every layer type; a LayerTypeId indexes this.
    const std::vector<LayerType>& layer_types() const noexcept { return layer_types_; }
    /// The sections, in genome order.
    const std::vector<SectionSpace>& sections() const noexcept { return sections_; }
    /// The global genes (learning rate, batch size, ...), in genome order.
    const std::vector<ParamSpec>& globals() const noexcept { return globals_; }

    /// The layer type with id `id`; throws std::out_of_range when there is none.
    const LayerType& layer_type(LayerTypeId id) const { return layer_types_.at(id); }
    /// Section `s`; throws std::out_of_range when there is none.
    const SectionSpace& section(std::size_t s) const { return sections_.at(s); }

    /// Id of the layer type called `type_name`, if any.
    std::optional<LayerTypeId> find_layer_type(std::string_view type_name) const noexcept {
        for (std::size_t i = 0; i < layer_types_.size(); ++i) {
            if (layer_types_[i].name == type_name) return static_cast<LayerTypeId>(i);
        }
        return std::nullopt;
    }

    /// Index of the global gene called `gene_name`, if any.
    std::optional<std::size_t> find_global(std::string_view gene_name) const noexcept {
        for (std::size_t i = 0; i < globals_.size(); ++i) {
            if (globals_[i].name == gene_name) return i;
        }
        return std::nullopt;
    }

    /// Layer types section `s` allows, as ids, and their weights (same order).
    const std::vector<LayerTypeId>& allowed_ids(std::size_t s) const { return allowed_ids_.at(s); }
    /// Weights of allowed_ids(s) for random choice, in the same order.
    const std::vector<double>& allowed_weights(std::size_t s) const { return allowed_weights_.at(s); }

    /// The layer types of which section `s` needs at least one (its
    /// require_any, as ids; empty: no requirement).
    const std::vector<LayerTypeId>& required_ids(std::size_t s) const { return required_ids_.at(s); }

    /// True when `genes`, as section `s`, hold a layer its require_any asks for
    /// (always true without a requirement).
    template <class Genes>
    bool meets_requirement(std::size_t s, const Genes& genes) const {
        const auto& required = required_ids_.at(s);
        if (required.empty()) return true;
        for (const auto& gene : genes) {
            for (auto id : required) {
                if (gene.type == id) return true;
            }
        }
        return false;
    }

    /// True when layer type `id` is one section `s` requires (require_any).
    bool is_required(std::size_t s, LayerTypeId id) const noexcept {
        if (s >= required_ids_.size()) return false;
        for (auto r : required_ids_[s]) {
            if (r == id) return true;
        }
        return false;
    }

    /// True when section `s` allows layer type `id`.
    bool allows(std::size_t s, LayerTypeId id) const noexcept {
        if (s >= allowed_ids_.size()) return false;
        for (auto allowed : allowed_ids_[s]) {
            if (allowed == id) return true;
        }
        return false;
    }

private:
    void validate_and_index() {
        if (layer_types_.empty()) throw ConfigError("layer_types", "the space has no layer types");
        if (layer_types_.size() > 65535) throw ConfigError("layer_types", "at most 65535 layer types");
        for (std::size_t i = 0; i < layer_types_.size(); ++i) {
            const auto field = fmt::format("layer_types[{}]", i);
            layer_types_[i].validate(field);
            for (std::size_t j = 0; j < i; ++j) {
                if (layer_types_[j].name == layer_types_[i].name) {
                    throw ConfigError(field + ".name",
                                      fmt::format("layer type '{}' is defined twice", layer_types_[i].name));
                }
            }
        }
        if (sections_.empty()) throw ConfigError("sections", "the space has no sections");
        for (std::size_t s = 0; s < sections_.size(); ++s) {
            const auto& section = sections_[s];
            const auto field = fmt::format("sections[{}]", s);
            if (section.name.empty()) throw ConfigError(field + ".name", "a section needs a name");
            for (std::size_t t = 0; t < s; ++t) {
                if (sections_[t].name == section.name) {
                    throw ConfigError(field + ".name",
                                      fmt::format("section '{}' is defined twice", section.name));
                }
            }
            if (section.layers.empty()) {
                throw ConfigError(field + ".layers",
                                  fmt::format("section '{}' allows no layer types", section.name));
            }
            if (section.min_layers > section.max_layers) {
                throw ConfigError(field + ".min_layers",
                                  fmt::format("section '{}': min_layers ({}) is greater than max_layers ({})",
                                              section.name, section.min_layers, section.max_layers));
            }
            if (section.max_layers == 0) {
                throw ConfigError(field + ".max_layers",
                                  fmt::format("section '{}': max_layers must be at least 1", section.name));
            }
            std::vector<LayerTypeId> ids;
            std::vector<double> weights;
            double total = 0.0;
            for (std::size_t k = 0; k < section.layers.size(); ++k) {
                const auto& allowed = section.layers[k];
                const auto layer_field = fmt::format("{}.layers[{}]", field, k);
                const auto id = find_layer_type(allowed.type);
                if (!id) {
                    throw ConfigError(layer_field + ".type",
                                      fmt::format("section '{}' names unknown layer type '{}'",
                                                  section.name, allowed.type));
                }
                for (auto seen : ids) {
                    if (seen == *id) {
                        throw ConfigError(layer_field + ".type",
                                          fmt::format("section '{}' lists layer type '{}' twice",
                                                      section.name, allowed.type));
                    }
                }
                if (!(allowed.weight >= 0.0) || !std::isfinite(allowed.weight)) {
                    throw ConfigError(layer_field + ".weight",
                                      fmt::format("weight must be a finite number >= 0, got {}", allowed.weight));
                }
                total += allowed.weight;
                ids.push_back(*id);
                weights.push_back(allowed.weight);
            }
            if (!(total > 0.0)) {
                throw ConfigError(field + ".layers",
                                  fmt::format("section '{}': at least one weight must be positive", section.name));
            }
            std::vector<LayerTypeId> required;
            for (std::size_t k = 0; k < section.require_any.size(); ++k) {
                const auto& name = section.require_any[k];
                const auto required_field = fmt::format("{}.require_any[{}]", field, k);
                std::optional<std::size_t> at;
                for (std::size_t i = 0; i < section.layers.size(); ++i) {
                    if (section.layers[i].type == name) at = i;
                }
                if (!at) {
                    throw ConfigError(required_field, fmt::format("section '{}' requires layer type '{}', which it "
                                                                  "does not allow", section.name, name));
                }
                if (!(weights[*at] > 0.0)) {
                    throw ConfigError(required_field, fmt::format("section '{}' requires layer type '{}', whose "
                                                                  "weight is 0", section.name, name));
                }
                if (std::find(required.begin(), required.end(), ids[*at]) != required.end()) {
                    throw ConfigError(required_field, fmt::format("section '{}' requires layer type '{}' twice",
                                                                  section.name, name));
                }
                required.push_back(ids[*at]);
            }
            allowed_ids_.push_back(std::move(ids));
            allowed_weights_.push_back(std::move(weights));
            required_ids_.push_back(std::move(required));
        }
        for (std::size_t g = 0; g < globals_.size(); ++g) {
            const auto field = fmt::format("globals[{}]", g);
            globals_[g].validate(field);
            for (std::size_t h = 0; h < g; ++h) {
                if (globals_[h].name == globals_[g].name) {
                    throw ConfigError(field, fmt::format("global gene '{}' is defined twice", globals_[g].name));
                }
            }
        }
    }

    std::string name_;
    std::vector<LayerType> layer_types_;
    std::vector<SectionSpace> sections_;
    std::vector<ParamSpec> globals_;
    std::vector<std::vector<LayerTypeId>> allowed_ids_;
    std::vector<std::vector<double>> allowed_weights_;
    std::vector<std::vector<LayerTypeId>> required_ids_;
};

}  // namespace evonas
