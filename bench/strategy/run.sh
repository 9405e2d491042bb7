#!/usr/bin/env bash
# The strategy benchmark: every kiln strategy (kiln tune --simulate) and every
# Kernel Tuner strategy (its simulation mode, on a cache file written from the
# same database) replayed over 20 seeds on the exhaustive runs recorded in
# bench/strategy/data/ (collect.sh on an NVIDIA H200, merge.py). No device is
# used. Kernel Tuner comes from PyPI into a venv (KT_VENV, default /tmp/ktvenv).
# usage (repository root, kiln built in build/): bench/strategy/run.sh [OUTDIR]
# writes OUTDIR/bench.log, raw.jsonl (one line per replay), table.md. About 45
# minutes on 2 loaded cores, most of it Kernel Tuner's.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-bench/strategy/logs}; mkdir -p "$out"
venv=${KT_VENV:-/tmp/ktvenv}
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q kernel_tuner==1.5.0; }
"$venv/bin/python" bench/strategy/bench.py "$PWD/build/cli/kiln" "$out" 20 > "$out/bench.log" 2>&1
python3 bench/strategy/table.py "$out/raw.jsonl" > "$out/table.md"
rm -f "$out"/*.cache.json
cat "$out/table.md"
