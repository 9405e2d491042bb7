/*
 * pass.h: one description for every BigDFT pass (pass.c). An operator is
 * data: its taps, the input point each tap reads, the output rows each
 * iteration writes, and its boundary; the description turns one operator and
 * one configuration into a kernel.
 *
 * Iteration i (0..iters-1) of line j writes, for each of its outputs o,
 *   y(row_o(i), j) = sum over taps t and channels c of coef_o[c][t] * x(j, c * n + p(i, t)),
 *   p(i, t) = in_mul * i + off0 + off_step * t,
 * with p wrapped mod wrap_len (periodic), or the terms with p outside
 * 0..in_len-1 dropped (free), or always in range (none).
 */
#ifndef KILN_KERNELS_BIGDFT_PASS_H
#define KILN_KERNELS_BIGDFT_PASS_H

#include "kiln/kernel.h"

#define PASS_MAX_TAPS 29

typedef enum pass_boundary { PASS_PERIODIC, PASS_FREE, PASS_NONE } pass_boundary;

/* How the periodic wrap (or the free boundary's range test) is computed. */
enum { PASS_WRAP_MOD = 0, PASS_WRAP_TABLE = 1, PASS_WRAP_SPLIT = 2 };

typedef struct pass_output {
    int row_mul, row_n, row_add;         /* row = row_mul * i + row_n * n + row_add */
    double coef[2][PASS_MAX_TAPS];       /* [channel][tap] */
} pass_output;

typedef struct pass_op {
    const char *name;                    /* the kernel function's name */
    int ntaps, off0, off_step, in_mul;
    int nch;                             /* channel c reads at c * n + p */
    int nout;
    pass_output out[2];
    pass_boundary boundary;
    int in_len_mul, in_len_add;          /* in_len = in_len_mul * n + in_len_add */
    int out_len_mul, out_len_add;        /* out_len likewise */
    int iters_add;                       /* iters = n + iters_add */
    int wrap_mul;                        /* wrap_len = wrap_mul * n */
    int kinetic;                         /* xt, yt = y + scale * sum (one output, row i) */
    int dot;                             /* and dot(j) = sum_i x(j, i) yt(i, j) */
} pass_op;

typedef enum pass_kind {
    PASS_MAGICFILTER, PASS_GROW, PASS_SHRINK, PASS_ANALYSIS, PASS_SYNTHESIS, PASS_KINETIC, PASS_KINETIC_DOT,
    PASS_KIND_COUNT
} pass_kind;

/* The operator of a kind, built from the filters once. */
const pass_op *bigdft_pass_op(pass_kind kind);
/* n and ndat of a size: n = d[0], ndat = the product of the other extents. */
void bigdft_pass_shape(const kiln_size *size, long long *n, long long *ndat);
long long bigdft_pass_in_len(const pass_op *op, long long n);
long long bigdft_pass_out_len(const pass_op *op, long long n);
/* The description: op in element type elem for one configuration and size. */
kiln_proc *bigdft_pass_build(kiln_ctx *ctx, const pass_op *op, kiln_scalar elem, const kiln_config *cfg,
                             const kiln_size *size);
/* Its launch geometry. */
void bigdft_pass_geometry(const pass_op *op, const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo);

#endif
