# evonas_target_use_torch_pch(<target>): compile <target> with one shared
# precompiled <torch/torch.h>. A TU that includes LibTorch takes ~17 s here;
# with the PCH ~8-10 s (platform-notes.md). All users of the PCH must share
# compile flags, which evonas's own targets do.
function(evonas_target_use_torch_pch target)
  if(NOT TARGET evonas_torch_pch)
    add_library(evonas_torch_pch STATIC "${PROJECT_SOURCE_DIR}/cmake/evonas_torch_pch.cpp")
    target_link_libraries(evonas_torch_pch PUBLIC evonas::libtorch)
    target_precompile_headers(evonas_torch_pch PRIVATE <torch/torch.h>)
    evonas_target_warnings(evonas_torch_pch)
  endif()
  target_link_libraries(${target} PRIVATE evonas_torch_pch)
  target_precompile_headers(${target} REUSE_FROM evonas_torch_pch)
endfunction()
