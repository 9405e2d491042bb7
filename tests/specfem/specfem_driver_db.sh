# kiln-specfem reads the best configuration of each kernel from the tuning
# database (for this device), falls back to defaults with a message, runs
# against the naive references, and refuses bad arguments with the reason.
. "$(dirname "$0")/../cli/lib.sh"
DRIVER=$2

expect 0 "$KILN" tune specfem.stiffness --device host --size 3x3x3 --budget 3 --seed 5
contains "best:"
expect 0 "$KILN" tune specfem.update_disp_veloc --device host --size 3x3x3 --budget 2
best=$("$KILN" best specfem.stiffness --device host --size 3x3x3 --json | python3 -c 'import json,sys; print(json.dumps(json.loads(sys.stdin.read())["config"], separators=(",", ":")))')
expect 0 "$DRIVER" --device host --size 4x4x3 --steps 60 --reference --trace "$WORK/trace.csv"
contains "specfem.stiffness            $best (tuning database, tuned at 3x3x3)"
contains "specfem.update_disp_veloc"; contains "(tuning database"
contains "specfem.stacey               {\"fpg\":1} (default)"
contains "against the naive references: seismogram within"
checks=$((checks + 1))
[ "$(wc -l <"$WORK/trace.csv")" = 61 ] || { failures=$((failures + 1)); echo "FAIL: trace has $(wc -l <"$WORK/trace.csv") lines"; }
# no database: defaults, said so
expect 0 "$DRIVER" --db "$WORK/none/kiln.db" --device host --size 3x3x3 --steps 5
contains "every kernel runs its default configuration"
contains "specfem.stiffness            {\"assembly\":0,\"unroll\":0,\"epg\":1,\"local_hprime\":1,\"local_displ\":1} (default)"
expect 2 "$DRIVER" --size 3x3
contains "--size takes three extents"
expect 2 "$DRIVER" --steps 0
contains "--steps takes a number"
expect 2 "$DRIVER" --no-source
contains "nothing moves"
# a mesh past 32-bit indices: refused with the reason, by kiln tune and by the driver
expect 2 "$KILN" tune specfem.stiffness --device host --size 1000x1000x1000
contains "constraint '3 * (4 * nx + 1) * (4 * ny + 1) * (4 * nz + 1) < 2147483648' fails"
expect 1 "$DRIVER" --device host --size 1000x1000x1000 --steps 1
contains "fit 32-bit indices"
finish
