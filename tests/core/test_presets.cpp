// The evolution's defaults (EvolutionPreset): auto options sized from the
// budget, the regularized preset's initial phase, random proposals, the
// final choice by retraining (confirm_best), and runs of evonas 0.1 that
// resume with their own preset or are refused with a clear message.
#include <evonas/evonas.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>

#include "support/lineage.hpp"
#include "support/spaces.hpp"
#include "support/trainers.hpp"

using namespace evonas;
using Catch::Matchers::Contains;

TEST_CASE("auto options: population and tournament from the budget, crossover from 300 networks", "[presets]") {
    const auto resolved = [](std::uint64_t budget, std::size_t islands = 1) {
        return EvolutionOptions{.islands = islands, .stop = {.max_evaluations = budget}}.resolved();
    };
    CHECK(*resolved(40).preset == EvolutionPreset::regularized);
    CHECK(resolved(40).population == 10);     // clamp(40 / 5, 10, 100)
    CHECK(resolved(40).tournament_size == 3);  // round(10 / 4)
    CHECK(resolved(100).population == 20);
    CHECK(resolved(100).tournament_size == 5);
    CHECK(resolved(100000).population == 100);
    CHECK(resolved(100000).tournament_size == 25);
    CHECK(resolved(1000, 4).population == 50);  // per island
    CHECK(*resolved(299).crossover_probability == 0.0);
    CHECK(*resolved(300).crossover_probability == 0.5);
    CHECK(*resolved(40).random_fraction == 0.0);
    // No budget in networks (a time limit): population 20, crossover on.
    const auto timed = EvolutionOptions{.stop = {.max_evaluations = 0, .max_seconds = 60}}.resolved();
    CHECK(timed.population == 20);
    CHECK(*timed.crossover_probability == 0.5);
    // Explicit values are kept; classic gives evonas 0.1's values.
    const auto explicit_values = EvolutionOptions{.population = 7, .tournament_size = 2,
                                                  .crossover_probability = 0.3}.resolved();
    CHECK(explicit_values.population == 7);
    CHECK(explicit_values.tournament_size == 2);
    CHECK(*explicit_values.crossover_probability == 0.3);
    const auto classic = EvolutionOptions{.preset = EvolutionPreset::classic}.resolved();
    CHECK(classic.population == 16);
    CHECK(classic.tournament_size == 3);
    CHECK(*classic.crossover_probability == 0.5);
    // The model shows the values in use.
    IslandModel<> model(test::small_space(), EvolutionOptions{.stop = {.max_evaluations = 60}});
    CHECK(model.options().population == 12);
    CHECK(model.options().tournament_size == 3);
}

TEST_CASE("regularized: an island breeds only once its population is full of trained networks", "[presets][engine]") {
    const auto space = test::small_space();
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        IslandModel<> model(space, EvolutionOptions{.population = 6, .seed = seed, .stop = {.max_evaluations = 60}});
        Rng outcome(seed);
        std::size_t ok_before_first_child = 0;
        bool bred = false;
        // Reject a third of the genomes before dispatch and fail a third of
        // the trained ones: neither may use up the initial phase.
        const auto prepare = [&](Genome<>&) {
            return outcome.chance(1.0 / 3.0) ? Check::invalid("rejected by the test") : Check::fine();
        };
        while (!model.done()) {
            auto job = model.propose(0, prepare);
            REQUIRE(job);
            if (job->origin == Origin::bred) {
                bred = true;
                CHECK(ok_before_first_child >= 6);
                CHECK(model.island(0).population.size() == 6);
            }
            const bool fail = outcome.chance(1.0 / 3.0);
            model.complete(job->id, fail ? Fitness::failed("test") : Fitness::of(outcome.uniform()));
            if (!fail && !bred) ++ok_before_first_child;
        }
        CHECK(bred);
    }
}

TEST_CASE("classic: the initial phase counts proposals, as evonas 0.1 did", "[presets][engine]") {
    const auto space = test::small_space();
    IslandModel<> model(space, EvolutionOptions{.preset = EvolutionPreset::classic, .population = 6, .seed = 3,
                                                .stop = {.max_evaluations = 40}});
    std::size_t proposals = 0;
    std::size_t ok = 0;
    while (!model.done()) {
        auto job = model.propose(0);
        REQUIRE(job);
        ++proposals;
        if (proposals <= 6) CHECK(job->origin == Origin::random);
        // Failures do not extend the phase: breeding starts from what scored.
        const bool fail = proposals % 2 == 0;
        if (proposals == 7) {
            CHECK(ok == 3);
            CHECK(job->origin == Origin::bred);
        }
        model.complete(job->id, fail ? Fitness::failed("test") : Fitness::of(0.1 * static_cast<double>(proposals)));
        ok += fail ? 0 : 1;
    }
}

TEST_CASE("random_fraction: 1 is random search, a share draws fresh genomes after the initial phase",
          "[presets][engine]") {
    const auto space = test::small_space();
    const auto origins = [&](double fraction) {
        IslandModel<> model(space, EvolutionOptions{.population = 5, .random_fraction = fraction, .seed = 9,
                                                    .stop = {.max_evaluations = 400}});
        std::map<Origin, std::size_t> counts;
        Rng scores(4);
        while (!model.done()) {
            auto job = model.propose(0);
            REQUIRE(job);
            ++counts[job->origin];
            model.complete(job->id, Fitness::of(scores.uniform()));
        }
        return counts;
    };
    const auto all_random = origins(1.0);
    CHECK(all_random.count(Origin::bred) == 0);
    CHECK(all_random.at(Origin::random) == 400);
    const auto some = origins(0.25);
    const double share = static_cast<double>(some.at(Origin::random) - 5) / 395.0;
    CHECK(share > 0.17);
    CHECK(share < 0.33);
    CHECK(origins(0.0).at(Origin::random) <= 10);  // the initial 5 (and a rare fallback for a twin)
}

TEST_CASE("regularized operators: aging tournament of distinct members, replace oldest, aligned crossover",
          "[presets][operators]") {
    const auto space = test::small_space();
    const auto ops = EvolutionOperators<>::defaults(EvolutionOptions{.population = 8, .tournament_size = 8});
    std::vector<Individual<Genome<>>> population;
    Rng rng(1);
    for (std::uint64_t i = 0; i < 8; ++i) {
        population.push_back({random_genome(space, rng), static_cast<double>(i % 5), 10 + i, i, Fitness::of(0.0)});
    }
    // A tournament of all 8 distinct members always picks the best score
    // (4, ids 14) and, among equals, the younger (larger id).
    for (int k = 0; k < 200; ++k) CHECK(ops.select(population, rng) == 4);
    CHECK(*ops.replace(population, population[0], rng) == 0);  // the oldest (smallest id)
    CHECK(ops.crossover_name == "aligned_one_point");
    // With replacement (classic), some tournaments miss the best member.
    const auto classic = EvolutionOperators<>::defaults(EvolutionOptions{.preset = EvolutionPreset::classic,
                                                                         .population = 8, .tournament_size = 8});
    std::set<std::size_t> picked;
    for (int k = 0; k < 200; ++k) picked.insert(classic.select(population, rng));
    CHECK(picked.size() > 1);
}

TEST_CASE("regularized mutation also mutates each global gene with probability 1/n", "[presets][operators]") {
    const auto space = test::small_space();  // 5 global genes
    auto ops = EvolutionOperators<>::defaults(EvolutionOptions{});
    Rng rng(5);
    std::size_t changed = 0, with_globals = 0;
    const int n = 4000;
    for (int k = 0; k < n; ++k) {
        auto g = random_genome(space, rng);
        const auto before = g.globals();
        const auto name = ops.mutate(g, space, rng);
        REQUIRE(is_valid(g, space));
        for (std::size_t i = 0; i < before.size(); ++i) changed += before[i] != g.globals()[i] ? 1 : 0;
        with_globals += name.find("mutate_globals") != std::string::npos ? 1 : 0;
    }
    // About one gene per child from MutateGlobalsEach (5 x 1/5), plus the
    // structural mix's own mutate_global now and then.
    const double per_child = static_cast<double>(changed) / n;
    CHECK(per_child > 0.85);
    CHECK(per_child < 1.3);
    CHECK(with_globals > n / 2);
    auto g = random_genome(space, rng);
    CHECK_THROWS_WITH(MutateGlobalsEach{.rate = 1.5}(g, space, rng), "MutateGlobalsEach.rate: must be in [0, 1], got 1.5");
}

namespace {

// Score = the genome's first conv filter count / 128 + noise from the job seed:
// retraining (a fresh seed) moves the score, the genome sets its mean.
struct NoisyTrainer {
    const SearchSpace* space;
    Fitness evaluate(const Genome<>& g, const JobContext& ctx) const {
        Rng noise(ctx.seed);
        const double base = g.section(0).size() ? g.section(0)[0].values[1] / 128.0 : 0.0;
        if (g.section(0).size() == 3 && ctx.seed % 2 == 0) return Fitness::failed("flaky");
        return Fitness::of(base + 0.05 * noise.uniform());
    }
};

}  // namespace

TEST_CASE("confirm_best retrains the best networks with fresh seeds and ranks them by mean", "[presets][confirm]") {
    const auto space = test::small_space();
    EvolutionResult<Genome<>> result;
    Rng rng(3);
    for (std::uint64_t i = 0; i < 6; ++i) {
        auto g = random_genome(space, rng);
        result.hall_of_fame.push_back({g, 1.0 - 0.01 * static_cast<double>(i), i, i, Fitness::of(0.0)});
    }
    const auto confirmed = confirm_best(result, [&](std::size_t) { return NoisyTrainer{&space}; },
                                        {.top = 4, .seeds = 3, .workers = 2, .seed = 7});
    REQUIRE(confirmed.size() == 4);
    for (const auto& c : confirmed) {
        CHECK(c.retrains.size() == 3);
        CHECK(c.individual.id < 4);  // the top 4 of the hall of fame
        CHECK(c.low <= c.mean);
        CHECK(c.mean <= c.high);
        for (const auto& f : c.retrains) {
            if (f.ok()) CHECK(f.score != c.individual.score);  // a fresh training, not the search's
        }
    }
    for (std::size_t i = 1; i < confirmed.size(); ++i) {
        const auto& a = confirmed[i - 1];
        const auto& b = confirmed[i];
        CHECK((a.failed < b.failed || (a.failed == b.failed && a.mean >= b.mean)));
    }
    // The same options give the same seeds: reproducible.
    const auto again = confirm_best(result, [&](std::size_t) { return NoisyTrainer{&space}; },
                                    {.top = 4, .seeds = 3, .workers = 1, .seed = 7});
    for (std::size_t i = 0; i < 4; ++i) CHECK(again[i].mean == confirmed[i].mean);
    CHECK_THROWS_WITH(confirm_best(result, [&](std::size_t) { return NoisyTrainer{&space}; }, {.seeds = 0}),
                      "ConfirmOptions.seeds: must be at least 1, got 0");
}

namespace {

struct ScoreByFilters {
    Fitness evaluate(const Genome<>& g, const JobContext& ctx) const {
        return Fitness::of(static_cast<double>(g.gene_count()) / 10.0 + 1e-3 * static_cast<double>(ctx.seed % 97));
    }
};

RunOptions run_in(const std::filesystem::path& dir, EvolutionOptions evolution, bool resume) {
    RunOptions run;
    run.evolution = std::move(evolution);
    run.run_dir = dir;
    run.resume = resume;
    run.progress = false;
    run.checkpoint_interval = 5;
    return run;
}

}  // namespace

TEST_CASE("a run of evonas 0.1 resumes with its classic preset, or is refused naming it", "[presets][resume]") {
    const auto space = test::small_space();
    test::TempDir dir("old-run");
    // What evonas 0.1 wrote: classic behaviour, no "preset" in run.json.
    const EvolutionOptions old{.preset = EvolutionPreset::classic, .seed = 4, .stop = {.max_evaluations = 20}};
    evolve(space, [](std::size_t) { return ScoreByFilters{}; }, run_in(dir.path(), old, false));
    const auto run_json = parse_json_text(read_text_file(dir / "run.json", "run"), "run.json");
    CHECK_FALSE(run_json.at("options").contains("preset"));
    CHECK(run_json.at("options").at("population") == 16);

    // Resumed with the library's defaults left unset: the run's own preset
    // and sizes are taken from run.json, and it continues as one classic run.
    auto more = EvolutionOptions{.seed = 4, .stop = {.max_evaluations = 40}};
    const auto resumed = evolve(space, [](std::size_t) { return ScoreByFilters{}; }, run_in(dir.path(), more, true));
    CHECK(resumed.counts.finished == 40);
    test::TempDir straight("old-run-straight");
    auto once = old;
    once.stop.max_evaluations = 40;
    evolve(space, [](std::size_t) { return ScoreByFilters{}; }, run_in(straight.path(), once, false));
    CHECK(test::job_lines(dir / "lineage.jsonl") == test::job_lines(straight / "lineage.jsonl"));

    // Asking for the regularized preset explicitly is another run: refused.
    auto regularized = more;
    regularized.preset = EvolutionPreset::regularized;
    CHECK_THROWS_WITH(evolve(space, [](std::size_t) { return ScoreByFilters{}; }, run_in(dir.path(), regularized, true)),
                      Contains("holds a different run: its options differ") && Contains("classic preset") &&
                          Contains("as every run of evonas 0.1"));
}

TEST_CASE("a run whose space had no convolution requirement is refused with the way to resume it",
          "[presets][resume]") {
    test::TempDir dir("old-space");
    const auto old_space = cnn_space(1, {.require_convolution = false});
    const EvolutionOptions options{.seed = 2, .stop = {.max_evaluations = 6}};
    evolve(old_space, [](std::size_t) { return ScoreByFilters{}; }, run_in(dir.path(), options, false));
    CHECK_THROWS_WITH(evolve(cnn_space(1), [](std::size_t) { return ScoreByFilters{}; }, run_in(dir.path(), options, true)),
                      Contains("its space differs ('sections/0/require_any' was absent") &&
                          Contains("CnnSpaceOptions{.require_convolution = false}"));
    auto more = options;
    more.stop.max_evaluations = 10;
    CHECK(evolve(old_space, [](std::size_t) { return ScoreByFilters{}; }, run_in(dir.path(), more, true)).counts.finished ==
          10);
}

TEST_CASE("run.json names the preset and the random fraction only when they differ from evonas 0.1",
          "[presets][files]") {
    const auto j = options_to_json(EvolutionOptions{.stop = {.max_evaluations = 40}});
    CHECK(j.at("preset") == "regularized");
    CHECK(j.at("population") == 10);
    CHECK_FALSE(j.contains("random_fraction"));
    const auto k = options_to_json(EvolutionOptions{.preset = EvolutionPreset::classic, .random_fraction = 0.1});
    CHECK_FALSE(k.contains("preset"));
    CHECK(k.at("random_fraction") == 0.1);
    // adopt_run_options fills only what was left to the library.
    const auto adopted = adopt_run_options(EvolutionOptions{.population = 9}, j);
    CHECK(adopted.population == 9);
    CHECK(adopted.tournament_size == 3);
    CHECK(*adopted.preset == EvolutionPreset::regularized);
    CHECK(*adopted.random_fraction == 0.0);
    CHECK(*adopt_run_options(EvolutionOptions{}, nlohmann::json{{"population", 16}}).preset == EvolutionPreset::classic);
}

TEST_CASE("a run directory written by evonas 0.1 (checkpoint format 1) resumes and continues exactly",
          "[presets][resume][compat]") {
    // tests/core/data/evonas-0.1-run: 30 jobs in the log, the checkpoint
    // (format 1, duplicate cache inside) covering 24 of them; see
    // tests/core/data/make_evonas_0.1_run.cpp.
    const auto space = test::small_space();
    const auto target = parse_genome("conv(k=3) conv(k=5) | dense(u=128)", space);
    const auto factory = [&](std::size_t) { return test::TargetTrainer{target, &space}; };
    const std::vector<Genome<>> seeds{parse_genome("conv(k=3) | dense(u=64)", space)};
    test::TempDir dir("v01");
    std::filesystem::copy(std::filesystem::path(EVONAS_TEST_DATA) / "evonas-0.1-run", dir.path());
    const auto old_lines = test::job_lines(dir / "lineage.jsonl");
    REQUIRE(old_lines.size() == 30);

    RunOptions options;
    options.evolution = {.islands = 2, .seed = 21, .stop = {.max_evaluations = 40}};  // preset left to the run
    options.workers = 1;
    options.run_dir = dir.path();
    options.resume = true;
    options.progress = false;
    options.checkpoint_interval = 12;
    const auto resumed = evolve(space, factory, options, seeds);
    CHECK(resumed.counts.finished == 40);
    const auto lines = test::job_lines(dir / "lineage.jsonl");
    REQUIRE(lines.size() == 40);
    CHECK(std::equal(old_lines.begin(), old_lines.end(), lines.begin()));  // nothing replayed twice
    const auto checkpoint = parse_json_text(read_text_file(dir / "checkpoint.json", "checkpoint"), "checkpoint");
    CHECK(checkpoint.at("format_version") == checkpoint_format_version);
    CHECK_FALSE(checkpoint.contains("known"));

    // The same 40 jobs as one run of today's evonas with the classic preset.
    test::TempDir straight("v01-straight");
    auto once = options;
    once.evolution.preset = EvolutionPreset::classic;
    once.run_dir = straight.path();
    once.resume = false;
    evolve(space, factory, once, seeds);
    CHECK(test::job_lines(straight / "lineage.jsonl") == lines);
}
