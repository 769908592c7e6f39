// The run report (io/run_report.hpp): a run directory written by hand whose
// every number is known, real runs of the thread and simulation drivers
// checked against a brute force over their lineage logs, and damaged files.
#include <evonas/drivers/sim.hpp>
#include <evonas/drivers/threads.hpp>
#include <evonas/io/run_report.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/spaces.hpp"
#include "support/trade_off_trainer.hpp"
#include "support/trainers.hpp"

using namespace evonas;
using Catch::Matchers::Contains;

namespace run_report_test {

/// A job line as the lineage log writes it (the fields the report reads).
nlohmann::json job_line(std::uint64_t id, const std::string& origin, const std::string& op,
                        std::vector<std::uint64_t> parents, nlohmann::json fitness, double start, double end,
                        std::size_t worker, bool trained = true) {
    return {{"type", "job"}, {"id", id}, {"island", 0}, {"seed", "0000000000000001"}, {"origin", origin},
            {"op", op}, {"parents", parents}, {"genome", fmt::format("conv(k={}) | dense(u=16)", id)},
            {"hash", fmt::format("{:016x}", 1000 + id)}, {"fitness", std::move(fitness)}, {"worker", worker},
            {"start", start}, {"end", end}, {"trained", trained},
            {"cursor", {{"seq", id}, {"seeds_used", 0}, {"initial_proposed", 0}, {"proposed", id},
                        {"duplicates", 0}, {"rng", "0"}}}};
}

nlohmann::json ok(double score) { return {{"status", "ok"}, {"score", score}}; }
nlohmann::json bad(const std::string& status, const std::string& reason) {
    return {{"status", status}, {"score", nullptr}, {"reason", reason}};
}

/// A run directory of ten finished jobs and one in flight, written by hand;
/// the expected report is worked out in the test cases below.
void write_hand_run(const std::filesystem::path& dir) {
    std::ofstream(dir / "run.json") << nlohmann::json{
        {"driver", "threads"}, {"workers", 2}, {"evonas_version", "0.0-test"}, {"seeds", {"conv(k=0) | dense(u=16)"}},
        {"options", {{"islands", 1}, {"population", 4}, {"seed", 3}, {"preset", "regularized"}}},
        {"stop", {{"max_evaluations", 10}}}}.dump(2);
    std::ofstream out(dir / "lineage.jsonl");
    const std::vector<nlohmann::json> lines{
        job_line(0, "seed", "seed", {}, ok(0.5), 0, 2, 0),
        job_line(1, "random", "random", {}, ok(0.3), 0, 1, 1),
        job_line(2, "bred", "mutation:insert_layer", {0}, ok(0.6), 1, 3, 1),  // beats 0.5
        job_line(3, "bred", "mutation:insert_layer+mutate_globals", {1}, ok(0.2), 2, 4, 0),  // below 0.3
        job_line(4, "bred", "crossover:one_point+mutation:swap_layers", {0, 2},
                 bad("failed", "the trainer threw: out of memory after 12.5 s"), 3, 5, 1),
        job_line(5, "bred", "crossover:one_point", {2, 1}, ok(0.7), 4, 6, 0),  // beats max(0.6, 0.3)
        job_line(6, "bred", "mutation:mutate_globals", {5}, bad("invalid", "check: 7 layers"), 0, 0, 0, false),
        job_line(7, "duplicate", "mutation:swap_layers+duplicate_of:2", {2}, ok(0.6), 0, 0, 0, false),
        job_line(8, "bred", "mutation:insert_layer", {99}, ok(0.9), 5, 7, 1),  // parent not in the log
        job_line(9, "random", "random", {}, bad("failed", "the trainer threw: out of memory after 3 s"), 6, 7, 0),
    };
    for (const auto& j : lines) out << j.dump() << "\n";
    auto in_flight = job_line(10, "bred", "mutation:insert_layer", {8}, ok(0), 0, 0, 0);
    for (const char* key : {"fitness", "start", "end", "worker", "trained"}) in_flight.erase(key);
    in_flight["type"] = "dispatched";
    out << in_flight.dump() << "\n";
    out << nlohmann::json{{"type", "migration"}, {"from", 0}, {"to", 0}, {"ids", {2}}, {"time", 3.5}}.dump() << "\n";
}

const OperatorStats& find_operator(const RunReport& r, const std::string& name) {
    for (const auto& o : r.operators) {
        if (o.name == name) return o;
    }
    FAIL("no operator " << name);
    throw std::logic_error("unreachable");
}

/// Every job line of a lineage log, parsed (the brute force's input).
std::vector<nlohmann::json> all_job_lines(const std::filesystem::path& path) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line);
        if (j.at("type") == "job") out.push_back(std::move(j));
    }
    return out;
}

bool stopped_early_line(const nlohmann::json& j) {
    return j.at("fitness").contains("metrics") && j.at("fitness").at("metrics").contains("stopped_at");
}

/// A trainer whose outcome the job id decides: every 10th job (id % 10 == 3)
/// throws, id % 10 == 7 times out, id % 10 == 9 is invalid, the others score
/// their similarity to a target; its check rejects 6 feature layers.
struct ScriptedTrainer {
    Genome<> target;
    const SearchSpace* space = nullptr;

    Check check(Genome<>& g) const {
        if (g.section(0).size() >= 6) return Check::invalid(fmt::format("{} feature layers, at most 5", g.section(0).size()));
        return Check::fine();
    }
    Fitness evaluate(const Genome<>& g, const JobContext& ctx) const {
        switch (ctx.job_id % 10) {
            case 3: throw std::runtime_error(fmt::format("out of memory on job {}", ctx.job_id));
            case 7: return Fitness::timed_out(fmt::format("ran past its {} s", 0.25));
            case 9: return Fitness::invalid("the kernel is larger than the input");
            default: break;
        }
        return Fitness::of(test::target_similarity(g, target, *space)).with("layers", static_cast<double>(g.gene_count()));
    }
};

}  // namespace run_report_test

using namespace run_report_test;

TEST_CASE("a run directory written by hand: every section as worked out by hand", "[report]") {
    test::TempDir dir("report-hand");
    write_hand_run(dir.path());
    const auto r = read_run_report(dir.path(), {.top = 3, .timeline_bins = 7});

    CHECK(r.identity.driver == "threads");
    CHECK(r.identity.workers == 2);
    CHECK(r.identity.workers_seen == 2);
    CHECK(r.identity.islands == 1);
    CHECK(r.identity.population == 4);
    CHECK(r.identity.seed == 3);
    CHECK(r.identity.preset == "regularized");
    CHECK(r.identity.evonas_version == "0.0-test");
    CHECK(r.identity.max_evaluations == 10);
    CHECK(r.identity.seeds == 1);
    CHECK(r.identity.objectives.empty());

    // Jobs: 8 trained (0-5, 8, 9), 6 of them ok, 2 failed; 6 rejected; 7 a reused twin; 10 in flight.
    const auto& c = r.counts;
    CHECK(c.jobs == 10);
    CHECK(c.trained == 8);
    CHECK(c.ok == 6);
    CHECK(c.stopped_early == 0);
    CHECK(c.failed == 2);
    CHECK(c.timed_out == 0);
    CHECK(c.invalid == 0);
    CHECK(c.rejected == 1);
    CHECK(c.duplicates == 1);
    CHECK(c.unfinished == 1);

    // Wall time 7 s; 14 worker-seconds of training on 2 workers: always busy.
    CHECK(r.wall_seconds == 7.0);
    CHECK(r.busy_seconds == 14.0);
    CHECK(r.utilisation == Approx(1.0));
    CHECK(r.jobs_per_hour == Approx(8.0 / 7.0 * 3600.0));

    // Best 3: 8 (0.9), 5 (0.7), 2 (0.6); twin 7 (0.6, not trained) is not listed.
    REQUIRE(r.top.size() == 3);
    CHECK(r.top[0].id == 8);
    CHECK(r.top[1].id == 5);
    CHECK(r.top[2].id == 2);
    CHECK(r.top[1].score == 0.7);
    CHECK(r.top[1].parents == std::vector<std::uint64_t>{2, 1});
    CHECK(r.top[1].op == "crossover:one_point");
    CHECK(r.top[1].seconds == 2.0);
    CHECK(r.top[1].genome == "conv(k=5) | dense(u=16)");
    REQUIRE(r.best);
    CHECK(r.best->id == 8);
    CHECK_FALSE(r.front);

    // Operators, by hand: insert_layer made 2, 3, 8 (2 beat its parent; 8's
    // parent 99 is not in the log); mutate_globals 3 and the rejected 6;
    // one_point 4 (failed) and 5 (0.7 > 0.6); swap_layers 4 (twin 7 aside).
    CHECK(r.operators.size() == 4);
    const auto& insert = find_operator(r, "mutation:insert_layer");
    CHECK(insert.children == 3);
    CHECK(insert.ok == 3);
    CHECK(insert.improved == 1);
    CHECK(insert.parents_unknown == 1);
    CHECK(insert.success() == Approx(1.0 / 3.0));
    const auto& globals = find_operator(r, "mutation:mutate_globals");
    CHECK(globals.children == 2);
    CHECK(globals.ok == 1);
    CHECK(globals.improved == 0);
    const auto& one_point = find_operator(r, "crossover:one_point");
    CHECK(one_point.children == 2);
    CHECK(one_point.ok == 1);
    CHECK(one_point.improved == 1);
    const auto& swap = find_operator(r, "mutation:swap_layers");
    CHECK(swap.children == 1);
    CHECK(swap.ok == 0);
    CHECK(swap.improved == 0);

    // Timeline: 7 bins of 1 s; a job counts where it ends (7 s: the last bin).
    REQUIRE(r.timeline.size() == 7);
    const std::vector<std::uint64_t> finished{0, 1, 1, 1, 1, 1, 3};
    const std::vector<double> best{0, 0.3, 0.5, 0.6, 0.6, 0.6, 0.9};
    for (std::size_t i = 0; i < 7; ++i) {
        INFO("bin " << i);
        CHECK(r.timeline[i].start == Approx(static_cast<double>(i)));
        CHECK(r.timeline[i].end == Approx(static_cast<double>(i + 1)));
        CHECK(r.timeline[i].finished == finished[i]);
        CHECK(r.timeline[i].busy_workers == Approx(2.0));
        if (i == 0) {
            CHECK_FALSE(r.timeline[i].best);
        } else {
            REQUIRE(r.timeline[i].best);
            CHECK(*r.timeline[i].best == best[i]);
        }
    }

    // Failures: the two out-of-memory failures differ only in a number.
    REQUIRE(r.failures.size() == 2);
    CHECK(r.failures[0].status == "failed");
    CHECK(r.failures[0].pattern == "the trainer threw: out of memory after # s");
    CHECK(r.failures[0].count == 2);
    CHECK(r.failures[0].first_job == 4);
    CHECK(r.failures[0].example == "the trainer threw: out of memory after 12.5 s");
    CHECK(r.failures[1].status == "rejected");
    CHECK(r.failures[1].pattern == "check: # layers");
    CHECK(r.failures[1].count == 1);
    CHECK(r.failures[1].first_job == 6);

    CHECK_FALSE(r.surrogate);
    CHECK_FALSE(r.early_stopping);
    CHECK(r.migrations == 1);
    CHECK_FALSE(r.torn_tail);

    SECTION("the text carries the numbers") {
        const auto text = format_run_report(r);
        INFO(text);
        CHECK_THAT(text, Contains("driver threads, 2 worker(s), 1 island(s) of 4, seed 3, preset regularized"));
        CHECK_THAT(text, Contains("wall time 7 s, 8 networks trained (4114.3 per hour), workers busy 100.0%"));
        CHECK_THAT(text, Contains("best 3 networks"));
        CHECK_THAT(text, Contains("conv(k=8) | dense(u=16)"));
        CHECK_THAT(text, Contains("  mutation:insert_layer           3   3         1    33.3%\n"));
        CHECK_THAT(text, Contains("the trainer threw: out of memory after 12.5 s"));
        CHECK_THAT(text, Contains("rejected"));
        CHECK_THAT(text, Contains("timeline (7 bins of 1 s)"));
        CHECK_THAT(text, Contains("1 migration, 0 warnings"));
    }
    SECTION("the JSON carries the same") {
        const auto j = run_report_json(r);
        CHECK(j.at("counts").at("ok") == 6);
        CHECK(j.at("counts").at("rejected") == 1);
        CHECK(j.at("counts").at("unfinished") == 1);
        CHECK(j.at("top").size() == 3);
        CHECK(j.at("top")[0].at("id") == 8);
        CHECK(j.at("best").at("genome") == "conv(k=8) | dense(u=16)");
        CHECK(j.at("operators")[0].at("name") == "mutation:insert_layer");
        CHECK(j.at("operators")[0].at("improved") == 1);
        CHECK(j.at("timeline").size() == 7);
        CHECK(j.at("timeline")[0].at("best").is_null());
        CHECK(j.at("failures")[0].at("count") == 2);
        CHECK(j.at("front").is_null());
        CHECK(j.at("surrogate").is_null());
        CHECK(j.at("wall_seconds") == 7.0);
        CHECK(nlohmann::json::parse(j.dump()) == j);  // every value has a JSON form
    }
}

TEST_CASE("failure reasons: grouped without their numbers, printed on one line", "[report]") {
    CHECK(detail::reason_pattern("worker 3 dropped out at 55.1 s (simulated)") == "worker # dropped out at # s (simulated)");
    CHECK(detail::reason_pattern("loss 1e-3 at v2.") == "loss #e-# at v#.");
    CHECK(detail::reason_pattern("") == "");
    CHECK(detail::report_one_line("Traceback:\n  line 1\tx") == "Traceback:   line 1 x");
    CHECK(detail::report_one_line(std::string(200, 'a')).size() == 160);
    CHECK(detail::report_one_line(std::string(200, 'a')).ends_with("..."));
    CHECK(detail::op_operators("crossover:one_point+mutation:insert_layer+mutate_globals+duplicate_of:12") ==
          std::set<std::string>{"crossover:one_point", "mutation:insert_layer", "mutation:mutate_globals"});
    CHECK(detail::op_operators("random") == std::set<std::string>{"random"});
}

TEST_CASE("a torn last line is ignored, as a resume ignores it", "[report][errors]") {
    test::TempDir dir("report-torn");
    write_hand_run(dir.path());
    {
        std::ofstream out(dir / "lineage.jsonl", std::ios::app);
        out << job_line(11, "random", "random", {}, ok(0.99), 7, 9, 0).dump().substr(0, 60);  // no newline
    }
    const auto r = read_run_report(dir.path());
    CHECK(r.torn_tail);
    CHECK(r.counts.jobs == 10);
    CHECK(r.best->id == 8);
    CHECK(r.wall_seconds == 7.0);
    CHECK_THAT(format_run_report(r), Contains("last line was torn"));
    // Complete JSON without its newline is torn too: the write did not finish.
    std::ofstream(dir / "lineage.jsonl", std::ios::app) << "\n" << job_line(12, "random", "random", {}, ok(0.99), 7, 9, 0).dump();
    CHECK_THROWS_AS(read_run_report(dir.path()), ParseError);  // the first torn line is now a whole, bad line
}

TEST_CASE("damaged or missing files are refused naming the file and line", "[report][errors]") {
    test::TempDir dir("report-damaged");
    write_hand_run(dir.path());
    const auto lineage = dir / "lineage.jsonl";
    std::vector<std::string> lines;
    {
        std::ifstream in(lineage);
        for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    const auto write = [&](std::size_t at, const std::string& replacement) {
        std::ofstream out(lineage, std::ios::trunc);
        for (std::size_t i = 0; i < lines.size(); ++i) out << (i == at ? replacement : lines[i]) << "\n";
    };
    write(2, "garbage, not JSON");
    CHECK_THROWS_AS(read_run_report(dir.path()), ParseError);
    CHECK_THROWS_WITH(read_run_report(dir.path()), Contains("lineage.jsonl:3:1: syntax error"));
    auto no_fitness = nlohmann::json::parse(lines[4]);
    no_fitness.erase("fitness");
    write(4, no_fitness.dump());
    CHECK_THROWS_WITH(read_run_report(dir.path()), Contains("lineage.jsonl:5:1: fitness: is missing"));
    auto bad_status = nlohmann::json::parse(lines[1]);
    bad_status["fitness"]["status"] = "great";
    write(1, bad_status.dump());
    CHECK_THROWS_WITH(read_run_report(dir.path()), Contains("lineage.jsonl:2:1: fitness.status: unknown status 'great'"));
    write(0, R"({"type":"mystery"})");
    CHECK_THROWS_WITH(read_run_report(dir.path()), Contains("lineage.jsonl:1:1: type: expected"));
    write(99, "");
    std::ofstream(dir / "run.json", std::ios::trunc) << "{\"driver\": ";
    CHECK_THROWS_AS(read_run_report(dir.path()), ParseError);
    CHECK_THROWS_WITH(read_run_report(dir.path()), Contains("run.json:1:"));
    std::filesystem::remove(dir / "run.json");
    CHECK_THROWS_AS(read_run_report(dir.path()), IoError);
    CHECK_THROWS_WITH(read_run_report(dir.path()), Contains("run.json: cannot open the run description"));
    write_hand_run(dir.path());
    std::filesystem::remove(lineage);
    CHECK_THROWS_AS(read_run_report(dir.path()), IoError);
    CHECK_THROWS_WITH(read_run_report(dir.path()), Contains("lineage.jsonl: cannot open the lineage log"));
}

TEST_CASE("a thread-driver run: counts, best networks, operators and failures match its lineage", "[report][threads]") {
    const auto space = test::small_space();
    const auto target = parse_genome("conv(k=3) conv(k=5) pool | dense(u=128)", space);
    test::TempDir dir("report-threads");
    RunOptions options{.evolution = {.islands = 2, .population = 6, .seed = 11, .migration = {.interval = 6},
                                     .stop = {.max_evaluations = 80}},
                       .workers = 2,
                       .run_dir = dir.path(),
                       .checkpoint_interval = 10,
                       .progress = false};
    const auto result = evolve(space, [&](std::size_t) { return ScriptedTrainer{target, &space}; }, options);
    const auto r = read_run_report(dir.path(), {.top = 5});
    const auto lines = all_job_lines(dir / "lineage.jsonl");

    // Counts: by status in the log, and by what the trainer was told to do.
    std::map<std::string, std::uint64_t> by_status;
    std::uint64_t thrown = 0, told_timeout = 0, told_invalid = 0;
    for (const auto& j : lines) {
        const auto status = j.at("fitness").at("status").get<std::string>();
        if (!j.at("trained").get<bool>()) {
            ++by_status[j.at("origin") == "duplicate" ? "duplicate" : "rejected"];
            continue;
        }
        ++by_status[status == "ok" && stopped_early_line(j) ? "stopped_early" : status];
        const auto id = j.at("id").get<std::uint64_t>();
        thrown += id % 10 == 3;
        told_timeout += id % 10 == 7;
        told_invalid += id % 10 == 9;
    }
    const auto& c = r.counts;
    CHECK(c.jobs == lines.size());
    CHECK(c.trained == 80);
    CHECK(c.trained == result.counts.finished);
    CHECK(c.ok == by_status["ok"]);
    CHECK(c.ok == result.counts.ok);
    CHECK(c.failed == by_status["failed"]);
    CHECK(c.failed == thrown);
    CHECK(c.timed_out == told_timeout);
    CHECK(c.invalid == told_invalid);
    CHECK(c.rejected == by_status["rejected"]);
    CHECK(c.rejected > 0);
    CHECK(c.ok + c.stopped_early + c.failed + c.timed_out + c.invalid == c.trained);
    CHECK(c.trained + c.rejected + c.duplicates == c.jobs);
    CHECK(c.unfinished == 0);
    CHECK(r.identity.driver == "threads");
    CHECK(r.identity.workers == 2);
    CHECK(r.identity.islands == 2);
    CHECK(r.identity.seed == 11);

    // Best 5: a brute force over the log's trained ok lines.
    std::vector<nlohmann::json> ok_lines;
    for (const auto& j : lines) {
        if (j.at("trained").get<bool>() && j.at("fitness").at("status") == "ok") ok_lines.push_back(j);
    }
    std::sort(ok_lines.begin(), ok_lines.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
        const double sa = a.at("fitness").at("score"), sb = b.at("fitness").at("score");
        return sa != sb ? sa > sb : a.at("id").get<std::uint64_t>() < b.at("id").get<std::uint64_t>();
    });
    REQUIRE(r.top.size() == 5);
    for (std::size_t i = 0; i < 5; ++i) {
        INFO("rank " << i + 1);
        const auto& j = ok_lines[i];
        CHECK(r.top[i].id == j.at("id").get<std::uint64_t>());
        CHECK(r.top[i].score == j.at("fitness").at("score").get<double>());
        CHECK(r.top[i].genome == j.at("genome").get<std::string>());
        CHECK(r.top[i].op == j.at("op").get<std::string>());
        CHECK(r.top[i].island == j.at("island").get<std::size_t>());
        CHECK(r.top[i].parents == j.at("parents").get<std::vector<std::uint64_t>>());
        CHECK(r.top[i].seconds == Approx(j.at("end").get<double>() - j.at("start").get<double>()));
        REQUIRE(r.top[i].metrics.size() == 1);
        CHECK(r.top[i].metrics[0].name == "layers");
    }
    CHECK(r.best->id == result.best->id);
    CHECK(r.best->score == result.best->fitness.score);

    // Operators: counted here from the log, with "improved" as the report
    // defines it (trained, ok, above the best ok score among the parents).
    std::map<std::uint64_t, const nlohmann::json*> by_id;
    for (const auto& j : lines) by_id[j.at("id").get<std::uint64_t>()] = &j;
    std::map<std::string, std::array<std::uint64_t, 3>> expected;  // children, ok, improved
    for (const auto& j : lines) {
        const auto parents = j.at("parents").get<std::vector<std::uint64_t>>();
        if (parents.empty() || (!j.at("trained").get<bool>() && j.at("origin") == "duplicate")) continue;
        double best_parent = -1e300;
        for (auto p : parents) {
            const auto& pl = *by_id.at(p);
            if (pl.at("fitness").at("status") == "ok") best_parent = std::max(best_parent, pl.at("fitness").at("score").get<double>());
        }
        const bool is_ok = j.at("trained").get<bool>() && j.at("fitness").at("status") == "ok";
        const bool improved = is_ok && j.at("fitness").at("score").get<double>() > best_parent;
        // "mutation:a+b" names mutation:a and mutation:b.
        std::set<std::string> names;
        std::string prefix, op = j.at("op");
        std::size_t at = 0;
        while (at <= op.size()) {
            const auto plus = std::min(op.find('+', at), op.size());
            std::string part = op.substr(at, plus - at);
            at = plus + 1;
            if (const auto colon = part.find(':'); colon != std::string::npos) {
                prefix = part.substr(0, colon);
                part = part.substr(colon + 1);
            }
            if (prefix != "duplicate_of") names.insert(prefix + ":" + part);
        }
        for (const auto& n : names) {
            auto& e = expected[n];
            ++e[0];
            e[1] += is_ok;
            e[2] += improved;
        }
    }
    REQUIRE(!expected.empty());
    CHECK(r.operators.size() == expected.size());
    for (const auto& o : r.operators) {
        INFO(o.name);
        REQUIRE(expected.count(o.name) == 1);
        CHECK(o.children == expected[o.name][0]);
        CHECK(o.ok == expected[o.name][1]);
        CHECK(o.improved == expected[o.name][2]);
        CHECK(o.parents_unknown == 0);
    }

    // Failures: the thrown jobs are one group whatever their job id.
    std::uint64_t grouped = 0;
    for (const auto& f : r.failures) {
        grouped += f.count;
        if (f.status == "failed") {
            CHECK(f.pattern == "the trainer threw: out of memory on job #");
            CHECK(f.count == thrown);
            CHECK(f.first_job % 10 == 3);
        }
        if (f.status == "timed_out") CHECK(f.pattern == "ran past its # s");
        if (f.status == "rejected") CHECK(f.pattern == "# feature layers, at most #");
    }
    CHECK(grouped == c.failed + c.timed_out + c.invalid + c.rejected);
    CHECK(r.failures.size() == 4);

    // Timeline: every trained job in one bin, the best at the end the run's.
    std::uint64_t in_bins = 0;
    for (const auto& b : r.timeline) in_bins += b.finished;
    CHECK(in_bins == c.trained);
    REQUIRE(r.timeline.back().best);
    CHECK(*r.timeline.back().best == result.best->fitness.score);
    CHECK(r.utilisation > 0.0);
    CHECK(r.utilisation <= 1.0 + 1e-9);
    CHECK(r.migrations > 0);

    const auto text = format_run_report(r);
    CHECK_THAT(text, Contains(r.top[0].genome));
    CHECK_THAT(text, Contains("the trainer threw: out of memory on job"));
    const auto j = run_report_json(r);
    CHECK(j.at("counts").at("failed") == thrown);
    CHECK(j.at("best").at("id") == result.best->id);
}

TEST_CASE("a multi-objective run: the front from pareto.json, or recomputed the same from the lineage", "[report][pareto]") {
    const auto space = test::small_space();
    const auto target = test::deep_target(space);
    test::TempDir dir("report-pareto");
    RunOptions options{.evolution = {.population = 8, .seed = 4, .stop = {.max_evaluations = 60}},
                       .run_dir = dir.path(),
                       .progress = false};
    options.evolution.objectives = parse_objectives("accuracy,params");
    evolve(space, [&](std::size_t) { return test::TradeOffTrainer{target, &space}; }, options);
    REQUIRE(std::filesystem::exists(dir / "pareto.json"));

    const auto from_file = read_run_report(dir.path());
    REQUIRE(from_file.front);
    CHECK(from_file.front->source == "pareto.json");
    CHECK(from_file.top.empty());
    CHECK(from_file.identity.objectives == std::vector<std::string>{"accuracy (max)", "params (min)"});
    const auto pareto = nlohmann::json::parse(std::ifstream(dir / "pareto.json"));
    REQUIRE(from_file.front->members.size() == pareto.at("front").size());
    for (std::size_t i = 0; i < from_file.front->members.size(); ++i) {
        const auto& m = from_file.front->members[i];
        CHECK(m.id == pareto.at("front")[i].at("job").get<std::uint64_t>());
        CHECK(m.objectives.size() == 2);
        CHECK(m.objectives[1].first == "params");
        CHECK(m.objectives[1].second == pareto.at("front")[i].at("objectives").at("params").get<double>());
        CHECK_FALSE(m.op.empty());  // filled in from the lineage
    }
    REQUIRE(from_file.front->hypervolume.has_value() == pareto.at("hypervolume").is_number());

    std::filesystem::remove(dir / "pareto.json");
    const auto recomputed = read_run_report(dir.path());
    REQUIRE(recomputed.front);
    CHECK(recomputed.front->source == "lineage");
    std::set<std::uint64_t> a, b;
    for (const auto& m : from_file.front->members) a.insert(m.id);
    for (const auto& m : recomputed.front->members) b.insert(m.id);
    CHECK(a == b);
    if (from_file.front->hypervolume) {
        REQUIRE(recomputed.front->hypervolume);
        CHECK(*recomputed.front->hypervolume == Approx(*from_file.front->hypervolume));
    }
    const auto text = format_run_report(recomputed);
    CHECK_THAT(text, Contains("Pareto front ("));
    CHECK_THAT(text, Contains("objectives accuracy (max), params (min)"));
    CHECK(run_report_json(recomputed).at("front").at("members").size() == b.size());
}

TEST_CASE("a simulated run with early stopping and the surrogate: their summaries", "[report][sim]") {
    const auto space = test::small_space();
    const auto target = parse_genome("conv(k=3) conv(k=5) pool | dense(u=128)", space);
    test::TempDir dir("report-sim");
    sim::SimOptions options{.evolution = {.population = 8, .seed = 5, .stop = {.max_evaluations = 80}},
                            .workers = 4,
                            .cost = sim::CostModel::log_normal(60.0, 0.3),
                            .run_dir = dir.path()};
    options.evolution.early_stopping = {.kind = EarlyStopping::asha, .min_step = 1, .eta = 3};
    options.evolution.surrogate = {.candidates = 4};
    const auto run = sim::simulate(space, test::TargetTrainer{target, &space}, options);
    const auto r = read_run_report(dir.path());
    const auto lines = all_job_lines(dir / "lineage.jsonl");

    CHECK(r.identity.driver == "sim");
    CHECK(r.wall_seconds == Approx(run.report.virtual_seconds));
    CHECK(r.counts.trained == 80);

    REQUIRE(r.early_stopping);
    CHECK(r.early_stopping->kind == "asha");
    std::uint64_t stopped = 0, screened = 0, reports = 0;
    for (const auto& j : lines) {
        stopped += j.at("trained").get<bool>() && j.at("fitness").at("status") == "ok" && stopped_early_line(j);
        screened += j.contains("predicted");
    }
    {
        std::ifstream in(dir / "lineage.jsonl");
        for (std::string line; std::getline(in, line);) reports += nlohmann::json::parse(line).at("type") == "report";
    }
    CHECK(r.early_stopping->stopped_jobs == stopped);
    CHECK(r.counts.stopped_early == stopped);
    CHECK(r.early_stopping->reports == reports);
    CHECK(r.early_stopping->stop_decisions == run.report.jobs.stopped_early);
    CHECK(stopped > 0);
    CHECK(r.early_stopping->mean_stopped_seconds < r.early_stopping->mean_full_seconds);

    REQUIRE(r.surrogate);
    CHECK(r.surrogate->screened == screened);
    CHECK(screened > 0);
    CHECK(r.surrogate->mean_candidates >= 2.0);
    CHECK(r.surrogate->mean_candidates <= 4.0);

    const auto text = format_run_report(r);
    CHECK_THAT(text, Contains("early stopping (asha)"));
    CHECK_THAT(text, Contains("surrogate"));
    const auto j = run_report_json(r);
    CHECK(j.at("early_stopping").at("stopped_jobs") == stopped);
    CHECK(j.at("surrogate").at("screened") == screened);
}
