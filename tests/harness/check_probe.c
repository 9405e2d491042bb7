/*
 * check_probe: exercises check.h's exits for test_harness_skips. The mode
 * (argv[1]) says what the "test" does: skip, fail-then-skip, no-device,
 * fail-then-no-device.
 */
#include "check.h"

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strncmp(mode, "fail-then-", 10) == 0) {
        CHECK(argc < 0); /* fails on purpose */
        mode += 10;
    }
    if (strcmp(mode, "skip") == 0)
        SKIP("probe skips");
    if (strcmp(mode, "no-device") == 0)
        SKIP_NO_DEVICE("probe has no device");
    CHECK_DONE();
}
