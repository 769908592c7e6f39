// evonas: what a mutation, crossover, selection and replacement operator is.
//
// Operators are anything callable with the right signature, so a lambda works
// wherever a built-in does. Built-ins are small structs with a name().
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>

#include <evonas/genome/genome.hpp>
#include <evonas/genome/genome_traits.hpp>
#include <evonas/genome/layer_genome_traits.hpp>
#include <evonas/random.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas {

/// A mutation changes a genome in place: `m(genome, space, rng)`. It may
/// return bool: false means "not applicable to this genome, nothing changed"
/// (e.g. removing a layer from a section at its minimum), so a mix can try
/// another. Any other return type (void) counts as "changed". A mutation must
/// leave a genome valid in `space` when it was valid before. The space is
/// the genome type's (space_of<G>: a SearchSpace for the layer genome).
template <class M, class G = Genome<>>
concept Mutation = std::invocable<M&, G&, const space_of<G>&, Rng&>;

/// A crossover makes one child from two parents: `c(a, b, space, rng) -> G`,
/// valid in `space` when both parents are.
template <class C, class G = Genome<>>
concept Crossover = requires(C& c, const G& a, const G& b, const space_of<G>& space, Rng& rng) {
    { c(a, b, space, rng) } -> std::convertible_to<G>;
};

/// What selection and replacement read of a population member: a score
/// (higher is better; failed members have -infinity) and an id that grows
/// with birth order (smaller = older).
template <class T>
concept Scored = requires(const T& t) {
    { t.score } -> std::convertible_to<double>;
    { t.id } -> std::convertible_to<std::uint64_t>;
};

/// A selection picks the index of one parent: `s(population, rng) -> index`.
/// The population is never empty when a selection is called.
template <class S, class T>
concept Selection = Scored<T> && requires(S& s, std::span<const T> population, Rng& rng) {
    { s(population, rng) } -> std::convertible_to<std::size_t>;
};

/// A replacement decides where a newcomer goes in a full population:
/// `r(population, newcomer, rng)` returns the index to overwrite, or nullopt
/// to discard the newcomer.
template <class R, class T>
concept Replacement =
    Scored<T> && requires(R& r, std::span<const T> population, const T& newcomer, Rng& rng) {
        { r(population, newcomer, rng) } -> std::convertible_to<std::optional<std::size_t>>;
    };

/// Applies a mutation and says whether it changed the genome (see Mutation).
template <class G, Mutation<G> M>
bool apply_mutation(M& mutation, G& genome, const space_of<G>& space, Rng& rng) {
    using Result = std::invoke_result_t<M&, G&, const space_of<G>&, Rng&>;
    if constexpr (std::is_convertible_v<Result, bool>) {
        return static_cast<bool>(mutation(genome, space, rng));
    } else {
        mutation(genome, space, rng);
        return true;
    }
}

/// An operator's name for logs: its name() when it has one, else `fallback`.
template <class Op>
std::string operator_name(const Op& op, std::string fallback = "custom") {
    if constexpr (requires { std::string(op.name()); }) {
        return std::string(op.name());
    } else {
        return fallback;
    }
}

}  // namespace evonas
