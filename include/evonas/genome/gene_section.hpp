// evonas: one section of a genome, an ordered list of genes.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <utility>
#include <vector>

namespace evonas {

/// An ordered list of genes (layers) of one section, such as the feature
/// extraction section. Which genes and how many are allowed is the search
/// space's business (SectionSpace); a GeneSection is plain data.
/// Thread safety: a plain value.
template <class Gene>
class GeneSection {
public:
    using gene_type = Gene;  ///< The gene (layer) type.

    /// An empty section.
    GeneSection() = default;
    /// A section holding `genes`, in order.
    explicit GeneSection(std::vector<Gene> genes) : genes_(std::move(genes)) {}
    /// A section holding `genes`, in order.
    GeneSection(std::initializer_list<Gene> genes) : genes_(genes) {}

    /// Number of genes (layers).
    std::size_t size() const noexcept { return genes_.size(); }
    /// True when the section has no genes.
    bool empty() const noexcept { return genes_.empty(); }

    /// Gene `i` (unchecked).
    Gene& operator[](std::size_t i) noexcept { return genes_[i]; }
    /// Gene `i` (unchecked).
    const Gene& operator[](std::size_t i) const noexcept { return genes_[i]; }

    /// Iterator to the first gene.
    auto begin() noexcept { return genes_.begin(); }
    /// Iterator past the last gene.
    auto end() noexcept { return genes_.end(); }
    /// Iterator to the first gene.
    auto begin() const noexcept { return genes_.begin(); }
    /// Iterator past the last gene.
    auto end() const noexcept { return genes_.end(); }

    /// The genes, for algorithms that need the vector itself (insert, erase).
    std::vector<Gene>& genes() noexcept { return genes_; }
    /// The genes as a vector.
    const std::vector<Gene>& genes() const noexcept { return genes_; }

    /// Same genes in the same order.
    friend bool operator==(const GeneSection&, const GeneSection&) = default;

private:
    std::vector<Gene> genes_;
};

}  // namespace evonas
