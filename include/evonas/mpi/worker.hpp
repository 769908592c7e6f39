// evonas::mpi: a worker rank's loop: receive a job from the island master,
// evaluate it with this rank's trainer, send the fitness back; until the
// master says stop. With early stopping, each report of the trainer goes
// to the master, and training waits for the answer (one round trip).
#pragma once

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <stop_token>
#include <string>

#include <fmt/format.h>
#include <mpi.h>

#include <evonas/engine/trainer.hpp>
#include <evonas/error.hpp>
#include <evonas/mpi/messages.hpp>
#include <evonas/mpi/options.hpp>
#include <evonas/mpi/transport.hpp>

namespace evonas::mpi::detail {

/// Sends a report of job `id` to the master and waits for its answer. A
/// master that says stop meanwhile (the run ended, or it marked this worker
/// lost) answers for it: the job stops, and the worker's loop then reads
/// the stop message. A report that is not two finite numbers fails the job
/// (the trainer's error), as in the thread driver.
inline Decision ask_master(MPI_Comm comm, int master, std::uint64_t id, double step, double value) {
    evonas::detail::check_report(id, step, value);
    const auto bytes = encode_report(ReportMessage{id, step, value});
    check_mpi(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, master, tag_report, comm), "MPI_Send");
    Backoff backoff;
    for (;;) {
        MPI_Status status;
        int flag = 0;
        check_mpi(MPI_Iprobe(master, tag_decision, comm, &flag, &status), "MPI_Iprobe");
        if (flag) return decode_decision(receive_probed(comm, status));
        check_mpi(MPI_Iprobe(master, tag_stop, comm, &flag, MPI_STATUS_IGNORE), "MPI_Iprobe");
        if (flag) return Decision::stop;
        backoff.pause();
    }
}

/// Evaluates one job the way the thread driver does: a trainer that throws
/// yields a failed fitness with the exception's message; a job that ends
/// past its deadline is timed out; one that ends after the run's time is up
/// is recorded as stopped by the end of the run. `reporter` (empty without
/// early stopping) is what the trainer's ctx.report() calls.
template <class T, class G>
Fitness evaluate_job(T& trainer, const JobOrder<G>& job, const RankPlace& place, const std::stop_token& never,
                     std::function<Decision(double, double)> reporter = {}) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto after = [&](double seconds) {
        return start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds));
    };
    const auto job_deadline = job.timeout > 0.0 ? after(job.timeout) : clock::time_point::max();
    const auto run_deadline = job.run_left >= 0.0 ? after(job.run_left) : clock::time_point::max();
    JobContext ctx{job.id, job.seed, static_cast<std::size_t>(place.rank), job.island,
                   std::min(job_deadline, run_deadline), never};
    ctx.reporter = std::move(reporter);
    Fitness fitness;
    try {
        fitness = trainer.evaluate(job.genome, ctx);
    } catch (const std::exception& e) {
        fitness = Fitness::failed(fmt::format("the trainer threw: {}", e.what()));
    } catch (...) {
        fitness = Fitness::failed("the trainer threw an exception that is not a std::exception");
    }
    const auto ended = clock::now();
    if (ended >= job_deadline) {
        fitness = Fitness::timed_out(fmt::format("the job ran past its {} s deadline", job.timeout));
    } else if (ended >= run_deadline && fitness.ok()) {
        fitness = Fitness::timed_out("stopped because the run ended");
    }
    return fitness;
}

/// The worker loop. Returns the run's result from the master's stop
/// message, or throws evonas::Error when the run failed. `reports`: the run
/// stops networks early, so trainers get a reporter.
template <class G, class T>
EvolutionResult<G> run_worker(MPI_Comm comm, int master, T& trainer, const RankPlace& place,
                              const space_of<G>& space, DriverStats* stats,
                              std::chrono::steady_clock::time_point start, bool reports = false) {
    std::stop_source never_stopped;  // jobs end by their deadline; nothing cancels them midway
    const auto token = never_stopped.get_token();
    Backoff backoff;
    DriverStats local;
    local.island = place.island;
    const auto stop_waiting = [&] {
        int flag = 0;
        check_mpi(MPI_Iprobe(master, tag_stop, comm, &flag, MPI_STATUS_IGNORE), "MPI_Iprobe");
        return flag != 0;
    };
    for (;;) {
        MPI_Status status;
        int flag = 0;
        check_mpi(MPI_Iprobe(master, MPI_ANY_TAG, comm, &flag, &status), "MPI_Iprobe");
        if (!flag) {
            backoff.pause();
            continue;
        }
        backoff.reset();
        // Once the master has said stop, jobs still queued here are stale
        // (this worker was marked lost): never start them.
        if (status.MPI_TAG == tag_job && stop_waiting()) {
            check_mpi(MPI_Probe(master, tag_stop, comm, &status), "MPI_Probe");
        }
        const auto bytes = receive_probed(comm, status);
        ++local.messages;
        if (status.MPI_TAG == tag_stop) {
            local.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (stats) *stats = local;
            auto outcome = decode_stop<G>(bytes, space);
            if (outcome.failed) throw Error(fmt::format("evonas::mpi: the run failed: {}", outcome.error));
            return std::move(outcome.result);
        }
        if (status.MPI_TAG != tag_job) {
            throw Error(fmt::format("evonas::mpi: worker rank {} got an unexpected '{}' message from its master",
                                    place.rank, tag_name(status.MPI_TAG)));
        }
        const auto job = decode_job<G>(bytes, space);
        const auto began = std::chrono::steady_clock::now();
        std::function<Decision(double, double)> reporter;
        if (reports) {
            reporter = [comm, master, id = job.id](double step, double value) {
                return ask_master(comm, master, id, step, value);
            };
        }
        const auto fitness = evaluate_job(trainer, job, place, token, std::move(reporter));
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
        ++local.jobs;
        // A master that has already said stop (this worker was marked lost
        // while it was busy) no longer reads results: do not send one.
        if (stop_waiting()) continue;
        auto reply = encode_result(job.id, seconds, fitness);
        check_mpi(MPI_Send(reply.data(), static_cast<int>(reply.size()), MPI_BYTE, master, tag_result, comm),
                  "MPI_Send");
    }
}

}  // namespace evonas::mpi::detail
