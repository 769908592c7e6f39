// evonas: the evolution state machine. No threads, no clocks, no I/O:
// drivers (threads, simulation, MPI) own time and transport and only call
// propose() and complete().
//
//     IslandModel<> model(space, options, seeds);
//     auto job = model.propose(island);   // child genome + id + parents + operator + seed
//     model.complete(job->id, fitness);   // insert, replace, maybe migrate
//
// Each island is a steady-state population: as soon as a job finishes it is
// inserted (replacement policy) and the island can propose the next child.
// There are no generations and no barriers.
//
// The class declares everything here; the longer members are defined in
// island_model_population.hpp (breeding, insertion, hall of fame, migration),
// island_model_resume.hpp (replay, requeue: what a resume and a lost worker
// need), island_model_reports.hpp (early stopping's reports) and
// island_model_surrogate.hpp (the surrogate pre-screen) and
// island_model_handover.hpp (a result and the next job in one step).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/engine/breeding.hpp>
#include <evonas/engine/duplicate_index.hpp>
#include <evonas/engine/evolution_operators.hpp>
#include <evonas/engine/fitness.hpp>
#include <evonas/engine/individual.hpp>
#include <evonas/engine/island.hpp>
#include <evonas/engine/migration.hpp>
#include <evonas/engine/observer.hpp>
#include <evonas/engine/objectives.hpp>
#include <evonas/engine/options.hpp>
#include <evonas/engine/pareto.hpp>
#include <evonas/engine/progress.hpp>
#include <evonas/engine/report_book.hpp>
#include <evonas/engine/result.hpp>
#include <evonas/engine/trainer.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/genome_traits.hpp>
#include <evonas/genome/layer_genome_traits.hpp>
#include <evonas/random.hpp>
#include <evonas/surrogate/surrogate.hpp>

namespace evonas {

namespace detail {
struct IslandModelAccess;  // snapshot and restore (io/checkpoint.hpp)
}

/// The asynchronous island model. Thread safety: none; a driver calls
/// propose()/complete() from one thread at a time (the thread driver holds a
/// mutex around them). Cost per job: microseconds.
template <class G = Genome<LayerGene>>
class IslandModel {
    static_assert(check_genome_type<G>());

public:
    using genome_type = G;        ///< The genome type evolved.
    using space_type = space_of<G>;  ///< Its search space (genome_traits<G>::space_type).
    /// A pre-dispatch check (usually the trainer's check): may repair the
    /// genome in place or reject it.
    using Prepare = std::function<Check(G&)>;

    /// Validates `options` and the `seeds` (ConfigError), resolves the
    /// options' auto fields (EvolutionOptions::resolved()), spreads the seeds
    /// over the islands (identical seeds once) and fills unset operators
    /// with the preset's (EvolutionOperators::defaults(options)).
    IslandModel(space_type space, EvolutionOptions options, std::vector<G> seeds = {},
                EvolutionOperators<G> operators = {})
        : space_(std::move(space)), options_(validated(std::move(options))), ops_(std::move(operators)) {
        validate_space_of<G>(space_);
        auto defaults = EvolutionOperators<G>::defaults(options_);
        if (!ops_.mutate) ops_.mutate = std::move(defaults.mutate);
        if (!ops_.crossover) {
            ops_.crossover = std::move(defaults.crossover);
            ops_.crossover_name = defaults.crossover_name;
        } else if (ops_.crossover_name.empty()) {
            ops_.crossover_name = "custom";
        }
        if (!ops_.select) ops_.select = std::move(defaults.select);
        if (!ops_.replace) ops_.replace = std::move(defaults.replace);
        // The stopper lives in the report book only (one copy, one state).
        reports_ = detail::ReportBook(ops_.stop ? std::move(ops_.stop) : make_stopper(options_.early_stopping));
        ops_.stop = nullptr;
        // A genome type of your own may have no default breeding operators.
        if (!ops_.mutate) {
            throw ConfigError("operators.mutate",
                              "this genome type's genome_traits has no default_mutation: give the run a mutation "
                              "(EvolutionOperators::mutate)");
        }
        if (!ops_.crossover && options_.crossover_probability.value_or(0.0) > 0.0) {
            throw ConfigError("operators.crossover",
                              "this genome type's genome_traits has no default_crossover: give the run a crossover "
                              "(EvolutionOperators::crossover) or set crossover_probability to 0");
        }

        if (options_.surrogate.active()) make_surrogate();

        islands_.resize(options_.islands);
        for (std::size_t i = 0; i < islands_.size(); ++i) {
            islands_[i].breed_rng.reseed(derive_seed(derive_seed(options_.seed, i), 1));
            islands_[i].event_rng.reseed(derive_seed(derive_seed(options_.seed, i), 2));
        }
        // Seeds first, spread over the islands; identical seeds are trained once.
        std::vector<std::uint64_t> seen;
        for (std::size_t k = 0; k < seeds.size(); ++k) {
            if (auto problem = genome_problem_of(seeds[k], space_); !problem.empty()) {
                throw ConfigError(fmt::format("seeds[{}]", k), problem);
            }
            const auto h = genome_hash_of(seeds[k], space_);
            if (std::find(seen.begin(), seen.end(), h) != seen.end()) continue;
            islands_[seen.size() % islands_.size()].seeds.push_back(std::move(seeds[k]));
            seen.push_back(h);
        }
    }

    /// The search space.
    const space_type& space() const noexcept { return space_; }
    /// The options in use: validated, every auto field resolved.
    const EvolutionOptions& options() const noexcept { return options_; }
    /// Number of islands.
    std::size_t island_count() const noexcept { return islands_.size(); }
    /// Island `i`'s state; throws std::out_of_range.
    const Island<G>& island(std::size_t i) const { return islands_.at(i); }

    /// Observers are told about every proposal, result, improvement and
    /// migration (not during replay()).
    void add_observer(std::shared_ptr<Observer<G>> observer) { observers_.push_back(std::move(observer)); }
    /// The observers added so far.
    const ObserverList<G>& observers() const noexcept { return observers_; }

    /// The driver's clock: seconds since the run started (wall or virtual).
    void set_elapsed(double seconds) noexcept { elapsed_ = seconds; }

    /// The next job for `island`, or nullopt when the run is stopping or
    /// every remaining evaluation is already in flight. `prepare` runs before
    /// the job is handed out: a rejected genome is logged as invalid and
    /// another is bred, so no worker time is spent on it.
    std::optional<Job<G>> propose(std::size_t island, const Prepare& prepare = {}) {
        if (island >= islands_.size()) {
            throw ConfigError("island", fmt::format("island {} does not exist (the run has {})",
                                                    island, islands_.size()));
        }
        if (stopping()) return std::nullopt;
        merge_inbox(island);
        auto& is = islands_[island];
        if (!is.retry.empty()) {  // jobs sent again are part of the budget already
            Job<G> job = std::move(is.retry.front());
            is.retry.erase(is.retry.begin());
            return dispatch(std::move(job), true);
        }
        if (budget_spent()) return std::nullopt;
        // Rejected draws are logged and bred again. After `max_rejections`
        // in a row the island draws random genomes instead (with a warning:
        // its population may be stuck in a region the check rejects); only
        // when even those keep being rejected does the run stop.
        std::string last_rejection;
        std::size_t rejected = 0, reused = 0;
        bool fallback = false;
        for (;;) {
            Job<G> job = make_child(island, prepare, fallback);
            if (!job.check_note.empty() && job.check_note.rfind("invalid: ", 0) == 0) {
                last_rejection = job.check_note.substr(9);
                auto reason = last_rejection;
                job.check_note.clear();
                finish(std::move(job), Fitness::invalid(std::move(reason)), WorkInfo{}, false);
                if (stopping()) return std::nullopt;
                if (++rejected == max_rejections && !fallback) {
                    fallback = true;
                    rejected = 0;
                    warn(fmt::format("island {}: {} genomes in a row were rejected by the trainer's check (last "
                                     "reason: {}); drawing random genomes until one is accepted",
                                     island, max_rejections, last_rejection));
                } else if (fallback && rejected >= max_random_rejections) {
                    throw Error(fmt::format(
                        "island {}: {} random genomes in a row were rejected by the trainer's check, after {} bred "
                        "ones: the check rejects (nearly) every genome of the search space. Last reason: {}",
                        island, max_random_rejections, max_rejections, last_rejection));
                }
                continue;
            }
            if (job.origin == Origin::duplicate) {
                // Reused a twin's fitness (no training); breed another. A
                // converged island would do this forever: fall back to random.
                // A space whose every genome was trained ends the run.
                if (++reused == max_rejections) {
                    fallback = true;
                } else if (reused >= max_rejections + max_random_rejections) {
                    throw Error(fmt::format(
                        "island {}: {} genomes in a row ({} of them random) were networks trained already: the "
                        "search space is (nearly) exhausted; lower max_evaluations or widen the space",
                        island, reused, reused - max_rejections));
                }
                continue;
            }
            return dispatch(std::move(job));
        }
    }

    /// The next job from any island: a job waiting to be sent again (oldest
    /// first), else islands taken in turn (the turn is in the checkpoint, so
    /// a one-worker run resumes exactly). As propose().
    std::optional<Job<G>> propose_next(const Prepare& prepare = {}) {
        // Jobs waiting to be sent again go first, the oldest first, without
        // moving the turn: a resumed run proposes in the order it would have.
        std::optional<std::size_t> retry_island;
        for (std::size_t i = 0; i < islands_.size(); ++i) {
            const auto& retry = islands_[i].retry;
            if (!retry.empty() && (!retry_island || retry.front().id < islands_[*retry_island].retry.front().id)) {
                retry_island = i;
            }
        }
        if (retry_island) {
            if (auto job = propose(*retry_island, prepare)) return job;
        }
        for (std::size_t k = 0; k < islands_.size(); ++k) {
            const auto island = (next_island_ + k) % islands_.size();
            if (auto job = propose(island, prepare)) {
                next_island_ = (island + 1) % islands_.size();
                return job;
            }
            if (stopping() || budget_spent()) break;
        }
        return std::nullopt;
    }

    /// Records the result of job `job_id` (from propose()): counts it, inserts
    /// it into its island, updates the best and the hall of fame, and sends
    /// migrants when the island's interval is reached. A NaN or infinite
    /// score becomes a failed fitness. Throws Error for an unknown job id.
    JobRecord<G> complete(std::uint64_t job_id, Fitness fitness, WorkInfo work = {}) {
        auto it = in_flight_.find(job_id);
        if (it == in_flight_.end()) {
            throw Error(fmt::format("complete(): job {} is not in flight (finished twice, or never proposed)", job_id));
        }
        Job<G> job = std::move(it->second);
        in_flight_.erase(it);
        fitness = sanitize(std::move(fitness));
        if (const auto at = reports_.stopped_at(job_id); at && fitness.ok() && !fitness.metric(stopped_at_metric)) {
            fitness.with(std::string(stopped_at_metric), *at);
        }
        reports_.forget(job_id);
        return finish(std::move(job), std::move(fitness), work, true);
    }

    /// complete(job_id, fitness, work), then propose(island, prepare): a
    /// worker's result and its next job in one step. The observers hear it
    /// as one batch (Observer::on_batch_begin), so the lineage log writes
    /// the job line and the next "dispatched" line with one write(2) instead
    /// of two, before this returns. The write-ahead rule is unchanged: the
    /// finished job is in the log before the job it influenced leaves. A
    /// crash inside this call (e.g. in `prepare`) loses the result as a crash
    /// just before it would: the job is sent again on resume.
    Handover<G> complete_and_propose(std::uint64_t job_id, Fitness fitness, WorkInfo work, std::size_t island,
                                     const Prepare& prepare = {});
    /// complete(), then propose_next(prepare): as complete_and_propose().
    Handover<G> complete_and_propose_next(std::uint64_t job_id, Fitness fitness, WorkInfo work = {},
                                          const Prepare& prepare = {});

    /// The surrogate pre-screen (EvolutionOptions::surrogate), or null when
    /// it is off: what it learned, when it last refit.
    const Surrogate<G>* surrogate() const noexcept { return surrogate_ ? &*surrogate_ : nullptr; }

    /// Feeds a finished job read back from the lineage log to the surrogate
    /// only (nothing else changes): a resume calls it for the jobs its
    /// checkpoint covers, in log order, so the predictor is rebuilt as it
    /// was. Trained, scored jobs only; a no-op without a surrogate.
    void learn(const JobRecord<G>& record);

    /// True when the run stops poor networks early (it has a stopper): a
    /// driver then gives trainers a reporter (JobContext::report).
    bool early_stopping() const noexcept { return reports_.active(); }

    /// An intermediate result of in-flight job `job_id` (JobContext::report
    /// ends here): the run's stopper decides whether the job goes on. A
    /// report heard for the first time is told to the observers (the
    /// lineage log writes it); a job trained again repeating a step gets
    /// the answer it got then. When the answer was stop, complete() adds
    /// the metric "stopped_at" (the step) to the job's fitness. Throws Error
    /// for a job not in flight, or a step or value that is not finite.
    Decision report(std::uint64_t job_id, double step, double value);

    /// Re-applies a report read back from the lineage log when a run
    /// resumes: the stopper sees it again (in log order its state is
    /// rebuilt); `keep_history` for a job still to be finished, which then
    /// hears the logged answers again when it is trained again.
    void replay_report(const Report& r, Decision logged, bool keep_history);

    /// True when job `job_id` waits in its island's list of jobs to send again.
    bool is_waiting(std::uint64_t job_id) const;

    /// Re-applies a finished job read back from the lineage log when a run
    /// resumes: the same bookkeeping as complete(), without observers, and
    /// the island's proposal state moves to the record's cursor when it is
    /// the newest seen. A job of the checkpoint's retry list is dropped.
    void replay(const JobRecord<G>& record);

    /// Re-applies a job read back from a "dispatched" lineage line when a run
    /// resumes: the island's proposal state moves to the job's cursor when it
    /// is the newest seen, and the job is in flight (a later "job" line for it
    /// replays its result; a job still in flight at the end of the log is
    /// requeued by requeue_in_flight()). No observers are told.
    void replay_dispatched(const Job<G>& job);

    /// Sends in-flight job `job_id` out again: it goes to its island's retry
    /// list with attempt + 1 and is proposed before anything else (a driver
    /// calls this when the worker that had it was lost). Throws Error for a
    /// job that is not in flight.
    void requeue(std::uint64_t job_id);

    /// The job `job_id` while it is in flight, else null.
    const Job<G>* in_flight_job(std::uint64_t job_id) const {
        const auto it = in_flight_.find(job_id);
        return it == in_flight_.end() ? nullptr : &it->second;
    }

    /// Every genome sent to training so far, by canonical hash (the
    /// duplicate index; drivers persist it and restore it on resume).
    const DuplicateIndex& seen() const noexcept { return seen_; }

    /// Records that genome `hash` was sent to training elsewhere (another
    /// process's islands, or a run file on resume), so it is not trained
    /// again here. An entry this model has already is replaced only by a
    /// finished one.
    void note_seen(std::uint64_t hash, const SeenGenome& seen) {
        const auto known = seen_.find(hash);
        if (!known || (!known->finished && seen.finished)) seen_.set(hash, seen);
    }

    /// Takes the migrants waiting for `island` out of its inbox. A driver
    /// whose islands live in other processes (MPI) calls this for the
    /// islands it does not run, after complete(), and sends them on.
    std::vector<Individual<G>> take_inbox(std::size_t island) {
        auto inbox = std::move(islands_.at(island).inbox);
        islands_.at(island).inbox.clear();
        return inbox;
    }

    /// Delivers migrants that arrived from another process to `island`;
    /// they are merged when the island next proposes or finishes a job.
    void receive_migrants(std::size_t island, std::vector<Individual<G>> migrants) {
        auto& inbox = islands_.at(island).inbox;
        for (auto& m : migrants) inbox.push_back(std::move(m));
    }

    /// Moves every in-flight job to its island's retry list (the resume of a
    /// run calls this for the jobs that were in flight when it stopped): they
    /// are proposed again first, with the same id, genome, seed, origin and
    /// attempt, so a deterministic trainer gives the result it would have.
    void requeue_in_flight();

    /// True once a stop criterion is met (the reason is stop_reason()).
    bool stopping() const {
        if (!stop_reason_.empty()) return true;
        const auto& stop = options_.stop;
        std::string reason;
        if (stop.max_evaluations && counts_.finished >= stop.max_evaluations) reason = "max_evaluations";
        else if (stop.max_seconds > 0.0 && elapsed_ >= stop.max_seconds) reason = "max_seconds";
        else if (stop.max_resource > 0.0 && resource_used() >= stop.max_resource) reason = "max_resource";
        else if (stop.target_score && best_score_ >= *stop.target_score) reason = "target_score";
        else if (stop.patience && since_improvement_ >= stop.patience) reason = "patience";
        else if (stop.callback && stop.callback(progress())) reason = "callback";
        if (!reason.empty()) stop_reason_ = std::move(reason);
        return !stop_reason_.empty();
    }

    /// Stops the run now (e.g. on a signal); in-flight jobs may still complete.
    void request_stop(std::string reason = "requested") {
        if (stop_reason_.empty()) stop_reason_ = std::move(reason);
    }

    /// True when nothing is in flight and no job can be proposed any more.
    bool done() const { return in_flight_.empty() && (stopping() || (budget_spent() && waiting() == 0)); }

    /// The trained networks' resource so far (StopCriteria::resource_metric),
    /// summed over the islands.
    double resource_used() const noexcept {
        double sum = 0.0;
        for (const auto& is : islands_) sum += is.resource;
        return sum;
    }

    /// Why the run stops ("max_evaluations", ...); empty while it goes on.
    const std::string& stop_reason() const noexcept { return stop_reason_; }
    /// Jobs proposed and not completed yet.
    std::size_t in_flight() const noexcept { return in_flight_.size(); }

    /// The run's counters (proposals and duplicates summed over islands).
    RunCounts counts() const noexcept {
        RunCounts c = counts_;
        c.proposed = 0;
        c.duplicates = 0;
        for (const auto& is : islands_) {
            c.proposed += is.proposed;
            c.duplicates += is.duplicates;
        }
        return c;
    }

    /// Where the run stands now.
    Progress progress() const {
        Progress p;
        p.counts = counts();
        p.best_score = best_score_;
        p.best_id = best_id_;
        p.elapsed_seconds = elapsed_;
        p.in_flight = in_flight_.size();
        p.max_evaluations = options_.stop.max_evaluations;
        p.since_improvement = since_improvement_;
        p.resource_used = resource_used();
        p.front_size = front_.size();
        p.hypervolume = hypervolume_;
        p.front_updates = front_updates_;
        return p;
    }

    /// The best individuals and counters so far (the run's result once done()).
    EvolutionResult<G> result() const {
        EvolutionResult<G> r;
        r.hall_of_fame = hall_;
        if (!hall_.empty()) r.best = hall_.front();
        for (const auto& is : islands_) r.island_best.push_back(is.best);
        r.counts = counts();
        r.elapsed_seconds = elapsed_;
        r.stop_reason = stop_reason_;
        r.pareto_front = front_;
        std::stable_sort(r.pareto_front.begin(), r.pareto_front.end(),
                         [](const Individual<G>& a, const Individual<G>& b) { return a.score > b.score; });
        r.hypervolume = hypervolume_;
        return r;
    }

private:
    friend struct detail::IslandModelAccess;

    static EvolutionOptions validated(EvolutionOptions options) {
        options.validate();
        auto resolved = options.resolved();
        resolved.validate();
        return resolved;
    }
    static constexpr std::size_t max_rejections = 64;
    static constexpr std::size_t max_random_rejections = 10000;

    // The island's proposal state moves to `c` when it is newer.
    static void move_cursor(Island<G>& is, const IslandCursor& c) {
        if (c.seq <= is.seq) return;
        is.seq = c.seq;
        is.seeds_used = c.seeds_used;
        is.initial_proposed = c.initial_proposed;
        is.proposed = c.proposed;
        is.duplicates = c.duplicates;
        is.breed_rng.set_state_string(c.rng);
    }

    // A trained job's resource: the run's resource metric, else the step it
    // was stopped at, else 0 (said once when the run has a resource budget:
    // that budget would never be reached).
    double resource_of(const Fitness& f) {
        if (const auto r = f.metric(options_.stop.resource_metric)) return std::isfinite(*r) && *r > 0.0 ? *r : 0.0;
        if (const auto at = f.metric(stopped_at_metric)) return *at;
        if (options_.stop.max_resource > 0.0 && f.ok() && !resource_warned_) {
            resource_warned_ = true;
            warn(fmt::format("stop.max_resource: a trained network's fitness has no metric '{}' "
                             "(stop.resource_metric); such networks count 0 toward the budget",
                             options_.stop.resource_metric));
        }
        return 0.0;
    }

    void warn(const std::string& text) {
        if (replaying_) return;
        const auto progress_now = progress();
        for (auto& o : observers_) o->on_warning(text, progress_now);
    }

    // Jobs committed to the budget: finished, in flight, or waiting to be
    // sent again.
    bool budget_spent() const noexcept {
        const auto max = options_.stop.max_evaluations;
        return max != 0 && counts_.finished + in_flight_.size() + waiting() >= max;
    }

    std::size_t waiting() const noexcept {
        std::size_t n = 0;
        for (const auto& is : islands_) n += is.retry.size();
        return n;
    }

    // Breeds (or takes a seed or a random genome for) `island`, runs the
    // check, and resolves duplicates. A rejected child comes back with
    // check_note "invalid: <reason>"; a reused twin with origin retry.
    Job<G> make_child(std::size_t island, const Prepare& prepare, bool force_random = false);

    // `dispatched`: the job goes to a worker (dispatch() counts it then).
    void assign_id(Island<G>& is, Job<G>& job, bool dispatched) {
        job.id = is.seq * islands_.size() + job.island;
        ++is.seq;
        job.seed = options_.job_seeds == JobSeeds::per_genome ? genome_seed(job.hash)
                                                              : derive_seed(options_.seed, job.id);
        job.cursor = IslandCursor{is.seq, is.seeds_used, is.initial_proposed,
                                  is.proposed + (dispatched ? 1 : 0), is.duplicates,
                                  is.breed_rng.state_string()};
    }

    // complete() then `next()`, inside on_batch_begin()/on_batch_end() of
    // every observer. on_batch_end() runs also when a step throws; then
    // the step's exception is the one that leaves.
    template <class Next>
    Handover<G> in_one_batch(std::uint64_t job_id, Fitness fitness, WorkInfo work, Next&& next);

    // `again`: a job sent once before (a retry) is not counted again.
    Job<G> dispatch(Job<G> job, bool again = false) {
        seen_.add_in_flight(job.hash, job.id);
        if (!again) ++islands_[job.island].proposed;
        const auto progress_now = progress();
        for (auto& o : observers_) o->on_proposed(job, progress_now);
        auto copy = job;
        in_flight_.emplace(job.id, std::move(job));
        return copy;
    }

    JobRecord<G> finish(Job<G> job, Fitness fitness, WorkInfo work, bool trained);

    // The surrogate from the options and operators (ConfigError when the
    // genome type has no features and the run gives none).
    void make_surrogate();
    // Surrogate on and ready: breeds more candidates beside `job` (a valid,
    // new bred child) and puts the one the acquisition rule picks in `job`,
    // with its prediction. Rejected candidates and twins are dropped silently.
    void screen(Island<G>& is, Job<G>& job, const Prepare& prepare);

    void insert(Island<G>& is, Individual<G> member);

    void add_to_hall(const Individual<G>& member);

    // Multi-objective runs: adds `member` to the Pareto front when nothing
    // there dominates it (or equals it), removing what it dominates.
    void add_to_front(const Individual<G>& member);
    // The front's hypervolume (NaN without a reference point).
    double front_hypervolume() const;

    void maybe_migrate(std::size_t from);

    // Migrants wait in the destination's inbox until that island next
    // proposes or finishes a job: no island ever waits for another.
    void merge_inbox(std::size_t island);

    space_type space_;
    EvolutionOptions options_;
    EvolutionOperators<G> ops_;
    std::vector<Island<G>> islands_;
    std::unordered_map<std::uint64_t, Job<G>> in_flight_;
    DuplicateIndex seen_;
    std::vector<Individual<G>> hall_;
    std::vector<Individual<G>> front_;   // multi-objective runs: the non-dominated networks
    double hypervolume_ = std::numeric_limits<double>::quiet_NaN();
    std::uint64_t front_updates_ = 0;
    bool objective_warned_ = false;
    ObserverList<G> observers_;
    RunCounts counts_{};
    double best_score_ = -std::numeric_limits<double>::infinity();
    std::uint64_t best_id_ = 0;
    std::uint64_t since_improvement_ = 0;
    double elapsed_ = 0.0;
    std::size_t next_island_ = 0;
    mutable std::string stop_reason_;
    bool replaying_ = false;
    bool resource_warned_ = false;
    detail::ReportBook reports_;
    std::optional<Surrogate<G>> surrogate_;
};

}  // namespace evonas

// The definitions of the longer members, one header per concern.
#include <evonas/engine/island_model_population.hpp>
#include <evonas/engine/island_model_reports.hpp>
#include <evonas/engine/island_model_resume.hpp>
#include <evonas/engine/island_model_surrogate.hpp>
#include <evonas/engine/island_model_handover.hpp>
