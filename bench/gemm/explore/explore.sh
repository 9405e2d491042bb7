#!/usr/bin/env bash
# explore.sh (GPU machine, repository root): each source of the manifest timed
# at n=4096 by cl_gemm_time (bench/gemm/cl_gemm_time.c) with its registers and
# PTX instruction mix, then a kiln tune of a small subspace at 4096.
# D holds kiln, cl_gemm_time, manifest and src/ (gen.sh), carried to the GPU
# machine; the log of 2026-12-01 is explore.log beside this script.
set -uo pipefail
D=${D:-$PWD/.devrun/gemm2}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
. bench/gpu/nvidia_env.sh
export LD_LIBRARY_PATH=$PWD/.devrun/lib:$LD_LIBRARY_PATH NVIDIA_TF32_OVERRIDE=0
out=${OUT:-/tmp/out}; mkdir -p "$out/ptx" "$out/logs"
exec > >(tee "$out/explore.log") 2>&1
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
printf '%-10s %8s %7s %5s %6s | %6s %6s %6s %6s %6s %6s %6s\n' name ms tflops chk regs ldsv4 ldsf32 ldgv4 ldgf32 stsv4 stsf32 fma
while read -r name lx ly gx gy; do
  timeout 60 "$D/cl_gemm_time" "$D/src/$name.cl" gemm_nn 4096 $lx $ly $gx $gy 20 "$out/ptx/$name.ptx" -cl-nv-verbose > "$out/logs/$name.txt" 2>&1
  p=$out/ptx/$name.ptx
  r=$(tail -1 "$out/logs/$name.txt")
  ms=$(echo "$r" | sed -nE 's/.*median_ms=([0-9.]+).*/\1/p'); tf=$(echo "$r" | sed -nE 's/.*tflops=([0-9.]+).*/\1/p')
  ck=$(echo "$r" | sed -nE 's/.*check=([A-Za-z]+).*/\1/p')
  regs=$(grep -oE 'Used [0-9]+ registers' "$out/logs/$name.txt" | head -1 | grep -oE '[0-9]+')
  c() { grep -cE "$1" "$p" 2>/dev/null; }
  printf '%-10s %8s %7s %5s %6s | %6s %6s %6s %6s %6s %6s %6s\n' "$name" "$ms" "$tf" "$ck" "$regs" \
    $(c 'ld\.shared\.v4\.f32') $(c 'ld\.shared\.f32') $(c 'ld\.global(\.nc)?\.v4\.f32') $(c 'ld\.global(\.nc)?\.f32') \
    $(c 'st\.shared\.v4\.f32') $(c 'st\.shared\.f32') $(c 'fma\.rn\.f32')
done < "$D/manifest"
grep -h "spill\|ptxas" "$out"/logs/A8p_al.txt "$out"/logs/A16p_al.txt | head -8
echo "== kiln tune: 128x128, 16x16, 8x8, vectors 4, ta, db; kwg la lb pf ku free"
"$D/kiln" devices | head -3
timeout 150 "$D/kiln" tune gemm --size 4096 --device NVIDIA $(printf -- '--set %s ' mwg=128 nwg=128 mdim=16 ndim=16 sa=1 sb=1 ta=1 vwm=4 vwn=4 strided=1 pad=0 vwg=4 db=1) \
  --strategy exhaustive --time 100 --timeout 2000 --reps 10 --db "$out/explore.db" --confirm 0 --verbose 2>&1 | grep -E '^\[|best|stored'
echo "== done"
