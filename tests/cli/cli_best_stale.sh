# kiln best answers, for a kernel it has at hand, only with rows whose identity
# today's description still gives: a row whose stored source hash or data hash
# no longer matches is stale, whatever its time. Without the kernel (a plugin
# not loaded) it answers from the database alone.
. "$(dirname "$0")/lib.sh"

args=(tune triad --device host --size 4096 --set vec=1 --set per_item=1 --reps 1 --confirm 0)
expect 0 "$KILN" "${args[@]}"
expect 0 "$KILN" best triad --device host --size 4096 --json
contains '"match":"exact match"'
fastest=$(sqlite3 "$KILN_DB" "SELECT id FROM results WHERE verdict = 'ok' ORDER BY median_ns LIMIT 1")
# the fastest row made stale two ways: its source is no longer what triad generates ...
sqlite3 "$KILN_DB" "UPDATE results SET source_hash = '0123456789abcdef' WHERE id = $fastest"
expect 0 "$KILN" best triad --device host --size 4096 --json
checks=$((checks + 1))
cfg=$(sqlite3 "$KILN_DB" "SELECT config_json FROM results WHERE id = $fastest")
grep -qF -- "\"config\":$cfg" <<<"$OUT" && { failures=$((failures + 1)); echo "FAIL: best answered the stale row $cfg"; }
# ... and every row's verification data is not today's
sqlite3 "$KILN_DB" "UPDATE results SET data_hash = 'fedcba9876543210'"
expect 1 "$KILN" best triad --device host --size 4096
contains "no correct result"
finish
