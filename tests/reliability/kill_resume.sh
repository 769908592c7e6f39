#!/usr/bin/env bash
# Kill-and-resume test: a real run (examples/custom_trainer, one worker) is
# killed with SIGKILL at random moments, resumed from its run directory each
# time, and must end with the same lineage as a run that was never
# interrupted: every job finished before a kill is in the log exactly once,
# nothing is trained twice, and the checkpoint is valid JSON. Every other
# kill also simulates a node crash that lost the page cache: the log is cut
# at a random byte after what the last checkpoint covers (the log is
# fsync'ed up to there before each checkpoint); the jobs of the lost lines
# are trained again and the run still ends with the uninterrupted lineage.
#
#   kill_resume.sh <custom_trainer> <work dir> [kills]
set -euo pipefail
exe=$1
work=$2
kills=${3:-6}
args=(--workers 1 --evaluations 120 --train-ms 15 --seed 11 --islands 2)
rm -rf "$work"
mkdir -p "$work"

"$exe" "${args[@]}" --run-dir "$work/straight" >/dev/null

survived=0
cut_bytes=0
RANDOM=42
for ((k = 1; k <= kills; k++)); do
  resume=()
  [ -f "$work/killed/run.json" ] && resume=(--resume)
  "$exe" "${args[@]}" --run-dir "$work/killed" "${resume[@]}" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 6 + 2))"
  if kill -9 "$pid" 2>/dev/null; then
    survived=$((survived + 1))
  fi
  wait "$pid" 2>/dev/null || true
  if ((k % 2 == 0)) && [ -f "$work/killed/checkpoint.json" ]; then
    cut=$(python3 "$(dirname "${BASH_SOURCE[0]}")/cut_log_after_checkpoint.py" "$work/killed" "$RANDOM")
    cut_bytes=$((cut_bytes + cut))
  fi
done
"$exe" "${args[@]}" --run-dir "$work/killed" --resume >/dev/null

python3 - "$work" "$survived" "$cut_bytes" <<'PY'
import json, sys
work, survived, cut = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def jobs(path):
    out = []
    for line in open(path):
        j = json.loads(line)
        if j["type"] != "job":
            continue
        for k in ("start", "end", "worker"):
            j.pop(k)
        out.append(j)
    return out
a = jobs(f"{work}/straight/lineage.jsonl")
b = jobs(f"{work}/killed/lineage.jsonl")
ids = [j["id"] for j in b if j["trained"]]
assert len(ids) == len(set(ids)), "a job was trained twice"
assert len(a) == 120 and len(b) == 120, (len(a), len(b))
for i, (x, y) in enumerate(zip(a, b)):
    assert x == y, f"lineage differs at line {i + 1}:\n{x}\n{y}"
cp = json.load(open(f"{work}/killed/checkpoint.json"))
assert cp["format"] == "evonas-checkpoint" and cp["counts"]["finished"] == 120
print(f"kill_resume: {survived} kills survived, {cut} bytes of log lost with the page cache; 120 jobs, "
      "lineage identical to the uninterrupted run")
PY
