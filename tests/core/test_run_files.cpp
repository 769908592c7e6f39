// Run files under disk faults: writes that fail (file size limit standing in
// for a full disk, short writes, missing directories) give a clear IoError
// and never leave a corrupt file in place of a good one.
#include <evonas/evonas.hpp>

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <set>
#include <sys/resource.h>

#include "support/spaces.hpp"
#include "support/trainers.hpp"

using namespace evonas;
using Catch::Matchers::Contains;

namespace {

/// Limits the size of files this process may write (RLIMIT_FSIZE): a write
/// past it fails with EFBIG, as a full disk fails with ENOSPC. Restored at
/// scope exit. SIGXFSZ is ignored so the write fails instead of killing us.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &saved_);
        previous_ = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit = saved_;
        limit.rlim_cur = bytes;
        REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &saved_);
        std::signal(SIGXFSZ, previous_);
    }

private:
    rlimit saved_{};
    void (*previous_)(int) = nullptr;
};

}  // namespace

TEST_CASE("an atomic write that fails leaves the old file and no temporary", "[io][faults]") {
    test::TempDir dir("atomic");
    const auto path = dir / "checkpoint.json";
    write_file_atomically(path, "{\"good\": true}\n", "checkpoint");
    {
        FileSizeLimit limit(64);
        const std::string big(10000, 'x');
        CHECK_THROWS_MATCHES(write_file_atomically(path, big, "checkpoint"), IoError,
                             Catch::Matchers::Predicate<IoError>([](const IoError& e) {
                                 return std::string(e.what()).find("cannot write the temporary checkpoint file") !=
                                            std::string::npos &&
                                        e.code() == std::errc::file_too_large;
                             }));
    }
    CHECK(read_text_file(path, "checkpoint") == "{\"good\": true}\n");
    CHECK_FALSE(std::filesystem::exists(dir / "checkpoint.json.tmp"));
}

TEST_CASE("writing into a directory that does not exist names the file", "[io][faults]") {
    test::TempDir dir("missing");
    const auto path = dir / "no" / "such" / "best.txt";
    CHECK_THROWS_WITH(write_file_atomically(path, "x", "best genome"),
                      Contains("best.txt.tmp: cannot create the temporary best genome file: No such file or directory"));
    CHECK_THROWS_WITH(read_text_file(dir / "absent.json", "checkpoint"),
                      Contains("absent.json: cannot open the checkpoint: No such file or directory"));
}

TEST_CASE("a lineage line that cannot be written stops the run with an IoError", "[io][faults]") {
    const auto space = test::small_space();
    test::TempDir dir("lineage-full");
    LineageLog log(dir / "lineage.jsonl", space);
    IslandModel<> model(space, EvolutionOptions{.population = 4});
    model.add_observer(std::shared_ptr<LineageLog>(&log, [](LineageLog*) {}));
    auto job = model.propose(0);
    model.complete(job->id, Fitness::of(0.5));  // its lines fit
    job = model.propose(0);                      // its "dispatched" line too
    const auto size = std::filesystem::file_size(dir / "lineage.jsonl");
    FileSizeLimit limit(size + 10);
    CHECK_THROWS_WITH(model.complete(job->id, Fitness::of(0.6)), Contains("cannot write to the lineage log"));
    // A dispatch whose line cannot be written stops the run too.
    CHECK_THROWS_WITH(model.propose(0), Contains("cannot write to the lineage log"));
}

TEST_CASE("a run whose disk fills keeps its last good checkpoint and resumes", "[io][faults]") {
    const auto space = test::small_space();
    const auto target = parse_genome("conv(k=3) conv(k=5) | dense(u=128)", space);
    const auto factory = [&](std::size_t) { return test::TargetTrainer{target, &space}; };
    test::TempDir dir("disk-full");
    RunOptions options{.evolution = {.population = 8, .seed = 5, .stop = {.max_evaluations = 400}},
                       .run_dir = dir.path(),
                       .checkpoint_interval = 10,
                       .progress = false};
    {
        // Enough room for run.json, the first checkpoints and some lines, not for the whole run.
        FileSizeLimit limit(40000);
        CHECK_THROWS_AS(evolve(space, factory, options), IoError);
    }
    // The checkpoint on disk is a complete, restorable one (its job in
    // flight, proposed with the result before it, read from the log).
    const auto snapshot = read_checkpoint(dir / "checkpoint.json");
    IslandModel<> probe(space, options.evolution);
    CHECK_NOTHROW(restore_model(probe, snapshot, "checkpoint", [&](std::uint64_t, std::uint64_t at) {
        return read_dispatched_at(dir / "lineage.jsonl", space, at);
    }));
    const auto finished_before = read_lineage(dir / "lineage.jsonl", space).records.size();
    CHECK(finished_before > 10);
    CHECK(finished_before < 400);

    options.resume = true;
    const auto result = evolve(space, factory, options);
    CHECK(result.counts.finished == 400);
    const auto lineage = read_lineage(dir / "lineage.jsonl", space);
    std::set<std::uint64_t> ids;
    for (const auto& r : lineage.records) CHECK(ids.insert(r.job.id).second);  // none trained twice
    CHECK(lineage.records.size() == 400);
}

TEST_CASE("a damaged lineage line is reported with its file and line", "[io][errors]") {
    const auto space = test::small_space();
    test::TempDir dir("damaged");
    const auto path = dir / "lineage.jsonl";
    std::ofstream(path) << "{\"type\":\"migration\",\"from\":0,\"to\":1,\"ids\":[],\"time\":0}\n"
                        << "{\"type\":\"job\",\"id\":1}\n";
    CHECK_THROWS_WITH(read_lineage(path, space), Contains("lineage.jsonl:2.island: is missing"));
    std::ofstream(path, std::ios::trunc) << "not json\n";
    CHECK_THROWS_AS(read_lineage(path, space), ParseError);
    CHECK_THROWS_WITH(read_lineage(path, space), Contains("lineage.jsonl:1:2: syntax error"));
}
