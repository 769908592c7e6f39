// What docs/genome.md says its snippets do. Every ```cpp block of the docs is
// compiled by tests/docs (and the ones marked run are run there); this file
// checks the results the page states, so it repeats the two blocks it needs.
#include <evonas/evonas.hpp>

#include <catch2/catch.hpp>

TEST_CASE("docs/genome.md: the friendly seed's canonical text and the widen mutation", "[docs]") {
    // docs/genome.md, "The text notation": omitted parameters take their defaults.
    const auto space = evonas::cnn_space(2);
    const auto seed = evonas::parse_genome(
        "conv(k=5, f=32) pool conv(k=3, f=64) pool | dense(u=128) dropout(p=0.5) ; lr=0.02 bs=32", space);
    CHECK(evonas::to_text(seed, space) ==
          "conv(k=5,s=1,f=32,pad=same,act=relu,bn=1) pool(type=max,k=2,s=2) "
          "conv(k=3,s=1,f=64,pad=same,act=relu,bn=1) pool(type=max,k=2,s=2) | dense(u=128,act=relu) "
          "dropout(p=0.5) ; lr=0.02 mom=0.9 wd=0.0001 bs=32 opt=sgd epochs=5");

    // docs/genome.md, "Writing your own operator": the widen mutation and
    // the change it makes to that seed, as the page states.
    // (The page names the lambda's space parameter `space`; `s` here.)
    auto widen = [](evonas::Genome<>& g, const evonas::SearchSpace& s, evonas::Rng&) {
        const auto conv = s.find_layer_type("conv");
        bool changed = false;
        for (auto& layer : g.section(0)) {
            if (!conv || layer.type != *conv) continue;
            const auto f = *s.layer_type(*conv).find_param("f");
            const double wider = layer.values[f] * 2;
            if (s.layer_type(*conv).params[f].contains(wider)) {
                layer.values[f] = wider;
                changed = true;
            }
        }
        return changed;
    };
    static_assert(evonas::Mutation<decltype(widen)>);
    static_assert(!evonas::Mutation<int>);

    auto wider = seed;
    evonas::Rng rng(1);
    CHECK(widen(wider, space, rng));
    CHECK(evonas::genome_diff_text(seed, wider, space) == "features[0]: conv f 32->64; features[2]: conv f 64->128");

    // A genome without convolutions: nothing to widen, so the mix would try another mutation.
    // (cnn_space requires a convolution by default; this one does not.)
    const auto free_space = evonas::cnn_space(2, {.require_convolution = false});
    auto dense_only = evonas::parse_genome("pool | dense(u=64)", free_space);
    CHECK_FALSE(widen(dense_only, free_space, rng));
}
