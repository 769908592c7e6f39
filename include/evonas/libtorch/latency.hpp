// evonas::libtorch: a trained network's inference latency per sample on its
// device, for runs that minimise it (EvolutionOptions::objectives
// "latency_ms") or limit it.
//
// Timed as a user would run the network: evaluation mode, no gradients,
// batches of `batch` samples from the validation inputs; one untimed
// warm-up batch (first-call allocations, cuDNN's algorithm choice), then
// `repeats` timed batches (a CUDA device is synchronised around each), and
// the median batch time divided by the batch size. The median, because a
// batch that shared the core with another worker's training is an outlier.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include <evonas/error.hpp>
#include <evonas/libtorch/trainer_options.hpp>

namespace evonas::libtorch {

/// Milliseconds per sample of `net` on `inputs`' first samples (see the
/// header comment); `inputs` are on the network's device. The network is
/// left in evaluation mode.
inline double measure_latency_ms(torch::nn::Sequential net, const torch::Tensor& inputs, const LatencyOptions& o) {
    o.validate();
    if (o.repeats == 0) return 0.0;
    if (inputs.size(0) < 1) throw ConfigError("latency", "no samples to time the network on");
    const auto n = std::min<std::int64_t>(o.batch, inputs.size(0));
    const auto batch = inputs.slice(0, 0, n);
    const bool cuda = batch.is_cuda();
    net->eval();
    torch::NoGradGuard no_grad;
    const auto sync = [&] {
        if (cuda) torch::cuda::synchronize();
    };
    (void)net->forward(batch);  // warm-up, untimed
    sync();
    std::vector<double> ms;
    for (int r = 0; r < o.repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        (void)net->forward(batch);
        sync();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::nth_element(ms.begin(), ms.begin() + static_cast<std::ptrdiff_t>(ms.size() / 2), ms.end());
    return ms[ms.size() / 2] / static_cast<double>(n);
}

}  // namespace evonas::libtorch
