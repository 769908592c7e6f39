// evonas::hdf5: read_hdf5_dataset and list_hdf5_datasets on files written
// here with HDF5's C API (random shapes, every type, both byte orders,
// contiguous and chunked/compressed) and by h5py in the layouts of the
// real data sets; every malformed case gives its evonas error type with a
// message that names the file; HDF5 prints nothing meanwhile.
#include <evonas/hdf5/hdf5.hpp>

#include <catch2/catch.hpp>

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

using evonas::detail::Hdf5Handle;
using evonas_formats_test::TempDir;

struct Hdf5Case {
    evonas::NpyType type;
    hid_t memory;   // native type the test's values are in
    hid_t file_le;  // the file's type, little-endian
    hid_t file_be;  // and big-endian
};

std::vector<Hdf5Case> hdf5_cases() {
    using evonas::NpyType;
    return {
        {NpyType::int8, H5T_NATIVE_INT8, H5T_STD_I8LE, H5T_STD_I8BE},
        {NpyType::int16, H5T_NATIVE_INT16, H5T_STD_I16LE, H5T_STD_I16BE},
        {NpyType::int32, H5T_NATIVE_INT32, H5T_STD_I32LE, H5T_STD_I32BE},
        {NpyType::int64, H5T_NATIVE_INT64, H5T_STD_I64LE, H5T_STD_I64BE},
        {NpyType::uint8, H5T_NATIVE_UINT8, H5T_STD_U8LE, H5T_STD_U8BE},
        {NpyType::uint16, H5T_NATIVE_UINT16, H5T_STD_U16LE, H5T_STD_U16BE},
        {NpyType::uint32, H5T_NATIVE_UINT32, H5T_STD_U32LE, H5T_STD_U32BE},
        {NpyType::uint64, H5T_NATIVE_UINT64, H5T_STD_U64LE, H5T_STD_U64BE},
        {NpyType::float32, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, H5T_IEEE_F32BE},
        {NpyType::float64, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, H5T_IEEE_F64BE},
    };
}

// Random bytes that are valid values of `type` (finite floats: NaN payloads
// need not survive a byte-order conversion bit for bit).
std::vector<std::byte> hdf5_random_values(evonas::NpyType type, std::size_t count, std::mt19937_64& rng) {
    const std::size_t item = evonas::npy_item_size(type);
    std::vector<std::byte> bytes(count * item);
    for (std::size_t i = 0; i < count; ++i) {
        std::byte* at = bytes.data() + i * item;
        if (type == evonas::NpyType::float32) {
            const float v = std::uniform_real_distribution<float>(-1e6f, 1e6f)(rng);
            std::memcpy(at, &v, sizeof v);
        } else if (type == evonas::NpyType::float64) {
            const double v = std::uniform_real_distribution<double>(-1e12, 1e12)(rng);
            std::memcpy(at, &v, sizeof v);
        } else {
            const std::uint64_t v = rng();
            std::memcpy(at, &v, item);
        }
    }
    return bytes;
}

// Writes one dataset at `path` (groups created) of file type `file_type`
// from `values` in memory type `memory_type`; chunked and gzip'ed when
// `compress`.
void hdf5_write(const std::filesystem::path& file, const std::string& path, hid_t file_type, hid_t memory_type,
                const std::vector<hsize_t>& dims, const void* values, bool compress, bool create = true) {
    const Hdf5Handle f(create ? H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)
                              : H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT),
                       &H5Fclose);
    REQUIRE(f);
    const Hdf5Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), &H5Sclose);
    const Hdf5Handle links(H5Pcreate(H5P_LINK_CREATE), &H5Pclose);
    H5Pset_create_intermediate_group(links.get(), 1);
    const Hdf5Handle create_plist(H5Pcreate(H5P_DATASET_CREATE), &H5Pclose);
    if (compress) {
        std::vector<hsize_t> chunk(dims);
        chunk[0] = (chunk[0] + 1) / 2;
        H5Pset_chunk(create_plist.get(), static_cast<int>(chunk.size()), chunk.data());
        H5Pset_shuffle(create_plist.get());
        H5Pset_deflate(create_plist.get(), 4);
    }
    const Hdf5Handle dset(H5Dcreate2(f.get(), path.c_str(), file_type, space.get(), links.get(), create_plist.get(),
                                     H5P_DEFAULT),
                          &H5Dclose);
    REQUIRE(dset);
    REQUIRE(H5Dwrite(dset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0);
}

std::string hdf5_bytes_of(const evonas::NpyArray& array) {
    return {reinterpret_cast<const char*>(array.data.data()), array.data.size()};
}

bool hdf5_has_python() {
#if EVONAS_TEST_HAVE_H5PY
    return true;
#else
    WARN("skipped: " EVONAS_TEST_PYTHON " cannot import h5py");
    return false;
#endif
}

// The real MINERvA layout, small: hitimes-x float32 [N,2,127,94] and
// segments uint8 [N], chunked one event per chunk and gzip'ed as in the
// real files; the same arrays' raw bytes beside it.
constexpr const char* hdf5_minerva_script = R"(
import sys, numpy as np, h5py
out = sys.argv[1]
n = 6
rng = np.random.default_rng(7)
x = rng.standard_normal((n, 2, 127, 94)).astype(np.float32)
x[x < 0.5] = 0  # hit times are sparse
seg = rng.integers(0, 11, n).astype(np.uint8)
with h5py.File(out + '/minerva.h5', 'w') as f:
    f.create_dataset('img_data/hitimes-x', data=x, chunks=(1, 2, 127, 94), compression='gzip', compression_opts=4)
    f.create_dataset('vtx_data/segments', data=seg, chunks=(n,), compression='gzip')
    f.create_dataset('vtx_data/planecodes', data=rng.integers(0, 173, n).astype(np.uint16))
    f.create_dataset('run/name', data='minerva me1B')
    f.create_dataset('run/flags', data=np.array([True, False, True]))
    f.create_dataset('run/kinds', data=np.array([1, 2], dtype=h5py.enum_dtype({'A': 1, 'B': 2}, basetype='i1')))
    f.create_dataset('run/table', data=np.zeros(4, dtype=[('e', '<f8'), ('id', '<i4')]))
    f.create_dataset('run/ragged', (2,), dtype=h5py.vlen_dtype(np.dtype('int32')))
    f.create_dataset('run/refs', (1,), dtype=h5py.ref_dtype)
    f.create_dataset('run/half', data=np.array([0.5, -2, 65504, 6e-8], dtype=np.float16))
    f.create_dataset('run/big', data=np.arange(12, dtype='>i4').reshape(3, 4))
    f.create_dataset('run/lzf', data=np.arange(10, dtype=np.int32), compression='lzf')
x.tofile(out + '/hitimes-x.bin')
seg.tofile(out + '/segments.bin')
np.array([0.5, -2, 65504, 6e-8], dtype=np.float16).tofile(out + '/half.bin')
)";

}  // namespace

TEST_CASE("hdf5: random shapes of every type round-trip bit-equal") {
    std::mt19937_64 rng(20261203);
    TempDir dir;
    const auto cases = hdf5_cases();
    for (int iteration = 0; iteration < 60; ++iteration) {
        const auto& c = cases[static_cast<std::size_t>(iteration) % cases.size()];
        const int rank = std::uniform_int_distribution<int>(1, 5)(rng);
        std::vector<hsize_t> dims;
        std::vector<std::int64_t> shape;
        std::size_t count = 1;
        for (int d = 0; d < rank; ++d) {
            const auto extent = std::uniform_int_distribution<hsize_t>(1, rank <= 2 ? 40 : 6)(rng);
            dims.push_back(extent);
            shape.push_back(static_cast<std::int64_t>(extent));
            count *= extent;
        }
        const bool big_endian = (rng() & 1) != 0;
        const bool compress = (rng() & 1) != 0;
        const auto values = hdf5_random_values(c.type, count, rng);
        const auto file = dir / fmt::format("r{}.h5", iteration);
        const std::string path = fmt::format("/g{}/sub/data", iteration % 3);
        CAPTURE(iteration, to_string(c.type), shape, big_endian, compress);
        hdf5_write(file, path, big_endian ? c.file_be : c.file_le, c.memory, dims, values.data(), compress);

        const auto array = evonas::read_hdf5_dataset(file, iteration % 2 == 0 ? path : path.substr(1));
        CHECK(array.type == c.type);
        CHECK(array.shape == shape);
        REQUIRE(array.data.size() == values.size());
        CHECK(std::memcmp(array.data.data(), values.data(), values.size()) == 0);

        const auto listed = evonas::list_hdf5_datasets(file);
        REQUIRE(listed.size() == 1);
        CHECK(listed[0].path == path);
        CHECK(listed[0].shape == shape);
        CHECK(listed[0].dtype == std::string(to_string(c.type)));
        CHECK(listed[0].type == c.type);
    }
}

TEST_CASE("hdf5: float16 written with a custom HDF5 type reads as float16") {
    TempDir dir;
    const std::vector<std::uint16_t> halves{0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000};  // 1, -2, 65504, tiny, -0
    const auto half = evonas::detail::hdf5_memory_type(evonas::NpyType::float16);
    hdf5_write(dir / "h.h5", "h", half.get(), half.get(), {5}, halves.data(), false);
    const auto array = evonas::read_hdf5_dataset(dir / "h.h5", "h");
    CHECK(array.type == evonas::NpyType::float16);
    CHECK(array.values<float>() == std::vector<float>{1.0f, -2.0f, 65504.0f, evonas::detail::half_to_float(1), -0.0f});
}

TEST_CASE("hdf5: the MINERvA layout written by h5py reads bit-equal") {
    if (!hdf5_has_python()) return;
    TempDir dir;
    REQUIRE(evonas_formats_test::run_python(EVONAS_TEST_PYTHON, dir, hdf5_minerva_script) == 0);
    const auto file = dir / "minerva.h5";

    const auto x = evonas::read_hdf5_dataset(file, "img_data/hitimes-x");
    CHECK(x.type == evonas::NpyType::float32);
    CHECK(x.shape == std::vector<std::int64_t>{6, 2, 127, 94});
    CHECK(hdf5_bytes_of(x) == evonas_formats_test::file_bytes(dir / "hitimes-x.bin"));

    const auto seg = evonas::read_hdf5_dataset(file, "/vtx_data/segments");
    CHECK(seg.type == evonas::NpyType::uint8);
    CHECK(seg.shape == std::vector<std::int64_t>{6});
    CHECK(hdf5_bytes_of(seg) == evonas_formats_test::file_bytes(dir / "segments.bin"));

    const auto half = evonas::read_hdf5_dataset(file, "run/half");
    CHECK(half.type == evonas::NpyType::float16);
    CHECK(hdf5_bytes_of(half) == evonas_formats_test::file_bytes(dir / "half.bin"));

    const auto big = evonas::read_hdf5_dataset(file, "run/big");  // big-endian in the file
    CHECK(big.type == evonas::NpyType::int32);
    CHECK(big.shape == std::vector<std::int64_t>{3, 4});
    std::vector<std::int32_t> expected(12);
    for (int i = 0; i < 12; ++i) expected[static_cast<std::size_t>(i)] = i;
    CHECK(big.values<std::int32_t>() == expected);

    SECTION("listing") {
        const auto listed = evonas::list_hdf5_datasets(file);
        std::vector<std::string> lines;
        for (const auto& info : listed) lines.push_back(to_string(info));
        CHECK(lines == std::vector<std::string>{
                           "/img_data/hitimes-x [6,2,127,94] float32",
                           "/run/big [3,4] int32",
                           "/run/flags [3] bool",
                           "/run/half [4] float16",
                           "/run/kinds [2] enum",
                           "/run/lzf [10] int32",
                           "/run/name [] string (variable length)",
                           "/run/ragged [2] vlen",
                           "/run/refs [1] reference",
                           "/run/table [4] compound {e: float64, id: int32}",
                           "/vtx_data/planecodes [6] uint16",
                           "/vtx_data/segments [6] uint8",
                       });
        CHECK_FALSE(listed[2].type.has_value());
        CHECK(listed[0].type == evonas::NpyType::float32);
    }
    SECTION("a missing dataset lists what the file has") {
        try {
            (void)evonas::read_hdf5_dataset(file, "/img_data/hitimes-u");
            FAIL("no exception");
        } catch (const evonas::ConfigError& e) {
            const std::string what = e.what();
            CHECK_THAT(what, Catch::Contains("no dataset /img_data/hitimes-u in " + file.string() + "; it has: "));
            CHECK_THAT(what, Catch::Contains("/img_data/hitimes-x [6,2,127,94] float32, /run/big [3,4] int32"));
            CHECK_THAT(what, Catch::Contains("... (4 more)"));  // 12 datasets, 8 shown
        }
        CHECK_THROWS_AS(evonas::read_hdf5_dataset(file, "vtx_data/segments/x"), evonas::ConfigError);
        CHECK_THROWS_AS(evonas::read_hdf5_dataset(file, "nothing/here"), evonas::ConfigError);
        CHECK_THROWS_AS(evonas::read_hdf5_dataset(file, "//"), evonas::ConfigError);
    }
    SECTION("a group path lists the datasets under it") {
        try {
            (void)evonas::read_hdf5_dataset(file, "vtx_data");
            FAIL("no exception");
        } catch (const evonas::ConfigError& e) {
            CHECK_THAT(std::string(e.what()),
                       Catch::Contains("/vtx_data in " + file.string() +
                                       " is a group, not a dataset; datasets under it: /vtx_data/planecodes [6] "
                                       "uint16, /vtx_data/segments [6] uint8"));
        }
        CHECK_THROWS_AS(evonas::read_hdf5_dataset(file, "/"), evonas::ConfigError);
    }
    SECTION("types evonas refuses name the file, dataset, shape and type") {
        const std::vector<std::pair<std::string, std::string>> refused{
            {"run/name", "dataset /run/name [] string (variable length) cannot be read"},
            {"run/flags", "dataset /run/flags [3] bool cannot be read"},
            {"run/kinds", "dataset /run/kinds [2] enum cannot be read"},
            {"run/table", "dataset /run/table [4] compound {e: float64, id: int32} cannot be read"},
            {"run/ragged", "dataset /run/ragged [2] vlen cannot be read"},
            {"run/refs", "dataset /run/refs [1] reference cannot be read"},
            {"run/lzf", "dataset /run/lzf [10] int32 is compressed with HDF5 filter 32000 ('lzf')"},
        };
        for (const auto& [dataset, message] : refused) {
            CAPTURE(dataset);
            try {
                (void)evonas::read_hdf5_dataset(file, dataset);
                FAIL("no exception");
            } catch (const evonas::ParseError& e) {
                CHECK(e.source() == file.string());
                CHECK_THAT(std::string(e.what()), Catch::StartsWith(file.string() + ":1:1: " + message));
            }
        }
    }
}

TEST_CASE("hdf5: files that are missing, not HDF5, truncated or damaged") {
    TempDir dir;
    const std::vector<float> values(4000, 1.5f);
    hdf5_write(dir / "good.h5", "/data", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {40, 100}, values.data(), true);
    const std::string good = evonas_formats_test::file_bytes(dir / "good.h5");

    CHECK_THROWS_AS(evonas::read_hdf5_dataset(dir / "missing.h5", "data"), evonas::IoError);
    CHECK_THROWS_AS(evonas::list_hdf5_datasets(dir / "missing.h5"), evonas::IoError);
    CHECK_THROWS_AS(evonas::read_hdf5_dataset(dir.path(), "data"), evonas::IoError);
    try {
        (void)evonas::read_hdf5_dataset(dir / "missing.h5", "data");
    } catch (const evonas::IoError& e) {
        CHECK(e.path() == dir / "missing.h5");
        CHECK(e.code() == std::errc::no_such_file_or_directory);
    }

    std::mt19937_64 rng(5);
    std::string random(3000, '\0');
    for (auto& ch : random) ch = static_cast<char>(rng());
    const std::vector<std::pair<std::string, std::string>> broken{
        {"empty.h5", ""},
        {"random.h5", random},
        {"text.h5", "data,1,2,3\n"},
        {"signature_only.h5", good.substr(0, 8)},
        {"half.h5", good.substr(0, good.size() / 2)},
        {"short.h5", good.substr(0, good.size() - 10)},
    };
    for (const auto& [name, bytes] : broken) {
        CAPTURE(name);
        const auto file = dir / name;
        evonas_formats_test::write_bytes(file, bytes);
        evonas_formats_test::StderrCapture err;
        try {
            (void)evonas::read_hdf5_dataset(file, "data");
            FAIL("no exception");
        } catch (const evonas::ParseError& e) {
            CHECK(e.source() == file.string());
            CHECK_THAT(std::string(e.what()), Catch::StartsWith(file.string() + ":1:1: "));
        }
        CHECK_THROWS_AS(evonas::list_hdf5_datasets(file), evonas::ParseError);
        CHECK(err.text().empty());
    }
    try {
        (void)evonas::read_hdf5_dataset(dir / "random.h5", "data");
    } catch (const evonas::ParseError& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("not an HDF5 file"));
    }
    try {
        (void)evonas::read_hdf5_dataset(dir / "half.h5", "data");
    } catch (const evonas::ParseError& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("(HDF5: truncated file"));
    }
}

TEST_CASE("hdf5: a damaged compressed chunk fails the read with HDF5's reason") {
    TempDir dir;
    std::vector<std::int32_t> values(2000);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::int32_t>(i * 7);
    const auto file = dir / "chunks.h5";
    hdf5_write(file, "/data", H5T_STD_I32LE, H5T_NATIVE_INT32, {20, 100}, values.data(), true);
    haddr_t address = 0;
    hsize_t size = 0;
    {
        const Hdf5Handle f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), &H5Fclose);
        const Hdf5Handle d(H5Dopen2(f.get(), "/data", H5P_DEFAULT), &H5Dclose);
        hsize_t offset[2] = {0, 0};
        unsigned mask = 0;
        REQUIRE(H5Dget_chunk_info_by_coord(d.get(), offset, &mask, &address, &size) >= 0);
    }
    std::string bytes = evonas_formats_test::file_bytes(file);
    REQUIRE(address + size <= bytes.size());
    for (hsize_t i = 2; i < size; ++i) bytes[address + i] = static_cast<char>(0xA5 ^ i);
    evonas_formats_test::write_bytes(file, bytes);
    evonas_formats_test::StderrCapture err;
    try {
        (void)evonas::read_hdf5_dataset(file, "data");
        FAIL("no exception");
    } catch (const evonas::ParseError& e) {
        CHECK_THAT(std::string(e.what()), Catch::StartsWith(file.string() + ":1:1: reading dataset /data [20,100] int32 failed"));
        CHECK_THAT(std::string(e.what()), Catch::Contains("(HDF5: "));
    }
    CHECK(err.text().empty());
}

TEST_CASE("hdf5: empty, scalar, null and oversized datasets") {
    TempDir dir;
    const auto file = dir / "odd.h5";
    {
        const Hdf5Handle f(H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), &H5Fclose);
        const hsize_t zero[2] = {3, 0};
        const Hdf5Handle empty_space(H5Screate_simple(2, zero, nullptr), &H5Sclose);
        const Hdf5Handle empty(H5Dcreate2(f.get(), "empty", H5T_IEEE_F32LE, empty_space.get(), H5P_DEFAULT,
                                          H5P_DEFAULT, H5P_DEFAULT),
                               &H5Dclose);
        const Hdf5Handle scalar_space(H5Screate(H5S_SCALAR), &H5Sclose);
        const Hdf5Handle scalar(H5Dcreate2(f.get(), "scalar", H5T_STD_I32LE, scalar_space.get(), H5P_DEFAULT,
                                           H5P_DEFAULT, H5P_DEFAULT),
                                &H5Dclose);
        const Hdf5Handle null_space(H5Screate(H5S_NULL), &H5Sclose);
        const Hdf5Handle null(H5Dcreate2(f.get(), "null", H5T_STD_I32LE, null_space.get(), H5P_DEFAULT,
                                         H5P_DEFAULT, H5P_DEFAULT),
                              &H5Dclose);
        // 2^40 x 2^40 float64, never written: chunked storage is allocated
        // lazily, so the file is small while the size overflows 64 bits.
        const hsize_t huge[2] = {hsize_t{1} << 40, hsize_t{1} << 40};
        const hsize_t unlimited[2] = {H5S_UNLIMITED, H5S_UNLIMITED};
        const Hdf5Handle huge_space(H5Screate_simple(2, huge, unlimited), &H5Sclose);
        const Hdf5Handle chunked(H5Pcreate(H5P_DATASET_CREATE), &H5Pclose);
        const hsize_t chunk[2] = {64, 64};
        H5Pset_chunk(chunked.get(), 2, chunk);
        const Hdf5Handle big(H5Dcreate2(f.get(), "huge", H5T_IEEE_F64LE, huge_space.get(), H5P_DEFAULT,
                                        chunked.get(), H5P_DEFAULT),
                             &H5Dclose);
        const hsize_t mid[1] = {1000};
        const Hdf5Handle mid_space(H5Screate_simple(1, mid, nullptr), &H5Sclose);
        const Hdf5Handle medium(H5Dcreate2(f.get(), "medium", H5T_IEEE_F64LE, mid_space.get(), H5P_DEFAULT,
                                           H5P_DEFAULT, H5P_DEFAULT),
                                &H5Dclose);
        REQUIRE(empty);
        REQUIRE(scalar);
        REQUIRE(null);
        REQUIRE(big);
        REQUIRE(medium);
    }
    const auto message = [&](const std::string& dataset, std::size_t max_bytes = SIZE_MAX) -> std::string {
        try {
            (void)evonas::read_hdf5_dataset(file, dataset, max_bytes);
        } catch (const evonas::ParseError& e) {
            CHECK(e.source() == file.string());
            return e.what();
        }
        return "no exception";
    };
    CHECK_THAT(message("empty"), Catch::Contains("dataset /empty [3,0] float32 has no elements"));
    CHECK_THAT(message("scalar"), Catch::Contains("dataset /scalar [] int32 is a scalar"));
    CHECK_THAT(message("null"), Catch::Contains("dataset /null [] int32 is empty (a null dataspace)"));
    CHECK_THAT(message("huge"),
               Catch::Contains("dataset /huge [1099511627776,1099511627776] float64 is too large for memory"));
    CHECK_THAT(message("medium", 7999), Catch::Contains("needs 8000 bytes, more than the limit of 7999 bytes"));
    CHECK(evonas::read_hdf5_dataset(file, "medium", 8000).values<double>() == std::vector<double>(1000, 0.0));
}

TEST_CASE("hdf5: HDF5's error printing is off during evonas's calls and restored after") {
    TempDir dir;
    const std::vector<std::uint8_t> values{1, 2, 3};
    hdf5_write(dir / "a.h5", "/a", H5T_STD_U8LE, H5T_NATIVE_UINT8, {3}, values.data(), false);
    H5E_auto2_t before = nullptr;
    void* before_data = nullptr;
    H5Eget_auto2(H5E_DEFAULT, &before, &before_data);
    {
        evonas_formats_test::StderrCapture err;
        CHECK_THROWS_AS(evonas::read_hdf5_dataset(dir / "a.h5", "/missing/x"), evonas::ConfigError);
        CHECK_THROWS_AS(evonas::read_hdf5_dataset(dir / "a.h5", "/a/b"), evonas::ConfigError);
        CHECK(evonas::read_hdf5_dataset(dir / "a.h5", "a").values<int>() == std::vector<int>{1, 2, 3});
        CHECK(err.text().empty());
    }
    H5E_auto2_t after = nullptr;
    void* after_data = nullptr;
    H5Eget_auto2(H5E_DEFAULT, &after, &after_data);
    CHECK(after == before);
    CHECK(after_data == before_data);
    CHECK(before != nullptr);  // HDF5's default printer, which evonas leaves in place
}

TEST_CASE("hdf5: several threads read at once") {
    TempDir dir;
    std::vector<double> values(5000);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i) / 3.0;
    hdf5_write(dir / "t.h5", "/v", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {50, 100}, values.data(), true);
    std::vector<int> good(4, 0);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < good.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                try {
                    if (evonas::read_hdf5_dataset(dir / "t.h5", "v").values<double>() == values) ++good[t];
                    (void)evonas::read_hdf5_dataset(dir / "t.h5", "w");
                } catch (const evonas::ConfigError&) {
                    ++good[t];
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(good == std::vector<int>(4, 20));
}

TEST_CASE("hdf5: fuzz_hdf5's findings are errors, not crashes or unbounded memory") {
    const std::filesystem::path corpus = EVONAS_TEST_HDF5_CORPUS;
    // Chunks of rank 4 in a dataset of rank 1: libhdf5 1.10.8's H5Dread
    // allocated tens of GB on it; evonas checks the chunk rank first.
    const auto file = corpus / "regression-chunk-rank-mismatch.h5";
    try {
        (void)evonas::read_hdf5_dataset(file, "/img_data/hitimes-x");
        FAIL("no exception");
    } catch (const evonas::ParseError& e) {
        CHECK(e.source() == file.string());
        CHECK_THAT(std::string(e.what()), Catch::Contains("is damaged: its chunks have rank 4, the dataset rank 1"));
    }
}
