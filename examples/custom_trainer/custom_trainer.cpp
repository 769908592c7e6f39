// custom_trainer: evolve networks with your own Trainer, the step-by-step
// program behind docs/guide.md. Its "training" is a cheap stand-in (a score
// computed from the architecture) so it runs in a second; swap in a real
// trainer (e.g. evonas::libtorch) and nothing else changes.
//
// The only include you need:
#include <evonas/evonas.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <thread>

// Step 1: a Trainer. evaluate() trains the network a genome describes and
// returns its score on held-out data (higher is better). This stand-in likes
// networks of about 6 feature layers with ~64 filters, a modest classifier,
// and a learning rate near 0.01; it adds noise seeded from the job seed.
struct ArchitectureScore {
    const evonas::SearchSpace* space;
    int train_ms = 0;  // pretend each network trains this long (for kill/resume tests)

    std::string name() const { return "architecture-score"; }

    evonas::Fitness evaluate(const evonas::Genome<>& genome, const evonas::JobContext& ctx) const {
        const auto conv = *space->find_layer_type("conv");
        const auto f = *space->layer_type(conv).find_param("f");
        double score = 1.0 - 0.05 * std::abs(static_cast<double>(genome.section(0).size()) - 6.0);
        for (const auto& layer : genome.section(0)) {
            if (layer.type == conv) score -= 0.002 * std::abs(layer.values[f] - 64.0) / 8.0;
        }
        score -= 0.03 * std::abs(static_cast<double>(genome.section(1).size()) - 1.0);
        const auto lr = genome.globals()[*space->find_global("lr")];
        score -= 0.05 * std::abs(std::log10(lr) + 2.0);
        for (int ms = 0; ms < train_ms; ++ms) {  // "training", checking the stop token per batch
            if (ctx.should_stop()) return evonas::Fitness::timed_out("stopped");
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        if (ctx.should_stop()) return evonas::Fitness::timed_out("stopped");
        evonas::Rng noise(ctx.seed);  // all randomness from the job's seed
        return evonas::Fitness::of(score + 0.01 * noise.uniform())
            .with("layers", static_cast<double>(genome.gene_count()));
    }
};

int main(int argc, char** argv) {
    CLI::App app{"Evolve networks with a custom trainer (the program of docs/guide.md)"};
    std::size_t workers = 2;
    std::uint64_t evaluations = 300;
    std::size_t islands = 2;
    std::uint64_t seed = 1;
    std::string run_dir = "custom_trainer_run";
    bool resume = false;
    int train_ms = 0;
    app.add_option("--workers", workers, "worker threads, one trainer each")->capture_default_str();
    app.add_option("--evaluations", evaluations, "networks to train in total")->capture_default_str();
    app.add_option("--islands", islands, "island populations (migration in a ring)")->capture_default_str();
    app.add_option("--seed", seed, "run seed: one worker + same seed = the same run")->capture_default_str();
    app.add_option("--run-dir", run_dir, "where the lineage log, checkpoint and best genome go")
        ->capture_default_str();
    app.add_flag("--resume", resume, "continue the run in --run-dir");
    app.add_option("--train-ms", train_ms, "milliseconds each network pretends to train")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        // Step 2: a search space (a ready one here; load_space("my.json") for your own).
        const auto space = evonas::cnn_space(2);

        // Step 3: seed the search with the network you use today.
        const auto mine = evonas::parse_genome(
            "conv(k=5,f=32) pool conv(k=3,f=32) pool | dense(u=256) dropout(p=0.5) ; lr=0.1", space);

        // Step 4: options, then one call.
        evonas::RunOptions options;
        options.evolution = {.islands = islands, .population = 16, .seed = seed};
        options.evolution.stop.max_evaluations = evaluations;
        options.workers = workers;
        options.run_dir = run_dir;
        options.resume = resume;
        const auto result = evonas::evolve(
            space, [&](std::size_t /*worker*/) { return ArchitectureScore{&space, train_ms}; }, options, {mine});

        // Step 5: the result.
        const auto seed_score = ArchitectureScore{&space}.evaluate(mine, evonas::JobContext{.seed = 0});
        fmt::print("\n{:<8} {:>8}  genome\n", "", "score");
        fmt::print("{:<8} {:>8.4f}  {}\n", "seed", seed_score.score, evonas::to_text(mine, space));
        fmt::print("{:<8} {:>8.4f}  {}\n", "evolved", result.best->score, evonas::to_text(result.best->genome, space));
        fmt::print("\nchanges: {}\n", evonas::genome_diff_text(mine, result.best->genome, space));
        fmt::print("{} networks trained ({} failed, {} duplicates avoided, {} migrations) in {:.2f} s; "
                   "stopped by {}\nrun directory: {}\n",
                   result.counts.finished, result.counts.failed + result.counts.timed_out,
                   result.counts.duplicates, result.counts.migrations, result.elapsed_seconds,
                   result.stop_reason, run_dir);
    } catch (const evonas::Error& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
    return 0;
}
