// Tests of genome_hash: equal genomes hash equal, distinct ones differ,
// golden values catch any change of the hash, and the hash reads names, not
// layer type ids, so an equivalent space in another order gives the same.
#include <evonas/genome/hash.hpp>

#include <evonas/genome/layer_gene.hpp>
#include <evonas/genome/random_genome.hpp>
#include <evonas/genome/validate.hpp>
#include <evonas/space/cnn_space.hpp>

#include "support/genomes.hpp"
#include "support/spaces.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

using evonas::GeneSection;
using evonas::Genome;
using evonas::genome_hash;
using evonas::LayerGene;
using evonas::ParamSpec;
using evonas::Rng;
using evonas::SearchSpace;

using evonas::test::layer;

namespace {

/// Fixed genomes of small_space and cnn_space(2) for the golden values.
std::vector<Genome<LayerGene>> small_fixed(const SearchSpace& s) {
    return {
        // conv, pool | dense; default globals
        Genome<LayerGene>({{layer(s, "conv"), layer(s, "pool")}, {layer(s, "dense")}},
                          evonas::default_globals(s)),
        // conv(k=5,f=64,act=tanh,bn=0), dropout(p=0.3) | flatten, dropout(p=0.25)
        Genome<LayerGene>({{layer(s, "conv", {5, 64, 1, 0}), layer(s, "dropout", {0.3})},
                           {layer(s, "flatten"), layer(s, "dropout", {0.25})}},
                          {0.001, 0.5, 128, 1, 1}),
        // pool(type=avg,k=3) | (empty)
        Genome<LayerGene>({{layer(s, "pool", {1, 3})}, {}}, {0.3, 0.0, 16, 0, 0}),
    };
}

std::vector<Genome<LayerGene>> cnn_fixed(const SearchSpace& s) {
    return {
        // conv, pool, dropout | dense(u=256,act=elu); default globals
        Genome<LayerGene>({{layer(s, "conv"), layer(s, "pool"), layer(s, "dropout")},
                           {layer(s, "dense", {256, 2})}},
                          evonas::default_globals(s)),
        // sepconv(k=5,s=2,f=64,act=leaky_relu,bn=0), dilconv, lrn | (empty)
        Genome<LayerGene>({{layer(s, "sepconv", {5, 2, 64, 1, 0}), layer(s, "dilconv"), layer(s, "lrn", {7})}, {}},
                          {0.1, 0.0, 0.000001, 256, 1, 50}),
    };
}

/// small_space with its layer types (and each section's list) in another
/// order: the same space in every way that matters.
SearchSpace reordered_small_space() {
    using evonas::LayerType;
    using evonas::SectionSpace;
    return SearchSpace(
        "small",
        {
            LayerType{"flatten", {}},
            LayerType{"dense", {ParamSpec::integer("u", 16, 512, 64, 16),
                                ParamSpec::choice("act", {"relu", "tanh"}, "relu")}},
            LayerType{"dropout", {ParamSpec::real("p", 0.0, 0.8, 0.5)}},
            LayerType{"pool", {ParamSpec::choice("type", {"max", "avg"}, "max"),
                               ParamSpec::integer("k", 2, 4, 2)}},
            LayerType{"conv",
                      {ParamSpec::integer("k", 1, 7, 3), ParamSpec::integer("f", 8, 128, 32, 8),
                       ParamSpec::choice("act", {"relu", "tanh", "elu"}, "relu"),
                       ParamSpec::boolean("bn", true)}},
        },
        {
            SectionSpace{"features", {{"dropout", 0.5}, {"pool", 1.0}, {"conv", 3.0}}, 1, 6},
            SectionSpace{"classifier", {{"flatten", 0.1}, {"dropout", 1.0}, {"dense", 2.0}}, 0, 3},
        },
        {
            ParamSpec::log_real("lr", 0.0001, 0.3, 0.01),
            ParamSpec::real("mom", 0.0, 0.99, 0.9),
            ParamSpec::integer("bs", 16, 256, 64, 16),
            ParamSpec::choice("opt", {"sgd", "adam"}, "sgd"),
            ParamSpec::boolean("nesterov", false),
        });
}

/// `genome` of space `from` rewritten with the layer type ids of `to`.
Genome<LayerGene> translate(Genome<LayerGene> genome, const SearchSpace& from, const SearchSpace& to) {
    for (auto& section : genome.sections()) {
        for (auto& gene : section) gene.type = *to.find_layer_type(from.layer_type(gene.type).name);
    }
    return genome;
}

/// Draws `count` genomes and checks distinct ones never share a hash.
void check_no_collisions(const SearchSpace& space, int count) {
    Rng rng(31337);
    std::unordered_map<std::uint64_t, Genome<LayerGene>> by_hash;
    int distinct = 0;
    for (int i = 0; i < count; ++i) {
        const auto genome = evonas::random_genome(space, rng);
        const auto [it, inserted] = by_hash.emplace(genome_hash(genome, space), genome);
        if (inserted) {
            ++distinct;
        } else {
            REQUIRE(it->second == genome);  // same hash only for the same genome
        }
    }
    CHECK(distinct > count * 9 / 10);
}

}  // namespace

TEST_CASE("equal genomes hash equal", "[hash]") {
    const auto space = evonas::test::small_space();
    Rng rng(4);
    for (int i = 0; i < 1000; ++i) {
        const auto genome = evonas::random_genome(space, rng);
        const auto copy = genome;
        REQUIRE(genome_hash(genome, space) == genome_hash(copy, space));
    }
}

TEST_CASE("distinct genomes hash differently", "[hash]") {
    check_no_collisions(evonas::test::small_space(), 10000);
    check_no_collisions(evonas::cnn_space(2), 10000);

    // small changes change the hash
    const auto space = evonas::test::small_space();
    const auto base = small_fixed(space)[0];
    const auto h = genome_hash(base, space);
    auto g = base;
    g.section(0)[0].values[0] = 5;
    CHECK(genome_hash(g, space) != h);
    g = base;
    g.globals()[4] = 1;
    CHECK(genome_hash(g, space) != h);
    g = base;
    std::swap(g.section(0)[0], g.section(0)[1]);
    CHECK(genome_hash(g, space) != h);
    g = base;  // the same layers, another section boundary
    g.section(1).genes().insert(g.section(1).genes().begin(), layer(space, "dropout"));
    auto h1 = genome_hash(g, space);
    g = base;
    g.section(0).genes().push_back(layer(space, "dropout"));
    CHECK(genome_hash(g, space) != h1);
}

TEST_CASE("genome hash golden values", "[hash]") {
    // Recorded once; a change here changes every stored hash (checkpoints,
    // lineage logs, duplicate detection across runs). Do not update lightly.
    const auto small = evonas::test::small_space();
    const auto s = small_fixed(small);
    for (const auto& g : s) REQUIRE(evonas::is_valid(g, small));
    CHECK(genome_hash(s[0], small) == 0x93D6B13EE468CB47ULL);
    CHECK(genome_hash(s[1], small) == 0xCBEA7FB238D48734ULL);
    CHECK(genome_hash(s[2], small) == 0x111FD091DD3A24C0ULL);

    const auto cnn = evonas::cnn_space(2);
    const auto c = cnn_fixed(cnn);
    for (const auto& g : c) REQUIRE(evonas::is_valid(g, cnn));
    CHECK(genome_hash(c[0], cnn) == 0x3CFD030F45CB0282ULL);
    CHECK(genome_hash(c[1], cnn) == 0x0BDDF05B1E3E1D11ULL);
}

TEST_CASE("the hash reads names, not layer type ids", "[hash]") {
    const auto space = evonas::test::small_space();
    const auto other = reordered_small_space();
    REQUIRE(other.find_layer_type("conv") != space.find_layer_type("conv"));
    Rng rng(8);
    for (int i = 0; i < 2000; ++i) {
        const auto genome = evonas::random_genome(space, rng);
        const auto moved = translate(genome, space, other);
        REQUIRE(evonas::is_valid(moved, other));
        REQUIRE(genome_hash(moved, other) == genome_hash(genome, space));
    }
    for (const auto& g : small_fixed(space)) {
        CHECK(genome_hash(translate(g, space, other), other) == genome_hash(g, space));
    }
}

TEST_CASE("text goes into the hash as little-endian words of eight, at every length", "[hash]") {
    // The hasher loads words whole where it can; the reference builds each
    // word byte by byte, as the golden values were made.
    const std::string bytes = "conv\xff\x80sepconv(leaky_relu)\x01z";
    for (std::size_t n = 0; n <= bytes.size(); ++n) {
        const std::string_view text(bytes.data(), n);
        evonas::detail::StableHasher fast, reference;
        fast.add(text);
        reference.add(static_cast<std::uint64_t>(n));
        for (std::size_t i = 0; i < n; i += 8) {
            std::uint64_t word = 0;
            for (std::size_t k = 0; k < 8 && i + k < n; ++k) {
                word |= static_cast<std::uint64_t>(static_cast<unsigned char>(text[i + k])) << (8 * k);
            }
            reference.add(word);
        }
        INFO("length " << n);
        CHECK(fast.digest() == reference.digest());
    }
}
