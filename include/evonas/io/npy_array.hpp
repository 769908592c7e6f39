// evonas: the in-memory form of a NumPy .npy array (element types, shape,
// raw bytes) used by the .npy reader and writer in io/npy.hpp.
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
    boolean,  ///< bool, one byte ("|b1")
    int8,     ///< signed 8-bit integer
    int16,    ///< signed 16-bit integer
    int32,    ///< signed 32-bit integer
    int64,    ///< signed 64-bit integer
    uint8,    ///< unsigned 8-bit integer
    uint16,   ///< unsigned 16-bit integer
    uint32,   ///< unsigned 32-bit integer
    uint64,   ///< unsigned 64-bit integer
    float16,  ///< IEEE half precision
    float32,  ///< IEEE single precision
    float64,  ///< IEEE double precision
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
    NpyType type = NpyType::float32;  ///< element type
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
    /// from_values() for a vector (std::vector<bool> included).
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

    /// Same type, shape and bytes.
    friend bool operator==(const NpyArray&, const NpyArray&) = default;
};

}  // namespace evonas
