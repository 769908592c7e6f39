// evonas: a layer of a CNN genome decoded into what the interpreters need
// (kind, kernel, stride, filters, padding, activation, ...), and the
// shapes, limits and reports that genome/cnn_shape.hpp computes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <evonas/error.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/genome/layer_gene.hpp>
#include <evonas/genome/text.hpp>
#include <evonas/genome/validate.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas {

/// What a layer of a CNN genome is; flatten and output are added by the
/// interpreter (between the sections, and after the classifier).
enum class CnnLayerKind : std::uint8_t {
    conv,     ///< convolution
    dilconv,  ///< dilated convolution
    sepconv,  ///< depthwise-separable convolution
    pool,     ///< max or average pooling
    lrn,      ///< local response normalisation
    dropout,  ///< dropout
    dense,    ///< fully connected
    flatten,  ///< added between the feature and classifier sections
    output,   ///< the final fully connected layer, one unit per class
};

/// The activations of the CNN spaces.
enum class CnnActivation : std::uint8_t {
    relu,        ///< max(0, x)
    leaky_relu,  ///< x, or 0.01 x below 0
    elu,         ///< x, or exp(x) - 1 below 0
    tanh,        ///< hyperbolic tangent
    sigmoid,     ///< logistic function
    none,        ///< identity
};

/// The kind's name, as the CNN spaces name their layer types.
inline constexpr std::string_view to_string(CnnLayerKind kind) noexcept {
    switch (kind) {
        case CnnLayerKind::conv: return "conv";
        case CnnLayerKind::dilconv: return "dilconv";
        case CnnLayerKind::sepconv: return "sepconv";
        case CnnLayerKind::pool: return "pool";
        case CnnLayerKind::lrn: return "lrn";
        case CnnLayerKind::dropout: return "dropout";
        case CnnLayerKind::dense: return "dense";
        case CnnLayerKind::flatten: return "flatten";
        case CnnLayerKind::output: return "output";
    }
    return "?";
}

/// The activation's name, as the CNN spaces' `act` choices spell it.
inline constexpr std::string_view to_string(CnnActivation act) noexcept {
    switch (act) {
        case CnnActivation::relu: return "relu";
        case CnnActivation::leaky_relu: return "leaky_relu";
        case CnnActivation::elu: return "elu";
        case CnnActivation::tanh: return "tanh";
        case CnnActivation::sigmoid: return "sigmoid";
        case CnnActivation::none: return "none";
    }
    return "?";
}

/// The kind named `name` (a layer type name of the CNN spaces), if any.
inline std::optional<CnnLayerKind> cnn_layer_kind(std::string_view name) noexcept {
    for (auto k : {CnnLayerKind::conv, CnnLayerKind::dilconv, CnnLayerKind::sepconv, CnnLayerKind::pool,
                   CnnLayerKind::lrn, CnnLayerKind::dropout, CnnLayerKind::dense}) {
        if (to_string(k) == name) return k;
    }
    return std::nullopt;
}

/// One layer gene decoded into what the builder needs. Fields a kind does
/// not use keep their defaults. Thread safety: a plain value.
struct CnnLayer {
    CnnLayerKind kind = CnnLayerKind::conv;  ///< what the layer is
    std::int64_t kernel = 1;     ///< conv, dilconv, sepconv, pool: k
    std::int64_t stride = 1;     ///< conv, sepconv, pool: s (dilconv: 1)
    std::int64_t dilation = 1;   ///< dilconv: d
    std::int64_t filters = 0;    ///< conv, dilconv, sepconv: f
    std::int64_t units = 0;      ///< dense: u; output: classes
    std::int64_t size = 0;       ///< lrn: size
    bool same = true;            ///< conv, dilconv: pad=same (sepconv: always)
    bool batch_norm = false;     ///< conv, dilconv, sepconv: bn
    bool max_pool = true;        ///< pool: type=max (false: avg)
    CnnActivation activation = CnnActivation::none;  ///< conv, dilconv, sepconv, dense: act
    double p = 0.0;              ///< dropout probability

    /// The kernel's extent along one axis, d*(k-1)+1.
    std::int64_t effective_kernel() const noexcept { return dilation * (kernel - 1) + 1; }
};

/// One sample's shape and the number of classes: what the data looks like.
/// Thread safety: a plain value.
struct CnnDataShape {
    std::int64_t channels = 1;           ///< input channels
    std::vector<std::int64_t> spatial;   ///< length / height, width / depth, height, width
    std::int64_t classes = 2;            ///< outputs of the final layer

    /// Number of spatial axes (1, 2 or 3).
    std::size_t dims() const noexcept { return spatial.size(); }

    /// Throws ConfigError naming the field when the shape is unusable.
    void validate(const std::string& field = "CnnDataShape") const {
        if (channels < 1) throw ConfigError(field + ".channels", fmt::format("must be at least 1, got {}", channels));
        if (spatial.empty() || spatial.size() > 3) {
            throw ConfigError(field + ".spatial",
                              fmt::format("needs 1, 2 or 3 spatial extents, got {}", spatial.size()));
        }
        for (auto n : spatial) {
            if (n < 1) throw ConfigError(field + ".spatial", fmt::format("extents must be at least 1, got {}", n));
        }
        if (classes < 2) throw ConfigError(field + ".classes", fmt::format("must be at least 2, got {}", classes));
    }

    /// E.g. "1x28x28, 10 classes".
    std::string to_string() const {
        return fmt::format("{}x{}, {} classes", channels, fmt::join(spatial, "x"), classes);
    }

    /// Same channels, extents and classes.
    friend bool operator==(const CnnDataShape&, const CnnDataShape&) = default;
};

/// One layer of an inferred network. For genome layers, `section` and
/// `index` say where the gene is; flatten and output have section = the
/// genome's section count and index 0 / 1.
struct CnnLayerReport {
    CnnLayer layer;                      ///< the decoded layer
    std::string text;                    ///< the gene in text notation, "flatten" or "output(classes=N)"
    std::size_t section = 0;             ///< the gene's section
    std::size_t index = 0;               ///< the gene's index in its section
    std::vector<std::int64_t> input;     ///< per sample: [channels, spatial...] or [features]
    std::vector<std::int64_t> output;    ///< per sample, as `input`
    /// Zero padding before and after, per spatial axis, of the (depthwise)
    /// convolution; empty for other layers.
    std::vector<std::pair<std::int64_t, std::int64_t>> padding;
    std::int64_t params = 0;             ///< trainable parameters
    double flops = 0.0;                  ///< approximate forward FLOPs per sample
};

/// The whole inferred network, or the first layer that does not fit.
/// Thread safety: a plain value.
struct CnnShapeReport {
    std::vector<CnnLayerReport> layers;  ///< up to the misfit when !ok()
    std::vector<std::int64_t> output;    ///< [classes] when ok()
    std::int64_t params = 0;             ///< trainable parameters of the whole network
    double flops = 0.0;                  ///< approximate forward FLOPs per sample
    std::string problem;                 ///< empty when the network can be built

    /// True when the network can be built.
    bool ok() const noexcept { return problem.empty(); }

    /// A table, one line per layer: text, output shape, parameters, FLOPs.
    std::string table() const {
        std::string out = fmt::format("{:<4} {:<44} {:<18} {:>12} {:>14}\n", "#", "layer", "output", "params", "FLOPs");
        for (std::size_t i = 0; i < layers.size(); ++i) {
            const auto& l = layers[i];
            out += fmt::format("{:<4} {:<44} {:<18} {:>12} {:>14.0f}\n", i, l.text,
                               fmt::format("{}", fmt::join(l.output, "x")), l.params, l.flops);
        }
        out += fmt::format("total: {} parameters, {:.0f} FLOPs per sample{}\n", params, flops,
                           ok() ? "" : " (incomplete: " + problem + ")");
        return out;
    }
};

/// Limits a genome must stay within (0: no limit).
struct CnnLimits {
    std::int64_t max_params = 0;  ///< trainable parameters (a memory limit)
    double max_flops = 0.0;       ///< forward FLOPs per sample (a time limit)
};

/// What repair_cnn_genome() did.
struct CnnRepair {
    bool valid = true;                  ///< false: the genome cannot be built
    std::vector<std::string> changes;   ///< one line per repair, in order
    std::string problem;                ///< why it is invalid
    CnnShapeReport report;              ///< of the repaired genome when valid

    /// True when the genome is valid and something was changed.
    bool repaired() const noexcept { return valid && !changes.empty(); }
};

namespace detail {

inline const ParamSpec* cnn_param(const LayerType& type, std::string_view name) noexcept {
    const auto i = type.find_param(name);
    return i ? &type.params[*i] : nullptr;
}

inline double cnn_value(const LayerGene& gene, const LayerType& type, std::string_view name, double fallback) {
    const auto i = type.find_param(name);
    return i ? gene.values[*i] : fallback;
}

inline std::string_view cnn_choice(const LayerGene& gene, const LayerType& type, std::string_view name,
                                   std::string_view fallback) {
    const auto i = type.find_param(name);
    if (!i) return fallback;
    const auto& spec = type.params[*i];
    const auto index = static_cast<std::size_t>(gene.values[*i]);
    if (spec.kind == ParamKind::boolean) return gene.values[*i] != 0.0 ? "1" : "0";
    return index < spec.choices.size() ? std::string_view(spec.choices[index]) : fallback;
}

/// The largest value of integer `spec` that is <= limit, if any.
inline std::optional<double> largest_allowed(const ParamSpec& spec, std::int64_t limit) {
    const auto lo = static_cast<std::int64_t>(spec.lo);
    const auto hi = static_cast<std::int64_t>(spec.hi);
    if (limit < lo) return std::nullopt;
    const std::int64_t top = std::min(limit, hi);
    return static_cast<double>(lo + (top - lo) / spec.step * spec.step);
}

inline std::int64_t product(const std::vector<std::int64_t>& v, std::size_t from = 0) {
    std::int64_t n = 1;
    for (std::size_t i = from; i < v.size(); ++i) n *= v[i];
    return n;
}

/// Where and why a walk stopped.
struct CnnMisfit {
    std::size_t section = 0;
    std::size_t index = 0;
    std::int64_t extent = 0;  ///< the smallest spatial extent of the layer's input
    bool repairable = false;
};

}  // namespace detail

/// Decodes one gene of a CNN space. Throws ConfigError("genome", ...) when
/// the layer type is not one of the CNN layer types or a choice has a name
/// this interpreter does not know. Parameters a (custom) space leaves out
/// take the defaults of space/cnn_space.hpp.
inline CnnLayer decode_cnn_layer(const LayerGene& gene, const SearchSpace& space) {
    if (gene.type >= space.layer_types().size()) {
        throw ConfigError("genome", fmt::format("unknown layer type id {}", gene.type));
    }
    const auto& type = space.layer_type(gene.type);
    const auto kind = cnn_layer_kind(type.name);
    if (!kind) {
        throw ConfigError("genome", fmt::format("layer type '{}' is not a CNN layer type (conv, dilconv, sepconv, "
                                                "pool, lrn, dropout, dense)", type.name));
    }
    CnnLayer layer;
    layer.kind = *kind;
    const auto number = [&](std::string_view name, double fallback) {
        return static_cast<std::int64_t>(detail::cnn_value(gene, type, name, fallback));
    };
    const auto activation = [&] {
        const auto name = detail::cnn_choice(gene, type, "act", "relu");
        for (auto a : {CnnActivation::relu, CnnActivation::leaky_relu, CnnActivation::elu, CnnActivation::tanh,
                       CnnActivation::sigmoid, CnnActivation::none}) {
            if (to_string(a) == name) return a;
        }
        throw ConfigError("genome", fmt::format("layer '{}': unknown activation '{}'", type.name, name));
    };
    const auto padding = [&] {
        const auto name = detail::cnn_choice(gene, type, "pad", "same");
        if (name != "same" && name != "valid") {
            throw ConfigError("genome", fmt::format("layer '{}': unknown padding '{}'", type.name, name));
        }
        return name == "same";
    };
    switch (layer.kind) {
        case CnnLayerKind::conv:
        case CnnLayerKind::dilconv:
        case CnnLayerKind::sepconv:
            layer.kernel = number("k", 3);
            layer.stride = layer.kind == CnnLayerKind::dilconv ? 1 : number("s", 1);
            layer.dilation = layer.kind == CnnLayerKind::dilconv ? number("d", 2) : 1;
            layer.filters = number("f", 32);
            layer.same = layer.kind == CnnLayerKind::sepconv ? true : padding();
            layer.activation = activation();
            layer.batch_norm = detail::cnn_value(gene, type, "bn", 1.0) != 0.0;
            break;
        case CnnLayerKind::pool: {
            const auto name = detail::cnn_choice(gene, type, "type", "max");
            if (name != "max" && name != "avg") {
                throw ConfigError("genome", fmt::format("layer 'pool': unknown pooling type '{}'", name));
            }
            layer.max_pool = name == "max";
            layer.kernel = number("k", 2);
            layer.stride = number("s", 2);
            break;
        }
        case CnnLayerKind::lrn: layer.size = number("size", 5); break;
        case CnnLayerKind::dropout: layer.p = detail::cnn_value(gene, type, "p", 0.25); break;
        case CnnLayerKind::dense:
            layer.units = number("u", 128);
            layer.activation = activation();
            break;
        default: break;
    }
    if (layer.kernel < 1 || layer.stride < 1 || layer.dilation < 1 ||
        (layer.kind != CnnLayerKind::pool && layer.kind != CnnLayerKind::lrn &&
         layer.kind != CnnLayerKind::dropout && layer.kind != CnnLayerKind::dense && layer.filters < 1) ||
        (layer.kind == CnnLayerKind::dense && layer.units < 1) ||
        (layer.kind == CnnLayerKind::lrn && layer.size < 1) || !(layer.p >= 0.0 && layer.p < 1.0)) {
        throw ConfigError("genome", fmt::format("layer '{}' has an unusable parameter value", type.name));
    }
    return layer;
}

}  // namespace evonas
