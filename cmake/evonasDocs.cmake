# API reference (docs/api.md): Doxygen on the headers' comments.
#
# EVONAS_BUILD_API_DOCS: AUTO (on when Doxygen is found), ON (Doxygen
# required) or OFF; AUTO by default when evonas is the top-level project.
# When on, the target evonas_api_docs (not built by default) writes the HTML
# into <build>/docs/api, and with the tests the ctest test api_docs runs
# Doxygen and fails on any warning, such as an undocumented public symbol.
#
# Included from CMakeLists.txt. Also run as a script by that target and test:
#   cmake -DDOXYGEN=<exe> -DDOXYFILE=<file> -DLOG=<file> -P evonasDocs.cmake
# which runs Doxygen, prints its warnings and fails when there are any.

if(CMAKE_SCRIPT_MODE_FILE)
  file(REMOVE "${LOG}")
  execute_process(COMMAND "${DOXYGEN}" "${DOXYFILE}" RESULT_VARIABLE rc)
  set(warnings "")
  if(EXISTS "${LOG}")
    file(STRINGS "${LOG}" warnings)
    list(REMOVE_DUPLICATES warnings)  # Doxygen may report a symbol twice
  endif()
  list(LENGTH warnings count)
  if(count GREATER 0 OR NOT rc EQUAL 0)
    list(JOIN warnings "\n" text)
    message(NOTICE "${text}")
    message(FATAL_ERROR "evonas: API reference check failed: Doxygen exit status ${rc}, "
                        "${count} warning(s) above, also in ${LOG}. Document every public "
                        "symbol: docs/api.md")
  endif()
  return()
endif()

set(_evonas_api_docs_default OFF)
if(PROJECT_IS_TOP_LEVEL)
  set(_evonas_api_docs_default AUTO)
endif()
set(EVONAS_BUILD_API_DOCS ${_evonas_api_docs_default} CACHE STRING
    "Build the API reference with Doxygen (target evonas_api_docs, test api_docs): ON (required), OFF, or AUTO (on when Doxygen is found)")
set_property(CACHE EVONAS_BUILD_API_DOCS PROPERTY STRINGS AUTO ON OFF)

string(TOUPPER "${EVONAS_BUILD_API_DOCS}" _evonas_api_docs_mode)
if(NOT _evonas_api_docs_mode MATCHES "^(AUTO|ON|OFF|TRUE|FALSE|YES|NO|1|0)$")
  message(FATAL_ERROR "EVONAS_BUILD_API_DOCS must be AUTO, ON or OFF, got '${EVONAS_BUILD_API_DOCS}'")
endif()
set(EVONAS_HAVE_API_DOCS OFF)
# 1.9.4 (Debian 12) is the version the check is tested with; older ones lack
# options docs/Doxyfile.in sets (WARN_IF_INCOMPLETE_DOC).
set(_evonas_api_docs_what "Doxygen 1.9.4 or newer (Debian: doxygen)")
if(_evonas_api_docs_mode MATCHES "^(OFF|FALSE|NO|0)$")
  message(STATUS "evonas: API reference skipped (EVONAS_BUILD_API_DOCS=OFF)")
else()
  find_package(Doxygen 1.9.4 QUIET)
  if(DOXYGEN_FOUND)
    set(EVONAS_HAVE_API_DOCS ON)
    message(STATUS "evonas: API reference enabled (target evonas_api_docs, Doxygen ${DOXYGEN_VERSION})")
  elseif(_evonas_api_docs_mode STREQUAL "AUTO")
    message(STATUS "evonas: API reference skipped: ${_evonas_api_docs_what} not found")
  else()
    message(FATAL_ERROR "evonas: EVONAS_BUILD_API_DOCS=ON but ${_evonas_api_docs_what} was not found")
  endif()
endif()

if(EVONAS_HAVE_API_DOCS)
  # Used by docs/Doxyfile.in.
  set(EVONAS_API_DOCS_DIR "${PROJECT_BINARY_DIR}/docs/api")
  set(EVONAS_API_DOCS_LOG "${PROJECT_BINARY_DIR}/docs/doxygen-warnings.log")
  set(_evonas_doxyfile "${PROJECT_BINARY_DIR}/docs/Doxyfile")
  configure_file("${PROJECT_SOURCE_DIR}/docs/Doxyfile.in" "${_evonas_doxyfile}" @ONLY)

  # Doxygen takes about a second, so the target simply runs it every time.
  set(_evonas_run_doxygen
    "${CMAKE_COMMAND}" "-DDOXYGEN=${DOXYGEN_EXECUTABLE}"
    "-DDOXYFILE=${_evonas_doxyfile}" "-DLOG=${EVONAS_API_DOCS_LOG}"
    -P "${CMAKE_CURRENT_LIST_FILE}")
  add_custom_target(evonas_api_docs
    COMMAND ${_evonas_run_doxygen}
    WORKING_DIRECTORY "${PROJECT_BINARY_DIR}/docs"
    COMMENT "Generating the API reference in ${EVONAS_API_DOCS_DIR}"
    VERBATIM)

  if(EVONAS_BUILD_TESTS)
    add_test(NAME api_docs
             COMMAND ${_evonas_run_doxygen}
             WORKING_DIRECTORY "${PROJECT_BINARY_DIR}/docs")
    set_tests_properties(api_docs PROPERTIES LABELS docs TIMEOUT 120)
  endif()
endif()
