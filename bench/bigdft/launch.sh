#!/usr/bin/env bash
# What a 3-D operator's three launches cost beyond the kernels' own time, the
# passes launched one by one (each waited for before the next) against one
# kiln_program_run_list of three, alternately in each round:
#  1. launch.c: three runs of a kernel that busy-waits 300 us, on the host
#     backend without and with OpenMP, first as the machine is, then beside
#     one more busy process (a stand-in for another job's thread on the two
#     cores);
#  2. bench3d with BENCH3D_SEPARATE=1: the 3-D magic filter and kinetic
#     operator at 64^3 and 128^3 (the configuration TUNED, by default the
#     transposed winner of the earlier runs) on host C without and with
#     OpenMP and on the first OpenCL device, the tuned operator as one list
#     ("tuned") and launched pass by pass ("tuned-separate").
# usage: bench/bigdft/launch.sh [ROUNDS [TUNED]]   (after a build; run it alone:
#   flock /tmp/kiln-bench.lock); writes bench/bigdft/out/launch.log
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-9}
tuned=${2:-unroll=8,vec=8,lanes=2,wrap=2,acc=0,full_taps=1,wg=16,map=0,tile=0,stream=1}
out=bench/bigdft/out
B=build
mkdir -p $out
exec > >(tee $out/launch.log) 2>&1
cmake --build $B -j2 >/dev/null
libs=($B/runtime/libkiln_runtime.a $B/generators/libkiln_gen.a $B/dsl/libkiln_dsl.a -l:libOpenCL.so.1
      ${KILN_EXTRA_LIBS:-} -ldl -lm -lpthread)
gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I. -Iinclude bench/bigdft/launch.c "${libs[@]}" -o $out/launch
gcc -O3 -march=native -fopenmp -c bench/bigdft/baseline.c -o $out/baseline.o
gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I. -Iinclude -fopenmp bench/bigdft/bench3d.c $out/baseline.o \
    $B/kernels/libkiln_kernels.a "${libs[@]}" -o $out/bench3d
cores=$(nproc)
export OMP_WAIT_POLICY=passive # as run.sh: two OpenMP teams share the cores
echo "== kiln $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes'), $(date -u +%FT%TZ), $cores cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"

spin_runs() {
  for r in 1 2 3; do
    echo "load average $(cat /proc/loadavg)"
    OMP_NUM_THREADS=1 $out/launch 300 0 $((rounds * 10))
    OMP_NUM_THREADS=$cores $out/launch 300 1 $((rounds * 10))
  done
}
echo "== launch.c, as the machine is"
spin_runs
echo "== launch.c, beside one more busy process"
sh -c 'while :; do :; done' &
busy=$!
trap 'kill $busy 2>/dev/null || true' EXIT
spin_runs
kill $busy
trap - EXIT

targets=("host-serial host 0 1" "host-openmp host 1 $cores" "opencl 0 0 $cores")
for t in "${targets[@]}"; do
  read -r name dev omp threads <<<"$t"
  for op in magicfilter3d kinetic3d; do
    for n in 64 128; do
      echo "== $name: bench3d $op $n, $tuned, $rounds rounds; load average $(cat /proc/loadavg)"
      BENCH3D_SEPARATE=1 OMP_NUM_THREADS=$threads $out/bench3d $op $n $dev $omp $threads $rounds "$tuned" |
        grep -E '^(tuned|check)'
    done
  done
done
