// evonas: IslandModel::complete_and_propose(), a worker's result and its
// next job as one batch for the observers (included by island_model.hpp).
#pragma once

#include <exception>
#include <utility>

#include <evonas/engine/island_model.hpp>

namespace evonas {

template <class G>
Handover<G> IslandModel<G>::complete_and_propose(std::uint64_t job_id, Fitness fitness, WorkInfo work,
                                                 std::size_t island, const Prepare& prepare) {
    return in_one_batch(job_id, std::move(fitness), work, [&] { return propose(island, prepare); });
}

template <class G>
Handover<G> IslandModel<G>::complete_and_propose_next(std::uint64_t job_id, Fitness fitness, WorkInfo work,
                                                      const Prepare& prepare) {
    return in_one_batch(job_id, std::move(fitness), work, [&] { return propose_next(prepare); });
}

template <class G>
template <class Next>
Handover<G> IslandModel<G>::in_one_batch(std::uint64_t job_id, Fitness fitness, WorkInfo work, Next&& next) {
    for (auto& o : observers_) o->on_batch_begin();
    Handover<G> out;
    std::exception_ptr failure;  // the step's exception, else the first observer's
    try {
        out.record = complete(job_id, std::move(fitness), work);
        out.next = next();
    } catch (...) {
        failure = std::current_exception();
    }
    for (auto& o : observers_) {  // every observer ends its batch
        try {
            o->on_batch_end();
        } catch (...) {
            if (!failure) failure = std::current_exception();
        }
    }
    if (failure) std::rethrow_exception(failure);
    return out;
}

}  // namespace evonas
