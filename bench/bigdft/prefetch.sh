#!/usr/bin/env bash
# One 128^3 kinetic pass on one core (prefetch.c), the transposed variant
# (vec 8, split wrap, full taps, streaming stores, unroll 1 and 4) as
# generated and with prefetch=1, alternately, beside the one-thread triad.
# usage: bench/bigdft/prefetch.sh [ROUNDS [REPEATS]]   (after a build; run it alone:
#   flock /tmp/kiln-bench.lock); writes bench/bigdft/out/prefetch.log
. "$(dirname "$0")/onepass.sh" prefetch "$@"
cfg=(--set lanes=2 --set vec=8 --set wrap=2 --set full_taps=1 --set wg=16 --set stream=1)
variants=()
for u in 1 4; do
  for pf in 0 1; do
    v=unroll$u-prefetch$pf
    $kiln generate bigdft.kinetic --lang c --size 128x16384 "${cfg[@]}" --set unroll=$u --set prefetch=$pf \
      >$out/prefetch-$v.c
    gcc -O3 -march=native -I. bench/bigdft/prefetch.c $out/prefetch-$v.c -o $out/prefetch-$v
    variants+=("$v")
  done
done
onepass_repeats "${variants[@]}"
