# evonas_resolve_component(<name> <option-var>
#     FIND_ARGS <args for find_package>  FOUND_VAR <var>
#     [THEN_FIND_ARGS <args> THEN_FOUND_VAR <var>]
#     WHAT <what to install>)
#
# Resolves an AUTO/ON/OFF option into EVONAS_HAVE_<NAME> (ON or OFF) and
# says at configure time what was found and what is skipped. ON makes a
# missing dependency a configure error; AUTO skips the component.
function(evonas_resolve_component name option)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "FOUND_VAR;THEN_FOUND_VAR;WHAT"
                        "FIND_ARGS;THEN_FIND_ARGS")
  string(TOUPPER "${name}" upper)
  string(TOUPPER "${${option}}" mode)
  if(NOT mode MATCHES "^(AUTO|ON|OFF|TRUE|FALSE|YES|NO|1|0)$")
    message(FATAL_ERROR "${option} must be AUTO, ON or OFF, got '${${option}}'")
  endif()
  set(have OFF)
  if(mode MATCHES "^(OFF|FALSE|NO|0)$")
    message(STATUS "evonas: component ${name} skipped (${option}=OFF)")
  else()
    find_package(${arg_FIND_ARGS})
    set(found ${${arg_FOUND_VAR}})
    if(found AND arg_THEN_FIND_ARGS)
      find_package(${arg_THEN_FIND_ARGS})
      set(found ${${arg_THEN_FOUND_VAR}})
    endif()
    if(found)
      set(have ON)
      message(STATUS "evonas: component ${name} enabled")
    elseif(mode STREQUAL "AUTO")
      message(STATUS "evonas: component ${name} skipped: ${arg_WHAT} not found")
    else()
      message(FATAL_ERROR "evonas: ${option}=ON but ${arg_WHAT} was not found")
    endif()
  endif()
  set(EVONAS_HAVE_${upper} ${have} PARENT_SCOPE)
  # Imported targets are directory-scoped, so torch, MPI::MPI_CXX and
  # Boost::mpi found here are visible to the caller.
endfunction()
