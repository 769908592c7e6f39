// Test support for the LibTorch tests: a CNN space whose networks build in
// milliseconds, for loops over many random genomes.
#pragma once

#include <cstdint>

#include <evonas/space/cnn_space.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas::test {

/// cnn_space(dims) with filter and unit counts capped (f <= 16, u <= 64) so
/// thousands of networks build in seconds; every other parameter keeps its
/// full range, and the name stays "cnnXd".
inline SearchSpace narrow_cnn_space(int dims) {
    const auto full = cnn_space(dims);
    auto types = full.layer_types();
    const std::int64_t f_lo = dims == 3 ? 4 : 8;
    for (auto& type : types) {
        for (auto& p : type.params) {
            if (p.name == "f") p = ParamSpec::integer("f", f_lo, 16, f_lo, f_lo);
            if (p.name == "u") p = ParamSpec::integer("u", 16, 64, 16, 16);
        }
    }
    return SearchSpace(full.name(), types, full.sections(), full.globals());
}

}  // namespace evonas::test
