/*
 * planted_plugin.c: a plugin kernel `planted`, a[i] = b[i] + s * c[i] (f32),
 * whose parameter `bug` plants an error in the variant:
 *   0 right;
 *   1 s * c scaled by 1 + 2^-18 (3.8e-6 relative): up to 7.5 times the
 *     regression bound of f32 with two terms, so a bound loosened tenfold lets
 *     it through;
 *   2 the last element left unwritten.
 * The regression tests record bug=0 and replay bug=1 and bug=2.
 */
#include <math.h>
#include <stdint.h>
#include "kiln/kernel.h"

static size_t planted_count(const kiln_size *size)
{
    return (size_t)size->d[0];
}

static kiln_proc *planted_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    long long bug = kiln_config_get(cfg, "bug", 0);
    (void)size;
    kiln_kernel_begin(ctx, "planted");
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(ctx, "a", KILN_T(F32), KILN_OUT, kiln_ref(ctx, n));
    kiln_var *b = kiln_arg_array(ctx, "b", KILN_T(F32), KILN_IN, kiln_ref(ctx, n));
    kiln_var *c = kiln_arg_array(ctx, "c", KILN_T(F32), KILN_IN, kiln_ref(ctx, n));
    kiln_var *s = kiln_arg_scalar(ctx, "s", KILN_T(F32));
    kiln_var *i = kiln_decl_const(ctx, "i", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 0)));
    kiln_node *limit = bug == 2 ? kiln_sub(ctx, kiln_ref(ctx, n), kiln_int(ctx, 1)) : kiln_ref(ctx, n);
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, i), limit));
    kiln_node *sc = kiln_mul(ctx, kiln_ref(ctx, s), kiln_at(ctx, c, kiln_ref(ctx, i)));
    if (bug == 1)
        sc = kiln_mul(ctx, sc, kiln_flt(ctx, 1.0 + 0x1p-18));
    kiln_assign(ctx, kiln_at(ctx, a, kiln_ref(ctx, i)), kiln_add(ctx, kiln_at(ctx, b, kiln_ref(ctx, i)), sc));
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void planted_inputs(kiln_args *args, uint64_t seed)
{
    size_t n = planted_count(kiln_args_size(args));
    float *b = kiln_args_ptr(args, "b"), *c = kiln_args_ptr(args, "c");
    *(int32_t *)kiln_args_ptr(args, "n") = (int32_t)n;
    *(float *)kiln_args_ptr(args, "s") = (float)kiln_rand_uniform(&seed, 0.5, 2.0);
    for (size_t i = 0; i < n; i++) {
        b[i] = (float)kiln_rand_uniform(&seed, -1.0, 1.0);
        c[i] = (float)kiln_rand_uniform(&seed, -1.0, 1.0);
    }
}

static void planted_reference(kiln_args *args)
{
    size_t n = planted_count(kiln_args_size(args));
    const float *b = kiln_args_ptr(args, "b"), *c = kiln_args_ptr(args, "c");
    double s = *(const float *)kiln_args_ptr(args, "s");
    double *a = kiln_args_want(args, "a"), *mag = kiln_args_magnitude(args, "a", 2);
    for (size_t i = 0; i < n; i++) {
        a[i] = (double)b[i] + s * (double)c[i];
        mag[i] = fabs((double)b[i]) + fabs(s * (double)c[i]);
    }
}

static void planted_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    (void)cfg;
    *geo = (kiln_geometry){1, {((size_t)size->d[0] + 63) / 64 * 64, 1, 1}, {64, 1, 1}};
}

static double planted_flops(const kiln_size *size)
{
    return 2.0 * (double)size->d[0];
}

static const kiln_kernel planted = {
    .name = "planted",
    .summary = "a = b + s * c with an error planted by `bug` (regression tests)",
    KILN_ARGS({"n", KILN_I32, KILN_IN, 1, NULL, 0},
              {"a", KILN_F32, KILN_OUT, 0, planted_count, 0},
              {"b", KILN_F32, KILN_IN, 0, planted_count, 0},
              {"c", KILN_F32, KILN_IN, 0, planted_count, 0},
              {"s", KILN_F32, KILN_IN, 1, NULL, 0}),
    KILN_PARAMS({.name = "bug", .help = "0 right, 1 a small scale error, 2 the last element unwritten",
                 KILN_VALUES(0, 1, 2), .default_value = 0}),
    .default_size = {1, {1000, 1, 1}},
    .langs = (1u << KILN_LANG_CL) | (1u << KILN_LANG_C),
    .build = planted_build,
    .inputs = planted_inputs,
    .reference = planted_reference,
    .geometry = planted_geometry,
    .flops = planted_flops,
    .bytes = planted_flops,
};

const kiln_kernel *const *kiln_plugin_kernels(void);
const kiln_kernel *const *kiln_plugin_kernels(void)
{
    static const kiln_kernel *const list[] = {&planted, NULL};
    return list;
}
