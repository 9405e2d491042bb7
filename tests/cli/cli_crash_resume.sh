# A variant that takes the whole kiln process down (a crash inside the OpenCL driver)
# loses nothing: the rerun records it as crashed, does not run it again, and goes on.
. "$(dirname "$0")/lib.sh"
PLUGIN=$2

need_opencl_device
# mode 3 writes far outside its buffer inside the OpenCL device's own process: kiln dies.
"$KILN" --plugin "$PLUGIN" tune faulty --verbose > "$WORK/first.log" 2>&1 &
# exhaustive order: 0 (the default), 1, 2, then 3 takes the process down
wait $!; rc=$?
checks=$((checks + 1))
[ $rc -ne 0 ] || { failures=$((failures + 1)); echo "FAIL: the crashing run exited 0"; cat "$WORK/first.log"; }
expect 0 "$KILN" export --format csv
contains '"running"'
# The rerun marks mode 3 crashed (stored) and measures nothing again before it.
expect 0 timeout 120 "$KILN" --plugin "$PLUGIN" tune faulty --verbose --budget 4
contains "mode=3: crashed (stored)"
contains "mode=0: ok (stored)"
expect 0 "$KILN" export --format csv
checks=$((checks + 1))
if grep -q '"running"' <<<"$OUT"; then failures=$((failures + 1)); echo "FAIL: a running row is left"; fi
contains "kiln stopped while this variant ran"
finish
