// evonas: IslandModel's breeding, insertion, hall of fame and migration:
// member definitions, included by engine/island_model.hpp after the class
// (which documents them).
#pragma once

#include <evonas/engine/island_model.hpp>

namespace evonas {

template <class G>
Job<G> IslandModel<G>::make_child(std::size_t island, const Prepare& prepare, bool force_random) {
    auto& is = islands_[island];
    Job<G> job;
    job.island = island;
    std::size_t tries = 0;
    for (;;) {
        detail::draw_genome(is, job, force_random, space_, options_, ops_);
        if (prepare) {
            const Check check = prepare(job.genome);
            if (check.verdict == Check::Verdict::invalid) {
                job.check_note = "invalid: " + check.reason;
                break;
            }
            if (check.verdict == Check::Verdict::repaired) {
                if (auto problem = genome_problem_of(job.genome, space_); !problem.empty()) {
                    job.check_note = "invalid: the repaired genome left the space: " + problem;
                    break;
                }
                job.check_note = check.reason;
            }
        }
        job.hash = genome_hash_of(job.genome, space_);
        const auto known = seen_.find(job.hash);
        if (!known || options_.duplicates == DuplicatePolicy::allow || job.origin == Origin::seed) {
            break;
        }
        ++is.duplicates;
        if (options_.duplicates == DuplicatePolicy::reuse_fitness && known->finished) {
            assign_id(is, job, false);
            job.origin = Origin::duplicate;
            job.op += "+duplicate_of:" + std::to_string(known->id);
            Fitness reused;
            reused.status = known->status;
            reused.score = known->status == FitnessStatus::ok ? known->score : 0.0;
            if (!reused.ok()) reused.reason = fmt::format("the result of job {}, an identical network", known->id);
            finish(job, std::move(reused), WorkInfo{}, false);
            return job;
        }
        if (++tries > options_.max_rebreed) {
            if (job.origin == Origin::random) break;  // the random fallback is a twin too: train it
            force_random = true;
        }
    }
    const bool valid = job.check_note.rfind("invalid: ", 0) != 0;
    if (valid && surrogate_ && job.origin == Origin::bred && surrogate_->ready()) screen(is, job, prepare);
    assign_id(is, job, valid);
    return job;
}

template <class G>
JobRecord<G> IslandModel<G>::finish(Job<G> job, Fitness fitness, WorkInfo work, bool trained) {
    auto& is = islands_[job.island];
    merge_inbox(job.island);
    const bool reused = !trained && job.origin == Origin::duplicate;
    if (!reused) {
        switch (fitness.status) {
            case FitnessStatus::ok: ++counts_.ok; break;
            case FitnessStatus::failed: ++counts_.failed; break;
            case FitnessStatus::invalid: ++counts_.invalid; break;
            case FitnessStatus::timed_out: ++counts_.timed_out; break;
        }
        // Jobs rejected before dispatch never used a worker: they do not
        // count against max_evaluations.
        if (trained) ++counts_.finished;
    }
    if (trained) seen_.set(job.hash, SeenGenome{job.id, true, fitness.status, fitness.rank_score_or(0.0)});
    bool improved = false;
    if (fitness.ok()) {
        Individual<G> member{job.genome, fitness.rank_score(), job.id, job.hash, fitness};
        if (!is.best || member.score > is.best->score) is.best = member;
        add_to_hall(member);
        if (options_.multi_objective()) add_to_front(member);
        if (surrogate_ && trained) surrogate_->learn(member.genome, space_, member.score);
        if (member.score > best_score_) {
            best_score_ = member.score;
            best_id_ = job.id;
            improved = true;
        }
        insert(is, std::move(member));
    }
    if (trained) {
        since_improvement_ = improved ? 0 : since_improvement_ + 1;
        is.resource += resource_of(fitness);
    }
    JobRecord<G> record{std::move(job), std::move(fitness), work, trained};
    if (!replaying_) {
        const auto progress_now = progress();
        for (auto& o : observers_) o->on_finished(record, progress_now);
        if (improved) {
            for (auto& o : observers_) o->on_improved(record, progress_now);
        }
    }
    if (trained) {
        ++is.finished;
        maybe_migrate(record.job.island);
    }
    return record;
}

template <class G>
void IslandModel<G>::insert(Island<G>& is, Individual<G> member) {
    for (const auto& m : is.population) {
        if (m.hash == member.hash) return;  // already there (a migrant twin)
    }
    if (is.population.size() < options_.population) {
        is.population.push_back(std::move(member));
        return;
    }
    const auto slot = ops_.replace(std::span<const Individual<G>>(is.population), member, is.event_rng);
    if (!slot || *slot >= is.population.size()) return;
    // A network stopped early never displaces one trained to the end:
    // its score was reached with less training.
    const auto stopped = [](const Individual<G>& m) { return m.fitness.metric(stopped_at_metric).has_value(); };
    if (stopped(member) && !stopped(is.population[*slot])) return;
    is.population[*slot] = std::move(member);
}

template <class G>
void IslandModel<G>::add_to_hall(const Individual<G>& member) {
    for (const auto& h : hall_) {
        if (h.hash == member.hash) return;
    }
    const auto pos = std::find_if(hall_.begin(), hall_.end(),
                                  [&](const Individual<G>& h) { return h.score < member.score; });
    if (static_cast<std::size_t>(pos - hall_.begin()) >= options_.hall_of_fame) return;
    hall_.insert(pos, member);
    if (hall_.size() > options_.hall_of_fame) hall_.pop_back();
}

template <class G>
void IslandModel<G>::add_to_front(const Individual<G>& member) {
    const auto& objectives = options_.objectives;
    if (!objective_warned_ && !replaying_) {
        for (const auto& o : objectives) {
            if (std::isnan(o.oriented(o.raw(member.fitness)))) {
                objective_warned_ = true;
                warn(fmt::format("objective '{}' is missing from job {}'s fitness{}: such networks rank as infeasible; "
                                 "does the trainer report the metric '{}'?",
                                 o.name, member.id, o.log_scale ? " (or is not > 0 on its log scale)" : "", o.name));
                break;
            }
        }
    }
    const auto point = objective_point(objectives, member.fitness);
    const double violation = objective_violation(objectives, member.fitness);
    std::vector<std::vector<double>> points;
    std::vector<double> violations;
    for (const auto& f : front_) {
        points.push_back(objective_point(objectives, f.fitness));
        violations.push_back(objective_violation(objectives, f.fitness));
    }
    for (std::size_t i = 0; i < front_.size(); ++i) {
        if (front_[i].hash == member.hash) return;
        if (constrained_dominates(points[i], violations[i], point, violation)) return;
        if (violations[i] == violation && points[i] == point) return;  // an equal network is there already
    }
    std::vector<Individual<G>> kept;
    kept.reserve(front_.size() + 1);
    for (std::size_t i = 0; i < front_.size(); ++i) {
        if (!constrained_dominates(point, violation, points[i], violations[i])) kept.push_back(std::move(front_[i]));
    }
    kept.push_back(member);
    front_ = std::move(kept);
    ++front_updates_;
    hypervolume_ = front_hypervolume();
}

template <class G>
double IslandModel<G>::front_hypervolume() const {
    const auto ref = objective_reference(options_.objectives);
    if (!ref) return std::numeric_limits<double>::quiet_NaN();
    std::vector<std::vector<double>> points;
    for (const auto& f : front_) {
        if (objective_violation(options_.objectives, f.fitness) == 0.0) {
            points.push_back(objective_point(options_.objectives, f.fitness));
        }
    }
    return hypervolume(points, *ref);
}

template <class G>
void IslandModel<G>::maybe_migrate(std::size_t from) {
    const auto& m = options_.migration;
    if (m.topology == MigrationTopology::none || islands_.size() < 2) return;
    auto& is = islands_[from];
    if (++is.since_migration < m.interval || is.population.empty()) return;
    is.since_migration = 0;
    std::vector<std::size_t> targets;
    switch (m.topology) {
        case MigrationTopology::ring: targets = {(from + 1) % islands_.size()}; break;
        case MigrationTopology::fully_connected:
            for (std::size_t t = 0; t < islands_.size(); ++t) {
                if (t != from) targets.push_back(t);
            }
            break;
        case MigrationTopology::random: {
            auto t = is.event_rng.index(islands_.size() - 1);
            targets = {t >= from ? t + 1 : t};
            break;
        }
        case MigrationTopology::none: return;
    }
    const auto migrants = options_.multi_objective() && m.pick == MigrantPick::best
                              ? pick_front_migrants(is.population, options_.objectives, m.migrants)
                              : pick_migrants(is.population, options_.migration, is.event_rng);
    MigrationEvent event{from, 0, {}};
    for (const auto& mi : migrants) event.ids.push_back(mi.id);
    for (auto to : targets) {
        auto& inbox = islands_[to].inbox;
        inbox.insert(inbox.end(), migrants.begin(), migrants.end());
        ++counts_.migrations;
        event.to = to;
        if (!replaying_) {
            const auto progress_now = progress();
            for (auto& o : observers_) o->on_migrated(event, progress_now);
        }
    }
}

template <class G>
void IslandModel<G>::merge_inbox(std::size_t island) {
    auto& is = islands_[island];
    if (is.inbox.empty()) return;
    auto inbox = std::move(is.inbox);
    is.inbox.clear();
    for (auto& migrant : inbox) {
        ++counts_.migrants;
        if (std::any_of(is.population.begin(), is.population.end(),
                        [&](const Individual<G>& m) { return m.hash == migrant.hash; })) {
            continue;
        }
        if (is.population.size() < options_.population) {
            is.population.push_back(std::move(migrant));
            continue;
        }
        // With objectives, "worst" is the worst front's most crowded member.
        const auto slot = options_.multi_objective() && options_.migration.replace == MigrantReplace::worst
                              ? ops_.replace(std::span<const Individual<G>>(is.population), migrant, is.event_rng)
                              : migrant_slot(is.population, migrant, options_.migration.replace, is.event_rng);
        if (!slot) continue;
        is.population[*slot] = std::move(migrant);
    }
}

}  // namespace evonas
