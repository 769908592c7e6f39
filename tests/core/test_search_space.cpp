// Tests of SearchSpace: every class of inconsistent space is rejected with a
// ConfigError naming the field, and the lookups of a good space are right.
#include <evonas/space/search_space.hpp>

#include "support/spaces.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using evonas::AllowedLayer;
using evonas::ConfigError;
using evonas::LayerType;
using evonas::LayerTypeId;
using evonas::ParamSpec;
using evonas::SearchSpace;
using evonas::SectionSpace;

namespace {

/// The parts of a small space, to break one at a time.
struct Parts {
    std::vector<LayerType> types{
        LayerType{"conv", {ParamSpec::integer("k", 1, 7, 3), ParamSpec::boolean("bn", true)}},
        LayerType{"pool", {ParamSpec::choice("type", {"max", "avg"}, "max")}},
        LayerType{"dense", {ParamSpec::integer("u", 16, 512, 64, 16)}},
        LayerType{"dropout", {ParamSpec::real("p", 0.0, 0.8, 0.5)}},
    };
    std::vector<SectionSpace> sections{
        SectionSpace{"features", {{"conv", 3.0}, {"pool", 1.0}, {"dropout", 1.0}}, 1, 6},
        SectionSpace{"classifier", {{"dense", 2.0}, {"dropout", 1.0}}, 0, 3},
    };
    std::vector<ParamSpec> globals{
        ParamSpec::log_real("lr", 0.0001, 0.3, 0.01),
        ParamSpec::integer("bs", 16, 256, 64, 16),
    };

    SearchSpace build() const { return SearchSpace("parts", types, sections, globals); }
};

/// Builds `parts` expecting a ConfigError; returns it (field, message).
std::pair<std::string, std::string> build_error(const Parts& parts) {
    try {
        (void)parts.build();
    } catch (const ConfigError& e) {
        return {e.field(), e.what()};
    }
    FAIL("the space was accepted");
    return {};
}

}  // namespace

TEST_CASE("a consistent space builds", "[space]") {
    CHECK_NOTHROW(Parts{}.build());
    CHECK_NOTHROW(evonas::test::small_space());
}

TEST_CASE("each class of bad space is a ConfigError naming the field", "[space]") {
    Parts parts;
    using Result = std::pair<std::string, std::string>;

    SECTION("no layer types") {
        parts.types.clear();
        CHECK(build_error(parts) == Result{"layer_types", "layer_types: the space has no layer types"});
    }
    SECTION("duplicate layer type") {
        parts.types.push_back(LayerType{"pool", {}});
        CHECK(build_error(parts) ==
              Result{"layer_types[4].name", "layer_types[4].name: layer type 'pool' is defined twice"});
    }
    SECTION("layer type without a name or with a bad one") {
        parts.types[1].name = "";
        CHECK(build_error(parts) ==
              Result{"layer_types[1].name", "layer_types[1].name: a layer type needs a name"});
        parts.types[1].name = "max pool";
        CHECK(build_error(parts) ==
              Result{"layer_types[1].name",
                     "layer_types[1].name: 'max pool' may not contain spaces or any of ( ) , = | ;"});
    }
    SECTION("too many parameters") {
        LayerType big{"big", {}};
        for (int i = 0; i < 13; ++i) big.params.push_back(ParamSpec::boolean("b" + std::to_string(i), false));
        parts.types.push_back(big);
        CHECK(build_error(parts) ==
              Result{"layer_types[4].params",
                     "layer_types[4].params: layer type 'big' has 13 parameters; at most 12 are allowed"});
        parts.types.back().params.pop_back();
        CHECK_NOTHROW(parts.build());  // 12 is fine
    }
    SECTION("bad or duplicate parameter of a layer type") {
        parts.types[0].params[1] = ParamSpec::integer("s", 3, 1, 1);
        CHECK(build_error(parts) ==
              Result{"layer_types[0].params[1]",
                     "layer_types[0].params[1]: parameter 's': lo (3) is greater than hi (1)"});
        parts.types[0].params[1] = ParamSpec::integer("k", 1, 3, 1);
        CHECK(build_error(parts) ==
              Result{"layer_types[0].params[1]",
                     "layer_types[0].params[1]: layer type 'conv' has two parameters called 'k'"});
    }
    SECTION("no sections") {
        parts.sections.clear();
        CHECK(build_error(parts) == Result{"sections", "sections: the space has no sections"});
    }
    SECTION("section without a name, or twice") {
        parts.sections[1].name = "";
        CHECK(build_error(parts) == Result{"sections[1].name", "sections[1].name: a section needs a name"});
        parts.sections[1].name = "features";
        CHECK(build_error(parts) ==
              Result{"sections[1].name", "sections[1].name: section 'features' is defined twice"});
    }
    SECTION("section with no layer types") {
        parts.sections[1].layers.clear();
        CHECK(build_error(parts) ==
              Result{"sections[1].layers", "sections[1].layers: section 'classifier' allows no layer types"});
    }
    SECTION("min_layers > max_layers") {
        parts.sections[0].min_layers = 7;
        CHECK(build_error(parts) ==
              Result{"sections[0].min_layers",
                     "sections[0].min_layers: section 'features': min_layers (7) is greater than max_layers (6)"});
    }
    SECTION("max_layers 0") {
        parts.sections[1].max_layers = 0;
        CHECK(build_error(parts) ==
              Result{"sections[1].max_layers",
                     "sections[1].max_layers: section 'classifier': max_layers must be at least 1"});
    }
    SECTION("unknown layer type in a section") {
        parts.sections[0].layers[1].type = "lstm";
        CHECK(build_error(parts) ==
              Result{"sections[0].layers[1].type",
                     "sections[0].layers[1].type: section 'features' names unknown layer type 'lstm'"});
    }
    SECTION("layer type listed twice in a section") {
        parts.sections[0].layers.push_back({"conv", 1.0});
        CHECK(build_error(parts) ==
              Result{"sections[0].layers[3].type",
                     "sections[0].layers[3].type: section 'features' lists layer type 'conv' twice"});
    }
    SECTION("negative or non-finite weight") {
        parts.sections[0].layers[0].weight = -1.0;
        CHECK(build_error(parts) ==
              Result{"sections[0].layers[0].weight",
                     "sections[0].layers[0].weight: weight must be a finite number >= 0, got -1"});
        parts.sections[0].layers[0].weight = INFINITY;
        CHECK(build_error(parts) ==
              Result{"sections[0].layers[0].weight",
                     "sections[0].layers[0].weight: weight must be a finite number >= 0, got inf"});
        parts.sections[0].layers[0].weight = NAN;
        CHECK(build_error(parts).first == "sections[0].layers[0].weight");
    }
    SECTION("all weights zero") {
        parts.sections[1].layers[0].weight = 0.0;
        parts.sections[1].layers[1].weight = 0.0;
        CHECK(build_error(parts) ==
              Result{"sections[1].layers",
                     "sections[1].layers: section 'classifier': at least one weight must be positive"});
        parts.sections[1].layers[1].weight = 0.5;
        CHECK_NOTHROW(parts.build());  // some zero weights are fine
    }
    SECTION("duplicate global gene") {
        parts.globals.push_back(ParamSpec::real("lr", 0.0, 1.0, 0.5));
        CHECK(build_error(parts) == Result{"globals[2]", "globals[2]: global gene 'lr' is defined twice"});
    }
    SECTION("bad global gene") {
        parts.globals[1] = ParamSpec::integer("bs", 16, 256, 20, 16);
        CHECK(build_error(parts) ==
              Result{"globals[1]",
                     "globals[1]: parameter 'bs': the default (20) is not in the space: integer 16..256 in steps of 16"});
    }
}

TEST_CASE("lookups of a space", "[space]") {
    const auto space = evonas::test::small_space();
    CHECK(space.name() == "small");
    REQUIRE(space.layer_types().size() == 5);
    REQUIRE(space.sections().size() == 2);
    REQUIRE(space.globals().size() == 5);

    CHECK(space.find_layer_type("conv") == LayerTypeId{0});
    CHECK(space.find_layer_type("dense") == LayerTypeId{3});
    CHECK(space.find_layer_type("flatten") == LayerTypeId{4});
    CHECK_FALSE(space.find_layer_type("lstm").has_value());
    CHECK_FALSE(space.find_layer_type("").has_value());
    CHECK(space.layer_type(1).name == "pool");
    CHECK_THROWS_AS(space.layer_type(5), std::out_of_range);

    CHECK(space.find_global("lr") == std::size_t{0});
    CHECK(space.find_global("nesterov") == std::size_t{4});
    CHECK_FALSE(space.find_global("wd").has_value());

    CHECK(space.layer_type(0).find_param("f") == std::size_t{1});
    CHECK_FALSE(space.layer_type(0).find_param("s").has_value());

    CHECK(space.allowed_ids(0) == std::vector<LayerTypeId>{0, 1, 2});
    CHECK(space.allowed_weights(0) == std::vector<double>{3.0, 1.0, 0.5});
    CHECK(space.allowed_ids(1) == std::vector<LayerTypeId>{3, 2, 4});
    CHECK(space.allowed_weights(1) == std::vector<double>{2.0, 1.0, 0.1});
    CHECK_THROWS_AS(space.allowed_ids(2), std::out_of_range);

    CHECK(space.allows(0, 0));
    CHECK(space.allows(0, 2));
    CHECK_FALSE(space.allows(0, 3));
    CHECK_FALSE(space.allows(0, 4));
    CHECK(space.allows(1, 2));
    CHECK(space.allows(1, 4));
    CHECK_FALSE(space.allows(1, 0));
    CHECK_FALSE(space.allows(2, 0));  // no such section

    CHECK(space.section(0).name == "features");
    CHECK(space.section(1).min_layers == 0);
    CHECK(space.section(1).max_layers == 3);
    CHECK(space.section(1).layers[0] == AllowedLayer{"dense", 2.0});
}

TEST_CASE("a space is a copyable value", "[space]") {
    const auto space = evonas::test::small_space();
    const SearchSpace copy = space;
    CHECK(copy.name() == space.name());
    CHECK(copy.allowed_ids(1) == space.allowed_ids(1));
    CHECK(copy.allowed_weights(0) == space.allowed_weights(0));
}
