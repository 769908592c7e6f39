// evonas: "how long would this search take on N workers?" A finished run's
// measured job times (drivers/sim/measured.hpp) fed to the simulation
// driver: the real engine proposes the jobs, and each job trains for the
// time, and ends as, a job of the run drawn at random (with replacement).
//
//     const auto f = evonas::sim::forecast_run("my_run", {.workers = 64});
//     fmt::print("{}", evonas::sim::format_forecast(f));
//
// What it assumes: job times and outcomes are independent draws from the
// run's (no dependence on the genome, on time, or on how many jobs run at
// once, e.g. shared I/O or GPUs); workers are identical and never lost;
// the master's time per job is zero and messages take dispatch_latency and
// result_latency. What it ignores: the driver's own gaps between jobs (not
// logged), jobs cut off by the run's end, the trainer's check (rejected
// genomes cost no worker time), early stopping (its effect is already in
// the measured times) and the surrogate. The calibration (the simulator on
// the run's own workers and jobs) shows how much those leave out.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/drivers/sim.hpp>
#include <evonas/drivers/sim/measured.hpp>
#include <evonas/io/run_directory.hpp>
#include <evonas/io/run_log.hpp>
#include <evonas/io/run_report_text.hpp>
#include <evonas/space/cnn_space.hpp>
#include <evonas/space/space_json.hpp>

namespace evonas::sim {

/// What to forecast. Zeros take the run's own value.
struct ForecastOptions {
    std::size_t workers = 0;        ///< workers to forecast for (0: the run's)
    std::size_t islands = 0;        ///< islands (0: the run's)
    std::uint64_t jobs = 0;         ///< networks to train (0: as many as the run's measured jobs)
    std::uint64_t seed = 1;         ///< seeds the resampling and the simulated engine: same seed, same forecast
    double dispatch_latency = 0.0;  ///< seconds from a job's dispatch to its start (MasterModel::dispatch_latency)
    double result_latency = 0.0;    ///< seconds from a job's end to its result reaching the master
    /// Also simulate the run's own workers and job count, to compare the
    /// model with what the run measured (SimulationForecast::calibration).
    bool calibrate = true;
};

/// One side of the comparison: a run measured, or simulated.
struct ForecastSide {
    std::size_t workers = 0;     ///< workers
    std::uint64_t jobs = 0;      ///< networks trained
    double wall_seconds = 0.0;   ///< wall time (simulated: the makespan)
    double jobs_per_hour = 0.0;  ///< jobs / wall time
    double utilisation = 0.0;    ///< busy worker-seconds / (workers * wall time)
};

/// What forecast_run() predicts, next to what the run measured.
struct SimulationForecast {
    std::filesystem::path dir;   ///< the run directory
    ForecastOptions options;     ///< as given, zeros resolved to the run's values
    std::size_t sample = 0;      ///< measured jobs resampled
    std::uint64_t cut_off = 0;   ///< the run's jobs left out (cut by its end)
    double mean_job_seconds = 0.0;    ///< mean measured training time
    double median_job_seconds = 0.0;  ///< median measured training time
    double not_ok_fraction = 0.0;     ///< share of the measured jobs that did not end ok
    /// The space the simulated engine bred in: "run" (run.json's), or
    /// "cnn_space(1)" standing in when run.json's is not a layer-genome
    /// space (genomes do not change the timing here).
    std::string space;
    ForecastSide measured;                  ///< the run as it happened
    std::optional<ForecastSide> calibration;  ///< the simulator on the run's own workers and jobs
    ForecastSide forecast;                  ///< the simulator on ForecastOptions' workers and jobs
    SimReport report;                       ///< the simulator's full report of the forecast
};

namespace detail {

inline ForecastSide side_of(const SimReport& r) {
    return {r.workers, r.jobs.evaluated, r.virtual_seconds,
            r.virtual_seconds > 0 ? 3600.0 * static_cast<double>(r.jobs.evaluated) / r.virtual_seconds : 0.0,
            r.utilisation};
}

}  // namespace detail

/// Forecasts the run in `run_dir` on `o.workers` workers: reads its
/// measured job times, runs the simulation driver (the real engine, with
/// the run's space, population and preset, `o.islands` islands, duplicates
/// allowed, no early stopping, surrogate or objectives) until `o.jobs`
/// networks are trained, each job's time and outcome drawn from the run's
/// (MeasuredResampler), and returns the prediction with the run's own
/// figures. Deterministic for a seed. IoError / ParseError when the run
/// directory cannot be read, ConfigError when it has no measured job.
inline SimulationForecast forecast_run(const std::filesystem::path& run_dir, const ForecastOptions& o = {}) {
    const auto log = read_run_log(run_dir);
    const auto measured = measured_job_times(log);
    SimulationForecast f;
    f.dir = run_dir;
    f.options = o;
    if (f.options.workers == 0) f.options.workers = std::max<std::size_t>(measured.workers, 1);
    if (f.options.islands == 0) f.options.islands = measured.islands;
    if (f.options.jobs == 0) f.options.jobs = measured.jobs.size();
    f.sample = measured.jobs.size();
    f.cut_off = measured.cut_off;
    f.mean_job_seconds = measured.mean_seconds();
    f.median_job_seconds = measured.quantile_seconds(0.5);
    f.not_ok_fraction = measured.not_ok_fraction();
    f.measured = {measured.workers, measured.trained, measured.wall_seconds,
                  measured.wall_seconds > 0 ? 3600.0 * static_cast<double>(measured.trained) / measured.wall_seconds : 0.0,
                  measured.workers && measured.wall_seconds > 0
                      ? measured.busy_seconds / (static_cast<double>(measured.workers) * measured.wall_seconds)
                      : 0.0};
    const MeasuredResampler resampler(measured.jobs, f.options.seed);

    SearchSpace space = cnn_space(1);
    f.space = "cnn_space(1)";
    if (const auto it = log.run.find("space"); it != log.run.end()) {
        try {
            space = space_from_json(*it);
            f.space = "run";
        } catch (const Error&) {  // a genome type of the user's own: keep the stand-in
        } catch (const nlohmann::json::exception&) {
        }
    }
    const auto options_json = log.run.contains("options") ? log.run.at("options") : nlohmann::json::object();
    const auto simulate_on = [&](std::size_t workers, std::size_t islands, std::uint64_t jobs) {
        SimOptions s;
        s.evolution = adopt_run_options(EvolutionOptions{}, options_json);
        s.evolution.islands = islands;
        s.evolution.seed = f.options.seed;
        s.evolution.duplicates = DuplicatePolicy::allow;  // a small space must not run out of new genomes
        s.evolution.stop = StopCriteria{};
        s.evolution.stop.max_evaluations = jobs;
        s.workers = workers;
        s.cost = resampler.cost_model();
        s.master.dispatch_latency = f.options.dispatch_latency;
        s.master.result_latency = f.options.result_latency;
        return simulate(space, MeasuredTrainer{resampler}, s).report;
    };
    f.report = simulate_on(f.options.workers, f.options.islands, f.options.jobs);
    f.forecast = detail::side_of(f.report);
    if (o.calibrate) {
        f.calibration = detail::side_of(simulate_on(std::max<std::size_t>(measured.workers, 1), measured.islands,
                                                    measured.jobs.size()));
    }
    return f;
}

/// The forecast for people: the measured job times, then the measured run,
/// the calibration and the forecast side by side.
inline std::string format_forecast(const SimulationForecast& f) {
    using evonas::sim::detail::human_seconds;
    const auto& o = f.options;
    std::string s = fmt::format("forecast for {}: {} workers, {} island(s), {} networks (seed {}{})\n", f.dir.string(),
                                o.workers, o.islands, o.jobs, o.seed,
                                o.dispatch_latency > 0 || o.result_latency > 0
                                    ? fmt::format(", latency {} + {}", human_seconds(o.dispatch_latency),
                                                  human_seconds(o.result_latency))
                                    : "");
    s += fmt::format("  job times: {} measured jobs resampled (training time, end - start), mean {}, median {}, "
                     "{:.1f}% not ok{}\n",
                     f.sample, human_seconds(f.mean_job_seconds), human_seconds(f.median_job_seconds),
                     100.0 * f.not_ok_fraction,
                     f.cut_off ? fmt::format("; {} cut off by the run's end left out", f.cut_off) : "");
    std::vector<std::pair<std::string, const ForecastSide*>> columns{{"measured", &f.measured}};
    if (f.calibration) columns.emplace_back("simulated", &*f.calibration);
    columns.emplace_back("forecast", &f.forecast);
    std::vector<std::string> header{""};
    std::vector<std::vector<std::string>> rows(5);
    const char* names[] = {"workers", "networks", "wall time", "networks per hour", "workers busy"};
    for (std::size_t k = 0; k < rows.size(); ++k) rows[k].push_back(names[k]);
    for (const auto& [name, side] : columns) {
        header.push_back(name);
        rows[0].push_back(std::to_string(side->workers));
        rows[1].push_back(std::to_string(side->jobs));
        rows[2].push_back(human_seconds(side->wall_seconds));
        rows[3].push_back(fmt::format("{:.1f}", side->jobs_per_hour));
        rows[4].push_back(fmt::format("{:.1f}%", 100.0 * side->utilisation));
    }
    std::vector<bool> right(header.size(), true);
    right[0] = false;
    s += evonas::detail::text_table(header, rows, right);
    if (f.calibration && f.calibration->wall_seconds > 0) {
        s += fmt::format("  the simulator gives {:.3f} times the measured wall time for the run itself "
                         "(below 1: the run lost time the model leaves out)\n",
                         f.calibration->wall_seconds / f.measured.wall_seconds);
    }
    return s;
}

/// The forecast as JSON: {"dir", "options", "sample": {"jobs", "cut_off",
/// "mean_seconds", "median_seconds", "not_ok_fraction"}, "space",
/// "measured", "calibration" (null without), "forecast" (each {"workers",
/// "jobs", "wall_seconds", "jobs_per_hour", "utilisation"}), "simulation"
/// (the SimReport, without its series)}.
inline nlohmann::json forecast_json(const SimulationForecast& f) {
    const auto side = [](const ForecastSide& s) {
        return nlohmann::json{{"workers", s.workers}, {"jobs", s.jobs}, {"wall_seconds", s.wall_seconds},
                              {"jobs_per_hour", s.jobs_per_hour}, {"utilisation", s.utilisation}};
    };
    const auto& o = f.options;
    return {{"dir", f.dir.string()},
            {"options", {{"workers", o.workers}, {"islands", o.islands}, {"jobs", o.jobs}, {"seed", o.seed},
                         {"dispatch_latency", o.dispatch_latency}, {"result_latency", o.result_latency},
                         {"calibrate", o.calibrate}}},
            {"sample", {{"jobs", f.sample}, {"cut_off", f.cut_off}, {"mean_seconds", f.mean_job_seconds},
                        {"median_seconds", f.median_job_seconds}, {"not_ok_fraction", f.not_ok_fraction}}},
            {"space", f.space},
            {"measured", side(f.measured)},
            {"calibration", f.calibration ? side(*f.calibration) : nlohmann::json(nullptr)},
            {"forecast", side(f.forecast)},
            {"simulation", to_json(f.report, false)}};
}

}  // namespace evonas::sim
