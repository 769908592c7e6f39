#!/usr/bin/env python3
"""Runs the search-efficiency benchmark (README.md here) and collects its
results into one JSON file; render_search.py turns that into docs/search.md.

Every (task, method, group of run seeds) is one unit: a `bench_search run`
process for the evonas methods, an optuna_peer.py process (with its own
`bench_search serve`) for the Optuna ones. Units run --parallel at a time,
largest first; each writes its searches as JSON lines to
OUT/raw/<unit>.jsonl, and a unit whose file is complete is not run again, so
an interrupted benchmark continues where it stopped (--fresh starts over;
the evaluation cache in OUT/cache is kept either way, since its lines are
valid for as long as the task's settings, which name its file, do not
change). Then the final best network of every search is retrained with 3
fresh seeds and scored on the test split.

    /usr/bin/python3 benchmarks/search/run_search.py --cpp build-bench/benchmarks/bench_search \\
        --out build-bench/search [--quick] [--render docs/search.md]

--early-stopping runs the early-stopping study instead (README.md here;
render_early_stopping.py writes its page): evonas evolution without
stopping, with the ASHA stopper (evolution_asha) and Optuna TPE with its
HyperbandPruner at the same rungs, every network trained --epochs E (9)
epochs, on the same tasks and run seeds, in its own folder (default
build-bench/search-es):

    /usr/bin/python3 benchmarks/search/run_search.py --cpp build-bench/benchmarks/bench_search \\
        --early-stopping [--epochs 9] [--render docs/search-early-stopping.md]

--multi-objective runs the multi-objective study instead (README.md here;
render_multi_objective.py writes its page): evonas with two objectives,
validation accuracy and parameter count (evolution_mo), Optuna's NSGA-II
over the same two (optuna_nsga2, its population evonas's) and evonas's
single-objective evolution, every network trained --epochs E (9) epochs, on
sans and minerva, in its own folder (default build-bench/search-mo). It has
no retraining step (the page compares fronts of validation scores).

    /usr/bin/python3 benchmarks/search/run_search.py --cpp build-bench/benchmarks/bench_search \\
        --multi-objective [--epochs 9] [--cache DIR] [--render docs/search-multi-objective.md]

At 9 epochs its trainings are the early-stopping study's: copying
build-bench/search-es/cache to build-bench/search-mo/cache before the first
run (or passing --cache build-bench/search-es/cache) reuses the networks
that study trained without a stopper (staged trainings are cached apart), as
long as the cache file's name (the task's settings, the trainer revision and
the evonas version) is the same.

--surrogate runs the surrogate study instead (README.md here;
render_surrogate.py writes its page): evonas evolution with the surrogate
pre-screen (evolution_surrogate: each child chosen among 16 bred candidates
by an extra-trees predictor of its validation accuracy, UCB), the ablation
that breeds the same 16 candidates and picks one at random
(evolution_random_k) and evonas evolution (the defaults), every network
trained --epochs E (9) epochs, N = 40 networks, on sans, minerva and em, in
its own folder (default build-bench/search-sur); the final best networks are
retrained.

    /usr/bin/python3 benchmarks/search/run_search.py --cpp build-bench/benchmarks/bench_search \\
        --surrogate [--epochs 9] [--seed-cache build-bench/search-es/cache,build-bench/search-mo/cache] \\
        [--render docs/search-surrogate.md]

--seed-cache DIR[,DIR] (any mode) first appends the lines of each DIR's
cache files (TASK-HASH.jsonl) to the same-named files of the cache, skipping
lines the cache already has: at 9 epochs the other studies' trainings are
this one's.

These are modes of this program rather than drivers of their own because
they need everything this one does (units, resuming, retraining, the cache);
only the methods, the epochs passed to every command and the page differ.

Child processes run with one BLAS thread and one LibTorch thread each
(OPENBLAS_NUM_THREADS=1), with jemalloc preloaded when installed.
"""
import argparse
import concurrent.futures as futures
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OPTUNA_METHODS = {"optuna_tpe": "tpe", "optuna_random": "random", "optuna_tpe_hyperband": "tpe",
                  "optuna_nsga2": "nsga2"}
PRUNED_METHODS = {"evolution_asha", "optuna_tpe_hyperband"}  # only in --early-stopping
MO_ONLY_METHODS = {"evolution_mo", "optuna_nsga2"}  # only in --multi-objective
# The page's rows; `--methods` picks some. Ablations are run on request.
DEFAULT_METHODS = ["evolution", "seeded", "random", "optuna_tpe", "optuna_random", "evolution_old"]
ALL_METHODS = DEFAULT_METHODS + ["evolution_rf10", "evolution_asha", "optuna_tpe_hyperband", "evolution_mo",
                                  "optuna_nsga2", "evolution_surrogate", "evolution_random_k"]
# The early-stopping study's rows: the same search with and without the ASHA
# stopper, and Optuna's counterpart (TPE + HyperbandPruner, the same rungs).
ES_METHODS = ["evolution", "evolution_asha", "optuna_tpe_hyperband"]
ES_MIN_RESOURCE, ES_REDUCTION_FACTOR = 1, 3  # evonas's ASHA stopper: min_step 1, eta 3
# The multi-objective study's rows: evonas with the two objectives, Optuna's
# NSGA-II with the same two, and evonas's single-objective search (what
# ignoring the parameter count gives). Its hypervolume's reference point is
# search_stats.MO_REF_VAL / MO_REF_PARAMS (bench_search's mo_objectives()),
# recorded in results.json's meta.
MO_METHODS = ["evolution_mo", "optuna_nsga2", "evolution"]
MO_TASKS = "sans,minerva"
# The surrogate study's rows: evonas evolution with the surrogate pre-screen,
# the ablation that breeds the same K candidates and picks one at random
# (its predictor still runs, unused, and records its predictions), and
# evonas evolution (the defaults).
SUR_METHODS = ["evolution_surrogate", "evolution_random_k", "evolution"]
SUR_ONLY_METHODS = {"evolution_surrogate", "evolution_random_k"}  # only in --surrogate
# What bench_search's two surrogate methods use, recorded in results.json's
# meta for the page: it must match benchmarks/search/search_methods.hpp.
SUR_CANDIDATES, SUR_ACQUISITION, SUR_EXPLORATION = 16, "ucb", 0.1
# Relative cost of one network per task (measured with `bench_search probe`),
# used only to start the largest units first.
TASK_WEIGHT = {"sans": 1.0, "minerva": 1.5, "em": 1.5}
JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"

print_lock = threading.Lock()


def say(text):
    with print_lock:
        print(text, file=sys.stderr, flush=True)


def child_env():
    env = dict(os.environ)
    env["OPENBLAS_NUM_THREADS"] = "1"
    env["OMP_NUM_THREADS"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    if os.path.exists(JEMALLOC):
        env["LD_PRELOAD"] = JEMALLOC + (":" + env["LD_PRELOAD"] if env.get("LD_PRELOAD") else "")
        env.setdefault("MALLOC_CONF", "oversize_threshold:0")  # docs/libtorch.md
    return env


def seed_groups(seeds, size):
    return [seeds[i:i + size] for i in range(0, len(seeds), size)]


def seeds_text(group):
    return ",".join(str(s) for s in group)


class Unit:
    def __init__(self, task, method, seeds, networks, startup, label):
        self.task, self.method, self.seeds, self.networks, self.startup = task, method, seeds, networks, startup
        self.name = f"{task}-{label}-{method}-s{seeds[0]}-{seeds[-1]}"
        self.cost = TASK_WEIGHT.get(task, 1.0) * networks * len(seeds)

    def command(self, args):
        cache = ["--cache", args.cache] + epochs_args(args)
        if self.method in OPTUNA_METHODS:
            pruner = ["--pruner", "hyperband", "--min-resource", str(ES_MIN_RESOURCE), "--reduction-factor",
                      str(ES_REDUCTION_FACTOR)] if self.method in PRUNED_METHODS else []
            # NSGA-II's population is evonas's, as TPE's start-up trials are.
            mo = ["--objectives", "accuracy,params", "--population", str(self.startup)] \
                if OPTUNA_METHODS[self.method] == "nsga2" else []
            return [sys.executable, os.path.join(HERE, "optuna_peer.py"), "--cpp", args.cpp, "--task", self.task,
                    "--sampler", OPTUNA_METHODS[self.method], "--seeds", seeds_text(self.seeds),
                    "--networks", str(self.networks), "--startup", str(self.startup)] + pruner + mo + cache
        return [args.cpp, "run", "--task", self.task, "--method", self.method, "--seeds", seeds_text(self.seeds),
                "--networks", str(self.networks)] + cache


def in_study(args):
    """One of the studies (their own folder, --epochs E), not the main benchmark."""
    return args.early_stopping or args.multi_objective or args.surrogate


def epochs_args(args):
    """`--epochs E` for every bench_search and peer command of a study; nothing otherwise."""
    return ["--epochs", str(args.epochs)] if in_study(args) else []


def seed_cache(sources, cache):
    """Appends the lines of each source folder's cache files (TASK-HASH.jsonl)
    to the same-named files in `cache`, skipping lines it already has (and
    torn lines: no newline, not JSON). A cache line is a function of its
    file's name and key (common random numbers), so concatenation merges two
    caches. Returns (lines added, lines skipped)."""
    import fcntl
    import glob
    os.makedirs(cache, exist_ok=True)
    added = skipped = 0
    for src in sources:
        if not os.path.isdir(src):
            raise RuntimeError(f"--seed-cache: {src} is not a folder")
        if os.path.realpath(src) == os.path.realpath(cache):
            continue
        for path in sorted(glob.glob(os.path.join(src, "*.jsonl"))):
            with open(os.path.join(cache, os.path.basename(path)), "a+") as out:
                fcntl.flock(out, fcntl.LOCK_EX)  # as bench_search's writers do
                out.seek(0)
                have = set(out.read().splitlines())
                new = []
                with open(path) as f:
                    for line in f:
                        text = line.rstrip("\n")
                        if not line.endswith("\n") or not text or text in have:
                            skipped += 1
                            continue
                        try:
                            json.loads(text)
                        except json.JSONDecodeError:
                            skipped += 1
                            continue
                        have.add(text)
                        new.append(text + "\n")
                out.seek(0, os.SEEK_END)
                if out.tell() > 0:  # a file that does not end with a newline keeps its torn line apart
                    out.seek(out.tell() - 1)
                    if out.read(1) != "\n":
                        out.write("\n")
                out.writelines(new)
                added += len(new)
    return added, skipped


def read_lines(path):
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    return []  # torn file: run the unit again
    return out


def unit_seconds(args, unit):
    """Wall seconds the unit's searches took when they ran (None if unknown)."""
    try:
        with open(os.path.join(args.out, "logs", unit.name + ".seconds")) as f:
            return float(f.read())
    except (OSError, ValueError):
        return None


def run_unit(unit, args, done_counter, total):
    path = os.path.join(args.out, "raw", unit.name + ".jsonl")
    if len(read_lines(path)) == len(unit.seeds):
        args.resumed += 1
        return read_lines(path)
    tmp = path + ".tmp"
    log = os.path.join(args.out, "logs", unit.name + ".log")
    t0 = time.monotonic()
    with open(tmp, "w") as out, open(log, "w") as err:
        rc = subprocess.run(unit.command(args), stdout=out, stderr=err, env=child_env()).returncode
    if rc != 0:
        raise RuntimeError(f"unit {unit.name} failed with exit status {rc}; see {log}")
    os.replace(tmp, path)
    with open(os.path.join(args.out, "logs", unit.name + ".seconds"), "w") as f:
        f.write(f"{time.monotonic() - t0:.1f}\n")
    lines = read_lines(path)
    if len(lines) != len(unit.seeds):
        raise RuntimeError(f"unit {unit.name} wrote {len(lines)} searches, expected {len(unit.seeds)}")
    done_counter[0] += 1
    say(f"[{done_counter[0]}/{total}] {unit.name}: {time.monotonic() - t0:.0f} s "
        f"(benchmark at {time.monotonic() - args.started:.0f} s)")
    return lines


def task_info(args, task):
    path = os.path.join(args.out, "info", f"{task}.json")
    out = subprocess.run([args.cpp, "info", "--task", task, "--networks", str(args.networks)] + epochs_args(args),
                         check=True, capture_output=True, text=True, env=child_env()).stdout
    info = json.loads(out)
    if in_study(args) and info.get("settings", {}).get("epochs") != args.epochs:
        raise RuntimeError(f"bench_search info --epochs {args.epochs} reports epochs "
                           f"{info.get('settings', {}).get('epochs')} for {task}: is it built with --epochs?")
    long_out = subprocess.run([args.cpp, "info", "--task", task, "--networks", str(args.long_networks)] +
                              epochs_args(args), check=True, capture_output=True, text=True, env=child_env()).stdout
    info["evolution_population_long"] = json.loads(long_out)["evolution_population"]
    with open(path, "w") as f:
        json.dump(info, f)
    return info


def serve_once(args, task, genomes, command="serve", extra=()):
    """Answers of `bench_search serve|retrain` for each genome text."""
    if not genomes:
        return []
    cmd = [args.cpp, command, "--task", task, "--cache", args.cache] + epochs_args(args) + list(extra)
    text = "".join(json.dumps({"genome": g}) + "\n" for g in genomes)
    out = subprocess.run(cmd, input=text, check=True, capture_output=True, text=True, env=child_env()).stdout
    answers = [json.loads(line) for line in out.splitlines() if line.strip()]
    for g, a in zip(genomes, answers):
        if a.get("status") == "error":
            raise RuntimeError(f"{command} rejected {g!r}: {a.get('reason')}")
    return answers


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpp", required=True, help="the bench_search program")
    ap.add_argument("--out", default="", help="results, raw searches, logs and the cache (default "
                    "build-bench/search, with --early-stopping build-bench/search-es, with --multi-objective "
                    "build-bench/search-mo, with --surrogate build-bench/search-sur)")
    ap.add_argument("--cache", default="", help="evaluation cache directory (default OUT/cache; --multi-objective and "
                    "--surrogate at 9 epochs reuse the early-stopping study's trainings, and --surrogate the "
                    "multi-objective study's: pass --seed-cache "
                    "build-bench/search-es/cache,build-bench/search-mo/cache, or --cache build-bench/search-es/cache)")
    ap.add_argument("--seed-cache", default="", metavar="DIR[,DIR]",
                    help="first append these cache folders' files (TASK-HASH.jsonl) to the same-named files of the "
                         "cache, skipping lines it already has (merging caches is concatenating their lines)")
    ap.add_argument("--tasks", default="", help=f"default sans,minerva,em; with --multi-objective {MO_TASKS}")
    ap.add_argument("--methods", default="", help=f"of {', '.join(ALL_METHODS)} (default: "
                    f"{','.join(DEFAULT_METHODS)}; with --early-stopping {','.join(ES_METHODS)}; with "
                    f"--multi-objective {','.join(MO_METHODS)}; with --surrogate {','.join(SUR_METHODS)})")
    ap.add_argument("--seeds", type=int, default=0, help="run seeds 1..SEEDS per method and task "
                    "(default 20; in the studies 10)")
    ap.add_argument("--peer-seeds", type=int, default=0,
                    help="run seeds 1..K of the Optuna methods (default: SEEDS). Optuna's runs are the slowest "
                         "(TPE's own cost grows with the trials); they are compared unpaired (Mann-Whitney U), "
                         "so fewer of them keep the test valid, with less power")
    ap.add_argument("--networks", type=int, default=0, help="N: networks per search (default 40; with "
                    "--early-stopping 20: a budget of 20 networks of 9 epochs, 180 epochs of training; with "
                    "--multi-objective or --surrogate 40)")
    ap.add_argument("--long-task", default="sans", help="the task of the longer run ('' for none)")
    ap.add_argument("--long-networks", type=int, default=100)
    ap.add_argument("--long-seeds", type=int, default=6)
    ap.add_argument("--long-methods", default="evolution,random,optuna_tpe")
    ap.add_argument("--parallel", type=int, default=2, help="units run at once (one core each)")
    ap.add_argument("--group", type=int, default=5, help="run seeds per unit")
    ap.add_argument("--repeats", type=int, default=3, help="fresh-seed retrainings of each final best network")
    ap.add_argument("--quick", action="store_true", help="3 seeds, 12 networks, no longer run: for development")
    ap.add_argument("--early-stopping", action="store_true",
                    help="the early-stopping study: evolution, evolution_asha, optuna_tpe_hyperband at --epochs E, "
                         "no longer run; its own --out and page (render_early_stopping.py)")
    ap.add_argument("--multi-objective", action="store_true",
                    help="the multi-objective study: evolution_mo, optuna_nsga2 and evolution at --epochs E on "
                         f"{MO_TASKS}, no longer run, no retraining; its own --out and page "
                         "(render_multi_objective.py)")
    ap.add_argument("--surrogate", action="store_true",
                    help=f"the surrogate study: {', '.join(SUR_METHODS)} at --epochs E, no longer run; its own --out "
                         "and page (render_surrogate.py). At 9 epochs its trainings are the early-stopping and "
                         "multi-objective studies': --seed-cache "
                         "build-bench/search-es/cache,build-bench/search-mo/cache reuses them")
    ap.add_argument("--epochs", type=int, default=0,
                    help="E: epochs per network of the early-stopping, multi-objective or surrogate study (default 9; "
                         "ASHA and Hyperband rungs at 1, 3, 9, ... below E)")
    ap.add_argument("--fresh", action="store_true", help="forget finished units (the cache is kept)")
    ap.add_argument("--render", default="", help="then write this page (docs/search.md) and its plots")
    ap.add_argument("--images", default="", help="folder of the page's plots (default: images/ beside the page)")
    args = ap.parse_args()
    if args.early_stopping + args.multi_objective + args.surrogate > 1:
        ap.error("--early-stopping, --multi-objective and --surrogate are separate studies: run one at a time")
    if args.epochs and not in_study(args):
        ap.error("--epochs belongs to --early-stopping, --multi-objective and --surrogate (the default benchmark "
                 "trains the tasks' own epochs)")
    if args.epochs < 0:
        ap.error("--epochs must be positive")
    study = in_study(args)
    args.out = args.out or ("build-bench/search-es" if args.early_stopping else
                            "build-bench/search-mo" if args.multi_objective else
                            "build-bench/search-sur" if args.surrogate else "build-bench/search")
    args.methods = args.methods or ",".join(ES_METHODS if args.early_stopping else
                                            MO_METHODS if args.multi_objective else
                                            SUR_METHODS if args.surrogate else DEFAULT_METHODS)
    args.tasks = args.tasks or (MO_TASKS if args.multi_objective else "sans,minerva,em")
    args.seeds = args.seeds or (10 if study else 20)
    args.networks = args.networks or (20 if args.early_stopping else 40)
    if study:
        args.epochs = args.epochs or 9
        args.long_task = ""  # the studies have no longer run
    if args.quick:
        args.seeds, args.networks, args.long_task = 3, 12, ""
    if args.peer_seeds <= 0 or args.peer_seeds > args.seeds:
        args.peer_seeds = args.seeds
    args.cpp = os.path.abspath(args.cpp)
    args.cache = os.path.abspath(args.cache or os.path.join(args.out, "cache"))
    args.started = time.monotonic()
    args.resumed = 0  # units whose searches an earlier invocation ran
    if args.fresh:
        for sub in ("raw", "logs", "info"):
            shutil.rmtree(os.path.join(args.out, sub), ignore_errors=True)
    for sub in ("raw", "logs", "info"):
        os.makedirs(os.path.join(args.out, sub), exist_ok=True)
    tasks = [t for t in args.tasks.split(",") if t]
    methods = [m for m in args.methods.split(",") if m]
    for m in methods:
        if m not in ALL_METHODS:
            ap.error(f"unknown method {m!r}")
        if m in PRUNED_METHODS and not args.early_stopping:
            ap.error(f"{m} belongs to --early-stopping")
        if m in MO_ONLY_METHODS and not args.multi_objective:
            ap.error(f"{m} belongs to --multi-objective")
        if m in SUR_ONLY_METHODS and not args.surrogate:
            ap.error(f"{m} belongs to --surrogate")
    if args.seed_cache:
        sources = [d for d in args.seed_cache.split(",") if d]
        for d in sources:
            if not os.path.isdir(d):
                ap.error(f"--seed-cache: {d} is not a folder")
        added, skipped = seed_cache(sources, args.cache)
        say(f"search benchmark: --seed-cache added {added} lines to {args.cache} ({skipped} already there or torn)")

    infos = {t: task_info(args, t) for t in tasks}
    seeds = list(range(1, args.seeds + 1))
    peer_seeds = list(range(1, args.peer_seeds + 1))
    units = []
    for t in tasks:
        pop = infos[t]["evolution_population"]
        for m in methods:
            for g in seed_groups(peer_seeds if m in OPTUNA_METHODS else seeds, args.group):
                units.append(Unit(t, m, g, args.networks, pop, f"N{args.networks}" +
                                  (f"E{args.epochs}" if study else "")))
    if args.long_task:
        pop = infos[args.long_task]["evolution_population_long"]
        for m in [m for m in args.long_methods.split(",") if m]:
            for g in seed_groups(list(range(1, args.long_seeds + 1)), args.group):
                units.append(Unit(args.long_task, m, g, args.long_networks, pop, f"N{args.long_networks}"))
    units.sort(key=lambda u: -u.cost)
    mode = ("early stopping" if args.early_stopping else "multi-objective" if args.multi_objective else
            "surrogate" if args.surrogate else "")
    say(f"search benchmark{f' ({mode}, {args.epochs} epochs)' if mode else ''}: "
        f"{len(units)} units on {args.parallel} lanes, cache {args.cache}")
    done = [0]
    results = {}
    with futures.ThreadPoolExecutor(max_workers=args.parallel) as pool:
        jobs = {pool.submit(run_unit, u, args, done, len(units)): u for u in units}
        for job in futures.as_completed(jobs):
            results[jobs[job].name] = (jobs[job], job.result())

    # The seed networks (their score with the search seed, and retrained),
    # then every search's final best network, retrained on fresh seeds.
    out = {"meta": {}, "tasks": {}}
    for t in tasks:
        seed_answer = serve_once(args, t, [infos[t]["seed_genome"]])[0]
        searches = [s for (u, lines) in results.values() if u.task == t and u.networks == args.networks for s in lines]
        longs = [s for (u, lines) in results.values() if u.task == t and u.networks != args.networks for s in lines]
        finals = sorted({s["best_genome"] for s in searches + longs if "best_genome" in s} | {seed_answer["genome"]})
        if args.multi_objective:
            finals = []  # the study compares fronts of validation scores: nothing to retrain
        else:
            say(f"[{t}] retraining {len(finals)} distinct final networks x {args.repeats} seeds")
        lanes = max(1, min(args.parallel, len(finals)))
        chunks = [finals[i::lanes] for i in range(lanes)]
        with futures.ThreadPoolExecutor(max_workers=lanes) as pool:
            answers = list(pool.map(lambda c: serve_once(args, t, c, "retrain", ["--repeats", str(args.repeats)]),
                                    chunks))
        retrain = {}
        for chunk, chunk_answers in zip(chunks, answers):
            for g, a in zip(chunk, chunk_answers):
                retrain[g] = a
        out["tasks"][t] = {"info": infos[t], "seed_network": seed_answer, "searches": searches, "long_searches": longs,
                           "retrain": retrain}
    wall = time.monotonic() - args.started
    cpu_model = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu_model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    out["meta"] = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                   "wall_seconds": wall, "units": len(units), "units_resumed": args.resumed,
                   "unit_seconds": sum(unit_seconds(args, u) or 0.0 for u in units),
                   "units_timed": sum(1 for u in units if unit_seconds(args, u) is not None), "cores": os.cpu_count(), "cpu": cpu_model, "machine": platform.platform(),
                   "parallel": args.parallel, "seeds": args.seeds, "peer_seeds": args.peer_seeds,
                   "networks": args.networks,
                   "long": {"task": args.long_task, "networks": args.long_networks, "seeds": args.long_seeds}
                   if args.long_task else None,
                   "repeats": 0 if args.multi_objective else args.repeats, "quick": args.quick, "methods": methods,
                   "command": " ".join(sys.argv)}
    if args.early_stopping:
        reports = {t: infos[t]["settings"].get("report_epochs") for t in tasks}
        out["meta"].update(mode="early_stopping", epochs=args.epochs, min_resource=ES_MIN_RESOURCE,
                           reduction_factor=ES_REDUCTION_FACTOR, report_epochs=reports,
                           max_epochs_total=args.networks * args.epochs)
    if args.multi_objective:
        sys.path.insert(0, HERE)
        from search_stats import MO_REF_PARAMS, MO_REF_VAL  # numpy and scipy: imported by this mode only
        out["meta"].update(mode="multi_objective", epochs=args.epochs, tasks=tasks,
                           objectives=[{"name": "accuracy", "direction": "maximize"},
                                       {"name": "params", "direction": "minimize", "scale": "log10"}],
                           reference={"val": MO_REF_VAL, "params": MO_REF_PARAMS})
    if args.surrogate:
        out["meta"].update(mode="surrogate", epochs=args.epochs, tasks=tasks, candidates=SUR_CANDIDATES,
                           acquisition=SUR_ACQUISITION, exploration=SUR_EXPLORATION)
    path = os.path.join(args.out, "results.json")
    with open(path + ".tmp", "w") as f:
        json.dump(out, f)
    os.replace(path + ".tmp", path)
    say(f"search benchmark: results in {path} ({wall / 60:.1f} min)")
    if args.render:
        renderer = ("render_early_stopping.py" if args.early_stopping else
                    "render_multi_objective.py" if args.multi_objective else
                    "render_surrogate.py" if args.surrogate else "render_search.py")
        subprocess.run([sys.executable, os.path.join(HERE, renderer), path, "--out", args.render] +
                       (["--images", args.images] if args.images else []), check=True)


if __name__ == "__main__":
    main()
