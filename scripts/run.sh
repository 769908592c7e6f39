#!/usr/bin/env bash
# evonas's front door. Each command installs missing Debian packages,
# configures with a CMake preset (once), builds with both cores and runs.
#
#   scripts/run.sh demo    build and run the demo
#   scripts/run.sh test    build everything that can be built and run ctest
#
# Environment: EVONAS_PRESET (default: "default") picks the CMake preset,
# EVONAS_SKIP_DEPS=1 skips the package check.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
preset=${EVONAS_PRESET:-default}

usage() {
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

binary_dir() {
  case "$1" in
    default) echo build ;;
    *) echo "build-$1" ;;
  esac
}

prepare() {
  [ "${EVONAS_SKIP_DEPS:-0}" = 1 ] || "$root/scripts/install-deps.sh"
  local dir; dir=$(binary_dir "$preset")
  # Configure once; afterwards Ninja re-runs CMake by itself when a
  # CMakeLists.txt changes, so a second run does no needless work.
  if [ ! -f "$dir/build.ninja" ]; then
    cmake --preset "$preset"
  fi
  cmake --build --preset "$preset"
}

# jemalloc lets several LibTorch trainers in one process scale (platform-notes.md).
with_jemalloc() {
  local lib=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
  if [ -f "$lib" ]; then
    LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}" "$@"
  else
    "$@"
  fi
}

case "${1:-}" in
  demo)
    prepare
    with_jemalloc "$(binary_dir "$preset")/examples/info/evonas_info"
    ;;
  test)
    prepare
    ctest --preset "$preset"
    ;;
  -h|--help|help)
    usage
    ;;
  *)
    usage >&2
    exit 2
    ;;
esac
