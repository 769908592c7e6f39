// evonas::mpi: an island master's loop. Rank 0's book is in mpi/book.hpp,
// the watch over workers and what masters share in mpi/master_watch.hpp,
// the end of the run in mpi/master_end.hpp.
//
// A master runs one island of its own IslandModel (the same engine as the
// thread driver): it keeps each of its workers busy (a result in, the next
// job out at once), sends migrants to other masters without waiting for
// them, marks workers that stop answering as lost, and forwards every
// finished job to rank 0. Rank 0 (always a master) also keeps the book: a
// model that replays every island's finished jobs in the order they arrive,
// from which it writes the lineage log, the checkpoints and the result.
//
// Early stopping: a worker's report reaches its island master, whose model
// asks its stopper and answers at once; the master passes the answered
// report to rank 0's log and, when stoppers compare across islands (not
// early_stopping.per_island), to the other masters, whose stoppers take it
// in as evidence (a little later than their own island's reports).
//
// Ending a run without leaving anyone blocked: a master whose island is
// finished (no job in flight, none to propose) sends `done` to rank 0 with
// the number of messages it sent to each other master. When every island
// is done, rank 0 sends `finish` with the count each master must still
// receive; a master drains those, tells its workers to stop, completes its
// sends (except to lost workers) and returns. No collective is used after
// the start, so a hung worker cannot hold the others.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <mpi.h>

#include <evonas/engine/island_model.hpp>
#include <evonas/engine/observer.hpp>
#include <evonas/error.hpp>
#include <evonas/io/lineage.hpp>
#include <evonas/io/resume.hpp>
#include <evonas/io/run_directory.hpp>
#include <evonas/mpi/book.hpp>
#include <evonas/mpi/layout.hpp>
#include <evonas/mpi/messages.hpp>
#include <evonas/mpi/options.hpp>
#include <evonas/mpi/transport.hpp>

namespace evonas::mpi::detail {

inline std::string describe(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "an exception that is not a std::exception";
    }
}

/// Passes the events of a master's own model to the master.
template <class M, class G>
class Forwarder : public Observer<G> {
public:
    explicit Forwarder(M& master) : master_(master) {}
    void on_proposed(const Job<G>& job, const Progress&) override { master_.own_proposed(job); }
    void on_finished(const JobRecord<G>& record, const Progress&) override { master_.own_finished(record); }
    void on_migrated(const MigrationEvent& event, const Progress&) override { master_.own_migrated(event); }
    void on_warning(const std::string& text, const Progress&) override { master_.own_warning(text); }
    void on_reported(const Report& report, Decision decision, const Progress&) override {
        master_.own_reported(report, decision);
    }

private:
    M& master_;
};

/// One island master. Thread safety: none; run() owns the calling thread.
template <class G>
class Master {
public:
    using clock = std::chrono::steady_clock;
    using Model = IslandModel<G>;
    using Prepare = typename Model::Prepare;

    Master(MPI_Comm comm, const Layout& layout, const space_of<G>& space, Model& model,
           const BasicRunOptions<G>& options, Prepare prepare, Book<G>* book, clock::time_point start, double offset)
        : comm_(comm),
          layout_(layout),
          space_(space),
          model_(model),
          options_(options),
          prepare_(std::move(prepare)),
          book_(book),
          start_(start),
          offset_(offset),
          island_(layout.place.island),
          outbox_(comm),
          sent_to_(layout.islands, 0) {
        const auto& ranks = layout.workers[island_];
        worker_of_rank_.assign(static_cast<std::size_t>(layout.place.size), -1);
        for (std::size_t w = 0; w < ranks.size(); ++w) {
            workers_.push_back(WorkerState{ranks[w], false, {}, start});
            worker_of_rank_[static_cast<std::size_t>(ranks[w])] = static_cast<int>(w);
        }
        live_ = workers_.size();
        if (is_root()) {
            island_done_.assign(layout.islands, false);
            expected_by_island_.assign(layout.islands, 0);
        }
        stats_.master = true;
        stats_.island = island_;
    }

    Master(const Master&) = delete;
    Master& operator=(const Master&) = delete;

    EvolutionResult<G> run() {
        model_.add_observer(std::make_shared<Forwarder<Master, G>>(*this));
        guard([&] {
            // Every worker gets its first job(s), round by round.
            for (std::size_t round = 0; round < options_.jobs_per_worker; ++round) {
                for (std::size_t w = 0; w < workers_.size(); ++w) refill(w, round + 1);
            }
        });
        after_message();
        Backoff backoff;
        auto last_periodic = clock::now();
        while (!finished_) {
            MPI_Status status;
            int flag = 0;
            check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &flag, &status), "MPI_Iprobe");
            auto now = clock::now();
            if (flag) {
                // Every 8th message, the thread's CPU time too (a system call:
                // too dear for every message), to tell work from preemption.
                const bool sample = (stats_.messages & 7) == 0;
                const double cpu0 = sample ? thread_cpu_seconds() : 0.0;
                guard([&] { handle(status); });
                after_message();
                const auto t1 = clock::now();
                stats_.busy_seconds += std::chrono::duration<double>(t1 - now).count();
                if (sample) stats_.busy_cpu_seconds += 8.0 * (thread_cpu_seconds() - cpu0);
                now = t1;
                backoff.reset();
            } else {
                backoff.pause();
            }
            // Deadlines, stop criteria and batched events, even while messages keep coming.
            if (now - last_periodic >= std::chrono::milliseconds(2)) {
                last_periodic = now;
                guard([&] { periodic(); });
                after_message();
            }
        }
        return end();
    }

    // Called by the Forwarder from inside the model's complete()/propose().
    void own_proposed(const Job<G>& job) {
        share_seen(job.hash, SeenGenome{job.id, false, FitnessStatus::ok, 0.0});
        if (book_) {
            book_->accept_dispatched(job);
        } else {
            if (events_.size() == 0) events_since_ = clock::now();
            events_.u8(event_dispatched);
            wire::write(events_, job, &space_);
        }
    }
    void own_finished(const JobRecord<G>& record) {
        if (record.trained) {
            share_seen(record.job.hash, SeenGenome{record.job.id, true, record.fitness.status,
                                                   record.fitness.rank_score_or(0.0)});
        }
        if (book_) {
            book_->accept(record);
        } else {
            if (events_.size() == 0) events_since_ = clock::now();
            events_.u8(event_record);
            wire::write(events_, record, &space_);
        }
    }
    void own_warning(const std::string& text) {
        if (book_) {
            book_->accept_warning(text);
        } else {
            if (events_.size() == 0) events_since_ = clock::now();
            events_.u8(event_warning);
            events_.str(text);
        }
    }
    void own_reported(const Report& report, Decision decision) {
        share_report(report, decision);
        if (book_) {
            book_->accept_report(report, decision);
        } else {
            if (events_.size() == 0) events_since_ = clock::now();
            events_.u8(event_report);
            write_report(events_, report, decision);
        }
    }
    void own_migrated(const MigrationEvent& event) {
        if (book_) {
            book_->accept(event);
        } else {
            if (events_.size() == 0) events_since_ = clock::now();
            events_.u8(event_migration);
            wire::write(events_, event);
        }
    }

private:
    struct InFlight {
        std::uint64_t id;
        clock::time_point sent;
        double sent_elapsed;
        double allowed;  ///< seconds the job may take (deadline), infinity when none
    };
    struct WorkerState {
        int rank;
        bool lost;
        std::deque<InFlight> jobs;  ///< in the order sent (a worker takes them in order)
        clock::time_point last_heard;
    };

    bool is_root() const noexcept { return book_ != nullptr; }

    double elapsed() const {
        return offset_ + std::chrono::duration<double>(clock::now() - start_).count();
    }

    template <class F>
    void guard(F&& f) {
        try {
            f();
        } catch (...) {
            fail(std::current_exception());
        }
    }

    // ------------------------------------------------------------ messages

    void handle(const MPI_Status& status) {
        const auto bytes = receive_probed(comm_, status);
        ++stats_.messages;
        switch (status.MPI_TAG) {
            case tag_result: on_result(status.MPI_SOURCE, bytes); break;
            case tag_report: on_report(status.MPI_SOURCE, bytes); break;
            case tag_reports:
                ++received_;
                if (!failed_) {
                    read_reports(bytes, [&](const Report& r, Decision d) { model_.replay_report(r, d, false); });
                }
                break;
            case tag_migrants:
                ++received_;
                on_migrants(bytes);
                break;
            case tag_notice:
                ++received_;
                on_notice(decode_notice(bytes));
                break;
            case tag_events:
                if (!is_root()) unexpected(status);
                on_events(bytes);
                break;
            case tag_done:
                if (!is_root()) unexpected(status);
                on_done(layout_.island_of_rank[static_cast<std::size_t>(status.MPI_SOURCE)], decode_done(bytes));
                break;
            case tag_finish:
                if (is_root()) unexpected(status);
                on_finish(decode_finish<G>(bytes, space_));
                break;
            case tag_seen:
                ++received_;
                if (!failed_) read_seen(bytes, [&](std::uint64_t hash, const SeenGenome& seen) { model_.note_seen(hash, seen); });
                break;
            default: unexpected(status);
        }
    }

    [[noreturn]] void unexpected(const MPI_Status& status) const {
        throw Error(fmt::format("evonas::mpi: master rank {} got an unexpected '{}' message from rank {}",
                                layout_.place.rank, tag_name(status.MPI_TAG), status.MPI_SOURCE));
    }

    /// The index of the worker at rank `source`; throws when it is none of this island's.
    std::size_t worker_at(int source, std::string_view what) const {
        const int w = source >= 0 && static_cast<std::size_t>(source) < worker_of_rank_.size()
                          ? worker_of_rank_[static_cast<std::size_t>(source)]
                          : -1;
        if (w < 0) throw Error(fmt::format("evonas::mpi: a {} from rank {}, which is not a worker of island {}", what,
                                           source, island_));
        return static_cast<std::size_t>(w);
    }

    /// A report of the job a worker is training: the model's stopper
    /// decides, the worker (waiting) hears at once. Reports of a lost
    /// worker, or after the run failed, are answered stop (nobody will
    /// keep that training's result).
    void on_report(int source, const std::vector<char>& bytes) {
        auto& ws = workers_[worker_at(source, "report")];
        const auto message = decode_report(bytes);
        Decision decision = Decision::stop;
        try {
            if (!failed_ && !ws.lost && !ws.jobs.empty() && ws.jobs.front().id == message.id) {
                model_.set_elapsed(elapsed());
                decision = model_.report(message.id, message.step, message.value);
            }
        } catch (...) {
            outbox_.send(ws.rank, tag_decision, encode_decision(Decision::stop));  // do not leave it waiting
            throw;
        }
        outbox_.send(ws.rank, tag_decision, encode_decision(decision));
    }

    void on_result(int source, const std::vector<char>& bytes) {
        const auto w = worker_at(source, "result");
        auto message = decode_result(bytes);
        auto& ws = workers_[w];
        if (ws.lost || ws.jobs.empty() || ws.jobs.front().id != message.id) {
            ++stats_.stale_results;  // a lost worker woke up: its jobs are already recorded
            return;
        }
        const auto job = ws.jobs.front();
        ws.jobs.pop_front();
        --outstanding_;
        ws.last_heard = clock::now();
        if (!failed_) {
            const double finished = elapsed();
            const double started = std::max(job.sent_elapsed, finished - message.seconds);
            note_duration(message.seconds);
            model_.set_elapsed(finished);
            model_.complete(message.id, std::move(message.fitness),
                            WorkInfo{static_cast<std::size_t>(ws.rank), started, finished});
            ++stats_.results;
            after_complete();
        }
        refill(w, options_.jobs_per_worker);
    }

    void on_migrants(const std::vector<char>& bytes) {
        wire::Reader r(bytes.data(), bytes.size(), "migrants");
        const auto to = r.u64();
        r.u64();  // from island
        auto migrants = wire::read_individuals<G>(r, space_);
        r.expect_end();
        if (to != island_) r.fail(fmt::format("migrants for island {} sent to the master of island {}", to, island_));
        if (!failed_) model_.receive_migrants(island_, std::move(migrants));
    }

    void on_notice(const Notice& notice) {
        if (notice.failed) {
            if (!failed_) {
                failed_ = true;
                error_text_ = notice.text;
                stop_reason_ = "error";
                model_.request_stop("error");
            }
            return;
        }
        heard_stop_ = true;
        if (stop_reason_.empty()) stop_reason_ = notice.text;
        model_.request_stop(notice.text);
    }

    void on_events(const std::vector<char>& bytes) {
        wire::Reader r(bytes.data(), bytes.size(), "events");
        while (!r.at_end()) {
            const auto kind = r.u8();
            if (kind == event_record) {
                const auto record = wire::read_record<G>(r, space_);
                if (failed_) continue;
                book_->accept(record);
                if (book_->checkpoint_due) book_->checkpoint();
            } else if (kind == event_migration) {
                const auto event = wire::read_migration(r);
                if (!failed_) book_->accept(event);
            } else if (kind == event_dispatched) {
                const auto job = wire::read_job<G>(r, space_);
                if (!failed_) book_->accept_dispatched(job);
            } else if (kind == event_warning) {
                const auto text = r.str();
                if (!failed_) book_->accept_warning(text);
            } else if (kind == event_report) {
                const auto [report, decision] = read_report(r);
                if (!failed_) book_->accept_report(report, decision);
            } else {
                r.fail(fmt::format("event kind {}", kind));
            }
        }
    }

    void on_done(std::size_t island, const Done& done) {
        if (done.sent.size() != layout_.islands || island_done_[island]) {
            throw Error(fmt::format("evonas::mpi: a malformed 'done' message from island {}", island));
        }
        island_done_[island] = true;
        ++islands_done_;
        for (std::size_t i = 0; i < layout_.islands; ++i) expected_by_island_[i] += done.sent[i];
        if (!done.note.empty() && end_note_.empty()) end_note_ = done.note;
        if (islands_done_ == layout_.islands) finish_run();
    }

    void on_finish(Finish<G> finish) {
        expected_ = finish.expected;
        if (finish.outcome.failed && !failed_) {
            failed_ = true;
            error_text_ = finish.outcome.error;
        }
        if (finish.outcome.failed && error_text_.empty()) error_text_ = finish.outcome.error;
        outcome_ = std::move(finish.outcome);
        finishing_ = true;
    }

    // ------------------------------------------------------------ jobs

    /// Tops worker `w` up to `depth` jobs (while there is anything to propose).
    void refill(std::size_t w, std::size_t depth) {
        auto& ws = workers_[w];
        while (!ws.lost && !failed_ && !proposals_over_ && ws.jobs.size() < depth) {
            model_.set_elapsed(elapsed());
            auto job = model_.propose(island_, prepare_);
            if (!job) {
                // Monotone: a model stops for good, and its budget only fills up.
                proposals_over_ = true;
                if (model_.stop_reason() == "max_resource" && end_note_.empty()) end_note_ = "max_resource";
                maybe_notice();
                break;
            }
            send_job(ws, *job);
        }
    }

    void send_job(WorkerState& ws, const Job<G>& job) {
        const double timeout = options_.job_timeout_seconds;
        double run_left = -1.0;
        const double now = elapsed();
        if (options_.evolution.stop.max_seconds > 0.0) {
            run_left = std::max(0.0, options_.evolution.stop.max_seconds - now);
        }
        double allowed = std::numeric_limits<double>::infinity();
        if (timeout > 0.0) allowed = timeout;
        if (run_left >= 0.0) allowed = std::min(allowed, run_left);
        if (allowed == std::numeric_limits<double>::infinity() && options_.auto_deadline_factor > 0.0) {
            allowed = std::max(options_.auto_deadline_min_seconds, options_.auto_deadline_factor * median_duration());
        }
        outbox_.send(ws.rank, tag_job, encode_job(job, timeout, run_left, &space_));
        ws.jobs.push_back(InFlight{job.id, clock::now(), now, allowed});
        ++outstanding_;
        ++stats_.jobs;
    }

    /// After each job this island finishes: migrants for islands run by
    /// other masters go out, a stop criterion reached here is announced.
    void after_complete() {
        for (std::size_t j = 0; j < layout_.islands; ++j) {
            if (j == island_) continue;
            auto migrants = model_.take_inbox(j);
            if (migrants.empty()) continue;
            wire::Writer w;
            w.u64(j);
            w.u64(island_);
            wire::write(w, migrants, &space_);
            send_to_master(j, tag_migrants, w.take());
        }
        maybe_notice();
        if (book_ && book_->checkpoint_due) book_->checkpoint();
    }

    void send_to_master(std::size_t island, int tag, std::vector<char> bytes) {
        outbox_.send(layout_.masters[island], tag, std::move(bytes));
        ++sent_to_[island];
    }

    /// A stop criterion met on this island (other than its share of the
    /// evaluations or of the resource being spent) stops every island.
    void maybe_notice() {
        if (noticed_ || heard_stop_ || failed_ || sent_done_) return;
        // Each island has its own share of these budgets: it ends alone.
        if (!model_.stopping() || model_.stop_reason() == "max_evaluations" || model_.stop_reason() == "max_resource") {
            return;
        }
        noticed_ = true;
        if (stop_reason_.empty()) stop_reason_ = model_.stop_reason();
        broadcast_notice(Notice{false, model_.stop_reason(), layout_.place.rank});
    }

    void broadcast_notice(const Notice& notice) {
        const auto bytes = encode_notice(notice);
        for (std::size_t j = 0; j < layout_.islands; ++j) {
            if (j != island_) send_to_master(j, tag_notice, bytes);
        }
    }

    void fail(std::exception_ptr e) {
        if (failed_ && own_error_) return;
        if (!failed_) {
            failed_ = true;
            error_text_ = fmt::format("rank {}: {}", layout_.place.rank, describe(e));
            stop_reason_ = "error";
            model_.request_stop("error");
            if (!sent_done_) broadcast_notice(Notice{true, error_text_, layout_.place.rank});
        }
        own_error_ = e;
    }

    // ------------------------------------------------------------ time

    void periodic();

    void check_lost(clock::time_point now);

    void mark_lost(std::size_t w, double waited);

    // ------------------------------------------------------------ duplicates across islands

    /// Queues a duplicate-index entry for every other master.
    void share_seen(std::uint64_t hash, const SeenGenome& seen);

    void flush_seen();

    /// Queues an answered report for the other masters' stoppers (when they
    /// compare across islands).
    void share_report(const Report& report, Decision decision);

    void flush_reports();

    // ------------------------------------------------------------ job durations

    void note_duration(double seconds);

    double median_duration() const;

    // ------------------------------------------------------------ the end (mpi/master_end.hpp)

    void after_message();

    void flush_events();

    void send_done();

    /// Rank 0, once every island is done: the last checkpoint, the result,
    /// and `finish` to every other master.
    void finish_run();

    EvolutionResult<G> end();

    MPI_Comm comm_;
    const Layout& layout_;
    const space_of<G>& space_;
    Model& model_;
    const BasicRunOptions<G>& options_;
    Prepare prepare_;
    Book<G>* book_;
    clock::time_point start_;
    double offset_;
    std::size_t island_;
    Outbox outbox_;

    std::vector<WorkerState> workers_;
    std::vector<int> worker_of_rank_;
    std::size_t live_ = 0;
    std::size_t outstanding_ = 0;
    bool proposals_over_ = false;

    wire::Writer events_;
    clock::time_point events_since_{};
    wire::Writer seen_out_;               ///< duplicate-index entries for the other masters
    clock::time_point seen_since_{};
    wire::Writer reports_out_;            ///< answered reports for the other masters
    clock::time_point reports_since_{};
    std::vector<double> durations_;       ///< the latest job durations (automatic deadline)
    std::size_t next_duration_ = 0;

    std::vector<std::uint64_t> sent_to_;  ///< master -> master messages sent, per island
    std::uint64_t received_ = 0;          ///< master -> master messages received
    std::uint64_t expected_ = 0;          ///< ... in all, once `finish` says
    bool noticed_ = false;
    bool heard_stop_ = false;
    bool sent_done_ = false;
    bool finishing_ = false;
    bool finished_ = false;
    std::string stop_reason_;
    std::string end_note_;

    bool failed_ = false;
    std::string error_text_;
    std::exception_ptr own_error_;
    Outcome<G> outcome_;

    // rank 0
    std::vector<bool> island_done_;
    std::size_t islands_done_ = 0;
    std::vector<std::uint64_t> expected_by_island_;

    DriverStats stats_;
};

}  // namespace evonas::mpi::detail

// Watching the workers (lost ones, job durations) and sharing the
// duplicate index with the other masters.
#include <evonas/mpi/master_watch.hpp>
// Ending the run without leaving anyone blocked.
#include <evonas/mpi/master_end.hpp>
