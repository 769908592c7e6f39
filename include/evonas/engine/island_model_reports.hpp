// evonas: IslandModel's early-stopping reports (a trainer's intermediate
// results and the stopper's answers): member definitions, included by
// engine/island_model.hpp after the class (which documents them).
#pragma once

#include <evonas/engine/island_model.hpp>

namespace evonas {

template <class G>
Decision IslandModel<G>::report(std::uint64_t job_id, double step, double value) {
    const auto it = in_flight_.find(job_id);
    if (it == in_flight_.end()) {
        throw Error(fmt::format("report(): job {} is not in flight (finished, or never proposed)", job_id));
    }
    const Report r{job_id, it->second.island, step, value};
    const auto answer = reports_.report(r);
    if (answer.fresh) {
        const auto progress_now = progress();
        for (auto& o : observers_) o->on_reported(r, answer.decision, progress_now);
    }
    return answer.decision;
}

}  // namespace evonas
