// evonas::libtorch: CnnTrainer, a Trainer (engine/trainer.hpp) that builds
// a genome of the ready CNN spaces with LibTorch, trains it with SGD or Adam
// on the CPU or a CUDA device and scores it on validation data.
//
//     auto data = evonas::libtorch::load_npy_dataset("x.npy", "y.npy");
//     auto space = evonas::cnn_space(2);
//     auto result = evonas::evolve(space, [&](std::size_t worker) {
//         return evonas::libtorch::CnnTrainer(space, data, {.device = "auto"}, worker);
//     }, run_options);
//
// Per job: check() (before dispatch) repairs or rejects the genome for the
// data's shape (genome/cnn_shape.hpp); evaluate() builds the network with
// parameters from the job's seed, trains for the genome's epochs (or the
// options'), stops early on a NaN or divergent loss (failed, with the
// reason), on the stop token or deadline (timed out) or at the time budget
// (ok), and returns the validation score with the metrics listed at
// CnnTrainer::evaluate.
//
// Concurrency: one CnnTrainer per worker thread; trainers share only the
// read-only data (one copy per process and device, shared_data.hpp). Nothing of a job comes from the process-global
// generator: parameters from derive_seed(job seed, 1), dropout masks from
// derive_seed(job seed, 2), batch order from derive_seed(job seed, 3). On
// the CPU with one intra-op thread per worker a job's result is therefore
// the same whatever other workers do at the same time; on a GPU each
// worker's dropout generator is its own too (device_generator). What remains
// nondeterministic: CUDA kernels that are (cuDNN algorithm choice, with
// TrainerOptions::cudnn_benchmark above all, atomics), and results across
// different thread counts or LibTorch builds.
//
// On CUDA the loop does not wait for the GPU each batch: the loss is summed
// on the device and read every TrainerOptions::loss_check_steps batches
// (and at epoch ends and reports); fp16 loss scaling unscales and checks all
// gradients in one fused kernel.
//
// Optional part: include it only when linking evonas::libtorch.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include <fmt/format.h>

#include <evonas/engine/fitness.hpp>
#include <evonas/engine/trainer.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/cnn_shape.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/libtorch/builder.hpp>
#include <evonas/libtorch/cnn_check.hpp>
#include <evonas/libtorch/dataset.hpp>
#include <evonas/libtorch/evaluate.hpp>
#include <evonas/libtorch/latency.hpp>
#include <evonas/libtorch/device.hpp>
#include <evonas/libtorch/model_io.hpp>
#include <evonas/libtorch/runtime.hpp>
#include <evonas/libtorch/shared_data.hpp>
#include <evonas/random.hpp>
#include <evonas/space/search_space.hpp>

#include <evonas/libtorch/trainer_options.hpp>

namespace evonas::libtorch {

/// The hyper-parameters one job trains with.
struct HyperParameters {
    int epochs = 1;                                ///< passes over the training data
    std::int64_t batch_size = 64;                  ///< samples per training step
    double learning_rate = 0.01;                   ///< optimiser step size
    OptimizerKind optimizer = OptimizerKind::sgd;  ///< sgd or adam (never from_genome)
    double momentum = 0.9;                         ///< SGD momentum
    double weight_decay = 0.0;                     ///< L2 penalty
};

/// Trains and scores genomes of a CNN space on one data set; satisfies
/// evonas::Trainer. Make one per worker (the factory gets the worker index,
/// which picks the GPU with device "auto"). Thread safety: one trainer per
/// worker, used by one thread at a time; trainers of one process share
/// nothing mutable (only the read-only data, one copy per device).
/// evaluate() first sets LibTorch's intra-op thread count to
/// options.intra_op_threads.
class CnnTrainer {
public:
    /// Trains on a stratified split of `data` (options.validation_fraction
    /// and split_seed). The split, on this trainer's device, is made once
    /// per process and shared read-only by all trainers of the same data
    /// set, split and device (shared_training_data()).
    CnnTrainer(SearchSpace space, const Dataset& data, TrainerOptions options = {}, std::size_t worker = 0)
        : CnnTrainer(std::move(space), std::move(options), worker, [&](const TrainerOptions& o, torch::Device d) {
              return shared_training_data(data, o.validation_fraction, o.split_seed, d);
          }) {}

    /// Trains on `train`, scores on `validation` (on a GPU, one copy of
    /// both per process and device, shared as above).
    CnnTrainer(SearchSpace space, const Dataset& train, const Dataset& validation, TrainerOptions options = {},
               std::size_t worker = 0)
        : CnnTrainer(std::move(space), std::move(options), worker, [&](const TrainerOptions&, torch::Device d) {
              check_compatible(train, validation);
              return shared_training_data(train, validation, d);
          }) {}

    /// "libtorch-cnn", the trainer's name in run files.
    std::string name() const { return "libtorch-cnn"; }

    /// Repairs `genome` for the data's shape or rejects it (rules in
    /// genome/cnn_shape.hpp), also when it exceeds options.limits. First
    /// sets the global genes this trainer ignores to the values it trains
    /// with (ignored_genes_as_trained), silently: networks that differ only
    /// there are the same network and get the same hash, so a run trains
    /// them once. The same as CnnCheck(space(), data_shape(), options()).
    Check check(Genome<LayerGene>& genome) const { return (*check_)(genome); }

    /// Relative cost: forward FLOPs per sample x 3 (forward and backward) x
    /// training samples x epochs, in GFLOP; 1 when the genome does not fit.
    double cost(const Genome<LayerGene>& genome) const {
        const auto report = infer_cnn_shapes(genome, space_, shape_);
        if (!report.ok()) return 1.0;
        const auto hp = hyper_parameters(genome);
        return report.flops * 3.0 * static_cast<double>(data_->train.size()) * hp.epochs / 1e9;
    }

    /// Trains `genome` and scores it on the validation data. Score: the
    /// options' metric. Metrics: val_accuracy, val_balanced_accuracy,
    /// val_loss, train_loss (mean of the last epoch), params, flops
    /// (forward, per sample), train_seconds, train_cpu_seconds (the worker
    /// thread's CPU time over the same span), samples_per_second (training),
    /// epochs (completed, fractional when stopped early), steps, batch_size,
    /// learning_rate. A genome that does not fit is invalid; a NaN, infinite
    /// or divergent loss fails the job with the reason; the stop token or
    /// deadline, checked between batches, times it out.
    Fitness evaluate(const Genome<LayerGene>& genome, const JobContext& ctx) {
        try {
            return train_and_score(genome, ctx);
        } catch (const c10::Error& e) {
            return Fitness::failed(fmt::format("LibTorch: {}", std::string(e.what_without_backtrace())));
        }
    }

    /// The hyper-parameters `genome` trains with under these options.
    HyperParameters hyper_parameters(const Genome<LayerGene>& genome) const {
        const auto gene = [&](std::string_view name) -> std::optional<double> {
            const auto i = space_.find_global(name);
            if (!i || *i >= genome.globals().size()) return std::nullopt;
            return genome.globals()[*i];
        };
        HyperParameters hp;
        hp.epochs = options_.epochs > 0 ? options_.epochs : static_cast<int>(gene("epochs").value_or(1.0));
        hp.batch_size = options_.batch_size > 0 ? options_.batch_size
                                                : static_cast<std::int64_t>(gene("bs").value_or(64.0));
        hp.batch_size = std::clamp<std::int64_t>(hp.batch_size, 1, std::max<std::int64_t>(data_->train.size(), 1));
        hp.learning_rate = options_.learning_rate > 0 ? options_.learning_rate : gene("lr").value_or(0.01);
        hp.momentum = options_.momentum >= 0 ? options_.momentum : gene("mom").value_or(0.9);
        hp.weight_decay = options_.weight_decay >= 0 ? options_.weight_decay : gene("wd").value_or(0.0);
        hp.optimizer = options_.optimizer;
        if (hp.optimizer == OptimizerKind::from_genome) {
            hp.optimizer = OptimizerKind::sgd;
            if (const auto i = space_.find_global("opt"); i && *i < genome.globals().size()) {
                const auto& spec = space_.globals()[*i];
                const auto index = static_cast<std::size_t>(genome.globals()[*i]);
                if (spec.kind == ParamKind::choice && index < spec.choices.size() && spec.choices[index] == "adam") {
                    hp.optimizer = OptimizerKind::adam;
                }
            }
        }
        return hp;
    }

    /// CnnCheck::ignored_genes_as_trained with this trainer's space, shape
    /// and options. Returns how many genes changed.
    std::size_t ignored_genes_as_trained(Genome<LayerGene>& genome) const {
        return check_->ignored_genes_as_trained(genome);
    }

    const CnnDataShape& data_shape() const noexcept { return shape_; }     ///< sample shape and classes
    torch::Device device() const noexcept { return device_; }              ///< where this trainer trains
    const TrainerOptions& options() const noexcept { return options_; }    ///< the validated options
    const SearchSpace& space() const noexcept { return space_; }           ///< the space of the genomes
    const Dataset& train_data() const noexcept { return data_->train; }            ///< training data, on device()
    const Dataset& validation_data() const noexcept { return data_->validation; }  ///< validation data, on device()

    /// The network the last evaluate() trained (kept until the next call,
    /// also when the job failed or timed out), e.g. to save it.
    const std::optional<CnnModel>& last_model() const noexcept { return last_; }

private:
    template <class GetData>
    CnnTrainer(SearchSpace space, TrainerOptions options, std::size_t worker, GetData&& get_data)
        : space_(std::move(space)),
          options_(validated(std::move(options))),
          worker_(worker),
          device_(resolve_device(options_.device, worker)) {
        if (options_.precision == Precision::fp16 && !device_.is_cuda()) {
            throw ConfigError("TrainerOptions.precision", "fp16 needs a CUDA device (use bf16 on the CPU)");
        }
        if (device_.is_cuda()) apply_cuda_math_settings(options_.cudnn_benchmark, options_.tf32);
        data_ = get_data(options_, device_);
        shape_ = data_->train.shape();
        evonas::detail::check_cnn_dims(space_, shape_);
        check_.emplace(space_, shape_, options_);
    }

    static TrainerOptions validated(TrainerOptions options) {
        options.validate();
        return options;
    }

    static void check_compatible(const Dataset& train, const Dataset& validation) {
        if (train.classes != validation.classes || train.inputs.sizes().slice(1) != validation.inputs.sizes().slice(1)) {
            throw ConfigError("validation", "the validation data must have the training data's sample shape and classes");
        }
    }

    using Clock = std::chrono::steady_clock;

    Fitness train_and_score(const Genome<LayerGene>& genome, const JobContext& ctx) {
        if (torch::get_num_threads() != options_.intra_op_threads) torch::set_num_threads(options_.intra_op_threads);
        last_.reset();
        const auto report = infer_cnn_shapes(genome, space_, shape_);
        if (!report.ok()) return Fitness::invalid(report.problem);
        const auto& limits = options_.limits;
        if ((limits.max_params > 0 && report.params > limits.max_params) ||
            (limits.max_flops > 0 && report.flops > limits.max_flops)) {
            return Fitness::invalid(fmt::format("the network ({} parameters, {:.4g} FLOPs) exceeds the limits",
                                                report.params, report.flops));
        }
        const auto hp = hyper_parameters(genome);

        const auto dropout_generator = device_generator(device_, derive_seed(ctx.seed, 2));
        auto net = build_cnn(genome, space_, shape_, {.seed = derive_seed(ctx.seed, 1),
                                                      .dropout_generator = dropout_generator}).net;
        if (!device_.is_cpu()) net->to(device_);
        net->train();
        last_ = CnnModel{genome, shape_, net};

        std::unique_ptr<torch::optim::Optimizer> optimizer;
        if (hp.optimizer == OptimizerKind::adam) {
            optimizer = std::make_unique<torch::optim::Adam>(
                net->parameters(), torch::optim::AdamOptions(hp.learning_rate).weight_decay(hp.weight_decay));
        } else {
            optimizer = std::make_unique<torch::optim::SGD>(
                net->parameters(),
                torch::optim::SGDOptions(hp.learning_rate).momentum(hp.momentum).weight_decay(hp.weight_decay));
        }

        const auto& train = data_->train;
        const std::int64_t n = train.size();
        const std::int64_t bs = hp.batch_size;
        // A last batch of one sample is dropped: batch norm cannot train on it.
        const std::int64_t batches_per_epoch = n / bs + (n % bs >= 2 ? 1 : 0);
        Rng order_rng(derive_seed(ctx.seed, 3));
        std::vector<std::int64_t> order(static_cast<std::size_t>(n));
        const auto started = Clock::now();
        const double cpu_started = thread_cpu_seconds();
        const auto budget_end = options_.time_budget_seconds > 0
                                    ? started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                                    std::min(options_.time_budget_seconds, 1e9)))
                                    : Clock::time_point::max();
        std::int64_t steps = 0, samples = 0, epoch_batches = 0;
        double epoch_loss = 0.0, train_loss = 0.0, first_loss = -1.0, epochs_done = 0.0;
        double loss_scale = 65536.0;
        std::int64_t good_scaled_steps = 0, skipped_steps = 0;
        // The loss is read back (a host-device synchronisation) only every
        // check_every batches; in between it is summed on the device.
        const std::int64_t check_every =
            options_.loss_check_steps > 0 ? options_.loss_check_steps : (device_.is_cpu() ? 1 : 50);
        const auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(device_);
        torch::Tensor epoch_loss_sum;  // this epoch's batch losses, on the device (check_every > 1)
        std::int64_t unchecked = 0;    // batches since the last read
        std::string stop_reason;  // non-empty: stopped early without failing
        bool timed_out = false;

        std::optional<Clock::time_point> trained;  // when training ended (validation is not timed)
        std::optional<double> trained_cpu;         // the thread's CPU clock then
        const auto finish_metrics = [&](Fitness f) {
            const double seconds = std::chrono::duration<double>(trained.value_or(Clock::now()) - started).count();
            const double cpu_seconds = trained_cpu.value_or(thread_cpu_seconds()) - cpu_started;
            f.with("train_loss", train_loss)
                .with("params", static_cast<double>(report.params))
                .with("flops", report.flops)
                .with("train_seconds", seconds)
                .with("train_cpu_seconds", cpu_seconds)
                .with("samples_per_second", seconds > 0 ? static_cast<double>(samples) / seconds : 0.0)
                .with("epochs", epochs_done)
                .with("steps", static_cast<double>(steps))
                .with("batch_size", static_cast<double>(bs))
                .with("learning_rate", hp.learning_rate);
            if (skipped_steps) f.with("skipped_steps", static_cast<double>(skipped_steps));
            return f;
        };

        // Early stopping: the score on the validation data goes to the run's
        // stopper (only when the run has one: the validation pass costs
        // time), after each epoch but the last or every report_every_steps
        // batches. Stopped, the network is scored as it is now, below.
        // A network stopped here is scored by this same pass (kept in
        // `stopped_eval`): the weights have not changed since.
        std::optional<Evaluation> stopped_eval;
        const auto report_now = [&](double at) {
            const auto v = evaluate_network(net, data_->validation, options_.eval_batch_size, options_.precision);
            net->train();
            const double value = options_.metric == ScoreMetric::accuracy ? v.accuracy : v.balanced_accuracy;
            if (std::isfinite(v.loss) && ctx.report(at, value) == Decision::stop) {
                stop_reason = "early stopping";
                stopped_eval = v;
            }
            return !stop_reason.empty();
        };
        const auto reports_after = [&](int epoch) {
            const auto& at = options_.report_epochs;
            return at.empty() || std::find(at.begin(), at.end(), epoch) != at.end();
        };
        const auto every = ctx.wants_reports() ? options_.report_every_steps : std::int64_t{0};
        for (int epoch = 0; epoch < hp.epochs && stop_reason.empty() && !timed_out; ++epoch) {
            for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
            for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[order_rng.index(i)]);
            const auto permutation = torch::tensor(order, torch::kInt64).to(device_);
            epoch_loss = 0.0;
            epoch_batches = 0;
            if (check_every > 1) epoch_loss_sum = torch::zeros({}, f64);
            for (std::int64_t b = 0; b < batches_per_epoch; ++b) {
                if (ctx.should_stop()) {
                    timed_out = true;
                    break;
                }
                if (Clock::now() >= budget_end) {
                    stop_reason = "time budget";
                    break;
                }
                if (options_.max_steps > 0 && steps >= options_.max_steps) {
                    stop_reason = "max_steps";
                    break;
                }
                const auto count = std::min(bs, n - b * bs);
                const auto index = permutation.narrow(0, b * bs, count);
                const auto x = train.inputs.index_select(0, index);
                const auto y = train.labels.index_select(0, index);
                optimizer->zero_grad();
                torch::Tensor loss;
                if (options_.precision == Precision::fp32) {
                    loss = torch::cross_entropy_loss(net->forward(x), y);
                } else {
                    AutocastScope autocast(device_, options_.precision == Precision::bf16 ? at::kBFloat16 : at::kHalf);
                    loss = torch::cross_entropy_loss(net->forward(x).to(torch::kFloat32), y);
                }
                const bool last = epoch + 1 == hp.epochs && b + 1 == batches_per_epoch;
                const bool reporting = every > 0 && (steps + 1) % every == 0 && !last;
                // Read the loss now? Always on the first batch (the
                // divergence reference), at an epoch's end and before a report.
                const bool check = check_every == 1 || first_loss < 0 || ++unchecked >= check_every ||
                                   b + 1 == batches_per_epoch || reporting;
                if (check_every > 1) epoch_loss_sum += loss.detach().to(torch::kFloat64);
                if (check) {
                    unchecked = 0;
                    const double value = loss.item<double>();
                    // A NaN or infinity in a batch not read stays in the sum.
                    const double sum = check_every > 1 ? epoch_loss_sum.item<double>() : epoch_loss + value;
                    if (!std::isfinite(value) || !std::isfinite(sum)) {
                        const double bad = std::isfinite(value) ? sum : value;
                        return finish_metrics(Fitness::failed(fmt::format(
                            "training diverged: the loss is {} at epoch {}, batch {}{}",
                            std::isnan(bad) ? "NaN" : (bad > 0 ? "inf" : "-inf"), epoch + 1, b + 1,
                            std::isfinite(value) ? " or a batch since the previous check" : "")));
                    }
                    if (first_loss < 0) first_loss = value;
                    if (options_.divergence_factor > 0 &&
                        value > options_.divergence_factor * std::max(first_loss, 1e-3)) {
                        return finish_metrics(Fitness::failed(fmt::format(
                            "training diverged: the loss {:.4g} at epoch {}, batch {} is more than {} times the "
                            "first batch's {:.4g}", value, epoch + 1, b + 1, options_.divergence_factor,
                            first_loss)));
                    }
                    epoch_loss = sum;
                }
                if (options_.precision == Precision::fp16) {
                    (loss * loss_scale).backward();
                    if (!unscale_gradients(*net, loss_scale, device_)) {  // overflow: skip the step, lower the scale
                        loss_scale /= 2.0;
                        good_scaled_steps = 0;
                        ++skipped_steps;
                    } else {
                        optimizer->step();
                        if (++good_scaled_steps == 2000) {
                            loss_scale *= 2.0;
                            good_scaled_steps = 0;
                        }
                    }
                } else {
                    loss.backward();
                    optimizer->step();
                }
                ++steps;
                samples += count;
                ++epoch_batches;
                if (check) train_loss = epoch_loss / static_cast<double>(epoch_batches);  // mean of the epoch so far
                epochs_done = epoch + static_cast<double>(b + 1) / static_cast<double>(batches_per_epoch);
                if (reporting && report_now(epochs_done)) break;
            }
            if (ctx.wants_reports() && every == 0 && stop_reason.empty() && !timed_out && epoch + 1 < hp.epochs &&
                reports_after(epoch + 1)) {
                report_now(static_cast<double>(epoch + 1));
            }
        }
        if (check_every > 1 && unchecked > 0 && epoch_batches > 0) {  // stopped between two reads
            epoch_loss = epoch_loss_sum.item<double>();
            if (!std::isfinite(epoch_loss)) {
                return finish_metrics(Fitness::failed(fmt::format(
                    "training diverged: the loss is {} in one of the last {} batches", std::isnan(epoch_loss) ? "NaN"
                    : (epoch_loss > 0 ? "inf" : "-inf"), unchecked)));
            }
            train_loss = epoch_loss / static_cast<double>(epoch_batches);
        }
        trained = Clock::now();
        trained_cpu = thread_cpu_seconds();
        if (timed_out) {
            return finish_metrics(Fitness::timed_out(fmt::format(
                "stopped after {} steps ({:.3g} epochs, {:.3g} s): the job's deadline passed or the run stopped",
                steps, epochs_done, std::chrono::duration<double>(*trained - started).count())));
        }
        const auto e = stopped_eval ? *stopped_eval
                                    : evaluate_network(net, data_->validation, options_.eval_batch_size, options_.precision);
        if (!std::isfinite(e.loss)) {
            return finish_metrics(Fitness::failed(fmt::format("the validation loss is {}", e.loss)));
        }
        auto fitness = Fitness::of(options_.metric == ScoreMetric::accuracy ? e.accuracy : e.balanced_accuracy);
        fitness.with("val_accuracy", e.accuracy).with("val_balanced_accuracy", e.balanced_accuracy).with("val_loss", e.loss);
        fitness = finish_metrics(std::move(fitness));
        if (options_.latency.repeats > 0) {
            fitness.with("latency_ms", measure_latency_ms(net, data_->validation.inputs, options_.latency));
        }
        if (!options_.model_dir.empty()) {
            save_model(options_.model_dir / fmt::format("job-{}.pt", ctx.job_id), *last_, space_);
        }
        return fitness;
    }

    /// Divides every gradient by `scale`; false when one is not finite. On
    /// CUDA one fused kernel does both for all gradients (as PyTorch's
    /// GradScaler); reading its flag is the one synchronisation per step that
    /// loss scaling needs (whether to step). Elsewhere per gradient.
    static bool unscale_gradients(torch::nn::Module& net, double scale, torch::Device device) {
        torch::NoGradGuard no_grad;
        std::vector<torch::Tensor> grads;
        for (auto& p : net.parameters()) {
            if (p.grad().defined()) grads.push_back(p.mutable_grad());
        }
        if (grads.empty()) return true;
        if (device.is_cuda()) {
            const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
            auto found_inf = torch::zeros({1}, f32);
            const auto inv_scale = torch::full({1}, 1.0 / scale, f32);
            at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf, inv_scale);
            return found_inf.item<float>() == 0.0F;
        }
        std::vector<torch::Tensor> sums;
        for (auto& g : grads) {
            g.mul_(1.0 / scale);
            sums.push_back(g.to(torch::kFloat32).abs().sum());
        }
        return torch::isfinite(torch::stack(sums).sum()).item<bool>();
    }

    SearchSpace space_;
    TrainerOptions options_;
    std::size_t worker_;
    torch::Device device_;
    std::shared_ptr<const TrainingData> data_;  // shared with the other trainers of this data set and device
    CnnDataShape shape_;
    std::optional<CnnCheck> check_;  // set once the data's shape is known
    std::optional<CnnModel> last_;
};

}  // namespace evonas::libtorch
