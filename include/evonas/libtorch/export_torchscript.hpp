// evonas::libtorch: a trained network as a TorchScript module, which
// Python loads with torch.jit.load (and C++ with torch::jit::load) without
// evonas.
//
// The module is built here, in C++, with no Python: its forward() is
// TorchScript source generated from the genome, layer by layer exactly as
// build_cnn() (builder.hpp) builds the network (padding, bias only without
// batch norm, LRN constants, sepconv = depthwise + pointwise, ...), calling
// ATen operators (torch.conv2d, torch.batch_norm, torch.max_pool2d, ...)
// that both LibTorch 1.13 and 2.x know. The trained tensors are registered
// under the builder's names, one submodule per layer (f3_conv.weight,
// f3_bn.running_mean, ..., output.bias), so the module's state_dict() has
// the keys of the model file's "state".
//
// The forward is the network in evaluation mode, always: dropout is the
// identity and batch norm uses the running statistics. It is for inference
// (and ONNX export, scripts/export_onnx.py); to fine-tune, use the Python
// source export_python.hpp writes.
//
// Optional part: include it only when linking evonas::libtorch.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <torch/script.h>
#include <torch/torch.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <evonas/error.hpp>
#include <evonas/genome/cnn_shape.hpp>
#include <evonas/genome/text.hpp>
#include <evonas/io/files.hpp>
#include <evonas/libtorch/builder.hpp>
#include <evonas/libtorch/model_io.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas::libtorch {

namespace detail {

/// The builder's module-name prefix of a layer: f3, c0, flatten, output.
inline std::string export_prefix(const CnnLayerReport& r) {
    if (r.layer.kind == CnnLayerKind::flatten || r.layer.kind == CnnLayerKind::output) {
        return std::string(to_string(r.layer.kind));
    }
    return fmt::format("{}{}", r.section == 0 ? 'f' : 'c', r.index);
}

/// A Python / TorchScript float literal (fmt writes 1.0 as "1", an int).
inline std::string py_float(double v) {
    auto text = fmt::format("{}", v);
    if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
    return text;
}

/// "[v, v]" with `v` repeated once per spatial axis.
inline std::string ts_repeat(std::int64_t v, std::size_t dims) {
    return fmt::format("[{}]", fmt::join(std::vector<std::int64_t>(dims, v), ", "));
}

/// The zero padding of a (depthwise) convolution as the builder splits it:
/// `conv` the symmetric padding the convolution itself gets, `pad` the
/// constant_pad_nd arguments (last axis first) when it is uneven, else empty.
struct ExportPadding {
    std::vector<std::int64_t> conv;
    std::vector<std::int64_t> pad;
};

inline ExportPadding export_padding(const CnnLayerReport& r) {
    ExportPadding result;
    bool symmetric = true;
    for (const auto& [before, after] : r.padding) symmetric = symmetric && before == after;
    for (const auto& [before, after] : r.padding) result.conv.push_back(symmetric ? before : 0);
    if (!symmetric) {
        for (std::size_t a = r.padding.size(); a-- > 0;) {
            result.pad.push_back(r.padding[a].first);
            result.pad.push_back(r.padding[a].second);
        }
    }
    return result;
}

/// TorchScript statements applying `act` to x (none for the identity).
inline std::string ts_activation(CnnActivation act) {
    switch (act) {
        case CnnActivation::relu: return "        x = torch.relu(x)\n";
        case CnnActivation::leaky_relu: return "        x = torch.leaky_relu(x, 0.01)\n";
        case CnnActivation::elu: return "        x = torch.elu(x, 1.0, 1.0, 1.0)\n";
        case CnnActivation::tanh: return "        x = torch.tanh(x)\n";
        case CnnActivation::sigmoid: return "        x = torch.sigmoid(x)\n";
        case CnnActivation::none: return "";
    }
    return "";
}

/// The statements of local response norm over channels, as LibTorch's
/// functional local_response_norm computes it (alpha 1e-4, beta 0.75,
/// k 1): the average of squares over `size` neighbouring channels. It
/// drops the pooled axis with select(1, 0) where LibTorch squeezes it: the
/// same values, and no If node in ONNX (a scripted squeeze becomes one).
inline std::string ts_lrn(std::int64_t size, std::size_t dims) {
    std::string code = "        div = x.mul(x).unsqueeze(1)\n";
    if (dims == 1) {
        code += fmt::format("        div = torch.constant_pad_nd(div, [0, 0, {}, {}], 0.0)\n", size / 2, (size - 1) / 2);
        code += fmt::format("        div = torch.avg_pool2d(div, [{}, 1], [1, 1], [0, 0], False, True, None).select(1, 0)\n",
                            size);
    } else {
        code += "        sizes = x.size()\n";
        code += "        div = div.view([sizes[0], 1, sizes[1], sizes[2], -1])\n";
        code += fmt::format("        div = torch.constant_pad_nd(div, [0, 0, 0, 0, {}, {}], 0.0)\n", size / 2,
                            (size - 1) / 2);
        code += fmt::format(
            "        div = torch.avg_pool3d(div, [{}, 1, 1], [1, 1, 1], [0, 0, 0], False, True, None).select(1, 0)\n",
            size);
        code += "        div = div.view(sizes)\n";
    }
    code += "        div = div.mul(0.0001).add(1.0).pow(0.75)\n";
    code += "        x = x / div\n";
    return code;
}

/// The TorchScript forward() of the network `report` describes, for
/// inputs with `dims` spatial axes.
inline std::string torchscript_forward(const CnnShapeReport& report, std::size_t dims) {
    std::string code = "    def forward(self, x):\n";
    const auto conv = [&](const std::string& module, const std::string& bias, std::int64_t stride,
                          const std::vector<std::int64_t>& padding, std::int64_t dilation, std::int64_t groups) {
        return fmt::format("        x = torch.conv{}d(x, self.{}.weight, {}, {}, [{}], {}, {})\n", dims, module, bias,
                           ts_repeat(stride, dims), fmt::join(padding, ", "), ts_repeat(dilation, dims), groups);
    };
    for (const auto& r : report.layers) {
        const auto& l = r.layer;
        const auto prefix = export_prefix(r);
        code += fmt::format("        # {}\n", r.text);
        const auto bn_act = [&] {
            if (l.batch_norm) {
                const auto bn = "self." + prefix + "_bn";
                code += fmt::format("        x = torch.batch_norm(x, {0}.weight, {0}.bias, {0}.running_mean, "
                                    "{0}.running_var, False, 0.1, 1e-05, True)\n",
                                    bn);
            }
            code += ts_activation(l.activation);
        };
        switch (l.kind) {
            case CnnLayerKind::conv:
            case CnnLayerKind::dilconv:
            case CnnLayerKind::sepconv: {
                const auto padding = export_padding(r);
                if (!padding.pad.empty()) {
                    code += fmt::format("        x = torch.constant_pad_nd(x, [{}], 0.0)\n", fmt::join(padding.pad, ", "));
                }
                const auto bias = [&](const std::string& module) {
                    return l.batch_norm ? std::string("None") : "self." + module + ".bias";
                };
                if (l.kind == CnnLayerKind::sepconv) {
                    code += conv(prefix + "_depthwise", "None", l.stride, padding.conv, 1, r.input.at(0));
                    code += conv(prefix + "_pointwise", bias(prefix + "_pointwise"), 1,
                                 std::vector<std::int64_t>(dims, 0), 1, 1);
                } else {
                    code += conv(prefix + "_conv", bias(prefix + "_conv"), l.stride, padding.conv, l.dilation, 1);
                }
                bn_act();
                break;
            }
            case CnnLayerKind::pool:
                if (l.max_pool) {
                    code += fmt::format("        x = torch.max_pool{}d(x, {}, {}, {}, {}, False)\n", dims,
                                        ts_repeat(l.kernel, dims), ts_repeat(l.stride, dims), ts_repeat(0, dims),
                                        ts_repeat(1, dims));
                } else if (dims == 1) {  // aten::avg_pool1d has no divisor_override
                    code += fmt::format("        x = torch.avg_pool1d(x, [{}], [{}], [0], False, True)\n", l.kernel,
                                        l.stride);
                } else {
                    code += fmt::format("        x = torch.avg_pool{}d(x, {}, {}, {}, False, True, None)\n", dims,
                                        ts_repeat(l.kernel, dims), ts_repeat(l.stride, dims), ts_repeat(0, dims));
                }
                break;
            case CnnLayerKind::lrn: code += ts_lrn(l.size, dims); break;
            case CnnLayerKind::dropout: code += "        # the identity in evaluation\n"; break;
            case CnnLayerKind::flatten: code += "        x = torch.flatten(x, 1, -1)\n"; break;
            case CnnLayerKind::dense:
            case CnnLayerKind::output: {
                const auto module = l.kind == CnnLayerKind::output ? prefix : prefix + "_dense";
                code += fmt::format("        x = torch.linear(x, self.{0}.weight, self.{0}.bias)\n", module);
                if (l.kind == CnnLayerKind::dense) code += ts_activation(l.activation);
                break;
            }
        }
    }
    code += "        return x\n";
    return code;
}

}  // namespace detail

/// The TorchScript source of the forward() that torchscript_module() gives
/// `model` (for reading and debugging; the module holds it). Throws what
/// check_model() throws.
inline std::string torchscript_source(const CnnModel& model, const SearchSpace& space) {
    check_model(model, space);
    const auto report = infer_cnn_shapes(model.genome, space, model.shape);
    return detail::torchscript_forward(report, model.shape.dims());
}

/// `model` as a TorchScript module: forward(x) maps float32 inputs
/// [batch, channels, spatial...] to logits [batch, classes] as `model.net`
/// does in evaluation mode. It holds copies of the trained parameters and
/// buffers (on the CPU) under the builder's names, and the attributes
/// `genome` (text notation), `space` (e.g. "cnn2d"), `input_shape`
/// ([channels, spatial...] of one sample) and `classes`. Throws
/// ConfigError("model", ...) when the network does not match its genome
/// (check_model()). Thread safety: not while another thread changes the
/// network.
inline torch::jit::Module torchscript_module(const CnnModel& model, const SearchSpace& space) {
    const auto forward = torchscript_source(model, space);
    const auto state = state_of(*model.net);
    torch::jit::Module root("evonas.CnnNetwork");
    // One submodule per builder module, so the state_dict keys are the
    // builder's ("f3_conv.weight"): TorchScript names cannot hold dots.
    std::vector<std::pair<std::string, torch::jit::Module>> children;
    const auto child = [&](const std::string& module) -> torch::jit::Module& {
        for (auto& [name, m] : children) {
            if (name == module) return m;
        }
        children.emplace_back(module, torch::jit::Module("evonas." + module));
        return children.back().second;
    };
    for (const auto& p : model.net->named_parameters()) {
        const auto dot = p.key().rfind('.');
        auto tensor = state.at(p.key()).clone();
        tensor.set_requires_grad(true);
        child(p.key().substr(0, dot)).register_parameter(p.key().substr(dot + 1), tensor, /*is_buffer=*/false);
    }
    for (const auto& b : model.net->named_buffers()) {
        const auto dot = b.key().rfind('.');
        child(b.key().substr(0, dot)).register_buffer(b.key().substr(dot + 1), state.at(b.key()).clone());
    }
    // Modules made in C++ have no "training" attribute (is_training() then
    // answers true, and Python's m.eval()/m.training expect one): declare it,
    // false, as the forward is the evaluation-mode network.
    for (auto& [name, m] : children) {
        m.register_attribute("training", c10::BoolType::get(), false);
        root.register_module(name, m);
    }
    root.register_attribute("training", c10::BoolType::get(), false);
    root.register_attribute("genome", c10::StringType::get(), to_text(model.genome, space));
    root.register_attribute("space", c10::StringType::get(), space.name());
    std::vector<std::int64_t> input_shape{model.shape.channels};
    input_shape.insert(input_shape.end(), model.shape.spatial.begin(), model.shape.spatial.end());
    root.register_attribute("input_shape", c10::ListType::ofInts(), c10::List<std::int64_t>(input_shape));
    root.register_attribute("classes", c10::IntType::get(), model.shape.classes);
    root.define(forward);
    return root;
}

namespace detail {

/// What export_torchscript() writes: the saved module's bytes.
inline std::string torchscript_bytes(const CnnModel& model, const SearchSpace& space) {
    const auto module = torchscript_module(model, space);
    std::ostringstream bytes;
    module.save(bytes);
    return bytes.str();
}

}  // namespace detail

/// Writes `model` as a TorchScript file to `path`, atomically (see
/// torchscript_module()); Python reads it with `torch.jit.load(path)`, C++
/// with `torch::jit::load(path)`, neither needing evonas. Throws
/// ConfigError("model", ...) when the network does not match its genome and
/// IoError when the file cannot be written (nothing is left behind). Thread
/// safety: not while another thread changes the network; different paths
/// are independent.
inline void export_torchscript(const CnnModel& model, const SearchSpace& space, const std::filesystem::path& path) {
    write_file_atomically(path, detail::torchscript_bytes(model, space), "TorchScript model");
}

}  // namespace evonas::libtorch
