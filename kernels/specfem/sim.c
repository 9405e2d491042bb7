/*
 * sim.c: the Newmark driver of sim.h, on a device with the kiln kernels or on
 * the host with the naive double-precision references.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/specfem/runner.h"
#include "kernels/specfem/sim.h"
#include "kernels/specfem/specfem.h"

#define RICKER_F0 15.0 /* Hz */
#define RICKER_T0 (1.2 / RICKER_F0)
#define SOURCE_FORCE 1e12 /* N, along z */
#define BUMP_AMPLITUDE 1e-3
#define CFL 0.25
#define VP_MAX 6000.0 /* the materials' largest P velocity (mesh.c) */

const kiln_kernel *specfem_sim_kernel(int which)
{
    static const kiln_kernel *const table[SPECFEM_SIM_NKERNELS] = {
        &kiln_kernel_specfem_stiffness,    &kiln_kernel_specfem_update_disp_veloc,
        &kiln_kernel_specfem_update_accel, &kiln_kernel_specfem_update_veloc,
        &kiln_kernel_specfem_stacey,       &kiln_kernel_specfem_add_sources,
    };
    return which >= 0 && which < SPECFEM_SIM_NKERNELS ? table[which] : NULL;
}

void specfem_sim_default_configs(specfem_sim_opts *opts)
{
    for (int w = 0; w < SPECFEM_SIM_NKERNELS; w++) {
        const kiln_kernel *k = specfem_sim_kernel(w);
        kiln_config *c = &opts->cfg[w];
        c->n = k->nparams;
        for (int i = 0; i < k->nparams; i++) {
            c->names[i] = k->params[i].name;
            c->values[i] = k->params[i].default_value;
        }
    }
}

void specfem_sim_result_free(specfem_sim_result *r)
{
    free(r->energy);
    free(r->seismogram);
    memset(r, 0, sizeof *r);
}

typedef struct sim {
    const specfem_sim_opts *o;
    specfem_mesh *m;
    kiln_size size;
    size_t n; /* 3 nglob */
    double dt;
    double *u, *v, *a, *rmass; /* host state (the reference's, or read back) */
    int src_ispec, receiver;
    double src[SPECFEM_NGLL3 * 3];
    /* device */
    kiln_rt *rt;
    specfem_buffers *bufs;
    kiln_args *args[SPECFEM_SIM_NKERNELS];
    specfem_launch *l[SPECFEM_SIM_NKERNELS];
    float *tmp; /* n floats */
    char *err;
    size_t errlen;
} sim;

static double ricker(double t)
{
    double x = M_PI * RICKER_F0 * (t - RICKER_T0);
    return (1.0 - 2.0 * x * x) * exp(-x * x);
}

/* The global point nearest to p. */
static int nearest(const specfem_mesh *m, const double p[3])
{
    int best = 0;
    double bd = INFINITY;
    for (int g = 0; g < m->nglob; g++) {
        double d = 0;
        for (int c = 0; c < 3; c++)
            d += (m->coord[g * 3 + c] - p[c]) * (m->coord[g * 3 + c] - p[c]);
        if (d < bd)
            bd = d, best = g;
    }
    return best;
}

static int setup_host(sim *s)
{
    const specfem_sim_opts *o = s->o;
    specfem_mesh *m = s->m;
    s->n = (size_t)m->nglob * 3;
    s->u = calloc(s->n, sizeof(double));
    s->v = calloc(s->n, sizeof(double));
    s->a = calloc(s->n, sizeof(double));
    s->rmass = calloc((size_t)m->nglob, sizeof(double));
    s->tmp = calloc(s->n, sizeof(float));
    if (!s->u || !s->v || !s->a || !s->rmass || !s->tmp) {
        snprintf(s->err, s->errlen, "out of memory");
        return -1;
    }
    for (int g = 0; g < m->nglob; g++)
        s->rmass[g] = 1.0 / m->mass[g];
    double spacing = SPECFEM_H * (1.0 - sqrt(3.0 / 7.0)) / 2.0 * (1.0 - 2.0 * o->perturb);
    s->dt = CFL * spacing / VP_MAX;
    double centre[3] = {m->nx * SPECFEM_H / 2, m->ny * SPECFEM_H / 2, m->nz * SPECFEM_H / 2};
    if (o->initial_bump)
        for (int g = 0; g < m->nglob; g++) {
            double r2 = 0;
            for (int c = 0; c < 3; c++)
                r2 += (m->coord[g * 3 + c] - centre[c]) * (m->coord[g * 3 + c] - centre[c]);
            s->u[g * 3 + 2] = BUMP_AMPLITUDE * exp(-r2 / (SPECFEM_H * SPECFEM_H));
        }
    /* the source in the element holding the centre, at reference position (0.3, -0.2, 0.1) */
    int ex = m->nx / 2, ey = m->ny / 2, ez = m->nz / 2;
    s->src_ispec = (ez * m->ny + ey) * m->nx + ex;
    double xi[3] = {0.3, -0.2, 0.1}, force[3] = {0, 0, o->source ? SOURCE_FORCE : 0.0};
    specfem_source_array(&m->gll, xi, force, s->src);
    double rec[3] = {centre[0] + 0.3 * m->nx * SPECFEM_H / 2, centre[1] + 0.2 * m->ny * SPECFEM_H / 2, centre[2]};
    s->receiver = nearest(m, rec);
    return 0;
}

/* ---- the naive references --------------------------------------------- */

static void ref_forces(sim *s, double t)
{
    specfem_mesh *m = s->m;
    double hp[SPECFEM_NGLL2], hpw[SPECFEM_NGLL2], ww[SPECFEM_NGLL2], f[SPECFEM_NGLL3][3];
    for (int i = 0; i < SPECFEM_NGLL; i++)
        for (int j = 0; j < SPECFEM_NGLL; j++) {
            hp[i * 5 + j] = m->gll.hprime[i][j];
            hpw[i * 5 + j] = m->gll.w[i] * m->gll.hprime[i][j];
            ww[i * 5 + j] = m->gll.w[i] * m->gll.w[j];
        }
    specfem_element_in in = {.ibool = m->ibool,
                             .displ = s->u,
                             .kappa = m->kappa,
                             .mu = m->mu,
                             .hprime = hp,
                             .hprimewgll = hpw,
                             .wgllwgll = ww};
    for (int d = 0; d < 9; d++)
        in.inv[d] = m->inv[d];
    memset(s->a, 0, s->n * sizeof(double));
    for (int e = 0; e < m->nspec; e++) {
        specfem_element_force(&in, e, f, NULL);
        for (int p = 0; p < SPECFEM_NGLL3; p++)
            for (int c = 0; c < 3; c++)
                s->a[(size_t)m->ibool[(size_t)e * SPECFEM_NGLL3_PADDED + p] * 3 + (size_t)c] += f[p][c];
    }
    for (int fc = 0; s->o->absorbing && fc < m->nfaces; fc++)
        for (int q = 0; q < SPECFEM_NGLL2; q++) {
            int fp = fc * SPECFEM_NGLL2 + q;
            size_t o = (size_t)m->face_ispec[fc] * SPECFEM_NGLL3_PADDED + (size_t)m->face_ijk[fp];
            size_t g = (size_t)m->ibool[o];
            const double *nrm = &m->face_normal[fp * 3], *vg = &s->v[g * 3];
            double vn = vg[0] * nrm[0] + vg[1] * nrm[1] + vg[2] * nrm[2];
            for (int c = 0; c < 3; c++)
                s->a[g * 3 + (size_t)c] -=
                    (m->rho_vp[o] * vn * nrm[c] + m->rho_vs[o] * (vg[c] - vn * nrm[c])) * m->face_jacw[fp];
        }
    double stf = ricker(t);
    for (int p = 0; p < SPECFEM_NGLL3; p++)
        for (int c = 0; c < 3; c++)
            s->a[(size_t)m->ibool[(size_t)s->src_ispec * SPECFEM_NGLL3_PADDED + p] * 3 + (size_t)c] +=
                stf * s->src[p * 3 + c];
    for (size_t i = 0; i < s->n; i++)
        s->a[i] *= s->rmass[i / 3];
}

static void ref_step(sim *s, double t)
{
    double dt = s->dt;
    for (size_t i = 0; i < s->n; i++) {
        s->u[i] += dt * s->v[i] + dt * dt / 2 * s->a[i];
        s->v[i] += dt / 2 * s->a[i];
    }
    ref_forces(s, t);
    for (size_t i = 0; i < s->n; i++)
        s->v[i] += dt / 2 * s->a[i];
}

/* ---- the device ------------------------------------------------------- */

static int put_field(sim *s, const char *name, const double *x)
{
    for (size_t i = 0; i < s->n; i++)
        s->tmp[i] = (float)x[i];
    return specfem_buffers_put(s->bufs, name, s->tmp, s->n * sizeof(float), s->err, s->errlen);
}

static int get_field(sim *s, const char *name, double *x)
{
    if (specfem_buffers_get(s->bufs, name, s->tmp, s->n * sizeof(float), s->err, s->errlen) != 0)
        return -1;
    for (size_t i = 0; i < s->n; i++)
        x[i] = s->tmp[i];
    return 0;
}

static int put_f32(sim *s, const char *name, const double *x, size_t count)
{
    float *f = malloc((count ? count : 1) * sizeof *f);
    if (!f) {
        snprintf(s->err, s->errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < count; i++)
        f[i] = (float)x[i];
    int rc = specfem_buffers_put(s->bufs, name, f, count * sizeof *f, s->err, s->errlen);
    free(f);
    return rc;
}

/* The scalar arguments of every kernel, by name. */
static void set_scalars(sim *s, const kiln_kernel *k, kiln_args *a)
{
    const specfem_mesh *m = s->m;
    for (int i = 0; i < k->nargs; i++) {
        const char *nm = k->args[i].name;
        if (!k->args[i].is_scalar)
            continue;
        if (strcmp(nm, "n") == 0)
            *(int32_t *)kiln_args_ptr(a, nm) = (int32_t)s->n;
        else if (strcmp(nm, "nglob") == 0)
            *(int32_t *)kiln_args_ptr(a, nm) = m->nglob;
        else if (strcmp(nm, "nspec") == 0)
            *(int32_t *)kiln_args_ptr(a, nm) = m->nspec;
        else if (strcmp(nm, "nfaces") == 0)
            *(int32_t *)kiln_args_ptr(a, nm) = m->nfaces;
        else if (strcmp(nm, "ispec_src") == 0)
            *(int32_t *)kiln_args_ptr(a, nm) = s->src_ispec;
        else if (strcmp(nm, "deltat") == 0)
            *(float *)kiln_args_ptr(a, nm) = (float)s->dt;
        else if (strcmp(nm, "deltatsqover2") == 0)
            *(float *)kiln_args_ptr(a, nm) = (float)(s->dt * s->dt / 2);
        else if (strcmp(nm, "deltatover2") == 0)
            *(float *)kiln_args_ptr(a, nm) = (float)(s->dt / 2);
    }
}

static int setup_device(sim *s)
{
    const specfem_mesh *m = s->m;
    size_t npts = (size_t)m->nspec * SPECFEM_NGLL3_PADDED, nfp = (size_t)m->nfaces * SPECFEM_NGLL2;
    if (!(s->bufs = specfem_buffers_new(s->rt)))
        return snprintf(s->err, s->errlen, "out of memory"), -1;
    if (put_field(s, "displ", s->u) || put_field(s, "veloc", s->v) || put_field(s, "accel", s->a) ||
        put_f32(s, "rmass", s->rmass, (size_t)m->nglob) || put_f32(s, "face_normal", m->face_normal, nfp * 3) ||
        put_f32(s, "face_jacw", m->face_jacw, nfp) || put_f32(s, "rho_vp", m->rho_vp, npts) ||
        put_f32(s, "rho_vs", m->rho_vs, npts) || put_f32(s, "sourcearray", s->src, SPECFEM_NGLL3 * 3) ||
        specfem_buffers_put(s->bufs, "ibool", m->ibool, npts * sizeof(int32_t), s->err, s->errlen) ||
        specfem_buffers_put(s->bufs, "face_ispec", m->face_ispec, (size_t)m->nfaces * sizeof(int32_t), s->err,
                            s->errlen) ||
        specfem_buffers_put(s->bufs, "face_ijk", m->face_ijk, nfp * sizeof(int32_t), s->err, s->errlen))
        return -1;
    for (int w = 0; w < SPECFEM_SIM_NKERNELS; w++) {
        const kiln_kernel *k = specfem_sim_kernel(w);
        if (!(s->args[w] = kiln_args_new(k, &s->size, s->err, s->errlen)))
            return -1;
        if (w == SPECFEM_SIM_STIFFNESS)
            specfem_stiffness_fill(s->args[w], m, KILN_F32);
        set_scalars(s, k, s->args[w]);
        if (!(s->l[w] = specfem_launch_new(s->bufs, k, &s->o->cfg[w], &s->size, s->args[w], s->err, s->errlen)))
            return -1;
    }
    return 0;
}

static int run(sim *s, int w, const kiln_geometry *geo)
{
    return specfem_launch_run(s->l[w], geo, s->err, s->errlen);
}

static int dev_stiffness(sim *s)
{
    const specfem_mesh *m = s->m;
    const kiln_config *cfg = &s->o->cfg[SPECFEM_SIM_STIFFNESS];
    int colour = (int)kiln_config_get(cfg, "assembly", 0), passes = colour ? m->ncolours : 1;
    for (int c = 0; c < passes; c++) {
        int first = colour ? m->colour_start[c] : 0, count = colour ? m->colour_start[c + 1] - first : m->nspec;
        kiln_geometry geo;
        specfem_stiffness_geometry_for(cfg, count, &geo);
        if (specfem_launch_set(s->l[SPECFEM_SIM_STIFFNESS], "first", first, s->err, s->errlen) ||
            specfem_launch_set(s->l[SPECFEM_SIM_STIFFNESS], "nelem", count, s->err, s->errlen) ||
            run(s, SPECFEM_SIM_STIFFNESS, &geo))
            return -1;
    }
    return 0;
}

/* accel (zero on entry) = M^-1 (-K u - Stacey + source(t)) */
static int dev_forces(sim *s, double t)
{
    if (dev_stiffness(s) || (s->o->absorbing && run(s, SPECFEM_SIM_STACEY, NULL)))
        return -1;
    if (specfem_launch_set(s->l[SPECFEM_SIM_SOURCES], "stf", ricker(t), s->err, s->errlen) ||
        run(s, SPECFEM_SIM_SOURCES, NULL) || run(s, SPECFEM_SIM_ACCEL, NULL))
        return -1;
    return 0;
}

static int dev_step(sim *s, double t)
{
    if (run(s, SPECFEM_SIM_DISP_VELOC, NULL) || dev_forces(s, t) || run(s, SPECFEM_SIM_VELOC, NULL))
        return -1;
    return get_field(s, "displ", s->u) || get_field(s, "veloc", s->v) || get_field(s, "accel", s->a) ? -1 : 0;
}

/* ---- both ------------------------------------------------------------- */

/* 1/2 v.M v + 1/2 u.K u, with K u = -M a when a holds the stiffness force only. */
static double energy(const sim *s)
{
    double e = 0;
    for (size_t i = 0; i < s->n; i++)
        e += 0.5 * (s->v[i] * s->v[i] - s->u[i] * s->a[i]) / s->rmass[i / 3];
    return e;
}

static void record(const sim *s, specfem_sim_result *out, int step)
{
    out->energy[step] = energy(s);
    if (step > 0)
        for (int c = 0; c < 3; c++)
            out->seismogram[(step - 1) * 3 + c] = s->u[(size_t)s->receiver * 3 + (size_t)c];
}

static void sim_free(sim *s)
{
    for (int w = 0; w < SPECFEM_SIM_NKERNELS; w++) {
        specfem_launch_free(s->l[w]);
        kiln_args_free(s->args[w]);
    }
    specfem_buffers_free(s->bufs);
    specfem_mesh_free(s->m);
    free(s->u);
    free(s->v);
    free(s->a);
    free(s->rmass);
    free(s->tmp);
}

int specfem_sim_run(kiln_rt *rt, const specfem_sim_opts *opts, specfem_sim_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    sim s = {.o = opts, .rt = rt, .err = err, .errlen = errlen, .size = {3, {opts->nx, opts->ny, opts->nz}}};
    if (opts->steps < 1) {
        snprintf(err, errlen, "specfem driver: %d steps (at least 1)", opts->steps);
        return -1;
    }
    int rc = -1;
    if (!(s.m = specfem_mesh_new(opts->nx, opts->ny, opts->nz, opts->perturb, opts->seed, err, errlen)) ||
        setup_host(&s) != 0)
        goto done;
    out->steps = opts->steps;
    out->dt = s.dt;
    memcpy(out->receiver, &s.m->coord[(size_t)s.receiver * 3], sizeof out->receiver);
    out->energy = calloc((size_t)opts->steps + 1, sizeof(double));
    out->seismogram = calloc((size_t)opts->steps * 3, sizeof(double));
    if (!out->energy || !out->seismogram) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (rt) {
        if (setup_device(&s) || dev_forces(&s, 0.0) || get_field(&s, "accel", s.a))
            goto done;
    } else {
        ref_forces(&s, 0.0);
    }
    record(&s, out, 0);
    for (int step = 1; step <= opts->steps; step++) {
        double t = step * s.dt;
        if (rt) {
            if (dev_step(&s, t) != 0)
                goto done;
        } else {
            ref_step(&s, t);
        }
        record(&s, out, step);
    }
    rc = 0;
done:
    sim_free(&s);
    if (rc != 0)
        specfem_sim_result_free(out);
    return rc;
}
