// Jobs per second through one island master of the MPI driver, with a
// no-op trainer (so every microsecond is the driver's: the engine, the
// encoding, MPI), and the master's cost per job. Prints one JSON object
// per configuration on rank 0.
//
//   mpiexec -n 4 build/benchmarks/bench_mpi [--jobs 100000] [--jobs-per-worker 1,2] [--repeat 1]
//                                           [--run-dir DIR] [--surrogate K]
//
// With --run-dir, each run writes its run files there (lineage log,
// seen.bin, a checkpoint every 25 jobs, as a real run) and the JSON adds
// the wall time per job in each tenth of the run (the goal: the last tenth
// within 1.2x of the first), the checkpoint's size and rank 0's resident
// memory growth per finished job.
//
// Every rank but 0 is a worker of the one island. The master's cost per
// job is the time it spends handling messages (receive, complete, propose,
// encode, send) divided by the jobs; the rest of its time it waits.
// "engine_us_per_job" is propose() + complete() alone in one process, for
// comparison.
//
// With --surrogate K, the run screens with the surrogate (K candidates per
// proposal, EvolutionOptions::surrogate): the master's cost then includes
// breeding, features, predictions and refits (bench_surrogate measures them
// apart); --jobs 2000 puts the run around 1,000 trained networks.
//
// With --reports K, every job reports K times (early stopping with ASHA):
// each report goes from the worker to its master and the answer back, and
// the JSON "mpi_report_round_trip" gives the time a trainer waits per
// report (median, 90th percentile over every report of every worker)
// against the engine's own report() in one process (the thread driver's
// cost without its lock).
#include <evonas/mpi/mpi.hpp>

#include "number_list.hpp"
#include "resident_memory.hpp"

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <algorithm>
#include <fstream>
#include <memory>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct NoOp {
    evonas::Fitness evaluate(const evonas::Genome<>& g, const evonas::JobContext& ctx) const {
        // A score that varies, so selection and replacement have work to do.
        return evonas::Fitness::of(static_cast<double>(g.gene_count()) + static_cast<double>(ctx.seed % 1000) * 1e-3);
    }
};

/// NoOp that reports `reports` times per job and times each report.
struct Reporting {
    int reports = 0;
    std::vector<double>* waits = nullptr;  ///< microseconds per report, this rank's
    std::uint64_t* stopped = nullptr;      ///< jobs told to stop, this rank's
    evonas::Fitness evaluate(const evonas::Genome<>& g, const evonas::JobContext& ctx) const {
        const double score = static_cast<double>(g.gene_count()) + static_cast<double>(ctx.seed % 1000) * 1e-3;
        for (int k = 1; k <= reports; ++k) {
            const auto t0 = std::chrono::steady_clock::now();
            const auto decision = ctx.report(k, score * k / reports);
            waits->push_back(1e6 * std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            if (decision == evonas::Decision::stop) {
                ++*stopped;
                return evonas::Fitness::of(score * k / reports);
            }
        }
        return evonas::Fitness::of(score);
    }
};

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0.0;
    const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

evonas::EvolutionOptions evolution(std::uint64_t jobs) {
    evonas::EvolutionOptions o;
    o.islands = 1;
    o.population = 32;
    o.seed = 1;
    o.stop.max_evaluations = jobs;
    return o;
}

std::size_t surrogate_candidates = 0;  // --surrogate K

double engine_us_per_job(const evonas::SearchSpace& space, std::uint64_t jobs) {
    auto options = evolution(jobs);
    options.surrogate.candidates = surrogate_candidates;
    evonas::IslandModel<> model(space, options);
    NoOp trainer;
    const auto start = std::chrono::steady_clock::now();
    while (auto job = model.propose(0)) {
        model.complete(job->id, trainer.evaluate(job->genome, evonas::JobContext{.seed = job->seed}));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return seconds * 1e6 / static_cast<double>(model.counts().finished);
}

/// The engine's report() alone (ASHA), microseconds per report.
double engine_us_per_report(const evonas::SearchSpace& space, std::uint64_t jobs, int reports) {
    auto options = evolution(jobs);
    options.early_stopping.kind = evonas::EarlyStopping::asha;
    evonas::IslandModel<> model(space, options);
    std::uint64_t count = 0;
    double seconds = 0.0;
    while (auto job = model.propose(0)) {
        const double score = static_cast<double>(job->genome.gene_count()) + static_cast<double>(job->seed % 1000) * 1e-3;
        const auto t0 = std::chrono::steady_clock::now();
        int k = 1;
        for (; k <= reports; ++k, ++count) {
            if (model.report(job->id, k, score * k / reports) == evonas::Decision::stop) break;
        }
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        model.complete(job->id, evonas::Fitness::of(score));
    }
    return count ? seconds * 1e6 / static_cast<double>(count) : 0.0;
}

/// A barrier that sleeps instead of spinning, so the ranks waiting in it
/// leave the cores to rank 0's in-process measurement.
void quiet_barrier(const boost::mpi::communicator& comm) {
    MPI_Request request;
    MPI_Ibarrier(comm, &request);
    for (int done = 0; !done;) {
        MPI_Test(&request, &done, MPI_STATUS_IGNORE);
        if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}


/// Rank 0's book: wall time of every tenth of the run and resident memory.
class Tenths : public evonas::Observer<evonas::Genome<>> {
public:
    explicit Tenths(std::uint64_t jobs) : tenth_(std::max<std::uint64_t>(jobs / 10, 1)), last_(Clock::now()) {}
    void on_finished(const evonas::JobRecord<evonas::Genome<>>& r, const evonas::Progress& p) override {
        if (!r.trained || p.counts.finished % tenth_ != 0) return;
        const auto now = Clock::now();
        us_per_job.push_back(1e6 * std::chrono::duration<double>(now - last_).count() / static_cast<double>(tenth_));
        last_ = now;
        if (p.counts.finished == tenth_) rss_at_first_tenth = evonas::bench::resident_bytes();
    }
    std::vector<double> us_per_job;
    double rss_at_first_tenth = 0.0;

private:
    using Clock = std::chrono::steady_clock;
    std::uint64_t tenth_;
    Clock::time_point last_;
};

}  // namespace

int main(int argc, char** argv) {
    constexpr const char* usage =
        "usage: mpiexec -n R bench_mpi [--jobs N] [--jobs-per-worker D[,D...]] [--repeat K]\n"
        "\n"
        "Jobs per second through one island master of the MPI driver with a no-op\n"
        "trainer on R-1 worker ranks; one JSON object per configuration on rank 0.\n"
        "  --jobs N                  jobs per run (default 100000)\n"
        "  --jobs-per-worker D,...   jobs kept in flight per worker, one run each (default 1,2)\n"
        "  --repeat K                runs of each configuration (default 1)\n"
        "  --run-dir DIR             write the run files there (replaced each run) and report the cost per\n"
        "                            job in each tenth of the run, the checkpoint size and memory per job\n"
        "  --reports K               each job reports K times (ASHA early stopping): prints the time a\n"
        "                            trainer waits per report (the worker-master round trip)\n"
        "  --surrogate K             screen with the surrogate, K candidates per proposal (its cost is the\n"
        "                            master's; --jobs 2000 measures it around 1,000 trained networks)\n";
    // Before MPI starts: --help works without mpiexec.
    for (int i = 1; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::fputs(usage, stdout);
            return 0;
        }
    }
    std::uint64_t jobs = 100000;
    std::vector<std::size_t> depths{1, 2};
    int repeat = 1;
    std::string run_dir;
    int reports = 0;
    for (int i = 1; i < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (i + 1 < argc && flag == "--jobs") jobs = std::stoull(argv[i + 1]);
        else if (i + 1 < argc && flag == "--jobs-per-worker") depths = evonas::bench::parse_number_list(argv[i + 1]);
        else if (i + 1 < argc && flag == "--repeat") repeat = std::stoi(argv[i + 1]);
        else if (i + 1 < argc && flag == "--run-dir") run_dir = argv[i + 1];
        else if (i + 1 < argc && flag == "--reports") reports = std::stoi(argv[i + 1]);
        else if (i + 1 < argc && flag == "--surrogate") surrogate_candidates = std::stoul(argv[i + 1]);
        else {
            std::fprintf(stderr, "bench_mpi: bad argument '%s'\n%s", argv[i], usage);
            return 2;
        }
    }
    boost::mpi::environment env(argc, argv);
    boost::mpi::communicator world;
    if (world.size() < 2) {
        if (world.rank() == 0) fmt::print(stderr, "bench_mpi needs at least 2 ranks (a master and a worker)\n");
        return 1;
    }
    const auto space = evonas::cnn_space(2);
    quiet_barrier(world);
    const double engine_us = world.rank() == 0 ? engine_us_per_job(space, jobs) : 0.0;
    const double engine_report_us = world.rank() == 0 && reports > 0 ? engine_us_per_report(space, jobs, reports) : 0.0;
    quiet_barrier(world);
    std::vector<std::size_t> runs;  // jobs_per_worker of each run, in order
    for (int r = 0; r < repeat; ++r) runs.insert(runs.end(), depths.begin(), depths.end());
    for (const auto depth : runs) {
        evonas::mpi::DriverStats stats;
        evonas::mpi::RunOptions options;
        options.evolution = evolution(jobs);
        options.evolution.surrogate.candidates = surrogate_candidates;
        if (reports > 0) options.evolution.early_stopping.kind = evonas::EarlyStopping::asha;
        options.jobs_per_worker = depth;
        options.progress = false;
        options.stats = &stats;
        auto tenths = std::make_shared<Tenths>(jobs);
        evonas::ObserverList<evonas::Genome<>> observers;
        if (!run_dir.empty()) {
            options.run_dir = run_dir;
            if (world.rank() == 0) {
                std::filesystem::remove_all(run_dir);  // a fresh run each time
                observers.push_back(tenths);
            }
        }
        world.barrier();
        const auto start = std::chrono::steady_clock::now();
        std::vector<double> waits;
        std::uint64_t stopped = 0;
        const auto result =
            reports > 0
                ? evonas::mpi::evolve(world, space,
                                      [&](const evonas::mpi::RankPlace&) { return Reporting{reports, &waits, &stopped}; },
                                      options, {}, {}, observers)
                : evonas::mpi::evolve(world, space, [](const evonas::mpi::RankPlace&) { return NoOp{}; }, options,
                                      {}, {}, observers);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (reports > 0) {
            std::vector<std::vector<double>> all;
            boost::mpi::gather(world, waits, all, 0);
            std::uint64_t stopped_all = 0;
            boost::mpi::reduce(world, stopped, stopped_all, std::plus<>(), 0);
            if (world.rank() == 0) {
                std::vector<double> merged;
                for (const auto& w : all) merged.insert(merged.end(), w.begin(), w.end());
                const double median = percentile(merged, 0.5);
                fmt::print("{{\"benchmark\": \"mpi_report_round_trip\", \"ranks\": {}, \"jobs_per_worker\": {}, "
                           "\"jobs\": {}, \"reports_per_job\": {}, \"reports\": {}, \"stopped\": {}, "
                           "\"wait_us\": {{\"median\": {:.2f}, \"p90\": {:.2f}}}, \"engine_report_us\": {:.2f}, "
                           "\"median_over_engine\": {:.1f}}}\n",
                           world.size(), depth, result.counts.finished, reports, merged.size(),
                           stopped_all, median, percentile(merged, 0.9),
                           engine_report_us, engine_report_us > 0 ? median / engine_report_us : 0.0);
            }
        }
        if (world.rank() != 0) continue;
        const auto n = static_cast<double>(result.counts.finished);
        fmt::print(
            "{{\"benchmark\": \"mpi_master_throughput\", \"ranks\": {}, \"workers\": {}, \"jobs_per_worker\": {}, "
            "\"jobs\": {}, \"seconds\": {:.3f}, \"jobs_per_second\": {:.0f}, \"master_busy_us_per_job\": {:.2f}, "
            "\"master_cpu_us_per_job\": {:.2f}, \"master_busy_fraction\": {:.3f}, \"engine_us_per_job\": {:.2f}, \"duplicates\": {}, "
            "\"surrogate_candidates\": {}}}\n",
            world.size(), world.size() - 1, depth, result.counts.finished, seconds, n / seconds,
            stats.busy_seconds * 1e6 / n, stats.busy_cpu_seconds * 1e6 / n, stats.busy_seconds / stats.wall_seconds, engine_us,
            result.counts.duplicates, surrogate_candidates);
        if (!run_dir.empty() && tenths->us_per_job.size() >= 2) {
            const auto& t = tenths->us_per_job;
            const double rss_end = evonas::bench::resident_bytes();
            fmt::print("{{\"benchmark\": \"mpi_run_files\", \"jobs_per_worker\": {}, \"jobs\": {}, "
                       "\"per_job_us\": {{\"first_tenth\": {:.2f}, \"last_tenth\": {:.2f}, \"last_over_first\": {:.3f}, "
                       "\"tenths\": [{:.2f}]}}, \"checkpoint_bytes\": {}, \"seen_bytes\": {}, \"lineage_bytes\": {}, "
                       "\"rss_bytes_per_job_after_first_tenth\": {:.1f}}}\n",
                       depth, result.counts.finished, t.front(), t.back(), t.back() / t.front(), fmt::join(t, ", "),
                       std::filesystem::file_size(std::filesystem::path(run_dir) / "checkpoint.json"),
                       std::filesystem::file_size(std::filesystem::path(run_dir) / "seen.bin"),
                       std::filesystem::file_size(std::filesystem::path(run_dir) / "lineage.jsonl"),
                       (rss_end - tenths->rss_at_first_tenth) / (0.9 * n));
        }
        std::fflush(stdout);
    }
    return 0;
}
