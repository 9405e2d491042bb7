/*
 * test_specfem_physics.c: the SPECFEM kernels obey the physics they discretise,
 * checked without kiln's references, on one target (argv[1]: "host" or "cl").
 * The stiffness kernel is run over the whole mesh (one atomic launch, or one
 * launch per colour) as f = -K u:
 *  - a rigid translation and a rigid rotation give no force (next to the
 *    force of a symmetric shear of the same amplitude);
 *  - K is symmetric (<v, Ku> = <u, Kv>) and positive semi-definite;
 *  - colouring and atomics, f32 and f64, give the same force;
 *  - on a regular homogeneous mesh a P and an S plane wave sin(kx) give
 *    Ku = rho c^2 k^2 M u at the interior points (M/rho = sum of J w w w),
 *    and a homogeneous strain E has <u, Ku> = V (lambda tr(E)^2 + 2 mu E:E);
 *  - with attenuation, zero memory variables and factors give the elastic
 *    force, and the strain deviator of a homogeneous strain E is dev(E);
 * and for the others:
 *  - the face weights times the 2-D Jacobians add up to the block's surface,
 *    and Stacey with rho vp = rho vs = 1 takes exactly that area times v;
 *  - prepare then assemble with integer-valued data is exact;
 *  - a point source adds stf times its force in total (partition of unity).
 */
#include <math.h>
#include "check.h"
#include "kernels/examples_util.h"
#include "kernels/specfem/runner.h"
#include "kernels/specfem/specfem.h"

typedef struct op {
    const kiln_kernel *k;
    kiln_config cfg;
    kiln_size size;
    const specfem_mesh *m;
    kiln_args *args;
    specfem_buffers *bufs;
    specfem_launch *l;
    kiln_scalar elem;
} op;

static char err[2048];

static int op_open(op *o, kiln_rt *rt, const kiln_kernel *k, const char *settings, const specfem_mesh *m)
{
    memset(o, 0, sizeof *o);
    o->k = k;
    o->m = m;
    o->elem = k->args[6].elem; /* displ */
    o->size = (kiln_size){3, {m->nx, m->ny, m->nz}};
    if (example_config(k, settings, &o->cfg) != 0)
        return -1;
    o->args = kiln_args_new(k, &o->size, err, sizeof err);
    if (!o->args)
        return -1;
    specfem_stiffness_fill(o->args, m, o->elem);
    o->bufs = specfem_buffers_new(rt);
    o->l = specfem_launch_new(o->bufs, k, &o->cfg, &o->size, o->args, err, sizeof err);
    return o->l ? 0 : -1;
}

static void op_close(op *o)
{
    specfem_launch_free(o->l);
    specfem_buffers_free(o->bufs);
    kiln_args_free(o->args);
}

/* Overwrites a per-point argument of the operator's mesh with one value. */
static int op_constant(op *o, const char *name, double v)
{
    size_t n = (size_t)o->m->nspec * SPECFEM_NGLL3_PADDED, b = kiln_scalar_bytes(o->elem);
    char *host = malloc(n * b);
    for (size_t i = 0; host && i < n; i++) {
        if (o->elem == KILN_F64)
            ((double *)host)[i] = v;
        else
            ((float *)host)[i] = (float)v;
    }
    int rc = host ? specfem_buffers_put(o->bufs, name, host, n * b, err, sizeof err) : -1;
    free(host);
    return rc;
}

static int put_field(op *o, const char *name, const double *u)
{
    size_t n = (size_t)o->m->nglob * 3, b = kiln_scalar_bytes(o->elem);
    char *host = malloc(n * b);
    for (size_t i = 0; host && i < n; i++) {
        if (o->elem == KILN_F64)
            ((double *)host)[i] = u ? u[i] : 0.0;
        else
            ((float *)host)[i] = (float)(u ? u[i] : 0.0);
    }
    int rc = host ? specfem_buffers_put(o->bufs, name, host, n * b, err, sizeof err) : -1;
    free(host);
    return rc;
}

/* f = -K u over every element. */
static int op_apply(op *o, const double *u, double *f)
{
    const specfem_mesh *m = o->m;
    size_t n = (size_t)m->nglob * 3;
    if (put_field(o, "displ", u) || put_field(o, "accel", NULL))
        return -1;
    int colour = (int)kiln_config_get(&o->cfg, "assembly", 0);
    int passes = colour ? m->ncolours : 1;
    for (int c = 0; c < passes; c++) {
        int first = colour ? m->colour_start[c] : 0, count = colour ? m->colour_start[c + 1] - first : m->nspec;
        kiln_geometry geo;
        specfem_stiffness_geometry_for(&o->cfg, count, &geo);
        if (specfem_launch_set(o->l, "first", first, err, sizeof err) ||
            specfem_launch_set(o->l, "nelem", count, err, sizeof err) ||
            specfem_launch_run(o->l, &geo, err, sizeof err))
            return -1;
    }
    size_t b = kiln_scalar_bytes(o->elem);
    char *host = malloc(n * b);
    int rc = host ? specfem_buffers_get(o->bufs, "accel", host, n * b, err, sizeof err) : -1;
    for (size_t i = 0; rc == 0 && i < n; i++)
        f[i] = o->elem == KILN_F64 ? ((double *)host)[i] : ((float *)host)[i];
    free(host);
    return rc;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static double absdot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += fabs(a[i] * b[i]);
    return s;
}

static double maxabs(const double *a, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s = fmax(s, fabs(a[i]));
    return s;
}

static void random_field(double *u, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        u[i] = kiln_rand_uniform(&seed, -1.0, 1.0);
}

/* u = A (x - centre) for a 3 x 3 matrix A. */
static void linear_field(const specfem_mesh *m, const double A[3][3], double *u)
{
    double c[3] = {m->nx * SPECFEM_H / 2, m->ny * SPECFEM_H / 2, m->nz * SPECFEM_H / 2};
    for (int g = 0; g < m->nglob; g++)
        for (int d = 0; d < 3; d++) {
            double s = 0;
            for (int e = 0; e < 3; e++)
                s += A[d][e] * (m->coord[g * 3 + e] - c[e]);
            u[g * 3 + d] = s;
        }
}

static void test_rigid_motion(op *o)
{
    size_t n = (size_t)o->m->nglob * 3;
    double *u = malloc(n * sizeof *u), *f = malloc(n * sizeof *f);
    double w = 1e-3; /* rotation rate: displacements up to ~0.3 */
    const double rot[3][3] = {{0, -w, 0.5 * w}, {w, 0, -0.7 * w}, {-0.5 * w, 0.7 * w, 0}};
    const double shear[3][3] = {{0, w, 0.5 * w}, {w, 0, 0.7 * w}, {0.5 * w, 0.7 * w, 0}};
    linear_field(o->m, shear, u);
    CHECK(op_apply(o, u, f) == 0);
    double scale = maxabs(f, n);
    CHECK_MSG(scale > 0, "a shear gives no force");
    linear_field(o->m, rot, u);
    CHECK(op_apply(o, u, f) == 0);
    double rotation = maxabs(f, n);
    for (int g = 0; g < o->m->nglob; g++)
        for (int d = 0; d < 3; d++)
            u[g * 3 + d] = 0.3 * (d + 1);
    CHECK(op_apply(o, u, f) == 0);
    double translation = maxabs(f, n);
    fprintf(stderr, "  rigid motion: translation %.3g, rotation %.3g of a shear's force\n", translation / scale,
            rotation / scale);
    CHECK_MSG(translation <= 1e-4 * scale, "translation force %g vs %g", translation, scale);
    CHECK_MSG(rotation <= 1e-4 * scale, "rotation force %g vs %g", rotation, scale);
    free(u);
    free(f);
}

static void test_symmetric_psd(op *o)
{
    size_t n = (size_t)o->m->nglob * 3;
    double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v), *fu = malloc(n * sizeof *fu),
           *fv = malloc(n * sizeof *fv);
    random_field(u, n, 11);
    random_field(v, n, 12);
    CHECK(op_apply(o, u, fu) == 0 && op_apply(o, v, fv) == 0);
    double a = dot(v, fu, n), b = dot(u, fv, n), scale = absdot(v, fu, n) + absdot(u, fv, n);
    fprintf(stderr, "  symmetry: <v,Ku> = %.9g, <u,Kv> = %.9g, difference %.3g of sum |terms|\n", -a, -b,
            fabs(a - b) / scale);
    CHECK_MSG(fabs(a - b) <= 1e-5 * scale, "<v,Ku> %g != <u,Kv> %g", -a, -b);
    for (int s = 0; s < 3; s++) {
        random_field(u, n, 100 + (uint64_t)s);
        if (s == 2) /* a smooth field too: the lowest part of the spectrum */
            for (int g = 0; g < o->m->nglob; g++)
                for (int d = 0; d < 3; d++)
                    u[g * 3 + d] = sin(o->m->coord[g * 3] / 170.0 + d) * cos(o->m->coord[g * 3 + 1] / 230.0);
        CHECK(op_apply(o, u, fu) == 0);
        double e = -dot(u, fu, n);
        CHECK_MSG(e >= -1e-6 * absdot(u, fu, n) && e > 0, "<u,Ku> = %g (field %d)", e, s);
    }
    free(u);
    free(v);
    free(fu);
    free(fv);
}

static void test_assembly_agrees(kiln_rt *rt, op *ref, const specfem_mesh *m)
{
    static const struct {
        const kiln_kernel *k;
        const char *settings;
        double tol;
    } others[] = {
        {&kiln_kernel_specfem_stiffness, "assembly=1", 1e-5},
        {&kiln_kernel_specfem_stiffness, "assembly=1,unroll=1,epg=4,local_displ=0", 1e-5},
        {&kiln_kernel_specfem_stiffness, "assembly=0,epg=2,local_hprime=0", 1e-5},
        {&kiln_kernel_specfem_stiffness_f64, "", 1e-5},
        {&kiln_kernel_specfem_stiffness_att, "", 1e-5}, /* memory variables and factors 0: elastic */
    };
    size_t n = (size_t)m->nglob * 3;
    double *u = malloc(n * sizeof *u), *f0 = malloc(n * sizeof *f0), *f1 = malloc(n * sizeof *f1);
    random_field(u, n, 21);
    CHECK(op_apply(ref, u, f0) == 0);
    double scale = maxabs(f0, n);
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        op o;
        CHECK_MSG(op_open(&o, rt, others[i].k, others[i].settings, m) == 0, "%s [%s]: %s", others[i].k->name,
                  others[i].settings, err);
        CHECK(op_apply(&o, u, f1) == 0);
        double d = 0;
        for (size_t j = 0; j < n; j++)
            d = fmax(d, fabs(f1[j] - f0[j]));
        fprintf(stderr, "  %s [%s] vs atomic f32: %.3g of the largest force\n", others[i].k->name, others[i].settings,
                d / scale);
        CHECK_MSG(d <= others[i].tol * scale, "%s [%s] differs by %g (largest force %g)", others[i].k->name,
                  others[i].settings, d, scale);
        op_close(&o);
    }
    free(u);
    free(f0);
    free(f1);
}

/* Attenuation's strain deviator of a homogeneous strain E is dev(E) at every point. */
static void test_strain_deviator(kiln_rt *rt, const specfem_mesh *m)
{
    op o;
    CHECK_MSG(op_open(&o, rt, &kiln_kernel_specfem_stiffness_att, "assembly=1,unroll=1", m) == 0, "%s", err);
    size_t n = (size_t)m->nglob * 3, npts = (size_t)m->nspec * SPECFEM_NGLL3_PADDED;
    double *u = malloc(n * sizeof *u), *f = malloc(n * sizeof *f);
    float *e = malloc(npts * sizeof *e);
    const double E[3][3] = {{1e-3, 2e-4, -1e-4}, {2e-4, -5e-4, 3e-4}, {-1e-4, 3e-4, 8e-4}};
    double tr3 = (E[0][0] + E[1][1] + E[2][2]) / 3;
    const double dev[5] = {E[0][0] - tr3, E[1][1] - tr3, E[0][1], E[0][2], E[1][2]};
    static const char *const names[5] = {"epsilondev_xx", "epsilondev_yy", "epsilondev_xy", "epsilondev_xz",
                                         "epsilondev_yz"};
    linear_field(m, E, u);
    CHECK(op_apply(&o, u, f) == 0);
    double worst = 0;
    for (int q = 0; q < 5; q++) {
        CHECK(specfem_buffers_get(o.bufs, names[q], e, npts * sizeof *e, err, sizeof err) == 0);
        for (int el = 0; el < m->nspec; el++)
            for (int p = 0; p < SPECFEM_NGLL3; p++)
                worst = fmax(worst, fabs(e[(size_t)el * SPECFEM_NGLL3_PADDED + (size_t)p] - dev[q]));
    }
    fprintf(stderr, "  strain deviator of a homogeneous strain: within %.3g of dev(E)\n", worst / 1e-3);
    CHECK_MSG(worst <= 1e-5 * 1e-3, "strain deviator off by %g", worst);
    free(u);
    free(f);
    free(e);
    op_close(&o);
}

static void test_plane_wave(kiln_rt *rt)
{
    specfem_mesh *m = specfem_mesh_new(8, 2, 2, 0.0, 5, err, sizeof err);
    CHECK_MSG(m != NULL, "%s", err);
    op o;
    CHECK_MSG(op_open(&o, rt, &kiln_kernel_specfem_stiffness_f64, "", m) == 0, "%s", err);
    double kappa = 4e10, mu = 2.5e10, k = 2 * M_PI / (4 * SPECFEM_H);
    CHECK(op_constant(&o, "kappav", kappa) == 0 && op_constant(&o, "muv", mu) == 0);
    size_t n = (size_t)m->nglob * 3;
    double *u = calloc(n, sizeof *u), *f = malloc(n * sizeof *f), *vol = calloc((size_t)m->nglob, sizeof *vol);
    for (int e = 0; e < m->nspec; e++)
        for (int p = 0; p < SPECFEM_NGLL3; p++) {
            size_t q = (size_t)e * SPECFEM_NGLL3_PADDED + (size_t)p;
            vol[m->ibool[q]] += m->jacobian[q] * m->gll.w[p % 5] * m->gll.w[(p / 5) % 5] * m->gll.w[p / 25];
        }
    for (int wave = 0; wave < 2; wave++) { /* 0: P (u along x), 1: S (u along y) */
        double modulus = wave == 0 ? kappa + 4.0 / 3.0 * mu : mu, worst = 0, top = 0;
        memset(u, 0, n * sizeof *u);
        for (int g = 0; g < m->nglob; g++)
            u[g * 3 + wave] = sin(k * m->coord[g * 3]);
        CHECK(op_apply(&o, u, f) == 0);
        for (int g = 0; g < m->nglob; g++) {
            const double *x = &m->coord[g * 3];
            int inside = x[0] > SPECFEM_H * 0.5 && x[0] < SPECFEM_H * (m->nx - 0.5) && x[1] > 1 &&
                         x[1] < SPECFEM_H * m->ny - 1 && x[2] > 1 && x[2] < SPECFEM_H * m->nz - 1;
            if (!inside)
                continue;
            double want = modulus * k * k * vol[g] * u[g * 3 + wave];
            top = fmax(top, fabs(modulus * k * k * vol[g]));
            worst = fmax(worst, fabs(-f[g * 3 + wave] - want));
            worst = fmax(worst, fabs(f[g * 3 + (wave + 1) % 3]));
        }
        fprintf(stderr, "  plane wave %s: largest misfit %.3g of rho c^2 k^2 M\n", wave ? "S" : "P", worst / top);
        CHECK_MSG(top > 0 && worst <= 2e-3 * top, "plane wave %d: misfit %g of %g", wave, worst, top);
    }
    /* a homogeneous strain E: <u, K u> = V (lambda tr(E)^2 + 2 mu E:E), integrated exactly */
    const double E[3][3] = {{1e-3, 2e-4, 0}, {2e-4, -5e-4, 3e-4}, {0, 3e-4, 8e-4}};
    linear_field(m, E, u);
    CHECK(op_apply(&o, u, f) == 0);
    double lambda = kappa - 2.0 / 3.0 * mu, tr = E[0][0] + E[1][1] + E[2][2], ee = 0;
    for (int a = 0; a < 3; a++)
        for (int c = 0; c < 3; c++)
            ee += E[a][c] * E[a][c];
    double V = SPECFEM_H * SPECFEM_H * SPECFEM_H * m->nspec, want = V * (lambda * tr * tr + 2 * mu * ee);
    double got = -dot(u, f, n);
    fprintf(stderr, "  strain energy: <u,Ku> = %.9g, V (lambda tr^2 + 2 mu E:E) = %.9g\n", got, want);
    CHECK_MSG(fabs(got - want) <= 1e-9 * want, "strain energy %.12g, want %.12g", got, want);
    free(u);
    free(f);
    free(vol);
    op_close(&o);
    specfem_mesh_free(m);
}

static kiln_args *args_for(const kiln_kernel *k, const specfem_mesh *m)
{
    kiln_size size = {3, {m->nx, m->ny, m->nz}};
    kiln_args *a = kiln_args_new(k, &size, err, sizeof err);
    if (a && k->inputs)
        k->inputs(a, 1);
    return a;
}

static void test_faces(kiln_rt *rt, const specfem_mesh *m)
{
    double area = 2 * SPECFEM_H * SPECFEM_H * ((double)m->nx * m->ny + (double)m->ny * m->nz + (double)m->nx * m->nz);
    double sum = 0, side = 0;
    for (int f = 0; f < m->nfaces; f++)
        for (int q = 0; q < SPECFEM_NGLL2; q++) {
            sum += m->face_jacw[f * SPECFEM_NGLL2 + q];
            if (m->face_normal[(f * SPECFEM_NGLL2 + q) * 3] < -0.5)
                side += m->face_jacw[f * SPECFEM_NGLL2 + q];
        }
    CHECK_MSG(fabs(sum - area) <= 1e-12 * area, "faces add up to %.15g, the block's surface is %.15g", sum, area);
    CHECK_MSG(fabs(side - SPECFEM_H * SPECFEM_H * m->ny * m->nz) <= 1e-9 * area, "the x = 0 side adds up to %g", side);

    const kiln_kernel *k = &kiln_kernel_specfem_stacey;
    kiln_args *a = args_for(k, m);
    kiln_size size = {3, {m->nx, m->ny, m->nz}};
    kiln_config cfg;
    CHECK(a && example_config(k, "", &cfg) == 0);
    size_t npts = (size_t)m->nspec * SPECFEM_NGLL3_PADDED, n = (size_t)m->nglob * 3;
    float *ones = malloc(npts * sizeof *ones), *v = calloc(n, sizeof *v), *acc = calloc(n, sizeof *acc);
    for (size_t i = 0; i < npts; i++)
        ones[i] = 1.0f;
    for (size_t g = 0; g < (size_t)m->nglob; g++)
        v[g * 3] = 1.0f;
    specfem_buffers *b = specfem_buffers_new(rt);
    CHECK(specfem_buffers_put(b, "rho_vp", ones, npts * 4, err, sizeof err) == 0);
    CHECK(specfem_buffers_put(b, "rho_vs", ones, npts * 4, err, sizeof err) == 0);
    CHECK(specfem_buffers_put(b, "veloc", v, n * 4, err, sizeof err) == 0);
    CHECK(specfem_buffers_put(b, "accel", acc, n * 4, err, sizeof err) == 0);
    specfem_launch *l = specfem_launch_new(b, k, &cfg, &size, a, err, sizeof err);
    CHECK_MSG(l && specfem_launch_run(l, NULL, err, sizeof err) == 0, "%s", err);
    CHECK(specfem_buffers_get(b, "accel", acc, n * 4, err, sizeof err) == 0);
    double sx = 0, sy = 0;
    for (size_t g = 0; g < (size_t)m->nglob; g++) {
        sx += acc[g * 3];
        sy += fabs(acc[g * 3 + 1]) + fabs(acc[g * 3 + 2]);
    }
    fprintf(stderr, "  stacey: takes %.9g of v_x, the surface is %.9g\n", -sx, area);
    CHECK_MSG(fabs(-sx - area) <= 1e-5 * area && sy <= 1e-5 * area, "stacey took %g (and %g across), surface %g", -sx,
              sy, area);
    specfem_launch_free(l);
    specfem_buffers_free(b);
    kiln_args_free(a);
    free(ones);
    free(v);
    free(acc);
}

static void test_exchange(kiln_rt *rt, const specfem_mesh *m)
{
    kiln_size size = {3, {m->nx, m->ny, m->nz}};
    kiln_args *pa = args_for(&kiln_kernel_specfem_prepare_boundary, m);
    kiln_args *aa = args_for(&kiln_kernel_specfem_assemble_boundary, m);
    kiln_config pc, ac;
    CHECK(pa && aa && example_config(&kiln_kernel_specfem_prepare_boundary, "wg=64", &pc) == 0 &&
          example_config(&kiln_kernel_specfem_assemble_boundary, "", &ac) == 0);
    size_t n = (size_t)m->nglob * 3, ni = (size_t)m->ninterface * 3;
    float *before = malloc(n * 4), *after = malloc(n * 4), *send = malloc(ni * 4);
    uint64_t st = 3;
    for (size_t i = 0; i < n; i++) /* integers up to 2^22: their double is exact in f32 */
        before[i] = (float)floor(kiln_rand_uniform(&st, -4194304.0, 4194304.0));
    specfem_buffers *b = specfem_buffers_new(rt);
    CHECK(specfem_buffers_put(b, "accel", before, n * 4, err, sizeof err) == 0);
    specfem_launch *lp = specfem_launch_new(b, &kiln_kernel_specfem_prepare_boundary, &pc, &size, pa, err, sizeof err);
    CHECK_MSG(lp && specfem_launch_run(lp, NULL, err, sizeof err) == 0, "%s", err);
    CHECK(specfem_buffers_get(b, "send", send, ni * 4, err, sizeof err) == 0);
    CHECK(specfem_buffers_put(b, "recv", send, ni * 4, err, sizeof err) == 0);
    specfem_launch *la = specfem_launch_new(b, &kiln_kernel_specfem_assemble_boundary, &ac, &size, aa, err, sizeof err);
    CHECK_MSG(la && specfem_launch_run(la, NULL, err, sizeof err) == 0, "%s", err);
    CHECK(specfem_buffers_get(b, "accel", after, n * 4, err, sizeof err) == 0);
    char *on = calloc((size_t)m->nglob, 1);
    for (int q = 0; q < m->ninterface; q++)
        on[m->interface[q]] = 1;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += after[i] != (on[i / 3] ? 2.0f * before[i] : before[i]);
    CHECK_MSG(bad == 0, "prepare then assemble: %zu values are not exact", bad);
    specfem_launch_free(lp);
    specfem_launch_free(la);
    specfem_buffers_free(b);
    kiln_args_free(pa);
    kiln_args_free(aa);
    free(before);
    free(after);
    free(send);
    free(on);
}

static void test_source(kiln_rt *rt, const specfem_mesh *m)
{
    const kiln_kernel *k = &kiln_kernel_specfem_add_sources;
    kiln_size size = {3, {m->nx, m->ny, m->nz}};
    kiln_args *a = args_for(k, m);
    kiln_config cfg;
    CHECK(a && example_config(k, "", &cfg) == 0);
    double xi[3] = {-0.45, 0.8, 0.05}, force[3] = {3.0, -1.0, 2.0}, sa[SPECFEM_NGLL3 * 3];
    specfem_source_array(&m->gll, xi, force, sa);
    float saf[SPECFEM_NGLL3 * 3];
    for (int i = 0; i < SPECFEM_NGLL3 * 3; i++)
        saf[i] = (float)sa[i];
    size_t n = (size_t)m->nglob * 3;
    float *acc = calloc(n, 4);
    specfem_buffers *b = specfem_buffers_new(rt);
    CHECK(specfem_buffers_put(b, "sourcearray", saf, sizeof saf, err, sizeof err) == 0);
    CHECK(specfem_buffers_put(b, "accel", acc, n * 4, err, sizeof err) == 0);
    specfem_launch *l = specfem_launch_new(b, k, &cfg, &size, a, err, sizeof err);
    CHECK_MSG(l && specfem_launch_set(l, "stf", 0.5, err, sizeof err) == 0 &&
                  specfem_launch_run(l, NULL, err, sizeof err) == 0,
              "%s", err);
    CHECK(specfem_buffers_get(b, "accel", acc, n * 4, err, sizeof err) == 0);
    double s[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++)
        s[i % 3] += acc[i];
    for (int c = 0; c < 3; c++)
        CHECK_MSG(fabs(s[c] - 0.5 * force[c]) <= 1e-5 * 3.0, "source component %d adds %g, not %g", c, s[c],
                  0.5 * force[c]);
    specfem_launch_free(l);
    specfem_buffers_free(b);
    kiln_args_free(a);
    free(acc);
}

int main(int argc, char **argv)
{
    kiln_rt *rt = example_open_target(argc, argv);
    if (!rt)
        CHECK_DONE();
    fprintf(stderr, "device: %s\n", kiln_rt_device(rt)->name);
    specfem_mesh *m = specfem_mesh_new(4, 3, 3, 0.1, 9, err, sizeof err);
    CHECK_MSG(m != NULL, "%s", err);
    op o;
    CHECK_MSG(op_open(&o, rt, &kiln_kernel_specfem_stiffness, "assembly=0", m) == 0, "%s", err);
    test_rigid_motion(&o);
    test_symmetric_psd(&o);
    test_assembly_agrees(rt, &o, m);
    op_close(&o);
    test_plane_wave(rt);
    test_strain_deviator(rt, m);
    test_faces(rt, m);
    test_exchange(rt, m);
    test_source(rt, m);
    specfem_mesh_free(m);
    kiln_rt_close(rt);
    CHECK_DONE();
}
