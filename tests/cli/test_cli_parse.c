/*
 * test_cli_parse.c: the command line's numbers, boundary by boundary. Each
 * accepted text gives its exact value; each refused one is refused, never
 * wrapped (-1 as 2^64 - 1), clamped (past LLONG_MAX), or read in another base.
 */
#include <limits.h>
#include <stdint.h>
#include "check.h"
#include "cli/cli.h"

int main(void)
{
    uint64_t u = 7;
    CHECK(cli_parse_u64("0", 0, UINT64_MAX, &u) == 0 && u == 0);
    CHECK(cli_parse_u64("18446744073709551615", 0, UINT64_MAX, &u) == 0 && u == UINT64_MAX);
    static const char *const bad_u64[] = {"-1", "+1", "18446744073709551616", "010", "0x10", "1e3", " 1", "1 ", "",
                                          "1.0", "１"};
    for (size_t i = 0; i < sizeof bad_u64 / sizeof bad_u64[0]; i++)
        CHECK_MSG(cli_parse_u64(bad_u64[i], 0, UINT64_MAX, &u) == -1, "'%s' accepted", bad_u64[i]);
    CHECK(cli_parse_u64("5", 6, 10, &u) == -1 && cli_parse_u64("11", 6, 10, &u) == -1);

    int v = 7;
    CHECK(cli_parse_int("-5", -10, 10, &v) == 0 && v == -5);
    CHECK(cli_parse_int("2147483647", 0, INT_MAX, &v) == 0 && v == INT_MAX);
    CHECK(cli_parse_int("2147483648", 0, INT_MAX, &v) == -1);
    CHECK(cli_parse_int("99999999999999999999", 0, INT_MAX, &v) == -1);
    CHECK(cli_parse_int("-0", -1, 1, &v) == -1 && cli_parse_int("--1", -5, 5, &v) == -1);

    double t = 0;
    CHECK(cli_parse_seconds("0.5", &t) == 0 && t == 0.5);
    CHECK(cli_parse_seconds("2e3", &t) == 0 && t == 2000);
    CHECK(cli_parse_seconds(".25", &t) == 0 && t == 0.25);
    static const char *const bad_seconds[] = {"nan", "inf", "-1", "0", "0.0", "1e999", "0x1p3", "1e", ".", "", "5s",
                                              " 1"};
    for (size_t i = 0; i < sizeof bad_seconds / sizeof bad_seconds[0]; i++)
        CHECK_MSG(cli_parse_seconds(bad_seconds[i], &t) == -1, "'%s' accepted", bad_seconds[i]);

    kiln_size s;
    CHECK(cli_parse_size("512x256", &s) == 0 && s.ndims == 2 && s.d[0] == 512 && s.d[1] == 256);
    CHECK(cli_parse_size("9223372036854775807", &s) == 0 && s.d[0] == LLONG_MAX);
    static const char *const bad_sizes[] = {"9223372036854775808", "1x9223372036854775808", "0", "010", "-4", "4x",
                                            "x4", "4x4x4x4", "0x10", " 4", ""};
    for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
        CHECK_MSG(cli_parse_size(bad_sizes[i], &s) == -1, "'%s' accepted", bad_sizes[i]);
        if (strcmp(bad_sizes[i], "9223372036854775808") == 0)
            CHECK_MSG(kiln_size_parse(bad_sizes[i], &s) == -1, "kiln_size_parse clamps '%s'", bad_sizes[i]);
    }

    CHECK(cli_check_setting("wg=64") == 0 && cli_check_setting("mode=-1") == 0);
    CHECK(cli_check_setting("kind=fast") == 0); /* an enumeration's value name */
    /* value lists (kiln tune --set tile=8,16): each value is checked */
    CHECK(cli_check_setting("wg=64,128") == 0 && cli_check_setting("kind=fast,slow,-1") == 0);
    static const char *const bad_settings[] = {"wg=0x40", "wg=0100", "wg=1e2", "wg=99999999999999999999", "wg=+4",
                                               "wg=4.0", "wg=-", "wg=64,0x80", "wg=64,", "wg=,64", "wg=64,,128"};
    for (size_t i = 0; i < sizeof bad_settings / sizeof bad_settings[0]; i++)
        CHECK_MSG(cli_check_setting(bad_settings[i]) == -1, "'%s' accepted", bad_settings[i]);
    CHECK_DONE();
}
