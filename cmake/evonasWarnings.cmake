# evonas_target_warnings(<target>): the warnings evonas's own tests, examples
# and benchmarks build with. Not applied to users' targets.
function(evonas_target_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                             -Wnon-virtual-dtor -Winvalid-pch
                                             # designated initialisers leave fields at their defaults on purpose
                                             -Wno-missing-field-initializers)
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ 12 reports a std::function member of a nested designated
    # initialiser (StopCriteria::callback) as maybe-uninitialized: a false
    # positive (GCC bug 107919 family).
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()
