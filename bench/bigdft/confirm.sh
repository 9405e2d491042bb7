#!/usr/bin/env bash
# One configuration of a BigDFT 3-D operator measured again, alternately with the
# baseline and the default configuration (bench3d), between two measurements of the
# f64 FMA peak and the memory bandwidth, for a configuration found by an earlier
# tuning (e.g. an exhaustive `kiln tune bigdft.magicfilter3d`).
# usage: bench/bigdft/confirm.sh OP N DEVICE OPENMP THREADS ROUNDS CONFIG   (bench3d's arguments)
#   after bench/bigdft/run.sh has built bench/bigdft/out/; prints to stdout
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/bigdft/out
export OMP_WAIT_POLICY=passive
measure() {
  echo "== load average: $(cat /proc/loadavg)"
  echo "== f64 FMA peak, $(nproc) threads: $(OMP_NUM_THREADS=$(nproc) $out/fma_peak 20000000 9) GFLOP/s (median min max)"
  echo "== triad bandwidth: $(OMP_NUM_THREADS=$(nproc) $out/stream_triad $((1 << 24)) 20) GB/s (median min max)"
}
echo "== $(date -u +%FT%TZ), kiln $(git rev-parse --short HEAD)"
measure
OMP_NUM_THREADS=$5 $out/bench3d "$@"
measure
