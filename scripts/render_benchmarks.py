#!/usr/bin/env python3
"""Collects the benchmarks' JSON and renders docs/benchmarks.md.

    render_benchmarks.py collect RESULTS_DIR [--seconds N] -o bench-results.json
    render_benchmarks.py render bench-results.json -o docs/benchmarks.md
    render_benchmarks.py render bench-results.json -o docs/benchmarks.md --only trainer

`collect` reads every NAME.json (one JSON document, or JSON lines) with its
NAME.status ({"rc", "seconds", "command"} or {"skipped": why}) and NAME.log
from RESULTS_DIR (scripts/bench.sh writes them), adds the machine (cores,
CPU model, memory, load) and the versions of everything measured, and
writes one results file keyed by NAME. `render` writes the Markdown page
from that file only: a section whose results are missing says "not run in
this build". With --only SECTION it replaces that one section of the
existing page, marked with its own date, commit and load, and leaves the
rest as it was. Only /usr/bin/python3's standard library is needed. The
search-efficiency part renders its own page (benchmarks/search/).
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time


# ---------------------------------------------------------------- collect

def _run(command):
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=60)
        return (out.stdout or out.stderr).strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _py_version(module):
    text = _run(["/usr/bin/python3", "-c", f"import {module}; print({module}.__version__)"])
    return text.splitlines()[-1] if text and "Error" not in text else None


def _dpkg(package):
    text = _run(["dpkg-query", "-W", "-f=${Version}", package])
    return text or None


def machine():
    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    mem = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu_model": cpu, "memory_bytes": mem,
            "os": _run(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]) or platform.platform(),
            "kernel": platform.release()}


def versions(root):
    evonas = None
    try:
        with open(os.path.join(root, "include/evonas/version.hpp")) as f:
            text = f.read()
        parts = [re.search(rf"#define EVONAS_VERSION_{p} (\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
        evonas = ".".join(parts)
    except (OSError, AttributeError):
        pass
    gxx = _run(["g++", "--version"]).splitlines()
    mpi = _run(["mpiexec", "--version"]).splitlines()
    commit = _run(["git", "-C", root, "rev-parse", "--short", "HEAD"]) or None
    dirty = bool(_run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"]))
    return {"evonas": evonas, "git_commit": commit, "git_dirty": dirty,
            "gxx": gxx[0] if gxx else None,
            "libtorch": _dpkg("libtorch-dev"),
            "python": _run(["/usr/bin/python3", "-c", "import platform; print(platform.python_version())"]) or None,
            "python_torch": _py_version("torch"), "optuna": _py_version("optuna"), "deap": _py_version("deap"),
            "openmpi": mpi[0] if mpi else None,
            "google_benchmark": _dpkg("libbenchmark-dev")}


def _load(path):
    with open(path) as f:
        text = f.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        docs = []
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("{"):
                docs.append(json.loads(line))
        if not docs:
            raise
        return docs


def collect(args):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    results = {"generated_by": "scripts/bench.sh", "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "total_seconds": args.seconds, "machine": machine(), "versions": versions(root), "runs": {}}
    for extra in ("load-before", "load-after"):
        path = os.path.join(args.dir, extra + ".txt")
        if os.path.exists(path):
            m = re.search(r"load average: ([\d.]+)", open(path).read())
            results["machine"][extra.replace("-", "_")] = float(m.group(1)) if m else None
    for name in sorted(os.listdir(args.dir)):
        if not name.endswith(".status"):
            continue
        key = name[:-len(".status")]
        with open(os.path.join(args.dir, name)) as f:
            entry = json.load(f)
        data = os.path.join(args.dir, key + ".json")
        if "skipped" not in entry and entry.get("rc") == 0:
            try:
                entry["data"] = _load(data)
            except (OSError, json.JSONDecodeError) as e:
                entry["error"] = f"no JSON in the output: {e}"
        elif "skipped" not in entry:
            log = os.path.join(args.dir, key + ".log")
            if os.path.exists(log):
                entry["error"] = open(log, errors="replace").read()[-2000:]
        results["runs"][key] = entry
    with open(args.output, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    return 0


# ---------------------------------------------------------------- render

def fmt(x, digits=3):
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if x == 0:
            return "0"
        if abs(x) >= 1000:
            return f"{x:,.0f}"
        return f"{x:.{digits}g}" if abs(x) < 1 else f"{x:,.{max(0, digits - len(str(int(abs(x)))))}f}"
    return str(x)


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        out.append("| " + " | ".join(fmt(c) if not isinstance(c, str) else c for c in r) + " |")
    return "\n".join(out)


class Page:
    def __init__(self, results):
        self.r = results
        self.runs = results.get("runs", {})
        self.lines = []

    def add(self, *text):
        self.lines.extend(text)

    def data(self, key):
        entry = self.runs.get(key)
        return entry.get("data") if entry else None

    def missing(self, *keys):
        """A 'not run' note when none of keys has data, else None."""
        if any(self.data(k) is not None for k in keys):
            return None
        for k in keys:
            e = self.runs.get(k)
            if e and "skipped" in e:
                return f"*Not run in this build: {e['skipped']}.*"
            if e and ("error" in e or e.get("rc")):
                return f"*Not run in this build: `{e.get('command', k)}` failed (status {e.get('rc')}); " \
                       "see build-bench/results/" + k + ".log.*"
        return "*Not run in this build.*"

    def seconds(self, key):
        e = self.runs.get(key) or {}
        return e.get("seconds")


def render_header(p):
    m, v = p.r["machine"], p.r["versions"]
    mem = m.get("memory_bytes")
    p.add("# evonas benchmarks", "",
          "Generated by `scripts/run.sh bench` (scripts/bench.sh, then scripts/render_benchmarks.py "
          "from build-bench/bench-results.json); do not edit by hand, run it again. Every figure below "
          "was measured in that run. No benchmark is a test and nothing asserts a time.", "",
          f"Run: {p.r['date']}, {fmt(p.r.get('total_seconds'))} s for the whole script (build included).", "",
          "## Machine and versions", "",
          table(["", ""], [
              ["cores (nproc)", fmt(m.get("nproc"))],
              ["CPU", m.get("cpu_model") or "-"],
              ["memory", f"{mem / 2**30:.1f} GiB" if mem else "-"],
              ["OS", m.get("os") or "-"],
              ["load average (1 min) before / after", f"{fmt(m.get('load_before'))} / {fmt(m.get('load_after'))}"],
              ["evonas", f"{v.get('evonas')} (git {v.get('git_commit')}{', uncommitted changes' if v.get('git_dirty') else ''})"],
              ["compiler", v.get("gxx") or "-"],
              ["LibTorch (libtorch-dev)", v.get("libtorch") or "-"],
              ["Python / torch", f"{v.get('python')} / {v.get('python_torch') or '-'}"],
              ["Optuna", v.get("optuna") or "-"],
              ["DEAP", v.get("deap") or "-"],
              ["OpenMPI", v.get("openmpi") or "-"],
              ["Google Benchmark", v.get("google_benchmark") or "-"],
          ]), "",
          "The machine may be shared with other work (see the load average): wall-clock figures then "
          "include time spent waiting for a core. Where a benchmark reports process CPU time as well, "
          "that is the fairer comparison between two implementations.", "")


def render_overhead(p):
    p.add("## Scheduling overhead per job (no training)", "",
          "What it does: every tool proposes a candidate, gets a trivial score back at once and records it, "
          "so all the time is the tool's own bookkeeping. evonas: `bench_overhead` (the engine's "
          "`complete_and_propose()` loop, a result and the next job in one call, with 1 and 4 islands, and "
          "`evonas::evolve` with 1 and 2 worker threads; `cnn_space(2)` genomes of up to 13 layers + 6 "
          "globals, population 32, tournament 3, lineage log on: a job's two JSON lines reach the kernel, "
          "with one write(2), before the next job leaves). Optuna: `benchmarks/peers/optuna_overhead.py`, "
          "a define-by-run objective asking for 78 parameters (12 layers x 6 + 6 globals), in-memory "
          "storage. DEAP: `benchmarks/peers/deap_overhead.py`, a steady-state loop (population 32, "
          "tournament 3, one-point crossover or mutation) on a 78-gene list genome, no log.", "")
    note = p.missing("bench_overhead", "optuna_overhead", "deap_overhead")
    if note:
        p.add(note, "")
        return
    cases = []
    for key in ("bench_overhead", "optuna_overhead", "deap_overhead"):
        d = p.data(key)
        if d is None:
            p.add(p.missing(key) + f" ({key})", "")
            continue
        for c in d["cases"]:
            cases.append(c)
    rows = [[c["name"], c["jobs"], c.get("repeats"), c["jobs_per_second"], c["us_per_job"], c.get("cpu_us_per_job"),
             c.get("last_quarter_us_per_job")] for c in cases]
    p.add(table(["case", "jobs", "runs", "jobs/s (wall)", "us/job (wall)", "CPU us/job", "us/job, last quarter"],
                rows), "",
          "The run with the median wall time of each case. \"CPU us/job\" is process CPU time per job.", "")
    by = {c["name"]: c for c in cases}
    peers = [("optuna_random", 200.0), ("optuna_tpe", None), ("deap_steady_state", 10.0)]
    ours = [c["name"] for c in cases if c["name"].startswith(("engine_", "threads_"))]
    rows = []
    for o in ours:
        for peer, target in peers:
            if peer not in by:
                continue
            wall = by[peer]["us_per_job"] / by[o]["us_per_job"]
            cpu = (by[peer]["cpu_us_per_job"] / by[o]["cpu_us_per_job"]) if by[o].get("cpu_us_per_job") else None
            met = "-" if target is None else ("met" if min(wall, cpu or wall) >= target else
                                              ("met by CPU time only" if (cpu or 0) >= target else "**not met**"))
            rows.append([o, peer, f"{wall:,.1f}x", f"{cpu:,.1f}x" if cpu else "-",
                         f">= {target:g}x" if target else "-", met])
    p.add("Throughput ratios, evonas / peer (higher: evonas faster):", "",
          table(["evonas case", "peer", "ratio (wall)", "ratio (CPU)", "target", "verdict"], rows), "")
    lines = []
    if "optuna_tpe" in by and "optuna_random" in by:
        lines.append(f"- Optuna's cost per trial grows with the study's length (its samplers read every "
                     f"finished trial): TPE took {fmt(by['optuna_tpe']['us_per_job'])} us per trial on average "
                     f"over {by['optuna_tpe']['jobs']} trials and {fmt(by['optuna_tpe'].get('last_quarter_us_per_job'))} us "
                     f"in the last quarter; RandomSampler {fmt(by['optuna_random']['us_per_job'])} us over "
                     f"{by['optuna_random']['jobs']} trials. Longer studies widen the gap.")
    if "deap_steady_state" in by:
        d = by["deap_steady_state"]
        slower = [o for o in ours if by[o]["cpu_us_per_job"] > d["cpu_us_per_job"] / 10.0]
        if slower:
            lines.append("- **Where the peer comes close: DEAP.** Its loop does much less per job than evonas "
                         "does (no lineage log, no duplicate detection by canonical hash, no job records, no "
                         "validation of the genome against a search space, a flat list of integers instead "
                         "of typed layers): the 10x target is not reached by "
                         + ", ".join(f"`{o}`" for o in slower) + ".")
    lw = (p.data("bench_overhead") or {}).get("lineage_write")
    if lw and "engine_1_island" in by:
        floor = lw["us_per_job"]
        need = by["deap_steady_state"]["us_per_job"] / 10.0 if "deap_steady_state" in by else None
        text = (f"- The log's write alone: {fmt(floor)} us per job here (`lineage_write`: {lw['jobs']:,} write(2) "
                f"calls of {lw['setup']['bytes_per_job']} bytes, a job's two lines, on the same file system), "
                f"{100 * floor / by['engine_1_island']['us_per_job']:.0f}% of `engine_1_island`'s time per job.")
        if need is not None:
            text += (f" The 10x target against DEAP in this run means {fmt(need)} us per job or less for all of "
                     f"evonas's work" + (", less than the write alone: not reachable on this machine while "
                                         "each job's lines reach the kernel before the next job leaves."
                                         if floor >= need else "."))
        lines.append(text)
    eng = p.data("bench_engine")
    if eng:
        cpu = {b["name"]: b["cpu_time"] for b in eng.get("benchmarks", []) if b.get("time_unit") == "us"}
        off, on = cpu.get("engine_cost/islands:1/lineage_log:0"), cpu.get("engine_cost/islands:1/lineage_log:1")
        if off and on:
            share = (on - off) / on
            lines.append(f"- The lineage log (one JSON line written and flushed per job, the run's write-ahead log) "
                         f"is {100 * share:.0f}% of the engine's cost per job here: bench_engine measured "
                         f"{fmt(off)} CPU us per job with the log off and {fmt(on)} with it on (1 island). The "
                         f"rest is breeding, the canonical hash of every child and bookkeeping; with this "
                         f"trivial fitness the population converges, so many children are twins of networks "
                         f"already seen and are bred again (the `duplicates_per_job` counter below).")
    lines.append("- What it shows: the per-job cost a search tool adds on top of training, i.e. how many "
                 "workers one master can keep busy (jobs/s x mean training time). What it does not show: "
                 "which tool finds better networks per trained network (see the SANS section), or the cost "
                 "with real trainings, where any of these overheads is negligible next to minutes of training.")
    lines.append("- evonas's thread-driver figures include waking the waiting worker threads and the "
                 "run directory (lineage log, one checkpoint at the end); with 2 workers the two threads "
                 "contend for one lock and, with no training, have nothing to overlap.")
    p.add(*lines, "")


def render_gbench(p, key, title, what):
    p.add(f"## {title}", "", what, "")
    note = p.missing(key)
    if note:
        p.add(note, "")
        return
    d = p.data(key)
    rows = []
    for b in d.get("benchmarks", []):
        extra = ", ".join(f"{k} {fmt(v)}" for k, v in b.items()
                          if k not in ("name", "family_index", "per_family_instance_index", "run_name", "run_type",
                                       "repetitions", "repetition_index", "threads", "iterations", "real_time",
                                       "cpu_time", "time_unit", "items_per_second", "label", "aggregate_name"))
        rows.append([f"`{b['name']}`", b.get("iterations"), f"{fmt(b['real_time'])} {b['time_unit']}",
                     f"{fmt(b['cpu_time'])} {b['time_unit']}",
                     fmt(b.get("items_per_second")) if b.get("items_per_second") else "-", extra or "-"])
    p.add(table(["benchmark", "iterations", "wall time", "CPU time", "items/s", "counters"], rows), "")


def render_scale(p):
    p.add("## Titan-scale simulation (bench_scale)", "",
          "What it does: the simulation driver runs the real engine with 18,688 virtual workers for 24 "
          "virtual hours (log-normal job times with MENNDL's mean of 3,381 s), the master charged the "
          "engine's measured cost per job. It shows whether one evonas master keeps a Titan busy and "
          "the asynchronous engine against a generational one; it does not show real training or "
          "network latency (assumed 100 us each way). See docs/scale.md for the full study "
          "(`EVONAS_BENCH_SCALE=all`).", "")
    note = p.missing("bench_scale")
    if note:
        p.add(note, "")
        return
    d = p.data("bench_scale")
    titan = d.get("titan")
    if titan:
        rows = []
        for name in ("asynchronous", "generational", "seed_check_18000_workers"):
            r = titan.get(name)
            if not r:
                continue
            pct = lambda x: f"{100 * x:.4g}%" if x is not None else "-"
            rows.append([name.replace("_", " "), r.get("workers"), r["jobs"]["evaluated"], pct(r.get("utilisation")),
                         pct(r.get("master_busy_fraction")), r.get("best_score"),
                         f"{r['time_to_target'] / 3600:.2f} h" if r.get("time_to_target") else "-",
                         r.get("real", {}).get("seconds")])
        p.add(table(["run", "workers", "networks evaluated", "worker utilisation", "master busy", "best score",
                     "time to 0.95", "real seconds"], rows), "")
        if "seed_check_18000_workers" in titan:
            exp = titan["seed_check_18000_workers"].get("expected_at_full_utilisation")
            p.add(f"MENNDL evaluated about 460,000 networks in 24 h on 18,000 nodes; at full utilisation "
                  f"the model predicts {fmt(exp)}.", "")
    for c in d.get("engine_cost", []):
        p.add(f"Engine cost measured for the master, {fmt(c['in_flight'])} jobs in flight: propose "
              f"{fmt(c['propose_us'])} us, complete {fmt(c['complete_us'])} us per job "
              f"(median of batches of 1,000).", "")
    other = [k for k in ("summit", "million", "saturation", "choices") if k in d]
    p.add(f"Parts run: {', '.join(['titan'] + other) if titan else ', '.join(other)}; whole program "
          f"{fmt(d.get('real_seconds'))} s."
          + (" The other parts' JSON is in build-bench/bench-results.json." if other else ""), "")


def render_mpi(p):
    p.add("## MPI driver throughput (bench_mpi)", "",
          "What it does: `mpiexec -n R bench_mpi --jobs 50000 --repeat 3`, a no-op trainer on R-1 worker "
          "ranks, so every microsecond is the driver's (engine, encoding, OpenMPI shared memory). It "
          "shows how many jobs per second one master handles; it does not show a network or more "
          "ranks than this machine's cores (4 ranks on 2 cores are oversubscribed).", "")
    keys = [k for k in sorted(p.runs)
            if k.startswith("bench_mpi") and k not in ("bench_mpi_run_files", "bench_mpi_reports")]
    note = p.missing(*keys) if keys else "*Not run in this build.*"
    if note:
        p.add(note, "")
        return
    rows = []
    for k in keys:
        d = p.data(k) or []
        for r in (d if isinstance(d, list) else [d]):
            if r.get("benchmark") != "mpi_master_throughput":
                continue
            rows.append([r["ranks"], r["workers"], r["jobs_per_worker"], r["jobs"], r["jobs_per_second"],
                         r.get("master_cpu_us_per_job"), r.get("master_busy_fraction"), r.get("engine_us_per_job")])
    p.add(table(["ranks", "workers", "jobs per worker", "jobs", "jobs/s", "master CPU us/job", "master busy",
                 "engine us/job"], rows), "")
    render_mpi_reports(p)


def render_mpi_reports(p):
    p.add("### Early stopping: the wait per report",  "",
          "What it does: `mpiexec -n 3 bench_mpi --jobs 50000 --jobs-per-worker 1 --reports 3 --repeat 3`: "
          "every job of the no-op trainer reports 3 times with ASHA on, each report travelling from its worker "
          "to the island master and the answer back. It shows how long training waits per report (median and "
          "90th percentile over every report), against the engine's `report()` alone in one process (what the "
          "thread driver pays, without its lock); it does not show the cost of the validation a real trainer "
          "runs before reporting.", "")
    note = p.missing("bench_mpi_reports")
    if note:
        p.add(note, "")
        return
    d = p.data("bench_mpi_reports") or []
    rows = []
    for r in (d if isinstance(d, list) else [d]):
        if r.get("benchmark") != "mpi_report_round_trip":
            continue
        rows.append([r["ranks"], r["jobs"], r["reports"], r["stopped"], r["wait_us"]["median"], r["wait_us"]["p90"],
                     r["engine_report_us"], r["median_over_engine"]])
    p.add(table(["ranks", "jobs", "reports", "jobs stopped", "wait us (median)", "wait us (p90)",
                 "engine report() us", "median / engine"], rows), "")


def render_persistence(p):
    p.add("## Run length: 500,000 jobs with run files (bench_persistence)", "",
          "What it does: `bench_persistence --jobs 500000`, a thread-driver run of MENNDL's length with an "
          "instant trainer and every run file on (lineage log, seen.bin, a checkpoint every 25 jobs, each "
          "after an fsync of the log), then a resume of the finished run; and `mpiexec -n 4 bench_mpi "
          "--jobs 100000 --jobs-per-worker 1 --run-dir DIR`, the same under the MPI driver (rank 0 keeps "
          "the files). It shows whether the cost per job, the checkpoint and the memory stay flat as the "
          "run grows (goals: last tenth within 1.2x of the first, <= 100 bytes per job); with no training "
          "time every microsecond is the engine's and the disk's (fsync), so the figures move with the "
          "machine's load. It does not show a parallel file system.", "")
    note = p.missing("bench_persistence")
    if note:
        p.add(note, "")
        return
    rows = []
    d = p.data("bench_persistence")
    if isinstance(d, list):
        d = d[0]
    if d:
        pj, cp, rss = d["per_job_us"], d["checkpoints"], d["rss"]
        cpu = d.get("cpu_us_per_job", {})
        rows.append(["threads, 1 worker", d["jobs"], pj["first_tenth"], pj["last_tenth"], pj["last_over_first"],
                     cpu.get("last_over_first", ""),
                     f"{cp['first_bytes']} -> {cp['last_bytes']}",
                     f"{fmt(cp['median_ms_first_tenth'])} / {fmt(cp['median_ms_last_tenth'])}",
                     rss["bytes_per_finished_job"], d["resume_seconds"]])
    m = p.data("bench_mpi_run_files") or []
    for r in (m if isinstance(m, list) else [m]):
        if r.get("benchmark") != "mpi_run_files":
            continue
        pj = r["per_job_us"]
        rows.append(["MPI, 4 ranks (3 workers)", r["jobs"], pj["first_tenth"], pj["last_tenth"], pj["last_over_first"],
                     "", str(r["checkpoint_bytes"]), "", r["rss_bytes_per_job_after_first_tenth"], ""])
    p.add(table(["run", "jobs", "us/job, first tenth", "us/job, last tenth", "last / first", "last / first, CPU time",
                 "checkpoint bytes (first -> last)", "checkpoint ms, median first / last tenth",
                 "resident bytes per job", "resume s"], rows), "")


def render_trainer(p):
    p.add("## Trainer throughput: evonas (LibTorch) vs Python PyTorch", "")
    d = p.data("bench_trainer")
    rounds = d.get("rounds", 3) if d else 7
    p.add("What it does: `benchmarks/bench_trainer.py` trains the same networks (two convolution + pooling "
          "layers and a dense layer, 1-D, 2-D and 3-D, parameters in the table) for "
          f"{d.get('steps', 60) if d else 60} steps (batch 64, SGD, one intra-op thread, synthetic data) with "
          "evonas's `CnnTrainer` and with the identical PyTorch modules in Python, one fresh process each per "
          f"round, {rounds} rounds, the order alternating. Each round gives a ratio evonas / PyTorch per network; "
          "the table shows the medians and the spread (lowest to highest per-round ratio). Samples per "
          "CPU-second use the CPU time of the training thread on both sides, which other load on the machine "
          "does not inflate as it does wall time: that is the comparison to read on a shared machine. It shows "
          "the trainer's own speed; it does not show GPUs or large networks (where both run the same "
          "kernels). The same comparison on a CUDA GPU is part of `scripts/gpu-check.sh`, which has not run yet: "
          "no GPU machine has been available (docs/libtorch.md, \"On a GPU\").", "")
    note = p.missing("bench_trainer")
    if note:
        p.add(note, "")
        return
    spread = lambda n, key: (f"{n[key][0]:.2f}-{n[key][1]:.2f}x" if key in n else "-")
    rows = [[n["net"], n["params"], n["evonas_samples_per_cpu_second"], n["pytorch_samples_per_cpu_second"],
             f"{n['cpu_ratio']:.2f}x", spread(n, "cpu_ratio_spread"), n.get("verdict", "-"),
             n["evonas_samples_per_second"], n["pytorch_samples_per_second"], f"{n['ratio']:.2f}x",
             spread(n, "ratio_spread")] for n in d.get("nets", [])]
    load = d.get("load_average_range")
    p.add(f"LibTorch {d.get('libtorch')}, PyTorch {d.get('pytorch')}, device {d.get('device', 'cpu')}, "
          f"load average (1 min) over the rounds {fmt(d.get('load_average'))}"
          + (f" (from {fmt(load[0])} to {fmt(load[1])})" if load else "") + " on "
          f"{fmt(p.r['machine'].get('nproc'))} cores"
          + (f", MALLOC_CONF={d['malloc_conf']}" if d.get("malloc_conf") else "") + ".", "",
          table(["net", "parameters", "evonas samples/CPU-s", "PyTorch samples/CPU-s", "ratio (CPU)",
                 "spread (CPU)", "verdict (CPU)", "evonas samples/s", "PyTorch samples/s", "ratio (wall)",
                 "spread (wall)"], rows), "")
    covered = [n["net"] for n in d.get("nets", []) if n.get("verdict") == "the spread covers 1.0x"]
    slower = [n["net"] for n in d.get("nets", []) if n.get("verdict", "") == "PyTorch faster"
              or ("verdict" not in n and n["cpu_ratio"] < 1.0)]
    if slower:
        p.add(f"**Python PyTorch is faster per CPU-second on {', '.join(slower)}.**", "")
    if covered:
        p.add(f"**The spread covers 1.0x on {', '.join(covered)}: no difference shown there.**", "")
    if d.get("workers"):
        rows = [[w["net"], w.get("base_workers", 1), w.get("workers", 2),
                 w.get("base_samples_per_second", w.get("one_worker")),
                 w.get("samples_per_second", w.get("two_workers")), f"{w['speedup']:.2f}x",
                 " / ".join(fmt(c) for c in w.get("cores_used", w.get("cores_used_by_two", []))),
                 w.get("cpu_efficiency", w.get("cpu_efficiency_two_vs_one"))]
                for w in d["workers"]]
        p.add("Several trainers in one process (evonas thread driver, jemalloc):", "",
              table(["net", "base workers", "workers", "base samples/s", "samples/s", "speedup",
                     "cores used", "samples per CPU-s vs base"], rows), "")
    if d.get("memory"):
        rows = [[m["workers"], f"{m['data_mib']:.0f} MiB", f"{m['added_mib']:.0f} MiB",
                 f"{m['added_in_data_sets']:.2f}"] for m in d["memory"]]
        p.add("Resident memory of W trainers made from one data set (`bench_trainer --memory-only`, one "
              "process per row; VmRSS after constructing the trainers minus before):", "",
              table(["trainers", "data set", "resident memory added", "in data-set sizes"], rows), "")


def _generic(value):
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        keys = []
        for v in value:
            keys += [k for k in v if k not in keys and not isinstance(v[k], (dict, list))]
        return table(keys, [[v.get(k) for k in keys] for v in value])
    if isinstance(value, dict):
        rows = [[k, json.dumps(v) if isinstance(v, (dict, list)) else v] for k, v in value.items()
                if not (isinstance(v, list) and v and all(isinstance(x, dict) for x in v))]
        parts = [table(["", ""], rows)] if rows else []
        for k, v in value.items():
            if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                parts += ["", f"{k}:", "", _generic(v)]
        return "\n".join(parts)
    return f"`{json.dumps(value)}`"


def render_surrogate(p):
    p.add("## Surrogate pre-screen cost", "",
          "What it does: `bench_surrogate` runs the engine with an instant trainer on the 2-D CNN space "
          "(features from the shape inference for 3 x 32 x 24 inputs) until N networks are scored, then "
          "measures the engine's microseconds per job over the next max(200, N / 5) jobs with the surrogate "
          "on (16 candidates bred, checked for twins, their features and predictions, and the refits that "
          "fall in the window) against the same engine with it off, in the same run; it also times one refit "
          "at N and one candidate's features and prediction. `mpiexec -n 4 bench_mpi --surrogate 16 --jobs "
          "2000` gives one MPI master's jobs per second with the surrogate on around 1,000 trained networks. "
          "It shows the master's cost of thinking before dispatching; it does not show whether the "
          "predictor pays off (that is [search-surrogate.md](search-surrogate.md)).", "")
    note = p.missing("bench_surrogate")
    if note:
        p.add(note, "")
        return
    rows = []
    for r in (p.data("bench_surrogate") or []):
        if r.get("benchmark") != "surrogate_cost":
            continue
        rows.append([r["scored"], r["window"], r["us_per_job"], r["us_per_job_without"], r["ratio"],
                     r["refits_in_window"], r["refit_ms"], r["features_us"], r["predict_us"],
                     r["jobs_per_second_bound"]])
    p.add(table(["networks scored", "jobs measured", "engine us/job with", "without", "ratio", "refits in window",
                 "one refit ms", "features us", "prediction us", "jobs/s bound"], rows), "")
    d = p.data("bench_surrogate_mpi") if "bench_surrogate_mpi" in p.runs else None
    rows = []
    for r in (d if isinstance(d, list) else [d] if d else []):
        if r.get("benchmark") == "mpi_master_throughput":
            rows.append([r["ranks"], r["jobs"], r.get("surrogate_candidates"), r["jobs_per_second"],
                         r.get("master_cpu_us_per_job"), r.get("master_busy_fraction")])
    if rows:
        p.add("One MPI master with the surrogate on (`bench_mpi --surrogate 16 --jobs 2000`, 3 workers):", "",
              table(["ranks", "jobs", "candidates", "jobs/s", "master CPU us/job", "master busy"], rows), "")
    else:
        p.add(p.missing("bench_surrogate_mpi") or "*The MPI master was not measured.*", "")


def render_search(p):
    p.add("## Search efficiency", "")
    p.add("The search-efficiency benchmark (part `search`: evonas evolution, seeded evolution and random "
          "search against Optuna TPE and RandomSampler on three tasks, 20 run seeds each, with confidence "
          "bands and significance tests) writes its own page: [search.md](search.md).", "")
    p.add("Its early-stopping study (part `search_es`: evonas evolution with and without the ASHA stopper "
          "against Optuna TPE with its HyperbandPruner, at equal training CPU-seconds) writes "
          "[search-early-stopping.md](search-early-stopping.md).", "")
    p.add("Its multi-objective study (part `search_mo`) writes "
          "[search-multi-objective.md](search-multi-objective.md), and its surrogate study (part `search_sur`: "
          "evonas evolution with and without the surrogate pre-screen, and the same candidates picked at "
          "random) writes [search-surrogate.md](search-surrogate.md).", "")


SECTIONS = {"trainer": ("## Trainer throughput", lambda p: render_trainer(p)),
            "overhead": ("## Scheduling overhead per job", lambda p: render_overhead(p)),
            "mpi": ("## MPI driver throughput", lambda p: render_mpi(p)),
            "surrogate": ("## Surrogate pre-screen cost", lambda p: render_surrogate(p))}


def render_only(args, results):
    """Replaces one section of an existing page with its figures from
    `results`, marked as measured apart from the rest of the page."""
    title, render_section = SECTIONS[args.only]
    with open(args.output) as f:
        page = f.read()
    start = page.find("\n" + title)
    if start < 0:
        raise SystemExit(f"{args.output} has no section '{title}'")
    end = page.find("\n## ", start + 1)
    end = len(page) if end < 0 else end
    p = Page(results)
    render_section(p)
    m, v = results["machine"], results["versions"]
    lines = p.lines
    commands = [run.get("command", "?") for key, run in sorted(results["runs"].items())
                if key == "bench_" + args.only or key.startswith("bench_" + args.only + "_")
                or key.endswith("_" + args.only)]  # the peers' runs (deap_overhead, ...)
    command = "; ".join(commands) or "?"
    note = (f"*This section was measured apart from the rest of this page: {results['date']}, by "
            f"`scripts/run.sh bench {args.only}` (which ran `{command}`) at git {v.get('git_commit')}"
            f"{' (uncommitted changes)' if v.get('git_dirty') else ''}, load average (1 min) before / after "
            f"{fmt(m.get('load_before'))} / {fmt(m.get('load_after'))} on {fmt(m.get('nproc'))} cores. The "
            f"machine table at the top is the other sections' run.*")
    lines = lines[:2] + [note, ""] + lines[2:]
    text = page[:start + 1] + "\n".join(lines).rstrip() + "\n" + page[end:]
    with open(args.output, "w") as f:
        f.write(text)
    return 0


def render(args):
    with open(args.results) as f:
        results = json.load(f)
    if args.only:
        return render_only(args, results)
    p = Page(results)
    p.output = args.output
    render_header(p)
    render_overhead(p)
    render_gbench(p, "bench_engine", "Engine cost per job (bench_engine)",
                  "What it does: `propose()` + `complete()` with a trivial fitness (Google Benchmark), 1 and "
                  "4 islands, lineage log off and on. It shows the engine's own cost; it does not include a "
                  "driver's locking or messaging (see the overhead and MPI sections).")
    render_gbench(p, "bench_genome", "Genome operators (bench_genome)",
                  "What it does: one step of evolution on a 12-layer genome (one-point crossover, one "
                  "mutation, one canonical hash) and each part alone (Google Benchmark).")
    render_scale(p)
    render_mpi(p)
    render_persistence(p)
    render_trainer(p)
    render_surrogate(p)
    render_search(p)
    text = "\n".join(p.lines).rstrip() + "\n"
    with open(args.output, "w") as f:
        f.write(text)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("dir")
    c.add_argument("--seconds", type=float, default=None)
    c.add_argument("-o", "--output", required=True)
    r = sub.add_parser("render")
    r.add_argument("results")
    r.add_argument("-o", "--output", required=True)
    r.add_argument("--only", choices=sorted(SECTIONS),
                   help="replace only this section of the existing page OUTPUT (results of that part alone)")
    args = parser.parse_args()
    return collect(args) if args.command == "collect" else render(args)


if __name__ == "__main__":
    sys.exit(main())
