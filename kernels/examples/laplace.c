/*
 * laplace.c: the 8-neighbour Laplace image filter of the BOAST paper, on a
 * single-channel f32 image of nx x ny pixels (width x height, row-major).
 *
 * Kernel arguments, in order: nx (i32), ny (i32), in (in, ny x nx), out (out, ny x nx).
 *
 *   out(x, y) = 8 * in(x, y) - sum of the 8 neighbours of (x, y)   interior pixels
 *   out(x, y) = in(x, y)                                            border pixels
 *
 * Border rule: a pixel on the first or last row or column has no full
 * neighbourhood and is copied through unchanged.
 *
 * A work-item computes y_per_item rows of x_per_item vectors of `vec` pixels
 * (a block of W = x_per_item * vec pixels by y_per_item rows). Blocks that
 * touch the border take a scalar path with the border rule; every other block
 * takes the vector path, where the parameters of the paper apply:
 *
 *  - temp_size: bytes of the accumulator's element type, 4 (f32) or 8 (f64):
 *    the paper's "temporary size" (there, 16- or 32-bit integers for 8-bit
 *    pixels); wider accumulation trades speed for exactness;
 *  - synth = 0: every output vector loads its 9 neighbour vectors, shifted by
 *    one pixel, straight from memory (unaligned vector loads, 9 per vector);
 *  - synth = 1 (load synthesis): each of the y_per_item + 2 input rows of the
 *    block is loaded once as x_per_item aligned vectors plus the two pixels
 *    beside them, and each left/right shifted vector is one vector literal
 *    of their lanes, so each input pixel is read once per work-item.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include "kernels/examples/examples.h"

#define MAX_X_PER_ITEM 4
#define MAX_Y_PER_ITEM 4

static size_t laplace_count(const kiln_size *size)
{
    return (size_t)size->d[0] * (size_t)(size->ndims > 1 ? size->d[1] : 1);
}

static long long laplace_ny(const kiln_size *size)
{
    return size->ndims > 1 ? size->d[1] : 1;
}

/* State of one description: the arguments and the accumulator type. */
typedef struct lap {
    kiln_ctx *ctx;
    kiln_var *nx, *ny, *in, *out;
    int vec;
    kiln_type acc_type;    /* temp_size element, vec lanes */
} lap;

static kiln_node *ref(const lap *L, kiln_var *v)
{
    return kiln_ref(L->ctx, v);
}

static kiln_node *num(const lap *L, long long v)
{
    return kiln_int(L->ctx, v);
}

/* Declares acc = 8 * centre - (the 8 neighbours), stores it as f32 at (x, y).
 * nb[dy][dx] are the 3 x 3 neighbourhood values (nb[1][1] the centre), f32 of
 * vec lanes; casts to the accumulator type are no-ops where the types agree. */
static void accumulate_store(const lap *L, kiln_node *nb[3][3], kiln_node *x, kiln_node *y)
{
    kiln_ctx *ctx = L->ctx;
    kiln_node *eight = kiln_cast(ctx, L->acc_type, kiln_lit(ctx, (kiln_type){L->acc_type.scalar, 1}, 8.0));
    kiln_var *acc = kiln_decl(ctx, "acc", L->acc_type, kiln_mul(ctx, eight, kiln_cast(ctx, L->acc_type, nb[1][1])));
    for (int dy = 0; dy < 3; dy++)
        for (int dx = 0; dx < 3; dx++)
            if (dy != 1 || dx != 1)
                kiln_assign_op(ctx, KILN_SUB, ref(L, acc), kiln_cast(ctx, L->acc_type, nb[dy][dx]));
    kiln_vstore_nd(ctx, L->out, y, x, kiln_cast(ctx, (kiln_type){KILN_F32, L->vec}, ref(L, acc)));
}

/* Vector path without synthesis: 9 loads per output vector, each neighbour
 * vector read at its own (unaligned) offset. */
static void interior_loads(const lap *L, kiln_var *x0, kiln_var *y0, int x_per_item, int y_per_item)
{
    kiln_ctx *ctx = L->ctx;
    kiln_var *r = kiln_for_begin(ctx, "r", num(L, 0), num(L, y_per_item), num(L, 1));
    kiln_var *j = kiln_for_begin(ctx, "j", num(L, 0), num(L, x_per_item), num(L, 1));
    kiln_var *x = kiln_decl_const(ctx, "x", KILN_T(I32), kiln_add(ctx, ref(L, x0), kiln_muli(ctx, ref(L, j), L->vec)));
    kiln_var *y = kiln_decl_const(ctx, "y", KILN_T(I32), kiln_add(ctx, ref(L, y0), ref(L, r)));
    kiln_node *nb[3][3];
    for (int dy = 0; dy < 3; dy++)
        for (int dx = 0; dx < 3; dx++)
            nb[dy][dx] = kiln_vload_nd(ctx, L->vec, L->in, kiln_addi(ctx, ref(L, y), dy - 1),
                                       kiln_addi(ctx, ref(L, x), dx - 1));
    accumulate_store(L, nb, ref(L, x), ref(L, y));
    kiln_for_end_unroll(ctx, 0);
    kiln_for_end_unroll(ctx, 0);
}

/* Vector path with load synthesis: rows y0 - 1 .. y0 + y_per_item loaded once;
 * each shifted vector is one vector literal of lanes of the loaded ones. */
static void interior_synth(const lap *L, kiln_var *x0, kiln_var *y0, int x_per_item, int y_per_item)
{
    kiln_ctx *ctx = L->ctx;
    int vec = L->vec;
    kiln_type pix = {KILN_F32, vec};
    kiln_var *row[MAX_Y_PER_ITEM + 2][MAX_X_PER_ITEM];
    kiln_var *left[MAX_Y_PER_ITEM + 2], *right[MAX_Y_PER_ITEM + 2];
    char name[32];
    for (int q = 0; q < y_per_item + 2; q++) {
        kiln_node *y = kiln_addi(ctx, ref(L, y0), q - 1);
        for (int j = 0; j < x_per_item; j++) {
            snprintf(name, sizeof name, "p%d_%d", q, j);
            row[q][j] = kiln_decl_const(ctx, name, pix, kiln_vload_nd(ctx, vec, L->in, y, kiln_addi(ctx, ref(L, x0), j * vec)));
        }
        snprintf(name, sizeof name, "left%d", q);
        left[q] = kiln_decl_const(ctx, name, KILN_T(F32), kiln_at(ctx, L->in, y, kiln_addi(ctx, ref(L, x0), -1)));
        snprintf(name, sizeof name, "right%d", q);
        right[q] = kiln_decl_const(ctx, name, KILN_T(F32),
                                   kiln_at(ctx, L->in, y, kiln_add(ctx, ref(L, x0), num(L, x_per_item * vec))));
    }
    for (int r = 0; r < y_per_item; r++) {
        for (int j = 0; j < x_per_item; j++) {
            kiln_block_begin(ctx);
            kiln_node *nb[3][3];
            for (int dy = 0; dy < 3; dy++) {
                int q = r + dy;
                kiln_var *lv, *rv;
                if (vec == 1) { /* the neighbours are the loaded pixels themselves */
                    lv = j == 0 ? left[q] : row[q][j - 1];
                    rv = j == x_per_item - 1 ? right[q] : row[q][j + 1];
                } else {
                    kiln_node *lanes[16];   /* vec <= 16, checked in laplace_build */
                    /* (x - 1 .. x + vec - 2): the previous vector's last lane, then this one shifted up */
                    lanes[0] = j == 0 ? ref(L, left[q]) : kiln_lane(ctx, ref(L, row[q][j - 1]), vec - 1);
                    for (int i = 1; i < vec; i++)
                        lanes[i] = kiln_lane(ctx, ref(L, row[q][j]), i - 1);
                    snprintf(name, sizeof name, "sl%d", dy);
                    lv = kiln_decl_const(ctx, name, pix, kiln_vec_of(ctx, pix, vec, lanes));
                    /* (x + 1 .. x + vec): this one shifted down, then the next vector's first lane */
                    for (int i = 0; i < vec - 1; i++)
                        lanes[i] = kiln_lane(ctx, ref(L, row[q][j]), i + 1);
                    lanes[vec - 1] = j == x_per_item - 1 ? ref(L, right[q]) : kiln_lane(ctx, ref(L, row[q][j + 1]), 0);
                    snprintf(name, sizeof name, "sr%d", dy);
                    rv = kiln_decl_const(ctx, name, pix, kiln_vec_of(ctx, pix, vec, lanes));
                }
                nb[dy][0] = ref(L, lv);
                nb[dy][1] = ref(L, row[q][j]);
                nb[dy][2] = ref(L, rv);
            }
            accumulate_store(L, nb, kiln_addi(ctx, ref(L, x0), j * vec), kiln_addi(ctx, ref(L, y0), r));
            kiln_block_end(ctx);
        }
    }
}

/* Blocks touching the border: pixel by pixel, border pixels copied. */
static void edge_block(const lap *L, kiln_var *x0, kiln_var *y0, int width, int y_per_item)
{
    kiln_ctx *ctx = L->ctx;
    lap S = *L;
    S.vec = 1;
    S.acc_type.lanes = 1;
    kiln_var *r = kiln_for_begin(ctx, "r", num(L, 0), num(L, y_per_item), num(L, 1));
    kiln_var *y = kiln_decl_const(ctx, "y", KILN_T(I32), kiln_add(ctx, ref(L, y0), ref(L, r)));
    kiln_var *px = kiln_for_begin(ctx, "px", num(L, 0), num(L, width), num(L, 1));
    kiln_var *x = kiln_decl_const(ctx, "x", KILN_T(I32), kiln_add(ctx, ref(L, x0), ref(L, px)));
    kiln_if_begin(ctx, kiln_any(ctx, kiln_eq(ctx, ref(L, x), num(L, 0)), kiln_eq(ctx, ref(L, y), num(L, 0)),
                                kiln_eq(ctx, ref(L, x), kiln_addi(ctx, ref(L, L->nx), -1)),
                                kiln_eq(ctx, ref(L, y), kiln_addi(ctx, ref(L, L->ny), -1))));
    kiln_assign(ctx, kiln_at(ctx, L->out, ref(L, y), ref(L, x)), kiln_at(ctx, L->in, ref(L, y), ref(L, x)));
    kiln_else(ctx);
    kiln_node *nb[3][3];
    for (int dy = 0; dy < 3; dy++)
        for (int dx = 0; dx < 3; dx++)
            nb[dy][dx] = kiln_at(ctx, L->in, kiln_addi(ctx, ref(L, y), dy - 1), kiln_addi(ctx, ref(L, x), dx - 1));
    accumulate_store(&S, nb, ref(L, x), ref(L, y));
    kiln_if_end(ctx);
    kiln_for_end(ctx);
    kiln_for_end_unroll(ctx, 0);
}

static kiln_proc *laplace_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    int x_per_item = (int)kiln_config_get(cfg, "x_per_item", 1);
    int y_per_item = (int)kiln_config_get(cfg, "y_per_item", 1);
    int vec = (int)kiln_config_get(cfg, "vec", 4);
    int temp_size = (int)kiln_config_get(cfg, "temp_size", 4);
    int synth = (int)kiln_config_get(cfg, "synth", 0);
    int wg_x = (int)kiln_config_get(cfg, "wg_x", 16);
    int wg_y = (int)kiln_config_get(cfg, "wg_y", 4);
    long long nx = size->d[0], ny = laplace_ny(size);

    if (x_per_item < 1 || x_per_item > MAX_X_PER_ITEM || y_per_item < 1 || y_per_item > MAX_Y_PER_ITEM) {
        kiln_fail(ctx, "laplace: x_per_item %d and y_per_item %d must lie in 1..%d", x_per_item, y_per_item,
                  MAX_X_PER_ITEM);
        return NULL;
    }
    if (vec != 1 && vec != 2 && vec != 4 && vec != 8 && vec != 16) {
        kiln_fail(ctx, "laplace: vec %d is not a vector length (1, 2, 4, 8, 16)", vec);
        return NULL;
    }
    if (temp_size != 4 && temp_size != 8) {
        kiln_fail(ctx, "laplace: temp_size %d is neither 4 (f32) nor 8 (f64)", temp_size);
        return NULL;
    }
    if (wg_x < 1 || wg_y < 1) {
        kiln_fail(ctx, "laplace: work-group %d x %d is empty", wg_x, wg_y);
        return NULL;
    }
    if (nx % ((long long)x_per_item * vec) != 0 || ny % y_per_item != 0) {
        kiln_fail(ctx, "laplace: image %lld x %lld is not a whole number of %d x %d blocks", nx, ny,
                  x_per_item * vec, y_per_item);
        return NULL;
    }
    if (nx * ny > INT32_MAX) {
        kiln_fail(ctx, "laplace: image %lld x %lld is too large for the kernel's 32-bit indices", nx, ny);
        return NULL;
    }

    int width = x_per_item * vec;
    lap L = {ctx, NULL, NULL, NULL, NULL, vec, {temp_size == 8 ? KILN_F64 : KILN_F32, vec}};
    kiln_proc *proc = kiln_kernel_begin(ctx, "laplace");
    kiln_proc_reqd_wg(proc, wg_x, wg_y, 1);
    L.nx = kiln_arg_scalar(ctx, "nx", KILN_T(I32));
    L.ny = kiln_arg_scalar(ctx, "ny", KILN_T(I32));
    L.in = kiln_arg_array(ctx, "in", KILN_T(F32), KILN_IN, ref(&L, L.ny), ref(&L, L.nx));
    L.out = kiln_arg_array(ctx, "out", KILN_T(F32), KILN_OUT, ref(&L, L.ny), ref(&L, L.nx));
    kiln_comment(ctx, "x_per_item %d, y_per_item %d, vec %d, temp_size %d, synth %d, wg %d x %d",
                 x_per_item, y_per_item, vec, temp_size, synth, wg_x, wg_y);

    kiln_var *gx = kiln_decl_const(ctx, "gx", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 0)));
    kiln_var *gy = kiln_decl_const(ctx, "gy", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 1)));
    kiln_if_begin(ctx, kiln_and(ctx, kiln_lt(ctx, ref(&L, gx), kiln_divi(ctx, ref(&L, L.nx), width)),
                                kiln_lt(ctx, ref(&L, gy), kiln_divi(ctx, ref(&L, L.ny), y_per_item))));
    kiln_var *x0 = kiln_decl_const(ctx, "x0", KILN_T(I32), kiln_muli(ctx, ref(&L, gx), width));
    kiln_var *y0 = kiln_decl_const(ctx, "y0", KILN_T(I32), kiln_muli(ctx, ref(&L, gy), y_per_item));
    /* the block and its one-pixel frame lie inside the image */
    kiln_node *interior = kiln_all(ctx, kiln_ge(ctx, ref(&L, x0), num(&L, 1)), kiln_ge(ctx, ref(&L, y0), num(&L, 1)),
                                   kiln_lt(ctx, kiln_addi(ctx, ref(&L, x0), width), ref(&L, L.nx)),
                                   kiln_lt(ctx, kiln_addi(ctx, ref(&L, y0), y_per_item), ref(&L, L.ny)));
    kiln_if_begin(ctx, interior);
    if (synth)
        interior_synth(&L, x0, y0, x_per_item, y_per_item);
    else
        interior_loads(&L, x0, y0, x_per_item, y_per_item);
    kiln_else(ctx);
    edge_block(&L, x0, y0, width, y_per_item);
    kiln_if_end(ctx);
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void laplace_inputs(kiln_args *args, uint64_t seed)
{
    uint64_t st = seed;
    const kiln_size *size = kiln_args_size(args);
    size_t count = laplace_count(size);
    float *in = kiln_args_ptr(args, "in");
    *(int32_t *)kiln_args_ptr(args, "nx") = (int32_t)size->d[0];
    *(int32_t *)kiln_args_ptr(args, "ny") = (int32_t)laplace_ny(size);
    /* 8-bit pixel levels scaled by 1/256: every sum of the filter is exact in
     * f32, so any difference from the reference is a kernel error */
    for (size_t i = 0; i < count; i++) {
        int level = (int)kiln_rand_uniform(&st, 0.0, 256.0);
        in[i] = (float)(level > 255 ? 255 : level) / 256.0f;
    }
}

/* 9 in - (sum of the 3 x 3 block): 10 terms, which cancel on flat areas. */
static void laplace_reference(kiln_args *args)
{
    const kiln_size *size = kiln_args_size(args);
    size_t nx = (size_t)size->d[0], ny = (size_t)laplace_ny(size);
    const float *in = kiln_args_ptr(args, "in");
    double *out = kiln_args_want(args, "out"), *mag = kiln_args_magnitude(args, "out", 10);
    for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++) {
            size_t i = y * nx + x;
            if (x == 0 || y == 0 || x == nx - 1 || y == ny - 1) {
                out[i] = in[i];
                mag[i] = fabs((double)in[i]);
                continue;
            }
            double sum = 0.0, abs_sum = 0.0;
            for (size_t yy = y - 1; yy <= y + 1; yy++)
                for (size_t xx = x - 1; xx <= x + 1; xx++) {
                    sum += in[yy * nx + xx];
                    abs_sum += fabs((double)in[yy * nx + xx]);
                }
            out[i] = 9.0 * in[i] - sum;
            mag[i] = 9.0 * fabs((double)in[i]) + abs_sum;
        }
}

static void laplace_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    size_t width = (size_t)(kiln_config_get(cfg, "x_per_item", 1) * kiln_config_get(cfg, "vec", 4));
    size_t ypi = (size_t)kiln_config_get(cfg, "y_per_item", 1);
    size_t wg_x = (size_t)kiln_config_get(cfg, "wg_x", 16);
    size_t wg_y = (size_t)kiln_config_get(cfg, "wg_y", 4);
    size_t items_x = ((size_t)size->d[0] + width - 1) / width;
    size_t items_y = ((size_t)laplace_ny(size) + ypi - 1) / ypi;
    *geo = (kiln_geometry){2, {(items_x + wg_x - 1) / wg_x * wg_x, (items_y + wg_y - 1) / wg_y * wg_y, 1},
                           {wg_x, wg_y, 1}};
}

/* interior pixels: 8 subtractions and one multiplication each */
static double laplace_flops(const kiln_size *size)
{
    double nx = (double)size->d[0], ny = (double)laplace_ny(size);
    double interior = (nx > 2 ? nx - 2 : 0) * (ny > 2 ? ny - 2 : 0);
    return 9.0 * interior;
}

static double laplace_bytes(const kiln_size *size)
{
    return 2.0 * 4.0 * (double)laplace_count(size);
}

const kiln_kernel kiln_kernel_laplace = {
    .name = "laplace",
    .summary = "8-neighbour Laplace image filter (f32, nx x ny, borders copied)",
    KILN_ARGS({"nx", KILN_I32, KILN_IN, 1, NULL, 0},
              {"ny", KILN_I32, KILN_IN, 1, NULL, 0},
              {"in", KILN_F32, KILN_IN, 0, laplace_count, 0},
              {"out", KILN_F32, KILN_OUT, 0, laplace_count, 0}),
    KILN_PARAMS({.name = "x_per_item", .help = "vectors of output pixels per work-item along x", KILN_VALUES(1, 2, 4),
                 .default_value = 1},
                {.name = "y_per_item", .help = "output rows per work-item", KILN_VALUES(1, 2, 4), .default_value = 1},
                {.name = "vec", .help = "vector length along x", KILN_VALUES(1, 2, 4, 8), .default_value = 4},
                {.name = "temp_size", .help = "bytes of the accumulator element: 4 = f32, 8 = f64", KILN_VALUES(4, 8),
                 .default_value = 4},
                {.name = "synth",
                 .help = "load synthesis: build shifted vectors by lane moves instead of loading them (0/1)",
                 KILN_VALUES(0, 1), .default_value = 0},
                {.name = "wg_x", .help = "work-group size along x", KILN_VALUES(8, 16, 32), .default_value = 16},
                {.name = "wg_y", .help = "work-group size along y", KILN_VALUES(1, 2, 4, 8), .default_value = 4}),
    KILN_CONSTRAINTS("nx % (x_per_item * vec) == 0", "ny % y_per_item == 0", "wg_x * wg_y <= 256"),
    .default_size = {2, {1024, 768, 1}},
    .langs = (1u << KILN_LANG_CL) | (1u << KILN_LANG_C),
    .build = laplace_build,
    .inputs = laplace_inputs,
    .reference = laplace_reference,
    .geometry = laplace_geometry,
    .flops = laplace_flops,
    .bytes = laplace_bytes,
};
