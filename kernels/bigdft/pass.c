/*
 * pass.c: the description of a BigDFT pass (pass.h) and the operators it
 * describes.
 *
 * A work-item owns a block of lines (map = 0: and loops over every iteration
 * i; map = 1: for one i, the second NDRange dimension). With lanes = lines
 * the block is `unroll` vectors of `vec` consecutive lines: the lanes read the
 * same point of their lines (one wrapped index for all) and their outputs
 * y(row, j .. j + vec - 1) are one contiguous store. With lanes = points the
 * block is `unroll` lines, each vectorised over `vec` consecutive iterations:
 * the inputs of a tap are one contiguous load where nothing wraps, the outputs
 * one store per lane. A block that the lines do not fill is done line by line. The taps are a loop over
 * constant arrays or unrolled into literals (full_taps); the accumulators are
 * vectors of scalars or one private array of a scalar per lane (acc). The periodic wrap is a floored modulo in
 * the loop, a precomputed index table, or a split of the iterations into a
 * head and a tail that wrap and a body that does not (wrap); the free
 * boundary's range test is a clamped load times a 0/1 mask, or the same split.
 *
 * With tile > 0 (the passes of one output from one channel at unit stride:
 * magic filter, grow, shrink, kinetic; the others declare no tile) a
 * work-group owns a tile of `tile` lines x points and goes through local
 * memory instead: it copies the tile's inputs with its halo (the boundary
 * applied there) from the lines, consecutive work-items reading consecutive
 * points, then work-item l computes `unroll` consecutive points of line
 * l mod tile and stores them, consecutive work-items writing consecutive
 * lines of one output row. Both global streams are then contiguous runs
 * across the work-items (coalesced on a GPU, whole cache lines on a CPU); the
 * rows of the local tile have an odd length, so the work-items that read one
 * column of neighbouring rows meet different banks.
 *
 * With lanes = transposed (the same passes) a work-item owns `vec` lines and
 * first copies them, with the filter's halo and the boundary applied, into a
 * private buffer of rows of `vec` lanes (one row per point: the block
 * transposed once); then each iteration computes `unroll` consecutive points
 * of all its lines from a window of unroll + taps - 1 rows, each row one
 * contiguous vector load, every tap one multiply-add of a vector by a
 * constant, and stores y(row, lines) as one contiguous vector per point. No
 * index of the compute loop wraps, and a CPU's vector unit works along the
 * lines while both global streams stay contiguous: the copy reads each line
 * along its points, the stores write each output row along the lines.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/bigdft/bigdft.h"
#include "kernels/bigdft/pass.h"

#define MAX_UNROLL 12
#define MAX_VEC 8
#define MAX_TILE 64
#define LOCAL_MEM_BYTES 49152            /* the least an OpenCL GPU offers a work-group */
#define PRIVATE_BUFFER_BYTES 262144      /* a transposed block's buffers, on a CPU's stack */

/* What the vector lanes hold (the parameter lanes). */
enum { LANES_LINES = 0, LANES_POINTS = 1, LANES_TRANSPOSED = 2 };

/* ---- the operators ---------------------------------------------------- */

/* Made once, on first use: variants are generated on several threads at once. */
static pass_op ops[PASS_KIND_COUNT];
static pthread_once_t ops_once = PTHREAD_ONCE_INIT;

static void one_output(pass_op *op, const bigdft_filter *f, int reversed)
{
    op->out[0] = (pass_output){1, 0, 0, {{0}}};
    for (int t = 0; t < op->ntaps; t++)
        op->out[0].coef[0][t] = bigdft_tap(f, reversed ? -(op->off0 + t - 7) : f->first + t);
}

static void make_ops(void)
{
    pass_op *mf = &ops[PASS_MAGICFILTER];
    *mf = (pass_op){.name = "magicfilter", .ntaps = 16, .off0 = -8, .off_step = 1, .in_mul = 1, .nch = 1,
                    .nout = 1, .boundary = PASS_PERIODIC, .in_len_mul = 1, .out_len_mul = 1, .wrap_mul = 1};
    one_output(mf, &bigdft_sym8_mf, 0);

    /* output o is point p = o - 7: it reads p + l = o - 15 + (l + 8) */
    pass_op *grow = &ops[PASS_GROW];
    *grow = *mf;
    grow->name = "magicfilter_grow";
    grow->off0 = -15;
    grow->boundary = PASS_FREE;
    grow->out_len_add = 15;
    grow->iters_add = 15;
    grow->wrap_mul = 0;

    /* z(q) = sum_l f_l y(q - l + 7): tap t reads q + t, t = 7 - l */
    pass_op *shrink = &ops[PASS_SHRINK];
    *shrink = *mf;
    shrink->name = "magicfilter_shrink";
    shrink->off0 = 0;
    shrink->boundary = PASS_NONE;
    shrink->in_len_add = 15;
    shrink->wrap_mul = 0;
    one_output(shrink, &bigdft_sym8_mf, 1);

    pass_op *ana = &ops[PASS_ANALYSIS];
    *ana = (pass_op){.name = "analysis", .ntaps = 16, .off0 = 0, .off_step = 1, .in_mul = 2, .nch = 1, .nout = 2,
                     .boundary = PASS_PERIODIC, .in_len_mul = 2, .out_len_mul = 2, .wrap_mul = 2};
    ana->out[0] = (pass_output){1, 0, 0, {{0}}};
    ana->out[1] = (pass_output){1, 1, 0, {{0}}};
    for (int k = 0; k < 16; k++) {
        ana->out[0].coef[0][k] = bigdft_tap(&bigdft_sym8_lp, k);
        ana->out[1].coef[0][k] = bigdft_highpass(k);
    }

    /* x(2j + s) = sum_t h_{2t+s} c(j - t) + g_{2t+s} d(j - t) */
    pass_op *syn = &ops[PASS_SYNTHESIS];
    *syn = (pass_op){.name = "synthesis", .ntaps = 8, .off0 = 0, .off_step = -1, .in_mul = 1, .nch = 2, .nout = 2,
                     .boundary = PASS_PERIODIC, .in_len_mul = 2, .out_len_mul = 2, .wrap_mul = 1};
    for (int s = 0; s < 2; s++) {
        syn->out[s] = (pass_output){2, 0, s, {{0}}};
        for (int t = 0; t < 8; t++) {
            syn->out[s].coef[0][t] = bigdft_tap(&bigdft_sym8_lp, 2 * t + s);
            syn->out[s].coef[1][t] = bigdft_highpass(2 * t + s);
        }
    }

    pass_op *kin = &ops[PASS_KINETIC];
    *kin = (pass_op){.name = "kinetic", .ntaps = 29, .off0 = -14, .off_step = 1, .in_mul = 1, .nch = 1, .nout = 1,
                     .boundary = PASS_PERIODIC, .in_len_mul = 1, .out_len_mul = 1, .wrap_mul = 1, .kinetic = 1};
    one_output(kin, &bigdft_sym8_d2, 0);
    ops[PASS_KINETIC_DOT] = *kin;
    ops[PASS_KINETIC_DOT].name = "kinetic_dot";
    ops[PASS_KINETIC_DOT].dot = 1;
}

const pass_op *bigdft_pass_op(pass_kind kind)
{
    pthread_once(&ops_once, make_ops);
    return kind >= 0 && kind < PASS_KIND_COUNT ? &ops[kind] : NULL;
}

void bigdft_pass_shape(const kiln_size *size, long long *n, long long *ndat)
{
    *n = size->d[0];
    *ndat = 1;
    for (int d = 1; d < size->ndims; d++)
        *ndat *= size->d[d];
}

long long bigdft_pass_in_len(const pass_op *op, long long n)
{
    return op->in_len_mul * n + op->in_len_add;
}

long long bigdft_pass_out_len(const pass_op *op, long long n)
{
    return op->out_len_mul * n + op->out_len_add;
}

/* ---- the description -------------------------------------------------- */

typedef struct pass {
    kiln_ctx *ctx;
    const pass_op *op;
    kiln_scalar elem;
    int unroll, vec, lanes, wrap, acc_array, full_taps, map, tile, wg, stream, prefetch;
    long long n, ndat, iters, in_len, wrap_len;
    int lo, hi;                          /* the range of p over every iteration and tap */
    kiln_var *vn, *x, *y_in, *scale, *y, *xt, *dot;
    kiln_var *tab;                       /* wrap = table: tab[p - lo] = p mod wrap_len */
    kiln_var *coef[2][2];                /* full_taps = 0: [output][channel] */
} pass;

/* How one iteration's indices are formed. */
typedef enum index_mode { INDEX_DIRECT, INDEX_WRAPPED } index_mode;

static kiln_node *num(const pass *P, long long v)
{
    return kiln_int(P->ctx, v);
}

static kiln_node *ref(const pass *P, kiln_var *v)
{
    return kiln_ref(P->ctx, v);
}

static kiln_type vtype(const pass *P, int lanes)
{
    return (kiln_type){P->elem, lanes};
}

static kiln_node *elem_lit(const pass *P, double v)
{
    return kiln_lit(P->ctx, vtype(P, 1), v);
}

/* p(i, t) as an expression: of the literal tap t_lit, or (t_lit < 0) of the
 * taps loop's variable t. */
static kiln_node *point(const pass *P, kiln_node *i, kiln_node *t, int t_lit)
{
    kiln_ctx *ctx = P->ctx;
    const pass_op *op = P->op;
    kiln_node *base = kiln_muli(ctx, i, op->in_mul);
    if (t_lit >= 0)
        return kiln_addi(ctx, base, op->off0 + op->off_step * t_lit);
    kiln_node *step =
        op->off_step < 0 ? kiln_neg(ctx, kiln_muli(ctx, t, -op->off_step)) : kiln_muli(ctx, t, op->off_step);
    return kiln_add(ctx, kiln_addi(ctx, base, op->off0), step);
}

/* The element index of p in the line, wrapped as `mode` and `wrap` say; for
 * the free boundary, clamped into the line (its mask zeroes the term). */
static kiln_node *line_index(const pass *P, kiln_node *p, index_mode mode, int channel)
{
    kiln_ctx *ctx = P->ctx;
    kiln_node *idx = p;
    if (mode == INDEX_WRAPPED && P->op->boundary == PASS_PERIODIC)
        idx = P->wrap == PASS_WRAP_TABLE ? kiln_at(ctx, P->tab, kiln_addi(ctx, p, -P->lo))
                                         : kiln_modp(ctx, p, num(P, P->wrap_len));
    else if (mode == INDEX_WRAPPED && P->op->boundary == PASS_FREE)
        idx = kiln_max(ctx, num(P, 0), kiln_min(ctx, p, num(P, P->in_len - 1)));
    return channel ? kiln_add(ctx, idx, num(P, channel * P->n)) : idx;
}

/* 1 where p lies in the line, 0 outside (free boundary, wrapped iterations). */
static kiln_node *in_range_mask(const pass *P, kiln_node *p)
{
    kiln_ctx *ctx = P->ctx;
    return kiln_select(ctx, kiln_and(ctx, kiln_ge(ctx, p, num(P, 0)), kiln_lt(ctx, p, num(P, P->in_len))),
                       elem_lit(P, 1.0), elem_lit(P, 0.0));
}

/* arr(line0 .. line0 + lanes - 1, idx) as one value: neighbouring lines are the lanes. */
static kiln_node *lines_load(const pass *P, kiln_var *arr, kiln_node *line0, kiln_node *idx, int lanes)
{
    kiln_ctx *ctx = P->ctx;
    if (lanes == 1)
        return kiln_at(ctx, arr, line0, idx);
    kiln_node *lane[MAX_VEC];
    for (int q = 0; q < lanes; q++)
        lane[q] = kiln_at(ctx, arr, kiln_addi(ctx, line0, q), idx);
    return kiln_vec_of(ctx, vtype(P, lanes), lanes, lane);
}

/* One iteration's work over its block: accumulators, taps, stores. With
 * points = 0 the lanes of a vector are `vec` neighbouring lines at one point;
 * with points = 1 they are `vec` consecutive iterations of one line, whose
 * inputs are one contiguous load where nothing wraps (in_mul = 1). */
typedef struct block {
    kiln_node *line0;                    /* first line */
    int unroll, vec, points;
    int dot_lane0;                       /* add the dot product into lane 0 of dot_acc */
    kiln_var *acc[2][MAX_UNROLL];        /* scalars, or NULL with acc_arr */
    kiln_var *acc_arr;
    kiln_var *dot_acc[MAX_UNROLL];
} block;

/* The array holds one scalar per lane: acc[(o * unroll + u) * vec + q]. */
static kiln_node *acc_lane(const pass *P, const block *B, int o, int u, int q)
{
    return kiln_at(P->ctx, B->acc_arr, num(P, (o * B->unroll + u) * B->vec + q));
}

/* Accumulator (o, u) as a value of vec lanes. */
static kiln_node *acc_ref(const pass *P, const block *B, int o, int u)
{
    if (!B->acc_arr)
        return ref(P, B->acc[o][u]);
    if (B->vec == 1)
        return acc_lane(P, B, o, u, 0);
    kiln_node *lane[MAX_VEC];
    for (int q = 0; q < B->vec; q++)
        lane[q] = acc_lane(P, B, o, u, q);
    return kiln_vec_of(P->ctx, vtype(P, B->vec), B->vec, lane);
}

/* The line of unrolled copy u, lane q; the iteration of lane q. */
static kiln_node *lane_line(const pass *P, const block *B, int u, int q)
{
    return kiln_addi(P->ctx, B->line0, B->points ? u : u * B->vec + q);
}

static kiln_node *lane_iter(const pass *P, const block *B, kiln_node *i, int q)
{
    return B->points ? kiln_addi(P->ctx, i, q) : i;
}

/* x(line, point of tap t) for lane q of copy u, and its 0/1 mask (free boundary). */
static kiln_node *tap_lane(const pass *P, const block *B, int u, int q, kiln_node *i, kiln_node *t, int t_lit,
                           index_mode mode, int c)
{
    kiln_node *p = point(P, lane_iter(P, B, i, q), t, t_lit);
    return kiln_at(P->ctx, P->x, lane_line(P, B, u, q), line_index(P, p, mode, c));
}

static kiln_node *tap_coef(const pass *P, const block *B, int o, int c, kiln_node *i, kiln_node *t, int t_lit,
                           index_mode mode, int q)
{
    kiln_ctx *ctx = P->ctx;
    kiln_node *cf = t_lit >= 0 ? elem_lit(P, P->op->out[o].coef[c][t_lit]) : kiln_at(ctx, P->coef[o][c], t);
    if (P->op->boundary == PASS_FREE && mode == INDEX_WRAPPED)
        cf = kiln_mul(ctx, cf, in_range_mask(P, point(P, lane_iter(P, B, i, q), t, t_lit)));
    return cf;
}

/* The vector of every lane's tap value (one load where the lanes' points are contiguous). */
static kiln_node *tap_vector(const pass *P, const block *B, int u, kiln_node *i, kiln_node *t, int t_lit,
                             index_mode mode, int c)
{
    if (B->vec == 1)
        return tap_lane(P, B, u, 0, i, t, t_lit, mode, c);
    if (B->points && mode == INDEX_DIRECT && P->op->in_mul == 1)
        return kiln_vload_nd(P->ctx, B->vec, P->x, lane_line(P, B, u, 0),
                             line_index(P, point(P, i, t, t_lit), mode, c));
    kiln_node *lane[MAX_VEC];
    for (int q = 0; q < B->vec; q++)
        lane[q] = tap_lane(P, B, u, q, i, t, t_lit, mode, c);
    return kiln_vec_of(P->ctx, vtype(P, B->vec), B->vec, lane);
}

/* acc[o][u] += coef_o[c][t] * x(lines, index of tap t) for every o, c, u. */
static void taps_body(const pass *P, const block *B, kiln_node *i, kiln_node *t, int t_lit, index_mode mode)
{
    kiln_ctx *ctx = P->ctx;
    const pass_op *op = P->op;
    int masked = op->boundary == PASS_FREE && mode == INDEX_WRAPPED;
    kiln_type vt = vtype(P, B->vec);
    for (int c = 0; c < op->nch; c++)
        for (int u = 0; u < B->unroll; u++)
            for (int o = 0; o < op->nout; o++) {
                if (t_lit >= 0 && op->out[o].coef[c][t_lit] == 0.0)
                    continue;
                if (B->acc_arr) {
                    for (int q = 0; q < B->vec; q++)
                        kiln_assign_op(ctx, KILN_ADD, acc_lane(P, B, o, u, q),
                                       kiln_mul(ctx, tap_coef(P, B, o, c, i, t, t_lit, mode, q),
                                                tap_lane(P, B, u, q, i, t, t_lit, mode, c)));
                    continue;
                }
                kiln_node *cf;
                if (masked && B->points && B->vec > 1) {
                    kiln_node *lane[MAX_VEC];
                    for (int q = 0; q < B->vec; q++)
                        lane[q] = tap_coef(P, B, o, c, i, t, t_lit, mode, q);
                    cf = kiln_vec_of(ctx, vt, B->vec, lane);
                } else {
                    cf = kiln_cast(ctx, vt, tap_coef(P, B, o, c, i, t, t_lit, mode, 0));
                }
                kiln_assign_op(ctx, KILN_ADD, acc_ref(P, B, o, u),
                               kiln_mul(ctx, cf, tap_vector(P, B, u, i, t, t_lit, mode, c)));
            }
}

static kiln_node *out_row(const pass *P, const pass_output *out, kiln_node *i)
{
    kiln_ctx *ctx = P->ctx;
    return kiln_addi(ctx, kiln_muli(ctx, i, out->row_mul), out->row_n * P->n + out->row_add);
}

/* arr(line, i .. i + vec - 1) (points) or arr(lines, i): the value at the
 * iteration's own point (the kinetic pass's x and y). */
static kiln_node *own_point(const pass *P, const block *B, kiln_var *arr, int u, kiln_node *i)
{
    kiln_ctx *ctx = P->ctx;
    if (B->points)
        return kiln_vload_nd(ctx, B->vec, arr, lane_line(P, B, u, 0), i);
    return lines_load(P, arr, lane_line(P, B, u, 0), i, B->vec);
}

/* out(row of lanes, lines) = value: one vector store along the lines, or one
 * element per lane when the lanes are points. */
static void store(const pass *P, const block *B, kiln_var *out, const pass_output *o, kiln_node *i, int u,
                  kiln_var *value)
{
    kiln_ctx *ctx = P->ctx;
    if (!B->points || B->vec == 1) {
        kiln_vstore_nd(ctx, out, out_row(P, o, i), lane_line(P, B, u, 0), ref(P, value));
        return;
    }
    for (int q = 0; q < B->vec; q++)
        kiln_assign(ctx, kiln_at(ctx, out, out_row(P, o, kiln_addi(ctx, i, q)), lane_line(P, B, u, 0)),
                    kiln_lane(ctx, ref(P, value), q));
}

static void iteration(const pass *P, block *B, kiln_node *i, index_mode mode)
{
    kiln_ctx *ctx = P->ctx;
    const pass_op *op = P->op;
    kiln_type vt = vtype(P, B->vec);
    kiln_node *zero = kiln_cast(ctx, vt, elem_lit(P, 0.0));
    char name[32];
    if (P->acc_array) {
        int count = op->nout * B->unroll * B->vec;
        B->acc_arr = kiln_decl_array(ctx, "acc", vtype(P, 1), count);
        for (int k = 0; k < count; k++)
            kiln_assign(ctx, kiln_at(ctx, B->acc_arr, num(P, k)), elem_lit(P, 0.0));
    } else {
        B->acc_arr = NULL;
        for (int o = 0; o < op->nout; o++)
            for (int u = 0; u < B->unroll; u++) {
                snprintf(name, sizeof name, "acc%d_%d", o, u);
                B->acc[o][u] = kiln_decl(ctx, name, vt, zero);
            }
    }
    if (P->full_taps) {
        for (int t = 0; t < op->ntaps; t++)
            taps_body(P, B, i, num(P, t), t, mode);
    } else {
        kiln_var *t = kiln_for_begin(ctx, "t", num(P, 0), num(P, op->ntaps), num(P, 1));
        taps_body(P, B, i, ref(P, t), -1, mode);
        kiln_for_end(ctx);
    }
    for (int o = 0; o < op->nout; o++)
        for (int u = 0; u < B->unroll; u++) {
            kiln_node *value = acc_ref(P, B, o, u);
            if (op->kinetic) {
                snprintf(name, sizeof name, "xv%d", u);
                kiln_var *xv = kiln_decl_const(ctx, name, vt, own_point(P, B, P->x, u, i));
                value = kiln_add(ctx, own_point(P, B, P->y_in, u, i),
                                 kiln_mul(ctx, kiln_cast(ctx, vt, ref(P, P->scale)), value));
                store(P, B, P->xt, &op->out[o], i, u, xv);
                if (op->dot) {
                    kiln_node *sum = ref(P, B->dot_acc[u]);
                    kiln_node *lhs = B->dot_lane0 ? kiln_lane(ctx, sum, 0) : sum;
                    snprintf(name, sizeof name, "yt%d", u);
                    kiln_var *yt = kiln_decl_const(ctx, name, vt, value);
                    kiln_assign_op(ctx, KILN_ADD, lhs, kiln_mul(ctx, ref(P, xv), ref(P, yt)));
                    value = ref(P, yt);
                }
            }
            snprintf(name, sizeof name, "out%d_%d", o, u);
            store(P, B, P->y, &op->out[o], i, u, kiln_decl_const(ctx, name, vt, value));
        }
}

/* Iterations lo..hi-1, each in its own block scope; with points, vec at a
 * time and the remainder one at a time. */
static void iterations(const pass *P, block *B, long long lo, long long hi, index_mode mode)
{
    if (lo >= hi)
        return;
    long long step = B->points ? B->vec : 1, vec_end = lo + (hi - lo) / step * step;
    if (vec_end > lo) {
        kiln_var *i = kiln_for_begin(P->ctx, "i", num(P, lo), num(P, vec_end), num(P, step));
        iteration(P, B, ref(P, i), mode);
        kiln_for_end(P->ctx);
    }
    if (vec_end < hi) {
        block one = *B;
        one.vec = 1;
        one.points = 0;
        one.dot_lane0 = B->vec > 1;
        kiln_var *i = kiln_for_begin(P->ctx, "i", num(P, vec_end), num(P, hi), num(P, 1));
        iteration(P, &one, ref(P, i), mode);
        kiln_for_end(P->ctx);
    }
}

/* The first iteration whose points all lie in 0..len-1, and one past the last. */
static void body_range(const pass *P, long long *b0, long long *b1)
{
    const pass_op *op = P->op;
    int min_off = op->off0 + (op->off_step < 0 ? op->off_step * (op->ntaps - 1) : 0);
    int max_off = op->off0 + (op->off_step > 0 ? op->off_step * (op->ntaps - 1) : 0);
    long long len = op->boundary == PASS_PERIODIC ? P->wrap_len : P->in_len;
    long long first = min_off >= 0 ? 0 : (-min_off + op->in_mul - 1) / op->in_mul;
    long long last = len - 1 - max_off < 0 ? -1 : (len - 1 - max_off) / op->in_mul;
    *b0 = first < P->iters ? first : P->iters;
    *b1 = last + 1 > *b0 ? (last + 1 < P->iters ? last + 1 : P->iters) : *b0;
}

/* A block of lines with every iteration (map = 0) or with iteration i (map = 1). */
static void lines_block(const pass *P, kiln_node *line0, int unroll, int vec, int points, kiln_node *i_item)
{
    kiln_ctx *ctx = P->ctx;
    block B = {line0, unroll, vec, points && vec > 1, 0, {{0}}, NULL, {0}};
    char name[32];
    kiln_block_begin(ctx);
    if (P->op->dot)
        for (int u = 0; u < unroll; u++) {
            snprintf(name, sizeof name, "dot%d", u);
            B.dot_acc[u] = kiln_decl(ctx, name, vtype(P, vec), kiln_cast(ctx, vtype(P, vec), elem_lit(P, 0.0)));
        }
    if (i_item) {
        iteration(P, &B, i_item, INDEX_WRAPPED);
    } else if (P->op->boundary == PASS_NONE) {
        iterations(P, &B, 0, P->iters, INDEX_DIRECT);
    } else if (P->wrap == PASS_WRAP_SPLIT) {
        long long b0, b1;
        body_range(P, &b0, &b1);
        iterations(P, &B, 0, b0, INDEX_WRAPPED);
        iterations(P, &B, b0, b1, INDEX_DIRECT);
        iterations(P, &B, b1, P->iters, INDEX_WRAPPED);
    } else {
        iterations(P, &B, 0, P->iters, INDEX_WRAPPED);
    }
    for (int u = 0; P->op->dot && u < unroll; u++) {
        if (!B.points) {
            kiln_vstore(ctx, P->dot, lane_line(P, &B, u, 0), ref(P, B.dot_acc[u]));
            continue;
        }
        kiln_node *lane[MAX_VEC];
        for (int q = 0; q < vec; q++)
            lane[q] = kiln_lane(ctx, ref(P, B.dot_acc[u]), q);
        kiln_assign(ctx, kiln_at(ctx, P->dot, lane_line(P, &B, u, 0)), kiln_fold(ctx, KILN_ADD, vec, lane));
    }
    kiln_block_end(ctx);
}

/* ---- tile > 0: lines x points through local memory -------------------- */

typedef struct tiling {
    int lines, points;                   /* outputs of a tile: lines x points */
    int width, stride;                   /* x tile: points + halo columns, in rows of odd length */
    int y_stride;                        /* y tile (kinetic): points columns */
    kiln_var *xs, *ys;
    kiln_var *lid, *j0, *i0;             /* the work-item in its group; the tile's first line and point */
} tiling;

/* Whether op can take tiles (and its kernel declares the parameter). */
static int tileable(const pass_op *op)
{
    return op->in_mul == 1 && op->off_step == 1 && op->nch == 1 && op->nout == 1 && !op->dot;
}

static int odd_at_least(int v)
{
    return v | 1;
}

/* Local memory of a tile in bytes. */
static long long tile_bytes(const pass *P, const tiling *T)
{
    long long elems = (long long)T->lines * T->stride + (P->op->kinetic ? (long long)T->lines * T->y_stride : 0);
    return elems * kiln_scalar_bytes(P->elem);
}

/* arr(line, p) as the tile holds it: the line clamped into 0..ndat-1, p
 * wrapped (periodic) or clamped and masked to 0 outside the line (free) or
 * clamped (none); what a clamp reads feeds only outputs that are not stored. */
static kiln_node *tile_element(const pass *P, kiln_var *arr, kiln_var *line, kiln_var *p)
{
    kiln_ctx *ctx = P->ctx;
    kiln_node *j = kiln_min(ctx, ref(P, line), num(P, P->ndat - 1));
    if (P->op->boundary == PASS_PERIODIC)
        return kiln_at(ctx, arr, j, kiln_modp(ctx, ref(P, p), num(P, P->wrap_len)));
    kiln_node *v = kiln_at(ctx, arr, j, kiln_max(ctx, num(P, 0), kiln_min(ctx, ref(P, p), num(P, P->in_len - 1))));
    return P->op->boundary == PASS_FREE ? kiln_mul(ctx, v, in_range_mask(P, ref(P, p))) : v;
}

/* dst(r, c) = src(j0 + r, i0 + off + c) for the tile's lines x cols, the
 * work-items taking consecutive elements of a row. */
static void tile_copy(const pass *P, const tiling *T, kiln_var *dst, kiln_var *src, int cols, int off)
{
    kiln_ctx *ctx = P->ctx;
    kiln_var *k = kiln_for_begin(ctx, "k", ref(P, T->lid), num(P, (long long)T->lines * cols), num(P, P->wg));
    kiln_var *r = kiln_decl_const(ctx, "r", KILN_T(I32), kiln_divi(ctx, ref(P, k), cols));
    kiln_var *c = kiln_decl_const(ctx, "c", KILN_T(I32), kiln_sub(ctx, ref(P, k), kiln_muli(ctx, ref(P, r), cols)));
    kiln_var *line = kiln_decl_const(ctx, "line", KILN_T(I32), kiln_add(ctx, ref(P, T->j0), ref(P, r)));
    kiln_var *p = kiln_decl_const(ctx, "p", KILN_T(I32), kiln_addi(ctx, kiln_add(ctx, ref(P, T->i0), ref(P, c)), off));
    kiln_assign(ctx, kiln_at(ctx, dst, ref(P, r), ref(P, c)), tile_element(P, src, line, p));
    kiln_for_end(ctx);
}

/* The work-item's `unroll` points of its line, from the tile, and their stores. */
static void tile_compute(const pass *P, const tiling *T)
{
    kiln_ctx *ctx = P->ctx;
    const pass_op *op = P->op;
    const pass_output *out = &op->out[0];
    kiln_type et = vtype(P, 1);
    char name[32];
    kiln_var *row = kiln_decl_const(ctx, "lj", KILN_T(I32), kiln_mod(ctx, ref(P, T->lid), num(P, T->lines)));
    kiln_var *ib = kiln_decl_const(ctx, "ib", KILN_T(I32),
                                   kiln_muli(ctx, kiln_divi(ctx, ref(P, T->lid), T->lines), P->unroll));
    int nwin = P->unroll + op->ntaps - 1;
    kiln_var *win[MAX_UNROLL + PASS_MAX_TAPS];
    if (P->full_taps) /* the columns the work-item reads, each once */
        for (int k = 0; k < nwin; k++) {
            snprintf(name, sizeof name, "w%d", k);
            win[k] = kiln_decl_const(ctx, name, et, kiln_at(ctx, T->xs, ref(P, row), kiln_addi(ctx, ref(P, ib), k)));
        }
    kiln_var *acc[MAX_UNROLL];
    for (int r = 0; r < P->unroll; r++) {
        snprintf(name, sizeof name, "acc%d", r);
        acc[r] = kiln_decl(ctx, name, et, elem_lit(P, 0.0));
    }
    if (P->full_taps) {
        for (int t = 0; t < op->ntaps; t++)
            for (int r = 0; r < P->unroll && out->coef[0][t] != 0.0; r++)
                kiln_assign_op(ctx, KILN_ADD, ref(P, acc[r]),
                               kiln_mul(ctx, elem_lit(P, out->coef[0][t]), ref(P, win[r + t])));
    } else {
        kiln_var *t = kiln_for_begin(ctx, "t", num(P, 0), num(P, op->ntaps), num(P, 1));
        for (int r = 0; r < P->unroll; r++)
            kiln_assign_op(ctx, KILN_ADD, ref(P, acc[r]),
                           kiln_mul(ctx, kiln_at(ctx, P->coef[0][0], ref(P, t)),
                                    kiln_at(ctx, T->xs, ref(P, row),
                                            kiln_add(ctx, kiln_addi(ctx, ref(P, ib), r), ref(P, t)))));
        kiln_for_end(ctx);
    }
    kiln_var *line = kiln_decl_const(ctx, "j", KILN_T(I32), kiln_add(ctx, ref(P, T->j0), ref(P, row)));
    if (P->ndat % T->lines)
        kiln_if_begin(ctx, kiln_lt(ctx, ref(P, line), num(P, P->ndat)));
    for (int r = 0; r < P->unroll; r++) {
        kiln_block_begin(ctx);
        kiln_var *i =
            kiln_decl_const(ctx, "i", KILN_T(I32), kiln_addi(ctx, kiln_add(ctx, ref(P, T->i0), ref(P, ib)), r));
        if (P->iters % T->points)
            kiln_if_begin(ctx, kiln_lt(ctx, ref(P, i), num(P, P->iters)));
        kiln_node *value = ref(P, acc[r]);
        if (op->kinetic) {
            /* xt(i, j) = x(j, i), the tile's column of point i; yt = y + scale * D2 x */
            kiln_node *own = P->full_taps ? ref(P, win[r - op->off0])
                                          : kiln_at(ctx, T->xs, ref(P, row), kiln_addi(ctx, ref(P, ib), r - op->off0));
            kiln_assign(ctx, kiln_at(ctx, P->xt, out_row(P, out, ref(P, i)), ref(P, line)), own);
            value = kiln_add(ctx, kiln_at(ctx, T->ys, ref(P, row), kiln_addi(ctx, ref(P, ib), r)),
                             kiln_mul(ctx, ref(P, P->scale), value));
        }
        kiln_assign(ctx, kiln_at(ctx, P->y, out_row(P, out, ref(P, i)), ref(P, line)), value);
        if (P->iters % T->points)
            kiln_if_end(ctx);
        kiln_block_end(ctx);
    }
    if (P->ndat % T->lines)
        kiln_if_end(ctx);
}

/* The kernel's body for tile > 0; geometry: group (g0, g1) owns lines from
 * g0 * tile and points from g1 * points. */
static void tiled_body(pass *P)
{
    kiln_ctx *ctx = P->ctx;
    const pass_op *op = P->op;
    tiling T = {.lines = P->tile, .points = P->wg / P->tile * P->unroll};
    T.width = T.points + op->ntaps - 1;
    T.stride = odd_at_least(T.width);
    T.y_stride = odd_at_least(T.points);
    long long bytes = tile_bytes(P, &T);
    if (bytes > LOCAL_MEM_BYTES) {
        kiln_fail(ctx, "bigdft.%s: a tile of %d x %d points needs %lld bytes of local memory, more than %d", op->name,
                  T.lines, T.points, bytes, LOCAL_MEM_BYTES);
        return;
    }
    T.xs = kiln_decl_shared(ctx, "x_tile", vtype(P, 1), T.lines, T.stride);
    if (op->kinetic)
        T.ys = kiln_decl_shared(ctx, "y_tile", vtype(P, 1), T.lines, T.y_stride);
    T.lid = kiln_decl_const(ctx, "lid", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_local_id(ctx, 0)));
    T.j0 = kiln_decl_const(ctx, "j0", KILN_T(I32),
                           kiln_muli(ctx, kiln_cast(ctx, KILN_T(I32), kiln_group_id(ctx, 0)), T.lines));
    T.i0 = kiln_decl_const(ctx, "i0", KILN_T(I32),
                           kiln_muli(ctx, kiln_cast(ctx, KILN_T(I32), kiln_group_id(ctx, 1)), T.points));
    tile_copy(P, &T, T.xs, P->x, T.width, op->off0);
    if (op->kinetic)
        tile_copy(P, &T, T.ys, P->y_in, T.points, 0);
    kiln_barrier(ctx, KILN_FENCE_LOCAL);
    tile_compute(P, &T);
}

/* ---- lanes = transposed: a block of lines through a private buffer ----- */

/* Lines a work-item owns: unroll blocks of vec lines, unroll lines (lanes
 * along the points), or vec lines (transposed: unroll is points). */
static int lines_per_item(int lanes, int unroll, int vec)
{
    return lanes == LANES_TRANSPOSED ? vec : lanes == LANES_POINTS ? unroll : unroll * vec;
}

typedef struct transposed {
    kiln_node *line0;
    int rows;                            /* buffer rows: iters + taps - 1, row k is point lo + k */
    kiln_var *xb, *yb;                   /* (rows, vec) of x; (iters, vec) of the kinetic pass's y */
} transposed;

/* Row k of a buffer as one value of vec lanes. */
static kiln_node *buffer_row(const pass *P, kiln_var *buf, kiln_node *k)
{
    if (P->vec == 1)
        return kiln_at(P->ctx, buf, k, num(P, 0));
    return kiln_vload_nd(P->ctx, P->vec, buf, k, num(P, 0));
}

/* xb(k, q) = x(line0 + q, point lo + k) for k in k0..k1-1, the point wrapped
 * (or clamped and masked: free boundary) as mode and wrap say. */
static void buffer_copy(const pass *P, const transposed *T, long long k0, long long k1, index_mode mode)
{
    kiln_ctx *ctx = P->ctx;
    if (k0 >= k1)
        return;
    kiln_var *k = kiln_for_begin(ctx, "k", num(P, k0), num(P, k1), num(P, 1));
    kiln_var *p = kiln_decl_const(ctx, "p", KILN_T(I32), kiln_addi(ctx, ref(P, k), P->lo));
    kiln_node *masked = P->op->boundary == PASS_FREE && mode == INDEX_WRAPPED ? in_range_mask(P, ref(P, p)) : NULL;
    kiln_var *mask = masked ? kiln_decl_const(ctx, "m", vtype(P, 1), masked) : NULL;
    for (int q = 0; q < P->vec; q++) {
        kiln_node *v = kiln_at(ctx, P->x, kiln_addi(ctx, T->line0, q), line_index(P, ref(P, p), mode, 0));
        kiln_assign(ctx, kiln_at(ctx, T->xb, ref(P, k), num(P, q)), mask ? kiln_mul(ctx, v, ref(P, mask)) : v);
    }
    kiln_for_end(ctx);
}

/* The buffers filled: x's rows wrapped where wrap = split puts the head and
 * the tail (or everywhere for the other wraps), directly in between; y's rows
 * (kinetic) never wrap. */
static void buffer_fill(const pass *P, const transposed *T)
{
    kiln_ctx *ctx = P->ctx;
    long long len = P->op->boundary == PASS_PERIODIC ? P->wrap_len : P->in_len;
    if (P->op->boundary == PASS_NONE) {
        buffer_copy(P, T, 0, T->rows, INDEX_DIRECT);
    } else if (P->wrap == PASS_WRAP_SPLIT) {
        long long b0 = -P->lo < 0 ? 0 : -P->lo, b1 = len - P->lo;
        b0 = b0 < T->rows ? b0 : T->rows;
        b1 = b1 < b0 ? b0 : b1 < T->rows ? b1 : T->rows;
        buffer_copy(P, T, 0, b0, INDEX_WRAPPED);
        buffer_copy(P, T, b0, b1, INDEX_DIRECT);
        buffer_copy(P, T, b1, T->rows, INDEX_WRAPPED);
    } else {
        buffer_copy(P, T, 0, T->rows, INDEX_WRAPPED);
    }
    if (!T->yb)
        return;
    kiln_var *k = kiln_for_begin(ctx, "k", num(P, 0), num(P, P->iters), num(P, 1));
    for (int q = 0; q < P->vec; q++)
        kiln_assign(ctx, kiln_at(ctx, T->yb, ref(P, k), num(P, q)),
                    kiln_at(ctx, P->y_in, kiln_addi(ctx, T->line0, q), ref(P, k)));
    kiln_for_end(ctx);
}

/* arr(row, line0 .. line0 + vec - 1) = value; with stream, past the caches
 * (each output row's vec lanes are written once and not read in this pass). */
static void transposed_store(const pass *P, const transposed *T, kiln_var *arr, kiln_node *row, kiln_node *value)
{
    if (P->stream)
        kiln_vstream_nd(P->ctx, arr, row, T->line0, value);
    else
        kiln_vstore_nd(P->ctx, arr, row, T->line0, value);
}

/* prefetch = 1: the share of point i of the next block's lines (line0 + vec
 * on) that is prefetched while point i of this block is computed: their
 * cache lines, taken in order, ceil(all / iters) a point, so that the
 * copy into the next block's buffer finds them in the cache. A block's lines
 * are vec short runs (one per line), too short and too many for the
 * hardware prefetcher to follow. The lines past the last are clamped to it. */
static void prefetch_next(const pass *P, const transposed *T, kiln_node *i)
{
    kiln_ctx *ctx = P->ctx;
    long long per_line = 64 / (long long)kiln_scalar_bytes(P->elem); /* elements of a 64-byte cache line */
    long long line_lines = (P->in_len + per_line - 1) / per_line, all = P->vec * line_lines;
    long long per_point = (all + P->iters - 1) / P->iters;
    for (long long s = 0; s < per_point; s++) {
        kiln_node *j = kiln_addi(ctx, kiln_muli(ctx, i, per_point), s);
        if (P->iters * per_point > all)
            j = kiln_min(ctx, j, num(P, all - 1));
        kiln_node *line = kiln_min(ctx, kiln_add(ctx, kiln_addi(ctx, T->line0, P->vec), kiln_divi(ctx, j, line_lines)),
                                   num(P, P->ndat - 1));
        kiln_node *point = kiln_muli(ctx, kiln_mod(ctx, j, num(P, line_lines)), per_line);
        kiln_prefetch(ctx, kiln_at(ctx, P->x, line, point));
        if (T->yb)
            kiln_prefetch(ctx, kiln_at(ctx, P->y_in, line, kiln_muli(ctx, kiln_mod(ctx, j, num(P, line_lines)), per_line)));
    }
}

/* Points i .. i + unroll - 1 of every line of the block, and their stores. */
static void transposed_points(const pass *P, const transposed *T, kiln_node *i, int unroll)
{
    kiln_ctx *ctx = P->ctx;
    const pass_op *op = P->op;
    const pass_output *out = &op->out[0];
    kiln_type vt = vtype(P, P->vec);
    char name[32];
    kiln_var *win[MAX_UNROLL + PASS_MAX_TAPS];
    if (P->full_taps) /* row i + k of the window is point i + lo + k */
        for (int k = 0; k < unroll + op->ntaps - 1; k++) {
            snprintf(name, sizeof name, "w%d", k);
            win[k] = kiln_decl_const(ctx, name, vt, buffer_row(P, T->xb, kiln_addi(ctx, i, k)));
        }
    for (int u = 0; u < unroll && P->prefetch; u++)
        prefetch_next(P, T, kiln_addi(ctx, i, u));
    kiln_var *acc[MAX_UNROLL];
    for (int u = 0; u < unroll; u++) {
        snprintf(name, sizeof name, "acc%d", u);
        acc[u] = kiln_decl(ctx, name, vt, kiln_cast(ctx, vt, elem_lit(P, 0.0)));
    }
    if (P->full_taps) {
        for (int t = 0; t < op->ntaps; t++)
            for (int u = 0; u < unroll && out->coef[0][t] != 0.0; u++)
                kiln_assign_op(ctx, KILN_ADD, ref(P, acc[u]),
                               kiln_mul(ctx, kiln_cast(ctx, vt, elem_lit(P, out->coef[0][t])), ref(P, win[u + t])));
    } else {
        kiln_var *t = kiln_for_begin(ctx, "t", num(P, 0), num(P, op->ntaps), num(P, 1));
        kiln_node *cf = kiln_cast(ctx, vt, kiln_at(ctx, P->coef[0][0], ref(P, t)));
        for (int u = 0; u < unroll; u++)
            kiln_assign_op(ctx, KILN_ADD, ref(P, acc[u]),
                           kiln_mul(ctx, cf, buffer_row(P, T->xb, kiln_add(ctx, kiln_addi(ctx, i, u), ref(P, t)))));
        kiln_for_end(ctx);
    }
    for (int u = 0; u < unroll; u++) {
        kiln_node *iu = kiln_addi(ctx, i, u);
        kiln_node *value = ref(P, acc[u]);
        if (op->kinetic) {
            /* xt(i, lines) = x(lines, i), row i - lo of the buffer; yt = y + scale * D2 x */
            transposed_store(P, T, P->xt, out_row(P, out, iu), buffer_row(P, T->xb, kiln_addi(ctx, iu, -P->lo)));
            value = kiln_add(ctx, buffer_row(P, T->yb, iu), kiln_mul(ctx, kiln_cast(ctx, vt, ref(P, P->scale)), value));
        }
        transposed_store(P, T, P->y, out_row(P, out, iu), value);
    }
}

/* The vec lines from line0 (all in range) with every iteration. */
static void transposed_block(const pass *P, kiln_node *line0)
{
    kiln_ctx *ctx = P->ctx;
    transposed T = {.line0 = line0, .rows = (int)(P->iters + P->op->ntaps - 1)};
    kiln_block_begin(ctx);
    T.xb = kiln_decl_array(ctx, "xb", vtype(P, 1), T.rows, P->vec);
    if (P->op->kinetic)
        T.yb = kiln_decl_array(ctx, "yb", vtype(P, 1), (int)P->iters, P->vec);
    buffer_fill(P, &T);
    long long main_end = P->iters / P->unroll * P->unroll;
    if (main_end > 0) {
        kiln_var *i = kiln_for_begin(ctx, "i", num(P, 0), num(P, main_end), num(P, P->unroll));
        transposed_points(P, &T, ref(P, i), P->unroll);
        kiln_for_end(ctx);
    }
    if (main_end < P->iters) {
        kiln_var *i = kiln_for_begin(ctx, "i", num(P, main_end), num(P, P->iters), num(P, 1));
        transposed_points(P, &T, ref(P, i), 1);
        kiln_for_end(ctx);
    }
    kiln_block_end(ctx);
}

/* A whole block of the work-item's lines, as the lanes say. */
static void full_block(const pass *P, kiln_node *line0, kiln_node *i_item)
{
    if (P->lanes == LANES_TRANSPOSED)
        transposed_block(P, line0);
    else
        lines_block(P, line0, P->unroll, P->vec, P->lanes, i_item);
}

/* The transposed buffers' bytes, or 0 without them. */
static long long transposed_bytes(const pass *P)
{
    if (P->lanes != LANES_TRANSPOSED)
        return 0;
    long long rows = P->iters + P->op->ntaps - 1 + (P->op->kinetic ? P->iters : 0);
    return rows * P->vec * kiln_scalar_bytes(P->elem);
}

static int read_config(pass *P, const kiln_config *cfg)
{
    kiln_ctx *ctx = P->ctx;
    P->unroll = (int)kiln_config_get(cfg, "unroll", 1);
    P->vec = (int)kiln_config_get(cfg, "vec", 1);
    P->wrap = P->op->boundary == PASS_NONE ? PASS_WRAP_MOD : (int)kiln_config_get(cfg, "wrap", 0);
    P->acc_array = (int)kiln_config_get(cfg, "acc", 0);
    P->full_taps = (int)kiln_config_get(cfg, "full_taps", 1);
    P->map = (int)kiln_config_get(cfg, "map", 0);
    P->lanes = (int)kiln_config_get(cfg, "lanes", 0);
    const pass_op *op = P->op;
    P->tile = tileable(op) ? (int)kiln_config_get(cfg, "tile", 0) : 0;
    P->wg = (int)kiln_config_get(cfg, "wg", 64);
    P->stream = tileable(op) ? (int)kiln_config_get(cfg, "stream", 0) : 0;
    P->prefetch = tileable(op) ? (int)kiln_config_get(cfg, "prefetch", 0) : 0;
    const char *name = op->name;
    if (P->unroll < 1 || P->unroll > MAX_UNROLL)
        kiln_fail(ctx, "bigdft.%s: unroll %d is outside 1..%d", name, P->unroll, MAX_UNROLL);
    else if (P->vec != 1 && P->vec != 2 && P->vec != 4 && P->vec != 8)
        kiln_fail(ctx, "bigdft.%s: vec %d is not 1, 2, 4 or 8", name, P->vec);
    else if (P->wrap < PASS_WRAP_MOD || P->wrap > PASS_WRAP_SPLIT ||
             (P->op->boundary == PASS_FREE && P->wrap == PASS_WRAP_TABLE))
        kiln_fail(ctx, "bigdft.%s: wrap %d is not a way to treat its boundary", name, P->wrap);
    else if (P->map != 0 && P->map != 1)
        kiln_fail(ctx, "bigdft.%s: map %d is neither 0 (lines) nor 1 (lines x points)", name, P->map);
    else if (P->lanes < LANES_LINES || P->lanes > LANES_TRANSPOSED ||
             (P->lanes == LANES_TRANSPOSED && !tileable(op)))
        kiln_fail(ctx, "bigdft.%s: lanes %d is not 0 (lines), 1 (points) or, for a pass of one output and "
                  "channel, 2 (transposed)", name, P->lanes);
    else if (P->lanes == LANES_POINTS && P->map == 1)
        kiln_fail(ctx, "bigdft.%s: lanes along the points need a work-item per whole line (map 0)", name);
    else if (P->lanes == LANES_TRANSPOSED && P->map == 1)
        kiln_fail(ctx, "bigdft.%s: transposed lanes need a work-item per block of whole lines (map 0)", name);
    else if (P->lanes == LANES_TRANSPOSED && P->acc_array)
        kiln_fail(ctx, "bigdft.%s: transposed lanes keep their accumulators as vectors (acc 0)", name);
    else if (P->stream != 0 && (P->stream != 1 || P->lanes != LANES_TRANSPOSED))
        kiln_fail(ctx, "bigdft.%s: stream %d: 0, or 1 with transposed lanes", name, P->stream);
    else if (P->prefetch != 0 && (P->prefetch != 1 || P->lanes != LANES_TRANSPOSED))
        kiln_fail(ctx, "bigdft.%s: prefetch %d: 0, or 1 with transposed lanes", name, P->prefetch);
    else if (P->map == 1 && (P->wrap == PASS_WRAP_SPLIT || P->op->dot))
        kiln_fail(ctx, "bigdft.%s: map 1 gives one point per work-item: no split wrap, no line dot product", name);
    else if (P->tile < 0 || P->tile > MAX_TILE)
        kiln_fail(ctx, "bigdft.%s: tile %d is outside 0..%d", name, P->tile, MAX_TILE);
    else if (P->tile && (P->vec != 1 || P->lanes || P->map || P->acc_array || P->wrap))
        kiln_fail(ctx, "bigdft.%s: a tile needs vec 1, lanes 0, map 0, acc 0 and wrap 0 (it wraps in its copy)", name);
    else if (P->tile && (P->wg < P->tile || P->wg % P->tile))
        kiln_fail(ctx, "bigdft.%s: tile: %d lines do not divide the work-group of %d", name, P->tile, P->wg);
    return kiln_ctx_failed(ctx) ? -1 : 0;
}

static void declare_args(pass *P)
{
    kiln_ctx *ctx = P->ctx;
    const pass_op *op = P->op;
    P->vn = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *vndat = kiln_arg_scalar(ctx, "ndat", KILN_T(I32));
    kiln_node *n = ref(P, P->vn);
    kiln_node *in_len = kiln_addi(ctx, kiln_muli(ctx, n, op->in_len_mul), op->in_len_add);
    kiln_node *out_len = kiln_addi(ctx, kiln_muli(ctx, n, op->out_len_mul), op->out_len_add);
    if (op->kinetic)
        P->scale = kiln_arg_scalar(ctx, "scale", vtype(P, 1));
    P->x = kiln_arg_array(ctx, "x", vtype(P, 1), KILN_IN, ref(P, vndat), in_len);
    if (op->kinetic) {
        P->y_in = kiln_arg_array(ctx, "y", vtype(P, 1), KILN_IN, ref(P, vndat), in_len);
        P->xt = kiln_arg_array(ctx, "xt", vtype(P, 1), KILN_OUT, out_len, ref(P, vndat));
        P->y = kiln_arg_array(ctx, "yt", vtype(P, 1), KILN_OUT, out_len, ref(P, vndat));
    } else {
        P->y = kiln_arg_array(ctx, "y", vtype(P, 1), KILN_OUT, out_len, ref(P, vndat));
    }
    if (op->dot)
        P->dot = kiln_arg_array(ctx, "dot", vtype(P, 1), KILN_OUT, ref(P, vndat));
}

static void declare_tables(pass *P)
{
    kiln_ctx *ctx = P->ctx;
    const pass_op *op = P->op;
    if (!P->full_taps)
        for (int o = 0; o < op->nout; o++)
            for (int c = 0; c < op->nch; c++) {
                char name[32];
                snprintf(name, sizeof name, "coef%d_%d", o, c);
                P->coef[o][c] = kiln_decl_const_array(ctx, name, vtype(P, 1), op->ntaps, op->out[o].coef[c]);
            }
    if (op->boundary == PASS_PERIODIC && P->wrap == PASS_WRAP_TABLE) {
        int count = P->hi - P->lo + 1;
        double *values = malloc(sizeof *values * (size_t)count);
        if (!values) {
            kiln_fail(ctx, "bigdft.%s: no memory for a wrap table of %d entries", op->name, count);
            return;
        }
        for (int k = 0; k < count; k++)
            values[k] = (double)(((P->lo + k) % P->wrap_len + P->wrap_len) % P->wrap_len);
        P->tab = kiln_decl_const_array(ctx, "wrap_tab", KILN_T(I32), count, values);
        free(values);
    }
}

kiln_proc *bigdft_pass_build(kiln_ctx *ctx, const pass_op *op, kiln_scalar elem, const kiln_config *cfg,
                             const kiln_size *size)
{
    pass P;
    memset(&P, 0, sizeof P);
    P.ctx = ctx;
    P.op = op;
    P.elem = elem;
    if (read_config(&P, cfg) != 0)
        return NULL;
    bigdft_pass_shape(size, &P.n, &P.ndat);
    P.iters = P.n + op->iters_add;
    P.in_len = bigdft_pass_in_len(op, P.n);
    P.wrap_len = op->wrap_mul * P.n;
    long long out_len = bigdft_pass_out_len(op, P.n);
    if (P.n < 1 || P.ndat < 1 || P.in_len * P.ndat > INT32_MAX || out_len * P.ndat > INT32_MAX ||
        (long long)op->nch * P.n > INT32_MAX - P.in_len) {
        kiln_fail(ctx, "bigdft.%s: %lld lines of %lld points do not fit the kernel's 32-bit indices", op->name,
                  P.ndat, P.n);
        return NULL;
    }
    int min_off = op->off0 + (op->off_step < 0 ? op->off_step * (op->ntaps - 1) : 0);
    int max_off = op->off0 + (op->off_step > 0 ? op->off_step * (op->ntaps - 1) : 0);
    P.lo = min_off;
    P.hi = (int)(op->in_mul * (P.iters - 1)) + max_off;
    if (transposed_bytes(&P) > PRIVATE_BUFFER_BYTES) {
        kiln_fail(ctx, "bigdft.%s: a transposed block of %d lines x %lld points needs %lld bytes of private memory, "
                  "more than %d", op->name, P.vec, P.iters + op->ntaps - 1, transposed_bytes(&P), PRIVATE_BUFFER_BYTES);
        return NULL;
    }

    kiln_proc *proc = kiln_kernel_begin(ctx, op->name);
    kiln_proc_reqd_wg(proc, P.wg, 1, 1);
    declare_args(&P);
    kiln_comment(ctx,
                 "bigdft.%s %s: unroll %d, vec %d, lanes %d, wrap %d, acc %d, full_taps %d, wg %d, map %d, tile %d%s%s",
                 op->name, kiln_scalar_name(elem), P.unroll, P.vec, P.lanes, P.wrap, P.acc_array, P.full_taps, P.wg,
                 P.map, P.tile, P.stream ? ", stream" : "", P.prefetch ? ", prefetch" : "");
    declare_tables(&P);
    if (P.tile) {
        tiled_body(&P);
        return kiln_proc_end(ctx);
    }

    int width = lines_per_item(P.lanes, P.unroll, P.vec);
    long long nblocks = (P.ndat + width - 1) / width;
    kiln_var *blk = kiln_decl_const(ctx, "blk", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 0)));
    kiln_node *guard = kiln_lt(ctx, ref(&P, blk), num(&P, nblocks));
    kiln_var *i_item = NULL;
    if (P.map == 1) {
        i_item = kiln_decl_const(ctx, "i", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 1)));
        guard = kiln_and(ctx, guard, kiln_lt(ctx, ref(&P, i_item), num(&P, P.iters)));
    }
    kiln_if_begin(ctx, guard);
    kiln_var *line0 = kiln_decl_const(ctx, "line0", KILN_T(I32), kiln_muli(ctx, ref(&P, blk), width));
    kiln_node *i_node = i_item ? ref(&P, i_item) : NULL;
    if (P.ndat % width == 0) {
        full_block(&P, ref(&P, line0), i_node);
    } else {
        /* the last block holds fewer lines: one at a time (transposed: with lanes along the lines) */
        kiln_if_begin(ctx, kiln_le(ctx, kiln_addi(ctx, ref(&P, line0), width), num(&P, P.ndat)));
        full_block(&P, ref(&P, line0), i_node);
        kiln_else(ctx);
        kiln_var *line = kiln_for_begin(ctx, "line", ref(&P, line0), num(&P, P.ndat), num(&P, 1));
        int points = P.lanes == LANES_POINTS;
        lines_block(&P, ref(&P, line), 1, points ? P.vec : 1, points, i_node);
        kiln_for_end(ctx);
        kiln_if_end(ctx);
    }
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

void bigdft_pass_geometry(const pass_op *op, const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    long long n, ndat;
    bigdft_pass_shape(size, &n, &ndat);
    int lanes = (int)kiln_config_get(cfg, "lanes", 0);
    size_t width = (size_t)lines_per_item(lanes, (int)kiln_config_get(cfg, "unroll", 1),
                                          (int)kiln_config_get(cfg, "vec", 1));
    size_t wg = (size_t)kiln_config_get(cfg, "wg", 64);
    size_t tile = tileable(op) ? (size_t)kiln_config_get(cfg, "tile", 0) : 0;
    if (tile) {
        size_t points = wg / tile * width, iters = (size_t)(n + op->iters_add);
        size_t line_tiles = ((size_t)ndat + tile - 1) / tile, point_tiles = (iters + points - 1) / points;
        *geo = (kiln_geometry){2, {line_tiles * wg, point_tiles, 1}, {wg, 1, 1}};
        return;
    }
    size_t blocks = ((size_t)ndat + width - 1) / width;
    size_t items = (blocks + wg - 1) / wg * wg;
    if (kiln_config_get(cfg, "map", 0) == 1)
        *geo = (kiln_geometry){2, {items, (size_t)(n + op->iters_add), 1}, {wg, 1, 1}};
    else
        *geo = (kiln_geometry){1, {items, 1, 1}, {wg, 1, 1}};
}
