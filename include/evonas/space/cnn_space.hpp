// evonas: ready MENNDL-style search spaces for 1-D, 2-D and 3-D CNNs.
//
// cnn_space(dims) is pure data: a SearchSpace whose layer types, parameter
// names and units are fixed here, so any interpreter (the LibTorch part, a
// user's own code) builds the same network from a genome. The meaning of
// every layer type and parameter is documented below; treat it as the
// contract an interpreter must follow.
//
// Genome layout. Section 0, "features", works on the input tensor
// [batch, channels, spatial...] (1, 2 or 3 spatial axes). Between the
// sections the interpreter flattens the feature map to [batch, n]. Section 1,
// "classifier" (0 or more layers), works on that vector. The interpreter
// appends the output layer itself (a dense layer to the number of classes,
// no activation: the loss applies softmax); it is not part of the genome.
//
// Units. Every size (kernel, stride, dilation, pool window) is a count of
// elements along one spatial axis (samples in 1-D, pixels in 2-D, voxels in
// 3-D) and is used on every spatial axis: k=3 in 2-D is a 3x3 kernel. Filter
// and unit counts are numbers of output channels / features.
//
// Layer types (the short parameter names are what the text notation uses):
//
//  features section
//   conv     Convolution, then batch norm when bn=1, then the activation.
//            k    kernel size, int 1..7 (3-D: 1..5), default 3
//            s    stride, int 1..3, default 1
//            f    filters (output channels), int 8..256 step 8, default 32
//                 (3-D: 4..128 step 4, default 16)
//            pad  padding: "same" zero-pads so the output length along each
//                 axis is ceil(input / s) (input for s=1; with an even k the
//                 extra element goes after); "valid" has no padding, output
//                 floor((input - k) / s) + 1. Default same.
//            act  activation (see below), default relu
//            bn   batch normalisation after the convolution, bool, default 1
//   dilconv  Dilated convolution, stride 1 (effective kernel d*(k-1)+1),
//            then batch norm when bn=1, then the activation.
//            k    kernel size, int 2..5, default 3
//            d    dilation (spacing between kernel taps), int 1..4, default 2
//            f, pad, act, bn as for conv (pad uses the effective kernel)
//   sepconv  Depthwise-separable convolution: a depthwise convolution
//            (groups = input channels, kernel k, stride s, "same" padding,
//            one filter per channel, no activation between), then a
//            pointwise convolution (kernel 1 on every axis) to f channels,
//            then batch norm when bn=1, then the activation.
//            k    kernel size, int 1..7 (3-D: 1..5), default 3
//            s    stride of the depthwise step, int 1..3, default 1
//            f    filters of the pointwise step, as for conv
//            act, bn as for conv
//   pool     Pooling with no padding (output floor((input - k) / s) + 1).
//            type max or avg, default max
//            k    window size, int 2..4, default 2
//            s    stride, int 1..4, default 2
//   lrn      Local response normalisation across channels (PyTorch
//            LocalResponseNorm with alpha=1e-4, beta=0.75, k=1).
//            size number of neighbouring channels, odd int 3..9, default 5
//   dropout  Element-wise dropout during training (identity in evaluation).
//            p    probability of zeroing an element, real 0..0.7, default 0.25
//
//  classifier section
//   dense    Fully connected layer, then the activation.
//            u    units (output features), int 16..1024 step 16, default 128
//            act  activation, default relu
//   dropout  as above
//
//  act is one of: relu, leaky_relu (negative slope 0.01), elu (alpha 1),
//  tanh, sigmoid, none (identity).
//
//  Global genes (one per genome):
//   lr      learning rate, log-scaled real 0.0001..0.3, default 0.01
//   mom     SGD momentum, real 0..0.99, default 0.9 (adam ignores it)
//   wd      L2 weight decay, log-scaled real 0.000001..0.01, default 0.0001
//   bs      mini-batch size, int 16..256 step 16, default 64
//   opt     optimiser: sgd or adam, default sgd
//   epochs  training epochs, int 1..50, default 5
//
// Where a layer does not fit its input (a window larger than the remaining
// spatial extent) the interpreter decides what to do; the space does not
// track shapes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/space/layer_type.hpp>
#include <evonas/space/param_spec.hpp>
#include <evonas/space/search_space.hpp>
#include <evonas/space/section_space.hpp>

namespace evonas {

/// How many layers the sections of cnn_space() may hold.
struct CnnSpaceOptions {
    std::size_t min_feature_layers = 1;     ///< fewest "features" layers (0 allowed)
    std::size_t max_feature_layers = 10;    ///< most "features" layers, >= 1
    std::size_t max_classifier_layers = 3;  ///< most "classifier" layers, >= 1 (min is 0)
    /// The feature section holds at least one convolution (conv, dilconv or
    /// sepconv): without one, a network of pooling, LRN and dropout layers
    /// only learns a linear model of the input (about 6% of unconstrained
    /// random feature sections). Spaces of evonas 0.1 had no such rule: set
    /// it false to resume their runs with the same space.
    bool require_convolution = true;
};

namespace detail {

/// The activation choice every cnn layer type uses.
inline ParamSpec cnn_activation() {
    return ParamSpec::choice("act", {"relu", "leaky_relu", "elu", "tanh", "sigmoid", "none"}, "relu");
}

/// The layer types of cnn_space(dims), in id order.
inline std::vector<LayerType> cnn_layer_types(int dims) {
    const bool three_d = dims == 3;
    const std::int64_t k_max = three_d ? 5 : 7;
    const auto filters = three_d ? ParamSpec::integer("f", 4, 128, 16, 4)
                                 : ParamSpec::integer("f", 8, 256, 32, 8);
    const auto pad = ParamSpec::choice("pad", {"same", "valid"}, "same");
    const auto bn = ParamSpec::boolean("bn", true);
    return {
        LayerType{"conv",
                  {ParamSpec::integer("k", 1, k_max, 3), ParamSpec::integer("s", 1, 3, 1), filters,
                   pad, cnn_activation(), bn}},
        LayerType{"dilconv",
                  {ParamSpec::integer("k", 2, 5, 3), ParamSpec::integer("d", 1, 4, 2), filters, pad,
                   cnn_activation(), bn}},
        LayerType{"sepconv",
                  {ParamSpec::integer("k", 1, k_max, 3), ParamSpec::integer("s", 1, 3, 1), filters,
                   cnn_activation(), bn}},
        LayerType{"pool",
                  {ParamSpec::choice("type", {"max", "avg"}, "max"), ParamSpec::integer("k", 2, 4, 2),
                   ParamSpec::integer("s", 1, 4, 2)}},
        LayerType{"lrn", {ParamSpec::integer("size", 3, 9, 5, 2)}},
        LayerType{"dropout", {ParamSpec::real("p", 0.0, 0.7, 0.25)}},
        LayerType{"dense", {ParamSpec::integer("u", 16, 1024, 128, 16), cnn_activation()}},
    };
}

/// The global training genes of every cnn space.
inline std::vector<ParamSpec> cnn_globals() {
    return {
        ParamSpec::log_real("lr", 0.0001, 0.3, 0.01),
        ParamSpec::real("mom", 0.0, 0.99, 0.9),
        ParamSpec::log_real("wd", 0.000001, 0.01, 0.0001),
        ParamSpec::integer("bs", 16, 256, 64, 16),
        ParamSpec::choice("opt", {"sgd", "adam"}, "sgd"),
        ParamSpec::integer("epochs", 1, 50, 5),
    };
}

}  // namespace detail

/// The MENNDL-style CNN search space for `dims` spatial axes (1, 2 or 3),
/// named "cnn1d", "cnn2d" or "cnn3d". See the top of this header for every
/// layer type, parameter, unit and default. Layer type ids, in order:
/// conv, dilconv, sepconv, pool, lrn, dropout, dense. Draw weights: features
/// conv 4, pool 2, dilconv 1, sepconv 1, dropout 1, lrn 0.5; classifier
/// dense 3, dropout 1. The features section requires a convolution unless
/// options.require_convolution is false. Throws ConfigError("dims", ...) for other dims and
/// ConfigError("CnnSpaceOptions.<field>", ...) for inconsistent options.
inline SearchSpace cnn_space(int dims, const CnnSpaceOptions& options = {}) {
    if (dims < 1 || dims > 3) {
        throw ConfigError("dims", fmt::format("a CNN space has 1, 2 or 3 spatial dimensions, got {}", dims));
    }
    if (options.max_feature_layers == 0) {
        throw ConfigError("CnnSpaceOptions.max_feature_layers", "must be at least 1, got 0");
    }
    if (options.min_feature_layers > options.max_feature_layers) {
        throw ConfigError("CnnSpaceOptions.min_feature_layers",
                          fmt::format("{} is greater than max_feature_layers ({})",
                                      options.min_feature_layers, options.max_feature_layers));
    }
    if (options.max_classifier_layers == 0) {
        throw ConfigError("CnnSpaceOptions.max_classifier_layers", "must be at least 1, got 0");
    }
    std::vector<SectionSpace> sections{
        SectionSpace{"features",
                     {{"conv", 4.0}, {"dilconv", 1.0}, {"sepconv", 1.0}, {"pool", 2.0},
                      {"lrn", 0.5}, {"dropout", 1.0}},
                     options.min_feature_layers,
                     options.max_feature_layers,
                     {}},
        SectionSpace{"classifier", {{"dense", 3.0}, {"dropout", 1.0}}, 0, options.max_classifier_layers, {}},
    };
    if (options.require_convolution) sections[0].require_any = {"conv", "dilconv", "sepconv"};
    return SearchSpace(fmt::format("cnn{}d", dims), detail::cnn_layer_types(dims), std::move(sections),
                       detail::cnn_globals());
}

}  // namespace evonas
