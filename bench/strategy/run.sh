#!/usr/bin/env bash
# The strategy benchmark: every kiln strategy (kiln tune --simulate) and every
# Kernel Tuner strategy (its simulation mode, on a cache file written from the
# same database) replayed over 20 seeds on the exhaustive runs recorded in
# bench/strategy/data/ (collect.sh on an NVIDIA H200, merge.py). No device is
# used. Kernel Tuner comes from PyPI into a venv (KT_VENV, default /tmp/ktvenv).
# usage (repository root, kiln built in build/):
#   bench/strategy/run.sh [OUTDIR]                     both tuners, about 45 minutes on 2 loaded cores
#   bench/strategy/run.sh --kiln-only KT_RAW [OUTDIR]  kiln's strategies only (a few minutes, no venv);
#                                                      Kernel Tuner's lines copied from the raw log KT_RAW
# SEEDS (default 20) seeds 1..SEEDS per strategy. Writes OUTDIR (default bench/strategy/logs)/bench.log,
# raw.jsonl (one line per replay), table.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
kt_raw=
if [ "${1:-}" = --kiln-only ]; then
    kt_raw=$2; shift 2
fi
out=${1:-bench/strategy/logs}; mkdir -p "$out"
seeds=${SEEDS:-20}
if [ -n "$kt_raw" ]; then
    python3 bench/strategy/bench.py "$PWD/build/cli/kiln" "$out" "$seeds" kiln "$kt_raw" > "$out/bench.log" 2>&1
else
    venv=${KT_VENV:-/tmp/ktvenv}
    [ -x "$venv/bin/python" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q kernel_tuner==1.5.0; }
    "$venv/bin/python" bench/strategy/bench.py "$PWD/build/cli/kiln" "$out" "$seeds" > "$out/bench.log" 2>&1
fi
python3 bench/strategy/table.py "$out/raw.jsonl" > "$out/table.md"
rm -rf "$out"/*.cache.json "$out/db"
cat "$out/table.md"
