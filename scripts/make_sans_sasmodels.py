#!/usr/bin/env python3
"""SANS curves computed by sasmodels, the reference implementation of the
SasView/NIST/ORNL scattering models, for the SANS example.

    /usr/bin/python3 scripts/make_sans_sasmodels.py OUT_DIR
        [--train-per-class 600] [--val-per-class 150] [--test-per-class 250] [--seed 1]

Writes OUT_DIR/x_{train,val,test}.npy (float32 [N, 256]: raw I(q) in 1/cm
on the example's q grid, noisy) and y_{train,val,test}.npy (int64 labels,
curve i has class i % 4), the layout `sans --data-dir OUT_DIR` trains on
and `sans --evaluate MODEL --x OUT_DIR/x_test.npy --y OUT_DIR/y_test.npy`
(or `evonas evolve`) reads. The four models are sasmodels' cylinder,
spherical_sld (error-function interfaces), mono_gauss_coil and
correlation_length; parameters are drawn here, independently of the C++
generator but from the same ranges (RANGES, a copy of SansRanges in
examples/sans/sans_ranges.hpp), and the noise is the generator's counting
noise (add_counting_noise). examples/sans/README.md documents the mapping
of parameters to sasmodels'.

The functions are also what tests/examples/check_sans_physics.py uses to
compare the C++ generator with sasmodels. Needs numpy and sasmodels
(Debian: python3-numpy, python3-sasmodels) and a C compiler (sasmodels
compiles its models once into ~/.sasmodels).
"""
import argparse
import math
import pathlib
import sys

import numpy as np

# The q grid of examples/sans/sans_data.hpp (sans_q_grid).
Q_MIN, Q_MAX, POINTS = 0.001, 0.5, 256
CLASSES = ["cylinder", "spherical_sld", "gaussian_chain", "correlation_length"]

# SansRanges defaults (examples/sans/sans_ranges.hpp); [min, max] intervals.
RANGES = {
    "background": [0.05, 1.0],
    "intensity_per_count": [2e-5, 2e-4],
    "count_exponent": 0.5,
    "cylinder_radius": [10, 60],
    "cylinder_length": [150, 1000],
    "cylinder_contrast": [1, 6],
    "volume_fraction": [0.002, 0.05],
    "core_radius": [20, 80],
    "max_shells": 3,
    "shell_thickness": [10, 40],
    "interface_width": [4, 20],
    "solvent_sld": [-0.5, 6.4],
    "sld_offset": [0.5, 5],
    "material_sld": [-0.6, 8],
    "interface_nu": 2.5,
    "interface_steps": 35,
    "radius_of_gyration": [15, 250],
    "chain_forward_intensity": [0.2, 20],
    "correlation_length": [20, 200],
    "lorentz_scale": [0.5, 50],
    "lorentz_exponent": [1.5, 3],
    "porod_exponent": [2, 4],
    "porod_crossover": [0.0012, 0.006],
}


def q_grid():
    """sans_q_grid(): POINTS values log-spaced from Q_MIN to Q_MAX."""
    q = Q_MIN * np.exp(np.log(Q_MAX / Q_MIN) * np.arange(POINTS) / (POINTS - 1))
    q[-1] = Q_MAX
    return q


def _uniform(rng, interval):
    return float(rng.uniform(interval[0], interval[1]))


def _log_uniform(rng, interval):
    return float(math.exp(rng.uniform(math.log(interval[0]), math.log(interval[1]))))


def draw_parameters(model, rng, ranges=RANGES):
    """One draw of `model`'s parameters, named as the C++ generator names
    them (sample_sans_curve), from the same distributions."""
    r = ranges
    p = {"background": _log_uniform(rng, r["background"]),
         "intensity_per_count": _log_uniform(rng, r["intensity_per_count"])}
    if model == "cylinder":
        p.update(radius=_log_uniform(rng, r["cylinder_radius"]), length=_log_uniform(rng, r["cylinder_length"]),
                 contrast=_uniform(rng, r["cylinder_contrast"]), scale=_log_uniform(rng, r["volume_fraction"]))
    elif model == "spherical_sld":
        solvent = _uniform(rng, r["solvent_sld"])
        lo, hi = r["material_sld"]

        def layer_sld():
            offset = _uniform(rng, r["sld_offset"])
            sld = solvent + (offset if rng.uniform() < 0.5 else -offset)
            if sld < lo or sld > hi:
                sld = 2.0 * solvent - sld  # the other side of the solvent
            return min(max(sld, lo), hi)

        p.update(solvent_sld=solvent, core_radius=_uniform(rng, r["core_radius"]), core_sld=layer_sld())
        shells = int(rng.integers(1, r["max_shells"] + 1))
        p["shells"] = shells
        for k in range(1, shells + 1):
            p[f"shell{k}_thickness"] = _uniform(rng, r["shell_thickness"])
            p[f"shell{k}_sld"] = layer_sld()
        for k in range(1, shells + 2):
            p[f"interface{k}_width"] = _uniform(rng, r["interface_width"])
        p.update(scale=_log_uniform(rng, r["volume_fraction"]), nu=r["interface_nu"],
                 interface_steps=r["interface_steps"])
    elif model == "gaussian_chain":
        p.update(rg=_log_uniform(rng, r["radius_of_gyration"]), scale=_log_uniform(rng, r["chain_forward_intensity"]))
    elif model == "correlation_length":
        length = _log_uniform(rng, r["correlation_length"])
        lorentz_scale = _log_uniform(rng, r["lorentz_scale"])
        m = _uniform(rng, r["lorentz_exponent"])
        n = _uniform(rng, r["porod_exponent"])
        crossover = _log_uniform(rng, r["porod_crossover"])
        p.update(correlation_length=length, lorentz_scale=lorentz_scale, lorentz_exponent=m, porod_exponent=n,
                 crossover=crossover, porod_scale=lorentz_scale * crossover ** n)
    else:
        raise ValueError(f"unknown SANS model '{model}' (one of {', '.join(CLASSES)})")
    return p


def sasmodels_parameters(model, p):
    """(sasmodels model name, its keyword arguments) for the generator's
    parameters `p` of `model`; background included, scale explicit."""
    common = {"background": p["background"]}
    if model == "cylinder":
        # The generator has only the contrast: sld - sld_solvent.
        return "cylinder", dict(common, scale=p["scale"], sld=p["contrast"], sld_solvent=0.0,
                                radius=p["radius"], length=p["length"])
    if model == "spherical_sld":
        # sasmodels counts the core as shell 1 (its thickness is the core
        # radius); interface k follows layer k, the last one leads to the solvent.
        shells = int(p["shells"])
        sld = [p["core_sld"]] + [p[f"shell{k}_sld"] for k in range(1, shells + 1)]
        thickness = [p["core_radius"]] + [p[f"shell{k}_thickness"] for k in range(1, shells + 1)]
        kw = dict(common, scale=p["scale"], n_shells=shells + 1, sld_solvent=p["solvent_sld"],
                  n_steps=int(p["interface_steps"]))
        for k in range(shells + 1):
            kw.update({f"sld{k + 1}": sld[k], f"thickness{k + 1}": thickness[k],
                       f"interface{k + 1}": p[f"interface{k + 1}_width"], f"shape{k + 1}": 0, f"nu{k + 1}": p["nu"]})
        return "spherical_sld", kw
    if model == "gaussian_chain":
        return "mono_gauss_coil", dict(common, scale=1.0, i_zero=p["scale"], rg=p["rg"])
    if model == "correlation_length":
        return "correlation_length", dict(common, scale=1.0, lorentz_scale=p["lorentz_scale"],
                                          porod_scale=p["porod_scale"], cor_length=p["correlation_length"],
                                          porod_exp=p["porod_exponent"], lorentz_exp=p["lorentz_exponent"])
    raise ValueError(f"unknown SANS model '{model}' (one of {', '.join(CLASSES)})")


class Sasmodels:
    """sasmodels' noiseless I(q) (model + background, 1/cm, no resolution
    smearing) on a fixed q grid, double precision, compiled C kernels."""

    def __init__(self, q):
        try:
            import sasmodels.core
            import sasmodels.data
            import sasmodels.direct_model
        except ImportError as e:
            raise SystemExit(f"sasmodels is missing ({e}): install python3-sasmodels "
                             "(scripts/install-deps.sh does) and run with /usr/bin/python3") from e
        self._core, self._direct = sasmodels.core, sasmodels.direct_model
        self._data = sasmodels.data.empty_data1D(np.asarray(q, dtype=float))
        self._kernels = {}

    def intensity(self, model, p):
        name, kw = sasmodels_parameters(model, p)
        if name not in self._kernels:
            # platform "dll": C kernels compiled on this machine (OpenCL may be absent).
            kernel = self._core.load_model(name, dtype="double", platform="dll")
            self._kernels[name] = self._direct.DirectModel(self._data, kernel)
        return np.asarray(self._kernels[name](**kw), dtype=float)


def add_counting_noise(clean, p, q, rng, ranges=RANGES):
    """The generator's counting noise: Poisson counts of mean I/u at each q,
    u = intensity_per_count * (Q_MAX/q)^count_exponent, times u."""
    u = p["intensity_per_count"] * (Q_MAX / np.asarray(q)) ** ranges["count_exponent"]
    return rng.poisson(clean / u) * u


def make_split(n_per_class, rng, reference, q):
    """Noisy curves [4 n, POINTS] float32 and labels (i % 4) int64."""
    n = n_per_class * len(CLASSES)
    x = np.empty((n, POINTS), dtype=np.float32)
    y = np.arange(n, dtype=np.int64) % len(CLASSES)
    for i in range(n):
        model = CLASSES[y[i]]
        p = draw_parameters(model, rng)
        x[i] = add_counting_noise(reference.intensity(model, p), p, q, rng)
    return x, y


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write SANS train/val/test curves computed by sasmodels as .npy "
                                                 "(the layout of `sans --data-dir`).")
    parser.add_argument("out_dir", type=pathlib.Path)
    parser.add_argument("--train-per-class", type=int, default=600)
    parser.add_argument("--val-per-class", type=int, default=150)
    parser.add_argument("--test-per-class", type=int, default=250)
    parser.add_argument("--seed", type=int, default=1, help="seed of the parameter draws and the noise")
    args = parser.parse_args(argv)
    for name in ("train_per_class", "val_per_class", "test_per_class"):
        if getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be 0 or more")
    q = q_grid()
    reference = Sasmodels(q)
    rng = np.random.default_rng(args.seed)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for split, count in (("train", args.train_per_class), ("val", args.val_per_class), ("test", args.test_per_class)):
        if count == 0:
            continue
        x, y = make_split(count, rng, reference, q)
        np.save(args.out_dir / f"x_{split}.npy", x)
        np.save(args.out_dir / f"y_{split}.npy", y)
        print(f"wrote {args.out_dir}/x_{split}.npy {list(x.shape)} and y_{split}.npy ({count} curves per class)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
