// The benchmarks' reading of this process's resident memory.
#pragma once

#include <fstream>
#include <string>

namespace evonas::bench {

/// This process's resident memory in bytes (VmRSS of /proc/self/status),
/// 0 where /proc is missing.
inline double resident_bytes() {
    std::ifstream in("/proc/self/status");
    std::string key;
    while (in >> key) {
        if (key == "VmRSS:") {
            double kb = 0;
            in >> kb;
            return kb * 1024.0;
        }
        std::getline(in, key);
    }
    return 0.0;
}

}  // namespace evonas::bench
