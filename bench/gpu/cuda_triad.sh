#!/usr/bin/env bash
# The triad on an NVIDIA GPU: kiln's tuned OpenCL triad beside the CUDA peer
# (bench/cuda_triad.cu), measured alternately in the same session so that both see
# the same machine.
#  1. kiln tunes the triad exhaustively (N = 2^26 f32, 3 x 256 MiB);
#  2. five rounds, each: the CUDA triad (30 timed reps after 3 warm-ups, CUDA events),
#     then kiln's best configuration re-measured alone (--reps 30, OpenCL profiling
#     events) in a fresh database.
# usage (repository root, on the GPU machine; nvcc on PATH, kiln built in build/):
#   bench/gpu/cuda_triad.sh [OUTDIR]     writes OUTDIR/cuda_triad.log (default bench/out)
# kiln reaches NVIDIA's OpenCL through the ocl-icd loader, which reads OCL_ICD_VENDORS.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-bench/out}; mkdir -p "$out"
log=$out/cuda_triad.log
kiln=$PWD/build/cli/kiln
N=$((1 << 26))
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. bench/gpu/nvidia_env.sh

exec > >(tee "$log") 2>&1
echo "== machine ($(date -u +%FT%TZ))"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
nvcc --version | tail -1
nvcc -O3 -o "$work/cuda_triad" bench/cuda_triad.cu || { echo "nvcc failed"; exit 1; }
"$kiln" devices

echo "== kiln tune triad --size $N (exhaustive)"
t0=$(date +%s.%N)
"$kiln" tune triad --size $N --device NVIDIA --db "$work/tune.db" --verbose 2>&1 | tail -14
echo "tuning wall $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
best=$("$kiln" best triad --size $N --device NVIDIA --db "$work/tune.db" --json)
echo "$best"
# {"vec":2,"per_item":1,"wg":512} -> --set vec=2 --set per_item=1 --set wg=512
sets=$(echo "$best" | sed -E 's/.*"config":\{([^}]*)\}.*/\1/; s/"//g; s/:/=/g; s/(^|,)/ --set /g')
echo "== interleaved, 5 rounds: CUDA triad (median of 30 reps) then kiln$sets (median of 30)"
for r in 1 2 3 4 5; do
  read -r c_med c_min c_max < <("$work/cuda_triad" $N 30)
  rm -f "$work"/round.db*
  "$kiln" tune triad --size $N --device NVIDIA $sets --reps 30 --db "$work/round.db" >/dev/null 2>&1
  k=$("$kiln" best triad --size $N --device NVIDIA --db "$work/round.db" --json)
  k_gbs=$(echo "$k" | sed -E 's/.*"gbytes_per_s":([0-9.]+).*/\1/')
  k_ns=$(echo "$k" | sed -E 's/.*"median_ns":([0-9.]+).*/\1/')
  echo "round $r: cuda $c_med GB/s ($c_min..$c_max), kiln $k_gbs GB/s (median $k_ns ns)" | tee -a "$work/rounds.txt"
done
# Median of the five rounds' medians, for each side.
c=$(awk '/^round/ { print $4 }' "$work/rounds.txt" | sort -n | sed -n 3p)
k=$(awk '/^round/ { print $8 }' "$work/rounds.txt" | sort -n | sed -n 3p)
echo "medians of the rounds: cuda $c GB/s, kiln $k GB/s (kiln/cuda $(awk -v a="$k" -v b="$c" 'BEGIN { printf "%.3f", a / b }'))"
