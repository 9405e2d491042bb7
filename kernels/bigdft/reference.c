/*
 * reference.c: BigDFT's operators in double precision, written from their
 * definitions (bigdft.h) with nothing shared with the descriptions: the loops
 * a reader checks against the formulas, what every variant is compared with.
 */
#include <math.h>
#include <stddef.h>
#include "kernels/bigdft/bigdft.h"

static int wrap(int i, int n)
{
    int r = i % n;
    return r < 0 ? r + n : r;
}

/* y(o, j) = the sum of f_l x(j, o + l + shift) over taps l, periodic when
 * `periodic`, else over the inputs 0..in_len-1 only. */
static void filter_pass(const bigdft_filter *f, int reversed, const double *x, double *y, double *mag, int in_len,
                        int out_len, int shift, int periodic, int ndat)
{
    for (int j = 0; j < ndat; j++)
        for (int o = 0; o < out_len; o++) {
            double sum = 0.0, abs_sum = 0.0;
            for (int l = f->first; l <= f->last; l++) {
                int src = o + (reversed ? -l : l) + shift;
                if (periodic)
                    src = wrap(src, in_len);
                else if (src < 0 || src >= in_len)
                    continue;
                double term = bigdft_tap(f, l) * x[(size_t)j * (size_t)in_len + (size_t)src];
                sum += term;
                abs_sum += fabs(term);
            }
            y[(size_t)o * (size_t)ndat + (size_t)j] = sum;
            if (mag)
                mag[(size_t)o * (size_t)ndat + (size_t)j] = abs_sum;
        }
}

void bigdft_ref_magicfilter(const double *x, double *y, double *mag, int n, int ndat)
{
    filter_pass(&bigdft_sym8_mf, 0, x, y, mag, n, n, 0, 1, ndat);
}

/* output o is point p = o - 7 */
void bigdft_ref_grow(const double *x, double *y, double *mag, int n, int ndat)
{
    filter_pass(&bigdft_sym8_mf, 0, x, y, mag, n, n + 15, -7, 0, ndat);
}

/* z(q) = sum_l f_l y(q - l + 7): the transpose of grow's matrix */
void bigdft_ref_shrink(const double *x, double *y, double *mag, int n, int ndat)
{
    filter_pass(&bigdft_sym8_mf, 1, x, y, mag, n + 15, n, 7, 0, ndat);
}

void bigdft_ref_analysis(const double *x, double *y, double *mag, int n, int ndat)
{
    for (int j = 0; j < ndat; j++)
        for (int i = 0; i < n; i++) {
            double c = 0.0, d = 0.0, cabs = 0.0, dabs = 0.0;
            for (int k = 0; k < 16; k++) {
                double v = x[(size_t)j * (size_t)(2 * n) + (size_t)wrap(2 * i + k, 2 * n)];
                c += bigdft_tap(&bigdft_sym8_lp, k) * v;
                d += bigdft_highpass(k) * v;
                cabs += fabs(bigdft_tap(&bigdft_sym8_lp, k) * v);
                dabs += fabs(bigdft_highpass(k) * v);
            }
            y[(size_t)i * (size_t)ndat + (size_t)j] = c;
            y[(size_t)(n + i) * (size_t)ndat + (size_t)j] = d;
            if (mag) {
                mag[(size_t)i * (size_t)ndat + (size_t)j] = cabs;
                mag[(size_t)(n + i) * (size_t)ndat + (size_t)j] = dabs;
            }
        }
}

/* x(m) = sum_i h_{m - 2i} c_i + g_{m - 2i} d_i over the i with (m - 2i) mod 2n
 * in 0..15: the transpose of the analysis matrix, summed column by column. */
void bigdft_ref_synthesis(const double *x, double *y, double *mag, int n, int ndat)
{
    for (int j = 0; j < ndat; j++)
        for (int m = 0; m < 2 * n; m++) {
            double sum = 0.0, abs_sum = 0.0;
            for (int i = 0; i < n; i++)
                for (int k = 0; k < 16; k++) {
                    if (wrap(2 * i + k, 2 * n) != m)
                        continue;
                    double c = x[(size_t)j * (size_t)(2 * n) + (size_t)i];
                    double d = x[(size_t)j * (size_t)(2 * n) + (size_t)(n + i)];
                    double t1 = bigdft_tap(&bigdft_sym8_lp, k) * c, t2 = bigdft_highpass(k) * d;
                    sum += t1 + t2;
                    abs_sum += fabs(t1) + fabs(t2);
                }
            y[(size_t)m * (size_t)ndat + (size_t)j] = sum;
            if (mag)
                mag[(size_t)m * (size_t)ndat + (size_t)j] = abs_sum;
        }
}

void bigdft_ref_kinetic(const double *x, const double *y, double scale, double *xt, double *yt, double *mag, int n,
                        int ndat)
{
    for (int j = 0; j < ndat; j++)
        for (int i = 0; i < n; i++) {
            double sum = 0.0, abs_sum = 0.0;
            for (int l = -14; l <= 14; l++) {
                double term = bigdft_tap(&bigdft_sym8_d2, l) * x[(size_t)j * (size_t)n + (size_t)wrap(i + l, n)];
                sum += term;
                abs_sum += fabs(term);
            }
            size_t in = (size_t)j * (size_t)n + (size_t)i, out = (size_t)i * (size_t)ndat + (size_t)j;
            xt[out] = x[in];
            yt[out] = y[in] + scale * sum;
            if (mag)
                mag[out] = fabs(y[in]) + fabs(scale) * abs_sum;
        }
}

static size_t at3(int i1, int i2, int i3, int n1, int n2)
{
    return ((size_t)i3 * (size_t)n2 + (size_t)i2) * (size_t)n1 + (size_t)i1;
}

void bigdft_ref_magicfilter3d(const double *x, double *y, int n1, int n2, int n3)
{
    const bigdft_filter *f = &bigdft_sym8_mf;
    for (int i3 = 0; i3 < n3; i3++)
        for (int i2 = 0; i2 < n2; i2++)
            for (int i1 = 0; i1 < n1; i1++) {
                double sum = 0.0;
                for (int l3 = f->first; l3 <= f->last; l3++)
                    for (int l2 = f->first; l2 <= f->last; l2++)
                        for (int l1 = f->first; l1 <= f->last; l1++)
                            sum += bigdft_tap(f, l1) * bigdft_tap(f, l2) * bigdft_tap(f, l3) *
                                   x[at3(wrap(i1 + l1, n1), wrap(i2 + l2, n2), wrap(i3 + l3, n3), n1, n2)];
                y[at3(i1, i2, i3, n1, n2)] = sum;
            }
}

void bigdft_ref_kinetic3d(const double *x, double *y, double *mag, const double h[3], int n1, int n2, int n3)
{
    for (int i3 = 0; i3 < n3; i3++)
        for (int i2 = 0; i2 < n2; i2++)
            for (int i1 = 0; i1 < n1; i1++) {
                double s1 = 0.0, s2 = 0.0, s3 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
                for (int l = -14; l <= 14; l++) {
                    double d = bigdft_tap(&bigdft_sym8_d2, l);
                    double x1 = x[at3(wrap(i1 + l, n1), i2, i3, n1, n2)], x2 = x[at3(i1, wrap(i2 + l, n2), i3, n1, n2)],
                           x3 = x[at3(i1, i2, wrap(i3 + l, n3), n1, n2)];
                    s1 += d * x1;
                    s2 += d * x2;
                    s3 += d * x3;
                    a1 += fabs(d * x1);
                    a2 += fabs(d * x2);
                    a3 += fabs(d * x3);
                }
                y[at3(i1, i2, i3, n1, n2)] = -0.5 * (s1 / (h[0] * h[0]) + s2 / (h[1] * h[1]) + s3 / (h[2] * h[2]));
                if (mag)
                    mag[at3(i1, i2, i3, n1, n2)] = 0.5 * (a1 / (h[0] * h[0]) + a2 / (h[1] * h[1]) + a3 / (h[2] * h[2]));
            }
}
