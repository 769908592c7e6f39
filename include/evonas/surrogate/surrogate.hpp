// evonas: the surrogate pre-screen's state inside a run: the finished
// networks' features and scores, the fitted predictor, its refit schedule,
// and the acquisition rule that picks one of several bred candidates.
//
// An IslandModel with EvolutionOptions::surrogate on owns one. It learns
// from every trained network in the order the run finishes them (the
// lineage log's order), and each refit's seed derives from the run seed and
// the number of networks, so a resumed run, fed the log again, holds the
// same model and screens as the uninterrupted run would have.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/genome/genome_traits.hpp>
#include <evonas/random.hpp>
#include <evonas/surrogate/extra_trees.hpp>
#include <evonas/surrogate/predictor.hpp>
#include <evonas/surrogate/surrogate_options.hpp>

namespace evonas {

/// Wraps any Predictor (ExtraTrees, a lambda) as a PredictorFunction; the
/// fitted model is shared, not copied, by the functions that hold it.
template <Predictor P>
PredictorFunction make_predictor(P predictor) {
    return [p = std::move(predictor)](const TrainingSet& set, std::uint64_t seed) mutable -> FittedModel {
        auto model = std::make_shared<const std::decay_t<decltype(p(set, seed))>>(p(set, seed));
        return [model](std::span<const double> x) -> Prediction { return (*model)(x); };
    };
}

/// Spearman's rank correlation of `a` and `b` (equal lengths; ties get
/// their average rank); NaN with fewer than 2 pairs or a constant side.
inline double rank_correlation(std::span<const double> a, std::span<const double> b) {
    const std::size_t n = std::min(a.size(), b.size());
    if (n < 2) return std::numeric_limits<double>::quiet_NaN();
    const auto ranks = [n](std::span<const double> v) {
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return v[i] < v[j]; });
        std::vector<double> r(n);
        for (std::size_t i = 0; i < n;) {
            std::size_t j = i;
            while (j + 1 < n && v[order[j + 1]] == v[order[i]]) ++j;
            const double average = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
            for (std::size_t k = i; k <= j; ++k) r[order[k]] = average;
            i = j + 1;
        }
        return r;
    };
    const auto ra = ranks(a), rb = ranks(b);
    const double mean = (static_cast<double>(n) + 1.0) / 2.0;
    double sab = 0.0, saa = 0.0, sbb = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        sab += (ra[i] - mean) * (rb[i] - mean);
        saa += (ra[i] - mean) * (ra[i] - mean);
        sbb += (rb[i] - mean) * (rb[i] - mean);
    }
    if (saa == 0.0 || sbb == 0.0) return std::numeric_limits<double>::quiet_NaN();
    return sab / std::sqrt(saa * sbb);
}

/// The surrogate of one run (see the top of this header).
template <class G>
class Surrogate {
public:
    using space_type = space_of<G>;  ///< the genome type's space
    /// A genome's fixed-length features.
    using Features = std::function<std::vector<double>(const G&, const space_type&)>;

    /// `seed`: the run's; each refit's seed derives from it and the number
    /// of networks learned.
    Surrogate(SurrogateOptions options, Features features, PredictorFunction predictor, std::uint64_t seed)
        : options_(options), features_(std::move(features)), predictor_(std::move(predictor)), seed_(seed) {}

    /// `genome`'s features; Error when their length differs from the first
    /// genome's (the predictor needs one length).
    std::vector<double> features(const G& genome, const space_type& space) const {
        auto x = features_(genome, space);
        if (!data_.x.empty() && x.size() != data_.x.front().size()) {
            throw Error(fmt::format("surrogate: a genome's features have length {}, earlier ones {}: "
                                    "EvolutionOperators::features must give every genome of a run one length",
                                    x.size(), data_.x.front().size()));
        }
        return x;
    }

    /// Adds a trained network and its score; refits when min_trained are
    /// scored and refit_interval() new ones came since the last fit.
    void learn(const G& genome, const space_type& space, double score) {
        auto x = features(genome, space);
        data_.x.push_back(std::move(x));
        data_.y.push_back(score);
        const auto n = data_.size();
        if (n >= options_.min_trained && n - fitted_at_ >= options_.refit_interval(n)) refit();
    }

    /// True once a model is fitted (min_trained networks scored).
    bool ready() const noexcept { return static_cast<bool>(model_); }

    /// The fitted model's prediction for features `x` (ready() only).
    Prediction predict(std::span<const double> x) const { return model_(x); }

    /// The candidate to train, by the acquisition rule; with probability
    /// `exploration` one at random. `predictions` not empty.
    std::size_t pick(std::span<const Prediction> predictions, Rng& rng) const {
        if (rng.chance(options_.exploration)) return rng.index(predictions.size());
        std::size_t best = 0;
        double best_value = -std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i < predictions.size(); ++i) {
            const auto& p = predictions[i];
            double value = p.mean;
            if (options_.acquisition == Acquisition::ucb) {
                value += options_.ucb_kappa * p.spread;
            } else if (options_.acquisition == Acquisition::thompson) {
                // A draw with the prediction's spread: triangular on (-1, 1)
                // has variance 1/6 (portable: no transcendental functions).
                value += p.spread * 2.449489742783178 * rng.triangular();
            }
            if (value > best_value) {
                best_value = value;
                best = i;
            }
        }
        return best;
    }

    /// Fits the predictor on everything learned so far.
    void refit() {
        if (data_.size() == 0) return;
        model_ = predictor_(data_, derive_seed(seed_, 0x73757272ULL + data_.size()));  // "surr"
        fitted_at_ = data_.size();
        ++refits_;
    }

    /// Networks learned so far.
    std::size_t scored() const noexcept { return data_.size(); }
    /// Networks the current model was fitted on.
    std::size_t fitted_at() const noexcept { return fitted_at_; }
    /// Fits so far.
    std::uint64_t refits() const noexcept { return refits_; }
    /// The options in use.
    const SurrogateOptions& options() const noexcept { return options_; }
    /// What was learned: features and scores, in order.
    const TrainingSet& data() const noexcept { return data_; }

private:
    SurrogateOptions options_;
    Features features_;
    PredictorFunction predictor_;
    std::uint64_t seed_ = 0;
    TrainingSet data_;
    FittedModel model_;
    std::size_t fitted_at_ = 0;
    std::uint64_t refits_ = 0;
};

}  // namespace evonas
