// evonas examples: a labelled data set as plain arrays, and the few portable
// random draws the synthetic science generators share.
//
// The generators (sans/, minerva/, em/) use only the C++ standard library
// and evonas::Rng, so a seed gives the same data on every platform and the
// data side builds without LibTorch. An example program turns a Dataset into
// tensors with torch::from_blob(data.data(), shape).clone() and
// torch::tensor(labels).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/random.hpp>

namespace evonas::examples {

/// A labelled data set in memory: inputs `data` in row-major order with
/// shape [samples, channels, spatial...], one class index per sample in
/// `labels`, and the class names (index = label). Named Dataset like
/// evonas::libtorch::Dataset (tensors); qualify one of them when both
/// namespaces are in use. Thread safety: a const Dataset may be read by
/// several threads at once.
struct Dataset {
    std::vector<std::int64_t> shape;       ///< [samples, channels, spatial...]
    std::vector<float> data;               ///< product(shape) values, row-major
    std::vector<std::int64_t> labels;      ///< [samples], each in [0, classes())
    std::vector<std::string> class_names;  ///< index = label

    /// Number of samples (shape[0]; 0 when shape is empty).
    std::int64_t size() const noexcept { return shape.empty() ? 0 : shape[0]; }

    /// Number of classes (class_names.size()).
    std::int64_t classes() const noexcept { return static_cast<std::int64_t>(class_names.size()); }

    /// Values per sample: the product of shape[1..].
    std::int64_t sample_size() const noexcept {
        std::int64_t n = 1;
        for (std::size_t a = 1; a < shape.size(); ++a) n *= shape[a];
        return shape.empty() ? 0 : n;
    }

    /// Sample i's values (sample_size() floats).
    std::span<const float> sample(std::int64_t i) const {
        const auto n = static_cast<std::size_t>(sample_size());
        return std::span<const float>(data).subspan(static_cast<std::size_t>(i) * n, n);
    }
    std::span<float> sample(std::int64_t i) {
        const auto n = static_cast<std::size_t>(sample_size());
        return std::span<float>(data).subspan(static_cast<std::size_t>(i) * n, n);
    }

    /// Samples per class, indexed by label.
    std::vector<std::int64_t> class_counts() const {
        std::vector<std::int64_t> counts(class_names.size(), 0);
        for (auto label : labels) {
            if (label >= 0 && label < classes()) ++counts[static_cast<std::size_t>(label)];
        }
        return counts;
    }

    /// Throws ConfigError("dataset.<field>", ...) when the arrays disagree:
    /// shape with fewer than 2 axes or a non-positive axis, data size, label
    /// count, a label outside [0, classes()). (Raw SANS curves are [N, points];
    /// network inputs have a channel axis.)
    void check() const {
        if (shape.size() < 2) {
            throw ConfigError("dataset.shape",
                              fmt::format("needs [samples, values...], got {} axes", shape.size()));
        }
        std::size_t total = 1;
        for (std::size_t a = 0; a < shape.size(); ++a) {
            if (shape[a] < 1) throw ConfigError("dataset.shape", fmt::format("axis {} is {}", a, shape[a]));
            total *= static_cast<std::size_t>(shape[a]);
        }
        if (data.size() != total) {
            throw ConfigError("dataset.data", fmt::format("{} values for a shape holding {}", data.size(), total));
        }
        if (labels.size() != static_cast<std::size_t>(shape[0])) {
            throw ConfigError("dataset.labels", fmt::format("{} labels for {} samples", labels.size(), shape[0]));
        }
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (labels[i] < 0 || labels[i] >= classes()) {
                throw ConfigError("dataset.labels",
                                  fmt::format("label {} of sample {} is outside [0, {})", labels[i], i, classes()));
            }
        }
    }
};

/// The samples of `d` at `indices` (in that order), with the same class names.
inline Dataset subset(const Dataset& d, std::span<const std::int64_t> indices) {
    Dataset out;
    out.shape = d.shape;
    out.shape.at(0) = static_cast<std::int64_t>(indices.size());
    out.class_names = d.class_names;
    const auto n = static_cast<std::size_t>(d.sample_size());
    out.data.resize(indices.size() * n);
    out.labels.resize(indices.size());
    for (std::size_t k = 0; k < indices.size(); ++k) {
        const auto src = d.sample(indices[k]);
        std::copy(src.begin(), src.end(), out.data.begin() + static_cast<std::ptrdiff_t>(k * n));
        out.labels[k] = d.labels.at(static_cast<std::size_t>(indices[k]));
    }
    return out;
}

/// A permutation of [0, n) drawn with Fisher-Yates from `seed` (portable).
inline std::vector<std::int64_t> permutation(std::int64_t n, std::uint64_t seed) {
    std::vector<std::int64_t> p(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)));
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::int64_t>(i);
    Rng rng(seed);
    for (std::size_t i = p.size(); i > 1; --i) std::swap(p[i - 1], p[rng.index(i)]);
    return p;
}

/// `d` with its samples in a random order drawn from `seed`.
inline Dataset shuffled(const Dataset& d, std::uint64_t seed) {
    const auto p = permutation(d.size(), seed);
    return subset(d, p);
}

// ---- portable random draws shared by the generators ------------------------

/// A standard normal draw by Box-Muller from two Rng uniforms (the second
/// value of the pair is dropped, which keeps the draw stateless).
inline double standard_normal(Rng& rng) {
    const double u1 = 1.0 - rng.uniform();  // (0, 1]: log is finite
    const double u2 = rng.uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

/// A draw uniform in log between lo and hi (0 < lo <= hi).
inline double log_uniform(Rng& rng, double lo, double hi) {
    return lo * std::exp(rng.uniform() * std::log(hi / lo));
}

/// An exponential draw with the given mean.
inline double exponential(Rng& rng, double mean) { return -mean * std::log(1.0 - rng.uniform()); }

/// A Poisson draw (Knuth's product of uniforms; meant for small means).
inline std::int64_t poisson(Rng& rng, double mean) {
    if (mean <= 0.0) return 0;
    if (mean > 30.0) {  // normal approximation keeps the loop short
        return std::max<std::int64_t>(0, std::llround(mean + std::sqrt(mean) * standard_normal(rng)));
    }
    const double limit = std::exp(-mean);
    std::int64_t k = 0;
    double product = rng.uniform();
    while (product > limit) {
        ++k;
        product *= rng.uniform();
    }
    return k;
}

}  // namespace evonas::examples
