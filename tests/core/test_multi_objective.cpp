// Multi-objective runs (EvolutionOptions::objectives) through the engine,
// the thread and simulation drivers and the run files: the front is exactly
// the non-dominated set of the trained networks, pareto.txt / pareto.json
// and the lineage's "front" lines say so, limits hold, and a crashed run
// resumes to the uninterrupted one.
#include <catch2/catch.hpp>

#include <evonas/drivers/sim.hpp>
#include <evonas/evonas.hpp>

#include "support/crash_after.hpp"
#include "support/lineage.hpp"
#include "support/spaces.hpp"
#include "support/trade_off_trainer.hpp"
#include "support/trainers.hpp"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

using namespace evonas;
using Catch::Matchers::Contains;

namespace {

using G = Genome<LayerGene>;

using test::deep_target;
using test::TradeOffTrainer;

EvolutionOptions mo_options(std::uint64_t evaluations, ParetoRule rule = ParetoRule::crowding) {
    EvolutionOptions o;
    o.seed = 17;
    o.population = 10;
    o.stop.max_evaluations = evaluations;
    o.objectives = parse_objectives("accuracy,params");
    o.objectives[1].reference = 1e8;
    o.pareto_rule = rule;
    return o;
}

/// The points of the non-dominated ok networks among a run's trained jobs
/// (networks with equal points: one of them stays on the front).
std::set<std::vector<double>> non_dominated(const std::vector<JobRecord<G>>& records, const Objectives& objectives) {
    std::vector<std::vector<double>> points;
    std::vector<double> violations;
    for (const auto& r : records) {
        if (!r.trained || !r.fitness.ok()) continue;
        points.push_back(objective_point(objectives, r.fitness));
        violations.push_back(objective_violation(objectives, r.fitness));
    }
    const auto ranks = pareto_ranks(points, violations);
    std::set<std::vector<double>> out;
    for (std::size_t i = 0; i < ranks.size(); ++i) {
        if (ranks[i] == 0) out.insert(points[i]);
    }
    return out;
}

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("a multi-objective run keeps exactly the non-dominated networks as its front", "[multi_objective]") {
    const auto space = test::small_space();
    const auto target = deep_target(space);
    for (const auto rule : {ParetoRule::crowding, ParetoRule::hypervolume, ParetoRule::chebyshev}) {
        test::TempDir dir("mo-front");
        RunOptions options{.evolution = mo_options(120, rule), .workers = 2, .run_dir = dir.path(), .progress = false};
        const auto result = evolve(space, [&](std::size_t) { return TradeOffTrainer{target, &space}; }, options);
        INFO("rule " << to_string(rule));
        REQUIRE(result.pareto_front.size() >= 2);
        std::set<std::vector<double>> front;
        for (const auto& m : result.pareto_front) {
            front.insert(objective_point(options.evolution.objectives, m.fitness));
        }
        CHECK(front.size() == result.pareto_front.size());  // no two networks with equal points
        const auto log = read_lineage(dir.path() / "lineage.jsonl", space);
        CHECK(front == non_dominated(log.records, options.evolution.objectives));
        // Best score first; the best-scored network is on the front.
        CHECK(result.pareto_front.front().score == result.best->score);
        // The hypervolume matches the front and the last "front" line.
        std::vector<std::vector<double>> points;
        for (const auto& m : result.pareto_front) points.push_back(objective_point(options.evolution.objectives, m.fitness));
        const auto ref = objective_reference(options.evolution.objectives);
        REQUIRE(ref.has_value());
        CHECK(result.hypervolume == Approx(hypervolume(points, *ref)));
        CHECK(log.fronts >= 2);
        nlohmann::json last_front;
        std::ifstream in(dir.path() / "lineage.jsonl");
        for (std::string line; std::getline(in, line);) {
            auto j = nlohmann::json::parse(line);
            if (j.at("type") == "front") last_front = j;
        }
        CHECK(last_front.at("size") == result.pareto_front.size());
        CHECK(last_front.at("hypervolume").get<double>() == Approx(result.hypervolume));
        // pareto.txt and pareto.json list the same networks.
        const auto pj = nlohmann::json::parse(read_all(dir.path() / "pareto.json"));
        REQUIRE(pj.at("front").size() == result.pareto_front.size());
        for (std::size_t k = 0; k < result.pareto_front.size(); ++k) {
            CHECK(pj.at("front")[k].at("job") == result.pareto_front[k].id);
            CHECK(pj.at("front")[k].at("genome") == to_text(result.pareto_front[k].genome, space));
        }
        const auto text = read_all(dir.path() / "pareto.txt");
        CHECK_THAT(text, Contains(fmt::format("# Pareto front: {} networks", result.pareto_front.size())));
        CHECK_THAT(text, Contains("accuracy (max) params (min)"));
    }
}

TEST_CASE("a single-objective run writes no front, no pareto files and no front lines", "[multi_objective]") {
    const auto space = test::small_space();
    const auto target = deep_target(space);
    test::TempDir dir("so-front");
    auto evo = mo_options(40);
    evo.objectives.clear();
    RunOptions options{.evolution = evo, .workers = 1, .run_dir = dir.path(), .progress = false};
    const auto result = evolve(space, [&](std::size_t) { return TradeOffTrainer{target, &space}; }, options);
    CHECK(result.pareto_front.empty());
    CHECK_FALSE(std::filesystem::exists(dir.path() / "pareto.txt"));
    CHECK(read_lineage(dir.path() / "lineage.jsonl", space).fronts == 0);
    CHECK(read_all(dir.path() / "run.json").find("objectives") == std::string::npos);
}

TEST_CASE("a limit keeps infeasible networks off the front once feasible ones exist", "[multi_objective]") {
    const auto space = test::small_space();
    const auto target = deep_target(space);
    auto evo = mo_options(100);
    evo.objectives[1].limit = 1e4;  // at most 4 layers
    const auto result = evolve(space, [&](std::size_t) { return TradeOffTrainer{target, &space}; },
                               RunOptions{.evolution = evo, .workers = 1, .progress = false});
    REQUIRE_FALSE(result.pareto_front.empty());
    for (const auto& m : result.pareto_front) CHECK(m.fitness.metric("params").value() <= 1e4);
}

TEST_CASE("a crashed multi-objective run resumes to the uninterrupted one", "[multi_objective][resume]") {
    const auto space = test::small_space();
    const auto target = deep_target(space);
    test::TempDir dir("mo-resume");
    const auto factory = [&](std::size_t) { return TradeOffTrainer{target, &space}; };
    auto options = [&](const char* name) {
        auto evo = mo_options(90);
        evo.islands = 2;
        evo.migration.interval = 5;
        return RunOptions{.evolution = evo, .workers = 1, .run_dir = dir.path() / name, .checkpoint_interval = 7,
                          .progress = false};
    };
    const auto straight = evolve(space, factory, options("straight"));
    for (std::uint64_t crash_at : {12, 40}) {
        auto o = options("crashed");
        o.resume = crash_at != 12;
        CHECK_THROWS_WITH(evolve(space, factory, o, {}, {}, {std::make_shared<test::CrashAfter>(crash_at)}),
                          "simulated crash");
    }
    auto o = options("crashed");
    o.resume = true;
    const auto resumed = evolve(space, factory, o);
    CHECK(test::job_lines(dir.path() / "crashed" / "lineage.jsonl") ==
          test::job_lines(dir.path() / "straight" / "lineage.jsonl"));
    REQUIRE(resumed.pareto_front.size() == straight.pareto_front.size());
    for (std::size_t k = 0; k < straight.pareto_front.size(); ++k) {
        CHECK(resumed.pareto_front[k].id == straight.pareto_front[k].id);
    }
    CHECK(resumed.hypervolume == straight.hypervolume);
    CHECK(read_all(dir.path() / "crashed" / "pareto.json") == read_all(dir.path() / "straight" / "pareto.json"));

    // Resuming with other objectives is refused: it would be a different run.
    auto other = options("crashed");
    other.resume = true;
    other.evolution.objectives[1].name = "flops";
    CHECK_THROWS_WITH(evolve(space, factory, other), Contains("holds a different run"));
}

TEST_CASE("the simulation driver runs a multi-objective search to the same front as its lineage", "[multi_objective][sim]") {
    const auto space = test::small_space();
    const auto target = deep_target(space);
    test::TempDir dir("mo-sim");
    sim::SimOptions options{.evolution = mo_options(80), .workers = 4, .run_dir = dir.path()};
    const auto run = sim::simulate(space, TradeOffTrainer{target, &space}, options);
    REQUIRE(run.evolution.pareto_front.size() >= 2);
    CHECK(std::filesystem::exists(dir.path() / "pareto.json"));
    for (const auto& a : run.evolution.pareto_front) {
        for (const auto& b : run.evolution.pareto_front) {
            CHECK_FALSE(dominates(objective_point(options.evolution.objectives, a.fitness),
                                  objective_point(options.evolution.objectives, b.fitness)));
        }
    }
}

TEST_CASE("a trainer that does not report an objective is warned about once", "[multi_objective]") {
    const auto space = test::small_space();
    struct Warnings : Observer<G> {
        std::vector<std::string> texts;
        void on_warning(const std::string& text, const Progress&) override { texts.push_back(text); }
    };
    auto warnings = std::make_shared<Warnings>();
    auto evo = mo_options(20);
    const auto target = deep_target(space);
    evolve(space, [&](std::size_t) { return test::TargetTrainer{target, &space}; },
           RunOptions{.evolution = evo, .workers = 1, .progress = false}, {}, {}, {warnings});
    REQUIRE(warnings->texts.size() == 1);
    CHECK_THAT(warnings->texts[0], Contains("objective 'params' is missing"));
}
