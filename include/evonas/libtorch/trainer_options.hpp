// evonas::libtorch: the options of a CnnTrainer, validated in one place
// with messages that name the field.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>

#include <fmt/format.h>

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
    // ---- checks and output
    CnnLimits limits{};                ///< check() rejects networks above these (0: no limit)
    double divergence_factor = 1000.0; ///< fail when a batch loss exceeds this times the first one (0: off)
    std::filesystem::path model_dir;   ///< not empty: save each ok network as job-{id}.pt (+ .genome)

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
        if (intra_op_threads < 1) fail("intra_op_threads", fmt::format("must be >= 1, got {}", intra_op_threads));
        if (!(divergence_factor >= 0.0)) {
            fail("divergence_factor", fmt::format("must be >= 0, got {}", divergence_factor));
        }
        if (limits.max_params < 0 || !(limits.max_flops >= 0.0)) fail("limits", "limits must be >= 0");
    }
};

}  // namespace evonas::libtorch
