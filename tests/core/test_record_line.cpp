// Tests of the direct lineage-line writer (io/record_line.hpp): over many
// random records it must parse to exactly what record_to_json() builds, read
// back to the same record, and survive any bytes in the free-text fields.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include <evonas/genome/random_genome.hpp>
#include <evonas/io/record_json.hpp>
#include <evonas/io/record_line.hpp>
#include <evonas/random.hpp>
#include <evonas/space/cnn_space.hpp>

namespace {

using evonas::Fitness;
using evonas::FitnessStatus;
using evonas::Genome;
using evonas::JobRecord;
using evonas::LayerGene;
using evonas::Rng;
using json = nlohmann::json;

// Text with the characters JSON must escape, multi-byte UTF-8, and (when
// `valid_utf8` is false) bytes that are not UTF-8 at all.
std::string random_text(Rng& rng, bool valid_utf8) {
    static const std::string pieces[] = {"a", "Z", " ", "\"", "\\", "\n", "\t", "\r", "\b", "\f",
                                         std::string(1, '\x01'), std::string(1, '\x1f'), "/", "\xc3\xa9",
                                         "\xe2\x82\xac", "\xf0\x9f\x98\x80", "nan", "{", "}", ","};
    static const std::string broken[] = {"\xff", "\xc3", "\xe2\x82", "\xc0\xaf", "\xed\xa0\x80", "\xf5\x80\x80\x80"};
    std::string s;
    const auto n = rng.index(12);
    for (std::size_t i = 0; i < n; ++i) {
        if (!valid_utf8 && rng.chance(0.2)) {
            s += broken[rng.index(std::size(broken))];
        } else {
            s += pieces[rng.index(std::size(pieces))];
        }
    }
    return s;
}

double random_number(Rng& rng) {
    switch (rng.index(8)) {
        case 0: return std::numeric_limits<double>::quiet_NaN();
        case 1: return -std::numeric_limits<double>::infinity();
        case 2: return std::numeric_limits<double>::infinity();
        case 3: return 0.0;
        case 4: return static_cast<double>(rng.uniform_int(-1000, 1000));
        case 5: return rng.uniform(-1e-300, 1e-300);
        case 6: return rng.uniform(-1e300, 1e300);
        default: return rng.uniform();
    }
}

JobRecord<Genome<LayerGene>> random_record(const evonas::SearchSpace& space, Rng& rng, bool valid_utf8) {
    JobRecord<Genome<LayerGene>> r;
    r.job.id = rng();
    r.job.island = rng.index(64);
    r.job.seed = rng();
    r.job.genome = evonas::random_genome(space, rng);
    r.job.hash = rng();
    for (auto n = rng.index(3); n > 0; --n) r.job.parents.push_back(rng());
    r.job.op = rng.chance(0.5) ? "mutation:insert_layer" : random_text(rng, valid_utf8);
    r.job.origin = static_cast<evonas::Origin>(rng.index(5));
    if (rng.chance(0.3)) r.job.check_note = random_text(rng, valid_utf8);
    if (rng.chance(0.3)) r.job.predicted = {static_cast<std::uint32_t>(1 + rng.index(64)), rng.uniform(), rng.uniform()};
    r.job.cursor = {rng(), rng.index(10), rng.index(100), rng(), rng(), random_text(rng, true)};
    r.fitness.score = random_number(rng);
    r.fitness.status = static_cast<FitnessStatus>(rng.index(4));
    if (rng.chance(0.5)) r.fitness.reason = random_text(rng, valid_utf8);
    for (auto n = rng.index(3); n > 0; --n) r.fitness.objectives.push_back(random_number(rng));
    for (auto n = rng.index(4); n > 0; --n) r.fitness.metrics.push_back({random_text(rng, valid_utf8), random_number(rng)});
    r.work.worker = rng.index(1000);
    r.work.started = rng.uniform(0.0, 1e6);  // times are always finite
    r.work.finished = r.work.started + rng.uniform();
    r.trained = rng.chance(0.5);
    return r;
}

std::string line_of(const JobRecord<Genome<LayerGene>>& r, const evonas::SearchSpace& space) {
    std::string line;
    evonas::append_record_line(line, r, space);
    return line;
}

}  // namespace

TEST_CASE("a lineage line parses to what record_to_json builds, for many random records", "[record_line]") {
    const auto space = evonas::cnn_space(2);
    Rng rng(20261130);
    for (int i = 0; i < 5000; ++i) {
        const auto r = random_record(space, rng, true);
        const auto line = line_of(r, space);
        INFO(line);
        REQUIRE(line.back() == '\n');
        REQUIRE(line.find('\n') == line.size() - 1);  // one line, whatever the text fields hold
        auto expected = evonas::record_to_json(r, space);
        expected["type"] = "job";
        REQUIRE(json::parse(line) == expected);
    }
}

TEST_CASE("a job line built from its dispatched line is the job line written in full", "[record_line]") {
    const auto space = evonas::cnn_space(2);
    Rng rng(20261203);
    std::string scratch;
    for (int i = 0; i < 5000; ++i) {
        auto r = random_record(space, rng, i % 2 == 0);
        if (rng.chance(0.3)) r.job.attempt = static_cast<std::uint32_t>(2 + rng.index(5));
        // The dispatched line may follow other text in its buffer: marks count from its start.
        std::string buffer = rng.chance(0.5) ? random_text(rng, true) : std::string();
        const auto at = buffer.size();
        evonas::detail::DispatchedMarks marks;
        evonas::detail::append_job_line<Genome<LayerGene>>(buffer, r.job, nullptr, space, scratch, &marks);
        const std::string_view dispatched = std::string_view(buffer).substr(at);
        std::string dispatched_alone;
        evonas::append_dispatched_line(dispatched_alone, r.job, space, scratch);
        REQUIRE(dispatched == dispatched_alone);
        std::string job_line;
        evonas::detail::append_job_line_from_dispatched(job_line, dispatched, marks, r.fitness, r.work, r.trained);
        INFO(dispatched);
        REQUIRE(job_line == line_of(r, space));
        // The genome written straight in (no escaping pass) is the same line.
        std::string straight;
        evonas::detail::append_job_line<Genome<LayerGene>>(straight, r.job, &r, space, scratch, nullptr, true);
        REQUIRE(straight == job_line);
    }
}

TEST_CASE("a genome's text skips JSON escaping only when its space's names need none", "[record_line]") {
    CHECK(evonas::detail::genome_text_is_plain<Genome<LayerGene>>(evonas::cnn_space(2)));
    CHECK(evonas::detail::genome_text_is_plain<Genome<LayerGene>>(evonas::cnn_space(3)));
    const auto space_with = [](std::string choice, std::string global_name) {
        return evonas::SearchSpace(
            "odd", {evonas::LayerType{"conv", {evonas::ParamSpec::choice("act", {"relu", choice}, "relu")}}},
            {evonas::SectionSpace{"features", {{"conv", 1.0}}, 1, 2}},
            {evonas::ParamSpec::real(std::move(global_name), 0.0, 1.0, 0.5)});
    };
    CHECK(evonas::detail::genome_text_is_plain<Genome<LayerGene>>(space_with("tanh", "lr")));
    for (const auto& [choice, global] : {std::pair<std::string, std::string>{"ta\"nh", "lr"}, {"tanh", "l\\r"},
                                         {"t\xc3\xa9", "lr"}, {"tanh", "l\x01r"}}) {
        const auto space = space_with(choice, global);
        CHECK_FALSE(evonas::detail::genome_text_is_plain<Genome<LayerGene>>(space));
        // Such a space's genomes are escaped and read back.
        JobRecord<Genome<LayerGene>> r;
        Rng rng(7);
        r.job.genome = evonas::random_genome(space, rng);  // 1-2 conv layers
        REQUIRE(r.job.genome.section(0).size() >= 1);
        r.job.genome.section(0)[0].values[0] = 1.0;  // the odd choice
        INFO(evonas::genome_text_of(r.job.genome, space));
        const auto line = line_of(r, space);
        const auto j = json::parse(line);
        CHECK(j.at("genome") == evonas::genome_text_of(r.job.genome, space));
    }
}

TEST_CASE("a lineage line reads back to the same record", "[record_line]") {
    const auto space = evonas::cnn_space(1);
    Rng rng(7);
    for (int i = 0; i < 2000; ++i) {
        auto r = random_record(space, rng, true);
        r.fitness.metrics.clear();  // names may repeat: a reader keeps one
        const auto back = evonas::record_from_json(json::parse(line_of(r, space)), space, "line");
        REQUIRE(back.job.id == r.job.id);
        REQUIRE(back.job.seed == r.job.seed);
        REQUIRE(back.job.hash == r.job.hash);
        REQUIRE(back.job.genome == r.job.genome);
        REQUIRE(back.job.parents == r.job.parents);
        REQUIRE(back.job.op == r.job.op);
        REQUIRE(back.job.origin == r.job.origin);
        REQUIRE(back.job.check_note == r.job.check_note);
        REQUIRE(back.job.cursor == r.job.cursor);
        REQUIRE(back.job.predicted == r.job.predicted);
        REQUIRE(back.fitness.status == r.fitness.status);
        REQUIRE(back.fitness.reason == r.fitness.reason);
        const auto same = [](double a, double b) { return std::isfinite(a) ? a == b : b == -std::numeric_limits<double>::infinity(); };
        REQUIRE(same(r.fitness.score, back.fitness.score));
        REQUIRE(back.fitness.objectives.size() == r.fitness.objectives.size());
        for (std::size_t k = 0; k < r.fitness.objectives.size(); ++k) {
            REQUIRE(same(r.fitness.objectives[k], back.fitness.objectives[k]));
        }
        REQUIRE(back.work.worker == r.work.worker);
        REQUIRE(back.trained == r.trained);
    }
}

TEST_CASE("bytes that are not UTF-8 become U+FFFD and the line still parses", "[record_line]") {
    const auto space = evonas::cnn_space(3);
    Rng rng(99);
    for (int i = 0; i < 3000; ++i) {
        const auto r = random_record(space, rng, false);
        const auto line = line_of(r, space);
        INFO(line);
        REQUIRE(line.find('\n') == line.size() - 1);
        const auto j = json::parse(line);  // throws on invalid UTF-8
        CHECK(j.at("genome") == evonas::to_text(r.job.genome, space));
    }
    JobRecord<Genome<LayerGene>> r;
    r.job.genome = evonas::random_genome(space, rng);
    r.fitness = Fitness::failed("bad \xff byte, cut \xe2\x82 sequence, overlong \xc0\xaf, fine \xe2\x82\xac");
    CHECK(json::parse(line_of(r, space)).at("fitness").at("reason") ==
          "bad \xef\xbf\xbd byte, cut \xef\xbf\xbd\xef\xbf\xbd sequence, overlong \xef\xbf\xbd\xef\xbf\xbd, fine \xe2\x82\xac");
}

TEST_CASE("a JSON string of any bytes at any position reads back", "[record_line]") {
    // The plain-byte scan tests eight bytes at a time: put every byte value
    // at every position of texts longer than a word, among plain bytes.
    for (int b = 0; b < 256; ++b) {
        for (std::size_t at = 0; at < 20; ++at) {
            std::string text(20, 'x');
            text[at] = static_cast<char>(b);
            std::string out;
            evonas::detail::append_json_string(out, text);
            INFO("byte " << b << " at " << at << ": " << out);
            const auto back = json::parse(out).get<std::string>();
            if (b < 0x80) {
                CHECK(back == text);
            } else {  // a lone byte >= 0x80 is not UTF-8
                CHECK(back == std::string(at, 'x') + "\xef\xbf\xbd" + std::string(19 - at, 'x'));
            }
            CHECK(evonas::detail::next_special_json_byte(text, 0) ==
                  (evonas::detail::is_plain_json_byte(static_cast<unsigned char>(b)) ? text.size() : at));
        }
    }
}
