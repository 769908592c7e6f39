// evonas: early stopping. A trainer reports intermediate results
// (ctx.report(step, value): step is any monotone resource, e.g. the epoch;
// value is the score so far, higher is better); the engine asks the run's
// stopper whether the job goes on. Stopping poor networks early spends the
// training budget on more networks (multi-fidelity search).
//
// Built-ins: NoStopper ("none", the default), AshaStopper (asynchronous
// successive halving) and MedianStopper (the median rule). A stopper is any
// callable `Decision(const Report&)`; it may keep state, and must decide
// from the reports alone (no clocks, no randomness): a resumed run replays
// the logged reports in order and so rebuilds the same state.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/engine/running_order.hpp>
#include <evonas/error.hpp>

namespace evonas {

/// What a trainer is told after a report.
enum class Decision {
    keep_training,  ///< go on
    stop,           ///< stop now and return the fitness reached so far
};

/// "keep_training" or "stop", as the lineage log writes it.
inline constexpr std::string_view to_string(Decision d) noexcept {
    return d == Decision::stop ? "stop" : "keep_training";
}

/// One intermediate result of a job.
struct Report {
    std::uint64_t job = 0;   ///< the job's id
    std::size_t island = 0;  ///< its island
    double step = 0.0;       ///< resource used so far (epochs, batches, ...), increasing per job
    double value = 0.0;      ///< the score so far, higher is better

    /// Every field equal.
    friend bool operator==(const Report&, const Report&) = default;
};

/// The name of the metric the engine adds to the fitness of a job it
/// stopped early: the step of the report that stopped it. It travels with
/// the fitness through the lineage log, checkpoints and the MPI wire.
inline constexpr std::string_view stopped_at_metric = "stopped_at";

/// A stopper: `s(report) -> Decision`, deterministic in the reports it saw.
template <class S>
concept Stopper = requires(S& s, const Report& r) {
    { s(r) } -> std::convertible_to<Decision>;
};

namespace detail {

// The built-in stoppers' settings checks, shared by their constructors and
// EarlyStoppingOptions::validate(); `owner` names the struct in the field.
inline void check_asha_settings(std::string_view owner, double min_step, double eta, std::size_t min_comparisons) {
    if (!(min_step > 0.0) || !std::isfinite(min_step)) {
        throw ConfigError(fmt::format("{}.min_step", owner), fmt::format("must be a number > 0, got {}", min_step));
    }
    if (!(eta >= 2.0) || !std::isfinite(eta)) {
        throw ConfigError(fmt::format("{}.eta", owner), fmt::format("must be a number >= 2, got {}", eta));
    }
    if (min_comparisons < 1) throw ConfigError(fmt::format("{}.min_comparisons", owner), "must be at least 1, got 0");
}

inline void check_median_settings(std::string_view owner, double warmup_steps, std::size_t min_comparisons) {
    if (!(warmup_steps >= 0.0) || !std::isfinite(warmup_steps)) {
        throw ConfigError(fmt::format("{}.warmup_steps", owner),
                          fmt::format("must be a number >= 0, got {}", warmup_steps));
    }
    if (min_comparisons < 1) throw ConfigError(fmt::format("{}.min_comparisons", owner), "must be at least 1, got 0");
}

}  // namespace detail

/// Never stops a job (the default).
struct NoStopper {
    /// Always keep_training.
    Decision operator()(const Report&) const noexcept { return Decision::keep_training; }
    /// "none".
    std::string_view name() const noexcept { return "none"; }
};

/// Asynchronous successive halving (Li et al., ASHA). Rungs are at steps
/// min_step * eta^k. When a job's report reaches a rung, its value is
/// recorded there; the job goes on when it is in the top 1/eta of the
/// values recorded at that rung so far, or when fewer than min_comparisons
/// values are there (nothing is stopped on too little evidence). Rungs are
/// shared by all islands, or kept per island (`per_island`).
class AshaStopper {
public:
    /// Throws ConfigError for min_step <= 0, eta < 2 or min_comparisons < 1.
    explicit AshaStopper(double min_step = 1.0, double eta = 3.0, std::size_t min_comparisons = 3,
                         bool per_island = false)
        : min_step_(min_step), eta_(eta), min_comparisons_(min_comparisons), per_island_(per_island) {
        detail::check_asha_settings("AshaStopper", min_step, eta, min_comparisons);
    }

    /// Records the report at every rung it reached for the first time and
    /// decides at the highest of them.
    Decision operator()(const Report& r) {
        if (!(r.step >= min_step_) || !std::isfinite(r.value)) return Decision::keep_training;
        // The highest rung k with min_step * eta^k <= step (a small tolerance
        // for steps computed in floating point, e.g. 0.1 * 30).
        const auto top = static_cast<int>(std::floor(std::log(r.step / min_step_) / std::log(eta_) + 1e-9));
        auto& reached = reached_[r.job];  // rungs this job has been recorded at: 0..reached-1
        Decision decision = Decision::keep_training;
        for (int k = reached; k <= top; ++k) {
            auto& values = rungs_.try_emplace({per_island_ ? r.island : 0, k}, eta_).first->second;
            values.insert(r.value);
            if (k == top) decision = decide(values, r.value);
        }
        reached = std::max(reached, top + 1);
        return decision;
    }

    /// "asha".
    std::string_view name() const noexcept { return "asha"; }
    /// The step of rung `k`: min_step * eta^k.
    double rung_step(int k) const noexcept { return min_step_ * std::pow(eta_, k); }
    /// Values recorded at rung `k` (of `island` when per island).
    std::size_t recorded(int k, std::size_t island = 0) const {
        const auto it = rungs_.find({per_island_ ? island : 0, k});
        return it == rungs_.end() ? 0 : it->second.size();
    }

private:
    Decision decide(const detail::TopFraction& values, double value) const {
        if (values.size() < min_comparisons_) return Decision::keep_training;
        // Top 1/eta: at most floor(n / eta) values may be strictly better
        // (at least one place is always kept).
        return values.in_top(value) ? Decision::keep_training : Decision::stop;
    }

    double min_step_;
    double eta_;
    std::size_t min_comparisons_;
    bool per_island_;
    std::map<std::pair<std::size_t, int>, detail::TopFraction> rungs_;  // (island or 0, rung) -> values
    std::unordered_map<std::uint64_t, int> reached_;                    // job -> rungs recorded
};

/// The median rule (as Optuna's MedianPruner and Google Vizier's): from
/// `warmup_steps` on, a job stops when its best value so far is below the
/// median of the values other jobs reported at the same step, once at least
/// min_comparisons other jobs reported there.
class MedianStopper {
public:
    /// Throws ConfigError for warmup_steps < 0 or min_comparisons < 1.
    explicit MedianStopper(double warmup_steps = 1.0, std::size_t min_comparisons = 5, bool per_island = false)
        : warmup_(warmup_steps), min_comparisons_(min_comparisons), per_island_(per_island) {
        detail::check_median_settings("MedianStopper", warmup_steps, min_comparisons);
    }

    /// Compares with the other jobs at this step, then records the report.
    Decision operator()(const Report& r) {
        if (!std::isfinite(r.value)) return Decision::keep_training;
        const auto [it, fresh] = best_.try_emplace(r.job, r.value);
        if (!fresh) it->second = std::max(it->second, r.value);
        const double best = it->second;
        auto& others = at_step_[{per_island_ ? r.island : 0, r.step}];
        Decision decision = Decision::keep_training;
        if (r.step >= warmup_ && others.size() >= min_comparisons_ && best < others.median()) {
            decision = Decision::stop;
        }
        others.insert(r.value);
        return decision;
    }

    /// "median".
    std::string_view name() const noexcept { return "median"; }

private:
    double warmup_;
    std::size_t min_comparisons_;
    bool per_island_;
    std::map<std::pair<std::size_t, double>, detail::RunningMedian> at_step_;  // (island or 0, step) -> values
    std::unordered_map<std::uint64_t, double> best_;                         // job -> best value so far
};

/// Which built-in stopper a run uses.
enum class EarlyStopping {
    none,    ///< train every network to the end (NoStopper)
    asha,    ///< asynchronous successive halving (AshaStopper)
    median,  ///< the median rule (MedianStopper)
};

/// "none", "asha" or "median".
inline constexpr std::string_view to_string(EarlyStopping e) noexcept {
    switch (e) {
        case EarlyStopping::asha: return "asha";
        case EarlyStopping::median: return "median";
        case EarlyStopping::none: break;
    }
    return "none";
}

/// The early stopping of a run: a built-in stopper and its settings
/// (EvolutionOptions::early_stopping). A stopper of your own goes in
/// EvolutionOperators::stop instead.
struct EarlyStoppingOptions {
    EarlyStopping kind = EarlyStopping::none;  ///< which stopper
    double min_step = 1.0;         ///< asha: the first rung's step (e.g. epoch 1)
    double eta = 3.0;              ///< asha: keep the top 1/eta at each rung; rungs at min_step * eta^k
    std::size_t min_comparisons = 0;  ///< values needed at a rung or step before anything stops; 0: asha 3, median 5
    double warmup_steps = 1.0;     ///< median: nothing stops before this step
    bool per_island = false;       ///< compare with the job's own island only (else across islands)

    /// min_comparisons with its auto value resolved.
    std::size_t comparisons() const noexcept {
        return min_comparisons ? min_comparisons : (kind == EarlyStopping::median ? 5 : 3);
    }
    /// Throws ConfigError naming the field ("EvolutionOptions.early_stopping.eta", ...).
    void validate() const {
        constexpr std::string_view owner = "EvolutionOptions.early_stopping";
        if (kind == EarlyStopping::asha) detail::check_asha_settings(owner, min_step, eta, comparisons());
        if (kind == EarlyStopping::median) detail::check_median_settings(owner, warmup_steps, comparisons());
    }
};

/// The stopper `options` name, as the engine stores it (empty for none).
inline std::function<Decision(const Report&)> make_stopper(const EarlyStoppingOptions& options) {
    switch (options.kind) {
        case EarlyStopping::asha:
            return AshaStopper(options.min_step, options.eta, options.comparisons(), options.per_island);
        case EarlyStopping::median:
            return MedianStopper(options.warmup_steps, options.comparisons(), options.per_island);
        case EarlyStopping::none: break;
    }
    return {};
}

/// Reads "none", "asha" or "median".
inline std::optional<EarlyStopping> early_stopping_from_string(std::string_view text) noexcept {
    for (auto e : {EarlyStopping::none, EarlyStopping::asha, EarlyStopping::median}) {
        if (to_string(e) == text) return e;
    }
    return std::nullopt;
}

}  // namespace evonas
