// evonas: what a finished (or crashed, or running) run did, from its run
// directory alone: who ran it, what became of its jobs, its best networks
// (or Pareto front), how often each operator's children beat their parents,
// a timeline, its failures grouped, and the surrogate's and early
// stopping's work. The types are in io/run_report_types.hpp, the sections'
// computations in io/run_report_sections.hpp, _front.hpp and
// _summaries.hpp, the text and JSON forms in io/run_report_text.hpp
// (included here).
//
//     const auto report = evonas::read_run_report("my_run");
//     fmt::print("{}", evonas::format_run_report(report));
#pragma once

#include <algorithm>
#include <filesystem>

#include <evonas/io/run_log.hpp>
#include <evonas/io/run_report_front.hpp>
#include <evonas/io/run_report_sections.hpp>
#include <evonas/io/run_report_summaries.hpp>
#include <evonas/io/run_report_text.hpp>
#include <evonas/io/run_report_types.hpp>

namespace evonas {

/// The report of a run read back (see read_run_report()).
inline RunReport make_run_report(const RunLog& log, const RunReportOptions& options = {}) {
    RunReport r;
    r.dir = log.dir;
    r.identity = detail::report_identity(log);
    r.wall_seconds = log.wall_seconds;
    r.counts = detail::report_counts(log);
    for (const auto& job : log.jobs) r.busy_seconds += job.seconds();
    const auto workers = static_cast<double>(std::max(r.identity.workers, r.identity.workers_seen));
    if (workers > 0 && r.wall_seconds > 0) r.utilisation = r.busy_seconds / (workers * r.wall_seconds);
    if (r.wall_seconds > 0) r.jobs_per_hour = 3600.0 * static_cast<double>(r.counts.trained) / r.wall_seconds;
    r.top = detail::report_top(log, std::max<std::size_t>(options.top, 1));
    if (!r.top.empty()) r.best = r.top.front();
    if (r.top.size() > options.top) r.top.resize(options.top);
    if (!r.identity.objectives.empty()) {
        r.front = detail::report_front(log);
        r.top.clear();
    }
    r.operators = detail::report_operators(log);
    r.timeline = detail::report_timeline(log, options.timeline_bins);
    r.failures = detail::report_failures(log);
    if (r.failures.size() > options.failure_groups) {
        for (std::size_t i = options.failure_groups; i < r.failures.size(); ++i) {
            r.failures_not_listed += r.failures[i].count;
        }
        r.failures.resize(options.failure_groups);
    }
    r.surrogate = detail::report_surrogate(log);
    r.early_stopping = detail::report_early_stopping(log);
    r.migrations = log.migrations;
    r.warnings = log.warnings;
    r.torn_tail = log.torn_tail;
    return r;
}

/// Reads `run_dir` (run.json, lineage.jsonl, and pareto.json for a
/// multi-objective run) and computes its report. IoError when a file cannot
/// be read, ParseError naming the file and line when one is damaged; a torn
/// last lineage line is ignored (RunReport::torn_tail). Works for any
/// genome type (genomes stay text) and while the run is still going.
inline RunReport read_run_report(const std::filesystem::path& run_dir, const RunReportOptions& options = {}) {
    return make_run_report(read_run_log(run_dir), options);
}

}  // namespace evonas
