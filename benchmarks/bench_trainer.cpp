// Trainer throughput: samples per second (wall) and per CPU-second of
// CnnTrainer for a 1-D, a 2-D and a 3-D network (the same networks
// benchmarks/bench_trainer.py trains in Python PyTorch), the total
// throughput of 1 vs several workers (threads, one CnnTrainer each) in one
// process, and the resident memory of W trainers sharing one data set.
// Prints one JSON object. `bench_trainer --help` lists the options.
//
// Use benchmarks/bench_trainer.py to run this and the Python side
// alternately and get the ratios with their spread. Nothing here asserts a
// time.
#include <evonas/libtorch/libtorch.hpp>

#include "resident_memory.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <latch>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace {

namespace lt = evonas::libtorch;

constexpr const char* usage =
    "usage: bench_trainer [--steps N] [--batch N] [--repeats N] [--threads N] [--net NAME]\n"
    "                     [--device cpu|cuda|cuda:N] [--workers W[,W...]]\n"
    "                     [--nets-only | --workers-only | --memory-only [--memory-workers W] [--memory-mb M]]\n"
    "\n"
    "CnnTrainer throughput on three networks (cnn1d, cnn2d, cnn3d: the ones\n"
    "benchmarks/bench_trainer.py trains in Python PyTorch); prints one JSON object.\n"
    "  --steps N          training steps per run (default 60)\n"
    "  --batch N          batch size (default 64)\n"
    "  --repeats N        runs per network after one warm-up run (default 3)\n"
    "  --threads N        intra-op threads per trainer (default 1)\n"
    "  --net NAME         only this network (cnn1d, cnn2d or cnn3d)\n"
    "  --device D         where the trainers train (default cpu)\n"
    "  --workers LIST     worker counts of the workers part, run alternately (default 1,2)\n"
    "  --nets-only        only the networks one at a time\n"
    "  --workers-only     only 1 vs several workers in one process\n"
    "  --memory-only      only the resident memory of --memory-workers trainers (default 4)\n"
    "                     made from one data set of about --memory-mb MiB (default 256)\n"
    "Run it with LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n"
    "MALLOC_CONF=oversize_threshold:0 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1, as\n"
    "bench_trainer.py does.\n";

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

struct Args {
    std::int64_t steps = 60, batch = 64;
    int repeats = 3, threads = 1;
    std::string net, device = "cpu";
    std::vector<std::size_t> workers{1, 2};
    bool nets_part = true, workers_part = true, memory_part = false;
    std::size_t memory_workers = 4;
    double memory_mb = 256;
};

lt::TrainerOptions options_for(const Args& a) {
    return {.epochs = 1, .max_steps = a.steps, .batch_size = a.batch, .learning_rate = 0.01,
            .optimizer = lt::OptimizerKind::sgd, .momentum = 0.9, .weight_decay = 0.0,
            .device = a.device, .intra_op_threads = a.threads};
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    if (v.empty()) return 0.0;
    const auto n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

using evonas::bench::resident_bytes;

std::vector<std::size_t> parse_list(const std::string& text) {
    std::vector<std::size_t> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto comma = text.find(',', start);
        out.push_back(std::stoul(text.substr(start, comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

// Returns false (after printing why) for a bad command line.
bool parse(int argc, char** argv, Args& a, bool& help) {
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            help = true;
            return true;
        }
        if (flag == "--nets-only") a.workers_part = false;
        else if (flag == "--workers-only") a.nets_part = false;
        else if (flag == "--memory-only") {
            a.memory_part = true;
            a.nets_part = a.workers_part = false;
        } else if (std::string_view(" --steps --batch --repeats --threads --net --device --workers --memory-workers "
                                    "--memory-mb ").find(" " + flag + " ") == std::string_view::npos) {
            std::cerr << "bench_trainer: unknown option " << flag << "\n" << usage;
            return false;
        } else if (i + 1 < argc) {
            const std::string value = argv[++i];
            try {
                if (flag == "--steps") a.steps = std::stoll(value);
                else if (flag == "--batch") a.batch = std::stoll(value);
                else if (flag == "--repeats") a.repeats = std::stoi(value);
                else if (flag == "--threads") a.threads = std::stoi(value);
                else if (flag == "--net") a.net = value;
                else if (flag == "--device") a.device = value;
                else if (flag == "--workers") a.workers = parse_list(value);
                else if (flag == "--memory-workers") a.memory_workers = std::stoul(value);
                else a.memory_mb = std::stod(value);  // --memory-mb
            } catch (const std::exception&) {
                std::cerr << "bench_trainer: " << flag << ": not a number: " << value << "\n" << usage;
                return false;
            }
        } else {
            std::cerr << "bench_trainer: " << flag << " needs a value\n" << usage;
            return false;
        }
    }
    if (a.steps < 1 || a.batch < 2 || a.repeats < 1 || a.threads < 1 || a.workers.empty() || a.memory_workers < 1) {
        std::cerr << "bench_trainer: --steps, --repeats, --threads, --workers must be >= 1 and --batch >= 2\n";
        return false;
    }
    if (!a.net.empty() && std::none_of(nets.begin(), nets.end(), [&](const Net& n) { return n.name == a.net; })) {
        std::cerr << "bench_trainer: --net " << a.net << ": not cnn1d, cnn2d or cnn3d\n";
        return false;
    }
    return true;
}

// W trainers made from one data set (the stratified split each trainer
// asks for): resident memory before and after, in data-set sizes.
nlohmann::json memory_part(const Args& a) {
    const auto& net = nets[1];  // cnn2d: 3x32x32 floats, 12 KiB a sample
    const auto sample_bytes = 4.0 * 3 * 32 * 32;
    const auto n = static_cast<std::int64_t>(a.memory_mb * 1024 * 1024 / sample_bytes);
    const auto space = evonas::cnn_space(net.dims);
    const auto data = synthetic(net.shape, n, 3);
    const double data_bytes = static_cast<double>(data.inputs.numel() * 4 + data.labels.numel() * 8);
    const double before = resident_bytes();
    std::vector<lt::CnnTrainer> trainers;
    for (std::size_t w = 0; w < a.memory_workers; ++w) trainers.emplace_back(space, data, options_for(a), w);
    const double after = resident_bytes();
    return {{"workers", a.memory_workers},
            {"samples", n},
            {"data_mib", data_bytes / 1048576.0},
            {"rss_before_mib", before / 1048576.0},
            {"rss_after_mib", after / 1048576.0},
            {"added_mib", (after - before) / 1048576.0},
            {"added_in_data_sets", (after - before) / data_bytes}};
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    bool help = false;
    if (!parse(argc, argv, args, help)) return 2;
    if (help) {
        std::fputs(usage, stdout);
        return 0;
    }
    const char* preload = std::getenv("LD_PRELOAD");
    const char* malloc_conf = std::getenv("MALLOC_CONF");
    nlohmann::json out{{"benchmark", "trainer"},
                       {"torch", evonas::libtorch::runtime_info().torch_version},
                       {"device", args.device},
                       {"steps", args.steps},
                       {"batch", args.batch},
                       {"intra_op_threads", args.threads},
                       {"jemalloc", preload && std::strstr(preload, "jemalloc") != nullptr},
                       {"malloc_conf", malloc_conf ? nlohmann::json(malloc_conf) : nlohmann::json(nullptr)},
                       {"nets", nlohmann::json::array()},
                       {"workers", nlohmann::json::array()}};
    if (args.memory_part) {
        out["memory"] = memory_part(args);
        std::cout << out.dump(2) << std::endl;
        return 0;
    }

    std::vector<Setup> setups;
    for (const auto& net : nets) {
        if (!args.net.empty() && net.name != args.net) continue;
        auto space = evonas::cnn_space(net.dims);
        auto genome = evonas::parse_genome(net.genome, space);
        setups.push_back({&net, space, genome, synthetic(net.shape, args.steps * args.batch, 1),
                          synthetic(net.shape, 16, 2)});
    }

    // One network at a time: samples per second of training, by wall time
    // and by the worker thread's CPU time (the trainer's own metrics: the
    // training loop only, not building or validation).
    for (auto& s : setups) {
        if (!args.nets_part) break;
        lt::CnnTrainer trainer(s.space, s.train, s.validation, options_for(args));
        (void)trainer.evaluate(s.genome, {.job_id = 0, .seed = 1});  // warm-up
        std::vector<double> rates, cpu_rates;
        double params = 0;
        for (int r = 0; r < args.repeats; ++r) {
            const auto f = trainer.evaluate(s.genome, {.job_id = static_cast<std::uint64_t>(r + 1), .seed = 1});
            if (!f.ok()) {
                std::cerr << s.net->name << ": " << f.reason << "\n";
                return 1;
            }
            const double samples = *f.metric("steps") * static_cast<double>(args.batch);
            rates.push_back(*f.metric("samples_per_second"));
            cpu_rates.push_back(samples / *f.metric("train_cpu_seconds"));
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

    // 1 vs several workers in one process, each training the same network
    // for the same steps: total samples per second over the wall time. The
    // worker counts alternate, so all see the same load from the rest of
    // the machine.
    struct Figures {
        std::vector<double> totals, per_cpu, cores;
    };
    const auto measure = [&](const Setup& s, std::size_t workers, Figures& figures) {
        std::vector<lt::CnnTrainer> trainers;
        for (std::size_t w = 0; w < workers; ++w) trainers.emplace_back(s.space, s.train, s.validation, options_for(args), w);
        std::vector<double> samples(workers, 0.0), cpu(workers, 0.0);
        std::latch start(static_cast<std::ptrdiff_t>(workers) + 1);
        std::vector<std::jthread> pool;
        for (std::size_t w = 0; w < workers; ++w) {
            pool.emplace_back([&, w] {
                (void)trainers[w].evaluate(s.genome, {.job_id = 100, .seed = 5});  // warm-up
                start.arrive_and_wait();
                const auto f = trainers[w].evaluate(s.genome, {.job_id = 101 + w, .seed = 7 + w});
                samples[w] = *f.metric("steps") * static_cast<double>(args.batch);
                cpu[w] = *f.metric("train_cpu_seconds");
            });
        }
        start.arrive_and_wait();
        const auto t0 = std::chrono::steady_clock::now();
        pool.clear();  // joins
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        double total = 0, cpu_total = 0;
        for (std::size_t w = 0; w < workers; ++w) {
            total += samples[w];
            cpu_total += cpu[w];
        }
        figures.totals.push_back(total / seconds);
        figures.per_cpu.push_back(total / cpu_total);
        figures.cores.push_back(cpu_total / seconds);
    };
    for (const auto& s : setups) {
        if (!args.workers_part) break;
        std::vector<Figures> figures(args.workers.size());
        for (int r = 0; r < args.repeats; ++r) {
            for (std::size_t i = 0; i < args.workers.size(); ++i) measure(s, args.workers[i], figures[i]);
        }
        // cores_used: the workers' CPU time in training / wall time. Below
        // `workers`, the machine's other load took the rest; samples per
        // CPU-second equal for 1 and W workers means nothing but free cores
        // limits the scaling (no allocator or lock contention).
        for (std::size_t i = 0; i < args.workers.size(); ++i) {
            const auto& f = figures[i];
            out["workers"].push_back({{"net", s.net->name},
                                      {"workers", args.workers[i]},
                                      {"samples_per_second_total", f.totals},
                                      {"median", median(f.totals)},
                                      {"samples_per_cpu_second", f.per_cpu},
                                      {"cpu_median", median(f.per_cpu)},
                                      {"cores_used", f.cores}});
        }
    }
    std::cout << out.dump(2) << std::endl;
    return 0;
}
