# Helpers for evonas's own tests: one executable per test area.
#
# Build time: a test file's cost is almost all the engine's templates it
# instantiates, and the files of one executable instantiate the same ones.
# So each executable is one unity translation unit (test_run_files' five
# files: 37 s together at -O1, against 38 s for one of them alone and 71 s
# at -O3; g++ 12, measured in docs/building.md), compiled with
# EVONAS_TEST_CXX_FLAGS after the build type's flags.
#
# EVONAS_TEST_SET picks which executables a build makes: "all", or the set
# a sanitizer preset runs ("asan", "tsan"): building every test three times
# (Release, ASan, TSan) took CI past its 90 minutes, and most executables
# exercise no code a sanitizer sees differently (docs/building.md).
set(EVONAS_TEST_SET all CACHE STRING
    "Which test executables to build: all, or the sanitizer set asan or tsan")
set_property(CACHE EVONAS_TEST_SET PROPERTY STRINGS all asan tsan)
if(NOT EVONAS_TEST_SET MATCHES "^(all|asan|tsan)$")
  message(FATAL_ERROR "EVONAS_TEST_SET is '${EVONAS_TEST_SET}'; expected all, asan or tsan")
endif()

# evonas_return_unless_in_test_set(<sets...>): a macro, so its return()
# leaves the calling function when EVONAS_TEST_SET is neither "all" nor one
# of <sets>.
macro(evonas_return_unless_in_test_set)
  if(NOT EVONAS_TEST_SET STREQUAL "all" AND NOT EVONAS_TEST_SET IN_LIST ARGN)
    return()
  endif()
endmacro()

set(EVONAS_TEST_CXX_FLAGS "-O1" CACHE STRING
    "Compile flags added after the build type's to evonas's test executables (not the LibTorch ones, which share a precompiled header)")

# evonas_test_target(<target> [TORCH_PCH]): the settings every test
# executable shares. TORCH_PCH: compile with the shared precompiled
# <torch/torch.h>, whose flags the target must keep (no EVONAS_TEST_CXX_FLAGS).
function(evonas_test_target target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "TORCH_PCH" "" "")
  evonas_target_warnings(${target})
  # Sources of one test area share one TU: the unity build's file-local
  # names must not clash (a clash is a compile error, never silent).
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 0)
  if(arg_TORCH_PCH)
    evonas_target_use_torch_pch(${target})
  elseif(EVONAS_TEST_CXX_FLAGS)
    separate_arguments(flags UNIX_COMMAND "${EVONAS_TEST_CXX_FLAGS}")
    target_compile_options(${target} PRIVATE ${flags})
  endif()
endfunction()

# evonas_add_test(<name> SOURCES <files...> [LIBRARIES <libs...>] [LABELS <labels...>]
#                 [TORCH_PCH] [SETS <asan|tsan...>])
#   A Catch2 executable linked with Debian's prebuilt Catch2::Catch2WithMain
#   (its main takes ~19 s to compile), each TEST_CASE registered with ctest.
#   SETS: the sanitizer sets that build it too (EVONAS_TEST_SET).
function(evonas_add_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "TORCH_PCH" "" "SOURCES;LIBRARIES;LABELS;SETS")
  evonas_return_unless_in_test_set(${arg_SETS})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_LIBRARIES} Catch2::Catch2WithMain)
  if(arg_TORCH_PCH)
    evonas_test_target(${name} TORCH_PCH)
  else()
    evonas_test_target(${name})
  endif()
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
  if(NOT TARGET ${exe})
    return()  # not in EVONAS_TEST_SET
  endif()
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
