// em: find mitochondria in a 3-D electron-microscopy-style volume. Evolves a
// 3-D CNN that classifies the centre voxel of a small patch (mitochondrion
// or background) on synthetic volumes (em_data.hpp), starting from a modest
// human-designed network; compares the two on held-out test patches, then
// segments a whole held-out volume with each and reports Dice and IoU
// against its ground truth.
#include <string>
#include <vector>

#include "../common/evolve_cli.hpp"
#include "em_data.hpp"

namespace ex = evonas::examples;
namespace lt = evonas::libtorch;
namespace em = evonas::examples::em;

// Segments `vol` with `net`: one prediction per centre of a grid of the
// given stride, every voxel taking its cell's label; returns the mask.
static std::vector<std::uint8_t> segment(torch::nn::Sequential net, const em::EmVolume& vol, std::int64_t patch,
                                         std::int64_t stride) {
    const auto grid = em::make_patch_grid(vol.dims, stride);
    std::vector<std::int64_t> predicted;
    predicted.reserve(static_cast<std::size_t>(grid.size()));
    for (std::int64_t first = 0; first < grid.size(); first += 4096) {
        const auto chunk = em::grid_patches(vol, grid, patch, first, 4096);
        const auto& d = chunk.data;
        const auto x = torch::from_blob(const_cast<float*>(d.data.data()), d.shape, torch::kFloat32);
        const auto p = lt::predict(net, x).to(torch::kCPU).contiguous();
        predicted.insert(predicted.end(), p.data_ptr<std::int64_t>(), p.data_ptr<std::int64_t>() + p.numel());
    }
    return em::mask_from_grid(grid, predicted);
}

int main(int argc, char** argv) {
    CLI::App app{"Evolve a 3-D CNN that tells whether the centre voxel of an EM-style patch lies in a mitochondrion,\n"
                 "starting from a human-designed seed network; prints seed vs evolved scores on held-out test\n"
                 "patches and the Dice/IoU of segmenting a whole held-out volume with each."};
    ex::CommonOptions o;
    o.run_dir = "em_run";
    o.evaluations = 30;
    o.epochs = 3;
    o.seed_genome = "conv(k=3,f=8) pool(k=2,s=2) conv(k=3,f=16) | dense(u=32) ; lr=0.01 mom=0.9 bs=32 opt=sgd";
    ex::add_common_options(app, o);
    std::int64_t size = 48, patch = 9, train_patches = 4000, val_patches = 1000, test_patches = 2000, stride = 2;
    std::uint64_t data_seed = 2024;
    std::string evaluate;
    const auto* d = "Data";
    app.add_option("--volume-size", size, "side of each generated cubic volume, voxels (one volume each for training, "
                                          "validation and test)")->check(CLI::Range(16, 256))->capture_default_str()->group(d);
    app.add_option("--patch", patch, "side of the patches the network sees (odd)")
        ->check(CLI::Range(3, 31))->capture_default_str()->group(d);
    app.add_option("--train-patches", train_patches, "balanced training patches from the training volume")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--val-patches", val_patches, "balanced validation patches (the search's score)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--test-patches", test_patches, "balanced test patches from the held-out volume (final table)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--stride", stride, "segment the held-out volume at every stride-th voxel per axis (1: every voxel)")
        ->check(CLI::PositiveNumber)->capture_default_str()->group(d);
    app.add_option("--data-seed", data_seed, "seed of the generated volumes")->capture_default_str()->group(d);
    app.add_option("--evaluate", evaluate, "segment the held-out volume with a saved model (e.g. em_run/best_model.pt) "
                                           "instead of searching")->group(d);
    CLI11_PARSE(app, argc, argv);

    return ex::run_main([&] {
        if (patch % 2 == 0) throw evonas::ConfigError("--patch", fmt::format("must be odd, got {}", patch));
        const auto space = evonas::cnn_space(3);
        if (ex::export_if_asked(o, &space)) return 0;
        if (!o.quiet) fmt::print("generating three {}^3 volumes (train / validation / test) and {}^3 patches...\n", size, patch);
        const auto test_volume = em::generate_em_volume(size, evonas::derive_seed(data_seed, 3));
        const auto report_segmentation = [&](const std::string& name, torch::nn::Sequential net) {
            const auto mask = segment(net, test_volume, patch, stride);
            fmt::print("{:<9} segmentation of the held-out {}^3 volume (stride {}): Dice {:.4f}  IoU {:.4f}\n", name,
                       size, stride, em::dice(mask, test_volume.mask), em::iou(mask, test_volume.mask));
        };
        if (!evaluate.empty()) {
            const auto model = lt::load_model(evaluate, space);
            report_segmentation("model", model.net);
            return 0;
        }
        const auto train_volume = em::generate_em_volume(size, evonas::derive_seed(data_seed, 1));
        const auto val_volume = em::generate_em_volume(size, evonas::derive_seed(data_seed, 2));
        ex::SplitData data{
            ex::to_torch(em::extract_patches(train_volume, patch, train_patches, evonas::derive_seed(data_seed, 11)).data),
            ex::to_torch(em::extract_patches(val_volume, patch, val_patches, evonas::derive_seed(data_seed, 12)).data),
            ex::to_torch(em::extract_patches(test_volume, patch, test_patches, evonas::derive_seed(data_seed, 13)).data)};
        const auto c = ex::evolve_and_compare(space, data, o);
        ex::print_comparison(c, space, o);
        fmt::print("\n");
        report_segmentation("seed", c.seed.model.net);
        report_segmentation("evolved", c.best.model.net);
        return 0;
    });
}
