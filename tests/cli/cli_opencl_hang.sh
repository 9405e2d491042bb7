# A kernel that never ends on an OpenCL device: stored as timeout, and the run stops
# there with a clear message (OpenCL cannot cancel it) instead of queueing behind it.
. "$(dirname "$0")/lib.sh"
PLUGIN=$2

need_opencl_device
expect 1 timeout 120 "$KILN" --plugin "$PLUGIN" tune hang --timeout 1000 --verbose
contains "cannot cancel it"
contains "run the same command again"
expect 0 "$KILN" export --format csv
contains ',timeout,'  # the verdict column
rows=$(($(grep -c . <<<"$OUT") - 1))
checks=$((checks + 1)); [ "$rows" = 1 ] || { failures=$((failures + 1)); echo "FAIL: $rows rows, expected 1"; }
checks=$((checks + 1))
[ "$(sqlite3 "$KILN_DB" 'select status from runs')" = "stopped after a timeout" ] \
  || { failures=$((failures + 1)); echo "FAIL: run status"; }
finish
