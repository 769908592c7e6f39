// evonas::libtorch: facts about the LibTorch runtime in this process, and
// the one place that sets its thread count.
//
// Optional part: include it only when linking evonas::libtorch.
#pragma once

#include <ctime>
#include <string>

#include <torch/torch.h>
#include <torch/version.h>

#include <evonas/error.hpp>

namespace evonas::libtorch {

/// What LibTorch offers this process. Thread safety: a plain value.
struct RuntimeInfo {
    std::string torch_version;   ///< LibTorch's version, e.g. "1.13.1"
    bool cuda_available = false; ///< a CUDA device can be used
    int cuda_devices = 0;        ///< number of visible CUDA devices
    int intra_op_threads = 0;    ///< threads one operator may use
};

/// Reads the runtime's facts. Thread safety: safe to call from any thread.
inline RuntimeInfo runtime_info() {
    RuntimeInfo info;
    info.torch_version = TORCH_VERSION;
    info.cuda_available = torch::cuda::is_available();
    info.cuda_devices = info.cuda_available ? static_cast<int>(torch::cuda::device_count()) : 0;
    info.intra_op_threads = torch::get_num_threads();
    return info;
}

/// CPU seconds the calling thread has used (CLOCK_THREAD_CPUTIME_ID; the
/// process's CPU time where the platform has no per-thread clock). With
/// one intra-op thread (and OPENBLAS_NUM_THREADS=1) a worker's training
/// runs on its own thread, so this is its share of the machine: unlike wall
/// time it does not grow while other work holds the core. Thread safety:
/// safe to call from any thread.
inline double thread_cpu_seconds() noexcept {
#if defined(CLOCK_THREAD_CPUTIME_ID)
    timespec t{};
    if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) == 0) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
    }
#endif
    return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

/// Sets the number of threads one operator may use. LibTorch's default here
/// is 1 (platform-notes.md), so a trainer sets it explicitly.
/// Throws ConfigError when threads < 1. Thread safety: process-global; call
/// before training starts.
inline void set_intra_op_threads(int threads) {
    if (threads < 1) {
        throw ConfigError("intra_op_threads",
                          "must be at least 1, got " + std::to_string(threads));
    }
    torch::set_num_threads(threads);
}

}  // namespace evonas::libtorch
