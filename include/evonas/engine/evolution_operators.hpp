// evonas: the operators one run uses, type-erased so any lambda fits.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <evonas/engine/individual.hpp>
#include <evonas/engine/options.hpp>
#include <evonas/engine/stopper.hpp>
#include <evonas/genome/genome_traits.hpp>
#include <evonas/operators/layer_defaults.hpp>
#include <evonas/operators/multi_objective.hpp>
#include <evonas/operators/operators.hpp>
#include <evonas/surrogate/predictor.hpp>

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
    /// The space the genome type lives in (SearchSpace for the layer genome).
    using Space = space_of<G>;
    /// One island's population, as selection and replacement see it.
    using Population = std::span<const Individual<G>>;

    /// A mutation with its name ("mutation:" + name is logged per job).
    /// Returns the name of what it applied ("" when nothing applied).
    std::function<std::string(G&, const Space&, Rng&)> mutate;
    /// Makes one child from two parents; any Crossover fits.
    std::function<G(const G&, const G&, const Space&, Rng&)> crossover;
    /// The crossover's name: "crossover:" + this is logged per job. Left
    /// empty with a crossover of your own, the log says "crossover:custom".
    std::string crossover_name;
    /// Picks a parent: an index into the population (see Selection).
    std::function<std::size_t(Population, Rng&)> select;
    /// Where a newcomer goes in a full population: the index to overwrite,
    /// or nullopt to discard it (see Replacement).
    std::function<std::optional<std::size_t>(Population, const Individual<G>&, Rng&)> replace;
    /// Early stopping: answers each report of a job (JobContext::report).
    /// Empty: the stopper EvolutionOptions::early_stopping names (none by
    /// default). Any Stopper fits, e.g. AshaStopper{1, 3} or a lambda.
    std::function<Decision(const Report&)> stop;
    /// The surrogate's input (EvolutionOptions::surrogate): a genome's
    /// features, one length for every genome of the run. Empty: the genome
    /// type's genome_traits features() (layer genome: the slot encoding of
    /// layer_genome_features; for a CNN, CnnFeatures{shape} adds the shape
    /// inference's parameters, FLOPs and sizes).
    std::function<std::vector<double>(const G&, const Space&)> features;
    /// The surrogate's model of the score (make_predictor() wraps any
    /// Predictor). Empty: ExtraTrees with SurrogateOptions::trees trees.
    PredictorFunction predictor;

    /// The classic preset's operators (evonas 0.1) with selection by a
    /// tournament of `tournament_size` drawn with replacement and ReplaceWorst;
    /// mutation and crossover are the genome type's defaults for the classic
    /// preset (layer genome: MutationMix::standard(), OnePointCrossover).
    static EvolutionOperators defaults(std::size_t tournament_size) {
        EvolutionOptions classic;
        classic.preset = EvolutionPreset::classic;
        classic.tournament_size = tournament_size;
        auto ops = breeding_defaults(classic);
        ops.select = make_selection(TournamentSelection{tournament_size});
        ops.replace = make_replacement(ReplaceWorst{});
        return ops;
    }

    /// The operators of `options`' preset (auto fields resolved first):
    /// classic: defaults(tournament_size). Regularized: the genome type's
    /// regularized mutation and crossover (layer genome: MutationMix::standard()
    /// followed by MutateGlobalsEach, every global gene with probability 1/n,
    /// and AlignedOnePointCrossover), AgingTournamentSelection of
    /// tournament_size distinct members, ReplaceOldest. A genome type whose
    /// traits have no default_mutation / default_crossover leaves those
    /// empty: the run must be given them (IslandModel says so). A run with
    /// objectives (EvolutionOptions::objectives) selects by ParetoTournament
    /// (binary, on front and crowding) and replaces by ReplaceWorstFront
    /// with its pareto_rule, or by ChebyshevTournament / ReplaceChebyshev
    /// for ParetoRule::chebyshev; mutation and crossover stay the preset's.
    static EvolutionOperators defaults(const EvolutionOptions& options) {
        const auto o = options.resolved();
        auto ops = o.effective_preset() == EvolutionPreset::classic ? defaults(o.tournament_size) : breeding_defaults(o);
        if (o.multi_objective()) {
            if (o.pareto_rule == ParetoRule::chebyshev) {
                ops.select = make_selection(ChebyshevTournament{o.objectives, 2});
                ops.replace = make_replacement(ReplaceChebyshev{o.objectives});
            } else {
                ops.select = make_selection(ParetoTournament{o.objectives, 2});
                ops.replace = make_replacement(ReplaceWorstFront{o.objectives, o.pareto_rule});
            }
        } else if (o.effective_preset() != EvolutionPreset::classic) {
            ops.select = make_selection(AgingTournamentSelection{o.tournament_size, true});
            ops.replace = make_replacement(ReplaceOldest{});
        }
        return ops;
    }

    /// Wraps any Mutation (a MutationMix reports the names it applied).
    template <class M>
    static std::function<std::string(G&, const Space&, Rng&)> make_mutation(M mutation) {
        return [m = std::move(mutation)](G& genome, const Space& space, Rng& rng) mutable
               -> std::string {
            // A mutation returning a string names what it applied ("" = nothing).
            if constexpr (std::is_convertible_v<std::invoke_result_t<M&, G&, const Space&, Rng&>, std::string>) {
                return std::string(m(genome, space, rng));
            } else {
            if (!apply_mutation<G>(m, genome, space, rng)) return {};
            if constexpr (requires { m.last_applied(); }) {
                return std::string(m.last_applied());
            } else {
                return operator_name(m, "custom");
            }
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

private:
    // The genome type's default mutation and crossover for `options`' preset,
    // when its traits have them.
    static EvolutionOperators breeding_defaults(const EvolutionOptions& options) {
        using Traits = genome_traits<G>;
        EvolutionOperators ops;
        if constexpr (requires { Traits::default_mutation(options); }) {
            static_assert(Mutation<decltype(Traits::default_mutation(options)), G>,
                          "evonas: genome_traits<G>::default_mutation(options) must return a mutation: a callable "
                          "m(G&, const space_type&, evonas::Rng&) returning bool, void or std::string");
            ops.mutate = make_mutation(Traits::default_mutation(options));
        }
        if constexpr (requires { Traits::default_crossover(options); }) {
            static_assert(Crossover<decltype(Traits::default_crossover(options)), G>,
                          "evonas: genome_traits<G>::default_crossover(options) must return a crossover: a callable "
                          "c(const G&, const G&, const space_type&, evonas::Rng&) returning G");
            auto crossover = Traits::default_crossover(options);
            ops.crossover_name = operator_name(crossover, "default");
            ops.crossover = std::move(crossover);
        }
        return ops;
    }
};

}  // namespace evonas
