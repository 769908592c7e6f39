// Golden runs: the layer genome through the generic engine (genome_traits)
// must give exactly the runs and files of evonas before it was generic.
// The digests below were computed with the code of commit dcc74d5 (before
// genome_traits existed) and are pinned: any change to proposals, breeding,
// hashes, lineage lines or checkpoints of the layer genome breaks them.
#include <catch2/catch.hpp>

#include <evonas/evonas.hpp>
#include "support/spaces.hpp"
#include "support/trainers.hpp"

static std::uint64_t golden_run_digest(evonas::EvolutionPreset preset, double crossover, std::size_t jobs) {
    using namespace evonas;
    const auto space = cnn_space(1);
    Rng pick(20261202);
    const auto target = random_genome(space, pick);
    test::TargetTrainer trainer{target, &space};
    EvolutionOptions o;
    o.preset = preset;
    o.seed = 7;
    o.islands = 2;
    o.population = 8;
    o.migration.interval = 10;
    o.crossover_probability = crossover;
    o.stop.max_evaluations = jobs;
    IslandModel<> model(space, o);
    detail::StableHasher h;
    std::string line, scratch;
    std::size_t island = 0;
    while (auto job = model.propose(island)) {
        line.clear();
        append_dispatched_line(line, *job, space, scratch);
        h.add(std::string_view(line));
        const auto r = model.complete(job->id, trainer.evaluate(job->genome, JobContext{}));
        line.clear();
        append_record_line(line, r, space, scratch);
        h.add(std::string_view(line));
        island = (island + 1) % o.islands;
    }
    auto snapshot = model_snapshot(model);
    snapshot.erase("evonas_version");
    h.add(std::string_view(snapshot.dump()));
    return h.digest();
}

TEST_CASE("the layer genome's runs are bit-identical to evonas before genome_traits", "[golden][engine]") {
    CHECK(golden_run_digest(evonas::EvolutionPreset::classic, 0.5, 400) == 0x30ede3b45ea29ed1ULL);
    CHECK(golden_run_digest(evonas::EvolutionPreset::regularized, 0.5, 400) == 0xd94ceeddedbe8265ULL);
}

TEST_CASE("the golden digest sees a change of one job", "[golden][engine]") {
    // The digest is not blind: another seed count or preset gives another value.
    CHECK(golden_run_digest(evonas::EvolutionPreset::classic, 0.5, 399) != 0x30ede3b45ea29ed1ULL);
    CHECK(golden_run_digest(evonas::EvolutionPreset::regularized, 0.0, 400) != 0xd94ceeddedbe8265ULL);
}
