// evonas: MutationMix, a weighted list of named mutations used as one.
//
// Any Mutation works in a mix (a built-in, a user lambda, another mix). A
// call draws one by weight; if it does not apply it draws again among the
// ones not yet tried. After an applied mutation, another follows with
// extra_probability, up to max_mutations. last_applied() names what the last
// call did ("insert_layer+perturb_parameter") for the engine's logs.
#pragma once

#include <cmath>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/operators/concepts.hpp>
#include <evonas/operators/mutations.hpp>
#include <evonas/random.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas {

/// A weighted mix of named mutations, itself a Mutation. Copyable (the
/// mutations are copied). Thread safety: none; a call records what it
/// applied, so give each thread its own copy.
class MutationMix {
public:
    /// How many mutations one call applies.
    struct Options {
        /// Chance of one more mutation after each applied one, in [0, 1).
        double extra_probability = 0.0;
        /// Most mutations one call applies (>= 1).
        std::size_t max_mutations = 3;
    };

    /// A type-erased mutation: true when it changed the genome.
    using Function = std::function<bool(Genome<LayerGene>&, const SearchSpace&, Rng&)>;

    /// One mutation of the mix.
    struct Entry {
        std::string name;     ///< unique in the mix; logged when applied
        double weight = 1.0;  ///< relative probability of being drawn (0: never)
        Function mutation;    ///< the mutation itself
    };

    /// An empty mix with default options: add() mutations before use.
    MutationMix() = default;
    /// Throws ConfigError naming the option when `options` is out of range.
    explicit MutationMix(Options options) : options_(options) { validate_options(); }

    /// Adds `mutation` under `name` (non-empty, unique) with relative
    /// probability `weight` (finite, >= 0; 0 disables it). A mutation that
    /// returns void counts as always applied. Throws ConfigError.
    template <Mutation<Genome<LayerGene>> M>
    MutationMix& add(std::string name, double weight, M mutation) {
        check_name(name);
        check_weight(name, weight);
        Function f = [m = std::move(mutation)](Genome<LayerGene>& genome, const SearchSpace& space,
                                               Rng& rng) mutable {
            return apply_mutation<Genome<LayerGene>>(m, genome, space, rng);
        };
        entries_.push_back(Entry{std::move(name), weight, std::move(f)});
        return *this;
    }

    /// Changes the weight of the mutation called `name`; throws ConfigError
    /// when there is none or the weight is negative, infinite or NaN.
    MutationMix& set_weight(std::string_view name, double weight) {
        for (auto& entry : entries_) {
            if (entry.name == name) {
                check_weight(entry.name, weight);
                entry.weight = weight;
                return *this;
            }
        }
        throw ConfigError("MutationMix.name", fmt::format("the mix has no mutation called '{}'", name));
    }

    /// The options the mix was built with.
    const Options& options() const noexcept { return options_; }
    /// The mutations, in the order they were added.
    const std::vector<Entry>& entries() const noexcept { return entries_; }
    /// Number of mutations in the mix.
    std::size_t size() const noexcept { return entries_.size(); }
    /// True when the mix has no mutations.
    bool empty() const noexcept { return entries_.empty(); }

    /// "mutation_mix", for logs.
    std::string_view name() const noexcept { return "mutation_mix"; }

    /// Applies one or more mutations; true when at least one applied (false:
    /// none of them applies to this genome, which is unchanged). Throws
    /// ConfigError when the mix is empty or every weight is 0.
    bool operator()(Genome<LayerGene>& genome, const SearchSpace& space, Rng& rng) {
        last_applied_.clear();
        if (entries_.empty()) {
            throw ConfigError("MutationMix",
                              "the mix has no mutations; add() some or use MutationMix::standard()");
        }
        bool any_positive = false;
        for (const auto& entry : entries_) any_positive = any_positive || entry.weight > 0.0;
        if (!any_positive) {
            throw ConfigError("MutationMix.weight", "every weight is 0; at least one must be positive");
        }
        std::size_t applied = 0;
        do {
            if (!apply_one(genome, space, rng)) break;
            ++applied;
        } while (applied < options_.max_mutations && rng.chance(options_.extra_probability));
        return applied > 0;
    }

    /// The names of the mutations the last call applied, in order, joined
    /// by '+' ("" when none applied).
    const std::string& last_applied() const noexcept { return last_applied_; }

    /// Every built-in mutation with weights that favour small steps:
    /// perturb_parameter 3, resample_parameter 1, change_layer_type 1.5,
    /// insert_layer 1.5, remove_layer 1.5, duplicate_layer 0.5,
    /// swap_layers 0.5, mutate_global 1.
    static MutationMix standard() { return standard(Options{}); }
    /// standard() with `options`.
    static MutationMix standard(Options options) {
        MutationMix mix(options);
        mix.add("perturb_parameter", 3.0, PerturbParameter{})
            .add("resample_parameter", 1.0, ResampleParameter{})
            .add("change_layer_type", 1.5, ChangeLayerType{})
            .add("insert_layer", 1.5, InsertLayer{})
            .add("remove_layer", 1.5, RemoveLayer{})
            .add("duplicate_layer", 0.5, DuplicateLayer{})
            .add("swap_layers", 0.5, SwapLayers{})
            .add("mutate_global", 1.0, MutateGlobal{});
        return mix;
    }

private:
    /// Draws by weight among the untried mutations until one applies.
    bool apply_one(Genome<LayerGene>& genome, const SearchSpace& space, Rng& rng) {
        scratch_.clear();
        std::size_t left = 0;
        for (const auto& entry : entries_) {
            scratch_.push_back(entry.weight);
            left += entry.weight > 0.0 ? 1 : 0;
        }
        for (; left > 0; --left) {
            const auto i = rng.weighted(scratch_);
            if (entries_[i].mutation(genome, space, rng)) {
                if (!last_applied_.empty()) last_applied_ += '+';
                last_applied_ += entries_[i].name;
                return true;
            }
            scratch_[i] = 0.0;
        }
        return false;
    }

    void validate_options() const {
        const double p = options_.extra_probability;
        if (!(p >= 0.0 && p < 1.0)) {
            throw ConfigError("MutationMix.options.extra_probability",
                              fmt::format("must be in [0, 1), got {}", p));
        }
        if (options_.max_mutations < 1) {
            throw ConfigError("MutationMix.options.max_mutations", "must be at least 1, got 0");
        }
    }

    void check_name(const std::string& name) const {
        if (name.empty()) throw ConfigError("MutationMix.name", "a mutation needs a name");
        for (const auto& entry : entries_) {
            if (entry.name == name) {
                throw ConfigError("MutationMix.name",
                                  fmt::format("the mix already has a mutation called '{}'", name));
            }
        }
    }

    static void check_weight(const std::string& name, double weight) {
        if (!(weight >= 0.0) || !std::isfinite(weight)) {
            throw ConfigError("MutationMix.weight",
                              fmt::format("mutation '{}': weight must be a finite number >= 0, got {}",
                                          name, weight));
        }
    }

    Options options_{};
    std::vector<Entry> entries_;
    std::vector<double> scratch_;
    std::string last_applied_;
};

}  // namespace evonas
