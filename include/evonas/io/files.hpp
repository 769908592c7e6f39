// evonas: the file primitives every run file uses: read a whole file, parse
// JSON with line and column in errors, replace a file atomically, and
// write whole to a descriptor.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <evonas/error.hpp>

#if __has_include(<unistd.h>)
#include <fcntl.h>
#include <unistd.h>
#define EVONAS_HAVE_POSIX_IO 1
#endif

namespace evonas {

/// The whole content of `path`. Throws IoError naming `what` when it cannot
/// be read.
inline std::string read_text_file(const std::filesystem::path& path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError::from_errno(path, fmt::format("cannot open the {}", what));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw IoError::from_errno(path, fmt::format("cannot read the {}", what));
    return text;
}

/// 1-based line and column of byte `offset` in `text`.
inline std::pair<std::size_t, std::size_t> line_and_column(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    std::size_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    return {line, offset - line_start + 1};
}

/// Parses JSON text; a syntax error becomes ParseError(source, line, column).
inline nlohmann::json parse_json_text(std::string_view text, const std::string& source) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // e.byte is the 1-based index of the last byte read: the offending one.
        const auto [line, column] = line_and_column(text, e.byte == 0 ? 0 : e.byte - 1);
        std::string message = e.what();
        if (const auto colon = message.find(": ");
            message.starts_with("[json.exception") && colon != std::string::npos) {
            message = message.substr(colon + 2);  // drop nlohmann's "[id] parse error at ..."
        }
        throw ParseError(source, line, column, message);
    } catch (const nlohmann::json::exception& e) {
        // e.g. a number too large for a double: nlohmann gives no position
        std::string message = e.what();
        if (const auto bracket = message.find("] ");
            message.starts_with("[json.exception") && bracket != std::string::npos) {
            message = message.substr(bracket + 2);
        }
        throw ParseError(source, 1, 1, message);
    }
}

/// Flushes a directory's entries to disk (fsync of the directory), so a
/// file just created or renamed in it survives a crash of the machine.
/// Throws IoError when the directory cannot be opened or flushed; a file
/// system that cannot flush directories (EINVAL) is accepted as is.
inline void sync_directory(const std::filesystem::path& dir) {
#ifdef EVONAS_HAVE_POSIX_IO
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw IoError::from_errno(dir, "cannot open the directory to flush it");
    const int rc = ::fsync(fd);
    const int e = errno;
    ::close(fd);
    if (rc != 0 && e != EINVAL) {
        throw IoError(dir, "cannot flush the directory to disk", std::error_code(e, std::generic_category()));
    }
#else
    (void)dir;
#endif
}

#ifdef EVONAS_HAVE_POSIX_IO
namespace detail {

// Writes all of `bytes` to `fd` (write(2) again after a short write or an
// interrupted one); IoError(path, `problem`) when it fails. The run files
// that append (lineage.jsonl, seen.bin) write with it.
inline void write_whole(int fd, std::string_view bytes, const std::filesystem::path& path, const char* problem) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw IoError::from_errno(path, problem);
        }
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace detail
#endif

/// Replaces `path` with `text` atomically: writes `path.tmp`, flushes it to
/// disk, renames it over `path` and flushes the directory. A crash or a full disk leaves either
/// the old file or the new one, never a half-written one. Throws IoError
/// naming `what`; the temporary file is removed on failure. Not safe to call
/// for the same `path` from two threads or processes at once (they share
/// `path.tmp`); different paths are independent.
inline void write_file_atomically(const std::filesystem::path& path, std::string_view text,
                                  std::string_view what) {
    std::filesystem::path temp = path;
    temp += ".tmp";
    const auto fail = [&](const std::string& problem, std::error_code ec) {
        std::error_code ignored;
        std::filesystem::remove(temp, ignored);
        throw IoError(temp, problem, ec);
    };
    std::FILE* file = std::fopen(temp.c_str(), "wb");
    if (!file) {
        throw IoError::from_errno(temp, fmt::format("cannot create the temporary {} file", what));
    }
    const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
    const int write_errno = errno;
    bool flushed = written && std::fflush(file) == 0;
#ifdef EVONAS_HAVE_POSIX_IO
    flushed = flushed && ::fsync(::fileno(file)) == 0;
#endif
    const int flush_errno = errno;
    const bool closed = std::fclose(file) == 0;
    if (!written || !flushed || !closed) {
        const int e = !written ? write_errno : flush_errno;
        fail(fmt::format("cannot write the temporary {} file", what),
             std::error_code(e ? e : EIO, std::generic_category()));
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) fail(fmt::format("cannot move the temporary {} file into place", what), ec);
    sync_directory(path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path());
}

}  // namespace evonas
