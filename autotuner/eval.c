/*
 * eval.c: evaluating one configuration of a kernel on one device.
 *
 * description(config) -> AST (checked against the kernel's argument table and
 * parameters) -> source for the device's language -> build -> inputs (seeded)
 * -> outputs poisoned -> one run, verified against the reference -> outputs
 * poisoned with the second pattern -> timed runs -> the last timed run's
 * outputs verified again (a race that was right once does not pass; an
 * integer element left unwritten cannot match in both runs). Where an inout
 * array makes every run differ, the inout arrays get their inputs back, the
 * outputs the second poison, and one more run is verified instead. Every
 * failure becomes a verdict with its text; nothing here prints.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "autotuner/tuner_int.h"

static double clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Adds the time since t0 to a phase that may not have been taken yet (-1). */
static void phase_add(double *phase_ns, double t0)
{
    *phase_ns = (*phase_ns > 0 ? *phase_ns : 0) + (clock_ns() - t0);
}

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
    free(e->counters_json);
    memset(e, 0, sizeof *e);
    e->phase = (kiln_phase_ns){-1, -1, -1, -1};
}

static int variant_generate(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size,
                            const kiln_tune_opts *opts, kiln_eval *out, char *kernel_name, size_t name_len);
static void fail(kiln_eval *out, kiln_verdict v, char *text);

int kiln_variant_prepare(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg,
                         const kiln_size *size, const kiln_tune_opts *opts, kiln_eval *out,
                         char *kernel_name, size_t name_len)
{
    memset(out, 0, sizeof *out);
    out->phase = (kiln_phase_ns){-1, -1, -1, -1};
    double t0 = clock_ns();
    int rc = variant_generate(rt, k, cfg, size, opts, out, kernel_name, name_len);
    out->phase.generate_ns = clock_ns() - t0;
    return rc;
}

int kiln_variant_build_ahead(kiln_rt *rt, const char *kernel_name, kiln_eval *out)
{
    char *log = NULL, err[1024] = "";
    double t0 = clock_ns();
    int rc = kiln_program_compile(rt, out->source, kernel_name, "", &log, err, sizeof err);
    phase_add(&out->phase.build_ns, t0);
    if (rc < 0) {
        fail(out, KILN_BUILD_ERROR, str_printf("%s%s%s", err, log && *log ? "\n" : "", log ? log : ""));
        free(log);
        return -1;
    }
    free(log);
    return 0;
}

/* The tree and the source of one configuration (kiln_variant_prepare). */
static int variant_generate(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size,
                            const kiln_tune_opts *opts, kiln_eval *out, char *kernel_name, size_t name_len)
{
    kiln_ctx *ctx = kiln_ctx_new();
    if (!ctx) {
        out->verdict = KILN_BUILD_ERROR;
        out->error_text = str_printf("out of memory");
        return -1;
    }
    kiln_proc *proc = kiln_kernel_build(k, ctx, cfg, size);
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

/* The data of the last (kernel, size, seed): computing the inputs and the
 * reference can cost more than the variant itself, and a tuning run asks for
 * the same ones each time. Not thread-safe: one tuning loop per process. */
static struct {
    const kiln_kernel *kernel;
    kiln_size size;
    uint64_t seed;
    kiln_args *args;     /* inputs as generated (outputs poisoned), reference */
    void **readback;     /* per argument: where out/inout arrays are read back to */
    void **verified;     /* per argument: the out arrays of the variant's first run, verified */
    char hash[17];       /* kiln_eval_data_hash, "" until asked */
} ref_cache;

static void ref_cache_clear(void)
{
    if (ref_cache.readback)
        for (int i = 0; i < ref_cache.kernel->nargs; i++) {
            free(ref_cache.readback[i]);
            free(ref_cache.verified[i]);
        }
    free(ref_cache.readback);
    free(ref_cache.verified);
    kiln_args_free(ref_cache.args);
    memset(&ref_cache, 0, sizeof ref_cache);
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

static int is_output(const kiln_arg_info *a)
{
    return !a->is_scalar && a->dir != KILN_IN;
}

/* Makes ref_cache hold the data of (k, size, seed). -1 with err. */
static int ref_cache_get(const kiln_kernel *k, const kiln_size *size, uint64_t seed, char *err, size_t errlen)
{
    if (ref_cache.args && ref_cache.kernel == k && same_size(&ref_cache.size, size) && ref_cache.seed == seed)
        return 0;
    ref_cache_clear();
    kiln_args *args = kiln_args_new(k, size, err, errlen);
    if (!args)
        return -1;
    ref_cache.kernel = k;
    ref_cache.args = args;
    ref_cache.readback = calloc((size_t)(k->nargs > 0 ? k->nargs : 1), sizeof *ref_cache.readback);
    ref_cache.verified = calloc((size_t)(k->nargs > 0 ? k->nargs : 1), sizeof *ref_cache.verified);
    int ok = ref_cache.readback != NULL && ref_cache.verified != NULL;
    for (int i = 0; ok && i < k->nargs; i++)
        if (is_output(&k->args[i]))
            ok = (ref_cache.readback[i] = malloc(kiln_args_bytes(args, i))) != NULL &&
                 (k->args[i].dir != KILN_OUT || (ref_cache.verified[i] = malloc(kiln_args_bytes(args, i))) != NULL);
    if (!ok) {
        kiln_tuner_errf(err, errlen, "out of memory for the read-back of kernel '%s'", k->name);
        ref_cache_clear();
        return -1;
    }
    if (kiln_args_generate(args, seed, err, errlen) != 0) {
        ref_cache_clear();
        return -1;
    }
    ref_cache.size = *size;
    ref_cache.seed = seed;
    return 0;
}

/* FNV-1a, continued over several blocks. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

int kiln_eval_data_hash(const kiln_kernel *k, const kiln_size *size, uint64_t seed, char out[17], char *err,
                        size_t errlen)
{
    if (ref_cache_get(k, size, seed, err, errlen) != 0)
        return -1;
    if (!ref_cache.hash[0]) {
        uint64_t h = 0xcbf29ce484222325ULL;
        for (int i = 0; i < k->nargs; i++) {
            const kiln_arg_info *a = &k->args[i];
            h = fnv1a(h, a->name, strlen(a->name) + 1);
            h = fnv1a(h, kiln_args_at(ref_cache.args, i), kiln_args_bytes(ref_cache.args, i));
            kiln_expect e;
            if (kiln_args_expect(ref_cache.args, i, &e) != 0)
                continue;
            if (e.want)
                h = fnv1a(h, e.want, e.n * sizeof(double));
            if (e.magnitude) {
                h = fnv1a(h, e.magnitude, e.n * sizeof(double));
                h = fnv1a(h, &e.terms, sizeof e.terms);
            }
            if (e.exact)
                h = fnv1a(h, e.exact, kiln_args_bytes(ref_cache.args, i));
            h = fnv1a(h, &e.tolerance, sizeof e.tolerance);
        }
        snprintf(ref_cache.hash, sizeof ref_cache.hash, "%016llx", (unsigned long long)h);
    }
    memcpy(out, ref_cache.hash, 17);
    return 0;
}

int kiln_eval_precheck(const kiln_kernel *k, const kiln_space *space, const kiln_size *size, uint64_t seed, char *err,
                       size_t errlen)
{
    kiln_config cfg;
    char why[256];
    kiln_space_default(space, &cfg);
    for (uint64_t i = 0; kiln_space_check(space, &cfg, why, sizeof why) != 1; i++) {
        if (i == kiln_space_total(space) || i == (1u << 20))
            return 0; /* nothing valid found to build: each variant is checked as it comes */
        kiln_space_point(space, i, &cfg);
    }
    char hash[17];
    if (kiln_kernel_check(k, &cfg, size, err, errlen) != 0 || kiln_eval_data_hash(k, size, seed, hash, err, errlen) != 0)
        return -1;
    return 0;
}

/* The verdict of a failed kiln_program_run / kiln_program_time status. */
static kiln_verdict verdict_of_run(int rc)
{
    return rc == KILN_RT_TIMEOUT ? KILN_TIMEOUT : rc == KILN_RT_CRASHED ? KILN_CRASHED : KILN_RUN_ERROR;
}

static void fail(kiln_eval *out, kiln_verdict v, char *text)
{
    out->verdict = v;
    free(out->error_text);
    out->error_text = text;
}

/* How verify_outputs treats the `out` arrays: verified only (OUTS_ONCE);
 * verified and kept (OUTS_KEEP, the first run's when the timed runs are
 * verified after it); a later run's that are the bytes kept are as right as
 * those, and others are verified (OUTS_AGAIN). */
enum { OUTS_ONCE, OUTS_KEEP, OUTS_AGAIN };

/* Reads back every out/inout array (only `out` ones when `outs_only`) and
 * verifies it; the first failure makes the verdict. `when` names the run. */
static int verify_outputs_now(kiln_rt *rt, const kiln_kernel *k, kiln_buf *const *bufs, int outs_only,
                              const char *when, int outs, kiln_eval *out);

/* verify_outputs_now, its time counted in out->phase.verify_ns. */
static int verify_outputs(kiln_rt *rt, const kiln_kernel *k, kiln_buf *const *bufs, int outs_only, const char *when,
                          int outs, kiln_eval *out)
{
    double t0 = clock_ns(), s0 = kiln_trace_now();
    int rc = verify_outputs_now(rt, k, bufs, outs_only, when, outs, out);
    phase_add(&out->phase.verify_ns, t0);
    kiln_trace_span(outs == OUTS_AGAIN ? "verify the timed runs" : "verify", NULL, s0);
    return rc;
}

static int verify_outputs_now(kiln_rt *rt, const kiln_kernel *k, kiln_buf *const *bufs, int outs_only,
                              const char *when, int outs, kiln_eval *out)
{
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        kiln_expect e;
        if (!is_output(a) || (outs_only && a->dir != KILN_OUT) || kiln_args_expect(ref_cache.args, i, &e) != 0)
            continue;
        double s0 = kiln_trace_now();
        if (kiln_buf_read(rt, bufs[i], ref_cache.readback[i], kiln_args_bytes(ref_cache.args, i))) {
            fail(out, KILN_RUN_ERROR, str_printf("reading '%s': %s", a->name, kiln_rt_errmsg(rt)));
            return -1;
        }
        kiln_trace_span("read back", a->name, s0);
        size_t bytes = kiln_args_bytes(ref_cache.args, i);
        void *first = a->dir == KILN_OUT ? ref_cache.verified[i] : NULL;
        if (outs == OUTS_AGAIN && first && memcmp(ref_cache.readback[i], first, bytes) == 0)
            continue;
        kiln_verify_report rep;
        s0 = kiln_trace_now();
        kiln_verify_expect(&e, ref_cache.readback[i], &rep);
        kiln_trace_span("compare", a->name, s0);
        if (rep.max_err_ratio > out->verify.max_err_ratio || out->verify.tolerance == 0)
            out->verify = rep;
        if (rep.ok) {
            if (outs == OUTS_KEEP && first)
                memcpy(first, ref_cache.readback[i], bytes);
            continue;
        }
        out->verify = rep;
        if (!kiln_scalar_is_float(a->elem))
            fail(out, KILN_WRONG,
                 str_printf("output '%s' of the %s differs from the exact reference: %zu of %zu elements, first at "
                            "index %zu (by %.0f)",
                            a->name, when, rep.mismatches, e.n, rep.worst_index, rep.max_abs_err));
        else
            fail(out, KILN_WRONG,
                 str_printf("output '%s' of the %s differs from the reference: %zu of %zu elements over their bound, "
                            "worst index %zu at %.3g times its bound (tolerance %.3g x magnitude), max abs err "
                            "%.3g, %zu non-finite",
                            a->name, when, rep.mismatches, e.n, rep.worst_index, rep.max_err_ratio, rep.tolerance,
                            rep.max_abs_err, rep.nonfinite));
        return -1;
    }
    return 0;
}

static int has_inout(const kiln_kernel *k)
{
    for (int i = 0; i < k->nargs; i++)
        if (!k->args[i].is_scalar && k->args[i].dir == KILN_INOUT)
            return 1;
    return 0;
}

/* Uploads the second poison into every `out` array, so that an element the
 * timed runs leave unwritten cannot keep the first run's right value. */
static int repoison_outputs(kiln_rt *rt, const kiln_kernel *k, kiln_buf *const *bufs, kiln_eval *out)
{
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        if (a->is_scalar || a->dir != KILN_OUT)
            continue;
        size_t bytes = kiln_args_bytes(ref_cache.args, i);
        kiln_poison_with(a->elem, ref_cache.readback[i], bytes / kiln_scalar_bytes(a->elem), 1);
        if (kiln_buf_write(rt, bufs[i], ref_cache.readback[i], bytes)) {
            fail(out, KILN_RUN_ERROR, str_printf("argument '%s': %s", a->name, kiln_rt_errmsg(rt)));
            return -1;
        }
    }
    return 0;
}

/* Events and energy over a series of their own, after the timed runs (so
 * counting never perturbs a time). A kernel that fails there fails as in
 * any run; counters that cannot be read leave the verdict alone and say so
 * in the result's counters. */
static void count_series(kiln_rt *rt, const kiln_kernel *k, const kiln_size *size, kiln_program *prog,
                         const kiln_geometry *geo, const kiln_time_opts *topts, kiln_eval *out)
{
    kiln_counts c;
    char json[4096];
    int rc = kiln_program_count(rt, prog, geo, topts, &c);
    if (rc == KILN_RT_TIMEOUT || rc == KILN_RT_CRASHED) {
        fail(out, verdict_of_run(rc), str_printf("counted runs: %s", kiln_rt_errmsg(rt)));
        return;
    }
    if (rc == 0 && kiln_counts_json_derived(&c, k->flops ? k->flops(size) : 0, k->bytes ? k->bytes(size) : 0,
                                            json, sizeof json) == 0) {
        out->counters_json = str_printf("%s", json);
        return;
    }
    /* the reason as a JSON string: quotes, backslashes and controls dropped */
    char why[512];
    size_t n = 0;
    for (const char *p = rc == 0 ? "counts do not fit" : kiln_rt_errmsg(rt); *p && n + 1 < sizeof why; p++)
        if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
            why[n++] = *p;
    why[n] = '\0';
    out->counters_json = str_printf("{\"error\":\"%s\"}", why);
}

/* Uploads every inout array's input again (the data of the first run). */
static int restore_inouts(kiln_rt *rt, const kiln_kernel *k, kiln_buf *const *bufs, kiln_eval *out)
{
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        if (a->is_scalar || a->dir != KILN_INOUT)
            continue;
        if (kiln_buf_write(rt, bufs[i], kiln_args_at(ref_cache.args, i), kiln_args_bytes(ref_cache.args, i))) {
            fail(out, KILN_RUN_ERROR, str_printf("argument '%s': %s", a->name, kiln_rt_errmsg(rt)));
            return -1;
        }
    }
    return 0;
}

/* A variant built, its arguments bound, after its first run (verified). */
typedef struct live_variant {
    kiln_rt *rt;
    const kiln_kernel *k;
    kiln_program *prog;
    kiln_buf **bufs;
    kiln_geometry geo;
} live_variant;

static void live_close(live_variant *v)
{
    for (int i = 0; v->bufs && i < v->k->nargs; i++)
        if (v->bufs[i])
            kiln_buf_free(v->rt, v->bufs[i]);
    free(v->bufs);
    kiln_program_free(v->rt, v->prog);
    v->bufs = NULL;
    v->prog = NULL;
}

/* Builds a prepared variant, binds its arguments (uploaded), runs it once
 * and verifies that run; then the outputs get the second poison. 0 with
 * out->verdict KILN_OK, else -1 with the verdict (v closed). */
static int live_open(live_variant *v, kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg,
                     const kiln_size *size, const kiln_tune_opts *opts, const char *kernel_name, kiln_eval *out)
{
    char *log = NULL, err[512];
    uint64_t seed = opts ? opts->seed : 1;
    memset(v, 0, sizeof *v);
    v->rt = rt;
    v->k = k;
    if (kiln_kernel_geometry(k, cfg, size, &v->geo, err, sizeof err) != 0) {
        fail(out, KILN_BUILD_ERROR, str_printf("%s", err));
        return -1;
    }
    /* Inputs, poisoned outputs and the reference are made once per (kernel,
     * size, seed) and kept: every variant uploads the same bytes. */
    if (ref_cache_get(k, size, seed, err, sizeof err) != 0) {
        fail(out, KILN_RUN_ERROR, str_printf("%s", err));
        return -1;
    }
    double t0 = clock_ns(), s0 = kiln_trace_now();
    v->prog = kiln_program_build(rt, out->source, kernel_name, "", &log);
    phase_add(&out->phase.build_ns, t0);
    kiln_trace_span("take the program", NULL, s0);
    if (!v->prog) {
        fail(out, KILN_BUILD_ERROR,
             str_printf("%s%s%s", kiln_rt_errmsg(rt), log && *log ? "\n" : "", log ? log : ""));
        free(log);
        return -1;
    }
    free(log);
    v->bufs = calloc((size_t)(k->nargs > 0 ? k->nargs : 1), sizeof *v->bufs);
    if (!v->bufs) {
        fail(out, KILN_RUN_ERROR, str_printf("out of memory"));
        live_close(v);
        return -1;
    }
    s0 = kiln_trace_now();
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        void *host = kiln_args_at(ref_cache.args, i);
        size_t bytes = kiln_args_bytes(ref_cache.args, i);
        int rc;
        if (a->is_scalar) {
            rc = kiln_program_set_scalar(rt, v->prog, i, host, kiln_scalar_bytes(a->elem));
        } else {
            v->bufs[i] = kiln_buf_new(rt, bytes);
            rc = v->bufs[i] ? kiln_buf_write(rt, v->bufs[i], host, bytes) : -1;
            if (rc == 0)
                rc = kiln_program_set_buf(rt, v->prog, i, v->bufs[i]);
        }
        if (rc) {
            fail(out, KILN_RUN_ERROR, str_printf("argument '%s': %s", a->name, kiln_rt_errmsg(rt)));
            live_close(v);
            return -1;
        }
    }
    kiln_trace_span("upload arguments", NULL, s0);
    double once_ns = 0;
    s0 = kiln_trace_now();
    int rc = kiln_program_run(rt, v->prog, &v->geo, &once_ns);
    kiln_trace_span("first run", NULL, s0);
    if (rc) {
        fail(out, verdict_of_run(rc), str_printf("%s", kiln_rt_errmsg(rt)));
        live_close(v);
        return -1;
    }
    out->verdict = KILN_OK;
    /* without inout arrays the timed runs' outputs are checked against these */
    int outs = has_inout(k) ? OUTS_ONCE : OUTS_KEEP;
    if (verify_outputs(rt, k, v->bufs, 0, "first run", outs, out) != 0) {
        live_close(v);
        return -1;
    }
    s0 = kiln_trace_now();
    rc = repoison_outputs(rt, k, v->bufs, out);
    kiln_trace_span("poison outputs", NULL, s0);
    if (rc != 0) {
        live_close(v);
        return -1;
    }
    return 0;
}

/* The timing options of a measurement: opts' when set, else the defaults. */
static kiln_time_opts timing_of(const kiln_tune_opts *opts)
{
    kiln_time_opts topts;
    kiln_time_opts_default(&topts);
    if (opts && opts->timing.min_reps > 0)
        topts = opts->timing;
    return topts;
}

/* Runs, verifies and times a prepared variant. */
static void variant_measure(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg,
                            const kiln_size *size, const kiln_tune_opts *opts, const char *kernel_name,
                            kiln_eval *out)
{
    live_variant v;
    if (live_open(&v, rt, k, cfg, size, opts, kernel_name, out) != 0)
        return;
    kiln_time_opts topts = timing_of(opts);
    double t0 = clock_ns(), once_ns, s0 = kiln_trace_now();
    int rc = kiln_program_time(rt, v.prog, &v.geo, &topts, &out->time);
    phase_add(&out->phase.measure_ns, t0);
    kiln_trace_span("timed runs", NULL, s0);
    if (rc) {
        fail(out, verdict_of_run(rc), str_printf("timing: %s", kiln_rt_errmsg(rt)));
        live_close(&v);
        return;
    }
    /* An inout array went through every timed run, and so may what the
     * kernel computed from it: the reference is of one run. Then the inout
     * arrays get their inputs back and one more run is verified. */
    if (!has_inout(k)) {
        verify_outputs(rt, k, v.bufs, 1, "timed runs", OUTS_AGAIN, out);
    } else if (restore_inouts(rt, k, v.bufs, out) == 0 && repoison_outputs(rt, k, v.bufs, out) == 0) {
        rc = kiln_program_run(rt, v.prog, &v.geo, &once_ns);
        if (rc)
            fail(out, verdict_of_run(rc), str_printf("the run after the timed runs: %s", kiln_rt_errmsg(rt)));
        else
            verify_outputs(rt, k, v.bufs, 0, "run after the timed runs", OUTS_ONCE, out);
    }
    if (out->verdict == KILN_OK && kiln_rt_counts_asked(rt))
        count_series(rt, k, size, v.prog, &v.geo, &topts, out);
    s0 = kiln_trace_now();
    live_close(&v);
    kiln_trace_span("release", NULL, s0);
}

struct kiln_kept_variant {
    live_variant v;
};

kiln_kept_variant *kiln_variant_keep(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg,
                                     const kiln_size *size, const kiln_tune_opts *opts, const char *kernel_name,
                                     kiln_eval *out)
{
    kiln_kept_variant *kept = malloc(sizeof *kept);
    if (!kept) {
        fail(out, KILN_RUN_ERROR, str_printf("out of memory"));
        return NULL;
    }
    if (live_open(&kept->v, rt, k, cfg, size, opts, kernel_name, out) != 0) {
        free(kept);
        return NULL;
    }
    return kept;
}

int kiln_variant_retime(kiln_kept_variant *kept, const kiln_time_opts *topts, kiln_time_stats *out)
{
    return kiln_program_time(kept->v.rt, kept->v.prog, &kept->v.geo, topts, out);
}

void kiln_variant_release(kiln_kept_variant *kept)
{
    if (!kept)
        return;
    live_close(&kept->v);
    free(kept);
}

int kiln_evaluate(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size,
                  const kiln_tune_opts *opts, kiln_eval *out, char *err, size_t errlen)
{
    char name[256];
    if (!rt || !k || !cfg || !size || !out) {
        snprintf(err, errlen, "kiln_evaluate: missing argument");
        return -1;
    }
    if (!k->build || !k->inputs || !k->reference || !k->geometry) {
        snprintf(err, errlen, "kernel '%s' has no %s function", k->name ? k->name : "(unnamed)",
                 !k->build ? "build" : !k->inputs ? "inputs" : !k->reference ? "reference" : "geometry");
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
