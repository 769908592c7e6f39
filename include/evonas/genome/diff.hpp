// evonas: how far apart two genomes are, and what changed between them.
//
// genome_distance() is an edit distance: per section, layers are aligned
// with insertions and deletions (cost 1 each) and substitutions (cost 1 when
// the layer types differ, otherwise the fraction of parameters that differ);
// each global gene that differs adds 1. genome_diff() turns the same
// alignment into short lines for logs, e.g.
//   features[2]: conv k 3->5, f 32->64
//   features: +pool(type=max,k=2,s=2) at 3
//   classifier: -dropout(p=0.5) at 1
//   features[0]: conv(k=3,f=32) -> pool(type=max,k=2)
//   globals: lr 0.01->0.02, bs 64->128
// Indices of changed and removed layers are positions in the first genome,
// of added layers positions in the second.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <evonas/genome/genome.hpp>
#include <evonas/genome/layer_gene.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas {

namespace detail {

/// Number of values of `gene` in use (its size, at most max_layer_params).
inline std::size_t used_values(const LayerGene& gene) noexcept {
    return std::min<std::size_t>(gene.size, max_layer_params);
}

/// Substitution cost of layer x by layer y: 0 when equal, 1 when the types
/// (or value counts) differ, else the fraction of used values that differ.
inline double layer_substitution_cost(const LayerGene& x, const LayerGene& y) noexcept {
    if (x.type != y.type || x.size != y.size) return 1.0;
    const std::size_t used = used_values(x);
    if (used == 0) return 0.0;
    std::size_t differ = 0;
    for (std::size_t p = 0; p < used; ++p) {
        if (x.values[p] != y.values[p]) ++differ;
    }
    return static_cast<double>(differ) / static_cast<double>(used);
}

/// Edit-distance table over suffixes: cost[i][j] is the distance between
/// a[i..] and b[j..], so cost[0][0] is the section's distance and a walk
/// from (0, 0) recovers the alignment front to back.
class SectionAlignment {
public:
    SectionAlignment(const std::vector<LayerGene>& a, const std::vector<LayerGene>& b)
        : a_(a), b_(b), width_(b.size() + 1), cost_((a.size() + 1) * (b.size() + 1), 0.0) {
        for (std::size_t i = a.size() + 1; i-- > 0;) {
            for (std::size_t j = b.size() + 1; j-- > 0;) {
                if (i == a.size()) {
                    at(i, j) = static_cast<double>(b.size() - j);
                } else if (j == b.size()) {
                    at(i, j) = static_cast<double>(a.size() - i);
                } else {
                    at(i, j) = std::min({substitute(i, j), remove(i, j), insert(i, j)});
                }
            }
        }
    }

    double distance() const noexcept { return at(0, 0); }

    /// One step of the alignment: keep or change a[i] into b[j], remove a[i],
    /// or insert b[j].
    enum class Step { substitute, remove, insert };
    struct Move {
        Step step;
        std::size_t i;
        std::size_t j;
    };

    /// The alignment, front to back; ties prefer substitution, then removal.
    std::vector<Move> moves() const {
        std::vector<Move> out;
        std::size_t i = 0;
        std::size_t j = 0;
        while (i < a_.size() || j < b_.size()) {
            if (i == a_.size()) {
                out.push_back({Step::insert, i, j++});
            } else if (j == b_.size()) {
                out.push_back({Step::remove, i++, j});
            } else if (at(i, j) == substitute(i, j)) {
                out.push_back({Step::substitute, i++, j++});
            } else if (at(i, j) == remove(i, j)) {
                out.push_back({Step::remove, i++, j});
            } else {
                out.push_back({Step::insert, i, j++});
            }
        }
        return out;
    }

private:
    double& at(std::size_t i, std::size_t j) noexcept { return cost_[i * width_ + j]; }
    double at(std::size_t i, std::size_t j) const noexcept { return cost_[i * width_ + j]; }
    double substitute(std::size_t i, std::size_t j) const noexcept {
        return layer_substitution_cost(a_[i], b_[j]) + at(i + 1, j + 1);
    }
    double remove(std::size_t i, std::size_t j) const noexcept { return 1.0 + at(i + 1, j); }
    double insert(std::size_t i, std::size_t j) const noexcept { return 1.0 + at(i, j + 1); }

    const std::vector<LayerGene>& a_;
    const std::vector<LayerGene>& b_;
    std::size_t width_;
    std::vector<double> cost_;
};

/// Section `s` of `genome`, or an empty one when the genome has fewer.
inline const std::vector<LayerGene>& section_or_empty(const Genome<LayerGene>& genome, std::size_t s) {
    static const std::vector<LayerGene> empty;
    return s < genome.section_count() ? genome.section(s).genes() : empty;
}

/// The name of layer type `id`, or "#id" when the space has no such type.
inline std::string diff_type_name(const SearchSpace& space, LayerTypeId id) {
    return id < space.layer_types().size() ? space.layer_type(id).name : fmt::format("#{}", id);
}

/// Value `p` of `gene` as "name=value" parts use it: (name, value text).
inline std::pair<std::string, std::string> diff_param(const SearchSpace& space, const LayerGene& gene,
                                                      std::size_t p) {
    if (gene.type < space.layer_types().size()) {
        const auto& params = space.layer_type(gene.type).params;
        if (p < params.size()) return {params[p].name, params[p].format(gene.values[p])};
    }
    return {fmt::format("#{}", p), fmt::format("{}", gene.values[p])};
}

/// A layer written as type(p=v,...) with ParamSpec::format values.
inline std::string diff_layer(const SearchSpace& space, const LayerGene& gene) {
    std::string out = diff_type_name(space, gene.type) + "(";
    for (std::size_t p = 0; p < used_values(gene); ++p) {
        const auto [name, value] = diff_param(space, gene, p);
        out += fmt::format("{}{}={}", p == 0 ? "" : ",", name, value);
    }
    return out + ")";
}

/// The name of section `s`, or "sections[s]" beyond the space's sections.
inline std::string diff_section_name(const SearchSpace& space, std::size_t s) {
    return s < space.sections().size() ? space.section(s).name : fmt::format("sections[{}]", s);
}

}  // namespace detail

/// Edit distance between `a` and `b` (both valid in `space`): per section,
/// insert/delete cost 1, substitution cost 1 for another layer type or the
/// fraction of differing parameters for the same type; plus the number of
/// differing global genes. 0 exactly when a == b; symmetric.
inline double genome_distance(const Genome<LayerGene>& a, const Genome<LayerGene>& b,
                              const SearchSpace& space) {
    (void)space;  // the distance needs only the genes; kept for a uniform API
    double total = 0.0;
    const auto sections = std::max(a.section_count(), b.section_count());
    for (std::size_t s = 0; s < sections; ++s) {
        total += detail::SectionAlignment(detail::section_or_empty(a, s), detail::section_or_empty(b, s))
                     .distance();
    }
    const auto& ga = a.globals();
    const auto& gb = b.globals();
    for (std::size_t g = 0; g < std::max(ga.size(), gb.size()); ++g) {
        if (g >= ga.size() || g >= gb.size() || ga[g] != gb[g]) total += 1.0;
    }
    return total;
}

/// What changed from `a` to `b` (both valid in `space`), one line per
/// change, in section order and then the global genes; empty when equal.
/// Lines: "features[2]: conv k 3->5, f 32->64" (same type, values changed),
/// "features[2]: conv(...) -> pool(...)" (type changed),
/// "features: +pool(type=max,k=2,s=2) at 3" (added; index in b),
/// "classifier: -dropout(p=0.5) at 1" (removed; index in a),
/// "globals: lr 0.01->0.02, bs 64->128".
inline std::vector<std::string> genome_diff(const Genome<LayerGene>& a, const Genome<LayerGene>& b,
                                            const SearchSpace& space) {
    using Step = detail::SectionAlignment::Step;
    std::vector<std::string> lines;
    const auto sections = std::max(a.section_count(), b.section_count());
    for (std::size_t s = 0; s < sections; ++s) {
        const auto& la = detail::section_or_empty(a, s);
        const auto& lb = detail::section_or_empty(b, s);
        const auto section = detail::diff_section_name(space, s);
        for (const auto& move : detail::SectionAlignment(la, lb).moves()) {
            switch (move.step) {
                case Step::insert:
                    lines.push_back(fmt::format("{}: +{} at {}", section, detail::diff_layer(space, lb[move.j]),
                                                move.j));
                    break;
                case Step::remove:
                    lines.push_back(fmt::format("{}: -{} at {}", section, detail::diff_layer(space, la[move.i]),
                                                move.i));
                    break;
                case Step::substitute: {
                    const auto& x = la[move.i];
                    const auto& y = lb[move.j];
                    if (x.type != y.type || x.size != y.size) {
                        lines.push_back(fmt::format("{}[{}]: {} -> {}", section, move.i,
                                                    detail::diff_layer(space, x), detail::diff_layer(space, y)));
                        break;
                    }
                    std::vector<std::string> changes;
                    for (std::size_t p = 0; p < detail::used_values(x); ++p) {
                        if (x.values[p] == y.values[p]) continue;
                        const auto [name, from] = detail::diff_param(space, x, p);
                        changes.push_back(fmt::format("{} {}->{}", name, from, detail::diff_param(space, y, p).second));
                    }
                    if (!changes.empty()) {
                        lines.push_back(fmt::format("{}[{}]: {} {}", section, move.i,
                                                    detail::diff_type_name(space, x.type), fmt::join(changes, ", ")));
                    }
                    break;
                }
            }
        }
    }
    const auto& ga = a.globals();
    const auto& gb = b.globals();
    std::vector<std::string> changes;
    for (std::size_t g = 0; g < std::max(ga.size(), gb.size()); ++g) {
        const bool in_a = g < ga.size();
        const bool in_b = g < gb.size();
        if (in_a && in_b && ga[g] == gb[g]) continue;
        const ParamSpec* spec = g < space.globals().size() ? &space.globals()[g] : nullptr;
        auto text = [&](bool present, double value) {
            if (!present) return std::string("none");
            return spec ? spec->format(value) : fmt::format("{}", value);
        };
        changes.push_back(fmt::format("{} {}->{}", spec ? spec->name : fmt::format("#{}", g),
                                      text(in_a, in_a ? ga[g] : 0.0), text(in_b, in_b ? gb[g] : 0.0)));
    }
    if (!changes.empty()) lines.push_back(fmt::format("globals: {}", fmt::join(changes, ", ")));
    return lines;
}

/// genome_diff() joined with "; ", or "identical" when a == b.
inline std::string genome_diff_text(const Genome<LayerGene>& a, const Genome<LayerGene>& b,
                                    const SearchSpace& space) {
    if (a == b) return "identical";
    return fmt::format("{}", fmt::join(genome_diff(a, b, space), "; "));
}

}  // namespace evonas
