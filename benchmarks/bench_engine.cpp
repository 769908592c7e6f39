// The engine's own cost per job: propose() + complete() with a trivial
// fitness and no training, for 1 and 4 islands, with the lineage log off and
// on (the log writes and flushes one JSON line per job to a real file).
//
//   build/benchmarks/bench_engine --benchmark_format=json
#include <evonas/evonas.hpp>

#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>

namespace {

void engine_cost(benchmark::State& state) {
    const auto islands = static_cast<std::size_t>(state.range(0));
    const bool log = state.range(1) != 0;
    const auto space = evonas::cnn_space(2);
    evonas::IslandModel<> model(space, evonas::EvolutionOptions{
                                           .islands = islands,
                                           .population = 32,
                                           .seed = 1,
                                           .stop = {.max_evaluations = 0, .patience = ~std::uint64_t{0}}});
    const auto dir = std::filesystem::temp_directory_path() / "evonas-bench-engine";
    std::filesystem::create_directories(dir);
    const auto path = dir / "lineage.jsonl";
    std::filesystem::remove(path);
    if (log) model.add_observer(std::make_shared<evonas::LineageLog>(path, model.space()));
    evonas::Rng scores(7);
    std::size_t island = 0;
    for (auto _ : state) {
        auto job = model.propose(island);
        island = (island + 1) % islands;
        // A fitness that rewards more layers, so selection has work to do.
        const double score = static_cast<double>(job->genome.gene_count()) + scores.uniform();
        model.complete(job->id, evonas::Fitness::of(score));
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["duplicates_per_job"] = benchmark::Counter(static_cast<double>(model.counts().duplicates),
                                                              benchmark::Counter::kAvgIterations);
    std::filesystem::remove_all(dir);
}

}  // namespace

BENCHMARK(engine_cost)
    ->ArgNames({"islands", "lineage_log"})
    ->Args({1, 0})
    ->Args({4, 0})
    ->Args({1, 1})
    ->Args({4, 1})
    ->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
