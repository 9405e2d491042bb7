# kiln tune --counters / --energy: what was counted per variant reaches the
# database, kiln show --counters and the exports; an event or an energy
# source this machine does not have is refused before anything runs, naming
# it and listing what exists.
. "$(dirname "$0")/lib.sh"

pyrun() {
  checks=$((checks + 1))
  python3 -c "$1" "${@:2}" || { failures=$((failures + 1)); echo "FAIL: python check on ${*:2}"; }
}

# ---- refusals: exit 2, nothing stored ----
expect 2 "$KILN" tune triad --device host --counters PAPI_NO_SUCH_EVENT
contains "event 'PAPI_NO_SUCH_EVENT' is not available on this machine; available: sw:task-clock"
expect 2 "$KILN" tune triad --device host --counters sw:cycles
contains "unknown software event 'sw:cycles'"
KILN_POWERCAP_DIR="$WORK/none" expect 2 "$KILN" tune triad --device host --energy
contains "--energy: no energy measurement for"
contains "$WORK/none"
expect 2 "$KILN" tune triad --device host --objective joules
contains "--objective wants time, energy or edp, got 'joules'"
KILN_POWERCAP_DIR="$WORK/none" expect 2 "$KILN" tune triad --device host --objective edp
contains "--energy: no energy measurement"
checks=$((checks + 1)); [ ! -e "$KILN_DB" ] || { failures=$((failures + 1)); echo "FAIL: a refused tune made $KILN_DB"; }

# ---- counted: stored per variant, shown, exported ----
expect 0 "$KILN" tune triad --device host --size 8192 --budget 2 --counters sw:task-clock,sw:page-faults --verbose
expect 0 "$KILN" show triad --counters
contains "counters per run"
contains "sw:task-clock="
contains "(1 thread)"
expect 2 "$KILN" show triad --counters --format csv
"$KILN" export --format json > "$WORK/rows.json"
pyrun 'import json,sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 3, rows   # --budget 2 and the default
for r in rows:
    c = r["counters"]
    assert set(c["events"]) == {"sw:task-clock", "sw:page-faults"}, c
    assert c["threads"] == 1 and c["scope"] == "kernel threads" and c["runs"] >= 3, c
    # the CPU time a run took, counted by the kernel: positive, below its wall time and a margin
    assert 0 < c["events"]["sw:task-clock"] <= 1.5 * c["run_ns"] + 2e6, c
    assert "energy_j" not in c, c
' "$WORK/rows.json"
"$KILN" export --format csv > "$WORK/rows.csv"
pyrun 'import csv,json,sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert all(json.loads(r["counters"])["events"]["sw:page-faults"] >= 0 for r in rows), rows
' "$WORK/rows.csv"

# ---- kiln plot --colour-by: each variant coloured by its stored figure ----
expect 0 "$KILN" plot triad --colour-by sw:task-clock --output "$WORK/c.svg"
pyrun 'import json,re,sys
svg = open(sys.argv[1]).read()
rows = {r["config"]["wg"]: r for r in json.load(open(sys.argv[2]))}
pts = re.findall(r"<circle class=\"variant\"[^>]*>", svg)
assert len(pts) == 3, pts
vals = []
for p in pts:
    v = float(re.search(r"data-colour=\"([^\"]+)\"", p).group(1))
    fill = re.search(r"fill=\"#([0-9a-f]{6})\"", p).group(1)
    vals.append((v, int(fill[0:2], 16), int(fill[4:6], 16)))
stored = sorted(r["counters"]["events"]["sw:task-clock"] for r in rows.values())
assert sorted(v for v, _, _ in vals) == sorted(float("%.9g" % s) for s in stored), (vals, stored)
lo, hi = min(vals), max(vals)
assert lo[1] < hi[1] and lo[2] > hi[2], vals      # lowest bluest, highest reddest
assert "colour: sw:task-clock from" in svg
' "$WORK/c.svg" "$WORK/rows.json"
expect 1 "$KILN" plot triad --colour-by PAPI_L1_DCM --output "$WORK/d.svg"
contains "no correct variant of run 1 has 'PAPI_L1_DCM' in its counters"

# ---- energy, from a powercap counter that a background writer advances at 25 W ----
mkdir -p "$WORK/pc/intel-rapl:0"
python3 - "$WORK/pc/intel-rapl:0/energy_uj" "$WORK/pc/stop" <<'PY' &
import os, sys, time
path, stop = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
while not os.path.exists(stop):
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % (5e8 + 25e6 * (time.monotonic() - t0)))
    os.replace(path + ".tmp", path)
    time.sleep(0.0005)
PY
writer=$!
while [ ! -e "$WORK/pc/intel-rapl:0/energy_uj" ]; do sleep 0.05; done
KILN_POWERCAP_DIR="$WORK/pc" expect 0 "$KILN" tune triad --device host --size 4096 --budget 1 --objective energy --db "$WORK/e.db"
contains "lowest energy: "
touch "$WORK/pc/stop"; wait $writer
expect 0 "$KILN" show --counters --db "$WORK/e.db"
contains " W"
expect 0 "$KILN" best triad --device host --size 4096 --objective energy --db "$WORK/e.db"
contains "mJ per run"; contains "(ranked by energy per run)"
expect 1 "$KILN" best triad --device host --size 8192 --objective edp
contains "no correct result of 'triad' with an energy"
expect 2 "$KILN" best triad --objective watts
"$KILN" export --format json --db "$WORK/e.db" > "$WORK/e.json"
pyrun 'import json,sys
c = json.load(open(sys.argv[1]))[0]["counters"]
assert c["energy_source"] == "rapl", c
assert 12 < c["power_w"] < 38, c          # the counter advances at 25 W (wide: the writer lags under load)
assert abs(c["energy_j"] - c["power_w"] * c["run_ns"] * 1e-9) <= 1e-9 * c["energy_j"] + 1e-15, c
' "$WORK/e.json"

finish
