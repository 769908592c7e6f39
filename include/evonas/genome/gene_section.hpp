// evonas: one section of a genome, an ordered list of genes.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <utility>
#include <vector>

namespace evonas {

/// An ordered list of genes (layers) of one section, e.g. the feature
/// extraction section. Which genes and how many are allowed is the search
/// space's business (SectionSpace); a GeneSection is plain data.
/// Thread safety: a plain value.
template <class Gene>
class GeneSection {
public:
    using gene_type = Gene;

    GeneSection() = default;
    explicit GeneSection(std::vector<Gene> genes) : genes_(std::move(genes)) {}
    GeneSection(std::initializer_list<Gene> genes) : genes_(genes) {}

    std::size_t size() const noexcept { return genes_.size(); }
    bool empty() const noexcept { return genes_.empty(); }

    Gene& operator[](std::size_t i) noexcept { return genes_[i]; }
    const Gene& operator[](std::size_t i) const noexcept { return genes_[i]; }

    auto begin() noexcept { return genes_.begin(); }
    auto end() noexcept { return genes_.end(); }
    auto begin() const noexcept { return genes_.begin(); }
    auto end() const noexcept { return genes_.end(); }

    /// The genes, for algorithms that need the vector itself (insert, erase).
    std::vector<Gene>& genes() noexcept { return genes_; }
    const std::vector<Gene>& genes() const noexcept { return genes_; }

    friend bool operator==(const GeneSection&, const GeneSection&) = default;

private:
    std::vector<Gene> genes_;
};

}  // namespace evonas
