// evonas: a genome as JSON, for checkpoints, result files and messages.
//
// Format:
//   {"sections": [[{"type": "conv", "params": {"k": 5, "f": 32, "act": "relu", "bn": true}},
//                  {"type": "pool", "params": {"type": "max", "k": 2}}],
//                 [{"type": "flatten", "params": {}}]],
//    "globals": {"lr": 0.01, "mom": 0.9, "bs": 64, "opt": "sgd", "nesterov": false},
//    "text": "conv(k=5,f=32,act=relu,bn=1) pool(type=max,k=2) | flatten() ; lr=0.01 ..."}
// One array per section in space order, one object per layer. Values are
// written as the space's JSON writes defaults: integers, numbers, choice
// names, true/false. "text" is the canonical text (genome/text.hpp), for
// people; genome_from_json ignores it, and any other unknown top-level key.
// JSON is machine-written, so genome_from_json wants every parameter and
// every global gene; values outside the space are errors, never clamped
// (reals with more than 4 significant digits are rounded, as in the text).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/detail/suggest.hpp>
#include <evonas/error.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/genome/layer_gene.hpp>
#include <evonas/genome/text.hpp>
#include <evonas/genome/validate.hpp>
#include <evonas/space/search_space.hpp>
#include <evonas/space/space_json.hpp>

namespace evonas {

namespace detail {

/// Reads the value of `spec` at `path` by the text notation's rules
/// (ParamSpec::parse); throws ConfigError(path, reason).
inline double gene_value_from_json(const ParamSpec& spec, const nlohmann::json& value, const std::string& path) {
    std::string text;
    switch (spec.kind) {
        case ParamKind::integer:
            text = fmt::format("{}", json_integer(value, path, fmt::format("an integer for '{}' ({})",
                                                                           spec.name, spec.describe())));
            break;
        case ParamKind::real:
        case ParamKind::log_real:
            text = fmt::format("{}", json_number(value, path, fmt::format("a number for '{}' ({})",
                                                                          spec.name, spec.describe())));
            break;
        case ParamKind::choice:
            text = json_string(value, path, fmt::format("a choice name for '{}' ({})", spec.name, spec.describe()));
            break;
        case ParamKind::boolean:
            text = json_boolean(value, path, fmt::format("true or false for '{}'", spec.name)) ? "1" : "0";
            break;
    }
    std::string problem;
    const auto parsed = spec.parse(text, problem);
    if (!parsed) {
        if (spec.kind == ParamKind::choice) problem += did_you_mean(text, spec.choices);
        throw ConfigError(path, problem);
    }
    return *parsed;
}

/// Reads the object `object` at `path` that must map every name of `specs`
/// (and nothing else) to a value; `owner` names it in messages.
inline std::vector<double> named_values_from_json(const std::vector<ParamSpec>& specs,
                                                  const nlohmann::json& object, const std::string& path,
                                                  const std::string& owner) {
    std::vector<std::string_view> names;
    std::string list;
    for (const auto& spec : specs) {
        names.emplace_back(spec.name);
        list += (list.empty() ? "" : ", ") + spec.name;
    }
    json_object(object, path, specs.empty() ? "an empty object" : fmt::format("an object with {}", list));
    for (const auto& item : object.items()) {
        bool known = false;
        for (auto n : names) known = known || n == item.key();
        if (!known) {
            throw ConfigError(json_key_path(path, item.key()),
                              specs.empty() ? fmt::format("{} has no '{}' (it has none)", owner, item.key())
                                            : fmt::format("{} has no '{}'{}; it has {}", owner, item.key(),
                                                          did_you_mean(item.key(), names), list));
        }
    }
    std::vector<double> values;
    for (const auto& spec : specs) {
        const auto field = json_key_path(path, spec.name);
        const auto it = object.find(spec.name);
        if (it == object.end()) {
            throw ConfigError(field, fmt::format("missing: {} needs every one of {} ({})", owner, list,
                                                 spec.describe()));
        }
        values.push_back(gene_value_from_json(spec, *it, field));
    }
    return values;
}

/// Reads one layer object at `path` for section `s`.
inline LayerGene layer_from_json(const nlohmann::json& j, const SearchSpace& space, std::size_t s,
                                 const std::string& path) {
    json_object(j, path, "a layer object with \"type\" and \"params\"");
    const auto type_path = json_key_path(path, "type");
    const std::string type_name = json_string(json_member(j, path, "type", "a layer type's name"), type_path);
    const auto& section = space.section(s);
    std::string allowed;
    for (const auto& a : section.layers) allowed += (allowed.empty() ? "" : ", ") + a.type;
    const auto id = space.find_layer_type(type_name);
    if (!id) {
        std::vector<std::string_view> names;
        for (const auto& t : space.layer_types()) names.emplace_back(t.name);
        throw ConfigError(type_path, fmt::format("unknown layer type '{}'{}; section '{}' allows {}", type_name,
                                                 did_you_mean(type_name, names), section.name, allowed));
    }
    if (!space.allows(s, *id)) {
        throw ConfigError(type_path, fmt::format("layer type '{}' is not allowed in section '{}', which allows {}",
                                                 type_name, section.name, allowed));
    }
    const auto& type = space.layer_type(*id);
    const auto values = named_values_from_json(
        type.params, json_member(j, path, "params", "an object with the layer's parameters"),
        json_key_path(path, "params"), fmt::format("layer type '{}'", type.name));
    LayerGene gene = default_layer(space, *id);
    for (std::size_t p = 0; p < values.size(); ++p) gene.values[p] = values[p];
    return gene;
}

}  // namespace detail

/// `genome` (valid in `space`) as JSON, format at the top of this header.
/// Throws ConfigError("genome", reason) when the genome is not valid.
inline nlohmann::json genome_to_json(const Genome<LayerGene>& genome, const SearchSpace& space) {
    validate_genome(genome, space);
    nlohmann::json j = nlohmann::json::object();
    auto& sections = j["sections"] = nlohmann::json::array();
    for (const auto& section : genome.sections()) {
        nlohmann::json layers = nlohmann::json::array();
        for (const auto& gene : section) {
            const auto& type = space.layer_type(gene.type);
            nlohmann::json params = nlohmann::json::object();
            for (std::size_t p = 0; p < type.params.size(); ++p) {
                params[type.params[p].name] = detail::param_value_to_json(type.params[p], gene.values[p]);
            }
            layers.push_back({{"type", type.name}, {"params", std::move(params)}});
        }
        sections.push_back(std::move(layers));
    }
    auto& globals = j["globals"] = nlohmann::json::object();
    for (std::size_t g = 0; g < space.globals().size(); ++g) {
        globals[space.globals()[g].name] = detail::param_value_to_json(space.globals()[g], genome.globals()[g]);
    }
    j["text"] = to_text(genome, space);
    return j;
}

/// Reads a genome written by genome_to_json. Throws ConfigError whose
/// field() is the JSON path of the first mistake, e.g. "sections[0][2].params.k".
inline Genome<LayerGene> genome_from_json(const nlohmann::json& j, const SearchSpace& space) {
    using namespace detail;
    json_object(j, "", "a genome object with \"sections\" and \"globals\"");
    const auto& specs = space.sections();
    std::string section_names;
    for (const auto& spec : specs) section_names += (section_names.empty() ? "" : ", ") + spec.name;
    const auto& sections_json = json_member(j, "", "sections", "an array with one array of layers per section");
    if (!sections_json.is_array() || sections_json.size() != specs.size()) {
        json_fail("sections", fmt::format("an array of {} section{} ({})", specs.size(),
                                          specs.size() == 1 ? "" : "s", section_names),
                  sections_json);
    }
    std::vector<GeneSection<LayerGene>> sections;
    for (std::size_t s = 0; s < specs.size(); ++s) {
        const auto path = json_index_path("sections", s);
        const auto& layers = json_array(sections_json[s], path,
                                        fmt::format("an array of the layers of section '{}'", specs[s].name));
        if (layers.size() < specs[s].min_layers || layers.size() > specs[s].max_layers) {
            throw ConfigError(path, fmt::format("section '{}' has {} layers; it allows {} to {}", specs[s].name,
                                                layers.size(), specs[s].min_layers, specs[s].max_layers));
        }
        std::vector<LayerGene> genes;
        for (std::size_t i = 0; i < layers.size(); ++i) {
            genes.push_back(layer_from_json(layers[i], space, s, json_index_path(path, i)));
        }
        sections.emplace_back(std::move(genes));
    }
    auto globals = named_values_from_json(
        space.globals(), json_member(j, "", "globals", "an object with the global genes"), "globals",
        fmt::format("the space '{}'", space.name()));
    Genome<LayerGene> genome(std::move(sections), std::move(globals));
    validate_genome(genome, space, "(root)");  // cannot fail after the checks above
    return genome;
}

}  // namespace evonas
