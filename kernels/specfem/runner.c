/*
 * runner.c: named device buffers and built kernels for the SPECFEM driver and
 * the physics tests (runner.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kiln/gen.h"
#include "kernels/specfem/runner.h"

typedef struct named_buf {
    char name[64];
    kiln_buf *buf;
    size_t bytes;
} named_buf;

struct specfem_buffers {
    kiln_rt *rt;
    named_buf *bufs;
    int n, cap;
};

struct specfem_launch {
    specfem_buffers *b;
    const kiln_kernel *k;
    kiln_config cfg;
    kiln_size size;
    kiln_program *prog;
};

specfem_buffers *specfem_buffers_new(kiln_rt *rt)
{
    specfem_buffers *b = calloc(1, sizeof *b);
    if (b)
        b->rt = rt;
    return b;
}

void specfem_buffers_free(specfem_buffers *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->n; i++)
        kiln_buf_free(b->rt, b->bufs[i].buf);
    free(b->bufs);
    free(b);
}

static named_buf *find(specfem_buffers *b, const char *name)
{
    for (int i = 0; i < b->n; i++)
        if (strcmp(b->bufs[i].name, name) == 0)
            return &b->bufs[i];
    return NULL;
}

int specfem_buffers_put(specfem_buffers *b, const char *name, const void *host, size_t bytes, char *err, size_t errlen)
{
    named_buf *nb = find(b, name);
    if (nb && nb->bytes != bytes) {
        snprintf(err, errlen, "buffer '%s' holds %zu bytes, not %zu", name, nb->bytes, bytes);
        return -1;
    }
    if (!nb) {
        if (b->n == b->cap) {
            int cap = b->cap ? 2 * b->cap : 16;
            named_buf *more = realloc(b->bufs, (size_t)cap * sizeof *more);
            if (!more) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            b->bufs = more;
            b->cap = cap;
        }
        kiln_buf *buf = kiln_buf_new(b->rt, bytes);
        if (!buf) {
            snprintf(err, errlen, "buffer '%s': %s", name, kiln_rt_errmsg(b->rt));
            return -1;
        }
        nb = &b->bufs[b->n++];
        snprintf(nb->name, sizeof nb->name, "%s", name);
        nb->buf = buf;
        nb->bytes = bytes;
    }
    if (kiln_buf_write(b->rt, nb->buf, host, bytes) != 0) {
        snprintf(err, errlen, "buffer '%s': %s", name, kiln_rt_errmsg(b->rt));
        return -1;
    }
    return 0;
}

int specfem_buffers_get(specfem_buffers *b, const char *name, void *host, size_t bytes, char *err, size_t errlen)
{
    named_buf *nb = find(b, name);
    if (!nb || bytes > nb->bytes) {
        snprintf(err, errlen, "no buffer '%s' of %zu bytes", name, bytes);
        return -1;
    }
    if (kiln_buf_read(b->rt, nb->buf, host, bytes) != 0) {
        snprintf(err, errlen, "buffer '%s': %s", name, kiln_rt_errmsg(b->rt));
        return -1;
    }
    return 0;
}

static kiln_program *build_program(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size,
                                   char *err, size_t errlen)
{
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_proc *proc = ctx ? kiln_kernel_build(k, ctx, cfg, size) : NULL;
    char *src = proc ? kiln_generate(proc, kiln_rt_lang(rt), NULL, err, errlen) : NULL;
    kiln_program *prog = NULL;
    if (!proc)
        snprintf(err, errlen, "%s: %s", k->name, ctx ? kiln_errmsg(ctx) : "out of memory");
    if (src) {
        char *log = NULL;
        prog = kiln_program_build(rt, src, kiln_proc_name(proc), "", &log);
        if (!prog)
            snprintf(err, errlen, "%s: %s %s", k->name, kiln_rt_errmsg(rt), log ? log : "");
        free(log);
    }
    free(src);
    kiln_ctx_free(ctx);
    return prog;
}

static int arg_index(const kiln_kernel *k, const char *name)
{
    for (int i = 0; i < k->nargs; i++)
        if (strcmp(k->args[i].name, name) == 0)
            return i;
    return -1;
}

specfem_launch *specfem_launch_new(specfem_buffers *b, const kiln_kernel *k, const kiln_config *cfg,
                                   const kiln_size *size, kiln_args *args, char *err, size_t errlen)
{
    specfem_launch *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    *l = (specfem_launch){.b = b, .k = k, .cfg = *cfg, .size = *size};
    if (!(l->prog = build_program(b->rt, k, cfg, size, err, errlen))) {
        free(l);
        return NULL;
    }
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        int rc;
        if (a->is_scalar) {
            rc = kiln_program_set_scalar(b->rt, l->prog, i, kiln_args_at(args, i), kiln_scalar_bytes(a->elem));
        } else {
            if (!find(b, a->name) &&
                specfem_buffers_put(b, a->name, kiln_args_at(args, i), kiln_args_bytes(args, i), err, errlen) != 0) {
                specfem_launch_free(l);
                return NULL;
            }
            named_buf *nb = find(b, a->name);
            if (nb->bytes != kiln_args_bytes(args, i)) {
                snprintf(err, errlen, "%s: argument '%s' needs %zu bytes, buffer has %zu", k->name, a->name,
                         kiln_args_bytes(args, i), nb->bytes);
                specfem_launch_free(l);
                return NULL;
            }
            rc = kiln_program_set_buf(b->rt, l->prog, i, nb->buf);
        }
        if (rc != 0) {
            snprintf(err, errlen, "%s: argument '%s': %s", k->name, a->name, kiln_rt_errmsg(b->rt));
            specfem_launch_free(l);
            return NULL;
        }
    }
    return l;
}

void specfem_launch_free(specfem_launch *l)
{
    if (!l)
        return;
    kiln_program_free(l->b->rt, l->prog);
    free(l);
}

int specfem_launch_set(specfem_launch *l, const char *name, double value, char *err, size_t errlen)
{
    int i = arg_index(l->k, name);
    if (i < 0 || !l->k->args[i].is_scalar) {
        snprintf(err, errlen, "%s has no scalar argument '%s'", l->k->name, name);
        return -1;
    }
    kiln_scalar e = l->k->args[i].elem;
    int32_t iv = (int32_t)value;
    float fv = (float)value;
    const void *p = e == KILN_I32 ? (const void *)&iv : e == KILN_F32 ? (const void *)&fv : (const void *)&value;
    if (e != KILN_I32 && e != KILN_F32 && e != KILN_F64) {
        snprintf(err, errlen, "%s: scalar '%s' is %s", l->k->name, name, kiln_scalar_name(e));
        return -1;
    }
    if (kiln_program_set_scalar(l->b->rt, l->prog, i, p, kiln_scalar_bytes(e)) != 0) {
        snprintf(err, errlen, "%s: '%s': %s", l->k->name, name, kiln_rt_errmsg(l->b->rt));
        return -1;
    }
    return 0;
}

int specfem_launch_run(specfem_launch *l, const kiln_geometry *geo, char *err, size_t errlen)
{
    kiln_geometry own;
    if (!geo) {
        l->k->geometry(&l->cfg, &l->size, &own);
        geo = &own;
    }
    double ns;
    if (kiln_program_run(l->b->rt, l->prog, geo, &ns) != 0) {
        snprintf(err, errlen, "%s: %s", l->k->name, kiln_rt_errmsg(l->b->rt));
        return -1;
    }
    return 0;
}
