#!/usr/bin/python3
"""Turn an evonas run directory into PNG figures.

    /usr/bin/python3 scripts/plot_run.py RUN_DIR [--out DIR]

Reads RUN_DIR/lineage.jsonl (one JSON line per finished job) and writes, to
RUN_DIR/plots/ unless --out says otherwise:

  scores.png    the score of every job over time, coloured by island, with
                the best score so far; failed/timed-out jobs as grey crosses
  workers.png   what each worker did over time (one bar per job) and the
                fraction of workers busy
  lineage.png   the ancestry of the best network: every ancestor's score
                over time, edges from parents to children, labelled with
                the operation that made each child

Needs matplotlib (Debian: python3-matplotlib). Exit status 0 on success,
2 for a bad run directory, 3 when matplotlib is missing.
"""
import argparse
import json
import os
import sys


def read_jobs(run_dir):
    path = os.path.join(run_dir, "lineage.jsonl")
    if not os.path.isfile(path):
        sys.exit(f"plot_run: {path} does not exist (is {run_dir} an evonas run directory?)")
    jobs = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                j = json.loads(line)
            except json.JSONDecodeError:
                print(f"plot_run: skipping line {n} of {path}: not JSON (a crash mid-write?)", file=sys.stderr)
                continue
            if j.get("type") == "job":
                jobs[j["id"]] = j
    if not jobs:
        sys.exit(f"plot_run: {path} holds no finished jobs yet")
    return [jobs[k] for k in sorted(jobs)], jobs


def best_job(jobs_by_id, run_dir):
    best_txt = os.path.join(run_dir, "best.txt")
    if os.path.isfile(best_txt):
        for line in open(best_txt):
            parts = line.split()
            if len(parts) == 2 and parts[0] == "job" and int(parts[1]) in jobs_by_id:
                return int(parts[1])
    ok = [j for j in jobs_by_id.values() if j["fitness"]["status"] == "ok"]
    return max(ok, key=lambda j: j["fitness"]["score"])["id"] if ok else None


def main():
    parser = argparse.ArgumentParser(description="Plot an evonas run directory (lineage.jsonl) as PNG figures.")
    parser.add_argument("run_dir", help="the run directory (holds lineage.jsonl)")
    parser.add_argument("--out", help="where to write the PNGs (default: RUN_DIR/plots)")
    args = parser.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot_run: matplotlib is missing (Debian: apt-get install python3-matplotlib)", file=sys.stderr)
        return 3
    try:
        jobs, by_id = read_jobs(args.run_dir)
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 2
    out = args.out or os.path.join(args.run_dir, "plots")
    os.makedirs(out, exist_ok=True)
    islands = sorted({j.get("island", 0) for j in jobs})
    cmap = plt.get_cmap("tab10")
    ok = lambda j: j["fitness"]["status"] == "ok"

    # 1. scores over time, coloured by island, and the best so far
    fig, ax = plt.subplots(figsize=(9, 5))
    for k, isl in enumerate(islands):
        pts = [j for j in jobs if ok(j) and j.get("island", 0) == isl]
        ax.scatter([j["end"] for j in pts], [j["fitness"]["score"] for j in pts], s=18, color=cmap(k % 10),
                   label=f"island {isl}", alpha=0.8)
    bad = [j for j in jobs if not ok(j)]
    oks = [j["fitness"]["score"] for j in jobs if ok(j)]
    floor = min(oks) if oks else 0.0
    if bad:
        ax.scatter([j["end"] for j in bad], [floor] * len(bad), marker="x", color="grey",
                   label="failed / timed out / invalid")
    by_end = sorted((j for j in jobs if ok(j)), key=lambda j: j["end"])
    xs, ys, best = [], [], None
    for j in by_end:
        s = j["fitness"]["score"]
        best = s if best is None else max(best, s)
        xs.append(j["end"])
        ys.append(best)
    if xs:
        ax.step(xs, ys, where="post", color="black", linewidth=1.5, label="best so far")
    seed = [j for j in jobs if j.get("origin") == "seed" and ok(j)]
    if seed:
        ax.axhline(seed[0]["fitness"]["score"], color="red", linestyle="--", linewidth=1, label="seed network")
    ax.set_xlabel("time since the start of the run (s)")
    ax.set_ylabel("validation score")
    ax.set_title(f"{len(jobs)} jobs of {os.path.basename(os.path.abspath(args.run_dir))}")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "scores.png"), dpi=110)
    plt.close(fig)

    # 2. worker utilisation: one bar per job, and the busy fraction over time
    workers = sorted({j.get("worker", 0) for j in jobs})
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 5), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    for j in jobs:
        w = workers.index(j.get("worker", 0))
        colour = cmap(islands.index(j.get("island", 0)) % 10) if ok(j) else "grey"
        ax1.barh(w, j["end"] - j["start"], left=j["start"], height=0.7, color=colour, edgecolor="white", linewidth=0.5)
    ax1.set_yticks(range(len(workers)))
    ax1.set_yticklabels([f"worker {w}" for w in workers])
    ax1.set_title("jobs per worker (colour: island; grey: not ok)")
    events = sorted([(j["start"], 1) for j in jobs] + [(j["end"], -1) for j in jobs])
    t, busy, ts, bs = 0.0, 0, [0.0], [0.0]
    for time, delta in events:
        ts.append(time)
        bs.append(busy / len(workers))
        busy += delta
        ts.append(time)
        bs.append(busy / len(workers))
    ax2.plot(ts, bs, color="black", linewidth=1)
    span = max(j["end"] for j in jobs) - min(j["start"] for j in jobs)
    work = sum(j["end"] - j["start"] for j in jobs)
    mean = work / (span * len(workers)) if span > 0 else 0.0
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("busy fraction")
    ax2.set_xlabel("time since the start of the run (s)")
    ax2.set_title(f"worker utilisation: {100 * mean:.0f}% on average", fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "workers.png"), dpi=110)
    plt.close(fig)

    # 3. lineage of the best network
    fig, ax = plt.subplots(figsize=(9, 5))
    best_id = best_job(by_id, args.run_dir)
    if best_id is None:
        ax.text(0.5, 0.5, "no job finished ok", ha="center", transform=ax.transAxes)
    else:
        ancestors, todo = set(), [best_id]
        while todo:
            i = todo.pop()
            if i in ancestors or i not in by_id:
                continue
            ancestors.add(i)
            todo.extend(by_id[i].get("parents", []))
        score = lambda i: by_id[i]["fitness"]["score"] if ok(by_id[i]) else floor
        for i in ancestors:
            for p in by_id[i].get("parents", []):
                if p in by_id:
                    ax.plot([by_id[p]["end"], by_id[i]["end"]], [score(p), score(i)], color="grey", linewidth=0.8,
                            zorder=1)
        for i in sorted(ancestors):
            j = by_id[i]
            colour = "red" if i == best_id else cmap(islands.index(j.get("island", 0)) % 10)
            ax.scatter(j["end"], score(i), s=40 if i == best_id else 22, color=colour, zorder=2)
            op = j.get("op", "").replace("mutation:", "").replace("crossover:", "x:")
            ax.annotate(f"{i} {op}", (j["end"], score(i)), fontsize=6, xytext=(3, 3), textcoords="offset points")
        ax.set_title(f"ancestry of the best network (job {best_id}, score {by_id[best_id]['fitness']['score']:.4f}): "
                     f"{len(ancestors)} jobs", fontsize=10)
    ax.set_xlabel("time since the start of the run (s)")
    ax.set_ylabel("validation score")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "lineage.png"), dpi=110)
    plt.close(fig)

    print(f"plot_run: wrote scores.png, workers.png and lineage.png to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
