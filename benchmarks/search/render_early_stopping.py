#!/usr/bin/env python3
"""Writes docs/search-early-stopping.md and its plots from the early-stopping
study's results.json (run_search.py --early-stopping). Every figure, table
and verdict on the page is computed here from the data.

    /usr/bin/python3 benchmarks/search/render_early_stopping.py build-bench/search-es/results.json \\
        --out docs/search-early-stopping.md

The subject is evolution_asha (evonas evolution with the ASHA stopper); its
opponents are the same search without stopping (paired by run seed) and
Optuna TPE with its HyperbandPruner (unpaired). Only networks trained to the
end (all E epochs) score; a stopped network costs its CPU and scores nothing.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render_search as rs  # noqa: E402  (formatting and the test accuracy of a final best)
import search_stats as st  # noqa: E402

SUBJECT, PLAIN, PEER = "evolution_asha", "evolution", "optuna_tpe_hyperband"
ORDER = [PLAIN, SUBJECT, PEER]
LABELS = {PLAIN: "evonas evolution, no stopping", SUBJECT: "evonas evolution + ASHA",
          PEER: "Optuna TPE + HyperbandPruner"}
SHORT = {PLAIN: "evonas evolution", SUBJECT: "evonas + ASHA", PEER: "Optuna TPE+Hyperband"}
COLORS = {PLAIN: "tab:blue", SUBJECT: "tab:purple", PEER: "tab:green"}
GOAL = 2.0  # the goal: at least 2x less CPU to the same accuracy than without stopping
FRACTIONS = (0.25, 0.5, 1.0)  # CPU budgets as fractions of B


def by_method(searches):
    out = {}
    for s in searches:
        out.setdefault(s["method"], []).append(s)
    for m in out:
        out[m].sort(key=lambda s: s["seed"])
    return {m: out[m] for m in sorted(out, key=lambda m: ORDER.index(m) if m in ORDER else len(ORDER))}


def total_cpu(search):
    return sum(n["cpu"] for n in search["networks"])


def budget_b(groups):
    """B: the smallest, over methods, median total CPU of a search."""
    return min(st.median_inf([total_cpu(s) for s in ss]) for ss in groups.values())


def final_best(search):
    return st.best_at(search["networks"], len(search["networks"]))


def score_at(search, seconds):
    # A run with no network trained to the end by then has nothing to show: 0.
    return st.best_at_cpu(search["networks"], seconds, missing=0.0)


def took(meta):
    """How long the study ran. An invocation that resumed finished units
    (run_search.py skips them) says so, with the units' own recorded times
    summed over the lanes, instead of its own short wall time."""
    resumed = meta.get("units_resumed", 0)
    if not resumed:
        return f"the study took **{meta['wall_seconds'] / 60:.1f} minutes**"
    timed, units = meta.get("units_timed", 0), meta.get("units", 0)
    return (f"{resumed} of {units} units of searches ran in earlier invocations of the command (resumed); the units' "
            f"searches took **{meta.get('unit_seconds', 0.0) / 60:.1f} minutes** summed over the lanes "
            f"({timed} of {units} units timed), this last invocation {meta['wall_seconds'] / 60:.1f} minutes")


def fmt_cpu(c):
    if c is None or math.isnan(c):
        return "-"
    if math.isinf(c):
        return "never"
    return f"{c:.0f}" if c >= 10 else f"{c:.1f}"


def fmt_ratio(b):
    r, lo, hi = b
    if math.isnan(r):
        return "-"
    f = lambda v: "∞" if math.isinf(v) else f"{v:.2f}"  # noqa: E731
    return f"{f(r)}x [{f(lo)}, {f(hi)}]"


def reach_cell(searches, target):
    """'k/n runs; median C CPU-s' (runs that never reached count as never)."""
    if target is None or math.isnan(target):
        return "-"
    times = [st.cpu_to_reach(s["networks"], target) for s in searches]
    got = sum(1 for t in times if not math.isinf(t))
    return f"{got}/{len(searches)} runs; median {fmt_cpu(st.median_inf(times))}"


def speedups(groups, target):
    """evolution's over evolution_asha's median CPU-to-reach `target`, paired by run seed."""
    if PLAIN not in groups or SUBJECT not in groups or target is None or math.isnan(target):
        return None
    slow = {s["seed"]: st.cpu_to_reach(s["networks"], target) for s in groups[PLAIN]}
    fast = {s["seed"]: st.cpu_to_reach(s["networks"], target) for s in groups[SUBJECT]}
    seeds = sorted(set(slow) & set(fast))
    if not seeds:
        return None
    return st.bootstrap_speedup([slow[k] for k in seeds], [fast[k] for k in seeds], paired=True)


def targets_of(data, groups):
    seed_val = data["seed_network"].get("val") if data["seed_network"].get("status") == "ok" else None
    finals = [final_best(s) for s in groups.get(PLAIN, [])]
    finals = [v for v in finals if not math.isnan(v)]
    plain_median = st.median_inf(finals) if finals else None
    return seed_val, plain_median


def family(tasks):
    """evolution_asha against each opponent at each CPU budget of each task."""
    rows = []
    for task, data in tasks.items():
        groups = by_method(data["searches"])
        if SUBJECT not in groups:
            continue
        b = budget_b(groups)
        for frac in FRACTIONS:
            x_by_seed = {s["seed"]: score_at(s, frac * b) for s in groups[SUBJECT]}
            for m in (PLAIN, PEER):
                if m not in groups:
                    continue
                y_by_seed = {s["seed"]: score_at(s, frac * b) for s in groups[m]}
                # Evolution without stopping: the same run seed, the same first random genomes.
                c = st.compare_runs(x_by_seed, y_by_seed, paired=m == PLAIN)
                c.update(task=task, fraction=frac, cpu=frac * b, opponent=m)
                rows.append(c)
    return st.add_verdicts(rows)


def sentence(r, titles):
    return rs.verdict_sentence(r, "evonas + ASHA", SHORT[r["opponent"]],
                               f"on {titles[r['task']]} at {r['fraction']:g} x B = {fmt_cpu(r['cpu'])} CPU-s")


def plot_task(data, groups, path, title, b):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    seed_val = data["seed_network"].get("val")
    end = max(st.median_inf([total_cpu(s) for s in ss]) for ss in groups.values())
    grid = np.linspace(0, end, 80)[1:]
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    floor = []  # the y axis starts near the curves after their first tenth, not at the runs' initial 0
    for m, searches in groups.items():
        means, los, his = [], [], []
        for c in grid:
            mean, lo, hi = st.bootstrap_mean([score_at(s, c) for s in searches], resamples=2000)
            means.append(mean), los.append(lo), his.append(hi)
        floor.append(min(los[len(grid) // 10:]))
        ax.plot(grid, means, color=COLORS.get(m), label=f"{LABELS.get(m, m)} ({len(searches)} runs)")
        ax.fill_between(grid, los, his, color=COLORS.get(m), alpha=0.15)
    if seed_val is not None:
        ax.axhline(seed_val, color="black", linestyle="--", linewidth=0.8, label="human seed network")
    ax.axvline(b, color="gray", linestyle=":", linewidth=0.8, label="B (equal-CPU budget)")
    ax.set_xlabel("training CPU-seconds (stopped networks included)")
    ax.set_ylabel("best validation accuracy so far\n(networks trained to the end; 0 before the first)")
    ax.set_ylim(bottom=max(0.0, min(floor + ([seed_val] if seed_val is not None else [])) - 0.03))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(f"{title}: mean of the runs' best so far, 95% bootstrap band", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def task_section(task, data, image_rel, L, repeats, epochs):
    groups = by_method(data["searches"])
    b = budget_b(groups)
    seed_val, plain_median = targets_of(data, groups)
    L.append("")
    L.append(f"![{data['info']['title']}]({image_rel})")
    L.append("")
    header = ("| method | runs | networks trained | of which stopped early | CPU-s per search | " +
              " | ".join(f"best val. acc. at {f:g} x B = {fmt_cpu(f * b)} CPU-s" for f in FRACTIONS) +
              f" | test acc. of final best ({repeats} fresh seeds) | CPU-s to the seed network's val. acc. | "
              f"CPU-s to evonas evolution's median final best |")
    L.append(header)
    L.append("|" + "---|" * (header.count("|") - 1))
    for m, ss in groups.items():
        n = len(ss)
        trained = sum(len(s["networks"]) for s in ss) / n
        stopped = sum(1 for s in ss for x in s["networks"] if x["status"] == "stopped") / n
        cpu = sum(total_cpu(s) for s in ss) / n
        cells = [rs.fmt_band(st.bootstrap_mean([score_at(s, f * b) for s in ss])) for f in FRACTIONS]
        test = st.bootstrap_mean([rs.test_accuracy(s, data["retrain"]) for s in ss])
        L.append(f"| {LABELS.get(m, m)} | {n} | {trained:.1f} | {stopped:.1f} | {fmt_cpu(cpu)} | " +
                 " | ".join(cells) + f" | {rs.fmt_band(test)} | {reach_cell(ss, seed_val)} | "
                 f"{reach_cell(ss, plain_median)} |")
    L.append("")
    L.append(f"B = {fmt_cpu(b)} CPU-seconds (the smallest median total of the methods). Best validation accuracy: "
             f"mean over runs with its 95% bootstrap band; a run with no network trained to the end by then counts 0.")
    for name, target in (("the human seed network's validation accuracy", seed_val),
                         ("evonas evolution's median final best", plain_median)):
        sp = speedups(groups, target)
        if sp is None:
            continue
        fast = st.median_inf([st.cpu_to_reach(s["networks"], target) for s in groups[SUBJECT]])
        note = " (evonas + ASHA's median run never reached it: no speed-up shown)" if math.isinf(fast) else ""
        L.append("")
        L.append(f"Speed-up to {name} ({rs.fmt_acc(target)}): evonas evolution's median CPU-to-reach over "
                 f"evonas + ASHA's: **{fmt_ratio(sp)}**{note} (95% bootstrap band over run seeds).")
    if seed_val is not None:
        seed_test = rs.test_accuracy({"best_genome": data["seed_network"].get("genome")}, data["retrain"])
        L.append("")
        L.append(f"Human seed network (`{data['seed_network'].get('genome')}`) at {epochs} epochs: validation "
                 f"accuracy {seed_val:.4f} with its search seed, test accuracy {rs.fmt_acc(seed_test)} "
                 f"(mean of {repeats} fresh seeds).")


def rungs_of(meta):
    out, r = [], meta["min_resource"]
    while r < meta["epochs"]:
        out.append(r)
        r *= meta["reduction_factor"]
    return out


def main():
    args = rs.study_page_args(__doc__, "docs/search-early-stopping.md")
    meta, tasks, titles, short_titles, images = rs.load_study(args, "early_stopping", "render_early_stopping",
                                                              "--early-stopping")
    rows = family(tasks)
    E, rungs = meta["epochs"], rungs_of(meta)
    print(f"render_early_stopping: {len(tasks)} tasks, {len(rows)} comparisons", file=sys.stderr)

    # Headline: the 2x goal per task (speed-up band to the seed network's accuracy) and the equal-CPU verdicts.
    goal_met, goal_cells, ahead = [], [], []
    for t, d in tasks.items():
        groups = by_method(d["searches"])
        seed_val, _ = targets_of(d, groups)
        sp = speedups(groups, seed_val)
        if sp is not None:
            goal_cells.append(f"{short_titles[t]} {fmt_ratio(sp)}")
            if sp[1] >= GOAL:
                goal_met.append(short_titles[t])
    for r in rows:
        if r["opponent"] == PEER and r["fraction"] == 1.0 and r["verdict"] == "beats":
            ahead.append(short_titles[r["task"]])
    behind = sorted({short_titles[r["task"]] for r in rows
                     if r["opponent"] == PEER and r["fraction"] == 1.0 and r["verdict"] == "loses"})

    L = ["# Search efficiency with early stopping: evonas + ASHA", "",
         "<!-- Generated by benchmarks/search/render_early_stopping.py from the study's results.json; "
         "do not edit by hand. -->", ""]
    L.append(f"Measured {meta['date']} on {meta['cores']} cores ({meta['cpu']}), {meta['parallel']} searches at a "
             f"time, one CPU thread each; {took(meta)} "
             f"(`{meta['command']}`).{' **Quick mode: too few runs for conclusions.**' if meta.get('quick') else ''}")
    L.append("")
    L.append("## Headline")
    L.append("")
    L.append(f"- **2x goal (at least 2x less CPU than evonas without stopping to the same accuracy): met on "
             f"{len(goal_met)} of {len(tasks)} tasks**{' (' + ', '.join(goal_met) + ')' if goal_met else ''}. "
             f"Rule: met on a task when "
             f"the whole 95% bootstrap band of the speed-up (evonas evolution's median CPU-seconds to reach the "
             f"human seed network's validation accuracy over evonas + ASHA's, resampling run seeds in pairs) lies "
             f"at or above {GOAL:g}x. Speed-ups: {'; '.join(goal_cells) if goal_cells else 'none computable'}.")
    L.append(f"- **Ahead of Optuna TPE + Hyperband at equal CPU on {len(ahead)} of {len(tasks)} tasks**"
             f"{' (' + ', '.join(sorted(ahead)) + ')' if ahead else ''}"
             f"{'; Optuna TPE + Hyperband is better on ' + ', '.join(behind) if behind else ''}. Rule: "
             f"evonas + ASHA beats it at 1 x B CPU-seconds by the benchmark's verdict (below).")
    L.append("")
    L.append("A verdict needs a Holm-adjusted one-sided p < 0.05 and a Vargha-Delaney A12 >= 0.64; \"no difference "
             "shown\" means the runs could not tell the methods apart, not that they are equal.")
    L.append("")
    L.append("## How it is measured")
    L.append("")
    budgets = sorted({s.get("max_epochs_total") for d in tasks.values() for s in d["searches"]
                      if s.get("max_epochs_total")})
    L.append(f"- **Epochs**: every network that is not stopped trains **{E} epochs** (not the tasks' own 3, so that "
             f"stopping has room); the rungs, where ASHA and Hyperband look at a network's validation accuracy, are "
             f"at epochs {', '.join(str(r) for r in rungs)} (min resource {meta['min_resource']}, reduction "
             f"factor {meta['reduction_factor']}, max resource {E}: the same on both sides).")
    L.append(f"- **Budgets**: evonas evolution without stopping trains {meta['networks']} networks of {E} epochs; "
             f"evonas + ASHA and Optuna TPE + Hyperband train until {', '.join(str(b) for b in budgets) or '-'} "
             f"epochs in total (networks x epochs; a stopped network counts the epochs it trained), so every "
             f"method gets the same training epochs and the stoppers spend what they save on more networks. "
             f"The comparison itself is at equal CPU-seconds.")
    L.append("- **Only networks trained to the end score**: a network stopped at a rung costs its CPU-seconds and "
             "contributes nothing to the best so far, on every side (conservative: its accuracy at the rung is not "
             "comparable with a full training's).")
    L.append("- **CPU accounting**: each network is charged the CPU-seconds (`CLOCK_PROCESS_CPUTIME_ID`, one "
             "thread) of one training from scratch to where it ended, including the validation passes at the rungs "
             "that a stopper needs; networks trained without a stopper are validated once, at the end, and pay "
             "no rung validations.")
    L.append("- **Replay from the cache**: a network's training seed derives from its genome (common random "
             "numbers), so the same network gives the same curve on every side. Optuna's trials train in stages "
             "(`bench_search serve` with `until`: a rung); a trial that continues replays the cached curve and "
             "trains on, and is still charged as one training from scratch.")
    L.append(f"- **Runs**: {meta['seeds']} run seeds per evonas method and task, {meta.get('peer_seeds', meta['seeds'])} "
             f"for Optuna; the same run seeds for evonas with and without stopping (compared paired).")
    L.append(f"- **Statistics**: per run, the best validation accuracy so far against CPU-seconds; per method, its "
             f"mean with a 95% percentile-bootstrap band. B is the smallest, over methods, median CPU-seconds per "
             f"search; evonas + ASHA against evonas evolution (paired Wilcoxon signed-rank, same run seeds) and "
             f"against Optuna TPE + Hyperband (Mann-Whitney U) at {', '.join(f'{f:g}' for f in FRACTIONS)} x B, "
             f"one-sided in the direction A12 points, Holm-corrected over tasks x budgets x opponents. "
             f"*CPU-s to reach*: the CPU-seconds charged until a run's best first reaches the target (median over "
             f"runs; a run that never does counts as never, and a median that is never shows \"never\"). "
             f"*Speed-up*: the ratio of the two medians, with a 95% percentile-bootstrap band over run seeds "
             f"(0 when evonas + ASHA's median never reaches). *Test accuracy*: each run's final best retrained at "
             f"{E} epochs with {meta['repeats']} fresh seeds, scored on the test split.")
    L.append("")
    L.append("## Verdicts at equal CPU")
    L.append("")
    for r in rows:
        L.append(f"- {sentence(r, titles)}")
    for t, d in tasks.items():
        L.append("")
        L.append(f"## {d['info']['title']}")
        img = f"search_es_{t}.png"
        groups = by_method(d["searches"])
        plot_task(d, groups, os.path.join(images, img), d["info"]["title"], budget_b(groups))
        rel = os.path.relpath(os.path.join(images, img), os.path.dirname(os.path.abspath(args.out)))
        task_section(t, d, rel, L, meta["repeats"], E)
        print(f"render_early_stopping: {t} done", file=sys.stderr)
    L.append("")
    L.append("## All comparisons")
    L.append("")
    L.append("| task | CPU budget | opponent | test | A12 | one-sided p | Holm p | verdict |")
    L.append("|---|---|---|---|---|---|---|---|")
    for r in rows:
        L.append(f"| {r['task']} | {r['fraction']:g} x B = {fmt_cpu(r['cpu'])} CPU-s | {SHORT[r['opponent']]} | "
                 f"{'Wilcoxon (paired)' if r['paired'] else 'Mann-Whitney U'}, {r['direction']} | {r['a12']:.2f} | "
                 f"{rs.fmt_p(r['p'])} | {rs.fmt_p(r['p_holm'])} | {r['verdict']} |")
    L.append("")
    L.append("## Reproduce")
    L.append("")
    L.append("```sh")
    L.append("scripts/run.sh bench search_es   # builds bench_search (Release), runs the study, writes this page")
    L.append("```")
    L.append("")
    L.append("The raw searches are in `build-bench/search-es/raw/`, the merged results in "
             "`build-bench/search-es/results.json`; `benchmarks/search/README.md` describes the programs.")
    with open(args.out, "w") as f:
        f.write("\n".join(L) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
