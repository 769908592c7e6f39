// Tests of Rng: golden values (xoshiro256** seeded by SplitMix64, so a
// change of the generator is caught), bounds and uniformity of the draws,
// weighted choice, derived seeds and state text.
#include <evonas/random.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

using evonas::ParseError;
using evonas::Rng;

namespace {

/// Pearson's chi-square statistic of `counts` against a uniform expectation.
double chi_square(const std::vector<std::uint64_t>& counts) {
    double total = 0;
    for (auto c : counts) total += static_cast<double>(c);
    const double expected = total / static_cast<double>(counts.size());
    double chi = 0;
    for (auto c : counts) chi += (static_cast<double>(c) - expected) * (static_cast<double>(c) - expected) / expected;
    return chi;
}

/// The message of the ParseError set_state_string(text) throws.
std::string state_error(const std::string& text) {
    Rng rng(1);
    const auto before = rng;
    try {
        rng.set_state_string(text);
    } catch (const ParseError& e) {
        CHECK(rng == before);  // a failed restore leaves the state alone
        CHECK(e.source() == "rng state");
        return e.what();
    }
    FAIL("accepted '" << text << "'");
    return {};
}

}  // namespace

TEST_CASE("SplitMix64 and xoshiro256 golden values", "[random]") {
    std::uint64_t state = 0;
    CHECK(evonas::splitmix64(state) == 0xE220A8397B1DCDAFULL);  // the published first output
    CHECK(evonas::splitmix64(state) == 0x6E789E6AA1B965F4ULL);

    Rng zero(0);
    CHECK(zero() == 0x99EC5F36CB75F2B4ULL);
    CHECK(zero() == 0xBF6E1F784956452AULL);
    CHECK(zero() == 0x1A5F849D4933E6E0ULL);
    CHECK(zero() == 0x6AA594F1262D2D2CULL);

    Rng answer(42);
    CHECK(answer() == 0x15780B2E0C2EC716ULL);
    CHECK(answer() == 0x6104D9866D113A7EULL);
    CHECK(answer() == 0xAE17533239E499A1ULL);
    CHECK(answer() == 0xECB8AD4703B360A1ULL);

    CHECK(Rng().state() == Rng(0).state());
    CHECK(evonas::derive_seed(42, 0) == 0x3B3335584873A7B9ULL);

    // the draws built on top are pinned too
    Rng draws(42);
    CHECK(draws.below(1000) == 83);
    CHECK(draws.uniform_int(-5, 5) == -1);
    CHECK(draws.uniform() == 0.68004341102813937);  // (0xAE17533239E499A1 >> 11) * 2^-53
}

TEST_CASE("Rng is a constexpr UniformRandomBitGenerator", "[random]") {
    static_assert(Rng::min() == 0);
    static_assert(Rng::max() == std::numeric_limits<std::uint64_t>::max());
    constexpr auto first = [] {
        Rng r(0);
        return r();
    }();
    static_assert(first == 0x99EC5F36CB75F2B4ULL);
}

TEST_CASE("equal seeds give equal sequences", "[random]") {
    Rng a(123), b(123), c(124);
    CHECK(a == b);
    CHECK_FALSE(a == c);
    bool differs = false;
    for (int i = 0; i < 1000; ++i) {
        const auto x = a();
        REQUIRE(x == b());
        differs = differs || x != c();
    }
    CHECK(differs);
    a.reseed(123);
    Rng fresh(123);
    CHECK(a == fresh);
    CHECK(a() == fresh());
}

TEST_CASE("below and uniform_int stay in bounds and are uniform", "[random]") {
    Rng rng(5);
    SECTION("below") {
        for (std::uint64_t n : {1ULL, 2ULL, 3ULL, 7ULL, 1000ULL, (1ULL << 63) + 1, ~0ULL}) {
            for (int i = 0; i < 2000; ++i) REQUIRE(rng.below(n) < n);
        }
        std::vector<std::uint64_t> counts(10);
        for (int i = 0; i < 100000; ++i) ++counts[rng.below(10)];
        CHECK(chi_square(counts) < 27.9);  // 9 degrees of freedom, p = 0.001
    }
    SECTION("uniform_int") {
        std::set<std::int64_t> seen;
        for (int i = 0; i < 10000; ++i) {
            const auto v = rng.uniform_int(-3, 3);
            REQUIRE(v >= -3);
            REQUIRE(v <= 3);
            seen.insert(v);
        }
        CHECK(seen.size() == 7);
        CHECK(rng.uniform_int(9, 9) == 9);
        constexpr auto lo = std::numeric_limits<std::int64_t>::min();
        constexpr auto hi = std::numeric_limits<std::int64_t>::max();
        bool negative = false, positive = false;
        for (int i = 0; i < 100; ++i) {
            const auto v = rng.uniform_int(lo, hi);  // the full range
            negative = negative || v < 0;
            positive = positive || v > 0;
        }
        CHECK(negative);
        CHECK(positive);
        for (int i = 0; i < 100; ++i) CHECK(rng.uniform_int(hi - 1, hi) >= hi - 1);
        for (int i = 0; i < 100; ++i) CHECK(rng.uniform_int(lo, lo + 1) <= lo + 1);

        std::vector<std::uint64_t> counts(16);
        for (int i = 0; i < 160000; ++i) ++counts[static_cast<std::size_t>(rng.uniform_int(100, 115) - 100)];
        CHECK(chi_square(counts) < 37.7);  // 15 degrees of freedom, p = 0.001
    }
    SECTION("index") {
        for (int i = 0; i < 1000; ++i) REQUIRE(rng.index(3) < 3);
    }
}

TEST_CASE("uniform is in the unit interval and flat", "[random]") {
    Rng rng(9);
    std::vector<std::uint64_t> counts(20);
    double sum = 0;
    for (int i = 0; i < 200000; ++i) {
        const double u = rng.uniform();
        REQUIRE(u >= 0.0);
        REQUIRE(u < 1.0);
        sum += u;
        ++counts[static_cast<std::size_t>(u * 20)];
    }
    CHECK(sum / 200000 == Approx(0.5).margin(0.005));
    CHECK(chi_square(counts) < 43.8);  // 19 degrees of freedom, p = 0.001
    for (int i = 0; i < 1000; ++i) {
        const double v = rng.uniform(-2.0, 3.0);
        REQUIRE(v >= -2.0);
        REQUIRE(v < 3.0);
        const double t = rng.triangular();
        REQUIRE(t > -1.0);
        REQUIRE(t < 1.0);
    }
    int heads = 0;
    for (int i = 0; i < 10000; ++i) heads += rng.chance(0.3) ? 1 : 0;
    CHECK(heads / 10000.0 == Approx(0.3).margin(0.02));
    for (int i = 0; i < 100; ++i) {
        CHECK_FALSE(rng.chance(0.0));
        CHECK(rng.chance(1.0));
    }
}

TEST_CASE("weighted follows the weights", "[random]") {
    Rng rng(17);
    const std::array<double, 5> weights{1.0, 2.0, 0.0, 5.0, 0.0};
    std::array<int, 5> counts{};
    constexpr int draws = 80000;
    for (int i = 0; i < draws; ++i) ++counts[rng.weighted(weights)];
    CHECK(counts[2] == 0);
    CHECK(counts[4] == 0);
    CHECK(counts[0] / double(draws) == Approx(1.0 / 8).margin(0.01));
    CHECK(counts[1] / double(draws) == Approx(2.0 / 8).margin(0.01));
    CHECK(counts[3] / double(draws) == Approx(5.0 / 8).margin(0.01));

    const std::array<double, 3> single{0.0, 0.0, 3.0};
    for (int i = 0; i < 100; ++i) CHECK(rng.weighted(single) == 2);
}

TEST_CASE("derive_seed gives unrelated seeds per stream", "[random]") {
    std::set<std::uint64_t> seeds;
    for (std::uint64_t stream = 0; stream < 10000; ++stream) {
        seeds.insert(evonas::derive_seed(42, stream));
    }
    CHECK(seeds.size() == 10000);
    CHECK(evonas::derive_seed(42, 1) != evonas::derive_seed(43, 1));
    CHECK(evonas::derive_seed(42, 7) == evonas::derive_seed(42, 7));
    CHECK(evonas::derive_seed(0, 0) != 0);
    Rng a(evonas::derive_seed(1, 0)), b(evonas::derive_seed(1, 1));
    CHECK(a() != b());
}

TEST_CASE("state text round trips and rejects bad text", "[random]") {
    Rng rng(99);
    for (int i = 0; i < 10; ++i) rng();
    const auto text = rng.state_string();
    CHECK(text.size() == 4 * 16 + 3);
    Rng restored(1);
    restored.set_state_string(text);
    CHECK(restored == rng);
    CHECK(restored() == rng());

    Rng small(1);
    small.set_state_string("1 2 3 4");
    CHECK(small.state() == Rng::State{1, 2, 3, 4});
    small.set_state_string("  A b C d");
    CHECK(small.state() == Rng::State{10, 11, 12, 13});
    small.set_state_string(Rng(0).state_string());
    CHECK(small == Rng(0));
    small.set_state(Rng::State{1, 0xabc, ~std::uint64_t{0}, 0x0123456789abcdefULL});
    CHECK(small.state_string() == "0000000000000001 0000000000000abc ffffffffffffffff 0123456789abcdef");

    const std::string expect4 = "expected 4 hexadecimal words of up to 16 digits";
    CHECK(state_error("") == "rng state:1:1: " + expect4);
    CHECK(state_error("xyz") == "rng state:1:1: " + expect4);
    CHECK(state_error("1 2 3") == "rng state:1:6: " + expect4);
    CHECK(state_error("1 2 g 4") == "rng state:1:5: " + expect4);
    CHECK(state_error("1 2 3 12345678901234567") == "rng state:1:24: " + expect4);
    CHECK(state_error("1 2 3 4 5") == "rng state:1:8: unexpected text after 4 hexadecimal words");
    CHECK(state_error("1 2 3 4\n") == "rng state:1:8: unexpected text after 4 hexadecimal words");
    CHECK(state_error("0 0 0 0") == "rng state:1:1: an all-zero state is not valid for xoshiro256**");
}
