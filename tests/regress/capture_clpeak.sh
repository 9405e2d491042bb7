# Capture from a real OpenCL application of Debian, clpeak, run unmodified through the
# remoting ICD with kiln-remoted --capture; its launches replay bit-identical on PoCL
# natively and through remoting.
# usage: capture_clpeak.sh KILN KILN_REMOTED REMOTE_ICD
. "$(dirname "$0")/../cli/lib.sh"
DAEMON=$2
ICD=$3
POCL="Portable Computing Language"
need_opencl_device
command -v clpeak >/dev/null || skip_no_device "clpeak is not installed (scripts/setup.sh installs it)"
. "$(dirname "$0")/capture_lib.sh"

mkdir -p "$WORK/cases"
start_daemon "$WORK/capture.sock" --capture "$WORK/cases" --capture-max 1
SOCK="$WORK/capture.sock"
# Under the sanitizer pass the ICD is instrumented and clpeak is not: clpeak then needs
# the sanitizer runtimes first (and its own leaks are not kiln's).
preload=$(ldd "$ICD" | awk '/lib(asan|ubsan)\.so/ {print $3}' | paste -sd: -)
if [ -n "$preload" ]; then
  expect 0 remoted env LD_PRELOAD="$preload" ASAN_OPTIONS=detect_leaks=0 clpeak --kernel-latency
else
  expect 0 remoted clpeak --kernel-latency
fi
contains "kiln-remote"; contains "Kernel launch latency"
checks=$((checks + 1))
n=$(ls "$WORK/cases" | wc -l)
if [ "$n" -lt 1 ]; then failures=$((failures + 1)); echo "FAIL: clpeak's launches were not captured"; fi
expect 0 "$KILN" regress check "$WORK/cases" --device "$POCL"
contains "$n case"; contains ", 0 rows not ok"; contains "global_bandwidth"
start_daemon "$WORK/plain.sock"
SOCK="$WORK/plain.sock"
expect 0 remoted "$KILN" regress check "$WORK/cases" --device kiln-remote
contains ", 0 rows not ok"; contains "[kiln-remote (Portable Computing Language)]"
finish
