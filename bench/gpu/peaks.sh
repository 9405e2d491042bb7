#!/usr/bin/env bash
# The roofline pieces on an NVIDIA GPU: kiln peaks (peak_fma and peak_stream tuned on
# the device, kept in the database), then the triad and the matrix multiply tuned
# briefly and drawn with kiln plot --roofline. Nothing here is a speed claim: it shows
# what the micro-kernels reach on a GPU (to set beside the H200's data-sheet figures,
# about 4.8 TB/s and 60 TFLOP/s f32 without tensor cores) and the pictures.
# usage (repository root, on the GPU machine; kiln built in build/):
#   bench/gpu/peaks.sh [OUTDIR]   writes OUTDIR/peaks.log, peaks.db, triad.svg, matmul.svg
# kiln reaches NVIDIA's OpenCL through the ocl-icd loader, which reads OCL_ICD_VENDORS.
# About 3 minutes.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-${OUT:-bench/out}}; mkdir -p "$out"
log=$out/peaks.log
kiln=$PWD/build/cli/kiln
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. bench/gpu/nvidia_env.sh
db=$out/peaks.db
rm -f "$db" "$db"-wal "$db"-shm

exec > >(tee "$log") 2>&1
echo "== machine ($(date -u +%FT%TZ)); load $(cat /proc/loadavg)"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
"$kiln" devices
echo "== kiln peaks: peak_fma on 2^22 work-items (every configuration), peak_stream on 2^26 floats"
"$kiln" peaks --device NVIDIA --budget 50 --fma-items $((1 << 22)) --size $((1 << 26)) --db "$db"
"$kiln" show peak_fma --db "$db" --ok
"$kiln" show peak_stream --db "$db" --ok
echo "== triad 2^26 and matmul 2048, 40 random configurations each"
"$kiln" tune triad --device NVIDIA --size $((1 << 26)) --strategy random --budget 40 --db "$db" | tail -4
"$kiln" tune matmul --device NVIDIA --size 2048 --strategy random --budget 40 --db "$db" | tail -4
"$kiln" plot triad --roofline --db "$db" --output "$out/triad.svg" && echo "wrote $out/triad.svg"
"$kiln" plot matmul --roofline --db "$db" --output "$out/matmul.svg" && echo "wrote $out/matmul.svg"
echo "== done ($(date -u +%FT%TZ)); load $(cat /proc/loadavg)"
