// evonas::mpi: rank 0's book of the whole run (every island's finished jobs
// replayed into one model, the run files and the observers), which the
// master of rank 0 feeds from its own island and from the other masters'
// event messages.
#pragma once

#include <exception>
#include <memory>
#include <string>

#include <evonas/engine/island_model.hpp>
#include <evonas/engine/observer.hpp>
#include <evonas/io/lineage.hpp>
#include <evonas/io/resume.hpp>
#include <evonas/io/run_directory.hpp>

namespace evonas::mpi::detail {

/// Rank 0's bookkeeping: the book model (every island's finished jobs), the
/// run files and the observers. With one island the book is rank 0's own
/// model. Thread safety: none (the master's thread only).
template <class G>
struct Book {
    IslandModel<G>* model = nullptr;
    bool separate = false;                 ///< replay records into `model` (more than one island)
    std::shared_ptr<BasicLineageLog<G>> log;  ///< null without a run directory
    RunPaths paths;
    std::uint64_t checkpoint_interval = 0;
    ObserverList<G> observers;   ///< the user's and the console's
    bool checkpoint_due = false;

    void accept(const JobRecord<G>& record) {
        if (separate) model->replay(record);
        const auto progress = model->progress();
        if (log) log->on_finished(record, progress);
        for (auto& o : observers) o->on_finished(record, progress);
        if (record.fitness.ok() && progress.best_id == record.job.id) {
            for (auto& o : observers) o->on_improved(record, progress);
        }
        if (log && record.trained && checkpoint_interval && progress.counts.finished % checkpoint_interval == 0) {
            checkpoint_due = true;
        }
    }

    /// A job went to a worker: the lineage's "dispatched" line (and, with a
    /// separate book, the job is in flight in the book model, so a
    /// checkpoint carries it and a resume sends it again).
    void accept_dispatched(const Job<G>& job) {
        if (separate) model->replay_dispatched(job);
        if (log) log->on_proposed(job, model->progress());
    }

    /// A master's warning: logged and told to the observers.
    void accept_warning(const std::string& text) {
        const auto progress = model->progress();
        if (log) log->on_warning(text, progress);
        for (auto& o : observers) o->on_warning(text, progress);
    }

    /// An island's answered report (early stopping): the lineage's "report"
    /// line, and the observers. The book model needs none: the stopped
    /// job's record carries its stopped_at metric.
    void accept_report(const Report& report, Decision decision) {
        const auto progress = model->progress();
        if (log) log->on_reported(report, decision, progress);
        for (auto& o : observers) o->on_reported(report, decision, progress);
    }

    void accept(const MigrationEvent& event) {
        const auto progress = model->progress();
        if (log) log->on_migrated(event, progress);
        for (auto& o : observers) o->on_migrated(event, progress);
    }

    void checkpoint() {
        checkpoint_due = false;
        if (!log) return;
        write_run_checkpoint(*model, paths, *log);
        const auto progress = model->progress();
        for (auto& o : observers) o->on_checkpoint(paths.checkpoint(), progress);
    }

    /// Flushes the log and tells the observers the run is over; the first
    /// exception is rethrown after every observer has been told.
    void end() {
        const auto progress = model->progress();
        std::exception_ptr first;
        if (log) {
            try {
                log->on_end(progress);
            } catch (...) {
                first = std::current_exception();
            }
        }
        for (auto& o : observers) {
            try {
                o->on_end(progress);
            } catch (...) {
                if (!first) first = std::current_exception();
            }
        }
        if (first) std::rethrow_exception(first);
    }
};

}  // namespace evonas::mpi::detail
