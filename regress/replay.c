/*
 * replay.c: recording a kiln kernel's call as a case, replaying a case on a
 * device, comparing two recordings. A kiln case replays through today's
 * variant of its kernel (the recorded configuration or another); an OpenCL
 * case through its recorded source. Outputs are compared with the recorded
 * ones under runtime/'s rules (kiln_verify_expect): integers exactly,
 * floating elements within a bound that follows the magnitude of what was
 * summed (from the kernel's reference on the recorded inputs). Two right
 * results are each within one bound of the exact value, so they may differ
 * by two: the bound against a recording is twice the kernel's. Raw bytes (a
 * captured launch's buffers) must be identical.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kiln/regress.h"
#include "kiln/tuner.h"
#include "regress/regress_int.h"

/* Two right results may differ by the sum of their bounds. */
#define AGAINST_RECORDING 2.0

const char *kiln_regress_verdict_name(kiln_regress_verdict v)
{
    switch (v) {
    case KILN_REGRESS_OK: return "ok";
    case KILN_REGRESS_DIFFERS: return "differs";
    case KILN_REGRESS_FAILED: return "failed";
    }
    return "?";
}

const char *kiln_regress_case_kind(const kiln_trace *t)
{
    const char *kind = kiln_trace_get(t, "kind");
    return kind ? kind : "";
}

/* One argument on its way to the device: its data before the call (inputs;
 * outputs poisoned), and where its content after the call is read to. */
typedef struct slot {
    const kiln_trace_arg *arg;
    size_t bytes;
    void *before;          /* borrowed */
    void *after;           /* out/inout arrays: owned */
    kiln_buf *buf;
} slot;

static int is_output(const kiln_trace_arg *a)
{
    return a->kind == KILN_TRACE_ARRAY && a->dir != KILN_IN;
}

static void slots_free(kiln_rt *rt, slot *s, int n)
{
    for (int i = 0; s && i < n; i++) {
        if (s[i].buf)
            kiln_buf_free(rt, s[i].buf);
        free(s[i].after);
    }
    free(s);
}

/* Uploads every argument, runs once, reads every output back. */
static int run_slots(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, slot *s, int n, char *err,
                     size_t errlen)
{
    for (int i = 0; i < n; i++) {
        const kiln_trace_arg *a = s[i].arg;
        int rc;
        if (a->kind == KILN_TRACE_LOCAL) {
            rc = kiln_program_set_local(rt, prog, i, (size_t)a->count);
        } else if (a->kind == KILN_TRACE_SCALAR) {
            rc = kiln_program_set_scalar(rt, prog, i, s[i].before, s[i].bytes);
        } else {
            /* a zero-byte array still needs a buffer to bind */
            s[i].buf = kiln_buf_new(rt, s[i].bytes ? s[i].bytes : 1);
            rc = s[i].buf ? 0 : -1;
            if (rc == 0 && s[i].bytes)
                rc = kiln_buf_write(rt, s[i].buf, s[i].before, s[i].bytes);
            if (rc == 0)
                rc = kiln_program_set_buf(rt, prog, i, s[i].buf);
            if (rc == 0 && is_output(a) && !s[i].after && !(s[i].after = malloc(s[i].bytes ? s[i].bytes : 1))) {
                regress_errf(err, errlen, "argument '%s': out of memory", a->name);
                return -1;
            }
        }
        if (rc) {
            regress_errf(err, errlen, "argument '%s': %s", a->name, kiln_rt_errmsg(rt));
            return -1;
        }
    }
    double ns;
    if (kiln_program_run(rt, prog, geo, &ns) != 0) {
        regress_errf(err, errlen, "run: %s", kiln_rt_errmsg(rt));
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (is_output(s[i].arg) && s[i].bytes && kiln_buf_read(rt, s[i].buf, s[i].after, s[i].bytes) != 0) {
            regress_errf(err, errlen, "reading '%s': %s", s[i].arg->name, kiln_rt_errmsg(rt));
            return -1;
        }
    return 0;
}

/* ---- kiln kernels ---- */

/* The description of k for cfg in rt's language, built; its geometry. */
static kiln_program *build_variant(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size,
                                   kiln_geometry *geo, char *err, size_t errlen)
{
    if (!(k->langs & (1u << kiln_rt_lang(rt)))) {
        regress_errf(err, errlen, "kernel '%s' has no %s description", k->name, kiln_lang_name(kiln_rt_lang(rt)));
        return NULL;
    }
    if (kiln_kernel_geometry(k, cfg, size, geo, err, errlen) != 0)
        return NULL;
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_proc *proc = ctx ? kiln_kernel_build(k, ctx, cfg, size) : NULL;
    if (!proc) {
        regress_errf(err, errlen, "description: %s", ctx ? kiln_errmsg(ctx) : "out of memory");
        kiln_ctx_free(ctx);
        return NULL;
    }
    char gerr[512] = "", name[256];
    snprintf(name, sizeof name, "%s", kiln_proc_name(proc));
    kiln_gen_opts gopts = {0};
    char *source = kiln_generate(proc, kiln_rt_lang(rt), &gopts, gerr, sizeof gerr);
    kiln_ctx_free(ctx);
    if (!source) {
        regress_errf(err, errlen, "generator: %s", gerr);
        return NULL;
    }
    char *log = NULL;
    kiln_program *prog = kiln_program_build(rt, source, name, "", &log);
    if (!prog)
        regress_errf(err, errlen, "build: %s%s%.300s", kiln_rt_errmsg(rt), log && *log ? ": " : "", log ? log : "");
    free(log);
    free(source);
    return prog;
}

/* Slots over a kiln_args: inputs and poisoned outputs as kiln_args_new made
 * them; the caller says which trace argument each is. */
static slot *slots_of_args(kiln_args *args, int n)
{
    slot *s = calloc((size_t)(n > 0 ? n : 1), sizeof *s);
    for (int i = 0; s && i < n; i++) {
        s[i].before = kiln_args_at(args, i);
        s[i].bytes = kiln_args_bytes(args, i);
    }
    return s;
}

/* The trace's view of a kernel's argument table (what record writes). */
static void trace_args_of_kernel(const kiln_kernel *k, const kiln_args *args, kiln_trace_arg *out)
{
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *ai = &k->args[i];
        memset(&out[i], 0, sizeof out[i]);
        out[i].name = ai->name;
        out[i].kind = ai->is_scalar ? KILN_TRACE_SCALAR : KILN_TRACE_ARRAY;
        out[i].elem = ai->elem;
        out[i].dir = ai->is_scalar ? KILN_IN : ai->dir;
        out[i].count = ai->is_scalar ? 1 : kiln_args_bytes(args, i) / kiln_scalar_bytes(ai->elem);
    }
}

static int write_kiln_case(const char *path, kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg,
                           const kiln_size *size, uint64_t seed, const kiln_geometry *geo, kiln_args *args,
                           const slot *s, char *err, size_t errlen)
{
    kiln_trace_writer *w = kiln_trace_begin(path, err, errlen);
    if (!w)
        return -1;
    char size_text[96], cfg_json[1024], seed_text[32];
    kiln_size_format(size, size_text, sizeof size_text);
    kiln_config_json(cfg, cfg_json, sizeof cfg_json);
    snprintf(seed_text, sizeof seed_text, "%llu", (unsigned long long)seed);
    const kiln_device_info *dev = kiln_rt_device(rt);
    kiln_trace_meta(w, "kind", "kiln");
    kiln_trace_meta(w, "kernel", k->name);
    kiln_trace_meta(w, "size", size_text);
    kiln_trace_meta(w, "config", cfg_json);
    kiln_trace_meta(w, "seed", seed_text);
    kiln_trace_meta(w, "device", dev->name);
    kiln_trace_meta(w, "platform", dev->platform);
    kiln_trace_meta(w, "driver", dev->driver);
    kiln_trace_meta(w, "lang", kiln_lang_name(kiln_rt_lang(rt)));
    kiln_trace_meta(w, "kiln_version", KILN_VERSION);
    kiln_trace_geometry(w, geo);
    for (int i = 0; i < k->nargs; i++) {
        const kiln_trace_arg *a = s[i].arg;
        if (a->kind == KILN_TRACE_SCALAR) {
            kiln_trace_scalar(w, a->name, a->elem, s[i].before);
            continue;
        }
        kiln_trace_array(w, a->name, a->elem, a->dir, a->count, a->dir == KILN_OUT ? NULL : s[i].before);
        kiln_expect e;
        if (kiln_args_expect(args, i, &e) == 0 && kiln_scalar_is_float(a->elem))
            kiln_trace_bound(w, a->name, e.terms, e.tolerance);
        if (is_output(a))
            kiln_trace_output(w, a->name, s[i].after);
    }
    return kiln_trace_end(w, 1, err, errlen);
}

int kiln_regress_record(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size,
                        uint64_t seed, const char *path, char *err, size_t errlen)
{
    kiln_config def;
    if (!cfg) {
        kiln_space *space = kiln_space_new(k, size, err, errlen);
        if (!space)
            return -1;
        kiln_space_default(space, &def);
        kiln_space_free(space);
        cfg = &def;
    }
    kiln_args *args = kiln_args_new(k, size, err, errlen);
    if (!args)
        return -1;
    kiln_trace_arg *targs = calloc((size_t)(k->nargs > 0 ? k->nargs : 1), sizeof *targs);
    slot *s = NULL;
    kiln_program *prog = NULL;
    kiln_geometry geo;
    int rc = -1;
    if (!targs) {
        regress_errf(err, errlen, "out of memory");
        goto done;
    }
    if (kiln_args_generate(args, seed, err, errlen) != 0)
        goto done;
    trace_args_of_kernel(k, args, targs);
    if (!(prog = build_variant(rt, k, cfg, size, &geo, err, errlen)))
        goto done;
    if (!(s = slots_of_args(args, k->nargs))) {
        regress_errf(err, errlen, "out of memory");
        goto done;
    }
    for (int i = 0; i < k->nargs; i++)
        s[i].arg = &targs[i];
    if (run_slots(rt, prog, &geo, s, k->nargs, err, errlen) != 0)
        goto done;
    /* A case records a right call only: the output passes the kernel's own verification. */
    for (int i = 0; i < k->nargs; i++) {
        kiln_expect e;
        kiln_verify_report rep;
        if (!is_output(&targs[i]) || kiln_args_expect(args, i, &e) != 0)
            continue;
        kiln_verify_expect(&e, s[i].after, &rep);
        if (!rep.ok) {
            regress_errf(err, errlen,
                         "kernel '%s': output '%s' fails verification against the reference (%zu elements wrong, "
                         "worst index %zu); nothing recorded",
                         k->name, targs[i].name, rep.mismatches + rep.nonfinite, rep.worst_index);
            goto done;
        }
    }
    rc = write_kiln_case(path, rt, k, cfg, size, seed, &geo, args, s, err, errlen);
done:
    slots_free(rt, s, k->nargs);
    if (prog)
        kiln_program_free(rt, prog);
    free(targs);
    kiln_args_free(args);
    return rc;
}

static int meta_or_fail(const kiln_trace *t, const char *key, const char **out, char *err, size_t errlen)
{
    *out = kiln_trace_get(t, key);
    if (!*out) {
        regress_errf(err, errlen, "%s: field '%s': missing", kiln_trace_path(t), key);
        return -1;
    }
    return 0;
}

int kiln_regress_case_config(const kiln_trace *t, const kiln_kernel **k, kiln_size *size, kiln_config *cfg,
                             char *err, size_t errlen)
{
    const char *name, *size_text, *json;
    const char *path = kiln_trace_path(t);
    if (meta_or_fail(t, "kernel", &name, err, errlen) || meta_or_fail(t, "size", &size_text, err, errlen) ||
        meta_or_fail(t, "config", &json, err, errlen))
        return -1;
    if (!(*k = kiln_kernel_find(name))) {
        regress_errf(err, errlen, "%s: field 'kernel': unknown kernel '%s'", path, name);
        return -1;
    }
    if (kiln_size_parse(size_text, size) != 0) {
        regress_errf(err, errlen, "%s: field 'size': '%s' is not a size", path, size_text);
        return -1;
    }
    char why[256];
    if (kiln_config_from_json(*k, json, cfg, why, sizeof why) != 0) {
        regress_errf(err, errlen, "%s: field 'config': %s", path, why);
        return -1;
    }
    return 0;
}

/* The trace's arguments are the kernel's for its size: names, types,
 * directions, element counts. */
static int match_kernel(const kiln_trace *t, const kiln_kernel *k, const kiln_args *args, char *err, size_t errlen)
{
    const char *path = kiln_trace_path(t);
    if (kiln_trace_nargs(t) != k->nargs) {
        regress_errf(err, errlen, "%s: field 'args.count': %d arguments, kernel '%s' has %d", path,
                     kiln_trace_nargs(t), k->name, k->nargs);
        return -1;
    }
    kiln_trace_arg *want = calloc((size_t)(k->nargs > 0 ? k->nargs : 1), sizeof *want);
    if (!want) {
        regress_errf(err, errlen, "out of memory");
        return -1;
    }
    trace_args_of_kernel(k, args, want);
    int rc = 0;
    for (int i = 0; i < k->nargs && rc == 0; i++) {
        const kiln_trace_arg *a = kiln_trace_arg_at(t, i), *w = &want[i];
        const char *field = strcmp(a->name, w->name) ? "name"
                            : a->kind != w->kind     ? "kind"
                            : a->elem != w->elem     ? "type"
                            : a->dir != w->dir       ? "dir"
                            : a->count != w->count   ? "count"
                                                     : NULL;
        if (field) {
            regress_errf(err, errlen,
                         "%s: field 'args[%d] '%s'.%s': the trace has %s %s %s of %llu elements, kernel '%s' at "
                         "size %s declares '%s' %s %s %s of %llu",
                         path, i, a->name, field, kiln_scalar_name(a->elem), a->kind == KILN_TRACE_SCALAR ? "scalar" : "array",
                         a->dir == KILN_IN ? "in" : a->dir == KILN_OUT ? "out" : "inout", (unsigned long long)a->count,
                         k->name, kiln_trace_get(t, "size"), w->name, kiln_scalar_name(w->elem),
                         w->kind == KILN_TRACE_SCALAR ? "scalar" : "array",
                         w->dir == KILN_IN ? "in" : w->dir == KILN_OUT ? "out" : "inout", (unsigned long long)w->count);
            rc = -1;
        }
    }
    free(want);
    return rc;
}

/* Compares one output with its recording; the worst so far stays in out. */
static void compare_output(const kiln_trace_arg *a, const void *recorded, const void *got, const kiln_expect *ref,
                           kiln_regress_result *out)
{
    size_t n = (size_t)a->count;
    kiln_verify_report rep;
    memset(&rep, 0, sizeof rep);
    if (a->elem == KILN_VOID) {
        const unsigned char *x = recorded, *y = got;
        for (size_t i = 0; i < n; i++)
            if (x[i] != y[i] && rep.mismatches++ == 0)
                rep.worst_index = i;
        rep.ok = rep.mismatches == 0;
        rep.max_err_ratio = rep.ok ? 0 : INFINITY;
    } else if (!kiln_scalar_is_float(a->elem)) {
        kiln_expect e = {.elem = a->elem, .n = n, .exact = recorded};
        kiln_verify_expect(&e, got, &rep);
    } else {
        double *want = malloc((n ? n : 1) * sizeof *want);
        if (!want) {
            out->verdict = KILN_REGRESS_FAILED;
            snprintf(out->detail, sizeof out->detail, "output '%s': out of memory", a->name);
            return;
        }
        for (size_t i = 0; i < n; i++)
            want[i] = a->elem == KILN_F32 ? (double)((const float *)recorded)[i] : ((const double *)recorded)[i];
        double terms = ref ? ref->terms : a->terms;
        double tol = ref && ref->tolerance > 0 ? ref->tolerance : a->tolerance > 0 ? a->tolerance
                                                                                   : kiln_tolerance(a->elem, terms);
        kiln_expect e = {.elem = a->elem, .n = n, .want = want, .magnitude = ref ? ref->magnitude : NULL,
                         .terms = terms, .tolerance = AGAINST_RECORDING * tol};
        kiln_verify_expect(&e, got, &rep);
        free(want);
    }
    if (rep.ok || out->verdict != KILN_REGRESS_OK)
        return;
    out->verdict = KILN_REGRESS_DIFFERS;
    out->mismatches = rep.mismatches + rep.nonfinite;
    out->max_err_ratio = rep.max_err_ratio;
    if (a->elem == KILN_VOID)
        snprintf(out->detail, sizeof out->detail, "output '%s': %zu of %zu bytes differ, first at byte %zu", a->name,
                 rep.mismatches, n, rep.worst_index);
    else if (!kiln_scalar_is_float(a->elem))
        snprintf(out->detail, sizeof out->detail, "output '%s': %zu of %zu elements differ, first at index %zu (by %.0f)",
                 a->name, rep.mismatches, n, rep.worst_index, rep.max_abs_err);
    else
        snprintf(out->detail, sizeof out->detail,
                 "output '%s': %zu of %zu elements over their bound, worst index %zu at %.3g times its bound, %zu "
                 "non-finite",
                 a->name, rep.mismatches, n, rep.worst_index, rep.max_err_ratio, rep.nonfinite);
}

/* Compares every output of the slots with the trace's recording. */
static int compare_outputs(const kiln_trace *t, const slot *s, kiln_args *ref_args, kiln_regress_result *out, char *err,
                           size_t errlen)
{
    for (int i = 0; i < kiln_trace_nargs(t); i++) {
        const kiln_trace_arg *a = kiln_trace_arg_at(t, i);
        if (!is_output(a))
            continue;
        void *recorded = malloc(a->output.bytes ? (size_t)a->output.bytes : 1);
        if (!recorded) {
            regress_errf(err, errlen, "out of memory");
            return -1;
        }
        if (kiln_trace_read(t, i, KILN_TRACE_OUTPUT, recorded, err, errlen) != 0) {
            free(recorded);
            return -1;
        }
        kiln_expect e = {.terms = a->terms, .tolerance = a->tolerance};
        double *magnitude = NULL;
        int have_ref = ref_args && kiln_args_expect(ref_args, i, &e) == 0;
        if (!have_ref && a->magnitude.present) {
            /* the recording's own magnitudes (an application's kernel) */
            if (!(magnitude = malloc(a->magnitude.bytes ? (size_t)a->magnitude.bytes : 1)))
                regress_errf(err, errlen, "out of memory");
            if (!magnitude || kiln_trace_read(t, i, KILN_TRACE_MAGNITUDE, magnitude, err, errlen) != 0) {
                free(magnitude);
                free(recorded);
                return -1;
            }
            e.magnitude = magnitude;
            have_ref = 1;
        }
        compare_output(a, recorded, s[i].after, have_ref ? &e : NULL, out);
        free(magnitude);
        free(recorded);
    }
    return 0;
}

/* A kiln_args of the case's kernel holding the recorded inputs and today's
 * reference of them (for the magnitudes). */
static kiln_args *args_of_case(const kiln_trace *t, const kiln_kernel *k, const kiln_size *size, char *err,
                               size_t errlen)
{
    kiln_args *args = kiln_args_new(k, size, err, errlen);
    if (!args)
        return NULL;
    if (match_kernel(t, k, args, err, errlen) != 0) {
        kiln_args_free(args);
        return NULL;
    }
    for (int i = 0; i < k->nargs; i++)
        if (kiln_trace_arg_at(t, i)->input.present &&
            kiln_trace_read(t, i, KILN_TRACE_INPUT, kiln_args_at(args, i), err, errlen) != 0) {
            kiln_args_free(args);
            return NULL;
        }
    k->reference(args);
    return args;
}

/* Builds and runs one variant of a kiln case; a failure to build or run is
 * the variant's verdict, not an error of the case. */
static int check_kiln_case(kiln_rt *rt, const kiln_trace *t, const kiln_config *cfg, kiln_regress_result *out,
                           char *err, size_t errlen)
{
    const kiln_kernel *k;
    kiln_size size;
    kiln_config recorded;
    if (kiln_regress_case_config(t, &k, &size, &recorded, err, errlen) != 0)
        return -1;
    if (!cfg)
        cfg = &recorded;
    kiln_config_json(cfg, out->variant, sizeof out->variant);
    kiln_args *args = args_of_case(t, k, &size, err, errlen);
    if (!args)
        return -1;
    kiln_geometry geo;
    int rc = 0;
    slot *s = slots_of_args(args, k->nargs);
    kiln_program *prog = s ? build_variant(rt, k, cfg, &size, &geo, out->detail, sizeof out->detail) : NULL;
    if (!s) {
        rc = -1;
        regress_errf(err, errlen, "out of memory");
    } else if (!prog) {
        out->verdict = KILN_REGRESS_FAILED;
    } else {
        for (int i = 0; i < k->nargs; i++)
            s[i].arg = kiln_trace_arg_at(t, i);
        if (run_slots(rt, prog, &geo, s, k->nargs, out->detail, sizeof out->detail) != 0)
            out->verdict = KILN_REGRESS_FAILED;
        else
            rc = compare_outputs(t, s, args, out, err, errlen);
    }
    slots_free(rt, s, k->nargs);
    if (prog)
        kiln_program_free(rt, prog);
    kiln_args_free(args);
    return rc;
}

/* ---- OpenCL programs (captured launches, or an application's own kernel) ---- */

/* Every argument's recorded data before the call; outputs to be read back. */
static slot *slots_of_trace(const kiln_trace *t, char *err, size_t errlen)
{
    int n = kiln_trace_nargs(t);
    slot *s = calloc((size_t)(n > 0 ? n : 1), sizeof *s);
    if (!s) {
        regress_errf(err, errlen, "out of memory");
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        const kiln_trace_arg *a = kiln_trace_arg_at(t, i);
        s[i].arg = a;
        s[i].bytes = a->kind == KILN_TRACE_LOCAL ? 0 : (size_t)(a->count * regress_elem_bytes(a->elem));
        if (a->kind == KILN_TRACE_LOCAL)
            continue;
        /* before lives in after's allocation for outputs: read back over it */
        void *data = malloc(s[i].bytes ? s[i].bytes : 1);
        s[i].after = data;
        s[i].before = data;
        if (!data) {
            regress_errf(err, errlen, "out of memory");
            slots_free(NULL, s, n);
            return NULL;
        }
        if (a->input.present) {
            if (kiln_trace_read(t, i, KILN_TRACE_INPUT, data, err, errlen) != 0) {
                slots_free(NULL, s, n);
                return NULL;
            }
        } else if (a->elem == KILN_VOID) {
            memset(data, 0xA5, s[i].bytes);
        } else {
            kiln_poison(a->elem, data, (size_t)a->count);
        }
    }
    return s;
}

static int check_opencl_case(kiln_rt *rt, const kiln_trace *t, kiln_regress_result *out, char *err, size_t errlen)
{
    const char *path = kiln_trace_path(t), *source, *name;
    const char *options = kiln_trace_get(t, "options");
    snprintf(out->variant, sizeof out->variant, "recorded source");
    if (meta_or_fail(t, "source", &source, err, errlen) || meta_or_fail(t, "kernel_name", &name, err, errlen))
        return -1;
    kiln_geometry geo;
    if (kiln_trace_get_geometry(t, &geo, err, errlen) != 0)
        return -1;
    const char *offset = kiln_trace_get(t, "offset");
    if (offset && strspn(offset, "0,") != strlen(offset)) {
        regress_errf(err, errlen, "%s: field 'offset': %s: a global offset is not replayed", path, offset);
        return -1;
    }
    if (kiln_rt_lang(rt) != KILN_LANG_CL) {
        regress_errf(err, errlen, "%s: field 'kind': an OpenCL case needs an OpenCL device, not %s", path,
                     kiln_rt_device(rt)->name);
        return -1;
    }
    int n = kiln_trace_nargs(t);
    slot *s = slots_of_trace(t, err, errlen);
    if (!s)
        return -1;
    char *log = NULL;
    int rc = 0;
    kiln_program *prog = kiln_program_build(rt, source, name, options ? options : "", &log);
    if (!prog) {
        out->verdict = KILN_REGRESS_FAILED;
        snprintf(out->detail, sizeof out->detail, "build: %s%s%.300s", kiln_rt_errmsg(rt), log && *log ? ": " : "",
                 log ? log : "");
    } else if (run_slots(rt, prog, &geo, s, n, out->detail, sizeof out->detail) != 0) {
        out->verdict = KILN_REGRESS_FAILED;
    } else {
        rc = compare_outputs(t, s, NULL, out, err, errlen);
    }
    free(log);
    if (prog)
        kiln_program_free(rt, prog);
    slots_free(rt, s, n);
    return rc;
}

int kiln_regress_check(kiln_rt *rt, const kiln_trace *t, const kiln_config *cfg, kiln_regress_result *out,
                       char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *kind = kiln_regress_case_kind(t);
    if (strcmp(kind, "kiln") == 0)
        return check_kiln_case(rt, t, cfg, out, err, errlen);
    if (strcmp(kind, "opencl") == 0)
        return check_opencl_case(rt, t, out, err, errlen);
    regress_errf(err, errlen, "%s: field 'kind': %s%s%s: expected kiln or opencl", kiln_trace_path(t),
                 *kind ? "'" : "missing", kind, *kind ? "'" : "");
    return -1;
}

/* ---- two recordings of one call ---- */

static int same_meta(const kiln_trace *a, const kiln_trace *b, const char *key, char *err, size_t errlen)
{
    const char *x = kiln_trace_get(a, key), *y = kiln_trace_get(b, key);
    if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0)) {
        regress_errf(err, errlen, "%s: field '%s': differs from %s: not recordings of the same call",
                     kiln_trace_path(b), key, kiln_trace_path(a));
        return -1;
    }
    return 0;
}

/* The arguments agree in everything but their outputs. */
static int same_inputs(const kiln_trace *a, const kiln_trace *b, char *err, size_t errlen)
{
    if (kiln_trace_nargs(a) != kiln_trace_nargs(b)) {
        regress_errf(err, errlen, "%s: field 'args.count': %d arguments, %s has %d", kiln_trace_path(b),
                     kiln_trace_nargs(b), kiln_trace_path(a), kiln_trace_nargs(a));
        return -1;
    }
    for (int i = 0; i < kiln_trace_nargs(a); i++) {
        const kiln_trace_arg *x = kiln_trace_arg_at(a, i), *y = kiln_trace_arg_at(b, i);
        const char *field = strcmp(x->name, y->name) ? "name"
                            : x->kind != y->kind || x->elem != y->elem || x->dir != y->dir ? "type"
                            : x->count != y->count                                         ? "count"
                            : x->input.checksum != y->input.checksum || x->input.bytes != y->input.bytes
                                ? "input"
                                : NULL;
        if (field) {
            regress_errf(err, errlen, "%s: field 'args[%d] '%s'.%s': differs from %s: not recordings of the same call",
                         kiln_trace_path(b), i, y->name, field, kiln_trace_path(a));
            return -1;
        }
    }
    return 0;
}

int kiln_regress_compare(const kiln_trace *a, const kiln_trace *b, kiln_regress_result *out, char *err,
                         size_t errlen)
{
    memset(out, 0, sizeof *out);
    /* the same call: the same kernel and inputs (two versions of an
     * application may differ in their source and build options) */
    static const char *const keys[] = {"kind", "kernel", "size", "seed", "kernel_name"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (same_meta(a, b, keys[i], err, errlen) != 0)
            return -1;
    if (same_inputs(a, b, err, errlen) != 0)
        return -1;
    snprintf(out->variant, sizeof out->variant, "recorded");
    /* kiln cases: the magnitudes of today's reference of the shared inputs */
    kiln_args *ref = NULL;
    const kiln_kernel *k;
    kiln_size size;
    kiln_config cfg;
    if (strcmp(kiln_regress_case_kind(a), "kiln") == 0) {
        if (kiln_regress_case_config(a, &k, &size, &cfg, err, errlen) != 0 ||
            !(ref = args_of_case(a, k, &size, err, errlen)))
            return -1;
    }
    int n = kiln_trace_nargs(b), rc = 0;
    slot *s = calloc((size_t)(n > 0 ? n : 1), sizeof *s);
    for (int i = 0; s && rc == 0 && i < n; i++) {
        const kiln_trace_arg *y = kiln_trace_arg_at(b, i);
        s[i].arg = y;
        if (!is_output(y))
            continue;
        if (!(s[i].after = malloc(y->output.bytes ? (size_t)y->output.bytes : 1)))
            rc = -1;
        else if (kiln_trace_read(b, i, KILN_TRACE_OUTPUT, s[i].after, err, errlen) != 0)
            rc = -1;
    }
    if (!s) {
        regress_errf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc == 0)
        rc = compare_outputs(a, s, ref, out, err, errlen);
    slots_free(NULL, s, n);
    kiln_args_free(ref);
    return rc;
}
