#!/usr/bin/env bash
# The regression harness on the GPU machine (one NVIDIA H200, NVIDIA's OpenCL through the
# ocl-icd loader). Run from the repository root with the build tree built on Debian 12:
#   OUT=/some/folder bench/regress/gpu.sh [BUILD_DIR=build]
# Writes its logs under $OUT (within about 3 minutes):
#   check_committed.log  the committed cases (recorded on the CPU: host C and PoCL) replayed on the GPU
#   record.log, against.log  the examples recorded on the GPU, compared with the host's recordings
#   capture.log          clapp captured through kiln-remoted on the GPU, replayed natively and remoted
#   overhead.log, overhead.md  capture's cost on clapp's run time (capture_overhead.sh)
# KILN_GPU_DEVICE (default NVIDIA) and KILN_GPU_VENDORS (default /tmp/v, made here) let the
# same script run against another platform.
set -u
root=$(pwd)
build=$(cd "${1:-build}" && pwd)
: "${OUT:?set OUT to the folder that comes back}"
dev=${KILN_GPU_DEVICE:-NVIDIA}
vendors=${KILN_GPU_VENDORS:-/tmp/v}
if [ -z "${KILN_GPU_VENDORS:-}" ]; then
  mkdir -p /tmp/v; echo libnvidia-opencl.so.1 > /tmp/v/nvidia.icd
  mkdir -p /tmp/kiln-ocl; ln -sf /lib/x86_64-linux-gnu/libOpenCL.so.1 /tmp/kiln-ocl/libOpenCL.so.1
  export LD_LIBRARY_PATH=/tmp/kiln-ocl${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}  # ocl-icd's loader first
fi
export OCL_ICD_VENDORS=$vendors KILN_CACHE_DIR=/tmp/kiln-regress-cache KILN_DB=$OUT/kiln.db
K=$build/cli/kiln
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/gpu.txt" 2>&1
$K devices | tee -a "$OUT/gpu.txt"

echo "== committed cases on $dev"
$K regress check "$root/tests/regress/cases/host" "$root/tests/regress/cases/pocl" --device "$dev" \
  > "$OUT/check_committed.log" 2>&1; echo "exit $?" >> "$OUT/check_committed.log"; cat "$OUT/check_committed.log"

echo "== the examples recorded on $dev, against the host's recordings"
mkdir -p "$OUT/cases-gpu"
for ks in triad:2048 matmul:48 laplace:64x48 laplace_rgb:64x48; do
  $K regress record "${ks%%:*}" --size "${ks##*:}" --seed 1 --device "$dev" -o "$OUT/cases-gpu/${ks%%:*}.ktr"
done > "$OUT/record.log" 2>&1
$K regress check "$root/tests/regress/cases/host" --against "$OUT/cases-gpu" > "$OUT/against.log" 2>&1
echo "exit $?" >> "$OUT/against.log"; cat "$OUT/record.log" "$OUT/against.log"

echo "== capture through kiln-remoted on $dev, replay"
mkdir -p "$work/rv" "$work/cases"
echo "$build/runtime/remote/libkiln-remote-icd.so" > "$work/rv/kiln-remote.icd"
"$build/runtime/remote/kiln-remoted" --socket "$work/cap.sock" --vendors "$vendors" --capture "$work/cases" \
  2> "$OUT/daemon.log" &
"$build/runtime/remote/kiln-remoted" --socket "$work/plain.sock" --vendors "$vendors" 2>> "$OUT/daemon.log" &
for _ in $(seq 600); do [ -S "$work/cap.sock" ] && [ -S "$work/plain.sock" ] && break; sleep 0.1; done
{
  echo "native:  $("$build/tests/regress/regress_clapp" 65536)"
  echo "remoted: $(OCL_ICD_VENDORS=$work/rv KILN_REMOTE_SOCKET=$work/cap.sock "$build/tests/regress/regress_clapp" 65536)"
  $K regress check "$work/cases" --device "$dev"; echo "exit $?"
  OCL_ICD_VENDORS=$work/rv KILN_REMOTE_SOCKET=$work/plain.sock $K regress check "$work/cases" --device kiln-remote
  echo "exit $?"
} > "$OUT/capture.log" 2>&1
cat "$OUT/capture.log"

echo "== capture overhead"
KILN_BENCH_VENDORS=$vendors "$root/bench/regress/capture_overhead.sh" "$build" 9 262144 > "$OUT/overhead.log" 2>&1
python3 "$root/bench/regress/summary.py" "$OUT/overhead.log" > "$OUT/overhead.md" 2>&1
cat "$OUT/overhead.md"
