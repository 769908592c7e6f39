// evonas: the in-process thread driver. W workers, one Trainer each (made by
// your factory from the worker index, e.g. to pick a GPU); a worker that
// finishes a job gets the next one at once (steady state, no generations).
//
//     auto result = evonas::evolve(space, [](std::size_t worker) { return MyTrainer(worker); },
//                                  evonas::RunOptions{.evolution = {.population = 16},
//                                                     .workers = 2, .run_dir = "run1"},
//                                  seeds);
#pragma once

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/engine/island_model.hpp>
#include <evonas/engine/trainer.hpp>
#include <evonas/error.hpp>
#include <evonas/io/checkpoint.hpp>
#include <evonas/io/lineage.hpp>
#include <evonas/io/progress.hpp>
#include <evonas/io/resume.hpp>
#include <evonas/io/run_directory.hpp>

namespace evonas {

/// Options of a run with the thread driver: the evolution's own options
/// plus workers, files and deadlines.
struct RunOptions {
    EvolutionOptions evolution{};             ///< islands, population, operators' rates, stop criteria
    std::size_t workers = 1;                  ///< worker threads, one trainer each
    std::filesystem::path run_dir;            ///< empty: write no files
    bool resume = false;                      ///< continue the run in run_dir
    std::uint64_t checkpoint_interval = 25;   ///< finished jobs between checkpoints (0: by time and at the end only)
    double checkpoint_seconds = 300.0;        ///< at most this long between checkpoints (0: by count only)
    double job_timeout_seconds = 0.0;         ///< a job's deadline (0: none)
    bool progress = true;                     ///< the console progress line (only on a terminal)

    /// Throws ConfigError naming the field ("RunOptions.workers", ...).
    void validate() const {
        if (workers == 0) throw ConfigError("RunOptions.workers", "must be at least 1, got 0");
        if (!(checkpoint_seconds >= 0.0) || std::isinf(checkpoint_seconds)) {
            throw ConfigError("RunOptions.checkpoint_seconds",
                              fmt::format("must be a finite number >= 0, got {}", checkpoint_seconds));
        }
        if (!(job_timeout_seconds >= 0.0) || std::isinf(job_timeout_seconds)) {
            throw ConfigError("RunOptions.job_timeout_seconds",
                              fmt::format("must be a finite number >= 0, got {}", job_timeout_seconds));
        }
        if (resume && run_dir.empty()) {
            throw ConfigError("RunOptions.resume", "needs a run_dir to resume from");
        }
        evolution.validate();
    }
};


/// Evolves networks for `space` with `options.workers` threads, each with
/// its own trainer from `make_trainer(worker_index)`. Seeds (e.g. your
/// hand-designed network, see parse_genome) are evaluated first. A trainer
/// that throws or returns NaN yields a failed result and the run goes on; a
/// job past its deadline is asked to stop (stop token) and recorded as timed
/// out. With a run_dir, every finished job is logged and checkpoints are
/// written; `resume` continues such a run without losing or retraining any
/// finished job. With one worker a run is reproducible, also across resumes.
///
/// Thread safety: blocks until the run ends. `make_trainer` is called once
/// in each worker thread, concurrently, so it must be safe to call from
/// several threads; each trainer is then used by its own thread only.
/// Observers are called one at a time, under the driver's lock. Separate
/// evolve() calls share nothing (give them different run directories).
///
/// A genome type of your own (genome_traits<G>, see docs/concepts.md) is
/// named when the arguments do not say it: `evolve<MyGenome>(space, ...)`.
template <class G = Genome<LayerGene>, class Factory>
EvolutionResult<G> evolve(const std::type_identity_t<space_of<G>>& space, Factory&& make_trainer,
                          const RunOptions& options, std::vector<G> seeds = {}, EvolutionOperators<G> operators = {},
                          ObserverList<G> observers = {}) {
    static_assert(check_genome_type<G>());
    static_assert(std::is_invocable_v<Factory&, std::size_t>,
                  "evolve: make_trainer must be callable as make_trainer(std::size_t worker_index)");
    using TrainerType = std::remove_cvref_t<std::invoke_result_t<Factory&, std::size_t>>;
    static_assert(TrainerEvaluates<TrainerType, G>,
                  "evolve: the trainer must have evaluate(const G& genome, const evonas::JobContext&) "
                  "returning evonas::Fitness, G being the genome type evolved (see docs/trainer.md)");
    options.validate();

    const RunPaths paths{options.run_dir};
    IslandModel<G> model(space, options_for_run(options.evolution, paths, options.resume), seeds,
                         std::move(operators));
    const bool files = !options.run_dir.empty();
    std::shared_ptr<BasicLineageLog<G>> log;
    if (files) {
        const nlohmann::json extra{{"driver", "threads"}, {"workers", options.workers},
                                   {"stop", stop_to_json(options.evolution.stop)}};
        log = open_run_files(model, paths, run_identity<G>(space, model.options(), seeds), extra,
                                     options.resume);
        model.add_observer(log);
    }
    if (options.progress) model.add_observer(std::make_shared<BasicConsoleProgress<G>>(options.workers));
    for (auto& o : observers) model.add_observer(std::move(o));

    std::mutex mutex;
    std::condition_variable changed;          // a job finished, or the run failed: workers waiting look again
    std::condition_variable_any watchdog_wake;  // only the watchdog's stop wakes it early
    std::exception_ptr error;
    struct Running {
        bool active = false;
        std::stop_source stop;
        std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    };
    std::vector<Running> running(options.workers);
    const auto start = std::chrono::steady_clock::now();
    const double offset = model.progress().elapsed_seconds;
    const auto clock = [&] {
        return offset + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    // Checkpoints: taken under the lock (O(population)), written outside it
    // (fsync of the log, atomic replace), one at a time; a checkpoint that
    // falls due while another is being written is skipped.
    bool checkpoint_busy = false;
    auto last_checkpoint = std::chrono::steady_clock::now();
    const auto checkpoint_due = [&] {  // called with the mutex held
        if (!files || checkpoint_busy) return false;
        const bool by_count = options.checkpoint_interval &&
                              model.counts().finished % options.checkpoint_interval == 0;
        const bool by_time = options.checkpoint_seconds > 0 &&
                             std::chrono::steady_clock::now() - last_checkpoint >=
                                 std::chrono::duration<double>(options.checkpoint_seconds);
        return by_count || by_time;
    };
    // With the lock held in `lock`: takes a checkpoint, writes it unlocked,
    // and returns with the lock held again.
    const auto checkpoint = [&](std::unique_lock<std::mutex>& lock) {
        checkpoint_busy = true;
        last_checkpoint = std::chrono::steady_clock::now();
        const auto pending = take_checkpoint(model, *log);
        lock.unlock();
        std::exception_ptr failure;
        try {
            write_checkpoint_files(pending, paths, *log);
        } catch (...) {
            failure = std::current_exception();
        }
        lock.lock();
        checkpoint_busy = false;
        if (failure) std::rethrow_exception(failure);
        for (const auto& o : model.observers()) o->on_checkpoint(paths.checkpoint(), pending.progress);
    };
    // Jobs still running when the run stops early (a target score, patience,
    // a callback, the time budget, an error) are asked to stop; jobs of the
    // budget's last networks are left to finish.
    const auto cancel_running = [&] {  // called with the mutex held
        if (!model.stopping() || model.stop_reason() == "max_evaluations") return;
        for (auto& r : running) {
            if (r.active) r.stop.request_stop();
        }
    };
    const auto fail = [&](std::exception_ptr e) {  // called with the mutex held
        if (!error) error = e;
        model.request_stop("error");
        for (auto& r : running) {
            if (r.active) r.stop.request_stop();
        }
        changed.notify_all();
    };

    auto worker = [&](std::size_t w) {
        try {
            auto trainer = make_trainer(w);
            const typename IslandModel<G>::Prepare prepare = [&trainer](G& genome) {
                return trainer_check(trainer, genome);
            };
            // The job proposed together with the last result (one lock and
            // one lineage write per job); empty: ask for one.
            std::optional<Job<G>> next;
            for (;;) {
                std::optional<Job<G>> job = std::move(next);
                next.reset();
                std::stop_token token;
                std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
                {
                    std::unique_lock lock(mutex);
                    if (error) return;
                    while (!job) {
                        model.set_elapsed(clock());
                        job = model.propose_next(prepare);
                        if (job) break;
                        if (model.done()) {
                            changed.notify_all();
                            return;
                        }
                        // Jobs of other workers are in flight; wait for one to finish.
                        changed.wait_for(lock, std::chrono::milliseconds(50));
                        if (error) return;
                    }
                    auto& r = running[w];
                    r = Running{};
                    r.active = true;
                    if (options.job_timeout_seconds > 0) {
                        r.deadline = std::chrono::steady_clock::now() +
                                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                         std::chrono::duration<double>(options.job_timeout_seconds));
                    }
                    deadline = r.deadline;
                    token = r.stop.get_token();
                }
                JobContext ctx{job->id, job->seed, w, job->island, deadline, token};
                if (model.early_stopping()) {  // reports go to the engine, under the lock
                    ctx.reporter = [&, id = job->id](double step, double value) {
                        // A bad report is the trainer's error (its job fails), not the run's.
                        evonas::detail::check_report(id, step, value);
                        std::lock_guard lock(mutex);
                        if (error) return Decision::stop;  // the run is failing: stop training
                        try {
                            return model.report(id, step, value);
                        } catch (...) {
                            fail(std::current_exception());
                            return Decision::stop;
                        }
                    };
                }
                const double started = clock();
                Fitness fitness;
                try {
                    fitness = trainer.evaluate(job->genome, ctx);
                } catch (const std::exception& e) {
                    fitness = Fitness::failed(fmt::format("the trainer threw: {}", e.what()));
                } catch (...) {
                    fitness = Fitness::failed("the trainer threw an exception that is not a std::exception");
                }
                // A result that arrives past the job's deadline is timed
                // out; otherwise the trainer's own status stands (one that
                // stopped early on the token says so itself, as CnnTrainer
                // does), also when the run's time ran out meanwhile.
                const auto ended = std::chrono::steady_clock::now();
                if (ended >= deadline && fitness.status != FitnessStatus::timed_out) {
                    fitness = Fitness::timed_out(fmt::format("the job ran past its {} s deadline",
                                                             options.job_timeout_seconds));
                }
                {
                    std::unique_lock lock(mutex);
                    running[w].active = false;
                    if (error) return;
                    model.set_elapsed(clock());
                    next = model.complete_and_propose_next(job->id, std::move(fitness), WorkInfo{w, started, clock()},
                                                           prepare)
                               .next;
                    cancel_running();
                    if (checkpoint_due()) checkpoint(lock);
                }
                changed.notify_all();
            }
        } catch (...) {
            std::lock_guard lock(mutex);
            fail(std::current_exception());
        }
    };

    std::vector<std::jthread> threads;
    {
        // The watchdog stops jobs past their deadline, and running jobs once
        // the run's time budget is spent.
        std::jthread watchdog([&](std::stop_token stop) {
            std::unique_lock lock(mutex);
            while (!stop.stop_requested()) {
                const auto now = std::chrono::steady_clock::now();
                model.set_elapsed(clock());
                const bool out_of_time = options.evolution.stop.max_seconds > 0 &&
                                         clock() >= options.evolution.stop.max_seconds;
                for (auto& r : running) {
                    if (r.active && (now >= r.deadline || out_of_time)) r.stop.request_stop();
                }
                cancel_running();  // e.g. a stop callback that became true
                if (out_of_time) changed.notify_all();
                // A condition of its own: a finished job does not wake it
                // (that was a futex wake and a lock handover per job).
                watchdog_wake.wait_for(lock, stop, std::chrono::milliseconds(20), [] { return false; });
            }
        });
        for (std::size_t w = 0; w < options.workers; ++w) {
            threads.emplace_back([&, w] {
                worker(w);
                changed.notify_all();
            });
        }
        for (auto& t : threads) t.join();
        watchdog.request_stop();
    }

    std::unique_lock lock(mutex);
    model.set_elapsed(clock());
    if (!error && files) {
        try {
            checkpoint(lock);
        } catch (...) {
            error = std::current_exception();
        }
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
    return model.result();
}

}  // namespace evonas
