// evonas tool: one data argument (io/data_source.hpp) read into an array.
// The HDF5 and TIFF readers are optional parts of evonas; a tool built
// without one says how to get it instead of failing obscurely.
#pragma once

#include <string>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/io/data_source.hpp>
#include <evonas/io/npy.hpp>

#if EVONAS_TOOL_HDF5
#include <evonas/hdf5/read_dataset.hpp>
#endif
#if EVONAS_TOOL_TIFF
#include <evonas/tiff/read_stack.hpp>
#endif

namespace evonas::tool {

/// True when this build reads HDF5 datasets.
inline constexpr bool reads_hdf5 = EVONAS_TOOL_HDF5 != 0;
/// True when this build reads TIFF stacks.
inline constexpr bool reads_tiff = EVONAS_TOOL_TIFF != 0;

/// The array `source` names (npy, hdf5 or tiff; the curve kinds are read
/// as curve sets, not here). `field` names the option in errors.
inline NpyArray read_array(const DataSource& source, const std::string& field) {
    switch (source.kind) {
        case DataSourceKind::npy: return read_npy(source.file);
        case DataSourceKind::hdf5:
#if EVONAS_TOOL_HDF5
            try {
                return read_hdf5_dataset(source.file, source.dataset);
            } catch (const ConfigError& e) {
                // The reader's field is "dataset"; the user's word is the option.
                if (e.field() != "dataset") throw;
                throw ConfigError(field, std::string(e.what()).substr(e.field().size() + 2));
            }
#else
            throw ConfigError(field, fmt::format("{} is an HDF5 dataset, but this evonas was built without HDF5 "
                                                 "(install libhdf5-dev and configure with -DEVONAS_WITH_HDF5=ON)",
                                                 source.spec));
#endif
        case DataSourceKind::tiff:
#if EVONAS_TOOL_TIFF
            return read_tiff_stack(source.file);
#else
            throw ConfigError(field, fmt::format("{} is a TIFF stack, but this evonas was built without TIFF "
                                                 "(install libtiff-dev and configure with -DEVONAS_WITH_TIFF=ON)",
                                                 source.spec));
#endif
        case DataSourceKind::curve_directory:
        case DataSourceKind::curve_manifest: break;
    }
    throw ConfigError(field, fmt::format("{} is a {} (curves with their classes), not an array", source.spec,
                                         to_string(source.kind)));
}

}  // namespace evonas::tool
