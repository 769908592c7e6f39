#!/usr/bin/env bash
# End-to-end runs of the evonas tool on files in real layouts
# (write_real_layouts.py): every command a user runs on such data, each
# output checked for what it must say.
#
#   cli_test.sh EVONAS WORK_DIR minerva|lucchi|sans|errors
set -euo pipefail
evonas=$1 work=$2 scenario=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rm -rf "$work"
mkdir -p "$work"
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
# run NAME ARGS...: runs the tool, keeps its output in NAME.out, shows it.
run() {
  local name=$1; shift
  echo "\$ evonas $*"
  if ! "$evonas" "$@" >"$name.out" 2>&1; then cat "$name.out"; fail "evonas $* exited with $?"; fi
  cat "$name.out"
}
# expect NAME PATTERN: NAME.out has a line matching the extended regex.
expect() { grep -Eq -- "$2" "$1.out" || fail "$1: no line matches '$2'"; }
# refused NAME PATTERN ARGS...: the tool exits 1 and says PATTERN.
refused() {
  local name=$1 pattern=$2; shift 2
  echo "\$ evonas $*"
  if "$evonas" "$@" >"$name.out" 2>&1; then cat "$name.out"; fail "evonas $* succeeded"; fi
  cat "$name.out"
  expect "$name" "$pattern"
}

small=(--evaluations 4 --islands 1 --population 4 --epochs 1 --workers 2 --final-top 2 --final-seeds 1)

case "$scenario" in
  minerva)
    /usr/bin/python3 "$here/write_real_layouts.py" minerva data
    x=data/minerva.h5:/img_data/hitimes-x y=data/minerva.h5:/vtx_data/segments
    run evolve evolve --train-x "$x" --train-y "$y" --run-dir run "${small[@]}"
    expect evolve "^data: classification task, 66 training, 22 validation, 22 test samples of shape \[2, 127, 94\], 11 classes"
    expect evolve "^held-out test split \(22 samples\)"
    expect evolve "^evolved +[01]\.[0-9]{4}"
    [ -f run/data.json ] || fail "no run/data.json"
    run evaluate evaluate run --x "$x" --y "$y"
    expect evaluate "on 110 samples: accuracy [0-9.]+, balanced accuracy"
    expect evaluate "confusion matrix"
    run report report run
    expect report "^best [0-9]+ networks"
    expect report "^ +4 +[0-9]+ +[0-9]+ +[0-9]+ "  # 4 jobs in the counts row
    run report_json report run --json
    /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' report_json.out || fail "report --json is not JSON"
    run simulate simulate run --workers 8
    expect simulate "^forecast for run: 8 workers"
    run export export run --out exported
    for f in model.ts.pt model.py model_weights.pt data.json; do [ -f "exported/$f" ] || fail "export wrote no $f"; done
    # Resume with a bigger budget: the four networks are not trained again.
    run resume resume run --evaluations 6 --quiet
    expect resume "^6 networks trained"
    ;;
  lucchi)
    /usr/bin/python3 "$here/write_real_layouts.py" lucchi data
    run evolve evolve --train-x data/training.tif --train-y data/training_groundtruth.tif --patch 9 \
        --train-patches 300 --val-patches 100 --test-patches 100 --standardize per-feature --run-dir run "${small[@]}"
    expect evolve "^data: segmentation task, 300 training, 100 validation, 100 test samples of shape \[1, 9, 9\], 2 classes \(background, foreground\)"
    expect evolve "^patches: 2-D, side 9, from 10 / 3 / 3 pages"
    expect evolve "^held-out test split \(100 samples\)"
    run evaluate evaluate run/best_model.pt --x data/training.tif --y data/training_groundtruth.tif --patches 200
    expect evaluate "segmentation task, clip none, transform none, standardize per-feature"
    expect evaluate "on 200 samples: accuracy [0-9.]+"
    ;;
  sans)
    /usr/bin/python3 "$here/write_real_layouts.py" sans data
    run evolve evolve --train-x data/curves --transform log10 --standardize per-sample --q-points 128 \
        --run-dir run "${small[@]}"
    expect evolve "^data: classification task, 60 training, 16 validation, 20 test samples of shape \[1, 128\], 4 classes \(guinier, peak, power_law, two_level\)"
    expect evolve "^q grid: 128 points log-spaced"
    run evaluate evaluate run --x data/test.csv
    expect evaluate "on 24 samples: accuracy [0-9.]+"
    expect evaluate "guinier +6 samples"
    ;;
  errors)
    /usr/bin/python3 "$here/write_real_layouts.py" minerva data
    /usr/bin/python3 -c 'import numpy as np; np.save("data/small_x.npy", np.zeros((22, 2, 127, 94), np.float32))' 
    refused no_dataset "^error: --train-x: no dataset /img_data/nothing in .*minerva.h5.*hitimes-x" \
        evolve --train-x data/minerva.h5:/img_data/nothing --train-y data/minerva.h5:/vtx_data/segments
    refused whole_file "name the dataset too" evolve --train-x data/minerva.h5 --train-y data/minerva.h5
    refused no_labels "needs its labels" evolve --train-x data/minerva.h5:/img_data/hitimes-x
    refused float_labels "labels must be integers" \
        evolve --train-x data/minerva.h5:/img_data/hitimes-x --train-y data/minerva.h5:/vtx_data/z
    refused bad_clip "clip" evolve --train-x data/minerva.h5:/img_data/hitimes-x \
        --train-y data/minerva.h5:/vtx_data/segments --clip 5,1
    refused labels_shape "labels need \[N\]" \
        evolve --train-x data/minerva.h5:/img_data/hitimes-x --train-y data/minerva.h5:/img_data/hitimes-x
    refused count "has 110 labels for the 22 samples" evolve --train-x data/minerva.h5:/img_data/hitimes-x \
        --train-y data/minerva.h5:/vtx_data/segments --val-x data/small_x.npy --val-y data/minerva.h5:/vtx_data/segments
    refused even_patch "^error: --patch: the patch side must be odd, got 8" evolve \
        --train-x data/minerva.h5:/img_data/hitimes-x --train-y data/minerva.h5:/vtx_data/segments --patch 8
    refused no_run "data.json" resume data
    refused not_a_model "not a model file" evaluate data/minerva.h5 --x data/small_x.npy --y data/small_x.npy
    ;;
  *) fail "unknown scenario $scenario" ;;
esac
echo "cli_test $scenario: passed"
