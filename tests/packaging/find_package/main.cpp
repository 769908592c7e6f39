// Uses what it asked find_package for, and checks the version it got.
#include <evonas/evonas.hpp>
#ifdef CONSUMER_USES_LIBTORCH
#include <evonas/libtorch/libtorch.hpp>
#endif
#ifdef CONSUMER_USES_MPI
#include <evonas/mpi/mpi.hpp>
#endif
#ifdef CONSUMER_USES_HDF5
#include <evonas/hdf5/hdf5.hpp>
#endif
#ifdef CONSUMER_USES_TIFF
#include <evonas/tiff/tiff.hpp>
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
#ifdef CONSUMER_USES_HDF5
    try {  // links and runs the reader: a missing file is an IoError
        (void)evonas::read_hdf5_dataset("consumer-missing.h5", "x");
        return 1;
    } catch (const evonas::IoError& e) {
        std::printf("hdf5 component linked (HDF5 %d.%d.%d): %s\n", H5_VERS_MAJOR, H5_VERS_MINOR, H5_VERS_RELEASE, e.what());
    }
#endif
#ifdef CONSUMER_USES_TIFF
    try {
        (void)evonas::parse_tiff_stack("not a tiff", "consumer.tif");
        return 1;
    } catch (const evonas::ParseError& e) {
        std::printf("tiff component linked (%s): %s\n", TIFFGetVersion(), e.what());
    }
#endif
    return std::strcmp(EXPECTED_VERSION, evonas::version_string().c_str()) == 0 ? 0 : 1;
}
