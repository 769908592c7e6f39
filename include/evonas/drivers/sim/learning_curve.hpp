// evonas: the simulation driver's learning-curve model, for early stopping.
// The simulator evaluates a network instantly (its final score is what the
// trainer returns) but a stopper needs the scores reached along the way. A
// LearningCurve splits a job's training into equal steps (epochs) and
// derives the score after each step from the final one by a parametric
// curve. It is a model, not a measurement of real training: it says how
// much training early stopping can save, and what a stopper's mistakes
// cost, under the curve you describe.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/error.hpp>
#include <evonas/random.hpp>

namespace evonas::sim {

/// The score of a network after each of its training steps, derived from
/// its final score. After step s of S (x = s / S) a network scores
///
///     final - gap_n * f(x),   f(x) = (e^(-rate x) - e^(-rate)) / (1 - e^(-rate))
///
/// f falls from 1 at x = 0 to 0 at x = 1, fast at first (saturating
/// training), so the last report is close to the final score and the first
/// ones are `gap_n` below it at most. `gap_n = gap * (1 + spread * u)`, u
/// uniform in [-1, 1] drawn from the run seed and the network's hash: some
/// networks start further below their final score than others, so curves
/// cross and a stopper can stop a network that would have ended best (as
/// on real training). The draw depends on the genome, not the job, so a
/// network trained again follows the same curve.
struct LearningCurve {
    std::size_t steps = 20;  ///< equal steps of a job's training (epochs); reports after steps 1 .. steps - 1
    double gap = 0.2;        ///< how far below its final score a network starts (score units)
    double rate = 3.0;       ///< how fast a network closes the gap (> 0; larger: closer to final sooner)
    double spread = 0.5;     ///< per-network variation of the gap, a fraction of it in [0, 1]

    /// Throws ConfigError naming the field ("SimOptions.curve.steps", ...);
    /// `owner` is the struct's name in the message.
    void validate(std::string_view owner = "SimOptions.curve") const {
        const auto fail = [&](std::string_view field, const std::string& problem) {
            throw ConfigError(fmt::format("{}.{}", owner, field), problem);
        };
        // At least two steps: a job reports after every step but its last.
        if (steps < 2) {
            fail("steps", fmt::format("must be at least 2 (reports come after every step but the last), got {}", steps));
        }
        if (steps > 1000000) fail("steps", fmt::format("must be at most 1000000, got {}", steps));
        if (!(gap >= 0.0) || !std::isfinite(gap)) fail("gap", fmt::format("must be a finite number >= 0, got {}", gap));
        if (!(rate > 0.0) || !std::isfinite(rate)) {
            fail("rate", fmt::format("must be a finite number > 0, got {}", rate));
        }
        if (!(spread >= 0.0 && spread <= 1.0)) fail("spread", fmt::format("must be in [0, 1], got {}", spread));
    }

    /// f(x) of the curve: 1 at x = 0, 0 at x = 1.
    double remaining(double x) const noexcept {
        const double end = std::exp(-rate);
        return (std::exp(-rate * x) - end) / (1.0 - end);
    }

    /// This network's gap: `gap * (1 + spread * u)`, u from `seed` (the
    /// run's curve seed mixed with the genome's hash).
    double gap_of(std::uint64_t seed) const {
        Rng rng(seed);
        return gap * (1.0 + spread * rng.uniform(-1.0, 1.0));
    }

    /// The score after `step` of `steps` for a network with this final score and gap.
    double value(double final_score, double network_gap, std::size_t step) const noexcept {
        return final_score - network_gap * remaining(static_cast<double>(step) / static_cast<double>(steps));
    }

    /// The settings as JSON (a report's setup, run.json).
    nlohmann::json to_json() const {
        return {{"steps", steps}, {"gap", gap}, {"rate", rate}, {"spread", spread},
                {"curve", "final - gap_n * (exp(-rate x) - exp(-rate)) / (1 - exp(-rate)), x = step / steps"}};
    }
};

}  // namespace evonas::sim
