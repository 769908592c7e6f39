// minerva: in which segment of a MINERvA-style detector did a neutrino
// interact? Evolves a 2-D CNN for MENNDL's vertex-reconstruction problem on
// synthetic events (minerva_data.hpp: three views X/U/V of 64 planes x 48
// strips; 11 classes, the 5 passive targets and the 6 tracker regions
// around them), starting from a modest human-designed network, and compares
// the two on held-out test events.
#include <string>

#include "../common/evolve_cli.hpp"
#include "minerva_data.hpp"

namespace ex = evonas::examples;
namespace lt = evonas::libtorch;

// Network input: energies in MeV divided by 10 (a minimum-ionising crossing
// deposits 2 MeV, a vertex blob up to 20).
static lt::Dataset network_input(const ex::Dataset& events) {
    auto d = ex::to_torch(events);
    d.inputs = d.inputs / 10.0;
    return d;
}

int main(int argc, char** argv) {
    CLI::App app{"Evolve a 2-D CNN that finds the segment (passive target or tracker region; 11 classes) holding\n"
                 "the vertex of a MINERvA-style neutrino event from its X/U/V views, starting from a human-designed\n"
                 "seed network; prints seed vs evolved scores on held-out test events."};
    ex::CommonOptions o;
    o.run_dir = "minerva_run";
    o.evaluations = 30;
    o.epochs = 3;
    o.seed_genome =
        "conv(k=5,f=16) pool(k=2,s=2) conv(k=3,f=32) pool(k=2,s=2) | dense(u=128) ; lr=0.01 mom=0.9 bs=32 opt=sgd";
    ex::add_common_options(app, o);
    std::int64_t train_per_class = 120, val_per_class = 40, test_per_class = 60;
    std::uint64_t data_seed = 2024;
    std::string evaluate;
    const auto* d = "Data";
    app.add_option("--train-per-class", train_per_class, "generated training events per class (11 classes)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--val-per-class", val_per_class, "generated validation events per class (the search's score)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--test-per-class", test_per_class, "generated test events per class (only for the final table)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--data-seed", data_seed, "seed of the generated events (train, validation and test differ)")
        ->capture_default_str()->group(d);
    app.add_option("--evaluate", evaluate, "score a saved model (e.g. minerva_run/best_model.pt) on the generated test "
                                           "events instead of searching")->group(d);
    CLI11_PARSE(app, argc, argv);

    return ex::run_main([&] {
        const auto space = evonas::cnn_space(2);
        if (ex::export_if_asked(o, &space)) return 0;
        if (!o.quiet) fmt::print("generating {} / {} / {} events per class x 11 classes (train / validation / test)...\n",
                                 train_per_class, val_per_class, test_per_class);
        auto test = network_input(ex::minerva::generate_minerva(test_per_class, evonas::derive_seed(data_seed, 3)));
        if (!evaluate.empty()) {
            ex::print_model_evaluation(evaluate, space, test, ex::minerva::minerva_class_names());
            return 0;
        }
        ex::SplitData data{network_input(ex::minerva::generate_minerva(train_per_class, evonas::derive_seed(data_seed, 1))),
                           network_input(ex::minerva::generate_minerva(val_per_class, evonas::derive_seed(data_seed, 2))),
                           test};
        const auto c = ex::evolve_and_compare(space, data, o);
        ex::print_comparison(c, space, o);
        return 0;
    });
}
