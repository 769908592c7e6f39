// evonas: work estimates of cnn_space() genomes for the simulation driver's
// proportional cost model, from the shape inference the LibTorch builder
// follows (genome/cnn_shape.hpp): training FLOPs and parameter counts.
//
//     auto cost = sim::CostModel::proportional(1.0 / 2e12, 0.2,   // 2 TFLOP/s sustained
//                     sim::cnn_training_flops(space, {.channels = 3, .spatial = {32, 32}, .classes = 10}, 50000));
#pragma once

#include <cmath>
#include <cstddef>

#include <fmt/format.h>

#include <evonas/drivers/sim/cost_model.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/cnn_shape.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas::sim {

/// An estimator of a genome's training FLOPs for CostModel::proportional:
/// 3 x the forward FLOPs per sample of infer_cnn_shapes() (forward plus a
/// backward pass of about twice the work) x samples_per_epoch x epochs (the
/// genome's "epochs" global gene when the space has one, else 1). Pair it
/// with seconds per FLOP, i.e. 1 / the sustained FLOP/s of one worker.
/// `space` must outlive the estimator. A genome that does not fit the
/// shape counts the layers up to the misfit (a trainer's check() would
/// have repaired or rejected it before dispatch).
inline CostModel::Estimator cnn_training_flops(const SearchSpace& space, CnnDataShape shape, double samples_per_epoch) {
    detail::check_cnn_dims(space, shape);
    if (!(samples_per_epoch >= 1.0) || !std::isfinite(samples_per_epoch)) {
        throw ConfigError("cnn_training_flops.samples_per_epoch",
                          fmt::format("must be a finite number >= 1, got {}", samples_per_epoch));
    }
    const auto epochs = space.find_global("epochs");
    return [&space, shape = std::move(shape), samples_per_epoch, epochs](const Genome<LayerGene>& g) {
        const double e = epochs && *epochs < g.globals().size() ? g.globals()[*epochs] : 1.0;
        return 3.0 * infer_cnn_shapes(g, space, shape).flops * samples_per_epoch * e;
    };
}

/// An estimator of a genome's trainable parameters (infer_cnn_shapes()) for
/// CostModel::proportional. `space` must outlive the estimator.
inline CostModel::Estimator cnn_parameters(const SearchSpace& space, CnnDataShape shape) {
    detail::check_cnn_dims(space, shape);
    return [&space, shape = std::move(shape)](const Genome<LayerGene>& g) {
        return static_cast<double>(infer_cnn_shapes(g, space, shape).params);
    };
}

}  // namespace evonas::sim
