/*
 * laplace_rgb.c: the Laplace filter of the BOAST paper as the paper tunes it:
 * an RGB image of nx x ny pixels with 8-bit components interleaved (a row is
 * w = 3 * nx bytes), filtered component by component.
 *
 * Kernel arguments, in order: nx (i32), ny (i32), in (in, ny x 3nx u8), out (out, ny x 3nx u8).
 *
 *   out(c, x, y) = clamp(8 * in(c, x, y) - sum of in(c, ., .) over the 8 neighbours, 0, 255)
 *   out(c, x, y) = in(c, x, y)      on the first and last row and column of pixels
 *
 * A work-item handles a block of x_component_number consecutive components of
 * a row (components, not pixels: the left and right neighbours of a component
 * lie 3 bytes away) by y_component_number rows, as x_component_number /
 * vector_length vectors of u8. Blocks whose 3 x 3 neighbourhood leaves the
 * image take a scalar path with the border rule; the others take the vector
 * path, where the paper's parameters apply:
 *
 *  - temporary_size: bytes of the accumulator, 2 (i16) or 4 (i32). Every
 *    component is widened before any arithmetic (8 * c wraps in u8). i16 is
 *    always enough: acc starts at 8 * c in [0, 2040] and each of the 8
 *    subtractions removes a value in [0, 255], so every partial result lies in
 *    [-2040, 2040] (and the paper's form, 9 * c minus the sum of all 9, stays
 *    in [-2295, 2295]), far inside [-32768, 32767]. The wider type only trades
 *    lanes per register for nothing, which is what the tuner is there to see;
 *  - synthesizing_loads = 0: each of the y_component_number + 2 input rows of
 *    a block loads its left, centre and right vectors (offsets -3, 0, +3)
 *    separately: 3 unaligned loads per vector and row;
 *  - synthesizing_loads = 1: each input row is loaded once, as the block's
 *    aligned vectors plus a few components on either side (3 scalars for
 *    vector_length 1, two 2-lane vectors for 2, one 4-lane vector otherwise),
 *    and each left and right vector is one vector literal of lanes of that
 *    window.
 *
 * Each input row's three neighbour vectors are widened once per work-item
 * and shared by the (up to three) output rows that use them.
 */
#include <stdint.h>
#include <stdio.h>
#include "kernels/examples/examples.h"

#define MAX_X_COMPONENTS 16
#define MAX_Y_COMPONENTS 4
#define MAX_VECTORS MAX_X_COMPONENTS     /* x_component_number / vector_length */
#define MAX_PIECES (MAX_VECTORS + 6)     /* a synthesized row window: vectors plus side pieces */

static long long rgb_ny(const kiln_size *size)
{
    return size->ndims > 1 ? size->d[1] : 1;
}

/* Bytes (components) of one image. */
static size_t rgb_count(const kiln_size *size)
{
    return 3 * (size_t)size->d[0] * (size_t)rgb_ny(size);
}

/* State of one description. */
typedef struct rgb {
    kiln_ctx *ctx;
    kiln_var *nx, *ny, *in, *out, *w;
    int vl;             /* vector_length */
    kiln_type acc;      /* the temporary: i16 or i32, vl lanes */
    kiln_type pix;      /* u8, vl lanes */
} rgb;

static kiln_node *ref(const rgb *R, kiln_var *v)
{
    return kiln_ref(R->ctx, v);
}

static kiln_node *num(const rgb *R, long long v)
{
    return kiln_int(R->ctx, v);
}

/* A literal of the temporary type, `lanes` wide. */
static kiln_node *acc_lit(const rgb *R, int lanes, long long v)
{
    return kiln_cast(R->ctx, (kiln_type){R->acc.scalar, lanes}, kiln_lit(R->ctx, (kiln_type){R->acc.scalar, 1}, (double)v));
}

/* acc = 8 * centre - the 8 neighbours, clamped to 0..255 and stored as u8 at
 * (x, y). nb[dy][dx] are values of the temporary type, `lanes` wide. */
static void filter_store(const rgb *R, kiln_node *nb[3][3], kiln_node *x, kiln_node *y, int lanes)
{
    kiln_ctx *ctx = R->ctx;
    kiln_type acc_t = {R->acc.scalar, lanes};
    kiln_var *acc = kiln_decl(ctx, "acc", acc_t, kiln_mul(ctx, acc_lit(R, lanes, 8), nb[1][1]));
    for (int dy = 0; dy < 3; dy++)
        for (int dx = 0; dx < 3; dx++)
            if (dy != 1 || dx != 1)
                kiln_assign_op(ctx, KILN_SUB, kiln_ref(ctx, acc), nb[dy][dx]);
    kiln_node *clamped = kiln_max(ctx, kiln_min(ctx, kiln_ref(ctx, acc), acc_lit(R, lanes, 255)),
                                  acc_lit(R, lanes, 0));
    kiln_vstore_nd(ctx, R->out, y, x, kiln_cast(ctx, (kiln_type){KILN_U8, lanes}, clamped));
}

/* The value `v` (u8, vl lanes) widened to the temporary type as a named constant. */
static kiln_var *widen(const rgb *R, const char *name, kiln_node *v)
{
    return kiln_decl_const(R->ctx, name, R->acc, kiln_cast(R->ctx, R->acc, v));
}

/* One loaded piece of a synthesized row window: components x0 + start .. x0 + start + lanes - 1. */
typedef struct piece {
    kiln_var *var;
    int start, lanes;
} piece;

/* Component x0 + t of a synthesized window, as a scalar u8 expression. */
static kiln_node *window_component(const rgb *R, const piece *win, int npieces, int t)
{
    for (int i = 0; i < npieces; i++)
        if (t >= win[i].start && t < win[i].start + win[i].lanes)
            return kiln_lane(R->ctx, ref(R, win[i].var), t - win[i].start);
    kiln_fail(R->ctx, "laplace_rgb: component %d lies outside the loaded window", t);
    return num(R, 0);
}

/* Loads input row `q` (image row y0 + q - 1) once: the block's vl-wide vectors
 * and at least 3 components either side, in side pieces of `side` lanes. They
 * stay inside the row: x0, xcn and w are multiples of vl and so of `side`, and
 * the interior test gives x0 >= 3 and x0 + xcn <= w - 3, hence x0 >= the side
 * pieces' span (3 or 4) and x0 + xcn + that span <= w. */
static int load_window(const rgb *R, kiln_var *x0, kiln_var *y0, int q, int nvec, piece *win)
{
    int vl = R->vl, side = vl == 1 ? 1 : vl == 2 ? 2 : 4;
    int nside = (3 + side - 1) / side, n = 0;
    char name[32];
    kiln_node *y = kiln_addi(R->ctx, ref(R, y0), q - 1);
    for (int k = nside; k >= 1; k--)
        win[n++] = (piece){NULL, -k * side, side};
    for (int j = 0; j < nvec; j++)
        win[n++] = (piece){NULL, j * vl, vl};
    for (int k = 0; k < nside; k++)
        win[n++] = (piece){NULL, nvec * vl + k * side, side};
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "row%d_%d", q, i);
        kiln_type t = {KILN_U8, win[i].lanes};
        win[i].var = kiln_decl_const(R->ctx, name, t,
                                     kiln_vload_nd(R->ctx, win[i].lanes, R->in, y, kiln_addi(R->ctx, ref(R, x0), win[i].start)));
    }
    return n;
}

/* Components x0 + first .. x0 + first + vl - 1 of a window as one vector
 * literal of its lanes, named (or the scalar itself when vl == 1). */
static kiln_node *assemble(const rgb *R, const piece *win, int npieces, int first, const char *name)
{
    if (R->vl == 1)
        return window_component(R, win, npieces, first);
    kiln_node *lanes[MAX_X_COMPONENTS];   /* vl <= xcn <= MAX_X_COMPONENTS, checked in rgb_build */
    for (int i = 0; i < R->vl; i++)
        lanes[i] = window_component(R, win, npieces, first + i);
    return ref(R, kiln_decl_const(R->ctx, name, R->pix, kiln_vec_of(R->ctx, R->pix, R->vl, lanes)));
}

/* The vector path: every input row's left/centre/right vectors, widened, then the outputs. */
static void interior_block(const rgb *R, kiln_var *x0, kiln_var *y0, int xcn, int ycn, int synth)
{
    kiln_ctx *ctx = R->ctx;
    int vl = R->vl, nvec = xcn / vl;
    static const char shift_name[3] = {'l', 'c', 'r'};
    kiln_var *nb[MAX_Y_COMPONENTS + 2][MAX_VECTORS][3];
    char name[32];
    for (int q = 0; q < ycn + 2; q++) {
        piece win[MAX_PIECES];
        int npieces = synth ? load_window(R, x0, y0, q, nvec, win) : 0;
        for (int j = 0; j < nvec; j++)
            for (int s = 0; s < 3; s++) {
                int first = j * vl + 3 * (s - 1);   /* relative to x0 */
                kiln_node *v;
                if (!synth) {
                    v = kiln_vload_nd(ctx, vl, R->in, kiln_addi(ctx, ref(R, y0), q - 1), kiln_addi(ctx, ref(R, x0), first));
                } else if (s == 1) {
                    v = ref(R, win[(npieces - nvec) / 2 + j].var);   /* a loaded vector itself */
                } else {
                    snprintf(name, sizeof name, "s%d_%d%c", q, j, shift_name[s]);
                    v = assemble(R, win, npieces, first, name);
                }
                snprintf(name, sizeof name, "t%d_%d%c", q, j, shift_name[s]);
                nb[q][j][s] = widen(R, name, v);
            }
    }
    for (int r = 0; r < ycn; r++)
        for (int j = 0; j < nvec; j++) {
            kiln_block_begin(ctx);
            kiln_node *n[3][3];
            for (int dy = 0; dy < 3; dy++)
                for (int dx = 0; dx < 3; dx++)
                    n[dy][dx] = ref(R, nb[r + dy][j][dx]);
            filter_store(R, n, kiln_addi(ctx, ref(R, x0), j * vl), kiln_addi(ctx, ref(R, y0), r), vl);
            kiln_block_end(ctx);
        }
}

/* Blocks whose neighbourhood leaves the image: component by component, border pixels copied. */
static void edge_block(const rgb *R, kiln_var *x0, kiln_var *y0, int xcn, int ycn)
{
    kiln_ctx *ctx = R->ctx;
    kiln_var *r = kiln_for_begin(ctx, "r", num(R, 0), num(R, ycn), num(R, 1));
    kiln_var *y = kiln_decl_const(ctx, "y", KILN_T(I32), kiln_add(ctx, ref(R, y0), ref(R, r)));
    kiln_var *c = kiln_for_begin(ctx, "c", num(R, 0), num(R, xcn), num(R, 1));
    kiln_var *x = kiln_decl_const(ctx, "x", KILN_T(I32), kiln_add(ctx, ref(R, x0), ref(R, c)));
    /* the first and last pixel of a row are its first and last 3 components */
    kiln_if_begin(ctx, kiln_any(ctx, kiln_lt(ctx, ref(R, x), num(R, 3)), kiln_eq(ctx, ref(R, y), num(R, 0)),
                                kiln_ge(ctx, ref(R, x), kiln_addi(ctx, ref(R, R->w), -3)),
                                kiln_eq(ctx, ref(R, y), kiln_addi(ctx, ref(R, R->ny), -1))));
    kiln_assign(ctx, kiln_at(ctx, R->out, ref(R, y), ref(R, x)), kiln_at(ctx, R->in, ref(R, y), ref(R, x)));
    kiln_else(ctx);
    kiln_node *nb[3][3];
    for (int dy = 0; dy < 3; dy++)
        for (int dx = 0; dx < 3; dx++)
            nb[dy][dx] = kiln_cast(ctx, (kiln_type){R->acc.scalar, 1},
                                   kiln_at(ctx, R->in, kiln_addi(ctx, ref(R, y), dy - 1),
                                           kiln_addi(ctx, ref(R, x), 3 * (dx - 1))));
    filter_store(R, nb, ref(R, x), ref(R, y), 1);
    kiln_if_end(ctx);
    kiln_for_end(ctx);
    kiln_for_end_unroll(ctx, 0);
}

static kiln_proc *rgb_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    int xcn = (int)kiln_config_get(cfg, "x_component_number", 4);
    int vl = (int)kiln_config_get(cfg, "vector_length", 4);
    int ycn = (int)kiln_config_get(cfg, "y_component_number", 1);
    int temp_size = (int)kiln_config_get(cfg, "temporary_size", 2);
    int synth = (int)kiln_config_get(cfg, "synthesizing_loads", 0);
    int wg_x = (int)kiln_config_get(cfg, "wg_x", 16);
    int wg_y = (int)kiln_config_get(cfg, "wg_y", 4);
    long long nx = size->d[0], ny = rgb_ny(size), w = 3 * nx;

    if (vl != 1 && vl != 2 && vl != 4 && vl != 8 && vl != 16) {
        kiln_fail(ctx, "laplace_rgb: vector_length %d is not a vector length (1, 2, 4, 8, 16)", vl);
        return NULL;
    }
    if (xcn < 1 || xcn > MAX_X_COMPONENTS || xcn % vl != 0) {
        kiln_fail(ctx, "laplace_rgb: x_component_number %d is not a multiple of vector_length %d in 1..%d", xcn, vl,
                  MAX_X_COMPONENTS);
        return NULL;
    }
    if (ycn < 1 || ycn > MAX_Y_COMPONENTS) {
        kiln_fail(ctx, "laplace_rgb: y_component_number %d is outside 1..%d", ycn, MAX_Y_COMPONENTS);
        return NULL;
    }
    if (temp_size != 2 && temp_size != 4) {
        kiln_fail(ctx, "laplace_rgb: temporary_size %d is neither 2 (i16) nor 4 (i32)", temp_size);
        return NULL;
    }
    if (synth != 0 && synth != 1) {
        kiln_fail(ctx, "laplace_rgb: synthesizing_loads %d is neither 0 nor 1", synth);
        return NULL;
    }
    if (wg_x < 1 || wg_y < 1) {
        kiln_fail(ctx, "laplace_rgb: work-group %d x %d is empty", wg_x, wg_y);
        return NULL;
    }
    if (nx < 1 || ny < 1 || w % xcn != 0 || ny % ycn != 0) {
        kiln_fail(ctx, "laplace_rgb: image %lld x %lld (rows of %lld components) is not a whole number of "
                  "%d x %d blocks", nx, ny, w, xcn, ycn);
        return NULL;
    }
    if (w * ny > INT32_MAX) {
        kiln_fail(ctx, "laplace_rgb: image %lld x %lld is too large for the kernel's 32-bit indices", nx, ny);
        return NULL;
    }

    rgb R = {ctx, NULL, NULL, NULL, NULL, NULL, vl, {temp_size == 2 ? KILN_I16 : KILN_I32, vl}, {KILN_U8, vl}};
    kiln_proc *proc = kiln_kernel_begin(ctx, "laplace_rgb");
    kiln_proc_reqd_wg(proc, wg_x, wg_y, 1);
    R.nx = kiln_arg_scalar(ctx, "nx", KILN_T(I32));
    R.ny = kiln_arg_scalar(ctx, "ny", KILN_T(I32));
    R.in = kiln_arg_array(ctx, "in", KILN_T(U8), KILN_IN, ref(&R, R.ny), kiln_mul(ctx, num(&R, 3), ref(&R, R.nx)));
    R.out = kiln_arg_array(ctx, "out", KILN_T(U8), KILN_OUT, ref(&R, R.ny), kiln_mul(ctx, num(&R, 3), ref(&R, R.nx)));
    kiln_comment(ctx, "x_component_number %d, vector_length %d, y_component_number %d, temporary_size %d, "
                 "synthesizing_loads %d, wg %d x %d", xcn, vl, ycn, temp_size, synth, wg_x, wg_y);

    R.w = kiln_decl_const(ctx, "w", KILN_T(I32), kiln_mul(ctx, num(&R, 3), ref(&R, R.nx)));
    kiln_var *gx = kiln_decl_const(ctx, "gx", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 0)));
    kiln_var *gy = kiln_decl_const(ctx, "gy", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 1)));
    kiln_if_begin(ctx, kiln_and(ctx, kiln_lt(ctx, ref(&R, gx), kiln_divi(ctx, ref(&R, R.w), xcn)),
                                kiln_lt(ctx, ref(&R, gy), kiln_divi(ctx, ref(&R, R.ny), ycn))));
    kiln_var *x0 = kiln_decl_const(ctx, "x0", KILN_T(I32), kiln_muli(ctx, ref(&R, gx), xcn));
    kiln_var *y0 = kiln_decl_const(ctx, "y0", KILN_T(I32), kiln_muli(ctx, ref(&R, gy), ycn));
    /* the block and its frame (3 components either side, a row above and below) lie inside the image */
    kiln_node *interior = kiln_all(ctx, kiln_ge(ctx, ref(&R, x0), num(&R, 3)), kiln_ge(ctx, ref(&R, y0), num(&R, 1)),
                                   kiln_le(ctx, kiln_addi(ctx, ref(&R, x0), xcn + 3), ref(&R, R.w)),
                                   kiln_lt(ctx, kiln_addi(ctx, ref(&R, y0), ycn), ref(&R, R.ny)));
    kiln_if_begin(ctx, interior);
    interior_block(&R, x0, y0, xcn, ycn, synth);
    kiln_else(ctx);
    edge_block(&R, x0, y0, xcn, ycn);
    kiln_if_end(ctx);
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void rgb_inputs(kiln_args *args, uint64_t seed)
{
    uint64_t st = seed;
    const kiln_size *size = kiln_args_size(args);
    size_t count = rgb_count(size);
    uint8_t *in = kiln_args_ptr(args, "in");
    *(int32_t *)kiln_args_ptr(args, "nx") = (int32_t)size->d[0];
    *(int32_t *)kiln_args_ptr(args, "ny") = (int32_t)rgb_ny(size);
    /* uniform bytes: the filter of such an image clamps at both ends often */
    for (size_t i = 0; i < count; i++)
        in[i] = (uint8_t)(kiln_rand_next(&st) >> 56);
}

/* u8 output: the exact expected bytes. */
static void rgb_reference(kiln_args *args)
{
    const kiln_size *size = kiln_args_size(args);
    size_t nx = (size_t)size->d[0], ny = (size_t)rgb_ny(size), w = 3 * nx;
    const uint8_t *in = kiln_args_ptr(args, "in");
    uint8_t *out = kiln_args_exact(args, "out");
    for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++)
            for (size_t c = 0; c < 3; c++) {
                size_t i = y * w + 3 * x + c;
                if (x == 0 || y == 0 || x == nx - 1 || y == ny - 1) {
                    out[i] = in[i];
                    continue;
                }
                int sum = 0;
                for (size_t yy = y - 1; yy <= y + 1; yy++)
                    for (size_t xx = x - 1; xx <= x + 1; xx++)
                        sum += in[yy * w + 3 * xx + c];
                int v = 9 * in[i] - sum;
                out[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
}

static void rgb_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    size_t xcn = (size_t)kiln_config_get(cfg, "x_component_number", 4);
    size_t ycn = (size_t)kiln_config_get(cfg, "y_component_number", 1);
    size_t wg_x = (size_t)kiln_config_get(cfg, "wg_x", 16);
    size_t wg_y = (size_t)kiln_config_get(cfg, "wg_y", 4);
    size_t items_x = (3 * (size_t)size->d[0] + xcn - 1) / xcn;
    size_t items_y = ((size_t)rgb_ny(size) + ycn - 1) / ycn;
    *geo = (kiln_geometry){2, {(items_x + wg_x - 1) / wg_x * wg_x, (items_y + wg_y - 1) / wg_y * wg_y, 1},
                           {wg_x, wg_y, 1}};
}

/* Integer operations, counted as the FLOP figure: per interior component one
 * multiplication and 8 subtractions (the clamp and the widening are not counted). */
static double rgb_flops(const kiln_size *size)
{
    double nx = (double)size->d[0], ny = (double)rgb_ny(size);
    double interior = (nx > 2 ? nx - 2 : 0) * (ny > 2 ? ny - 2 : 0);
    return 9.0 * 3.0 * interior;
}

static double rgb_bytes(const kiln_size *size)
{
    return 2.0 * (double)rgb_count(size);
}

const kiln_kernel kiln_kernel_laplace_rgb = {
    .name = "laplace_rgb",
    .summary = "8-neighbour Laplace filter of an RGB u8 image (nx x ny pixels, clamped, borders copied)",
    KILN_ARGS({"nx", KILN_I32, KILN_IN, 1, NULL, 0},
              {"ny", KILN_I32, KILN_IN, 1, NULL, 0},
              {"in", KILN_U8, KILN_IN, 0, rgb_count, 0},
              {"out", KILN_U8, KILN_OUT, 0, rgb_count, 0}),
    KILN_PARAMS({.name = "x_component_number", .help = "components (bytes, not pixels) per work-item along a row",
                 KILN_VALUES(1, 2, 4, 8, 16), .default_value = 4},
                {.name = "vector_length", .help = "u8 vector length of loads and stores",
                 KILN_VALUES(1, 2, 4, 8, 16), .default_value = 4},
                {.name = "y_component_number", .help = "rows per work-item", KILN_VALUES(1, 2, 4), .default_value = 1},
                {.name = "temporary_size", .help = "bytes of the accumulator: 2 = i16, 4 = i32", KILN_VALUES(2, 4),
                 .default_value = 2},
                {.name = "synthesizing_loads",
                 .help = "load each row's window once and build the shifted vectors from its lanes (0/1)",
                 KILN_VALUES(0, 1), .default_value = 0},
                {.name = "wg_x", .help = "work-group size along x", KILN_VALUES(8, 16, 32), .default_value = 16},
                {.name = "wg_y", .help = "work-group size along y", KILN_VALUES(1, 2, 4, 8), .default_value = 4}),
    KILN_CONSTRAINTS("x_component_number % vector_length == 0", "(3 * nx) % x_component_number == 0",
                     "ny % y_component_number == 0", "wg_x * wg_y <= 256"),
    .default_size = {2, {1024, 768, 1}},
    .langs = (1u << KILN_LANG_CL) | (1u << KILN_LANG_C),
    .build = rgb_build,
    .inputs = rgb_inputs,
    .reference = rgb_reference,
    .geometry = rgb_geometry,
    .flops = rgb_flops,
    .bytes = rgb_bytes,
};
