// evonas: the discrete-event loop of the simulation driver (internal; use
// evonas::sim::simulate() from <evonas/drivers/sim.hpp>); the end of a run
// (jobs in flight, the SimReport) in drivers/sim/simulator_end.hpp.
//
// Events, in virtual time, ties broken by kind then index: a master becomes
// free, a worker's result reaches its master, a worker drops out. Each
// master is a single FIFO server: serving a result costs complete_seconds
// (and the engine's complete()), handing out a job costs propose_seconds
// (and the engine's propose()). A job starts dispatch_latency after the
// master sent it and its result reaches the master result_latency after
// training ends. Every engine call happens at its service time, so the
// engine's clock only moves forward. O(log W) per event.
//
// With early stopping (the model has a stopper), a job's training is
// SimOptions::curve.steps equal steps and the job reports after each but the
// last: a report event at the step's end calls the engine's report() there
// and then (reports cost the master nothing and need no message). Only the
// next report of a job is queued, so a job has one event in the queue at a
// time; a job told to stop ends at that step with the value it reported.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <optional>
#include <queue>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/drivers/sim/options.hpp>
#include <evonas/drivers/sim/report.hpp>
#include <evonas/drivers/sim/stats.hpp>
#include <evonas/engine/island_model.hpp>
#include <evonas/engine/trainer.hpp>
#include <evonas/random.hpp>

namespace evonas::sim::detail {

/// One simulated run over an IslandModel the caller owns. Thread safety: none.
template <class T, class G = Genome<LayerGene>>
class Simulator {
public:
    /// Called after every recorded result (the driver checkpoints there).
    using AfterResult = std::function<void()>;

    Simulator(T& trainer, IslandModel<G>& model, const SimOptions& options, AfterResult after_result = {})
        : trainer_(trainer), model_(model), o_(options), after_result_(std::move(after_result)),
          horizon_(options.evolution.stop.max_seconds > 0 ? options.evolution.stop.max_seconds
                                                          : std::numeric_limits<double>::infinity()),
          generational_(options.schedule == Schedule::generational),
          generation_size_(options.generation_size ? options.generation_size : options.workers),
          cost_seed_(derive_seed(options.evolution.seed, 0x51A7E5EEDULL)),
          curve_seed_(derive_seed(options.evolution.seed, 0xC0A7E5EEDULL)),
          stopping_(model.early_stopping()),
          series_(options.series_points, horizon_) {
        if constexpr (!std::is_same_v<G, Genome<LayerGene>>) {
            if (o_.cost.reads_genome()) {
                throw ConfigError("SimOptions.cost",
                                  "this cost model reads the layer genome (an estimator or a custom function); with "
                                  "a genome type of your own use constant, log_normal or proportional with the "
                                  "trainer's cost(genome)");
            }
        }
        prepare_ = [this](G& genome) { return trainer_check(trainer_, genome); };
        const std::size_t masters = o_.master.one_per_island ? model_.island_count() : 1;
        masters_.resize(masters);
        workers_.resize(o_.workers);
        per_island_.resize(model_.island_count());
        for (std::size_t i = 0; i < per_island_.size(); ++i) per_island_[i].island = i;
        for (std::size_t i = 0; i < o_.workers; ++i) {
            // Contiguous blocks, as rank groups of an MPI run.
            workers_[i].master = static_cast<std::uint32_t>(i * masters / o_.workers);
            masters_[workers_[i].master].queue.push_back({static_cast<std::uint32_t>(i), Ask::job});
        }
        for (std::size_t m = 0; m < masters; ++m) kick(m, 0.0);
        for (const auto& d : o_.failures.dropouts) {
            events_.push({d.at_seconds, Kind::dropout, static_cast<std::uint32_t>(d.worker), 0});
        }
    }

    SimReport run() {
        const auto real_start = std::chrono::steady_clock::now();
        bool cut = false;
        while (!events_.empty()) {
            const Event ev = events_.top();
            if (ev.time >= horizon_) {
                cut = true;
                break;
            }
            events_.pop();
            now_ = ev.time;
            switch (ev.kind) {
                case Kind::master_free:
                    masters_[ev.index].pending = false;
                    drain(ev.index, ev.time);
                    break;
                case Kind::result: {
                    const auto& w = workers_[ev.index];
                    if (w.busy && !w.lost && w.job == ev.job) submit(w.master, {ev.index, Ask::result}, ev.time);
                    break;
                }
                case Kind::dropout: drop(ev.index, ev.time); break;
                case Kind::report: report_step(ev.index, ev.job, ev.time); break;
            }
            // Done: nothing in flight and nothing more to propose. Later
            // events (dropouts, stale results) no longer matter.
            if (model_.in_flight() == 0 && model_.done()) break;
        }
        double end = horizon_;
        if (!cut) {
            end = now_;
            for (const auto& ms : masters_) end = std::max(end, ms.free);
            end = std::min(end, horizon_);
        }
        flush(end);
        SimReport r = report(end);
        r.real_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - real_start).count();
        return r;
    }

private:
    // Reports come last among events at the same time: a worker lost at a
    // step's end does not report it.
    enum class Kind : std::uint32_t { master_free = 0, result = 1, dropout = 2, report = 3 };
    struct Event {
        double time;
        Kind kind;
        std::uint32_t index;  // master (master_free) or worker
        std::uint64_t job;
    };
    struct Later {
        bool operator()(const Event& a, const Event& b) const noexcept {
            return std::tie(a.time, a.kind, a.index) > std::tie(b.time, b.kind, b.index);
        }
    };
    enum class Ask : std::uint8_t { job, result, lost };
    struct Request {
        std::uint32_t worker;
        Ask kind;
    };
    struct Master {
        double busy = 0.0;
        double free = 0.0;     // when the current service ends
        bool pending = false;  // a master_free event is scheduled
        std::deque<Request> queue;
        std::vector<std::uint32_t> idle;  // workers waiting for work (generation barrier, no work)
    };
    struct Worker {
        std::uint64_t job = 0;
        Fitness fitness;
        double start = 0.0, end = 0.0;  // training of the current job
        double free_since = 0.0;        // start of the current idle gap
        double gap_latency = 0.0;       // message latency inside the current gap so far
        double no_work = 0.0;           // time inside the current gap with nothing to do
        double idle_since = 0.0;
        double died = std::numeric_limits<double>::infinity();
        std::uint32_t master = 0;
        bool busy = false, lost = false, alive = true;
        // Early stopping: the job's learning curve and its next report.
        double drawn = 0.0;        // the job's whole training time (its steps are equal shares)
        double full_end = 0.0;     // when its training would end without a stop
        double final_score = 0.0;  // the score its curve ends at
        double curve_gap = 0.0;    // its curve's gap (LearningCurve::gap_of)
        std::size_t next_step = 0;
        bool stopped = false;      // told to stop: `end` is the step it stopped at
    };

    static double seconds_since(std::chrono::steady_clock::time_point t0) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }

    void kick(std::size_t m, double t) {
        if (masters_[m].pending || serving_ == static_cast<std::ptrdiff_t>(m)) return;
        masters_[m].pending = true;
        events_.push({t, Kind::master_free, static_cast<std::uint32_t>(m), 0});
    }

    void submit(std::size_t m, Request r, double t) {
        masters_[m].queue.push_back(r);
        drain(m, t);
    }

    void drain(std::size_t m, double t) {
        auto& ms = masters_[m];
        while (!ms.pending && !ms.queue.empty()) {
            const Request r = ms.queue.front();
            ms.queue.pop_front();
            serving_ = static_cast<std::ptrdiff_t>(m);
            const double cost = serve(m, r, t);
            serving_ = -1;
            if (cost > 0.0) {
                const double until = std::min(t + cost, horizon_);
                ms.busy += until - t;
                series_.add_master(t, until);
                ms.pending = true;
                ms.free = t + cost;
                events_.push({t + cost, Kind::master_free, static_cast<std::uint32_t>(m), 0});
            }
        }
    }

    // Serves one request at time s; returns the master time it took.
    double serve(std::size_t m, Request r, double s) {
        auto& w = workers_[r.worker];
        double cost = 0.0;
        if (r.kind != Ask::job) {
            cost = record(r.worker, r.kind == Ask::lost, s);
        } else if (!w.alive) {
            return 0.0;
        }
        if (w.alive) cost += dispatch(m, r.worker, s, cost);
        return cost;
    }

    // The engine's complete() for worker i's job; returns the master time.
    double record(std::uint32_t i, bool lost, double s) {
        auto& w = workers_[i];
        model_.set_elapsed(s);
        if (lost) {
            // As the MPI driver: the job goes to another worker (attempt 2);
            // a job whose second worker is lost too is recorded failed.
            const auto* job = model_.in_flight_job(w.job);
            if (job && job->attempt < 2) {
                add_busy(w.start, std::max(w.start, std::min(w.end, w.died)), true);
                const auto t0 = std::chrono::steady_clock::now();
                model_.requeue(w.job);
                const double real = seconds_since(t0);
                engine_real_ += real;
                ++jobs_.lost;
                ++jobs_.requeued;
                w.busy = false;
                w.lost = false;
                if (generational_) {
                    --generation_in_flight_;
                    next_generation_if_done(s);
                }
                wake_idle(w.master, s);
                return o_.master.complete_seconds + (o_.master.measured ? real * o_.master.measured_scale : 0.0);
            }
        }
        Fitness fitness = lost ? Fitness::failed(fmt::format("worker {} dropped out at {:.1f} s (simulated)", i, w.died))
                               : std::move(w.fitness);
        const double busy_end = lost ? std::max(w.start, std::min(w.end, w.died)) : w.end;
        const auto t0 = std::chrono::steady_clock::now();
        const auto rec = model_.complete(w.job, std::move(fitness), WorkInfo{i, w.start, lost ? busy_end : w.end});
        const double real = seconds_since(t0);
        engine_real_ += real;
        add_busy(w.start, busy_end, lost || !rec.fitness.ok());
        auto& island = per_island_[rec.job.island];
        if (lost) {
            ++jobs_.lost;
        } else {
            ++jobs_.evaluated;
            ++island.evaluated;
            if (w.stopped && rec.fitness.ok()) {
                ++jobs_.stopped_early;
                saved_ += w.full_end - w.end;
            }
            switch (rec.fitness.status) {
                case FitnessStatus::ok: ++jobs_.ok; break;
                case FitnessStatus::timed_out: ++jobs_.timed_out; break;
                default: ++jobs_.failed; break;
            }
        }
        std::optional<double> ok_score;
        if (rec.fitness.ok()) {
            ok_score = rec.fitness.score;
            ++island.ok;
            if (!island.best_score || *ok_score > *island.best_score) island.best_score = ok_score;
            if (!best_ || *ok_score > *best_) best_ = ok_score;
            if (o_.target_score && *ok_score >= *o_.target_score) {
                if (!island.time_to_target) island.time_to_target = s;
                if (!time_to_target_) time_to_target_ = s;
            }
        }
        series_.add_result(s, ok_score);
        w.busy = false;
        w.lost = false;
        w.free_since = lost ? w.died : w.end;
        w.gap_latency = lost ? 0.0 : o_.master.result_latency;
        if (generational_) {
            --generation_in_flight_;
            next_generation_if_done(s);
        }
        // The driver's work after a result (its checkpoints) takes master
        // time too: charged with the rest when measured.
        const auto t1 = std::chrono::steady_clock::now();
        if (after_result_) after_result_();
        const double after = seconds_since(t1);
        engine_real_ += after;
        return o_.master.complete_seconds + (o_.master.measured ? (real + after) * o_.master.measured_scale : 0.0);
    }

    // The engine's propose() for worker i at time s (after `before` of this
    // service); returns the master time it took.
    double dispatch(std::size_t m, std::uint32_t i, double s, double before) {
        auto& w = workers_[i];
        if (generational_ && generation_proposed_ >= generation_size_) {
            go_idle(m, i, s + before);
            return 0.0;
        }
        model_.set_elapsed(s);
        const auto t0 = std::chrono::steady_clock::now();
        auto job = o_.master.one_per_island ? model_.propose(m, prepare_) : model_.propose_next(prepare_);
        const double real = seconds_since(t0);
        engine_real_ += real;
        double cost = o_.master.measured ? real * o_.master.measured_scale : 0.0;
        if (!job) {
            if (generational_) generation_starved_ = true;
            go_idle(m, i, s + before + cost);
            return cost;
        }
        cost += o_.master.propose_seconds;
        ++jobs_.proposed;
        if (generational_) {
            ++generation_proposed_;
            ++generation_in_flight_;
        }
        const double start = s + before + cost + o_.master.dispatch_latency;
        // The job's time and fate come from its own generator: the same job
        // gets the same draws whatever the schedule.
        Rng rng(derive_seed(cost_seed_, job->id));
        const double estimate = o_.cost.uses_trainer_estimate() ? trainer_cost(trainer_, job->genome) : 1.0;
        const double drawn = draw_cost(*job, i, estimate, rng);
        const auto& f = o_.failures;
        const double fate = rng.uniform();
        const bool fails = fate < f.fail_fraction;
        const bool hangs = !fails && fate < f.fail_fraction + f.timeout_fraction;
        double train = fails ? drawn * rng.uniform() : drawn;
        std::optional<double> curve_final;  // the score the job's reports lead to (early stopping)
        const auto curve_of = [&](const Fitness& trained) {
            if (stopping_ && trained.ok() && std::isfinite(trained.score)) curve_final = trained.score;
        };
        if (hangs || (f.job_timeout_seconds > 0.0 && train > f.job_timeout_seconds)) {
            train = f.job_timeout_seconds;
            w.fitness = Fitness::timed_out(fmt::format("the job ran past its {} s deadline", f.job_timeout_seconds));
            // A job cut by its deadline reports the steps before it (it may
            // be stopped in time); a hung one makes no progress at all.
            if (stopping_ && !hangs) curve_of(evaluate(*job, i));
        } else if (fails) {
            w.fitness = Fitness::failed(fmt::format("simulated failure after {:.1f} s", train));
            if (stopping_) curve_of(evaluate(*job, i));  // reports until it fails
        } else {
            w.fitness = evaluate(*job, i);
            curve_of(w.fitness);
        }
        w.job = job->id;
        w.start = start;
        w.end = start + train;
        w.busy = true;
        if (start < horizon_) {  // a gap that ends after the run is idle time at the end
            const double gap = start - w.free_since;
            const double latency = w.gap_latency + o_.master.dispatch_latency;
            idle_.add(gap);
            idle_latency_ += latency;
            idle_no_work_ += w.no_work;
            idle_master_ += std::max(0.0, gap - latency - w.no_work);
        }
        w.no_work = 0.0;
        w.stopped = false;
        w.full_end = w.end;
        w.next_step = 0;
        if (curve_final) {
            // The curve depends on the genome (its hash), not on the job.
            w.drawn = drawn;
            w.final_score = *curve_final;
            w.curve_gap = o_.curve.gap_of(derive_seed(curve_seed_, job->hash));
            w.next_step = 1;
        }
        next_event(i);
        return cost;
    }

    // Queues worker i's next event: its next report, when that step ends
    // before its training does, else its result.
    void next_event(std::uint32_t i) {
        auto& w = workers_[i];
        if (w.next_step > 0 && w.next_step < o_.curve.steps && !w.stopped) {
            const double at =
                w.start + w.drawn * static_cast<double>(w.next_step) / static_cast<double>(o_.curve.steps);
            if (at < w.end) {
                events_.push({at, Kind::report, i, w.job});
                return;
            }
        }
        events_.push({w.end + o_.master.result_latency, Kind::result, i, w.job});
    }

    // Worker i's job reports the step ending at t; a job told to stop ends
    // there with the value it reported (the rest of its training is saved).
    void report_step(std::uint32_t i, std::uint64_t job, double t) {
        auto& w = workers_[i];
        if (!w.busy || w.lost || w.job != job) return;  // lost part-way: no more reports
        const double value = o_.curve.value(w.final_score, w.curve_gap, w.next_step);
        model_.set_elapsed(t);
        if (model_.report(job, static_cast<double>(w.next_step), value) == Decision::stop) {
            w.stopped = true;
            w.end = t;
            w.fitness = Fitness::of(value);
        } else {
            ++w.next_step;
        }
        next_event(i);
    }

    Fitness evaluate(const Job<G>& job, std::size_t worker) {
        const JobContext ctx{job.id, job.seed, worker, job.island, std::chrono::steady_clock::time_point::max(), {}};
        try {
            return trainer_.evaluate(job.genome, ctx);
        } catch (const std::exception& e) {
            return Fitness::failed(fmt::format("the trainer threw: {}", e.what()));
        } catch (...) {
            return Fitness::failed("the trainer threw an exception that is not a std::exception");
        }
    }

    void go_idle(std::size_t m, std::uint32_t i, double t) {
        masters_[m].idle.push_back(i);
        workers_[i].idle_since = t;
    }

    // A job to send again appeared: one idle worker of master m asks for it.
    void wake_idle(std::size_t m, double t) {
        auto& ms = masters_[m];
        while (!ms.idle.empty()) {
            const auto i = ms.idle.back();
            ms.idle.pop_back();
            auto& w = workers_[i];
            if (!w.alive) continue;
            w.no_work += t - w.idle_since;
            ms.queue.push_back({i, Ask::job});
            kick(m, t);
            return;
        }
    }

    // The generational barrier: once every job of the generation finished,
    // the idle workers queue for the next one.
    void next_generation_if_done(double t) {
        if (generation_in_flight_ != 0) return;
        if (generation_proposed_ < generation_size_ && !generation_starved_) return;
        if (generation_proposed_ > 0) ++generations_;
        generation_proposed_ = 0;
        generation_starved_ = false;
        for (std::size_t m = 0; m < masters_.size(); ++m) {
            auto& ms = masters_[m];
            for (auto i : ms.idle) {
                auto& w = workers_[i];
                if (!w.alive) continue;
                w.no_work += t - w.idle_since;
                ms.queue.push_back({i, Ask::job});
            }
            ms.idle.clear();
            if (!ms.queue.empty()) kick(m, t);
        }
    }

    void drop(std::uint32_t i, double t) {
        auto& w = workers_[i];
        if (!w.alive) return;
        w.alive = false;
        w.died = t;
        deaths_.push_back(t);
        if (w.busy && w.end > t) {  // training (or not started yet): the job is lost
            w.lost = true;
            submit(w.master, {i, Ask::lost}, t);
        }
    }

    void add_busy(double a, double b, bool wasted) {
        b = std::min(b, horizon_);
        if (!(b > a)) return;
        busy_ += b - a;
        if (wasted) wasted_ += b - a;
        series_.add_busy(a, b);
    }

    // ------------------------------------------------------------ the end (sim/simulator_end.hpp)

    // Jobs still in flight when the run ends are recorded as the thread
    // driver records them: timed out, "stopped because the run ended".
    void flush(double end);

    // What the run did, from the counters and the model.
    SimReport report(double end);

    T& trainer_;
    // The cost model sees the layer genome's jobs whole; a genome of your
    // own as its id, island and seed (models that read the genome are
    // refused in the constructor).
    double draw_cost(const Job<G>& job, std::size_t worker, double estimate, Rng& rng) const {
        if constexpr (std::is_same_v<G, Genome<LayerGene>>) {
            return o_.cost.draw(CostInput{job, worker, estimate}, rng);
        } else {
            Job<Genome<LayerGene>> view;
            view.id = job.id;
            view.island = job.island;
            view.seed = job.seed;
            view.origin = job.origin;
            view.op = job.op;
            view.parents = job.parents;
            view.hash = job.hash;
            return o_.cost.draw(CostInput{view, worker, estimate}, rng);
        }
    }

    IslandModel<G>& model_;
    const SimOptions& o_;
    AfterResult after_result_;
    typename IslandModel<G>::Prepare prepare_;
    double horizon_;
    bool generational_;
    std::size_t generation_size_;
    std::uint64_t cost_seed_;
    std::uint64_t curve_seed_;
    bool stopping_;
    std::priority_queue<Event, std::vector<Event>, Later> events_;
    std::vector<Master> masters_;
    std::vector<Worker> workers_;
    std::ptrdiff_t serving_ = -1;
    double now_ = 0.0;
    std::size_t generation_proposed_ = 0;
    std::size_t generation_in_flight_ = 0;
    bool generation_starved_ = false;
    std::uint64_t generations_ = 0;
    SimJobCounts jobs_{};
    std::vector<IslandReport> per_island_;
    std::optional<double> best_, time_to_target_;
    double busy_ = 0.0, wasted_ = 0.0, engine_real_ = 0.0, saved_ = 0.0;
    double idle_latency_ = 0.0, idle_master_ = 0.0, idle_no_work_ = 0.0;
    IdleHistogram idle_;
    Series series_;
    std::vector<double> deaths_;
};

}  // namespace evonas::sim::detail

#include <evonas/drivers/sim/simulator_end.hpp>
