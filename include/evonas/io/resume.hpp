// evonas: opening a run directory for a driver: a fresh run gets run.json,
// a resumed one is restored from its last checkpoint plus the lineage lines
// written after it (the write-ahead log), so no finished job is lost.
#pragma once

#include <algorithm>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/engine/island_model.hpp>
#include <evonas/error.hpp>
#include <evonas/io/checkpoint.hpp>
#include <evonas/io/lineage.hpp>
#include <evonas/io/run_directory.hpp>

namespace evonas {

/// The options a driver builds its model with: `requested`, and when
/// resuming a run directory that has a run.json, its auto fields taken from
/// the stored options (adopt_run_options), so the run continues with the
/// preset and sizes it was started with. Throws ParseError/IoError when
/// run.json cannot be read.
inline EvolutionOptions options_for_run(const EvolutionOptions& requested, const RunPaths& paths, bool resume) {
    if (!resume || paths.dir.empty() || !std::filesystem::exists(paths.run())) return requested;
    const auto stored = parse_json_text(read_text_file(paths.run(), "run description"), paths.run().string());
    return adopt_run_options(requested, stored.value("options", nlohmann::json()));
}

/// Prepares `paths.dir` for `model`'s run (see prepare_run_directory) and,
/// when resuming, restores the model from checkpoint.json and replays the
/// newer lineage lines (a torn last line is cut off). Returns the lineage
/// log to append to; the caller adds it to the model's observers. Call it
/// before the run starts, from the thread that will drive the model.
inline std::shared_ptr<LineageLog> open_run_files(IslandModel<Genome<LayerGene>>& model, const RunPaths& paths,
                                                  const nlohmann::json& identity, const nlohmann::json& extra,
                                                  bool resume) {
    const auto& space = model.space();
    if (!prepare_run_directory(paths, identity, extra, resume)) {
        return std::make_shared<LineageLog>(paths.lineage(), space, 0);
    }
    std::size_t covered = 0;  // lineage records the checkpoint already holds
    if (std::filesystem::exists(paths.checkpoint())) {
        const auto snapshot = read_checkpoint(paths.checkpoint());
        restore_model(model, snapshot, paths.checkpoint().string());
        covered = snapshot.value("lineage_records", std::size_t{0});
    }
    auto lineage = read_lineage(paths.lineage(), space);
    if (lineage.records.size() < covered) {
        throw ConfigError("run_dir", fmt::format("{} has {} job lines but the checkpoint covers {}: the log "
                                                 "was truncated or replaced; refusing to resume",
                                                 paths.lineage().string(), lineage.records.size(), covered));
    }
    double elapsed = model.progress().elapsed_seconds;
    for (std::size_t i = covered; i < lineage.records.size(); ++i) {
        model.replay(lineage.records[i]);
        elapsed = std::max(elapsed, lineage.records[i].work.finished);
    }
    model.set_elapsed(elapsed);
    trim_lineage(paths.lineage(), lineage);
    return std::make_shared<LineageLog>(paths.lineage(), space, lineage.records.size());
}

/// Writes checkpoint.json (with the number of lineage records it covers)
/// and best.txt, and tells the model's observers. Call it from the thread
/// that drives the model (under the driver's lock), not concurrently with
/// propose()/complete().
inline void write_run_checkpoint(const IslandModel<Genome<LayerGene>>& model, const RunPaths& paths,
                                 const LineageLog& log) {
    write_checkpoint(paths.checkpoint(), model_snapshot(model), {{"lineage_records", log.records()}});
    if (const auto result = model.result(); result.best) write_best(paths, *result.best, model.space());
    const auto progress_now = model.progress();
    for (const auto& o : model.observers()) o->on_checkpoint(paths.checkpoint(), progress_now);
}

}  // namespace evonas
