# Capture from an unmodified OpenCL program (capture/clapp.c: Khronos headers only)
# through kiln-remoted --capture, then replay of its cases bit-identical on PoCL natively
# and through remoting; the first-N and name filters; two versions of the application
# compared with --against.
# usage: capture_cli.sh KILN KILN_REMOTED REMOTE_ICD CLAPP
. "$(dirname "$0")/../cli/lib.sh"
DAEMON=$2
ICD=$3
CLAPP=$4
POCL="Portable Computing Language"
need_opencl_device

. "$(dirname "$0")/capture_lib.sh"

expect 0 "$CLAPP" 4096
native=$(grep -o 'checksum [0-9a-f]*' <<<"$OUT")
contains "checksum"

mkdir -p "$WORK/cases" "$WORK/v2" "$WORK/blur"
start_daemon "$WORK/capture.sock" --capture "$WORK/cases" --capture-max 2
SOCK="$WORK/capture.sock"
expect 0 remoted "$CLAPP" 4096
contains "$native"                      # captured, the application computes the same
start_daemon "$WORK/v2.sock" --capture "$WORK/v2" --capture-max 2
SOCK="$WORK/v2.sock"
expect 0 remoted "$CLAPP" --variant 2 4096
start_daemon "$WORK/blur.sock" --capture "$WORK/blur" --capture-kernel blur --capture-max 100
SOCK="$WORK/blur.sock"
expect 0 remoted "$CLAPP" 4096

# the first two launches of blur, the one of each other kernel (block_sum has a __local
# argument); blur alone, all five
checks=$((checks + 1))
got=$(cd "$WORK/cases" && ls)
want=$'000000-blur.ktr\n000001-blur.ktr\n000002-histogram.ktr\n000003-scale.ktr\n000004-block_sum.ktr'
if [ "$got" != "$want" ]; then failures=$((failures + 1)); echo "FAIL: captured cases: $got"; fi
checks=$((checks + 1))
if [ "$(ls "$WORK/blur" | wc -l)" != 5 ] || ls "$WORK/blur" | grep -qv blur; then
  failures=$((failures + 1)); echo "FAIL: --capture-kernel blur: $(ls "$WORK/blur")"
fi

# replay: bit-identical on PoCL natively, and through a remoting daemon that captures nothing
expect 0 "$KILN" regress check "$WORK/cases" "$WORK/blur" --device "$POCL"
contains "10 cases, 0 rows not ok"; contains "recorded source"; contains "000004-block_sum.ktr"
start_daemon "$WORK/plain.sock"
SOCK="$WORK/plain.sock"
expect 0 remoted "$KILN" regress check "$WORK/cases" --device kiln-remote
contains "5 cases, 0 rows not ok"; contains "kiln-remote"
checks=$((checks + 1))
if [ "$(ls "$WORK/cases" | wc -l)" != 5 ]; then failures=$((failures + 1)); echo "FAIL: the replay was captured"; fi

# a captured case on the host C compiler is refused by name
expect 1 "$KILN" regress check "$WORK/cases/000003-scale.ktr" --device host
contains "field 'kind': an OpenCL case needs an OpenCL device"

# two versions of the application: the first blur (same inputs) differs; the launches
# after it read what it wrote, so they are no longer the same call
expect 1 "$KILN" regress check "$WORK/cases" --against "$WORK/v2"
row_blur=$(grep -F 000000-blur.ktr <<<"$OUT")
checks=$((checks + 1))
if ! grep -q "differs" <<<"$row_blur" || ! grep -q "bytes differ" <<<"$row_blur"; then
  failures=$((failures + 1)); echo "FAIL: the second version's blur was not found different: $OUT"
fi
contains "000001-blur.ktr: field 'args[0] 'in'.input': differs"; contains "not recordings of the same call"
expect 0 "$KILN" regress check "$WORK/cases" --against "$WORK/cases"
contains "5 cases, 0 rows not ok"
finish
