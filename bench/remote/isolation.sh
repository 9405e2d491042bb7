#!/bin/sh
# bench/remote/isolation.sh: what a process per session costs in latency, before and after side by side.
# Builds the daemon and ICD of BEFORE (a commit; default 94e38b9, the last one with a thread per session)
# from `git archive` into a scratch folder, then alternates ROUNDS times (default 3) between that daemon
# and the current build's, each run being `kiln_remote_bench 0` (latency rows only: empty kernel + finish,
# pipelined enqueues, clFinish on an idle queue, connection set-up) with the matching ICD. The bench
# binary is the current one for both, so both are measured the same way.
# Usage: bench/remote/isolation.sh [BEFORE] [ROUNDS]   Environment: KILN_REMOTE_BUILD (default build-remote)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${KILN_REMOTE_BUILD:-$ROOT/build-remote}
BEFORE=${1:-94e38b9}
ROUNDS=${2:-3}
NATIVE_ICD=${KILN_BENCH_NATIVE_ICD:-/etc/OpenCL/vendors/pocl.icd}
SCRATCH=$(mktemp -d /tmp/kiln-remote-iso-bench-XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
cmake --build "$BUILD" --target kiln-remoted kiln_remote_icd kiln_remote_bench -j2 >/dev/null
mkdir "$SCRATCH/src"
git -C "$ROOT" archive "$BEFORE" | tar -x -C "$SCRATCH/src"
cmake -S "$SCRATCH/src" -B "$SCRATCH/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$SCRATCH/build" --target kiln-remoted kiln_remote_icd -j2 >/dev/null
BENCH=$(find "$BUILD" -name kiln_remote_bench -type f | head -1)
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); before: $BEFORE, after: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo '+changes'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  for which in before after; do
    if [ "$which" = before ]; then B="$SCRATCH/build"; else B="$BUILD"; fi
    DIR="$SCRATCH/run-$which-$round"
    mkdir -p "$DIR/vendors"
    find "$B" -name 'libkiln-remote-icd.so' | head -1 > "$DIR/vendors/kiln-remote.icd"
    cp "$NATIVE_ICD" "$DIR/vendors/native.icd"
    "$(find "$B" -name kiln-remoted -type f | head -1)" --socket "$DIR/sock" --vendors "$DIR/vendors" 2>"$DIR/daemon.log" &
    DPID=$!
    i=0; while [ ! -S "$DIR/sock" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
    sleep 1
    echo "## round $round, $which ($(head -1 "$DIR/daemon.log" | sed 's/.*serving //'))"
    OCL_ICD_VENDORS="$DIR/vendors" KILN_REMOTE_SOCKET="$DIR/sock" "$BENCH" 0
    kill "$DPID"; wait "$DPID" 2>/dev/null || true
  done
done
