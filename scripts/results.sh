#!/usr/bin/env bash
# Runs the example programs at the larger budgets reported in
# docs/results.md, over run seeds 1-3, and prints the summary table.
#
#   scripts/results.sh [EXAMPLE...]     examples: sans minerva em (default: all)
#
# Each run writes its output to $EVONAS_RESULTS_DIR/EXAMPLE-seedN.txt
# (default build/results) and its run directory next to it; a finished
# run's output is kept and not run again (delete the file to rerun it).
# Environment: EVONAS_BUILD_DIR (default build), EVONAS_RESULTS_SEEDS
# (default "1 2 3"), EVONAS_RESULTS_DIR.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${EVONAS_BUILD_DIR:-$root/build}
out=${EVONAS_RESULTS_DIR:-$build/results}
seeds=${EVONAS_RESULTS_SEEDS:-1 2 3}
examples=("$@")
[ ${#examples[@]} -gt 0 ] || examples=(sans minerva em)
mkdir -p "$out"

# The larger budgets (docs/results.md), each network trained for the
# example's fixed number of epochs. docs/results.md's tables were measured
# with evonas 0.1, whose examples capped each network's training time
# instead (--time-per-network 10, 10 and 8 s, since removed).
budget() {
  case $1 in
    sans) echo "--evaluations 120 --population 12" ;;
    minerva) echo "--evaluations 60 --population 10" ;;
    em) echo "--evaluations 60 --population 10" ;;
    *) echo "unknown example '$1' (expected sans, minerva or em)" >&2; return 1 ;;
  esac
}

jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
for ex in "${examples[@]}"; do
  args=$(budget "$ex")
  program="$build/examples/$ex/$ex"
  [ -x "$program" ] || { echo "results: $program is not built (cmake --build $build --target $ex)" >&2; exit 1; }
  for seed in $seeds; do
    file="$out/$ex-seed$seed.txt"
    if [ -s "$file" ] && grep -q '^wall seconds' "$file"; then
      echo "== results: $ex seed $seed already done ($file)"
      continue
    fi
    echo "== results: $ex seed $seed: $ex $args --seed $seed"
    t0=$(date +%s)
    # shellcheck disable=SC2086
    LD_PRELOAD=$([ -f $jemalloc ] && echo $jemalloc) MALLOC_CONF="${MALLOC_CONF:-oversize_threshold:0}" "$program" $args --seed "$seed" \
      --run-dir "$out/$ex-seed$seed-run" --overwrite --quiet >"$file.part" 2>&1
    { echo "command: $ex $args --seed $seed"; cat "$file.part"; echo "wall seconds $(( $(date +%s) - t0 ))"; } >"$file"
    rm -f "$file.part"
    tail -n 8 "$file"
  done
done
/usr/bin/python3 "$root/scripts/summarise_results.py" "$out"
