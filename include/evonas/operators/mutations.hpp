// evonas: the built-in mutations of a layer genome (Genome<LayerGene>).
//
// Each is a small struct: `m(genome, space, rng)` changes a valid genome in
// place, keeps it valid and returns true, or returns false and leaves it
// untouched when it does not apply (e.g. RemoveLayer when every section is at
// its min_layers). Layer mutations draw a layer uniformly among the layers
// they apply to; structural mutations draw a section uniformly among the
// sections they apply to, then a position uniformly. Randomness comes from
// the Rng only, so a seed gives the same mutation on every platform.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/genome/layer_gene.hpp>
#include <evonas/random.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas {

namespace detail {

/// True when `spec` has a value other than any one valid value.
inline bool has_alternatives(const ParamSpec& spec) noexcept {
    switch (spec.kind) {
        case ParamKind::integer:
        case ParamKind::real:
        case ParamKind::log_real: return spec.lo < spec.hi;
        case ParamKind::choice: return spec.choices.size() > 1;
        case ParamKind::boolean: return true;
    }
    return false;
}

/// A valid value of `spec` other than `value` (valid, and has_alternatives):
/// a perturbation of typical size `scale`, or with `resample` a uniform draw
/// among the other values.
inline double other_value(const ParamSpec& spec, double value, Rng& rng, double scale,
                          bool resample) {
    if (!resample) {
        for (int attempt = 0; attempt < 4; ++attempt) {
            const double next = spec.perturb(value, rng, scale);
            if (next != value) return next;
        }
    } else {
        switch (spec.kind) {
            case ParamKind::integer: {
                const auto k = static_cast<std::uint64_t>((value - spec.lo) /
                                                          static_cast<double>(spec.step));
                auto other = rng.below(spec.cardinality() - 1);
                if (other >= k) ++other;
                return spec.lo + static_cast<double>(spec.step * static_cast<std::int64_t>(other));
            }
            case ParamKind::choice: {
                const auto k = static_cast<std::size_t>(value);
                auto other = rng.index(spec.choices.size() - 1);
                if (other >= k) ++other;
                return static_cast<double>(other);
            }
            case ParamKind::boolean: return value == 0.0 ? 1.0 : 0.0;
            case ParamKind::real:
            case ParamKind::log_real:
                for (int attempt = 0; attempt < 16; ++attempt) {
                    const double next = spec.sample(rng);
                    if (next != value) return next;
                }
                break;
        }
    }
    // A real range so narrow that draws keep landing on `value`: take an end.
    return value != spec.lo ? spec.lo : spec.hi;
}

/// Where a layer is: section index and position in the section.
struct LayerPos {
    std::size_t section = 0;
    std::size_t index = 0;
};

/// A layer drawn uniformly among those where `applies(section, gene)`.
template <class Pred>
std::optional<LayerPos> pick_layer(const Genome<LayerGene>& genome, Rng& rng, Pred applies) {
    std::size_t count = 0;
    for (std::size_t s = 0; s < genome.section_count(); ++s) {
        for (const auto& gene : genome.section(s)) count += applies(s, gene) ? 1 : 0;
    }
    if (count == 0) return std::nullopt;
    std::size_t k = rng.index(count);
    for (std::size_t s = 0; s < genome.section_count(); ++s) {
        const auto& section = genome.section(s);
        for (std::size_t i = 0; i < section.size(); ++i) {
            if (!applies(s, section[i])) continue;
            if (k == 0) return LayerPos{s, i};
            --k;
        }
    }
    return std::nullopt;
}

/// A section drawn uniformly among those where `applies(section_index)`.
template <class Pred>
std::optional<std::size_t> pick_section(std::size_t sections, Rng& rng, Pred applies) {
    std::size_t count = 0;
    for (std::size_t s = 0; s < sections; ++s) count += applies(s) ? 1 : 0;
    if (count == 0) return std::nullopt;
    std::size_t k = rng.index(count);
    for (std::size_t s = 0; s < sections; ++s) {
        if (!applies(s)) continue;
        if (k == 0) return s;
        --k;
    }
    return std::nullopt;
}

/// An index drawn uniformly among the specs where `applies(spec)` (some must).
template <class Pred>
std::size_t pick_param(const std::vector<ParamSpec>& specs, Rng& rng, Pred applies) {
    std::size_t count = 0;
    for (const auto& spec : specs) count += applies(spec) ? 1 : 0;
    std::size_t k = rng.index(count);
    for (std::size_t p = 0; p < specs.size(); ++p) {
        if (!applies(specs[p])) continue;
        if (k == 0) return p;
        --k;
    }
    return 0;
}

template <class Pred>
bool any_param(const std::vector<ParamSpec>& specs, Pred applies) {
    for (const auto& spec : specs) {
        if (applies(spec)) return true;
    }
    return false;
}

inline bool is_numeric_mutable(const ParamSpec& spec) noexcept {
    return spec.is_numeric() && has_alternatives(spec);
}

inline void check_scale(double scale, const char* field) {
    if (!(scale > 0.0) || !std::isfinite(scale)) {
        throw ConfigError(field, fmt::format("must be a finite number > 0, got {}", scale));
    }
}

/// The value `value` of `from` as a value of `to` (a parameter of the same
/// name in another layer type), if it has one: numbers by value, choices by
/// name, booleans as they are; nullopt across kinds or outside `to`.
inline std::optional<double> carried_value(const ParamSpec& from, double value, const ParamSpec& to) {
    if (from.is_numeric() && to.is_numeric()) {
        if (to.contains(value)) return value;
    } else if (from.kind == ParamKind::choice && to.kind == ParamKind::choice) {
        const auto i = static_cast<std::size_t>(value);
        for (std::size_t k = 0; i < from.choices.size() && k < to.choices.size(); ++k) {
            if (to.choices[k] == from.choices[i]) return static_cast<double>(k);
        }
    } else if (from.kind == ParamKind::boolean && to.kind == ParamKind::boolean) {
        return value;
    }
    return std::nullopt;
}

/// True when section `s` allows a type other than `current` with weight > 0
/// (with `required_only`, one of the section's required types).
inline bool has_other_type(const SearchSpace& space, std::size_t s, LayerTypeId current,
                           bool required_only = false) {
    const auto& ids = space.allowed_ids(s);
    const auto& weights = space.allowed_weights(s);
    for (std::size_t k = 0; k < ids.size(); ++k) {
        if (ids[k] != current && weights[k] > 0.0 && (!required_only || space.is_required(s, ids[k]))) return true;
    }
    return false;
}

/// A type of section `s` other than `current`, drawn by the section's
/// weights (with `required_only`, among its required types).
inline LayerTypeId draw_other_type(const SearchSpace& space, std::size_t s, LayerTypeId current,
                                   Rng& rng, bool required_only = false) {
    const auto& ids = space.allowed_ids(s);
    const auto& weights = space.allowed_weights(s);
    const auto eligible = [&](std::size_t k) {
        return ids[k] != current && weights[k] > 0.0 && (!required_only || space.is_required(s, ids[k]));
    };
    double total = 0.0;
    for (std::size_t k = 0; k < ids.size(); ++k) {
        if (eligible(k)) total += weights[k];
    }
    double x = rng.uniform() * total;
    LayerTypeId last = current;
    for (std::size_t k = 0; k < ids.size(); ++k) {
        if (!eligible(k)) continue;
        last = ids[k];
        if (x < weights[k]) return ids[k];
        x -= weights[k];
    }
    return last;  // rounding left x just above the total
}

/// How many layers of `genes` (section `s`) are of a type the section
/// requires (0 when it requires nothing).
template <class Genes>
std::size_t required_count(const SearchSpace& space, std::size_t s, const Genes& genes) {
    if (space.required_ids(s).empty()) return 0;
    std::size_t n = 0;
    for (const auto& gene : genes) n += space.is_required(s, gene.type) ? 1 : 0;
    return n;
}

/// True when `gene`, in section `s` holding `required` required layers, is
/// the one layer that meets the section's requirement: removing it or
/// giving it a non-required type would break the genome.
inline bool is_sole_required(const SearchSpace& space, std::size_t s, const LayerGene& gene,
                             std::size_t required) {
    return required == 1 && space.is_required(s, gene.type);
}

}  // namespace detail

/// Nudges one numeric parameter of one layer (ParamSpec::perturb).
struct PerturbParameter {
    /// How far a perturbation moves.
    struct Options {
        double scale = 0.1;  ///< typical move, as a fraction of the range (> 0)
    };
    Options options{};  ///< how far a perturbation moves

    /// "perturb_parameter", for logs.
    std::string_view name() const noexcept { return "perturb_parameter"; }

    /// Mutates `genome` in place; false when it does not apply (nothing
    /// changed). Throws ConfigError when
    /// options.scale is not a finite number > 0.
    bool operator()(Genome<LayerGene>& genome, const SearchSpace& space, Rng& rng) const {
        detail::check_scale(options.scale, "PerturbParameter.options.scale");
        const auto numeric = [](const ParamSpec& spec) { return detail::is_numeric_mutable(spec); };
        const auto pos = detail::pick_layer(genome, rng, [&](std::size_t, const LayerGene& gene) {
            return detail::any_param(space.layer_type(gene.type).params, numeric);
        });
        if (!pos) return false;
        auto& gene = genome.section(pos->section)[pos->index];
        const auto& params = space.layer_type(gene.type).params;
        const auto p = detail::pick_param(params, rng, numeric);
        gene.values[p] = detail::other_value(params[p], gene.values[p], rng, options.scale, false);
        return true;
    }
};

/// Redraws one parameter (any kind) of one layer uniformly; the value changes.
struct ResampleParameter {
    /// "resample_parameter", for logs.
    std::string_view name() const noexcept { return "resample_parameter"; }

    /// Mutates `genome` in place; false when it does not apply (nothing
    /// changed).
    bool operator()(Genome<LayerGene>& genome, const SearchSpace& space, Rng& rng) const {
        const auto mutable_param = [](const ParamSpec& spec) { return detail::has_alternatives(spec); };
        const auto pos = detail::pick_layer(genome, rng, [&](std::size_t, const LayerGene& gene) {
            return detail::any_param(space.layer_type(gene.type).params, mutable_param);
        });
        if (!pos) return false;
        auto& gene = genome.section(pos->section)[pos->index];
        const auto& params = space.layer_type(gene.type).params;
        const auto p = detail::pick_param(params, rng, mutable_param);
        gene.values[p] = detail::other_value(params[p], gene.values[p], rng, 0.0, true);
        return true;
    }
};

/// Turns one layer into another type its section allows (drawn by the
/// section's weights, its current type excluded); parameters of the same
/// name whose value fits the new type are kept (choices by name), the
/// others drawn at random. The only layer that meets a section's
/// requirement (require_any) becomes another required type or stays.
struct ChangeLayerType {
    /// "change_layer_type", for logs.
    std::string_view name() const noexcept { return "change_layer_type"; }

    /// Mutates `genome` in place; false when it does not apply (nothing
    /// changed).
    bool operator()(Genome<LayerGene>& genome, const SearchSpace& space, Rng& rng) const {
        std::vector<std::size_t> required(genome.section_count());
        for (std::size_t s = 0; s < genome.section_count(); ++s) {
            required[s] = detail::required_count(space, s, genome.section(s));
        }
        // The one layer meeting a section's requirement may only become
        // another required type.
        const auto pinned = [&](std::size_t s, const LayerGene& gene) {
            return detail::is_sole_required(space, s, gene, required[s]);
        };
        const auto pos = detail::pick_layer(genome, rng, [&](std::size_t s, const LayerGene& gene) {
            return detail::has_other_type(space, s, gene.type, pinned(s, gene));
        });
        if (!pos) return false;
        auto& gene = genome.section(pos->section)[pos->index];
        const auto& old_type = space.layer_type(gene.type);
        const auto id = detail::draw_other_type(space, pos->section, gene.type, rng, pinned(pos->section, gene));
        const auto& new_type = space.layer_type(id);
        LayerGene next;
        next.type = id;
        next.size = static_cast<std::uint8_t>(new_type.params.size());
        for (std::size_t p = 0; p < new_type.params.size(); ++p) {
            const auto& spec = new_type.params[p];
            const auto old = old_type.find_param(spec.name);
            const auto kept =
                old ? detail::carried_value(old_type.params[*old], gene.values[*old], spec) : std::nullopt;
            next.values[p] = kept ? *kept : spec.sample(rng);
        }
        gene = next;
        return true;
    }
};

/// Inserts a random layer (random_layer_for_section) at a random position
/// of a section below its max_layers.
struct InsertLayer {
    /// "insert_layer", for logs.
    std::string_view name() const noexcept { return "insert_layer"; }

    /// Mutates `genome` in place; false when it does not apply (nothing
    /// changed).
    bool operator()(Genome<LayerGene>& genome, const SearchSpace& space, Rng& rng) const {
        const auto s = detail::pick_section(genome.section_count(), rng, [&](std::size_t t) {
            return genome.section(t).size() < space.section(t).max_layers;
        });
        if (!s) return false;
        auto& genes = genome.section(*s).genes();
        const auto at = rng.index(genes.size() + 1);
        genes.insert(genes.begin() + static_cast<std::ptrdiff_t>(at),
                     random_layer_for_section(space, *s, rng));
        return true;
    }
};

/// Removes a random layer of a section above its min_layers, never the
/// only layer that meets the section's requirement (require_any).
struct RemoveLayer {
    /// "remove_layer", for logs.
    std::string_view name() const noexcept { return "remove_layer"; }

    /// Mutates `genome` in place; false when it does not apply (nothing
    /// changed).
    bool operator()(Genome<LayerGene>& genome, const SearchSpace& space, Rng& rng) const {
        // Positions that may go: all, but the sole required layer.
        const auto removable = [&](std::size_t t) {
            const auto& genes = genome.section(t).genes();
            const auto required = detail::required_count(space, t, genes);
            std::size_t n = 0;
            for (const auto& gene : genes) n += detail::is_sole_required(space, t, gene, required) ? 0 : 1;
            return n;
        };
        const auto s = detail::pick_section(genome.section_count(), rng, [&](std::size_t t) {
            return genome.section(t).size() > space.section(t).min_layers && removable(t) > 0;
        });
        if (!s) return false;
        auto& genes = genome.section(*s).genes();
        const auto required = detail::required_count(space, *s, genes);
        auto k = rng.index(removable(*s));
        for (std::size_t i = 0; i < genes.size(); ++i) {
            if (detail::is_sole_required(space, *s, genes[i], required)) continue;
            if (k-- == 0) {
                genes.erase(genes.begin() + static_cast<std::ptrdiff_t>(i));
                return true;
            }
        }
        return false;
    }
};

/// Copies a random layer next to itself (after it), in a non-empty section
/// below its max_layers.
struct DuplicateLayer {
    /// "duplicate_layer", for logs.
    std::string_view name() const noexcept { return "duplicate_layer"; }

    /// Mutates `genome` in place; false when it does not apply (nothing
    /// changed).
    bool operator()(Genome<LayerGene>& genome, const SearchSpace& space, Rng& rng) const {
        const auto s = detail::pick_section(genome.section_count(), rng, [&](std::size_t t) {
            const auto n = genome.section(t).size();
            return n >= 1 && n < space.section(t).max_layers;
        });
        if (!s) return false;
        auto& genes = genome.section(*s).genes();
        const auto at = rng.index(genes.size());
        const LayerGene copy = genes[at];
        genes.insert(genes.begin() + static_cast<std::ptrdiff_t>(at) + 1, copy);
        return true;
    }
};

/// Swaps two different layers of one section (a pair drawn uniformly among
/// the pairs of positions whose layers differ).
struct SwapLayers {
    /// "swap_layers", for logs.
    std::string_view name() const noexcept { return "swap_layers"; }

    /// Mutates `genome` in place; false when it does not apply (nothing
    /// changed).
    bool operator()(Genome<LayerGene>& genome, const SearchSpace& /*space*/, Rng& rng) const {
        const auto s = detail::pick_section(genome.section_count(), rng, [&](std::size_t t) {
            const auto& section = genome.section(t);
            for (std::size_t i = 1; i < section.size(); ++i) {
                if (!(section[i] == section[0])) return true;
            }
            return false;
        });
        if (!s) return false;
        auto& section = genome.section(*s);
        const std::size_t n = section.size();
        std::size_t first = 0;
        std::size_t second = 0;
        bool found = false;
        // Rejection is fast unless nearly all layers are equal; then count.
        for (int attempt = 0; attempt < 32 && !found; ++attempt) {
            first = rng.index(n);
            second = rng.index(n - 1);
            if (second >= first) ++second;
            found = !(section[first] == section[second]);
        }
        if (!found) {
            std::size_t pairs = 0;
            for (std::size_t i = 0; i < n; ++i) {
                for (std::size_t j = i + 1; j < n; ++j) pairs += section[i] == section[j] ? 0 : 1;
            }
            std::size_t k = rng.index(pairs);
            for (std::size_t i = 0; i < n && !found; ++i) {
                for (std::size_t j = i + 1; j < n && !found; ++j) {
                    if (section[i] == section[j]) continue;
                    if (k == 0) {
                        first = i;
                        second = j;
                        found = true;
                    } else {
                        --k;
                    }
                }
            }
        }
        std::swap(section[first], section[second]);
        return true;
    }
};

/// Changes one global gene: a perturbation for numbers, another value for
/// choices and booleans.
struct MutateGlobal {
    /// How far a perturbation moves.
    struct Options {
        double scale = 0.1;  ///< typical move, as a fraction of the range (> 0)
    };
    Options options{};  ///< how far a perturbation moves

    /// "mutate_global", for logs.
    std::string_view name() const noexcept { return "mutate_global"; }

    /// Mutates `genome` in place; false when it does not apply (nothing
    /// changed). Throws ConfigError when
    /// options.scale is not a finite number > 0.
    bool operator()(Genome<LayerGene>& genome, const SearchSpace& space, Rng& rng) const {
        detail::check_scale(options.scale, "MutateGlobal.options.scale");
        const auto& specs = space.globals();
        if (genome.globals().size() != specs.size()) return false;
        if (!detail::any_param(specs, [](const ParamSpec& spec) { return detail::has_alternatives(spec); })) {
            return false;
        }
        const auto g = detail::pick_param(
            specs, rng, [](const ParamSpec& spec) { return detail::has_alternatives(spec); });
        auto& value = genome.globals()[g];
        value = detail::other_value(specs[g], value, rng, options.scale, false);
        return true;
    }
};

/// Mutates each global gene independently with probability `rate` (a
/// perturbation for numbers, another value for choices and booleans). The
/// regularized preset applies it to every bred child besides the structural
/// mutation, so the training genes (learning rate, batch size, ...) move in
/// about one child in n for n genes instead of one in a hundred.
struct MutateGlobalsEach {
    /// Probability per gene, in [0, 1]; 0 means 1 / number of global genes,
    /// the per-gene rate 1/L of genetic algorithms (Mühlenbein 1992, Bäck 1993).
    double rate = 0.0;
    double scale = 0.1;  ///< typical move of a numeric gene, as a fraction of its range (> 0)

    /// "mutate_globals", for logs.
    std::string_view name() const noexcept { return "mutate_globals"; }

    /// Mutates `genome` in place; false when no gene changed. Throws
    /// ConfigError for a rate outside [0, 1] or a bad scale.
    bool operator()(Genome<LayerGene>& genome, const SearchSpace& space, Rng& rng) const {
        if (!(rate >= 0.0 && rate <= 1.0)) {
            throw ConfigError("MutateGlobalsEach.rate", fmt::format("must be in [0, 1], got {}", rate));
        }
        detail::check_scale(scale, "MutateGlobalsEach.scale");
        const auto& specs = space.globals();
        if (genome.globals().size() != specs.size() || specs.empty()) return false;
        const double p = rate > 0.0 ? rate : 1.0 / static_cast<double>(specs.size());
        bool changed = false;
        for (std::size_t g = 0; g < specs.size(); ++g) {
            if (!rng.chance(p) || !detail::has_alternatives(specs[g])) continue;
            auto& value = genome.globals()[g];
            value = detail::other_value(specs[g], value, rng, scale, false);
            changed = true;
        }
        return changed;
    }
};

}  // namespace evonas
