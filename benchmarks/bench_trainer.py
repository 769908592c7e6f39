#!/usr/bin/env python3
"""Same network, same steps: evonas's CnnTrainer (C++) vs Python PyTorch.

Runs build/benchmarks/bench_trainer (the C++ side: 1-D, 2-D and 3-D networks, and
1 vs 2 workers in one process) and the same networks trained here in Python
with the same batch size, optimiser, steps and threads, each in a fresh
process with the same environment (jemalloc preloaded when present, one
OpenMP and one OpenBLAS thread), and prints one JSON object with samples per
second for both and their ratio (evonas / Python), by wall time and by
process CPU time (the latter is less disturbed by other load on the machine;
on the C++ side it includes building the network and a 16-sample
validation, so it slightly favours Python).

    /usr/bin/python3 benchmarks/bench_trainer.py --cpp build/benchmarks/bench_trainer \
        [--steps 60] [--batch 64] [--repeats 3]

Needs /usr/bin/python3 with torch (Debian: python3-torch, the same LibTorch
1.13 the C++ side links). Nothing here asserts a time.
"""
import argparse
import json
import os
import subprocess
import sys
import time

JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"

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


def python_side(steps, batch, repeats, threads):
    import torch
    torch.set_num_threads(threads)
    out = {"torch": torch.__version__, "nets": []}
    for name, spec in NETS.items():
        gen = torch.Generator().manual_seed(1)
        n = steps * batch
        x = torch.randn((n, spec["channels"]) + spec["spatial"], generator=gen)
        y = torch.randint(0, spec["classes"], (n,), generator=gen)

        def run(seed):
            torch.manual_seed(seed)
            net = build(torch, name)
            net.train()
            opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=0.0)
            order = torch.randperm(n)
            start = time.perf_counter()
            cpu_start = time.process_time()
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
            seconds = time.perf_counter() - start
            cpu = time.process_time() - cpu_start
            return steps * batch / seconds, steps * batch / cpu, sum(p.numel() for p in net.parameters())

        run(0)  # warm-up
        rates, cpu_rates, params = [], [], 0
        for r in range(repeats):
            rate, cpu_rate, params = run(r + 1)
            rates.append(rate)
            cpu_rates.append(cpu_rate)
        out["nets"].append({"name": name, "params": params, "samples_per_second": rates,
                            "median": sorted(rates)[len(rates) // 2], "samples_per_cpu_second": cpu_rates,
                            "cpu_median": sorted(cpu_rates)[len(cpu_rates) // 2]})
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpp", default="build/benchmarks/bench_trainer", help="the bench_trainer executable")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads, both sides")
    parser.add_argument("--python-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.python_only:
        print(json.dumps(python_side(args.steps, args.batch, args.repeats, args.threads)))
        return 0

    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(args.threads)
    env["OPENBLAS_NUM_THREADS"] = "1"  # BLAS calls stay on the worker's thread, on both sides
    if os.path.exists(JEMALLOC):
        env["LD_PRELOAD"] = JEMALLOC
    common = ["--steps", str(args.steps), "--batch", str(args.batch), "--repeats", str(args.repeats),
              "--threads", str(args.threads)]
    def run(command):
        return json.loads(subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout)

    # C++ and Python alternate, one run each per round, so both see the same
    # load from the rest of the machine; medians over the rounds.
    one_run = ["--steps", str(args.steps), "--batch", str(args.batch), "--repeats", "1", "--threads", str(args.threads)]
    cpp_rounds, py_rounds = [], []
    for _ in range(args.repeats):
        cpp_rounds.append(run([args.cpp, "--nets-only"] + one_run))
        py_rounds.append(run([sys.executable, os.path.abspath(__file__), "--python-only"] + one_run))
    workers = run([args.cpp, "--workers-only"] + common)

    def merged(rounds):
        nets = []
        for i, first in enumerate(rounds[0]["nets"]):
            rates = [r["nets"][i]["samples_per_second"][0] for r in rounds]
            cpu_rates = [r["nets"][i]["samples_per_cpu_second"][0] for r in rounds]
            nets.append(dict(first, samples_per_second=rates, median=sorted(rates)[len(rates) // 2],
                             samples_per_cpu_second=cpu_rates, cpu_median=sorted(cpu_rates)[len(cpu_rates) // 2]))
        return {"torch": rounds[0]["torch"], "nets": nets, "workers": workers["workers"]}

    cpp, py = merged(cpp_rounds), merged(py_rounds)

    result = {"benchmark": "trainer_vs_pytorch", "steps": args.steps, "batch": args.batch,
              "intra_op_threads": args.threads, "jemalloc": "LD_PRELOAD" in env,
              "libtorch": cpp["torch"], "pytorch": py["torch"], "load_average": os.getloadavg()[0],
              "nets": [], "workers": []}
    for c, p in zip(cpp["nets"], py["nets"]):
        if c["name"] != p["name"] or int(c["params"]) != int(p["params"]):
            raise SystemExit(f"the networks differ: {c['name']} {c['params']} vs {p['name']} {p['params']} parameters")
        result["nets"].append({"net": c["name"], "input": c["input"], "params": int(c["params"]),
                               "evonas_samples_per_second": round(c["median"], 1),
                               "pytorch_samples_per_second": round(p["median"], 1),
                               "ratio": round(c["median"] / p["median"], 3),
                               "evonas_samples_per_cpu_second": round(c["cpu_median"], 1),
                               "pytorch_samples_per_cpu_second": round(p["cpu_median"], 1),
                               "cpu_ratio": round(c["cpu_median"] / p["cpu_median"], 3)})
    by_net = {}
    for w in cpp["workers"]:
        by_net.setdefault(w["net"], {})[w["workers"]] = w
    for net, f in by_net.items():
        one, two = f[1], f[2]
        result["workers"].append({
            "net": net,
            "one_worker": round(one["median"], 1), "two_workers": round(two["median"], 1),
            "speedup": round(two["median"] / one["median"], 3),
            "cores_used_by_one": [round(c, 2) for c in one["cores_used"]],
            "cores_used_by_two": [round(c, 2) for c in two["cores_used"]],
            # per CPU-second, 2 workers vs 1: 1.0 means only free cores limit the scaling
            "cpu_efficiency_two_vs_one": round(two["cpu_median"] / one["cpu_median"], 3)})
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
