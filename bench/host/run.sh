#!/bin/sh
# bench/host/run.sh: the host-C backend's cost per run, old scheme (a fork per
# run, KILN_HOST_WORKER=0) against the persistent worker, in one run:
#  1. host_bench: per-run overhead of an empty kernel, and a triad over 3 x 64 MiB;
#  2. `kiln tune triad` on the host (6 variants, 3 x 64 MiB), wall time of the
#     whole command, old and new alternated 3 times.
# usage: bench/host/run.sh [build dir, default build-host]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build-host}
cmake --build "$BUILD" --target kiln_runtime kiln_cmd -j2 >/dev/null
OUT=$(mktemp -d /tmp/kiln-host-bench-XXXXXX)
trap 'rm -rf "$OUT"' EXIT
export KILN_CACHE_DIR="$OUT/cache"
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$ROOT/include" "$ROOT/bench/host/host_bench.c" \
   "$BUILD/runtime/libkiln_runtime.a" "$BUILD/generators/libkiln_gen.a" "$BUILD/dsl/libkiln_dsl.a" \
   -lOpenCL $(pkg-config --libs papi 2>/dev/null) -ldl -lm -lpthread -o "$OUT/host_bench"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
echo "== host_bench (times in microseconds)"
"$OUT/host_bench" "${EMPTY_REPS:-500}" "${TRIAD_REPS:-21}"
echo
echo "== kiln tune triad --size 16777216 --device host --set vec=16 --set per_item=8 --reps 1"
for round in 1 2 3; do
    for w in 0 1; do
        rm -f "$OUT"/t.db*
        start=$(date +%s.%N)
        KILN_HOST_WORKER=$w KILN_DB="$OUT/t.db" "$BUILD/cli/kiln" tune triad --size 16777216 \
            --device host --set vec=16 --set per_item=8 --reps 1 >"$OUT/tune.txt" 2>&1
        end=$(date +%s.%N)
        best=$(grep -m1 '^1 ' "$OUT/tune.txt" | awk '{print $5, $6}')
        echo "round $round KILN_HOST_WORKER=$w: wall $(echo "$end - $start" | bc) s, best median $best"
    done
done
