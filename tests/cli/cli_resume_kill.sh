# kill -9 at 10 random moments of an exhaustive run, resuming each time: the
# finished database holds exactly the ok configurations of the same run left
# alone, no variant is lost as crashed, no marker is left running, and the
# file stays consistent. (A variant in flight at a kill is retried once.)
. "$(dirname "$0")/lib.sh"

seed=${KILN_TEST_SEED:-$$}
RANDOM=$seed
echo "random seed $seed (KILN_TEST_SEED reproduces it)"
args=(tune triad --device host --size 4096 --reps 1 --confirm 0 --verbose)
finished() {
  sqlite3 "$KILN_DB" "SELECT count(*) FROM results WHERE verdict <> 'running'" 2>/dev/null || echo 0
}
ok_set() {
  sqlite3 "$1" "SELECT config_json FROM results WHERE verdict = 'ok' AND superseded_by IS NULL ORDER BY 1"
}

# the run left alone, in a database (and compile cache) of its own
expect 0 env KILN_DB="$WORK/alone.db" KILN_CACHE_DIR="$WORK/cache-alone" "$KILN" "${args[@]}"
alone=$(ok_set "$WORK/alone.db")
total=$(sqlite3 "$WORK/alone.db" "SELECT count(*) FROM results")

for kill_no in $(seq 1 10); do
  before=$(finished)
  "$KILN" "${args[@]}" > "$WORK/run$kill_no.log" 2>&1 &
  pid=$!
  # at least one new result first (a variant retried after the last kill is the
  # first to run), then a random moment within the next half second
  for _ in $(seq 1 600); do
    [ "$(finished)" -gt "$before" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  sleep "$(printf "0.%03d" $((RANDOM % 500)))"
  kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
done
checks=$((checks + 1))
[ "$(sqlite3 "$KILN_DB" 'PRAGMA integrity_check')" = ok ] || { failures=$((failures + 1)); echo "FAIL: integrity"; }

expect 0 "$KILN" "${args[@]}"
contains "configurations run"
checks=$((checks + 1))
if [ "$(ok_set "$KILN_DB")" != "$alone" ]; then
  failures=$((failures + 1))
  echo "FAIL: the ok configurations differ from the run left alone:"
  diff <(echo "$alone") <(ok_set "$KILN_DB") | head -20
fi
checks=$((checks + 1))
current=$(sqlite3 "$KILN_DB" "SELECT count(*) FROM results WHERE superseded_by IS NULL")
[ "$current" = "$total" ] || { failures=$((failures + 1)); echo "FAIL: $current current rows, $total configurations"; }
checks=$((checks + 1))
left=$(sqlite3 "$KILN_DB" "SELECT count(*) FROM results WHERE verdict IN ('running', 'crashed')")
[ "$left" = 0 ] || { failures=$((failures + 1)); echo "FAIL: $left rows running or crashed"; }
checks=$((checks + 1))
runs=$(sqlite3 "$KILN_DB" "SELECT sum(status = 'running') || ' ' || sum(status = 'died') FROM runs")
[ "${runs%% *}" = 0 ] && [ "${runs##* }" -ge 1 ] || { failures=$((failures + 1)); echo "FAIL: running/died runs: $runs"; }
# a last run measures nothing new
expect 0 "$KILN" "${args[@]}"
contains " 0 configurations run"
finish
