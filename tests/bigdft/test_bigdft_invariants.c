/*
 * test_bigdft_invariants.c: what makes the BigDFT kernels right, checked on
 * their outputs without kiln's references, on one target (argv[1]: "host" or
 * "cl"), each for the default configuration (vector lanes along the lines)
 * and a vectorised, unrolled, split-wrap one with lanes along the points, and
 * but for the wavelets a tiled one (lines x points through local memory)
 * and a transposed one (a work-item's lines copied into a private buffer)
 * (test_bigdft_exec runs every kind of configuration against the references):
 *  - the magic filter keeps a constant field constant (sum f = 1);
 *  - grow and shrink are adjoint: <grow x, y> = <x, shrink y>;
 *  - synthesis(analysis(x)) = x to 1e-12 in f64 and 1e-5 in f32, and the
 *    analysis keeps the L2 norm (an orthogonal transform);
 *  - the kinetic pass maps cos(2 pi k i / n) to itself times scale * lambda_k,
 *    lambda_k = sum_l d_l cos(2 pi k l / n), which is -(2 pi k / n)^2 to 1e-6
 *    for k / n < 1/8; it is symmetric, <u, K v> = <K u, v>, and kills a constant;
 *  - kinetic_dot's parts add up to <x, yt> of its own outputs;
 *  - the 3-D compositions (three passes, bigdft_3d) equal the 3-D operators
 *    computed straight from their definitions (16^3 terms a point for the
 *    magic filter) on a grid of three different extents, and the 3-D kinetic
 *    operator has the eigenvalue -1/2 sum_d lambda_d / h_d^2 on a product of cosines,
 *    as three passes and as the one launch of bigdft.kinetic3d_fused.
 */
#include <math.h>
#include "check.h"
#include "kernels/bigdft/bigdft.h"
#include "kiln/tuner.h"
#include "tests/kernels/examples_util.h"

#define PI 3.14159265358979323846

static kiln_rt *rt;

/* One pass of kernel k on host arrays: data[i] is argument i's host array (or
 * a pointer to its scalar value); outputs are read back into theirs. */
static int run_pass(const kiln_kernel *k, const char *settings, const kiln_size *size, void **data)
{
    kiln_config cfg;
    char err[1024] = "";
    if (example_config(k, settings, &cfg) != 0) {
        fprintf(stderr, "%s: bad settings '%s'\n", k->name, settings);
        return -1;
    }
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_proc *proc = kiln_kernel_build(k, ctx, &cfg, size);
    char *source = proc ? kiln_generate(proc, kiln_rt_lang(rt), &(kiln_gen_opts){0}, err, sizeof err) : NULL;
    char name[64];
    snprintf(name, sizeof name, "%s", proc ? kiln_proc_name(proc) : "");
    if (!proc)
        snprintf(err, sizeof err, "%s", kiln_errmsg(ctx));
    kiln_ctx_free(ctx);
    char *log = NULL;
    kiln_program *prog = source ? kiln_program_build(rt, source, name, "", &log) : NULL;
    free(source);
    int rc = prog ? 0 : -1;
    kiln_buf *bufs[16] = {0};
    for (int i = 0; rc == 0 && i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        size_t bytes = a->is_scalar ? kiln_scalar_bytes(a->elem) : a->count(size) * kiln_scalar_bytes(a->elem);
        if (a->is_scalar) {
            rc = kiln_program_set_scalar(rt, prog, i, data[i], bytes);
            continue;
        }
        bufs[i] = kiln_buf_new(rt, bytes);
        rc = !bufs[i] || (a->dir != KILN_OUT && kiln_buf_write(rt, bufs[i], data[i], bytes) != 0) ||
             kiln_program_set_buf(rt, prog, i, bufs[i]) != 0;
    }
    kiln_geometry geo;
    double ns;
    if (rc == 0)
        rc = kiln_kernel_geometry(k, &cfg, size, &geo, err, sizeof err) || kiln_program_run(rt, prog, &geo, &ns);
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        if (rc == 0 && !a->is_scalar && a->dir != KILN_IN)
            rc = kiln_buf_read(rt, bufs[i], data[i], a->count(size) * kiln_scalar_bytes(a->elem));
        if (bufs[i])
            kiln_buf_free(rt, bufs[i]);
    }
    if (rc != 0)
        fprintf(stderr, "%s [%s]: %s %s %s\n", k->name, settings, err, kiln_rt_errmsg(rt), log ? log : "");
    free(log);
    if (prog)
        kiln_program_free(rt, prog);
    return rc;
}

static double *random_array(size_t count, uint64_t seed)
{
    double *a = malloc(sizeof *a * count);
    for (size_t i = 0; i < count; i++)
        a[i] = kiln_rand_uniform(&seed, -1.0, 1.0);
    return a;
}

static double dot(const double *a, const double *b, size_t count)
{
    double s = 0.0;
    for (size_t i = 0; i < count; i++)
        s += a[i] * b[i];
    return s;
}

/* (ndat, len) -> (len, ndat), so a pass's output can be compared with or fed as input */
static void transpose(const double *in, double *out, int ndat, int len)
{
    for (int j = 0; j < ndat; j++)
        for (int i = 0; i < len; i++)
            out[(size_t)i * (size_t)ndat + (size_t)j] = in[(size_t)j * (size_t)len + (size_t)i];
}

static const char *const configs[] = {"", "unroll=2,vec=4,lanes=1,wrap=2,full_taps=1",
                                     "tile=16,wg=64,unroll=2,full_taps=1", "lanes=2,vec=8,unroll=4,wrap=2,full_taps=1"};
#define NCONFIGS ((int)(sizeof configs / sizeof configs[0]))
/* the wavelets have no tiles and no transposed lanes: the configurations before the tiled one */
#define NCONFIGS_WAVELET 2
/* shrink has no boundary, hence no wrap */
static const char *const shrink_configs[NCONFIGS] = {"", "unroll=2,vec=4,lanes=1,full_taps=1",
                                                     "tile=16,wg=64,unroll=2,full_taps=1",
                                                     "lanes=2,vec=8,unroll=4,full_taps=1"};

static void constant_field(void)
{
    int32_t n = 19, ndat = 13;
    kiln_size size = {2, {n, ndat, 1}};
    size_t count = (size_t)n * (size_t)ndat;
    double *x = malloc(sizeof *x * count), *y = malloc(sizeof *y * count);
    for (size_t i = 0; i < count; i++)
        x[i] = 0.75;
    for (int c = 0; c < NCONFIGS; c++) {
        void *data[] = {&n, &ndat, x, y};
        CHECK(run_pass(&kiln_kernel_bigdft_magicfilter, configs[c], &size, data) == 0);
        double worst = 0.0;
        for (size_t i = 0; i < count; i++)
            worst = fmax(worst, fabs(y[i] - 0.75));
        CHECK_MSG(worst < 1e-14, "magic filter [%s] of a constant 0.75: off by %g", configs[c], worst);
    }
    free(x);
    free(y);
}

static void grow_shrink_adjoint(void)
{
    int32_t n = 21, ndat = 11;
    kiln_size size = {2, {n, ndat, 1}};
    size_t small = (size_t)n * (size_t)ndat, big = (size_t)(n + 15) * (size_t)ndat;
    double *x = random_array(small, 1), *yb = random_array(big, 2);
    double *gx = malloc(sizeof *gx * big), *sy = malloc(sizeof *sy * small), *tmp = malloc(sizeof *tmp * big);
    for (int c = 0; c < NCONFIGS; c++) {
        /* grow: x (ndat, n) -> gx (n + 15, ndat); shrink: y (ndat, n + 15) -> sy (n, ndat) */
        void *g[] = {&n, &ndat, x, gx};
        void *s[] = {&n, &ndat, yb, sy};
        CHECK(run_pass(&kiln_kernel_bigdft_magicfilter_grow, configs[c], &size, g) == 0);
        CHECK(run_pass(&kiln_kernel_bigdft_magicfilter_shrink, shrink_configs[c], &size, s) == 0);
        transpose(yb, tmp, ndat, n + 15);                 /* y laid out as grow's output */
        double lhs = dot(gx, tmp, big);
        transpose(x, tmp, ndat, n);                       /* x laid out as shrink's output */
        double rhs = dot(tmp, sy, small);
        CHECK_MSG(fabs(lhs - rhs) <= 1e-13 * (fabs(lhs) + 1.0), "[%s] <grow x, y> = %.17g, <x, shrink y> = %.17g",
                  configs[c], lhs, rhs);
        /* grown, a constant stays itself where every tap reads the line: points 8..n-8, outputs 15..n-1 */
        double *ones = malloc(sizeof *ones * small);
        for (size_t i = 0; i < small; i++)
            ones[i] = 1.0;
        void *g1[] = {&n, &ndat, ones, gx};
        CHECK(run_pass(&kiln_kernel_bigdft_magicfilter_grow, configs[c], &size, g1) == 0);
        for (int o = 15; o < n; o++)
            CHECK_MSG(fabs(gx[(size_t)o * (size_t)ndat + 3] - 1.0) < 1e-14, "grow [%s] of 1 at output %d: %.17g",
                      configs[c], o, gx[(size_t)o * (size_t)ndat + 3]);
        /* output 0 (point -7) reads x(0) with tap 7 only */
        CHECK(fabs(gx[3] - bigdft_tap(&bigdft_sym8_mf, 7)) < 1e-20);
        free(ones);
    }
    free(x);
    free(yb);
    free(gx);
    free(sy);
    free(tmp);
}

static void perfect_reconstruction(int f32)
{
    const kiln_kernel *ana = f32 ? &kiln_kernel_bigdft_analysis_f32 : &kiln_kernel_bigdft_analysis;
    const kiln_kernel *syn = f32 ? &kiln_kernel_bigdft_synthesis_f32 : &kiln_kernel_bigdft_synthesis;
    int32_t n = 13, ndat = 9;
    kiln_size size = {2, {n, ndat, 1}};
    size_t count = (size_t)(2 * n) * (size_t)ndat;
    double *x = random_array(count, 3), *cd = malloc(sizeof *cd * count), *back = malloc(sizeof *back * count);
    double *tmp = malloc(sizeof *tmp * count);
    float *xf = malloc(sizeof *xf * count), *cdf = malloc(sizeof *cdf * count), *backf = malloc(sizeof *backf * count);
    for (size_t i = 0; i < count; i++)
        xf[i] = (float)x[i];
    for (int c = 0; c < NCONFIGS_WAVELET; c++) {
        void *a[] = {&n, &ndat, f32 ? (void *)xf : x, f32 ? (void *)cdf : cd};
        CHECK(run_pass(ana, configs[c], &size, a) == 0);
        /* cd (2n, ndat) -> (ndat, 2n), synthesis' input */
        if (f32)
            for (size_t i = 0; i < count; i++)
                cd[i] = cdf[i];
        transpose(cd, tmp, 2 * n, ndat);
        for (size_t i = 0; i < count; i++)
            cdf[i] = (float)tmp[i];
        void *s[] = {&n, &ndat, f32 ? (void *)cdf : tmp, f32 ? (void *)backf : back};
        CHECK(run_pass(syn, configs[c], &size, s) == 0);
        transpose(x, tmp, ndat, 2 * n);
        double worst = 0.0;
        for (size_t i = 0; i < count; i++)
            worst = fmax(worst, fabs((f32 ? backf[i] : back[i]) - tmp[i]));
        CHECK_MSG(worst < (f32 ? 1e-5 : 1e-12), "%s [%s]: synthesis(analysis(x)) off by %g", syn->name, configs[c],
                  worst);
        double nx = dot(x, x, count), ncd = 0.0;
        for (size_t i = 0; i < count; i++)
            ncd += cd[i] * cd[i];
        CHECK_MSG(fabs(ncd - nx) <= (f32 ? 1e-5 : 1e-12) * nx, "%s [%s]: |x|^2 = %.17g, |analysis x|^2 = %.17g",
                  ana->name, configs[c], nx, ncd);
    }
    free(x);
    free(cd);
    free(back);
    free(tmp);
    free(xf);
    free(cdf);
    free(backf);
}

static double d2_eigenvalue(int k, int n)
{
    double s = 0.0;
    for (int l = -14; l <= 14; l++)
        s += bigdft_tap(&bigdft_sym8_d2, l) * cos(2.0 * PI * k * l / n);
    return s;
}

/* yt = scale * D2 x with y = 0; xt must be x transposed */
static int kinetic(const char *settings, int32_t n, int32_t ndat, double scale, const double *x, double *yt)
{
    kiln_size size = {2, {n, ndat, 1}};
    size_t count = (size_t)n * (size_t)ndat;
    double *zero = calloc(count, sizeof *zero), *xt = malloc(sizeof *xt * count), *tmp = malloc(sizeof *tmp * count);
    void *data[] = {&n, &ndat, &scale, (void *)x, zero, xt, yt};
    int rc = run_pass(&kiln_kernel_bigdft_kinetic, settings, &size, data);
    transpose(x, tmp, ndat, n);
    size_t bad = 0, first = count;
    for (size_t k = 0; rc == 0 && k < count; k++)
        if (memcmp(&tmp[k], &xt[k], sizeof *xt) != 0 && bad++ == 0)
            first = k;
    CHECK_MSG(bad == 0, "kinetic [%s]: xt is not x transposed: %zu of %zu differ, the first xt(%zu, %zu) = %.17g, not %.17g",
              settings, bad, count, first / (size_t)ndat, first % (size_t)ndat, bad ? xt[first] : 0.0,
              bad ? tmp[first] : 0.0);
    free(zero);
    free(xt);
    free(tmp);
    return rc;
}

static void kinetic_invariants(void)
{
    int32_t n = 32, ndat = 7;
    size_t count = (size_t)n * (size_t)ndat;
    double scale = -0.5 / (0.3 * 0.3);
    double *x = malloc(sizeof *x * count), *yt = malloc(sizeof *yt * count);
    for (int c = 0; c < NCONFIGS; c++) {
        /* line j holds mode k = j with phase j / 3 (k = 0: a constant) */
        for (int j = 0; j < ndat; j++)
            for (int i = 0; i < n; i++)
                x[(size_t)j * (size_t)n + (size_t)i] = cos(2.0 * PI * j * i / n + j / 3.0);
        CHECK(kinetic(configs[c], n, ndat, scale, x, yt) == 0);
        for (int j = 0; j < ndat; j++) {
            double lambda = d2_eigenvalue(j, n), worst = 0.0;
            for (int i = 0; i < n; i++)
                worst = fmax(worst, fabs(yt[(size_t)i * (size_t)ndat + (size_t)j] -
                                         scale * lambda * x[(size_t)j * (size_t)n + (size_t)i]));
            CHECK_MSG(worst < 1e-12 * fabs(scale) * 4.0, "kinetic [%s] mode %d: off its eigenvalue by %g", configs[c],
                      j,
                      worst);
            double w = 2.0 * PI * j / n;
            if (j > 0 && j < n / 8)
                CHECK_MSG(fabs(lambda + w * w) <= 1e-6 * w * w, "mode %d: lambda %.17g, -(2 pi k / n)^2 %.17g", j,
                          lambda, -w * w);
        }
        /* symmetry: <u, K v> = <K u, v>, both sides in the same layout */
        double *u = random_array(count, 4), *v = random_array(count, 5);
        double *ku = malloc(sizeof *ku * count), *kv = malloc(sizeof *kv * count), *tmp = malloc(sizeof *tmp * count);
        CHECK(kinetic(configs[c], n, ndat, scale, u, ku) == 0);
        CHECK(kinetic(configs[c], n, ndat, scale, v, kv) == 0);
        transpose(u, tmp, ndat, n);
        double lhs = dot(tmp, kv, count);
        transpose(v, tmp, ndat, n);
        double rhs = dot(ku, tmp, count);
        CHECK_MSG(fabs(lhs - rhs) <= 1e-12 * (fabs(lhs) + fabs(scale)),
                  "kinetic [%s]: <u, Kv> = %.17g, <Ku, v> = %.17g",
                  configs[c], lhs, rhs);
        free(u);
        free(v);
        free(ku);
        free(kv);
        free(tmp);
    }
    free(x);
    free(yt);
}

static void kinetic_dot_sum(void)
{
    int32_t n = 23, ndat = 13;
    kiln_size size = {2, {n, ndat, 1}};
    size_t count = (size_t)n * (size_t)ndat;
    double scale = -2.5;
    double *x = random_array(count, 6), *y = random_array(count, 7);
    double *xt = malloc(sizeof *xt * count), *yt = malloc(sizeof *yt * count), *d = malloc(sizeof *d * (size_t)ndat);
    void *data[] = {&n, &ndat, &scale, x, y, xt, yt, d};
    CHECK(run_pass(&kiln_kernel_bigdft_kinetic_dot, "unroll=4,vec=2,lanes=1,wrap=2", &size, data) == 0);
    double parts = 0.0;
    for (int j = 0; j < ndat; j++)
        parts += d[j];
    double whole = dot(xt, yt, count);
    CHECK_MSG(fabs(parts - whole) <= 1e-12 * (fabs(whole) + 1.0), "sum of dot parts %.17g, <xt, yt> %.17g", parts,
              whole);
    free(x);
    free(y);
    free(xt);
    free(yt);
    free(d);
}

static void compositions(void)
{
    const int n1 = 17, n2 = 10, n3 = 12;
    const double h[3] = {0.35, 0.4, 0.45};
    size_t count = (size_t)n1 * n2 * n3;
    double *x = random_array(count, 8), *want = malloc(sizeof *want * count), *got = malloc(sizeof *got * count);
    char err[1024] = "";
    for (int op = 0; op < 2; op++) {
        if (op == BIGDFT_MAGICFILTER3D)
            bigdft_ref_magicfilter3d(x, want, n1, n2, n3);
        else
            bigdft_ref_kinetic3d(x, want, NULL, h, n1, n2, n3);
        double scale = 0.0;
        for (size_t i = 0; i < count; i++)
            scale = fmax(scale, fabs(want[i]));
        for (int c = 0; c < NCONFIGS; c++) {
            kiln_config cfg;
            CHECK(example_config(&kiln_kernel_bigdft_magicfilter, configs[c], &cfg) == 0);
            bigdft_3d *b = bigdft_3d_new(rt, (bigdft_op3d)op, &cfg, n1, n2, n3, h, 0, err, sizeof err);
            CHECK_MSG(b != NULL, "%s", err);
            if (!b)
                continue;
            CHECK_MSG(bigdft_3d_set_input(b, x, err, sizeof err) == 0 && bigdft_3d_run(b, NULL, err, sizeof err) == 0 &&
                          bigdft_3d_result(b, got, err, sizeof err) == 0,
                      "%s", err);
            double worst = 0.0;
            for (size_t i = 0; i < count; i++)
                worst = fmax(worst, fabs(got[i] - want[i]));
            CHECK_MSG(worst <= 1e-13 * scale, "3-D %s [%s]: off the direct sum by %g (largest value %g)",
                      op ? "kinetic" : "magic filter", configs[c], worst, scale);
            bigdft_3d_free(b);
        }
    }
    /* the 3-D kinetic eigenvalue on cos(2 pi (k1 i1 / n1 + ...)) */
    const int k[3] = {1, 2, 3};
    for (int i3 = 0; i3 < n3; i3++)
        for (int i2 = 0; i2 < n2; i2++)
            for (int i1 = 0; i1 < n1; i1++)
                x[((size_t)i3 * n2 + i2) * n1 + i1] =
                    cos(2.0 * PI * k[0] * i1 / n1) * cos(2.0 * PI * k[1] * i2 / n2) * cos(2.0 * PI * k[2] * i3 / n3);
    double lambda = -0.5 * (d2_eigenvalue(k[0], n1) / (h[0] * h[0]) + d2_eigenvalue(k[1], n2) / (h[1] * h[1]) +
                            d2_eigenvalue(k[2], n3) / (h[2] * h[2]));
    /* as three passes and as one launch (its z block and vectors leave partial blocks) */
    for (int fused = 0; fused < 2; fused++) {
        kiln_config cfg;
        CHECK(example_config(fused ? &kiln_kernel_bigdft_kinetic3d_fused : &kiln_kernel_bigdft_kinetic,
                             fused ? "vec=4,yb=2,zb=2,xwin=1,wg1=4,wg2=4,idx64=1" : "unroll=2,vec=4,wrap=2,full_taps=1", &cfg) == 0);
        bigdft_3d *b = bigdft_3d_new(rt, fused ? BIGDFT_KINETIC3D_FUSED : BIGDFT_KINETIC3D, &cfg, n1, n2, n3, h, 0, err,
                                     sizeof err);
        CHECK_MSG(b && bigdft_3d_set_input(b, x, err, sizeof err) == 0 && bigdft_3d_run(b, NULL, err, sizeof err) == 0 &&
                      bigdft_3d_result(b, got, err, sizeof err) == 0,
                  "%s", err);
        double worst = 0.0;
        for (size_t i = 0; i < count; i++)
            worst = fmax(worst, fabs(got[i] - lambda * x[i]));
        CHECK_MSG(worst <= 1e-12 * fabs(lambda), "3-D kinetic%s: off its eigenvalue %g by %g", fused ? " (fused)" : "",
                  lambda, worst);
        bigdft_3d_free(b);
    }
    free(x);
    free(want);
    free(got);
}

int main(int argc, char **argv)
{
    rt = example_open_target(argc, argv);
    if (!rt)
        CHECK_DONE();
    fprintf(stderr, "device: %s\n", kiln_rt_device(rt)->name);
    constant_field();
    grow_shrink_adjoint();
    perfect_reconstruction(0);
    perfect_reconstruction(1);
    kinetic_invariants();
    kinetic_dot_sum();
    compositions();
    kiln_rt_close(rt);
    CHECK_DONE();
}
