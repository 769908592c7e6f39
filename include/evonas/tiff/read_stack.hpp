// evonas: reading a (multi-page) TIFF as one [pages, height, width] array.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <tiffio.h>

#include <evonas/error.hpp>
#include <evonas/io/npy_array.hpp>
#include <evonas/tiff/memory_stream.hpp>
#include <evonas/tiff/messages.hpp>

namespace evonas {

namespace detail {

/// Closes a TIFF handle (unique_ptr deleter).
struct TiffCloser {
    /// Calls TIFFClose.
    void operator()(TIFF* tif) const noexcept { TIFFClose(tif); }
};
/// An owned TIFF handle.
using TiffHandle = std::unique_ptr<TIFF, TiffCloser>;

/// The NpyType of samples of `bits` bits in TIFF sample format `format`
/// (SAMPLEFORMAT_UINT, _INT, _IEEEFP), or nothing when evonas does not read
/// them (1, 2, 4, 12, 24-bit samples; complex; void).
inline std::optional<NpyType> tiff_npy_type(std::uint16_t format, std::uint16_t bits) {
    if (format == SAMPLEFORMAT_UINT) {
        switch (bits) {
            case 8: return NpyType::uint8;
            case 16: return NpyType::uint16;
            case 32: return NpyType::uint32;
            case 64: return NpyType::uint64;
            default: return std::nullopt;
        }
    }
    if (format == SAMPLEFORMAT_INT) {
        switch (bits) {
            case 8: return NpyType::int8;
            case 16: return NpyType::int16;
            case 32: return NpyType::int32;
            case 64: return NpyType::int64;
            default: return std::nullopt;
        }
    }
    if (format == SAMPLEFORMAT_IEEEFP) {
        switch (bits) {
            case 16: return NpyType::float16;
            case 32: return NpyType::float32;
            case 64: return NpyType::float64;
            default: return std::nullopt;
        }
    }
    return std::nullopt;
}

/// Name of a TIFF sample format for messages.
inline std::string_view tiff_format_name(std::uint16_t format) {
    switch (format) {
        case SAMPLEFORMAT_UINT: return "unsigned integer";
        case SAMPLEFORMAT_INT: return "signed integer";
        case SAMPLEFORMAT_IEEEFP: return "floating-point";
        case SAMPLEFORMAT_VOID: return "untyped";
        case SAMPLEFORMAT_COMPLEXINT: return "complex integer";
        case SAMPLEFORMAT_COMPLEXIEEEFP: return "complex floating-point";
        default: return "unknown-format";
    }
}

/// Reads every page of the open `tif` (see read_tiff_stack()). `source`
/// names it in messages.
inline NpyArray tiff_read_pages(TIFF* tif, const std::string& source, std::size_t max_bytes, TiffMessages& said) {
    NpyArray array;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::int64_t pages = 0;
    const auto fail = [&](const std::string& problem) { throw ParseError(source, 1, 1, problem + said.suffix()); };
    constexpr auto limit = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max());
    std::vector<std::byte> tile;
    for (;;) {
        const std::int64_t page = pages + 1;  // 1-based in messages
        std::uint32_t w = 0;
        std::uint32_t h = 0;
        std::uint16_t samples = 1;
        std::uint16_t bits = 1;
        std::uint16_t format = SAMPLEFORMAT_UINT;
        std::uint16_t photometric = PHOTOMETRIC_MINISBLACK;
        std::uint32_t depth = 1;
        if (TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) != 1 || TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h) != 1) {
            fail(fmt::format("page {} has no image width or length", page));
        }
        TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
        TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
        TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
        TIFFGetFieldDefaulted(tif, TIFFTAG_IMAGEDEPTH, &depth);
        const bool has_photometric = TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric) == 1;
        if (w == 0 || h == 0) fail(fmt::format("page {} is empty ({}x{} pixels)", page, w, h));
        if (samples != 1) {
            fail(fmt::format("page {} has {} samples per pixel (RGB or with alpha?); evonas reads one sample per "
                             "pixel (grayscale or labels): convert it, e.g. to one channel per file",
                             page, samples));
        }
        if (has_photometric && photometric != PHOTOMETRIC_MINISBLACK && photometric != PHOTOMETRIC_MINISWHITE) {
            fail(fmt::format("page {} is not a grayscale image (TIFF photometric interpretation {}{}); evonas reads "
                             "grayscale and label images",
                             page, photometric, photometric == PHOTOMETRIC_PALETTE ? ": a palette image" : ""));
        }
        if (depth != 1) fail(fmt::format("page {} is a {}-deep SGI volume; evonas reads 2-D pages", page, depth));
        const auto type = tiff_npy_type(format, bits);
        if (!type) {
            fail(fmt::format("page {} has {}-bit {} samples; evonas reads 8, 16, 32 and 64-bit integers and "
                             "16, 32 and 64-bit floats",
                             page, bits, tiff_format_name(format)));
        }
        if (pages == 0) {
            width = w;
            height = h;
            array.type = *type;
        } else if (w != width || h != height || *type != array.type) {
            fail(fmt::format("page {} is {}x{} {} but page 1 is {}x{} {}: every page must have the same size and "
                             "type (width x height)",
                             page, w, h, to_string(*type), width, height, to_string(array.type)));
        }

        // Sizes: row and page bytes, the total within max_bytes and memory.
        const std::size_t item = npy_item_size(array.type);
        const std::size_t row_bytes = static_cast<std::size_t>(w) * item;  // < 2^35
        if (row_bytes != 0 && static_cast<std::size_t>(h) > limit / row_bytes) {
            fail(fmt::format("page {} ({}x{}) is too large for memory", page, w, h));
        }
        const std::size_t page_bytes = row_bytes * h;
        const std::size_t offset = array.data.size();
        if (page_bytes > limit - offset || offset + page_bytes > max_bytes) {
            fail(fmt::format("page {} makes the stack need more than {} bytes", page,
                             max_bytes < limit ? max_bytes : limit));
        }
        // Memory grows as rows decode (not by the header's claim), so a
        // damaged header with a huge size fails before it is allocated.
        const auto grow = [&](std::size_t bytes) {
            try {
                array.data.resize(array.data.size() + bytes);
            } catch (const std::bad_alloc&) {
                fail(fmt::format("page {} is too large for memory", page));
            } catch (const std::length_error&) {
                fail(fmt::format("page {} is too large for memory", page));
            }
        };
        if (TIFFIsTiled(tif)) {
            std::uint32_t tile_width = 0;
            std::uint32_t tile_length = 0;
            TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tile_width);
            TIFFGetField(tif, TIFFTAG_TILELENGTH, &tile_length);
            if (tile_width == 0 || tile_length == 0) fail(fmt::format("page {} has tiles of size 0", page));
            const std::uint64_t tile_bytes = std::uint64_t{tile_width} * tile_length * item;
            if (tile_bytes > max_bytes || tile_bytes > limit || TIFFTileSize64(tif) != tile_bytes) {
                fail(fmt::format("page {} has tiles of {}x{} pixels, too large or inconsistent", page, tile_width,
                                 tile_length));
            }
            try {
                tile.resize(static_cast<std::size_t>(tile_bytes));
            } catch (const std::bad_alloc&) {
                fail(fmt::format("page {}: a tile is too large for memory", page));
            }
            for (std::uint32_t y = 0; y < h; y += tile_length) {
                const std::uint32_t rows = std::min(tile_length, h - y);
                const std::size_t band = array.data.size();
                grow(rows * row_bytes);
                for (std::uint32_t x = 0; x < w; x += tile_width) {
                    const std::uint32_t index = TIFFComputeTile(tif, x, y, 0, 0);
                    if (TIFFReadEncodedTile(tif, index, tile.data(), static_cast<tmsize_t>(tile_bytes)) < 0) {
                        fail(fmt::format("page {}: tile {} (x {}, y {}) cannot be decoded", page, index, x, y));
                    }
                    const std::size_t columns = std::min(tile_width, w - x);
                    for (std::uint32_t r = 0; r < rows; ++r) {
                        std::memcpy(array.data.data() + band + r * row_bytes + x * item,
                                    tile.data() + std::size_t{r} * tile_width * item, columns * item);
                    }
                }
            }
        } else {
            if (static_cast<std::uint64_t>(TIFFScanlineSize64(tif)) != row_bytes) {
                fail(fmt::format("page {}: its rows are not {} bytes as its size and type need", page, row_bytes));
            }
            for (std::uint32_t row = 0; row < h; ++row) {
                const std::size_t at = array.data.size();
                grow(row_bytes);
                if (TIFFReadScanline(tif, array.data.data() + at, row, 0) < 0) {
                    fail(fmt::format("page {}: row {} cannot be decoded", page, row));
                }
            }
        }
        ++pages;
        if (TIFFLastDirectory(tif)) break;
        if (TIFFReadDirectory(tif) != 1) {
            fail(fmt::format("the directory of page {} cannot be read (truncated or damaged file?)", page + 1));
        }
    }
    array.shape = {pages, static_cast<std::int64_t>(height), static_cast<std::int64_t>(width)};
    return array;
}

}  // namespace detail

/// Reads the TIFF file `file` as an array of shape [pages, height, width]:
/// every page (directory) in file order, each one sample per pixel
/// (grayscale or labels; min-is-white pages are returned as stored), with
/// 8, 16, 32 or 64-bit unsigned or signed integers or 16, 32 or 64-bit
/// floats (NpyType to match), stripped or tiled, classic TIFF or BigTIFF,
/// either byte order, any compression this libtiff decodes (LZW, Deflate,
/// PackBits, JPEG, ZSTD, LZMA, ... as built). Every page must have the
/// same width, height and type.
///
/// Refused, with a ParseError: several samples per pixel (RGB, RGBA,
/// two-channel: reshaping them silently would hide a layout question the
/// caller should answer; convert them to one channel per file), palette and
/// other colour images, 1, 2, 4, 12, 24-bit and complex samples, SGI
/// volumes (ImageDepth > 1).
///
/// `max_bytes` refuses a stack needing more bytes than that (a guard
/// against a damaged or hostile file; default: no limit). Memory grows as
/// rows are decoded, so a damaged header claiming a huge page fails at its
/// first missing row, not at allocation.
///
/// Throws IoError when `file` is missing, a directory or unreadable;
/// ParseError(file, 1, 1, ...) when it is not a TIFF, is damaged or
/// truncated, or holds what is refused above; the message names the page
/// (1-based) and ends with what libtiff said, "(libtiff: ...)". libtiff
/// prints nothing to stderr meanwhile; see tiff/messages.hpp for how its
/// global handlers are switched and what that means for threads.
inline NpyArray read_tiff_stack(const std::filesystem::path& file,
                                std::size_t max_bytes = std::numeric_limits<std::size_t>::max()) {
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    if (!std::filesystem::exists(status)) {
        throw IoError(file, "cannot open the TIFF file",
                      ec ? ec : std::make_error_code(std::errc::no_such_file_or_directory));
    }
    if (std::filesystem::is_directory(status)) throw IoError(file, "is a directory, not a TIFF file");
    if (!std::ifstream(file, std::ios::binary)) throw IoError::from_errno(file, "cannot open the TIFF file");
    detail::TiffSession session;
    const std::string source = file.string();
    // "rm": read, without memory-mapping (a file truncated while mapped
    // would kill the process with SIGBUS).
    const detail::TiffHandle tif(TIFFOpen(source.c_str(), "rm"));
    if (!tif) {
        throw ParseError(source, 1, 1, "not a TIFF file, or its header is damaged" + session.messages().suffix());
    }
    return detail::tiff_read_pages(tif.get(), source, max_bytes, session.messages());
}

/// read_tiff_stack() for a TIFF file's bytes already in memory; `source`
/// names it in messages. The bytes are only read, never written.
inline NpyArray parse_tiff_stack(std::string_view bytes, const std::string& source = "<tiff>",
                                 std::size_t max_bytes = std::numeric_limits<std::size_t>::max()) {
    detail::TiffSession session;
    detail::TiffMemoryStream stream{bytes, 0};
    const detail::TiffHandle tif(TIFFClientOpen(source.c_str(), "rm", &stream, &detail::TiffMemoryStream::read,
                                                &detail::TiffMemoryStream::write, &detail::TiffMemoryStream::seek,
                                                &detail::TiffMemoryStream::close, &detail::TiffMemoryStream::size,
                                                &detail::TiffMemoryStream::map, &detail::TiffMemoryStream::unmap));
    if (!tif) {
        throw ParseError(source, 1, 1, "not a TIFF file, or its header is damaged" + session.messages().suffix());
    }
    return detail::tiff_read_pages(tif.get(), source, max_bytes, session.messages());
}

}  // namespace evonas
