// evonas::libtorch: labelled data sets as tensors, from .npy files, from
// tensors Python saved with torch.save, or from tensors you already have;
// and a reproducible stratified train/validation split.
//
// Layout: inputs are [samples, channels, spatial...] (1, 2 or 3 spatial
// axes; add a channel axis with unsqueeze(1) if your data has none), any
// numeric type, converted to float32; labels are [samples] class indices of
// an integer (or bool) type, converted to int64, each in [0, classes).
//
// Optional part: include it only when linking evonas::libtorch.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/genome/cnn_shape.hpp>
#include <evonas/io/files.hpp>
#include <evonas/io/npy.hpp>
#include <evonas/random.hpp>

namespace evonas::libtorch {

/// The tensor a .npy array holds, with the matching dtype (uint16, uint32
/// and uint64, which LibTorch 1.x lacks, become int64; a uint64 value above
/// INT64_MAX throws ConfigError). The tensor owns a copy of the data.
inline torch::Tensor tensor_from_npy(const NpyArray& array) {
    array.check_consistent();
    std::vector<std::int64_t> shape(array.shape.begin(), array.shape.end());
    const auto copy_as = [&](torch::ScalarType type) {
        auto t = torch::empty(shape, torch::TensorOptions().dtype(type));
        if (!array.data.empty()) std::memcpy(t.data_ptr(), array.data.data(), array.data.size());
        return t;
    };
    switch (array.type) {
        case NpyType::boolean: return copy_as(torch::kBool);
        case NpyType::int8: return copy_as(torch::kInt8);
        case NpyType::int16: return copy_as(torch::kInt16);
        case NpyType::int32: return copy_as(torch::kInt32);
        case NpyType::int64: return copy_as(torch::kInt64);
        case NpyType::uint8: return copy_as(torch::kUInt8);
        case NpyType::float16: return copy_as(torch::kFloat16);
        case NpyType::float32: return copy_as(torch::kFloat32);
        case NpyType::float64: return copy_as(torch::kFloat64);
        case NpyType::uint16:
        case NpyType::uint32:
        case NpyType::uint64: {
            const auto values = array.values<std::uint64_t>();
            std::vector<std::int64_t> wide(values.size());
            for (std::size_t i = 0; i < values.size(); ++i) {
                if (values[i] > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                    throw ConfigError("npy", fmt::format("{} value {} does not fit int64", to_string(array.type), values[i]));
                }
                wide[i] = static_cast<std::int64_t>(values[i]);
            }
            return torch::tensor(wide, torch::kInt64).reshape(shape);
        }
    }
    throw ConfigError("npy", "unknown element type");
}

/// The .npy array of a CPU tensor of type bool, int8/16/32/64, uint8,
/// float16/32/64 (other types throw ConfigError). Non-contiguous tensors
/// are copied to C order.
inline NpyArray npy_from_tensor(const torch::Tensor& tensor) {
    const auto t = tensor.detach().to(torch::kCPU).contiguous();
    NpyArray array;
    switch (t.scalar_type()) {
        case torch::kBool: array.type = NpyType::boolean; break;
        case torch::kInt8: array.type = NpyType::int8; break;
        case torch::kInt16: array.type = NpyType::int16; break;
        case torch::kInt32: array.type = NpyType::int32; break;
        case torch::kInt64: array.type = NpyType::int64; break;
        case torch::kUInt8: array.type = NpyType::uint8; break;
        case torch::kFloat16: array.type = NpyType::float16; break;
        case torch::kFloat32: array.type = NpyType::float32; break;
        case torch::kFloat64: array.type = NpyType::float64; break;
        default:
            throw ConfigError("tensor", fmt::format("type {} has no .npy counterpart here", c10::toString(t.scalar_type())));
    }
    array.shape.assign(t.sizes().begin(), t.sizes().end());
    array.data.resize(static_cast<std::size_t>(t.numel()) * npy_item_size(array.type));
    if (!array.data.empty()) std::memcpy(array.data.data(), t.data_ptr(), array.data.size());
    return array;
}

/// A labelled data set in memory. Copies share the tensors; nothing in a
/// Dataset is modified after it is made, so several trainers (threads) may
/// read one at once.
struct Dataset {
    torch::Tensor inputs;  ///< float32 [samples, channels, spatial...]
    torch::Tensor labels;  ///< int64 [samples], each in [0, classes)
    std::int64_t classes = 0;  ///< number of classes the labels index

    /// Number of samples (0 when empty).
    std::int64_t size() const { return inputs.defined() ? inputs.size(0) : 0; }

    /// One sample's shape and the number of classes.
    CnnDataShape shape() const {
        CnnDataShape s;
        s.channels = inputs.size(1);
        s.spatial.assign(inputs.sizes().begin() + 2, inputs.sizes().end());
        s.classes = classes;
        return s;
    }

    /// The samples at `indices` (int64, on any device).
    Dataset subset(const torch::Tensor& indices) const {
        const auto idx = indices.to(inputs.device());
        return {inputs.index_select(0, idx), labels.index_select(0, idx.to(labels.device())), classes};
    }

    /// The same data on `device`.
    Dataset to(torch::Device device) const { return {inputs.to(device), labels.to(device), classes}; }
};

/// A data set from tensors (see the layout at the top of this header);
/// `classes` 0 means the largest label + 1 (at least 2). Throws
/// ConfigError("<field>.inputs" / ".labels" / ".classes", ...) naming what
/// is wrong: rank, types, sample counts, labels out of range, no samples.
inline Dataset make_dataset(torch::Tensor inputs, torch::Tensor labels, std::int64_t classes = 0,
                            const std::string& field = "dataset") {
    if (!inputs.defined() || inputs.dim() < 3 || inputs.dim() > 5) {
        throw ConfigError(field + ".inputs",
                          fmt::format("needs shape [samples, channels, spatial...] with 1 to 3 spatial axes, got {} "
                                      "axes (add a channel axis with unsqueeze(1))",
                                      inputs.defined() ? inputs.dim() : 0));
    }
    if (inputs.is_complex() || inputs.scalar_type() == torch::kBool) {
        throw ConfigError(field + ".inputs", fmt::format("type {} is not numeric", c10::toString(inputs.scalar_type())));
    }
    if (!labels.defined() || labels.dim() != 1) {
        throw ConfigError(field + ".labels", fmt::format("needs shape [samples], got {} axes",
                                                         labels.defined() ? labels.dim() : 0));
    }
    if (labels.is_floating_point() || labels.is_complex()) {
        throw ConfigError(field + ".labels",
                          fmt::format("must be class indices of an integer type, got {}", c10::toString(labels.scalar_type())));
    }
    if (labels.size(0) != inputs.size(0)) {
        throw ConfigError(field + ".labels", fmt::format("{} labels for {} samples", labels.size(0), inputs.size(0)));
    }
    if (inputs.size(0) == 0) throw ConfigError(field + ".inputs", "has no samples");
    for (std::int64_t a = 1; a < inputs.dim(); ++a) {
        if (inputs.size(a) < 1) throw ConfigError(field + ".inputs", fmt::format("axis {} is empty", a));
    }
    Dataset d;
    d.inputs = inputs.to(torch::kFloat32).contiguous();
    d.labels = labels.to(torch::kInt64).contiguous();
    const auto lo = d.labels.min().item<std::int64_t>();
    const auto hi = d.labels.max().item<std::int64_t>();
    if (lo < 0) throw ConfigError(field + ".labels", fmt::format("label {} is negative", lo));
    if (classes == 0) classes = std::max<std::int64_t>(hi + 1, 2);
    if (classes < 2) throw ConfigError(field + ".classes", fmt::format("must be at least 2, got {}", classes));
    if (hi >= classes) {
        throw ConfigError(field + ".labels", fmt::format("label {} is not below the number of classes ({})", hi, classes));
    }
    d.classes = classes;
    return d;
}

/// A data set from two .npy files (inputs and labels). Throws IoError or
/// ParseError for unreadable files, ConfigError as make_dataset.
inline Dataset load_npy_dataset(const std::filesystem::path& inputs, const std::filesystem::path& labels,
                                std::int64_t classes = 0) {
    return make_dataset(tensor_from_npy(read_npy(inputs)), tensor_from_npy(read_npy(labels)), classes,
                        inputs.filename().string());
}

/// A data set from a file Python wrote with torch.save({inputs_key: x,
/// labels_key: y}, path) (a dict of tensors). Throws IoError when the file
/// cannot be read, ParseError when it is not such a dict or a key is
/// missing, ConfigError as make_dataset.
inline Dataset load_torch_dataset(const std::filesystem::path& path, const std::string& inputs_key = "x",
                                  const std::string& labels_key = "y", std::int64_t classes = 0) {
    const std::string bytes = read_text_file(path, "torch.save file");
    torch::IValue value;
    try {
        value = torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
    } catch (const c10::Error& e) {
        throw ParseError(path.string(), 1, 1,
                         fmt::format("not a file torch.save wrote: {}", std::string(e.what_without_backtrace())));
    } catch (const std::exception& e) {
        throw ParseError(path.string(), 1, 1, fmt::format("not a file torch.save wrote: {}", e.what()));
    }
    if (!value.isGenericDict()) throw ParseError(path.string(), 1, 1, "expected a dict of tensors");
    const auto dict = value.toGenericDict();
    const auto get = [&](const std::string& key) {
        const auto it = dict.find(key);
        if (it == dict.end()) throw ParseError(path.string(), 1, 1, fmt::format("the dict has no key '{}'", key));
        if (!it->value().isTensor()) throw ParseError(path.string(), 1, 1, fmt::format("'{}' is not a tensor", key));
        return it->value().toTensor();
    };
    return make_dataset(get(inputs_key), get(labels_key), classes, path.filename().string());
}

/// Splits `data` into (train, validation), stratified: within each class a
/// fraction `validation_fraction` of its samples (rounded, at least one when
/// the class has two or more) goes to validation, drawn with an Rng seeded
/// by `seed`. Throws ConfigError when the fraction is not in (0, 1) or a
/// part would be empty. Thread safety: reads `data` only; safe to call from
/// several threads at once.
inline std::pair<Dataset, Dataset> split_dataset(const Dataset& data, double validation_fraction, std::uint64_t seed = 0) {
    if (!(validation_fraction > 0.0 && validation_fraction < 1.0)) {
        throw ConfigError("validation_fraction", fmt::format("must be in (0, 1), got {}", validation_fraction));
    }
    const auto labels = data.labels.to(torch::kCPU);
    const auto* y = labels.data_ptr<std::int64_t>();
    std::vector<std::vector<std::int64_t>> by_class(static_cast<std::size_t>(data.classes));
    for (std::int64_t i = 0; i < labels.size(0); ++i) by_class[static_cast<std::size_t>(y[i])].push_back(i);
    Rng rng(seed);
    std::vector<std::int64_t> train, validation;
    for (auto& members : by_class) {
        for (std::size_t i = members.size(); i > 1; --i) std::swap(members[i - 1], members[rng.index(i)]);
        auto take = static_cast<std::size_t>(validation_fraction * static_cast<double>(members.size()) + 0.5);
        if (members.size() >= 2) take = std::clamp<std::size_t>(take, 1, members.size() - 1);
        validation.insert(validation.end(), members.begin(), members.begin() + static_cast<std::ptrdiff_t>(take));
        train.insert(train.end(), members.begin() + static_cast<std::ptrdiff_t>(take), members.end());
    }
    if (train.empty() || validation.empty()) {
        throw ConfigError("validation_fraction",
                          fmt::format("splitting {} samples by {} leaves an empty part", data.size(), validation_fraction));
    }
    std::sort(train.begin(), train.end());
    std::sort(validation.begin(), validation.end());
    return {data.subset(torch::tensor(train, torch::kInt64)), data.subset(torch::tensor(validation, torch::kInt64))};
}

}  // namespace evonas::libtorch
