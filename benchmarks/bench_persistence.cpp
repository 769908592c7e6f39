// bench_persistence: does a run keep a constant cost per job over MENNDL's
// length? A thread-driver run of N jobs (default 500,000) with an instant
// trainer (analytic fitness) and the run files on: lineage log, seen.bin and
// a checkpoint at the default interval. Prints one JSON document:
//
//   per_job_us        wall microseconds per job in each tenth of the run
//                     (first, last, and their ratio: the goal is <= 1.2)
//   cpu_us_per_job    the same in CPU time of the process (what the engine
//                     and the file writes cost without waiting for the disk:
//                     the wall time of a cheap job is mostly fsync, which a
//                     loaded machine's disk makes noisy)
//   checkpoints       size and time of the checkpoints across the run
//   rss               resident memory at 10% and at the end, and the growth
//                     per finished job (goal <= 100 bytes)
//   resume_seconds    time to resume the finished run (the resume reads
//                     the last checkpoint, seen.bin and the log after it)
//
//   bench_persistence [--jobs 500000] [--workers 1] [--dir DIR] [--keep]
//
// Nothing here asserts a time.
#include <evonas/evonas.hpp>

#include "resident_memory.hpp"

#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;
using G = evonas::Genome<evonas::LayerGene>;

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Times every tenth of the run, each checkpoint and the resident memory.
class Recorder : public evonas::Observer<G> {
public:
    Recorder(std::uint64_t jobs, std::filesystem::path checkpoint) : jobs_(jobs), checkpoint_(std::move(checkpoint)) {
        start_ = last_ = Clock::now();
    }
    void on_finished(const evonas::JobRecord<G>&, const evonas::Progress& p) override {
        const auto n = p.counts.finished;
        finished_at_ = Clock::now();
        if (n % (jobs_ / 10) == 0) {
            const auto now = Clock::now();
            tenths_.push_back(1e6 * std::chrono::duration<double>(now - last_).count() / static_cast<double>(jobs_ / 10));
            last_ = now;
            const double cpu = cpu_seconds();
            cpu_tenths_.push_back(1e6 * (cpu - last_cpu_) / static_cast<double>(jobs_ / 10));
            last_cpu_ = cpu;
            if (n == jobs_ / 10) rss_tenth_ = evonas::bench::resident_bytes();
            std::cerr << fmt::format("bench_persistence: {} jobs, {:.1f} us/job in this tenth, {:.1f} MB resident\n",
                                     n, tenths_.back(), evonas::bench::resident_bytes() / 1e6);
        }
    }
    void on_checkpoint(const std::filesystem::path&, const evonas::Progress& p) override {
        // From the result that made it due to the checkpoint being on disk.
        const double ms = 1e3 * std::chrono::duration<double>(Clock::now() - finished_at_).count();
        const auto size = std::filesystem::file_size(checkpoint_);
        points_.push_back({{"finished", p.counts.finished}, {"bytes", size}, {"ms", ms}});
    }
    nlohmann::json to_json(double rss_end) const {
        std::vector<double> ms;
        for (const auto& c : points_) ms.push_back(c["ms"].get<double>());
        const auto tenth = [&](double lo, double hi) {  // median of the checkpoints in [lo, hi) of the run
            std::vector<double> v;
            for (const auto& c : points_) {
                const double at = c["finished"].get<double>() / static_cast<double>(jobs_);
                if (at >= lo && at < hi) v.push_back(c["ms"].get<double>());
            }
            if (v.empty()) return 0.0;
            std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
            return v[v.size() / 2];
        };
        nlohmann::json sizes = nlohmann::json::array();
        for (std::size_t i = 0; i < points_.size(); i += std::max<std::size_t>(1, points_.size() / 10)) {
            sizes.push_back(points_[i]);
        }
        const double growth = (rss_end - rss_tenth_) / (0.9 * static_cast<double>(jobs_));
        return {{"cpu_us_per_job", {{"tenths", cpu_tenths_},
                                    {"first_tenth", cpu_tenths_.front()},
                                    {"last_tenth", cpu_tenths_.back()},
                                    {"last_over_first", cpu_tenths_.back() / cpu_tenths_.front()}}},
                {"per_job_us", {{"tenths", tenths_},
                                {"first_tenth", tenths_.front()},
                                {"last_tenth", tenths_.back()},
                                {"last_over_first", tenths_.back() / tenths_.front()}}},
                {"checkpoints", {{"count", points_.size()},
                                 {"median_ms_first_tenth", tenth(0.0, 0.1)},
                                 {"median_ms_last_tenth", tenth(0.9, 1.01)},
                                 {"first_bytes", points_.empty() ? 0 : points_.front()["bytes"].get<std::uint64_t>()},
                                 {"last_bytes", points_.empty() ? 0 : points_.back()["bytes"].get<std::uint64_t>()},
                                 {"samples", sizes}}},
                {"rss", {{"at_10_percent_mb", rss_tenth_ / 1e6},
                         {"at_end_mb", rss_end / 1e6},
                         {"bytes_per_finished_job", growth}}}};
    }

private:
    std::uint64_t jobs_;
    std::filesystem::path checkpoint_;
    Clock::time_point start_, last_, finished_at_;
    std::vector<double> tenths_, cpu_tenths_;
    double last_cpu_ = cpu_seconds();
    std::vector<nlohmann::json> points_;
    double rss_tenth_ = 0.0;
};

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t jobs = 500000;
    std::size_t workers = 1;
    std::filesystem::path dir = std::filesystem::temp_directory_path() / fmt::format("evonas-persistence-{}", ::getpid());
    bool keep = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--jobs" && i + 1 < argc) jobs = std::stoull(argv[++i]);
        else if (a == "--workers" && i + 1 < argc) workers = std::stoul(argv[++i]);
        else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
        else if (a == "--keep") keep = true;
        else {
            const bool help = a == "--help" || a == "-h";
            if (!help) std::cerr << "bench_persistence: bad argument '" << a << "'\n";
            (help ? std::cout : std::cerr)
                << "usage: bench_persistence [--jobs N (500000)] [--workers W (1)] [--dir DIR] [--keep]\n"
                   "A thread-driver run of N jobs with an instant trainer and its run files on (lineage, "
                   "seen.bin, checkpoints\nat the default interval); prints the cost per job over the run, the "
                   "checkpoints' size and time, the\nresident memory per job and the resume time as JSON. DIR "
                   "(default: a new folder in the\ntemporary directory) must be empty or hold an earlier run; it "
                   "is replaced.\n";
            return help ? 0 : 2;
        }
    }
    if (jobs < 100) jobs = 100;
    try {
        // Replaced only when it is empty or a run directory (never a folder of the user's files).
        if (std::filesystem::exists(dir) && !std::filesystem::is_empty(dir) &&
            !std::filesystem::exists(dir / "run.json")) {
            std::cerr << "bench_persistence: " << dir.string() << " is not empty and holds no run; choose another --dir\n";
            return 2;
        }
        std::filesystem::remove_all(dir);
        const auto space = evonas::cnn_space(2);
        const auto target = evonas::parse_genome("conv(k=5,f=64) pool conv(k=3,f=128) | dense(u=256)", space);
        const auto factory = [&](std::size_t) { return evonas::sim::SimilarityTrainer{target, &space}; };
        evonas::RunOptions options;
        options.evolution.seed = 3;
        options.evolution.stop.max_evaluations = jobs;
        options.workers = workers;
        options.run_dir = dir;
        options.progress = false;
        auto recorder = std::make_shared<Recorder>(jobs, dir / "checkpoint.json");
        const auto t0 = Clock::now();
        evonas::evolve(space, factory, options, {}, {}, {recorder});
        const double run_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        auto out = recorder->to_json(evonas::bench::resident_bytes());
        // Resume the finished run for one more job: the time is the resume's.
        options.resume = true;
        options.evolution.stop.max_evaluations = jobs + 1;
        const auto t1 = Clock::now();
        evonas::evolve(space, factory, options);
        const double resume_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
        out["benchmark"] = "persistence";
        out["jobs"] = jobs;
        out["workers"] = workers;
        out["checkpoint_interval"] = options.checkpoint_interval;
        out["run_seconds"] = run_seconds;
        out["resume_seconds"] = resume_seconds;
        out["files"] = {{"lineage_mb", static_cast<double>(std::filesystem::file_size(dir / "lineage.jsonl")) / 1e6},
                        {"seen_mb", static_cast<double>(std::filesystem::file_size(dir / "seen.bin")) / 1e6},
                        {"checkpoint_kb", static_cast<double>(std::filesystem::file_size(dir / "checkpoint.json")) / 1e3}};
        std::cout << out.dump(2) << std::endl;
        if (!keep) std::filesystem::remove_all(dir);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "bench_persistence: error: " << e.what() << "\n";
        return 1;
    }
}
