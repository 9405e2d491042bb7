#!/usr/bin/env bash
# Energy and counters per variant on an NVIDIA GPU machine: kiln tunes the
# triad and the matmul on NVIDIA's OpenCL with --energy (NVML) and the host
# threads' software events, and asks for PAPI counters on the host C target
# (refused where the machine exposes no CPU counters).
# usage (repository root, kiln built in build/; LIBS: a folder with the
# shared libraries kiln needs that the machine lacks, e.g. libpapi):
#   bench/energy/gpu.sh OUTDIR [LIBS]
set -uo pipefail
out=${1:?OUTDIR}; libs=${2:-}
mkdir -p "$out"
kiln=$PWD/build/cli/kiln
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export LD_LIBRARY_PATH=${libs:+$libs${LD_LIBRARY_PATH:+:}}${LD_LIBRARY_PATH:-}
. "$(cd "$(dirname "$0")/../gpu" && pwd)/nvidia_env.sh"   # NVIDIA's OpenCL through ocl-icd, the cache in $work
exec > >(tee "$out/energy_gpu.log") 2>&1
echo "== machine ($(date -u +%FT%TZ))"
nvidia-smi --query-gpu=name,driver_version,power.draw,power.limit --format=csv,noheader
"$kiln" devices
db=$work/energy.db
echo "== triad 2^26, 16 random configurations, --energy --counters sw:task-clock,sw:context-switches"
time "$kiln" tune triad --size $((1 << 26)) --device NVIDIA --strategy random --budget 16 --energy --counters sw:task-clock,sw:context-switches --db "$db" 2>&1 | tail -12
echo "== matmul 1024, 24 random configurations, --objective edp"
time "$kiln" tune matmul --size 1024 --device NVIDIA --strategy random --budget 24 --objective edp --db "$db" 2>&1 | tail -12
echo "== kiln show --counters (every variant)"
"$kiln" show --counters --ok --db "$db"
"$kiln" export --format json --db "$db" > "$out/energy_gpu.json"
echo "== host C with PAPI counters"
"$kiln" tune triad --device host --counters PAPI_TOT_INS,PAPI_TOT_CYC --db "$work/host.db"; echo "exit $?"
"$kiln" tune triad --device host --budget 4 --counters auto --db "$work/host.db" 2>&1 | tail -3; echo "exit $?"
"$kiln" show --counters --db "$work/host.db"
