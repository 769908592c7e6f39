#!/usr/bin/env python3
"""Optuna's scheduling cost per trial with no training, beside evonas's
bench_overhead (benchmarks/bench_overhead.cpp).

A define-by-run objective asks for one parameter per gene of a fixed-size
genome equivalent to evonas's cnn_space(2) at its largest: 12 layers of 6
parameters (a layer type and 5 numbers: integers, a log-scaled float and a
category) and 6 globals (learning rate, momentum, weight decay, batch size,
optimiser, epochs), 78 parameters per trial, and returns a trivial score
(the sum of the layers' integer sizes plus noise). In-memory storage, one
process, one thread, logging off; RandomSampler and TPESampler.

Optuna's cost per trial grows with the number of finished trials (the
samplers read the study's history), so the mean over the run depends on the
run's length: the output says how many trials were run and gives the mean
per trial over the whole run and over its last quarter.

    /usr/bin/python3 benchmarks/peers/optuna_overhead.py [--random-trials 2000] \
        [--tpe-trials 300] [--repeats 1]

Prints one JSON object on stdout. Needs optuna (Debian: python3-optuna).
Nothing here asserts a time.
"""
import argparse
import json
import platform
import random
import statistics
import sys
import time

LAYERS = 12
LAYER_TYPES = ["conv", "dilconv", "sepconv", "pool", "lrn", "dropout"]


def objective(trial):
    # One parameter per gene, asked for in a loop as a define-by-run
    # objective would build a network.
    total = 0.0
    for i in range(LAYERS):
        trial.suggest_categorical(f"l{i}_type", LAYER_TYPES)
        total += trial.suggest_int(f"l{i}_k", 1, 7)
        trial.suggest_int(f"l{i}_s", 1, 3)
        total += trial.suggest_int(f"l{i}_f", 8, 256, step=8) / 256.0
        trial.suggest_categorical(f"l{i}_act", ["relu", "leaky_relu", "elu", "tanh", "sigmoid", "none"])
        trial.suggest_float(f"l{i}_p", 0.0, 0.7)
    trial.suggest_float("lr", 1e-4, 0.3, log=True)
    trial.suggest_float("mom", 0.0, 0.99)
    trial.suggest_float("wd", 1e-6, 1e-2, log=True)
    trial.suggest_int("bs", 16, 256, step=16)
    trial.suggest_categorical("opt", ["sgd", "adam"])
    trial.suggest_int("epochs", 1, 50)
    return total + random.random()


PARAMETERS = LAYERS * 6 + 6


def run(optuna, sampler_name, trials):
    if sampler_name == "random":
        sampler = optuna.samplers.RandomSampler(seed=1)
    else:
        sampler = optuna.samplers.TPESampler(seed=1)
    study = optuna.create_study(direction="maximize", sampler=sampler)  # in-memory storage
    stamps = []

    def stamp(study, trial):
        stamps.append(time.perf_counter())

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=trials, callbacks=[stamp], gc_after_trial=False)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    q = max(1, trials // 4)
    last_quarter = (stamps[-1] - stamps[-1 - q]) / q if len(stamps) > q else wall / trials
    return {"wall_seconds": wall, "cpu_seconds": cpu, "last_quarter_us_per_job": 1e6 * last_quarter}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random-trials", type=int, default=2000)
    parser.add_argument("--tpe-trials", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()

    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    random.seed(1)
    cases = []
    for name, trials in (("random", args.random_trials), ("tpe", args.tpe_trials)):
        runs = [run(optuna, name, trials) for _ in range(max(1, args.repeats))]
        runs.sort(key=lambda r: r["wall_seconds"])
        median = runs[len(runs) // 2]
        cases.append({
            "name": f"optuna_{name}",
            "setup": {"sampler": "RandomSampler" if name == "random" else "TPESampler",
                      "storage": "in-memory", "parameters_per_trial": PARAMETERS, "n_jobs": 1},
            "jobs": trials,
            "repeats": len(runs),
            "wall_seconds": median["wall_seconds"],
            "cpu_seconds": median["cpu_seconds"],
            "jobs_per_second": trials / median["wall_seconds"],
            "us_per_job": 1e6 * median["wall_seconds"] / trials,
            "cpu_us_per_job": 1e6 * median["cpu_seconds"] / trials,
            "last_quarter_us_per_job": median["last_quarter_us_per_job"],
            "wall_seconds_all_runs": [r["wall_seconds"] for r in runs],
        })
    print(json.dumps({
        "benchmark": "optuna_overhead",
        "optuna_version": optuna.__version__,
        "python_version": platform.python_version(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "genome": {"layers": LAYERS, "parameters_per_layer": 6, "globals": 6,
                   "parameters": PARAMETERS},
        "fitness": "sum of two layer parameters plus noise, returned at once (no training)",
        "cases": cases,
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
