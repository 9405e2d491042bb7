# kiln tune --rerun measures stored results of the verdicts named again (new rows
# supersede the old, which are kept); kiln forget removes results and counts them.
. "$(dirname "$0")/lib.sh"

args=(tune triad --device host --size 4096 --set vec=1 --set per_item=1 --reps 1 --confirm 0)
expect 0 "$KILN" "${args[@]}";                contains "6 configurations run, 0 already stored"
expect 0 "$KILN" "${args[@]}";                contains "0 configurations run, 6 already stored"
expect 0 "$KILN" "${args[@]}" --rerun=ok;     contains "6 configurations run, 0 already stored"
expect 0 "$KILN" "${args[@]}" --rerun=wrong,timeout; contains "0 configurations run, 6 already stored"
expect 0 "$KILN" "${args[@]}" --rerun=all;    contains "6 configurations run, 0 already stored"
checks=$((checks + 1))
state=$(sqlite3 "$KILN_DB" "SELECT count(*) || ' ' || sum(superseded_by IS NULL) FROM results")
[ "$state" = "18 6" ] || { failures=$((failures + 1)); echo "FAIL: rows/current after reruns: $state"; }
expect 2 "$KILN" "${args[@]}" --rerun=fast;   contains "--rerun wants verdicts"
expect 2 "$KILN" "${args[@]}" --rerun=running
# confirmed figures at the end of a run
expect 0 "$KILN" "${args[@]}" --confirm 3;    contains "the 3 fastest were measured again"
checks=$((checks + 1))
[ "$(sqlite3 "$KILN_DB" "SELECT count(*) FROM results WHERE confirmed_rounds = 5")" = 3 ] ||
  { failures=$((failures + 1)); echo "FAIL: confirmed rows"; }
# best answers with a confirmed result and says so; the summary table shows the figures
expect 0 "$KILN" best triad --device host --size 4096 --json;  contains '"confirmed_rounds":5'
expect 0 "$KILN" best triad --device host --size 4096;         contains "interleaved rounds"

expect 2 "$KILN" forget;                      contains "or --all"
expect 2 "$KILN" forget triad --verdict nope; contains "unknown verdict 'nope'"
expect 2 "$KILN" forget triad --size 0x4
expect 0 "$KILN" forget triad --verdict wrong; contains "forgot 0 results"
expect 0 "$KILN" forget other_kernel;         contains "forgot 0 results"
expect 0 "$KILN" forget triad --size 4096 --device host; contains "forgot 18 results"
expect 0 "$KILN" "${args[@]}";                contains "6 configurations run, 0 already stored"
expect 0 "$KILN" forget --all;                contains "forgot 6 results"
checks=$((checks + 1))
[ "$(sqlite3 "$KILN_DB" "SELECT count(*) FROM results")" = 0 ] || { failures=$((failures + 1)); echo "FAIL: rows left"; }
finish
