#!/usr/bin/env bash
# Runs every evonas benchmark in a Release build (preset "bench",
# build-bench/), collects their JSON into build-bench/bench-results.json and
# renders docs/benchmarks.md from it with scripts/render_benchmarks.py.
# No benchmark is a test: a part that fails or cannot be built is recorded
# as such and the others still run.
#
# Parts, in order (EVONAS_BENCH_PARTS picks some, space-separated):
#   genome    bench_genome (Google Benchmark)
#   engine    bench_engine (Google Benchmark)
#   overhead  bench_overhead + benchmarks/peers/{optuna,deap}_overhead.py
#   scale     bench_scale $EVONAS_BENCH_SCALE (default "titan"; "all" takes
#             about 9 minutes more on 2 cores)
#   mpi       bench_mpi under mpiexec, 2 and 4 ranks (needs the mpi component)
#   persistence
#             bench_persistence (a 500,000-job thread-driver run with its run
#             files: cost per job over the run, checkpoint size and time,
#             memory, resume time; about 2 minutes) and, with the mpi
#             component, bench_mpi --run-dir under mpiexec -n 4 (100,000 jobs)
#   trainer   bench_trainer + benchmarks/bench_trainer.py (needs LibTorch)
#   search    the search-efficiency benchmark (benchmarks/search/): evonas
#             evolution, seeded evolution and random search vs Optuna TPE and
#             RandomSampler on three tasks, 20 seeds x 40 networks each plus
#             a longer run; writes docs/search.md and its plots (needs
#             LibTorch, CLI11, optuna and matplotlib; 64 minutes on 2 cores
#             sharing them with a CI build, 2026-12-02)
#   search_es the early-stopping study on the same benchmark
#             (run_search.py --early-stopping): evonas evolution without
#             stopping, with the ASHA stopper, and Optuna TPE with its
#             HyperbandPruner, 9 epochs per network, 10 seeds x 20
#             networks' budget on three tasks; writes
#             docs/search-early-stopping.md and its plots (same needs as
#             search)
#   search_mo the multi-objective study (run_search.py --multi-objective):
#             evonas with accuracy and parameter count as objectives vs
#             Optuna's NSGA-II, hypervolume, 9 epochs per network, 10 seeds
#             x 40 networks on SANS and MINERvA; writes
#             docs/search-multi-objective.md and its plots (same needs)
#   surrogate the surrogate pre-screen's engine cost (bench_surrogate at 100,
#             1,000 and 10,000 scored networks) and one MPI master's jobs/s
#             with it on (bench_mpi --surrogate 16 --jobs 2000, 4 ranks)
#   search_sur the surrogate study (run_search.py --surrogate): evonas
#             evolution with and without the surrogate pre-screen and the
#             same 16 candidates picked at random, 9 epochs per network, 10
#             seeds x 40 networks on three tasks; writes
#             docs/search-surrogate.md and its plots (same needs as search)
#
# Environment: EVONAS_BENCH_PARTS (default: all of the above),
# EVONAS_BENCH_SCALE (default: titan), EVONAS_BENCH_SEARCH (extra arguments
# of benchmarks/search/run_search.py, e.g. "--quick"),
# EVONAS_BENCH_SEARCH_ES (extra arguments of run_search.py --early-stopping,
# e.g. "--quick" or "--peer-seeds 5"), EVONAS_BENCH_SEARCH_MO and
# EVONAS_BENCH_SEARCH_SUR (the same for --multi-objective and --surrogate),
# EVONAS_BENCH_JOBS (parallel build jobs, default 2),
# EVONAS_BENCH_BUILD_DIR (default build-bench; configured with the bench
# preset when it has no build.ninja), EVONAS_BENCH_RENDER=0 to skip writing
# docs/benchmarks.md (it is rewritten only when every part ran; the trainer,
# overhead, mpi or surrogate part alone rewrites only its own section, dated), EVONAS_SKIP_DEPS=1 to
# skip the package check.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
py=/usr/bin/python3
build=${EVONAS_BENCH_BUILD_DIR:-build-bench}
out=$build/results
parts=${EVONAS_BENCH_PARTS:-genome engine overhead scale mpi persistence trainer surrogate search search_es search_mo search_sur}
scale_parts=${EVONAS_BENCH_SCALE:-titan}
search_args=${EVONAS_BENCH_SEARCH:-}
search_es_args=${EVONAS_BENCH_SEARCH_ES:-}
search_mo_args=${EVONAS_BENCH_SEARCH_MO:-}
search_sur_args=${EVONAS_BENCH_SEARCH_SUR:-}
started=$(date +%s)

if [ "${EVONAS_SKIP_DEPS:-0}" != 1 ]; then
  "$root/scripts/install-deps.sh"
fi
[ -f "$build/build.ninja" ] || cmake --preset bench -B "$build"
rm -rf "$out"
mkdir -p "$out"

want() { case " $parts " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# Builds only the benchmark targets of the parts wanted that this
# configuration has (bench_mpi, bench_trainer and bench_search exist
# only with their components).
targets=()
for pt in genome:bench_genome engine:bench_engine overhead:bench_overhead scale:bench_scale mpi:bench_mpi \
          persistence:bench_persistence persistence:bench_mpi trainer:bench_trainer search:bench_search \
          search_es:bench_search search_mo:bench_search search_sur:bench_search surrogate:bench_surrogate \
          surrogate:bench_mpi; do
  t=${pt#*:}
  want "${pt%%:*}" || continue
  case " ${targets[*]} " in *" $t "*) continue ;; esac  # bench_search: the search parts
  if cmake --build "$build" --target help 2>/dev/null | grep -q "^$t:"; then targets+=("$t"); fi
done
if [ ${#targets[@]} -gt 0 ]; then
  echo "== bench: building ${targets[*]}"
  cmake --build "$build" -j "${EVONAS_BENCH_JOBS:-2}" --target "${targets[@]}"
fi

have() { [ -x "$build/benchmarks/$1" ]; }

# step NAME COMMAND...: runs COMMAND with stdout to $out/NAME.json, stderr to
# $out/NAME.log, and its exit status and seconds to $out/NAME.status.
step() {
  local name=$1; shift
  echo "== bench: $name"
  local t0 rc=0; t0=$(date +%s%N)
  "$@" >"$out/$name.json" 2>"$out/$name.log" || rc=$?
  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  printf '{"rc": %d, "seconds": %d.%03d, "command": %s}\n' "$rc" $((ms / 1000)) $((ms % 1000)) \
    "$($py -c 'import json,sys; print(json.dumps(" ".join(sys.argv[1:])))' "$@")" >"$out/$name.status"
  [ "$rc" = 0 ] || echo "   (failed with status $rc; see $out/$name.log)" >&2
}
# skipped NAME WHY: records a part that could not run.
skipped() {
  printf '{"skipped": %s}\n' "$($py -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$2")" >"$out/$1.status"
  echo "== bench: $1 skipped: $2"
}

uptime >"$out/load-before.txt"
if want genome; then step bench_genome "$build/benchmarks/bench_genome" --benchmark_format=json; fi
if want engine; then step bench_engine "$build/benchmarks/bench_engine" --benchmark_format=json; fi
if want overhead; then
  step bench_overhead "$build/benchmarks/bench_overhead" --jobs 20000 --repeats 3
  if $py -c 'import optuna' 2>/dev/null; then
    step optuna_overhead $py benchmarks/peers/optuna_overhead.py --random-trials 2000 --tpe-trials 200
  else skipped optuna_overhead "optuna is not installed for $py (Debian: python3-optuna)"; fi
  if $py -c 'import deap' 2>/dev/null; then
    step deap_overhead $py benchmarks/peers/deap_overhead.py --jobs 20000 --repeats 3
  else skipped deap_overhead "deap is not installed for $py (Debian: python3-deap)"; fi
fi
if want scale; then
  # shellcheck disable=SC2086 # several parts are several arguments
  step bench_scale "$build/benchmarks/bench_scale" $scale_parts
fi
if want mpi; then
  if have bench_mpi && command -v mpiexec >/dev/null; then
    mpi_flags=(--oversubscribe)
    [ "$(id -u)" -ne 0 ] || mpi_flags+=(--allow-run-as-root)
    for n in 2 4; do
      step "bench_mpi_$n" mpiexec "${mpi_flags[@]}" -n "$n" "$build/benchmarks/bench_mpi" --jobs 50000 --repeat 3
    done
    # Early stopping: the time a trainer waits per report (worker-master round trip).
    step bench_mpi_reports mpiexec "${mpi_flags[@]}" -n 3 "$build/benchmarks/bench_mpi" --jobs 50000 \
      --jobs-per-worker 1 --reports 3 --repeat 3
  else skipped bench_mpi_2 "bench_mpi was not built (no Boost.MPI/OpenMPI) or mpiexec is missing"; fi
fi
if want persistence; then
  step bench_persistence "$build/benchmarks/bench_persistence" --jobs 500000 --dir "$out/persistence-run"
  rm -rf "$out/persistence-run"
  if have bench_mpi && command -v mpiexec >/dev/null; then
    mpi_flags=(--oversubscribe)
    [ "$(id -u)" -ne 0 ] || mpi_flags+=(--allow-run-as-root)
    step bench_mpi_run_files mpiexec "${mpi_flags[@]}" -n 4 "$build/benchmarks/bench_mpi" --jobs 100000 \
      --jobs-per-worker 1 --run-dir "$out/mpi-run"
    rm -rf "$out/mpi-run"
  else skipped bench_mpi_run_files "bench_mpi was not built (no Boost.MPI/OpenMPI) or mpiexec is missing"; fi
fi
if want surrogate; then
  step bench_surrogate "$build/benchmarks/bench_surrogate"
  if have bench_mpi && command -v mpiexec >/dev/null; then
    mpi_flags=(--oversubscribe)
    [ "$(id -u)" -ne 0 ] || mpi_flags+=(--allow-run-as-root)
    step bench_surrogate_mpi mpiexec "${mpi_flags[@]}" -n 4 "$build/benchmarks/bench_mpi" --jobs 2000 \
      --jobs-per-worker 1 --repeat 3 --surrogate 16
  else skipped bench_surrogate_mpi "bench_mpi was not built (no Boost.MPI/OpenMPI) or mpiexec is missing"; fi
fi
if want trainer; then
  if have bench_trainer && $py -c 'import torch' 2>/dev/null; then
    step bench_trainer $py benchmarks/bench_trainer.py --cpp "$build/benchmarks/bench_trainer" --steps 60 --rounds 7
  else skipped bench_trainer "bench_trainer was not built (no LibTorch) or $py has no torch"; fi
fi
# The search benchmark and its early-stopping study: part name, its page, its
# folder, extra arguments of run_search.py (its mode among them).
run_search_part() {
  local part=$1 page=$2 folder=$3
  shift 3
  if ! have bench_search; then
    skipped "$part" "bench_search was not built (needs LibTorch and CLI11)"
  elif ! $py -c 'import optuna, scipy, numpy, matplotlib' 2>/dev/null; then
    skipped "$part" "optuna, scipy, numpy or matplotlib is missing for $py (Debian: python3-optuna python3-matplotlib)"
  else
    local render=()
    [ "${EVONAS_BENCH_RENDER:-1}" = 0 ] || render=(--render "$page")
    step "$part" $py benchmarks/search/run_search.py --cpp "$build/benchmarks/bench_search" \
      --out "$build/$folder" "${render[@]}" "$@"
  fi
}
# Its own page (docs/search.md); the summary goes into bench-results.json too.
# shellcheck disable=SC2086 # several arguments
want search && run_search_part search docs/search.md search $search_args
# Its own page, folder and cache (9 epochs: other cache keys).
# shellcheck disable=SC2086 # several arguments
want search_es && run_search_part search_es docs/search-early-stopping.md search-es --early-stopping $search_es_args
# shellcheck disable=SC2086 # several arguments
want search_mo && run_search_part search_mo docs/search-multi-objective.md search-mo --multi-objective $search_mo_args
# shellcheck disable=SC2086 # several arguments
want search_sur && run_search_part search_sur docs/search-surrogate.md search-sur --surrogate $search_sur_args
uptime >"$out/load-after.txt"

$py scripts/render_benchmarks.py collect "$out" --seconds "$(( $(date +%s) - started ))" \
  -o "$build/bench-results.json"
echo "== bench: results in $build/bench-results.json"
if [ "${EVONAS_BENCH_RENDER:-1}" != 0 ] && [ -z "${EVONAS_BENCH_PARTS:-}" ]; then
  $py scripts/render_benchmarks.py render "$build/bench-results.json" -o docs/benchmarks.md
  echo "== bench: wrote docs/benchmarks.md"
elif [ "${EVONAS_BENCH_RENDER:-1}" != 0 ] && { [ "$parts" = trainer ] || [ "$parts" = mpi ] || [ "$parts" = surrogate ] || [ "$parts" = overhead ]; }; then
  # The trainer, MPI or surrogate part alone replaces only its own section, marked with its date.
  $py scripts/render_benchmarks.py render "$build/bench-results.json" -o docs/benchmarks.md --only "$parts"
  echo "== bench: rewrote the $parts section of docs/benchmarks.md"
elif [ "${EVONAS_BENCH_RENDER:-1}" != 0 ]; then
  # Some parts only: rendering would replace the other sections with "not run".
  echo "== bench: docs/benchmarks.md not rewritten (only parts: $parts ran)"
fi
