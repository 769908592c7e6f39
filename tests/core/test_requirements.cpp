// A section's requirement (SectionSpace::require_any, e.g. cnn_space's
// "at least one convolution in the features"): spaces validate it, the text
// parser names it, random genomes, every built-in mutation and crossover
// keep it, and JSON carries it only when set.
#include <evonas/evonas.hpp>

#include <catch2/catch.hpp>

#include <map>

#include "support/spaces.hpp"

using namespace evonas;
using Catch::Matchers::Contains;

namespace {

// The small test space with its features requiring a conv layer, and a
// dropout-heavy weighting so random draws often miss it.
SearchSpace requiring_space() {
    const auto base = test::small_space();
    auto sections = base.sections();
    sections[0].layers = {{"conv", 0.3}, {"pool", 1.0}, {"dropout", 1.0}};
    sections[0].require_any = {"conv"};
    return SearchSpace("requiring", base.layer_types(), sections, base.globals());
}

std::size_t convs(const Genome<>& g, const SearchSpace& space) {
    std::size_t n = 0;
    for (const auto& gene : g.section(0)) n += space.layer_type(gene.type).name == "conv" ? 1 : 0;
    return n;
}

}  // namespace

TEST_CASE("a section's requirement is validated when the space is built", "[space][requirements]") {
    const auto base = test::small_space();
    auto sections = base.sections();
    sections[0].require_any = {"dense"};
    CHECK_THROWS_WITH(SearchSpace("s", base.layer_types(), sections, base.globals()),
                      "sections[0].require_any[0]: section 'features' requires layer type 'dense', which it does not "
                      "allow");
    sections[0].require_any = {"conv", "conv"};
    CHECK_THROWS_WITH(SearchSpace("s", base.layer_types(), sections, base.globals()),
                      Contains("requires layer type 'conv' twice"));
    sections[0].layers = {{"conv", 0.0}, {"pool", 1.0}};
    sections[0].require_any = {"conv"};
    CHECK_THROWS_WITH(SearchSpace("s", base.layer_types(), sections, base.globals()),
                      Contains("requires layer type 'conv', whose weight is 0"));
}

TEST_CASE("the parser and genome_problem name a missing required layer", "[requirements][text]") {
    const auto space = requiring_space();
    CHECK_THROWS_WITH(parse_genome("pool dropout | dense", space),
                      Contains("genome text:1:1: section 'features' needs at least one conv layer (the space requires it)"));
    const auto cnn = cnn_space(2);
    CHECK_THROWS_WITH(parse_genome("pool | dense", cnn),
                      Contains("needs at least one conv, dilconv or sepconv layer"));
    auto g = parse_genome("conv pool | dense", space);
    g.section(0).genes().erase(g.section(0).genes().begin());
    CHECK(genome_problem(g, space) == "section 'features' needs at least one layer of type conv");
}

TEST_CASE("random genomes, mutations and crossovers keep a section's requirement", "[requirements][property]") {
    for (const auto& space : {requiring_space(), cnn_space(1), cnn_space(2, {.min_feature_layers = 0}), cnn_space(3)}) {
        Rng rng(77);
        std::map<std::string, std::size_t> applied;
        const auto check = [&](const Genome<>& g, std::string_view what) {
            const auto problem = genome_problem(g, space);
            INFO(space.name() << " " << what << ": " << to_text(g, space));
            if (!problem.empty()) FAIL(problem);
        };
        const auto mutate = [&](auto mutation, Genome<> g) {
            if (mutation(g, space, rng)) ++applied[std::string(mutation.name())];
            check(g, mutation.name());
        };
        for (int round = 0; round < 4000; ++round) {
            const auto a = random_genome(space, rng);
            const auto b = random_genome(space, rng);
            check(a, "random_genome");
            mutate(RemoveLayer{}, a);
            mutate(ChangeLayerType{}, a);
            mutate(InsertLayer{}, a);
            mutate(DuplicateLayer{}, a);
            mutate(SwapLayers{}, a);
            mutate(PerturbParameter{}, a);
            mutate(ResampleParameter{}, a);
            mutate(MutateGlobal{}, a);
            mutate(MutateGlobalsEach{}, a);
            check(OnePointCrossover{}(a, b, space, rng), "one_point");
            check(AlignedOnePointCrossover{}(a, b, space, rng), "aligned_one_point");
            check(UniformLayerCrossover{}(a, b, space, rng), "uniform_layer");
            check(SectionExchangeCrossover{}(a, b, space, rng), "section_exchange");
        }
        // The constrained mutations still did their work often.
        CHECK(applied["remove_layer"] > 1000);
        CHECK(applied["change_layer_type"] > 2000);
    }
}

TEST_CASE("the only required layer is never removed nor turned into another type", "[requirements][mutation]") {
    const auto space = requiring_space();
    Rng rng(5);
    auto g = parse_genome("pool conv(k=3) dropout pool | dense", space);
    for (int k = 0; k < 500; ++k) {
        auto r = g;
        if (RemoveLayer{}(r, space, rng)) CHECK(convs(r, space) == 1);
        auto c = g;
        if (ChangeLayerType{}(c, space, rng)) CHECK(convs(c, space) >= 1);  // a pool may become a second conv
    }
    // With two convolutions either may go.
    auto two = parse_genome("conv(k=3) conv(k=5) |", space);
    std::size_t left_one = 0;
    for (int k = 0; k < 200; ++k) {
        auto r = two;
        REQUIRE(RemoveLayer{}(r, space, rng));
        left_one += convs(r, space) == 1 ? 1 : 0;
    }
    CHECK(left_one == 200);
    // A lone conv in a one-layer section (and an empty classifier): nothing to remove.
    auto lone = parse_genome("conv |", space);
    CHECK_FALSE(RemoveLayer{}(lone, space, rng));
}

TEST_CASE("random genomes: a missing requirement is met by one layer drawn among the required types",
          "[requirements][genome]") {
    const auto space = requiring_space();
    Rng rng(9);
    std::map<std::size_t, std::size_t> conv_counts;
    for (int k = 0; k < 20000; ++k) {
        const auto g = random_genome(space, rng);
        REQUIRE(is_valid(g, space));
        ++conv_counts[convs(g, space)];
    }
    // Most draws miss the rare conv and get exactly one; some have more.
    CHECK(conv_counts[1] > 10000);
    CHECK(conv_counts.rbegin()->first >= 3);
}

TEST_CASE("space JSON carries require_any only when a section has one", "[requirements][json]") {
    const auto space = requiring_space();
    const auto j = space_to_json(space);
    CHECK(j.at("sections").at(0).at("require_any") == nlohmann::json::array({"conv"}));
    CHECK_FALSE(j.at("sections").at(1).contains("require_any"));
    const auto back = space_from_json(j);
    CHECK(back.section(0).require_any == std::vector<std::string>{"conv"});
    CHECK(space_to_json(back) == j);
    CHECK_FALSE(space_to_json(cnn_space(1, {.require_convolution = false})).dump().find("require_any") !=
                std::string::npos);
    auto bad = j;
    bad["sections"][0]["require_any"] = "conv";
    CHECK_THROWS_WITH(space_from_json(bad), Contains("sections[0].require_any"));
}
