#!/usr/bin/env bash
# The recorded data of the strategy benchmark: exhaustive kiln tunings on an NVIDIA
# GPU (NVIDIA's OpenCL), one database per job, jobs side by side (each builds its
# variants on its own cores; the GPU is shared, so the figures carry some contention
# noise: they are the data strategies are replayed on, not speed claims).
# laplace and laplace_rgb are split on a 0/1 parameter into two jobs each;
# merge.py joins the parts afterwards.
# usage (repository root, on the GPU machine): bench/strategy/collect.sh KILN OUTDIR
set -uo pipefail
kiln=$1; out=$2; mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. bench/gpu/nvidia_env.sh  # run from the repository root
echo "== $(date -u +%FT%TZ) load $(cat /proc/loadavg)"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
"$kiln" devices
job() { # name db args...
  local name=$1 db=$2; shift 2
  ( s=$(date +%s); "$kiln" tune "$@" --device NVIDIA --strategy exhaustive --confirm 0 --time ${KILN_JOB_TIME:-200} \
      --db "$out/$db" >"$out/$name.log" 2>&1; echo "$name rc $? $(( $(date +%s) - s )) s" >>"$out/jobs.txt" ) &
}
job matmul matmul.db matmul --size 1024
job laplace0 laplace0.db laplace --set synth=0
job laplace1 laplace1.db laplace --set synth=1
job rgb0 rgb0.db laplace_rgb --set synthesizing_loads=0
job rgb1 rgb1.db laplace_rgb --set synthesizing_loads=1
job magicfilter magicfilter.db bigdft.magicfilter
job analysis analysis.db bigdft.analysis
job stiffness stiffness.db specfem.stiffness
wait
cat "$out/jobs.txt"
for f in "$out"/*.log; do echo "== $f"; grep -E "configurations run|^best" "$f"; done
echo "== $(date -u +%FT%TZ)"
