// evonas: the options of an evolution run, validated in one place with
// messages that name the field.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include <evonas/engine/objectives.hpp>
#include <evonas/engine/stopper.hpp>
#include <evonas/surrogate/surrogate_options.hpp>
#include <evonas/error.hpp>
#include <evonas/random.hpp>

namespace evonas {

/// Which islands send migrants to which.
enum class MigrationTopology {
    none,             ///< no migration
    ring,             ///< island i sends to island i + 1 (the last to the first)
    fully_connected,  ///< each island sends to every other
    random,           ///< each time to one other island drawn at random
};
/// Which members of the source island migrate.
enum class MigrantPick {
    best,    ///< the best-scored members
    random,  ///< members drawn at random
};
/// Which member of the destination island a migrant replaces.
enum class MigrantReplace {
    worst,   ///< the worst member, unless the migrant scores lower
    random,  ///< a member drawn at random
    oldest,  ///< the oldest member (smallest id)
};
/// What happens to a child identical (same canonical hash) to a genome
/// already evaluated or in flight.
enum class DuplicatePolicy {
    rebreed,        ///< breed again (up to max_rebreed tries), then fall back to a random genome
    reuse_fitness,  ///< an evaluated twin's fitness is reused without training; an in-flight twin: rebreed
    allow,          ///< train it again
};

/// Where each job's seed (JobContext::seed, from which a trainer draws all
/// its randomness) comes from.
enum class JobSeeds {
    per_job,     ///< derive_seed(run seed, job id): every job its own draws
    per_genome,  ///< genome_seed(genome hash): the same network gets the same seed in every job
                 ///< and every run ("common random numbers": a score then depends on the network
                 ///< alone, so runs and search methods compare without training noise between them)
};

/// The seed of every job of `genome_hash` under JobSeeds::per_genome. It does
/// not depend on the run seed, so any program (a peer search, a retraining
/// script) can give a network the seed an evonas run gave it.
inline constexpr std::uint64_t genome_seed(std::uint64_t genome_hash) noexcept {
    return derive_seed(genome_hash, 0x67656E6F6D65ULL);  // "genome"
}

/// The topology's name, as in checkpoints: "none", "ring", ...
inline constexpr std::string_view to_string(MigrationTopology t) noexcept {
    switch (t) {
        case MigrationTopology::none: return "none";
        case MigrationTopology::ring: return "ring";
        case MigrationTopology::fully_connected: return "fully_connected";
        case MigrationTopology::random: return "random";
    }
    return "?";
}
/// "best" or "random".
inline constexpr std::string_view to_string(MigrantPick p) noexcept {
    return p == MigrantPick::best ? "best" : "random";
}
/// "worst", "random" or "oldest".
inline constexpr std::string_view to_string(MigrantReplace r) noexcept {
    switch (r) {
        case MigrantReplace::worst: return "worst";
        case MigrantReplace::random: return "random";
        case MigrantReplace::oldest: return "oldest";
    }
    return "?";
}
/// "per_job" or "per_genome".
inline constexpr std::string_view to_string(JobSeeds s) noexcept {
    return s == JobSeeds::per_job ? "per_job" : "per_genome";
}
/// "rebreed", "reuse_fitness" or "allow".
inline constexpr std::string_view to_string(DuplicatePolicy d) noexcept {
    switch (d) {
        case DuplicatePolicy::rebreed: return "rebreed";
        case DuplicatePolicy::reuse_fitness: return "reuse_fitness";
        case DuplicatePolicy::allow: return "allow";
    }
    return "?";
}

/// Migration between islands, asynchronous: an island sends its migrants
/// every `interval` finished jobs and never waits for the destination.
struct MigrationOptions {
    MigrationTopology topology = MigrationTopology::ring;  ///< which islands send to which
    std::size_t interval = 16;  ///< finished jobs of an island between two sends
    std::size_t migrants = 1;   ///< individuals sent each time (to each destination)
    MigrantPick pick = MigrantPick::best;            ///< which members migrate
    MigrantReplace replace = MigrantReplace::worst;  ///< which member a migrant replaces
};

struct Progress;  // engine/progress.hpp

/// When a run stops (whichever comes first). 0 / unset means "no limit".
struct StopCriteria {
    std::uint64_t max_evaluations = 100;  ///< finished jobs (trained, failed or timed out)
    double max_seconds = 0.0;             ///< wall (or virtual) time since the start
    std::optional<double> target_score;   ///< stop once the best ok score reaches it
    std::uint64_t patience = 0;           ///< stop after this many finished jobs without improvement
    std::function<bool(const Progress&)> callback = nullptr;  ///< stop when it returns true
    /// Stop once the trained networks' resource adds up to this (0: no
    /// limit), e.g. total epochs: a budget in training rather than in
    /// networks, which early stopping stretches over more networks. Jobs in
    /// flight when it is reached still finish.
    double max_resource = 0.0;
    /// The fitness metric a job's resource is read from ("epochs": what
    /// CnnTrainer reports; "train_cpu_seconds" for a CPU-time budget). A
    /// job without it counts its stopped_at step if stopped early, else 0.
    std::string resource_metric = "epochs";
};

/// Which evolution the defaults describe (docs/concepts.md says where each
/// value comes from).
enum class EvolutionPreset {
    /// Regularized ("aging") evolution (Real et al. 2019), the default since
    /// evonas 0.2: tournaments of about a quarter of the population drawn
    /// without replacement, the oldest member replaced; an island breeds
    /// only once its population is full of trained networks; population
    /// from the budget; crossover (aligned one-point) only from 300
    /// networks on; every bred child also mutates each global gene with
    /// probability 1/(number of global genes).
    regularized,
    /// evonas 0.1: tournament of 3 drawn with replacement, the worst member
    /// replaced, population 16, one-point crossover with probability 0.5,
    /// breeding once `population` genomes were proposed. Runs written by
    /// evonas 0.1 resume with it.
    classic,
};

/// "regularized" or "classic".
inline constexpr std::string_view to_string(EvolutionPreset p) noexcept {
    return p == EvolutionPreset::regularized ? "regularized" : "classic";
}

/// Everything about the evolution itself (not the driver). Fields left at
/// their "auto" value (0 or unset) take the preset's value, some of them
/// sized from the budget; IslandModel::options() shows the values in use.
/// Example: `EvolutionOptions{.islands = 4, .population = 32, .seed = 7}`.
struct EvolutionOptions {
    std::size_t islands = 1;              ///< independent populations (>= 1)
    /// The defaults' generation. Unset: regularized for a new run; a resumed
    /// run keeps the one it was started with (run.json).
    std::optional<EvolutionPreset> preset;
    /// Members per island (>= 2). 0: regularized: clamp(max_evaluations /
    /// (5 islands), 10, 100), 20 without max_evaluations; classic: 16.
    std::size_t population = 0;
    /// Members per tournament of the default selection. 0: regularized:
    /// max(2, round(population / 4)), drawn without replacement; classic: 3.
    std::size_t tournament_size = 0;
    /// Chance a child is bred by crossover, else it is a mutated copy of one
    /// parent. Unset: regularized: 0 below 300 max_evaluations, else 0.5;
    /// classic: 0.5.
    std::optional<double> crossover_probability;
    double mutate_after_crossover = 0.5;  ///< probability a crossover child is also mutated
    /// Share of proposals, after an island's initial phase, that are fresh
    /// random genomes instead of children (1: random search). Unset: 0.
    std::optional<double> random_fraction;
    std::uint64_t seed = 1;               ///< the run seed: every draw of the search derives from it
    JobSeeds job_seeds = JobSeeds::per_job;  ///< where each job's training seed comes from
    MigrationOptions migration{};         ///< between islands (ignored with one island)
    DuplicatePolicy duplicates = DuplicatePolicy::rebreed;  ///< what to do with a child seen before
    std::size_t max_rebreed = 8;          ///< DuplicatePolicy::rebreed: tries before a random genome
    std::size_t hall_of_fame = 10;        ///< best individuals kept over the whole run
    StopCriteria stop{};                  ///< when the run stops (at least one criterion)
    /// Stopping poor networks before the end of their training (their
    /// trainer must report: JobContext::report). Default: none.
    EarlyStoppingOptions early_stopping{};
    /// Several objectives (e.g. accuracy and parameters, parse_objectives()
    /// "accuracy,params"): selection and replacement compare networks by
    /// Pareto front (see `pareto_rule`) and the run keeps its front of
    /// non-dominated networks (EvolutionResult::pareto_front, pareto.txt).
    /// Empty (the default): one objective, the score, as always. The best
    /// network, hall of fame and stop criteria stay on the score either way.
    Objectives objectives{};
    /// How a run with objectives keeps its population: crowding (NSGA-II,
    /// the default), hypervolume (SMS-EMOA) or chebyshev (random weights).
    ParetoRule pareto_rule = ParetoRule::crowding;
    /// The surrogate pre-screen: breed several children per proposal and
    /// train the one a predictor of the score ranks best. Off by default
    /// (SurrogateOptions::candidates 0); docs/search-surrogate.md measures it.
    SurrogateOptions surrogate{};

    /// True when the run has objectives (a multi-objective run).
    bool multi_objective() const noexcept { return !objectives.empty(); }

    /// The preset in effect (regularized when unset).
    EvolutionPreset effective_preset() const noexcept { return preset.value_or(EvolutionPreset::regularized); }

    /// A copy with every auto field set to its value: the preset, the
    /// population and tournament sized from the budget, the crossover
    /// probability and the random fraction. Explicit values are kept.
    EvolutionOptions resolved() const {
        EvolutionOptions r = *this;
        const auto p = effective_preset();
        r.preset = p;
        const auto budget = stop.max_evaluations;
        if (r.population == 0) {
            if (p == EvolutionPreset::classic) {
                r.population = 16;
            } else if (budget == 0) {
                r.population = 20;
            } else {
                r.population = std::clamp<std::size_t>(
                    static_cast<std::size_t>(budget / (5 * std::max<std::size_t>(islands, 1))), 10, 100);
            }
        }
        if (r.tournament_size == 0) {
            r.tournament_size = p == EvolutionPreset::classic
                                    ? 3
                                    : std::max<std::size_t>(2, (r.population + 2) / 4);  // round(population / 4)
            r.tournament_size = std::min(r.tournament_size, std::max<std::size_t>(r.population, 1));
        }
        if (!r.crossover_probability) {
            r.crossover_probability = p == EvolutionPreset::classic || budget == 0 || budget >= 300 ? 0.5 : 0.0;
        }
        if (!r.random_fraction) r.random_fraction = 0.0;
        if (r.surrogate.active() && r.surrogate.min_trained == 0) r.surrogate.min_trained = r.population;
        return r;
    }

    /// Throws ConfigError naming the field ("EvolutionOptions.population", ...).
    void validate() const {
        const auto fail = [](std::string_view field, const std::string& problem) {
            throw ConfigError(fmt::format("EvolutionOptions.{}", field), problem);
        };
        if (islands == 0) fail("islands", "must be at least 1, got 0");
        if (population == 1) fail("population", "must be at least 2 (or 0: from the budget), got 1");
        if (population != 0 && tournament_size != 0 && population < tournament_size) {
            fail("population", fmt::format("({}) is smaller than tournament_size ({})", population,
                                           tournament_size));
        }
        if (crossover_probability && !(*crossover_probability >= 0.0 && *crossover_probability <= 1.0)) {
            fail("crossover_probability", fmt::format("must be in [0, 1], got {}", *crossover_probability));
        }
        if (random_fraction && !(*random_fraction >= 0.0 && *random_fraction <= 1.0)) {
            fail("random_fraction", fmt::format("must be in [0, 1], got {}", *random_fraction));
        }
        if (!(mutate_after_crossover >= 0.0 && mutate_after_crossover <= 1.0)) {
            fail("mutate_after_crossover", fmt::format("must be in [0, 1], got {}", mutate_after_crossover));
        }
        if (migration.topology != MigrationTopology::none && islands > 1) {
            if (migration.interval == 0) fail("migration.interval", "must be at least 1, got 0");
            if (migration.migrants == 0) fail("migration.migrants", "must be at least 1, got 0");
            if (population != 0 && migration.migrants > population) {
                fail("migration.migrants", fmt::format("({}) is larger than the population ({})",
                                                       migration.migrants, population));
            }
        }
        if (hall_of_fame == 0) fail("hall_of_fame", "must be at least 1, got 0");
        if (!(stop.max_resource >= 0.0) || std::isinf(stop.max_resource)) {
            fail("stop.max_resource", fmt::format("must be a finite number >= 0, got {}", stop.max_resource));
        }
        if (stop.max_evaluations == 0 && !(stop.max_seconds > 0.0) && !stop.target_score &&
            stop.patience == 0 && !stop.callback && !(stop.max_resource > 0.0)) {
            fail("stop", "no stop criterion set: give max_evaluations, max_seconds, max_resource, target_score, "
                         "patience or a callback");
        }
        if (stop.max_resource > 0.0 && stop.resource_metric.empty()) {
            fail("stop.resource_metric", "is empty; name the fitness metric that measures a job's resource "
                                         "(e.g. \"epochs\")");
        }
        if (!(stop.max_seconds >= 0.0) || std::isinf(stop.max_seconds)) {
            fail("stop.max_seconds", fmt::format("must be a finite number >= 0, got {}", stop.max_seconds));
        }
        if (stop.target_score && !std::isfinite(*stop.target_score)) {
            fail("stop.target_score", "must be finite");
        }
        early_stopping.validate();
        validate_objectives(objectives);
        surrogate.validate();
    }
};

}  // namespace evonas
