#!/usr/bin/env bash
# Runs scripts/plot_run.py on a real run directory (written by the
# example_sans test) and checks the PNGs are written and not empty; more
# file names after the output folder are checked too (front.png).
# Exit 77 (skipped) when /usr/bin/python3 cannot import matplotlib.
set -euo pipefail
script=$1 run_dir=$2 out=$3
shift 3
if ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  echo "SKIP: /usr/bin/python3 has no matplotlib (Debian: python3-matplotlib)"
  exit 77
fi
rm -rf "$out"
/usr/bin/python3 "$script" "$run_dir" --out "$out"
fail=0
for f in scores.png workers.png lineage.png "$@"; do
  if [ -s "$out/$f" ] && [ "$(head -c 4 "$out/$f" | tail -c 3)" = PNG ]; then
    echo "ok: $out/$f ($(stat -c %s "$out/$f") bytes)"
  else
    echo "FAIL: $out/$f is missing, empty or not a PNG"; fail=1
  fi
done
exit "$fail"
