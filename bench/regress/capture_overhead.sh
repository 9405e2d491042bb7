#!/usr/bin/env bash
# What capture costs an application: tests/regress/capture/clapp (7 kernel launches on
# 1 MiB buffers by default) run natively on PoCL, through kiln-remoted, and through
# kiln-remoted --capture (a fresh daemon per run, started before the clock: all 7
# launches written), alternating in each round; whole-run wall times. Raw log on stdout;
# bench/regress/summary.py makes the medians and spreads.
# usage: bench/regress/capture_overhead.sh [BUILD_DIR=build] [ROUNDS=9] [N=262144]
#   KILN_BENCH_VENDORS=DIR: the daemons' real platform (kiln-remoted --vendors; default theirs)
#   run as: flock /tmp/kiln-bench.lock bench/regress/capture_overhead.sh | tee bench/regress/capture_overhead.log
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
rounds=${2:-9}
n=${3:-262144}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
app=$build/tests/regress/regress_clapp
daemon=$build/runtime/remote/kiln-remoted
mkdir -p "$work/vendors" "$work/cases"
echo "$build/runtime/remote/libkiln-remote-icd.so" > "$work/vendors/kiln-remote.icd"
vendors=()
[ -n "${KILN_BENCH_VENDORS:-}" ] && vendors=(--vendors "$KILN_BENCH_VENDORS")
"$daemon" --socket "$work/plain.sock" "${vendors[@]}" 2>/dev/null &
for _ in $(seq 100); do [ -S "$work/plain.sock" ] && break; sleep 0.1; done

echo "# capture_overhead: $(date -u +%FT%TZ) host $(hostname) n $n rounds $rounds"
echo "# loadavg before: $(cat /proc/loadavg)"
echo "# $(nproc) cores; $("$app" "$n" | head -1)"
run() { # mode: one timed run, in ms
  local t0 t1
  case $1 in
    native) t0=$(date +%s%N); "$app" "$n" >/dev/null; t1=$(date +%s%N) ;;
    remoted) t0=$(date +%s%N); OCL_ICD_VENDORS="$work/vendors" KILN_REMOTE_SOCKET="$work/plain.sock" "$app" "$n" >/dev/null; t1=$(date +%s%N) ;;
    capture)
      rm -f "$work/cases"/* "$work/capture.sock"
      "$daemon" --socket "$work/capture.sock" "${vendors[@]}" --capture "$work/cases" 2>/dev/null &
      local pid=$!
      for _ in $(seq 100); do [ -S "$work/capture.sock" ] && break; sleep 0.1; done
      t0=$(date +%s%N); OCL_ICD_VENDORS="$work/vendors" KILN_REMOTE_SOCKET="$work/capture.sock" "$app" "$n" >/dev/null; t1=$(date +%s%N)
      kill "$pid"; wait "$pid" 2>/dev/null || true ;;
  esac
  echo $(( (t1 - t0) / 1000 ))
}
run native >/dev/null; run remoted >/dev/null   # warm-up (PoCL's kernel cache)
modes=(native remoted capture)
for r in $(seq "$rounds"); do
  for k in 0 1 2; do
    m=${modes[$(( (k + r) % 3 ))]}
    echo "round $r $m $(run "$m") us"
  done
done
echo "# capture writes per run: $(ls "$work/cases" | wc -l) cases, $(du -sk "$work/cases" | cut -f1) KiB"
echo "# loadavg after: $(cat /proc/loadavg)"
