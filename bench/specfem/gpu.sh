#!/usr/bin/env bash
# The SPECFEM kernels on an NVIDIA GPU through NVIDIA's OpenCL (ocl-icd loader):
#  1. kiln tunes specfem.stiffness exhaustively on a 46x46x46 mesh (97,336
#     elements; the tuned launch is the pass over colour 0, 12,167 elements);
#  2. best, default and the naive double C reference (on the host CPU, one
#     thread), alternately, 5 rounds (build/kernels/kiln_specfem_bench);
#     then specfem.stiffness_f64 and specfem.stiffness_att tuned on a 30x30x30 mesh;
#  3. specfem.update_disp_veloc tuned on a 64x64x64 mesh (3 x 204 MB fields),
#     re-measured alternately with the CUDA triad (bench/cuda_triad.cu, the
#     bandwidth peer) in 5 rounds: its GB/s as a fraction of the triad's;
#  4. kiln-specfem: 300 steps with the tuned configurations, against the references.
# usage (repository root on the GPU machine, kiln built in build/, nvcc on PATH):
#   OUT=/some/dir bench/specfem/gpu.sh      logs under $OUT (default bench/specfem/out)
# It ends within 8 minutes: each step has a time limit, and none runs past 7 min 45 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-bench/specfem/out}; mkdir -p "$out"
kiln=$PWD/build/cli/kiln
bench=$PWD/build/kernels/kiln_specfem_bench
driver=$PWD/build/kernels/kiln-specfem
MESH=46x46x46
FIELD=64x64x64
N=$((1 << 26))
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. bench/gpu/nvidia_env.sh   # NVIDIA's OpenCL through ocl-icd, the cache in $work
db=$out/specfem-gpu.db; rm -f "$db" "$db"-wal "$db"-shm
dev=NVIDIA
# limited WANT_S CMD...: CMD under a limit of WANT_S seconds, cut to what is left of 465 s
limited() {
  local want=$1; shift
  local left=$((465 - SECONDS))
  if [ "$left" -lt 5 ]; then echo "skipped, out of time: $*"; return 124; fi
  timeout $((want < left ? want : left)) "$@"
}

exec > >(tee "$out/gpu.log") 2>&1
echo "== machine ($(date -u +%FT%TZ)), load $(cat /proc/loadavg)"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
nvcc --version | tail -1
nvcc -O3 -o "$work/cuda_triad" bench/cuda_triad.cu || echo "nvcc failed: no CUDA triad"
"$kiln" devices

echo "== kiln tune specfem.stiffness --size $MESH (exhaustive)"
t0=$(date +%s.%N)
limited 200 "$kiln" tune specfem.stiffness --size $MESH --device $dev --db "$db" 2>&1 | tail -24
echo "tuning wall $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
best=$("$kiln" best specfem.stiffness --size $MESH --device $dev --db "$db" --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["config"], separators=(",", ":")))')
echo "== best, default and naive alternately, 5 rounds"
limited 90 "$bench" $dev $MESH 5 "$best"

echo "== kiln tune specfem.stiffness_f64 --size 30x30x30 (exhaustive, colouring only)"
limited 60 "$kiln" tune specfem.stiffness_f64 --size 30x30x30 --device $dev --db "$db" 2>&1 | tail -14

echo "== kiln tune specfem.stiffness_att --size 30x30x30 (exhaustive)"
limited 60 "$kiln" tune specfem.stiffness_att --size 30x30x30 --device $dev --db "$db" 2>&1 | tail -14

echo "== kiln tune specfem.update_disp_veloc --size $FIELD (exhaustive)"
limited 40 "$kiln" tune specfem.update_disp_veloc --size $FIELD --device $dev --db "$db" 2>&1 | tail -16
uj=$("$kiln" best specfem.update_disp_veloc --size $FIELD --device $dev --db "$db" --json)
sets=$(python3 -c 'import json,sys; print(" ".join("--set %s=%s" % kv for kv in json.loads(sys.argv[1])["config"].items()))' "$uj")
echo "== interleaved, 5 rounds: CUDA triad N=2^26 (median of 30) then update_disp_veloc $sets (30 reps)"
: > "$work/rounds.txt"
for r in 1 2 3 4 5; do
  c_med=0
  [ -x "$work/cuda_triad" ] && read -r c_med _ < <(limited 15 "$work/cuda_triad" $N 30)
  rm -f "$work"/round.db*
  limited 15 "$kiln" tune specfem.update_disp_veloc --size $FIELD --device $dev $sets --reps 30 --db "$work/round.db" >/dev/null 2>&1
  k_gbs=$("$kiln" best specfem.update_disp_veloc --size $FIELD --device $dev --db "$work/round.db" --json | python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["gbytes_per_s"])')
  echo "round $r: cuda $c_med GB/s, update_disp_veloc $k_gbs GB/s" | tee -a "$work/rounds.txt"
done
python3 - "$work/rounds.txt" <<'PY'
import re, statistics, sys
c, k = [], []
for line in open(sys.argv[1]):
    m = re.search(r"cuda ([\d.]+) GB/s, update_disp_veloc ([\d.]+)", line)
    c.append(float(m.group(1))); k.append(float(m.group(2)))
mc = statistics.median(c)
print(f"interleaved medians: CUDA triad {mc:.1f} GB/s ({min(c):.1f}..{max(c):.1f}), update_disp_veloc "
      f"{statistics.median(k):.1f} GB/s ({min(k):.1f}..{max(k):.1f})"
      + (f": {100*statistics.median(k)/mc:.0f}% of the triad" if mc > 0 else ""))
PY
echo "== kiln-specfem, 300 steps, tuned configurations, against the naive references"
limited 60 "$driver" --db "$db" --device $dev --size 8x8x8 --steps 300 --reference
echo "== done ($(date -u +%FT%TZ))"
