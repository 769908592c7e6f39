// bench_overhead: evonas's scheduling cost per job with no training, to set
// beside Optuna and DEAP doing the same (benchmarks/peers/*.py). A plain
// program (not Google Benchmark) printing one JSON object on stdout.
//
//   bench_overhead [--jobs 20000] [--repeats 3]
//
// Four cases, each with the lineage log on (one JSON line per job, flushed,
// to a real file):
//   - engine: IslandModel::complete_and_propose() called in a loop (a
//     result and the next job, one lineage write), 1 and 4 islands (what a
//     driver of one's own pays);
//   - threads: evonas::evolve() with 1 and 2 worker threads and a trainer
//     that returns at once (what the in-process driver pays: locking,
//     waking, its watchdog, the run directory's lineage log; checkpoints only
//     at the end).
// The genome is cnn_space(2)'s (up to 10 feature + 3 classifier layers,
// 2-6 parameters each, 6 globals), population 32, tournament of 3. The
// fitness rewards more layers plus noise, so selection has work to do.
// Beside them, "lineage_write": the same number of write(2) calls of a
// job's two lines' bytes alone, the floor the log puts under every case.
// Each case runs `repeats` times; the median by wall time is reported, with
// its process CPU time (less disturbed by other load on a shared machine).
// Nothing here asserts a time.
#include <evonas/drivers/threads.hpp>
#include <evonas/evonas.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <fcntl.h>   // open
#include <time.h>    // clock_gettime(CLOCK_PROCESS_CPUTIME_ID)
#include <unistd.h>  // getpid, write

namespace {

struct Timing {
    double wall_seconds = 0.0;
    double cpu_seconds = 0.0;
};

double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

template <class F>
Timing timed(F&& body) {
    const double cpu0 = process_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    body();
    return {std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
            process_cpu_seconds() - cpu0};
}

/// A trainer that trains nothing: more layers score higher, plus noise
/// derived from the job's seed.
struct InstantTrainer {
    evonas::Fitness evaluate(const evonas::Genome<>& genome, const evonas::JobContext& ctx) const {
        evonas::Rng noise(ctx.seed);
        return evonas::Fitness::of(static_cast<double>(genome.gene_count()) + noise.uniform());
    }
};

evonas::EvolutionOptions evolution(std::size_t islands, std::uint64_t max_evaluations) {
    return evonas::EvolutionOptions{.islands = islands,
                                    .population = 32,
                                    .seed = 1,
                                    // The engine loop stops itself; patience "never" keeps the
                                    // engine from stopping it first.
                                    .stop = {.max_evaluations = max_evaluations, .patience = ~std::uint64_t{0}}};
}

Timing engine_run(const evonas::SearchSpace& space, std::size_t islands, std::uint64_t jobs,
                  const std::filesystem::path& dir) {
    const auto path = dir / "lineage.jsonl";
    std::filesystem::remove(path);
    evonas::IslandModel<> model(space, evolution(islands, 0));
    model.add_observer(std::make_shared<evonas::LineageLog>(path, model.space()));
    const InstantTrainer trainer;
    return timed([&] {
        // A worker's result and its next job in one call (one lineage write
        // per job), islands taken in turn.
        std::size_t island = 0;
        auto job = model.propose(island);
        for (std::uint64_t i = 0; i < jobs; ++i) {
            island = (island + 1) % islands;
            auto fitness = trainer.evaluate(job->genome, {.job_id = job->id, .seed = job->seed});
            job = model.complete_and_propose(job->id, std::move(fitness), {}, island).next;
        }
    });
}

/// What the log's writes alone cost: `jobs` write(2) calls of `bytes` each
/// (a job's two lines) on an O_APPEND descriptor in `dir`, as the lineage
/// log makes them.
Timing write_run(std::uint64_t jobs, std::size_t bytes, const std::filesystem::path& dir) {
    const auto path = dir / "writes.jsonl";
    std::filesystem::remove(path);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) throw evonas::IoError::from_errno(path, "cannot open the write test file");
    std::string line(bytes, 'x');
    line.back() = '\n';
    const auto t = timed([&] {
        for (std::uint64_t i = 0; i < jobs; ++i) {
            if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
                ::close(fd);
                throw evonas::IoError::from_errno(path, "cannot write the write test file");
            }
        }
    });
    ::close(fd);
    std::filesystem::remove(path);
    return t;
}

Timing threads_run(const evonas::SearchSpace& space, std::size_t workers, std::uint64_t jobs,
                   const std::filesystem::path& dir) {
    const auto run_dir = dir / "run";
    std::filesystem::remove_all(run_dir);
    const evonas::RunOptions options{.evolution = evolution(1, jobs),
                                     .workers = workers,
                                     .run_dir = run_dir,
                                     .checkpoint_interval = 0,
                                     .progress = false};
    std::uint64_t finished = 0;
    const auto t = timed([&] {
        const auto result = evonas::evolve(space, [](std::size_t) { return InstantTrainer{}; }, options);
        finished = result.counts.finished;
    });
    if (finished != jobs) {
        throw evonas::Error("bench_overhead: the thread driver finished " + std::to_string(finished) +
                            " jobs, expected " + std::to_string(jobs));
    }
    return t;
}

nlohmann::json summarise(const std::string& name, nlohmann::json setup, std::uint64_t jobs,
                         std::vector<Timing> runs) {
    std::vector<double> walls;
    for (const auto& r : runs) walls.push_back(r.wall_seconds);
    std::sort(runs.begin(), runs.end(),
              [](const Timing& a, const Timing& b) { return a.wall_seconds < b.wall_seconds; });
    const auto& median = runs[runs.size() / 2];
    const auto n = static_cast<double>(jobs);
    return {{"name", name},
            {"setup", std::move(setup)},
            {"jobs", jobs},
            {"repeats", runs.size()},
            {"wall_seconds", median.wall_seconds},
            {"cpu_seconds", median.cpu_seconds},
            {"jobs_per_second", n / median.wall_seconds},
            {"us_per_job", 1e6 * median.wall_seconds / n},
            {"cpu_us_per_job", 1e6 * median.cpu_seconds / n},
            {"wall_seconds_all_runs", walls}};
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t jobs = 20000;
    int repeats = 3;
    constexpr const char* usage =
        "usage: bench_overhead [--jobs N] [--repeats R]\n"
        "\n"
        "evonas's scheduling cost per job with no training (engine with 1 and 4 islands,\n"
        "evolve() with 1 and 2 worker threads, lineage log on); prints one JSON object.\n"
        "  --jobs N     jobs per run (default 20000)\n"
        "  --repeats R  runs per case, the median is reported (default 3)\n";
    for (int i = 1; i < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::fputs(usage, stdout);
            return 0;
        }
        if (i + 1 < argc && flag == "--jobs") jobs = std::stoull(argv[i + 1]);
        else if (i + 1 < argc && flag == "--repeats") repeats = std::max(1, std::stoi(argv[i + 1]));
        else {
            std::fprintf(stderr, "bench_overhead: bad argument '%s'\n%s", argv[i], usage);
            return 2;
        }
    }
    try {
        const auto space = evonas::cnn_space(2);
        const auto dir = std::filesystem::temp_directory_path() /
                         ("evonas-bench-overhead-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        nlohmann::json cases = nlohmann::json::array();
        for (std::size_t islands : {1u, 4u}) {
            std::vector<Timing> runs;
            for (int r = 0; r < repeats; ++r) runs.push_back(engine_run(space, islands, jobs, dir));
            cases.push_back(summarise("engine_" + std::to_string(islands) + "_island" + (islands > 1 ? "s" : ""),
                                      {{"driver", "IslandModel complete_and_propose loop"},
                                       {"islands", islands},
                                       {"population_per_island", 32},
                                       {"lineage_log", true}},
                                      jobs, std::move(runs)));
        }
        // Bytes per job of the engine's log: the file its last run (4
        // islands) left, jobs + 1 dispatched lines and jobs job lines.
        const auto bytes_per_job = static_cast<std::size_t>(
            std::max<std::uintmax_t>(2, std::filesystem::file_size(dir / "lineage.jsonl") / (jobs + 1)));
        std::vector<Timing> writes;
        for (int r = 0; r < repeats; ++r) writes.push_back(write_run(jobs, bytes_per_job, dir));
        auto lineage_write = summarise("lineage_write", {{"what", "one write(2) per job of a job's two lines' bytes"},
                                                         {"bytes_per_job", bytes_per_job}},
                                       jobs, std::move(writes));
        for (std::size_t workers : {1u, 2u}) {
            std::vector<Timing> runs;
            for (int r = 0; r < repeats; ++r) runs.push_back(threads_run(space, workers, jobs, dir));
            cases.push_back(summarise("threads_" + std::to_string(workers) + "_worker" + (workers > 1 ? "s" : ""),
                                      {{"driver", "evonas::evolve (thread driver)"},
                                       {"islands", 1},
                                       {"workers", workers},
                                       {"population_per_island", 32},
                                       {"lineage_log", true},
                                       {"checkpoints", "at the end only"}},
                                      jobs, std::move(runs)));
        }
        std::filesystem::remove_all(dir);
        const std::time_t now = std::time(nullptr);
        char date[32];
        std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
        const nlohmann::json out{
            {"benchmark", "bench_overhead"},
            {"evonas_version", evonas::version_string()},
            {"date", date},
            {"hardware_threads", std::thread::hardware_concurrency()},
            {"genome", {{"space", space.name()},
                        {"layers", "1-10 features + 0-3 classifier, 2-6 parameters each"},
                        {"globals", 6}}},
            {"fitness", "gene count + uniform noise, returned at once (no training)"},
            {"cases", cases},
            {"lineage_write", lineage_write}};
        std::printf("%s\n", out.dump(2).c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_overhead: %s\n", e.what());
        return 1;
    }
    return 0;
}
