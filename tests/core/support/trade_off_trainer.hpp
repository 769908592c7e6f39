// Test support: a trainer with two objectives in conflict, for
// multi-objective runs: accuracy is the similarity to a deep target
// genome, and the metric "params" grows tenfold per two layers.
#pragma once

#include <evonas/engine/trainer.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/genome/random_genome.hpp>
#include <evonas/space/search_space.hpp>

#include <cmath>

#include "trainers.hpp"

namespace evonas::test {

/// Accuracy: similarity to `target`; "params": 10^(2 + layers / 2).
struct TradeOffTrainer {
    Genome<LayerGene> target;
    const SearchSpace* space = nullptr;

    Fitness evaluate(const Genome<LayerGene>& genome, const JobContext&) const {
        double layers = 0.0;
        for (std::size_t s = 0; s < genome.section_count(); ++s) layers += static_cast<double>(genome.section(s).size());
        auto f = Fitness::of(target_similarity(genome, target, *space));
        f.with("params", std::pow(10.0, 2.0 + layers / 2.0));
        return f;
    }
};

/// The deepest of 200 random genomes of `space` (a target worth layers).
inline Genome<LayerGene> deep_target(const SearchSpace& space) {
    Rng rng(9);
    auto best = random_genome(space, rng);
    for (int k = 0; k < 200; ++k) {
        auto g = random_genome(space, rng);
        if (g.section(0).size() + g.section(1).size() > best.section(0).size() + best.section(1).size()) best = g;
    }
    return best;
}

}  // namespace evonas::test
