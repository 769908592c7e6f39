#!/usr/bin/env python3
"""The Python side of tests/libtorch/test_export.cpp: do evonas's exports
give, in Python, the outputs the C++ network gave?

    /usr/bin/python3 check_export.py DIR --export-onnx scripts/export_onnx.py

DIR holds cases.json ([{name, genome, space}]) and, per case NAME, what the
C++ test wrote: NAME.ts.pt, NAME.py, NAME_weights.pt (export_model), NAME.pt
(save_model), NAME_x.npy (inputs) and NAME_y.npy (the C++ network's outputs
in evaluation mode). For every case it checks

- torch.jit.load(NAME.ts.pt): its attributes, and its outputs on the inputs
  within 1e-5 relative (max |a - b| / max |b|);
- the generated module NAME.py: load() with its weights file, and with the
  model file, gives the same outputs within 1e-5; its state_dict keys are
  those of the TorchScript module, the weights file and the model file;
- export_onnx.py writes an ONNX file that onnx.checker accepts and whose
  inferred output shape is [batch, classes] (in-process for every case, and
  once through its command line).

Prints one line per failure and a summary; exits 1 on any failure.
"""

import argparse
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnx
import torch

TOLERANCE = 1e-5


def relative_error(a, b):
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-30))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--export-onnx", required=True, help="path of scripts/export_onnx.py")
    args = ap.parse_args()
    torch.set_num_threads(1)
    spec = importlib.util.spec_from_file_location("export_onnx", args.export_onnx)
    export_onnx = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(export_onnx)
    with open(os.path.join(args.dir, "cases.json")) as f:
        cases = json.load(f)
    sys.path.insert(0, args.dir)
    failures = []
    worst = {"torchscript": 0.0, "python": 0.0}
    start = time.time()
    onnx_seconds = 0.0

    def check(ok, case, what):
        if not ok:
            failures.append(f"{case['name']} ({case['genome']}): {what}")
        return ok

    for case in cases:
        name = case["name"]
        path = lambda suffix: os.path.join(args.dir, name + suffix)  # noqa: E731
        x = torch.from_numpy(np.load(path("_x.npy")))
        y = torch.from_numpy(np.load(path("_y.npy")))

        ts = torch.jit.load(path(".ts.pt"))
        check(ts.genome == case["genome"], case, f"TorchScript genome attribute {ts.genome!r}")
        check(ts.space == case["space"], case, f"TorchScript space attribute {ts.space!r}")
        check(list(ts.input_shape) == list(x.shape[1:]), case, f"input_shape {list(ts.input_shape)}")
        check(ts.classes == y.shape[1], case, f"classes {ts.classes}")
        check(not ts.training, case, "the TorchScript module is in training mode")
        ts.train()  # Python can switch it (the forward stays the evaluation-mode network)
        ts.eval()
        with torch.no_grad():
            out = ts(x)
        err = relative_error(out, y)
        worst["torchscript"] = max(worst["torchscript"], err)
        check(err <= TOLERANCE, case, f"TorchScript outputs differ from C++ by {err:.3g} (relative)")

        module = importlib.import_module(name)
        net = module.load()
        check(not net.training, case, "load() did not return the network in evaluation mode")
        with torch.no_grad():
            out_py = net(x)
            out_model_file = module.load(path(".pt"))(x)
        err = relative_error(out_py, y)
        worst["python"] = max(worst["python"], err)
        check(err <= TOLERANCE, case, f"generated PyTorch module's outputs differ from C++ by {err:.3g}")
        check(torch.equal(out_model_file, out_py), case, "load(model file) differs from load(weights file)")
        keys = set(net.state_dict())
        check(keys == set(ts.state_dict()), case,
              f"state_dict keys differ: TorchScript {sorted(set(ts.state_dict()) ^ keys)}")
        check(keys == set(torch.load(path("_weights.pt"))), case, "the weights file's keys differ")
        check(keys == set(torch.load(path(".pt"))["state"]), case, "the model file's state keys differ")

        t = time.time()
        try:
            proto = export_onnx.export_onnx(path(".ts.pt"), path(".onnx"))
            inferred = onnx.shape_inference.infer_shapes(proto, strict_mode=True)
            dims = [d.dim_param or d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim]
            check(dims == ["batch", y.shape[1]], case, f"ONNX output shape {dims}, not ['batch', {y.shape[1]}]")
        except Exception as e:  # report and go on: every case is checked
            check(False, case, f"ONNX export or check failed: {type(e).__name__}: {e}")
        onnx_seconds += time.time() - t

    # The command line, as a user runs it (default output name).
    first = os.path.join(args.dir, cases[0]["name"] + ".ts.pt")
    run = subprocess.run([sys.executable, args.export_onnx, first], capture_output=True, text=True)
    expected = first[:-len(".ts.pt")] + ".onnx"
    if run.returncode != 0 or "onnx.checker: ok" not in run.stdout or not os.path.isfile(expected):
        failures.append(f"export_onnx.py {first}: exit {run.returncode}\n{run.stdout}{run.stderr}")
    # A file that is not an evonas TorchScript model: one clear line, no file.
    bad = subprocess.run([sys.executable, args.export_onnx, os.path.join(args.dir, "cases.json"),
                          os.path.join(args.dir, "bad.onnx")], capture_output=True, text=True)
    if bad.returncode == 0 or not bad.stderr.startswith("export_onnx: ") or \
            os.path.exists(os.path.join(args.dir, "bad.onnx")):
        failures.append(f"export_onnx.py on a non-model: exit {bad.returncode}, stderr {bad.stderr!r}")

    for f in failures:
        print("FAIL:", f)
    print(f"{len(cases)} exported networks: max relative error TorchScript {worst['torchscript']:.2e}, "
          f"PyTorch source {worst['python']:.2e} (tolerance {TOLERANCE:g}); ONNX export + onnx.checker "
          f"{onnx_seconds:.1f} s; {time.time() - start:.1f} s in all; {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
