// evonas tool: the commands on a saved model: `evaluate` (score it on other
// data, prepared as its training data was) and `export` (files for Python).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "../../examples/common/evolve_cli.hpp"
#include "evolve_command.hpp"
#include "prepare_data.hpp"

namespace evonas::tool {

/// A model argument: a model file, or a run directory (its best_model.pt).
inline std::filesystem::path model_file_of(const std::string& argument) {
    const std::filesystem::path p = argument;
    if (std::filesystem::is_directory(p)) return p / "best_model.pt";
    return p;
}

/// The data.json that describes a model's training data: RUN_DIR's when
/// given, else the one beside the model file or one folder up (models/).
inline std::optional<std::filesystem::path> find_data_json(const std::filesystem::path& model, const std::string& run_dir) {
    namespace fs = std::filesystem;
    if (!run_dir.empty()) {
        const auto p = data_json_path(run_dir);
        if (!fs::exists(p)) throw IoError(p, "no data description here (written by `evonas evolve`)");
        return p;
    }
    const auto dir = fs::absolute(model).parent_path();
    for (const auto& candidate : {data_json_path(dir), data_json_path(dir.parent_path())}) {
        if (fs::exists(candidate)) return candidate;
    }
    return std::nullopt;
}

/// Options of `evaluate`.
struct EvaluateOptions {
    std::string model;         ///< model file or run directory
    std::string x, y;          ///< data arguments
    std::string run_dir;       ///< where data.json is (default: beside the model)
    std::int64_t patches = 2000;  ///< segmentation: balanced patches to score
    std::uint64_t seed = 0;    ///< segmentation: seed of the patches
};

/// Adds `evaluate` to `app`.
inline CLI::App* add_evaluate_command(CLI::App& app, EvaluateOptions& e) {
    auto* cmd = app.add_subcommand("evaluate", "score a saved model on other data, prepared as its training data was "
                                               "(RUN_DIR/data.json): accuracy, balanced accuracy, recall per class, "
                                               "confusion matrix");
    cmd->add_option("model", e.model, "a model file (RUN_DIR/best_model.pt, RUN_DIR/models/job_N.pt) or a run directory")
        ->required();
    cmd->add_option("--x", e.x, "inputs: " + data_forms_help())->required();
    cmd->add_option("--y", e.y, "labels [N] (or the mask stack for a segmentation model); not for curves");
    cmd->add_option("--run-dir", e.run_dir, "the run whose data.json says how to prepare the data (default: the "
                                            "model's)");
    cmd->add_option("--patches", e.patches, "segmentation: balanced patches to score")
        ->check(CLI::PositiveNumber)->capture_default_str();
    cmd->add_option("--seed", e.seed, "segmentation: seed of the patches")->capture_default_str();
    return cmd;
}

/// `evonas evaluate`.
inline int run_evaluate(const EvaluateOptions& e) {
    const auto model = model_file_of(e.model);
    const auto space = ex::detail::model_file_space(model);
    std::optional<nlohmann::json> description;
    if (const auto p = find_data_json(model, e.run_dir)) {
        description = parse_json_text(read_text_file(*p, "data description"), p->string());
        fmt::print("data prepared as {} says: {} task, {}\n", p->string(), description->at("task").get<std::string>(),
                   preprocessing_summary(description->at("preprocessing")));
    } else {
        fmt::print("no data.json beside {}: the inputs are used as they are\n", model.string());
    }
    std::vector<std::string> class_names, notes;
    const auto data = prepare_evaluation_data(e.x, e.y, description ? &*description : nullptr, e.patches, e.seed,
                                              class_names, notes);
    for (const auto& n : notes) fmt::print("note: {}\n", n);
    ex::print_model_evaluation(model, space, data, class_names);
    return 0;
}

/// Options of `export`.
struct ExportOptions {
    std::string model;  ///< model file or run directory
    std::string out;    ///< output directory
};

/// Adds `export` to `app`.
inline CLI::App* add_export_command(CLI::App& app, ExportOptions& x) {
    auto* cmd = app.add_subcommand("export", "write a saved model for Python users: TorchScript, PyTorch source and "
                                             "weights, and the data description its inputs need");
    cmd->add_option("model", x.model, "a model file or a run directory (its best_model.pt)")->required();
    cmd->add_option("--out", x.out, "the directory to write (created)")->required();
    return cmd;
}

/// `evonas export`.
inline int run_export(const ExportOptions& x) {
    const auto model = model_file_of(x.model);
    const auto files = libtorch::export_model_file(model, ex::detail::model_file_space(model), x.out);
    std::vector<std::string> more;
    if (const auto p = find_data_json(model, "")) {
        const auto target = std::filesystem::path(x.out) / "data.json";
        std::filesystem::copy_file(*p, target, std::filesystem::copy_options::overwrite_existing);
        const auto d = parse_json_text(read_text_file(*p, "data description"), p->string());
        more.push_back(fmt::format("{}  how inputs were prepared (apply the same before the model): shape [{}], {}",
                                   target.string(),
                                   fmt::join(d.at("input_shape").get<std::vector<std::int64_t>>(), ", "),
                                   preprocessing_summary(d.at("preprocessing"))));
    }
    ex::print_export(model, files, more);
    return 0;
}

}  // namespace evonas::tool
