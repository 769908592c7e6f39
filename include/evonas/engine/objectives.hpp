// evonas: the objectives of a multi-objective run: which numbers of a
// Fitness are compared, in which direction, and the hard limits on them.
//
// An objective names the score ("score", or its alias "accuracy") or a
// metric the trainer reports ("params", "flops", "latency_ms", ...). The
// engine compares networks on points oriented "higher is better" (a
// minimised objective is negated), on log10 of the value for objectives
// spanning orders of magnitude (parameters, FLOPs), so that a network of 1k
// parameters is as far from one of 10k as 100k is from 1M.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/engine/fitness.hpp>
#include <evonas/error.hpp>

namespace evonas {

/// Which way an objective is better.
enum class Direction {
    maximize,  ///< higher is better (accuracy)
    minimize,  ///< lower is better (parameters, FLOPs, latency)
};

/// "max" or "min".
inline constexpr std::string_view to_string(Direction d) noexcept {
    return d == Direction::maximize ? "max" : "min";
}

/// How a multi-objective run's population keeps its members.
enum class ParetoRule {
    crowding,     ///< NSGA-II: tournament on (front, crowding); the worst front's most crowded member leaves
    hypervolume,  ///< SMS-EMOA: the same tournament; the worst front's least hypervolume contributor leaves
    chebyshev,    ///< random-weight Chebyshev scalarisation for both (cheaper, no sorting)
};

/// "crowding", "hypervolume" or "chebyshev".
inline constexpr std::string_view to_string(ParetoRule r) noexcept {
    switch (r) {
        case ParetoRule::crowding: return "crowding";
        case ParetoRule::hypervolume: return "hypervolume";
        case ParetoRule::chebyshev: return "chebyshev";
    }
    return "?";
}

/// One objective of a run. Example: `{.name = "params", .direction =
/// Direction::minimize, .log_scale = true, .limit = 1e6}`.
struct Objective {
    std::string name;  ///< "score" (or "accuracy": the score), or a metric of the Fitness
    Direction direction = Direction::maximize;  ///< which way is better
    /// Compare on log10 of the value (positive quantities spanning orders of
    /// magnitude). A value <= 0 then counts as missing.
    bool log_scale = false;
    /// A hard limit (a constraint): at most this for a minimised objective,
    /// at least this for a maximised one. A network beyond it is infeasible:
    /// it ranks after every feasible one, by its total violation.
    std::optional<double> limit;
    /// The reference point for the hypervolume, in the objective's own units
    /// (the worst value that still counts). Unset: the limit when there is
    /// one, 0 for the score, else no hypervolume is reported.
    std::optional<double> reference;

    /// True for the score itself ("score" or "accuracy").
    bool is_score() const noexcept { return name == "score" || name == "accuracy"; }

    /// The objective's raw value in `f` (the score, or the metric), or NaN
    /// when the fitness does not have it.
    double raw(const Fitness& f) const noexcept {
        if (is_score()) return f.score;
        return f.metric(name).value_or(std::numeric_limits<double>::quiet_NaN());
    }

    /// `value` on the comparison scale, oriented higher-is-better: negated
    /// when minimised, log10 first with log_scale; NaN when not comparable.
    double oriented(double value) const noexcept {
        if (!std::isfinite(value)) return std::numeric_limits<double>::quiet_NaN();
        if (log_scale) {
            if (!(value > 0.0)) return std::numeric_limits<double>::quiet_NaN();
            value = std::log10(value);
        }
        return direction == Direction::maximize ? value : -value;
    }

    /// How far `value` is beyond the limit, relative to the limit's size
    /// (so violations of different objectives add up); 0 when within it or
    /// without a limit; 1 for a missing value.
    double violation(double value) const noexcept {
        if (!std::isfinite(value)) return 1.0;
        if (!limit) return 0.0;
        const double over = direction == Direction::minimize ? value - *limit : *limit - value;
        if (!(over > 0.0)) return 0.0;
        return over / std::max(std::abs(*limit), 1e-12);
    }

    /// The reference in use (see `reference`), if any.
    std::optional<double> reference_value() const noexcept {
        if (reference) return reference;
        if (limit) return limit;
        if (is_score()) return 0.0;
        return std::nullopt;
    }
};

/// The objectives of a run, in order. Empty: a single-objective run on the
/// score (the engine then behaves exactly as without this type).
using Objectives = std::vector<Objective>;

/// The point of `f` for `objectives`: one oriented value per objective
/// (NaN where the fitness lacks it).
inline std::vector<double> objective_point(const Objectives& objectives, const Fitness& f) {
    std::vector<double> p;
    p.reserve(objectives.size());
    for (const auto& o : objectives) p.push_back(o.oriented(o.raw(f)));
    return p;
}

/// The total constraint violation of `f` (0: feasible). A missing or
/// unusable value counts as a violation of 1.
inline double objective_violation(const Objectives& objectives, const Fitness& f) {
    double v = 0.0;
    for (const auto& o : objectives) {
        const double raw = o.raw(f);
        v += std::isnan(o.oriented(raw)) ? 1.0 : o.violation(raw);
    }
    return v;
}

/// The hypervolume reference point on the comparison scale, or nullopt
/// when some objective has none (Objective::reference).
inline std::optional<std::vector<double>> objective_reference(const Objectives& objectives) {
    std::vector<double> r;
    for (const auto& o : objectives) {
        const auto v = o.reference_value();
        if (!v) return std::nullopt;
        const double oriented = o.oriented(*v);
        if (std::isnan(oriented)) return std::nullopt;
        r.push_back(oriented);
    }
    return r;
}

/// The objective called `name` with its usual direction and scale: the
/// score ("accuracy", "score") is maximised; "params", "flops", "mflops"
/// minimised on a log scale; "latency_ms" and anything else minimised
/// unless written "name:max". "name:min" / "name:max" set the direction.
inline Objective objective_named(std::string_view text) {
    Objective o;
    std::string_view name = text;
    std::optional<Direction> direction;
    if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
        const auto dir = text.substr(colon + 1);
        name = text.substr(0, colon);
        if (dir == "max") direction = Direction::maximize;
        else if (dir == "min") direction = Direction::minimize;
        else throw ConfigError("objectives", fmt::format("'{}': the direction after ':' must be 'min' or 'max'", text));
    }
    if (name.empty()) throw ConfigError("objectives", fmt::format("'{}': an objective needs a name", text));
    o.name = std::string(name);
    o.direction = o.is_score() ? Direction::maximize : Direction::minimize;
    o.log_scale = name == "params" || name == "flops" || name == "mflops";
    if (direction) o.direction = *direction;
    return o;
}

/// Objectives from a comma-separated list, e.g. "accuracy,params" (see
/// objective_named()); ConfigError for an empty or repeated name.
inline Objectives parse_objectives(std::string_view list) {
    Objectives out;
    std::size_t start = 0;
    while (start <= list.size()) {
        const auto end = std::min(list.find(',', start), list.size());
        const auto item = list.substr(start, end - start);
        if (item.empty()) throw ConfigError("objectives", fmt::format("'{}' has an empty item", list));
        out.push_back(objective_named(item));
        start = end + 1;
    }
    return out;
}

/// Throws ConfigError naming the objective when a name is empty or
/// repeated, or a limit or reference is not finite (or not positive on a
/// log scale).
inline void validate_objectives(const Objectives& objectives) {
    for (std::size_t i = 0; i < objectives.size(); ++i) {
        const auto& o = objectives[i];
        const auto field = fmt::format("EvolutionOptions.objectives[{}]", i);
        if (o.name.empty()) throw ConfigError(field, "has no name");
        for (std::size_t k = 0; k < i; ++k) {
            if (objectives[k].name == o.name || (objectives[k].is_score() && o.is_score())) {
                throw ConfigError(field, fmt::format("'{}' is named twice", o.name));
            }
        }
        for (const auto& [what, value] : {std::pair{"limit", o.limit}, std::pair{"reference", o.reference}}) {
            if (!value) continue;
            if (!std::isfinite(*value)) throw ConfigError(field, fmt::format("{} must be finite", what));
            if (o.log_scale && !(*value > 0.0)) {
                throw ConfigError(field, fmt::format("{} must be > 0 on a log scale, got {}", what, *value));
            }
        }
    }
}

}  // namespace evonas
