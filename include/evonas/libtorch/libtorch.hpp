// evonas::libtorch: umbrella header of the optional LibTorch part.
//
// Link evonas::libtorch (find_package(evonas CONFIG COMPONENTS libtorch)).
#pragma once

#include <evonas/evonas.hpp>
#include <evonas/libtorch/runtime.hpp>
