"""Statistics of the search-efficiency benchmark, computed from the data
(render_search.py uses them; test_search_stats.py checks them).

Per search: the best-so-far validation accuracy after each trained network
and the CPU seconds charged so far. Per method and budget: the mean of the
searches' best with a 95% percentile-bootstrap band. Comparisons of evonas
evolution with another method: a paired Wilcoxon signed-rank test when both
are evonas searches (the same run seed gives them the same first random
genomes), a Mann-Whitney U test otherwise; one-sided in the direction the
Vargha-Delaney A12 effect size points; Holm-corrected over the family of
comparisons (tasks x budgets x opponents). A verdict says one method beats
the other only when the adjusted p < 0.05 and A12 >= 0.64 (or <= 0.36).

The multi-objective study (render_multi_objective.py) measures a search by
the hypervolume of its (accuracy, parameters) points against a fixed
reference point, and compares hypervolumes by the same rule (below). The
surrogate study (render_surrogate.py) adds the Spearman rank correlation
between a predictor's predicted and the actual validation accuracy (below).
"""
import math

import numpy as np
from scipy import stats

ALPHA = 0.05
A12_BEATS = 0.64  # "medium" effect in Vargha & Delaney (2000)


def best_so_far(networks):
    """Best validation accuracy after each network (nan before the first ok one)."""
    out, best = [], math.nan
    for n in networks:
        v = n.get("val")
        if n.get("status") == "ok" and v is not None and (math.isnan(best) or v > best):
            best = v
        out.append(best)
    return out


def cpu_so_far(networks):
    out, total = [], 0.0
    for n in networks:
        total += n.get("cpu", 0.0)
        out.append(total)
    return out


def best_at(networks, budget):
    """Best after the first `budget` networks (nan when none was ok)."""
    curve = best_so_far(networks[:budget])
    return curve[-1] if curve else math.nan


def best_at_cpu(networks, seconds, missing=math.nan):
    """Best among the networks whose training had ended by `seconds` of CPU
    (a search that stopped earlier keeps its final best); `missing` when
    none was ok by then."""
    best = missing
    for v, c in zip(best_so_far(networks), cpu_so_far(networks)):
        if c > seconds:
            break
        if not math.isnan(v):
            best = v
    return best


def bootstrap_mean(values, resamples=10000, seed=12345, level=0.95):
    """(mean, low, high): the mean with a percentile-bootstrap band."""
    x = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    if len(x) == 1:
        return float(x[0]), float(x[0]), float(x[0])
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(resamples, len(x)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(x.mean()), float(lo), float(hi)


def a12(x, y):
    """Vargha-Delaney A12: P(X > Y) + P(X = Y) / 2 over all pairs."""
    x = [v for v in x if not math.isnan(v)]
    y = [v for v in y if not math.isnan(v)]
    if not x or not y:
        return math.nan
    greater = sum(1 for a in x for b in y if a > b)
    equal = sum(1 for a in x for b in y if a == b)
    return (greater + 0.5 * equal) / (len(x) * len(y))


def one_sided_p(x, y, paired, alternative):
    """p of 'x greater than y' (alternative='greater') or 'less'."""
    if paired:
        pairs = [(a, b) for a, b in zip(x, y) if not (math.isnan(a) or math.isnan(b))]
        d = [a - b for a, b in pairs]
        if len(d) == 0 or all(v == 0 for v in d):
            return 1.0
        return float(stats.wilcoxon([a for a, _ in pairs], [b for _, b in pairs], alternative=alternative).pvalue)
    x = [v for v in x if not math.isnan(v)]
    y = [v for v in y if not math.isnan(v)]
    if not x or not y:
        return 1.0
    if len(set(x) | set(y)) == 1:
        return 1.0
    return float(stats.mannwhitneyu(x, y, alternative=alternative).pvalue)


def holm(pvalues):
    """Holm-Bonferroni adjusted p-values, in the input's order."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def compare(x, y, paired):
    """Effect size and the one-sided p in the direction it points."""
    effect = a12(x, y)
    direction = "greater" if (math.isnan(effect) or effect >= 0.5) else "less"
    return {"a12": effect, "direction": direction, "p": one_sided_p(x, y, paired, direction)}


def compare_runs(x_by_seed, y_by_seed, paired):
    """compare() of two methods' runs given as {run seed: value}: paired on
    the seeds both have (the same run seed, the same first random genomes),
    else all runs of each, unpaired. Adds n_x and n_y."""
    if paired:
        seeds = sorted(set(x_by_seed) & set(y_by_seed))
        x, y = [x_by_seed[k] for k in seeds], [y_by_seed[k] for k in seeds]
    else:
        x, y = list(x_by_seed.values()), list(y_by_seed.values())
    c = compare(x, y, paired)
    c.update(paired=paired, n_x=len(x), n_y=len(y))
    return c


def add_verdicts(rows):
    """Holm-adjusts the family's one-sided p values in place ("p_holm") and
    gives each comparison its verdict; returns the rows."""
    for r, p in zip(rows, holm([r["p"] for r in rows])):
        r["p_holm"] = p
        r["verdict"] = verdict(r, p)
    return rows


def verdict(comparison, adjusted_p):
    """'beats', 'loses' or 'none' by the benchmark's rule."""
    a = comparison["a12"]
    if adjusted_p < ALPHA and not math.isnan(a):
        if comparison["direction"] == "greater" and a >= A12_BEATS:
            return "beats"
        if comparison["direction"] == "less" and a <= 1 - A12_BEATS:
            return "loses"
    return "none"


def fragility(values, reference):
    """Share of searches whose final best is below the median of `reference`."""
    ref = [v for v in reference if not math.isnan(v)]
    vals = list(values)
    if not ref or not vals:
        return math.nan
    median = float(np.median(ref))
    return sum(1 for v in vals if math.isnan(v) or v < median) / len(vals)


def time_to_reach(networks, target):
    """(networks, CPU seconds) until the best first reaches `target`, or None."""
    for i, (v, c) in enumerate(zip(best_so_far(networks), cpu_so_far(networks))):
        if not math.isnan(v) and v >= target:
            return i + 1, c
    return None


def median_or_none(values, total):
    """Median over `total` searches where missing ones count as never (inf)."""
    padded = sorted(values) + [math.inf] * (total - len(values))
    if not padded:
        return None
    m = padded[(len(padded) - 1) // 2] if len(padded) % 2 else 0.5 * (padded[len(padded) // 2 - 1] + padded[len(padded) // 2])
    return None if math.isinf(m) else m


# The early-stopping study (render_early_stopping.py): CPU-seconds to reach
# a target accuracy, and the speed-up of one method over another as a ratio
# of median CPU-to-reach with a bootstrap band. A run that never reaches the
# target counts as infinitely slow, so it is never dropped.

def cpu_to_reach(networks, target):
    """CPU seconds charged until the best first reaches `target`; inf if never."""
    hit = time_to_reach(networks, target)
    return math.inf if hit is None else hit[1]


def median_inf(values):
    """Median of values that may be inf (never reached); nan for none."""
    v = sorted(values)
    if not v:
        return math.nan
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def speedup(slow, fast):
    """Ratio of CPU-to-reach, slow / fast: > 1 when `fast` reaches sooner.
    A `fast` that never reaches gives 0 (no speed-up shown, whatever `slow`
    does); a `slow` that never reaches, against a `fast` that does, inf."""
    if math.isinf(fast) or math.isnan(fast) or math.isnan(slow):
        return 0.0
    if math.isinf(slow):
        return math.inf
    if fast <= 0:
        return 1.0 if slow <= 0 else math.inf
    return slow / fast


def bootstrap_speedup(slow, fast, paired, resamples=10000, seed=12345, level=0.95):
    """(ratio, low, high): speedup(median(slow), median(fast)) with a
    percentile-bootstrap band over runs (paired: the same resampled run seeds
    for both, `slow` and `fast` aligned by seed). Values may be inf."""
    slow, fast = np.asarray(slow, dtype=float), np.asarray(fast, dtype=float)
    if len(slow) == 0 or len(fast) == 0:
        return math.nan, math.nan, math.nan
    if paired and len(slow) != len(fast):
        raise ValueError("paired speed-up needs runs aligned by seed")
    point = speedup(median_inf(slow), median_inf(fast))
    rng = np.random.default_rng(seed)
    i = rng.integers(0, len(slow), size=(resamples, len(slow)))
    j = i if paired else rng.integers(0, len(fast), size=(resamples, len(fast)))
    # np.median of rows with inf stays inf (inf + x = inf), never nan.
    ratios = np.sort([speedup(a, b) for a, b in zip(np.median(slow[i], axis=1), np.median(fast[j], axis=1))])
    tail = (1 - level) / 2
    lo = ratios[int(math.floor(tail * resamples))]
    hi = ratios[min(resamples - 1, int(math.ceil((1 - tail) * resamples)) - 1)]
    return point, float(lo), float(hi)


def group_by_method(searches, order=()):
    """{method: its searches by run seed}, methods in `order` first, then the
    others by name (the pages' rows)."""
    out = {}
    for s in searches:
        out.setdefault(s["method"], []).append(s)
    for m in out:
        out[m].sort(key=lambda s: s["seed"])
    order = list(order)
    return {m: out[m] for m in sorted(out, key=lambda m: (order.index(m), "") if m in order else (len(order), m))}


# The multi-objective study (render_multi_objective.py): validation accuracy
# (max) against parameter count (min). A set of networks is measured by the
# hypervolume of its (accuracy, params) points against a FIXED reference
# point, accuracy 0 and 10^7 parameters (bench_search's mo_objectives()),
# computed in the plane x = accuracy, y = log10(10^7) - log10(params): the
# area those points dominate. A point at or beyond the reference (accuracy
# <= 0, params >= 10^7) or without a value adds nothing. Only networks
# trained to the end (status "ok", with a validation accuracy) count.

MO_REF_VAL, MO_REF_PARAMS = 0.0, 1e7


def mo_point(network):
    """(accuracy, params) of a network trained to the end, else None."""
    v, p = network.get("val"), network.get("params")
    if network.get("status") != "ok" or v is None or p is None:
        return None
    v, p = float(v), float(p)
    if math.isnan(v) or math.isnan(p):
        return None
    return v, p


def mo_points(networks):
    return [q for q in (mo_point(n) for n in networks) if q is not None]


def _plane(points, ref_val, ref_params):
    """The points as (x, y) > 0 in the hypervolume's plane; the others dropped."""
    out = []
    for v, p in points:
        if v is None or p is None or math.isnan(v) or math.isnan(p) or p <= 0:
            continue
        x, y = v - ref_val, math.log10(ref_params) - math.log10(p)
        if x > 0 and y > 0:
            out.append((x, y))
    return out


def hypervolume(points, ref_val=MO_REF_VAL, ref_params=MO_REF_PARAMS):
    """The area (accuracy x decades of params) that (accuracy, params) points
    dominate up to the reference point: a staircase swept by accuracy."""
    area, top = 0.0, 0.0
    for x, y in sorted(_plane(points, ref_val, ref_params), reverse=True):
        if y > top:
            area += x * (y - top)
            top = y
    return area


def pareto_front(points):
    """The non-dominated (accuracy max, params min) points, by params
    ascending (accuracy then strictly ascending); duplicates once."""
    front = []
    for v, p in sorted(((v, p) for v, p in points), key=lambda q: (q[1], -q[0])):
        if not front or v > front[-1][0]:
            front.append((v, p))
    return front


def hypervolume_so_far(networks, ref_val=MO_REF_VAL, ref_params=MO_REF_PARAMS):
    """The hypervolume of the networks trained to the end after each network."""
    out, front = [], []
    for n in networks:
        q = mo_point(n)
        if q is not None:
            front = pareto_front(front + [q])
        out.append(hypervolume(front, ref_val, ref_params))
    return out


def hypervolume_at(networks, budget):
    """The hypervolume after the first `budget` networks (0 for none)."""
    return hypervolume(mo_points(networks[:budget]))


def hypervolume_at_cpu(networks, seconds):
    """The hypervolume of the networks whose training had ended by `seconds`
    of CPU (a search that stopped earlier keeps its final one)."""
    ended = [n for n, c in zip(networks, cpu_so_far(networks)) if c <= seconds]
    return hypervolume(mo_points(ended))


def attainment_surface(fronts, k):
    """The k-attainment surface of several runs' (accuracy, params) point
    sets: the non-dominated points (a, p) such that at least k of the runs
    have a point at least as accurate as a with at most p parameters. k = 1
    gives the union front; k = ceil(runs / 2) the median attainment surface."""
    fronts = [pareto_front(f) for f in fronts]
    if not 1 <= k <= len(fronts):
        raise ValueError(f"attainment level k={k} for {len(fronts)} runs")
    levels = sorted({v for f in fronts for v, _ in f})
    points = []
    for a in levels:
        # Per run, the fewest parameters of a point at least as accurate as a.
        least = sorted(min((p for v, p in f if v >= a), default=math.inf) for f in fronts)
        if not math.isinf(least[k - 1]):
            points.append((a, least[k - 1]))
    return pareto_front(points)


# The surrogate study (render_surrogate.py): a network chosen by the
# surrogate pre-screen carries "predicted" (the predictor's mean predicted
# validation accuracy when it was chosen); the predictor's quality is the
# Spearman rank correlation between that and the network's actual "val",
# over the screened networks that have one (a failed network has none).

def spearman(x, y):
    """Spearman's rank correlation of paired values (ties take their mean
    rank); nan for fewer than 2 pairs or when either side is constant."""
    if len(x) != len(y):
        raise ValueError("spearman needs paired values")
    if len(x) < 2 or len(set(x)) < 2 or len(set(y)) < 2:
        return math.nan
    return float(stats.spearmanr(x, y)[0])


def screened_pairs(networks, first=1, last=None):
    """(predicted, actual val) of the screened networks at positions
    first..last (1-based, inclusive; last None: to the end) that have a
    validation accuracy."""
    out = []
    for n in networks[first - 1:last]:
        p, v = n.get("predicted"), n.get("val")
        if p is None or v is None or math.isnan(p) or math.isnan(v):
            continue
        out.append((float(p), float(v)))
    return out


def screened_spearman(networks, min_pairs=5, first=1, last=None):
    """spearman() over screened_pairs(); nan with fewer than `min_pairs`."""
    pairs = screened_pairs(networks, first, last)
    if len(pairs) < min_pairs:
        return math.nan
    return spearman([p for p, _ in pairs], [v for _, v in pairs])
