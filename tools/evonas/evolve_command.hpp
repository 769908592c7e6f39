// evonas tool: `evonas evolve` (search for a network for your data) and
// `evonas resume RUN_DIR` (continue it with the arguments it was started
// with, which RUN_DIR/data.json keeps).
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "../../examples/common/evolve_cli.hpp"
#include "prepare_data.hpp"

namespace evonas::tool {

namespace ex = evonas::examples;

/// A plain network for any data: two conv+pool layers and a dense layer.
inline constexpr const char* default_seed_genome =
    "conv(k=3,f=16) pool(k=2,s=2) conv(k=3,f=32) pool(k=2,s=2) | dense(u=64) ; lr=0.01 mom=0.9 bs=32 opt=sgd";

/// The file beside the run's own files that says what data it was trained
/// on and how it was prepared (and, for resume, the evolve arguments).
inline std::filesystem::path data_json_path(const std::filesystem::path& run_dir) { return run_dir / "data.json"; }

/// The evolve arguments to keep for `resume`: without --overwrite,
/// --resume and --run-dir, and with data arguments made absolute.
inline std::vector<std::string> resumable_arguments(const std::vector<std::string>& args) {
    static const std::vector<std::string> data_options{"--train-x", "--train-y", "--val-x",
                                                       "--val-y",   "--test-x",  "--test-y"};
    std::vector<std::string> out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        const auto eq = a.find('=');
        const auto name = a.substr(0, eq);
        if (name == "--overwrite" || name == "--resume") continue;
        if (name == "--run-dir") {
            if (eq == std::string::npos) ++i;  // its value
            continue;
        }
        if (std::find(data_options.begin(), data_options.end(), name) != data_options.end()) {
            if (eq != std::string::npos) {
                out.push_back(name + "=" + absolute_data_argument(a.substr(eq + 1)));
            } else {
                out.push_back(a);
                if (i + 1 < args.size()) out.push_back(absolute_data_argument(args[++i]));
            }
            continue;
        }
        out.push_back(a);
    }
    return out;
}

/// Adds `evolve` to `app`; `arguments` are the words after "evolve" (kept
/// in data.json for resume).
inline CLI::App* add_evolve_command(CLI::App& app, ex::CommonOptions& o, DataOptions& d) {
    auto* cmd = app.add_subcommand("evolve", "search for the best network for your data, starting from a seed network; "
                                             "prints seed vs evolved on the test split and writes RUN_DIR");
    cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // resume's words win
    o.run_dir = "evonas_run";
    o.evaluations = 30;
    o.epochs = 3;
    o.seed_genome = default_seed_genome;
    ex::add_common_options(*cmd, o);
    // Export is its own command here.
    cmd->remove_option(cmd->get_option("--export"));
    cmd->remove_option(cmd->get_option("--model"));
    add_data_options(*cmd, d);
    return cmd;
}

/// Prints what the data became.
inline void print_data_summary(const PreparedData& p) {
    const auto& j = p.description;
    fmt::print("data: {} task, {} training, {} validation, {} test samples of shape [{}], {} classes ({})\n",
               j.at("task").get<std::string>(), p.train.size(), p.validation.size(), p.test.size(),
               fmt::join(j.at("input_shape").get<std::vector<std::int64_t>>(), ", "), p.train.classes,
               fmt::join(p.class_names, ", "));
    fmt::print("preprocessing: {}\n", preprocessing_summary(j.at("preprocessing")));
    if (j.contains("q_grid")) {
        const auto& g = j.at("q_grid");
        fmt::print("q grid: {} points log-spaced from {:.5g} to {:.5g} 1/A\n", g.at("points").get<std::size_t>(),
                   g.at("q_min").get<double>(), g.at("q_max").get<double>());
    }
    if (j.contains("patch")) {
        fmt::print("patches: {}-D, side {}, from {} / {} / {} pages (train / validation / test)\n",
                   j.at("patch").at("dims").get<int>(), j.at("patch").at("side").get<std::int64_t>(),
                   j.at("pages").at("train").get<std::int64_t>(), j.at("pages").at("validation").get<std::int64_t>(),
                   j.at("pages").at("test").get<std::int64_t>());
    }
    for (const auto& n : p.notes) fmt::print("note: {}\n", n);
}

/// `evonas evolve`: prepares the data, records it in RUN_DIR/data.json
/// (before the search, so a crash leaves a resumable run), evolves and
/// prints the comparison.
inline int run_evolve(ex::CommonOptions o, const DataOptions& d, const std::vector<std::string>& arguments) {
    namespace fs = std::filesystem;
    const fs::path run_dir = o.run_dir;
    if (!o.resume) {
        if (o.overwrite && fs::exists(run_dir)) fs::remove_all(run_dir);
        if (fs::exists(run_dir / "run.json") || fs::exists(data_json_path(run_dir))) {
            throw ConfigError("run_dir", fmt::format("{} already holds a run; resume it, or choose an empty directory "
                                                     "(nothing was changed)",
                                                     run_dir.string()));
        }
    }
    const auto data = prepare_training_data(d);
    if (!o.quiet) print_data_summary(data);
    auto record = data.description;
    record["command"] = resumable_arguments(arguments);
    if (o.resume && fs::exists(data_json_path(run_dir))) {
        auto stored = parse_json_text(read_text_file(data_json_path(run_dir), "data description"),
                                      data_json_path(run_dir).string());
        stored.erase("command");
        if (stored != data.description) {
            const auto patch = nlohmann::json::diff(stored, data.description);
            throw ConfigError("--resume", fmt::format("the data differs from the run's ({}: '{}' changed); refusing to "
                                                      "resume (nothing was changed)",
                                                      data_json_path(run_dir).string(),
                                                      patch.empty() ? "" : patch.front().value("path", "")));
        }
    } else {
        fs::create_directories(run_dir);
        write_file_atomically(data_json_path(run_dir), record.dump(2) + "\n", "data description");
    }
    o.overwrite = false;  // handled above; data.json stays
    const auto space = cnn_space(static_cast<int>(data.train.inputs.dim()) - 2);
    const auto c = ex::evolve_and_compare(space, {data.train, data.validation, data.test}, o);
    ex::print_comparison(c, space, o);
    return 0;
}

}  // namespace evonas::tool
