/*
 * check.h: the assertions every kiln test uses. A failed CHECK prints where
 * and what, counts, and the test exits 1 at CHECK_DONE. SKIP exits 77, but
 * not after a failed CHECK: a failure is never turned into a skip.
 * SKIP_NO_DEVICE is the skip of a test whose device is absent; where
 * KILN_REQUIRE_DEVICES=1 (CI, where PoCL is installed) it is a failure.
 */
#ifndef KILN_TEST_CHECK_H
#define KILN_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        check_count++;                                                               \
        if (!(cond)) {                                                               \
            check_failures++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

#define CHECK_MSG(cond, ...)                                                         \
    do {                                                                             \
        check_count++;                                                               \
        if (!(cond)) {                                                               \
            check_failures++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
        }                                                                            \
    } while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                                   \
    do {                                                                                  \
        const char *hay_ = (hay);                                                         \
        CHECK_MSG(hay_ && strstr(hay_, (needle)), "\"%s\" does not contain \"%s\"",        \
                  hay_ ? hay_ : "(null)", (needle));                                      \
    } while (0)

#define SKIP(...)                                                                     \
    do {                                                                              \
        fprintf(stderr, "SKIP: " __VA_ARGS__);                                        \
        fputc('\n', stderr);                                                          \
        if (check_failures) {                                                         \
            fprintf(stderr, "FAIL: %d checks failed before the skip\n", check_failures); \
            exit(1);                                                                  \
        }                                                                             \
        exit(77);                                                                     \
    } while (0)

static inline int check_devices_required(void)
{
    const char *v = getenv("KILN_REQUIRE_DEVICES");
    return v && strcmp(v, "1") == 0;
}

#define SKIP_NO_DEVICE(...)                                                          \
    do {                                                                             \
        if (check_devices_required()) {                                              \
            fprintf(stderr, "FAIL (KILN_REQUIRE_DEVICES=1, no skipping): " __VA_ARGS__); \
            fputc('\n', stderr);                                                     \
            exit(1);                                                                 \
        }                                                                            \
        SKIP(__VA_ARGS__);                                                           \
    } while (0)

#define CHECK_DONE()                                                              \
    do {                                                                          \
        fprintf(stderr, "%d checks, %d failed\n", check_count, check_failures);   \
        return check_failures ? 1 : 0;                                            \
    } while (0)

#endif
