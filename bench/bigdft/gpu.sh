#!/usr/bin/env bash
# BigDFT's 3-D magic filter and kinetic operator on an NVIDIA GPU through
# NVIDIA's OpenCL, at 64^3 and 128^3:
#  1. the GPU's f64 FMA peak (fma_peak.cu) and bandwidth (bench/cuda_triad.cu);
#  2. for each operator and size, kiln tunes its pass (random search, BUDGET (60)
#     configurations plus the default), then bench3d measures alternately, in
#     ROUNDS rounds, the straightforward CPU baseline (baseline.c, all cores),
#     kiln's default configuration and the tuned one on the GPU, each as the
#     whole 3-D operator (three passes; wall clock, and the passes' kernel
#     times from OpenCL profiling events);
#  3. the peak and bandwidth again.
# usage (repository root, on the GPU machine; kiln built in build/, nvcc and gcc on PATH;
# KILN_EXTRA_LIBS: more link inputs for bench3d, e.g. the PAPI library kiln was built with):
#   OUT=/some/folder bench/bigdft/gpu.sh [BUDGET [ROUNDS]]    writes $OUT/bigdft_gpu.log and per-step logs
# Takes about 4-6 minutes with the defaults (BUDGET 60, ROUNDS 9).
# SEARCHES: the tunings of each operator and size instead, ';'-separated `kiln tune`
# options into one database (the best of all of them is measured), e.g. the tiled space:
#   SEARCHES='--set wg=256 --set full_taps=1;--set wg=128 --set full_taps=1'
# FUSED: also tune bigdft.kinetic3d_fused (the kinetic operator in one launch) with these
# ';'-separated `kiln tune` options at each kinetic size, and measure its best as a fourth
# variant in bench3d's rounds (BENCH3D_FUSED), e.g. FUSED='--set vec=1,2'.
# OPS: the operators (default "magicfilter3d kinetic3d"); SIZES: the n (default "64 128").
# MEASURE_AFTER=0 skips the second peak and bandwidth measurement; KILN_REV names the
# commit when the tree is a copy without its git history.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-bench/bigdft/out-gpu}
mkdir -p "$out"
budget=${1:-60}
rounds=${2:-9}
searches=${SEARCHES:---strategy random --budget $budget}
kiln=$PWD/build/cli/kiln
B=$PWD/build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. bench/gpu/nvidia_env.sh   # NVIDIA's OpenCL through ocl-icd, the cache in $work
export OMP_WAIT_POLICY=passive   # the baseline's idle OpenMP threads must not spin beside kiln's

exec > >(tee "$out/bigdft_gpu.log") 2>&1
echo "== machine ($(date -u +%FT%TZ)): $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
nvcc --version | tail -1
echo "== kiln ${KILN_REV:-$(git rev-parse --short HEAD 2>/dev/null || echo '?')}, gcc $(gcc -dumpversion)"
nvcc -O3 -o "$work/cuda_triad" bench/cuda_triad.cu || { echo "nvcc failed"; exit 1; }
nvcc -O3 -o "$work/fma_peak" bench/bigdft/fma_peak.cu || { echo "nvcc failed"; exit 1; }
gcc -O3 -march=native -fopenmp -c bench/bigdft/baseline.c -o "$work/baseline.o" || exit 1
gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I. -Iinclude -fopenmp bench/bigdft/bench3d.c "$work/baseline.o" \
    $B/kernels/libkiln_kernels.a $B/runtime/libkiln_runtime.a $B/generators/libkiln_gen.a $B/dsl/libkiln_dsl.a \
    "$work/libOpenCL.so.1" ${KILN_EXTRA_LIBS:-} -ldl -lm -lpthread -o "$work/bench3d" || { echo "bench3d does not build"; exit 1; }
"$kiln" devices

measure_gpu() {
  echo "== GPU f64 FMA peak: median min max GFLOP/s"
  "$work/fma_peak" 20000 9 | tee "$out/gpu_peak.txt"
  echo "== GPU bandwidth, triad 3 x 256 MiB: median min max GB/s"
  "$work/cuda_triad" $((1 << 26)) 30 | tee "$out/gpu_bw.txt"
}
measure_gpu

tune() { # kernel size searches...: every search into $work/tune.db, logs tune-KERNEL-N-S.log
  local kernel=$1 size=$2 n=${2%%x*}; shift 2
  local s=0
  for opts in "$@"; do
    echo "== kiln tune $kernel --size $size --device NVIDIA $opts"
    # shellcheck disable=SC2086 # the options of one search are words
    "$kiln" tune $kernel --size $size --device NVIDIA $opts --seed 1 \
      --db "$work/tune.db" --verbose >"$out/tune-${kernel#bigdft.}-$n-$s.log" 2>&1
    tail -12 "$out/tune-${kernel#bigdft.}-$n-$s.log"
    s=$((s + 1))
  done
}
best_of() { # kernel size: the best configuration as "a=1,b=2"
  "$kiln" best "$1" --size "$2" --device NVIDIA --db "$work/tune.db" --json |
    sed -E 's/.*"config":\{([^}]*)\}.*/\1/; s/"//g; s/:/=/g'
}

for op in ${OPS:-magicfilter3d kinetic3d}; do
  for n in ${SIZES:-64 128}; do
    size=${n}x${n}x${n}
    echo
    t0=$(date +%s.%N)
    IFS=';' read -ra search <<<"$searches"
    tune bigdft.$op $size "${search[@]}"
    echo "tuning wall $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
    sets=$(best_of bigdft.$op $size)
    fused=
    if [ $op = kinetic3d ] && [ -n "${FUSED:-}" ]; then
      t0=$(date +%s.%N)
      IFS=';' read -ra search <<<"$FUSED"
      tune bigdft.kinetic3d_fused $size "${search[@]}"
      echo "tuning wall $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
      fused=$(best_of bigdft.kinetic3d_fused $size)
    fi
    echo "== bench3d $op $n NVIDIA, tuned $sets${fused:+, fused $fused}, $rounds rounds"
    BENCH3D_FUSED=$fused OMP_NUM_THREADS=$(nproc) "$work/bench3d" $op $n NVIDIA 0 "$(nproc)" "$rounds" "$sets" |
      tee "$out/bench-$op-$n.txt"
  done
done
echo
[ "${MEASURE_AFTER:-1}" = 0 ] || measure_gpu
echo "== summary: kernel-time GFLOP/s of the 3-D operators (2 * taps flops per point and pass);"
echo "   roofline = min(peak, AI x bandwidth), AI = 2 taps / 16 (magic filter) or / 32 (kinetic) flop per byte"
peak=$(cut -d' ' -f1 "$out/gpu_peak.txt"); bw=$(cut -d' ' -f1 "$out/gpu_bw.txt")
for f in "$out"/bench-*.txt; do
  awk -v peak="$peak" -v bw="$bw" -v name="$(basename "$f" .txt)" '
    /^baseline / { base = $(NF - 1) }
    /^default kernel time/ { dflt = $(NF - 1) }
    /^tuned kernel time/ { tuned = $(NF - 1) }
    /^fused kernel time/ { fused = $(NF - 1) }
    END {
      ai = name ~ /magic/ ? 32 / 16 : 58 / 32
      roof = peak < ai * bw ? peak : ai * bw
      printf "%-26s baseline(CPU) %8.2f  default %8.2f  tuned %8.2f GFLOP/s  tuned/default %.2fx  %.1f%% of roofline %.0f\n",
             name, base, dflt, tuned, tuned / dflt, 100 * tuned / roof, roof
      if (fused) {
        # one launch moves x in and y out once: 174 flops per 16 bytes
        roof1 = peak < 174 / 16 * bw ? peak : 174 / 16 * bw
        printf "%-26s fused (one launch) %8.2f GFLOP/s  fused/tuned %.2fx  %.1f%% of the three-pass roofline %.0f, %.1f%% of its own %.0f\n",
               name, fused, fused / tuned, 100 * fused / roof, roof, 100 * fused / roof1, roof1
      }
    }' "$f"
done
