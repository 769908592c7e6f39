// evonas: the portable random number generator every operator uses.
//
// std's distributions are implementation-defined, so the same seed would give
// different genomes with libstdc++ and libc++. Rng is xoshiro256** seeded by
// SplitMix64, and its draws use only integer arithmetic and exactly rounded
// IEEE operations: one seed gives the same sequence on every platform.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include <fmt/format.h>

#include <evonas/error.hpp>

namespace evonas {

/// SplitMix64 step: a good 64-bit mixer, used to seed and to derive seeds.
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/// A seed derived from (seed, stream), such as a job's seed from the run
/// seed and the job id. Different streams give unrelated seeds.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) noexcept {
    std::uint64_t s = seed ^ (0xD1B54A32D192ED03ULL * (stream + 1));
    splitmix64(s);
    return splitmix64(s);
}

/// xoshiro256** with portable draws. Satisfies UniformRandomBitGenerator.
/// Thread safety: none; give each thread its own Rng.
class Rng {
public:
    using result_type = std::uint64_t;           ///< One draw: 64 random bits.
    using State = std::array<std::uint64_t, 4>;  ///< The generator's whole state.

    /// A generator whose state is expanded from `seed` by SplitMix64.
    explicit constexpr Rng(std::uint64_t seed = 0) noexcept { reseed(seed); }

    /// Restarts the sequence as if constructed with `seed`.
    constexpr void reseed(std::uint64_t seed) noexcept {
        std::uint64_t s = seed;
        for (auto& word : state_) {
            word = splitmix64(s);
        }
    }

    /// Smallest draw (0).
    static constexpr result_type min() noexcept { return 0; }
    /// Largest draw (2^64 - 1).
    static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

    /// The next 64 random bits.
    constexpr result_type operator()() noexcept {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    /// Uniform integer in [0, n), n > 0 (Lemire's method, unbiased).
    constexpr std::uint64_t below(std::uint64_t n) noexcept {
        __uint128_t m = static_cast<__uint128_t>((*this)()) * n;
        auto low = static_cast<std::uint64_t>(m);
        if (low < n) {
            const std::uint64_t threshold = (0 - n) % n;
            while (low < threshold) {
                m = static_cast<__uint128_t>((*this)()) * n;
                low = static_cast<std::uint64_t>(m);
            }
        }
        return static_cast<std::uint64_t>(m >> 64);
    }

    /// Uniform integer in [lo, hi], lo <= hi.
    constexpr std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) noexcept {
        const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
        if (span == std::numeric_limits<std::uint64_t>::max()) {
            return static_cast<std::int64_t>((*this)());
        }
        return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + below(span + 1));
    }

    /// Uniform index in [0, n), n > 0.
    constexpr std::size_t index(std::size_t n) noexcept {
        return static_cast<std::size_t>(below(static_cast<std::uint64_t>(n)));
    }

    /// Uniform double in [0, 1) with 53 random bits.
    constexpr double uniform() noexcept {
        return static_cast<double>((*this)() >> 11) * 0x1.0p-53;
    }

    /// Uniform double in [lo, hi).
    constexpr double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }

    /// True with probability p.
    constexpr bool chance(double p) noexcept { return uniform() < p; }

    /// Symmetric triangular draw in (-1, 1), peaked at 0: a portable stand-in
    /// for a normal perturbation (no transcendental functions).
    constexpr double triangular() noexcept { return uniform() - uniform(); }

    /// Index drawn with probability proportional to weights (all >= 0, some > 0).
    std::size_t weighted(std::span<const double> weights) noexcept {
        double total = 0.0;
        for (double w : weights) {
            total += w;
        }
        double x = uniform() * total;
        std::size_t last_positive = 0;
        for (std::size_t i = 0; i < weights.size(); ++i) {
            if (weights[i] <= 0.0) {
                continue;
            }
            last_positive = i;
            if (x < weights[i]) {
                return i;
            }
            x -= weights[i];
        }
        return last_positive;  // rounding left x just above the total
    }

    /// The current state, to continue the sequence later with set_state().
    const State& state() const noexcept { return state_; }
    /// Continues the sequence from a state taken with state().
    void set_state(const State& state) noexcept { state_ = state; }

    /// The state as text ("hex hex hex hex") for checkpoints.
    std::string state_string() const;
    /// Restores a state written by state_string(); throws ParseError.
    void set_state_string(const std::string& text);

    /// Same state: both generators will draw the same sequence.
    friend constexpr bool operator==(const Rng&, const Rng&) = default;

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }

    State state_{};
};

inline std::string Rng::state_string() const {
    // Written by hand, not with fmt: the engine records it for every job.
    std::string text(4 * 17 - 1, ' ');
    for (std::size_t i = 0; i < state_.size(); ++i) {
        std::uint64_t v = state_[i];
        for (std::size_t k = 16; k-- > 0; v >>= 4) text[17 * i + k] = "0123456789abcdef"[v & 0xF];
    }
    return text;
}

inline void Rng::set_state_string(const std::string& text) {
    State parsed{};
    std::size_t pos = 0;
    for (std::size_t i = 0; i < parsed.size(); ++i) {
        while (pos < text.size() && text[pos] == ' ') {
            ++pos;
        }
        std::uint64_t value = 0;
        std::size_t digits = 0;
        while (pos < text.size() && digits < 17) {
            const char c = text[pos];
            int d = -1;
            if (c >= '0' && c <= '9') d = c - '0';
            else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
            if (d < 0) break;
            value = (value << 4) | static_cast<std::uint64_t>(d);
            ++digits;
            ++pos;
        }
        if (digits == 0 || digits > 16) {
            throw ParseError("rng state", 1, pos + 1, "expected 4 hexadecimal words of up to 16 digits");
        }
        parsed[i] = value;
    }
    if (pos != text.size()) {
        throw ParseError("rng state", 1, pos + 1, "unexpected text after 4 hexadecimal words");
    }
    if (parsed == State{}) {
        throw ParseError("rng state", 1, 1, "an all-zero state is not valid for xoshiro256**");
    }
    state_ = parsed;
}

}  // namespace evonas
