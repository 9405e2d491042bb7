/*
 * bench_verify.c: how long kiln_verify_expect takes over one output array,
 * as the tuner verifies a 1024 x 1024 f32 matmul (1M elements, magnitudes),
 * alternating with a plain read of the same bytes (memcmp of got against a
 * copy: the memory-bound floor of any comparison).
 * usage: bench_verify [ELEMENTS [ROUNDS]]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kiln/runtime.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void summary(const char *what, double *ms, int n, size_t elems)
{
    qsort(ms, (size_t)n, sizeof *ms, cmp_double);
    printf("%-28s median %8.3f ms  (min %.3f, max %.3f)  %.2f ns/element\n", what, ms[n / 2], ms[0], ms[n - 1],
           ms[n / 2] * 1e6 / (double)elems);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : (size_t)1 << 20;
    int rounds = argc > 2 ? atoi(argv[2]) : 21;
    float *got = malloc(n * sizeof *got), *copy = malloc(n * sizeof *copy);
    double *want = malloc(n * sizeof *want), *mag = malloc(n * sizeof *mag);
    double *t_verify = malloc((size_t)rounds * sizeof(double)), *t_read = malloc((size_t)rounds * sizeof(double));
    if (!got || !copy || !want || !mag || !t_verify || !t_read)
        return 1;
    uint64_t s = 88172645463325252ULL;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        want[i] = (double)(s >> 11) / 9007199254740992.0 * 2 - 1;
        mag[i] = 32.0 + (double)(i % 7);
        got[i] = (float)want[i];
    }
    memcpy(copy, got, n * sizeof *got);
    kiln_expect e = {.elem = KILN_F32, .n = n, .want = want, .magnitude = mag, .terms = 1024};
    volatile int sink = 0;
    for (int r = 0; r < rounds; r++) {
        kiln_verify_report rep;
        double t0 = now_ms();
        kiln_verify_expect(&e, got, &rep);
        t_verify[r] = now_ms() - t0;
        sink += rep.ok;
        t0 = now_ms();
        sink += memcmp(got, copy, n * sizeof *got) == 0;
        t_read[r] = now_ms() - t0;
    }
    printf("%zu elements, %d rounds, %d ok\n", n, rounds, sink);
    summary("kiln_verify_expect", t_verify, rounds, n);
    summary("memcmp of the output", t_read, rounds, n);
    return 0;
}
