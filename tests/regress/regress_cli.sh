# kiln regress record|check end to end: the committed cases replay on the host and on
# PoCL, two devices' recordings agree, an error planted in a variant is caught (exit 1),
# a wrong variant is never recorded, and bad cases are rows of their own while the
# good ones are still checked.
# usage: regress_cli.sh KILN PLANTED_PLUGIN CASES_DIR
. "$(dirname "$0")/../cli/lib.sh"
PLUGIN=$2
CASES=$3
POCL="Portable Computing Language"
need_opencl_device

# row FILE WORD: the table row of case FILE contains WORD
row() {
  checks=$((checks + 1))
  if ! grep -F -- "$1" <<<"$OUT" | grep -qF -- "$2"; then
    failures=$((failures + 1))
    echo "FAIL: no row of '$1' with '$2'; output:"; echo "$OUT" | head -30
  fi
}

# The committed cases (every example, and whatever scripts/record-cases.sh added), recorded
# on both devices, replayed on both.
kernels=$(cd "$CASES/host" && ls *.ktr | sed 's/\.ktr$//')
ncases=$(ls "$CASES"/host/*.ktr "$CASES"/pocl/*.ktr | wc -l)
checks=$((checks + 1))
for k in triad matmul laplace laplace_rgb; do
  grep -qx "$k" <<<"$kernels" && [ -f "$CASES/pocl/$k.ktr" ] || { failures=$((failures + 1)); echo "FAIL: no cases of $k"; }
done
for dev in host "$POCL"; do
  expect 0 "$KILN" regress check "$CASES/host" "$CASES/pocl" --device "$dev"
  contains "$ncases cases, 0 rows not ok"
  for k in $kernels; do
    row "host/$k.ktr" " ok "; row "pocl/$k.ktr" " ok "
  done
done
# a --set one case's kernel does not have is that case's error; the others are checked
expect 1 "$KILN" regress check "$CASES/host/laplace_rgb.ktr" "$CASES/host/matmul.ktr" "$CASES/host/triad.ktr" \
  --device host --set vec=4
contains "3 cases, 1 row not ok"; row "host/laplace_rgb.ktr" "unknown parameter 'vec'"
row "host/triad.ktr" "vec=4"; row "host/triad.ktr" " ok "; row "host/matmul.ktr" "vec=4"
expect 0 "$KILN" regress check "$CASES/host" --against "$CASES/pocl"
contains "$((ncases / 2)) cases, 0 rows not ok"; row "host/matmul.ktr" "against"

# An error planted in a variant: a small scale error, an element left unwritten.
P=("$KILN" --plugin "$PLUGIN" regress)
expect 0 "${P[@]}" record planted --size 1000 --device host -o "$WORK/planted.ktr"
contains "recorded planted"
for dev in host "$POCL"; do
  expect 0 "${P[@]}" check "$WORK/planted.ktr" --device "$dev"
  row planted.ktr " ok "
  expect 1 "${P[@]}" check "$WORK/planted.ktr" --device "$dev" --set bug=1
  row planted.ktr "differs"; row planted.ktr "bug=1"; contains "output 'a'"; contains "1 row not ok"
  expect 1 "${P[@]}" check "$WORK/planted.ktr" --device "$dev" --set bug=2
  row planted.ktr "differs"; contains "worst index 999"; contains "1 non-finite"
done
expect 1 "${P[@]}" check "$WORK/planted.ktr" --device host --all-variants
contains "2 rows not ok"; row "bug=0" " ok "; row "bug=1" "differs"; row "bug=2" "differs"

# --best: the fastest tuned variant (the wrong ones are never best)
expect 0 "$KILN" --plugin "$PLUGIN" tune planted --size 1000 --device host --strategy exhaustive
expect 0 "${P[@]}" record planted --size 1000 --device host --best -o "$WORK/best.ktr"
contains '{"bug":0}'
expect 0 "${P[@]}" check "$WORK/best.ktr" "$WORK/planted.ktr" --device host --best
contains "2 cases, 0 rows not ok"; row best.ktr "bug=0"
expect 1 "$KILN" regress check "$CASES/host/triad.ktr" --device host --best
row triad.ktr "no tuned result of 'triad' at size 2048"

# A variant that fails verification is not recorded, and the case already there stays.
cp "$WORK/planted.ktr" "$WORK/keep.ktr"
expect 1 "${P[@]}" record planted --size 1000 --device host --set bug=1 -o "$WORK/keep.ktr"
contains "fails verification"; contains "nothing recorded"
checks=$((checks + 1))
if ! cmp -s "$WORK/planted.ktr" "$WORK/keep.ktr" || ls "$WORK"/keep.ktr.tmp* >/dev/null 2>&1; then
  failures=$((failures + 1)); echo "FAIL: a refused record changed the case or left a temporary file"
fi

# Bad cases: each a row naming the file and the field; the good case is still checked.
B="$WORK/bad"; mkdir -p "$B"
cp "$CASES/host/triad.ktr" "$B/good.ktr"
head -c 20000 "$CASES/host/triad.ktr" > "$B/truncated.ktr"
cp "$CASES/host/triad.ktr" "$B/corrupt.ktr"
printf '\x55' | dd of="$B/corrupt.ktr" bs=1 seek=5000 conv=notrunc status=none
cp "$CASES/host/triad.ktr" "$B/future.ktr"
printf '\x02' | dd of="$B/future.ktr" bs=1 seek=8 conv=notrunc status=none
cp "$WORK/planted.ktr" "$B/unknown.ktr"          # checked without the plugin
printf 'not a trace' > "$B/foreign.ktr"
expect 1 "$KILN" regress check "$B" --device host
contains "6 cases, 5 rows not ok"
row good.ktr " ok "
row truncated.ktr "truncated.ktr: field 'table_offset': truncated"
row corrupt.ktr "corrupt.ktr: field 'args[1] 'a'.output': checksum mismatch"
row future.ktr "future.ktr: field 'version': format version 2"
row unknown.ktr "unknown.ktr: field 'kernel': unknown kernel 'planted'"
row foreign.ktr "foreign.ktr: field 'prologue': truncated"
expect 1 "$KILN" regress check "$B/good.ktr" "$WORK/missing.ktr" --device host
row good.ktr " ok "; row missing.ktr "No such file"
# --against: a case whose inputs differ is no comparison at all
mkdir -p "$WORK/seed2"
expect 0 "$KILN" regress record triad --size 2048 --seed 2 --device host -o "$WORK/seed2/triad.ktr"
expect 1 "$KILN" regress check "$CASES/host/triad.ktr" --against "$WORK/seed2"
contains "field 'seed': differs"
finish
