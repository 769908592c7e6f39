// npy_evolve: evolve a CNN for your own data. Give inputs and labels as
// .npy files (inputs [N, channels, length] / [N, C, H, W] / [N, C, D, H, W],
// any numeric type; labels [N] integers 0..classes-1), a seed network in the
// genome text notation and a budget; it writes the run directory (lineage,
// checkpoint, models) with best_model.pt, prints seed vs evolved on the test
// split, and can score a saved model on other files.
//
//   npy_evolve --train-x x.npy --train-y y.npy [--val-x .. --val-y ..] [--test-x .. --test-y ..]
//   npy_evolve --evaluate npy_run/best_model.pt --x other_x.npy --y other_y.npy
//
// Without --val-*, a stratified --val-fraction of the training files is
// held out for validation; without --test-*, a --test-fraction likewise
// for the test split. With no data files at all it writes a small example
// data set (SANS curves, 1-D) into the run directory and uses that.
#include <string>

#include "../common/evolve_cli.hpp"
#include "../sans/sans_data.hpp"

namespace ex = evonas::examples;
namespace lt = evonas::libtorch;
namespace fs = std::filesystem;

// The search space for data of `shape` ([N, C, spatial...]).
static evonas::SearchSpace space_for(const lt::Dataset& d) {
    return evonas::cnn_space(static_cast<int>(d.inputs.dim()) - 2);
}

int main(int argc, char** argv) {
    CLI::App app{"Evolve a CNN for your own data given as .npy files (inputs with a channel axis and 1, 2 or 3\n"
                 "spatial axes; integer labels), starting from a seed network; prints seed vs evolved on the test\n"
                 "split and writes the best model. --evaluate scores a saved model on other files."};
    ex::CommonOptions o;
    o.run_dir = "npy_run";
    o.evaluations = 30;
    o.epochs = 3;
    // A plain network for any data: two conv+pool layers and a dense layer.
    o.seed_genome = "conv(k=3,f=16) pool(k=2,s=2) conv(k=3,f=32) pool(k=2,s=2) | dense(u=64) ; lr=0.01 mom=0.9 bs=32 opt=sgd";
    ex::add_common_options(app, o);
    std::string train_x, train_y, val_x, val_y, test_x, test_y, evaluate, x_file, y_file;
    double val_fraction = 0.2, test_fraction = 0.2;
    std::uint64_t split_seed = 0;
    const auto* d = "Data";
    app.add_option("--train-x", train_x, "training inputs .npy [N, C, L] / [N, C, H, W] / [N, C, D, H, W]")->group(d);
    app.add_option("--train-y", train_y, "training labels .npy [N], integers 0..classes-1")->group(d);
    app.add_option("--val-x", val_x, "validation inputs .npy (default: split off the training files)")->group(d);
    app.add_option("--val-y", val_y, "validation labels .npy")->group(d);
    app.add_option("--test-x", test_x, "test inputs .npy, used only for the final table (default: split off)")->group(d);
    app.add_option("--test-y", test_y, "test labels .npy")->group(d);
    app.add_option("--val-fraction", val_fraction, "fraction of the training files held out for validation when no --val-x")
        ->check(CLI::Range(0.01, 0.9))->capture_default_str()->group(d);
    app.add_option("--test-fraction", test_fraction, "fraction of the training files held out for testing when no --test-x")
        ->check(CLI::Range(0.01, 0.9))->capture_default_str()->group(d);
    app.add_option("--split-seed", split_seed, "seed of the stratified splits")->capture_default_str()->group(d);
    const auto* e = "Evaluate a saved model (no search)";
    app.add_option("--evaluate", evaluate, "a model file (e.g. npy_run/best_model.pt) to score on --x/--y")->group(e);
    app.add_option("--x", x_file, "inputs .npy to score the model on")->group(e);
    app.add_option("--y", y_file, "labels .npy to score the model on")->group(e);
    CLI11_PARSE(app, argc, argv);

    return ex::run_main([&] {
        if (ex::export_if_asked(o, nullptr)) return 0;  // the space is the model file's
        if (!evaluate.empty()) {
            if (x_file.empty() || y_file.empty()) throw evonas::ConfigError("--evaluate", "needs --x and --y");
            const auto data = lt::load_npy_dataset(x_file, y_file);
            const auto space = space_for(data);
            const auto model = lt::load_model(evaluate, space);
            auto scored = data;
            scored.classes = model.shape.classes;
            ex::print_model_evaluation(evaluate, space, scored);
            return 0;
        }
        if (train_x.empty() != train_y.empty()) throw evonas::ConfigError("--train-x", "give both --train-x and --train-y");
        if (val_x.empty() != val_y.empty()) throw evonas::ConfigError("--val-x", "give both --val-x and --val-y");
        if (test_x.empty() != test_y.empty()) throw evonas::ConfigError("--test-x", "give both --test-x and --test-y");
        if (train_x.empty()) {
            if (o.overwrite && !o.resume && fs::exists(o.run_dir)) fs::remove_all(o.run_dir);
            const auto dir = fs::path(o.run_dir) / "example_data";
            fs::create_directories(dir);
            const auto curves = ex::sans::preprocess_sans(ex::sans::generate_sans(500, 7));
            const auto t = ex::to_torch(curves);
            train_x = (dir / "x.npy").string();
            train_y = (dir / "y.npy").string();
            evonas::write_npy(train_x, lt::npy_from_tensor(t.inputs));
            evonas::write_npy(train_y, lt::npy_from_tensor(t.labels));
            fmt::print("no --train-x given: wrote an example data set (2000 preprocessed SANS curves, [2000, 1, 256], "
                       "4 classes) to {} and {}\n", train_x, train_y);
            o.overwrite = false;  // keep the data just written
        }
        auto train = lt::load_npy_dataset(train_x, train_y);
        std::optional<lt::Dataset> val, test;
        if (!val_x.empty()) val = lt::load_npy_dataset(val_x, val_y, train.classes);
        if (!test_x.empty()) test = lt::load_npy_dataset(test_x, test_y, train.classes);
        if (!test) std::tie(train, test) = lt::split_dataset(train, test_fraction, evonas::derive_seed(split_seed, 1));
        if (!val) std::tie(train, val) = lt::split_dataset(train, val_fraction, evonas::derive_seed(split_seed, 2));
        const auto space = space_for(train);
        if (!o.quiet) {
            fmt::print("data: {} training, {} validation, {} test samples of shape [{}], {} classes\n", train.size(),
                       val->size(), test->size(), fmt::join(train.inputs.sizes().slice(1), ", "), train.classes);
        }
        const auto c = ex::evolve_and_compare(space, {train, *val, *test}, o);
        ex::print_comparison(c, space, o);
        return 0;
    });
}
