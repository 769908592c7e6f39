// The simulation driver: virtual time checked against hand-computed cases,
// the same lineage as the thread driver, failures, dropouts, master
// saturation, the generational baseline and the reports.
#include <evonas/drivers/sim.hpp>
#include <evonas/drivers/threads.hpp>
#include <evonas/genome/cnn_shape.hpp>
#include <evonas/genome/text.hpp>
#include <evonas/space/cnn_space.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/spaces.hpp"
#include "support/lineage.hpp"
#include "support/trainers.hpp"

using namespace evonas;
using evonas::test::job_lines;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;
using Approx = Catch::Detail::Approx;

namespace {

/// Records the engine's calls as the drivers make them.
struct Recorder : Observer<Genome<>> {
    std::vector<std::string> calls;
    void on_proposed(const Job<Genome<>>& job, const Progress&) override {
        calls.push_back(fmt::format("propose {} {} {}", job.id, job.op, job.hash));
    }
    void on_finished(const JobRecord<Genome<>>& r, const Progress&) override {
        calls.push_back(fmt::format("finish {} {} {}", r.job.id, r.fitness.score, to_string(r.fitness.status)));
    }
    void on_migrated(const MigrationEvent& e, const Progress&) override {
        calls.push_back(fmt::format("migrate {} {} {}", e.from, e.to, e.ids.size()));
    }
};

/// Fitness = 1 / (1 + layers): instant and deterministic.
struct SizeTrainer {
    Fitness evaluate(const Genome<>& g, const JobContext&) const {
        return Fitness::of(1.0 / static_cast<double>(1 + g.gene_count()));
    }
};

sim::SimOptions constant_run(std::size_t workers, double job_seconds, std::uint64_t evaluations, double seconds = 0.0) {
    return sim::SimOptions{.evolution = {.population = 8, .seed = 3,
                                         .stop = {.max_evaluations = evaluations, .max_seconds = seconds}},
                           .workers = workers,
                           .cost = sim::CostModel::constant(job_seconds)};
}

}  // namespace

TEST_CASE("one worker, constant job times: one job per period, fully busy", "[sim]") {
    const auto space = test::small_space();
    const auto run = sim::simulate(space, SizeTrainer{}, constant_run(1, 10.0, 5));
    const auto& r = run.report;
    CHECK(r.jobs.evaluated == 5);
    CHECK(r.jobs.proposed == 5);
    CHECK(r.virtual_seconds == 50.0);
    CHECK(r.busy_seconds == 50.0);
    CHECK(r.utilisation == 1.0);
    CHECK(r.master_busy_fraction == 0.0);
    CHECK(r.idle.gaps == 5);
    CHECK(r.idle.total_seconds == 0.0);
    CHECK(r.stop_reason == "max_evaluations");
    CHECK(run.evolution.counts.finished == 5);
    REQUIRE(r.series.size() >= 1);
}

TEST_CASE("one worker with master costs and latencies: the period is job + master + messages", "[sim]") {
    const auto space = test::small_space();
    auto options = constant_run(1, 10.0, 6);
    options.master = {.propose_seconds = 1.0, .complete_seconds = 0.5, .dispatch_latency = 0.25,
                      .result_latency = 0.25};
    const auto r = sim::simulate(space, SizeTrainer{}, options).report;
    // Job k starts at 1.25 + 12k and ends at 11.25 + 12k; its result arrives
    // at 11.5 + 12k and the master is done with it at 12 + 12k.
    CHECK(r.jobs.evaluated == 6);
    CHECK(r.virtual_seconds == Approx(72.0));
    CHECK(r.busy_seconds == Approx(60.0));
    CHECK(r.utilisation == Approx(10.0 / 12.0));
    CHECK(r.master_busy_fraction == Approx(9.0 / 72.0));
    CHECK(r.idle.gaps == 6);
    CHECK(r.idle.total_seconds == Approx(1.25 + 5 * 2.0));
    CHECK(r.idle.latency_seconds == Approx(0.25 + 5 * 0.5));
    CHECK(r.idle.master_seconds == Approx(1.0 + 5 * 1.5));
    CHECK(r.idle.no_work_seconds == 0.0);
    CHECK(r.idle.at_end_seconds == Approx(0.75));
    CHECK(r.idle.max_seconds == Approx(2.0));
}

TEST_CASE("W workers with equal job times finish W jobs per period", "[sim]") {
    const auto space = test::small_space();
    for (auto schedule : {sim::Schedule::asynchronous, sim::Schedule::generational}) {
        auto options = constant_run(8, 5.0, 0, 50.0);
        options.schedule = schedule;
        options.series_points = 10;
        const auto r = sim::simulate(space, SizeTrainer{}, options).report;
        INFO(r.schedule);
        // Results at 5, 10, ..., 45; those due at 50 are cut off by the end.
        CHECK(r.jobs.evaluated == 9 * 8);
        CHECK(r.jobs.cut_off == 8);
        CHECK(r.virtual_seconds == 50.0);
        CHECK(r.utilisation == 1.0);
        CHECK(r.generations == (schedule == sim::Schedule::generational ? 9u : 0u));
        REQUIRE(r.series.size() == 10);
        CHECK(r.series[0].finished == 0);
        for (std::size_t i = 1; i < 10; ++i) {
            CHECK(r.series[i].finished == 8);
            CHECK(r.series[i].utilisation == Approx(1.0));
        }
    }
}

TEST_CASE("the generational baseline waits for each generation's slowest network", "[sim][generational]") {
    const auto space = test::small_space();
    // One island: job ids are 0, 1, 2, ... in dispatch order; every fourth is slow.
    auto options = constant_run(4, 0.0, 0, 100.0);
    options.cost = sim::CostModel::custom("every fourth slow", [](const sim::CostInput& in, Rng&) {
        return in.job.id % 4 == 0 ? 10.0 : 1.0;
    });
    options.schedule = sim::Schedule::generational;
    const auto gen = sim::simulate(space, SizeTrainer{}, options).report;
    CHECK(gen.generations == 9);
    CHECK(gen.jobs.evaluated == 9 * 4 + 3);
    CHECK(gen.jobs.cut_off == 1);
    CHECK(gen.utilisation == Approx(130.0 / 400.0));
    CHECK(gen.idle.no_work_seconds == Approx(9 * 3 * 9.0));
    CHECK(gen.idle.at_end_seconds == Approx(3 * 9.0));
    CHECK(gen.setup.at("generation_size") == 4);

    options.schedule = sim::Schedule::asynchronous;
    const auto async = sim::simulate(space, SizeTrainer{}, options).report;
    CHECK(async.utilisation == 1.0);
    CHECK(async.idle.no_work_seconds == 0.0);
    CHECK(async.jobs.evaluated > 3 * gen.jobs.evaluated / 2);
}

TEST_CASE("zero latency, one worker: the same lineage as the thread driver", "[sim][threads]") {
    const auto space = test::small_space();
    const auto target = parse_genome("conv(k=5,f=64) pool conv(k=3) | dense(u=256) ; lr=0.05", space);
    const auto seed = parse_genome("conv(k=3) | dense(u=64)", space);
    const EvolutionOptions evolution{.islands = 2, .population = 8, .seed = 11, .migration = {.interval = 5},
                                     .stop = {.max_evaluations = 120}};
    test::TempDir threads_dir("sim-threads");
    test::TempDir sim_dir("sim-sim");
    auto thread_calls = std::make_shared<Recorder>();
    auto sim_calls = std::make_shared<Recorder>();
    const auto threaded = evolve(space, [&](std::size_t) { return test::TargetTrainer{target, &space}; },
                                 RunOptions{.evolution = evolution, .workers = 1, .run_dir = threads_dir.path(),
                                            .checkpoint_interval = 10, .progress = false},
                                 {seed}, {}, {thread_calls});
    // A factory, as evolve() takes, works too.
    const auto simulated = sim::simulate(space, [&](std::size_t) { return test::TargetTrainer{target, &space}; },
                                         sim::SimOptions{.evolution = evolution, .workers = 1,
                                                         .cost = sim::CostModel::log_normal(60.0, 0.7),
                                                         .run_dir = sim_dir.path(), .checkpoint_interval = 10},
                                         {seed}, {}, {sim_calls});
    CHECK(sim_calls->calls.size() > 240);
    CHECK(sim_calls->calls == thread_calls->calls);
    const auto lines = job_lines(sim_dir / "lineage.jsonl");
    CHECK(lines.size() == 120);
    CHECK(lines == job_lines(threads_dir / "lineage.jsonl"));
    CHECK(simulated.evolution.counts == threaded.counts);
    REQUIRE(simulated.evolution.best);
    CHECK(simulated.evolution.best->id == threaded.best->id);
    const auto run_json = nlohmann::json::parse(std::ifstream(sim_dir / "run.json"));
    CHECK(run_json.at("driver") == "sim");
    CHECK(read_checkpoint(sim_dir / "checkpoint.json").at("lineage_records") == 120);
    // Virtual times are in the lineage: the last job ends at the run's end.
    const auto lineage = read_lineage(sim_dir / "lineage.jsonl", space);
    CHECK(lineage.records.back().work.finished == Approx(simulated.report.virtual_seconds));
}

TEST_CASE("a simulation is reproducible from its seed", "[sim][determinism]") {
    const auto space = cnn_space(2);
    const auto target = parse_genome("conv(k=5,f=64) pool conv(k=3,f=128) sepconv | dense(u=256) dropout", space);
    const EvolutionOptions evolution{.islands = 3, .population = 16, .seed = 5,
                                     .stop = {.max_evaluations = 0, .max_seconds = 3600.0 * 6}};
    sim::SimOptions options{.evolution = evolution,
                            .workers = 200,
                            .cost = sim::CostModel::log_normal_with_mean(600.0, 0.5),
                            .master = {.propose_seconds = 0.01, .complete_seconds = 0.005,
                                       .dispatch_latency = 0.001, .result_latency = 0.001},
                            .failures = {.fail_fraction = 0.05, .dropouts = {{7, 1000.0}, {150, 5000.0}}},
                            .target_score = 0.8};
    const sim::SimilarityTrainer trainer{target, &space};
    auto a = sim::to_json(sim::simulate(space, trainer, options).report);
    auto b = sim::to_json(sim::simulate(space, trainer, options).report);
    a.erase("real");
    b.erase("real");
    CHECK(a == b);
    CHECK(a.at("jobs").at("lost") == 2);
    options.evolution.seed = 6;
    auto c = sim::to_json(sim::simulate(space, trainer, options).report);
    c.erase("real");
    CHECK(a != c);
}

TEST_CASE("injected failures and timeouts are recorded with their reasons", "[sim][failures]") {
    const auto space = test::small_space();
    test::TempDir dir("sim-failures");
    auto options = constant_run(16, 0.0, 2000);
    options.cost = sim::CostModel::log_normal(100.0, 0.5);
    options.failures = {.fail_fraction = 0.2, .timeout_fraction = 0.1, .job_timeout_seconds = 200.0};
    options.run_dir = dir.path();
    const auto r = sim::simulate(space, SizeTrainer{}, options).report;
    CHECK(r.jobs.evaluated == 2000);
    CHECK(r.jobs.failed == Approx(400).margin(80));
    // Hangs (10%) plus jobs longer than 2x the median (8% of a log-normal with sigma 0.5, of the other 70%).
    CHECK(r.jobs.timed_out == Approx(200 + 0.7 * 0.083 * 2000).margin(70));
    CHECK(r.jobs.ok + r.jobs.failed + r.jobs.timed_out == 2000);
    CHECK(r.wasted_seconds > 0.0);
    CHECK(r.wasted_seconds < r.busy_seconds);
    std::size_t failed = 0, timed_out = 0;
    for (const auto& rec : read_lineage(dir / "lineage.jsonl", space).records) {
        if (rec.fitness.status == FitnessStatus::failed) {
            CHECK_THAT(rec.fitness.reason, Contains("simulated failure after"));
            CHECK(rec.work.finished - rec.work.started <= 100.0 * 20);
            ++failed;
        } else if (rec.fitness.status == FitnessStatus::timed_out) {
            CHECK(rec.fitness.reason == "the job ran past its 200 s deadline");
            CHECK(rec.work.finished - rec.work.started == Approx(200.0));
            ++timed_out;
        }
    }
    CHECK(failed == r.jobs.failed);
    CHECK(timed_out == r.jobs.timed_out);
}

TEST_CASE("a trainer that throws yields a failed result and the simulation goes on", "[sim][failures]") {
    const auto space = test::small_space();
    struct Flaky {
        Fitness evaluate(const Genome<>&, const JobContext& ctx) const {
            if (ctx.job_id % 3 == 0) throw std::runtime_error("out of memory (simulated)");
            return Fitness::of(ctx.job_id % 3 == 1 ? std::nan("") : 0.5);
        }
    };
    const auto r = sim::simulate(space, Flaky{}, constant_run(4, 1.0, 30)).report;
    CHECK(r.jobs.evaluated == 30);
    CHECK(r.jobs.failed == 20);
    CHECK(r.jobs.ok == 10);
    CHECK(r.best_score == 0.5);
}

TEST_CASE("a worker that drops out takes no more; its job goes to another worker", "[sim][failures]") {
    const auto space = test::small_space();
    auto options = constant_run(4, 10.0, 0, 40.0);
    options.failures.dropouts = {{1, 15.0}, {3, 100.0}};
    test::TempDir dir("sim-dropout");
    options.run_dir = dir.path();
    const auto run = sim::simulate(space, SizeTrainer{}, options);
    const auto& r = run.report;
    CHECK(r.jobs.lost == 1);
    CHECK(r.jobs.requeued == 1);
    CHECK(r.jobs.evaluated == 3 * 3 + 1);
    CHECK(r.jobs.cut_off == 3);
    CHECK(r.available_seconds == Approx(3 * 40.0 + 15.0));
    CHECK(r.busy_seconds == Approx(3 * 40.0 + 15.0));
    CHECK(r.wasted_seconds == Approx(5.0 + 3 * 10.0));
    CHECK(r.utilisation == Approx(1.0));
    // The job worker 1 had at 15 s is trained by the next worker to ask, at
    // 20 s, as its second attempt; no result is recorded for the lost one.
    std::size_t second = 0;
    for (const auto& rec : read_lineage(dir / "lineage.jsonl", space).records) {
        CHECK(rec.fitness.reason.find("dropped out") == std::string::npos);
        if (rec.job.attempt == 2) {
            CHECK(rec.work.started == 20.0);
            CHECK(rec.fitness.ok());
            ++second;
        }
    }
    CHECK(second == 1);
    CHECK(run.evolution.counts.finished == r.jobs.evaluated + r.jobs.cut_off + r.jobs.lost - r.jobs.requeued);

    // A dropout after the work is done does not lengthen the run.
    auto done_early = constant_run(2, 10.0, 4);
    done_early.failures.dropouts = {{0, 1000.0}};
    const auto early = sim::simulate(space, SizeTrainer{}, done_early).report;
    CHECK(early.virtual_seconds == 20.0);
    CHECK(early.utilisation == 1.0);
    CHECK(early.jobs.lost == 0);
}

TEST_CASE("a single master saturates; one master per island lifts the limit", "[sim][master]") {
    const auto space = test::small_space();
    // The master spends 0.1 s per job: at most 10 jobs per second, whatever the workers.
    auto options = constant_run(40, 1.0, 0, 100.0);
    options.evolution.islands = 2;
    options.master.propose_seconds = 0.1;
    const auto one = sim::simulate(space, SizeTrainer{}, options).report;
    CHECK(one.masters == 1);
    CHECK(one.master_busy_fraction > 0.99);
    CHECK(one.jobs.evaluated == Approx(1000).margin(40));
    CHECK(one.utilisation == Approx(0.25).margin(0.02));
    CHECK(one.idle.master_seconds > 0.9 * one.idle.total_seconds);

    options.master.one_per_island = true;
    const auto two = sim::simulate(space, SizeTrainer{}, options).report;
    CHECK(two.masters == 2);
    CHECK(two.jobs.evaluated == Approx(2000).margin(80));
    REQUIRE(two.per_island.size() == 2);
    for (const auto& island : two.per_island) {
        REQUIRE(island.master_busy_fraction);
        CHECK(*island.master_busy_fraction > 0.99);
        CHECK(island.evaluated == Approx(1000).margin(40));
    }

    // Few workers: the master keeps up and the workers stay busy.
    options.workers = 5;
    options.master.one_per_island = false;
    const auto few = sim::simulate(space, SizeTrainer{}, options).report;
    CHECK(few.master_busy_fraction < 0.6);
    CHECK(few.utilisation > 0.85);
}

TEST_CASE("the master's cost can be measured from the real engine", "[sim][master]") {
    const auto space = test::small_space();
    auto options = constant_run(50, 60.0, 500);
    options.master.measured = true;
    options.master.measured_scale = 1000.0;
    const auto r = sim::simulate(space, SizeTrainer{}, options).report;
    CHECK(r.engine_real_seconds > 0.0);
    CHECK(r.engine_us_per_job > 0.0);
    CHECK(r.master_busy_fraction > 0.0);
    CHECK(r.setup.at("master").at("measured") == true);
}

TEST_CASE("time to reach a target score, overall and per island", "[sim][report]") {
    const auto space = test::small_space();
    const auto target = parse_genome("conv(k=5,f=64) pool | dense(u=256)", space);
    auto options = constant_run(3, 10.0, 0, 100.0);
    options.evolution.islands = 2;
    options.target_score = 1.0;
    const auto r = sim::simulate(space, test::TargetTrainer{target, &space}, options, {target}).report;
    REQUIRE(r.time_to_target);
    CHECK(*r.time_to_target == 10.0);  // the seed is the target: island 0's first job
    REQUIRE(r.per_island.size() == 2);
    CHECK(r.per_island[0].time_to_target == 10.0);
    CHECK(r.best_score == 1.0);
    REQUIRE(r.series.size() == 96);
    CHECK_FALSE(r.series.front().best_score);
    CHECK(r.series.back().best_score == 1.0);

    const auto j = sim::to_json(r);
    CHECK(j.at("time_to_target") == 10.0);
    CHECK(j.at("per_island").size() == 2);
    CHECK(j.at("series").size() == 96);
    CHECK_FALSE(sim::to_json(r, false).contains("series"));
    const auto text = sim::summary(r);
    CHECK_THAT(text, Contains("networks evaluated"));
    CHECK_THAT(text, Contains("target 1.0000 reached after 10.0 s"));
}

TEST_CASE("schedules compared side by side from the same setup", "[sim][report]") {
    const auto space = cnn_space(2);
    const auto target = parse_genome("conv(k=5,f=64) pool conv(k=3,f=128) | dense(u=256)", space);
    const EvolutionOptions evolution{.islands = 2, .population = 16, .seed = 2,
                                     .stop = {.max_evaluations = 0, .max_seconds = 24 * 3600.0}};
    const sim::SimOptions options{.evolution = evolution,
                                  .workers = 500,
                                  .cost = sim::CostModel::log_normal_with_mean(3000.0, 0.5)};
    const auto runs = sim::simulate_schedules(space, sim::SimilarityTrainer{target, &space}, options);
    REQUIRE(runs.size() == 2);
    const auto& async = runs[0].report;
    const auto& gen = runs[1].report;
    CHECK(async.schedule == "asynchronous");
    CHECK(gen.schedule == "generational");
    CHECK(async.utilisation > 0.99);
    CHECK(gen.utilisation < 0.6);
    CHECK(async.jobs.evaluated > gen.jobs.evaluated);
    CHECK(gen.generations >= 5);
    CHECK(gen.idle.no_work_seconds > 0.3 * gen.available_seconds);
    const std::vector<sim::SimReport> reports{async, gen};
    const auto table = sim::comparison_table(reports);
    CHECK_THAT(table, Contains("networks evaluated"));
    CHECK_THAT(table, Contains("asynchronous"));
    CHECK_THAT(table, Contains("generational"));
}

TEST_CASE("cost models: constant, log-normal, proportional, custom", "[sim][cost]") {
    const auto space = cnn_space(2);
    const auto small = parse_genome("conv(k=3,f=8) |", space);
    const auto big = parse_genome("conv(k=7,f=256) conv(k=7,f=256) | dense(u=1024)", space);
    Job<Genome<>> job;
    job.genome = small;
    Rng rng(1);
    CHECK(sim::CostModel::constant(42.0).draw({job}, rng) == 42.0);

    double sum = 0.0;
    const auto ln = sim::CostModel::log_normal_with_mean(100.0, 0.5);
    for (int i = 0; i < 20000; ++i) sum += ln.draw({job}, rng);
    CHECK(sum / 20000 == Approx(100.0).epsilon(0.02));
    CHECK(ln.description().at("median_seconds") == Approx(100.0 / std::exp(0.125)));

    // Training FLOPs: 3 x forward FLOPs per sample x samples x epochs (the epochs gene, default 5).
    const CnnDataShape shape{.channels = 1, .spatial = {4, 4}, .classes = 10};
    const auto work = infer_cnn_shapes(small, space, shape);
    REQUIRE(work.flops > 0.0);
    const auto flops = sim::CostModel::proportional(1.0, 0.0, sim::cnn_training_flops(space, shape, 100));
    CHECK(flops.draw({job}, rng) == Approx(3.0 * work.flops * 100 * 5));
    Job<Genome<>> big_job;
    big_job.genome = big;
    CHECK(flops.draw({big_job}, rng) > 100 * flops.draw({job}, rng));
    const auto params = sim::CostModel::proportional(2.0, 0.0, sim::cnn_parameters(space, shape));
    CHECK(params.draw({job}, rng) == 2.0 * static_cast<double>(work.params));
    CHECK_THROWS_WITH(sim::cnn_training_flops(space, {.channels = 1, .spatial = {4}, .classes = 10}, 100),
                      Contains("space 'cnn2d' is for 2-D inputs"));
    // With noise: the median factor is 1.
    const auto noisy = sim::CostModel::proportional(1.0, 0.3, [](const Genome<>&) { return 50.0; });
    std::vector<double> draws;
    for (int i = 0; i < 2001; ++i) draws.push_back(noisy.draw({job}, rng));
    std::nth_element(draws.begin(), draws.begin() + 1000, draws.end());
    CHECK(draws[1000] == Approx(50.0).epsilon(0.03));

    // Without an estimator: the trainer's cost(genome).
    struct Costly {
        double cost(const Genome<>& g) const { return static_cast<double>(g.gene_count()); }
        Fitness evaluate(const Genome<>&, const JobContext&) const { return Fitness::of(1.0); }
    };
    const auto by_trainer = sim::CostModel::proportional(10.0);
    CHECK(by_trainer.uses_trainer_estimate());
    const auto tiny = test::small_space();
    auto options = constant_run(1, 0.0, 5);
    options.cost = by_trainer;
    test::TempDir dir("sim-cost");
    options.run_dir = dir.path();
    sim::simulate(tiny, Costly{}, options);
    for (const auto& rec : read_lineage(dir / "lineage.jsonl", tiny).records) {
        CHECK(rec.work.finished - rec.work.started == Approx(10.0 * static_cast<double>(rec.job.genome.gene_count())));
    }

    const auto broken = sim::CostModel::custom("broken", [](const sim::CostInput&, Rng&) { return -1.0; });
    job.id = 77;
    CHECK_THROWS_WITH(broken.draw({job}, rng), Contains("returned -1 seconds for job 77"));
    CHECK_THROWS_MATCHES(sim::CostModel::log_normal(10.0, -1.0), ConfigError,
                         Message("CostModel.log_normal.sigma: must be a finite number >= 0, got -1"));
}

TEST_CASE("bad simulation options name the field", "[sim][errors]") {
    const auto space = test::small_space();
    const auto refuse = [&](sim::SimOptions options, const std::string& message) {
        CHECK_THROWS_MATCHES(sim::simulate(space, SizeTrainer{}, options), ConfigError, Message(message));
    };
    auto o = constant_run(4, 1.0, 10);
    o.workers = 0;
    refuse(o, "SimOptions.workers: must be at least 1, got 0");
    o = constant_run(4, 1.0, 10);
    o.failures.dropouts = {{9, 1.0}};
    refuse(o, "SimOptions.failures.dropouts[0].worker: worker 9 does not exist (the run has 4)");
    o = constant_run(4, 1.0, 10);
    o.failures.timeout_fraction = 0.1;
    refuse(o, "SimOptions.failures.timeout_fraction: needs failures.job_timeout_seconds > 0 (how long a hung job runs)");
    o = constant_run(4, 1.0, 10);
    o.evolution.islands = 8;
    o.master.one_per_island = true;
    refuse(o, "SimOptions.master.one_per_island: needs at least one worker per island (4 workers, 8 islands)");
    o = constant_run(4, 1.0, 10);
    o.master.dispatch_latency = -1.0;
    refuse(o, "SimOptions.master.dispatch_latency: must be a finite number >= 0, got -1");
    o = constant_run(4, 1.0, 10);
    o.cost = {};
    refuse(o, "SimOptions.cost: is empty; give a CostModel (e.g. CostModel::constant(60))");
    o = constant_run(4, 1.0, 10);
    o.evolution.population = 1;
    refuse(o, "EvolutionOptions.population: must be at least 2 (or 0: from the budget), got 1");
}

TEST_CASE("ten thousand workers: W jobs per period, one event at a time", "[sim][scale]") {
    const auto space = cnn_space(2);
    auto options = constant_run(10000, 100.0, 0, 500.0);
    options.evolution.islands = 4;
    options.evolution.population = 32;
    options.master.dispatch_latency = 0.001;
    const auto r = sim::simulate(space, sim::SimilarityTrainer{random_genome(space, *std::make_unique<Rng>(4)), &space},
                                 options)
                       .report;
    CHECK(r.jobs.evaluated == 4 * 10000);
    CHECK(r.jobs.cut_off == 10000);
    CHECK(r.utilisation == Approx(100.0 / 100.001).epsilon(1e-4));
    CHECK(r.per_island.size() == 4);
    std::uint64_t per_island = 0;
    for (const auto& island : r.per_island) per_island += island.evaluated;
    CHECK(per_island == r.jobs.evaluated);
}

TEST_CASE("torture: random machines keep the books balanced", "[sim][torture]") {
    const auto space = test::small_space();
    struct Tally : Observer<Genome<>> {
        std::multiset<std::uint64_t> proposed, finished;
        void on_proposed(const Job<Genome<>>& j, const Progress&) override { proposed.insert(j.id); }
        void on_finished(const JobRecord<Genome<>>& r, const Progress&) override {
            if (r.trained) finished.insert(r.job.id);
        }
    };
    Rng rng(2024);
    for (int round = 0; round < 40; ++round) {
        sim::SimOptions o;
        o.evolution.islands = 1 + rng.index(4);
        o.evolution.population = 4 + rng.index(8);
        o.evolution.seed = round;
        o.evolution.duplicates = rng.chance(0.5) ? DuplicatePolicy::reuse_fitness : DuplicatePolicy::rebreed;
        o.evolution.stop = rng.chance(0.5) ? StopCriteria{.max_evaluations = 50 + rng.index(200)}
                                           : StopCriteria{.max_evaluations = 0, .max_seconds = 500.0 + rng.uniform(0, 2000)};
        o.workers = o.evolution.islands + rng.index(40);
        o.schedule = rng.chance(0.5) ? sim::Schedule::generational : sim::Schedule::asynchronous;
        o.generation_size = rng.chance(0.5) ? 0 : 1 + rng.index(50);
        o.cost = rng.chance(0.5) ? sim::CostModel::log_normal(30.0, rng.uniform(0, 1.5))
                                 : sim::CostModel::constant(rng.uniform(1, 60));
        o.master = {.propose_seconds = rng.chance(0.5) ? rng.uniform(0, 2) : 0.0,
                    .complete_seconds = rng.chance(0.5) ? rng.uniform(0, 1) : 0.0,
                    .dispatch_latency = rng.uniform(0, 0.5),
                    .result_latency = rng.uniform(0, 0.5),
                    .one_per_island = rng.chance(0.5)};
        o.failures.fail_fraction = rng.uniform(0, 0.3);
        o.failures.timeout_fraction = rng.uniform(0, 0.2);
        o.failures.job_timeout_seconds = rng.uniform(20, 100);
        for (std::size_t d = rng.index(4); d > 0; --d) o.failures.dropouts.push_back({rng.index(o.workers), rng.uniform(0, 1000)});
        auto tally = std::make_shared<Tally>();
        INFO("round " << round << ": " << o.workers << " workers, " << to_string(o.schedule));
        const auto run = sim::simulate(space, SizeTrainer{}, o, {}, {}, {tally});
        const auto& r = run.report;
        // Every job sent finished exactly once (a job sent again after its
        // worker dropped out is sent twice).
        const std::set<std::uint64_t> sent(tally->proposed.begin(), tally->proposed.end());
        CHECK(tally->finished == std::multiset<std::uint64_t>(sent.begin(), sent.end()));
        CHECK(r.jobs.proposed == tally->proposed.size());
        CHECK(r.jobs.proposed == r.jobs.evaluated + r.jobs.lost + r.jobs.cut_off);
        CHECK(r.jobs.evaluated == r.jobs.ok + r.jobs.failed + r.jobs.timed_out);
        CHECK(run.evolution.counts.finished == r.jobs.proposed - r.jobs.requeued);
        std::uint64_t per_island = 0;
        for (const auto& island : r.per_island) per_island += island.evaluated;
        CHECK(per_island == r.jobs.evaluated);
        CHECK(r.utilisation <= 1.0 + 1e-9);
        CHECK(r.master_busy_max <= 1.0 + 1e-9);
        CHECK(r.wasted_seconds <= r.busy_seconds + 1e-9);
        CHECK(r.busy_seconds + r.idle.total_seconds + r.idle.at_end_seconds ==
              Approx(r.available_seconds).margin(1e-6 * r.available_seconds + 1e-6));
        CHECK(r.idle.latency_seconds + r.idle.master_seconds + r.idle.no_work_seconds ==
              Approx(r.idle.total_seconds).margin(1e-6 * r.idle.total_seconds + 1e-6));
        // A job sent again counts as proposed twice but is one evaluation of the budget.
        if (o.evolution.stop.max_evaluations) {
            CHECK(r.jobs.proposed - r.jobs.requeued <= o.evolution.stop.max_evaluations);
        }
        double series_finished = 0;
        for (const auto& p : r.series) series_finished += static_cast<double>(p.finished);
        // A lost job sent again finishes later, on its second worker.
        CHECK(series_finished == static_cast<double>(r.jobs.evaluated + r.jobs.lost - r.jobs.requeued));
    }
}

TEST_CASE("docs/scale.md: the quick start compiles and runs", "[sim][docs]") {
    // The snippet of docs/scale.md, with 1,868 workers instead of 18,688 to keep the test fast.
    namespace sim = evonas::sim;
    const auto space = evonas::cnn_space(2);
    const auto target = evonas::parse_genome("conv(k=5,f=64) pool conv(k=3,f=128) | dense(u=256)", space);
    const sim::SimOptions options{
        .evolution = {.islands = 4, .population = 64,
                      .stop = {.max_evaluations = 0, .max_seconds = 24 * 3600.0}},
        .workers = 1868,
        .cost = sim::CostModel::log_normal_with_mean(3380.9, 0.5),
        .master = {.propose_seconds = 10e-6, .complete_seconds = 5e-6,
                   .dispatch_latency = 100e-6, .result_latency = 100e-6},
        .target_score = 0.95};
    const auto runs = sim::simulate_schedules(space, sim::SimilarityTrainer{target, &space}, options);
    const std::vector<sim::SimReport> reports{runs[0].report, runs[1].report};
    const auto table = sim::comparison_table(reports);
    CHECK_THAT(sim::summary(runs[0].report), Contains("asynchronous schedule, 1868 workers"));
    CHECK_THAT(table, Contains("networks evaluated"));
    CHECK(runs[0].report.jobs.evaluated > 4 * runs[1].report.jobs.evaluated);
}
