/*
 * fixture.h: a small kernel description (parameters and constraints only) for
 * the search-space and strategy tests, its valid set computed by hand, and
 * the space of a test's own kernel.
 */
#ifndef KILN_TEST_TUNER_FIXTURE_H
#define KILN_TEST_TUNER_FIXTURE_H

#include "check.h"
#include "kiln/tuner.h"

static const kiln_kernel fixture_kernel = {
    .name = "fixture",
    KILN_PARAMS({.name = "wg", KILN_VALUES(16, 32, 64, 128, 256), .default_value = 64},
                {.name = "unroll", KILN_VALUES(1, 2, 4, 8), .default_value = 1},
                {.name = "layout", KILN_VALUES(0, 1), .default_value = 0, KILN_NAMES("row", "col")}),
    KILN_CONSTRAINTS("wg * unroll <= 256", "nx % (unroll * 4) == 0"),
};

static const long long fixture_wg[] = {16, 32, 64, 128, 256};
static const long long fixture_unroll[] = {1, 2, 4, 8};

/* The constraints written out in C, independently of the expression language. */
static inline int fixture_valid(long long wg, long long unroll, long long nx)
{
    return wg * unroll <= 256 && nx % (unroll * 4) == 0;
}

/* Mixed-radix index of a point, last parameter fastest. */
static inline unsigned long long fixture_index(int iwg, int iunroll, int ilayout)
{
    return ((unsigned long long)iwg * 4 + (unsigned long long)iunroll) * 2 + (unsigned long long)ilayout;
}

/* The space of kernel k at size 64 (checked: NULL after a failed check). */
static inline kiln_space *fixture_space_of(const kiln_kernel *k)
{
    char err[256];
    kiln_size size = {.ndims = 1, .d = {64, 1, 1}};
    kiln_space *s = kiln_space_new(k, &size, err, sizeof err);
    CHECK_MSG(s != NULL, "%s: %s", k->name, err);
    return s;
}

#endif
