// evonas internals: "did you mean ...?" suggestions for misspelt names in
// genome text, search-space JSON and options.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <ranges>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace evonas::detail {

/// Levenshtein distance between `a` and `b`: the fewest single-character
/// insertions, deletions and substitutions that turn one into the other.
/// With `count_swaps`, swapping two adjacent characters is one edit too
/// (optimal string alignment), so "stpe" is 1 edit from "step", not 2.
inline std::size_t edit_distance(std::string_view a, std::string_view b, bool count_swaps = false) {
    // Three rows of the dynamic-programming table: i-2, i-1 and i.
    std::vector<std::size_t> before(b.size() + 1), above(b.size() + 1), row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        before.swap(above);
        above.swap(row);
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t substitute = above[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            row[j] = std::min({above[j] + 1, row[j - 1] + 1, substitute});
            if (count_swaps && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                row[j] = std::min(row[j], before[j - 2] + 1);
            }
        }
    }
    return row[b.size()];
}

/// ASCII lower-case copy, so "ReLU" is close to "relu".
inline std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

/// The candidate closest to `word`, or "" when none is within
/// max(1, word.size() / 3) edits. ASCII case is ignored and a swap of two
/// adjacent letters is one edit. Ties go to the earlier candidate.
template <std::ranges::input_range Names>
    requires std::convertible_to<std::ranges::range_reference_t<const Names&>, std::string_view>
std::string closest_name(std::string_view word, const Names& names) {
    const std::string lower_word = ascii_lower(word);
    const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
    std::size_t best = std::numeric_limits<std::size_t>::max();
    std::string best_name;
    for (const auto& candidate : names) {
        const std::string_view name = candidate;
        const std::size_t d = edit_distance(lower_word, ascii_lower(name), true);
        if (d <= limit && d < best) {
            best = d;
            best_name = std::string(name);
        }
    }
    return best_name;
}

/// " (did you mean 'conv'?)" naming the candidate closest to `word`, or ""
/// when nothing is close; append it to an "unknown name" message.
template <std::ranges::input_range Names>
    requires std::convertible_to<std::ranges::range_reference_t<const Names&>, std::string_view>
std::string did_you_mean(std::string_view word, const Names& names) {
    const std::string best = closest_name(word, names);
    return best.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", best);
}

/// did_you_mean for a braced list of names: did_you_mean(w, {"a", "b"}).
inline std::string did_you_mean(std::string_view word, std::initializer_list<std::string_view> names) {
    return did_you_mean<std::initializer_list<std::string_view>>(word, names);
}

}  // namespace evonas::detail
