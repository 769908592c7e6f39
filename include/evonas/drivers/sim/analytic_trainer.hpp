// evonas: an instant, analytic "trainer" for simulations: its fitness is how
// close a genome is to a fixed target architecture. It lets the simulator
// ask scheduling questions (how fast does the best improve with this many
// workers, islands, this migration?) without training anything.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include <evonas/engine/fitness.hpp>
#include <evonas/engine/trainer.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas::sim {

/// Similarity in [0, 1] of `g` to `target`, section by section and layer by
/// layer: a layer of the target's type earns 1 plus how close its parameters
/// are (numeric: 1 - distance / range; choices and booleans: equal or not);
/// a missing or extra layer costs 1. Random genomes score low and evolution
/// climbs towards 1 step by step, as with a real data set.
inline double genome_similarity(const Genome<LayerGene>& g, const Genome<LayerGene>& target, const SearchSpace& space) {
    double score = 0.0;
    double best = 0.0;
    for (std::size_t s = 0; s < target.section_count() && s < g.section_count(); ++s) {
        const auto& a = g.section(s);
        const auto& t = target.section(s);
        best += 2.0 * static_cast<double>(t.size());
        for (std::size_t i = 0; i < std::max(a.size(), t.size()); ++i) {
            if (i >= a.size() || i >= t.size()) {
                score -= 1.0;
                continue;
            }
            if (a[i].type != t[i].type) continue;
            score += 1.0;
            const auto& params = space.layer_type(t[i].type).params;
            if (params.empty()) {
                score += 1.0;
                continue;
            }
            double close = 0.0;
            for (std::size_t p = 0; p < params.size(); ++p) {
                const auto& spec = params[p];
                if (spec.is_numeric() && spec.hi > spec.lo) {
                    close += 1.0 - std::abs(a[i].values[p] - t[i].values[p]) / (spec.hi - spec.lo);
                } else {
                    close += a[i].values[p] == t[i].values[p] ? 1.0 : 0.0;
                }
            }
            score += close / static_cast<double>(params.size());
        }
    }
    return best > 0.0 ? std::max(0.0, score / best) : 0.0;
}

/// A Trainer whose fitness is genome_similarity() to `target`; instant and
/// deterministic. `space` must outlive it. Thread safety: evaluate() is const.
struct SimilarityTrainer {
    Genome<LayerGene> target;            ///< the architecture that scores 1
    const SearchSpace* space = nullptr;  ///< the space of `target` and of the genomes scored

    /// "similarity", the trainer's name in run files.
    std::string name() const { return "similarity"; }
    /// Fitness::of(genome_similarity(genome, target, *space)).
    Fitness evaluate(const Genome<LayerGene>& genome, const JobContext&) const {
        return Fitness::of(genome_similarity(genome, target, *space));
    }
};

}  // namespace evonas::sim
