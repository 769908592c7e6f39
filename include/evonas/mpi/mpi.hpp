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
