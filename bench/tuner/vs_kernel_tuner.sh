#!/usr/bin/env bash
# kiln against Kernel Tuner on the same space, device and verification, side by
# side in one run, alternating, every run with cold caches.
#
# usage: bench/tuner/vs_kernel_tuner.sh KILN PYTHON N REPS LOG [NAME=VALUE ...]
#   KILN    the kiln binary;  PYTHON  a python3 with kernel_tuner and pyopencl
#   N       matmul size;      REPS    runs of each tuner (alternating)
#   LOG     raw log (appended); NAME=VALUE fixes a parameter in both tuners
# KILN_BEFORE=path: another kiln (an earlier build) also runs in the
# alternation, with the same arguments but --max-reps (which it may lack),
# and KILN_BEFORE_ARGS (default --confirm 5) added.
# The device: KILN_DEVICE (a `kiln devices` name or index, given to kiln as
# --device) and KT_CTX (pyopencl's PYOPENCL_CTX, "platform:device") must name
# the same one; by default the first OpenCL device for both. With NVIDIA's
# OpenCL beside PoCL (bench/gpu/nvidia_env.sh) name it: PoCL may come first. Both tune every valid configuration of
# kiln's matmul (kiln's constraints, read by matmul_space.py), the same
# OpenCL sources (kiln generates them; Kernel Tuner gets them per
# configuration), 7 timed runs each (kiln: --reps 7 --max-reps 7; its race
# stops a hopeless variant after 3), verification against a float64
# reference on every configuration. kiln runs with its defaults otherwise
# (builds ahead on one thread per core, the confirmation round of the 5
# fastest). Cold caches: a fresh kiln binary cache, PoCL cache, pyopencl
# cache (PYOPENCL_NO_CACHE) and CUDA JIT cache (CUDA_CACHE_DISABLE) per run;
# with JIT_CACHE=fresh the CUDA JIT cache is on, as the driver has it by
# default, but in an empty folder of each run's own (CUDA_CACHE_PATH), for
# both tuners. Wall time is the whole process, from its start to its exit.
set -euo pipefail
kiln=$1 python=$2 n=$3 reps=$4 log=$5
shift 5
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kiln-vs-kt.XXXXXX")
sets=()
for s in "$@"; do sets+=(--set "$s"); done
export CUDA_CACHE_DISABLE=1 PYOPENCL_NO_CACHE=1 PYOPENCL_CTX=${KT_CTX:-0}; export KT_CTX=${KT_CTX:-0:0} PYTHONUNBUFFERED=1
[ "${JIT_CACHE:-off}" = fresh ] && unset CUDA_CACHE_DISABLE
# jit DIR: the CUDA JIT cache of a run (JIT_CACHE=fresh), else nothing
jit() { [ "${JIT_CACHE:-off}" = fresh ] && echo "CUDA_CACHE_PATH=$1/nvcache" || echo "JIT_CACHE=off"; }
device=(${KILN_DEVICE:+--device "$KILN_DEVICE"})
now() { date +%s.%N; }
say() { echo "$*" | tee -a "$log"; }

say "== $(date -u +%FT%TZ) matmul n=$n reps=$reps fixed: ${*:-none}; CUDA JIT cache: ${JIT_CACHE:-off}"
say "host: $(uname -n) $(nproc) cores; $("$kiln" --version)"
say "device: ${KILN_DEVICE:-the first} (kiln), PYOPENCL_CTX=$PYOPENCL_CTX (Kernel Tuner); $("$kiln" devices | sed -n 3,6p | tr -s ' ' | paste -sd';')"
say "kernel_tuner $("$python" -c 'import kernel_tuner, pyopencl, numpy; print(kernel_tuner.__version__, "pyopencl", pyopencl.VERSION_TEXT, "numpy", numpy.__version__)')"
count=$("$python" "$here/matmul_space.py" "$kiln" "$n" "$work/space.json" "$@")
say "configurations: $count"

# run_kiln RUN [LABEL BINARY EXTRA...]
run_kiln() {
  local r=$1 label=${2:-kiln} bin=${3:-$kiln}
  shift $(($# < 3 ? $# : 3))
  local extra=("$@")
  [ ${#extra[@]} -gt 0 ] || extra=(--max-reps 7)
  local dir=$work/$label$r; mkdir -p "$dir/pocl"
  local t0; t0=$(now)
  env "$(jit "$dir")" KILN_CACHE_DIR=$dir/cache POCL_CACHE_DIR=$dir/pocl "$bin" tune matmul --size "$n" "${device[@]}" "${sets[@]}" \
    --reps 7 "${extra[@]}" --db "$dir/kiln.db" > "$dir/out.txt" 2>&1 || say "$label run $r exited $?: $(tail -3 "$dir/out.txt")"
  local t1; t1=$(now)
  local best; best=$(grep '^best:' "$dir/out.txt" || true)
  local phases=""
  [ "$bin" = "$kiln" ] && phases=$("$kiln" show matmul --db "$dir/kiln.db" --phases | tail -1)
  local rows; rows=$("$bin" show matmul --db "$dir/kiln.db" | tail -1 || true)
  say "$label run $r: wall $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s; $rows; $best; $phases"
}
run_kt() {
  local dir=$work/kt$1; mkdir -p "$dir/pocl"
  local t0; t0=$(now)
  env "$(jit "$dir")" POCL_CACHE_DIR=$dir/pocl "$python" "$here/kt_matmul.py" "$work/space.json" "$n" 7 "$dir/kt.json" > "$dir/out.txt" 2>&1 ||
    say "kernel_tuner run $1 exited $?: $(tail -3 "$dir/out.txt")"
  local t1; t1=$(now)
  say "kernel_tuner run $1: wall $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s; $(tail -1 "$dir/out.txt"); $("$python" -c "import json,sys; s=json.load(open(sys.argv[1])); print('compile %.2f s, verification %.2f s, benchmark %.2f s' % (s['compile_s'], s['verification_s'], s['benchmark_s']))" "$dir/kt.json")"
}
echo "$work" > "$work.path"  # where the databases are, for the caller
for r in $(seq 1 "$reps"); do
  if [ $((r % 2)) = 1 ]; then run_kiln "$r"; run_kt "$r"; else run_kt "$r"; run_kiln "$r"; fi
  [ -z "${KILN_BEFORE:-}" ] || run_kiln "$r" kiln-before "$KILN_BEFORE" ${KILN_BEFORE_ARGS:---confirm 5}
done
"$python" - "$log" "$reps" <<'PY' | tee -a "$log"
import re, statistics, sys
lines = open(sys.argv[1]).read().split("== ")[-1].splitlines()
for who in ("kiln", "kernel_tuner", "kiln-before"):
    w = [float(m.group(1)) for l in lines if (m := re.match(who + r" run \d+: wall ([\d.]+) s", l))]
    if w:
        print("%s: median wall %.2f s over %d runs (min %.2f, max %.2f)" % (who, statistics.median(w), len(w), min(w), max(w)))
k = [float(m.group(1)) for l in lines if (m := re.match(r"kiln run \d+: wall ([\d.]+) s", l))]
t = [float(m.group(1)) for l in lines if (m := re.match(r"kernel_tuner run \d+: wall ([\d.]+) s", l))]
if k and t:
    print("kernel_tuner / kiln wall time: %.2fx (medians)" % (statistics.median(t) / statistics.median(k)))
PY
