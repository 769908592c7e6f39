// evonas: a layer type, i.e. a name and its fixed-width set of parameters.
// In MENNDL's words, one fixed-width set of genes is one layer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/space/param_spec.hpp>

namespace evonas {

/// Most parameters one layer type may have: layer genes are fixed-width.
inline constexpr std::size_t max_layer_params = 12;

/// A kind of layer ("conv", "pool", "dense", ...) and its parameters.
/// Thread safety: immutable once built; share freely.
struct LayerType {
    std::string name;               ///< e.g. "conv"; unique within a search space
    std::vector<ParamSpec> params;  ///< the layer's parameters, in gene order

    /// Index of the parameter called `param`, if any.
    std::optional<std::size_t> find_param(std::string_view param) const noexcept {
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (params[i].name == param) return i;
        }
        return std::nullopt;
    }

    /// Throws ConfigError naming `field` when the layer type is inconsistent.
    void validate(const std::string& field) const {
        if (name.empty()) throw ConfigError(field + ".name", "a layer type needs a name");
        if (name.find_first_of("(),=|; \t\n") != std::string::npos) {
            throw ConfigError(field + ".name",
                              fmt::format("'{}' may not contain spaces or any of ( ) , = | ;", name));
        }
        if (params.size() > max_layer_params) {
            throw ConfigError(field + ".params",
                              fmt::format("layer type '{}' has {} parameters; at most {} are allowed",
                                          name, params.size(), max_layer_params));
        }
        for (std::size_t i = 0; i < params.size(); ++i) {
            params[i].validate(fmt::format("{}.params[{}]", field, i));
            for (std::size_t j = 0; j < i; ++j) {
                if (params[j].name == params[i].name) {
                    throw ConfigError(fmt::format("{}.params[{}]", field, i),
                                      fmt::format("layer type '{}' has two parameters called '{}'",
                                                  name, params[i].name));
                }
            }
        }
    }
};

}  // namespace evonas
