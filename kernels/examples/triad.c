/*
 * triad.c: the vector triad a[i] = b[i] + s * c[i] (f32), a bandwidth-bound
 * example kernel.
 *
 * Kernel arguments, in order: n (i32), a (out, n), b (in, n), c (in, n), s (f32).
 * A work-item handles `per_item` blocks of `vec` consecutive elements; block p
 * of work-item g is block g + p * items, items = n / (vec * per_item): blocks are
 * strided by the number of working items so that neighbouring work-items touch
 * neighbouring memory at every step, which is what coalescing GPUs want. The per-item loop
 * is fully unrolled. The global size is rounded up to a multiple of the
 * work-group size, so work-items past the end are guarded out.
 */
#include <math.h>
#include <stdint.h>
#include "kernels/examples/examples.h"

static size_t triad_count(const kiln_size *size)
{
    return (size_t)size->d[0];
}

static kiln_proc *triad_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    int vec = (int)kiln_config_get(cfg, "vec", 1);
    int per_item = (int)kiln_config_get(cfg, "per_item", 1);
    int wg = (int)kiln_config_get(cfg, "wg", 256);
    long long n = size->d[0];

    if (vec != 1 && vec != 2 && vec != 4 && vec != 8 && vec != 16) {
        kiln_fail(ctx, "triad: vec %d is not a vector length (1, 2, 4, 8, 16)", vec);
        return NULL;
    }
    if (per_item < 1 || wg < 1) {
        kiln_fail(ctx, "triad: per_item %d and wg %d must be positive", per_item, wg);
        return NULL;
    }
    if (n % ((long long)vec * per_item) != 0) {
        kiln_fail(ctx, "triad: n = %lld is not a multiple of vec * per_item = %d", n, vec * per_item);
        return NULL;
    }
    if (n > INT32_MAX) {
        kiln_fail(ctx, "triad: n = %lld does not fit the kernel's 32-bit indices", n);
        return NULL;
    }

    kiln_proc *proc = kiln_kernel_begin(ctx, "triad");
    kiln_proc_reqd_wg(proc, wg, 1, 1);
    kiln_var *vn = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(ctx, "a", KILN_T(F32), KILN_OUT, kiln_ref(ctx, vn));
    kiln_var *b = kiln_arg_array(ctx, "b", KILN_T(F32), KILN_IN, kiln_ref(ctx, vn));
    kiln_var *c = kiln_arg_array(ctx, "c", KILN_T(F32), KILN_IN, kiln_ref(ctx, vn));
    kiln_var *s = kiln_arg_scalar(ctx, "s", KILN_T(F32));

    kiln_comment(ctx, "vec %d, per_item %d, wg %d", vec, per_item, wg);
    /* number of work-items doing useful work: n / (vec * per_item) */
    kiln_var *items = kiln_decl_const(ctx, "items", KILN_T(I32), kiln_divi(ctx, kiln_ref(ctx, vn), vec * per_item));
    kiln_var *gid = kiln_decl_const(ctx, "gid", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 0)));
    kiln_var *sv = kiln_decl_const(ctx, "sv", KILN_V(F32, vec), kiln_cast(ctx, KILN_V(F32, vec), kiln_ref(ctx, s)));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, gid), kiln_ref(ctx, items)));
    kiln_var *p = kiln_for_begin(ctx, "p", kiln_int(ctx, 0), kiln_int(ctx, per_item), kiln_int(ctx, 1));
    /* first element of block gid + p * items */
    kiln_node *block = kiln_add(ctx, kiln_ref(ctx, gid), kiln_mul(ctx, kiln_ref(ctx, p), kiln_ref(ctx, items)));
    kiln_var *i = kiln_decl_const(ctx, "i", KILN_T(I32), kiln_mul(ctx, block, kiln_int(ctx, vec)));
    kiln_node *bv = kiln_vload(ctx, vec, b, kiln_ref(ctx, i)), *cv = kiln_vload(ctx, vec, c, kiln_ref(ctx, i));
    kiln_vstore(ctx, a, kiln_ref(ctx, i), kiln_add(ctx, bv, kiln_mul(ctx, kiln_ref(ctx, sv), cv)));
    kiln_for_end_unroll(ctx, 0);
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void triad_inputs(kiln_args *args, uint64_t seed)
{
    uint64_t st = seed;
    size_t n = triad_count(kiln_args_size(args));
    float *b = kiln_args_ptr(args, "b"), *c = kiln_args_ptr(args, "c");
    *(int32_t *)kiln_args_ptr(args, "n") = (int32_t)n;
    *(float *)kiln_args_ptr(args, "s") = (float)kiln_rand_uniform(&st, 0.5, 2.0);
    for (size_t i = 0; i < n; i++) {
        b[i] = (float)kiln_rand_uniform(&st, -1.0, 1.0);
        c[i] = (float)kiln_rand_uniform(&st, -1.0, 1.0);
    }
}

/* a = b + s c: two terms, and their magnitudes bound the rounding. */
static void triad_reference(kiln_args *args)
{
    size_t n = triad_count(kiln_args_size(args));
    const float *b = kiln_args_ptr(args, "b"), *c = kiln_args_ptr(args, "c");
    double s = *(const float *)kiln_args_ptr(args, "s");
    double *a = kiln_args_want(args, "a"), *mag = kiln_args_magnitude(args, "a", 2);
    for (size_t i = 0; i < n; i++) {
        a[i] = (double)b[i] + s * (double)c[i];
        mag[i] = fabs((double)b[i]) + fabs(s * (double)c[i]);
    }
}

static void triad_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    size_t wg = (size_t)kiln_config_get(cfg, "wg", 256);
    size_t per = (size_t)(kiln_config_get(cfg, "vec", 1) * kiln_config_get(cfg, "per_item", 1));
    size_t items = ((size_t)size->d[0] + per - 1) / per;
    *geo = (kiln_geometry){1, {(items + wg - 1) / wg * wg, 1, 1}, {wg, 1, 1}};
}

static double triad_flops(const kiln_size *size)
{
    return 2.0 * (double)size->d[0];
}

static double triad_bytes(const kiln_size *size)
{
    return 3.0 * 4.0 * (double)size->d[0];
}

const kiln_kernel kiln_kernel_triad = {
    .name = "triad",
    .summary = "vector triad a = b + s * c (f32, bandwidth bound)",
    KILN_ARGS({"n", KILN_I32, KILN_IN, 1, NULL, 0},
              {"a", KILN_F32, KILN_OUT, 0, triad_count, 0},
              {"b", KILN_F32, KILN_IN, 0, triad_count, 0},
              {"c", KILN_F32, KILN_IN, 0, triad_count, 0},
              {"s", KILN_F32, KILN_IN, 1, NULL, 0}),
    KILN_PARAMS({.name = "vec", .help = "vector length of each load and store (vloadN/vstoreN)",
                 KILN_VALUES(1, 2, 4, 8, 16), .default_value = 1},
                {.name = "per_item", .help = "blocks of vec elements per work-item (loop fully unrolled)",
                 KILN_VALUES(1, 2, 4, 8), .default_value = 1},
                {.name = "wg", .help = "work-group size", KILN_VALUES(32, 64, 128, 256, 512, 1024), .default_value = 256}),
    KILN_CONSTRAINTS("n % (vec * per_item) == 0", "wg <= 1024"),
    .default_size = {1, {1 << 22, 1, 1}},
    .langs = (1u << KILN_LANG_CL) | (1u << KILN_LANG_C),
    .build = triad_build,
    .inputs = triad_inputs,
    .reference = triad_reference,
    .geometry = triad_geometry,
    .flops = triad_flops,
    .bytes = triad_bytes,
};
