#include <evonas/error.hpp>

#include <catch2/catch.hpp>

#include <cerrno>
#include <fstream>
#include <type_traits>

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

static_assert(std::is_base_of_v<std::runtime_error, evonas::Error>);
static_assert(std::is_base_of_v<evonas::Error, evonas::ConfigError>);
static_assert(std::is_base_of_v<evonas::Error, evonas::ParseError>);
static_assert(std::is_base_of_v<evonas::Error, evonas::IoError>);

TEST_CASE("ConfigError names the field and the problem", "[error]") {
    const evonas::ConfigError e("IslandOptions.population", "must be at least 2, got 1");
    CHECK_THAT(e.what(), Equals("IslandOptions.population: must be at least 2, got 1"));
    CHECK(e.field() == "IslandOptions.population");
}

TEST_CASE("ParseError gives source, line and column", "[error]") {
    const evonas::ParseError e("genome text", 1, 17, "expected ')' after 'k=5'");
    CHECK_THAT(e.what(), Equals("genome text:1:17: expected ')' after 'k=5'"));
    CHECK(e.source() == "genome text");
    CHECK(e.line() == 1);
    CHECK(e.column() == 17);
}

TEST_CASE("IoError carries the path and the system's reason", "[error]") {
    const std::filesystem::path missing = "/nonexistent-evonas-dir/checkpoint.json";
    std::ifstream in(missing);
    REQUIRE_FALSE(in.good());
    errno = ENOENT;
    const auto e = evonas::IoError::from_errno(missing, "cannot open for reading");
    CHECK_THAT(e.what(), Contains("/nonexistent-evonas-dir/checkpoint.json: cannot open for reading: "));
    CHECK_THAT(e.what(), Contains("No such file"));
    CHECK(e.path() == missing);
    CHECK(e.code() == std::errc::no_such_file_or_directory);

    const evonas::IoError plain("run/lineage.jsonl", "was truncated");
    CHECK_THAT(plain.what(), Equals("run/lineage.jsonl: was truncated"));
    CHECK_FALSE(plain.code());
}

TEST_CASE("every evonas error is caught as evonas::Error", "[error]") {
    auto thrower = [](int which) {
        switch (which) {
            case 0: throw evonas::ConfigError("f", "bad");
            case 1: throw evonas::ParseError("s", 1, 1, "bad");
            default: throw evonas::IoError("p", "bad");
        }
    };
    for (int i = 0; i < 3; ++i) {
        CHECK_THROWS_AS(thrower(i), evonas::Error);
    }
}
