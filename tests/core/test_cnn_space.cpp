// Tests of the ready CNN search spaces: they build for 1, 2 and 3 spatial
// dimensions, reject bad options, keep each section's layer types apart,
// and every random genome drawn from them is valid.
#include <evonas/space/cnn_space.hpp>

#include <evonas/genome/layer_gene.hpp>
#include <evonas/genome/random_genome.hpp>
#include <evonas/genome/validate.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using evonas::CnnSpaceOptions;
using evonas::ConfigError;
using evonas::ParamKind;
using evonas::SearchSpace;

namespace {

/// The ConfigError cnn_space(dims, options) throws, as (field, message).
std::pair<std::string, std::string> cnn_error(int dims, const CnnSpaceOptions& options = {}) {
    try {
        (void)evonas::cnn_space(dims, options);
    } catch (const ConfigError& e) {
        return {e.field(), e.what()};
    }
    FAIL("cnn_space accepted dims " << dims);
    return {};
}

/// The names of the layer types section `s` allows, in order.
std::vector<std::string> allowed_names(const SearchSpace& space, std::size_t s) {
    std::vector<std::string> names;
    for (auto id : space.allowed_ids(s)) names.push_back(space.layer_type(id).name);
    return names;
}

const evonas::ParamSpec& param(const SearchSpace& space, std::string_view type, std::string_view name) {
    const auto& layer = space.layer_type(*space.find_layer_type(type));
    return layer.params.at(*layer.find_param(name));
}

}  // namespace

TEST_CASE("cnn spaces build for 1, 2 and 3 dimensions", "[cnn]") {
    for (int dims : {1, 2, 3}) {
        const auto space = evonas::cnn_space(dims);
        CHECK(space.name() == "cnn" + std::to_string(dims) + "d");
        std::vector<std::string> types;
        for (const auto& t : space.layer_types()) types.push_back(t.name);
        CHECK(types == std::vector<std::string>{"conv", "dilconv", "sepconv", "pool", "lrn", "dropout", "dense"});
        REQUIRE(space.sections().size() == 2);
        CHECK(space.section(0).name == "features");
        CHECK(space.section(0).min_layers == 1);
        CHECK(space.section(0).max_layers == 10);
        CHECK(space.section(1).name == "classifier");
        CHECK(space.section(1).min_layers == 0);
        CHECK(space.section(1).max_layers == 3);
        CHECK(allowed_names(space, 0) ==
              std::vector<std::string>{"conv", "dilconv", "sepconv", "pool", "lrn", "dropout"});
        CHECK(allowed_names(space, 1) == std::vector<std::string>{"dense", "dropout"});

        std::vector<std::string> globals;
        for (const auto& g : space.globals()) globals.push_back(g.name);
        CHECK(globals == std::vector<std::string>{"lr", "mom", "wd", "bs", "opt", "epochs"});

        // every layer type and global re-validates on its own
        for (std::size_t i = 0; i < space.layer_types().size(); ++i) {
            CHECK_NOTHROW(space.layer_types()[i].validate("t"));
        }
    }
}

TEST_CASE("cnn parameters have the documented ranges and defaults", "[cnn]") {
    const auto s2 = evonas::cnn_space(2);
    const auto s3 = evonas::cnn_space(3);
    CHECK(param(s2, "conv", "k").describe() == "integer 1..7");
    CHECK(param(s3, "conv", "k").describe() == "integer 1..5");
    CHECK(param(s2, "conv", "s").describe() == "integer 1..3");
    CHECK(param(s2, "conv", "f").describe() == "integer 8..256 in steps of 8");
    CHECK(param(s3, "conv", "f").describe() == "integer 4..128 in steps of 4");
    CHECK(param(s2, "conv", "pad").describe() == "one of same, valid");
    CHECK(param(s2, "conv", "act").describe() == "one of relu, leaky_relu, elu, tanh, sigmoid, none");
    CHECK(param(s2, "conv", "bn").kind == ParamKind::boolean);
    CHECK(param(s2, "dilconv", "k").describe() == "integer 2..5");
    CHECK(param(s2, "dilconv", "d").describe() == "integer 1..4");
    CHECK_FALSE(s2.layer_type(*s2.find_layer_type("dilconv")).find_param("s").has_value());
    CHECK(param(s3, "sepconv", "k").describe() == "integer 1..5");
    CHECK_FALSE(s2.layer_type(*s2.find_layer_type("sepconv")).find_param("pad").has_value());
    CHECK(param(s2, "pool", "type").describe() == "one of max, avg");
    CHECK(param(s2, "pool", "k").describe() == "integer 2..4");
    CHECK(param(s2, "pool", "s").describe() == "integer 1..4");
    CHECK(param(s2, "lrn", "size").describe() == "integer 3..9 in steps of 2");
    CHECK(param(s2, "dropout", "p").describe() == "real 0..0.7");
    CHECK(param(s2, "dense", "u").describe() == "integer 16..1024 in steps of 16");

    const auto defaults = [](const SearchSpace& space, std::string_view type) {
        return evonas::default_layer(space, *space.find_layer_type(type));
    };
    auto formatted = [&](const SearchSpace& space, std::string_view type) {
        const auto gene = defaults(space, type);
        const auto& spec = space.layer_type(gene.type);
        std::string out;
        for (std::size_t p = 0; p < spec.params.size(); ++p) {
            out += (p ? "," : "") + spec.params[p].name + "=" + spec.params[p].format(gene.values[p]);
        }
        return out;
    };
    CHECK(formatted(s2, "conv") == "k=3,s=1,f=32,pad=same,act=relu,bn=1");
    CHECK(formatted(s3, "conv") == "k=3,s=1,f=16,pad=same,act=relu,bn=1");
    CHECK(formatted(s2, "dilconv") == "k=3,d=2,f=32,pad=same,act=relu,bn=1");
    CHECK(formatted(s2, "sepconv") == "k=3,s=1,f=32,act=relu,bn=1");
    CHECK(formatted(s2, "pool") == "type=max,k=2,s=2");
    CHECK(formatted(s2, "lrn") == "size=5");
    CHECK(formatted(s2, "dropout") == "p=0.25");
    CHECK(formatted(s2, "dense") == "u=128,act=relu");

    std::string globals;
    const auto g = evonas::default_globals(s2);
    for (std::size_t i = 0; i < g.size(); ++i) {
        globals += (i ? "," : "") + s2.globals()[i].name + "=" + s2.globals()[i].format(g[i]);
    }
    CHECK(globals == "lr=0.01,mom=0.9,wd=0.0001,bs=64,opt=sgd,epochs=5");
    CHECK(s2.globals()[0].kind == ParamKind::log_real);
    CHECK(s2.globals()[0].describe() == "log-scaled real 0.0001..0.3");
    CHECK(s2.globals()[1].describe() == "real 0..0.99");
    CHECK(s2.globals()[2].describe() == "log-scaled real 1e-06..0.01");
    CHECK(s2.globals()[3].describe() == "integer 16..256 in steps of 16");
    CHECK(s2.globals()[4].describe() == "one of sgd, adam");
    CHECK(s2.globals()[5].describe() == "integer 1..50");
}

TEST_CASE("cnn draw weights favour conv, then pool", "[cnn]") {
    const auto space = evonas::cnn_space(2);
    const auto& w = space.allowed_weights(0);
    const auto& ids = space.allowed_ids(0);
    std::map<std::string, double> weight;
    for (std::size_t i = 0; i < ids.size(); ++i) weight[space.layer_type(ids[i]).name] = w[i];
    for (const auto& [name, value] : weight) {
        if (name != "conv") CHECK(weight["conv"] > value);
        if (name != "conv" && name != "pool") CHECK(weight["pool"] > value);
    }
}

TEST_CASE("cnn options and dims are checked", "[cnn]") {
    using Result = std::pair<std::string, std::string>;
    CHECK(cnn_error(0) == Result{"dims", "dims: a CNN space has 1, 2 or 3 spatial dimensions, got 0"});
    CHECK(cnn_error(4) == Result{"dims", "dims: a CNN space has 1, 2 or 3 spatial dimensions, got 4"});
    CHECK(cnn_error(-2).first == "dims");

    CnnSpaceOptions options;
    options.min_feature_layers = 5;
    options.max_feature_layers = 4;
    CHECK(cnn_error(2, options) ==
          Result{"CnnSpaceOptions.min_feature_layers",
                 "CnnSpaceOptions.min_feature_layers: 5 is greater than max_feature_layers (4)"});
    options = {};
    options.max_feature_layers = 0;
    options.min_feature_layers = 0;
    CHECK(cnn_error(2, options) == Result{"CnnSpaceOptions.max_feature_layers",
                                          "CnnSpaceOptions.max_feature_layers: must be at least 1, got 0"});
    options = {};
    options.max_classifier_layers = 0;
    CHECK(cnn_error(1, options) == Result{"CnnSpaceOptions.max_classifier_layers",
                                          "CnnSpaceOptions.max_classifier_layers: must be at least 1, got 0"});

    options = {};
    options.min_feature_layers = 0;
    options.max_feature_layers = 1;
    options.max_classifier_layers = 1;
    const auto tiny = evonas::cnn_space(3, options);
    CHECK(tiny.section(0).min_layers == 0);
    CHECK(tiny.section(0).max_layers == 1);
    CHECK(tiny.section(1).max_layers == 1);
    options.min_feature_layers = 20;
    options.max_feature_layers = 20;
    CHECK(evonas::cnn_space(1, options).section(0).min_layers == 20);
}

TEST_CASE("each cnn section allows only its own layer types", "[cnn]") {
    for (int dims : {1, 2, 3}) {
        const auto space = evonas::cnn_space(dims);
        const auto id = [&](std::string_view name) { return *space.find_layer_type(name); };
        for (const char* feature : {"conv", "dilconv", "sepconv", "pool", "lrn"}) {
            CHECK(space.allows(0, id(feature)));
            CHECK_FALSE(space.allows(1, id(feature)));
        }
        CHECK_FALSE(space.allows(0, id("dense")));
        CHECK(space.allows(1, id("dense")));
        CHECK(space.allows(0, id("dropout")));
        CHECK(space.allows(1, id("dropout")));
    }
}

TEST_CASE("10,000 random genomes per cnn space are valid", "[cnn]") {
    for (int dims : {1, 2, 3}) {
        const auto space = evonas::cnn_space(dims);
        evonas::Rng rng(evonas::derive_seed(2024, static_cast<std::uint64_t>(dims)));
        std::map<std::string, int> seen;
        for (int i = 0; i < 10000; ++i) {
            const auto genome = evonas::random_genome(space, rng);
            const auto problem = evonas::genome_problem(genome, space);
            INFO("dims " << dims << " genome " << i);
            REQUIRE(problem.empty());
            for (const auto& section : genome.sections()) {
                for (const auto& gene : section) ++seen[space.layer_type(gene.type).name];
            }
        }
        CHECK(seen.size() == space.layer_types().size());
        CHECK(seen["conv"] > seen["pool"]);
        CHECK(seen["pool"] > seen["dilconv"]);
        CHECK(seen["dense"] > seen["lrn"]);
    }
}
