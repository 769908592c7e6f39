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
#include "objectives_cli.hpp"

namespace evonas::examples {

/// The options every example program has (defaults chosen per program).
struct CommonOptions {
    std::uint64_t evaluations = 40;   ///< networks to train in total
    std::size_t workers = 2;          ///< worker threads, one trainer each
    std::size_t islands = 1;          ///< island populations
    std::size_t population = 0;       ///< members per island (0: from the budget)
    std::string search = "evolution"; ///< evolution or random (random search, same trainer and budget)
    std::string preset;               ///< "" (the library's), regularized or classic
    std::string early_stopping = "none";  ///< none, asha or median (networks report after each epoch)
    double eta = 3.0;                 ///< asha: keep the top 1/eta at each rung
    double min_epoch = 1.0;           ///< asha: the first rung's epoch; median: no stop before it
    std::size_t min_comparisons = 0;  ///< values at a rung or epoch before anything stops (0: asha 3, median 5)
    std::int64_t report_every = 0;    ///< batches between reports (0: after each epoch)
    std::string seed_genome;          ///< the network the search starts from, or "none"
    std::string reference_genome;     ///< the program's human network (compared with when not seeded)
    std::uint64_t seed = 1;           ///< run seed
    std::string run_dir;              ///< lineage, checkpoint, best genome, models
    bool resume = false;
    bool overwrite = false;
    int epochs = 3;                   ///< epochs per network, the same for all (0: the genome's "epochs" gene)
    double timeout_per_network = 120.0;  ///< safety net: a network still training then is timed out, not scored
    double max_minutes = 0.0;         ///< wall-clock budget of the search (0: none)
    double max_epochs = 0.0;          ///< budget in epochs trained by all networks (0: none)
    int threads_per_worker = 1;       ///< LibTorch intra-op threads per worker
    std::string device = "cpu";
    std::size_t final_top = 3;        ///< networks retrained at the end to confirm the best (0: none)
    std::size_t final_seeds = 2;      ///< fresh trainings of each
    bool quiet = false;
    std::string export_dir;           ///< --export: write a saved model for Python here, then exit
    std::string export_model;         ///< --model: the model file to export (default: run_dir/best_model.pt)
    ObjectiveOptions objectives;      ///< --objectives, --max-params, --max-latency-ms
    std::size_t surrogate = 0;        ///< --surrogate K: candidates per bred child (0: off)
};

/// Adds the common options, with help text, to `app`. Set o.seed_genome
/// (and o.reference_genome) to the program's human network first.
inline void add_common_options(CLI::App& app, CommonOptions& o) {
    if (o.reference_genome.empty()) o.reference_genome = o.seed_genome;
    const auto* g = "Search";
    app.add_option("--evaluations", o.evaluations, "networks to train in total (the seed network is the first)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(g);
    app.add_option("--workers", o.workers, "networks trained at once, one thread each")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(g);
    app.add_option("--islands", o.islands, "island populations evolving apart, exchanging their best in a ring")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(g);
    app.add_option("--population", o.population, "networks kept per island (0: from the budget, evaluations / 5 "
                                                 "per island, 10 to 100)")
        ->capture_default_str()->group(g);
    app.add_option("--search", o.search, "evolution, or random: random search with the same trainer and budget "
                                         "(to compare on your data)")
        ->check(CLI::IsMember({"evolution", "random"}))->capture_default_str()->group(g);
    app.add_option("--preset", o.preset, "the evolution's defaults: regularized (aging evolution, the default) or "
                                         "classic (evonas 0.1's); a resumed run keeps its own")
        ->check(CLI::IsMember({"regularized", "classic"}))->group(g);
    app.add_option("--surrogate", o.surrogate,
                   "breed K candidates for every child and train the one a predictor of the score (extra trees "
                   "on the networks trained so far) ranks best (0: off); see docs/search-surrogate.md")
        ->capture_default_str()->group(g);
    app.add_option("--early-stopping", o.early_stopping,
                   "stop poor networks before their last epoch: asha (successive halving), median, or none; "
                   "networks are scored on the validation data after each rung's epoch (asha) or every epoch (median)")
        ->check(CLI::IsMember({"none", "asha", "median"}))->capture_default_str()->group(g);
    app.add_option("--eta", o.eta, "asha: keep the top 1/eta of the networks at each rung (epochs min-epoch * eta^k)")
        ->check(CLI::Range(2.0, 100.0))->capture_default_str()->group(g);
    app.add_option("--min-epoch", o.min_epoch, "asha: the first rung's epoch; median: nothing stops before it")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(g);
    app.add_option("--min-comparisons", o.min_comparisons,
                   "networks scored at a rung (asha) or epoch (median) before any is stopped (0: asha 3, median 5)")
        ->capture_default_str()->group(g);
    app.add_option("--report-every", o.report_every,
                   "with early stopping, score and report every this many batches (steps are then fractional "
                   "epochs, e.g. --min-epoch 0.25); 0: after each epoch")
        ->check(CLI::NonNegativeNumber)->capture_default_str()->group(g);
    app.add_option("--seed-genome", o.seed_genome, "the network the search starts from (genome text), or 'none' to "
                                                   "start from random networks only")
        ->capture_default_str()->group(g);
    app.add_option("--seed", o.seed, "run seed: every job's seed derives from it")->capture_default_str()->group(g);
    app.add_option("--max-minutes", o.max_minutes, "stop the search after this many minutes (0: no limit)")
        ->check(CLI::NonNegativeNumber)->capture_default_str()->group(g);
    app.add_option("--max-epochs", o.max_epochs,
                   "stop the search once its networks trained this many epochs in all (0: no limit); a network "
                   "stopped early counts the epochs it trained, so early stopping tries more networks")
        ->check(CLI::NonNegativeNumber)->capture_default_str()->group(g);
    app.add_option("--final-top", o.final_top, "at the end, retrain the best K networks with fresh seeds and take "
                                               "the best mean (0: take the search's best as it is)")
        ->capture_default_str()->group(g);
    app.add_option("--final-seeds", o.final_seeds, "fresh trainings of each of those networks")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(g);
    const auto* t = "Training";
    app.add_option("--epochs", o.epochs, "epochs every network trains (0: the genome's own 'epochs' gene)")
        ->check(CLI::NonNegativeNumber)->capture_default_str()->group(t);
    app.add_option("--timeout-per-network", o.timeout_per_network,
                   "safety net: a network still training after this many seconds is stopped and recorded timed out, "
                   "never scored (0: none)")
        ->check(CLI::NonNegativeNumber)->capture_default_str()->group(t);
    // evonas 0.1 scored a network as it stood at a wall-clock limit; scores
    // then depended on the machine's load. Say so rather than "unknown option".
    app.add_option_function<double>(
           "--time-per-network",
           [](double) {
               throw CLI::ValidationError("--time-per-network",
                                          "was removed: every network now trains --epochs epochs, whatever the "
                                          "machine's speed; --timeout-per-network is the safety net (a network "
                                          "still training then is timed out, not scored)");
           },
           "removed (see --epochs and --timeout-per-network)")
        ->group("");
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
    add_objective_options(app, o.objectives);
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
    void on_proposed(const Job<Genome<LayerGene>>&, const Progress& p) override { busy_.proposed(p); }
    void on_finished(const JobRecord<Genome<LayerGene>>& r, const Progress& p) override {
        busy_.finished(p);
        if (!r.fitness.ok() && r.trained) {
            fmt::print("  job {} {}: {}\n", r.job.id, to_string(r.fitness.status), r.fitness.reason);
        }
        // Workers busy: the mean since the previous line, not the snapshot
        // before this job's worker gets its next job.
        if (p.counts.finished % every_ == 0) fmt::print("{}\n", progress_line(p, workers_, busy_.take(p)));
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
    BusyMeter busy_;
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

/// One network of the final choice, retrained (see confirm_best).
struct ConfirmedNetwork {
    std::uint64_t job = 0;         ///< the search's job that found it
    double search_score = 0.0;     ///< its validation score in the search
    double mean = 0.0, low = 0.0, high = 0.0;  ///< over the search's score and the retrains'
    double test_mean = 0.0;        ///< mean test accuracy of the retrained networks
    std::size_t failed = 0;        ///< retrains that did not end ok
};

/// What evolve_and_compare returns.
struct Comparison {
    NetworkReport seed;       ///< the seed network (job 0), or the program's network trained outside the search
    bool seed_in_search = true;  ///< false: the search started from random networks only (--seed-genome none)
    NetworkReport best;       ///< the network the run hands over
    std::vector<ConfirmedNetwork> confirmed;  ///< the final choice's candidates, chosen first (empty: none)
    std::size_t final_seeds = 0;  ///< fresh trainings per candidate
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

/// The TrainerOptions the common options give (model_dir left empty):
/// fixed epochs for every network, no wall-clock limit in the score (the
/// driver's job timeout is the safety net).
inline libtorch::TrainerOptions trainer_options(const CommonOptions& o, libtorch::TrainerOptions base = {}) {
    base.epochs = o.epochs;
    base.report_every_steps = o.report_every;
    // ASHA decides at its rungs only: validate there, not after every epoch.
    if (o.report_every == 0) {
        base.report_epochs = libtorch::report_epochs_for(
            {.kind = early_stopping_from_string(o.early_stopping).value_or(EarlyStopping::none),
             .min_step = o.min_epoch,
             .eta = o.eta},
            o.epochs);
    }
    base.time_budget_seconds = 0.0;
    base.intra_op_threads = o.threads_per_worker;
    base.device = o.device;
    return base;
}

/// The search space of the run: the program's, or when resuming the one
/// the run was started with (run.json), so a run of an older evonas
/// resumes with its own space.
inline SearchSpace run_space(const SearchSpace& program_space, const CommonOptions& o) {
    const auto run_json = std::filesystem::path(o.run_dir) / "run.json";
    if (!o.resume || !std::filesystem::exists(run_json)) return program_space;
    const auto stored = parse_json_text(read_text_file(run_json, "run description"), run_json.string());
    if (!stored.contains("space")) return program_space;
    return space_from_json(stored.at("space"));
}

/// A CnnTrainer that also scores each network it trains on a test split
/// (metric "test_accuracy"): the final choice's retrains.
class TestScoringTrainer {
public:
    TestScoringTrainer(const SearchSpace& space, const SplitData& data, const libtorch::TrainerOptions& options,
                       std::size_t worker)
        : inner_(space, data.train, data.validation, options, worker), test_(data.test.to(inner_.device())) {}
    Check check(Genome<LayerGene>& genome) const { return inner_.check(genome); }
    Fitness evaluate(const Genome<LayerGene>& genome, const JobContext& ctx) {
        auto f = inner_.evaluate(genome, ctx);
        if (f.ok() && inner_.last_model()) f.with("test_accuracy", libtorch::evaluate_network(inner_.last_model()->net, test_).accuracy);
        return f;
    }

private:
    libtorch::CnnTrainer inner_;
    libtorch::Dataset test_;
};

/// Evolves networks for `program_space` on data.train/validation, starting
/// from o.seed_genome (or from random networks only when it is "none"),
/// then takes the final choice (o.final_top networks retrained o.final_seeds
/// times, best mean first) and scores it and the seed network on data.test;
/// without a seed in the search, the program's own network
/// (o.reference_genome) is trained once outside the search to compare with.
/// Every network the search trains is saved in run_dir/models; the chosen
/// one is copied to run_dir/best_model.pt and best_model.ts.pt. A job whose
/// model file is missing (it failed or timed out) is retrained with the
/// same options.
inline Comparison evolve_and_compare(const SearchSpace& program_space, const SplitData& data, const CommonOptions& o,
                                     libtorch::TrainerOptions base = {}) {
    namespace fs = std::filesystem;
    const fs::path run_dir = o.run_dir;
    if (o.overwrite && !o.resume && fs::exists(run_dir)) fs::remove_all(run_dir);
    const auto space = run_space(program_space, o);
    auto topts = trainer_options(o, base);
    const auto objectives = run_objectives(o.objectives);
    apply_objective_options(o.objectives, objectives, topts);
    topts.model_dir = run_dir / "models";
    fs::create_directories(topts.model_dir);

    const bool seeded = o.seed_genome != "none";
    std::vector<Genome<LayerGene>> seeds;
    if (seeded) seeds.push_back(parse_genome(o.seed_genome, space, "--seed-genome"));
    RunOptions run;
    run.evolution.islands = o.islands;
    run.evolution.population = o.population;
    if (o.preset == "classic") run.evolution.preset = EvolutionPreset::classic;
    if (o.preset == "regularized") run.evolution.preset = EvolutionPreset::regularized;
    if (o.search == "random") run.evolution.random_fraction = 1.0;
    run.evolution.early_stopping = {.kind = early_stopping_from_string(o.early_stopping).value_or(EarlyStopping::none),
                                    .min_step = o.min_epoch,
                                    .eta = o.eta,
                                    .min_comparisons = o.min_comparisons,
                                    .warmup_steps = o.min_epoch};
    run.evolution.objectives = objectives;
    run.evolution.surrogate.candidates = o.surrogate;
    run.evolution.seed = o.seed;
    run.evolution.stop.max_evaluations = o.evaluations;
    run.evolution.stop.max_seconds = o.max_minutes * 60.0;
    run.evolution.stop.max_resource = o.max_epochs;  // CnnTrainer's "epochs" metric
    run.workers = o.workers;
    run.run_dir = run_dir;
    run.resume = o.resume;
    run.progress = false;
    run.job_timeout_seconds = o.timeout_per_network;
    ObserverList<Genome<LayerGene>> observers;
    if (!o.quiet) observers.push_back(std::make_shared<ProgressPrinter>(o.workers, std::max<std::uint64_t>(o.evaluations / 10, 1)));

    if (!o.quiet) {
        const auto e = options_for_run(run.evolution, RunPaths{run_dir}, o.resume).resolved();
        fmt::print("{} {} networks ({} workers, {} island{} of {}, {} epochs each{}{}); {}\n",
                   o.search == "random" ? "random search over" : fmt::format("evolving ({} preset)", to_string(*e.preset)),
                   o.evaluations, o.workers, o.islands, o.islands == 1 ? "" : "s", e.population,
                   o.epochs > 0 ? std::to_string(o.epochs) : std::string("the genome's"),
                   e.early_stopping.kind == EarlyStopping::none
                       ? std::string()
                       : fmt::format(", poor ones stopped early ({})", to_string(e.early_stopping.kind)),
                   o.timeout_per_network > 0 ? fmt::format(", timed out after {} s", o.timeout_per_network) : "",
                   seeded ? "seed network:\n  " + to_text(seeds.front(), space) : std::string("no seed network"));
        std::fflush(stdout);
    }
    // The surrogate's input: the slot encoding plus the shape inference's
    // parameters, FLOPs and sizes for these inputs.
    EvolutionOperators<Genome<LayerGene>> operators;
    operators.features = CnnFeatures{data.train.shape()};
    Comparison c;
    c.seed_in_search = seeded;
    c.result = evolve(
        space, [&](std::size_t worker) { return libtorch::CnnTrainer(space, data.train, data.validation, topts, worker); },
        run, seeds, operators, observers);
    if (!c.result.best) throw Error("no network trained successfully; see lineage.jsonl in " + run_dir.string());

    // The final choice: the best networks retrained with fresh seeds.
    std::uint64_t chosen_id = c.result.best->id;
    const Individual<Genome<LayerGene>>* chosen = &*c.result.best;
    if (o.final_top > 0) {
        if (!o.quiet) {
            fmt::print("final choice: retraining the best {} networks {} times each with fresh seeds...\n",
                       std::min(o.final_top, c.result.hall_of_fame.size()), o.final_seeds);
            std::fflush(stdout);
        }
        auto t = topts;
        t.model_dir.clear();
        const auto confirmed = confirm_best(
            c.result, [&](std::size_t worker) { return TestScoringTrainer(space, data, t, worker); },
            {.top = o.final_top, .seeds = o.final_seeds, .workers = o.workers, .seed = o.seed});
        for (const auto& k : confirmed) {
            ConfirmedNetwork n;
            n.job = k.individual.id;
            n.search_score = k.individual.score;
            n.mean = k.mean;
            n.low = k.low;
            n.high = k.high;
            n.failed = k.failed;
            double sum = 0.0;
            std::size_t count = 0;
            for (const auto& f : k.retrains) {
                if (const auto a = f.metric("test_accuracy")) {
                    sum += *a;
                    ++count;
                }
            }
            n.test_mean = count ? sum / static_cast<double>(count) : std::nan("");
            c.confirmed.push_back(n);
        }
        c.final_seeds = o.final_seeds;
        if (!confirmed.empty()) {
            chosen_id = confirmed.front().individual.id;
            for (const auto& h : c.result.hall_of_fame) {
                if (h.id == chosen_id) chosen = &h;
            }
        }
    }

    // Test-split scores of one job's network: reload it, or retrain it.
    auto test_torch = data.test;
    const auto report = [&](const std::string& name, std::uint64_t id, const Genome<LayerGene>& genome,
                            const Fitness* known, std::uint64_t job_seed) {
        NetworkReport r;
        r.name = name;
        r.job = id;
        const auto file = topts.model_dir / fmt::format("job-{}.pt", id);
        Fitness fitness;
        if (known) fitness = *known;
        if (known && fs::exists(file)) {
            r.model = libtorch::load_model(file, space);
        } else {
            auto t = topts;
            t.model_dir.clear();
            libtorch::CnnTrainer trainer(space, data.train, data.validation, t);
            Genome<LayerGene> g = genome;
            (void)trainer.check(g);
            fitness = trainer.evaluate(g, JobContext{.job_id = id, .seed = job_seed});
            if (!trainer.last_model()) throw Error(fmt::format("could not train {} network: {}", name, fitness.reason));
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
    if (seeded) {
        Fitness seed_fitness;
        const Fitness* seed_known = nullptr;
        if (const auto j = detail::lineage_record(run_dir / "lineage.jsonl", 0)) {
            seed_fitness = fitness_from_json(j->at("fitness"), "lineage.jsonl");
            seed_known = &seed_fitness;
        }
        c.seed = report("seed", 0, seeds.front(), seed_known, derive_seed(o.seed, 0));
    } else {
        // Not part of the search: trained once, after it, to compare with.
        c.seed = report("human", 0, parse_genome(o.reference_genome, space, "the program's network"), nullptr,
                        derive_seed(o.seed, 0x4855u));
        c.seed.job = 0;
    }
    c.best = report("evolved", chosen_id, chosen->genome, &chosen->fitness, derive_seed(o.seed, chosen_id));
    c.best_model = run_dir / "best_model.pt";
    libtorch::save_model(c.best_model, c.best.model, space);
    c.best_torchscript = run_dir / "best_model.ts.pt";
    libtorch::export_torchscript(c.best.model, space, c.best_torchscript);
    return c;
}

/// Prints the seed-vs-evolved table, the final choice and what the run wrote.
inline void print_comparison(const Comparison& c, const SearchSpace& space, const CommonOptions& o) {
    const auto* other = c.seed_in_search ? "seed network" : "the program's network (not in the search)";
    fmt::print("\nheld-out test split ({} samples), {} vs evolved best:\n", c.seed.test_samples, other);
    fmt::print("{:<9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>8}\n", "network", "test acc", "bal acc", "val score",
               "params", "MFLOPs", "train s");
    for (const auto* r : {&c.seed, &c.best}) {
        fmt::print("{:<9} {:>9.4f} {:>9.4f} {:>9.4f} {:>10} {:>10.3f} {:>8.1f}\n", r->name, r->test.accuracy,
                   r->test.balanced_accuracy, r->val_score, thousands(r->params), r->flops / 1e6, r->train_seconds);
    }
    const double e0 = 1.0 - c.seed.test.accuracy, e1 = 1.0 - c.best.test.accuracy;
    if (e0 > 0) {
        fmt::print("test error {:.4f} -> {:.4f}: {:.0f}% {} than the {}\n", e0, e1, std::abs(100.0 * (e0 - e1) / e0),
                   e1 <= e0 ? "less" : "more", c.seed_in_search ? "seed network" : "program's network");
    }
    if (!c.confirmed.empty()) {
        fmt::print("final choice, validation score over the search's training and {} fresh ones (mean [min, max]), "
                   "test accuracy of the fresh ones:\n", c.final_seeds);
        for (std::size_t i = 0; i < c.confirmed.size(); ++i) {
            const auto& n = c.confirmed[i];
            fmt::print("  job {:<5} search {:.4f}  mean {:.4f} [{:.4f}, {:.4f}]  test {:.4f}{}{}\n", n.job,
                       n.search_score, n.mean, n.low, n.high, n.test_mean,
                       n.failed ? fmt::format("  ({} failed)", n.failed) : std::string(), i == 0 ? "  <- chosen" : "");
        }
    }
    if (c.seed_in_search) fmt::print("seed    (job {}): {}\n", c.seed.job, to_text(c.seed.model.genome, space));
    else fmt::print("human   (not in the search): {}\n", to_text(c.seed.model.genome, space));
    fmt::print("evolved (job {}): {}\n", c.best.job, to_text(c.best.model.genome, space));
    print_front(c.result, c.result.pareto_front.empty() ? Objectives{} : run_objectives(o.objectives));
    const auto& n = c.result.counts;
    fmt::print("{} networks trained ({} ok, {} failed, {} timed out, {} invalid, {} duplicates avoided) in {:.0f} s; "
               "stopped by {}\n",
               n.finished, n.ok, n.failed, n.timed_out, n.invalid, n.duplicates, c.result.elapsed_seconds,
               c.result.stop_reason);
    fmt::print("run directory: {} (lineage.jsonl, checkpoint.json, best.txt{}, models/, best_model.pt, best_model.ts.pt)\n",
               o.run_dir, c.result.pareto_front.empty() ? "" : ", pareto.txt, pareto.json");
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

/// Prints what an export wrote (`more`: lines about further files, e.g. the
/// evonas tool's data.json) and how to get ONNX from it.
inline void print_export(const std::filesystem::path& model, const libtorch::ExportedModel& files,
                         const std::vector<std::string>& more = {}) {
    fmt::print("exported {} for Python:\n"
               "  {}  TorchScript: torch.jit.load(\"{}\"), no evonas needed\n"
               "  {}  PyTorch source: import model; net = model.load()  (trainable, editable)\n"
               "  {}  its weights, {{name: tensor}}\n",
               model.string(), files.torchscript.string(), files.torchscript.string(), files.python.string(),
               files.weights.string());
    for (const auto& line : more) fmt::print("  {}\n", line);
    fmt::print("ONNX: /usr/bin/python3 scripts/export_onnx.py {}\n", files.torchscript.string());
}

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
    print_export(model, files);
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
