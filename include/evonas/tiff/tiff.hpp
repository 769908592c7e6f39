// evonas::tiff: multi-page TIFF stacks as [pages, height, width] NpyArray
// (read_tiff_stack, parse_tiff_stack). Needs libtiff (CMake target
// evonas::tiff, option EVONAS_WITH_TIFF).
#pragma once

#include <evonas/tiff/read_stack.hpp>
