# kiln tune --simulate: every strategy replayed on a recorded exhaustive run of
# matmul (made up by sim_db, no device): the optimum found, the same replay for
# the same seed, budgets kept, unrecorded configurations named, bad requests
# refused before anything is read.
. "$(dirname "$0")/lib.sh"
SIM_DB=$3
db=$WORK/recorded.db
expect 0 "$SIM_DB" "$db" 256; contains "327"

expect 0 "$KILN" tune matmul --simulate --strategy exhaustive --db "$db"
contains "327 recorded configurations of 327 valid"
contains "within 5% of the optimum"; contains "best found: tile=32 wpt=8 vec=2 unroll=4 local=1"
contains "unmeasured=0"
# exhaustive proposes in index order, the order sim_db stored them in: the
# evaluations to 5%, 1% and the optimum follow from the export alone
summary=$OUT
expect 0 "$KILN" export matmul --format json --db "$db" --output "$WORK/export.json"
pyrun 'import json,re,sys
rows=json.load(open(sys.argv[1])); t=[r["median_ns"] if r["verdict"]=="ok" else None for r in rows]
opt=min(x for x in t if x is not None); best=None; want={}
for i,x in enumerate(t,1):
  if x is not None and (best is None or x<best):
    best=x
    for k,f in (("within5",1.05),("within1",1.01),("optimum",1.0)):
      if k not in want and best<=opt*f: want[k]=i
got=dict(re.findall(r"(\w+)=(\S+)", sys.argv[2].splitlines()[-1]))
assert len(want)==3 and all(int(got[k])==v for k,v in want.items()), (want, got)' "$WORK/export.json" "$summary"
for s in random annealing genetic pso ils model; do
  expect 0 "$KILN" tune matmul --simulate --strategy $s --seed 4 --db "$db"
  contains "strategy=$s seed=4"; contains "unmeasured=0"; first=$OUT
  # with no budget the replay runs until the recorded optimum is found
  pyrun 'import re,sys; m=dict(re.findall(r"(\w+)=(\S+)", sys.argv[1].splitlines()[-1]))
w5,w1,opt,ev=(int(m[k]) for k in ("within5","within1","optimum","evaluations"))
assert 0 < w5 <= w1 <= opt == ev <= 327, m
assert float(m["best_ns"]) == float(m["optimum_ns"]), m' "$OUT"
  expect 0 "$KILN" tune matmul --simulate --strategy $s --seed 4 --db "$db"
  checks=$((checks + 1))
  [ "$OUT" = "$first" ] || { failures=$((failures + 1)); echo "FAIL: $s seed 4 replayed differently"; }
  expect 0 "$KILN" tune matmul --simulate --strategy $s --seed 4 --budget 7 --db "$db"
  contains "evaluations=7 "
done
# seeds differ
expect 0 "$KILN" tune matmul --simulate --strategy random --seed 1 --budget 30 --db "$db"; a=$(grep '^best found' <<<"$OUT")
expect 0 "$KILN" tune matmul --simulate --strategy random --seed 2 --budget 30 --db "$db"; b=$(grep '^best found' <<<"$OUT")
expect 0 "$KILN" tune matmul --simulate --strategy random --seed 3 --budget 30 --db "$db"; c=$(grep '^best found' <<<"$OUT")
checks=$((checks + 1))
[ "$a" != "$b" ] || [ "$b" != "$c" ] || { failures=$((failures + 1)); echo "FAIL: seeds 1..3 replayed alike"; }

# --set and --where restrict the replay: the valid count is the restricted space's
expect 0 "$KILN" tune matmul --simulate --strategy exhaustive --set tile=8,16 --where 'wpt * vec <= 4' --db "$db"
want=$(python3 -c '
n=256; c=0
for tile in (8,16):
  for wpt in (1,2,4,8):
    for vec in (1,2,4):
      for unroll in (1,2,4,8):
        for local in (0,1):
          c += (n%tile==0 and tile%wpt==0 and tile%vec==0 and (tile//vec)*(tile//wpt)<=256 and n%unroll==0
                and (local==0 or tile%unroll==0) and wpt*vec<=4)
print(c)')
contains "$want recorded configurations of $want valid"

# a record that misses configurations: said up front, and each one proposed is named
db2=$WORK/partial.db
expect 0 "$SIM_DB" "$db2" 256 5
expect 0 "$KILN" tune matmul --simulate --strategy exhaustive --db "$db2"
contains "not a complete exhaustive run"
contains "have no recorded result and were answered as failures; the first: tile="

# refused: a clock budget, an unknown device, a kernel never recorded, an unknown strategy
expect 2 "$KILN" tune matmul --simulate --time 5 --db "$db"; contains "not --time"
expect 2 "$KILN" tune matmul --simulate --objective energy --db "$db"; contains "--objective energy is not replayed"
expect 2 "$KILN" tune matmul --simulate --device nosuchgpu --db "$db"; contains "no device named 'nosuchgpu'"
expect 0 "$KILN" tune matmul --simulate --device recorded --budget 3 --db "$db"; contains "Recorded GPU"
expect 2 "$KILN" tune laplace --simulate --db "$db"; contains "no results of laplace"
expect 2 "$KILN" tune matmul --simulate --size 512 --db "$db"; contains "no results of matmul at size 512"
expect 2 "$KILN" tune matmul --simulate --strategy annealing-typo --db "$db"; contains "unknown strategy"
expect 1 "$KILN" tune matmul --simulate --db "$WORK/none.db"; contains "no database at"
finish
