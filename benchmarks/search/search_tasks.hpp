// The search-efficiency benchmark's tasks: the three example generators at
// sizes where one network trains in well under a second on one core, each
// with a fixed number of epochs per network (never a wall-clock limit in the
// score), its human-designed seed network and its FLOPs limit.
//
//   sans     1-D: SANS curves, 256 points, 4 structural models (examples/sans)
//   minerva  2-D: MINERvA-style events, 3 views of 64 planes x 48 strips
//            averaged over 2x2 cells to 32 x 24, 11 vertex segments (examples/minerva)
//   em       3-D: 9^3 EM-style patches, mitochondrion or not at the centre (examples/em)
//
// A task is plain data (tensors and options) built the same way in every
// process from fixed data seeds, so every method of every run sees exactly
// the same training, validation and test samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/evonas.hpp>
#include <evonas/libtorch/libtorch.hpp>

#include "../../examples/common/evolve_cli.hpp"
#include "../../examples/em/em_data.hpp"
#include "../../examples/minerva/minerva_data.hpp"
#include "../../examples/sans/sans_data.hpp"

namespace evonas::bench {

namespace lt = evonas::libtorch;

/// One benchmark task: its data, space, seed network and training settings.
struct SearchTask {
    std::string name;         ///< "sans", "minerva", "em"
    std::string title;        ///< for the page
    int dims = 1;             ///< spatial axes of the CNN space
    lt::Dataset train, validation, test;
    std::string seed_genome;  ///< the human-designed network (genome text)
    lt::TrainerOptions trainer;  ///< identical for every method
    nlohmann::json settings;  ///< what defines the task (sizes, seeds, epochs, limits, data hash): the cache key

    SearchSpace space() const { return cnn_space(dims); }
};

/// The names of the tasks, in the page's order.
inline std::vector<std::string> task_names() { return {"sans", "minerva", "em"}; }

namespace detail {

inline lt::TrainerOptions task_trainer(int epochs, double max_mflops) {
    lt::TrainerOptions t;
    t.epochs = epochs;                  // fixed: the genome's "epochs" gene is ignored
    t.time_budget_seconds = 0.0;        // no wall-clock limit in the score
    t.intra_op_threads = 1;
    t.limits.max_flops = max_mflops * 1e6;
    return t;
}

// Averages [N, C, H, W] over 2x2 cells (odd edges dropped).
inline lt::Dataset pool2d(const lt::Dataset& d) {
    auto x = torch::avg_pool2d(d.inputs, {2, 2});
    return {x.contiguous(), d.labels, d.classes};
}

}  // namespace detail

/// The stopping of the early-stopping study's evonas searches: the
/// library's ASHA with rungs at epochs 1, 3, 9, ... (Optuna's
/// HyperbandPruner on the peer side uses the same rungs).
inline EarlyStoppingOptions study_stopping() {
    return {.kind = EarlyStopping::asha, .min_step = 1.0, .eta = 3.0};
}

/// Builds task `name`; `epochs_override` > 0 replaces the task's epochs per network
/// (the early-stopping study trains longer). Throws ConfigError for an
/// unknown name or epochs < 0.
inline SearchTask make_task(const std::string& name, int epochs_override = 0) {
    if (epochs_override < 0) {
        throw ConfigError("--epochs", fmt::format("must be >= 0 (0: the task's own), got {}", epochs_override));
    }
    namespace ex = evonas::examples;
    SearchTask t;
    t.name = name;
    const std::uint64_t data_seed = 2024;
    if (name == "sans") {
        const std::int64_t train = 60, val = 75, test = 250;  // per class (4 classes)
        const int epochs = 3;
        const double max_mflops = 1.5;
        t.title = "SANS model identification (1-D, 256 points, 4 classes)";
        t.dims = 1;
        t.train = ex::to_torch(ex::sans::preprocess_sans(ex::sans::generate_sans(train, derive_seed(data_seed, 1))), "train");
        t.validation = ex::to_torch(ex::sans::preprocess_sans(ex::sans::generate_sans(val, derive_seed(data_seed, 2))), "validation");
        t.test = ex::to_torch(ex::sans::preprocess_sans(ex::sans::generate_sans(test, derive_seed(data_seed, 3))), "test");
        t.seed_genome = ex::sans::sans_seed_genome;
        t.trainer = detail::task_trainer(epochs, max_mflops);
        t.settings = {{"train_per_class", train}, {"val_per_class", val}, {"test_per_class", test},
                      {"epochs", epochs}, {"max_mflops", max_mflops}};
    } else if (name == "minerva") {
        const std::int64_t train = 40, val = 30, test = 60;  // per class (11 classes)
        const int epochs = 3;
        const double max_mflops = 4.0;
        t.title = "MINERvA vertex segment (2-D, 3 views of 32 x 24, 11 classes)";
        t.dims = 2;
        const auto events = [&](std::int64_t n, std::uint64_t stream, const char* field) {
            auto d = ex::to_torch(ex::minerva::generate_minerva(n, derive_seed(data_seed, stream)), field);
            d.inputs = d.inputs / 10.0;  // as the example: MeV / 10
            return detail::pool2d(d);
        };
        t.train = events(train, 1, "train");
        t.validation = events(val, 2, "validation");
        t.test = events(test, 3, "test");
        // The example's seed network with the first kernel scaled to the
        // halved images (k=5 on 64 x 48 -> k=3 on 32 x 24).
        t.seed_genome =
            "conv(k=3,f=16) pool(k=2,s=2) conv(k=3,f=32) pool(k=2,s=2) | dense(u=128) ; lr=0.01 mom=0.9 bs=32 opt=sgd";
        t.trainer = detail::task_trainer(epochs, max_mflops);
        t.settings = {{"train_per_class", train}, {"val_per_class", val}, {"test_per_class", test},
                      {"epochs", epochs}, {"max_mflops", max_mflops}, {"pool", 2}};
    } else if (name == "em") {
        namespace em = evonas::examples::em;
        const std::int64_t size = 48, patch = 9, train = 500, val = 400, test = 1000;
        const int epochs = 3;
        const double max_mflops = 2.0;
        t.title = "EM mitochondria (3-D, 9^3 patches, 2 classes)";
        t.dims = 3;
        const auto patches = [&](std::uint64_t volume_stream, std::uint64_t patch_stream, std::int64_t n,
                                 const char* field) {
            const auto volume = em::generate_em_volume(size, derive_seed(data_seed, volume_stream));
            return ex::to_torch(em::extract_patches(volume, patch, n, derive_seed(data_seed, patch_stream)).data, field);
        };
        t.train = patches(1, 11, train, "train");
        t.validation = patches(2, 12, val, "validation");
        t.test = patches(3, 13, test, "test");
        t.seed_genome = "conv(k=3,f=8) pool(k=2,s=2) conv(k=3,f=16) | dense(u=32) ; lr=0.01 mom=0.9 bs=32 opt=sgd";
        t.trainer = detail::task_trainer(epochs, max_mflops);
        t.settings = {{"volume_size", size}, {"patch", patch}, {"train", train}, {"val", val}, {"test", test},
                      {"epochs", epochs}, {"max_mflops", max_mflops}};
    } else {
        throw ConfigError("--task", fmt::format("unknown task '{}' (sans, minerva or em)", name));
    }
    if (epochs_override > 0) {
        t.trainer.epochs = epochs_override;
        t.settings["epochs"] = epochs_override;
    }
    // Staged trainings (the study) validate at the rungs only: ASHA and
    // Hyperband decide nowhere else, so no other validation is paid for.
    t.trainer.report_epochs = lt::report_epochs_for(study_stopping(), t.trainer.epochs);
    // The data's own fingerprint: a change of a generator (or of its
    // defaults) changes the task even when no size or seed does.
    evonas::detail::StableHasher h;
    for (const auto* d : {&t.train, &t.validation, &t.test}) {
        const auto x = d->inputs.contiguous();
        const auto y = d->labels.contiguous();
        h.add(std::string_view(static_cast<const char*>(x.data_ptr()), static_cast<std::size_t>(x.nbytes())));
        h.add(std::string_view(static_cast<const char*>(y.data_ptr()), static_cast<std::size_t>(y.nbytes())));
    }
    t.settings["data_hash"] = fmt::format("{:016x}", h.digest());
    t.settings["task"] = name;
    t.settings["data_seed"] = data_seed;
    t.settings["train_samples"] = t.train.size();
    t.settings["validation_samples"] = t.validation.size();
    t.settings["test_samples"] = t.test.size();
    t.settings["seed_genome"] = to_text(parse_genome(t.seed_genome, t.space()), t.space());
    return t;
}

}  // namespace evonas::bench
