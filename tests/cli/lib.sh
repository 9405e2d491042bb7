# lib.sh: helpers for the kiln command tests. Source it; $KILN is the binary.
set -u
KILN=$1
WORK=$(mktemp -d "$PWD/kiln-test.XXXXXX" 2>/dev/null || mktemp -d)  # in the build tree under CTest
trap 'rm -rf "$WORK"' EXIT
export KILN_DB="$WORK/kiln.db"
export KILN_CACHE_DIR="$WORK/cache"
# Under a sanitizer build every report of every kiln run, background ones and
# those whose output is not checked included, lands here; finish fails on any.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$WORK/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$WORK/sanitizer"
failures=0
checks=0

# expect CODE CMD...: runs CMD, checks its exit status, keeps output in $OUT
expect() {
  local want=$1; shift
  checks=$((checks + 1))
  OUT=$("$@" 2>&1); local got=$?
  if [ "$got" != "$want" ]; then
    failures=$((failures + 1))
    echo "FAIL: '$*' exited $got, expected $want; output:"; echo "$OUT" | head -30
  elif grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error: ' <<<"$OUT"; then
    # Under the sanitizer build a report exits 1, which an expected failure would hide.
    failures=$((failures + 1))
    echo "FAIL: '$*' exited $got as expected, but with a sanitizer report:"; echo "$OUT" | head -40
  fi
}

# contains TEXT: the last output contains TEXT
contains() {
  checks=$((checks + 1))
  if ! grep -qF -- "$1" <<<"$OUT"; then
    failures=$((failures + 1))
    echo "FAIL: output lacks '$1'; output:"; echo "$OUT" | head -30
  fi
}

# pyrun SCRIPT ARGS...: a python3 check; its exit status counts as one check.
pyrun() {
  checks=$((checks + 1))
  if ! python3 -c "$1" "${@:2}"; then
    failures=$((failures + 1))
    echo "FAIL: python check '$(head -c 80 <<<"$1")' on ${*:2}"
  fi
}

# skip MESSAGE: exits 77 (skipped), or 1 when a check already failed.
skip() {
  echo "SKIP: $*"
  if [ "$failures" != 0 ]; then
    echo "FAIL: $failures checks failed before the skip"; exit 1
  fi
  exit 77
}

# skip_no_device MESSAGE: the device a test needs is absent: a skip, or a failure
# where KILN_REQUIRE_DEVICES=1 (CI, where PoCL is installed).
skip_no_device() {
  if [ "${KILN_REQUIRE_DEVICES:-}" = 1 ]; then
    echo "FAIL (KILN_REQUIRE_DEVICES=1, no skipping): $*"; exit 1
  fi
  skip "$@"
}

# need_opencl_device: skip_no_device unless kiln lists an OpenCL device.
need_opencl_device() {
  "$KILN" devices 2>/dev/null | grep -q '^[0-9]' || skip_no_device "no OpenCL device"
}

finish() {
  if ls "$WORK"/sanitizer.* >/dev/null 2>&1; then
    failures=$((failures + 1))
    echo "FAIL: sanitizer reports:"; head -60 "$WORK"/sanitizer.*
  fi
  echo "$((checks - failures)) passed, $failures failed"
  [ "$failures" = 0 ]
  exit $?
}
