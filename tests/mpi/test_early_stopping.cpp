// Early stopping under the MPI driver (ctest runs this under mpiexec -n 4):
// workers' reports reach their island master and its answer comes back;
// the lineage log holds every report; one island with one worker equals the
// thread driver line for line; stoppers share reports across islands unless
// per_island; resume rebuilds the masters' stoppers from the log.
#include <evonas/mpi/mpi.hpp>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

#include "mpi_support.hpp"
#include "support/crash_after.hpp"
#include "support/curve_trainer.hpp"

using namespace evonas;
using Catch::Matchers::Contains;

namespace {

using test::CrashAfter;

mpi::RunOptions asha_options(const std::filesystem::path& dir, std::uint64_t evaluations, std::size_t islands) {
    mpi::RunOptions o{.evolution = {.islands = islands, .population = 8, .seed = 11,
                                    .migration = {.interval = 5},
                                    .stop = {.max_evaluations = evaluations}},
                      .run_dir = dir,
                      .checkpoint_interval = 10,
                      .progress = false};
    o.evolution.early_stopping.kind = EarlyStopping::asha;
    return o;
}

RunOptions thread_options(const std::filesystem::path& dir, const mpi::RunOptions& o) {
    return RunOptions{.evolution = o.evolution, .workers = 1, .run_dir = dir,
                      .checkpoint_interval = o.checkpoint_interval, .progress = false};
}

boost::mpi::communicator first_two(const boost::mpi::communicator& world) {
    return world.split(world.rank() < 2 ? 0 : 1);
}

/// Checks a finished run's log: every job stopped early has its stop in a
/// report line of its own island at the step it carries, and no report of a
/// job follows a stop; returns the number of jobs stopped.
std::size_t check_stops(const std::filesystem::path& dir, const SearchSpace& space) {
    const auto lineage = read_lineage(dir / "lineage.jsonl", space);
    std::map<std::uint64_t, std::pair<std::size_t, double>> stopped;  // job -> (island, step)
    for (const auto& [report, decision] : lineage.reports) {
        CHECK_FALSE(stopped.count(report.job));  // nothing after a stop
        if (decision == Decision::stop) stopped[report.job] = {report.island, report.step};
    }
    std::size_t count = 0;
    for (const auto& r : lineage.records) {
        const auto at = r.fitness.metric(stopped_at_metric);
        const auto it = stopped.find(r.job.id);
        if (!at) {
            CHECK(it == stopped.end());
            continue;
        }
        ++count;
        REQUIRE(it != stopped.end());
        CHECK(it->second.first == r.job.island);
        CHECK(*at == it->second.second);
        CHECK(r.fitness.metric("epochs") == it->second.second);
    }
    return count;
}

/// Replays the log's reports in order through one fresh ASHA stopper per
/// island and counts the logged decisions it would not have made.
std::size_t per_island_disagreements(const std::filesystem::path& dir, const SearchSpace& space) {
    const auto lineage = read_lineage(dir / "lineage.jsonl", space);
    std::map<std::size_t, AshaStopper> stoppers;
    std::size_t differ = 0;
    for (const auto& [report, decision] : lineage.reports) {
        auto& stopper = stoppers.try_emplace(report.island, 1.0, 3.0, 3, true).first->second;
        if (stopper(report) != decision) ++differ;
    }
    return differ;
}

}  // namespace

TEST_CASE("one island with one worker stops the same networks as the thread driver", "[mpi][early-stopping]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    Rng pick(5);
    const auto target = random_genome(space, pick);
    const auto factory = [&](auto) { return test::CurveTrainer{target, &space, 9, nullptr}; };
    const auto pair = first_two(world);
    if (world.rank() < 2) {
        test::SharedTempDir dir(pair, "mpi-asha-one");
        const auto options = asha_options(dir / "mpi", 60, 1);
        const auto result = mpi::evolve(pair, space, factory, options);
        CHECK(result.counts.finished == 60);
        if (pair.rank() == 0) {
            const auto expected = evolve(space, factory, thread_options(dir / "threads", options));
            const auto reports = test::report_lines(dir / "mpi" / "lineage.jsonl");
            CHECK(reports.size() > 60);
            CHECK(reports == test::report_lines(dir / "threads" / "lineage.jsonl"));
            CHECK(test::job_lines(dir / "mpi" / "lineage.jsonl") ==
                  test::job_lines(dir / "threads" / "lineage.jsonl"));
            REQUIRE(result.best);
            CHECK(result.best->id == expected.best->id);
            CHECK(check_stops(dir / "mpi", space) > 5);
        }
    }
}

TEST_CASE("islands on other ranks stop networks early and share their reports", "[mpi][early-stopping]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    Rng pick(6);
    const auto target = random_genome(space, pick);
    const auto factory = [&](auto) { return test::CurveTrainer{target, &space, 9, nullptr}; };
    const std::size_t islands = 2;

    SECTION("per island: each master's decisions are its own island's stopper's, replayed from the log") {
        test::SharedTempDir dir(world, "mpi-asha-islands");
        auto options = asha_options(dir.path(), 80, islands);
        options.evolution.early_stopping.per_island = true;
        const auto result = mpi::evolve(world, space, factory, options);
        CHECK(result.counts.finished == 80);
        if (world.rank() == 0) {
            CHECK(check_stops(dir.path(), space) > 5);
            CHECK(per_island_disagreements(dir.path(), space) == 0);
        }
    }
    SECTION("across islands: every master's stopper hears every island's reports") {
        test::SharedTempDir dir(world, "mpi-asha-shared");
        for (const bool per_island : {false, true}) {
            auto options = asha_options(dir / (per_island ? "own" : "shared"), 60, islands);
            options.evolution.early_stopping.per_island = per_island;
            // A stopper of one's own, run by the masters: it notes the
            // islands whose reports it was given, and stops nothing.
            std::set<std::size_t> heard;
            EvolutionOperators<Genome<>> operators;
            operators.stop = [&heard](const Report& r) {
                heard.insert(r.island);
                return Decision::keep_training;
            };
            const auto result = mpi::evolve(world, space, factory, options, {}, operators);
            CHECK(result.counts.finished == 60);
            // Workers never run the stopper; masters heard their own island
            // and, unless per island, the other one.
            if (!heard.empty()) CHECK(heard.size() == (per_island ? 1U : islands));
            const int master = heard.empty() ? 0 : 1;
            std::vector<int> masters;
            boost::mpi::all_gather(world, master, masters);
            CHECK(std::count(masters.begin(), masters.end(), 1) == static_cast<long>(islands));
            if (world.rank() == 0) CHECK(check_stops(dir / (per_island ? "own" : "shared"), space) == 0);
        }
    }
}

TEST_CASE("a report that is not a number fails its job on a worker, not the run", "[mpi][early-stopping]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    struct NanOnOdd {
        Fitness evaluate(const Genome<>&, const JobContext& ctx) const {
            const double value = ctx.job_id % 2 ? std::numeric_limits<double>::quiet_NaN() : 0.5;
            (void)ctx.report(1, value);
            return Fitness::of(value);
        }
    };
    test::SharedTempDir dir(world, "mpi-asha-nan");
    const auto result = mpi::evolve(world, space, [](auto) { return NanOnOdd{}; }, asha_options(dir.path(), 30, 2));
    CHECK(result.counts.finished == 30);
    if (world.rank() == 0) {
        const auto lineage = read_lineage(dir / "lineage.jsonl", space);
        std::size_t failed = 0;
        for (const auto& r : lineage.records) {
            if (r.job.id % 2) {
                CHECK(r.fitness.status == FitnessStatus::failed);
                CHECK_THAT(r.fitness.reason, Contains("both must be finite numbers"));
                ++failed;
            } else {
                CHECK(r.fitness.ok());
            }
        }
        CHECK(failed > 5);
        for (const auto& [report, decision] : lineage.reports) CHECK(report.job % 2 == 0);
    }
}

TEST_CASE("a run with early stopping that crashes resumes with its stoppers rebuilt", "[mpi][early-stopping]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    Rng pick(7);
    const auto target = random_genome(space, pick);
    const auto factory = [&](auto) { return test::CurveTrainer{target, &space, 9, nullptr}; };

    SECTION("one island: the resumed run is the uninterrupted one, report lines too") {
        const auto pair = first_two(world);
        if (world.rank() < 2) {
            test::SharedTempDir straight(pair, "mpi-asha-straight");
            mpi::evolve(pair, space, factory, asha_options(straight.path(), 90, 1));
            test::SharedTempDir crashed(pair, "mpi-asha-crashed");
            for (std::uint64_t crash_at : {23, 57}) {
                auto options = asha_options(crashed.path(), 90, 1);
                options.resume = crash_at != 23;
                ObserverList<Genome<>> observers{std::make_shared<CrashAfter>(crash_at)};
                CHECK_THROWS(mpi::evolve(pair, space, factory, options, {}, {}, observers));
            }
            auto options = asha_options(crashed.path(), 90, 1);
            options.resume = true;
            const auto resumed = mpi::evolve(pair, space, factory, options);
            CHECK(resumed.counts.finished == 90);
            if (pair.rank() == 0) {
                CHECK(test::job_lines(crashed / "lineage.jsonl") == test::job_lines(straight / "lineage.jsonl"));
                CHECK(test::report_lines(crashed / "lineage.jsonl") == test::report_lines(straight / "lineage.jsonl"));
            }
        }
    }
    SECTION("two islands: each master's stopper is rebuilt from its island's logged reports") {
        test::SharedTempDir dir(world, "mpi-asha-resume");
        auto options = asha_options(dir.path(), 100, 2);
        options.evolution.early_stopping.per_island = true;
        ObserverList<Genome<>> observers{std::make_shared<CrashAfter>(41)};
        CHECK_THROWS(mpi::evolve(world, space, factory, options, {}, {}, observers));
        std::vector<std::string> before;
        if (world.rank() == 0) before = test::report_lines(dir / "lineage.jsonl");
        options.resume = true;
        const auto result = mpi::evolve(world, space, factory, options);
        CHECK(result.counts.finished == 100);
        if (world.rank() == 0) {
            const auto after = test::report_lines(dir / "lineage.jsonl");
            REQUIRE(after.size() > before.size());
            CHECK(std::vector<std::string>(after.begin(), after.begin() + static_cast<std::ptrdiff_t>(before.size())) ==
                  before);
            // Had a resumed master's stopper not been rebuilt from the log,
            // its decisions would differ from this replay.
            CHECK(per_island_disagreements(dir.path(), space) == 0);
            CHECK(check_stops(dir.path(), space) > 5);
        }
    }
}

TEST_CASE("a budget in epochs is split between the islands' masters", "[mpi][early-stopping]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    Rng pick(8);
    const auto target = random_genome(space, pick);
    const auto factory = [&](auto) { return test::CurveTrainer{target, &space, 9, nullptr}; };
    test::SharedTempDir dir(world, "mpi-resource");
    auto options = asha_options(dir.path(), 0, 2);
    options.evolution.stop.max_resource = 300;
    const auto result = mpi::evolve(world, space, factory, options);
    CHECK(result.stop_reason == "max_resource");
    if (world.rank() == 0) {
        std::map<std::size_t, double> epochs;  // per island
        for (const auto& r : read_lineage(dir / "lineage.jsonl", space).records) {
            if (r.trained) epochs[r.job.island] += r.fitness.metric("epochs").value_or(0.0);
        }
        REQUIRE(epochs.size() == 2);
        // Each island spends its half: at most one worker's job past it.
        for (const auto& [island, spent] : epochs) {
            CHECK(spent >= 150);
            CHECK(spent < 150 + 9);
        }
        const auto checkpoint = read_checkpoint(dir / "checkpoint.json");
        CHECK(checkpoint.at("islands").at(0).at("resource") == epochs[0]);
    }
}
