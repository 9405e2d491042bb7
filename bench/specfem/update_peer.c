/*
 * update_peer.c: the bandwidth peer of specfem.update_disp_veloc: the same
 * in-place Newmark predictor (u += dt v + dt^2/2 a; v += dt/2 a; a = 0) in
 * plain C (OpenMP where the compiler has it), first touch in parallel; bytes
 * counted as kiln counts them: 3 arrays read and written, 24 B per value.
 * usage: update_peer N REPS   -> prints "median_GBs min_GBs max_GBs"
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
    float *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v), *a = malloc(n * sizeof *a);
    double *gbs = malloc((reps > 0 ? reps : 1) * sizeof *gbs);
    if (!u || !v || !a || !gbs || reps < 1)
        return 1;
    const float dt = 1e-3f, dt2 = 5e-7f, dt_2 = 5e-4f;
#pragma omp parallel for
    for (long i = 0; i < n; i++) {
        u[i] = (float)i * 1e-9f;
        v[i] = 1.0f;
        a[i] = 2.0f;
    }
    for (int r = -1; r < reps; r++) {
        double t = now();
#pragma omp parallel for
        for (long i = 0; i < n; i++) {
            u[i] += dt * v[i] + dt2 * a[i];
            v[i] += dt_2 * a[i];
            a[i] = 0.0f;
        }
        t = now() - t;
        if (r >= 0)
            gbs[r] = 24.0 * (double)n / t / 1e9;
    }
    qsort(gbs, (size_t)reps, sizeof *gbs, cmp);
    printf("%.2f %.2f %.2f\n", gbs[reps / 2], gbs[0], gbs[reps - 1]);
    if (u[n / 2] < 0) /* keeps the loops */
        printf("?\n");
    free(u);
    free(v);
    free(a);
    free(gbs);
    return 0;
}
