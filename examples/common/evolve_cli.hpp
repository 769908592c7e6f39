// evonas examples: what the LibTorch example programs (sans, minerva, em,
// npy) share: the command-line options common to all, turning a generator's
// Dataset into tensors, a plain progress printer, and the end of every
// program: evolve from a seed network, then compare seed and evolved best
// on a held-out test split in one table, and write the best network for
// C++ (best_model.pt) and Python (best_model.ts.pt); --export DIR turns a
// saved model into files for Python users.
//
// Needs evonas::libtorch and CLI11.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <evonas/evonas.hpp>
#include <evonas/libtorch/libtorch.hpp>

#include "dataset.hpp"

namespace evonas::examples {

/// The options every example program has (defaults chosen per program).
struct CommonOptions {
    std::uint64_t evaluations = 40;   ///< networks to train in total
    std::size_t workers = 2;          ///< worker threads, one trainer each
    std::size_t islands = 2;          ///< island populations
    std::size_t population = 8;       ///< members per island
    std::uint64_t seed = 1;           ///< run seed
    std::string run_dir;              ///< lineage, checkpoint, best genome, models
    bool resume = false;
    bool overwrite = false;
    int epochs = 3;                   ///< epochs per network (0: the genome's "epochs" gene)
    double time_per_network = 8.0;    ///< seconds of training per network (0: no limit)
    double max_minutes = 0.0;         ///< wall-clock budget of the search (0: none)
    int threads_per_worker = 1;       ///< LibTorch intra-op threads per worker
    std::string device = "cpu";
    bool quiet = false;
    std::string export_dir;           ///< --export: write a saved model for Python here, then exit
    std::string export_model;         ///< --model: the model file to export (default: run_dir/best_model.pt)
};

/// Adds the common options, with help text, to `app`.
inline void add_common_options(CLI::App& app, CommonOptions& o) {
    const auto* g = "Search";
    app.add_option("--evaluations", o.evaluations, "networks to train in total (the seed network is the first)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(g);
    app.add_option("--workers", o.workers, "networks trained at once, one thread each")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(g);
    app.add_option("--islands", o.islands, "island populations evolving apart, exchanging their best in a ring")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(g);
    app.add_option("--population", o.population, "networks kept per island")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(g);
    app.add_option("--seed", o.seed, "run seed: every job's seed derives from it")->capture_default_str()->group(g);
    app.add_option("--max-minutes", o.max_minutes, "stop the search after this many minutes (0: no limit)")
        ->check(CLI::NonNegativeNumber)->capture_default_str()->group(g);
    const auto* t = "Training";
    app.add_option("--epochs", o.epochs, "epochs each network trains (0: the genome's own 'epochs' gene)")
        ->check(CLI::NonNegativeNumber)->capture_default_str()->group(t);
    app.add_option("--time-per-network", o.time_per_network,
                   "seconds of training per network; training stops there and the network is scored as is (0: no limit)")
        ->check(CLI::NonNegativeNumber)->capture_default_str()->group(t);
    app.add_option("--threads-per-worker", o.threads_per_worker, "LibTorch threads per worker (workers x threads <= cores)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(t);
    app.add_option("--device", o.device, "cpu, cuda, cuda:N or auto (worker i uses GPU i mod count)")
        ->capture_default_str()->group(t);
    const auto* f = "Files and output";
    app.add_option("--run-dir", o.run_dir, "where lineage.jsonl, checkpoint.json, best.txt, models/ and best_model.pt go")
        ->capture_default_str()->group(f);
    app.add_flag("--resume", o.resume, "continue the run in --run-dir (finished networks are not retrained)")->group(f);
    app.add_flag("--overwrite", o.overwrite, "delete a previous run in --run-dir and start afresh")->group(f);
    app.add_flag("-q,--quiet", o.quiet, "print only the final table")->group(f);
    const auto* e = "Export for Python (no search)";
    app.add_option("--export", o.export_dir,
                   "write the model of --model as DIR/model.ts.pt (TorchScript: torch.jit.load), DIR/model.py and "
                   "DIR/model_weights.pt (PyTorch source and weights), then exit")
        ->group(e);
    app.add_option("--model", o.export_model, "the model file --export reads (default: RUN_DIR/best_model.pt)")->group(e);
}

/// A generator's data set as LibTorch tensors (copied).
inline libtorch::Dataset to_torch(const Dataset& d, const std::string& field = "dataset") {
    d.check();
    auto x = torch::from_blob(const_cast<float*>(d.data.data()), d.shape, torch::kFloat32).clone();
    auto y = torch::tensor(d.labels, torch::kInt64);
    return libtorch::make_dataset(x, y, d.classes(), field);
}

/// "1,234,567"
inline std::string thousands(double v) {
    const auto digits = fmt::format("{:.0f}", std::abs(v));
    std::string out = v < 0 ? "-" : "";
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
}

/// Prints a progress line every `every` finished jobs and each new best,
/// as plain lines (so piped output shows progress too).
class ProgressPrinter : public Observer<Genome<LayerGene>> {
public:
    ProgressPrinter(std::size_t workers, std::uint64_t every) : workers_(workers), every_(std::max<std::uint64_t>(every, 1)) {}
    void on_finished(const JobRecord<Genome<LayerGene>>& r, const Progress& p) override {
        if (!r.fitness.ok() && r.trained) {
            fmt::print("  job {} {}: {}\n", r.job.id, to_string(r.fitness.status), r.fitness.reason);
        }
        if (p.counts.finished % every_ == 0) fmt::print("{}\n", progress_line(p, workers_));
        std::fflush(stdout);
    }
    void on_improved(const JobRecord<Genome<LayerGene>>& r, const Progress&) override {
        fmt::print("  new best {:.4f}: job {} ({}, island {}, {:.1f} s of training)\n", r.fitness.score, r.job.id,
                   r.job.op, r.job.island, r.fitness.metric("train_seconds").value_or(0.0));
        std::fflush(stdout);
    }

private:
    std::size_t workers_;
    std::uint64_t every_;
};

/// Train / validation / test data of an example. Evolution trains on
/// `train` and scores on `validation`; `test` is used only for the table.
struct SplitData {
    libtorch::Dataset train, validation, test;
};

/// One row of the seed-vs-evolved table.
struct NetworkReport {
    std::string name;
    libtorch::CnnModel model;
    libtorch::Evaluation test;
    double val_score = 0.0;
    double params = 0.0;
    double flops = 0.0;
    double train_seconds = 0.0;
    std::uint64_t job = 0;
    std::int64_t test_samples = 0;
};

/// What evolve_and_compare returns.
struct Comparison {
    NetworkReport seed, best;
    EvolutionResult<Genome<LayerGene>> result;
    std::filesystem::path best_model;  ///< run_dir / "best_model.pt"
    std::filesystem::path best_torchscript;  ///< run_dir / "best_model.ts.pt"
};

namespace detail {

/// The lineage record of job `id` (the first line with that id), if any.
inline std::optional<nlohmann::json> lineage_record(const std::filesystem::path& lineage, std::uint64_t id) {
    std::ifstream in(lineage);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || j.value("type", "") != "job") continue;
        if (j.value("id", std::uint64_t{0}) == id) return j;
    }
    return std::nullopt;
}

}  // namespace detail

/// The TrainerOptions the common options give (model_dir left empty).
inline libtorch::TrainerOptions trainer_options(const CommonOptions& o, libtorch::TrainerOptions base = {}) {
    base.epochs = o.epochs;
    base.time_budget_seconds = o.time_per_network;
    base.intra_op_threads = o.threads_per_worker;
    base.device = o.device;
    return base;
}

/// Evolves networks for `space` from `seed` on data.train/validation, then
/// scores the seed network (job 0) and the evolved best on data.test.
/// Every network the search trains is saved in run_dir/models; the best is
/// copied to run_dir/best_model.pt. A job whose model file is missing (it
/// failed or timed out) is retrained with the same options.
inline Comparison evolve_and_compare(const SearchSpace& space, const Genome<LayerGene>& seed, const SplitData& data,
                                     const CommonOptions& o, libtorch::TrainerOptions base = {}) {
    namespace fs = std::filesystem;
    const fs::path run_dir = o.run_dir;
    if (o.overwrite && !o.resume && fs::exists(run_dir)) fs::remove_all(run_dir);
    auto topts = trainer_options(o, base);
    topts.model_dir = run_dir / "models";
    fs::create_directories(topts.model_dir);

    RunOptions run;
    run.evolution.islands = o.islands;
    run.evolution.population = o.population;
    run.evolution.seed = o.seed;
    run.evolution.stop.max_evaluations = o.evaluations;
    run.evolution.stop.max_seconds = o.max_minutes * 60.0;
    run.workers = o.workers;
    run.run_dir = run_dir;
    run.resume = o.resume;
    run.progress = false;
    ObserverList<Genome<LayerGene>> observers;
    if (!o.quiet) observers.push_back(std::make_shared<ProgressPrinter>(o.workers, std::max<std::uint64_t>(o.evaluations / 10, 1)));

    if (!o.quiet) {
        fmt::print("evolving {} networks ({} workers, {} islands of {}, {} epochs / at most {} s each); seed network:\n  {}\n",
                   o.evaluations, o.workers, o.islands, o.population, o.epochs, o.time_per_network,
                   to_text(seed, space));
        std::fflush(stdout);
    }
    Comparison c;
    c.result = evolve(
        space, [&](std::size_t worker) { return libtorch::CnnTrainer(space, data.train, data.validation, topts, worker); },
        run, {seed}, {}, observers);
    if (!c.result.best) throw Error("no network trained successfully; see lineage.jsonl in " + run_dir.string());

    // Test-split scores of one job's network: reload it, or retrain it.
    auto test_torch = data.test;
    const auto report = [&](const std::string& name, std::uint64_t id, const Genome<LayerGene>& genome,
                            const Fitness* known) {
        NetworkReport r;
        r.name = name;
        r.job = id;
        const auto file = topts.model_dir / fmt::format("job-{}.pt", id);
        Fitness fitness;
        if (known) fitness = *known;
        if (fs::exists(file)) {
            r.model = libtorch::load_model(file, space);
        } else {
            auto t = topts;
            t.model_dir.clear();
            libtorch::CnnTrainer trainer(space, data.train, data.validation, t);
            Genome<LayerGene> g = genome;
            (void)trainer.check(g);
            fitness = trainer.evaluate(g, JobContext{.job_id = id, .seed = derive_seed(o.seed, id)});
            if (!trainer.last_model()) throw Error(fmt::format("could not retrain job {}: {}", id, fitness.reason));
            r.model = *trainer.last_model();
        }
        r.val_score = fitness.score;
        r.params = fitness.metric("params").value_or(static_cast<double>(libtorch::parameter_count(*r.model.net)));
        r.flops = fitness.metric("flops").value_or(0.0);
        r.train_seconds = fitness.metric("train_seconds").value_or(0.0);
        r.test = libtorch::evaluate_network(r.model.net, test_torch);
        r.test_samples = test_torch.size();
        return r;
    };
    Fitness seed_fitness;
    const Fitness* seed_known = nullptr;
    if (const auto j = detail::lineage_record(run_dir / "lineage.jsonl", 0)) {
        seed_fitness = fitness_from_json(j->at("fitness"), "lineage.jsonl");
        seed_known = &seed_fitness;
    }
    c.seed = report("seed", 0, seed, seed_known);
    c.best = report("evolved", c.result.best->id, c.result.best->genome, &c.result.best->fitness);
    c.best_model = run_dir / "best_model.pt";
    libtorch::save_model(c.best_model, c.best.model, space);
    c.best_torchscript = run_dir / "best_model.ts.pt";
    libtorch::export_torchscript(c.best.model, space, c.best_torchscript);
    return c;
}

/// Prints the seed-vs-evolved table and what the run wrote.
inline void print_comparison(const Comparison& c, const SearchSpace& space, const CommonOptions& o) {
    fmt::print("\nheld-out test split ({} samples), seed network vs evolved best:\n", c.seed.test_samples);
    fmt::print("{:<9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>8}\n", "network", "test acc", "bal acc", "val score",
               "params", "MFLOPs", "train s");
    for (const auto* r : {&c.seed, &c.best}) {
        fmt::print("{:<9} {:>9.4f} {:>9.4f} {:>9.4f} {:>10} {:>10.3f} {:>8.1f}\n", r->name, r->test.accuracy,
                   r->test.balanced_accuracy, r->val_score, thousands(r->params), r->flops / 1e6, r->train_seconds);
    }
    const double e0 = 1.0 - c.seed.test.accuracy, e1 = 1.0 - c.best.test.accuracy;
    if (e0 > 0) {
        fmt::print("test error {:.4f} -> {:.4f}: {:.0f}% {} than the seed network\n", e0, e1, std::abs(100.0 * (e0 - e1) / e0),
                   e1 <= e0 ? "less" : "more");
    }
    fmt::print("seed    (job {}): {}\n", c.seed.job, to_text(c.seed.model.genome, space));
    fmt::print("evolved (job {}): {}\n", c.best.job, to_text(c.best.model.genome, space));
    const auto& n = c.result.counts;
    fmt::print("{} networks trained ({} ok, {} failed, {} timed out, {} invalid, {} duplicates avoided) in {:.0f} s; "
               "stopped by {}\n",
               n.finished, n.ok, n.failed, n.timed_out, n.invalid, n.duplicates, c.result.elapsed_seconds,
               c.result.stop_reason);
    fmt::print("run directory: {} (lineage.jsonl, checkpoint.json, best.txt, models/, best_model.pt, best_model.ts.pt)\n",
               o.run_dir);
    fmt::print("in Python: torch.jit.load(\"{}\")\n", c.best_torchscript.string());
}

/// Accuracy, balanced accuracy, per-class recall and the confusion matrix
/// (rows: true class, columns: predicted class, counts) of a saved model on
/// `data`; printed.
inline libtorch::Evaluation print_model_evaluation(const std::filesystem::path& model_file, const SearchSpace& space,
                                                   const libtorch::Dataset& data,
                                                   const std::vector<std::string>& class_names = {}) {
    const auto model = libtorch::load_model(model_file, space);
    const auto e = libtorch::evaluate_network(model.net, data);
    const auto predicted = libtorch::predict(model.net, data.inputs).to(torch::kCPU).to(torch::kInt64).contiguous();
    const auto labels = data.labels.to(torch::kCPU).to(torch::kInt64).contiguous();
    fmt::print("model {} on {} samples: accuracy {:.4f}, balanced accuracy {:.4f}, loss {:.4f}\n", model_file.string(),
               data.size(), e.accuracy, e.balanced_accuracy, e.loss);
    const auto k = static_cast<std::size_t>(data.classes);
    std::vector<std::string> names(k);
    for (std::size_t c = 0; c < k; ++c) names[c] = c < class_names.size() ? class_names[c] : fmt::format("class {}", c);
    std::vector<std::vector<std::int64_t>> confusion(k, std::vector<std::int64_t>(k, 0));
    const auto* truth = labels.data_ptr<std::int64_t>();
    const auto* guess = predicted.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < labels.numel(); ++i) {
        const auto t = static_cast<std::size_t>(truth[i]), g = static_cast<std::size_t>(guess[i]);
        if (t < k && g < k) ++confusion[t][g];
    }
    for (std::size_t c = 0; c < k; ++c) {
        std::int64_t total = 0;
        for (auto n : confusion[c]) total += n;
        fmt::print("  {:<20} {:>6} samples, recall {:.4f}\n", names[c], total,
                   total ? double(confusion[c][c]) / double(total) : 0.0);
    }
    // Column headers are the class indices, so wide names do not stretch the table.
    fmt::print("confusion matrix (rows: true class, columns: predicted class {}):\n",
               k > 0 ? fmt::format("0..{}", k - 1) : std::string("-"));
    fmt::print("  {:<22}", "");
    for (std::size_t c = 0; c < k; ++c) fmt::print(" {:>6}", c);
    fmt::print("\n");
    for (std::size_t t = 0; t < k; ++t) {
        fmt::print("  {:<22}", fmt::format("{} {}", t, names[t]));
        for (std::size_t g = 0; g < k; ++g) fmt::print(" {:>6}", confusion[t][g]);
        fmt::print("\n");
    }
    return e;
}

namespace detail {

/// The CNN space a model file was saved for, from its "space" entry
/// ("cnn1d" -> cnn_space(1), ...), for programs whose space follows the data.
inline SearchSpace model_file_space(const std::filesystem::path& file) {
    const auto bytes = read_text_file(file, "model file");
    torch::IValue value;
    try {
        value = torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
    } catch (const c10::Error& e) {
        throw ParseError(file.string(), 1, 1, fmt::format("not a model file: {}", e.what_without_backtrace()));
    } catch (const std::exception& e) {
        throw ParseError(file.string(), 1, 1, fmt::format("not a model file: {}", e.what()));
    }
    if (value.isGenericDict()) {
        const auto dict = value.toGenericDict();
        if (const auto it = dict.find(std::string("space")); it != dict.end() && it->value().isString()) {
            for (int dims = 1; dims <= 3; ++dims) {
                if (it->value().toStringRef() == fmt::format("cnn{}d", dims)) return cnn_space(dims);
            }
        }
    }
    throw ParseError(file.string(), 1, 1, "not a model file of the cnn1d, cnn2d or cnn3d space");
}

}  // namespace detail

/// --export: writes the model file of --model (default run_dir/best_model.pt)
/// for Python users into --export's directory, prints what it wrote and
/// returns true; false when --export was not given. `space` is the program's
/// search space, or null to take it from the model file.
inline bool export_if_asked(const CommonOptions& o, const SearchSpace* space) {
    if (o.export_dir.empty()) return false;
    const std::filesystem::path model = o.export_model.empty() ? std::filesystem::path(o.run_dir) / "best_model.pt"
                                                              : std::filesystem::path(o.export_model);
    const auto files = space ? libtorch::export_model_file(model, *space, o.export_dir)
                             : libtorch::export_model_file(model, detail::model_file_space(model), o.export_dir);
    fmt::print("exported {} for Python:\n"
               "  {}  TorchScript: torch.jit.load(\"{}\"), no evonas needed\n"
               "  {}  PyTorch source: import model; net = model.load()  (trainable, editable)\n"
               "  {}  its weights, {{name: tensor}}\n"
               "ONNX: /usr/bin/python3 scripts/export_onnx.py {}\n",
               model.string(), files.torchscript.string(), files.torchscript.string(), files.python.string(),
               files.weights.string(), files.torchscript.string());
    return true;
}

/// Runs `body` and turns evonas errors into a message and exit status 1.
template <class F>
int run_main(F&& body) {
    try {
        return body();
    } catch (const Error& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        if (std::string(e.what()).find("already holds a run") != std::string::npos) {
            fmt::print(stderr, "hint: pass --resume to continue it, --overwrite to replace it, or another --run-dir\n");
        }
        return 1;
    } catch (const c10::Error& e) {
        fmt::print(stderr, "error (LibTorch): {}\n", e.what_without_backtrace());
        return 1;
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
}

}  // namespace evonas::examples
