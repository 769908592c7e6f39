// evonas: the operators one run uses, type-erased so any lambda fits.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include <evonas/engine/individual.hpp>
#include <evonas/engine/options.hpp>
#include <evonas/operators/operators.hpp>

namespace evonas {

/// The operators an IslandModel breeds with. Every member has a default, so
/// `EvolutionOperators<>{}` works; replace any with a built-in or a lambda:
///
///     auto ops = EvolutionOperators<>::defaults(options);
///     ops.crossover = SectionExchangeCrossover{};
///     ops.crossover_name = "section_exchange";
///
/// Thread safety: an IslandModel calls them from the thread that calls
/// propose()/complete(); they need not be thread-safe.
template <class G = Genome<LayerGene>>
struct EvolutionOperators {
    /// One island's population, as selection and replacement see it.
    using Population = std::span<const Individual<G>>;

    /// A mutation with its name ("mutation:" + name is logged per job).
    /// Returns the name of what it applied ("" when nothing applied).
    std::function<std::string(G&, const SearchSpace&, Rng&)> mutate;
    /// Makes one child from two parents; any Crossover fits.
    std::function<G(const G&, const G&, const SearchSpace&, Rng&)> crossover;
    /// The crossover's name: "crossover:" + this is logged per job. Left
    /// empty with a crossover of your own, the log says "crossover:custom".
    std::string crossover_name;
    /// Picks a parent: an index into the population (see Selection).
    std::function<std::size_t(Population, Rng&)> select;
    /// Where a newcomer goes in a full population: the index to overwrite,
    /// or nullopt to discard it (see Replacement).
    std::function<std::optional<std::size_t>(Population, const Individual<G>&, Rng&)> replace;

    /// The classic preset's operators (evonas 0.1): MutationMix::standard(),
    /// OnePointCrossover, tournament selection of `tournament_size` drawn
    /// with replacement, ReplaceWorst.
    static EvolutionOperators defaults(std::size_t tournament_size) {
        EvolutionOperators ops;
        ops.mutate = make_mutation(MutationMix::standard());
        ops.crossover = OnePointCrossover{};
        ops.crossover_name = std::string(OnePointCrossover{}.name());
        ops.select = make_selection(TournamentSelection{tournament_size});
        ops.replace = make_replacement(ReplaceWorst{});
        return ops;
    }

    /// The operators of `options`' preset (auto fields resolved first):
    /// classic: defaults(tournament_size). Regularized: MutationMix::standard()
    /// followed by MutateGlobalsEach (every global gene with probability 1/n),
    /// AlignedOnePointCrossover, AgingTournamentSelection of tournament_size
    /// distinct members, ReplaceOldest.
    static EvolutionOperators defaults(const EvolutionOptions& options) {
        const auto o = options.resolved();
        if (o.effective_preset() == EvolutionPreset::classic) return defaults(o.tournament_size);
        EvolutionOperators ops;
        ops.mutate = [mix = MutationMix::standard(), globals = MutateGlobalsEach{}](
                         G& genome, const SearchSpace& space, Rng& rng) mutable -> std::string {
            std::string name = mix(genome, space, rng) ? mix.last_applied() : std::string();
            if (globals(genome, space, rng)) name += name.empty() ? "mutate_globals" : "+mutate_globals";
            return name;
        };
        ops.crossover = AlignedOnePointCrossover{};
        ops.crossover_name = std::string(AlignedOnePointCrossover{}.name());
        ops.select = make_selection(AgingTournamentSelection{o.tournament_size, true});
        ops.replace = make_replacement(ReplaceOldest{});
        return ops;
    }

    /// Wraps any Mutation (a MutationMix reports the names it applied).
    template <class M>
    static std::function<std::string(G&, const SearchSpace&, Rng&)> make_mutation(M mutation) {
        return [m = std::move(mutation)](G& genome, const SearchSpace& space, Rng& rng) mutable
               -> std::string {
            if (!apply_mutation<G>(m, genome, space, rng)) return {};
            if constexpr (requires { m.last_applied(); }) {
                return std::string(m.last_applied());
            } else {
                return operator_name(m, "custom");
            }
        };
    }

    /// Wraps any Selection.
    template <class S>
    static std::function<std::size_t(Population, Rng&)> make_selection(S selection) {
        return [s = std::move(selection)](Population population, Rng& rng) mutable {
            return static_cast<std::size_t>(s(population, rng));
        };
    }

    /// Wraps any Replacement.
    template <class R>
    static std::function<std::optional<std::size_t>(Population, const Individual<G>&, Rng&)>
    make_replacement(R replacement) {
        return [r = std::move(replacement)](Population population, const Individual<G>& newcomer,
                                            Rng& rng) mutable -> std::optional<std::size_t> {
            return r(population, newcomer, rng);
        };
    }
};

}  // namespace evonas
