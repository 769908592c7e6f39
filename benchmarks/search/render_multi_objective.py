#!/usr/bin/env python3
"""Writes docs/search-multi-objective.md and its plots from the
multi-objective study's results.json (run_search.py --multi-objective).
Every figure, table and verdict on the page is computed here from the data.

    /usr/bin/python3 benchmarks/search/render_multi_objective.py build-bench/search-mo/results.json \\
        --out docs/search-multi-objective.md

The subject is evolution_mo (evonas evolution with two objectives: validation
accuracy, max, and parameter count, min); its opponents are Optuna's NSGA-II
over the same two objectives (unpaired) and evonas's single-objective
evolution (paired by run seed). A search is measured by the hypervolume of
its networks trained to the end (search_stats.hypervolume: the area they
dominate in the plane accuracy x log10(params), up to the FIXED reference
point of results.json's meta), after N/2 and N networks.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render_early_stopping as res  # noqa: E402  (how long the study took)
import render_search as rs  # noqa: E402  (formatting)
import search_stats as st  # noqa: E402

SUBJECT, PEER, SINGLE = "evolution_mo", "optuna_nsga2", "evolution"
ORDER = [SUBJECT, PEER, SINGLE]
LABELS = {SUBJECT: "evonas evolution, accuracy + params (evolution_mo)",
          PEER: "Optuna NSGA-II, accuracy + params",
          SINGLE: "evonas evolution, accuracy only"}
SHORT = {SUBJECT: "evonas (accuracy + params)", PEER: "Optuna NSGA-II", SINGLE: "evonas (accuracy only)"}
COLORS = {SUBJECT: "tab:purple", PEER: "tab:green", SINGLE: "tab:blue"}
GOAL = "evonas's mean hypervolume higher than Optuna NSGA-II's, significant on both tasks"


def label(m):
    return LABELS.get(m, m)


def short(m):
    return SHORT.get(m, m)


def reference(meta):
    ref = meta.get("reference") or {}
    return float(ref.get("val", st.MO_REF_VAL)), float(ref.get("params", st.MO_REF_PARAMS))


def hv_at(search, budget, ref):
    return st.hypervolume(st.mo_points(search["networks"][:budget]), *ref)


def budgets_of(n):
    return sorted({max(1, n // 2), n})


def family(tasks, n, ref):
    """evolution_mo against each opponent at each budget of each task."""
    rows = []
    for task, data in tasks.items():
        groups = st.group_by_method(data["searches"], ORDER)
        if SUBJECT not in groups:
            continue
        for b in budgets_of(n):
            x_by_seed = {s["seed"]: hv_at(s, b, ref) for s in groups[SUBJECT]}
            for m in (PEER, SINGLE):
                if m not in groups:
                    continue
                y_by_seed = {s["seed"]: hv_at(s, b, ref) for s in groups[m]}
                # evonas single-objective: the same run seed, the same first random genomes.
                c = st.compare_runs(x_by_seed, y_by_seed, paired=m == SINGLE)
                c.update(task=task, budget=b, opponent=m)
                rows.append(c)
    return st.add_verdicts(rows)


def sentence(r, titles):
    return rs.verdict_sentence(r, short(SUBJECT), short(r["opponent"]),
                               f"on {titles[r['task']]} at {r['budget']} networks")


def fmt_hv(b):
    mean, lo, hi = b
    return "-" if math.isnan(mean) else f"{mean:.3f} [{lo:.3f}, {hi:.3f}]"


def fmt_params(p):
    if p is None or math.isnan(p):
        return "-"
    return f"{p / 1e6:.2f} M" if p >= 1e6 else f"{p / 1e3:.1f} k" if p >= 1e3 else f"{p:.0f}"


def final_fronts(searches):
    return [st.pareto_front(st.mo_points(s["networks"])) for s in searches]


def missing_params(searches):
    """Networks trained to the end that carry no parameter count (they cannot count)."""
    return sum(1 for s in searches for x in s["networks"]
               if x.get("status") == "ok" and x.get("val") is not None and x.get("params") is None)


def plot_task(data, groups, path, title, n, ref):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12.5, 5.6))
    surfaces = {}
    for m, searches in groups.items():
        fronts = final_fronts(searches)
        surfaces[m] = (st.attainment_surface(fronts, 1), st.attainment_surface(fronts, (len(fronts) + 1) // 2))
    seed = data.get("seed_network", {})
    seed_point = st.mo_point(seed)
    right = 1.5 * max([p for union, _ in surfaces.values() for _, p in union] +
                      ([seed_point[1]] if seed_point else []) or [ref[1]])

    def staircase(points):
        """The attained region's edge: each accuracy holds until the next point's params, then to the right."""
        return [p for _, p in points] + [right], [v for v, _ in points] + [points[-1][0]]

    for m, (union, median) in surfaces.items():
        color = COLORS.get(m)
        if union:
            ax.scatter([p for _, p in union], [v for v, _ in union], color=color, s=12, alpha=0.6, zorder=3)
            ax.step(*staircase(union), where="post", color=color, linestyle=":", linewidth=0.9, alpha=0.8)
        if median:
            ax.step(*staircase(median), where="post", color=color, linewidth=1.8,
                    label=f"{label(m)}: median attainment ({len(groups[m])} runs)")
    if seed_point:
        ax.scatter([seed_point[1]], [seed_point[0]], marker="*", s=120, color="black", zorder=4,
                   label="human seed network")
    ax.plot([], [], color="gray", linestyle=":", label="dotted, dots: union of all runs' fronts")
    ax.set_xscale("log")
    ax.set_xlim(right=right)
    ax.set_xlabel("parameters (log scale)")
    ax.set_ylabel("validation accuracy")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1)  # below: the fronts fill the plot
    ax.set_title("(a) final fronts: networks trained to the end", fontsize=9)

    xs = list(range(1, n + 1))
    for m, searches in groups.items():
        curves = [st.hypervolume_so_far(s["networks"], *ref) for s in searches]
        means, los, his = [], [], []
        for i in range(n):
            mean, lo, hi = st.bootstrap_mean([c[min(i, len(c) - 1)] if c else 0.0 for c in curves], resamples=2000)
            means.append(mean), los.append(lo), his.append(hi)
        bx.plot(xs, means, color=COLORS.get(m), label=f"{label(m)} ({len(searches)} runs)")
        bx.fill_between(xs, los, his, color=COLORS.get(m), alpha=0.15)
    for b in budgets_of(n):
        bx.axvline(b, color="gray", linestyle=":", linewidth=0.8)
    bx.set_xlabel("networks trained")
    bx.set_ylabel("hypervolume so far (accuracy x decades)")
    bx.set_xlim(1, n)
    bx.grid(alpha=0.3)
    bx.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1)
    bx.set_title(f"(b) mean hypervolume (reference: accuracy {ref[0]:g}, {ref[1]:.0e} params), 95% bootstrap band",
                 fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def task_section(data, image_rel, L, n, ref, epochs):
    groups = st.group_by_method(data["searches"], ORDER)
    L.append("")
    L.append(f"![{data['info']['title']}]({image_rel})")
    L.append("")
    header = ("| method | runs | networks failed (per search) | CPU-s per search | " +
              " | ".join(f"hypervolume at {b} networks" for b in budgets_of(n)) +
              f" | front size at {n} | best val. acc. | fewest params of a network at or above the seed "
              f"network's val. acc. (median) |")
    L.append(header)
    L.append("|" + "---|" * (header.count("|") - 1))
    seed = data.get("seed_network", {})
    seed_val = seed.get("val") if seed.get("status") == "ok" else None
    for m, ss in groups.items():
        k = len(ss)
        failed = sum(1 for s in ss for x in s["networks"] if x.get("status") not in ("ok", "stopped")) / k
        cpu = sum(x.get("cpu", 0.0) for s in ss for x in s["networks"]) / k
        cells = [fmt_hv(st.bootstrap_mean([hv_at(s, b, ref) for s in ss])) for b in budgets_of(n)]
        fronts = final_fronts(ss)
        size = sum(len(f) for f in fronts) / k
        best = st.bootstrap_mean([max((v for v, _ in f), default=math.nan) for f in fronts])
        if seed_val is not None:
            least = [min((p for v, p in f if v >= seed_val), default=math.inf) for f in fronts]
            got = sum(1 for p in least if not math.isinf(p))
            med = st.median_inf(least)
            reach = f"{fmt_params(med) if not math.isinf(med) else 'none'} ({got}/{k} runs reach it)"
        else:
            reach = "-"
        L.append(f"| {label(m)} | {k} | {failed:.1f} | {res.fmt_cpu(cpu)} | " + " | ".join(cells) +
                 f" | {size:.1f} | {rs.fmt_band(best)} | {reach} |")
    L.append("")
    L.append("Hypervolume and best validation accuracy: mean over runs with its 95% bootstrap band. Front size: "
             "the non-dominated networks of a run (mean).")
    if seed_val is not None and seed.get("params"):
        alone = st.hypervolume([(seed_val, seed["params"])], *ref)
        L.append("")
        L.append(f"Human seed network (`{seed.get('genome')}`) at {epochs} epochs: validation accuracy "
                 f"{seed_val:.4f} with its search seed, {fmt_params(seed['params'])} parameters (hypervolume of "
                 f"that one point: {alone:.3f}).")
    lost = missing_params(data["searches"])
    if lost:
        L.append("")
        L.append(f"**{lost} networks trained to the end carry no parameter count** and count for no hypervolume "
                 f"(results of a bench_search built before the count was recorded).")


def verdict_line(task, rows, titles, tasks, n, ref):
    """The task's headline: the subject against each opponent at the full budget."""
    groups = st.group_by_method(tasks[task]["searches"], ORDER)
    means = {m: st.bootstrap_mean([hv_at(s, n, ref) for s in ss]) for m, ss in groups.items()}
    parts = []
    for r in rows:
        if r["task"] != task or r["budget"] != n:
            continue
        what = {"beats": f"**{short(SUBJECT)} beats {short(r['opponent'])}**",
                "loses": f"**{short(r['opponent'])} is better**",
                "none": f"no difference shown against {short(r['opponent'])}"}[r["verdict"]]
        parts.append(f"{what} ({fmt_hv(means[SUBJECT])} against {fmt_hv(means[r['opponent']])}; A12 = "
                     f"{r['a12']:.2f}, Holm p = {rs.fmt_p(r['p_holm'])})")
    if not parts:
        return f"{titles[task]}: no {short(SUBJECT)} runs to compare."
    return f"{titles[task]}, mean hypervolume at {n} networks: " + "; ".join(parts) + "."


def main():
    args = rs.study_page_args(__doc__, "docs/search-multi-objective.md")
    meta, tasks, titles, short_titles, images = rs.load_study(args, "multi_objective", "render_multi_objective",
                                                              "--multi-objective")
    ref = reference(meta)
    n, E = meta["networks"], meta["epochs"]
    rows = family(tasks, n, ref)
    print(f"render_multi_objective: {len(tasks)} tasks, {len(rows)} comparisons", file=sys.stderr)
    met = [t for t in tasks if any(r["task"] == t and r["budget"] == n and r["opponent"] == PEER and
                                   r["verdict"] == "beats" for r in rows)]
    behind = [t for t in tasks if any(r["task"] == t and r["budget"] == n and r["opponent"] == PEER and
                                      r["verdict"] == "loses" for r in rows)]
    populations = sorted({s.get("population") for d in tasks.values() for s in d["searches"]
                          if s["method"] == PEER and s.get("population") is not None})
    scales = sorted({s.get("params_scale") for d in tasks.values() for s in d["searches"]
                     if s["method"] == PEER and s.get("params_scale")})
    lost = sum(missing_params(d["searches"]) for d in tasks.values())

    L = ["# Multi-objective search: accuracy against parameter count", "",
         "<!-- Generated by benchmarks/search/render_multi_objective.py from the study's results.json; "
         "do not edit by hand. -->", ""]
    L.append(f"Measured {meta['date']} on {meta['cores']} cores ({meta['cpu']}), {meta['parallel']} searches at a "
             f"time, one CPU thread each; {res.took(meta)} "
             f"(`{meta['command']}`).{' **Quick mode: too few runs for conclusions.**' if meta.get('quick') else ''}")
    L.append("")
    L.append("## Headline")
    L.append("")
    L.append(f"- **Goal (issue #18): {GOAL}. {'Met' if len(met) == len(tasks) else 'Not met'}: "
             f"{short(SUBJECT)} beats Optuna NSGA-II on {len(met)} of {len(tasks)} tasks**"
             f"{' (' + ', '.join(short_titles[t] for t in met) + ')' if met else ''}"
             f"{'; Optuna NSGA-II is better on ' + ', '.join(short_titles[t] for t in behind) if behind else ''}. "
             f"Rule: met on a task when {short(SUBJECT)}'s hypervolume at the full budget of {n} networks beats "
             f"Optuna NSGA-II's by the benchmark's verdict (below).")
    for t in tasks:
        L.append(f"- {verdict_line(t, rows, short_titles, tasks, n, ref)}")
    L.append("")
    L.append("A verdict needs a Holm-adjusted one-sided p < 0.05 and a Vargha-Delaney A12 >= 0.64; \"no difference "
             "shown\" means the runs could not tell the methods apart, not that they are equal.")
    L.append("")
    L.append("## How it is measured")
    L.append("")
    L.append(f"- **Objectives**: validation accuracy (maximize) and the network's parameter count (minimize). "
             f"{label(SUBJECT)} is evonas's search with both (`bench_search run --method evolution_mo`: NSGA-II-style "
             f"non-dominated ranks and crowding replacement, parameters on a log10 scale); Optuna's NSGAIISampler "
             f"gets the same two, parameters told as {', '.join(scales) or 'log10'}, population "
             f"{', '.join(str(p) for p in populations) or '-'} (evonas's population for {n} networks) and Optuna's "
             f"other defaults, seeded with the run seed; {label(SINGLE)} is evonas's single-objective search (what "
             f"ignoring the parameter count gives).")
    L.append(f"- **Hypervolume**: the area a search's networks dominate in the plane x = accuracy, y = "
             f"log10({ref[1]:.0e}) - log10(params), up to the fixed reference point accuracy {ref[0]:g}, "
             f"{ref[1]:.0e} parameters (units: accuracy x decades of parameters; a network at or beyond the "
             f"reference adds nothing). It is computed here from every network a search trained "
             f"(`search_stats.hypervolume`), the same way for every method, not taken from the engine.")
    L.append(f"- **Budget**: {n} networks per search, each trained **{E} epochs**; a genome the trainer check "
             f"rejects (it cannot be built, or is over the task's FLOPs limit) is not trained and does not use the "
             f"budget; a network that fails to train uses it and adds nothing. Only networks trained to the end "
             f"score.")
    L.append(f"- **Runs**: {meta['seeds']} run seeds per evonas method and task, {meta.get('peer_seeds', meta['seeds'])} "
             f"for Optuna; tasks {', '.join(short_titles[t] for t in tasks)}. Common random numbers: a network's "
             f"training seed derives from its genome, so the same network scores the same on every side.")
    L.append(f"- **Statistics**: per run, the hypervolume after {' and '.join(str(b) for b in budgets_of(n))} "
             f"networks; per method, its mean with a 95% percentile-bootstrap band. {short(SUBJECT)} against "
             f"Optuna NSGA-II unpaired (Mann-Whitney U) and against {short(SINGLE)} paired (Wilcoxon signed-rank, "
             f"same run seeds), one-sided in the direction A12 points, Holm-corrected over tasks x budgets x "
             f"opponents.")
    L.append("- **Fronts (figures, a)**: per method, the median attainment surface of its runs' final fronts (the "
             "accuracy-parameters trade-offs that at least half of the runs reach or beat; solid) and the union of "
             "all its runs' fronts (dotted, with its points).")
    if lost:
        L.append(f"- **{lost} networks trained to the end carry no parameter count** and add nothing.")
    L.append("")
    L.append("## Verdicts")
    L.append("")
    for r in rows:
        L.append(f"- {sentence(r, titles)}")
    for t, d in tasks.items():
        L.append("")
        L.append(f"## {d['info']['title']}")
        img = f"search_mo_{t}.png"
        groups = st.group_by_method(d["searches"], ORDER)
        plot_task(d, groups, os.path.join(images, img), d["info"]["title"], n, ref)
        rel = os.path.relpath(os.path.join(images, img), os.path.dirname(os.path.abspath(args.out)))
        task_section(d, rel, L, n, ref, E)
        print(f"render_multi_objective: {t} done", file=sys.stderr)
    L.append("")
    L.append("## All comparisons")
    L.append("")
    L.append("| task | budget | opponent | test | A12 | one-sided p | Holm p | verdict |")
    L.append("|---|---|---|---|---|---|---|---|")
    for r in rows:
        L.append(f"| {r['task']} | {r['budget']} networks | {short(r['opponent'])} | "
                 f"{'Wilcoxon (paired)' if r['paired'] else 'Mann-Whitney U'}, {r['direction']} | {r['a12']:.2f} | "
                 f"{rs.fmt_p(r['p'])} | {rs.fmt_p(r['p_holm'])} | {r['verdict']} |")
    L.append("")
    L.append("## Reproduce")
    L.append("")
    L.append("```sh")
    L.append("/usr/bin/python3 benchmarks/search/run_search.py --cpp build-bench/benchmarks/bench_search \\")
    L.append("    --multi-objective --render docs/search-multi-objective.md")
    L.append("```")
    L.append("")
    L.append("The raw searches are in `build-bench/search-mo/raw/`, the merged results in "
             "`build-bench/search-mo/results.json`; `benchmarks/search/README.md` describes the programs.")
    with open(args.out, "w") as f:
        f.write("\n".join(L) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
