# Tuning on the host C backend: rows stored, summary printed, best and export agree.
. "$(dirname "$0")/lib.sh"

expect 0 "$KILN" tune triad --device host --size 65536 --strategy random --budget 4 --seed 3
contains "best:"; contains "faster than the slowest"; contains "stored in"
expect 0 "$KILN" best triad --device host --size 65536; contains "triad on"
expect 0 "$KILN" best triad --device host --size 65536 --json; contains '"config":{'
expect 0 "$KILN" export --format csv
rows=$(($(grep -c . <<<"$OUT") - 1))
checks=$((checks + 1)); [ "$rows" -ge 4 ] || { failures=$((failures + 1)); echo "FAIL: export has $rows rows, expected >= 4"; }
expect 0 "$KILN" export --format json;   contains '"verdict":"ok"'
python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert len(d) >= 4, d' <<<"$OUT" \
  || { failures=$((failures + 1)); echo "FAIL: export json does not parse"; }
checks=$((checks + 1))
expect 0 "$KILN" show triad;             contains "result"
# Fallback: a size never tuned still answers, and says it fell back.
expect 0 "$KILN" best triad --device host --size 1024; contains "fallback"
expect 0 "$KILN" tune laplace --device host --size 64x32 --budget 3
contains "best:"
expect 0 "$KILN" tune matmul --device host --size 32 --budget 3
contains "best:"
# Every parameter of gemm (18) fixed: one configuration, measured and stored.
gemm_sets=()
for p in mwg=16 nwg=16 kwg=8 mdim=4 ndim=4 sa=1 sb=1 la=2 lb=8 pad=1 vwg=2 vwm=2 vwn=2 ta=1 db=1 pf=1 ku=0 strided=1; do
  gemm_sets+=(--set "$p")
done
expect 0 "$KILN" tune gemm --device host --size 20x12x10 "${gemm_sets[@]}" --reps 1 --confirm 0
contains "1 configurations run"
finish
