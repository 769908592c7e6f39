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
  front.png     multi-objective runs only (RUN_DIR/pareto.json): every
                trained network on the first two objectives (coloured by
                when it finished) with the Pareto front, and the front's
                hypervolume over time (the lineage's "front" lines)
  surrogate.png runs with the surrogate pre-screen only (job lines carrying
                "predicted": {"candidates", "mean", "spread"}): the predicted
                validation score (error bars: the spread across the
                ensemble's trees) against the actual one for every screened
                job that finished ok, coloured by completion order, and the
                Spearman rank correlation between the two over a rolling
                window of screened jobs (the whole run's in the title)

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

    written = ["scores.png", "workers.png", "lineage.png"]
    if plot_front(plt, args.run_dir, jobs, out):
        written.append("front.png")
    if plot_surrogate(plt, jobs, out):
        written.append("surrogate.png")
    print(f"plot_run: wrote {', '.join(written)} to {out}")
    return 0


def objective_value(job, name):
    fitness = job["fitness"]
    if name in ("score", "accuracy"):
        return fitness.get("score")
    return (fitness.get("metrics") or {}).get(name)


def plot_front(plt, run_dir, jobs, out):
    """front.png for a multi-objective run; False when the run has no front."""
    path = os.path.join(run_dir, "pareto.json")
    if not os.path.isfile(path):
        return False
    with open(path) as f:
        pareto = json.load(f)
    objectives = pareto.get("objectives", [])
    if len(objectives) < 2:
        return False
    (x_name, x_dir), (y_name, y_dir) = [(o["name"], o["direction"]) for o in objectives[1::-1]]
    fronts = []
    with open(os.path.join(run_dir, "lineage.jsonl")) as f:
        for line in f:
            try:
                j = json.loads(line)
            except json.JSONDecodeError:
                continue
            if j.get("type") == "front" and j.get("hypervolume") is not None:
                fronts.append((j["time"], j["hypervolume"]))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 5))
    pts = [(objective_value(j, x_name), objective_value(j, y_name), j["end"]) for j in jobs
           if j["fitness"]["status"] == "ok"]
    pts = [p for p in pts if p[0] is not None and p[1] is not None]
    if pts:
        sc = ax1.scatter([p[0] for p in pts], [p[1] for p in pts], c=[p[2] for p in pts], cmap="viridis", s=16,
                         alpha=0.8)
        fig.colorbar(sc, ax=ax1, label="finished at (s)")
    front = sorted((item["objectives"].get(x_name), item["objectives"].get(y_name)) for item in pareto["front"])
    front = [p for p in front if p[0] is not None and p[1] is not None]
    if front:
        ax1.step([p[0] for p in front], [p[1] for p in front], where="post" if x_dir == "min" else "pre",
                 color="red", linewidth=1.5)
        ax1.scatter([p[0] for p in front], [p[1] for p in front], color="red", s=30, label="Pareto front", zorder=3)
    if x_name in ("params", "flops", "mflops") and pts and min(p[0] for p in pts) > 0:
        ax1.set_xscale("log")
    ax1.set_xlabel(f"{x_name} ({x_dir})")
    ax1.set_ylabel(f"{y_name} ({y_dir})")
    ax1.set_title(f"{len(pts)} networks, {len(front)} on the front", fontsize=10)
    ax1.legend(loc="lower right", fontsize=8)
    ax1.grid(alpha=0.3)
    if fronts:
        ax2.step([t for t, _ in fronts], [h for _, h in fronts], where="post", color="black")
        ax2.set_title(f"hypervolume: {fronts[-1][1]:.4g}", fontsize=10)
    else:
        ax2.text(0.5, 0.5, "no hypervolume (no reference point)", ha="center", transform=ax2.transAxes)
    ax2.set_xlabel("time since the start of the run (s)")
    ax2.set_ylabel("hypervolume of the front")
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "front.png"), dpi=110)
    plt.close(fig)
    return True


def ranks(values):
    """1-based ranks, ties taking their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x, y):
    """Spearman's rank correlation (the Pearson correlation of the ranks);
    None for fewer than 3 pairs or a constant side."""
    if len(x) < 3:
        return None
    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    return sxy / (sxx * syy) ** 0.5 if sxx > 0 and syy > 0 else None


def plot_surrogate(plt, jobs, out):
    """surrogate.png for a run with the surrogate pre-screen; False when no
    job line carries a prediction."""
    screened = sorted((j for j in jobs if isinstance(j.get("predicted"), dict) and
                       j["predicted"].get("mean") is not None), key=lambda j: (j["end"], j["id"]))
    if not screened:
        return False
    pts = [(j["predicted"]["mean"], j["predicted"].get("spread") or 0.0, j["fitness"]["score"])
           for j in screened if j["fitness"]["status"] == "ok" and j["fitness"].get("score") is not None]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 5))
    if pts:
        order = list(range(1, len(pts) + 1))
        ax1.errorbar([p[0] for p in pts], [p[2] for p in pts], xerr=[p[1] for p in pts], fmt="none",
                     ecolor="lightgrey", elinewidth=0.8, zorder=1)
        sc = ax1.scatter([p[0] for p in pts], [p[2] for p in pts], c=order, cmap="viridis", s=18, zorder=2)
        fig.colorbar(sc, ax=ax1, label="completion order (screened jobs that finished ok)")
        lo = min(min(p[0] - p[1] for p in pts), min(p[2] for p in pts))
        hi = max(max(p[0] + p[1] for p in pts), max(p[2] for p in pts))
        ax1.plot([lo, hi], [lo, hi], color="black", linestyle="--", linewidth=0.8, label="actual = predicted")
        ax1.legend(loc="lower right", fontsize=8)
    else:
        ax1.text(0.5, 0.5, "no screened job finished ok", ha="center", transform=ax1.transAxes)
    candidates = [j["predicted"].get("candidates") for j in screened if j["predicted"].get("candidates") is not None]
    failed = len(screened) - len(pts)
    ax1.set_xlabel("predicted validation score (mean of the trees; bars: their spread)")
    ax1.set_ylabel("actual validation score")
    among = f", each among {sum(candidates) / len(candidates):.1f} candidates on average" if candidates else ""
    ax1.set_title(f"{len(screened)} screened jobs{among}" + (f"; {failed} not ok (not shown)" if failed else ""),
                  fontsize=10)
    ax1.grid(alpha=0.3)
    overall = spearman([p[0] for p in pts], [p[2] for p in pts])
    window = 20 if len(pts) >= 40 else max(5, len(pts) // 2)
    xs, ys = [], []
    for end in range(window, len(pts) + 1):
        part = pts[end - window:end]
        rho = spearman([p[0] for p in part], [p[2] for p in part])
        if rho is not None:
            xs.append(end)
            ys.append(rho)
    if xs:
        ax2.plot(xs, ys, color="black", linewidth=1.2)
        ax2.axhline(0.0, color="grey", linewidth=0.8)
        ax2.set_ylim(-1.05, 1.05)
    else:
        ax2.text(0.5, 0.5, f"too few screened jobs for a window of {window}", ha="center", transform=ax2.transAxes)
    ax2.xaxis.get_major_locator().set_params(integer=True)
    ax2.set_xlabel(f"completion order (the window's last job; window of {window} screened jobs)")
    ax2.set_ylabel("Spearman rank correlation, predicted vs actual")
    ax2.set_title("rank correlation over the run; whole run: " +
                  (f"{overall:.2f} ({len(pts)} jobs)" if overall is not None else "-"), fontsize=10)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "surrogate.png"), dpi=110)
    plt.close(fig)
    return True


if __name__ == "__main__":
    sys.exit(main())
