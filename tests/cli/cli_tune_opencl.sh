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
finish
