// evonas: IslandModel::complete_and_propose(), a worker's result and its
// next job as one batch for the observers (included by island_model.hpp).
#pragma once

#include <exception>
#include <utility>

#include <evonas/engine/island_model.hpp>

namespace evonas {

template <class G>
template <class Next>
Handover<G> IslandModel<G>::in_one_batch(std::uint64_t job_id, Fitness fitness, WorkInfo work, Next&& next) {
    for (auto& o : observers_) o->on_batch_begin();
    Handover<G> out;
    try {
        out.record = complete(job_id, std::move(fitness), work);
        out.next = next();
    } catch (...) {
        for (auto& o : observers_) {
            try {
                o->on_batch_end();
            } catch (...) {  // the step's exception is the one to report
            }
        }
        throw;
    }
    std::exception_ptr failure;  // every observer ends its batch; the first failure is reported
    for (auto& o : observers_) {
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
