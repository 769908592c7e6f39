// evonas: a genome: ordered gene sections plus global genes.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include <evonas/genome/gene_section.hpp>
#include <evonas/genome/layer_gene.hpp>

namespace evonas {

/// One candidate network: its sections in order (feature extraction, then
/// classification, as the search space lists them) and its global genes
/// (learning rate, batch size, ...; one value per SearchSpace::globals(), in
/// that order, stored as ParamSpec describes). Validity is relative to a
/// SearchSpace: see validate_genome(). Thread safety: a plain value.
template <class Gene = LayerGene>
class Genome {
public:
    using gene_type = Gene;                  ///< The gene (layer) type.
    using section_type = GeneSection<Gene>;  ///< One section's genes.

    /// An empty genome (no sections, no globals).
    Genome() = default;
    /// A genome with these sections and global gene values, as given.
    Genome(std::vector<section_type> sections, std::vector<double> globals)
        : sections_(std::move(sections)), globals_(std::move(globals)) {}

    /// Number of sections.
    std::size_t section_count() const noexcept { return sections_.size(); }
    /// Section `s` (unchecked).
    section_type& section(std::size_t s) noexcept { return sections_[s]; }
    /// Section `s` (unchecked).
    const section_type& section(std::size_t s) const noexcept { return sections_[s]; }
    /// All sections, in order.
    std::vector<section_type>& sections() noexcept { return sections_; }
    /// All sections, in order.
    const std::vector<section_type>& sections() const noexcept { return sections_; }

    /// The global gene values, one per SearchSpace::globals().
    std::vector<double>& globals() noexcept { return globals_; }
    /// The global gene values, one per SearchSpace::globals().
    const std::vector<double>& globals() const noexcept { return globals_; }

    /// Total number of genes (layers) over all sections.
    std::size_t gene_count() const noexcept {
        std::size_t n = 0;
        for (const auto& s : sections_) n += s.size();
        return n;
    }

    /// Same sections and globals, value for value.
    friend bool operator==(const Genome&, const Genome&) = default;

private:
    std::vector<section_type> sections_;
    std::vector<double> globals_;
};

}  // namespace evonas
