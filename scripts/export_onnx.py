#!/usr/bin/env python3
"""Convert an evonas TorchScript model to ONNX, checked with onnx.checker.

    /usr/bin/python3 scripts/export_onnx.py RUN_DIR/best_model.ts.pt [OUT.onnx] [--opset 13]

The TorchScript file is what evonas writes at the end of a run
(best_model.ts.pt) or with an example program's --export DIR (model.ts.pt);
it carries the input shape of one sample (its `input_shape` attribute), so
nothing else is needed. The ONNX file (default: the input with .onnx for
.ts.pt) has one input "input" [batch, channels, spatial...] float32 and one
output "logits" [batch, classes], the batch axis dynamic; the network is in
evaluation mode (dropout off, batch norm with its running statistics). It
is the route to ONNX Runtime, TensorRT and other inference engines.

Needs PyTorch and the onnx package (Debian: python3-torch python3-onnx;
the python3 on PATH may be another Python: use /usr/bin/python3). Tested
with Debian 12's PyTorch 1.13 and onnx 1.12; it uses PyTorch's TorchScript
exporter, which PyTorch 2.x still has.
The file is written to OUT.tmp and renamed, so a failed export leaves no
partial file.
"""

import argparse
import inspect
import os
import sys
import warnings

import torch

try:
    import onnx
except ImportError:  # the message says what to install
    onnx = None


def default_output(torchscript):
    """model.ts.pt -> model.onnx; anything else -> <name>.onnx."""
    base = torchscript[:-len(".ts.pt")] if torchscript.endswith(".ts.pt") else os.path.splitext(torchscript)[0]
    return base + ".onnx"


def _torchscript_exporter():
    """PyTorch 2.x also has a dynamo-based exporter (the default from 2.9),
    which does not take a TorchScript module: ask for the TorchScript one."""
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        return {"dynamo": False}
    return {}


def export_onnx(torchscript, output, opset=13, batch=2):
    """Writes the ONNX form of the TorchScript model `torchscript` to
    `output`, checks it with onnx.checker (full check, with shape
    inference) and returns the loaded onnx.ModelProto."""
    if onnx is None:
        raise RuntimeError("the onnx package is missing (Debian: apt-get install python3-onnx)")
    model = torch.jit.load(torchscript, map_location="cpu")
    try:
        shape = [int(n) for n in model.input_shape]
    except AttributeError:
        raise RuntimeError(f"{torchscript}: not an evonas TorchScript model (no input_shape attribute)") from None
    model.eval()
    example = torch.randn([batch] + shape)
    tmp = output + ".tmp"
    try:
        with warnings.catch_warnings():
            # Harmless, and said for every export: a TorchScript module has
            # no Python signature; the padding amounts of Pad are computed in
            # the graph (a reversing Slice) instead of folded into constants.
            warnings.filterwarnings("ignore", message="no signature found", category=UserWarning)
            warnings.filterwarnings("ignore", message="Constant folding - Only steps=1", category=UserWarning)
            torch.onnx.export(model, (example,), tmp, input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=opset,
                              **_torchscript_exporter())
        proto = onnx.load(tmp)
        onnx.checker.check_model(proto, full_check=True)
        os.replace(tmp, output)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return proto


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("torchscript", help="an evonas TorchScript file (best_model.ts.pt, model.ts.pt)")
    ap.add_argument("output", nargs="?", help="the ONNX file (default: the input's name with .onnx)")
    ap.add_argument("--opset", type=int, default=13, help="ONNX opset version (default 13)")
    args = ap.parse_args()
    output = args.output or default_output(args.torchscript)
    try:
        proto = export_onnx(args.torchscript, output, args.opset)
    except Exception as e:  # one line, not a traceback, for a user's mistake
        print(f"export_onnx: {e}", file=sys.stderr)
        return 1
    dims = [d.dim_param or d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim]
    print(f"wrote {output}: input {dims}, {len(proto.graph.node)} nodes, opset {args.opset}; onnx.checker: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
