#!/usr/bin/env bash
# On the GPU machine, from the repository root, with kiln built elsewhere and carried in
# .devrun/b3 (build/: kiln, kiln-build, the static libraries bench3d links, the two test
# programs; lib/: the PAPI, libpfm and SQLite libraries kiln was built with): the fused
# kinetic operator's tests on NVIDIA's OpenCL, then bench/bigdft/gpu.sh for the kinetic
# operator only: the three passes tuned over the tiled space of the earlier winners
# (tile 16, wg 256, unroll 1..8), bigdft.kinetic3d_fused tuned by FUSED (default: the model
# strategy over its blocks with wg1 16..64, 100 configurations, then every zb and work-group
# of one-point columns), and bench3d's alternating rounds of the CPU baseline, the default,
# the tuned three passes and the fused operator. RUN names the folder under $OUT.
set -u
b3=$PWD/.devrun/b3 lib=$PWD/.devrun/b3/lib
ln -sfn "$b3/build" build
export LD_LIBRARY_PATH=$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
(work=$(mktemp -d); . bench/gpu/nvidia_env.sh
 for t in test_bigdft_fused test_bigdft_invariants; do
   start=$(date +%s); timeout 150 build/tests/bigdft/$t cl >"$OUT/$t-nvidia.log" 2>&1
   echo "$t cl rc $? in $(( $(date +%s) - start )) s"; tail -2 "$OUT/$t-nvidia.log"
 done; rm -rf "$work")
OUT=$OUT/${RUN:-gpu} KILN_REV=$(cat "$b3/REV") MEASURE_AFTER=0 OPS=kinetic3d \
KILN_EXTRA_LIBS="$lib/libpapi.so.7.0 -Wl,-rpath-link,$lib" \
SEARCHES='--set wg=256 --set full_taps=1 --set tile=16 --confirm 3' \
FUSED=${FUSED:-'--set wg1=16,32,64 --set idx64=0 --strategy model --budget 100 --confirm 3;--set vec=1 --set yb=1 --set xwin=0 --set full_taps=1 --set wg1=16,32,64 --confirm 3'} \
timeout 380 bench/bigdft/gpu.sh 0 9 | tail -70
