// Runs that stop at any moment and resume losing nothing: jobs still in
// flight are requeued from their "dispatched" lines (also when a later job
// of the same island finished first, also seeds before the first
// checkpoint), a log that lost its unflushed tail (a machine crash) resumes,
// checkpoints stay the same size whatever the run's length, and the
// duplicate index is rebuilt from seen.bin.
#include <evonas/evonas.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include "support/lineage.hpp"
#include "support/spaces.hpp"
#include "support/trainers.hpp"

using namespace evonas;
using Catch::Matchers::Contains;

namespace {

const auto target_space = test::small_space();
const auto target = parse_genome("conv(k=3) conv(k=5) | dense(u=128)", target_space);

// Opens (or resumes) a run directory around a bare model, as a driver does.
struct Files {
    IslandModel<> model;
    std::shared_ptr<LineageLog> log;
    RunPaths paths;
    Files(const std::filesystem::path& dir, const EvolutionOptions& options, std::vector<Genome<>> seeds, bool resume)
        : model(target_space, options, seeds), paths{dir} {
        log = open_run_files(model, paths, run_identity(target_space, model.options(), seeds), {}, resume);
        model.add_observer(log);
    }
    Fitness score(const Genome<>& g) const { return Fitness::of(test::target_similarity(g, target, target_space)); }
};

std::set<std::uint64_t> finished_ids(const std::filesystem::path& lineage) {
    std::set<std::uint64_t> ids;
    for (const auto& r : read_lineage(lineage, target_space).records) {
        REQUIRE(ids.insert(r.job.id).second);  // never twice
    }
    return ids;
}

// Stops a run at its n-th finished job, as a crash would: the engine call
// throws, nothing more is written (no final checkpoint).
struct CrashAt : Observer<Genome<>> {
    std::uint64_t at;
    explicit CrashAt(std::uint64_t n) : at(n) {}
    void on_finished(const JobRecord<Genome<>>&, const Progress& p) override {
        if (p.counts.finished == at) throw std::runtime_error("simulated crash");
    }
};

}  // namespace

TEST_CASE("a job in flight when a later job of its island finished is sent again on resume", "[persistence]") {
    const bool with_checkpoint = GENERATE(false, true);
    test::TempDir dir("inflight");
    const EvolutionOptions options{.population = 4, .seed = 3, .stop = {.max_evaluations = 12}};
    Job<Genome<>> a, b;
    {
        Files run(dir.path(), options, {}, false);
        a = *run.model.propose(0);
        b = *run.model.propose(0);
        run.model.complete(b.id, run.score(b.genome));  // b finishes first, a is still training
        if (with_checkpoint) {
            write_run_checkpoint(run.model, run.paths, *run.log);
            // a is in the checkpoint by reference to its "dispatched" line.
            const auto cp = read_checkpoint(dir / "checkpoint.json");
            const auto& retry = cp.at("islands").at(0).at("retry");
            REQUIRE(retry.size() == 1);
            CHECK(retry[0].at("id") == a.id);
            CHECK(retry[0].contains("at"));
            CHECK_FALSE(retry[0].contains("genome"));
        }
    }  // "crash"
    Files run(dir.path(), options, {}, true);
    auto again = run.model.propose(0);
    REQUIRE(again);
    CHECK(again->id == a.id);
    CHECK(again->genome == a.genome);
    CHECK(again->seed == a.seed);
    CHECK(again->origin == a.origin);
    run.model.complete(again->id, run.score(again->genome));
    while (!run.model.done()) {
        auto job = run.model.propose(0);
        REQUIRE(job);
        CHECK(job->id != a.id);
        CHECK(job->id != b.id);
        run.model.complete(job->id, run.score(job->genome));
    }
    CHECK(finished_ids(dir / "lineage.jsonl").size() == 12);
}

TEST_CASE("seeds still training before the first checkpoint are sent again on resume", "[persistence]") {
    test::TempDir dir("seeds");
    const std::vector<Genome<>> seeds{parse_genome("conv(k=3) | dense(u=64)", target_space),
                                      parse_genome("conv(k=5) pool | dense(u=32)", target_space)};
    const EvolutionOptions options{.population = 4, .seed = 8, .stop = {.max_evaluations = 10}};
    std::uint64_t first_seed = 0;
    {
        Files run(dir.path(), options, seeds, false);
        const auto s1 = run.model.propose(0);
        const auto s2 = run.model.propose(0);
        REQUIRE((s1->origin == Origin::seed && s2->origin == Origin::seed));
        first_seed = s1->id;
        run.model.complete(s2->id, run.score(s2->genome));
    }
    Files run(dir.path(), options, seeds, true);
    const auto again = run.model.propose(0);
    CHECK(again->id == first_seed);
    CHECK(again->origin == Origin::seed);
    CHECK(again->genome == seeds[0]);
}

TEST_CASE("a run stopped at any moment and resumed, its log cut behind the last checkpoint, loses nothing",
          "[persistence][crash]") {
    const auto factory = [](std::size_t) { return test::TargetTrainer{target, &target_space}; };
    RunOptions options;
    options.evolution = {.islands = 2, .seed = 13, .stop = {.max_evaluations = 80}};
    options.workers = 1;
    options.checkpoint_interval = 7;
    options.progress = false;
    test::TempDir straight("crash-straight");
    options.run_dir = straight.path();
    evolve(target_space, factory, options);
    const auto expected = test::job_lines(straight / "lineage.jsonl");
    REQUIRE(expected.size() == 80);

    Rng rng(99);
    for (int trial = 0; trial < 12; ++trial) {
        test::TempDir dir("crash");
        options.run_dir = dir.path();
        options.resume = false;
        std::uint64_t done = 0;
        for (int crash = 0; crash < 3; ++crash) {
            const auto at = done + 1 + rng.index(20);
            if (at >= 80) break;
            ObserverList<Genome<>> observers{std::make_shared<CrashAt>(at)};
            CHECK_THROWS_WITH(evolve(target_space, factory, options, {}, {}, observers), "simulated crash");
            // A lost page cache: the log's tail after the last checkpoint is
            // gone, possibly mid-line.
            std::uint64_t covered = 0;  // no checkpoint yet: nothing is covered
            if (std::filesystem::exists(dir / "checkpoint.json")) {
                covered = parse_json_text(read_text_file(dir / "checkpoint.json", "cp"), "cp")
                              .at("lineage_bytes")
                              .get<std::uint64_t>();
            }
            const auto size = std::filesystem::file_size(dir / "lineage.jsonl");
            if (size > covered && rng.chance(0.7)) {
                std::filesystem::resize_file(dir / "lineage.jsonl", covered + rng.index(size - covered));
            }
            options.resume = true;
            done = at;
        }
        evolve(target_space, factory, options);
        INFO("trial " << trial);
        CHECK(test::job_lines(dir / "lineage.jsonl") == expected);
        finished_ids(dir / "lineage.jsonl");
    }
}

TEST_CASE("with several workers, every job of a crashed run is finished exactly once after resume",
          "[persistence][crash]") {
    struct Sleepy {
        Fitness evaluate(const Genome<>& g, const JobContext& ctx) const {
            std::this_thread::sleep_for(std::chrono::microseconds(200 + ctx.seed % 800));
            return Fitness::of(test::target_similarity(g, target, target_space));
        }
    };
    RunOptions options;
    options.evolution = {.islands = 3, .seed = 2, .stop = {.max_evaluations = 120}};
    options.workers = 4;
    options.checkpoint_interval = 9;
    options.progress = false;
    test::TempDir dir("crash-workers");
    options.run_dir = dir.path();
    for (std::uint64_t at : {17u, 45u, 90u}) {
        ObserverList<Genome<>> observers{std::make_shared<CrashAt>(at)};
        CHECK_THROWS(evolve(target_space, [](std::size_t) { return Sleepy{}; }, options, {}, {}, observers));
        options.resume = true;
    }
    const auto result = evolve(target_space, [](std::size_t) { return Sleepy{}; }, options);
    CHECK(result.counts.finished == 120);
    const auto ids = finished_ids(dir / "lineage.jsonl");
    CHECK(ids.size() == 120);
    // Every job that was ever dispatched finished (none was dropped).
    std::set<std::uint64_t> dispatched;
    std::ifstream in(dir / "lineage.jsonl");
    for (std::string line; std::getline(in, line);) {
        const auto j = nlohmann::json::parse(line);
        if (j.at("type") == "dispatched") dispatched.insert(j.at("id").get<std::uint64_t>());
    }
    for (auto id : dispatched) CHECK(ids.count(id) == 1);
}

TEST_CASE("checkpoints stay the same size however long the run, and the index survives in seen.bin",
          "[persistence][scale]") {
    struct Instant {
        Fitness evaluate(const Genome<>& g, const JobContext&) const {
            return Fitness::of(test::target_similarity(g, target, target_space));
        }
    };
    const auto size_after = [](std::uint64_t jobs, const std::filesystem::path& dir) {
        RunOptions options;
        options.evolution = {.population = 20, .seed = 1, .duplicates = DuplicatePolicy::rebreed,
                             .stop = {.max_evaluations = jobs}};
        options.run_dir = dir;
        options.progress = false;
        evolve(target_space, [](std::size_t) { return Instant{}; }, options);
        return std::filesystem::file_size(dir / "checkpoint.json");
    };
    test::TempDir small("cp-small"), large("cp-large");
    const auto s = size_after(300, small.path());
    const auto l = size_after(3000, large.path());
    CHECK(static_cast<double>(l) < 1.3 * static_cast<double>(s));
    CHECK(std::filesystem::file_size(large / "seen.bin") == 3000 * 24);
    // Resuming rebuilds the index from seen.bin: no genome of the first
    // 3000 is trained again in the next 500.
    std::set<std::uint64_t> hashes;
    for (const auto& r : read_lineage(large / "lineage.jsonl", target_space).records) hashes.insert(r.job.hash);
    RunOptions more;
    more.evolution = {.population = 20, .seed = 1, .stop = {.max_evaluations = 3500}};
    more.run_dir = large.path();
    more.resume = true;
    more.progress = false;
    evolve(target_space, [](std::size_t) { return Instant{}; }, more);
    const auto records = read_lineage(large / "lineage.jsonl", target_space).records;
    REQUIRE(records.size() == 3500);
    for (std::size_t i = 3000; i < records.size(); ++i) CHECK(hashes.insert(records[i].job.hash).second);
}

TEST_CASE("a log that lost lines the checkpoint covers is refused with the reason", "[persistence][errors]") {
    test::TempDir dir("cut");
    RunOptions options;
    options.evolution = {.population = 4, .seed = 1, .stop = {.max_evaluations = 20}};
    options.run_dir = dir.path();
    options.progress = false;
    evolve(target_space, [](std::size_t) { return test::TargetTrainer{target, &target_space}; }, options);
    std::filesystem::resize_file(dir / "lineage.jsonl", 100);
    options.resume = true;
    CHECK_THROWS_WITH(
        evolve(target_space, [](std::size_t) { return test::TargetTrainer{target, &target_space}; }, options),
        Contains("lineage.jsonl has 100 bytes but the checkpoint covers") && Contains("refusing to resume"));
}

namespace {

std::string whole_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Sizes of the lineage log seen from inside complete_and_propose()'s batch.
struct BatchProbe : Observer<Genome<>> {
    std::filesystem::path file;
    std::vector<std::uintmax_t> sizes;
    std::size_t batches = 0;
    bool in_batch = false;
    explicit BatchProbe(std::filesystem::path f) : file(std::move(f)) {}
    void on_batch_begin() override {
        in_batch = true;
        ++batches;
    }
    void on_batch_end() override { in_batch = false; }
    void on_finished(const JobRecord<Genome<>>&, const Progress&) override {
        if (in_batch) sizes.push_back(std::filesystem::file_size(file));
    }
    void on_proposed(const Job<Genome<>>&, const Progress&) override {
        if (in_batch) sizes.push_back(std::filesystem::file_size(file));
    }
};

}  // namespace

TEST_CASE("a result and the next job reach the lineage log in one write, before the call returns",
          "[persistence][lineage]") {
    test::TempDir one("handover-apart"), two("handover-together");
    const EvolutionOptions options{.islands = 2, .population = 4, .seed = 11, .stop = {.max_evaluations = 40}};
    Files apart(one.path(), options, {}, false);     // complete(), then propose()
    Files together(two.path(), options, {}, false);  // complete_and_propose()
    const auto lineage = two / "lineage.jsonl";
    auto probe = std::make_shared<BatchProbe>(lineage);
    together.model.add_observer(probe);  // after the log, as a user's observer would be
    std::size_t island = 0;
    auto a = apart.model.propose(island);
    auto b = together.model.propose(island);
    std::size_t steps = 0;
    while (a) {
        REQUIRE(b);
        island = (island + 1) % 2;
        apart.model.complete(a->id, apart.score(a->genome));
        a = apart.model.propose(island);
        const auto before = std::filesystem::file_size(lineage);
        probe->sizes.clear();
        const auto handover = together.model.complete_and_propose(b->id, together.score(b->genome), {}, island);
        ++steps;
        CHECK(handover.record.job.id == b->id);
        // Inside the call nothing was written yet; when it returns, both lines are there.
        REQUIRE(probe->sizes.size() == (handover.next ? 2u : 1u));
        for (const auto size : probe->sizes) CHECK(size == before);
        const auto text = whole_file(lineage);
        REQUIRE(text.size() > before);
        b = handover.next;
        REQUIRE(a.has_value() == b.has_value());
        if (b) {
            CHECK(b->id == a->id);
            CHECK(b->genome == a->genome);
            // The dispatched line is the last one, where the log says it is.
            const auto last = text.rfind('\n', text.size() - 2) + 1;
            REQUIRE(together.log->offset_of(b->id));
            CHECK(*together.log->offset_of(b->id) == last);
            CHECK(read_dispatched_at(lineage, target_space, last).id == b->id);
            CHECK(text.compare(before, last - before, text, before, last - before) == 0);
        }
    }
    CHECK(probe->batches == steps);
    CHECK(steps == 40);
    // The same lines, byte for byte, as complete() and propose() apart.
    CHECK(whole_file(one / "lineage.jsonl") == whole_file(lineage));
    CHECK(read_lineage(lineage, target_space).records.size() == 40);
}

TEST_CASE("a result is in the lineage log when the proposal after it throws", "[persistence][lineage]") {
    test::TempDir dir("handover-throws");
    Files run(dir.path(), EvolutionOptions{.population = 4, .seed = 2, .stop = {.max_evaluations = 10}}, {}, false);
    const auto job = run.model.propose(0);
    REQUIRE(job);
    const IslandModel<>::Prepare crashing = [](Genome<>&) -> Check { throw std::runtime_error("the check crashed"); };
    CHECK_THROWS_WITH(run.model.complete_and_propose(job->id, run.score(job->genome), {}, 0, crashing),
                      "the check crashed");
    auto contents = read_lineage(dir / "lineage.jsonl", target_space);
    REQUIRE(contents.records.size() == 1);
    CHECK(contents.records[0].job.id == job->id);
    // The log writes line by line again after the failed batch.
    const auto next = run.model.propose(0);
    REQUIRE(next);
    contents = read_lineage(dir / "lineage.jsonl", target_space);
    CHECK(contents.dispatched == 2);
    CHECK(*run.log->offset_of(next->id) + 1 < std::filesystem::file_size(dir / "lineage.jsonl"));
}

TEST_CASE("seen.bin records are held in memory until a checkpoint counts them", "[persistence][lineage]") {
    test::TempDir dir("seen-held");
    Files run(dir.path(), EvolutionOptions{.population = 8, .seed = 4, .stop = {.max_evaluations = 300}}, {}, false);
    const auto seen = dir / "seen.bin";
    const auto finish = [&](std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            const auto job = run.model.propose(0);
            REQUIRE(job);
            run.model.complete(job->id, run.score(job->genome));
        }
    };
    finish(20);
    const auto counted = run.log->seen_records();
    CHECK(counted == 20);  // one per trained job
    CHECK(std::filesystem::file_size(seen) == 0);
    write_run_checkpoint(run.model, run.paths, *run.log);
    CHECK(std::filesystem::file_size(seen) == counted * 24);
    CHECK(read_checkpoint(dir / "checkpoint.json").at("seen_records") == counted);
    CHECK(SeenFile::read(seen, counted).size() == counted);
    // A full batch of records is written without a checkpoint.
    finish(SeenFile::held_records + 20);
    const auto now = run.log->seen_records();
    CHECK(now > counted + SeenFile::held_records);
    const auto on_disk = std::filesystem::file_size(seen) / 24;
    CHECK(on_disk > counted);
    CHECK(on_disk < now);
    // The end of the run writes the rest.
    run.log->on_end(run.model.progress());
    CHECK(std::filesystem::file_size(seen) == now * 24);
}
