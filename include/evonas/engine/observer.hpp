// evonas: hooks that watch a run. Every hook is optional (a no-op by
// default): override only what you need.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include <evonas/engine/individual.hpp>
#include <evonas/engine/progress.hpp>
#include <evonas/engine/stopper.hpp>

namespace evonas {

/// A batch of migrants sent from one island to another.
struct MigrationEvent {
    std::size_t from = 0;  ///< the sending island
    std::size_t to = 0;    ///< the receiving island
    std::vector<std::uint64_t> ids;  ///< ids of the individuals sent
};

/// Watches a run. The engine calls the hooks from the thread that calls
/// propose()/complete() (a driver serialises those), so an observer needs no
/// locking of its own unless it shares state with other threads.
template <class G>
class Observer {
public:
    virtual ~Observer() = default;
    /// A job was handed to a worker.
    virtual void on_proposed(const Job<G>& /*job*/, const Progress& /*progress*/) {}
    /// A job's result was recorded.
    virtual void on_finished(const JobRecord<G>& /*record*/, const Progress& /*progress*/) {}
    /// A job beat the run's best score (after on_finished()).
    virtual void on_improved(const JobRecord<G>& /*record*/, const Progress& /*progress*/) {}
    /// A job reported an intermediate result and was answered `decision`
    /// (early stopping; only reports heard for the first time).
    virtual void on_reported(const Report& /*report*/, Decision /*decision*/, const Progress& /*progress*/) {}
    /// An island sent migrants to another.
    virtual void on_migrated(const MigrationEvent& /*event*/, const Progress& /*progress*/) {}
    /// Something worth a user's attention that does not stop the run (e.g.
    /// the trainer's check rejected many genomes in a row and the engine
    /// fell back to random ones).
    virtual void on_warning(const std::string& /*text*/, const Progress& /*progress*/) {}
    /// The driver wrote a checkpoint to `path`.
    virtual void on_checkpoint(const std::filesystem::path& /*path*/, const Progress& /*progress*/) {}
    /// Called once when the run ends (normally or by exception).
    virtual void on_end(const Progress& /*progress*/) {}
    /// The hooks that follow, up to on_batch_end(), belong to one engine
    /// call that does two things (IslandModel::complete_and_propose(): a
    /// result, then the next job). An observer that writes may hold its
    /// writes until on_batch_end() and make them together: the lineage log
    /// writes both lines with one write(2).
    virtual void on_batch_begin() {}
    /// Ends what on_batch_begin() began. The engine calls it before that
    /// call returns, also when the call throws (then an exception from here
    /// is dropped in favour of the first one).
    virtual void on_batch_end() {}
};

/// The observers of a run, shared with whoever created them.
template <class G>
using ObserverList = std::vector<std::shared_ptr<Observer<G>>>;

}  // namespace evonas
