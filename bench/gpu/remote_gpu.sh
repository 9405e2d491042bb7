#!/usr/bin/env bash
# Runs kiln on the GPU machine: NVIDIA's OpenCL through the ICD loader, natively and remoted.
set -u
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/v; echo libnvidia-opencl.so.1 > /tmp/v/nvidia.icd
export OCL_ICD_VENDORS=/tmp/v
ln -sf /lib/x86_64-linux-gnu/libOpenCL.so.1 $here/libOpenCL.so.1   # the ocl-icd loader, which reads OCL_ICD_VENDORS
export LD_LIBRARY_PATH=$here
export KILN_DB=$OUT/remote.db KILN_CACHE_DIR=/tmp/kc
K=$here/kiln
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
$K devices
echo "== kiln tune matmul native"
( time $K tune matmul --size 1024 --device H100 --strategy random --budget 60 --seed 1 --verbose ) > $OUT/matmul_native.log 2>&1; tail -16 $OUT/matmul_native.log
echo "== remoted"
rm -rf /tmp/rv; mkdir -p /tmp/rv; echo $here/libkiln-remote-icd.so > /tmp/rv/kiln-remote.icd; cp /tmp/v/nvidia.icd /tmp/rv/
$here/kiln-remoted --socket /tmp/rv/sock --vendors /tmp/v > $OUT/daemon.log 2>&1 &
dpid=$!
for i in $(seq 1 600); do grep -q serving $OUT/daemon.log && break; sleep 0.1; done
export OCL_ICD_VENDORS=/tmp/rv KILN_REMOTE_SOCKET=/tmp/rv/sock
$K devices
( time $K tune matmul --size 1024 --device kiln-remote --strategy random --budget 60 --seed 1 --verbose ) > $OUT/matmul_remote.log 2>&1; tail -16 $OUT/matmul_remote.log
KILN_BENCH_NATIVE=NVIDIA timeout 200 $here/kiln_remote_bench 1024 > $OUT/remote_bench.md 2>&1; cat $OUT/remote_bench.md
kill $dpid; cat $OUT/daemon.log | tail -5
export OCL_ICD_VENDORS=/tmp/v

