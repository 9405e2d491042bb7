# Ctrl-C, SIGTERM and SIGHUP stop after the configuration in flight; a second Ctrl-C
# does not wait for it. Every way leaves the database clean (no marker left running,
# the run ended "interrupted", the device claim released) and kiln exits 130.
. "$(dirname "$0")/lib.sh"
PLUGIN=$2

clean() {  # clean WHAT: the database as an interruption must leave it
  checks=$((checks + 1))
  local state
  state=$(sqlite3 "$KILN_DB" "SELECT (SELECT count(*) FROM results WHERE verdict = 'running') || ' '
    || (SELECT count(*) FROM runs WHERE ended IS NULL OR status <> 'interrupted') || ' '
    || (SELECT count(*) FROM device_claims)")
  [ "$state" = "0 0 0" ] || { failures=$((failures + 1)); echo "FAIL: $1: running/open runs/claims = $state"; }
}
wait_rows() {  # wait_rows SQL N
  for _ in $(seq 1 600); do
    [ "$(sqlite3 "$KILN_DB" "$1" 2>/dev/null || echo 0)" -ge "$2" ] && return
    sleep 0.05
  done
}

args=(tune triad --device host --size 4096 --reps 1 --confirm 0 --verbose)
for sig in INT TERM HUP; do
  rm -f "$KILN_DB" "$KILN_DB-wal" "$KILN_DB-shm"
  "$KILN" "${args[@]}" > "$WORK/$sig.log" 2>&1 &
  pid=$!
  wait_rows "SELECT count(*) FROM results WHERE verdict <> 'running'" 2
  kill -$sig $pid
  wait $pid; rc=$?
  checks=$((checks + 1))
  [ $rc = 130 ] || { failures=$((failures + 1)); echo "FAIL: SIG$sig: exit $rc"; tail -5 "$WORK/$sig.log"; }
  OUT=$(cat "$WORK/$sig.log"); contains "(interrupted)"
  clean "SIG$sig"
  # the variant in flight finished as it would have: every triad variant is ok
  checks=$((checks + 1))
  bad=$(sqlite3 "$KILN_DB" "SELECT group_concat(verdict || ': ' || error_text, '; ') FROM results WHERE verdict <> 'ok'")
  [ -z "$bad" ] || { failures=$((failures + 1)); echo "FAIL: SIG$sig: $bad"; }
done

# a second Ctrl-C while a variant hangs: no waiting for its 60 s timeout
rm -f "$KILN_DB" "$KILN_DB-wal" "$KILN_DB-shm"
"$KILN" --plugin "$PLUGIN" tune hang --device host --timeout 60000 --confirm 0 > "$WORK/twice.log" 2>&1 &
pid=$!
wait_rows "SELECT count(*) FROM results WHERE verdict = 'running'" 1
sleep 0.3
start=$SECONDS
kill -INT $pid; sleep 0.3; kill -INT $pid
wait $pid; rc=$?
checks=$((checks + 1))
[ $rc = 130 ] && [ $((SECONDS - start)) -lt 30 ] ||
  { failures=$((failures + 1)); echo "FAIL: second Ctrl-C: exit $rc after $((SECONDS - start)) s"; tail -5 "$WORK/twice.log"; }
OUT=$(cat "$WORK/twice.log"); contains "interrupted again"
clean "second Ctrl-C"
# and the next run starts that variant again (it was not recorded as a crash)
expect 1 timeout 120 "$KILN" --plugin "$PLUGIN" tune hang --device host --timeout 500 --confirm 0 --budget 1
checks=$((checks + 1))
[ "$(sqlite3 "$KILN_DB" "SELECT count(*) FROM results WHERE verdict = 'crashed'")" = 0 ] ||
  { failures=$((failures + 1)); echo "FAIL: a crashed row after an interruption"; }
finish
