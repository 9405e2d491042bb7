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
/usr/bin/time -f "wall %e s" $kiln tune triad --size $N "${devarg[@]}" --verbose 2>$out/triad.log | tee $out/triad.txt
tail -1 $out/triad.log
t_json=$($kiln best triad --size $N "${devarg[@]}" --json)
echo "$t_json"
python3 - "$t_json" "$s_med" <<'PY'
import json, sys
b = json.loads(sys.argv[1]); s = float(sys.argv[2])
print(f"tuned triad: {b['gbytes_per_s']:.2f} GB/s = {100*b['gbytes_per_s']/s:.1f}% of the OpenMP triad ({s:.2f} GB/s)")
PY

echo "== kiln tune matmul --size $M (random, 60 configurations + default)"
/usr/bin/time -f "wall %e s" $kiln tune matmul --size $M "${devarg[@]}" --strategy random --budget 60 --seed 1 --verbose \
  2>$out/matmul.log | tee $out/matmul.txt
tail -1 $out/matmul.log
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
