// evonas::mpi: which rank is which: node facts, the island of every rank,
// each island's master (its lowest rank) and workers. Computed once, with
// collectives, when a run starts (every rank is alive then).
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include <boost/mpi/collectives/all_gather.hpp>
#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <fmt/format.h>

#include <evonas/error.hpp>
#include <evonas/mpi/options.hpp>
#include <evonas/mpi/runtime.hpp>

namespace evonas::mpi {

namespace detail {

/// Collective: each rank says whether its part of a step failed (`error`
/// non-empty). When any rank failed, every rank throws: the failing rank
/// rethrows its own exception (`own`, when given), the others an
/// evonas::Error naming the first failing rank. No rank is left waiting.
inline void agree(const boost::mpi::communicator& comm, const std::string& error,
                  std::exception_ptr own = nullptr) {
    std::vector<std::string> errors;
    boost::mpi::all_gather(comm, error, errors);
    for (std::size_t r = 0; r < errors.size(); ++r) {
        if (errors[r].empty()) continue;
        if (own) std::rethrow_exception(own);
        if (static_cast<int>(r) == comm.rank()) throw Error(errors[r]);
        throw Error(fmt::format("evonas::mpi: the run could not start: rank {} failed: {}", r, errors[r]));
    }
}

/// Runs `step` on this rank, then agree()s with the others on its outcome.
template <class Step>
void agree_on(const boost::mpi::communicator& comm, Step&& step) {
    std::string error;
    std::exception_ptr own;
    try {
        step();
    } catch (const std::exception& e) {
        error = e.what();
        own = std::current_exception();
    } catch (...) {
        error = "an exception that is not a std::exception";
        own = std::current_exception();
    }
    agree(comm, error, own);
}

}  // namespace detail

/// Collective over `comm`: the number of nodes (shared-memory domains) it
/// spans, e.g. to set islands = node_count(world) for one island per node.
/// Every rank gets the same number.
inline int node_count(const boost::mpi::communicator& comm) {
    const auto info = rank_info(comm);
    const int leader = info.node_rank == 0 ? 1 : 0;
    int nodes = 0;
    boost::mpi::all_reduce(comm, leader, nodes, std::plus<int>());
    return nodes;
}

/// The layout of a run: every rank's island, each island's master and
/// workers, and this rank's place. Thread safety: a plain value.
struct Layout {
    std::size_t islands = 1;                   ///< number of islands
    std::vector<std::size_t> island_of_rank;   ///< per rank
    std::vector<int> masters;                  ///< per island: its master's rank
    std::vector<std::vector<int>> workers;     ///< per island: its workers' ranks, ascending
    RankPlace place;                           ///< this rank

    /// True when `rank` is some island's master.
    bool is_master(int rank) const {
        return std::find(masters.begin(), masters.end(), rank) != masters.end();
    }
    /// Worker ranks over all islands.
    std::size_t worker_count() const {
        std::size_t n = 0;
        for (const auto& w : workers) n += w.size();
        return n;
    }
};

/// Collective over `comm`: finds the node of every rank, applies `mapping`
/// and checks that every island has a master and at least one worker
/// (ConfigError on every rank otherwise). Each rank gets the same layout
/// except `place`, which is its own.
inline Layout make_layout(const boost::mpi::communicator& comm, std::size_t islands, const IslandMapping& mapping) {
    const auto info = rank_info(comm);
    std::vector<std::string> names;
    boost::mpi::all_gather(comm, info.node_name, names);
    std::vector<int> node_of(names.size(), 0);
    std::vector<std::string> nodes;
    for (std::size_t r = 0; r < names.size(); ++r) {
        auto it = std::find(nodes.begin(), nodes.end(), names[r]);
        if (it == nodes.end()) it = nodes.insert(nodes.end(), names[r]);
        node_of[r] = static_cast<int>(it - nodes.begin());
    }

    Layout layout;
    layout.islands = islands;
    auto& p = layout.place;
    p.rank = info.rank;
    p.size = info.size;
    p.node = node_of[static_cast<std::size_t>(info.rank)];
    p.node_count = static_cast<int>(nodes.size());
    p.node_rank = info.node_rank;
    p.node_size = info.node_size;
    p.node_name = info.node_name;

    std::size_t island = 0;
    detail::agree_on(comm, [&] {
        island = mapping(p, islands);
        if (island >= islands) {
            throw ConfigError("mpi::RunOptions.island_of",
                              fmt::format("mapped rank {} to island {}, but the run has {} islands", p.rank, island,
                                          islands));
        }
    });
    std::vector<std::size_t> all;
    boost::mpi::all_gather(comm, island, all);
    layout.island_of_rank = all;

    layout.masters.assign(islands, -1);
    layout.workers.assign(islands, {});
    for (std::size_t r = 0; r < all.size(); ++r) {
        auto& master = layout.masters[all[r]];
        if (master < 0) {
            master = static_cast<int>(r);
        } else {
            layout.workers[all[r]].push_back(static_cast<int>(r));
        }
    }
    for (std::size_t i = 0; i < islands; ++i) {
        if (layout.masters[i] < 0 || layout.workers[i].empty()) {
            throw ConfigError(
                "mpi::RunOptions.island_of",
                fmt::format("island {} has {} rank(s); every island needs a master and at least one worker "
                            "({} ranks for {} islands: run with more ranks or fewer islands)",
                            i, layout.masters[i] < 0 ? 0 : 1, comm.size(), islands));
        }
    }

    p.island = island;
    p.master = layout.masters[island] == p.rank;
    if (!p.master) {
        const auto& mine = layout.workers[island];
        p.worker = static_cast<std::size_t>(std::find(mine.begin(), mine.end(), p.rank) - mine.begin());
        for (int r = 0; r < p.rank; ++r) {
            if (node_of[static_cast<std::size_t>(r)] == p.node && !layout.is_master(r)) ++p.node_worker;
        }
    }
    return layout;
}

}  // namespace evonas::mpi
