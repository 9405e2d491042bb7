# Sourced by stores.sh and prefetch.sh as `. "$(dirname "$0")/onepass.sh" NAME
# [ROUNDS [REPEATS]]`: one pass of generated C variants ($out/NAME-VARIANT, each
# taking ROUNDS) timed on one core, alternately, beside the one-thread triad.
# Goes to the repository root, logs everything after to $out/NAME.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
name=$1
rounds=${2:-15}
repeats=${3:-3}
out=bench/bigdft/out
kiln=build/cli/kiln

mkdir -p $out
exec > >(tee "$out/$name.log") 2>&1
gcc -O3 -march=native -fopenmp bench/stream_triad.c -o $out/stream_triad

# onepass_repeats VARIANT...: the variants in turn, then the triad, REPEATS times.
onepass_repeats() {
  echo "== kiln $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes'), $(date -u +%FT%TZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  for r in $(seq "$repeats"); do
    echo "== repeat $r, load average $(cat /proc/loadavg)"
    for v in "$@"; do
      echo -n "$v: "
      "$out/$name-$v" "$rounds" | head -1
    done
    echo -n "triad, 1 thread (median min max GB/s): "
    OMP_NUM_THREADS=1 $out/stream_triad $((1 << 24)) 10
  done
}
