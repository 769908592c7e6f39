// Tests of genome_distance and genome_diff: distance 0 exactly for equal
// genomes, symmetric, a metric; each kind of change gives the exact line.
#include <evonas/genome/diff.hpp>

#include <evonas/genome/random_genome.hpp>
#include <evonas/space/cnn_space.hpp>

#include "support/genomes.hpp"
#include "support/spaces.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

using evonas::GeneSection;
using evonas::Genome;
using evonas::genome_diff;
using evonas::genome_diff_text;
using evonas::genome_distance;
using evonas::LayerGene;
using evonas::Rng;
using evonas::SearchSpace;
using Lines = std::vector<std::string>;

using evonas::test::layer;

namespace {

/// small_space: features conv, pool; classifier dense; default globals.
Genome<LayerGene> base(const SearchSpace& s) {
    return Genome<LayerGene>({{layer(s, "conv"), layer(s, "pool")}, {layer(s, "dense")}},
                             evonas::default_globals(s));
}

}  // namespace

TEST_CASE("distance is 0 exactly for equal genomes", "[diff]") {
    const auto space = evonas::test::small_space();
    const auto a = base(space);
    CHECK(genome_distance(a, a, space) == 0.0);
    CHECK(genome_diff(a, a, space).empty());
    CHECK(genome_diff_text(a, a, space) == "identical");

    Rng rng(12);
    for (int i = 0; i < 2000; ++i) {
        const auto x = evonas::random_genome(space, rng);
        const auto y = evonas::random_genome(space, rng);
        REQUIRE(genome_distance(x, x, space) == 0.0);
        REQUIRE((genome_distance(x, y, space) == 0.0) == (x == y));
        REQUIRE(genome_diff(x, y, space).empty() == (x == y));
    }
}

TEST_CASE("distance is a symmetric metric", "[diff]") {
    for (const auto& space : {evonas::test::small_space(), evonas::cnn_space(2)}) {
        Rng rng(21);
        for (int i = 0; i < 2000; ++i) {
            const auto x = evonas::random_genome(space, rng);
            const auto y = evonas::random_genome(space, rng);
            const auto z = evonas::random_genome(space, rng);
            const double xy = genome_distance(x, y, space);
            REQUIRE(xy == genome_distance(y, x, space));
            REQUIRE(xy >= 0.0);
            REQUIRE(xy <= static_cast<double>(x.gene_count() + y.gene_count() + space.globals().size()));
            REQUIRE(genome_distance(x, z, space) <= xy + genome_distance(y, z, space) + 1e-9);
        }
    }
}

TEST_CASE("distance of single edits", "[diff]") {
    const auto space = evonas::test::small_space();
    const auto a = base(space);

    auto b = a;  // one inserted layer
    b.section(0).genes().insert(b.section(0).genes().begin() + 1, layer(space, "dropout"));
    CHECK(genome_distance(a, b, space) == 1.0);
    b = a;  // one removed layer
    b.section(1).genes().clear();
    CHECK(genome_distance(a, b, space) == 1.0);
    b = a;  // another layer type
    b.section(0)[1] = layer(space, "dropout");
    CHECK(genome_distance(a, b, space) == 1.0);
    b = a;  // one of conv's 4 parameters
    b.section(0)[0].values[0] = 5;
    CHECK(genome_distance(a, b, space) == 0.25);
    b.section(0)[0].values[1] = 64;
    CHECK(genome_distance(a, b, space) == 0.5);
    b = a;  // every parameter of pool: as far as another type
    b.section(0)[1] = layer(space, "pool", {1, 3});
    CHECK(genome_distance(a, b, space) == 1.0);
    b = a;  // two global genes
    b.globals()[0] = 0.02;
    b.globals()[2] = 128;
    CHECK(genome_distance(a, b, space) == 2.0);
    b = a;  // a section emptied and refilled differently: 1 + 1
    b.section(1)[0] = layer(space, "flatten");
    b.section(1).genes().push_back(layer(space, "dropout"));
    CHECK(genome_distance(a, b, space) == 2.0);
}

TEST_CASE("diff lines for each kind of change", "[diff]") {
    const auto space = evonas::test::small_space();
    const auto a = base(space);
    auto b = a;

    SECTION("changed parameters") {
        b.section(0)[0].values[0] = 5;
        b.section(0)[0].values[1] = 64;
        CHECK(genome_diff(a, b, space) == Lines{"features[0]: conv k 3->5, f 32->64"});
        b.section(0)[0].values[2] = 1;
        b.section(0)[0].values[3] = 0;
        CHECK(genome_diff(a, b, space) == Lines{"features[0]: conv k 3->5, f 32->64, act relu->tanh, bn 1->0"});
    }
    SECTION("added layer") {
        b.section(0).genes().push_back(layer(space, "dropout", {0.3}));
        CHECK(genome_diff(a, b, space) == Lines{"features: +dropout(p=0.3) at 2"});
        b.section(1).genes().insert(b.section(1).genes().begin(), layer(space, "flatten"));
        CHECK(genome_diff(a, b, space) == Lines{"features: +dropout(p=0.3) at 2", "classifier: +flatten() at 0"});
    }
    SECTION("removed layer") {
        b.section(1).genes().clear();
        CHECK(genome_diff(a, b, space) == Lines{"classifier: -dense(u=64,act=relu) at 0"});
        CHECK(genome_diff(b, a, space) == Lines{"classifier: +dense(u=64,act=relu) at 0"});
    }
    SECTION("changed layer type") {
        b.section(0)[1] = layer(space, "dropout");
        CHECK(genome_diff(a, b, space) == Lines{"features[1]: pool(type=max,k=2) -> dropout(p=0.5)"});
    }
    SECTION("changed global genes") {
        b.globals()[0] = 0.02;
        b.globals()[2] = 128;
        b.globals()[3] = 1;
        b.globals()[4] = 1;
        CHECK(genome_diff(a, b, space) == Lines{"globals: lr 0.01->0.02, bs 64->128, opt sgd->adam, nesterov 0->1"});
    }
    SECTION("indices: changed and removed in the first genome, added in the second") {
        // a: conv, pool, conv   b: pool, conv(k=5), dropout
        auto x = a;
        x.section(0).genes().push_back(layer(space, "conv"));
        auto y = a;
        y.section(0).genes() = {layer(space, "pool"), layer(space, "conv", {5}), layer(space, "dropout")};
        CHECK(genome_distance(x, y, space) == 2.25);
        CHECK(genome_diff(x, y, space) == Lines{"features: -conv(k=3,f=32,act=relu,bn=1) at 0",
                                                "features[2]: conv k 3->5", "features: +dropout(p=0.5) at 2"});
        CHECK(genome_diff(y, x, space) == Lines{"features: +conv(k=3,f=32,act=relu,bn=1) at 0",
                                                "features[1]: conv k 5->3", "features: -dropout(p=0.5) at 2"});
    }
    SECTION("ties keep layers in place and add at the end") {
        auto x = a;
        x.section(0).genes() = {layer(space, "conv")};
        auto y = x;
        y.section(0).genes().push_back(layer(space, "conv"));
        CHECK(genome_diff(x, y, space) == Lines{"features: +conv(k=3,f=32,act=relu,bn=1) at 1"});
        CHECK(genome_diff(y, x, space) == Lines{"features: -conv(k=3,f=32,act=relu,bn=1) at 1"});
    }
    SECTION("everything at once, joined") {
        b.section(0)[0].values[0] = 7;
        b.section(0).genes().push_back(layer(space, "pool", {1, 4}));
        b.section(1).genes().clear();
        b.globals()[1] = 0.5;
        CHECK(genome_diff_text(a, b, space) ==
              "features[0]: conv k 3->7; features: +pool(type=avg,k=4) at 2; "
              "classifier: -dense(u=64,act=relu) at 0; globals: mom 0.9->0.5");
    }
}

TEST_CASE("diff lines in a cnn space", "[diff]") {
    const auto s = evonas::cnn_space(2);
    const auto a = Genome<LayerGene>(
        {{layer(s, "conv"), layer(s, "pool"), layer(s, "conv"), layer(s, "dropout", {0.5})}, {layer(s, "dense")}},
        evonas::default_globals(s));
    auto b = a;
    b.section(0)[2].values[0] = 5;   // k
    b.section(0)[2].values[2] = 64;  // f
    b.section(0).genes().insert(b.section(0).genes().begin() + 3, layer(s, "pool"));
    b.section(1).genes().push_back(layer(s, "dropout", {0.5}));
    b.globals()[0] = 0.02;
    CHECK(genome_diff(a, b, s) == Lines{"features[2]: conv k 3->5, f 32->64",
                                        "features: +pool(type=max,k=2,s=2) at 3",
                                        "classifier: +dropout(p=0.5) at 1", "globals: lr 0.01->0.02"});
    CHECK(genome_diff(b, a, s) == Lines{"features[2]: conv k 5->3, f 64->32",
                                        "features: -pool(type=max,k=2,s=2) at 3",
                                        "classifier: -dropout(p=0.5) at 1", "globals: lr 0.02->0.01"});
    CHECK(genome_distance(a, b, s) == Approx(2.0 / 6 + 1 + 1 + 1));
}
