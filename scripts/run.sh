#!/usr/bin/env bash
# evonas's front door. Each command installs missing Debian packages,
# configures with a CMake preset (once), builds with both cores and runs.
#
#   scripts/run.sh demo    build and run the demo
#   scripts/run.sh test    build everything that can be built (preset
#                          default) and run every test
#   scripts/run.sh check   sets of the tests again under AddressSanitizer+
#                          UBSan and ThreadSanitizer (EVONAS_TEST_SET), then
#                          the fuzzers briefly (EVONAS_FUZZ_SECONDS each, 30);
#                          CI runs `test`, then `check`
#   scripts/run.sh bench [PART...]
#                          build the benchmarks in Release (preset bench), run
#                          them (all parts, or the ones named: genome engine
#                          overhead scale mpi persistence trainer surrogate
#                          search search_es search_mo search_sur), write
#                          build-bench/bench-results.json and
#                          docs/benchmarks.md (scripts/bench.sh;
#                          EVONAS_BENCH_*); part "search" writes docs/search.md,
#                          "search_es" docs/search-early-stopping.md,
#                          "search_mo" docs/search-multi-objective.md,
#                          "search_sur" docs/search-surrogate.md
#
# Environment: EVONAS_PRESET (default: "default") picks the CMake preset of
# `demo`; EVONAS_TEST_PRESETS (default: "default") and EVONAS_CHECK_PRESETS
# (default: "asan tsan fuzz") the presets `test` and `check` run, in order;
# EVONAS_SKIP_DEPS=1 skips the package check.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
preset=${EVONAS_PRESET:-default}

usage() {
  sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

binary_dir() {
  case "$1" in
    default) echo build ;;
    *) echo "build-$1" ;;
  esac
}

deps_checked=0
# prepare PRESET [TARGET...]: configures once and builds the targets named
# (all when none).
prepare() {
  local preset=$1
  shift
  if [ "${EVONAS_SKIP_DEPS:-0}" != 1 ] && [ $deps_checked = 0 ]; then
    "$root/scripts/install-deps.sh"
    deps_checked=1
  fi
  local dir; dir=$(binary_dir "$preset")
  # Configure once; afterwards Ninja re-runs CMake by itself when a
  # CMakeLists.txt changes, so a second run does no needless work.
  if [ ! -f "$dir/build.ninja" ]; then
    cmake --preset "$preset"
  fi
  if [ $# -gt 0 ]; then
    cmake --build --preset "$preset" --target "$@"
  else
    cmake --build --preset "$preset"
  fi
}

# jemalloc lets several LibTorch trainers in one process scale (platform-notes.md);
# oversize_threshold:0 keeps it from handing large tensors' pages back to the
# kernel at every free (docs/libtorch.md: a third of the time went to page
# faults without it).
with_jemalloc() {
  local lib=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
  if [ -f "$lib" ]; then
    LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}" MALLOC_CONF="${MALLOC_CONF:-oversize_threshold:0}" "$@"
  else
    "$@"
  fi
}

# run_presets PRESET...: build each preset and run its tests, in order.
run_presets() {
  local p
  for p in "$@"; do
    echo "== evonas: preset $p"
    prepare "$p"
    if [ "$p" = fuzz ]; then
      # Re-configure only when the fuzzing time changes.
      local seconds=${EVONAS_FUZZ_SECONDS:-30}
      if ! grep -q "^EVONAS_FUZZ_SECONDS:STRING=$seconds\$" "$(binary_dir fuzz)/CMakeCache.txt"; then
        cmake "$(binary_dir fuzz)" -DEVONAS_FUZZ_SECONDS="$seconds" >/dev/null
      fi
    fi
    ctest --preset "$p"
  done
}

case "${1:-}" in
  demo)
    # Only the program the demo runs (the tests and benchmarks are built by
    # `test` and `bench`).
    prepare "$preset" sans
    # The SANS example at its default budget (a few minutes on 2 cores):
    # progress, then the seed-vs-evolved table. Each demo replaces the last.
    demo_dir="$(binary_dir "$preset")/demo_sans_run"
    with_jemalloc "$(binary_dir "$preset")/examples/sans/sans" --run-dir "$demo_dir" --overwrite
    if /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
      /usr/bin/python3 "$root/scripts/plot_run.py" "$demo_dir" --out "$demo_dir/plots" >/dev/null
      echo "demo: figures of the run (scores, workers, lineage of the best) are in $root/$demo_dir/plots/"
    else
      echo "demo: install python3-matplotlib to get figures of the run (scripts/plot_run.py $demo_dir)"
    fi
    ;;
  test)
    run_presets ${EVONAS_TEST_PRESETS:-default}
    ;;
  check)
    run_presets ${EVONAS_CHECK_PRESETS:-asan tsan fuzz}
    ;;
  bench)
    shift
    if [ $# -gt 0 ]; then export EVONAS_BENCH_PARTS="$*"; fi
    exec "$root/scripts/bench.sh"
    ;;
  -h|--help|help)
    usage
    ;;
  *)
    usage >&2
    exit 2
    ;;
esac
