# The command's usage errors, help texts and bad input: exit 2 for bad usage, 1 for failed work.
. "$(dirname "$0")/lib.sh"

expect 0 "$KILN" --help;                 contains "commands:"
for c in devices kernels generate tune best show export; do
  expect 0 "$KILN" $c --help;            contains "usage: kiln $c"
done
expect 2 "$KILN";                        contains "usage:"
expect 2 "$KILN" frobnicate;             contains "unknown command 'frobnicate'"
expect 2 "$KILN" tune nosuchkernel;      contains "unknown kernel 'nosuchkernel'"
expect 2 "$KILN" tune matmul --strategy nosuch; contains "unknown strategy 'nosuch'"
expect 2 "$KILN" tune matmul --size 12x;  contains "bad size '12x'"
expect 2 "$KILN" generate matmul --set nosuch=1; contains "nosuch"
expect 2 "$KILN" generate matmul --set tile=3;   contains "tile"
expect 2 "$KILN" generate matmul --lang fortran; contains "unknown language 'fortran'"
expect 2 "$KILN" tune matmul --device no-such-device-anywhere; contains "no-such-device-anywhere"
expect 1 "$KILN" show;                   contains "no database"
expect 1 "$KILN" best triad;             contains "no database"
checks=$((checks + 1)); [ ! -e "$KILN_DB" ] || { failures=$((failures + 1)); echo "FAIL: best created $KILN_DB"; }

# A file that is not a kiln database is refused and left as it was.
echo "precious notes" > "$WORK/notes.db"
sum=$(md5sum < "$WORK/notes.db")
expect 1 "$KILN" tune triad --device host --size 4096 --budget 1 --db "$WORK/notes.db"
contains "not a kiln database"
checks=$((checks + 1)); [ "$(md5sum < "$WORK/notes.db")" = "$sum" ] || { failures=$((failures + 1)); echo "FAIL: notes.db changed"; }

# kernels lists every example with its space; generate prints both languages.
expect 0 "$KILN" kernels;                contains "triad"; contains "matmul"; contains "laplace"; contains "valid"
expect 0 "$KILN" generate triad --lang cl; contains "__kernel"
expect 0 "$KILN" generate triad --lang c;  contains "_entry"
expect 0 "$KILN" devices;                contains "host"
finish
