#!/usr/bin/env bash
# gemm on this machine's PoCL device against CLBlast's SGEMM, same device:
#  1. kiln tune gemm at n=1024 (random search, fixed seed and budget), and how
#     many evaluations the search needed to come within 5% of the best it found;
#  2. at n=1024 and n=2048, the tuned configuration (the 1024 winner, and at
#     2048 also a short random search there) and CLBlast SGEMM timed in
#     alternating rounds; medians and ranges of the rounds.
# usage: bench/gemm/run.sh [BUDGET_1024] [BUDGET_2048]   (after scripts/setup.sh;
# needs libclblast-dev). Wrap it in flock /tmp/kiln-bench.lock on a shared machine.
# Writes bench/out/gemm/ (databases, JSON) and prints the raw log on stdout.
set -euo pipefail
cd "$(dirname "$0")/../.."
budget1=${1:-60}
budget2=${2:-8}
out=bench/out/gemm; mkdir -p $out
kiln=build/cli/kiln
db=$out/gemm.db
rm -f $db $db-wal $db-shm
# A variant slower than --timeout stops kiln on OpenCL (it cannot cancel a
# kernel); the row is stored as a timeout and tuning again resumes after it.
tune_resuming() {
  for attempt in 1 2 3 4 5 6 7 8; do
    $kiln tune "$@" && return 0
    echo "(kiln tune stopped; resuming, attempt $((attempt + 1)))"
  done
  return 1
}
cc -O2 -Wall -Wextra bench/gemm/clblast_sgemm.c -lclblast -lOpenCL -o $out/clblast_sgemm

echo "== $(date -u +%FT%TZ) $(git rev-parse --short HEAD) load: $(cat /proc/loadavg)"
nproc; grep -m1 'model name' /proc/cpuinfo || true
$kiln devices | head -4

echo "== kiln tune gemm --size 1024 --strategy random --budget $budget1 --seed 1"
t0=$(date +%s)
tune_resuming gemm --size 1024 --strategy random --budget "$budget1" --time 360 --timeout 3000 --seed 1 --db $db \
  --confirm 3 --verbose 2>&1
echo "wall $(( $(date +%s) - t0 )) s; load: $(cat /proc/loadavg)"
$kiln export gemm --size 1024 --db $db --format json --output $out/tune1024.json
python3 - $out/tune1024.json <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
ok = [(i, r) for i, r in enumerate(rows, 1) if r["verdict"] == "ok" and r["median_ns"]]
verdicts = {}
for r in rows:
    verdicts[r["verdict"]] = verdicts.get(r["verdict"], 0) + 1
best = min(r["median_ns"] for _, r in ok)
first = next(i for i, r in ok if r["median_ns"] <= 1.05 * best)
run_best = float("inf")
print("evaluations:", len(rows), "verdicts:", verdicts)
print(f"best {2 * 1024**3 / best:.2f} GFLOP/s; random search came within 5% of it at evaluation {first} of {len(rows)}")
print("best-so-far GFLOP/s after each 10 evaluations:", end="")
for i, r in enumerate(rows, 1):
    if r["verdict"] == "ok" and r["median_ns"]:
        run_best = min(run_best, r["median_ns"])
    if i % 10 == 0:
        print(f" {i}:{2 * 1024**3 / run_best:.1f}", end="")
print()
PY

sets_of() { python3 -c 'import json,sys; print(" ".join("--set %s=%s" % kv for kv in json.loads(sys.argv[1])["config"].items()))' "$1"; }
best1=$($kiln best gemm --size 1024 --db $db --json)
echo "winner at 1024: $best1"
sets1=$(sets_of "$best1")

echo "== kiln tune gemm --size 2048: the 1024 winner, then random --budget $budget2 --seed 2"
$kiln tune gemm --size 2048 $sets1 --db $db --confirm 0 --verbose 2>&1
tune_resuming gemm --size 2048 --strategy random --budget "$budget2" --time 150 --timeout 5000 --seed 2 --db $db \
  --confirm 2 --verbose 2>&1
best2=$($kiln best gemm --size 2048 --db $db --json)
echo "winner at 2048: $best2"
sets2=$(sets_of "$best2")

# kiln and CLBlast in alternating rounds; each kiln round is a fresh database,
# so the configuration is built, verified and timed again.
for n in 1024 2048; do
  sets=$sets1; [ $n = 2048 ] && sets=$sets2
  rounds=5; [ $n = 2048 ] && rounds=3
  echo "== alternating rounds at n=$n: clblast then kiln ($sets)"
  for r in $(seq 1 $rounds); do
    echo "load: $(cat /proc/loadavg)"
    $out/clblast_sgemm $n 5
    rm -f $out/round.db*
    $kiln tune gemm --size $n $sets --reps 5 --db $out/round.db --confirm 0 >/dev/null 2>&1
    $kiln best gemm --size $n --db $out/round.db --json |
      python3 -c 'import json,sys; b=json.load(sys.stdin); print("kiln gemm n=%s median_ms=%.3f gflops=%.2f" % (sys.argv[1], b["median_ns"]/1e6, b["gflops"]))' $n
  done
done
echo "== $(date -u +%FT%TZ) done; load: $(cat /proc/loadavg)"
