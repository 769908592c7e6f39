// evonas: umbrella header for the core library.
//
// The only include you need for the core. It never includes the optional
// parts: add <evonas/libtorch/libtorch.hpp> or <evonas/mpi/mpi.hpp> (and link
// evonas::libtorch / evonas::mpi) to use them.
#pragma once

#include <evonas/error.hpp>
#include <evonas/version.hpp>
