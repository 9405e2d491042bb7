/*
 * test_contract.c: the kernel contract and the verdicts of verification,
 * through kiln_evaluate and kiln_tune on the host backend.
 *
 * - A table that disagrees with the description (rows swapped, f64 for f32),
 *   a description or a geometry that reads an undeclared parameter, a
 *   missing callback (build, inputs, reference, geometry) and a reference
 *   that asks for an argument the kernel lacks are refused before anything
 *   runs, with the name at fault, and kiln_tune stores no row.
 * - Verdict thresholds: an output 2 ulps off sits inside the f32 bound of a
 *   one-term element of 1.5 or 1.75 (ok), 3 ulps off outside it (wrong).
 * - Integers compare exactly: an i64 output off by one above 2^53 is wrong;
 *   a u8 element left unwritten is wrong even where the reference equals the
 *   first poison byte.
 * - The timed runs' output is verified: a kernel right on its first run only
 *   is wrong. One whose inout array changes every run is checked on its
 *   first run and on one more run after the timed runs, from the inputs
 *   again: right, it passes; an unwritten byte or an output written only
 *   on the first run is wrong.
 * - No fixed limits: a kernel of 40 arguments, 20 parameters with long
 *   names and 20 constraints tunes end to end, and resumes.
 * - kiln_eval_data_hash follows the inputs and the reference.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "autotuner/tuner_int.h"
#include "check.h"
#include "files.h"
#include "tune_util.h"

static size_t by_n(const kiln_size *size)
{
    return (size_t)size->d[0];
}

static size_t one(const kiln_size *size)
{
    (void)size;
    return 1;
}

static void geometry_1d(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    (void)cfg;
    *geo = (kiln_geometry){1, {(size_t)(size->d[0] + 63) / 64 * 64, 1, 1}, {64, 1, 1}};
}

/* ---- shift: out[i] = in[i] + ulps * eps, eps = 2^-23 (one ulp in [1, 2)) */

static kiln_proc *shift_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    long long ulps = kiln_config_get(cfg, "ulps", 0);
    kiln_kernel_begin(ctx, "shift");
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *out = kiln_arg_array(ctx, "out", KILN_T(F32), KILN_OUT, kiln_ref(ctx, n));
    kiln_var *in = kiln_arg_array(ctx, "in", KILN_T(F32), KILN_IN, kiln_ref(ctx, n));
    kiln_var *eps = kiln_arg_scalar(ctx, "eps", KILN_T(F32));
    kiln_var *i = kiln_decl_const(ctx, "i", KILN_T(I64), kiln_global_id(ctx, 0));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, i), kiln_ref(ctx, n)));
    kiln_assign(ctx, kiln_at(ctx, out, kiln_ref(ctx, i)),
                kiln_add(ctx, kiln_at(ctx, in, kiln_ref(ctx, i)),
                         kiln_mul(ctx, kiln_flt(ctx, (double)ulps), kiln_ref(ctx, eps))));
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

/* in[i] alternates 1.5 and 1.75: the bound of a one-term element is
 * 3 * 2^-24 * in = 2.25 or 2.625 ulps of 2^-23 */
static void shift_inputs(kiln_args *a, uint64_t seed)
{
    (void)seed;
    size_t n = by_n(kiln_args_size(a));
    float *in = kiln_args_ptr(a, "in");
    *(int32_t *)kiln_args_ptr(a, "n") = (int32_t)n;
    *(float *)kiln_args_ptr(a, "eps") = 0x1p-23f;
    for (size_t i = 0; i < n; i++)
        in[i] = i % 2 ? 1.75f : 1.5f;
}

static void shift_reference(kiln_args *a)
{
    size_t n = by_n(kiln_args_size(a));
    const float *in = kiln_args_ptr(a, "in");
    double *want = kiln_args_want(a, "out"), *mag = kiln_args_magnitude(a, "out", 1);
    for (size_t i = 0; i < n; i++)
        want[i] = mag[i] = in[i];
}

#define SHIFT_ARGS                                                                                          \
    {"n", KILN_I32, KILN_IN, 1, NULL, 0}, {"out", KILN_F32, KILN_OUT, 0, by_n, 0},                         \
        {"in", KILN_F32, KILN_IN, 0, by_n, 0}, {"eps", KILN_F32, KILN_IN, 1, NULL, 0}
#define SHIFT_PARAMS {.name = "ulps", KILN_VALUES(0, 2, 3), .default_value = 0}

static const kiln_kernel shift = {
    .name = "shift",
    KILN_ARGS(SHIFT_ARGS),
    KILN_PARAMS(SHIFT_PARAMS),
    .default_size = {1, {1000, 1, 1}},
    .langs = 1u << KILN_LANG_C,
    .build = shift_build,
    .inputs = shift_inputs,
    .reference = shift_reference,
    .geometry = geometry_1d,
};

/* ---- broken contracts, each a copy of shift with one fault */

static kiln_proc *unrol_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)kiln_config_get(cfg, "unrol", 1); /* a typo of a parameter the kernel does not have */
    return shift_build(ctx, cfg, size);
}

/* a refusal that follows from the fallback of a misspelt parameter */
static kiln_proc *unrol_refused_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    if (kiln_config_get(cfg, "unrol", 0) == 0)
        kiln_fail(ctx, "unroll 0 is not an unroll factor");
    return NULL;
}

/* a geometry that reads a parameter under a name the kernel does not have */
static void wgs_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    geometry_1d(cfg, size, geo);
    geo->local[0] = (size_t)kiln_config_get(cfg, "wgs", 64);
}

static void misnamed_reference(kiln_args *a)
{
    double *want = kiln_args_want(a, "outt");
    want[0] = 1; /* the scratch kiln hands out keeps this from crashing */
}

static void exact_for_float_reference(kiln_args *a)
{
    (void)kiln_args_exact(a, "out");
}

static kiln_kernel broken(int fault)
{
    kiln_kernel k = shift;
    static const kiln_arg_info swapped[] = {{"n", KILN_I32, KILN_IN, 1, NULL, 0},
                                            {"in", KILN_F32, KILN_IN, 0, by_n, 0},
                                            {"out", KILN_F32, KILN_OUT, 0, by_n, 0},
                                            {"eps", KILN_F32, KILN_IN, 1, NULL, 0}};
    static const kiln_arg_info wide[] = {{"n", KILN_I32, KILN_IN, 1, NULL, 0},
                                         {"out", KILN_F64, KILN_OUT, 0, by_n, 0},
                                         {"in", KILN_F32, KILN_IN, 0, by_n, 0},
                                         {"eps", KILN_F32, KILN_IN, 1, NULL, 0}};
    static const kiln_arg_info inout[] = {{"n", KILN_I32, KILN_IN, 1, NULL, 0},
                                          {"out", KILN_F32, KILN_INOUT, 0, by_n, 0},
                                          {"in", KILN_F32, KILN_IN, 0, by_n, 0},
                                          {"eps", KILN_F32, KILN_IN, 1, NULL, 0}};
    static const kiln_arg_info scalar_out[] = {{"n", KILN_I32, KILN_IN, 1, NULL, 0},
                                               {"out", KILN_F32, KILN_OUT, 0, by_n, 0},
                                               {"in", KILN_F32, KILN_IN, 0, by_n, 0},
                                               {"eps", KILN_F32, KILN_OUT, 1, NULL, 0}};
    switch (fault) {
    case 0: k.args = swapped; break;
    case 1: k.args = wide; break;
    case 2: k.args = inout; break;
    case 3: k.nargs = 3; break;
    case 4: k.build = unrol_build; break;
    case 5: k.reference = NULL; break;
    case 6: k.reference = misnamed_reference; break;
    case 7: k.reference = exact_for_float_reference; break;
    case 8: k.geometry = NULL; break;
    case 9: k.args = scalar_out; break;
    case 10: k.inputs = NULL; break;
    case 11: k.build = NULL; break;
    case 12: k.geometry = wgs_geometry; break;
    }
    return k;
}

static const char *const fault_message[] = {
    "argument 2 is 'out' in the description but 'in' in the table",
    "argument 'out' has element type f32 in the description but f64 in the table",
    "argument 'out' has direction out in the description but inout in the table",
    "the description declares argument 4 'eps', which the table lacks",
    "reads parameter 'unrol', which the kernel does not declare",
    "has no reference function",
    "reference: no argument 'outt'",
    "kiln_args_exact of 'out', a f32 array",
    "has no geometry function",
    "argument 'eps' has direction in in the description but out in the table",
    "has no inputs function",
    "has no build function",
    "the geometry reads parameter 'wgs', which the kernel does not declare",
};

/* ---- integers: i64 above 2^53, u8 equal to the first poison */

static kiln_proc *ints_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    long long off = kiln_config_get(cfg, "off", 0), skip = kiln_config_get(cfg, "skip", 0);
    kiln_kernel_begin(ctx, "ints");
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *big = kiln_arg_array(ctx, "big", KILN_T(I64), KILN_OUT, kiln_ref(ctx, n));
    kiln_var *bytes = kiln_arg_array(ctx, "bytes", KILN_T(U8), KILN_OUT, kiln_ref(ctx, n));
    kiln_var *src = kiln_arg_array(ctx, "src", KILN_T(I64), KILN_IN, kiln_ref(ctx, n));
    kiln_var *i = kiln_decl_const(ctx, "i", KILN_T(I64), kiln_global_id(ctx, 0));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, i), kiln_ref(ctx, n)));
    kiln_assign(ctx, kiln_at(ctx, big, kiln_ref(ctx, i)),
                kiln_add(ctx, kiln_at(ctx, src, kiln_ref(ctx, i)), kiln_int(ctx, 1 + off)));
    kiln_if_end(ctx);
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, i), kiln_sub(ctx, kiln_ref(ctx, n), kiln_int(ctx, skip))));
    kiln_assign(ctx, kiln_at(ctx, bytes, kiln_ref(ctx, i)), kiln_cast(ctx, KILN_T(U8), kiln_int(ctx, 0xA5)));
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void ints_inputs(kiln_args *a, uint64_t seed)
{
    size_t n = by_n(kiln_args_size(a));
    int64_t *src = kiln_args_ptr(a, "src");
    *(int32_t *)kiln_args_ptr(a, "n") = (int32_t)n;
    for (size_t i = 0; i < n; i++)
        src[i] = (INT64_C(1) << 60) + (int64_t)(kiln_rand_next(&seed) >> 8);
}

static void ints_reference(kiln_args *a)
{
    size_t n = by_n(kiln_args_size(a));
    const int64_t *src = kiln_args_ptr(a, "src");
    int64_t *big = kiln_args_exact(a, "big");
    uint8_t *bytes = kiln_args_exact(a, "bytes");
    for (size_t i = 0; i < n; i++) {
        big[i] = src[i] + 1;
        bytes[i] = 0xA5;
    }
}

static const kiln_kernel ints = {
    .name = "ints",
    KILN_ARGS({"n", KILN_I32, KILN_IN, 1, NULL, 0}, {"big", KILN_I64, KILN_OUT, 0, by_n, 0},
              {"bytes", KILN_U8, KILN_OUT, 0, by_n, 0}, {"src", KILN_I64, KILN_IN, 0, by_n, 0}),
    KILN_PARAMS({.name = "off", KILN_VALUES(0, 1), .default_value = 0},
                {.name = "skip", KILN_VALUES(0, 1), .default_value = 0}),
    .default_size = {1, {256, 1, 1}},
    .langs = 1u << KILN_LANG_C,
    .build = ints_build,
    .inputs = ints_inputs,
    .reference = ints_reference,
    .geometry = geometry_1d,
};

/* ---- once: right only while its output holds the first poison, as a
 * racy kernel is right once by chance. `mark` is an out array: kiln poisons
 * it with 0xA5A5A5A5 before the first run and 0x5A5A5A5A before the timed
 * runs; the kernel writes `out` only when it finds the first. */

static kiln_proc *once_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)cfg;
    (void)size;
    kiln_kernel_begin(ctx, "once");
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *out = kiln_arg_array(ctx, "out", KILN_T(F32), KILN_OUT, kiln_ref(ctx, n));
    kiln_var *in = kiln_arg_array(ctx, "in", KILN_T(F32), KILN_IN, kiln_ref(ctx, n));
    kiln_var *mark = kiln_arg_array(ctx, "mark", KILN_T(I32), KILN_OUT, kiln_int(ctx, 1));
    kiln_var *g = kiln_decl_const(ctx, "g", KILN_T(I64), kiln_global_id(ctx, 0));
    kiln_if_begin(ctx, kiln_bin(ctx, KILN_EQ, kiln_ref(ctx, g), kiln_int(ctx, 0)));
    kiln_if_begin(ctx, kiln_bin(ctx, KILN_EQ, kiln_at(ctx, mark, kiln_int(ctx, 0)), kiln_int(ctx, (int32_t)0xA5A5A5A5u)));
    kiln_var *i = kiln_for_begin(ctx, "i", kiln_int(ctx, 0), kiln_ref(ctx, n), kiln_int(ctx, 1));
    kiln_assign(ctx, kiln_at(ctx, out, kiln_ref(ctx, i)), kiln_at(ctx, in, kiln_ref(ctx, i)));
    kiln_for_end(ctx);
    kiln_if_end(ctx);
    kiln_assign(ctx, kiln_at(ctx, mark, kiln_int(ctx, 0)), kiln_int(ctx, 1));
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void once_inputs(kiln_args *a, uint64_t seed)
{
    size_t n = by_n(kiln_args_size(a));
    float *in = kiln_args_ptr(a, "in");
    *(int32_t *)kiln_args_ptr(a, "n") = (int32_t)n;
    for (size_t i = 0; i < n; i++)
        in[i] = (float)kiln_rand_uniform(&seed, -1, 1);
}

static void once_reference(kiln_args *a)
{
    size_t n = by_n(kiln_args_size(a));
    const float *in = kiln_args_ptr(a, "in");
    double *want = kiln_args_want(a, "out");
    for (size_t i = 0; i < n; i++)
        want[i] = in[i];
    *(int32_t *)kiln_args_exact(a, "mark") = 1;
}

static const kiln_kernel once = {
    .name = "once",
    KILN_ARGS({"n", KILN_I32, KILN_IN, 1, NULL, 0}, {"out", KILN_F32, KILN_OUT, 0, by_n, 0},
              {"in", KILN_F32, KILN_IN, 0, by_n, 0}, {"mark", KILN_I32, KILN_OUT, 0, one, 0}),
    .default_size = {1, {300, 1, 1}},
    .langs = 1u << KILN_LANG_C,
    .build = once_build,
    .inputs = once_inputs,
    .reference = once_reference,
    .geometry = geometry_1d,
};

/* ---- accumulate: x += in, y = 2 x. Every run changes x, and y with it: right,
 * though the timed runs leave y unlike the reference of one run. Two faults
 * that only a run after the first shows, as in `ints` and `once`: with
 * skip=1 the last byte of `bytes` is never written (its reference is the
 * first poison byte); with once=1 y[i] is written only while mark[i] holds
 * the first poison. */

static kiln_proc *accumulate_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    long long skip = kiln_config_get(cfg, "skip", 0), once_only = kiln_config_get(cfg, "once", 0);
    kiln_kernel_begin(ctx, "accumulate");
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *x = kiln_arg_array(ctx, "x", KILN_T(F32), KILN_INOUT, kiln_ref(ctx, n));
    kiln_var *y = kiln_arg_array(ctx, "y", KILN_T(F32), KILN_OUT, kiln_ref(ctx, n));
    kiln_var *in = kiln_arg_array(ctx, "in", KILN_T(F32), KILN_IN, kiln_ref(ctx, n));
    kiln_var *bytes = kiln_arg_array(ctx, "bytes", KILN_T(U8), KILN_OUT, kiln_ref(ctx, n));
    kiln_var *mark = kiln_arg_array(ctx, "mark", KILN_T(I32), KILN_OUT, kiln_ref(ctx, n));
    kiln_var *i = kiln_decl_const(ctx, "i", KILN_T(I64), kiln_global_id(ctx, 0));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, i), kiln_ref(ctx, n)));
    kiln_var *first = kiln_decl_const(ctx, "first", KILN_T(I32),
                                      kiln_eq(ctx, kiln_at(ctx, mark, kiln_ref(ctx, i)),
                                              kiln_int(ctx, (int32_t)0xA5A5A5A5u)));
    kiln_assign(ctx, kiln_at(ctx, x, kiln_ref(ctx, i)),
                kiln_add(ctx, kiln_at(ctx, x, kiln_ref(ctx, i)), kiln_at(ctx, in, kiln_ref(ctx, i))));
    kiln_if_begin(ctx, kiln_or(ctx, kiln_int(ctx, !once_only), kiln_ref(ctx, first)));
    kiln_assign(ctx, kiln_at(ctx, y, kiln_ref(ctx, i)), kiln_mul(ctx, kiln_flt(ctx, 2), kiln_at(ctx, x, kiln_ref(ctx, i))));
    kiln_if_end(ctx);
    kiln_assign(ctx, kiln_at(ctx, mark, kiln_ref(ctx, i)), kiln_int(ctx, 1));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, i), kiln_sub(ctx, kiln_ref(ctx, n), kiln_int(ctx, skip))));
    kiln_assign(ctx, kiln_at(ctx, bytes, kiln_ref(ctx, i)), kiln_cast(ctx, KILN_T(U8), kiln_int(ctx, 0xA5)));
    kiln_if_end(ctx);
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void accumulate_inputs(kiln_args *a, uint64_t seed)
{
    size_t n = by_n(kiln_args_size(a));
    float *x = kiln_args_ptr(a, "x"), *in = kiln_args_ptr(a, "in");
    *(int32_t *)kiln_args_ptr(a, "n") = (int32_t)n;
    for (size_t i = 0; i < n; i++) {
        x[i] = (float)kiln_rand_uniform(&seed, -1, 1);
        in[i] = (float)kiln_rand_uniform(&seed, -1, 1);
    }
}

static void accumulate_reference(kiln_args *a)
{
    size_t n = by_n(kiln_args_size(a));
    const float *x = kiln_args_ptr(a, "x"), *in = kiln_args_ptr(a, "in");
    double *wx = kiln_args_want(a, "x"), *wy = kiln_args_want(a, "y");
    double *mx = kiln_args_magnitude(a, "x", 2), *my = kiln_args_magnitude(a, "y", 2);
    uint8_t *bytes = kiln_args_exact(a, "bytes");
    int32_t *mark = kiln_args_exact(a, "mark");
    for (size_t i = 0; i < n; i++) {
        wx[i] = (double)x[i] + in[i];
        wy[i] = 2 * wx[i];
        mx[i] = fabs((double)x[i]) + fabs((double)in[i]);
        my[i] = 2 * mx[i];
        bytes[i] = 0xA5;
        mark[i] = 1;
    }
}

static const kiln_kernel accumulate = {
    .name = "accumulate",
    KILN_ARGS({"n", KILN_I32, KILN_IN, 1, NULL, 0}, {"x", KILN_F32, KILN_INOUT, 0, by_n, 0},
              {"y", KILN_F32, KILN_OUT, 0, by_n, 0}, {"in", KILN_F32, KILN_IN, 0, by_n, 0},
              {"bytes", KILN_U8, KILN_OUT, 0, by_n, 0}, {"mark", KILN_I32, KILN_OUT, 0, by_n, 0}),
    KILN_PARAMS({.name = "skip", KILN_VALUES(0, 1), .default_value = 0},
                {.name = "once", KILN_VALUES(0, 1), .default_value = 0}),
    .default_size = {1, {300, 1, 1}},
    .langs = 1u << KILN_LANG_C,
    .build = accumulate_build,
    .inputs = accumulate_inputs,
    .reference = accumulate_reference,
    .geometry = geometry_1d,
};

/* ---- wide: 40 arguments (n, out, 38 inputs), 20 parameters, 20 constraints */

enum { WIDE_INPUTS = 38, WIDE_PARAMS = 20 };
static const char *const wide_names[WIDE_INPUTS] = {
    "x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",  "x7",  "x8",  "x9",  "x10", "x11", "x12",
    "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25",
    "x26", "x27", "x28", "x29", "x30", "x31", "x32", "x33", "x34", "x35", "x36", "x37"};
/* names as long as a real kernel's: a configuration's JSON takes over 600 bytes */
#define WIDE_PARAM(i) "tile_size_of_dimension_" #i
static const char *const wide_params[WIDE_PARAMS] = {
    WIDE_PARAM(00), WIDE_PARAM(01), WIDE_PARAM(02), WIDE_PARAM(03), WIDE_PARAM(04), WIDE_PARAM(05), WIDE_PARAM(06),
    WIDE_PARAM(07), WIDE_PARAM(08), WIDE_PARAM(09), WIDE_PARAM(10), WIDE_PARAM(11), WIDE_PARAM(12), WIDE_PARAM(13),
    WIDE_PARAM(14), WIDE_PARAM(15), WIDE_PARAM(16), WIDE_PARAM(17), WIDE_PARAM(18), WIDE_PARAM(19)};

static kiln_proc *wide_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    long long sum = 0;
    for (int p = 0; p < WIDE_PARAMS; p++)
        sum += kiln_config_get(cfg, wide_params[p], 0);
    kiln_kernel_begin(ctx, "wide");
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *out = kiln_arg_array(ctx, "out", KILN_T(F32), KILN_OUT, kiln_ref(ctx, n));
    kiln_var *x[WIDE_INPUTS];
    for (int k = 0; k < WIDE_INPUTS; k++)
        x[k] = kiln_arg_array(ctx, wide_names[k], KILN_T(F32), KILN_IN, kiln_ref(ctx, n));
    kiln_comment(ctx, "first %lld, second %lld, parameter sum %lld", kiln_config_get(cfg, wide_params[0], 0),
                 kiln_config_get(cfg, wide_params[1], 0), sum);
    kiln_var *i = kiln_decl_const(ctx, "i", KILN_T(I64), kiln_global_id(ctx, 0));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, i), kiln_ref(ctx, n)));
    kiln_node *acc = kiln_at(ctx, x[0], kiln_ref(ctx, i));
    for (int k = 1; k < WIDE_INPUTS; k++)
        acc = kiln_add(ctx, acc, kiln_at(ctx, x[k], kiln_ref(ctx, i)));
    kiln_assign(ctx, kiln_at(ctx, out, kiln_ref(ctx, i)), acc);
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void wide_inputs(kiln_args *a, uint64_t seed)
{
    size_t n = by_n(kiln_args_size(a));
    *(int32_t *)kiln_args_ptr(a, "n") = (int32_t)n;
    for (int k = 0; k < WIDE_INPUTS; k++) {
        float *x = kiln_args_ptr(a, wide_names[k]);
        for (size_t i = 0; i < n; i++)
            x[i] = (float)kiln_rand_uniform(&seed, -1, 1);
    }
}

static void wide_reference(kiln_args *a)
{
    size_t n = by_n(kiln_args_size(a));
    double *want = kiln_args_want(a, "out"), *mag = kiln_args_magnitude(a, "out", WIDE_INPUTS);
    for (int k = 0; k < WIDE_INPUTS; k++) {
        const float *x = kiln_args_ptr(a, wide_names[k]);
        for (size_t i = 0; i < n; i++) {
            want[i] += x[i];
            mag[i] += fabs((double)x[i]);
        }
    }
}

static kiln_kernel wide_kernel(kiln_arg_info *args, kiln_param *params, const char **constraints, char (*texts)[48])
{
    static const long long values[2] = {1, 2};
    args[0] = (kiln_arg_info){"n", KILN_I32, KILN_IN, 1, NULL, 0};
    args[1] = (kiln_arg_info){"out", KILN_F32, KILN_OUT, 0, by_n, 0};
    for (int k = 0; k < WIDE_INPUTS; k++)
        args[2 + k] = (kiln_arg_info){wide_names[k], KILN_F32, KILN_IN, 0, by_n, 0};
    for (int p = 0; p < WIDE_PARAMS; p++) {
        params[p] = (kiln_param){.name = wide_params[p], .nvalues = 2, .values = values, .default_value = 1};
        /* the first two are free, the others fixed at 1: 4 valid points of 2^20 */
        snprintf(texts[p], sizeof texts[p], p < 2 ? "%s <= 2" : "%s == 1", wide_params[p]);
        constraints[p] = texts[p];
    }
    return (kiln_kernel){.name = "wide",
                         .nargs = 2 + WIDE_INPUTS,
                         .args = args,
                         .nparams = WIDE_PARAMS,
                         .params = params,
                         .nconstraints = WIDE_PARAMS,
                         .constraints = constraints,
                         .default_size = {1, {512, 1, 1}},
                         .langs = 1u << KILN_LANG_C,
                         .build = wide_build,
                         .inputs = wide_inputs,
                         .reference = wide_reference,
                         .geometry = geometry_1d};
}

/* ---- helpers */

static void opts_for(kiln_tune_opts *o, const kiln_kernel *k, uint64_t budget)
{
    tune_util_opts(o, k, &k->default_size, budget);
}

static kiln_config config_of(const kiln_kernel *k, const char *setting)
{
    char err[256];
    kiln_config c;
    kiln_space *s = kiln_space_new(k, &k->default_size, err, sizeof err);
    kiln_space_default(s, &c);
    if (setting)
        CHECK_MSG(kiln_space_set(s, &c, setting, err, sizeof err) == 0, "%s", err);
    kiln_space_free(s);
    return c;
}

/* Evaluates one configuration; the verdict, with its text in `text`. */
static kiln_verdict evaluate(kiln_rt *rt, const kiln_kernel *k, const char *setting, kiln_eval *ev, char *text,
                             size_t len)
{
    kiln_tune_opts o;
    char err[512] = "";
    opts_for(&o, k, 0);
    kiln_config c = config_of(k, setting);
    kiln_eval_release_cache();
    int rc = kiln_evaluate(rt, k, &c, &k->default_size, &o, ev, err, sizeof err);
    snprintf(text, len, "%s", rc ? err : ev->error_text ? ev->error_text : "");
    return rc ? (kiln_verdict)-1 : ev->verdict;
}

static int count_row(void *user, const kiln_db_row *row)
{
    (void)row;
    (*(int *)user)++;
    return 0;
}

static void test_contract(kiln_rt *rt, kiln_db *db)
{
    char err[512], text[1024];
    for (int fault = 0; fault < (int)(sizeof fault_message / sizeof fault_message[0]); fault++) {
        kiln_kernel k = broken(fault);
        kiln_config c = config_of(&k, NULL);
        /* caught up front ... */
        err[0] = '\0';
        int checked = kiln_kernel_check(&k, &c, &k.default_size, err, sizeof err);
        char hash[17];
        if (checked == 0)
            checked = kiln_eval_data_hash(&k, &k.default_size, 1, hash, err, sizeof err);
        CHECK_MSG(checked == -1 && strstr(err, fault_message[fault]), "fault %d: check %d '%s'", fault, checked, err);
        /* ... by kiln_tune before any row ... */
        kiln_tune_opts o;
        kiln_tune_summary sum;
        opts_for(&o, &k, 0);
        err[0] = '\0';
        int before = 0, after = 0;
        kiln_db_foreach(db, "shift", NULL, NULL, count_row, &before);
        CHECK_MSG(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == -1 && strstr(err, fault_message[fault]),
                  "fault %d: tune says '%s'", fault, err);
        kiln_db_foreach(db, "shift", NULL, NULL, count_row, &after);
        CHECK_MSG(after == before, "fault %d: %d rows stored", fault, after - before);
        /* ... and by one evaluation, without a crash */
        kiln_eval ev;
        memset(&ev, 0, sizeof ev);
        kiln_verdict v = evaluate(rt, &k, NULL, &ev, text, sizeof text);
        CHECK_MSG(v != KILN_OK && strstr(text, fault_message[fault]), "fault %d: verdict %d '%s'", fault, (int)v, text);
        kiln_eval_clear(&ev);
    }
    /* the unbroken kernel passes the same checks */
    kiln_config c = config_of(&shift, NULL);
    CHECK_MSG(kiln_kernel_check(&shift, &c, &shift.default_size, err, sizeof err) == 0, "%s", err);
    /* kiln_kernel_build reports an undeclared parameter through the context */
    kiln_kernel k = broken(4);
    kiln_ctx *ctx = kiln_ctx_new();
    CHECK(kiln_kernel_build(&k, ctx, &c, &k.default_size) == NULL);
    CHECK_STR_CONTAINS(kiln_errmsg(ctx), "'unrol'");
    /* the undeclared name is the cause, not the refusal it led to */
    k.build = unrol_refused_build;
    kiln_ctx_reset(ctx);
    CHECK(kiln_kernel_build(&k, ctx, &c, &k.default_size) == NULL);
    CHECK_MSG(strcmp(kiln_errmsg(ctx), "kernel 'shift': the description reads parameter 'unrol', which the kernel "
                                       "does not declare") == 0,
              "%s", kiln_errmsg(ctx));
    kiln_ctx_free(ctx);
    /* outside the checked calls, kiln_config_get keeps its fallback */
    CHECK(kiln_config_get(&c, "unrol", 7) == 7);
}

static void test_thresholds(kiln_rt *rt)
{
    char text[1024];
    kiln_eval ev;
    memset(&ev, 0, sizeof ev);
    CHECK_MSG(evaluate(rt, &shift, "ulps=0", &ev, text, sizeof text) == KILN_OK, "%s", text);
    CHECK(ev.verify.max_err_ratio == 0);
    kiln_eval_clear(&ev);
    /* 2 ulps against bounds of 2.25 and 2.625 ulps */
    CHECK_MSG(evaluate(rt, &shift, "ulps=2", &ev, text, sizeof text) == KILN_OK, "%s", text);
    CHECK_MSG(fabs(ev.verify.max_err_ratio - 2 / 2.25) < 1e-9, "ratio %.17g", ev.verify.max_err_ratio);
    kiln_eval_clear(&ev);
    /* 3 ulps: outside on every element */
    CHECK_MSG(evaluate(rt, &shift, "ulps=3", &ev, text, sizeof text) == KILN_WRONG, "%s", text);
    CHECK_MSG(fabs(ev.verify.max_err_ratio - 3 / 2.25) < 1e-9 && ev.verify.mismatches == 1000, "ratio %.17g, %zu",
              ev.verify.max_err_ratio, ev.verify.mismatches);
    CHECK_STR_CONTAINS(text, "output 'out' of the first run");
    kiln_eval_clear(&ev);
}

static void test_integers_and_timed_runs(kiln_rt *rt)
{
    char text[1024];
    kiln_eval ev;
    memset(&ev, 0, sizeof ev);
    CHECK_MSG(evaluate(rt, &ints, "off=0", &ev, text, sizeof text) == KILN_OK, "%s", text);
    kiln_eval_clear(&ev);
    CHECK_MSG(evaluate(rt, &ints, "off=1", &ev, text, sizeof text) == KILN_WRONG, "%s", text);
    CHECK_STR_CONTAINS(text, "output 'big' of the first run differs from the exact reference: 256 of 256");
    kiln_eval_clear(&ev);
    /* the last byte is never written; its reference is the first poison byte */
    CHECK_MSG(evaluate(rt, &ints, "skip=1", &ev, text, sizeof text) == KILN_WRONG, "%s", text);
    CHECK_STR_CONTAINS(text, "output 'bytes' of the timed runs differs from the exact reference: 1 of 256 elements, "
                             "first at index 255");
    kiln_eval_clear(&ev);

    CHECK_MSG(evaluate(rt, &once, NULL, &ev, text, sizeof text) == KILN_WRONG, "%s", text);
    CHECK_STR_CONTAINS(text, "output 'out' of the timed runs");
    CHECK(ev.verify.nonfinite == 300);
    kiln_eval_clear(&ev);
    /* an inout array makes every run differ: the first run is verified, and
     * one more after the timed runs, from the inputs again */
    CHECK_MSG(evaluate(rt, &accumulate, NULL, &ev, text, sizeof text) == KILN_OK, "%s", text);
    kiln_eval_clear(&ev);
    CHECK_MSG(evaluate(rt, &accumulate, "skip=1", &ev, text, sizeof text) == KILN_WRONG, "%s", text);
    CHECK_STR_CONTAINS(text, "output 'bytes' of the run after the timed runs differs from the exact reference: 1 of "
                             "300 elements, first at index 299");
    kiln_eval_clear(&ev);
    CHECK_MSG(evaluate(rt, &accumulate, "once=1", &ev, text, sizeof text) == KILN_WRONG, "%s", text);
    CHECK_STR_CONTAINS(text, "output 'y' of the run after the timed runs");
    kiln_eval_clear(&ev);
}

typedef struct parse_check {
    const kiln_kernel *k;
    int rows, parsed;
} parse_check;

static int parses_back(void *user, const kiln_db_row *row)
{
    parse_check *pc = user;
    kiln_config c;
    char err[256];
    pc->rows++;
    pc->parsed += kiln_config_from_json(pc->k, row->config_json, &c, err, sizeof err) == 0;
    return 0;
}

static void test_no_fixed_limits(kiln_rt *rt, kiln_db *db)
{
    kiln_arg_info args[2 + WIDE_INPUTS];
    kiln_param params[WIDE_PARAMS];
    const char *constraints[WIDE_PARAMS];
    char texts[WIDE_PARAMS][48];
    kiln_kernel k = wide_kernel(args, params, constraints, texts);
    char err[512] = "";
    kiln_tune_opts o;
    kiln_tune_summary sum;
    opts_for(&o, &k, 0);
    CHECK_MSG(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(sum.evaluated == 4 && sum.ok == 4, "evaluated %llu, ok %llu", (unsigned long long)sum.evaluated,
              (unsigned long long)sum.ok);
    int rows = 0;
    kiln_db_foreach(db, "wide", NULL, NULL, count_row, &rows);
    CHECK(rows == 4);
    /* each stored configuration is whole: it reads back, and resume finds it */
    parse_check pc = {&k, 0, 0};
    kiln_db_foreach(db, "wide", NULL, NULL, parses_back, &pc);
    CHECK_MSG(pc.rows == 4 && pc.parsed == 4, "%d of %d stored configurations parse back", pc.parsed, pc.rows);
    CHECK_MSG(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(sum.evaluated == 0 && sum.resumed == 4, "again: evaluated %llu, resumed %llu",
              (unsigned long long)sum.evaluated, (unsigned long long)sum.resumed);
}

static void test_data_hash(void)
{
    char a[17], b[17], c[17], d[17], err[256];
    kiln_eval_release_cache();
    CHECK(kiln_eval_data_hash(&shift, &shift.default_size, 1, a, err, sizeof err) == 0);
    kiln_eval_release_cache();
    CHECK(kiln_eval_data_hash(&shift, &shift.default_size, 1, b, err, sizeof err) == 0);
    CHECK(strlen(a) == 16 && strcmp(a, b) == 0);
    kiln_kernel other = shift;
    other.reference = once_reference; /* same layout of "out" and "in", no magnitudes */
    other.args = (const kiln_arg_info[]){SHIFT_ARGS};
    CHECK(kiln_eval_data_hash(&other, &shift.default_size, 1, c, err, sizeof err) == -1); /* no 'runs' */
    kiln_kernel sized = shift;
    sized.default_size.d[0] = 999;
    CHECK(kiln_eval_data_hash(&sized, &sized.default_size, 1, d, err, sizeof err) == 0);
    CHECK(strcmp(a, d) != 0);
    CHECK(kiln_eval_data_hash(&ints, &ints.default_size, 1, c, err, sizeof err) == 0);
    CHECK(kiln_eval_data_hash(&ints, &ints.default_size, 2, d, err, sizeof err) == 0);
    CHECK(strcmp(c, d) != 0); /* another seed, other inputs */
    kiln_eval_release_cache();
}

/* Evaluates one configuration of shift on the data kept from the last call. */
static kiln_verdict evaluate_kept(kiln_rt *rt, const char *setting, kiln_eval *ev)
{
    kiln_tune_opts o;
    char err[512] = "";
    opts_for(&o, &shift, 0);
    kiln_config c = config_of(&shift, setting);
    memset(ev, 0, sizeof *ev);
    int rc = kiln_evaluate(rt, &shift, &c, &shift.default_size, &o, ev, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    return ev->verdict;
}

/* 1 when the kept buffer of shift's `in` holds the inputs as generated. */
static int kept_in_intact(kiln_rt *rt)
{
    static float back[1000];
    kiln_buf *in = kiln_eval_kept_buf(rt, 2);
    if (!in || kiln_buf_read(rt, in, back, sizeof back) != 0)
        return 0;
    for (int i = 0; i < 1000; i++)
        if (back[i] != (i % 2 ? 1.75f : 1.5f))
            return 0;
    return 1;
}

/* The device buffers are kept across variants: the inputs go up once; a
 * variant found wrong on inputs that another variant ran on (and wrote
 * into, here by hand) is measured again on inputs uploaded anew, which is
 * its verdict; after a variant that is not right nothing is kept. */
static void test_kept_buffers(kiln_rt *rt)
{
    kiln_eval ev;
    kiln_eval_release_cache();
    kiln_eval_release_device(rt);
    CHECK(evaluate_kept(rt, "ulps=0", &ev) == KILN_OK);
    kiln_eval_clear(&ev);
    kiln_buf *in = kiln_eval_kept_buf(rt, 2);
    CHECK(in != NULL && kiln_eval_kept_buf(rt, 0) == NULL && kept_in_intact(rt));
    CHECK(evaluate_kept(rt, "ulps=2", &ev) == KILN_OK);
    kiln_eval_clear(&ev);
    CHECK_MSG(kiln_eval_kept_buf(rt, 2) == in, "the inputs were not kept across variants");
    /* an earlier variant's stray writes into the input */
    float nan = NAN;
    CHECK(kiln_buf_fill(rt, in, &nan, sizeof nan, 1000 * sizeof(float)) == 0);
    kiln_verdict v = evaluate_kept(rt, "ulps=0", &ev);
    CHECK_MSG(v == KILN_OK, "an innocent variant on scribbled inputs: verdict %d, %s", (int)v,
              ev.error_text ? ev.error_text : "");
    kiln_eval_clear(&ev);
    CHECK_MSG(kept_in_intact(rt), "the inputs were not uploaded anew");
    /* wrong on fresh inputs: its own verdict, and nothing is kept after it */
    CHECK(evaluate_kept(rt, "ulps=3", &ev) == KILN_WRONG);
    CHECK_STR_CONTAINS(ev.error_text ? ev.error_text : "", "output 'out' of the first run");
    kiln_eval_clear(&ev);
    CHECK_MSG(kiln_eval_kept_buf(rt, 2) == NULL, "buffers kept after a wrong variant");
    /* the next variant uploads the inputs anew */
    CHECK(evaluate_kept(rt, "ulps=0", &ev) == KILN_OK);
    kiln_eval_clear(&ev);
    CHECK(kept_in_intact(rt));
    kiln_eval_release_cache();
    kiln_eval_release_device(rt);
    CHECK(kiln_eval_kept_buf(rt, 2) == NULL);
}

/* ---- late_hang: wrong on its first run, never ending on the timed ones
 * (it spins while its output holds the second poison, 0x5A bytes) */

static size_t two(const kiln_size *size)
{
    (void)size;
    return 2;
}

static kiln_proc *late_hang_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)cfg;
    (void)size;
    kiln_kernel_begin(ctx, "late_hang");
    kiln_var *out = kiln_arg_array(ctx, "out", KILN_T(I32), KILN_OUT, kiln_int(ctx, 2));
    kiln_var *k = kiln_decl(ctx, "k", KILN_T(I32), kiln_int(ctx, 0));
    kiln_while_begin(ctx, kiln_bin(ctx, KILN_AND, kiln_bin(ctx, KILN_GE, kiln_ref(ctx, k), kiln_int(ctx, 0)),
                                   kiln_eq(ctx, kiln_at(ctx, out, kiln_int(ctx, 0)), kiln_int(ctx, 0x5A5A5A5A))));
    kiln_assign(ctx, kiln_at(ctx, out, kiln_int(ctx, 1)), kiln_ref(ctx, k));
    kiln_assign(ctx, kiln_ref(ctx, k),
                kiln_bin(ctx, KILN_BAND, kiln_add(ctx, kiln_ref(ctx, k), kiln_int(ctx, 1)), kiln_int(ctx, 0xffff)));
    kiln_while_end(ctx);
    kiln_assign(ctx, kiln_at(ctx, out, kiln_int(ctx, 0)), kiln_int(ctx, 8));
    kiln_assign(ctx, kiln_at(ctx, out, kiln_int(ctx, 1)), kiln_int(ctx, 8));
    return kiln_proc_end(ctx);
}

static void late_hang_inputs(kiln_args *a, uint64_t seed)
{
    (void)a;
    (void)seed;
}

static void late_hang_reference(kiln_args *a)
{
    int32_t *want = kiln_args_exact(a, "out");
    want[0] = want[1] = 7;
}

static void geometry_one(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    (void)cfg;
    (void)size;
    *geo = (kiln_geometry){1, {1, 1, 1}, {1, 1, 1}};
}

static const kiln_kernel late_hang = {
    .name = "late_hang",
    KILN_ARGS({"out", KILN_I32, KILN_OUT, 0, two, 0}),
    .default_size = {1, {2, 1, 1}},
    .langs = 1u << KILN_LANG_C,
    .build = late_hang_build,
    .inputs = late_hang_inputs,
    .reference = late_hang_reference,
    .geometry = geometry_one,
};

/* A variant wrong on its first run whose timed runs never end: compared
 * here, it is wrong before any timed run; compared apart (the timed runs
 * go while the comparison does), the run that did not end is the verdict,
 * for that is what the device is left with. */
static void test_wrong_then_hang(kiln_rt *rt)
{
    char text[1024];
    kiln_eval ev;
    memset(&ev, 0, sizeof ev);
    const char *apart = getenv("KILN_COMPARE_APART");
    int compared_apart = apart && strcmp(apart, "1") == 0;
    kiln_rt_set_timeout(rt, 300);
    kiln_verdict v = evaluate(rt, &late_hang, NULL, &ev, text, sizeof text);
    kiln_rt_set_timeout(rt, 10000);
    if (compared_apart)
        CHECK_MSG(v == KILN_TIMEOUT, "compared apart: verdict %d: %s", (int)v, text);
    else
        CHECK_MSG(v == KILN_WRONG && strstr(text, "of the first run"), "verdict %d: %s", (int)v, text);
    kiln_eval_clear(&ev);
}

int main(void)
{
    char dir[] = "kiln-contract-XXXXXX", err[512];
    kiln_rt *rt;
    kiln_db *db;
    CHECK_MSG(tune_util_open(dir, &rt, &db, err, sizeof err) == 0, "%s", err);
    if (rt && db) {
        test_contract(rt, db);
        test_thresholds(rt);
        test_integers_and_timed_runs(rt);
        test_no_fixed_limits(rt, db);
        test_kept_buffers(rt);
        test_wrong_then_hang(rt);
        test_data_hash();
    }
    kiln_eval_release_cache();
    if (db)
        kiln_db_close(db);
    if (rt)
        kiln_rt_close(rt);
    CHECK(test_scratch_remove(dir) == 0);
    CHECK_DONE();
}
