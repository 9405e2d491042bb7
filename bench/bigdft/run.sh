#!/usr/bin/env bash
# BigDFT's 3-D magic filter and kinetic operator on this machine's CPU, at 64^3
# and 128^3, on three targets: host C without OpenMP, host C with OpenMP, and
# the first OpenCL device (PoCL here). For each (target, operator, size):
#  1. kiln tunes the operator's pass (bigdft.magicfilter3d / bigdft.kinetic3d on
#     the cube: the three passes are that one launch), random search over
#     BUDGET configurations plus the default;
#  2. bench3d measures, alternately in ROUNDS rounds, the straightforward
#     baseline (baseline.c, gcc -O3 -march=native -fopenmp, as many threads as
#     the target uses), kiln's default configuration and the tuned one, each as
#     the whole 3-D operator (three passes), after checking they agree.
# The f64 FMA peak (fma_peak.c) and the memory bandwidth (bench/stream_triad.c)
# are measured at the start and at the end of the same run, with all cores and
# with one thread: the one-thread target (host C without OpenMP) is bounded by
# what one core can do, and the summary shows it against both rooflines.
# usage: bench/bigdft/run.sh [BUDGET [ROUNDS]]   (after scripts/setup.sh)
#   writes bench/bigdft/out/: run.log (everything), tune-*.log per tuning
# SEARCHES: the tunings of each target, operator and size instead of the random
# search, ';'-separated `kiln tune` options into its database (the best of all is
# measured), e.g. the tiled space: SEARCHES='--set tile=16;--set tile=32'.
# KILN_EXTRA_LIBS: more link inputs for bench3d (-lpapi where kiln was built with PAPI).
# OTHER_STREAM=1: bench3d also measures (in its own alternating rounds with the baseline
# and the default) the fastest configuration of the database whose `stream` differs
# from kiln best's: the tuner times one pass with its caches warm, the 3-D operator
# reads each pass's output in the next (bench-*-other.txt; the summary shows both).
# Run it alone: flock /tmp/kiln-bench.lock bench/bigdft/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
budget=${1:-32}
rounds=${2:-9}
searches=${SEARCHES:---strategy random --budget $budget}
out=bench/bigdft/out
mkdir -p $out
B=build
kiln=$B/cli/kiln
rm -f $out/*.db $out/*.db-wal $out/*.db-shm
exec > >(tee $out/run.log) 2>&1

cmake --build $B -j2 >/dev/null
gcc -O3 -march=native -fopenmp -c bench/bigdft/baseline.c -o $out/baseline.o
gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I. -Iinclude -fopenmp bench/bigdft/bench3d.c $out/baseline.o \
    $B/kernels/libkiln_kernels.a $B/runtime/libkiln_runtime.a $B/generators/libkiln_gen.a $B/dsl/libkiln_dsl.a \
    -l:libOpenCL.so.1 ${KILN_EXTRA_LIBS:-} -ldl -lm -lpthread -o $out/bench3d
gcc -O3 -march=native -fopenmp bench/bigdft/fma_peak.c -o $out/fma_peak
gcc -O3 -march=native -fopenmp bench/stream_triad.c -o $out/stream_triad
cores=$(nproc)
# Two OpenMP teams share the cores (the baseline's in bench3d, kiln's in its host
# worker): spinning idle threads would take the cores from the other team.
export OMP_WAIT_POLICY=passive

measure_machine() {
  echo "== load average: $(cat /proc/loadavg)"
  echo "== f64 FMA peak, $cores threads: median min max GFLOP/s"
  OMP_NUM_THREADS=$cores $out/fma_peak 20000000 9 | tee $out/peak.txt
  echo "== f64 FMA peak, 1 thread"
  OMP_NUM_THREADS=1 $out/fma_peak 20000000 9 | tee $out/peak1.txt
  echo "== STREAM-style triad (3 x 64 MiB), $cores threads: median min max GB/s"
  OMP_NUM_THREADS=$cores $out/stream_triad $((1 << 24)) 20 | tee $out/bw.txt
  echo "== STREAM-style triad (3 x 64 MiB), 1 thread"
  OMP_NUM_THREADS=1 $out/stream_triad $((1 << 24)) 20 | tee $out/bw1.txt
}

echo "== machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(date -u +%FT%TZ)"
echo "== kiln $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes'), gcc $(gcc -dumpversion)"
$kiln devices
measure_machine

# target: name, kiln device, --openmp flag, threads of the baseline and of bench3d's host variants
targets=("host-serial host 0 1" "host-openmp host 1 $cores" "opencl 0 0 $cores")
for t in "${targets[@]}"; do
  read -r name dev omp threads <<<"$t"
  ompflag=(); [ "$omp" = 1 ] && ompflag=(--openmp)
  for op in magicfilter3d kinetic3d; do
    for n in 64 128; do
      size=${n}x${n}x${n}
      echo
      t0=$(date +%s.%N)
      # one database per target: kiln best does not tell OpenMP variants from the others
      db=$out/$name.db
      IFS=';' read -ra search <<<"$searches"
      for s in "${!search[@]}"; do
        echo "== $name: kiln tune bigdft.$op --size $size --device $dev ${ompflag[*]} ${search[$s]}"
        echo "load average: $(cat /proc/loadavg)"
        # shellcheck disable=SC2086 # the options of one search are words
        $kiln tune bigdft.$op --size $size --device $dev "${ompflag[@]}" ${search[$s]} \
          --seed 1 --db $db --verbose >$out/tune-$name-$op-$n-$s.log 2>&1 || true
        tail -12 $out/tune-$name-$op-$n-$s.log
      done
      echo "tuning wall $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
      json=$($kiln best bigdft.$op --size $size --device $dev --db $db --json)
      sets=$(python3 -c 'import json,sys; print(",".join("%s=%s" % kv for kv in json.loads(sys.argv[1])["config"].items()))' "$json")
      echo "== $name: bench3d $op $n, tuned $sets, $rounds rounds; load average $(cat /proc/loadavg)"
      OMP_NUM_THREADS=$threads $out/bench3d $op $n $dev $omp $threads $rounds "$sets" | tee $out/bench-$name-$op-$n.txt
      if [ "${OTHER_STREAM:-0}" = 1 ]; then
        other=$($kiln show bigdft.$op --size $size --device $dev --db $db --ok --format json | python3 -c '
import json, sys
best = json.loads(sys.argv[1])["config"]
rows = [r for r in json.load(sys.stdin) if r["config"].get("stream") != best.get("stream")]
if rows:
    c = min(rows, key=lambda r: r["median_ns"])["config"]
    print(",".join("%s=%s" % kv for kv in c.items()))' "$json")
        if [ -n "$other" ]; then
          echo "== $name: bench3d $op $n, the other stream's best $other, $rounds rounds; load average $(cat /proc/loadavg)"
          OMP_NUM_THREADS=$threads $out/bench3d $op $n $dev $omp $threads $rounds "$other" | tee $out/bench-$name-$op-$n-other.txt
        fi
      fi
    done
  done
done

echo
measure_machine
echo
echo "== summary (medians of the alternating rounds; roofline bound = min(peak, AI x bandwidth),"
echo "   AI = 2 * taps flops per 16 (magic filter) or 32 (kinetic) compulsory bytes per point and pass;"
echo "   %roof: the bandwidth of all cores (with the one-thread peak for host-serial), %roof1: host-serial"
echo "   against one core's roofline, its one-thread peak and one-thread triad)"
python3 - $out <<'PY'
import glob, os, re, sys
out = sys.argv[1]
peak = float(open(f"{out}/peak.txt").read().split()[0])
peak1 = float(open(f"{out}/peak1.txt").read().split()[0])
bw = float(open(f"{out}/bw.txt").read().split()[0])
bw1 = float(open(f"{out}/bw1.txt").read().split()[0])
print(f"FMA peak {peak:.1f} GFLOP/s ({peak1:.1f} on one core), bandwidth {bw:.1f} GB/s ({bw1:.1f} on one core)"
      " (end-of-run figures)")
print(f"{'target':12} {'op':14} {'n':>4} {'baseline':>9} {'default':>9} {'tuned':>9} {'x base':>7} {'x dflt':>7} {'%peak':>6} {'%roof':>6}"
      f" {'%roof1':>6}  (other stream: tuned, %roof)")

def gflops(path):
    g = {}
    for line in open(path):
        m = re.match(r"(baseline|default|tuned) \S+ n=\d+: .* ([\d.]+) GFLOP/s", line)
        if m:
            g[m.group(1)] = float(m.group(2))
    return g

for path in sorted(glob.glob(f"{out}/bench-*.txt")):
    name = os.path.basename(path)[6:-4]
    if name.endswith("-other"):
        continue
    target, op, n = name.rsplit("-", 2)
    g = gflops(path)
    other = gflops(path[:-4] + "-other.txt") if os.path.exists(path[:-4] + "-other.txt") else {}
    if len(g) < 3:
        print(f"{target:12} {op:14} {n:>4} (incomplete)")
        continue
    taps, bytes_pp = (16, 16) if op.startswith("magic") else (29, 32)
    p = peak1 if target == "host-serial" else peak
    roof = min(p, 2 * taps / bytes_pp * bw)
    roof1 = f"{100 * g['tuned'] / min(peak1, 2 * taps / bytes_pp * bw1):6.1f}" if target == "host-serial" else f"{'-':>6}"
    print(f"{target:12} {op:14} {n:>4} {g['baseline']:9.2f} {g['default']:9.2f} {g['tuned']:9.2f} "
          f"{g['tuned']/g['baseline']:7.2f} {g['tuned']/g['default']:7.2f} {100*g['tuned']/p:6.1f} {100*g['tuned']/roof:6.1f} {roof1}"
          + (f"  {other['tuned']:9.2f} {100*other['tuned']/roof:6.1f}" if "tuned" in other else ""))
PY
