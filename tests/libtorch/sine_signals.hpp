// Test support: a small 1-D classification task that a small network learns.
#pragma once

#include <evonas/libtorch/builder.hpp>
#include <evonas/libtorch/dataset.hpp>

#include <torch/torch.h>

#include <cstdint>

namespace evonas::test {

/// 3 classes of 1-D signals (2 channels, 32 samples): sines of 1, 3 or 6
/// cycles with a random phase, plus noise.
inline libtorch::Dataset sine_signals(std::int64_t n, std::uint64_t seed) {
    auto gen = libtorch::make_cpu_generator(seed);
    const auto y = torch::randint(0, 3, {n}, gen, torch::kInt64);
    const auto phase = torch::rand({n, 1, 1}, gen) * 6.283;
    const auto cycles = torch::tensor({1.0f, 3.0f, 6.0f}).index_select(0, y).reshape({n, 1, 1});
    const auto t = torch::arange(32, torch::kFloat32).reshape({1, 1, 32}) / 32.0 * 6.283;
    auto x = torch::sin(cycles * t + phase).repeat({1, 2, 1}) + torch::randn({n, 2, 32}, gen) * 0.3;
    return libtorch::make_dataset(x, y, 3);
}

}  // namespace evonas::test
