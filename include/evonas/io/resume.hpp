// evonas: opening a run directory for a driver: a fresh run gets run.json,
// a resumed one is restored from its last checkpoint plus the lineage lines
// written after it (the write-ahead log), so no finished job is lost.
#pragma once

#include <algorithm>
#include <filesystem>
#include <memory>
#include <unordered_map>

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
/// when resuming, restores the model: the last checkpoint, the duplicate
/// index records it covers (seen.bin; a checkpoint of evonas 0.1 holds the
/// index itself), then every lineage line written after the checkpoint's
/// byte offset (jobs dispatched and finished since; a torn last line is cut
/// off). Jobs still in flight when the run stopped are requeued with their
/// ids, genomes and seeds. Without a checkpoint the whole log is replayed.
/// Returns the lineage log to append to; the caller adds it to the model's
/// observers. Call it before the run starts, from the thread that will
/// drive the model. ConfigError when the log was cut behind the checkpoint
/// (finished jobs it covers are gone): refuses, changes nothing.
template <class G>
std::shared_ptr<BasicLineageLog<G>> open_run_files(IslandModel<G>& model, const RunPaths& paths,
                                                   const nlohmann::json& identity, const nlohmann::json& extra,
                                                   bool resume) {
    const auto& space = model.space();
    if (!prepare_run_directory(paths, identity, extra, resume)) {
        std::error_code ignored;
        std::filesystem::remove(paths.seen(), ignored);  // a fresh run starts a fresh index
        return std::make_shared<BasicLineageLog<G>>(paths.lineage(), space, 0,
                                                    std::make_shared<SeenFile>(paths.seen()));
    }
    std::uint64_t offset = 0;     // lineage bytes the checkpoint covers
    std::uint64_t covered = 0;    // job lines it covers (evonas 0.1's checkpoints)
    std::uint64_t seen_count = 0; // seen.bin records it covers
    bool version_one = false;
    std::unordered_map<std::uint64_t, std::uint64_t> pending;  // job id -> its dispatched line
    if (std::filesystem::exists(paths.checkpoint())) {
        const auto snapshot = read_checkpoint(paths.checkpoint());
        restore_model(model, snapshot, paths.checkpoint().string(), [&](std::uint64_t id, std::uint64_t at) {
            pending[id] = at;
            return read_dispatched_at<G>(paths.lineage(), space, at);
        });
        version_one = snapshot.value("format_version", 0) == 1;
        offset = snapshot.value("lineage_bytes", std::uint64_t{0});
        covered = snapshot.value("lineage_records", std::uint64_t{0});
        seen_count = snapshot.value("seen_records", std::uint64_t{0});
    }
    std::error_code ec;
    const auto log_size = std::filesystem::exists(paths.lineage()) ? std::filesystem::file_size(paths.lineage(), ec) : 0;
    if (offset > log_size) {
        throw ConfigError("run_dir", fmt::format("{} has {} bytes but the checkpoint covers {}: the log lost lines "
                                                 "the checkpoint counts (a file system that did not keep what it had "
                                                 "flushed?); refusing to resume (nothing was changed)",
                                                 paths.lineage().string(), log_size, offset));
    }
    if (!version_one) {
        for (const auto& r : SeenFile::read(paths.seen(), seen_count)) model.note_seen(r.hash, r.seen);
    }
    // Early stopping and the surrogate: their state is not in the
    // checkpoint; it is rebuilt by feeding them every report and finished
    // job the log holds, in order (those before the checkpoint here, the
    // later ones in the replay below).
    if ((model.early_stopping() || model.surrogate()) && offset > 0) {
        BasicLineageReader<G> before(paths.lineage(), space, 0);
        while (auto event = before.next()) {
            if (event->begin_offset >= offset) break;
            if (event->kind == LineageKind::report && model.early_stopping()) {
                model.replay_report(event->report, event->decision, model.is_waiting(event->report.job));
            } else if (event->kind == LineageKind::job) {
                model.learn(event->record);
            }
        }
    }
    // Replay from the checkpoint's offset (evonas 0.1's checkpoints count
    // job lines: skip that many).
    BasicLineageReader<G> reader(paths.lineage(), space, offset);
    std::vector<SeenRecord> replayed;
    std::uint64_t jobs_seen = 0, records = covered;
    double elapsed = model.progress().elapsed_seconds;
    while (auto event = reader.next()) {
        if (event->kind == LineageKind::dispatched) {
            if (version_one) continue;  // evonas 0.1 wrote none; a line after its checkpoint cannot be one
            model.replay_dispatched(event->record.job);
            pending[event->record.job.id] = event->begin_offset;
        } else if (event->kind == LineageKind::report) {
            model.replay_report(event->report, event->decision, true);
        } else if (event->kind == LineageKind::job) {
            if (version_one && jobs_seen++ < covered) continue;
            const auto& r = event->record;
            pending.erase(r.job.id);
            model.replay(r);
            ++records;
            elapsed = std::max(elapsed, r.work.finished);
            if (r.trained) {
                replayed.push_back(SeenRecord{r.job.hash, SeenGenome{r.job.id, true, r.fitness.status,
                                                                     r.fitness.rank_score_or(0.0)}});
            }
        }
    }
    if (version_one && jobs_seen < covered) {
        throw ConfigError("run_dir", fmt::format("{} has {} job lines but the checkpoint covers {}: the log was "
                                                 "truncated or replaced; refusing to resume",
                                                 paths.lineage().string(), jobs_seen, covered));
    }
    model.requeue_in_flight();
    model.set_elapsed(elapsed);
    trim_lineage(paths.lineage(), reader.valid_bytes());
    auto seen = std::make_shared<SeenFile>(paths.seen());
    if (version_one) {
        seen->truncate(0);  // rebuilt from the checkpoint's cache and the replayed lines
        model.seen().for_each([&](std::uint64_t hash, const SeenGenome& s) {
            if (s.finished) seen->append(SeenRecord{hash, s});
        });
    } else {
        seen->truncate(seen_count);
        for (const auto& r : replayed) seen->append(r);
    }
    auto log = std::make_shared<BasicLineageLog<G>>(paths.lineage(), space, static_cast<std::size_t>(records), seen);
    for (const auto& [id, at] : pending) {
        if (at < reader.valid_bytes()) log->note_pending(id, at);  // (a line cut off with a torn tail is gone)
    }
    return log;
}

/// A checkpoint taken from the model under the driver's lock, to be written
/// outside it (write_checkpoint_files): the snapshot text, the best genome
/// and how much of the log and the index it covers.
struct PendingCheckpoint {
    std::string text;            ///< checkpoint.json's content
    std::string best;            ///< best.txt's content ("" when nothing scored yet)
    std::string pareto;          ///< pareto.txt's content (multi-objective runs; "" otherwise)
    std::string pareto_json;     ///< pareto.json's content (multi-objective runs; "" otherwise)
    Progress progress;           ///< where the run stood
};

/// Takes a checkpoint of `model` (O(population + islands)); call it where
/// the model is driven (under the driver's lock). It writes the seen.bin
/// records the log holds in memory (BasicLineageLog::flush), so the
/// checkpoint covers only records in the file.
template <class G>
PendingCheckpoint take_checkpoint(const IslandModel<G>& model, BasicLineageLog<G>& log) {
    log.flush();
    PendingCheckpoint c;
    auto snapshot = model_snapshot(model, [&log](std::uint64_t id) { return log.offset_of(id); });
    snapshot["lineage_bytes"] = log.bytes();
    snapshot["lineage_records"] = log.records();
    snapshot["seen_records"] = log.seen_records();
    c.text = snapshot.dump() + "\n";
    const auto result = model.result();
    if (result.best) c.best = best_text(*result.best, model.space());
    if (const auto& objectives = model.options().objectives; !objectives.empty()) {
        c.pareto = pareto_text(result.pareto_front, objectives, result.hypervolume, model.space());
        c.pareto_json = pareto_json(result.pareto_front, objectives, result.hypervolume, model.space()).dump(2) + "\n";
    }
    c.progress = model.progress();
    return c;
}

/// Writes a checkpoint taken with take_checkpoint(): first the lineage log
/// and seen.bin are flushed to disk (so the checkpoint never covers lines a
/// crash of the machine could take), then checkpoint.json and best.txt are
/// replaced atomically. May run outside the driver's lock while jobs go on
/// being logged; never two at a time for one run directory.
template <class G>
void write_checkpoint_files(const PendingCheckpoint& c, const RunPaths& paths, BasicLineageLog<G>& log) {
    log.sync();
    write_file_atomically(paths.checkpoint(), c.text, "checkpoint");
    if (!c.best.empty()) write_file_atomically(paths.best(), c.best, "best genome");
    if (!c.pareto.empty()) {
        write_file_atomically(paths.pareto(), c.pareto, "Pareto front");
        write_file_atomically(paths.pareto_json(), c.pareto_json, "Pareto front");
    }
}

/// Takes and writes a checkpoint, and tells the model's observers: for a
/// driver that writes them where it drives the model.
template <class G>
void write_run_checkpoint(const IslandModel<G>& model, const RunPaths& paths, BasicLineageLog<G>& log) {
    const auto c = take_checkpoint(model, log);
    write_checkpoint_files(c, paths, log);
    for (const auto& o : model.observers()) o->on_checkpoint(paths.checkpoint(), c.progress);
}

}  // namespace evonas
