# A tuning run killed with SIGKILL leaves a readable database; the same command resumes
# without re-running stored configurations.
. "$(dirname "$0")/lib.sh"

args=(tune matmul --device host --size 32 --strategy random --budget 12 --seed 7 --verbose)
"$KILN" "${args[@]}" > "$WORK/first.log" 2>&1 &
pid=$!
# wait until a few results are stored, then kill -9
for _ in $(seq 1 600); do
  n=$(grep -c '^\[' "$WORK/first.log" 2>/dev/null || true)
  [ "${n:-0}" -ge 3 ] && break
  sleep 0.1
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
expect 0 "$KILN" show matmul
stored=$(grep -Eo '^[0-9]+ results?' <<<"$OUT" | grep -Eo '^[0-9]+')
checks=$((checks + 1)); [ "${stored:-0}" -ge 3 ] || { failures=$((failures + 1)); echo "FAIL: $stored rows after kill"; }
checks=$((checks + 1))
[ "$(sqlite3 "$KILN_DB" 'PRAGMA integrity_check')" = ok ] || { failures=$((failures + 1)); echo "FAIL: integrity"; }

expect 0 "$KILN" "${args[@]}"
contains "(stored)"
resumed=$(grep -c '(stored)' <<<"$OUT")
checks=$((checks + 1)); [ "$resumed" -ge "$stored" ] || { failures=$((failures + 1)); echo "FAIL: resumed $resumed < stored $stored"; }
# a third run measures nothing new
expect 0 "$KILN" "${args[@]}"
contains " 0 configurations run"
finish
