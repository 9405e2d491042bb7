/*
 * registry.c: configurations, problem sizes, the checked calls into a kernel
 * (its description and geometry read only declared parameters, its
 * description declares the table's arguments), and the seeded generator every
 * input generator uses. (The list of kernels is in builtin.c.)
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dsl/dsl_int.h"
#include "kiln/kernel.h"
#include "kernels/kernels_int.h"

/* While a kernel's description or geometry runs, the configuration it was
 * given and the first name it asked for that the configuration does not have.
 * Per thread: kiln_config_get has no context to carry it. */
static _Thread_local struct {
    const kiln_config *cfg;
    char unknown[128];
} param_watch;

long long kiln_config_get(const kiln_config *c, const char *name, long long fallback)
{
    for (int i = 0; c && i < c->n; i++)
        if (strcmp(c->names[i], name) == 0)
            return c->values[i];
    if (c && c == param_watch.cfg && !param_watch.unknown[0])
        snprintf(param_watch.unknown, sizeof param_watch.unknown, "%s", name ? name : "(null)");
    return fallback;
}

static void watch_begin(const kiln_config *cfg)
{
    param_watch.cfg = cfg;
    param_watch.unknown[0] = '\0';
}

/* 1 when the watched call read an undeclared parameter (its name in `name`). */
static int watch_end(char *name, size_t len)
{
    param_watch.cfg = NULL;
    snprintf(name, len, "%s", param_watch.unknown);
    return name[0] != '\0';
}

void kiln_kernels_errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static const char *dir_name(kiln_dir d)
{
    return d == KILN_IN ? "in" : d == KILN_OUT ? "out" : "inout";
}

int kiln_kernel_match_args(const kiln_kernel *k, const kiln_proc *proc, char *err, size_t errlen)
{
    for (int i = 0; i < k->nargs || i < proc->nargs; i++) {
        const kiln_arg_info *t = i < k->nargs ? &k->args[i] : NULL;
        const kiln_var *d = i < proc->nargs ? proc->args[i] : NULL;
        if (!t) {
            kiln_kernels_errf(err, errlen, "kernel '%s': the description declares argument %d '%s', which the table lacks",
                    k->name, i + 1, d->name);
            return -1;
        }
        if (!d) {
            kiln_kernels_errf(err, errlen, "kernel '%s': the table declares argument %d '%s', which the description lacks",
                    k->name, i + 1, t->name ? t->name : "(null)");
            return -1;
        }
        if (!t->name || strcmp(t->name, d->name) != 0) {
            kiln_kernels_errf(err, errlen, "kernel '%s': argument %d is '%s' in the description but '%s' in the table", k->name,
                    i + 1, d->name, t->name ? t->name : "(null)");
            return -1;
        }
        const char *what = NULL;
        char want[64] = "", have[64] = "";
        if (t->is_scalar == d->is_array) {
            what = "kind";
            snprintf(want, sizeof want, "%s", d->is_array ? "array" : "scalar");
            snprintf(have, sizeof have, "%s", t->is_scalar ? "scalar" : "array");
        } else if (t->elem != d->type.scalar) {
            what = "element type";
            snprintf(want, sizeof want, "%s", kiln_scalar_name(d->type.scalar));
            snprintf(have, sizeof have, "%s", kiln_scalar_name(t->elem));
        } else if (t->dir != (d->is_array ? d->dir : KILN_IN)) {
            what = "direction";
            snprintf(want, sizeof want, "%s", dir_name(d->is_array ? d->dir : KILN_IN));
            snprintf(have, sizeof have, "%s", dir_name(t->dir));
        }
        if (what) {
            kiln_kernels_errf(err, errlen, "kernel '%s': argument '%s' has %s %s in the description but %s in the table",
                    k->name, t->name, what, want, have);
            return -1;
        }
    }
    return 0;
}

/* k->build with the contract checked: on a violation (an undeclared
 * parameter read, arguments unlike the table) NULL with `contract` set. */
static kiln_proc *build_checked(const kiln_kernel *k, kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size,
                                char *contract, size_t len)
{
    char unknown[128];
    contract[0] = '\0';
    if (!k->build) {
        kiln_kernels_errf(contract, len, "kernel '%s' has no build function", k->name);
        return NULL;
    }
    watch_begin(cfg);
    kiln_proc *proc = k->build(ctx, cfg, size);
    if (watch_end(unknown, sizeof unknown)) {
        kiln_kernels_errf(contract, len, "kernel '%s': the description reads parameter '%s', which the kernel does not declare",
                k->name, unknown);
        return NULL;
    }
    if (proc && kiln_kernel_match_args(k, proc, contract, len) != 0)
        return NULL;
    return proc;
}

kiln_proc *kiln_kernel_build(const kiln_kernel *k, kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    char contract[512];
    kiln_proc *proc = build_checked(k, ctx, cfg, size, contract, sizeof contract);
    if (contract[0]) {
        /* the contract's error is the cause, whatever the description said after it */
        kiln_ctx_reset(ctx);
        kiln_fail_at(ctx, (kiln_loc){NULL, 0, 0}, "%s", contract);
        return NULL;
    }
    return proc;
}

int kiln_kernel_geometry(const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo,
                         char *err, size_t errlen)
{
    char unknown[128];
    if (!k->geometry) {
        kiln_kernels_errf(err, errlen, "kernel '%s' has no geometry function", k->name);
        return -1;
    }
    memset(geo, 0, sizeof *geo);
    watch_begin(cfg);
    k->geometry(cfg, size, geo);
    if (watch_end(unknown, sizeof unknown)) {
        kiln_kernels_errf(err, errlen, "kernel '%s': the geometry reads parameter '%s', which the kernel does not declare",
                k->name, unknown);
        return -1;
    }
    return 0;
}

int kiln_kernel_check(const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size, char *err,
                      size_t errlen)
{
    static const char *const callbacks[] = {"build", "inputs", "reference", "geometry"};
    const void *present[] = {(const void *)k->build, (const void *)k->inputs, (const void *)k->reference,
                             (const void *)k->geometry};
    for (size_t i = 0; i < sizeof callbacks / sizeof callbacks[0]; i++)
        if (!present[i]) {
            kiln_kernels_errf(err, errlen, "kernel '%s' has no %s function", k->name ? k->name : "(unnamed)", callbacks[i]);
            return -1;
        }
    if (k->nargs < 0 || (k->nargs > 0 && !k->args) || k->nparams < 0 || (k->nparams > 0 && !k->params) ||
        k->nconstraints < 0 || (k->nconstraints > 0 && !k->constraints)) {
        kiln_kernels_errf(err, errlen, "kernel '%s': a count without its list (args, params or constraints)", k->name);
        return -1;
    }
    for (int i = 0; i < k->nargs; i++)
        if (!k->args[i].name || (!k->args[i].is_scalar && !k->args[i].count)) {
            kiln_kernels_errf(err, errlen, "kernel '%s': argument %d has no %s", k->name, i + 1,
                    !k->args[i].name ? "name" : "count function");
            return -1;
        }
    kiln_config def;
    if (!cfg) {
        if (k->nparams > KILN_MAX_PARAMS) {
            kiln_kernels_errf(err, errlen, "kernel '%s': %d parameters (limit %d)", k->name, k->nparams, KILN_MAX_PARAMS);
            return -1;
        }
        def.n = k->nparams;
        for (int i = 0; i < k->nparams; i++) {
            def.names[i] = k->params[i].name;
            def.values[i] = k->params[i].default_value;
        }
        cfg = &def;
    }
    kiln_ctx *ctx = kiln_ctx_new();
    if (!ctx) {
        kiln_kernels_errf(err, errlen, "out of memory");
        return -1;
    }
    /* a configuration the description refuses is a verdict, not a broken
     * kernel: only the contract's own errors stop tuning */
    int rc = 0;
    char contract[512];
    build_checked(k, ctx, cfg, size, contract, sizeof contract);
    if (contract[0]) {
        kiln_kernels_errf(err, errlen, "%s", contract);
        rc = -1;
    }
    kiln_ctx_free(ctx);
    kiln_geometry geo;
    if (rc == 0 && kiln_kernel_geometry(k, cfg, size, &geo, err, errlen) != 0)
        rc = -1;
    return rc;
}

int kiln_config_json(const kiln_config *c, char *buf, size_t len)
{
    size_t used = 0;
    int w = snprintf(buf, len, "{");
    used += (size_t)(w > 0 ? w : 0);
    for (int i = 0; i < c->n; i++) {
        w = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0, "%s\"%s\":%lld",
                     i ? "," : "", c->names[i], c->values[i]);
        used += (size_t)(w > 0 ? w : 0);
    }
    w = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0, "}");
    used += (size_t)(w > 0 ? w : 0);
    return (int)used;
}

int kiln_size_parse(const char *text, kiln_size *out)
{
    kiln_size s = {0, {1, 1, 1}};
    const char *p = text;
    if (!p || !*p)
        return -1;
    for (;;) {
        if (!isdigit((unsigned char)*p) || s.ndims == 3)
            return -1;
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (v <= 0 || errno == ERANGE) /* past LLONG_MAX: not clamped to it */
            return -1;
        s.d[s.ndims++] = v;
        p = end;
        if (*p == '\0')
            break;
        if (*p != 'x' && *p != 'X')
            return -1;
        p++;
    }
    *out = s;
    return 0;
}

int kiln_size_format(const kiln_size *s, char *buf, size_t len)
{
    switch (s->ndims) {
    case 1: return snprintf(buf, len, "%lld", s->d[0]);
    case 2: return snprintf(buf, len, "%lldx%lld", s->d[0], s->d[1]);
    default: return snprintf(buf, len, "%lldx%lldx%lld", s->d[0], s->d[1], s->d[2]);
    }
}

uint64_t kiln_rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double kiln_rand_uniform(uint64_t *state, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(kiln_rand_next(state) >> 11) * 0x1.0p-53);
}
