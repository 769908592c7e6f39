#!/usr/bin/env python3
"""Same network, same steps: evonas's CnnTrainer (C++) vs Python PyTorch.

Runs build/benchmarks/bench_trainer (the C++ side) and the same networks
trained here in Python with the same batch size, optimiser, steps and
threads, each in a fresh process with the same environment (jemalloc
preloaded when present, one OpenMP and one OpenBLAS thread), and prints one
JSON object.

The comparison is made to survive a shared, noisy machine:

- C++ and Python alternate, one process each per round, and the order
  alternates too (C++ first in even rounds, Python first in odd ones), so
  both see the same load from the rest of the machine;
- each round gives one ratio per network (evonas / Python), by wall time and
  by CPU time of the training thread (the latter is not inflated while other
  processes hold the core); the figures are the median over the rounds and
  the spread, the lowest and highest per-round ratio. With 7 rounds that
  range holds the true median ratio with 98% confidence (sign test: all 7
  on one side of it has probability 2/128);
- the verdict says "evonas faster" only when the whole spread is above 1.0x,
  "PyTorch faster" only when it is below, else that the spread covers 1.0x;
- the load average is recorded before every round.

Then, C++ only: 1 vs several workers in one process (alternating), and the
resident memory of W trainers made from one data set (one fresh process per
W).

    /usr/bin/python3 benchmarks/bench_trainer.py --cpp build/benchmarks/bench_trainer \\
        [--steps 60] [--batch 64] [--rounds 7] [--net cnn1d] [--device cpu|cuda] \\
        [--workers 1,2] [--memory-workers 1,2,4,8] [--no-workers] [--no-memory]

Needs /usr/bin/python3 with torch (Debian: python3-torch, the same LibTorch
1.13 the C++ side links). Nothing here asserts a time.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
# Without it, jemalloc gives a large allocation's pages back to the kernel at
# every free, and a third of a training's time goes to page faults
# (docs/libtorch.md).
MALLOC_CONF = "oversize_threshold:0"

# Keep in step with `nets` in bench_trainer.cpp: the modules CnnTrainer builds
# for those genomes (convolution without bias before batch norm, 'same'
# padding, the classifier, then the output layer).
NETS = {
    "cnn1d": dict(dims=1, channels=2, spatial=(256,), classes=5, kernel=5, filters=(32, 64)),
    "cnn2d": dict(dims=2, channels=3, spatial=(32, 32), classes=10, kernel=3, filters=(32, 64)),
    "cnn3d": dict(dims=3, channels=1, spatial=(16, 16, 16), classes=2, kernel=3, filters=(16, 32)),
}


def build(torch, name):
    nn = torch.nn
    spec = NETS[name]
    dims = spec["dims"]
    conv = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[dims]
    bn = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}[dims]
    pool = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}[dims]
    k1 = spec["kernel"]
    f1, f2 = spec["filters"]
    c = spec["channels"]
    positions = 1
    for n in spec["spatial"]:
        positions *= n // 4
    return nn.Sequential(
        conv(c, f1, k1, padding=k1 // 2, bias=False), bn(f1), nn.ReLU(), pool(2, 2),
        conv(f1, f2, 3, padding=1, bias=False), bn(f2), nn.ReLU(), pool(2, 2),
        nn.Flatten(), nn.Linear(f2 * positions, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, spec["classes"]))


def python_side(steps, batch, repeats, threads, only, device):
    """The Python training loop, written as a PyTorch user would."""
    import torch
    torch.set_num_threads(threads)
    dev = torch.device(device)
    cuda = dev.type == "cuda"
    out = {"torch": torch.__version__, "nets": []}
    for name, spec in NETS.items():
        if only and name != only:
            continue
        gen = torch.Generator().manual_seed(1)
        n = steps * batch
        x = torch.randn((n, spec["channels"]) + spec["spatial"], generator=gen).to(dev)
        y = torch.randint(0, spec["classes"], (n,), generator=gen).to(dev)

        def run(seed):
            torch.manual_seed(seed)
            net = build(torch, name).to(dev)
            net.train()
            opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=0.0)
            order = torch.randperm(n).to(dev)
            if cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
            cpu_start = time.thread_time()
            for b in range(steps):
                index = order[b * batch:(b + 1) * batch]
                xb = x.index_select(0, index)
                yb = y.index_select(0, index)
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(net(xb), yb)
                value = loss.item()
                if value != value:
                    raise RuntimeError("NaN loss")
                loss.backward()
                opt.step()
            if cuda:
                torch.cuda.synchronize()
            seconds = time.perf_counter() - start
            cpu = time.thread_time() - cpu_start
            return steps * batch / seconds, steps * batch / cpu, sum(p.numel() for p in net.parameters())

        run(0)  # warm-up
        rates, cpu_rates, params = [], [], 0
        for r in range(repeats):
            rate, cpu_rate, params = run(r + 1)
            rates.append(rate)
            cpu_rates.append(cpu_rate)
        out["nets"].append({"name": name, "params": params, "samples_per_second": rates,
                            "median": statistics.median(rates), "samples_per_cpu_second": cpu_rates,
                            "cpu_median": statistics.median(cpu_rates)})
    return out


def verdict(low, high):
    if low > 1.0:
        return "evonas faster"
    if high < 1.0:
        return "PyTorch faster"
    return "the spread covers 1.0x"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpp", default="build/benchmarks/bench_trainer", help="the bench_trainer executable")
    parser.add_argument("--steps", type=int, default=60, help="training steps per run (default 60)")
    parser.add_argument("--batch", type=int, default=64, help="batch size (default 64)")
    parser.add_argument("--rounds", type=int, default=7,
                        help="alternating C++/Python rounds, one process each (default 7)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="measured runs per process after a warm-up run (default 1)")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads, both sides")
    parser.add_argument("--net", choices=sorted(NETS), help="only this network")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N, both sides")
    parser.add_argument("--workers", default="1,2", help="worker counts of the C++ workers part (default 1,2)")
    parser.add_argument("--workers-repeats", type=int, default=3, help="rounds of the workers part (default 3)")
    parser.add_argument("--memory-workers", default="1,2,4,8",
                        help="trainer counts of the memory part, one process each (default 1,2,4,8)")
    parser.add_argument("--no-workers", action="store_true", help="skip the workers part")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory part")
    parser.add_argument("--python-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.python_only:
        print(json.dumps(python_side(args.steps, args.batch, args.repeats, args.threads, args.net, args.device)))
        return 0

    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(args.threads)
    env["OPENBLAS_NUM_THREADS"] = "1"  # BLAS calls stay on the worker's thread, on both sides
    if os.path.exists(JEMALLOC):
        env["LD_PRELOAD"] = JEMALLOC
        env.setdefault("MALLOC_CONF", MALLOC_CONF)  # both sides: large tensors' pages stay with jemalloc

    def run(command):
        return json.loads(subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout)

    one = ["--steps", str(args.steps), "--batch", str(args.batch), "--repeats", str(args.repeats),
           "--threads", str(args.threads), "--device", args.device] + (["--net", args.net] if args.net else [])
    cpp_cmd = [args.cpp, "--nets-only"] + one
    py_cmd = [sys.executable, os.path.abspath(__file__), "--python-only"] + one
    rounds, loads = [], []
    for r in range(args.rounds):
        loads.append(os.getloadavg()[0])
        if r % 2 == 0:
            c, p = run(cpp_cmd), run(py_cmd)
        else:
            p, c = run(py_cmd), run(cpp_cmd)
        rounds.append((c, p))
    loads.append(os.getloadavg()[0])

    result = {"benchmark": "trainer_vs_pytorch", "steps": args.steps, "batch": args.batch, "rounds": args.rounds,
              "repeats_per_process": args.repeats, "intra_op_threads": args.threads, "device": args.device,
              "jemalloc": "LD_PRELOAD" in env, "malloc_conf": env.get("MALLOC_CONF"),
              "libtorch": rounds[0][0]["torch"], "pytorch": rounds[0][1]["torch"],
              "load_average": round(statistics.median(loads), 2),
              "load_average_range": [round(min(loads), 2), round(max(loads), 2)],
              "nets": [], "workers": [], "memory": []}
    for i, first in enumerate(rounds[0][0]["nets"]):
        c_nets = [c["nets"][i] for c, _ in rounds]
        p_nets = [p["nets"][i] for _, p in rounds]
        if first["name"] != p_nets[0]["name"] or int(first["params"]) != int(p_nets[0]["params"]):
            raise SystemExit(f"the networks differ: {first['name']} {first['params']} vs "
                             f"{p_nets[0]['name']} {p_nets[0]['params']} parameters")
        wall = [c["median"] / p["median"] for c, p in zip(c_nets, p_nets)]
        cpu = [c["cpu_median"] / p["cpu_median"] for c, p in zip(c_nets, p_nets)]
        med = lambda nets, key: statistics.median(n[key] for n in nets)
        result["nets"].append({
            "net": first["name"], "input": first["input"], "params": int(first["params"]),
            "evonas_samples_per_second": round(med(c_nets, "median"), 1),
            "pytorch_samples_per_second": round(med(p_nets, "median"), 1),
            "ratio": round(statistics.median(wall), 3),
            "ratio_spread": [round(min(wall), 3), round(max(wall), 3)],
            "evonas_samples_per_cpu_second": round(med(c_nets, "cpu_median"), 1),
            "pytorch_samples_per_cpu_second": round(med(p_nets, "cpu_median"), 1),
            "cpu_ratio": round(statistics.median(cpu), 3),
            "cpu_ratio_spread": [round(min(cpu), 3), round(max(cpu), 3)],
            "verdict": verdict(min(cpu), max(cpu)),
            "per_round": {"evonas_cpu": [round(n["cpu_median"], 1) for n in c_nets],
                          "pytorch_cpu": [round(n["cpu_median"], 1) for n in p_nets],
                          "cpu_ratio": [round(x, 3) for x in cpu], "ratio": [round(x, 3) for x in wall],
                          "load_average": [round(x, 2) for x in loads[:-1]]}})

    if not args.no_workers:
        counts = [int(w) for w in args.workers.split(",")]
        data = run([args.cpp, "--workers-only", "--workers", args.workers, "--steps", str(args.steps),
                    "--batch", str(args.batch), "--repeats", str(args.workers_repeats),
                    "--threads", str(args.threads), "--device", args.device]
                   + (["--net", args.net] if args.net else []))
        by_net = {}
        for w in data["workers"]:
            by_net.setdefault(w["net"], {})[w["workers"]] = w
        for net, f in by_net.items():
            base = f[counts[0]]
            for w in counts[1:]:
                more = f[w]
                result["workers"].append({
                    "net": net, "workers": w, "base_workers": counts[0],
                    "base_samples_per_second": round(base["median"], 1),
                    "samples_per_second": round(more["median"], 1),
                    "speedup": round(more["median"] / base["median"], 3),
                    "cores_used_base": [round(c, 2) for c in base["cores_used"]],
                    "cores_used": [round(c, 2) for c in more["cores_used"]],
                    # per CPU-second, W workers vs the base: 1.0 means only free cores limit the scaling
                    "cpu_efficiency": round(more["cpu_median"] / base["cpu_median"], 3)})

    if not args.no_memory:
        for w in [int(w) for w in args.memory_workers.split(",")]:
            data = run([args.cpp, "--memory-only", "--memory-workers", str(w), "--device", args.device])
            result["memory"].append(data["memory"])

    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
