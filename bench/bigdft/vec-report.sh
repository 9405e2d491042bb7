#!/usr/bin/env bash
# What gcc -O3 -march=native (the host backend's flags) vectorises in a BigDFT
# variant: kiln generate's C for KERNEL at SIZE with the settings given, compiled
# with -fopt-info-vec-optimized and -fopt-info-vec-missed (one line per loop), and
# the count of 512-bit FMAs in the object.
# usage: bench/bigdft/vec-report.sh KERNEL SIZE P=V...   (after the build)
set -euo pipefail
cd "$(dirname "$0")/../.."
kernel=$1 size=$2
shift 2
sets=()
for s in "$@"; do sets+=(--set "$s"); done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build/cli/kiln generate "$kernel" --lang c --size "$size" "${sets[@]}" >"$tmp/k.c"
echo "== $kernel $size $*: $(wc -l <"$tmp/k.c") lines of C, gcc $(gcc -dumpversion) -O3 -march=native"
gcc -O3 -march=native -c "$tmp/k.c" -o "$tmp/k.o" -fopt-info-vec-optimized -fopt-info-vec-missed 2>&1 |
  grep -E 'optimized: loop vectorized|missed: couldn.t vectorize loop|missed: not vectorized' | sed "s|$tmp/||" | sort | uniq -c
for l in $(grep -n 'for (int32_t' "$tmp/k.c" | cut -d: -f1); do
  echo "   line $l: $(sed -n "${l}p" "$tmp/k.c" | sed 's/^ *//')"
done
echo "   512-bit FMAs in the object: $(objdump -d "$tmp/k.o" | grep -c 'vfmadd[0-9a-z]* .*zmm')"
