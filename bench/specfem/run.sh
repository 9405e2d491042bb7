#!/usr/bin/env bash
# The SPECFEM kernels on this machine, through PoCL and through the host C
# compiler (after scripts/setup.sh):
#  1. kiln tunes specfem.stiffness exhaustively on a 22x22x22 mesh (10,648
#     elements; the tuned launch is the pass over colour 0, 1,331 elements);
#  2. the best configuration, the default one and the naive double C
#     reference, timed alternately in 5 rounds (build/kernels/kiln_specfem_bench);
#  3. specfem.update_disp_veloc tuned on a 48x48x48 mesh (3 x 86 MB fields)
#     and re-measured alternately, 5 rounds, with two bandwidth peers on the
#     same fields: the same update in plain C (bench/specfem/update_peer.c) on
#     one thread and on every core (OpenMP); its GB/s as a fraction of the
#     better peer's, and of the STREAM-style OpenMP triad's (bench/stream_triad.c);
#  4. kiln-specfem: 300 steps with the tuned configurations, against the references.
# usage: bench/specfem/run.sh [OUTDIR]   (default bench/specfem/out; log: OUTDIR/cpu.log)
# Run under flock /tmp/kiln-bench.lock where others benchmark on the same machine.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-bench/specfem/out}; mkdir -p "$out"
kiln=$PWD/build/cli/kiln
bench=$PWD/build/kernels/kiln_specfem_bench
driver=$PWD/build/kernels/kiln-specfem
MESH=22x22x22
FIELD=48x48x48
exec > >(tee "$out/cpu.log") 2>&1
echo "== machine ($(date -u +%FT%TZ)), load $(cat /proc/loadavg)"
nproc; grep -m1 'model name' /proc/cpuinfo || true
"$kiln" devices
cc -O3 -march=native -fopenmp bench/stream_triad.c -o "$out/stream_triad" || exit 1
cc -O3 -march=native -fopenmp bench/specfem/update_peer.c -o "$out/update_peer" || exit 1
NF=$((3 * 193 * 193 * 193))   # values of one field of the 48x48x48 mesh
for dev in 0 host; do
  db=$out/specfem-$dev.db; rm -f "$db" "$db"-wal "$db"-shm
  echo; echo "==== device $dev"
  echo "== kiln tune specfem.stiffness --size $MESH (exhaustive), load $(cat /proc/loadavg)"
  t0=$(date +%s.%N)
  "$kiln" tune specfem.stiffness --size $MESH --device $dev --db "$db" 2>&1 | tail -22
  echo "tuning wall $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
  best=$("$kiln" best specfem.stiffness --size $MESH --device $dev --db "$db" --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["config"], separators=(",", ":")))')
  echo "== best, default and naive alternately, 5 rounds, load $(cat /proc/loadavg)"
  "$bench" $dev $MESH 5 "$best"

  echo "== kiln tune specfem.update_disp_veloc --size $FIELD (exhaustive), load $(cat /proc/loadavg)"
  "$kiln" tune specfem.update_disp_veloc --size $FIELD --device $dev --db "$db" 2>&1 | tail -16
  uj=$("$kiln" best specfem.update_disp_veloc --size $FIELD --device $dev --db "$db" --json)
  sets=$(python3 -c 'import json,sys; print(" ".join("--set %s=%s" % kv for kv in json.loads(sys.argv[1])["config"].items()))' "$uj")
  echo "== interleaved, 5 rounds: OpenMP triad N=2^24, the C update on 1 thread and on $(nproc) (medians of 20), then update_disp_veloc $sets (20 reps)"
  : > "$out/rounds-$dev.txt"
  for r in 1 2 3 4 5; do
    read -r o_med _ < <("$out/stream_triad" $((1 << 24)) 20)
    read -r p1 _ < <(OMP_NUM_THREADS=1 "$out/update_peer" $NF 20)
    read -r pn _ < <("$out/update_peer" $NF 20)
    rm -f "$out"/round.db*
    "$kiln" tune specfem.update_disp_veloc --size $FIELD --device $dev $sets --reps 20 --db "$out/round.db" >/dev/null 2>&1
    k_gbs=$("$kiln" best specfem.update_disp_veloc --size $FIELD --device $dev --db "$out/round.db" --json | python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["gbytes_per_s"])')
    echo "round $r: openmp $o_med GB/s, C update 1 thread $p1 GB/s, $(nproc) threads $pn GB/s, update_disp_veloc $k_gbs GB/s, load $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$out/rounds-$dev.txt"
  done
  python3 - "$out/rounds-$dev.txt" <<'PY'
import re, statistics, sys
o, p, k = [], [], []
for line in open(sys.argv[1]):
    m = re.search(r"openmp ([\d.]+) GB/s, C update 1 thread ([\d.]+) GB/s, \d+ threads ([\d.]+) GB/s, update_disp_veloc ([\d.]+)", line)
    o.append(float(m.group(1))); p.append(max(float(m.group(2)), float(m.group(3)))); k.append(float(m.group(4)))
mo, mp, mk = statistics.median(o), statistics.median(p), statistics.median(k)
print(f"interleaved medians: update_disp_veloc {mk:.2f} GB/s ({min(k):.2f}..{max(k):.2f}); "
      f"the better C update {mp:.2f} GB/s ({min(p):.2f}..{max(p):.2f}): {100*mk/mp:.0f}%; "
      f"OpenMP triad {mo:.2f} GB/s ({min(o):.2f}..{max(o):.2f}): {100*mk/mo:.0f}%")
PY
  echo "== kiln-specfem, 300 steps, tuned configurations, against the naive references"
  "$driver" --db "$db" --device $dev --size 6x6x6 --steps 300 --reference
done
echo "== done ($(date -u +%FT%TZ)), load $(cat /proc/loadavg)"
