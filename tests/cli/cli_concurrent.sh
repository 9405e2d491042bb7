# Two tuners on the same device and database: the second refuses, naming the first
# (its pid), and the first stores each configuration once. On different devices two
# tuners share the database, each configuration once per device.
. "$(dirname "$0")/lib.sh"

# the two-device half needs an OpenCL device: without one the rest runs, but not in CI
have_cl=0
if "$KILN" devices 2>/dev/null | grep -q '^[0-9]'; then
  have_cl=1
elif [ "${KILN_REQUIRE_DEVICES:-}" = 1 ]; then
  skip_no_device "no OpenCL device for the two-device half"
fi

args=(tune triad --device host --size 4096 --reps 1 --confirm 0 --verbose)
"$KILN" "${args[@]}" > "$WORK/first.log" 2>&1 &
first=$!
for _ in $(seq 1 600); do
  n=$(sqlite3 "$KILN_DB" "SELECT count(*) FROM results" 2>/dev/null || echo 0)
  [ "${n:-0}" -gt 0 ] && break
  sleep 0.05
done
expect 1 "$KILN" "${args[@]}"
contains "is being tuned by kiln pid $first"
wait $first; rc=$?
checks=$((checks + 1))
[ $rc = 0 ] || { failures=$((failures + 1)); echo "FAIL: the first tuner exited $rc"; tail -5 "$WORK/first.log"; }
rows=$(sqlite3 "$KILN_DB" "SELECT count(*) FROM results")
configs=$(sqlite3 "$KILN_DB" "SELECT count(DISTINCT config_json) FROM results")
checks=$((checks + 1))
[ "$rows" = "$configs" ] && [ "$rows" -gt 0 ] || { failures=$((failures + 1)); echo "FAIL: $rows rows for $configs configurations"; }
checks=$((checks + 1))
[ "$(sqlite3 "$KILN_DB" "SELECT count(*) FROM device_claims")" = 0 ] || { failures=$((failures + 1)); echo "FAIL: a claim is left"; }

# different devices, same database, at once
if [ $have_cl = 1 ]; then
  small=(tune triad --size 8192 --set vec=1 --reps 1 --confirm 0)
  "$KILN" "${small[@]}" --device host > "$WORK/host.log" 2>&1 & a=$!
  "$KILN" "${small[@]}" --device 0:0 > "$WORK/cl.log" 2>&1 & b=$!
  wait $a; ra=$?; wait $b; rb=$?
  checks=$((checks + 1))
  [ $ra = 0 ] && [ $rb = 0 ] || { failures=$((failures + 1)); echo "FAIL: exits $ra $rb"; cat "$WORK/host.log" "$WORK/cl.log" | tail -10; }
  per_device=$(sqlite3 "$KILN_DB" "SELECT count(*) || '/' || count(DISTINCT config_json) FROM results
                                   WHERE size = '8192' GROUP BY device ORDER BY device" | tr '\n' ' ')
  checks=$((checks + 1))
  [ "$per_device" = "24/24 24/24 " ] || { failures=$((failures + 1)); echo "FAIL: rows/configurations per device: $per_device"; }
else
  echo "note: no OpenCL device, the two-device half is not run"
fi
checks=$((checks + 1))
[ "$(sqlite3 "$KILN_DB" 'PRAGMA integrity_check')" = ok ] || { failures=$((failures + 1)); echo "FAIL: integrity"; }
finish
