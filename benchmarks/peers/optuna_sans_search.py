#!/usr/bin/env python3
"""Optuna TPE over evonas's cnn_space(1) on the SANS example, beside
benchmarks/bench_sans_search.cpp (evonas evolution and random search).

The same search space, reimplemented define-by-run: the number of feature
layers (1..10) and classifier layers (0..3), each layer's type and the type's
parameters with the ranges, steps and choices of include/evonas/space/
cnn_space.hpp (parameter names carry the layer index and type, so TPE models
a conv's kernel apart from a pool's), and the global genes lr, mom, wd, bs and
opt ("epochs" is not asked for: both sides train a fixed number of epochs).
Real values are kept at 4 significant digits as evonas keeps them. Optuna's
categorical draws are uniform where evonas draws layer types by weight (conv
4, pool 2, ...): the space is the same, the prior is not.

The network is built in PyTorch as evonas's builder (include/evonas/libtorch/
builder.hpp) builds it: 'same' padding of ceil(n / s) outputs with the odd
element after (a separate zero pad when uneven), convolution bias only without
batch norm, conv -> batch norm -> activation, sepconv = depthwise (no bias) +
pointwise, pooling without padding, LRN with alpha 1e-4, beta 0.75, k 1, a
flatten between the sections (and after a features-only genome), a dense
output layer, PyTorch's default initialisation (what evonas draws from its own
generator). A genome that does not fit the 256-point input is repaired by
evonas's rules (genome/cnn_shape.hpp); one that cannot be repaired or needs
more than --max-mflops forward MFLOPs per sample is pruned before training
(TPE ranks pruned trials worst) and, as on the evonas side, not counted.

Training is CnnTrainer's loop: the example's preprocessing (log10 clamped to
the curve's smallest positive value, then per-curve standardisation), SGD with
momentum or Adam with weight decay, batches from a fresh permutation each
epoch (a last batch of one sample dropped), --epochs epochs, stopped at the
time limit and scored as is, a NaN or 1000x divergent loss fails the network
(Optuna state FAIL, counted as trained, no score), validation accuracy in
evaluation mode. Each new best-so-far network is also scored on the test split.

    /usr/bin/python3 benchmarks/peers/optuna_sans_search.py --data-dir DIR \
        [--seeds 1,2,3] [--networks 24] [--epochs 2] [--time-per-network 6] \
        [--threads 1] [--startup-trials 6] [--max-mflops 20] [--parallel 1]
    /usr/bin/python3 benchmarks/peers/optuna_sans_search.py --check-parity FILE

DIR holds x_{train,val,test}.npy (raw float32 I(q), [N, 256]) and y_*.npy
(int64), as `bench_sans_search --data-dir DIR --write-data-only` writes them.
--check-parity reads the output of `bench_sans_search --parity-genomes N` and
checks this file's repair, parameter and FLOP counts and builder against
evonas's. Prints one JSON object on stdout, progress on stderr. Needs
/usr/bin/python3 with torch, numpy and optuna (Debian: python3-torch,
python3-optuna). Nothing here asserts a time or a score.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

# ---------------------------------------------------------------- the space
# cnn_space(1) of include/evonas/space/cnn_space.hpp. A parameter is
# (name, kind, lo, hi, step, choices); kinds as evonas's ParamKind.
ACT = ("act", "choice", None, None, None, ["relu", "leaky_relu", "elu", "tanh", "sigmoid", "none"])
FILTERS = ("f", "int", 8, 256, 8, None)
PAD = ("pad", "choice", None, None, None, ["same", "valid"])
BN = ("bn", "bool", None, None, None, None)
TYPES = {
    "conv": [("k", "int", 1, 7, 1, None), ("s", "int", 1, 3, 1, None), FILTERS, PAD, ACT, BN],
    "dilconv": [("k", "int", 2, 5, 1, None), ("d", "int", 1, 4, 1, None), FILTERS, PAD, ACT, BN],
    "sepconv": [("k", "int", 1, 7, 1, None), ("s", "int", 1, 3, 1, None), FILTERS, ACT, BN],
    "pool": [("type", "choice", None, None, None, ["max", "avg"]), ("k", "int", 2, 4, 1, None),
             ("s", "int", 1, 4, 1, None)],
    "lrn": [("size", "int", 3, 9, 2, None)],
    "dropout": [("p", "real", 0.0, 0.7, None, None)],
    "dense": [("u", "int", 16, 1024, 16, None), ACT],
}
SECTIONS = [("features", ["conv", "dilconv", "sepconv", "pool", "lrn", "dropout"], 1, 10),
            ("classifier", ["dense", "dropout"], 0, 3)]
GLOBALS = [("lr", "log_real", 1e-4, 0.3, None, None), ("mom", "real", 0.0, 0.99, None, None),
           ("wd", "log_real", 1e-6, 1e-2, None, None), ("bs", "int", 16, 256, 16, None),
           ("opt", "choice", None, None, None, ["sgd", "adam"]), ("epochs", "int", 1, 50, 1, None)]
GLOBAL_DEFAULTS = {"lr": 0.01, "mom": 0.9, "wd": 1e-4, "bs": 64, "opt": "sgd", "epochs": 5}
SPEC = {t: {p[0]: p for p in params} for t, params in TYPES.items()}
POINTS, CLASSES = 256, 4


def quantize(x):
    """evonas keeps real genes at 4 significant digits."""
    return 0.0 if x == 0 else float(f"{x:.4g}")


def fmt_value(spec, v):
    kind = spec[1]
    if kind == "int":
        return str(int(v))
    if kind == "bool":
        return "1" if v else "0"
    if kind == "choice":
        return str(v)
    text = repr(float(v))  # shortest round trip, as fmt's "{}"; fmt writes 1.0 as "1"
    return text[:-2] if text.endswith(".0") else text


def to_text(genome):
    """evonas's canonical genome text (genome/text.hpp)."""
    items = []
    for s, section in enumerate(genome["sections"]):
        if s > 0:
            items.append("|")
        for t, p in section:
            items.append(f"{t}(" + ",".join(f"{spec[0]}={fmt_value(spec, p[spec[0]])}" for spec in TYPES[t]) + ")")
    items.append(";")
    g = dict(GLOBAL_DEFAULTS, **genome["globals"])
    items += [f"{spec[0]}={fmt_value(spec, g[spec[0]])}" for spec in GLOBALS]
    return " ".join(items)


def parse_text(text):
    """A genome from evonas's canonical text (every parameter present)."""
    body, _, glob = text.partition(";")
    sections = [[]]
    for item in body.split():
        if item == "|":
            sections.append([])
            continue
        t, _, rest = item.partition("(")
        params = {}
        for kv in rest.rstrip(")").split(","):
            if not kv:
                continue
            k, _, v = kv.partition("=")
            params[k] = parse_value(SPEC[t][k], v)
        sections[-1].append((t, params))
    while len(sections) < 2:
        sections.append([])
    g = {}
    for item in glob.split():
        k, _, v = item.partition("=")
        g[k] = parse_value(next(s for s in GLOBALS if s[0] == k), v)
    return {"sections": sections, "globals": g}


def parse_value(spec, v):
    kind = spec[1]
    if kind in ("int", "bool"):
        return int(v)
    if kind == "choice":
        return v
    return float(v)


# ---------------------------------------------------------------- shapes
# The walk of genome/cnn_shape.hpp (cnn_walk) for one spatial axis.

class Misfit(Exception):
    def __init__(self, section, index, extent, repairable, why):
        super().__init__(why)
        self.section, self.index, self.extent, self.repairable = section, index, extent, repairable


def decode(t, p):
    """CnnLayer fields: kernel, stride, dilation, filters, same, bn, act..."""
    layer = dict(kind=t, k=1, s=1, d=1, f=0, u=0, size=0, same=True, bn=False, max_pool=True, act="none", p=0.0)
    if t in ("conv", "dilconv", "sepconv"):
        layer.update(k=p["k"], s=1 if t == "dilconv" else p["s"], d=p["d"] if t == "dilconv" else 1, f=p["f"],
                     same=True if t == "sepconv" else p["pad"] == "same", act=p["act"], bn=bool(p["bn"]))
    elif t == "pool":
        layer.update(max_pool=p["type"] == "max", k=p["k"], s=p["s"])
    elif t == "lrn":
        layer.update(size=p["size"])
    elif t == "dropout":
        layer.update(p=p["p"])
    elif t == "dense":
        layer.update(u=p["u"], act=p["act"])
    return layer


def walk(genome, points=POINTS, classes=CLASSES):
    """Per layer (decoded layer, input, output, padding); params; flops. Raises Misfit."""
    current = [1, points]
    layers, params, flops = [], 0, 0.0

    def act_flops(layer, n):
        return 0.0 if layer["act"] == "none" else float(n)

    for s, section in enumerate(genome["sections"]):
        if s == 1:
            out = [math.prod(current)]
            layers.append((dict(kind="flatten"), current, out, None))
            current = out
        for i, (t, p) in enumerate(section):
            layer = decode(t, p)
            spatial = len(current) == 2
            smallest = current[1] if spatial else sys.maxsize
            cin = current[0]
            pad = None
            if t in ("conv", "dilconv", "sepconv"):
                if not spatial:
                    raise Misfit(s, i, 0, False, f"section {s} layer {i}: a convolution cannot follow the flatten")
                ke = layer["d"] * (layer["k"] - 1) + 1
                if not layer["same"] and ke > smallest:
                    raise Misfit(s, i, smallest, True, f"section {s} layer {i}: kernel {ke} > extent {smallest}")
                n, st = current[1], layer["s"]
                if layer["same"]:
                    o = (n + st - 1) // st
                    total = max((o - 1) * st + ke - n, 0)
                    pad = (total // 2, total - total // 2)
                else:
                    o = (n - ke) // st + 1
                    pad = (0, 0)
                out = [layer["f"], o]
                taps = layer["k"]
                out_elements = layer["f"] * o
                if t == "sepconv":
                    lp = cin * taps + cin * layer["f"]
                    lf = 2.0 * (cin * taps * o) + 2.0 * (cin * out_elements)
                else:
                    lp = cin * layer["f"] * taps
                    lf = 2.0 * (cin * taps) * out_elements
                if layer["bn"]:
                    lp += 2 * layer["f"]
                    lf += 2.0 * out_elements
                else:
                    lp += layer["f"]
                    lf += float(out_elements)
                lf += act_flops(layer, out_elements)
            elif t == "pool":
                if not spatial:
                    raise Misfit(s, i, 0, False, f"section {s} layer {i}: pooling cannot follow the flatten")
                if layer["k"] > smallest:
                    raise Misfit(s, i, smallest, True, f"section {s} layer {i}: window {layer['k']} > {smallest}")
                out = [cin, (current[1] - layer["k"]) // layer["s"] + 1]
                lp, lf = 0, float(layer["k"]) * math.prod(out)
            elif t == "lrn":
                if not spatial:
                    raise Misfit(s, i, 0, False, f"section {s} layer {i}: lrn cannot follow the flatten")
                out = list(current)
                lp, lf = 0, float((layer["size"] + 3) * math.prod(current))
            elif t == "dropout":
                out, lp, lf = list(current), 0, 0.0
            else:  # dense
                if spatial:
                    raise Misfit(s, i, 0, False, f"section {s} layer {i}: dense belongs to the classifier")
                out = [layer["u"]]
                lp = cin * layer["u"] + layer["u"]
                lf = 2.0 * (cin * layer["u"]) + float(layer["u"]) + act_flops(layer, layer["u"])
            layers.append((layer, current, out, pad))
            params += lp
            flops += lf
            current = out
    if len(current) != 1:
        out = [math.prod(current)]
        layers.append((dict(kind="flatten"), current, out, None))
        current = out
    layers.append((dict(kind="output", u=classes), current, [classes], None))
    params += current[0] * classes + classes
    flops += 2.0 * (current[0] * classes) + float(classes)
    return layers, params, flops


def largest_allowed(lo, hi, step, limit):
    if limit < lo:
        return None
    top = min(limit, hi)
    return lo + (top - lo) // step * step


def repair(genome, max_flops=0.0):
    """evonas's repair_cnn_genome, in place. Returns (layers, params, flops) or raises ValueError(why)."""
    for _ in range(1000):
        try:
            layers, params, flops = walk(genome)
            break
        except Misfit as m:
            if not m.repairable:
                raise ValueError(str(m))
            section = genome["sections"][m.section]
            t, p = section[m.index]

            def remove():
                if len(section) <= SECTIONS[m.section][2]:
                    raise ValueError(f"{m}: cannot remove, section needs {SECTIONS[m.section][2]} layers")
                del section[m.index]

            _, _, klo, khi, kstep, _ = SPEC[t]["k"]
            if t == "conv":
                k = largest_allowed(klo, khi, kstep, m.extent)
                if k is None:
                    remove()
                else:
                    p["k"] = k
            elif t == "dilconv":
                d = largest_allowed(1, 4, 1, (m.extent - 1) // (p["k"] - 1)) if p["k"] > 1 else None
                if d is not None:
                    p["d"] = d
                else:
                    k = largest_allowed(klo, khi, kstep, m.extent)
                    if k is not None:  # the smallest dilation is 1
                        p["d"], p["k"] = 1, k
                    else:
                        remove()
            elif t == "pool":
                k = largest_allowed(klo, khi, kstep, m.extent)
                if k is None:
                    remove()
                else:
                    p["k"] = k
            else:
                raise ValueError(str(m))
    else:
        raise ValueError("repair did not converge")
    if max_flops > 0 and flops > max_flops:
        raise ValueError(f"the network needs {flops:.4g} FLOPs per sample, more than the limit of {max_flops:.4g}")
    return layers, params, flops


# ---------------------------------------------------------------- PyTorch

def build(torch, layers):
    """An nn.Sequential as evonas's build_cnn builds it from walk()'s layers."""
    nn = torch.nn
    mods = []

    def activation(name):
        return {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.01), "elu": lambda: nn.ELU(1.0),
                "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}.get(name)

    for layer, inp, out, pad in layers:
        kind = layer["kind"]
        if kind in ("conv", "dilconv", "sepconv"):
            cin = inp[0]
            conv_pad = 0
            if pad[0] == pad[1]:
                conv_pad = pad[0]
            else:
                mods.append(nn.ConstantPad1d(pad, 0.0))
            if kind == "sepconv":
                mods.append(nn.Conv1d(cin, cin, layer["k"], stride=layer["s"], padding=conv_pad, groups=cin,
                                      bias=False))
                mods.append(nn.Conv1d(cin, layer["f"], 1, bias=not layer["bn"]))
            else:
                mods.append(nn.Conv1d(cin, layer["f"], layer["k"], stride=layer["s"], dilation=layer["d"],
                                      padding=conv_pad, bias=not layer["bn"]))
            if layer["bn"]:
                mods.append(nn.BatchNorm1d(layer["f"]))
            a = activation(layer["act"])
            if a:
                mods.append(a())
        elif kind == "pool":
            mods.append((nn.MaxPool1d if layer["max_pool"] else nn.AvgPool1d)(layer["k"], layer["s"]))
        elif kind == "lrn":
            mods.append(nn.LocalResponseNorm(layer["size"], alpha=1e-4, beta=0.75, k=1.0))
        elif kind == "dropout":
            if layer["p"] > 0:
                mods.append(nn.Dropout(layer["p"]))
        elif kind == "flatten":
            mods.append(nn.Flatten())
        elif kind == "dense":
            mods.append(nn.Linear(inp[0], layer["u"]))
            a = activation(layer["act"])
            if a:
                mods.append(a())
        else:  # output
            mods.append(nn.Linear(inp[0], layer["u"]))
    return nn.Sequential(*mods)


def preprocess(np, raw):
    """examples/sans preprocess_sans: [N, P] raw I(q) -> float32 [N, 1, P]."""
    x = raw.astype(np.float64)
    if not np.isfinite(x).all():
        raise ValueError("an intensity is not finite")
    floor = np.where(x > 0, x, np.inf).min(axis=1)
    if not np.isfinite(floor).all():
        raise ValueError("a curve has no positive intensity")
    logs = np.log10(np.maximum(x, floor[:, None]))
    mean = logs.mean(axis=1, keepdims=True)
    var = ((logs - mean) ** 2).mean(axis=1, keepdims=True)
    inv = np.where(var > 1e-24, 1.0 / np.sqrt(np.maximum(var, 1e-300)), 0.0)
    return ((logs - mean) * inv).astype(np.float32)[:, None, :]


def load_data(torch, np, data_dir):
    out = {}
    for split in ("train", "val", "test"):
        x = np.load(os.path.join(data_dir, f"x_{split}.npy"))
        y = np.load(os.path.join(data_dir, f"y_{split}.npy"))
        out[split] = (torch.from_numpy(preprocess(np, x)), torch.from_numpy(y.astype(np.int64)))
    return out


class Diverged(Exception):
    pass


def evaluate(torch, net, x, y, batch=512):
    """Accuracy in evaluation mode (CnnTrainer's evaluate_network)."""
    was = net.training
    net.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(x), batch):
            logits = net(x[start:start + batch])
            correct += int((logits.argmax(1) == y[start:start + batch]).sum())
    net.train(was)
    return correct / len(x)


def train(torch, net, genome, data, epochs, time_limit, seed):
    """CnnTrainer's training loop; returns (val accuracy, metrics). Raises Diverged."""
    g = genome["globals"]
    x, y = data["train"]
    n = len(x)
    bs = max(1, min(int(g["bs"]), n))
    if g["opt"] == "adam":
        opt = torch.optim.Adam(net.parameters(), lr=g["lr"], weight_decay=g["wd"])
    else:
        opt = torch.optim.SGD(net.parameters(), lr=g["lr"], momentum=g["mom"], weight_decay=g["wd"])
    batches = n // bs + (1 if n % bs >= 2 else 0)  # a last batch of one sample is dropped
    order = torch.Generator().manual_seed(seed)
    net.train()
    start = time.perf_counter()
    end = start + time_limit if time_limit > 0 else math.inf
    first, steps, epochs_done, stopped = -1.0, 0, 0.0, False
    for epoch in range(epochs):
        perm = torch.randperm(n, generator=order)
        for b in range(batches):
            if time.perf_counter() >= end:
                stopped = True
                break
            index = perm[b * bs:(b + 1) * bs]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(x.index_select(0, index)), y.index_select(0, index))
            value = loss.item()
            if not math.isfinite(value):
                raise Diverged(f"training diverged: the loss is {value} at epoch {epoch + 1}, batch {b + 1}")
            if first < 0:
                first = value
            if value > 1000.0 * max(first, 1e-3):
                raise Diverged(f"training diverged: the loss {value:.4g} is more than 1000 times the first")
            loss.backward()
            opt.step()
            steps += 1
            epochs_done = epoch + (b + 1) / batches
        if stopped:
            break
    seconds = time.perf_counter() - start
    val = evaluate(torch, net, *data["val"])
    return val, {"train_seconds": seconds, "epochs": epochs_done, "steps": steps}


# ---------------------------------------------------------------- the search

def suggest(trial, name, spec):
    _, kind, lo, hi, step, choices = spec
    if kind == "int":
        return trial.suggest_int(name, lo, hi, step=step)
    if kind == "real":
        return quantize(trial.suggest_float(name, lo, hi))
    if kind == "log_real":
        return quantize(trial.suggest_float(name, lo, hi, log=True))
    if kind == "bool":
        return trial.suggest_categorical(name, [1, 0])
    return trial.suggest_categorical(name, choices)


def suggest_genome(trial):
    sections = []
    for s, (name, types, lo, hi) in enumerate(SECTIONS):
        count = trial.suggest_int(f"{name}_layers", lo, hi)
        section = []
        for i in range(count):
            t = trial.suggest_categorical(f"{name[0]}{i}_type", types)
            section.append((t, {spec[0]: suggest(trial, f"{name[0]}{i}_{t}_{spec[0]}", spec) for spec in TYPES[t]}))
        sections.append(section)
    g = {spec[0]: suggest(trial, spec[0], spec) for spec in GLOBALS if spec[0] != "epochs"}
    return {"sections": sections, "globals": g}


def run_search(args, seed):
    import numpy as np
    import optuna
    import torch
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    torch.set_num_threads(args.threads)
    data = load_data(torch, np, args.data_dir)
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=args.startup_trials)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    label = f"optuna_tpe seed {seed}"
    networks, rejected, failed = [], 0, 0
    best = {"val": None, "test": None, "genome": ""}
    max_flops = args.max_mflops * 1e6

    def objective(trial):
        nonlocal rejected, failed
        told = len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,
                                                             optuna.trial.TrialState.PRUNED)))
        op = "random" if told < args.startup_trials else "tpe"
        genome = suggest_genome(trial)
        try:
            layers, params, flops = repair(genome, max_flops)
        except ValueError as e:
            rejected += 1
            raise optuna.TrialPruned(str(e))
        torch.manual_seed((seed * 1000003 + trial.number) % 2**63)  # parameters and dropout masks
        net = build(torch, layers)
        record = {"n": len(networks) + 1, "job": trial.number, "op": op, "params": params, "mflops": flops / 1e6,
                  "genome": to_text(genome)}
        networks.append(record)
        try:
            val, metrics = train(torch, net, genome, data, args.epochs, args.time_per_network,
                                 seed * 7919 + trial.number)
        except Diverged as e:
            failed += 1
            record.update(status="failed", val_accuracy=None, reason=str(e), train_seconds=0.0, epochs=0.0)
            finish(record)
            raise
        record.update(status="ok", val_accuracy=val, train_seconds=metrics["train_seconds"],
                      epochs=metrics["epochs"])
        if best["val"] is None or val > best["val"]:
            best.update(val=val, test=evaluate(torch, net, *data["test"]), genome=record["genome"])
            record["test_accuracy"] = best["test"]
        finish(record)
        return val

    def finish(record):
        record["best_val"], record["best_test"] = best["val"], best["test"]
        v = record["val_accuracy"]
        print(f"[{label}] {record['n']}/{args.networks} {record['op']:<9} val "
              f"{'failed' if v is None else f'{v:.4f}'} best {best['val'] or 0:.4f} "
              f"({record['train_seconds']:.1f} s, {record['mflops']:.2f} MFLOPs)", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    for _ in range(100 * args.networks):
        if len(networks) >= args.networks:
            break
        study.optimize(objective, n_trials=1, catch=(Diverged,), gc_after_trial=False)
    return {"method": "optuna_tpe", "seed": seed, "implementation": f"Optuna {optuna.__version__} TPESampler, "
            f"PyTorch {torch.__version__}", "wall_seconds": time.perf_counter() - t0, "networks": networks,
            "rejected_before_training": rejected, "failed": failed, "best_val": best["val"],
            "best_test": best["test"], "best_genome": best["genome"], "trials": len(study.trials)}


# ---------------------------------------------------------------- parity check

def check_parity(path):
    import torch
    with open(path) as f:
        doc = json.load(f)
    problems, checked, valid = [], 0, 0
    for i, item in enumerate(doc["genomes"]):
        checked += 1
        genome = parse_text(item["before"])
        try:
            layers, params, flops = repair(genome)
            ok = True
        except ValueError as e:
            ok, why = False, str(e)
        if ok != item["valid"]:
            problems.append(f"genome {i}: valid here {ok}, in evonas {item['valid']} "
                            f"({why if not ok else item.get('problem')}): {item['before']}")
            continue
        if not ok:
            continue
        valid += 1
        if to_text(genome) != item["after"]:
            problems.append(f"genome {i}: repaired to\n  {to_text(genome)}\nevonas:\n  {item['after']}")
            continue
        if params != item["params"] or not math.isclose(flops, item["flops"], rel_tol=1e-9):
            problems.append(f"genome {i}: params/flops {params}/{flops} vs evonas {item['params']}/{item['flops']}")
            continue
        net = build(torch, layers)
        n = sum(p.numel() for p in net.parameters())
        out = net.eval()(torch.zeros(2, 1, POINTS))
        if n != params or tuple(out.shape) != (2, CLASSES):
            problems.append(f"genome {i}: the PyTorch network has {n} parameters, output {tuple(out.shape)}")
    print(json.dumps({"checked": checked, "valid": valid, "problems": problems[:20], "mismatches": len(problems)},
                     indent=2))
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", help="x_/y_{train,val,test}.npy from bench_sans_search --write-data-only")
    parser.add_argument("--seeds", default="1,2,3", help="TPE seeds, comma-separated (default 1,2,3)")
    parser.add_argument("--networks", type=int, default=24, help="networks trained per search (default 24)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per network (default 2)")
    parser.add_argument("--time-per-network", type=float, default=6.0,
                        help="seconds of training per network, then scored as is (default 6)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    parser.add_argument("--startup-trials", type=int, default=6,
                        help="TPE's random startup trials (default 6, evonas's population)")
    parser.add_argument("--max-mflops", type=float, default=20.0,
                        help="prune networks above this many forward MFLOPs per sample (default 20)")
    parser.add_argument("--parallel", type=int, default=1, help="searches (seeds) run at once, one process each")
    parser.add_argument("--check-parity", metavar="FILE", help="check against bench_sans_search --parity-genomes")
    args = parser.parse_args()
    if args.check_parity:
        return check_parity(args.check_parity)
    if not args.data_dir:
        parser.error("--data-dir is required")
    seeds = [int(s) for s in args.seeds.split(",") if s]
    settings = {k: getattr(args, k) for k in ("networks", "epochs", "time_per_network", "threads",
                                              "startup_trials", "max_mflops")}
    if len(seeds) == 1 or args.parallel <= 1:
        searches = [run_search(args, s) for s in seeds]
    else:
        # One process per seed, `parallel` at a time (torch's threads do not mix well with fork).
        base = [sys.executable, os.path.abspath(__file__), "--data-dir", args.data_dir, "--parallel", "1"]
        base += [f"--{k.replace('_', '-')}={v}" for k, v in settings.items()]
        searches, running, pending = [], [], list(seeds)
        while pending or running:
            while pending and len(running) < args.parallel:
                s = pending.pop(0)
                running.append(subprocess.Popen(base + ["--seeds", str(s)], stdout=subprocess.PIPE, text=True))
            p = running.pop(0)
            out, _ = p.communicate()
            if p.returncode != 0:
                return p.returncode
            searches += json.loads(out)["searches"]
    import optuna
    import torch
    print(json.dumps({"benchmark": "sans_search_optuna", "optuna": optuna.__version__, "torch": torch.__version__,
                      "settings": dict(settings, seeds=seeds), "searches": searches}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
