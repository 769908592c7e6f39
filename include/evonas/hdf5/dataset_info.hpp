// evonas: what datasets an HDF5 file holds (path, shape, type), for the
// messages of read_hdf5_dataset() and for tools that let the user choose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hdf5.h>

#include <evonas/error.hpp>
#include <evonas/hdf5/handle.hpp>
#include <evonas/hdf5/open_file.hpp>
#include <evonas/hdf5/session.hpp>
#include <evonas/hdf5/types.hpp>
#include <evonas/io/npy_array.hpp>

namespace evonas {

/// One dataset of an HDF5 file, as list_hdf5_datasets() finds it.
struct Hdf5DatasetInfo {
    std::string path;                 ///< absolute path in the file, e.g. "/img_data/hitimes-x"
    std::vector<std::int64_t> shape;  ///< current extents; empty for a scalar or null dataspace
    std::string dtype;                ///< type name, e.g. "float32", "uint8", "string", "compound {...}"
    std::optional<NpyType> type;      ///< what read_hdf5_dataset() reads it as; empty when it refuses the type
};

/// "/a [3,4] float32" for messages.
inline std::string to_string(const Hdf5DatasetInfo& info) {
    return fmt::format("{} [{}] {}", info.path, fmt::join(info.shape, ","), info.dtype);
}

namespace detail {

/// At most this many datasets are listed: bounds the time a damaged or
/// hostile file with a huge link graph can cost.
inline constexpr std::size_t hdf5_max_listed = 100000;

/// The shape and type of the open dataset `dataset` at `path`.
inline Hdf5DatasetInfo hdf5_describe(hid_t dataset, std::string path) {
    Hdf5DatasetInfo info;
    info.path = std::move(path);
    const Hdf5Handle type(H5Dget_type(dataset), &H5Tclose);
    const Hdf5Handle space(H5Dget_space(dataset), &H5Sclose);
    if (type) {
        info.dtype = hdf5_type_name(type.get());
        info.type = hdf5_npy_type(type.get());
    } else {
        info.dtype = "unreadable type";
    }
    if (space && H5Sget_simple_extent_type(space.get()) == H5S_SIMPLE) {
        const int rank = H5Sget_simple_extent_ndims(space.get());
        if (rank > 0 && rank <= H5S_MAX_RANK) {
            std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
            if (H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) == rank) {
                for (auto d : dims) info.shape.push_back(static_cast<std::int64_t>(d));
            }
        }
    }
    H5Eclear2(H5E_DEFAULT);
    return info;
}

/// Every dataset reachable from the root group of the open file by hard
/// links, in name order (HDF5 visits each object once, so link cycles are
/// safe). Call inside an Hdf5Session.
inline std::vector<Hdf5DatasetInfo> hdf5_list(hid_t file) {
    struct Visit {
        std::vector<Hdf5DatasetInfo> found;
    } visit;
#if H5_VERSION_GE(1, 12, 0)
    using LinkInfo = H5L_info2_t;
#else
    using LinkInfo = H5L_info_t;
#endif
    const auto each = [](hid_t group, const char* name, const LinkInfo* link, void* data) noexcept -> herr_t {
        auto* v = static_cast<Visit*>(data);
        if (v->found.size() >= hdf5_max_listed) return 1;  // stop: enough
        if (link == nullptr || link->type != H5L_TYPE_HARD) return 0;
        try {
            const Hdf5Handle object(H5Oopen(group, name, H5P_DEFAULT), &H5Oclose);
            if (object && H5Iget_type(object.get()) == H5I_DATASET) {
                v->found.push_back(hdf5_describe(object.get(), std::string("/") + name));
            }
        } catch (...) {  // bad_alloc: never let an exception cross libhdf5's C frames
            return -1;
        }
        return 0;
    };
    const Hdf5Handle root(H5Gopen2(file, "/", H5P_DEFAULT), &H5Gclose);
    if (root) H5Lvisit(root.get(), H5_INDEX_NAME, H5_ITER_INC, each, &visit);
    H5Eclear2(H5E_DEFAULT);  // a damaged part of the tree ends the listing, not the caller
    return std::move(visit.found);
}

/// The datasets of `all` under `prefix` ("/" for all) as "a [..] t, b [..]
/// t, ... (N more)", at most `cap` of them, or "no datasets".
inline std::string hdf5_summary(const std::vector<Hdf5DatasetInfo>& all, std::string_view prefix,
                                std::size_t cap = 8) {
    std::string text;
    std::size_t shown = 0;
    std::size_t matching = 0;
    for (const auto& info : all) {
        if (prefix != "/" && !(info.path.starts_with(prefix) && info.path.size() > prefix.size() &&
                               info.path[prefix.size()] == '/')) {
            continue;
        }
        ++matching;
        if (shown == cap) continue;
        if (!text.empty()) text += ", ";
        text += to_string(info);
        ++shown;
    }
    if (matching == 0) return "no datasets";
    if (matching > shown) text += fmt::format(", ... ({} more)", matching - shown);
    return text;
}

}  // namespace detail

/// Every dataset of the HDF5 file `file` reachable by hard links from its
/// root group (soft and external links are not followed), with its path,
/// shape and type, in name order; at most 100,000. Datasets of any type
/// are listed, the ones read_hdf5_dataset() refuses too (their `type` is
/// empty). Throws IoError when the file is missing or unreadable,
/// ParseError when it is not an HDF5 file or HDF5 cannot open it.
/// Thread safety: holds hdf5_library_mutex() (session.hpp).
inline std::vector<Hdf5DatasetInfo> list_hdf5_datasets(const std::filesystem::path& file) {
    const detail::Hdf5Session session;
    const auto handle = detail::open_hdf5_file(file);
    return detail::hdf5_list(handle.get());
}

}  // namespace evonas
