// evonas: the run report's types (io/run_report.hpp reads and computes
// it, io/run_report_text.hpp prints it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <evonas/engine/fitness.hpp>
#include <evonas/io/run_log.hpp>

namespace evonas {

/// What read_run_report() puts in the report.
struct RunReportOptions {
    std::size_t top = 10;            ///< best networks listed (single-objective runs)
    std::size_t timeline_bins = 10;  ///< equal bins the run's wall time is cut into
    std::size_t failure_groups = 20; ///< failure groups listed, most frequent first (the rest are summed)
};

/// Who ran the run and how, from run.json.
struct RunIdentity {
    std::string driver;            ///< "threads", "mpi", "sim" ("" when run.json does not say)
    std::size_t workers = 0;       ///< workers the run was started with (run.json)
    std::size_t workers_seen = 0;  ///< distinct workers in the job lines (a resume may have used more)
    std::size_t islands = 0;       ///< islands
    std::size_t population = 0;    ///< members per island
    std::uint64_t seed = 0;        ///< the run seed
    std::string preset;            ///< "regularized" or "classic"
    std::string evonas_version;    ///< the evonas that started it
    std::uint64_t max_evaluations = 0;  ///< the budget in networks (0: none)
    std::size_t seeds = 0;              ///< seed genomes given
    /// Multi-objective runs: each objective as "name (max|min)"; empty else.
    std::vector<std::string> objectives;
};

/// What became of the jobs (one count per job id; the categories do not
/// overlap and add up to `jobs`).
struct RunStatusCounts {
    std::uint64_t jobs = 0;           ///< job lines (finished jobs, trained or not)
    std::uint64_t trained = 0;        ///< of them sent to a worker: ok + stopped_early + failed + timed_out + invalid
    std::uint64_t ok = 0;             ///< trained and scored to the end
    std::uint64_t stopped_early = 0;  ///< trained, scored, told to stop early (metric "stopped_at")
    std::uint64_t failed = 0;         ///< the trainer threw, returned NaN, or its worker was lost
    std::uint64_t timed_out = 0;      ///< past the deadline, or cut off by the end of the run
    std::uint64_t invalid = 0;        ///< trained but found invalid by the trainer
    std::uint64_t rejected = 0;       ///< refused by the trainer's check before dispatch (no worker time)
    std::uint64_t duplicates = 0;     ///< a twin's fitness reused (no worker time)
    std::uint64_t unfinished = 0;     ///< dispatched, no result logged (in flight when the run stopped); not in `jobs`
};

/// One network as a report lists it.
struct ReportJob {
    std::uint64_t id = 0;                ///< job id
    double score = 0.0;                  ///< its score
    std::string genome;                  ///< canonical text
    std::string op;                      ///< how it was made
    std::string origin;                  ///< seed, random, bred, ...
    std::size_t island = 0;              ///< its island
    std::vector<std::uint64_t> parents;  ///< parent ids
    double seconds = 0.0;                ///< training time (end - start)
    double end = 0.0;                    ///< when it finished
    std::vector<Metric> metrics;         ///< every other metric the trainer reported
    /// Pareto front members: the objective values by name, in the run's order.
    std::vector<std::pair<std::string, double>> objectives;
};

/// A multi-objective run's front.
struct ReportFront {
    std::string source;                  ///< "pareto.json", or "lineage" when recomputed from the job lines
    std::vector<std::string> objectives; ///< "name (max|min)", in order
    std::optional<double> hypervolume;   ///< the front's hypervolume (none without a reference point)
    std::vector<ReportJob> members;      ///< best score first
};

/// How one operator's children did. A child is credited to every operator
/// its `op` names ("crossover:aligned_one_point+mutation:swap_layers" to
/// both), so the rows may add up to more than the children bred.
///
/// Definitions: `children` are the job lines with at least one parent whose
/// op names the operator, reused twins excepted (rejected children count:
/// the operator made an unusable network). A child `improved` when it was
/// trained, its status is ok and its score is strictly above the best ok
/// score among its parents (the ids its line records, looked up in the
/// lineage). success = improved / children.
struct OperatorStats {
    std::string name;                  ///< "mutation:insert_layer", "crossover:aligned_one_point", ...
    std::uint64_t children = 0;        ///< children it took part in making
    std::uint64_t ok = 0;              ///< of them trained and scored ok
    std::uint64_t improved = 0;        ///< of them scored above their best parent
    std::uint64_t parents_unknown = 0; ///< of them with no parent's ok score in the log (cannot improve)
    /// improved / children (0 without children).
    double success() const noexcept {
        return children ? static_cast<double>(improved) / static_cast<double>(children) : 0.0;
    }
};

/// One time bin of the timeline, [start, end) in seconds since the run started.
struct TimelineBin {
    double start = 0.0;               ///< bin start
    double end = 0.0;                 ///< bin end (the last bin includes the run's end)
    std::uint64_t finished = 0;       ///< trained jobs that finished in the bin
    std::uint64_t ok = 0;             ///< of them ok
    std::optional<double> best;       ///< best ok score of the jobs finished by the bin's end
    double busy_workers = 0.0;        ///< mean workers training in the bin (job start..end overlaps / bin length)
};

/// Failures of one kind: jobs with the same status and the same reason once
/// its numbers are replaced by '#' ("worker # dropped out at # s").
struct FailureGroup {
    std::string status;           ///< "failed", "timed_out", "invalid"
    std::string pattern;          ///< the reason with numbers as '#'
    std::uint64_t count = 0;      ///< jobs in the group
    std::uint64_t first_job = 0;  ///< the lowest job id in it
    std::string example;          ///< the reason of that job, as logged
};

/// The surrogate pre-screen's work: jobs with a "predicted" field.
struct SurrogateSummary {
    std::uint64_t screened = 0;       ///< jobs the surrogate picked
    std::uint64_t screened_ok = 0;    ///< of them trained ok (the ones compared below)
    double mean_candidates = 0.0;     ///< candidates each pick was made among, on average
    double mean_abs_error = 0.0;      ///< mean |predicted - actual score| over screened_ok
    double mean_spread = 0.0;         ///< mean predicted spread over screened_ok
    std::optional<double> spearman;   ///< rank correlation of predicted and actual (>= 3 jobs)
};

/// Early stopping's work: report lines and the jobs told to stop.
struct EarlyStoppingSummary {
    std::string kind;                  ///< the stopper in run.json ("asha", "median"), "" when not written
    std::uint64_t reports = 0;         ///< report lines
    std::uint64_t stop_decisions = 0;  ///< of them answered "stop"
    std::uint64_t stopped_jobs = 0;    ///< ok jobs with the metric "stopped_at"
    double mean_stopped_seconds = 0.0; ///< mean training time of the stopped jobs
    double mean_full_seconds = 0.0;    ///< mean training time of the ok jobs trained to the end
    double mean_stop_step = 0.0;       ///< mean step they were stopped at
};

/// Everything read_run_report() found in a run directory.
struct RunReport {
    std::filesystem::path dir;      ///< the run directory
    RunIdentity identity;           ///< from run.json
    double wall_seconds = 0.0;      ///< the run's wall time (RunLog::wall_seconds)
    double busy_seconds = 0.0;      ///< worker-seconds spent training (sum of trained jobs' end - start)
    /// busy / (workers * wall), workers the larger of identity.workers and
    /// identity.workers_seen; 0 when unknown.
    double utilisation = 0.0;
    double jobs_per_hour = 0.0;     ///< trained jobs per hour of wall time
    RunStatusCounts counts;         ///< what became of the jobs
    std::optional<ReportJob> best;  ///< the best trained ok network (highest score, then lowest id)
    std::vector<ReportJob> top;     ///< single-objective runs: the best `top`, highest score first
    std::optional<ReportFront> front;  ///< multi-objective runs: the Pareto front
    std::vector<OperatorStats> operators;  ///< by operator name
    std::vector<TimelineBin> timeline;     ///< RunReportOptions::timeline_bins bins over the wall time
    std::vector<FailureGroup> failures;    ///< most frequent first
    std::uint64_t failures_not_listed = 0; ///< jobs in groups beyond RunReportOptions::failure_groups
    std::optional<SurrogateSummary> surrogate;           ///< runs with the surrogate pre-screen
    std::optional<EarlyStoppingSummary> early_stopping;  ///< runs with a stopper (or report lines)
    std::size_t migrations = 0;              ///< migration lines
    std::vector<RunLogWarning> warnings;     ///< warning lines
    bool torn_tail = false;                  ///< the log's last line was torn (ignored)
};

}  // namespace evonas
