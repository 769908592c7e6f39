// evonas::mpi: how an island master ends its run without leaving anyone
// blocked (done, finish, the last checkpoint, stop to the workers): member
// definitions of Master, included by mpi/master.hpp after the class.
#pragma once

#include <evonas/mpi/master.hpp>

namespace evonas::mpi::detail {

template <class G>
void Master<G>::after_message() {
    if (!book_ && events_.size() >= 16384) guard([&] { flush_events(); });
    if (seen_out_.size() >= 16384) guard([&] { flush_seen(); });
    if (reports_out_.size() >= 16384) guard([&] { flush_reports(); });
    if (!sent_done_ && outstanding_ == 0 && (failed_ || proposals_over_ || live_ == 0)) {
        guard([&] { send_done(); });
    }
    if (finishing_ && received_ >= expected_) finished_ = true;
}

template <class G>
void Master<G>::flush_events() {
    if (events_.size() == 0) return;
    outbox_.send(0, tag_events, events_.take());
    events_ = wire::Writer();
}

template <class G>
void Master<G>::send_done() {
    flush_seen();  // before the counts of messages to other masters are final
    flush_reports();
    sent_done_ = true;
    Done done{sent_to_, end_note_};
    if (is_root()) {
        on_done(island_, done);
    } else {
        flush_events();
        outbox_.send(0, tag_done, encode_done(done));
    }
}

/// Rank 0, once every island is done: the last checkpoint, the result,
/// and `finish` to every other master.
template <class G>
void Master<G>::finish_run() {
    auto& book = *book_;
    book.model->set_elapsed(elapsed());
    if (!failed_) guard([&] { book.checkpoint(); });
    guard([&] { book.end(); });
    Outcome<G> outcome;
    outcome.failed = failed_;
    outcome.error = error_text_;
    outcome.result = book.model->result();
    outcome.result.elapsed_seconds = elapsed();
    outcome.result.stop_reason = failed_                 ? std::string("error")
                                 : !stop_reason_.empty() ? stop_reason_
                                 : !end_note_.empty()    ? end_note_
                                                         : std::string("max_evaluations");
    for (std::size_t j = 0; j < layout_.islands; ++j) {
        if (j == island_) continue;
        outbox_.send(layout_.masters[j], tag_finish, encode_finish(Finish<G>{expected_by_island_[j], outcome}, space_));
    }
    expected_ = expected_by_island_[island_];
    outcome_ = std::move(outcome);
    finishing_ = true;
}

template <class G>
EvolutionResult<G> Master<G>::end() {
    if (failed_ && !outcome_.failed) {
        outcome_.failed = true;
        outcome_.error = error_text_;
    }
    const auto stop = encode_stop(outcome_, space_);
    for (const auto& ws : workers_) outbox_.send(ws.rank, tag_stop, stop);
    outbox_.finish([&](int rank) {
        const int w = worker_of_rank_[static_cast<std::size_t>(rank)];
        return w >= 0 && workers_[static_cast<std::size_t>(w)].lost;
    });
    stats_.wall_seconds = std::chrono::duration<double>(clock::now() - start_).count();
    if (options_.stats) *options_.stats = stats_;
    if (own_error_) std::rethrow_exception(own_error_);
    if (outcome_.failed) throw Error(fmt::format("evonas::mpi: the run failed: {}", outcome_.error));
    return std::move(outcome_.result);
}

}  // namespace evonas::mpi::detail
