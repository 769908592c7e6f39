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

namespace evonas {

/// The element types a .npy file may hold here.
enum class NpyType : std::uint8_t {
    boolean,
    int8, int16, int32, int64,
    uint8, uint16, uint32, uint64,
    float16, float32, float64,
};

/// Bytes per element.
inline constexpr std::size_t npy_item_size(NpyType type) noexcept {
    switch (type) {
        case NpyType::boolean:
        case NpyType::int8:
        case NpyType::uint8: return 1;
        case NpyType::int16:
        case NpyType::uint16:
        case NpyType::float16: return 2;
        case NpyType::int32:
        case NpyType::uint32:
        case NpyType::float32: return 4;
        case NpyType::int64:
        case NpyType::uint64:
        case NpyType::float64: return 8;
    }
    return 1;
}

/// NumPy's name of the type ("float32", "int64", "bool", ...).
inline constexpr std::string_view to_string(NpyType type) noexcept {
    switch (type) {
        case NpyType::boolean: return "bool";
        case NpyType::int8: return "int8";
        case NpyType::int16: return "int16";
        case NpyType::int32: return "int32";
        case NpyType::int64: return "int64";
        case NpyType::uint8: return "uint8";
        case NpyType::uint16: return "uint16";
        case NpyType::uint32: return "uint32";
        case NpyType::uint64: return "uint64";
        case NpyType::float16: return "float16";
        case NpyType::float32: return "float32";
        case NpyType::float64: return "float64";
    }
    return "?";
}

/// True for float16, float32 and float64.
inline constexpr bool is_floating(NpyType type) noexcept {
    return type == NpyType::float16 || type == NpyType::float32 || type == NpyType::float64;
}

/// The NpyType of a C++ arithmetic type (bool, fixed-width integers, float,
/// double).
template <class T>
inline constexpr NpyType npy_type_of() noexcept {
    using U = std::remove_cv_t<T>;
    if constexpr (std::is_same_v<U, bool>) return NpyType::boolean;
    else if constexpr (std::is_same_v<U, float>) return NpyType::float32;
    else if constexpr (std::is_same_v<U, double>) return NpyType::float64;
    else if constexpr (std::is_integral_v<U> && std::is_signed_v<U>) {
        static_assert(sizeof(U) <= 8);
        if constexpr (sizeof(U) == 1) return NpyType::int8;
        else if constexpr (sizeof(U) == 2) return NpyType::int16;
        else if constexpr (sizeof(U) == 4) return NpyType::int32;
        else return NpyType::int64;
    } else if constexpr (std::is_integral_v<U> && std::is_unsigned_v<U>) {
        static_assert(sizeof(U) <= 8);
        if constexpr (sizeof(U) == 1) return NpyType::uint8;
        else if constexpr (sizeof(U) == 2) return NpyType::uint16;
        else if constexpr (sizeof(U) == 4) return NpyType::uint32;
        else return NpyType::uint64;
    } else {
        static_assert(std::is_arithmetic_v<U>, "npy_type_of: not an arithmetic type");
        return NpyType::float64;
    }
}

namespace detail {

/// IEEE binary16 bits to float (exact: every half is a float).
inline float half_to_float(std::uint16_t h) noexcept {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exponent = (h >> 10) & 0x1Fu;
    std::uint32_t mantissa = h & 0x3FFu;
    std::uint32_t bits = 0;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int e = -1;
            do {
                ++e;
                mantissa <<= 1;
            } while ((mantissa & 0x400u) == 0);
            bits = sign | (static_cast<std::uint32_t>(127 - 15 - e) << 23) | ((mantissa & 0x3FFu) << 13);
        }
    } else if (exponent == 0x1F) {
        bits = sign | 0x7F800000u | (mantissa << 13);  // inf or NaN
    } else {
        bits = sign | ((exponent + (127 - 15)) << 23) | (mantissa << 13);
    }
    return std::bit_cast<float>(bits);
}

template <class T>
T load_native(const std::byte* p) noexcept {
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
}

}  // namespace detail

/// An n-dimensional array as a .npy file holds it: element type, shape and
/// the elements in C (row-major) order and this machine's byte order.
/// Thread safety: a plain value.
struct NpyArray {
    NpyType type = NpyType::float32;
    std::vector<std::int64_t> shape;  ///< () is a scalar with one element
    std::vector<std::byte> data;      ///< size() * npy_item_size(type) bytes

    /// Number of elements (the product of the shape; 1 for a scalar).
    std::size_t size() const noexcept {
        std::size_t n = 1;
        for (auto d : shape) n *= static_cast<std::size_t>(d);
        return n;
    }

    /// The elements converted to T with static_cast (float16 goes through
    /// float; bool is 0 or 1).
    template <class T>
    std::vector<T> values() const {
        check_consistent();
        const std::size_t n = size();
        std::vector<T> out(n);
        const std::byte* p = data.data();
        const auto convert = [&]<class S>(std::type_identity<S>) {
            for (std::size_t i = 0; i < n; ++i) {
                out[i] = static_cast<T>(detail::load_native<S>(p + i * sizeof(S)));
            }
        };
        switch (type) {
            case NpyType::boolean:
                for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<T>(p[i] != std::byte{0});
                break;
            case NpyType::int8: convert(std::type_identity<std::int8_t>{}); break;
            case NpyType::int16: convert(std::type_identity<std::int16_t>{}); break;
            case NpyType::int32: convert(std::type_identity<std::int32_t>{}); break;
            case NpyType::int64: convert(std::type_identity<std::int64_t>{}); break;
            case NpyType::uint8: convert(std::type_identity<std::uint8_t>{}); break;
            case NpyType::uint16: convert(std::type_identity<std::uint16_t>{}); break;
            case NpyType::uint32: convert(std::type_identity<std::uint32_t>{}); break;
            case NpyType::uint64: convert(std::type_identity<std::uint64_t>{}); break;
            case NpyType::float16:
                for (std::size_t i = 0; i < n; ++i) {
                    out[i] = static_cast<T>(detail::half_to_float(detail::load_native<std::uint16_t>(p + 2 * i)));
                }
                break;
            case NpyType::float32: convert(std::type_identity<float>{}); break;
            case NpyType::float64: convert(std::type_identity<double>{}); break;
        }
        return out;
    }

    /// An array of `shape` holding `values` (C order), typed as T.
    /// Throws ConfigError when the shape has a negative extent or does not
    /// match the number of values.
    template <class T>
    static NpyArray from_values(std::vector<std::int64_t> shape, std::span<const T> values) {
        NpyArray array;
        array.type = npy_type_of<T>();
        array.shape = std::move(shape);
        for (auto d : array.shape) {
            if (d < 0) throw ConfigError("NpyArray.shape", fmt::format("extent {} is negative", d));
        }
        if (array.size() != values.size()) {
            throw ConfigError("NpyArray.shape",
                              fmt::format("shape ({}) holds {} elements, got {} values",
                                          fmt::join(array.shape, ", "), array.size(), values.size()));
        }
        array.data.resize(values.size() * sizeof(T));
        if constexpr (std::is_same_v<std::remove_cv_t<T>, bool>) {
            for (std::size_t i = 0; i < values.size(); ++i) array.data[i] = std::byte{values[i] ? std::uint8_t{1} : std::uint8_t{0}};
        } else if (!values.empty()) {
            std::memcpy(array.data.data(), values.data(), array.data.size());
        }
        return array;
    }
    template <class T>
    static NpyArray from_values(std::vector<std::int64_t> shape, const std::vector<T>& values) {
        if constexpr (std::is_same_v<T, bool>) {  // vector<bool> has no data()
            const std::unique_ptr<bool[]> copy(new bool[values.size()]);
            std::copy(values.begin(), values.end(), copy.get());
            return from_values<bool>(std::move(shape), std::span<const bool>(copy.get(), values.size()));
        } else {
            return from_values<T>(std::move(shape), std::span<const T>(values));
        }
    }

    /// Throws ConfigError when data does not hold exactly size() elements or
    /// an extent is negative.
    void check_consistent() const {
        for (auto d : shape) {
            if (d < 0) throw ConfigError("NpyArray.shape", fmt::format("extent {} is negative", d));
        }
        if (data.size() != size() * npy_item_size(type)) {
            throw ConfigError("NpyArray.data",
                              fmt::format("holds {} bytes; shape ({}) of {} needs {}", data.size(),
                                          fmt::join(shape, ", "), to_string(type),
                                          size() * npy_item_size(type)));
        }
    }

    friend bool operator==(const NpyArray&, const NpyArray&) = default;
};

namespace detail {

/// Reads the header dict of a .npy file; reports errors at file offsets.
class NpyHeaderParser {
public:
    NpyHeaderParser(std::string_view header, std::size_t offset, const std::string& source)
        : text_(header), base_(offset), source_(source) {}

    struct Result {
        std::string descr;
        std::size_t descr_at = 0;
        bool fortran = false;
        std::vector<std::int64_t> shape;
    };

    Result parse() {
        Result result;
        bool seen_descr = false, seen_fortran = false, seen_shape = false;
        skip_space();
        expect('{', "the header must be a Python dict starting with '{'");
        for (;;) {
            skip_space();
            if (peek() == '}') {
                ++pos_;
                break;
            }
            const std::size_t key_at = pos_;
            const std::string key = string_literal("a key in quotes");
            skip_space();
            expect(':', fmt::format("expected ':' after the key '{}'", key));
            skip_space();
            if (key == "descr") {
                if (seen_descr) fail(key_at, "the key 'descr' appears twice");
                seen_descr = true;
                result.descr_at = pos_;
                if (peek() == '[') fail(pos_, "structured dtypes (a list in 'descr') are not supported");
                result.descr = string_literal("a dtype string such as '<f4' for 'descr'");
            } else if (key == "fortran_order") {
                if (seen_fortran) fail(key_at, "the key 'fortran_order' appears twice");
                seen_fortran = true;
                result.fortran = boolean();
            } else if (key == "shape") {
                if (seen_shape) fail(key_at, "the key 'shape' appears twice");
                seen_shape = true;
                result.shape = tuple();
            } else {
                fail(key_at, fmt::format("unexpected key '{}' (a .npy header has exactly 'descr', "
                                         "'fortran_order' and 'shape')", key));
            }
            skip_space();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() == '}') {
                ++pos_;
                break;
            }
            fail(pos_, "expected ',' or '}' in the header dict");
        }
        skip_space();
        if (pos_ != text_.size()) fail(pos_, "unexpected text after the header dict");
        if (!seen_descr) fail(text_.size(), "the header has no 'descr' (the element type)");
        if (!seen_fortran) fail(text_.size(), "the header has no 'fortran_order'");
        if (!seen_shape) fail(text_.size(), "the header has no 'shape'");
        return result;
    }

    [[noreturn]] void fail(std::size_t at, const std::string& problem) const {
        throw ParseError(source_, 1, base_ + at + 1, problem);
    }

private:
    char peek() const noexcept { return pos_ < text_.size() ? text_[pos_] : '\0'; }
    void skip_space() noexcept {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }
    void expect(char c, const std::string& problem) {
        if (peek() != c) fail(pos_, problem);
        ++pos_;
    }
    std::string string_literal(const std::string& what) {
        const char quote = peek();
        if (quote != '\'' && quote != '"') fail(pos_, fmt::format("expected {}", what));
        const std::size_t start = ++pos_;
        while (pos_ < text_.size() && text_[pos_] != quote) {
            if (text_[pos_] == '\\') fail(pos_, "escapes in header strings are not supported");
            ++pos_;
        }
        if (pos_ >= text_.size()) fail(start - 1, "unterminated string in the header");
        std::string value(text_.substr(start, pos_ - start));
        ++pos_;
        return value;
    }
    bool boolean() {
        if (text_.substr(pos_, 4) == "True") {
            pos_ += 4;
            return true;
        }
        if (text_.substr(pos_, 5) == "False") {
            pos_ += 5;
            return false;
        }
        fail(pos_, "expected True or False for 'fortran_order'");
    }
    std::vector<std::int64_t> tuple() {
        std::vector<std::int64_t> shape;
        expect('(', "expected a tuple such as (3, 4) for 'shape'");
        for (;;) {
            skip_space();
            if (peek() == ')') {
                ++pos_;
                break;
            }
            const std::size_t at = pos_;
            if (peek() == '-') fail(at, "a shape extent is negative");
            if (!std::isdigit(static_cast<unsigned char>(peek()))) {
                fail(at, "expected a non-negative integer in 'shape'");
            }
            std::int64_t value = 0;
            while (std::isdigit(static_cast<unsigned char>(peek()))) {
                const int digit = peek() - '0';
                if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) {
                    fail(at, "a shape extent is too large");
                }
                value = value * 10 + digit;
                ++pos_;
            }
            if (peek() == 'L') ++pos_;  // Python 2 long literal
            shape.push_back(value);
            skip_space();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() == ')') {
                ++pos_;
                break;
            }
            fail(pos_, "expected ',' or ')' in 'shape'");
        }
        return shape;
    }

    std::string_view text_;
    std::size_t base_;
    const std::string& source_;
    std::size_t pos_ = 0;
};

/// NpyType and byte order from a descr such as "<f4"; nullopt when the
/// dtype is not supported (the message says why).
inline std::optional<std::pair<NpyType, bool>> npy_parse_descr(std::string_view descr, std::string& problem) {
    // returns {type, big_endian}
    if (descr.size() < 2) {
        problem = fmt::format("'{}' is not a dtype string such as '<f4'", descr);
        return std::nullopt;
    }
    char order = descr[0];
    std::string_view rest = descr.substr(1);
    if (order != '<' && order != '>' && order != '|' && order != '=') {
        problem = fmt::format("'{}' does not start with a byte order ('<', '>', '|' or '=')", descr);
        return std::nullopt;
    }
    if (order == '=') order = std::endian::native == std::endian::big ? '>' : '<';
    const char kind = rest[0];
    if (kind == 'O') {
        problem = "object arrays (pickled Python objects) are not supported";
        return std::nullopt;
    }
    const std::string_view size_text = rest.substr(1);
    int size = 0;
    for (char c : size_text) {
        if (!std::isdigit(static_cast<unsigned char>(c)) || size > 1000) {
            problem = fmt::format("'{}' has no valid item size", descr);
            return std::nullopt;
        }
        size = size * 10 + (c - '0');
    }
    if (size_text.empty()) {
        problem = fmt::format("'{}' has no item size", descr);
        return std::nullopt;
    }
    std::optional<NpyType> type;
    switch (kind) {
        case 'b':
            if (size == 1) type = NpyType::boolean;
            break;
        case 'i':
            if (size == 1) type = NpyType::int8;
            else if (size == 2) type = NpyType::int16;
            else if (size == 4) type = NpyType::int32;
            else if (size == 8) type = NpyType::int64;
            break;
        case 'u':
            if (size == 1) type = NpyType::uint8;
            else if (size == 2) type = NpyType::uint16;
            else if (size == 4) type = NpyType::uint32;
            else if (size == 8) type = NpyType::uint64;
            break;
        case 'f':
            if (size == 2) type = NpyType::float16;
            else if (size == 4) type = NpyType::float32;
            else if (size == 8) type = NpyType::float64;
            break;
        default: break;
    }
    if (!type) {
        problem = fmt::format("dtype '{}' is not supported (supported: bool, int8..int64, "
                              "uint8..uint64, float16, float32, float64)", descr);
        return std::nullopt;
    }
    if (npy_item_size(*type) == 1) order = '<';
    return std::pair{*type, order == '>'};
}

inline void byte_swap_elements(std::vector<std::byte>& data, std::size_t item) noexcept {
    if (item <= 1) return;
    for (std::size_t i = 0; i + item <= data.size(); i += item) {
        std::reverse(data.begin() + static_cast<std::ptrdiff_t>(i),
                     data.begin() + static_cast<std::ptrdiff_t>(i + item));
    }
}

}  // namespace detail

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

/// Writes `array` to `path` atomically (see write_file_atomically). Throws
/// IoError when the file cannot be written, ConfigError when the array is
/// inconsistent.
inline void write_npy(const std::filesystem::path& path, const NpyArray& array) {
    write_file_atomically(path, npy_bytes(array), ".npy");
}

}  // namespace evonas
