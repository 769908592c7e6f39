// evonas: what the surrogate pre-screen needs of a model of the score: a
// Predictor fits feature vectors to scores and returns a fitted model that
// predicts a mean and a spread (its uncertainty) for a new vector.
//
//     auto fit = ExtraTrees{};                       // or any Predictor
//     auto model = fit(training_set, seed);          // a FittedModel
//     Prediction p = model(features);                // p.mean, p.spread
//
// Why "fit returns a model" rather than one object with fit() and
// predict(): a fitted model is immutable, so it can be built away from the
// engine's thread and swapped in, and a lambda is a whole predictor.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace evonas {

/// A predicted score: the mean and the uncertainty around it.
struct Prediction {
    double mean = 0.0;    ///< the predicted score
    double spread = 0.0;  ///< its uncertainty (>= 0; the spread across an ensemble's members)
};

/// Finished networks as the predictor sees them: one feature vector (all of
/// the same length) and one score per network, in the order they finished.
struct TrainingSet {
    std::vector<std::vector<double>> x;  ///< feature vectors
    std::vector<double> y;               ///< scores

    /// Number of networks.
    std::size_t size() const noexcept { return y.size(); }
};

/// A fitted model: features in, prediction out. Must be callable from any
/// thread once built (it is read-only).
using FittedModel = std::function<Prediction(std::span<const double>)>;

/// A predictor as the engine holds it (EvolutionOperators::predictor): fits a
/// training set (never empty) with a seed for its randomness and returns the
/// fitted model. Equal inputs must give an equal model, so a resumed run
/// screens as the uninterrupted one did.
using PredictorFunction = std::function<FittedModel(const TrainingSet&, std::uint64_t)>;

/// A callable `p(set, seed)` returning something callable on a feature
/// vector that gives a Prediction: ExtraTrees, or a lambda.
template <class P>
concept Predictor = requires(P& p, const TrainingSet& set, std::uint64_t seed) {
    { p(set, seed) };
    requires requires(decltype(p(set, seed)) model, std::span<const double> x) {
        { model(x) } -> std::convertible_to<Prediction>;
    };
};

}  // namespace evonas
