// evonas: the run report's Pareto front (multi-objective runs): read from
// pareto.json, or recomputed from the lineage by the engine's own rule
// (internal to io/run_report.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/engine/objectives.hpp>
#include <evonas/engine/pareto.hpp>
#include <evonas/error.hpp>
#include <evonas/io/files.hpp>
#include <evonas/io/run_directory.hpp>
#include <evonas/io/run_log.hpp>
#include <evonas/io/run_report_sections.hpp>
#include <evonas/io/run_report_types.hpp>

namespace evonas::detail {

/// The front from pareto.json, the lineage filling in what it lacks.
inline ReportFront front_from_file(const RunLog& log, const std::filesystem::path& path) {
    const auto j = parse_json_text(read_text_file(path, "Pareto front"), path.string());
    ReportFront f;
    f.source = "pareto.json";
    std::vector<std::string> names;
    try {
        for (const auto& o : j.at("objectives")) {
            names.push_back(o.at("name").get<std::string>());
            f.objectives.push_back(fmt::format("{} ({})", names.back(), o.at("direction").get<std::string>()));
        }
        if (j.contains("hypervolume") && j.at("hypervolume").is_number()) f.hypervolume = j.at("hypervolume").get<double>();
        for (const auto& m : j.at("front")) {
            const auto id = m.at("job").get<std::uint64_t>();
            ReportJob r;
            if (const auto* job = log.find(id)) r = report_job(*job);
            r.id = id;
            r.score = m.at("score").is_number() ? m.at("score").get<double>() : -std::numeric_limits<double>::infinity();
            r.genome = m.at("genome").get<std::string>();
            for (const auto& name : names) {
                const auto& v = m.at("objectives").at(name);
                r.objectives.emplace_back(name, v.is_number() ? v.get<double>() : std::nan(""));
            }
            f.members.push_back(std::move(r));
        }
    } catch (const nlohmann::json::exception& e) {
        throw ParseError(path.string(), 1, 1, fmt::format("not a Pareto front as evonas writes it: {}", e.what()));
    }
    return f;
}

/// The front recomputed from the job lines: every ok job in the order the
/// engine recorded them, kept as the engine keeps its front (constrained
/// dominance, one network per genome hash and per point).
inline ReportFront front_from_lineage(const RunLog& log) {
    const auto objectives = run_objectives(log.run);
    ReportFront f;
    f.source = "lineage";
    for (const auto& o : objectives) f.objectives.push_back(fmt::format("{} ({})", o.name, to_string(o.direction)));
    struct Member {
        const RunLogJob* job;
        std::vector<double> point;
        double violation;
    };
    std::vector<Member> front;
    for (const auto& job : log.jobs) {
        if (!job.fitness.ok()) continue;
        Member m{&job, objective_point(objectives, job.fitness), objective_violation(objectives, job.fitness)};
        bool keep = true;
        for (const auto& other : front) {
            if ((!m.job->hash.empty() && other.job->hash == m.job->hash) ||
                constrained_dominates(other.point, other.violation, m.point, m.violation) ||
                (other.violation == m.violation && other.point == m.point)) {
                keep = false;
                break;
            }
        }
        if (!keep) continue;
        std::erase_if(front, [&](const Member& other) {
            return constrained_dominates(m.point, m.violation, other.point, other.violation);
        });
        front.push_back(std::move(m));
    }
    if (const auto ref = objective_reference(objectives)) {
        std::vector<std::vector<double>> points;
        for (const auto& m : front) {
            if (m.violation == 0.0) points.push_back(m.point);
        }
        f.hypervolume = hypervolume(points, *ref);
    }
    std::stable_sort(front.begin(), front.end(),
                     [](const Member& a, const Member& b) { return a.job->fitness.score > b.job->fitness.score; });
    for (const auto& m : front) {
        auto r = report_job(*m.job);
        for (const auto& o : objectives) r.objectives.emplace_back(o.name, o.raw(m.job->fitness));
        f.members.push_back(std::move(r));
    }
    return f;
}

/// pareto.json when the run wrote one, else recomputed from the lineage.
inline ReportFront report_front(const RunLog& log) {
    const RunPaths paths{log.dir};
    if (std::filesystem::exists(paths.pareto_json())) return front_from_file(log, paths.pareto_json());
    return front_from_lineage(log);
}

}  // namespace evonas::detail
