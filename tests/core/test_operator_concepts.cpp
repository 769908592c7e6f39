#include <evonas/genome/random_genome.hpp>
#include <evonas/genome/validate.hpp>
#include <evonas/operators/operators.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "support/spaces.hpp"

using evonas::Genome;
using evonas::LayerGene;
using evonas::Rng;
using evonas::SearchSpace;

namespace {

struct Ranked {
    double score = 0.0;
    std::uint64_t id = 0;
};
struct NoId {
    double score = 0.0;
};
struct NoScore {
    std::uint64_t id = 0;
};

using G = Genome<LayerGene>;

// user operators, as lambdas
auto bump_first_global = [](G& g, const SearchSpace& space, Rng&) {
    auto& v = g.globals()[2];  // small_space: "bs", integer 16..256 step 16
    v = v < space.globals()[2].hi ? v + 16 : space.globals()[2].lo;
};
auto maybe_remove = [](G& g, const SearchSpace& space, Rng& rng) -> bool {
    return evonas::RemoveLayer{}(g, space, rng);
};
auto clone_first = [](const G& a, const G&, const SearchSpace&, Rng&) { return a; };
auto best_of_two = [](std::span<const Ranked> p, Rng& rng) -> std::size_t {
    const auto x = rng.index(p.size());
    const auto y = rng.index(p.size());
    return p[x].score >= p[y].score ? x : y;
};
auto discard_all = [](std::span<const Ranked>, const Ranked&, Rng&) -> std::optional<std::size_t> {
    return std::nullopt;
};

// wrong shapes
struct WrongArguments {
    void operator()(G&, Rng&) const {}
};
struct MutationByValue {  // invocable, but changes nothing
    void operator()(G, const SearchSpace&, Rng&) const {}
};
struct CrossoverReturningInt {
    int operator()(const G&, const G&, const SearchSpace&, Rng&) const { return 0; }
};
struct SelectionWithoutRng {
    std::size_t operator()(std::span<const Ranked>) const { return 0; }
};

}  // namespace

// Every built-in satisfies its concept.
static_assert(evonas::Mutation<evonas::PerturbParameter, G>);
static_assert(evonas::Mutation<evonas::ResampleParameter, G>);
static_assert(evonas::Mutation<evonas::ChangeLayerType, G>);
static_assert(evonas::Mutation<evonas::InsertLayer, G>);
static_assert(evonas::Mutation<evonas::RemoveLayer, G>);
static_assert(evonas::Mutation<evonas::DuplicateLayer, G>);
static_assert(evonas::Mutation<evonas::SwapLayers, G>);
static_assert(evonas::Mutation<evonas::MutateGlobal, G>);
static_assert(evonas::Mutation<evonas::MutationMix, G>);
static_assert(evonas::Mutation<evonas::MutationMix>);  // G defaults to Genome<LayerGene>
static_assert(evonas::Crossover<evonas::OnePointCrossover, G>);
static_assert(evonas::Crossover<evonas::UniformLayerCrossover, G>);
static_assert(evonas::Crossover<evonas::SectionExchangeCrossover, G>);
static_assert(evonas::Scored<Ranked>);
static_assert(evonas::Selection<evonas::TournamentSelection, Ranked>);
static_assert(evonas::Selection<evonas::AgingTournamentSelection, Ranked>);
static_assert(evonas::Selection<evonas::RankSelection, Ranked>);
static_assert(evonas::Replacement<evonas::ReplaceWorst, Ranked>);
static_assert(evonas::Replacement<evonas::ReplaceOldest, Ranked>);

// User lambdas are operators too.
static_assert(evonas::Mutation<decltype(bump_first_global)>);
static_assert(evonas::Mutation<decltype(maybe_remove)>);
static_assert(evonas::Crossover<decltype(clone_first)>);
static_assert(evonas::Selection<decltype(best_of_two), Ranked>);
static_assert(evonas::Replacement<decltype(discard_all), Ranked>);

// Non-conforming types are rejected.
static_assert(!evonas::Mutation<int>);
static_assert(!evonas::Crossover<int>);
static_assert(!evonas::Selection<int, Ranked>);
static_assert(!evonas::Replacement<int, Ranked>);
static_assert(!evonas::Scored<int>);
static_assert(!evonas::Scored<NoId>);
static_assert(!evonas::Scored<NoScore>);
static_assert(!evonas::Mutation<WrongArguments>);
static_assert(!evonas::Crossover<CrossoverReturningInt>);
static_assert(!evonas::Selection<SelectionWithoutRng, Ranked>);
static_assert(!evonas::Selection<evonas::TournamentSelection, NoId>);
static_assert(!evonas::Mutation<evonas::OnePointCrossover>);  // a crossover is not a mutation
static_assert(!evonas::Crossover<evonas::InsertLayer>);       // nor a mutation a crossover
static_assert(!evonas::Selection<evonas::ReplaceWorst, Ranked>);
static_assert(!evonas::Replacement<evonas::TournamentSelection, Ranked>);
// (taking the genome by value is a valid call, so the concept cannot reject it)
static_assert(evonas::Mutation<MutationByValue>);

TEST_CASE("user lambdas work as mutations, in a MutationMix too", "[concepts]") {
    const auto space = evonas::test::small_space();
    Rng rng(1);
    const auto original = evonas::random_genome(space, rng);

    auto g = original;
    auto bump = bump_first_global;
    CHECK(evonas::apply_mutation(bump, g, space, rng));  // void counts as changed
    CHECK(g.globals()[2] != original.globals()[2]);
    CHECK(evonas::is_valid(g, space));
    CHECK(evonas::operator_name(bump) == "custom");
    CHECK(evonas::operator_name(bump, "bump") == "bump");
    CHECK(evonas::InsertLayer{}.name() == "insert_layer");
    CHECK(evonas::MutationMix{}.name() == "mutation_mix");

    int calls = 0;
    evonas::MutationMix mix;
    mix.add("bump_batch_size", 1.0, bump_first_global)
        .add("counting", 1.0,
             [&calls, n = 0](G&, const SearchSpace&, Rng&) mutable {
                 ++n;
                 calls = n;
                 return false;  // never applies
             })
        .add("maybe_remove", 1.0, maybe_remove)
        .add("standard", 0.5, evonas::MutationMix::standard());  // a mix in a mix
    for (int i = 0; i < 300; ++i) {
        g = original;
        REQUIRE(mix(g, space, rng));
        REQUIRE(evonas::is_valid(g, space));
        REQUIRE(mix.last_applied() != "counting");
        REQUIRE(!(g == original));
    }
    CHECK(calls > 50);  // tried, refused, the mix moved on
    CHECK(mix.size() == 4);
}

// Built-ins return std::string_view from name(): operator_name must take it.
TEST_CASE("operator_name uses a built-in's name()", "[concepts]") {
    CHECK(evonas::operator_name(evonas::InsertLayer{}) == "insert_layer");
    CHECK(evonas::operator_name(evonas::OnePointCrossover{}) == "one_point");
    CHECK(evonas::operator_name(evonas::TournamentSelection{}) == "tournament");
    CHECK(evonas::operator_name(evonas::MutationMix{}) == "mutation_mix");
}

TEST_CASE("user lambdas work as crossovers, selections and replacements", "[concepts]") {
    const auto space = evonas::test::small_space();
    Rng rng(2);
    const auto a = evonas::random_genome(space, rng);
    const auto b = evonas::random_genome(space, rng);
    CHECK(clone_first(a, b, space, rng) == a);

    const std::vector<Ranked> population = {{0.1, 1}, {0.9, 2}};
    const auto pick = best_of_two(population, rng);
    CHECK(pick < population.size());
    CHECK_FALSE(discard_all(population, Ranked{1.0, 3}, rng).has_value());

    // operators are generic over the population member type
    struct Other {
        float score;
        std::uint32_t id;
    };
    const std::vector<Other> others = {{1.0F, 5}, {3.0F, 2}, {2.0F, 1}};
    CHECK(evonas::TournamentSelection{50}(others, rng) == 1);
    CHECK(evonas::ReplaceOldest{}(others, Other{0.0F, 9}, rng) == std::optional<std::size_t>(2));
    CHECK(evonas::ReplaceWorst{}(others, Other{1.5F, 9}, rng) == std::optional<std::size_t>(0));
}
