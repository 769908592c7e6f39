// The thread driver: real threads, real run directories, crashes and resumes.
#include <evonas/drivers/threads.hpp>
#include <evonas/genome/text.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "support/spaces.hpp"
#include "support/lineage.hpp"
#include "support/trainers.hpp"

using namespace evonas;
using evonas::test::job_lines;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;

namespace {

struct NotATrainer {
    int evaluate(int) { return 0; }
};
static_assert(Trainer<test::TargetTrainer>);
static_assert(!Trainer<NotATrainer>, "a type without evaluate(genome, ctx) -> Fitness is not a Trainer");
static_assert(!Trainer<int>);

struct CrashAfter : Observer<Genome<>> {
    std::uint64_t limit;
    explicit CrashAfter(std::uint64_t n) : limit(n) {}
    void on_finished(const JobRecord<Genome<>>&, const Progress& p) override {
        if (p.counts.finished >= limit) throw std::runtime_error("simulated crash");
    }
};

RunOptions run_options(const std::filesystem::path& dir, std::uint64_t evaluations, std::size_t workers = 1) {
    return RunOptions{.evolution = {.islands = 2, .population = 8, .seed = 7,
                                    .migration = {.interval = 5},
                                    .stop = {.max_evaluations = evaluations}},
                      .workers = workers,
                      .run_dir = dir,
                      .checkpoint_interval = 10,
                      .progress = false};
}

}  // namespace

TEST_CASE("a trainer that throws, returns NaN or overruns yields a recorded failure", "[threads]") {
    const auto space = test::small_space();
    test::TempDir dir("failures");
    std::atomic<int> stopped_by_token{0};
    struct Flaky {
        std::atomic<int>* stopped;
        Fitness evaluate(const Genome<>&, const JobContext& ctx) {
            switch (ctx.job_id % 5) {
                case 0: throw std::runtime_error("out of memory (simulated)");
                case 1: return Fitness::of(std::nan(""));
                case 2:
                    // Polls only the stop token (not the deadline itself), so
                    // only the driver's watchdog can end this job early.
                    for (int i = 0; i < 5000 && !ctx.stop.stop_requested(); ++i) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    }
                    if (ctx.stop.stop_requested()) ++*stopped;
                    return Fitness::of(0.9);
                default: return Fitness::of(0.5);
            }
        }
    };
    auto options = run_options(dir.path(), 40, 2);
    options.job_timeout_seconds = 0.05;
    const auto result = evolve(space, [&](std::size_t) { return Flaky{&stopped_by_token}; }, options);
    CHECK(result.counts.finished == 40);
    CHECK(result.counts.failed + result.counts.timed_out + result.counts.ok == 40);
    CHECK(result.counts.timed_out > 0);
    CHECK(stopped_by_token.load() > 0);
    CHECK(result.best->score == 0.5);

    const auto lineage = read_lineage(dir / "lineage.jsonl", space);
    REQUIRE(lineage.records.size() == 40);
    for (const auto& r : lineage.records) {
        switch (r.job.id % 5) {
            case 0:
                CHECK(r.fitness.status == FitnessStatus::failed);
                CHECK(r.fitness.reason == "the trainer threw: out of memory (simulated)");
                break;
            case 1:
                CHECK(r.fitness.status == FitnessStatus::failed);
                CHECK(r.fitness.reason == "the trainer returned a NaN score");
                break;
            case 2:
                CHECK(r.fitness.status == FitnessStatus::timed_out);
                CHECK_THAT(r.fitness.reason, Contains("deadline"));
                break;
            default: CHECK(r.fitness.ok());
        }
    }
}

TEST_CASE("torture: every proposed job finishes exactly once", "[threads][torture]") {
    const auto space = test::small_space();
    test::TempDir dir("torture");
    struct Tally : Observer<Genome<>> {
        std::multiset<std::uint64_t> proposed, finished;
        void on_proposed(const Job<Genome<>>& j, const Progress&) override { proposed.insert(j.id); }
        void on_finished(const JobRecord<Genome<>>& r, const Progress&) override {
            if (r.trained) finished.insert(r.job.id);
        }
    };
    auto tally = std::make_shared<Tally>();
    struct Chaotic {
        Fitness evaluate(const Genome<>& g, const JobContext& ctx) {
            Rng rng(ctx.seed);
            std::this_thread::sleep_for(std::chrono::microseconds(rng.index(300)));
            const auto roll = rng.index(10);
            if (roll == 0) throw std::runtime_error("random failure");
            if (roll == 1) return Fitness::failed("diverged");
            return Fitness::of(static_cast<double>(g.gene_count()) + rng.uniform());
        }
    };
    auto options = run_options(dir.path(), 1500, 4);
    options.evolution.islands = 3;
    const auto result = evolve(space, [](std::size_t) { return Chaotic{}; }, options, {}, {}, {tally});
    CHECK(result.counts.finished == 1500);
    CHECK(tally->proposed.size() == 1500);
    CHECK(tally->finished == tally->proposed);
    CHECK(std::set<std::uint64_t>(tally->proposed.begin(), tally->proposed.end()).size() == 1500);
    const auto lineage = read_lineage(dir / "lineage.jsonl", space);
    std::set<std::uint64_t> logged;
    for (const auto& r : lineage.records) {
        if (r.trained) CHECK(logged.insert(r.job.id).second);
    }
    CHECK(logged.size() == 1500);
    CHECK(result.counts.failed > 100);
}

TEST_CASE("a run directory holds the lineage, checkpoint, best and run description", "[threads][files]") {
    const auto space = test::small_space();
    test::TempDir dir("files");
    const auto seed = parse_genome("conv(k=3) | dense(u=64)", space);
    const auto result = evolve(space, [&](std::size_t) { return test::TargetTrainer{seed, &space}; },
                               run_options(dir.path(), 30), {seed});
    const auto lineage = read_lineage(dir / "lineage.jsonl", space);
    CHECK(lineage.records.size() == 30);
    CHECK(lineage.records.front().job.origin == Origin::seed);
    CHECK(lineage.records.front().fitness.score == 1.0);
    CHECK(lineage.migrations == result.counts.migrations);

    const auto checkpoint = read_checkpoint(dir / "checkpoint.json");
    CHECK(checkpoint.at("lineage_records") == 30);
    CHECK(checkpoint.at("counts").at("finished") == 30);

    std::ifstream best(dir / "best.txt");
    std::string score_line, job_line, genome_line;
    std::getline(best, score_line);
    std::getline(best, job_line);
    std::getline(best, genome_line);
    CHECK(score_line == "score 1");
    CHECK(genome_line == to_text(seed, space));

    const auto run = nlohmann::json::parse(std::ifstream(dir / "run.json"));
    CHECK(run.at("seeds").at(0) == to_text(seed, space));
    CHECK(run.at("options").at("seed") == 7);
    CHECK(run.at("driver") == "threads");
    CHECK(space_from_json(run.at("space")).name() == space.name());
}

TEST_CASE("a run interrupted and resumed ends identical to one done in one go", "[threads][resume]") {
    const auto space = test::small_space();
    const auto target = parse_genome("conv(k=5,f=64) pool conv(k=3) | dense(u=256) ; lr=0.05", space);
    const auto factory = [&](std::size_t) { return test::TargetTrainer{target, &space}; };
    test::TempDir straight("straight");
    const auto expected = evolve(space, factory, run_options(straight.path(), 90));

    test::TempDir crashed("crashed");
    // Crash twice, at points that are not checkpoint boundaries, then finish.
    for (std::uint64_t crash_at : {23, 57}) {
        auto options = run_options(crashed.path(), 90);
        options.resume = crash_at != 23;
        CHECK_THROWS_WITH(evolve(space, factory, options, {}, {}, {std::make_shared<CrashAfter>(crash_at)}),
                          "simulated crash");
    }
    auto options = run_options(crashed.path(), 90);
    options.resume = true;
    const auto resumed = evolve(space, factory, options);

    CHECK(job_lines(crashed / "lineage.jsonl") == job_lines(straight / "lineage.jsonl"));
    CHECK(resumed.counts.finished == expected.counts.finished);
    CHECK(resumed.counts.ok == expected.counts.ok);
    CHECK(resumed.counts.duplicates == expected.counts.duplicates);
    CHECK(resumed.counts.migrations == expected.counts.migrations);
    CHECK(resumed.counts.migrants == expected.counts.migrants);
    CHECK(resumed.counts.proposed == expected.counts.proposed);
    REQUIRE(resumed.best);
    CHECK(resumed.best->id == expected.best->id);
    CHECK(resumed.best->genome == expected.best->genome);
}

TEST_CASE("resuming with a larger budget continues the same run", "[threads][resume]") {
    const auto space = test::small_space();
    const auto factory = [&](std::size_t) {
        return test::TargetTrainer{parse_genome("conv(k=7) | dense(u=32)", space), &space};
    };
    test::TempDir straight("long");
    evolve(space, factory, run_options(straight.path(), 60));
    test::TempDir extended("extended");
    evolve(space, factory, run_options(extended.path(), 35));
    auto more = run_options(extended.path(), 60);
    more.resume = true;
    evolve(space, factory, more);
    CHECK(job_lines(extended / "lineage.jsonl") == job_lines(straight / "lineage.jsonl"));
}

TEST_CASE("a torn last lineage line is dropped on resume", "[threads][resume]") {
    const auto space = test::small_space();
    const auto factory = [&](std::size_t) { return test::TargetTrainer{random_genome(space, *std::make_unique<Rng>(1)), &space}; };
    test::TempDir dir("torn");
    auto options = run_options(dir.path(), 15);
    evolve(space, factory, options);
    {
        std::ofstream out(dir / "lineage.jsonl", std::ios::app);
        out << R"({"type":"job","id":99,"isl)";  // a crash mid-write
    }
    options.resume = true;
    options.evolution.stop.max_evaluations = 20;
    const auto result = evolve(space, factory, options);
    CHECK(result.counts.finished == 20);
    CHECK(read_lineage(dir / "lineage.jsonl", space).records.size() == 20);
    CHECK_FALSE(read_lineage(dir / "lineage.jsonl", space).torn_tail);
}

TEST_CASE("run directories of other runs, and corrupt checkpoints, are refused", "[threads][errors]") {
    const auto space = test::small_space();
    const auto factory = [&](std::size_t) { return test::TargetTrainer{parse_genome("conv | ", space), &space}; };
    test::TempDir dir("refuse");
    evolve(space, factory, run_options(dir.path(), 12));
    const auto before = job_lines(dir / "lineage.jsonl");

    SECTION("an existing run without resume") {
        CHECK_THROWS_WITH(evolve(space, factory, run_options(dir.path(), 12)),
                          Contains("already holds a run; resume it, or choose an empty directory"));
    }
    SECTION("a different run") {
        auto options = run_options(dir.path(), 12);
        options.resume = true;
        options.evolution.seed = 8;
        CHECK_THROWS_WITH(evolve(space, factory, options),
                          Contains("holds a different run: its options differs ('seed' was 7, now 8)"));
    }
    SECTION("a truncated checkpoint") {
        const auto text = read_text_file(dir / "checkpoint.json", "checkpoint");
        std::ofstream(dir / "checkpoint.json", std::ios::trunc) << text.substr(0, text.size() / 2);
        auto options = run_options(dir.path(), 20);
        options.resume = true;
        CHECK_THROWS_AS(evolve(space, factory, options), ParseError);
        CHECK(read_text_file(dir / "checkpoint.json", "checkpoint") == text.substr(0, text.size() / 2));
    }
    SECTION("a checkpoint of another run") {
        auto cp = read_checkpoint(dir / "checkpoint.json");
        cp["run"]["population"] = 99;
        std::ofstream(dir / "checkpoint.json", std::ios::trunc) << cp.dump();
        auto options = run_options(dir.path(), 20);
        options.resume = true;
        CHECK_THROWS_WITH(evolve(space, factory, options), Contains("was written by a different run (population 99"));
    }
    SECTION("zero workers") {
        auto options = run_options(dir.path(), 12);
        options.workers = 0;
        CHECK_THROWS_MATCHES(evolve(space, factory, options), ConfigError,
                             Message("RunOptions.workers: must be at least 1, got 0"));
    }
    CHECK(job_lines(dir / "lineage.jsonl") == before);
}

TEST_CASE("the trainer's optional check runs before dispatch", "[threads][check]") {
    const auto space = test::small_space();
    struct Picky {
        std::atomic<int>* trained;
        Check check(Genome<>& g) const {
            return g.section(1).empty() ? Check::invalid("needs a classifier layer") : Check::fine();
        }
        Fitness evaluate(const Genome<>& g, const JobContext&) {
            ++*trained;
            REQUIRE_FALSE(g.section(1).empty());
            return Fitness::of(1.0 / static_cast<double>(1 + g.gene_count()));
        }
        std::string name() const { return "picky"; }
    };
    std::atomic<int> trained{0};
    auto options = run_options("", 50, 2);
    const auto result = evolve(space, [&](std::size_t) { return Picky{&trained}; }, options);
    CHECK(trained.load() == 50);
    CHECK(result.counts.invalid > 0);
    CHECK(trainer_name(Picky{&trained}) == "picky");
    CHECK(trainer_name(test::TargetTrainer{}) == "target");
}

TEST_CASE("max_seconds stops the run and the jobs still training", "[threads][stop]") {
    const auto space = test::small_space();
    // Stops when asked and says so, as CnnTrainer does.
    struct Slow {
        Fitness evaluate(const Genome<>&, const JobContext& ctx) {
            for (int i = 0; i < 10000; ++i) {
                if (ctx.should_stop()) return Fitness::timed_out("stopped early");
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            return Fitness::of(0.5);
        }
    };
    RunOptions options;
    options.evolution.stop = {.max_evaluations = 0, .max_seconds = 0.3};
    options.workers = 2;
    options.progress = false;
    const auto start = std::chrono::steady_clock::now();
    const auto result = evolve(space, [](std::size_t) { return Slow{}; }, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(seconds < 5.0);
    CHECK(result.stop_reason == "max_seconds");
    // Every job that started was stopped by the time budget (on a slow,
    // loaded machine a worker may start only after the budget is spent).
    CHECK(result.counts.timed_out >= 1);
    CHECK(result.counts.timed_out == result.counts.finished);
    CHECK(result.counts.ok == 0);
}

TEST_CASE("a result that finished normally keeps its status when the run's time runs out", "[threads][stop]") {
    const auto space = test::small_space();
    // Ignores the stop token: its result is complete, whenever it comes.
    struct Steady {
        Fitness evaluate(const Genome<>&, const JobContext&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(120));
            return Fitness::of(0.5);
        }
    };
    RunOptions options;
    options.evolution.stop = {.max_evaluations = 0, .max_seconds = 0.2};
    options.workers = 2;
    options.progress = false;
    const auto result = evolve(space, [](std::size_t) { return Steady{}; }, options);
    CHECK(result.stop_reason == "max_seconds");
    CHECK(result.counts.finished >= 2);
    CHECK(result.counts.ok == result.counts.finished);
    CHECK(result.counts.timed_out == 0);
}

TEST_CASE("a run stopped by its target score asks the jobs still training to stop", "[threads][stop]") {
    const auto space = test::small_space();
    std::atomic<int> stopped{0};
    std::atomic<bool> slow_started{false};
    struct Trainer {
        std::atomic<int>* stopped;
        std::atomic<bool>* slow_started;
        std::size_t worker;
        Fitness evaluate(const Genome<>&, const JobContext& ctx) {
            if (worker == 0) {  // reaches the target once the other worker is training
                while (!*slow_started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                return Fitness::of(1.0);
            }
            *slow_started = true;
            for (int i = 0; i < 20000; ++i) {          // up to 20 s unless asked to stop
                if (ctx.should_stop()) {
                    ++*stopped;
                    return Fitness::timed_out("stopped early");
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            return Fitness::of(0.5);
        }
    };
    RunOptions options;
    options.evolution.stop = {.max_evaluations = 100, .target_score = 0.9};
    options.workers = 2;
    options.progress = false;
    const auto start = std::chrono::steady_clock::now();
    const auto result = evolve(space, [&](std::size_t w) { return Trainer{&stopped, &slow_started, w}; }, options);
    CHECK(result.stop_reason == "target_score");
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 10.0);
    CHECK(stopped >= 1);
}

TEST_CASE("workers busy is averaged over time, not sampled between a job's end and the next", "[threads][progress]") {
    // Two workers busy all the time but for a microsecond at each job's end.
    BusyMeter meter;
    Progress p;
    const auto at = [&](double t, std::size_t in_flight) {
        p.elapsed_seconds = t;
        p.in_flight = in_flight;
        return p;
    };
    meter.proposed(at(0.0, 0));
    meter.proposed(at(0.0, 1));
    for (int i = 1; i <= 10; ++i) {
        meter.finished(at(i, 1));            // the engine's snapshot: one job in flight
        meter.proposed(at(i + 1e-6, 1));     // the worker's next job, a microsecond later
    }
    CHECK(meter.take(at(10.5, 2)) == Approx(2.0).epsilon(1e-5));
    meter.finished(at(11.0, 1));  // one worker idle from t = 11 to 12
    CHECK(meter.take(at(12.0, 1)) == Approx((0.5 * 2 + 1.0 * 1) / 1.5));
    CHECK(meter.take(at(12.0, 1)) == 1.0);  // no time passed: the most in flight seen
    CHECK(progress_line(p, 2, 1.96).find("| 2.0/2 workers busy |") != std::string::npos);

    // The real thread driver, two workers that sleep, a line at most every
    // 100 ms: every line says both are busy (the snapshot when a job
    // finished said "1/2" on every line). Jobs are long and there are no
    // run files, so the time between a worker's jobs stays small even on a
    // loaded machine under a sanitizer (40 ms jobs with fsync'ed run files
    // measured 1.0-1.1 busy there).
    const auto space = test::small_space();
    struct Sleepy {
        Fitness evaluate(const Genome<>&, const JobContext& ctx) {
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
            return Fitness::of(static_cast<double>(ctx.job_id % 7));
        }
    };
    std::FILE* out = std::tmpfile();
    auto progress = std::make_shared<ConsoleProgress>(2, out, /*force=*/true, std::chrono::milliseconds(100));
    auto options = run_options({}, 30, 2);
    options.checkpoint_interval = 0;
    (void)evolve(space, [](std::size_t) { return Sleepy{}; }, options, {}, {}, {progress});
    std::rewind(out);
    char line[512];
    int lines = 0;
    while (std::fgets(line, sizeof line, out) != nullptr) {
        const std::string text(line);
        const auto bar = text.find(" workers busy");
        if (bar == std::string::npos || text.find("30/30 evaluated") != std::string::npos) continue;  // the end drains
        const auto start = text.rfind("| ", bar) + 2;
        const double busy = std::stod(text.substr(start, text.find('/', start) - start));
        INFO(text);
        CHECK(busy > 1.5);
        ++lines;
    }
    std::fclose(out);
    CHECK(lines >= 3);
}

TEST_CASE("the progress line says where the run stands", "[threads][progress]") {
    CHECK(format_duration(59.6) == "1:00");
    CHECK(format_duration(3725) == "1:02:05");
    Progress p;
    p.counts.finished = 50;
    p.counts.ok = 45;
    p.counts.failed = 3;
    p.counts.timed_out = 2;
    p.best_score = 0.8125;
    p.elapsed_seconds = 10;
    p.in_flight = 2;
    p.max_evaluations = 200;
    CHECK(progress_line(p, 4) ==
          "evonas: 50/200 evaluated | best 0.8125 | 5.00 jobs/s | 2/4 workers busy | failed 5 | ETA 0:30");

    // Not a terminal: quiet unless forced.
    std::FILE* quiet = std::tmpfile();
    {
        ConsoleProgress progress(4, quiet);
        progress.on_end(p);
    }
    std::fseek(quiet, 0, SEEK_END);
    CHECK(std::ftell(quiet) == 0);
    std::fclose(quiet);

    std::FILE* forced = std::tmpfile();
    {
        ConsoleProgress progress(4, forced, /*force=*/true);
        progress.on_end(p);
    }
    std::rewind(forced);
    char buffer[256] = {};
    CHECK(std::fgets(buffer, sizeof buffer, forced) != nullptr);
    CHECK_THAT(std::string(buffer), Contains("50/200 evaluated | best 0.8125"));
    std::fclose(forced);
}
