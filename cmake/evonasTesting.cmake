# Helpers for evonas's own tests: one executable per test area.
#
# evonas_add_test(<name> SOURCES <files...> [LIBRARIES <libs...>] [LABELS <labels...>])
#   A Catch2 executable linked with Debian's prebuilt Catch2::Catch2WithMain
#   (its main takes ~19 s to compile), each TEST_CASE registered with ctest.
function(evonas_add_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;LIBRARIES;LABELS")
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_LIBRARIES} Catch2::Catch2WithMain)
  evonas_target_warnings(${name})
  catch_discover_tests(${name}
    TEST_PREFIX "${name}: "
    PROPERTIES LABELS "${arg_LABELS}" TIMEOUT 300)
endfunction()

# evonas_add_mpi_test(<name> RANKS <n> COMMAND <exe> [args...] [TIMEOUT <s>] [EXPECT_FAILURE])
#   Runs <exe> under mpiexec with <n> ranks. Running as root and with more
#   ranks than cores are allowed for this test only (OpenMPI refuses both by
#   default); a hung rank fails the test at TIMEOUT instead of hanging CI.
#   EXPECT_FAILURE: the job must fail (any non-zero exit or signal), quickly.
function(evonas_add_mpi_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "EXPECT_FAILURE" "RANKS;TIMEOUT" "COMMAND")
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 120)
  endif()
  set(extra "")
  if(MPIEXEC_EXECUTABLE MATCHES "mpiexec|mpirun|orterun")
    execute_process(COMMAND "${MPIEXEC_EXECUTABLE}" --version
                    OUTPUT_VARIABLE version ERROR_QUIET)
    if(version MATCHES "Open MPI|OpenRTE")
      set(extra --allow-run-as-root --oversubscribe)
    endif()
  endif()
  list(POP_FRONT arg_COMMAND exe)
  set(invert "")
  if(arg_EXPECT_FAILURE)
    # WILL_FAIL would count a rank killed by a signal as a failure; "!" does not.
    set(invert bash -c "! \"\$@\"" evonas_expect_failure)
  endif()
  add_test(NAME ${name}
           COMMAND ${invert} "${MPIEXEC_EXECUTABLE}" ${MPIEXEC_NUMPROC_FLAG} ${arg_RANKS} ${extra}
                   ${MPIEXEC_PREFLAGS} "$<TARGET_FILE:${exe}>" ${MPIEXEC_POSTFLAGS} ${arg_COMMAND})
  # Under AddressSanitizer, OpenMPI's own allocations at exit are reported as
  # leaks; evonas's code is checked for leaks by the core tests.
  set_tests_properties(${name} PROPERTIES TIMEOUT ${arg_TIMEOUT} LABELS "mpi"
                       PROCESSORS ${arg_RANKS}
                       ENVIRONMENT "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1")
endfunction()
