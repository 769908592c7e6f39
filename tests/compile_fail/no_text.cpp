// Must NOT compile: genome_traits without a text form (to_text). The
// build's error must say that genome_traits<G> needs to_text.
#include "mine.hpp"

template <>
struct evonas::genome_traits<Mine> {
    using space_type = MineSpace;
    static std::string problem(const Mine&, const MineSpace&) { return ""; }
    static Mine random(const MineSpace&, evonas::Rng& rng) { return Mine{static_cast<int>(rng.below(10))}; }
    static Mine from_text(std::string_view, const MineSpace&) { return {}; }
    static nlohmann::json space_to_json(const MineSpace&) { return nlohmann::json::object(); }
};

int main() {
    evonas::IslandModel<Mine> model(MineSpace{}, {});
    return model.island_count() == 0;
}
