#!/usr/bin/env bash
# kiln alone on the H200 with --trace, cold caches, each --build-procs in BPS.
# usage (repository root, on the GPU machine): OUT=DIR [BPS="4 8"] [JIT_CACHE=fresh] bench/tuner/h200/trace.sh
#   with kiln and kiln-build (built here) in .devrun/h200; writes OUT/trace-N.json.gz, OUT/out-N.txt
#   (bench/tuner/h200/trace_summary.py reads the traces)
set -u
R=$PWD; D=$R/.devrun/h200
export LD_LIBRARY_PATH=$R/.devrun/lib
work=/tmp/w; mkdir -p $work; . bench/gpu/nvidia_env.sh; export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$R/.devrun/lib
export CUDA_CACHE_DISABLE=1
nproc; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
for bp in ${BPS:-4 8}; do
  rm -rf /tmp/probe; mkdir -p /tmp/probe
  t0=$(date +%s.%N)
  if [ "${JIT_CACHE:-off}" = fresh ]; then unset CUDA_CACHE_DISABLE; export CUDA_CACHE_PATH=/tmp/probe/nvcache; fi
  KILN_CACHE_DIR=/tmp/probe/cache $D/kiln tune matmul --size 1024 --device NVIDIA --reps 7 --max-reps 7 --build-procs $bp --db /tmp/probe/k.db --trace $OUT/trace-$bp.json > $OUT/out-$bp.txt 2>&1
  t1=$(date +%s.%N)
  echo "build-procs $bp: wall $(python3 -c "print(round($t1-$t0,2))") s; $(grep '^best:' $OUT/out-$bp.txt); $($D/kiln show matmul --db /tmp/probe/k.db --phases | tail -1)"
  tail -3 $OUT/out-$bp.txt
  gzip -f $OUT/trace-$bp.json
done
