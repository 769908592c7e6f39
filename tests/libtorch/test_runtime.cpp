#include <evonas/libtorch/libtorch.hpp>

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("runtime_info reports the LibTorch this test was built against", "[libtorch][runtime]") {
    const auto info = evonas::libtorch::runtime_info();
    CHECK(info.torch_version.rfind(std::to_string(TORCH_VERSION_MAJOR) + ".", 0) == 0);
    CHECK(info.intra_op_threads >= 1);
    if (!info.cuda_available) {
        CHECK(info.cuda_devices == 0);
    } else {
        CHECK(info.cuda_devices >= 1);
    }
}

TEST_CASE("set_intra_op_threads sets LibTorch's thread count", "[libtorch][runtime]") {
    evonas::libtorch::set_intra_op_threads(2);
    CHECK(torch::get_num_threads() == 2);
    CHECK(evonas::libtorch::runtime_info().intra_op_threads == 2);
    evonas::libtorch::set_intra_op_threads(1);
    CHECK(torch::get_num_threads() == 1);
}

TEST_CASE("set_intra_op_threads rejects fewer than one thread", "[libtorch][runtime]") {
    CHECK_THROWS_MATCHES(evonas::libtorch::set_intra_op_threads(0), evonas::ConfigError,
                         Catch::Matchers::Message("intra_op_threads: must be at least 1, got 0"));
}

TEST_CASE("LibTorch computes through the linked BLAS", "[libtorch][runtime]") {
    const auto a = torch::arange(6, torch::kFloat32).reshape({2, 3});
    const auto b = torch::ones({3, 2});
    const auto c = torch::matmul(a, b);
    CHECK(c[0][0].item<float>() == 3.0f);   // 0+1+2
    CHECK(c[1][1].item<float>() == 12.0f);  // 3+4+5
}
