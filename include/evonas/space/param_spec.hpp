// evonas: one parameter of a layer or one global training gene, and the set
// of values it may take.
//
// Every gene value is stored as a double: integers, choice indices and
// booleans are exact in a double, and a fixed-width layer gene stays
// trivially copyable. Real values are kept at 4 significant digits
// (quantize_real), so the text notation round-trips exactly and no last-bit
// difference between maths libraries can change a genome or its hash.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/compile.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <evonas/error.hpp>
#include <evonas/random.hpp>

namespace evonas {

/// What kind of values a parameter takes.
enum class ParamKind : std::uint8_t {
    integer,   ///< lo, lo+step, ..., up to hi
    real,      ///< any value in [lo, hi], uniform when sampled
    log_real,  ///< any value in [lo, hi], 0 < lo, log-uniform when sampled
    choice,    ///< one of a list of names (stored as the index)
    boolean,   ///< false or true (stored as 0 or 1)
};

/// The kind's name in search-space JSON: "int", "real", "log_real", "choice"
/// or "bool".
inline constexpr std::string_view to_string(ParamKind kind) noexcept {
    switch (kind) {
        case ParamKind::integer: return "int";
        case ParamKind::real: return "real";
        case ParamKind::log_real: return "log_real";
        case ParamKind::choice: return "choice";
        case ParamKind::boolean: return "bool";
    }
    return "?";
}

/// The kind named `text` (as to_string() writes it), or nullopt.
inline std::optional<ParamKind> param_kind_from_string(std::string_view text) noexcept {
    for (auto kind : {ParamKind::integer, ParamKind::real, ParamKind::log_real,
                      ParamKind::choice, ParamKind::boolean}) {
        if (to_string(kind) == text) {
            return kind;
        }
    }
    return std::nullopt;
}

/// Significant digits kept for real values.
inline constexpr int real_digits = 4;

/// Rounds to `real_digits` significant digits, exactly as the text notation
/// prints it (fmt's correctly rounded "{:.4g}", read back with from_chars).
inline double quantize_real(double value) noexcept {
    if (value == 0.0 || !std::isfinite(value)) {
        return value == 0.0 ? 0.0 : value;  // also turns -0.0 into 0.0
    }
    char buffer[48];
    const auto end = fmt::format_to_n(buffer, sizeof buffer - 1, "{:.{}g}", value, real_digits).out;
    double result = value;
    std::from_chars(buffer, end, result);
    return result;
}

/// True when `value` already has at most `real_digits` significant digits.
inline bool is_quantized_real(double value) noexcept { return quantize_real(value) == value; }

/// The specification of one parameter: its name, kind, range or choices, and
/// default. Build one with the named constructors. Thread safety: immutable
/// once built; share freely.
struct ParamSpec {
    std::string name;                     ///< unique within its layer type or the globals
    ParamKind kind = ParamKind::integer;  ///< what values it takes
    double lo = 0.0;        ///< integer, real, log_real: smallest value
    double hi = 0.0;        ///< integer, real, log_real: largest value
    std::int64_t step = 1;  ///< integer: distance between allowed values
    std::vector<std::string> choices;  ///< choice: the names, in order
    double default_value = 0.0;        ///< as stored (choice: index; bool: 0/1)

    /// An integer parameter: lo, lo+step, ..., up to hi.
    static ParamSpec integer(std::string name, std::int64_t lo, std::int64_t hi,
                             std::int64_t default_value, std::int64_t step = 1) {
        return {std::move(name), ParamKind::integer, static_cast<double>(lo),
                static_cast<double>(hi), step, {}, static_cast<double>(default_value)};
    }
    /// A real parameter in [lo, hi], sampled uniformly.
    static ParamSpec real(std::string name, double lo, double hi, double default_value) {
        return {std::move(name), ParamKind::real, lo, hi, 1, {}, default_value};
    }
    /// A real parameter in [lo, hi], 0 < lo, sampled log-uniformly.
    static ParamSpec log_real(std::string name, double lo, double hi, double default_value) {
        return {std::move(name), ParamKind::log_real, lo, hi, 1, {}, default_value};
    }
    /// One of `choices`; a `default_choice` not among them leaves the
    /// default invalid (-1), which validate() reports.
    static ParamSpec choice(std::string name, std::vector<std::string> choices,
                            std::string_view default_choice) {
        ParamSpec spec{std::move(name), ParamKind::choice, 0, 0, 1, std::move(choices), -1.0};
        const auto it = std::find(spec.choices.begin(), spec.choices.end(), default_choice);
        if (it != spec.choices.end()) {
            spec.default_value = static_cast<double>(it - spec.choices.begin());
        }
        return spec;
    }
    /// A false/true parameter.
    static ParamSpec boolean(std::string name, bool default_value) {
        return {std::move(name), ParamKind::boolean, 0, 1, 1, {}, default_value ? 1.0 : 0.0};
    }

    /// True for the integer, real and log_real kinds.
    bool is_numeric() const noexcept {
        return kind == ParamKind::integer || kind == ParamKind::real || kind == ParamKind::log_real;
    }

    /// Number of distinct values (0 for real kinds: unbounded in practice).
    std::uint64_t cardinality() const noexcept {
        switch (kind) {
            case ParamKind::integer:
                return static_cast<std::uint64_t>((static_cast<std::int64_t>(hi) -
                                                   static_cast<std::int64_t>(lo)) / step) + 1;
            case ParamKind::choice: return choices.size();
            case ParamKind::boolean: return 2;
            default: return lo == hi ? 1 : 0;
        }
    }

    /// True when `value` is one this parameter may take.
    bool contains(double value) const noexcept {
        switch (kind) {
            case ParamKind::integer: {
                if (!(value >= lo && value <= hi) || value != std::floor(value)) return false;
                return (static_cast<std::int64_t>(value) - static_cast<std::int64_t>(lo)) % step == 0;
            }
            case ParamKind::real:
            case ParamKind::log_real:
                return value >= lo && value <= hi && is_quantized_real(value);
            case ParamKind::choice:
                return value >= 0 && value < static_cast<double>(choices.size()) &&
                       value == std::floor(value);
            case ParamKind::boolean: return value == 0.0 || value == 1.0;
        }
        return false;
    }

    /// A value drawn uniformly (log-uniformly for log_real).
    double sample(Rng& rng) const {
        switch (kind) {
            case ParamKind::integer: {
                const auto count = static_cast<std::int64_t>(cardinality());
                return lo + static_cast<double>(step * rng.uniform_int(0, count - 1));
            }
            case ParamKind::real: return clamp_real(quantize_real(rng.uniform(lo, hi)));
            case ParamKind::log_real: {
                const double x = std::exp(rng.uniform(std::log(lo), std::log(hi)));
                return clamp_real(quantize_real(x));
            }
            case ParamKind::choice: return static_cast<double>(rng.index(choices.size()));
            case ParamKind::boolean: return rng.chance(0.5) ? 1.0 : 0.0;
        }
        return default_value;
    }

    /// A value near `value` (`scale` is the typical move as a fraction of the
    /// range, in log space for log_real). Choices and booleans change to
    /// another value. Returns a valid value, different from `value` whenever
    /// this parameter has more than one.
    double perturb(double value, Rng& rng, double scale = 0.1) const {
        switch (kind) {
            case ParamKind::integer: {
                const auto count = static_cast<std::int64_t>(cardinality());
                if (count <= 1) return lo;
                const auto k = static_cast<std::int64_t>((value - lo) / static_cast<double>(step));
                // steps: at least 1, typically scale * count
                const auto typical = std::max<std::int64_t>(
                    1, static_cast<std::int64_t>(scale * static_cast<double>(count)));
                std::int64_t move = 1 + static_cast<std::int64_t>(
                                            rng.uniform() * static_cast<double>(typical));
                if (rng.chance(0.5)) move = -move;
                std::int64_t next = k + move;
                if (next < 0 || next >= count) next = k - move;  // reflect
                next = std::clamp<std::int64_t>(next, 0, count - 1);
                if (next == k) next = (k + 1 < count) ? k + 1 : k - 1;
                return lo + static_cast<double>(step * next);
            }
            case ParamKind::real:
            case ParamKind::log_real: {
                if (lo == hi) return lo;
                const bool log = kind == ParamKind::log_real;
                const double a = log ? std::log(lo) : lo;
                const double b = log ? std::log(hi) : hi;
                const double x = log ? std::log(value) : value;
                for (int attempt = 0; attempt < 8; ++attempt) {
                    double y = x + scale * (b - a) * rng.triangular() * 2.0;
                    if (y < a) y = a + (a - y);  // reflect into range
                    if (y > b) y = b - (y - b);
                    const double next = clamp_real(quantize_real(log ? std::exp(y) : y));
                    if (next != value) return next;
                }
                return value != lo ? lo : hi;  // a range too narrow to move in: take an end
            }
            case ParamKind::choice: {
                const auto n = choices.size();
                if (n <= 1) return 0.0;
                const auto current = static_cast<std::size_t>(value);
                const auto other = rng.index(n - 1);
                return static_cast<double>(other >= current ? other + 1 : other);
            }
            case ParamKind::boolean: return value == 0.0 ? 1.0 : 0.0;
        }
        return value;
    }

    /// The value as the text notation writes it.
    std::string format(double value) const {
        std::string out;
        append_formatted(out, value);
        return out;
    }

    /// Appends format(value) to `out` without a temporary string (the
    /// lineage log writes a genome's text for every job).
    void append_formatted(std::string& out, double value) const {
        char text[32];
        switch (kind) {
            case ParamKind::integer: {
                const fmt::format_int digits(static_cast<std::int64_t>(value));
                out.append(digits.data(), digits.size());
                return;
            }
            case ParamKind::real:
            // FMT_COMPILE: no format string parsed per value (the lineage log
            // writes a genome per job).
            case ParamKind::log_real: out.append(text, fmt::format_to(text, FMT_COMPILE("{}"), value)); return;
            case ParamKind::choice: {
                const auto i = static_cast<std::size_t>(value);
                if (i < choices.size()) {
                    out += choices[i];
                } else {
                    out += fmt::format("<choice {}>", value);
                }
                return;
            }
            case ParamKind::boolean: out += value != 0.0 ? '1' : '0'; return;
        }
        out += '?';
    }

    /// Reads a value written by format() (booleans also as true/false).
    /// Returns nullopt and sets `problem` when the text is not a value of
    /// this parameter (not a number, outside the range, off the step, not a
    /// choice). Reals with more digits are rounded to 4 significant digits.
    std::optional<double> parse(std::string_view text, std::string& problem) const {
        switch (kind) {
            case ParamKind::integer: {
                std::int64_t v = 0;
                const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
                if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty()) {
                    problem = fmt::format("expected an integer for '{}', got '{}'", name, text);
                    return std::nullopt;
                }
                const auto d = static_cast<double>(v);
                if (!contains(d)) {
                    problem = fmt::format("{}={} is outside the space: {}", name, text, describe());
                    return std::nullopt;
                }
                return d;
            }
            case ParamKind::real:
            case ParamKind::log_real: {
                double v = 0;
                const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
                if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty() ||
                    !std::isfinite(v)) {
                    problem = fmt::format("expected a number for '{}', got '{}'", name, text);
                    return std::nullopt;
                }
                const double q = quantize_real(v);
                if (!(q >= lo && q <= hi)) {
                    problem = fmt::format("{}={} is outside the space: {}", name, text, describe());
                    return std::nullopt;
                }
                return q;
            }
            case ParamKind::choice: {
                const auto it = std::find(choices.begin(), choices.end(), text);
                if (it == choices.end()) {
                    problem = fmt::format("'{}' is not a choice of '{}': {}", text, name, describe());
                    return std::nullopt;
                }
                return static_cast<double>(it - choices.begin());
            }
            case ParamKind::boolean: {
                if (text == "1" || text == "true") return 1.0;
                if (text == "0" || text == "false") return 0.0;
                problem = fmt::format("expected 0, 1, true or false for '{}', got '{}'", name, text);
                return std::nullopt;
            }
        }
        problem = "unknown parameter kind";
        return std::nullopt;
    }

    /// The allowed values in words, for error messages.
    std::string describe() const {
        switch (kind) {
            case ParamKind::integer:
                return step == 1 ? fmt::format("integer {}..{}", static_cast<std::int64_t>(lo),
                                               static_cast<std::int64_t>(hi))
                                 : fmt::format("integer {}..{} in steps of {}",
                                               static_cast<std::int64_t>(lo),
                                               static_cast<std::int64_t>(hi), step);
            case ParamKind::real: return fmt::format("real {}..{}", lo, hi);
            case ParamKind::log_real: return fmt::format("log-scaled real {}..{}", lo, hi);
            case ParamKind::choice: return fmt::format("one of {}", fmt::join(choices, ", "));
            case ParamKind::boolean: return "0 or 1";
        }
        return "?";
    }

    /// Throws ConfigError naming `field` (e.g. "layer_types[0].params[2]")
    /// when the spec itself is inconsistent.
    void validate(const std::string& field) const {
        auto fail = [&](const std::string& problem) {
            throw ConfigError(field, fmt::format("parameter '{}': {}", name, problem));
        };
        if (name.empty()) throw ConfigError(field + ".name", "a parameter needs a name");
        if (name.find_first_of("(),=|; \t\n") != std::string::npos) {
            fail("the name may not contain spaces or any of ( ) , = | ;");
        }
        switch (kind) {
            case ParamKind::integer:
                if (!std::isfinite(lo) || !std::isfinite(hi) || lo != std::floor(lo) ||
                    hi != std::floor(hi)) {
                    fail("lo and hi must be integers");
                }
                if (lo > hi) fail(fmt::format("lo ({}) is greater than hi ({})", lo, hi));
                if (step < 1) fail(fmt::format("step must be at least 1, got {}", step));
                if ((static_cast<std::int64_t>(hi) - static_cast<std::int64_t>(lo)) % step != 0) {
                    fail(fmt::format("hi ({}) is not lo ({}) plus a multiple of step ({})", hi, lo, step));
                }
                break;
            case ParamKind::real:
            case ParamKind::log_real:
                if (!std::isfinite(lo) || !std::isfinite(hi)) fail("lo and hi must be finite");
                if (lo > hi) fail(fmt::format("lo ({}) is greater than hi ({})", lo, hi));
                if (kind == ParamKind::log_real && lo <= 0.0) {
                    fail(fmt::format("a log-scaled range needs lo > 0, got {}", lo));
                }
                if (!is_quantized_real(lo) || !is_quantized_real(hi)) {
                    fail(fmt::format("lo and hi may have at most {} significant digits", real_digits));
                }
                break;
            case ParamKind::choice: {
                if (choices.empty()) fail("the list of choices is empty");
                for (std::size_t i = 0; i < choices.size(); ++i) {
                    const auto& c = choices[i];
                    if (c.empty() || c.find_first_of("(),=|; \t\n") != std::string::npos) {
                        fail(fmt::format("choice '{}' must be non-empty without spaces or ( ) , = | ;", c));
                    }
                    if (std::find(choices.begin(), choices.begin() + static_cast<std::ptrdiff_t>(i), c) !=
                        choices.begin() + static_cast<std::ptrdiff_t>(i)) {
                        fail(fmt::format("choice '{}' is listed twice", c));
                    }
                }
                break;
            }
            case ParamKind::boolean: break;
        }
        if (!contains(default_value)) {
            fail(kind == ParamKind::choice
                     ? std::string("the default is not one of the choices")
                     : fmt::format("the default ({}) is not in the space: {}", default_value, describe()));
        }
    }

private:
    double clamp_real(double v) const noexcept { return std::clamp(v, lo, hi); }
};

}  // namespace evonas
