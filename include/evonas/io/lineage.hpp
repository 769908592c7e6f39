// evonas: lineage.jsonl, one JSON line per finished job (and one per
// migration), flushed as it is written: the run's write-ahead log. A resume
// replays the lines written after the last checkpoint, so a crash loses only
// the jobs still training.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/engine/observer.hpp>
#include <evonas/error.hpp>
#include <evonas/io/files.hpp>
#include <evonas/io/record_json.hpp>
#include <evonas/io/record_line.hpp>

namespace evonas {

/// An observer that appends each finished job to lineage.jsonl and flushes.
/// A failed write throws IoError out of the engine call, which stops the
/// run: no result is ever silently dropped. Thread safety: appends come from
/// one thread at a time (the engine calls observers from the thread that
/// drives it, under the driver's lock); the log does no locking of its own.
class LineageLog : public Observer<Genome<LayerGene>> {
public:
    using G = Genome<LayerGene>;  ///< the genome type the log records

    /// Opens `path` for appending (creates it). `records_before` is the
    /// number of job lines already in the file (from read_lineage()).
    LineageLog(std::filesystem::path path, const SearchSpace& space, std::size_t records_before = 0)
        : path_(std::move(path)), space_(space), records_(records_before) {
        file_ = std::fopen(path_.c_str(), "ab");
        if (!file_) throw IoError::from_errno(path_, "cannot open the lineage log for appending");
    }
    ~LineageLog() override {
        if (file_) std::fclose(file_);
    }
    LineageLog(const LineageLog&) = delete;
    LineageLog& operator=(const LineageLog&) = delete;

    /// Appends a "job" line for `record` and flushes it.
    void on_finished(const JobRecord<G>& record, const Progress&) override {
        line_.clear();
        append_record_line(line_, record, space_, text_);
        write_text(line_);
        ++records_;
    }

    /// Appends a "migration" line (from, to, ids, time) and flushes it.
    void on_migrated(const MigrationEvent& event, const Progress& progress) override {
        write_line({{"type", "migration"}, {"from", event.from}, {"to", event.to}, {"ids", event.ids},
                    {"time", progress.elapsed_seconds}});
    }

    /// Flushes the file; IoError when that fails.
    void on_end(const Progress&) override {
        if (file_ && std::fflush(file_) != 0) throw IoError::from_errno(path_, "cannot flush the lineage log");
    }

    /// Job lines in the file (before and after opening).
    std::size_t records() const noexcept { return records_; }
    /// The lineage.jsonl file this log appends to.
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    void write_line(const nlohmann::json& j) { write_text(j.dump() + "\n"); }

    // One fwrite + fflush per line: the line reaches the kernel before the
    // engine call returns, so a killed process loses no finished job.
    void write_text(const std::string& line) {
        if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
            throw IoError::from_errno(path_, "cannot write to the lineage log");
        }
    }

    std::filesystem::path path_;
    const SearchSpace& space_;
    std::size_t records_ = 0;
    std::FILE* file_ = nullptr;
    std::string line_;  // reused: no allocation per job once they have grown
    std::string text_;
};

/// What read_lineage() found.
struct LineageContents {
    std::vector<JobRecord<Genome<LayerGene>>> records;  ///< job lines, in file order
    std::size_t migrations = 0;                         ///< migration lines
    std::size_t valid_bytes = 0;                        ///< bytes up to the last complete line
    bool torn_tail = false;  ///< the last line had no newline (a crash mid-write): ignored
};

/// Reads lineage.jsonl. A last line without its newline (torn by a crash)
/// is ignored and reported; any other bad line is a ParseError or
/// ConfigError naming the file and line. A missing file reads as empty.
inline LineageContents read_lineage(const std::filesystem::path& path, const SearchSpace& space) {
    LineageContents contents;
    if (!std::filesystem::exists(path)) return contents;
    const auto text = read_text_file(path, "lineage log");
    std::size_t pos = 0;
    std::size_t line_no = 0;
    while (pos < text.size()) {
        const auto end = text.find('\n', pos);
        ++line_no;
        if (end == std::string::npos) {
            contents.torn_tail = true;
            break;
        }
        const auto line = std::string_view(text).substr(pos, end - pos);
        const auto source = fmt::format("{}:{}", path.string(), line_no);
        if (!line.empty()) {
            nlohmann::json j;
            try {
                j = parse_json_text(line, source);
            } catch (const ParseError& e) {  // report the file's line, not the snippet's
                throw ParseError(path.string(), line_no, e.column(), e.problem());
            }
            const auto type = j.is_object() ? j.value("type", "") : "";
            if (type == "job") {
                contents.records.push_back(record_from_json(j, space, source));
            } else if (type == "migration") {
                ++contents.migrations;
            } else {
                throw ParseError(source, line_no, 1, "expected a lineage record with \"type\": \"job\" or \"migration\"");
            }
        }
        pos = end + 1;
        contents.valid_bytes = pos;
    }
    return contents;
}

/// Cuts a torn last line off the log so new lines append cleanly.
inline void trim_lineage(const std::filesystem::path& path, const LineageContents& contents) {
    if (!contents.torn_tail) return;
    std::error_code ec;
    std::filesystem::resize_file(path, contents.valid_bytes, ec);
    if (ec) throw IoError(path, "cannot cut the torn last line off the lineage log", ec);
}

}  // namespace evonas
