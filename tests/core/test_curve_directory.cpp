// Curves on one q grid (io/q_grid.hpp) and labelled curve sets
// (io/curve_directory.hpp): power laws resampled exactly, out-of-range and
// clamp counts against brute force, class directories and CSV manifests
// written to a temporary directory, and their errors.
#include <evonas/io/curve_directory.hpp>
#include <evonas/io/q_grid.hpp>

#include <evonas/random.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace curve_directory_tests {

namespace fs = std::filesystem;
using evonas::ConfigError;
using evonas::Curve;
using evonas::CurveSet;
using evonas::IoError;
using evonas::ParseError;

/// A fresh, empty directory for one test; removed by the destructor.
struct CurveTempDir {
    fs::path path;
    CurveTempDir() {
        static int counter = 0;
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        path = fs::temp_directory_path() /
               fmt::format("evonas-test-curves-{}-{}", evonas::derive_seed(static_cast<std::uint64_t>(stamp), 11),
                           ++counter);
        fs::create_directories(path);
    }
    ~CurveTempDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    CurveTempDir(const CurveTempDir&) = delete;
    CurveTempDir& operator=(const CurveTempDir&) = delete;
};

void write_text(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
    REQUIRE(out.good());
}

/// A curve file of points (q, I) with a short header.
std::string curve_text(const std::vector<double>& q, const std::vector<double>& intensity) {
    std::string text = "# q I dI\n";
    for (std::size_t i = 0; i < q.size(); ++i) text += fmt::format("{:.17g} {:.17g} 0.1\n", q[i], intensity[i]);
    return text;
}

/// A curve of `n` q values from q0 with I = intensity(q).
template <class F>
Curve make_curve(double q0, double q1, std::size_t n, F intensity, std::string source = "made.txt") {
    Curve c;
    c.source = std::move(source);
    for (std::size_t i = 0; i < n; ++i) {
        const double q = q0 * std::pow(q1 / q0, static_cast<double>(i) / static_cast<double>(n - 1));
        c.q.push_back(q);
        c.intensity.push_back(intensity(q));
    }
    return c;
}

// ---- the q grid -------------------------------------------------------------

TEST_CASE("log_q_grid: exact ends, even log steps, the SANS example's grid", "[q_grid]") {
    const auto grid = evonas::log_q_grid(0.001, 0.5, 256);
    REQUIRE(grid.size() == 256);
    CHECK(grid.front() == 0.001);
    CHECK(grid.back() == 0.5);
    for (std::size_t i = 0; i + 1 < grid.size(); ++i) {
        // The formula of examples/sans sans_q_grid(), so a network trained on the example fits.
        if (i > 0) CHECK(grid[i] == 0.001 * std::exp(std::log(0.5 / 0.001) * static_cast<double>(i) / 255.0));
        CHECK(std::log(grid[i + 1] / grid[i]) == Approx(std::log(500.0) / 255.0).epsilon(1e-9));
    }
    CHECK(evonas::log_q_grid(1.0, 2.0, 2) == std::vector<double>{1.0, 2.0});
}

TEST_CASE("log_q_grid and check_q_grid reject bad arguments with ConfigError", "[q_grid]") {
    const double nan = std::nan("");
    const double inf = HUGE_VAL;
    CHECK_THROWS_AS(evonas::log_q_grid(0.0, 1.0, 10), ConfigError);
    CHECK_THROWS_AS(evonas::log_q_grid(-1.0, 1.0, 10), ConfigError);
    CHECK_THROWS_AS(evonas::log_q_grid(nan, 1.0, 10), ConfigError);
    CHECK_THROWS_AS(evonas::log_q_grid(0.1, nan, 10), ConfigError);
    CHECK_THROWS_AS(evonas::log_q_grid(0.1, inf, 10), ConfigError);
    CHECK_THROWS_AS(evonas::log_q_grid(0.1, 0.1, 10), ConfigError);
    CHECK_THROWS_AS(evonas::log_q_grid(0.2, 0.1, 10), ConfigError);
    CHECK_THROWS_AS(evonas::log_q_grid(0.1, 1.0, 1), ConfigError);
    CHECK_THROWS_AS(evonas::log_q_grid(0.1, 1.0, 0), ConfigError);
    CHECK_THROWS_AS(evonas::log_q_grid(0.1, 1.0, evonas::max_q_grid_points + 1), ConfigError);
    CHECK_THROWS_AS(evonas::log_q_grid(1.0, std::nextafter(1.0, 2.0), 100), ConfigError);  // too few doubles
    try {
        (void)evonas::log_q_grid(0.1, 1.0, 1);
    } catch (const ConfigError& e) {
        CHECK(e.field() == "log_q_grid.points");
    }
    const std::vector<double> unsorted{0.1, 0.3, 0.2};
    const std::vector<double> repeated{0.1, 0.2, 0.2};
    const std::vector<double> negative{-0.1, 0.2};
    const std::vector<double> one{0.1};
    CHECK_THROWS_AS(evonas::check_q_grid(unsorted), ConfigError);
    CHECK_THROWS_AS(evonas::check_q_grid(repeated), ConfigError);
    CHECK_THROWS_AS(evonas::check_q_grid(negative), ConfigError);
    CHECK_THROWS_AS(evonas::check_q_grid(one), ConfigError);
}

// ---- resampling -------------------------------------------------------------

TEST_CASE("power laws are resampled exactly in log-log, on random q points", "[q_grid]") {
    evonas::Rng rng(99);
    for (int trial = 0; trial < 200; ++trial) {
        const double amplitude = std::pow(10.0, rng.uniform(-3.0, 3.0));
        const double exponent = rng.uniform(-4.5, 1.0);
        Curve c;
        c.source = "power.txt";
        double q = std::pow(10.0, rng.uniform(-3.5, -2.5));
        const std::size_t n = 2 + rng.index(300);
        for (std::size_t i = 0; i < n; ++i) {
            c.q.push_back(q);
            c.intensity.push_back(amplitude * std::pow(q, exponent));
            q *= 1.0 + rng.uniform(0.001, 0.5);
        }
        const auto grid = evonas::log_q_grid(c.q.front(), c.q.back(), 2 + rng.index(400));
        const auto r = evonas::resample_log_log(c, grid);
        REQUIRE(r.intensity.size() == grid.size());
        CHECK(r.below == 0);
        CHECK(r.above == 0);
        CHECK(r.clamped == 0);
        for (std::size_t g = 0; g < grid.size(); ++g) {
            const double expected = amplitude * std::pow(grid[g], exponent);
            INFO("trial " << trial << " point " << g);
            CHECK(r.intensity[g] == Approx(expected).epsilon(1e-10));
        }
        // The curve's own q values give its own intensities, exactly.
        const auto at_points = evonas::resample_log_log(c, c.q);
        CHECK(at_points.intensity == c.intensity);
    }
}

TEST_CASE("a broken power law is exact on each side of the break", "[q_grid]") {
    // I = q^-1 up to q = 0.01, then 1e2 (q/0.01)^-4 : the break is a curve point.
    const auto law = [](double q) { return q <= 0.01 ? 1.0 / q : 100.0 * std::pow(q / 0.01, -4.0); };
    Curve c;
    c.source = "broken.txt";
    for (double q : {0.001, 0.002, 0.005, 0.01, 0.03, 0.1}) {
        c.q.push_back(q);
        c.intensity.push_back(law(q));
    }
    const auto grid = evonas::log_q_grid(0.001, 0.1, 97);
    const auto r = evonas::resample_log_log(c, grid);
    for (std::size_t g = 0; g < grid.size(); ++g) CHECK(r.intensity[g] == Approx(law(grid[g])).epsilon(1e-10));
}

TEST_CASE("grid points outside the curve's q range get the end values and are counted", "[q_grid]") {
    evonas::Rng rng(5);
    for (int trial = 0; trial < 100; ++trial) {
        const double q0 = std::pow(10.0, rng.uniform(-3.5, -1.5));
        const double q1 = q0 * std::pow(10.0, rng.uniform(0.01, 2.0));
        const Curve c = make_curve(q0, q1, 2 + rng.index(50), [](double q) { return 3.0 * std::pow(q, -2.0); });
        const auto grid = evonas::log_q_grid(std::pow(10.0, rng.uniform(-4.0, -2.0)),
                                             std::pow(10.0, rng.uniform(-1.9, 0.0)), 2 + rng.index(300));
        const auto r = evonas::resample_log_log(c, grid);
        const auto below = static_cast<std::size_t>(std::count_if(grid.begin(), grid.end(), [&](double g) { return g < c.q.front(); }));
        const auto above = static_cast<std::size_t>(std::count_if(grid.begin(), grid.end(), [&](double g) { return g > c.q.back(); }));
        CHECK(r.below == below);
        CHECK(r.above == above);
        for (std::size_t g = 0; g < grid.size(); ++g) {
            if (grid[g] < c.q.front()) CHECK(r.intensity[g] == c.intensity.front());
            if (grid[g] > c.q.back()) CHECK(r.intensity[g] == c.intensity.back());
        }
    }
}

TEST_CASE("intensities <= 0 are raised to the smallest positive one and counted", "[q_grid]") {
    Curve c;
    c.source = "negative.txt";
    c.q = {0.01, 0.02, 0.04, 0.08, 0.16};
    c.intensity = {10.0, 0.0, 4.0, -1.0, 2.0};
    const std::vector<double> grid{0.01, 0.02, 0.03, 0.08, 0.12, 0.2};
    const auto r = evonas::resample_log_log(c, grid);
    CHECK(r.clamped == 2);
    CHECK(r.smallest_positive == 2.0);
    CHECK(r.intensity[0] == 10.0);
    CHECK(r.intensity[1] == 2.0);  // the clamped 0
    CHECK(r.intensity[2] == Approx(std::exp(std::log(2.0) + std::log(1.5) / std::log(2.0) * (std::log(4.0) - std::log(2.0)))));
    CHECK(r.intensity[3] == 2.0);  // the clamped -1
    CHECK(r.intensity[4] == Approx(2.0));
    CHECK(r.intensity[5] == 2.0);
    CHECK(r.above == 1);

    c.intensity = {0.0, -1.0, 0.0, -2.0, 0.0};
    try {
        (void)evonas::resample_log_log(c, grid);
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK(e.field() == "negative.txt");
        CHECK(std::string(e.what()).find("no intensity is positive") != std::string::npos);
    }
}

TEST_CASE("resample_log_log rejects curves built by hand that parse_curve_text would refuse", "[q_grid]") {
    const std::vector<double> grid{0.1, 0.2};
    Curve c;
    c.source = "hand";
    c.q = {0.1};
    c.intensity = {1.0};
    CHECK_THROWS_AS(evonas::resample_log_log(c, grid), ConfigError);
    c.q = {0.1, 0.2};
    CHECK_THROWS_AS(evonas::resample_log_log(c, grid), ConfigError);  // one intensity for two q
    c.intensity = {1.0, std::nan("")};
    CHECK_THROWS_AS(evonas::resample_log_log(c, grid), ConfigError);
    c.q = {0.2, 0.1};
    c.intensity = {1.0, 2.0};
    CHECK_THROWS_AS(evonas::resample_log_log(c, grid), ConfigError);
    c.q = {0.1, 0.2};
    const std::vector<double> bad_grid{0.2, 0.1};
    CHECK_THROWS_AS(evonas::resample_log_log(c, bad_grid), ConfigError);
    CHECK(evonas::resample_log_log(c, grid).intensity == std::vector<double>{1.0, 2.0});
}

// ---- class directories ------------------------------------------------------

TEST_CASE("read_curve_classes: sorted classes and files, hidden and other files skipped", "[curve_directory]") {
    CurveTempDir tmp;
    const auto& d = tmp.path;
    const std::vector<double> q{0.01, 0.02, 0.03};
    // Written out of order: the order read must not depend on the file system's.
    write_text(d / "sphere" / "b.dat", curve_text(q, {3, 2, 1}));
    write_text(d / "sphere" / "a.TXT", curve_text(q, {6, 5, 4}));
    write_text(d / "cylinder" / "z.abs", curve_text(q, {9, 8, 7}));
    write_text(d / "cylinder" / "m.csv", "q,I,dI\n0.01,1,0.1\n0.02,2,0.1\n0.03,3,0.1\n");
    write_text(d / "cylinder" / ".hidden.txt", "not a curve");
    write_text(d / "cylinder" / "notes.md", "not a curve");
    write_text(d / "cylinder" / "scan.ses", "FileFormatVersion 1.0\n");
    write_text(d / "cylinder" / "nested" / "x.txt", curve_text(q, {1, 1, 1}));
    write_text(d / "README", "classes below");
    write_text(d / ".git" / "config", "hidden");
    const CurveSet set = evonas::read_curve_classes(d);
    CHECK(set.class_names == std::vector<std::string>{"cylinder", "sphere"});
    REQUIRE(set.curves.size() == 4);
    CHECK(set.labels == std::vector<std::int64_t>{0, 0, 1, 1});
    CHECK(set.curves[0].source == (d / "cylinder" / "m.csv").string());
    CHECK(set.curves[0].intensity == std::vector<double>{1, 2, 3});
    CHECK(set.curves[1].source == (d / "cylinder" / "z.abs").string());
    CHECK(set.curves[2].source == (d / "sphere" / "a.TXT").string());
    CHECK(set.curves[3].intensity == std::vector<double>{3, 2, 1});
    std::vector<std::string> skipped;
    for (const auto& p : set.skipped) skipped.push_back(fs::relative(p, d).generic_string());
    std::sort(skipped.begin(), skipped.end());
    CHECK(skipped == std::vector<std::string>{"README", "cylinder/nested", "cylinder/notes.md", "cylinder/scan.ses"});
}

TEST_CASE("read_curve_classes errors name the directory, the class or the file and line", "[curve_directory]") {
    CurveTempDir tmp;
    const auto& d = tmp.path;
    const auto message_of = [](const fs::path& dir) -> std::string {
        try {
            (void)evonas::read_curve_classes(dir);
        } catch (const IoError& e) {
            return std::string("IoError ") + e.what();
        } catch (const ParseError& e) {
            return std::string("ParseError ") + e.what();
        }
        return "no error";
    };
    CHECK(message_of(d / "missing") == "IoError " + (d / "missing").string() + ": the curve directory does not exist");
    write_text(d / "file.txt", "0.1 1\n0.2 2\n");
    CHECK(message_of(d / "file.txt").starts_with("IoError " + (d / "file.txt").string() + ": is not a directory"));
    fs::create_directories(d / "empty");
    CHECK(message_of(d / "empty").starts_with("IoError " + (d / "empty").string() + ": holds no class sub-directories"));
    write_text(d / "flat" / "a.txt", "0.1 1\n0.2 2\n");
    CHECK(message_of(d / "flat").find("holds no class sub-directories (1 other entries)") != std::string::npos);

    write_text(d / "set" / "good" / "a.txt", "0.1 1\n0.2 2\n");
    write_text(d / "set" / "none" / "readme.md", "no curves");
    CHECK(message_of(d / "set") == "IoError " + (d / "set" / "none").string() +
                                       ": class 'none' has no curve files (.abs, .csv, .dat, .txt); 1 other entries skipped");
    fs::remove_all(d / "set" / "none");
    write_text(d / "set" / "bad" / "x.dat", "q I\n0.1 1\n0.2 oops\n");
    CHECK(message_of(d / "set") == "ParseError " + (d / "set" / "bad" / "x.dat").string() +
                                       ":3:5: expected a data row of 2 numbers, found 'oops' (the data starts at line 2; "
                                       "a header goes before it, notes after '#')");
}

// ---- CSV manifests ----------------------------------------------------------

TEST_CASE("read_curve_manifest: named classes sorted, paths relative to the manifest", "[curve_manifest]") {
    CurveTempDir tmp;
    const auto& d = tmp.path;
    const std::vector<double> q{0.01, 0.02, 0.03};
    write_text(d / "data" / "a.txt", curve_text(q, {1, 2, 3}));
    write_text(d / "data" / "b, with comma.txt", curve_text(q, {4, 5, 6}));
    write_text(d / "c.ABS", curve_text(q, {7, 8, 9}));
    write_text(d / "other" / "abs.dat", curve_text(q, {1, 1, 1}));
    write_text(d / "lists" / "set.csv",
               "\xEF\xBB\xBF" "# made by hand\r\n"
               "sample, Label , FILE\r\n"
               "s1, sphere, ../data/a.txt\r\n"
               "\r\n"
               "s2,cylinder,\"../data/b, with comma.txt\"\r\n"
               "s3 , sphere , ../c.ABS\r\n" +
                   fmt::format("s4,\"rod \"\"long\"\"\",{}\r\n", (d / "other" / "abs.dat").string()));
    const CurveSet set = evonas::read_curve_manifest(d / "lists" / "set.csv");
    CHECK(set.class_names == std::vector<std::string>{"cylinder", "rod \"long\"", "sphere"});
    CHECK(set.labels == std::vector<std::int64_t>{2, 0, 2, 1});
    REQUIRE(set.curves.size() == 4);
    CHECK(set.curves[1].intensity == std::vector<double>{4, 5, 6});
    CHECK(set.curves[2].source == (d / "lists" / "../c.ABS").string());
    CHECK(set.skipped.empty());
}

TEST_CASE("read_curve_manifest: integer labels are class indices", "[curve_manifest]") {
    CurveTempDir tmp;
    const auto& d = tmp.path;
    const std::vector<double> q{0.01, 0.02};
    for (const char* name : {"a.txt", "b.txt", "c.txt"}) write_text(d / name, curve_text(q, {1, 2}));
    write_text(d / "m.csv", "file,label\na.txt,2\nb.txt,0\nc.txt,2\n");
    const CurveSet set = evonas::read_curve_manifest(d / "m.csv");
    CHECK(set.labels == std::vector<std::int64_t>{2, 0, 2});
    CHECK(set.class_names == std::vector<std::string>{"0", "1", "2"});

    // Mixed labels are all names, sorted as text.
    write_text(d / "mixed.csv", "file,label\na.txt,10\nb.txt,9\nc.txt,x\n");
    const CurveSet mixed = evonas::read_curve_manifest(d / "mixed.csv");
    CHECK(mixed.class_names == std::vector<std::string>{"10", "9", "x"});
    CHECK(mixed.labels == std::vector<std::int64_t>{0, 1, 2});
}

TEST_CASE("every malformed manifest throws ParseError with the manifest's line", "[curve_manifest]") {
    CurveTempDir tmp;
    const auto& d = tmp.path;
    write_text(d / "a.txt", "0.1 1\n0.2 2\n");
    write_text(d / "b.txt", "0.1 1\n0.2 2\n");
    fs::create_directories(d / "folder.txt");
    struct BadManifest {
        const char* name;
        std::string text;
        std::size_t line;
        std::size_t column;
        const char* problem;
    };
    const std::vector<BadManifest> cases{
        {"empty", "", 1, 1, "the manifest is empty"},
        {"comments only", "# nothing\n\n", 1, 1, "the manifest is empty"},
        {"no rows", "file,label\n", 1, 1, "lists no curve files"},
        {"wrong header", "path,class\na.txt,x\n", 1, 1, "the header must name the columns 'file' and 'label'"},
        {"no header", "a.txt,x\nb.txt,y\n", 1, 1, "the header must name the columns"},
        {"missing file", "file,label\na.txt,x\n\nnope.txt,y\n", 4, 1, "the curve file 'nope.txt' does not exist"},
        {"a directory", "file,label\nfolder.txt,x\n", 2, 1, "is not a regular file"},
        {"listed twice", "file,label\na.txt,x\n./a.txt,y\n", 3, 1, "'./a.txt' is listed twice (also on line 2)"},
        {"too many fields", "file,label\na.txt,x,extra\n", 2, 9, "this row has 3 fields, the header has 2"},
        {"too few fields", "file,label\na.txt\n", 2, 1, "this row has 1 fields, the header has 2"},
        {"empty file", "file,label\n ,x\n", 2, 2, "the file name is empty"},
        {"empty label", "file,label\na.txt,  \n", 2, 9, "the label is empty"},
        {"unterminated quote", "file,label\n\"a.txt,x\n", 2, 1, "the quoted field has no closing"},
        {"text after a quote", "file,label\n\"a.txt\"x,y\n", 2, 8, "expected ',' or the end of the line"},
        {"negative integer label", "file,label\na.txt,0\nb.txt,-1\n", 3, 7, "integer labels are class indices in [0, 65535], got -1"},
        {"huge integer label", "file,label\na.txt,0\nb.txt,99999999999\n", 3, 7, "got 99999999999"},
    };
    for (const auto& bad : cases) {
        INFO(bad.name);
        write_text(d / "m.csv", bad.text);
        try {
            (void)evonas::read_curve_manifest(d / "m.csv");
            FAIL("no error for: " << bad.name);
        } catch (const ParseError& e) {
            INFO(e.what());
            CHECK(e.source() == (d / "m.csv").string());
            CHECK(e.line() == bad.line);
            CHECK(e.column() == bad.column);
            CHECK(e.problem().find(bad.problem) != std::string::npos);
        }
    }
    CHECK_THROWS_AS(evonas::read_curve_manifest(d / "no-such.csv"), IoError);

    // A malformed curve file is reported with its own name and line.
    write_text(d / "bad.txt", "0.1 1\n0.2 2\n0.3 -\n");
    write_text(d / "m.csv", "file,label\na.txt,x\nbad.txt,y\n");
    try {
        (void)evonas::read_curve_manifest(d / "m.csv");
        FAIL("no error");
    } catch (const ParseError& e) {
        CHECK(e.source() == (d / "bad.txt").string());
        CHECK(e.line() == 3);
        CHECK(e.column() == 5);
    }
}

// ---- a set on one grid --------------------------------------------------------

TEST_CASE("resample_curves: float32 [N, points], int64 labels and the out-of-range report", "[curve_directory]") {
    CurveSet set;
    set.class_names = {"a", "b"};
    const auto power = [](double q) { return 2.0 * std::pow(q, -3.0); };
    set.curves.push_back(make_curve(0.001, 0.5, 40, power, "full.txt"));
    set.curves.push_back(make_curve(0.01, 0.5, 30, power, "short-low.txt"));    // misses the low q end
    set.curves.push_back(make_curve(0.002, 0.1, 30, power, "short-both.txt"));  // misses both ends
    set.curves.push_back(make_curve(0.001, 0.5, 10, [](double q) { return q < 0.1 ? 1.0 : -1.0; }, "negative.txt"));
    set.labels = {0, 1, 1, 0};
    const auto grid = evonas::log_q_grid(0.001, 0.5, 64);
    const auto out = evonas::resample_curves(set, grid);

    CHECK(out.intensities.type == evonas::NpyType::float32);
    CHECK(out.intensities.shape == std::vector<std::int64_t>{4, 64});
    CHECK(out.labels.type == evonas::NpyType::int64);
    CHECK(out.labels.shape == std::vector<std::int64_t>{4});
    CHECK(out.labels.values<std::int64_t>() == set.labels);
    const auto values = out.intensities.values<float>();
    for (std::size_t i = 0; i < set.curves.size(); ++i) {
        const auto r = evonas::resample_log_log(set.curves[i], grid);
        for (std::size_t g = 0; g < grid.size(); ++g) CHECK(values[i * 64 + g] == static_cast<float>(r.intensity[g]));
    }
    for (std::size_t g = 0; g < grid.size(); ++g) CHECK(values[g] == Approx(power(grid[g])).epsilon(1e-6));

    const auto count = [&](double lo, double hi, bool below) {
        return static_cast<std::size_t>(
            std::count_if(grid.begin(), grid.end(), [&](double g) { return below ? g < lo : g > hi; }));
    };
    const auto& report = out.report;
    CHECK(report.curves == 4);
    CHECK(report.grid_points == 64);
    CHECK(report.curves_outside == 2);
    CHECK(report.points_below == count(0.01, 0.5, true) + count(0.002, 0.1, true));
    CHECK(report.points_above == count(0.002, 0.1, false));
    const bool both_worse = count(0.002, 0.1, true) + count(0.002, 0.1, false) > count(0.01, 0.5, true);
    CHECK(report.worst_source == (both_worse ? "short-both.txt" : "short-low.txt"));
    CHECK(report.curves_clamped == 1);
    CHECK(report.points_clamped == static_cast<std::size_t>(std::count_if(
                                       set.curves[3].intensity.begin(), set.curves[3].intensity.end(),
                                       [](double v) { return v <= 0.0; })));
    const std::string text = evonas::describe(report);
    CHECK(text.find("2 of 4 curves do not cover the whole q grid (0.001 to 0.5, 64 points)") != std::string::npos);
    CHECK(text.find("1 of 4 curves have intensities <= 0") != std::string::npos);

    CurveSet clean;
    clean.curves = {set.curves[0]};
    clean.labels = {0};
    CHECK(evonas::describe(evonas::resample_curves(clean, grid).report).empty());
}

TEST_CASE("resample_curves rejects an empty set, missing labels and values beyond float32", "[curve_directory]") {
    const auto grid = evonas::log_q_grid(0.01, 0.1, 8);
    CurveSet set;
    CHECK_THROWS_AS(evonas::resample_curves(set, grid), ConfigError);
    set.curves.push_back(make_curve(0.01, 0.1, 5, [](double) { return 1.0; }));
    CHECK_THROWS_AS(evonas::resample_curves(set, grid), ConfigError);  // no label
    set.labels = {0};
    CHECK(evonas::resample_curves(set, grid).intensities.size() == 8);
    set.curves[0] = make_curve(0.01, 0.1, 5, [](double) { return 1e300; }, "huge.txt");
    try {
        (void)evonas::resample_curves(set, grid);
        FAIL("no error");
    } catch (const ConfigError& e) {
        CHECK(e.field() == "huge.txt");
        CHECK(std::string(e.what()).find("does not fit a float32") != std::string::npos);
    }
}

TEST_CASE("a class directory read, resampled, end to end", "[curve_directory]") {
    CurveTempDir tmp;
    const auto& d = tmp.path;
    evonas::Rng rng(3);
    for (const char* cls : {"steep", "flat"}) {
        const double exponent = std::string(cls) == "steep" ? -4.0 : -1.0;
        for (int k = 0; k < 5; ++k) {
            const double q0 = rng.uniform(0.0008, 0.003);
            const Curve c = make_curve(q0, rng.uniform(0.3, 0.7), 30 + rng.index(100),
                                       [&](double q) { return std::pow(q, exponent); });
            write_text(d / cls / fmt::format("c{}.dat", k), curve_text(c.q, c.intensity));
        }
    }
    const auto set = evonas::read_curve_classes(d);
    const auto grid = evonas::log_q_grid(0.003, 0.3, 32);
    const auto out = evonas::resample_curves(set, grid);
    CHECK(out.report.curves_outside == 0);
    const auto values = out.intensities.values<float>();
    for (std::size_t i = 0; i < set.curves.size(); ++i) {
        const double exponent = set.class_names[static_cast<std::size_t>(set.labels[i])] == "steep" ? -4.0 : -1.0;
        for (std::size_t g = 0; g < grid.size(); ++g) {
            CHECK(values[i * grid.size() + g] == Approx(std::pow(grid[g], exponent)).epsilon(1e-6));
        }
    }
}

}  // namespace curve_directory_tests
