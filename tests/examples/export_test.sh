#!/usr/bin/env bash
# Checks what an example program hands Python users from a finished run:
#   export_test.sh [--tool] PROGRAM RUN_DIR EXPORT_DIR EXPORT_ONNX_PY
# (--tool: PROGRAM is the evonas tool: `evonas export RUN_DIR --out DIR`.)
# - RUN_DIR/best_model.ts.pt (written by the run) loads with torch.jit.load;
# - PROGRAM --run-dir RUN_DIR --export EXPORT_DIR writes model.ts.pt, model.py
#   and model_weights.pt, which give the same outputs as best_model.ts.pt and
#   hold best_model.pt's tensors;
# - scripts/export_onnx.py turns model.ts.pt into a checked ONNX file;
# - a file that is not a model is refused with an error naming it, and
#   nothing is written.
# Needs /usr/bin/python3 with torch and onnx (python3-torch, python3-onnx).
set -euo pipefail
tool=0
if [ "${1:-}" = --tool ]; then tool=1; shift; fi
program=$1 run_dir=$2 export_dir=$3 export_onnx=$4
# export MODEL_OR_RUN_DIR DIR: the program's words for an export.
export_model() {
  if [ "$tool" -eq 1 ]; then "$program" export "$1" --out "$2"
  elif [ -d "$1" ]; then "$program" --run-dir "$1" --export "$2"
  else "$program" --run-dir "$run_dir" --export "$2" --model "$1"; fi
}
rm -rf "$export_dir"
fail=0
out=$(export_model "$run_dir" "$export_dir" 2>&1) || { echo "$out"; echo "FAIL: --export exited non-zero"; exit 1; }
echo "$out"
grep -q "^exported $run_dir/best_model.pt for Python" <<<"$out" || { echo "FAIL: no 'exported ...' line"; fail=1; }
for f in model.ts.pt model.py model_weights.pt; do
  [ -s "$export_dir/$f" ] || { echo "FAIL: $export_dir/$f is missing or empty"; fail=1; }
done
/usr/bin/python3 - "$run_dir" "$export_dir" <<'PY' || fail=1
import sys, torch
run_dir, export_dir = sys.argv[1:]
sys.path.insert(0, export_dir)
import model
best = torch.jit.load(f"{run_dir}/best_model.ts.pt")
exported = torch.jit.load(f"{export_dir}/model.ts.pt")
net = model.load()
x = torch.randn(3, *best.input_shape)
with torch.no_grad():
    a, b, c = best(x), exported(x), net(x)
assert a.shape == (3, model.CLASSES), a.shape
assert torch.equal(a, b), "best_model.ts.pt and the exported model.ts.pt differ"
assert torch.allclose(a, c, rtol=1e-5, atol=1e-6), "model.py differs from the TorchScript model"
saved = torch.load(f"{run_dir}/best_model.pt")
assert saved["genome"] == best.genome == model.GENOME
weights = torch.load(f"{export_dir}/model_weights.pt")
assert set(weights) == set(saved["state"]) and all(torch.equal(weights[k], saved["state"][k]) for k in weights)
print(f"PASS: best_model.ts.pt, model.ts.pt and model.py agree on {x.shape[0]} inputs of shape {list(best.input_shape)}")
PY
/usr/bin/python3 "$export_onnx" "$export_dir/model.ts.pt" || { echo "FAIL: export_onnx.py"; fail=1; }
[ -s "$export_dir/model.onnx" ] || { echo "FAIL: no $export_dir/model.onnx"; fail=1; }
# Not a model file: an error naming it, exit status 1, nothing written.
if bad=$(export_model "$run_dir/lineage.jsonl" "$export_dir/bad" 2>&1); then
  echo "FAIL: --export of a non-model file succeeded"; fail=1
fi
grep -q "^error: $run_dir/lineage.jsonl:1:1: not a" <<<"$bad" || { echo "FAIL: unexpected error: $bad"; fail=1; }
[ ! -e "$export_dir/bad" ] || { echo "FAIL: $export_dir/bad was created"; fail=1; }
[ "$fail" -eq 0 ] && echo "PASS: export of $run_dir"
exit "$fail"
