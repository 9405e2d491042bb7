# kiln tune --set P=V1,V2 and --where EXPR restrict a search as Kernel Tuner
# users restrict theirs: only such configurations are run and stored; a bad
# restriction is refused naming its cause, and an impossible one before
# anything runs (no database is created).
. "$(dirname "$0")/lib.sh"
run_db=$WORK/run.db
expect 0 "$KILN" tune matmul --device host --size 32 --set tile=4,8 --set local=0 --where 'wpt * vec <= 2' \
  --where 'unroll >= 2' --strategy random --budget 4 --reps 1 --confirm 0 --db "$run_db"
contains "4 configurations run"
expect 0 "$KILN" export --format json --db "$run_db"
pyrun 'import json,sys; rows=json.loads(sys.argv[1]); assert len(rows) >= 4, rows
for r in rows:
  c=r["config"]; assert c["tile"] in (4,8) and c["local"]==0 and c["wpt"]*c["vec"]<=2 and c["unroll"]>=2, c' "$OUT"
# every strategy runs under --budget and under --time
for s in exhaustive random annealing genetic pso ils model; do
  expect 0 "$KILN" tune matmul --device host --size 32 --set tile=4 --set unroll=1 --strategy $s --budget 2 \
    --reps 1 --confirm 0 --db "$run_db"
  contains "with $s search"; contains "stored in"
done
expect 0 "$KILN" tune matmul --device host --size 32 --set tile=4 --strategy model --time 1 --reps 1 --confirm 0 \
  --db "$run_db"
contains "with model search"

none=$WORK/never.db
expect 2 "$KILN" tune matmul --device host --size 32 --where 'wpt * vec <=' --db "$none"
contains "--where 'wpt * vec <=': column"
expect 2 "$KILN" tune matmul --device host --size 32 --where 'wtp < 4' --db "$none"
contains "--where 'wtp < 4': unknown name 'wtp'"
expect 2 "$KILN" tune matmul --device host --size 32 --set tile=8,7 --db "$none"
contains "parameter 'tile': 7 is not allowed"
expect 2 "$KILN" tune matmul --device host --size 32 --set tile=8, --db "$none"
expect 2 "$KILN" tune matmul --device host --size 32 --set tile=8,0x10 --db "$none"
expect 2 "$KILN" tune matmul --device host --size 32 --set tile=4,8 --where 'tile > 8' --db "$none"
contains "no configuration of matmul is valid at size 32 with --set tile=4,8 --where 'tile > 8'"
checks=$((checks + 1))
[ ! -e "$none" ] || { failures=$((failures + 1)); echo "FAIL: a refused restriction created $none"; }
finish
