// evonas examples: the multi-objective options of the example programs
// (--objectives, --max-params, --max-latency-ms) and the table of the
// Pareto front a multi-objective run ends with.
//
// Needs evonas::libtorch and CLI11; included by evolve_cli.hpp.
#pragma once

#include <cmath>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <evonas/evonas.hpp>
#include <evonas/libtorch/libtorch.hpp>

namespace evonas::examples {

/// What the multi-objective options ask for.
struct ObjectiveOptions {
    std::string objectives;      ///< "" (accuracy alone) or a list such as "accuracy,params"
    double max_params = 0.0;     ///< > 0: networks with more parameters are rejected before training
    double max_latency_ms = 0.0; ///< > 0: networks slower per sample are infeasible (ranked after the rest)
    int latency_repeats = 20;    ///< timed batches per network when latency is measured
};

/// Adds --objectives, --max-params, --max-latency-ms and --latency-repeats.
inline void add_objective_options(CLI::App& app, ObjectiveOptions& o) {
    const auto* g = "Several objectives";
    app.add_option("--objectives", o.objectives,
                   "search for the trade-off between these, e.g. accuracy,params or accuracy,latency_ms (also "
                   "flops, or any metric the trainer reports, with :min or :max); the run keeps its Pareto front "
                   "(pareto.txt) and the final table lists it")
        ->group(g);
    app.add_option("--max-params", o.max_params,
                   "reject networks with more parameters before they train (a hard limit; 0: none)")
        ->check(CLI::NonNegativeNumber)->capture_default_str()->group(g);
    app.add_option("--max-latency-ms", o.max_latency_ms,
                   "networks slower than this per sample (measured after training) rank after every faster one; "
                   "implies the latency objective (0: none)")
        ->check(CLI::NonNegativeNumber)->capture_default_str()->group(g);
    app.add_option("--latency-repeats", o.latency_repeats, "timed inference batches per network (the median counts)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(g);
}

/// The run's objectives: --objectives (with --max-params / --max-latency-ms
/// as the limits of "params" / "latency_ms"); --max-latency-ms alone means
/// "accuracy,latency_ms". Empty: a single-objective run. Parameters get the
/// hypervolume reference 10^7 (or their limit) so the progress line shows it.
inline Objectives run_objectives(const ObjectiveOptions& o) {
    std::string list = o.objectives;
    if (list.empty() && o.max_latency_ms > 0.0) list = "accuracy,latency_ms";
    if (list.empty()) return {};
    auto objectives = parse_objectives(list);
    bool has_latency = false;
    for (auto& ob : objectives) {
        if (ob.name == "params") {
            if (o.max_params > 0.0) ob.limit = o.max_params;
            else ob.reference = 1e7;
        }
        if (ob.name == "latency_ms") {
            has_latency = true;
            if (o.max_latency_ms > 0.0) ob.limit = o.max_latency_ms;
        }
    }
    if (o.max_latency_ms > 0.0 && !has_latency) {
        throw ConfigError("--max-latency-ms", "needs latency_ms among --objectives (" + o.objectives + ")");
    }
    return objectives;
}

/// Sets what the objectives need of the trainer: the parameter limit in its
/// check, latency timing when an objective or limit names it.
inline void apply_objective_options(const ObjectiveOptions& o, const Objectives& objectives,
                                    libtorch::TrainerOptions& trainer) {
    if (o.max_params > 0.0) {
        const auto limit = static_cast<std::int64_t>(o.max_params);
        trainer.limits.max_params = trainer.limits.max_params > 0 ? std::min(trainer.limits.max_params, limit) : limit;
    }
    for (const auto& ob : objectives) {
        if (ob.name == "latency_ms") trainer.latency = {.repeats = o.latency_repeats, .batch = 1};
    }
}

/// Prints the Pareto front of a multi-objective run, best score first.
inline void print_front(const EvolutionResult<Genome<LayerGene>>& result, const Objectives& objectives) {
    if (result.pareto_front.empty()) return;
    fmt::print("\nPareto front ({} networks{}; validation scores):\n", result.pareto_front.size(),
               std::isfinite(result.hypervolume) ? fmt::format(", hypervolume {:.4g}", result.hypervolume) : "");
    fmt::print("  {:<7}", "job");
    for (const auto& ob : objectives) fmt::print(" {:>12}", ob.name);
    fmt::print(" {:>10}\n", "MFLOPs");
    for (const auto& m : result.pareto_front) {
        fmt::print("  {:<7}", m.id);
        for (const auto& ob : objectives) {
            const double v = ob.raw(m.fitness);
            fmt::print(" {:>12}", ob.name == "params" ? fmt::format("{:.0f}", v) : fmt::format("{:.4g}", v));
        }
        fmt::print(" {:>10.3f}\n", m.fitness.metric("flops").value_or(0.0) / 1e6);
    }
}

}  // namespace evonas::examples
