// A worker rank that stops answering (its trainer hangs far past the job's
// deadline) is marked lost; its job goes to another worker (attempt 2, with a
// warning in the log), its island carries on with the other workers, and the
// run ends on every rank. The hung rank wakes up after the run, finds the
// stop message and returns too.
// (Its own executable: the other ranks wait for it in MPI_Finalize.)
#include <evonas/mpi/mpi.hpp>

#include <boost/mpi/communicator.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "mpi_support.hpp"

using namespace evonas;
using Catch::Matchers::Contains;

TEST_CASE("a worker that stops answering is marked lost and the run completes", "[mpi][lost]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    const auto target = parse_genome("conv(k=5,f=64) pool | dense(u=256)", space);
    const int hung = world.size() - 1;
    struct MaybeHung {
        test::TargetTrainer inner;
        bool hangs = false;
        Fitness evaluate(const Genome<>& g, const JobContext& ctx) {
            if (hangs) {
                hangs = false;  // the first job only, ignoring its deadline
                std::this_thread::sleep_for(std::chrono::seconds(4));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            return inner.evaluate(g, ctx);
        }
    };
    // n=4: one island (a master, three workers); n=6: two islands of three.
    const std::size_t islands = static_cast<std::size_t>(world.size()) / 3;
    test::SharedTempDir dir(world, "mpi-lost");
    mpi::DriverStats stats;
    mpi::RunOptions options;
    options.evolution.islands = islands;
    options.evolution.population = 8;
    options.evolution.seed = 3;
    options.evolution.stop.max_evaluations = 60;
    options.run_dir = dir.path();
    options.job_timeout_seconds = 0.25;
    options.lost_worker_grace_seconds = 0.75;
    options.progress = false;
    options.stats = &stats;
    const auto result = mpi::evolve(
        world, space, [&](const mpi::RankPlace& p) { return MaybeHung{{target, &space}, p.rank == hung}; }, options);
    CHECK(result.counts.finished == 60);
    CHECK(result.counts.ok == 60);
    CHECK(result.stop_reason == "max_evaluations");
    if (stats.master && stats.island == islands - 1) {
        CHECK(stats.lost_workers == 1);
    } else if (stats.master) {
        CHECK(stats.lost_workers == 0);
    }
    if (world.rank() == hung) CHECK(stats.jobs == 1);
    if (world.rank() != 0) return;
    const auto lineage = read_lineage(dir / "lineage.jsonl", space);
    std::size_t from_hung = 0, second_attempts = 0;
    for (const auto& r : lineage.records) {
        from_hung += r.work.worker == static_cast<std::size_t>(hung) ? 1 : 0;
        if (r.job.attempt == 2) {
            ++second_attempts;
            CHECK(r.fitness.ok());
        }
    }
    CHECK(from_hung == 0);
    CHECK(second_attempts == 1);
    CHECK(lineage.warnings == 1);
    const auto text = read_text_file(dir / "lineage.jsonl", "lineage");
    CHECK_THAT(text, Contains(fmt::format("worker rank {} did not answer", hung)) && Contains("goes to another worker"));
}
