// evonas::mpi: the options of a run with the MPI driver, where each rank
// sits (RankPlace), and how ranks are grouped into islands.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include <fmt/format.h>

#include <evonas/engine/options.hpp>
#include <evonas/engine/trainer.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/genome/layer_gene.hpp>

namespace evonas::mpi {

/// Where one rank sits in the run and what it does. The island mapping sees
/// the first block (rank and node facts); the trainer factory sees it all.
/// Thread safety: a plain value.
struct RankPlace {
    int rank = 0;              ///< rank in the communicator given to evolve()
    int size = 1;              ///< ranks in that communicator
    int node = 0;              ///< index of this rank's node (nodes numbered by their lowest rank)
    int node_count = 1;        ///< nodes the communicator spans
    int node_rank = 0;         ///< rank among the ranks on this node
    int node_size = 1;         ///< ranks on this node
    std::string node_name;     ///< MPI_Get_processor_name

    std::size_t island = 0;    ///< the island this rank belongs to
    bool master = false;       ///< true for the island's master (its lowest rank)
    std::size_t worker = 0;    ///< workers: index among the island's workers
    std::size_t node_worker = 0;  ///< workers: index among the worker ranks of this node; pick a GPU
                                  ///< with it: gpu = node_worker % gpus_per_node
};

/// Maps a rank (its place, island fields not set yet) to its island in
/// [0, islands). Must give every rank an island; each island needs at
/// least two ranks (its master and a worker). The lowest rank of an island
/// is its master.
using IslandMapping = std::function<std::size_t(const RankPlace& place, std::size_t islands)>;

/// Contiguous blocks of ranks, as equal as possible: island = rank * islands / size.
/// With ranks placed node by node (mpirun's default, srun --distribution=block)
/// and islands == nodes, this is one island per node.
inline IslandMapping islands_in_blocks() {
    return [](const RankPlace& p, std::size_t islands) {
        return static_cast<std::size_t>(static_cast<std::uint64_t>(p.rank) * islands /
                                        static_cast<std::uint64_t>(p.size));
    };
}

/// By node: island = node % islands. With islands == node count, each node
/// is one island whatever the rank placement; with fewer islands, nodes
/// take turns.
inline IslandMapping islands_by_node() {
    return [](const RankPlace& p, std::size_t islands) {
        return static_cast<std::size_t>(p.node) % islands;
    };
}

/// `per_node` islands on every node, each taking an equal block of the
/// node's ranks: island = (node * per_node + node_rank * per_node / node_size)
/// % islands. Run with islands = node_count(comm) * per_node; with per_node = 1
/// this is one island per node whatever the rank placement.
inline IslandMapping islands_per_node(std::size_t per_node) {
    return [per_node](const RankPlace& p, std::size_t islands) {
        const auto k = per_node == 0 ? std::size_t{1} : per_node;
        const auto node_rank = static_cast<std::size_t>(p.node_rank);
        const auto node_size = static_cast<std::size_t>(p.node_size);
        return (static_cast<std::size_t>(p.node) * k + node_rank * k / node_size) % islands;
    };
}

/// Timings and counters of one rank's part in a run (for benchmarks and
/// diagnostics). Thread safety: a plain value.
struct DriverStats {
    bool master = false;               ///< this rank was an island master
    std::size_t island = 0;            ///< this rank's island
    std::uint64_t jobs = 0;            ///< master: jobs sent to workers; worker: jobs evaluated
    std::uint64_t results = 0;         ///< master: results received and recorded
    std::uint64_t stale_results = 0;   ///< master: results from workers already marked lost
    std::uint64_t lost_workers = 0;    ///< master: workers marked lost
    std::uint64_t messages = 0;        ///< messages received
    double busy_seconds = 0.0;         ///< master: wall time spent handling messages (engine, encoding, sends)
    double busy_cpu_seconds = 0.0;     ///< master: the same in CPU time (sampled), without preemption
    double wall_seconds = 0.0;         ///< time from the start of the run to the end of this rank's loop
};

/// Options of a run with the MPI driver: the evolution's own options plus
/// files, deadlines and the layout of ranks into islands. Every rank must
/// pass the same options (and the same space and seeds). Thread safety: a
/// plain value.
template <class G = Genome<LayerGene>>
struct BasicRunOptions {
    EvolutionOptions evolution{};             ///< islands, population, stop criteria (as for the thread driver)
    std::filesystem::path run_dir;            ///< empty: write no files (rank 0 writes them)
    bool resume = false;                      ///< continue the run in run_dir
    std::uint64_t checkpoint_interval = 25;   ///< finished jobs between checkpoints (0: at the end only)
    double job_timeout_seconds = 0.0;         ///< a job's deadline, told to the worker (0: none)
    /// A worker that has not answered `job deadline + this` after its job
    /// started is marked lost: it gets no more work and its jobs are sent to
    /// other workers (attempt + 1); a job whose second worker is lost too is
    /// recorded failed (its network may be what kills them).
    double lost_worker_grace_seconds = 30.0;
    /// Without job_timeout_seconds (and no run time limit), a master still
    /// declares a worker lost once its job has run `auto_deadline_factor`
    /// times the median duration of the island's finished jobs, and at least
    /// auto_deadline_min_seconds (plus the grace): a hung worker never holds
    /// the run. 0: no automatic deadline (a hung worker then hangs the run).
    double auto_deadline_factor = 20.0;
    double auto_deadline_min_seconds = 600.0;  ///< the automatic deadline's floor, seconds
    /// Masters tell each other every genome they send to training and its
    /// result, so no island trains a network another island has trained or is
    /// training (migrants included). Islands then interact through it: turn
    /// it off for runs whose islands must be reproducible one by one.
    bool share_duplicates = true;
    /// The pre-dispatch check masters run (repair or reject a genome). Unset:
    /// a trainer with a check() has masters make one with the factory, which
    /// may load data they never train on; pass a check that needs none, e.g.
    /// libtorch::CnnCheck(space, data.shape(), trainer_options).
    std::function<Check(G&)> check;
    /// Jobs a master keeps at each worker: 1 sends the next job when a result
    /// arrives (the freshest population, reproducible with one worker per
    /// island); 2 keeps one queued to hide the round trip for very short jobs.
    std::size_t jobs_per_worker = 1;
    IslandMapping island_of = islands_in_blocks();  ///< which ranks form which island
    bool progress = true;                     ///< rank 0's console progress line (only on a terminal)
    DriverStats* stats = nullptr;             ///< when set, filled with this rank's DriverStats

    /// Throws ConfigError naming the field ("mpi::RunOptions.jobs_per_worker", ...).
    void validate() const {
        const auto fail = [](const char* field, const std::string& problem) {
            throw ConfigError(fmt::format("mpi::RunOptions.{}", field), problem);
        };
        if (!(job_timeout_seconds >= 0.0) || std::isinf(job_timeout_seconds)) {
            fail("job_timeout_seconds", fmt::format("must be a finite number >= 0, got {}", job_timeout_seconds));
        }
        if (!(lost_worker_grace_seconds >= 0.0) || std::isinf(lost_worker_grace_seconds)) {
            fail("lost_worker_grace_seconds",
                 fmt::format("must be a finite number >= 0, got {}", lost_worker_grace_seconds));
        }
        if (jobs_per_worker == 0) fail("jobs_per_worker", "must be at least 1, got 0");
        if (!(auto_deadline_factor >= 0.0) || std::isinf(auto_deadline_factor)) {
            fail("auto_deadline_factor", fmt::format("must be a finite number >= 0, got {}", auto_deadline_factor));
        }
        if (!(auto_deadline_min_seconds >= 0.0) || std::isinf(auto_deadline_min_seconds)) {
            fail("auto_deadline_min_seconds",
                 fmt::format("must be a finite number >= 0, got {}", auto_deadline_min_seconds));
        }
        if (resume && run_dir.empty()) fail("resume", "needs a run_dir to resume from");
        if (!island_of) fail("island_of", "is empty; use mpi::islands_in_blocks() or mpi::islands_by_node()");
        evolution.validate();
        const auto max = evolution.stop.max_evaluations;
        if (max != 0 && max < evolution.islands) {
            throw ConfigError("EvolutionOptions.stop.max_evaluations",
                              fmt::format("({}) is smaller than the number of islands ({}): the MPI driver gives "
                                          "each island an equal share of the evaluations",
                                          max, evolution.islands));
        }
    }
};

/// The MPI driver's options for the layer genome.
using RunOptions = BasicRunOptions<Genome<LayerGene>>;

/// The share of `max_evaluations` island `island` evaluates: the budget is
/// split evenly, the first islands taking one more when it does not divide
/// (exactly what the thread driver's island rotation gives with one worker).
inline std::uint64_t island_share(std::uint64_t max_evaluations, std::size_t islands, std::size_t island) {
    if (max_evaluations == 0) return 0;
    return max_evaluations / islands + (island < max_evaluations % islands ? 1 : 0);
}

}  // namespace evonas::mpi
