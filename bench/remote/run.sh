#!/bin/sh
# bench/remote/run.sh: builds the remoting module, starts kiln-remoted on a private
# socket, and runs remote_bench with both the native platform and the remoting ICD
# visible, so both are measured in one run.
# Usage: bench/remote/run.sh [--copy-mode] [--chunk-blocking] [max MiB, default 256] [min MiB, default 1]
#   --copy-mode, --chunk-blocking   passed to kiln-remoted (see runtime/remote/README.md)
# Environment: KILN_REMOTE_BUILD (build folder, default build-remote), KILN_BENCH_NATIVE_ICD
# (the native platform's .icd file, default /etc/OpenCL/vendors/pocl.icd), KILN_BENCH_NATIVE
# (part of its platform name, default PoCL's), KILN_REMOTE_CHUNK_KIB (the client's pipelining
# chunk in copy mode; 0 turns pipelining off).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${KILN_REMOTE_BUILD:-$ROOT/build-remote}
NATIVE_ICD=${KILN_BENCH_NATIVE_ICD:-/etc/OpenCL/vendors/pocl.icd}
DAEMON_ARGS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --copy-mode|--chunk-blocking) DAEMON_ARGS="$DAEMON_ARGS $1"; shift ;;
    *) break ;;
  esac
done
cmake --build "$BUILD" --target kiln-remoted kiln_remote_icd kiln_remote_bench -j2 >/dev/null
DIR=$(mktemp -d /tmp/kiln-remote-bench-XXXXXX)
mkdir "$DIR/vendors"
ICD=$(find "$BUILD" -name 'libkiln-remote-icd.so' | head -1)
DAEMON=$(find "$BUILD" -name 'kiln-remoted' -type f | head -1)
BENCH=$(find "$BUILD" -name 'kiln_remote_bench' -type f | head -1)
echo "$ICD" > "$DIR/vendors/kiln-remote.icd"
cp "$NATIVE_ICD" "$DIR/vendors/native.icd"
# shellcheck disable=SC2086  # DAEMON_ARGS holds separate words
"$DAEMON" --socket "$DIR/sock" --vendors "$DIR/vendors" $DAEMON_ARGS 2>"$DIR/daemon.log" &
DPID=$!
trap 'kill $DPID 2>/dev/null; rm -rf "$DIR"' EXIT
i=0; while [ ! -S "$DIR/sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
sleep 0.1
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); daemon:$DAEMON_ARGS $(head -1 "$DIR/daemon.log" | sed 's/.*(\(.*\)).*/(\1)/'); chunk KiB: ${KILN_REMOTE_CHUNK_KIB:-default}"
OCL_ICD_VENDORS="$DIR/vendors" KILN_REMOTE_SOCKET="$DIR/sock" "$BENCH" "${1:-256}" "${2:-1}"
