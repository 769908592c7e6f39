// evonas: the console progress line: evaluations done/total, best score,
// jobs per second, workers busy and ETA. It rewrites one line on a
// terminal and stays quiet when the output is not one (logs, CI).
//
// "Workers busy" is the number of jobs in flight averaged over the time
// since the previous line (BusyMeter). A snapshot taken when a job finishes
// would always show that job's worker idle: the line is printed before the
// driver hands that worker its next job.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

#include <fmt/format.h>

#include <evonas/engine/observer.hpp>
#include <evonas/genome/genome.hpp>

#if __has_include(<unistd.h>)
#include <unistd.h>
#endif

namespace evonas {

/// True when `stream` is a terminal.
inline bool is_terminal(std::FILE* stream) noexcept {
#if __has_include(<unistd.h>)
    return ::isatty(::fileno(stream)) == 1;
#else
    (void)stream;
    return false;
#endif
}

/// "1:02:03" or "4:05" for a number of seconds.
inline std::string format_duration(double seconds) {
    if (!(seconds >= 0.0) || seconds > 1e9) return "?";
    const auto s = static_cast<long long>(seconds + 0.5);
    return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                     : fmt::format("{}:{:02}", s / 60, s % 60);
}

/// Jobs in flight averaged over time, from the engine's observer events:
/// it integrates the number of jobs in flight over the driver's clock
/// (Progress::elapsed_seconds, wall or virtual) between events. Feed it
/// every on_proposed() and on_finished(); take() returns the mean since the
/// previous take(). Thread safety: like an observer, one thread.
class BusyMeter {
public:
    /// A job was handed to a worker; `p` is the progress the engine passes
    /// to Observer::on_proposed(), taken before the job joins the jobs in flight.
    void proposed(const Progress& p) {
        advance(p.elapsed_seconds);
        current_ = static_cast<double>(p.in_flight + 1);
    }

    /// A job's result was recorded; `p` is the progress the engine passes
    /// to Observer::on_finished(), the job no longer in flight.
    void finished(const Progress& p) {
        advance(p.elapsed_seconds);
        current_ = static_cast<double>(p.in_flight);
    }

    /// The mean number of jobs in flight since the previous take() (or the
    /// first event), then starts a new interval. When no time passed on the
    /// driver's clock, the most jobs in flight seen in the interval.
    double take(const Progress& p) {
        advance(p.elapsed_seconds);
        const double mean = span_ > 0.0 ? area_ / span_ : std::max(peak_, current_);
        area_ = span_ = 0.0;
        peak_ = current_;
        return mean;
    }

private:
    void advance(double now) {
        if (started_ && now > last_) {
            area_ += current_ * (now - last_);
            span_ += now - last_;
        }
        if (!started_ || now > last_) last_ = now;
        started_ = true;
        peak_ = std::max(peak_, current_);
    }

    bool started_ = false;
    double last_ = 0.0;     // driver's clock at the previous event
    double current_ = 0.0;  // jobs in flight since then
    double area_ = 0.0;     // jobs in flight x seconds in this interval
    double span_ = 0.0;     // seconds in this interval
    double peak_ = 0.0;     // most jobs in flight seen in this interval
};

/// The progress line for `p` with `workers` workers. `busy`: the workers
/// busy to show (e.g. BusyMeter::take(), one decimal); without it the jobs
/// in flight at `p`.
inline std::string progress_line(const Progress& p, std::size_t workers, std::optional<double> busy = std::nullopt) {
    const double rate = p.elapsed_seconds > 0 ? static_cast<double>(p.counts.finished) / p.elapsed_seconds : 0.0;
    std::string total = p.max_evaluations ? fmt::format("/{}", p.max_evaluations) : std::string();
    std::string eta = "?";
    if (p.max_evaluations && rate > 0) {
        const auto left = p.max_evaluations > p.counts.finished ? p.max_evaluations - p.counts.finished : 0;
        eta = format_duration(static_cast<double>(left) / rate);
    }
    const std::string best = p.counts.ok ? fmt::format("{:.4f}", p.best_score) : std::string("-");
    const std::string in_use = busy ? fmt::format("{:.1f}", *busy) : fmt::format("{}", p.in_flight);
    // Multi-objective runs: the front's size and hypervolume after the best score.
    std::string front;
    if (p.front_size > 0) {
        front = std::isfinite(p.hypervolume) ? fmt::format(" | front {} (HV {:.4g})", p.front_size, p.hypervolume)
                                             : fmt::format(" | front {}", p.front_size);
    }
    return fmt::format("evonas: {}{} evaluated | best {}{} | {:.2f} jobs/s | {}/{} workers busy | "
                       "failed {} | ETA {}",
                       p.counts.finished, total, best, front, rate, in_use, workers,
                       p.counts.failed + p.counts.timed_out, eta);
}

/// Prints the progress line to `stream` at most every `interval` on a
/// terminal, and a final summary line. With `force` it prints (one line per
/// update) even when the stream is not a terminal. Workers busy: the mean
/// since the previous line (BusyMeter). Thread safety: like any observer,
/// called from the one thread that drives the engine.
template <class G>
class BasicConsoleProgress : public Observer<G> {
public:
    /// Reports on a run with `workers` workers to `stream` (stderr by default).
    explicit BasicConsoleProgress(std::size_t workers, std::FILE* stream = stderr, bool force = false,
                             std::chrono::milliseconds interval = std::chrono::milliseconds(250))
        : workers_(workers), stream_(stream), tty_(is_terminal(stream)), force_(force), interval_(interval) {}

    /// Counts the job as busy from now on.
    void on_proposed(const Job<G>&, const Progress& p) override { busy_.proposed(p); }

    /// Rewrites the line, at most once per interval.
    void on_finished(const JobRecord<G>&, const Progress& p) override {
        busy_.finished(p);
        update(p, false);
    }

    /// Prints the final line and a newline.
    void on_end(const Progress& p) override {
        if (!tty_ && !force_) return;
        update(p, true);
        std::fputc('\n', stream_);
        std::fflush(stream_);
    }

private:
    void update(const Progress& p, bool final_line) {
        if (!tty_ && !force_) return;
        const auto now = std::chrono::steady_clock::now();
        if (!final_line && now - last_ < interval_) return;
        last_ = now;
        const auto line = progress_line(p, workers_, busy_.take(p));
        if (tty_) {
            fmt::print(stream_, "\r{:<{}}", line, width_);
            width_ = std::max(width_, line.size());
        } else if (!final_line) {
            fmt::print(stream_, "{}\n", line);
        } else {
            fmt::print(stream_, "{}", line);
        }
        std::fflush(stream_);
    }

    std::size_t workers_;
    std::FILE* stream_;
    bool tty_;
    bool force_;
    std::chrono::milliseconds interval_;
    std::chrono::steady_clock::time_point last_{};
    std::size_t width_ = 0;
    BusyMeter busy_;
};

/// The progress line of a run of the layer genome.
using ConsoleProgress = BasicConsoleProgress<Genome<LayerGene>>;

}  // namespace evonas
