/*
 * test_examples_invariants.c: properties the example kernels must have that
 * do not rely on their reference code: a triad with s = 0 copies b; a matrix
 * times the identity is that matrix, bit for bit; the Laplacian of a constant
 * image and of a linear ramp is 0 inside and the border is copied. Run on one
 * target (argv[1]: "host" or "cl"; "cl" skips when there is no OpenCL device),
 * straight through the runtime, with outputs poisoned (NaN) before each run.
 */
#include "check.h"
#include "examples_util.h"

/* Builds, runs and reads back one variant; host[i] holds argument i (arrays
 * of count(size) elements). 0 ok, -1 with the reason printed. */
static int run_variant(kiln_rt *rt, const kiln_kernel *k, const char *settings, const kiln_size *size,
                       void *const *host)
{
    kiln_config cfg;
    kiln_buf *bufs[KILN_MAX_ARGS] = {0};
    kiln_program *prog = NULL;
    char *src = NULL, *log = NULL;
    char err[512] = "";
    int rc = -1;
    kiln_ctx *ctx = kiln_ctx_new();
    if (example_config(k, settings, &cfg) != 0) {
        fprintf(stderr, "%s: bad settings '%s'\n", k->name, settings);
        goto out;
    }
    kiln_proc *proc = k->build(ctx, &cfg, size);
    if (!proc) {
        fprintf(stderr, "%s [%s]: description: %s\n", k->name, settings, kiln_errmsg(ctx));
        goto out;
    }
    src = kiln_generate(proc, kiln_rt_lang(rt), NULL, err, sizeof err);
    if (!src) {
        fprintf(stderr, "%s [%s]: generator: %s\n", k->name, settings, err);
        goto out;
    }
    prog = kiln_program_build(rt, src, kiln_proc_name(proc), "", &log);
    if (!prog) {
        fprintf(stderr, "%s [%s]: build: %s\n%s\n", k->name, settings, kiln_rt_errmsg(rt), log ? log : "");
        goto out;
    }
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        size_t bytes = a->is_scalar ? kiln_scalar_bytes(a->elem) : a->count(size) * kiln_scalar_bytes(a->elem);
        int bad;
        if (a->is_scalar) {
            bad = kiln_program_set_scalar(rt, prog, i, host[i], bytes);
        } else {
            bufs[i] = kiln_buf_new(rt, bytes);
            bad = !bufs[i] || kiln_buf_write(rt, bufs[i], host[i], bytes) || kiln_program_set_buf(rt, prog, i, bufs[i]);
        }
        if (bad) {
            fprintf(stderr, "%s [%s]: argument %s: %s\n", k->name, settings, a->name, kiln_rt_errmsg(rt));
            goto out;
        }
    }
    kiln_geometry geo;
    memset(&geo, 0, sizeof geo);
    k->geometry(&cfg, size, &geo);
    double ns;
    if (kiln_program_run(rt, prog, &geo, &ns)) {
        fprintf(stderr, "%s [%s]: run: %s\n", k->name, settings, kiln_rt_errmsg(rt));
        goto out;
    }
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        if (!a->is_scalar && a->dir != KILN_IN &&
            kiln_buf_read(rt, bufs[i], host[i], a->count(size) * kiln_scalar_bytes(a->elem))) {
            fprintf(stderr, "%s [%s]: read %s: %s\n", k->name, settings, a->name, kiln_rt_errmsg(rt));
            goto out;
        }
    }
    rc = 0;
out:
    for (int i = 0; i < k->nargs; i++)
        if (bufs[i])
            kiln_buf_free(rt, bufs[i]);
    if (prog)
        kiln_program_free(rt, prog);
    free(log);
    free(src);
    kiln_ctx_free(ctx);
    return rc;
}

static void triad_s_zero(kiln_rt *rt, const char *settings)
{
    kiln_size size = {1, {4096, 1, 1}};
    int32_t n = 4096;
    float s = 0.0f;
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    for (int i = 0; i < n; i++) {
        b[i] = (float)(i % 97) * 0.25f - 7.0f;
        c[i] = (float)(i % 13) + 1.0f;
    }
    kiln_poison(KILN_F32, a, (size_t)n);
    void *args[] = {&n, a, b, c, &s};
    CHECK_MSG(run_variant(rt, &kiln_kernel_triad, settings, &size, args) == 0, "triad [%s] did not run", settings);
    int wrong = 0;
    for (int i = 0; i < n; i++)
        wrong += memcmp(&a[i], &b[i], sizeof(float)) != 0;
    CHECK_MSG(wrong == 0, "triad [%s] with s = 0: %d of %d elements differ from b", settings, wrong, n);
    free(a);
    free(b);
    free(c);
}

static void matmul_identity(kiln_rt *rt, const char *settings)
{
    int32_t n = 32;
    kiln_size size = {1, {n, 1, 1}};
    size_t nn = (size_t)n * n;
    float *a = malloc(nn * sizeof *a), *id = calloc(nn, sizeof *id), *c = malloc(nn * sizeof *c);
    for (size_t i = 0; i < nn; i++)
        a[i] = (float)((i * 7919) % 1009) / 17.0f - 29.0f;
    for (int i = 0; i < n; i++)
        id[(size_t)i * n + i] = 1.0f;
    kiln_poison(KILN_F32, c, nn);
    void *args[] = {&n, a, id, c};
    CHECK_MSG(run_variant(rt, &kiln_kernel_matmul, settings, &size, args) == 0, "matmul [%s] did not run", settings);
    size_t wrong = 0;
    for (size_t i = 0; i < nn; i++)
        wrong += memcmp(&a[i], &c[i], sizeof(float)) != 0;
    CHECK_MSG(wrong == 0, "matmul [%s]: A * I differs from A in %zu of %zu elements", settings, wrong, nn);
    free(a);
    free(id);
    free(c);
}

/* in(x, y) = ax * x + ay * y + c0, chosen so that every sum is exact in f32. */
static void laplace_affine(kiln_rt *rt, const char *settings, float ax, float ay, float c0)
{
    int32_t nx = 64, ny = 24;
    kiln_size size = {2, {nx, ny, 1}};
    size_t count = (size_t)nx * ny;
    float *in = malloc(count * sizeof *in), *out = malloc(count * sizeof *out);
    for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++)
            in[(size_t)y * nx + x] = ax * (float)x + ay * (float)y + c0;
    kiln_poison(KILN_F32, out, count);
    void *args[] = {&nx, &ny, in, out};
    CHECK_MSG(run_variant(rt, &kiln_kernel_laplace, settings, &size, args) == 0, "laplace [%s] did not run", settings);
    size_t bad_inside = 0, bad_border = 0;
    for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++) {
            size_t i = (size_t)y * nx + x;
            if (x == 0 || y == 0 || x == nx - 1 || y == ny - 1)
                bad_border += out[i] != in[i];
            else
                bad_inside += out[i] != 0.0f;
        }
    CHECK_MSG(bad_inside == 0, "laplace [%s] of %g x + %g y + %g: %zu interior pixels are not 0", settings, ax, ay, c0,
              bad_inside);
    CHECK_MSG(bad_border == 0, "laplace [%s]: %zu border pixels are not copied", settings, bad_border);
    free(in);
    free(out);
}

int main(int argc, char **argv)
{
    const char *target = argc > 1 ? argv[1] : "host";
    int want_cl = strcmp(target, "cl") == 0;
    char err[1024] = "";
    kiln_rt *rt = kiln_rt_open(want_cl ? NULL : "host", err, sizeof err);
    if (want_cl && (!rt || kiln_rt_lang(rt) != KILN_LANG_CL)) {
        kiln_rt_close(rt);
        SKIP("no OpenCL device (%s)", rt ? "only the host was found" : err);
    }
    CHECK_MSG(rt != NULL, "cannot open the %s device: %s", target, err);
    if (!rt)
        CHECK_DONE();

    triad_s_zero(rt, "");
    triad_s_zero(rt, "vec=8,per_item=4,wg=64");
    matmul_identity(rt, "");
    matmul_identity(rt, "tile=16,wpt=4,vec=4,unroll=4,local=0");
    matmul_identity(rt, "tile=8,wpt=2,vec=2,unroll=2,local=1");
    const char *laplace_cfgs[] = {
        "",
        "x_per_item=2,y_per_item=2,vec=4,synth=1",
        "x_per_item=4,y_per_item=4,vec=1,temp_size=8,synth=1,wg_x=8,wg_y=2",
        "x_per_item=1,y_per_item=2,vec=8,temp_size=8,synth=0",
    };
    for (size_t i = 0; i < sizeof laplace_cfgs / sizeof laplace_cfgs[0]; i++) {
        laplace_affine(rt, laplace_cfgs[i], 0.0f, 0.0f, 0.75f);   /* constant */
        laplace_affine(rt, laplace_cfgs[i], 0.5f, -0.25f, 3.0f);  /* linear ramp */
    }
    kiln_rt_close(rt);
    CHECK_DONE();
}
