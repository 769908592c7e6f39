// A genome of your own under the MPI driver: the DAG cell of
// examples/dag_cell (genome_traits, its own mutations and crossover) goes
// over the wire as text, is logged, checkpointed and resumed like the
// layer genome; with one worker per island the MPI run equals the thread
// driver's, and a run that fails midway resumes to the uninterrupted one.
#include <catch2/catch.hpp>

#include <evonas/evonas.hpp>
#include <evonas/mpi/mpi.hpp>

#include "dag_cell/dag_cell.hpp"
#include "mpi_support.hpp"

#include <set>
#include <stdexcept>

using namespace evonas;
using evonas::examples::dag::DagGenome;
using evonas::examples::dag::DagOp;
using evonas::examples::dag::DagSpace;
using Catch::Matchers::Contains;

namespace {

/// A fitness with an optimum: deep cells of convolutions with 16 channels
/// and a learning rate near 0.01 score high; noise from the job's seed.
struct CellScore {
    Fitness evaluate(const DagGenome& g, const JobContext& ctx) const {
        double score = 0.2 * static_cast<double>(g.depth());
        for (const auto& n : g.nodes) score += n.op == DagOp::conv3 || n.op == DagOp::conv5 ? 0.1 : 0.0;
        score -= std::abs(std::log10(g.lr) + 2.0) * 0.3;
        score -= g.channels == 16 ? 0.0 : 0.2;
        return Fitness::of(score + 0.01 * Rng(ctx.seed).uniform());
    }
};

struct CrashAfter : Observer<DagGenome> {
    std::uint64_t limit;
    explicit CrashAfter(std::uint64_t n) : limit(n) {}
    void on_finished(const JobRecord<DagGenome>&, const Progress& p) override {
        if (p.counts.finished >= limit) throw std::runtime_error("simulated crash");
    }
};

mpi::BasicRunOptions<DagGenome> options_for(const std::filesystem::path& dir, std::uint64_t evaluations,
                                            std::size_t islands) {
    mpi::BasicRunOptions<DagGenome> o;
    o.evolution = {.islands = islands, .population = 8, .seed = 11, .migration = {.interval = 5},
                   .stop = {.max_evaluations = evaluations}};
    o.run_dir = dir;
    o.checkpoint_interval = 10;
    o.progress = false;
    return o;
}

DagSpace cell_space() {
    DagSpace space;
    space.validate();
    return space;
}

}  // namespace

TEST_CASE("a DAG-cell genome evolves over MPI ranks and its run files read back", "[mpi][user-genome]") {
    boost::mpi::communicator world;
    const auto space = cell_space();
    const auto factory = [](std::size_t) { return CellScore{}; };
    test::SharedTempDir dir(world, "mpi-dag");
    const auto result = mpi::evolve<DagGenome>(world, space, factory, options_for(dir.path(), 120, 2));
    CHECK(result.counts.finished == 120);
    REQUIRE(result.best);
    CHECK(genome_problem_of(result.best->genome, space).empty());
    CHECK(test::same_on_all_ranks(world, genome_text_of(result.best->genome, space)));
    if (world.rank() == 0) {
        const auto lineage = read_lineage<DagGenome>(dir / "lineage.jsonl", space);
        CHECK(lineage.records.size() == 120);
        std::set<std::string> ops;
        for (const auto& r : lineage.records) {
            CHECK(r.job.hash == genome_hash_of(r.job.genome, space));
            ops.insert(r.job.op.substr(0, r.job.op.find(':')));
        }
        CHECK(ops.count("mutation") == 1);  // the DAG's own operators bred children
        CHECK(ops.count("random") == 1);
    }
}

TEST_CASE("with one worker per island, the DAG run under MPI equals the thread driver's", "[mpi][user-genome]") {
    boost::mpi::communicator world;
    const auto space = cell_space();
    const auto factory = [](std::size_t) { return CellScore{}; };
    const auto pair = world.split(world.rank() < 2 ? 0 : 1);
    if (world.rank() < 2) {
        test::SharedTempDir dir(pair, "mpi-dag-determinism");
        const auto options = options_for(dir / "mpi", 60, 1);
        mpi::evolve<DagGenome>(pair, space, factory, options);
        if (pair.rank() == 0) {
            evolve<DagGenome>(space, factory,
                              RunOptions{.evolution = options.evolution, .workers = 1, .run_dir = dir / "threads",
                                         .checkpoint_interval = 10, .progress = false});
            CHECK(test::job_lines(dir / "mpi" / "lineage.jsonl") == test::job_lines(dir / "threads" / "lineage.jsonl"));
        }
    }
}

TEST_CASE("a DAG run that fails midway under MPI resumes to the uninterrupted run", "[mpi][user-genome]") {
    boost::mpi::communicator world;
    const auto space = cell_space();
    const auto factory = [](std::size_t) { return CellScore{}; };
    const auto pair = world.split(world.rank() < 2 ? 0 : 1);
    if (world.rank() < 2) {
        test::SharedTempDir straight(pair, "mpi-dag-straight");
        mpi::evolve<DagGenome>(pair, space, factory, options_for(straight.path(), 70, 1));
        test::SharedTempDir crashed(pair, "mpi-dag-crashed");
        for (std::uint64_t crash_at : {17, 41}) {
            auto options = options_for(crashed.path(), 70, 1);
            options.resume = crash_at != 17;
            ObserverList<DagGenome> observers{std::make_shared<CrashAfter>(crash_at)};
            if (pair.rank() == 0) {
                CHECK_THROWS_WITH(mpi::evolve<DagGenome>(pair, space, factory, options, {}, {}, observers),
                                  "simulated crash");
            } else {
                CHECK_THROWS_WITH(mpi::evolve<DagGenome>(pair, space, factory, options, {}, {}, observers),
                                  Contains("simulated crash"));
            }
        }
        auto options = options_for(crashed.path(), 70, 1);
        options.resume = true;
        const auto resumed = mpi::evolve<DagGenome>(pair, space, factory, options);
        CHECK(resumed.counts.finished == 70);
        if (pair.rank() == 0) {
            CHECK(test::job_lines(crashed / "lineage.jsonl") == test::job_lines(straight / "lineage.jsonl"));
        }
    }
}
