// evonas: how the simulation driver ends a run: the jobs still in flight
// and the SimReport. Member definitions of Simulator, included by
// drivers/sim/simulator.hpp after the class.
#pragma once

#include <evonas/drivers/sim/simulator.hpp>

namespace evonas::sim::detail {

template <class T, class G>
void Simulator<T, G>::flush(double end) {
    model_.set_elapsed(end);
    for (std::uint32_t i = 0; i < workers_.size(); ++i) {
        auto& w = workers_[i];
        if (!w.busy) continue;
        const bool lost = w.lost;
        Fitness f = lost ? Fitness::failed(fmt::format("worker {} dropped out at {:.1f} s (simulated)", i, w.died))
                         : Fitness::timed_out("stopped because the run ended");
        add_busy(w.start, std::min({w.end, w.died, end}), true);
        const auto t0 = std::chrono::steady_clock::now();
        model_.complete(w.job, std::move(f), WorkInfo{i, w.start, std::min(w.end, end)});
        engine_real_ += seconds_since(t0);
        ++(lost ? jobs_.lost : jobs_.cut_off);
        w.busy = false;
    }
    (void)model_.done();  // latches the stop reason
}

template <class T, class G>
SimReport Simulator<T, G>::report(double end) {
    SimReport r;
    r.schedule = std::string(to_string(o_.schedule));
    r.workers = o_.workers;
    r.islands = model_.island_count();
    r.masters = masters_.size();
    r.virtual_seconds = end;
    r.stop_reason = model_.stop_reason();
    r.jobs = jobs_;
    const auto counts = model_.counts();
    r.jobs.invalid = counts.invalid;
    r.jobs.duplicates = counts.duplicates;
    r.generations = generations_;
    for (const auto& w : workers_) r.available_seconds += std::min(w.died, end);
    r.busy_seconds = busy_;
    r.wasted_seconds = wasted_;
    r.early_stopping = stopping_;
    r.saved_seconds = saved_;
    r.utilisation = r.available_seconds > 0 ? busy_ / r.available_seconds : 0.0;
    for (std::size_t m = 0; m < masters_.size(); ++m) {
        const double f = end > 0 ? masters_[m].busy / end : 0.0;
        r.master_busy_fraction += f / static_cast<double>(masters_.size());
        r.master_busy_max = std::max(r.master_busy_max, f);
        if (o_.master.one_per_island) per_island_[m].master_busy_fraction = f;
    }
    idle_.fill(r.idle);
    r.idle.latency_seconds = idle_latency_;
    r.idle.master_seconds = idle_master_;
    r.idle.no_work_seconds = idle_no_work_;
    r.idle.at_end_seconds = std::max(0.0, r.available_seconds - busy_ - r.idle.total_seconds);
    r.target_score = o_.target_score;
    r.time_to_target = time_to_target_;
    r.best_score = best_;
    r.per_island = per_island_;
    r.series = series_.finish(end, o_.workers, masters_.size(), deaths_);
    r.setup = {{"cost", o_.cost.description()},
               {"master", {{"propose_seconds", o_.master.propose_seconds},
                           {"complete_seconds", o_.master.complete_seconds},
                           {"dispatch_latency", o_.master.dispatch_latency},
                           {"result_latency", o_.master.result_latency},
                           {"measured", o_.master.measured},
                           {"measured_scale", o_.master.measured_scale},
                           {"one_per_island", o_.master.one_per_island}}},
               {"failures", {{"fail_fraction", o_.failures.fail_fraction},
                             {"timeout_fraction", o_.failures.timeout_fraction},
                             {"job_timeout_seconds", o_.failures.job_timeout_seconds},
                             {"dropouts", o_.failures.dropouts.size()}}},
               {"generation_size", generational_ ? generation_size_ : 0},
               {"population", model_.options().population}};
    if (stopping_) r.setup["learning_curve"] = o_.curve.to_json();
    r.engine_real_seconds = engine_real_;
    r.engine_us_per_job = jobs_.proposed ? 1e6 * engine_real_ / static_cast<double>(jobs_.proposed) : 0.0;
    return r;
}

}  // namespace evonas::sim::detail
