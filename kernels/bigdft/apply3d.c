/*
 * apply3d.c: the 3-D operators as three passes on one device.
 *
 * Pass d filters the fastest axis of its input and writes it slowest, so
 * x(i3, i2, i1) becomes (i1, i3, i2), then (i2, i1, i3), then (i3, i2, i1)
 * again. The magic filter chains y = F3 F2 F1 x through two scratch buffers;
 * the kinetic passes carry x along (transposed) and add -1/2 h_d^-2 D2_d x
 * into y, which starts at zero. The fused kinetic operator is one launch
 * (bigdft.kinetic3d_fused, stencil3d.c) from x[0] into y[0].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/bigdft/bigdft.h"

struct bigdft_3d {
    kiln_rt *rt;
    bigdft_op3d op;
    const kiln_kernel *kernel;
    size_t count, elem_bytes;
    kiln_program *prog[3];
    kiln_geometry geo[3];
    kiln_buf *x[3], *y[4];     /* magic filter: x[0] input, x[1], x[2] scratch, y[0] result */
    int separate;              /* bigdft_3d_set_separate */
};

static int fail(char *err, size_t errlen, const char *what, const char *why)
{
    snprintf(err, errlen, "bigdft 3-D: %s: %s", what, why);
    return -1;
}

/* The programs of b: three passes, or the fused operator's one launch. */
static int programs(const bigdft_3d *b)
{
    return b->op == BIGDFT_KINETIC3D_FUSED ? 1 : 3;
}

/* Builds program `d` of b's kernel for one size, and its launch geometry. */
static int build_program(bigdft_3d *b, int d, const kiln_config *cfg, const kiln_size *sz, int openmp, char *err,
                         size_t errlen)
{
    kiln_size size = *sz;
    kiln_ctx *ctx = kiln_ctx_new();
    if (!ctx)
        return fail(err, errlen, "pass", "out of memory");
    kiln_proc *proc = kiln_kernel_build(b->kernel, ctx, cfg, &size);
    if (!proc) {
        fail(err, errlen, b->kernel->name, kiln_errmsg(ctx));
        kiln_ctx_free(ctx);
        return -1;
    }
    kiln_gen_opts gopts = {.openmp = openmp};
    char gerr[512] = "";
    char *source = kiln_generate(proc, kiln_rt_lang(b->rt), &gopts, gerr, sizeof gerr);
    char name[64];
    snprintf(name, sizeof name, "%s", kiln_proc_name(proc));
    kiln_ctx_free(ctx);
    if (!source)
        return fail(err, errlen, "generator", gerr);
    char *log = NULL;
    b->prog[d] = kiln_program_build(b->rt, source, name, "", &log);
    free(source);
    if (!b->prog[d]) {
        snprintf(err, errlen, "bigdft 3-D: build: %s: %s", kiln_rt_errmsg(b->rt), log ? log : "");
        free(log);
        return -1;
    }
    free(log);
    return kiln_kernel_geometry(b->kernel, cfg, &size, &b->geo[d], err, errlen);
}

/* Builds pass `d` for size (n, ndat) and sets its scalar arguments. */
static int build_pass(bigdft_3d *b, int d, const kiln_config *cfg, int n, int ndat, double scale, int openmp,
                      char *err, size_t errlen)
{
    if (build_program(b, d, cfg, &(kiln_size){2, {n, ndat, 1}}, openmp, err, errlen) != 0)
        return -1;
    int32_t vn = n, vndat = ndat;
    int rc = kiln_program_set_scalar(b->rt, b->prog[d], 0, &vn, sizeof vn) |
             kiln_program_set_scalar(b->rt, b->prog[d], 1, &vndat, sizeof vndat);
    if (b->op == BIGDFT_KINETIC3D)
        rc |= kiln_program_set_scalar(b->rt, b->prog[d], 2, &scale, sizeof scale);
    return rc ? fail(err, errlen, "arguments", kiln_rt_errmsg(b->rt)) : 0;
}

/* The fused operator: n1, n2, n3, s1, s2, s3, x[0] -> y[0]. */
static int build_fused(bigdft_3d *b, const kiln_config *cfg, const int ext[3], const double h[3], int openmp,
                       char *err, size_t errlen)
{
    if (build_program(b, 0, cfg, &(kiln_size){3, {ext[0], ext[1], ext[2]}}, openmp, err, errlen) != 0)
        return -1;
    int rc = 0;
    for (int d = 0; d < 3; d++) {
        int32_t v = ext[d];
        double s = -0.5 / (h[d] * h[d]);
        rc |= kiln_program_set_scalar(b->rt, b->prog[0], d, &v, sizeof v) |
              kiln_program_set_scalar(b->rt, b->prog[0], 3 + d, &s, sizeof s);
    }
    rc |= kiln_program_set_buf(b->rt, b->prog[0], 6, b->x[0]) | kiln_program_set_buf(b->rt, b->prog[0], 7, b->y[0]);
    return rc ? fail(err, errlen, "arguments", kiln_rt_errmsg(b->rt)) : 0;
}

/* Pass d's buffers: magic filter x[0] -> x[1] -> x[2] -> y[0];
 * kinetic (x[d], y[d]) -> (x[(d + 1) % 3], y[d + 1]), y[0] zero. */
static int bind_pass(bigdft_3d *b, int d)
{
    kiln_rt *rt = b->rt;
    kiln_program *p = b->prog[d];
    if (b->op == BIGDFT_MAGICFILTER3D)
        return kiln_program_set_buf(rt, p, 2, b->x[d]) | kiln_program_set_buf(rt, p, 3, d == 2 ? b->y[0] : b->x[d + 1]);
    return kiln_program_set_buf(rt, p, 3, b->x[d]) | kiln_program_set_buf(rt, p, 4, b->y[d]) |
           kiln_program_set_buf(rt, p, 5, b->x[(d + 1) % 3]) | kiln_program_set_buf(rt, p, 6, b->y[d + 1]);
}

bigdft_3d *bigdft_3d_new(kiln_rt *rt, bigdft_op3d op, const kiln_config *cfg, int n1, int n2, int n3,
                         const double h[3], int openmp, char *err, size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    int kinetic = op != BIGDFT_MAGICFILTER3D, fused = op == BIGDFT_KINETIC3D_FUSED;
    if (n1 < 1 || n2 < 1 || n3 < 1 || (kinetic && !h)) {
        fail(err, errlen, "arguments", "the extents must be positive, and the kinetic operator needs h");
        return NULL;
    }
    bigdft_3d *b = calloc(1, sizeof *b);
    if (!b) {
        fail(err, errlen, "state", "out of memory");
        return NULL;
    }
    b->rt = rt;
    b->op = op;
    b->kernel = fused ? &kiln_kernel_bigdft_kinetic3d_fused
                : kinetic ? &kiln_kernel_bigdft_kinetic : &kiln_kernel_bigdft_magicfilter;
    b->count = (size_t)n1 * (size_t)n2 * (size_t)n3;
    b->elem_bytes = sizeof(double);
    size_t bytes = b->count * b->elem_bytes;
    for (int k = 0; k < programs(b); k++)
        if (!(b->x[k] = kiln_buf_new(rt, bytes)))
            goto no_buffer;
    for (int k = 0; k < (op == BIGDFT_KINETIC3D ? 4 : 1); k++)
        if (!(b->y[k] = kiln_buf_new(rt, bytes)))
            goto no_buffer;
    const int ext[3] = {n1, n2, n3};
    if (fused) {
        if (build_fused(b, cfg, ext, h, openmp, err, errlen) != 0) {
            bigdft_3d_free(b);
            return NULL;
        }
        return b;
    }
    if (op == BIGDFT_KINETIC3D) {
        double *zero = calloc(b->count, sizeof *zero);
        int rc = zero ? kiln_buf_write(rt, b->y[0], zero, bytes) : -1;
        free(zero);
        if (rc != 0)
            goto no_buffer;
    }
    for (int d = 0; d < 3; d++) {
        int ndat = ext[(d + 1) % 3] * ext[(d + 2) % 3];
        double scale = op == BIGDFT_KINETIC3D ? -0.5 / (h[d] * h[d]) : 0.0;
        if (build_pass(b, d, cfg, ext[d], ndat, scale, openmp, err, errlen) != 0 || bind_pass(b, d) != 0) {
            if (!err[0])
                fail(err, errlen, "arguments", kiln_rt_errmsg(rt));
            bigdft_3d_free(b);
            return NULL;
        }
    }
    return b;
no_buffer:
    fail(err, errlen, "buffers", kiln_rt_errmsg(rt));
    bigdft_3d_free(b);
    return NULL;
}

void bigdft_3d_free(bigdft_3d *b)
{
    if (!b)
        return;
    for (int d = 0; d < 3; d++)
        if (b->prog[d])
            kiln_program_free(b->rt, b->prog[d]);
    for (int k = 0; k < 3; k++)
        if (b->x[k])
            kiln_buf_free(b->rt, b->x[k]);
    for (int k = 0; k < 4; k++)
        if (b->y[k])
            kiln_buf_free(b->rt, b->y[k]);
    free(b);
}

int bigdft_3d_set_input(bigdft_3d *b, const void *x, char *err, size_t errlen)
{
    if (kiln_buf_write(b->rt, b->x[0], x, b->count * b->elem_bytes) != 0)
        return fail(err, errlen, "input", kiln_rt_errmsg(b->rt));
    return 0;
}

void bigdft_3d_set_separate(bigdft_3d *b, int separate)
{
    b->separate = separate;
}

/* The three passes as one list: on the host no process sleeps between two
 * of them. */
int bigdft_3d_run(bigdft_3d *b, double *elapsed_ns, char *err, size_t errlen)
{
    double ns[3] = {0.0, 0.0, 0.0};
    int rc = 0;
    for (int d = 0; b->separate && d < programs(b) && rc == 0; d++)
        rc = kiln_program_run(b->rt, b->prog[d], &b->geo[d], &ns[d]);
    if (!b->separate)
        rc = kiln_program_run_list(b->rt, programs(b), b->prog, b->geo, ns);
    if (rc != 0)
        return fail(err, errlen, "run", kiln_rt_errmsg(b->rt));
    if (elapsed_ns)
        *elapsed_ns = ns[0] + ns[1] + ns[2];
    return 0;
}

int bigdft_3d_result(bigdft_3d *b, void *y, char *err, size_t errlen)
{
    kiln_buf *result = b->op == BIGDFT_KINETIC3D ? b->y[3] : b->y[0];
    if (kiln_buf_read(b->rt, result, y, b->count * b->elem_bytes) != 0)
        return fail(err, errlen, "result", kiln_rt_errmsg(b->rt));
    return 0;
}
