// bench_search: the C++ side of the search-efficiency benchmark
// (benchmarks/search/README.md; run it all with `scripts/run.sh bench search`).
//
//   bench_search info    --task T                 the task as JSON: settings, space, seed network, defaults
//   bench_search probe   --task T [--count K]     train K random networks: how long one takes here
//   bench_search run     --task T --method M --seeds 1-20 --networks N [--cache DIR]
//                        evonas searches, one JSON line per search on stdout
//   bench_search serve   --task T [--cache DIR]   evaluation server for the Optuna peer: reads
//                        {"genome": TEXT} lines on stdin, answers one JSON line each;
//                        {"genome": TEXT, "until": K}: a staged training (validated at the rung
//                        epochs 1, 3, 9, ..., stopped at the first >= K), for Optuna's pruners
//   every subcommand: --epochs E trains E epochs per network instead of the task's own
//   bench_search retrain --task T [--repeats 3]   reads genome texts on stdin; trains each with
//                        fresh seeds and answers its test accuracy (one JSON line each)
//   bench_search parse   --task T                 reads genome texts on stdin, answers the canonical
//                        text and the trainer check's verdict, trains nothing (the peer's parity check)
//
// Every network of every method is trained by the same CnnTrainer with the
// same fixed epochs, seeded from its genome (common random numbers), so a
// network scores the same whichever search proposed it; results are shared
// through the evaluation cache (eval_cache.hpp). Cost is process CPU seconds
// of the training and validation of each network (OPENBLAS_NUM_THREADS=1 and
// one intra-op thread, so no CPU is spent elsewhere), not wall time: it does
// not change with the machine's load.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/evonas.hpp>
#include <evonas/libtorch/libtorch.hpp>

#include "eval_cache.hpp"
#include "search_methods.hpp"
#include "search_tasks.hpp"

namespace {

namespace bench = evonas::bench;
namespace lt = evonas::libtorch;
using G = evonas::Genome<evonas::LayerGene>;
using json = nlohmann::json;

// A job's safety net: a network still training after this long is a failure
// (timed_out), never a score.
constexpr double safety_timeout_seconds = 120.0;

// Bump when a change of the trainer or builder changes what training a
// network gives (scores or CPU seconds): cached results of the old code are
// then never read again.
constexpr int trainer_revision = 2;

// What names a task's cache file: its settings (with the data's hash), the
// trainer revision and the evonas version.
json cache_key(const bench::SearchTask& task) {
    auto key = task.settings;
    key["trainer_revision"] = trainer_revision;
    key["evonas_version"] = evonas::version_string();
    return key;
}

double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

template <class... Args>
void note(fmt::format_string<Args...> format, Args&&... args) {
    std::cerr << fmt::format(format, std::forward<Args>(args)...) << std::endl;
}

// Trains networks of one task, through the cache. One per thread.
class Evaluator {
public:
    Evaluator(const bench::SearchTask& task, bench::EvalCache& cache, evonas::SearchSpace space)
        : task_(task), space_(std::move(space)), cache_(cache), trainer_(space_, task.train, task.validation, task.trainer) {}

    const evonas::SearchSpace& space() const noexcept { return space_; }

    evonas::Check check(G& genome) const { return trainer_.check(genome); }

    // The search score of `genome` (already checked): validation accuracy
    // after the task's epochs with the genome's own seed.
    json score(const G& genome) {
        const auto hash = evonas::genome_hash(genome, space_);
        return evaluate(genome, hash, evonas::genome_seed(hash), fmt::format("{:016x}:crn", hash), false);
    }

    // What a staged training's listener answers at each report.
    using Listener = std::function<evonas::Decision(double step, double value)>;

    // The search score of `genome` trained with a validation after each of
    // the task's rung epochs, each told to `listen`, which may stop the
    // training there (early stopping). The answer's "curve" holds
    // [epoch, validation accuracy, CPU-seconds since the start] per report
    // (and the final score's point when trained to the end); its status is
    // "stopped" (with "val_at_stop") when `listen` stopped it.
    //
    // Cached like score(): a cached curve is replayed to `listen`; when the
    // cached training was stopped before where `listen` now wants to go, the
    // network trains again from the start (the same weights at every step:
    // the seed is the genome's) and only the reports past the replayed ones
    // reach `listen`. CPU is charged as one training from scratch to where
    // this one ended.
    json score_staged(const G& genome, const Listener& listen) {
        const auto hash = evonas::genome_hash(genome, space_);
        const auto key = fmt::format("{:016x}:crn:staged", hash);
        const double last_epoch = static_cast<double>(task_.trainer.epochs);
        double replayed = 0.0;  // reports of the cached curve already told to `listen`
        if (auto hit = cache_.find(key)) {
            const auto& curve = hit->at("curve");
            for (std::size_t i = 0; i < curve.size(); ++i) {
                const double step = curve[i][0].get<double>(), value = curve[i][1].get<double>();
                if (step >= last_epoch) break;  // the final score's point: not a report
                replayed = step;
                if (listen(step, value) == evonas::Decision::stop) {
                    json r = *hit;
                    r["curve"] = json(std::vector<json>(curve.begin(), curve.begin() + static_cast<std::ptrdiff_t>(i + 1)));
                    r["status"] = "stopped";
                    r["val"] = nullptr;
                    r["val_at_stop"] = value;
                    r["epochs"] = step;
                    r["cpu"] = curve[i][2].get<double>();
                    r.erase("reason");
                    r.erase("wall");  // the cached training's, not this one's
                    r["cached"] = true;
                    return r;
                }
            }
            if (hit->at("status") != "stopped") {
                (*hit)["cached"] = true;
                return *hit;
            }
        }
        json curve = json::array();
        bool stopped = false;
        double cpu0 = 0.0;
        const auto f = train(genome, hash, evonas::genome_seed(hash), [&](double step, double value) {
            curve.push_back({step, value, process_cpu_seconds() - cpu0});
            if (step <= replayed) return evonas::Decision::keep_training;  // told from the cache already
            const auto d = listen(step, value);
            stopped = d == evonas::Decision::stop;
            return d;
        }, cpu0);
        json r = result_of(f.fitness, false);
        r["cpu"] = f.cpu;
        r["wall"] = f.wall;
        r["epochs"] = f.fitness.metric("epochs").value_or(0.0);
        if (stopped && f.fitness.ok()) {
            r["status"] = "stopped";
            r["val_at_stop"] = f.fitness.score;
            r["val"] = nullptr;
        } else if (f.fitness.ok()) {
            curve.push_back({last_epoch, f.fitness.score, f.cpu});
        }
        r["curve"] = std::move(curve);
        cache_.store(key, r);
        r["cached"] = false;
        return r;
    }

    // The genome retrained with fresh seed `k` (never the search's seed),
    // scored on validation and test.
    json retrain(const G& genome, int k) {
        const auto hash = evonas::genome_hash(genome, space_);
        return evaluate(genome, hash, evonas::derive_seed(evonas::genome_seed(hash), 1000 + static_cast<std::uint64_t>(k)),
                        fmt::format("{:016x}:retrain{}", hash, k), true);
    }

private:
    struct Trained {
        evonas::Fitness fitness;
        double cpu = 0.0;   // process CPU-seconds of the training and its validations
        double wall = 0.0;
    };

    // One training of `genome` with `seed`, under the safety timeout; a
    // `reporter` makes it staged (reports at the task's rung epochs).
    // `cpu0` is set to the process CPU clock at the start.
    Trained train(const G& genome, std::uint64_t hash, std::uint64_t seed,
                  std::function<evonas::Decision(double, double)> reporter, double& cpu0) {
        evonas::JobContext ctx;
        ctx.job_id = hash;
        ctx.seed = seed;
        ctx.deadline = std::chrono::steady_clock::now() +
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(safety_timeout_seconds));
        ctx.reporter = std::move(reporter);
        cpu0 = process_cpu_seconds();
        const auto wall0 = std::chrono::steady_clock::now();
        Trained t;
        try {
            t.fitness = trainer_.evaluate(genome, ctx);
        } catch (const std::exception& e) {
            t.fitness = evonas::Fitness::failed(e.what());
        }
        t.cpu = process_cpu_seconds() - cpu0;
        t.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
        return t;
    }

    static json result_of(const evonas::Fitness& f, bool with_epochs) {
        json r{{"status", std::string(evonas::to_string(f.status))},
               {"val", f.ok() ? json(f.score) : json(nullptr)},
               {"params", f.metric("params").value_or(0.0)},
               {"mflops", f.metric("flops").value_or(0.0) / 1e6}};
        if (with_epochs) r["epochs"] = f.metric("epochs").value_or(0.0);
        if (!f.ok()) r["reason"] = f.reason;
        return r;
    }

    json evaluate(const G& genome, std::uint64_t hash, std::uint64_t seed, const std::string& key, bool test) {
        if (auto hit = cache_.find(key)) {
            (*hit)["cached"] = true;
            return *hit;
        }
        double cpu0 = 0.0;
        const auto t = train(genome, hash, seed, {}, cpu0);
        json r = result_of(t.fitness, true);
        if (test && t.fitness.ok() && trainer_.last_model()) {
            r["test"] = lt::evaluate_network(trainer_.last_model()->net, task_.test).accuracy;
        }
        r["cpu"] = t.cpu;
        r["wall"] = t.wall;
        cache_.store(key, r);
        r["cached"] = false;
        return r;
    }

    const bench::SearchTask& task_;
    evonas::SearchSpace space_;
    bench::EvalCache& cache_;
    lt::CnnTrainer trainer_;
};

// The Trainer an evonas search uses: the evaluator's check and score.
class BenchTrainer {
public:
    explicit BenchTrainer(Evaluator& e) : e_(e) {}
    evonas::Check check(G& genome) const { return e_.check(genome); }
    // A run that stops networks early gets a staged training whose reports
    // go to the run's stopper; any other trains without them (and is not
    // charged their validation passes).
    evonas::Fitness evaluate(const G& genome, const evonas::JobContext& ctx) {
        const auto r = ctx.wants_reports()
                           ? e_.score_staged(genome, [&ctx](double step, double value) { return ctx.report(step, value); })
                           : e_.score(genome);
        evonas::Fitness f;
        const auto status_text = r.at("status").get<std::string>();
        if (status_text == "stopped") {
            f = evonas::Fitness::of(r.at("val_at_stop").get<double>());
        } else {
            f.status = evonas::fitness_status_from_string(status_text).value_or(evonas::FitnessStatus::failed);
            if (f.ok()) f.score = r.at("val").get<double>();
            else f.reason = r.value("reason", std::string("?"));
        }
        if (r.contains("epochs")) f.with("epochs", r.at("epochs").get<double>());
        f.with("cpu_seconds", r.at("cpu").get<double>())
            .with("params", r.at("params").get<double>())
            .with("mflops", r.at("mflops").get<double>());
        return f;
    }

private:
    Evaluator& e_;
};

// Every finished job of one search, in order, as compact JSON.
class Recorder : public evonas::Observer<G> {
public:
    void on_finished(const evonas::JobRecord<G>& r, const evonas::Progress&) override {
        if (!r.trained) {
            ++rejected_;
            return;
        }
        const auto& f = r.fitness;
        // A network the run stopped early is no final result: the page
        // scores networks trained to the end only (its value is kept apart).
        const bool stopped = f.ok() && f.metric(evonas::stopped_at_metric).has_value();
        json n{{"status", stopped ? std::string("stopped") : std::string(evonas::to_string(f.status))},
               {"val", f.ok() && !stopped ? json(f.score) : json(nullptr)},
               {"epochs", f.metric("epochs").value_or(0.0)},
               {"cpu", f.metric("cpu_seconds").value_or(0.0)},
               {"params", f.metric("params").value_or(0.0)},
               {"op", r.job.op.substr(0, r.job.op.find(':'))},
               {"hash", fmt::format("{:016x}", r.job.hash)}};
        if (stopped) n["val_at_stop"] = f.score;
        if (r.job.predicted.screened()) {
            n["predicted"] = r.job.predicted.mean;
            n["predicted_spread"] = r.job.predicted.spread;
            n["candidates"] = r.job.predicted.candidates;
        }
        if (f.ok() && !stopped && (!best_ || f.score > best_->second)) best_.emplace(r.job.genome, f.score);
        networks_.push_back(std::move(n));
    }
    json networks_ = json::array();
    std::uint64_t rejected_ = 0;
    std::optional<std::pair<G, double>> best_;  // the best network trained to the end (first of equals)
};

std::vector<std::uint64_t> parse_seeds(const std::string& text) {
    std::vector<std::uint64_t> seeds;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = std::min(text.find(',', start), text.size());
        const auto item = text.substr(start, end - start);
        if (!item.empty()) {
            const auto dash = item.find('-');
            try {
                if (dash == std::string::npos) {
                    seeds.push_back(std::stoull(item));
                } else {
                    const auto a = std::stoull(item.substr(0, dash)), b = std::stoull(item.substr(dash + 1));
                    if (b < a) throw std::invalid_argument("range");
                    for (auto s = a; s <= b; ++s) seeds.push_back(s);
                }
            } catch (const std::logic_error&) {
                throw evonas::ConfigError("--seeds", fmt::format("'{}' is not a seed or a range like 1-20", item));
            }
        }
        start = end + 1;
    }
    if (seeds.empty()) throw evonas::ConfigError("--seeds", "no seeds given");
    return seeds;
}

json run_search(const bench::SearchTask& task, Evaluator& evaluator, const std::string& method, std::uint64_t seed,
                std::uint64_t networks) {
    const auto& space = evaluator.space();
    auto setup = bench::search_method(method, networks, seed, task.trainer.epochs);
    setup.run.workers = 1;  // one network at a time: every proposal sees every earlier result
    setup.run.progress = false;
    setup.run.checkpoint_interval = 0;
    setup.run.job_timeout_seconds = 0;  // the evaluator has its own safety net
    std::vector<G> seeds;
    if (setup.seeded) seeds.push_back(evonas::parse_genome(task.seed_genome, space));
    if (setup.run.evolution.surrogate.active()) setup.operators.features = evonas::CnnFeatures{task.train.shape()};
    auto recorder = std::make_shared<Recorder>();
    const auto t0 = std::chrono::steady_clock::now();
    const auto result = evonas::evolve(space, [&](std::size_t) { return BenchTrainer(evaluator); }, setup.run, seeds,
                                       std::move(setup.operators), {recorder});
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    json out{{"task", task.name},
             {"method", method},
             {"seed", seed},
             {"networks", recorder->networks_},
             {"rejected_before_training", recorder->rejected_},
             {"population", setup.run.evolution.resolved().population},
             {"wall_seconds", wall},
             {"stop_reason", result.stop_reason}};
    if (setup.run.evolution.stop.max_resource > 0) out["max_epochs_total"] = setup.run.evolution.stop.max_resource;
    if (!result.pareto_front.empty()) {  // multi-objective methods: the run's own front
        json front = json::array();
        for (const auto& m : result.pareto_front) {
            front.push_back({{"val", m.score}, {"params", m.fitness.metric("params").value_or(0.0)},
                             {"hash", fmt::format("{:016x}", m.hash)}});
        }
        out["front"] = std::move(front);
        out["hypervolume"] = result.hypervolume;
    }
    if (recorder->best_) {
        out["best_genome"] = evonas::to_text(recorder->best_->first, space);
        out["best_val"] = recorder->best_->second;
    }
    return out;
}

// One line of JSON per request; a request that cannot be parsed is answered
// with status "error" (a bug on the peer's side: it must stop).
template <class Handle>
void serve_lines(Handle&& handle) {
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty()) continue;
        json answer;
        try {
            answer = handle(json::parse(line));
        } catch (const std::exception& e) {
            answer = {{"status", "error"}, {"reason", e.what()}};
        }
        std::cout << answer.dump() << std::endl;
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"The C++ side of evonas's search-efficiency benchmark (benchmarks/search/README.md):\n"
                 "tasks, evonas searches, and the evaluation server the Optuna peer trains through."};
    app.require_subcommand(1);
    std::string task_name = "sans", cache_dir, method = "evolution", seeds_text = "1";
    std::uint64_t networks = 40;
    int count = 20, repeats = 3, epochs = 0;
    const auto add_task = [&](CLI::App* sub) {
        sub->add_option("--task", task_name, "sans, minerva or em")
            ->check(CLI::IsMember(bench::task_names()))->capture_default_str();
        sub->add_option("--epochs", epochs,
                        "epochs per network instead of the task's own (the early-stopping study: 9); 0: the task's")
            ->check(CLI::NonNegativeNumber)->capture_default_str();
    };
    const auto add_cache = [&](CLI::App* sub) {
        sub->add_option("--cache", cache_dir, "evaluation cache directory shared by all processes (empty: none)");
    };
    auto* info = app.add_subcommand("info", "print the task as JSON: settings, search space, seed network, the "
                                            "evolution's defaults for --networks");
    add_task(info);
    info->add_option("--networks", networks, "the budget the defaults are shown for")->capture_default_str();
    auto* probe = app.add_subcommand("probe", "train random networks of the task and print how long each took");
    add_task(probe);
    probe->add_option("--count", count, "networks to train")->check(CLI::PositiveNumber)->capture_default_str();
    auto* run = app.add_subcommand("run", "run evonas searches; one JSON line per search on stdout");
    add_task(run);
    add_cache(run);
    run->add_option("--method", method, "the search")->check(CLI::IsMember(bench::method_names()))->capture_default_str();
    run->add_option("--seeds", seeds_text, "run seeds: 1,2,5 or 1-20")->capture_default_str();
    run->add_option("--networks", networks, "networks each search trains")->check(CLI::PositiveNumber)->capture_default_str();
    auto* serve = app.add_subcommand("serve", "evaluation server: {\"genome\": TEXT} lines on stdin, one JSON answer each; "
                                              "with \"until\": K, a staged training validated at the rung epochs and "
                                              "stopped at the first one >= K (the answer's \"curve\")");
    add_task(serve);
    add_cache(serve);
    auto* retrain = app.add_subcommand("retrain", "genome texts on stdin; train each with fresh seeds, answer test accuracy");
    add_task(retrain);
    add_cache(retrain);
    retrain->add_option("--repeats", repeats, "fresh seeds per genome")->check(CLI::PositiveNumber)->capture_default_str();
    auto* parse = app.add_subcommand("parse", "genome texts on stdin; answer the canonical text and the trainer check's "
                                              "verdict (nothing is trained)");
    add_task(parse);
    CLI11_PARSE(app, argc, argv);

    try {
        const auto t0 = std::chrono::steady_clock::now();
        const auto task = bench::make_task(task_name, epochs);
        const auto space = task.space();
        note("[{}] data ready: {} train, {} validation, {} test samples ({:.1f} s)", task.name, task.train.size(),
             task.validation.size(), task.test.size(),
             std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        bench::EvalCache cache(cache_dir, task.name, cache_key(task));
        // The run's method may search a space of its own (an ablation).
        Evaluator evaluator(task, cache, *run ? bench::method_space(method, task.dims) : space);

        if (*info) {
            const auto defaults =
                bench::search_method("evolution", networks, 1, task.trainer.epochs).run.evolution.resolved();
            auto settings = task.settings;
            settings["report_epochs"] = task.trainer.report_epochs;
            auto seed = evonas::parse_genome(task.seed_genome, space);
            const auto check = evaluator.check(seed);
            std::cout << json{{"task", task.name},
                              {"title", task.title},
                              {"dims", task.dims},
                              {"settings", settings},
                              {"space", evonas::space_to_json(space)},
                              {"seed_genome", evonas::to_text(seed, space)},
                              {"seed_check", check.verdict == evonas::Check::Verdict::invalid ? check.reason : "ok"},
                              {"classes", task.train.classes},
                              {"evolution_population", defaults.population},
                              {"evonas_version", evonas::version_string()},
                              {"torch", lt::runtime_info().torch_version}}
                             .dump()
                      << std::endl;
        } else if (*probe) {
            evonas::Rng rng(7);
            json rows = json::array();
            for (int i = 0; i < count;) {
                auto g = evonas::random_genome(space, rng);
                if (evaluator.check(g).verdict == evonas::Check::Verdict::invalid) continue;
                bench::EvalCache none({}, task.name, cache_key(task));
                Evaluator fresh(task, none, space);
                const auto r = fresh.score(g);
                note("probe {}/{}: {} val {} cpu {:.2f} s, {:.2f} MFLOPs  {}", i + 1, count, r["status"].get<std::string>(),
                     r["val"].is_null() ? std::string("-") : fmt::format("{:.3f}", r["val"].get<double>()),
                     r["cpu"].get<double>(), r["mflops"].get<double>(), evonas::to_text(g, space));
                rows.push_back(r);
                ++i;
            }
            std::cout << json{{"task", task.name}, {"networks", rows}}.dump() << std::endl;
        } else if (*run) {
            for (const auto seed : parse_seeds(seeds_text)) {
                const auto out = run_search(task, evaluator, method, seed, networks);
                double best = out.value("best_val", 0.0), cpu = 0.0;
                for (const auto& n : out["networks"]) cpu += n["cpu"].get<double>();
                note("[{} {} seed {}] {} networks, best val {:.4f}, {:.0f} CPU-s charged, {:.1f} s wall", task.name,
                     method, seed, out["networks"].size(), best, cpu, out["wall_seconds"].get<double>());
                std::cout << out.dump() << std::endl;
            }
        } else if (*serve) {
            serve_lines([&](const json& request) {
                auto g = evonas::parse_genome(request.at("genome").get<std::string>(), space, "genome");
                const auto check = evaluator.check(g);
                if (check.verdict == evonas::Check::Verdict::invalid) {
                    return json{{"status", "invalid"}, {"reason", check.reason}};
                }
                json r;
                if (request.contains("until")) {
                    const double until = request.at("until").get<double>();
                    if (!(until >= 1.0)) throw evonas::ConfigError("until", fmt::format("must be >= 1, got {}", until));
                    r = evaluator.score_staged(g, [until](double step, double) {
                        return step >= until ? evonas::Decision::stop : evonas::Decision::keep_training;
                    });
                } else {
                    r = evaluator.score(g);
                }
                r["genome"] = evonas::to_text(g, space);
                r["hash"] = fmt::format("{:016x}", evonas::genome_hash(g, space));
                if (check.verdict == evonas::Check::Verdict::repaired) r["repaired"] = check.reason;
                return r;
            });
        } else if (*parse) {
            serve_lines([&](const json& request) {
                auto g = evonas::parse_genome(request.at("genome").get<std::string>(), space, "genome");
                json answer{{"status", "ok"}, {"canonical", evonas::to_text(g, space)}};
                const auto check = evaluator.check(g);
                answer["check"] = check.verdict == evonas::Check::Verdict::invalid    ? "invalid"
                                  : check.verdict == evonas::Check::Verdict::repaired ? "repaired"
                                                                                       : "ok";
                return answer;
            });
        } else if (*retrain) {
            serve_lines([&](const json& request) {
                auto g = evonas::parse_genome(request.at("genome").get<std::string>(), space, "genome");
                if (evaluator.check(g).verdict == evonas::Check::Verdict::invalid) {
                    return json{{"status", "invalid"}};
                }
                json runs = json::array();
                for (int k = 0; k < repeats; ++k) runs.push_back(evaluator.retrain(g, k));
                return json{{"status", "ok"}, {"genome", evonas::to_text(g, space)}, {"runs", runs}};
            });
        }
        return 0;
    } catch (const c10::Error& e) {
        std::cerr << "bench_search: error (LibTorch): " << e.what_without_backtrace() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "bench_search: error: " << e.what() << "\n";
        return 1;
    }
}
