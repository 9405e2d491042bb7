/*
 * peaks.c: the two micro-kernels kiln measures a device's peaks with, for
 * rooflines (`kiln peaks`, `kiln plot --roofline`). They are tuned like any
 * kernel, so their best results on a device, kept in the database, are its
 * peaks; they are not in the registry (`kiln kernels` lists real work).
 *   peak_fma:    FLOP/s. Each work-item does PEAK_FMA_WORK multiply-adds
 *                x = x * s + t, as `chains` independent chains on vectors of
 *                `vec` floats (PEAK_FMA_WORK / (chains * vec) steps each; s = 1
 *                and t = 0 arrive as arguments, so nothing folds; the chains
 *                start apart, so none merges with another), then writes
 *                (sum - offsets) / (chains * vec), exactly gid % 7.
 *   peak_stream: bytes/s. a[i] = b[i] in vectors of `vec` floats, one block
 *                of vec per work-item.
 */
#include <stdint.h>
#include <stdio.h>
#include "kiln/kernel.h"

#define PEAK_FMA_WORK 2048 /* multiply-adds per work-item, whatever the configuration */

static size_t peak_count(const kiln_size *size)
{
    return (size_t)size->d[0];
}

static int peak_check_vec(kiln_ctx *ctx, const char *kernel, int vec, int wg)
{
    if (vec != 1 && vec != 2 && vec != 4 && vec != 8 && vec != 16) {
        kiln_fail(ctx, "%s: vec %d is not a vector length (1, 2, 4, 8, 16)", kernel, vec);
        return -1;
    }
    if (wg < 1) {
        kiln_fail(ctx, "%s: wg %d must be positive", kernel, wg);
        return -1;
    }
    return 0;
}

static kiln_proc *fma_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    int vec = (int)kiln_config_get(cfg, "vec", 1), chains = (int)kiln_config_get(cfg, "chains", 1);
    int wg = (int)kiln_config_get(cfg, "wg", 64);
    (void)size;
    if (peak_check_vec(ctx, "peak_fma", vec, wg) != 0)
        return NULL;
    if (chains < 1 || chains > 16) {
        kiln_fail(ctx, "peak_fma: chains %d is outside 1..16", chains);
        return NULL;
    }
    int steps = PEAK_FMA_WORK / (chains * vec);
    kiln_proc *proc = kiln_kernel_begin(ctx, "peak_fma");
    kiln_proc_reqd_wg(proc, wg, 1, 1);
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *out = kiln_arg_array(ctx, "out", KILN_T(F32), KILN_OUT, kiln_ref(ctx, n));
    kiln_var *s = kiln_arg_scalar(ctx, "s", KILN_T(F32));
    kiln_var *t = kiln_arg_scalar(ctx, "t", KILN_T(F32));
    kiln_comment(ctx, "vec %d, chains %d, wg %d, %d steps", vec, chains, wg, steps);
    kiln_var *gid = kiln_decl_const(ctx, "gid", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 0)));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, gid), kiln_ref(ctx, n)));
    kiln_var *sv = kiln_decl_const(ctx, "sv", KILN_V(F32, vec), kiln_cast(ctx, KILN_V(F32, vec), kiln_ref(ctx, s)));
    kiln_var *tv = kiln_decl_const(ctx, "tv", KILN_V(F32, vec), kiln_cast(ctx, KILN_V(F32, vec), kiln_ref(ctx, t)));
    kiln_var *x[16];
    for (int c = 0; c < chains; c++) {
        char name[8];
        snprintf(name, sizeof name, "x%d", c);
        kiln_node *start = kiln_cast(ctx, KILN_T(F32), kiln_addi(ctx, kiln_bin(ctx, KILN_MOD, kiln_ref(ctx, gid),
                                                                            kiln_int(ctx, 7)), c));
        x[c] = kiln_decl(ctx, name, KILN_V(F32, vec), kiln_cast(ctx, KILN_V(F32, vec), start));
    }
    kiln_for_begin(ctx, "step", kiln_int(ctx, 0), kiln_int(ctx, steps), kiln_int(ctx, 1));
    for (int c = 0; c < chains; c++)
        kiln_assign(ctx, kiln_ref(ctx, x[c]),
                    kiln_add(ctx, kiln_mul(ctx, kiln_ref(ctx, x[c]), kiln_ref(ctx, sv)), kiln_ref(ctx, tv)));
    kiln_for_end_unroll(ctx, 8);
    /* every lane of chain c holds gid % 7 + c: take the offsets off, divide by a power of two */
    kiln_node *sum = NULL;
    for (int c = 0; c < chains; c++)
        for (int l = 0; l < vec; l++) {
            kiln_node *lane = vec == 1 ? kiln_ref(ctx, x[c]) : kiln_lane(ctx, kiln_ref(ctx, x[c]), l);
            sum = sum ? kiln_add(ctx, sum, lane) : lane;
        }
    double offsets = (double)vec * chains * (chains - 1) / 2;
    kiln_node *value = kiln_mul(ctx, kiln_sub(ctx, sum, kiln_flt(ctx, offsets)), kiln_flt(ctx, 1.0 / (vec * chains)));
    kiln_assign(ctx, kiln_at(ctx, out, kiln_ref(ctx, gid)), value);
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void fma_inputs(kiln_args *args, uint64_t seed)
{
    (void)seed;
    *(int32_t *)kiln_args_ptr(args, "n") = (int32_t)peak_count(kiln_args_size(args));
    *(float *)kiln_args_ptr(args, "s") = 1.0f;
    *(float *)kiln_args_ptr(args, "t") = 0.0f;
}

static void fma_reference(kiln_args *args)
{
    size_t n = peak_count(kiln_args_size(args));
    double *want = kiln_args_want(args, "out"), *mag = kiln_args_magnitude(args, "out", 1);
    for (size_t i = 0; i < n; i++) {
        want[i] = (double)(i % 7);
        mag[i] = want[i];
    }
}

static void peak_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo, size_t per_item)
{
    size_t wg = (size_t)kiln_config_get(cfg, "wg", 64);
    size_t items = ((size_t)size->d[0] + per_item - 1) / per_item;
    *geo = (kiln_geometry){1, {(items + wg - 1) / wg * wg, 1, 1}, {wg, 1, 1}};
}

static void fma_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    peak_geometry(cfg, size, geo, 1);
}

static double fma_flops(const kiln_size *size)
{
    return 2.0 * PEAK_FMA_WORK * (double)size->d[0];
}

static double peak_out_bytes(const kiln_size *size)
{
    return 4.0 * (double)size->d[0];
}

const kiln_kernel kiln_kernel_peak_fma = {
    .name = "peak_fma",
    .summary = "FLOP/s micro-kernel: independent chains of x = x * s + t (f32)",
    KILN_ARGS({"n", KILN_I32, KILN_IN, 1, NULL, 0},
              {"out", KILN_F32, KILN_OUT, 0, peak_count, 0},
              {"s", KILN_F32, KILN_IN, 1, NULL, 0},
              {"t", KILN_F32, KILN_IN, 1, NULL, 0}),
    KILN_PARAMS({.name = "vec", .help = "vector length of each chain", KILN_VALUES(1, 2, 4, 8, 16), .default_value = 1},
                {.name = "chains", .help = "independent chains per work-item", KILN_VALUES(1, 2, 4, 8, 16),
                 .default_value = 1},
                {.name = "wg", .help = "work-group size", KILN_VALUES(64, 256), .default_value = 64}),
    .default_size = {1, {1 << 20, 1, 1}},
    .langs = (1u << KILN_LANG_CL) | (1u << KILN_LANG_C),
    .build = fma_build,
    .inputs = fma_inputs,
    .reference = fma_reference,
    .geometry = fma_geometry,
    .flops = fma_flops,
    .bytes = peak_out_bytes,
};

/* ---- peak_stream ------------------------------------------------------ */

static kiln_proc *stream_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    int vec = (int)kiln_config_get(cfg, "vec", 1), wg = (int)kiln_config_get(cfg, "wg", 64);
    if (peak_check_vec(ctx, "peak_stream", vec, wg) != 0)
        return NULL;
    if (size->d[0] % vec != 0) {
        kiln_fail(ctx, "peak_stream: n = %lld is not a multiple of vec = %d", size->d[0], vec);
        return NULL;
    }
    kiln_proc *proc = kiln_kernel_begin(ctx, "peak_stream");
    kiln_proc_reqd_wg(proc, wg, 1, 1);
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(ctx, "a", KILN_T(F32), KILN_OUT, kiln_ref(ctx, n));
    kiln_var *b = kiln_arg_array(ctx, "b", KILN_T(F32), KILN_IN, kiln_ref(ctx, n));
    kiln_comment(ctx, "vec %d, wg %d", vec, wg);
    kiln_var *gid = kiln_decl_const(ctx, "gid", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 0)));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, gid), kiln_divi(ctx, kiln_ref(ctx, n), vec)));
    kiln_var *i = kiln_decl_const(ctx, "i", KILN_T(I32), kiln_muli(ctx, kiln_ref(ctx, gid), vec));
    kiln_vstore(ctx, a, kiln_ref(ctx, i), kiln_vload(ctx, vec, b, kiln_ref(ctx, i)));
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void stream_inputs(kiln_args *args, uint64_t seed)
{
    size_t n = peak_count(kiln_args_size(args));
    float *b = kiln_args_ptr(args, "b");
    *(int32_t *)kiln_args_ptr(args, "n") = (int32_t)n;
    for (size_t i = 0; i < n; i++)
        b[i] = (float)kiln_rand_uniform(&seed, -1.0, 1.0);
}

static void stream_reference(kiln_args *args)
{
    size_t n = peak_count(kiln_args_size(args));
    const float *b = kiln_args_ptr(args, "b");
    double *want = kiln_args_want(args, "a"), *mag = kiln_args_magnitude(args, "a", 1);
    for (size_t i = 0; i < n; i++) {
        want[i] = b[i];
        mag[i] = b[i] < 0 ? -(double)b[i] : b[i];
    }
}

static void stream_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    peak_geometry(cfg, size, geo, (size_t)kiln_config_get(cfg, "vec", 1));
}

static double stream_bytes(const kiln_size *size)
{
    return 2.0 * peak_out_bytes(size); /* read b, write a */
}

const kiln_kernel kiln_kernel_peak_stream = {
    .name = "peak_stream",
    .summary = "bytes/s micro-kernel: the copy a = b (f32)",
    KILN_ARGS({"n", KILN_I32, KILN_IN, 1, NULL, 0},
              {"a", KILN_F32, KILN_OUT, 0, peak_count, 0},
              {"b", KILN_F32, KILN_IN, 0, peak_count, 0}),
    KILN_PARAMS({.name = "vec", .help = "vector length of each load and store", KILN_VALUES(1, 2, 4, 8, 16),
                 .default_value = 1},
                {.name = "wg", .help = "work-group size", KILN_VALUES(64, 256), .default_value = 64}),
    KILN_CONSTRAINTS("n % vec == 0"),
    .default_size = {1, {1 << 24, 1, 1}},
    .langs = (1u << KILN_LANG_CL) | (1u << KILN_LANG_C),
    .build = stream_build,
    .inputs = stream_inputs,
    .reference = stream_reference,
    .geometry = stream_geometry,
    .bytes = stream_bytes,
};
