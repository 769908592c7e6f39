// The surrogate pre-screen: the extra-trees predictor, the genome features,
// rank correlation, and runs with EvolutionOptions::surrogate through the
// thread and simulation drivers and the run files (screened jobs carry
// their prediction; a crashed run resumes to the uninterrupted one).
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

using namespace evonas;
using Catch::Matchers::Contains;

namespace {

using G = Genome<LayerGene>;

TrainingSet synthetic_set(std::size_t n, std::uint64_t seed) {
    Rng rng(seed);
    TrainingSet set;
    for (std::size_t i = 0; i < n; ++i) {
        std::vector<double> x(6);
        for (auto& v : x) v = rng.uniform();
        set.y.push_back(3.0 * x[0] + x[1] * x[1] - x[2]);  // x[3..5]: noise features
        set.x.push_back(std::move(x));
    }
    return set;
}

EvolutionOptions screened_options(std::uint64_t evaluations, std::size_t candidates = 8) {
    EvolutionOptions o;
    o.seed = 23;
    o.population = 10;
    o.stop.max_evaluations = evaluations;
    o.surrogate.candidates = candidates;
    return o;
}

std::vector<nlohmann::json> job_jsons(const std::filesystem::path& lineage) {
    std::vector<nlohmann::json> out;
    std::ifstream in(lineage);
    for (std::string line; std::getline(in, line);) {
        auto j = nlohmann::json::parse(line);
        if (j.at("type") == "job") out.push_back(std::move(j));
    }
    return out;
}

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("extra trees learn a function and rank held-out points", "[surrogate]") {
    const auto train = synthetic_set(300, 1);
    const auto test = synthetic_set(100, 2);
    const auto model = ExtraTrees{}(train, 7);
    CHECK(model.trees() == 32);
    CHECK(model.dims() == 6);
    std::vector<double> predicted;
    for (const auto& x : test.x) {
        const auto p = model(x);
        CHECK(p.spread >= 0.0);
        predicted.push_back(p.mean);
    }
    CHECK(rank_correlation(predicted, test.y) > 0.85);
    // Deterministic for a seed; another seed grows other trees.
    const auto again = ExtraTrees{}(train, 7);
    const auto other = ExtraTrees{}(train, 8);
    bool differs = false;
    for (const auto& x : test.x) {
        CHECK(again(x).mean == model(x).mean);
        CHECK(again(x).spread == model(x).spread);
        differs = differs || other(x).mean != model(x).mean;
    }
    CHECK(differs);
    // min_leaf: a leaf never holds fewer networks, so a set of 3 with
    // min_leaf 2 cannot split: every tree predicts the mean.
    TrainingSet three{{{0.0}, {1.0}, {2.0}}, {0.0, 1.0, 5.0}};
    const auto stump = ExtraTrees{ExtraTreesOptions{4, 2, 0}}(three, 1);
    CHECK(stump.nodes() == 4);
    CHECK(stump(std::vector<double>{0.0}).mean == Approx(2.0));
    CHECK(stump(std::vector<double>{0.0}).spread == 0.0);
}

TEST_CASE("extra trees: constant scores, one network, and bad input", "[surrogate]") {
    TrainingSet constant{{{0.1, 0.2}, {0.5, 0.9}, {0.7, 0.3}, {0.2, 0.8}, {0.9, 0.1}}, {0.4, 0.4, 0.4, 0.4, 0.4}};
    const auto model = ExtraTrees{}(constant, 3);
    CHECK(model(std::vector<double>{0.3, 0.3}).mean == Approx(0.4));
    CHECK(model(std::vector<double>{0.3, 0.3}).spread == 0.0);
    const auto one = ExtraTrees{}(TrainingSet{{{1.0, 2.0}}, {0.7}}, 3);
    CHECK(one(std::vector<double>{5.0, 5.0}).mean == Approx(0.7));
    CHECK_THROWS_WITH(model(std::vector<double>{0.3}), Contains("length 1, the model was fitted on 2"));
    CHECK_THROWS_WITH(ExtraTrees{}(TrainingSet{}, 1), Contains("at least one"));
    CHECK_THROWS_WITH(ExtraTrees{}(TrainingSet{{{1.0}, {1.0, 2.0}}, {0.1, 0.2}}, 1), Contains("feature vector 1 has length 2"));
    CHECK_THROWS_WITH(ExtraTrees{}(TrainingSet{{{1.0}}, {std::nan("")}}, 1), Contains("not finite"));
    CHECK_THROWS_AS(ExtraTrees{ExtraTreesOptions{0}}(constant, 1), ConfigError);
}

TEST_CASE("rank correlation is Spearman's, with average ranks for ties", "[surrogate]") {
    const std::vector<double> a{1, 2, 3, 4, 5};
    CHECK(rank_correlation(a, std::vector<double>{10, 20, 30, 40, 50}) == Approx(1.0));
    CHECK(rank_correlation(a, std::vector<double>{5, 4, 3, 2, 1}) == Approx(-1.0));
    CHECK(rank_correlation(a, std::vector<double>{1, 4, 9, 16, 25}) == Approx(1.0));  // monotone, not linear
    // Ties: x = (1, 2, 2, 3), y = (1, 3, 2, 4): ranks (1, 2.5, 2.5, 4) and (1, 3, 2, 4).
    CHECK(rank_correlation(std::vector<double>{1, 2, 2, 3}, std::vector<double>{1, 3, 2, 4}) ==
          Approx(4.5 / std::sqrt(4.5 * 5.0)));
    CHECK(std::isnan(rank_correlation(std::vector<double>{1}, std::vector<double>{2})));
    CHECK(std::isnan(rank_correlation(std::vector<double>{1, 1, 1}, std::vector<double>{1, 2, 3})));
}

TEST_CASE("layer genome features: one length per space, normalised, different genomes apart", "[surrogate]") {
    const auto space = test::small_space();
    Rng rng(5);
    std::set<std::vector<double>> distinct;
    std::set<std::uint64_t> hashes;
    std::size_t length = 0;
    for (int k = 0; k < 300; ++k) {
        const auto g = random_genome(space, rng);
        const auto x = layer_genome_features(g, space);
        if (k == 0) length = x.size();
        REQUIRE(x.size() == length);
        for (const auto v : x) {
            CHECK(v >= 0.0);
            CHECK(v <= 1.0);
        }
        CHECK(genome_traits<G>::features(g, space) == x);
        distinct.insert(x);
        hashes.insert(genome_hash(g, space));
    }
    // features, sections 1..6 x (3 types + 4 params) and 0..3 x (3 + 2), 5 globals
    CHECK(length == (1 + 3 + 6 * 7) + (1 + 3 + 3 * 5) + 5);
    CHECK(distinct.size() == hashes.size());

    // CnnFeatures adds the shape inference's five aggregates.
    const auto cnn = cnn_space(2);
    const CnnFeatures features{CnnDataShape{1, {16, 16}, 3}};
    Rng r2(6);
    const auto g = random_genome(cnn, r2);
    const auto x = features(g, cnn);
    CHECK(x.size() == layer_genome_features(g, cnn).size() + 5);
    const auto report = infer_cnn_shapes(g, cnn, features.shape);
    CHECK(x[x.size() - 5] == (report.ok() ? 1.0 : 0.0));
    CHECK(x[x.size() - 4] == Approx(std::log10(1.0 + static_cast<double>(report.params))));
}

TEST_CASE("a run with the surrogate screens bred children once enough networks are scored", "[surrogate]") {
    const auto space = test::small_space();
    const auto target = test::deep_target(space);
    test::TempDir dir("sur-run");
    RunOptions options{.evolution = screened_options(120), .workers = 2, .run_dir = dir.path(), .progress = false};
    const auto result =
        evolve(space, [&](std::size_t) { return test::TargetTrainer{target, &space}; }, options);
    CHECK(result.counts.finished == 120);
    const auto jobs = job_jsons(dir.path() / "lineage.jsonl");
    std::size_t scored = 0, screened = 0, first_screened_after = 0;
    std::vector<double> predicted, actual;
    for (const auto& j : jobs) {
        if (j.contains("predicted")) {
            const auto& p = j.at("predicted");
            CHECK(j.at("origin") == "bred");
            CHECK(p.at("candidates").get<int>() >= 1);
            CHECK(p.at("candidates").get<int>() <= 8);
            CHECK(std::isfinite(p.at("mean").get<double>()));
            CHECK(p.at("spread").get<double>() >= 0.0);
            if (screened++ == 0) first_screened_after = scored;
            predicted.push_back(p.at("mean").get<double>());
            actual.push_back(j.at("fitness").at("score").get<double>());
        }
        if (j.at("fitness").at("status") == "ok") ++scored;
    }
    // Nothing is screened before min_trained (the population, 10) networks
    // were scored; almost every child after that is.
    CHECK(first_screened_after >= 10);
    CHECK(screened >= 90);
    // The predictor ranks the networks it picked by their real scores.
    CHECK(rank_correlation(predicted, actual) > 0.3);
    // run.json records the settings; the engine learned every scored network.
    const auto run = nlohmann::json::parse(read_all(dir.path() / "run.json"));
    CHECK(run.at("options").at("surrogate").at("candidates") == 8);
    CHECK(run.at("options").at("surrogate").at("min_trained") == 10);
    CHECK(run.at("options").at("surrogate").at("acquisition") == "ucb");
}

TEST_CASE("a run without the surrogate writes no predictions and no surrogate options", "[surrogate]") {
    const auto space = test::small_space();
    const auto target = test::deep_target(space);
    test::TempDir dir("sur-off");
    RunOptions options{.evolution = screened_options(40, 0), .workers = 1, .run_dir = dir.path(), .progress = false};
    evolve(space, [&](std::size_t) { return test::TargetTrainer{target, &space}; }, options);
    CHECK(read_all(dir.path() / "lineage.jsonl").find("predicted") == std::string::npos);
    CHECK(read_all(dir.path() / "run.json").find("surrogate") == std::string::npos);
}

TEST_CASE("the surrogate's pick beats the same candidates picked at random on a learnable score", "[surrogate]") {
    const auto space = test::small_space();
    const auto target = test::deep_target(space);
    double screened = 0.0, random_pick = 0.0;
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
        for (const double exploration : {0.1, 1.0}) {
            auto evo = screened_options(100, 16);
            evo.seed = seed;
            evo.surrogate.exploration = exploration;
            IslandModel<G> model(space, evo);
            test::TargetTrainer trainer{target, &space};
            while (auto job = model.propose(0)) {
                model.complete(job->id, trainer.evaluate(job->genome, JobContext{}));
            }
            REQUIRE(model.surrogate() != nullptr);
            CHECK(model.surrogate()->scored() == 100);
            CHECK(model.surrogate()->refits() >= 10);
            (exploration < 1.0 ? screened : random_pick) += model.result().best->score / 8.0;
        }
    }
    INFO("mean best: surrogate " << screened << ", random pick among the same K " << random_pick);
    CHECK(screened > random_pick);
}

TEST_CASE("a crashed run with the surrogate resumes to the uninterrupted one", "[surrogate][resume]") {
    const auto space = test::small_space();
    const auto target = test::deep_target(space);
    test::TempDir dir("sur-resume");
    const auto factory = [&](std::size_t) { return test::TargetTrainer{target, &space}; };
    auto options = [&](const char* name) {
        auto evo = screened_options(90);
        evo.islands = 2;
        evo.migration.interval = 5;
        evo.surrogate.acquisition = Acquisition::thompson;
        return RunOptions{.evolution = evo, .workers = 1, .run_dir = dir.path() / name, .checkpoint_interval = 7,
                          .progress = false};
    };
    evolve(space, factory, options("straight"));
    for (std::uint64_t crash_at : {30, 55}) {
        auto o = options("crashed");
        o.resume = crash_at != 30;
        CHECK_THROWS_WITH(evolve(space, factory, o, {}, {}, {std::make_shared<test::CrashAfter>(crash_at)}),
                          "simulated crash");
    }
    auto o = options("crashed");
    o.resume = true;
    evolve(space, factory, o);
    const auto straight = test::job_lines(dir.path() / "straight" / "lineage.jsonl");
    CHECK(test::job_lines(dir.path() / "crashed" / "lineage.jsonl") == straight);
    std::size_t with_prediction = 0;
    for (const auto& line : straight) with_prediction += line.find("\"predicted\"") != std::string::npos ? 1 : 0;
    CHECK(with_prediction >= 40);  // the comparison covers screened jobs on both sides of each crash

    // Other surrogate settings make another run: refused.
    auto other = options("crashed");
    other.resume = true;
    other.evolution.surrogate.candidates = 4;
    CHECK_THROWS_WITH(evolve(space, factory, other), Contains("holds a different run"));
}

TEST_CASE("the simulation driver screens with the surrogate and charges the master", "[surrogate][sim]") {
    const auto space = test::small_space();
    const auto target = test::deep_target(space);
    test::TempDir dir("sur-sim");
    sim::SimOptions options{.evolution = screened_options(80), .workers = 4};
    options.master.measured = true;
    options.run_dir = dir.path();
    const auto run = sim::simulate(space, test::TargetTrainer{target, &space}, options);
    CHECK(run.evolution.counts.finished == 80);
    CHECK(run.report.master_busy_fraction > 0.0);
    CHECK(run.report.engine_us_per_job > 0.0);
    // Jobs bred once the predictor was ready were screened among several.
    std::size_t screened = 0;
    for (const auto& j : job_jsons(dir.path() / "lineage.jsonl")) {
        if (j.contains("predicted") && j.at("predicted").at("candidates").get<int>() > 1) ++screened;
    }
    CHECK(screened >= 20);
}

TEST_CASE("surrogate options are checked, naming the field", "[surrogate]") {
    auto o = screened_options(10);
    o.surrogate.exploration = 1.5;
    CHECK_THROWS_WITH(o.validate(), Contains("EvolutionOptions.surrogate.exploration"));
    o = screened_options(10);
    o.surrogate.trees = 0;
    CHECK_THROWS_WITH(o.validate(), Contains("EvolutionOptions.surrogate.trees"));
    o = screened_options(10);
    o.surrogate.ucb_kappa = std::nan("");
    CHECK_THROWS_WITH(o.validate(), Contains("EvolutionOptions.surrogate.ucb_kappa"));
    o = screened_options(10, 1);  // one candidate: off, whatever the rest says
    o.surrogate.trees = 0;
    CHECK_NOTHROW(o.validate());
    CHECK(screened_options(10).resolved().surrogate.min_trained == 10);
}

TEST_CASE("features of another length from a custom features function are an error", "[surrogate]") {
    const auto space = test::small_space();
    const auto target = test::deep_target(space);
    EvolutionOperators<G> ops;
    int calls = 0;
    ops.features = [&](const G& g, const SearchSpace&) { return std::vector<double>(1 + (calls++ % 2), double(g.gene_count())); };
    IslandModel<G> model(space, screened_options(60), {}, ops);
    test::TargetTrainer trainer{target, &space};
    CHECK_THROWS_WITH(
        [&] {
            while (auto job = model.propose(0)) model.complete(job->id, trainer.evaluate(job->genome, JobContext{}));
        }(),
        Contains("EvolutionOperators::features must give every genome of a run one length"));
}

TEST_CASE("a predictor of your own: any callable returning a model", "[surrogate]") {
    const auto space = test::small_space();
    const auto target = test::deep_target(space);
    EvolutionOperators<G> ops;
    std::size_t fits = 0;
    // The mean of the scores seen, whatever the features: every candidate
    // ties, so the first bred one is taken (exploration 0).
    ops.predictor = make_predictor([&](const TrainingSet& set, std::uint64_t) {
        ++fits;
        double mean = 0.0;
        for (const auto y : set.y) mean += y / static_cast<double>(set.size());
        return [mean](std::span<const double>) { return Prediction{mean, 0.0}; };
    });
    auto evo = screened_options(60);
    evo.surrogate.exploration = 0.0;
    evo.surrogate.refit_every = 5;
    IslandModel<G> model(space, evo, {}, ops);
    test::TargetTrainer trainer{target, &space};
    std::size_t screened = 0;
    while (auto job = model.propose(0)) {
        if (job->predicted.screened()) ++screened;
        model.complete(job->id, trainer.evaluate(job->genome, JobContext{}));
    }
    CHECK(screened > 0);
    CHECK(fits == model.surrogate()->refits());
    CHECK(fits == 1 + (60 - 10) / 5);
}
