// The island engine driven by hand: one job at a time, no threads.
#include <evonas/engine/island_model.hpp>
#include <evonas/genome/text.hpp>
#include <evonas/operators/operators.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "support/spaces.hpp"
#include "support/trainers.hpp"

using namespace evonas;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;

namespace {

/// Records every proposal, finish and migration.
struct Recorder : Observer<Genome<>> {
    std::vector<Job<Genome<>>> proposed;
    std::vector<JobRecord<Genome<>>> finished;
    std::vector<MigrationEvent> migrations;
    std::vector<std::uint64_t> improved;
    void on_proposed(const Job<Genome<>>& job, const Progress&) override { proposed.push_back(job); }
    void on_finished(const JobRecord<Genome<>>& r, const Progress&) override { finished.push_back(r); }
    void on_migrated(const MigrationEvent& e, const Progress&) override { migrations.push_back(e); }
    void on_improved(const JobRecord<Genome<>>& r, const Progress&) override { improved.push_back(r.job.id); }
};

/// Runs the model to the end with one job at a time, islands in turn.
template <class Evaluate>
void run_serial(IslandModel<>& model, Evaluate&& evaluate) {
    std::size_t next = 0;
    while (!model.done()) {
        std::optional<Job<Genome<>>> job;
        for (std::size_t k = 0; k < model.island_count() && !job; ++k) {
            job = model.propose((next + k) % model.island_count());
        }
        REQUIRE(job);  // with one job at a time there is always work until done()
        ++next;
        model.complete(job->id, evaluate(*job));
    }
}

Genome<> target_genome(const SearchSpace& space) {
    return parse_genome(
        "conv(k=5,f=64,act=tanh,bn=0) pool(type=avg,k=3) conv(k=3,f=96,act=elu,bn=1) "
        "conv(k=1,f=16,act=relu,bn=0) | dense(u=256,act=tanh) dropout(p=0.3) ; "
        "lr=0.05 mom=0.5 bs=128 opt=adam nesterov=1",
        space);
}

double best_random_search(const SearchSpace& space, const Genome<>& target, std::size_t budget, std::uint64_t seed) {
    Rng rng(seed);
    double best = 0.0;
    for (std::size_t i = 0; i < budget; ++i) {
        best = std::max(best, test::target_similarity(random_genome(space, rng), target, space));
    }
    return best;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

TEST_CASE("evolution beats random search at equal evaluations", "[engine]") {
    const auto space = test::small_space();
    const auto target = target_genome(space);
    const std::size_t budget = 400;
    std::vector<double> evolved, random;
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        IslandModel<> model(space, EvolutionOptions{.islands = 2, .population = 16, .seed = seed,
                                                    .stop = {.max_evaluations = budget}});
        run_serial(model, [&](const Job<Genome<>>& job) {
            return Fitness::of(test::target_similarity(job.genome, target, space));
        });
        REQUIRE(model.counts().finished == budget);
        evolved.push_back(model.result().best->score);
        random.push_back(best_random_search(space, target, budget, seed));
    }
    INFO("evolution median " << median(evolved) << ", random search median " << median(random));
    CHECK(median(evolved) > median(random) + 0.1);
}

TEST_CASE("seeds are evaluated first, spread over the islands", "[engine]") {
    const auto space = test::small_space();
    const std::vector<Genome<>> seeds = {
        parse_genome("conv(k=3) | dense(u=64)", space),
        parse_genome("conv(k=5) pool | dense(u=128)", space),
        parse_genome("conv(k=7) conv(k=7) | ", space),
    };
    IslandModel<> model(space, EvolutionOptions{.islands = 2, .population = 4, .stop = {.max_evaluations = 20}}, seeds);
    auto recorder = std::make_shared<Recorder>();
    model.add_observer(recorder);
    run_serial(model, [](const Job<Genome<>>&) { return Fitness::of(0.5); });
    REQUIRE(recorder->proposed.size() >= 3);
    std::vector<Genome<>> first;
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(recorder->proposed[i].origin == Origin::seed);
        CHECK(recorder->proposed[i].op == "seed");
        first.push_back(recorder->proposed[i].genome);
    }
    // seeds 0 and 2 went to island 0, seed 1 to island 1
    CHECK(recorder->proposed[0].island == 0);
    CHECK(recorder->proposed[1].island == 1);
    CHECK(recorder->proposed[2].island == 0);
    for (const auto& s : seeds) CHECK(std::count(first.begin(), first.end(), s) == 1);
    for (std::size_t i = 3; i < recorder->proposed.size(); ++i) CHECK(recorder->proposed[i].origin != Origin::seed);
}

TEST_CASE("a seed genome not valid in the space is refused with its index", "[engine][errors]") {
    const auto space = test::small_space();
    auto bad = parse_genome("conv(k=3) | dense(u=64)", space);
    bad.section(0).genes().clear();  // features needs at least 1 layer
    CHECK_THROWS_MATCHES(IslandModel<>(space, EvolutionOptions{}, {parse_genome("conv | ", space), bad}),
                         ConfigError, Message("seeds[1]: section 'features' has 0 layers; it allows 1 to 6"));
}

TEST_CASE("bad evolution options name the field", "[engine][errors]") {
    const auto space = test::small_space();
    const auto fails = [&](EvolutionOptions o, const std::string& message) {
        CHECK_THROWS_MATCHES(IslandModel<>(space, o), ConfigError, Message(message));
    };
    fails({.islands = 0}, "EvolutionOptions.islands: must be at least 1, got 0");
    fails({.population = 2, .tournament_size = 3},
          "EvolutionOptions.population: (2) is smaller than tournament_size (3)");
    fails({.population = 1}, "EvolutionOptions.population: must be at least 2 (or 0: from the budget), got 1");
    fails({.random_fraction = -0.1}, "EvolutionOptions.random_fraction: must be in [0, 1], got -0.1");
    fails({.islands = 2, .migration = {.interval = 0}}, "EvolutionOptions.migration.interval: must be at least 1, got 0");
    fails({.islands = 2, .population = 4, .migration = {.migrants = 5}},
          "EvolutionOptions.migration.migrants: (5) is larger than the population (4)");
    fails({.crossover_probability = 1.5}, "EvolutionOptions.crossover_probability: must be in [0, 1], got 1.5");
    fails({.stop = {.max_evaluations = 0}},
          "EvolutionOptions.stop: no stop criterion set: give max_evaluations, max_seconds, max_resource, "
          "target_score, patience or a callback");
    fails({.stop = {.max_seconds = -1}}, "EvolutionOptions.stop.max_seconds: must be a finite number >= 0, got -1");
    // one island needs no migration settings
    CHECK_NOTHROW(IslandModel<>(space, EvolutionOptions{.islands = 1, .migration = {.interval = 0}}));
}

TEST_CASE("migration follows the configured topology", "[engine][migration]") {
    const auto space = test::small_space();
    const auto run = [&](MigrationTopology topology) {
        IslandModel<> model(space, EvolutionOptions{.islands = 3, .population = 6, .seed = 11,
                                                    .migration = {.topology = topology, .interval = 4, .migrants = 2},
                                                    .stop = {.max_evaluations = 120}});
        auto recorder = std::make_shared<Recorder>();
        model.add_observer(recorder);
        Rng scores(5);
        run_serial(model, [&](const Job<Genome<>>&) { return Fitness::of(scores.uniform()); });
        return std::make_pair(recorder, model.counts());
    };
    SECTION("ring sends to the next island only") {
        auto [rec, counts] = run(MigrationTopology::ring);
        REQUIRE(rec->migrations.size() > 5);
        for (const auto& m : rec->migrations) {
            CHECK(m.to == (m.from + 1) % 3);
            CHECK(m.ids.size() == 2);
        }
        CHECK(counts.migrations == rec->migrations.size());
        CHECK(counts.migrants > 0);
    }
    SECTION("fully connected sends to every other island") {
        auto [rec, counts] = run(MigrationTopology::fully_connected);
        std::map<std::size_t, std::set<std::size_t>> targets;
        for (const auto& m : rec->migrations) {
            CHECK(m.to != m.from);
            targets[m.from].insert(m.to);
        }
        for (std::size_t i = 0; i < 3; ++i) CHECK(targets[i].size() == 2);
    }
    SECTION("random sends to another island") {
        auto [rec, counts] = run(MigrationTopology::random);
        REQUIRE_FALSE(rec->migrations.empty());
        for (const auto& m : rec->migrations) CHECK(m.to != m.from);
    }
    SECTION("none sends nothing") {
        auto [rec, counts] = run(MigrationTopology::none);
        CHECK(rec->migrations.empty());
        CHECK(counts.migrations == 0);
    }
    SECTION("migrants carry the best members of their island") {
        IslandModel<> model(space, EvolutionOptions{.islands = 2, .population = 4, .seed = 3,
                                                    .migration = {.interval = 4, .migrants = 1},
                                                    .stop = {.max_evaluations = 40}});
        auto recorder = std::make_shared<Recorder>();
        model.add_observer(recorder);
        std::map<std::uint64_t, double> score_of;
        Rng scores(9);
        std::size_t next = 0;
        while (!model.done()) {
            auto job = model.propose(next++ % 2);
            REQUIRE(job);
            const auto before = recorder->migrations.size();
            const auto island = job->island;
            std::vector<Individual<Genome<>>> population = model.island(island).population;
            score_of[job->id] = scores.uniform();
            model.complete(job->id, Fitness::of(score_of[job->id]));
            if (recorder->migrations.size() > before) {
                const auto& sent = recorder->migrations.back();
                double best = -1;
                for (const auto& m : model.island(island).population) best = std::max(best, m.score);
                CHECK(score_of.at(sent.ids.at(0)) == best);
            }
        }
    }
}

TEST_CASE("identical children are caught and not trained twice", "[engine][duplicates]") {
    // A space with few distinct genomes: 4 one-layer + 16 two-layer = 20.
    const SearchSpace tiny("tiny", {LayerType{"conv", {ParamSpec::integer("k", 1, 4, 1)}}},
                           {SectionSpace{"features", {{"conv", 1.0}}, 1, 2}}, {});
    IslandModel<> model(tiny, EvolutionOptions{.population = 4, .tournament_size = 2, .seed = 2,
                                               .max_rebreed = 32, .stop = {.max_evaluations = 10}});
    auto recorder = std::make_shared<Recorder>();
    model.add_observer(recorder);
    run_serial(model, [](const Job<Genome<>>& job) { return Fitness::of(static_cast<double>(job.genome.gene_count())); });
    std::set<std::uint64_t> hashes;
    for (const auto& r : recorder->finished) {
        if (r.trained) CHECK(hashes.insert(r.job.hash).second);
    }
    CHECK(model.counts().duplicates > 0);

    SECTION("reuse_fitness records twins without training them") {
        IslandModel<> reuse(tiny, EvolutionOptions{.population = 4, .tournament_size = 2, .seed = 2,
                                                   .duplicates = DuplicatePolicy::reuse_fitness,
                                                   .max_rebreed = 32,
                                                   .stop = {.max_evaluations = 10}});
        auto rec = std::make_shared<Recorder>();
        reuse.add_observer(rec);
        run_serial(reuse, [](const Job<Genome<>>& job) { return Fitness::of(static_cast<double>(job.genome.gene_count())); });
        std::size_t reused = 0;
        for (const auto& r : rec->finished) {
            if (!r.trained) {
                ++reused;
                CHECK(r.job.origin == Origin::duplicate);
                CHECK_THAT(r.job.op, Contains("+duplicate_of:"));
            }
        }
        CHECK(reused > 0);
        CHECK(reuse.counts().finished == 10);
    }
    SECTION("a budget larger than the space: reuse_fitness stops with a clear error, not an endless loop") {
        IslandModel<> reuse(tiny, EvolutionOptions{.population = 4, .tournament_size = 2, .seed = 2,
                                                   .duplicates = DuplicatePolicy::reuse_fitness,
                                                   .stop = {.max_evaluations = 30}});
        CHECK_THROWS_WITH(run_serial(reuse, [](const Job<Genome<>>&) { return Fitness::of(1.0); }),
                          Contains("were networks trained already: the search space is (nearly) exhausted"));
        CHECK(reuse.counts().finished == 20);  // every genome of the space, once
    }
}

TEST_CASE("failed, invalid and timed-out results are counted and never win", "[engine]") {
    const auto space = test::small_space();
    IslandModel<> model(space, EvolutionOptions{.population = 4, .stop = {.max_evaluations = 40}});
    std::size_t n = 0;
    run_serial(model, [&](const Job<Genome<>>&) {
        switch (n++ % 4) {
            case 0: return Fitness::failed("boom");
            case 1: return Fitness::of(std::nan(""));
            case 2: return Fitness::timed_out("too slow");
            default: return Fitness::of(0.25);
        }
    });
    const auto counts = model.counts();
    CHECK(counts.failed == 20);  // 10 thrown + 10 NaN
    CHECK(counts.timed_out == 10);
    CHECK(counts.ok == 10);
    CHECK(counts.finished == 40);
    CHECK(model.result().best->score == 0.25);
    for (const auto& m : model.island(0).population) CHECK(m.fitness.ok());
}

TEST_CASE("a trainer's check repairs or rejects genomes before dispatch", "[engine][check]") {
    const auto space = test::small_space();
    IslandModel<> model(space, EvolutionOptions{.population = 4, .stop = {.max_evaluations = 30}});
    auto recorder = std::make_shared<Recorder>();
    model.add_observer(recorder);
    const auto conv = *space.find_layer_type("conv");
    // Reject genomes with a pool layer; repair every conv kernel to 3.
    const IslandModel<>::Prepare prepare = [&](Genome<>& g) {
        bool repaired = false;
        for (auto& layer : g.section(0)) {
            if (layer.type != conv) return Check::invalid("no pooling allowed");
            if (layer.values[0] != 3) {
                layer.values[0] = 3;
                repaired = true;
            }
        }
        return repaired ? Check::repaired("conv kernels set to 3") : Check::fine();
    };
    while (!model.done()) {
        auto job = model.propose(0, prepare);
        REQUIRE(job);
        for (const auto& layer : job->genome.section(0)) {
            CHECK(layer.type == conv);
            CHECK(layer.values[0] == 3);
        }
        model.complete(job->id, Fitness::of(0.5));
    }
    std::size_t rejected = 0;
    for (const auto& r : recorder->finished) {
        if (r.fitness.status == FitnessStatus::invalid) {
            ++rejected;
            CHECK_FALSE(r.trained);
            CHECK(r.fitness.reason == "no pooling allowed");
        }
    }
    CHECK(rejected > 0);
    CHECK(model.counts().invalid == rejected);
    CHECK(model.counts().finished == 30);  // rejections do not use the budget

    SECTION("a check that rejects everything is a clear error") {
        IslandModel<> stuck(space, EvolutionOptions{.population = 4});
        // 64 bred genomes, then random ones with a warning, then an error.
        struct Warnings : Observer<Genome<>> {
            std::vector<std::string> texts;
            void on_warning(const std::string& text, const Progress&) override { texts.push_back(text); }
        };
        auto warnings = std::make_shared<Warnings>();
        stuck.add_observer(warnings);
        CHECK_THROWS_WITH(stuck.propose(0, [](Genome<>&) { return Check::invalid("never"); }),
                          Contains("random genomes in a row were rejected by the trainer's check") &&
                              Contains("Last reason: never"));
        REQUIRE(warnings->texts.size() == 1);
        CHECK_THAT(warnings->texts[0], Contains("64 genomes in a row were rejected") && Contains("drawing random genomes"));
    }

    SECTION("after a run of rejections the island draws random genomes and goes on") {
        IslandModel<> picky_model(space, EvolutionOptions{.population = 4, .stop = {.max_evaluations = 40}});
        // Accepts only random genomes after 100 rejections in a row: the
        // fallback gets the island going again instead of stopping the run.
        std::size_t in_a_row = 0;
        std::size_t dispatched = 0;
        while (!picky_model.done()) {
            auto job = picky_model.propose(0, [&](Genome<>&) {
                if (++in_a_row > 100) {
                    in_a_row = 0;
                    return Check::fine();
                }
                return Check::invalid("picky");
            });
            if (!job) break;
            ++dispatched;
            picky_model.complete(job->id, Fitness::of(0.1));
        }
        CHECK(dispatched == 40);
    }
}

TEST_CASE("stop criteria: target score, patience, callback", "[engine][stop]") {
    const auto space = test::small_space();
    SECTION("target score") {
        IslandModel<> model(space, EvolutionOptions{.population = 4, .stop = {.max_evaluations = 1000, .target_score = 0.9}});
        std::size_t n = 0;
        run_serial(model, [&](const Job<Genome<>>&) { return Fitness::of(++n >= 7 ? 0.95 : 0.1); });
        CHECK(model.stop_reason() == "target_score");
        CHECK(model.counts().finished == 7);
    }
    SECTION("patience") {
        IslandModel<> model(space, EvolutionOptions{.population = 4, .stop = {.max_evaluations = 1000, .patience = 10}});
        run_serial(model, [&](const Job<Genome<>>&) { return Fitness::of(0.5); });
        CHECK(model.stop_reason() == "patience");
        CHECK(model.counts().finished == 11);  // the first improves, then 10 without
    }
    SECTION("callback") {
        IslandModel<> model(space, EvolutionOptions{.population = 4, .stop = {.max_evaluations = 0,
            .callback = [](const Progress& p) { return p.counts.finished >= 5; }}});
        run_serial(model, [&](const Job<Genome<>>&) { return Fitness::of(0.5); });
        CHECK(model.stop_reason() == "callback");
        CHECK(model.counts().finished == 5);
    }
    SECTION("max_seconds uses the driver's clock") {
        IslandModel<> model(space, EvolutionOptions{.population = 4, .stop = {.max_evaluations = 0, .max_seconds = 10}});
        double t = 0;
        while (!model.done()) {
            model.set_elapsed(t);
            auto job = model.propose(0);
            if (!job) break;
            t += 1.5;
            model.set_elapsed(t);
            model.complete(job->id, Fitness::of(0.5));
        }
        CHECK(model.stop_reason() == "max_seconds");
        CHECK(model.counts().finished == 7);
    }
}

TEST_CASE("with jobs in flight, the budget is never overrun", "[engine]") {
    const auto space = test::small_space();
    IslandModel<> model(space, EvolutionOptions{.islands = 2, .population = 4, .stop = {.max_evaluations = 25}});
    std::vector<Job<Genome<>>> flight;
    Rng rng(1);
    std::set<std::uint64_t> ids;
    while (!model.done()) {
        // keep up to 6 jobs in flight, finish them in random order
        while (flight.size() < 6) {
            auto job = model.propose(rng.index(2));
            if (!job) break;
            CHECK(ids.insert(job->id).second);
            CHECK(job->id % 2 == job->island);
            flight.push_back(*job);
        }
        REQUIRE_FALSE(flight.empty());
        const auto k = rng.index(flight.size());
        model.complete(flight[k].id, Fitness::of(rng.uniform()));
        flight.erase(flight.begin() + static_cast<std::ptrdiff_t>(k));
    }
    CHECK(model.counts().finished == 25);
    CHECK(model.counts().proposed == 25);
    CHECK_THROWS_WITH(model.complete(*ids.begin(), Fitness::of(1)), Contains("is not in flight"));
}

TEST_CASE("one seed, one job at a time: the same run every time", "[engine][determinism]") {
    const auto space = test::small_space();
    const auto run = [&] {
        IslandModel<> model(space, EvolutionOptions{.islands = 2, .population = 8, .seed = 42,
                                                    .stop = {.max_evaluations = 150}});
        auto recorder = std::make_shared<Recorder>();
        model.add_observer(recorder);
        run_serial(model, [&](const Job<Genome<>>& job) {
            Rng noise(job.seed);  // a trainer seeded from the job seed
            return Fitness::of(test::target_similarity(job.genome, target_genome(space), space) + 0.01 * noise.uniform());
        });
        std::vector<std::string> lines;
        for (const auto& r : recorder->finished) {
            lines.push_back(std::to_string(r.job.id) + " " + r.job.op + " " + to_text(r.job.genome, space));
        }
        return lines;
    };
    const auto a = run();
    const auto b = run();
    REQUIRE(a.size() == 150);
    CHECK(a == b);
}

TEST_CASE("the log names a crossover of one's own, named or not", "[engine][operators]") {
    const auto space = test::small_space();
    for (const std::string name : {"", "swap_halves"}) {
        EvolutionOperators<> ops;
        ops.crossover = [](const Genome<>& a, const Genome<>&, const SearchSpace&, Rng&) { return a; };
        ops.crossover_name = name;
        IslandModel<> model(space, EvolutionOptions{.islands = 1, .population = 4, .crossover_probability = 0.5,
                                                    .seed = 5, .stop = {.max_evaluations = 60}},
                            {}, ops);
        std::set<std::string> crossover_ops;
        Rng scores(2);
        while (!model.done()) {
            auto job = model.propose(0);
            REQUIRE(job);
            if (job->op.starts_with("crossover:")) crossover_ops.insert(job->op.substr(0, job->op.find('+')));
            model.complete(job->id, Fitness::of(scores.uniform()));
        }
        const std::string expected = "crossover:" + (name.empty() ? std::string("custom") : name);
        CHECK(crossover_ops == std::set<std::string>{expected});
    }
}
