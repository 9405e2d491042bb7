#!/usr/bin/env bash
# pyopencl's own test suite, natively (PoCL) and through the remoting ICD, side by side.
#
# Usage: tests/remote/pyopencl_suite.sh PYOPENCL_SOURCE [OUTDIR] [TEST_FILE...]
#   PYOPENCL_SOURCE  pyopencl's sdist (pyopencl-2022.3.1.tar.gz from PyPI, the version Debian 12's
#                    python3-pyopencl packages) or an unpacked source tree; its test/ folder is run
#   OUTDIR           where the results go (default tests/remote/pyopencl): raw.log (every pytest run, both
#                    modes), results.tsv (test, native, remoted) and table.md (the same, with totals)
#   TEST_FILE        only these files of test/, in this order (default: all test_*.py); each file runs
#                    natively, then remoted, and the table is rewritten after each
# Needs: apt-get install python3-pyopencl python3-pytest python3-pytest-timeout, pocl-opencl-icd, and a
# build of kiln-remoted and libkiln-remote-icd.so in $BUILD (default ./build). Not part of CTest (it takes
# tens of minutes on two cores).
#
# Each file runs under pytest -v with a watchdog: a test that prints nothing for $KILN_PYOPENCL_QUIET_S
# seconds (default 180) is killed and recorded as "hang", and the file resumes after it. Test names are
# written without the device or platform they ran on, so that both modes share one row.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
src=${1:?usage: pyopencl_suite.sh PYOPENCL_SOURCE [OUTDIR] [TEST_FILE...]}
out=${2:-$here/pyopencl}
shift $(( $# >= 2 ? 2 : 1 ))
build=${BUILD:-$root/build}
quiet_s=${KILN_PYOPENCL_QUIET_S:-180}
python=/usr/bin/python3 # Debian's python3-pyopencl lives there, whatever python3 comes first in PATH
daemon_bin=$build/runtime/remote/kiln-remoted
icd=$build/runtime/remote/libkiln-remote-icd.so
for f in "$daemon_bin" "$icd" /etc/OpenCL/vendors/pocl.icd; do
  [ -e "$f" ] || { echo "pyopencl_suite: missing $f" >&2; exit 2; }
done
$python -c 'import pyopencl, pytest, pytest_timeout' 2>/dev/null ||
  { echo "pyopencl_suite: needs python3-pyopencl python3-pytest python3-pytest-timeout" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kiln-pyopencl-XXXXXX")
daemon_pid=
cleanup() { [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
if [ -d "$src" ]; then
  tests=$(cd "$src/test" && pwd)
else
  tar -xzf "$src" -C "$work"
  tests=$(echo "$work"/pyopencl-*/test)
fi
[ -d "$tests" ] || { echo "pyopencl_suite: no test/ folder in $src" >&2; exit 2; }
version=$($python -c 'import pyopencl; print(pyopencl.VERSION_TEXT)')
mkdir -p "$out" "$work/native" "$work/remoted" "$work/run"
chmod 700 "$work/run"
cp /etc/OpenCL/vendors/pocl.icd "$work/native/"
echo "$icd" > "$work/remoted/kiln-remote.icd"
socket=$work/run/remoted.sock
raw=$out/raw.log
: > "$raw"
files=("$@")
[ ${#files[@]} -gt 0 ] || files=($(cd "$tests" && ls test_*.py))

start_daemon() {
  "$daemon_bin" --socket "$socket" --vendors "$work/native" >> "$work/daemon.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 100); do [ -S "$socket" ] && return 0; sleep 0.1; done
  echo "pyopencl_suite: kiln-remoted did not start" >&2; cat "$work/daemon.log" >&2; exit 1
}

# One file in one mode; results appended to $work/MODE.results as "nodeid<TAB>outcome".
run_file() {
  local mode=$1 file=$2
  local log=$work/$mode.$file.log
  local -a deselect=()
  while :; do
    (cd "$tests" && exec env OCL_ICD_VENDORS="$work/$mode" KILN_REMOTE_SOCKET="$socket" \
       XDG_CACHE_HOME="$work/cache-$mode" POCL_CACHE_DIR="$work/pocl-$mode" \
       setsid $python -m pytest -v -rA -p no:cacheprovider --rootdir "$tests" --timeout 600 "$file" "${deselect[@]}") > "$log" 2>&1 &
    local pid=$! size=-1 still=0 hung=0
    while kill -0 "$pid" 2>/dev/null; do
      sleep 5
      local now; now=$(stat -c %s "$log")
      if [ "$now" = "$size" ]; then still=$((still + 5)); else still=0; size=$now; fi
      if [ "$still" -ge "$quiet_s" ]; then kill -KILL -- "-$pid" 2>/dev/null || true; hung=1; fi
    done
    wait "$pid" 2>/dev/null || true
    { echo "=== $mode $file (pytest -v, ${#deselect[@]} deselected)"; cat "$log"; } >> "$raw"
    grep -aE '^test_[A-Za-z0-9_]+\.py::.* (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)( |$)' "$log" |
      sed -E 's/^(.*) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)( .*)?$/\1\t\2/' >> "$work/$mode.results" || true
    [ "$hung" = 1 ] || break
    # The test that printed its name last and no outcome is the one that hung.
    local last; last=$(grep -aE '^test_[A-Za-z0-9_]+\.py::' "$log" | tail -1 |
                        sed -E 's/ (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS).*$//; s/[[:space:]]+$//')
    [ -n "$last" ] || break
    echo "=== $mode $file: $last printed nothing for ${quiet_s}s: killed" >> "$raw"
    printf '%s\tHANG\n' "$last" >> "$work/$mode.results"
    if [ "$mode" = remoted ]; then kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null || true; start_daemon; fi
    deselect=()
    while IFS=$'\t' read -r id _; do deselect+=(--deselect "$id"); done < <(grep -a "^$file::" "$work/$mode.results")
  done
}

# The table so far, rewritten after each file (an interrupted run still leaves one).
write_table() {
$python - "$work/native.results" "$work/remoted.results" "$out" "$version" "$*" <<'EOF'
import re, sys
native, remoted, out, version, files = sys.argv[1:6]
def key(nodeid):
    # The device and platform a test ran on differ between the modes: leave them out of its name.
    nodeid = re.sub(r"<context factory for <pyopencl\.Device '[^']*' on '[^']*'>>", "ctx", nodeid)
    nodeid = re.sub(r"<pyopencl\.Platform '[^']*'( at 0x[0-9a-f]+)?>", "platform", nodeid)
    nodeid = re.sub(r"<pyopencl\.Device '[^']*' on '[^']*'( at 0x[0-9a-f]+)?>", "device", nodeid)
    return nodeid
def load(path):
    res = {}
    for line in open(path, errors="replace"):
        nodeid, _, outcome = line.rstrip("\n").rpartition("\t")
        if nodeid:
            res.setdefault(key(nodeid), outcome.lower())
    return res
n, r = load(native), load(remoted)
names = sorted(set(n) | set(r))
with open(f"{out}/results.tsv", "w") as f:
    f.write("test\tnative\tremoted\n")
    for t in names:
        f.write(f"{t}\t{n.get(t, 'not run')}\t{r.get(t, 'not run')}\n")
def count(res, what):
    return sum(1 for t in names if res.get(t) == what)
outcomes = ["passed", "failed", "error", "skipped", "xfail", "xpass", "hang"]
with open(f"{out}/table.md", "w") as f:
    f.write(f"# pyopencl {version} test suite: native PoCL and through kiln-remote\n\n")
    f.write("Written by tests/remote/pyopencl_suite.sh; raw pytest output in raw.log.\n")
    f.write(f"Files run: {files}.\n\n")
    f.write("| outcome | native | remoted |\n|---|---|---|\n")
    for o in outcomes:
        f.write(f"| {o} | {count(n, o)} | {count(r, o)} |\n")
    diff = [t for t in names if n.get(t) == "passed" and r.get(t) != "passed"]
    f.write(f"\n{len(diff)} tests pass natively and not remoted.\n\n")
    f.write("| test | native | remoted |\n|---|---|---|\n")
    for t in names:
        f.write(f"| `{t}` | {n.get(t, 'not run')} | {r.get(t, 'not run')} |\n")
print(open(f"{out}/table.md").read().split("| test |")[0])
EOF
}

: > "$work/native.results"
: > "$work/remoted.results"
start_daemon
done_files=()
for f in "${files[@]}"; do
  for mode in native remoted; do
    echo "pyopencl_suite: $mode $f" >&2
    run_file "$mode" "$f"
  done
  done_files+=("$f")
  write_table "${done_files[@]}" >&2
done
