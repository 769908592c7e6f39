// Benchmarks of the genome operators on a 12-layer genome (10 feature
// layers, 2 classifier layers): one step of evolution (one-point crossover,
// one MutationMix::standard mutation, one genome_hash) and each part alone.
// Run: bench_genome --benchmark_format=json
#include <benchmark/benchmark.h>

#include <cstdint>

#include <evonas/genome/hash.hpp>
#include <evonas/genome/random_genome.hpp>
#include <evonas/genome/validate.hpp>
#include <evonas/operators/operators.hpp>

namespace {

using evonas::Genome;
using evonas::LayerGene;
using evonas::Rng;
using evonas::SearchSpace;

/// A CNN-like space: every parameter kind, room for long feature sections.
SearchSpace bench_space() {
    using namespace evonas;
    return SearchSpace(
        "bench",
        {
            LayerType{"conv",
                      {ParamSpec::integer("k", 1, 7, 3), ParamSpec::integer("f", 8, 256, 32, 8),
                       ParamSpec::choice("act", {"relu", "tanh", "elu"}, "relu"),
                       ParamSpec::boolean("bn", true)}},
            LayerType{"pool", {ParamSpec::choice("type", {"max", "avg"}, "max"),
                               ParamSpec::integer("k", 2, 4, 2)}},
            LayerType{"dropout", {ParamSpec::real("p", 0.0, 0.8, 0.5)}},
            LayerType{"dense", {ParamSpec::integer("u", 16, 1024, 64, 16),
                                ParamSpec::choice("act", {"relu", "tanh"}, "relu")}},
            LayerType{"flatten", {}},
        },
        {
            SectionSpace{"features", {{"conv", 3.0}, {"pool", 1.0}, {"dropout", 0.5}}, 1, 16},
            SectionSpace{"classifier", {{"dense", 2.0}, {"dropout", 1.0}, {"flatten", 0.1}}, 0, 4},
        },
        {
            ParamSpec::log_real("lr", 0.0001, 0.3, 0.01),
            ParamSpec::real("mom", 0.0, 0.99, 0.9),
            ParamSpec::integer("bs", 16, 256, 64, 16),
            ParamSpec::choice("opt", {"sgd", "adam"}, "sgd"),
            ParamSpec::boolean("nesterov", false),
        });
}

/// A random genome with 10 feature layers and 2 classifier layers.
Genome<LayerGene> twelve_layers(const SearchSpace& space, Rng& rng) {
    auto g = evonas::random_genome(space, rng);
    g.section(0).genes().clear();
    g.section(1).genes().clear();
    for (int i = 0; i < 10; ++i) g.section(0).genes().push_back(evonas::random_layer_for_section(space, 0, rng));
    for (int i = 0; i < 2; ++i) g.section(1).genes().push_back(evonas::random_layer_for_section(space, 1, rng));
    return g;
}

struct Fixture {
    SearchSpace space = bench_space();
    Rng rng{42};
    Genome<LayerGene> a = twelve_layers(space, rng);
    Genome<LayerGene> b = twelve_layers(space, rng);
};

// One step of evolution: crossover, mutate, hash.
void BM_MutateCrossoverHash(benchmark::State& state) {
    Fixture f;
    auto mix = evonas::MutationMix::standard();
    const evonas::OnePointCrossover crossover;
    std::uint64_t h = 0;
    for (auto _ : state) {
        auto child = crossover(f.a, f.b, f.space, f.rng);
        mix(child, f.space, f.rng);
        h ^= evonas::genome_hash(child, f.space);
        benchmark::DoNotOptimize(h);
    }
}
BENCHMARK(BM_MutateCrossoverHash);

// Copying a 12-layer genome (part of every mutation benchmark below).
void BM_GenomeCopy(benchmark::State& state) {
    Fixture f;
    for (auto _ : state) {
        auto g = f.a;
        benchmark::DoNotOptimize(g);
    }
}
BENCHMARK(BM_GenomeCopy);

// One MutationMix::standard call on a copy of a 12-layer genome.
void BM_MutationMixStandard(benchmark::State& state) {
    Fixture f;
    auto mix = evonas::MutationMix::standard();
    for (auto _ : state) {
        auto g = f.a;
        benchmark::DoNotOptimize(mix(g, f.space, f.rng));
        benchmark::DoNotOptimize(g);
    }
}
BENCHMARK(BM_MutationMixStandard);

// Each built-in mutation on a copy of a 12-layer genome.
template <class M>
void BM_Mutation(benchmark::State& state) {
    Fixture f;
    const M mutation{};
    for (auto _ : state) {
        auto g = f.a;
        benchmark::DoNotOptimize(mutation(g, f.space, f.rng));
        benchmark::DoNotOptimize(g);
    }
}
BENCHMARK_TEMPLATE(BM_Mutation, evonas::PerturbParameter);
BENCHMARK_TEMPLATE(BM_Mutation, evonas::ResampleParameter);
BENCHMARK_TEMPLATE(BM_Mutation, evonas::ChangeLayerType);
BENCHMARK_TEMPLATE(BM_Mutation, evonas::InsertLayer);
BENCHMARK_TEMPLATE(BM_Mutation, evonas::RemoveLayer);
BENCHMARK_TEMPLATE(BM_Mutation, evonas::DuplicateLayer);
BENCHMARK_TEMPLATE(BM_Mutation, evonas::SwapLayers);
BENCHMARK_TEMPLATE(BM_Mutation, evonas::MutateGlobal);

// Each crossover of two 12-layer genomes.
template <class C>
void BM_Crossover(benchmark::State& state) {
    Fixture f;
    const C crossover{};
    for (auto _ : state) {
        auto child = crossover(f.a, f.b, f.space, f.rng);
        benchmark::DoNotOptimize(child);
    }
}
BENCHMARK_TEMPLATE(BM_Crossover, evonas::OnePointCrossover);
BENCHMARK_TEMPLATE(BM_Crossover, evonas::UniformLayerCrossover);
BENCHMARK_TEMPLATE(BM_Crossover, evonas::SectionExchangeCrossover);

// genome_hash of a 12-layer genome.
void BM_GenomeHash(benchmark::State& state) {
    Fixture f;
    for (auto _ : state) benchmark::DoNotOptimize(evonas::genome_hash(f.a, f.space));
}
BENCHMARK(BM_GenomeHash);

// genome_problem (full validity check) of a 12-layer genome.
void BM_GenomeProblem(benchmark::State& state) {
    Fixture f;
    for (auto _ : state) benchmark::DoNotOptimize(evonas::genome_problem(f.a, f.space));
}
BENCHMARK(BM_GenomeProblem);

// random_genome in this space (1..16 feature and 0..4 classifier layers).
void BM_RandomGenome(benchmark::State& state) {
    Fixture f;
    for (auto _ : state) {
        auto g = evonas::random_genome(f.space, f.rng);
        benchmark::DoNotOptimize(g);
    }
}
BENCHMARK(BM_RandomGenome);

}  // namespace

BENCHMARK_MAIN();
