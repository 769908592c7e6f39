// evonas: extremely randomised trees (Geurts, Ernst and Wehenkel 2006), the
// surrogate's built-in predictor: an ensemble of regression trees, each
// grown on the whole training set with random split thresholds; the mean
// over the trees is the prediction and their standard deviation its spread.
//
// Why extra trees: they work from ten networks to tens of thousands with
// no tuning, need no feature scaling (one-hot layer types and raw counts
// mix freely), fit in milliseconds, and their spread is a usable
// uncertainty for UCB or Thompson acquisition. Gaussian processes cost
// O(n^3) and need a kernel for variable-length genomes; a neural predictor
// needs hundreds of networks before it beats a tree ensemble. No
// well-kept header-only C++ library offers a regression forest (mlpack's
// needs Armadillo and predicts no spread), so this one is written here in
// about 150 lines.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <span>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/random.hpp>
#include <evonas/surrogate/predictor.hpp>

namespace evonas {

/// Settings of the extra-trees predictor.
struct ExtraTreesOptions {
    std::size_t trees = 32;          ///< ensemble members
    std::size_t min_leaf = 2;        ///< fewest networks in a leaf
    std::size_t split_features = 0;  ///< features tried per split; 0: ceil(sqrt(features))
};

/// A fitted extra-trees ensemble: immutable, callable from any thread.
class ExtraTreesModel {
public:
    /// The mean over the trees and their standard deviation. Throws Error
    /// when `x` has another length than the training vectors.
    Prediction operator()(std::span<const double> x) const {
        if (x.size() != dims_) {
            throw Error(fmt::format("extra trees: a feature vector of length {}, the model was fitted on {}", x.size(),
                                    dims_));
        }
        double sum = 0.0, sum2 = 0.0;
        for (const auto root : roots_) {
            const double v = tree_value_at(root, x);
            sum += v;
            sum2 += v * v;
        }
        const double n = static_cast<double>(roots_.size());
        const double mean = sum / n;
        return {mean, std::sqrt(std::max(0.0, sum2 / n - mean * mean))};
    }

    /// One tree's prediction (tree < trees()).
    double tree_value(std::size_t tree, std::span<const double> x) const { return tree_value_at(roots_.at(tree), x); }
    /// Number of trees.
    std::size_t trees() const noexcept { return roots_.size(); }
    /// Nodes over all trees (leaves included).
    std::size_t nodes() const noexcept { return nodes_.size(); }
    /// Length of the feature vectors.
    std::size_t dims() const noexcept { return dims_; }

private:
    friend class ExtraTrees;
    // Preorder layout: an inner node's left child is the next node.
    struct Node {
        std::int32_t feature = -1;  // -1: a leaf
        std::uint32_t right = 0;    // inner nodes: index of the right child
        double value = 0.0;         // leaf: the prediction; inner: the threshold (x <= value goes left)
    };

    double tree_value_at(std::uint32_t at, std::span<const double> x) const {
        for (;;) {
            const Node& n = nodes_[at];
            if (n.feature < 0) return n.value;
            at = x[static_cast<std::size_t>(n.feature)] <= n.value ? at + 1 : n.right;
        }
    }

    std::vector<Node> nodes_;
    std::vector<std::uint32_t> roots_;
    std::size_t dims_ = 0;
};

/// The extra-trees predictor (a Predictor): `ExtraTrees{}(set, seed)` fits
/// and returns an ExtraTreesModel. Deterministic: equal set and seed give an
/// equal model on every machine. Cost: O(trees x n log n x split_features).
class ExtraTrees {
public:
    ExtraTreesOptions options;  ///< the ensemble's settings

    /// Fits `set`. Throws Error for an empty set, vectors of different
    /// lengths or a score that is not finite; ConfigError for bad options.
    ExtraTreesModel operator()(const TrainingSet& set, std::uint64_t seed) const {
        if (options.trees == 0) throw ConfigError("ExtraTreesOptions.trees", "must be at least 1, got 0");
        if (options.min_leaf == 0) throw ConfigError("ExtraTreesOptions.min_leaf", "must be at least 1, got 0");
        const auto n = set.size();
        if (n == 0 || set.x.size() != n) {
            throw Error(fmt::format("extra trees: {} feature vectors and {} scores: need as many, at least one",
                                    set.x.size(), n));
        }
        ExtraTreesModel model;
        model.dims_ = set.x.front().size();
        for (std::size_t i = 0; i < n; ++i) {
            if (set.x[i].size() != model.dims_) {
                throw Error(fmt::format("extra trees: feature vector {} has length {}, the first has {}", i,
                                        set.x[i].size(), model.dims_));
            }
            if (!std::isfinite(set.y[i])) throw Error(fmt::format("extra trees: score {} is not finite", i));
        }
        const std::size_t d = model.dims_;
        const std::size_t k = options.split_features > 0
                                  ? std::min(options.split_features, std::max<std::size_t>(d, 1))
                                  : std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(std::sqrt(double(d)))));
        Rng rng(seed);
        std::vector<std::uint32_t> idx(n);
        std::vector<std::size_t> order(d);
        std::iota(order.begin(), order.end(), std::size_t{0});
        for (std::size_t t = 0; t < options.trees; ++t) {
            std::iota(idx.begin(), idx.end(), 0u);
            model.roots_.push_back(static_cast<std::uint32_t>(model.nodes_.size()));
            grow(model, set, idx, order, k, rng);
        }
        return model;
    }

private:
    struct Task {
        std::size_t lo, hi;     // the networks idx[lo, hi)
        std::int64_t parent;    // >= 0: this is that node's right child
    };

    void grow(ExtraTreesModel& model, const TrainingSet& set, std::vector<std::uint32_t>& idx,
              std::vector<std::size_t>& order, std::size_t k, Rng& rng) const {
        using Node = ExtraTreesModel::Node;
        const std::size_t d = model.dims_;
        std::vector<Task> stack{{0, idx.size(), -1}};
        while (!stack.empty()) {
            const Task task = stack.back();
            stack.pop_back();
            const auto at = static_cast<std::uint32_t>(model.nodes_.size());
            if (task.parent >= 0) model.nodes_[static_cast<std::size_t>(task.parent)].right = at;
            model.nodes_.push_back(Node{});
            const std::size_t count = task.hi - task.lo;
            double sum = 0.0;
            bool constant = true;
            const double first = set.y[idx[task.lo]];
            for (std::size_t i = task.lo; i < task.hi; ++i) {
                sum += set.y[idx[i]];
                constant = constant && set.y[idx[i]] == first;
            }
            const double mean = sum / static_cast<double>(count);
            model.nodes_[at].value = mean;
            if (constant || count < 2 * options.min_leaf) continue;
            // Up to k features that vary here, drawn without replacement; a
            // random threshold each; the best by variance reduction wins
            // (maximising sum_l^2 / n_l + sum_r^2 / n_r is the same).
            double best_gain = -std::numeric_limits<double>::infinity();
            std::int32_t best_feature = -1;
            double best_threshold = 0.0;
            std::size_t tried = 0;
            for (std::size_t j = 0; j < d && tried < k; ++j) {
                std::swap(order[j], order[j + rng.index(d - j)]);
                const std::size_t f = order[j];
                double lo = set.x[idx[task.lo]][f], hi = lo;
                for (std::size_t i = task.lo + 1; i < task.hi; ++i) {
                    const double v = set.x[idx[i]][f];
                    lo = std::min(lo, v);
                    hi = std::max(hi, v);
                }
                if (!(hi > lo)) continue;  // constant here: try another
                ++tried;
                const double threshold = rng.uniform(lo, hi);
                double left_sum = 0.0;
                std::size_t left = 0;
                for (std::size_t i = task.lo; i < task.hi; ++i) {
                    if (set.x[idx[i]][f] <= threshold) {
                        left_sum += set.y[idx[i]];
                        ++left;
                    }
                }
                const std::size_t right = count - left;
                if (left < options.min_leaf || right < options.min_leaf) continue;
                const double right_sum = sum - left_sum;
                const double gain = left_sum * left_sum / double(left) + right_sum * right_sum / double(right);
                if (gain > best_gain) {
                    best_gain = gain;
                    best_feature = static_cast<std::int32_t>(f);
                    best_threshold = threshold;
                }
            }
            if (best_feature < 0) continue;  // no split keeps min_leaf on both sides: a leaf
            const auto f = static_cast<std::size_t>(best_feature);
            const auto mid = std::partition(idx.begin() + static_cast<std::ptrdiff_t>(task.lo),
                                            idx.begin() + static_cast<std::ptrdiff_t>(task.hi),
                                            [&](std::uint32_t i) { return set.x[i][f] <= best_threshold; });
            const auto split = static_cast<std::size_t>(mid - idx.begin());
            model.nodes_[at].feature = best_feature;
            model.nodes_[at].value = best_threshold;
            stack.push_back({split, task.hi, static_cast<std::int64_t>(at)});  // right: after the left subtree
            stack.push_back({task.lo, split, -1});                             // left: the next node
        }
    }
};

}  // namespace evonas
