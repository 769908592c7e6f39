// evonas: the final choice of a run's best network, confirmed by retraining.
//
// A search ranks networks by one training each, so its best score is the
// maximum of noisy draws and tends to belong to a lucky one. confirm_best()
// trains the top `top` networks of the hall of fame again with `seeds` fresh
// job seeds each and ranks them by the mean of all their scores (the search's
// own one included): the network a user takes away is then the one that is
// good, not the one that was lucky once.
//
//     auto confirmed = evonas::confirm_best(result, [&](std::size_t worker) { return MyTrainer(worker); },
//                                           {.top = 3, .seeds = 2, .workers = 2});
//     const auto& best = confirmed.front();   // best mean score first
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/engine/fitness.hpp>
#include <evonas/engine/individual.hpp>
#include <evonas/engine/result.hpp>
#include <evonas/engine/trainer.hpp>
#include <evonas/error.hpp>
#include <evonas/random.hpp>

namespace evonas {

/// How confirm_best() retrains.
struct ConfirmOptions {
    std::size_t top = 3;          ///< networks of the hall of fame to retrain (the best first)
    std::size_t seeds = 2;        ///< fresh trainings of each
    std::size_t workers = 1;      ///< trainings at once, one trainer each
    std::uint64_t seed = 1;       ///< the fresh job seeds derive from it, the network's job id and the repeat

    /// Throws ConfigError("ConfirmOptions.<field>") for a zero count.
    void validate() const {
        if (top == 0) throw ConfigError("ConfirmOptions.top", "must be at least 1, got 0");
        if (seeds == 0) throw ConfigError("ConfirmOptions.seeds", "must be at least 1, got 0");
        if (workers == 0) throw ConfigError("ConfirmOptions.workers", "must be at least 1, got 0");
    }
};

/// One network of the hall of fame, retrained.
template <class G>
struct Confirmation {
    Individual<G> individual;       ///< as the search found it (score: the search's one training)
    std::vector<Fitness> retrains;  ///< the fresh trainings, in seed order
    double mean = 0.0;              ///< mean score over the search's training and the ok retrains
    double low = 0.0;               ///< the smallest of those scores
    double high = 0.0;              ///< the largest of those scores
    std::size_t failed = 0;         ///< retrains that did not end ok (they count as not confirming)

    /// The scores the mean is over: the search's, then each ok retrain's.
    std::vector<double> scores() const {
        std::vector<double> s{individual.score};
        for (const auto& f : retrains) {
            if (f.ok()) s.push_back(f.score);
        }
        return s;
    }
};

/// The seed of retrain `repeat` of the network of job `job_id`: never the
/// seed the search trained it with.
inline constexpr std::uint64_t confirm_seed(std::uint64_t seed, std::uint64_t job_id, std::size_t repeat) noexcept {
    return derive_seed(derive_seed(seed, job_id), 0xC0F1u + repeat);
}

/// Retrains the best `options.top` networks of `result` (its hall of fame)
/// `options.seeds` times each with trainers from `make_trainer(worker)` and
/// returns them ranked best first: fewer failed retrains first (a network
/// that does not train reliably is not the one to take away), then the
/// higher mean score. A trainer that throws is a failed retrain. Thread safety: blocks; `make_trainer` is called once per worker
/// thread, concurrently, as by evolve().
template <class G, class Factory>
std::vector<Confirmation<G>> confirm_best(const EvolutionResult<G>& result, Factory&& make_trainer,
                                          const ConfirmOptions& options = {}) {
    static_assert(std::is_invocable_v<Factory&, std::size_t>,
                  "confirm_best: make_trainer must be callable as make_trainer(std::size_t worker_index)");
    using TrainerType = std::remove_cvref_t<std::invoke_result_t<Factory&, std::size_t>>;
    static_assert(TrainerEvaluates<TrainerType, G>,
                  "confirm_best: the trainer must have evaluate(const G&, const evonas::JobContext&) returning "
                  "evonas::Fitness (see docs/trainer.md)");
    options.validate();
    std::vector<Confirmation<G>> out;
    for (std::size_t i = 0; i < result.hall_of_fame.size() && out.size() < options.top; ++i) {
        Confirmation<G> c;
        c.individual = result.hall_of_fame[i];
        c.retrains.resize(options.seeds);
        out.push_back(std::move(c));
    }
    const std::size_t jobs = out.size() * options.seeds;
    std::atomic<std::size_t> next{0};
    std::mutex error_mutex;
    std::exception_ptr error;
    {
        std::vector<std::jthread> threads;
        for (std::size_t w = 0; w < std::min(options.workers, std::max<std::size_t>(jobs, 1)); ++w) {
            threads.emplace_back([&, w] {
                try {
                    auto trainer = make_trainer(w);
                    for (std::size_t k; (k = next++) < jobs;) {
                        auto& c = out[k / options.seeds];
                        const auto repeat = k % options.seeds;
                        JobContext ctx;
                        ctx.job_id = c.individual.id;
                        ctx.seed = confirm_seed(options.seed, c.individual.id, repeat);
                        ctx.worker = w;
                        Fitness f;
                        try {
                            f = sanitize(trainer.evaluate(c.individual.genome, ctx));
                        } catch (const std::exception& e) {
                            f = Fitness::failed(fmt::format("the trainer threw: {}", e.what()));
                        }
                        c.retrains[repeat] = std::move(f);
                    }
                } catch (...) {
                    std::lock_guard lock(error_mutex);
                    if (!error) error = std::current_exception();
                    next = jobs;
                }
            });
        }
    }
    if (error) std::rethrow_exception(error);
    for (auto& c : out) {
        const auto s = c.scores();
        double sum = 0.0;
        for (double v : s) sum += v;
        c.mean = sum / static_cast<double>(s.size());
        c.low = *std::min_element(s.begin(), s.end());
        c.high = *std::max_element(s.begin(), s.end());
        c.failed = static_cast<std::size_t>(
            std::count_if(c.retrains.begin(), c.retrains.end(), [](const Fitness& f) { return !f.ok(); }));
    }
    std::stable_sort(out.begin(), out.end(), [](const Confirmation<G>& a, const Confirmation<G>& b) {
        if (a.failed != b.failed) return a.failed < b.failed;
        return a.mean > b.mean;
    });
    return out;
}

}  // namespace evonas
