// evonas::libtorch: CnnCheck, the pre-dispatch check of a CnnTrainer without
// the trainer: it needs the space, one sample's shape and the trainer's
// options, not the data. An MPI master runs it (mpi::RunOptions::check) so
// it never loads a data set it would not train on.
//
//     mpi_options.check = evonas::libtorch::CnnCheck(space, data.shape(), trainer_options);
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <evonas/engine/trainer.hpp>
#include <evonas/genome/cnn_shape.hpp>
#include <evonas/genome/genome.hpp>
#include <evonas/libtorch/trainer_options.hpp>
#include <evonas/space/search_space.hpp>

namespace evonas::libtorch {

/// The check a CnnTrainer with the same space, data shape and options runs
/// (CnnTrainer::check): the genes the trainer ignores are set to the values
/// it trains with, then the genome is repaired for the shape or rejected
/// (genome/cnn_shape.hpp, options.limits). Thread safety: const, share it.
class CnnCheck {
public:
    /// Checks genomes of `space` for samples of `shape` trained with `options`.
    CnnCheck(SearchSpace space, CnnDataShape shape, TrainerOptions options = {})
        : space_(std::move(space)), shape_(std::move(shape)), options_(std::move(options)) {
        options_.validate();
        evonas::detail::check_cnn_dims(space_, shape_);
    }

    /// Repairs `genome` in place or rejects it.
    Check operator()(Genome<LayerGene>& genome) const {
        ignored_genes_as_trained(genome);
        const auto r = repair_cnn_genome(genome, space_, shape_, options_.limits);
        if (!r.valid) return Check::invalid(r.problem);
        if (r.repaired()) {
            std::string what;
            for (const auto& c : r.changes) what += (what.empty() ? "" : "; ") + c;
            return Check::repaired(what);
        }
        return Check::fine();
    }

    /// Sets each global gene the options fix (epochs, bs, lr, mom, wd, opt
    /// when not from_genome) to the value training uses, and "mom" to its
    /// default when the optimiser is Adam (which has no momentum); a value
    /// outside the gene's range leaves the gene's default (reals kept at 4
    /// significant digits, as every real gene is). Returns how many genes
    /// changed.
    std::size_t ignored_genes_as_trained(Genome<LayerGene>& genome) const {
        std::size_t changed = 0;
        const auto index = [&](std::string_view name) -> std::optional<std::size_t> {
            const auto i = space_.find_global(name);
            if (!i || *i >= genome.globals().size()) return std::nullopt;
            return i;
        };
        const auto set = [&](std::string_view name, std::optional<double> value) {
            const auto i = index(name);
            if (!i) return;
            const auto& spec = space_.globals()[*i];
            const double wanted = value && spec.is_numeric() && spec.kind != ParamKind::integer
                                      ? quantize_real(*value) : value.value_or(spec.default_value);
            const double v = value && spec.contains(wanted) ? wanted : spec.default_value;
            if (genome.globals()[*i] != v) {
                genome.globals()[*i] = v;
                ++changed;
            }
        };
        // The optimiser training will use: the options', else the genome's
        // "opt" gene (sgd unless it says adam).
        bool adam = options_.optimizer == OptimizerKind::adam;
        if (options_.optimizer == OptimizerKind::from_genome) {
            if (const auto i = index("opt")) {
                const auto& spec = space_.globals()[*i];
                const auto c = static_cast<std::size_t>(genome.globals()[*i]);
                adam = spec.kind == ParamKind::choice && c < spec.choices.size() && spec.choices[c] == "adam";
            }
        }
        if (options_.epochs > 0) set("epochs", options_.epochs);
        if (options_.batch_size > 0) set("bs", static_cast<double>(options_.batch_size));
        if (options_.learning_rate > 0) set("lr", options_.learning_rate);
        if (options_.weight_decay >= 0) set("wd", options_.weight_decay);
        if (options_.momentum >= 0 && !adam) set("mom", options_.momentum);
        if (adam) set("mom", std::nullopt);
        if (options_.optimizer != OptimizerKind::from_genome) {
            if (const auto i = index("opt")) {
                const auto& spec = space_.globals()[*i];
                const auto want = adam ? "adam" : "sgd";
                for (std::size_t c = 0; spec.kind == ParamKind::choice && c < spec.choices.size(); ++c) {
                    if (spec.choices[c] == want) set("opt", static_cast<double>(c));
                }
            }
        }
        return changed;
    }

    const SearchSpace& space() const noexcept { return space_; }       ///< the space of the genomes
    const CnnDataShape& shape() const noexcept { return shape_; }      ///< one sample's shape and the classes
    const TrainerOptions& options() const noexcept { return options_; }  ///< the trainer's options

private:
    SearchSpace space_;
    CnnDataShape shape_;
    TrainerOptions options_;
};

}  // namespace evonas::libtorch
