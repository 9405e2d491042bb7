#!/usr/bin/env bash
# kiln_verify_expect over one 1024 x 1024 f32 output (what the tuner verifies
# for each matmul variant at n = 1024): the verifier of revision BASE (default
# 31dbd61, one element at a time) against the working tree's, each linked into
# bench_verify.c, run alternately ROUNDS times (each run: 21 comparisons, the
# median and spread, beside a memcmp of the same output as the memory floor).
# usage: bench/verify/run.sh [BASE [ROUNDS]]   (after cmake --build build)
set -euo pipefail
cd "$(dirname "$0")/../.."
base=${1:-31dbd61}
rounds=${2:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags="-O2 -g -std=c11 -D_POSIX_C_SOURCE=200809L -I. -Iinclude"
git show "$base:runtime/verify.c" > "$tmp/verify_base.c"
gcc $flags -c "$tmp/verify_base.c" -o "$tmp/verify_base.o"
gcc $flags -c runtime/verify.c -o "$tmp/verify_tree.o"
for v in base tree; do
    gcc $flags bench/verify/bench_verify.c "$tmp/verify_$v.o" build/dsl/libkiln_dsl.a -lm -o "$tmp/bench_$v"
done
echo "== $(date -u +%FT%TZ) base $base, tree $(git rev-parse --short HEAD)$(git diff --quiet runtime/verify.c || echo +changes)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-); load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
    for v in base tree; do
        echo "-- round $r: $v"
        "$tmp/bench_$v"
    done
done
