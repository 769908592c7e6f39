// evonas::libtorch: one read-only copy of the training and validation data
// per device for all the trainers of a process.
//
// Every CnnTrainer needs its data split (stratified, the same seed for all)
// and on its device. Made per trainer, W workers held W copies (plus the
// caller's); shared_training_data() makes the copy once per (data set,
// split, device) and hands every trainer that asks for the same a
// shared_ptr to it, so a process holds one copy per device in use: one on
// the CPU, one per GPU. The copy is freed when the last trainer using it
// is destroyed.
//
// "The same data set" means the same tensors (a Dataset and its copies
// share them), not equal values; the cache remembers them with weak
// references, so it keeps no data alive and a freed data set can never be
// mistaken for a new one at the same address.
//
// Optional part: include it only when linking evonas::libtorch.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include <evonas/libtorch/dataset.hpp>

namespace evonas::libtorch {

/// Training and validation data on one device, read-only once made, so
/// any number of trainers (threads) may read it at once.
struct TrainingData {
    Dataset train;       ///< what the network trains on
    Dataset validation;  ///< what scores it
};

namespace detail {

using WeakTensor = c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>;

/// Identity of the tensors a TrainingData was made from: equal while those
/// tensors live, never equal to later tensors at the same address.
struct SourceTensors {
    std::vector<WeakTensor> tensors;

    explicit SourceTensors(const std::vector<torch::Tensor>& ts) {
        for (const auto& t : ts) tensors.emplace_back(t.getIntrusivePtr());
    }
    bool alive() const {
        for (const auto& t : tensors) {
            if (t.expired()) return false;
        }
        return true;
    }
    bool same(const std::vector<torch::Tensor>& ts) const {
        if (ts.size() != tensors.size()) return false;
        for (std::size_t i = 0; i < ts.size(); ++i) {
            if (tensors[i].expired() || tensors[i]._unsafe_get_target() != ts[i].unsafeGetTensorImpl()) return false;
        }
        return true;
    }
};

struct SharedDataEntry {
    SourceTensors source;
    // how the data was split (fraction 0: given as train and validation), and where it lives
    std::tuple<double, std::uint64_t, int, int> how;
    std::weak_ptr<const TrainingData> data;
};

struct SharedDataCache {
    std::mutex mutex;
    std::vector<SharedDataEntry> entries;
};

inline SharedDataCache& shared_data_cache() {
    static SharedDataCache cache;
    return cache;
}

template <class Make>
std::shared_ptr<const TrainingData> shared_data(const std::vector<torch::Tensor>& source,
                                                const std::tuple<double, std::uint64_t, int, int>& how, Make&& make) {
    auto& cache = shared_data_cache();
    std::lock_guard<std::mutex> lock(cache.mutex);
    std::erase_if(cache.entries, [](const SharedDataEntry& e) { return e.data.expired() || !e.source.alive(); });
    for (const auto& e : cache.entries) {
        if (e.how == how && e.source.same(source)) {
            if (auto data = e.data.lock()) return data;
        }
    }
    auto data = std::make_shared<const TrainingData>(make());
    cache.entries.push_back({SourceTensors(source), how, data});
    return data;
}

inline std::tuple<int, int> device_key(torch::Device device) {
    return {static_cast<int>(device.type()), static_cast<int>(device.index())};
}

}  // namespace detail

/// `data` split by split_dataset(data, validation_fraction, split_seed) and
/// moved to `device`, made once per process and shared: every call with the
/// same data set (the same tensors), fraction, seed and device returns the
/// same object while one returned earlier is still held. Throws ConfigError
/// as split_dataset. Thread safety: safe to call from several threads at
/// once (the first caller makes the copy, the others wait for it).
inline std::shared_ptr<const TrainingData> shared_training_data(const Dataset& data, double validation_fraction,
                                                                std::uint64_t split_seed, torch::Device device) {
    const auto [type, index] = detail::device_key(device);
    return detail::shared_data({data.inputs, data.labels}, {validation_fraction, split_seed, type, index}, [&] {
        auto [train, validation] = split_dataset(data, validation_fraction, split_seed);
        return TrainingData{train.to(device), validation.to(device)};
    });
}

/// `train` and `validation` on `device`, made once per process and shared
/// as above (on the CPU with CPU tensors nothing is copied: the tensors
/// are `train`'s and `validation`'s own). Thread safety: as above.
inline std::shared_ptr<const TrainingData> shared_training_data(const Dataset& train, const Dataset& validation,
                                                                torch::Device device) {
    const auto [type, index] = detail::device_key(device);
    return detail::shared_data({train.inputs, train.labels, validation.inputs, validation.labels},
                               {0.0, 0, type, index},
                               [&] { return TrainingData{train.to(device), validation.to(device)}; });
}

}  // namespace evonas::libtorch
