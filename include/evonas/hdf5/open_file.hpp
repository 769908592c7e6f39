// evonas: opening an HDF5 file read-only, with the file's problems told
// apart: missing or unreadable (IoError), not HDF5 or damaged (ParseError).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>
#include <hdf5.h>

#include <evonas/error.hpp>
#include <evonas/hdf5/handle.hpp>
#include <evonas/hdf5/session.hpp>

namespace evonas::detail {

/// True when `file` starts with the HDF5 signature at byte 0, 512, 1024,
/// 2048, ... (HDF5 allows a user block before the superblock). Checked
/// before HDF5 sees the file, so a file that is plainly not HDF5 never
/// reaches libhdf5's superblock parser and gets a clear message.
inline bool has_hdf5_signature(std::ifstream& in, std::uintmax_t size) {
    static constexpr std::string_view signature{"\x89HDF\r\n\x1a\n", 8};
    for (std::uintmax_t offset = 0; offset + signature.size() <= size; offset = offset == 0 ? 512 : 2 * offset) {
        std::array<char, 8> bytes{};
        in.seekg(static_cast<std::streamoff>(offset));
        if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) return false;
        if (std::string_view(bytes.data(), bytes.size()) == signature) return true;
    }
    return false;
}

/// Opens `file` read-only. Call inside an Hdf5Session. Throws IoError when
/// the file is missing, a directory or unreadable, ParseError(file, 1, 1,
/// ...) when it is not HDF5 or HDF5 cannot open it (truncated, damaged),
/// with HDF5's own reason.
inline Hdf5Handle open_hdf5_file(const std::filesystem::path& file) {
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    if (!std::filesystem::exists(status)) {
        throw IoError(file, "cannot open the HDF5 file",
                      ec ? ec : std::make_error_code(std::errc::no_such_file_or_directory));
    }
    if (std::filesystem::is_directory(status)) throw IoError(file, "is a directory, not an HDF5 file");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw IoError::from_errno(file, "cannot open the HDF5 file");
    const std::uintmax_t size = std::filesystem::file_size(file, ec);
    if (ec) throw IoError(file, "cannot read the size of the HDF5 file", ec);
    if (!has_hdf5_signature(in, size)) {
        throw ParseError(file.string(), 1, 1,
                         fmt::format("not an HDF5 file ({} bytes, no HDF5 signature at byte 0, 512, 1024, ...)", size));
    }
    Hdf5Handle handle(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), &H5Fclose);
    if (!handle) {
        throw ParseError(file.string(), 1, 1,
                         "HDF5 cannot open the file (damaged or truncated?)" + hdf5_error_suffix());
    }
    return handle;
}

}  // namespace evonas::detail
