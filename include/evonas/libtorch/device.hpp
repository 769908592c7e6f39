// evonas::libtorch: which device a worker trains on, a random generator on
// that device, and mixed precision that compiles against LibTorch 1.13 and
// 2.x.
//
// Device names: "cpu"; "cuda" (the first GPU); "cuda:N"; "auto" (worker i
// uses GPU i mod the number of GPUs, or the CPU when there is none).
//
// Mixed precision: LibTorch's C++ API has no torch::autocast context and no
// GradScaler. AutocastScope switches ATen's thread-local autocast state the
// way Python's torch.autocast does (enable, set the lower-precision type,
// count nesting, clear the cast cache on leaving), with the per-device
// functions of LibTorch >= 2.4 and the older CUDA/CPU-specific ones before.
// float16 needs loss scaling, which CnnTrainer does itself (dynamic, as
// GradScaler). Tested here only on the CPU with bfloat16: this build
// machine has no GPU.
//
// Optional part: include it only when linking evonas::libtorch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <ATen/autocast_mode.h>
#if defined(EVONAS_TORCH_CUDA)
#include <ATen/cuda/CUDAGeneratorImpl.h>
#endif
#include <torch/torch.h>
#include <torch/version.h>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/libtorch/builder.hpp>

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define EVONAS_TORCH_AUTOCAST_PER_DEVICE 1
#else
#define EVONAS_TORCH_AUTOCAST_PER_DEVICE 0
#endif

namespace evonas::libtorch {

/// Arithmetic precision of training.
enum class Precision : std::uint8_t {
    fp32,  ///< float32 throughout (default)
    bf16,  ///< autocast to bfloat16 (CUDA, or CPU), no loss scaling needed
    fp16,  ///< autocast to float16 with dynamic loss scaling (CUDA only)
};

/// "fp32", "bf16" or "fp16".
inline constexpr std::string_view to_string(Precision p) noexcept {
    switch (p) {
        case Precision::fp32: return "fp32";
        case Precision::bf16: return "bf16";
        case Precision::fp16: return "fp16";
    }
    return "?";
}

/// The device `name` means for worker `worker` (see the top of this header).
/// Throws ConfigError(field, ...) for an unknown name, or a CUDA device this
/// process cannot use. Thread safety: safe to call from any thread.
inline torch::Device resolve_device(const std::string& name, std::size_t worker = 0,
                                    const std::string& field = "TrainerOptions.device") {
    const bool cuda = torch::cuda::is_available();
    const auto count = cuda ? static_cast<std::int64_t>(torch::cuda::device_count()) : 0;
    if (name == "cpu") return torch::kCPU;
    if (name == "auto") {
        if (count == 0) return torch::kCPU;
        return {torch::kCUDA, static_cast<c10::DeviceIndex>(static_cast<std::int64_t>(worker) % count)};
    }
    if (name == "cuda" || name.starts_with("cuda:")) {
        std::int64_t index = 0;
        if (name.size() > 5) {
            const auto digits = name.substr(5);
            if (digits.empty() || digits.size() > 4 || digits.find_first_not_of("0123456789") != std::string::npos) {
                throw ConfigError(field, fmt::format("'{}' is not a device (cpu, cuda, cuda:N or auto)", name));
            }
            index = std::stoll(digits);
        }
        if (count == 0) {
            throw ConfigError(field, fmt::format("'{}' asks for CUDA, but this process has no usable CUDA device "
                                                 "(LibTorch {}; torch::cuda::is_available() is false)",
                                                 name, TORCH_VERSION));
        }
        if (index >= count) {
            throw ConfigError(field, fmt::format("'{}': only {} CUDA device(s) are visible", name, count));
        }
        return {torch::kCUDA, static_cast<c10::DeviceIndex>(index)};
    }
    throw ConfigError(field, fmt::format("'{}' is not a device (cpu, cuda, cuda:N or auto)", name));
}

/// A random generator for `device`, seeded with `seed`, that no other
/// worker shares: a fresh CPU generator on the CPU, a fresh generator of
/// that GPU on a CUDA device. The CUDA one needs LibTorch's CUDA library:
/// evonas::libtorch defines EVONAS_TORCH_CUDA when the LibTorch it links
/// has one (target torch_cuda). Without it (a CPU-only LibTorch, which has
/// no CUDA device either) the device's default generator is reseeded and
/// shared by the workers of that GPU. Thread safety: safe to call from any
/// thread; the generator returned is the caller's own.
inline at::Generator device_generator(torch::Device device, std::uint64_t seed) {
    if (device.is_cpu()) return make_cpu_generator(seed);
#if defined(EVONAS_TORCH_CUDA)
    if (device.is_cuda()) {
        auto generator = at::cuda::detail::createCUDAGenerator(device.index());
        std::lock_guard<std::mutex> lock(generator.mutex());
        generator.set_current_seed(seed);
        return generator;
    }
#endif
    auto generator = at::globalContext().defaultGenerator(device);
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_current_seed(seed);
    return generator;
}

/// Process-wide CUDA math settings (TrainerOptions::cudnn_benchmark, tf32):
/// cuDNN's benchmark mode (times the convolution algorithms per input shape
/// and keeps the fastest; nondeterministic) and TensorFloat-32 in matrix
/// products and convolutions (Ampere and later: faster, ~1e-3 relative
/// precision). Each `true` switches the setting on; a `false` leaves
/// LibTorch's default (benchmark off; TF32 in convolutions, not in matrix
/// products). Thread safety: process-global; set before training starts
/// (every trainer of a run has the same options).
inline void apply_cuda_math_settings(bool cudnn_benchmark, bool tf32) {
    auto& context = at::globalContext();
    if (cudnn_benchmark) context.setBenchmarkCuDNN(true);
    if (tf32) {
        context.setAllowTF32CuBLAS(true);
        context.setAllowTF32CuDNN(true);
    }
}

/// Autocast on `device` to `type` for the lifetime of the object, on this
/// thread (ATen's autocast state is thread-local): a scope around the
/// forward pass and loss, as Python's `with torch.autocast(...)`. Thread
/// safety: affects only the thread that creates it; destroy it on that thread.
class AutocastScope {
public:
    /// Enables autocast to `type` on `device`'s kind (CUDA or CPU).
    AutocastScope(torch::Device device, at::ScalarType type) : cuda_(device.is_cuda()) {
#if EVONAS_TORCH_AUTOCAST_PER_DEVICE
        const auto kind = cuda_ ? at::kCUDA : at::kCPU;
        previous_enabled_ = at::autocast::is_autocast_enabled(kind);
        previous_type_ = at::autocast::get_autocast_dtype(kind);
        at::autocast::set_autocast_dtype(kind, type);
        at::autocast::set_autocast_enabled(kind, true);
#else
        if (cuda_) {
            previous_enabled_ = at::autocast::is_enabled();
            previous_type_ = at::autocast::get_autocast_gpu_dtype();
            at::autocast::set_autocast_gpu_dtype(type);
            at::autocast::set_enabled(true);
        } else {
            previous_enabled_ = at::autocast::is_cpu_enabled();
            previous_type_ = at::autocast::get_autocast_cpu_dtype();
            at::autocast::set_autocast_cpu_dtype(type);
            at::autocast::set_cpu_enabled(true);
        }
#endif
        at::autocast::increment_nesting();
    }
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

    /// Restores the autocast state found at construction.
    ~AutocastScope() {
        if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if EVONAS_TORCH_AUTOCAST_PER_DEVICE
        const auto kind = cuda_ ? at::kCUDA : at::kCPU;
        at::autocast::set_autocast_enabled(kind, previous_enabled_);
        at::autocast::set_autocast_dtype(kind, previous_type_);
#else
        if (cuda_) {
            at::autocast::set_enabled(previous_enabled_);
            at::autocast::set_autocast_gpu_dtype(previous_type_);
        } else {
            at::autocast::set_cpu_enabled(previous_enabled_);
            at::autocast::set_autocast_cpu_dtype(previous_type_);
        }
#endif
    }

private:
    bool cuda_;
    bool previous_enabled_ = false;
    at::ScalarType previous_type_ = at::kFloat;
};

}  // namespace evonas::libtorch
