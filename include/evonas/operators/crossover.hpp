// evonas: the built-in crossovers of a layer genome (Genome<LayerGene>).
//
// `c(a, b, space, rng)` makes one child from two parents valid in `space`;
// the child is valid too. All work section by section (a section of the
// child only holds layers of the same section of a parent, so every layer
// type stays allowed), keep every section's length within its
// [min_layers, max_layers] and its requirement (require_any: a section
// child that misses it is drawn again, up to 16 times, then taken from the
// first parent). Randomness comes from the Rng only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/genome/gene_section.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/genome/layer_gene.hpp>
#include <evonas/random.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas {

namespace detail {

/// Throws ConfigError("genome", ...) when a parent does not have the
/// space's shape: section count, layers per section, global gene count.
/// (The cheap part of validity the crossovers rely on.)
inline void check_parents(const Genome<LayerGene>& a, const Genome<LayerGene>& b,
                          const SearchSpace& space, std::string_view crossover) {
    for (const auto* parent : {&a, &b}) {
        const char* which = parent == &a ? "first" : "second";
        if (parent->section_count() != space.sections().size() ||
            parent->globals().size() != space.globals().size()) {
            throw ConfigError("genome",
                              fmt::format("{}: the {} parent has {} sections and {} global genes; "
                                          "the space '{}' has {} and {}",
                                          crossover, which, parent->section_count(),
                                          parent->globals().size(), space.name(),
                                          space.sections().size(), space.globals().size()));
        }
        for (std::size_t s = 0; s < parent->section_count(); ++s) {
            const auto n = parent->section(s).size();
            const auto& spec = space.section(s);
            if (n < spec.min_layers || n > spec.max_layers) {
                throw ConfigError("genome",
                                  fmt::format("{}: the {} parent's section '{}' has {} layers; it "
                                              "allows {} to {}",
                                              crossover, which, spec.name, n, spec.min_layers,
                                              spec.max_layers));
            }
        }
    }
}

/// a[:i] + b[j:].
inline std::vector<LayerGene> joined(const std::vector<LayerGene>& a, std::size_t i, const std::vector<LayerGene>& b,
                                     std::size_t j) {
    std::vector<LayerGene> genes;
    genes.reserve(i + b.size() - j);
    genes.insert(genes.end(), a.begin(), a.begin() + static_cast<std::ptrdiff_t>(i));
    genes.insert(genes.end(), b.begin() + static_cast<std::ptrdiff_t>(j), b.end());
    return genes;
}

/// The first of up to 16 draws of `draw()` whose layers meet section `s`'s
/// requirement (require_any; the first draw when there is none), else the
/// first parent's section `fallback`, which does.
template <class Draw>
std::vector<LayerGene> meeting_requirement(const SearchSpace& space, std::size_t s,
                                           const std::vector<LayerGene>& fallback, Draw draw) {
    for (int attempt = 0; attempt < 16; ++attempt) {
        auto genes = draw();
        if (space.meets_requirement(s, genes)) return genes;
    }
    return fallback;
}

/// Each global gene from `a` or `b` with equal chance.
inline std::vector<double> mixed_globals(const Genome<LayerGene>& a, const Genome<LayerGene>& b,
                                         Rng& rng) {
    std::vector<double> globals(a.globals().size());
    for (std::size_t g = 0; g < globals.size(); ++g) {
        globals[g] = rng.chance(0.5) ? a.globals()[g] : b.globals()[g];
    }
    return globals;
}

}  // namespace detail

/// Variable-length one-point crossover per section: the child's section is
/// a[:i] + b[j:], i uniform in [0, |a|], j uniform among the cuts that keep
/// the length within [min_layers, max_layers]; each global gene from either
/// parent at random.
struct OnePointCrossover {
    /// "one_point", for logs.
    std::string_view name() const noexcept { return "one_point"; }

    /// A child of `a` and `b`, valid in `space`; throws ConfigError when a
    /// parent does not have the space's sections or lengths.
    Genome<LayerGene> operator()(const Genome<LayerGene>& a, const Genome<LayerGene>& b,
                                 const SearchSpace& space, Rng& rng) const {
        detail::check_parents(a, b, space, name());
        std::vector<GeneSection<LayerGene>> sections;
        sections.reserve(a.section_count());
        for (std::size_t s = 0; s < a.section_count(); ++s) {
            const auto& sa = a.section(s).genes();
            const auto& sb = b.section(s).genes();
            const auto& spec = space.section(s);
            sections.emplace_back(detail::meeting_requirement(space, s, sa, [&] {
                const auto i = rng.index(sa.size() + 1);
                // child length i + (|b| - j) must lie in [min_layers, max_layers];
                // for valid parents lo <= hi always holds.
                const auto n = static_cast<std::int64_t>(i + sb.size());
                const auto lo = std::max<std::int64_t>(0, n - static_cast<std::int64_t>(spec.max_layers));
                const auto hi = std::min<std::int64_t>(static_cast<std::int64_t>(sb.size()),
                                                       n - static_cast<std::int64_t>(spec.min_layers));
                const auto j = static_cast<std::size_t>(rng.uniform_int(lo, hi));
                return detail::joined(sa, i, sb, j);
            }));
        }
        return {std::move(sections), detail::mixed_globals(a, b, rng)};
    }
};

/// Aligned one-point crossover per section: both parents are cut at the
/// same layer index i, uniform in [0, min(|a|, |b|)], and the child's
/// section is a[:i] + b[i:] (so it has b's length, and layer k comes from
/// the parent that had layer k at that depth); each global gene from either
/// parent at random. Unlike OnePointCrossover it never moves a layer to
/// another depth, so it cannot join a's first layers to b's last ones.
struct AlignedOnePointCrossover {
    /// "aligned_one_point", for logs.
    std::string_view name() const noexcept { return "aligned_one_point"; }

    /// A child of `a` and `b`, valid in `space`; throws ConfigError when a
    /// parent does not have the space's sections or lengths.
    Genome<LayerGene> operator()(const Genome<LayerGene>& a, const Genome<LayerGene>& b,
                                 const SearchSpace& space, Rng& rng) const {
        detail::check_parents(a, b, space, name());
        std::vector<GeneSection<LayerGene>> sections;
        sections.reserve(a.section_count());
        for (std::size_t s = 0; s < a.section_count(); ++s) {
            const auto& sa = a.section(s).genes();
            const auto& sb = b.section(s).genes();
            sections.emplace_back(detail::meeting_requirement(space, s, sa, [&] {
                const auto i = rng.index(std::min(sa.size(), sb.size()) + 1);
                return detail::joined(sa, i, sb, i);
            }));
        }
        return {std::move(sections), detail::mixed_globals(a, b, rng)};
    }
};

/// Layer-wise uniform crossover: per section the child has the length of
/// one parent (drawn at random); position k takes a[k] or b[k] at random
/// where both exist, else the layer of the parent that has one; each global
/// gene from either parent at random.
struct UniformLayerCrossover {
    /// "uniform_layer", for logs.
    std::string_view name() const noexcept { return "uniform_layer"; }

    /// A child of `a` and `b`, valid in `space`; throws ConfigError when a
    /// parent does not have the space's sections or lengths.
    Genome<LayerGene> operator()(const Genome<LayerGene>& a, const Genome<LayerGene>& b,
                                 const SearchSpace& space, Rng& rng) const {
        detail::check_parents(a, b, space, name());
        std::vector<GeneSection<LayerGene>> sections;
        sections.reserve(a.section_count());
        for (std::size_t s = 0; s < a.section_count(); ++s) {
            const auto& sa = a.section(s).genes();
            const auto& sb = b.section(s).genes();
            sections.emplace_back(detail::meeting_requirement(space, s, sa, [&] {
                const auto n = rng.chance(0.5) ? sa.size() : sb.size();
                std::vector<LayerGene> genes;
                genes.reserve(n);
                for (std::size_t k = 0; k < n; ++k) {
                    if (k < sa.size() && k < sb.size()) {
                        genes.push_back(rng.chance(0.5) ? sa[k] : sb[k]);
                    } else {
                        genes.push_back(k < sa.size() ? sa[k] : sb[k]);
                    }
                }
                return genes;
            }));
        }
        return {std::move(sections), detail::mixed_globals(a, b, rng)};
    }
};

/// Whole-section exchange: the sections before a random split point come
/// from the first parent, the rest from the second (two sections: the
/// features of `a`, the classifier of `b`); the global genes come from the
/// first parent. The split is uniform in [1, sections - 1]; a one-section
/// space takes its section from `b` (the child is b's architecture trained
/// with a's global genes).
struct SectionExchangeCrossover {
    /// "section_exchange", for logs.
    std::string_view name() const noexcept { return "section_exchange"; }

    /// A child of `a` and `b`, valid in `space`; throws ConfigError when a
    /// parent does not have the space's sections or lengths.
    Genome<LayerGene> operator()(const Genome<LayerGene>& a, const Genome<LayerGene>& b,
                                 const SearchSpace& space, Rng& rng) const {
        detail::check_parents(a, b, space, name());
        const std::size_t count = a.section_count();
        const std::size_t split =
            count <= 1 ? 0
                       : static_cast<std::size_t>(rng.uniform_int(1, static_cast<std::int64_t>(count) - 1));
        std::vector<GeneSection<LayerGene>> sections;
        sections.reserve(count);
        for (std::size_t s = 0; s < count; ++s) {
            sections.push_back(s < split ? a.section(s) : b.section(s));
        }
        return {std::move(sections), a.globals()};
    }
};

}  // namespace evonas
