// How tests/core/data/evonas-0.1-run was made (kept for the record; not
// built): compiled against evonas 0.1's headers (commit ea8d1ae) with
//   g++ -std=c++20 -I<0.1>/include -I<0.1>/tests/core make_evonas_0.1_run.cpp -lfmt -pthread
// then `run 24` (checkpoint at 24 jobs, saved), `run 30 resume`, and the
// 24-job checkpoint put back: a run that crashed after a checkpoint, with
// six finished jobs in the log the checkpoint does not cover.
#include <evonas/evonas.hpp>
#include <iostream>
#include "support/spaces.hpp"
#include "support/trainers.hpp"
int main(int argc, char** argv) {
    using namespace evonas;
    const auto space = test::small_space();
    const auto target = parse_genome("conv(k=3) conv(k=5) | dense(u=128)", space);
    RunOptions o;
    o.evolution.islands = 2;
    o.evolution.seed = 21;
    o.evolution.stop.max_evaluations = std::stoul(argv[2]);
    o.resume = argc > 3;
    o.workers = 1;
    o.run_dir = argv[1];
    o.checkpoint_interval = 12;
    o.progress = false;
    evolve(space, [&](std::size_t) { return test::TargetTrainer{target, &space}; }, o,
           {parse_genome("conv(k=3) | dense(u=64)", space)});
    return 0;
}
