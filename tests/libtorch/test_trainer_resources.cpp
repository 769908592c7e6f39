// What CnnTrainers share: one copy of the data per process and device.
#include <evonas/libtorch/libtorch.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace lt = evonas::libtorch;

/// 4 classes of 8x8 images: a bright patch in the class's quadrant, plus noise.
lt::Dataset quadrants(std::int64_t n, std::uint64_t seed) {
    auto gen = lt::make_cpu_generator(seed);
    auto x = torch::randn({n, 1, 8, 8}, gen) * 0.3;
    const auto y = torch::randint(0, 4, {n}, gen, torch::kInt64);
    for (std::int64_t i = 0; i < n; ++i) {
        const auto c = y[i].item<std::int64_t>();
        x[i][0].narrow(0, (c / 2) * 4 + 1, 2).narrow(1, (c % 2) * 4 + 1, 2) += 1.5;
    }
    return lt::make_dataset(x, y, 4);
}



}  // namespace

TEST_CASE("trainers of one process share one copy of the data per device", "[libtorch][trainer][data]") {
    const auto space = evonas::cnn_space(2);
    const auto data = quadrants(200, 1);
    std::vector<lt::CnnTrainer> trainers;
    for (std::size_t w = 0; w < 3; ++w) trainers.emplace_back(space, data, lt::TrainerOptions{.epochs = 1}, w);
    const auto* train = trainers[0].train_data().inputs.data_ptr();
    const auto* validation = trainers[0].validation_data().inputs.data_ptr();
    CHECK(train != data.inputs.data_ptr());  // the split is a copy, made once
    for (const auto& t : trainers) {
        CHECK(t.train_data().inputs.data_ptr() == train);
        CHECK(t.validation_data().inputs.data_ptr() == validation);
        CHECK(t.train_data().labels.data_ptr() == trainers[0].train_data().labels.data_ptr());
    }
    CHECK(trainers[0].train_data().size() + trainers[0].validation_data().size() == 200);

    // Another split, or a data set with equal values in other tensors, is other data.
    const lt::CnnTrainer reseeded(space, data, {.split_seed = 9});
    CHECK(reseeded.train_data().inputs.data_ptr() != train);
    const auto twin = lt::make_dataset(data.inputs.clone(), data.labels.clone(), 4);
    const lt::CnnTrainer other(space, twin);
    CHECK(other.train_data().inputs.data_ptr() != train);
    CHECK(torch::equal(other.train_data().inputs, trainers[0].train_data().inputs));  // the same split of equal data

    // Trainers made in several threads at once get the one copy too.
    std::vector<const void*> seen(4);
    {
        std::vector<std::jthread> threads;
        for (std::size_t w = 0; w < 4; ++w) {
            threads.emplace_back([&, w] { seen[w] = lt::CnnTrainer(space, data, {}, w).train_data().inputs.data_ptr(); });
        }
    }
    for (const auto* p : seen) CHECK(p == train);

    // Given train and validation sets: on the CPU the very tensors given.
    const auto [a, b] = lt::split_dataset(data, 0.25, 3);
    const lt::CnnTrainer given(space, a, b);
    CHECK(given.train_data().inputs.data_ptr() == a.inputs.data_ptr());
    CHECK(given.validation_data().labels.data_ptr() == b.labels.data_ptr());
    CHECK(lt::shared_training_data(a, b, torch::kCPU) == lt::shared_training_data(a, b, torch::kCPU));
}
