// evonas::mpi: umbrella header of the optional Boost.MPI part: the MPI
// driver (evolve over the ranks of a communicator: island masters and
// workers) and the facts about the MPI job.
//
// Link evonas::mpi (find_package(evonas CONFIG COMPONENTS mpi)).
#pragma once

#include <evonas/evonas.hpp>
#include <evonas/mpi/evolve.hpp>
#include <evonas/mpi/layout.hpp>
#include <evonas/mpi/options.hpp>
#include <evonas/mpi/runtime.hpp>
#include <evonas/mpi/wire.hpp>

/// \namespace evonas::mpi
/// The optional MPI driver: evolve() runs on every rank of a communicator,
/// each island's lowest rank its master and the others its workers; plus
/// facts about the MPI job (rank_info(), node_count(), make_layout()).
/// Functions marked collective must be called by every rank of the
/// communicator.
