# Where each evaluation's time went, read back: `kiln show --phases` has a
# column per step and their totals, and a variant the race stopped early
# says so; CSV and JSON exports carry the same figures; --phases is refused
# where it has no meaning.
. "$(dirname "$0")/lib.sh"

expect 0 "$KILN" tune triad --device host --size 4096 --set vec=1 --set per_item=1 --confirm 0
expect 0 "$KILN" show triad --phases
contains "generate"
contains "timed runs"
contains "in all: generate "
# every measured row has a time for each step (none reads '-')
checks=$((checks + 1))
if grep -E '^triad .* ok ' <<<"$OUT" | grep -qE ' - '; then failures=$((failures + 1)); echo "FAIL: a step not recorded"; echo "$OUT"; fi
expect 0 "$KILN" export triad --format csv
contains "stopped_early,generate_ns,build_ns,verify_ns,measure_ns"
pyrun '
import csv, io, subprocess, sys
out = subprocess.run([sys.argv[1], "export", "triad", "--format", "csv"], capture_output=True, text=True, check=True)
rows = list(csv.DictReader(io.StringIO(out.stdout)))
assert rows, "no rows"
for r in rows:
    for k in ("generate_ns", "build_ns", "verify_ns", "measure_ns"):
        assert float(r[k]) > 0, (k, r)
    assert r["stopped_early"] in ("0", "1"), r
' "$KILN"
# a row stopped by the race: its mark and its fewer runs are shown
sqlite3 "$KILN_DB" "UPDATE results SET stopped_early = 1, samples = 3 WHERE id = (SELECT min(id) FROM results)"
stopped=$(sqlite3 "$KILN_DB" "SELECT count(*) FROM results WHERE stopped_early = 1")
expect 0 "$KILN" show triad --phases
contains "3 stopped early"
contains "; $stopped stopped early"
expect 2 "$KILN" show triad --phases --format csv
contains "--phases is a table option"
expect 2 "$KILN" show triad --phases --counters
finish
