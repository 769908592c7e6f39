// evonas: what a Trainer returns for one network.
#pragma once

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace evonas {

/// How an evaluation ended.
enum class FitnessStatus {
    ok,         ///< trained and scored
    invalid,    ///< the genome cannot be built (rejected before or during training)
    failed,     ///< the trainer threw, or the score was NaN, or training diverged
    timed_out,  ///< the job overran its deadline and was stopped
};

/// The status as lineage records write it: "ok", "invalid", "failed" or
/// "timed_out".
inline constexpr std::string_view to_string(FitnessStatus status) noexcept {
    switch (status) {
        case FitnessStatus::ok: return "ok";
        case FitnessStatus::invalid: return "invalid";
        case FitnessStatus::failed: return "failed";
        case FitnessStatus::timed_out: return "timed_out";
    }
    return "?";
}

/// The status named `text` (as to_string() writes it), or nullopt.
inline std::optional<FitnessStatus> fitness_status_from_string(std::string_view text) noexcept {
    for (auto s : {FitnessStatus::ok, FitnessStatus::invalid, FitnessStatus::failed,
                   FitnessStatus::timed_out}) {
        if (to_string(s) == text) return s;
    }
    return std::nullopt;
}

/// One named number a trainer reports besides the score (loss, parameter
/// count, training seconds, ...).
struct Metric {
    std::string name;    ///< e.g. "loss"
    double value = 0.0;  ///< the number

    /// Same name and value.
    friend bool operator==(const Metric&, const Metric&) = default;
};

/// The result of evaluating one genome. `score` is the primary objective,
/// higher is better (e.g. validation accuracy). Only an ok fitness competes
/// in selection; the others rank below every ok one (see rank_score()).
/// Thread safety: a plain value.
struct Fitness {
    double score = 0.0;                        ///< the objective, higher is better (ok only)
    FitnessStatus status = FitnessStatus::ok;  ///< how the evaluation ended
    std::string reason;               ///< why, when status is not ok
    std::vector<double> objectives;   ///< extra objectives, higher is better
    std::vector<Metric> metrics;      ///< anything else worth logging

    /// An ok fitness with this score.
    static Fitness of(double score) {
        Fitness f;
        f.score = score;
        return f;
    }
    /// The trainer failed (an exception, divergence), with the reason.
    static Fitness failed(std::string reason) {
        return {0.0, FitnessStatus::failed, std::move(reason), {}, {}};
    }
    /// The genome cannot be built, with the reason.
    static Fitness invalid(std::string reason) {
        return {0.0, FitnessStatus::invalid, std::move(reason), {}, {}};
    }
    /// The job overran its deadline, with the reason.
    static Fitness timed_out(std::string reason) {
        return {0.0, FitnessStatus::timed_out, std::move(reason), {}, {}};
    }

    /// True when the genome was trained and scored.
    bool ok() const noexcept { return status == FitnessStatus::ok; }

    /// The score selection compares: `score` when ok, -infinity otherwise.
    double rank_score() const noexcept {
        return ok() ? score : -std::numeric_limits<double>::infinity();
    }

    /// `score` when ok, else `otherwise`.
    double rank_score_or(double otherwise) const noexcept { return ok() ? score : otherwise; }

    /// Adds a metric (returns *this so calls chain).
    Fitness& with(std::string name, double value) {
        metrics.push_back({std::move(name), value});
        return *this;
    }

    /// The metric called `name`, if reported.
    std::optional<double> metric(std::string_view name) const noexcept {
        for (const auto& m : metrics) {
            if (m.name == name) return m.value;
        }
        return std::nullopt;
    }

    /// Every field equal.
    friend bool operator==(const Fitness&, const Fitness&) = default;
};

/// A trainer's score is only trusted when finite: NaN or infinity becomes a
/// failed fitness with the reason.
inline Fitness sanitize(Fitness fitness) {
    if (fitness.ok() && !std::isfinite(fitness.score)) {
        return Fitness::failed(std::isnan(fitness.score) ? "the trainer returned a NaN score"
                                                         : "the trainer returned an infinite score");
    }
    return fitness;
}

}  // namespace evonas
