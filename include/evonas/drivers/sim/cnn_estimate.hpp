// evonas: rough work estimates for genomes of cnn_space(), for the
// simulation driver's proportional cost model: training FLOPs and parameter
// counts from the layer parameters alone (no LibTorch). They follow the
// shape rules documented in space/cnn_space.hpp; a layer that no longer fits
// its input keeps a spatial extent of 1 instead of failing.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include <evonas/drivers/sim/cost_model.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas::sim {

/// The input a cnn_space() network is trained on.
struct CnnInput {
    int dims = 2;                ///< spatial axes (1, 2 or 3)
    double channels = 3;         ///< input channels
    double size = 32;            ///< extent of each spatial axis
    double classes = 10;         ///< outputs of the final dense layer the interpreter appends
    double samples = 50000;      ///< training samples per epoch
};

/// Forward multiply-accumulates per sample and trainable parameters of one genome.
struct CnnWork {
    double macs = 0.0;
    double parameters = 0.0;
};

/// Estimates CnnWork for `genome` of a cnn_space(). Layer types and
/// parameters are found by name (conv, dilconv, sepconv, pool, lrn, dropout,
/// dense; k, s, d, f, pad, size, u); unknown layer types keep the shape and
/// cost nothing.
inline CnnWork estimate_cnn_work(const Genome<LayerGene>& genome, const SearchSpace& space, const CnnInput& input) {
    CnnWork work;
    double c = input.channels;
    double n = input.size;
    const auto area = [&](double extent) { return std::pow(extent, input.dims); };
    for (std::size_t s = 0; s < genome.section_count(); ++s) {
        if (s == 1) {  // between the sections the interpreter flattens
            c = c * area(n);
            n = 1.0;
        }
        for (const auto& gene : genome.section(s)) {
            const auto& type = space.layer_type(gene.type);
            const auto param = [&](std::string_view name, double fallback) {
                const auto i = type.find_param(name);
                return i ? gene.values[*i] : fallback;
            };
            const auto valid_padding = [&] {
                const auto i = type.find_param("pad");
                if (!i || type.params[*i].kind != ParamKind::choice) return false;
                const auto v = static_cast<std::size_t>(gene.values[*i]);
                return v < type.params[*i].choices.size() && type.params[*i].choices[v] == "valid";
            };
            const auto out = [&](double kernel, double stride, bool valid) {
                const double o = valid ? std::floor((n - kernel) / stride) + 1.0 : std::ceil(n / stride);
                return std::max(1.0, o);
            };
            if (type.name == "conv" || type.name == "dilconv") {
                const double k = param("k", 3);
                const double d = type.name == "dilconv" ? param("d", 2) : 1.0;
                const double stride = type.name == "dilconv" ? 1.0 : param("s", 1);
                const double f = param("f", 32);
                n = out(d * (k - 1.0) + 1.0, stride, valid_padding());
                work.macs += area(n) * f * c * area(k);
                work.parameters += f * c * area(k) + f + (param("bn", 0) != 0.0 ? 2.0 * f : 0.0);
                c = f;
            } else if (type.name == "sepconv") {
                const double k = param("k", 3);
                const double f = param("f", 32);
                n = out(k, param("s", 1), false);
                work.macs += area(n) * c * area(k) + area(n) * c * f;
                work.parameters += c * area(k) + c * f + f + (param("bn", 0) != 0.0 ? 2.0 * f : 0.0);
                c = f;
            } else if (type.name == "pool") {
                const double k = param("k", 2);
                n = out(k, param("s", 2), true);
                work.macs += area(n) * c * area(k);
            } else if (type.name == "lrn") {
                work.macs += area(n) * c * param("size", 5);
            } else if (type.name == "dense") {
                const double u = param("u", 128);
                work.macs += c * u;
                work.parameters += c * u + u;
                c = u;
            }
        }
    }
    if (genome.section_count() < 2) c = c * area(n);
    work.macs += c * input.classes;
    work.parameters += c * input.classes + input.classes;
    return work;
}

namespace detail {
inline void check_cnn_input(const CnnInput& input) {
    if (input.dims < 1 || input.dims > 3) {
        throw ConfigError("CnnInput.dims", fmt::format("must be 1, 2 or 3, got {}", input.dims));
    }
    for (auto [field, value] : {std::pair{"channels", input.channels}, std::pair{"size", input.size},
                                std::pair{"classes", input.classes}, std::pair{"samples", input.samples}}) {
        if (!(value >= 1.0) || !std::isfinite(value)) {
            throw ConfigError(fmt::format("CnnInput.{}", field), fmt::format("must be >= 1, got {}", value));
        }
    }
}
}  // namespace detail

/// An estimator of training FLOPs for CostModel::proportional: 3 x 2 x
/// forward MACs (forward + backward) x samples x epochs (the "epochs" global
/// gene when the space has one, else 1). Pair it with seconds per FLOP,
/// e.g. 1 / (sustained FLOP/s of one GPU).
inline CostModel::Estimator cnn_training_flops(const SearchSpace& space, const CnnInput& input) {
    detail::check_cnn_input(input);
    const auto epochs = space.find_global("epochs");
    return [&space, input, epochs](const Genome<LayerGene>& g) {
        const double e = epochs && *epochs < g.globals().size() ? g.globals()[*epochs] : 1.0;
        return 6.0 * estimate_cnn_work(g, space, input).macs * input.samples * e;
    };
}

/// An estimator of trainable parameters for CostModel::proportional.
inline CostModel::Estimator cnn_parameters(const SearchSpace& space, const CnnInput& input) {
    detail::check_cnn_input(input);
    return [&space, input](const Genome<LayerGene>& g) { return estimate_cnn_work(g, space, input).parameters; };
}

}  // namespace evonas::sim
