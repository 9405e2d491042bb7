/*
 * fma_peak.c: the machine's f64 FMA peak as a loop of independent fused
 * multiply-adds on 512-bit vectors (16 chains per thread, enough to cover the
 * FMA latency), one OpenMP thread per core. Compile with gcc -O3
 * -march=native -fopenmp. 2 flops per lane per FMA.
 * usage: fma_peak ITERATIONS REPS  -> prints "median_GFLOPs min max"
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

typedef double v8d __attribute__((vector_size(64)));
#define CHAINS 16

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 20000000L;
    int reps = argc > 2 ? atoi(argv[2]) : 9;
    double *g = malloc(sizeof *g * (size_t)reps), sink = 0.0;
    for (int r = 0; r < reps; r++) {
        double t0 = omp_get_wtime();
        int threads = 1;
#pragma omp parallel reduction(+ : sink)
        {
#pragma omp single
            threads = omp_get_num_threads();
            v8d acc[CHAINS], a, b;
            for (int k = 0; k < 8; k++) {
                a[k] = 1.0 + 1e-9 * k;
                b[k] = 1e-12;
            }
            for (int c = 0; c < CHAINS; c++)
                acc[c] = a * (double)c;
            for (long i = 0; i < iters; i++)
                for (int c = 0; c < CHAINS; c++)
                    acc[c] = acc[c] * a + b;
            for (int c = 0; c < CHAINS; c++)
                for (int k = 0; k < 8; k++)
                    sink += acc[c][k];
        }
        double t = omp_get_wtime() - t0;
        g[r] = 2.0 * 8 * CHAINS * (double)iters * threads / t * 1e-9;
    }
    qsort(g, (size_t)reps, sizeof *g, cmp);
    printf("%.2f %.2f %.2f\n", g[reps / 2], g[0], g[reps - 1]);
    return sink == 12345.0; /* keeps the chains alive */
}
