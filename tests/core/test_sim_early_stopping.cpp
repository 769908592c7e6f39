// The simulation driver with early stopping: jobs report along a modelled
// learning curve (SimOptions::curve) at the virtual times their steps end,
// a stopped job frees its worker then, failures, deadlines and dropouts cut
// the reports short, and without a stopper a run is what it was before.
//
// Resuming is not tested: the simulator does not resume at all (its run
// files hold the engine's state, not the event queue, the virtual clock or
// what each worker is doing; see run_simulation in drivers/sim.hpp).
#include <evonas/drivers/sim.hpp>
#include <evonas/genome/text.hpp>
#include <evonas/space/cnn_space.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "support/lineage.hpp"
#include "support/spaces.hpp"
#include "support/trainers.hpp"

using namespace evonas;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;
using Approx = Catch::Detail::Approx;

namespace {

/// Fitness = 1 / (1 + layers): instant and deterministic.
struct SizeTrainer {
    Fitness evaluate(const Genome<>& g, const JobContext&) const {
        return Fitness::of(1.0 / static_cast<double>(1 + g.gene_count()));
    }
};

/// Every report the engine heard for the first time, with its virtual time,
/// and every result.
struct Reports : Observer<Genome<>> {
    struct Heard {
        std::uint64_t job;
        double step, value, time;
        Decision decision;
    };
    std::vector<Heard> heard;
    std::map<std::uint64_t, JobRecord<Genome<>>> finished;
    void on_reported(const Report& r, Decision d, const Progress& p) override {
        heard.push_back({r.job, r.step, r.value, p.elapsed_seconds, d});
    }
    void on_finished(const JobRecord<Genome<>>& r, const Progress&) override { finished.emplace(r.job.id, r); }
    std::vector<Heard> of(std::uint64_t job) const {
        std::vector<Heard> out;
        for (const auto& h : heard) {
            if (h.job == job) out.push_back(h);
        }
        return out;
    }
};

sim::SimOptions constant_run(std::size_t workers, double job_seconds, std::uint64_t evaluations,
                             double seconds = 0.0) {
    return sim::SimOptions{.evolution = {.population = 8, .seed = 3,
                                         .stop = {.max_evaluations = evaluations, .max_seconds = seconds}},
                           .workers = workers,
                           .cost = sim::CostModel::constant(job_seconds),
                           .curve = {.steps = 4}};
}

/// A stopper that answers by the step: stop at `at` (0: never).
EvolutionOperators<Genome<>> stop_at(double at) {
    EvolutionOperators<Genome<>> ops;
    ops.stop = [at](const Report& r) { return at > 0 && r.step >= at ? Decision::stop : Decision::keep_training; };
    return ops;
}

// A digest of a simulated run from the report fields that existed before
// early stopping and the whole lineage log (its times are virtual).
std::uint64_t sim_run_digest(const sim::SimReport& r, const std::filesystem::path& lineage) {
    detail::StableHasher h;
    const auto& j = r.jobs;
    for (auto v : {j.proposed, j.evaluated, j.ok, j.failed, j.timed_out, j.lost, j.requeued, j.cut_off, j.invalid,
                   j.duplicates, r.generations, r.idle.gaps}) {
        h.add(v);
    }
    for (double v : {r.virtual_seconds, r.busy_seconds, r.available_seconds, r.utilisation, r.wasted_seconds,
                     r.master_busy_fraction, r.master_busy_max, r.idle.total_seconds, r.idle.latency_seconds,
                     r.idle.master_seconds, r.idle.no_work_seconds, r.idle.at_end_seconds,
                     r.best_score.value_or(-1.0), r.time_to_target.value_or(-1.0)}) {
        h.add(std::string_view(fmt::format("{}", v)));
    }
    for (const auto& p : r.series) {
        h.add(std::string_view(fmt::format("{} {} {} {}", p.utilisation, p.master_busy, p.finished,
                                           p.best_score.value_or(-1.0))));
    }
    std::ifstream in(lineage);
    std::string line;
    while (std::getline(in, line)) h.add(std::string_view(line));
    return h.digest();
}

using test::report_lines;

std::string file_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("reports come at the virtual times the steps end, along the curve", "[sim][early_stopping]") {
    const auto space = test::small_space();
    auto reports = std::make_shared<Reports>();
    auto options = constant_run(1, 100.0, 3);
    options.master.dispatch_latency = 1.0;  // job k starts at 1 + 101 k
    const auto run = sim::simulate(space, SizeTrainer{}, options, {}, stop_at(0), {reports});
    CHECK(run.report.early_stopping);
    CHECK(run.report.jobs.stopped_early == 0);
    CHECK(run.report.saved_seconds == 0.0);
    CHECK(run.report.virtual_seconds == Approx(303.0));
    REQUIRE(reports->heard.size() == 3 * 3);  // steps 1..3 of 4, no report after the last
    const sim::LearningCurve curve{.steps = 4};
    for (std::uint64_t job = 0; job < 3; ++job) {
        const auto heard = reports->of(job);
        REQUIRE(heard.size() == 3);
        const double start = 1.0 + 101.0 * static_cast<double>(job);
        const double final_score = reports->finished.at(job).fitness.score;
        CHECK_FALSE(reports->finished.at(job).fitness.metric(stopped_at_metric));
        for (std::size_t k = 0; k < 3; ++k) {
            const auto& h = heard[k];
            CHECK(h.step == static_cast<double>(k + 1));
            CHECK(h.time == Approx(start + 25.0 * static_cast<double>(k + 1)));
            CHECK(h.decision == Decision::keep_training);
            // final - gap_n * f(step / steps) with gap_n within gap * (1 +- spread).
            const double f = curve.remaining(static_cast<double>(k + 1) / 4.0);
            CHECK(final_score - h.value >= curve.gap * (1 - curve.spread) * f - 1e-12);
            CHECK(final_score - h.value <= curve.gap * (1 + curve.spread) * f + 1e-12);
            if (k > 0) CHECK(h.value > heard[k - 1].value);  // the curve rises
        }
    }
    CHECK(curve.remaining(0.0) == Approx(1.0));
    CHECK(curve.remaining(1.0) == Approx(0.0).margin(1e-15));
}

TEST_CASE("a stopped job frees its worker at the step it stopped at", "[sim][early_stopping]") {
    const auto space = test::small_space();
    test::TempDir dir("sim-es-stop");
    auto reports = std::make_shared<Reports>();
    auto options = constant_run(1, 100.0, 5);
    options.run_dir = dir.path();
    const auto run = sim::simulate(space, SizeTrainer{}, options, {}, stop_at(2), {reports});
    const auto& r = run.report;
    // Each job stops after 2 of 4 steps: 50 s instead of 100.
    CHECK(r.jobs.evaluated == 5);
    CHECK(r.jobs.ok == 5);
    CHECK(r.jobs.stopped_early == 5);
    CHECK(r.saved_seconds == Approx(5 * 50.0));
    CHECK(r.virtual_seconds == Approx(250.0));
    CHECK(r.busy_seconds == Approx(250.0));
    CHECK(r.utilisation == Approx(1.0));
    CHECK(r.wasted_seconds == 0.0);
    const auto lineage = read_lineage(dir / "lineage.jsonl", space);
    REQUIRE(lineage.records.size() == 5);
    for (const auto& rec : lineage.records) {
        CHECK(rec.work.finished - rec.work.started == Approx(50.0));
        CHECK(rec.fitness.ok());
        CHECK(rec.fitness.metric(stopped_at_metric) == 2.0);
        const auto heard = reports->of(rec.job.id);
        REQUIRE(heard.size() == 2);
        CHECK(heard.back().decision == Decision::stop);
        CHECK(rec.fitness.score == heard.back().value);  // the value it stopped with
    }
    // The summary and the JSON say so.
    CHECK_THAT(sim::summary(r), Contains("stopped early 5 of 5 ok networks"));
    const auto j = sim::to_json(r);
    CHECK(j.at("jobs").at("stopped_early") == 5);
    CHECK(j.at("saved_seconds") == Approx(250.0));
    CHECK(j.at("early_stopping") == true);
    CHECK(j.at("setup").at("learning_curve").at("steps") == 4);
    const std::vector<sim::SimReport> both{r, sim::simulate(space, SizeTrainer{}, constant_run(1, 100.0, 5)).report};
    CHECK_THAT(sim::comparison_table(both), Contains("stopped early"));

    // Two workers, one job stopped: the worker it frees takes the next job then.
    auto two = constant_run(2, 100.0, 0, 300.0);
    EvolutionOperators<Genome<>> first_only;
    first_only.stop = [](const Report& rep) { return rep.job == 0 ? Decision::stop : Decision::keep_training; };
    auto seen = std::make_shared<Reports>();
    const auto mixed = sim::simulate(space, SizeTrainer{}, two, {}, first_only, {seen});
    REQUIRE(seen->finished.count(0));
    CHECK(seen->finished.at(0).work.finished == Approx(25.0));
    CHECK(seen->finished.at(2).work.started == Approx(25.0));  // job 2 went to job 0's worker
    CHECK(mixed.report.jobs.stopped_early == 1);
    CHECK(mixed.report.saved_seconds == Approx(75.0));
}

TEST_CASE("with ASHA the same virtual time evaluates more networks", "[sim][early_stopping]") {
    const auto space = cnn_space(2);
    const auto target = parse_genome("conv(k=5,f=64) pool conv(k=3,f=128) sepconv | dense(u=256) dropout", space);
    sim::SimOptions options{.evolution = {.islands = 2, .population = 16, .seed = 4,
                                          .stop = {.max_evaluations = 0, .max_seconds = 12 * 3600.0}},
                            .workers = 40,
                            .cost = sim::CostModel::log_normal_with_mean(1800.0, 0.5),
                            .master = {.dispatch_latency = 0.001, .result_latency = 0.001},
                            .curve = {.steps = 20}};
    const sim::SimilarityTrainer trainer{target, &space};
    const auto plain = sim::simulate(space, trainer, options).report;
    options.evolution.early_stopping = {.kind = EarlyStopping::asha, .min_step = 1, .eta = 3};
    const auto asha = sim::simulate(space, trainer, options).report;
    CHECK_FALSE(plain.early_stopping);
    CHECK(plain.jobs.stopped_early == 0);
    CHECK(asha.early_stopping);
    // Many networks stop at the first rungs (steps 1, 3 and 9 of 20), so
    // more are tried in the same 12 hours on the same 40 workers (940
    // without, 1,674 with when this was written). Fewer than ASHA's 2/3 per
    // rung stop: the search improves, so new networks often rank high.
    CHECK(asha.jobs.evaluated > 3 * plain.jobs.evaluated / 2);
    CHECK(asha.jobs.stopped_early > asha.jobs.ok / 3);
    CHECK(asha.saved_seconds > plain.busy_seconds / 2);
    CHECK(asha.utilisation > 0.99);
    INFO(sim::summary(plain) << sim::summary(asha));
    CHECK(asha.best_score.has_value());
}

TEST_CASE("an early-stopping simulation is reproducible from its seed", "[sim][early_stopping][determinism]") {
    const auto space = cnn_space(2);
    const auto target = parse_genome("conv(k=5,f=64) pool conv(k=3,f=128) | dense(u=256)", space);
    const auto run_in = [&](const std::filesystem::path& dir, std::uint64_t seed) {
        sim::SimOptions o{.evolution = {.islands = 2, .population = 12, .seed = seed,
                                        .stop = {.max_evaluations = 0, .max_seconds = 6 * 3600.0}},
                          .workers = 30,
                          .cost = sim::CostModel::log_normal_with_mean(900.0, 0.5),
                          .master = {.propose_seconds = 0.01, .complete_seconds = 0.005,
                                     .dispatch_latency = 0.001, .result_latency = 0.001},
                          .failures = {.fail_fraction = 0.05, .dropouts = {{3, 2000.0}}},
                          .run_dir = dir,
                          .curve = {.steps = 9, .gap = 0.3}};
        o.evolution.early_stopping = {.kind = EarlyStopping::asha, .min_step = 1, .eta = 3};
        auto r = sim::to_json(sim::simulate(space, sim::SimilarityTrainer{target, &space}, o).report);
        r.erase("real");
        return r;
    };
    test::TempDir a("sim-es-a"), b("sim-es-b"), c("sim-es-c");
    const auto ra = run_in(a.path(), 7);
    const auto rb = run_in(b.path(), 7);
    CHECK(ra == rb);
    CHECK(file_text(a / "lineage.jsonl") == file_text(b / "lineage.jsonl"));
    CHECK(ra.at("jobs").at("stopped_early").get<int>() > 0);
    CHECK_FALSE(report_lines(a / "lineage.jsonl").empty());
    const auto rc = run_in(c.path(), 8);
    CHECK(ra != rc);
    CHECK(file_text(a / "lineage.jsonl") != file_text(c / "lineage.jsonl"));
}

TEST_CASE("without a stopper a simulation is what it was before early stopping", "[sim][early_stopping][golden]") {
    // The digests were computed with the code of commit 2583718 (before the
    // simulator modelled early stopping): a rich setup (islands, master
    // costs, failures, timeouts, dropouts, run files), both schedules.
    const auto space = cnn_space(2);
    const auto target = parse_genome("conv(k=5,f=64) pool conv(k=3,f=128) sepconv | dense(u=256) dropout", space);
    const std::uint64_t pinned[] = {0xd0cf4a027ef39c1aULL, 0x862ff23b7bcf6912ULL};
    for (int variant = 0; variant < 2; ++variant) {
        for (std::size_t steps : {std::size_t{20}, std::size_t{3}}) {  // the curve is not used without a stopper
            test::TempDir dir("sim-es-golden");
            sim::SimOptions options{.evolution = {.islands = 3, .population = 16, .seed = 5,
                                                  .stop = {.max_evaluations = 0, .max_seconds = 3600.0 * 6}},
                                    .workers = 120,
                                    .schedule = variant ? sim::Schedule::generational : sim::Schedule::asynchronous,
                                    .cost = sim::CostModel::log_normal_with_mean(600.0, 0.5),
                                    .master = {.propose_seconds = 0.01, .complete_seconds = 0.005,
                                               .dispatch_latency = 0.001, .result_latency = 0.001},
                                    .failures = {.fail_fraction = 0.05, .timeout_fraction = 0.02,
                                                 .job_timeout_seconds = 1500.0,
                                                 .dropouts = {{7, 1000.0}, {100, 5000.0}}},
                                    .target_score = 0.8,
                                    .run_dir = dir.path(),
                                    .checkpoint_interval = 50,
                                    .curve = {.steps = steps}};
            const auto r = sim::simulate(space, sim::SimilarityTrainer{target, &space}, options).report;
            INFO("variant " << variant << ", steps " << steps);
            CHECK(sim_run_digest(r, dir / "lineage.jsonl") == pinned[variant]);
            CHECK_FALSE(r.early_stopping);
            CHECK(report_lines(dir / "lineage.jsonl").empty());
            CHECK_FALSE(nlohmann::json::parse(std::ifstream(dir / "run.json")).contains("learning_curve"));
        }
    }
}

TEST_CASE("the digest of a simulated run sees a change", "[sim][early_stopping][golden]") {
    // Not blind: a stopper that never stops changes nothing in the job
    // counts but adds report lines to the lineage, so the digest moves.
    const auto space = test::small_space();
    test::TempDir a("sim-es-digest-a"), b("sim-es-digest-b");
    auto options = constant_run(3, 10.0, 12);
    options.run_dir = a.path();
    const auto plain = sim::simulate(space, SizeTrainer{}, options).report;
    options.run_dir = b.path();
    const auto never = sim::simulate(space, SizeTrainer{}, options, {}, stop_at(0)).report;
    CHECK(plain.jobs.evaluated == never.jobs.evaluated);
    CHECK(plain.virtual_seconds == never.virtual_seconds);
    CHECK(test::job_lines(a / "lineage.jsonl") == test::job_lines(b / "lineage.jsonl"));
    CHECK(sim_run_digest(plain, a / "lineage.jsonl") != sim_run_digest(never, b / "lineage.jsonl"));
}

TEST_CASE("report lines land in the lineage log", "[sim][early_stopping][files]") {
    const auto space = test::small_space();
    test::TempDir dir("sim-es-lineage");
    auto reports = std::make_shared<Reports>();
    auto options = constant_run(4, 60.0, 0, 1000.0);
    options.curve.steps = 6;
    options.evolution.early_stopping = {.kind = EarlyStopping::asha, .min_step = 1, .eta = 2};
    options.run_dir = dir.path();
    const auto run = sim::simulate(space, SizeTrainer{}, options, {}, {}, {reports});
    const auto lines = report_lines(dir / "lineage.jsonl");
    REQUIRE(lines.size() == reports->heard.size());
    std::size_t stops = 0;
    for (std::size_t k = 0; k < lines.size(); ++k) {
        const auto j = nlohmann::json::parse(lines[k]);
        CHECK(j.at("id") == reports->heard[k].job);
        CHECK(j.at("step") == reports->heard[k].step);
        CHECK(j.at("value") == reports->heard[k].value);
        if (j.at("decision") == "stop") ++stops;
    }
    // Every stop ended its job early, recorded or cut off by the end.
    CHECK(stops > 0);
    CHECK(stops >= run.report.jobs.stopped_early);
    CHECK(stops <= run.report.jobs.stopped_early + run.report.jobs.cut_off);
    // Report lines carry the virtual time they were made at.
    const auto contents = read_lineage(dir / "lineage.jsonl", space);
    REQUIRE(contents.reports.size() == lines.size());
    const auto run_json = nlohmann::json::parse(std::ifstream(dir / "run.json"));
    CHECK(run_json.at("learning_curve").at("steps") == 6);
}

TEST_CASE("failures, deadlines and dropouts cut the reports short", "[sim][early_stopping][failures]") {
    const auto space = test::small_space();
    SECTION("a job past its deadline, stopped before it, completes ok") {
        auto reports = std::make_shared<Reports>();
        auto options = constant_run(1, 200.0, 2);
        options.failures.job_timeout_seconds = 150.0;
        // Steps end at 50, 100 (150 is the deadline: no report there).
        const auto never = sim::simulate(space, SizeTrainer{}, options, {}, stop_at(0), {reports}).report;
        CHECK(never.jobs.timed_out == 2);
        CHECK(reports->heard.size() == 2 * 2);
        const auto stopped = sim::simulate(space, SizeTrainer{}, options, {}, stop_at(2)).report;
        CHECK(stopped.jobs.ok == 2);
        CHECK(stopped.jobs.stopped_early == 2);
        CHECK(stopped.virtual_seconds == Approx(200.0));
        CHECK(stopped.saved_seconds == Approx(2 * 50.0));  // training until the deadline
    }
    SECTION("a job that fails part-way reports only before it fails; a hung job never") {
        auto reports = std::make_shared<Reports>();
        auto options = constant_run(4, 100.0, 400);
        options.curve.steps = 10;
        options.failures = {.fail_fraction = 0.3, .timeout_fraction = 0.1, .job_timeout_seconds = 500.0};
        const auto run = sim::simulate(space, SizeTrainer{}, options, {}, stop_at(0), {reports});
        std::size_t failed = 0, hung = 0;
        for (const auto& [id, rec] : reports->finished) {
            const auto heard = reports->of(id);
            for (const auto& h : heard) CHECK(h.time < rec.work.finished);
            if (rec.fitness.status == FitnessStatus::failed) {
                ++failed;
                // Steps end every 10 s: the reports are those before the failure.
                const double trained = rec.work.finished - rec.work.started;
                CHECK(heard.size() == static_cast<std::size_t>(std::ceil(trained / 10.0) - 1));
            } else if (rec.fitness.status == FitnessStatus::timed_out) {
                ++hung;
                CHECK(heard.empty());
            } else {
                CHECK(heard.size() == 9);
            }
        }
        CHECK(failed == run.report.jobs.failed);
        CHECK(failed > 50);
        CHECK(hung > 10);
    }
    SECTION("a worker lost part-way: its job reports no more there; sent again, it repeats its steps silently") {
        auto reports = std::make_shared<Reports>();
        auto options = constant_run(2, 100.0, 0, 250.0);
        options.failures.dropouts = {{0, 30.0}};
        const auto run = sim::simulate(space, SizeTrainer{}, options, {}, stop_at(0), {reports});
        CHECK(run.report.jobs.requeued == 1);
        // Job 0 (worker 0) reported step 1 at 25 s, then was lost at 30 s.
        // Worker 1 takes it again at 100 s: step 1 is a repeat (not heard
        // again), steps 2 and 3 are new.
        const auto heard = reports->of(0);
        REQUIRE(heard.size() == 3);
        CHECK(heard[0].step == 1.0);
        CHECK(heard[0].time == Approx(25.0));
        CHECK(heard[1].step == 2.0);
        CHECK(heard[1].time == Approx(150.0));
        CHECK(heard[2].time == Approx(175.0));
        REQUIRE(reports->finished.count(0));
        CHECK(reports->finished.at(0).job.attempt == 2);
        CHECK(reports->finished.at(0).work.finished == Approx(200.0));
    }
}

TEST_CASE("torture with early stopping: random machines keep the books balanced", "[sim][early_stopping][torture]") {
    const auto space = test::small_space();
    Rng rng(1717);
    for (int round = 0; round < 30; ++round) {
        sim::SimOptions o;
        o.evolution.islands = 1 + rng.index(3);
        o.evolution.population = 4 + rng.index(8);
        o.evolution.seed = static_cast<std::uint64_t>(round);
        o.evolution.stop = rng.chance(0.5) ? StopCriteria{.max_evaluations = 50 + rng.index(200)}
                                           : StopCriteria{.max_evaluations = 0,
                                                          .max_seconds = 500.0 + rng.uniform(0, 2000)};
        o.evolution.early_stopping = rng.chance(0.5)
                                         ? EarlyStoppingOptions{.kind = EarlyStopping::asha, .min_step = 1, .eta = 2}
                                         : EarlyStoppingOptions{.kind = EarlyStopping::median, .warmup_steps = 1};
        o.curve = {.steps = 2 + rng.index(8), .gap = rng.uniform(0, 0.5), .rate = rng.uniform(0.5, 5),
                   .spread = rng.uniform(0, 1)};
        o.workers = o.evolution.islands + rng.index(30);
        o.schedule = rng.chance(0.7) ? sim::Schedule::asynchronous : sim::Schedule::generational;
        o.cost = sim::CostModel::log_normal(30.0, rng.uniform(0, 1.0));
        o.master = {.propose_seconds = rng.chance(0.5) ? rng.uniform(0, 1) : 0.0,
                    .complete_seconds = rng.chance(0.5) ? rng.uniform(0, 0.5) : 0.0,
                    .dispatch_latency = rng.uniform(0, 0.5),
                    .result_latency = rng.uniform(0, 0.5),
                    .one_per_island = rng.chance(0.5)};
        o.failures.fail_fraction = rng.uniform(0, 0.2);
        o.failures.timeout_fraction = rng.uniform(0, 0.1);
        o.failures.job_timeout_seconds = rng.uniform(20, 100);
        for (std::size_t d = rng.index(3); d > 0; --d) {
            o.failures.dropouts.push_back({rng.index(o.workers), rng.uniform(0, 1000)});
        }
        auto reports = std::make_shared<Reports>();
        INFO("round " << round << ": " << o.workers << " workers, " << to_string(o.schedule));
        const auto run = sim::simulate(space, SizeTrainer{}, o, {}, {}, {reports});
        const auto& r = run.report;
        CHECK(r.jobs.proposed == r.jobs.evaluated + r.jobs.lost + r.jobs.cut_off);
        CHECK(r.jobs.evaluated == r.jobs.ok + r.jobs.failed + r.jobs.timed_out);
        CHECK(r.jobs.stopped_early <= r.jobs.ok);
        CHECK(r.utilisation <= 1.0 + 1e-9);
        CHECK(r.saved_seconds >= 0.0);
        // A worker lost between a job's dispatch and its start counts its
        // wait as idle past its loss (as without early stopping): at most
        // the master's time and the latency per dropout.
        const double lost_wait = static_cast<double>(o.failures.dropouts.size()) *
                                 (o.master.propose_seconds + o.master.complete_seconds + o.master.dispatch_latency);
        CHECK(r.busy_seconds + r.idle.total_seconds + r.idle.at_end_seconds ==
              Approx(r.available_seconds).margin(1e-6 * r.available_seconds + 1e-6 + lost_wait));
        // A job's reports have growing steps, come before it ended, and a
        // stopped job's last report is the stop.
        std::uint64_t stopped = 0;
        for (const auto& [id, rec] : reports->finished) {
            const auto heard = reports->of(id);
            for (std::size_t k = 0; k < heard.size(); ++k) {
                CHECK(heard[k].time <= rec.work.finished + 1e-9);
                if (k > 0) CHECK(heard[k].step > heard[k - 1].step);
                if (heard[k].decision == Decision::stop) CHECK(k + 1 == heard.size());
            }
            if (rec.trained && rec.fitness.ok() && rec.fitness.metric(stopped_at_metric)) {
                ++stopped;
                REQUIRE_FALSE(heard.empty());
                CHECK(heard.back().decision == Decision::stop);
                CHECK(rec.fitness.score == heard.back().value);
            }
        }
        CHECK(stopped == r.jobs.stopped_early);
    }
}

TEST_CASE("bad learning-curve options name the field", "[sim][early_stopping][errors]") {
    const auto space = test::small_space();
    const auto refuse = [&](sim::LearningCurve curve, const std::string& message) {
        auto o = constant_run(2, 1.0, 10);
        o.curve = curve;
        CHECK_THROWS_MATCHES(sim::simulate(space, SizeTrainer{}, o), ConfigError, Message(message));
    };
    refuse({.steps = 1},
           "SimOptions.curve.steps: must be at least 2 (reports come after every step but the last), got 1");
    refuse({.steps = 2000000}, "SimOptions.curve.steps: must be at most 1000000, got 2000000");
    refuse({.gap = -0.1}, "SimOptions.curve.gap: must be a finite number >= 0, got -0.1");
    refuse({.rate = 0.0}, "SimOptions.curve.rate: must be a finite number > 0, got 0");
    refuse({.rate = std::nan("")}, "SimOptions.curve.rate: must be a finite number > 0, got nan");
    refuse({.spread = 1.5}, "SimOptions.curve.spread: must be in [0, 1], got 1.5");
    // The stopper's own settings are checked by the engine, as with the thread driver.
    auto o = constant_run(2, 1.0, 10);
    o.evolution.early_stopping = {.kind = EarlyStopping::asha, .eta = 1.0};
    CHECK_THROWS_MATCHES(sim::simulate(space, SizeTrainer{}, o), ConfigError,
                         Message("EvolutionOptions.early_stopping.eta: must be a number >= 2, got 1"));
}
