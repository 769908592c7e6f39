// evonas::mpi: the MPI driver's entry point, called on every rank.
//
//     boost::mpi::environment env(argc, argv);
//     boost::mpi::communicator world;
//     auto result = evonas::mpi::evolve(world, space,
//         [](const evonas::mpi::RankPlace& p) { return MyTrainer(/*gpu=*/p.node_worker % 6); },
//         evonas::mpi::RunOptions{.evolution = {.islands = 4, .population = 32},
//                                 .run_dir = "run1"},
//         seeds);
//
// Ranks are split into islands (RunOptions::island_of); the lowest rank of
// an island is its master, the others its workers. Each master runs its
// island with the same engine as the thread driver; workers evaluate.
// Rank 0 (always a master) also writes the run files. See docs/cluster.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <nlohmann/json.hpp>

#include <evonas/engine/island_model.hpp>
#include <evonas/engine/trainer.hpp>
#include <evonas/error.hpp>
#include <evonas/io/checkpoint.hpp>
#include <evonas/io/progress.hpp>
#include <evonas/io/resume.hpp>
#include <evonas/io/run_directory.hpp>
#include <evonas/mpi/layout.hpp>
#include <evonas/mpi/master.hpp>
#include <evonas/mpi/options.hpp>
#include <evonas/mpi/worker.hpp>

namespace evonas::mpi {

namespace detail {

/// The factory takes a RankPlace, or (like a thread-driver factory) a
/// std::size_t, which gets the worker's index among the workers of its node.
template <class F>
decltype(auto) make_trainer_for(F& make, const RankPlace& place) {
    if constexpr (std::is_invocable_v<F&, const RankPlace&>) {
        return make(place);
    } else {
        return make(static_cast<std::size_t>(place.node_worker));
    }
}

template <class F, bool = std::is_invocable_v<F&, const RankPlace&>>
struct FactoryResult {
    using type = std::remove_cvref_t<std::invoke_result_t<F&, const RankPlace&>>;
};
template <class F>
struct FactoryResult<F, false> {
    using type = std::remove_cvref_t<std::invoke_result_t<F&, std::size_t>>;
};

/// Sends rank 0's resolved auto fields of the evolution options (preset,
/// population, tournament size, crossover probability, random fraction) to
/// every rank, which sets them in `evolution`.
inline void share_resolved(const boost::mpi::communicator& comm, EvolutionOptions& evolution) {
    std::vector<double> values;
    if (comm.rank() == 0) {
        values = {evolution.effective_preset() == EvolutionPreset::classic ? 1.0 : 0.0,
                  static_cast<double>(evolution.population), static_cast<double>(evolution.tournament_size),
                  evolution.crossover_probability.value_or(0.5), evolution.random_fraction.value_or(0.0)};
    }
    boost::mpi::broadcast(comm, values, 0);
    evolution.preset = values.at(0) != 0.0 ? EvolutionPreset::classic : EvolutionPreset::regularized;
    evolution.population = static_cast<std::size_t>(values.at(1));
    evolution.tournament_size = static_cast<std::size_t>(values.at(2));
    evolution.crossover_probability = values.at(3);
    evolution.random_fraction = values.at(4);
}

/// A master's model runs its own island only, with that island's share of
/// max_evaluations (and of max_resource, split evenly) as its budget. When resuming, it starts from the book's
/// snapshot narrowed to what a master of that island knows in a fresh run:
/// its island's finished count, best and genomes seen (for duplicates), so
/// that with islands that do not interact a resumed run continues exactly
/// as the uninterrupted one. Its stopper is rebuilt from the logged
/// reports (`reports`, in log order): its island's, and the others' when
/// stoppers compare across islands; a job still to train keeps its answers.
/// Its surrogate (EvolutionOptions::surrogate) learns its island's logged
/// results (`results`, in log order), as it learned them live.
template <class G>
std::unique_ptr<IslandModel<G>> make_island_model(const space_of<G>& space, const BasicRunOptions<G>& options,
                                                  const std::vector<G>& seeds, const EvolutionOperators<G>& operators,
                                                  std::size_t island, const std::string& snapshot,
                                                  const std::vector<char>& seen, const std::vector<char>& reports,
                                                  const std::vector<char>& results = {}) {
    auto evolution = options.evolution;
    evolution.stop.max_evaluations = island_share(evolution.stop.max_evaluations, evolution.islands, island);
    evolution.stop.max_resource /= static_cast<double>(evolution.islands);
    auto model = std::make_unique<IslandModel<G>>(space, evolution, seeds, operators);
    if (!snapshot.empty()) {
        auto state = nlohmann::json::parse(snapshot);
        const auto& mine = state.at("islands").at(island);
        const auto islands = static_cast<std::uint64_t>(options.evolution.islands);
        state["counts"]["finished"] = mine.at("finished");
        state["best_score"] = mine.contains("best") ? mine.at("best").at("fitness").at("score") : nlohmann::json();
        state["best_id"] = mine.contains("best") ? mine.at("best").at("id") : nlohmann::json(0);
        state["since_improvement"] = 0;
        // Jobs to send again belong to their island's master: another
        // island's would count against this island's budget.
        for (std::size_t j = 0; j < state.at("islands").size(); ++j) {
            if (j == island) continue;
            state["islands"][j]["retry"] = nlohmann::json::array();
            state["islands"][j].erase("resource");  // the budget's share is this island's own
        }
        restore_model(*model, state, "checkpoint (from rank 0)");
        for (std::size_t j = 0; j < model->island_count(); ++j) {
            if (j != island) model->take_inbox(j);  // the other islands' masters hold those
        }
        // The duplicate index: every island's genomes when masters share
        // it, else this island's own.
        read_seen(seen, [&](std::uint64_t hash, const SeenGenome& s) {
            if (options.share_duplicates || s.id % islands == island) model->note_seen(hash, s);
        });
        const bool shared = !options.evolution.early_stopping.per_island;
        read_reports(reports, [&](const Report& r, Decision d) {
            if (r.island == island) {
                model->replay_report(r, d, model->is_waiting(r.job));
            } else if (shared) {
                model->replay_report(r, d, false);
            }
        });
        if (!results.empty()) {
            wire::Reader r(results.data(), results.size(), "logged results");
            while (!r.at_end()) {
                const auto record = wire::read_record<G>(r, space);
                if (record.job.island == island) model->learn(record);
            }
        }
    }
    return model;
}

/// Every report line of a run's lineage log, in order, for the masters'
/// stoppers when a run with early stopping resumes.
template <class G>
std::vector<char> logged_reports(const std::filesystem::path& lineage, const space_of<G>& space) {
    wire::Writer w;
    if (!std::filesystem::exists(lineage)) return w.take();
    BasicLineageReader<G> reader(lineage, space, 0);
    while (auto event = reader.next()) {
        if (event->kind == LineageKind::report) write_report(w, event->report, event->decision);
    }
    return w.take();
}

/// Every trained, scored job of a run's lineage log, in order, for the
/// masters' surrogates when a run with the surrogate pre-screen resumes.
template <class G>
std::vector<char> logged_results(const std::filesystem::path& lineage, const space_of<G>& space) {
    wire::Writer w;
    if (!std::filesystem::exists(lineage)) return w.take();
    BasicLineageReader<G> reader(lineage, space, 0);
    while (auto event = reader.next()) {
        if (event->kind == LineageKind::job && event->record.trained && event->record.fitness.ok()) {
            wire::write(w, event->record, &space);
        }
    }
    return w.take();
}

/// The finished entries of a model's duplicate index, for the masters.
template <class G>
std::vector<char> seen_bytes(const IslandModel<G>& model) {
    wire::Writer w;
    model.seen().for_each([&](std::uint64_t hash, const SeenGenome& s) {
        if (s.finished) write_seen(w, hash, s);
    });
    return w.take();
}

}  // namespace detail

/// Evolves networks for `space` over the ranks of `comm`; every rank of
/// `comm` must call it with the same space, options and seeds.
///
/// `make_trainer(place)` makes the trainer of a worker rank from its
/// RankPlace (global rank, node-local rank, node_worker for picking a GPU);
/// a factory taking a std::size_t gets `place.node_worker`, so a thread
/// driver factory works unchanged. When the trainer has a check(), each
/// master also makes one (place.master is true) to check genomes before
/// dispatch.
///
/// Returns the run's result on every rank (rank 0 gathers it and sends it
/// to the others at the end). A trainer that throws yields a failed result
/// and the run goes on; a worker that stops answering is marked lost (see
/// RunOptions::lost_worker_grace_seconds) and its island carries on. Any
/// other error (a file that cannot be written, an observer that throws)
/// stops the run and evolve() throws on every rank, after all of them have
/// stopped communicating; the rank where it happened rethrows the original
/// exception. Observers run on rank 0 and see every finished job (all
/// islands, in the order rank 0 receives them), reports (early stopping),
/// migrations, checkpoints and the end; on_proposed is not called.
///
/// Collective over `comm`. Thread safety: blocks until the run ends; call it
/// from one thread per rank (the driver runs on that thread and calls the
/// trainer and observers from it). It communicates on its own duplicate of
/// `comm`, so other traffic on `comm` does not interfere.
///
/// Early stopping (EvolutionOptions::early_stopping, or a stopper in
/// `operators.stop`): a trainer's ctx.report() on a worker asks its island
/// master and waits for the answer (one round trip); masters share their
/// answered reports unless early_stopping.per_island (docs/cluster.md).
///
/// A genome type of your own (genome_traits<G>) is named when the
/// arguments do not say it: `mpi::evolve<MyGenome>(comm, space, ...)`, with
/// `mpi::BasicRunOptions<MyGenome>`; genomes travel as their text.
template <class G = Genome<LayerGene>, class Factory>
EvolutionResult<G> evolve(const boost::mpi::communicator& comm, const std::type_identity_t<space_of<G>>& space,
                          Factory&& make_trainer, const std::type_identity_t<BasicRunOptions<G>>& options,
                          std::vector<G> seeds = {}, EvolutionOperators<G> operators = {},
                          ObserverList<G> observers = {}) {
    static_assert(check_genome_type<G>());
    using Model = IslandModel<G>;
    using F = std::remove_reference_t<Factory>;
    static_assert(std::is_invocable_v<F&, const RankPlace&> || std::is_invocable_v<F&, std::size_t>,
                  "mpi::evolve: make_trainer must be callable as make_trainer(const evonas::mpi::RankPlace&) "
                  "or make_trainer(std::size_t node_worker)");
    using TrainerType = typename detail::FactoryResult<F>::type;
    static_assert(TrainerEvaluates<TrainerType, G>,
                  "mpi::evolve: the trainer must have evaluate(const G& genome, const evonas::JobContext&) "
                  "returning evonas::Fitness, G being the genome type evolved (see docs/trainer.md)");
    constexpr bool has_check = requires(TrainerType& t, G& g) {
        { t.check(g) } -> std::convertible_to<Check>;
    };

    options.validate();  // the same options on every rank: all throw, or none
    const bool early_stopping = options.evolution.early_stopping.kind != EarlyStopping::none ||
                                static_cast<bool>(operators.stop);
    // The driver's own communicator: its messages never mix with the
    // caller's, nor with those of an earlier run.
    boost::mpi::communicator run_comm(comm, boost::mpi::comm_duplicate);
    const auto layout = make_layout(run_comm, options.evolution.islands, options.island_of);
    const auto& place = layout.place;
    const bool root = run_comm.rank() == 0;
    const bool files = !options.run_dir.empty();

    // Rank 0: the book and the run files (restored when resuming). The
    // options' auto fields are resolved there (from run.json when resuming)
    // and sent to every rank, so all models use the same values, whatever
    // each master's share of the budget.
    detail::Book<G> book;
    std::unique_ptr<Model> book_model;
    std::string snapshot;
    std::vector<char> seen;
    std::vector<char> reports;  // the logged reports, for the masters' stoppers
    std::vector<char> results;  // the logged results, for the masters' surrogates
    double offset = 0.0;
    auto resolved = options;
    detail::agree_on(run_comm, [&] {
        if (!root) return;
        resolved.evolution = options_for_run(options.evolution, RunPaths{options.run_dir}, options.resume).resolved();
        book_model = std::make_unique<Model>(space, resolved.evolution, seeds, operators);
        if (files) {
            const nlohmann::json extra{{"driver", "mpi"},
                                       {"ranks", run_comm.size()},
                                       {"workers", layout.worker_count()},
                                       {"stop", stop_to_json(options.evolution.stop)}};
            book.paths = RunPaths{options.run_dir};
            book.log = open_run_files(*book_model, book.paths, run_identity<G>(space, book_model->options(), seeds),
                                      extra, options.resume);
            if (options.resume && options.evolution.islands > 1) {
                snapshot = model_snapshot(*book_model).dump();
                seen = detail::seen_bytes(*book_model);
                if (early_stopping) reports = detail::logged_reports<G>(book.paths.lineage(), space);
                if (resolved.evolution.surrogate.active()) {
                    results = detail::logged_results<G>(book.paths.lineage(), space);
                }
            }
        }
        offset = book_model->progress().elapsed_seconds;
    });
    boost::mpi::broadcast(run_comm, offset, 0);
    if (options.resume) {
        boost::mpi::broadcast(run_comm, snapshot, 0);
        boost::mpi::broadcast(run_comm, seen, 0);
        boost::mpi::broadcast(run_comm, reports, 0);
        boost::mpi::broadcast(run_comm, results, 0);
    }
    detail::share_resolved(run_comm, resolved.evolution);

    bool agreed = false;
    try {
        if (!place.master) {
            auto trainer = detail::make_trainer_for(make_trainer, place);
            agreed = true;
            detail::agree(run_comm, {});
            return detail::run_worker<G>(run_comm, layout.masters[place.island], trainer, place, space, options.stats,
                                         std::chrono::steady_clock::now(), early_stopping);
        }
        std::unique_ptr<Model> own;
        Model* model = nullptr;
        if (root && options.evolution.islands == 1) {
            model = book_model.get();  // its budget is the whole run's
        } else {
            own = detail::make_island_model<G>(space, resolved, seeds, operators, place.island,
                                            options.resume ? snapshot : std::string(), seen, reports, results);
            model = own.get();
        }
        if (root) {
            book.model = book_model.get();
            book.separate = book_model.get() != model;
            book.checkpoint_interval = options.checkpoint_interval;
            if (options.progress) book.observers.push_back(std::make_shared<BasicConsoleProgress<G>>(layout.worker_count()));
            for (auto& o : observers) book.observers.push_back(std::move(o));
        }
        const auto run = [&](typename Model::Prepare prepare) {
            detail::Master<G> master(run_comm, layout, space, *model, resolved, std::move(prepare),
                                  root ? &book : nullptr, std::chrono::steady_clock::now(), offset);
            return master.run();
        };
        if (options.check) {  // a check that needs no trainer (and no data)
            agreed = true;
            detail::agree(run_comm, {});
            return run(options.check);
        }
        if constexpr (has_check) {
            auto checker = detail::make_trainer_for(make_trainer, place);
            agreed = true;
            detail::agree(run_comm, {});
            return run([&checker](G& genome) { return trainer_check(checker, genome); });
        } else {
            agreed = true;
            detail::agree(run_comm, {});
            return run({});
        }
    } catch (...) {
        if (!agreed) detail::agree(run_comm, detail::describe(std::current_exception()), std::current_exception());
        throw;
    }
}

}  // namespace evonas::mpi
