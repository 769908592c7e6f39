// evonas examples: a LibTorch trainer of the DAG cell genome (dag_cell.hpp).
//
// The network for 1-D inputs [batch, channels, length]:
//
//     stem     conv(k=5) -> batch norm -> ReLU, to the cell's channel count
//     cell     the genome's DAG
//     pool     max pooling, window 2 (half the length)
//     cell     the same DAG again, with weights of its own
//     head     global average pooling over the length -> linear to the classes
//
// DagTrainer satisfies evonas::Trainer<DagGenome>: evaluate(cell, ctx)
// builds that network with parameters from the job's seed, trains it for a
// fixed number of epochs with SGD (momentum) or Adam at the cell's learning
// rate, and returns the validation accuracy. Like the library's CnnTrainer,
// nothing comes from the process-global generator (parameters from
// derive_seed(ctx.seed, 1), batch order from derive_seed(ctx.seed, 3)), so
// with one intra-op thread per worker a job's result does not depend on
// what other workers do. CPU only, to stay short.
//
// Uses only LibTorch API present in 1.13 and 2.x.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include <fmt/format.h>

#include <evonas/engine/fitness.hpp>
#include <evonas/engine/trainer.hpp>
#include <evonas/error.hpp>
#include <evonas/libtorch/builder.hpp>
#include <evonas/libtorch/dataset.hpp>
#include <evonas/random.hpp>

#include "dag_cell.hpp"

namespace evonas::examples::dag {

/// One node's operation as a module on [batch, channels, length] (shape kept).
inline torch::nn::Sequential make_op(DagOp op, std::int64_t channels) {
    namespace nn = torch::nn;
    const auto conv = [channels](std::int64_t kernel) {
        return nn::Conv1d(nn::Conv1dOptions(channels, channels, kernel).padding(kernel / 2).bias(false));
    };
    switch (op) {
        case DagOp::conv3: return nn::Sequential(conv(3), nn::BatchNorm1d(channels), nn::ReLU());
        case DagOp::conv5: return nn::Sequential(conv(5), nn::BatchNorm1d(channels), nn::ReLU());
        case DagOp::maxpool3: return nn::Sequential(nn::MaxPool1d(nn::MaxPool1dOptions(3).stride(1).padding(1)));
        case DagOp::avgpool3:
            return nn::Sequential(nn::AvgPool1d(nn::AvgPool1dOptions(3).stride(1).padding(1).count_include_pad(false)));
        case DagOp::skip: return nn::Sequential(nn::Identity());
        case DagOp::relu_conv1: return nn::Sequential(nn::ReLU(), conv(1), nn::BatchNorm1d(channels));
    }
    throw ConfigError("DagOp", "unknown operation");
}

/// One cell: the genome's DAG as modules. Node k's input is the sum of the
/// nodes it reads; the output combines the nodes nobody reads (sum, or
/// concatenation and a 1x1 convolution back to `channels`).
class DagCellImpl : public torch::nn::Module {
public:
    DagCellImpl(const DagGenome& genome, CellOutput output, std::int64_t channels)
        : outputs_(genome.outputs()) {
        for (std::size_t k = 1; k <= genome.nodes.size(); ++k) {
            inputs_.push_back(genome.nodes[k - 1].inputs);
            ops_.push_back(register_module(fmt::format("n{}", k), make_op(genome.nodes[k - 1].op, channels)));
        }
        if (output == CellOutput::concat && outputs_.size() > 1) {
            const auto in = channels * static_cast<std::int64_t>(outputs_.size());
            project_ = register_module("project", torch::nn::Conv1d(torch::nn::Conv1dOptions(in, channels, 1)));
        }
    }

    torch::Tensor forward(const torch::Tensor& x) {
        std::vector<torch::Tensor> value{x};  // value[k]: node k's output (0: the cell input)
        for (std::size_t k = 0; k < ops_.size(); ++k) {
            auto in = value[inputs_[k][0]];
            for (std::size_t j = 1; j < inputs_[k].size(); ++j) in = in + value[inputs_[k][j]];
            value.push_back(ops_[k]->forward(in));
        }
        if (!project_.is_empty()) {
            std::vector<torch::Tensor> parts;
            for (auto k : outputs_) parts.push_back(value[k]);
            return project_->forward(torch::cat(parts, 1));
        }
        auto out = value[outputs_[0]];
        for (std::size_t j = 1; j < outputs_.size(); ++j) out = out + value[outputs_[j]];
        return out;
    }

private:
    std::vector<std::vector<std::size_t>> inputs_;
    std::vector<std::size_t> outputs_;
    std::vector<torch::nn::Sequential> ops_;
    torch::nn::Conv1d project_{nullptr};
};
TORCH_MODULE(DagCell);

/// The whole network: stem, cell, pooling, cell, global average, linear head.
class DagNetImpl : public torch::nn::Module {
public:
    DagNetImpl(const DagGenome& genome, const DagSpace& space, std::int64_t in_channels, std::int64_t classes) {
        namespace nn = torch::nn;
        const auto c = genome.channels;
        stem_ = register_module("stem", nn::Sequential(nn::Conv1d(nn::Conv1dOptions(in_channels, c, 5).padding(2).bias(false)),
                                                       nn::BatchNorm1d(c), nn::ReLU()));
        cell1_ = register_module("cell1", DagCell(genome, space.output, c));
        pool_ = register_module("pool", nn::MaxPool1d(nn::MaxPool1dOptions(2)));
        cell2_ = register_module("cell2", DagCell(genome, space.output, c));
        head_ = register_module("head", nn::Linear(c, classes));
    }

    torch::Tensor forward(const torch::Tensor& x) {
        auto h = cell2_->forward(pool_->forward(cell1_->forward(stem_->forward(x))));
        return head_->forward(h.mean(2));
    }

private:
    torch::nn::Sequential stem_{nullptr};
    DagCell cell1_{nullptr}, cell2_{nullptr};
    torch::nn::MaxPool1d pool_{nullptr};
    torch::nn::Linear head_{nullptr};
};
TORCH_MODULE(DagNet);

/// Sets every convolution and linear layer of `net` as PyTorch does by
/// default (uniform in +-1/sqrt(fan_in)), but from a generator of its own:
/// networks built in several threads at once are each reproducible.
inline void init_parameters(torch::nn::Module& net, std::uint64_t seed) {
    torch::NoGradGuard no_grad;
    auto gen = libtorch::make_cpu_generator(seed);
    auto params = net.named_parameters();  // handles: writing through them writes the module's
    for (auto& item : params) {
        auto& p = item.value();
        if (p.dim() < 2) continue;  // biases with their weight below; batch norm keeps 1 and 0
        const auto fan_in = p.numel() / p.size(0);
        const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
        p.uniform_(-bound, bound, c10::optional<at::Generator>(gen));
        const auto& name = item.key();
        const auto bias_name = name.substr(0, name.size() - std::string("weight").size()) + "bias";
        if (auto* bias = params.find(bias_name)) bias->uniform_(-bound, bound, c10::optional<at::Generator>(gen));
    }
}

/// How DagTrainer trains every cell (the same for all: the search compares cells).
struct DagTrainerOptions {
    int epochs = 3;                  ///< passes over the training data
    std::int64_t batch_size = 32;    ///< samples per step
    std::string optimizer = "sgd";   ///< "sgd" (momentum 0.9) or "adam"
    int threads = 1;                 ///< LibTorch intra-op threads of the worker

    /// Throws ConfigError naming the field.
    void validate() const {
        if (epochs < 1) throw ConfigError("DagTrainerOptions.epochs", fmt::format("must be at least 1, got {}", epochs));
        if (batch_size < 2) {
            throw ConfigError("DagTrainerOptions.batch_size", fmt::format("must be at least 2, got {}", batch_size));
        }
        if (optimizer != "sgd" && optimizer != "adam") {
            throw ConfigError("DagTrainerOptions.optimizer", fmt::format("must be sgd or adam, got '{}'", optimizer));
        }
        if (threads < 1) throw ConfigError("DagTrainerOptions.threads", fmt::format("must be at least 1, got {}", threads));
    }
};

/// Trains DAG cells on a labelled 1-D data set; evonas::Trainer<DagGenome>.
/// One per worker: the data is shared read-only (tensors are not copied).
class DagTrainer {
public:
    DagTrainer(DagSpace space, libtorch::Dataset train, libtorch::Dataset validation, DagTrainerOptions options = {})
        : space_(std::move(space)), train_(std::move(train)), validation_(std::move(validation)), options_(options) {
        options_.validate();
        if (train_.inputs.dim() != 3 || validation_.inputs.dim() != 3) {
            throw ConfigError("DagTrainer.data", "needs 1-D inputs [samples, channels, length]");
        }
        if (train_.inputs.size(1) != validation_.inputs.size(1) || train_.classes != validation_.classes) {
            throw ConfigError("DagTrainer.validation", "needs the training data's channels and classes");
        }
    }

    /// The trainer's name in run files.
    std::string name() const { return "libtorch-dag-cell"; }

    /// Trains the network of `cell` and returns its validation accuracy.
    /// Metrics: val_loss, train_loss (last epoch), params, train_seconds.
    /// A NaN or infinite loss fails the job; the stop token or deadline,
    /// checked between batches, times it out.
    Fitness evaluate(const DagGenome& cell, const JobContext& ctx) {
        try {
            return train_and_score(cell, ctx);
        } catch (const c10::Error& e) {
            return Fitness::failed(fmt::format("LibTorch: {}", std::string(e.what_without_backtrace())));
        }
    }

    /// Builds the network of `cell` with parameters from `seed` (untrained).
    DagNet build(const DagGenome& cell, std::uint64_t seed) const {
        DagNet net(cell, space_, train_.inputs.size(1), train_.classes);
        init_parameters(*net, seed);
        return net;
    }

private:
    Fitness train_and_score(const DagGenome& cell, const JobContext& ctx) {
        if (torch::get_num_threads() != options_.threads) torch::set_num_threads(options_.threads);
        const auto started = std::chrono::steady_clock::now();
        auto net = build(cell, derive_seed(ctx.seed, 1));
        net->train();
        std::unique_ptr<torch::optim::Optimizer> optimizer;
        if (options_.optimizer == "adam") {
            optimizer = std::make_unique<torch::optim::Adam>(net->parameters(), torch::optim::AdamOptions(cell.lr));
        } else {
            optimizer = std::make_unique<torch::optim::SGD>(net->parameters(),
                                                            torch::optim::SGDOptions(cell.lr).momentum(0.9));
        }
        const auto n = train_.size();
        const auto bs = std::min(options_.batch_size, n);
        const auto batches = n / bs + (n % bs >= 2 ? 1 : 0);  // a last batch of one: batch norm cannot train on it
        Rng order_rng(derive_seed(ctx.seed, 3));
        std::vector<std::int64_t> order(static_cast<std::size_t>(n));
        double train_loss = 0.0;
        for (int epoch = 0; epoch < options_.epochs; ++epoch) {
            for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
            for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[order_rng.index(i)]);
            const auto permutation = torch::tensor(order, torch::kInt64);
            double sum = 0.0;
            for (std::int64_t b = 0; b < batches; ++b) {
                if (ctx.should_stop()) return Fitness::timed_out(fmt::format("stopped at epoch {}, batch {}", epoch + 1, b + 1));
                const auto index = permutation.narrow(0, b * bs, std::min(bs, n - b * bs));
                optimizer->zero_grad();
                auto loss = torch::cross_entropy_loss(net->forward(train_.inputs.index_select(0, index)),
                                                      train_.labels.index_select(0, index));
                const double value = loss.item<double>();
                if (!std::isfinite(value)) {
                    return Fitness::failed(fmt::format("training diverged: the loss is {} at epoch {}, batch {}", value,
                                                       epoch + 1, b + 1));
                }
                loss.backward();
                optimizer->step();
                sum += value;
            }
            train_loss = sum / static_cast<double>(std::max<std::int64_t>(batches, 1));
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

        // Validation, in evaluation mode (batch norm's running statistics).
        net->eval();
        torch::NoGradGuard no_grad;
        std::int64_t right = 0;
        double loss_sum = 0.0;
        for (std::int64_t start = 0; start < validation_.size(); start += 256) {
            const auto count = std::min<std::int64_t>(256, validation_.size() - start);
            const auto logits = net->forward(validation_.inputs.narrow(0, start, count));
            const auto labels = validation_.labels.narrow(0, start, count);
            loss_sum += torch::cross_entropy_loss(logits, labels, {}, at::Reduction::Sum).item<double>();
            right += logits.argmax(1).eq(labels).sum().item<std::int64_t>();
        }
        const auto total = static_cast<double>(std::max<std::int64_t>(validation_.size(), 1));
        if (!std::isfinite(loss_sum)) return Fitness::failed(fmt::format("the validation loss is {}", loss_sum));
        std::int64_t params = 0;
        for (const auto& p : net->parameters()) params += p.numel();
        return Fitness::of(static_cast<double>(right) / total)
            .with("val_loss", loss_sum / total)
            .with("train_loss", train_loss)
            .with("params", static_cast<double>(params))
            .with("train_seconds", seconds);
    }

    DagSpace space_;
    libtorch::Dataset train_, validation_;
    DagTrainerOptions options_;
};

}  // namespace evonas::examples::dag
