// The code snippets of docs/genome.md, docs/trainer.md and docs/guide.md,
// compiled and run, so the docs cannot drift from the code.
#include <evonas/evonas.hpp>

#include <catch2/catch.hpp>

#include <fmt/core.h>

#include <memory>

namespace {

// docs/trainer.md: a minimal trainer
struct CountLayers {
    evonas::Fitness evaluate(const evonas::Genome<>& g, const evonas::JobContext&) {
        return evonas::Fitness::of(static_cast<double>(g.gene_count()));
    }
};
static_assert(evonas::Trainer<CountLayers>);

// docs/guide.md, step 9
struct PrintImprovements : evonas::Observer<evonas::Genome<>> {
    int printed = 0;
    void on_improved(const evonas::JobRecord<evonas::Genome<>>& r, const evonas::Progress&) override {
        fmt::print("job {}: new best {:.4f}\n", r.job.id, r.fitness.score);
        ++printed;
    }
};

}  // namespace

TEST_CASE("docs/genome.md: a seed in the friendly notation and a custom mutation", "[docs]") {
    const auto space = evonas::cnn_space(2);
    const auto seed = evonas::parse_genome(
        "conv(k=5, f=32) pool conv(k=3, f=64) pool | dense(u=128) dropout(p=0.5) ; lr=0.02 bs=32", space);
    CHECK(evonas::to_text(seed, space) ==
          "conv(k=5,s=1,f=32,pad=same,act=relu,bn=1) pool(type=max,k=2,s=2) "
          "conv(k=3,s=1,f=64,pad=same,act=relu,bn=1) pool(type=max,k=2,s=2) | dense(u=128,act=relu) "
          "dropout(p=0.5) ; lr=0.02 mom=0.9 wd=0.0001 bs=32 opt=sgd epochs=5");

    // Widen every convolution: double its filters where the space allows it.
    auto widen = [](evonas::Genome<>& g, const evonas::SearchSpace& s, evonas::Rng&) {
        const auto conv = s.find_layer_type("conv");
        bool changed = false;
        for (auto& layer : g.section(0)) {
            if (!conv || layer.type != *conv) continue;
            const auto f = *s.layer_type(*conv).find_param("f");
            const double wider = layer.values[f] * 2;
            if (s.layer_type(*conv).params[f].contains(wider)) {
                layer.values[f] = wider;
                changed = true;
            }
        }
        return changed;  // false: nothing to widen, the mix tries another mutation
    };
    auto mix = evonas::MutationMix::standard();
    mix.add("widen", 1.0, widen);
    static_assert(!evonas::Mutation<int>);

    auto wider = seed;
    evonas::Rng rng(1);
    CHECK(widen(wider, space, rng));
    CHECK(evonas::genome_diff_text(seed, wider, space) == "features[0]: conv f 32->64; features[2]: conv f 64->128");
}

TEST_CASE("docs/guide.md: own operators and an observer in a run", "[docs]") {
    const auto space = evonas::cnn_space(2);
    const auto mine = evonas::parse_genome(
        "conv(k=5,f=32) pool conv(k=3,f=32) pool | dense(u=256) dropout(p=0.5) ; lr=0.1", space);
    evonas::RunOptions options;
    options.evolution = {.islands = 2, .population = 8, .seed = 3};
    options.evolution.stop.max_evaluations = 60;
    options.progress = false;
    const auto factory = [](std::size_t) { return CountLayers{}; };

    auto ops = evonas::EvolutionOperators<>::defaults(/*tournament_size=*/3);
    ops.crossover = evonas::SectionExchangeCrossover{};
    ops.crossover_name = "section_exchange";
    ops.select = evonas::EvolutionOperators<>::make_selection(evonas::AgingTournamentSelection{.size = 5});
    ops.replace = evonas::EvolutionOperators<>::make_replacement(evonas::ReplaceOldest{});
    auto mix = evonas::MutationMix::standard();
    ops.mutate = evonas::EvolutionOperators<>::make_mutation(std::move(mix));
    auto printer = std::make_shared<PrintImprovements>();
    const auto result = evonas::evolve(space, factory, options, {mine}, std::move(ops), {printer});
    CHECK(result.counts.finished == 60);
    CHECK(printer->printed >= 1);
    CHECK(result.best->score >= 7.0);  // the seed has 6 layers; evolution finds more
}
