// evonas: what the engine, the drivers and the run files need of a genome
// type, as one customisation point: the class template genome_traits<G>.
//
// Specialise it for a genome of your own (a DAG cell, a transformer stack,
// an MLP) and IslandModel<G>, the thread, simulation and MPI drivers, the
// lineage log, checkpoints and resume all work with it:
//
//     template <> struct evonas::genome_traits<MyGenome> {
//         using space_type = MySpace;                        // required
//         static std::string problem(const MyGenome&, const MySpace&);  // "" = valid
//         static MyGenome random(const MySpace&, evonas::Rng&);
//         static std::string to_text(const MyGenome&, const MySpace&);  // one line
//         static MyGenome from_text(std::string_view, const MySpace&);  // throws
//         // (or from_text(text, space, const std::string& where): name `where` in errors)
//         static nlohmann::json space_to_json(const MySpace&);        // run identity
//         // optional:
//         static std::uint64_t hash(const MyGenome&, const MySpace&);  // default: hash of to_text
//         static void validate_space(const MySpace&);   // throws ConfigError; run when a model is built
//         static auto default_mutation(const EvolutionOptions&);     // default: none, supply one
//         static auto default_crossover(const EvolutionOptions&);    // default: none
//         static std::vector<double> features(const MyGenome&, const MySpace&);
//                                       // fixed length: the surrogate's input
//     };
//
// Why a traits class and not member functions: a genome stays a plain value
// (a struct you may not own, e.g. a std::vector), and the space is a
// separate object, as in the layer genome. Why the text form is required:
// the lineage log, checkpoints and the MPI wire carry genomes as text, so
// every run can be read, diffed and resumed with nothing but the text.
#pragma once

#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include <evonas/error.hpp>
#include <evonas/genome/hash.hpp>
#include <evonas/random.hpp>

namespace evonas {

/// The customisation point: specialise for your genome type (see the top of
/// this header). The primary template is empty, so a type without a
/// specialisation is not a GenomeType and the engine says so.
template <class G>
struct genome_traits {};

namespace detail {

template <class G>
using traits_of = genome_traits<std::remove_cvref_t<G>>;

template <class G>
concept has_space_type = requires { typename traits_of<G>::space_type; };

}  // namespace detail

/// The search space a genome type is valid in: genome_traits<G>::space_type.
template <class G>
using space_of = typename detail::traits_of<G>::space_type;

namespace detail {

template <class G>
concept has_problem = has_space_type<G> && requires(const G& g, const space_of<G>& s) {
    { traits_of<G>::problem(g, s) } -> std::convertible_to<std::string>;
};
template <class G>
concept has_random = has_space_type<G> && requires(const space_of<G>& s, Rng& rng) {
    { traits_of<G>::random(s, rng) } -> std::convertible_to<G>;
};
template <class G>
concept has_append_text = has_space_type<G> && requires(std::string& out, const G& g, const space_of<G>& s) {
    traits_of<G>::append_text(out, g, s);
};
template <class G>
concept has_to_text = has_space_type<G> && requires(const G& g, const space_of<G>& s) {
    { traits_of<G>::to_text(g, s) } -> std::convertible_to<std::string>;
};
template <class G>
concept has_from_text_where =
    has_space_type<G> && requires(std::string_view text, const space_of<G>& s, std::string where) {
        { traits_of<G>::from_text(text, s, where) } -> std::convertible_to<G>;
    };
template <class G>
concept has_from_text = has_space_type<G> && requires(std::string_view text, const space_of<G>& s) {
    { traits_of<G>::from_text(text, s) } -> std::convertible_to<G>;
};
template <class G>
concept has_space_to_json = has_space_type<G> && requires(const space_of<G>& s) {
    { traits_of<G>::space_to_json(s) } -> std::convertible_to<nlohmann::json>;
};
template <class G>
concept has_hash = has_space_type<G> && requires(const G& g, const space_of<G>& s) {
    { traits_of<G>::hash(g, s) } -> std::convertible_to<std::uint64_t>;
};

template <class G>
concept has_features = has_space_type<G> && requires(const G& g, const space_of<G>& s) {
    { traits_of<G>::features(g, s) } -> std::convertible_to<std::vector<double>>;
};

}  // namespace detail

/// A type the engine can evolve: genome_traits<G> names its space and
/// provides validation, random genomes, a text round trip and the space's
/// JSON form. Copyable and equality-comparable like any value.
template <class G>
concept GenomeType = std::copyable<G> && std::equality_comparable<G> && detail::has_space_type<G> &&
                     detail::has_problem<G> && detail::has_random<G> &&
                     (detail::has_to_text<G> || detail::has_append_text<G>) &&
                     (detail::has_from_text<G> || detail::has_from_text_where<G>) &&
                     detail::has_space_to_json<G>;

/// Names the first customisation point `G` misses, in plain words, at
/// compile time. The engine and the drivers call it, so a user reads one of
/// these messages instead of a page of template errors.
template <class G>
consteval bool check_genome_type() {
    static_assert(detail::has_space_type<G>,
                  "evonas: genome_traits<G> is not specialised for this genome type, or does not name its "
                  "search space: write `template <> struct evonas::genome_traits<G> { using space_type = ...; "
                  "... };` (see evonas/genome/genome_traits.hpp)");
    if constexpr (detail::has_space_type<G>) {
        static_assert(std::copyable<G> && std::equality_comparable<G>,
                      "evonas: a genome must be a copyable value with operator==");
        static_assert(detail::has_problem<G>,
                      "evonas: genome_traits<G> needs `static std::string problem(const G&, const space_type&)` "
                      "(\"\" when the genome is valid in the space)");
        static_assert(detail::has_random<G>,
                      "evonas: genome_traits<G> needs `static G random(const space_type&, evonas::Rng&)`");
        static_assert(detail::has_to_text<G> || detail::has_append_text<G>,
                      "evonas: genome_traits<G> needs `static std::string to_text(const G&, const space_type&)` "
                      "(one line; the lineage log, checkpoints and MPI carry genomes as text)");
        static_assert(detail::has_from_text<G> || detail::has_from_text_where<G>,
                      "evonas: genome_traits<G> needs `static G from_text(std::string_view, const space_type&)` "
                      "(reads what to_text wrote; throws on bad text)");
        static_assert(detail::has_space_to_json<G>,
                      "evonas: genome_traits<G> needs `static nlohmann::json space_to_json(const space_type&)` "
                      "(run.json records the space so a resume cannot mix two spaces)");
    }
    return true;
}

/// "" when `genome` is valid in `space`, else the first problem.
template <GenomeType G>
std::string genome_problem_of(const G& genome, const space_of<G>& space) {
    return std::string(detail::traits_of<G>::problem(genome, space));
}

/// Appends `genome`'s text to `out` (the traits' append_text or to_text).
template <GenomeType G>
void append_genome_text(std::string& out, const G& genome, const space_of<G>& space) {
    if constexpr (detail::has_append_text<G>) {
        detail::traits_of<G>::append_text(out, genome, space);
    } else {
        out += detail::traits_of<G>::to_text(genome, space);
    }
}

/// `genome`'s text, as the run files write it.
template <GenomeType G>
std::string genome_text_of(const G& genome, const space_of<G>& space) {
    std::string out;
    append_genome_text(out, genome, space);
    return out;
}

/// Reads what genome_text_of() wrote. Any failure becomes a ParseError that
/// names `where` (a file, a record), whatever the traits threw.
template <GenomeType G>
G genome_from_text_of(std::string_view text, const space_of<G>& space, const std::string& where = "genome text") {
    if constexpr (detail::has_from_text_where<G>) {
        return detail::traits_of<G>::from_text(text, space, where);
    } else {
        try {
            return detail::traits_of<G>::from_text(text, space);
        } catch (const ParseError&) {
            throw;
        } catch (const std::exception& e) {
            throw ParseError(where, 1, 1, e.what());
        }
    }
}

/// The stable hash of `genome`: the traits' hash, else a stable hash of its
/// text (equal text, equal hash, on every machine).
template <GenomeType G>
std::uint64_t genome_hash_of(const G& genome, const space_of<G>& space) {
    if constexpr (detail::has_hash<G>) {
        return static_cast<std::uint64_t>(detail::traits_of<G>::hash(genome, space));
    } else {
        detail::StableHasher h;
        h.add(std::string_view(genome_text_of(genome, space)));
        return h.digest();
    }
}

/// Checks `space` with the traits' validate_space when there is one (a
/// space no genome can live in is refused before the run starts).
template <GenomeType G>
void validate_space_of(const space_of<G>& space) {
    if constexpr (requires { detail::traits_of<G>::validate_space(space); }) {
        detail::traits_of<G>::validate_space(space);
    }
}

/// A random genome valid in `space`.
template <GenomeType G>
G random_genome_of(const space_of<G>& space, Rng& rng) {
    return detail::traits_of<G>::random(space, rng);
}

/// A crossover with a name chosen at run time (a default that depends on
/// the options): what a genome_traits<G>::default_crossover may return.
template <class G, class Space>
struct NamedCrossover {
    std::function<G(const G&, const G&, const Space&, Rng&)> apply;  ///< the crossover
    std::string label;                                                ///< logged as "crossover:" + label
    /// Applies the crossover.
    G operator()(const G& a, const G& b, const Space& space, Rng& rng) const { return apply(a, b, space, rng); }
    /// The label, as operator_name() reads it.
    std::string_view name() const noexcept { return label; }
};

/// The space's JSON form (run.json's identity of a run).
template <GenomeType G>
nlohmann::json space_json_of(const space_of<G>& space) {
    return detail::traits_of<G>::space_to_json(space);
}

}  // namespace evonas
