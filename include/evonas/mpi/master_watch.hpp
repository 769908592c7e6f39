// evonas::mpi: the island master's watch over its workers (a worker that
// stops answering is marked lost and its jobs go to another; job durations
// for the automatic deadline) and what it shares with the other masters
// (the duplicate index, the reports of early stopping): member definitions
// of Master, included by mpi/master.hpp after the class.
#pragma once

#include <evonas/mpi/master.hpp>

namespace evonas::mpi::detail {

template <class G>
void Master<G>::periodic() {
    const auto now = clock::now();
    model_.set_elapsed(elapsed());
    maybe_notice();
    check_lost(now);
    if (events_.size() && now - events_since_ > std::chrono::milliseconds(20)) flush_events();
    if (seen_out_.size() && now - seen_since_ > std::chrono::milliseconds(20)) flush_seen();
    if (reports_out_.size() && now - reports_since_ > std::chrono::milliseconds(20)) flush_reports();
    outbox_.reap();
}

template <class G>
void Master<G>::check_lost(clock::time_point now) {
    for (std::size_t w = 0; w < workers_.size(); ++w) {
        auto& ws = workers_[w];
        if (ws.lost || ws.jobs.empty()) continue;
        const auto& head = ws.jobs.front();
        if (!(head.allowed < std::numeric_limits<double>::infinity())) continue;
        const auto began = std::max(head.sent, ws.last_heard);
        const double waited = std::chrono::duration<double>(now - began).count();
        if (waited > head.allowed + options_.lost_worker_grace_seconds) mark_lost(w, waited);
    }
}

template <class G>
void Master<G>::mark_lost(std::size_t w, double waited) {
    auto& ws = workers_[w];
    ws.lost = true;
    --live_;
    ++stats_.lost_workers;
    auto jobs = std::move(ws.jobs);
    ws.jobs.clear();
    outstanding_ -= jobs.size();
    const auto why = fmt::format("worker rank {} did not answer for {:.3g} s (the job's {:.3g} s deadline plus "
                                 "{:.3g} s grace); it is marked lost and gets no more jobs",
                                 ws.rank, waited, jobs.empty() ? 0.0 : jobs.front().allowed,
                                 options_.lost_worker_grace_seconds);
    for (const auto& job : jobs) {
        if (failed_) break;
        const double now = elapsed();
        model_.set_elapsed(now);
        const auto* in_flight = model_.in_flight_job(job.id);
        if (in_flight && in_flight->attempt < 2 && live_ > 0) {
            // Another worker gets it (attempt 2), before anything new.
            own_warning(fmt::format("{}; its job {} goes to another worker", why, job.id));
            model_.requeue(job.id);
            proposals_over_ = false;  // the model has that job to propose again
            continue;
        }
        auto fitness = in_flight && in_flight->attempt >= 2
                           ? Fitness::failed(fmt::format("{}; the job's second worker to be lost (its network "
                                                         "may be what stops them)", why))
                           : Fitness::timed_out(fmt::format("{}; no worker of island {} is left", why, island_));
        model_.complete(job.id, std::move(fitness), WorkInfo{static_cast<std::size_t>(ws.rank), job.sent_elapsed, now});
        ++stats_.results;
        after_complete();
    }
    if (live_ == 0 && !proposals_over_) {
        proposals_over_ = true;
        if (end_note_.empty()) end_note_ = "workers_lost";
    } else {
        for (std::size_t v = 0; v < workers_.size(); ++v) refill(v, options_.jobs_per_worker);
    }
}

template <class G>
void Master<G>::share_seen(std::uint64_t hash, const SeenGenome& seen) {
    if (!options_.share_duplicates || layout_.islands < 2 || sent_done_) return;
    if (seen_out_.size() == 0) seen_since_ = clock::now();
    write_seen(seen_out_, hash, seen);
}

template <class G>
void Master<G>::flush_seen() {
    if (seen_out_.size() == 0) return;
    const auto bytes = seen_out_.take();
    seen_out_ = wire::Writer();
    for (std::size_t j = 0; j < layout_.islands; ++j) {
        if (j != island_) send_to_master(j, tag_seen, bytes);
    }
}

template <class G>
void Master<G>::share_report(const Report& report, Decision decision) {
    if (layout_.islands < 2 || options_.evolution.early_stopping.per_island || sent_done_) return;
    if (reports_out_.size() == 0) reports_since_ = clock::now();
    write_report(reports_out_, report, decision);
}

template <class G>
void Master<G>::flush_reports() {
    if (reports_out_.size() == 0) return;
    const auto bytes = reports_out_.take();
    reports_out_ = wire::Writer();
    for (std::size_t j = 0; j < layout_.islands; ++j) {
        if (j != island_) send_to_master(j, tag_reports, bytes);
    }
}

template <class G>
void Master<G>::note_duration(double seconds) {
    if (!(seconds >= 0.0)) return;
    if (durations_.size() < 101) {
        durations_.push_back(seconds);
    } else {
        durations_[next_duration_++ % durations_.size()] = seconds;  // the latest 101
    }
}

template <class G>
double Master<G>::median_duration() const {
    if (durations_.empty()) return 0.0;
    auto d = durations_;
    std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2), d.end());
    return d[d.size() / 2];
}

}  // namespace evonas::mpi::detail
