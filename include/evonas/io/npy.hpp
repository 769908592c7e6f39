// evonas: NumPy .npy files (format versions 1.0, 2.0 and 3.0), read and
// written without NumPy or LibTorch.
//
// A .npy file is the magic "\x93NUMPY", a version (major, minor), the header
// length (2 bytes little-endian in 1.0, 4 bytes in 2.0 and 3.0), a header
// that is a Python dict literal such as
//     {'descr': '<f4', 'fortran_order': False, 'shape': (100, 3, 32), }
// padded with spaces to a multiple of 64 bytes and ended by '\n', then the
// raw elements. Read here: booleans, signed and unsigned integers of 1, 2, 4
// and 8 bytes, float16, float32 and float64, in either byte order, in C or
// Fortran order (Fortran is reordered to C on reading). Not read: object
// arrays (pickles), structured and complex dtypes, strings.
//
// Every malformed file throws ParseError(source, 1, column, reason) where
// column is the 1-based byte offset of the problem in the file; a file that
// cannot be opened throws IoError. Lives in core (no LibTorch) so fuzzers
// built with clang can test it.
#pragma once

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <evonas/error.hpp>
#include <evonas/io/files.hpp>

#include <evonas/io/npy_array.hpp>
#include <evonas/io/npy_header.hpp>

namespace evonas {


/// Reads a .npy file's bytes. `source` names it in error messages. Throws
/// ParseError(source, 1, byte offset + 1, reason) for any malformed or
/// unsupported content: too short, wrong magic, unknown version, header
/// length past the end, a header that is not the expected dict (missing,
/// repeated or unknown keys, bad values), an unsupported dtype, data shorter
/// or longer than the shape needs, or a shape whose size overflows.
inline NpyArray parse_npy(std::string_view bytes, const std::string& source = "<npy>") {
    const auto fail = [&](std::size_t at, const std::string& problem) -> void {
        throw ParseError(source, 1, at + 1, problem);
    };
    constexpr std::string_view magic{"\x93NUMPY", 6};
    if (bytes.size() < 8) {
        fail(bytes.size(), fmt::format("the file has {} bytes, too short for a .npy file", bytes.size()));
    }
    if (bytes.substr(0, 6) != magic) fail(0, "not a .npy file (the magic \\x93NUMPY is missing)");
    const auto major = static_cast<unsigned char>(bytes[6]);
    const auto minor = static_cast<unsigned char>(bytes[7]);
    if (major < 1 || major > 3 || minor != 0) {
        fail(6, fmt::format("unsupported .npy format version {}.{} (supported: 1.0, 2.0, 3.0)", major, minor));
    }
    const std::size_t length_bytes = major == 1 ? 2 : 4;
    if (bytes.size() < 8 + length_bytes) fail(bytes.size(), "the file ends inside the header length");
    std::size_t header_length = 0;
    for (std::size_t i = 0; i < length_bytes; ++i) {
        header_length |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    }
    const std::size_t header_start = 8 + length_bytes;
    if (header_length > bytes.size() - header_start) {
        fail(8, fmt::format("the header length ({} bytes) runs past the end of the file ({} bytes)",
                            header_length, bytes.size()));
    }
    const std::string_view header = bytes.substr(header_start, header_length);
    for (std::size_t i = 0; i < header.size(); ++i) {
        const auto c = static_cast<unsigned char>(header[i]);
        if (c == 0 || (c >= 0x80 && major < 3)) fail(header_start + i, "the header is not ASCII text");
    }
    detail::NpyHeaderParser parser(header, header_start, source);
    const auto parsed = parser.parse();
    std::string problem;
    const auto descr = detail::npy_parse_descr(parsed.descr, problem);
    if (!descr) parser.fail(parsed.descr_at, problem);

    NpyArray array;
    array.type = descr->first;
    array.shape = parsed.shape;
    const std::size_t item = npy_item_size(array.type);
    std::size_t count = 1;
    for (auto d : array.shape) {
        const auto extent = static_cast<std::size_t>(d);
        if (extent != 0 && count > std::numeric_limits<std::size_t>::max() / item / extent) {
            fail(header_start, fmt::format("shape ({}) is too large", fmt::join(array.shape, ", ")));
        }
        count *= extent;
    }
    const std::size_t data_start = header_start + header_length;
    const std::size_t need = count * item;
    const std::size_t have = bytes.size() - data_start;
    if (have < need) {
        fail(bytes.size(), fmt::format("the data ends after {} bytes; shape ({}) of {} needs {}", have,
                                       fmt::join(array.shape, ", "), to_string(array.type), need));
    }
    if (have > need) {
        fail(data_start + need, fmt::format("{} bytes follow the data (shape ({}) of {} needs {})",
                                            have - need, fmt::join(array.shape, ", "),
                                            to_string(array.type), need));
    }
    array.data.resize(need);
    if (need) std::memcpy(array.data.data(), bytes.data() + data_start, need);
    const bool file_big = descr->second;
    if (file_big != (std::endian::native == std::endian::big)) detail::byte_swap_elements(array.data, item);

    if (parsed.fortran && array.shape.size() > 1 && count > 1) {
        // Reorder column-major to row-major.
        std::vector<std::byte> c_order(need);
        const std::size_t rank = array.shape.size();
        std::vector<std::size_t> index(rank, 0);
        std::vector<std::size_t> f_stride(rank, 1);
        for (std::size_t a = 1; a < rank; ++a) {
            f_stride[a] = f_stride[a - 1] * static_cast<std::size_t>(array.shape[a - 1]);
        }
        for (std::size_t i = 0; i < count; ++i) {  // i walks C order
            std::size_t f = 0;
            for (std::size_t a = 0; a < rank; ++a) f += index[a] * f_stride[a];
            std::memcpy(c_order.data() + i * item, array.data.data() + f * item, item);
            for (std::size_t a = rank; a-- > 0;) {
                if (++index[a] < static_cast<std::size_t>(array.shape[a])) break;
                index[a] = 0;
            }
        }
        array.data = std::move(c_order);
    }
    return array;
}

/// Reads a .npy file. Throws IoError when it cannot be read, ParseError
/// (see parse_npy) when its content is malformed.
inline NpyArray read_npy(const std::filesystem::path& path) {
    const std::string bytes = read_text_file(path, ".npy file");
    return parse_npy(bytes, path.string());
}

/// The bytes of a .npy file holding `array`: format 1.0 (2.0 when the
/// header does not fit in 65535 bytes), little-endian, C order, the header
/// padded so the data starts at a multiple of 64 bytes, as NumPy writes it.
/// Throws ConfigError when the array is inconsistent.
inline std::string npy_bytes(const NpyArray& array) {
    array.check_consistent();
    std::string shape_text;
    for (std::size_t i = 0; i < array.shape.size(); ++i) {
        shape_text += fmt::format("{}{}", i ? ", " : "", array.shape[i]);
    }
    if (array.shape.size() == 1) shape_text += ',';
    const std::size_t item = npy_item_size(array.type);
    char kind = 'f';
    switch (array.type) {
        case NpyType::boolean: kind = 'b'; break;
        case NpyType::int8:
        case NpyType::int16:
        case NpyType::int32:
        case NpyType::int64: kind = 'i'; break;
        case NpyType::uint8:
        case NpyType::uint16:
        case NpyType::uint32:
        case NpyType::uint64: kind = 'u'; break;
        default: kind = 'f'; break;
    }
    const std::string descr = fmt::format("{}{}{}", item == 1 ? '|' : '<', kind, item);
    std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, shape_text);
    int major = 1;
    std::size_t prefix = 10;
    std::size_t total = prefix + dict.size() + 1;
    if (total + (64 - total % 64) % 64 - prefix > 65535) {
        major = 2;
        prefix = 12;
        total = prefix + dict.size() + 1;
    }
    dict.append((64 - total % 64) % 64, ' ');
    dict += '\n';
    std::string out("\x93NUMPY", 6);
    out += static_cast<char>(major);
    out += '\0';
    const std::size_t length = dict.size();
    for (std::size_t i = 0; i < prefix - 8; ++i) out += static_cast<char>((length >> (8 * i)) & 0xFF);
    out += dict;
    const std::size_t data_start = out.size();
    out.resize(data_start + array.data.size());
    if (!array.data.empty()) std::memcpy(out.data() + data_start, array.data.data(), array.data.size());
    if (std::endian::native == std::endian::big && item > 1) {
        for (std::size_t i = data_start; i + item <= out.size(); i += item) {
            std::reverse(out.begin() + static_cast<std::ptrdiff_t>(i),
                         out.begin() + static_cast<std::ptrdiff_t>(i + item));
        }
    }
    return out;
}

/// Writes `array` to `path` atomically (see write_file_atomically; one
/// writer per path at a time). Throws
/// IoError when the file cannot be written, ConfigError when the array is
/// inconsistent.
inline void write_npy(const std::filesystem::path& path, const NpyArray& array) {
    write_file_atomically(path, npy_bytes(array), ".npy");
}

}  // namespace evonas
