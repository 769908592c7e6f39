// evonas::mpi: facts about the MPI job this process belongs to.
//
// Optional part: include it only when linking evonas::mpi.
#pragma once

#include <string>

#include <boost/mpi/communicator.hpp>
#include <mpi.h>

#include <evonas/error.hpp>

namespace evonas::mpi {

/// Where this rank sits in the job (see rank_info()). Thread safety: a plain value.
struct RankInfo {
    int rank = 0;             ///< rank in the communicator
    int size = 1;             ///< ranks in the communicator
    int node_rank = 0;        ///< rank among the ranks on this node (pick a GPU with it)
    int node_size = 1;        ///< ranks on this node
    std::string node_name;    ///< this node's processor name
    std::string library;      ///< the MPI library's version string
};

/// The MPI library's version string (e.g. "Open MPI v4.1.4, ..."). MPI
/// allows this call before MPI_Init, so it works in any process. Not
/// collective.
inline std::string library_version() {
    char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
    int length = 0;
    MPI_Get_library_version(text, &length);
    std::string version(text, static_cast<std::size_t>(length));
    while (!version.empty() && (version.back() == '\n' || version.back() == '\0')) {
        version.pop_back();
    }
    return version;
}

/// Collective over `comm`: every rank must call it. Splits the communicator
/// by shared-memory node (MPI_Comm_split_type) to find the node-local rank.
/// Returns this rank's facts (they differ per rank).
inline RankInfo rank_info(const boost::mpi::communicator& comm) {
    RankInfo info;
    info.rank = comm.rank();
    info.size = comm.size();

    MPI_Comm node_comm = MPI_COMM_NULL;
    if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, info.rank, MPI_INFO_NULL,
                            &node_comm) != MPI_SUCCESS) {
        throw Error("MPI_Comm_split_type failed: cannot find the node-local rank");
    }
    MPI_Comm_rank(node_comm, &info.node_rank);
    MPI_Comm_size(node_comm, &info.node_size);
    MPI_Comm_free(&node_comm);

    char name[MPI_MAX_PROCESSOR_NAME] = {};
    int name_length = 0;
    MPI_Get_processor_name(name, &name_length);
    info.node_name.assign(name, static_cast<std::size_t>(name_length));

    info.library = library_version();
    return info;
}

}  // namespace evonas::mpi
