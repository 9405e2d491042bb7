#!/usr/bin/env bash
# NVIDIA OpenCL compiler scaling probe (cold JIT cache): builds of the 327 matmul
# variants at n = 1024 serially, on threads, on processes, batched (probe_build.c).
# usage (repository root, on the GPU machine): D=DIR OUT=DIR bench/tuner/h200/compiler_scaling.sh
#   DIR holds kiln (built here) and src/v*.cl (made beforehand here with
#   `kiln generate matmul --size 1024 --set ...` for every valid configuration).
R=$PWD; D=${D:-$R/.devrun/h200}
work=/tmp/w; mkdir -p $work; . bench/gpu/nvidia_env.sh
export CUDA_CACHE_DISABLE=1
cp "$(dirname "$0")/probe_build.c" $D/ 2>/dev/null
cd $D; gcc -O2 -o probe probe_build.c -lOpenCL -lpthread 2>&1 | grep error
S=$(ls src/*.cl)
S64=$(ls src/*.cl | awk 'NR%5==0' | head -64)
run() { echo "+ $*"; timeout 120 ./probe "$@" | tee -a $OUT/probe2.log; }
run serial 1 $S64
run fetch 1 $S64
run binload 1 $S64
for t in 2 4 16; do run threads $t $S64; done
run threadctx 16 $S64
for p in 4 16; do run procs $p $S64; done
for b in 8 64; do run batch $b $S64; done
run procbatch 16 $S
run procs 16 $S
run serial 1 $S
nproc; uptime
