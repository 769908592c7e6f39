// CnnTrainer's device-side training loop: the loss summed on the device and
// read back every TrainerOptions::loss_check_steps batches (the path CUDA
// takes, checked here on the CPU against reading it every batch), and the
// CUDA-only parts (per-worker generators, fused fp16 unscaling, cuDNN and
// TF32 settings). The CUDA cases are hidden ("[.cuda]"): ctest does not run
// them; scripts/gpu-check.sh does, on a machine with a GPU, where a missing
// device fails them.
#include <evonas/libtorch/libtorch.hpp>

#include "sine_signals.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <thread>

namespace {

namespace lt = evonas::libtorch;

evonas::JobContext device_test_job(std::uint64_t seed) {
    evonas::JobContext ctx;
    ctx.job_id = 1;
    ctx.seed = seed;
    return ctx;
}

constexpr const char* device_test_genome = "conv(k=3,f=8) pool(k=2) dropout(p=0.2) | dense(u=16)";

}  // namespace

TEST_CASE("the loss read back every k batches gives the result of reading it every batch",
          "[libtorch][trainer][device]") {
    const auto space = evonas::cnn_space(1);
    const auto data = evonas::test::sine_signals(200, 3);
    const auto genome = evonas::parse_genome(device_test_genome, space);
    for (const std::int64_t k : {2, 7, 1000}) {
        lt::CnnTrainer every(space, data, {.epochs = 3, .batch_size = 16, .loss_check_steps = 1});
        lt::CnnTrainer deferred(space, data, {.epochs = 3, .batch_size = 16, .loss_check_steps = k});
        const auto a = every.evaluate(genome, device_test_job(5));
        const auto b = deferred.evaluate(genome, device_test_job(5));
        INFO("loss_check_steps " << k << ": " << b.reason);
        REQUIRE(a.ok());
        REQUIRE(b.ok());
        CHECK(b.score == a.score);
        CHECK(*b.metric("steps") == *a.metric("steps"));
        // The same float32 batch losses summed in float64, in the same order.
        CHECK(*b.metric("train_loss") == Approx(*a.metric("train_loss")).epsilon(1e-12));
    }
    SECTION("stopped between two reads, the mean covers every batch trained") {
        lt::CnnTrainer every(space, data, {.epochs = 3, .max_steps = 13, .batch_size = 16, .loss_check_steps = 1});
        lt::CnnTrainer deferred(space, data, {.epochs = 3, .max_steps = 13, .batch_size = 16, .loss_check_steps = 5});
        const auto a = every.evaluate(genome, device_test_job(6));
        const auto b = deferred.evaluate(genome, device_test_job(6));
        REQUIRE(a.ok());
        REQUIRE(b.ok());
        CHECK(*b.metric("steps") == 13.0);
        CHECK(*b.metric("train_loss") == Approx(*a.metric("train_loss")).epsilon(1e-12));
    }
}

TEST_CASE("a NaN or divergent loss between two reads still fails the job", "[libtorch][trainer][device]") {
    const auto space = evonas::cnn_space(1);
    const auto genome = evonas::parse_genome("conv(k=3,f=8,bn=0,act=none) | dense(u=16,act=none)", space);
    const auto data = evonas::test::sine_signals(96, 4);
    lt::CnnTrainer trainer(space, data, {.epochs = 20, .batch_size = 8, .learning_rate = 50.0,
                                         .optimizer = lt::OptimizerKind::sgd, .momentum = 0.9,
                                         .loss_check_steps = 4});
    const auto f = trainer.evaluate(genome, device_test_job(1));
    CHECK(f.status == evonas::FitnessStatus::failed);
    CHECK_THAT(f.reason, Catch::Matchers::StartsWith("training diverged: the loss"));
    CHECK(*f.metric("epochs") < 20.0);
    CHECK_THROWS_WITH(lt::CnnTrainer(space, data, {.loss_check_steps = -1}),
                      "TrainerOptions.loss_check_steps: must be >= 0, got -1");
}

TEST_CASE("CUDA: each worker's generator is its own, seeded alike for a seed", "[.cuda][libtorch]") {
    REQUIRE(torch::cuda::is_available());
    const torch::Device gpu(torch::kCUDA, 0);
    auto a = lt::device_generator(gpu, 42);
    auto b = lt::device_generator(gpu, 42);
    const auto opts = torch::TensorOptions().device(gpu);
    const auto first = torch::rand({1000}, a, opts);
    // Drawing from a did not move b: b's first draw equals a's.
    CHECK(torch::equal(torch::rand({1000}, b, opts), first));
    CHECK_FALSE(torch::equal(torch::rand({1000}, a, opts), first));
}

TEST_CASE("CUDA: fp32, bf16 and fp16 train, with cuDNN benchmark and TF32 set", "[.cuda][libtorch]") {
    REQUIRE(torch::cuda::is_available());
    const auto space = evonas::cnn_space(1);
    const auto data = evonas::test::sine_signals(400, 8);
    const auto genome = evonas::parse_genome(device_test_genome, space);
    for (const auto precision : {lt::Precision::fp32, lt::Precision::bf16, lt::Precision::fp16}) {
        lt::CnnTrainer trainer(space, data, {.epochs = 4, .batch_size = 32, .learning_rate = 0.05,
                                             .device = "cuda", .precision = precision,
                                             .cudnn_benchmark = true, .tf32 = true});
        const auto f = trainer.evaluate(genome, device_test_job(2));
        INFO(lt::to_string(precision) << ": " << f.reason);
        REQUIRE(f.ok());
        CHECK(f.score > 0.6);
        CHECK(std::isfinite(*f.metric("train_loss")));
    }
    CHECK(at::globalContext().benchmarkCuDNN());
    CHECK(at::globalContext().allowTF32CuBLAS());
}

TEST_CASE("CUDA: two workers on one GPU train the same job to the same loss as one alone", "[.cuda][libtorch]") {
    REQUIRE(torch::cuda::is_available());
    const auto space = evonas::cnn_space(1);
    const auto data = evonas::test::sine_signals(400, 9);
    const auto genome = evonas::parse_genome(device_test_genome, space);
    const lt::TrainerOptions options{.epochs = 3, .batch_size = 32, .device = "cuda"};
    lt::CnnTrainer alone(space, data, options, 0);
    const auto reference = alone.evaluate(genome, device_test_job(7));
    REQUIRE(reference.ok());
    evonas::Fitness results[2];
    {
        lt::CnnTrainer t0(space, data, options, 0), t1(space, data, options, 1);
        std::jthread w0([&] { results[0] = t0.evaluate(genome, device_test_job(7)); });
        std::jthread w1([&] { results[1] = t1.evaluate(genome, device_test_job(7)); });
    }
    // Dropout masks come from each worker's own generator; cuDNN may still
    // pick nondeterministic kernels, hence a tolerance.
    for (const auto& r : results) {
        REQUIRE(r.ok());
        CHECK(*r.metric("train_loss") == Approx(*reference.metric("train_loss")).epsilon(1e-3));
    }
}
