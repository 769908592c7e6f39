// The surrogate pre-screen under the MPI driver (ctest runs this under
// mpiexec -n 4): one island with one worker equals the thread driver line
// for line, predictions included; islands on other ranks that crash resume
// to the uninterrupted run, each master's predictor rebuilt from its
// island's logged results.
#include <evonas/mpi/mpi.hpp>

#include <boost/mpi/communicator.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "mpi_support.hpp"
#include "support/crash_after.hpp"
#include "support/trainers.hpp"

using namespace evonas;

namespace {

mpi::RunOptions screened_options(const std::filesystem::path& dir, std::uint64_t evaluations, std::size_t islands) {
    mpi::RunOptions o{.evolution = {.islands = islands, .population = 8, .seed = 29,
                                    .migration = {.interval = 5},
                                    .stop = {.max_evaluations = evaluations}},
                      .run_dir = dir,
                      .checkpoint_interval = 10,
                      .progress = false};
    o.evolution.surrogate.candidates = 8;
    return o;
}

std::size_t predicted_lines(const std::vector<std::string>& lines) {
    std::size_t n = 0;
    for (const auto& l : lines) n += l.find("\"predicted\"") != std::string::npos ? 1 : 0;
    return n;
}

}  // namespace

TEST_CASE("one island with one worker screens as the thread driver does", "[mpi][surrogate]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    const auto target = parse_genome("conv(k=5,f=64) pool conv(k=3) | dense(u=256) ; lr=0.05", space);
    const auto factory = [&](auto) { return test::TargetTrainer{target, &space}; };
    const auto pair = world.split(world.rank() < 2 ? 0 : 1);
    if (world.rank() < 2) {
        test::SharedTempDir dir(pair, "mpi-sur-one");
        const auto options = screened_options(dir / "mpi", 60, 1);
        mpi::evolve(pair, space, factory, options);
        if (pair.rank() == 0) {
            evolve(space, factory,
                   RunOptions{.evolution = options.evolution, .workers = 1, .run_dir = dir / "threads", .progress = false});
            const auto lines = test::job_lines(dir / "mpi" / "lineage.jsonl");
            CHECK(lines == test::job_lines(dir / "threads" / "lineage.jsonl"));
            CHECK(predicted_lines(lines) >= 30);
        }
    }
}

TEST_CASE("islands on other ranks resume with their predictors rebuilt", "[mpi][surrogate]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    const auto target = parse_genome("conv(k=5,f=64) pool conv(k=3) | dense(u=256) ; lr=0.05", space);
    const auto factory = [&](auto) { return test::TargetTrainer{target, &space}; };
    // Islands that do not interact, one per master and worker pair: a
    // resumed run then continues exactly as the uninterrupted one.
    const std::size_t islands = static_cast<std::size_t>(world.size()) / 2;
    auto options = [&](const std::filesystem::path& dir) {
        auto o = screened_options(dir, 80, islands);
        o.evolution.migration.topology = MigrationTopology::none;
        o.evolution.duplicates = DuplicatePolicy::allow;
        return o;
    };
    test::SharedTempDir straight(world, "mpi-sur-straight");
    mpi::evolve(world, space, factory, options(straight.path()));
    test::SharedTempDir crashed(world, "mpi-sur-crashed");
    ObserverList<Genome<>> observers;
    if (world.rank() == 0) observers.push_back(std::make_shared<test::CrashAfter>(47));
    CHECK_THROWS(mpi::evolve(world, space, factory, options(crashed.path()), {}, {}, observers));
    auto again = options(crashed.path());
    again.resume = true;
    const auto result = mpi::evolve(world, space, factory, again);
    CHECK(result.counts.finished == 80);
    if (world.rank() == 0) {
        const auto lines = test::job_lines_by_id(straight / "lineage.jsonl");
        CHECK(test::job_lines_by_id(crashed / "lineage.jsonl") == lines);
        CHECK(predicted_lines(lines) >= 40);
    }
}
