#!/usr/bin/env bash
# Runs an example program end to end at a small budget and checks what a
# user relies on: the seed-vs-evolved table, the run directory line and the
# files of the run directory.
#   run_example.sh [--subcommand NAME] PROGRAM RUN_DIR [extra checks: grep patterns after --] -- ARGS...
# --subcommand runs `PROGRAM NAME ARGS...` (the evonas tool's `evolve`).
set -euo pipefail
subcommand=()
if [ "${1:-}" = --subcommand ]; then subcommand=("$2"); shift 2; fi
program=$1 run_dir=$2
shift 2
patterns=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do patterns+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
preload=()
# oversize_threshold:0: large tensors' pages stay with jemalloc (docs/libtorch.md)
[ -f "$jemalloc" ] && preload=(env "LD_PRELOAD=$jemalloc" "MALLOC_CONF=${MALLOC_CONF:-oversize_threshold:0}")
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"${preload[@]}" "$program" "${subcommand[@]}" --run-dir "$run_dir" --overwrite "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || { echo "FAIL: $program exited with $status"; exit 1; }
fail=0
for p in '^network +test acc +bal acc +val score +params +MFLOPs +train s' '^(seed|human) +[0-9.]+ +[0-9.]+ +[0-9.]+ ' \
         '^evolved +[0-9.]+ +[0-9.]+ +[0-9.]+ ' "^run directory: $run_dir" "${patterns[@]}"; do
  grep -Eq "$p" "$out" || { echo "FAIL: no line matching /$p/ in the output"; fail=1; }
done
for f in run.json lineage.jsonl checkpoint.json best.txt best_model.pt best_model.ts.pt; do
  [ -s "$run_dir/$f" ] || { echo "FAIL: $run_dir/$f is missing or empty"; fail=1; }
done
compgen -G "$run_dir/models/job-*.pt" >/dev/null || { echo "FAIL: no network saved in $run_dir/models"; fail=1; }
[ "$fail" -eq 0 ] && echo "PASS: table and run directory $run_dir"
exit "$fail"
