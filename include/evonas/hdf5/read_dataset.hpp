// evonas: reading one whole numeric HDF5 dataset into an NpyArray.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hdf5.h>

#include <evonas/error.hpp>
#include <evonas/hdf5/dataset_info.hpp>
#include <evonas/hdf5/handle.hpp>
#include <evonas/hdf5/open_file.hpp>
#include <evonas/hdf5/session.hpp>
#include <evonas/hdf5/types.hpp>
#include <evonas/io/npy_array.hpp>

namespace evonas {

namespace detail {

/// `dataset` as an absolute HDF5 path: "x", "/x" and "//x/" all become
/// "/x". Throws ConfigError("dataset", ...) when it names no object.
inline std::string hdf5_absolute_path(std::string_view dataset) {
    std::string path;
    std::size_t start = 0;
    while (start <= dataset.size()) {
        const std::size_t end = std::min(dataset.find('/', start), dataset.size());
        if (end > start) {
            path += '/';
            path += dataset.substr(start, end - start);
        }
        start = end + 1;
    }
    if (path.empty()) throw ConfigError("dataset", fmt::format("'{}' names no dataset (an HDF5 path such as /group/data)", dataset));
    return path;
}

/// True when every link along `path` exists (H5Lexists checks only the
/// last one and fails when an earlier one is missing).
inline bool hdf5_path_exists(hid_t file, const std::string& path) {
    for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
        const std::string prefix = path.substr(0, slash);
        if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return false;
        }
        if (slash == std::string::npos) return true;
    }
}

/// Throws ParseError when the dataset's chunks do not fit its rank (a
/// damaged layout message: libhdf5 1.10.8 does not check it and H5Dread
/// then allocates without bound; found by fuzz_hdf5) or it uses a filter
/// (compression) this libhdf5 cannot decode, naming it: clearer than
/// H5Dread's failure.
inline void hdf5_check_storage(hid_t dataset, std::size_t rank, const std::filesystem::path& file,
                               const std::string& what) {
    const Hdf5Handle plist(H5Dget_create_plist(dataset), &H5Pclose);
    if (!plist) return;
    if (H5Pget_layout(plist.get()) == H5D_CHUNKED) {
        hsize_t chunk[H5S_MAX_RANK] = {};
        const int chunk_rank = H5Pget_chunk(plist.get(), H5S_MAX_RANK, chunk);
        bool bad = chunk_rank < 0 || static_cast<std::size_t>(chunk_rank) != rank;
        for (int i = 0; !bad && i < chunk_rank; ++i) bad = chunk[i] == 0;
        if (bad) {
            H5Eclear2(H5E_DEFAULT);
            throw ParseError(file.string(), 1, 1,
                             fmt::format("{} is damaged: its chunks have rank {}, the dataset rank {}", what,
                                         chunk_rank, rank));
        }
    }
    const int filters = H5Pget_nfilters(plist.get());
    for (int i = 0; i < filters; ++i) {
        unsigned flags = 0;
        std::size_t values = 0;
        char name[128] = {};
        unsigned config = 0;
        const H5Z_filter_t id = H5Pget_filter2(plist.get(), static_cast<unsigned>(i), &flags, &values, nullptr,
                                               sizeof name, name, &config);
        if (id < 0) continue;
        if (H5Zfilter_avail(id) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            throw ParseError(file.string(), 1, 1,
                             fmt::format("{} is compressed with HDF5 filter {} ('{}'), which this libhdf5 cannot "
                                         "decode (rewrite it with gzip, e.g. h5repack -f GZIP=4)",
                                         what, id, name));
        }
    }
    H5Eclear2(H5E_DEFAULT);
}

}  // namespace detail

/// Reads the whole dataset `dataset` (an HDF5 path; "x" is "/x") of the
/// HDF5 file `file`: integers of 1, 2, 4 or 8 bytes (signed or unsigned)
/// and IEEE floats of 2, 4 or 8 bytes, of rank 1 or more, any byte order,
/// layout (contiguous, chunked, compact) and filter this libhdf5 decodes
/// (gzip, shuffle, ...; szip where built in). The result has the matching
/// NpyType and the dataset's shape, C order, this machine's byte order.
///
/// `max_bytes` refuses a dataset whose elements need more bytes than that
/// (a guard against a damaged or hostile file whose small compressed data
/// claims a huge shape); the default is no limit.
///
/// Throws:
/// - IoError: `file` is missing, a directory or unreadable.
/// - ParseError(file, 1, 1, ...): not an HDF5 file; HDF5 cannot open it
///   (truncated, damaged); the dataset's type is not read (bool, enum,
///   string, compound, vlen, reference, array, opaque, odd sizes: the
///   message names the dataset, its shape and its type); a scalar, null or
///   zero-size dataset; more elements than fit in memory (size overflow) or
///   than `max_bytes`; a filter this libhdf5 lacks; a read that fails
///   (corrupt chunks). HDF5's own reason is appended, "(HDF5: ...)".
/// - ConfigError("dataset", ...): no dataset at that path (the message
///   names the file and lists its datasets), or the path is a group (lists
///   the datasets under it) or a named datatype.
///
/// HDF5 prints nothing to stderr meanwhile. Thread safety: holds
/// hdf5_library_mutex() (session.hpp); every identifier is closed on every
/// path.
inline NpyArray read_hdf5_dataset(const std::filesystem::path& file, const std::string& dataset,
                                  std::size_t max_bytes = std::numeric_limits<std::size_t>::max()) {
    using detail::Hdf5Handle;
    const detail::Hdf5Session session;
    const std::string path = detail::hdf5_absolute_path(dataset);
    const Hdf5Handle handle = detail::open_hdf5_file(file);
    const std::string source = file.string();
    const auto fail = [&](const std::string& problem) { throw ParseError(source, 1, 1, problem); };

    if (!detail::hdf5_path_exists(handle.get(), path)) {
        throw ConfigError("dataset", fmt::format("no dataset {} in {}; it has: {}", path, source,
                                                 detail::hdf5_summary(detail::hdf5_list(handle.get()), "/")));
    }
    const Hdf5Handle object(H5Oopen(handle.get(), path.c_str(), H5P_DEFAULT), &H5Oclose);
    if (!object) {
        const std::string reason = detail::hdf5_error_suffix();
        throw ConfigError("dataset", fmt::format("{} in {} cannot be opened (a dangling or external link?){}", path,
                                                 source, reason));
    }
    const H5I_type_t kind = H5Iget_type(object.get());
    if (kind == H5I_GROUP) {
        throw ConfigError("dataset", fmt::format("{} in {} is a group, not a dataset; datasets under it: {}", path,
                                                 source,
                                                 detail::hdf5_summary(detail::hdf5_list(handle.get()), path)));
    }
    if (kind != H5I_DATASET) {
        throw ConfigError("dataset", fmt::format("{} in {} is not a dataset (a named datatype?); it has: {}", path,
                                                 source, detail::hdf5_summary(detail::hdf5_list(handle.get()), "/")));
    }

    const Hdf5DatasetInfo info = detail::hdf5_describe(object.get(), path);
    const std::string what = fmt::format("dataset {}", to_string(info));
    if (!info.type) {
        fail(fmt::format("{} cannot be read: evonas reads only integer and floating-point datasets", what));
    }
    const Hdf5Handle space(H5Dget_space(object.get()), &H5Sclose);
    if (!space) fail(fmt::format("{}: its dataspace cannot be read{}", what, detail::hdf5_error_suffix()));
    const H5S_class_t space_class = H5Sget_simple_extent_type(space.get());
    if (space_class == H5S_SCALAR) fail(fmt::format("{} is a scalar; evonas reads arrays of rank 1 or more", what));
    if (space_class != H5S_SIMPLE) fail(fmt::format("{} is empty (a null dataspace)", what));
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 1 || static_cast<std::size_t>(rank) != info.shape.size()) {
        fail(fmt::format("{}: its shape cannot be read{}", what, detail::hdf5_error_suffix()));
    }

    NpyArray array;
    array.type = *info.type;
    array.shape = info.shape;
    const std::size_t item = npy_item_size(array.type);
    std::size_t count = 1;
    bool overflow = false;
    for (const auto extent : info.shape) {
        if (extent == 0) fail(fmt::format("{} has no elements (an extent is 0)", what));
    }
    for (const auto extent : info.shape) {
        const auto e = static_cast<std::uint64_t>(extent);
        if (extent < 0 || e > std::numeric_limits<std::size_t>::max() / count) {
            overflow = true;
            break;
        }
        count *= static_cast<std::size_t>(e);
    }
    if (overflow || count > static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max()) / item) {
        fail(fmt::format("{} is too large for memory: its size overflows", what));
    }
    const std::size_t bytes = count * item;
    if (bytes > max_bytes) {
        fail(fmt::format("{} needs {} bytes, more than the limit of {} bytes", what, bytes, max_bytes));
    }
    detail::hdf5_check_storage(object.get(), info.shape.size(), file, what);
    const Hdf5Handle memory_type = detail::hdf5_memory_type(array.type);
    if (!memory_type) fail(fmt::format("{}: HDF5 cannot make its memory type{}", what, detail::hdf5_error_suffix()));
    try {
        array.data.resize(bytes);
    } catch (const std::bad_alloc&) {
        fail(fmt::format("{} is too large for memory: it needs {} bytes", what, bytes));
    } catch (const std::length_error&) {
        fail(fmt::format("{} is too large for memory: it needs {} bytes", what, bytes));
    }
    if (H5Dread(object.get(), memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, array.data.data()) < 0) {
        fail(fmt::format("reading {} failed (damaged or truncated file?){}", what, detail::hdf5_error_suffix()));
    }
    return array;
}

}  // namespace evonas
