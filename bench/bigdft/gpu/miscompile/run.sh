#!/usr/bin/env bash
# On the GPU machine: bigdft.kinetic for n = 32, 7 lines (unroll=2 vec=4 lanes=1 wrap=2
# full_taps=1 wg=64; k.cl as `kiln generate` wrote it at f8a298d, before the OpenCL
# generator's floored modulo used select()) and the same source with one thing changed,
# each built by NVIDIA's OpenCL with and without -cl-opt-disable:
#   unroll1  #pragma unroll 1 before every loop over the points
#   novload  vload4 replaced by four element loads
#   modp     kiln_modp_i32 as ((a % b) + b) % b
#   e        kiln_modp_i32 as r + (r < 0 ? b : 0)
#   f        kiln_modp_i32 as r + ((r >> 31) & b)
#   h        kiln_modp_i32 as select(r, r + b, (int)(r < 0))   (what the OpenCL generator writes now)
# usage: bench/bigdft/gpu/miscompile/run.sh   (gcc and the OpenCL headers at hand, or
# miscompile_probe built beside it)
set -u
cd "$(dirname "$0")"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
platform=${PLATFORM:-NVIDIA}   # PLATFORM=Portable runs it on PoCL (every variant right there)
[ "$platform" != NVIDIA ] || . ../../../gpu/nvidia_env.sh
[ -x ./miscompile_probe ] || gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L miscompile_probe.c -lOpenCL -o "$work/probe" || exit 1
probe=./miscompile_probe; [ -x "$probe" ] || probe=$work/probe
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
s = open('k.cl').read()
helper = '    int r = a % b;\n    return r < 0 ? r + b : r;'
assert helper in s
variants = {
    'unroll1': s.replace('for (int i = ', '#pragma unroll 1\n                for (int i = '),
    'novload': '#define kiln_vl4(o, p) ((double4)((p)[0], (p)[1], (p)[2], (p)[3]))\n' + s.replace('vload4(0, ', 'kiln_vl4(0, '),
    'modp': s.replace(helper, '    return ((a % b) + b) % b;'),
    'e': s.replace(helper, '    int r = a % b;\n    return r + (r < 0 ? b : 0);'),
    'f': s.replace(helper, '    int r = a % b;\n    return r + ((r >> 31) & b);'),
    'h': s.replace(helper, '    int r = a % b;\n    return select(r, r + b, (int)(r < 0));'),
}
for name, text in variants.items():
    open(f'{work}/k_{name}.cl', 'w').write(text)
PY
for f in k.cl "$work"/k_unroll1.cl "$work"/k_novload.cl "$work"/k_modp.cl "$work"/k_e.cl "$work"/k_f.cl "$work"/k_h.cl; do
  echo "== $(basename "$f")"; "$probe" "$platform" "$f" "" "-cl-opt-disable"
done
