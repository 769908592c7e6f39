// Tests of ParamSpec: every kind's values, sampling, perturbation, text
// round trip, parse and validation errors, and quantize_real.
#include <evonas/space/param_spec.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

using evonas::ConfigError;
using evonas::ParamKind;
using evonas::ParamSpec;
using evonas::quantize_real;
using evonas::Rng;

namespace {

/// One spec of each kind, with an integer both with and without a step.
std::vector<ParamSpec> one_of_each_kind() {
    return {
        ParamSpec::integer("k", 1, 7, 3),
        ParamSpec::integer("f", 8, 128, 32, 8),
        ParamSpec::real("p", 0.0, 0.8, 0.5),
        ParamSpec::log_real("lr", 0.0001, 0.3, 0.01),
        ParamSpec::choice("act", {"relu", "tanh", "elu"}, "relu"),
        ParamSpec::boolean("bn", true),
    };
}

/// The message of the ConfigError `spec.validate("f")` throws; fails the
/// test when it throws nothing. The field is checked against `field`.
std::string validate_error(const ParamSpec& spec, const std::string& field = "f") {
    try {
        spec.validate("f");
    } catch (const ConfigError& e) {
        CHECK(e.field() == field);
        return e.what();
    }
    FAIL("validate() accepted " << spec.name);
    return {};
}

/// The problem text `spec.parse(text)` reports; fails when parsing succeeds.
std::string parse_error(const ParamSpec& spec, std::string_view text) {
    std::string problem;
    const auto value = spec.parse(text, problem);
    CHECK_FALSE(value.has_value());
    return problem;
}

}  // namespace

TEST_CASE("kind names round trip", "[param]") {
    for (auto kind : {ParamKind::integer, ParamKind::real, ParamKind::log_real, ParamKind::choice,
                      ParamKind::boolean}) {
        CHECK(evonas::param_kind_from_string(evonas::to_string(kind)) == kind);
    }
    CHECK(evonas::to_string(ParamKind::integer) == "int");
    CHECK(evonas::to_string(ParamKind::boolean) == "bool");
    CHECK_FALSE(evonas::param_kind_from_string("float").has_value());
}

TEST_CASE("quantize_real keeps 4 significant digits", "[param]") {
    CHECK(quantize_real(0.0123456) == 0.01235);
    CHECK(quantize_real(123456.0) == 123500.0);
    CHECK(quantize_real(0.5) == 0.5);
    CHECK(quantize_real(0.99995) == 1.0);
    CHECK(quantize_real(-2.71828) == -2.718);
    CHECK(quantize_real(1.0e-7) == 1.0e-7);
    CHECK(quantize_real(0.000123449) == 0.0001234);
    const double negative_zero = quantize_real(-0.0);
    CHECK(negative_zero == 0.0);
    CHECK_FALSE(std::signbit(negative_zero));
    CHECK(std::isinf(quantize_real(INFINITY)));
    CHECK(std::isnan(quantize_real(NAN)));
    CHECK(evonas::is_quantized_real(0.01235));
    CHECK_FALSE(evonas::is_quantized_real(0.0123456));
    CHECK(quantize_real(quantize_real(0.333333)) == quantize_real(0.333333));
}

TEST_CASE("contains accepts exactly the values of each kind", "[param]") {
    const auto k = ParamSpec::integer("k", 1, 7, 3);
    CHECK(k.contains(1));
    CHECK(k.contains(7));
    CHECK_FALSE(k.contains(0));
    CHECK_FALSE(k.contains(8));
    CHECK_FALSE(k.contains(2.5));
    CHECK_FALSE(k.contains(NAN));

    const auto f = ParamSpec::integer("f", 8, 128, 32, 8);
    CHECK(f.contains(8));
    CHECK(f.contains(128));
    CHECK(f.contains(64));
    CHECK_FALSE(f.contains(12));
    CHECK_FALSE(f.contains(136));
    CHECK(f.cardinality() == 16);

    const auto p = ParamSpec::real("p", 0.0, 0.8, 0.5);
    CHECK(p.contains(0.0));
    CHECK(p.contains(0.8));
    CHECK(p.contains(0.1235));
    CHECK_FALSE(p.contains(0.12345));  // more than 4 significant digits
    CHECK_FALSE(p.contains(0.81));
    CHECK_FALSE(p.contains(-0.1));
    CHECK_FALSE(p.contains(NAN));

    const auto lr = ParamSpec::log_real("lr", 0.0001, 0.3, 0.01);
    CHECK(lr.contains(0.0001));
    CHECK(lr.contains(0.3));
    CHECK_FALSE(lr.contains(0.0));
    CHECK_FALSE(lr.contains(0.5));

    const auto act = ParamSpec::choice("act", {"relu", "tanh", "elu"}, "tanh");
    CHECK(act.default_value == 1.0);
    CHECK(act.contains(0));
    CHECK(act.contains(2));
    CHECK_FALSE(act.contains(3));
    CHECK_FALSE(act.contains(-1));
    CHECK_FALSE(act.contains(0.5));
    CHECK(act.cardinality() == 3);

    const auto bn = ParamSpec::boolean("bn", false);
    CHECK(bn.contains(0));
    CHECK(bn.contains(1));
    CHECK_FALSE(bn.contains(2));
    CHECK_FALSE(bn.contains(0.5));
    CHECK(bn.cardinality() == 2);
}

TEST_CASE("sample stays inside and covers the range", "[param]") {
    Rng rng(7);
    constexpr int draws = 20000;

    SECTION("integers hit every allowed value") {
        for (const auto& spec : {ParamSpec::integer("k", 1, 7, 3), ParamSpec::integer("f", 8, 128, 32, 8),
                                 ParamSpec::integer("neg", -5, 5, 0), ParamSpec::integer("one", 4, 4, 4)}) {
            std::set<double> seen;
            for (int i = 0; i < draws; ++i) {
                const double v = spec.sample(rng);
                REQUIRE(spec.contains(v));
                seen.insert(v);
            }
            CHECK(seen.size() == spec.cardinality());
        }
    }
    SECTION("choices and booleans hit every value") {
        for (const auto& spec : {ParamSpec::choice("act", {"relu", "tanh", "elu"}, "relu"),
                                 ParamSpec::boolean("bn", true)}) {
            std::set<double> seen;
            for (int i = 0; i < draws; ++i) {
                const double v = spec.sample(rng);
                REQUIRE(spec.contains(v));
                seen.insert(v);
            }
            CHECK(seen.size() == spec.cardinality());
        }
    }
    SECTION("reals spread over the whole range") {
        const auto spec = ParamSpec::real("p", 0.0, 0.8, 0.5);
        double lo = 1.0, hi = 0.0, sum = 0.0;
        for (int i = 0; i < draws; ++i) {
            const double v = spec.sample(rng);
            REQUIRE(spec.contains(v));
            lo = std::min(lo, v);
            hi = std::max(hi, v);
            sum += v;
        }
        CHECK(lo < 0.001);
        CHECK(hi > 0.799);
        CHECK(sum / draws == Approx(0.4).margin(0.01));
    }
    SECTION("log reals are log-uniform") {
        const auto spec = ParamSpec::log_real("lr", 0.0001, 0.3, 0.01);
        int below_1e3 = 0;
        double lo = 1.0, hi = 0.0;
        for (int i = 0; i < draws; ++i) {
            const double v = spec.sample(rng);
            REQUIRE(spec.contains(v));
            lo = std::min(lo, v);
            hi = std::max(hi, v);
            if (v < 0.001) ++below_1e3;
        }
        CHECK(lo < 0.000102);
        CHECK(hi > 0.29);
        // P(v < 1e-3) = log(10) / log(3000) = 0.2876
        CHECK(static_cast<double>(below_1e3) / draws == Approx(0.2876).margin(0.015));
    }
}

TEST_CASE("perturb stays valid and changes the value", "[param]") {
    Rng rng(11);
    for (const auto& spec : one_of_each_kind()) {
        INFO(spec.name);
        for (int i = 0; i < 3000; ++i) {
            const double v = spec.sample(rng);
            for (double scale : {0.01, 0.1, 0.5, 2.0}) {
                const double next = spec.perturb(v, rng, scale);
                REQUIRE(spec.contains(next));
                REQUIRE(next != v);
            }
        }
    }
    SECTION("ends of the range and single-valued specs") {
        const auto k = ParamSpec::integer("k", 1, 7, 3);
        for (int i = 0; i < 200; ++i) {
            CHECK(k.contains(k.perturb(1, rng)));
            CHECK(k.contains(k.perturb(7, rng)));
            CHECK(k.perturb(1, rng) != 1);
            CHECK(k.perturb(7, rng) != 7);
        }
        CHECK(ParamSpec::integer("one", 4, 4, 4).perturb(4, rng) == 4);
        CHECK(ParamSpec::real("fixed", 0.5, 0.5, 0.5).perturb(0.5, rng) == 0.5);
        CHECK(ParamSpec::choice("only", {"a"}, "a").perturb(0, rng) == 0);
        CHECK(ParamSpec::boolean("bn", true).perturb(1, rng) == 0);
    }
    SECTION("small scales make small moves") {
        const auto f = ParamSpec::integer("f", 8, 1024, 64, 8);  // 128 values
        for (int i = 0; i < 500; ++i) {
            CHECK(std::abs(f.perturb(512, rng, 0.01) - 512) <= 8);  // one step
        }
    }
}

TEST_CASE("format and parse round trip", "[param]") {
    Rng rng(3);
    for (const auto& spec : one_of_each_kind()) {
        INFO(spec.name);
        for (int i = 0; i < 2000; ++i) {
            const double v = spec.sample(rng);
            std::string problem;
            const auto back = spec.parse(spec.format(v), problem);
            REQUIRE(back.has_value());
            REQUIRE(*back == v);
            CHECK(problem.empty());
        }
    }
    CHECK(ParamSpec::integer("k", 1, 7, 3).format(5) == "5");
    CHECK(ParamSpec::real("p", 0, 0.8, 0.5).format(0.25) == "0.25");
    CHECK(ParamSpec::log_real("wd", 0.000001, 0.01, 0.0001).format(0.00001) == "1e-05");
    CHECK(ParamSpec::choice("act", {"relu", "tanh"}, "relu").format(1) == "tanh");
    CHECK(ParamSpec::boolean("bn", true).format(1) == "1");
    CHECK(ParamSpec::boolean("bn", true).format(0) == "0");

    std::string problem;
    const auto bn = ParamSpec::boolean("bn", true);
    CHECK(bn.parse("true", problem) == 1.0);
    CHECK(bn.parse("false", problem) == 0.0);
    // reals with more digits are rounded to 4 significant digits
    CHECK(ParamSpec::real("p", 0, 0.8, 0.5).parse("0.123456", problem) == 0.1235);
    CHECK(ParamSpec::log_real("wd", 0.000001, 0.01, 0.0001).parse("1e-05", problem) == 0.00001);
}

TEST_CASE("parse reports what is wrong", "[param]") {
    const auto k = ParamSpec::integer("k", 1, 7, 3);
    CHECK(parse_error(k, "x") == "expected an integer for 'k', got 'x'");
    CHECK(parse_error(k, "") == "expected an integer for 'k', got ''");
    CHECK(parse_error(k, "3.0") == "expected an integer for 'k', got '3.0'");
    CHECK(parse_error(k, "9") == "k=9 is outside the space: integer 1..7");
    const auto f = ParamSpec::integer("f", 8, 128, 32, 8);
    CHECK(parse_error(f, "12") == "f=12 is outside the space: integer 8..128 in steps of 8");

    const auto p = ParamSpec::real("p", 0.0, 0.8, 0.5);
    CHECK(parse_error(p, "abc") == "expected a number for 'p', got 'abc'");
    CHECK(parse_error(p, "0.5x") == "expected a number for 'p', got '0.5x'");
    CHECK(parse_error(p, "nan") == "expected a number for 'p', got 'nan'");
    CHECK(parse_error(p, "0.9") == "p=0.9 is outside the space: real 0..0.8");
    const auto lr = ParamSpec::log_real("lr", 0.0001, 0.3, 0.01);
    CHECK(parse_error(lr, "0") == "lr=0 is outside the space: log-scaled real 0.0001..0.3");

    const auto act = ParamSpec::choice("act", {"relu", "tanh", "elu"}, "relu");
    CHECK(parse_error(act, "gelu") == "'gelu' is not a choice of 'act': one of relu, tanh, elu");
    CHECK(parse_error(act, "0") == "'0' is not a choice of 'act': one of relu, tanh, elu");

    const auto bn = ParamSpec::boolean("bn", true);
    CHECK(parse_error(bn, "yes") == "expected 0, 1, true or false for 'bn', got 'yes'");
}

TEST_CASE("validate accepts good specs", "[param]") {
    for (const auto& spec : one_of_each_kind()) {
        CHECK_NOTHROW(spec.validate("f"));
    }
    CHECK_NOTHROW(ParamSpec::integer("neg", -10, 10, -4, 2).validate("f"));
    CHECK_NOTHROW(ParamSpec::real("fixed", 0.5, 0.5, 0.5).validate("f"));
}

TEST_CASE("validate rejects inconsistent specs", "[param]") {
    CHECK(validate_error(ParamSpec::integer("k", 7, 1, 3)) ==
          "f: parameter 'k': lo (7) is greater than hi (1)");
    CHECK(validate_error(ParamSpec::real("p", 0.8, 0.1, 0.5)) ==
          "f: parameter 'p': lo (0.8) is greater than hi (0.1)");
    CHECK(validate_error(ParamSpec::choice("act", {}, "relu")) ==
          "f: parameter 'act': the list of choices is empty");
    CHECK(validate_error(ParamSpec::choice("act", {"relu", "tanh", "relu"}, "relu")) ==
          "f: parameter 'act': choice 'relu' is listed twice");
    CHECK(validate_error(ParamSpec::choice("act", {"relu", "leaky relu"}, "relu")) ==
          "f: parameter 'act': choice 'leaky relu' must be non-empty without spaces or ( ) , = | ;");
    CHECK(validate_error(ParamSpec::choice("act", {"relu", "tanh"}, "gelu")) ==
          "f: parameter 'act': the default is not one of the choices");
    CHECK(validate_error(ParamSpec::integer("k", 1, 7, 9)) ==
          "f: parameter 'k': the default (9) is not in the space: integer 1..7");
    CHECK(validate_error(ParamSpec::integer("f", 8, 128, 12, 8)) ==
          "f: parameter 'f': the default (12) is not in the space: integer 8..128 in steps of 8");
    CHECK(validate_error(ParamSpec::real("p", 0, 0.8, 0.9)) ==
          "f: parameter 'p': the default (0.9) is not in the space: real 0..0.8");
    CHECK(validate_error(ParamSpec::log_real("lr", 0.0, 0.3, 0.01)) ==
          "f: parameter 'lr': a log-scaled range needs lo > 0, got 0");
    CHECK(validate_error(ParamSpec::log_real("lr", -1.0, 0.3, 0.01)) ==
          "f: parameter 'lr': a log-scaled range needs lo > 0, got -1");
    CHECK(validate_error(ParamSpec::integer("k", 1, 7, 3, 0)) ==
          "f: parameter 'k': step must be at least 1, got 0");
    CHECK(validate_error(ParamSpec::integer("k", 1, 8, 4, 3)) ==
          "f: parameter 'k': hi (8) is not lo (1) plus a multiple of step (3)");
    ParamSpec fractional = ParamSpec::integer("k", 1, 7, 3);
    fractional.hi = 7.5;
    CHECK(validate_error(fractional) == "f: parameter 'k': lo and hi must be integers");
    CHECK(validate_error(ParamSpec::real("p", 0.0, INFINITY, 0.5)) ==
          "f: parameter 'p': lo and hi must be finite");
    CHECK(validate_error(ParamSpec::real("p", 0.12345, 0.8, 0.5)) ==
          "f: parameter 'p': lo and hi may have at most 4 significant digits");
    CHECK(validate_error(ParamSpec::log_real("lr", 0.0001, 0.33333, 0.01)) ==
          "f: parameter 'lr': lo and hi may have at most 4 significant digits");
    CHECK(validate_error(ParamSpec::real("p", 0.0, 1.0, 0.12345)) ==
          "f: parameter 'p': the default (0.12345) is not in the space: real 0..1");
    CHECK(validate_error(ParamSpec::integer("", 1, 7, 3), "f.name") == "f.name: a parameter needs a name");
    for (const char* bad : {"a b", "k(", "k)", "k,", "k=", "k|", "k;", "k\t"}) {
        INFO(bad);
        CHECK(validate_error(ParamSpec::integer(bad, 1, 7, 3)) ==
              "f: parameter '" + std::string(bad) + "': the name may not contain spaces or any of ( ) , = | ;");
    }
}
