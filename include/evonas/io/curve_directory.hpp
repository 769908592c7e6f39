// evonas: labelled sets of 1-D scattering curves read from a directory of
// class folders or from a CSV manifest, and put on one q grid as the
// arrays a trainer takes.
//
// Directory layout: DIR/<class>/<curve files>, one sub-directory per class.
// Class names are the sub-directory names in byte order, label = index.
// Read in each class: regular files (symbolic links followed) whose
// extension is .txt, .dat, .csv or .abs in any case (the usual names of
// reduced 1-D data, NIST's .ABS included), in file-name byte order. Hidden
// entries (name starting with '.') are ignored; other files and nested
// directories are skipped and listed in CurveSet::skipped, so a README or
// a plot next to the data does no harm. .ses (SESANS) files hold spin-echo
// data, not I(q), and are skipped.
//
// Manifest: a CSV file whose header names the columns `file` and `label`
// (any order, other columns ignored). Paths are relative to the manifest's
// folder (absolute ones are taken as they are). Labels are class names;
// classes are the distinct names in byte order, unless every label is an
// integer in [0, max_integer_label]: then the labels are the class indices
// as written and the class names are "0" .. the largest. Fields may be
// quoted ("a, b.txt"; "" is a quote); blank lines and lines starting with
// '#' are skipped.
//
// Errors: IoError for a directory that is missing, empty or has a class
// without curve files, or a file that cannot be read; ParseError naming the
// manifest's line for a manifest problem (header, field count, empty field,
// a file missing or listed twice); ParseError naming the curve file and its
// line for a malformed curve.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/io/data_source.hpp>  // detail::lower_extension
#include <evonas/io/curve_text.hpp>
#include <evonas/io/files.hpp>
#include <evonas/io/npy_array.hpp>
#include <evonas/io/q_grid.hpp>

namespace evonas {

/// Labelled curves: curves[i] has label labels[i], the index of its class
/// in class_names. Thread safety: a plain value.
struct CurveSet {
    std::vector<Curve> curves;                   ///< in reading order
    std::vector<std::int64_t> labels;            ///< one per curve
    std::vector<std::string> class_names;        ///< index = label
    std::vector<std::filesystem::path> skipped;  ///< files and folders not read (read_curve_classes), to report
};

/// The extensions read_curve_classes() reads (lower case; matched in any
/// case).
inline constexpr std::array<std::string_view, 4> curve_file_extensions{".abs", ".csv", ".dat", ".txt"};

/// The largest integer label a manifest may use as a class index (class
/// names "0" .. the largest label are made for it).
inline constexpr std::int64_t max_integer_label = 65535;

/// True when `path`'s extension is one of curve_file_extensions, in any
/// case.
inline bool is_curve_file_name(const std::filesystem::path& path) {
    const auto ext = detail::lower_extension(path);
    return std::find(curve_file_extensions.begin(), curve_file_extensions.end(), ext) != curve_file_extensions.end();
}

namespace detail {

inline bool is_hidden_entry(const std::filesystem::path& path) {
    const std::string name = path.filename().string();
    return !name.empty() && name.front() == '.';
}

/// The entries of `dir` (hidden ones left out), sorted by file name.
inline std::vector<std::filesystem::directory_entry> sorted_entries(const std::filesystem::path& dir) {
    std::vector<std::filesystem::directory_entry> entries;
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    if (ec) throw IoError(dir, "cannot list the directory", ec);
    for (const std::filesystem::directory_iterator end; it != end; it.increment(ec)) {
        if (!is_hidden_entry(it->path())) entries.push_back(*it);
    }
    if (ec) throw IoError(dir, "cannot list the directory", ec);
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return a.path().filename().string() < b.path().filename().string();
    });
    return entries;
}

inline std::string extension_list() {
    std::string out;
    for (auto ext : curve_file_extensions) out += fmt::format("{}{}", out.empty() ? "" : ", ", ext);
    return out;
}

}  // namespace detail

/// Reads DIR/CLASS/FILES, one sub-directory per class (the layout, the files read and the errors are
/// in this header's opening comment). Throws IoError when `dir` is missing,
/// not a directory, has no class sub-directory, or a class has no curve
/// file; ParseError (from parse_curve_text, naming the file and line) for
/// a malformed curve file.
inline CurveSet read_curve_classes(const std::filesystem::path& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto status = fs::status(dir, ec);
    if (status.type() == fs::file_type::not_found) throw IoError(dir, "the curve directory does not exist");
    if (ec) throw IoError(dir, "cannot read the curve directory", ec);
    if (!fs::is_directory(status)) throw IoError(dir, "is not a directory (expected one sub-directory per class)");
    CurveSet set;
    std::vector<fs::path> class_dirs;
    for (const auto& entry : detail::sorted_entries(dir)) {
        if (entry.is_directory(ec)) {
            class_dirs.push_back(entry.path());
        } else {
            set.skipped.push_back(entry.path());
        }
    }
    if (class_dirs.empty()) {
        throw IoError(dir, fmt::format("holds no class sub-directories ({} other entries): put each class's curve "
                                       "files in a sub-directory named after the class",
                                       set.skipped.size()));
    }
    for (std::size_t label = 0; label < class_dirs.size(); ++label) {
        const auto& class_dir = class_dirs[label];
        set.class_names.push_back(class_dir.filename().string());
        std::size_t read = 0, other = 0;
        for (const auto& entry : detail::sorted_entries(class_dir)) {
            if (!entry.is_regular_file(ec) || !is_curve_file_name(entry.path())) {
                set.skipped.push_back(entry.path());
                ++other;
                continue;
            }
            set.curves.push_back(read_curve_file(entry.path()));
            set.labels.push_back(static_cast<std::int64_t>(label));
            ++read;
        }
        if (read == 0) {
            throw IoError(class_dir, fmt::format("class '{}' has no curve files ({}); {} other entries skipped",
                                                 set.class_names.back(), detail::extension_list(), other));
        }
    }
    return set;
}

namespace detail {

/// One field of a manifest line: its text (unquoted) and 0-based column.
struct ManifestField {
    std::string text;
    std::size_t at = 0;
};

/// Splits one CSV line into fields: unquoted fields are trimmed of spaces
/// and tabs; a quoted field may hold commas and "" for a quote.
inline std::vector<ManifestField> split_manifest_line(std::string_view line, std::size_t line_index,
                                                      const std::string& source) {
    std::vector<ManifestField> fields;
    std::size_t i = 0;
    const auto space = [&](std::size_t k) { return k < line.size() && (line[k] == ' ' || line[k] == '\t'); };
    while (true) {
        while (space(i)) ++i;
        ManifestField field;
        field.at = i;
        if (i < line.size() && line[i] == '"') {
            const std::size_t open = i++;
            bool closed = false;
            while (i < line.size()) {
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        field.text += '"';
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                field.text += line[i++];
            }
            if (!closed) throw ParseError(source, line_index + 1, open + 1, "the quoted field has no closing '\"'");
            while (space(i)) ++i;
            if (i < line.size() && line[i] != ',') {
                throw ParseError(source, line_index + 1, i + 1, "expected ',' or the end of the line after a quoted field");
            }
        } else {
            const std::size_t start = i;
            while (i < line.size() && line[i] != ',') ++i;
            std::size_t end = i;
            while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
            field.text = std::string(line.substr(start, end - start));
        }
        fields.push_back(std::move(field));
        if (i >= line.size()) return fields;
        ++i;  // the comma
    }
}

/// The value of `text` when all of it is a decimal integer.
inline bool parse_manifest_integer(const std::string& text, std::int64_t& value) {
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    return !text.empty() && ec == std::errc{} && ptr == end;
}

}  // namespace detail

/// Reads the curves a CSV manifest lists (the format and the class order
/// are in this header's opening comment). Throws IoError when the manifest
/// or a curve file cannot be read; ParseError naming the manifest and line
/// when the header lacks `file` or `label`, a row has another number of
/// fields than the header, a file or label is empty, a file does not exist,
/// is not a regular file or is listed twice, an integer label is out of
/// [0, max_integer_label] or there are no rows; ParseError naming the curve
/// file and line for a malformed curve.
inline CurveSet read_curve_manifest(const std::filesystem::path& csv) {
    namespace fs = std::filesystem;
    const std::string file_text = read_text_file(csv, "curve manifest");
    std::string_view text = file_text;
    if (text.starts_with(detail::utf8_bom)) text.remove_prefix(detail::utf8_bom.size());
    const std::string source = csv.string();
    const auto lines = detail::split_curve_lines(text);
    const fs::path base = csv.parent_path();

    struct Row {
        std::size_t line;
        fs::path path;
        std::string label;
        std::size_t label_at;
    };
    std::vector<Row> rows;
    std::map<std::string, std::size_t> seen;  // normal path -> line
    std::size_t file_column = 0, label_column = 0, columns = 0;
    bool have_header = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto first = lines[i].find_first_not_of(" \t");
        if (first == std::string_view::npos || lines[i][first] == '#') continue;
        const auto fields = detail::split_manifest_line(lines[i], i, source);
        if (!have_header) {
            bool have_file = false, have_label = false;
            for (std::size_t k = 0; k < fields.size(); ++k) {
                std::string name = fields[k].text;
                for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                if (name == "file" && !have_file) {
                    file_column = k;
                    have_file = true;
                } else if (name == "label" && !have_label) {
                    label_column = k;
                    have_label = true;
                }
            }
            if (!have_file || !have_label) {
                throw ParseError(source, i + 1, 1,
                                 fmt::format("the header must name the columns 'file' and 'label' (e.g. "
                                             "\"file,label\"), found '{}'",
                                             detail::curve_excerpt(lines[i])));
            }
            columns = fields.size();
            have_header = true;
            continue;
        }
        if (fields.size() != columns) {
            throw ParseError(source, i + 1, fields.back().at + 1,
                             fmt::format("this row has {} fields, the header has {}", fields.size(), columns));
        }
        const auto& file = fields[file_column];
        const auto& label = fields[label_column];
        if (file.text.empty()) throw ParseError(source, i + 1, file.at + 1, "the file name is empty");
        if (label.text.empty()) throw ParseError(source, i + 1, label.at + 1, "the label is empty");
        fs::path path(file.text);
        if (path.is_relative() && !base.empty()) path = base / path;
        std::error_code ec;
        const auto status = fs::status(path, ec);
        if (!fs::exists(status)) {
            throw ParseError(source, i + 1, file.at + 1,
                             fmt::format("the curve file '{}' does not exist (looked for {})", file.text, path.string()));
        }
        if (!fs::is_regular_file(status)) {
            throw ParseError(source, i + 1, file.at + 1,
                             fmt::format("'{}' is not a regular file ({})", file.text, path.string()));
        }
        const auto [where, added] = seen.emplace(path.lexically_normal().string(), i + 1);
        if (!added) {
            throw ParseError(source, i + 1, file.at + 1,
                             fmt::format("'{}' is listed twice (also on line {})", file.text, where->second));
        }
        rows.push_back({i + 1, std::move(path), label.text, label.at});
    }
    if (!have_header) throw ParseError(source, 1, 1, "the manifest is empty: expected a header \"file,label\" and rows");
    if (rows.empty()) throw ParseError(source, lines.size(), 1, "the manifest lists no curve files");

    CurveSet set;
    std::vector<std::int64_t> numbers(rows.size());
    bool all_integers = true;
    for (std::size_t r = 0; r < rows.size() && all_integers; ++r) {
        all_integers = detail::parse_manifest_integer(rows[r].label, numbers[r]);
    }
    if (all_integers) {
        std::int64_t largest = 0;
        for (std::size_t r = 0; r < rows.size(); ++r) {
            if (numbers[r] < 0 || numbers[r] > max_integer_label) {
                throw ParseError(source, rows[r].line, rows[r].label_at + 1,
                                 fmt::format("integer labels are class indices in [0, {}], got {}",
                                             max_integer_label, numbers[r]));
            }
            largest = std::max(largest, numbers[r]);
        }
        for (std::int64_t c = 0; c <= largest; ++c) set.class_names.push_back(std::to_string(c));
        set.labels = numbers;
    } else {
        for (const auto& row : rows) set.class_names.push_back(row.label);
        std::sort(set.class_names.begin(), set.class_names.end());
        set.class_names.erase(std::unique(set.class_names.begin(), set.class_names.end()), set.class_names.end());
        for (const auto& row : rows) {
            const auto at = std::lower_bound(set.class_names.begin(), set.class_names.end(), row.label);
            set.labels.push_back(static_cast<std::int64_t>(at - set.class_names.begin()));
        }
    }
    set.curves.reserve(rows.size());
    for (const auto& row : rows) set.curves.push_back(read_curve_file(row.path));
    return set;
}

/// What resample_curves() made up: grid points outside curves' q ranges
/// (given the nearest end value) and intensities <= 0 raised to each
/// curve's smallest positive one. Print describe() of it.
struct ResampleReport {
    std::size_t curves = 0;          ///< curves resampled
    std::size_t grid_points = 0;     ///< points of the grid
    double grid_min = 0.0;           ///< the grid's first q
    double grid_max = 0.0;           ///< the grid's last q
    std::size_t curves_outside = 0;  ///< curves with at least one grid point outside their q range
    std::size_t points_below = 0;    ///< grid points below a curve's first q, summed over curves
    std::size_t points_above = 0;    ///< grid points above a curve's last q, summed over curves
    std::string worst_source;        ///< the curve with the most grid points outside its range ("" when none)
    std::size_t worst_below = 0;     ///< that curve's grid points below its first q
    std::size_t worst_above = 0;     ///< that curve's grid points above its last q
    double worst_q_min = 0.0;        ///< that curve's first q
    double worst_q_max = 0.0;        ///< that curve's last q
    std::size_t curves_clamped = 0;  ///< curves with intensities <= 0
    std::size_t points_clamped = 0;  ///< their points with I <= 0, summed over curves
};

/// Curves on one grid, as the arrays a trainer takes.
struct ResampledCurves {
    NpyArray intensities;   ///< float32 [N, points]: raw intensities (not logged nor scaled)
    NpyArray labels;        ///< int64 [N]
    ResampleReport report;  ///< what was made up, for the user
};

/// Puts every curve of `set` on `grid` with resample_log_log(). Throws
/// ConfigError when the set is empty or has not one label per curve, the
/// grid is invalid, a curve has no positive intensity (naming it), or an
/// intensity does not fit a float32 (naming the curve).
inline ResampledCurves resample_curves(const CurveSet& set, std::span<const double> grid) {
    if (set.curves.empty()) throw ConfigError("resample_curves", "the curve set is empty");
    if (set.labels.size() != set.curves.size()) {
        throw ConfigError("resample_curves",
                          fmt::format("{} labels for {} curves", set.labels.size(), set.curves.size()));
    }
    check_q_grid(grid);
    ResampledCurves out;
    auto& report = out.report;
    report.curves = set.curves.size();
    report.grid_points = grid.size();
    report.grid_min = grid.front();
    report.grid_max = grid.back();
    std::vector<float> values;
    values.reserve(set.curves.size() * grid.size());
    std::size_t worst = 0;
    for (const auto& curve : set.curves) {
        const auto r = resample_log_log(curve, grid);
        for (std::size_t g = 0; g < grid.size(); ++g) {
            const auto v = static_cast<float>(r.intensity[g]);
            if (!std::isfinite(v) || (r.intensity[g] > 0.0 && !(v > 0.0f))) {
                throw ConfigError(curve.source.empty() ? std::string("curve") : curve.source,
                                  fmt::format("intensity {} at q = {} does not fit a float32", r.intensity[g], grid[g]));
            }
            values.push_back(v);
        }
        const std::size_t outside = r.below + r.above;
        if (outside > 0) {
            ++report.curves_outside;
            report.points_below += r.below;
            report.points_above += r.above;
            if (outside > worst) {
                worst = outside;
                report.worst_source = curve.source;
                report.worst_below = r.below;
                report.worst_above = r.above;
                report.worst_q_min = curve.q.front();
                report.worst_q_max = curve.q.back();
            }
        }
        if (r.clamped > 0) {
            ++report.curves_clamped;
            report.points_clamped += r.clamped;
        }
    }
    const auto n = static_cast<std::int64_t>(set.curves.size());
    out.intensities = NpyArray::from_values<float>({n, static_cast<std::int64_t>(grid.size())}, values);
    out.labels = NpyArray::from_values<std::int64_t>({n}, set.labels);
    return out;
}

/// The report as sentences for the user, one per line, or "" when nothing
/// was made up.
inline std::string describe(const ResampleReport& report) {
    std::string out;
    if (report.curves_outside > 0) {
        out += fmt::format(
            "{} of {} curves do not cover the whole q grid ({:g} to {:g}, {} points): {} grid points below a "
            "curve's first q and {} above its last were given the curve's end intensity; most: {} ({} below, {} "
            "above; its q runs from {:g} to {:g})\n",
            report.curves_outside, report.curves, report.grid_min, report.grid_max, report.grid_points,
            report.points_below, report.points_above, report.worst_source, report.worst_below, report.worst_above,
            report.worst_q_min, report.worst_q_max);
    }
    if (report.curves_clamped > 0) {
        out += fmt::format("{} of {} curves have intensities <= 0 ({} points in all), raised to each curve's "
                           "smallest positive intensity before the log-log interpolation\n",
                           report.curves_clamped, report.curves, report.points_clamped);
    }
    return out;
}

}  // namespace evonas
