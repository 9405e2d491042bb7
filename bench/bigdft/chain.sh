#!/usr/bin/env bash
# After bench/bigdft/run.sh: for each target, operator and size, the tuned
# configuration of its database (bench/bigdft/out/TARGET.db) timed by chain.c:
# the three passes back to back (each reading what the previous one wrote), and
# after a 64 MiB array was touched (as bench3d's other variants do between two
# runs). Writes bench/bigdft/out/chain.log.
# usage: bench/bigdft/chain.sh [ROUNDS]   (run it alone: flock /tmp/kiln-bench.lock)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-15}
out=bench/bigdft/out
B=build
kiln=$B/cli/kiln
exec > >(tee $out/chain.log) 2>&1
gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I. -Iinclude -fopenmp bench/bigdft/chain.c \
    $B/kernels/libkiln_kernels.a $B/runtime/libkiln_runtime.a $B/generators/libkiln_gen.a $B/dsl/libkiln_dsl.a \
    -l:libOpenCL.so.1 ${KILN_EXTRA_LIBS:-} -ldl -lm -lpthread -o $out/chain
export OMP_WAIT_POLICY=passive
echo "== kiln $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes'), $(date -u +%FT%TZ)"
targets=("host-serial host 0 1" "host-openmp host 1 $(nproc)" "opencl 0 0 $(nproc)")
for t in "${targets[@]}"; do
  read -r name dev omp threads <<<"$t"
  for op in magicfilter3d kinetic3d; do
    for n in 64 128; do
      json=$($kiln best bigdft.$op --size ${n}x${n}x${n} --device $dev --db $out/$name.db --json)
      sets=$(python3 -c 'import json,sys; print(",".join("%s=%s" % kv for kv in json.loads(sys.argv[1])["config"].items()))' "$json")
      echo "== $name $op $n: $sets; load average $(cat /proc/loadavg)"
      OMP_NUM_THREADS=$threads $out/chain $op $n $dev $omp $rounds "$sets"
    done
  done
done
