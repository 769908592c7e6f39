// evonas: the engine's side of early stopping. It asks the run's stopper
// about each new report and remembers, per job in flight, what it answered
// at which step, so that a job trained again (its worker was lost, or the
// run resumed) hears the same answers without the stopper seeing its
// reports twice. Kept apart from IslandModel, which only forwards to it.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/engine/stopper.hpp>
#include <evonas/error.hpp>

namespace evonas::detail {

/// Throws Error unless a report's step and value are finite numbers (the
/// drivers call it before a report travels, so a bad one fails its job).
inline void check_report(std::uint64_t job, double step, double value) {
    if (!std::isfinite(step) || !std::isfinite(value)) {
        throw Error(fmt::format("report(): job {} reported step {} value {}; both must be finite numbers", job, step,
                                value));
    }
}

/// Per-job report histories and the stopper. Thread safety: none (the
/// engine's thread).
class ReportBook {
public:
    using StopperFunction = std::function<Decision(const Report&)>;

    /// The answer to a report, and whether it is new (a report heard for
    /// the first time is logged; a repeat by a job trained again is not).
    struct Answer {
        Decision decision = Decision::keep_training;
        bool fresh = true;
    };

    explicit ReportBook(StopperFunction stopper = {}) : stopper_(std::move(stopper)) {}

    /// True when the run has a stopper (reports can stop jobs).
    bool active() const noexcept { return static_cast<bool>(stopper_); }

    /// Answers a report of an in-flight job. Steps must grow within one
    /// training; a step at or below the job's last one is a job trained
    /// again repeating itself and gets the answer it got then.
    Answer report(const Report& r) {
        check_report(r.job, r.step, r.value);
        auto& history = history_[r.job];
        if (!history.empty() && r.step <= history.back().first) return {answer_at(history, r.step), false};
        if (!history.empty() && history.back().second == Decision::stop) return {Decision::stop, false};
        const Decision d = stopper_ ? stopper_(r) : Decision::keep_training;
        history.emplace_back(r.step, d);
        return {d, true};
    }

    /// Re-applies a logged report (resume): the stopper sees it again, in
    /// log order, so its state is rebuilt; the logged decision is kept for
    /// the job when `keep_history` (the job is still to be finished).
    void replay(const Report& r, Decision logged, bool keep_history) {
        if (stopper_) (void)stopper_(r);
        if (keep_history) history_[r.job].emplace_back(r.step, logged);
    }

    /// The step at which job `id` was told to stop, if it was.
    std::optional<double> stopped_at(std::uint64_t id) const {
        const auto it = history_.find(id);
        if (it == history_.end()) return std::nullopt;
        for (const auto& [step, d] : it->second) {
            if (d == Decision::stop) return step;
        }
        return std::nullopt;
    }

    /// Forgets job `id` (it finished).
    void forget(std::uint64_t id) { history_.erase(id); }

private:
    static Decision answer_at(const std::vector<std::pair<double, Decision>>& history, double step) {
        Decision d = Decision::keep_training;
        for (const auto& [s, answer] : history) {
            if (s > step) break;
            d = answer;
        }
        return d;
    }

    StopperFunction stopper_;
    std::unordered_map<std::uint64_t, std::vector<std::pair<double, Decision>>> history_;
};

}  // namespace evonas::detail
