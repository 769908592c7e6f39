// The genome type of the compile checks: a plain value with ==, and an
// empty space. Each check's source writes (or leaves out) its traits.
#pragma once

#include <evonas/evonas.hpp>

struct Mine {
    int x = 0;
    friend bool operator==(const Mine&, const Mine&) = default;
};
struct MineSpace {};
