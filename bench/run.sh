#!/usr/bin/env bash
# kiln's benchmark: on one OpenCL device (default: the first, PoCL here),
#  1. the tuned triad as a fraction of the bandwidth a STREAM-style OpenMP triad
#     measures in the same run;
#  2. the tuned matrix multiply in GFLOP/s next to the slowest and the default variant.
# usage: bench/run.sh [DEVICE]   (after scripts/setup.sh); writes bench/out/
set -euo pipefail
cd "$(dirname "$0")/.."
dev=${1:-}
devarg=(); [ -n "$dev" ] && devarg=(--device "$dev")
out=bench/out; mkdir -p $out
export KILN_DB=$out/bench.db
rm -f $KILN_DB $KILN_DB-wal $KILN_DB-shm
kiln=build/cli/kiln
N=$((1 << 24))        # 3 x 64 MiB: far beyond the caches
M=512

cc -O3 -march=native -fopenmp bench/stream_triad.c -o $out/stream_triad
echo "== machine"; nproc; grep -m1 'model name' /proc/cpuinfo || true
echo "== STREAM-style OpenMP triad, N=$N f32, 30 reps: median min max GB/s"
read -r s_med s_min s_max < <($out/stream_triad $N 30)
echo "$s_med $s_min $s_max"

echo "== kiln tune triad --size $N (exhaustive)"
t0=$(date +%s.%N)
$kiln tune triad --size $N "${devarg[@]}" --verbose 2>$out/triad.log | tee $out/triad.txt
echo "wall $(python3 -c "print(round($(date +%s.%N) - $t0, 2))") s"
t_json=$($kiln best triad --size $N "${devarg[@]}" --json)
echo "$t_json"
python3 - "$t_json" "$s_med" <<'PY'
import json, sys
b = json.loads(sys.argv[1]); s = float(sys.argv[2])
print(f"tuned triad: {b['gbytes_per_s']:.2f} GB/s = {100*b['gbytes_per_s']/s:.1f}% of the OpenMP triad ({s:.2f} GB/s)")
PY

# The machine's bandwidth drifts (shared VM): re-measure the tuned triad and the OpenMP
# triad alternately, 5 rounds each, and compare the medians of the rounds.
sets=$(python3 -c 'import json,sys; print(" ".join("--set %s=%s" % kv for kv in json.loads(sys.argv[1])["config"].items()))' "$t_json")
echo "== interleaved re-measurement: $sets"
: > $out/rounds.txt
for r in 1 2 3 4 5; do
  read -r o_med _ < <($out/stream_triad $N 20)
  rm -f $out/round.db*
  $kiln tune triad --size $N "${devarg[@]}" $sets --reps 20 --db $out/round.db >/dev/null 2>&1
  k_gbs=$($kiln best triad --size $N "${devarg[@]}" --db $out/round.db --json | python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["gbytes_per_s"])')
  echo "round $r: openmp $o_med GB/s, kiln $k_gbs GB/s" | tee -a $out/rounds.txt
done
python3 - $out/rounds.txt <<'PY'
import re, statistics, sys
o, k = [], []
for line in open(sys.argv[1]):
    m = re.search(r"openmp ([\d.]+) GB/s, kiln ([\d.]+)", line)
    o.append(float(m.group(1))); k.append(float(m.group(2)))
print(f"interleaved medians: OpenMP triad {statistics.median(o):.2f} GB/s (range {min(o):.2f}..{max(o):.2f}), "
      f"tuned kiln triad {statistics.median(k):.2f} GB/s (range {min(k):.2f}..{max(k):.2f}): "
      f"{100*statistics.median(k)/statistics.median(o):.0f}%")
PY

echo "== kiln tune matmul --size $M (random, 60 configurations + default)"
t0=$(date +%s.%N)
$kiln tune matmul --size $M "${devarg[@]}" --strategy random --budget 60 --seed 1 --verbose \
  2>$out/matmul.log | tee $out/matmul.txt
echo "wall $(python3 -c "print(round($(date +%s.%N) - $t0, 2))") s"
$kiln export matmul --format json --ok --output $out/matmul.json
python3 - $out/matmul.json <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
rows.sort(key=lambda r: r["median_ns"])
best, slow = rows[0], rows[-1]
print(f"matmul: {len(rows)} correct variants; best {best['gflops']:.2f} GFLOP/s {best['config']}, "
      f"slowest {slow['gflops']:.2f} GFLOP/s {slow['config']}")
PY
grep -E 'faster than the default' $out/matmul.txt || true
