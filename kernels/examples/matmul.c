/*
 * matmul.c: dense square matrix multiply C = A * B (f32, row-major, n x n), an
 * example of a compute-bound kernel with local-memory staging.
 *
 * Kernel arguments, in order: n (i32), a (in, n x n), b (in, n x n), c (out, n x n).
 *
 * A work-group computes one tile x tile block of C. Its work-items form a
 * (tile / vec) x (tile / wpt) grid: each computes `wpt` rows of C (spaced
 * tile / wpt apart, so that the rows of one step are adjacent work-items) and
 * `vec` adjacent columns, kept in vec-wide accumulators. Row k of B is read as
 * vec-wide vectors and A's element is broadcast over them.
 *
 * With local = 1 the k loop goes tile by tile: every work-item copies wpt x vec
 * elements of the A tile and of the B tile into work-group memory, a barrier
 * makes them visible, the inner k loop reads only local memory, and a second
 * barrier keeps the next copy from overwriting a tile still in use.
 * `unroll` unrolls the k loop (the inner one with local = 1).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include "kernels/examples/examples.h"

#define MAX_WPT 8

static size_t matmul_count(const kiln_size *size)
{
    return (size_t)size->d[0] * (size_t)size->d[0];
}

static int is_pow2_in(long long v, long long lo, long long hi)
{
    return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

static kiln_node *i32_witem(kiln_ctx *ctx, kiln_witem what, int dim)
{
    return kiln_cast(ctx, KILN_T(I32), kiln_workitem(ctx, what, dim));
}

static kiln_proc *matmul_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    int tile = (int)kiln_config_get(cfg, "tile", 8);
    int wpt = (int)kiln_config_get(cfg, "wpt", 1);
    int vec = (int)kiln_config_get(cfg, "vec", 1);
    int unroll = (int)kiln_config_get(cfg, "unroll", 1);
    int local = (int)kiln_config_get(cfg, "local", 0);
    long long n = size->d[0];

    if (!is_pow2_in(tile, 1, 64) || !is_pow2_in(wpt, 1, MAX_WPT) || !is_pow2_in(vec, 1, 16) ||
        !is_pow2_in(unroll, 1, 64)) {
        kiln_fail(ctx, "matmul: tile %d, wpt %d, vec %d, unroll %d must be powers of two "
                  "(wpt at most %d)", tile, wpt, vec, unroll, MAX_WPT);
        return NULL;
    }
    if (n % tile != 0) {
        kiln_fail(ctx, "matmul: tile %d does not divide n = %lld", tile, n);
        return NULL;
    }
    if (tile % wpt != 0 || tile % vec != 0) {
        kiln_fail(ctx, "matmul: wpt %d and vec %d must divide tile %d", wpt, vec, tile);
        return NULL;
    }
    if (n * n > INT32_MAX) {
        kiln_fail(ctx, "matmul: n = %lld is too large for the kernel's 32-bit indices", n);
        return NULL;
    }

    int rows_step = tile / wpt;  /* work-items along y, and the spacing of one item's rows */
    kiln_proc *proc = kiln_kernel_begin(ctx, "matmul");
    kiln_proc_reqd_wg(proc, tile / vec, rows_step, 1);
    kiln_var *vn = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(ctx, "a", KILN_T(F32), KILN_IN, kiln_ref(ctx, vn), kiln_ref(ctx, vn));
    kiln_var *b = kiln_arg_array(ctx, "b", KILN_T(F32), KILN_IN, kiln_ref(ctx, vn), kiln_ref(ctx, vn));
    kiln_var *c = kiln_arg_array(ctx, "c", KILN_T(F32), KILN_OUT, kiln_ref(ctx, vn), kiln_ref(ctx, vn));
    kiln_comment(ctx, "tile %d, wpt %d, vec %d, unroll %d, local %d", tile, wpt, vec, unroll, local);

    kiln_var *as = NULL, *bs = NULL;
    if (local) {
        as = kiln_decl_shared(ctx, "a_tile", KILN_T(F32), tile, tile);
        bs = kiln_decl_shared(ctx, "b_tile", KILN_T(F32), tile, tile);
    }
    kiln_type vt = KILN_V(F32, vec);  /* vec == 1: a scalar */
    kiln_var *lx = kiln_decl_const(ctx, "lx", KILN_T(I32), i32_witem(ctx, KILN_LOCAL_ID, 0));
    kiln_var *ly = kiln_decl_const(ctx, "ly", KILN_T(I32), i32_witem(ctx, KILN_LOCAL_ID, 1));
    kiln_var *row0 = kiln_decl_const(ctx, "tile_row", KILN_T(I32), kiln_muli(ctx, i32_witem(ctx, KILN_GROUP_ID, 1), tile));
    kiln_var *col0 = kiln_decl_const(ctx, "tile_col", KILN_T(I32), kiln_muli(ctx, i32_witem(ctx, KILN_GROUP_ID, 0), tile));
    kiln_var *col = kiln_decl_const(ctx, "col", KILN_T(I32),
                                    kiln_add(ctx, kiln_ref(ctx, col0), kiln_muli(ctx, kiln_ref(ctx, lx), vec)));
    kiln_var *acc[MAX_WPT], *row[MAX_WPT];
    for (int w = 0; w < wpt; w++) {
        char name[16];
        snprintf(name, sizeof name, "row%d", w);
        row[w] = kiln_decl_const(ctx, name, KILN_T(I32),
                                 kiln_add(ctx, kiln_ref(ctx, row0), kiln_addi(ctx, kiln_ref(ctx, ly), w * rows_step)));
        snprintf(name, sizeof name, "acc%d", w);
        acc[w] = kiln_decl(ctx, name, vt, kiln_cast(ctx, vt, kiln_flt(ctx, 0.0)));
    }

    if (!local) {
        kiln_var *k = kiln_for_begin(ctx, "k", kiln_int(ctx, 0), kiln_ref(ctx, vn), kiln_int(ctx, 1));
        kiln_var *bv = kiln_decl_const(ctx, "bv", vt, kiln_vload_nd(ctx, vec, b, kiln_ref(ctx, k), kiln_ref(ctx, col)));
        for (int w = 0; w < wpt; w++)
            kiln_assign_op(ctx, KILN_ADD, kiln_ref(ctx, acc[w]),
                           kiln_mul(ctx, kiln_cast(ctx, vt, kiln_at(ctx, a, kiln_ref(ctx, row[w]), kiln_ref(ctx, k))),
                                    kiln_ref(ctx, bv)));
        kiln_for_end_unroll(ctx, unroll);
    } else {
        kiln_var *lcol = kiln_decl_const(ctx, "lcol", KILN_T(I32), kiln_muli(ctx, kiln_ref(ctx, lx), vec));
        kiln_var *kt = kiln_for_begin(ctx, "kt", kiln_int(ctx, 0), kiln_ref(ctx, vn), kiln_int(ctx, tile));
        /* each work-item copies rows ly + w * rows_step, columns lx * vec .. + vec - 1 of both tiles */
        for (int w = 0; w < wpt; w++) {
            kiln_node *lrow = kiln_addi(ctx, kiln_ref(ctx, ly), w * rows_step);
            kiln_vstore_nd(ctx, as, lrow, kiln_ref(ctx, lcol),
                           kiln_vload_nd(ctx, vec, a, kiln_ref(ctx, row[w]),
                                         kiln_add(ctx, kiln_ref(ctx, kt), kiln_ref(ctx, lcol))));
            kiln_vstore_nd(ctx, bs, lrow, kiln_ref(ctx, lcol),
                           kiln_vload_nd(ctx, vec, b, kiln_add(ctx, kiln_ref(ctx, kt), lrow),
                                         kiln_add(ctx, kiln_ref(ctx, col0), kiln_ref(ctx, lcol))));
        }
        kiln_barrier(ctx, KILN_FENCE_LOCAL);
        kiln_var *k = kiln_for_begin(ctx, "k", kiln_int(ctx, 0), kiln_int(ctx, tile), kiln_int(ctx, 1));
        kiln_var *bv = kiln_decl_const(ctx, "bv", vt, kiln_vload_nd(ctx, vec, bs, kiln_ref(ctx, k), kiln_ref(ctx, lcol)));
        for (int w = 0; w < wpt; w++) {
            kiln_node *lrow = kiln_addi(ctx, kiln_ref(ctx, ly), w * rows_step);
            kiln_assign_op(ctx, KILN_ADD, kiln_ref(ctx, acc[w]),
                           kiln_mul(ctx, kiln_cast(ctx, vt, kiln_at(ctx, as, lrow, kiln_ref(ctx, k))), kiln_ref(ctx, bv)));
        }
        kiln_for_end_unroll(ctx, unroll);
        kiln_barrier(ctx, KILN_FENCE_LOCAL);
        kiln_for_end(ctx);
    }

    for (int w = 0; w < wpt; w++)
        kiln_vstore_nd(ctx, c, kiln_ref(ctx, row[w]), kiln_ref(ctx, col), kiln_ref(ctx, acc[w]));
    return kiln_proc_end(ctx);
}

static void matmul_inputs(kiln_args *args, uint64_t seed)
{
    uint64_t st = seed;
    const kiln_size *size = kiln_args_size(args);
    size_t count = matmul_count(size);
    float *a = kiln_args_ptr(args, "a"), *b = kiln_args_ptr(args, "b");
    *(int32_t *)kiln_args_ptr(args, "n") = (int32_t)size->d[0];
    /* signed entries: the sums cancel, and each element is verified within
     * the rounding its n products allow (kiln_args_magnitude) */
    for (size_t i = 0; i < count; i++)
        a[i] = (float)kiln_rand_uniform(&st, -1.0, 1.0);
    for (size_t i = 0; i < count; i++)
        b[i] = (float)kiln_rand_uniform(&st, -1.0, 1.0);
}

/* c(i, j) = sum over k of a(i, k) b(k, j): n terms, sum |a(i, k) b(k, j)| bounds their rounding. */
static void matmul_reference(kiln_args *args)
{
    size_t n = (size_t)kiln_args_size(args)->d[0];
    const float *a = kiln_args_ptr(args, "a"), *b = kiln_args_ptr(args, "b");
    double *c = kiln_args_want(args, "c"), *mag = kiln_args_magnitude(args, "c", (double)n);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            c[i * n + j] = mag[i * n + j] = 0.0;
        for (size_t k = 0; k < n; k++) {
            double aik = a[i * n + k];
            for (size_t j = 0; j < n; j++) {
                c[i * n + j] += aik * (double)b[k * n + j];
                mag[i * n + j] += fabs(aik * (double)b[k * n + j]);
            }
        }
    }
}

static void matmul_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    size_t n = (size_t)size->d[0];
    size_t tile = (size_t)kiln_config_get(cfg, "tile", 8);
    size_t wpt = (size_t)kiln_config_get(cfg, "wpt", 1);
    size_t vec = (size_t)kiln_config_get(cfg, "vec", 1);
    *geo = (kiln_geometry){2, {n / vec, n / wpt, 1}, {tile / vec, tile / wpt, 1}};
}

static double matmul_flops(const kiln_size *size)
{
    double n = (double)size->d[0];
    return 2.0 * n * n * n;
}

static double matmul_bytes(const kiln_size *size)
{
    double n = (double)size->d[0];
    return 3.0 * 4.0 * n * n;
}

const kiln_kernel kiln_kernel_matmul = {
    .name = "matmul",
    .summary = "dense matrix multiply C = A * B (f32, n x n, row-major)",
    KILN_ARGS({"n", KILN_I32, KILN_IN, 1, NULL, 0},
              {"a", KILN_F32, KILN_IN, 0, matmul_count, 0},
              {"b", KILN_F32, KILN_IN, 0, matmul_count, 0},
              {"c", KILN_F32, KILN_OUT, 0, matmul_count, 0}),
    KILN_PARAMS({.name = "tile", .help = "side of the block of C computed by one work-group", KILN_VALUES(4, 8, 16, 32),
                 .default_value = 8},
                {.name = "wpt", .help = "rows of C per work-item (work per thread)", KILN_VALUES(1, 2, 4, 8),
                 .default_value = 1},
                {.name = "vec", .help = "columns of C per work-item, loaded and stored as one vector",
                 KILN_VALUES(1, 2, 4), .default_value = 1},
                {.name = "unroll", .help = "unroll factor of the k loop", KILN_VALUES(1, 2, 4, 8), .default_value = 1},
                {.name = "local", .help = "stage tiles of A and B through local memory (0/1)", KILN_VALUES(0, 1),
                 .default_value = 0}),
    KILN_CONSTRAINTS("n % tile == 0", "tile % wpt == 0", "tile % vec == 0", "(tile / vec) * (tile / wpt) <= 256",
                     "n % unroll == 0", "local == 0 || tile % unroll == 0"),
    .default_size = {1, {256, 1, 1}},
    .langs = (1u << KILN_LANG_CL) | (1u << KILN_LANG_C),
    .build = matmul_build,
    .inputs = matmul_inputs,
    .reference = matmul_reference,
    .geometry = matmul_geometry,
    .flops = matmul_flops,
    .bytes = matmul_bytes,
};
