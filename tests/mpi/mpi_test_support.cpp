// Test support for MPI tests linked with Catch2::Catch2WithMain:
// - MPI is initialised before main and finalised after it (a static
//   environment), so Debian's prebuilt Catch main can be used;
// - a rank whose test case fails aborts the whole job, so ranks waiting on
//   it do not hang until ctest's TIMEOUT (platform-notes.md).
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <boost/mpi/environment.hpp>

#include <cstdio>
#include <iostream>

namespace {

boost::mpi::environment mpi_environment;

struct AbortJobOnFailure : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;

    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        if (stats.totals.assertions.failed > 0 || stats.totals.testCases.failed > 0) {
            std::cout.flush();
            std::cerr << "rank failed '" << stats.testInfo.name << "': aborting the MPI job\n";
            std::cerr.flush();
            mpi_environment.abort(1);
        }
    }
};

}  // namespace

CATCH_REGISTER_LISTENER(AbortJobOnFailure)
