#!/usr/bin/env python3
"""Writes docs/search.md and its plots from the search benchmark's
results.json (run_search.py). Every figure, table and verdict on the page is
computed here from the data; nothing is written by hand.

    /usr/bin/python3 benchmarks/search/render_search.py build-bench/search/results.json --out docs/search.md
"""
import argparse
import math
import os
import sys

import json

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import search_stats as st  # noqa: E402

SUBJECT = "evolution"
LABELS = {
    "evolution": "evonas evolution (unseeded, library defaults)",
    "seeded": "evonas evolution seeded with the human network",
    "random": "evonas random search",
    "optuna_tpe": "Optuna TPE",
    "optuna_random": "Optuna RandomSampler",
    "evolution_old": "evonas evolution, evonas 0.1's defaults (ablation)",
    "evolution_rf10": "evonas evolution with 10% random proposals (ablation)",
}
SHORT = {
    "evolution": "evonas evolution",
    "seeded": "evonas seeded",
    "random": "evonas random search",
    "optuna_tpe": "Optuna TPE",
    "optuna_random": "Optuna random",
    "evolution_old": "evonas 0.1 defaults",
    "evolution_rf10": "evonas 10% random",
}
ORDER = ["evolution", "seeded", "random", "optuna_tpe", "optuna_random", "evolution_old", "evolution_rf10"]
COLORS = {"evolution": "tab:blue", "seeded": "tab:cyan", "random": "tab:orange", "optuna_tpe": "tab:green",
          "optuna_random": "tab:red", "evolution_old": "tab:gray", "evolution_rf10": "tab:purple"}




def verdict_sentence(r, subject, opponent, where):
    """One comparison's verdict (search_stats.add_verdicts) as a sentence:
    `subject` and `opponent` are the two methods' names, `where` says at
    which budget ("on SANS at 40 networks")."""
    stats_text = f"A12 = {r['a12']:.2f}, Holm-adjusted one-sided p = {fmt_p(r['p_holm'])}"
    if r["verdict"] == "beats":
        return f"**{subject} beats {opponent}** {where} ({stats_text})."
    if r["verdict"] == "loses":
        return f"**{opponent} is better** than {subject} {where} ({stats_text})."
    return f"No difference shown between {subject} and {opponent} {where} ({stats_text})."

def study_page_args(description, default_out):
    """The command line every study page's renderer takes: RESULTS, --out, --images."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--out", default=default_out)
    ap.add_argument("--images", default="", help="folder of the plots (default: images/ beside --out)")
    return ap.parse_args()


def load_study(args, mode, program, option):
    """A study's results.json (run_search.py OPTION writes it): its meta, the
    tasks with searches, their titles and short titles; makes the images
    folder and returns it too. Exits with a message for another study's or
    an empty results file."""
    with open(args.results) as f:
        results = json.load(f)
    meta, tasks = results["meta"], results["tasks"]
    if meta.get("mode") != mode:
        sys.exit(f"{program}: {args.results} is not the results of run_search.py {option}")
    tasks = {t: d for t, d in tasks.items() if d["searches"]}
    if not tasks:
        sys.exit(f"{program}: {args.results} holds no searches")
    images = args.images or os.path.join(os.path.dirname(os.path.abspath(args.out)), "images")
    os.makedirs(images, exist_ok=True)
    titles = {t: d["info"]["title"] for t, d in tasks.items()}
    short_titles = {t: v.split(" (")[0] for t, v in titles.items()}
    return meta, tasks, titles, short_titles, images

def label(m):
    return LABELS.get(m, m)


def short(m):
    return SHORT.get(m, m)


def is_evonas(m):
    return not m.startswith("optuna")


def by_method(searches):
    out = {}
    for s in searches:
        out.setdefault(s["method"], []).append(s)
    for m in out:
        out[m].sort(key=lambda s: s["seed"])
    return {m: out[m] for m in sorted(out, key=lambda m: ORDER.index(m) if m in ORDER else len(ORDER))}


def budgets_of(n):
    return sorted({max(1, n // 4), max(1, n // 2), n})


def fmt_acc(v):
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.4f}"


def fmt_band(b):
    mean, lo, hi = b
    if math.isnan(mean):
        return "-"
    return f"{mean:.4f} [{lo:.4f}, {hi:.4f}]"


def fmt_p(p):
    return "<0.0001" if p < 1e-4 else f"{p:.4f}"


def test_accuracy(search, retrain):
    """Mean test accuracy of the search's final best over its fresh-seed retrainings."""
    g = search.get("best_genome")
    if g is None or g not in retrain:
        return math.nan
    runs = [r["test"] for r in retrain[g].get("runs", []) if r.get("status") == "ok" and "test" in r]
    return sum(runs) / len(runs) if runs else math.nan


def family(tasks_data, which):
    """Every comparison of the subject with an opponent: task x budget x opponent."""
    rows = []
    for task, data in tasks_data.items():
        groups = by_method(data[which])
        if SUBJECT not in groups:
            continue
        n = max(len(s["networks"]) for s in groups[SUBJECT])
        for b in budgets_of(n):
            x_by_seed = {s["seed"]: st.best_at(s["networks"], b) for s in groups[SUBJECT]}
            for m, searches in groups.items():
                if m in (SUBJECT, "seeded"):
                    continue
                y_by_seed = {s["seed"]: st.best_at(s["networks"], b) for s in searches}
                c = st.compare_runs(x_by_seed, y_by_seed, paired=is_evonas(m))
                c.update(task=task, budget=b, opponent=m)
                rows.append(c)
    return st.add_verdicts(rows)


def sentence(r, titles):
    t = titles[r["task"]]
    stats_text = f"A12 = {r['a12']:.2f}, Holm-adjusted one-sided p = {fmt_p(r['p_holm'])}"
    if r["verdict"] == "beats":
        return f"**evonas evolution beats {short(r['opponent'])}** on {t} at {r['budget']} networks ({stats_text})."
    if r["verdict"] == "loses":
        return f"**{short(r['opponent'])} is better** than evonas evolution on {t} at {r['budget']} networks ({stats_text})."
    return f"No difference shown between evonas evolution and {short(r['opponent'])} on {t} at {r['budget']} networks ({stats_text})."


def plot_task(task, data, which, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    groups = by_method(data[which])
    seed_val = data["seed_network"].get("val")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    cut = cpu_cut(groups)
    for m, searches in groups.items():
        n = max(len(s["networks"]) for s in searches)
        xs = list(range(1, n + 1))
        means, los, his = [], [], []
        for k in xs:
            mean, lo, hi = st.bootstrap_mean([st.best_at(s["networks"], k) for s in searches], resamples=2000)
            means.append(mean), los.append(lo), his.append(hi)
        axes[0].plot(xs, means, color=COLORS.get(m), label=f"{short(m)} ({len(searches)} runs)")
        axes[0].fill_between(xs, los, his, color=COLORS.get(m), alpha=0.15)
        grid = np.linspace(0, cut, 60)[1:]
        means, los, his = [], [], []
        for c in grid:
            mean, lo, hi = st.bootstrap_mean([st.best_at_cpu(s["networks"], c) for s in searches], resamples=2000)
            means.append(mean), los.append(lo), his.append(hi)
        axes[1].plot(grid, means, color=COLORS.get(m))
        axes[1].fill_between(grid, los, his, color=COLORS.get(m), alpha=0.15)
    for ax in axes:
        if seed_val is not None:
            ax.axhline(seed_val, color="black", linestyle="--", linewidth=0.8, label="human seed network")
        ax.set_ylabel("best validation accuracy so far")
        ax.grid(alpha=0.3)
    axes[0].set_xlabel("networks trained")
    axes[1].set_xlabel("training CPU-seconds")
    axes[0].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"{title}: mean of the runs' best so far, 95% bootstrap band", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def cpu_cut(groups):
    """The CPU axis ends at the smallest, over methods, median total CPU of a search."""
    medians = []
    for searches in groups.values():
        totals = sorted(sum(n["cpu"] for n in s["networks"]) for s in searches)
        medians.append(totals[len(totals) // 2])
    return min(medians) if medians else 1.0


def task_section(task, data, which, image_rel, lines, repeats):
    info = data["info"]
    groups = by_method(data[which])
    if not groups:
        return
    n = max(len(s["networks"]) for s in next(iter(groups.values())))
    budgets = budgets_of(n)
    seed_val = data["seed_network"].get("val")
    lines.append("")
    lines.append(f"![{info['title']}]({image_rel})")
    lines.append("")
    header = "| method | runs | " + " | ".join(f"best val. acc. at {b}" for b in budgets) + \
             f" | test acc. of final best ({repeats} fresh seeds) | fragility | reached the seed network's val. acc. |"
    lines.append(header)
    lines.append("|" + "---|" * (header.count("|") - 1))
    reference = [st.best_at(s["networks"], n) for s in groups.get("random", [])]
    for m, searches in groups.items():
        cells = [st.bootstrap_mean([st.best_at(s["networks"], b) for s in searches]) for b in budgets]
        test = st.bootstrap_mean([test_accuracy(s, data["retrain"]) for s in searches])
        frag = st.fragility([st.best_at(s["networks"], n) for s in searches], reference) if reference else math.nan
        reach = "-"
        if seed_val is not None:
            hits = [st.time_to_reach(s["networks"], seed_val) for s in searches]
            got = [h for h in hits if h is not None]
            med_n = st.median_or_none([h[0] for h in got], len(searches))
            med_c = st.median_or_none([h[1] for h in got], len(searches))
            reach = f"{len(got)}/{len(searches)} runs; median {med_n:g} networks, {med_c:.0f} CPU-s" if med_n is not None \
                else f"{len(got)}/{len(searches)} runs; median: not reached"
        lines.append(f"| {label(m)} | {len(searches)} | " + " | ".join(fmt_band(c) for c in cells) +
                     f" | {fmt_band(test)} | {'-' if math.isnan(frag) else f'{frag:.0%}'} | {reach} |")
    cut = cpu_cut(groups)
    lines.append("")
    at_cpu = ", ".join(f"{short(m)} {fmt_band(st.bootstrap_mean([st.best_at_cpu(s['networks'], cut) for s in ss]))}"
                       for m, ss in groups.items())
    lines.append(f"At equal training cost ({cut:.{0 if cut >= 10 else 1}f} CPU-seconds per search, the smallest median total of the "
                 f"methods): {at_cpu}.")
    rejected = ", ".join(f"{short(m)} {sum(s['rejected_before_training'] for s in ss) / len(ss):.1f}"
                         for m, ss in groups.items())
    failed = ", ".join(f"{short(m)} {sum(1 for s in ss for x in s['networks'] if x['status'] != 'ok') / len(ss):.1f}"
                       for m, ss in groups.items())
    cpu = ", ".join(f"{short(m)} {sum(sum(x['cpu'] for x in s['networks']) for s in ss) / len(ss):.0f}"
                    for m, ss in groups.items())
    lines.append("")
    lines.append(f"Per search, on average: CPU-seconds charged: {cpu}; networks rejected by the trainer check "
                 f"before training (not counted): {rejected}; networks that trained but failed (NaN, divergence, "
                 f"safety timeout; counted, no score): {failed}.")
    if seed_val is not None:
        seed_test = test_accuracy({"best_genome": data["seed_network"].get("genome")}, data["retrain"])
        lines.append("")
        lines.append(f"Human seed network (`{data['seed_network'].get('genome')}`): validation accuracy "
                     f"{seed_val:.4f} with its search seed, test accuracy {fmt_acc(seed_test)} (mean of {repeats} fresh seeds).")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--out", default="docs/search.md")
    ap.add_argument("--images", default="", help="folder of the plots (default: images/ beside --out)")
    args = ap.parse_args()
    with open(args.results) as f:
        res = json.load(f)
    meta, tasks = res["meta"], res["tasks"]
    images = args.images or os.path.join(os.path.dirname(os.path.abspath(args.out)), "images")
    os.makedirs(images, exist_ok=True)
    titles = {t: d["info"]["title"] for t, d in tasks.items()}
    main_family = family(tasks, "searches")
    long_family = family({t: d for t, d in tasks.items() if d["long_searches"]}, "long_searches")

    L = []
    L.append("# Search efficiency: best network per training budget")
    L.append("")
    L.append("<!-- Generated by benchmarks/search/render_search.py from the benchmark's results.json; "
             "do not edit by hand. -->")
    L.append("")
    L.append(f"Measured {meta['date']} on {meta['cores']} cores ({meta['cpu']}), {meta['parallel']} searches at a "
             f"time, one CPU thread each; the whole benchmark took **{meta['wall_seconds'] / 60:.1f} minutes** "
             f"(`{meta['command']}`).{' **Quick mode: too few runs for conclusions.**' if meta.get('quick') else ''}")
    L.append("")
    n = meta["networks"]
    beats = [r for r in main_family if r["verdict"] == "beats" and r["budget"] == n]
    loses = [r for r in main_family if r["verdict"] == "loses" and r["budget"] == n]
    opponents = sorted({r["opponent"] for r in main_family}, key=lambda m: ORDER.index(m) if m in ORDER else 99)
    L.append("## Headline")
    L.append("")
    for m in opponents:
        won = sorted(titles[r["task"]].split(" (")[0] for r in beats if r["opponent"] == m)
        lost = sorted(titles[r["task"]].split(" (")[0] for r in loses if r["opponent"] == m)
        L.append(f"- At {n} networks, evonas evolution (unseeded, library defaults) **beats {short(m)} on "
                 f"{len(won)} of {len(tasks)} tasks**{' (' + ', '.join(won) + ')' if won else ''}"
                 f"{'; ' + short(m) + ' is better on ' + ', '.join(lost) if lost else ''}.")
    L.append("")
    L.append("A verdict needs a Holm-adjusted one-sided p < 0.05 and a Vargha-Delaney A12 >= 0.64 (see below); "
             "\"no difference shown\" means the runs could not tell the methods apart, not that they are equal.")
    L.append("")
    L.append("## How it is measured")
    L.append("")
    L.append("- **Tasks**: the three example generators at sizes where one network trains in well under a second "
             "on one core; their settings are in `benchmarks/search/search_tasks.hpp`.")
    for t, d in tasks.items():
        s = d["info"]["settings"]
        L.append(f"  - {d['info']['title']}: {s['train_samples']} training, {s['validation_samples']} validation "
                 f"(the search's score), {s['test_samples']} test samples; {s['epochs']} epochs per network; "
                 f"networks above {s['max_mflops']:g} forward MFLOPs per sample are rejected before training.")
    L.append("- **Fixed cost per network**: every network trains exactly the task's epochs (the genome's `epochs` "
             "gene is ignored); no wall-clock limit enters a score. A safety timeout of 120 s marks a network "
             "failed.")
    L.append("- **One trainer for all**: every method's networks are trained by evonas's CnnTrainer (LibTorch, "
             "one thread); Optuna proposes through `optuna_peer.py`, which sends each trial's network as genome "
             "text to `bench_search serve`. The rows differ in the search algorithm only.")
    L.append("- **Common random numbers**: a network's training seed derives from its genome's hash "
             "(`JobSeeds::per_genome`), so the same network gets the same score whichever search proposes it. "
             "Results are therefore shared through a per-task evaluation cache; each network is still charged "
             "the CPU seconds its training took.")
    L.append("- **Methods**: " + "; ".join(f"{label(m)}" for m in ORDER if any(m in by_method(d['searches'])
                                                                               for d in tasks.values())) +
             ". Optuna TPE starts with as many random trials as the evonas population. Genomes rejected by the "
             "trainer check (cannot be built, over the FLOPs limit) use no budget on either side. Every search "
             "trains one network at a time.")
    peers = meta.get("peer_seeds", meta["seeds"])
    runs_text = (f"{meta['seeds']} run seeds per method and task" if peers == meta["seeds"] else
                 f"{meta['seeds']} run seeds per evonas method and task, {peers} per Optuna method (the Optuna "
                 f"runs are compared unpaired, so fewer of them keep the tests valid, with less power)")
    L.append(f"- **Runs**: {runs_text}, {n} networks each; budgets N/4, N/2, "
             f"N." + (f" A longer run: {meta['long']['networks']} networks, {meta['long']['seeds']} seeds on "
                      f"{titles.get(meta['long']['task'], meta['long']['task'])}." if meta.get("long") else ""))
    L.append("- **Statistics**: per run, the best validation accuracy so far; per method, its mean with a 95% "
             "percentile-bootstrap band. evonas evolution against each other method at each budget: a paired "
             "Wilcoxon signed-rank test against the other evonas searches (the same run seed gives them the same "
             "first random genomes), a Mann-Whitney U test against Optuna; one-sided in the direction A12 "
             "points, Holm-corrected over tasks x budgets x opponents. *Fragility*: the share of runs whose final "
             "best is below evonas random search's median. *Test accuracy*: each run's final best network "
             f"retrained with {meta['repeats']} fresh seeds and scored on the test split (the validation score picks lucky "
             "networks). *Reached*: runs whose best reached the human seed network's validation accuracy, and "
             "the median networks and CPU-seconds it took (runs that never did count as never).")
    L.append("")
    L.append(f"## Verdicts at {', '.join(str(b) for b in budgets_of(n))} networks")
    L.append("")
    for r in main_family:
        L.append(f"- {sentence(r, titles)}")
    for t, d in tasks.items():
        L.append("")
        L.append(f"## {d['info']['title']}")
        img = f"search_{t}.png"
        plot_task(t, d, "searches", os.path.join(images, img), d["info"]["title"])
        rel = os.path.relpath(os.path.join(images, img), os.path.dirname(os.path.abspath(args.out)))
        task_section(t, d, "searches", rel, L, meta["repeats"])
    for t, d in tasks.items():
        if not d["long_searches"]:
            continue
        long_n = max(len(s["networks"]) for s in d["long_searches"])
        L.append("")
        L.append(f"## Longer run: {d['info']['title']}, {long_n} networks")
        img = f"search_{t}_long.png"
        plot_task(t, d, "long_searches", os.path.join(images, img), d["info"]["title"] + f", {long_n} networks")
        rel = os.path.relpath(os.path.join(images, img), os.path.dirname(os.path.abspath(args.out)))
        task_section(t, d, "long_searches", rel, L, meta["repeats"])
        L.append("")
        L.append("Verdicts (Holm-corrected within the longer run):")
        L.append("")
        for r in long_family:
            L.append(f"- {sentence(r, titles)}")
    L.append("")
    L.append("## All comparisons")
    L.append("")
    L.append("| task | networks | opponent | test | A12 | one-sided p | Holm p | verdict |")
    L.append("|---|---|---|---|---|---|---|---|")
    for r in main_family + long_family:
        L.append(f"| {r['task']} | {r['budget']} | {short(r['opponent'])} | "
                 f"{'Wilcoxon (paired)' if r['paired'] else 'Mann-Whitney U'}, {r['direction']} | {r['a12']:.2f} | "
                 f"{fmt_p(r['p'])} | {fmt_p(r['p_holm'])} | {r['verdict']} |")
    L.append("")
    L.append("## Reproduce")
    L.append("")
    L.append("```sh")
    L.append("scripts/run.sh bench search          # builds bench_search (Release), runs everything, writes this page")
    L.append("EVONAS_BENCH_SEARCH=--quick scripts/run.sh bench search   # 3 seeds x 12 networks, for development")
    L.append("```")
    L.append("")
    L.append("The raw searches (every network's score, CPU seconds and operator) are in "
             "`build-bench/search/raw/`, the merged results in `build-bench/search/results.json`; "
             "`benchmarks/search/README.md` describes the programs.")
    with open(args.out, "w") as f:
        f.write("\n".join(L) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
