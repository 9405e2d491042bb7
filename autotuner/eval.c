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
#include <pthread.h>
#include <signal.h>
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
    void **keep_into;    /* per argument: where the first run's outputs are read (verified, else readback) */
    char hash[17];       /* kiln_eval_data_hash, "" until asked */
    unsigned long generation; /* changes whenever the data is made anew (kept device buffers follow it) */
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
    free(ref_cache.keep_into);
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
    ref_cache.keep_into = calloc((size_t)(k->nargs > 0 ? k->nargs : 1), sizeof *ref_cache.keep_into);
    int ok = ref_cache.readback != NULL && ref_cache.verified != NULL && ref_cache.keep_into != NULL;
    for (int i = 0; ok && i < k->nargs; i++)
        if (is_output(&k->args[i]))
            ok = (ref_cache.readback[i] = malloc(kiln_args_bytes(args, i))) != NULL &&
                 (k->args[i].dir != KILN_OUT || (ref_cache.verified[i] = malloc(kiln_args_bytes(args, i))) != NULL);
    for (int i = 0; ok && i < k->nargs; i++)
        ref_cache.keep_into[i] = ref_cache.verified[i] ? ref_cache.verified[i] : ref_cache.readback[i];
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
    static unsigned long generations;
    ref_cache.generation = ++generations;
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

/* What comparing read-back outputs found: a verdict apart from the
 * evaluation's, so that it can be made on another thread. */
typedef struct compared {
    kiln_verdict verdict;       /* KILN_OK or KILN_WRONG */
    char *error_text;
    kiln_verify_report verify;  /* the worst array's (the failing one's) */
    int any;                    /* an array was compared (not passed as the bytes verified) */
    double ns;                  /* time spent comparing */
} compared;

/* Compares the read-back arrays `got` (per argument) with the reference:
 * every out/inout array, only `out` ones when `outs_only`; with OUTS_AGAIN
 * an `out` array that is the bytes kept in ref_cache.verified passes as
 * they did. `when` names the run. Touches nothing but *c. */
static void compare_outputs(const kiln_kernel *k, void *const *got, int outs_only, const char *when, int outs,
                            compared *c)
{
    double t0 = clock_ns();
    memset(c, 0, sizeof *c);
    c->verdict = KILN_OK;
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        kiln_expect e;
        if (!is_output(a) || (outs_only && a->dir != KILN_OUT) || kiln_args_expect(ref_cache.args, i, &e) != 0)
            continue;
        size_t bytes = kiln_args_bytes(ref_cache.args, i);
        void *first = a->dir == KILN_OUT ? ref_cache.verified[i] : NULL;
        if (outs == OUTS_AGAIN && first && memcmp(got[i], first, bytes) == 0)
            continue;
        kiln_verify_report rep;
        double s0 = kiln_trace_now();
        kiln_verify_expect(&e, got[i], &rep);
        kiln_trace_span("compare", a->name, s0);
        if (rep.max_err_ratio > c->verify.max_err_ratio || !c->any)
            c->verify = rep;
        c->any = 1;
        if (rep.ok)
            continue;
        c->verify = rep;
        c->verdict = KILN_WRONG;
        if (!kiln_scalar_is_float(a->elem))
            c->error_text =
                str_printf("output '%s' of the %s differs from the exact reference: %zu of %zu elements, first at "
                           "index %zu (by %.0f)",
                           a->name, when, rep.mismatches, e.n, rep.worst_index, rep.max_abs_err);
        else
            c->error_text =
                str_printf("output '%s' of the %s differs from the reference: %zu of %zu elements over their bound, "
                           "worst index %zu at %.3g times its bound (tolerance %.3g x magnitude), max abs err "
                           "%.3g, %zu non-finite",
                           a->name, when, rep.mismatches, e.n, rep.worst_index, rep.max_err_ratio, rep.tolerance,
                           rep.max_abs_err, rep.nonfinite);
        break;
    }
    c->ns = clock_ns() - t0;
}

/* The comparison's findings into the evaluation: its verdict when wrong. */
static void take_compared(kiln_eval *out, compared *c)
{
    if ((c->any && (c->verify.max_err_ratio > out->verify.max_err_ratio || out->verify.tolerance == 0)) ||
        c->verdict != KILN_OK)
        out->verify = c->verify;
    if (out->phase.verify_ns < 0)
        out->phase.verify_ns = 0;
    out->phase.verify_ns += c->ns;
    if (c->verdict != KILN_OK)
        fail(out, c->verdict, c->error_text);
    else
        free(c->error_text);
    c->error_text = NULL;
}

/* Reads back into dest (per argument) every out/inout array, only `out`
 * ones when `outs_only`. -1 with the verdict. */
static int read_outputs(kiln_rt *rt, const kiln_kernel *k, kiln_buf *const *bufs, int outs_only, void **dest,
                        kiln_eval *out)
{
    double t0 = clock_ns();
    int rc = 0;
    for (int i = 0; rc == 0 && i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        if (!is_output(a) || (outs_only && a->dir != KILN_OUT))
            continue;
        double s0 = kiln_trace_now();
        if (kiln_buf_read(rt, bufs[i], dest[i], kiln_args_bytes(ref_cache.args, i))) {
            fail(out, KILN_RUN_ERROR, str_printf("reading '%s': %s", a->name, kiln_rt_errmsg(rt)));
            rc = -1;
        }
        kiln_trace_span("read back", a->name, s0);
    }
    phase_add(&out->phase.verify_ns, t0);
    return rc;
}

/* Reads back and verifies the outputs (read_outputs, compare_outputs); the
 * first failure makes the verdict. With OUTS_KEEP the `out` arrays, right,
 * are read straight into ref_cache.verified. -1 when not right. */
static int verify_outputs(kiln_rt *rt, const kiln_kernel *k, kiln_buf *const *bufs, int outs_only, const char *when,
                          int outs, kiln_eval *out)
{
    double s0 = kiln_trace_now();
    void **dest = outs == OUTS_KEEP ? ref_cache.keep_into : ref_cache.readback;
    compared c;
    int rc = read_outputs(rt, k, bufs, outs_only, dest, out);
    if (rc == 0) {
        compare_outputs(k, dest, outs_only, when, outs, &c);
        rc = c.verdict == KILN_OK ? 0 : -1;
        take_compared(out, &c);
    }
    kiln_trace_span(outs == OUTS_AGAIN ? "verify the timed runs" : "verify", NULL, s0);
    return rc;
}

static int has_inout(const kiln_kernel *k)
{
    for (int i = 0; i < k->nargs; i++)
        if (!k->args[i].is_scalar && k->args[i].dir == KILN_INOUT)
            return 1;
    return 0;
}

/* Fills an `out` array with poison `pattern` (kiln_poison_with) where it is. */
static int poison_buf(kiln_rt *rt, const kiln_kernel *k, int i, kiln_buf *buf, int pattern, kiln_eval *out)
{
    const kiln_arg_info *a = &k->args[i];
    unsigned char one[16];
    size_t width = kiln_scalar_bytes(a->elem);
    kiln_poison_with(a->elem, one, 1, pattern);
    if (width > sizeof one || kiln_buf_fill(rt, buf, one, width, kiln_args_bytes(ref_cache.args, i))) {
        fail(out, KILN_RUN_ERROR, str_printf("argument '%s': %s", a->name, kiln_rt_errmsg(rt)));
        return -1;
    }
    return 0;
}

/* Fills every `out` array with the second poison, so that an element the
 * timed runs leave unwritten cannot keep the first run's right value. */
static int repoison_outputs(kiln_rt *rt, const kiln_kernel *k, kiln_buf *const *bufs, kiln_eval *out)
{
    double s0 = kiln_trace_now();
    int rc = 0;
    for (int i = 0; rc == 0 && i < k->nargs; i++)
        if (!k->args[i].is_scalar && k->args[i].dir == KILN_OUT)
            rc = poison_buf(rt, k, i, bufs[i], 1, out);
    kiln_trace_span("poison outputs", NULL, s0);
    return rc;
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

/* ---- device buffers kept across variants --------------------------------- */

/* The buffers of one (kernel, size, seed) on one device, kept with the rt
 * (kiln_rt_keep) across the variants a tuning measures one after another:
 * the inputs go up once, and each variant's `out` arrays are filled with
 * the poison where they are; inout arrays get their input each time. A
 * variant that does not end right (wrong, crashed, timed out) may have
 * written where it must not: the buffers go, and the next variant uploads
 * everything again. */
typedef struct dev_data {
    unsigned long generation; /* of the ref_cache data uploaded */
    int nargs;
    kiln_buf **bufs;  /* per argument; NULL for scalars */
    unsigned used;    /* variants run on these buffers so far */
    /* Programs measured, released on a thread of their own: on a driver
     * that holds one lock over a process's calls while it loads a binary
     * (NVIDIA's), a release on the measuring thread waited behind the
     * loads of the builds ahead (7 ms a variant on the H200). */
    kiln_rt *rt;
    pthread_mutex_t lock;
    pthread_cond_t more;
    kiln_program **done;  /* to release */
    size_t ndone, capdone;
    int closing, releaser;  /* releaser: its thread runs */
    pthread_t thread;
} dev_data;

static void *releaser_thread(void *arg)
{
    dev_data *d = arg;
    pthread_mutex_lock(&d->lock);
    for (;;) {
        while (!d->ndone && !d->closing)
            pthread_cond_wait(&d->more, &d->lock);
        if (!d->ndone)
            break;
        kiln_program *p = d->done[--d->ndone];
        pthread_mutex_unlock(&d->lock);
        kiln_program_free(d->rt, p);
        pthread_mutex_lock(&d->lock);
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

static int compare_apart(kiln_rt *rt);

/* Starts fn(arg) on a thread with the caller's signals blocked (they are
 * the tuning loop's: Ctrl-C stops it). 0, or -1 when no thread could start. */
static int start_quiet_thread(pthread_t *th, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(th, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc == 0 ? 0 : -1;
}

/* Hands a measured program to the releaser (started at the first), or
 * releases it here: where no thread can start, where the work beside the
 * runs stays on this thread (compare_apart), and on the host backend, whose
 * programs are not released from another thread. */
static void release_later(dev_data *d, kiln_program *prog)
{
    pthread_mutex_lock(&d->lock);
    if (!d->releaser && compare_apart(d->rt) && strcmp(kiln_rt_device(d->rt)->backend, "opencl") == 0)
        d->releaser = start_quiet_thread(&d->thread, releaser_thread, d) == 0;
    int queued = 0;
    if (d->releaser && d->ndone == d->capdone) {
        size_t cap = d->capdone ? 2 * d->capdone : 16;
        kiln_program **grown = realloc(d->done, cap * sizeof *grown);
        if (grown) {
            d->done = grown;
            d->capdone = cap;
        }
    }
    if (d->releaser && d->ndone < d->capdone) {
        d->done[d->ndone++] = prog;
        queued = 1;
        pthread_cond_signal(&d->more);
    }
    pthread_mutex_unlock(&d->lock);
    if (!queued)
        kiln_program_free(d->rt, prog);
}

static void dev_data_release(kiln_rt *rt, void *data)
{
    dev_data *d = data;
    pthread_mutex_lock(&d->lock);
    d->closing = 1;
    pthread_cond_signal(&d->more);
    pthread_mutex_unlock(&d->lock);
    if (d->releaser)
        pthread_join(d->thread, NULL);
    for (size_t i = 0; i < d->ndone; i++)
        kiln_program_free(rt, d->done[i]);
    free(d->done);
    pthread_cond_destroy(&d->more);
    pthread_mutex_destroy(&d->lock);
    for (int i = 0; d->bufs && i < d->nargs; i++)
        kiln_buf_free(rt, d->bufs[i]);
    free(d->bufs);
    free(d);
}

void kiln_eval_release_device(kiln_rt *rt)
{
    if (kiln_rt_kept(rt))
        kiln_rt_keep(rt, NULL, NULL);
}

kiln_buf *kiln_eval_kept_buf(kiln_rt *rt, int arg)
{
    dev_data *d = kiln_rt_kept(rt);
    return d && arg >= 0 && arg < d->nargs ? d->bufs[arg] : NULL;
}

/* The kept buffers of the data ref_cache holds now on rt, made (inputs
 * uploaded) when there are none for it. NULL with the verdict. */
static dev_data *dev_data_get(kiln_rt *rt, const kiln_kernel *k, kiln_eval *out)
{
    dev_data *d = kiln_rt_kept(rt);
    if (d && d->generation == ref_cache.generation)
        return d;
    kiln_eval_release_device(rt);
    double s0 = kiln_trace_now();
    d = calloc(1, sizeof *d);
    if (!d || !(d->bufs = calloc((size_t)(k->nargs > 0 ? k->nargs : 1), sizeof *d->bufs))) {
        free(d);
        fail(out, KILN_RUN_ERROR, str_printf("out of memory"));
        return NULL;
    }
    d->generation = ref_cache.generation;
    d->nargs = k->nargs;
    d->rt = rt;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->more, NULL);
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        if (a->is_scalar)
            continue;
        size_t bytes = kiln_args_bytes(ref_cache.args, i);
        d->bufs[i] = kiln_buf_new(rt, bytes);
        if (!d->bufs[i] ||
            (a->dir == KILN_IN && kiln_buf_write(rt, d->bufs[i], kiln_args_at(ref_cache.args, i), bytes) != 0)) {
            fail(out, KILN_RUN_ERROR, str_printf("argument '%s': %s", a->name, kiln_rt_errmsg(rt)));
            dev_data_release(rt, d);
            return NULL;
        }
    }
    kiln_rt_keep(rt, d, dev_data_release);
    kiln_trace_span("upload the inputs", NULL, s0);
    return d;
}

/* A variant built, its arguments bound, after its first run (verified). */
typedef struct live_variant {
    kiln_rt *rt;
    const kiln_kernel *k;
    kiln_program *prog;
    kiln_buf **bufs;
    int owns_bufs;     /* 0: the kept device data's */
    dev_data *kept;    /* those kept buffers' data, or NULL */
    unsigned used;     /* variants that had run on the kept buffers before this one */
    kiln_geometry geo;
} live_variant;

static void live_close(live_variant *v)
{
    for (int i = 0; v->owns_bufs && v->bufs && i < v->k->nargs; i++)
        if (v->bufs[i])
            kiln_buf_free(v->rt, v->bufs[i]);
    if (v->owns_bufs)
        free(v->bufs);
    if (v->kept && v->prog)
        release_later(v->kept, v->prog);
    else
        kiln_program_free(v->rt, v->prog);
    v->bufs = NULL;
    v->prog = NULL;
}

/* Gives v its buffers, each array's data in place (inputs, poisoned `out`
 * arrays): its own, or the kept ones when `kept`. -1 with the verdict. */
static int bind_buffers(live_variant *v, int kept, kiln_eval *out)
{
    kiln_rt *rt = v->rt;
    const kiln_kernel *k = v->k;
    dev_data *d = kept ? dev_data_get(rt, k, out) : NULL;
    if (kept && !d)
        return -1;
    v->owns_bufs = !d;
    v->bufs = d ? d->bufs : calloc((size_t)(k->nargs > 0 ? k->nargs : 1), sizeof *v->bufs);
    if (!v->bufs) {
        fail(out, KILN_RUN_ERROR, str_printf("out of memory"));
        return -1;
    }
    if (d)
        v->used = d->used++;
    v->kept = d;
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        void *host = kiln_args_at(ref_cache.args, i);
        size_t bytes = kiln_args_bytes(ref_cache.args, i);
        int rc;
        if (a->is_scalar) {
            rc = kiln_program_set_scalar(rt, v->prog, i, host, kiln_scalar_bytes(a->elem));
        } else {
            if (!d)
                v->bufs[i] = kiln_buf_new(rt, bytes);
            if (v->bufs[i] && a->dir == KILN_OUT && poison_buf(rt, k, i, v->bufs[i], 0, out) != 0)
                return -1; /* the verdict is made */
            rc = v->bufs[i] ? 0 : -1;
            if (rc == 0 && a->dir != KILN_OUT && (a->dir == KILN_INOUT || !d))
                rc = kiln_buf_write(rt, v->bufs[i], host, bytes);
            if (rc == 0)
                rc = kiln_program_set_buf(rt, v->prog, i, v->bufs[i]);
        }
        if (rc) {
            fail(out, KILN_RUN_ERROR, str_printf("argument '%s': %s", a->name, kiln_rt_errmsg(rt)));
            return -1;
        }
    }
    return 0;
}

/* Builds a prepared variant and binds its arguments (`kept`: on the kept
 * device buffers), ready for its first run. 0, else -1 with the verdict
 * (v closed). */
static int live_bind(live_variant *v, kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg,
                     const kiln_size *size, const kiln_tune_opts *opts, const char *kernel_name, int kept,
                     kiln_eval *out)
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
    s0 = kiln_trace_now();
    int rc = bind_buffers(v, kept, out);
    kiln_trace_span("bind the arguments", NULL, s0);
    if (rc != 0) {
        live_close(v);
        return -1;
    }
    return 0;
}

/* The first run of a bound variant. 0, else -1 with the verdict (v closed). */
static int first_run(live_variant *v, kiln_eval *out)
{
    double once_ns = 0, s0 = kiln_trace_now();
    int rc = kiln_program_run(v->rt, v->prog, &v->geo, &once_ns);
    kiln_trace_span("first run", NULL, s0);
    if (rc) {
        fail(out, verdict_of_run(rc), str_printf("%s", kiln_rt_errmsg(v->rt)));
        live_close(v);
        return -1;
    }
    out->verdict = KILN_OK;
    return 0;
}

/* The first run's outputs verified (kept, without inout arrays, for the
 * timed runs' to be checked against), then the second poison. 0, else -1
 * with the verdict. */
static int verify_first_run(live_variant *v, kiln_eval *out)
{
    int outs = has_inout(v->k) ? OUTS_ONCE : OUTS_KEEP;
    return verify_outputs(v->rt, v->k, v->bufs, 0, "first run", outs, out) != 0 ||
                   repoison_outputs(v->rt, v->k, v->bufs, out) != 0
               ? -1
               : 0;
}

/* live_bind on buffers of its own, the first run verified, the outputs
 * given the second poison: ready to be timed. 0, else -1 with the verdict
 * (v closed). */
static int live_open(live_variant *v, kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg,
                     const kiln_size *size, const kiln_tune_opts *opts, const char *kernel_name, kiln_eval *out)
{
    if (live_bind(v, rt, k, cfg, size, opts, kernel_name, 0, out) != 0 || first_run(v, out) != 0)
        return -1;
    if (verify_first_run(v, out) != 0) {
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

/* The first run's outputs compared on a thread of their own while the
 * device runs the timed ones (compare_outputs, OUTS_KEEP). */
typedef struct compare_job {
    const kiln_kernel *k;
    compared c;
} compare_job;

static void *compare_thread(void *arg)
{
    compare_job *j = arg;
    compare_outputs(j->k, ref_cache.keep_into, 0, "first run", OUTS_KEEP, &j->c);
    return NULL;
}

/* Times v (its outputs given the second poison) and verifies the outputs
 * of the timed runs. */
static void time_and_verify(live_variant *v, const kiln_size *size, const kiln_tune_opts *opts, kiln_eval *out)
{
    kiln_rt *rt = v->rt;
    const kiln_kernel *k = v->k;
    kiln_time_opts topts = timing_of(opts);
    double t0 = clock_ns(), once_ns, s0 = kiln_trace_now();
    int rc = kiln_program_time(rt, v->prog, &v->geo, &topts, &out->time);
    phase_add(&out->phase.measure_ns, t0);
    kiln_trace_span("timed runs", NULL, s0);
    if (rc) {
        fail(out, verdict_of_run(rc), str_printf("timing: %s", kiln_rt_errmsg(rt)));
        return;
    }
    /* An inout array went through every timed run, and so may what the
     * kernel computed from it: the reference is of one run. Then the inout
     * arrays get their inputs back and one more run is verified. */
    if (!has_inout(k)) {
        verify_outputs(rt, k, v->bufs, 1, "timed runs", OUTS_AGAIN, out);
    } else if (restore_inouts(rt, k, v->bufs, out) == 0 && repoison_outputs(rt, k, v->bufs, out) == 0) {
        rc = kiln_program_run(rt, v->prog, &v->geo, &once_ns);
        if (rc)
            fail(out, verdict_of_run(rc), str_printf("the run after the timed runs: %s", kiln_rt_errmsg(rt)));
        else
            verify_outputs(rt, k, v->bufs, 0, "run after the timed runs", OUTS_ONCE, out);
    }
    if (out->verdict == KILN_OK && kiln_rt_counts_asked(rt))
        count_series(rt, k, size, v->prog, &v->geo, &topts, out);
}

/* The first run read back, and compared on another thread while the device
 * runs the timed ones: on a device that is not the host's CPU (where the
 * comparison would take a core from the runs), without inout arrays. The
 * first run's verdict comes first: a wrong first run is wrong whatever the
 * timed runs did, unless one of them did not end or crashed. 1 when
 * measured so (out holds the result), 0 when the comparison could not
 * start (the outputs are read back: compare here). */
static int measure_overlapped(live_variant *v, const kiln_size *size, const kiln_tune_opts *opts, kiln_eval *out)
{
    compare_job job = {.k = v->k};
    pthread_t th;
    if (start_quiet_thread(&th, compare_thread, &job) != 0)
        return 0;
    int rc = repoison_outputs(v->rt, v->k, v->bufs, out);
    if (rc == 0)
        time_and_verify(v, size, opts, out);
    double s0 = kiln_trace_now();
    pthread_join(th, NULL);
    kiln_trace_span("wait for the comparison", NULL, s0);
    if (job.c.verdict != KILN_OK && (out->verdict == KILN_TIMEOUT || out->verdict == KILN_CRASHED)) {
        /* a run that did not end, or took the device down, is what the
         * tuning must know of (an OpenCL queue stays busy behind it): that
         * verdict stands, the first run's comparison says what it found */
        free(job.c.error_text);
        job.c.error_text = NULL;
        job.c.verdict = KILN_OK;
    } else if (job.c.verdict != KILN_OK) {
        out->verdict = KILN_OK; /* otherwise the first run's failure is the one to tell */
    }
    take_compared(out, &job.c);
    return 1;
}

/* Whether the first run's outputs are compared on a thread of their own
 * while the timed runs go (and, on OpenCL, programs released on one):
 * $KILN_COMPARE_APART (1 or 0), else on a device that is not the CPU, whose
 * runs that work would slow. */
static int compare_apart(kiln_rt *rt)
{
    const char *env = getenv("KILN_COMPARE_APART");
    if (env && (strcmp(env, "0") == 0 || strcmp(env, "1") == 0))
        return env[0] == '1';
    return !kiln_rt_device(rt)->on_cpu;
}

/* Runs, verifies and times a prepared variant on the kept device buffers. */
static void measure_once(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size,
                         const kiln_tune_opts *opts, const char *kernel_name, kiln_eval *out, unsigned *used)
{
    live_variant v;
    *used = 0;
    if (live_bind(&v, rt, k, cfg, size, opts, kernel_name, 1, out) != 0)
        return;
    *used = v.used;
    if (first_run(&v, out) != 0)
        return;
    int overlap = compare_apart(rt) && !has_inout(k);
    if (overlap) {
        double s0 = kiln_trace_now();
        int rc = read_outputs(rt, k, v.bufs, 0, ref_cache.keep_into, out);
        kiln_trace_span("verify", NULL, s0);
        if (rc != 0) {
            live_close(&v);
            return;
        }
        if (!measure_overlapped(&v, size, opts, out)) {
            compared c;
            compare_outputs(k, ref_cache.keep_into, 0, "first run", OUTS_KEEP, &c);
            take_compared(out, &c);
            if (out->verdict == KILN_OK && repoison_outputs(rt, k, v.bufs, out) == 0)
                time_and_verify(&v, size, opts, out);
        }
    } else if (verify_first_run(&v, out) == 0) {
        time_and_verify(&v, size, opts, out);
    }
    double s0 = kiln_trace_now();
    live_close(&v);
    kiln_trace_span("release", NULL, s0);
}

/* Runs, verifies and times a prepared variant. Where it does not end right,
 * the kept buffers go (it may have written into its inputs), and a variant
 * found wrong on inputs that earlier variants ran on is measured once more
 * on inputs uploaded anew: only that verdict is its own. */
static void variant_measure(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg,
                            const kiln_size *size, const kiln_tune_opts *opts, const char *kernel_name,
                            kiln_eval *out)
{
    unsigned used;
    kiln_eval first = *out;
    measure_once(rt, k, cfg, size, opts, kernel_name, out, &used);
    if (out->verdict == KILN_OK)
        return;
    kiln_eval_release_device(rt);
    if (out->verdict != KILN_WRONG || used == 0 || first.error_text || first.counters_json)
        return;
    /* the retry starts from what the evaluation held before this measurement */
    free(out->error_text);
    free(out->counters_json);
    char *source = out->source;
    *out = first;
    out->source = source;
    measure_once(rt, k, cfg, size, opts, kernel_name, out, &used);
    if (out->verdict != KILN_OK)
        kiln_eval_release_device(rt);
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
