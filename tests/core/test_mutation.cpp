#include <evonas/genome/hash.hpp>
#include <evonas/genome/random_genome.hpp>
#include <evonas/genome/validate.hpp>
#include <evonas/operators/mutation_mix.hpp>
#include <evonas/operators/mutations.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "support/genomes.hpp"
#include "support/spaces.hpp"

using evonas::Genome;
using evonas::LayerGene;
using evonas::Rng;
using evonas::SearchSpace;

using evonas::test::dump;

namespace {

/// Section lengths.
std::vector<std::size_t> lengths(const Genome<LayerGene>& g) {
    std::vector<std::size_t> n;
    for (const auto& s : g.sections()) n.push_back(s.size());
    return n;
}

/// True when erasing one layer of section s of `longer` gives `shorter`, with
/// every other section equal. Sets `at` to such a position.
bool one_layer_more(const Genome<LayerGene>& longer, const Genome<LayerGene>& shorter,
                    std::size_t& at) {
    if (longer.section_count() != shorter.section_count() || longer.globals() != shorter.globals()) {
        return false;
    }
    int grown = 0;
    bool ok = true;
    for (std::size_t s = 0; s < longer.section_count(); ++s) {
        const auto& l = longer.section(s).genes();
        const auto& sh = shorter.section(s).genes();
        if (l.size() == sh.size()) {
            ok = ok && l == sh;
            continue;
        }
        if (l.size() != sh.size() + 1) return false;
        ++grown;
        bool found = false;
        for (std::size_t k = 0; k < l.size() && !found; ++k) {
            auto copy = l;
            copy.erase(copy.begin() + static_cast<std::ptrdiff_t>(k));
            if (copy == sh) {
                found = true;
                at = k;
            }
        }
        ok = ok && found;
    }
    return ok && grown == 1;
}

/// Positions (section, index) of layers that differ between same-shaped genomes.
std::vector<std::pair<std::size_t, std::size_t>> differing_layers(const Genome<LayerGene>& a,
                                                                  const Genome<LayerGene>& b) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (std::size_t s = 0; s < a.section_count(); ++s) {
        for (std::size_t i = 0; i < a.section(s).size(); ++i) {
            if (!(a.section(s)[i] == b.section(s)[i])) out.emplace_back(s, i);
        }
    }
    return out;
}

std::size_t differing_values(const LayerGene& a, const LayerGene& b) {
    std::size_t n = 0;
    for (std::size_t p = 0; p < a.values.size(); ++p) n += a.values[p] != b.values[p] ? 1 : 0;
    return n;
}

/// A space where layer mutations cannot apply: one layer type without
/// parameters, one section of exactly 2 layers, no global genes.
SearchSpace frozen_space() {
    using namespace evonas;
    return SearchSpace("frozen", {LayerType{"flatten", {}}},
                       {SectionSpace{"only", {{"flatten", 1.0}}, 2, 2}}, {});
}

}  // namespace

TEST_CASE("every built-in mutation keeps genomes valid and does what its name says", "[mutation]") {
    const auto space = evonas::test::small_space();
    Rng rng(2024);
    std::map<std::string, std::size_t> applied;
    for (int round = 0; round < 10000; ++round) {
        const auto original = evonas::random_genome(space, rng);
        INFO("round " << round << ", genome " << dump(original, space));
        REQUIRE(evonas::genome_problem(original, space).empty());

        auto run = [&](const auto& mutation) {
            auto g = original;
            const bool changed = mutation(g, space, rng);
            const auto problem = evonas::genome_problem(g, space);
            INFO(mutation.name() << " -> " << dump(g, space));
            if (!problem.empty()) FAIL(problem);
            if (changed != !(g == original)) {
                FAIL(fmt::format("returned {} but the genome {} change", changed,
                                 changed ? "did not" : "did"));
            }
            if (changed) ++applied[std::string(mutation.name())];
            return std::pair{changed, g};
        };

        if (auto [ok, g] = run(evonas::PerturbParameter{}); ok) {
            const auto diff = differing_layers(original, g);
            REQUIRE(lengths(g) == lengths(original));
            REQUIRE(diff.size() == 1);
            const auto& before = original.section(diff[0].first)[diff[0].second];
            const auto& after = g.section(diff[0].first)[diff[0].second];
            REQUIRE(before.type == after.type);
            REQUIRE(differing_values(before, after) == 1);
            std::size_t p = 0;
            while (before.values[p] == after.values[p]) ++p;
            REQUIRE(space.layer_type(before.type).params[p].is_numeric());
            REQUIRE(g.globals() == original.globals());
        }
        if (auto [ok, g] = run(evonas::ResampleParameter{}); ok) {
            const auto diff = differing_layers(original, g);
            REQUIRE(diff.size() == 1);
            const auto& before = original.section(diff[0].first)[diff[0].second];
            const auto& after = g.section(diff[0].first)[diff[0].second];
            REQUIRE(before.type == after.type);
            REQUIRE(differing_values(before, after) == 1);
            REQUIRE(g.globals() == original.globals());
        }
        if (auto [ok, g] = run(evonas::ChangeLayerType{}); ok) {
            REQUIRE(lengths(g) == lengths(original));
            const auto diff = differing_layers(original, g);
            REQUIRE(diff.size() == 1);
            const auto& before = original.section(diff[0].first)[diff[0].second];
            const auto& after = g.section(diff[0].first)[diff[0].second];
            REQUIRE(before.type != after.type);
            const auto& old_type = space.layer_type(before.type);
            const auto& new_type = space.layer_type(after.type);
            for (std::size_t p = 0; p < new_type.params.size(); ++p) {
                const auto& spec = new_type.params[p];
                const auto old = old_type.find_param(spec.name);
                if (!old) continue;
                const auto& old_spec = old_type.params[*old];
                if (spec.kind == evonas::ParamKind::choice && old_spec.kind == evonas::ParamKind::choice) {
                    const auto& name = old_spec.choices[static_cast<std::size_t>(before.values[*old])];
                    if (std::find(spec.choices.begin(), spec.choices.end(), name) != spec.choices.end()) {
                        REQUIRE(spec.choices[static_cast<std::size_t>(after.values[p])] == name);  // kept
                    }
                } else if (spec.is_numeric() && old_spec.is_numeric() && spec.contains(before.values[*old])) {
                    REQUIRE(after.values[p] == before.values[*old]);  // kept
                }
            }
            REQUIRE(g.globals() == original.globals());
        }
        if (auto [ok, g] = run(evonas::InsertLayer{}); ok) {
            std::size_t at = 0;
            REQUIRE(g.gene_count() == original.gene_count() + 1);
            REQUIRE(one_layer_more(g, original, at));
        }
        if (auto [ok, g] = run(evonas::RemoveLayer{}); ok) {
            std::size_t at = 0;
            REQUIRE(g.gene_count() + 1 == original.gene_count());
            REQUIRE(one_layer_more(original, g, at));
        }
        if (auto [ok, g] = run(evonas::DuplicateLayer{}); ok) {
            REQUIRE(g.gene_count() == original.gene_count() + 1);
            std::size_t at = 0;
            REQUIRE(one_layer_more(g, original, at));
            // the new layer is a copy of a neighbour
            bool copy_of_neighbour = false;
            for (std::size_t s = 0; s < g.section_count(); ++s) {
                const auto& genes = g.section(s).genes();
                if (genes.size() == original.section(s).size()) continue;
                for (std::size_t k = 0; k + 1 < genes.size(); ++k) {
                    auto without = genes;
                    without.erase(without.begin() + static_cast<std::ptrdiff_t>(k + 1));
                    copy_of_neighbour = copy_of_neighbour ||
                                        (genes[k] == genes[k + 1] && without == original.section(s).genes());
                }
            }
            REQUIRE(copy_of_neighbour);
        }
        if (auto [ok, g] = run(evonas::SwapLayers{}); ok) {
            REQUIRE(lengths(g) == lengths(original));
            const auto diff = differing_layers(original, g);
            REQUIRE(diff.size() == 2);
            REQUIRE(diff[0].first == diff[1].first);
            const auto s = diff[0].first;
            REQUIRE(g.section(s)[diff[0].second] == original.section(s)[diff[1].second]);
            REQUIRE(g.section(s)[diff[1].second] == original.section(s)[diff[0].second]);
            REQUIRE(std::is_permutation(g.section(s).begin(), g.section(s).end(),
                                        original.section(s).begin()));
            REQUIRE(g.globals() == original.globals());
        }
        if (auto [ok, g] = run(evonas::MutateGlobal{}); ok) {
            REQUIRE(g.sections() == original.sections());
            std::size_t changed = 0;
            for (std::size_t k = 0; k < g.globals().size(); ++k) {
                changed += g.globals()[k] != original.globals()[k] ? 1 : 0;
            }
            REQUIRE(changed == 1);
        }
    }
    // every mutation applied most of the time in this space
    for (const auto* name : {"perturb_parameter", "resample_parameter", "change_layer_type",
                             "insert_layer", "remove_layer", "duplicate_layer", "swap_layers",
                             "mutate_global"}) {
        INFO(name);
        CHECK(applied[name] > 7000);
    }
}

TEST_CASE("mutations that do not apply return false and leave the genome alone", "[mutation]") {
    const auto space = evonas::test::small_space();
    Rng rng(5);

    SECTION("insert and duplicate at max_layers, remove at min_layers") {
        auto full = evonas::random_genome(space, rng);
        while (full.section(0).size() < 6) full.section(0).genes().push_back(full.section(0)[0]);
        full.section(1).genes().assign(3, evonas::default_layer(space, 3));
        REQUIRE(evonas::is_valid(full, space));
        auto g = full;
        CHECK_FALSE(evonas::InsertLayer{}(g, space, rng));
        CHECK_FALSE(evonas::DuplicateLayer{}(g, space, rng));
        CHECK(g == full);
        CHECK(evonas::RemoveLayer{}(g, space, rng));

        auto minimal = full;
        minimal.section(0).genes().resize(1);
        minimal.section(1).genes().clear();
        g = minimal;
        CHECK_FALSE(evonas::RemoveLayer{}(g, space, rng));
        CHECK_FALSE(evonas::SwapLayers{}(g, space, rng));
        CHECK(g == minimal);
        CHECK(evonas::InsertLayer{}(g, space, rng));
    }
    SECTION("swap needs two different layers in one section") {
        auto g = evonas::random_genome(space, rng);
        const auto conv = evonas::default_layer(space, 0);
        g.section(0).genes().assign(5, conv);
        g.section(1).genes().clear();
        const auto before = g;
        CHECK_FALSE(evonas::SwapLayers{}(g, space, rng));
        CHECK(g == before);
        g.section(0)[4].values[0] = 5;  // one different layer among equal ones
        for (int i = 0; i < 200; ++i) {
            auto h = g;
            REQUIRE(evonas::SwapLayers{}(h, space, rng));
            REQUIRE(!(h == g));
            REQUIRE(h.section(0)[4] == conv);
        }
    }
    SECTION("a space with nothing to change") {
        const auto frozen = frozen_space();
        auto g = evonas::random_genome(frozen, rng);
        const auto before = g;
        CHECK_FALSE(evonas::PerturbParameter{}(g, frozen, rng));
        CHECK_FALSE(evonas::ResampleParameter{}(g, frozen, rng));
        CHECK_FALSE(evonas::ChangeLayerType{}(g, frozen, rng));
        CHECK_FALSE(evonas::InsertLayer{}(g, frozen, rng));
        CHECK_FALSE(evonas::RemoveLayer{}(g, frozen, rng));
        CHECK_FALSE(evonas::DuplicateLayer{}(g, frozen, rng));
        CHECK_FALSE(evonas::SwapLayers{}(g, frozen, rng));
        CHECK_FALSE(evonas::MutateGlobal{}(g, frozen, rng));
        CHECK(g == before);
        auto mix = evonas::MutationMix::standard();
        CHECK_FALSE(mix(g, frozen, rng));
        CHECK(mix.last_applied().empty());
        CHECK(g == before);
    }
}

TEST_CASE("parameter mutations change a value even in tiny ranges", "[mutation]") {
    using namespace evonas;
    const SearchSpace space(
        "tiny",
        {LayerType{"t", {ParamSpec::real("r", 1.0, 1.001, 1.0), ParamSpec::integer("i", 3, 3, 3),
                         ParamSpec::log_real("l", 0.5, 0.5001, 0.5)}}},
        {SectionSpace{"only", {{"t", 1.0}}, 1, 1}}, {ParamSpec::real("g", 2.0, 2.001, 2.0)});
    Rng rng(9);
    auto g = random_genome(space, rng);
    for (int i = 0; i < 2000; ++i) {
        for (bool perturb : {true, false}) {
            auto h = g;
            const bool ok = perturb ? PerturbParameter{{.scale = 0.01}}(h, space, rng)
                                    : ResampleParameter{}(h, space, rng);
            REQUIRE(ok);
            REQUIRE(!(h == g));
            REQUIRE(h.section(0)[0].values[1] == 3.0);  // the one-value integer never moves
            REQUIRE(genome_problem(h, space).empty());
            g = h;
        }
        auto h = g;
        REQUIRE(MutateGlobal{{.scale = 0.001}}(h, space, rng));
        REQUIRE(h.globals() != g.globals());
        REQUIRE(genome_problem(h, space).empty());
    }
}

TEST_CASE("ChangeLayerType draws by section weights, never the current type", "[mutation]") {
    using namespace evonas;
    const auto space = test::small_space();
    Rng rng(11);
    // features: conv 3, pool 1, dropout 0.5. From pool: conv 3/3.5, dropout 0.5/3.5.
    Genome<LayerGene> g({GeneSection<LayerGene>{default_layer(space, 1)}, {}}, default_globals(space));
    std::map<LayerTypeId, int> counts;
    const int draws = 35000;
    for (int i = 0; i < draws; ++i) {
        auto h = g;
        REQUIRE(ChangeLayerType{}(h, space, rng));
        ++counts[h.section(0)[0].type];
    }
    CHECK(counts[1] == 0);
    CHECK(counts[0] / double(draws) == Approx(3.0 / 3.5).margin(0.01));
    CHECK(counts[2] / double(draws) == Approx(0.5 / 3.5).margin(0.01));
}

TEST_CASE("ChangeLayerType keeps same-named parameters that fit the new type", "[mutation]") {
    using namespace evonas;
    const SearchSpace space(
        "carry",
        {LayerType{"a", {ParamSpec::choice("act", {"relu", "tanh", "elu"}, "relu"),
                         ParamSpec::integer("n", 0, 100, 0), ParamSpec::boolean("bn", false)}},
         LayerType{"b", {ParamSpec::integer("n", 0, 10, 0), ParamSpec::choice("act", {"elu", "relu"}, "elu"),
                         ParamSpec::real("bn", 0.0, 1.0, 0.0)}}},
        {SectionSpace{"only", {{"a", 1.0}, {"b", 1.0}}, 1, 1}}, {});
    Rng rng(4);
    for (int i = 0; i < 200; ++i) {
        // a(act=elu, n=7, bn=1) -> b: n and act (by name) kept
        Genome<LayerGene> g({GeneSection<LayerGene>{default_layer(space, 0)}}, {});
        g.section(0)[0].values[0] = 2;  // elu
        g.section(0)[0].values[1] = 7;
        g.section(0)[0].values[2] = 1;
        REQUIRE(ChangeLayerType{}(g, space, rng));
        const auto& b = g.section(0)[0];
        REQUIRE(b.type == 1);
        CHECK(b.values[0] == 7);
        CHECK(b.values[1] == 0);  // "elu" is index 0 in b
        REQUIRE(genome_problem(g, space).empty());
        // and back: b(n=7, act=relu) -> a keeps n=7 and act=relu
        g.section(0)[0].values[1] = 1;
        REQUIRE(ChangeLayerType{}(g, space, rng));
        const auto& a = g.section(0)[0];
        REQUIRE(a.type == 0);
        CHECK(a.values[0] == 0);  // relu
        CHECK(a.values[1] == 7);
        REQUIRE(genome_problem(g, space).empty());
    }
}

TEST_CASE("option errors name the field", "[mutation]") {
    const auto space = evonas::test::small_space();
    Rng rng(1);
    auto g = evonas::random_genome(space, rng);
    for (double bad : {0.0, -0.1, std::nan(""), std::numeric_limits<double>::infinity()}) {
        try {
            evonas::PerturbParameter{{.scale = bad}}(g, space, rng);
            FAIL("no ConfigError for scale " << bad);
        } catch (const evonas::ConfigError& e) {
            CHECK(e.field() == "PerturbParameter.options.scale");
        }
        CHECK_THROWS_AS(evonas::MutateGlobal{{.scale = bad}}(g, space, rng), evonas::ConfigError);
    }
}

TEST_CASE("MutationMix::standard keeps chains of mutations valid", "[mutation]") {
    const auto space = evonas::test::small_space();
    Rng rng(77);
    auto mix = evonas::MutationMix::standard({.extra_probability = 0.3, .max_mutations = 4});
    const std::vector<std::string> known = {"perturb_parameter", "resample_parameter",
                                            "change_layer_type", "insert_layer", "remove_layer",
                                            "duplicate_layer", "swap_layers", "mutate_global"};
    std::map<std::size_t, int> per_call;
    for (int chain = 0; chain < 200; ++chain) {
        auto g = evonas::random_genome(space, rng);
        for (int step = 0; step < 60; ++step) {
            const auto before = g;
            const bool changed = mix(g, space, rng);
            const auto problem = evonas::genome_problem(g, space);
            INFO("chain " << chain << " step " << step << " applied " << mix.last_applied() << "\n"
                          << dump(before, space) << "\n-> " << dump(g, space));
            if (!problem.empty()) FAIL(problem);
            REQUIRE(changed);  // something always applies in this space
            REQUIRE(!mix.last_applied().empty());
            std::size_t names = 0;
            std::string_view rest = mix.last_applied();
            while (!rest.empty()) {
                const auto plus = rest.find('+');
                const auto name = rest.substr(0, plus);
                REQUIRE(std::find(known.begin(), known.end(), name) != known.end());
                ++names;
                rest = plus == std::string_view::npos ? std::string_view{} : rest.substr(plus + 1);
            }
            REQUIRE(names >= 1);
            REQUIRE(names <= 4);
            ++per_call[names];
        }
    }
    // P(1) = 0.7, P(2) = 0.21, P(3) = 0.063, P(4) = 0.027
    CHECK(per_call[1] / 12000.0 == Approx(0.7).margin(0.02));
    CHECK(per_call[4] > 0);
}

TEST_CASE("MutationMix picks by weight and falls back when a pick does not apply", "[mutation]") {
    const auto space = evonas::test::small_space();
    Rng rng(3);
    auto g = evonas::random_genome(space, rng);

    SECTION("weights") {
        evonas::MutationMix mix;
        int a = 0;
        int b = 0;
        mix.add("a", 3.0, [&](Genome<LayerGene>&, const SearchSpace&, Rng&) { ++a; })
            .add("b", 1.0, [&](Genome<LayerGene>&, const SearchSpace&, Rng&) { ++b; })
            .add("never", 0.0, [](Genome<LayerGene>&, const SearchSpace&, Rng&) {
                FAIL("a mutation of weight 0 was called");
            });
        for (int i = 0; i < 40000; ++i) REQUIRE(mix(g, space, rng));
        CHECK(a / 40000.0 == Approx(0.75).margin(0.01));
        CHECK(a + b == 40000);
        mix.set_weight("a", 0.0);
        REQUIRE(mix(g, space, rng));
        CHECK(mix.last_applied() == "b");
    }
    SECTION("fallback") {
        evonas::MutationMix mix;
        int refused = 0;
        mix.add("refuses", 1000.0,
                [&](Genome<LayerGene>&, const SearchSpace&, Rng&) { return ++refused < 0; })
            .add("insert_layer", 1.0, evonas::InsertLayer{});
        auto h = g;
        h.section(1).genes().clear();
        REQUIRE(mix(h, space, rng));
        CHECK(mix.last_applied() == "insert_layer");
        CHECK(refused >= 1);

        evonas::MutationMix none;
        none.add("no1", 1.0, [](Genome<LayerGene>&, const SearchSpace&, Rng&) { return false; })
            .add("no2", 2.0, [](Genome<LayerGene>&, const SearchSpace&, Rng&) { return false; });
        auto k = g;
        CHECK_FALSE(none(k, space, rng));
        CHECK(k == g);
        CHECK(none.last_applied().empty());
    }
}

TEST_CASE("MutationMix errors name the field", "[mutation]") {
    const auto space = evonas::test::small_space();
    Rng rng(3);
    auto g = evonas::random_genome(space, rng);
    auto field_of = [](auto&& f) -> std::string {
        try {
            f();
        } catch (const evonas::ConfigError& e) {
            return e.field();
        }
        return "(no error)";
    };
    evonas::MutationMix mix;
    CHECK(field_of([&] { mix(g, space, rng); }) == "MutationMix");
    for (double bad : {-1.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
        CHECK(field_of([&] { mix.add("x", bad, evonas::InsertLayer{}); }) == "MutationMix.weight");
    }
    CHECK(mix.empty());
    mix.add("zero", 0.0, evonas::InsertLayer{});
    CHECK(field_of([&] { mix(g, space, rng); }) == "MutationMix.weight");
    CHECK(field_of([&] { mix.add("zero", 1.0, evonas::InsertLayer{}); }) == "MutationMix.name");
    CHECK(field_of([&] { mix.add("", 1.0, evonas::InsertLayer{}); }) == "MutationMix.name");
    CHECK(field_of([&] { mix.set_weight("nope", 1.0); }) == "MutationMix.name");
    CHECK(field_of([&] { mix.set_weight("zero", -2.0); }) == "MutationMix.weight");
    for (double bad : {-0.1, 1.0, 1.5, std::nan("")}) {
        CHECK(field_of([&] { evonas::MutationMix m({.extra_probability = bad}); }) ==
              "MutationMix.options.extra_probability");
    }
    CHECK(field_of([&] { evonas::MutationMix::standard({.max_mutations = 0}); }) ==
          "MutationMix.options.max_mutations");
    CHECK(field_of([&] { evonas::MutationMix m({.extra_probability = 0.0}); }) == "(no error)");
}

namespace {

/// A fixed sequence of every mutation and the standard mix from Rng(seed).
Genome<LayerGene> mutation_sequence(const SearchSpace& space, std::uint64_t seed) {
    Rng rng(seed);
    auto g = evonas::random_genome(space, rng);
    auto mix = evonas::MutationMix::standard({.extra_probability = 0.5, .max_mutations = 3});
    for (int round = 0; round < 50; ++round) {
        evonas::PerturbParameter{{.scale = 0.2}}(g, space, rng);
        evonas::ResampleParameter{}(g, space, rng);
        evonas::ChangeLayerType{}(g, space, rng);
        evonas::InsertLayer{}(g, space, rng);
        evonas::SwapLayers{}(g, space, rng);
        evonas::RemoveLayer{}(g, space, rng);
        evonas::DuplicateLayer{}(g, space, rng);
        evonas::RemoveLayer{}(g, space, rng);
        evonas::MutateGlobal{}(g, space, rng);
        mix(g, space, rng);
    }
    return g;
}

}  // namespace

TEST_CASE("equal seeds give equal mutations", "[mutation]") {
    const auto space = evonas::test::small_space();
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
        const auto a = mutation_sequence(space, seed);
        const auto b = mutation_sequence(space, seed);
        REQUIRE(a == b);
        REQUIRE(evonas::is_valid(a, space));
    }
    CHECK(!(mutation_sequence(space, 1) == mutation_sequence(space, 2)));
}

TEST_CASE("golden determinism value: a fixed mutation sequence from Rng(42)", "[mutation]") {
    const auto space = evonas::test::small_space();
    const auto g = mutation_sequence(space, 42);
    INFO(dump(g, space));
    REQUIRE(evonas::is_valid(g, space));
    // Recorded once; the same on every platform and compiler (portable Rng,
    // quantized reals, stable hash). A change means the operators changed.
    CHECK(evonas::genome_hash(g, space) == 0xdb2f7e55afa680fbULL);
}
