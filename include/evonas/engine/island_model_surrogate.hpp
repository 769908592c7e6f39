// evonas: IslandModel's surrogate pre-screen (EvolutionOptions::surrogate):
// member definitions, included by engine/island_model.hpp after the class
// (which documents them).
#pragma once

#include <evonas/engine/island_model.hpp>

namespace evonas {

template <class G>
void IslandModel<G>::learn(const JobRecord<G>& record) {
    if (surrogate_ && record.trained && record.fitness.ok()) {
        surrogate_->learn(record.job.genome, space_, record.fitness.rank_score());
    }
}

template <class G>
void IslandModel<G>::make_surrogate() {
    auto features = ops_.features;
    if (!features) {
        if constexpr (detail::has_features<G>) {
            features = [](const G& g, const space_type& s) { return std::vector<double>(genome_traits<G>::features(g, s)); };
        } else {
            throw ConfigError("operators.features",
                              "the surrogate (EvolutionOptions::surrogate) needs a genome's features: this genome "
                              "type's genome_traits has no features(); give the run EvolutionOperators::features");
        }
    }
    auto predictor = ops_.predictor;
    if (!predictor) predictor = make_predictor(ExtraTrees{ExtraTreesOptions{options_.surrogate.trees}});
    surrogate_.emplace(options_.surrogate, std::move(features), std::move(predictor),
                       derive_seed(options_.seed, 0x737572726F67ULL));  // "surrog"
}

template <class G>
void IslandModel<G>::screen(Island<G>& is, Job<G>& job, const Prepare& prepare) {
    const auto island = job.island;
    std::vector<Job<G>> candidates;
    candidates.push_back(std::move(job));
    const auto twin = [&](std::uint64_t hash) {
        if (options_.duplicates != DuplicatePolicy::allow && seen_.find(hash)) return true;
        return std::any_of(candidates.begin(), candidates.end(), [&](const Job<G>& c) { return c.hash == hash; });
    };
    for (std::size_t k = 1; k < options_.surrogate.candidates; ++k) {
        Job<G> c;
        c.island = island;
        detail::draw_genome(is, c, false, space_, options_, ops_);
        if (prepare) {
            const Check check = prepare(c.genome);
            if (check.verdict == Check::Verdict::invalid) continue;
            if (check.verdict == Check::Verdict::repaired) {
                if (!genome_problem_of(c.genome, space_).empty()) continue;
                c.check_note = check.reason;
            }
        }
        c.hash = genome_hash_of(c.genome, space_);
        if (twin(c.hash)) continue;
        candidates.push_back(std::move(c));
    }
    std::vector<Prediction> predictions;
    predictions.reserve(candidates.size());
    for (const auto& c : candidates) {
        const auto x = surrogate_->features(c.genome, space_);
        predictions.push_back(surrogate_->predict(x));
    }
    const auto pick = surrogate_->pick(predictions, is.breed_rng);
    job = std::move(candidates[pick]);
    job.predicted = Screening{static_cast<std::uint32_t>(candidates.size()), predictions[pick].mean,
                              predictions[pick].spread};
}

}  // namespace evonas
