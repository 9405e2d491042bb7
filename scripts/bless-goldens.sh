#!/usr/bin/env bash
# Rewrites the golden files of generated source (tests/gen/golden and
# tests/kernels/golden) from today's generators and shows every change as a
# unified diff first. Asks nothing, so CI can run it.
#
#   scripts/bless-goldens.sh           show the diff, then replace the goldens
#   scripts/bless-goldens.sh --check   show the diff, change nothing; exit 1 if a golden is stale
#
# A golden is only what a variant looks like: the tests that write them also
# execute every kernel against plain C, and if they fail for any other reason
# nothing is blessed. BUILD_DIR (default: build) must be configured.
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: scripts/bless-goldens.sh [--check]" >&2; exit 2 ;;
esac
build=${BUILD_DIR:-build}
[ -f "$build/CMakeCache.txt" ] || { echo "bless-goldens: $build is not a configured build (scripts/setup.sh)" >&2; exit 2; }
cmake --build "$build" -j2 --target test_gen test_examples_golden test_specfem_golden >/dev/null

out=$(mktemp -d "$PWD/$build/bless.XXXXXX")
trap 'rm -rf "$out"' EXIT

# test binary -> golden folder
suites=("tests/gen/test_gen:tests/gen/golden" "tests/kernels/test_examples_golden:tests/kernels/golden"
        "tests/specfem/test_specfem_golden:tests/specfem/golden")
stale=0
for s in "${suites[@]}"; do
  bin=${s%%:*} dir=${s#*:}
  name=$(basename "$bin")
  mkdir -p "$out/$name"
  if ! KILN_BLESS_DIR="$out/$name" "$build/$bin" >"$out/$name.log" 2>&1; then
    cat "$out/$name.log" >&2
    echo "bless-goldens: $name fails beyond its golden files; nothing blessed" >&2
    exit 1
  fi
  # diff exits 1 when the folders differ: that is the answer, not an error
  if ! diff -ruN "$dir" "$out/$name" | sed "s|$out/$name|$dir (new)|"; then :; fi
  if ! diff -rq "$dir" "$out/$name" >/dev/null; then
    stale=1
    if [ "$check" = 0 ]; then
      find "$dir" -maxdepth 1 -type f \( -name '*.c' -o -name '*.cl' \) -delete
      cp "$out/$name"/* "$dir"/
    fi
  fi
done

if [ "$stale" = 0 ]; then
  echo "bless-goldens: every golden file matches the generators" >&2
elif [ "$check" = 1 ]; then
  echo "bless-goldens: golden files are stale (the diff above); run scripts/bless-goldens.sh to take it" >&2
  exit 1
else
  echo "bless-goldens: golden files rewritten (the diff above); review it before committing" >&2
fi
