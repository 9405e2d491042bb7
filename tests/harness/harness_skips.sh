# The harness never turns a failure into a skip, and under KILN_REQUIRE_DEVICES=1
# (CI) a missing device is a failure: in check.h, in lib.sh, and in real device tests
# run with the OpenCL ICD loader pointed at an empty vendors folder.
# Tests whose OpenCL half is only a part of them (test_gen, cli_concurrent) run
# the rest without a device, but fail under KILN_REQUIRE_DEVICES=1.
# usage: harness_skips.sh KILN CHECK_PROBE TEST_RT_OPENCL TEST_GEN
. "$(dirname "$0")/../cli/lib.sh"
PROBE=$2
RT_OPENCL=$3
TEST_GEN=$4
LIB=$(cd "$(dirname "$0")/../cli" && pwd)/lib.sh
CLI_DIR=$(dirname "$LIB")

# check.h
expect 77 env KILN_REQUIRE_DEVICES=0 "$PROBE" skip
expect 1 env KILN_REQUIRE_DEVICES=0 "$PROBE" fail-then-skip
contains "1 checks failed before the skip"
expect 77 env KILN_REQUIRE_DEVICES=0 "$PROBE" no-device
expect 1 env KILN_REQUIRE_DEVICES=1 "$PROBE" no-device
contains "KILN_REQUIRE_DEVICES=1"
expect 1 env KILN_REQUIRE_DEVICES=0 "$PROBE" fail-then-no-device
expect 0 env KILN_REQUIRE_DEVICES=1 "$PROBE" none

# lib.sh
printf '. "%s" "%s"\nskip "nothing to do"\n' "$LIB" "$KILN" > "$WORK/skip.sh"
printf '. "%s" "%s"\nexpect 0 false\nskip "nothing to do"\n' "$LIB" "$KILN" > "$WORK/fail_skip.sh"
printf '. "%s" "%s"\nskip_no_device "no device here"\n' "$LIB" "$KILN" > "$WORK/no_device.sh"
expect 77 env KILN_REQUIRE_DEVICES=0 bash "$WORK/skip.sh"
expect 1 env KILN_REQUIRE_DEVICES=0 bash "$WORK/fail_skip.sh"
contains "1 checks failed before the skip"
expect 77 env KILN_REQUIRE_DEVICES=0 bash "$WORK/no_device.sh"
expect 1 env KILN_REQUIRE_DEVICES=1 bash "$WORK/no_device.sh"

# Real device tests with no OpenCL platform at all.
mkdir -p "$WORK/no-vendors"
expect 77 env OCL_ICD_VENDORS="$WORK/no-vendors" KILN_REQUIRE_DEVICES=0 "$RT_OPENCL"
expect 1 env OCL_ICD_VENDORS="$WORK/no-vendors" KILN_REQUIRE_DEVICES=1 "$RT_OPENCL"
contains "no OpenCL platform/device installed"
expect 77 env OCL_ICD_VENDORS="$WORK/no-vendors" KILN_REQUIRE_DEVICES=0 \
  bash "$CLI_DIR/cli_tune_opencl.sh" "$KILN"
expect 1 env OCL_ICD_VENDORS="$WORK/no-vendors" KILN_REQUIRE_DEVICES=1 \
  bash "$CLI_DIR/cli_tune_opencl.sh" "$KILN"
contains "no OpenCL device"
# a test with an OpenCL half: the host half alone passes, unless devices are required
expect 0 env OCL_ICD_VENDORS="$WORK/no-vendors" KILN_REQUIRE_DEVICES=0 "$TEST_GEN"
contains "no OpenCL platform"
expect 1 env OCL_ICD_VENDORS="$WORK/no-vendors" KILN_REQUIRE_DEVICES=1 "$TEST_GEN"
contains "KILN_REQUIRE_DEVICES=1"
expect 1 env OCL_ICD_VENDORS="$WORK/no-vendors" KILN_REQUIRE_DEVICES=1 \
  bash "$CLI_DIR/cli_concurrent.sh" "$KILN"
contains "KILN_REQUIRE_DEVICES=1"
finish
