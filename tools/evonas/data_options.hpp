// evonas tool: the data options of `evolve` and `evaluate` (where the data
// is, how it is split, preprocessed, resampled and cut into patches) and
// their record in RUN_DIR/data.json.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/io/data_source.hpp>

namespace evonas::tool {

/// Where the data is and how it becomes network inputs.
struct DataOptions {
    std::string train_x, train_y, val_x, val_y, test_x, test_y;  ///< data arguments (io/data_source.hpp)
    double val_fraction = 0.2;    ///< held out for validation when no --val-x
    double test_fraction = 0.2;   ///< held out for testing when no --test-x
    std::uint64_t split_seed = 0; ///< seed of the splits and of the patches
    std::string transform = "none";    ///< none or log10
    std::string standardize = "none";  ///< none, per-sample or per-feature
    std::string clip;                  ///< "LOW,HIGH" or empty
    std::string q_grid;                ///< curves: "QMIN,QMAX,POINTS" or empty (the training curves' common range)
    std::int64_t q_points = 256;       ///< curves: points of the automatic grid
    std::int64_t patch = 0;            ///< segmentation: odd patch side (0: classification)
    int patch_dims = 2;                ///< segmentation: 2 (patches from one page) or 3
    std::int64_t train_patches = 4000; ///< segmentation: balanced training patches
    std::int64_t val_patches = 1000;   ///< segmentation: validation patches
    std::int64_t test_patches = 2000;  ///< segmentation: test patches
};

/// The data argument forms, for help texts.
inline std::string data_forms_help() {
    return "X.npy | FILE.h5:/group/dataset | STACK.tif | CURVE_DIR/ | CURVES.csv";
}

/// Adds the options that say where the training data is and how it is
/// split, preprocessed and cut (evolve).
inline void add_data_options(CLI::App& app, DataOptions& d) {
    const auto* g = "Data";
    app.add_option("--train-x", d.train_x,
                   "training inputs: " + data_forms_help() +
                       " (arrays [N, L] or [N, C, spatial...] with 1-3 spatial axes; a curve directory or CSV "
                       "carries its classes, so no --train-y; a stack [pages, H, W] with --patch)")
        ->required()->group(g);
    app.add_option("--train-y", d.train_y, "training labels [N], integers 0..classes-1 (npy or HDF5), or with --patch "
                                           "the mask stack (nonzero: foreground)")->group(g);
    app.add_option("--val-x", d.val_x, "validation inputs, as --train-x (default: split off the training data)")->group(g);
    app.add_option("--val-y", d.val_y, "validation labels or mask")->group(g);
    app.add_option("--test-x", d.test_x, "test inputs, used only for the final table (default: split off)")->group(g);
    app.add_option("--test-y", d.test_y, "test labels or mask")->group(g);
    app.add_option("--val-fraction", d.val_fraction,
                   "fraction held out for validation when no --val-x (stratified; with --patch: the last pages)")
        ->check(CLI::Range(0.01, 0.9))->capture_default_str()->group(g);
    app.add_option("--test-fraction", d.test_fraction, "fraction held out for testing when no --test-x")
        ->check(CLI::Range(0.01, 0.9))->capture_default_str()->group(g);
    app.add_option("--split-seed", d.split_seed, "seed of the splits and patches")->capture_default_str()->group(g);
    const auto* p = "Preprocessing (recorded in RUN_DIR/data.json, applied again by evaluate)";
    app.add_option("--clip", d.clip, "clip raw values to LOW,HIGH first")->group(p);
    app.add_option("--transform", d.transform, "then transform: log10 (values <= 0 become the sample's smallest "
                                               "positive value) or none")
        ->check(CLI::IsMember({"none", "log10"}))->capture_default_str()->group(p);
    app.add_option("--standardize", d.standardize,
                   "then standardise: per-sample (each sample to mean 0, sd 1), per-feature (each value position, "
                   "with the training data's numbers) or none")
        ->check(CLI::IsMember({"none", "per-sample", "per-feature"}))->capture_default_str()->group(p);
    const auto* c = "SANS text curves (a curve directory or CSV)";
    app.add_option("--q-grid", d.q_grid, "resample every curve onto QMIN,QMAX,POINTS (log-spaced, 1/A; default: "
                                         "the range all training curves cover, --q-points points)")->group(c);
    app.add_option("--q-points", d.q_points, "points of the automatic q grid")
        ->check(CLI::Range(8, 100000))->capture_default_str()->group(c);
    const auto* s = "Segmentation (image and mask stacks)";
    app.add_option("--patch", d.patch, "classify the centre voxel of odd-sided patches of this side from the stacks "
                                       "(0: whole-sample classification)")
        ->check(CLI::Range(0, 63))->capture_default_str()->group(s);
    app.add_option("--patch-dims", d.patch_dims, "2: square patches from one page; 3: cubes across pages")
        ->check(CLI::IsMember({2, 3}))->capture_default_str()->group(s);
    app.add_option("--train-patches", d.train_patches, "balanced training patches")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(s);
    app.add_option("--val-patches", d.val_patches, "balanced validation patches")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(s);
    app.add_option("--test-patches", d.test_patches, "balanced test patches")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(s);
}

/// Data arguments as absolute paths (the dataset part of an HDF5 argument
/// kept), so `evonas resume` works from any directory.
inline std::string absolute_data_argument(const std::string& spec) {
    if (spec.empty()) return spec;
    const auto at = spec.rfind(":/");
    if (at != std::string::npos && at > 0) {
        return std::filesystem::absolute(spec.substr(0, at)).lexically_normal().string() + spec.substr(at);
    }
    return std::filesystem::absolute(spec).lexically_normal().string();
}

}  // namespace evonas::tool
