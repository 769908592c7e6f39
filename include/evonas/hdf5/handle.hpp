// evonas: an owning HDF5 identifier, so every file, dataset, dataspace,
// datatype and property list evonas opens is closed on every path,
// exceptions included.
#pragma once

#include <utility>

#include <hdf5.h>

namespace evonas::detail {

/// Owns one HDF5 identifier and closes it with the H5*close function that
/// matches its kind (H5Fclose, H5Oclose, H5Sclose, H5Tclose, H5Pclose).
/// Move-only; an invalid (negative) id is never closed.
class Hdf5Handle {
public:
    /// The close function for this kind of identifier.
    using Closer = herr_t (*)(hid_t);

    /// An empty handle (owns nothing).
    Hdf5Handle() noexcept = default;
    /// Takes ownership of `id` (which may be negative: a failed call).
    Hdf5Handle(hid_t id, Closer close) noexcept : id_(id), close_(close) {}
    /// Moves ownership; `other` is left empty.
    Hdf5Handle(Hdf5Handle&& other) noexcept
        : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}
    /// Closes what this owns, then takes ownership from `other`.
    Hdf5Handle& operator=(Hdf5Handle&& other) noexcept {
        if (this != &other) {
            reset();
            id_ = std::exchange(other.id_, H5I_INVALID_HID);
            close_ = other.close_;
        }
        return *this;
    }
    Hdf5Handle(const Hdf5Handle&) = delete;
    Hdf5Handle& operator=(const Hdf5Handle&) = delete;
    /// Closes the identifier.
    ~Hdf5Handle() { reset(); }

    /// The identifier (negative when empty or the opening call failed).
    hid_t get() const noexcept { return id_; }
    /// True when the identifier is valid.
    explicit operator bool() const noexcept { return id_ >= 0; }
    /// Closes the identifier now; the handle becomes empty.
    void reset() noexcept {
        if (id_ >= 0 && close_ != nullptr) close_(id_);
        id_ = H5I_INVALID_HID;
    }

private:
    hid_t id_ = H5I_INVALID_HID;
    Closer close_ = nullptr;
};

}  // namespace evonas::detail
