// Reduced 1-D curve files (io/curve_text.hpp): random curves written as
// text in many styles read back exactly, a realistic NIST .ABS file, and a
// table of malformed inputs, each with its error type, line and column.
#include <evonas/io/curve_text.hpp>

#include <evonas/random.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace curve_text_tests {

using evonas::Curve;
using evonas::ParseError;

/// How one random file is written.
struct Style {
    std::size_t columns = 3;      // 2, 3, 4 or 6 (NIST)
    std::string separator = " ";  // between fields
    std::string eol = "\n";
    std::string number_format = "{:.17g}";
    bool comments = false;        // '#' lines and trailing notes among the data
    int header = 0;               // 0 none, 1 column names, 2 CSV names, 3 NIST-like block
    bool bom = false;
    std::string indent;
};

Style random_style(evonas::Rng& rng) {
    static const std::vector<std::size_t> columns{2, 3, 4, 6};
    static const std::vector<std::string> separators{" ", "  ", "\t", ",", ", ", " , ", "\t\t", " \t"};
    static const std::vector<std::string> eols{"\n", "\r\n", "\r"};
    static const std::vector<std::string> formats{"{:.17g}", "{:.6e}", "{:.8E}", "{:.5g}", "{:.10g}", "{:.7f}"};
    Style s;
    s.columns = columns[rng.index(columns.size())];
    s.separator = separators[rng.index(separators.size())];
    s.eol = eols[rng.index(eols.size())];
    s.number_format = formats[rng.index(formats.size())];
    s.comments = rng.chance(0.5);
    s.header = static_cast<int>(rng.index(4));
    s.bom = rng.chance(0.1);
    s.indent = rng.chance(0.3) ? "  " : "";
    return s;
}

/// `value` as `style` prints it, and the value a reader must get back
/// (strtod: an implementation independent of the parser's from_chars).
std::string print(double value, const Style& style, double& read_back) {
    std::string text = fmt::format(fmt::runtime(style.number_format), value);
    read_back = std::strtod(text.c_str(), nullptr);
    return text;
}

/// A random curve written in `style`; `expected` is what parsing must give.
std::string random_file(evonas::Rng& rng, const Style& style, Curve& expected) {
    expected = Curve{};
    expected.source = "random.txt";
    std::string text = style.bom ? "\xEF\xBB\xBF" : "";
    const auto line = [&](const std::string& content) { text += content + style.eol; };
    if (style.comments) line("# reduced with a random writer");
    switch (style.header) {
        case 1: line("Q  I(Q)  dI(Q)  dQ"); break;
        case 2: line("q,intensity,error,resolution"); break;
        case 3:
            line("LABEL: random sample");
            line("MON CNT   LAMBDA   DET ANG   DET DIST   TRANS   THICK   AVE");
            // Header values: a row of another width than the data, between text lines.
            line(style.columns == 7 ? "1e8 6 0 13 0.8 0.1" : "1.0000e+08 6 0 13 0.7961 0.1 1");
            line("");
            line("The columns are | Q (1/A) | I(Q) (1/cm) | std. dev. I(Q) (1/cm) | ...");
            break;
        default: break;
    }
    const std::size_t n = 2 + rng.index(rng.chance(0.2) ? 2000 : 120);
    // Log-spaced q with a ratio well above the printed precision.
    double q = std::pow(10.0, rng.uniform(-4.0, -1.0));
    for (std::size_t i = 0; i < n; ++i) {
        q *= 1.0 + rng.uniform(0.002, 0.2);
        double intensity = std::pow(10.0, rng.uniform(-3.0, 4.0));
        if (rng.chance(0.05)) intensity = -intensity;  // background subtracted too far
        if (rng.chance(0.02)) intensity = 0.0;
        const std::vector<double> row{q, intensity, std::abs(intensity) * rng.uniform(0.0, 0.2), q * rng.uniform(0.01, 0.3),
                                      q * 0.99, 1.0};
        std::string content = style.indent;
        double read = 0.0;
        for (std::size_t c = 0; c < style.columns; ++c) {
            if (c > 0) content += style.separator;
            content += print(row[c], style, read);
            if (c == 0) expected.q.push_back(read);
            if (c == 1) expected.intensity.push_back(read);
            if (c == 2) expected.error.push_back(read);
            if (c == 3) expected.resolution.push_back(read);
        }
        if (style.comments && rng.chance(0.05)) content += "   # a note";
        line(content);
        if (style.comments && rng.chance(0.05)) line("# a comment among the data");
        if (rng.chance(0.03)) line("");
    }
    if (style.comments) line("# end");
    if (rng.chance(0.5)) text.resize(text.size() - style.eol.size());  // no line end at the end
    return text;
}

bool strictly_increasing(const std::vector<double>& v) {
    for (std::size_t i = 1; i < v.size(); ++i) {
        if (!(v[i] > v[i - 1])) return false;
    }
    return true;
}

TEST_CASE("random curves written in many text styles are read back exactly", "[curve_text]") {
    evonas::Rng rng(20240611);
    std::size_t checked = 0;
    for (int trial = 0; trial < 400; ++trial) {
        const Style style = random_style(rng);
        Curve expected;
        const std::string text = random_file(rng, style, expected);
        if (!strictly_increasing(expected.q)) continue;  // the print precision merged two q values
        INFO("trial " << trial << ", columns " << style.columns << ", format " << style.number_format
                      << ", header " << style.header << ", separator '" << style.separator << "'");
        const Curve got = evonas::parse_curve_text(text, "random.txt");
        REQUIRE(got.q.size() == expected.q.size());
        CHECK(got == expected);
        ++checked;
    }
    CHECK(checked > 350);
}

// A NIST .ABS file as the NCNR's reduction (Igor) writes it: a header of
// text lines with their values, then 6 columns.
const std::string nist_abs =
    "LABEL: 0.5% SDS in D2O, 25C\n"
    "MON CNT   LAMBDA   DET ANG   DET DIST   TRANS   THICK   AVE   STEP\n"
    "  1.0000E+08   6.00   0.00   13.00   0.796   0.100   ARC 1.0\n"
    "BCENT(X,Y)   A1(mm)   A2(mm)   A1A2DIST(m)   DL/L   BSTOP(mm)   DET_TYP \n"
    "  64.350  63.120  50.800  12.700  0.138  76.200  ORNL  \n"
    "SAM: SANS12345.SA3_SRK_S101\n"
    "BGD: SANS12346.SA3_SRK_S102\n"
    "EMP: SANS12347.SA3_SRK_S103\n"
    "DIV: PLEX_23JUN2014_NG7.DIV\n"
    "MASK: DEFAULT.MASK\n"
    "ABS Parameters (3-6): 0.796   0.1   1   3.1208e+07\n"
    "Average Choices: Circular\n"
    "\n"
    "The 6 columns are | Q (1/A) | I(Q) (1/cm) | std. dev. I(Q) (1/cm) | sigmaQ | meanQ | ShadowFactor|\n"
    "  3.9615e-03  1.2345e+02  4.5678e+00  1.1232e-03  3.9421e-03  1.0000e+00\n"
    "  4.4973e-03  1.1982e+02  3.9871e+00  1.1301e-03  4.4815e-03  1.0000e+00\n"
    "  5.0331e-03  1.1520e+02  3.5123e+00  1.1387e-03  5.0213e-03  1.0000e+00\n"
    "  5.5689e-03  1.0914e+02  3.0112e+00  1.1479e-03  5.5598e-03  1.0000e+00\n"
    "  6.1046e-03  1.0133e+02  2.6543e+00  1.1584e-03  6.0981e-03  1.0000e+00\n"
    "  6.6404e-03  -3.2100e-01  2.3219e+00  1.1697e-03  6.6358e-03  1.0000e+00\n";

TEST_CASE("a NIST .ABS file: the header is skipped and sigmaQ is the resolution", "[curve_text]") {
    const Curve c = evonas::parse_curve_text(nist_abs, "SDS.ABS");
    REQUIRE(c.q.size() == 6);
    CHECK(c.source == "SDS.ABS");
    CHECK(c.q.front() == 3.9615e-03);
    CHECK(c.q.back() == 6.6404e-03);
    CHECK(c.intensity[0] == 1.2345e+02);
    CHECK(c.intensity[5] == -3.2100e-01);
    CHECK(c.error[1] == 3.9871e+00);
    CHECK(c.resolution[2] == 1.1387e-03);  // sigmaQ, the fourth column
}

TEST_CASE("header rows of numbers: another width between text lines is header, the data's width is data",
          "[curve_text]") {
    // The values under "MON CNT ..." as numbers only (7 of them, the data has 6).
    std::string with_numbers = nist_abs;
    const std::string values_line = "  1.0000E+08   6.00   0.00   13.00   0.796   0.100   ARC 1.0\n";
    with_numbers.replace(with_numbers.find(values_line), values_line.size(), "1.0E+08 6.0 0.0 13.0 0.796 0.1 1.0\n");
    const Curve c = evonas::parse_curve_text(with_numbers, "numbers.ABS");
    CHECK(c.q.size() == 6);
    CHECK(c.q.front() == 3.9615e-03);

    // Two such lines in a row are not header: which is data is ambiguous.
    std::string two = with_numbers;
    two.replace(two.find("1.0E+08"), 0, "5 4 3 2 1 0 1\n");
    try {
        (void)evonas::parse_curve_text(two, "two.ABS");
        FAIL("no error");
    } catch (const ParseError& e) {
        CHECK(e.line() == 3);
        CHECK(e.problem().find("has 7 numbers, the data rows have 6") != std::string::npos);
    }

    // A header line of exactly the data's width is taken as data: an error, never silently dropped.
    std::string same = nist_abs;
    same.replace(same.find(values_line), values_line.size(), "1.0E+08 6.0 0.0 13.0 0.796 0.1\n");
    try {
        (void)evonas::parse_curve_text(same, "same.ABS");
        FAIL("no error");
    } catch (const ParseError& e) {
        INFO(e.what());
        CHECK(e.line() == 4);  // BCENT(X,Y) ... inside the data block
        CHECK(e.problem().find("expected a data row of 6 numbers, found 'BCENT(X'") != std::string::npos);  // ',' separates fields
    }
}

TEST_CASE("common layouts: 2, 3 and 4 columns, CSV, Mantid-like comments, no final newline", "[curve_text]") {
    const Curve two = evonas::parse_curve_text("0.01 5\n0.02 4", "two.txt");
    CHECK(two.q == std::vector<double>{0.01, 0.02});
    CHECK(two.intensity == std::vector<double>{5, 4});
    CHECK(two.error.empty());
    CHECK(two.resolution.empty());

    const Curve csv = evonas::parse_curve_text("q,I,dI\r\n0.01,5,0.5\r\n0.02,4,0.4\r\n", "c.csv");
    CHECK(csv.error == std::vector<double>{0.5, 0.4});
    CHECK(csv.resolution.empty());

    const Curve mantid = evonas::parse_curve_text(
        "# X , Y , E , DX\n+1.0e-02 , 5 , 0.5 , 1e-3\n2.0E-02 , 4 , 0.4 , 2e-3 # last\n\n# end\n", "m.dat");
    CHECK(mantid.q == std::vector<double>{0.01, 0.02});
    CHECK(mantid.resolution == std::vector<double>{1e-3, 2e-3});

    const Curve with_header = evonas::parse_curve_text(
        "Sample: rods\nthickness 0.1 cm\nN_POINTS = 3\n<X> <Y> <dY>\n0.1 1 0.1\n0.2 2 0.1\n0.3 3 0.1\n", "h.txt");
    CHECK(with_header.q.size() == 3);
}

/// One malformed input and where its error must point.
struct Bad {
    const char* name;
    std::string text;
    std::size_t line;
    std::size_t column;  // 0: any
    const char* problem;
};

TEST_CASE("every malformed curve file throws ParseError with its line and column", "[curve_text]") {
    const std::vector<Bad> cases{
        {"empty", "", 1, 1, "the file is empty"},
        {"blank lines only", "\n  \n\t\n", 1, 1, "the file is empty"},
        {"comments only", "# q I\n# nothing\n", 1, 1, "no data"},
        {"text only", "hello\nworld\n", 1, 1, "no data"},
        {"one column", "0.1\n0.2\n0.3\n", 1, 1, "no data"},
        {"one row", "q I\n0.1 1\n", 2, 1, "only 1 data row"},
        {"text in the data", "0.1 1\n0.2 2\nfoo bar\n0.3 3\n", 3, 1, "found 'foo'"},
        {"typo in a number", "0.1 1\n0.2 2x\n0.3 3\n", 2, 5, "found '2x'"},
        {"two dots", "0.1 1\n0.2 1.0.0\n0.3 3\n", 2, 5, "found '1.0.0'"},
        {"double sign", "0.1 1\n0.2 +-1\n0.3 3\n", 2, 5, "found '+-1'"},
        {"hex", "0.1 1\n0.2 0x10\n0.3 3\n", 2, 5, "found '0x10'"},
        {"lone exponent", "0.1 1\n0.2 1e\n0.3 3\n", 2, 5, "found '1e'"},
        {"extra column", "0.1 1 0.1\n0.2 2 0.1 9\n0.3 3 0.1\n0.4 4 0.1\n", 2, 11, "has 4 numbers, the data rows have 3"},
        {"missing column", "0.1 1 0.1\n0.2 2 0.1\n0.3 3\n0.4 4 0.1\n", 3, 6, "has 2 numbers, the data rows have 3"},
        {"first row short", "0.1 1\n0.2 2 0.1\n0.3 3 0.1\n0.4 4 0.1\n", 1, 6, "has 2 numbers, the data rows have 3"},
        {"stray row before the header", "0.1 1\nq I\n0.2 2\n0.3 3\n", 2, 1, "found 'q'"},
        {"rows of another width before the data",
         "1 2 3 4\n5 6 7 8\nq I dI\n0.1 1 0.1\n0.2 2 0.1\n0.3 3 0.1\n", 1, 7, "has 4 numbers, the data rows have 3"},
        {"a 1-number line right before the data", "N\n474\n0.1 1\n0.2 2\n", 2, 4, "has 1 number, the data rows have 2"},
        {"NaN", "0.1 1\n0.2 nan\n0.3 3\n", 2, 5, "'nan' is not a finite number"},
        {"NaN payload", "0.1 1\n0.2 nan(123)\n0.3 3\n", 2, 5, "is not a finite number"},
        {"inf", "0.1 1\n0.2 2\n0.3 -inf\n", 3, 5, "'-inf' is not a finite number"},
        {"infinity in q", "0.1 1\ninfinity 2\n", 2, 1, "'infinity' is not a finite number"},
        {"overflow", "0.1 1\n0.2 1e999\n0.3 3\n", 2, 5, "'1e999' is out of the range of a double"},
        {"q zero", "0 1\n0.2 2\n", 1, 1, "q must be > 0, got 0"},
        {"q negative", "0.1 1\n-0.2 2\n", 2, 1, "q must be > 0, got -0.2"},
        {"q decreasing", "0.1 1\n0.3 2\n0.2 3\n", 3, 1, "q must increase strictly from row to row: 0.2 is not greater than 0.3 (line 2)"},
        {"q repeated", "0.1 1\n0.2 2\n0.2 3\n", 3, 1, "0.2 is not greater than 0.2"},
        {"negative dI", "0.1 1 0.1\n0.2 2 -0.1\n", 2, 7, "the uncertainty dI (column 3) must be >= 0, got -0.1"},
        {"negative dQ", "0.1 1 0.1 0.01\n0.2 2 0.1 -0.01\n", 2, 11, "the resolution dQ (column 4) must be >= 0"},
        {"empty CSV field", "0.1,1,0.1\n0.2,,0.1\n0.3,3,0.1\n", 2, 5, "empty field"},
        {"leading comma", "0.1,1\n,0.2,2\n0.3,3\n", 2, 1, "empty field"},
        {"trailing comma", "0.1,1\n0.2,2,\n0.3,3\n", 2, 7, "empty field"},
        {"commas only in the data", "0.1,1\n0.2,2\n,,\n", 3, 1, "empty fields"},
        {"footer after the data", "0.1 1\n0.2 2\n0.3 3\nEND OF DATA\n", 4, 1, "found 'END'"},
        {"JSON footer", "0.1 1\n0.2 2\n### HEADER:\n{\"a\": 1}\n", 4, 1, "found '{\"a\":'"},
        {"binary garbage", std::string("0.1 1\n0.2 2\n\x01\x02\xff\x00zz\n", 19), 3, 1, "found '????"},
        {"CRLF line numbers", "q I\r\n0.1 1\r\n0.2 x\r\n", 3, 5, "found 'x'"},
        {"CR line numbers", "q I\r0.1 1\r0.2 x\r", 3, 5, "found 'x'"},
        {"byte order mark keeps columns", "\xEF\xBB\xBF" "0.1 1\nzz 2\n0.3 3\n", 2, 1, "found 'zz'"},
        {"byte order mark then error", "\xEF\xBB\xBF" "0.1 1 1\n0.2 2\n0.3 3\n", 1, 7, "has 3 numbers"},
    };
    for (const auto& bad : cases) {
        INFO(bad.name);
        try {
            (void)evonas::parse_curve_text(bad.text, "bad.txt");
            FAIL("no error for: " << bad.name);
        } catch (const ParseError& e) {
            INFO(e.what());
            CHECK(e.source() == "bad.txt");
            CHECK(e.line() == bad.line);
            if (bad.column) CHECK(e.column() == bad.column);
            CHECK(e.problem().find(bad.problem) != std::string::npos);
            CHECK(std::string(e.what()).starts_with(fmt::format("bad.txt:{}:", bad.line)));
        }
    }
}

TEST_CASE("read_curve_file of a missing file is an IoError", "[curve_text]") {
    CHECK_THROWS_AS(evonas::read_curve_file("/nonexistent/evonas/curve.txt"), evonas::IoError);
}

TEST_CASE("random edits of valid files throw only evonas errors and never crash", "[curve_text]") {
    // A light in-test fuzzer (the libFuzzer target goes further): flip,
    // delete and insert bytes of valid files.
    evonas::Rng rng(7);
    const std::string alphabet = "0123456789.,-+eE \t\n\r#naifxq";
    std::size_t parsed = 0, rejected = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        std::string text = trial % 3 == 0 ? nist_abs : "q I dI\n0.01 5 0.5\n0.02 4 0.4\n0.03 3 0.3\n0.04 2 0.2\n";
        const std::size_t edits = 1 + rng.index(4);
        for (std::size_t e = 0; e < edits && !text.empty(); ++e) {
            const std::size_t at = rng.index(text.size());
            switch (rng.index(3)) {
                case 0: text[at] = alphabet[rng.index(alphabet.size())]; break;
                case 1: text.erase(at, 1 + rng.index(3)); break;
                default: text.insert(at, 1, alphabet[rng.index(alphabet.size())]); break;
            }
        }
        try {
            const Curve c = evonas::parse_curve_text(text, "edited.txt");
            REQUIRE(c.q.size() >= 2);
            REQUIRE(c.intensity.size() == c.q.size());
            REQUIRE((c.error.empty() || c.error.size() == c.q.size()));
            REQUIRE((c.resolution.empty() || c.resolution.size() == c.q.size()));
            REQUIRE(strictly_increasing(c.q));
            REQUIRE(c.q.front() > 0.0);
            ++parsed;
        } catch (const ParseError& e) {
            REQUIRE(e.line() >= 1);
            REQUIRE(e.source() == "edited.txt");
            ++rejected;
        }
    }
    CHECK(parsed > 100);
    CHECK(rejected > 100);
}

}  // namespace curve_text_tests
