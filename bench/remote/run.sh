#!/bin/sh
# bench/remote/run.sh: builds the remoting module, starts kiln-remoted on a private
# socket, and runs remote_bench with both native PoCL and the remoting ICD visible,
# so both are measured in one run. Usage: bench/remote/run.sh [max MiB, default 256]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${KILN_REMOTE_BUILD:-$ROOT/build-remote}
cmake --build "$BUILD" --target kiln-remoted kiln_remote_icd kiln_remote_bench -j2 >/dev/null
DIR=$(mktemp -d /tmp/kiln-remote-bench-XXXXXX)
mkdir "$DIR/vendors"
ICD=$(find "$BUILD" -name 'libkiln-remote-icd.so' | head -1)
DAEMON=$(find "$BUILD" -name 'kiln-remoted' -type f | head -1)
BENCH=$(find "$BUILD" -name 'kiln_remote_bench' -type f | head -1)
echo "$ICD" > "$DIR/vendors/kiln-remote.icd"
cp /etc/OpenCL/vendors/pocl.icd "$DIR/vendors/pocl.icd"
"$DAEMON" --socket "$DIR/sock" --vendors "$DIR/vendors" 2>"$DIR/daemon.log" &
DPID=$!
trap 'kill $DPID 2>/dev/null; rm -rf "$DIR"' EXIT
i=0; while [ ! -S "$DIR/sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
sleep 0.1
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
OCL_ICD_VENDORS="$DIR/vendors" KILN_REMOTE_SOCKET="$DIR/sock" "$BENCH" "${1:-256}"
