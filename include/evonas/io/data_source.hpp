// evonas: naming a data array on the command line. One argument says both
// the file and, for HDF5, the dataset inside it:
//
//   x.npy                         a NumPy array
//   data.h5:/img_data/hitimes-x   an HDF5 dataset (evonas::hdf5)
//   training.tif                  a multi-page TIFF stack (evonas::tiff)
//   curves/                       SANS text curves, one sub-directory per class
//   curves.csv                    SANS text curves listed with their classes
//
// Only the naming lives here (core, no file formats), so every reader,
// the `evonas` tool and its tests agree on one rule and one error message.
#pragma once

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include <evonas/error.hpp>

namespace evonas {

/// What kind of file a data argument names.
enum class DataSourceKind {
    npy,               ///< a .npy file
    hdf5,              ///< a dataset inside an HDF5 file (file.h5:/group/dataset)
    tiff,              ///< a (multi-page) TIFF stack
    curve_directory,   ///< a directory of SANS text curves, one sub-directory per class
    curve_manifest,    ///< a CSV file listing SANS text curves and their classes
};

/// A short name of the kind ("npy", "hdf5", "tiff", "curve directory",
/// "curve manifest").
inline constexpr std::string_view to_string(DataSourceKind kind) noexcept {
    switch (kind) {
        case DataSourceKind::npy: return "npy";
        case DataSourceKind::hdf5: return "hdf5";
        case DataSourceKind::tiff: return "tiff";
        case DataSourceKind::curve_directory: return "curve directory";
        case DataSourceKind::curve_manifest: return "curve manifest";
    }
    return "unknown";
}

/// A parsed data argument.
struct DataSource {
    DataSourceKind kind = DataSourceKind::npy;  ///< what the file is
    std::filesystem::path file;                 ///< the file or directory
    std::string dataset;                        ///< hdf5: the dataset's path inside the file ("/a/b")
    std::string spec;                           ///< the argument as given, for messages

    /// True for the kinds that carry their labels (the curve sources).
    bool has_labels() const noexcept {
        return kind == DataSourceKind::curve_directory || kind == DataSourceKind::curve_manifest;
    }
};

namespace detail {
inline std::string lower_extension(const std::filesystem::path& p) {
    auto e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return e;
}
inline bool is_hdf5_extension(const std::string& e) {
    return e == ".h5" || e == ".hdf5" || e == ".hdf" || e == ".he5" || e == ".nxs" || e == ".cxi";
}
}  // namespace detail

/// The forms a data argument takes, for help texts and error messages.
inline constexpr std::string_view data_source_forms =
    "x.npy, file.h5:/group/dataset, stack.tif, a directory of SANS text curves (one sub-directory per class) "
    "or a CSV manifest of curves (columns file,label)";

/// Parses a data argument (`field` names the option in errors, e.g.
/// "--train-x"). "FILE:/PATH" is an HDF5 dataset; otherwise the extension
/// decides (.npy, .tif/.tiff, .csv) and a directory is a curve directory.
/// Throws IoError when the file or directory does not exist, ConfigError
/// for an empty argument, an HDF5 file without a dataset path or a kind
/// it cannot tell.
inline DataSource parse_data_source(const std::string& spec, const std::string& field = "data") {
    namespace fs = std::filesystem;
    if (spec.empty()) throw ConfigError(field, "is empty; give " + std::string(data_source_forms));
    DataSource s;
    s.spec = spec;
    // The last ":/" splits file and dataset, so directories with ':' in
    // their names still work for the file part.
    if (const auto at = spec.rfind(":/"); at != std::string::npos && at > 0) {
        s.kind = DataSourceKind::hdf5;
        s.file = spec.substr(0, at);
        s.dataset = spec.substr(at + 1);
        if (s.dataset.size() < 2) {
            throw ConfigError(field, fmt::format("'{}' names no dataset after ':' (e.g. {}:/group/dataset)", spec,
                                                 s.file.string()));
        }
        std::error_code ec;
        if (!fs::is_regular_file(s.file, ec)) throw IoError(s.file, fmt::format("no such file (from {} {})", field, spec));
        return s;
    }
    s.file = spec;
    std::error_code ec;
    if (fs::is_directory(s.file, ec)) {
        s.kind = DataSourceKind::curve_directory;
        return s;
    }
    if (!fs::exists(s.file, ec)) throw IoError(s.file, fmt::format("no such file or directory (from {})", field));
    const auto e = detail::lower_extension(s.file);
    if (e == ".npy") {
        s.kind = DataSourceKind::npy;
    } else if (e == ".tif" || e == ".tiff") {
        s.kind = DataSourceKind::tiff;
    } else if (e == ".csv") {
        s.kind = DataSourceKind::curve_manifest;
    } else if (detail::is_hdf5_extension(e)) {
        throw ConfigError(field, fmt::format("'{}' is an HDF5 file: name the dataset too, e.g. {}:/group/dataset", spec,
                                             spec));
    } else {
        throw ConfigError(field, fmt::format("cannot tell what '{}' holds from its name; give {}", spec,
                                             data_source_forms));
    }
    return s;
}

}  // namespace evonas
