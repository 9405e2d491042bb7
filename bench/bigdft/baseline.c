/*
 * baseline.c: the 3-D magic filter and kinetic operator as a BigDFT developer
 * would write them without a tuner: one straightforward loop nest per pass
 * (lines outside, points, taps inside), the periodic wrap read from an index
 * table made once per pass (as BigDFT's mod_arr), the lines shared among
 * OpenMP threads, compiled with gcc -O3 -march=native -fopenmp. A pass reads
 * x(ndat, n) and writes y(n, ndat), as kiln's passes do.
 */
#include <stddef.h>
#include <stdlib.h>
#include "baseline.h"

/* wrap[k] = (k - 14) mod n for k = 0 .. n + 28 */
static int *wrap_table(int n)
{
    int *w = malloc(sizeof *w * (size_t)(n + 29));
    for (int k = 0; w && k < n + 29; k++)
        w[k] = ((k - 14) % n + n) % n;
    return w;
}

static void mf_pass(const double *restrict x, double *restrict y, const double *restrict f, int n, int ndat)
{
    const int *w = wrap_table(n) + 14;
#pragma omp parallel for
    for (int j = 0; j < ndat; j++)
        for (int i = 0; i < n; i++) {
            double s = 0.0;
            for (int l = -8; l <= 7; l++)
                s += f[l + 8] * x[(size_t)j * n + (size_t)w[i + l]];
            y[(size_t)i * ndat + j] = s;
        }
    free((void *)(w - 14));
}

static void kin_pass(const double *restrict x, const double *restrict y, double *restrict xt, double *restrict yt,
                     const double *restrict d, double scale, int n, int ndat)
{
    const int *w = wrap_table(n) + 14;
#pragma omp parallel for
    for (int j = 0; j < ndat; j++)
        for (int i = 0; i < n; i++) {
            double s = 0.0;
            for (int l = -14; l <= 14; l++)
                s += d[l + 14] * x[(size_t)j * n + (size_t)w[i + l]];
            xt[(size_t)i * ndat + j] = x[(size_t)j * n + i];
            yt[(size_t)i * ndat + j] = y[(size_t)j * n + i] + scale * s;
        }
    free((void *)(w - 14));
}

void baseline_magicfilter3d(const double *x, double *y, double *work1, double *work2, const double *f, int n1, int n2,
                            int n3)
{
    mf_pass(x, work1, f, n1, n2 * n3);
    mf_pass(work1, work2, f, n2, n3 * n1);
    mf_pass(work2, y, f, n3, n1 * n2);
}

void baseline_kinetic3d(const double *x, double *y, double *work[5], const double *d, const double h[3], int n1,
                        int n2, int n3)
{
    /* work: x1, x2, y0 (zero), y1, y2; the last pass writes x1 again and y */
    kin_pass(x, work[2], work[0], work[3], d, -0.5 / (h[0] * h[0]), n1, n2 * n3);
    kin_pass(work[0], work[3], work[1], work[4], d, -0.5 / (h[1] * h[1]), n2, n3 * n1);
    kin_pass(work[1], work[4], work[0], y, d, -0.5 / (h[2] * h[2]), n3, n1 * n2);
}
