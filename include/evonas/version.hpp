/// \file
/// evonas: the library's version, the single source of truth.
/// CMakeLists.txt reads the three numbers below, so bump them here only.
#pragma once

#include <string>

/// Major version of the headers, for `#if` in user code.
#define EVONAS_VERSION_MAJOR 0
/// Minor version of the headers.
#define EVONAS_VERSION_MINOR 1
/// Patch version of the headers.
#define EVONAS_VERSION_PATCH 0

namespace evonas {

/// Semantic version of the headers in use. Thread safety: immutable.
struct Version {
    int major;  ///< Incompatible API changes.
    int minor;  ///< Compatible additions.
    int patch;  ///< Fixes.

    /// Same major, minor and patch.
    friend constexpr bool operator==(const Version&, const Version&) = default;
    /// Orders versions: major first, then minor, then patch.
    friend constexpr auto operator<=>(const Version&, const Version&) = default;
};

/// The version of these headers.
inline constexpr Version version{EVONAS_VERSION_MAJOR, EVONAS_VERSION_MINOR,
                                 EVONAS_VERSION_PATCH};

/// "major.minor.patch", e.g. "0.1.0".
inline std::string version_string() {
    return std::to_string(version.major) + "." + std::to_string(version.minor) + "." +
           std::to_string(version.patch);
}

}  // namespace evonas
