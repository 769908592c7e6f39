// Must NOT compile: a default_mutation hook that returns something that is
// not a mutation. The build's error must say what a mutation is.
#include "mine.hpp"

template <>
struct evonas::genome_traits<Mine> {
    using space_type = MineSpace;
    static std::string problem(const Mine&, const MineSpace&) { return ""; }
    static Mine random(const MineSpace&, evonas::Rng& rng) { return Mine{static_cast<int>(rng.below(10))}; }
    static std::string to_text(const Mine& g, const MineSpace&) { return std::to_string(g.x); }
    static Mine from_text(std::string_view text, const MineSpace&) { return Mine{std::stoi(std::string(text))}; }
    static nlohmann::json space_to_json(const MineSpace&) { return nlohmann::json::object(); }
    static int default_mutation(const evonas::EvolutionOptions&) { return 1; }
};

int main() {
    evonas::IslandModel<Mine> model(MineSpace{}, {});
    return model.island_count() == 0;
}
