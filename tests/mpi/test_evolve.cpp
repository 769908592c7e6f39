// The MPI driver: island masters and workers over real ranks (ctest runs
// this under mpiexec -n 4 and -n 6, one ctest per tag). Checks run on rank
// 0, which holds the run files; every rank checks what it returned.
#include <evonas/mpi/mpi.hpp>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "mpi_support.hpp"

using namespace evonas;
using Catch::Matchers::Contains;

namespace {

struct CrashAfter : Observer<Genome<>> {
    std::uint64_t limit;
    explicit CrashAfter(std::uint64_t n) : limit(n) {}
    void on_finished(const JobRecord<Genome<>>&, const Progress& p) override {
        if (p.counts.finished >= limit) throw std::runtime_error("simulated crash");
    }
};

/// Sleeps a little, throws on some jobs, fails others: all decided by the job's seed.
struct Chaotic {
    Fitness evaluate(const Genome<>& g, const JobContext& ctx) {
        Rng rng(ctx.seed);
        std::this_thread::sleep_for(std::chrono::microseconds(rng.index(200)));
        const auto roll = rng.index(10);
        if (roll == 0) throw std::runtime_error("random failure");
        if (roll == 1) return Fitness::failed("diverged");
        return Fitness::of(static_cast<double>(g.gene_count()) + rng.uniform());
    }
};

mpi::RunOptions mpi_options(const std::filesystem::path& dir, std::uint64_t evaluations, std::size_t islands) {
    return mpi::RunOptions{.evolution = {.islands = islands, .population = 8, .seed = 7,
                                         .migration = {.interval = 5},
                                         .stop = {.max_evaluations = evaluations}},
                           .run_dir = dir,
                           .checkpoint_interval = 10,
                           .progress = false};
}

RunOptions thread_options(const std::filesystem::path& dir, const mpi::RunOptions& o) {
    return RunOptions{.evolution = o.evolution, .workers = 1, .run_dir = dir,
                      .checkpoint_interval = o.checkpoint_interval, .progress = false};
}

/// Ranks 0 and 1 of `world` in a communicator of their own (1 master, 1
/// worker: one island); the other ranks get a communicator without them.
boost::mpi::communicator first_two(const boost::mpi::communicator& world) {
    return world.split(world.rank() < 2 ? 0 : 1);
}

}  // namespace

TEST_CASE("every proposed job finishes exactly once, and trainers that throw do not stop the run",
          "[mpi][torture]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    test::SharedTempDir dir(world, "mpi-torture");
    const std::size_t islands = 2;
    const std::uint64_t n = 400;
    auto options = mpi_options(dir.path(), n, islands);
    options.jobs_per_worker = 2;
    const auto result = mpi::evolve(world, space, [](const mpi::RankPlace&) { return Chaotic{}; }, options);

    CHECK(result.counts.finished == n);
    CHECK(result.counts.proposed == n);
    CHECK(result.stop_reason == "max_evaluations");
    CHECK(test::same_on_all_ranks(world, result.counts.finished));
    CHECK(test::same_on_all_ranks(world, result.best ? result.best->id : ~0ull));
    if (world.rank() != 0) return;

    const auto lineage = read_lineage(dir / "lineage.jsonl", space);
    std::map<std::size_t, std::vector<std::uint64_t>> ids;  // per island, in file order
    std::set<std::uint64_t> trained;
    std::size_t threw = 0;
    for (const auto& r : lineage.records) {
        ids[r.job.island].push_back(r.job.id);
        if (r.trained) CHECK(trained.insert(r.job.id).second);
        if (r.fitness.reason == "the trainer threw: random failure") ++threw;
    }
    CHECK(trained.size() == n);
    CHECK(threw > 10);
    CHECK(result.counts.failed > 20);
    // Each island's ids are seq * islands + island for seq = 0, 1, 2, ...:
    // every id the engine handed out appears once, none is missing.
    REQUIRE(ids.size() == islands);
    for (auto& [island, list] : ids) {
        std::sort(list.begin(), list.end());
        for (std::size_t k = 0; k < list.size(); ++k) CHECK(list[k] == k * islands + island);
    }
    // Each island evaluated its share of the budget.
    std::map<std::size_t, std::uint64_t> per_island;
    for (const auto& r : lineage.records) per_island[r.job.island] += r.trained ? 1 : 0;
    CHECK(per_island[0] == n / 2);
    CHECK(per_island[1] == n / 2);
    const auto checkpoint = read_checkpoint(dir / "checkpoint.json");
    CHECK(checkpoint.at("counts").at("finished") == n);
    CHECK(checkpoint.at("lineage_records") == lineage.records.size());
}

TEST_CASE("migrants cross islands in other processes and become parents there", "[mpi][migration]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    test::SharedTempDir dir(world, "mpi-migration");
    const std::size_t islands = 2;
    const auto target = parse_genome("conv(k=5,f=64) pool conv(k=3) | dense(u=256) ; lr=0.05", space);
    auto options = mpi_options(dir.path(), 160, islands);
    options.evolution.migration = {.interval = 3, .migrants = 2};
    const auto result = mpi::evolve(world, space, [&](const mpi::RankPlace&) { return test::TargetTrainer{target, &space}; },
                                    options);
    CHECK(result.counts.finished == 160);
    CHECK(result.counts.migrations > 0);
    if (world.rank() != 0) return;

    const auto lineage = read_lineage(dir / "lineage.jsonl", space);
    CHECK(lineage.migrations > 10);
    std::size_t foreign_parents = 0;
    for (const auto& r : lineage.records) {
        for (auto p : r.job.parents) {
            if (p % islands != r.job.island) ++foreign_parents;
        }
    }
    CHECK(foreign_parents > 0);
}

TEST_CASE("with one worker per island the MPI run equals the thread driver's", "[mpi][determinism]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    const auto target = parse_genome("conv(k=5,f=64) pool conv(k=3) | dense(u=256) ; lr=0.05", space);
    const auto factory = [&](auto) { return test::TargetTrainer{target, &space}; };

    SECTION("islands that do not interact, one per master and worker pair") {
        const std::size_t islands = static_cast<std::size_t>(world.size()) / 2;
        test::SharedTempDir dir(world, "mpi-same");
        auto options = mpi_options(dir / "mpi", 41, islands);
        options.evolution.migration.topology = MigrationTopology::none;
        options.evolution.duplicates = DuplicatePolicy::allow;
        const auto result = mpi::evolve(world, space, factory, options);
        if (world.rank() == 0) {
            const auto expected = evolve(space, factory, thread_options(dir / "threads", options));
            CHECK(test::job_lines_by_id(dir / "mpi" / "lineage.jsonl") ==
                  test::job_lines_by_id(dir / "threads" / "lineage.jsonl"));
            CHECK(result.counts == expected.counts);
            REQUIRE(result.best);
            CHECK(result.best->score == expected.best->score);
        }
    }
    SECTION("one island with every default, on a communicator of two ranks") {
        const auto pair = first_two(world);
        if (world.rank() < 2) {
            test::SharedTempDir dir(pair, "mpi-one");
            auto options = mpi_options(dir / "mpi", 60, 1);
            const auto seed = parse_genome("conv(k=3) | dense(u=64)", space);
            const auto result = mpi::evolve(pair, space, factory, options, {seed});
            if (pair.rank() == 0) {
                const auto expected = evolve(space, factory, thread_options(dir / "threads", options), {seed});
                CHECK(test::job_lines(dir / "mpi" / "lineage.jsonl") == test::job_lines(dir / "threads" / "lineage.jsonl"));
                CHECK(result.counts == expected.counts);
                REQUIRE(result.best);
                CHECK(result.best->id == expected.best->id);
                CHECK(result.best->genome == expected.best->genome);
                const auto a = read_checkpoint(dir / "mpi" / "checkpoint.json");
                const auto b = read_checkpoint(dir / "threads" / "checkpoint.json");
                CHECK(a.at("islands") == b.at("islands"));
                CHECK(a.at("hall_of_fame") == b.at("hall_of_fame"));
            }
        }
    }
}

TEST_CASE("a run that fails midway resumes from its run directory without losing finished jobs",
          "[mpi][resume]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    const auto target = parse_genome("conv(k=5,f=64) pool conv(k=3) | dense(u=256) ; lr=0.05", space);
    const auto factory = [&](auto) { return test::TargetTrainer{target, &space}; };  // threads and MPI

    SECTION("one island: the resumed run is the uninterrupted one") {
        const auto pair = first_two(world);
        // (No early return: Catch would not see the next section on these ranks.)
        if (world.rank() < 2) {
            test::SharedTempDir straight(pair, "mpi-straight");
            mpi::evolve(pair, space, factory, mpi_options(straight.path(), 90, 1));
            test::SharedTempDir crashed(pair, "mpi-crashed");
            for (std::uint64_t crash_at : {23, 57}) {
                auto options = mpi_options(crashed.path(), 90, 1);
                options.resume = crash_at != 23;
                ObserverList<Genome<>> observers{std::make_shared<CrashAfter>(crash_at)};
                if (pair.rank() == 0) {
                    CHECK_THROWS_WITH(mpi::evolve(pair, space, factory, options, {}, {}, observers), "simulated crash");
                } else {
                    CHECK_THROWS_WITH(mpi::evolve(pair, space, factory, options, {}, {}, observers),
                                      Contains("the run failed: rank 0: simulated crash"));
                }
            }
            auto options = mpi_options(crashed.path(), 90, 1);
            options.resume = true;
            const auto resumed = mpi::evolve(pair, space, factory, options);
            CHECK(resumed.counts.finished == 90);
            if (pair.rank() == 0) {
                CHECK(test::job_lines(crashed / "lineage.jsonl") == test::job_lines(straight / "lineage.jsonl"));
            }
        }
    }
    SECTION("several islands: every job finished before the failure is kept, the budget is completed") {
        const std::size_t islands = 2;
        test::SharedTempDir dir(world, "mpi-resume");
        auto options = mpi_options(dir.path(), 100, islands);
        ObserverList<Genome<>> observers{std::make_shared<CrashAfter>(37)};
        CHECK_THROWS(mpi::evolve(world, space, factory, options, {}, {}, observers));
        std::vector<std::string> before;
        if (world.rank() == 0) before = test::job_lines(dir / "lineage.jsonl");
        options.resume = true;
        const auto result = mpi::evolve(world, space, factory, options);
        CHECK(result.counts.finished == 100);
        if (world.rank() == 0) {
            const auto after = test::job_lines(dir / "lineage.jsonl");
            REQUIRE(after.size() >= before.size());
            CHECK(std::vector<std::string>(after.begin(), after.begin() + static_cast<std::ptrdiff_t>(before.size())) ==
                  before);
            CHECK(before.size() >= 37);
            const auto lineage = read_lineage(dir / "lineage.jsonl", space);
            std::set<std::uint64_t> trained;
            for (const auto& r : lineage.records) {
                if (r.trained) CHECK(trained.insert(r.job.id).second);
            }
            CHECK(trained.size() == 100);
        }
    }
    SECTION("a run begun with the thread driver continues under MPI") {
        test::SharedTempDir dir(world, "mpi-from-threads");
        auto options = mpi_options(dir.path(), 40, 2);
        if (world.rank() == 0) evolve(space, factory, thread_options(dir.path(), options));
        options.resume = true;
        options.evolution.stop.max_evaluations = 80;
        const auto result = mpi::evolve(world, space, factory, options);
        CHECK(result.counts.finished == 80);
        if (world.rank() == 0) {
            const auto lineage = read_lineage(dir / "lineage.jsonl", space);
            REQUIRE(lineage.records.size() >= 80);
            std::set<std::uint64_t> trained;
            for (const auto& r : lineage.records) {
                if (r.trained) CHECK(trained.insert(r.job.id).second);
            }
            CHECK(trained.size() == 80);
            const auto run = nlohmann::json::parse(std::ifstream(dir / "run.json"));
            CHECK(run.at("driver") == "threads");
        }
    }
}

TEST_CASE("a stop criterion met on one island stops every island, on every rank", "[mpi][stop]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    const auto target = parse_genome("conv(k=5,f=64) pool conv(k=3) | dense(u=256) ; lr=0.05", space);
    struct Slow {
        test::TargetTrainer inner;
        Fitness evaluate(const Genome<>& g, const JobContext& ctx) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            return inner.evaluate(g, ctx);
        }
    };
    const auto factory = [&](const mpi::RankPlace&) { return Slow{{target, &space}}; };

    SECTION("target_score, reached by a seed on island 0") {
        auto options = mpi_options("", 100000, 2);
        options.evolution.stop.target_score = 1.0;
        const auto result = mpi::evolve(world, space, factory, options, {target});
        CHECK(result.stop_reason == "target_score");
        CHECK(result.counts.finished < 200);
        REQUIRE(result.best);
        CHECK(result.best->score == 1.0);
        CHECK(test::same_on_all_ranks(world, result.counts.finished));
    }
    SECTION("max_seconds") {
        auto options = mpi_options("", 100000, 2);
        options.evolution.stop.max_seconds = 0.5;
        const auto start = std::chrono::steady_clock::now();
        const auto result = mpi::evolve(world, space, factory, options);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        CHECK(result.stop_reason == "max_seconds");
        CHECK(result.counts.finished > 0);
        CHECK(result.counts.finished < 100000);
        CHECK(seconds < 5.0);
        CHECK(test::same_on_all_ranks(world, result.counts.finished));
    }
}

TEST_CASE("errors stop every rank: none is left waiting", "[mpi][errors]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    const auto target = parse_genome("conv | dense", space);
    const int last = world.size() - 1;

    SECTION("a trainer factory that throws on one rank") {
        const auto factory = [&](const mpi::RankPlace& p) {
            if (p.rank == last) throw std::runtime_error("no GPU here");
            return test::TargetTrainer{target, &space};
        };
        if (world.rank() == last) {
            CHECK_THROWS_WITH(mpi::evolve(world, space, factory, mpi_options("", 20, 1)), "no GPU here");
        } else {
            CHECK_THROWS_WITH(mpi::evolve(world, space, factory, mpi_options("", 20, 1)),
                              Contains(fmt::format("rank {} failed: no GPU here", last)));
        }
    }
    SECTION("more islands than the ranks allow") {
        const auto factory = [&](const mpi::RankPlace&) { return test::TargetTrainer{target, &space}; };
        CHECK_THROWS_AS(mpi::evolve(world, space, factory, mpi_options("", 20, static_cast<std::size_t>(world.size()))),
                        ConfigError);
        CHECK_THROWS_WITH(mpi::evolve(world, space, factory, mpi_options("", 20, static_cast<std::size_t>(world.size()))),
                          Contains("every island needs a master and at least one worker"));
    }
    SECTION("a run directory holding another run") {
        const auto factory = [&](const mpi::RankPlace&) { return test::TargetTrainer{target, &space}; };
        test::SharedTempDir dir(world, "mpi-refuse");
        mpi::evolve(world, space, factory, mpi_options(dir.path(), 12, 1));
        auto options = mpi_options(dir.path(), 20, 1);
        options.resume = true;
        options.evolution.seed = 8;
        CHECK_THROWS_WITH(mpi::evolve(world, space, factory, options),
                          Contains("holds a different run: its options differs ('seed' was 7, now 8)"));
        // The run after the refusal works: nobody was left behind.
        options.evolution.seed = 7;
        CHECK(mpi::evolve(world, space, factory, options).counts.finished == 20);
    }
}

TEST_CASE("ranks form islands by the mapping, and trainers learn where they run", "[mpi][layout]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    const auto target = parse_genome("conv | dense", space);
    struct Where {
        test::TargetTrainer inner;
        mpi::RankPlace place;
        Fitness evaluate(const Genome<>& g, const JobContext& ctx) {
            auto f = inner.evaluate(g, ctx);
            f.with("rank", place.rank).with("node_worker", static_cast<double>(place.node_worker));
            f.with("island", static_cast<double>(place.island));
            f.with("ctx_worker", static_cast<double>(ctx.worker));
            return f;
        }
    };
    const std::size_t islands = 2;
    auto options = mpi_options("", 60, islands);
    options.island_of = [](const mpi::RankPlace& p, std::size_t n) { return static_cast<std::size_t>(p.rank) % n; };
    struct Seen : Observer<Genome<>> {
        std::set<std::pair<int, std::size_t>> rank_island;
        bool worker_is_rank = true;
        void on_finished(const JobRecord<Genome<>>& r, const Progress&) override {
            if (!r.trained) return;
            rank_island.insert({static_cast<int>(*r.fitness.metric("rank")), r.job.island});
            worker_is_rank = worker_is_rank && *r.fitness.metric("ctx_worker") == *r.fitness.metric("rank") &&
                             r.work.worker == static_cast<std::size_t>(*r.fitness.metric("rank"));
        }
    };
    auto observer = std::make_shared<Seen>();
    const auto result = mpi::evolve(
        world, space, [&](const mpi::RankPlace& p) { return Where{{target, &space}, p}; }, options, {}, {},
        {observer});
    CHECK(result.counts.finished == 60);
    if (world.rank() == 0) {
        // Rank r works for island r % 2; ranks 0 and 1 are the masters.
        for (const auto& [rank, island] : observer->rank_island) {
            CHECK(static_cast<std::size_t>(rank) % islands == island);
            CHECK(rank >= 2);
        }
        CHECK(observer->rank_island.size() == static_cast<std::size_t>(world.size()) - 2);
        CHECK(observer->worker_is_rank);
    }
    CHECK(mpi::islands_in_blocks()(mpi::RankPlace{.rank = 5, .size = 6}, 2) == 1);
    CHECK(mpi::islands_in_blocks()(mpi::RankPlace{.rank = 2, .size = 6}, 2) == 0);
    CHECK(mpi::islands_by_node()(mpi::RankPlace{.node = 3}, 2) == 1);
}

TEST_CASE("a trainer's check runs on the masters, before any worker time is spent", "[mpi][layout]") {
    boost::mpi::communicator world;
    const auto space = test::small_space();
    struct Picky {
        mpi::RankPlace place;
        Check check(Genome<>& g) const {
            if (!place.master) throw std::logic_error("check() ran on a worker");
            return g.section(1).empty() ? Check::invalid("needs a classifier layer") : Check::fine();
        }
        Fitness evaluate(const Genome<>& g, const JobContext&) const {
            if (place.master) throw std::logic_error("a master trained a network");
            return g.section(1).empty() ? Fitness::failed("no classifier") : Fitness::of(1.0 / (1.0 + g.gene_count()));
        }
    };
    test::SharedTempDir dir(world, "mpi-check");
    const auto result = mpi::evolve(world, space, [](const mpi::RankPlace& p) { return Picky{p}; },
                                    mpi_options(dir.path(), 60, 2));
    CHECK(result.counts.finished == 60);
    CHECK(result.counts.ok == 60);
    CHECK(result.counts.invalid > 0);
    if (world.rank() == 0) {
        for (const auto& r : read_lineage(dir / "lineage.jsonl", space).records) {
            if (!r.trained) {
                CHECK(r.fitness.reason == "needs a classifier layer");
            }
        }
    }
}
