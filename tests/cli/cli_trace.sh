# `kiln tune --trace FILE`: where the time goes, span by span. The file is a
# JSON array of Chrome "X" events; the inputs are uploaded once; each
# measured variant has one `measure`
# span on the tuning's thread with its first run, verification and timed runs
# inside it (by time, on that thread); builds ahead are on other threads;
# with kiln-build processes their builds and the binaries' loads show. A path
# that cannot be written is refused before anything runs.
. "$(dirname "$0")/lib.sh"

# the spans' structure, and how many measured variants (argv: trace, runs, needs...)
check_trace='
import json, sys
ev = json.load(open(sys.argv[1]))
runs, needs = int(sys.argv[2]), sys.argv[3:]
assert all(e["ph"] == "X" and e["dur"] >= 0 and e["ts"] > 0 for e in ev), "an event is not a span"
names = [e["name"] for e in ev]
assert names.count("open the device") == 1, names.count("open the device")
measure = [e for e in ev if e["name"] == "measure"]
assert len(measure) == runs, (len(measure), runs)
tid = measure[0]["tid"] if measure else None
assert all(m["tid"] == tid for m in measure), "variants measured on more than one thread"
for m in measure:
    assert m["args"]["detail"].startswith("{"), m  # the configuration
    inside = [e["name"] for e in ev if e["tid"] == tid and e is not m and
              e["ts"] >= m["ts"] and e["ts"] + e["dur"] <= m["ts"] + m["dur"] + 0.002]
    for step in ("take the program", "bind the arguments", "first run", "verify", "timed runs"):
        assert inside.count(step) == 1, (step, inside)
builds = [e for e in ev if e["name"] == "build ahead"]
assert len(builds) == runs and all(b["tid"] != tid for b in builds), "not every build ahead on a worker"
if runs:  # the inputs go up once for all the variants
    assert names.count("upload the inputs") == 1, names.count("upload the inputs")
for n in needs:
    assert n in names, ("no span", n, sorted(set(names)))
'

expect 0 "$KILN" tune triad --device host --size 4096 --set vec=1,2,4 --set per_item=1 --set wg=64 --confirm 0 --trace "$WORK/host.json"
contains "3 configurations run"
pyrun "$check_trace" "$WORK/host.json" 3 "inputs and reference" "store result" "wait for build"

# a second run of the same: nothing measured, the trace still whole
expect 0 "$KILN" tune triad --device host --size 4096 --set vec=1,2,4 --set per_item=1 --set wg=64 --confirm 0 --trace "$WORK/again.json"
contains "3 already stored"
pyrun "$check_trace" "$WORK/again.json" 0

expect 2 "$KILN" tune triad --device host --trace "$WORK/no/such/dir/t.json"
contains "cannot write the trace $WORK/no/such/dir/t.json"
checks=$((checks + 1))
if [ "$(sqlite3 "$KILN_DB" "SELECT count(*) FROM runs")" != 2 ]; then
  failures=$((failures + 1)); echo "FAIL: a refused --trace started a run"
fi

need_opencl_device
expect 0 "$KILN" tune triad --device 0:0 --size 4096 --set vec=1,2 --set per_item=1 --set wg=64 --confirm 0 --build-procs 2 \
  --trace "$WORK/cl.json"
contains "2 configurations run"
pyrun "$check_trace" "$WORK/cl.json" 2 "wait for a kiln-build to start" "build in kiln-build" "load the binary"
finish
