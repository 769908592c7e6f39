# cmake -DSOURCE=.. -DBINARY=.. -DGENERATOR=.. -DOPTIONS=a|b|c [-DEXPECT_FAIL=regex] -P run_consumer.cmake
# Configures, builds and runs a consumer project. With EXPECT_FAIL, the
# configure step must fail and its output must match the regex.
string(REPLACE "|" ";" options "${OPTIONS}")
file(REMOVE_RECURSE "${BINARY}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${SOURCE}" -B "${BINARY}" -G "${GENERATOR}" ${options}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(EXPECT_FAIL)
  if(rc EQUAL 0)
    message(FATAL_ERROR "configure succeeded but was expected to fail with '${EXPECT_FAIL}'\n${out}${err}")
  endif()
  if(NOT "${out}${err}" MATCHES "${EXPECT_FAIL}")
    message(FATAL_ERROR "configure failed without the expected message '${EXPECT_FAIL}':\n${out}${err}")
  endif()
  message(STATUS "configure failed as expected:\n${err}")
  return()
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configure failed:\n${out}${err}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BINARY}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "build failed:\n${out}${err}")
endif()
execute_process(COMMAND "${BINARY}/consumer"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "consumer printed:\n${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer exited with ${rc}")
endif()
