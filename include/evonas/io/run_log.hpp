// evonas: a run directory read back for tools (the run report, the
// forecast): run.json and every line of lineage.jsonl, genomes kept as
// their text, so it reads the runs of any genome type without its space.
//
// A last line without its newline (torn by a crash) is ignored, as a resume
// ignores it; any other bad line is a ParseError naming the file and line.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/engine/fitness.hpp>
#include <evonas/engine/individual.hpp>
#include <evonas/engine/stopper.hpp>
#include <evonas/error.hpp>
#include <evonas/io/files.hpp>
#include <evonas/io/record_json.hpp>
#include <evonas/io/run_directory.hpp>

namespace evonas {

/// One finished job of a lineage log ("job" line), its genome as text.
struct RunLogJob {
    std::uint64_t id = 0;                ///< the job id
    std::size_t island = 0;              ///< the island that proposed it
    std::string origin;                  ///< "seed", "random", "bred", "duplicate", "retry"
    std::string op;                      ///< how the genome was made ("mutation:insert_layer", ...)
    std::vector<std::uint64_t> parents;  ///< parent job ids (empty for seeds and random genomes)
    std::string genome;                  ///< the genome's canonical text
    std::string hash;                    ///< the genome's hash (hex), as logged
    Fitness fitness;                     ///< status, score (-infinity when logged null), reason, metrics
    std::size_t worker = 0;              ///< the worker that trained it
    double start = 0.0;                  ///< when training began (seconds since the run started)
    double end = 0.0;                    ///< when its result was recorded
    bool trained = true;                 ///< false: rejected by the check before dispatch, or a reused twin
    std::uint32_t attempt = 1;           ///< above 1: sent again after its worker was lost
    Screening predicted;                 ///< the surrogate's prediction, when it picked the genome
    std::size_t line = 0;                ///< its line in lineage.jsonl (1-based), for messages

    /// The job's training time: end - start of its line (the worker's time
    /// on it; the time from dispatch is not logged). 0 for untrained jobs.
    double seconds() const noexcept { return trained ? std::max(0.0, end - start) : 0.0; }
    /// Trained, ok, and told to stop early (the metric "stopped_at").
    bool stopped_early() const noexcept { return trained && fitness.ok() && fitness.metric(stopped_at_metric); }
};

/// A "report" line (early stopping): a job's score part-way and the answer.
struct RunLogReport {
    std::uint64_t job = 0;  ///< the job's id
    double step = 0.0;      ///< how far it had trained
    double value = 0.0;     ///< its score then
    bool stop = false;      ///< the run told it to stop
    double time = 0.0;      ///< when (seconds since the run started)
};

/// A "warning" line.
struct RunLogWarning {
    std::string text;  ///< what happened
    double time = 0.0; ///< when
};

/// A run directory read back: run.json and the lineage log's lines.
struct RunLog {
    std::filesystem::path dir;       ///< the run directory
    nlohmann::json run;              ///< run.json as written
    std::vector<RunLogJob> jobs;     ///< job lines in file order (a job id logged twice: its last line)
    std::size_t dispatched = 0;      ///< "dispatched" lines
    std::size_t unfinished = 0;      ///< jobs dispatched without a job line (in flight when the run stopped)
    std::size_t migrations = 0;      ///< "migration" lines
    std::size_t fronts = 0;          ///< "front" lines (multi-objective runs)
    std::vector<RunLogWarning> warnings;  ///< "warning" lines, in order
    std::vector<RunLogReport> reports;    ///< "report" lines, in order
    std::size_t lines = 0;           ///< complete lines read
    bool torn_tail = false;          ///< the last line had no newline (a crash mid-write): ignored
    /// The run's wall time: the latest time any line records (a job's end,
    /// a report, warning, migration or front line), in seconds since the
    /// run started, resumes included (the time between resumes is not).
    double wall_seconds = 0.0;

    /// The job with id `id`, or null.
    const RunLogJob* find(std::uint64_t id) const {
        const auto it = index_.find(id);
        return it == index_.end() ? nullptr : &jobs[it->second];
    }

    /// Adds a job line (replacing an earlier line of the same id in place).
    void add(RunLogJob job) {
        const auto [it, fresh] = index_.emplace(job.id, jobs.size());
        if (fresh) {
            jobs.push_back(std::move(job));
        } else {
            jobs[it->second] = std::move(job);
        }
    }

private:
    std::unordered_map<std::uint64_t, std::size_t> index_;
};

namespace detail {

// A member of a lineage line; ConfigError("key", ...) when missing or of the
// wrong type (the caller turns it into a ParseError with the file and line).
template <class T>
T log_member(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end()) throw ConfigError(key, "is missing");
    try {
        return it->get<T>();
    } catch (const nlohmann::json::exception&) {
        throw ConfigError(key, fmt::format("has the wrong type ({})", it->type_name()));
    }
}

inline double log_time(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

inline RunLogJob run_log_job(const nlohmann::json& j) {
    RunLogJob r;
    r.id = log_member<std::uint64_t>(j, "id");
    r.island = log_member<std::size_t>(j, "island");
    r.origin = log_member<std::string>(j, "origin");
    r.op = log_member<std::string>(j, "op");
    r.parents = log_member<std::vector<std::uint64_t>>(j, "parents");
    r.genome = log_member<std::string>(j, "genome");
    if (j.contains("hash")) r.hash = log_member<std::string>(j, "hash");
    if (!j.contains("fitness")) throw ConfigError("fitness", "is missing");
    r.fitness = fitness_from_json(j.at("fitness"), "fitness");
    r.worker = log_member<std::size_t>(j, "worker");
    r.start = log_member<double>(j, "start");
    r.end = log_member<double>(j, "end");
    r.trained = log_member<bool>(j, "trained");
    if (j.contains("attempt")) r.attempt = log_member<std::uint32_t>(j, "attempt");
    if (const auto it = j.find("predicted"); it != j.end() && it->is_object()) {
        r.predicted.candidates = log_member<std::uint32_t>(*it, "candidates");
        r.predicted.mean = log_member<double>(*it, "mean");
        r.predicted.spread = log_member<double>(*it, "spread");
    }
    return r;
}

}  // namespace detail

/// run.json of `run_dir` as JSON. IoError when it cannot be read (naming
/// the file), ParseError (file, line, column) when it is not JSON.
inline nlohmann::json read_run_json(const std::filesystem::path& run_dir) {
    const RunPaths paths{run_dir};
    auto run = parse_json_text(read_text_file(paths.run(), "run description"), paths.run().string());
    if (!run.is_object()) throw ParseError(paths.run().string(), 1, 1, "expected a JSON object (run.json)");
    return run;
}

/// Reads run.json and the whole of lineage.jsonl of `run_dir`. A missing
/// or unreadable file is an IoError naming it; a line that is not JSON or
/// misses a field is a ParseError "lineage.jsonl:LINE:COLUMN: ..."; a torn
/// last line is ignored (RunLog::torn_tail). Memory: every job line's
/// fields (genome text included), O(jobs).
inline RunLog read_run_log(const std::filesystem::path& run_dir) {
    const RunPaths paths{run_dir};
    RunLog log;
    log.dir = run_dir;
    log.run = read_run_json(run_dir);
    const auto path = paths.lineage();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError::from_errno(path, "cannot open the lineage log");
    std::unordered_set<std::uint64_t> dispatched;
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (in.eof()) {  // no newline: torn by a crash, as a resume sees it
            log.torn_tail = !line.empty();
            break;
        }
        ++log.lines;
        if (line.empty()) continue;
        const auto j = [&] {
            try {
                return parse_json_text(line, path.string());
            } catch (const ParseError& e) {  // the file's line, not the snippet's
                throw ParseError(path.string(), line_no, e.column(), e.problem());
            }
        }();
        try {
            const auto type = j.is_object() ? j.value("type", std::string()) : std::string();
            if (type == "job") {
                auto job = detail::run_log_job(j);
                job.line = line_no;
                log.wall_seconds = std::max(log.wall_seconds, job.end);
                log.add(std::move(job));
            } else if (type == "dispatched") {
                ++log.dispatched;
                dispatched.insert(detail::log_member<std::uint64_t>(j, "id"));
            } else if (type == "migration") {
                ++log.migrations;
                log.wall_seconds = std::max(log.wall_seconds, detail::log_time(j, "time"));
            } else if (type == "warning") {
                log.warnings.push_back({j.value("text", std::string()), detail::log_time(j, "time")});
                log.wall_seconds = std::max(log.wall_seconds, log.warnings.back().time);
            } else if (type == "front") {
                ++log.fronts;
                log.wall_seconds = std::max(log.wall_seconds, detail::log_time(j, "time"));
            } else if (type == "report") {
                const auto [report, decision] = report_from_json(j, "report");
                log.reports.push_back({report.job, report.step, report.value, decision == Decision::stop,
                                       detail::log_time(j, "time")});
                log.wall_seconds = std::max(log.wall_seconds, log.reports.back().time);
            } else {
                throw ConfigError("type", "expected \"job\", \"dispatched\", \"migration\", \"warning\", \"report\" "
                                          "or \"front\"");
            }
        } catch (const ConfigError& e) {
            throw ParseError(path.string(), line_no, 1, e.what());
        } catch (const nlohmann::json::exception& e) {
            throw ParseError(path.string(), line_no, 1, e.what());
        }
    }
    if (in.bad()) throw IoError::from_errno(path, "cannot read the lineage log");
    for (const auto id : dispatched) {
        if (!log.find(id)) ++log.unfinished;
    }
    return log;
}

}  // namespace evonas
