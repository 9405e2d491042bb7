# Tuning on the default OpenCL device (PoCL here). Skips where no OpenCL device exists.
. "$(dirname "$0")/lib.sh"

need_opencl_device
expect 0 "$KILN" tune matmul --size 64 --strategy random --budget 6 --seed 5
contains "best:"; contains "faster than the default"
expect 0 "$KILN" tune triad --size 65536 --strategy random --budget 4
contains "best:"
expect 0 "$KILN" tune laplace --size 64x32 --strategy random --budget 4
contains "best:"
expect 0 "$KILN" best matmul --size 64;   contains "matmul on"
# Every gemm parameter fixed, with 48 KiB of local tiles: more than the portable
# limit (32 KiB), within the device's (PoCL: far more). The --set is checked
# against the device's own limits, not refused before the device is known.
gemm_sets=()
for p in mwg=64 nwg=128 kwg=32 mdim=8 ndim=32 sa=1 sb=1 la=8 lb=32 pad=0 vwg=1 vwm=1 vwn=1 ta=1 db=1 pf=0 ku=0 strided=0; do
  gemm_sets+=(--set "$p")
done
expect 0 "$KILN" tune gemm --size 128 "${gemm_sets[@]}" --reps 1 --confirm 0
contains "1 configurations run"; contains "1 ok"
# Builds ahead in kiln-build processes: every configuration built there and
# verified, as in kiln's own threads; a count past 64 is refused, naming it.
expect 0 "$KILN" tune matmul --size 64 --set tile=16 --set local=0 --set wpt=8 --build-procs 2 --reps 1 --confirm 0 \
  --db "$WORK/procs.db"
contains "builds in up to 2 kiln-build processes"; contains "12 configurations run"; contains "12 ok, 0 failed"
expect 2 "$KILN" tune matmul --size 64 --build-procs 65
contains "--build-procs wants a count of build processes from 0 to 64, got '65'"
finish
