/*
 * onepass.h: timing one pass of a generated C variant on one thread, for
 * stores.c and prefetch.c: a warm-up call, then ROUNDS timed calls.
 */
#ifndef KILN_BENCH_BIGDFT_ONEPASS_H
#define KILN_BENCH_BIGDFT_ONEPASS_H

#include <stdlib.h>
#include <time.h>

typedef void (*onepass_entry)(void *const *args, const size_t *global, const size_t *local);

static double onepass_now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int onepass_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of rounds timed calls of entry on 2048 blocks of 8 lines (work-groups of
 * 16), in seconds, with the fastest and slowest in *lo, *hi; -1 when out of memory. */
static double onepass_time(onepass_entry entry, void *const *args, int rounds, double *lo, double *hi)
{
    size_t global[3] = {2048, 1, 1}, local[3] = {16, 1, 1};
    double *s = malloc(sizeof *s * (size_t)(rounds > 0 ? rounds : 1));
    if (!s || rounds < 1) {
        free(s);
        return -1;
    }
    entry(args, global, local);
    for (int r = 0; r < rounds; r++) {
        double t0 = onepass_now_s();
        entry(args, global, local);
        s[r] = onepass_now_s() - t0;
    }
    qsort(s, (size_t)rounds, sizeof *s, onepass_cmp);
    double med = s[rounds / 2];
    *lo = s[0];
    *hi = s[rounds - 1];
    free(s);
    return med;
}

#endif
