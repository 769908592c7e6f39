// A genome type of the user's own (issue #23): the DAG cell of
// examples/dag_cell/dag_cell.hpp through genome_traits. Its text, hash,
// operators and space; the engine evolving it; the thread driver writing,
// reading back and resuming its run files; and a genome type without
// default operators.
#include <evonas/evonas.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "dag_cell/dag_cell.hpp"
#include "support/lineage.hpp"
#include "support/trainers.hpp"

using namespace evonas;
using namespace evonas::examples::dag;
using Catch::Matchers::Contains;
using Traits = genome_traits<DagGenome>;

static_assert(GenomeType<DagGenome>, "DagGenome's traits make it a genome type");
static_assert(check_genome_type<DagGenome>());

namespace {

// A cheap, deterministic stand-in for training: likes deep chains of
// convolutions, 16 channels and a learning rate near 0.01, plus a little
// noise from the job's seed. Its optimum (a chain of max_nodes conv3 nodes)
// is one cell in millions, so random search rarely comes close.
struct CellScore {
    std::string name() const { return "cell-score"; }
    Fitness evaluate(const DagGenome& g, const JobContext& ctx) const {
        double score = 0.0;
        for (const auto& n : g.nodes) {
            switch (n.op) {
                case DagOp::conv3: score += 1.0; break;
                case DagOp::conv5: score += 0.7; break;
                case DagOp::relu_conv1: score += 0.5; break;
                case DagOp::maxpool3: score += 0.3; break;
                case DagOp::avgpool3: score += 0.2; break;
                case DagOp::skip: score += 0.1; break;
            }
        }
        score += 0.5 * static_cast<double>(g.depth());
        score -= 0.3 * std::abs(std::log2(static_cast<double>(g.channels) / 16.0));
        score -= 0.5 * std::abs(std::log10(g.lr) + 2.0);
        Rng noise(ctx.seed);
        return Fitness::of(score + 0.001 * noise.uniform()).with("depth", static_cast<double>(g.depth()));
    }
};

// The spaces the property loops walk: the default, a narrow one (one input
// per node, three operations, fixed size), a wide one (concat, four inputs).
std::vector<DagSpace> spaces() {
    DagSpace narrow;
    narrow.min_nodes = narrow.max_nodes = 4;
    narrow.ops = {DagOp::conv3, DagOp::skip, DagOp::maxpool3};
    narrow.max_inputs = 1;
    narrow.channels = {32};
    narrow.lr_min = narrow.lr_max = 0.01;
    DagSpace wide;
    wide.min_nodes = 1;
    wide.max_nodes = 12;
    wide.max_inputs = 4;
    wide.channels = {4, 8, 16, 32, 64, 128};
    wide.lr_min = 1e-5;
    wide.lr_max = 1.0;
    wide.output = CellOutput::concat;
    return {DagSpace{}, narrow, wide};
}

struct CrashAfter : Observer<DagGenome> {
    std::uint64_t limit;
    explicit CrashAfter(std::uint64_t n) : limit(n) {}
    void on_finished(const JobRecord<DagGenome>&, const Progress& p) override {
        if (p.counts.finished >= limit) throw std::runtime_error("simulated crash");
    }
};

RunOptions run_options(const std::filesystem::path& dir, std::uint64_t evaluations) {
    return RunOptions{.evolution = {.islands = 2, .population = 8, .seed = 7, .migration = {.interval = 5},
                                    .stop = {.max_evaluations = evaluations}},
                      .workers = 1,
                      .run_dir = dir,
                      .checkpoint_interval = 10,
                      .progress = false};
}

const auto factory = [](std::size_t) { return CellScore{}; };

}  // namespace

TEST_CASE("random cells are valid, read back from their text and hash alike", "[user_genome][properties]") {
    std::size_t checked = 0;
    for (const auto& space : spaces()) {
        REQUIRE_NOTHROW(space.validate());
        Rng rng(2024);
        for (int i = 0; i < 400; ++i) {
            const auto g = random_genome_of<DagGenome>(space, rng);
            INFO(dag_to_text(g));
            REQUIRE(genome_problem_of(g, space).empty());
            const auto text = genome_text_of(g, space);
            CHECK(text.find('\n') == std::string::npos);
            const auto back = genome_from_text_of<DagGenome>(text, space);
            REQUIRE(back == g);
            CHECK(genome_text_of(back, space) == text);
            const auto copy = g;
            CHECK(genome_hash_of(copy, space) == genome_hash_of(g, space));
            CHECK(genome_hash_of(back, space) == genome_hash_of(g, space));
            CHECK(genome_hash_of(g, space) == dag_hash(g));  // the traits' hash, not the text's
            CHECK(g.outputs().back() == g.size());           // the last node is always an output
            ++checked;
        }
    }
    CHECK(checked >= 500);
}

TEST_CASE("different cells hash differently, and the hash is stable", "[user_genome][hash]") {
    const DagSpace space;
    // Golden values: a changed hash would make every run file's duplicate
    // index and every resumed run disagree with the runs written before.
    const std::map<std::string, std::uint64_t> golden{
        {"n1=conv3(0) n2=maxpool3(0,1) ; channels=32 lr=0.003", 0x1d8d98d97a33ffe2},
        {"n1=conv3(0) n2=conv3(1) n3=conv3(2) ; channels=16 lr=0.01", 0xc463b4ff9a339df9},
        {"n1=skip(0) n2=relu_conv1(0,1) n3=avgpool3(1) n4=conv5(2,3) ; channels=8 lr=0.001", 0xccee951ea8055f87},
    };
    for (const auto& [text, hash] : golden) {
        const auto g = dag_from_text(text, space);
        INFO(text << fmt::format(" hashes to 0x{:016x}", genome_hash_of(g, space)));
        CHECK(genome_hash_of(g, space) == hash);
        CHECK(dag_to_text(g) == text);
    }
    // Hand-written text with other spacing is the same cell.
    CHECK(dag_from_text("  n1 = conv3( 0 )  n2=maxpool3(0 , 1);channels=32   lr=3e-3", space) ==
          dag_from_text("n1=conv3(0) n2=maxpool3(0,1) ; channels=32 lr=0.003", space));
    // Every single change changes the hash.
    Rng rng(5);
    std::set<std::uint64_t> hashes;
    std::set<std::string> texts;
    for (int i = 0; i < 3000; ++i) {
        const auto g = random_dag(space, rng);
        if (texts.insert(dag_to_text(g)).second) CHECK(hashes.insert(dag_hash(g)).second);
    }
}

TEST_CASE("every mutation and the crossover keep cells valid", "[user_genome][operators]") {
    for (const auto& space : spaces()) {
        Rng rng(77);
        std::map<std::string, std::size_t> applied;
        const auto check_mutation = [&](auto mutation) {
            auto g = random_dag(space, rng);
            for (int i = 0; i < 2000; ++i) {
                const auto before = g;
                const bool changed = mutation(g, space, rng);
                INFO(std::string(mutation.name()) << ": " << dag_to_text(before) << " -> " << dag_to_text(g));
                REQUIRE(dag_problem(g, space).empty());
                if (!changed) REQUIRE(g == before);  // "not applicable" changes nothing
                if (changed) ++applied[std::string(mutation.name())];
                if (i % 50 == 0) g = random_dag(space, rng);  // start again from somewhere else now and then
            }
        };
        check_mutation(ChangeOp{});
        check_mutation(Rewire{});
        check_mutation(AddEdge{});
        check_mutation(RemoveEdge{});
        check_mutation(AddNode{});
        check_mutation(RemoveNode{});
        check_mutation(PerturbLr{});
        check_mutation(ChangeChannels{});
        if (space.max_nodes > space.min_nodes) {
            CHECK(applied["add_node"] > 0);
            CHECK(applied["remove_node"] > 0);
        }
        if (space.ops.size() > 1) CHECK(applied["change_op"] > 0);

        // The default mix (what a run uses) names what it applied.
        const auto mix = Traits::default_mutation(EvolutionOptions{});
        const auto names = mix.names();
        auto g = random_dag(space, rng);
        for (int i = 0; i < 3000; ++i) {
            const auto name = mix(g, space, rng);
            REQUIRE(dag_problem(g, space).empty());
            if (!name.empty()) CHECK(std::find(names.begin(), names.end(), name) != names.end());
        }

        // Crossover: valid children of every size the space allows.
        const auto crossover = Traits::default_crossover(EvolutionOptions{});
        CHECK(crossover.name() == "prefix_suffix");
        std::set<std::size_t> sizes;
        for (int i = 0; i < 3000; ++i) {
            const auto a = random_dag(space, rng), b = random_dag(space, rng);
            const auto child = crossover(a, b, space, rng);
            INFO(dag_to_text(a) << " x " << dag_to_text(b) << " -> " << dag_to_text(child));
            REQUIRE(dag_problem(child, space).empty());
            CHECK((child.channels == a.channels || child.channels == b.channels));
            CHECK((child.lr == a.lr || child.lr == b.lr));
            CHECK(child.nodes.front() == a.nodes.front());  // a's prefix is never empty
            sizes.insert(child.size());
        }
        CHECK(sizes.size() == space.max_nodes - space.min_nodes + 1);
    }
}

TEST_CASE("the crossover keeps a's prefix and b's suffix, repairing edges into the dropped part", "[user_genome][operators]") {
    DagSpace space;
    space.min_nodes = 1;
    const auto a = dag_from_text("n1=conv3(0) n2=conv3(1) n3=conv3(2) ; channels=16 lr=0.01", space);
    const auto b = dag_from_text("n1=skip(0) n2=maxpool3(1) n3=avgpool3(0,2) n4=conv5(1,3) ; channels=32 lr=0.1", space);
    std::set<std::string> children;  // their nodes
    Rng rng(3);
    for (int i = 0; i < 500; ++i) {
        const auto text = dag_to_text(PrefixSuffixCrossover{}(a, b, space, rng));
        children.insert(text.substr(0, text.find(';')));
    }
    // a's n1, then b's n3 and n4: an edge to b's dropped n2 goes to a's n1.
    CHECK(children.count("n1=conv3(0) n2=avgpool3(0,1) n3=conv5(1,2) ") == 1);
    // All of a, then b's n2..n4: b's n2 read b's dropped n1, now a's n1.
    CHECK(children.count("n1=conv3(0) n2=conv3(1) n3=conv3(2) n4=maxpool3(1) n5=avgpool3(0,4) n6=conv5(1,5) ") == 1);
    // a alone (b's suffix empty) and b's whole graph after a's n1.
    CHECK(children.count("n1=conv3(0) n2=conv3(1) n3=conv3(2) ") == 1);
    CHECK(children.count("n1=conv3(0) n2=skip(0) n3=maxpool3(2) n4=avgpool3(0,3) n5=conv5(2,4) ") == 1);
}

TEST_CASE("bad cell text is refused with a ParseError naming the column", "[user_genome][text]") {
    const DagSpace space;
    const std::vector<std::pair<std::string, std::string>> bad{
        {"", "expected a node"},
        {"   ", "expected a node"},
        {"n1=conv3(0)", "expected ';'"},
        {"n1=conv3(0) n2=skip(1)", "expected ';'"},
        {"n1=conv9(0) n2=skip(1) ; channels=16 lr=0.01", "unknown operation 'conv9'"},
        {"n2=conv3(0) n3=skip(1) ; channels=16 lr=0.01", "expected node n1"},
        {"n1=conv3(0) n3=skip(1) ; channels=16 lr=0.01", "expected node n2"},
        {"x1=conv3(0) n2=skip(1) ; channels=16 lr=0.01", "expected node n1"},
        {"n1=conv3(1) n2=skip(1) ; channels=16 lr=0.01", "not an earlier node"},
        {"n1=conv3(0) n2=skip(2) ; channels=16 lr=0.01", "not an earlier node"},
        {"n1=conv3(0) n2=skip(1,0) ; channels=16 lr=0.01", "ascending"},
        {"n1=conv3(0) n2=skip(1,1) ; channels=16 lr=0.01", "ascending"},
        {"n1=conv3() n2=skip(1) ; channels=16 lr=0.01", "expected a whole number"},
        {"n1=conv3(-1) n2=skip(1) ; channels=16 lr=0.01", "expected a whole number"},
        {"n1=conv3(0 n2=skip(1) ; channels=16 lr=0.01", "expected ')'"},
        {"n1=conv3 n2=skip(1) ; channels=16 lr=0.01", "expected '('"},
        {"n1=conv3(0) n2=conv3(0,1) n3=skip(0,1,2) ; channels=16 lr=0.01", "n3 has 3 inputs; the space allows 2"},
        {"n1=conv3(0) ; channels=16 lr=0.01", "the cell has 1 nodes; the space allows 2 to 6"},
        {"n1=skip(0) n2=skip(1) n3=skip(2) n4=skip(3) n5=skip(4) n6=skip(5) n7=skip(6) ; channels=16 lr=0.01",
         "the cell has 7 nodes"},
        {"n1=conv3(0) n2=skip(1) ; channels=33 lr=0.01", "channels=33 is not one of the space's choices"},
        {"n1=conv3(0) n2=skip(1) ; channels=16 lr=0", "outside the space's range"},
        {"n1=conv3(0) n2=skip(1) ; channels=16 lr=5", "outside the space's range"},
        {"n1=conv3(0) n2=skip(1) ; channels=16 lr=nan", "outside the space's range"},
        {"n1=conv3(0) n2=skip(1) ; channels=16 lr=abc", "expected a number"},
        {"n1=conv3(0) n2=skip(1) ; channels=16", "missing lr"},
        {"n1=conv3(0) n2=skip(1) ; lr=0.01", "missing channels"},
        {"n1=conv3(0) n2=skip(1) ; channels=16 channels=16 lr=0.01", "channels is given twice"},
        {"n1=conv3(0) n2=skip(1) ; channels=16 lr=0.01 lr=0.01", "lr is given twice"},
        {"n1=conv3(0) n2=skip(1) ; channels=16 lr=0.01 mom=0.9", "unknown global gene 'mom'"},
        {"n1=conv3(0) n2=skip(1) ; channels=16 lr=0.01x", "expected '='"},
        {"n1=conv3(0) n2=skip(1) extra ; channels=16 lr=0.01", "expected node n3"},
        {"n1=conv3(0) n2=skip(1) ; channels=16 ; lr=0.01", "expected a global gene"},
    };
    for (const auto& [text, problem] : bad) {
        INFO(text);
        CHECK_THROWS_AS(dag_from_text(text, space), ParseError);
        CHECK_THROWS_WITH(genome_from_text_of<DagGenome>(text, space, "seed"), Contains(problem));
    }
    // The column points at the mistake, the source is the caller's.
    try {
        dag_from_text("n1=conv9(0) n2=skip(1) ; channels=16 lr=0.01", space, "--seed-cell");
        FAIL("no error");
    } catch (const ParseError& e) {
        CHECK(e.source() == "--seed-cell");
        CHECK(e.column() == 4);
        CHECK_THAT(e.what(), Contains("--seed-cell:1:4: unknown operation 'conv9'"));
    }
    // An operation the space does not allow.
    DagSpace no_skip;
    no_skip.ops = {DagOp::conv3, DagOp::conv5};
    CHECK_THROWS_WITH(dag_from_text("n1=conv3(0) n2=skip(1) ; channels=16 lr=0.01", no_skip),
                      Contains("operation 'skip' is not allowed in the space"));
    // problem() agrees for a cell built in code.
    auto g = dag_from_text("n1=conv3(0) n2=skip(1) ; channels=16 lr=0.01", space);
    g.nodes[1].inputs = {2};
    CHECK_THAT(dag_problem(g, space), Contains("n2: input 2 is not an earlier node"));
    g.nodes[1].inputs = {};
    CHECK_THAT(dag_problem(g, space), Contains("n2: has no input"));
}

TEST_CASE("a bad DagSpace is refused with a ConfigError naming the field", "[user_genome][space]") {
    const auto with = [](auto change) {
        DagSpace s;
        change(s);
        return s;
    };
    const std::vector<std::pair<DagSpace, std::string>> bad{
        {with([](DagSpace& s) { s.min_nodes = 0; }), "DagSpace.min_nodes"},
        {with([](DagSpace& s) { s.max_nodes = 1; }), "DagSpace.max_nodes"},
        {with([](DagSpace& s) { s.max_nodes = 33; }), "DagSpace.max_nodes"},
        {with([](DagSpace& s) { s.ops.clear(); }), "DagSpace.ops"},
        {with([](DagSpace& s) { s.ops = {DagOp::conv3, DagOp::conv3}; }), "DagSpace.ops"},
        {with([](DagSpace& s) { s.ops = {static_cast<DagOp>(42)}; }), "DagSpace.ops"},
        {with([](DagSpace& s) { s.max_inputs = 0; }), "DagSpace.max_inputs"},
        {with([](DagSpace& s) { s.max_inputs = 5; }), "DagSpace.max_inputs"},
        {with([](DagSpace& s) { s.channels.clear(); }), "DagSpace.channels"},
        {with([](DagSpace& s) { s.channels = {0}; }), "DagSpace.channels"},
        {with([](DagSpace& s) { s.channels = {32, 16}; }), "DagSpace.channels"},
        {with([](DagSpace& s) { s.channels = {16, 16}; }), "DagSpace.channels"},
        {with([](DagSpace& s) { s.lr_min = 0.0; }), "DagSpace.lr_min"},
        {with([](DagSpace& s) { s.lr_min = std::nan(""); }), "DagSpace.lr_min"},
        {with([](DagSpace& s) { s.lr_max = 1e-4; }), "DagSpace.lr_max"},
        {with([](DagSpace& s) { s.lr_max = INFINITY; }), "DagSpace.lr_max"},
        {with([](DagSpace& s) { s.output = static_cast<CellOutput>(7); }), "DagSpace.output"},
    };
    for (const auto& [space, field] : bad) {
        INFO(field);
        try {
            space.validate();
            FAIL("no error");
        } catch (const ConfigError& e) {
            CHECK(e.field() == field);
        }
        Rng rng(1);
        CHECK_THROWS_AS(random_genome_of<DagGenome>(space, rng), ConfigError);  // drawing validates first
        // The traits' validate_space runs when a model is built: refused before any job.
        try {
            IslandModel<DagGenome> model(space, EvolutionOptions{});
            FAIL("the model took a bad space");
        } catch (const ConfigError& e) {
            CHECK(e.field() == field);
        }
    }
    for (const auto& space : spaces()) CHECK_NOTHROW(space.validate());
    // The space's JSON, which run.json records.
    const auto j = space_json_of<DagGenome>(DagSpace{});
    CHECK(j.at("type") == "dag_cell");
    CHECK(j.at("ops").size() == 6);
    CHECK(j.at("channels") == nlohmann::json({8, 16, 32}));
    CHECK(j.at("output") == "sum");
}

TEST_CASE("IslandModel<DagGenome> runs to its budget and beats random search", "[user_genome][engine]") {
    const DagSpace space;
    const CellScore trainer;
    const auto run = [&](std::uint64_t seed, bool random_search) {
        EvolutionOptions options{.islands = 2, .population = 16, .seed = seed, .stop = {.max_evaluations = 400}};
        if (random_search) options.random_fraction = 1.0;
        IslandModel<DagGenome> model(space, options);
        std::set<std::string> ops;
        while (!model.done()) {
            auto job = model.propose_next();
            REQUIRE(job);
            REQUIRE(dag_problem(job->genome, space).empty());
            CHECK(job->hash == dag_hash(job->genome));
            ops.insert(job->op.substr(0, job->op.find('+')));
            model.complete(job->id, trainer.evaluate(job->genome, JobContext{.job_id = job->id, .seed = job->seed}));
        }
        const auto result = model.result();
        CHECK(result.counts.finished == 400);
        CHECK(result.stop_reason == "max_evaluations");
        if (!random_search) {
            CHECK(ops.count("crossover:prefix_suffix") == 1);  // 400 evaluations: crossover is on
            CHECK(ops.count("mutation:add_node") == 1);
            CHECK(ops.count("mutation:change_op") == 1);
        }
        REQUIRE(result.best);
        return result.best->score;
    };
    double evolved = 0.0, random = 0.0;
    for (std::uint64_t seed : {1, 2, 3}) {
        const auto e = run(seed, false), r = run(seed, true);
        INFO("seed " << seed << ": evolution " << e << ", random search " << r);
        CHECK(e > r);
        evolved += e / 3;
        random += r / 3;
    }
    INFO("mean best: evolution " << evolved << ", random search " << random);
    CHECK(evolved > random + 1.0);  // measured: 8.46 against 6.05
}

TEST_CASE("a run's operators can replace or extend the traits' defaults", "[user_genome][engine]") {
    const DagSpace space;
    EvolutionOptions options{.population = 8, .seed = 4, .stop = {.max_evaluations = 120}};
    // As docs/guide.md shows it: the standard mix plus a mutation of one's own.
    auto ops = EvolutionOperators<DagGenome>::defaults(options);
    auto mix = DagMutationMix::standard();
    mix.add("widen", 1.0, [](DagGenome& g, const DagSpace& s, Rng&) {
        if (g.channels == s.channels.back()) return false;  // not applicable
        g.channels = s.channels.back();
        return true;
    });
    ops.mutate = EvolutionOperators<DagGenome>::make_mutation(std::move(mix));
    IslandModel<DagGenome> model(space, options, {}, ops);
    std::set<std::string> names;
    while (!model.done()) {
        auto job = model.propose_next();
        REQUIRE(job);
        REQUIRE(dag_problem(job->genome, space).empty());
        names.insert(job->op);
        model.complete(job->id, CellScore{}.evaluate(job->genome, JobContext{.seed = job->seed}));
    }
    CHECK(names.count("mutation:widen") == 1);
    CHECK(names.count("mutation:rewire") == 1);
    CHECK_THROWS_AS(DagMutationMix{}.add("zero", 0.0, ChangeOp{}), ConfigError);
}

TEST_CASE("seeds of a DagGenome run are checked with the traits' problem()", "[user_genome][engine]") {
    const DagSpace space;
    auto seed = dag_from_text("n1=conv3(0) n2=conv3(1) ; channels=16 lr=0.01", space);
    IslandModel<DagGenome> model(space, EvolutionOptions{.population = 4, .stop = {.max_evaluations = 5}}, {seed, seed});
    const auto first = model.propose(0);
    REQUIRE(first);
    CHECK(first->origin == Origin::seed);
    CHECK(first->genome == seed);
    CHECK(model.propose(0)->origin == Origin::random);  // identical seeds are trained once
    seed.channels = 12;
    CHECK_THROWS_WITH(IslandModel<DagGenome>(space, EvolutionOptions{.stop = {.max_evaluations = 5}}, {seed}),
                      Contains("seeds[0]: channels=12 is not one of the space's choices"));
}

// ---- the thread driver and the run files ----------------------------------------

TEST_CASE("evolve<DagGenome> writes run files whose genomes read back", "[user_genome][threads][files]") {
    const DagSpace space;
    test::TempDir dir("dag-files");
    const auto seed = dag_from_text("n1=conv5(0) n2=conv3(1) ; channels=32 lr=0.01", space);
    const auto result = evolve<DagGenome>(space, factory, run_options(dir.path(), 60), {seed});
    REQUIRE(result.best);
    CHECK(result.counts.finished == 60);

    std::size_t jobs = 0, dispatched = 0;
    std::ifstream lineage(dir / "lineage.jsonl");
    std::string line;
    while (std::getline(lineage, line)) {
        const auto j = nlohmann::json::parse(line);
        if (j.at("type") != "job" && j.at("type") != "dispatched") continue;
        (j.at("type") == "job" ? jobs : dispatched) += 1;
        const auto text = j.at("genome").get<std::string>();
        INFO(text);
        const auto g = dag_from_text(text, space);
        CHECK(dag_to_text(g) == text);
        CHECK(j.at("hash") == fmt::format("{:016x}", dag_hash(g)));
        if (j.at("id") == 0) {
            CHECK(g == seed);
            CHECK(j.at("op") == "seed");
        }
    }
    CHECK(jobs == 60);
    CHECK(dispatched == 60);

    // The library's own reader gives the same records.
    const auto contents = read_lineage<DagGenome>(dir / "lineage.jsonl", space);
    REQUIRE(contents.records.size() == 60);
    for (const auto& r : contents.records) CHECK(dag_problem(r.job.genome, space).empty());

    std::ifstream best(dir / "best.txt");
    std::string score_line, job_line, genome_line;
    std::getline(best, score_line);
    std::getline(best, job_line);
    std::getline(best, genome_line);
    CHECK(genome_line == dag_to_text(result.best->genome));

    const auto run = nlohmann::json::parse(std::ifstream(dir / "run.json"));
    CHECK(run.at("space") == dag_space_to_json(space));
    CHECK(run.at("seeds").at(0) == dag_to_text(seed));
}

TEST_CASE("a DagGenome run stopped early and resumed ends as one done in one go", "[user_genome][threads][resume]") {
    const DagSpace space;
    test::TempDir straight("dag-straight");
    const auto expected = evolve<DagGenome>(space, factory, run_options(straight.path(), 90));
    REQUIRE(expected.best);

    SECTION("crashed twice, then resumed") {
        test::TempDir crashed("dag-crashed");
        for (std::uint64_t crash_at : {23, 57}) {
            auto options = run_options(crashed.path(), 90);
            options.resume = crash_at != 23;
            CHECK_THROWS_WITH(evolve<DagGenome>(space, factory, options, {}, {}, {std::make_shared<CrashAfter>(crash_at)}),
                              "simulated crash");
        }
        auto options = run_options(crashed.path(), 90);
        options.resume = true;
        const auto resumed = evolve<DagGenome>(space, factory, options);
        CHECK(test::job_lines(crashed / "lineage.jsonl") == test::job_lines(straight / "lineage.jsonl"));
        CHECK(resumed.counts.finished == expected.counts.finished);
        CHECK(resumed.counts.duplicates == expected.counts.duplicates);
        REQUIRE(resumed.best);
        CHECK(resumed.best->id == expected.best->id);
        CHECK(resumed.best->genome == expected.best->genome);
        CHECK(resumed.best->score == expected.best->score);
    }
    SECTION("a smaller budget first, then resumed with the full one") {
        test::TempDir extended("dag-extended");
        const auto first = evolve<DagGenome>(space, factory, run_options(extended.path(), 35));
        CHECK(first.counts.finished == 35);
        auto more = run_options(extended.path(), 90);
        more.resume = true;
        const auto resumed = evolve<DagGenome>(space, factory, more);
        CHECK(test::job_lines(extended / "lineage.jsonl") == test::job_lines(straight / "lineage.jsonl"));
        REQUIRE(resumed.best);
        CHECK(resumed.best->id == expected.best->id);
        CHECK(resumed.best->genome == expected.best->genome);
    }
    SECTION("a resume with another space is refused") {
        test::TempDir other("dag-other-space");
        evolve<DagGenome>(space, factory, run_options(other.path(), 10));
        DagSpace bigger = space;
        bigger.max_nodes = 8;
        auto options = run_options(other.path(), 20);
        options.resume = true;
        CHECK_THROWS_AS(evolve<DagGenome>(bigger, factory, options), ConfigError);
    }
}

// ---- a genome type without default operators ---------------------------------------

namespace {

/// The smallest genome type there is: one integer in [0, max].
struct Counter {
    int value = 0;
    friend bool operator==(const Counter&, const Counter&) = default;
};
struct CounterSpace {
    int max = 50;
};

}  // namespace

template <>
struct evonas::genome_traits<Counter> {
    using space_type = CounterSpace;
    static std::string problem(const Counter& c, const CounterSpace& s) {
        return c.value >= 0 && c.value <= s.max ? "" : "out of range";
    }
    static Counter random(const CounterSpace& s, Rng& rng) { return {static_cast<int>(rng.index(static_cast<std::size_t>(s.max) + 1))}; }
    static std::string to_text(const Counter& c, const CounterSpace&) { return std::to_string(c.value); }
    static Counter from_text(std::string_view text, const CounterSpace&) { return {std::stoi(std::string(text))}; }
    static nlohmann::json space_to_json(const CounterSpace& s) { return {{"max", s.max}}; }
};

static_assert(GenomeType<Counter>);

TEST_CASE("a genome type without default operators must be given a mutation", "[user_genome][engine][errors]") {
    const CounterSpace space;
    const EvolutionOptions options{.population = 4, .seed = 2, .stop = {.max_evaluations = 40}};
    try {
        IslandModel<Counter> model(space, options);
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK(e.field() == "operators.mutate");
        CHECK_THAT(e.what(), Contains("no default_mutation"));
    }
    EvolutionOperators<Counter> ops;
    ops.mutate = EvolutionOperators<Counter>::make_mutation([](Counter& c, const CounterSpace& s, Rng& rng) {
        const int next = c.value + (rng.chance(0.5) ? 1 : -1);
        if (next < 0 || next > s.max) return false;  // not applicable: the mix's contract
        c.value = next;
        return true;
    });
    // Crossover is on from 300 evaluations: without one, that is an error too.
    auto with_crossover = options;
    with_crossover.crossover_probability = 0.5;
    CHECK_THROWS_WITH(IslandModel<Counter>(space, with_crossover, {}, ops), Contains("operators.crossover"));

    IslandModel<Counter> model(space, options, {}, ops);
    while (!model.done()) {
        auto job = model.propose_next();
        REQUIRE(job);
        if (job->origin == Origin::bred) CHECK_THAT(job->op, Contains("mutation:"));
        model.complete(job->id, Fitness::of(-std::abs(job->genome.value - 37)));
    }
    CHECK(model.result().counts.finished == 40);
    // Without a hash of its own, a genome hashes by its text; a from_text
    // that throws std::invalid_argument becomes a ParseError naming the source.
    CHECK(genome_hash_of(Counter{7}, space) == genome_hash_of(Counter{7}, space));
    CHECK(genome_hash_of(Counter{7}, space) != genome_hash_of(Counter{8}, space));
    CHECK_THROWS_AS(genome_from_text_of<Counter>("seven", space, "a file"), ParseError);
    CHECK_THROWS_WITH(genome_from_text_of<Counter>("seven", space, "a file"), Contains("a file:1:1"));
}
