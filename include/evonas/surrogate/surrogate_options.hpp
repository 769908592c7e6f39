// evonas: the options of the surrogate pre-screen: how many candidates a
// proposal breeds, when the predictor starts and refits, and how the one to
// train is picked.
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>

#include <fmt/format.h>

#include <evonas/error.hpp>

namespace evonas {

/// How the screen ranks candidates by their predictions.
enum class Acquisition {
    ucb,       ///< upper confidence bound: mean + ucb_kappa x spread
    thompson,  ///< one draw per candidate around its mean with its spread
    mean,      ///< the predicted mean alone (greedy)
};

/// "ucb", "thompson" or "mean".
inline constexpr std::string_view to_string(Acquisition a) noexcept {
    switch (a) {
        case Acquisition::ucb: return "ucb";
        case Acquisition::thompson: return "thompson";
        case Acquisition::mean: return "mean";
    }
    return "?";
}

/// The surrogate pre-screen (EvolutionOptions::surrogate). Off unless
/// `candidates` >= 2. When on, every bred child is picked among `candidates`
/// children bred the same way (each checked by the trainer's check, twins of
/// trained or in-flight networks and of each other dropped) by a predictor
/// of the score trained online on the run's finished networks
/// (EvolutionOperators::predictor; extra trees by default). Seeds and random
/// genomes are not screened, and nothing is screened before `min_trained`
/// networks have a score.
struct SurrogateOptions {
    std::size_t candidates = 0;   ///< K children bred per proposal; 0 or 1: off
    std::size_t min_trained = 0;  ///< scored networks before the predictor is used; 0: the population size
    /// Refit after this many new scores; 0: after max(1, n / 10) (n scored
    /// so far), so refits cost O(log n) over a run.
    std::size_t refit_every = 0;
    double exploration = 0.1;     ///< probability of taking a candidate at random instead
    Acquisition acquisition = Acquisition::ucb;  ///< how predictions rank the candidates
    double ucb_kappa = 1.0;       ///< spreads added to the mean under Acquisition::ucb
    std::size_t trees = 32;       ///< trees of the built-in extra-trees predictor

    /// True when the screen is on.
    bool active() const noexcept { return candidates >= 2; }

    /// The refit interval at `n` scored networks.
    std::size_t refit_interval(std::size_t n) const noexcept {
        return refit_every > 0 ? refit_every : (n / 10 > 1 ? n / 10 : 1);
    }

    /// Throws ConfigError naming the field ("EvolutionOptions.surrogate.exploration", ...).
    void validate() const {
        const auto fail = [](std::string_view field, const std::string& problem) {
            throw ConfigError(fmt::format("EvolutionOptions.surrogate.{}", field), problem);
        };
        if (!active()) return;
        if (candidates > 4096) fail("candidates", fmt::format("must be at most 4096, got {}", candidates));
        if (!(exploration >= 0.0 && exploration <= 1.0)) {
            fail("exploration", fmt::format("must be in [0, 1], got {}", exploration));
        }
        if (!std::isfinite(ucb_kappa)) fail("ucb_kappa", "must be finite");
        if (trees == 0) fail("trees", "must be at least 1, got 0");
    }
};

}  // namespace evonas
