// evonas tool: the commands that read a run directory: `report` (what the
// run did: best networks or front, operators, timeline, failures) and
// `simulate` (how long the same search would take on other workers, from
// the run's measured job times).
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <evonas/drivers/sim/forecast.hpp>
#include <evonas/io/run_report.hpp>
#include <evonas/io/run_report_text.hpp>

namespace evonas::tool {

/// Options of `report`.
struct ReportOptions {
    std::string run_dir;     ///< the run directory
    bool json = false;       ///< JSON instead of text
    RunReportOptions report; ///< top, timeline bins, failure groups
};

/// Adds `report` to `app`.
inline CLI::App* add_report_command(CLI::App& app, ReportOptions& r) {
    auto* cmd = app.add_subcommand("report", "what a run did, from its lineage: best networks (or the Pareto front), "
                                             "success per operator, timeline, failures");
    cmd->add_option("run_dir", r.run_dir, "the run directory")->required()->check(CLI::ExistingDirectory);
    cmd->add_flag("--json", r.json, "print JSON instead of text");
    cmd->add_option("--top", r.report.top, "best networks listed")->capture_default_str();
    cmd->add_option("--timeline-bins", r.report.timeline_bins, "equal time bins of the timeline")
        ->check(CLI::PositiveNumber)->capture_default_str();
    return cmd;
}

/// `evonas report`.
inline int run_report(const ReportOptions& r) {
    const auto report = read_run_report(r.run_dir, r.report);
    if (r.json) fmt::print("{}\n", run_report_json(report).dump(2));
    else fmt::print("{}", format_run_report(report));
    return 0;
}

/// Options of `simulate`.
struct SimulateOptions {
    std::string run_dir;      ///< the run directory
    bool json = false;        ///< JSON instead of text
    sim::ForecastOptions forecast; ///< workers, islands, jobs, seed
};

/// Adds `simulate` to `app`.
inline CLI::App* add_simulate_command(CLI::App& app, SimulateOptions& s) {
    auto* cmd = app.add_subcommand("simulate", "how long this search would take on N workers (GPUs, nodes): the "
                                               "simulation driver replays the run's measured job times");
    cmd->add_option("run_dir", s.run_dir, "the run directory")->required()->check(CLI::ExistingDirectory);
    cmd->add_option("--workers", s.forecast.workers, "workers to simulate (0: the run's)")->capture_default_str();
    cmd->add_option("--islands", s.forecast.islands, "islands (0: the run's)")->capture_default_str();
    cmd->add_option("--jobs", s.forecast.jobs, "networks to train (0: as many as the run did)")->capture_default_str();
    cmd->add_option("--seed", s.forecast.seed, "seed of the simulation")->capture_default_str();
    cmd->add_flag("--json", s.json, "print JSON instead of text");
    return cmd;
}

/// `evonas simulate`.
inline int run_simulate(const SimulateOptions& s) {
    const auto f = sim::forecast_run(s.run_dir, s.forecast);
    if (s.json) fmt::print("{}\n", sim::forecast_json(f).dump(2));
    else fmt::print("{}", sim::format_forecast(f));
    return 0;
}

}  // namespace evonas::tool
