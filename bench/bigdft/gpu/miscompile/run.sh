#!/usr/bin/env bash
# On the GPU machine: bigdft.kinetic for n = 32, 7 lines (unroll=2 vec=4 lanes=1 wrap=2
# full_taps=1 wg=64, k.cl as `kiln generate` wrote it at f8a298d) and the same source with
# one thing changed, each built by NVIDIA's OpenCL with and without -cl-opt-disable:
#   k_unroll1.cl  #pragma unroll 1 before every loop over the points
#   k_novload.cl  vload4 replaced by four element loads
#   k_modp.cl     kiln_modp_i32 as ((a % b) + b) % b
#   k_e.cl        kiln_modp_i32 as r + (r < 0 ? b : 0)
#   k_f.cl        kiln_modp_i32 as r + ((r >> 31) & b)
#   k_h.cl        kiln_modp_i32 as select(r, r + b, r < 0)   (what the OpenCL generator now writes)
# usage: bench/bigdft/gpu/miscompile/run.sh   (the probe built beside it, or gcc and CL headers at hand)
set -u
cd "$(dirname "$0")"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
. ../../../gpu/nvidia_env.sh
[ -x ./miscompile_probe ] || gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L miscompile_probe.c -lOpenCL -o miscompile_probe || exit 1
for f in k.cl k_unroll1.cl k_novload.cl k_modp.cl k_e.cl k_f.cl k_h.cl; do
  echo "== $f"; ./miscompile_probe NVIDIA "$f" "" "-cl-opt-disable"
done
