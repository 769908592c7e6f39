// evonas: the parser of a .npy file's header dict (descr, fortran_order,
// shape), with errors at byte offsets of the file. Used by io/npy.hpp.
#pragma once

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <evonas/error.hpp>
#include <evonas/io/files.hpp>

#include <evonas/io/npy_array.hpp>

namespace evonas {

namespace detail {

/// Reads the header dict of a .npy file; reports errors at file offsets.
class NpyHeaderParser {
public:
    NpyHeaderParser(std::string_view header, std::size_t offset, const std::string& source)
        : text_(header), base_(offset), source_(source) {}

    struct Result {
        std::string descr;
        std::size_t descr_at = 0;
        bool fortran = false;
        std::vector<std::int64_t> shape;
    };

    Result parse() {
        Result result;
        bool seen_descr = false, seen_fortran = false, seen_shape = false;
        skip_space();
        expect('{', "the header must be a Python dict starting with '{'");
        for (;;) {
            skip_space();
            if (peek() == '}') {
                ++pos_;
                break;
            }
            const std::size_t key_at = pos_;
            const std::string key = string_literal("a key in quotes");
            skip_space();
            expect(':', fmt::format("expected ':' after the key '{}'", key));
            skip_space();
            if (key == "descr") {
                if (seen_descr) fail(key_at, "the key 'descr' appears twice");
                seen_descr = true;
                result.descr_at = pos_;
                if (peek() == '[') fail(pos_, "structured dtypes (a list in 'descr') are not supported");
                result.descr = string_literal("a dtype string such as '<f4' for 'descr'");
            } else if (key == "fortran_order") {
                if (seen_fortran) fail(key_at, "the key 'fortran_order' appears twice");
                seen_fortran = true;
                result.fortran = boolean();
            } else if (key == "shape") {
                if (seen_shape) fail(key_at, "the key 'shape' appears twice");
                seen_shape = true;
                result.shape = tuple();
            } else {
                fail(key_at, fmt::format("unexpected key '{}' (a .npy header has exactly 'descr', "
                                         "'fortran_order' and 'shape')", key));
            }
            skip_space();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() == '}') {
                ++pos_;
                break;
            }
            fail(pos_, "expected ',' or '}' in the header dict");
        }
        skip_space();
        if (pos_ != text_.size()) fail(pos_, "unexpected text after the header dict");
        if (!seen_descr) fail(text_.size(), "the header has no 'descr' (the element type)");
        if (!seen_fortran) fail(text_.size(), "the header has no 'fortran_order'");
        if (!seen_shape) fail(text_.size(), "the header has no 'shape'");
        return result;
    }

    [[noreturn]] void fail(std::size_t at, const std::string& problem) const {
        throw ParseError(source_, 1, base_ + at + 1, problem);
    }

private:
    char peek() const noexcept { return pos_ < text_.size() ? text_[pos_] : '\0'; }
    void skip_space() noexcept {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }
    void expect(char c, const std::string& problem) {
        if (peek() != c) fail(pos_, problem);
        ++pos_;
    }
    std::string string_literal(const std::string& what) {
        const char quote = peek();
        if (quote != '\'' && quote != '"') fail(pos_, fmt::format("expected {}", what));
        const std::size_t start = ++pos_;
        while (pos_ < text_.size() && text_[pos_] != quote) {
            if (text_[pos_] == '\\') fail(pos_, "escapes in header strings are not supported");
            ++pos_;
        }
        if (pos_ >= text_.size()) fail(start - 1, "unterminated string in the header");
        std::string value(text_.substr(start, pos_ - start));
        ++pos_;
        return value;
    }
    bool boolean() {
        if (text_.substr(pos_, 4) == "True") {
            pos_ += 4;
            return true;
        }
        if (text_.substr(pos_, 5) == "False") {
            pos_ += 5;
            return false;
        }
        fail(pos_, "expected True or False for 'fortran_order'");
    }
    std::vector<std::int64_t> tuple() {
        std::vector<std::int64_t> shape;
        expect('(', "expected a tuple such as (3, 4) for 'shape'");
        for (;;) {
            skip_space();
            if (peek() == ')') {
                ++pos_;
                break;
            }
            const std::size_t at = pos_;
            if (peek() == '-') fail(at, "a shape extent is negative");
            if (!std::isdigit(static_cast<unsigned char>(peek()))) {
                fail(at, "expected a non-negative integer in 'shape'");
            }
            std::int64_t value = 0;
            while (std::isdigit(static_cast<unsigned char>(peek()))) {
                const int digit = peek() - '0';
                if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) {
                    fail(at, "a shape extent is too large");
                }
                value = value * 10 + digit;
                ++pos_;
            }
            if (peek() == 'L') ++pos_;  // Python 2 long literal
            shape.push_back(value);
            skip_space();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() == ')') {
                ++pos_;
                break;
            }
            fail(pos_, "expected ',' or ')' in 'shape'");
        }
        return shape;
    }

    std::string_view text_;
    std::size_t base_;
    const std::string& source_;
    std::size_t pos_ = 0;
};

/// NpyType and byte order from a descr such as "<f4"; nullopt when the
/// dtype is not supported (the message says why).
inline std::optional<std::pair<NpyType, bool>> npy_parse_descr(std::string_view descr, std::string& problem) {
    // returns {type, big_endian}
    if (descr.size() < 2) {
        problem = fmt::format("'{}' is not a dtype string such as '<f4'", descr);
        return std::nullopt;
    }
    char order = descr[0];
    std::string_view rest = descr.substr(1);
    if (order != '<' && order != '>' && order != '|' && order != '=') {
        problem = fmt::format("'{}' does not start with a byte order ('<', '>', '|' or '=')", descr);
        return std::nullopt;
    }
    if (order == '=') order = std::endian::native == std::endian::big ? '>' : '<';
    const char kind = rest[0];
    if (kind == 'O') {
        problem = "object arrays (pickled Python objects) are not supported";
        return std::nullopt;
    }
    const std::string_view size_text = rest.substr(1);
    int size = 0;
    for (char c : size_text) {
        if (!std::isdigit(static_cast<unsigned char>(c)) || size > 1000) {
            problem = fmt::format("'{}' has no valid item size", descr);
            return std::nullopt;
        }
        size = size * 10 + (c - '0');
    }
    if (size_text.empty()) {
        problem = fmt::format("'{}' has no item size", descr);
        return std::nullopt;
    }
    std::optional<NpyType> type;
    switch (kind) {
        case 'b':
            if (size == 1) type = NpyType::boolean;
            break;
        case 'i':
            if (size == 1) type = NpyType::int8;
            else if (size == 2) type = NpyType::int16;
            else if (size == 4) type = NpyType::int32;
            else if (size == 8) type = NpyType::int64;
            break;
        case 'u':
            if (size == 1) type = NpyType::uint8;
            else if (size == 2) type = NpyType::uint16;
            else if (size == 4) type = NpyType::uint32;
            else if (size == 8) type = NpyType::uint64;
            break;
        case 'f':
            if (size == 2) type = NpyType::float16;
            else if (size == 4) type = NpyType::float32;
            else if (size == 8) type = NpyType::float64;
            break;
        default: break;
    }
    if (!type) {
        problem = fmt::format("dtype '{}' is not supported (supported: bool, int8..int64, "
                              "uint8..uint64, float16, float32, float64)", descr);
        return std::nullopt;
    }
    if (npy_item_size(*type) == 1) order = '<';
    return std::pair{*type, order == '>'};
}

inline void byte_swap_elements(std::vector<std::byte>& data, std::size_t item) noexcept {
    if (item <= 1) return;
    for (std::size_t i = 0; i + item <= data.size(); i += item) {
        std::reverse(data.begin() + static_cast<std::ptrdiff_t>(i),
                     data.begin() + static_cast<std::ptrdiff_t>(i + item));
    }
}

}  // namespace detail

}  // namespace evonas
