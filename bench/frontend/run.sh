#!/bin/sh
# bench/frontend/run.sh: the time to import one variant of a benchmark-shaped
# kernel (tests/frontend/kernels/) through libclang, beside generating OpenCL C
# from the tree and building the built-in matmul description, alternated
# sample after sample (import_bench.c). Writes the raw log to stdout.
# usage: flock /tmp/kiln-bench.lock bench/frontend/run.sh [build dir, default build] [reps, default 5]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
REPS=${2:-5}
cmake --build "$BUILD" --target kiln_frontend kiln_kernels kiln_tuner kiln_runtime kiln_gen kiln_dsl -j2 >/dev/null
OUT=$(mktemp -d /tmp/kiln-frontend-bench-XXXXXX)
trap 'rm -rf "$OUT"' EXIT
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$ROOT/include" "$ROOT/bench/frontend/import_bench.c" \
   -Wl,--whole-archive "$BUILD/kernels/libkiln_kernels.a" -Wl,--no-whole-archive \
   "$BUILD/frontend/libkiln_frontend.a" "$BUILD/autotuner/libkiln_tuner.a" "$BUILD/runtime/libkiln_runtime.a" \
   "$BUILD/generators/libkiln_gen.a" "$BUILD/dsl/libkiln_dsl.a" \
   -lsqlite3 -lOpenCL -ldl -lm -lpthread -o "$OUT/import_bench"
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) machine: $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
echo "== libclang: $(ls -l /usr/lib/llvm-14/lib/libclang.so.1 2>/dev/null | sed 's/.*-> //')"
echo "== load average before: $(cat /proc/loadavg)"
"$OUT/import_bench" "$ROOT/tests/frontend/kernels" "$REPS"
echo "== load average after: $(cat /proc/loadavg)"
