/* baseline.h: the straightforward 3-D operators bench3d compares kiln's with. */
#ifndef KILN_BENCH_BIGDFT_BASELINE_H
#define KILN_BENCH_BIGDFT_BASELINE_H

/* y = F3 F2 F1 x, x and y (n3, n2, n1) row-major; f: the 16 taps -8..7. */
void baseline_magicfilter3d(const double *x, double *y, double *work1, double *work2, const double *f, int n1, int n2,
                            int n3);
/* y = -1/2 sum_d h_d^-2 D2_d x; d: the 29 taps -14..14; work: five arrays like x,
 * work[2] zero (it is only read). */
void baseline_kinetic3d(const double *x, double *y, double *work[5], const double *d, const double h[3], int n1,
                        int n2, int n3);

#endif
