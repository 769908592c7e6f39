// Test support for early stopping: a trainer with a learning curve per
// genome that reports after every epoch but the last and stops when told.
#pragma once

#include <evonas/engine/stopper.hpp>
#include <evonas/engine/trainer.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/random.hpp>

#include <atomic>
#include <cmath>
#include <cstdint>

#include "trainers.hpp"

namespace evonas::test {

/// The value after epoch e is q * (1 - 0.6^e) + noise from the job's seed,
/// q = similarity to a target: curves rise and the noise makes them cross,
/// so a stopper has decisions to make. Counts the epochs it trained.
struct CurveTrainer {
    Genome<LayerGene> target;
    const SearchSpace* space = nullptr;
    int epochs = 9;
    std::atomic<long>* trained_epochs = nullptr;

    static double value_at(double q, int e, std::uint64_t seed) {
        return q * (1.0 - std::pow(0.6, e)) + 0.01 * Rng(derive_seed(seed, static_cast<std::uint64_t>(e))).uniform();
    }
    Fitness evaluate(const Genome<LayerGene>& g, const JobContext& ctx) const {
        const double q = target_similarity(g, target, *space);
        for (int e = 1; e <= epochs; ++e) {
            if (trained_epochs) ++*trained_epochs;
            if (e == epochs || ctx.report(e, value_at(q, e, ctx.seed)) == Decision::stop) {
                return Fitness::of(value_at(q, e, ctx.seed)).with("epochs", e);
            }
        }
        return Fitness::failed("unreachable");
    }
};

}  // namespace evonas::test
