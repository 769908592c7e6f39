// evonas::libtorch: a trained network as Python source, for people who
// want to fine-tune or edit it in PyTorch.
//
// python_module_source() writes a plain PyTorch file: a class Network
// (an nn.Sequential of the same modules, under the same names, as
// build_cnn() makes in C++) and load(), which reads the weights. The
// state_dict keys are the builder's ("f3_conv.weight", "f3_bn.running_mean",
// ...), so `Network().load_state_dict(torch.load(weights))` works for the
// weights file export_python() writes beside it and for the "state" of a
// model file (model_io.hpp). Unlike the TorchScript export, the module
// trains: dropout and batch norm follow net.train() / net.eval().
//
// Optional part: include it only when linking evonas::libtorch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <torch/torch.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <evonas/error.hpp>
#include <evonas/genome/cnn_shape.hpp>
#include <evonas/genome/text.hpp>
#include <evonas/io/files.hpp>
#include <evonas/libtorch/export_torchscript.hpp>
#include <evonas/libtorch/model_io.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas::libtorch {

namespace detail {

/// A Python string literal of `text`.
inline std::string py_string(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '\\' || c == '"') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
    return out + "\"";
}

/// A Python tuple of `values` ("(1,)" for one).
inline std::string py_tuple(const std::vector<std::int64_t>& values) {
    if (values.size() == 1) return fmt::format("({},)", values[0]);
    return fmt::format("({})", fmt::join(values, ", "));
}

/// The nn module of an activation, or empty for none.
inline std::string py_activation(CnnActivation act) {
    switch (act) {
        case CnnActivation::relu: return "nn.ReLU()";
        case CnnActivation::leaky_relu: return "nn.LeakyReLU(0.01)";
        case CnnActivation::elu: return "nn.ELU(alpha=1.0)";
        case CnnActivation::tanh: return "nn.Tanh()";
        case CnnActivation::sigmoid: return "nn.Sigmoid()";
        case CnnActivation::none: return "";
    }
    return "";
}

/// The ("name", module) entries of the network `report` describes, one
/// line each, in the builder's order and with its names.
inline std::string py_modules(const CnnShapeReport& report, std::size_t dims) {
    std::string code;
    const auto add = [&](const std::string& name, const std::string& module) {
        code += fmt::format("            ({}, {}),\n", py_string(name), module);
    };
    const auto conv = [&](std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
                          const std::vector<std::int64_t>& padding, std::int64_t dilation, std::int64_t groups,
                          bool bias) {
        return fmt::format("nn.Conv{}d({}, {}, kernel_size={}, stride={}, padding={}, dilation={}, groups={}, bias={})",
                           dims, in, out, kernel, stride, py_tuple(padding), dilation, groups, bias ? "True" : "False");
    };
    for (const auto& r : report.layers) {
        const auto& l = r.layer;
        const auto prefix = export_prefix(r);
        code += fmt::format("            # {}\n", r.text);
        const auto bn_act = [&] {
            if (l.batch_norm) add(prefix + "_bn", fmt::format("nn.BatchNorm{}d({})", dims, l.filters));
            if (const auto act = py_activation(l.activation); !act.empty()) add(prefix + "_act", act);
        };
        switch (l.kind) {
            case CnnLayerKind::conv:
            case CnnLayerKind::dilconv:
            case CnnLayerKind::sepconv: {
                const auto padding = export_padding(r);
                if (!padding.pad.empty()) {
                    add(prefix + "_pad", fmt::format("nn.ConstantPad{}d({}, 0.0)", dims, py_tuple(padding.pad)));
                }
                const std::int64_t in = r.input.at(0);
                if (l.kind == CnnLayerKind::sepconv) {
                    add(prefix + "_depthwise", conv(in, in, l.kernel, l.stride, padding.conv, 1, in, false));
                    add(prefix + "_pointwise", conv(in, l.filters, 1, 1, std::vector<std::int64_t>(dims, 0), 1, 1,
                                                    !l.batch_norm));
                } else {
                    add(prefix + "_conv",
                        conv(in, l.filters, l.kernel, l.stride, padding.conv, l.dilation, 1, !l.batch_norm));
                }
                bn_act();
                break;
            }
            case CnnLayerKind::pool:
                add(prefix + "_pool", fmt::format("nn.{}Pool{}d(kernel_size={}, stride={})", l.max_pool ? "Max" : "Avg",
                                                  dims, l.kernel, l.stride));
                break;
            case CnnLayerKind::lrn:
                add(prefix + "_lrn", fmt::format("nn.LocalResponseNorm({}, alpha=0.0001, beta=0.75, k=1.0)", l.size));
                break;
            case CnnLayerKind::dropout:
                if (l.p > 0.0) add(prefix + "_dropout", fmt::format("nn.Dropout(p={})", py_float(l.p)));
                break;
            case CnnLayerKind::flatten: add("flatten", "nn.Flatten()"); break;
            case CnnLayerKind::dense:
                add(prefix + "_dense", fmt::format("nn.Linear({}, {})", r.input.at(0), l.units));
                if (const auto act = py_activation(l.activation); !act.empty()) add(prefix + "_act", act);
                break;
            case CnnLayerKind::output: add("output", fmt::format("nn.Linear({}, {})", r.input.at(0), l.units)); break;
        }
    }
    return code;
}

/// True when `name` can be imported as a Python module: an ASCII
/// identifier that is not a keyword.
inline bool is_python_identifier(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    for (const char c : name) {
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
    }
    for (const std::string_view keyword :
         {"False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
          "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
          "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield"}) {
        if (name == keyword) return false;
    }
    return true;
}

/// What the weights file holds: torch::pickle_save of {name: tensor}.
inline std::string weights_bytes(const CnnModel& model) {
    const auto bytes = torch::pickle_save(state_of(*model.net));
    return std::string(bytes.begin(), bytes.end());
}

}  // namespace detail

/// The Python source of `model`, for a file `<module>.py`: `Network` (an
/// nn.Sequential with the builder's module names), `load(weights=None)` (a
/// Network with the weights of `weights`, by default the file
/// `<module>_weights.pt` beside the source, in evaluation mode) and the
/// constants GENOME, SPACE, INPUT_SHAPE, CLASSES and WEIGHTS. Needs only PyTorch. Throws
/// ConfigError("model", ...) when the network does not match its genome
/// (check_model()). Thread safety: as check_model().
inline std::string python_module_source(const CnnModel& model, const SearchSpace& space,
                                        const std::string& module = "model") {
    check_model(model, space);
    const auto weights_file = module + "_weights.pt";
    const auto report = infer_cnn_shapes(model.genome, space, model.shape);
    const auto dims = model.shape.dims();
    std::vector<std::int64_t> input{model.shape.channels};
    input.insert(input.end(), model.shape.spatial.begin(), model.shape.spatial.end());
    const auto genome = to_text(model.genome, space);
    const auto shape_text = fmt::format("[batch, {}]", fmt::join(input, ", "));
    std::string code;
    code += fmt::format(R"PY("""A network evolved by evonas, as plain PyTorch (generated; edit it freely).

genome: {genome}
space:  {space}
input:  float32 {shape}; output: [batch, {classes}] logits (no softmax)

    import {module}
    net = {module}.load()      # trained weights from {weights}, in evaluation mode
    logits = net(x)

Network() is the architecture with fresh parameters. Its state_dict keys are
those of evonas's model files, so net.load_state_dict(torch.load(f)) works
for {weights} and for the "state" entry of an evonas model file (.pt).
"""
import collections
import os

import torch
from torch import nn

GENOME = {genome_literal}
SPACE = {space_literal}
INPUT_SHAPE = {input_tuple}
CLASSES = {classes}
WEIGHTS = {weights_literal}


class Network(nn.Sequential):
    """The evolved architecture: {shape} -> [batch, {classes}] logits."""

    def __init__(self):
        super().__init__(collections.OrderedDict([
)PY",
                        fmt::arg("genome", genome), fmt::arg("space", space.name()), fmt::arg("shape", shape_text),
                        fmt::arg("classes", model.shape.classes),
                        fmt::arg("module", module),
                        fmt::arg("weights", weights_file), fmt::arg("genome_literal", detail::py_string(genome)),
                        fmt::arg("space_literal", detail::py_string(space.name())),
                        fmt::arg("input_tuple", detail::py_tuple(input)),
                        fmt::arg("weights_literal", detail::py_string(weights_file)));
    code += detail::py_modules(report, dims);
    code += R"PY(        ]))


def load(weights=None, map_location="cpu"):
    """A Network with trained weights, in evaluation mode.

    weights: a weights file ({name: tensor}) or an evonas model file; by
    default WEIGHTS beside this file. map_location as for torch.load.
    """
    if weights is None:
        weights = os.path.join(os.path.dirname(os.path.abspath(__file__)), WEIGHTS)
    state = torch.load(weights, map_location=map_location)
    if "format" in state and state["format"] == "evonas.cnn_model":
        state = state["state"]
    net = Network()
    net.load_state_dict(state)
    return net.eval()
)PY";
    return code;
}

/// Writes `model` as Python source to `path` (its file name, without
/// ".py", must be a Python identifier, so that it can be imported) and its
/// trained parameters and buffers to `<stem>_weights.pt` beside it
/// (torch::pickle_save of {name: tensor}; Python's torch.load reads it).
/// Both are written atomically; when the second cannot be written the first
/// is removed. Throws ConfigError("path", ...) for a name that is not a
/// Python identifier, ConfigError("model", ...) when the network does not
/// match its genome and IoError when a file cannot be written. Thread
/// safety: not while another thread changes the network.
inline void export_python(const CnnModel& model, const SearchSpace& space, const std::filesystem::path& path) {
    const auto stem = path.stem().string();
    if (path.extension() != ".py" || !detail::is_python_identifier(stem)) {
        throw ConfigError("path", fmt::format("'{}' is not a Python module file name (like model.py: letters, digits "
                                              "and '_', not starting with a digit, not a keyword)",
                                              path.filename().string()));
    }
    const auto weights_name = stem + "_weights.pt";
    const auto source = python_module_source(model, space, stem);
    const auto weights = detail::weights_bytes(model);
    const auto weights_path = path.parent_path() / weights_name;
    write_file_atomically(weights_path, weights, "weights");
    try {
        write_file_atomically(path, source, "Python module");
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(weights_path, ignored);
        throw;
    }
}

}  // namespace evonas::libtorch
