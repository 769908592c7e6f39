// evonas: reduced 1-D small-angle scattering curves (SANS, SAXS) read from
// text files, one curve per file.
//
// Accepted: columns q, I[, dI[, dQ[, more...]]] separated by whitespace
// and/or single commas; '#' starts a comment that runs to the end of the
// line; a header block before the data (column names, a CSV header line,
// NIST's .ABS header). Columns past the fourth are read but ignored
// (NIST's 6-column .ABS block: q, I, dI, sigmaQ, meanQ, shadow factor, so
// resolution = sigmaQ). Lines end with "\n", "\r\n" or "\r"; a UTF-8 byte
// order mark is skipped.
//
// Where the data starts (the header rule). A "row" is a line whose fields
// are all numbers (NaN, inf and out-of-range numbers count as numbers here,
// so they are reported rather than taken for header). The data width C is
// the number of fields of the longest run of consecutive rows of equal
// width with at least 2 fields (blank and comment lines do not break a run;
// the first run wins a tie). Before the data, a header may hold text lines,
// comments, blank lines, and lines of numbers that have a width other than
// C and a text line right above and below them (comments and blank lines
// aside): NIST's header values, e.g. the numbers under "MON CNT LAMBDA
// ...". The data block starts at the first line of numbers that is not
// such a header line, and everything from there to the end must be a row
// of exactly C numbers, a comment or blank. So no data row is ever dropped
// silently: a stray row before the data, a missing or extra column, a text
// line among the data all throw ParseError with the line and column
// (columns count bytes from 1, after a byte order mark).
//
// Every malformed input throws ParseError(source, line, column, problem);
// a file that cannot be read throws IoError. Parsing is one linear pass
// over the lines plus one over the data block, with no recursion.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/io/files.hpp>

namespace evonas {

/// One reduced 1-D scattering curve as read from a text file. Units are
/// the file's (SANS: q in 1/Angstrom, I in 1/cm); nothing is converted.
/// Thread safety: a plain value.
struct Curve {
    std::vector<double> q;           ///< scattering vector: > 0 and strictly increasing
    std::vector<double> intensity;   ///< I(q), one per q; may be <= 0 after background subtraction
    std::vector<double> error;       ///< uncertainty of I (>= 0), one per q; empty without a third column
    std::vector<double> resolution;  ///< q resolution dQ (>= 0), one per q; empty without a fourth column
    std::string source;              ///< the file (or name) the curve came from, for messages

    /// Same points, columns and source.
    friend bool operator==(const Curve&, const Curve&) = default;
};

namespace detail {

/// What one field of a line is.
enum class CurveFieldKind : unsigned char { number, not_finite, out_of_range, empty, text };

/// One field of a line: where it starts (0-based byte in the line), its text
/// and its value when it is a number.
struct CurveField {
    std::size_t at = 0;
    std::string_view text;
    CurveFieldKind kind = CurveFieldKind::text;
    double value = 0.0;
};

/// What a whole line is.
enum class CurveLineKind : unsigned char { blank, text, numbers };

/// One line's class and, for numbers, its field count.
struct CurveLineClass {
    CurveLineKind kind = CurveLineKind::blank;
    std::size_t fields = 0;
};

inline constexpr std::string_view utf8_bom{"\xEF\xBB\xBF", 3};

/// The lines of `text`, split at "\n", "\r\n" and "\r" (old Mac files),
/// without their terminators.
inline std::vector<std::string_view> split_curve_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\n' && text[i] != '\r') continue;
        lines.push_back(text.substr(start, i - start));
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        start = i + 1;
    }
    if (start < text.size()) lines.push_back(text.substr(start));
    return lines;
}

inline bool is_curve_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

/// Classifies one field. A leading '+' is accepted (some Fortran writers
/// print it); from_chars does the rest, locale-independently.
inline CurveFieldKind parse_curve_number(std::string_view s, double& value) {
    if (s.empty()) return CurveFieldKind::empty;
    if (s.front() == '+') {
        s.remove_prefix(1);
        if (s.empty() || s.front() == '+' || s.front() == '-') return CurveFieldKind::text;
    }
    const char* end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, value);
    if (ec == std::errc::invalid_argument || ptr != end) return CurveFieldKind::text;
    if (ec == std::errc::result_out_of_range) return CurveFieldKind::out_of_range;
    if (ec != std::errc{}) return CurveFieldKind::text;
    return std::isfinite(value) ? CurveFieldKind::number : CurveFieldKind::not_finite;
}

/// Splits `line` into fields: runs of characters other
/// than whitespace and ','; one comma between two fields is a separator, so
/// "1, 2" and "1 2" are alike, while a leading or trailing comma or two in a
/// row make an empty field (as CSV reads it). A '#' ends the line.
inline void split_curve_fields(std::string_view line, std::vector<CurveField>& fields) {
    fields.clear();
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const auto add = [&](std::size_t at, std::string_view text) {
        CurveField field;
        field.at = at;
        field.text = text;
        field.kind = parse_curve_number(text, field.value);
        fields.push_back(field);
    };
    bool after_comma = false;  // a field must follow
    std::size_t i = 0;
    while (true) {
        while (i < line.size() && is_curve_space(line[i])) ++i;
        if (i >= line.size()) {
            if (after_comma) add(i, {});
            return;
        }
        if (line[i] == ',') {
            if (after_comma || fields.empty()) add(i, {});
            after_comma = true;
            ++i;
            continue;
        }
        const std::size_t start = i;
        while (i < line.size() && !is_curve_space(line[i]) && line[i] != ',') ++i;
        add(start, line.substr(start, i - start));
        after_comma = false;
    }
}

/// Blank (nothing but spaces and comments), numbers (every field a number,
/// possibly an empty CSV field, at least one not empty) or text.
inline CurveLineClass classify_curve_line(const std::vector<CurveField>& fields) {
    if (fields.empty()) return {CurveLineKind::blank, 0};
    bool any_value = false;
    for (const auto& f : fields) {
        if (f.kind == CurveFieldKind::text) return {CurveLineKind::text, fields.size()};
        any_value = any_value || f.kind != CurveFieldKind::empty;
    }
    return {any_value ? CurveLineKind::numbers : CurveLineKind::text, fields.size()};
}

/// `text` shortened and with unprintable bytes replaced, for a message.
inline std::string curve_excerpt(std::string_view text) {
    constexpr std::size_t limit = 24;
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        out += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '?';
    }
    if (text.size() > limit) out += "...";
    return out;
}

/// "1 number" / "3 numbers".
inline std::string count_numbers(std::size_t n) { return fmt::format("{} number{}", n, n == 1 ? "" : "s"); }

}  // namespace detail

/// Parses one curve from the text of a reduced 1-D data file (the formats
/// and the header rule are in this header's opening comment). `source`
/// names the input in error messages. Throws ParseError(source, line,
/// column, problem) when there is no data block, when a line inside it is
/// not a row of the data's width, a field is empty, not finite or out of a
/// double's range, q is not > 0 or does not increase strictly, dI or dQ is
/// negative, or fewer than 2 points remain.
inline Curve parse_curve_text(std::string_view text, const std::string& source) {
    using detail::CurveFieldKind;
    using detail::CurveLineKind;
    // Columns count after a byte order mark, as editors show them.
    if (text.starts_with(detail::utf8_bom)) text.remove_prefix(detail::utf8_bom.size());
    const auto lines = detail::split_curve_lines(text);
    const auto fail = [&](std::size_t index, std::size_t at, const std::string& problem) {
        throw ParseError(source, index + 1, at + 1, problem);
    };

    // Pass 1: classify every line and find the data width: the longest run
    // of rows (>= 2 fields) of one width.
    std::vector<detail::CurveLineClass> classes(lines.size());
    std::vector<detail::CurveField> fields;
    std::size_t best_width = 0, best_rows = 0, best_first = 0;
    std::size_t run_width = 0, run_rows = 0, run_first = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        detail::split_curve_fields(lines[i], fields);
        classes[i] = detail::classify_curve_line(fields);
        const auto& c = classes[i];
        if (c.kind == CurveLineKind::blank) continue;
        if (c.kind == CurveLineKind::numbers && c.fields >= 2) {
            if (run_rows > 0 && c.fields == run_width) {
                ++run_rows;
            } else {
                run_width = c.fields;
                run_rows = 1;
                run_first = i;
            }
            if (run_rows > best_rows) {
                best_rows = run_rows;
                best_width = run_width;
                best_first = run_first;
            }
        } else {
            run_rows = 0;
        }
    }
    if (best_rows == 0) {
        fail(0, 0, text.find_first_not_of(" \t\r\n\v\f") == std::string_view::npos
                       ? "the file is empty: expected rows of numbers q, I[, dI[, dQ]]"
                       : "no data: expected rows of at least 2 numbers (q, I[, dI[, dQ]])");
    }
    const std::size_t width = best_width;

    // The header ends at the first line of numbers that is not a header row
    // (a width other than the data's, between two text lines).
    const auto neighbour_is_text = [&](std::size_t i, bool forward) {
        while (forward ? ++i < lines.size() : i-- > 0) {
            const auto kind = classes[i].kind;
            if (kind == CurveLineKind::blank) continue;
            return kind == CurveLineKind::text;
        }
        return false;  // the file's start or end is no text line
    };
    std::size_t start = lines.size();
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (classes[i].kind != CurveLineKind::numbers) continue;
        const bool header_row =
            classes[i].fields != width && neighbour_is_text(i, false) && neighbour_is_text(i, true);
        if (!header_row) {
            start = i;
            break;
        }
    }
    // start <= best_first: the longest run's rows are never header rows.

    // Pass 2: the data block, strictly.
    Curve curve;
    curve.source = source;
    std::size_t previous_line = 0;
    for (std::size_t i = start; i < lines.size(); ++i) {
        const auto kind = classes[i].kind;
        if (kind == CurveLineKind::blank) continue;
        detail::split_curve_fields(lines[i], fields);
        if (kind == CurveLineKind::text) {
            // A text line has a text field or only empty ones.
            const auto bad = std::find_if(fields.begin(), fields.end(),
                                          [](const auto& f) { return f.kind == CurveFieldKind::text; });
            if (bad == fields.end()) {
                fail(i, fields.empty() ? 0 : fields[0].at,
                     fmt::format("empty fields: expected a data row of {}", detail::count_numbers(width)));
            }
            fail(i, bad->at, fmt::format("expected a data row of {}, found '{}' (the data starts at line {}; "
                                         "a header goes before it, notes after '#')",
                                         detail::count_numbers(width), detail::curve_excerpt(bad->text), start + 1));
        }
        if (const auto empty = std::find_if(fields.begin(), fields.end(),
                                            [](const auto& f) { return f.kind == CurveFieldKind::empty; });
            empty != fields.end()) {
            fail(i, empty->at, "empty field (a leading, trailing or doubled comma): expected a number");
        }
        if (fields.size() != width) {
            const std::size_t at = fields.size() > width ? fields[width].at : lines[i].size();
            fail(i, at, fmt::format("this row has {}, the data rows have {} (the longest run of rows starts at "
                                    "line {}); mark header lines with '#'",
                                    detail::count_numbers(fields.size()), width, best_first + 1));
        }
        for (const auto& f : fields) {
            switch (f.kind) {
                case CurveFieldKind::number: break;
                case CurveFieldKind::empty: break;  // reported above
                case CurveFieldKind::not_finite:
                    fail(i, f.at, fmt::format("'{}' is not a finite number", detail::curve_excerpt(f.text)));
                    break;
                case CurveFieldKind::out_of_range:
                    fail(i, f.at, fmt::format("'{}' is out of the range of a double", detail::curve_excerpt(f.text)));
                    break;
                case CurveFieldKind::text:
                    fail(i, f.at, fmt::format("'{}' is not a number", detail::curve_excerpt(f.text)));
                    break;
            }
        }
        const double q = fields[0].value;
        if (!(q > 0.0)) fail(i, fields[0].at, fmt::format("q must be > 0, got {}", q));
        if (!curve.q.empty() && !(q > curve.q.back())) {
            fail(i, fields[0].at,
                 fmt::format("q must increase strictly from row to row: {} is not greater than {} (line {}); "
                             "sort the rows and merge repeated q values",
                             q, curve.q.back(), previous_line + 1));
        }
        curve.q.push_back(q);
        curve.intensity.push_back(fields[1].value);
        if (width >= 3) {
            if (fields[2].value < 0.0) {
                fail(i, fields[2].at, fmt::format("the uncertainty dI (column 3) must be >= 0, got {}", fields[2].value));
            }
            curve.error.push_back(fields[2].value);
        }
        if (width >= 4) {
            if (fields[3].value < 0.0) {
                fail(i, fields[3].at, fmt::format("the resolution dQ (column 4) must be >= 0, got {}", fields[3].value));
            }
            curve.resolution.push_back(fields[3].value);
        }
        previous_line = i;
    }
    if (curve.q.size() < 2) {
        fail(previous_line, 0, "only 1 data row: a curve needs at least 2 points");
    }
    return curve;
}

/// Reads one curve file (see parse_curve_text); the curve's source and the
/// errors name `path`. Throws IoError when it cannot be read, ParseError
/// when its content is malformed.
inline Curve read_curve_file(const std::filesystem::path& path) {
    const std::string text = read_text_file(path, "curve file");
    return parse_curve_text(text, path.string());
}

}  // namespace evonas
