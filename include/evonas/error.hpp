// evonas: the exception types every bad input is reported with.
//
// Every error a user can cause (bad search space, options, genome text,
// checkpoint or data file) throws a subclass of evonas::Error whose message
// names the field, or the source, line and column, and what was expected.
#pragma once

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace evonas {

/// Base of every exception evonas throws on purpose. Catch this to handle
/// any evonas error; what() is a complete, user-facing sentence.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// An option, search-space entry or other configuration value is invalid.
/// field() is the dotted path of the offending value, e.g.
/// "IslandOptions.population" or "sections[1].max_layers".
class ConfigError : public Error {
public:
    /// The message is "field: problem".
    ConfigError(std::string field, const std::string& problem)
        : Error(fmt::format("{}: {}", field, problem)), field_(std::move(field)) {}

    /// Dotted path of the offending value.
    const std::string& field() const noexcept { return field_; }

private:
    std::string field_;
};

/// Text (genome notation, JSON, a data-file header) could not be parsed.
/// Positions are 1-based; line() is 1 for single-line inputs.
class ParseError : public Error {
public:
    /// The message is "source:line:column: problem"; `source` names the
    /// input, e.g. a file name or "genome text".
    ParseError(std::string source, std::size_t line, std::size_t column,
               const std::string& problem)
        : Error(fmt::format("{}:{}:{}: {}", source, line, column, problem)),
          source_(std::move(source)),
          problem_(problem),
          line_(line),
          column_(column) {}

    /// Name of the input, e.g. a file name or "genome text".
    const std::string& source() const noexcept { return source_; }
    /// The message without the "source:line:column: " prefix.
    const std::string& problem() const noexcept { return problem_; }
    /// 1-based line of the problem.
    std::size_t line() const noexcept { return line_; }
    /// 1-based column of the problem.
    std::size_t column() const noexcept { return column_; }

private:
    std::string source_;
    std::string problem_;
    std::size_t line_;
    std::size_t column_;
};

/// A file or directory could not be read or written. path() names it and
/// code() carries the operating system's reason when there is one.
class IoError : public Error {
public:
    /// The message is "path: problem", followed by ": reason" when `code`
    /// is set.
    IoError(std::filesystem::path path, const std::string& problem,
            std::error_code code = {})
        : Error(code ? fmt::format("{}: {}: {}", path.string(), problem, code.message())
                     : fmt::format("{}: {}", path.string(), problem)),
          path_(std::move(path)),
          code_(code) {}

    /// Builds an IoError from the current errno, for C-style calls.
    static IoError from_errno(std::filesystem::path path, const std::string& problem) {
        return IoError(std::move(path), problem, std::error_code(errno, std::generic_category()));
    }

    /// The file or directory that failed.
    const std::filesystem::path& path() const noexcept { return path_; }
    /// The operating system's reason; empty when there is none.
    std::error_code code() const noexcept { return code_; }

private:
    std::filesystem::path path_;
    std::error_code code_;
};

}  // namespace evonas
