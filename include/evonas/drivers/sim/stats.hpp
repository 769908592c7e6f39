// evonas: the simulation driver's accumulators (internal): a log-binned
// histogram of idle gaps and a time series that keeps a bounded number of
// intervals (doubling their length when an unbounded run outgrows them).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include <evonas/drivers/sim/report.hpp>

namespace evonas::sim::detail {

/// Gaps in log bins, 4 per decade from 1 us to 10^7 s, plus a bin for
/// zero-length gaps; O(1) memory whatever the number of jobs.
class IdleHistogram {
public:
    static constexpr int per_decade = 4;
    static constexpr int lowest = -6 * per_decade;  // 1 us
    static constexpr int bins = 13 * per_decade;    // up to 10^7 s

    void add(double seconds) {
        ++count_;
        total_ += seconds;
        max_ = std::max(max_, seconds);
        if (!(seconds > 0.0)) {
            ++zero_;
            return;
        }
        const int k = static_cast<int>(std::floor(per_decade * std::log10(seconds))) - lowest;
        ++counts_[static_cast<std::size_t>(std::clamp(k, 0, bins - 1))];
    }

    void fill(IdleReport& r) const {
        r.gaps = count_;
        r.total_seconds = total_;
        r.mean_seconds = count_ ? total_ / static_cast<double>(count_) : 0.0;
        r.max_seconds = max_;
        r.p50_seconds = quantile(0.50);
        r.p90_seconds = quantile(0.90);
        r.p99_seconds = quantile(0.99);
        r.histogram.clear();
        if (zero_) r.histogram.push_back({0.0, 0.0, zero_});
        for (int k = 0; k < bins; ++k) {
            if (counts_[static_cast<std::size_t>(k)]) {
                r.histogram.push_back({lo(k), hi(k), counts_[static_cast<std::size_t>(k)]});
            }
        }
    }

private:
    static double lo(int k) { return k == 0 ? 0.0 : std::pow(10.0, static_cast<double>(k + lowest) / per_decade); }
    static double hi(int k) { return std::pow(10.0, static_cast<double>(k + 1 + lowest) / per_decade); }

    double quantile(double q) const {
        if (count_ == 0) return 0.0;
        const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
        std::uint64_t seen = zero_;
        if (seen >= rank) return 0.0;
        for (int k = 0; k < bins; ++k) {
            seen += counts_[static_cast<std::size_t>(k)];
            if (seen >= rank) return std::min(hi(k), max_);
        }
        return max_;
    }

    std::uint64_t count_ = 0;
    std::uint64_t zero_ = 0;
    double total_ = 0.0;
    double max_ = 0.0;
    std::vector<std::uint64_t> counts_ = std::vector<std::uint64_t>(bins, 0);
};

/// Busy worker-seconds, busy master-seconds, results and the best score per
/// interval. With a known horizon the intervals are horizon / points; else
/// they start at 1 s and double (merging neighbours) to stay <= 2 * points.
class Series {
public:
    Series(std::size_t points, double horizon)
        : horizon_(horizon), growable_(!(std::isfinite(horizon) && horizon > 0)),
          interval_(growable_ ? 1.0 : horizon / static_cast<double>(points)),
          capacity_(growable_ ? 2 * points : points) {
        resize();
    }

    void add_busy(double a, double b) { add_span(busy_, a, b); }
    void add_master(double a, double b) { add_span(master_, a, b); }

    void add_result(double t, std::optional<double> ok_score) {
        if (t >= horizon_) return;
        const auto i = index_of(t);
        ++finished_[i];
        if (ok_score) best_[i] = std::max(best_[i], *ok_score);
    }

    /// The points up to `end`. `deaths`: when workers dropped out (<= end).
    std::vector<SeriesPoint> finish(double end, std::size_t workers, std::size_t masters,
                                    const std::vector<double>& deaths) {
        std::vector<SeriesPoint> out;
        double best = -std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i < capacity_; ++i) {
            const double a = interval_ * static_cast<double>(i);
            if (a >= end && !(i == 0 && end == 0.0)) break;
            const double b = std::min(end, a + interval_);
            const double len = b - a;
            double available = static_cast<double>(workers) * len;
            for (double d : deaths) available -= std::max(0.0, b - std::max(a, d));
            best = std::max(best, best_[i]);
            SeriesPoint p;
            p.start = a;
            p.end = b;
            p.utilisation = available > 0 ? busy_[i] / available : 0.0;
            p.master_busy = len > 0 ? master_[i] / (static_cast<double>(masters) * len) : 0.0;
            p.finished = finished_[i];
            if (std::isfinite(best)) p.best_score = best;
            out.push_back(p);
        }
        return out;
    }

private:
    void resize() {
        busy_.assign(capacity_, 0.0);
        master_.assign(capacity_, 0.0);
        finished_.assign(capacity_, 0);
        best_.assign(capacity_, -std::numeric_limits<double>::infinity());
    }

    std::size_t index_of(double t) {
        while (growable_ && t >= interval_ * static_cast<double>(capacity_)) grow();
        return std::min(capacity_ - 1, static_cast<std::size_t>(t / interval_));
    }

    void grow() {  // only without a horizon: merge neighbours, double the interval
        for (std::size_t i = 0; i < capacity_ / 2; ++i) {
            busy_[i] = busy_[2 * i] + busy_[2 * i + 1];
            master_[i] = master_[2 * i] + master_[2 * i + 1];
            finished_[i] = finished_[2 * i] + finished_[2 * i + 1];
            best_[i] = std::max(best_[2 * i], best_[2 * i + 1]);
        }
        for (std::size_t i = capacity_ / 2; i < capacity_; ++i) {
            busy_[i] = master_[i] = 0.0;
            finished_[i] = 0;
            best_[i] = -std::numeric_limits<double>::infinity();
        }
        interval_ *= 2.0;
    }

    void add_span(std::vector<double>& v, double a, double b) {
        b = std::min(b, horizon_);
        if (!(b > a)) return;
        const auto last = index_of(std::nextafter(b, a));
        for (auto i = index_of(a); i <= last; ++i) {
            const double lo = interval_ * static_cast<double>(i);
            const double hi = i + 1 == capacity_ ? std::numeric_limits<double>::infinity() : lo + interval_;
            v[i] += std::max(0.0, std::min(b, hi) - std::max(a, lo));
        }
    }

    double horizon_;
    bool growable_;
    double interval_;
    std::size_t capacity_;
    std::vector<double> busy_, master_;
    std::vector<std::uint64_t> finished_;
    std::vector<double> best_;
};

}  // namespace evonas::sim::detail
