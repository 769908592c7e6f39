// evonas: the discrete-event simulation driver. The same engine as the
// thread and MPI drivers, driven by a virtual clock: W virtual workers, a
// cost model for each job's training time, a master (or one per island)
// whose own time per job and message latencies are modelled, injected
// failures and worker dropouts. Fitness comes from your trainer, evaluated
// instantly (an analytic or surrogate fitness; see SimilarityTrainer).
// With early stopping, each job reports scores along a modelled learning
// curve (SimOptions::curve) and a job told to stop frees its worker then.
//
//     namespace sim = evonas::sim;
//     auto run = sim::simulate(space, sim::SimilarityTrainer{target, &space},
//                              sim::SimOptions{.evolution = {.islands = 8, .population = 64,
//                                                            .stop = {.max_evaluations = 0,
//                                                                     .max_seconds = 24 * 3600}},
//                                              .workers = 18688,
//                                              .cost = sim::CostModel::log_normal_with_mean(3381, 0.5)});
//     fmt::print("{}", sim::summary(run.report));
//
// A run is reproducible from its seed (ties in event times are broken by
// kind, then worker or master index), unless master.measured is set. With
// one worker, zero latencies and zero master costs the engine sees exactly
// the calls the thread driver makes with one worker, so the lineage is the
// same. See docs/scale.md.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <evonas/drivers/sim/analytic_trainer.hpp>
#include <evonas/drivers/sim/cnn_estimate.hpp>
#include <evonas/drivers/sim/cost_model.hpp>
#include <evonas/drivers/sim/options.hpp>
#include <evonas/drivers/sim/report.hpp>
#include <evonas/drivers/sim/simulator.hpp>
#include <evonas/engine/island_model.hpp>
#include <evonas/engine/trainer.hpp>
#include <evonas/io/lineage.hpp>
#include <evonas/io/resume.hpp>
#include <evonas/io/run_directory.hpp>

/// The simulation driver: simulate() runs the engine on virtual workers with
/// a virtual clock, a CostModel for training times, modelled masters and
/// injected failures, and reports what happened (SimReport).
namespace evonas::sim {

/// The outcome of a simulated run: what the thread driver would return, and
/// what the simulator measured.
template <class G>
struct BasicSimResult {
    EvolutionResult<G> evolution;  ///< best individual, hall of fame, counts, stop reason
    SimReport report;              ///< virtual-time measurements (see summary())
};

/// The outcome of a simulated run of the layer genome.
using SimResult = BasicSimResult<Genome<LayerGene>>;

namespace detail {

template <class G, class Tr>
BasicSimResult<G> run_simulation(const space_of<G>& space, Tr& trainer, const SimOptions& options,
                                 std::vector<G> seeds, EvolutionOperators<G> operators, ObserverList<G> observers) {
    options.validate();
    const bool files = !options.run_dir.empty();
    IslandModel<G> model(space, options.evolution, seeds, std::move(operators));
    const auto identity = files ? run_identity<G>(space, model.options(), seeds) : nlohmann::json();
    const RunPaths paths{options.run_dir};
    std::shared_ptr<BasicLineageLog<G>> log;
    if (files) {
        nlohmann::json extra{{"driver", "sim"},
                             {"workers", options.workers},
                             {"schedule", std::string(to_string(options.schedule))},
                             {"cost", options.cost.description()},
                             {"stop", stop_to_json(options.evolution.stop)}};
        if (model.early_stopping()) extra["learning_curve"] = options.curve.to_json();
        // Resuming is refused (false): the run files hold the engine's
        // state but not the simulator's (its event queue, the virtual
        // clock, what each worker and master is doing), so a resumed
        // simulation could not go on from where it stopped. The lineage log
        // is an observer of the model, so it writes report lines too.
        log = open_run_files(model, paths, identity, extra, false);
        model.add_observer(log);
    }
    for (auto& o : observers) model.add_observer(std::move(o));
    const auto checkpoint = [&] {
        if (log) write_run_checkpoint(model, paths, *log);
    };
    Simulator<Tr, G> simulator(trainer, model, options, [&] {
        if (log && options.checkpoint_interval && model.counts().finished % options.checkpoint_interval == 0) {
            checkpoint();
        }
    });
    SimReport report;
    std::exception_ptr error;
    try {
        report = simulator.run();
        checkpoint();
    } catch (...) {
        error = std::current_exception();
    }
    const auto progress_now = model.progress();
    for (const auto& o : model.observers()) {
        try {
            o->on_end(progress_now);
        } catch (...) {
            if (!error) error = std::current_exception();
        }
    }
    if (error) std::rethrow_exception(error);
    return {model.result(), std::move(report)};
}

}  // namespace detail

/// Simulates an evolution run on `options.workers` virtual workers and
/// returns its result and report. `trainer` is a Trainer (one instance
/// serves every virtual worker, since evaluation is instant) or a factory
/// `worker_index -> Trainer` as evolve() takes (called once, with 0).
/// Seeds, operators and observers are as for evolve(). With a run_dir the
/// run writes run.json, lineage.jsonl (virtual times), checkpoint.json and
/// best.txt like the thread driver, report lines included (resuming a
/// simulation is not supported). With early stopping
/// (EvolutionOptions::early_stopping or EvolutionOperators::stop) each job
/// reports after each step of `options.curve` but the last, at the virtual
/// time the step ends, and one told to stop ends there.
/// Throws ConfigError for bad options, naming the field. Thread safety: runs
/// entirely on the calling thread (trainer and observers are called from
/// it); separate simulate() calls share nothing.
template <class G = Genome<LayerGene>, class TrainerOrFactory>
BasicSimResult<G> simulate(const std::type_identity_t<space_of<G>>& space, TrainerOrFactory&& trainer,
                           const SimOptions& options, std::vector<G> seeds = {}, EvolutionOperators<G> operators = {},
                           ObserverList<G> observers = {}) {
    static_assert(check_genome_type<G>());
    using T = std::remove_reference_t<TrainerOrFactory>;
    if constexpr (TrainerEvaluates<T, G>) {
        return detail::run_simulation<G>(space, trainer, options, std::move(seeds), std::move(operators),
                                         std::move(observers));
    } else {
        static_assert(std::is_invocable_v<T&, std::size_t>,
                      "simulate: pass a Trainer (evaluate(const G& genome, const evonas::JobContext&) "
                      "-> evonas::Fitness) or a factory callable as f(std::size_t worker_index)");
        auto made = trainer(std::size_t{0});
        static_assert(TrainerEvaluates<decltype(made), G>,
                      "simulate: the factory must return a Trainer (evaluate(genome, ctx) -> evonas::Fitness)");
        return detail::run_simulation<G>(space, made, options, std::move(seeds), std::move(operators),
                                         std::move(observers));
    }
}

/// Runs the same setup once per schedule (by default the asynchronous
/// engine and the generational baseline), for a side-by-side comparison
/// (see comparison_table()). With a run_dir each schedule writes to its own
/// subdirectory named after it.
template <class G = Genome<LayerGene>, class TrainerOrFactory>
std::vector<BasicSimResult<G>> simulate_schedules(const std::type_identity_t<space_of<G>>& space,
                                                  TrainerOrFactory&& trainer, const SimOptions& options,
                                                  std::vector<Schedule> schedules = {Schedule::asynchronous,
                                                                                     Schedule::generational},
                                                  const std::vector<G>& seeds = {},
                                                  const EvolutionOperators<G>& operators = {}) {
    std::vector<BasicSimResult<G>> results;
    for (const auto schedule : schedules) {
        auto o = options;
        o.schedule = schedule;
        if (!options.run_dir.empty()) o.run_dir = options.run_dir / std::string(to_string(schedule));
        results.push_back(simulate<G>(space, trainer, o, seeds, operators));
    }
    return results;
}

}  // namespace evonas::sim
