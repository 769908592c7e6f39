#!/usr/bin/env python3
"""Search efficiency on the SANS example at an equal training budget:
evonas evolution (seeded with the example's network, and unseeded), evonas
random search and Optuna TPE, the same number of trained networks each, for
several seeds.

Writes the example's SANS curves once with bench_sans_search (C++), then runs
every (seed, method) search as its own process, --parallel at a time on one
shared queue (seed by seed, the methods in turn, so every method sees the
same load from its neighbours): the evonas methods with
`bench_sans_search --read-data --methods M --seeds S`, Optuna TPE with
benchmarks/peers/optuna_sans_search.py. Every search trains one network at
a time with --threads intra-op threads, --epochs epochs and at most
--time-per-network seconds each; networks above --max-mflops are rejected
before training and not counted. The environment is the same for all (one
OpenMP and one OpenBLAS thread per process, jemalloc preloaded when present).

Prints one JSON object: the settings, every search's per-network record
(validation accuracy; best-so-far validation accuracy and that network's
test accuracy) and a summary per method at N/4, N/2 and N networks (mean,
min and max over seeds), the mean curve of best-so-far validation accuracy,
and the wall time per method.

    /usr/bin/python3 benchmarks/bench_sans_search.py --cpp build-bench/benchmarks/bench_sans_search \
        [--networks 24] [--seeds 1,2,3] [--epochs 2] [--time-per-network 6] [--parallel 2] ...

Defaults (the part "sans" of scripts/bench.sh; 9 minutes on a shared 2-core
machine):
24 networks per search, seeds 1,2,3, 2 epochs and at most 6 s of training per
network, 1 thread, 2 searches at once, evolution population 6 on 1 island,
TPE 6 random startup trials, 20 forward MFLOPs per sample at most, the
example's data (600 / 150 / 250 curves per class, data seed 2024).
Needs /usr/bin/python3 with torch, numpy and optuna. Nothing here asserts a
time or a score.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers", "optuna_sans_search.py")
METHODS = {  # --methods name: (key in the results, side)
    "seeded": ("evonas_evolution_seeded", "cpp"),
    "unseeded": ("evonas_evolution", "cpp"),
    "random": ("evonas_random", "cpp"),
    "tpe": ("optuna_tpe", "python"),
}


def checkpoints(n):
    return sorted({max(1, round(n / 4)), max(1, round(n / 2)), n})


def at(search, count, key):
    """best_val / best_test after `count` trained networks (None if none ok yet)."""
    nets = search["networks"]
    if not nets:
        return None
    return nets[min(count, len(nets)) - 1].get(key)


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return {"mean": None, "min": None, "max": None, "n": 0}
    return {"mean": statistics.fmean(values), "min": min(values), "max": max(values), "n": len(values)}


def summarise(searches, methods, n):
    summary = {}
    for key in methods:
        runs = [s for s in searches if s["method"] == key]
        if not runs:
            continue
        entry = {"seeds": [s["seed"] for s in runs], "at": [],
                 "wall_seconds": spread([s["wall_seconds"] for s in runs]),
                 "train_seconds": spread([sum(x.get("train_seconds") or 0 for x in s["networks"]) for s in runs]),
                 "rejected_before_training": sum(s.get("rejected_before_training", 0) for s in runs),
                 "failed": sum(s.get("failed", 0) for s in runs),
                 "networks_trained": [len(s["networks"]) for s in runs]}
        for c in checkpoints(n):
            entry["at"].append({"networks": c, "best_val": spread([at(s, c, "best_val") for s in runs]),
                                "best_test": spread([at(s, c, "best_test") for s in runs])})
        entry["mean_best_val_curve"] = [spread([at(s, i, "best_val") for s in runs])["mean"] for i in range(1, n + 1)]
        entry["mean_best_test_curve"] = [spread([at(s, i, "best_test") for s in runs])["mean"] for i in range(1, n + 1)]
        summary[key] = entry
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpp", default="build-bench/benchmarks/bench_sans_search",
                        help="the bench_sans_search executable (default build-bench/benchmarks/bench_sans_search)")
    parser.add_argument("--methods", default="seeded,unseeded,random,tpe",
                        help="of seeded, unseeded, random, tpe (default all four)")
    parser.add_argument("--seeds", default="1,2,3", help="run seeds (default 1,2,3)")
    parser.add_argument("--networks", type=int, default=24, help="networks trained per search (default 24)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per network (default 2)")
    parser.add_argument("--time-per-network", type=float, default=6.0,
                        help="seconds of training per network, then scored as is (default 6)")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads per network (default 1)")
    parser.add_argument("--parallel", type=int, default=2, help="searches run at once (default 2)")
    parser.add_argument("--population", type=int, default=6,
                        help="evonas evolution: population of the one island (default 6)")
    parser.add_argument("--startup-trials", type=int, default=None,
                        help="TPE's random startup trials (default: --population)")
    parser.add_argument("--max-mflops", type=float, default=20.0,
                        help="networks above this many forward MFLOPs per sample are rejected, uncounted (default 20)")
    parser.add_argument("--train-per-class", type=int, default=600)
    parser.add_argument("--val-per-class", type=int, default=150)
    parser.add_argument("--test-per-class", type=int, default=250)
    parser.add_argument("--data-seed", type=int, default=2024)
    parser.add_argument("--data-dir", default=None, help="where the .npy curves go (default: a temporary folder)")
    args = parser.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    for m in methods:
        if m not in METHODS:
            parser.error(f"unknown method {m!r} (seeded, unseeded, random, tpe)")
    seeds = [int(s) for s in args.seeds.split(",") if s]
    startup = args.population if args.startup_trials is None else args.startup_trials

    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(args.threads)
    env["OPENBLAS_NUM_THREADS"] = "1"
    if os.path.exists(JEMALLOC):
        env["LD_PRELOAD"] = JEMALLOC
    tmp = None
    data_dir = args.data_dir
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="evonas-sans-")
        data_dir = tmp.name
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    data_args = ["--data-dir", data_dir, "--data-seed", str(args.data_seed), "--train-per-class",
                 str(args.train_per_class), "--val-per-class", str(args.val_per_class), "--test-per-class",
                 str(args.test_per_class)]
    common = ["--networks", str(args.networks), "--epochs", str(args.epochs), "--time-per-network",
              str(args.time_per_network), "--threads", str(args.threads), "--max-mflops", str(args.max_mflops)]
    head = json.loads(subprocess.run([args.cpp, "--write-data-only"] + data_args, env=env, check=True,
                                     capture_output=True, text=True).stdout)

    tasks = []
    for seed in seeds:
        for m in methods:
            if METHODS[m][1] == "cpp":
                command = [args.cpp, "--read-data", "--methods", m, "--seeds", str(seed), "--population",
                           str(args.population), "--parallel", "1"] + data_args + common
            else:
                command = [sys.executable, PEER, "--data-dir", data_dir, "--seeds", str(seed), "--startup-trials",
                           str(startup)] + common
            tasks.append((m, seed, command))

    results = [None] * len(tasks)
    errors = []
    lock = threading.Lock()
    next_task = [0]

    def lane():
        while True:
            with lock:
                if next_task[0] >= len(tasks) or errors:
                    return
                i = next_task[0]
                next_task[0] += 1
            m, seed, command = tasks[i]
            # stderr (progress lines) passes through
            p = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True)
            if p.returncode != 0:
                with lock:
                    errors.append(f"{m} seed {seed}: `{' '.join(command)}` exited with {p.returncode}")
                return
            doc = json.loads(p.stdout)
            results[i] = (doc, doc["searches"][0])

    lanes = [threading.Thread(target=lane) for _ in range(max(1, min(args.parallel, len(tasks))))]
    for t in lanes:
        t.start()
    for t in lanes:
        t.join()
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1

    searches = [r[1] for r in results]
    versions = {"libtorch": head.get("torch")}
    for doc, _ in results:
        if doc.get("benchmark") == "sans_search_optuna":
            versions.update(optuna=doc.get("optuna"), pytorch=doc.get("torch"))
    keys = [METHODS[m][0] for m in methods]
    settings = dict(head["settings"], methods=keys, seeds=seeds, parallel=args.parallel, population=args.population,
                    tpe_startup_trials=startup, networks=args.networks, epochs=args.epochs,
                    time_per_network=args.time_per_network, threads=args.threads, max_mflops=args.max_mflops,
                    checkpoints=checkpoints(args.networks))
    out = {"benchmark": "sans_search", "settings": settings, "versions": versions,
           "wall_seconds": time.perf_counter() - started, "load_average_before": load_before,
           "load_average_after": os.getloadavg()[0],
           "summary": summarise(searches, keys, args.networks), "searches": searches}
    print(json.dumps(out, indent=1))
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
