/*
 * bigdft.h: BigDFT's convolution kernels on Daubechies-16 (symlet-8) wavelets.
 *
 * Every operator is one pass: a 1-D filter along the line of `n` points of
 * each of `ndat` lines, written transposed, input (ndat, in_len) row-major
 * (a line is contiguous), output (out_len, ndat). Three passes on a 3-D array
 * rotate its axes and apply the 3-D operator (bigdft_apply3d). A size
 * "n x ndat" or "n1 x n2 x n3" is one pass with n = n1 and ndat = n2 * n3.
 *
 *  - magicfilter: y(j, i) = sum_l f_l x((i + l) mod n, j), l = -8..7 (SYM8_MF);
 *  - magicfilter_grow: free boundary, n -> n + 15 points, y(p) = sum_l f_l x(p + l)
 *    over the in-range inputs, output point o = p + 7, p = -7..n+7;
 *  - magicfilter_shrink: its adjoint, n + 15 -> n points,
 *    z(q) = sum_l f_l y(q - l + 7) (the reversed filter; every input is in range);
 *  - analysis: periodic two-channel filter bank, 2n samples -> n coarse
 *    c_i = sum_k h_k x(2i + k), then n detail d_i = sum_k g_k x(2i + k),
 *    g_k = (-1)^k h_{15-k}, indices mod 2n;
 *  - synthesis: its inverse (the transpose of an orthogonal map):
 *    x(2j + s) = sum_t h_{2t+s} c(j - t) + g_{2t+s} d(j - t), t = 0..7, mod n;
 *  - kinetic: one pass of y = -1/2 sum_d h_d^-2 D2_d x (SYM8_D2, 29 taps):
 *    xt(i, j) = x(j, i) and yt(i, j) = y(j, i) + scale * sum_l d_l x(j, (i + l) mod n),
 *    so that three passes rotate x back and leave the sum in y;
 *  - kinetic_dot: the same, and dot(j) = sum_i x(j, i) yt(i, j), the line's
 *    part of <x, y>.
 */
#ifndef KILN_KERNELS_BIGDFT_H
#define KILN_KERNELS_BIGDFT_H

#include "kiln/kernel.h"
#include "kiln/runtime.h"

extern const kiln_kernel kiln_kernel_bigdft_magicfilter, kiln_kernel_bigdft_magicfilter_f32,
    kiln_kernel_bigdft_magicfilter_grow, kiln_kernel_bigdft_magicfilter_shrink, kiln_kernel_bigdft_analysis,
    kiln_kernel_bigdft_analysis_f32, kiln_kernel_bigdft_synthesis, kiln_kernel_bigdft_synthesis_f32,
    kiln_kernel_bigdft_kinetic, kiln_kernel_bigdft_kinetic_dot, kiln_kernel_bigdft_magicfilter3d,
    kiln_kernel_bigdft_kinetic3d, kiln_kernel_bigdft_kinetic3d_fused;

/* ---- the published filters (filters.c) -------------------------------- */

typedef struct bigdft_filter {
    const char *name;   /* "SYM8_MF" */
    int first, last;    /* taps first..last */
    const double *coef; /* last - first + 1 values, coef[0] is tap `first` */
} bigdft_filter;

extern const bigdft_filter bigdft_sym8_lp, bigdft_sym8_mf, bigdft_sym8_d1, bigdft_sym8_d2;
/* Tap l of f (0 outside first..last). */
double bigdft_tap(const bigdft_filter *f, int l);
/* The high-pass filter of the SYM8 pair: g_k = (-1)^k h_{15-k}, k = 0..15. */
double bigdft_highpass(int k);

/* ---- naive double-precision references (reference.c) ------------------ *
 * x and y as the kernels lay them out: x (ndat, in_len), y (out_len, ndat).
 * `mag`, when not NULL, receives the sum of |terms| of each output element. */
void bigdft_ref_magicfilter(const double *x, double *y, double *mag, int n, int ndat);
void bigdft_ref_grow(const double *x, double *y, double *mag, int n, int ndat);
void bigdft_ref_shrink(const double *x, double *y, double *mag, int n, int ndat);
void bigdft_ref_analysis(const double *x, double *y, double *mag, int n, int ndat);
void bigdft_ref_synthesis(const double *x, double *y, double *mag, int n, int ndat);
/* yt = y transposed + scale * D2 x along the line; xt = x transposed. */
void bigdft_ref_kinetic(const double *x, const double *y, double scale, double *xt, double *yt, double *mag, int n,
                        int ndat);
/* The 3-D operators on an array x(i3, i2, i1), row-major (i1 fastest), straight
 * from their definitions: 16^3 (magic filter) or 3 x 29 (kinetic) terms per point.
 * kinetic: y = -1/2 sum_d h_d^-2 D2_d x (mag, when not NULL, as above). */
void bigdft_ref_magicfilter3d(const double *x, double *y, int n1, int n2, int n3);
void bigdft_ref_kinetic3d(const double *x, double *y, double *mag, const double h[3], int n1, int n2, int n3);

/* ---- the 3-D operators: three passes on a device (apply3d.c) ----------- */

/* BIGDFT_KINETIC3D_FUSED: the kinetic operator as one launch of
 * bigdft.kinetic3d_fused (cfg is that kernel's configuration). */
typedef enum bigdft_op3d { BIGDFT_MAGICFILTER3D, BIGDFT_KINETIC3D, BIGDFT_KINETIC3D_FUSED } bigdft_op3d;

typedef struct bigdft_3d bigdft_3d;
/* Builds the three passes of `op` for x(n3, n2, n1) with one configuration of
 * its pass kernel (kiln_kernel_bigdft_magicfilter or _kinetic) and allocates the
 * device buffers. h: the grid spacings (kinetic only). NULL with err on a build error. */
bigdft_3d *bigdft_3d_new(kiln_rt *rt, bigdft_op3d op, const kiln_config *cfg, int n1, int n2, int n3,
                         const double h[3], int openmp, char *err, size_t errlen);
void bigdft_3d_free(bigdft_3d *b);
/* Uploads x (n1 * n2 * n3 values, elements of the kernel's type). 0 ok, -1 with err. */
int bigdft_3d_set_input(bigdft_3d *b, const void *x, char *err, size_t errlen);
/* Runs the three passes (one kiln_program_run_list; the fused operator: its
 * one launch); *elapsed_ns gets the sum of their kernel times. */
int bigdft_3d_run(bigdft_3d *b, double *elapsed_ns, char *err, size_t errlen);
/* 1: bigdft_3d_run makes three kiln_program_run calls instead, waiting for
 * each pass before it starts the next (to measure what the list saves). */
void bigdft_3d_set_separate(bigdft_3d *b, int separate);
/* Reads the result (n1 * n2 * n3 values, same layout as x). */
int bigdft_3d_result(bigdft_3d *b, void *y, char *err, size_t errlen);

#endif
