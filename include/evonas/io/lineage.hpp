// evonas: lineage.jsonl, the run's write-ahead log. One JSON line per event,
// written with one write(2) on an O_APPEND descriptor as it happens:
//
//   "dispatched"  a job went to a worker (so a resume can send it again)
//   "job"         a job finished: its result, worker and times
//   "migration"   an island sent migrants to another
//   "warning"     something a user should know that did not stop the run
//   "front"       multi-objective runs: the Pareto front changed (its size,
//                 hypervolume and the job that changed it)
//
// A line reaches the kernel before the engine call that wrote it returns,
// so a killed process loses no finished job. A worker's result and its next
// job (IslandModel::complete_and_propose) are one call: their two lines go
// out with one write(2) at its end. A checkpoint first flushes the
// log to disk (fsync), so a node crash loses at most what came after the
// last checkpoint, and those jobs are trained again. A resume reads only the
// lines after the checkpoint's byte offset.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <tuple>
#include <string>
#include <unordered_map>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/engine/observer.hpp>
#include <evonas/error.hpp>
#include <evonas/io/files.hpp>
#include <evonas/io/record_json.hpp>
#include <evonas/io/record_line.hpp>
#include <evonas/io/seen_file.hpp>

namespace evonas {

/// An observer that appends the run's events to lineage.jsonl, and each
/// trained job to the duplicate index file (seen.bin) when given one. A
/// failed write throws IoError out of the engine call, which stops the run:
/// no result is ever silently dropped. Thread safety: appends and flush()
/// come from one thread at a time (the engine calls observers from the
/// thread that drives it, under the driver's lock); sync() may run in
/// another thread at the same time (a write and an fsync of one descriptor
/// do not race).
template <class G>
class BasicLineageLog : public Observer<G> {
public:
    using genome_type = G;  ///< the genome type the log records

    /// Opens `path` for appending (creates it). `records_before` is the
    /// number of job lines already in the file; `seen` (may be null) gets a
    /// record per trained job.
    BasicLineageLog(std::filesystem::path path, const space_of<G>& space, std::size_t records_before = 0,
               std::shared_ptr<SeenFile> seen = nullptr)
        : path_(std::move(path)), space_(space), records_(records_before), seen_(std::move(seen)),
          plain_genome_(detail::genome_text_is_plain<G>(space)) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd_ < 0) throw IoError::from_errno(path_, "cannot open the lineage log for appending");
        std::error_code ec;
        bytes_ = std::filesystem::file_size(path_, ec);
        if (ec) throw IoError(path_, "cannot read the lineage log's size", ec);
    }
    ~BasicLineageLog() override {
        if (fd_ >= 0) ::close(fd_);
    }
    BasicLineageLog(const BasicLineageLog&) = delete;
    BasicLineageLog& operator=(const BasicLineageLog&) = delete;

    /// Appends a "dispatched" line for `job` (and remembers where it is,
    /// until the job finishes: a checkpoint refers to it by that offset).
    void on_proposed(const Job<G>& job, const Progress&) override {
        // The line is kept until the job line, which repeats all of it with
        // the result put in: formatting a genome was a third of the log's
        // cost per job, the job's other fields most of the rest.
        auto& pending = pending_[job.id];
        pending.offset = bytes_;
        if (pending.dispatched.capacity() == 0 && !spare_.empty()) {  // a finished job's buffer
            pending.dispatched = std::move(spare_.back());
            spare_.pop_back();
        }
        pending.dispatched.clear();
        detail::append_job_line<G>(pending.dispatched, job, nullptr, space_, text_, &pending.marks, plain_genome_);
        write_text(pending.dispatched);
    }

    /// Appends a "job" line for `record` (and its seen.bin record when it
    /// was trained).
    void on_finished(const JobRecord<G>& record, const Progress& progress) override {
        line_.clear();
        const auto pending = pending_.find(record.job.id);
        if (pending != pending_.end() && !pending->second.dispatched.empty()) {
            detail::append_job_line_from_dispatched(line_, pending->second.dispatched, pending->second.marks,
                                                    record.fitness, record.work, record.trained);
        } else {  // not dispatched (rejected by the check, a reused twin) or dispatched before a resume
            detail::append_job_line<G>(line_, record.job, &record, space_, text_, nullptr, plain_genome_);
        }
        if (progress.front_updates > front_updates_) {  // the front changed with this job
            front_updates_ = progress.front_updates;
            line_ += nlohmann::json{{"type", "front"}, {"job", record.job.id}, {"size", progress.front_size},
                                    {"hypervolume", std::isfinite(progress.hypervolume)
                                                        ? nlohmann::json(progress.hypervolume)
                                                        : nlohmann::json(nullptr)},
                                    {"time", progress.elapsed_seconds}}
                         .dump() +
                     "\n";
        }
        write_text(line_);
        ++records_;
        if (pending != pending_.end()) {
            if (spare_.size() < 64) spare_.push_back(std::move(pending->second.dispatched));
            pending_.erase(pending);
        }
        if (seen_ && record.trained) {
            seen_->append(SeenRecord{record.job.hash, SeenGenome{record.job.id, true, record.fitness.status,
                                                                 record.fitness.rank_score_or(0.0)}});
        }
    }

    /// Appends a "report" line (job id, island, step, value, decision, time).
    void on_reported(const Report& r, Decision decision, const Progress& progress) override {
        write_text(report_to_json(r, decision, progress.elapsed_seconds).dump() + "\n");
    }

    /// Appends a "migration" line (from, to, ids, time).
    void on_migrated(const MigrationEvent& event, const Progress& progress) override {
        write_text(nlohmann::json{{"type", "migration"}, {"from", event.from}, {"to", event.to}, {"ids", event.ids},
                                  {"time", progress.elapsed_seconds}}
                       .dump() +
                   "\n");
    }

    /// Appends a "warning" line (text, time).
    void on_warning(const std::string& text, const Progress& progress) override {
        write_text(nlohmann::json{{"type", "warning"}, {"text", text}, {"time", progress.elapsed_seconds}}.dump() + "\n");
    }

    /// Holds the lines that follow until on_batch_end().
    void on_batch_begin() override { holding_ = true; }

    /// Writes the lines held since on_batch_begin() with one write(2).
    void on_batch_end() override {
        holding_ = false;
        if (held_.empty()) return;
        try {
            write_all(held_);
        } catch (...) {
            held_.clear();  // a failed write is not made again by a later batch
            throw;
        }
        held_.clear();
    }

    /// Writes what is held in memory and flushes the log (and seen.bin) to
    /// disk; IoError when that fails.
    void on_end(const Progress&) override {
        flush();
        sync();
    }

    /// Writes the seen.bin records held in memory (SeenFile::flush): call it
    /// where the model is driven, before a checkpoint counts them
    /// (take_checkpoint does).
    void flush() {
        if (seen_) seen_->flush();
    }

    /// Flushes the log and seen.bin to disk (fsync): what was written so far
    /// survives a crash of the machine, not only of the process.
    void sync() {
        if (::fsync(fd_) != 0) throw IoError::from_errno(path_, "cannot flush the lineage log to disk");
        if (seen_) seen_->sync();
    }

    /// Where the "dispatched" line of job `id` starts, while the job is in
    /// flight or waiting to be sent again (else nullopt).
    std::optional<std::uint64_t> offset_of(std::uint64_t id) const {
        const auto it = pending_.find(id);
        if (it == pending_.end()) return std::nullopt;
        return it->second.offset;
    }
    /// Records where the "dispatched" line of a job that is not finished is
    /// (a resume tells a new log about the jobs it sends again).
    void note_pending(std::uint64_t id, std::uint64_t offset) { pending_[id] = {offset, {}}; }

    /// Job lines in the file (before and after opening).
    std::size_t records() const noexcept { return records_; }
    /// Bytes in the file: where the next line goes.
    std::uint64_t bytes() const noexcept { return bytes_; }
    /// Records in seen.bin (0 without one).
    std::uint64_t seen_records() const noexcept { return seen_ ? seen_->records() : 0; }
    /// The lineage.jsonl file this log appends to.
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    // One write(2) per line, or per batch (on_batch_end): the line reaches
    // the kernel before the engine call returns (no stdio buffer to flush),
    // so a killed process loses no finished job. `bytes_` counts a held
    // line at once: a job's "dispatched" offset is where its line will be.
    void write_text(const std::string& line) {
        if (holding_) {
            held_ += line;
        } else {
            write_all(line);
        }
        bytes_ += line.size();
    }

    void write_all(const std::string& text) { detail::write_whole(fd_, text, path_, "cannot write to the lineage log"); }

    std::filesystem::path path_;
    const space_of<G>& space_;
    std::size_t records_ = 0;
    std::uint64_t front_updates_ = 0;  // the Progress::front_updates of the last "front" line
    std::shared_ptr<SeenFile> seen_;
    bool plain_genome_ = false;  // genome texts need no JSON escaping (detail::genome_text_is_plain)
    int fd_ = -1;
    std::uint64_t bytes_ = 0;
    // A job between its dispatched line and its job line.
    struct Pending {
        std::uint64_t offset = 0;   // where its dispatched line starts
        std::string dispatched;     // that line ("" after a resume)
        detail::DispatchedMarks marks;  // its parts, for the job line
    };
    std::unordered_map<std::uint64_t, Pending> pending_;  // job id -> its dispatched line
    std::vector<std::string> spare_;  // finished jobs' line buffers, for the next ones
    std::string line_;  // reused: no allocation per job once they have grown
    std::string text_;
    bool holding_ = false;  // between on_batch_begin() and on_batch_end()
    std::string held_;      // the lines held meanwhile
};

/// The lineage log of the layer genome.
using LineageLog = BasicLineageLog<Genome<LayerGene>>;

/// What a lineage line is.
enum class LineageKind { dispatched, job, migration, warning, report, front };

/// One line of a lineage log as read back.
template <class G>
struct BasicLineageEvent {
    /// What the line is.
    using Kind = LineageKind;
    Kind kind = Kind::job;           ///< the kind of this line
    JobRecord<G> record;             ///< the job (dispatched: record.job only)
    Report report;                   ///< a report line's report
    Decision decision = Decision::keep_training;  ///< and the answer it got
    std::uint64_t begin_offset = 0;       ///< byte offset of this line
    std::uint64_t end_offset = 0;         ///< byte offset just after this line
};

/// A lineage line of the layer genome.
using LineageEvent = BasicLineageEvent<Genome<LayerGene>>;

/// Reads lineage.jsonl from byte `offset` on, one line at a time, without
/// holding the file in memory. A last line without its newline (torn by a
/// crash) ends the reading and is reported by torn_tail(); any other bad
/// line is a ParseError or ConfigError naming the file and line.
template <class G>
class BasicLineageReader {
public:
    /// Opens `path` at `offset` (a missing file reads as empty).
    BasicLineageReader(std::filesystem::path path, const space_of<G>& space, std::uint64_t offset = 0)
        : path_(std::move(path)), space_(space), offset_(offset), valid_(offset), offset_label_(offset > 0) {
        if (!std::filesystem::exists(path_)) {
            done_ = true;
            return;
        }
        in_.open(path_, std::ios::binary);
        if (!in_) throw IoError::from_errno(path_, "cannot open the lineage log");
        in_.seekg(static_cast<std::streamoff>(offset));
        if (!in_) throw IoError(path_, fmt::format("cannot seek to byte {} of the lineage log", offset));
    }

    /// The next event, or nullopt at the end (or at a torn last line).
    std::optional<BasicLineageEvent<G>> next() {
        std::string line;
        while (!done_) {
            line.clear();
            if (!std::getline(in_, line)) {
                done_ = true;
                break;
            }
            const bool complete = !in_.eof();
            ++line_no_;
            if (!complete) {  // no newline: torn by a crash
                torn_ = !line.empty();
                done_ = true;
                break;
            }
            const auto begin = offset_;
            offset_ += line.size() + 1;
            if (line.empty()) {
                valid_ = offset_;
                continue;
            }
            const auto source = fmt::format("{}:{}", path_.string(), line_label());
            nlohmann::json j;
            try {
                j = parse_json_text(line, source);
            } catch (const ParseError& e) {  // report the file's line, not the snippet's
                throw ParseError(path_.string(), line_no_, e.column(), e.problem());
            }
            const auto type = j.is_object() ? j.value("type", "") : "";
            BasicLineageEvent<G> event;
            if (type == "job") {
                event.kind = LineageKind::job;
                event.record = record_from_json<G>(j, space_, source);
            } else if (type == "dispatched") {
                event.kind = LineageKind::dispatched;
                event.record.job = job_from_json<G>(j, space_, source);
            } else if (type == "migration") {
                event.kind = LineageKind::migration;
            } else if (type == "warning") {
                event.kind = LineageKind::warning;
            } else if (type == "front") {
                event.kind = LineageKind::front;
            } else if (type == "report") {
                event.kind = LineageKind::report;
                std::tie(event.report, event.decision) = report_from_json(j, source);
            } else {
                throw ParseError(path_.string(), line_no_, 1,
                                 "expected a lineage record with \"type\": \"job\", \"dispatched\", \"migration\", "
                                 "\"warning\", \"report\" or \"front\"");
            }
            valid_ = offset_;
            event.begin_offset = begin;
            event.end_offset = offset_;
            return event;
        }
        return std::nullopt;
    }

    /// True when the log ended in a line without its newline.
    bool torn_tail() const noexcept { return torn_; }
    /// Bytes up to the end of the last complete line read.
    std::uint64_t valid_bytes() const noexcept { return valid_; }

private:
    // Lines are counted from the offset; "+N" says so in messages.
    std::string line_label() const { return offset_label_ ? fmt::format("+{}", line_no_) : std::to_string(line_no_); }

    std::filesystem::path path_;
    const space_of<G>& space_;
    std::ifstream in_;
    std::uint64_t offset_ = 0;
    std::uint64_t valid_ = 0;
    std::size_t line_no_ = 0;
    bool offset_label_ = false;
    bool done_ = false;
    bool torn_ = false;
};

/// The lineage reader of the layer genome.
using LineageReader = BasicLineageReader<Genome<LayerGene>>;

/// The job of the "dispatched" line that starts at byte `offset` of the
/// log (a checkpoint's reference). ParseError/ConfigError naming the file
/// and offset when there is no such line.
template <class G = Genome<LayerGene>>
Job<G> read_dispatched_at(const std::filesystem::path& path, const space_of<G>& space, std::uint64_t offset) {
    BasicLineageReader<G> reader(path, space, offset);
    const auto event = reader.next();
    if (!event || event->kind != LineageKind::dispatched) {
        throw ParseError(path.string(), 1, 1,
                         fmt::format("expected a \"dispatched\" line at byte {} (the checkpoint refers to it)", offset));
    }
    return event->record.job;
}

/// What read_lineage() found.
template <class G>
struct BasicLineageContents {
    std::vector<JobRecord<G>> records;  ///< job lines, in file order
    std::size_t dispatched = 0;                         ///< dispatched lines
    std::size_t migrations = 0;                         ///< migration lines
    std::size_t warnings = 0;                           ///< warning lines
    std::size_t fronts = 0;                             ///< front lines (multi-objective runs)
    std::vector<std::pair<Report, Decision>> reports;   ///< report lines, in file order
    std::size_t valid_bytes = 0;                        ///< bytes up to the last complete line
    bool torn_tail = false;  ///< the last line had no newline (a crash mid-write): ignored
};

/// What read_lineage() found for the layer genome.
using LineageContents = BasicLineageContents<Genome<LayerGene>>;

/// Reads the whole of lineage.jsonl into memory (for tools and tests; a
/// resume reads from the checkpoint's offset with LineageReader instead).
/// Errors as LineageReader; a missing file reads as empty.
template <class G = Genome<LayerGene>>
BasicLineageContents<G> read_lineage(const std::filesystem::path& path, const space_of<G>& space) {
    BasicLineageContents<G> contents;
    BasicLineageReader<G> reader(path, space);
    while (auto event = reader.next()) {
        switch (event->kind) {
            case LineageKind::job: contents.records.push_back(std::move(event->record)); break;
            case LineageKind::dispatched: ++contents.dispatched; break;
            case LineageKind::migration: ++contents.migrations; break;
            case LineageKind::warning: ++contents.warnings; break;
            case LineageKind::report: contents.reports.emplace_back(event->report, event->decision); break;
            case LineageKind::front: ++contents.fronts; break;
        }
    }
    contents.valid_bytes = static_cast<std::size_t>(reader.valid_bytes());
    contents.torn_tail = reader.torn_tail();
    return contents;
}

/// Cuts the log to its first `valid_bytes` bytes (a torn last line, or
/// lines a resume could not use) so new lines append cleanly.
inline void trim_lineage(const std::filesystem::path& path, std::uint64_t valid_bytes) {
    std::error_code ec;
    if (std::filesystem::file_size(path, ec) == valid_bytes || ec) return;
    std::filesystem::resize_file(path, valid_bytes, ec);
    if (ec) throw IoError(path, "cannot cut the torn last line off the lineage log", ec);
}

/// Cuts a torn last line off the log so new lines append cleanly.
template <class G>
void trim_lineage(const std::filesystem::path& path, const BasicLineageContents<G>& contents) {
    if (contents.torn_tail) trim_lineage(path, contents.valid_bytes);
}

}  // namespace evonas
