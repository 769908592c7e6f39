// Must compile: the smallest genome of your own the engine accepts (the
// control for the must-not-compile checks next to it: it proves their
// failures come from what they leave out, not from the build setup).
#include "mine.hpp"

template <>
struct evonas::genome_traits<Mine> {
    using space_type = MineSpace;
    static std::string problem(const Mine&, const MineSpace&) { return ""; }
    static Mine random(const MineSpace&, evonas::Rng& rng) { return Mine{static_cast<int>(rng.below(10))}; }
    static std::string to_text(const Mine& g, const MineSpace&) { return std::to_string(g.x); }
    static Mine from_text(std::string_view text, const MineSpace&) { return Mine{std::stoi(std::string(text))}; }
    static nlohmann::json space_to_json(const MineSpace&) { return nlohmann::json::object(); }
};

int main() {
    auto ops = evonas::EvolutionOperators<Mine>::defaults(evonas::EvolutionOptions{});
    ops.mutate = evonas::EvolutionOperators<Mine>::make_mutation(
        [](Mine& g, const MineSpace&, evonas::Rng& rng) { g.x = static_cast<int>(rng.below(10)); });
    evonas::EvolutionOptions options;
    options.crossover_probability = 0.0;
    evonas::IslandModel<Mine> model(MineSpace{}, options, {}, ops);
    return model.island_count() == 1 ? 0 : 1;
}
