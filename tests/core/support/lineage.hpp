// Test support: a lineage log's job lines (and report lines) without what
// varies between runs and drivers (times and worker), for comparing two
// runs line by line.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace evonas::test {

inline std::vector<std::string> job_lines(const std::filesystem::path& path) {
    std::vector<std::string> lines;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line);
        if (j.at("type") != "job") continue;
        j.erase("start");
        j.erase("end");
        j.erase("worker");
        lines.push_back(j.dump());
    }
    return lines;
}

/// A lineage log's report lines (early stopping) without their time.
inline std::vector<std::string> report_lines(const std::filesystem::path& path) {
    std::vector<std::string> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line);
        if (j.at("type") != "report") continue;
        j.erase("time");
        out.push_back(j.dump());
    }
    return out;
}

}  // namespace evonas::test
