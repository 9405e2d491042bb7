# kiln tune --source on the default OpenCL device (PoCL here): the imported
# kernel's variants build and run there, and the reference (the default
# variant on the host C target) agrees with them.
. "$(dirname "$0")/../cli/lib.sh"
KERNELS=$(cd "$(dirname "$0")" && pwd)/kernels
need_opencl_device
expect 0 "$KILN" tune --confirm 0 --reps 1 --source "$KERNELS/gemm.cl" --kernel gemm --param TS=8,16 \
  --param WPT=1,4 --define UNROLL=2 --where "TS % WPT == 0" --where "n % TS == 0" --size 64 \
  --args "n=n; A[n*n]; B[n*n]; C[n*n]" --grid "n, n / WPT : TS, TS / WPT"
contains "[Portable Computing Language"; contains "4 configurations run"; contains " 0 failed"
expect 0 "$KILN" tune --confirm 0 --reps 1 --source "$KERNELS/pnpoly.cl" --kernel pnpoly --param PPT=1,4 \
  --define BETWEEN_METHOD=1 --define VERTICES=20 --size 2048 --args "n=n; bitmap[n]; px[n]; py[n]; vx[20]; vy[20]" \
  --grid "n / PPT : 64"
contains "2 configurations run"; contains " 0 failed"
finish
