// evonas: the run report as plain aligned text (for people) and as JSON
// (for scripts). Both carry every section of RunReport.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <evonas/io/run_report_types.hpp>

namespace evonas {

namespace detail {

/// Rows under a header, columns padded to their widest cell; the last
/// column is not padded (it holds the long texts: genomes, reasons).
/// `right`: which columns are right-aligned (numbers).
inline std::string text_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                              const std::vector<bool>& right, std::string_view indent = "  ") {
    std::vector<std::size_t> widths(header.size(), 0);
    for (std::size_t c = 0; c < header.size(); ++c) widths[c] = header[c].size();
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
    }
    std::string out;
    const auto line = [&](const std::vector<std::string>& cells) {
        std::string text(indent);
        for (std::size_t c = 0; c < cells.size(); ++c) {
            if (c) text += "  ";
            const bool last = c + 1 == cells.size();
            if (c < right.size() && right[c]) {
                text += fmt::format("{:>{}}", cells[c], widths[c]);
            } else {
                text += last ? cells[c] : fmt::format("{:<{}}", cells[c], widths[c]);
            }
        }
        while (!text.empty() && text.back() == ' ') text.pop_back();
        out += text + "\n";
    };
    line(header);
    for (const auto& row : rows) line(row);
    return out;
}

/// "60.1 ms", "12.3 s", "4.2 min", "3.1 h" for durations in a report.
inline std::string report_seconds(double s) {
    if (!std::isfinite(s)) return "-";
    if (s > 0.0 && s < 1.0) return fmt::format("{:.3g} ms", 1e3 * s);
    if (s < 120.0) return fmt::format("{:.3g} s", s);
    if (s < 7200.0) return fmt::format("{:.1f} min", s / 60.0);
    return fmt::format("{:.1f} h", s / 3600.0);
}

/// `text` on one line of at most `width` characters: line breaks and tabs
/// (an exception's message may hold a traceback) become spaces, and a
/// longer text is cut with "...".
inline std::string report_one_line(std::string text, std::size_t width = 160) {
    for (auto& ch : text) {
        if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
    }
    if (text.size() > width) {
        std::size_t cut = width - 3;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
        text = text.substr(0, cut) + "...";
    }
    return text;
}

/// A score with 4 decimals, "-" when not finite.
inline std::string report_score(double v) { return std::isfinite(v) ? fmt::format("{:.4f}", v) : "-"; }

/// A number in its shortest exact form, "-" when not finite (metrics).
inline std::string report_number(double v) { return std::isfinite(v) ? fmt::format("{}", v) : "-"; }

/// "a,b,c" of ids ("-" when none).
inline std::string report_ids(const std::vector<std::uint64_t>& ids) {
    if (ids.empty()) return "-";
    return fmt::format("{}", fmt::join(ids, ","));
}

inline nlohmann::json report_number_json(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

inline nlohmann::json report_optional_json(const std::optional<double>& v) {
    return v ? report_number_json(*v) : nlohmann::json(nullptr);
}

inline nlohmann::json report_job_json(const ReportJob& j) {
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& m : j.metrics) metrics[m.name] = report_number_json(m.value);
    nlohmann::json out{{"id", j.id},          {"score", report_number_json(j.score)},
                       {"genome", j.genome},  {"op", j.op},
                       {"origin", j.origin},  {"island", j.island},
                       {"parents", j.parents}, {"seconds", j.seconds},
                       {"end", j.end},        {"metrics", std::move(metrics)}};
    if (!j.objectives.empty()) {
        nlohmann::json o = nlohmann::json::object();
        for (const auto& [name, v] : j.objectives) o[name] = report_number_json(v);
        out["objectives"] = std::move(o);
    }
    return out;
}

/// The rows of a networks table (best networks, Pareto front).
inline std::string report_jobs_table(const std::vector<ReportJob>& jobs, bool objectives) {
    std::vector<std::string> header{"rank", "job", "score"};
    if (objectives && !jobs.empty()) {
        for (const auto& [name, v] : jobs.front().objectives) header.push_back(name);
    }
    for (const char* h : {"island", "op", "parents", "train", "metrics", "genome"}) header.emplace_back(h);
    std::vector<bool> right(header.size(), false);
    right[0] = right[1] = right[2] = true;
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const auto& j = jobs[i];
        std::vector<std::string> row{std::to_string(i + 1), std::to_string(j.id), report_score(j.score)};
        if (objectives) {
            for (const auto& [name, v] : j.objectives) row.push_back(report_number(v));
        }
        // The size metrics only: a line per network stays readable; --json has them all.
        std::string metrics;
        for (const auto& m : j.metrics) {
            if (m.name != "params" && m.name != "flops") continue;
            metrics += fmt::format("{}{}={}", metrics.empty() ? "" : " ", m.name,
                                   std::isfinite(m.value) ? fmt::format("{:.3g}", m.value) : "-");
        }
        row.push_back(std::to_string(j.island));
        row.push_back(j.op);
        row.push_back(report_ids(j.parents));
        row.push_back(report_seconds(j.seconds));
        row.push_back(metrics.empty() ? "-" : metrics);
        row.push_back(j.genome);
        rows.push_back(std::move(row));
    }
    return text_table(header, rows, right);
}

}  // namespace detail

/// The report for people: the run, its jobs, its best networks or front,
/// operators, timeline, failures, surrogate and early stopping, each a
/// block of aligned columns (fmt). Sections with nothing in them are left out.
inline std::string format_run_report(const RunReport& r) {
    using namespace detail;
    const auto& id = r.identity;
    std::string s = fmt::format("run {}\n", r.dir.string());
    s += fmt::format("  driver {}, {} worker(s){}, {} island(s) of {}, seed {}, preset {}, evonas {}\n",
                     id.driver.empty() ? "?" : id.driver, id.workers,
                     id.workers_seen > id.workers ? fmt::format(" ({} seen in the log)", id.workers_seen) : "",
                     id.islands, id.population, id.seed, id.preset, id.evonas_version.empty() ? "?" : id.evonas_version);
    if (!id.objectives.empty()) {
        std::string list;
        for (const auto& o : id.objectives) list += (list.empty() ? "" : ", ") + o;
        s += fmt::format("  objectives {}\n", list);
    }
    s += fmt::format("  wall time {}, {} networks trained ({:.1f} per hour), workers busy {:.1f}%{}\n",
                     report_seconds(r.wall_seconds), r.counts.trained, r.jobs_per_hour, 100.0 * r.utilisation,
                     id.max_evaluations ? fmt::format(", budget {} networks as started", id.max_evaluations) : "");
    if (r.torn_tail) s += "  the lineage log's last line was torn (a crash mid-write): ignored\n";
    const auto& c = r.counts;
    s += "\njobs\n";
    s += text_table({"jobs", "ok", "stopped early", "failed", "timed out", "invalid", "rejected", "duplicates",
                     "unfinished"},
                    {{std::to_string(c.jobs), std::to_string(c.ok), std::to_string(c.stopped_early),
                      std::to_string(c.failed), std::to_string(c.timed_out), std::to_string(c.invalid),
                      std::to_string(c.rejected), std::to_string(c.duplicates), std::to_string(c.unfinished)}},
                    std::vector<bool>(9, true));
    if (r.front) {
        s += fmt::format("\nPareto front ({} networks, from {}{})\n", r.front->members.size(), r.front->source,
                         r.front->hypervolume ? fmt::format(", hypervolume {:.4g}", *r.front->hypervolume) : "");
        s += report_jobs_table(r.front->members, true);
    } else if (!r.top.empty()) {
        s += fmt::format("\nbest {} network{}\n", r.top.size(), r.top.size() == 1 ? "" : "s");
        s += report_jobs_table(r.top, false);
    }
    if (!r.operators.empty()) {
        s += "\noperators (success: trained ok and above the best parent's score, of the children)\n";
        std::vector<std::vector<std::string>> rows;
        for (const auto& o : r.operators) {
            rows.push_back({o.name, std::to_string(o.children), std::to_string(o.ok), std::to_string(o.improved),
                            fmt::format("{:.1f}%", 100.0 * o.success())});
        }
        s += text_table({"operator", "children", "ok", "improved", "success"}, rows, {false, true, true, true, true});
    }
    if (!r.timeline.empty()) {
        s += fmt::format("\ntimeline ({} bins of {})\n", r.timeline.size(),
                         report_seconds(r.timeline.front().end - r.timeline.front().start));
        std::vector<std::vector<std::string>> rows;
        for (const auto& b : r.timeline) {
            rows.push_back({report_seconds(b.start), report_seconds(b.end), std::to_string(b.finished),
                            std::to_string(b.ok), b.best ? report_score(*b.best) : "-",
                            fmt::format("{:.2f}", b.busy_workers)});
        }
        s += text_table({"from", "to", "finished", "ok", "best so far", "workers busy"}, rows,
                        std::vector<bool>(6, true));
    }
    if (!r.failures.empty()) {
        s += "\nfailures (reasons grouped with their numbers as #)\n";
        std::vector<std::vector<std::string>> rows;
        for (const auto& f : r.failures) {
            rows.push_back({f.status, std::to_string(f.count), std::to_string(f.first_job),
                            f.example.empty() ? "-" : report_one_line(f.example)});
        }
        s += text_table({"status", "count", "first job", "reason (of the first job)"}, rows, {false, true, true, false});
        if (r.failures_not_listed) s += fmt::format("  ... and {} more in smaller groups\n", r.failures_not_listed);
    }
    if (r.surrogate) {
        const auto& g = *r.surrogate;
        s += fmt::format("\nsurrogate\n  {} jobs picked among {:.1f} candidates on average; {} trained ok: mean |predicted - "
                         "score| {:.4f}, mean spread {:.4f}, Spearman {}\n",
                         g.screened, g.mean_candidates, g.screened_ok, g.mean_abs_error, g.mean_spread,
                         g.spearman ? fmt::format("{:.3f}", *g.spearman) : "-");
    }
    if (r.early_stopping) {
        const auto& e = *r.early_stopping;
        s += fmt::format("\nearly stopping{}\n  {} reports, {} answered stop; {} networks stopped (at step {:.2f} on "
                         "average, {} of training) against {} for networks trained to the end\n",
                         e.kind.empty() ? "" : " (" + e.kind + ")", e.reports, e.stop_decisions, e.stopped_jobs,
                         e.mean_stop_step, report_seconds(e.mean_stopped_seconds), report_seconds(e.mean_full_seconds));
    }
    if (r.migrations || !r.warnings.empty()) {
        s += fmt::format("\n{} migration{}, {} warning{}\n", r.migrations, r.migrations == 1 ? "" : "s",
                         r.warnings.size(), r.warnings.size() == 1 ? "" : "s");
        for (std::size_t i = 0; i < r.warnings.size() && i < 5; ++i) {
            s += fmt::format("  at {}: {}\n", report_seconds(r.warnings[i].time), report_one_line(r.warnings[i].text));
        }
    }
    return s;
}

/// The report as JSON: {"dir", "identity", "wall_seconds", "busy_seconds",
/// "utilisation", "jobs_per_hour", "counts", "best", "top", "front",
/// "operators", "timeline", "failures", "failures_not_listed", "surrogate",
/// "early_stopping", "migrations", "warnings", "torn_tail"}; absent
/// sections are null, non-finite numbers null.
inline nlohmann::json run_report_json(const RunReport& r) {
    using namespace detail;
    const auto& id = r.identity;
    const auto& c = r.counts;
    nlohmann::json top = nlohmann::json::array();
    for (const auto& j : r.top) top.push_back(report_job_json(j));
    nlohmann::json front(nullptr);
    if (r.front) {
        nlohmann::json members = nlohmann::json::array();
        for (const auto& j : r.front->members) members.push_back(report_job_json(j));
        front = {{"source", r.front->source}, {"objectives", r.front->objectives},
                 {"hypervolume", report_optional_json(r.front->hypervolume)}, {"members", std::move(members)}};
    }
    nlohmann::json operators = nlohmann::json::array();
    for (const auto& o : r.operators) {
        operators.push_back({{"name", o.name}, {"children", o.children}, {"ok", o.ok}, {"improved", o.improved},
                             {"parents_unknown", o.parents_unknown}, {"success", o.success()}});
    }
    nlohmann::json timeline = nlohmann::json::array();
    for (const auto& b : r.timeline) {
        timeline.push_back({{"start", b.start}, {"end", b.end}, {"finished", b.finished}, {"ok", b.ok},
                            {"best", report_optional_json(b.best)}, {"busy_workers", b.busy_workers}});
    }
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : r.failures) {
        failures.push_back({{"status", f.status}, {"pattern", f.pattern}, {"count", f.count},
                            {"first_job", f.first_job}, {"example", f.example}});
    }
    nlohmann::json surrogate(nullptr);
    if (const auto& g = r.surrogate) {
        surrogate = {{"screened", g->screened}, {"screened_ok", g->screened_ok},
                     {"mean_candidates", g->mean_candidates}, {"mean_abs_error", g->mean_abs_error},
                     {"mean_spread", g->mean_spread}, {"spearman", report_optional_json(g->spearman)}};
    }
    nlohmann::json stopping(nullptr);
    if (const auto& e = r.early_stopping) {
        stopping = {{"kind", e->kind}, {"reports", e->reports}, {"stop_decisions", e->stop_decisions},
                    {"stopped_jobs", e->stopped_jobs}, {"mean_stopped_seconds", e->mean_stopped_seconds},
                    {"mean_full_seconds", e->mean_full_seconds}, {"mean_stop_step", e->mean_stop_step}};
    }
    nlohmann::json warnings = nlohmann::json::array();
    for (const auto& w : r.warnings) warnings.push_back({{"text", w.text}, {"time", w.time}});
    return {{"dir", r.dir.string()},
            {"identity", {{"driver", id.driver}, {"workers", id.workers}, {"workers_seen", id.workers_seen},
                          {"islands", id.islands}, {"population", id.population}, {"seed", id.seed},
                          {"preset", id.preset}, {"evonas_version", id.evonas_version},
                          {"max_evaluations", id.max_evaluations}, {"seeds", id.seeds},
                          {"objectives", id.objectives}}},
            {"wall_seconds", r.wall_seconds},
            {"busy_seconds", r.busy_seconds},
            {"utilisation", r.utilisation},
            {"jobs_per_hour", r.jobs_per_hour},
            {"counts", {{"jobs", c.jobs}, {"trained", c.trained}, {"ok", c.ok}, {"stopped_early", c.stopped_early},
                        {"failed", c.failed}, {"timed_out", c.timed_out}, {"invalid", c.invalid},
                        {"rejected", c.rejected}, {"duplicates", c.duplicates}, {"unfinished", c.unfinished}}},
            {"best", r.best ? report_job_json(*r.best) : nlohmann::json(nullptr)},
            {"top", std::move(top)},
            {"front", std::move(front)},
            {"operators", std::move(operators)},
            {"timeline", std::move(timeline)},
            {"failures", std::move(failures)},
            {"failures_not_listed", r.failures_not_listed},
            {"surrogate", std::move(surrogate)},
            {"early_stopping", std::move(stopping)},
            {"migrations", r.migrations},
            {"warnings", std::move(warnings)},
            {"torn_tail", r.torn_tail}};
}

}  // namespace evonas
