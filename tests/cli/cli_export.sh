# What the database knows, read back by best/show/export: without the plugin that
# tuned it, with missing values empty (CSV) or null (JSON), with every string escaped,
# never written over the database, and never reported as done when a write failed.
. "$(dirname "$0")/lib.sh"
PLUGIN=$2

unchanged() { # unchanged FILE SUM: FILE still has md5 SUM
  checks=$((checks + 1))
  [ "$(md5sum < "$1")" = "$2" ] || { failures=$((failures + 1)); echo "FAIL: $1 changed"; }
}
absent() { # absent GLOB...: no such file exists
  checks=$((checks + 1))
  if ls "$@" >/dev/null 2>&1; then failures=$((failures + 1)); echo "FAIL: $* exists"; fi
}

# Modes 0, 1, 2 of the faulty plugin: one ok, one wrong, one build_error row.
expect 0 "$KILN" --plugin "$PLUGIN" tune faulty --device host --size 256 --budget 3 --verbose
contains "1 ok, 2 failed"

# ---- best, show and export answer from the database alone (no --plugin) ----
expect 0 "$KILN" best faulty --device host;   contains "mode=0"; contains "size 256"
expect 0 "$KILN" best faulty --device host --size 256; contains "mode=0"
expect 0 "$KILN" best faulty --device host --json
pyrun 'import json,sys; d=json.loads(sys.argv[1]); assert d["kernel"]=="faulty" and d["config"]=={"mode":0}, d' "$OUT"
expect 0 "$KILN" show faulty;                 contains "build_error"; contains "3 results"
expect 0 "$KILN" export faulty --format json; contains '"verdict":"wrong"'
expect 2 "$KILN" best nosuchkernel;           contains "unknown kernel 'nosuchkernel'"

# ---- missing values: empty in CSV, null in JSON, never -1 or 0 ----
"$KILN" export --format json > "$WORK/rows.json"
pyrun 'import json,sys
rows = {r["verdict"]: r for r in json.load(open(sys.argv[1]))}
ok, bad = rows["ok"], rows["build_error"]
for k in ("median_ns", "min_ns", "max_ns", "samples", "gflops", "gbytes_per_s", "max_abs_err", "max_rel_err"):
    assert bad[k] is None, ("build_error", k, bad[k])
assert ok["gflops"] is None, ok          # the kernel counts no FLOPs: unknown, not 0
assert ok["median_ns"] > 0 and ok["samples"] > 0 and ok["gbytes_per_s"] > 0 and ok["max_abs_err"] >= 0, ok
assert ok["error"] is None, ok
' "$WORK/rows.json"
"$KILN" export > "$WORK/rows.csv"
pyrun 'import csv,sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 3, rows
bad = [r for r in rows if r["verdict"] == "build_error"][0]
ok = [r for r in rows if r["verdict"] == "ok"][0]
for k in ("median_ns", "samples", "gflops", "max_abs_err"):
    assert bad[k] == "", ("build_error", k, bad[k])
assert ok["gflops"] == "" and float(ok["median_ns"]) > 0, ok
' "$WORK/rows.csv"

# ---- every string escaped: a build log with quotes, newlines, tabs, control
#      characters, backslashes, commas and a byte that is not UTF-8 ----
cp "$KILN_DB" "$WORK/escape.db"
python3 - "$WORK/escape.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.text_factory = bytes
db.execute("UPDATE results SET error_text = ? WHERE verdict = 'build_error'",
           (b'x.c:1: error: "a\\b", c\n\tline 2\r\x01\x1f end \xc3\xa9 \xff! \xf8\x88\x80\x80',))
db.execute("UPDATE devices SET name = ?", (b'GPU "quoted", with comma',))
db.commit()
EOF
expect 0 "$KILN" export --db "$WORK/escape.db" --format json
pyrun 'import json,sys
rows = json.loads(sys.argv[1])
bad = [r for r in rows if r["verdict"] == "build_error"][0]
assert bad["error"] == "x.c:1: error: \"a\\b\", c\n\tline 2\r\x01\x1f end \u00e9 \ufffd! " + "\ufffd" * 4, repr(bad["error"])
assert all(r["device"] == "GPU \"quoted\", with comma" for r in rows), rows
' "$OUT"
expect 0 "$KILN" best faulty --db "$WORK/escape.db" --json
pyrun 'import json,sys; assert json.loads(sys.argv[1])["device"] == "GPU \"quoted\", with comma"' "$OUT"
expect 0 "$KILN" export --db "$WORK/escape.db" --output "$WORK/escape.csv"
pyrun 'import csv,sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8", errors="surrogateescape")))
assert all(len(r) == len(rows[0]) for r in rows), [len(r) for r in rows]
head = rows[0]
bad = [dict(zip(head, r)) for r in rows[1:] if r[head.index("verdict")] == "build_error"][0]
assert bad["error"] == "x.c:1: error: \"a\\b\", c\n\tline 2\r\x01\x1f end \u00e9 \udcff! \udcf8\udc88\udc80\udc80", repr(bad["error"])
assert bad["device"] == "GPU \"quoted\", with comma", bad
' "$WORK/escape.csv"

# ---- an export never lands on the database, however it is named ----
sum=$(md5sum < "$KILN_DB")
ln -s "$KILN_DB" "$WORK/link.db"
mkdir "$WORK/sub"
for target in "$KILN_DB" "$WORK/sub/../kiln.db" "$WORK//kiln.db" "$WORK/link.db" "$KILN_DB-wal" "$KILN_DB-shm"; do
  expect 2 "$KILN" export --output "$target"; contains "is the database"
done
cd "$WORK"; expect 2 "$KILN" export --db kiln.db --output ./kiln.db; contains "is the database"; cd - >/dev/null
unchanged "$KILN_DB" "$sum"
absent "$KILN_DB-wal" "$KILN_DB-shm" "$WORK"/kiln.db.*
expect 0 "$KILN" show;                        contains "3 results"

# ---- written whole or not at all; a failed write is exit 1 ----
expect 0 "$KILN" export --output "$WORK/out.csv"
outsum=$(md5sum < "$WORK/out.csv")
# A file size limit makes every write fail (EFBIG): the old file stays.
expect 1 bash -c 'trap "" XFSZ; ulimit -f 0; "$1" export --db "$2" --output "$3"' _ "$KILN" "$WORK/escape.db" "$WORK/out.csv"
contains "out.csv"
unchanged "$WORK/out.csv" "$outsum"
absent "$WORK"/out.csv.*
expect 1 "$KILN" export --output "$WORK/no/such/dir/out.csv"; contains "no/such/dir"
# An existing file keeps its permissions; a link to a file is written through.
chmod 600 "$WORK/out.csv"
ln -s out.csv "$WORK/out-link.csv"
expect 0 "$KILN" export --format json --output "$WORK/out-link.csv"
checks=$((checks + 1))
[ -L "$WORK/out-link.csv" ] && [ "$(stat -c %a "$WORK/out.csv")" = 600 ] && grep -q '"verdict"' "$WORK/out.csv" ||
  { failures=$((failures + 1)); echo "FAIL: link or permissions lost: $(ls -l "$WORK"/out*)"; }
expect 1 "$KILN" export --output /dev/full;   contains "No space left"
expect 1 bash -c '"$1" export > /dev/full' _ "$KILN";               contains "No space left"
expect 1 bash -c '"$1" export --format json > /dev/full' _ "$KILN"; contains "No space left"
expect 1 bash -c '"$1" show > /dev/full' _ "$KILN";                 contains "No space left"
expect 1 bash -c '"$1" best faulty --device host > /dev/full' _ "$KILN"; contains "No space left"
expect 1 bash -c '"$1" kernels > /dev/full' _ "$KILN";              contains "No space left"

# ---- best reports a database error it read before closing the database ----
cp "$KILN_DB" "$WORK/broken.db"
python3 -c 'import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.execute("ALTER TABLE results RENAME COLUMN median_ns TO m"); d.commit()' "$WORK/broken.db"
# Valgrind sees the read after free; a sanitizer build sees it itself (and cannot run under valgrind).
VG=""
command -v valgrind >/dev/null && ! grep -q __asan_init "$KILN" && VG="valgrind -q --error-exitcode=99"
expect 1 $VG "$KILN" --plugin "$PLUGIN" best faulty --device host --db "$WORK/broken.db"; contains "median_ns"
expect 1 $VG "$KILN" best faulty --device host --db "$WORK/broken.db"; contains "median_ns"
finish
