// evonas: the options of the simulation driver: the machine (workers, the
// master's costs and latencies), the schedule, the job-time model and the
// failures to inject, validated in one place with messages naming the field.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <evonas/drivers/sim/cost_model.hpp>
#include <evonas/drivers/sim/learning_curve.hpp>
#include <evonas/engine/options.hpp>
#include <evonas/error.hpp>

namespace evonas::sim {

/// How jobs are handed out.
enum class Schedule {
    asynchronous,  ///< steady state: a worker that finishes gets the next job at once (the engine's own mode)
    generational,  ///< synchronous baseline: a generation of jobs is proposed, and the next only once all finished
};

/// "asynchronous" or "generational".
inline constexpr std::string_view to_string(Schedule s) noexcept {
    return s == Schedule::asynchronous ? "asynchronous" : "generational";
}

/// The master(s) as single servers: every result and every dispatch takes
/// master time, so with enough workers requests queue at the master and
/// workers idle. Latencies delay messages without taking master time.
struct MasterModel {
    double propose_seconds = 0.0;   ///< master time to breed and send one job (engine + messaging)
    double complete_seconds = 0.0;  ///< master time to receive and record one result
    double dispatch_latency = 0.0;  ///< from the master sending a job to the worker starting it
    double result_latency = 0.0;    ///< from a worker finishing to its result reaching the master
    /// Also charge the real time each propose()/complete() call took here
    /// (times measured_scale), with the run files' work in it when the run
    /// has a run_dir (lineage lines, and the checkpoints after a result):
    /// the master cost "measured from the real engine". Makes runs depend on
    /// this machine's speed (not reproducible).
    bool measured = false;
    double measured_scale = 1.0;  ///< factor on the measured times (with `measured`)
    /// One master per island, each serving its own contiguous block of
    /// workers (as the MPI driver's island masters do); else one master
    /// serves every worker and takes islands in turn.
    bool one_per_island = false;
};

/// A worker lost at a virtual time: the job it is training is lost (recorded
/// as failed) and it takes no more jobs.
struct WorkerDropout {
    std::size_t worker = 0;   ///< index of the worker lost
    double at_seconds = 0.0;  ///< virtual time at which it is lost
};

/// Failures to inject. Each job draws its fate from its own generator when
/// it is dispatched; the trainer is only called for jobs that finish.
struct FailureModel {
    double fail_fraction = 0.0;        ///< jobs that fail part-way (a uniform fraction of their time)
    double timeout_fraction = 0.0;     ///< jobs that hang until job_timeout_seconds (needs a timeout)
    double job_timeout_seconds = 0.0;  ///< a job's deadline (0: none); longer jobs are cut and time out
    std::vector<WorkerDropout> dropouts;  ///< workers lost during the run
};

/// Options of a simulated run: the evolution's own options plus the virtual
/// machine. The run's virtual length is evolution.stop.max_seconds (or until
/// another stop criterion ends it).
/// Example: `SimOptions{.evolution = {...}, .workers = 18688,
///                      .cost = CostModel::log_normal_with_mean(3380.9, 0.5)}`.
struct SimOptions {
    EvolutionOptions evolution{};                ///< islands, population, stop criteria (max_seconds is virtual)
    std::size_t workers = 1;                     ///< virtual workers
    Schedule schedule = Schedule::asynchronous;  ///< how jobs are handed out
    std::size_t generation_size = 0;  ///< generational: jobs per generation (0: one per worker)
    CostModel cost = CostModel::constant(1.0);   ///< each job's training time
    MasterModel master{};                        ///< the master's costs and latencies
    FailureModel failures{};                     ///< failures and dropouts to inject
    std::optional<double> target_score;  ///< report when the best first reaches it (does not stop the run)
    std::size_t series_points = 96;      ///< series intervals: this many with a time limit, else up to twice this
    std::filesystem::path run_dir;       ///< empty: write no files; else run.json, lineage, checkpoint, best
    std::uint64_t checkpoint_interval = 0;  ///< finished jobs between checkpoints (0: at the end only)
    /// With early stopping (EvolutionOptions::early_stopping or
    /// EvolutionOperators::stop): the steps a job's training is split into
    /// and the scores it reports after each; unused without a stopper.
    LearningCurve curve{};

    /// Throws ConfigError naming the field ("SimOptions.workers", ...).
    void validate() const {
        const auto fail = [](std::string_view field, const std::string& problem) {
            throw ConfigError(fmt::format("SimOptions.{}", field), problem);
        };
        const auto non_negative = [&](std::string_view field, double v) {
            if (!(v >= 0.0) || !std::isfinite(v)) fail(field, fmt::format("must be a finite number >= 0, got {}", v));
        };
        const auto fraction = [&](std::string_view field, double v) {
            if (!(v >= 0.0 && v <= 1.0)) fail(field, fmt::format("must be in [0, 1], got {}", v));
        };
        if (workers == 0) fail("workers", "must be at least 1, got 0");
        if (workers > (std::size_t{1} << 31)) fail("workers", fmt::format("must be at most 2^31, got {}", workers));
        if (cost.empty()) fail("cost", "is empty; give a CostModel (e.g. CostModel::constant(60))");
        non_negative("master.propose_seconds", master.propose_seconds);
        non_negative("master.complete_seconds", master.complete_seconds);
        non_negative("master.dispatch_latency", master.dispatch_latency);
        non_negative("master.result_latency", master.result_latency);
        non_negative("master.measured_scale", master.measured_scale);
        if (master.one_per_island && workers < evolution.islands) {
            fail("master.one_per_island", fmt::format("needs at least one worker per island ({} workers, {} islands)",
                                                      workers, evolution.islands));
        }
        fraction("failures.fail_fraction", failures.fail_fraction);
        fraction("failures.timeout_fraction", failures.timeout_fraction);
        if (failures.fail_fraction + failures.timeout_fraction > 1.0) {
            fail("failures", fmt::format("fail_fraction + timeout_fraction is {}, more than 1",
                                         failures.fail_fraction + failures.timeout_fraction));
        }
        non_negative("failures.job_timeout_seconds", failures.job_timeout_seconds);
        if (failures.timeout_fraction > 0.0 && failures.job_timeout_seconds == 0.0) {
            fail("failures.timeout_fraction", "needs failures.job_timeout_seconds > 0 (how long a hung job runs)");
        }
        for (std::size_t i = 0; i < failures.dropouts.size(); ++i) {
            const auto& d = failures.dropouts[i];
            if (d.worker >= workers) {
                fail(fmt::format("failures.dropouts[{}].worker", i),
                     fmt::format("worker {} does not exist (the run has {})", d.worker, workers));
            }
            non_negative(fmt::format("failures.dropouts[{}].at_seconds", i), d.at_seconds);
        }
        if (target_score && !std::isfinite(*target_score)) fail("target_score", "must be finite");
        if (series_points == 0) fail("series_points", "must be at least 1, got 0");
        curve.validate("SimOptions.curve");
        evolution.validate();
    }
};

}  // namespace evonas::sim
