// The search benchmark's evaluation cache: one JSON-lines file per task,
// shared by every process of a benchmark run (evonas searches and the
// Optuna peer's evaluation server alike).
//
// Why it is sound: with common random numbers (EvolutionOptions::job_seeds =
// per_genome) a network's training seed is a function of its genome, and
// training on one CPU thread is deterministic, so a network's result is a
// function of (task, genome, seed kind). Training it again would give the
// same line; the cache only saves the time. Each result keeps the CPU
// seconds its training took, and a search is charged those seconds whether
// the line came from the cache or not, so the cost axis is what the search
// would have spent on its own.
//
// The file name carries a fingerprint of the task's settings, so a change of
// data, epochs or limits never reads stale results. Writers append whole
// lines under an exclusive flock(2); readers pick up other processes' lines
// (from the offset they had reached) when they miss.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/error.hpp>
#include <evonas/genome/hash.hpp>

namespace evonas::bench {

/// A stable fingerprint of a JSON value (its compact dump, hashed).
inline std::uint64_t json_fingerprint(const nlohmann::json& j) {
    evonas::detail::StableHasher h;
    h.add(std::string_view(j.dump()));
    return h.digest();
}

/// The cache of one task. Thread safety: one object per thread.
class EvalCache {
public:
    /// An empty `dir` disables the cache (every lookup misses, nothing is written).
    EvalCache(const std::filesystem::path& dir, const std::string& task, const nlohmann::json& settings) {
        if (dir.empty()) return;
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) throw IoError(dir, "cannot create the cache directory", ec);
        path_ = dir / fmt::format("{}-{:016x}.jsonl", task, json_fingerprint(settings));
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd_ < 0) throw IoError(path_, "cannot open the evaluation cache", std::error_code(errno, std::generic_category()));
        refresh();
    }
    EvalCache(const EvalCache&) = delete;
    EvalCache& operator=(const EvalCache&) = delete;
    ~EvalCache() {
        if (fd_ >= 0) ::close(fd_);
    }

    /// The result stored under `key`, reading lines other processes added
    /// since the last look when it is not known yet.
    std::optional<nlohmann::json> find(const std::string& key) {
        if (fd_ < 0) return std::nullopt;
        if (auto it = entries_.find(key); it != entries_.end()) return it->second;
        refresh();
        if (auto it = entries_.find(key); it != entries_.end()) return it->second;
        return std::nullopt;
    }

    /// Appends `result` under `key` (one line, under an exclusive lock).
    void store(const std::string& key, const nlohmann::json& result) {
        entries_[key] = result;
        if (fd_ < 0) return;
        const auto line = nlohmann::json{{"key", key}, {"result", result}}.dump() + "\n";
        Lock lock(fd_, LOCK_EX);
        std::size_t done = 0;
        while (done < line.size()) {
            const auto n = ::write(fd_, line.data() + done, line.size() - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw IoError(path_, "cannot append to the evaluation cache", std::error_code(errno, std::generic_category()));
            }
            done += static_cast<std::size_t>(n);
        }
    }

    /// Results known to this process.
    std::size_t size() const noexcept { return entries_.size(); }
    /// The cache file ("" when disabled).
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    struct Lock {
        Lock(int fd, int how) : fd_(fd) { while (::flock(fd_, how) != 0 && errno == EINTR) {} }
        ~Lock() { ::flock(fd_, LOCK_UN); }
        int fd_;
    };

    // Reads whole lines from offset_ on; a line still being written (no
    // newline yet) is left for the next look.
    void refresh() {
        Lock lock(fd_, LOCK_SH);
        std::string chunk;
        char buffer[1 << 16];
        for (;;) {
            const auto n = ::pread(fd_, buffer, sizeof buffer, static_cast<off_t>(offset_ + chunk.size()));
            if (n < 0) {
                if (errno == EINTR) continue;
                throw IoError(path_, "cannot read the evaluation cache", std::error_code(errno, std::generic_category()));
            }
            if (n == 0) break;
            chunk.append(buffer, static_cast<std::size_t>(n));
        }
        std::size_t start = 0;
        for (std::size_t end; (end = chunk.find('\n', start)) != std::string::npos; start = end + 1) {
            const auto j = nlohmann::json::parse(chunk.begin() + static_cast<std::ptrdiff_t>(start),
                                                 chunk.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
            if (j.is_object() && j.contains("key") && j.contains("result")) {
                entries_[j["key"].get<std::string>()] = j["result"];
            }
        }
        offset_ += start;
    }

    std::filesystem::path path_;
    int fd_ = -1;
    std::uint64_t offset_ = 0;
    std::unordered_map<std::string, nlohmann::json> entries_;
};

}  // namespace evonas::bench
