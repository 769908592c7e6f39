#!/usr/bin/env python3
"""Optuna searches for the search-efficiency benchmark (README.md here).

Optuna proposes, evonas trains: each trial's network is asked for
define-by-run over the task's own evonas search space (read from
`bench_search info` as JSON, so both sides search exactly the same space),
written as evonas genome text and sent to a `bench_search serve` process,
which checks it with the same trainer check, trains it with the same
CnnTrainer, fixed epochs and genome-derived seed as the evonas searches, and
answers its validation accuracy and CPU seconds. What differs between the
rows of the page is therefore only the search algorithm.

Encoding: per section, the number of layers (an int in [min, max]), then per
layer slot its type (categorical among the section's types; Optuna draws it
uniformly where evonas draws by the section's weights: the space is the same,
the prior is not) and that type's parameters, named by slot and type so TPE
models a conv's kernel apart from a pool's; a section with a requirement
(require_any: the CNN space's features need a convolution) none of whose
layers meets it gets one position replaced by a required layer, asked as its
position and type, as evonas's random genome does; then the global genes, except
those the trainer ignores ("epochs": the benchmark trains a fixed number).
Real values are kept at 4 significant digits, as evonas keeps them.

A genome the trainer check rejects (it cannot be built for the input, or it
is over the FLOPs limit) is told to Optuna as PRUNED and, as on the evonas
side, does not use the budget. A network that fails to train (NaN loss,
divergence, safety timeout) uses the budget and is told as FAIL.

    /usr/bin/python3 optuna_peer.py --cpp build-bench/benchmarks/bench_search --task sans \\
        --sampler tpe --seeds 1-5 --networks 40 --startup 16 [--cache DIR]
    /usr/bin/python3 optuna_peer.py --cpp ... --task sans --check-parity 500

--check-parity N asks N random trials and has `bench_search parse` read
each genome text back: every one must be in evonas's space and print as the
same canonical text (so Optuna searches exactly evonas's space, with no
value clamped or rounded on the way), and every layer type and global gene
the space has must have been asked.

Prints one JSON line per search on stdout (the format of `bench_search run`),
progress on stderr. Needs optuna (Debian: python3-optuna).
"""
import argparse
import json
import math
import subprocess
import sys
import time

import optuna

IGNORED_GLOBALS = {"epochs"}  # the benchmark's trainer trains fixed epochs


def parse_seeds(text):
    seeds = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        if "-" in item:
            a, b = item.split("-")
            seeds.extend(range(int(a), int(b) + 1))
        else:
            seeds.append(int(item))
    return seeds


def quantize(x):
    return 0.0 if x == 0 else float(f"{x:.4g}")


def format_value(spec, v):
    kind = spec["kind"]
    if kind == "int":
        return str(int(v))
    if kind == "bool":
        return "1" if v else "0"
    if kind == "choice":
        return str(v)
    text = repr(float(v))  # the shortest round trip, as evonas's "{}"; which writes 1.0 as "1"
    return text[:-2] if text.endswith(".0") else text


def suggest(trial, name, spec):
    kind = spec["kind"]
    if kind == "int":
        return trial.suggest_int(name, spec["lo"], spec["hi"], step=spec.get("step", 1))
    if kind == "real":
        return quantize(trial.suggest_float(name, spec["lo"], spec["hi"]))
    if kind == "log_real":
        return quantize(trial.suggest_float(name, spec["lo"], spec["hi"], log=True))
    if kind == "choice":
        return trial.suggest_categorical(name, spec["choices"])
    if kind == "bool":
        return trial.suggest_categorical(name, [False, True])
    raise ValueError(f"unknown parameter kind {kind!r}")


def ask_genome(trial, space):
    """The trial's network as evonas genome text, asked define-by-run."""
    types = {t["name"]: t.get("params", []) for t in space["layer_types"]}
    items = []
    for s, section in enumerate(space["sections"]):
        if s > 0:
            items.append("|")
        name = section["name"]
        allowed = [layer["type"] for layer in section["layers"]]
        n = trial.suggest_int(f"{name}_layers", section["min_layers"], section["max_layers"])

        def layer(i, t):
            params = []
            for p in types[t]:
                value = suggest(trial, f"{name}{i}_{t}_{p['name']}", p)
                params.append(f"{p['name']}={format_value(p, value)}")
            return f"{t}(" + ",".join(params) + ")"

        chosen = [trial.suggest_categorical(f"{name}{i}_type", allowed) for i in range(n)]
        layers = [layer(i, t) for i, t in enumerate(chosen)]
        required = section.get("require_any", [])
        if required and not set(chosen) & set(required):
            # As evonas's random genome: one position (the only layer of an
            # empty section) becomes a layer of a required type.
            at = trial.suggest_float(f"{name}_required_at", 0.0, 1.0)
            i = min(int(at * n), n - 1) if n else 0
            t = trial.suggest_categorical(f"{name}_required_type", [r for r in allowed if r in required])
            if n:
                layers[i] = layer(i, t)
            else:
                layers.append(layer(0, t))
        items += layers
    globals_ = space.get("globals", [])
    if globals_:
        items.append(";")
        # A gene the trainer ignores keeps its default: it is not searched.
        items += [f"{g['name']}={format_value(g, g['default'] if g['name'] in IGNORED_GLOBALS else suggest(trial, g['name'], g))}"
                  for g in globals_]
    return " ".join(items)


class Server:
    """A `bench_search serve` process: one JSON request, one JSON answer."""

    def __init__(self, cpp, task, cache):
        cmd = [cpp, "serve", "--task", task] + (["--cache", cache] if cache else [])
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def evaluate(self, genome):
        self.proc.stdin.write(json.dumps({"genome": genome}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"bench_search serve ended (exit status {self.proc.wait()})")
        answer = json.loads(line)
        if answer.get("status") == "error":
            raise RuntimeError(f"bench_search rejected the genome text {genome!r}: {answer.get('reason')}")
        return answer

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def run_search(server, space, task, sampler_name, seed, networks, startup):
    if sampler_name == "tpe":
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup)
        method = "optuna_tpe"
    else:
        sampler = optuna.samplers.RandomSampler(seed=seed)
        method = "optuna_random"
    study = optuna.create_study(direction="maximize", sampler=sampler)
    records, rejected, best, best_genome = [], 0, -math.inf, None
    started = time.monotonic()
    rejected_in_a_row = 0
    while len(records) < networks:
        trial = study.ask()
        genome = ask_genome(trial, space)
        answer = server.evaluate(genome)
        if answer["status"] == "invalid":
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            rejected += 1
            rejected_in_a_row += 1
            if rejected_in_a_row >= 10000:
                raise RuntimeError("10000 genomes in a row were rejected by the trainer check")
            continue
        rejected_in_a_row = 0
        record = {"status": answer["status"], "val": answer.get("val"), "cpu": answer["cpu"], "op": "optuna",
                  "hash": answer["hash"]}
        records.append(record)
        if answer["status"] == "ok":
            study.tell(trial, answer["val"])
            if answer["val"] > best:
                best, best_genome = answer["val"], answer["genome"]
        else:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
    out = {"task": task, "method": method, "seed": seed, "networks": records,
           "rejected_before_training": rejected, "population": startup,
           "wall_seconds": time.monotonic() - started, "stop_reason": "max_evaluations"}
    if best_genome is not None:
        out["best_genome"], out["best_val"] = best_genome, best
    return out


def check_parity(cpp, task, space, count):
    """Random trials -> genome text -> evonas's parser: the same text back."""
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    texts = []
    for _ in range(count):
        trial = study.ask()
        texts.append(ask_genome(trial, space))
        study.tell(trial, 0.0)
    out = subprocess.run([cpp, "parse", "--task", task], input="".join(json.dumps({"genome": t}) + "\n" for t in texts),
                         capture_output=True, text=True, check=True).stdout.splitlines()
    problems = []
    if len(out) != len(texts):
        problems.append(f"{len(out)} answers for {len(texts)} genomes")
    verdicts = {}
    for text, line in zip(texts, out):
        a = json.loads(line)
        if a.get("status") != "ok":
            problems.append(f"evonas rejected {text!r}: {a.get('reason')}")
        elif a["canonical"] != text:
            problems.append(f"evonas reads {text!r} as {a['canonical']!r}")
        else:
            verdicts[a["check"]] = verdicts.get(a["check"], 0) + 1
    seen_types = {item.split("(")[0] for t in texts for item in t.split() if "(" in item}
    all_types = {layer["type"] for s in space["sections"] for layer in s["layers"]}
    if seen_types != all_types:
        problems.append(f"layer types never asked: {sorted(all_types - seen_types)}")
    asked_globals = {name for t in study.trials for name in t.params if "_" not in name}  # section params have "_"
    wanted_globals = {g["name"] for g in space.get("globals", [])} - IGNORED_GLOBALS
    if not wanted_globals <= asked_globals or asked_globals & IGNORED_GLOBALS:
        problems.append(f"global genes asked {sorted(asked_globals)}, expected {sorted(wanted_globals)}")
    return problems, verdicts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpp", required=True, help="the bench_search program")
    ap.add_argument("--task", required=True)
    ap.add_argument("--sampler", choices=["tpe", "random"], default="tpe")
    ap.add_argument("--seeds", default="1", help="1,2,5 or 1-20")
    ap.add_argument("--networks", type=int, default=40)
    ap.add_argument("--startup", type=int, default=16,
                    help="TPE's random start-up trials (the benchmark passes the evonas population)")
    ap.add_argument("--cache", default="", help="the evaluation cache directory shared with the evonas searches")
    ap.add_argument("--check-parity", type=int, default=0, metavar="N",
                    help="check N random trials against evonas's parser and exit (status 1 on a mismatch)")
    args = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    info = json.loads(subprocess.run([args.cpp, "info", "--task", args.task], check=True, capture_output=True,
                                     text=True).stdout)
    if args.check_parity:
        problems, verdicts = check_parity(args.cpp, args.task, info["space"], args.check_parity)
        for p in problems[:20]:
            print(f"parity: {p}", file=sys.stderr)
        print(json.dumps({"task": args.task, "genomes": args.check_parity, "problems": len(problems),
                          "trainer_check": verdicts}))
        sys.exit(1 if problems else 0)
    server = Server(args.cpp, args.task, args.cache)
    try:
        for seed in parse_seeds(args.seeds):
            out = run_search(server, info["space"], args.task, args.sampler, seed, args.networks, args.startup)
            cpu = sum(r["cpu"] for r in out["networks"])
            print(f"[{args.task} {out['method']} seed {seed}] {len(out['networks'])} networks, best val "
                  f"{out.get('best_val', 0.0):.4f}, {cpu:.0f} CPU-s charged, {out['wall_seconds']:.1f} s wall",
                  file=sys.stderr, flush=True)
            print(json.dumps(out), flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
