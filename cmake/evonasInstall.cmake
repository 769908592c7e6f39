# Install and export rules: evonas::evonas always, evonas::libtorch,
# evonas::mpi, evonas::hdf5 and evonas::tiff when built, each in its own export set so a consumer asking
# only for the core never needs LibTorch, MPI, HDF5 or libtiff.
include(CMakePackageConfigHelpers)

set(EVONAS_CMAKE_DIR "${CMAKE_INSTALL_DATADIR}/cmake/evonas"
    CACHE STRING "Where to install evonas's CMake package files (relative to the prefix)")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/evonas"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        PATTERN "libtorch" EXCLUDE
        PATTERN "mpi" EXCLUDE
        PATTERN "hdf5" EXCLUDE
        PATTERN "tiff" EXCLUDE)
install(TARGETS evonas EXPORT evonas-targets)
install(EXPORT evonas-targets NAMESPACE evonas:: DESTINATION "${EVONAS_CMAKE_DIR}")

set(EVONAS_INSTALLED_COMPONENTS "")
foreach(comp libtorch mpi hdf5 tiff)
  string(TOUPPER "${comp}" upper)
  if(EVONAS_HAVE_${upper})
    list(APPEND EVONAS_INSTALLED_COMPONENTS ${comp})
    install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/evonas/${comp}"
            DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/evonas")
    install(TARGETS evonas_${comp} EXPORT evonas-${comp}-targets)
    install(EXPORT evonas-${comp}-targets NAMESPACE evonas:: DESTINATION "${EVONAS_CMAKE_DIR}")
  endif()
endforeach()

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/evonas-config.cmake.in"
  "${PROJECT_BINARY_DIR}/evonas-config.cmake"
  INSTALL_DESTINATION "${EVONAS_CMAKE_DIR}")
# 0.x: minor versions may break the API.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/evonas-config-version.cmake"
  COMPATIBILITY SameMinorVersion
  ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/evonas-config.cmake"
              "${PROJECT_BINARY_DIR}/evonas-config-version.cmake"
        DESTINATION "${EVONAS_CMAKE_DIR}")
