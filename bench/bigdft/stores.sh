#!/usr/bin/env bash
# What limits a 128^3 pass of the transposed magic filter on one core: the
# variant as generated (stores of 64 bytes into each of 128 output rows 128 KiB
# apart per block of 8 lines), the same with its stores folded onto 8 rows (an
# experiment, not a kernel: the output is wrong, the other work the same), and
# with stream=1 (non-temporal stores); beside the one-thread triad, alternately.
# usage: bench/bigdft/stores.sh [ROUNDS [REPEATS]]   (after a build; run it alone:
#   flock /tmp/kiln-bench.lock); writes bench/bigdft/out/stores.log
. "$(dirname "$0")/onepass.sh" stores "$@"
cfg=(--set lanes=2 --set vec=8 --set unroll=8 --set wrap=2 --set full_taps=1 --set wg=16)
$kiln generate bigdft.magicfilter --lang c --size 128x16384 "${cfg[@]}" >$out/stores-plain.c
$kiln generate bigdft.magicfilter --lang c --size 128x16384 "${cfg[@]}" --set stream=1 >$out/stores-stream.c
# y + ((i + u) * ndat + line0) -> y + (((i + u) & 7) * ndat + line0): the same stores on 8 rows
sed -E 's/kiln_vstore_double8\(y \+ \((.*) \* ndat \+ line0\), (acc[0-9]+)\);/kiln_vstore_double8(y + (((\1) \& 7) * ndat + line0), \2);/' \
    $out/stores-plain.c >$out/stores-folded.c
echo "== folded stores: $(grep -c '& 7) \* ndat' $out/stores-folded.c) of $(grep -c 'kiln_vstore_double8(y' $out/stores-plain.c)"
for v in plain folded stream; do
  gcc -O3 -march=native -I. bench/bigdft/stores.c $out/stores-$v.c -o $out/stores-$v
done
onepass_repeats plain folded stream
