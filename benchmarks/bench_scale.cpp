// bench_scale: the Titan-scale study with the simulation driver. A plain
// program (not Google Benchmark) that prints one JSON document on stdout and
// human tables on stderr.
//
//   bench_scale [titan] [summit] [million] [saturation] [choices] [all]
//               [--early-stopping asha|none] [--eta E] [--min-step S]
//               [--min-comparisons N] [--steps N]
//
// (no argument: titan). With --early-stopping asha every simulation stops
// poor networks early (ASHA) along the simulator's learning-curve model
// (SimOptions::curve, `--steps` steps per job; a model, not real training).
// Job times are log-normal with sigma 0.5 and the mean
// that makes 460,000 networks in 24 h on 18,000 nodes (MENNDL on Titan):
// 24 * 3600 * 18000 / 460000 = 3380.9 s. The master's cost per job is the
// engine's real propose() and complete() time measured here first, with the
// run files written as a run writes them (lineage lines, a checkpoint every
// 25 results), at the same number of jobs in flight (the median of batches of 1,000 jobs, so a
// busy machine does not inflate it), plus a message latency each way. The
// simulations themselves are then deterministic. Fitness is analytic (similarity to a target network,
// evaluated instantly), so the real time is the engine's and the event
// loop's. See docs/scale.md for the results and how to read them.
#include <evonas/drivers/sim.hpp>
#include <evonas/engine/stopper.hpp>
#include <evonas/io/resume.hpp>
#include <evonas/genome/text.hpp>
#include <evonas/space/cnn_space.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <ctime>
#include <filesystem>
#include <unistd.h>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sim = evonas::sim;
using evonas::EvolutionOptions;
using evonas::MigrationTopology;

namespace {

constexpr double day = 24 * 3600.0;
constexpr double mean_job_seconds = day * 18000.0 / 460000.0;  // 3380.9 s
constexpr double sigma = 0.5;
constexpr double latency = 100e-6;  // per message, each way (assumed)
constexpr double target_score = 0.95;

struct Setup {
    std::size_t workers = 18688;
    double hours = 24.0;
    std::size_t islands = 1;
    std::size_t population = 128;
    std::size_t migration_interval = 16;
    bool migrate = true;
    sim::Schedule schedule = sim::Schedule::asynchronous;
    double master_seconds = 0.0;  // fixed master cost per job, on top of the engine's
    bool one_per_island = false;
    std::uint64_t seed = 1;
};

/// The engine's real cost per job with `in_flight` jobs outstanding.
struct EngineCost {
    double propose_seconds = 0.0;
    double complete_seconds = 0.0;
    std::size_t in_flight = 0;
    std::uint64_t timed_jobs = 0;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Early stopping in the simulations (--early-stopping and its settings).
struct Stopping {
    bool asha = false;
    double eta = 3.0;
    double min_step = 1.0;
    std::size_t min_comparisons = 3;
    std::size_t steps = 20;

    nlohmann::json to_json() const {
        if (!asha) return "none";
        return {{"kind", "asha"}, {"eta", eta}, {"min_step", min_step}, {"min_comparisons", min_comparisons},
                {"learning_curve", sim::LearningCurve{.steps = steps}.to_json()}};
    }
};

class Bench {
public:
    Bench()
        : space_(evonas::cnn_space(2)),
          target_(evonas::parse_genome("conv(k=5,f=64) pool conv(k=3,f=128) sepconv(k=3,f=128) pool | "
                                       "dense(u=256) dropout(p=0.5) ; lr=0.01 bs=128 epochs=20",
                                       space_)) {}

    /// Drives the engine by hand: `in_flight` jobs outstanding, then the
    /// oldest completed and a new one proposed, timed in batches of 1,000.
    const EngineCost& engine_cost(std::size_t in_flight) {
        auto& cost = costs_[in_flight];
        if (cost.timed_jobs) return cost;
        evonas::IslandModel<> model(space_, EvolutionOptions{.population = 128, .seed = 9,
                                                             .stop = {.max_evaluations = 0, .max_seconds = 1e12}});
        // The master's real work per job includes its run files: a lineage
        // line per dispatch and per result, and a checkpoint every 25 results
        // (the default interval; with its fsync), timed into complete().
        const auto dir = std::filesystem::temp_directory_path() / fmt::format("evonas-bench-scale-{}", ::getpid());
        std::filesystem::remove_all(dir);
        const evonas::RunPaths paths{dir};
        auto log = evonas::open_run_files(model, paths, evonas::run_identity(space_, model.options(), {}), {}, false);
        model.add_observer(log);
        const sim::SimilarityTrainer trainer{target_, &space_};
        std::deque<std::pair<std::uint64_t, evonas::Fitness>> queue;
        const auto propose = [&] {
            auto job = model.propose_next();
            queue.emplace_back(job->id, trainer.evaluate(job->genome, {}));
        };
        for (std::size_t i = 0; i < in_flight; ++i) propose();
        const std::size_t batches = 150, batch = 1000;
        std::vector<double> proposes, completes;
        for (std::size_t b = 0; b < batches; ++b) {
            double p = 0.0, c = 0.0;
            for (std::size_t i = 0; i < batch; ++i) {
                auto [id, fitness] = std::move(queue.front());
                queue.pop_front();
                auto t0 = std::chrono::steady_clock::now();
                model.complete(id, std::move(fitness));
                c += seconds_since(t0);
                t0 = std::chrono::steady_clock::now();
                propose();
                p += seconds_since(t0);
            }
            proposes.push_back(p / batch);
            completes.push_back(c / batch);
        }
        const auto median = [](std::vector<double> v) {
            std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
            return v[v.size() / 2];
        };
        // A checkpoint (O(population), with its fsyncs) every 25 results:
        // the median of 40, shared by the 25 results.
        std::vector<double> checkpoints;
        for (int k = 0; k < 40; ++k) {
            const auto t0 = std::chrono::steady_clock::now();
            evonas::write_run_checkpoint(model, paths, *log);
            checkpoints.push_back(seconds_since(t0));
        }
        std::filesystem::remove_all(dir);
        const double checkpoint_seconds = median(checkpoints);
        cost = {median(proposes), median(completes) + checkpoint_seconds / 25.0, in_flight, batches * batch};
        fmt::print(stderr, "checkpoint: {:.2f} ms (median of 40), {:.2f} us per job at one per 25 results\n",
                   1e3 * checkpoint_seconds, 1e6 * checkpoint_seconds / 25.0);
        fmt::print(stderr, "engine cost with {} jobs in flight: propose {:.2f} us, complete {:.2f} us\n", in_flight,
                   1e6 * cost.propose_seconds, 1e6 * cost.complete_seconds);
        return cost;
    }

    nlohmann::json engine_costs() const {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& [n, c] : costs_) {
            out.push_back({{"in_flight", n}, {"propose_us", 1e6 * c.propose_seconds},
                           {"complete_us", 1e6 * c.complete_seconds}, {"timed_jobs", c.timed_jobs}});
        }
        return out;
    }

    /// Early stopping for every run from now on.
    void set_stopping(const Stopping& stopping) { stopping_ = stopping; }

    sim::SimReport run(const Setup& s) {
        const auto& engine = engine_cost(s.workers);
        sim::SimOptions o{.evolution = EvolutionOptions{.islands = s.islands, .population = s.population,
                                                        .seed = s.seed,
                                                        .migration = {.topology = s.migrate ? MigrationTopology::ring
                                                                                            : MigrationTopology::none,
                                                                      .interval = s.migration_interval},
                                                        .stop = {.max_evaluations = 0, .max_seconds = s.hours * 3600}},
                          .workers = s.workers,
                          .schedule = s.schedule,
                          .cost = sim::CostModel::log_normal_with_mean(mean_job_seconds, sigma),
                          .master = {.propose_seconds = engine.propose_seconds + s.master_seconds,
                                     .complete_seconds = engine.complete_seconds,
                                     .dispatch_latency = latency, .result_latency = latency,
                                     .one_per_island = s.one_per_island},
                          .target_score = target_score,
                          .curve = {.steps = stopping_.steps}};
        if (stopping_.asha) {
            o.evolution.early_stopping = {.kind = evonas::EarlyStopping::asha, .min_step = stopping_.min_step,
                                          .eta = stopping_.eta, .min_comparisons = stopping_.min_comparisons};
        }
        auto report = sim::simulate(space_, sim::SimilarityTrainer{target_, &space_}, o).report;
        fmt::print(stderr, "{}", sim::summary(report));
        return report;
    }

private:
    evonas::SearchSpace space_;
    evonas::Genome<> target_;
    std::map<std::size_t, EngineCost> costs_;
    Stopping stopping_;
};

nlohmann::json brief(const sim::SimReport& r, const Setup& s) {
    auto j = sim::to_json(r, false);
    j["idle"].erase("histogram");
    j["setup"]["fixed_master_seconds_per_job"] = s.master_seconds;
    j["setup"]["migration_interval"] = s.migrate ? nlohmann::json(s.migration_interval) : nlohmann::json("none");
    return j;
}

// The seed's scale: 18,688 workers, 24 h, the asynchronous engine and the
// generational baseline side by side; and 18,000 workers as the seed ran.
nlohmann::json titan(Bench& bench) {
    nlohmann::json out;
    std::vector<sim::SimReport> table;
    for (auto schedule : {sim::Schedule::asynchronous, sim::Schedule::generational}) {
        const Setup s{.schedule = schedule};
        table.push_back(bench.run(s));
        out[std::string(to_string(schedule))] = sim::to_json(table.back());
    }
    fmt::print(stderr, "\nTitan, 18,688 workers, 24 h:\n{}\n", sim::comparison_table(table));
    const Setup seed_scale{.workers = 18000};
    out["seed_check_18000_workers"] = brief(bench.run(seed_scale), seed_scale);
    out["seed_check_18000_workers"]["expected_at_full_utilisation"] = 18000.0 * day / mean_job_seconds;
    return out;
}

// Summit: 4,600 nodes x 6 GPUs.
nlohmann::json summit(Bench& bench) {
    nlohmann::json out;
    std::vector<sim::SimReport> table;
    for (auto schedule : {sim::Schedule::asynchronous, sim::Schedule::generational}) {
        const Setup s{.workers = 4600 * 6, .schedule = schedule};
        table.push_back(bench.run(s));
        out[std::string(to_string(schedule))] = brief(table.back(), s);
    }
    fmt::print(stderr, "\nSummit, 27,600 workers, 24 h:\n{}\n", sim::comparison_table(table));
    return out;
}

// A million workers for 2 virtual hours: the measured engine alone (both
// schedules), then a fixed master cost of 1 ms and 10 ms per job with one
// master, and 10 ms with 16 island masters.
nlohmann::json million(Bench& bench) {
    nlohmann::json out = nlohmann::json::array();
    std::vector<sim::SimReport> table;
    const std::vector<Setup> setups{
        {.workers = 1000000, .hours = 2},
        {.workers = 1000000, .hours = 2, .schedule = sim::Schedule::generational},
        {.workers = 1000000, .hours = 2, .master_seconds = 0.001},
        {.workers = 1000000, .hours = 2, .master_seconds = 0.010},
        {.workers = 1000000, .hours = 2, .islands = 16, .master_seconds = 0.010, .one_per_island = true},
    };
    for (const auto& s : setups) {
        table.push_back(bench.run(s));
        out.push_back(brief(table.back(), s));
    }
    fmt::print(stderr, "\n1,000,000 workers, 2 h:\n{}\n", sim::comparison_table(table));
    return out;
}

// Where a single master saturates: the master's fixed cost per job swept at
// Titan scale, one master against 16 island masters. The knee is expected
// at mean job time / workers = 181 ms.
nlohmann::json saturation(Bench& bench) {
    nlohmann::json out = nlohmann::json::array();
    for (double c : {0.001, 0.05, 0.1, 0.181, 0.3, 1.0}) {
        for (bool per_island : {false, true}) {
            const Setup s{.islands = per_island ? 16u : 1u, .master_seconds = c, .one_per_island = per_island};
            out.push_back(brief(bench.run(s), s));
        }
    }
    return out;
}

// Choosing islands, population and migration for Titan: the search's
// progress (time to target, best at 24 h) as they vary, two seeds each.
nlohmann::json choices(Bench& bench) {
    nlohmann::json out = nlohmann::json::array();
    std::vector<Setup> setups;
    for (std::size_t islands : {1, 4, 16, 64}) setups.push_back({.islands = islands});
    for (std::size_t population : {32, 512}) setups.push_back({.population = population});
    for (std::size_t interval : {2, 256}) setups.push_back({.islands = 16, .migration_interval = interval});
    setups.push_back({.islands = 16, .migrate = false});
    for (const auto& base : setups) {
        for (std::uint64_t seed : {1, 2}) {
            auto s = base;
            s.seed = seed;
            auto j = brief(bench.run(s), s);
            j["seed"] = seed;
            out.push_back(std::move(j));
        }
    }
    return out;
}

constexpr const char* usage =
    "usage: bench_scale [titan] [summit] [million] [saturation] [choices] [all]\n"
    "                   [--early-stopping asha|none] [--eta E] [--min-step S] [--min-comparisons N] [--steps N]\n"
    "\n"
    "The Titan-scale study with the simulation driver; prints one JSON document on\n"
    "stdout and tables on stderr. Parts (no argument: titan; all: every part):\n"
    "  titan       Titan, 18,688 workers for 24 virtual hours: asynchronous vs generational\n"
    "  summit      Summit, 4,600 nodes x 6 GPUs, both schedules\n"
    "  million     a million workers for 2 virtual hours, with master costs of 1 and 10 ms\n"
    "  saturation  the master's cost per job swept at Titan scale, 1 vs 16 island masters\n"
    "  choices     islands, population and migration for Titan, two seeds each\n"
    "Options:\n"
    "  --early-stopping asha|none  stop poor networks early in every simulation (default none)\n"
    "  --eta E                     ASHA: keep the top 1/E at each rung (default 3)\n"
    "  --min-step S                ASHA: the first rung's step (default 1)\n"
    "  --min-comparisons N         ASHA: values at a rung before anything stops (default 3)\n"
    "  --steps N                   learning-curve steps per job (default 20; reports after each but the last)\n"
    "See docs/scale.md.\n";

}  // namespace

int main(int argc, char** argv) {
    std::set<std::string> parts;
    const std::set<std::string> known{"titan", "summit", "million", "saturation", "choices", "all"};
    Stopping stopping;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            return 0;
        }
        const bool option = arg == "--early-stopping" || arg == "--eta" || arg == "--min-step" ||
                            arg == "--min-comparisons" || arg == "--steps";
        if (option) {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "bench_scale: %s needs a value\n%s", arg.c_str(), usage);
                return 2;
            }
            const std::string value = argv[++i];
            try {
                if (arg == "--early-stopping") {
                    if (value != "asha" && value != "none") throw std::invalid_argument("asha or none");
                    stopping.asha = value == "asha";
                } else if (arg == "--eta") {
                    stopping.eta = std::stod(value);
                } else if (arg == "--min-step") {
                    stopping.min_step = std::stod(value);
                } else if (arg == "--min-comparisons") {
                    stopping.min_comparisons = std::stoul(value);
                } else {
                    stopping.steps = std::stoul(value);
                }
            } catch (const std::exception&) {
                std::fprintf(stderr, "bench_scale: bad value '%s' for %s\n%s", value.c_str(), arg.c_str(), usage);
                return 2;
            }
            continue;
        }
        if (known.count(arg) == 0) {
            std::fprintf(stderr, "bench_scale: unknown part '%s'\n%s", arg.c_str(), usage);
            return 2;
        }
        parts.insert(arg);
    }
    if (parts.empty()) parts.insert("titan");
    const bool all = parts.count("all") != 0;
    const auto want = [&](const char* name) { return all || parts.count(name) != 0; };

    const auto start = std::chrono::steady_clock::now();
    Bench bench;
    if (stopping.asha) {
        try {
            sim::LearningCurve{.steps = stopping.steps}.validate("curve");
            (void)evonas::AshaStopper(stopping.min_step, stopping.eta, stopping.min_comparisons);
        } catch (const evonas::ConfigError& e) {
            std::fprintf(stderr, "bench_scale: %s\n", e.what());
            return 2;
        }
        bench.set_stopping(stopping);
    }
    const std::time_t now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
    nlohmann::json out{{"benchmark", "bench_scale"},
                       {"date", date},
                       {"hardware_threads", std::thread::hardware_concurrency()},
                       {"job_time", {{"distribution", "log-normal"},
                                     {"mean_seconds", mean_job_seconds},
                                     {"sigma", sigma},
                                     {"why", "460,000 networks in 24 h on 18,000 nodes"}}},
                       {"master", {{"cost", "the engine's measured propose + complete time per job with its run "
                                             "files (lineage lines, a checkpoint every 25 results), plus any "
                                             "fixed cost (fixed_master_seconds_per_job)"},
                                   {"latency_seconds_each_way", latency}}},
                       {"target_score", target_score},
                       {"early_stopping", stopping.to_json()}};
    const auto section = [&](const char* name, auto&& body) {
        if (!want(name)) return;
        const auto t0 = std::chrono::steady_clock::now();
        out[name] = body(bench);
        out[name + std::string("_real_seconds")] = seconds_since(t0);
    };
    section("titan", titan);
    section("summit", summit);
    section("million", million);
    section("saturation", saturation);
    section("choices", choices);
    out["engine_cost"] = bench.engine_costs();
    out["real_seconds"] = seconds_since(start);
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
}
