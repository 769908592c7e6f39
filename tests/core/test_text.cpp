// Tests of the genome text notation (genome/text.hpp) and of the
// did-you-mean suggestions (detail/suggest.hpp).
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <evonas/detail/suggest.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/random_genome.hpp>
#include <evonas/genome/text.hpp>
#include <evonas/genome/validate.hpp>
#include <evonas/random.hpp>

#include "support/spaces.hpp"

namespace {

using evonas::Genome;
using evonas::LayerGene;
using evonas::ParseError;
using evonas::SearchSpace;

/// Matches a ParseError at (line, column) whose message contains `needle`.
class ParseErrorAt : public Catch::MatcherBase<ParseError> {
public:
    ParseErrorAt(std::size_t line, std::size_t column, std::string needle)
        : line_(line), column_(column), needle_(std::move(needle)) {}

    bool match(const ParseError& e) const override {
        return e.line() == line_ && e.column() == column_ &&
               std::string(e.what()).find(needle_) != std::string::npos;
    }
    std::string describe() const override {
        return "is a ParseError at " + std::to_string(line_) + ":" + std::to_string(column_) +
               " containing \"" + needle_ + "\"";
    }

private:
    std::size_t line_;
    std::size_t column_;
    std::string needle_;
};

/// A layer of `type` with the given values (in the type's parameter order).
LayerGene layer(const SearchSpace& space, std::string_view type, std::vector<double> values) {
    LayerGene gene = evonas::default_layer(space, *space.find_layer_type(type));
    REQUIRE(values.size() == gene.size);
    for (std::size_t i = 0; i < values.size(); ++i) gene.values[i] = values[i];
    return gene;
}

/// The message of the ParseError parse_genome(text) throws ("" if none).
std::string parse_message(std::string_view text, const SearchSpace& space) {
    try {
        (void)evonas::parse_genome(text, space);
    } catch (const ParseError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("edit distance and did-you-mean suggestions", "[text]") {
    using evonas::detail::did_you_mean;
    using evonas::detail::edit_distance;
    CHECK(edit_distance("", "") == 0);
    CHECK(edit_distance("conv", "") == 4);
    CHECK(edit_distance("", "conv") == 4);
    CHECK(edit_distance("conv", "conv") == 0);
    CHECK(edit_distance("cnv", "conv") == 1);
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("flaw", "lawn") == 2);

    const std::vector<std::string> names{"conv", "pool", "dropout", "dense", "flatten"};
    CHECK(did_you_mean("cnv", names) == " (did you mean 'conv'?)");
    CHECK(did_you_mean("dropuot", names) == " (did you mean 'dropout'?)");
    CHECK(did_you_mean("Dense", names) == " (did you mean 'dense'?)");  // case is ignored
    CHECK(did_you_mean("xyz", names).empty());
    CHECK(did_you_mean("lstm", names).empty());
    CHECK(did_you_mean("k", {"k", "f"}) == " (did you mean 'k'?)");
    CHECK(did_you_mean("q", std::vector<std::string>{}).empty());
    // at most max(1, len/3) edits: 1 for "flatn" (5 letters), 2 for "flatenn" (7)
    CHECK(did_you_mean("flatn", names).empty());
    CHECK(did_you_mean("flatenn", names) == " (did you mean 'flatten'?)");
    CHECK(edit_distance("rleu", "relu") == 2);
    CHECK(edit_distance("rleu", "relu", true) == 1);  // a swap of neighbours is one edit
    CHECK(edit_distance("ca", "abc", true) == 3);     // optimal string alignment, not full Damerau
    CHECK(edit_distance("kitten", "sitting", true) == 3);
    CHECK(did_you_mean("rleu", {"relu", "tanh"}) == " (did you mean 'relu'?)");
}

TEST_CASE("to_text writes the canonical form", "[text]") {
    const auto space = evonas::test::small_space();
    const Genome<LayerGene> g(
        {{layer(space, "conv", {5, 32, 0, 1}), layer(space, "pool", {0, 2})},
         {layer(space, "dense", {128, 0}), layer(space, "dropout", {0.5})}},
        {0.01, 0.9, 64, 0, 0});
    REQUIRE(evonas::genome_problem(g, space).empty());
    const std::string text =
        "conv(k=5,f=32,act=relu,bn=1) pool(type=max,k=2) | dense(u=128,act=relu) dropout(p=0.5)"
        " ; lr=0.01 mom=0.9 bs=64 opt=sgd nesterov=0";
    CHECK(evonas::to_text(g, space) == text);
    CHECK(evonas::parse_genome(text, space) == g);

    SECTION("an empty section contributes nothing between the separators") {
        const Genome<LayerGene> h({{layer(space, "dropout", {0.25})}, {}}, {0.0001, 0, 16, 1, 1});
        CHECK(evonas::to_text(h, space) == "dropout(p=0.25) | ; lr=0.0001 mom=0 bs=16 opt=adam nesterov=1");
        CHECK(evonas::parse_genome(evonas::to_text(h, space), space) == h);
    }
    SECTION("a layer type without parameters prints as type()") {
        const Genome<LayerGene> h({{layer(space, "pool", {1, 4})}, {layer(space, "flatten", {})}},
                                  {0.3, 0.99, 256, 0, 0});
        CHECK(evonas::to_text(h, space) ==
              "pool(type=avg,k=4) | flatten() ; lr=0.3 mom=0.99 bs=256 opt=sgd nesterov=0");
    }
    SECTION("layer_to_text writes one layer") {
        CHECK(evonas::layer_to_text(layer(space, "conv", {1, 128, 2, 0}), space) == "conv(k=1,f=128,act=elu,bn=0)");
    }
}

TEST_CASE("text round trip over random genomes", "[text]") {
    const auto space = evonas::test::small_space();
    int checked = 0;
    for (std::uint64_t seed = 0; seed < 10000; ++seed) {
        evonas::Rng rng(seed);
        const auto g = evonas::random_genome(space, rng);
        REQUIRE(evonas::genome_problem(g, space).empty());
        const auto text = evonas::to_text(g, space);
        const auto parsed = evonas::parse_genome(text, space);
        if (parsed != g || evonas::to_text(parsed, space) != text ||
            !evonas::genome_problem(parsed, space).empty()) {
            FAIL_CHECK("seed " << seed << ": " << text << " came back as " << evonas::to_text(parsed, space));
            continue;
        }
        ++checked;
    }
    CHECK(checked == 10000);
}

TEST_CASE("parse_genome accepts the friendly form", "[text]") {
    const auto space = evonas::test::small_space();
    const std::string text =
        "  conv(f=64, k=5)   conv( act = tanh , bn=false )\n"
        "\tpool\n"
        "  dropout()\n"
        "| dense(act=tanh)\n"
        "  flatten\n"
        "; opt=adam, lr=1e-3\n"
        "  nesterov=true\n";
    const Genome<LayerGene> expected(
        {{layer(space, "conv", {5, 64, 0, 1}), layer(space, "conv", {3, 32, 1, 0}), layer(space, "pool", {0, 2}),
          layer(space, "dropout", {0.5})},
         {layer(space, "dense", {64, 1}), layer(space, "flatten", {})}},
        {0.001, 0.9, 64, 1, 1});
    const auto g = evonas::parse_genome(text, space);
    CHECK(g == expected);
    CHECK(evonas::genome_problem(g, space).empty());
    CHECK(evonas::to_text(g, space) ==
          "conv(k=5,f=64,act=relu,bn=1) conv(k=3,f=32,act=tanh,bn=0) pool(type=max,k=2) dropout(p=0.5)"
          " | dense(u=64,act=tanh) flatten() ; lr=0.001 mom=0.9 bs=64 opt=adam nesterov=1");

    SECTION("the global genes may be left out, with or without ';'") {
        const Genome<LayerGene> defaults({{evonas::default_layer(space, 0)}, {}}, evonas::default_globals(space));
        CHECK(evonas::parse_genome("conv |", space) == defaults);
        CHECK(evonas::parse_genome("conv|;", space) == defaults);
        CHECK(evonas::parse_genome("conv() | ;", space) == defaults);
    }
    SECTION("reals with more digits are rounded to 4 significant digits, as ParamSpec::parse does") {
        const auto h = evonas::parse_genome("dropout(p=0.123456) | ; mom=0.5", space);
        CHECK(h.section(0)[0].values[0] == 0.1235);
        CHECK(h.globals()[1] == 0.5);
    }
}

TEST_CASE("parse_genome reports each kind of mistake with its position", "[text]") {
    const auto space = evonas::test::small_space();
    auto parse = [&space](std::string_view text) { return evonas::parse_genome(text, space); };

    SECTION("unknown layer type") {
        CHECK_THROWS_MATCHES(parse("cnv(k=3) |"), ParseError,
                             ParseErrorAt(1, 1, "unknown layer type 'cnv' (did you mean 'conv'?); section "
                                                "'features' allows conv, pool, dropout"));
        CHECK_THROWS_MATCHES(parse("conv lstm |"), ParseError, ParseErrorAt(1, 6, "unknown layer type 'lstm';"));
    }
    SECTION("layer type not allowed in the section") {
        CHECK_THROWS_MATCHES(parse("conv | conv"), ParseError,
                             ParseErrorAt(1, 8, "layer type 'conv' is not allowed in section 'classifier', "
                                                "which allows dense, dropout, flatten"));
        CHECK_THROWS_MATCHES(parse("conv dense"), ParseError,
                             ParseErrorAt(1, 6, "not allowed in section 'features', which allows conv, pool, "
                                                "dropout (is a '|' missing before it?"));
    }
    SECTION("unknown parameter") {
        CHECK_THROWS_MATCHES(parse("conv(kk=3) |"), ParseError,
                             ParseErrorAt(1, 6, "layer type 'conv' has no parameter 'kk' (did you mean 'k'?); "
                                                "its parameters are k, f, act, bn"));
        CHECK_THROWS_MATCHES(parse("conv | flatten(x=1)"), ParseError,
                             ParseErrorAt(1, 16, "layer type 'flatten' has no parameters, so not 'x'"));
    }
    SECTION("duplicate parameter") {
        CHECK_THROWS_MATCHES(parse("conv(k=3, k=5) |"), ParseError,
                             ParseErrorAt(1, 11, "parameter 'k' of 'conv' is given twice"));
    }
    SECTION("missing '=' or value") {
        CHECK_THROWS_MATCHES(parse("conv(k 3) |"), ParseError,
                             ParseErrorAt(1, 8, "expected '=' after 'k', found '3'"));
        CHECK_THROWS_MATCHES(parse("conv(k=) |"), ParseError,
                             ParseErrorAt(1, 8, "expected a value for 'k' (integer 1..7) after '=', found ')'"));
        CHECK_THROWS_MATCHES(parse("conv(=3) |"), ParseError,
                             ParseErrorAt(1, 6, "expected a parameter name of 'conv' (k, f, act, bn), found '='"));
    }
    SECTION("missing ')' or ','") {
        CHECK_THROWS_MATCHES(parse("conv(k=3"), ParseError,
                             ParseErrorAt(1, 9, "expected ',' or ')' after k=3, found the end of the text"));
        CHECK_THROWS_MATCHES(parse("conv(k=3 f=8) |"), ParseError,
                             ParseErrorAt(1, 10, "expected ',' or ')' after k=3, found 'f'"));
        CHECK_THROWS_MATCHES(parse("conv(k=3,) |"), ParseError,
                             ParseErrorAt(1, 10, "expected a parameter name of 'conv'"));
    }
    SECTION("value outside the space: never clamped") {
        CHECK_THROWS_MATCHES(parse("conv(k=9) |"), ParseError,
                             ParseErrorAt(1, 8, "k=9 is outside the space: integer 1..7"));
        CHECK_THROWS_MATCHES(parse("conv(f=12) |"), ParseError,
                             ParseErrorAt(1, 8, "f=12 is outside the space: integer 8..128 in steps of 8"));
        CHECK_THROWS_MATCHES(parse("dropout(p=0.9) |"), ParseError,
                             ParseErrorAt(1, 11, "p=0.9 is outside the space: real 0..0.8"));
        CHECK_THROWS_MATCHES(parse("conv | ; lr=0.5"), ParseError,
                             ParseErrorAt(1, 13, "lr=0.5 is outside the space: log-scaled real 0.0001..0.3"));
    }
    SECTION("value of the wrong form") {
        CHECK_THROWS_MATCHES(parse("conv(k=big) |"), ParseError,
                             ParseErrorAt(1, 8, "expected an integer for 'k', got 'big'"));
        CHECK_THROWS_MATCHES(parse("conv(k=3.0) |"), ParseError,
                             ParseErrorAt(1, 8, "expected an integer for 'k', got '3.0'"));
        CHECK_THROWS_MATCHES(parse("dropout(p=half) |"), ParseError,
                             ParseErrorAt(1, 11, "expected a number for 'p', got 'half'"));
        CHECK_THROWS_MATCHES(parse("conv(bn=yes) |"), ParseError,
                             ParseErrorAt(1, 9, "expected 0, 1, true or false for 'bn', got 'yes'"));
    }
    SECTION("unknown choice value") {
        CHECK_THROWS_MATCHES(parse("conv(act=rleu) |"), ParseError,
                             ParseErrorAt(1, 10, "'rleu' is not a choice of 'act': one of relu, tanh, elu "
                                                 "(did you mean 'relu'?)"));
        CHECK_THROWS_MATCHES(parse("conv | ; opt=rmsprop"), ParseError,
                             ParseErrorAt(1, 14, "'rmsprop' is not a choice of 'opt': one of sgd, adam"));
    }
    SECTION("wrong number of sections") {
        CHECK_THROWS_MATCHES(parse("conv | dense | dense"), ParseError,
                             ParseErrorAt(1, 14, "found a '|' after the last section 'classifier': the space "
                                                 "'small' has 2 sections (features | classifier)"));
        CHECK_THROWS_MATCHES(parse("conv"), ParseError,
                             ParseErrorAt(1, 5, "expected 2 sections separated by '|' (features | classifier), "
                                                "found 1; section 'classifier' is missing before the end"));
        CHECK_THROWS_MATCHES(parse("conv ; lr=0.1"), ParseError,
                             ParseErrorAt(1, 6, "section 'classifier' is missing before ';'"));
    }
    SECTION("too many or too few layers in a section") {
        CHECK_THROWS_MATCHES(parse("conv conv conv pool conv conv dropout |"), ParseError,
                             ParseErrorAt(1, 31, "section 'features' allows at most 6 layers; 'dropout' would "
                                                 "be layer 7"));
        CHECK_THROWS_MATCHES(parse("conv | dense dense dense flatten"), ParseError,
                             ParseErrorAt(1, 26, "section 'classifier' allows at most 3 layers"));
        CHECK_THROWS_MATCHES(parse("| dense"), ParseError,
                             ParseErrorAt(1, 1, "section 'features' needs at least 1 layer, found 0 before '|'"));
        CHECK_THROWS_MATCHES(parse(""), ParseError, ParseErrorAt(1, 1, "section 'features' needs at least 1 layer"));
    }
    SECTION("global genes") {
        CHECK_THROWS_MATCHES(parse("conv | ; lrr=0.1"), ParseError,
                             ParseErrorAt(1, 10, "unknown global gene 'lrr' (did you mean 'lr'?); the space has "
                                                 "lr, mom, bs, opt, nesterov"));
        CHECK_THROWS_MATCHES(parse("conv | ; lr=0.1 lr=0.2"), ParseError,
                             ParseErrorAt(1, 17, "global gene 'lr' is given twice"));
        CHECK_THROWS_MATCHES(parse("conv | ; lr 0.1"), ParseError,
                             ParseErrorAt(1, 13, "expected '=' after 'lr', found '0.1'"));
        CHECK_THROWS_MATCHES(parse("conv | ; lr="), ParseError,
                             ParseErrorAt(1, 13, "expected a value for 'lr' (log-scaled real 0.0001..0.3) after "
                                                 "'=', found the end of the text"));
        CHECK_THROWS_MATCHES(parse("conv lr=0.1"), ParseError,
                             ParseErrorAt(1, 6, "expected a layer type, found 'lr='; global genes go after ';'"));
    }
    SECTION("trailing garbage and stray punctuation") {
        CHECK_THROWS_MATCHES(parse("conv | ; lr=0.1 )"), ParseError,
                             ParseErrorAt(1, 17, "expected a global gene as name=value after ';', found ')'"));
        CHECK_THROWS_MATCHES(parse("conv | ; lr=0.1 ; bs=32"), ParseError,
                             ParseErrorAt(1, 17, "found ';'; ';' may appear only once"));
        CHECK_THROWS_MATCHES(parse("conv ; lr=0.1 | dense"), ParseError, ParseErrorAt(1, 6, "section 'classifier'"));
        CHECK_THROWS_MATCHES(parse("conv | dense ; bs=32 | dense"), ParseError,
                             ParseErrorAt(1, 22, "found '|'; sections go before ';'"));
        CHECK_THROWS_MATCHES(parse("conv ) |"), ParseError,
                             ParseErrorAt(1, 6, "expected a layer type, '|' or ';', found ')'"));
        CHECK_THROWS_MATCHES(parse("conv() (k=3) |"), ParseError,
                             ParseErrorAt(1, 8, "expected a layer type, '|' or ';', found '('"));
    }
    SECTION("lines and columns count from 1 across lines") {
        CHECK_THROWS_MATCHES(parse("conv(k=3)\n  pool(k=9)\n|"), ParseError,
                             ParseErrorAt(2, 10, "k=9 is outside the space: integer 2..4"));
        CHECK_THROWS_MATCHES(parse("conv\n|\n; lr=0.1\n  bs=17\n"), ParseError,
                             ParseErrorAt(4, 6, "bs=17 is outside the space"));
        CHECK_THROWS_MATCHES(parse("conv(k=3,\n     f=8"), ParseError,
                             ParseErrorAt(2, 9, "found the end of the text"));
    }
    SECTION("the message names the source, line and column") {
        try {
            (void)evonas::parse_genome("conv |\n  cnv", space, "seeds.txt");
            FAIL("no error");
        } catch (const ParseError& e) {
            CHECK(e.source() == "seeds.txt");
            CHECK(std::string(e.what()).starts_with("seeds.txt:2:3: unknown layer type 'cnv'"));
        }
        CHECK(parse_message("conv(k=0) |", space).starts_with("genome text:1:8: k=0 is outside the space"));
    }
}

TEST_CASE("spaces with optional sections and no global genes", "[text]") {
    using evonas::LayerType;
    using evonas::ParamSpec;
    using evonas::SectionSpace;
    const SearchSpace space("bare",
                            {LayerType{"flatten", {}}, LayerType{"dense", {ParamSpec::integer("u", 1, 9, 4)}}},
                            {SectionSpace{"a", {{"flatten", 1.0}}, 0, 2}, SectionSpace{"b", {{"dense", 1.0}}, 0, 2}},
                            {});
    const Genome<LayerGene> empty({{}, {}}, {});
    CHECK(evonas::to_text(empty, space) == "|");
    CHECK(evonas::parse_genome("|", space) == empty);
    CHECK(evonas::parse_genome(" | ; ", space) == empty);

    const Genome<LayerGene> some({{evonas::default_layer(space, 0)}, {layer(space, "dense", {7})}}, {});
    CHECK(evonas::to_text(some, space) == "flatten() | dense(u=7)");
    CHECK(evonas::parse_genome("flatten|dense(u=7)", space) == some);

    CHECK_THROWS_MATCHES(evonas::parse_genome("| ; lr=0.1", space), ParseError,
                         ParseErrorAt(1, 5, "unknown global gene 'lr': the space 'bare' has no global genes"));
    CHECK_THROWS_MATCHES(evonas::parse_genome("flatten(u=1) |", space), ParseError,
                         ParseErrorAt(1, 9, "layer type 'flatten' has no parameters, so not 'u'"));

    const SearchSpace one("one", {LayerType{"flatten", {}}}, {SectionSpace{"only", {{"flatten", 1.0}}, 0, 1}}, {});
    const Genome<LayerGene> nothing({{}}, {});
    CHECK(evonas::to_text(nothing, one).empty());
    CHECK(evonas::parse_genome("", one) == nothing);
    CHECK(evonas::parse_genome(" \n\t", one) == nothing);
    CHECK_THROWS_MATCHES(evonas::parse_genome("flatten | flatten", one), ParseError,
                         ParseErrorAt(1, 9, "found a '|' after the last section 'only': the space 'one' has 1 "
                                            "section (only)"));
}
