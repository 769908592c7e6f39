// evonas: a SearchSpace as JSON, and search-space files.
//
// Format (every key shown is required unless marked optional):
//   {
//     "name": "small",
//     "layer_types": [
//       {"name": "conv",
//        "params": [                                    (optional, default [])
//          {"name": "k",   "kind": "int", "lo": 1, "hi": 7,
//           "step": 1,                                  (optional, default 1)
//           "default": 3},
//          {"name": "act", "kind": "choice", "choices": ["relu", "tanh"], "default": "relu"},
//          {"name": "bn",  "kind": "bool", "default": true},
//          {"name": "p",   "kind": "real", "lo": 0.0, "hi": 0.8, "default": 0.5},
//          {"name": "lr",  "kind": "log_real", "lo": 0.0001, "hi": 0.3, "default": 0.01}]}],
//     "sections": [
//       {"name": "features", "min_layers": 1, "max_layers": 6,
//        "layers": [{"type": "conv",
//                    "weight": 3}],                     (weight optional, default 1)
//        "require_any": ["conv"]}],                     (optional, default []: at least one
//                                                         layer of one of these types)
//     "globals": [ parameters as in "params" ]          (optional, default [])
//   }
// "kind" is one of int, real, log_real, choice, bool (to_string(ParamKind)).
// A "default" is written as the value itself: an integer, a number, a choice
// name, or true/false (0 and 1 are accepted too). Keys starting with "_" are
// ignored anywhere (use them for comments); any other unknown key is an
// error, so a misspelt optional key is not silently dropped.
//
// Errors: every mistake throws ConfigError whose field() is the JSON path of
// the offending value, e.g. "layer_types[0].params[2].lo" ("(root)" for the
// document itself), and whose message says what was expected and what was
// found. load_space adds IoError (cannot read) and ParseError (bad JSON
// syntax, with line and column).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/detail/suggest.hpp>
#include <evonas/error.hpp>
#include <evonas/io/files.hpp>
#include <evonas/space/layer_type.hpp>
#include <evonas/space/param_spec.hpp>
#include <evonas/space/search_space.hpp>
#include <evonas/space/section_space.hpp>

namespace evonas {

namespace detail {

/// The JSON path of key `key` inside the value at `parent` ("" is the root).
inline std::string json_key_path(const std::string& parent, std::string_view key) {
    return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

/// The JSON path of element `i` of the array at `parent`.
inline std::string json_index_path(const std::string& parent, std::size_t i) {
    return fmt::format("{}[{}]", parent, i);
}

/// A field name for error messages: the root is "(root)".
inline std::string json_field(const std::string& path) { return path.empty() ? "(root)" : path; }

/// A JSON value in words, for "found ..." in error messages.
inline std::string json_describe(const nlohmann::json& value) {
    switch (value.type()) {
        case nlohmann::json::value_t::null: return "null";
        case nlohmann::json::value_t::boolean: return value.get<bool>() ? "true" : "false";
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned:
        case nlohmann::json::value_t::number_float: return "the number " + value.dump();
        case nlohmann::json::value_t::string: {
            std::string text = value.dump();
            if (text.size() > 40) text = text.substr(0, 36) + "...\"";
            return "the string " + text;
        }
        case nlohmann::json::value_t::array:
            return value.empty() ? std::string("an empty array")
                                 : fmt::format("an array of {} element{}", value.size(),
                                               value.size() == 1 ? "" : "s");
        case nlohmann::json::value_t::object: return "an object";
        default: return "a binary value";
    }
}

/// Throws ConfigError(path, "expected <expected>, found <value>").
[[noreturn]] inline void json_fail(const std::string& path, std::string_view expected,
                                   const nlohmann::json& value) {
    throw ConfigError(json_field(path), fmt::format("expected {}, found {}", expected, json_describe(value)));
}

/// Throws unless `value` is an object.
inline const nlohmann::json& json_object(const nlohmann::json& value, const std::string& path,
                                         std::string_view what = "an object") {
    if (!value.is_object()) json_fail(path, what, value);
    return value;
}

/// Throws unless `value` is an array.
inline const nlohmann::json& json_array(const nlohmann::json& value, const std::string& path,
                                        std::string_view what = "an array") {
    if (!value.is_array()) json_fail(path, what, value);
    return value;
}

/// The member `key` of the object `object`; throws when it is missing.
inline const nlohmann::json& json_member(const nlohmann::json& object, const std::string& path,
                                         std::string_view key, std::string_view what) {
    const auto it = object.find(std::string(key));
    if (it == object.end()) {
        throw ConfigError(json_key_path(path, key), fmt::format("missing key '{}': expected {}", key, what));
    }
    return *it;
}

/// The member `key` of `object`, or nullptr when it is absent.
inline const nlohmann::json* json_optional(const nlohmann::json& object, std::string_view key) {
    const auto it = object.find(std::string(key));
    return it == object.end() ? nullptr : &*it;
}

/// Throws on a key of `object` that is not in `allowed` (keys starting
/// with "_" are comments and always allowed).
inline void json_check_keys(const nlohmann::json& object, const std::string& path,
                            std::initializer_list<std::string_view> allowed, std::string_view owner) {
    for (const auto& item : object.items()) {
        const std::string& key = item.key();
        if (key.starts_with('_')) continue;
        bool known = false;
        for (auto a : allowed) known = known || a == key;
        if (!known) {
            std::string list;
            for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            throw ConfigError(json_key_path(path, key),
                              fmt::format("unknown key '{}' in {}{}; expected {}", key, owner,
                                          did_you_mean(key, allowed), list));
        }
    }
}

/// `value` as a string.
inline std::string json_string(const nlohmann::json& value, const std::string& path,
                               std::string_view what = "a string") {
    if (!value.is_string()) json_fail(path, what, value);
    return value.get<std::string>();
}

/// `value` as a finite number.
inline double json_number(const nlohmann::json& value, const std::string& path,
                          std::string_view what = "a number") {
    if (!value.is_number()) json_fail(path, what, value);
    const double d = value.get<double>();
    if (!std::isfinite(d)) json_fail(path, what, value);
    return d;
}

/// `value` as an integer (a number with no fractional part).
inline std::int64_t json_integer(const nlohmann::json& value, const std::string& path,
                                 std::string_view what = "an integer") {
    if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<std::int64_t>();
    if (value.is_number_unsigned() &&
        value.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return static_cast<std::int64_t>(value.get<std::uint64_t>());
    }
    if (value.is_number_float()) {
        const double d = value.get<double>();
        if (d == std::floor(d) && std::abs(d) < 9.0e15) return static_cast<std::int64_t>(d);
    }
    json_fail(path, what, value);
}

/// `value` as a boolean (true/false, or the integers 0 and 1).
inline bool json_boolean(const nlohmann::json& value, const std::string& path,
                         std::string_view what = "true or false") {
    if (value.is_boolean()) return value.get<bool>();
    if (value.is_number_integer() && (value == 0 || value == 1)) return value == 1;
    json_fail(path, what, value);
}

/// A parameter value as JSON: an integer, a number, a choice name or a bool.
inline nlohmann::json param_value_to_json(const ParamSpec& spec, double value) {
    switch (spec.kind) {
        case ParamKind::integer: return static_cast<std::int64_t>(value);
        case ParamKind::real:
        case ParamKind::log_real: return value;
        case ParamKind::choice: return spec.format(value);
        case ParamKind::boolean: return value != 0.0;
    }
    return nullptr;
}

/// One ParamSpec as JSON (see the format at the top of this header).
inline nlohmann::json param_spec_to_json(const ParamSpec& spec) {
    nlohmann::json j = nlohmann::json::object();
    j["name"] = spec.name;
    j["kind"] = std::string(to_string(spec.kind));
    switch (spec.kind) {
        case ParamKind::integer:
            j["lo"] = static_cast<std::int64_t>(spec.lo);
            j["hi"] = static_cast<std::int64_t>(spec.hi);
            j["step"] = spec.step;
            break;
        case ParamKind::real:
        case ParamKind::log_real:
            j["lo"] = spec.lo;
            j["hi"] = spec.hi;
            break;
        case ParamKind::choice: j["choices"] = spec.choices; break;
        case ParamKind::boolean: break;
    }
    j["default"] = param_value_to_json(spec, spec.default_value);
    return j;
}

/// Reads one ParamSpec at `path`; range consistency is left to validate().
inline ParamSpec param_spec_from_json(const nlohmann::json& j, const std::string& path) {
    json_object(j, path, "a parameter object with name, kind and default");
    ParamSpec spec;
    spec.name = json_string(json_member(j, path, "name", "the parameter's name"),
                            json_key_path(path, "name"));
    const auto kind_path = json_key_path(path, "kind");
    const std::string kind_name = json_string(
        json_member(j, path, "kind", "one of int, real, log_real, choice, bool"), kind_path,
        "one of \"int\", \"real\", \"log_real\", \"choice\", \"bool\"");
    const auto kind = param_kind_from_string(kind_name);
    if (!kind) {
        throw ConfigError(kind_path,
                          fmt::format("unknown kind '{}'{}; expected one of int, real, log_real, choice, bool",
                                      kind_name,
                                      did_you_mean(kind_name, {"int", "real", "log_real", "choice", "bool"})));
    }
    spec.kind = *kind;
    const auto owner = fmt::format("a parameter of kind '{}'", kind_name);
    const auto& def = json_member(j, path, "default", "the default value");
    const auto def_path = json_key_path(path, "default");
    switch (spec.kind) {
        case ParamKind::integer: {
            json_check_keys(j, path, {"name", "kind", "lo", "hi", "step", "default"}, owner);
            spec.lo = static_cast<double>(json_integer(json_member(j, path, "lo", "the smallest value, an integer"),
                                                       json_key_path(path, "lo")));
            spec.hi = static_cast<double>(json_integer(json_member(j, path, "hi", "the largest value, an integer"),
                                                       json_key_path(path, "hi")));
            if (const auto* step = json_optional(j, "step")) {
                spec.step = json_integer(*step, json_key_path(path, "step"));
            }
            spec.default_value = static_cast<double>(json_integer(def, def_path));
            break;
        }
        case ParamKind::real:
        case ParamKind::log_real:
            json_check_keys(j, path, {"name", "kind", "lo", "hi", "default"}, owner);
            spec.lo = json_number(json_member(j, path, "lo", "the smallest value, a number"),
                                  json_key_path(path, "lo"));
            spec.hi = json_number(json_member(j, path, "hi", "the largest value, a number"),
                                  json_key_path(path, "hi"));
            spec.default_value = json_number(def, def_path);
            break;
        case ParamKind::choice: {
            json_check_keys(j, path, {"name", "kind", "choices", "default"}, owner);
            const auto choices_path = json_key_path(path, "choices");
            const auto& choices = json_member(j, path, "choices", "a non-empty array of names");
            if (!choices.is_array() || choices.empty()) json_fail(choices_path, "a non-empty array of names", choices);
            for (std::size_t i = 0; i < choices.size(); ++i) {
                spec.choices.push_back(json_string(choices[i], json_index_path(choices_path, i)));
            }
            const std::string name = json_string(def, def_path, "one of the choices, as a string");
            const auto it = std::find(spec.choices.begin(), spec.choices.end(), name);
            if (it == spec.choices.end()) {
                throw ConfigError(def_path, fmt::format("the default '{}' is not one of the choices{}: {}", name,
                                                        did_you_mean(name, spec.choices),
                                                        fmt::join(spec.choices, ", ")));
            }
            spec.default_value = static_cast<double>(it - spec.choices.begin());
            break;
        }
        case ParamKind::boolean:
            json_check_keys(j, path, {"name", "kind", "default"}, owner);
            spec.default_value = json_boolean(def, def_path) ? 1.0 : 0.0;
            break;
    }
    return spec;
}

/// Reads the array of parameters at `path`.
inline std::vector<ParamSpec> param_specs_from_json(const nlohmann::json& j, const std::string& path) {
    json_array(j, path, "an array of parameter objects");
    std::vector<ParamSpec> specs;
    for (std::size_t i = 0; i < j.size(); ++i) specs.push_back(param_spec_from_json(j[i], json_index_path(path, i)));
    return specs;
}

/// A count (a non-negative integer) at `path`.
inline std::size_t json_count(const nlohmann::json& value, const std::string& path) {
    const auto n = json_integer(value, path, "a non-negative integer");
    if (n < 0) json_fail(path, "a non-negative integer", value);
    return static_cast<std::size_t>(n);
}

}  // namespace detail

/// The search space as JSON (format at the top of this header), to store
/// beside a run's results, for example.
inline nlohmann::json space_to_json(const SearchSpace& space) {
    nlohmann::json j = nlohmann::json::object();
    j["name"] = space.name();
    auto& types = j["layer_types"] = nlohmann::json::array();
    for (const auto& type : space.layer_types()) {
        nlohmann::json t = nlohmann::json::object();
        t["name"] = type.name;
        auto& params = t["params"] = nlohmann::json::array();
        for (const auto& spec : type.params) params.push_back(detail::param_spec_to_json(spec));
        types.push_back(std::move(t));
    }
    auto& sections = j["sections"] = nlohmann::json::array();
    for (const auto& section : space.sections()) {
        nlohmann::json s = nlohmann::json::object();
        s["name"] = section.name;
        s["min_layers"] = section.min_layers;
        s["max_layers"] = section.max_layers;
        auto& layers = s["layers"] = nlohmann::json::array();
        for (const auto& allowed : section.layers) {
            layers.push_back({{"type", allowed.type}, {"weight", allowed.weight}});
        }
        // Written only when set, so spaces without it keep their JSON (and
        // their runs' identity) unchanged.
        if (!section.require_any.empty()) s["require_any"] = section.require_any;
        sections.push_back(std::move(s));
    }
    auto& globals = j["globals"] = nlohmann::json::array();
    for (const auto& spec : space.globals()) globals.push_back(detail::param_spec_to_json(spec));
    return j;
}

/// Builds a search space from JSON (format at the top of this header).
/// Throws ConfigError naming the JSON path of the first mistake.
inline SearchSpace space_from_json(const nlohmann::json& j) {
    using namespace detail;
    json_object(j, "", "a search-space object with name, layer_types and sections");
    json_check_keys(j, "", {"name", "layer_types", "sections", "globals"}, "the search space");
    std::string name = json_string(json_member(j, "", "name", "the space's name, a string"), "name");

    const auto& types_json = json_array(json_member(j, "", "layer_types", "an array of layer types"),
                                        "layer_types", "an array of layer types");
    std::vector<LayerType> types;
    for (std::size_t i = 0; i < types_json.size(); ++i) {
        const auto path = json_index_path("layer_types", i);
        const auto& t = json_object(types_json[i], path, "a layer-type object with name and params");
        json_check_keys(t, path, {"name", "params"}, "a layer type");
        LayerType type;
        type.name = json_string(json_member(t, path, "name", "the layer type's name"), json_key_path(path, "name"));
        if (const auto* params = json_optional(t, "params")) {
            type.params = param_specs_from_json(*params, json_key_path(path, "params"));
        }
        types.push_back(std::move(type));
    }

    const auto& sections_json = json_array(json_member(j, "", "sections", "an array of sections"),
                                           "sections", "an array of sections");
    std::vector<SectionSpace> sections;
    for (std::size_t s = 0; s < sections_json.size(); ++s) {
        const auto path = json_index_path("sections", s);
        const auto& o = json_object(sections_json[s], path,
                                    "a section object with name, min_layers, max_layers and layers");
        json_check_keys(o, path, {"name", "min_layers", "max_layers", "layers", "require_any"}, "a section");
        SectionSpace section;
        section.name = json_string(json_member(o, path, "name", "the section's name"), json_key_path(path, "name"));
        section.min_layers = json_count(json_member(o, path, "min_layers", "a non-negative integer"),
                                        json_key_path(path, "min_layers"));
        section.max_layers = json_count(json_member(o, path, "max_layers", "a positive integer"),
                                        json_key_path(path, "max_layers"));
        const auto layers_path = json_key_path(path, "layers");
        const auto& layers = json_array(json_member(o, path, "layers", "an array of {\"type\", \"weight\"} objects"),
                                        layers_path, "an array of {\"type\", \"weight\"} objects");
        for (std::size_t k = 0; k < layers.size(); ++k) {
            const auto layer_path = json_index_path(layers_path, k);
            const auto& l = json_object(layers[k], layer_path, "an object with \"type\" and optional \"weight\"");
            json_check_keys(l, layer_path, {"type", "weight"}, "an allowed layer");
            AllowedLayer allowed;
            allowed.type = json_string(json_member(l, layer_path, "type", "a layer type's name"),
                                       json_key_path(layer_path, "type"));
            if (const auto* weight = json_optional(l, "weight")) {
                allowed.weight = json_number(*weight, json_key_path(layer_path, "weight"));
            }
            section.layers.push_back(std::move(allowed));
        }
        if (const auto* required = json_optional(o, "require_any")) {
            const auto required_path = json_key_path(path, "require_any");
            json_array(*required, required_path, "an array of layer type names");
            for (std::size_t k = 0; k < required->size(); ++k) {
                section.require_any.push_back(
                    json_string((*required)[k], json_index_path(required_path, k), "a layer type's name"));
            }
        }
        sections.push_back(std::move(section));
    }

    std::vector<ParamSpec> globals;
    if (const auto* g = json_optional(j, "globals")) globals = param_specs_from_json(*g, "globals");
    return SearchSpace(std::move(name), std::move(types), std::move(sections), std::move(globals));
}

/// Reads a search-space file. Throws IoError when it cannot be read,
/// ParseError(path, line, column, ...) on a JSON syntax error and
/// ConfigError (field = JSON path) on a bad space.
inline SearchSpace load_space(const std::filesystem::path& path) {
    return space_from_json(parse_json_text(read_text_file(path, "search-space file"), path.string()));
}

/// Writes `space` as indented JSON to `path`, atomically: to a temporary
/// file beside it, then renamed over it. Throws IoError on failure.
inline void save_space(const SearchSpace& space, const std::filesystem::path& path) {
    write_file_atomically(path, space_to_json(space).dump(2) + "\n", "search-space");
}

}  // namespace evonas
