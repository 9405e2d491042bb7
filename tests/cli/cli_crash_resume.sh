# A variant that takes the whole kiln process down (a crash inside the OpenCL driver)
# loses nothing: the next run retries it once (a single death may be a kill), and
# when it takes kiln down a second time the run after records it as crashed, does
# not run it again, and goes on.
. "$(dirname "$0")/lib.sh"
PLUGIN=$2

need_opencl_device
# mode 3 writes far outside its buffer inside the OpenCL device's own process: kiln dies.
# exhaustive order: 0 (the default), 1, 2, then 3 takes the process down
for attempt in first second; do
  "$KILN" --plugin "$PLUGIN" tune faulty --verbose --confirm 0 > "$WORK/$attempt.log" 2>&1
  rc=$?
  checks=$((checks + 1))
  [ $rc -ne 0 ] || { failures=$((failures + 1)); echo "FAIL: the $attempt crashing run exited 0"; cat "$WORK/$attempt.log"; }
  expect 0 "$KILN" export --format csv
  contains ',running,'  # the verdict column (CSV quotes only what needs it)
done
# the second run retried mode 3 after the stored ones
checks=$((checks + 1))
grep -q "mode=0: ok (stored)" "$WORK/second.log" || { failures=$((failures + 1)); echo "FAIL: second run"; cat "$WORK/second.log"; }
# The third run marks mode 3 crashed (stored) and measures nothing again before it.
expect 0 timeout 120 "$KILN" --plugin "$PLUGIN" tune faulty --verbose --budget 4 --confirm 0
contains "mode=3: crashed (stored)"
contains "mode=0: ok (stored)"
expect 0 "$KILN" export --format csv
checks=$((checks + 1))
if grep -q ',running,' <<<"$OUT"; then failures=$((failures + 1)); echo "FAIL: a running row is left"; fi
contains "kiln stopped twice while this variant ran"
finish
