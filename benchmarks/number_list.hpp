// Benchmarks' command lines: a comma-separated list of counts ("1,2,4").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace evonas::bench {

/// The numbers of "1,2,4"; std::invalid_argument / std::out_of_range (from
/// std::stoul) for an item that is not a number.
inline std::vector<std::size_t> parse_number_list(std::string_view text) {
    std::vector<std::size_t> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        out.push_back(static_cast<std::size_t>(std::stoul(std::string(text.substr(0, comma)))));
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    }
    return out;
}

}  // namespace evonas::bench
