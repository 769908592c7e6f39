// The surrogate pre-screen's cost (EvolutionOptions::surrogate), measured in
// one process with an instant trainer so every microsecond is the engine's:
//
//   build/benchmarks/bench_surrogate [--sizes 100,1000,10000] [--candidates 16] [--window 0]
//
// For each size n it runs an IslandModel on the 2-D CNN space with a
// MINERvA-sized input (CnnFeatures on 3 x 32 x 24 inputs, 11 classes) until
// n networks are scored, then measures the next `window` jobs (default
// max(200, n / 5)): the engine's microseconds per job with the surrogate on
// (breeding K candidates, their features and predictions, and the refits
// that fall in the window, as a run pays them) against the same engine
// with it off, in the same run. It also times one refit at n and one
// candidate's features and prediction. Prints one JSON object per size.
//
// A master serving 10,000 jobs/s has 100 us per job in all: compare
// "us_per_job" with that (bench_mpi --surrogate K measures the MPI master).
#include <evonas/evonas.hpp>

#include <fmt/format.h>

#include "number_list.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace {

using G = evonas::Genome<>;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// A score the predictor can learn a little of: depth and a global gene, plus noise.
evonas::Fitness score(const G& g, std::uint64_t seed) {
    const double lr = g.globals().empty() ? 0.0 : g.globals()[0];
    return evonas::Fitness::of(0.05 * static_cast<double>(g.gene_count()) + 0.1 * lr +
                               static_cast<double>(seed % 1000) * 1e-4);
}

struct Measured {
    double us_per_job = 0.0;
    std::uint64_t refits_in_window = 0;
    double refit_ms = 0.0;
    double features_us = 0.0;
    double predict_us = 0.0;
    std::size_t feature_length = 0;
};

Measured measure(const evonas::SearchSpace& space, std::size_t n, std::size_t window, std::size_t candidates) {
    evonas::EvolutionOptions o;
    o.seed = 3;
    o.population = 32;
    o.stop.max_evaluations = n + window;
    o.surrogate.candidates = candidates;
    evonas::EvolutionOperators<G> ops;
    const evonas::CnnFeatures features{evonas::CnnDataShape{3, {32, 24}, 11}};
    ops.features = features;
    evonas::IslandModel<G> model(space, o, {}, ops);
    std::size_t done = 0;
    Clock::time_point t0;
    std::uint64_t refits_before = 0;
    while (auto job = model.propose(0)) {
        model.complete(job->id, score(job->genome, job->seed));
        if (++done == n) {
            refits_before = candidates >= 2 ? model.surrogate()->refits() : 0;
            t0 = Clock::now();
        }
    }
    Measured m;
    m.us_per_job = seconds_since(t0) * 1e6 / static_cast<double>(done - n);
    if (candidates < 2) return m;
    const auto* s = model.surrogate();
    m.refits_in_window = s->refits() - refits_before;
    // One refit at n (the predictor the engine uses, on the first n networks).
    evonas::TrainingSet first;
    first.x.assign(s->data().x.begin(), s->data().x.begin() + static_cast<std::ptrdiff_t>(n));
    first.y.assign(s->data().y.begin(), s->data().y.begin() + static_cast<std::ptrdiff_t>(n));
    const evonas::ExtraTrees trees{evonas::ExtraTreesOptions{o.surrogate.trees}};
    auto t1 = Clock::now();
    const auto fitted = trees(first, 1);
    m.refit_ms = seconds_since(t1) * 1e3;
    // One candidate's features and prediction, over many genomes.
    evonas::Rng rng(5);
    std::vector<G> genomes;
    for (int k = 0; k < 200; ++k) genomes.push_back(evonas::random_genome(space, rng));
    std::vector<std::vector<double>> xs;
    t1 = Clock::now();
    for (const auto& g : genomes) xs.push_back(features(g, space));
    m.features_us = seconds_since(t1) * 1e6 / static_cast<double>(genomes.size());
    double sink = 0.0;
    t1 = Clock::now();
    for (const auto& x : xs) sink += fitted(x).mean;
    m.predict_us = seconds_since(t1) * 1e6 / static_cast<double>(xs.size());
    m.feature_length = xs.front().size();
    if (sink == 12345.678) std::puts("");  // keep the loop
    return m;
}


}  // namespace

int main(int argc, char** argv) {
    const char* usage =
        "usage: bench_surrogate [--sizes N[,N...]] [--candidates K] [--window W]\n"
        "  The surrogate pre-screen's engine cost per job at N scored networks, against the engine\n"
        "  without it, in one process with an instant trainer; prints one JSON object per size.\n"
        "  --sizes N,...     networks scored before the measured window (default 100,1000,10000)\n"
        "  --candidates K    candidates bred per proposal (default 16)\n"
        "  --window W        jobs measured after N (default max(200, N / 5))\n";
    std::vector<std::size_t> sizes{100, 1000, 10000};
    std::size_t candidates = 16, window = 0;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string_view flag = argv[i];
            if (flag == "--help" || flag == "-h") {
                std::fputs(usage, stdout);
                return 0;
            }
            if (i + 1 < argc && flag == "--sizes") sizes = evonas::bench::parse_number_list(argv[++i]);
            else if (i + 1 < argc && flag == "--candidates") candidates = std::stoul(argv[++i]);
            else if (i + 1 < argc && flag == "--window") window = std::stoul(argv[++i]);
            else throw std::invalid_argument(std::string(flag));
        }
    } catch (const std::exception&) {
        std::fprintf(stderr, "bench_surrogate: bad arguments\n%s", usage);
        return 2;
    }
    if (candidates < 2) {
        std::fprintf(stderr, "bench_surrogate: --candidates must be at least 2\n");
        return 2;
    }
    const auto space = evonas::cnn_space(2);
    for (const auto n : sizes) {
        const auto w = window > 0 ? window : std::max<std::size_t>(200, n / 5);
        const auto off = measure(space, n, w, 0);
        const auto on = measure(space, n, w, candidates);
        fmt::print("{{\"benchmark\": \"surrogate_cost\", \"scored\": {}, \"window\": {}, \"candidates\": {}, "
                   "\"features\": {}, \"us_per_job\": {:.1f}, \"us_per_job_without\": {:.2f}, \"ratio\": {:.1f}, "
                   "\"refits_in_window\": {}, \"refit_ms\": {:.2f}, \"features_us\": {:.2f}, \"predict_us\": {:.2f}, "
                   "\"jobs_per_second_bound\": {:.0f}}}\n",
                   n, w, candidates, on.feature_length, on.us_per_job, off.us_per_job, on.us_per_job / off.us_per_job,
                   on.refits_in_window, on.refit_ms, on.features_us, on.predict_us, 1e6 / on.us_per_job);
        std::fflush(stdout);
    }
    return 0;
}
