#!/usr/bin/env bash
# bench/frontend/gpu.sh: the benchmark-shaped kernels of tests/frontend/kernels/,
# imported as they are, tuned on an NVIDIA GPU through NVIDIA's OpenCL (ICD
# loader), each kernel's search capped at 50 s so that the whole script ends
# within 8 minutes. Raw logs go to $OUT: gpu.log (what ran, with the load and
# the libclang used) and one <kernel>.log per tuning run, with its database.
#
# usage (from the repository root, with the kiln built on Debian 12):
#   OUT=/some/dir bench/frontend/gpu.sh [path/to/kiln, default build/cli/kiln]
# kiln opens libclang at run time: the script takes the first libclang the
# dynamic loader knows (any version 14 or later), or $KILN_LIBCLANG.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
K=${1:-$root/build/cli/kiln}
: "${OUT:?set OUT to the folder that receives the logs}"
mkdir -p "$OUT"
KERNELS=$root/tests/frontend/kernels
log=$OUT/gpu.log
mkdir -p /tmp/v; echo libnvidia-opencl.so.1 > /tmp/v/nvidia.icd
export OCL_ICD_VENDORS=/tmp/v
ln -sf /lib/x86_64-linux-gnu/libOpenCL.so.1 /tmp/v/libOpenCL.so.1   # the ocl-icd loader, which reads OCL_ICD_VENDORS
export LD_LIBRARY_PATH=/tmp/v${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export KILN_DB=$OUT/frontend.db KILN_CACHE_DIR=/tmp/kiln-frontend-cache
if [ -z "${KILN_LIBCLANG:-}" ]; then
  KILN_LIBCLANG=$(ldconfig -p | grep -oE '/[^ ]*/libclang(-[0-9]+)?\.so(\.[0-9]+)*$' | sort -V | tail -1)
  export KILN_LIBCLANG
fi
{
  echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -n), load $(cat /proc/loadavg)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
  echo "== libclang: ${KILN_LIBCLANG:-none found}"
  "$K" devices 2>&1
} > "$log"
cat "$log"
if [ -z "${KILN_LIBCLANG:-}" ]; then
  echo "no libclang on this machine: kiln cannot import (install libclang1-NN or set KILN_LIBCLANG)" | tee -a "$log"
  exit 1
fi
tune() { # NAME ARGS...: one tuning run on the NVIDIA device, its output in $OUT/NAME.log
  local name=$1; shift
  echo "== kiln tune --source $name.cl $*" >> "$log"
  local start=$(date +%s.%N)
  "$K" tune --device NVIDIA --time 50 --confirm 3 --verbose --source "$KERNELS/$name.cl" --kernel "$name" "$@" \
    > "$OUT/$name.log" 2>&1
  local rc=$? end=$(date +%s.%N)
  echo "   exit $rc, wall $(echo "$end - $start" | bc) s" >> "$log"
  grep -E "configurations run|^best:|faster than" "$OUT/$name.log" >> "$log"
  tail -3 "$log"
}
tune gemm --param TS=8,16,32 --param WPT=1,2,4,8 --param UNROLL=1,4 --where "TS % WPT == 0" \
  --where "n % TS == 0" --size 1024 --args "n=n; A[n*n]; B[n*n]; C[n*n]" --grid "n, n / WPT : TS, TS / WPT"
tune convolution --param TILE_X=1,2,4 --param TILE_Y=1,2,4 --param UNROLL_FH=1,0 --param BX=16,32 \
  --define FW=5 --define FH=5 --size 2048x2048 \
  --args "w=nx; h=ny; output[nx*ny]; input[(nx+4)*(ny+4)]; filter[25]" \
  --grid "nx / TILE_X, ny / TILE_Y : BX, 8" --where "nx % (BX * TILE_X) == 0" --where "ny % (8 * TILE_Y) == 0"
tune hotspot --param WORK_X=1,2,4,8 --param BX=16,32,64 --param BY=2,4,8 --size 4096x4096 \
  --args "nx=nx; ny=ny; power[nx*ny]; temp[nx*ny] 300..340; result[nx*ny]; cap=0.5; rx=0.1; ry=0.1; rz=0.05; amb=80.0" \
  --grid "nx / WORK_X, ny : BX, BY" --where "nx % (BX * WORK_X) == 0"
tune pnpoly --param PPT=1,2,4,8 --param BETWEEN_METHOD=0,1 --param WG=64,128,256 --define VERTICES=200 \
  --size 1048576 --args "n=n; bitmap[n]; px[n]; py[n]; vx[200]; vy[200]" --grid "n / PPT : WG" \
  --where "n % (WG * PPT) == 0"
tune nbody --param UNROLL=1,2,4,8 --param WG=64,128,256 --size 8192 \
  --args "n=n; x[n]; y[n]; z[n]; m[n]; ax[n]; ay[n]; az[n]" --grid "n : WG"
tune dedispersion --param SAMPLES_PER_ITEM=1,2,4,8 --param UNROLL_CH=1,4,8 --param WG=64,128 --size 65536x64 \
  --args "nsamp=nx; nin=nx+1024; nchan=256; input[256*(nx+1024)]; shifts[ny*256] 0..1024; output[nx*ny]" \
  --grid "nx / SAMPLES_PER_ITEM, ny : WG, 1" --where "nx % (WG * SAMPLES_PER_ITEM) == 0"
echo "== done $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(cat /proc/loadavg)" >> "$log"
