#!/usr/bin/env bash
# kiln with build processes vs Kernel Tuner on the H200 (cold caches).
# usage (repository root, on the GPU machine): D=DIR OUT=DIR [BPS="4 0"] [REPS=2] [NOCMP=1]
#   bench/tuner/h200/run.sh; DIR holds kiln and kiln-build (built here) and whl/ (the
#   wheels named in ../RESULTS.md); BPS: kiln alone first with each --build-procs.
set -u
R=$PWD; D=${D:-$R/.devrun/h200}
export LD_LIBRARY_PATH=$R/.devrun/lib
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site $D/whl/*.whl 2>&1 | tail -2
export PYTHONPATH=/tmp/site
work=/tmp/w; mkdir -p $work; . bench/gpu/nvidia_env.sh; export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$R/.devrun/lib
export CUDA_CACHE_DISABLE=1
for bp in ${BPS:-16 0}; do
  rm -rf /tmp/probe; mkdir -p /tmp/probe
  t0=$(date +%s.%N)
  KILN_CACHE_DIR=/tmp/probe/cache $D/kiln tune matmul --size 1024 --device NVIDIA --reps 7 --max-reps 7 --build-procs $bp --db /tmp/probe/k.db > /tmp/probe/out.txt 2>&1
  t1=$(date +%s.%N)
  echo "build-procs $bp: wall $(awk "BEGIN{print $t1-$t0}") s; $(grep '^best:' /tmp/probe/out.txt); $($D/kiln show matmul --db /tmp/probe/k.db --phases | tail -1)" | tee -a $OUT/probe3.log
  tail -4 /tmp/probe/out.txt; cp /tmp/probe/k.db $OUT/k-$bp.db; cp /tmp/probe/out.txt $OUT/out-$bp.txt
done
[ -n "${NOCMP:-}" ] && exit 0
KILN_DEVICE=NVIDIA KT_CTX=0:0 bash bench/tuner/vs_kernel_tuner.sh $D/kiln python3 1024 ${REPS:-2} $OUT/vs_kt_h200.log
