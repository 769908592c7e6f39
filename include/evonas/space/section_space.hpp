// evonas: one section of a genome (e.g. feature extraction, classification):
// which layer types it allows, how likely each is, and how many layers.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace evonas {

/// A layer type a section allows, with its weight for random choice.
struct AllowedLayer {
    std::string type;     ///< a LayerType's name
    double weight = 1.0;  ///< relative probability when a layer is drawn

    /// Same type and weight.
    friend bool operator==(const AllowedLayer&, const AllowedLayer&) = default;
};

/// One section of the search space. Sections keep their order in a genome
/// (feature extraction first, then classification). Thread safety: a plain
/// value; immutable inside a SearchSpace.
struct SectionSpace {
    std::string name;                  ///< e.g. "features", "classifier"
    std::vector<AllowedLayer> layers;  ///< allowed layer types and weights
    std::size_t min_layers = 0;        ///< fewest layers a genome's section may have
    std::size_t max_layers = 1;        ///< most layers a genome's section may have
    /// At least one layer of one of these types (allowed in the section)
    /// must be present, e.g. a convolution in a feature section; empty: no
    /// such requirement. Random genomes and the built-in operators keep it.
    std::vector<std::string> require_any;
};

}  // namespace evonas
