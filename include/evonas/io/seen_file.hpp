// evonas: seen.bin, the duplicate index on disk: one fixed-size record per
// trained job (hash, id, status, score; 24 bytes, little-endian), appended
// as jobs finish. A checkpoint records how many records it covers; resume
// reads those (instead of parsing the whole lineage log to rebuild the
// index), cuts the file there and appends the jobs it replays from the log.
// So records after the last checkpoint are never read back: they are held
// in memory and written a few KiB at a time (and at every checkpoint),
// not with a write(2) each.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <evonas/engine/duplicate_index.hpp>
#include <evonas/error.hpp>
#include <evonas/io/files.hpp>

namespace evonas {

/// One record of seen.bin.
struct SeenRecord {
    std::uint64_t hash = 0;  ///< the genome's canonical hash
    SeenGenome seen;         ///< its job, status and score (finished)

    /// Every field equal.
    friend bool operator==(const SeenRecord&, const SeenRecord&) = default;
};

namespace detail {

inline constexpr std::size_t seen_record_bytes = 24;

inline void put_u64(unsigned char* p, std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline std::uint64_t get_u64(const unsigned char* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    return v;
}

}  // namespace detail

/// seen.bin: appends records, reads them back, cuts the file. Thread
/// safety: append(), flush() and truncate() from one thread at a time (the
/// driver's, as the lineage log); sync() may run in another thread.
class SeenFile {
public:
    /// Records held in memory before they are written (3 KiB).
    static constexpr std::size_t held_records = 128;

    /// Opens (creates) `path` for appending.
    explicit SeenFile(std::filesystem::path path) : path_(std::move(path)) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd_ < 0) throw IoError::from_errno(path_, "cannot open the duplicate index file");
        const auto size = std::filesystem::file_size(path_);
        records_ = size / detail::seen_record_bytes;
        held_.reserve(held_records * detail::seen_record_bytes);
    }
    /// Writes the records still held (errors are dropped here: a resume
    /// rebuilds records after the last checkpoint from the lineage log).
    ~SeenFile() {
        if (fd_ < 0) return;
        try {
            flush();
        } catch (...) {
        }
        ::close(fd_);
    }
    SeenFile(const SeenFile&) = delete;
    SeenFile& operator=(const SeenFile&) = delete;

    /// Appends one record: held in memory, written with the next
    /// `held_records` - 1 (or by flush()). IoError when a write fails.
    void append(const SeenRecord& r) {
        unsigned char bytes[detail::seen_record_bytes];
        detail::put_u64(bytes, r.hash);
        const std::uint64_t id_bits = (r.seen.id & ((1ULL << 60) - 1)) |
                                      (static_cast<std::uint64_t>(r.seen.status) << 60) |
                                      (r.seen.finished ? 1ULL << 63 : 0);
        detail::put_u64(bytes + 8, id_bits);
        std::uint64_t score_bits = 0;
        std::memcpy(&score_bits, &r.seen.score, sizeof score_bits);
        detail::put_u64(bytes + 16, score_bits);
        held_.insert(held_.end(), bytes, bytes + sizeof bytes);
        ++records_;
        if (held_.size() >= held_records * detail::seen_record_bytes) flush();
    }

    /// Writes the records held in memory (one write(2)). IoError when it fails.
    void flush() {
        const std::string_view bytes(reinterpret_cast<const char*>(held_.data()), held_.size());
        try {
            detail::write_whole(fd_, bytes, path_, "cannot append to the duplicate index file");
        } catch (...) {
            held_.clear();
            throw;
        }
        held_.clear();
    }

    /// Flushes what flush() wrote to disk (fsync); records still held in
    /// memory are not written here (call flush() first, from the appending
    /// thread). IoError when it fails.
    void sync() {
        if (::fsync(fd_) != 0) throw IoError::from_errno(path_, "cannot flush the duplicate index file to disk");
    }

    /// Records in the file, those held in memory included.
    std::uint64_t records() const noexcept { return records_; }

    /// Cuts the file to its first `count` records (held records first go to
    /// the file).
    void truncate(std::uint64_t count) {
        flush();
        if (::ftruncate(fd_, static_cast<off_t>(count * detail::seen_record_bytes)) != 0) {
            throw IoError::from_errno(path_, "cannot cut the duplicate index file");
        }
        records_ = count;
    }

    /// The first `count` records of `path` (all of them when it has fewer
    /// and `count` is the file's own count); IoError when it cannot be read,
    /// ParseError when it holds fewer than `count` records.
    static std::vector<SeenRecord> read(const std::filesystem::path& path, std::uint64_t count) {
        std::vector<SeenRecord> out;
        if (count == 0) return out;
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw IoError::from_errno(path, "cannot open the duplicate index file");
        out.reserve(count);
        std::vector<unsigned char> buffer(detail::seen_record_bytes * 4096);
        std::uint64_t offset = 0;
        const std::uint64_t want = count * detail::seen_record_bytes;
        while (offset < want) {
            const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), want - offset));
            const auto n = ::pread(fd, buffer.data(), chunk, static_cast<off_t>(offset));
            if (n < 0) {
                if (errno == EINTR) continue;
                const int e = errno;
                ::close(fd);
                throw IoError(path, "cannot read the duplicate index file", std::error_code(e, std::generic_category()));
            }
            if (n == 0) break;
            // A partial record at the end of a short read is read again whole.
            const auto whole = static_cast<std::size_t>(n) / detail::seen_record_bytes * detail::seen_record_bytes;
            for (std::size_t at = 0; at < whole; at += detail::seen_record_bytes) {
                const auto* p = buffer.data() + at;
                SeenRecord r;
                r.hash = detail::get_u64(p);
                const auto id_bits = detail::get_u64(p + 8);
                r.seen.id = id_bits & ((1ULL << 60) - 1);
                r.seen.status = static_cast<FitnessStatus>((id_bits >> 60) & 7);
                r.seen.finished = (id_bits >> 63) != 0;
                const auto score_bits = detail::get_u64(p + 16);
                std::memcpy(&r.seen.score, &score_bits, sizeof r.seen.score);
                out.push_back(r);
            }
            offset += whole;
            if (whole == 0) break;
        }
        ::close(fd);
        if (out.size() < count) {
            throw ParseError(path.string(), 1, 1,
                             fmt::format("the duplicate index file holds {} records, the checkpoint covers {}: it was "
                                         "truncated or replaced",
                                         out.size(), count));
        }
        return out;
    }

    /// The file this writes.
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
    int fd_ = -1;
    std::uint64_t records_ = 0;
    std::vector<unsigned char> held_;  // appended records not written yet
};

}  // namespace evonas
