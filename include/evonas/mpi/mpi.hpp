// evonas::mpi: umbrella header of the optional Boost.MPI part.
//
// Link evonas::mpi (find_package(evonas CONFIG COMPONENTS mpi)).
#pragma once

#include <evonas/evonas.hpp>
#include <evonas/mpi/runtime.hpp>
