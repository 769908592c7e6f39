// CnnTrainer: learning a small synthetic task, determinism under
// concurrency, failures (NaN, divergence), stop token and deadline, time
// budget, pre-dispatch check, options, evolve() with two workers, and model
// export: a saved model reloads (shapes checked) and predicts the same.
#include <evonas/libtorch/libtorch.hpp>

#include "sine_signals.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

namespace lt = evonas::libtorch;
using evonas::test::sine_signals;

static_assert(evonas::Trainer<lt::CnnTrainer>, "CnnTrainer satisfies the Trainer concept");
static_assert(evonas::TrainerFactory<decltype([](std::size_t) {
    return lt::CnnTrainer(evonas::cnn_space(1), lt::Dataset{}, lt::Dataset{});
})>);

/// 4 classes of 8x8 single-channel images: a bright 3x3 patch in the
/// quadrant of the class, at a random place in it, plus noise.
lt::Dataset quadrant_images(std::int64_t n, std::uint64_t seed) {
    auto gen = lt::make_cpu_generator(seed);
    auto x = torch::randn({n, 1, 8, 8}, gen) * 0.3;
    auto y = torch::randint(0, 4, {n}, gen, torch::kInt64);
    const auto offsets = torch::randint(0, 2, {n, 2}, gen, torch::kInt64);
    for (std::int64_t i = 0; i < n; ++i) {
        const auto c = y[i].item<std::int64_t>();
        const auto r = (c / 2) * 4 + offsets[i][0].item<std::int64_t>();
        const auto col = (c % 2) * 4 + offsets[i][1].item<std::int64_t>();
        x[i][0].narrow(0, r, 3).narrow(1, col, 3) += 1.5;
    }
    return lt::make_dataset(x, y, 4);
}

evonas::JobContext job(std::uint64_t seed, std::uint64_t id = 1) {
    evonas::JobContext ctx;
    ctx.job_id = id;
    ctx.seed = seed;
    return ctx;
}

std::filesystem::path temp_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("evonas_test_trainer_" + name + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace

TEST_CASE("a small network learns a synthetic task within seconds on the CPU", "[libtorch][trainer]") {
    SECTION("2-D images, 4 classes") {
        const auto space = evonas::cnn_space(2);
        lt::CnnTrainer trainer(space, quadrant_images(480, 1), {.epochs = 4, .batch_size = 32, .learning_rate = 0.05});
        const auto genome = evonas::parse_genome("conv(k=3,f=8) pool(k=2,s=2) | dense(u=32)", space);
        const auto f = trainer.evaluate(genome, job(11));
        INFO(f.reason);
        REQUIRE(f.ok());
        WARN(fmt::format("2-D: accuracy {:.3f} after {:.2f} s of training ({:.0f} samples/s)", f.score,
                         *f.metric("train_seconds"), *f.metric("samples_per_second")));
        CHECK(f.score > 0.8);  // chance is 0.25
        CHECK(f.score == *f.metric("val_accuracy"));
        CHECK(*f.metric("val_balanced_accuracy") > 0.75);
        CHECK(*f.metric("val_loss") < 0.8);
        CHECK(*f.metric("train_loss") < 1.0);
        CHECK(*f.metric("params") == static_cast<double>(lt::parameter_count(*trainer.last_model()->net)));
        CHECK(*f.metric("flops") > 0);
        CHECK(*f.metric("epochs") == 4.0);
        CHECK(*f.metric("steps") == 4.0 * 12);  // 384 training samples / 32
        CHECK(*f.metric("batch_size") == 32.0);
        CHECK(*f.metric("train_seconds") < 60.0);
    }
    SECTION("1-D signals, 3 classes, balanced accuracy as the score") {
        const auto space = evonas::cnn_space(1);
        lt::CnnTrainer trainer(space, sine_signals(400, 2),
                               {.epochs = 5, .batch_size = 16, .learning_rate = 0.02,
                                .metric = lt::ScoreMetric::balanced_accuracy});
        const auto genome =
            evonas::parse_genome("conv(k=5,f=8) pool(k=2,s=2) conv(k=3,f=16) pool(k=2,s=2) | dense(u=16)", space);
        const auto f = trainer.evaluate(genome, job(3));
        INFO(f.reason);
        REQUIRE(f.ok());
        CHECK(f.score > 0.8);  // chance is 0.33
        CHECK(f.score == *f.metric("val_balanced_accuracy"));
    }
}

TEST_CASE("a job's result depends on its seed only, not on other workers", "[libtorch][trainer][concurrency]") {
    const auto space = evonas::cnn_space(2);
    const auto data = quadrant_images(160, 4);
    const lt::TrainerOptions options{.epochs = 2, .batch_size = 16};
    const auto a = evonas::parse_genome("conv(k=3,f=8) dropout(p=0.3) pool(k=2) | dense(u=16) dropout(p=0.5)", space);
    const auto b = evonas::parse_genome("conv(k=5,f=16) conv(k=3,f=16) | dense(u=64)", space);
    const auto same = [](const evonas::Fitness& x, const evonas::Fitness& y) {
        return x.score == y.score && x.metric("val_loss") == y.metric("val_loss") &&
               x.metric("train_loss") == y.metric("train_loss");
    };
    lt::CnnTrainer sequential(space, data, options);
    const auto expected = sequential.evaluate(a, job(77));
    REQUIRE(expected.ok());
    CHECK(same(sequential.evaluate(a, job(77)), expected));
    CHECK_FALSE(same(sequential.evaluate(a, job(78)), expected));  // another seed: other init, dropout and order

    std::vector<evonas::Fitness> results(3);
    {
        std::vector<std::jthread> workers;
        for (std::size_t w = 0; w < 3; ++w) {
            workers.emplace_back([&, w] {
                lt::CnnTrainer trainer(space, data, options, w);
                torch::manual_seed(w);  // the global generator is not used
                results[w] = trainer.evaluate(w == 1 ? b : a, job(w == 1 ? 5 : 77));
            });
        }
    }
    CHECK(same(results[0], expected));
    CHECK(same(results[2], expected));
    CHECK(results[1].ok());
}

TEST_CASE("a NaN or divergent loss fails the job early with the reason", "[libtorch][trainer][failure]") {
    const auto space = evonas::cnn_space(2);
    const auto genome = evonas::parse_genome("conv(k=3,f=8,bn=0,act=none) | dense(u=16,act=none)", space);
    auto data = quadrant_images(64, 5);
    SECTION("NaN") {
        data.inputs = data.inputs * std::numeric_limits<float>::infinity();
        lt::CnnTrainer trainer(space, data, {.epochs = 3, .batch_size = 8});
        const auto f = trainer.evaluate(genome, job(1));
        CHECK(f.status == evonas::FitnessStatus::failed);
        CHECK(f.reason == "training diverged: the loss is NaN at epoch 1, batch 1");
        CHECK(*f.metric("steps") == 0.0);
    }
    SECTION("divergence") {
        lt::CnnTrainer trainer(space, data, {.epochs = 20, .batch_size = 8, .learning_rate = 50.0,
                                             .optimizer = lt::OptimizerKind::sgd, .momentum = 0.9});
        const auto f = trainer.evaluate(genome, job(1));
        CHECK(f.status == evonas::FitnessStatus::failed);
        CHECK_THAT(f.reason, Catch::Matchers::StartsWith("training diverged: the loss"));
        CHECK(*f.metric("epochs") < 20.0);
    }
}

TEST_CASE("the stop token, the deadline, the time budget and max_steps end training", "[libtorch][trainer][stop]") {
    const auto space = evonas::cnn_space(2);
    const auto genome = evonas::parse_genome("conv(k=3,f=8) | dense(u=16)", space);
    lt::CnnTrainer trainer(space, quadrant_images(64, 6), {.epochs = 1000, .batch_size = 8});
    auto ctx = job(1);
    std::stop_source stop;
    ctx.stop = stop.get_token();
    stop.request_stop();
    auto f = trainer.evaluate(genome, ctx);
    CHECK(f.status == evonas::FitnessStatus::timed_out);
    CHECK_THAT(f.reason, Catch::Matchers::StartsWith("stopped after 0 steps"));

    ctx = job(1);
    ctx.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    f = trainer.evaluate(genome, ctx);
    CHECK(f.status == evonas::FitnessStatus::timed_out);
    CHECK(*f.metric("steps") > 0);  // it trained until the deadline

    lt::CnnTrainer budget(space, quadrant_images(64, 6), {.epochs = 1000, .time_budget_seconds = 0.3, .batch_size = 8});
    f = budget.evaluate(genome, job(1));
    CHECK(f.ok());  // a time budget ends training normally; the network is scored
    CHECK(*f.metric("epochs") < 1000.0);
    CHECK(*f.metric("train_seconds") < 30.0);

    lt::CnnTrainer steps(space, quadrant_images(64, 6), {.epochs = 1000, .max_steps = 5, .batch_size = 8});
    f = steps.evaluate(genome, job(1));
    CHECK(f.ok());
    CHECK(*f.metric("steps") == 5.0);
    CHECK(*f.metric("train_loss") > 0.0);
}

TEST_CASE("with early stopping the trainer reports after each epoch and stops when told", "[libtorch][trainer][early-stopping]") {
    const auto space = evonas::cnn_space(2);
    const auto genome = evonas::parse_genome("conv(k=3,f=8) pool(k=2,s=2) | dense(u=32)", space);
    lt::CnnTrainer trainer(space, quadrant_images(240, 1), {.epochs = 5, .batch_size = 32, .learning_rate = 0.05});
    std::vector<std::pair<double, double>> reports;
    auto ctx = job(11);
    CHECK_FALSE(ctx.wants_reports());
    const auto full = trainer.evaluate(genome, ctx);  // no reporter: trains every epoch, reports nothing
    REQUIRE(full.ok());
    CHECK(*full.metric("epochs") == 5.0);

    ctx.reporter = [&reports](double step, double value) {
        reports.emplace_back(step, value);
        return evonas::Decision::keep_training;
    };
    const auto listened = trainer.evaluate(genome, ctx);
    REQUIRE(listened.ok());
    CHECK(listened.score == full.score);  // reporting changes nothing in the training itself
    REQUIRE(reports.size() == 4);         // after epochs 1 to 4, not after the last
    for (std::size_t i = 0; i < reports.size(); ++i) {
        CHECK(reports[i].first == static_cast<double>(i + 1));
        CHECK(reports[i].second >= 0.0);
        CHECK(reports[i].second <= 1.0);
    }

    reports.clear();
    ctx.reporter = [&reports](double step, double value) {
        reports.emplace_back(step, value);
        return step >= 2 ? evonas::Decision::stop : evonas::Decision::keep_training;
    };
    const auto stopped = trainer.evaluate(genome, ctx);
    REQUIRE(stopped.ok());  // a stopped network is scored as it is
    CHECK(*stopped.metric("epochs") == 2.0);
    CHECK(reports.size() == 2);
    CHECK(stopped.score == reports.back().second);  // the score it reported when stopped
}

TEST_CASE("report_every_steps reports within epochs, at fractional epochs", "[libtorch][trainer][early-stopping]") {
    const auto space = evonas::cnn_space(2);
    const auto genome = evonas::parse_genome("conv(k=3,f=8) pool(k=2,s=2) | dense(u=32)", space);
    lt::CnnTrainer trainer(space, quadrant_images(240, 1),
                           {.epochs = 2, .report_every_steps = 3, .batch_size = 16, .learning_rate = 0.05});
    auto ctx = job(12);
    const auto full = trainer.evaluate(genome, ctx);
    REQUIRE(full.ok());
    const double batches = *full.metric("steps") / 2.0;  // per epoch
    std::vector<std::pair<double, double>> reports;
    ctx.reporter = [&reports](double step, double value) {
        reports.emplace_back(step, value);
        return evonas::Decision::keep_training;
    };
    const auto listened = trainer.evaluate(genome, ctx);
    REQUIRE(listened.ok());
    CHECK(listened.score == full.score);
    // Every 3rd batch of the 2 epochs, except the very last batch.
    REQUIRE(reports.size() == static_cast<std::size_t>((2.0 * batches - 1.0) / 3.0));
    for (std::size_t i = 0; i < reports.size(); ++i) {
        CHECK(reports[i].first == Approx(3.0 * static_cast<double>(i + 1) / batches));
    }
    reports.clear();
    ctx.reporter = [&reports](double step, double value) {
        reports.emplace_back(step, value);
        return reports.size() == 2 ? evonas::Decision::stop : evonas::Decision::keep_training;
    };
    const auto stopped = trainer.evaluate(genome, ctx);
    REQUIRE(stopped.ok());
    CHECK(*stopped.metric("steps") == 6.0);
    CHECK(*stopped.metric("epochs") == reports.back().first);
    CHECK(stopped.score == reports.back().second);
    CHECK_THROWS_WITH(lt::CnnTrainer(space, quadrant_images(40, 1), {.report_every_steps = -1}),
                      Catch::Matchers::Contains("TrainerOptions.report_every_steps"));
}

TEST_CASE("report_epochs validates and reports after the listed epochs only", "[libtorch][trainer][early-stopping]") {
    const auto space = evonas::cnn_space(2);
    const auto genome = evonas::parse_genome("conv(k=3,f=8) pool(k=2,s=2) | dense(u=32)", space);
    lt::CnnTrainer every(space, quadrant_images(120, 1), {.epochs = 5, .batch_size = 16, .learning_rate = 0.05});
    lt::CnnTrainer rungs(space, quadrant_images(120, 1),
                         {.epochs = 5, .report_epochs = {1, 3, 5}, .batch_size = 16, .learning_rate = 0.05});
    auto ctx = job(21);
    std::vector<std::pair<double, double>> all, some;
    ctx.reporter = [&all](double step, double value) {
        all.emplace_back(step, value);
        return evonas::Decision::keep_training;
    };
    const auto full = every.evaluate(genome, ctx);
    ctx.reporter = [&some](double step, double value) {
        some.emplace_back(step, value);
        return evonas::Decision::keep_training;
    };
    const auto listed = rungs.evaluate(genome, ctx);
    REQUIRE(full.ok());
    REQUIRE(listed.ok());
    CHECK(listed.score == full.score);  // fewer validation passes, the same training
    REQUIRE(all.size() == 4);           // after epochs 1-4 (not the last)
    REQUIRE(some.size() == 2);          // after 1 and 3 (5 is the last: the final score)
    CHECK(some[0] == all[0]);
    CHECK(some[1] == all[2]);
    // Stopped at epoch 3, the network is scored by that report's pass.
    ctx.reporter = [](double step, double) { return step >= 3 ? evonas::Decision::stop : evonas::Decision::keep_training; };
    const auto stopped = rungs.evaluate(genome, ctx);
    REQUIRE(stopped.ok());
    CHECK(*stopped.metric("epochs") == 3.0);
    CHECK(stopped.score == all[2].second);
    CHECK_THROWS_WITH(lt::CnnTrainer(space, quadrant_images(40, 1), {.report_epochs = {0}}),
                      Catch::Matchers::Contains("TrainerOptions.report_epochs"));
    CHECK_THROWS_WITH(lt::CnnTrainer(space, quadrant_images(40, 1), {.report_every_steps = 2, .report_epochs = {1}}),
                      Catch::Matchers::Contains("cannot be combined"));
}

TEST_CASE("report_epochs_for: the whole epochs at or after each ASHA rung", "[libtorch][trainer][early-stopping]") {
    using evonas::EarlyStopping;
    const auto asha = [](double min_step, double eta) {
        return evonas::EarlyStoppingOptions{.kind = EarlyStopping::asha, .min_step = min_step, .eta = eta};
    };
    CHECK(lt::report_epochs_for(asha(1, 3), 9) == std::vector<int>{1, 3});
    CHECK(lt::report_epochs_for(asha(1, 3), 10) == std::vector<int>{1, 3, 9});
    CHECK(lt::report_epochs_for(asha(1, 2), 9) == std::vector<int>{1, 2, 4, 8});
    CHECK(lt::report_epochs_for(asha(0.25, 3), 8) == std::vector<int>{1, 3, 7});  // 0.25 and 0.75 -> 1, 2.25 -> 3
    CHECK(lt::report_epochs_for(asha(0.1, 3), 4) == std::vector<int>{1, 3});       // 0.9 -> 1, 2.7 -> 3
    CHECK(lt::report_epochs_for(asha(2, 3), 2).empty());  // the only rung is the last epoch: the final score
    CHECK(lt::report_epochs_for(asha(1, 3), 0).empty());  // epochs from each genome: every epoch
    CHECK(lt::report_epochs_for({.kind = EarlyStopping::median}, 9).empty());
    CHECK(lt::report_epochs_for({}, 9).empty());
    // Every rung an ASHA stopper has before the last epoch (20) is reported at
    // the first whole epoch at or after it.
    for (const double eta : {2.0, 3.0, 4.0}) {
        for (const double min_step : {0.3, 1.0, 1.5}) {
            const auto at = lt::report_epochs_for(asha(min_step, eta), 20);
            const evonas::AshaStopper stopper(min_step, eta);
            std::size_t i = 0;
            for (int k = 0; std::ceil(stopper.rung_step(k) - 1e-9) < 20; ++k) {
                const double rung = stopper.rung_step(k);
                while (i < at.size() && at[i] < rung - 1e-9) ++i;
                INFO("eta " << eta << " min_step " << min_step << " rung " << rung);
                REQUIRE(i < at.size());
                CHECK(at[i] < rung + 1.0);  // within a whole epoch of it
            }
        }
    }
}

TEST_CASE("check() repairs or rejects before dispatch; evaluate() rejects what does not fit", "[libtorch][trainer][check]") {
    const auto space = evonas::cnn_space(2);
    lt::CnnTrainer trainer(space, quadrant_images(40, 7), {.limits = {.max_params = 50'000}});
    auto g = evonas::parse_genome("conv(k=7,f=8,pad=valid) pool(k=4) pool(k=2) | dense(u=16)", space);
    auto check = trainer.check(g);
    CHECK(check.verdict == evonas::Check::Verdict::repaired);
    CHECK(check.reason == "section 0 layer 1: pooling window 4 -> 2 to fit the input extent 2 (pool(type=max,k=4,s=2)); "
                          "section 0 layer 2: removed pool(type=max,k=2,s=2) (input extent 1)");
    CHECK(trainer.check(g).verdict == evonas::Check::Verdict::ok);
    CHECK(trainer.evaluate(g, job(1)).ok());

    auto big = evonas::parse_genome("conv(k=3,f=256) | dense(u=1024)", space);
    check = trainer.check(big);
    CHECK(check.verdict == evonas::Check::Verdict::invalid);
    CHECK_THAT(check.reason, Catch::Matchers::Contains("more than the limit of 50000"));
    CHECK(trainer.evaluate(big, job(1)).status == evonas::FitnessStatus::invalid);

    const auto misfit = evonas::parse_genome("conv(k=7,f=8,pad=valid) conv(k=7,f=8,pad=valid) |", space);
    const auto f = trainer.evaluate(misfit, job(1));
    CHECK(f.status == evonas::FitnessStatus::invalid);
    CHECK_THAT(f.reason, Catch::Matchers::Contains("kernel 7 is larger than the input extent 2"));
    CHECK(trainer.cost(g) > 0.0);
}

TEST_CASE("hyper-parameters come from the genome unless the options set them", "[libtorch][trainer][options]") {
    const auto space = evonas::cnn_space(1);
    const auto data = sine_signals(40, 8);
    const auto g = evonas::parse_genome("conv(k=3,f=8) | ; lr=0.002 mom=0.5 wd=0.001 bs=16 opt=adam epochs=3", space);
    const lt::CnnTrainer from_genome(space, data);
    auto hp = from_genome.hyper_parameters(g);
    CHECK(hp.learning_rate == 0.002);
    CHECK(hp.momentum == 0.5);
    CHECK(hp.weight_decay == 0.001);
    CHECK(hp.batch_size == 16);
    CHECK(hp.optimizer == lt::OptimizerKind::adam);
    CHECK(hp.epochs == 3);
    const lt::CnnTrainer overridden(space, data, {.epochs = 2, .batch_size = 1000, .learning_rate = 0.1,
                                                  .optimizer = lt::OptimizerKind::sgd, .momentum = 0.0,
                                                  .weight_decay = 0.0});
    hp = overridden.hyper_parameters(g);
    CHECK(hp.learning_rate == 0.1);
    CHECK(hp.momentum == 0.0);
    CHECK(hp.weight_decay == 0.0);
    CHECK(hp.batch_size == overridden.train_data().size());  // clamped to the training samples
    CHECK(hp.batch_size < 40);
    CHECK(hp.optimizer == lt::OptimizerKind::sgd);
    CHECK(hp.epochs == 2);
    CHECK(lt::CnnTrainer(space, data, {.epochs = 1}).evaluate(g, job(1)).ok());  // Adam trains too
}

TEST_CASE("check() sets the genes the trainer ignores to what it trains with, so twins hash alike",
          "[libtorch][trainer][check]") {
    const auto space = evonas::cnn_space(1);
    const auto data = sine_signals(40, 8);
    const lt::CnnTrainer fixed(space, data, {.epochs = 2, .batch_size = 32});
    auto a = evonas::parse_genome("conv(k=3,f=8) | ; lr=0.002 mom=0.5 bs=16 opt=sgd epochs=7", space);
    auto b = evonas::parse_genome("conv(k=3,f=8) | ; lr=0.002 mom=0.5 bs=64 opt=sgd epochs=30", space);
    CHECK(evonas::genome_hash(a, space) != evonas::genome_hash(b, space));
    CHECK(fixed.check(a).verdict == evonas::Check::Verdict::ok);  // silent: not a repair
    CHECK(fixed.check(b).verdict == evonas::Check::Verdict::ok);
    CHECK(evonas::genome_hash(a, space) == evonas::genome_hash(b, space));
    CHECK(evonas::to_text(a, space).find("bs=32") != std::string::npos);
    CHECK(evonas::to_text(a, space).find("epochs=2") != std::string::npos);
    // Adam has no momentum: two Adam genomes differing only there are one network.
    const lt::CnnTrainer free(space, data);
    auto c = evonas::parse_genome("conv(k=3,f=8) | ; mom=0.1 opt=adam", space);
    auto d = evonas::parse_genome("conv(k=3,f=8) | ; mom=0.7 opt=adam", space);
    CHECK(free.ignored_genes_as_trained(c) == 1);
    (void)free.check(d);
    CHECK(evonas::genome_hash(c, space) == evonas::genome_hash(d, space));
    auto e = evonas::parse_genome("conv(k=3,f=8) | ; mom=0.7 opt=sgd epochs=9", space);
    CHECK(free.ignored_genes_as_trained(e) == 0);  // SGD uses momentum; epochs come from the genome
    // A value the gene cannot hold (epochs 100 > 50) leaves the gene's default.
    const lt::CnnTrainer long_training(space, data, {.epochs = 100});
    CHECK(long_training.ignored_genes_as_trained(e) == 1);
    CHECK(evonas::to_text(e, space).find("epochs=5") != std::string::npos);
}

TEST_CASE("bad options and devices are reported with the field", "[libtorch][trainer][options]") {
    const auto space = evonas::cnn_space(1);
    const auto data = sine_signals(20, 9);
    CHECK_THROWS_WITH(lt::CnnTrainer(space, data, {.epochs = -1}), "TrainerOptions.epochs: must be >= 0, got -1");
    CHECK_THROWS_WITH(lt::CnnTrainer(space, data, {.validation_fraction = 1.5}),
                      "TrainerOptions.validation_fraction: must be in (0, 1), got 1.5");
    CHECK_THROWS_WITH(lt::CnnTrainer(space, data, {.intra_op_threads = 0}),
                      "TrainerOptions.intra_op_threads: must be >= 1, got 0");
    CHECK_THROWS_WITH(lt::CnnTrainer(space, data, {.device = "gpu"}),
                      "TrainerOptions.device: 'gpu' is not a device (cpu, cuda, cuda:N or auto)");
    CHECK_THROWS_WITH(lt::CnnTrainer(space, data, {.device = "cuda:x"}),
                      "TrainerOptions.device: 'cuda:x' is not a device (cpu, cuda, cuda:N or auto)");
    if (!torch::cuda::is_available()) {
        CHECK_THROWS_WITH(lt::CnnTrainer(space, data, {.device = "cuda:0"}),
                          Catch::Matchers::StartsWith("TrainerOptions.device: 'cuda:0' asks for CUDA"));
        CHECK(lt::CnnTrainer(space, data, {.device = "auto"}, 3).device() == torch::Device(torch::kCPU));
        CHECK_THROWS_WITH(lt::CnnTrainer(space, data, {.precision = lt::Precision::fp16}),
                          "TrainerOptions.precision: fp16 needs a CUDA device (use bf16 on the CPU)");
    }
    CHECK_THROWS_WITH(lt::CnnTrainer(evonas::cnn_space(2), data),
                      "CnnDataShape.spatial: space 'cnn2d' is for 2-D inputs, the data has 1 spatial axes");
    const auto other = lt::make_dataset(torch::zeros({4, 3, 32}), torch::tensor({0, 1, 2, 0}));
    CHECK_THROWS_WITH(lt::CnnTrainer(space, data, other),
                      "validation: the validation data must have the training data's sample shape and classes");
}

TEST_CASE("mixed precision (bfloat16 autocast) trains on the CPU", "[libtorch][trainer][precision]") {
    const auto space = evonas::cnn_space(1);
    lt::CnnTrainer trainer(space, sine_signals(64, 10), {.epochs = 1, .batch_size = 16, .precision = lt::Precision::bf16});
    const auto f = trainer.evaluate(evonas::parse_genome("conv(k=3,f=8) pool(k=2) | dense(u=16)", space), job(1));
    INFO(f.reason);
    CHECK(f.ok());
    CHECK_FALSE(at::autocast::is_cpu_enabled());  // the scope restored the thread's state
}

TEST_CASE("evaluate_network: accuracy and balanced accuracy", "[libtorch][trainer][metric]") {
    // a network that always answers class 0
    torch::nn::Sequential net(torch::nn::Flatten(), torch::nn::Linear(2, 3));
    {
        torch::NoGradGuard no_grad;
        net->named_parameters()["1.weight"].zero_();
        net->named_parameters()["1.bias"].copy_(torch::tensor({5.0f, 0.0f, 0.0f}));
    }
    const auto data = lt::make_dataset(torch::zeros({10, 1, 2}), torch::tensor({0, 0, 0, 0, 0, 0, 0, 0, 1, 2}), 3);
    const auto e = lt::evaluate_network(net, data, 4);
    CHECK(e.accuracy == Approx(0.8));
    CHECK(e.balanced_accuracy == Approx(1.0 / 3.0));
    CHECK(e.loss > 0.0);
    CHECK(net->is_training());
}

TEST_CASE("evolve() runs CnnTrainers in two workers", "[libtorch][trainer][evolve]") {
    const auto space = evonas::cnn_space(2, {.max_feature_layers = 3, .max_classifier_layers = 1});
    const auto data = quadrant_images(96, 12);
    const auto seed = evonas::parse_genome("conv(k=3,f=8) pool(k=2) | dense(u=16)", space);
    const auto result = evonas::evolve(
        space,
        [&](std::size_t worker) {
            return lt::CnnTrainer(space, data, {.epochs = 1, .max_steps = 3, .batch_size = 16,
                                                .limits = {.max_flops = 2e6}}, worker);
        },
        evonas::RunOptions{.evolution = {.population = 4, .tournament_size = 2, .seed = 3,
                                         .stop = {.max_evaluations = 8}},
                           .workers = 2, .progress = false},
        {seed});
    CHECK(result.counts.finished >= 8);
    REQUIRE(result.best.has_value());
    CHECK(result.best->fitness.ok());
}

TEST_CASE("evolve() with ASHA stops some CnnTrainer networks after their first epoch", "[libtorch][trainer][early-stopping]") {
    const auto space = evonas::cnn_space(2, {.max_feature_layers = 3, .max_classifier_layers = 1});
    const auto data = quadrant_images(96, 12);
    const auto dir = temp_dir("asha");
    evonas::RunOptions run{.evolution = {.population = 4, .seed = 3, .stop = {.max_evaluations = 9}},
                           .workers = 1, .run_dir = dir, .progress = false};
    run.evolution.early_stopping = {.kind = evonas::EarlyStopping::asha, .min_comparisons = 2};
    const auto result = evonas::evolve(
        space, [&](std::size_t worker) { return lt::CnnTrainer(space, data, {.epochs = 3, .batch_size = 16}, worker); },
        run);
    CHECK(result.counts.finished == 9);
    const auto lineage = evonas::read_lineage(dir / "lineage.jsonl", space);
    std::size_t stopped = 0;
    for (const auto& r : lineage.records) {
        if (!r.fitness.metric("stopped_at")) continue;
        ++stopped;
        CHECK(*r.fitness.metric("epochs") == *r.fitness.metric("stopped_at"));
    }
    CHECK(stopped > 0);
    CHECK(lineage.reports.size() >= 9);  // every network reported after epoch 1 at least
    std::filesystem::remove_all(dir);
}

TEST_CASE("a saved model reloads with shapes checked and predicts the same", "[libtorch][model_io]") {
    const auto space = evonas::cnn_space(2);
    const auto dir = temp_dir("model");
    const auto data = quadrant_images(120, 13);
    lt::CnnTrainer trainer(space, data, {.epochs = 2, .batch_size = 16, .model_dir = dir});
    const auto genome = evonas::parse_genome("conv(k=3,f=8) dropout(p=0.2) pool(k=2) conv(k=2,f=8) | dense(u=16)", space);
    const auto f = trainer.evaluate(genome, job(1, 42));
    REQUIRE(f.ok());
    REQUIRE(std::filesystem::exists(dir / "job-42.pt"));
    REQUIRE(std::filesystem::exists(dir / "job-42.pt.genome"));
    CHECK(evonas::parse_genome(evonas::read_text_file(dir / "job-42.pt.genome", "genome"), space) == genome);

    auto trained = *trainer.last_model();
    const auto expected = lt::predict(trained.net, data.inputs);
    auto loaded = lt::load_model(dir / "job-42.pt", space);
    CHECK(loaded.genome == genome);
    CHECK(loaded.shape == trainer.data_shape());
    CHECK(torch::equal(lt::predict(loaded.net, data.inputs), expected));
    trained.net->eval();
    CHECK(torch::equal(loaded.net->forward(data.inputs), trained.net->forward(data.inputs)));

    lt::save_model(dir / "copy.pt", loaded, space);
    CHECK(torch::equal(lt::predict(lt::load_model(dir / "copy.pt", space).net, data.inputs), expected));

    SECTION("load_state names a tensor whose shape does not match") {
        const auto wider = evonas::parse_genome("conv(k=3,f=8) dropout(p=0.2) pool(k=2) conv(k=2,f=16) | dense(u=16)", space);
        auto net = lt::build_cnn(wider, space, trainer.data_shape(), {.seed = 99}).net;
        const auto before = net->named_parameters()["f0_conv.weight"].clone();
        CHECK_THROWS_WITH(lt::load_state(*net, lt::state_of(*trained.net), "m.pt"),
                          "m.pt:1:1: the parameter 'f3_conv.weight' has shape [8, 8, 2, 2] in the file but "
                          "[16, 8, 2, 2] in the network");
        CHECK(torch::equal(net->named_parameters()["f0_conv.weight"], before));  // nothing was copied
        auto state = lt::state_of(*trained.net);
        CHECK(state.erase("output.bias") == 1);
        CHECK_THROWS_WITH(lt::load_state(*trained.net, state, "m.pt"), "m.pt:1:1: the parameter 'output.bias' is missing");
        state = lt::state_of(*trained.net);
        state.insert("extra.weight", torch::zeros({1}));
        CHECK_THROWS_WITH(lt::load_state(*trained.net, state, "m.pt"),
                          "m.pt:1:1: the file has a tensor 'extra.weight' the network does not have");
        state = lt::state_of(*trained.net);
        state.insert_or_assign("f0_bn.num_batches_tracked", torch::zeros({}, torch::kFloat32));
        CHECK_THROWS_WITH(lt::load_state(*trained.net, state, "m.pt"),
                          "m.pt:1:1: the buffer 'f0_bn.num_batches_tracked' has type Float in the file but Long in the "
                          "network");
    }
    SECTION("files that are not models of this space are refused") {
        CHECK_THROWS_WITH(lt::load_model(dir / "job-42.pt", evonas::cnn_space(1)),
                          (dir / "job-42.pt").string() + ":1:1: the model was saved for space 'cnn2d', not 'cnn1d'");
        std::ofstream(dir / "junk.pt") << "junk";
        CHECK_THROWS_AS(lt::load_model(dir / "junk.pt", space), evonas::ParseError);
        CHECK_THROWS_AS(lt::load_model(dir / "missing.pt", space), evonas::IoError);
        const auto bytes = torch::pickle_save(torch::IValue(std::string("hello")));
        std::ofstream(dir / "string.pt", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        CHECK_THROWS_WITH(lt::load_model(dir / "string.pt", space),
                          (dir / "string.pt").string() + ":1:1: not a model file (expected a dict)");
    }
    SECTION("Python reads the model file with torch.load") {
        if (std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") != 0) {
            WARN("/usr/bin/python3 with torch not found; the Python check is skipped");
        } else {
            const std::string script =
                "import torch, sys\n"
                "m = torch.load(sys.argv[1])\n"
                "assert m['format'] == 'evonas.cnn_model' and m['space'] == 'cnn2d', m\n"
                "assert list(m['spatial']) == [8, 8] and m['classes'] == 4 and m['channels'] == 1\n"
                "assert m['genome'].startswith('conv(k=3,s=1,f=8'), m['genome']\n"
                "assert tuple(m['state']['f0_conv.weight'].shape) == (8, 1, 3, 3)\n"
                "assert tuple(m['state']['output.weight'].shape) == (4, 16)\n";
            std::ofstream(dir / "read.py") << script;
            CHECK(std::system(("/usr/bin/python3 " + (dir / "read.py").string() + " " + (dir / "job-42.pt").string()).c_str()) == 0);
        }
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("latency: measured per sample when asked, larger for a larger network, same score", "[libtorch][trainer][latency]") {
    const auto space = evonas::cnn_space(2);
    const auto small = evonas::parse_genome("conv(k=3,f=8) | dense(u=16)", space);
    const auto large = evonas::parse_genome("conv(k=3,f=64) conv(k=3,f=64) conv(k=3,f=64) | dense(u=256)", space);
    const lt::TrainerOptions plain{.epochs = 1, .batch_size = 16, .learning_rate = 0.05};
    auto timed_options = plain;
    timed_options.latency = {.repeats = 15, .batch = 8};
    lt::CnnTrainer untimed(space, quadrant_images(64, 1), plain);
    lt::CnnTrainer timed(space, quadrant_images(64, 1), timed_options);
    const auto a = untimed.evaluate(small, job(5));
    const auto b = timed.evaluate(small, job(5));
    REQUIRE(b.ok());
    CHECK_FALSE(a.metric("latency_ms").has_value());
    CHECK(b.score == a.score);  // timing the inference changes nothing of the training
    const auto small_ms = b.metric("latency_ms").value();
    const auto large_ms = timed.evaluate(large, job(5)).metric("latency_ms").value();
    CHECK(small_ms > 0.0);
    CHECK(large_ms > small_ms);  // ~100x the FLOPs
    CHECK_THROWS_WITH(lt::CnnTrainer(space, quadrant_images(40, 1), {.latency = {.repeats = -1}}),
                      Catch::Matchers::Contains("TrainerOptions.latency.repeats"));
}
