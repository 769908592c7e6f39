// Trainer throughput: samples per second of CnnTrainer for a 1-D, a 2-D and a 3-D
// network (the same networks benchmarks/bench_trainer.py trains in Python
// PyTorch), and the total throughput of 1 vs 2 workers (threads, one
// CnnTrainer each) in one process. Prints one JSON object.
//
//     LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 build/benchmarks/bench_trainer
//         [--steps 60] [--batch 64] [--repeats 3] [--threads 1] [--nets-only | --workers-only]
//
// Use benchmarks/bench_trainer.py to run this and the Python side together
// and get the ratios. Nothing here asserts a time.
#include <evonas/libtorch/libtorch.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace {

namespace lt = evonas::libtorch;

struct Net {
    std::string name;
    int dims;
    evonas::CnnDataShape shape;
    std::string genome;
};

// Keep in step with NETS in bench_trainer.py.
const std::vector<Net> nets = {
    {"cnn1d", 1, {2, {256}, 5},
     "conv(k=5,s=1,f=32,pad=same,act=relu,bn=1) pool(type=max,k=2,s=2) conv(k=3,s=1,f=64,pad=same,act=relu,bn=1) "
     "pool(type=max,k=2,s=2) | dense(u=128,act=relu) dropout(p=0.5)"},
    {"cnn2d", 2, {3, {32, 32}, 10},
     "conv(k=3,s=1,f=32,pad=same,act=relu,bn=1) pool(type=max,k=2,s=2) conv(k=3,s=1,f=64,pad=same,act=relu,bn=1) "
     "pool(type=max,k=2,s=2) | dense(u=128,act=relu) dropout(p=0.5)"},
    {"cnn3d", 3, {1, {16, 16, 16}, 2},
     "conv(k=3,s=1,f=16,pad=same,act=relu,bn=1) pool(type=max,k=2,s=2) conv(k=3,s=1,f=32,pad=same,act=relu,bn=1) "
     "pool(type=max,k=2,s=2) | dense(u=128,act=relu) dropout(p=0.5)"},
};

lt::Dataset synthetic(const evonas::CnnDataShape& shape, std::int64_t n, std::uint64_t seed) {
    auto gen = lt::make_cpu_generator(seed);
    std::vector<std::int64_t> sizes{n, shape.channels};
    sizes.insert(sizes.end(), shape.spatial.begin(), shape.spatial.end());
    return lt::make_dataset(torch::randn(sizes, gen), torch::randint(0, shape.classes, {n}, gen, torch::kInt64),
                            shape.classes);
}

struct Setup {
    const Net* net;
    evonas::SearchSpace space;
    evonas::Genome<> genome;
    lt::Dataset train;
    lt::Dataset validation;
};

lt::TrainerOptions options_for(std::int64_t steps, std::int64_t batch, int threads) {
    return {.epochs = 1, .max_steps = steps, .batch_size = batch, .learning_rate = 0.01,
            .optimizer = lt::OptimizerKind::sgd, .momentum = 0.9, .weight_decay = 0.0,
            .intra_op_threads = threads};
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    std::int64_t steps = 60, batch = 64;
    int repeats = 3, threads = 1;
    bool nets_part = true, workers_part = true;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--nets-only" || flag == "--workers-only") {
            (flag == "--nets-only" ? workers_part : nets_part) = false;
            continue;
        }
        const long value = i + 1 < argc ? std::strtol(argv[++i], nullptr, 10) : 0;
        if (flag == "--steps") steps = value;
        else if (flag == "--batch") batch = value;
        else if (flag == "--repeats") repeats = static_cast<int>(value);
        else if (flag == "--threads") threads = static_cast<int>(value);
        else {
            std::cerr << "usage: bench_trainer [--steps N] [--batch N] [--repeats N] [--threads N] "
                         "[--nets-only | --workers-only]\n";
            return 2;
        }
    }
    const char* preload = std::getenv("LD_PRELOAD");
    nlohmann::json out{{"benchmark", "trainer"},
                       {"torch", evonas::libtorch::runtime_info().torch_version},
                       {"steps", steps},
                       {"batch", batch},
                       {"intra_op_threads", threads},
                       {"jemalloc", preload && std::strstr(preload, "jemalloc") != nullptr},
                       {"nets", nlohmann::json::array()},
                       {"workers", nlohmann::json::array()}};

    std::vector<Setup> setups;
    for (const auto& net : nets) {
        auto space = evonas::cnn_space(net.dims);
        auto genome = evonas::parse_genome(net.genome, space);
        setups.push_back({&net, space, genome, synthetic(net.shape, steps * batch, 1), synthetic(net.shape, 16, 2)});
    }

    // One network at a time: samples per second of training (the trainer's
    // own metric: the training loop only, not building or validation).
    for (auto& s : setups) {
        if (!nets_part) break;
        lt::CnnTrainer trainer(s.space, s.train, s.validation, options_for(steps, batch, threads));
        (void)trainer.evaluate(s.genome, {.job_id = 0, .seed = 1});  // warm-up
        std::vector<double> rates, cpu_rates;
        double params = 0;
        for (int r = 0; r < repeats; ++r) {
            // Process CPU time is less disturbed by other load on the machine
            // than wall time; it includes building and a 16-sample validation.
            const std::clock_t cpu0 = std::clock();
            const auto f = trainer.evaluate(s.genome, {.job_id = static_cast<std::uint64_t>(r + 1), .seed = 1});
            const double cpu = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
            if (!f.ok()) {
                std::cerr << s.net->name << ": " << f.reason << "\n";
                return 1;
            }
            rates.push_back(*f.metric("samples_per_second"));
            cpu_rates.push_back(*f.metric("steps") * static_cast<double>(batch) / cpu);
            params = *f.metric("params");
        }
        out["nets"].push_back({{"name", s.net->name},
                               {"genome", s.net->genome},
                               {"input", s.net->shape.to_string()},
                               {"params", params},
                               {"samples_per_second", rates},
                               {"median", median(rates)},
                               {"samples_per_cpu_second", cpu_rates},
                               {"cpu_median", median(cpu_rates)}});
    }

    // 1 vs 2 workers in one process, each training the same network for
    // the same steps: total samples per second over the wall time. The two
    // settings alternate, so both see the same load from the rest of the
    // machine.
    struct Figures {
        std::vector<double> totals, per_cpu, cores;
    };
    const auto measure = [&](const Setup& s, std::size_t workers, Figures& figures) {
        std::vector<lt::CnnTrainer> trainers;
        for (std::size_t w = 0; w < workers; ++w) {
            trainers.emplace_back(s.space, s.train, s.validation, options_for(steps, batch, threads), w);
        }
        std::vector<double> samples(workers, 0.0);
        std::latch start(static_cast<std::ptrdiff_t>(workers) + 1);
        std::vector<std::jthread> pool;
        for (std::size_t w = 0; w < workers; ++w) {
            pool.emplace_back([&, w] {
                (void)trainers[w].evaluate(s.genome, {.job_id = 100, .seed = 5});  // warm-up
                start.arrive_and_wait();
                const auto f = trainers[w].evaluate(s.genome, {.job_id = 101 + w, .seed = 7 + w});
                samples[w] = *f.metric("steps") * static_cast<double>(batch);
            });
        }
        start.arrive_and_wait();
        const auto t0 = std::chrono::steady_clock::now();
        const std::clock_t cpu0 = std::clock();
        pool.clear();  // joins
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double cpu = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
        double total = 0;
        for (double n : samples) total += n;
        figures.totals.push_back(total / seconds);
        figures.per_cpu.push_back(total / cpu);
        figures.cores.push_back(cpu / seconds);
    };
    for (const auto& s : setups) {
        if (!workers_part) break;
        Figures one, two;
        for (int r = 0; r < repeats; ++r) {
            measure(s, 1, one);
            measure(s, 2, two);
        }
        // cores_used: process CPU time / wall time. Below `workers`, the
        // machine's other load took the rest; samples per CPU-second equal
        // for 1 and 2 workers means nothing but free cores limits the
        // scaling (no allocator or lock contention).
        for (const auto& [workers, f] : {std::pair<std::size_t, const Figures*>{1, &one}, {2, &two}}) {
            out["workers"].push_back({{"net", s.net->name},
                                      {"workers", workers},
                                      {"samples_per_second_total", f->totals},
                                      {"median", median(f->totals)},
                                      {"samples_per_cpu_second", f->per_cpu},
                                      {"cpu_median", median(f->per_cpu)},
                                      {"cores_used", f->cores}});
        }
    }
    std::cout << out.dump(2) << std::endl;
    return 0;
}
