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
 * A work-item owns a block of `vec` consecutive points along i1 (the vector
 * lanes) by `yb` rows along i2 by `zb` planes along i3. The y taps of a
 * plane come from a window of yb + 28 rows and the z taps of a row from a
 * window of zb + 28 planes, each loaded once for the block; the x taps are
 * one vector load each (xwin = 0; a tap whose lanes cross the periodic seam
 * is gathered lane by lane) or lanes of one window of vec + 28 elements
 * (xwin = 1: registers on a GPU, shuffles on a CPU). Work-groups are wg1
 * work-items along i1 by wg2 along i2. A block that runs past the end of an
 * axis is done point by point.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include "kernels/bigdft/bigdft.h"

#define D2_HALF 14 /* SYM8_D2 taps -14..14 */
#define D2_TAPS (2 * D2_HALF + 1)
#define MAX_VEC 8
#define MAX_YB 4
#define MAX_ZB 8

typedef struct st3 {
    kiln_ctx *ctx;
    int vec, yb, zb, xwin, full_taps, wg1, wg2;
    kiln_type idx;                  /* index arithmetic: i32, or i64 (idx64 = 1) */
    long long n[3];                 /* n1, n2, n3 */
    kiln_var *s[3], *x, *y;
    kiln_var *dpad;                 /* full_taps = 0: tap l at l + TAP0, zeros around */
} st3;

/* The padded table: a window's tap m - q for q up to MAX_ZB - 1 away reads zeros. */
#define PAD (MAX_ZB - 1)
#define TAP0 (D2_HALF + PAD)
#define DPAD_LEN (D2_TAPS + 2 * PAD)

/* One work-item's block: V x Y x Z points from (lo, y0, z0), and the
 * offsets and accumulators the description forms for it. */
typedef struct blk {
    int V, Y, Z;
    kiln_type T;                    /* f64 of V lanes */
    kiln_node *lo, *y0, *z0;
    kiln_var *pq[MAX_ZB];           /* (z0 + q) * n1 * n2 */
    kiln_var *acc[MAX_YB][MAX_ZB];
} blk;

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

/* Tap (index - TAP0) from the padded table, index an expression (full_taps = 0). */
static kiln_node *tap_at(const st3 *S, kiln_node *index)
{
    return kiln_at(S->ctx, S->dpad, index);
}

static kiln_node *as_idx(const st3 *S, kiln_node *v)
{
    return kiln_cast(S->ctx, S->idx, v);
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

/* The flat index of x(z0 + q, y0 + r, lo). */
static kiln_node *point_index(const st3 *S, const blk *B, int r, int q)
{
    kiln_ctx *ctx = S->ctx;
    return kiln_add(ctx, ref(S, B->pq[q]), as_idx(S, kiln_add(ctx, kiln_muli(ctx, kiln_addi(ctx, B->y0, r), S->n[0]), B->lo)));
}

/* x(row start + wrap(lo + off)) for one element: `interior` blocks need no wrap. */
static kiln_node *x_element(const st3 *S, const blk *B, kiln_node *base, kiln_node *row, kiln_node *off, int interior)
{
    kiln_ctx *ctx = S->ctx;
    if (interior)
        return kiln_vload(ctx, 1, S->x, kiln_add(ctx, base, as_idx(S, off)));
    return kiln_vload(ctx, 1, S->x, kiln_add(ctx, row, as_idx(S, wrap(S, kiln_add(ctx, B->lo, off), S->n[0]))));
}

/* The x tap at offset l (an expression) of the V lanes from base: one vector
 * load inside the line, else a load or a lane-by-lane gather, whichever the
 * lanes need (t: the vector variable the two branches assign). */
static kiln_node *x_tap(const st3 *S, const blk *B, kiln_var *t, kiln_node *base, kiln_node *row, kiln_node *l,
                        int interior)
{
    kiln_ctx *ctx = S->ctx;
    int V = B->V;
    if (interior)
        return kiln_vload(ctx, V, S->x, kiln_add(ctx, base, as_idx(S, l)));
    if (V == 1)
        return x_element(S, B, base, row, l, 0);
    kiln_node *p = kiln_add(ctx, B->lo, l);
    kiln_if_begin(ctx, kiln_and(ctx, kiln_ge(ctx, p, num(S, 0)), kiln_le(ctx, kiln_addi(ctx, p, V), num(S, S->n[0]))));
    kiln_assign(ctx, ref(S, t), kiln_vload(ctx, V, S->x, kiln_add(ctx, base, as_idx(S, l))));
    kiln_else(ctx);
    kiln_node *lanes[MAX_VEC];
    for (int k = 0; k < V; k++)
        lanes[k] = x_element(S, B, base, row, kiln_addi(ctx, l, k), 0);
    kiln_assign(ctx, ref(S, t), kiln_vec_of(ctx, B->T, V, lanes));
    kiln_if_end(ctx);
    return ref(S, t);
}

/* The x terms of every point into its accumulator, then times s1. xwin = 0:
 * tap by tap over the points (Y x Z sums in flight), each tap one vector load
 * (inside the line: `interior`) or a gather where its lanes cross the seam;
 * xwin = 1: per row, a window of V + 28 elements and each tap's vector made
 * of its lanes. */
static void x_terms(const st3 *S, const blk *B, kiln_var *t, int interior)
{
    kiln_ctx *ctx = S->ctx;
    int V = B->V;
    kiln_node *base[MAX_YB][MAX_ZB], *row[MAX_YB][MAX_ZB];
    for (int r = 0; r < B->Y; r++)
        for (int q = 0; q < B->Z; q++) {
            base[r][q] = point_index(S, B, r, q);
            row[r][q] = kiln_sub(ctx, point_index(S, B, r, q), as_idx(S, B->lo));
        }
    if (S->xwin) {
        char name[32];
        for (int r = 0; r < B->Y; r++)
            for (int q = 0; q < B->Z; q++) {
                kiln_block_begin(ctx);
                kiln_var *w[MAX_VEC + 2 * D2_HALF];
                for (int k = 0; k < V + 2 * D2_HALF; k++) {
                    snprintf(name, sizeof name, "xw%d", k);
                    w[k] = kiln_decl_const(ctx, name, KILN_T(F64),
                                           x_element(S, B, base[r][q], row[r][q], num(S, k - D2_HALF), interior));
                }
                for (int l = -D2_HALF; l <= D2_HALF; l++) {
                    kiln_node *lanes[MAX_VEC];
                    for (int j = 0; j < V; j++)
                        lanes[j] = ref(S, w[j + l + D2_HALF]);
                    kiln_node *v = V == 1 ? lanes[0] : kiln_vec_of(ctx, B->T, V, lanes);
                    kiln_assign_op(ctx, KILN_ADD, ref(S, B->acc[r][q]), kiln_mul(ctx, tap(S, l), v));
                }
                kiln_block_end(ctx);
            }
    } else if (S->full_taps) {
        for (int l = -D2_HALF; l <= D2_HALF; l++)
            for (int r = 0; r < B->Y; r++)
                for (int q = 0; q < B->Z; q++)
                    kiln_assign_op(ctx, KILN_ADD, ref(S, B->acc[r][q]),
                                   kiln_mul(ctx, tap(S, l), x_tap(S, B, t, base[r][q], row[r][q], num(S, l), interior)));
    } else {
        kiln_var *l = kiln_for_begin(ctx, "l", num(S, -D2_HALF), num(S, D2_HALF + 1), num(S, 1));
        for (int r = 0; r < B->Y; r++)
            for (int q = 0; q < B->Z; q++)
                kiln_assign_op(ctx, KILN_ADD, ref(S, B->acc[r][q]),
                               kiln_mul(ctx, tap_at(S, kiln_addi(ctx, ref(S, l), TAP0)),
                                        x_tap(S, B, t, base[r][q], row[r][q], ref(S, l), interior)));
        kiln_for_end(ctx);
    }
}

/* The y terms (axis 1) or the z terms (axis 2) into the accumulators, times
 * s2 or s3: for each plane (y) or row (z) of the block, a window of rows or
 * planes, window entry m at origin + m - 14 along the axis, tap m - 14 - p of
 * the block's point p along it. */
static void window_terms(const st3 *S, const blk *B, int axis)
{
    kiln_ctx *ctx = S->ctx;
    int outer = axis == 1 ? B->Z : B->Y, points = axis == 1 ? B->Y : B->Z;
    kiln_node *origin = axis == 1 ? B->y0 : B->z0;
    long long stride = axis == 1 ? S->n[0] : S->n[0] * S->n[1];
    const char *prefix = axis == 1 ? "y" : "z";
    char name[32];
    for (int o = 0; o < outer; o++) {
        kiln_block_begin(ctx);
        /* the index of the block's point with the axis's coordinate left out */
        kiln_node *rest = axis == 1 ? kiln_add(ctx, ref(S, B->pq[o]), as_idx(S, B->lo))
                                    : as_idx(S, kiln_add(ctx, kiln_muli(ctx, kiln_addi(ctx, B->y0, o), S->n[0]), B->lo));
        kiln_var *a[MAX_ZB];
        for (int p = 0; p < points; p++) {
            snprintf(name, sizeof name, "a%s%d", prefix, p);
            a[p] = kiln_decl(ctx, name, B->T, kiln_dbl(ctx, 0.0));
        }
        int count = points + 2 * D2_HALF;
        kiln_var *mv = S->full_taps ? NULL : kiln_for_begin(ctx, "m", num(S, 0), num(S, count), num(S, 1));
        for (int m = 0; m < (S->full_taps ? count : 1); m++) {
            kiln_node *mn = mv ? ref(S, mv) : num(S, m);
            kiln_node *at = wrap(S, kiln_add(ctx, origin, kiln_addi(ctx, mn, -D2_HALF)), S->n[axis]);
            snprintf(name, sizeof name, "w%s%d", prefix, m);
            kiln_var *w = kiln_decl_const(ctx, name, B->T,
                                          kiln_vload(ctx, B->V, S->x, kiln_add(ctx, kiln_muli(ctx, as_idx(S, at), stride), rest)));
            for (int p = 0; p < points; p++) {
                int l = m - D2_HALF - p;
                if (mv)
                    kiln_assign_op(ctx, KILN_ADD, ref(S, a[p]), kiln_mul(ctx, tap_at(S, kiln_addi(ctx, ref(S, mv), PAD - p)), ref(S, w)));
                else if (l >= -D2_HALF && l <= D2_HALF)
                    kiln_assign_op(ctx, KILN_ADD, ref(S, a[p]), kiln_mul(ctx, tap(S, l), ref(S, w)));
            }
        }
        if (mv)
            kiln_for_end(ctx);
        for (int p = 0; p < points; p++) {
            kiln_var *acc = axis == 1 ? B->acc[p][o] : B->acc[o][p];
            kiln_assign_op(ctx, KILN_ADD, ref(S, acc), kiln_mul(ctx, ref(S, S->s[axis]), ref(S, a[p])));
        }
        kiln_block_end(ctx);
    }
}

/* The V x Y x Z points from (lo, y0, z0), all in range: one accumulator a
 * point, the x terms (emitted twice: clear of the seam and across it) times
 * s1, then s2 times the y terms and s3 times the z terms added. */
static void block(const st3 *S, int V, int Y, int Z, kiln_node *lo, kiln_node *y0, kiln_node *z0)
{
    kiln_ctx *ctx = S->ctx;
    blk B = {.V = V, .Y = Y, .Z = Z, .T = {KILN_F64, V}, .lo = lo, .y0 = y0, .z0 = z0};
    long long n1 = S->n[0], plane = S->n[0] * S->n[1];
    char name[32];
    kiln_block_begin(ctx);
    kiln_var *t = V > 1 && !S->xwin ? kiln_decl(ctx, "xl", B.T, NULL) : NULL;
    for (int q = 0; q < Z; q++) {
        snprintf(name, sizeof name, "pq%d", q);
        B.pq[q] = kiln_decl_const(ctx, name, S->idx, kiln_muli(ctx, as_idx(S, kiln_addi(ctx, z0, q)), plane));
    }
    for (int r = 0; r < Y; r++)
        for (int q = 0; q < Z; q++) {
            snprintf(name, sizeof name, "acc%d_%d", r, q);
            B.acc[r][q] = kiln_decl(ctx, name, B.T, kiln_dbl(ctx, 0.0));
        }
    kiln_if_begin(ctx, kiln_and(ctx, kiln_ge(ctx, lo, num(S, D2_HALF)), kiln_le(ctx, kiln_addi(ctx, lo, V + D2_HALF), num(S, n1))));
    x_terms(S, &B, t, 1);
    kiln_else(ctx);
    x_terms(S, &B, t, 0);
    kiln_if_end(ctx);
    for (int r = 0; r < Y; r++)
        for (int q = 0; q < Z; q++)
            kiln_assign(ctx, ref(S, B.acc[r][q]), kiln_mul(ctx, ref(S, S->s[0]), ref(S, B.acc[r][q])));
    window_terms(S, &B, 1);
    window_terms(S, &B, 2);
    for (int r = 0; r < Y; r++)
        for (int q = 0; q < Z; q++)
            kiln_vstore(ctx, S->y, point_index(S, &B, r, q), ref(S, B.acc[r][q]));
    kiln_block_end(ctx);
}

static int read_config(st3 *S, const kiln_config *cfg)
{
    S->vec = (int)kiln_config_get(cfg, "vec", 1);
    S->yb = (int)kiln_config_get(cfg, "yb", 1);
    S->zb = (int)kiln_config_get(cfg, "zb", 1);
    S->xwin = (int)kiln_config_get(cfg, "xwin", 0);
    S->full_taps = (int)kiln_config_get(cfg, "full_taps", 1);
    S->wg1 = (int)kiln_config_get(cfg, "wg1", 32);
    S->wg2 = (int)kiln_config_get(cfg, "wg2", 4);
    S->idx = kiln_config_get(cfg, "idx64", 0) ? KILN_T(I64) : KILN_T(I32);
    kiln_ctx *ctx = S->ctx;
    if (S->vec != 1 && S->vec != 2 && S->vec != 4 && S->vec != 8)
        kiln_fail(ctx, "bigdft.kinetic3d_fused: vec %d is not 1, 2, 4 or 8", S->vec);
    else if (S->yb < 1 || S->yb > MAX_YB || S->zb < 1 || S->zb > MAX_ZB)
        kiln_fail(ctx, "bigdft.kinetic3d_fused: a block of %d rows x %d planes is outside 1..%d x 1..%d", S->yb, S->zb,
                  MAX_YB, MAX_ZB);
    else if (S->xwin && !S->full_taps)
        kiln_fail(ctx, "bigdft.kinetic3d_fused: an x window (xwin 1) needs its taps unrolled (full_taps 1)");
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
    /* the extents are arguments, and literals of this size's variant too: its indices fold */
    const char *nnames[3] = {"n1", "n2", "n3"}, *snames[3] = {"s1", "s2", "s3"};
    for (int d = 0; d < 3; d++)
        kiln_arg_scalar(ctx, nnames[d], KILN_T(I32));
    for (int d = 0; d < 3; d++)
        S.s[d] = kiln_arg_scalar(ctx, snames[d], KILN_T(F64));
    S.x = kiln_arg_array(ctx, "x", KILN_T(F64), KILN_IN, num(&S, S.n[2]), num(&S, S.n[1]), num(&S, S.n[0]));
    S.y = kiln_arg_array(ctx, "y", KILN_T(F64), KILN_OUT, num(&S, S.n[2]), num(&S, S.n[1]), num(&S, S.n[0]));
    kiln_comment(ctx, "bigdft.kinetic3d_fused f64: vec %d, yb %d, zb %d, xwin %d, full_taps %d, wg %d x %d, %s indices",
                 S.vec, S.yb, S.zb, S.xwin, S.full_taps, S.wg1, S.wg2, kiln_scalar_name(S.idx.scalar));
    if (!S.full_taps) {
        double pad[DPAD_LEN];
        for (int k = 0; k < DPAD_LEN; k++)
            pad[k] = bigdft_tap(&bigdft_sym8_d2, k - TAP0);
        S.dpad = kiln_decl_const_array(ctx, "d2", KILN_T(F64), DPAD_LEN, pad);
    }

    const int ext_block[3] = {S.vec, S.yb, S.zb};
    const char *origin[3] = {"lo", "y0", "z0"};
    kiln_var *o[3];
    for (int d = 0; d < 3; d++)
        o[d] = kiln_decl_const(ctx, origin[d], KILN_T(I32),
                               kiln_muli(ctx, kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, d)), ext_block[d]));
    kiln_if_begin(ctx, kiln_all(ctx, kiln_lt(ctx, ref(&S, o[0]), num(&S, S.n[0])), kiln_lt(ctx, ref(&S, o[1]), num(&S, S.n[1])),
                                kiln_lt(ctx, ref(&S, o[2]), num(&S, S.n[2]))));
    int whole = 1;
    kiln_node *fits[3];
    for (int d = 0; d < 3; d++) {
        whole &= S.n[d] % ext_block[d] == 0;
        fits[d] = kiln_le(ctx, kiln_addi(ctx, ref(&S, o[d]), ext_block[d]), num(&S, S.n[d]));
    }
    if (!whole)
        kiln_if_begin(ctx, kiln_all(ctx, fits[0], fits[1], fits[2]));
    block(&S, S.vec, S.yb, S.zb, ref(&S, o[0]), ref(&S, o[1]), ref(&S, o[2]));
    if (!whole) {
        /* past the end of an axis: the points in range one at a time */
        kiln_else(ctx);
        const char *loops[3] = {"k", "r", "q"};
        kiln_var *it[3];
        for (int d = 2; d >= 0; d--)
            it[d] = kiln_for_begin(ctx, loops[d], ref(&S, o[d]),
                                   kiln_min(ctx, kiln_addi(ctx, ref(&S, o[d]), ext_block[d]), num(&S, S.n[d])), num(&S, 1));
        block(&S, 1, 1, 1, ref(&S, it[0]), ref(&S, it[1]), ref(&S, it[2]));
        for (int d = 0; d < 3; d++)
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
    size_t b[3] = {(size_t)kiln_config_get(cfg, "vec", 1), (size_t)kiln_config_get(cfg, "yb", 1),
                   (size_t)kiln_config_get(cfg, "zb", 1)};
    size_t wg1 = (size_t)kiln_config_get(cfg, "wg1", 32), wg2 = (size_t)kiln_config_get(cfg, "wg2", 4);
    size_t items[3];
    for (int d = 0; d < 3; d++)
        items[d] = ((size_t)n[d] + b[d] - 1) / b[d];
    *geo = (kiln_geometry){3, {(items[0] + wg1 - 1) / wg1 * wg1, (items[1] + wg2 - 1) / wg2 * wg2, items[2]}, {wg1, wg2, 1}};
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

/* y and the sum of |terms| of each point from bigdft_ref_kinetic3d (the
 * operator's definition), with the spacings the scales were made from. */
static void fused_reference(kiln_args *args)
{
    long long n[3];
    extents(kiln_args_size(args), n);
    const char *snames[3] = {"s1", "s2", "s3"};
    double h[3];
    for (int d = 0; d < 3; d++)
        h[d] = sqrt(-0.5 / *(const double *)kiln_args_ptr(args, snames[d]));
    bigdft_ref_kinetic3d(kiln_args_ptr(args, "x"), kiln_args_want(args, "y"), kiln_args_magnitude(args, "y", 3.0 * D2_TAPS),
                         h, (int)n[0], (int)n[1], (int)n[2]);
}

/* 2 * 29 flops a point along each of the three axes, as the three passes count them */
static double fused_flops(const kiln_size *size)
{
    return 2.0 * D2_TAPS * 3.0 * (double)grid_count(size);
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
                {.name = "yb", .help = "rows along i2 a work-item computes from one window of y rows a plane",
                 KILN_VALUES(1, 2, 4), .default_value = 1},
                {.name = "zb", .help = "planes along i3 a work-item computes from one window of planes a row",
                 KILN_VALUES(1, 2, 4, 8), .default_value = 1},
                {.name = "xwin", .help = "x taps as vector loads (0) or as lanes of one window of vec + 28 "
                                         "elements a row (1)",
                 KILN_VALUES(0, 1), .default_value = 0},
                {.name = "full_taps", .help = "the taps unrolled into literals (1) or loops over a table (0: "
                                              "code a fraction of the size)",
                 KILN_VALUES(0, 1), .default_value = 1},
                {.name = "wg1", .help = "work-items of a work-group along i1", KILN_VALUES(4, 8, 16, 32, 64),
                 .default_value = 32},
                {.name = "wg2", .help = "work-items of a work-group along i2", KILN_VALUES(1, 2, 4, 8, 16),
                 .default_value = 4},
                {.name = "idx64", .help = "index arithmetic in 32 (0) or 64 bits (1: a tap is a constant offset "
                                          "of one address)",
                 KILN_VALUES(0, 1), .default_value = 0}),
    KILN_CONSTRAINTS("wg1 * wg2 <= max_wg_size", "wg1 * wg2 >= 16", "vec * yb * zb <= 64", "xwin == 0 || full_taps == 1"),
    .default_size = {3, {64, 64, 64}},
    .langs = (1u << KILN_LANG_CL) | (1u << KILN_LANG_C),
    .build = fused_build,
    .inputs = fused_inputs,
    .reference = fused_reference,
    .geometry = fused_geometry,
    .flops = fused_flops,
    .bytes = fused_bytes,
};
