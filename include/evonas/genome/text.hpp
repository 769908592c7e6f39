// evonas: the text notation of a genome, canonical and friendly.
//
// Canonical form (to_text): a list of items joined by single spaces:
//   - the layers of each section, in space order, with an item "|" between
//     two sections (an empty section contributes no items, so an empty
//     classifier gives "conv(...) | ; lr=0.01" and an empty first section
//     gives "| dense(...)");
//   - a layer is `type(p1=v1,p2=v2,...)` with every parameter of the type in
//     the type's order, values as ParamSpec::format writes them; a type
//     without parameters prints as `type()`;
//   - then, when the space has global genes, an item ";" followed by one
//     `name=value` item per global gene, in space order.
// Example:
//   conv(k=5,f=32,act=relu,bn=1) pool(type=max,k=2) | dense(u=128,act=relu)
//   dropout(p=0.5) ; lr=0.01 mom=0.9 bs=64 opt=sgd nesterov=0
// (one line). Equal genomes have equal text, and parse_genome(to_text(g))
// == g for every valid g.
//
// Friendly form (parse_genome also accepts): any whitespace (including new
// lines) between tokens; parameters in any order, omitted ones take the
// type's default; `type` alone for `type()`; booleans as 0, 1, true or
// false; global genes in any order, optionally separated by commas, omitted
// ones take their default; the "; ..." part may be left out entirely.
//   genome  := section ( '|' section )* [ ';' global* ]
//   section := layer*
//   layer   := NAME [ '(' [ NAME '=' VALUE ( ',' NAME '=' VALUE )* ] ')' ]
//   global  := NAME '=' VALUE [ ',' ]
// NAME and VALUE are runs of characters other than whitespace and ( ) , = | ;
// Values are never clamped: one outside the space is an error. Errors throw
// ParseError with the 1-based line and column of the offending token.
#pragma once

#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/detail/suggest.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/genome/layer_gene.hpp>
#include <evonas/genome/random_genome.hpp>
#include <evonas/genome/validate.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas {

/// One layer in canonical notation, e.g. "conv(k=5,f=32,act=relu,bn=1)".
/// For logs and messages; an unknown type id prints as "<type N>()".
/// Appends layer_to_text(gene, space) to `out`.
inline void append_layer_text(std::string& out, const LayerGene& gene, const SearchSpace& space) {
    if (gene.type >= space.layer_types().size()) {
        out += fmt::format("<type {}>()", gene.type);
        return;
    }
    const auto& type = space.layer_type(gene.type);
    out += type.name;
    out += '(';
    for (std::size_t p = 0; p < type.params.size(); ++p) {
        if (p > 0) out += ',';
        out += type.params[p].name;
        out += '=';
        type.params[p].append_formatted(out, gene.values[p]);
    }
    out += ')';
}

/// One layer in canonical notation, e.g. "conv(k=5,f=32,act=relu,bn=1)".
/// For logs and messages; an unknown type id prints as "<type N>()".
inline std::string layer_to_text(const LayerGene& gene, const SearchSpace& space) {
    std::string out;
    append_layer_text(out, gene, space);
    return out;
}

/// Appends the canonical text of `genome` (see to_text()) to `out`: the
/// lineage log writes one per job, so no temporary strings.
inline void append_text(std::string& out, const Genome<LayerGene>& genome, const SearchSpace& space) {
    const auto start = out.size();
    auto separate = [&out, start] {
        if (out.size() > start) out += ' ';
    };
    for (std::size_t s = 0; s < genome.section_count(); ++s) {
        if (s > 0) {
            separate();
            out += '|';
        }
        for (const auto& gene : genome.section(s)) {
            separate();
            append_layer_text(out, gene, space);
        }
    }
    const auto& globals = space.globals();
    if (!globals.empty()) {
        separate();
        out += ';';
        for (std::size_t g = 0; g < globals.size(); ++g) {
            const double value = g < genome.globals().size() ? genome.globals()[g] : globals[g].default_value;
            separate();
            out += globals[g].name;
            out += '=';
            globals[g].append_formatted(out, value);
        }
    }
}

/// The canonical text of `genome` in `space` (see the top of this header).
/// Meant for valid genomes; an invalid one prints as far as it can.
inline std::string to_text(const Genome<LayerGene>& genome, const SearchSpace& space) {
    std::string out;
    append_text(out, genome, space);
    return out;
}

namespace detail {

/// A token of the genome notation; `offset` is its byte offset in the text.
struct GenomeToken {
    enum class Kind { word, open, close, comma, equals, bar, semicolon, end };
    Kind kind = Kind::end;
    std::string_view text;
    std::size_t offset = 0;

    std::size_t end_offset() const noexcept { return offset + text.size(); }
    bool is(Kind k) const noexcept { return kind == k; }
};

/// Comma-separated names of a range of objects with a `name` member.
template <class Range>
std::string join_names(const Range& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += ", ";
        out += item.name;
    }
    return out;
}

/// Recursive-descent parser for parse_genome(); one use per instance.
class GenomeTextParser {
public:
    using Kind = GenomeToken::Kind;

    GenomeTextParser(std::string_view text, const SearchSpace& space, std::string source)
        : text_(text), space_(space), source_(std::move(source)) {}

    Genome<LayerGene> parse() {
        const auto& specs = space_.sections();
        std::vector<GeneSection<LayerGene>> sections;
        for (std::size_t s = 0;; ++s) {
            const auto section_start = peek().offset;
            sections.push_back(parse_section(s));
            if (s < specs.size() && !space_.meets_requirement(s, sections.back())) {
                std::string names;
                const auto& required = specs[s].require_any;
                for (std::size_t k = 0; k < required.size(); ++k) {
                    names += k == 0 ? "" : (k + 1 == required.size() ? " or " : ", ");
                    names += required[k];
                }
                fail_at(section_start, fmt::format("section '{}' needs at least one {} layer (the space requires "
                                                   "it)", specs[s].name, names));
            }
            const GenomeToken tok = peek();
            if (!tok.is(Kind::bar)) {
                if (s + 1 < specs.size()) {
                    fail(tok, fmt::format("expected {} sections separated by '|' ({}), found {}; "
                                          "section '{}' is missing before {}",
                                          specs.size(), section_list(), s + 1, specs[s + 1].name,
                                          describe(tok)));
                }
                break;
            }
            if (s + 1 == specs.size()) {
                fail(tok, fmt::format("found a '|' after the last section '{}': the space '{}' has {} "
                                      "section{} ({})",
                                      specs[s].name, space_.name(), specs.size(),
                                      specs.size() == 1 ? "" : "s", section_list()));
            }
            take();
        }
        std::vector<double> globals = default_globals(space_);
        if (peek().is(Kind::semicolon)) {
            take();
            parse_globals(globals);
        }
        Genome<LayerGene> genome(std::move(sections), std::move(globals));
        if (auto problem = genome_problem(genome, space_); !problem.empty()) {
            fail_at(0, "internal error, the parsed genome is not valid: " + problem);
        }
        return genome;
    }

private:
    // ---------------------------------------------------------------- grammar

    GeneSection<LayerGene> parse_section(std::size_t s) {
        const auto& spec = space_.section(s);
        std::vector<LayerGene> genes;
        for (;;) {
            const GenomeToken tok = peek();
            if (tok.is(Kind::bar) || tok.is(Kind::semicolon) || tok.is(Kind::end)) {
                if (genes.size() < spec.min_layers) {
                    fail(tok, fmt::format("section '{}' needs at least {} layer{}, found {} before {}",
                                          spec.name, spec.min_layers, spec.min_layers == 1 ? "" : "s",
                                          genes.size(), describe(tok)));
                }
                return GeneSection<LayerGene>(std::move(genes));
            }
            if (!tok.is(Kind::word)) {
                fail(tok, fmt::format("expected a layer type, '|' or ';', found {}", describe(tok)));
            }
            if (token_at(tok.end_offset()).is(Kind::equals)) {
                fail(tok, fmt::format("expected a layer type, found '{}='; global genes go after ';'",
                                      tok.text));
            }
            if (genes.size() == spec.max_layers) {
                fail(tok, fmt::format("section '{}' allows at most {} layer{}; '{}' would be layer {}",
                                      spec.name, spec.max_layers, spec.max_layers == 1 ? "" : "s",
                                      tok.text, genes.size() + 1));
            }
            genes.push_back(parse_layer(s));
        }
    }

    LayerGene parse_layer(std::size_t s) {
        const GenomeToken name = take();
        const auto& spec = space_.section(s);
        const auto id = space_.find_layer_type(name.text);
        if (!id) {
            fail(name, fmt::format("unknown layer type '{}'{}; section '{}' allows {}", name.text,
                                   did_you_mean(name.text, layer_type_names()), spec.name,
                                   allowed_list(s)));
        }
        if (!space_.allows(s, *id)) {
            std::string hint;
            for (std::size_t later = s + 1; later < space_.sections().size(); ++later) {
                if (space_.allows(later, *id)) {
                    hint = fmt::format(" (is a '|' missing before it? section '{}' allows it)",
                                       space_.section(later).name);
                    break;
                }
            }
            fail(name, fmt::format("layer type '{}' is not allowed in section '{}', which allows {}{}",
                                   name.text, spec.name, allowed_list(s), hint));
        }
        const auto& type = space_.layer_type(*id);
        LayerGene gene = default_layer(space_, *id);
        if (!peek().is(Kind::open)) return gene;
        take();
        if (peek().is(Kind::close)) {
            take();
            return gene;
        }
        std::vector<bool> seen(type.params.size(), false);
        for (;;) {
            const GenomeToken param = take();
            if (!param.is(Kind::word)) {
                fail(param, type.params.empty()
                                ? fmt::format("expected ')': layer type '{}' has no parameters, found {}",
                                              type.name, describe(param))
                                : fmt::format("expected a parameter name of '{}' ({}), found {}",
                                              type.name, join_names(type.params), describe(param)));
            }
            const auto p = type.find_param(param.text);
            if (!p) {
                fail(param, type.params.empty()
                                ? fmt::format("layer type '{}' has no parameters, so not '{}'",
                                              type.name, param.text)
                                : fmt::format("layer type '{}' has no parameter '{}'{}; its parameters are {}",
                                              type.name, param.text,
                                              did_you_mean(param.text, param_names(type)),
                                              join_names(type.params)));
            }
            if (seen[*p]) {
                fail(param, fmt::format("parameter '{}' of '{}' is given twice", param.text, type.name));
            }
            seen[*p] = true;
            const GenomeToken value = parse_assignment(param, type.params[*p]);
            gene.values[*p] = read_value(value, type.params[*p]);
            const GenomeToken sep = take();
            if (sep.is(Kind::close)) return gene;
            if (!sep.is(Kind::comma)) {
                fail(sep, fmt::format("expected ',' or ')' after {}={}, found {}", param.text,
                                      value.text, describe(sep)));
            }
        }
    }

    void parse_globals(std::vector<double>& globals) {
        const auto& specs = space_.globals();
        std::vector<bool> seen(specs.size(), false);
        for (;;) {
            const GenomeToken name = take();
            if (name.is(Kind::end)) return;
            if (!name.is(Kind::word)) {
                std::string why;
                if (name.is(Kind::bar)) why = "; sections go before ';'";
                if (name.is(Kind::semicolon)) why = "; ';' may appear only once";
                fail(name, fmt::format("expected a global gene as name=value after ';', found {}{}",
                                       describe(name), why));
            }
            const auto g = space_.find_global(name.text);
            if (!g) {
                fail(name, specs.empty()
                               ? fmt::format("unknown global gene '{}': the space '{}' has no global genes",
                                             name.text, space_.name())
                               : fmt::format("unknown global gene '{}'{}; the space has {}", name.text,
                                             did_you_mean(name.text, param_names_of(specs)),
                                             join_names(specs)));
            }
            if (seen[*g]) fail(name, fmt::format("global gene '{}' is given twice", name.text));
            seen[*g] = true;
            const GenomeToken value = parse_assignment(name, specs[*g]);
            globals[*g] = read_value(value, specs[*g]);
            if (peek().is(Kind::comma)) take();
        }
    }

    /// Reads "= VALUE" after the name `name`; returns the value token.
    GenomeToken parse_assignment(const GenomeToken& name, const ParamSpec& spec) {
        const GenomeToken eq = take();
        if (!eq.is(Kind::equals)) {
            fail(eq, fmt::format("expected '=' after '{}', found {}", name.text, describe(eq)));
        }
        const GenomeToken value = take();
        if (!value.is(Kind::word)) {
            fail(value, fmt::format("expected a value for '{}' ({}) after '=', found {}", name.text,
                                    spec.describe(), describe(value)));
        }
        return value;
    }

    double read_value(const GenomeToken& value, const ParamSpec& spec) {
        std::string problem;
        const auto parsed = spec.parse(value.text, problem);
        if (!parsed) {
            if (spec.kind == ParamKind::choice) problem += did_you_mean(value.text, spec.choices);
            fail(value, problem);
        }
        return *parsed;
    }

    // ---------------------------------------------------------------- tokens

    static bool is_space(char c) noexcept { return std::isspace(static_cast<unsigned char>(c)) != 0; }

    /// The token that starts at or after byte `offset` (skipping whitespace).
    GenomeToken token_at(std::size_t offset) const noexcept {
        while (offset < text_.size() && is_space(text_[offset])) ++offset;
        if (offset == text_.size()) return {Kind::end, {}, offset};
        auto single = [&](Kind k) { return GenomeToken{k, text_.substr(offset, 1), offset}; };
        switch (text_[offset]) {
            case '(': return single(Kind::open);
            case ')': return single(Kind::close);
            case ',': return single(Kind::comma);
            case '=': return single(Kind::equals);
            case '|': return single(Kind::bar);
            case ';': return single(Kind::semicolon);
            default: break;
        }
        std::size_t end = offset;
        while (end < text_.size() && !is_space(text_[end]) &&
               std::string_view("(),=|;").find(text_[end]) == std::string_view::npos) {
            ++end;
        }
        return {Kind::word, text_.substr(offset, end - offset), offset};
    }

    GenomeToken peek() const noexcept { return token_at(pos_); }

    GenomeToken take() noexcept {
        const GenomeToken tok = peek();
        pos_ = tok.end_offset();
        return tok;
    }

    static std::string describe(const GenomeToken& tok) {
        return tok.is(Kind::end) ? std::string("the end of the text") : fmt::format("'{}'", tok.text);
    }

    // ---------------------------------------------------------------- errors

    [[noreturn]] void fail(const GenomeToken& tok, const std::string& message) const {
        fail_at(tok.offset, message);
    }

    [[noreturn]] void fail_at(std::size_t offset, const std::string& message) const {
        std::size_t line = 1;
        std::size_t line_start = 0;
        for (std::size_t i = 0; i < offset && i < text_.size(); ++i) {
            if (text_[i] == '\n') {
                ++line;
                line_start = i + 1;
            }
        }
        throw ParseError(source_, line, offset - line_start + 1, message);
    }

    // ---------------------------------------------------------------- names

    std::vector<std::string_view> layer_type_names() const {
        std::vector<std::string_view> names;
        for (const auto& type : space_.layer_types()) names.emplace_back(type.name);
        return names;
    }

    static std::vector<std::string_view> param_names_of(const std::vector<ParamSpec>& specs) {
        std::vector<std::string_view> names;
        for (const auto& spec : specs) names.emplace_back(spec.name);
        return names;
    }

    static std::vector<std::string_view> param_names(const LayerType& type) {
        return param_names_of(type.params);
    }

    std::string allowed_list(std::size_t s) const {
        std::string out;
        for (const auto& allowed : space_.section(s).layers) {
            if (!out.empty()) out += ", ";
            out += allowed.type;
        }
        return out;
    }

    std::string section_list() const {
        std::string out;
        for (const auto& section : space_.sections()) {
            if (!out.empty()) out += " | ";
            out += section.name;
        }
        return out;
    }

    std::string_view text_;
    const SearchSpace& space_;
    std::string source_;
    std::size_t pos_ = 0;
};

}  // namespace detail

/// Reads a genome written in canonical or friendly notation (see the top of
/// this header), e.g. a seed for a run. Throws ParseError(source, line,
/// column, reason) on any mistake; the result is valid in `space`.
inline Genome<LayerGene> parse_genome(std::string_view text, const SearchSpace& space,
                                      std::string source = "genome text") {
    return detail::GenomeTextParser(text, space, std::move(source)).parse();
}

}  // namespace evonas
