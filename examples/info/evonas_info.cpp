// evonas_info: prints the evonas version and what each component of this
// build can use (LibTorch's version, threads and CUDA devices; the MPI
// library), and times a small matrix product to show which BLAS is fast.
//
// The only includes you need: <evonas/evonas.hpp>, plus the umbrella of each
// optional component you link.
#include <evonas/evonas.hpp>
#ifdef EVONAS_INFO_LIBTORCH
#include <evonas/libtorch/libtorch.hpp>
#endif
#ifdef EVONAS_INFO_MPI
#include <evonas/mpi/mpi.hpp>
#endif

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <thread>

int main() {
    fmt::print("evonas {}\n", evonas::version_string());
    fmt::print("  core      : yes (C++{}, fmt, nlohmann_json)\n", __cplusplus / 100 % 100);
#ifdef EVONAS_INFO_LIBTORCH
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    evonas::libtorch::set_intra_op_threads(static_cast<int>(cores));
    const auto torch_info = evonas::libtorch::runtime_info();
    fmt::print("  libtorch  : LibTorch {}, {} intra-op threads, CUDA {}\n",
               torch_info.torch_version, torch_info.intra_op_threads,
               torch_info.cuda_available
                   ? fmt::format("yes ({} devices)", torch_info.cuda_devices)
                   : std::string("no"));
    // A 256x3136x256 float matmul: reference BLAS manages a few GFLOP/s,
    // OpenBLAS tens (platform-notes.md).
    const auto a = torch::randn({256, 3136});
    const auto b = torch::randn({3136, 256});
    torch::matmul(a, b);  // warm-up
    const int repeats = 10;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i) {
        torch::matmul(a, b);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double gflops = 2.0 * 256 * 3136 * 256 * repeats / seconds / 1e9;
    fmt::print("              matmul 256x3136x256: {:.1f} GFLOP/s{}\n", gflops,
               gflops < 10.0 ? "  (slow: is libopenblas0-pthread installed?)" : "");
#else
    fmt::print("  libtorch  : not built (install libtorch-dev and reconfigure)\n");
#endif
#ifdef EVONAS_INFO_MPI
    fmt::print("  mpi       : {}\n", evonas::mpi::library_version());
#else
    fmt::print("  mpi       : not built (install libboost-mpi-dev openmpi-bin and reconfigure)\n");
#endif
    return 0;
}
