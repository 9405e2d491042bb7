/*
 * boundary.c: SPECFEM3D's kernels on parts of the mesh (f32):
 *   prepare_boundary:  send[q][c] = accel[interface[q]][c]   (MPI send buffer)
 *   assemble_boundary: accel[interface[q]][c] += recv[q][c]  (atomically: a
 *                      point may sit on several interfaces)
 *   stacey:            absorbing faces: at each face point, with v the
 *                      velocity and n the outward normal, the traction
 *                      t = rho vp (v.n) n + rho vs (v - (v.n) n) times the
 *                      2-D Jacobian and the GLL weights is taken from accel
 *                      (atomically: faces share edge points)
 *   add_sources:       accel[ibool(ispec_src, p)] += stf * sourcearray[p]
 * The interface, the faces and the source come from the mesh of mesh.h.
 */
#include <math.h>
#include <string.h>
#include "kernels/specfem/specfem_int.h"

static kiln_node *field_at(kiln_ctx *ctx, kiln_var *field, kiln_node *point, int c)
{
    return kiln_at(ctx, field, kiln_addi(ctx, kiln_muli(ctx, point, 3), c));
}

static void wg_geometry(size_t items, size_t wg, kiln_geometry *geo)
{
    *geo = (kiln_geometry){1, {(items + wg - 1) / wg * wg, 1, 1}, {wg, 1, 1}};
}

/* ---- prepare_boundary / assemble_boundary ----------------------------- */

static kiln_proc *exchange_build(kiln_ctx *ctx, const kiln_config *cfg, int assemble)
{
    int wg = (int)kiln_config_get(cfg, "wg", 128);
    kiln_proc *proc = kiln_kernel_begin(ctx, assemble ? "specfem_assemble_boundary" : "specfem_prepare_boundary");
    kiln_proc_reqd_wg(proc, wg, 1, 1);
    kiln_var *npts = kiln_arg_scalar(ctx, "ninterface", KILN_T(I32));
    kiln_var *nglob = kiln_arg_scalar(ctx, "nglob", KILN_T(I32));
    kiln_var *accel = kiln_arg_array(ctx, "accel", KILN_T(F32), assemble ? KILN_INOUT : KILN_IN,
                                     kiln_muli(ctx, kiln_ref(ctx, nglob), 3));
    kiln_var *iface = kiln_arg_array(ctx, "interface", KILN_T(I32), KILN_IN, kiln_ref(ctx, npts));
    kiln_var *buf = kiln_arg_array(ctx, assemble ? "recv" : "send", KILN_T(F32), assemble ? KILN_IN : KILN_OUT,
                                   kiln_muli(ctx, kiln_ref(ctx, npts), 3));
    kiln_var *q = kiln_decl_const(ctx, "q", KILN_T(I32), kiln_cast(ctx, KILN_T(I32), kiln_global_id(ctx, 0)));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, q), kiln_ref(ctx, npts)));
    kiln_var *g = kiln_decl_const(ctx, "g", KILN_T(I32), kiln_at(ctx, iface, kiln_ref(ctx, q)));
    for (int c = 0; c < 3; c++) {
        if (assemble)
            kiln_atomic_add(ctx, field_at(ctx, accel, kiln_ref(ctx, g), c), field_at(ctx, buf, kiln_ref(ctx, q), c));
        else
            kiln_assign(ctx, field_at(ctx, buf, kiln_ref(ctx, q), c), field_at(ctx, accel, kiln_ref(ctx, g), c));
    }
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static kiln_proc *prepare_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    return exchange_build(ctx, cfg, 0);
}

static kiln_proc *assemble_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    return exchange_build(ctx, cfg, 1);
}

/* Integer-valued data, so that gathering and adding back are exact. */
static void exchange_inputs(kiln_args *args, uint64_t seed, int assemble)
{
    const kiln_size *size = kiln_args_size(args);
    specfem_mesh *m = specfem_mesh_of(size, seed);
    if (!m)
        return;
    *(int32_t *)kiln_args_ptr(args, "ninterface") = m->ninterface;
    *(int32_t *)kiln_args_ptr(args, "nglob") = m->nglob;
    memcpy(kiln_args_ptr(args, "interface"), m->interface, (size_t)m->ninterface * sizeof(int32_t));
    float *accel = kiln_args_ptr(args, "accel");
    for (size_t i = 0; i < (size_t)m->nglob * 3; i++)
        accel[i] = (float)(int)kiln_rand_uniform(&seed, -1000.0, 1000.0);
    if (assemble) {
        float *recv = kiln_args_ptr(args, "recv");
        for (size_t i = 0; i < (size_t)m->ninterface * 3; i++)
            recv[i] = (float)(int)kiln_rand_uniform(&seed, -1000.0, 1000.0);
    }
    specfem_mesh_free(m);
}

static void prepare_inputs(kiln_args *args, uint64_t seed)
{
    exchange_inputs(args, seed, 0);
}

static void assemble_inputs(kiln_args *args, uint64_t seed)
{
    exchange_inputs(args, seed, 1);
}

/* Both are exact on integer data: the tolerance is 0. */
static void exchange_reference(kiln_args *args, int assemble)
{
    const kiln_size *size = kiln_args_size(args);
    size_t np = specfem_count_interface(size), nf = specfem_count_field(size);
    const int32_t *iface = kiln_args_ptr(args, "interface");
    const float *accel = kiln_args_ptr(args, "accel");
    double *want = kiln_args_want(args, assemble ? "accel" : "send");
    if (assemble) {
        const float *recv = kiln_args_ptr(args, "recv");
        for (size_t i = 0; i < nf; i++)
            want[i] = accel[i];
        for (size_t q = 0; q < np; q++)
            for (size_t c = 0; c < 3; c++)
                want[(size_t)iface[q] * 3 + c] += recv[q * 3 + c];
    } else {
        for (size_t q = 0; q < np; q++)
            for (size_t c = 0; c < 3; c++)
                want[q * 3 + c] = accel[(size_t)iface[q] * 3 + c];
    }
}

static void prepare_reference(kiln_args *args)
{
    exchange_reference(args, 0);
}

static void assemble_reference(kiln_args *args)
{
    exchange_reference(args, 1);
}

static void exchange_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    wg_geometry(specfem_count_interface(size), (size_t)kiln_config_get(cfg, "wg", 128), geo);
}

static double exchange_bytes(const kiln_size *size)
{
    return (double)specfem_count_interface(size) * (4.0 + 2.0 * 12.0);
}

/* Exact comparison: any nonzero bound would let an off-by-one integer pass. */
#define EXACT 1e-300

const kiln_kernel kiln_kernel_specfem_prepare_boundary = {
    .name = "specfem.prepare_boundary",
    .summary = "SPECFEM3D interface accelerations into a send buffer (f32)",
    KILN_ARGS({"ninterface", KILN_I32, KILN_IN, 1, NULL, 0}, {"nglob", KILN_I32, KILN_IN, 1, NULL, 0},
              {"accel", KILN_F32, KILN_IN, 0, specfem_count_field, 0},
              {"interface", KILN_I32, KILN_IN, 0, specfem_count_interface, 0},
              {"send", KILN_F32, KILN_OUT, 0, specfem_count_interface_field, EXACT}),
    KILN_PARAMS({.name = "wg", .help = "work-group size", KILN_VALUES(64, 128, 256), .default_value = 128}),
    .default_size = {3, {16, 16, 16}},
    SPECFEM_CONSTRAINTS,
    .langs = SPECFEM_LANGS,
    .build = prepare_build,
    .inputs = prepare_inputs,
    .reference = prepare_reference,
    .geometry = exchange_geometry,
    .bytes = exchange_bytes,
};

const kiln_kernel kiln_kernel_specfem_assemble_boundary = {
    .name = "specfem.assemble_boundary",
    .summary = "SPECFEM3D received interface accelerations added back, atomically (f32)",
    KILN_ARGS({"ninterface", KILN_I32, KILN_IN, 1, NULL, 0}, {"nglob", KILN_I32, KILN_IN, 1, NULL, 0},
              {"accel", KILN_F32, KILN_INOUT, 0, specfem_count_field, EXACT},
              {"interface", KILN_I32, KILN_IN, 0, specfem_count_interface, 0},
              {"recv", KILN_F32, KILN_IN, 0, specfem_count_interface_field, 0}),
    KILN_PARAMS({.name = "wg", .help = "work-group size", KILN_VALUES(64, 128, 256), .default_value = 128}),
    .default_size = {3, {16, 16, 16}},
    SPECFEM_CONSTRAINTS,
    .langs = SPECFEM_LANGS,
    .build = assemble_build,
    .inputs = assemble_inputs,
    .reference = assemble_reference,
    .geometry = exchange_geometry,
    .bytes = exchange_bytes,
};

/* ---- stacey ----------------------------------------------------------- */

static kiln_proc *stacey_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    int fpg = (int)kiln_config_get(cfg, "fpg", 1), wg = 32 * fpg;
    kiln_type f32 = KILN_T(F32), i32 = KILN_T(I32);
    kiln_proc *proc = kiln_kernel_begin(ctx, "specfem_stacey");
    kiln_proc_reqd_wg(proc, wg, 1, 1);
    kiln_var *nfaces = kiln_arg_scalar(ctx, "nfaces", i32);
    kiln_var *nspec = kiln_arg_scalar(ctx, "nspec", i32), *nglob = kiln_arg_scalar(ctx, "nglob", i32);
    kiln_node *nfp = kiln_muli(ctx, kiln_ref(ctx, nfaces), SPECFEM_NGLL2);
    kiln_var *fispec = kiln_arg_array(ctx, "face_ispec", i32, KILN_IN, kiln_ref(ctx, nfaces));
    kiln_var *fijk = kiln_arg_array(ctx, "face_ijk", i32, KILN_IN, nfp);
    kiln_var *fnormal = kiln_arg_array(ctx, "face_normal", f32, KILN_IN,
                                       kiln_muli(ctx, kiln_muli(ctx, kiln_ref(ctx, nfaces), SPECFEM_NGLL2), 3));
    kiln_var *fjacw =
        kiln_arg_array(ctx, "face_jacw", f32, KILN_IN, kiln_muli(ctx, kiln_ref(ctx, nfaces), SPECFEM_NGLL2));
    kiln_var *ibool =
        kiln_arg_array(ctx, "ibool", i32, KILN_IN, kiln_muli(ctx, kiln_ref(ctx, nspec), SPECFEM_NGLL3_PADDED));
    kiln_var *veloc = kiln_arg_array(ctx, "veloc", f32, KILN_IN, kiln_muli(ctx, kiln_ref(ctx, nglob), 3));
    kiln_var *accel = kiln_arg_array(ctx, "accel", f32, KILN_INOUT, kiln_muli(ctx, kiln_ref(ctx, nglob), 3));
    kiln_var *rvp =
        kiln_arg_array(ctx, "rho_vp", f32, KILN_IN, kiln_muli(ctx, kiln_ref(ctx, nspec), SPECFEM_NGLL3_PADDED));
    kiln_var *rvs =
        kiln_arg_array(ctx, "rho_vs", f32, KILN_IN, kiln_muli(ctx, kiln_ref(ctx, nspec), SPECFEM_NGLL3_PADDED));
    kiln_comment(ctx, "%d face(s) per work-group of %d", fpg, wg);
    kiln_var *lid = kiln_decl_const(ctx, "lid", i32, kiln_cast(ctx, i32, kiln_local_id(ctx, 0)));
    kiln_var *q = kiln_decl_const(ctx, "q", i32, kiln_mod(ctx, kiln_ref(ctx, lid), kiln_int(ctx, 32)));
    kiln_var *f = kiln_decl_const(ctx, "f", i32,
                                  kiln_add(ctx, kiln_muli(ctx, kiln_cast(ctx, i32, kiln_group_id(ctx, 0)), fpg),
                                           kiln_div(ctx, kiln_ref(ctx, lid), kiln_int(ctx, 32))));
    kiln_if_begin(ctx, kiln_and(ctx, kiln_lt(ctx, kiln_ref(ctx, q), kiln_int(ctx, SPECFEM_NGLL2)),
                                kiln_lt(ctx, kiln_ref(ctx, f), kiln_ref(ctx, nfaces))));
    kiln_var *fp = kiln_decl_const(ctx, "fp", i32,
                                   kiln_add(ctx, kiln_muli(ctx, kiln_ref(ctx, f), SPECFEM_NGLL2), kiln_ref(ctx, q)));
    kiln_var *o =
        kiln_decl_const(ctx, "o", i32,
                        kiln_add(ctx, kiln_muli(ctx, kiln_at(ctx, fispec, kiln_ref(ctx, f)), SPECFEM_NGLL3_PADDED),
                                 kiln_at(ctx, fijk, kiln_ref(ctx, fp))));
    kiln_var *g = kiln_decl_const(ctx, "g", i32, kiln_at(ctx, ibool, kiln_ref(ctx, o)));
    kiln_var *v[3], *n[3];
    static const char *const vn[3] = {"vx", "vy", "vz"}, *const nn[3] = {"nx", "ny", "nz"};
    for (int c = 0; c < 3; c++) {
        v[c] = kiln_decl_const(ctx, vn[c], f32, field_at(ctx, veloc, kiln_ref(ctx, g), c));
        n[c] = kiln_decl_const(ctx, nn[c], f32, field_at(ctx, fnormal, kiln_ref(ctx, fp), c));
    }
    kiln_var *vdotn = kiln_decl_const(ctx, "vn", f32,
                                      kiln_sum(ctx, kiln_mul(ctx, kiln_ref(ctx, v[0]), kiln_ref(ctx, n[0])),
                                               kiln_mul(ctx, kiln_ref(ctx, v[1]), kiln_ref(ctx, n[1])),
                                               kiln_mul(ctx, kiln_ref(ctx, v[2]), kiln_ref(ctx, n[2]))));
    kiln_var *rp = kiln_decl_const(ctx, "rp", f32, kiln_at(ctx, rvp, kiln_ref(ctx, o)));
    kiln_var *rs = kiln_decl_const(ctx, "rs", f32, kiln_at(ctx, rvs, kiln_ref(ctx, o)));
    kiln_var *w = kiln_decl_const(ctx, "w", f32, kiln_at(ctx, fjacw, kiln_ref(ctx, fp)));
    for (int c = 0; c < 3; c++) {
        kiln_node *vnn = kiln_mul(ctx, kiln_ref(ctx, vdotn), kiln_ref(ctx, n[c]));
        kiln_node *t = kiln_add(
            ctx, kiln_mul(ctx, kiln_ref(ctx, rp), vnn),
            kiln_mul(ctx, kiln_ref(ctx, rs),
                     kiln_sub(ctx, kiln_ref(ctx, v[c]), kiln_mul(ctx, kiln_ref(ctx, vdotn), kiln_ref(ctx, n[c])))));
        kiln_atomic_add(ctx, field_at(ctx, accel, kiln_ref(ctx, g), c),
                        kiln_neg(ctx, kiln_mul(ctx, t, kiln_ref(ctx, w))));
    }
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void put_f32(float *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)src[i];
}

static void stacey_inputs(kiln_args *args, uint64_t seed)
{
    specfem_mesh *m = specfem_mesh_of(kiln_args_size(args), seed);
    if (!m)
        return;
    size_t nfp = (size_t)m->nfaces * SPECFEM_NGLL2, npts = (size_t)m->nspec * SPECFEM_NGLL3_PADDED;
    *(int32_t *)kiln_args_ptr(args, "nfaces") = m->nfaces;
    *(int32_t *)kiln_args_ptr(args, "nspec") = m->nspec;
    *(int32_t *)kiln_args_ptr(args, "nglob") = m->nglob;
    memcpy(kiln_args_ptr(args, "face_ispec"), m->face_ispec, (size_t)m->nfaces * sizeof(int32_t));
    memcpy(kiln_args_ptr(args, "face_ijk"), m->face_ijk, nfp * sizeof(int32_t));
    memcpy(kiln_args_ptr(args, "ibool"), m->ibool, npts * sizeof(int32_t));
    put_f32(kiln_args_ptr(args, "face_normal"), m->face_normal, nfp * 3);
    put_f32(kiln_args_ptr(args, "face_jacw"), m->face_jacw, nfp);
    put_f32(kiln_args_ptr(args, "rho_vp"), m->rho_vp, npts);
    put_f32(kiln_args_ptr(args, "rho_vs"), m->rho_vs, npts);
    float *v = kiln_args_ptr(args, "veloc"), *a = kiln_args_ptr(args, "accel");
    for (size_t i = 0; i < (size_t)m->nglob * 3; i++) {
        v[i] = (float)kiln_rand_uniform(&seed, -1.0, 1.0);
        a[i] = (float)kiln_rand_uniform(&seed, -1e7, 1e7);
    }
    specfem_mesh_free(m);
}

static void stacey_reference(kiln_args *args)
{
    const kiln_size *size = kiln_args_size(args);
    size_t nf = specfem_count_faces(size), nfield = specfem_count_field(size);
    const int32_t *fispec = kiln_args_ptr(args, "face_ispec"), *fijk = kiln_args_ptr(args, "face_ijk");
    const int32_t *ibool = kiln_args_ptr(args, "ibool");
    const float *fn = kiln_args_ptr(args, "face_normal"), *fw = kiln_args_ptr(args, "face_jacw");
    const float *v = kiln_args_ptr(args, "veloc"), *a = kiln_args_ptr(args, "accel");
    const float *rvp = kiln_args_ptr(args, "rho_vp"), *rvs = kiln_args_ptr(args, "rho_vs");
    double *want = kiln_args_want(args, "accel"), *mag = kiln_args_magnitude(args, "accel", 16);
    for (size_t i = 0; i < nfield; i++) {
        want[i] = a[i];
        mag[i] = fabs(a[i]);
    }
    for (size_t f = 0; f < nf; f++)
        for (size_t q = 0; q < SPECFEM_NGLL2; q++) {
            size_t fp = f * SPECFEM_NGLL2 + q, o = (size_t)fispec[f] * SPECFEM_NGLL3_PADDED + (size_t)fijk[fp];
            size_t g = (size_t)ibool[o];
            const float *n = &fn[fp * 3];
            const float *vg = &v[g * 3];
            double vn = (double)vg[0] * n[0] + (double)vg[1] * n[1] + (double)vg[2] * n[2];
            double vnm = fabs((double)vg[0] * n[0]) + fabs((double)vg[1] * n[1]) + fabs((double)vg[2] * n[2]);
            for (size_t c = 0; c < 3; c++) {
                double t = rvp[o] * vn * n[c] + rvs[o] * (vg[c] - vn * n[c]);
                double tm = rvp[o] * vnm * fabs(n[c]) + rvs[o] * (fabs(vg[c]) + vnm * fabs(n[c]));
                want[g * 3 + c] -= t * fw[fp];
                mag[g * 3 + c] += tm * fw[fp];
            }
        }
}

static void stacey_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    size_t fpg = (size_t)kiln_config_get(cfg, "fpg", 1);
    size_t groups = (specfem_count_faces(size) + fpg - 1) / fpg;
    *geo = (kiln_geometry){1, {groups * 32 * fpg, 1, 1}, {32 * fpg, 1, 1}};
}

/* per face point: v.n 5, three components of 8 (traction 6, weighting and negation 2), assembly 3 */
static double stacey_flops(const kiln_size *size)
{
    return (5.0 + 3.0 * 8.0 + 3.0) * (double)specfem_count_face_points(size);
}

const kiln_kernel kiln_kernel_specfem_stacey = {
    .name = "specfem.stacey",
    .summary = "SPECFEM3D Stacey absorbing boundary on element faces (f32)",
    KILN_ARGS({"nfaces", KILN_I32, KILN_IN, 1, NULL, 0}, {"nspec", KILN_I32, KILN_IN, 1, NULL, 0},
              {"nglob", KILN_I32, KILN_IN, 1, NULL, 0}, {"face_ispec", KILN_I32, KILN_IN, 0, specfem_count_faces, 0},
              {"face_ijk", KILN_I32, KILN_IN, 0, specfem_count_face_points, 0},
              {"face_normal", KILN_F32, KILN_IN, 0, specfem_count_face_field, 0},
              {"face_jacw", KILN_F32, KILN_IN, 0, specfem_count_face_points, 0},
              {"ibool", KILN_I32, KILN_IN, 0, specfem_count_points, 0},
              {"veloc", KILN_F32, KILN_IN, 0, specfem_count_field, 0},
              {"accel", KILN_F32, KILN_INOUT, 0, specfem_count_field, 0},
              {"rho_vp", KILN_F32, KILN_IN, 0, specfem_count_points, 0},
              {"rho_vs", KILN_F32, KILN_IN, 0, specfem_count_points, 0}),
    KILN_PARAMS(
        {.name = "fpg", .help = "faces per work-group (32 work-items each)", KILN_VALUES(1, 2, 4), .default_value = 1}),
    .default_size = {3, {16, 16, 16}},
    SPECFEM_CONSTRAINTS,
    .langs = SPECFEM_LANGS,
    .build = stacey_build,
    .inputs = stacey_inputs,
    .reference = stacey_reference,
    .geometry = stacey_geometry,
    .flops = stacey_flops,
};

/* ---- add_sources ------------------------------------------------------ */

static kiln_proc *sources_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    int atomic = (int)kiln_config_get(cfg, "atomic", 1);
    kiln_type f32 = KILN_T(F32), i32 = KILN_T(I32);
    kiln_proc *proc = kiln_kernel_begin(ctx, "specfem_add_sources");
    kiln_proc_reqd_wg(proc, SPECFEM_NGLL3_PADDED, 1, 1);
    kiln_var *ispec = kiln_arg_scalar(ctx, "ispec_src", i32);
    kiln_var *nspec = kiln_arg_scalar(ctx, "nspec", i32), *nglob = kiln_arg_scalar(ctx, "nglob", i32);
    kiln_var *ibool =
        kiln_arg_array(ctx, "ibool", i32, KILN_IN, kiln_muli(ctx, kiln_ref(ctx, nspec), SPECFEM_NGLL3_PADDED));
    kiln_var *src = kiln_arg_array(ctx, "sourcearray", f32, KILN_IN, kiln_int(ctx, SPECFEM_NGLL3 * 3));
    kiln_var *stf = kiln_arg_scalar(ctx, "stf", f32);
    kiln_var *accel = kiln_arg_array(ctx, "accel", f32, KILN_INOUT, kiln_muli(ctx, kiln_ref(ctx, nglob), 3));
    kiln_var *p = kiln_decl_const(ctx, "p", i32, kiln_cast(ctx, i32, kiln_local_id(ctx, 0)));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, p), kiln_int(ctx, SPECFEM_NGLL3)));
    kiln_var *g = kiln_decl_const(
        ctx, "g", i32,
        kiln_at(ctx, ibool,
                kiln_add(ctx, kiln_muli(ctx, kiln_ref(ctx, ispec), SPECFEM_NGLL3_PADDED), kiln_ref(ctx, p))));
    for (int c = 0; c < 3; c++) {
        kiln_node *val = kiln_mul(ctx, kiln_ref(ctx, stf), field_at(ctx, src, kiln_ref(ctx, p), c));
        if (atomic)
            kiln_atomic_add(ctx, field_at(ctx, accel, kiln_ref(ctx, g), c), val);
        else
            kiln_assign_op(ctx, KILN_ADD, field_at(ctx, accel, kiln_ref(ctx, g), c), val);
    }
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

/* The source array of a point force at reference position xi of an element:
 * force times the Lagrange interpolants l_i(xi) l_j(eta) l_k(gamma). */
void specfem_source_array(const specfem_gll *gll, const double xi[3], const double force[3], double *out)
{
    for (int p = 0; p < SPECFEM_NGLL3; p++) {
        double l = specfem_lagrange(gll, p % 5, xi[0]) * specfem_lagrange(gll, (p / 5) % 5, xi[1]) *
                   specfem_lagrange(gll, p / 25, xi[2]);
        for (int c = 0; c < 3; c++)
            out[p * 3 + c] = l * force[c];
    }
}

static void sources_inputs(kiln_args *args, uint64_t seed)
{
    specfem_mesh *m = specfem_mesh_of(kiln_args_size(args), seed);
    if (!m)
        return;
    *(int32_t *)kiln_args_ptr(args, "ispec_src") = m->nspec / 2;
    *(int32_t *)kiln_args_ptr(args, "nspec") = m->nspec;
    *(int32_t *)kiln_args_ptr(args, "nglob") = m->nglob;
    memcpy(kiln_args_ptr(args, "ibool"), m->ibool, (size_t)m->nspec * SPECFEM_NGLL3_PADDED * sizeof(int32_t));
    double xi[3] = {0.3, -0.2, 0.1}, force[3] = {1e10, -2e10, 5e9}, sa[SPECFEM_NGLL3 * 3];
    specfem_source_array(&m->gll, xi, force, sa);
    put_f32(kiln_args_ptr(args, "sourcearray"), sa, SPECFEM_NGLL3 * 3);
    *(float *)kiln_args_ptr(args, "stf") = (float)kiln_rand_uniform(&seed, -1.0, 1.0);
    float *a = kiln_args_ptr(args, "accel");
    for (size_t i = 0; i < (size_t)m->nglob * 3; i++)
        a[i] = (float)kiln_rand_uniform(&seed, -1e7, 1e7);
    specfem_mesh_free(m);
}

static void sources_reference(kiln_args *args)
{
    const kiln_size *size = kiln_args_size(args);
    size_t nfield = specfem_count_field(size);
    const int32_t *ibool = kiln_args_ptr(args, "ibool");
    int ispec = *(const int32_t *)kiln_args_ptr(args, "ispec_src");
    const float *sa = kiln_args_ptr(args, "sourcearray"), *a = kiln_args_ptr(args, "accel");
    double stf = *(const float *)kiln_args_ptr(args, "stf");
    double *want = kiln_args_want(args, "accel"), *mag = kiln_args_magnitude(args, "accel", 2);
    for (size_t i = 0; i < nfield; i++) {
        want[i] = a[i];
        mag[i] = fabs(a[i]);
    }
    for (size_t p = 0; p < SPECFEM_NGLL3; p++)
        for (size_t c = 0; c < 3; c++) {
            size_t g = (size_t)ibool[(size_t)ispec * SPECFEM_NGLL3_PADDED + p] * 3 + c;
            want[g] += stf * sa[p * 3 + c];
            mag[g] += fabs(stf * sa[p * 3 + c]);
        }
}

static void sources_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    (void)cfg;
    (void)size;
    *geo = (kiln_geometry){1, {SPECFEM_NGLL3_PADDED, 1, 1}, {SPECFEM_NGLL3_PADDED, 1, 1}};
}

static size_t count_source(const kiln_size *size)
{
    (void)size;
    return SPECFEM_NGLL3 * 3;
}

const kiln_kernel kiln_kernel_specfem_add_sources = {
    .name = "specfem.add_sources",
    .summary = "SPECFEM3D source time function times the source array, at the source element (f32)",
    KILN_ARGS({"ispec_src", KILN_I32, KILN_IN, 1, NULL, 0}, {"nspec", KILN_I32, KILN_IN, 1, NULL, 0},
              {"nglob", KILN_I32, KILN_IN, 1, NULL, 0}, {"ibool", KILN_I32, KILN_IN, 0, specfem_count_points, 0},
              {"sourcearray", KILN_F32, KILN_IN, 0, count_source, 0}, {"stf", KILN_F32, KILN_IN, 1, NULL, 0},
              {"accel", KILN_F32, KILN_INOUT, 0, specfem_count_field, 0}),
    KILN_PARAMS({.name = "atomic",
                 .help = "atomic adds (several sources may share points) or plain adds",
                 KILN_VALUES(0, 1),
                 .default_value = 1}),
    .default_size = {3, {8, 8, 8}},
    SPECFEM_CONSTRAINTS,
    .langs = SPECFEM_LANGS,
    .build = sources_build,
    .inputs = sources_inputs,
    .reference = sources_reference,
    .geometry = sources_geometry,
};
