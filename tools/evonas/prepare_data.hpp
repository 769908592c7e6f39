// evonas tool: data arguments to train / validation / test tensors.
//
// Three tasks, told apart by the arguments:
//   arrays      --train-x (npy, HDF5, TIFF) with --train-y labels [N]
//   curves      --train-x a curve directory or CSV: resampled on a q grid
//   patches     --patch P: image and mask stacks cut into balanced patches
// Splits come first (stratified, or whole pages for stacks so no patch
// straddles two splits), then preprocessing is fitted on the training split
// alone and applied to the others. What was done is returned as the JSON
// that goes to RUN_DIR/data.json, from which `evaluate` prepares other data
// the same way.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <tuple>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <evonas/evonas.hpp>
#include <evonas/io/curve_directory.hpp>
#include <evonas/io/data_source.hpp>
#include <evonas/io/preprocess.hpp>
#include <evonas/io/q_grid.hpp>
#include <evonas/libtorch/libtorch.hpp>

#include "data_options.hpp"
#include "patches.hpp"
#include "read_array.hpp"

namespace evonas::tool {

namespace lt = evonas::libtorch;

/// Prepared splits and their description.
struct PreparedData {
    lt::Dataset train, validation, test;     ///< float32 inputs, int64 labels
    std::vector<std::string> class_names;    ///< index = label
    nlohmann::json description;              ///< data.json (without "command")
    std::vector<std::string> notes;          ///< lines for the data summary (out-of-range points, clipping, ...)
};

/// The network inputs of an array [N, L] (one channel added) or
/// [N, C, spatial...] with 1-3 spatial axes, as float32.
inline torch::Tensor inputs_from_array(const NpyArray& a, const std::string& spec) {
    if (a.shape.size() < 2 || a.shape.size() > 5) {
        throw ConfigError(spec, fmt::format("has shape [{}] ({}): inputs need [N, L] or [N, C, spatial...] with 1 to 3 "
                                            "spatial axes",
                                            fmt::join(a.shape, ", "), to_string(a.type)));
    }
    if (a.type == NpyType::boolean) throw ConfigError(spec, "holds booleans; inputs must be numbers");
    auto t = lt::tensor_from_npy(a).to(torch::kFloat32);
    if (t.dim() == 2) t = t.unsqueeze(1);
    return t.contiguous();
}

/// Labels [N] (or [N, 1]) of an integer array.
inline torch::Tensor labels_from_array(const NpyArray& a, const std::string& spec) {
    auto shape = a.shape;
    if (shape.size() == 2 && shape[1] == 1) shape.pop_back();
    if (shape.size() != 1) {
        throw ConfigError(spec, fmt::format("has shape [{}] ({}): labels need [N]", fmt::join(a.shape, ", "),
                                            to_string(a.type)));
    }
    if (is_floating(a.type) || a.type == NpyType::boolean) {
        throw ConfigError(spec, fmt::format("holds {}: labels must be integers 0..classes-1", to_string(a.type)));
    }
    return lt::tensor_from_npy(a).reshape({shape[0]}).to(torch::kInt64);
}

/// A stack [pages, H, W] (or one page [H, W]) with its mask from two arrays
/// of the same shape.
inline Stack stack_from_arrays(const NpyArray& image, const NpyArray& mask, const std::string& image_spec,
                               const std::string& mask_spec) {
    auto shape = image.shape;
    if (shape.size() == 2) shape.insert(shape.begin(), 1);
    if (shape.size() != 3) {
        throw ConfigError(image_spec, fmt::format("has shape [{}]: --patch needs a stack [pages, height, width]",
                                                  fmt::join(image.shape, ", ")));
    }
    if (mask.shape != image.shape) {
        throw ConfigError(mask_spec, fmt::format("has shape [{}], the image stack {} [{}]: they must match",
                                                 fmt::join(mask.shape, ", "), image_spec, fmt::join(image.shape, ", ")));
    }
    Stack s;
    s.dims = {shape[0], shape[1], shape[2]};
    s.image = image.values<float>();
    const auto m = mask.values<double>();
    s.mask.resize(m.size());
    for (std::size_t i = 0; i < m.size(); ++i) s.mask[i] = m[i] != 0.0 ? 1 : 0;
    return s;
}

/// A data set from inputs and labels, `field` naming it in errors.
inline lt::Dataset make_split(torch::Tensor x, torch::Tensor y, std::int64_t classes, const std::string& field) {
    return lt::make_dataset(std::move(x), std::move(y), classes, field);
}

/// Fits `p` on the training inputs and applies it to the others, in place.
/// Returns notes for the summary.
inline std::vector<std::string> preprocess_splits(Preprocessing& p, lt::Dataset& train,
                                                  std::vector<lt::Dataset*> others) {
    std::vector<std::string> notes;
    if (p.identity()) return notes;
    const auto on = [](lt::Dataset& d) {
        d.inputs = d.inputs.to(torch::kFloat32).contiguous().clone();
        return std::span<float>(d.inputs.data_ptr<float>(), static_cast<std::size_t>(d.inputs.numel()));
    };
    PreprocessReport total = p.fit(on(train), train.size());
    for (auto* d : others) {
        const auto r = p.apply(on(*d), d->size());
        total.clipped += r.clipped;
        total.nonpositive += r.nonpositive;
        total.flat_samples += r.flat_samples;
    }
    if (total.clipped) notes.push_back(fmt::format("clip: {} values clipped", total.clipped));
    if (total.nonpositive) notes.push_back(fmt::format("log10: {} values <= 0 replaced by their sample's smallest positive value", total.nonpositive));
    if (total.flat_samples) notes.push_back(fmt::format("per-sample: {} flat samples became zeros", total.flat_samples));
    if (total.flat_features) notes.push_back(fmt::format("per-feature: {} positions without spread (centred only)", total.flat_features));
    return notes;
}

/// The preprocessing the options ask for (not fitted).
inline Preprocessing preprocessing_of(const DataOptions& d) {
    Preprocessing p;
    p.transform = parse_input_transform(d.transform, "--transform");
    p.standardize = parse_standardization(d.standardize, "--standardize");
    if (!d.clip.empty()) p.clip = parse_clip_range(d.clip, "--clip");
    return p;
}

/// Parses "QMIN,QMAX,POINTS" into a log-spaced grid.
inline std::vector<double> parse_q_grid(const std::string& text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto comma = text.find(',', start);
        parts.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    const auto bad = [&] { return ConfigError("--q-grid", fmt::format("'{}' is not QMIN,QMAX,POINTS (e.g. 0.001,0.5,256)", text)); };
    if (parts.size() != 3) throw bad();
    try {
        std::size_t used = 0;
        const double lo = std::stod(parts[0], &used);
        if (used != parts[0].size()) throw bad();
        const double hi = std::stod(parts[1], &used);
        if (used != parts[1].size()) throw bad();
        const long long n = std::stoll(parts[2], &used);
        if (used != parts[2].size() || n < 2) throw bad();
        return log_q_grid(lo, hi, static_cast<std::size_t>(n));
    } catch (const std::logic_error&) {
        throw bad();
    }
}

/// The common q range of a curve set (largest first q to smallest last q).
inline std::vector<double> automatic_q_grid(const CurveSet& set, std::int64_t points, const std::string& spec) {
    double lo = 0.0, hi = std::numeric_limits<double>::infinity();
    for (const auto& c : set.curves) {
        lo = std::max(lo, c.q.front());
        hi = std::min(hi, c.q.back());
    }
    if (!(hi > lo * 1.5)) {
        throw ConfigError("--q-grid", fmt::format("the curves of {} share no q range (largest first q {:.4g}, smallest "
                                                  "last q {:.4g}); give --q-grid QMIN,QMAX,POINTS",
                                                  spec, lo, hi));
    }
    return log_q_grid(lo, hi, static_cast<std::size_t>(points));
}

/// The curves `source` names.
inline CurveSet read_curves(const DataSource& source) {
    return source.kind == DataSourceKind::curve_directory ? read_curve_classes(source.file)
                                                          : read_curve_manifest(source.file);
}

/// Curves resampled on `grid` as inputs [N, 1, points] and labels, the
/// labels mapped to `class_names` by name (empty: the set's own names).
inline lt::Dataset curves_to_split(const CurveSet& set, std::span<const double> grid,
                                   const std::vector<std::string>& class_names, const std::string& spec,
                                   std::vector<std::string>& notes) {
    const auto r = resample_curves(set, grid);
    const auto made_up = describe(r.report);
    for (std::size_t start = 0; start < made_up.size();) {
        const auto end = made_up.find('\n', start);
        notes.push_back(fmt::format("{}: {}", spec, made_up.substr(start, end - start)));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    auto x = lt::tensor_from_npy(r.intensities).to(torch::kFloat32).unsqueeze(1).contiguous();
    auto y = lt::tensor_from_npy(r.labels).to(torch::kInt64);
    if (!class_names.empty() && class_names != set.class_names) {
        // Same classes by name, possibly a subset: relabel.
        std::vector<std::int64_t> map(set.class_names.size());
        for (std::size_t c = 0; c < set.class_names.size(); ++c) {
            const auto it = std::find(class_names.begin(), class_names.end(), set.class_names[c]);
            if (it == class_names.end()) {
                throw ConfigError(spec, fmt::format("has class '{}', which the training data lacks (classes: {})",
                                                    set.class_names[c], fmt::join(class_names, ", ")));
            }
            map[c] = it - class_names.begin();
        }
        auto* p = y.data_ptr<std::int64_t>();
        for (std::int64_t i = 0; i < y.numel(); ++i) p[i] = map[static_cast<std::size_t>(p[i])];
    }
    return make_split(x, y, class_names.empty() ? static_cast<std::int64_t>(set.class_names.size())
                                                : static_cast<std::int64_t>(class_names.size()),
                      spec);
}

/// Patches of a stack as a data set.
inline lt::Dataset patches_to_split(const Stack& stack, const DataOptions& d, std::int64_t count, std::uint64_t stream,
                                    const std::string& field) {
    const auto p = extract_balanced_patches(stack, d.patch_dims, d.patch, count, derive_seed(d.split_seed, stream), field);
    auto x = torch::from_blob(const_cast<float*>(p.values.data()), p.shape, torch::kFloat32).clone();
    return make_split(x, torch::tensor(p.labels, torch::kInt64), 2, field);
}

/// The stack of an image argument and a mask argument.
inline Stack read_stack(const std::string& image, const std::string& mask, const char* image_field,
                        const char* mask_field) {
    if (mask.empty()) throw ConfigError(mask_field, fmt::format("--patch needs the mask stack of {} too", image_field));
    const auto xs = parse_data_source(image, image_field), ys = parse_data_source(mask, mask_field);
    return stack_from_arrays(read_array(xs, image_field), read_array(ys, mask_field), image, mask);
}

/// "clip none, transform log10, standardize per-sample" of data.json's
/// "preprocessing" (without the fitted numbers, which are long).
inline std::string preprocessing_summary(const nlohmann::json& pre) {
    return fmt::format("clip {}, transform {}, standardize {}", pre.at("clip").is_null() ? "none" : pre.at("clip").dump(),
                       pre.at("transform").get<std::string>(), pre.at("standardize").get<std::string>());
}

/// Reads, splits and preprocesses the training data the options name.
inline PreparedData prepare_training_data(const DataOptions& d) {
    PreparedData out;
    if (d.val_x.empty() && !d.val_y.empty()) throw ConfigError("--val-y", "needs --val-x");
    if (d.patch > 0 && d.patch % 2 == 0) {  // before any file is read
        throw ConfigError("--patch", fmt::format("the patch side must be odd, got {}", d.patch));
    }
    if (d.test_x.empty() && !d.test_y.empty()) throw ConfigError("--test-y", "needs --test-x");
    const auto train_source = parse_data_source(d.train_x, "--train-x");
    auto p = preprocessing_of(d);
    nlohmann::json desc;
    desc["format"] = 1;
    desc["sources"] = {{"train_x", absolute_data_argument(d.train_x)}, {"train_y", absolute_data_argument(d.train_y)},
                       {"val_x", absolute_data_argument(d.val_x)},     {"val_y", absolute_data_argument(d.val_y)},
                       {"test_x", absolute_data_argument(d.test_x)},   {"test_y", absolute_data_argument(d.test_y)}};
    const auto uniform_classes = [](std::int64_t k) {
        std::vector<std::string> names;
        for (std::int64_t c = 0; c < k; ++c) names.push_back(std::to_string(c));
        return names;
    };

    if (d.patch > 0) {
        desc["task"] = "segmentation";
        const auto whole = read_stack(d.train_x, d.train_y, "--train-x", "--train-y");
        Stack train = whole, val, test;
        const auto pages = whole.dims[0];
        std::int64_t n_test = 0, n_val = 0;
        if (d.test_x.empty()) n_test = std::max<std::int64_t>(1, std::llround(d.test_fraction * double(pages)));
        if (d.val_x.empty()) n_val = std::max<std::int64_t>(1, std::llround(d.val_fraction * double(pages)));
        if (pages - n_test - n_val < 1) {
            throw ConfigError("--train-x", fmt::format("{} has {} pages, too few to split off validation and test "
                                                       "pages; give --val-x/--val-y and --test-x/--test-y stacks",
                                                       d.train_x, pages));
        }
        train = whole.pages(0, pages - n_val - n_test);
        val = d.val_x.empty() ? whole.pages(pages - n_val - n_test, n_val)
                              : read_stack(d.val_x, d.val_y, "--val-x", "--val-y");
        test = d.test_x.empty() ? whole.pages(pages - n_test, n_test)
                                : read_stack(d.test_x, d.test_y, "--test-x", "--test-y");
        out.train = patches_to_split(train, d, d.train_patches, 11, "--train-x");
        out.validation = patches_to_split(val, d, d.val_patches, 12, d.val_x.empty() ? "validation pages" : "--val-x");
        out.test = patches_to_split(test, d, d.test_patches, 13, d.test_x.empty() ? "test pages" : "--test-x");
        out.class_names = {"background", "foreground"};
        desc["patch"] = {{"side", d.patch}, {"dims", d.patch_dims}};
        desc["pages"] = {{"train", train.dims[0]}, {"validation", val.dims[0]}, {"test", test.dims[0]}};
    } else if (train_source.has_labels()) {
        desc["task"] = "classification";
        if (!d.train_y.empty()) {
            throw ConfigError("--train-y", fmt::format("{} is a {}: it carries its classes, so leave out --train-y",
                                                       d.train_x, to_string(train_source.kind)));
        }
        const auto set = read_curves(train_source);
        const auto grid = d.q_grid.empty() ? automatic_q_grid(set, d.q_points, d.train_x) : parse_q_grid(d.q_grid);
        out.class_names = set.class_names;
        auto all = curves_to_split(set, grid, {}, d.train_x, out.notes);
        const auto split_curves = [&](const std::string& spec, const char* field) {
            const auto s = parse_data_source(spec, field);
            if (!s.has_labels()) throw ConfigError(field, fmt::format("{} must be curves like --train-x", spec));
            return curves_to_split(read_curves(s), grid, out.class_names, spec, out.notes);
        };
        if (!d.test_x.empty()) out.test = split_curves(d.test_x, "--test-x");
        else std::tie(all, out.test) = lt::split_dataset(all, d.test_fraction, derive_seed(d.split_seed, 1));
        if (!d.val_x.empty()) out.validation = split_curves(d.val_x, "--val-x");
        else std::tie(all, out.validation) = lt::split_dataset(all, d.val_fraction, derive_seed(d.split_seed, 2));
        out.train = all;
        desc["q_grid"] = {{"q_min", grid.front()}, {"q_max", grid.back()}, {"points", grid.size()}};
    } else {
        desc["task"] = "classification";
        if (d.train_y.empty()) throw ConfigError("--train-y", fmt::format("{} needs its labels: --train-y", d.train_x));
        const auto load = [&](const std::string& xs, const std::string& ys, const char* xf, const char* yf,
                               std::int64_t classes) {
            if (ys.empty()) throw ConfigError(yf, fmt::format("{} needs its labels", xf));
            const auto xsrc = parse_data_source(xs, xf), ysrc = parse_data_source(ys, yf);
            auto x = inputs_from_array(read_array(xsrc, xf), xs);
            auto y = labels_from_array(read_array(ysrc, yf), ys);
            if (x.size(0) != y.size(0)) {
                throw ConfigError(yf, fmt::format("{} has {} labels for the {} samples of {}", ys, y.size(0), x.size(0), xs));
            }
            return make_split(x, y, classes, xs);
        };
        auto all = load(d.train_x, d.train_y, "--train-x", "--train-y", 0);
        out.class_names = uniform_classes(all.classes);
        if (!d.test_x.empty()) out.test = load(d.test_x, d.test_y, "--test-x", "--test-y", all.classes);
        else std::tie(all, out.test) = lt::split_dataset(all, d.test_fraction, derive_seed(d.split_seed, 1));
        if (!d.val_x.empty()) out.validation = load(d.val_x, d.val_y, "--val-x", "--val-y", all.classes);
        else std::tie(all, out.validation) = lt::split_dataset(all, d.val_fraction, derive_seed(d.split_seed, 2));
        out.train = all;
    }
    for (const auto* s : {&out.validation, &out.test}) {
        if (s->inputs.sizes().slice(1) != out.train.inputs.sizes().slice(1)) {
            throw ConfigError(s == &out.test ? "--test-x" : "--val-x",
                              fmt::format("samples have shape [{}], the training samples [{}]",
                                          fmt::join(s->inputs.sizes().slice(1), ", "),
                                          fmt::join(out.train.inputs.sizes().slice(1), ", ")));
        }
    }
    auto notes = preprocess_splits(p, out.train, {&out.validation, &out.test});
    out.notes.insert(out.notes.end(), notes.begin(), notes.end());
    desc["preprocessing"] = to_json(p);
    desc["input_shape"] = std::vector<std::int64_t>(out.train.inputs.sizes().begin() + 1, out.train.inputs.sizes().end());
    desc["classes"] = out.train.classes;
    desc["class_names"] = out.class_names;
    desc["splits"] = {{"train", out.train.size()}, {"validation", out.validation.size()}, {"test", out.test.size()}};
    desc["split_seed"] = d.split_seed;
    out.description = std::move(desc);
    return out;
}

/// Prepares data to evaluate a model on, as `description` (data.json) says
/// the model's training data was prepared: the same grid, patches and
/// preprocessing numbers. `x`/`y` are data arguments (y empty for curves).
/// A null description means plain arrays, no preprocessing.
inline lt::Dataset prepare_evaluation_data(const std::string& x, const std::string& y, const nlohmann::json* description,
                                           std::int64_t patches, std::uint64_t seed, std::vector<std::string>& class_names,
                                           std::vector<std::string>& notes) {
    const auto xs = parse_data_source(x, "--x");
    std::int64_t classes = 0;
    if (description) {
        classes = description->at("classes").get<std::int64_t>();
        class_names = description->at("class_names").get<std::vector<std::string>>();
    }
    lt::Dataset data;
    if (description && description->contains("patch")) {
        DataOptions d;
        d.patch = description->at("patch").at("side").get<std::int64_t>();
        d.patch_dims = description->at("patch").at("dims").get<int>();
        d.split_seed = seed;
        data = patches_to_split(read_stack(x, y, "--x", "--y"), d, patches, 13, "--x");
    } else if (xs.has_labels()) {
        if (!y.empty()) throw ConfigError("--y", fmt::format("{} carries its classes: leave out --y", x));
        const auto set = read_curves(xs);
        std::vector<double> grid;
        if (description && description->contains("q_grid")) {
            const auto& g = description->at("q_grid");
            grid = log_q_grid(g.at("q_min").get<double>(), g.at("q_max").get<double>(), g.at("points").get<std::size_t>());
        } else {
            grid = automatic_q_grid(set, 256, x);
        }
        data = curves_to_split(set, grid, class_names, x, notes);
        if (class_names.empty()) class_names = set.class_names;
    } else {
        if (y.empty()) throw ConfigError("--y", fmt::format("{} needs its labels: --y", x));
        auto inputs = inputs_from_array(read_array(xs, "--x"), x);
        auto labels = labels_from_array(read_array(parse_data_source(y, "--y"), "--y"), y);
        if (inputs.size(0) != labels.size(0)) {
            throw ConfigError("--y", fmt::format("{} has {} labels for the {} samples of {}", y, labels.size(0),
                                                 inputs.size(0), x));
        }
        data = make_split(inputs, labels, classes, x);
    }
    if (description) {
        const auto shape = description->at("input_shape").get<std::vector<std::int64_t>>();
        const std::vector<std::int64_t> have(data.inputs.sizes().begin() + 1, data.inputs.sizes().end());
        if (have != shape) {
            throw ConfigError("--x", fmt::format("samples of {} have shape [{}]; the model was trained on [{}]", x,
                                                 fmt::join(have, ", "), fmt::join(shape, ", ")));
        }
        const auto p = preprocessing_from_json(description->at("preprocessing"));
        if (!p.identity()) {
            data.inputs = data.inputs.to(torch::kFloat32).contiguous().clone();
            const auto r = p.apply(std::span<float>(data.inputs.data_ptr<float>(), static_cast<std::size_t>(data.inputs.numel())),
                                   data.size());
            if (r.nonpositive) notes.push_back(fmt::format("log10: {} values <= 0 replaced", r.nonpositive));
            if (r.clipped) notes.push_back(fmt::format("clip: {} values clipped", r.clipped));
        }
    }
    return data;
}

}  // namespace evonas::tool
