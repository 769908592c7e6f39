// evonas::libtorch: the options of a CnnTrainer, validated in one place
// with messages that name the field.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <evonas/engine/stopper.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/cnn_layer.hpp>
#include <evonas/libtorch/device.hpp>

namespace evonas::libtorch {

/// The validation score a CnnTrainer returns as Fitness::score.
enum class ScoreMetric : std::uint8_t {
    accuracy,           ///< fraction of samples classified correctly
    balanced_accuracy,  ///< mean over classes of the fraction of that class classified correctly
};

/// Which optimiser trains the network.
enum class OptimizerKind : std::uint8_t {
    from_genome,  ///< the genome's "opt" gene (sgd or adam), else sgd
    sgd,          ///< SGD with momentum
    adam,         ///< Adam (momentum ignored)
};

/// How CnnTrainer measures latency (TrainerOptions::latency).
struct LatencyOptions {
    int repeats = 0;          ///< timed batches (0: do not measure); the median counts
    std::int64_t batch = 1;   ///< samples per batch (1: the latency of one sample)

    /// Throws ConfigError("TrainerOptions.latency...") for bad values.
    void validate() const {
        if (repeats < 0) throw ConfigError("TrainerOptions.latency.repeats", "must be >= 0");
        if (batch < 1) throw ConfigError("TrainerOptions.latency.batch", "must be >= 1");
    }
};

/// Options of a CnnTrainer. A hyper-parameter left at its "from the genome"
/// value takes the genome's global gene of that name when the space has
/// one, else the default in brackets. Validated by the trainer's
/// constructor (ConfigError naming the field). Thread safety: a plain value.
struct TrainerOptions {
    // ---- how long
    int epochs = 0;                    ///< 0: gene "epochs" [1]
    double time_budget_seconds = 0.0;  ///< > 0: stop training after this long (result ok, scored as is)
    std::int64_t max_steps = 0;        ///< > 0: stop after this many batches (benchmarks)
    /// Early stopping: validate and report every this many batches, the
    /// step being the epochs done (fractional); 0: after each epoch.
    std::int64_t report_every_steps = 0;
    /// Early stopping: validate and report only after these epochs (e.g.
    /// the ASHA rungs 1, 3): a validation pass can cost as much as an
    /// epoch of training, and a stopper decides at its rungs only. Empty:
    /// after every epoch. Not with report_every_steps.
    std::vector<int> report_epochs{};
    // ---- hyper-parameters
    std::int64_t batch_size = 0;       ///< 0: gene "bs" [64]; clamped to the training set's size
    double learning_rate = 0.0;        ///< 0: gene "lr" [0.01]
    OptimizerKind optimizer = OptimizerKind::from_genome;  ///< from_genome: gene "opt" [sgd]
    double momentum = -1.0;            ///< < 0: gene "mom" [0.9]
    double weight_decay = -1.0;        ///< < 0: gene "wd" [0]
    // ---- data and score
    double validation_fraction = 0.2;  ///< stratified split when no validation set is given
    std::uint64_t split_seed = 0;      ///< seed of that split (the same for every worker and job)
    ScoreMetric metric = ScoreMetric::accuracy;  ///< the validation score returned as the fitness
    std::int64_t eval_batch_size = 512;          ///< samples per batch when evaluating
    // ---- hardware
    std::string device = "cpu";        ///< cpu, cuda, cuda:N, auto (worker i: GPU i mod count, else cpu)
    int intra_op_threads = 1;          ///< LibTorch threads per operator, set on the worker's thread
    Precision precision = Precision::fp32;  ///< bf16 / fp16: mixed precision (fp16 on CUDA only)
    /// CUDA: cuDNN's benchmark mode (the fastest convolution algorithm per
    /// shape, timed once; nondeterministic). Process-wide, see
    /// apply_cuda_math_settings().
    bool cudnn_benchmark = false;
    /// CUDA: allow TensorFloat-32 in matrix products and convolutions
    /// (Ampere and later). Process-wide, see apply_cuda_math_settings().
    bool tf32 = false;
    /// Read the training loss back from the device (a host-device
    /// synchronisation) every this many batches, and at each epoch's end
    /// and report: the NaN and divergence checks happen then. 0: every
    /// batch on the CPU (where reading it costs nothing), every 50 on CUDA.
    std::int64_t loss_check_steps = 0;
    // ---- checks and output
    CnnLimits limits{};                ///< check() rejects networks above these (0: no limit)
    double divergence_factor = 1000.0; ///< fail when a batch loss exceeds this times the first one (0: off)
    std::filesystem::path model_dir;   ///< not empty: save each ok network as job-{id}.pt (+ .genome)
    /// Time each trained network's inference (libtorch/latency.hpp) and
    /// report it as the metric "latency_ms" (per sample), for runs that
    /// minimise or limit it. Default: not measured.
    LatencyOptions latency{};

    /// Throws ConfigError("TrainerOptions.<field>", ...) for the first bad field.
    void validate() const {
        const auto fail = [](const std::string& field, const std::string& problem) {
            throw ConfigError("TrainerOptions." + field, problem);
        };
        if (epochs < 0) fail("epochs", fmt::format("must be >= 0, got {}", epochs));
        if (!(time_budget_seconds >= 0.0) || std::isinf(time_budget_seconds)) {
            fail("time_budget_seconds", fmt::format("must be a finite number >= 0, got {}", time_budget_seconds));
        }
        if (max_steps < 0) fail("max_steps", fmt::format("must be >= 0, got {}", max_steps));
        if (report_every_steps < 0) fail("report_every_steps", fmt::format("must be >= 0, got {}", report_every_steps));
        for (const int e : report_epochs) {
            if (e < 1) fail("report_epochs", fmt::format("epochs must be >= 1, got {}", e));
        }
        if (!report_epochs.empty() && report_every_steps > 0) {
            fail("report_epochs", "cannot be combined with report_every_steps (reports either after given epochs or "
                                  "every k batches)");
        }
        if (batch_size < 0) fail("batch_size", fmt::format("must be >= 0, got {}", batch_size));
        if (!(learning_rate >= 0.0) || std::isinf(learning_rate)) {
            fail("learning_rate", fmt::format("must be a finite number >= 0, got {}", learning_rate));
        }
        if (std::isnan(momentum) || momentum >= 1.0) fail("momentum", fmt::format("must be < 1, got {}", momentum));
        if (std::isnan(weight_decay) || std::isinf(weight_decay)) {
            fail("weight_decay", fmt::format("must be finite, got {}", weight_decay));
        }
        if (!(validation_fraction > 0.0 && validation_fraction < 1.0)) {
            fail("validation_fraction", fmt::format("must be in (0, 1), got {}", validation_fraction));
        }
        if (eval_batch_size < 1) fail("eval_batch_size", fmt::format("must be >= 1, got {}", eval_batch_size));
        if (loss_check_steps < 0) fail("loss_check_steps", fmt::format("must be >= 0, got {}", loss_check_steps));
        if (intra_op_threads < 1) fail("intra_op_threads", fmt::format("must be >= 1, got {}", intra_op_threads));
        if (!(divergence_factor >= 0.0)) {
            fail("divergence_factor", fmt::format("must be >= 0, got {}", divergence_factor));
        }
        if (limits.max_params < 0 || !(limits.max_flops >= 0.0)) fail("limits", "limits must be >= 0");
        latency.validate();
    }
};

/// The epochs after which a trainer must validate and report so that the
/// run's stopper sees every decision it makes, for TrainerOptions::
/// report_epochs: for ASHA the rungs min_step * eta^k below `epochs`
/// (rounded up to whole epochs: a report at or after a rung records it);
/// empty (every epoch) for the median rule, which compares at every step,
/// and when `epochs` is 0 (taken from each genome). Nothing for no stopper.
inline std::vector<int> report_epochs_for(const EarlyStoppingOptions& stopping, int epochs) {
    std::vector<int> out;
    if (stopping.kind != EarlyStopping::asha || epochs <= 0 || !(stopping.min_step > 0.0) || !(stopping.eta > 1.0)) {
        return out;
    }
    for (double step = stopping.min_step; step < epochs; step *= stopping.eta) {
        const int e = static_cast<int>(std::ceil(step - 1e-9));  // a rung of 3.0000000001 is epoch 3
        if (e < epochs && (out.empty() || out.back() != e)) out.push_back(e);
    }
    return out;
}

}  // namespace evonas::libtorch
