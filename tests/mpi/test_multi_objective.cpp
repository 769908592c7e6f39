// Multi-objective runs under the MPI driver (ctest runs this under
// mpiexec -n 4): one island with one worker equals the thread driver line
// for line and front for front; islands on other ranks end with one front,
// the non-dominated networks of the whole run, on every rank.
#include <evonas/mpi/mpi.hpp>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "mpi_support.hpp"
#include "support/trade_off_trainer.hpp"

using namespace evonas;

namespace {

mpi::RunOptions mo_options(const std::filesystem::path& dir, std::uint64_t evaluations, std::size_t islands) {
    mpi::RunOptions o{.evolution = {.islands = islands, .population = 8, .seed = 23,
                                    .migration = {.interval = 5},
                                    .stop = {.max_evaluations = evaluations}},
                      .run_dir = dir,
                      .checkpoint_interval = 10,
                      .progress = false};
    o.evolution.objectives = parse_objectives("accuracy,params");
    o.evolution.objectives[1].reference = 1e8;
    return o;
}

std::vector<std::uint64_t> front_ids(const EvolutionResult<Genome<LayerGene>>& r) {
    std::vector<std::uint64_t> ids;
    for (const auto& m : r.pareto_front) ids.push_back(m.id);
    return ids;
}

}  // namespace

TEST_CASE("one island with one worker keeps the thread driver's front", "[mpi][multi_objective]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    const auto target = test::deep_target(space);
    const auto factory = [&](auto) { return test::TradeOffTrainer{target, &space}; };
    const auto pair = world.split(world.rank() < 2 ? 0 : 1);
    if (world.rank() < 2) {
        test::SharedTempDir dir(pair, "mpi-mo-one");
        const auto options = mo_options(dir / "mpi", 60, 1);
        const auto result = mpi::evolve(pair, space, factory, options);
        REQUIRE(result.pareto_front.size() >= 2);
        if (pair.rank() == 0) {
            const auto expected = evolve(space, factory,
                                         RunOptions{.evolution = options.evolution, .workers = 1,
                                                    .run_dir = dir / "threads", .progress = false});
            CHECK(test::job_lines(dir / "mpi" / "lineage.jsonl") == test::job_lines(dir / "threads" / "lineage.jsonl"));
            CHECK(front_ids(result) == front_ids(expected));
            CHECK(result.hypervolume == expected.hypervolume);
        }
    }
}

TEST_CASE("islands on other ranks end with the run's whole front on every rank", "[mpi][multi_objective]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    const auto target = test::deep_target(space);
    const auto factory = [&](auto) { return test::TradeOffTrainer{target, &space}; };
    test::SharedTempDir dir(world, "mpi-mo-islands");
    const auto options = mo_options(dir.path(), 80, 2);
    const auto result = mpi::evolve(world, space, factory, options);
    REQUIRE(result.pareto_front.size() >= 2);
    auto ids = front_ids(result);
    auto root_ids = ids;
    boost::mpi::broadcast(world, root_ids, 0);
    CHECK(ids == root_ids);  // the same front on every rank
    if (world.rank() == 0) {
        // The front is the non-dominated set of every network the run trained.
        const auto& objectives = options.evolution.objectives;
        std::vector<std::vector<double>> points;
        std::vector<double> violations;
        for (const auto& r : read_lineage(dir.path() / "lineage.jsonl", space).records) {
            if (!r.trained || !r.fitness.ok()) continue;
            points.push_back(objective_point(objectives, r.fitness));
            violations.push_back(objective_violation(objectives, r.fitness));
        }
        const auto ranks = pareto_ranks(points, violations);
        std::set<std::vector<double>> expected, got;
        for (std::size_t i = 0; i < ranks.size(); ++i) {
            if (ranks[i] == 0) expected.insert(points[i]);
        }
        for (const auto& m : result.pareto_front) got.insert(objective_point(objectives, m.fitness));
        CHECK(got == expected);
        CHECK(std::filesystem::exists(dir.path() / "pareto.json"));
    }
}
