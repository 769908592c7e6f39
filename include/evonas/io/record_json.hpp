// evonas: JSON for fitness values, jobs and finished-job records, as the
// lineage log and the checkpoint write them. Genomes are stored in the
// canonical text notation.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/engine/fitness.hpp>
#include <evonas/engine/individual.hpp>
#include <evonas/engine/stopper.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/genome_traits.hpp>
#include <evonas/genome/layer_genome_traits.hpp>

namespace evonas {

namespace detail {

/// A number for JSON: NaN and infinities have no JSON form, so they are
/// written as null (and read back as -infinity).
inline nlohmann::json finite_or_null(double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

inline double number_or_minus_inf(const nlohmann::json& j) {
    return j.is_null() ? -std::numeric_limits<double>::infinity() : j.get<double>();
}

inline std::string hex64(std::uint64_t v) { return fmt::format("{:016x}", v); }

inline std::uint64_t parse_hex64(const std::string& text, const std::string& field) {
    if (text.empty() || text.size() > 16) throw ConfigError(field, fmt::format("expected 16 hex digits, got '{}'", text));
    std::uint64_t v = 0;
    for (char c : text) {
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0) throw ConfigError(field, fmt::format("expected 16 hex digits, got '{}'", text));
        v = (v << 4) | static_cast<std::uint64_t>(d);
    }
    return v;
}

/// Reads a member, turning nlohmann's type errors into ConfigError(field).
template <class T>
T get_member(const nlohmann::json& j, const char* key, const std::string& where) {
    const auto field = where.empty() ? std::string(key) : where + "." + key;
    if (!j.is_object() || !j.contains(key)) throw ConfigError(field, "is missing");
    try {
        return j.at(key).get<T>();
    } catch (const nlohmann::json::exception&) {
        throw ConfigError(field, fmt::format("has the wrong type ({})", j.at(key).type_name()));
    }
}

/// Runs `read`, turning any nlohmann exception (a missing key, a wrong type)
/// into a ConfigError naming `where`, so a damaged record is always an
/// evonas::Error.
template <class Read>
auto json_guard(const std::string& where, Read&& read) {
    try {
        return read();
    } catch (const nlohmann::json::exception& e) {
        std::string message = e.what();
        if (const auto bracket = message.find("] "); message.starts_with("[json.exception") &&
                                                     bracket != std::string::npos) {
            message = message.substr(bracket + 2);
        }
        throw ConfigError(where, fmt::format("malformed record: {}", message));
    }
}

}  // namespace detail

/// A fitness as JSON: status, score (null when not finite), and reason,
/// objectives and metrics when present.
inline nlohmann::json fitness_to_json(const Fitness& f) {
    nlohmann::json j{{"status", std::string(to_string(f.status))}, {"score", detail::finite_or_null(f.score)}};
    if (!f.reason.empty()) j["reason"] = f.reason;
    if (!f.objectives.empty()) {
        auto& o = j["objectives"] = nlohmann::json::array();
        for (double v : f.objectives) o.push_back(detail::finite_or_null(v));
    }
    if (!f.metrics.empty()) {
        auto& m = j["metrics"] = nlohmann::json::object();
        for (const auto& metric : f.metrics) m[metric.name] = detail::finite_or_null(metric.value);
    }
    return j;
}

/// The fitness fitness_to_json() wrote (null numbers read as -infinity).
/// Throws ConfigError naming `where` when it is malformed.
inline Fitness fitness_from_json(const nlohmann::json& j, const std::string& where) {
    return detail::json_guard(where, [&] {
        Fitness f;
        const auto status = detail::get_member<std::string>(j, "status", where);
        const auto parsed = fitness_status_from_string(status);
        if (!parsed) throw ConfigError(where + ".status", fmt::format("unknown status '{}'", status));
        f.status = *parsed;
        if (!j.contains("score")) throw ConfigError(where + ".score", "is missing");
        f.score = detail::number_or_minus_inf(j.at("score"));
        if (j.contains("reason")) f.reason = detail::get_member<std::string>(j, "reason", where);
        if (j.contains("objectives")) {
            for (const auto& v : j.at("objectives")) f.objectives.push_back(detail::number_or_minus_inf(v));
        }
        if (j.contains("metrics")) {
            for (const auto& [name, v] : j.at("metrics").items()) {
                f.metrics.push_back({name, detail::number_or_minus_inf(v)});
            }
        }
        return f;
    });
}

/// An island cursor (the island's counters and generator state when a job
/// was proposed) as JSON.
inline nlohmann::json cursor_to_json(const IslandCursor& c) {
    return {{"seq", c.seq}, {"seeds_used", c.seeds_used}, {"initial_proposed", c.initial_proposed},
            {"proposed", c.proposed}, {"duplicates", c.duplicates}, {"rng", c.rng}};
}

/// The cursor cursor_to_json() wrote; ConfigError naming `where` when malformed.
inline IslandCursor cursor_from_json(const nlohmann::json& j, const std::string& where) {
    return detail::json_guard(where, [&] {
        return IslandCursor{detail::get_member<std::uint64_t>(j, "seq", where),
                detail::get_member<std::size_t>(j, "seeds_used", where),
                detail::get_member<std::size_t>(j, "initial_proposed", where),
                detail::get_member<std::uint64_t>(j, "proposed", where),
                detail::get_member<std::uint64_t>(j, "duplicates", where),
                detail::get_member<std::string>(j, "rng", where)};
    });
}

/// A job as JSON (genome as canonical text).
template <class G>
nlohmann::json job_to_json(const Job<G>& job, const space_of<G>& space) {
    nlohmann::json j{{"id", job.id},
                     {"island", job.island},
                     {"seed", detail::hex64(job.seed)},
                     {"origin", std::string(to_string(job.origin))},
                     {"op", job.op},
                     {"parents", job.parents},
                     {"genome", genome_text_of(job.genome, space)},
                     {"hash", detail::hex64(job.hash)},
                     {"cursor", cursor_to_json(job.cursor)}};
    if (!job.check_note.empty()) j["check"] = job.check_note;
    if (job.attempt > 1) j["attempt"] = job.attempt;
    if (job.predicted.screened()) {
        j["predicted"] = {{"candidates", job.predicted.candidates},
                          {"mean", job.predicted.mean},
                          {"spread", job.predicted.spread}};
    }
    return j;
}

/// The job job_to_json() wrote, its genome parsed against `space`.
/// ConfigError naming `where` (and the field) when malformed.
template <class G = Genome<LayerGene>>
Job<G> job_from_json(const nlohmann::json& j, const space_of<G>& space, const std::string& where) {
    return detail::json_guard(where, [&] {
        Job<G> job;
        job.id = detail::get_member<std::uint64_t>(j, "id", where);
        job.island = detail::get_member<std::size_t>(j, "island", where);
        job.seed = detail::parse_hex64(detail::get_member<std::string>(j, "seed", where), where + ".seed");
        const auto origin = detail::get_member<std::string>(j, "origin", where);
        bool known = false;
        for (auto o : {Origin::seed, Origin::random, Origin::bred, Origin::retry, Origin::duplicate}) {
            if (to_string(o) == origin) {
                job.origin = o;
                known = true;
            }
        }
        if (!known) throw ConfigError(where + ".origin", fmt::format("unknown origin '{}'", origin));
        job.op = detail::get_member<std::string>(j, "op", where);
        job.parents = detail::get_member<std::vector<std::uint64_t>>(j, "parents", where);
        job.genome = genome_from_text_of<G>(detail::get_member<std::string>(j, "genome", where), space, where + ".genome");
        job.hash = detail::parse_hex64(detail::get_member<std::string>(j, "hash", where), where + ".hash");
        if (j.contains("check")) job.check_note = detail::get_member<std::string>(j, "check", where);
        if (j.contains("attempt")) job.attempt = detail::get_member<std::uint32_t>(j, "attempt", where);
        if (j.contains("predicted")) {
            const auto& p = j.at("predicted");
            const auto at = where + ".predicted";
            job.predicted.candidates = detail::get_member<std::uint32_t>(p, "candidates", at);
            job.predicted.mean = detail::get_member<double>(p, "mean", at);
            job.predicted.spread = detail::get_member<double>(p, "spread", at);
        }
        job.cursor = cursor_from_json(j.at("cursor"), where + ".cursor");
        return job;
    });
}

/// A report line of the lineage log (early stopping): the report, the
/// answer it got and when.
inline nlohmann::json report_to_json(const Report& r, Decision decision, double time) {
    return {{"type", "report"},
            {"id", r.job},
            {"island", r.island},
            {"step", r.step},
            {"value", r.value},
            {"decision", std::string(to_string(decision))},
            {"time", time}};
}

/// The report and decision report_to_json() wrote; ConfigError naming
/// `where` when malformed.
inline std::pair<Report, Decision> report_from_json(const nlohmann::json& j, const std::string& where) {
    return detail::json_guard(where, [&] {
        Report r;
        r.job = detail::get_member<std::uint64_t>(j, "id", where);
        r.island = detail::get_member<std::size_t>(j, "island", where);
        r.step = detail::get_member<double>(j, "step", where);
        r.value = detail::get_member<double>(j, "value", where);
        const auto d = detail::get_member<std::string>(j, "decision", where);
        if (d != "stop" && d != "keep_training") {
            throw ConfigError(where + ".decision", fmt::format("unknown decision '{}'", d));
        }
        return std::pair{r, d == "stop" ? Decision::stop : Decision::keep_training};
    });
}

/// One lineage line: the job, its fitness and where and when it ran.
template <class G>
nlohmann::json record_to_json(const JobRecord<G>& r, const space_of<G>& space) {
    auto j = job_to_json(r.job, space);
    j["fitness"] = fitness_to_json(r.fitness);
    j["worker"] = r.work.worker;
    j["start"] = r.work.started;
    j["end"] = r.work.finished;
    j["trained"] = r.trained;
    return j;
}

/// The record record_to_json() wrote; ConfigError naming `where` when malformed.
template <class G = Genome<LayerGene>>
JobRecord<G> record_from_json(const nlohmann::json& j, const space_of<G>& space, const std::string& where) {
    return detail::json_guard(where, [&] {
        JobRecord<G> r;
        r.job = job_from_json<G>(j, space, where);
        if (!j.contains("fitness")) throw ConfigError(where + ".fitness", "is missing");
        r.fitness = fitness_from_json(j.at("fitness"), where + ".fitness");
        r.work.worker = detail::get_member<std::size_t>(j, "worker", where);
        r.work.started = detail::get_member<double>(j, "start", where);
        r.work.finished = detail::get_member<double>(j, "end", where);
        r.trained = detail::get_member<bool>(j, "trained", where);
        return r;
    });
}

}  // namespace evonas
