// Early stopping inside the engine: reports, the stopper's answers, the
// stopped_at metric, replacement that never lets a stopped network displace
// one trained to the end, report lines in the lineage log, exact resume,
// and the thread driver end to end with a learning-curve trainer.
#include <catch2/catch.hpp>

#include <evonas/evonas.hpp>

#include "support/crash_after.hpp"
#include "support/curve_trainer.hpp"
#include "support/lineage.hpp"
#include "support/spaces.hpp"
#include "support/trainers.hpp"

#include <atomic>
#include <cmath>
#include <fstream>
#include <map>
#include <stdexcept>

using namespace evonas;
using Catch::Matchers::Contains;

namespace {

using test::CurveTrainer;

using test::CrashAfter;

using test::report_lines;

EvolutionOptions asha_options(std::uint64_t jobs) {
    EvolutionOptions o;
    o.seed = 3;
    o.population = 10;
    o.stop.max_evaluations = jobs;
    o.early_stopping.kind = EarlyStopping::asha;
    o.early_stopping.eta = 3.0;
    return o;
}

}  // namespace

TEST_CASE("the engine answers reports with the run's stopper and marks stopped jobs", "[early-stopping][engine]") {
    const auto space = test::small_space();
    std::vector<Report> seen;
    EvolutionOperators<> ops;
    ops.stop = [&seen](const Report& r) {
        seen.push_back(r);
        return r.value < 0.5 ? Decision::stop : Decision::keep_training;
    };
    EvolutionOptions o;
    o.population = 4;
    o.stop.max_evaluations = 20;
    IslandModel<> model(space, o, {}, ops);
    REQUIRE(model.early_stopping());
    auto a = model.propose(0);
    auto b = model.propose(0);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(model.report(a->id, 1, 0.9) == Decision::keep_training);
    CHECK(model.report(a->id, 2, 0.4) == Decision::stop);
    CHECK(model.report(b->id, 1, 0.7) == Decision::keep_training);
    REQUIRE(seen.size() == 3);
    CHECK(seen[1] == Report{a->id, 0, 2, 0.4});
    // After a stop, later reports are answered stop without asking again.
    CHECK(model.report(a->id, 3, 0.99) == Decision::stop);
    CHECK(seen.size() == 3);
    // A step at or below the last one (the job trained again) gets the old answer.
    CHECK(model.report(a->id, 1, 0.0) == Decision::keep_training);
    CHECK(model.report(a->id, 2, 0.9) == Decision::stop);
    CHECK(seen.size() == 3);
    CHECK_THROWS_WITH(model.report(a->id, std::nan(""), 1.0), Contains("must be finite"));
    const auto ra = model.complete(a->id, Fitness::of(0.4));
    CHECK(ra.fitness.metric("stopped_at") == 2.0);
    const auto rb = model.complete(b->id, Fitness::of(0.7));
    CHECK_FALSE(rb.fitness.metric("stopped_at"));
    CHECK_THROWS_WITH(model.report(a->id, 4, 1.0), Contains("is not in flight"));
}

TEST_CASE("without a stopper, reports are answered keep_training and fitness is untouched", "[early-stopping][engine]") {
    const auto space = test::small_space();
    EvolutionOptions o;
    o.population = 4;
    o.stop.max_evaluations = 5;
    IslandModel<> model(space, o);
    CHECK_FALSE(model.early_stopping());
    const auto job = model.propose(0);
    REQUIRE(job);
    CHECK(model.report(job->id, 1, -5.0) == Decision::keep_training);
    CHECK(model.complete(job->id, Fitness::of(0.1)).fitness.metrics.empty());
}

TEST_CASE("a network stopped early never displaces one trained to the end", "[early-stopping][engine]") {
    const auto space = test::small_space();
    EvolutionOperators<> ops;
    ops.stop = [](const Report& r) { return r.value > 100 ? Decision::stop : Decision::keep_training; };
    ops.replace = EvolutionOperators<>::make_replacement(ReplaceWorst{});
    EvolutionOptions o;
    o.population = 2;
    o.stop.max_evaluations = 10;
    o.preset = EvolutionPreset::classic;
    IslandModel<> model(space, o, {}, ops);
    // Two members trained to the end, scores 0.5 and 0.6.
    for (double s : {0.5, 0.6}) {
        const auto job = model.propose(0);
        REQUIRE(job);
        model.complete(job->id, Fitness::of(s));
    }
    // A stopped newcomer with a higher score is not let in...
    auto job = model.propose(0);
    REQUIRE(job);
    CHECK(model.report(job->id, 1, 101) == Decision::stop);
    model.complete(job->id, Fitness::of(0.9));
    const auto scores = [&] {
        std::vector<double> v;
        for (const auto& m : model.island(0).population) v.push_back(m.score);
        std::sort(v.begin(), v.end());
        return v;
    };
    CHECK(scores() == std::vector<double>{0.5, 0.6});
    // ...while a newcomer trained to the end replaces the worst as before.
    job = model.propose(0);
    REQUIRE(job);
    model.complete(job->id, Fitness::of(0.7));
    CHECK(scores() == std::vector<double>{0.6, 0.7});
}

TEST_CASE("early stopping options are checked and named in run.json",
          "[early-stopping][options]") {
    EvolutionOptions o = asha_options(10);
    o.early_stopping.eta = 1.0;
    CHECK_THROWS_WITH(o.validate(), Contains("EvolutionOptions.early_stopping.eta"));
    o.early_stopping.eta = 3.0;
    o.early_stopping.min_step = 0.0;
    CHECK_THROWS_WITH(o.validate(), Contains("EvolutionOptions.early_stopping.min_step"));
    o.early_stopping.min_step = 1.0;
    CHECK_NOTHROW(o.validate());
    const auto j = options_to_json(o);
    REQUIRE(j.contains("early_stopping"));
    CHECK(j.at("early_stopping").at("kind") == "asha");
    CHECK(j.at("early_stopping").at("min_comparisons") == 3);
    CHECK_FALSE(options_to_json(EvolutionOptions{}).contains("early_stopping"));  // old run.json unchanged
    CHECK(early_stopping_from_string("median") == EarlyStopping::median);
    CHECK_FALSE(early_stopping_from_string("hyperband"));
}

TEST_CASE("ASHA with the thread driver trains fewer epochs and logs every report", "[early-stopping][threads]") {
    const auto space = test::small_space();
    Rng pick(5);
    const auto target = random_genome(space, pick);
    test::TempDir dir("early-stopping");
    std::atomic<long> with_asha{0}, without{0};
    RunOptions run{.evolution = asha_options(60), .workers = 2, .run_dir = dir.path() / "asha", .progress = false};
    const auto asha = evolve(space, [&](std::size_t) { return CurveTrainer{target, &space, 9, &with_asha}; }, run);
    run.evolution.early_stopping = {};
    run.run_dir = dir.path() / "none";
    const auto none = evolve(space, [&](std::size_t) { return CurveTrainer{target, &space, 9, &without}; }, run);
    CHECK(asha.counts.finished == 60);
    CHECK(none.counts.finished == 60);
    CHECK(without.load() == 60 * 9);
    CHECK(with_asha.load() < without.load() * 3 / 4);  // ASHA stopped a good part of the training

    const auto lineage = read_lineage(dir.path() / "asha" / "lineage.jsonl", space);
    std::size_t stopped = 0;
    for (const auto& r : lineage.records) {
        if (const auto at = r.fitness.metric("stopped_at")) {
            ++stopped;
            CHECK(r.fitness.metric("epochs") == *at);  // stopped where the stopper said
        }
    }
    CHECK(stopped > 0);
    CHECK(lineage.reports.size() >= 60);
    std::size_t stops = 0;
    for (const auto& [r, d] : lineage.reports) stops += d == Decision::stop;
    CHECK(stops == stopped);
    CHECK(read_lineage(dir.path() / "none" / "lineage.jsonl", space).reports.empty());
}

TEST_CASE("a report that is not a number fails its job, not the run", "[early-stopping][threads]") {
    const auto space = test::small_space();
    struct NanReporter {
        Fitness evaluate(const Genome<>& g, const JobContext& ctx) const {
            if (ctx.job_id % 3 == 0) (void)ctx.report(1, std::nan(""));
            return Fitness::of(static_cast<double>(g.gene_count()));
        }
    };
    RunOptions run{.evolution = asha_options(12), .workers = 2, .progress = false};
    const auto result = evolve(space, [](std::size_t) { return NanReporter{}; }, run);
    CHECK(result.counts.finished == 12);
    CHECK(result.counts.failed >= 3);
    CHECK(result.counts.ok >= 6);
}

TEST_CASE("a run with early stopping that crashes resumes to the uninterrupted run", "[early-stopping][resume]") {
    const auto space = test::small_space();
    Rng pick(9);
    const auto target = random_genome(space, pick);
    const auto factory = [&](std::size_t) { return CurveTrainer{target, &space, 9, nullptr}; };
    test::TempDir dir("early-stopping-resume");
    RunOptions straight{.evolution = asha_options(50), .workers = 1, .run_dir = dir.path() / "straight",
                        .checkpoint_interval = 7, .progress = false};
    evolve(space, factory, straight);
    auto crashed = straight;
    crashed.run_dir = dir.path() / "crashed";
    for (std::uint64_t crash_at : {13, 29, 41}) {
        crashed.resume = crash_at != 13;
        ObserverList<Genome<>> observers{std::make_shared<CrashAfter>(crash_at)};
        CHECK_THROWS_WITH(evolve(space, factory, crashed, {}, {}, observers), "simulated crash");
    }
    crashed.resume = true;
    const auto resumed = evolve(space, factory, crashed);
    CHECK(resumed.counts.finished == 50);
    CHECK(test::job_lines(dir.path() / "crashed" / "lineage.jsonl") ==
          test::job_lines(dir.path() / "straight" / "lineage.jsonl"));
    CHECK(report_lines(dir.path() / "crashed" / "lineage.jsonl") ==
          report_lines(dir.path() / "straight" / "lineage.jsonl"));
}
