// Uses what it asked find_package for, and checks the version it got.
#include <evonas/evonas.hpp>
#ifdef CONSUMER_USES_LIBTORCH
#include <evonas/libtorch/libtorch.hpp>
#endif
#ifdef CONSUMER_USES_MPI
#include <evonas/mpi/mpi.hpp>
#endif

#include <cstdio>
#include <cstring>

int main() {
    std::printf("evonas %s\n", evonas::version_string().c_str());
#ifdef CONSUMER_USES_LIBTORCH
    std::printf("libtorch %s\n", evonas::libtorch::runtime_info().torch_version.c_str());
#endif
#ifdef CONSUMER_USES_MPI
    std::printf("mpi component linked (MPI %d.%d)\n", MPI_VERSION, MPI_SUBVERSION);
#endif
    return std::strcmp(EXPECTED_VERSION, evonas::version_string().c_str()) == 0 ? 0 : 1;
}
