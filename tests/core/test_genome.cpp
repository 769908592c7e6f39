// Tests of genomes: random genomes are valid and cover the layer counts,
// equality, default layers and globals, and genome_problem's messages for
// each kind of invalid genome.
#include <evonas/genome/genome.hpp>
#include <evonas/genome/layer_gene.hpp>
#include <evonas/genome/random_genome.hpp>
#include <evonas/genome/validate.hpp>
#include <evonas/space/cnn_space.hpp>

#include "support/spaces.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

using evonas::ConfigError;
using evonas::GeneSection;
using evonas::Genome;
using evonas::LayerGene;
using evonas::Rng;
using evonas::SearchSpace;

namespace {

/// A valid genome of small_space: features conv, pool; classifier dense;
/// every global at its default.
Genome<LayerGene> hand_genome(const SearchSpace& space) {
    return Genome<LayerGene>(
        {GeneSection<LayerGene>{evonas::default_layer(space, 0), evonas::default_layer(space, 1)},
         GeneSection<LayerGene>{evonas::default_layer(space, 3)}},
        evonas::default_globals(space));
}

/// Draws a genome for each of `count` seeds, checks each is valid, and
/// checks the layer counts of every section cover [min_layers, max_layers].
void check_random_genomes(const SearchSpace& space, int count) {
    std::vector<std::set<std::size_t>> counts(space.sections().size());
    std::vector<std::set<evonas::LayerTypeId>> types(space.sections().size());
    for (int seed = 0; seed < count; ++seed) {
        Rng rng(static_cast<std::uint64_t>(seed));
        const auto genome = evonas::random_genome(space, rng);
        const auto problem = evonas::genome_problem(genome, space);
        INFO(space.name() << " seed " << seed << ": " << problem);
        REQUIRE(problem.empty());
        for (std::size_t s = 0; s < genome.section_count(); ++s) {
            counts[s].insert(genome.section(s).size());
            for (const auto& gene : genome.section(s)) types[s].insert(gene.type);
        }
    }
    for (std::size_t s = 0; s < space.sections().size(); ++s) {
        INFO(space.name() << " section " << s);
        const auto& spec = space.section(s);
        // A section that requires a layer type has at least one layer.
        const auto min_layers = std::max<std::size_t>(spec.min_layers, spec.require_any.empty() ? 0 : 1);
        CHECK(counts[s].size() == spec.max_layers - min_layers + 1);
        CHECK(*counts[s].begin() == min_layers);
        CHECK(*counts[s].rbegin() == spec.max_layers);
        const auto& ids = space.allowed_ids(s);
        CHECK(types[s] == std::set<evonas::LayerTypeId>(ids.begin(), ids.end()));
    }
}

}  // namespace

TEST_CASE("random genomes are valid and cover the layer counts", "[genome]") {
    check_random_genomes(evonas::test::small_space(), 10000);
    for (int dims : {1, 2, 3}) check_random_genomes(evonas::cnn_space(dims), 10000);
    evonas::CnnSpaceOptions options;
    options.min_feature_layers = 0;
    options.max_feature_layers = 2;
    options.max_classifier_layers = 1;
    check_random_genomes(evonas::cnn_space(2, options), 2000);
}

TEST_CASE("random genomes depend only on the seed", "[genome]") {
    const auto space = evonas::test::small_space();
    Rng a(77), b(77);
    for (int i = 0; i < 100; ++i) CHECK(evonas::random_genome(space, a) == evonas::random_genome(space, b));
    Rng c(78);
    a.reseed(77);
    int different = 0;
    for (int i = 0; i < 100; ++i) different += evonas::random_genome(space, a) == evonas::random_genome(space, c) ? 0 : 1;
    CHECK(different > 90);
}

TEST_CASE("genome equality compares every gene and global", "[genome]") {
    const auto space = evonas::test::small_space();
    const auto a = hand_genome(space);
    auto b = a;
    CHECK(a == b);
    CHECK(b.gene_count() == 3);
    CHECK(b.section_count() == 2);

    b.section(0)[0].values[0] = 5;
    CHECK_FALSE(a == b);
    b = a;
    b.section(0)[1].type = 2;
    CHECK_FALSE(a == b);
    b = a;
    b.globals()[2] = 128;
    CHECK_FALSE(a == b);
    b = a;
    b.section(1).genes().clear();
    CHECK_FALSE(a == b);
    b = a;
    std::swap(b.section(0)[0], b.section(0)[1]);
    CHECK_FALSE(a == b);
    b = a;
    b.sections().emplace_back();
    CHECK_FALSE(a == b);
    CHECK(Genome<LayerGene>() == Genome<LayerGene>());
}

TEST_CASE("default layers and globals", "[genome]") {
    const auto space = evonas::test::small_space();
    const auto conv = evonas::default_layer(space, 0);
    CHECK(conv.type == 0);
    CHECK(conv.size == 4);
    CHECK(conv.params().size() == 4);
    CHECK(std::vector<double>(conv.params().begin(), conv.params().end()) == std::vector<double>{3, 32, 0, 1});
    for (std::size_t p = 4; p < evonas::max_layer_params; ++p) CHECK(conv.values[p] == 0.0);

    const auto flatten = evonas::default_layer(space, 4);
    CHECK(flatten.size == 0);
    CHECK(flatten.params().empty());

    CHECK(evonas::default_layer(space, 2).values[0] == 0.5);
    CHECK(evonas::default_globals(space) == std::vector<double>{0.01, 0.9, 64, 0, 0});
    CHECK_THROWS_AS(evonas::default_layer(space, 9), std::out_of_range);

    for (evonas::LayerTypeId id = 0; id < space.layer_types().size(); ++id) {
        const auto gene = evonas::default_layer(space, id);
        const auto& type = space.layer_type(id);
        for (std::size_t p = 0; p < type.params.size(); ++p) CHECK(type.params[p].contains(gene.values[p]));
    }
    CHECK(evonas::is_valid(hand_genome(space), space));
}

TEST_CASE("genome_problem names what is wrong", "[genome]") {
    const auto space = evonas::test::small_space();
    const auto good = hand_genome(space);
    REQUIRE(evonas::genome_problem(good, space).empty());
    auto g = good;

    SECTION("wrong section count") {
        g.sections().pop_back();
        CHECK(evonas::genome_problem(g, space) == "the genome has 1 sections, the space 'small' has 2");
    }
    SECTION("too many or too few layers") {
        for (int i = 0; i < 5; ++i) g.section(0).genes().push_back(evonas::default_layer(space, 0));
        CHECK(evonas::genome_problem(g, space) == "section 'features' has 7 layers; it allows 1 to 6");
        g.section(0).genes().clear();
        CHECK(evonas::genome_problem(g, space) == "section 'features' has 0 layers; it allows 1 to 6");
    }
    SECTION("layer type not allowed in the section") {
        g.section(0)[1] = evonas::default_layer(space, 3);
        CHECK(evonas::genome_problem(g, space) ==
              "section 'features' layer 1: layer type 'dense' is not allowed in this section");
        g = good;
        g.section(1)[0] = evonas::default_layer(space, 0);
        CHECK(evonas::genome_problem(g, space) ==
              "section 'classifier' layer 0: layer type 'conv' is not allowed in this section");
    }
    SECTION("unknown layer type id") {
        g.section(1)[0].type = 40;
        CHECK(evonas::genome_problem(g, space) == "section 'classifier' layer 0: unknown layer type id 40");
    }
    SECTION("wrong number of values") {
        g.section(0)[0].size = 3;
        CHECK(evonas::genome_problem(g, space) == "section 'features' layer 0 ('conv'): 3 values for 4 parameters");
    }
    SECTION("value outside its parameter") {
        g.section(0)[0].values[0] = 9;
        CHECK(evonas::genome_problem(g, space) ==
              "section 'features' layer 0 ('conv'): k=9 is outside the space: integer 1..7");
        g = good;
        g.section(0)[0].values[1] = 33;
        CHECK(evonas::genome_problem(g, space) ==
              "section 'features' layer 0 ('conv'): f=33 is outside the space: integer 8..128 in steps of 8");
        g = good;
        g.section(0)[0].values[2] = 3;
        CHECK(evonas::genome_problem(g, space) ==
              "section 'features' layer 0 ('conv'): act=3 is outside the space: one of relu, tanh, elu");
    }
    SECTION("unused value slot not zero") {
        g.section(0)[1].values[5] = 1;
        CHECK(evonas::genome_problem(g, space) ==
              "section 'features' layer 1 ('pool'): unused value slot 5 is not 0");
    }
    SECTION("wrong globals count") {
        g.globals().pop_back();
        CHECK(evonas::genome_problem(g, space) == "the genome has 4 global genes, the space 'small' has 5");
    }
    SECTION("global outside its gene") {
        g.globals()[2] = 20;
        CHECK(evonas::genome_problem(g, space) ==
              "global gene bs=20 is outside the space: integer 16..256 in steps of 16");
        g.globals()[2] = 64;
        g.globals()[0] = 0.5;
        CHECK(evonas::genome_problem(g, space) ==
              "global gene lr=0.5 is outside the space: log-scaled real 0.0001..0.3");
    }
    SECTION("validate_genome throws ConfigError naming the field") {
        g.globals().pop_back();
        CHECK_FALSE(evonas::is_valid(g, space));
        try {
            evonas::validate_genome(g, space, "population[3]");
            FAIL("no throw");
        } catch (const ConfigError& e) {
            CHECK(e.field() == "population[3]");
            CHECK(std::string(e.what()) ==
                  "population[3]: the genome has 4 global genes, the space 'small' has 5");
        }
        CHECK_THROWS_AS(evonas::validate_genome(g, space), ConfigError);
        CHECK_NOTHROW(evonas::validate_genome(good, space));
    }
}
