// evonas::libtorch: save a trained network with its genome, load it back
// with every tensor's shape checked, and predict.
//
// A model file is what torch::pickle_save writes (Python reads it with
// torch.load) of a dict:
//     format   "evonas.cnn_model"      version  1
//     space    the search space's name, e.g. "cnn2d"
//     genome   the genome in canonical text notation
//     channels, spatial, classes       the input shape and number of classes
//     state    {name: tensor} of every parameter and buffer (CPU)
// save_model() also writes the genome text beside it (<file>.genome), for
// people and for parse_genome.
//
// torch::load does not check that a saved tensor has the shape of the
// parameter it goes into; load_state() does, and names the first mismatch.
//
// Optional part: include it only when linking evonas::libtorch.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <evonas/error.hpp>
#include <evonas/genome/cnn_shape.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/genome/text.hpp>
#include <evonas/io/files.hpp>
#include <evonas/libtorch/builder.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas::libtorch {

/// A network with what it takes to rebuild it. Thread safety: the module is
/// used by one thread at a time.
struct CnnModel {
    Genome<LayerGene> genome;   ///< the architecture (and hyper-parameter genes)
    CnnDataShape shape;         ///< input shape and number of classes it was built for
    torch::nn::Sequential net;  ///< the trained network
};

/// Every parameter and buffer of `module` by name, as CPU tensors (copies
/// when the module is on another device).
inline c10::Dict<std::string, torch::Tensor> state_of(const torch::nn::Module& module) {
    c10::Dict<std::string, torch::Tensor> state;
    for (const auto& p : module.named_parameters()) state.insert(p.key(), p.value().detach().to(torch::kCPU));
    for (const auto& b : module.named_buffers()) state.insert(b.key(), b.value().detach().to(torch::kCPU));
    return state;
}

namespace detail {

inline std::string shape_text(const torch::Tensor& t) { return fmt::format("[{}]", fmt::join(t.sizes(), ", ")); }

}  // namespace detail

/// Copies `state` into `module`'s parameters and buffers, after checking
/// that the names match exactly and every tensor has the shape and type of
/// the one it replaces. Throws ParseError(source, 1, 1, reason) naming the
/// first missing, extra or mismatched tensor; on error nothing is copied.
/// Not while another thread uses the module.
inline void load_state(torch::nn::Module& module, const c10::Dict<std::string, torch::Tensor>& state,
                       const std::string& source) {
    std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;  // target, source
    std::size_t expected = 0;
    const auto match = [&](const std::string& name, const torch::Tensor& target, std::string_view what) {
        ++expected;
        const auto it = state.find(name);
        if (it == state.end()) {
            throw ParseError(source, 1, 1, fmt::format("the {} '{}' is missing", what, name));
        }
        const auto& saved = it->value();
        if (saved.sizes() != target.sizes()) {
            throw ParseError(source, 1, 1,
                             fmt::format("the {} '{}' has shape {} in the file but {} in the network", what, name,
                                         detail::shape_text(saved), detail::shape_text(target)));
        }
        if (saved.scalar_type() != target.scalar_type()) {
            throw ParseError(source, 1, 1,
                             fmt::format("the {} '{}' has type {} in the file but {} in the network", what, name,
                                         c10::toString(saved.scalar_type()), c10::toString(target.scalar_type())));
        }
        copies.emplace_back(target, saved);
    };
    for (const auto& p : module.named_parameters()) match(p.key(), p.value(), "parameter");
    for (const auto& b : module.named_buffers()) match(b.key(), b.value(), "buffer");
    if (state.size() != expected) {
        for (const auto& entry : state) {
            if (!module.named_parameters().contains(entry.key()) && !module.named_buffers().contains(entry.key())) {
                throw ParseError(source, 1, 1,
                                 fmt::format("the file has a tensor '{}' the network does not have", entry.key()));
            }
        }
    }
    torch::NoGradGuard no_grad;
    for (auto& [target, saved] : copies) target.copy_(saved);
}

/// Checks that `model.net` has exactly the parameters and buffers, by
/// name, shape and type, of the network `model.genome` describes for
/// `model.shape` in `space`: what the exporters rely on when they rebuild
/// the network from the genome. Throws ConfigError("model", reason) naming
/// the first missing, extra or mismatched tensor, e.g. "the parameter
/// 'f0_conv.weight' has shape [8, 1, 3] in the network but [16, 1, 3] by
/// its genome", or why the genome cannot be built for the shape. Thread
/// safety: not while another thread changes the network.
inline void check_model(const CnnModel& model, const SearchSpace& space) {
    if (!model.net) throw ConfigError("model", "has no network");
    torch::nn::Sequential reference;
    try {
        reference = build_cnn(model.genome, space, model.shape).net;
    } catch (const ConfigError& e) {
        throw ConfigError("model", fmt::format("its genome cannot be built for input {}: {}", model.shape.to_string(),
                                               e.what()));
    }
    const auto params = model.net->named_parameters();
    const auto buffers = model.net->named_buffers();
    std::size_t expected = 0;
    const auto match = [&](const std::string& name, const torch::Tensor& want, std::string_view what) {
        ++expected;
        const auto* have = params.find(name);
        if (!have) have = buffers.find(name);
        if (!have) throw ConfigError("model", fmt::format("the network has no {} '{}' but its genome needs one", what, name));
        if (have->sizes() != want.sizes()) {
            throw ConfigError("model", fmt::format("the {} '{}' has shape {} in the network but {} by its genome", what,
                                                   name, detail::shape_text(*have), detail::shape_text(want)));
        }
        if (have->scalar_type() != want.scalar_type()) {
            throw ConfigError("model", fmt::format("the {} '{}' has type {} in the network but {} by its genome", what,
                                                   name, c10::toString(have->scalar_type()),
                                                   c10::toString(want.scalar_type())));
        }
    };
    for (const auto& p : reference->named_parameters()) match(p.key(), p.value(), "parameter");
    for (const auto& b : reference->named_buffers()) match(b.key(), b.value(), "buffer");
    if (params.size() + buffers.size() != expected) {
        const auto ref_params = reference->named_parameters();
        const auto ref_buffers = reference->named_buffers();
        for (const auto* names : {&params, &buffers}) {
            for (const auto& entry : *names) {
                if (!ref_params.contains(entry.key()) && !ref_buffers.contains(entry.key())) {
                    throw ConfigError("model", fmt::format("the network has a tensor '{}' its genome does not describe",
                                                           entry.key()));
                }
            }
        }
    }
}

/// Writes `model` to `path` atomically (format at the top of this header)
/// and its genome text to `path` + ".genome". Throws IoError when a file
/// cannot be written. Thread safety: not while another thread trains the
/// network; save different models to different paths.
inline void save_model(const std::filesystem::path& path, const CnnModel& model, const SearchSpace& space) {
    c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
    dict.insert(std::string("format"), std::string("evonas.cnn_model"));
    dict.insert(std::string("version"), static_cast<std::int64_t>(1));
    dict.insert(std::string("space"), space.name());
    dict.insert(std::string("genome"), to_text(model.genome, space));
    dict.insert(std::string("channels"), model.shape.channels);
    dict.insert(std::string("spatial"), c10::List<std::int64_t>(model.shape.spatial));
    dict.insert(std::string("classes"), model.shape.classes);
    dict.insert(std::string("state"), state_of(*model.net));
    const auto bytes = torch::pickle_save(dict);
    write_file_atomically(path, std::string_view(bytes.data(), bytes.size()), "model");
    auto genome_path = path;
    genome_path += ".genome";
    write_file_atomically(genome_path, to_text(model.genome, space) + "\n", "genome");
}

/// Reads a model file written by save_model, rebuilds its network for
/// `space` and loads the weights with every shape checked, onto `device`.
/// Throws IoError when the file cannot be read, ParseError when it is not a
/// model file, was saved for another space, or its tensors do not match the
/// network its genome describes. Thread safety: safe to call from several
/// threads at once.
inline CnnModel load_model(const std::filesystem::path& path, const SearchSpace& space,
                           torch::Device device = torch::kCPU) {
    const std::string source = path.string();
    const std::string bytes = read_text_file(path, "model file");
    torch::IValue value;
    try {
        value = torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
    } catch (const c10::Error& e) {
        throw ParseError(source, 1, 1, fmt::format("not a model file: {}", std::string(e.what_without_backtrace())));
    } catch (const std::exception& e) {
        throw ParseError(source, 1, 1, fmt::format("not a model file: {}", e.what()));
    }
    if (!value.isGenericDict()) throw ParseError(source, 1, 1, "not a model file (expected a dict)");
    const auto dict = value.toGenericDict();
    const auto get = [&](const std::string& key) {
        const auto it = dict.find(key);
        if (it == dict.end()) throw ParseError(source, 1, 1, fmt::format("not a model file: no '{}'", key));
        return it->value();
    };
    const auto format = get("format");
    if (!format.isString() || format.toStringRef() != "evonas.cnn_model") {
        throw ParseError(source, 1, 1, "not an evonas model file (format is not 'evonas.cnn_model')");
    }
    const auto version = get("version");
    if (!version.isInt() || version.toInt() != 1) {
        throw ParseError(source, 1, 1, "unsupported model file version (this evonas reads version 1)");
    }
    const auto space_name = get("space");
    if (!space_name.isString() || space_name.toStringRef() != space.name()) {
        throw ParseError(source, 1, 1,
                         fmt::format("the model was saved for space '{}', not '{}'",
                                     space_name.isString() ? space_name.toStringRef() : std::string("?"), space.name()));
    }
    const auto genome_text = get("genome");
    const auto channels = get("channels");
    const auto spatial = get("spatial");
    const auto classes = get("classes");
    const auto state = get("state");
    if (!genome_text.isString() || !channels.isInt() || !spatial.isIntList() || !classes.isInt() ||
        !state.isGenericDict()) {
        throw ParseError(source, 1, 1, "not a model file: a field has the wrong type");
    }
    CnnModel model;
    model.genome = parse_genome(genome_text.toStringRef(), space, source + " (genome)");
    model.shape.channels = channels.toInt();
    const auto extents = spatial.toIntVector();
    model.shape.spatial.assign(extents.begin(), extents.end());
    model.shape.classes = classes.toInt();
    try {
        model.shape.validate();
    } catch (const ConfigError& e) {
        throw ParseError(source, 1, 1, fmt::format("the input shape is unusable: {}", e.what()));
    }
    c10::Dict<std::string, torch::Tensor> tensors;
    for (const auto& entry : state.toGenericDict()) {
        if (!entry.key().isString() || !entry.value().isTensor()) {
            throw ParseError(source, 1, 1, "not a model file: 'state' is not a dict of tensors");
        }
        tensors.insert(entry.key().toStringRef(), entry.value().toTensor());
    }
    try {
        model.net = build_cnn(model.genome, space, model.shape).net;
    } catch (const ConfigError& e) {
        throw ParseError(source, 1, 1, fmt::format("the saved genome cannot be built: {}", e.what()));
    }
    load_state(*model.net, tensors, source);
    model.net->to(device);
    model.net->eval();
    return model;
}

/// Class indices the network predicts for `inputs` ([samples, channels,
/// spatial...]), in evaluation mode, `batch` samples at a time, on the
/// network's device; the module's training mode is restored afterwards.
/// Not while another thread uses the network.
inline torch::Tensor predict(torch::nn::Sequential net, const torch::Tensor& inputs, std::int64_t batch = 256) {
    const bool was_training = net->is_training();
    net->eval();
    torch::NoGradGuard no_grad;
    const auto params = net->parameters();
    const auto device = params.empty() ? torch::Device(torch::kCPU) : params.front().device();
    std::vector<torch::Tensor> parts;
    for (std::int64_t start = 0; start < inputs.size(0); start += batch) {
        const auto x = inputs.narrow(0, start, std::min(batch, inputs.size(0) - start)).to(device, torch::kFloat32);
        parts.push_back(net->forward(x).argmax(1).to(torch::kCPU));
    }
    net->train(was_training);
    return parts.empty() ? torch::empty({0}, torch::kInt64) : torch::cat(parts);
}

}  // namespace evonas::libtorch
