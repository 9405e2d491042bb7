/*
 * faulty_plugin.c: a plugin kernel whose parameter `mode` picks how it goes
 * wrong, for the end-to-end tests of verdicts:
 *   0 correct copy a[i] = b[i]           -> ok
 *   1 leaves the last element unwritten   -> wrong (the poison shows)
 *   2 the description refuses the config  -> build_error
 *   3 writes far outside the array        -> crashed
 *   4 never ends                          -> timeout (host backend)
 * and `hang`, whose every configuration never ends (the OpenCL timeout path).
 */
#include <stdint.h>
#include <string.h>
#include "kiln/kernel.h"

static size_t faulty_count(const kiln_size *size)
{
    return (size_t)size->d[0];
}

static kiln_proc *faulty_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    long long mode = kiln_config_get(cfg, "mode", 0);
    (void)size;
    if (mode == 2) {
        kiln_fail(ctx, "faulty: mode 2 is refused by the description");
        return NULL;
    }
    kiln_kernel_begin(ctx, "faulty");
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(ctx, "a", KILN_T(F32), KILN_OUT, kiln_ref(ctx, n));
    kiln_var *b = kiln_arg_array(ctx, "b", KILN_T(F32), KILN_IN, kiln_ref(ctx, n));
    kiln_var *i = kiln_decl_const(ctx, "i", KILN_T(I64), kiln_global_id(ctx, 0));
    kiln_node *limit = mode == 1 ? kiln_sub(ctx, kiln_ref(ctx, n), kiln_int(ctx, 1)) : kiln_ref(ctx, n);
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, i), limit));
    if (mode == 3) {
        kiln_assign(ctx, kiln_at(ctx, a, kiln_mul(ctx, kiln_ref(ctx, i), kiln_int(ctx, 1LL << 40))),
                    kiln_at(ctx, b, kiln_ref(ctx, i)));
        kiln_assign(ctx, kiln_at(ctx, a, kiln_add(ctx, kiln_ref(ctx, i), kiln_int(ctx, 1LL << 40))),
                    kiln_at(ctx, b, kiln_ref(ctx, i)));
    } else if (mode == 4) {
        kiln_var *k = kiln_decl(ctx, "k", KILN_T(I32), kiln_int(ctx, 0));
        kiln_while_begin(ctx, kiln_bin(ctx, KILN_GE, kiln_ref(ctx, k), kiln_int(ctx, 0)));
        kiln_assign(ctx, kiln_at(ctx, a, kiln_ref(ctx, i)), kiln_at(ctx, b, kiln_ref(ctx, i)));
        kiln_assign(ctx, kiln_ref(ctx, k), kiln_bin(ctx, KILN_BAND, kiln_add(ctx, kiln_ref(ctx, k), kiln_int(ctx, 1)),
                                                    kiln_int(ctx, 0xffff)));
        kiln_while_end(ctx);
    } else {
        kiln_assign(ctx, kiln_at(ctx, a, kiln_ref(ctx, i)), kiln_at(ctx, b, kiln_ref(ctx, i)));
    }
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void faulty_inputs(kiln_args *args, uint64_t seed)
{
    long long n = kiln_args_size(args)->d[0];
    *(int32_t *)kiln_args_ptr(args, "n") = (int32_t)n;
    float *b = kiln_args_ptr(args, "b");
    for (long long i = 0; i < n; i++)
        b[i] = (float)kiln_rand_uniform(&seed, -1, 1);
}

static void faulty_reference(kiln_args *args)
{
    long long n = kiln_args_size(args)->d[0];
    const float *b = kiln_args_ptr(args, "b");
    double *a = kiln_args_want(args, "a");
    for (long long i = 0; i < n; i++)
        a[i] = b[i];
}

static void faulty_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    (void)cfg;
    geo->dims = 1;
    geo->global[0] = (size_t)((size->d[0] + 63) / 64 * 64);
    geo->local[0] = 64;
}

static double faulty_bytes(const kiln_size *size)
{
    return 8.0 * (double)size->d[0];
}

static const kiln_kernel faulty = {
    .name = "faulty",
    .summary = "a copy that goes wrong in the way its mode says (tests)",
    KILN_ARGS({.name = "n", .elem = KILN_I32, .dir = KILN_IN, .is_scalar = 1},
              {.name = "a", .elem = KILN_F32, .dir = KILN_OUT, .count = faulty_count},
              {.name = "b", .elem = KILN_F32, .dir = KILN_IN, .count = faulty_count}),
    KILN_PARAMS({.name = "mode", .help = "0 ok, 1 wrong, 2 refused, 3 crash, 4 hang", KILN_VALUES(0, 1, 2, 3, 4),
                 .default_value = 0}),
    .default_size = {1, {1000, 1, 1}},
    .langs = (1u << KILN_LANG_CL) | (1u << KILN_LANG_C),
    .build = faulty_build,
    .inputs = faulty_inputs,
    .reference = faulty_reference,
    .geometry = faulty_geometry,
    .bytes = faulty_bytes,
};

static kiln_proc *hang_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    static const kiln_config mode4 = {1, {"mode"}, {4}};
    (void)cfg;
    return faulty_build(ctx, &mode4, size);
}

/* Three configurations that all hang: a run must stop after the first one. */
static const kiln_kernel hang = {
    .name = "hang",
    .summary = "a copy that never ends, in every configuration (tests)",
    KILN_ARGS({.name = "n", .elem = KILN_I32, .dir = KILN_IN, .is_scalar = 1},
              {.name = "a", .elem = KILN_F32, .dir = KILN_OUT, .count = faulty_count},
              {.name = "b", .elem = KILN_F32, .dir = KILN_IN, .count = faulty_count}),
    KILN_PARAMS({.name = "unused", .help = "changes nothing", KILN_VALUES(1, 2, 3), .default_value = 1}),
    .default_size = {1, {1000, 1, 1}},
    .langs = (1u << KILN_LANG_CL) | (1u << KILN_LANG_C),
    .build = hang_build,
    .inputs = faulty_inputs,
    .reference = faulty_reference,
    .geometry = faulty_geometry,
    .bytes = faulty_bytes,
};

const kiln_kernel *const *kiln_plugin_kernels(void);
const kiln_kernel *const *kiln_plugin_kernels(void)
{
    static const kiln_kernel *const list[] = {&faulty, &hang, NULL};
    return list;
}
