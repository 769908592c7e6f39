#!/usr/bin/env bash
# evonas on a CUDA GPU, in one go: configures against the LibTorch inside an
# installed PyTorch with CUDA, builds the LibTorch tests and the trainer
# benchmark, runs the CUDA test cases (hidden from ctest: "[cuda]") and the
# LibTorch tests, then the trainer benchmark (evonas vs PyTorch on the GPU,
# 1 and several workers per GPU), and prints one JSON object (also written to
# build-gpu/gpu-check.json).
#
#   scripts/gpu-check.sh
#
# Environment: EVONAS_GPU_PYTHON (default python3), a Python whose torch has
# CUDA (its torch.utils.cmake_prefix_path is the LibTorch used);
# EVONAS_GPU_BUILD (default build-gpu), the build directory;
# EVONAS_GPU_WORKERS (default 1,4), workers per GPU in the benchmark;
# EVONAS_GPU_ROUNDS (default 5), benchmark rounds.
# Needs what evonas's build needs (CMake, Ninja, a C++20 compiler, fmt,
# nlohmann_json, Catch2 2.13, Google Benchmark; scripts/install-deps.sh
# installs them on Debian) and the CUDA toolkit that LibTorch's CMake
# package looks for. Exit status: 0 when every check passed, 1 when one
# failed, 2 when this machine cannot run them (no CUDA device or no CUDA
# LibTorch).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
python=${EVONAS_GPU_PYTHON:-python3}
build=${EVONAS_GPU_BUILD:-build-gpu}
workers=${EVONAS_GPU_WORKERS:-1,4}
rounds=${EVONAS_GPU_ROUNDS:-5}

if ! info=$("$python" - <<'PY'
import json, torch
ok = torch.cuda.is_available()
print(json.dumps({"torch": torch.__version__, "cuda": torch.version.cuda, "cuda_available": ok,
                  "gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if ok else [],
                  "prefix": torch.utils.cmake_prefix_path}))
PY
); then
  echo "gpu-check: $python cannot import torch (set EVONAS_GPU_PYTHON to a Python with a CUDA PyTorch)" >&2
  exit 2
fi
if [ "$("$python" -c "import json,sys; print(json.loads(sys.argv[1])['cuda_available'])" "$info")" != True ]; then
  echo "gpu-check: no CUDA device visible to PyTorch: $info" >&2
  exit 2
fi
prefix=$("$python" -c "import json,sys; print(json.loads(sys.argv[1])['prefix'])" "$info")
echo "gpu-check: $info" >&2

mkdir -p "$build"
log="$build/gpu-check.log"
: > "$log"
step() {  # step NAME COMMAND...: runs it, output to the log; 0/1 as it did
  echo "== $1" | tee -a "$log" >&2
  shift
  "$@" >> "$log" 2>&1
}

failed=0
configured=true
step configure cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DEVONAS_WITH_LIBTORCH=ON -DEVONAS_WITH_MPI=OFF \
  -DEVONAS_BUILD_TESTS=ON -DEVONAS_BUILD_BENCHMARKS=ON -DEVONAS_BUILD_EXAMPLES=OFF \
  -DEVONAS_INSTALL=OFF -DEVONAS_BUILD_API_DOCS=OFF || configured=false
built=false
if $configured && step build cmake --build "$build" --target test_libtorch bench_trainer; then built=true; fi

cuda_tests=null libtorch_tests=null bench=null
if $built; then
  if step cuda-tests "$build/tests/libtorch/test_libtorch" "[cuda]" --reporter compact; then
    cuda_tests=true
  else
    cuda_tests=false; failed=1
  fi
  if step libtorch-tests ctest --test-dir "$build" -L libtorch --output-on-failure; then
    libtorch_tests=true
  else
    libtorch_tests=false; failed=1
  fi
  bench_out="$build/gpu-bench.json"
  echo "== bench" | tee -a "$log" >&2
  if "$python" benchmarks/bench_trainer.py --cpp "$build/benchmarks/bench_trainer" --device cuda \
       --rounds "$rounds" --workers "$workers" --no-memory > "$bench_out" 2>> "$log"; then
    bench=$(cat "$bench_out")
  else
    failed=1
  fi
else
  failed=1
fi

result=$("$python" - "$info" "$configured" "$built" "$cuda_tests" "$libtorch_tests" "$bench" "$log" <<'PY'
import json, sys
info, configured, built, cuda_tests, libtorch_tests, bench, log = sys.argv[1:8]
tail = open(log).read()[-4000:]
print(json.dumps({"machine": json.loads(info), "configured": configured == "true", "built": built == "true",
                  "cuda_tests_passed": json.loads(cuda_tests), "libtorch_tests_passed": json.loads(libtorch_tests),
                  "trainer_benchmark": json.loads(bench), "log": log, "log_tail": tail}, indent=2))
PY
)
echo "$result" | tee "$build/gpu-check.json"
exit $failed
