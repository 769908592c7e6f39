// evonas::tiff: read_tiff_stack and parse_tiff_stack on files written here
// with libtiff (random sizes, every type, stripped and tiled, every codec
// this libtiff has, both byte orders, BigTIFF) and by tifffile in the
// layouts of the real data sets; every malformed case gives its evonas
// error type with a message that names the file and page; libtiff prints
// nothing meanwhile and gets its handlers back.
#include <evonas/tiff/tiff.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "format_test_support.hpp"

namespace {

using evonas_formats_test::TempDir;

struct TiffPage {
    std::uint32_t width = 1;
    std::uint32_t height = 1;
    std::uint16_t bits = 8;
    std::uint16_t format = SAMPLEFORMAT_UINT;
    std::uint16_t samples = 1;
    std::uint16_t photometric = PHOTOMETRIC_MINISBLACK;
    std::uint16_t compression = COMPRESSION_NONE;
    std::uint16_t predictor = 0;       // 0: none set
    std::uint32_t rows_per_strip = 0;  // 0: libtiff's default
    std::uint32_t tile = 0;            // tile width and length when tiled (multiple of 16)
    std::vector<std::byte> bytes;      // height * width * samples * bits / 8, C order
};

// Writes `pages` with libtiff; `mode` is "w" plus byte order ('l', 'b')
// and '8' for BigTIFF.
void tiff_write(const std::filesystem::path& file, const std::vector<TiffPage>& pages, const char* mode = "w") {
    TIFF* tif = TIFFOpen(file.c_str(), mode);
    REQUIRE(tif != nullptr);
    for (const auto& p : pages) {
        TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, p.width);
        TIFFSetField(tif, TIFFTAG_IMAGELENGTH, p.height);
        TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, p.bits);
        TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, p.samples);
        TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, p.format);
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, p.photometric);
        TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
        TIFFSetField(tif, TIFFTAG_COMPRESSION, p.compression);
        if (p.predictor != 0) TIFFSetField(tif, TIFFTAG_PREDICTOR, p.predictor);
        if (pages.size() > 1) {
            TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
        }
        if (p.photometric == PHOTOMETRIC_PALETTE) {
            std::vector<std::uint16_t> map(std::size_t{1} << p.bits, 0);
            TIFFSetField(tif, TIFFTAG_COLORMAP, map.data(), map.data(), map.data());
        }
        const std::size_t row = std::size_t{p.width} * p.samples * p.bits / 8;
        if (p.tile != 0) {
            TIFFSetField(tif, TIFFTAG_TILEWIDTH, p.tile);
            TIFFSetField(tif, TIFFTAG_TILELENGTH, p.tile);
            const std::size_t item = std::size_t{p.samples} * p.bits / 8;
            std::vector<std::byte> tile(std::size_t{p.tile} * p.tile * item);
            for (std::uint32_t y = 0; y < p.height; y += p.tile) {
                for (std::uint32_t x = 0; x < p.width; x += p.tile) {
                    std::fill(tile.begin(), tile.end(), std::byte{0});
                    for (std::uint32_t r = 0; r < p.tile && y + r < p.height; ++r) {
                        const std::uint32_t columns = std::min(p.tile, p.width - x);
                        std::memcpy(tile.data() + std::size_t{r} * p.tile * item,
                                    p.bytes.data() + (y + r) * row + x * item, columns * item);
                    }
                    REQUIRE(TIFFWriteEncodedTile(tif, TIFFComputeTile(tif, x, y, 0, 0), tile.data(),
                                                 static_cast<tmsize_t>(tile.size())) >= 0);
                }
            }
        } else {
            TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP,
                         p.rows_per_strip != 0 ? p.rows_per_strip : TIFFDefaultStripSize(tif, 0));
            std::vector<std::byte> line(row);
            for (std::uint32_t y = 0; y < p.height; ++y) {
                std::memcpy(line.data(), p.bytes.data() + y * row, row);  // libtiff may modify its input
                REQUIRE(TIFFWriteScanline(tif, line.data(), y, 0) == 1);
            }
        }
        REQUIRE(TIFFWriteDirectory(tif) == 1);
    }
    TIFFClose(tif);
}

TiffPage tiff_page(std::uint32_t width, std::uint32_t height, std::uint16_t bits, std::uint16_t format,
                   std::mt19937_64& rng) {
    TiffPage page;
    page.width = width;
    page.height = height;
    page.bits = bits;
    page.format = format;
    page.bytes.resize(std::size_t{width} * height * bits / 8);
    for (auto& b : page.bytes) b = static_cast<std::byte>(rng());
    return page;
}

std::string tiff_bytes_of(const evonas::NpyArray& array) {
    return {reinterpret_cast<const char*>(array.data.data()), array.data.size()};
}

bool tiff_has_python() {
#if EVONAS_TEST_HAVE_TIFFFILE
    return true;
#else
    WARN("skipped: " EVONAS_TEST_PYTHON " cannot import tifffile");
    return false;
#endif
}

// The Lucchi EM layout, small: training.tif is uint8 [pages, H, W] with
// one page per slice, training_groundtruth.tif the same shape with 0/255;
// a tiled + deflate float32 stack, a plain float32 stack, a big-endian
// uint16 stack, LZMA, and what evonas refuses (RGB, 1-bit, palette). The
// arrays' raw bytes beside them.
constexpr const char* tiff_python_script = R"(
import sys, numpy as np, tifffile
out = sys.argv[1]
rng = np.random.default_rng(11)
em = rng.integers(0, 256, (7, 96, 128), dtype=np.uint8)
gt = ((rng.random((7, 96, 128)) > 0.8) * 255).astype(np.uint8)
tifffile.imwrite(out + '/training.tif', em, photometric='minisblack')
tifffile.imwrite(out + '/training_groundtruth.tif', gt, photometric='minisblack')
f32 = rng.standard_normal((3, 70, 50)).astype(np.float32)
tifffile.imwrite(out + '/tiled.tif', f32, photometric='minisblack', tile=(32, 16), compression='zlib')
tifffile.imwrite(out + '/float32.tif', f32, photometric='minisblack')
u16 = rng.integers(0, 65536, (2, 33, 17), dtype=np.uint16)
tifffile.imwrite(out + '/big_endian.tif', u16, photometric='minisblack', byteorder='>')
tifffile.imwrite(out + '/lzma.tif', em[:2], photometric='minisblack', compression='lzma')
one = em[0]
tifffile.imwrite(out + '/single.tif', one, photometric='minisblack')
tifffile.imwrite(out + '/rgb.tif', rng.integers(0, 256, (2, 10, 12, 3), dtype=np.uint8), photometric='rgb')
tifffile.imwrite(out + '/bilevel.tif', rng.random((10, 16)) > 0.5)
for name, a in [('training', em), ('training_groundtruth', gt), ('tiled', f32), ('big_endian', u16),
                ('lzma', em[:2]), ('single', one)]:
    a.tofile(out + '/' + name + '.bin')
)";

// The message of the ParseError `read` throws (which must name `file`).
template <class Read>
std::string tiff_parse_error(const std::filesystem::path& file, Read read) {
    try {
        (void)read();
    } catch (const evonas::ParseError& e) {
        CHECK(e.source() == file.string());
        CHECK_THAT(std::string(e.what()), Catch::StartsWith(file.string() + ":1:1: "));
        return e.what();
    }
    FAIL("no ParseError for " << file);
    return {};
}

}  // namespace

TEST_CASE("tiff: random stacks of every type, layout and codec round-trip bit-equal") {
    struct Type {
        std::uint16_t bits;
        std::uint16_t format;
        evonas::NpyType type;
    };
    const std::vector<Type> types{
        {8, SAMPLEFORMAT_UINT, evonas::NpyType::uint8},      {8, SAMPLEFORMAT_INT, evonas::NpyType::int8},
        {16, SAMPLEFORMAT_UINT, evonas::NpyType::uint16},    {16, SAMPLEFORMAT_INT, evonas::NpyType::int16},
        {32, SAMPLEFORMAT_UINT, evonas::NpyType::uint32},    {32, SAMPLEFORMAT_INT, evonas::NpyType::int32},
        {64, SAMPLEFORMAT_UINT, evonas::NpyType::uint64},    {64, SAMPLEFORMAT_INT, evonas::NpyType::int64},
        {16, SAMPLEFORMAT_IEEEFP, evonas::NpyType::float16}, {32, SAMPLEFORMAT_IEEEFP, evonas::NpyType::float32},
        {64, SAMPLEFORMAT_IEEEFP, evonas::NpyType::float64},
    };
    std::vector<std::uint16_t> codecs{COMPRESSION_NONE, COMPRESSION_LZW, COMPRESSION_ADOBE_DEFLATE,
                                      COMPRESSION_PACKBITS};
    for (const std::uint16_t optional : {std::uint16_t{COMPRESSION_LZMA}, std::uint16_t{COMPRESSION_ZSTD}}) {
        if (TIFFIsCODECConfigured(optional)) codecs.push_back(optional);
    }
    const char* modes[] = {"wl", "wb", "w8"};
    std::mt19937_64 rng(20261203);
    TempDir dir;
    for (int iteration = 0; iteration < 66; ++iteration) {
        const auto& t = types[static_cast<std::size_t>(iteration) % types.size()];
        const auto pages = std::uniform_int_distribution<int>(1, 4)(rng);
        const auto width = std::uniform_int_distribution<std::uint32_t>(1, 45)(rng);
        const auto height = std::uniform_int_distribution<std::uint32_t>(1, 45)(rng);
        const auto codec = codecs[rng() % codecs.size()];
        const bool tiled = (rng() & 1) != 0;
        const char* mode = modes[rng() % 3];
        std::uint16_t predictor = 0;
        if (codec == COMPRESSION_LZW || codec == COMPRESSION_ADOBE_DEFLATE) {
            if (t.format != SAMPLEFORMAT_IEEEFP && t.bits <= 32 && (rng() & 1)) predictor = PREDICTOR_HORIZONTAL;
            if (t.format == SAMPLEFORMAT_IEEEFP && t.bits >= 32 && (rng() & 1)) predictor = PREDICTOR_FLOATINGPOINT;
        }
        std::vector<TiffPage> stack;
        std::string expected;
        for (int p = 0; p < pages; ++p) {
            stack.push_back(tiff_page(width, height, t.bits, t.format, rng));
            stack.back().compression = codec;
            stack.back().predictor = predictor;
            stack.back().tile = tiled ? 16 * std::uniform_int_distribution<std::uint32_t>(1, 2)(rng) : 0;
            stack.back().rows_per_strip = std::uniform_int_distribution<std::uint32_t>(1, height)(rng);
            expected.append(reinterpret_cast<const char*>(stack.back().bytes.data()), stack.back().bytes.size());
        }
        const auto file = dir / fmt::format("r{}.tif", iteration);
        CAPTURE(iteration, t.bits, t.format, pages, width, height, codec, tiled, mode, predictor);
        tiff_write(file, stack, mode);

        const auto array = evonas::read_tiff_stack(file);
        CHECK(array.type == t.type);
        CHECK(array.shape == std::vector<std::int64_t>{pages, height, width});
        CHECK(tiff_bytes_of(array) == expected);
        const auto again = evonas::parse_tiff_stack(evonas_formats_test::file_bytes(file), file.string());
        CHECK(again == array);
    }
}

TEST_CASE("tiff: the Lucchi EM layout and others written by tifffile read bit-equal") {
    if (!tiff_has_python()) return;
    TempDir dir;
    REQUIRE(evonas_formats_test::run_python(EVONAS_TEST_PYTHON, dir, tiff_python_script) == 0);
    struct Expected {
        const char* name;
        evonas::NpyType type;
        std::vector<std::int64_t> shape;
    };
    const std::vector<Expected> expected{
        {"training", evonas::NpyType::uint8, {7, 96, 128}},
        {"training_groundtruth", evonas::NpyType::uint8, {7, 96, 128}},
        {"tiled", evonas::NpyType::float32, {3, 70, 50}},
        {"big_endian", evonas::NpyType::uint16, {2, 33, 17}},
        {"lzma", evonas::NpyType::uint8, {2, 96, 128}},
        {"single", evonas::NpyType::uint8, {1, 96, 128}},
    };
    for (const auto& e : expected) {
        CAPTURE(e.name);
        if (std::string(e.name) == "lzma" && !TIFFIsCODECConfigured(COMPRESSION_LZMA)) continue;
        const auto array = evonas::read_tiff_stack(dir / (std::string(e.name) + ".tif"));
        CHECK(array.type == e.type);
        CHECK(array.shape == e.shape);
        CHECK(tiff_bytes_of(array) == evonas_formats_test::file_bytes(dir / (std::string(e.name) + ".bin")));
    }
    // The float32 stack, stripped, equals the tiled one.
    CHECK(evonas::read_tiff_stack(dir / "float32.tif") == evonas::read_tiff_stack(dir / "tiled.tif"));
    const auto labels = evonas::read_tiff_stack(dir / "training_groundtruth.tif").values<int>();
    CHECK(std::all_of(labels.begin(), labels.end(), [](int v) { return v == 0 || v == 255; }));

    const auto rgb = dir / "rgb.tif";
    CHECK_THAT(tiff_parse_error(rgb, [&] { return evonas::read_tiff_stack(rgb); }),
               Catch::Contains("page 1 has 3 samples per pixel"));
    const auto bilevel = dir / "bilevel.tif";
    CHECK_THAT(tiff_parse_error(bilevel, [&] { return evonas::read_tiff_stack(bilevel); }),
               Catch::Contains("page 1 has 1-bit unsigned integer samples"));
}

TEST_CASE("tiff: pages that differ, and kinds of image evonas refuses") {
    std::mt19937_64 rng(3);
    TempDir dir;
    const auto check = [&](const std::string& name, const std::vector<TiffPage>& pages, const std::string& message) {
        CAPTURE(name);
        const auto file = dir / name;
        tiff_write(file, pages);
        evonas_formats_test::StderrCapture err;
        CHECK_THAT(tiff_parse_error(file, [&] { return evonas::read_tiff_stack(file); }), Catch::Contains(message));
        const auto bytes = evonas_formats_test::file_bytes(file);
        CHECK_THAT(tiff_parse_error(file, [&] { return evonas::parse_tiff_stack(bytes, file.string()); }),
                   Catch::Contains(message));
        CHECK(err.text().empty());
    };
    check("sizes.tif",
          {tiff_page(20, 10, 8, SAMPLEFORMAT_UINT, rng), tiff_page(20, 10, 8, SAMPLEFORMAT_UINT, rng),
           tiff_page(21, 10, 8, SAMPLEFORMAT_UINT, rng)},
          "page 3 is 21x10 uint8 but page 1 is 20x10 uint8: every page must have the same size and type");
    check("types.tif", {tiff_page(8, 8, 8, SAMPLEFORMAT_UINT, rng), tiff_page(8, 8, 16, SAMPLEFORMAT_UINT, rng)},
          "page 2 is 8x8 uint16 but page 1 is 8x8 uint8");
    auto rgb = tiff_page(6, 5, 8, SAMPLEFORMAT_UINT, rng);
    rgb.samples = 3;
    rgb.photometric = PHOTOMETRIC_RGB;
    rgb.bytes.resize(6 * 5 * 3);
    check("rgb.tif", {rgb}, "page 1 has 3 samples per pixel");
    auto palette = tiff_page(6, 5, 8, SAMPLEFORMAT_UINT, rng);
    palette.photometric = PHOTOMETRIC_PALETTE;
    check("palette.tif", {tiff_page(6, 5, 8, SAMPLEFORMAT_UINT, rng), palette}, "page 2 is not a grayscale image");
    auto twelve = tiff_page(8, 4, 8, SAMPLEFORMAT_UINT, rng);
    twelve.bits = 12;
    twelve.bytes.resize(8 * 4 * 12 / 8);
    check("twelve.tif", {twelve}, "page 1 has 12-bit unsigned integer samples");
    auto complex = tiff_page(4, 4, 64, SAMPLEFORMAT_COMPLEXIEEEFP, rng);
    check("complex.tif", {complex}, "page 1 has 64-bit complex floating-point samples");
}

TEST_CASE("tiff: files that are missing, not TIFF, truncated or damaged") {
    std::mt19937_64 rng(9);
    TempDir dir;
    CHECK_THROWS_AS(evonas::read_tiff_stack(dir / "missing.tif"), evonas::IoError);
    CHECK_THROWS_AS(evonas::read_tiff_stack(dir.path()), evonas::IoError);

    // Deflate strips of 4 rows, so damage in one strip fails one row's decoding.
    std::vector<TiffPage> pages;
    for (int p = 0; p < 3; ++p) {
        pages.push_back(tiff_page(64, 32, 16, SAMPLEFORMAT_UINT, rng));
        for (auto& b : pages.back().bytes) b = static_cast<std::byte>(static_cast<unsigned>(b) & 0x3);
        pages.back().compression = COMPRESSION_ADOBE_DEFLATE;
        pages.back().rows_per_strip = 4;
    }
    tiff_write(dir / "good.tif", pages);
    const std::string good = evonas_formats_test::file_bytes(dir / "good.tif");
    std::uint64_t strip_offset = 0;
    std::uint64_t strip_size = 0;
    {
        TIFF* tif = TIFFOpen((dir / "good.tif").c_str(), "r");
        REQUIRE(tif != nullptr);
        REQUIRE(TIFFSetDirectory(tif, 1) == 1);
        strip_offset = TIFFGetStrileOffset(tif, 2);
        strip_size = TIFFGetStrileByteCount(tif, 2);
        TIFFClose(tif);
    }
    REQUIRE(strip_size > 8);
    std::string damaged = good;
    for (std::uint64_t i = 0; i < strip_size; ++i) damaged[strip_offset + i] = static_cast<char>(0xFF);

    std::string random(2000, '\0');
    for (auto& ch : random) ch = static_cast<char>(rng());
    std::string random_header = "II*\0" + random;  // a TIFF magic, then garbage
    random_header[4] = 8;
    random_header[5] = random_header[6] = random_header[7] = 0;
    const std::vector<std::tuple<std::string, std::string, std::string>> broken{
        {"empty.tif", "", "not a TIFF file"},
        {"random.tif", random, "not a TIFF file"},
        {"garbage_ifd.tif", random_header, ""},
        {"header_only.tif", good.substr(0, 8), "not a TIFF file"},
        {"half.tif", good.substr(0, good.size() / 2), "the directory of page 2 cannot be read (truncated or damaged file?) (libtiff: "},
        {"damaged_strip.tif", damaged, "page 2: row 8 cannot be decoded (libtiff: "},
    };
    for (const auto& [name, bytes, message] : broken) {
        CAPTURE(name);
        const auto file = dir / name;
        evonas_formats_test::write_bytes(file, bytes);
        evonas_formats_test::StderrCapture err;
        CHECK_THAT(tiff_parse_error(file, [&] { return evonas::read_tiff_stack(file); }), Catch::Contains(message));
        CHECK_THAT(tiff_parse_error(file, [&] { return evonas::parse_tiff_stack(bytes, file.string()); }),
                   Catch::Contains(message));
        CHECK(err.text().empty());
    }
    CHECK_THAT(tiff_parse_error(dir / "good.tif", [&] { return evonas::read_tiff_stack(dir / "good.tif", 2 * 64 * 32 * 2); }),
               Catch::Contains("page 3 makes the stack need more than 8192 bytes"));
    CHECK(evonas::read_tiff_stack(dir / "good.tif", 3 * 64 * 32 * 2).shape == std::vector<std::int64_t>{3, 32, 64});
}

namespace {
std::atomic<int> tiff_foreign_messages{0};
void tiff_count_handler(const char*, const char*, va_list) { ++tiff_foreign_messages; }
}  // namespace

TEST_CASE("tiff: libtiff's handlers are evonas's only during its calls, per thread") {
    TempDir dir;
    std::mt19937_64 rng(1);
    tiff_write(dir / "ok.tif", {tiff_page(9, 9, 8, SAMPLEFORMAT_UINT, rng)});
    const TIFFErrorHandler old_error = TIFFSetErrorHandler(&tiff_count_handler);
    const TIFFErrorHandler old_warning = TIFFSetWarningHandler(&tiff_count_handler);
    tiff_foreign_messages = 0;
    std::vector<std::string> names;
    for (int t = 0; t < 4; ++t) {
        names.push_back((dir / fmt::format("junk{}.tif", t)).string());
        evonas_formats_test::write_bytes(names.back(), fmt::format("junk {} is not a TIFF", t));
    }
    std::vector<int> right(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                try {
                    (void)evonas::read_tiff_stack(names[static_cast<std::size_t>(t)]);
                } catch (const evonas::ParseError& e) {
                    // libtiff's message for this thread's file, no other's.
                    const std::string what = e.what();
                    bool mine = what.find("(libtiff: " + names[static_cast<std::size_t>(t)]) != std::string::npos;
                    for (int o = 0; o < 4; ++o) {
                        if (o != t && what.find(names[static_cast<std::size_t>(o)]) != std::string::npos) mine = false;
                    }
                    if (mine) ++right[static_cast<std::size_t>(t)];
                }
                if (evonas::read_tiff_stack(dir / "ok.tif").shape == std::vector<std::int64_t>{1, 9, 9}) {
                    ++right[static_cast<std::size_t>(t)];
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(right == std::vector<int>(4, 50));
    CHECK(tiff_foreign_messages == 0);
    // A libtiff call outside evonas goes to the program's handler again.
    CHECK(TIFFOpen((dir / "junk0.tif").c_str(), "r") == nullptr);
    CHECK(tiff_foreign_messages == 1);
    CHECK(TIFFSetErrorHandler(old_error) == &tiff_count_handler);
    CHECK(TIFFSetWarningHandler(old_warning) == &tiff_count_handler);
}
