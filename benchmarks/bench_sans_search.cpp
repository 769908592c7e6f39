// Search efficiency on the SANS example at an equal training budget, evonas's
// side: for each run seed, three searches in cnn_space(1), each training the
// same number of networks with the same trainer settings:
//
//   seeded    evonas evolution starting from the example's human-designed
//             seed network (the first job), then random genomes until the
//             island's initial phase is over, then steady-state breeding
//   unseeded  the same evolution with no seed network
//   random    random search: every network is a fresh random genome from
//             the same space and the same trainer check, with no selection
//             (one island whose population is far larger than the budget, so
//             the engine never leaves its initial random phase)
//
// For every trained network, in training order, it records the validation
// accuracy (the search's score), and for each new best-so-far network its
// accuracy on the test split (evaluated right after training, outside the
// training time limit). Networks the trainer's check rejects before training
// (over the FLOPs limit) are counted apart and do not use the budget.
//
// The data are the example's: examples/sans/sans_data.hpp's generator with
// the example's split seeds and preprocessing (log10, per-curve
// standardisation). With --data-dir the raw curves are written there as .npy
// (x_{train,val,test}.npy float32 [N, 256], y_*.npy int64) for the Python peer
// (benchmarks/peers/optuna_sans_search.py); with --read-data they are read
// back from there instead of generated. benchmarks/bench_sans_search.py runs
// this and the peer one search at a time on a shared pool and merges the
// results; scripts/bench.sh runs that as its part "sans".
//
//     build-bench/benchmarks/bench_sans_search [--networks 24] [--seeds 1,2,3] [--parallel 2] ...
//     build-bench/benchmarks/bench_sans_search --data-dir DIR --write-data-only
//     build-bench/benchmarks/bench_sans_search --data-dir DIR --read-data --methods random --seeds 2
//
// Prints one JSON object on stdout, progress lines on stderr. Nothing here
// asserts a time or a score.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/evonas.hpp>
#include <evonas/libtorch/libtorch.hpp>

#include "../examples/common/evolve_cli.hpp"
#include "../examples/sans/sans_data.hpp"

namespace {

namespace ex = evonas::examples;
namespace lt = evonas::libtorch;
namespace fs = std::filesystem;
using G = evonas::Genome<evonas::LayerGene>;
using json = nlohmann::json;

// The example's seed network.
using evonas::examples::sans::sans_seed_genome;

struct Settings {
    std::string data_dir;
    bool read_data = false;
    bool write_data_only = false;
    std::uint64_t data_seed = 2024;
    std::int64_t train_per_class = 600, val_per_class = 150, test_per_class = 250;
    std::vector<std::string> methods{"seeded", "unseeded", "random"};
    std::vector<std::uint64_t> seeds{1, 2, 3};
    std::uint64_t networks = 24;
    int epochs = 2;
    double time_per_network = 6.0;
    int threads = 1;
    std::size_t parallel = 2;
    std::size_t population = 6;
    std::size_t islands = 1;
    double max_mflops = 20.0;
    std::string seed_genome = sans_seed_genome;
    std::size_t parity_genomes = 0;
};

struct Splits {
    lt::Dataset train, validation, test;
};

std::mutex log_mutex;
template <class... Args>
void note(fmt::format_string<Args...> format, Args&&... args) {
    std::lock_guard lock(log_mutex);
    std::cerr << fmt::format(format, std::forward<Args>(args)...) << std::endl;
}

const char* split_name(int i) { return i == 0 ? "train" : (i == 1 ? "val" : "test"); }

// The example's three splits, generated (and written to the data dir) or read back.
Splits load_data(const Settings& s) {
    std::vector<ex::Dataset> raw(3);
    const std::int64_t per_class[3] = {s.train_per_class, s.val_per_class, s.test_per_class};
    for (int i = 0; i < 3; ++i) {
        if (s.read_data) {
            const fs::path dir = s.data_dir;
            const auto x = lt::tensor_from_npy(evonas::read_npy(dir / fmt::format("x_{}.npy", split_name(i))))
                               .to(torch::kFloat32)
                               .contiguous();
            const auto y = lt::tensor_from_npy(evonas::read_npy(dir / fmt::format("y_{}.npy", split_name(i))))
                               .to(torch::kInt64)
                               .contiguous();
            raw[static_cast<std::size_t>(i)].shape.assign(x.sizes().begin(), x.sizes().end());
            raw[static_cast<std::size_t>(i)].data.assign(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
            raw[static_cast<std::size_t>(i)].labels.assign(y.data_ptr<std::int64_t>(),
                                                           y.data_ptr<std::int64_t>() + y.numel());
            raw[static_cast<std::size_t>(i)].class_names = ex::sans::sans_class_names();
        } else {
            // As examples/sans/sans.cpp: train, validation, test from derive_seed(data_seed, 1 / 2 / 3).
            raw[static_cast<std::size_t>(i)] = ex::sans::generate_sans(
                per_class[i], evonas::derive_seed(s.data_seed, static_cast<std::uint64_t>(i + 1)));
        }
    }
    if (!s.read_data && !s.data_dir.empty()) {
        fs::create_directories(s.data_dir);
        for (int i = 0; i < 3; ++i) {
            const auto& d = raw[static_cast<std::size_t>(i)];
            const auto x = torch::from_blob(const_cast<float*>(d.data.data()), d.shape, torch::kFloat32);
            evonas::write_npy(fs::path(s.data_dir) / fmt::format("x_{}.npy", split_name(i)), lt::npy_from_tensor(x));
            evonas::write_npy(fs::path(s.data_dir) / fmt::format("y_{}.npy", split_name(i)),
                              lt::npy_from_tensor(torch::tensor(d.labels, torch::kInt64)));
        }
    }
    return {ex::to_torch(ex::sans::preprocess_sans(raw[0]), "train"),
            ex::to_torch(ex::sans::preprocess_sans(raw[1]), "validation"),
            ex::to_torch(ex::sans::preprocess_sans(raw[2]), "test")};
}

lt::TrainerOptions trainer_options(const Settings& s) {
    lt::TrainerOptions t;
    t.epochs = s.epochs;
    t.time_budget_seconds = s.time_per_network;
    t.intra_op_threads = s.threads;
    t.limits.max_flops = s.max_mflops * 1e6;
    return t;
}

// CnnTrainer, plus the test accuracy of every network that beats the best
// validation score so far (one worker per search, so "so far" is exact).
class RecordingTrainer {
public:
    RecordingTrainer(const evonas::SearchSpace& space, const Splits& data, const lt::TrainerOptions& options)
        : inner_(space, data.train, data.validation, options), test_(data.test) {}

    evonas::Check check(G& genome) const { return inner_.check(genome); }

    evonas::Fitness evaluate(const G& genome, const evonas::JobContext& ctx) {
        auto fitness = inner_.evaluate(genome, ctx);
        if (fitness.ok() && fitness.score > best_ && inner_.last_model()) {
            best_ = fitness.score;
            const auto e = lt::evaluate_network(inner_.last_model()->net, test_);
            fitness.with("test_accuracy", e.accuracy).with("test_balanced_accuracy", e.balanced_accuracy);
        }
        return fitness;
    }

private:
    lt::CnnTrainer inner_;
    lt::Dataset test_;
    double best_ = -std::numeric_limits<double>::infinity();
};

// Collects every finished job of one search, in order.
class Recorder : public evonas::Observer<G> {
public:
    Recorder(const evonas::SearchSpace& space, std::string label, std::uint64_t total)
        : space_(space), label_(std::move(label)), total_(total) {}

    void on_finished(const evonas::JobRecord<G>& r, const evonas::Progress&) override {
        if (!r.trained) {
            ++rejected_;
            return;
        }
        const auto& f = r.fitness;
        json n{{"n", networks_.size() + 1},
               {"job", r.job.id},
               {"op", r.job.op},
               {"status", std::string(evonas::to_string(f.status))},
               {"val_accuracy", f.ok() ? json(f.score) : json(nullptr)},
               {"train_seconds", f.metric("train_seconds").value_or(0.0)},
               {"epochs", f.metric("epochs").value_or(0.0)},
               {"params", f.metric("params").value_or(0.0)},
               {"mflops", f.metric("flops").value_or(0.0) / 1e6},
               {"genome", evonas::to_text(r.job.genome, space_)}};
        if (!f.ok()) n["reason"] = f.reason;
        if (f.ok() && f.score > best_val_) {
            best_val_ = f.score;
            best_test_ = f.metric("test_accuracy").value_or(std::nan(""));
            best_genome_ = n["genome"];
            n["test_accuracy"] = best_test_;
        }
        n["best_val"] = std::isfinite(best_val_) ? json(best_val_) : json(nullptr);
        n["best_test"] = std::isfinite(best_test_) ? json(best_test_) : json(nullptr);
        note("[{}] {}/{} {:<9} val {} best {:.4f} ({:.1f} s, {:.2f} MFLOPs)", label_, networks_.size() + 1, total_,
             r.job.op.substr(0, r.job.op.find(':')), f.ok() ? fmt::format("{:.4f}", f.score) : std::string(evonas::to_string(f.status)),
             std::isfinite(best_val_) ? best_val_ : 0.0, f.metric("train_seconds").value_or(0.0),
             f.metric("flops").value_or(0.0) / 1e6);
        if (f.status == evonas::FitnessStatus::failed) ++failed_;
        networks_.push_back(std::move(n));
    }

    json to_json() const {
        return {{"networks", networks_},
                {"rejected_before_training", rejected_},
                {"failed", failed_},
                {"best_val", std::isfinite(best_val_) ? json(best_val_) : json(nullptr)},
                {"best_test", std::isfinite(best_test_) ? json(best_test_) : json(nullptr)},
                {"best_genome", best_genome_}};
    }

private:
    const evonas::SearchSpace& space_;
    std::string label_;
    std::uint64_t total_;
    json networks_ = json::array();
    std::uint64_t rejected_ = 0, failed_ = 0;
    double best_val_ = -std::numeric_limits<double>::infinity();
    double best_test_ = std::nan("");
    std::string best_genome_;
};

std::string method_key(const std::string& m) {
    if (m == "seeded") return "evonas_evolution_seeded";
    if (m == "unseeded") return "evonas_evolution";
    return "evonas_random";
}

json run_search(const Settings& s, const evonas::SearchSpace& space, const Splits& data, const std::string& method,
                std::uint64_t seed) {
    evonas::RunOptions run;
    run.workers = 1;  // one network at a time per search: every proposal sees every result before it
    run.progress = false;
    run.checkpoint_interval = 0;
    auto& evo = run.evolution;
    evo.seed = seed;
    evo.stop.max_evaluations = s.networks;
    std::vector<G> seeds;
    if (method == "random") {
        // Never leave the initial phase: every proposal is random_genome()
        // (rejected draws count against the phase too, hence the margin).
        evo.islands = 1;
        evo.population = static_cast<std::size_t>(std::max<std::uint64_t>(1000, 100 * s.networks));
    } else {
        evo.islands = s.islands;
        evo.population = s.population;
        if (method == "seeded") seeds.push_back(evonas::parse_genome(s.seed_genome, space));
    }
    const auto label = fmt::format("{} seed {}", method, seed);
    auto recorder = std::make_shared<Recorder>(space, label, s.networks);
    const auto options = trainer_options(s);
    const auto t0 = std::chrono::steady_clock::now();
    const auto result = evonas::evolve(
        space, [&](std::size_t) { return RecordingTrainer(space, data, options); }, run, seeds, {}, {recorder});
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    json out = recorder->to_json();
    out["method"] = method_key(method);
    out["seed"] = seed;
    out["implementation"] = "evonas (C++, LibTorch)";
    out["wall_seconds"] = wall;
    out["stop_reason"] = result.stop_reason;
    return out;
}

// Random genomes before and after the trainer's repair, with their
// parameters and FLOPs: what the Python peer's --check-parity compares with
// its own shape walk, repair and builder.
json parity_genomes(const Settings& s, const evonas::SearchSpace& space, const evonas::CnnDataShape& shape) {
    json out = json::array();
    evonas::Rng rng(evonas::derive_seed(s.seeds.empty() ? 1 : s.seeds.front(), 77));
    for (std::size_t i = 0; i < s.parity_genomes; ++i) {
        auto g = evonas::random_genome(space, rng);
        const auto before = evonas::to_text(g, space);
        const auto r = evonas::repair_cnn_genome(g, space, shape);
        json j{{"before", before}, {"valid", r.valid}};
        if (r.valid) {
            j["after"] = evonas::to_text(g, space);
            j["params"] = r.report.params;
            j["flops"] = r.report.flops;
        } else {
            j["problem"] = r.problem;
        }
        out.push_back(std::move(j));
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Search efficiency on the SANS example at an equal training budget: evonas evolution (seeded with\n"
                 "the example's network, and unseeded) and random search in the same space, several run seeds.\n"
                 "Prints JSON; benchmarks/bench_sans_search.py adds Optuna TPE and summarises."};
    Settings s;
    const auto* d = "Data";
    app.add_option("--data-dir", s.data_dir, "write the raw curves there as x_/y_{train,val,test}.npy (or read them)")
        ->group(d);
    app.add_flag("--read-data", s.read_data, "read the curves from --data-dir instead of generating them")->group(d);
    app.add_flag("--write-data-only", s.write_data_only, "write the curves to --data-dir and exit")->group(d);
    app.add_option("--data-seed", s.data_seed, "seed of the generated curves (the example's default)")
        ->capture_default_str()->group(d);
    app.add_option("--train-per-class", s.train_per_class, "training curves per class")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--val-per-class", s.val_per_class, "validation curves per class (the search's score)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--test-per-class", s.test_per_class, "test curves per class (reported, never used by a search)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    const auto* g = "Search";
    app.add_option("--methods", s.methods, "searches to run per seed: seeded, unseeded, random")
        ->delimiter(',')->check(CLI::IsMember({"seeded", "unseeded", "random"}))->capture_default_str()->group(g);
    app.add_option("--seeds", s.seeds, "run seeds")->delimiter(',')->capture_default_str()->group(g);
    app.add_option("--networks", s.networks, "networks each search trains")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(g);
    app.add_option("--population", s.population, "evolution: members per island (also its initial random phase)")
        ->check(CLI::Range(3, 1000000))->capture_default_str()->group(g);
    app.add_option("--islands", s.islands, "evolution: islands")->check(CLI::PositiveNumber)->capture_default_str()->group(g);
    app.add_option("--seed-genome", s.seed_genome, "the seeded evolution's first network (the example's)")
        ->capture_default_str()->group(g);
    app.add_option("--parallel", s.parallel, "searches run at once (each trains one network at a time)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(g);
    const auto* t = "Training (the same for every method)";
    app.add_option("--epochs", s.epochs, "epochs per network")->check(CLI::PositiveNumber)->capture_default_str()->group(t);
    app.add_option("--time-per-network", s.time_per_network, "training stops after this many seconds (scored as is)")
        ->check(CLI::NonNegativeNumber)->capture_default_str()->group(t);
    app.add_option("--threads", s.threads, "LibTorch intra-op threads per network")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(t);
    app.add_option("--max-mflops", s.max_mflops, "networks above this many forward MFLOPs per sample are rejected "
                                                 "before training (not counted)")
        ->check(CLI::NonNegativeNumber)->capture_default_str()->group(t);
    app.add_option("--parity-genomes", s.parity_genomes, "print N random genomes before/after repair (for the peer's "
                                                         "--check-parity) and exit")
        ->group("Checks");
    CLI11_PARSE(app, argc, argv);

    try {
        const auto space = evonas::cnn_space(1);
        if (s.parity_genomes > 0) {
            const evonas::CnnDataShape shape{1, {ex::sans::sans_points}, ex::sans::sans_classes};
            std::cout << json{{"shape", {1, ex::sans::sans_points}}, {"classes", ex::sans::sans_classes},
                              {"genomes", parity_genomes(s, space, shape)}}
                             .dump()
                      << std::endl;
            return 0;
        }
        if ((s.read_data || s.write_data_only) && s.data_dir.empty()) {
            throw evonas::ConfigError("--data-dir", "--read-data and --write-data-only need a --data-dir");
        }
        const auto t0 = std::chrono::steady_clock::now();
        const auto data = load_data(s);
        const double data_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        note("{} SANS curves: {} train, {} validation, {} test ({:.1f} s)", s.read_data ? "read" : "generated",
             data.train.size(), data.validation.size(), data.test.size(), data_seconds);
        json settings{{"networks", s.networks},
                      {"seeds", s.seeds},
                      {"methods", s.methods},
                      {"epochs", s.epochs},
                      {"time_per_network", s.time_per_network},
                      {"threads", s.threads},
                      {"parallel", s.parallel},
                      {"population", s.population},
                      {"islands", s.islands},
                      {"tournament_size", evonas::EvolutionOptions{}.tournament_size},
                      {"max_mflops", s.max_mflops},
                      {"seed_genome", evonas::to_text(evonas::parse_genome(s.seed_genome, space), space)},
                      {"data_seed", s.data_seed},
                      {"train", data.train.size()},
                      {"validation", data.validation.size()},
                      {"test", data.test.size()}};
        json out{{"benchmark", "sans_search_evonas"},
                 {"torch", lt::runtime_info().torch_version},
                 {"settings", settings},
                 {"searches", json::array()}};
        if (s.write_data_only) {
            std::cout << out.dump(2) << std::endl;
            return 0;
        }

        struct Task {
            std::string method;
            std::uint64_t seed;
        };
        std::vector<Task> tasks;
        for (auto seed : s.seeds) {
            for (const auto& m : s.methods) tasks.push_back({m, seed});
        }
        std::vector<json> results(tasks.size());
        std::atomic<std::size_t> next{0};
        std::mutex error_mutex;
        std::exception_ptr error;
        {
            std::vector<std::jthread> lanes;
            for (std::size_t l = 0; l < std::min(s.parallel, tasks.size()); ++l) {
                lanes.emplace_back([&] {
                    for (std::size_t i; (i = next++) < tasks.size();) {
                        try {
                            results[i] = run_search(s, space, data, tasks[i].method, tasks[i].seed);
                        } catch (...) {
                            std::lock_guard lock(error_mutex);
                            if (!error) error = std::current_exception();
                            next = tasks.size();
                        }
                    }
                });
            }
        }
        if (error) std::rethrow_exception(error);
        for (auto& r : results) out["searches"].push_back(std::move(r));
        out["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::cout << out.dump(2) << std::endl;
        return 0;
    } catch (const c10::Error& e) {
        std::cerr << "error (LibTorch): " << e.what_without_backtrace() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
