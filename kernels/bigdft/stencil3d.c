/*
 * stencil3d.c: the 3-D periodic kinetic operator in one launch,
 * bigdft.kinetic3d_fused. The operator is a sum over the axes, not a product,
 * so it needs no intermediate array: each output point reads the 29 taps of
 * SYM8_D2 along each axis straight from x,
 *
 *   y(i3, i2, i1) = s1 sum_l d_l x(i3, i2, i1 + l) + s2 sum_l d_l x(i3, i2 + l, i1)
 *                 + s3 sum_l d_l x(i3 + l, i2, i1),   l = -14..14, indices periodic,
 *
 * with s_d = -1/2 h_d^-2, x and y of the same layout (i1 fastest). Where the
 * three passes of bigdft.kinetic3d read and write four arrays three times,
 * this reads x and writes y once.
 *
 * A work-item owns `vec` consecutive points along i1 (the vector lanes) for
 * `zb` consecutive planes i3: the z taps come from a window of zb + 28 rows
 * loaded once, so the z term costs (zb + 28) / zb loads a point instead of 29.
 * Work-groups are wg1 work-items along i1 by wg2 along i2. An x tap whose
 * vector crosses the periodic seam is gathered lane by lane; a block that
 * runs past the end of i1 or i3 is done point by point.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include "kernels/bigdft/bigdft.h"

#define D2_HALF 14 /* SYM8_D2 taps -14..14 */

typedef struct st3 {
    kiln_ctx *ctx;
    int vec, zb, wg1, wg2;
    kiln_type idx;                  /* index arithmetic: i32, or i64 (idx64 = 1) */
    long long n[3];                 /* n1, n2, n3 */
    kiln_var *s[3], *x, *y;
} st3;

static kiln_node *num(const st3 *S, long long v)
{
    return kiln_int(S->ctx, v);
}

static kiln_node *ref(const st3 *S, kiln_var *v)
{
    return kiln_ref(S->ctx, v);
}

static kiln_node *tap(const st3 *S, int l)
{
    return kiln_lit(S->ctx, KILN_T(F64), bigdft_tap(&bigdft_sym8_d2, l));
}

/* p mod n for p in -14..n + 13: two selects, or a floored modulo when n is so
 * short that a tap wraps more than once. */
static kiln_node *wrap(const st3 *S, kiln_node *p, long long n)
{
    kiln_ctx *ctx = S->ctx;
    if (n <= D2_HALF)
        return kiln_modp(ctx, p, num(S, n));
    kiln_node *hi = kiln_select(ctx, kiln_ge(ctx, p, num(S, n)), kiln_addi(ctx, p, -n), p);
    return kiln_select(ctx, kiln_lt(ctx, p, num(S, 0)), kiln_addi(ctx, p, n), hi);
}

/* The x terms of the Z points: 29 taps along i1 from lo, tap by tap over
 * the points (Z independent sums in flight, not one chain of 29). rows[q] is
 * the flat index of x(z0 + q, i2, lo), so that a tap is a constant offset. Inside the line (the block and its
 * taps clear of the seam: `interior`) each tap is one vector load; otherwise
 * a tap whose lanes cross the seam is gathered one element a lane. */
static void x_terms(const st3 *S, kiln_var **ax, kiln_var *t, int V, int Z, kiln_var **rows, kiln_node *lo, int interior)
{
    kiln_ctx *ctx = S->ctx;
    long long n1 = S->n[0];
    for (int l = -D2_HALF; l <= D2_HALF; l++)
        for (int q = 0; q < Z; q++) {
            kiln_node *row = kiln_sub(ctx, ref(S, rows[q]), kiln_cast(ctx, S->idx, lo));
            kiln_node *p = kiln_addi(ctx, lo, l), *value;
            if (interior) {
                value = kiln_vload(ctx, V, S->x, kiln_addi(ctx, ref(S, rows[q]), l));
            } else if (V == 1) {
                value = kiln_vload(ctx, 1, S->x, kiln_add(ctx, row, kiln_cast(ctx, S->idx, wrap(S, p, n1))));
            } else {
                kiln_if_begin(ctx, kiln_and(ctx, kiln_ge(ctx, p, num(S, 0)), kiln_le(ctx, kiln_addi(ctx, p, V), num(S, n1))));
                kiln_assign(ctx, ref(S, t), kiln_vload(ctx, V, S->x, kiln_addi(ctx, ref(S, rows[q]), l)));
                kiln_else(ctx);
                kiln_node *lanes[8];
                for (int k = 0; k < V; k++)
                    lanes[k] = kiln_vload(ctx, 1, S->x, kiln_add(ctx, row, kiln_cast(ctx, S->idx, wrap(S, kiln_addi(ctx, lo, l + k), n1))));
                kiln_assign(ctx, ref(S, t), kiln_vec_of(ctx, KILN_V(F64, V), V, lanes));
                kiln_if_end(ctx);
                value = ref(S, t);
            }
            kiln_assign_op(ctx, KILN_ADD, ref(S, ax[q]), kiln_mul(ctx, tap(S, l), value));
        }
}

/* Declares Z accumulators of type T named prefix0.., zero. */
static void accumulators(const st3 *S, kiln_var **acc, const char *prefix, kiln_type T, int Z)
{
    char name[32];
    for (int q = 0; q < Z; q++) {
        snprintf(name, sizeof name, "%s%d", prefix, q);
        acc[q] = kiln_decl(S->ctx, name, T, kiln_dbl(S->ctx, 0.0));
    }
}

/* The V x Z points (lo.., i2, z0..) of one work-item, all in range. The
 * offsets of the 29 rows i2 + l and of the Z + 28 planes of the z window are
 * formed once; the x terms are emitted twice, clear of the seam and across it. */
static void block(const st3 *S, int V, int Z, kiln_node *lo, kiln_node *i2, kiln_node *z0)
{
    kiln_ctx *ctx = S->ctx;
    kiln_type T = {KILN_F64, V}, I = S->idx;
    long long n1 = S->n[0], plane = S->n[0] * S->n[1];
    char name[32];
    kiln_block_begin(ctx);
    kiln_var *t = V > 1 ? kiln_decl(ctx, "xl", T, NULL) : NULL;
    kiln_var *col = kiln_decl_const(ctx, "col", I, kiln_cast(ctx, I, kiln_add(ctx, kiln_muli(ctx, i2, n1), lo)));
    kiln_var *pq[8], *rows[8], *ax[8], *ay[8], *az[8];
    for (int q = 0; q < Z; q++) {
        snprintf(name, sizeof name, "pq%d", q);
        pq[q] = kiln_decl_const(ctx, name, I, kiln_muli(ctx, kiln_cast(ctx, I, kiln_addi(ctx, z0, q)), plane));
        snprintf(name, sizeof name, "row%d", q);
        rows[q] = kiln_decl_const(ctx, name, I, kiln_add(ctx, ref(S, pq[q]), ref(S, col)));
    }
    accumulators(S, ax, "ax", T, Z);
    kiln_if_begin(ctx, kiln_and(ctx, kiln_ge(ctx, lo, num(S, D2_HALF)), kiln_le(ctx, kiln_addi(ctx, lo, V + D2_HALF), num(S, n1))));
    x_terms(S, ax, t, V, Z, rows, lo, 1);
    kiln_else(ctx);
    x_terms(S, ax, t, V, Z, rows, lo, 0);
    kiln_if_end(ctx);
    /* the y terms: row i2 + l of each point's plane */
    accumulators(S, ay, "ay", T, Z);
    for (int l = -D2_HALF; l <= D2_HALF; l++) {
        snprintf(name, sizeof name, "ry%d", l + D2_HALF);
        kiln_var *ry = kiln_decl_const(ctx, name, I,
                                       kiln_cast(ctx, I, kiln_add(ctx, kiln_muli(ctx, wrap(S, kiln_addi(ctx, i2, l), S->n[1]), n1), lo)));
        for (int q = 0; q < Z; q++)
            kiln_assign_op(ctx, KILN_ADD, ref(S, ay[q]),
                           kiln_mul(ctx, tap(S, l), kiln_vload(ctx, V, S->x, kiln_add(ctx, ref(S, pq[q]), ref(S, ry)))));
    }
    /* the z terms from a window of planes: row m is plane z0 + m - 14, tap m - 14 - q of point q */
    accumulators(S, az, "az", T, Z);
    for (int m = 0; m < Z + 2 * D2_HALF; m++) {
        kiln_node *r3 = wrap(S, kiln_addi(ctx, z0, m - D2_HALF), S->n[2]);
        snprintf(name, sizeof name, "w%d", m);
        kiln_var *w = kiln_decl_const(ctx, name, T,
                                      kiln_vload(ctx, V, S->x, kiln_add(ctx, kiln_muli(ctx, kiln_cast(ctx, I, r3), plane), ref(S, col))));
        for (int q = 0; q < Z; q++) {
            int l = m - D2_HALF - q;
            if (l >= -D2_HALF && l <= D2_HALF)
                kiln_assign_op(ctx, KILN_ADD, ref(S, az[q]), kiln_mul(ctx, tap(S, l), ref(S, w)));
        }
    }
    for (int q = 0; q < Z; q++)
        kiln_vstore(ctx, S->y, ref(S, rows[q]),
                       kiln_sum(ctx, kiln_mul(ctx, ref(S, S->s[0]), ref(S, ax[q])), kiln_mul(ctx, ref(S, S->s[1]), ref(S, ay[q])),
                                kiln_mul(ctx, ref(S, S->s[2]), ref(S, az[q]))));
    kiln_block_end(ctx);
}

static int read_config(st3 *S, const kiln_config *cfg)
{
    S->vec = (int)kiln_config_get(cfg, "vec", 1);
    S->zb = (int)kiln_config_get(cfg, "zb", 1);
    S->wg1 = (int)kiln_config_get(cfg, "wg1", 32);
    S->wg2 = (int)kiln_config_get(cfg, "wg2", 4);
    S->idx = kiln_config_get(cfg, "idx64", 0) ? KILN_T(I64) : KILN_T(I32);
    kiln_ctx *ctx = S->ctx;
    if (S->vec != 1 && S->vec != 2 && S->vec != 4 && S->vec != 8)
        kiln_fail(ctx, "bigdft.kinetic3d_fused: vec %d is not 1, 2, 4 or 8", S->vec);
    else if (S->zb < 1 || S->zb > 8)
        kiln_fail(ctx, "bigdft.kinetic3d_fused: zb %d is outside 1..8", S->zb);
    else if (S->wg1 < 1 || S->wg2 < 1 || S->wg1 * S->wg2 > 1024)
        kiln_fail(ctx, "bigdft.kinetic3d_fused: a work-group of %d x %d work-items", S->wg1, S->wg2);
    return kiln_ctx_failed(ctx) ? -1 : 0;
}

static void extents(const kiln_size *size, long long n[3])
{
    for (int d = 0; d < 3; d++)
        n[d] = d < size->ndims ? size->d[d] : 1;
}

static kiln_proc *fused_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    st3 S = {.ctx = ctx};
    if (read_config(&S, cfg) != 0)
        return NULL;
    extents(size, S.n);
    if (S.n[0] < 1 || S.n[1] < 1 || S.n[2] < 1 || S.n[0] * S.n[1] * S.n[2] > INT32_MAX) {
        kiln_fail(ctx, "bigdft.kinetic3d_fused: a grid of %lld x %lld x %lld points does not fit 32-bit indices",
                  S.n[0], S.n[1], S.n[2]);
        return NULL;
    }
    kiln_proc *proc = kiln_kernel_begin(ctx, "kinetic3d_fused");
    kiln_proc_reqd_wg(proc, S.wg1, S.wg2, 1);
    kiln_var *vn[3];
    const char *nnames[3] = {"n1", "n2", "n3"}, *snames[3] = {"s1", "s2", "s3"};
    for (int d = 0; d < 3; d++)
        vn[d] = kiln_arg_scalar(ctx, nnames[d], KILN_T(I32));
    for (int d = 0; d < 3; d++)
        S.s[d] = kiln_arg_scalar(ctx, snames[d], KILN_T(F64));
    (void)vn; /* the extents are also literals of this size's variant: its indices fold */
    S.x = kiln_arg_array(ctx, "x", KILN_T(F64), KILN_IN, num(&S, S.n[2]), num(&S, S.n[1]), num(&S, S.n[0]));
    S.y = kiln_arg_array(ctx, "y", KILN_T(F64), KILN_OUT, num(&S, S.n[2]), num(&S, S.n[1]), num(&S, S.n[0]));
    kiln_comment(ctx, "bigdft.kinetic3d_fused f64: vec %d, zb %d, wg %d x %d, %s indices", S.vec, S.zb, S.wg1, S.wg2,
                 kiln_scalar_name(S.idx.scalar));

    kiln_var *lo = kiln_decl_const(ctx, "lo", KILN_T(I32),
                                   kiln_muli(ctx, kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 0)), S.vec));
    kiln_var *i2 = kiln_decl_const(ctx, "i2", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 1)));
    kiln_var *z0 = kiln_decl_const(ctx, "z0", KILN_T(I32),
                                   kiln_muli(ctx, kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 2)), S.zb));
    kiln_if_begin(ctx, kiln_all(ctx, kiln_lt(ctx, ref(&S, lo), num(&S, S.n[0])), kiln_lt(ctx, ref(&S, i2), num(&S, S.n[1])),
                                kiln_lt(ctx, ref(&S, z0), num(&S, S.n[2]))));
    int whole = S.n[0] % S.vec == 0 && S.n[2] % S.zb == 0;
    if (!whole)
        kiln_if_begin(ctx, kiln_and(ctx, kiln_le(ctx, kiln_addi(ctx, ref(&S, lo), S.vec), num(&S, S.n[0])),
                                    kiln_le(ctx, kiln_addi(ctx, ref(&S, z0), S.zb), num(&S, S.n[2]))));
    block(&S, S.vec, S.zb, ref(&S, lo), ref(&S, i2), ref(&S, z0));
    if (!whole) {
        /* past the end of i1 or i3: the points in range one at a time */
        kiln_else(ctx);
        kiln_var *k = kiln_for_begin(ctx, "k", ref(&S, lo), kiln_min(ctx, kiln_addi(ctx, ref(&S, lo), S.vec), num(&S, S.n[0])),
                                     num(&S, 1));
        kiln_var *q = kiln_for_begin(ctx, "q", ref(&S, z0), kiln_min(ctx, kiln_addi(ctx, ref(&S, z0), S.zb), num(&S, S.n[2])),
                                     num(&S, 1));
        block(&S, 1, 1, ref(&S, k), ref(&S, i2), ref(&S, q));
        kiln_for_end(ctx);
        kiln_for_end(ctx);
        kiln_if_end(ctx);
    }
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void fused_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    long long n[3];
    extents(size, n);
    size_t vec = (size_t)kiln_config_get(cfg, "vec", 1), zb = (size_t)kiln_config_get(cfg, "zb", 1);
    size_t wg1 = (size_t)kiln_config_get(cfg, "wg1", 32), wg2 = (size_t)kiln_config_get(cfg, "wg2", 4);
    size_t blocks = ((size_t)n[0] + vec - 1) / vec;
    *geo = (kiln_geometry){3,
                           {(blocks + wg1 - 1) / wg1 * wg1, ((size_t)n[1] + wg2 - 1) / wg2 * wg2,
                            ((size_t)n[2] + zb - 1) / zb},
                           {wg1, wg2, 1}};
}

/* ---- the kernel's table ------------------------------------------------ */

/* Grid spacings of the inputs: a different one per axis, so that an axis
 * taken for another changes the result. */
static const double fused_h[3] = {0.45, 0.5, 0.55};

static size_t grid_count(const kiln_size *size)
{
    long long n[3];
    extents(size, n);
    return (size_t)(n[0] * n[1] * n[2]);
}

static void fused_inputs(kiln_args *args, uint64_t seed)
{
    long long n[3];
    extents(kiln_args_size(args), n);
    const char *nnames[3] = {"n1", "n2", "n3"}, *snames[3] = {"s1", "s2", "s3"};
    for (int d = 0; d < 3; d++) {
        *(int32_t *)kiln_args_ptr(args, nnames[d]) = (int32_t)n[d];
        *(double *)kiln_args_ptr(args, snames[d]) = -0.5 / (fused_h[d] * fused_h[d]);
    }
    double *x = kiln_args_ptr(args, "x");
    size_t count = grid_count(kiln_args_size(args));
    for (size_t k = 0; k < count; k++)
        x[k] = kiln_rand_uniform(&seed, -1.0, 1.0);
}

/* y from bigdft_ref_kinetic3d (the operator's definition), and the sum of
 * |terms| of each point for the tolerance. */
static void fused_reference(kiln_args *args)
{
    long long n[3];
    extents(kiln_args_size(args), n);
    const double *x = kiln_args_ptr(args, "x");
    const char *snames[3] = {"s1", "s2", "s3"};
    double s[3], h[3];
    for (int d = 0; d < 3; d++) {
        s[d] = *(const double *)kiln_args_ptr(args, snames[d]);
        h[d] = sqrt(-0.5 / s[d]);
    }
    bigdft_ref_kinetic3d(x, kiln_args_want(args, "y"), h, (int)n[0], (int)n[1], (int)n[2]);
    double *mag = kiln_args_magnitude(args, "y", 3.0 * (2 * D2_HALF + 1));
    long long n1 = n[0], n2 = n[1], n3 = n[2];
    for (long long i3 = 0; i3 < n3; i3++)
        for (long long i2 = 0; i2 < n2; i2++)
            for (long long i1 = 0; i1 < n1; i1++) {
                double m = 0.0;
                for (int l = -D2_HALF; l <= D2_HALF; l++) {
                    double d = fabs(bigdft_tap(&bigdft_sym8_d2, l));
                    long long p1 = ((i1 + l) % n1 + n1) % n1, p2 = ((i2 + l) % n2 + n2) % n2,
                              p3 = ((i3 + l) % n3 + n3) % n3;
                    m += d * (fabs(s[0] * x[(i3 * n2 + i2) * n1 + p1]) + fabs(s[1] * x[(i3 * n2 + p2) * n1 + i1]) +
                              fabs(s[2] * x[(p3 * n2 + i2) * n1 + i1]));
                }
                mag[(i3 * n2 + i2) * n1 + i1] = m;
            }
}

/* 2 * 29 flops a point along each of the three axes, as the three passes count them */
static double fused_flops(const kiln_size *size)
{
    return 2.0 * (2 * D2_HALF + 1) * 3.0 * (double)grid_count(size);
}

/* x read once, y written once */
static double fused_bytes(const kiln_size *size)
{
    return 2.0 * sizeof(double) * (double)grid_count(size);
}

const kiln_kernel kiln_kernel_bigdft_kinetic3d_fused = {
    .name = "bigdft.kinetic3d_fused",
    .summary = "the 3-D periodic kinetic operator on an n1 x n2 x n3 grid in one launch: every axis's 29 taps "
               "read straight from x (f64)",
    KILN_ARGS({"n1", KILN_I32, KILN_IN, 1, NULL, 0}, {"n2", KILN_I32, KILN_IN, 1, NULL, 0},
              {"n3", KILN_I32, KILN_IN, 1, NULL, 0}, {"s1", KILN_F64, KILN_IN, 1, NULL, 0},
              {"s2", KILN_F64, KILN_IN, 1, NULL, 0}, {"s3", KILN_F64, KILN_IN, 1, NULL, 0},
              {"x", KILN_F64, KILN_IN, 0, grid_count, 0}, {"y", KILN_F64, KILN_OUT, 0, grid_count, 0}),
    KILN_PARAMS({.name = "vec", .help = "vector length: consecutive points along i1 in the lanes",
                 KILN_VALUES(1, 2, 4, 8), .default_value = 1},
                {.name = "zb", .help = "planes along i3 a work-item computes from one window of z rows",
                 KILN_VALUES(1, 2, 4, 8), .default_value = 1},
                {.name = "wg1", .help = "work-items of a work-group along i1", KILN_VALUES(4, 8, 16, 32, 64),
                 .default_value = 32},
                {.name = "wg2", .help = "work-items of a work-group along i2", KILN_VALUES(1, 2, 4, 8, 16),
                 .default_value = 4},
                {.name = "idx64", .help = "index arithmetic in 32 (0) or 64 bits (1: a tap is a constant offset "
                                          "of one address)",
                 KILN_VALUES(0, 1), .default_value = 0}),
    KILN_CONSTRAINTS("wg1 * wg2 <= max_wg_size", "wg1 * wg2 >= 16"),
    .default_size = {3, {64, 64, 64}},
    .langs = (1u << KILN_LANG_CL) | (1u << KILN_LANG_C),
    .build = fused_build,
    .inputs = fused_inputs,
    .reference = fused_reference,
    .geometry = fused_geometry,
    .flops = fused_flops,
    .bytes = fused_bytes,
};
