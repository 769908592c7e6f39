// .npy reading and writing: round trips against NumPy (files NumPy wrote,
// kept here as bytes, and live with /usr/bin/python3 when it has numpy),
// and one tested error for every malformed-file case.
#include <evonas/io/npy.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

using evonas::NpyArray;
using evonas::NpyType;

std::string from_hex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    }
    return out;
}

// Written by NumPy 1.24: np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5)
const std::string f32_2x3 = from_hex(
    "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c"
    "20277368617065273a2028322c2033292c207d20202020202020202020202020202020202020202020202020202020202020"
    "2020202020202020202020202020202020202020202020202020200a000000000000003f0000803f0000c03f000000400000"
    "2040");
// np.save(f, np.asfortranarray(np.arange(6).reshape(2, 3) - 2))
const std::string i64_fortran = from_hex(
    "934e554d5059010076007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a20547275652c20"
    "277368617065273a2028322c2033292c207d2020202020202020202020202020202020202020202020202020202020202020"
    "2020202020202020202020202020202020202020202020202020200afeffffffffffffff0100000000000000ffffffffffff"
    "ffff020000000000000000000000000000000300000000000000");
// np.save(f, np.array([1.0, -2.5, 65504.0, 6e-8], dtype=np.float16))
const std::string f16 = from_hex(
    "934e554d5059010076007b276465736372273a20273c6632272c2027666f727472616e5f6f72646572273a2046616c73652c"
    "20277368617065273a2028342c292c207d202020202020202020202020202020202020202020202020202020202020202020"
    "2020202020202020202020202020202020202020202020202020200a003c00c1ff7b0100");
// np.lib.format.write_array(f, np.array([[True, False], [False, True]]), version=(2, 0))
const std::string bool_v2 = from_hex(
    "934e554d50590200740000007b276465736372273a20277c6231272c2027666f727472616e5f6f72646572273a2046616c73"
    "652c20277368617065273a2028322c2032292c207d2020202020202020202020202020202020202020202020202020202020"
    "2020202020202020202020202020202020202020202020202020200a01000001");

/// A .npy file with `dict` as its header (padded as NumPy does) and `data`.
std::string npy_with_header(std::string dict, std::string_view data, int major = 1) {
    const std::size_t prefix = major == 1 ? 10 : 12;
    const std::size_t total = prefix + dict.size() + 1;
    dict.append((64 - total % 64) % 64, ' ');
    dict += '\n';
    std::string out("\x93NUMPY", 6);
    out += static_cast<char>(major);
    out += '\0';
    for (std::size_t i = 0; i < prefix - 8; ++i) out += static_cast<char>((dict.size() >> (8 * i)) & 0xFF);
    out += dict;
    out += data;
    return out;
}

std::string error_of(const std::string& bytes) {
    try {
        (void)evonas::parse_npy(bytes, "t.npy");
    } catch (const evonas::ParseError& e) {
        return e.what();
    }
    return "no error";
}

bool python_has_numpy() {
    static const bool has = std::system("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") == 0;
    return has;
}

std::filesystem::path temp_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("evonas_test_npy_" + name + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace

TEST_CASE("files NumPy wrote read back with shape, type and values", "[npy]") {
    SECTION("float32 2x3") {
        const auto a = evonas::parse_npy(f32_2x3);
        CHECK(a.type == NpyType::float32);
        CHECK(a.shape == std::vector<std::int64_t>{2, 3});
        CHECK(a.values<float>() == std::vector<float>{0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 2.5f});
        CHECK(a.values<int>() == std::vector<int>{0, 0, 1, 1, 2, 2});
    }
    SECTION("Fortran order is reordered to C order") {
        const auto a = evonas::parse_npy(i64_fortran);
        CHECK(a.type == NpyType::int64);
        CHECK(a.shape == std::vector<std::int64_t>{2, 3});
        CHECK(a.values<std::int64_t>() == std::vector<std::int64_t>{-2, -1, 0, 1, 2, 3});
    }
    SECTION("float16 converts exactly, subnormals included") {
        const auto a = evonas::parse_npy(f16);
        CHECK(a.type == NpyType::float16);
        const auto v = a.values<double>();
        REQUIRE(v.size() == 4);
        CHECK(v[0] == 1.0);
        CHECK(v[1] == -2.5);
        CHECK(v[2] == 65504.0);
        CHECK(v[3] == Approx(5.96e-8).epsilon(0.01));  // the nearest half to 6e-8
    }
    SECTION("bool, format version 2.0") {
        const auto a = evonas::parse_npy(bool_v2);
        CHECK(a.type == NpyType::boolean);
        CHECK(a.values<int>() == std::vector<int>{1, 0, 0, 1});
    }
}

TEST_CASE("npy_bytes writes what NumPy writes, and reads back", "[npy]") {
    const std::vector<float> values{0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 2.5f};
    const auto a = NpyArray::from_values<float>({2, 3}, values);
    CHECK(evonas::npy_bytes(a) == f32_2x3);  // byte for byte
    CHECK(evonas::parse_npy(evonas::npy_bytes(a)) == a);

    for (auto array : {NpyArray::from_values<std::int64_t>({}, std::vector<std::int64_t>{42}),
                       NpyArray::from_values<double>({0, 3}, std::vector<double>{}),
                       NpyArray::from_values<std::uint8_t>({2, 1, 2}, std::vector<std::uint8_t>{1, 2, 3, 255}),
                       NpyArray::from_values<bool>({3}, std::vector<bool>{true, false, true}),
                       NpyArray::from_values<std::int16_t>({2}, std::vector<std::int16_t>{-3, 300})}) {
        const auto bytes = evonas::npy_bytes(array);
        CHECK((bytes.size() - array.data.size()) % 64 == 0);  // data aligned like NumPy's
        CHECK(evonas::parse_npy(bytes) == array);
    }
    const auto scalar = evonas::parse_npy(evonas::npy_bytes(NpyArray::from_values<std::int64_t>({}, std::vector<std::int64_t>{42})));
    CHECK(scalar.size() == 1);
    CHECK(scalar.values<double>() == std::vector<double>{42.0});
}

TEST_CASE("big-endian files are byte-swapped on reading", "[npy]") {
    const std::string data{"\x00\x00\x01\x02\xff\xff\xff\xfe", 8};
    const auto a = evonas::parse_npy(npy_with_header("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", data));
    CHECK(a.values<std::int32_t>() == std::vector<std::int32_t>{0x0102, -2});
    const auto native = evonas::parse_npy(npy_with_header("{'descr': '=u2', 'fortran_order': False, 'shape': (1,), }",
                                                          std::string{"\x01\x02", 2}));
    CHECK(native.values<std::uint16_t>() == std::vector<std::uint16_t>{0x0201});
    // friendly header spellings NumPy accepts: double quotes, any key order, no trailing comma, 3L
    const auto b = evonas::parse_npy(npy_with_header("{\"shape\": (3L,), \"fortran_order\": False, \"descr\": \"|u1\"}",
                                                     std::string{"\x01\x02\x03", 3}));
    CHECK(b.values<int>() == std::vector<int>{1, 2, 3});
}

TEST_CASE("write_npy and read_npy go through files; an unreadable file is an IoError", "[npy]") {
    const auto dir = temp_dir("files");
    const auto a = NpyArray::from_values<double>({3}, std::vector<double>{1.5, -2, 1e300});
    evonas::write_npy(dir / "a.npy", a);
    CHECK(evonas::read_npy(dir / "a.npy") == a);
    CHECK_FALSE(std::filesystem::exists(dir / "a.npy.tmp"));
    CHECK_THROWS_AS(evonas::read_npy(dir / "missing.npy"), evonas::IoError);
    CHECK_THROWS_AS(evonas::write_npy(dir / "no_such_dir" / "a.npy", a), evonas::IoError);
    std::filesystem::remove_all(dir);
}

TEST_CASE("inconsistent arrays are not written", "[npy]") {
    CHECK_THROWS_WITH(NpyArray::from_values<float>({2, 2}, std::vector<float>{1, 2, 3}),
                      "NpyArray.shape: shape (2, 2) holds 4 elements, got 3 values");
    CHECK_THROWS_WITH(NpyArray::from_values<float>({-1}, std::vector<float>{}),
                      "NpyArray.shape: extent -1 is negative");
    NpyArray bad;
    bad.type = NpyType::float32;
    bad.shape = {2};
    bad.data.resize(4);
    CHECK_THROWS_WITH(evonas::npy_bytes(bad), "NpyArray.data: holds 4 bytes; shape (2) of float32 needs 8");
}

TEST_CASE("every malformed .npy file has its own error", "[npy][errors]") {
    const std::string good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    const std::string eight(8, '\0');
    const auto with_data = [&](const std::string& dict, std::string_view data) {
        return error_of(npy_with_header(dict, data));
    };
    const auto with = [&](const std::string& dict) { return with_data(dict, eight); };
    CHECK(error_of("") == "t.npy:1:1: the file has 0 bytes, too short for a .npy file");
    CHECK(error_of("\x93NUMP") == "t.npy:1:6: the file has 5 bytes, too short for a .npy file");
    CHECK(error_of("PK\x03\x04 this is a zip") == "t.npy:1:1: not a .npy file (the magic \\x93NUMPY is missing)");
    CHECK(error_of(std::string("\x93NUMPY\x04\x00", 8) + "xx") ==
          "t.npy:1:7: unsupported .npy format version 4.0 (supported: 1.0, 2.0, 3.0)");
    CHECK(error_of(std::string("\x93NUMPY\x01\x01", 8) + "xx") ==
          "t.npy:1:7: unsupported .npy format version 1.1 (supported: 1.0, 2.0, 3.0)");
    CHECK(error_of(std::string("\x93NUMPY\x02\x00\x10\x00", 10)) == "t.npy:1:11: the file ends inside the header length");
    CHECK(error_of(std::string("\x93NUMPY\x01\x00\xff\x00{}", 12)) ==
          "t.npy:1:9: the header length (255 bytes) runs past the end of the file (12 bytes)");
    CHECK(with("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), '\xc3\xa9': 1}") ==
          "t.npy:1:68: the header is not ASCII text");
    CHECK(with("['descr', '<f4']") == "t.npy:1:11: the header must be a Python dict starting with '{'");
    CHECK(with("{'fortran_order': False, 'shape': (2,), }") == "t.npy:1:65: the header has no 'descr' (the element type)");
    CHECK(with("{'descr': '<f4', 'shape': (2,), }") == "t.npy:1:65: the header has no 'fortran_order'");
    CHECK(with("{'descr': '<f4', 'fortran_order': False, }") == "t.npy:1:65: the header has no 'shape'");
    CHECK(with(good.substr(0, good.size() - 1) + "'extra': 1, }") ==
          "t.npy:1:67: unexpected key 'extra' (a .npy header has exactly 'descr', 'fortran_order' and 'shape')");
    CHECK(with("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }") ==
          "t.npy:1:28: the key 'descr' appears twice");
    CHECK(with("{'descr': '<f4', 'fortran_order': False, 'fortran_order': False, 'shape': (2,), }") ==
          "t.npy:1:52: the key 'fortran_order' appears twice");
    CHECK(with("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (2,)}") ==
          "t.npy:1:67: the key 'shape' appears twice");
    CHECK(with("{descr: '<f4'}") == "t.npy:1:12: expected a key in quotes");
    CHECK(with("{'descr' '<f4'}") == "t.npy:1:20: expected ':' after the key 'descr'");
    CHECK(with("{'descr': 4}") == "t.npy:1:21: expected a dtype string such as '<f4' for 'descr'");
    CHECK(with("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }") ==
          "t.npy:1:21: structured dtypes (a list in 'descr') are not supported");
    CHECK(with("{'descr': '<f4\\n'}") == "t.npy:1:25: escapes in header strings are not supported");
    CHECK(with("{'descr': '<f4}") == "t.npy:1:21: unterminated string in the header");
    CHECK(with("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }") ==
          "t.npy:1:21: dtype '<c8' is not supported (supported: bool, int8..int64, uint8..uint64, float16, "
          "float32, float64)");
    CHECK(with("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }") ==
          "t.npy:1:21: object arrays (pickled Python objects) are not supported");
    CHECK(with("{'descr': 'f4', 'fortran_order': False, 'shape': (2,), }") ==
          "t.npy:1:21: 'f4' does not start with a byte order ('<', '>', '|' or '=')");
    CHECK(with("{'descr': '<f', 'fortran_order': False, 'shape': (2,), }") == "t.npy:1:21: '<f' has no item size");
    CHECK(with("{'descr': '<fx', 'fortran_order': False, 'shape': (2,), }") ==
          "t.npy:1:21: '<fx' has no valid item size");
    CHECK(with("{'descr': 'x', 'fortran_order': False, 'shape': (2,), }") ==
          "t.npy:1:21: 'x' is not a dtype string such as '<f4'");
    CHECK(with("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }") ==
          "t.npy:1:45: expected True or False for 'fortran_order'");
    CHECK(with("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }") ==
          "t.npy:1:61: expected a tuple such as (3, 4) for 'shape'");
    CHECK(with("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }") == "t.npy:1:62: a shape extent is negative");
    CHECK(with("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,), }") ==
          "t.npy:1:63: expected ',' or ')' in 'shape'");
    CHECK(with("{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }") ==
          "t.npy:1:62: expected a non-negative integer in 'shape'");
    CHECK(with("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }") ==
          "t.npy:1:62: a shape extent is too large");
    CHECK(with("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }") ==
          "t.npy:1:11: shape (4294967296, 4294967296) is too large");
    CHECK(with("{'descr': '<f4' 'fortran_order': False}") == "t.npy:1:27: expected ',' or '}' in the header dict");
    CHECK(with(good + " junk") == "t.npy:1:69: unexpected text after the header dict");
    CHECK(with_data(good, std::string_view(eight).substr(0, 5)) ==
          "t.npy:1:134: the data ends after 5 bytes; shape (2) of float32 needs 8");
    CHECK(with_data(good, eight + "xyz") == "t.npy:1:137: 3 bytes follow the data (shape (2) of float32 needs 8)");
}

TEST_CASE("round trip with NumPy itself (/usr/bin/python3)", "[npy][python]") {
    if (!python_has_numpy()) {
        WARN("/usr/bin/python3 with numpy not found (Debian: python3-numpy); the live round trip is skipped");
        return;
    }
    const auto dir = temp_dir("python");
    // NumPy writes; evonas reads.
    const std::string write_script = R"(
import numpy as np, sys
d = sys.argv[1]
np.save(d + '/f64.npy', np.linspace(-1, 1, 24).reshape(2, 3, 4))
np.save(d + '/f32_fortran.npy', np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)))
np.save(d + '/i32_be.npy', np.arange(-3, 3).astype('>i4'))
np.save(d + '/u8.npy', np.array([[0, 255], [7, 128]], dtype=np.uint8))
np.save(d + '/b.npy', np.array([True, False, True]))
np.save(d + '/empty.npy', np.zeros((0, 5), dtype=np.int16))
np.save(d + '/scalar.npy', np.float64(3.25))
np.save(d + '/f16.npy', np.array([0.5, -0.25, 1024], dtype=np.float16))
)";
    std::ofstream(dir / "write.py") << write_script;
    REQUIRE(std::system(("/usr/bin/python3 " + (dir / "write.py").string() + " " + dir.string()).c_str()) == 0);

    const auto f64 = evonas::read_npy(dir / "f64.npy");
    CHECK(f64.type == NpyType::float64);
    CHECK(f64.shape == std::vector<std::int64_t>{2, 3, 4});
    const auto v = f64.values<double>();
    CHECK(v.front() == -1.0);
    CHECK(v.back() == 1.0);
    CHECK(v[1] == Approx(-1.0 + 2.0 / 23.0));

    const auto ff = evonas::read_npy(dir / "f32_fortran.npy");
    CHECK(ff.values<int>() == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    CHECK(evonas::read_npy(dir / "i32_be.npy").values<int>() == std::vector<int>{-3, -2, -1, 0, 1, 2});
    const auto u8 = evonas::read_npy(dir / "u8.npy");
    CHECK(u8.type == NpyType::uint8);
    CHECK(u8.values<int>() == std::vector<int>{0, 255, 7, 128});
    CHECK(evonas::read_npy(dir / "b.npy").values<int>() == std::vector<int>{1, 0, 1});
    const auto empty = evonas::read_npy(dir / "empty.npy");
    CHECK(empty.shape == std::vector<std::int64_t>{0, 5});
    CHECK(empty.size() == 0);
    const auto scalar = evonas::read_npy(dir / "scalar.npy");
    CHECK(scalar.shape.empty());
    CHECK(scalar.values<double>() == std::vector<double>{3.25});
    CHECK(evonas::read_npy(dir / "f16.npy").values<float>() == std::vector<float>{0.5f, -0.25f, 1024.0f});

    // evonas writes; NumPy reads and checks.
    evonas::write_npy(dir / "c_f32.npy", NpyArray::from_values<float>({2, 2}, std::vector<float>{1, 2, 3, 4.5f}));
    evonas::write_npy(dir / "c_i64.npy", NpyArray::from_values<std::int64_t>({3}, std::vector<std::int64_t>{-1, 0, 1LL << 40}));
    evonas::write_npy(dir / "c_bool.npy", NpyArray::from_values<bool>({2}, std::vector<bool>{false, true}));
    evonas::write_npy(dir / "c_scalar.npy", NpyArray::from_values<double>({}, std::vector<double>{2.5}));
    std::vector<std::int64_t> big_shape{70000};
    evonas::write_npy(dir / "c_big.npy", NpyArray::from_values<std::uint8_t>(big_shape, std::vector<std::uint8_t>(70000, 9)));
    const std::string check_script = R"(
import numpy as np, sys
d = sys.argv[1]
a = np.load(d + '/c_f32.npy'); assert a.dtype == np.float32 and a.shape == (2, 2) and a.tolist() == [[1, 2], [3, 4.5]]
a = np.load(d + '/c_i64.npy'); assert a.dtype == np.int64 and a.tolist() == [-1, 0, 1 << 40]
a = np.load(d + '/c_bool.npy'); assert a.dtype == np.bool_ and a.tolist() == [False, True]
a = np.load(d + '/c_scalar.npy'); assert a.shape == () and float(a) == 2.5
a = np.load(d + '/c_big.npy'); assert a.shape == (70000,) and int(a.sum()) == 9 * 70000
)";
    std::ofstream(dir / "check.py") << check_script;
    CHECK(std::system(("/usr/bin/python3 " + (dir / "check.py").string() + " " + dir.string()).c_str()) == 0);
    std::filesystem::remove_all(dir);
}
