// evonas: checkpoint.json, a snapshot of an IslandModel (islands,
// populations, generator states, counters, hall of fame and the jobs in
// flight, which are proposed again on resume): O(population + islands),
// whatever the run's length. The duplicate index (one entry per job) is not
// in it but in seen.bin (io/seen_file.hpp); the checkpoint says how many of
// its records, and how many bytes of the lineage log, it covers. Written to
// a temporary file and renamed, so a crash never leaves a half-written one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/engine/island_model.hpp>
#include <evonas/error.hpp>
#include <evonas/io/files.hpp>
#include <evonas/io/record_json.hpp>
#include <evonas/version.hpp>

namespace evonas {

/// The checkpoint.json format this version writes. Version 1 (evonas 0.1,
/// with the duplicate cache inside) is still read.
inline constexpr int checkpoint_format_version = 2;

/// Where a job's "dispatched" line starts in the lineage log, if known.
using OffsetOf = std::function<std::optional<std::uint64_t>(std::uint64_t job_id)>;
/// Reads the job of the "dispatched" line at a byte offset of the log.
template <class G = Genome<LayerGene>>
using BasicJobAt = std::function<Job<G>(std::uint64_t job_id, std::uint64_t offset)>;
/// BasicJobAt for the layer genome.
using JobAt = BasicJobAt<>;

namespace detail {

struct IslandModelAccess {
    template <class G>
    static nlohmann::json individual_to_json(const Individual<G>& m, const space_of<G>& space) {
        return {{"id", m.id}, {"hash", hex64(m.hash)}, {"genome", genome_text_of(m.genome, space)},
                {"fitness", fitness_to_json(m.fitness)}};
    }

    template <class G>
    static Individual<G> individual_from_json(const nlohmann::json& j, const space_of<G>& space,
                                              const std::string& where) {
        Individual<G> m;
        m.id = get_member<std::uint64_t>(j, "id", where);
        m.hash = parse_hex64(get_member<std::string>(j, "hash", where), where + ".hash");
        m.genome = genome_from_text_of<G>(get_member<std::string>(j, "genome", where), space, where + ".genome");
        if (!j.contains("fitness")) throw ConfigError(where + ".fitness", "is missing");
        m.fitness = fitness_from_json(j.at("fitness"), where + ".fitness");
        m.score = m.fitness.rank_score();
        if (m.hash != genome_hash_of(m.genome, space)) {
            throw ConfigError(where + ".hash", "does not match the genome (the checkpoint is corrupt)");
        }
        return m;
    }

    // A job waiting to be sent again or in flight: by reference to its
    // "dispatched" line when `offset_of` knows it ({"id", "at": byte offset}),
    // so a checkpoint does not grow with the number of workers; else whole.
    template <class G>
    static nlohmann::json pending_to_json(const Job<G>& job, const space_of<G>& space, const OffsetOf& offset_of) {
        if (offset_of) {
            if (const auto at = offset_of(job.id)) return {{"id", job.id}, {"at", *at}};
        }
        return job_to_json(job, space);
    }

    template <class G>
    static nlohmann::json snapshot(const IslandModel<G>& model, const OffsetOf& offset_of = {}) {
        const auto& space = model.space_;
        nlohmann::json islands = nlohmann::json::array();
        for (const auto& is : model.islands_) {
            nlohmann::json population = nlohmann::json::array();
            for (const auto& m : is.population) population.push_back(individual_to_json(m, space));
            nlohmann::json inbox = nlohmann::json::array();
            for (const auto& m : is.inbox) inbox.push_back(individual_to_json(m, space));
            nlohmann::json retry = nlohmann::json::array();
            for (const auto& job : is.retry) retry.push_back(pending_to_json(job, space, offset_of));
            nlohmann::json island{{"population", population},
                                  {"inbox", inbox},
                                  {"retry", retry},
                                  {"seeds_used", is.seeds_used},
                                  {"initial_proposed", is.initial_proposed},
                                  {"seq", is.seq},
                                  {"finished", is.finished},
                                  {"proposed", is.proposed},
                                  {"duplicates", is.duplicates},
                                  {"since_migration", is.since_migration},
                                  {"breed_rng", is.breed_rng.state_string()},
                                  {"event_rng", is.event_rng.state_string()}};
            if (is.best) island["best"] = individual_to_json(*is.best, space);
            // Only when counted, so checkpoints of runs without a resource stay as they were.
            if (is.resource > 0.0) island["resource"] = is.resource;
            islands.push_back(std::move(island));
        }
        // Jobs in flight now are proposed again (same id) when the run resumes.
        for (const auto& [id, job] : model.in_flight_) {
            islands[job.island]["retry"].push_back(pending_to_json(job, space, offset_of));
        }
        nlohmann::json hall = nlohmann::json::array();
        for (const auto& m : model.hall_) hall.push_back(individual_to_json(m, space));
        const auto c = model.counts();
        nlohmann::json out{{"format", "evonas-checkpoint"},
                {"format_version", checkpoint_format_version},
                {"evonas_version", version_string()},
                {"run", run_json(model)},
                {"counts", {{"proposed", c.proposed}, {"finished", c.finished}, {"ok", c.ok},
                            {"failed", c.failed}, {"invalid", c.invalid}, {"timed_out", c.timed_out},
                            {"duplicates", c.duplicates}, {"migrations", c.migrations},
                            {"migrants", c.migrants}}},
                {"best_score", finite_or_null(model.best_score_)},
                {"best_id", model.best_id_},
                {"since_improvement", model.since_improvement_},
                {"elapsed", model.elapsed_},
                {"next_island", model.next_island_},
                {"islands", islands},
                {"seen", model.seen_.size()},
                {"hall_of_fame", hall}};
        // Multi-objective runs only, so other checkpoints stay as they were.
        if (model.options_.multi_objective()) {
            nlohmann::json front = nlohmann::json::array();
            for (const auto& m : model.front_) front.push_back(individual_to_json(m, space));
            out["pareto_front"] = std::move(front);
            out["front_updates"] = model.front_updates_;
        }
        return out;
    }

    // The run's identity in a checkpoint; the space's name when it has one.
    template <class G>
    static nlohmann::json run_json(const IslandModel<G>& model) {
        nlohmann::json run{{"seed", model.options_.seed},
                           {"islands", model.options_.islands},
                           {"population", model.options_.population}};
        if constexpr (requires { std::string(model.space_.name()); }) run["space"] = std::string(model.space_.name());
        return run;
    }

    template <class G>
    static void restore(IslandModel<G>& model, const nlohmann::json& j, const std::string& source,
                        const BasicJobAt<G>& job_at = {}) {
        const auto& space = model.space_;
        const auto where = [&](const std::string& field) { return source + ": " + field; };
        if (!j.is_object() || j.value("format", "") != "evonas-checkpoint") {
            throw ConfigError(where("format"), "this is not an evonas checkpoint");
        }
        const auto version = get_member<int>(j, "format_version", source);
        if (version != 1 && version != checkpoint_format_version) {
            throw ConfigError(where("format_version"),
                              fmt::format("version {} is not supported (this evonas reads 1 and {})",
                                          j.at("format_version").dump(), checkpoint_format_version));
        }
        const auto& run = j.at("run");
        const auto check_same = [&](const char* key, std::uint64_t expected) {
            const auto got = get_member<std::uint64_t>(run, key, source + ".run");
            if (got != expected) {
                throw ConfigError(where(std::string("run.") + key),
                                  fmt::format("the checkpoint was written by a different run ({} {}, "
                                              "this run has {})", key, got, expected));
            }
        };
        check_same("seed", model.options_.seed);
        check_same("islands", model.options_.islands);
        check_same("population", model.options_.population);
        const auto islands = j.at("islands");
        if (!islands.is_array() || islands.size() != model.islands_.size()) {
            throw ConfigError(where("islands"), "does not match the run's number of islands");
        }
        for (std::size_t i = 0; i < islands.size(); ++i) {
            const auto& ji = islands[i];
            const auto w = fmt::format("{}.islands[{}]", source, i);
            auto& is = model.islands_[i];
            is.population.clear();
            for (std::size_t k = 0; k < ji.at("population").size(); ++k) {
                is.population.push_back(individual_from_json<G>(ji.at("population")[k], space,
                                                             fmt::format("{}.population[{}]", w, k)));
            }
            is.inbox.clear();
            for (std::size_t k = 0; k < ji.at("inbox").size(); ++k) {
                is.inbox.push_back(individual_from_json<G>(ji.at("inbox")[k], space, fmt::format("{}.inbox[{}]", w, k)));
            }
            is.retry.clear();
            for (std::size_t k = 0; k < ji.at("retry").size(); ++k) {
                const auto field = fmt::format("{}.retry[{}]", w, k);
                const auto& entry = ji.at("retry")[k];
                Job<G> job;
                if (entry.contains("at")) {  // a reference to its "dispatched" line
                    if (!job_at) {
                        throw ConfigError(field, "refers to a lineage line; restore such a checkpoint with its run "
                                                 "directory (open_run_files)");
                    }
                    const auto id = get_member<std::uint64_t>(entry, "id", field);
                    job = job_at(id, get_member<std::uint64_t>(entry, "at", field));
                    if (job.id != id) {
                        throw ConfigError(field, fmt::format("refers to job {}, the lineage line there is job {} (the "
                                                             "log and the checkpoint disagree)", id, job.id));
                    }
                } else {
                    job = job_from_json<G>(entry, space, field);
                }
                if (job.island != i || job.id % model.islands_.size() != i) {
                    throw ConfigError(field + ".island", fmt::format("job {} does not belong to island {}", job.id, i));
                }
                if (job.hash != genome_hash_of(job.genome, space)) {
                    throw ConfigError(field + ".hash", "does not match the genome (the checkpoint is corrupt)");
                }
                is.retry.push_back(std::move(job));
            }
            std::sort(is.retry.begin(), is.retry.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
            is.seeds_used = get_member<std::size_t>(ji, "seeds_used", w);
            is.initial_proposed = get_member<std::size_t>(ji, "initial_proposed", w);
            is.seq = get_member<std::uint64_t>(ji, "seq", w);
            is.finished = get_member<std::uint64_t>(ji, "finished", w);
            is.resource = ji.contains("resource") ? get_member<double>(ji, "resource", w) : 0.0;
            is.proposed = get_member<std::uint64_t>(ji, "proposed", w);
            is.duplicates = get_member<std::uint64_t>(ji, "duplicates", w);
            is.since_migration = get_member<std::size_t>(ji, "since_migration", w);
            is.breed_rng.set_state_string(get_member<std::string>(ji, "breed_rng", w));
            is.event_rng.set_state_string(get_member<std::string>(ji, "event_rng", w));
            is.best.reset();
            if (ji.contains("best")) is.best = individual_from_json<G>(ji.at("best"), space, w + ".best");
            if (is.population.size() > model.options_.population) {
                throw ConfigError(w + ".population", fmt::format("has {} members; the run's population is {}",
                                                                 is.population.size(), model.options_.population));
            }
            if (is.seeds_used > is.seeds.size()) {
                throw ConfigError(w + ".seeds_used", "is more than this run's seeds: the seeds differ");
            }
        }
        model.in_flight_.clear();
        model.seen_.clear();
        if (version == 1) {  // evonas 0.1 kept the duplicate cache in the checkpoint
            for (const auto& k : j.at("known")) {
                if (!k.is_array() || k.size() != 3) throw ConfigError(where("known"), "expected [hash, id, fitness] entries");
                const auto f = fitness_from_json(k[2], where("known"));
                model.seen_.set(parse_hex64(k[0].get<std::string>(), where("known")),
                                SeenGenome{k[1].get<std::uint64_t>(), true, f.status, f.rank_score_or(0.0)});
            }
        }
        // Jobs waiting to be proposed again are in the index as in flight.
        for (const auto& is : model.islands_) {
            for (const auto& job : is.retry) model.seen_.add_in_flight(job.hash, job.id);
        }
        model.hall_.clear();
        for (std::size_t k = 0; k < j.at("hall_of_fame").size(); ++k) {
            model.hall_.push_back(individual_from_json<G>(j.at("hall_of_fame")[k], space,
                                                       fmt::format("{}.hall_of_fame[{}]", source, k)));
        }
        model.front_.clear();
        model.front_updates_ = 0;
        if (model.options_.multi_objective()) {
            if (!j.contains("pareto_front")) {
                throw ConfigError(source, "has no pareto_front: it was written by a run without objectives");
            }
            for (std::size_t k = 0; k < j.at("pareto_front").size(); ++k) {
                model.front_.push_back(individual_from_json<G>(j.at("pareto_front")[k], space,
                                                            fmt::format("{}.pareto_front[{}]", source, k)));
            }
            model.front_updates_ = get_member<std::uint64_t>(j, "front_updates", source);
        }
        model.hypervolume_ = model.front_hypervolume();
        const auto& c = j.at("counts");
        const auto count = [&](const char* key) { return get_member<std::uint64_t>(c, key, source + ".counts"); };
        model.counts_ = {count("proposed"), count("finished"), count("ok"), count("failed"), count("invalid"),
                         count("timed_out"), count("duplicates"), count("migrations"), count("migrants")};
        model.best_score_ = number_or_minus_inf(j.at("best_score"));
        model.best_id_ = get_member<std::uint64_t>(j, "best_id", source);
        model.since_improvement_ = get_member<std::uint64_t>(j, "since_improvement", source);
        model.elapsed_ = get_member<double>(j, "elapsed", source);
        model.next_island_ = get_member<std::size_t>(j, "next_island", source) % model.islands_.size();
        model.stop_reason_.clear();
    }
};

}  // namespace detail

/// The model's state as checkpoint JSON; jobs in flight or waiting to be
/// sent again are written whole, or by the byte offset of their
/// "dispatched" lineage line when `offset_of` knows it.
template <class G>
nlohmann::json model_snapshot(const IslandModel<G>& model, const OffsetOf& offset_of = {}) {
    return detail::IslandModelAccess::snapshot(model, offset_of);
}

/// Restores a model (built with the same space, options and seeds) from
/// checkpoint JSON; jobs the checkpoint refers to by their lineage line are
/// read with `job_at`. Throws ConfigError naming the field when the
/// checkpoint is malformed or belongs to a different run.
template <class G>
void restore_model(IslandModel<G>& model, const nlohmann::json& snapshot, const std::string& source = "checkpoint",
                   const std::type_identity_t<BasicJobAt<G>>& job_at = {}) {
    try {
        detail::IslandModelAccess::restore(model, snapshot, source, job_at);
    } catch (const nlohmann::json::exception& e) {
        throw ConfigError(source, fmt::format("malformed checkpoint: {}", e.what()));
    }
}

/// Writes `snapshot` (plus `extra` members) to `path` atomically.
inline void write_checkpoint(const std::filesystem::path& path, nlohmann::json snapshot,
                             const nlohmann::json& extra = nlohmann::json::object()) {
    for (const auto& [key, value] : extra.items()) snapshot[key] = value;
    write_file_atomically(path, snapshot.dump() + "\n", "checkpoint");
}

/// Reads checkpoint JSON. A truncated or corrupt file is a ParseError with
/// line and column; nothing is overwritten.
inline nlohmann::json read_checkpoint(const std::filesystem::path& path) {
    const auto text = read_text_file(path, "checkpoint");
    if (text.empty()) throw ParseError(path.string(), 1, 1, "the checkpoint is empty (truncated?)");
    return parse_json_text(text, path.string());
}

}  // namespace evonas
