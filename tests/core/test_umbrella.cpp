// The umbrella header compiles on its own and brings the whole core.
#include <evonas/evonas.hpp>

#include <catch2/catch.hpp>

TEST_CASE("the umbrella header gives the whole core", "[umbrella]") {
    const auto space = evonas::cnn_space(2);
    evonas::Rng rng(1);
    const auto genome = evonas::random_genome(space, rng);
    CHECK(evonas::parse_genome(evonas::to_text(genome, space), space) == genome);
    CHECK(evonas::is_valid(genome, space));
}
