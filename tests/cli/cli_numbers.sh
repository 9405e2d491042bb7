# Numbers on the command line are plain decimal and in range, or the command stops
# with exit 2 naming the option: nothing wraps (-1 as 2^64), nothing is NaN, 010 is
# not eight. A --set or a size that leaves no valid configuration, a size past the
# memory there is, and an unknown device are refused before anything runs.
. "$(dirname "$0")/lib.sh"

T="$KILN tune triad --device host --size 4096"
bad() { # bad OPTION VALUE: refused with exit 2, the message naming OPTION
  expect 2 $T "$1" "$2"; contains "$1"; contains "'$2'"
}
for v in -1 010 0x10 1e3 " 5" "5 " 18446744073709551616 ""; do bad --budget "$v"; done
for v in nan inf -inf NaN 0 -1 0x1p3 1e999 "" 1s; do bad --time "$v"; done
for v in -1 2147483648 99999999999999999999 0x10 010 1.5; do bad --timeout "$v"; done
for v in -1 18446744073709551616 0x10; do bad --seed "$v"; done
for v in 0 -3 1000001 0x4; do bad --reps "$v"; done

for s in 9223372036854775808 99999999999999999999 0x10 010 -4 4096x 4x4x4x4 "4096 " 0; do
  expect 2 $KILN tune triad --device host --size "$s"; contains "--size"; contains "'$s'"
  expect 2 $KILN generate triad --size "$s";           contains "'$s'"
done
expect 2 $KILN show --size 99999999999999999999;    contains "--size"

for v in 0x40 0100 1e2 99999999999999999999; do
  expect 2 $T --set "wg=$v";                  contains "wg=$v"
  expect 2 $KILN generate triad --set "wg=$v"; contains "wg=$v"
done

# A --set that no configuration can satisfy names the constraint, as generate does.
expect 2 $KILN tune matmul --device host --size 64 --set tile=4 --set wpt=8; contains "tile % wpt == 0"
expect 2 $KILN generate matmul --set tile=4 --set wpt=8;                    contains "tile % wpt == 0"
# A size the kernel cannot take: one refusal, no rows.
expect 2 $KILN tune matmul --device host --size 7;  contains "n % tile == 0"
expect 2 $KILN tune triad --device host --size 64x64; contains "1 dimension"
# Sizes past the memory of the device or the host, before anything is allocated.
expect 2 $T --size 9223372036854775807;            contains "too large"
expect 2 $KILN tune triad --device host --size 100000000000; contains "GB"
expect 2 $KILN tune laplace --device host --size 4294967296x4294967296; contains "too large"
# One array past the OpenCL device's largest allocation (4 TiB is past its memory too,
# but the largest allocation is checked first, array by array).
if "$KILN" devices 2>/dev/null | grep -q '^[0-9]'; then
  expect 2 $KILN tune triad --device 0:0 --size 1099511627776; contains "can allocate at once"
elif [ "${KILN_REQUIRE_DEVICES:-}" = 1 ]; then
  skip_no_device "no OpenCL device for the largest-allocation check"
fi
checks=$((checks + 1)); [ ! -e "$KILN_DB" ] || { failures=$((failures + 1)); echo "FAIL: a refused run created $KILN_DB"; }

# An unknown device is bad usage, for every command that takes one.
expect 2 $KILN tune triad --device no-such-device-anywhere; contains "no-such-device-anywhere"

# What is accepted still works: the bounds themselves.
expect 0 $T --budget 1 --time 30 --timeout 0 --seed 18446744073709551615 --reps 1 --set wg=64
contains "1 configurations run"
expect 0 $KILN best triad --device host --size 4096; contains "wg=64"
# --set has no fixed limit: 17 of them (one parameter fixed again and again)
sets=(); for _ in $(seq 1 17); do sets+=(--set wg=64); done
expect 0 $T --budget 1 --reps 1 --confirm 0 "${sets[@]}"; contains "1 configurations run"
expect 2 $KILN best triad --device no-such-device-anywhere; contains "no-such-device-anywhere"
expect 2 $KILN show --device no-such-device-anywhere;       contains "no-such-device-anywhere"
finish
