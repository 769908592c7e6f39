// evonas::libtorch: a genome of the ready CNN spaces as a
// torch::nn::Sequential, for 1-D, 2-D or 3-D inputs.
//
// build_cnn() follows the shapes infer_cnn_shapes() (genome/cnn_shape.hpp)
// computes, so the report it returns with the network is exact: every layer
// type and parameter of space/cnn_space.hpp is honoured, a flatten goes
// between the sections and a dense output layer to the number of classes
// ends the network (no softmax: the loss applies it).
//
// Parameters are initialised as PyTorch does by default (convolution and
// dense weights and biases uniform in +-1/sqrt(fan_in); batch norm 1 and 0)
// but from a generator seeded with BuildOptions::seed, never from the
// process-global generator: networks built in several threads at once are
// each reproducible. Dropout draws its masks from BuildOptions::dropout_
// generator for the same reason (torch::nn::Dropout would use the global
// one).
//
// Module names in the Sequential say where a layer comes from:
// "f3_conv", "f3_bn", "f3_act" for features layer 3, "c0_dense" for
// classifier layer 0, "flatten", "output"; parameter names are those plus
// ".weight", ".bias", ".running_mean", ...
//
// Optional part: include it only when linking evonas::libtorch.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/genome/cnn_shape.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/random.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas::libtorch {

/// A CPU generator seeded with `seed`, independent of the global one.
/// Thread safety: safe to call from any thread; use each generator from
/// one thread at a time.
inline at::Generator make_cpu_generator(std::uint64_t seed) {
    return at::make_generator<at::CPUGeneratorImpl>(seed);
}

/// Element-wise dropout whose masks come from its own generator (the
/// process-global one when none is given). Training: zeroes each element
/// with probability p and scales the rest by 1/(1-p), as torch::nn::Dropout;
/// evaluation: identity. The generator must be on the device the input is
/// on. Thread safety: like any module, one thread at a time.
class SeededDropoutImpl : public torch::nn::Cloneable<SeededDropoutImpl> {
public:
    /// Dropout with probability `p` in [0, 1) (ConfigError otherwise).
    explicit SeededDropoutImpl(double p = 0.5, std::optional<at::Generator> generator = std::nullopt)
        : p_(p), generator_(std::move(generator)) {
        if (!(p >= 0.0 && p < 1.0)) {
            throw ConfigError("SeededDropout.p", fmt::format("must be in [0, 1), got {}", p));
        }
    }

    /// No parameters or buffers to reset (required by Cloneable).
    void reset() override {}

    /// The input with dropout applied in training mode; the input in evaluation.
    torch::Tensor forward(const torch::Tensor& input) {
        if (!is_training() || p_ == 0.0) return input;
        auto noise = torch::empty_like(input);
        if (generator_) {
            noise.bernoulli_(1.0 - p_, c10::optional<at::Generator>(*generator_));
        } else {
            noise.bernoulli_(1.0 - p_);
        }
        noise.div_(1.0 - p_);
        return input * noise;
    }

    /// Prints "evonas::SeededDropout(p=...)".
    void pretty_print(std::ostream& stream) const override { stream << "evonas::SeededDropout(p=" << p_ << ")"; }

    double p() const noexcept { return p_; }  ///< the drop probability
    /// Replaces the generator (e.g. with one on the network's new device).
    void set_generator(std::optional<at::Generator> generator) { generator_ = std::move(generator); }

private:
    double p_;
    std::optional<at::Generator> generator_;
};
/// Declares SeededDropout, the module holder (shared pointer) of SeededDropoutImpl.
TORCH_MODULE(SeededDropout);

/// Local response normalisation across channels with torch::nn::
/// LocalResponseNorm's formula (b_c = a_c / (k + alpha/size * sum of a^2 over
/// the `size` channels around c, zero-padded)^beta), the window sums taken
/// from one cumulative sum over channels. LibTorch's module pads and pools a
/// copy of the squares, whose backward pass was ~7x the cost of the whole
/// rest of a one-convolution network on the CPU (1-D, 32 channels); this
/// one trains several times faster. Same output up to rounding.
class FastLocalResponseNormImpl : public torch::nn::Cloneable<FastLocalResponseNormImpl> {
public:
    /// Normalises over `size` neighbouring channels (ConfigError when < 1).
    explicit FastLocalResponseNormImpl(std::int64_t size, double alpha = 1e-4, double beta = 0.75, double k = 1.0)
        : size_(size), alpha_(alpha), beta_(beta), k_(k) {
        if (size < 1) throw ConfigError("FastLocalResponseNorm.size", fmt::format("must be at least 1, got {}", size));
    }

    /// No parameters or buffers to reset (required by Cloneable).
    void reset() override {}

    /// `input` [batch, channels, spatial...] normalised across channels.
    torch::Tensor forward(const torch::Tensor& input) {
        const auto channels = input.size(1);
        // Zeros before (one extra, so window c is cs[c + size] - cs[c]) and after.
        std::vector<std::int64_t> pads(static_cast<std::size_t>(2 * (input.dim() - 2)), 0);
        pads.push_back(size_ / 2 + 1);
        pads.push_back((size_ - 1) / 2);
        const auto cs = torch::constant_pad_nd(input * input, pads, 0).cumsum(1);
        const auto window = cs.narrow(1, size_, channels) - cs.narrow(1, 0, channels);
        return input / (window * (alpha_ / static_cast<double>(size_)) + k_).pow(beta_);
    }

    /// Prints "evonas::FastLocalResponseNorm(size=...)".
    void pretty_print(std::ostream& stream) const override {
        stream << "evonas::FastLocalResponseNorm(size=" << size_ << ")";
    }

    std::int64_t size() const noexcept { return size_; }  ///< channels in the window

private:
    std::int64_t size_;
    double alpha_, beta_, k_;
};
/// Declares FastLocalResponseNorm, the module holder of FastLocalResponseNormImpl.
TORCH_MODULE(FastLocalResponseNorm);

/// How build_cnn() initialises the network.
struct BuildOptions {
    std::uint64_t seed = 0;  ///< parameters come from a CPU generator seeded with this
    /// Generator of the dropout masks; must be on the device the network
    /// will run on. Default: a CPU generator seeded with derive_seed(seed, 1).
    std::optional<at::Generator> dropout_generator;
};

/// A built network and its inferred shapes. Thread safety: the module is
/// used by one thread at a time; copies share the same module.
struct CnnNetwork {
    torch::nn::Sequential net;  ///< the network, on the CPU, in training mode
    CnnShapeReport report;      ///< each layer's input and output shape, parameters and FLOPs
};

namespace detail {

/// PyTorch's default init (kaiming_uniform_ with a = sqrt(5), bias uniform
/// in +-1/sqrt(fan_in)) drawn from `gen`.
inline void init_fan_in_uniform(torch::Tensor& weight, torch::Tensor* bias, at::Generator& gen) {
    torch::NoGradGuard no_grad;
    const auto fan_in = weight.numel() / weight.size(0);
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    weight.uniform_(-bound, bound, c10::optional<at::Generator>(gen));
    if (bias && bias->defined()) bias->uniform_(-bound, bound, c10::optional<at::Generator>(gen));
}

/// The module types of one dimensionality.
template <std::size_t D>
struct Nd;
template <>
struct Nd<1> {
    using Conv = torch::nn::Conv1d;
    using ConvOptions = torch::nn::Conv1dOptions;
    using MaxPool = torch::nn::MaxPool1d;
    using MaxPoolOptions = torch::nn::MaxPool1dOptions;
    using AvgPool = torch::nn::AvgPool1d;
    using AvgPoolOptions = torch::nn::AvgPool1dOptions;
    using BatchNorm = torch::nn::BatchNorm1d;
    using BatchNormOptions = torch::nn::BatchNorm1dOptions;
};
template <>
struct Nd<2> {
    using Conv = torch::nn::Conv2d;
    using ConvOptions = torch::nn::Conv2dOptions;
    using MaxPool = torch::nn::MaxPool2d;
    using MaxPoolOptions = torch::nn::MaxPool2dOptions;
    using AvgPool = torch::nn::AvgPool2d;
    using AvgPoolOptions = torch::nn::AvgPool2dOptions;
    using BatchNorm = torch::nn::BatchNorm2d;
    using BatchNormOptions = torch::nn::BatchNorm2dOptions;
};
template <>
struct Nd<3> {
    using Conv = torch::nn::Conv3d;
    using ConvOptions = torch::nn::Conv3dOptions;
    using MaxPool = torch::nn::MaxPool3d;
    using MaxPoolOptions = torch::nn::MaxPool3dOptions;
    using AvgPool = torch::nn::AvgPool3d;
    using AvgPoolOptions = torch::nn::AvgPool3dOptions;
    using BatchNorm = torch::nn::BatchNorm3d;
    using BatchNormOptions = torch::nn::BatchNorm3dOptions;
};

inline void push_activation(torch::nn::Sequential& net, const std::string& name, CnnActivation act) {
    switch (act) {
        case CnnActivation::relu: net->push_back(std::string(name), torch::nn::ReLU()); break;
        case CnnActivation::leaky_relu:
            net->push_back(std::string(name), torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.01)));
            break;
        case CnnActivation::elu: net->push_back(std::string(name), torch::nn::ELU(torch::nn::ELUOptions().alpha(1.0))); break;
        case CnnActivation::tanh: net->push_back(std::string(name), torch::nn::Tanh()); break;
        case CnnActivation::sigmoid: net->push_back(std::string(name), torch::nn::Sigmoid()); break;
        case CnnActivation::none: break;
    }
}

/// A convolution with "same" padding that is uneven gets an explicit
/// zero-padding step; an even one goes into the convolution itself.
/// Returns the padding to give the convolution.
template <std::size_t D>
torch::ExpandingArray<D> push_padding(torch::nn::Sequential& net, const std::string& name,
                                      const std::vector<std::pair<std::int64_t, std::int64_t>>& padding) {
    bool symmetric = true;
    for (const auto& [before, after] : padding) symmetric = symmetric && before == after;
    torch::ExpandingArray<D> conv_padding(0);
    if (symmetric) {
        for (std::size_t a = 0; a < D; ++a) (*conv_padding)[a] = padding[a].first;
        return conv_padding;
    }
    std::vector<std::int64_t> pads;  // last axis first, as constant_pad_nd wants
    for (std::size_t a = D; a-- > 0;) {
        pads.push_back(padding[a].first);
        pads.push_back(padding[a].second);
    }
    net->push_back(std::string(name), torch::nn::Functional([pads](const torch::Tensor& x) {
                       return torch::constant_pad_nd(x, pads, 0);
                   }));
    return conv_padding;
}

template <std::size_t D>
void build_layers(torch::nn::Sequential& net, const CnnShapeReport& report, at::Generator& init,
                  const std::optional<at::Generator>& dropout) {
    using T = Nd<D>;
    for (const auto& r : report.layers) {
        const auto& l = r.layer;
        const std::string prefix =
            l.kind == CnnLayerKind::flatten || l.kind == CnnLayerKind::output
                ? std::string(to_string(l.kind))
                : fmt::format("{}{}", r.section == 0 ? 'f' : 'c', r.index);
        const std::int64_t in = r.input.at(0);
        const auto add_bn_act = [&] {
            if (l.batch_norm) net->push_back(prefix + "_bn", typename T::BatchNorm(typename T::BatchNormOptions(l.filters)));
            push_activation(net, prefix + "_act", l.activation);
        };
        switch (l.kind) {
            case CnnLayerKind::conv:
            case CnnLayerKind::dilconv: {
                const auto padding = push_padding<D>(net, prefix + "_pad", r.padding);
                typename T::Conv conv(typename T::ConvOptions(in, l.filters, l.kernel)
                                          .stride(l.stride)
                                          .dilation(l.dilation)
                                          .padding(padding)
                                          .bias(!l.batch_norm));
                init_fan_in_uniform(conv->weight, &conv->bias, init);
                net->push_back(prefix + "_conv", conv);
                add_bn_act();
                break;
            }
            case CnnLayerKind::sepconv: {
                const auto padding = push_padding<D>(net, prefix + "_pad", r.padding);
                typename T::Conv depthwise(typename T::ConvOptions(in, in, l.kernel)
                                               .stride(l.stride)
                                               .padding(padding)
                                               .groups(in)
                                               .bias(false));
                init_fan_in_uniform(depthwise->weight, nullptr, init);
                net->push_back(prefix + "_depthwise", depthwise);
                typename T::Conv pointwise(typename T::ConvOptions(in, l.filters, 1).bias(!l.batch_norm));
                init_fan_in_uniform(pointwise->weight, &pointwise->bias, init);
                net->push_back(prefix + "_pointwise", pointwise);
                add_bn_act();
                break;
            }
            case CnnLayerKind::pool:
                if (l.max_pool) {
                    net->push_back(prefix + "_pool", typename T::MaxPool(typename T::MaxPoolOptions(l.kernel).stride(l.stride)));
                } else {
                    net->push_back(prefix + "_pool", typename T::AvgPool(typename T::AvgPoolOptions(l.kernel).stride(l.stride)));
                }
                break;
            case CnnLayerKind::lrn:
                net->push_back(prefix + "_lrn", FastLocalResponseNorm(l.size, 1e-4, 0.75, 1.0));
                break;
            case CnnLayerKind::dropout:
                if (l.p > 0.0) net->push_back(prefix + "_dropout", SeededDropout(l.p, dropout));
                break;
            case CnnLayerKind::flatten: net->push_back("flatten", torch::nn::Flatten()); break;
            case CnnLayerKind::dense:
            case CnnLayerKind::output: {
                torch::nn::Linear linear(in, l.units);
                init_fan_in_uniform(linear->weight, &linear->bias, init);
                if (l.kind == CnnLayerKind::output) {
                    net->push_back("output", linear);
                } else {
                    net->push_back(prefix + "_dense", linear);
                    push_activation(net, prefix + "_act", l.activation);
                }
                break;
            }
        }
    }
}

}  // namespace detail

/// Builds the network `genome` describes for inputs of `shape`, on the CPU,
/// in training mode. Throws ConfigError("genome", reason) when the genome
/// does not fit the input (repair it first with repair_cnn_genome, or let
/// CnnTrainer::check do it) and ConfigError for an unusable shape.
/// Thread safety: safe to call from several threads at once.
inline CnnNetwork build_cnn(const Genome<LayerGene>& genome, const SearchSpace& space, const CnnDataShape& shape,
                            const BuildOptions& options = {}) {
    CnnNetwork result;
    result.report = infer_cnn_shapes(genome, space, shape);
    if (!result.report.ok()) throw ConfigError("genome", result.report.problem);
    auto init = make_cpu_generator(options.seed);
    const auto dropout = options.dropout_generator ? options.dropout_generator
                                                   : std::optional<at::Generator>(make_cpu_generator(derive_seed(options.seed, 1)));
    switch (shape.dims()) {
        case 1: detail::build_layers<1>(result.net, result.report, init, dropout); break;
        case 2: detail::build_layers<2>(result.net, result.report, init, dropout); break;
        default: detail::build_layers<3>(result.net, result.report, init, dropout); break;
    }
    return result;
}

/// Number of trainable parameters of a module (and its submodules).
inline std::int64_t parameter_count(const torch::nn::Module& module) {
    std::int64_t n = 0;
    for (const auto& p : module.parameters()) n += p.numel();
    return n;
}

/// Points every SeededDropout in `net` at `generator` (e.g. after moving
/// the network to a CUDA device, one of that device's generators). Not
/// while another thread uses the network.
inline void set_dropout_generator(torch::nn::Module& net, const std::optional<at::Generator>& generator) {
    for (const auto& child : net.modules(/*include_self=*/false)) {
        if (auto* dropout = child->as<SeededDropoutImpl>()) dropout->set_generator(generator);
    }
}

}  // namespace evonas::libtorch
