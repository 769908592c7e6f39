// evonas: the run report's sections, each computed from a RunLog
// (internal to io/run_report.hpp; one function per section): the run's
// identity, job counts, best networks, operators, timeline and failures.
// The Pareto front is in io/run_report_front.hpp, the surrogate's and
// early stopping's summaries in io/run_report_summaries.hpp.
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/engine/objectives.hpp>
#include <evonas/io/run_directory.hpp>
#include <evonas/io/run_log.hpp>
#include <evonas/io/run_report_types.hpp>

namespace evonas::detail {

/// `j[key]` as a number of type T, or `otherwise` when missing or not a
/// number (run.json is informational here: a field an older evonas did not
/// write must not stop a report).
template <class T>
T json_number_or(const nlohmann::json& j, const char* key, T otherwise) {
    if (!j.is_object()) return otherwise;
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<T>() : otherwise;
}

/// `j[key]` as a string, or `otherwise`.
inline std::string json_string_or(const nlohmann::json& j, const char* key, std::string otherwise) {
    if (!j.is_object()) return otherwise;
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : otherwise;
}

/// run.json's options (an empty object when absent).
inline const nlohmann::json& run_options_json(const nlohmann::json& run) {
    static const nlohmann::json empty = nlohmann::json::object();
    const auto it = run.find("options");
    return it != run.end() && it->is_object() ? *it : empty;
}

/// The objectives run.json's options name (empty: a single-objective run).
inline Objectives run_objectives(const nlohmann::json& run) {
    Objectives out;
    const auto& options = run_options_json(run);
    const auto it = options.find("objectives");
    if (it == options.end() || !it->is_array()) return out;
    for (const auto& o : *it) {
        Objective ob;
        ob.name = json_string_or(o, "name", "");
        ob.direction = json_string_or(o, "direction", "max") == "min" ? Direction::minimize : Direction::maximize;
        ob.log_scale = o.is_object() && o.value("log_scale", false);
        if (o.is_object() && o.contains("limit") && o.at("limit").is_number()) ob.limit = o.at("limit").get<double>();
        if (o.is_object() && o.contains("reference") && o.at("reference").is_number()) {
            ob.reference = o.at("reference").get<double>();
        }
        out.push_back(std::move(ob));
    }
    return out;
}

inline RunIdentity report_identity(const RunLog& log) {
    const auto& run = log.run;
    const auto& options = run_options_json(run);
    RunIdentity id;
    id.driver = json_string_or(run, "driver", "");
    id.workers = json_number_or<std::size_t>(run, "workers", 0);
    id.islands = json_number_or<std::size_t>(options, "islands", 0);
    id.population = json_number_or<std::size_t>(options, "population", 0);
    id.seed = json_number_or<std::uint64_t>(options, "seed", 0);
    // run.json leaves "preset" out for classic (evonas 0.1 compatibility).
    id.preset = json_string_or(options, "preset", "classic");
    id.evonas_version = json_string_or(run, "evonas_version", "");
    if (const auto it = run.find("stop"); it != run.end()) {
        id.max_evaluations = json_number_or<std::uint64_t>(*it, "max_evaluations", 0);
    }
    if (const auto it = run.find("seeds"); it != run.end() && it->is_array()) id.seeds = it->size();
    for (const auto& o : run_objectives(run)) id.objectives.push_back(fmt::format("{} ({})", o.name, to_string(o.direction)));
    std::unordered_set<std::size_t> workers;
    for (const auto& job : log.jobs) {
        if (job.trained) workers.insert(job.worker);
    }
    id.workers_seen = workers.size();
    return id;
}

/// True for a reused twin (no worker time, its twin's fitness).
inline bool reused_twin(const RunLogJob& job) { return !job.trained && job.origin == "duplicate"; }

inline RunStatusCounts report_counts(const RunLog& log) {
    RunStatusCounts c;
    c.jobs = log.jobs.size();
    c.unfinished = log.unfinished;
    for (const auto& job : log.jobs) {
        if (!job.trained) {
            ++(reused_twin(job) ? c.duplicates : c.rejected);
            continue;
        }
        ++c.trained;
        switch (job.fitness.status) {
            case FitnessStatus::ok: ++(job.stopped_early() ? c.stopped_early : c.ok); break;
            case FitnessStatus::failed: ++c.failed; break;
            case FitnessStatus::timed_out: ++c.timed_out; break;
            case FitnessStatus::invalid: ++c.invalid; break;
        }
    }
    return c;
}

inline ReportJob report_job(const RunLogJob& job) {
    ReportJob r;
    r.id = job.id;
    r.score = job.fitness.score;
    r.genome = job.genome;
    r.op = job.op;
    r.origin = job.origin;
    r.island = job.island;
    r.parents = job.parents;
    r.seconds = job.seconds();
    r.end = job.end;
    r.metrics = job.fitness.metrics;
    return r;
}

/// The `k` best trained ok jobs: highest score first, ties to the lower id.
inline std::vector<ReportJob> report_top(const RunLog& log, std::size_t k) {
    std::vector<const RunLogJob*> ok;
    for (const auto& job : log.jobs) {
        if (job.trained && job.fitness.ok() && std::isfinite(job.fitness.score)) ok.push_back(&job);
    }
    const auto better = [](const RunLogJob* a, const RunLogJob* b) {
        return a->fitness.score != b->fitness.score ? a->fitness.score > b->fitness.score : a->id < b->id;
    };
    const auto n = std::min(k, ok.size());
    std::partial_sort(ok.begin(), ok.begin() + static_cast<std::ptrdiff_t>(n), ok.end(), better);
    std::vector<ReportJob> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(report_job(*ok[i]));
    return out;
}

/// The operators an op string names: "crossover:a+mutation:b+c" -> {"crossover:a",
/// "mutation:b", "mutation:c"} (a name without a prefix continues the one
/// before it; "duplicate_of:<id>" is not an operator).
inline std::set<std::string> op_operators(std::string_view op) {
    std::set<std::string> out;
    std::string prefix;
    while (!op.empty()) {
        const auto plus = op.find('+');
        auto part = op.substr(0, plus);
        op = plus == std::string_view::npos ? std::string_view() : op.substr(plus + 1);
        if (const auto colon = part.find(':'); colon != std::string_view::npos) {
            prefix = std::string(part.substr(0, colon));
            part = part.substr(colon + 1);
        }
        if (prefix == "duplicate_of" || part.empty()) continue;
        out.insert(prefix.empty() ? std::string(part) : prefix + ":" + std::string(part));
    }
    return out;
}

/// Per operator: children, ok, improved (see OperatorStats for the
/// definitions), most children first.
inline std::vector<OperatorStats> report_operators(const RunLog& log) {
    std::map<std::string, OperatorStats> by_name;
    for (const auto& job : log.jobs) {
        if (job.parents.empty() || reused_twin(job)) continue;
        std::optional<double> best_parent;
        for (const auto id : job.parents) {
            const auto* parent = log.find(id);
            if (parent && parent->fitness.ok() && std::isfinite(parent->fitness.score)) {
                best_parent = std::max(best_parent.value_or(parent->fitness.score), parent->fitness.score);
            }
        }
        const bool ok = job.trained && job.fitness.ok();
        const bool improved = ok && best_parent && job.fitness.score > *best_parent;
        for (const auto& name : op_operators(job.op)) {
            auto& s = by_name[name];
            s.name = name;
            ++s.children;
            if (ok) ++s.ok;
            if (improved) ++s.improved;
            if (!best_parent) ++s.parents_unknown;
        }
    }
    std::vector<OperatorStats> out;
    for (auto& [name, s] : by_name) out.push_back(std::move(s));
    std::stable_sort(out.begin(), out.end(),
                     [](const OperatorStats& a, const OperatorStats& b) { return a.children > b.children; });
    return out;
}

inline std::vector<TimelineBin> report_timeline(const RunLog& log, std::size_t bins) {
    bins = std::max<std::size_t>(bins, 1);
    const double wall = log.wall_seconds;
    if (!(wall > 0.0)) bins = 1;
    const double width = wall > 0.0 ? wall / static_cast<double>(bins) : 0.0;
    std::vector<TimelineBin> out(bins);
    for (std::size_t i = 0; i < bins; ++i) {
        out[i].start = width * static_cast<double>(i);
        out[i].end = i + 1 == bins ? wall : width * static_cast<double>(i + 1);
    }
    const auto bin_of = [&](double t) {
        if (!(width > 0.0)) return std::size_t{0};
        return std::min(bins - 1, static_cast<std::size_t>(std::max(0.0, t) / width));
    };
    std::vector<double> best(bins, -std::numeric_limits<double>::infinity());
    for (const auto& job : log.jobs) {
        if (!job.trained) continue;
        const auto i = bin_of(job.end);
        ++out[i].finished;
        if (job.fitness.ok()) {
            ++out[i].ok;
            best[i] = std::max(best[i], job.fitness.score);
        }
        if (!(width > 0.0)) continue;
        for (auto k = bin_of(job.start); k <= i; ++k) {
            out[k].busy_workers += std::max(0.0, std::min(job.end, out[k].end) - std::max(job.start, out[k].start));
        }
    }
    double so_far = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < bins; ++i) {
        so_far = std::max(so_far, best[i]);
        if (std::isfinite(so_far)) out[i].best = so_far;
        const double len = out[i].end - out[i].start;
        out[i].busy_workers = len > 0.0 ? out[i].busy_workers / len : 0.0;
    }
    return out;
}

/// A reason with its numbers replaced by '#' ("after 12.5 s" -> "after # s"),
/// so failures that differ only in a time, size or index group together.
inline std::string reason_pattern(std::string_view reason) {
    std::string out;
    const auto digit = [&](std::size_t i) {
        return i < reason.size() && std::isdigit(static_cast<unsigned char>(reason[i])) != 0;
    };
    for (std::size_t i = 0; i < reason.size();) {
        if (!digit(i)) {
            out += reason[i++];
            continue;
        }
        while (digit(i) || (reason[i] == '.' && digit(i + 1))) ++i;
        out += '#';
    }
    return out;
}

/// The jobs that did not end ok (reused twins aside) grouped by status and
/// reason_pattern(); most frequent first, then by first job. A job refused
/// by the check before dispatch has the status "rejected".
inline std::vector<FailureGroup> report_failures(const RunLog& log) {
    std::map<std::pair<std::string, std::string>, FailureGroup> groups;
    for (const auto& job : log.jobs) {
        if (job.fitness.ok() || reused_twin(job)) continue;
        const std::string status = job.trained ? std::string(to_string(job.fitness.status)) : "rejected";
        auto pattern = reason_pattern(job.fitness.reason);
        auto& g = groups[{status, pattern}];
        if (g.count == 0 || job.id < g.first_job) {
            g.first_job = job.id;
            g.example = job.fitness.reason;
        }
        g.status = status;
        g.pattern = std::move(pattern);
        ++g.count;
    }
    std::vector<FailureGroup> out;
    for (auto& [key, g] : groups) out.push_back(std::move(g));
    std::sort(out.begin(), out.end(), [](const FailureGroup& a, const FailureGroup& b) {
        return a.count != b.count ? a.count > b.count : a.first_job < b.first_job;
    });
    return out;
}

}  // namespace evonas::detail
