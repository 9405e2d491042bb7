/*
 * stream_triad.c: the bandwidth peer for kiln's triad: a[i] = b[i] + s*c[i] in
 * plain C with OpenMP, f32, STREAM-style (first touch in parallel, best and
 * median of repeated runs). Bytes counted as kiln counts them: 3 arrays * 4 B.
 * usage: stream_triad N REPS   -> prints "median_GBs min_GBs max_GBs"
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1L << 24;
    int reps = argc > 2 ? atoi(argv[2]) : 20;
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    double *gbs = malloc(reps * sizeof *gbs);
    if (!a || !b || !c || !gbs)
        return 1;
    const float s = 3.0f;
#pragma omp parallel for
    for (long i = 0; i < n; i++) {
        a[i] = 0.0f;
        b[i] = 1.0f;
        c[i] = 2.0f;
    }
    for (int r = -2; r < reps; r++) {
        double t0 = now();
#pragma omp parallel for
        for (long i = 0; i < n; i++)
            a[i] = b[i] + s * c[i];
        double t = now() - t0;
        if (r >= 0)
            gbs[r] = 3.0 * 4.0 * n / t * 1e-9;
    }
    if (a[n / 2] != 7.0f)
        return 2;
    qsort(gbs, reps, sizeof *gbs, cmp);
    printf("%.2f %.2f %.2f\n", gbs[reps / 2], gbs[0], gbs[reps - 1]);
    return 0;
}
