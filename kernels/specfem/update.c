/*
 * update.c: SPECFEM3D's Newmark time-scheme kernels on the global fields
 * (nglob points, 3 components interleaved):
 *   update_disp_veloc: u += dt v + dt^2/2 a; v += dt/2 a; a = 0  (predictor)
 *   update_accel:      a *= rmass (the inverse of the diagonal mass), per point
 *   update_veloc:      v += dt/2 a                               (corrector)
 * The field kernels handle `vec` consecutive values per work-item (3 nglob is
 * odd, so the item after the last whole vector does the rest one by one);
 * update_accel handles one point (3 values) per work-item.
 */
#include <math.h>
#include <string.h>
#include "kernels/specfem/specfem_int.h"

#define DT 1e-3 /* the inputs' time step, seconds */

static double field_bytes(const kiln_size *size, double arrays_moved)
{
    return arrays_moved * 4.0 * (double)specfem_count_field(size);
}

/* What one field kernel writes for lanes values at index idx. */
typedef void (*field_body)(kiln_ctx *ctx, kiln_var *const *arg, int lanes, kiln_var *at);

/* The field kernel skeleton: args n, then `narrays` f32 arrays of n (inout),
 * then the named f32 scalars; body(lanes) for each whole vector and body(1)
 * for the remainder. */
static kiln_proc *field_build(kiln_ctx *ctx, const kiln_config *cfg, const char *name, int narrays,
                              const char *const *arrays, int nscalars, const char *const *scalars, field_body body)
{
    int vec = (int)kiln_config_get(cfg, "vec", 1), wg = (int)kiln_config_get(cfg, "wg", 128);
    kiln_proc *proc = kiln_kernel_begin(ctx, name);
    kiln_proc_reqd_wg(proc, wg, 1, 1);
    kiln_var *arg[8];
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    for (int a = 0; a < narrays; a++)
        arg[a] = kiln_arg_array(ctx, arrays[a], KILN_T(F32), KILN_INOUT, kiln_ref(ctx, n));
    for (int s = 0; s < nscalars; s++)
        arg[narrays + s] = kiln_arg_scalar(ctx, scalars[s], KILN_T(F32));
    kiln_comment(ctx, "vec %d, wg %d", vec, wg);
    kiln_var *gid = kiln_decl_const(ctx, "gid", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 0)));
    kiln_var *whole = kiln_decl_const(ctx, "whole", KILN_T(I32), kiln_divi(ctx, kiln_ref(ctx, n), vec));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, gid), kiln_ref(ctx, whole)));
    kiln_var *at = kiln_decl_const(ctx, "at", KILN_T(I32), kiln_muli(ctx, kiln_ref(ctx, gid), vec));
    body(ctx, arg, vec, at);
    kiln_else(ctx);
    if (vec > 1) {
        kiln_if_begin(ctx, kiln_eq(ctx, kiln_ref(ctx, gid), kiln_ref(ctx, whole)));
        kiln_var *r =
            kiln_for_begin(ctx, "r", kiln_muli(ctx, kiln_ref(ctx, whole), vec), kiln_ref(ctx, n), kiln_int(ctx, 1));
        body(ctx, arg, 1, r);
        kiln_for_end(ctx);
        kiln_if_end(ctx);
    }
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void field_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    size_t vec = (size_t)kiln_config_get(cfg, "vec", 1), wg = (size_t)kiln_config_get(cfg, "wg", 128);
    size_t items = specfem_count_field(size) / vec + 1;
    *geo = (kiln_geometry){1, {(items + wg - 1) / wg * wg, 1, 1}, {wg, 1, 1}};
}

static void field_inputs(kiln_args *args, uint64_t seed, int narrays, const char *const *arrays, double scale)
{
    size_t n = specfem_count_field(kiln_args_size(args));
    *(int32_t *)kiln_args_ptr(args, "n") = (int32_t)n;
    for (int a = 0; a < narrays; a++) {
        float *x = kiln_args_ptr(args, arrays[a]);
        for (size_t i = 0; i < n; i++)
            x[i] = (float)kiln_rand_uniform(&seed, -scale, scale);
    }
}

/* ---- update_disp_veloc ------------------------------------------------ */

static const char *const dv_arrays[] = {"displ", "veloc", "accel"};
static const char *const dv_scalars[] = {"deltat", "deltatsqover2", "deltatover2"};

static void dv_body(kiln_ctx *ctx, kiln_var *const *arg, int lanes, kiln_var *at)
{
    kiln_type t = KILN_V(F32, lanes);
    kiln_var *u = arg[0], *v = arg[1], *a = arg[2];
    kiln_var *vv = kiln_decl_const(ctx, "v", t, kiln_vload(ctx, lanes, v, kiln_ref(ctx, at)));
    kiln_var *av = kiln_decl_const(ctx, "a", t, kiln_vload(ctx, lanes, a, kiln_ref(ctx, at)));
    kiln_node *du = kiln_add(ctx, kiln_mul(ctx, kiln_cast(ctx, t, kiln_ref(ctx, arg[3])), kiln_ref(ctx, vv)),
                             kiln_mul(ctx, kiln_cast(ctx, t, kiln_ref(ctx, arg[4])), kiln_ref(ctx, av)));
    kiln_vstore(ctx, u, kiln_ref(ctx, at), kiln_add(ctx, kiln_vload(ctx, lanes, u, kiln_ref(ctx, at)), du));
    kiln_vstore(
        ctx, v, kiln_ref(ctx, at),
        kiln_add(ctx, kiln_ref(ctx, vv), kiln_mul(ctx, kiln_cast(ctx, t, kiln_ref(ctx, arg[5])), kiln_ref(ctx, av))));
    kiln_vstore(ctx, a, kiln_ref(ctx, at), kiln_cast(ctx, t, kiln_flt(ctx, 0.0)));
}

static kiln_proc *dv_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    return field_build(ctx, cfg, "specfem_update_disp_veloc", 3, dv_arrays, 3, dv_scalars, dv_body);
}

static void dt_scalars(kiln_args *args)
{
    *(float *)kiln_args_ptr(args, "deltat") = (float)DT;
    *(float *)kiln_args_ptr(args, "deltatsqover2") = (float)(DT * DT / 2);
    *(float *)kiln_args_ptr(args, "deltatover2") = (float)(DT / 2);
}

static void dv_inputs(kiln_args *args, uint64_t seed)
{
    field_inputs(args, seed, 3, dv_arrays, 1.0);
    dt_scalars(args);
}

static void dv_reference(kiln_args *args)
{
    size_t n = specfem_count_field(kiln_args_size(args));
    const float *u = kiln_args_ptr(args, "displ"), *v = kiln_args_ptr(args, "veloc"), *a = kiln_args_ptr(args, "accel");
    double dt = *(float *)kiln_args_ptr(args, "deltat"), dt2 = *(float *)kiln_args_ptr(args, "deltatsqover2");
    double dt_2 = *(float *)kiln_args_ptr(args, "deltatover2");
    double *wu = kiln_args_want(args, "displ"), *mu = kiln_args_magnitude(args, "displ", 3);
    double *wv = kiln_args_want(args, "veloc"), *mv = kiln_args_magnitude(args, "veloc", 2);
    double *wa = kiln_args_want(args, "accel");
    for (size_t i = 0; i < n; i++) {
        wu[i] = u[i] + dt * v[i] + dt2 * a[i];
        mu[i] = fabs(u[i]) + fabs(dt * v[i]) + fabs(dt2 * a[i]);
        wv[i] = v[i] + dt_2 * a[i];
        mv[i] = fabs(v[i]) + fabs(dt_2 * a[i]);
        wa[i] = 0.0;
    }
}

#define FIELD_PARAMS                                                                                                   \
    KILN_PARAMS(                                                                                                       \
        {.name = "vec", .help = "values per work-item (vloadN/vstoreN)", KILN_VALUES(1, 2, 4, 8), .default_value = 1}, \
        {.name = "wg", .help = "work-group size", KILN_VALUES(64, 128, 256), .default_value = 128})

static double dv_flops(const kiln_size *size)
{
    return 6.0 * (double)specfem_count_field(size);
}

/* reads u, v, a; writes u, v, a */
static double dv_bytes(const kiln_size *size)
{
    return field_bytes(size, 6.0);
}

const kiln_kernel kiln_kernel_specfem_update_disp_veloc = {
    .name = "specfem.update_disp_veloc",
    .summary = "SPECFEM3D Newmark predictor u += dt v + dt^2/2 a, v += dt/2 a, a = 0 (f32)",
    KILN_ARGS({"n", KILN_I32, KILN_IN, 1, NULL, 0}, {"displ", KILN_F32, KILN_INOUT, 0, specfem_count_field, 0},
              {"veloc", KILN_F32, KILN_INOUT, 0, specfem_count_field, 0},
              {"accel", KILN_F32, KILN_INOUT, 0, specfem_count_field, 0}, {"deltat", KILN_F32, KILN_IN, 1, NULL, 0},
              {"deltatsqover2", KILN_F32, KILN_IN, 1, NULL, 0}, {"deltatover2", KILN_F32, KILN_IN, 1, NULL, 0}),
    FIELD_PARAMS,
    .default_size = {3, {32, 32, 32}},
    SPECFEM_CONSTRAINTS,
    .langs = SPECFEM_LANGS,
    .build = dv_build,
    .inputs = dv_inputs,
    .reference = dv_reference,
    .geometry = field_geometry,
    .flops = dv_flops,
    .bytes = dv_bytes,
};

/* ---- update_veloc ----------------------------------------------------- */

static const char *const v_arrays[] = {"veloc", "accel"};
static const char *const v_scalars[] = {"deltatover2"};

static void v_body(kiln_ctx *ctx, kiln_var *const *arg, int lanes, kiln_var *at)
{
    kiln_type t = KILN_V(F32, lanes);
    kiln_vstore(ctx, arg[0], kiln_ref(ctx, at),
                kiln_add(ctx, kiln_vload(ctx, lanes, arg[0], kiln_ref(ctx, at)),
                         kiln_mul(ctx, kiln_cast(ctx, t, kiln_ref(ctx, arg[2])),
                                  kiln_vload(ctx, lanes, arg[1], kiln_ref(ctx, at)))));
}

static kiln_proc *v_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    return field_build(ctx, cfg, "specfem_update_veloc", 2, v_arrays, 1, v_scalars, v_body);
}

static void v_inputs(kiln_args *args, uint64_t seed)
{
    field_inputs(args, seed, 2, v_arrays, 1.0);
    *(float *)kiln_args_ptr(args, "deltatover2") = (float)(DT / 2);
}

static void v_reference(kiln_args *args)
{
    size_t n = specfem_count_field(kiln_args_size(args));
    const float *v = kiln_args_ptr(args, "veloc"), *a = kiln_args_ptr(args, "accel");
    double dt_2 = *(float *)kiln_args_ptr(args, "deltatover2");
    double *wv = kiln_args_want(args, "veloc"), *mv = kiln_args_magnitude(args, "veloc", 2);
    double *wa = kiln_args_want(args, "accel");
    for (size_t i = 0; i < n; i++) {
        wv[i] = v[i] + dt_2 * a[i];
        mv[i] = fabs(v[i]) + fabs(dt_2 * a[i]);
        wa[i] = a[i];
    }
}

static double v_flops(const kiln_size *size)
{
    return 2.0 * (double)specfem_count_field(size);
}

static double v_bytes(const kiln_size *size)
{
    return field_bytes(size, 3.0);
}

const kiln_kernel kiln_kernel_specfem_update_veloc = {
    .name = "specfem.update_veloc",
    .summary = "SPECFEM3D Newmark corrector v += dt/2 a (f32)",
    KILN_ARGS({"n", KILN_I32, KILN_IN, 1, NULL, 0}, {"veloc", KILN_F32, KILN_INOUT, 0, specfem_count_field, 0},
              {"accel", KILN_F32, KILN_INOUT, 0, specfem_count_field, 0},
              {"deltatover2", KILN_F32, KILN_IN, 1, NULL, 0}),
    FIELD_PARAMS,
    .default_size = {3, {32, 32, 32}},
    SPECFEM_CONSTRAINTS,
    .langs = SPECFEM_LANGS,
    .build = v_build,
    .inputs = v_inputs,
    .reference = v_reference,
    .geometry = field_geometry,
    .flops = v_flops,
    .bytes = v_bytes,
};

/* ---- update_accel ----------------------------------------------------- */

static kiln_proc *a_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    int wg = (int)kiln_config_get(cfg, "wg", 128);
    kiln_proc *proc = kiln_kernel_begin(ctx, "specfem_update_accel");
    kiln_proc_reqd_wg(proc, wg, 1, 1);
    kiln_var *nglob = kiln_arg_scalar(ctx, "nglob", KILN_T(I32));
    kiln_var *accel = kiln_arg_array(ctx, "accel", KILN_T(F32), KILN_INOUT, kiln_muli(ctx, kiln_ref(ctx, nglob), 3));
    kiln_var *rmass = kiln_arg_array(ctx, "rmass", KILN_T(F32), KILN_IN, kiln_ref(ctx, nglob));
    kiln_var *gid = kiln_decl_const(ctx, "gid", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 0)));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, gid), kiln_ref(ctx, nglob)));
    kiln_var *r = kiln_decl_const(ctx, "r", KILN_T(F32), kiln_at(ctx, rmass, kiln_ref(ctx, gid)));
    for (int c = 0; c < 3; c++)
        kiln_assign_op(ctx, KILN_MUL, kiln_at(ctx, accel, kiln_addi(ctx, kiln_muli(ctx, kiln_ref(ctx, gid), 3), c)),
                       kiln_ref(ctx, r));
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void a_inputs(kiln_args *args, uint64_t seed)
{
    size_t n = specfem_count_nglob(kiln_args_size(args));
    float *a = kiln_args_ptr(args, "accel"), *r = kiln_args_ptr(args, "rmass");
    *(int32_t *)kiln_args_ptr(args, "nglob") = (int32_t)n;
    for (size_t i = 0; i < n; i++) {
        r[i] = (float)kiln_rand_uniform(&seed, 1e-9, 1e-7);
        for (int c = 0; c < 3; c++)
            a[i * 3 + (size_t)c] = (float)kiln_rand_uniform(&seed, -1e6, 1e6);
    }
}

static void a_reference(kiln_args *args)
{
    size_t n = specfem_count_nglob(kiln_args_size(args));
    const float *a = kiln_args_ptr(args, "accel"), *r = kiln_args_ptr(args, "rmass");
    double *w = kiln_args_want(args, "accel");
    for (size_t i = 0; i < n * 3; i++)
        w[i] = (double)a[i] * r[i / 3];
}

static void a_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    size_t wg = (size_t)kiln_config_get(cfg, "wg", 128), n = specfem_count_nglob(size);
    *geo = (kiln_geometry){1, {(n + wg - 1) / wg * wg, 1, 1}, {wg, 1, 1}};
}

static double a_flops(const kiln_size *size)
{
    return (double)specfem_count_field(size);
}

/* reads a and rmass, writes a */
static double a_bytes(const kiln_size *size)
{
    return field_bytes(size, 2.0) + 4.0 * (double)specfem_count_nglob(size);
}

const kiln_kernel kiln_kernel_specfem_update_accel = {
    .name = "specfem.update_accel",
    .summary = "SPECFEM3D a *= rmass (inverse diagonal mass) per global point (f32)",
    KILN_ARGS({"nglob", KILN_I32, KILN_IN, 1, NULL, 0}, {"accel", KILN_F32, KILN_INOUT, 0, specfem_count_field, 0},
              {"rmass", KILN_F32, KILN_IN, 0, specfem_count_nglob, 0}),
    KILN_PARAMS({.name = "wg", .help = "work-group size", KILN_VALUES(64, 128, 256), .default_value = 128}),
    .default_size = {3, {32, 32, 32}},
    SPECFEM_CONSTRAINTS,
    .langs = SPECFEM_LANGS,
    .build = a_build,
    .inputs = a_inputs,
    .reference = a_reference,
    .geometry = a_geometry,
    .flops = a_flops,
    .bytes = a_bytes,
};
