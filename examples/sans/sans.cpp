// sans: which structural model describes a small-angle neutron scattering
// curve I(q)? Evolves a 1-D CNN for MENNDL's first science problem on
// synthetic curves (sans_data.hpp: cylinder, spherical SLD, Gaussian chain,
// correlation length), starting from a modest human-designed network, and
// compares the two on held-out test curves.
//
//   sans                                   evolve on generated curves (a few minutes)
//   sans --write-data dir                  also write the test curves as dir/X.npy, dir/y.npy
//   sans --evaluate sans_run/best_model.pt --x X.npy --y y.npy
//                                          score a saved model on raw I(q) files
//
// The network sees log10(I) standardised per curve; that preprocessing is
// done here, so files hold raw intensities: X.npy float32 [N, 256] on the
// q grid of sans_data.hpp (0.001..0.5 1/A, log-spaced), y.npy int64 [N].
#include <cstdio>
#include <string>

#include "../common/evolve_cli.hpp"
#include "sans_data.hpp"

namespace ex = evonas::examples;
namespace lt = evonas::libtorch;

// Raw curves from X.npy (float [N, P] or [N, 1, P]) and labels from y.npy.
static ex::Dataset read_raw_curves(const std::string& x_file, const std::string& y_file) {
    const auto x = lt::tensor_from_npy(evonas::read_npy(x_file)).to(torch::kFloat32).contiguous();
    const auto y = lt::tensor_from_npy(evonas::read_npy(y_file)).to(torch::kInt64).contiguous();
    ex::Dataset d;
    d.shape.assign(x.sizes().begin(), x.sizes().end());
    d.data.assign(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
    d.labels.assign(y.data_ptr<std::int64_t>(), y.data_ptr<std::int64_t>() + y.numel());
    d.class_names = ex::sans::sans_class_names();
    return d;
}

int main(int argc, char** argv) {
    CLI::App app{"Evolve a 1-D CNN that identifies the structural model of a SANS curve I(q)\n"
                 "(0 cylinder, 1 spherical SLD, 2 Gaussian chain, 3 correlation length), starting from a\n"
                 "human-designed seed network; prints seed vs evolved scores on held-out test curves."};
    ex::CommonOptions o;
    o.run_dir = "sans_run";
    o.evaluations = 40;
    o.time_per_network = 8.0;
    o.epochs = 3;
    ex::add_common_options(app, o);
    std::int64_t train_per_class = 600, val_per_class = 150, test_per_class = 250;
    std::uint64_t data_seed = 2024;
    std::string seed_genome = evonas::examples::sans::sans_seed_genome;
    std::string write_data, evaluate, x_file, y_file;
    const auto* d = "Data";
    app.add_option("--train-per-class", train_per_class, "generated training curves per class")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--val-per-class", val_per_class, "generated validation curves per class (the search's score)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--test-per-class", test_per_class, "generated test curves per class (only for the final table)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--data-seed", data_seed, "seed of the generated curves (train, validation and test differ)")
        ->capture_default_str()->group(d);
    app.add_option("--write-data", write_data, "write the raw test curves as DIR/X.npy (float32 [N,256]) and DIR/y.npy")
        ->group(d);
    app.add_option("--seed-genome", seed_genome, "the human-designed network the search starts from (genome text)")
        ->capture_default_str()->group("Search");
    const auto* e = "Evaluate a saved model (no search)";
    app.add_option("--evaluate", evaluate, "a model file (e.g. sans_run/best_model.pt) to score on --x/--y")->group(e);
    app.add_option("--x", x_file, "raw intensities, float32 [N,256] on the generator's q grid")->group(e);
    app.add_option("--y", y_file, "labels, int64 [N] (0 cylinder, 1 spherical_sld, 2 gaussian_chain, 3 correlation_length)")
        ->group(e);
    CLI11_PARSE(app, argc, argv);

    return ex::run_main([&] {
        const auto space = evonas::cnn_space(1);
        if (ex::export_if_asked(o, &space)) return 0;
        if (!evaluate.empty()) {
            if (x_file.empty() || y_file.empty()) throw evonas::ConfigError("--evaluate", "needs --x and --y");
            const auto raw = read_raw_curves(x_file, y_file);
            ex::print_model_evaluation(evaluate, space, ex::to_torch(ex::sans::preprocess_sans(raw)),
                                       ex::sans::sans_class_names());
            return 0;
        }
        if (!o.quiet) fmt::print("generating {} / {} / {} SANS curves per class (train / validation / test)...\n",
                                 train_per_class, val_per_class, test_per_class);
        const auto test_raw = ex::sans::generate_sans(test_per_class, evonas::derive_seed(data_seed, 3));
        ex::SplitData data{
            ex::to_torch(ex::sans::preprocess_sans(ex::sans::generate_sans(train_per_class, evonas::derive_seed(data_seed, 1)))),
            ex::to_torch(ex::sans::preprocess_sans(ex::sans::generate_sans(val_per_class, evonas::derive_seed(data_seed, 2)))),
            ex::to_torch(ex::sans::preprocess_sans(test_raw))};
        if (!write_data.empty()) {
            std::filesystem::create_directories(write_data);
            const auto x = torch::from_blob(const_cast<float*>(test_raw.data.data()), test_raw.shape, torch::kFloat32);
            evonas::write_npy(std::filesystem::path(write_data) / "X.npy", lt::npy_from_tensor(x));
            evonas::write_npy(std::filesystem::path(write_data) / "y.npy",
                              lt::npy_from_tensor(torch::tensor(test_raw.labels, torch::kInt64)));
            if (!o.quiet) fmt::print("wrote the raw test curves to {}/X.npy and {}/y.npy\n", write_data, write_data);
        }
        const auto seed = evonas::parse_genome(seed_genome, space);
        const auto c = ex::evolve_and_compare(space, seed, data, o);
        ex::print_comparison(c, space, o);
        return 0;
    });
}
