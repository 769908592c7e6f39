// The MPI driver's wire format: every message kind survives a round trip
// exactly, and a truncated or corrupt message is an evonas::Error.
#include <evonas/mpi/master.hpp>
#include <evonas/mpi/messages.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "mpi_support.hpp"

using namespace evonas;
using Catch::Matchers::Contains;

namespace {

template <class Write, class Read>
auto round_trip(Write&& write, Read&& read) {
    mpi::wire::Writer w;
    write(w);
    const auto bytes = w.take();
    mpi::wire::Reader r(bytes.data(), bytes.size(), "test");
    auto value = read(r);
    r.expect_end();
    return value;
}

}  // namespace

TEST_CASE("genomes, fitness and records survive the wire exactly", "[mpi][wire]") {
    const auto space = test::small_space();
    Rng rng(5);
    for (int i = 0; i < 200; ++i) {
        const auto g = random_genome(space, rng);
        CHECK(round_trip([&](auto& w) { mpi::wire::write(w, g); },
                         [&](auto& r) { return mpi::wire::read_genome(r, space); }) == g);
    }
    Fitness f = Fitness::failed("the trainer threw: out of memory");
    f.score = -std::numeric_limits<double>::infinity();
    f.objectives = {1.5, std::nan("")};
    f.with("loss", 0.25).with("params", 1e6);
    const auto back = round_trip([&](auto& w) { mpi::wire::write(w, f); }, [](auto& r) { return mpi::wire::read_fitness(r); });
    CHECK(back.status == f.status);
    CHECK(back.reason == f.reason);
    CHECK(back.score == f.score);
    CHECK(back.metrics == f.metrics);
    REQUIRE(back.objectives.size() == 2);
    CHECK(std::isnan(back.objectives[1]));

    JobRecord<Genome<>> rec;
    rec.job.id = 42;
    rec.job.island = 1;
    rec.job.seed = 0xdeadbeefcafef00dull;
    rec.job.genome = random_genome(space, rng);
    rec.job.hash = genome_hash(rec.job.genome, space);
    rec.job.parents = {3, 17};
    rec.job.op = "crossover:one_point+mutation:insert_layer";
    rec.job.origin = Origin::bred;
    rec.job.check_note = "repaired pooling";
    rec.job.predicted = {16, 0.625, 0.03125};
    rec.job.cursor = IslandCursor{9, 1, 8, 7, 2, rng.state_string()};
    rec.fitness = Fitness::of(0.75).with("epochs", 3);
    rec.work = WorkInfo{5, 1.25, 2.5};
    rec.trained = true;
    const auto r2 = round_trip([&](auto& w) { mpi::wire::write(w, rec); },
                               [&](auto& r) { return mpi::wire::read_record(r, space); });
    CHECK(record_to_json(r2, space) == record_to_json(rec, space));
    CHECK(r2.job.predicted == rec.job.predicted);

    EvolutionResult<Genome<>> result;
    Individual<Genome<>> m{rec.job.genome, 0.75, 42, rec.job.hash, rec.fitness};
    result.best = m;
    result.island_best = {std::nullopt, m};
    result.hall_of_fame = {m, m};
    result.counts.finished = 12;
    result.counts.migrants = 3;
    result.elapsed_seconds = 9.5;
    result.stop_reason = "target_score";
    const auto res = round_trip([&](auto& w) { mpi::wire::write(w, result); },
                                [&](auto& r) { return mpi::wire::read_result(r, space); });
    REQUIRE(res.best);
    CHECK(res.best->genome == m.genome);
    CHECK(res.best->id == 42);
    REQUIRE(res.island_best.size() == 2);
    CHECK_FALSE(res.island_best[0]);
    CHECK(res.hall_of_fame.size() == 2);
    CHECK(res.counts == result.counts);
    CHECK(res.elapsed_seconds == 9.5);
    CHECK(res.stop_reason == "target_score");
}

TEST_CASE("job and result messages carry what a worker needs", "[mpi][wire]") {
    const auto space = test::small_space();
    Job<Genome<>> job;
    job.id = 7;
    job.seed = 99;
    job.island = 2;
    job.genome = parse_genome("conv(k=5,f=64) pool | dense(u=256) ; lr=0.05", space);
    const auto order = mpi::detail::decode_job(mpi::detail::encode_job(job, 1.5, -1.0), space);
    CHECK(order.id == 7);
    CHECK(order.seed == 99);
    CHECK(order.island == 2);
    CHECK(order.timeout == 1.5);
    CHECK(order.run_left == -1.0);
    CHECK(order.genome == job.genome);
    const auto result = mpi::detail::decode_result(mpi::detail::encode_result(7, 0.5, Fitness::timed_out("late")));
    CHECK(result.id == 7);
    CHECK(result.seconds == 0.5);
    CHECK(result.fitness == Fitness::timed_out("late"));
    const auto done = mpi::detail::decode_done(mpi::detail::encode_done({{1, 0, 4}, "workers_lost"}));
    CHECK(done.sent == std::vector<std::uint64_t>{1, 0, 4});
    CHECK(done.note == "workers_lost");
}

TEST_CASE("truncated, corrupt or mismatched messages are errors", "[mpi][wire]") {
    const auto space = test::small_space();
    Job<Genome<>> job;
    job.genome = parse_genome("conv pool | dense", space);
    auto bytes = mpi::detail::encode_job(job, 0.0, -1.0);
    for (std::size_t cut : {std::size_t{0}, std::size_t{8}, bytes.size() / 2, bytes.size() - 1}) {
        std::vector<char> part(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
        CHECK_THROWS_WITH(mpi::detail::decode_job(part, space), Contains("a malformed 'job' message"));
    }
    auto longer = bytes;
    longer.push_back('x');
    CHECK_THROWS_WITH(mpi::detail::decode_job(longer, space), Contains("1 bytes left over"));
    // A layer type id the space does not have (the first gene's type field).
    auto corrupt = bytes;
    const std::size_t type_at = 5 * 8 + 8 + 8;  // header, section count, gene count
    corrupt[type_at] = static_cast<char>(0x7f);
    CHECK_THROWS_WITH(mpi::detail::decode_job(corrupt, space), Contains("layer type id 127 is unknown"));
    // A huge count is refused before anything is allocated.
    mpi::wire::Writer w;
    w.u64(std::uint64_t{1} << 60);
    const auto huge = w.take();
    mpi::wire::Reader r(huge.data(), huge.size(), "test");
    CHECK_THROWS_WITH(r.f64s(), Contains("is too large"));
}

TEST_CASE("early stopping's report, decision and shared reports survive the wire", "[mpi][wire]") {
    using namespace mpi::detail;
    const auto report = decode_report(encode_report(ReportMessage{41, 3.0, 0.625}));
    CHECK(report.id == 41);
    CHECK(report.step == 3.0);
    CHECK(report.value == 0.625);
    CHECK(decode_decision(encode_decision(Decision::stop)) == Decision::stop);
    CHECK(decode_decision(encode_decision(Decision::keep_training)) == Decision::keep_training);
    CHECK_THROWS_WITH(decode_decision(std::vector<char>{2}), Contains("decision 2"));
    CHECK_THROWS_WITH(decode_report(std::vector<char>(23, 0)), Contains("a malformed 'report' message"));

    const std::vector<std::pair<Report, Decision>> sent{{Report{1, 0, 1.0, 0.5}, Decision::keep_training},
                                                        {Report{9, 3, 0.25, -2.0}, Decision::stop}};
    mpi::wire::Writer w;
    for (const auto& [r, d] : sent) write_report(w, r, d);
    const auto bytes = w.take();
    std::vector<std::pair<Report, Decision>> read;
    read_reports(bytes, [&](const Report& r, Decision d) { read.emplace_back(r, d); });
    CHECK(read == sent);
    auto bad = bytes;
    bad.back() = 7;  // the last decision
    CHECK_THROWS_WITH(read_reports(bad, [](const Report&, Decision) {}), Contains("decision 7"));
    bad.pop_back();
    CHECK_THROWS_WITH(read_reports(bad, [](const Report&, Decision) {}), Contains("a malformed 'reports' message"));
}
