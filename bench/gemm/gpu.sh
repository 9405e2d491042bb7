#!/usr/bin/env bash
# gemm on an NVIDIA GPU through NVIDIA's OpenCL, beside cuBLAS SGEMM (FP32, TF32
# off; bench/gemm/cublas_sgemm.cu, CUDA events, median of 20), in one session:
#  1. n=4096: the shape fast FP32 GEMMs use (a 128x128 tile of 16x16
#     work-items, 8x8 outputs each, both operands staged, A transposed, vectors
#     of 4 with aligned accesses, double buffering, the next tile prefetched
#     into registers), every k depth and unroll it allows: 6 configurations,
#     exhaustive (bench/gemm/explore/explore.log has the same without pf);
#  2. n=1024: the earlier 1024 winner and the 4096 winner, then random search
#     for ~30 s among configurations that stage both operands, unpadded (so
#     that every vector access is aligned), with A transposed and db=1;
#  3. at each size, 3 rounds alternating cuBLAS (20 timed calls) and kiln's best
#     re-measured alone (--reps 20, a fresh database: built, verified, timed).
# usage (repository root on the GPU machine, kiln built in build/, nvcc on PATH):
#   OUT=/some/dir bench/gemm/gpu.sh        -> $OUT/gemm_gpu.log, $OUT/gemm_gpu.db
#   (KILN=path/to/kiln to use another binary)
# About 5 minutes on one H200 (most of it the double-precision reference at 4096).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-bench/gemm/out-gpu}; mkdir -p "$out"
log=$out/gemm_gpu.log
kiln=${KILN:-$PWD/build/cli/kiln}
db=$out/gemm_gpu.db
rm -f "$db" "$db"-wal "$db"-shm
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. bench/gpu/nvidia_env.sh   # NVIDIA's OpenCL through ocl-icd, the cache in $work
export NVIDIA_TF32_OVERRIDE=0

exec > >(tee "$log") 2>&1
echo "== machine ($(date -u +%FT%TZ)); load: $(cat /proc/loadavg)"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
nvcc --version | tail -1
nvcc -O3 -o "$work/cublas_sgemm" bench/gemm/cublas_sgemm.cu -lcublas || { echo "nvcc failed"; exit 1; }
"$kiln" devices
dev=NVIDIA

# A variant slower than --timeout stops kiln on OpenCL (it cannot cancel a
# kernel); the row is stored as a timeout and tuning again resumes after it.
tune_resuming() { # SECONDS, then kiln tune's arguments: search for at most SECONDS in all
  local deadline=$(( $(date +%s) + $1 )); shift
  for attempt in 1 2 3 4 5; do
    local left=$(( deadline - $(date +%s) ))
    [ $left -gt 5 ] || return 0
    "$kiln" tune "$@" --time $left > "$work/tune.out" 2>&1 && { tail -8 "$work/tune.out"; return 0; }
    tail -3 "$work/tune.out"; echo "(kiln tune stopped; resuming, attempt $((attempt + 1)))"
  done
}
sets_of() { echo "$1" | sed -E 's/.*"config":\{([^}]*)\}.*/\1/; s/"//g; s/:/=/g; s/(^|,)/ --set /g'; }
t0=$(date +%s)
echo "== n=4096: 128x128 tiles, 16x16 work-items, vectors of 4, ta=1 db=1 pf=1; kwg, la, lb, ku exhaustive"
shape="mwg=128 nwg=128 mdim=16 ndim=16 sa=1 sb=1 ta=1 vwm=4 vwn=4 strided=1 pad=0 vwg=4 db=1 pf=1"
# shellcheck disable=SC2046
tune_resuming 100 gemm --size 4096 --device $dev $(printf -- '--set %s ' $shape) --strategy exhaustive \
  --timeout 2000 --db "$db" --confirm 2
best4=$("$kiln" best gemm --size 4096 --device $dev --db "$db" --json); echo "winner 4096: $best4"
echo "== n=1024: the earlier winner (padded and unpadded), the 4096 winner, then random search, ~30 s"
starts=(
  "mwg=32 nwg=32 kwg=32 mdim=8 ndim=4 sa=1 sb=1 la=32 lb=32 pad=1 vwg=1 vwm=4 vwn=2 ta=1 db=1 pf=0 ku=4 strided=0"
  "mwg=32 nwg=32 kwg=32 mdim=8 ndim=4 sa=1 sb=1 la=32 lb=32 pad=0 vwg=1 vwm=4 vwn=2 ta=1 db=1 pf=1 ku=4 strided=0"
  "$(sets_of "$best4" | sed 's/ --set / /g')"
)
for s in "${starts[@]}"; do
  # shellcheck disable=SC2046
  "$kiln" tune gemm --size 1024 --device $dev $(printf -- '--set %s ' $s) --db "$db" --confirm 0 --verbose 2>&1 |
    grep -E '^\[|ok|wrong|error' | head -3
done
tune_resuming 30 gemm --size 1024 --device $dev --set sa=1 --set sb=1 --set pad=0 --set ta=1 --set db=1 \
  --strategy random --budget 1000 --timeout 2000 --seed 1 --db "$db" --confirm 3
best1=$("$kiln" best gemm --size 1024 --device $dev --db "$db" --json); echo "winner 1024: $best1"
echo "tuning wall $(( $(date +%s) - t0 )) s"
"$kiln" export gemm --device $dev --db "$db" --format json --output "$out/gemm_gpu.json"
python3 - "$out/gemm_gpu.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
for size in ("1024", "4096"):
    at = [r for r in rows if r["size"] == size]
    ok = [(i, r["median_ns"]) for i, r in enumerate(at, 1) if r["verdict"] == "ok" and r["median_ns"]]
    if not ok:
        print(f"n={size}: no correct result"); continue
    best = min(t for _, t in ok)
    first = next(i for i, t in ok if t <= 1.05 * best)
    n = int(size)
    print(f"n={size}: {len(at)} evaluations, best {2 * n**3 / best / 1e3:.2f} TFLOP/s, within 5% of it at evaluation {first}")
PY

for n in 1024 4096; do
  best=$best1; [ $n = 4096 ] && best=$best4
  sets=$(sets_of "$best")
  echo "== n=$n, 3 rounds: cuBLAS SGEMM (median of 20) then kiln$sets (median of 20)"
  for r in 1 2 3; do
    "$work/cublas_sgemm" $n 20
    rm -f "$work"/round.db*
    "$kiln" tune gemm --size $n --device $dev $sets --reps 20 --db "$work/round.db" --confirm 0 >/dev/null 2>&1
    "$kiln" best gemm --size $n --device $dev --db "$work/round.db" --json |
      sed -E 's/.*"median_ns":([0-9.]+).*"gflops":([0-9.]+).*/kiln gemm n='$n' median_ns=\1 gflops=\2/'
  done
done
echo "== done $(date -u +%FT%TZ)"
