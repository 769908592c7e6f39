// evonas: how long a job trains in the simulation driver. A CostModel draws
// each job's training time (virtual seconds) from the job and a per-job
// random generator, so a job's time does not depend on the order in which
// the simulator happens to dispatch jobs.
//
//     auto cost = evonas::sim::CostModel::log_normal_with_mean(3380.9, 0.5);
//     auto flops = evonas::sim::CostModel::proportional(1e-12, 0.1,
//                      evonas::sim::cnn_training_flops(space, {.dims = 2, .size = 32}));
#pragma once

#include <cmath>
#include <cstddef>
#include <functional>
#include <numbers>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/engine/individual.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/random.hpp>

namespace evonas::sim {

/// A standard normal draw from two Rng uniforms (Box-Muller). The uniforms
/// are portable; the C library's log and cos may differ in the last bit
/// between C libraries, which is the price of a true normal.
inline double standard_normal(Rng& rng) noexcept {
    const double u1 = 1.0 - rng.uniform();  // (0, 1]: log is finite
    const double u2 = rng.uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

/// A log-normal factor with median 1: exp(sigma * Z).
inline double log_normal_factor(Rng& rng, double sigma) noexcept {
    return sigma == 0.0 ? 1.0 : std::exp(sigma * standard_normal(rng));
}

/// What a cost model sees of one job when it draws the job's training time.
struct CostInput {
    const Job<Genome<LayerGene>>& job;  ///< the job (genome, id, island)
    std::size_t worker = 0;             ///< the virtual worker that trains it
    double estimate = 1.0;  ///< the trainer's cost(genome) when the model asks for it, else 1.0
};

/// Draws the training time (virtual seconds, >= 0) of each job. Built-ins:
/// constant, log-normal around a median (or with a given mean), proportional
/// to an estimate of the genome's work (FLOPs, parameters, or the trainer's
/// own cost(genome)) times a log-normal noise factor; or any callable.
/// Thread safety: a plain value; draw() is const.
class CostModel {
public:
    /// A custom model: (job, per-job generator) -> training seconds.
    using Function = std::function<double(const CostInput&, Rng&)>;
    /// Work of a genome in arbitrary units (e.g. training FLOPs).
    using Estimator = std::function<double(const Genome<LayerGene>&)>;

    CostModel() = default;  ///< empty: SimOptions::validate() refuses it

    /// Every job trains exactly `seconds`.
    static CostModel constant(double seconds) {
        check_nonnegative("CostModel.constant.seconds", seconds);
        return CostModel([seconds](const CostInput&, Rng&) { return seconds; },
                         {{"kind", "constant"}, {"seconds", seconds}}, false);
    }

    /// Log-normal training times: median `median_seconds`, log standard
    /// deviation `sigma` (mean = median * exp(sigma^2 / 2)).
    static CostModel log_normal(double median_seconds, double sigma) {
        check_nonnegative("CostModel.log_normal.median_seconds", median_seconds);
        check_nonnegative("CostModel.log_normal.sigma", sigma);
        return CostModel(
            [median_seconds, sigma](const CostInput&, Rng& rng) {
                return median_seconds * log_normal_factor(rng, sigma);
            },
            {{"kind", "log_normal"},
             {"median_seconds", median_seconds},
             {"sigma", sigma},
             {"mean_seconds", median_seconds * std::exp(sigma * sigma / 2.0)}},
            false);
    }

    /// Log-normal training times with the given mean (e.g. the mean that
    /// makes N networks in T hours on P nodes: T * 3600 * P / N).
    static CostModel log_normal_with_mean(double mean_seconds, double sigma) {
        check_nonnegative("CostModel.log_normal_with_mean.mean_seconds", mean_seconds);
        check_nonnegative("CostModel.log_normal_with_mean.sigma", sigma);
        return log_normal(mean_seconds / std::exp(sigma * sigma / 2.0), sigma);
    }

    /// seconds_per_unit * estimate(genome) * a log-normal noise factor with
    /// median 1 and log standard deviation `noise_sigma`. Without an
    /// estimator the trainer's optional cost(genome) is used (1.0 if none).
    static CostModel proportional(double seconds_per_unit, double noise_sigma = 0.0, Estimator estimate = {}) {
        check_nonnegative("CostModel.proportional.seconds_per_unit", seconds_per_unit);
        check_nonnegative("CostModel.proportional.noise_sigma", noise_sigma);
        const bool use_trainer = !estimate;
        nlohmann::json description{{"kind", "proportional"},
                                   {"seconds_per_unit", seconds_per_unit},
                                   {"noise_sigma", noise_sigma},
                                   {"estimate", use_trainer ? "trainer cost()" : "estimator"}};
        return CostModel(
            [seconds_per_unit, noise_sigma, estimate = std::move(estimate)](const CostInput& in, Rng& rng) {
                const double work = estimate ? estimate(in.job.genome) : in.estimate;
                return seconds_per_unit * work * log_normal_factor(rng, noise_sigma);
            },
            std::move(description), use_trainer, !use_trainer);
    }

    /// Any callable (job, worker, estimate) + Rng -> seconds. Draw all
    /// randomness from the Rng given (it is seeded per job) to keep the run
    /// reproducible. `uses_trainer_estimate`: fill CostInput::estimate from
    /// the trainer's cost(genome).
    static CostModel custom(std::string name, Function function, bool uses_trainer_estimate = false) {
        if (!function) throw ConfigError("CostModel.custom.function", "is empty");
        return CostModel(std::move(function), {{"kind", "custom"}, {"name", std::move(name)}},
                         uses_trainer_estimate, true);
    }

    /// True for a default-constructed model (no function).
    bool empty() const noexcept { return !function_; }
    /// True when draw() needs CostInput::estimate from the trainer's cost(genome).
    bool uses_trainer_estimate() const noexcept { return uses_trainer_estimate_; }
    /// True when draw() may read CostInput::job.genome (an estimator of
    /// the layer genome, or a custom function): such a model cannot time a
    /// genome type of your own, whose jobs it sees without their genome.
    bool reads_genome() const noexcept { return reads_genome_; }
    /// What the model is, for reports: {"kind": ..., parameters}.
    const nlohmann::json& description() const noexcept { return description_; }

    /// The training time of one job. Throws Error when the model returns a
    /// negative or non-finite time (a custom model's bug, named with the job).
    double draw(const CostInput& in, Rng& rng) const {
        const double seconds = function_(in, rng);
        if (!(seconds >= 0.0) || !std::isfinite(seconds)) {
            throw Error(fmt::format("the cost model ({}) returned {} seconds for job {}; a training time must be "
                                    "finite and >= 0",
                                    description_.value("kind", "?"), seconds, in.job.id));
        }
        return seconds;
    }

private:
    CostModel(Function f, nlohmann::json description, bool uses_estimate, bool reads_genome = false)
        : function_(std::move(f)),
          description_(std::move(description)),
          uses_trainer_estimate_(uses_estimate),
          reads_genome_(reads_genome) {}

    static void check_nonnegative(const char* field, double value) {
        if (!(value >= 0.0) || !std::isfinite(value)) {
            throw ConfigError(field, fmt::format("must be a finite number >= 0, got {}", value));
        }
    }

    Function function_;
    nlohmann::json description_;
    bool uses_trainer_estimate_ = false;
    bool reads_genome_ = false;
};

}  // namespace evonas::sim
