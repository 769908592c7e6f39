// evonas tool: per-voxel segmentation as patch classification, MENNDL's way
// for the EM data: a network sees a small patch around a voxel and says
// whether that voxel is foreground (mask > 0). From an image stack
// [depth, height, width] and its mask, balanced patches are drawn: 2-D
// patches [1, p, p] from one page, or 3-D [1, p, p, p] across pages;
// borders are replicated, so every voxel can be a centre.
//
// Stacks are large (Lucchi's training.tif is 165 x 768 x 1024): centres are
// drawn by rejection from the whole stack, and only a rare class (under
// 1 in 64 voxels) is listed, so memory stays at the stack itself.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/random.hpp>

namespace evonas::tool {

/// An image stack with its mask, z-major: voxel (z, y, x) is at
/// (z * height + y) * width + x.
struct Stack {
    std::array<std::int64_t, 3> dims{};  ///< depth, height, width
    std::vector<float> image;            ///< depth * height * width values
    std::vector<std::uint8_t> mask;      ///< 1 foreground, 0 background (empty: unlabelled)

    /// Voxels in the stack.
    std::int64_t voxels() const noexcept { return dims[0] * dims[1] * dims[2]; }

    /// Pages [first, first + count) as a stack of their own.
    Stack pages(std::int64_t first, std::int64_t count) const {
        Stack s;
        s.dims = {count, dims[1], dims[2]};
        const auto plane = static_cast<std::size_t>(dims[1] * dims[2]);
        const auto begin = static_cast<std::size_t>(first) * plane, end = begin + static_cast<std::size_t>(count) * plane;
        s.image.assign(image.begin() + static_cast<std::ptrdiff_t>(begin), image.begin() + static_cast<std::ptrdiff_t>(end));
        if (!mask.empty()) {
            s.mask.assign(mask.begin() + static_cast<std::ptrdiff_t>(begin), mask.begin() + static_cast<std::ptrdiff_t>(end));
        }
        return s;
    }
};

/// Patches drawn from a stack: values [count, 1, p, p(, p)] and the label
/// of each centre.
struct Patches {
    std::vector<std::int64_t> shape;    ///< [count, 1, p, p] or [count, 1, p, p, p]
    std::vector<float> values;          ///< product(shape) values
    std::vector<std::int64_t> labels;   ///< 0 background, 1 foreground
};

/// `count` balanced patches of odd side `p` with `dims` 2 or 3 spatial axes
/// from `stack` (even k: background centre, odd k: foreground), drawn from
/// `seed`. Throws ConfigError for a bad side or dims (naming --patch,
/// --patch-dims), and naming `field` for a bad count, a stack without a
/// mask of its size, or a class with no voxels. Stacks thinner than a 3-D
/// patch are fine: borders replicate.
inline Patches extract_balanced_patches(const Stack& stack, int dims, std::int64_t p, std::int64_t count,
                                        std::uint64_t seed, const std::string& field = "--patch") {
    if (p < 1 || p % 2 == 0) throw ConfigError("--patch", fmt::format("the patch side must be odd and positive, got {}", p));
    if (dims != 2 && dims != 3) throw ConfigError("--patch-dims", fmt::format("must be 2 or 3, got {}", dims));
    if (count < 1) throw ConfigError(field, fmt::format("needs at least one patch, got {}", count));
    if (stack.mask.size() != static_cast<std::size_t>(stack.voxels())) {
        throw ConfigError(field, "the stack has no mask of its size to label patches with");
    }
    // Class frequencies decide rejection or listing.
    std::array<std::int64_t, 2> voxels_of{0, 0};
    for (auto m : stack.mask) ++voxels_of[m ? 1 : 0];
    std::array<std::vector<std::int64_t>, 2> listed;
    for (std::size_t c = 0; c < 2; ++c) {
        if (voxels_of[c] == 0) {
            throw ConfigError(field, fmt::format("the mask has no {} voxels to balance with",
                                                 c ? "foreground (nonzero)" : "background (zero)"));
        }
        if (voxels_of[c] * 64 < stack.voxels()) {
            for (std::size_t i = 0; i < stack.mask.size(); ++i) {
                if ((stack.mask[i] ? 1u : 0u) == c) listed[c].push_back(static_cast<std::int64_t>(i));
            }
        }
    }
    Patches out;
    out.shape = dims == 2 ? std::vector<std::int64_t>{count, 1, p, p} : std::vector<std::int64_t>{count, 1, p, p, p};
    const auto per_patch = static_cast<std::size_t>(dims == 2 ? p * p : p * p * p);
    out.values.resize(static_cast<std::size_t>(count) * per_patch);
    out.labels.resize(static_cast<std::size_t>(count));
    Rng rng(seed);
    const auto [depth, height, width] = stack.dims;
    const auto r = p / 2;
    for (std::int64_t k = 0; k < count; ++k) {
        const std::size_t c = static_cast<std::size_t>(k % 2);
        std::int64_t voxel = 0;
        if (!listed[c].empty()) {
            voxel = listed[c][rng.index(listed[c].size())];
        } else {
            do {
                voxel = static_cast<std::int64_t>(rng.index(static_cast<std::size_t>(stack.voxels())));
            } while ((stack.mask[static_cast<std::size_t>(voxel)] ? 1u : 0u) != c);
        }
        const auto z0 = voxel / (height * width), y0 = (voxel / width) % height, x0 = voxel % width;
        auto* dst = out.values.data() + static_cast<std::size_t>(k) * per_patch;
        const auto zr = dims == 3 ? r : 0;
        for (std::int64_t dz = -zr; dz <= zr; ++dz) {
            const auto z = std::clamp<std::int64_t>(z0 + dz, 0, depth - 1);
            for (std::int64_t dy = -r; dy <= r; ++dy) {
                const auto y = std::clamp<std::int64_t>(y0 + dy, 0, height - 1);
                for (std::int64_t dx = -r; dx <= r; ++dx) {
                    const auto x = std::clamp<std::int64_t>(x0 + dx, 0, width - 1);
                    *dst++ = stack.image[static_cast<std::size_t>((z * height + y) * width + x)];
                }
            }
        }
        out.labels[static_cast<std::size_t>(k)] = static_cast<std::int64_t>(c);
    }
    return out;
}

}  // namespace evonas::tool
