// sans: which structural model describes a small-angle neutron scattering
// curve I(q)? Evolves a 1-D CNN for MENNDL's first science problem on
// synthetic curves (sans_data.hpp: cylinder, spherical SLD, Gaussian chain,
// correlation length), starting from a modest human-designed network, and
// compares the two on held-out test curves.
//
//   sans                                   evolve on generated curves (a few minutes)
//   sans --data-dir DIR                    evolve on curves from files instead: DIR/x_train.npy,
//                                          y_train.npy, x_val.npy, y_val.npy, x_test.npy, y_test.npy
//                                          (e.g. written by scripts/make_sans_sasmodels.py)
//   sans --write-data DIR                  also write the generated curves: that layout, and the
//                                          test curves again as DIR/X.npy, DIR/y.npy
//   sans --evaluate sans_run/best_model.pt --x X.npy --y y.npy
//   sans --evaluate sans_run/best_model.pt --data-dir DIR
//                                          score a saved model on raw I(q) files (DIR: its test split)
//
// The network sees log10(I) standardised per curve; that preprocessing is
// done here, so files hold raw intensities: x float32 [N, 256] on the q grid
// of sans_data.hpp (0.001..0.5 1/A, log-spaced), y int64 [N].
#include <array>
#include <cstdio>
#include <string>

#include <fmt/ranges.h>

#include "../common/evolve_cli.hpp"
#include "sans_data.hpp"

namespace ex = evonas::examples;
namespace lt = evonas::libtorch;
namespace fs = std::filesystem;

// The three splits of a data directory, in the order of ex::SplitData.
static constexpr std::array<const char*, 3> split_names{"train", "val", "test"};

// Raw curves from an x file (float [N, P] or [N, 1, P]) and labels from a
// y file, checked against each other; errors name the files.
static ex::Dataset read_raw_curves(const fs::path& x_file, const fs::path& y_file) {
    const auto x = lt::tensor_from_npy(evonas::read_npy(x_file)).to(torch::kFloat32).contiguous();
    const auto y = lt::tensor_from_npy(evonas::read_npy(y_file)).to(torch::kInt64).contiguous();
    if (!(x.dim() == 2 || (x.dim() == 3 && x.size(1) == 1))) {
        throw evonas::ConfigError(x_file.string(), fmt::format("needs raw curves [N, points] or [N, 1, points], got {} axes", x.dim()));
    }
    if (y.dim() != 1 || y.size(0) != x.size(0)) {
        throw evonas::ConfigError(y_file.string(), fmt::format("needs one label per curve of {} ({}), got shape [{}]",
                                                               x_file.string(), x.size(0), fmt::join(y.sizes(), ", ")));
    }
    ex::Dataset d;
    d.shape.assign(x.sizes().begin(), x.sizes().end());
    d.data.assign(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
    d.labels.assign(y.data_ptr<std::int64_t>(), y.data_ptr<std::int64_t>() + y.numel());
    d.class_names = ex::sans::sans_class_names();
    for (std::size_t i = 0; i < d.labels.size(); ++i) {
        if (d.labels[i] < 0 || d.labels[i] >= ex::sans::sans_classes) {
            throw evonas::ConfigError(y_file.string(), fmt::format("label {} of curve {} is outside 0..{}", d.labels[i], i,
                                                                   ex::sans::sans_classes - 1));
        }
    }
    return d;
}

// Raw curves of one split of a data directory (x_SPLIT.npy, y_SPLIT.npy).
static ex::Dataset read_split(const fs::path& dir, const std::string& split) {
    return read_raw_curves(dir / ("x_" + split + ".npy"), dir / ("y_" + split + ".npy"));
}

// Raw curves as network input (log10, standardised per curve) in tensors.
static lt::Dataset network_input(const ex::Dataset& raw, const std::string& field) {
    return ex::to_torch(ex::sans::preprocess_sans(raw), field);
}

static void write_raw_curves(const ex::Dataset& raw, const fs::path& x_file, const fs::path& y_file) {
    const auto x = torch::from_blob(const_cast<float*>(raw.data.data()), raw.shape, torch::kFloat32);
    evonas::write_npy(x_file, lt::npy_from_tensor(x));
    evonas::write_npy(y_file, lt::npy_from_tensor(torch::tensor(raw.labels, torch::kInt64)));
}

int main(int argc, char** argv) {
    CLI::App app{"Evolve a 1-D CNN that identifies the structural model of a SANS curve I(q)\n"
                 "(0 cylinder, 1 spherical SLD, 2 Gaussian chain, 3 correlation length), starting from a\n"
                 "human-designed seed network; prints seed vs evolved scores on held-out test curves."};
    ex::CommonOptions o;
    o.run_dir = "sans_run";
    o.evaluations = 40;
    o.epochs = 3;
    o.seed_genome = evonas::examples::sans::sans_seed_genome;
    ex::add_common_options(app, o);
    std::int64_t train_per_class = 600, val_per_class = 150, test_per_class = 250;
    std::uint64_t data_seed = 2024;
    std::string write_data, data_dir, evaluate, x_file, y_file;
    const auto* d = "Data";
    app.add_option("--train-per-class", train_per_class, "generated training curves per class")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--val-per-class", val_per_class, "generated validation curves per class (the search's score)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--test-per-class", test_per_class, "generated test curves per class (only for the final table)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--data-seed", data_seed, "seed of the generated curves (train, validation and test differ)")
        ->capture_default_str()->group(d);
    auto* data_dir_option = app.add_option("--data-dir", data_dir,
                   "curves from files instead of the generator: DIR/x_{train,val,test}.npy (float32 raw I(q) [N,256]) "
                   "and DIR/y_{train,val,test}.npy (int64 labels); with --evaluate, its test split is scored")
        ->check(CLI::ExistingDirectory)->group(d);
    app.add_option("--write-data", write_data,
                   "write the generated curves as DIR/x_{train,val,test}.npy, y_{...}.npy and the test split again "
                   "as DIR/X.npy, DIR/y.npy")
        ->excludes(data_dir_option)->group(d);
    const auto* e = "Evaluate a saved model (no search)";
    app.add_option("--evaluate", evaluate, "a model file (e.g. sans_run/best_model.pt) to score on --x/--y or --data-dir")
        ->group(e);
    app.add_option("--x", x_file, "raw intensities, float32 [N,256] on the generator's q grid")->group(e);
    app.add_option("--y", y_file, "labels, int64 [N] (0 cylinder, 1 spherical_sld, 2 gaussian_chain, 3 correlation_length)")
        ->group(e);
    CLI11_PARSE(app, argc, argv);

    return ex::run_main([&] {
        const auto space = evonas::cnn_space(1);
        if (ex::export_if_asked(o, &space)) return 0;
        if (!evaluate.empty()) {
            ex::Dataset raw;
            if (!x_file.empty() && !y_file.empty()) {
                raw = read_raw_curves(x_file, y_file);
            } else if (!data_dir.empty() && x_file.empty() && y_file.empty()) {
                raw = read_split(data_dir, "test");
            } else {
                throw evonas::ConfigError("--evaluate", "needs --x and --y, or --data-dir");
            }
            ex::print_model_evaluation(evaluate, space, network_input(raw, "evaluate"), ex::sans::sans_class_names());
            return 0;
        }
        std::array<ex::Dataset, 3> raw;  // train, validation, test
        if (!data_dir.empty()) {
            for (std::size_t s = 0; s < raw.size(); ++s) raw[s] = read_split(data_dir, split_names[s]);
            for (std::size_t s = 1; s < raw.size(); ++s) {
                if (raw[s].shape.back() != raw[0].shape.back()) {
                    throw evonas::ConfigError(fmt::format("{}/x_{}.npy", data_dir, split_names[s]),
                                              fmt::format("has {} points per curve, x_train.npy {}", raw[s].shape.back(),
                                                          raw[0].shape.back()));
                }
            }
            if (!o.quiet) fmt::print("read {} / {} / {} curves (train / validation / test) from {}\n", raw[0].size(),
                                     raw[1].size(), raw[2].size(), data_dir);
        } else {
            if (!o.quiet) fmt::print("generating {} / {} / {} SANS curves per class (train / validation / test)...\n",
                                     train_per_class, val_per_class, test_per_class);
            const std::array<std::int64_t, 3> per_class{train_per_class, val_per_class, test_per_class};
            for (std::size_t s = 0; s < raw.size(); ++s) {
                raw[s] = ex::sans::generate_sans(per_class[s], evonas::derive_seed(data_seed, s + 1));
            }
        }
        if (!write_data.empty()) {
            fs::create_directories(write_data);
            const fs::path dir = write_data;
            for (std::size_t s = 0; s < raw.size(); ++s) {
                write_raw_curves(raw[s], dir / fmt::format("x_{}.npy", split_names[s]),
                                 dir / fmt::format("y_{}.npy", split_names[s]));
            }
            write_raw_curves(raw[2], dir / "X.npy", dir / "y.npy");
            if (!o.quiet) fmt::print("wrote the raw curves to {} (x_train.npy ... y_test.npy; test split also X.npy, y.npy)\n",
                                     write_data);
        }
        const ex::SplitData data{network_input(raw[0], "train"), network_input(raw[1], "validation"),
                                 network_input(raw[2], "test")};
        const auto c = ex::evolve_and_compare(space, data, o);
        ex::print_comparison(c, space, o);
        return 0;
    });
}
