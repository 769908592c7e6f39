#!/usr/bin/env python3
"""Checks search_stats.py, the statistics behind docs/search.md's verdicts:
each check fails if a function computes something else. Run by ctest
(search_stats) with /usr/bin/python3 (numpy, scipy)."""
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import search_stats as st  # noqa: E402

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def net(val, cpu=1.0, status="ok"):
    return {"status": status, "val": val, "cpu": cpu}


# best so far: failures and None never count, nan until the first ok network
nets = [net(None, status="failed"), net(0.5), net(0.4), net(0.7, cpu=2.0), net(0.6)]
curve = st.best_so_far(nets)
check(math.isnan(curve[0]) and curve[1:] == [0.5, 0.5, 0.7, 0.7], f"best_so_far {curve}")
check(st.cpu_so_far(nets) == [1.0, 2.0, 3.0, 5.0, 6.0], "cpu_so_far")
check(st.best_at(nets, 3) == 0.5 and st.best_at(nets, 5) == 0.7, "best_at")
check(st.best_at_cpu(nets, 4.9) == 0.5 and st.best_at_cpu(nets, 5.0) == 0.7, "best_at_cpu")
check(st.best_at_cpu(nets, 100.0) == 0.7, "best_at_cpu after the search ended keeps its final best")

# A12 by hand
check(st.a12([1, 2, 3], [0, 0, 0]) == 1.0, "a12 all greater")
check(st.a12([1, 1], [1, 1]) == 0.5, "a12 all ties")
check(abs(st.a12([1, 2, 3], [2, 2, 2]) - 0.5) < 1e-12, "a12 symmetric")
check(abs(st.a12([3, 1], [2]) - 0.5) < 1e-12, "a12 one of two")

# Holm: known example (p sorted: m * p1, (m-1) * p2 monotone, capped at 1)
adj = st.holm([0.01, 0.04, 0.03, 0.5])
check([round(a, 6) for a in adj] == [0.04, 0.09, 0.09, 0.5], f"holm {adj}")
check(st.holm([0.9, 0.9]) == [1.0, 1.0], "holm caps at 1")

# bootstrap: deterministic, brackets the mean, degenerate cases
b1 = st.bootstrap_mean([0.1, 0.2, 0.3, 0.4])
b2 = st.bootstrap_mean([0.1, 0.2, 0.3, 0.4])
check(b1 == b2 and b1[1] <= b1[0] <= b1[2] and abs(b1[0] - 0.25) < 1e-12, f"bootstrap {b1}")
check(st.bootstrap_mean([0.7]) == (0.7, 0.7, 0.7), "bootstrap of one value")
check(all(math.isnan(v) for v in st.bootstrap_mean([])), "bootstrap of nothing")

# tests and verdicts: a clear difference is found, noise is not
rng = random.Random(1)
good = [0.9 + 0.01 * rng.random() for _ in range(20)]
bad = [0.8 + 0.01 * rng.random() for _ in range(20)]
same = [0.85 + 0.05 * rng.random() for _ in range(20)]
same2 = [0.85 + 0.05 * rng.random() for _ in range(20)]
for paired in (True, False):
    c = st.compare(good, bad, paired)
    check(c["direction"] == "greater" and c["p"] < 1e-4 and st.verdict(c, c["p"]) == "beats", f"beats {c}")
    c = st.compare(bad, good, paired)
    check(c["direction"] == "less" and st.verdict(c, c["p"]) == "loses", f"loses {c}")
    c = st.compare(same, same2, paired)
    check(st.verdict(c, st.holm([c["p"]] * 27)[0]) == "none", f"noise {c}")
# a significant p with a small effect is no verdict; a large effect without significance neither
check(st.verdict({"a12": 0.6, "direction": "greater", "p": 0.001}, 0.001) == "none", "small effect")
check(st.verdict({"a12": 0.9, "direction": "greater", "p": 0.2}, 0.2) == "none", "not significant")
check(st.compare([0.5] * 5, [0.5] * 5, True)["p"] == 1.0, "identical paired runs")

# fragility and time to reach
check(st.fragility([0.1, 0.5, 0.9, math.nan], [0.4, 0.5, 0.6]) == 0.5, "fragility")
check(st.time_to_reach(nets, 0.7) == (4, 5.0) and st.time_to_reach(nets, 0.8) is None, "time_to_reach")
check(st.median_or_none([1, 2], 3) == 2 and st.median_or_none([1], 3) is None, "median with never-reached runs")

# best_at_cpu's value for "nothing trained to the end yet"
check(math.isnan(st.best_at_cpu(nets, 0.5)) and st.best_at_cpu(nets, 0.5, missing=0.0) == 0.0, "best_at_cpu missing")
check(st.best_at_cpu(nets, 2.0, missing=0.0) == 0.5, "best_at_cpu missing only before the first ok network")
# stopped networks use CPU but never score (the study counts full trainings only)
es = [net(None, cpu=1.0, status="stopped"), net(0.6, cpu=3.0), net(None, cpu=1.0, status="stopped"), net(0.8, cpu=3.0)]
check(st.best_at_cpu(es, 3.9, missing=0.0) == 0.0 and st.best_at_cpu(es, 4.0) == 0.6, "stopped networks do not score")
check(st.cpu_to_reach(es, 0.7) == 8.0 and math.isinf(st.cpu_to_reach(es, 0.9)), "cpu_to_reach")

# medians with never-reached (inf) runs
check(st.median_inf([3, math.inf, 1]) == 3 and math.isinf(st.median_inf([1, math.inf])), "median_inf")
check(st.median_inf([1, 2, 3, 5]) == 2.5 and math.isnan(st.median_inf([])), "median_inf even / empty")

# speed-up: slow / fast; a fast method that never reaches shows none
check(st.speedup(10.0, 4.0) == 2.5 and st.speedup(math.inf, 4.0) == math.inf, "speedup")
check(st.speedup(10.0, math.inf) == 0.0 and st.speedup(math.inf, math.inf) == 0.0, "speedup when fast never reaches")
slow = [20.0, 22.0, 18.0, 25.0, 21.0, 19.0, 23.0, 20.0, 24.0, 22.0]
fast = [v / 4 for v in slow]
b = st.bootstrap_speedup(slow, fast, paired=True)
check(b == (4.0, 4.0, 4.0), f"paired speed-up of an exact 4x is 4 in every resample {b}")
b = st.bootstrap_speedup(slow, fast, paired=False)
check(abs(b[0] - 4.0) < 1e-12 and 2.0 < b[1] < 4.0 < b[2] < 8.0, f"unpaired speed-up band brackets 4 {b}")
check(b == st.bootstrap_speedup(slow, fast, paired=False), "speed-up bootstrap is deterministic")
b = st.bootstrap_speedup(slow, [math.inf] * 10, paired=True)
check(b == (0.0, 0.0, 0.0), f"never reached: no speed-up {b}")
b = st.bootstrap_speedup([math.inf] * 6 + slow[:4], fast[:10], paired=True)
check(b[0] == math.inf and b[2] == math.inf and b[1] >= 1.0, f"slow mostly never reaches {b}")
mixed = st.bootstrap_speedup(slow, fast[:5] + [math.inf] * 5, paired=True)
check(mixed[1] == 0.0 and mixed[1] <= mixed[0] <= mixed[2], f"half never reached: band reaches 0 {mixed}")
try:
    st.bootstrap_speedup(slow, fast[:3], paired=True)
    check(False, "paired speed-up with unaligned runs must raise")
except ValueError:
    pass

# compare_runs pairs on the seeds both methods have; unpaired takes all runs
better = {k: 0.8 + 0.01 * k for k in range(1, 13)}
worse = {k: 0.5 + 0.01 * k for k in range(1, 11)}
c = st.compare_runs(better, worse, paired=True)
check(c["paired"] and c["n_x"] == 10 and c["n_y"] == 10 and c["a12"] > 0.9, f"compare_runs paired {c}")
check(c == {**st.compare([better[k] for k in range(1, 11)], [worse[k] for k in range(1, 11)], True),
            "paired": True, "n_x": 10, "n_y": 10}, "compare_runs paired = compare on the common seeds")
u = st.compare_runs(better, worse, paired=False)
check(not u["paired"] and u["n_x"] == 12 and u["n_y"] == 10, f"compare_runs unpaired {u}")
rows = st.add_verdicts([dict(c), {"a12": 0.5, "direction": "greater", "p": 0.5}])
check(rows[0]["p_holm"] == st.holm([c["p"], 0.5])[0] and rows[1]["p_holm"] == 0.5, f"add_verdicts Holm {rows}")
check(rows[0]["verdict"] == "beats" and rows[1]["verdict"] == "none", f"add_verdicts verdicts {rows}")

# group_by_method: the given order first, then the others by name; runs by seed
g = st.group_by_method([{"method": "b", "seed": 2}, {"method": "z", "seed": 1}, {"method": "a", "seed": 1},
                        {"method": "b", "seed": 1}], order=["z", "b"])
check(list(g) == ["z", "b", "a"] and [s["seed"] for s in g["b"]] == [1, 2], f"group_by_method {g}")

# the multi-objective study's hypervolume: x = accuracy, y = 7 - log10(params)
def close(a, b, tol=1e-9):
    return abs(a - b) <= tol


check(st.hypervolume([]) == 0.0, "hypervolume of nothing")
check(close(st.hypervolume([(0.8, 1e4)]), 0.8 * 3), "hypervolume of one point")
two = [(0.8, 1e4), (0.9, 1e5)]
check(close(st.hypervolume(two), 0.9 * 2 + 0.8 * 1), f"hypervolume of two points {st.hypervolume(two)}")
check(close(st.hypervolume(two + [(0.7, 1e5), (0.8, 1e4), (0.5, 3e4)]), st.hypervolume(two)),
      "dominated and repeated points add nothing")
check(st.hypervolume([(0.0, 10.0), (-0.1, 10.0), (0.9, 1e7), (0.9, 2e7), (0.9, 0.0), (0.9, -5.0),
                      (None, 10.0), (math.nan, 10.0), (0.9, math.nan)]) == 0.0,
      "points at or beyond the reference, or without values, add nothing")
check(close(st.hypervolume([(0.5, 1.0)]), 0.5 * 7), "one parameter: 7 decades below the reference")
check(close(st.hypervolume([(0.8, 1e4)], ref_val=0.5, ref_params=1e6), 0.3 * 2), "another reference point")
check(close(st.hypervolume(two[::-1]), st.hypervolume(two)), "hypervolume ignores order")

# against a brute-force grid: the share of cell centres some point dominates
rng = random.Random(7)
for trial in range(5):
    pts = [(rng.uniform(-0.1, 1.0), 10 ** rng.uniform(0.0, 7.5)) for _ in range(rng.randint(1, 12))]
    m = 400
    inside = 0
    for i in range(m):
        x = (i + 0.5) / m  # accuracy in (0, 1)
        for j in range(m):
            y = 7.0 * (j + 0.5) / m  # 7 - log10(params) in (0, 7)
            if any(v >= x and 7.0 - math.log10(p) >= y for v, p in pts):
                inside += 1
    grid = inside / (m * m) * 7.0
    hv = st.hypervolume(pts)
    # the dominated region's boundary is a monotone staircase: it cuts at most 2m cells of area 7 / m^2
    check(abs(hv - grid) <= 2 * m * 7.0 / m ** 2 + 1e-9, f"hypervolume {hv} vs grid {grid} for {pts}")

# the front, and the hypervolume so far of a search (only networks trained to the end count)
check(st.pareto_front([(0.7, 1e5), (0.8, 1e4), (0.9, 1e5), (0.8, 1e4), (0.6, 1e3)]) == [(0.6, 1e3), (0.8, 1e4),
                                                                                      (0.9, 1e5)], "pareto_front")
mo = [{"status": "failed", "val": None, "cpu": 1.0, "params": 0.0},
      {"status": "ok", "val": 0.8, "cpu": 2.0, "params": 1e4},
      {"status": "stopped", "val": None, "val_at_stop": 0.95, "cpu": 1.0, "params": 10.0},
      {"status": "ok", "val": 0.7, "cpu": 1.0, "params": 1e5},
      {"status": "ok", "val": 0.9, "cpu": 3.0, "params": 1e5},
      {"status": "ok", "val": 0.9, "cpu": 1.0}]  # no params: nothing
hv = st.hypervolume_so_far(mo)
check(all(close(a, b) for a, b in zip(hv, [0.0, 2.4, 2.4, 2.4, 2.6, 2.6])) and len(hv) == 6, f"hypervolume_so_far {hv}")
check(close(st.hypervolume_at(mo, 4), 2.4) and close(st.hypervolume_at(mo, 6), 2.6) and st.hypervolume_at(mo, 1) == 0.0,
      "hypervolume_at")
check(st.hypervolume_at_cpu(mo, 2.9) == 0.0 and close(st.hypervolume_at_cpu(mo, 3.0), 2.4) and
      close(st.hypervolume_at_cpu(mo, 7.9), 2.4) and close(st.hypervolume_at_cpu(mo, 8.0), 2.6) and
      close(st.hypervolume_at_cpu(mo, 1e9), 2.6), "hypervolume_at_cpu")
for trial in range(20):  # incremental = from scratch, at every step
    nets_mo = [{"status": rng.choice(["ok", "ok", "failed"]), "val": rng.random(), "params": 10 ** rng.uniform(1, 8),
                "cpu": 1.0} for _ in range(15)]
    inc = st.hypervolume_so_far(nets_mo)
    check(all(close(inc[i], st.hypervolume_at(nets_mo, i + 1)) for i in range(15)) and
          all(a <= b + 1e-12 for a, b in zip(inc, inc[1:])), "hypervolume_so_far is monotone and exact")

# attainment surfaces: k = 1 the union front, k = runs what every run attains
A, B, C = [(0.8, 1e4)], [(0.9, 1e5)], [(0.7, 1e3), (0.6, 1e4)]
check(st.attainment_surface([A, B, C], 1) == [(0.7, 1e3), (0.8, 1e4), (0.9, 1e5)], "attainment k=1: union front")
check(st.attainment_surface([A, B, C], 2) == [(0.7, 1e4), (0.8, 1e5)], f"attainment k=2 {st.attainment_surface([A, B, C], 2)}")
check(st.attainment_surface([A, B, C], 3) == [(0.7, 1e5)], "attainment k=3")
check(st.attainment_surface([A, [], C], 3) == [], "a run with no point: nothing attained by all")
check(st.attainment_surface([A], 1) == A, "attainment of one run: its front")
for trial in range(10):  # a point of the k-surface is attained by >= k runs; more attainment, less hypervolume
    runs = [[(rng.random(), 10 ** rng.uniform(1, 6)) for _ in range(rng.randint(0, 6))] for _ in range(5)]
    surfaces = [st.attainment_surface(runs, k) for k in range(1, 6)]
    ok = all(sum(1 for r in runs if any(v >= a and p <= q for v, p in r)) >= k
             for k, s in enumerate(surfaces, 1) for a, q in s)
    hvs = [st.hypervolume(s) for s in surfaces]
    check(ok and all(a >= b - 1e-12 for a, b in zip(hvs, hvs[1:])) and
          close(hvs[0], st.hypervolume([q for r in runs for q in r])), f"attainment surfaces {runs}")
try:
    st.attainment_surface([A, B], 3)
    check(False, "attainment level above the runs must raise")
except ValueError:
    pass

# the surrogate study: Spearman's rank correlation, by hand
check(close(st.spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]), 1 - 6 * 4 / (5 * 24)), "spearman 1 - 6 sum d^2 / n(n^2-1)")
check(close(st.spearman([0.1, 0.2, 0.3], [5, 7, 100]), 1.0) and close(st.spearman([1, 2, 3], [3, 2, 1]), -1.0),
      "spearman of monotone relations")
# ties take their mean rank: ranks (1, 2.5, 2.5, 4) against (1, 3, 2, 4): 4.5 / sqrt(4.5 * 5)
check(close(st.spearman([1, 2, 2, 3], [1, 3, 2, 4]), 4.5 / math.sqrt(22.5)), "spearman with ties")
check(math.isnan(st.spearman([1], [2])) and math.isnan(st.spearman([1, 1, 1], [1, 2, 3])) and
      math.isnan(st.spearman([], [])), "spearman of too few or constant values")
try:
    st.spearman([1, 2], [1])
    check(False, "spearman of unpaired values must raise")
except ValueError:
    pass
# screened networks: only those with "predicted" and a validation accuracy, at 1-based positions
sur = [{"val": 0.5}, {"val": 0.6, "predicted": 0.55}, {"val": None, "predicted": 0.9, "status": "failed"},
       {"val": 0.7, "predicted": 0.65}, {"val": 0.4, "predicted": 0.62}, {"val": 0.8, "predicted": 0.7},
       {"val": 0.3, "predicted": 0.5}]
check(st.screened_pairs(sur) == [(0.55, 0.6), (0.65, 0.7), (0.62, 0.4), (0.7, 0.8), (0.5, 0.3)], "screened_pairs")
check(st.screened_pairs(sur, 3, 5) == [(0.65, 0.7), (0.62, 0.4)] and st.screened_pairs(sur, 7) == [(0.5, 0.3)],
      "screened_pairs in a window of positions")
check(close(st.screened_spearman(sur), st.spearman([0.55, 0.65, 0.62, 0.7, 0.5], [0.6, 0.7, 0.4, 0.8, 0.3])) and
      close(st.screened_spearman(sur), 1 - 6 * 2 / (5 * 24)), f"screened_spearman {st.screened_spearman(sur)}")
check(math.isnan(st.screened_spearman(sur, min_pairs=6)) and math.isnan(st.screened_spearman(sur[:4])),
      "screened_spearman needs min_pairs screened networks with a score")

if failures:
    print("search_stats: FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("search_stats: all checks passed")
