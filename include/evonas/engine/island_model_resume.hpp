// evonas: IslandModel's replay, requeue and resume side: member definitions,
// included by engine/island_model.hpp after the class (which documents them).
#pragma once

#include <evonas/engine/island_model.hpp>

namespace evonas {

template <class G>
void IslandModel<G>::replay_report(const Report& r, Decision logged, bool keep_history) {
    reports_.replay(r, logged, keep_history);
}

template <class G>
bool IslandModel<G>::is_waiting(std::uint64_t job_id) const {
    for (const auto& is : islands_) {
        for (const auto& j : is.retry) {
            if (j.id == job_id) return true;
        }
    }
    return false;
}

template <class G>
void IslandModel<G>::replay(const JobRecord<G>& record) {
    const auto island = record.job.island;
    if (island >= islands_.size()) {
        throw Error(fmt::format("replay: job {} names island {}, the run has {}", record.job.id,
                                island, islands_.size()));
    }
    auto& is = islands_[island];
    move_cursor(is, record.job.cursor);
    next_island_ = (island + 1) % islands_.size();
    std::erase_if(is.retry, [&](const Job<G>& j) { return j.id == record.job.id; });
    in_flight_.erase(record.job.id);
    reports_.forget(record.job.id);
    replaying_ = true;
    try {
        finish(record.job, record.fitness, record.work, record.trained);
    } catch (...) {
        replaying_ = false;
        throw;
    }
    replaying_ = false;
}

template <class G>
void IslandModel<G>::replay_dispatched(const Job<G>& job) {
    if (job.island >= islands_.size()) {
        throw Error(fmt::format("replay: job {} names island {}, the run has {}", job.id, job.island,
                                islands_.size()));
    }
    auto& is = islands_[job.island];
    move_cursor(is, job.cursor);
    next_island_ = (job.island + 1) % islands_.size();
    std::erase_if(is.retry, [&](const Job<G>& j) { return j.id == job.id; });
    seen_.add_in_flight(job.hash, job.id);
    in_flight_[job.id] = job;
}

template <class G>
void IslandModel<G>::requeue(std::uint64_t job_id) {
    auto it = in_flight_.find(job_id);
    if (it == in_flight_.end()) throw Error(fmt::format("requeue(): job {} is not in flight", job_id));
    auto job = std::move(it->second);
    in_flight_.erase(it);
    ++job.attempt;
    auto& retry = islands_[job.island].retry;
    retry.insert(std::upper_bound(retry.begin(), retry.end(), job,
                                  [](const Job<G>& a, const Job<G>& b) { return a.id < b.id; }),
                 std::move(job));
}

template <class G>
void IslandModel<G>::requeue_in_flight() {
    for (auto& [id, job] : in_flight_) islands_[job.island].retry.push_back(std::move(job));
    in_flight_.clear();
    for (auto& is : islands_) {
        std::sort(is.retry.begin(), is.retry.end(),
                  [](const Job<G>& a, const Job<G>& b) { return a.id < b.id; });
    }
}

}  // namespace evonas
