// evonas: the run report's summaries of the surrogate pre-screen and of
// early stopping (internal to io/run_report.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include <evonas/engine/stopper.hpp>
#include <evonas/io/run_log.hpp>
#include <evonas/io/run_report_sections.hpp>
#include <evonas/io/run_report_types.hpp>

namespace evonas::detail {

/// Ranks with ties sharing their mean rank (for Spearman's correlation).
inline std::vector<double> average_ranks(const std::vector<double>& v) {
    std::vector<std::size_t> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
    std::vector<double> ranks(v.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
        for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = 0.5 * static_cast<double>(i + j);
        i = j + 1;
    }
    return ranks;
}

/// Pearson's correlation; nullopt when either side is constant.
inline std::optional<double> correlation(const std::vector<double>& x, const std::vector<double>& y) {
    const auto n = static_cast<double>(x.size());
    if (x.size() < 2) return std::nullopt;
    const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
    const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
    double sxy = 0.0, sxx = 0.0, syy = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (!(sxx > 0.0) || !(syy > 0.0)) return std::nullopt;
    return sxy / std::sqrt(sxx * syy);
}

inline std::optional<SurrogateSummary> report_surrogate(const RunLog& log) {
    SurrogateSummary s;
    std::vector<double> predicted, actual;
    double candidates = 0.0;
    for (const auto& job : log.jobs) {
        if (!job.predicted.screened()) continue;
        ++s.screened;
        candidates += job.predicted.candidates;
        if (!job.trained || !job.fitness.ok() || !std::isfinite(job.fitness.score)) continue;
        ++s.screened_ok;
        predicted.push_back(job.predicted.mean);
        actual.push_back(job.fitness.score);
        s.mean_abs_error += std::abs(job.predicted.mean - job.fitness.score);
        s.mean_spread += job.predicted.spread;
    }
    if (s.screened == 0 && !run_options_json(log.run).contains("surrogate")) return std::nullopt;
    if (s.screened) s.mean_candidates = candidates / static_cast<double>(s.screened);
    if (s.screened_ok) {
        s.mean_abs_error /= static_cast<double>(s.screened_ok);
        s.mean_spread /= static_cast<double>(s.screened_ok);
    }
    if (predicted.size() >= 3) s.spearman = correlation(average_ranks(predicted), average_ranks(actual));
    return s;
}

inline std::optional<EarlyStoppingSummary> report_early_stopping(const RunLog& log) {
    const auto& options = run_options_json(log.run);
    const auto it = options.find("early_stopping");
    if (it == options.end() && log.reports.empty()) return std::nullopt;
    EarlyStoppingSummary s;
    if (it != options.end()) s.kind = json_string_or(*it, "kind", "");
    s.reports = log.reports.size();
    for (const auto& r : log.reports) s.stop_decisions += r.stop ? 1 : 0;
    std::uint64_t full = 0;
    for (const auto& job : log.jobs) {
        if (!job.trained || !job.fitness.ok()) continue;
        if (const auto step = job.fitness.metric(stopped_at_metric)) {
            ++s.stopped_jobs;
            s.mean_stopped_seconds += job.seconds();
            s.mean_stop_step += *step;
        } else {
            ++full;
            s.mean_full_seconds += job.seconds();
        }
    }
    if (s.stopped_jobs) {
        s.mean_stopped_seconds /= static_cast<double>(s.stopped_jobs);
        s.mean_stop_step /= static_cast<double>(s.stopped_jobs);
    }
    if (full) s.mean_full_seconds /= static_cast<double>(full);
    return s;
}

}  // namespace evonas::detail
