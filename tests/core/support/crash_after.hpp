// Test support: an observer that throws once the run has finished a number
// of jobs, the way a crash would end it (for resume tests).
#pragma once

#include <evonas/engine/observer.hpp>
#include <evonas/genome/genome.hpp>

#include <cstdint>
#include <stdexcept>

namespace evonas::test {

/// Throws "simulated crash" from on_finished once `limit` jobs are finished.
struct CrashAfter : Observer<Genome<LayerGene>> {
    std::uint64_t limit;
    explicit CrashAfter(std::uint64_t n) : limit(n) {}
    void on_finished(const JobRecord<Genome<LayerGene>>&, const Progress& p) override {
        if (p.counts.finished >= limit) throw std::runtime_error("simulated crash");
    }
};

}  // namespace evonas::test
