// Test support: small search spaces that use every kind of parameter.
#pragma once

#include <evonas/space/search_space.hpp>

namespace evonas::test {

/// Two sections ("features" 1..6 layers, "classifier" 0..3), layer types with
/// every parameter kind, a layer type shared by both sections ("dropout"),
/// and global genes of every kind.
inline SearchSpace small_space() {
    return SearchSpace(
        "small",
        {
            LayerType{"conv",
                      {ParamSpec::integer("k", 1, 7, 3), ParamSpec::integer("f", 8, 128, 32, 8),
                       ParamSpec::choice("act", {"relu", "tanh", "elu"}, "relu"),
                       ParamSpec::boolean("bn", true)}},
            LayerType{"pool", {ParamSpec::choice("type", {"max", "avg"}, "max"),
                               ParamSpec::integer("k", 2, 4, 2)}},
            LayerType{"dropout", {ParamSpec::real("p", 0.0, 0.8, 0.5)}},
            LayerType{"dense", {ParamSpec::integer("u", 16, 512, 64, 16),
                                ParamSpec::choice("act", {"relu", "tanh"}, "relu")}},
            LayerType{"flatten", {}},
        },
        {
            SectionSpace{"features", {{"conv", 3.0}, {"pool", 1.0}, {"dropout", 0.5}}, 1, 6},
            SectionSpace{"classifier", {{"dense", 2.0}, {"dropout", 1.0}, {"flatten", 0.1}}, 0, 3},
        },
        {
            ParamSpec::log_real("lr", 0.0001, 0.3, 0.01),
            ParamSpec::real("mom", 0.0, 0.99, 0.9),
            ParamSpec::integer("bs", 16, 256, 64, 16),
            ParamSpec::choice("opt", {"sgd", "adam"}, "sgd"),
            ParamSpec::boolean("nesterov", false),
        });
}

}  // namespace evonas::test
