// The search-efficiency benchmark's evonas methods: how each row of the page
// configures the library. Every method gets the library's defaults unless
// its row says otherwise; nothing is tuned per task.
//
//   evolution         unseeded evolution with the library's defaults
//   seeded            the same, starting from the task's human-designed network
//   random            random search: every network a fresh random genome
//                     (EvolutionOptions::random_fraction = 1), same space,
//                     same trainer check, no selection
//   evolution_old     ablation: evonas 0.1's defaults (the classic preset and
//                     a CNN space without the convolution requirement)
//   evolution_rf10    ablation: the defaults with random_fraction = 0.1
//   evolution_asha    the early-stopping study: `evolution`'s resolved
//                     settings (population, islands, ...) with the
//                     library's ASHA stopper (rungs at epochs 1, 3, 9, ...)
//                     and a budget of networks x epochs epochs of training
//                     instead of `networks` networks
//   evolution_mo      the multi-objective study: the defaults with two
//                     objectives, validation accuracy (max) and parameters
//                     (min, log scale), NSGA-II's crowding replacement;
//                     the study compares fronts by hypervolume
//                     (mo_objectives(): reference accuracy 0, 10^7 params)
//   evolution_surrogate  the surrogate study: the defaults with the surrogate
//                     pre-screen, sur_candidates() (16) children bred per
//                     proposal, the one with the highest upper confidence
//                     bound trained (exploration 0.1), features from
//                     CnnFeatures (set by bench_search with the task's shape)
//   evolution_random_k   its ablation: the same 16 candidates bred and
//                     checked, one picked at random (exploration 1): what
//                     breeding more and dropping twins and rejects gives
//                     without the predictor
//
// Every method trains with common random numbers (JobSeeds::per_genome).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <evonas/evonas.hpp>

#include "search_tasks.hpp"

namespace evonas::bench {

/// How one method runs.
struct MethodSetup {
    RunOptions run;                         ///< evolution options inside
    EvolutionOperators<Genome<LayerGene>> operators;  ///< empty members: the defaults
    bool seeded = false;                    ///< start from the task's seed network
};

/// The method names `bench_search run --method` accepts.
inline std::vector<std::string> method_names() {
    return {"evolution",     "seeded",         "random",     "evolution_old",      "evolution_rf10",
            "evolution_asha", "evolution_mo", "evolution_surrogate", "evolution_random_k"};
}

/// The multi-objective study's objectives: validation accuracy (max) and
/// parameters (min, log10), with the hypervolume's reference point at
/// accuracy 0 and 10^7 parameters (above every network the tasks' FLOPs
/// limits let through). optuna_peer.py and run_search.py use the same.
inline Objectives mo_objectives() {
    auto o = parse_objectives("accuracy,params");
    o[1].reference = 1e7;
    return o;
}

/// Candidates bred per proposal in the surrogate study (run_search.py's
/// SUR_CANDIDATES records the same number).
inline std::size_t sur_candidates() { return 16; }

/// The search space `method` uses for a task of `dims` spatial axes.
inline SearchSpace method_space(const std::string& method, int dims) {
    if (method == "evolution_old") return cnn_space(dims, {.require_convolution = false});
    return cnn_space(dims);
}

/// The setup of `method` for a search of `networks` networks of `epochs`
/// epochs each with run seed `seed`.
inline MethodSetup search_method(const std::string& method, std::uint64_t networks, std::uint64_t seed, int epochs) {
    MethodSetup m;
    if (method == "evolution_asha") {
        // The same search as "evolution" (its defaults resolved for
        // `networks`), stopping poor networks early, with the same total
        // training: networks x epochs epochs, however many networks that is.
        m = search_method("evolution", networks, seed, epochs);
        auto& evo = m.run.evolution;
        evo = evo.resolved();
        evo.stop.max_evaluations = 0;
        evo.stop.max_resource = static_cast<double>(networks) * epochs;
        evo.stop.resource_metric = "epochs";
        evo.early_stopping = study_stopping();
        return m;
    }
    auto& evo = m.run.evolution;
    evo.seed = seed;
    evo.job_seeds = JobSeeds::per_genome;
    evo.stop.max_evaluations = networks;
    if (method == "seeded") {
        m.seeded = true;
    } else if (method == "random") {
        evo.random_fraction = 1.0;
    } else if (method == "evolution_old") {
        evo.preset = EvolutionPreset::classic;
    } else if (method == "evolution_rf10") {
        evo.random_fraction = 0.1;
    } else if (method == "evolution_mo") {
        evo.objectives = mo_objectives();
    } else if (method == "evolution_surrogate" || method == "evolution_random_k") {
        evo.surrogate.candidates = sur_candidates();
        evo.surrogate.exploration = method == "evolution_surrogate" ? 0.1 : 1.0;
    } else if (method != "evolution") {  // evolution_asha: above
        throw ConfigError("--method", "unknown method '" + method + "'");
    }
    return m;
}

}  // namespace evonas::bench
