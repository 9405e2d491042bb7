# The commands that only read (show, best, export) work on a database they cannot
# write: a read-only file in a read-only directory, owned by another user, while a
# tuner may hold it open in WAL mode. They create nothing (no file, no -wal, no
# -shm) and never write into an empty or foreign file.
# Run as root, "another user" is nobody through setpriv: mode 444 does not stop root.
. "$(dirname "$0")/lib.sh"

PLACE=$WORK   # where the databases of this test live
if [ "$(id -u)" = 0 ]; then
  command -v setpriv >/dev/null || { echo "FAIL: root without setpriv cannot act as another user"; exit 1; }
  nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
  # A build tree under a private home (/root is mode 700) is out of the other
  # user's reach: then the binary (self-contained) and the databases go to a
  # folder of their own, removed at the end.
  if ! nobody test -x "$KILN" || ! nobody test -x "$WORK"; then
    PLACE=$(mktemp -d /tmp/kiln-readonly.XXXXXX)  # paths-ok: the other user cannot reach the build tree
    trap 'rm -rf "$WORK" "$PLACE"' EXIT
    cp "$KILN" "$PLACE/kiln"
    KILN="$PLACE/kiln"
  fi
  # the other user's own temporary folder, and sanitizer reports on its stderr
  as_other() { nobody env HOME=/nonexistent TMPDIR="$PLACE/other-tmp" ASAN_OPTIONS="${ASAN_OPTIONS%:log_path=*}" \
                 UBSAN_OPTIONS="${UBSAN_OPTIONS%:log_path=*}" "$@"; }
else
  as_other() { "$@"; }
fi
chmod 755 "$WORK" "$PLACE"
mkdir -m 1777 "$PLACE/other-tmp"
checks=$((checks + 1))
as_other "$KILN" --version >/dev/null 2>&1 || { failures=$((failures + 1)); echo "FAIL: $KILN is not executable by another user"; finish; }

listing() { (cd "$1" && ls -A | sort | tr '\n' ' '); }
same_listing() { # same_listing DIR BEFORE
  checks=$((checks + 1))
  local now; now=$(listing "$1")
  [ "$now" = "$2" ] || { failures=$((failures + 1)); echo "FAIL: $1 was '$2', now '$now'"; }
}

RO="$PLACE/ro"
mkdir "$RO"
expect 0 "$KILN" tune triad --device host --size 4096 --budget 2 --db "$RO/kiln.db"
rows=$("$KILN" show --db "$RO/kiln.db" | tail -1)   # "N results"
chmod 444 "$RO/kiln.db"
chmod 555 "$RO"
before=$(listing "$RO")
sum=$(md5sum < "$RO/kiln.db")
for who in "" as_other; do
  expect 0 $who "$KILN" show --db "$RO/kiln.db";                        contains "$rows"
  expect 0 $who "$KILN" export --db "$RO/kiln.db" --format json;        contains '"verdict":"ok"'
  expect 0 $who "$KILN" best triad --device host --size 4096 --db "$RO/kiln.db"; contains "triad on"
  # A tuner needs to write: refused with the reason, nothing changed.
  expect 1 as_other "$KILN" tune triad --device host --size 4096 --budget 1 --db "$RO/kiln.db"
done
same_listing "$RO" "$before"
checks=$((checks + 1)); [ "$(md5sum < "$RO/kiln.db")" = "$sum" ] || { failures=$((failures + 1)); echo "FAIL: kiln.db changed"; }

# While a tuner holds the database open, its newest rows are in the -wal file:
# another user reads them too, from a directory it cannot write.
chmod 755 "$RO"; chmod 644 "$RO/kiln.db"
python3 - "$RO/kiln.db" "$PLACE/hold" <<'EOF' &
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA wal_autocheckpoint = 0")
db.execute("INSERT INTO results (run, kernel, device, lang, size, config_json, source_hash, verdict)"
           " SELECT run, kernel, device, lang, size, '{\"held\":1}', source_hash, 'ok' FROM results LIMIT 1")
open(sys.argv[2], "w").close()
while os.path.exists(sys.argv[2]):
    time.sleep(0.05)
EOF
holder=$!
for _ in $(seq 100); do [ -e "$PLACE/hold" ] && break; sleep 0.1; done
checks=$((checks + 1)); [ -e "$RO/kiln.db-wal" ] || { failures=$((failures + 1)); echo "FAIL: no -wal while held"; }
expect 0 as_other "$KILN" show --db "$RO/kiln.db";   contains "held=1"
rm -f "$PLACE/hold"; wait "$holder"

# A writer killed with its results still in the -wal file (no -shm left): from a
# directory it cannot write, another user gets the reason, not "not a kiln database".
python3 -c 'import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA wal_autocheckpoint = 0")
db.execute("UPDATE results SET verdict = verdict")
os._exit(0)' "$RO/kiln.db"
rm -f "$RO/kiln.db-shm"
chmod 555 "$RO"
checks=$((checks + 1)); [ -s "$RO/kiln.db-wal" ] || { failures=$((failures + 1)); echo "FAIL: no -wal left"; }
expect 1 as_other "$KILN" show --db "$RO/kiln.db";   contains "write-ahead log"
chmod 755 "$RO"
# The owner's last connection folds the log in and removes it.
python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute("SELECT 1 FROM meta").fetchall(); db.close()' "$RO/kiln.db"

# Read-only commands create no database and write into no empty or foreign file.
: > "$PLACE/empty.db"
echo "notes" > "$PLACE/notes.db"
for cmd in "show" "export" "best triad --device host"; do
  expect 1 $KILN $cmd --db "$PLACE/none.db";    contains "no database"
  expect 1 $KILN $cmd --db "$PLACE/empty.db";   contains "is empty"
  expect 1 $KILN $cmd --db "$PLACE/notes.db";   contains "not a kiln database"
done
checks=$((checks + 1))
[ ! -e "$PLACE/none.db" ] && [ ! -s "$PLACE/empty.db" ] && [ "$(cat "$PLACE/notes.db")" = notes ] &&
  ! ls "$PLACE"/*.db-* >/dev/null 2>&1 || { failures=$((failures + 1)); echo "FAIL: a read-only command wrote: $(listing "$PLACE")"; }

# Reading a writable database in a writable directory leaves no -wal or -shm behind.
chmod 644 "$RO/kiln.db"
before=$(listing "$RO")
expect 0 "$KILN" show --db "$RO/kiln.db"
same_listing "$RO" "$before"
finish
