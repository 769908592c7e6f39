// evonas::libtorch: hand a trained network to Python users in one call.
//
// export_model() writes three files into a directory:
//     <stem>.ts.pt        TorchScript (export_torchscript.hpp): torch.jit.load
//     <stem>.py           plain PyTorch source (export_python.hpp): import it
//     <stem>_weights.pt   {name: tensor}, what <stem>.py's load() reads
// export_model_file() does the same for a saved model file (model_io.hpp).
// scripts/export_onnx.py turns the TorchScript file into ONNX.
//
// Optional part: include it only when linking evonas::libtorch.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/io/files.hpp>
#include <evonas/libtorch/export_python.hpp>
#include <evonas/libtorch/export_torchscript.hpp>
#include <evonas/libtorch/model_io.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas::libtorch {

/// The files export_model() wrote.
struct ExportedModel {
    std::filesystem::path torchscript;  ///< `dir/stem.ts.pt`
    std::filesystem::path python;       ///< `dir/stem.py`
    std::filesystem::path weights;      ///< `dir/stem_weights.pt`
};

/// Writes `model` to `dir` (created if needed) as `<stem>.ts.pt`,
/// `<stem>.py` and `<stem>_weights.pt` (see the top of this header). All
/// files are made in memory first, so a bad model writes nothing, and each
/// is written atomically; when one cannot be written, those this call
/// already wrote are removed (never a mix of old and new files). Throws ConfigError("stem", ...) when `stem` is not a
/// Python identifier, ConfigError("model", ...) when the network does not
/// match its genome (check_model()) and IoError when the directory or a
/// file cannot be written. Thread safety: not while another thread changes
/// the network; different directories or stems are independent.
inline ExportedModel export_model(const CnnModel& model, const SearchSpace& space, const std::filesystem::path& dir,
                                  const std::string& stem = "model") {
    if (!detail::is_python_identifier(stem)) {
        throw ConfigError("stem", fmt::format("'{}' is not a Python identifier (letters, digits and '_', not starting "
                                              "with a digit, not a keyword), so <stem>.py could not be imported",
                                              stem));
    }
    ExportedModel files{dir / (stem + ".ts.pt"), dir / (stem + ".py"), dir / (stem + "_weights.pt")};
    const std::vector<std::pair<std::filesystem::path, std::string>> contents{
        {files.torchscript, detail::torchscript_bytes(model, space)},
        {files.python, python_module_source(model, space, stem)},
        {files.weights, detail::weights_bytes(model)},
    };
    std::error_code ec;
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) throw IoError(dir, "cannot create the export directory", ec);
    std::vector<std::filesystem::path> written;
    try {
        for (const auto& [path, bytes] : contents) {
            write_file_atomically(path, bytes, "export");
            written.push_back(path);
        }
    } catch (...) {
        for (const auto& path : written) std::filesystem::remove(path, ec);
        throw;
    }
    return files;
}

/// export_model() for a model file written by save_model(): loads it for
/// `space` with every tensor checked against its genome (load_model()), then
/// exports it. Throws what load_model() throws (IoError, or ParseError naming
/// the file and the first mismatched tensor) and what export_model() throws.
/// Thread safety: as export_model().
inline ExportedModel export_model_file(const std::filesystem::path& model_file, const SearchSpace& space,
                                       const std::filesystem::path& dir, const std::string& stem = "model") {
    return export_model(load_model(model_file, space), space, dir, stem);
}

}  // namespace evonas::libtorch
