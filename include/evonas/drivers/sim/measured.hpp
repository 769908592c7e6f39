// evonas: a finished run's measured job times, for the simulation driver:
// the training time and outcome of every job the run trained, and a cost
// model and trainer that resample them, so the simulator replays "jobs like
// this run's" on any number of workers (drivers/sim/forecast.hpp).
//
// A job's time is its line's end - start: the worker's time on the job,
// from the moment it began training to its result being recorded. The time
// from dispatch to start is not logged ("dispatched" lines carry no time),
// so the driver's gaps between jobs are not in it; the simulator adds its
// own (MasterModel) instead.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/drivers/sim/cost_model.hpp>
#include <evonas/engine/fitness.hpp>
#include <evonas/engine/trainer.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/io/run_log.hpp>
#include <evonas/random.hpp>

namespace evonas::sim {

/// The reason the drivers give a job still training when the run ended
/// (simulation and MPI): its time was cut, not measured.
inline constexpr std::string_view cut_off_reason = "stopped because the run ended";

/// One trained job of a run: how long it trained and how it ended.
struct MeasuredJob {
    std::uint64_t id = 0;                      ///< its job id in the run
    double seconds = 0.0;                      ///< training time: its line's end - start
    FitnessStatus status = FitnessStatus::ok;  ///< how it ended
    double score = 0.0;                        ///< its score (ok jobs)
    std::string reason;                        ///< why, when not ok
};

/// A run's measured job times and what the run itself achieved with them.
struct MeasuredJobs {
    std::filesystem::path dir;       ///< the run directory
    std::vector<MeasuredJob> jobs;   ///< every trained job but those cut off, in log order
    std::uint64_t trained = 0;       ///< jobs the run trained (cut-off ones included)
    std::uint64_t cut_off = 0;       ///< left out: timed out with cut_off_reason (their time is cut short)
    double wall_seconds = 0.0;       ///< the run's wall time (RunLog::wall_seconds)
    double busy_seconds = 0.0;       ///< worker-seconds spent training, cut-off jobs included
    /// The run's workers: the larger of run.json's and the distinct workers
    /// in its job lines (a resume may have used more).
    std::size_t workers = 0;
    std::size_t islands = 0;         ///< the run's islands (run.json)

    /// Mean training time of `jobs` (0 when empty).
    double mean_seconds() const noexcept {
        double sum = 0.0;
        for (const auto& j : jobs) sum += j.seconds;
        return jobs.empty() ? 0.0 : sum / static_cast<double>(jobs.size());
    }
    /// The training time below which a fraction `q` of `jobs` lies (nearest rank).
    double quantile_seconds(double q) const {
        if (jobs.empty()) return 0.0;
        std::vector<double> t;
        t.reserve(jobs.size());
        for (const auto& j : jobs) t.push_back(j.seconds);
        std::sort(t.begin(), t.end());
        const auto rank = static_cast<std::size_t>(std::clamp(q, 0.0, 1.0) * static_cast<double>(t.size() - 1) + 0.5);
        return t[rank];
    }
    /// Share of `jobs` that did not end ok (failed, timed out, invalid).
    double not_ok_fraction() const noexcept {
        std::size_t bad = 0;
        for (const auto& j : jobs) bad += j.status == FitnessStatus::ok ? 0 : 1;
        return jobs.empty() ? 0.0 : static_cast<double>(bad) / static_cast<double>(jobs.size());
    }
};

/// The measured job times of a run read back. Jobs that took no worker
/// time (rejected by the check, reused twins) are not in it, nor jobs cut
/// off by the run's end (counted in `cut_off`).
inline MeasuredJobs measured_job_times(const RunLog& log) {
    MeasuredJobs m;
    m.dir = log.dir;
    m.wall_seconds = log.wall_seconds;
    std::unordered_set<std::size_t> seen;
    for (const auto& job : log.jobs) {
        if (!job.trained) continue;
        ++m.trained;
        m.busy_seconds += job.seconds();
        seen.insert(job.worker);
        if (job.fitness.status == FitnessStatus::timed_out && job.fitness.reason == cut_off_reason) {
            ++m.cut_off;
            continue;
        }
        m.jobs.push_back({job.id, job.seconds(), job.fitness.status, job.fitness.score, job.fitness.reason});
    }
    std::size_t workers = 0, islands = 0;
    if (const auto it = log.run.find("workers"); it != log.run.end() && it->is_number_unsigned()) {
        workers = it->get<std::size_t>();
    }
    if (const auto o = log.run.find("options"); o != log.run.end() && o->is_object()) {
        if (const auto it = o->find("islands"); it != o->end() && it->is_number_unsigned()) islands = it->get<std::size_t>();
    }
    m.workers = std::max(workers, seen.size());
    m.islands = std::max<std::size_t>(islands, 1);
    return m;
}

/// measured_job_times() of the run in `run_dir` (IoError / ParseError as
/// read_run_log()).
inline MeasuredJobs measured_job_times(const std::filesystem::path& run_dir) {
    return measured_job_times(read_run_log(run_dir));
}

/// Draws, for each job id, one of a run's measured jobs: uniformly, with
/// replacement, from a generator seeded by (seed, job id). The cost model
/// and the trainer below ask it for the same id and get the same measured
/// job, so a simulated job's time and outcome come from one real job
/// together (a job that failed quickly stays a quick failure). Independent
/// of the order jobs are dispatched in. Thread safety: const, shareable.
class MeasuredResampler {
public:
    /// Resamples `jobs` with `seed`; ConfigError when there is none.
    MeasuredResampler(std::vector<MeasuredJob> jobs, std::uint64_t seed)
        : jobs_(std::make_shared<const std::vector<MeasuredJob>>(std::move(jobs))), seed_(seed) {
        if (jobs_->empty()) {
            throw ConfigError("measured jobs", "the run has no trained job whose time was measured: nothing to resample");
        }
    }

    /// The measured job drawn for job `id`.
    const MeasuredJob& pick(std::uint64_t id) const {
        Rng rng(derive_seed(seed_, id));
        return (*jobs_)[static_cast<std::size_t>(rng.below(jobs_->size()))];
    }

    /// A CostModel whose job times are pick(job id).seconds.
    CostModel cost_model() const {
        auto self = *this;
        return CostModel::custom("measured job times (resampled)", [self](const CostInput& in, Rng&) {
            return self.pick(in.job.id).seconds;
        });
    }

    /// The jobs resampled.
    const std::vector<MeasuredJob>& jobs() const noexcept { return *jobs_; }

private:
    std::shared_ptr<const std::vector<MeasuredJob>> jobs_;
    std::uint64_t seed_ = 0;
};

/// A trainer for the simulation driver that gives each job the outcome of
/// the measured job MeasuredResampler draws for it: its score when it was
/// ok, else its status and reason. Instant and deterministic.
struct MeasuredTrainer {
    MeasuredResampler jobs;  ///< the run's jobs, resampled

    /// "measured", the trainer's name in run files.
    std::string name() const { return "measured"; }
    /// The drawn job's fitness.
    Fitness evaluate(const Genome<LayerGene>&, const JobContext& ctx) const {
        const auto& m = jobs.pick(ctx.job_id);
        switch (m.status) {
            case FitnessStatus::ok: return Fitness::of(m.score);
            case FitnessStatus::failed: return Fitness::failed(m.reason);
            case FitnessStatus::timed_out: return Fitness::timed_out(m.reason);
            case FitnessStatus::invalid: return Fitness::invalid(m.reason);
        }
        return Fitness::failed(m.reason);
    }
};

}  // namespace evonas::sim
