// evonas: the Trainer concept, what a driver hands a trainer with each job,
// and the defaults for a trainer's optional members.
//
// Required: t.evaluate(genome, ctx) -> Fitness.
// Optional (detected at compile time, with defaults):
//   t.name() -> string                      default "trainer"
//   t.check(genome&) -> Check               default: every genome is fine
//       runs before dispatch; may repair the genome in place or reject it
//   t.cost(genome) -> double                default 1.0 (relative cost estimate)
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <type_traits>
#include <utility>

#include <evonas/engine/fitness.hpp>
#include <evonas/engine/stopper.hpp>
#include <evonas/genome/genome.hpp>

namespace evonas {

/// What a trainer gets with each job. Thread safety: a plain value; the
/// stop token is safe to poll from the training thread.
struct JobContext {
    std::uint64_t job_id = 0;   ///< the job's id, unique in the run
    std::uint64_t seed = 0;     ///< derive_seed(run seed, job id): seed all randomness from it
    std::size_t worker = 0;     ///< worker index (e.g. pick GPU worker % gpus)
    std::size_t island = 0;     ///< the island the genome belongs to
    /// When the job must end (max(): no deadline); see should_stop().
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    std::stop_token stop;       ///< requested when the deadline passes or the run stops
    /// Set by the driver when the run stops poor networks early: see report().
    std::function<Decision(double step, double value)> reporter;

    /// True when the trainer should stop now (stop requested or deadline passed).
    bool should_stop() const noexcept {
        return stop.stop_requested() || std::chrono::steady_clock::now() >= deadline;
    }

    /// Reports an intermediate result: `step` is the resource used so far
    /// (epochs, batches; increasing), `value` the score so far (higher is
    /// better, on the data the final score uses). Decision::stop: end the
    /// training now and return the fitness reached (its score is what the
    /// run keeps). Without early stopping in the run it answers
    /// keep_training and costs nothing; see wants_reports().
    Decision report(double step, double value) const {
        return reporter ? reporter(step, value) : Decision::keep_training;
    }
    /// True when report() can stop the job: a trainer may skip the extra
    /// validation a report needs when nobody listens.
    bool wants_reports() const noexcept { return static_cast<bool>(reporter); }
};

/// The verdict of a trainer's pre-dispatch check.
struct Check {
    /// What the check decided.
    enum class Verdict {
        ok,        ///< train the genome as it is
        repaired,  ///< the check changed the genome in place; train the result
        invalid,   ///< do not train it; it is logged as invalid
    };
    Verdict verdict = Verdict::ok;  ///< what the check decided
    std::string reason;  ///< what was repaired, or why the genome is invalid

    /// The genome is fine as it is.
    static Check fine() { return {}; }
    /// The genome was repaired in place; `what` says how.
    static Check repaired(std::string what) { return {Verdict::repaired, std::move(what)}; }
    /// The genome cannot be trained; `why` says why.
    static Check invalid(std::string why) { return {Verdict::invalid, std::move(why)}; }
};

/// The one required member: evaluate a genome and return its Fitness.
template <class T, class G>
concept TrainerEvaluates = requires(T& t, const G& genome, const JobContext& ctx) {
    { t.evaluate(genome, ctx) } -> std::convertible_to<Fitness>;
};

/// A Trainer trains and scores one genome at a time. One instance is used
/// by one worker at a time, so it need not be thread-safe; a driver makes one
/// per worker with the user's factory.
template <class T, class G = Genome<>>
concept Trainer = TrainerEvaluates<T, G>;

/// A trainer factory makes the trainer of worker `index`.
template <class F, class G = Genome<>>
concept TrainerFactory = requires(F& f, std::size_t index) {
    { f(index) };
} && Trainer<std::remove_cvref_t<std::invoke_result_t<F&, std::size_t>>, G>;

/// The trainer's name(), or "trainer".
template <class T>
std::string trainer_name(const T& t) {
    if constexpr (requires { { t.name() } -> std::convertible_to<std::string>; }) {
        return std::string(t.name());
    } else {
        return "trainer";
    }
}

/// Runs the trainer's check(genome&) when it has one; else every genome is fine.
template <class T, class G>
Check trainer_check(T& t, G& genome) {
    if constexpr (requires { { t.check(genome) } -> std::convertible_to<Check>; }) {
        return t.check(genome);
    } else {
        return Check::fine();
    }
}

/// The trainer's cost(genome) estimate when it has one; else 1.0.
template <class T, class G>
double trainer_cost(const T& t, const G& genome) {
    if constexpr (requires { { t.cost(genome) } -> std::convertible_to<double>; }) {
        return static_cast<double>(t.cost(genome));
    } else {
        return 1.0;
    }
}

}  // namespace evonas
