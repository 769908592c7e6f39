#!/usr/bin/env bash
# Kill-and-resume under mpiexec: a real run (examples/mpi_synthetic, 4 ranks,
# two islands of one master and one worker, no migration: reproducible) is
# killed with SIGKILL at random moments (one rank at random: MPI then ends
# the whole job, as on a cluster when a node dies), resumed from its run
# directory each time, and must end with the same jobs as a run that was
# never interrupted: every job finished before a kill is in the log exactly
# once, nothing is trained twice, the checkpoint is valid JSON. Every other
# kill also simulates a node crash that lost rank 0's page cache: the log is
# cut at a random byte after what the last checkpoint covers (fsync'ed before
# each checkpoint); the lost jobs are trained again.
#
#   kill_resume_mpi.sh <mpi_synthetic> <work dir> <mpiexec> "<mpiexec flags>" [kills]
set -euo pipefail
exe=$1
work=$2
mpiexec=$3
read -r -a flags <<< "$4"
kills=${5:-5}
args=(--islands 2 --no-migration --evaluations 200 --train-ms 15 --seed 11)
run() { "$mpiexec" "${flags[@]}" -n 4 "$exe" "${args[@]}" "$@"; }
rm -rf "$work"
mkdir -p "$work"

run --run-dir "$work/straight" >/dev/null

killed=0
cut_bytes=0
RANDOM=7
for ((k = 1; k <= kills; k++)); do
  resume=()
  [ -f "$work/killed/run.json" ] && resume=(--resume)
  rm -rf "$work/pids"
  run --run-dir "$work/killed" --pid-dir "$work/pids" "${resume[@]}" >/dev/null 2>&1 &
  job=$!
  # Once every rank runs (startup takes a while), a random moment of the run.
  for ((t = 0; t < 100 && $(ls "$work/pids" 2>/dev/null | wc -l) < 4; t++)); do sleep 0.05; done
  sleep "0.$((RANDOM % 5))"
  victim="$work/pids/rank$((RANDOM % 4)).pid"
  [ -f "$victim" ] && kill -9 "$(cat "$victim")" 2>/dev/null || true
  if ! wait "$job" 2>/dev/null; then
    killed=$((killed + 1))
  fi
  if ((k % 2 == 0)) && [ -f "$work/killed/checkpoint.json" ]; then
    cut=$(python3 "$(dirname "${BASH_SOURCE[0]}")/../reliability/cut_log_after_checkpoint.py" "$work/killed" "$RANDOM")
    cut_bytes=$((cut_bytes + cut))
  fi
done
run --run-dir "$work/killed" --resume >/dev/null

python3 - "$work" "$killed" "$cut_bytes" <<'PY'
import json, sys
work, killed, cut = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def jobs(path):
    out = []
    for line in open(path):
        j = json.loads(line)
        if j["type"] != "job":
            continue
        for k in ("start", "end", "worker"):
            j.pop(k)
        out.append(j)
    return sorted(out, key=lambda j: j["id"])
a = jobs(f"{work}/straight/lineage.jsonl")
b = jobs(f"{work}/killed/lineage.jsonl")
ids = [j["id"] for j in b if j["trained"]]
assert len(ids) == len(set(ids)), "a job was trained twice"
assert len(ids) == 200 and len([j for j in a if j["trained"]]) == 200, (len(ids), len(a))
assert len(a) == len(b), (len(a), len(b))
for x, y in zip(a, b):
    assert x == y, f"job {x['id']} differs:\n{x}\n{y}"
cp = json.load(open(f"{work}/killed/checkpoint.json"))
assert cp["format"] == "evonas-checkpoint" and cp["counts"]["finished"] == 200
assert killed > 0, "no run was killed: the test proved nothing"
print(f"kill_resume_mpi: {killed} runs killed and resumed, {cut} bytes of log lost with the page cache; 200 jobs, "
      "the same as the uninterrupted run")
PY
