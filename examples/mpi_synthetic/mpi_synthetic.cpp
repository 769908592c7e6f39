// mpi_synthetic: evolve CNN architectures over MPI ranks, with a synthetic
// trainer (a score computed from the architecture, and a pretend training
// time), so it runs anywhere MPI runs. Swap in a real trainer (e.g.
// evonas::libtorch, picking its GPU from the RankPlace) and nothing else
// changes. See docs/cluster.md.
//
//   mpiexec -n 4 mpi_synthetic --islands 1 --evaluations 200
//   srun -N 2 --ntasks-per-node 7 mpi_synthetic --islands-per-node 1 --gpus-per-node 6
//
// The only includes you need:
#include <evonas/evonas.hpp>
#include <evonas/mpi/mpi.hpp>

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

// A stand-in trainer: likes about 6 feature layers with ~64 filters, one
// classifier layer and a learning rate near 0.01, plus noise from the job
// seed. Each network "trains" for train_ms (scaled by its size), checking
// its deadline as a real training loop checks it between batches.
struct SyntheticTrainer {
    const evonas::SearchSpace* space;
    int train_ms = 0;
    int gpu = -1;  // the device a real trainer would use (place.node_worker % gpus_per_node)

    std::string name() const { return "synthetic"; }

    evonas::Fitness evaluate(const evonas::Genome<>& genome, const evonas::JobContext& ctx) const {
        const auto conv = *space->find_layer_type("conv");
        const auto f = *space->layer_type(conv).find_param("f");
        double score = 1.0 - 0.05 * std::abs(static_cast<double>(genome.section(0).size()) - 6.0);
        for (const auto& layer : genome.section(0)) {
            if (layer.type == conv) score -= 0.002 * std::abs(layer.values[f] - 64.0) / 8.0;
        }
        score -= 0.03 * std::abs(static_cast<double>(genome.section(1).size()) - 1.0);
        score -= 0.05 * std::abs(std::log10(genome.globals()[*space->find_global("lr")]) + 2.0);
        const auto ms = train_ms * static_cast<int>(1 + genome.gene_count()) / 8;
        for (int t = 0; t < ms; ++t) {
            if (ctx.should_stop()) return evonas::Fitness::timed_out("stopped at its deadline");
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        evonas::Rng noise(ctx.seed);
        return evonas::Fitness::of(score + 0.01 * noise.uniform()).with("gpu", gpu);
    }
};

int main(int argc, char** argv) {
    boost::mpi::environment env(argc, argv);
    boost::mpi::communicator world;

    CLI::App app{"Evolve CNN architectures over MPI ranks with a synthetic trainer (docs/cluster.md)"};
    std::size_t islands = 1;
    std::size_t islands_per_node = 0;
    std::uint64_t evaluations = 200;
    double seconds = 0.0;
    std::size_t population = 16;
    std::uint64_t seed = 1;
    std::string run_dir;
    bool resume = false;
    int train_ms = 20;
    std::size_t jobs_per_worker = 1;
    double job_timeout = 0.0;
    double grace = 30.0;
    int gpus_per_node = 0;
    bool no_migration = false;
    std::string pid_dir;
    app.add_option("--islands", islands, "islands (each: a master rank and its workers)")->capture_default_str();
    app.add_option("--islands-per-node", islands_per_node,
                   "instead of --islands: this many islands on every node (islands = nodes x this)");
    app.add_option("--evaluations", evaluations, "networks to train in total (0: no limit)")->capture_default_str();
    app.add_option("--seconds", seconds, "stop after this many seconds (0: no limit)")->capture_default_str();
    app.add_option("--population", population, "members per island")->capture_default_str();
    app.add_option("--seed", seed, "run seed")->capture_default_str();
    app.add_option("--run-dir", run_dir, "where rank 0 writes the lineage log, checkpoint and best genome");
    app.add_flag("--resume", resume, "continue the run in --run-dir");
    app.add_option("--train-ms", train_ms, "milliseconds a network of 8 layers pretends to train")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--jobs-per-worker", jobs_per_worker, "jobs kept at each worker (2 hides latency)")
        ->capture_default_str();
    app.add_option("--job-timeout", job_timeout, "a job's deadline in seconds (0: none)")->capture_default_str();
    app.add_option("--lost-grace", grace, "seconds past a deadline before a silent worker is marked lost")
        ->capture_default_str();
    app.add_option("--gpus-per-node", gpus_per_node, "GPUs per node to share among the workers of a node");
    app.add_flag("--no-migration", no_migration,
                 "islands never exchange individuals nor their duplicate index: each island's run is reproducible");
    app.add_option("--pid-dir", pid_dir, "write each rank's process id to <dir>/rank<N>.pid (for tests)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return world.rank() == 0 ? app.exit(e) : (e.get_exit_code());
    }
    if (!pid_dir.empty()) {
        std::filesystem::create_directories(pid_dir);
        std::ofstream(std::filesystem::path(pid_dir) / fmt::format("rank{}.pid", world.rank())) << ::getpid() << "\n";
    }

    try {
        const auto space = evonas::cnn_space(2);
        const auto mine = evonas::parse_genome(
            "conv(k=5,f=32) pool conv(k=3,f=32) pool | dense(u=256) dropout(p=0.5) ; lr=0.1", space);

        evonas::mpi::RunOptions options;
        if (islands_per_node > 0) {
            // Islands follow the nodes, whatever the order of the ranks.
            islands = static_cast<std::size_t>(evonas::mpi::node_count(world)) * islands_per_node;
            options.island_of = evonas::mpi::islands_per_node(islands_per_node);
        }
        options.evolution = {.islands = islands, .population = population, .seed = seed};
        options.evolution.stop.max_evaluations = evaluations;
        options.evolution.stop.max_seconds = seconds;
        if (no_migration) {
            options.evolution.migration.topology = evonas::MigrationTopology::none;
            options.share_duplicates = false;
        }
        options.run_dir = run_dir;
        options.resume = resume;
        options.jobs_per_worker = jobs_per_worker;
        options.job_timeout_seconds = job_timeout;
        options.lost_worker_grace_seconds = grace;

        const auto result = evonas::mpi::evolve(
            world, space,
            [&](const evonas::mpi::RankPlace& place) {
                const int gpu = gpus_per_node > 0 ? static_cast<int>(place.node_worker) % gpus_per_node : -1;
                return SyntheticTrainer{&space, train_ms, gpu};
            },
            options, {mine});

        if (world.rank() == 0) {
            fmt::print("\n{} ranks, {} islands: {} networks trained ({} failed or timed out, {} migrations) "
                       "in {:.2f} s; stopped by {}\n",
                       world.size(), islands, result.counts.finished, result.counts.failed + result.counts.timed_out,
                       result.counts.migrations, result.elapsed_seconds, result.stop_reason);
            if (result.best) {
                fmt::print("best {:.4f} (job {}): {}\n", result.best->score, result.best->id,
                           evonas::to_text(result.best->genome, space));
            }
            if (!run_dir.empty()) fmt::print("run directory: {}\n", run_dir);
        }
    } catch (const evonas::Error& e) {
        fmt::print(stderr, "rank {}: error: {}\n", world.rank(), e.what());
        return 1;
    }
    return 0;
}
