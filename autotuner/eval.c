/*
 * eval.c: evaluating one configuration of a kernel on one device.
 *
 * description(config) -> AST -> source for the device's language -> build ->
 * inputs (seeded) -> poisoned outputs -> one checked run -> verification
 * against the double-precision reference -> timed runs. Every failure becomes
 * a verdict with its text; nothing here prints.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "autotuner/tuner_int.h"

static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void kiln_tuner_errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void kiln_eval_clear(kiln_eval *e)
{
    free(e->source);
    free(e->error_text);
    memset(e, 0, sizeof *e);
}

int kiln_variant_prepare(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg,
                         const kiln_size *size, const kiln_tune_opts *opts, kiln_eval *out,
                         char *kernel_name, size_t name_len)
{
    memset(out, 0, sizeof *out);
    kiln_ctx *ctx = kiln_ctx_new();
    if (!ctx) {
        out->verdict = KILN_BUILD_ERROR;
        out->error_text = str_printf("out of memory");
        return -1;
    }
    kiln_proc *proc = k->build(ctx, cfg, size);
    if (!proc || kiln_ctx_failed(ctx)) {
        out->verdict = KILN_BUILD_ERROR;
        out->error_text = str_printf("description: %s", kiln_errmsg(ctx));
        kiln_ctx_free(ctx);
        return -1;
    }
    snprintf(kernel_name, name_len, "%s", kiln_proc_name(proc));
    kiln_gen_opts gopts = {.openmp = opts ? opts->openmp : 0};
    char gerr[512] = "";
    out->source = kiln_generate(proc, kiln_rt_lang(rt), &gopts, gerr, sizeof gerr);
    kiln_ctx_free(ctx);
    if (!out->source) {
        out->verdict = KILN_BUILD_ERROR;
        out->error_text = str_printf("generator: %s", gerr);
        return -1;
    }
    /* Identity covers the source and the build options the backend adds. */
    kiln_hash_hex(out->source, strlen(out->source), out->source_hash);
    return 0;
}

/* The inputs and the reference of the last (kernel, size, seed): computing
 * them can cost more than the variant itself, and a tuning run asks for the
 * same ones each time. Not thread-safe: one tuning loop per process. */
static struct {
    const kiln_kernel *kernel;
    kiln_size size;
    uint64_t seed;
    void *inputs[KILN_MAX_ARGS];   /* every argument as the input generator left it (outputs poisoned) */
    void *readback[KILN_MAX_ARGS]; /* where out/inout arrays are read back to */
    double *want[KILN_MAX_ARGS];
} ref_cache;

static void ref_cache_clear(void)
{
    for (int i = 0; i < KILN_MAX_ARGS; i++) {
        free(ref_cache.want[i]);
        free(ref_cache.inputs[i]);
        free(ref_cache.readback[i]);
        ref_cache.want[i] = NULL;
        ref_cache.inputs[i] = NULL;
        ref_cache.readback[i] = NULL;
    }
    ref_cache.kernel = NULL;
}

void kiln_eval_release_cache(void)
{
    ref_cache_clear();
}

static int same_size(const kiln_size *a, const kiln_size *b)
{
    if (a->ndims != b->ndims)
        return 0;
    for (int i = 0; i < a->ndims; i++)
        if (a->d[i] != b->d[i])
            return 0;
    return 1;
}

static size_t arg_count(const kiln_arg_info *a, const kiln_size *size)
{
    return a->is_scalar ? 1 : a->count(size);
}

static size_t arg_bytes(const kiln_arg_info *a, const kiln_size *size)
{
    size_t b = arg_count(a, size) * kiln_scalar_bytes(a->elem);
    return b ? b : 8;
}

/* The verdict of a failed kiln_program_run / kiln_program_time status. */
static kiln_verdict verdict_of_run(int rc)
{
    return rc == KILN_RT_TIMEOUT ? KILN_TIMEOUT : rc == KILN_RT_CRASHED ? KILN_CRASHED : KILN_RUN_ERROR;
}

/* Runs, verifies and times a prepared variant. */
static void variant_measure(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg,
                            const kiln_size *size, const kiln_tune_opts *opts, const char *kernel_name,
                            kiln_eval *out)
{
    kiln_buf *bufs[KILN_MAX_ARGS] = {0};
    char *log = NULL;
    uint64_t seed = opts ? opts->seed : 1;

    kiln_program *prog = kiln_program_build(rt, out->source, kernel_name, "", &log);
    if (!prog) {
        out->verdict = KILN_BUILD_ERROR;
        out->error_text = str_printf("%s%s%s", kiln_rt_errmsg(rt), log && *log ? "\n" : "", log ? log : "");
        free(log);
        return;
    }
    free(log);

    /* Inputs, poisoned outputs and the reference are made once per (kernel,
     * size, seed) and kept: every variant uploads the same bytes. */
    if (ref_cache.kernel != k || !same_size(&ref_cache.size, size) || ref_cache.seed != seed) {
        ref_cache_clear();
        for (int i = 0; i < k->nargs; i++) {
            const kiln_arg_info *a = &k->args[i];
            int is_output = !a->is_scalar && a->dir != KILN_IN;
            ref_cache.inputs[i] = calloc(1, arg_bytes(a, size));
            if (is_output) {
                ref_cache.readback[i] = malloc(arg_bytes(a, size));
                ref_cache.want[i] = calloc(arg_count(a, size), sizeof(double));
            }
            if (!ref_cache.inputs[i] || (is_output && (!ref_cache.readback[i] || !ref_cache.want[i]))) {
                ref_cache_clear();
                out->verdict = KILN_RUN_ERROR;
                out->error_text = str_printf("out of memory for the data of argument '%s'", a->name);
                goto done;
            }
            if (!a->is_scalar && a->dir == KILN_OUT)
                kiln_poison(a->elem, ref_cache.inputs[i], arg_count(a, size));
        }
        k->inputs(size, seed, ref_cache.inputs);
        k->reference(size, ref_cache.inputs, ref_cache.want);
        ref_cache.kernel = k;
        ref_cache.size = *size;
        ref_cache.seed = seed;
    }
    void *const *host = ref_cache.inputs;

    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        int rc;
        if (a->is_scalar) {
            rc = kiln_program_set_scalar(rt, prog, i, host[i], kiln_scalar_bytes(a->elem));
        } else {
            bufs[i] = kiln_buf_new(rt, arg_bytes(a, size));
            rc = bufs[i] ? kiln_buf_write(rt, bufs[i], host[i], arg_bytes(a, size)) : -1;
            if (rc == 0)
                rc = kiln_program_set_buf(rt, prog, i, bufs[i]);
        }
        if (rc) {
            out->verdict = KILN_RUN_ERROR;
            out->error_text = str_printf("argument '%s': %s", a->name, kiln_rt_errmsg(rt));
            goto done;
        }
    }

    kiln_geometry geo;
    memset(&geo, 0, sizeof geo);
    k->geometry(cfg, size, &geo);
    double once_ns = 0;
    int rc = kiln_program_run(rt, prog, &geo, &once_ns);
    if (rc) {
        out->verdict = verdict_of_run(rc);
        out->error_text = str_printf("%s", kiln_rt_errmsg(rt));
        goto done;
    }

    out->verdict = KILN_OK;
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        if (a->is_scalar || a->dir == KILN_IN)
            continue;
        if (kiln_buf_read(rt, bufs[i], ref_cache.readback[i], arg_bytes(a, size))) {
            out->verdict = KILN_RUN_ERROR;
            out->error_text = str_printf("reading '%s': %s", a->name, kiln_rt_errmsg(rt));
            goto done;
        }
        double tol = a->tolerance > 0 ? a->tolerance : kiln_default_tolerance(a->elem);
        kiln_verify_report rep;
        kiln_verify(a->elem, ref_cache.readback[i], ref_cache.want[i], arg_count(a, size), tol, &rep);
        if (out->verdict == KILN_OK || rep.max_abs_err > out->verify.max_abs_err)
            out->verify = rep;
        if (!rep.ok && out->verdict == KILN_OK) {
            out->verdict = KILN_WRONG;
            out->verify = rep;
            out->error_text = str_printf("output '%s' differs from the reference: max abs err %.3g, max rel err %.3g, "
                                         "rel L2 err %.3g (tolerance %.1g), worst index %zu, %zu non-finite",
                                         a->name, rep.max_abs_err, rep.max_rel_err, rep.rel_l2_err, rep.tolerance,
                                         rep.worst_index, rep.nonfinite);
        }
    }
    if (out->verdict != KILN_OK)
        goto done;

    kiln_time_opts topts;
    kiln_time_opts_default(&topts);
    if (opts && opts->timing.min_reps > 0)
        topts = opts->timing;
    rc = kiln_program_time(rt, prog, &geo, &topts, &out->time);
    if (rc) {
        out->verdict = verdict_of_run(rc);
        out->error_text = str_printf("timing: %s", kiln_rt_errmsg(rt));
    }

done:
    for (int i = 0; i < k->nargs; i++)
        if (bufs[i])
            kiln_buf_free(rt, bufs[i]);
    kiln_program_free(rt, prog);
}

int kiln_evaluate(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size,
                  const kiln_tune_opts *opts, kiln_eval *out, char *err, size_t errlen)
{
    char name[256];
    if (!rt || !k || !cfg || !size || !out) {
        snprintf(err, errlen, "kiln_evaluate: missing argument");
        return -1;
    }
    if (!(k->langs & (1u << kiln_rt_lang(rt)))) {
        snprintf(err, errlen, "kernel '%s' has no %s description", k->name, kiln_lang_name(kiln_rt_lang(rt)));
        return -1;
    }
    if (kiln_variant_prepare(rt, k, cfg, size, opts, out, name, sizeof name) == 0)
        variant_measure(rt, k, cfg, size, opts, name, out);
    return 0;
}

int kiln_variant_measure(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size,
                         const kiln_tune_opts *opts, const char *kernel_name, kiln_eval *out)
{
    variant_measure(rt, k, cfg, size, opts, kernel_name, out);
    return 0;
}
