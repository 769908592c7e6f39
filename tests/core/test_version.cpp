#include <evonas/evonas.hpp>

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("version string matches the version numbers", "[version]") {
    const std::string expected = std::to_string(EVONAS_VERSION_MAJOR) + "." +
                                 std::to_string(EVONAS_VERSION_MINOR) + "." +
                                 std::to_string(EVONAS_VERSION_PATCH);
    CHECK(evonas::version_string() == expected);
    CHECK(evonas::version == evonas::Version{EVONAS_VERSION_MAJOR, EVONAS_VERSION_MINOR,
                                             EVONAS_VERSION_PATCH});
}

TEST_CASE("versions order by major, then minor, then patch", "[version]") {
    CHECK(evonas::Version{0, 1, 9} < evonas::Version{0, 2, 0});
    CHECK(evonas::Version{1, 0, 0} > evonas::Version{0, 99, 99});
    CHECK(evonas::Version{0, 1, 1} > evonas::Version{0, 1, 0});
}

#ifdef EVONAS_TEST_CMAKE_VERSION
TEST_CASE("the CMake project version is the header's version", "[version]") {
    CHECK(evonas::version_string() == EVONAS_TEST_CMAKE_VERSION);
}
#endif
