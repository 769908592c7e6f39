// dag_cell: evolve a genome type of your own. The genome is a DAG cell
// (dag_cell.hpp: nodes with operations and edges to earlier nodes, plus
// channels and learning rate), made known to evonas by specialising
// evonas::genome_traits<DagGenome>; the trainer (dag_trainer.hpp) builds a
// 1-D CNN around the cell with LibTorch and trains it on the SANS example's
// synthetic curves (examples/sans/sans_data.hpp: which of four structural
// models produced a small-angle scattering curve I(q)).
//
//   dag_cell                              evolve 60 cells (about a minute on 2 cores)
//   dag_cell --resume                     continue the run in dag_cell_run/ (or give a larger --evaluations)
//   dag_cell --seed-cell "n1=conv3(0) n2=conv3(1) ; channels=32 lr=0.01"
//                                         start from a cell of your own ("none": random cells only)
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <evonas/evonas.hpp>

#include "../common/evolve_cli.hpp"  // run_main: errors as messages and exit status 1
#include "../sans/sans_data.hpp"
#include "dag_cell.hpp"
#include "dag_trainer.hpp"

namespace dag = evonas::examples::dag;
namespace fs = std::filesystem;

// Generated curves as network input: log10(I) standardised per curve, [N, 1, 256].
static evonas::libtorch::Dataset sans_tensors(const evonas::examples::Dataset& raw, const std::string& field) {
    const auto d = evonas::examples::sans::preprocess_sans(raw);
    auto x = torch::from_blob(const_cast<float*>(d.data.data()), d.shape, torch::kFloat32).clone();
    return evonas::libtorch::make_dataset(x, torch::tensor(d.labels, torch::kInt64), d.classes(), field);
}

// Prints every new best cell, and every job that did not end ok, as it happens.
class PrintImprovements : public evonas::Observer<dag::DagGenome> {
public:
    void on_finished(const evonas::JobRecord<dag::DagGenome>& r, const evonas::Progress&) override {
        if (!r.fitness.ok() && r.trained) {
            fmt::print("  job {} {}: {}\n", r.job.id, evonas::to_string(r.fitness.status), r.fitness.reason);
        }
    }
    void on_improved(const evonas::JobRecord<dag::DagGenome>& r, const evonas::Progress& p) override {
        fmt::print("  new best {:.4f} after {} networks: job {} ({}): {}\n", r.fitness.score, p.counts.finished, r.job.id,
                   r.job.op, dag::dag_to_text(r.job.genome));
        std::fflush(stdout);
    }
};

int main(int argc, char** argv) {
    CLI::App app{"Evolve a DAG cell, a genome type of this program's own (examples/dag_cell/dag_cell.hpp), for SANS\n"
                 "model identification: a 1-D CNN of a stem, the cell twice and a linear head, trained with LibTorch.\n"
                 "Prints the best cell and its validation accuracy."};
    std::uint64_t evaluations = 60, seed = 1, data_seed = 2024;
    std::size_t islands = 1, population = 0, workers = 2, max_nodes = 6;
    int epochs = 3;
    std::int64_t train_per_class = 200, val_per_class = 60, batch_size = 32;
    std::string run_dir = "dag_cell_run", optimizer = "sgd", output = "sum";
    std::string seed_cell = "n1=conv5(0) n2=conv3(1) ; channels=16 lr=0.01";
    double timeout = 300.0;
    bool resume = false, overwrite = false, quiet = false;

    const auto* s = "Search";
    app.add_option("--evaluations", evaluations, "cells to train in total (the seed cell is the first)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(s);
    app.add_option("--islands", islands, "island populations evolving apart, exchanging their best in a ring")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(s);
    app.add_option("--population", population, "cells kept per island (0: from the budget, evaluations / 5 per island, "
                                               "10 to 100)")
        ->capture_default_str()->group(s);
    app.add_option("--workers", workers, "cells trained at once, one thread each")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(s);
    app.add_option("--seed", seed, "run seed: with one worker, the same seed gives the same run")
        ->capture_default_str()->group(s);
    app.add_option("--seed-cell", seed_cell, "the cell the search starts from (its text), or 'none'")
        ->capture_default_str()->group(s);
    app.add_option("--max-nodes", max_nodes, "nodes a cell may have besides its input (2 to 32)")
        ->capture_default_str()->group(s);
    app.add_option("--output", output, "the cell's output: the sum of the nodes nobody reads, or their concatenation "
                                       "(then a 1x1 convolution)")
        ->check(CLI::IsMember({"sum", "concat"}))->capture_default_str()->group(s);
    const auto* t = "Training";
    app.add_option("--epochs", epochs, "epochs every cell's network trains")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(t);
    app.add_option("--batch-size", batch_size, "samples per step")->check(CLI::Range(2, 1 << 20))->capture_default_str()->group(t);
    app.add_option("--optimizer", optimizer, "sgd (momentum 0.9) or adam, at the cell's learning rate")
        ->check(CLI::IsMember({"sgd", "adam"}))->capture_default_str()->group(t);
    app.add_option("--timeout-per-network", timeout, "a network still training after this many seconds is stopped and "
                                                     "recorded timed out (0: none)")
        ->check(CLI::NonNegativeNumber)->capture_default_str()->group(t);
    const auto* d = "Data (generated SANS curves, four classes)";
    app.add_option("--train-per-class", train_per_class, "training curves per class")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--val-per-class", val_per_class, "validation curves per class (the search's score)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--data-seed", data_seed, "seed of the generated curves")->capture_default_str()->group(d);
    const auto* f = "Files and output";
    app.add_option("--run-dir", run_dir, "where run.json, lineage.jsonl, checkpoint.json and best.txt go (\"\": none)")
        ->capture_default_str()->group(f);
    app.add_flag("--resume", resume, "continue the run in --run-dir (finished cells are not trained again)")->group(f);
    app.add_flag("--overwrite", overwrite, "delete a previous run in --run-dir and start afresh")->group(f);
    app.add_flag("-q,--quiet", quiet, "print only the result")->group(f);
    CLI11_PARSE(app, argc, argv);

    return evonas::examples::run_main([&] {
        dag::DagSpace space;
        space.max_nodes = max_nodes;
        space.output = output == "concat" ? dag::CellOutput::concat : dag::CellOutput::sum;
        space.validate();
        std::vector<dag::DagGenome> seeds;
        if (seed_cell != "none") seeds.push_back(dag::dag_from_text(seed_cell, space, "--seed-cell"));
        const dag::DagTrainerOptions trainer_options{.epochs = epochs, .batch_size = batch_size, .optimizer = optimizer};
        trainer_options.validate();
        if (overwrite && !resume && !run_dir.empty() && fs::exists(run_dir)) fs::remove_all(run_dir);

        if (!quiet) fmt::print("generating {} / {} SANS curves per class (train / validation)...\n", train_per_class, val_per_class);
        namespace sans = evonas::examples::sans;
        const auto train = sans_tensors(sans::generate_sans(train_per_class, evonas::derive_seed(data_seed, 1)), "train");
        const auto validation =
            sans_tensors(sans::generate_sans(val_per_class, evonas::derive_seed(data_seed, 2)), "validation");

        evonas::RunOptions run;
        run.evolution.islands = islands;
        run.evolution.population = population;
        run.evolution.seed = seed;
        run.evolution.stop.max_evaluations = evaluations;
        run.workers = workers;
        run.run_dir = run_dir;
        run.resume = resume;
        run.progress = !quiet;
        run.job_timeout_seconds = timeout;
        evonas::ObserverList<dag::DagGenome> observers;
        if (!quiet) {
            observers.push_back(std::make_shared<PrintImprovements>());
            fmt::print("{} DAG cells: {} networks ({} workers, {} island{}, {} epochs each); {}\n",
                       resume ? "resuming the evolution of" : "evolving", evaluations, workers, islands,
                       islands == 1 ? "" : "s", epochs,
                       seeds.empty() ? std::string("random cells only") : "seed cell:\n  " + dag::dag_to_text(seeds[0]));
            std::fflush(stdout);
        }
        // One call: the engine, the lineage log, checkpoints and resume, all
        // for DagGenome through its genome_traits.
        const auto result = evonas::evolve<dag::DagGenome>(
            space, [&](std::size_t /*worker*/) { return dag::DagTrainer(space, train, validation, trainer_options); }, run,
            seeds, {}, observers);
        if (!result.best) throw evonas::Error("no cell trained successfully; see lineage.jsonl in " + run_dir);

        const auto& best = *result.best;
        const auto outputs = best.genome.outputs();
        fmt::print("\nbest cell: job {}, validation accuracy {:.4f}\n  {}\n", best.id, best.score, dag::dag_to_text(best.genome));
        fmt::print("  {} nodes, depth {}, cell output = {} of {}n{}; {:.0f} parameters\n", best.genome.size(),
                   best.genome.depth(), dag::to_string(space.output), outputs.size() > 1 ? "" : "only ",
                   fmt::join(outputs, ", n"), best.fitness.metric("params").value_or(0.0));
        const auto& n = result.counts;
        fmt::print("{} networks trained ({} ok, {} failed, {} timed out, {} duplicates avoided) in {:.0f} s; "
                   "stopped by {}\n",
                   n.finished, n.ok, n.failed, n.timed_out, n.duplicates, result.elapsed_seconds, result.stop_reason);
        if (!run_dir.empty()) {
            fmt::print("run directory: {} (run.json, lineage.jsonl, checkpoint.json, best.txt); --resume continues it\n",
                       run_dir);
        }
        return 0;
    });
}
