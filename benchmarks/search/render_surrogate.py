#!/usr/bin/env python3
"""Writes docs/search-surrogate.md and its plots from the surrogate study's
results.json (run_search.py --surrogate). Every figure, table and verdict on
the page is computed here from the data.

    /usr/bin/python3 benchmarks/search/render_surrogate.py build-bench/search-sur/results.json \\
        --out docs/search-surrogate.md

The subject is evolution_surrogate (evonas evolution whose children are each
chosen among K bred candidates by a learned predictor of their validation
accuracy); its opponents are evonas evolution (the defaults) and the
ablation evolution_random_k (the same K candidates, one picked at random),
both paired by run seed. The predictor's quality is the Spearman rank
correlation between the validation accuracy it predicted for a screened
network ("predicted" in the network's record) and the one it got ("val").
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render_early_stopping as res  # noqa: E402  (how long the study took, CPU-seconds)
import render_search as rs  # noqa: E402  (formatting, verdict sentences, the test accuracy of a final best)
import search_stats as st  # noqa: E402

SUBJECT, RANDOM_K, PLAIN = "evolution_surrogate", "evolution_random_k", "evolution"
ORDER = [SUBJECT, RANDOM_K, PLAIN]
LABELS = {SUBJECT: "evonas evolution + surrogate pre-screen (evolution_surrogate)",
          RANDOM_K: "evonas evolution, K candidates, one picked at random (evolution_random_k, ablation)",
          PLAIN: "evonas evolution (the defaults)"}
SHORT = {SUBJECT: "evonas + surrogate", RANDOM_K: "evonas + random pick of K", PLAIN: "evonas evolution"}
COLORS = {SUBJECT: "tab:purple", RANDOM_K: "tab:orange", PLAIN: "tab:blue"}
GOAL = ("a significant gain of evonas + surrogate over evonas evolution (the new defaults) in best validation "
        "accuracy at N = 40 on at least two of the three tasks, and no task significantly worse")
GOAL_TASKS = 2  # "at least two of the three tasks"
MIN_SCREENED = 5  # a run's rank correlation needs this many screened networks with a score
WINDOW = 10  # networks per window of the correlation over time


def label(m):
    return LABELS.get(m, m)


def short(m):
    return SHORT.get(m, m)


def budgets_of(n):
    return sorted({max(1, n // 2), max(1, 3 * n // 4), n})


def windows_of(n):
    """(first, last) network positions, 1-based, WINDOW at a time."""
    return [(a, min(a + WINDOW - 1, n)) for a in range(1, n + 1, WINDOW)]


def screened(network):
    return network.get("predicted") is not None


def predicting_methods(groups):
    """The methods whose searches carry predictions (the subject and the ablation)."""
    return [m for m, ss in groups.items() if any(screened(x) for s in ss for x in s["networks"])]


def family(tasks, n):
    """evolution_surrogate against each opponent at N networks (the goal's
    budget) on each task, paired on run seeds (the same run seed, the same
    first random genomes): one Holm family of tasks x opponents. The smaller
    budgets in the tables and plots are descriptive."""
    rows = []
    for task, data in tasks.items():
        groups = st.group_by_method(data["searches"], ORDER)
        if SUBJECT not in groups:
            continue
        for b in [n]:
            x_by_seed = {s["seed"]: st.best_at(s["networks"], b) for s in groups[SUBJECT]}
            for m in (PLAIN, RANDOM_K):
                if m not in groups:
                    continue
                y_by_seed = {s["seed"]: st.best_at(s["networks"], b) for s in groups[m]}
                c = st.compare_runs(x_by_seed, y_by_seed, paired=True)
                c.update(task=task, budget=b, opponent=m)
                rows.append(c)
    return st.add_verdicts(rows)


def sentence(r, titles):
    return rs.verdict_sentence(r, short(SUBJECT), short(r["opponent"]),
                               f"on {titles[r['task']]} at {r['budget']} networks")


def run_correlations(searches):
    """(the runs' Spearman rank correlations, runs skipped: fewer than
    MIN_SCREENED screened networks with a score, or a constant side)."""
    rhos = [st.screened_spearman(s["networks"], MIN_SCREENED) for s in searches]
    return [r for r in rhos if not math.isnan(r)], sum(1 for r in rhos if math.isnan(r))


def pooled_correlation(searches, first, last):
    """(Spearman over the screened networks at positions first..last of all
    runs together, how many there are); nan with fewer than MIN_SCREENED."""
    pairs = [q for s in searches for q in st.screened_pairs(s["networks"], first, last)]
    if len(pairs) < MIN_SCREENED:
        return math.nan, len(pairs)
    return st.spearman([p for p, _ in pairs], [v for _, v in pairs]), len(pairs)


def fmt_rho(b):
    mean, lo, hi = b
    return "-" if math.isnan(mean) else f"{mean:.2f} [{lo:.2f}, {hi:.2f}]"


def correlation_cell(searches):
    rhos, skipped = run_correlations(searches)
    return fmt_rho(st.bootstrap_mean(rhos)), len(rhos), skipped


def plot_curves(tasks, path, n):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(tasks), figsize=(5.2 * len(tasks), 4.6), squeeze=False)
    xs = list(range(1, n + 1))
    for ax, (task, data) in zip(axes[0], tasks.items()):
        groups = st.group_by_method(data["searches"], ORDER)
        floor = []  # the y axis starts near the curves after their first quarter
        for m, searches in groups.items():
            means, los, his = [], [], []
            for k in xs:
                mean, lo, hi = st.bootstrap_mean([st.best_at(s["networks"], k) for s in searches], resamples=2000)
                means.append(mean), los.append(lo), his.append(hi)
            floor.extend(v for v in los[n // 4:] if not math.isnan(v))
            ax.plot(xs, means, color=COLORS.get(m), label=f"{short(m)} ({len(searches)} runs)")
            ax.fill_between(xs, los, his, color=COLORS.get(m), alpha=0.15)
        seed = data.get("seed_network", {})
        if seed.get("status") == "ok" and seed.get("val") is not None:
            ax.axhline(seed["val"], color="black", linestyle="--", linewidth=0.8, label="human seed network")
            floor.append(seed["val"])
        for b in budgets_of(n):
            ax.axvline(b, color="gray", linestyle=":", linewidth=0.8)
        if floor:
            ax.set_ylim(bottom=max(0.0, min(floor) - 0.03))
        ax.set_xlim(1, n)
        ax.set_xlabel("networks trained")
        ax.set_title(data["info"]["title"].split(" (")[0], fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    axes[0][0].set_ylabel("best validation accuracy so far")
    fig.suptitle("mean of the runs' best so far, 95% bootstrap band (dotted: the tables' budgets; verdicts at the last)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_correlation(tasks, path, windows, short_titles):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    task_colors = {}
    for k, (task, data) in enumerate(tasks.items()):
        task_colors[task] = plt.get_cmap("tab10")(k % 10)
        groups = st.group_by_method(data["searches"], ORDER)
        for m in predicting_methods(groups):
            ys = [pooled_correlation(groups[m], a, b)[0] for a, b in windows]
            ax.plot(range(len(windows)), ys, color=task_colors[task], marker="o",
                    linestyle="-" if m == SUBJECT else "--")
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(windows)))
    ax.set_xticklabels([f"{a}-{b}" for a, b in windows])
    ax.set_xlim(-0.3, len(windows) - 0.7)
    ax.set_ylim(-1.0, 1.0)
    ax.set_xlabel("network index (window of the search's trained networks)")
    ax.set_ylabel("Spearman rank correlation,\npredicted against actual val. acc.")
    handles = [Line2D([], [], color=c, marker="o", label=short_titles[t]) for t, c in task_colors.items()]
    handles += [Line2D([], [], color="gray", linestyle="-", label=short(SUBJECT)),
                Line2D([], [], color="gray", linestyle="--", label=short(RANDOM_K))]
    ax.legend(handles=handles, fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    ax.set_title(f"screened networks of all runs pooled per window (none where fewer than {MIN_SCREENED})",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def task_table(data, L, n, repeats, epochs):
    groups = st.group_by_method(data["searches"], ORDER)
    header = ("| method | runs | " + " | ".join(f"best val. acc. at {b} networks" for b in budgets_of(n)) +
              f" | median best at {n} | test acc. of final best ({repeats} fresh seeds) | CPU-s per search | "
              f"networks screened per search (candidates per pick) |")
    L.append(header)
    L.append("|" + "---|" * (header.count("|") - 1))
    for m, ss in groups.items():
        k = len(ss)
        cells = [rs.fmt_band(st.bootstrap_mean([st.best_at(s["networks"], b) for s in ss])) for b in budgets_of(n)]
        finals = [v for v in (st.best_at(s["networks"], n) for s in ss) if not math.isnan(v)]
        test = st.bootstrap_mean([rs.test_accuracy(s, data["retrain"]) for s in ss])
        cpu = sum(x.get("cpu", 0.0) for s in ss for x in s["networks"]) / k
        picks = [x for s in ss for x in s["networks"] if screened(x)]
        cands = [x["candidates"] for x in picks if x.get("candidates") is not None]
        scr = f"{len(picks) / k:.1f}" + (f" ({sum(cands) / len(cands):.1f})" if cands else "")
        L.append(f"| {label(m)} | {k} | " + " | ".join(cells) +
                 f" | {rs.fmt_acc(st.median_inf(finals)) if finals else '-'} | {rs.fmt_band(test)} | "
                 f"{res.fmt_cpu(cpu)} | {scr} |")
    L.append("")
    L.append("Best validation accuracy and test accuracy: mean over runs with its 95% bootstrap band. Networks "
             "screened: those chosen by the predictor among their candidates (mean per search; in brackets, the "
             "mean number of valid, not yet seen candidates each was chosen among).")
    overhead = {m: [s["surrogate_cpu"] for s in ss if s.get("surrogate_cpu") is not None] for m, ss in groups.items()}
    if any(overhead.values()):
        L.append("")
        L.append("The predictor's own CPU-seconds per search (fitting and predicting; not in the column above): " +
                 ", ".join(f"{short(m)} {res.fmt_cpu(sum(v) / len(v))}" for m, v in overhead.items() if v) + ".")
    seed = data.get("seed_network", {})
    if seed.get("status") == "ok" and seed.get("val") is not None:
        seed_test = rs.test_accuracy({"best_genome": seed.get("genome")}, data["retrain"])
        L.append("")
        L.append(f"The human seed network (`{seed.get('genome')}`), for reference, at {epochs} epochs: validation "
                 f"accuracy {seed['val']:.4f}, test accuracy {rs.fmt_acc(seed_test)} (mean of {repeats} fresh seeds).")


def main():
    args = rs.study_page_args(__doc__, "docs/search-surrogate.md")
    meta, tasks, titles, short_titles, images = rs.load_study(args, "surrogate", "render_surrogate", "--surrogate")
    n, E = meta["networks"], meta["epochs"]
    K = meta.get("candidates")
    rows = family(tasks, n)
    # The windows where some method of some task has screened networks (none in the first population).
    windows = [(a, b) for a, b in windows_of(n) if any(screened(x) for d in tasks.values() for s in d["searches"]
                                                       for x in s["networks"][a - 1:b])]
    print(f"render_surrogate: {len(tasks)} tasks, {len(rows)} comparisons", file=sys.stderr)
    full = [r for r in rows if r["budget"] == n]

    def tasks_with(opponent, verdict):
        """The tasks where the comparison with `opponent` at N networks has `verdict`."""
        return [t for t in tasks if any(r["task"] == t and r["opponent"] == opponent and r["verdict"] == verdict
                                        for r in full)]

    won, lost = tasks_with(PLAIN, "beats"), tasks_with(PLAIN, "loses")
    met = len(won) >= GOAL_TASKS and not lost
    ab_won, ab_lost = tasks_with(RANDOM_K, "beats"), tasks_with(RANDOM_K, "loses")
    names = lambda ts: ", ".join(short_titles[t] for t in ts)  # noqa: E731

    L = ["# Surrogate pre-screen: a learned predictor picks each child among K candidates", "",
         "<!-- Generated by benchmarks/search/render_surrogate.py from the study's results.json; "
         "do not edit by hand. -->", ""]
    L.append(f"Measured {meta['date']} on {meta['cores']} cores ({meta['cpu']}), {meta['parallel']} searches at a "
             f"time, one CPU thread each; {res.took(meta)} "
             f"(`{meta['command']}`).{' **Quick mode: too few runs for conclusions.**' if meta.get('quick') else ''}")
    L.append("")
    L.append("## Headline")
    L.append("")
    L.append(f"- **Goal: {GOAL}. {'Met' if met else 'Not met'}: {short(SUBJECT)} beats {short(PLAIN)} on "
             f"{len(won)} of {len(tasks)} tasks**{' (' + names(won) + ')' if won else ''}"
             f"{'; ' + short(PLAIN) + ' is better on ' + names(lost) if lost else '; no task worse'}. Rule: a gain "
             f"on a task is a \"beats\" verdict for {short(SUBJECT)} against {short(PLAIN)} at {n} networks (below); "
             f"met with at least {GOAL_TASKS} such tasks and no \"is better\" verdict for {short(PLAIN)}.")
    ab_parts = []
    for t in tasks:
        r = next((r for r in full if r["task"] == t and r["opponent"] == RANDOM_K), None)
        if r is not None:
            ab_parts.append(f"{short_titles[t]} A12 = {r['a12']:.2f}, Holm p = {rs.fmt_p(r['p_holm'])}")
    L.append(f"- **Ablation: {short(SUBJECT)} beats the same K{f' = {K}' if K else ''} candidates with one picked "
             f"at random on {len(ab_won)} of {len(tasks)} tasks**{' (' + names(ab_won) + ')' if ab_won else ''}"
             f"{'; the random pick is better on ' + names(ab_lost) if ab_lost else ''}. Best validation accuracy at "
             f"{n} networks, by the same rule: {'; '.join(ab_parts) if ab_parts else 'no runs to compare'}. This "
             f"separates the predictor's choice from breeding K candidates.")
    corr_parts, skipped_all, counted_all = [], 0, 0
    for t, d in tasks.items():
        groups = st.group_by_method(d["searches"], ORDER)
        cells = []
        for m in predicting_methods(groups):
            cell, used, skipped = correlation_cell(groups[m])
            skipped_all, counted_all = skipped_all + skipped, counted_all + used
            cells.append(f"{cell} with {short(m)}")
        if cells:
            corr_parts.append(f"{short_titles[t]} {', '.join(cells)}")
    L.append(f"- **The predictor's rank correlation** (Spearman, predicted against actual validation accuracy of "
             f"the screened networks; mean over runs with its 95% bootstrap band): "
             f"{'; '.join(corr_parts) if corr_parts else 'no screened networks'}. {counted_all} runs counted, "
             f"{skipped_all} skipped (fewer than {MIN_SCREENED} screened networks with a score).")
    L.append("")
    L.append("A verdict needs a Holm-adjusted one-sided p < 0.05 and a Vargha-Delaney A12 >= 0.64; \"no difference "
             "shown\" means the runs could not tell the methods apart, not that they are equal.")
    L.append("")
    L.append("## How it is measured")
    L.append("")
    acq, explore = meta.get("acquisition"), meta.get("exploration", math.nan)
    L.append(f"- **Methods** (`bench_search run --method M`): {label(SUBJECT)}: once the predictor is on, each "
             f"child is bred as {K or 'K'} candidates and the valid ones not yet seen go to the predictor, which "
             f"picks the one to train"
             f"{f' by {acq.upper()} acquisition (exploration {explore:g})' if acq else ''}"
             f"; {label(RANDOM_K)}: the same candidates bred, one picked uniformly at random (the predictor "
             f"still runs and records its prediction, which does not influence the choice); {label(PLAIN)}: "
             f"one child bred, trained. Everything else is evonas evolution's defaults on all three.")
    L.append("- **The predictor**: an extra-trees ensemble (32 trees) of a network's validation accuracy, learnt "
             "from the island's trained networks; it is on from when the island's population is full of trained "
             "networks (children before that, the seeds and the initial random population carry no prediction). "
             "Its prediction is the trees' mean, its spread the disagreement between the trees; see "
             "[guide.md](guide.md).")
    L.append(f"- **Budget**: {n} networks per search, each trained **{E} epochs**; a genome the trainer check "
             f"rejects is not trained and does not use the budget; a network that fails to train uses it and adds "
             f"nothing. Verdicts at {n} networks (the goal's budget); the tables' smaller budgets are descriptive.")
    L.append(f"- **Runs and common random numbers**: {meta['seeds']} run seeds per method and task; the same run "
             f"seed gives the three methods the same initial random population, so they are compared paired. A "
             f"network's training seed derives from its genome (`JobSeeds::per_genome`): the same network gets the "
             f"same training seed and score in every method, and the trainings are shared through the per-task "
             f"evaluation cache (each search is still charged the CPU-seconds of every network it trains).")
    L.append("- **CPU-seconds** count the training of the networks (one thread each)" +
             ("" if any(s.get("surrogate_cpu") is not None for d in tasks.values() for s in d["searches"])
              else "; the predictor's own fitting and predicting is not recorded in results.json and not in them") +
             ".")
    L.append(f"- **Statistics**: per run, the best validation accuracy so far; per method, its mean with a 95% "
             f"percentile-bootstrap band. {short(SUBJECT)} against {short(PLAIN)} and against {short(RANDOM_K)}, "
             f"paired Wilcoxon signed-rank tests on the common run seeds, one-sided in the direction A12 points, "
             f"Holm-corrected over tasks x opponents (at {n} networks). *Test accuracy*: each run's final best network "
             f"retrained at {E} epochs with {meta['repeats']} fresh seeds and scored on the test split.")
    L.append(f"- **Rank correlation**: per run, Spearman's rank correlation between the predicted and the actual "
             f"validation accuracy over its screened networks that have a score (a failed network has none); a run "
             f"with fewer than {MIN_SCREENED} of them is skipped; per task and method, the mean over runs with a 95% "
             f"bootstrap band over runs. Over time: the screened networks of all runs pooled in windows of "
             f"{WINDOW} network positions. With the surrogate choosing, the screened networks are the ones it "
             f"ranked first among their candidates (a narrower range than the candidates'); with the random pick "
             f"they are a random candidate each: the predictor's quality without its influence on the choice.")
    L.append("")
    L.append("## Verdicts")
    L.append("")
    for r in rows:
        L.append(f"- {sentence(r, titles)}")

    L.append("")
    L.append("## Best validation accuracy")
    L.append("")
    curves = "search_sur_curves.png"
    plot_curves(tasks, os.path.join(images, curves), n)
    rel = os.path.relpath(os.path.join(images, curves), os.path.dirname(os.path.abspath(args.out)))
    L.append(f"![best validation accuracy so far]({rel})")
    for t, d in tasks.items():
        L.append("")
        L.append(f"### {d['info']['title']}")
        L.append("")
        task_table(d, L, n, meta["repeats"], E)
        print(f"render_surrogate: {t} done", file=sys.stderr)

    L.append("")
    L.append("## The predictor's rank correlation")
    L.append("")
    corr = "search_sur_corr.png"
    plot_correlation(tasks, os.path.join(images, corr), windows, short_titles)
    rel = os.path.relpath(os.path.join(images, corr), os.path.dirname(os.path.abspath(args.out)))
    L.append(f"![rank correlation over time]({rel})")
    L.append("")
    header = "| " + " | ".join(["task", "method", "Spearman, mean over runs", "runs counted", "runs skipped"] +
                               [f"networks {a}-{b}, pooled (screened)" for a, b in windows]) + " |"
    L.append(header)
    L.append("|" + "---|" * (header.count("|") - 1))
    for t, d in tasks.items():
        groups = st.group_by_method(d["searches"], ORDER)
        for m in predicting_methods(groups):
            cell, used, skipped = correlation_cell(groups[m])
            pooled = [pooled_correlation(groups[m], a, b) for a, b in windows]
            windowed = [f"{'-' if math.isnan(rho) else f'{rho:.2f}'} ({k})" for rho, k in pooled]
            L.append("| " + " | ".join([short_titles[t], short(m), cell, str(used), str(skipped)] + windowed) + " |")
    L.append("")
    L.append(f"Mean over runs: each run's own correlation over its screened networks with a score ({MIN_SCREENED} "
             f"at least), averaged, with a 95% bootstrap band over runs. Windows: all runs' screened networks at "
             f"those positions pooled, \"-\" where fewer than {MIN_SCREENED}.")
    L.append("")
    L.append("## All comparisons")
    L.append("")
    L.append("| task | budget | opponent | test | A12 | one-sided p | Holm p | verdict |")
    L.append("|---|---|---|---|---|---|---|---|")
    for r in rows:
        L.append(f"| {r['task']} | {r['budget']} networks | {short(r['opponent'])} | "
                 f"{'Wilcoxon (paired)' if r['paired'] else 'Mann-Whitney U'}, {r['direction']} (n = {r['n_x']}) | "
                 f"{r['a12']:.2f} | {rs.fmt_p(r['p'])} | {rs.fmt_p(r['p_holm'])} | {r['verdict']} |")
    L.append("")
    L.append("## Reproduce")
    L.append("")
    # The settings this page's study used where they differ from the mode's
    # defaults (a longer run on one task, say), and its folder.
    words = meta.get("command", "").split()
    out_dir = words[words.index("--out") + 1] if "--out" in words[:-1] else "build-bench/search-sur"
    extra = []
    if list(tasks) != ["sans", "minerva", "em"]:
        extra += ["--tasks", ",".join(tasks)]
    for flag, key, default in (("--networks", "networks", 40), ("--seeds", "seeds", 10), ("--repeats", "repeats", 3)):
        if meta.get(key, default) != default:
            extra += [flag, str(meta[key])]
    if out_dir != "build-bench/search-sur":
        extra += ["--out", out_dir]
    L.append("```sh")
    L.append("/usr/bin/python3 benchmarks/search/run_search.py --cpp build-bench/benchmarks/bench_search \\")
    L.append("    --surrogate --seed-cache build-bench/search-es/cache,build-bench/search-mo/cache \\")
    if extra:
        L.append("    " + " ".join(extra) + " \\")
    L.append(f"    --render {args.out}")
    L.append("```")
    L.append("")
    L.append(f"The raw searches are in `{out_dir}/raw/`, the merged results in "
             f"`{out_dir}/results.json`; `benchmarks/search/README.md` describes the programs.")
    with open(args.out, "w") as f:
        f.write("\n".join(L) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
