#include <evonas/genome/hash.hpp>
#include <evonas/genome/random_genome.hpp>
#include <evonas/genome/validate.hpp>
#include <evonas/operators/crossover.hpp>
#include <evonas/operators/mutation_mix.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "support/genomes.hpp"
#include "support/spaces.hpp"

using evonas::Genome;
using evonas::LayerGene;
using evonas::Rng;
using evonas::SearchSpace;

using evonas::test::dump;

namespace {

/// Three sections with tight, overlapping length limits, to stress the cuts.
SearchSpace tight_space() {
    using namespace evonas;
    return SearchSpace(
        "tight",
        {LayerType{"a", {ParamSpec::integer("n", 0, 100, 0)}},
         LayerType{"b", {ParamSpec::choice("c", {"x", "y", "z"}, "x")}}},
        {SectionSpace{"one", {{"a", 1.0}, {"b", 1.0}}, 3, 5},
         SectionSpace{"two", {{"a", 1.0}}, 0, 1},
         SectionSpace{"three", {{"b", 1.0}}, 2, 9}},
        {ParamSpec::integer("g", 0, 1000, 0)});
}

bool globals_from_parents(const Genome<LayerGene>& child, const Genome<LayerGene>& a,
                          const Genome<LayerGene>& b) {
    for (std::size_t k = 0; k < child.globals().size(); ++k) {
        if (child.globals()[k] != a.globals()[k] && child.globals()[k] != b.globals()[k]) return false;
    }
    return child.globals().size() == a.globals().size();
}

/// True when section s of child is a[:i] + b[j:] for some i, j.
bool is_one_point(const std::vector<LayerGene>& child, const std::vector<LayerGene>& a,
                  const std::vector<LayerGene>& b) {
    for (std::size_t i = 0; i <= a.size() && i <= child.size(); ++i) {
        const std::size_t tail = child.size() - i;
        if (tail > b.size()) continue;
        const std::size_t j = b.size() - tail;
        std::vector<LayerGene> joined(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(i));
        joined.insert(joined.end(), b.begin() + static_cast<std::ptrdiff_t>(j), b.end());
        if (joined == child) return true;
    }
    return false;
}

/// True when, for some split in [1, sections - 1], the child's sections
/// before it are a's and the rest b's.
bool has_split(const Genome<LayerGene>& child, const Genome<LayerGene>& a,
               const Genome<LayerGene>& b) {
    const std::size_t n = child.section_count();
    for (std::size_t split = 1; split < n; ++split) {
        bool ok = true;
        for (std::size_t s = 0; s < n; ++s) {
            ok = ok && child.section(s) == (s < split ? a.section(s) : b.section(s));
        }
        if (ok) return true;
    }
    return false;
}

Genome<LayerGene> parent(const SearchSpace& space, Rng& rng) { return evonas::random_genome(space, rng); }

}  // namespace

TEST_CASE("crossovers make valid children from random parents", "[crossover]") {
    for (const auto& space : {evonas::test::small_space(), tight_space()}) {
        Rng rng(31);
        const std::size_t sections = space.sections().size();
        std::vector<std::set<std::size_t>> one_point_lengths(sections);
        for (int round = 0; round < 10000; ++round) {
            const auto a = parent(space, rng);
            const auto b = parent(space, rng);
            INFO(space.name() << " round " << round << "\na = " << dump(a, space) << "\nb = "
                              << dump(b, space));
            auto check_valid = [&](const Genome<LayerGene>& child, std::string_view name) {
                const auto problem = evonas::genome_problem(child, space);
                INFO(name << " -> " << dump(child, space));
                if (!problem.empty()) FAIL(problem);
            };

            const auto one = evonas::OnePointCrossover{}(a, b, space, rng);
            check_valid(one, "one_point");
            for (std::size_t s = 0; s < sections; ++s) {
                REQUIRE(is_one_point(one.section(s).genes(), a.section(s).genes(), b.section(s).genes()));
                one_point_lengths[s].insert(one.section(s).size());
            }
            REQUIRE(globals_from_parents(one, a, b));

            const auto uni = evonas::UniformLayerCrossover{}(a, b, space, rng);
            check_valid(uni, "uniform_layer");
            for (std::size_t s = 0; s < sections; ++s) {
                const auto& c = uni.section(s);
                const auto& sa = a.section(s);
                const auto& sb = b.section(s);
                REQUIRE((c.size() == sa.size() || c.size() == sb.size()));
                for (std::size_t k = 0; k < c.size(); ++k) {
                    const bool from_a = k < sa.size() && c[k] == sa[k];
                    const bool from_b = k < sb.size() && c[k] == sb[k];
                    REQUIRE((from_a || from_b));
                }
            }
            REQUIRE(globals_from_parents(uni, a, b));

            const auto exchange = evonas::SectionExchangeCrossover{}(a, b, space, rng);
            check_valid(exchange, "section_exchange");
            REQUIRE(exchange.globals() == a.globals());
            REQUIRE(has_split(exchange, a, b));
        }
        // every allowed length shows up in one-point children
        for (std::size_t s = 0; s < sections; ++s) {
            INFO(space.name() << " section " << s);
            CHECK(one_point_lengths[s].size() ==
                  space.section(s).max_layers - space.section(s).min_layers + 1);
        }
    }
}

TEST_CASE("section exchange splits between sections", "[crossover]") {
    const auto space = tight_space();
    Rng rng(8);
    // parents whose sections all differ, so the split is visible
    auto a = evonas::random_genome(space, rng);
    auto b = a;
    auto layer = [&](evonas::LayerTypeId type, double value) {
        auto gene = evonas::default_layer(space, type);
        gene.values[0] = value;
        return gene;
    };
    a.section(0).genes().assign(3, layer(0, 1));
    b.section(0).genes().assign(3, layer(0, 2));
    a.section(1).genes().assign(1, layer(0, 5));
    b.section(1).genes().clear();
    a.section(2).genes().assign(2, layer(1, 0));
    b.section(2).genes().assign(2, layer(1, 1));
    REQUIRE(evonas::is_valid(a, space));
    REQUIRE(evonas::is_valid(b, space));
    int split_at[3] = {0, 0, 0};
    for (int i = 0; i < 4000; ++i) {
        const auto child = evonas::SectionExchangeCrossover{}(a, b, space, rng);
        std::size_t split = 0;
        while (split < 3 && child.section(split) == a.section(split)) ++split;
        for (std::size_t s = split; s < 3; ++s) REQUIRE(child.section(s) == b.section(s));
        REQUIRE(split >= 1);
        REQUIRE(split <= 2);
        ++split_at[split];
    }
    CHECK(split_at[1] / 4000.0 == Approx(0.5).margin(0.04));

    SECTION("one section: b's architecture with a's globals") {
        using namespace evonas;
        const SearchSpace one("one", {LayerType{"x", {ParamSpec::integer("n", 0, 9, 0)}}},
                              {SectionSpace{"only", {{"x", 1.0}}, 1, 4}},
                              {ParamSpec::integer("g", 0, 9, 0)});
        const auto p = random_genome(one, rng);
        const auto q = random_genome(one, rng);
        const auto child = SectionExchangeCrossover{}(p, q, one, rng);
        CHECK(child.section(0) == q.section(0));
        CHECK(child.globals() == p.globals());
    }
}

TEST_CASE("crossover of parents that do not fit the space throws ConfigError", "[crossover]") {
    const auto space = evonas::test::small_space();
    Rng rng(4);
    const auto a = evonas::random_genome(space, rng);
    auto wrong = a;
    wrong.sections().pop_back();
    auto too_long = a;
    too_long.section(0).genes().assign(7, too_long.section(0)[0]);
    for (const auto* bad : {&wrong, &too_long}) {
        CHECK_THROWS_AS(evonas::OnePointCrossover{}(a, *bad, space, rng), evonas::ConfigError);
        CHECK_THROWS_AS(evonas::UniformLayerCrossover{}(*bad, a, space, rng), evonas::ConfigError);
        CHECK_THROWS_AS(evonas::SectionExchangeCrossover{}(a, *bad, space, rng), evonas::ConfigError);
    }
}

namespace {

/// Evolution in miniature: crossovers and the standard mix from Rng(seed).
Genome<LayerGene> crossover_sequence(const SearchSpace& space, std::uint64_t seed) {
    Rng rng(seed);
    std::vector<Genome<LayerGene>> pool;
    for (int i = 0; i < 8; ++i) pool.push_back(evonas::random_genome(space, rng));
    auto mix = evonas::MutationMix::standard();
    for (int step = 0; step < 300; ++step) {
        const auto& a = pool[rng.index(pool.size())];
        const auto& b = pool[rng.index(pool.size())];
        Genome<LayerGene> child;
        switch (step % 3) {
            case 0: child = evonas::OnePointCrossover{}(a, b, space, rng); break;
            case 1: child = evonas::UniformLayerCrossover{}(a, b, space, rng); break;
            default: child = evonas::SectionExchangeCrossover{}(a, b, space, rng); break;
        }
        mix(child, space, rng);
        REQUIRE(evonas::is_valid(child, space));
        pool[rng.index(pool.size())] = std::move(child);
    }
    return pool[0];
}

}  // namespace

TEST_CASE("equal seeds give equal children", "[crossover]") {
    const auto space = evonas::test::small_space();
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
        REQUIRE(crossover_sequence(space, seed) == crossover_sequence(space, seed));
    }
    Rng r1(5);
    Rng r2(5);
    Rng parents(6);
    const auto a = evonas::random_genome(space, parents);
    const auto b = evonas::random_genome(space, parents);
    for (int i = 0; i < 100; ++i) {
        REQUIRE(evonas::OnePointCrossover{}(a, b, space, r1) == evonas::OnePointCrossover{}(a, b, space, r2));
        REQUIRE(evonas::UniformLayerCrossover{}(a, b, space, r1) ==
                evonas::UniformLayerCrossover{}(a, b, space, r2));
    }
}

TEST_CASE("golden determinism value: crossovers and mutations from Rng(42)", "[crossover]") {
    const auto space = evonas::test::small_space();
    const auto g = crossover_sequence(space, 42);
    INFO(dump(g, space));
    // Recorded once; the same on every platform and compiler.
    CHECK(evonas::genome_hash(g, space) == 0xbfdf845803d1c5dfULL);
}
