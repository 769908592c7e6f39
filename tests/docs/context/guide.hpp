// Context of docs/guide.md's steps: the names a step uses that earlier steps
// (or the example's command line, examples/custom_trainer/custom_trainer.cpp)
// define. Pasted into each block's namespace; a block may redefine a name.
// Small values: docs_snippets_run runs the steps that evolve.

// Step 1, shortened.
struct ArchitectureScore {
    const evonas::SearchSpace* space;
    evonas::Fitness evaluate(const evonas::Genome<>& genome, const evonas::JobContext&) const {
        return evonas::Fitness::of(static_cast<double>(genome.gene_count()));
    }
};

// Steps 2 and 3.
const evonas::SearchSpace space = evonas::cnn_space(2);
const evonas::Genome<> mine = evonas::parse_genome(
    "conv(k=5,f=32) pool conv(k=3,f=32) pool | dense(u=256) dropout(p=0.5) ; lr=0.1", space);

// The example's command-line options.
const std::size_t islands = 2;
const std::uint64_t seed = 1;
const std::uint64_t evaluations = 40;
const std::size_t workers = 2;
const std::string run_dir;  // empty: write no files
const bool resume = false;

// Step 4.
const evonas::RunOptions options = [] {
    evonas::RunOptions o;
    o.evolution = {.islands = islands, .population = 8, .seed = seed};
    o.evolution.stop.max_evaluations = evaluations;
    o.workers = workers;
    o.progress = false;
    return o;
}();
const auto factory = [](std::size_t /*worker*/) { return ArchitectureScore{&space}; };
extern const evonas::EvolutionResult<evonas::Genome<>> result;  // declared only: step 5 is not run

// genome.md's mutation, shortened.
const auto widen = [](evonas::Genome<>&, const evonas::SearchSpace&, evonas::Rng&) { return false; };
