// Test support for the MPI driver's tests: a run directory shared by the
// ranks, lineage comparisons, and small trainers.
#pragma once

#include <evonas/mpi/mpi.hpp>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "support/lineage.hpp"  // job_lines()
#include "support/spaces.hpp"
#include "support/trainers.hpp"

namespace evonas::test {

/// A temporary directory made by rank 0 (which alone writes run files) and
/// known to every rank; rank 0 removes it at scope exit.
class SharedTempDir {
public:
    SharedTempDir(const boost::mpi::communicator& comm, const std::string& tag) {
        std::string path;
        if (comm.rank() == 0) {
            dir_.emplace(tag);
            path = dir_->path().string();
        }
        boost::mpi::broadcast(comm, path, 0);
        path_ = path;
    }
    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::optional<TempDir> dir_;
    std::filesystem::path path_;
};

/// job_lines() ordered by job id (islands in other processes finish in
/// their own order).
inline std::vector<std::string> job_lines_by_id(const std::filesystem::path& path) {
    auto lines = job_lines(path);
    std::sort(lines.begin(), lines.end(), [](const std::string& a, const std::string& b) {
        return nlohmann::json::parse(a).at("id").get<std::uint64_t>() <
               nlohmann::json::parse(b).at("id").get<std::uint64_t>();
    });
    return lines;
}

/// True when every rank of `comm` passes the same value.
template <class T>
bool same_on_all_ranks(const boost::mpi::communicator& comm, const T& value) {
    std::vector<T> all;
    boost::mpi::all_gather(comm, value, all);
    return std::all_of(all.begin(), all.end(), [&](const T& v) { return v == value; });
}

}  // namespace evonas::test
