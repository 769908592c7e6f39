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
    /usr/bin/python3 optuna_peer.py --cpp ... --task sans --sampler tpe --pruner hyperband --epochs 9 \\
        --seeds 1-10 --networks 40 --startup 10
    /usr/bin/python3 optuna_peer.py --cpp ... --task sans --sampler nsga2 --objectives accuracy,params \\
        --epochs 9 --seeds 1-10 --networks 40 --population 10
    /usr/bin/python3 optuna_peer.py --cpp ... --task sans --check-parity 500

--epochs E (the early-stopping study, README.md) trains every network E
epochs instead of the task's own, in `bench_search serve --epochs E`. With
--pruner hyperband, Optuna's HyperbandPruner (min resource 1, reduction
factor 3, max resource E: the rungs of evonas's ASHA stopper) decides at each
rung: the trial's network is trained in stages ({"genome", "until": rung}),
its validation accuracy at each report epoch below E is reported, and a
pruned trial is charged the CPU seconds up to that rung. The budget is then
N*E epochs of training (pruned networks count the epochs they trained), as
evonas's ASHA searches get; each record carries its epochs.

--sampler nsga2 (the multi-objective study, README.md) is Optuna's
NSGAIISampler, seeded with the run seed, with --population P (default 10:
evonas's population for a 40-network budget, so 4 generations; Optuna's
default of 50 would leave a 40-network search in its random first
generation) and Optuna's other defaults, in a study of two objectives
(--objectives accuracy,params, which it needs): validation accuracy
(maximize) and the network's parameter count (minimize), told to Optuna as
log10(params) (--params-scale log10, as evonas's evolution_mo takes it and
as the study's hypervolume measures it; NSGA-II's ranks do not depend on the
scale, its crowding distance does). Rejected genomes are PRUNED and do not
use the budget, failed trainings use it and are FAIL, as above; neither
joins an NSGA-II generation (Optuna fills a generation with COMPLETE trials
only). Optuna's NSGA-II crosses over and mutates only the parameters that
every completed trial has (its intersection search space: the layer counts,
the types of layer slots every network has, the global genes); it draws the
others, which exist only for some layer counts and types, at random: that is
Optuna's own handling of a define-by-run space, left as it is. Each search's
line then also has "objectives" and "front", the non-dominated (accuracy,
params) points of its networks trained to the end.

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
OBJECTIVES = {"accuracy": "maximize", "params": "minimize"}  # what --objectives may name


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

    def __init__(self, cpp, task, cache, epochs=0):
        cmd = [cpp, "serve", "--task", task] + (["--cache", cache] if cache else []) + epochs_args(epochs)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def evaluate(self, genome, until=None):
        """Full training, or with `until` staged training up to that report epoch."""
        request = {"genome": genome} if until is None else {"genome": genome, "until": until}
        self.proc.stdin.write(json.dumps(request) + "\n")
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


def epochs_args(epochs):
    return ["--epochs", str(epochs)] if epochs else []


def rungs_of(min_resource, reduction_factor, epochs):
    """The report epochs below `epochs`: min_resource * reduction_factor^k."""
    out, r = [], min_resource
    while r < epochs:
        out.append(r)
        r *= reduction_factor
    return out


def next_rung(reached, min_resource, reduction_factor, epochs):
    """The first rung above `reached` epochs, capped to the full training."""
    r = min_resource
    while r <= reached:
        r *= reduction_factor
    return min(r, epochs)


def train_pruned(server, trial, genome, prune):
    """Trains the trial's network rung by rung, reporting each validation
    below the full training to Optuna; returns (answer, record or None).
    A pruned trial's record is charged the CPU seconds of its last curve
    point, which are those of one training from scratch to that epoch."""
    epochs, reported = prune["epochs"], 0
    until = prune["min_resource"]
    while True:
        answer = server.evaluate(genome, until)
        if answer["status"] == "invalid":
            return answer, None
        for point in answer.get("curve", []):
            epoch, val, cpu = int(point[0]), point[1], point[2]
            if epoch <= reported or epoch >= epochs:
                continue
            reported = epoch
            trial.report(val, epoch)
            if trial.should_prune():
                return answer, {"status": "stopped", "val": None, "val_at_stop": val, "epochs": epoch, "cpu": cpu,
                                "params": answer.get("params"), "op": "optuna", "hash": answer["hash"]}
        if answer["status"] != "stopped":
            break  # trained to the end, or failed
        reached = int(answer.get("epochs", reported))
        if reached >= epochs:
            raise RuntimeError(f"bench_search serve answered 'stopped' at epoch {reached} of {epochs}")
        until = next_rung(reached, prune["min_resource"], prune["reduction_factor"], epochs)
    record = {"status": answer["status"], "val": answer.get("val"), "epochs": answer.get("epochs", epochs),
              "cpu": answer["cpu"], "params": answer.get("params"), "op": "optuna", "hash": answer["hash"]}
    return answer, record


def objective_values(answer, objectives, params_scale):
    """What Optuna is told for a network trained to the end: its validation
    accuracy, and with the params objective its parameter count (log10 by
    default, as evonas's evolution_mo and the study's hypervolume take it)."""
    values = []
    for name in objectives:
        if name == "accuracy":
            values.append(answer["val"])
        else:
            params = answer.get("params")
            if params is None:
                raise RuntimeError("bench_search serve answered no 'params': is it built with the parameter count?")
            values.append(math.log10(max(float(params), 1.0)) if params_scale == "log10" else float(params))
    return values if len(values) > 1 else values[0]


def front_of(records):
    """The non-dominated (accuracy max, params min) networks trained to the
    end, by params ascending (the format of evonas's "front")."""
    points = [r for r in records if r["status"] == "ok" and r.get("val") is not None and r.get("params") is not None]
    front = []
    for r in sorted(points, key=lambda r: (r["params"], -r["val"])):
        if not front or r["val"] > front[-1]["val"]:
            front.append({"val": r["val"], "params": r["params"], "hash": r["hash"]})
    return front


def run_search(server, space, task, sampler_name, seed, networks, startup, prune=None, epochs=0,
               objectives=("accuracy",), population=10, params_scale="log10"):
    """One search: `networks` networks of full training, or with `prune`
    (HyperbandPruner settings) until networks * epochs epochs are trained.
    With two `objectives` a multi-objective study (accuracy max, params min)."""
    multi = len(objectives) > 1
    if sampler_name == "tpe":
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup)
        method = "optuna_tpe"
    elif sampler_name == "nsga2":
        sampler = optuna.samplers.NSGAIISampler(population_size=population, seed=seed)
        method = "optuna_nsga2"
    else:
        sampler = optuna.samplers.RandomSampler(seed=seed)
        method = "optuna_random"
    if prune:
        method += "_hyperband"
        pruner = optuna.pruners.HyperbandPruner(min_resource=prune["min_resource"], max_resource=prune["epochs"],
                                                reduction_factor=prune["reduction_factor"])
        # A fixed study name: HyperbandPruner assigns brackets by a hash of
        # it, and the default name is random: runs would not repeat.
        study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner,
                                    study_name=f"{method}-{task}-seed{seed}")
    elif multi:
        study = optuna.create_study(directions=[OBJECTIVES[o] for o in objectives], sampler=sampler)
    else:
        study = optuna.create_study(direction="maximize", sampler=sampler)
    max_epochs = networks * prune["epochs"] if prune else 0
    records, rejected, best, best_genome = [], 0, -math.inf, None
    started = time.monotonic()
    rejected_in_a_row = 0
    while (sum(r["epochs"] for r in records) < max_epochs) if prune else (len(records) < networks):
        trial = study.ask()
        genome = ask_genome(trial, space)
        if prune:
            answer, record = train_pruned(server, trial, genome, prune)
        else:
            answer = server.evaluate(genome)
            record = None if answer["status"] == "invalid" else \
                {"status": answer["status"], "val": answer.get("val"), "cpu": answer["cpu"],
                 "params": answer.get("params"), "op": "optuna", "hash": answer["hash"]}
            if record and epochs:
                record["epochs"] = answer.get("epochs", epochs)
        if answer["status"] == "invalid":
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            rejected += 1
            rejected_in_a_row += 1
            if rejected_in_a_row >= 10000:
                raise RuntimeError("10000 genomes in a row were rejected by the trainer check")
            continue
        rejected_in_a_row = 0
        records.append(record)
        if record["status"] == "stopped":
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        elif record["status"] == "ok":
            study.tell(trial, objective_values(answer, objectives, params_scale))
            if answer["val"] > best:
                best, best_genome = answer["val"], answer["genome"]
        else:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
    out = {"task": task, "method": method, "seed": seed, "networks": records,
           "rejected_before_training": rejected, "population": population if sampler_name == "nsga2" else startup,
           "wall_seconds": time.monotonic() - started,
           "stop_reason": "max_resource" if prune else "max_evaluations"}  # as evonas names them
    if prune:
        out["max_epochs_total"] = max_epochs
    if epochs:
        out["epochs"] = epochs
    if multi:
        out["objectives"] = list(objectives)
        out["params_scale"] = params_scale
        out["front"] = front_of(records)
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
    ap.add_argument("--sampler", choices=["tpe", "random", "nsga2"], default="tpe",
                    help="nsga2: Optuna's NSGAIISampler for the multi-objective study (--objectives accuracy,params)")
    ap.add_argument("--objectives", default="",
                    help="accuracy (a single-objective study; the default of tpe and random) or accuracy,params "
                         "(accuracy max, parameter count min; the default of nsga2, and only with it)")
    ap.add_argument("--population", type=int, default=10,
                    help="NSGA-II's population size (the benchmark passes evonas's population: 10 at 40 networks)")
    ap.add_argument("--params-scale", choices=["log10", "linear"], default="log10",
                    help="how the params objective is told to Optuna (log10: as evonas's evolution_mo)")
    ap.add_argument("--seeds", default="1", help="1,2,5 or 1-20")
    ap.add_argument("--networks", type=int, default=40,
                    help="N: networks per search; with --pruner, a budget of N*E epochs of training")
    ap.add_argument("--epochs", type=int, default=0,
                    help="E: epochs per network (0: the task's own); passed to bench_search info and serve")
    ap.add_argument("--pruner", choices=["none", "hyperband"], default="none",
                    help="hyperband: Optuna's HyperbandPruner at the rungs of evonas's ASHA stopper (needs --epochs)")
    ap.add_argument("--min-resource", type=int, default=1, help="the pruner's first rung, in epochs")
    ap.add_argument("--reduction-factor", type=int, default=3, help="the pruner's eta")
    ap.add_argument("--startup", type=int, default=16,
                    help="TPE's random start-up trials (the benchmark passes the evonas population)")
    ap.add_argument("--cache", default="", help="the evaluation cache directory shared with the evonas searches")
    ap.add_argument("--check-parity", type=int, default=0, metavar="N",
                    help="check N random trials against evonas's parser and exit (status 1 on a mismatch)")
    args = ap.parse_args()
    if args.epochs < 0:
        ap.error("--epochs must be 0 (the task's own) or positive")
    if args.pruner != "none" and (args.min_resource < 1 or args.reduction_factor < 2):
        ap.error("--min-resource must be >= 1 and --reduction-factor >= 2")
    if args.pruner != "none" and not args.epochs:
        ap.error("--pruner hyperband needs --epochs E (the early-stopping study's epochs per network)")
    objectives = tuple(o.strip() for o in (args.objectives or
                                           ("accuracy,params" if args.sampler == "nsga2" else "accuracy")).split(","))
    if objectives not in (("accuracy",), ("accuracy", "params")):
        ap.error(f"--objectives must be accuracy or accuracy,params, got {args.objectives!r}")
    if (args.sampler == "nsga2") != (len(objectives) > 1):
        ap.error("--sampler nsga2 goes with --objectives accuracy,params, and only it (the multi-objective study)")
    if len(objectives) > 1 and args.pruner != "none":
        ap.error("--pruner belongs to single-objective studies (Optuna does not prune multi-objective ones)")
    if args.population < 2:
        ap.error("--population must be at least 2")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    info = json.loads(subprocess.run([args.cpp, "info", "--task", args.task] + epochs_args(args.epochs), check=True,
                                     capture_output=True, text=True).stdout)
    prune = None
    if args.pruner == "hyperband":
        settings = info.get("settings", {})
        if settings.get("epochs") != args.epochs:
            sys.exit(f"optuna_peer: bench_search info --epochs {args.epochs} reports epochs {settings.get('epochs')}")
        rungs = rungs_of(args.min_resource, args.reduction_factor, args.epochs)
        # The server validates only at its report epochs: the pruner's rungs must be among them.
        reports = settings.get("report_epochs")
        if reports is None or not set(rungs) <= set(reports):
            sys.exit(f"optuna_peer: the pruner's rungs {rungs} are not among bench_search's report epochs {reports}")
        prune = {"epochs": args.epochs, "min_resource": args.min_resource, "reduction_factor": args.reduction_factor}
    if args.check_parity:
        problems, verdicts = check_parity(args.cpp, args.task, info["space"], args.check_parity)
        for p in problems[:20]:
            print(f"parity: {p}", file=sys.stderr)
        print(json.dumps({"task": args.task, "genomes": args.check_parity, "problems": len(problems),
                          "trainer_check": verdicts}))
        sys.exit(1 if problems else 0)
    server = Server(args.cpp, args.task, args.cache, args.epochs)
    try:
        for seed in parse_seeds(args.seeds):
            out = run_search(server, info["space"], args.task, args.sampler, seed, args.networks, args.startup,
                             prune, args.epochs, objectives, args.population, args.params_scale)
            cpu = sum(r["cpu"] for r in out["networks"])
            stopped = sum(1 for r in out["networks"] if r["status"] == "stopped")
            front = f", front of {len(out['front'])}" if "front" in out else ""
            print(f"[{args.task} {out['method']} seed {seed}] {len(out['networks'])} networks"
                  f"{f' ({stopped} stopped early)' if prune else ''}{front}, best val "
                  f"{out.get('best_val', 0.0):.4f}, {cpu:.0f} CPU-s charged, {out['wall_seconds']:.1f} s wall",
                  file=sys.stderr, flush=True)
            print(json.dumps(out), flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
