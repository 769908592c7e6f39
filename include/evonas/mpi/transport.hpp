// evonas::mpi: the point-to-point plumbing of the MPI driver: message tags,
// non-blocking sends that keep their buffers alive, receiving a probed
// message, and polling that backs off to sleep when nothing arrives.
//
// Every message is a byte buffer (wire.hpp). A receiver always probes first
// and then receives by the probed source and tag (a zero-length message
// received as a serialized type aborts Boost.MPI, see platform-notes).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <ctime>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <mpi.h>

#include <evonas/error.hpp>

namespace evonas::mpi::detail {

/// The message tags of the driver, on the driver's own duplicate of the
/// user's communicator (so they never mix with the user's messages).
enum Tag : int {
    tag_job = 1,        ///< master -> worker: one job to evaluate
    tag_result = 2,     ///< worker -> master: the fitness of a job
    tag_stop = 3,       ///< master -> worker: the run is over (with the result)
    tag_migrants = 4,   ///< master -> master: individuals for the receiver's island
    tag_notice = 5,     ///< master -> master: stop now (a stop criterion or an error)
    tag_events = 6,     ///< master -> rank 0: finished jobs and migrations, batched
    tag_done = 7,       ///< master -> rank 0: my island is finished (with message counts)
    tag_finish = 8,     ///< rank 0 -> master: everyone is finished (with the result)
    tag_seen = 9,       ///< master -> master: genomes sent to training and their results (duplicate index)
    tag_report = 10,    ///< worker -> master: an intermediate result of the job in training (early stopping)
    tag_decision = 11,  ///< master -> worker: the answer to a report (keep training or stop)
    tag_reports = 12,   ///< master -> master: its island's reports, for stoppers shared across islands
};

inline const char* tag_name(int tag) noexcept {
    switch (tag) {
        case tag_job: return "job";
        case tag_result: return "result";
        case tag_stop: return "stop";
        case tag_migrants: return "migrants";
        case tag_notice: return "notice";
        case tag_events: return "events";
        case tag_done: return "done";
        case tag_finish: return "finish";
        case tag_seen: return "seen";
        case tag_report: return "report";
        case tag_decision: return "decision";
        case tag_reports: return "reports";
        default: return "unknown";
    }
}

/// CPU time of the calling thread in seconds (0 where POSIX does not say).
inline double thread_cpu_seconds() noexcept {
#if defined(CLOCK_THREAD_CPUTIME_ID)
    timespec t{};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) == 0) return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
#endif
    return 0.0;
}

inline void check_mpi(int code, const char* call) {
    if (code != MPI_SUCCESS) throw Error(fmt::format("evonas::mpi: {} failed (MPI error {})", call, code));
}

/// Receives the message `status` describes (from a probe) into a buffer.
inline std::vector<char> receive_probed(MPI_Comm comm, const MPI_Status& status) {
    int count = 0;
    check_mpi(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
    std::vector<char> bytes(static_cast<std::size_t>(count));
    check_mpi(MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, comm, MPI_STATUS_IGNORE),
              "MPI_Recv");
    return bytes;
}

/// Non-blocking sends: each buffer lives until its send completes, so a
/// sender never waits for its receiver (a large message to a busy worker
/// would otherwise block until the worker posts its receive).
/// Thread safety: none (one per process, used by the driver's thread).
class Outbox {
public:
    explicit Outbox(MPI_Comm comm) : comm_(comm) {}
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;
    ~Outbox() { abandon_all(); }

    void send(int dest, int tag, std::vector<char> bytes) {
        MPI_Request request = MPI_REQUEST_NULL;
        check_mpi(MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, tag, comm_, &request),
                  "MPI_Isend");
        requests_.push_back(request);
        pending_.push_back({dest, std::move(bytes)});
        if (requests_.size() >= reap_at_) reap();
    }

    /// Forgets the sends that have completed.
    void reap() {
        if (requests_.empty()) return;
        indices_.resize(requests_.size());
        int done = 0;
        check_mpi(MPI_Testsome(static_cast<int>(requests_.size()), requests_.data(), &done, indices_.data(),
                               MPI_STATUSES_IGNORE),
                  "MPI_Testsome");
        if (done > 0 && done != MPI_UNDEFINED) compact();
        reap_at_ = std::max<std::size_t>(64, 2 * requests_.size());
    }

    /// Waits for every send except those to ranks for which `abandon(rank)`
    /// is true (lost workers, which may never receive): those requests are
    /// freed and their buffers deliberately leaked, since MPI may still read
    /// them if the rank wakes up.
    template <class Abandon>
    void finish(Abandon&& abandon) {
        for (std::size_t i = 0; i < requests_.size(); ++i) {
            if (requests_[i] == MPI_REQUEST_NULL) continue;
            if (abandon(pending_[i].dest)) {
                leak(i);
            } else {
                check_mpi(MPI_Wait(&requests_[i], MPI_STATUS_IGNORE), "MPI_Wait");
            }
        }
        requests_.clear();
        pending_.clear();
    }

    std::size_t pending() const noexcept { return requests_.size(); }

private:
    struct Pending {
        int dest;
        std::vector<char> bytes;
    };

    void compact() {
        std::size_t out = 0;
        for (std::size_t i = 0; i < requests_.size(); ++i) {
            if (requests_[i] == MPI_REQUEST_NULL) continue;
            if (out != i) {  // never self-move: it would free a buffer MPI still reads
                requests_[out] = requests_[i];
                pending_[out] = std::move(pending_[i]);
            }
            ++out;
        }
        requests_.resize(out);
        pending_.resize(out);
    }

    void leak(std::size_t i) {
        MPI_Request_free(&requests_[i]);
        // Intentionally never freed: the send may still complete later.
        new std::vector<char>(std::move(pending_[i].bytes));
    }

    void abandon_all() noexcept {
        // Only reached when the driver unwinds through an exception without
        // finish(): keep the buffers, the sends may still be in progress.
        for (std::size_t i = 0; i < requests_.size(); ++i) {
            if (requests_[i] != MPI_REQUEST_NULL) leak(i);
        }
    }

    MPI_Comm comm_;
    std::vector<MPI_Request> requests_;
    std::vector<Pending> pending_;
    std::vector<int> indices_;
    std::size_t reap_at_ = 64;
};

/// Polling without burning a core: spins for a while after the last
/// message (latency of a few microseconds while messages flow), then
/// yields the processor, then sleeps in doubling steps up to `max_sleep`
/// (a waiting rank costs next to no CPU, which matters when ranks share
/// cores).
class Backoff {
public:
    using clock = std::chrono::steady_clock;

    explicit Backoff(std::chrono::microseconds max_sleep = std::chrono::microseconds(1000)) : max_sleep_(max_sleep) {}

    void reset() noexcept { idle_since_.reset(); sleep_ = std::chrono::microseconds(0); }

    /// Call after a poll that found nothing.
    void pause() {
        const auto now = clock::now();
        if (!idle_since_) idle_since_ = now;
        const auto idle = now - *idle_since_;
        if (idle < spin_for) return;
        if (idle < yield_for) {
            std::this_thread::yield();
            return;
        }
        sleep_ = std::clamp(sleep_ * 2, std::chrono::microseconds(50), max_sleep_);
        std::this_thread::sleep_for(sleep_);
    }

private:
    static constexpr std::chrono::microseconds spin_for{200};
    static constexpr std::chrono::microseconds yield_for{2000};
    std::optional<clock::time_point> idle_since_;
    std::chrono::microseconds sleep_{0};
    std::chrono::microseconds max_sleep_;
};

}  // namespace evonas::mpi::detail
