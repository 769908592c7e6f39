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

if failures:
    print("search_stats: FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("search_stats: all checks passed")
