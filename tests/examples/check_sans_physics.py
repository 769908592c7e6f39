#!/usr/bin/env python3
"""The SANS generator's physics against sasmodels (the reference code).

    /usr/bin/python3 check_sans_physics.py SANS_PHYSICS_CURVES [DRAWS_PER_MODEL] [SEED]

Runs the C++ helper SANS_PHYSICS_CURVES (tests/examples/sans_physics_curves.cpp),
which writes the generator's noiseless curves and the parameters it drew,
recomputes every curve with sasmodels at the same parameters on the same q
grid (mapping: scripts/make_sans_sasmodels.py, sasmodels_parameters) and
fails, naming the model, the parameters and the worst relative error, when:

- the curve the generator outputs (model + background) differs from
  sasmodels' by more than 1% at any q;
- the model alone (no background) differs by more than 1% at any q, except
  for the cylinder where q L / 2 > 80: there sasmodels' 76-point
  orientation average no longer resolves the length factor's oscillations
  (over 500 draws it is off by up to 20% there), so the generator's
  cylinder is compared with an adaptive integral (scipy) instead, to 0.1%,
  at every 8th such q (the quadrature is slow in Python);
- the generator's default ranges (SansRanges) differ from the copy in
  make_sans_sasmodels.py (RANGES), from which the sasmodels curves are drawn.

Exits 1 when sasmodels is not installed (scripts/install-deps.sh installs it).
"""
import json
import math
import pathlib
import subprocess
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts"))
import make_sans_sasmodels as ms  # noqa: E402

TOLERANCE = 0.01           # relative, curve and model alone
CYLINDER_RESOLVED = 80.0   # q L / 2 up to which sasmodels' cylinder average is accurate
EXACT_TOLERANCE = 1e-3     # generator cylinder vs an adaptive integral beyond that


def cylinder_exact(q, p):
    """Orientation-averaged cylinder (no background) by adaptive quadrature,
    one interval per half-period of the length factor."""
    from scipy.integrate import quad
    from scipy.special import j1
    radius, length = p["radius"], p["length"]

    def integrand(u):
        x = q * radius * math.sqrt(max(0.0, 1.0 - u * u))
        cross = 2.0 * j1(x) / x if x > 1e-8 else 1.0
        h = 0.5 * q * length * u
        axial = math.sin(h) / h if h > 1e-8 else 1.0
        return (cross * axial) ** 2

    pieces = int(0.5 * q * length / math.pi) + 1
    edges = np.linspace(0.0, 1.0, 2 * pieces + 1)
    total = sum(quad(integrand, a, b, epsabs=0.0, epsrel=1e-10)[0] for a, b in zip(edges[:-1], edges[1:]))
    volume = math.pi * radius * radius * length
    return p["scale"] * volume * p["contrast"] ** 2 * total * 1e-4


def describe(curve):
    return ", ".join(f"{k}={v:.6g}" for k, v in sorted(curve["parameters"].items()))


def main():
    if len(sys.argv) not in (2, 3, 4):
        print(__doc__)
        return 2
    helper = sys.argv[1]
    draws = sys.argv[2] if len(sys.argv) > 2 else "40"
    seed = sys.argv[3] if len(sys.argv) > 3 else "20251"
    out = subprocess.run([helper, draws, seed], check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    q = np.asarray(data["q"])
    failures = []

    # The generator's ranges and the script's copy must be the same table.
    if data["defaults"] != ms.RANGES:
        keys = sorted(set(data["defaults"]) | set(ms.RANGES))
        diff = [f"{k}: C++ {data['defaults'].get(k)} vs Python {ms.RANGES.get(k)}"
                for k in keys if data["defaults"].get(k) != ms.RANGES.get(k)]
        failures.append("SansRanges (sans_ranges.hpp) and RANGES (make_sans_sasmodels.py) differ: " + "; ".join(diff))
    if np.max(np.abs(q / ms.q_grid() - 1.0)) > 1e-12:
        failures.append("the q grid of sans_q_grid() and make_sans_sasmodels.q_grid() differ")

    reference = ms.Sasmodels(q)
    worst = {}  # model -> (error, what, q, curve)
    bad = {}    # (model, what) -> [indices of the curves failing, the worst message, its error]

    def fail(key, curve_index, err, message):
        entry = bad.setdefault(key, [set(), "", -1.0])
        entry[0].add(curve_index)
        if err > entry[2]:
            entry[1:] = [message, err]

    for index, curve in enumerate(data["curves"]):
        model, p = curve["model"], curve["parameters"]
        mine = np.asarray(curve["intensity"])
        ref = reference.intensity(model, p)
        background = p["background"]
        checks = [("curve", np.abs(mine / ref - 1.0), np.ones_like(q, dtype=bool))]
        model_only = mine - background
        ref_model = ref - background
        # Near an exact zero of the model a relative error means nothing: an
        # absolute floor a millionth of the background.
        rel_model = np.abs(model_only - ref_model) / np.maximum(np.abs(ref_model), 1e-6 * background)
        resolved = np.ones_like(q, dtype=bool)
        if model == "cylinder":
            resolved = 0.5 * q * p["length"] <= CYLINDER_RESOLVED
        checks.append(("model alone", rel_model, resolved))
        for what, err, mask in checks:
            if not mask.any():
                continue
            i = int(np.argmax(np.where(mask, err, -1.0)))
            if err[i] > worst.get(model, (-1.0,))[0]:
                worst[model] = (float(err[i]), what, float(q[i]), curve)
            if err[i] > TOLERANCE:
                fail((model, what), index, err[i], f"{err[i]:.3%} at q = {q[i]:.5g} 1/A (generator {mine[i]:.6g}, "
                                            f"sasmodels {ref[i]:.6g} 1/cm); parameters: {describe(curve)}")
        if model == "cylinder" and not resolved.all():
            # Where sasmodels' fixed rule is too coarse: against an adaptive integral,
            # at a few q (the quadrature is slow in Python).
            for i in np.flatnonzero(~resolved)[::8]:
                exact = cylinder_exact(q[i], p)
                err = abs(model_only[i] / exact - 1.0)
                if err > EXACT_TOLERANCE:
                    fail((model, "model alone vs an adaptive integral"), index, err,
                         f"{err:.3%} at q = {q[i]:.5g} 1/A; parameters: {describe(curve)}")

    for model in ms.CLASSES:
        if model in worst:
            err, what, at, curve = worst[model]
            print(f"{model}: worst relative difference to sasmodels {err:.2e} ({what}, q = {at:.4g} 1/A) "
                  f"over {sum(c['model'] == model for c in data['curves'])} curves")
        else:
            failures.append(f"{model}: no curves from the generator")
    for (model, what), (curves, message, _) in bad.items():
        limit = EXACT_TOLERANCE if "integral" in what else TOLERANCE
        failures.append(f"{model}: {what} differs by more than {limit:.1%} in {len(curves)} curve(s); worst {message}")
    if failures:
        print("FAIL: the generator disagrees with sasmodels")
        for f in failures:
            print("  " + f)
        return 1
    print("PASS: the generator agrees with sasmodels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
