// evonas: what a simulated run reports: networks evaluated, worker
// utilisation, the idle-time distribution and its causes, the master's busy
// fraction, time to reach a target score, per island, jobs stopped early
// and the training they saved, and a utilisation-over-time series; as JSON
// and as a human summary, and several runs side by side.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace evonas::sim {

/// Job counts of a simulated run, as the simulator saw them.
struct SimJobCounts {
    std::uint64_t proposed = 0;   ///< jobs handed to workers
    std::uint64_t evaluated = 0;  ///< results that reached the master before the end (any status)
    std::uint64_t ok = 0;         ///< evaluated with an ok fitness
    std::uint64_t failed = 0;     ///< injected failures and trainer failures
    std::uint64_t timed_out = 0;  ///< injected hangs and jobs past their deadline
    std::uint64_t lost = 0;       ///< jobs whose worker dropped out
    std::uint64_t requeued = 0;   ///< ... of which sent to another worker (the others: recorded failed)
    std::uint64_t cut_off = 0;    ///< in flight when the run ended (recorded as timed out)
    std::uint64_t invalid = 0;    ///< rejected by the trainer's check before dispatch (no worker time)
    std::uint64_t duplicates = 0; ///< children identical to an earlier genome (the engine's count)
    std::uint64_t stopped_early = 0;  ///< of `ok`: stopped by the stopper before their last step
};

/// One bin of the idle-gap histogram: gaps of length in [lo, hi).
struct HistogramBin {
    double lo = 0.0;          ///< shortest gap of the bin (seconds)
    double hi = 0.0;          ///< end of the bin (seconds, exclusive)
    std::uint64_t count = 0;  ///< gaps in the bin
};

/// The idle periods of the workers. A gap runs from the end of one job's
/// training (or the start of the run) to the start of the next job's; its
/// causes add up to its length. Quantiles are the upper edges of their
/// histogram bins (4 bins per decade, so within a factor 1.78).
struct IdleReport {
    std::uint64_t gaps = 0;      ///< number of idle gaps
    double total_seconds = 0.0;  ///< idle worker-seconds in all
    double mean_seconds = 0.0;   ///< mean gap
    double max_seconds = 0.0;    ///< longest gap
    double p50_seconds = 0.0;    ///< median gap (upper bin edge)
    double p90_seconds = 0.0;    ///< 90th percentile gap (upper bin edge)
    double p99_seconds = 0.0;    ///< 99th percentile gap (upper bin edge)
    double latency_seconds = 0.0;  ///< of the total: messages in flight
    double master_seconds = 0.0;   ///< of the total: queued at, or served by, the master
    double no_work_seconds = 0.0;  ///< of the total: nothing to do (generation barrier)
    double at_end_seconds = 0.0;   ///< idle time no job ended (idle when the run ended, or out of work)
    std::vector<HistogramBin> histogram;  ///< non-empty bins, shortest first (a first bin [0, 0) counts zero-length gaps)
};

/// One island's share of a run.
struct IslandReport {
    std::size_t island = 0;            ///< island index
    std::uint64_t evaluated = 0;       ///< results recorded for the island
    std::uint64_t ok = 0;              ///< of them, ok
    std::optional<double> best_score;  ///< the island's best ok score, if any
    std::optional<double> time_to_target;        ///< virtual seconds until this island's best reached the target
    std::optional<double> master_busy_fraction;  ///< with one master per island
};

/// One point of the utilisation-over-time series: the interval [start, end).
struct SeriesPoint {
    double start = 0.0;          ///< interval start (virtual seconds)
    double end = 0.0;            ///< interval end (virtual seconds, exclusive)
    double utilisation = 0.0;    ///< busy worker-seconds / available worker-seconds
    double master_busy = 0.0;    ///< busy master-seconds / master-seconds
    std::uint64_t finished = 0;  ///< results the master recorded
    std::optional<double> best_score;  ///< best ok score at the end of the interval
};

/// Everything a simulated run measured. Virtual seconds unless named real.
struct SimReport {
    std::string schedule;          ///< "asynchronous" or "generational"
    std::size_t workers = 0;       ///< virtual workers
    std::size_t islands = 0;       ///< islands of the evolution
    std::size_t masters = 0;       ///< simulated masters (1, or one per island)
    double virtual_seconds = 0.0;  ///< when the run ended
    std::string stop_reason;       ///< the stop criterion that ended it (empty: ran out of work)
    SimJobCounts jobs;             ///< what happened to the jobs
    std::uint64_t generations = 0;  ///< generational schedule: generations completed
    double busy_seconds = 0.0;       ///< worker-seconds spent training (including wasted)
    double available_seconds = 0.0;  ///< worker-seconds the workers were alive
    double utilisation = 0.0;        ///< busy / available
    double wasted_seconds = 0.0;     ///< of busy: on jobs that failed, timed out, were lost or cut off
    bool early_stopping = false;     ///< the run had a stopper (jobs reported along a LearningCurve)
    double saved_seconds = 0.0;      ///< training the jobs stopped early did not do (the rest of their time)
    double master_busy_fraction = 0.0;  ///< mean over the masters
    double master_busy_max = 0.0;       ///< the busiest master
    IdleReport idle;                     ///< the workers' idle gaps and their causes
    std::optional<double> target_score;  ///< SimOptions::target_score
    std::optional<double> time_to_target;  ///< virtual seconds until the best reached target_score
    std::optional<double> best_score;      ///< the best ok score, if any
    std::vector<IslandReport> per_island;  ///< one entry per island
    std::vector<SeriesPoint> series;       ///< utilisation over time
    nlohmann::json setup;  ///< the cost model, master model and failures simulated
    double real_seconds = 0.0;         ///< wall time of the whole simulation here
    double engine_real_seconds = 0.0;  ///< of it: inside the engine's propose()/complete()
    double engine_us_per_job = 0.0;    ///< engine real time per proposed job, microseconds
};

namespace detail {
inline nlohmann::json optional_json(const std::optional<double>& v) {
    return v && std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

/// "12.3 s", "4.5 ms", "2 h 03 m".
inline std::string human_seconds(double s) {
    if (!std::isfinite(s)) return "-";
    if (s == 0.0) return "0 s";
    if (s < 1e-3) return fmt::format("{:.1f} us", s * 1e6);
    if (s < 1.0) return fmt::format("{:.1f} ms", s * 1e3);
    if (s < 120.0) return fmt::format("{:.1f} s", s);
    if (s < 7200.0) return fmt::format("{:.1f} min", s / 60.0);
    const auto m = static_cast<long long>(s / 60.0 + 0.5);
    return fmt::format("{} h {:02} m", m / 60, m % 60);
}
}  // namespace detail

/// The report as JSON; the series is left out when `with_series` is false.
inline nlohmann::json to_json(const SimReport& r, bool with_series = true) {
    using detail::optional_json;
    const auto& j = r.jobs;
    nlohmann::json idle{{"gaps", r.idle.gaps},
                        {"total_seconds", r.idle.total_seconds},
                        {"mean_seconds", r.idle.mean_seconds},
                        {"max_seconds", r.idle.max_seconds},
                        {"p50_seconds", r.idle.p50_seconds},
                        {"p90_seconds", r.idle.p90_seconds},
                        {"p99_seconds", r.idle.p99_seconds},
                        {"causes", {{"latency_seconds", r.idle.latency_seconds},
                                    {"master_seconds", r.idle.master_seconds},
                                    {"no_work_seconds", r.idle.no_work_seconds}}},
                        {"at_end_seconds", r.idle.at_end_seconds}};
    nlohmann::json bins = nlohmann::json::array();
    for (const auto& b : r.idle.histogram) bins.push_back({b.lo, b.hi, b.count});
    idle["histogram"] = std::move(bins);
    nlohmann::json islands = nlohmann::json::array();
    for (const auto& i : r.per_island) {
        islands.push_back({{"island", i.island}, {"evaluated", i.evaluated}, {"ok", i.ok},
                           {"best_score", optional_json(i.best_score)},
                           {"time_to_target", optional_json(i.time_to_target)},
                           {"master_busy_fraction", optional_json(i.master_busy_fraction)}});
    }
    nlohmann::json out{
        {"schedule", r.schedule}, {"workers", r.workers}, {"islands", r.islands}, {"masters", r.masters},
        {"virtual_seconds", r.virtual_seconds}, {"stop_reason", r.stop_reason},
        {"jobs", {{"proposed", j.proposed}, {"evaluated", j.evaluated}, {"ok", j.ok}, {"failed", j.failed},
                  {"timed_out", j.timed_out}, {"lost", j.lost}, {"requeued", j.requeued}, {"cut_off", j.cut_off},
                  {"invalid", j.invalid}, {"duplicates", j.duplicates}, {"stopped_early", j.stopped_early}}},
        {"generations", r.generations},
        {"busy_seconds", r.busy_seconds}, {"available_seconds", r.available_seconds},
        {"utilisation", r.utilisation}, {"wasted_seconds", r.wasted_seconds},
        {"early_stopping", r.early_stopping}, {"saved_seconds", r.saved_seconds},
        {"master_busy_fraction", r.master_busy_fraction}, {"master_busy_max", r.master_busy_max},
        {"idle", std::move(idle)},
        {"target_score", optional_json(r.target_score)}, {"time_to_target", optional_json(r.time_to_target)},
        {"best_score", optional_json(r.best_score)},
        {"per_island", std::move(islands)},
        {"setup", r.setup},
        {"real", {{"seconds", r.real_seconds}, {"engine_seconds", r.engine_real_seconds},
                  {"engine_us_per_job", r.engine_us_per_job}}}};
    if (with_series) {
        nlohmann::json series = nlohmann::json::array();
        for (const auto& p : r.series) {
            series.push_back({{"start", p.start}, {"end", p.end}, {"utilisation", p.utilisation},
                              {"master_busy", p.master_busy}, {"finished", p.finished},
                              {"best_score", optional_json(p.best_score)}});
        }
        out["series"] = std::move(series);
    }
    return out;
}

/// A few lines for people: what ran, how much got done, where time went.
inline std::string summary(const SimReport& r) {
    using detail::human_seconds;
    const auto& j = r.jobs;
    std::string s = fmt::format("{} schedule, {} workers, {} island(s), {} master(s), {} virtual ({})\n",
                                r.schedule, r.workers, r.islands, r.masters, human_seconds(r.virtual_seconds),
                                r.stop_reason.empty() ? "ran out of work" : r.stop_reason);
    s += fmt::format("  networks evaluated {} (ok {}, failed {}, timed out {}, lost {} of which {} sent again), cut off "
                     "at the end {}\n",
                     j.evaluated, j.ok, j.failed, j.timed_out, j.lost, j.requeued, j.cut_off);
    s += fmt::format("  worker utilisation {:.1f}% ({:.1f}% of busy time wasted), master busy {:.2f}% (max {:.2f}%)\n",
                     100.0 * r.utilisation, r.busy_seconds > 0 ? 100.0 * r.wasted_seconds / r.busy_seconds : 0.0,
                     100.0 * r.master_busy_fraction, 100.0 * r.master_busy_max);
    s += fmt::format("  idle gaps {}: median <= {}, p90 <= {}, p99 <= {}, max {}; causes: latency {}, master {}, "
                     "no work {}; idle at the end {}\n",
                     r.idle.gaps, human_seconds(r.idle.p50_seconds), human_seconds(r.idle.p90_seconds),
                     human_seconds(r.idle.p99_seconds), human_seconds(r.idle.max_seconds),
                     human_seconds(r.idle.latency_seconds), human_seconds(r.idle.master_seconds),
                     human_seconds(r.idle.no_work_seconds), human_seconds(r.idle.at_end_seconds));
    if (r.generations) s += fmt::format("  generations completed {}\n", r.generations);
    if (r.early_stopping) {
        s += fmt::format("  stopped early {} of {} ok networks, training saved {} ({:.1f} worker-days)\n",
                         j.stopped_early, j.ok, human_seconds(r.saved_seconds), r.saved_seconds / 86400.0);
    }
    s += fmt::format("  best score {}", r.best_score ? fmt::format("{:.4f}", *r.best_score) : std::string("-"));
    if (r.target_score) {
        s += fmt::format(", target {:.4f} reached after {}", *r.target_score,
                         r.time_to_target ? human_seconds(*r.time_to_target) : std::string("never"));
    }
    s += fmt::format("\n  real time {:.2f} s (engine {:.2f} s, {:.2f} us per job)\n", r.real_seconds,
                     r.engine_real_seconds, r.engine_us_per_job);
    return s;
}

/// Several runs side by side, one column each (e.g. the asynchronous
/// engine and the generational baseline on the same machine).
inline std::string comparison_table(std::span<const SimReport> reports) {
    using detail::human_seconds;
    struct Row {
        std::string name;
        std::vector<std::string> cells;
    };
    std::vector<Row> rows{{"schedule", {}}, {"workers", {}}, {"islands / masters", {}},
                          {"virtual time", {}}, {"networks evaluated", {}}, {"ok", {}},
                          {"worker utilisation", {}}, {"master busy", {}}, {"median idle gap", {}},
                          {"best score", {}}, {"time to target", {}}, {"real seconds", {}}};
    // Early stopping's rows only when a run had a stopper (tables of runs
    // without one are as before).
    const bool stopping =
        std::any_of(reports.begin(), reports.end(), [](const SimReport& r) { return r.early_stopping; });
    if (stopping) {
        rows.insert(rows.begin() + 6, {{"stopped early", {}}, {"training saved", {}}});
    }
    for (const auto& r : reports) {
        std::size_t k = 0;
        rows[k++].cells.push_back(r.schedule);
        rows[k++].cells.push_back(fmt::format("{}", r.workers));
        rows[k++].cells.push_back(fmt::format("{} / {}", r.islands, r.masters));
        rows[k++].cells.push_back(human_seconds(r.virtual_seconds));
        rows[k++].cells.push_back(fmt::format("{}", r.jobs.evaluated));
        rows[k++].cells.push_back(fmt::format("{}", r.jobs.ok));
        if (stopping) {
            rows[k++].cells.push_back(r.early_stopping ? fmt::format("{}", r.jobs.stopped_early) : "-");
            rows[k++].cells.push_back(r.early_stopping ? human_seconds(r.saved_seconds) : "-");
        }
        rows[k++].cells.push_back(fmt::format("{:.1f}%", 100.0 * r.utilisation));
        rows[k++].cells.push_back(fmt::format("{:.2f}%", 100.0 * r.master_busy_fraction));
        rows[k++].cells.push_back(human_seconds(r.idle.p50_seconds));
        rows[k++].cells.push_back(r.best_score ? fmt::format("{:.4f}", *r.best_score) : "-");
        rows[k++].cells.push_back(!r.target_score ? "-" : r.time_to_target ? human_seconds(*r.time_to_target) : "never");
        rows[k++].cells.push_back(fmt::format("{:.2f}", r.real_seconds));
    }
    std::size_t name_width = 0;
    std::vector<std::size_t> widths(reports.size(), 0);
    for (const auto& row : rows) {
        name_width = std::max(name_width, row.name.size());
        for (std::size_t c = 0; c < row.cells.size(); ++c) widths[c] = std::max(widths[c], row.cells[c].size());
    }
    std::string out;
    for (const auto& row : rows) {
        out += fmt::format("{:<{}}", row.name, name_width);
        for (std::size_t c = 0; c < row.cells.size(); ++c) out += fmt::format("  {:>{}}", row.cells[c], widths[c]);
        out += '\n';
    }
    return out;
}

}  // namespace evonas::sim
