// evonas: which HDF5 datatypes evonas reads, as which NpyType, and how a
// datatype is named in messages ("float32", "string", "compound {...}").
#pragma once

#include <bit>
#include <cstddef>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <hdf5.h>

#include <evonas/hdf5/handle.hpp>
#include <evonas/io/npy_array.hpp>

namespace evonas::detail {

/// The NpyType a dataset of HDF5 type `type` is read as: integers of 1, 2,
/// 4 or 8 bytes and IEEE floats of 2, 4 or 8 bytes in either byte order.
/// Empty for everything else: bool (h5py writes it as an enum), enums,
/// strings, compounds, variable-length, references, arrays, opaque,
/// bitfields, and integers or floats of other sizes. Enums are refused
/// rather than read as their integer base so that a label array written as
/// an enum is a visible decision of the user, not a silent one.
inline std::optional<NpyType> hdf5_npy_type(hid_t type) {
    const H5T_class_t type_class = H5Tget_class(type);
    const std::size_t size = H5Tget_size(type);
    if (type_class == H5T_INTEGER) {
        const bool is_signed = H5Tget_sign(type) != H5T_SGN_NONE;
        switch (size) {
            case 1: return is_signed ? NpyType::int8 : NpyType::uint8;
            case 2: return is_signed ? NpyType::int16 : NpyType::uint16;
            case 4: return is_signed ? NpyType::int32 : NpyType::uint32;
            case 8: return is_signed ? NpyType::int64 : NpyType::uint64;
            default: return std::nullopt;
        }
    }
    if (type_class == H5T_FLOAT) {
        switch (size) {
            case 2: return NpyType::float16;
            case 4: return NpyType::float32;
            case 8: return NpyType::float64;
            default: return std::nullopt;
        }
    }
    return std::nullopt;
}

/// True for the enum h5py writes NumPy bool arrays as: one byte, two
/// members named FALSE (0) and TRUE (1).
inline bool hdf5_is_h5py_bool(hid_t type) {
    if (H5Tget_class(type) != H5T_ENUM || H5Tget_size(type) != 1 || H5Tget_nmembers(type) != 2) return false;
    for (unsigned i = 0; i < 2; ++i) {
        char* name = H5Tget_member_name(type, i);
        if (name == nullptr) return false;
        const std::string member = name;
        H5free_memory(name);
        if (member != (i == 0 ? "FALSE" : "TRUE")) return false;
    }
    return true;
}

/// A short name of an HDF5 datatype for messages and Hdf5DatasetInfo:
/// NumPy's names where there is one ("uint8", "float32", "bool"), else the
/// HDF5 class ("string", "enum", "compound {x: int32, y: float64}", "vlen",
/// "reference", "array", "opaque", "bitfield", "time", "int24", "float128").
inline std::string hdf5_type_name(hid_t type) {
    if (auto npy = hdf5_npy_type(type)) return std::string(to_string(*npy));
    const std::size_t size = H5Tget_size(type);
    switch (H5Tget_class(type)) {
        case H5T_INTEGER:
            return fmt::format("{}int{}", H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", 8 * size);
        case H5T_FLOAT: return fmt::format("float{}", 8 * size);
        case H5T_STRING:
            return H5Tis_variable_str(type) > 0 ? std::string("string (variable length)")
                                                : fmt::format("string ({} bytes)", size);
        case H5T_ENUM: return hdf5_is_h5py_bool(type) ? std::string("bool") : std::string("enum");
        case H5T_COMPOUND: {
            std::string text = "compound {";
            const int members = H5Tget_nmembers(type);
            for (int i = 0; i < members && i < 8; ++i) {
                char* name = H5Tget_member_name(type, static_cast<unsigned>(i));
                const Hdf5Handle member(H5Tget_member_type(type, static_cast<unsigned>(i)), &H5Tclose);
                // Nested compounds are named by class only (bounded recursion).
                std::string member_type = "?";
                if (member) {
                    member_type = H5Tget_class(member.get()) == H5T_COMPOUND ? std::string("compound")
                                                                            : hdf5_type_name(member.get());
                }
                text += fmt::format("{}{}: {}", i == 0 ? "" : ", ", name != nullptr ? name : "?", member_type);
                if (name != nullptr) H5free_memory(name);
            }
            if (members > 8) text += ", ...";
            return text + "}";
        }
        case H5T_VLEN: return "vlen";
        case H5T_REFERENCE: return "reference";
        case H5T_ARRAY: return "array";
        case H5T_OPAQUE: return "opaque";
        case H5T_BITFIELD: return "bitfield";
        case H5T_TIME: return "time";
        default: return "unknown type";
    }
}

/// The in-memory HDF5 type for `type` in this machine's byte order, which
/// H5Dread converts the file's type to (HDF5 1.10 has no predefined half
/// type: float16 is built the way h5py builds it).
inline Hdf5Handle hdf5_memory_type(NpyType type) {
    const auto copy = [](hid_t predefined) { return Hdf5Handle(H5Tcopy(predefined), &H5Tclose); };
    switch (type) {
        case NpyType::int8: return copy(H5T_NATIVE_INT8);
        case NpyType::int16: return copy(H5T_NATIVE_INT16);
        case NpyType::int32: return copy(H5T_NATIVE_INT32);
        case NpyType::int64: return copy(H5T_NATIVE_INT64);
        case NpyType::uint8: return copy(H5T_NATIVE_UINT8);
        case NpyType::uint16: return copy(H5T_NATIVE_UINT16);
        case NpyType::uint32: return copy(H5T_NATIVE_UINT32);
        case NpyType::uint64: return copy(H5T_NATIVE_UINT64);
        case NpyType::float32: return copy(H5T_NATIVE_FLOAT);
        case NpyType::float64: return copy(H5T_NATIVE_DOUBLE);
        case NpyType::float16: {
            auto half = copy(H5T_IEEE_F32LE);
            if (!half) return half;
            H5Tset_fields(half.get(), 15, 10, 5, 0, 10);
            H5Tset_size(half.get(), 2);
            H5Tset_ebias(half.get(), 15);
            H5Tset_order(half.get(), std::endian::native == std::endian::little ? H5T_ORDER_LE : H5T_ORDER_BE);
            return half;
        }
        case NpyType::boolean: break;
    }
    return Hdf5Handle();  // bool is never read from HDF5
}

}  // namespace evonas::detail
