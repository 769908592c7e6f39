// A budget in training resource (StopCriteria::max_resource, e.g. total
// epochs): the run stops proposing once its trained networks' resource adds
// up to it; early stopping spreads that budget over more networks; the count
// survives checkpoints and resume; bad settings are named.
#include <catch2/catch.hpp>

#include <evonas/evonas.hpp>

#include "support/crash_after.hpp"
#include "support/curve_trainer.hpp"
#include "support/lineage.hpp"
#include "support/spaces.hpp"
#include "support/trainers.hpp"

#include <fstream>
#include <stdexcept>

using namespace evonas;
using Catch::Matchers::Contains;

namespace {

using test::CrashAfter;

struct Warnings : Observer<Genome<>> {
    std::vector<std::string> texts;
    void on_warning(const std::string& text, const Progress&) override { texts.push_back(text); }
};

EvolutionOptions budget(double epochs, EarlyStopping stopping) {
    EvolutionOptions o;
    o.seed = 5;
    o.population = 8;
    o.stop.max_evaluations = 0;
    o.stop.max_resource = epochs;
    o.early_stopping.kind = stopping;
    return o;
}

/// The "epochs" metric summed over a run's trained jobs, from its log.
double logged_epochs(const std::filesystem::path& dir, const SearchSpace& space) {
    double sum = 0.0;
    for (const auto& r : read_lineage(dir / "lineage.jsonl", space).records) {
        if (r.trained) sum += r.fitness.metric("epochs").value_or(0.0);
    }
    return sum;
}

}  // namespace

TEST_CASE("a budget in epochs stops the run once the networks trained that many", "[resource]") {
    const auto space = test::small_space();
    Rng pick(3);
    const auto target = random_genome(space, pick);
    test::TempDir dir("resource-budget");
    const auto factory = [&](std::size_t) { return test::CurveTrainer{target, &space, 9, nullptr}; };

    RunOptions none{.evolution = budget(400, EarlyStopping::none), .workers = 2, .run_dir = dir.path() / "none",
                    .progress = false};
    const auto full = evolve(space, factory, none);
    CHECK(full.stop_reason == "max_resource");
    const double spent = logged_epochs(dir.path() / "none", space);
    CHECK(spent >= 400);
    CHECK(spent < 400 + 2 * 9);  // at most the jobs in flight when it was reached
    // Every network trained its 9 epochs: 45 reach the budget (a 46th may
    // have been in flight then).
    CHECK(full.counts.finished >= 45);
    CHECK(full.counts.finished <= 46);

    RunOptions asha = none;
    asha.evolution = budget(400, EarlyStopping::asha);
    asha.run_dir = dir.path() / "asha";
    const auto stopped = evolve(space, factory, asha);
    CHECK(stopped.stop_reason == "max_resource");
    const double spent_asha = logged_epochs(dir.path() / "asha", space);
    CHECK(spent_asha >= 400);
    CHECK(spent_asha < 400 + 2 * 9);
    // The same epochs, spread over more networks.
    CHECK(stopped.counts.finished > full.counts.finished + 10);

    const auto run = nlohmann::json::parse(std::ifstream(dir.path() / "asha" / "run.json"));
    CHECK(run.at("stop").at("max_resource") == 400.0);
    CHECK(run.at("stop").at("resource_metric") == "epochs");
    const auto checkpoint = read_checkpoint(dir.path() / "asha" / "checkpoint.json");
    CHECK(checkpoint.at("islands").at(0).at("resource") == spent_asha);
}

TEST_CASE("a run with a resource budget that crashes resumes to the uninterrupted run", "[resource]") {
    const auto space = test::small_space();
    Rng pick(4);
    const auto target = random_genome(space, pick);
    test::TempDir dir("resource-resume");
    const auto factory = [&](std::size_t) { return test::CurveTrainer{target, &space, 9, nullptr}; };
    auto options = [&](const char* name) {
        return RunOptions{.evolution = budget(300, EarlyStopping::asha), .workers = 1,
                          .run_dir = dir.path() / name, .checkpoint_interval = 7, .progress = false};
    };
    const auto straight = evolve(space, factory, options("straight"));
    for (std::uint64_t crash_at : {11, 29}) {
        auto o = options("crashed");
        o.resume = crash_at != 11;
        CHECK_THROWS_WITH(evolve(space, factory, o, {}, {}, {std::make_shared<CrashAfter>(crash_at)}),
                          "simulated crash");
    }
    auto o = options("crashed");
    o.resume = true;
    const auto resumed = evolve(space, factory, o);
    CHECK(resumed.stop_reason == "max_resource");
    CHECK(resumed.counts.finished == straight.counts.finished);
    CHECK(test::job_lines(dir.path() / "crashed" / "lineage.jsonl") ==
          test::job_lines(dir.path() / "straight" / "lineage.jsonl"));
}

TEST_CASE("a job's resource is its metric, else where it was stopped, else nothing (said once)", "[resource]") {
    const auto space = test::small_space();
    auto o = budget(5, EarlyStopping::none);
    o.stop.max_evaluations = 20;
    o.stop.resource_metric = "samples";
    IslandModel<> model(space, o);
    auto warnings = std::make_shared<Warnings>();
    model.add_observer(warnings);
    auto job = model.propose(0);
    model.complete(job->id, Fitness::of(0.5).with("samples", 2.0));
    CHECK(model.resource_used() == 2.0);
    job = model.propose(0);
    model.complete(job->id, Fitness::of(0.5).with(std::string(stopped_at_metric), 1.5));
    CHECK(model.resource_used() == 3.5);
    CHECK(model.progress().resource_used == 3.5);
    for (int i = 0; i < 2; ++i) {
        job = model.propose(0);
        model.complete(job->id, Fitness::of(0.5));
    }
    CHECK(model.resource_used() == 3.5);
    REQUIRE(warnings->texts.size() == 1);
    CHECK_THAT(warnings->texts[0], Contains("no metric 'samples'"));
    job = model.propose(0);
    model.complete(job->id, Fitness::of(0.5).with("samples", 1.5));
    CHECK(model.stopping());
    CHECK(model.stop_reason() == "max_resource");
    CHECK_FALSE(model.propose(0));
}

TEST_CASE("resource budgets that make no sense are refused, naming the field", "[resource]") {
    auto o = budget(-1, EarlyStopping::none);
    CHECK_THROWS_WITH(o.validate(), Contains("EvolutionOptions.stop.max_resource"));
    o.stop.max_resource = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(o.validate(), Contains("EvolutionOptions.stop.max_resource"));
    o.stop.max_resource = 10;
    o.stop.resource_metric.clear();
    CHECK_THROWS_WITH(o.validate(), Contains("EvolutionOptions.stop.resource_metric"));
    o.stop.resource_metric = "epochs";
    CHECK_NOTHROW(o.validate());
    o.stop.max_resource = 0;  // then no criterion at all
    CHECK_THROWS_WITH(o.validate(), Contains("no stop criterion set"));
    // run.json of runs without a resource budget is as before.
    CHECK_FALSE(stop_to_json(StopCriteria{}).contains("max_resource"));
}
