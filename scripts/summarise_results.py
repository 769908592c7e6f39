#!/usr/bin/env python3
"""Summarises the example runs of scripts/results.sh as Markdown tables.

    summarise_results.py RESULTS_DIR

Reads RESULTS_DIR/EXAMPLE-seedN.txt (the programs' final tables, as
scripts/results.sh saved them) and prints, per example, one row per run
seed (seed network's and evolved network's test accuracy, error reduction,
Dice for EM, wall time) and the mean and range over the seeds. Only the
standard library is needed.
"""
import pathlib
import re
import statistics
import sys

ROW = re.compile(r"^(seed|evolved)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s")
DICE = re.compile(r"^(seed|evolved)\s+segmentation.*Dice ([0-9.]+)\s+IoU ([0-9.]+)")
FILE = re.compile(r"^(\w+)-seed(\d+)\.txt$")


def parse(path):
    run = {}
    for line in path.read_text(errors="replace").splitlines():
        if m := ROW.match(line):
            run[m[1]] = {"test_acc": float(m[2]), "bal_acc": float(m[3]), "val": float(m[4])}
        elif m := DICE.match(line):
            run[m[1] + "_dice"] = float(m[2])
            run[m[1] + "_iou"] = float(m[3])
        elif line.startswith("wall seconds"):
            run["wall"] = int(line.split()[-1])
        elif line.startswith("command:"):
            run["command"] = re.sub(r" --seed \d+", "", line.split(":", 1)[1].strip())
    if "seed" not in run or "evolved" not in run:
        return None
    se, ee = 1 - run["seed"]["test_acc"], 1 - run["evolved"]["test_acc"]
    run["reduction"] = (se - ee) / se if se > 0 else 0.0
    return run


def spread(values, fmt):
    if not values:
        return "-"
    return f"{fmt(statistics.mean(values))} ({fmt(min(values))} .. {fmt(max(values))})"


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = pathlib.Path(sys.argv[1])
    runs = {}
    for path in sorted(root.glob("*-seed*.txt")):
        m = FILE.match(path.name)
        if not m:
            continue
        run = parse(path)
        if run is None:
            print(f"summarise_results: no seed/evolved table in {path} (run failed or unfinished)", file=sys.stderr)
            continue
        runs.setdefault(m[1], []).append((int(m[2]), run))
    if not runs:
        print(f"summarise_results: no finished runs in {root}", file=sys.stderr)
        return 1
    pct = lambda v: f"{100 * v:.0f}%"
    acc = lambda v: f"{v:.4f}"
    for example, items in runs.items():
        items.sort()
        em = any("seed_dice" in r for _, r in items)
        print(f"### {example}\n")
        print(f"Command: `{items[0][1].get('command', '?')}` with `--seed` 1, 2, 3.\n")
        head = "| run seed | seed net test acc | evolved test acc | test error reduction |"
        rule = "|---|---|---|---|"
        if em:
            head += " seed net Dice | evolved Dice |"
            rule += "---|---|"
        print(head + " wall s |")
        print(rule + "---|")
        for seed, r in items:
            row = f"| {seed} | {acc(r['seed']['test_acc'])} | {acc(r['evolved']['test_acc'])} | {pct(r['reduction'])} |"
            if em:
                row += f" {acc(r.get('seed_dice', float('nan')))} | {acc(r.get('evolved_dice', float('nan')))} |"
            print(row + f" {r.get('wall', '-')} |")
        col = lambda f: [f(r) for _, r in items]
        row = (f"| mean (range) | {spread(col(lambda r: r['seed']['test_acc']), acc)} | "
               f"{spread(col(lambda r: r['evolved']['test_acc']), acc)} | {spread(col(lambda r: r['reduction']), pct)} |")
        if em:
            row += (f" {spread([r['seed_dice'] for _, r in items if 'seed_dice' in r], acc)} |"
                    f" {spread([r['evolved_dice'] for _, r in items if 'evolved_dice' in r], acc)} |")
        walls = [r["wall"] for _, r in items if "wall" in r]
        print(row + f" {spread(walls, lambda v: f'{v:.0f}')} |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
