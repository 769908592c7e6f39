// evonas: shape inference and shape repair for genomes of the ready CNN
// spaces (space/cnn_space.hpp), with no deep-learning library.
//
// Given one sample's shape (channels and 1, 2 or 3 spatial extents) and the
// number of classes, infer_cnn_shapes() walks the network a genome describes
// exactly as the LibTorch builder (libtorch/builder.hpp) will build it, and
// reports per layer the output shape, padding, parameter count and
// approximate forward FLOPs per sample, or the first layer that does not
// fit its input. repair_cnn_genome() makes a genome fit (the rules are
// below and in docs/libtorch.md) or says why it cannot; a trainer's check()
// calls it before dispatch, so no worker time is spent on a genome that
// cannot be built.
//
// Conventions the builder follows (the space's header leaves them open):
//   - A convolution has a bias only when it is not followed by batch norm
//     (the norm's shift makes the bias redundant); a sepconv's depthwise step
//     has no bias. Dense and output layers have a bias.
//   - "same" padding that is odd in total puts the extra element after, as
//     the space says, with a separate zero-padding step before the layer.
//   - FLOPs count a multiply-add as 2, plus 1 per element for a bias or an
//     activation, 2 for batch norm, the window size per output of a pool and
//     size + 3 per element for local response norm; dropout and flatten
//     count 0 (inference). They are estimates for comparing networks.
//
// Repair rules (repair_cnn_genome), applied to the first layer that does not
// fit, then the walk starts again:
//   1. conv with pad=valid and a kernel larger than the smallest spatial
//      extent of its input: the kernel shrinks to the largest allowed size
//      that fits.
//   2. dilconv with pad=valid whose effective kernel d*(k-1)+1 is larger
//      than that extent: the dilation shrinks first (to the largest allowed
//      value that fits), then the kernel (with dilation 1); when even the
//      smallest kernel does not fit, the layer is removed.
//   3. pool whose window is larger than that extent: the window shrinks to
//      the extent when the space allows a window that small, otherwise the
//      pooling layer is removed.
//   4. A removal that would leave the features section with fewer layers
//      than the space's min_layers makes the genome invalid instead.
//   "same" convolutions, sepconv, lrn and dropout always fit (a kernel wider
//   than the input sees zero padding) and are never changed. A genome that is
//   not valid in its space, uses a layer type this interpreter does not know,
//   or has more parameters / FLOPs than the limits is rejected, never
//   repaired.
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

#include <evonas/genome/cnn_layer.hpp>

namespace evonas {

namespace detail {

inline double activation_flops(CnnActivation a, std::int64_t elements) noexcept {
    return a == CnnActivation::none ? 0.0 : static_cast<double>(elements);
}

/// The walk behind infer_cnn_shapes and repair_cnn_genome.
inline CnnShapeReport cnn_walk(const Genome<LayerGene>& genome, const SearchSpace& space,
                               const CnnDataShape& shape, CnnMisfit* misfit) {
    CnnShapeReport report;
    const std::size_t dims = shape.dims();
    const auto fail = [&](std::size_t s, std::size_t i, std::int64_t extent, bool repairable, std::string why) {
        report.problem = std::move(why);
        if (misfit) *misfit = CnnMisfit{s, i, extent, repairable};
        return report;
    };
    if (genome.section_count() < 1 || genome.section_count() > 2) {
        return fail(0, 0, 0, false,
                    fmt::format("a CNN genome has 1 or 2 sections (features, classifier), got {}",
                                genome.section_count()));
    }
    std::vector<std::int64_t> current{shape.channels};
    current.insert(current.end(), shape.spatial.begin(), shape.spatial.end());
    const auto push = [&](CnnLayerReport layer) {
        report.params += layer.params;
        report.flops += layer.flops;
        current = layer.output;
        report.layers.push_back(std::move(layer));
    };
    for (std::size_t s = 0; s < genome.section_count(); ++s) {
        if (s == 1) {  // flatten between the sections
            CnnLayerReport flat;
            flat.layer.kind = CnnLayerKind::flatten;
            flat.text = "flatten";
            flat.section = genome.section_count();
            flat.index = 0;
            flat.input = current;
            flat.output = {product(current)};
            push(std::move(flat));
        }
        const auto& section = genome.section(s);
        for (std::size_t i = 0; i < section.size(); ++i) {
            CnnLayer layer;
            try {
                layer = decode_cnn_layer(section[i], space);
            } catch (const ConfigError& e) {
                return fail(s, i, 0, false, fmt::format("section {} layer {}: {}", s, i, e.what()));
            }
            CnnLayerReport r;
            r.layer = layer;
            r.text = layer_to_text(section[i], space);
            r.section = s;
            r.index = i;
            r.input = current;
            const auto where = [&] { return fmt::format("section {} layer {} {}", s, i, r.text); };
            const bool spatial_input = current.size() == dims + 1;
            std::int64_t smallest = std::numeric_limits<std::int64_t>::max();
            for (std::size_t a = 1; a < current.size(); ++a) smallest = std::min(smallest, current[a]);
            const std::int64_t channels_in = current[0];
            switch (layer.kind) {
                case CnnLayerKind::conv:
                case CnnLayerKind::dilconv:
                case CnnLayerKind::sepconv: {
                    if (!spatial_input) {
                        return fail(s, i, 0, false, fmt::format("{}: a convolution needs a feature map; it "
                                                                "cannot follow the flatten", where()));
                    }
                    const std::int64_t ke = layer.effective_kernel();
                    if (!layer.same && ke > smallest) {
                        return fail(s, i, smallest, true,
                                    layer.kind == CnnLayerKind::dilconv
                                        ? fmt::format("{}: effective kernel {} (k={}, d={}) is larger than the "
                                                      "input extent {} (pad=valid)",
                                                      where(), ke, layer.kernel, layer.dilation, smallest)
                                        : fmt::format("{}: kernel {} is larger than the input extent {} (pad=valid)",
                                                      where(), ke, smallest));
                    }
                    r.output = {layer.filters};
                    for (std::size_t a = 1; a < current.size(); ++a) {
                        const std::int64_t n = current[a];
                        if (layer.same) {
                            const std::int64_t out = (n + layer.stride - 1) / layer.stride;
                            const std::int64_t total = std::max<std::int64_t>((out - 1) * layer.stride + ke - n, 0);
                            r.padding.emplace_back(total / 2, total - total / 2);
                            r.output.push_back(out);
                        } else {
                            r.padding.emplace_back(0, 0);
                            r.output.push_back((n - ke) / layer.stride + 1);
                        }
                    }
                    const std::int64_t taps = static_cast<std::int64_t>(
                        std::pow(static_cast<double>(layer.kernel), static_cast<double>(dims)) + 0.5);
                    const std::int64_t out_positions = product(r.output, 1);
                    const std::int64_t out_elements = layer.filters * out_positions;
                    if (layer.kind == CnnLayerKind::sepconv) {
                        r.params = channels_in * taps + channels_in * layer.filters;
                        r.flops = 2.0 * static_cast<double>(channels_in * taps * out_positions) +
                                  2.0 * static_cast<double>(channels_in * out_elements);
                    } else {
                        r.params = channels_in * layer.filters * taps;
                        r.flops = 2.0 * static_cast<double>(channels_in * taps) * static_cast<double>(out_elements);
                    }
                    if (layer.batch_norm) {
                        r.params += 2 * layer.filters;
                        r.flops += 2.0 * static_cast<double>(out_elements);
                    } else {
                        r.params += layer.filters;  // bias
                        r.flops += static_cast<double>(out_elements);
                    }
                    r.flops += activation_flops(layer.activation, out_elements);
                    break;
                }
                case CnnLayerKind::pool: {
                    if (!spatial_input) {
                        return fail(s, i, 0, false, fmt::format("{}: pooling needs a feature map; it cannot "
                                                                "follow the flatten", where()));
                    }
                    if (layer.kernel > smallest) {
                        return fail(s, i, smallest, true,
                                    fmt::format("{}: pooling window {} is larger than the input extent {}",
                                                where(), layer.kernel, smallest));
                    }
                    r.output = {channels_in};
                    for (std::size_t a = 1; a < current.size(); ++a) {
                        r.output.push_back((current[a] - layer.kernel) / layer.stride + 1);
                    }
                    const auto window = std::pow(static_cast<double>(layer.kernel), static_cast<double>(dims));
                    r.flops = window * static_cast<double>(product(r.output));
                    break;
                }
                case CnnLayerKind::lrn:
                    if (!spatial_input) {
                        return fail(s, i, 0, false, fmt::format("{}: local response norm needs a feature map; "
                                                                "it cannot follow the flatten", where()));
                    }
                    r.output = current;
                    r.flops = static_cast<double>((layer.size + 3) * product(current));
                    break;
                case CnnLayerKind::dropout: r.output = current; break;
                case CnnLayerKind::dense: {
                    if (spatial_input) {
                        return fail(s, i, 0, false, fmt::format("{}: a dense layer belongs to the classifier "
                                                                "section, after the flatten", where()));
                    }
                    r.output = {layer.units};
                    r.params = current[0] * layer.units + layer.units;
                    r.flops = 2.0 * static_cast<double>(current[0] * layer.units) +
                              static_cast<double>(layer.units) + activation_flops(layer.activation, layer.units);
                    break;
                }
                default: break;
            }
            push(std::move(r));
        }
    }
    if (current.size() != 1) {  // a features-only genome: flatten before the output
        CnnLayerReport flat;
        flat.layer.kind = CnnLayerKind::flatten;
        flat.text = "flatten";
        flat.section = genome.section_count();
        flat.index = 0;
        flat.input = current;
        flat.output = {product(current)};
        push(std::move(flat));
    }
    CnnLayerReport out;
    out.layer.kind = CnnLayerKind::output;
    out.layer.units = shape.classes;
    out.text = fmt::format("output(classes={})", shape.classes);
    out.section = genome.section_count();
    out.index = 1;
    out.input = current;
    out.output = {shape.classes};
    out.params = current[0] * shape.classes + shape.classes;
    out.flops = 2.0 * static_cast<double>(current[0] * shape.classes) + static_cast<double>(shape.classes);
    push(std::move(out));
    report.output = current;
    return report;
}

inline void check_cnn_dims(const SearchSpace& space, const CnnDataShape& shape) {
    shape.validate();
    const auto& name = space.name();
    if (name.size() == 5 && name.starts_with("cnn") && name.ends_with("d") && name[3] >= '1' && name[3] <= '3' &&
        static_cast<std::size_t>(name[3] - '0') != shape.dims()) {
        throw ConfigError("CnnDataShape.spatial",
                          fmt::format("space '{}' is for {}-D inputs, the data has {} spatial axes", name,
                                      name[3], shape.dims()));
    }
}

}  // namespace detail

/// Infers every layer's output shape, parameters and FLOPs of `genome` for
/// inputs of `shape`, without repairing anything. The result's problem()
/// names the first layer that does not fit (it is never thrown). Throws
/// ConfigError when `shape` itself is unusable or its number of spatial
/// axes does not match a cnn1d/cnn2d/cnn3d space. Thread safety: pure.
inline CnnShapeReport infer_cnn_shapes(const Genome<LayerGene>& genome, const SearchSpace& space,
                                       const CnnDataShape& shape) {
    detail::check_cnn_dims(space, shape);
    return detail::cnn_walk(genome, space, shape, nullptr);
}

/// Makes `genome` fit inputs of `shape` by the repair rules at the top of
/// this header, in place, or says why it cannot be built (then the genome
/// may be partly repaired; do not train it). Throws ConfigError as
/// infer_cnn_shapes does. Thread safety: pure apart from `genome`.
inline CnnRepair repair_cnn_genome(Genome<LayerGene>& genome, const SearchSpace& space, const CnnDataShape& shape,
                                   const CnnLimits& limits = {}) {
    detail::check_cnn_dims(space, shape);
    CnnRepair result;
    const auto invalid = [&](std::string why) {
        result.valid = false;
        result.problem = std::move(why);
        return result;
    };
    if (auto problem = genome_problem(genome, space); !problem.empty()) return invalid(problem);
    // Each repair removes a layer or lowers a kernel, dilation or window, so
    // the loop ends; the bound is a guard.
    for (std::size_t attempt = 0;; ++attempt) {
        detail::CnnMisfit misfit;
        auto report = detail::cnn_walk(genome, space, shape, &misfit);
        if (report.ok()) {
            result.report = std::move(report);
            break;
        }
        if (!misfit.repairable || attempt > 4 * max_layer_params * (genome.gene_count() + 1)) {
            return invalid(report.problem);
        }
        auto& section = genome.section(misfit.section);
        auto& gene = section[misfit.index];
        const auto& type = space.layer_type(gene.type);
        const auto layer = decode_cnn_layer(gene, space);
        const std::string before = layer_to_text(gene, space);
        const std::string where = fmt::format("section {} layer {}", misfit.section, misfit.index);
        const auto set = [&](std::string_view name, double value) { gene.values[*type.find_param(name)] = value; };
        const auto remove = [&]() -> bool {
            if (section.size() <= space.section(misfit.section).min_layers) {
                invalid(fmt::format("{}: {} does not fit the input extent {} and cannot be removed: section '{}' "
                                    "needs at least {} layers", where, before, misfit.extent,
                                    space.section(misfit.section).name, space.section(misfit.section).min_layers));
                return false;
            }
            if (space.is_required(misfit.section, gene.type)) {
                std::size_t required = 0;
                for (const auto& g : section) required += space.is_required(misfit.section, g.type) ? 1 : 0;
                if (required == 1) {
                    invalid(fmt::format("{}: {} does not fit the input extent {} and cannot be removed: it is the "
                                        "only layer of section '{}' of a type the section requires", where, before,
                                        misfit.extent, space.section(misfit.section).name));
                    return false;
                }
            }
            section.genes().erase(section.genes().begin() + static_cast<std::ptrdiff_t>(misfit.index));
            result.changes.push_back(fmt::format("{}: removed {} (input extent {})", where, before, misfit.extent));
            return true;
        };
        const auto* k_spec = detail::cnn_param(type, "k");
        switch (layer.kind) {
            case CnnLayerKind::conv: {
                const auto k = k_spec ? detail::largest_allowed(*k_spec, misfit.extent) : std::nullopt;
                if (!k) {
                    if (!remove()) return result;
                    break;
                }
                set("k", *k);
                result.changes.push_back(fmt::format("{}: kernel {} -> {} to fit the input extent {} ({})", where,
                                                     layer.kernel, *k, misfit.extent, before));
                break;
            }
            case CnnLayerKind::dilconv: {
                const auto* d_spec = detail::cnn_param(type, "d");
                // Largest dilation that fits with this kernel: d*(k-1)+1 <= extent.
                std::optional<double> d;
                if (d_spec && layer.kernel > 1) {
                    d = detail::largest_allowed(*d_spec, (misfit.extent - 1) / (layer.kernel - 1));
                }
                if (d) {
                    set("d", *d);
                    result.changes.push_back(fmt::format("{}: dilation {} -> {} to fit the input extent {} ({})",
                                                         where, layer.dilation, *d, misfit.extent, before));
                    break;
                }
                const auto d_min = d_spec ? detail::largest_allowed(*d_spec, static_cast<std::int64_t>(d_spec->lo))
                                          : std::nullopt;
                const auto k = k_spec ? detail::largest_allowed(*k_spec, misfit.extent) : std::nullopt;
                if (k && (!d_spec || d_min == 1.0)) {
                    if (d_spec) set("d", 1.0);
                    set("k", *k);
                    result.changes.push_back(fmt::format("{}: kernel {} -> {}, dilation {} -> 1 to fit the input "
                                                         "extent {} ({})", where, layer.kernel, *k, layer.dilation,
                                                         misfit.extent, before));
                    break;
                }
                if (!remove()) return result;
                break;
            }
            case CnnLayerKind::pool: {
                const auto k = k_spec ? detail::largest_allowed(*k_spec, misfit.extent) : std::nullopt;
                if (k) {
                    set("k", *k);
                    result.changes.push_back(fmt::format("{}: pooling window {} -> {} to fit the input extent {} "
                                                         "({})", where, layer.kernel, *k, misfit.extent, before));
                    break;
                }
                if (!remove()) return result;
                break;
            }
            default: return invalid(report.problem);
        }
    }
    if (limits.max_params > 0 && result.report.params > limits.max_params) {
        return invalid(fmt::format("the network has {} parameters, more than the limit of {} "
                                   "(CnnLimits.max_params)", result.report.params, limits.max_params));
    }
    if (limits.max_flops > 0 && result.report.flops > limits.max_flops) {
        return invalid(fmt::format("the network needs {:.4g} FLOPs per sample, more than the limit of {:.4g} "
                                   "(CnnLimits.max_flops)", result.report.flops, limits.max_flops));
    }
    return result;
}

}  // namespace evonas
