/*
 * test_examples_invariants.c: properties the example kernels must have that
 * do not rely on their reference code: a triad with s = 0 copies b; a matrix
 * times the identity is that matrix, bit for bit; the Laplacian of a constant
 * image and of a linear ramp is 0 inside and the border is copied; the RGB
 * filter of a flat image with a few isolated spike pixels is known in closed
 * form (the spike's own components, its neighbours' and 0 elsewhere, each
 * clamped to 0..255, channel by channel) and its border is copied. Run on one
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
    kiln_buf **bufs = calloc((size_t)k->nargs + 1, sizeof *bufs);
    kiln_program *prog = NULL;
    char *src = NULL, *log = NULL;
    char err[512] = "";
    int rc = -1;
    kiln_ctx *ctx = kiln_ctx_new();
    if (example_config(k, settings, &cfg) != 0) {
        fprintf(stderr, "%s: bad settings '%s'\n", k->name, settings);
        goto out;
    }
    kiln_proc *proc = kiln_kernel_build(k, ctx, &cfg, size);
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
    for (int i = 0; bufs && i < k->nargs; i++)
        if (bufs[i])
            kiln_buf_free(rt, bufs[i]);
    free(bufs);
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

/* An RGB image of nx x ny pixels, all `bg` but for pixels at[] set to `spike`
 * (each pair at least 3 pixels apart, so no pixel has two spikes in its
 * neighbourhood). Inside, out is clamp(8 * (spike - bg)) on a spike,
 * clamp(bg - spike) beside one and 0 elsewhere; border pixels are copied. */
static void rgb_spikes(kiln_rt *rt, const char *settings, const uint8_t bg[3], const uint8_t spike[3])
{
    static const int at[][2] = {{0, 9}, {1, 1}, {5, 17}, {16, 1}, {24, 10}, {40, 3}, {46, 18}, {47, 0}};
    const int nspikes = (int)(sizeof at / sizeof at[0]);
    int32_t nx = 48, ny = 20;
    kiln_size size = {2, {nx, ny, 1}};
    size_t w = 3 * (size_t)nx, count = w * (size_t)ny;
    uint8_t *in = malloc(count), *out = malloc(count);
    char *kind = calloc((size_t)nx * ny, 1);   /* 's': a spike, 'n': beside one */
    for (int i = 0; i < nspikes; i++)
        for (int j = 0; j < i; j++)
            CHECK(abs(at[i][0] - at[j][0]) >= 3 || abs(at[i][1] - at[j][1]) >= 3);
    for (size_t i = 0; i < count; i++)
        in[i] = bg[i % 3];
    for (int i = 0; i < nspikes; i++) {
        int sx = at[i][0], sy = at[i][1];
        memcpy(in + (size_t)sy * w + 3 * (size_t)sx, spike, 3);
        for (int y = sy - 1; y <= sy + 1; y++)
            for (int x = sx - 1; x <= sx + 1; x++)
                if (x >= 0 && y >= 0 && x < nx && y < ny)
                    kind[(size_t)y * nx + x] = x == sx && y == sy ? 's' : 'n';
    }
    kiln_poison(KILN_U8, out, count);
    void *args[] = {&nx, &ny, in, out};
    CHECK_MSG(run_variant(rt, &kiln_kernel_laplace_rgb, settings, &size, args) == 0, "laplace_rgb [%s] did not run",
              settings);
    size_t bad_inside = 0, bad_border = 0, first_bad = count;
    for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++)
            for (int c = 0; c < 3; c++) {
                size_t i = (size_t)y * w + 3 * (size_t)x + c;
                if (x == 0 || y == 0 || x == nx - 1 || y == ny - 1) {
                    bad_border += out[i] != in[i];
                    continue;
                }
                char k = kind[(size_t)y * nx + x];
                int d = k == 's' ? 8 * (spike[c] - bg[c]) : k == 'n' ? bg[c] - spike[c] : 0;
                int want = d < 0 ? 0 : d > 255 ? 255 : d;
                if (out[i] != want) {
                    bad_inside++;
                    if (first_bad == count)
                        first_bad = i;
                }
            }
    CHECK_MSG(bad_inside == 0, "laplace_rgb [%s], background (%d, %d, %d), spikes (%d, %d, %d): %zu interior "
              "components wrong, the first at pixel (%zu, %zu) component %zu", settings, bg[0], bg[1], bg[2],
              spike[0], spike[1], spike[2], bad_inside, first_bad % w / 3, first_bad / w, first_bad % 3);
    CHECK_MSG(bad_border == 0, "laplace_rgb [%s]: %zu border components are not copied", settings, bad_border);
    free(in);
    free(out);
    free(kind);
}

int main(int argc, char **argv)
{
    kiln_rt *rt = example_open_target(argc, argv);
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
    const char *rgb_cfgs[] = {
        "",
        "x_component_number=1,vector_length=1,y_component_number=4,wg_x=8,wg_y=8",
        "x_component_number=16,vector_length=16,synthesizing_loads=1",
        "x_component_number=8,vector_length=2,y_component_number=2,temporary_size=4,synthesizing_loads=1",
        "x_component_number=16,vector_length=8,y_component_number=4,temporary_size=4",
    };
    static const uint8_t flat[3] = {17, 200, 255}, white[3] = {255, 255, 255}, black[3] = {0, 0, 0},
                         grey[3] = {100, 100, 100}, mixed[3] = {255, 0, 100};
    for (size_t i = 0; i < sizeof rgb_cfgs / sizeof rgb_cfgs[0]; i++) {
        rgb_spikes(rt, rgb_cfgs[i], flat, flat);    /* a constant image: 0 inside */
        rgb_spikes(rt, rgb_cfgs[i], white, black);  /* dark pixels: 0 on them, 255 around them */
        rgb_spikes(rt, rgb_cfgs[i], grey, mixed);   /* both clamps and an unchanged channel */
    }
    kiln_rt_close(rt);
    CHECK_DONE();
}
