// Tests of the search-space JSON (space/space_json.hpp), space files, and
// the genome JSON (genome/genome_json.hpp).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <system_error>

#include <nlohmann/json.hpp>

#include <evonas/error.hpp>
#include <evonas/genome/genome_json.hpp>
#include <evonas/genome/random_genome.hpp>
#include <evonas/genome/text.hpp>
#include <evonas/genome/validate.hpp>
#include <evonas/random.hpp>
#include <evonas/space/space_json.hpp>

#include "support/spaces.hpp"

namespace {

using evonas::ConfigError;
using evonas::SearchSpace;
using json = nlohmann::json;
namespace fs = std::filesystem;

/// Matches a ConfigError with field() == `field` whose message contains `needle`.
class ConfigErrorAt : public Catch::MatcherBase<ConfigError> {
public:
    ConfigErrorAt(std::string field, std::string needle) : field_(std::move(field)), needle_(std::move(needle)) {}

    bool match(const ConfigError& e) const override {
        return e.field() == field_ && std::string(e.what()).find(needle_) != std::string::npos;
    }
    std::string describe() const override {
        return "is a ConfigError for field \"" + field_ + "\" containing \"" + needle_ + "\"";
    }

private:
    std::string field_;
    std::string needle_;
};

/// A small space written by hand in the documented format.
json hand_written_space() {
    return json::parse(R"({
      "_comment": "keys starting with _ are ignored",
      "name": "tiny",
      "layer_types": [
        {"name": "conv", "params": [
          {"name": "k", "kind": "int", "lo": 1, "hi": 7, "default": 3},
          {"name": "act", "kind": "choice", "choices": ["relu", "tanh"], "default": "relu"},
          {"name": "bn", "kind": "bool", "default": true}]},
        {"name": "flatten"},
        {"name": "dense", "params": [{"name": "u", "kind": "int", "lo": 16, "hi": 512, "step": 16, "default": 64}]}
      ],
      "sections": [
        {"name": "features", "min_layers": 1, "max_layers": 6, "layers": [{"type": "conv", "weight": 3}]},
        {"name": "classifier", "min_layers": 1, "max_layers": 2, "layers": [{"type": "flatten"}, {"type": "dense"}]}
      ],
      "globals": [
        {"name": "lr", "kind": "log_real", "lo": 0.0001, "hi": 0.3, "default": 0.01},
        {"name": "mom", "kind": "real", "lo": 0, "hi": 0.99, "default": 0.9}
      ]
    })");
}

/// hand_written_space() with `edit` applied, read back.
SearchSpace edited_space(const std::function<void(json&)>& edit) {
    json j = hand_written_space();
    edit(j);
    return evonas::space_from_json(j);
}

/// A fresh, empty directory for one test; removed by the destructor.
struct TempDir {
    fs::path path;
    TempDir() {
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        path = fs::temp_directory_path() /
               ("evonas-test-json-" + std::to_string(evonas::derive_seed(static_cast<std::uint64_t>(stamp), 7)));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    REQUIRE(out.good());
}

}  // namespace

// ------------------------------------------------------------------ space JSON

TEST_CASE("space_to_json writes the documented format and round-trips", "[json]") {
    const auto space = evonas::test::small_space();
    const json j = evonas::space_to_json(space);
    CHECK(j["name"] == "small");
    CHECK(j["layer_types"][0]["name"] == "conv");
    CHECK(j["layer_types"][0]["params"][0] ==
          json::parse(R"({"name":"k","kind":"int","lo":1,"hi":7,"step":1,"default":3})"));
    CHECK(j["layer_types"][0]["params"][2] ==
          json::parse(R"({"name":"act","kind":"choice","choices":["relu","tanh","elu"],"default":"relu"})"));
    CHECK(j["layer_types"][0]["params"][3] == json::parse(R"({"name":"bn","kind":"bool","default":true})"));
    CHECK(j["layer_types"][4] == json::parse(R"({"name":"flatten","params":[]})"));
    CHECK(j["sections"][0] == json::parse(R"({"name":"features","min_layers":1,"max_layers":6,
        "layers":[{"type":"conv","weight":3.0},{"type":"pool","weight":1.0},{"type":"dropout","weight":0.5}]})"));
    CHECK(j["globals"][0] == json::parse(R"({"name":"lr","kind":"log_real","lo":0.0001,"hi":0.3,"default":0.01})"));

    const auto back = evonas::space_from_json(j);
    CHECK(evonas::space_to_json(back) == j);
    CHECK(evonas::space_to_json(back).dump() == j.dump());
    CHECK(evonas::space_from_json(json::parse(j.dump(2))).name() == "small");

    SECTION("a hand-written space with optional keys left out") {
        const auto tiny = evonas::space_from_json(hand_written_space());
        CHECK(tiny.name() == "tiny");
        CHECK(tiny.layer_types().size() == 3);
        CHECK(tiny.layer_types()[0].params[0].step == 1);
        CHECK(tiny.layer_types()[2].params[0].step == 16);
        CHECK(tiny.layer_types()[1].params.empty());
        CHECK(tiny.section(0).layers[0].weight == 3.0);
        CHECK(tiny.section(1).layers[0].weight == 1.0);
        CHECK(tiny.globals()[1].default_value == 0.9);
        const auto again = evonas::space_from_json(evonas::space_to_json(tiny));
        CHECK(evonas::space_to_json(again) == evonas::space_to_json(tiny));
    }
    SECTION("globals may be left out") {
        const auto s = edited_space([](json& e) { e.erase("globals"); });
        CHECK(s.globals().empty());
    }
}

TEST_CASE("space_from_json names the JSON path of each mistake", "[json]") {
    auto bad = [](const std::function<void(json&)>& edit) { return edited_space(edit); };

    SECTION("empty section list") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"] = json::array(); }), ConfigError,
                             ConfigErrorAt("sections", "the space has no sections"));
    }
    SECTION("min_layers greater than max_layers") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][1]["min_layers"] = 3; }), ConfigError,
                             ConfigErrorAt("sections[1].min_layers", "min_layers (3) is greater than max_layers (2)"));
    }
    SECTION("unknown layer type in a section") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][1]["layers"][1]["type"] = "dens"; }), ConfigError,
                             ConfigErrorAt("sections[1].layers[1].type", "unknown layer type 'dens'"));
    }
    SECTION("empty choice list") {
        CHECK_THROWS_MATCHES(
            bad([](json& j) { j["layer_types"][0]["params"][1]["choices"] = json::array(); }), ConfigError,
            ConfigErrorAt("layer_types[0].params[1].choices", "expected a non-empty array of names, found an empty array"));
    }
    SECTION("default not one of the choices") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["layer_types"][0]["params"][1]["default"] = "rel"; }), ConfigError,
                             ConfigErrorAt("layer_types[0].params[1].default",
                                           "the default 'rel' is not one of the choices (did you mean 'relu'?)"));
    }
    SECTION("lo greater than hi") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["layer_types"][0]["params"][0]["lo"] = 9; }), ConfigError,
                             ConfigErrorAt("layer_types[0].params[0]", "lo (9) is greater than hi (7)"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["globals"][1]["lo"] = 1.5; }), ConfigError,
                             ConfigErrorAt("globals[1]", "lo (1.5) is greater than hi (0.99)"));
    }
    SECTION("wrong kind name") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["layer_types"][0]["params"][0]["kind"] = "integer"; }), ConfigError,
                             ConfigErrorAt("layer_types[0].params[0].kind",
                                           "unknown kind 'integer'; expected one of int, real, log_real, choice, bool"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["globals"][0]["kind"] = "logreal"; }), ConfigError,
                             ConfigErrorAt("globals[0].kind", "(did you mean 'log_real'?)"));
    }
    SECTION("missing key") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["layer_types"][0]["params"][0].erase("lo"); }), ConfigError,
                             ConfigErrorAt("layer_types[0].params[0].lo", "missing key 'lo'"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0].erase("max_layers"); }), ConfigError,
                             ConfigErrorAt("sections[0].max_layers", "missing key 'max_layers'"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j.erase("name"); }), ConfigError,
                             ConfigErrorAt("name", "missing key 'name'"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["globals"][1].erase("default"); }), ConfigError,
                             ConfigErrorAt("globals[1].default", "missing key 'default'"));
    }
    SECTION("wrong JSON type") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0]["max_layers"] = "6"; }), ConfigError,
                             ConfigErrorAt("sections[0].max_layers",
                                           "expected a non-negative integer, found the string \"6\""));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0]["min_layers"] = -1; }), ConfigError,
                             ConfigErrorAt("sections[0].min_layers", "expected a non-negative integer, found the number -1"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["layer_types"][0]["params"][0]["hi"] = 7.5; }), ConfigError,
                             ConfigErrorAt("layer_types[0].params[0].hi", "expected an integer, found the number 7.5"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["layer_types"][0]["params"][2]["default"] = "yes"; }), ConfigError,
                             ConfigErrorAt("layer_types[0].params[2].default", "expected true or false"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["layer_types"] = json::object(); }), ConfigError,
                             ConfigErrorAt("layer_types", "expected an array of layer types, found an object"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["layer_types"][1] = "flatten"; }), ConfigError,
                             ConfigErrorAt("layer_types[1]", "found the string \"flatten\""));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0]["layers"][0]["weight"] = nullptr; }), ConfigError,
                             ConfigErrorAt("sections[0].layers[0].weight", "expected a number, found null"));
        CHECK_THROWS_MATCHES(evonas::space_from_json(json::array()), ConfigError,
                             ConfigErrorAt("(root)", "expected a search-space object"));
    }
    SECTION("unknown key") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["layer_types"][2]["params"][0]["stpe"] = 16; }), ConfigError,
                             ConfigErrorAt("layer_types[2].params[0].stpe", "unknown key 'stpe' in a parameter of "
                                           "kind 'int' (did you mean 'step'?)"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["layer_types"][0]["params"][1]["lo"] = 0; }), ConfigError,
                             ConfigErrorAt("layer_types[0].params[1].lo", "unknown key 'lo' in a parameter of kind "
                                           "'choice'; expected name, kind, choices, default"));
    }
    SECTION("mistakes SearchSpace finds pass through as ConfigError") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["layer_types"][1]["name"] = "conv"; }), ConfigError,
                             ConfigErrorAt("layer_types[1].name", "layer type 'conv' is defined twice"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["layer_types"][0]["params"][0]["default"] = 8; }), ConfigError,
                             ConfigErrorAt("layer_types[0].params[0]", "the default (8) is not in the space"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0]["layers"][0]["weight"] = -1; }), ConfigError,
                             ConfigErrorAt("sections[0].layers[0].weight", "weight must be a finite number >= 0"));
    }
}

// ------------------------------------------------------------------ files

TEST_CASE("save_space and load_space use real files", "[json]") {
    const TempDir dir;
    const auto space = evonas::test::small_space();
    const auto file = dir.path / "space.json";

    evonas::save_space(space, file);
    CHECK(fs::exists(file));
    CHECK_FALSE(fs::exists(dir.path / "space.json.tmp"));
    CHECK(evonas::space_to_json(evonas::load_space(file)) == evonas::space_to_json(space));

    SECTION("saving again replaces the file") {
        const auto tiny = evonas::space_from_json(hand_written_space());
        evonas::save_space(tiny, file);
        CHECK(evonas::load_space(file).name() == "tiny");
        CHECK_FALSE(fs::exists(dir.path / "space.json.tmp"));
    }
    SECTION("a missing file is an IoError") {
        const auto missing = dir.path / "no-such-space.json";
        try {
            (void)evonas::load_space(missing);
            FAIL("no error");
        } catch (const evonas::IoError& e) {
            CHECK(e.path() == missing);
            CHECK(e.code() == std::errc::no_such_file_or_directory);
            CHECK_THAT(e.what(), Catch::Matchers::Contains("cannot open the search-space file"));
        }
    }
    SECTION("saving into a missing directory is an IoError") {
        CHECK_THROWS_AS(evonas::save_space(space, dir.path / "no-such-dir" / "space.json"), evonas::IoError);
    }
    SECTION("a JSON syntax error reports the file, line and column") {
        const auto broken = dir.path / "broken.json";
        write_file(broken, "{\n  \"name\": \"x\",\n  \"layer_types\": [,]\n}\n");
        try {
            (void)evonas::load_space(broken);
            FAIL("no error");
        } catch (const evonas::ParseError& e) {
            CHECK(e.source() == broken.string());
            CHECK(e.line() == 3);
            CHECK(e.column() == 19);
            CHECK_THAT(e.what(), Catch::Matchers::StartsWith(broken.string() + ":3:19: syntax error"));
            CHECK_THAT(e.what(), Catch::Matchers::Contains("unexpected ','"));
        }
        write_file(broken, "{\"name\": \"x\"");
        try {
            (void)evonas::load_space(broken);
            FAIL("no error");
        } catch (const evonas::ParseError& e) {
            CHECK(e.line() == 1);
            CHECK(e.column() == 13);
            CHECK_THAT(e.what(), Catch::Matchers::Contains("unexpected end of input"));
        }
    }
    SECTION("a valid JSON file with a bad space is a ConfigError") {
        const auto bad = dir.path / "bad.json";
        json j = hand_written_space();
        j["sections"][0]["max_layers"] = 0;
        write_file(bad, j.dump(2));
        CHECK_THROWS_MATCHES(evonas::load_space(bad), ConfigError,
                             ConfigErrorAt("sections[0].min_layers", "min_layers (1) is greater than max_layers (0)"));
    }
}

// ------------------------------------------------------------------ genome JSON

TEST_CASE("genome_to_json writes the documented format", "[json]") {
    const auto space = evonas::test::small_space();
    const auto g = evonas::parse_genome("conv(k=5) pool | dropout(p=0.25) flatten ; lr=0.001 opt=adam", space);
    const json j = evonas::genome_to_json(g, space);
    CHECK(j == json::parse(R"({
      "sections": [
        [{"type": "conv", "params": {"k": 5, "f": 32, "act": "relu", "bn": true}},
         {"type": "pool", "params": {"type": "max", "k": 2}}],
        [{"type": "dropout", "params": {"p": 0.25}},
         {"type": "flatten", "params": {}}]],
      "globals": {"lr": 0.001, "mom": 0.9, "bs": 64, "opt": "adam", "nesterov": false},
      "text": "conv(k=5,f=32,act=relu,bn=1) pool(type=max,k=2) | dropout(p=0.25) flatten() ; lr=0.001 mom=0.9 bs=64 opt=adam nesterov=0"
    })"));
    CHECK(evonas::genome_from_json(j, space) == g);

    SECTION("\"text\" and other top-level keys are ignored") {
        json k = j;
        k["text"] = "garbage";
        k["fitness"] = 0.5;
        CHECK(evonas::genome_from_json(k, space) == g);
        k.erase("text");
        CHECK(evonas::genome_from_json(k, space) == g);
    }
    SECTION("an invalid genome is refused") {
        auto h = g;
        h.section(0)[0].values[0] = 9;
        CHECK_THROWS_AS(evonas::genome_to_json(h, space), ConfigError);
    }
}

TEST_CASE("text and JSON round trips over random genomes", "[json][text]") {
    const auto space = evonas::test::small_space();
    int checked = 0;
    for (std::uint64_t seed = 0; seed < 10000; ++seed) {
        evonas::Rng rng(evonas::derive_seed(20240601, seed));
        const auto g = evonas::random_genome(space, rng);
        const auto text = evonas::to_text(g, space);
        const json j = evonas::genome_to_json(g, space);
        const auto from_text = evonas::parse_genome(text, space);
        const auto from_json = evonas::genome_from_json(j, space);
        const auto from_dump = evonas::genome_from_json(json::parse(j.dump()), space);
        if (from_text != g || from_json != g || from_dump != g || evonas::to_text(from_text, space) != text ||
            j["text"] != text || !evonas::genome_problem(from_json, space).empty()) {
            FAIL_CHECK("seed " << seed << ": " << text << "\n" << j.dump());
            continue;
        }
        ++checked;
    }
    CHECK(checked == 10000);
}

TEST_CASE("genome_from_json names the JSON path of each mistake", "[json]") {
    const auto space = evonas::test::small_space();
    const auto g = evonas::parse_genome("conv(k=5) pool | dense dropout ; lr=0.001", space);
    const json good = evonas::genome_to_json(g, space);
    auto bad = [&](const std::function<void(json&)>& edit) {
        json j = good;
        edit(j);
        return evonas::genome_from_json(j, space);
    };

    SECTION("missing parameter") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0][0]["params"].erase("k"); }), ConfigError,
                             ConfigErrorAt("sections[0][0].params.k", "missing: layer type 'conv' needs every one "
                                                                      "of k, f, act, bn"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][1][0].erase("params"); }), ConfigError,
                             ConfigErrorAt("sections[1][0].params", "missing key 'params'"));
    }
    SECTION("unknown parameter") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][1][0]["params"]["units"] = 64; }), ConfigError,
                             ConfigErrorAt("sections[1][0].params.units", "layer type 'dense' has no 'units'; it has u, act"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0][1]["params"]["kk"] = 2; }), ConfigError,
                             ConfigErrorAt("sections[0][1].params.kk", "(did you mean 'k'?)"));
    }
    SECTION("value outside the space: never clamped") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0][0]["params"]["k"] = 9; }), ConfigError,
                             ConfigErrorAt("sections[0][0].params.k", "k=9 is outside the space: integer 1..7"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][1][1]["params"]["p"] = 0.9; }), ConfigError,
                             ConfigErrorAt("sections[1][1].params.p", "p=0.9 is outside the space: real 0..0.8"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["globals"]["bs"] = 70; }), ConfigError,
                             ConfigErrorAt("globals.bs", "bs=70 is outside the space: integer 16..256 in steps of 16"));
    }
    SECTION("value of the wrong JSON type") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0][0]["params"]["k"] = "5"; }), ConfigError,
                             ConfigErrorAt("sections[0][0].params.k",
                                           "expected an integer for 'k' (integer 1..7), found the string \"5\""));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0][0]["params"]["act"] = 1; }), ConfigError,
                             ConfigErrorAt("sections[0][0].params.act", "expected a choice name for 'act'"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0][0]["params"]["bn"] = "true"; }), ConfigError,
                             ConfigErrorAt("sections[0][0].params.bn", "expected true or false for 'bn'"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["globals"]["lr"] = nullptr; }), ConfigError,
                             ConfigErrorAt("globals.lr", "expected a number for 'lr'"));
    }
    SECTION("unknown choice") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["globals"]["opt"] = "adm"; }), ConfigError,
                             ConfigErrorAt("globals.opt", "'adm' is not a choice of 'opt': one of sgd, adam (did you "
                                                          "mean 'adam'?)"));
    }
    SECTION("layer types") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0][1]["type"] = "pol"; }), ConfigError,
                             ConfigErrorAt("sections[0][1].type", "unknown layer type 'pol' (did you mean 'pool'?)"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][1][0]["type"] = "conv"; }), ConfigError,
                             ConfigErrorAt("sections[1][0].type", "layer type 'conv' is not allowed in section "
                                                                  "'classifier', which allows dense, dropout, flatten"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0][0].erase("type"); }), ConfigError,
                             ConfigErrorAt("sections[0][0].type", "missing key 'type'"));
    }
    SECTION("section and layer counts") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"].push_back(json::array()); }), ConfigError,
                             ConfigErrorAt("sections", "expected an array of 2 sections (features, classifier), "
                                                       "found an array of 3 elements"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][1].push_back(j["sections"][1][0]); j["sections"][1].push_back(j["sections"][1][0]); }),
                             ConfigError,
                             ConfigErrorAt("sections[1]", "section 'classifier' has 4 layers; it allows 0 to 3"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0] = json::array(); }), ConfigError,
                             ConfigErrorAt("sections[0]", "section 'features' has 0 layers; it allows 1 to 6"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["sections"][0][0] = "conv"; }), ConfigError,
                             ConfigErrorAt("sections[0][0]", "expected a layer object"));
    }
    SECTION("global genes") {
        CHECK_THROWS_MATCHES(bad([](json& j) { j["globals"].erase("mom"); }), ConfigError,
                             ConfigErrorAt("globals.mom", "missing: the space 'small' needs every one of lr, mom, bs, "
                                                          "opt, nesterov"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j["globals"]["momentum"] = 0.9; }), ConfigError,
                             ConfigErrorAt("globals.momentum", "the space 'small' has no 'momentum'"));
        CHECK_THROWS_MATCHES(bad([](json& j) { j.erase("globals"); }), ConfigError,
                             ConfigErrorAt("globals", "missing key 'globals'"));
        CHECK_THROWS_MATCHES(evonas::genome_from_json(json::array(), space), ConfigError,
                             ConfigErrorAt("(root)", "expected a genome object"));
    }
}

TEST_CASE("JSON numbers too large for a double are a ParseError, not a crash", "[json][fuzz-regression]") {
    // Found by fuzz_space_json and fuzz_checkpoint: nlohmann throws
    // out_of_range (not parse_error) for "1e506".
    CHECK_THROWS_MATCHES(evonas::parse_json_text(R"({"name": 1e506})", "space.json"), evonas::ParseError,
                         Catch::Matchers::Message("space.json:1:1: number overflow parsing '1e506'"));
}
