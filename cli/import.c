/*
 * import.c: the command line of the frontend: `kiln import` (an existing
 * kernel printed as a kiln description, or as kiln generates it), and the
 * kernel that `kiln tune --source` tunes: a kiln_kernel whose description
 * imports the source under each configuration's macros.
 *
 * The source kernel's callbacks take no user pointer (kiln_kernel's
 * contract), so the one being tuned is this file's `active` kernel: one
 * `--source` per process, which is what the command offers.
 */
#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "kiln/frontend.h"
#include "kiln/tuner.h"

#define MAX_SOURCE_ARGS 32
#define MAX_SOURCE_PARAMS 16
#define MAX_DEFINES 64

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len + 4096 + 1 > cap) {
            cap = (len + 4096 + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + len, 1, 4096, f);
        len += got;
    } while (got > 0);
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* ---- kiln import ------------------------------------------------------ */

int cli_cmd_import(int argc, char **argv)
{
    const char *kernel = NULL, *emit = "kiln", *lang_name = NULL;
    const char *defines[MAX_DEFINES];
    int ndefines = 0;
    static const struct option longopts[] = {{"kernel", required_argument, 0, 'k'}, {"emit", required_argument, 0, 'e'},
                                             {"lang", required_argument, 0, 'l'}, {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:e:l:D:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'k': kernel = optarg; break;
        case 'e': emit = optarg; break;
        case 'l': lang_name = optarg; break;
        case 'D':
            if (ndefines == MAX_DEFINES) {
                fprintf(stderr, "kiln: import: more than %d -D definitions\n", MAX_DEFINES);
                return 2;
            }
            defines[ndefines++] = optarg;
            break;
        case 'h':
            printf("usage: kiln import FILE --kernel NAME [-D NAME=VALUE]... [--emit kiln|cl|c|dump]\n\n"
                   "Imports the OpenCL C (.cl) or C99 kernel NAME of FILE through libclang and prints\n"
                   "it as a kiln description (a plugin source, the default), as kiln generates it in\n"
                   "OpenCL C (cl) or C99 (c), or as kiln's tree (dump).\n\n"
                   "  --lang opencl|c   the source language (default: .cl is OpenCL C, else C99)\n");
            return 0;
        default: return 2;
        }
    }
    if (optind != argc - 1 || !kernel) {
        fprintf(stderr, "kiln: import: expected FILE and --kernel NAME (see 'kiln import --help')\n");
        return 2;
    }
    kiln_import_opts o = {.path = argv[optind], .kernel = kernel, .ndefines = ndefines, .defines = defines};
    if (lang_name && strcmp(lang_name, "opencl") == 0)
        o.lang = KILN_SOURCE_OPENCL;
    else if (lang_name && strcmp(lang_name, "c") == 0)
        o.lang = KILN_SOURCE_C99;
    else if (lang_name) {
        fprintf(stderr, "kiln: import: --lang wants opencl or c, not '%s'\n", lang_name);
        return 2;
    }
    kiln_lang gen_lang;
    int is_gen = kiln_lang_parse(emit, &gen_lang) == 0;
    if (!is_gen && strcmp(emit, "kiln") != 0 && strcmp(emit, "dump") != 0) {
        fprintf(stderr, "kiln: import: --emit wants kiln, cl, c or dump, not '%s'\n", emit);
        return 2;
    }
    kiln_importer *imp = kiln_importer_new();
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_proc *proc = imp && ctx ? kiln_import(imp, ctx, &o) : NULL;
    int rc = 0;
    char err[512] = "";
    char *text = NULL;
    if (!proc) {
        fprintf(stderr, "kiln: import: %s\n", ctx ? kiln_errmsg(ctx) : "out of memory");
        rc = 1;
    } else if (is_gen) {
        text = kiln_generate(proc, gen_lang, NULL, err, sizeof err);
    } else if (strcmp(emit, "dump") == 0) {
        text = kiln_proc_dump(proc);
    } else {
        text = kiln_describe(proc, o.path, err, sizeof err);
    }
    if (proc && !text) {
        fprintf(stderr, "kiln: import: %s\n", err[0] ? err : "out of memory");
        rc = 1;
    }
    if (text)
        fputs(text, stdout);
    free(text);
    kiln_ctx_free(ctx);
    kiln_importer_free(imp);
    return rc;
}

/* ---- the kernel `kiln tune --source` tunes ----------------------------- */

/* How one argument is made: an array's element count, or a scalar's value,
 * as expressions of the size (n, nx, ny, nz); inputs uniform in [lo, hi]. */
typedef struct source_arg {
    char name[64];
    kiln_cexpr *count;      /* arrays */
    kiln_cexpr *int_value;  /* integer scalars */
    double float_value;     /* floating scalars */
    double lo, hi;
} source_arg;

typedef struct source_kernel {
    kiln_kernel k;
    char name[160];
    char *text;                 /* the imported file */
    const char *path, *function;
    const char *defines[MAX_DEFINES];
    int ndefines;
    kiln_arg_info args[MAX_SOURCE_ARGS];
    source_arg spec[MAX_SOURCE_ARGS];
    kiln_import_arg imported[MAX_SOURCE_ARGS];
    kiln_param params[MAX_SOURCE_PARAMS];
    char param_names[MAX_SOURCE_PARAMS][64];
    long long values[MAX_SOURCE_PARAMS][64];
    const char *constraints[16];
    kiln_cexpr *global[3], *local[3];
    int grid_dims;
    double tolerance;
    /* the reference: a kernel run on the host C target */
    char *ref_text;
    const char *ref_path, *ref_function;
    kiln_importer *importer;
} source_kernel;

static source_kernel *active;

/* The default configuration: each parameter's first value. */
static void default_config(const source_kernel *s, kiln_config *cfg)
{
    cfg->n = 0;
    for (int i = 0; i < s->k.nparams; i++) {
        cfg->names[cfg->n] = s->params[i].name;
        cfg->values[cfg->n++] = s->params[i].default_value;
    }
}

typedef struct names_view {
    const kiln_config *cfg;
    const kiln_size *size;
} names_view;

static int lookup_name(void *user, const char *name, long long *value)
{
    names_view *v = user;
    if (v->cfg)
        for (int i = 0; i < v->cfg->n; i++)
            if (strcmp(v->cfg->names[i], name) == 0) {
                *value = v->cfg->values[i];
                return 0;
            }
    static const char *const dims[] = {"nx", "ny", "nz"};
    if (strcmp(name, "n") == 0) {
        *value = v->size->d[0];
        return 0;
    }
    for (int d = 0; d < 3; d++)
        if (strcmp(name, dims[d]) == 0) {
            *value = d < v->size->ndims ? v->size->d[d] : 1;
            return 0;
        }
    return -1;
}

static long long eval_or(const kiln_cexpr *e, const kiln_config *cfg, const kiln_size *size, long long fallback)
{
    names_view v = {cfg, size};
    long long out;
    char err[128];
    return e && kiln_cexpr_eval(e, lookup_name, &v, &out, err, sizeof err) == 0 ? out : fallback;
}

/* -D definitions for a configuration: the fixed ones, then NAME=value per parameter. */
static int config_defines(const source_kernel *s, const kiln_config *cfg, char (*buf)[96], const char **out)
{
    int n = 0;
    for (int i = 0; i < s->ndefines; i++)
        out[n++] = s->defines[i];
    for (int i = 0; cfg && i < cfg->n && n < MAX_DEFINES; i++) {
        snprintf(buf[i], 96, "%s=%lld", cfg->names[i], cfg->values[i]);
        out[n++] = buf[i];
    }
    return n;
}

/* The source under a configuration's macros; its first line names the text
 * (by hash) and every macro, so the variant's source hash covers them. */
static kiln_proc *source_import(const char *path, const char *text, const char *function, const kiln_config *cfg,
                                kiln_ctx *ctx)
{
    char buf[MAX_SOURCE_PARAMS][96], note[2048], hash[17];
    const char *defs[MAX_DEFINES];
    int ndefs = config_defines(active, cfg, buf, defs);
    kiln_hash_hex(text, strlen(text), hash);
    int used = snprintf(note, sizeof note, "imported from %s (text %s)", path, hash);
    for (int i = 0; i < ndefs && used > 0 && (size_t)used < sizeof note; i++)
        used += snprintf(note + used, sizeof note - (size_t)used, " -D%s", defs[i]);
    kiln_import_opts o = {.path = path, .text = text, .kernel = function, .ndefines = ndefs, .defines = defs,
                          .note = note};
    return kiln_import(active->importer, ctx, &o);
}

static kiln_proc *source_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    return source_import(active->path, active->text, active->function, cfg, ctx);
}

static void source_inputs(kiln_args *args, uint64_t seed)
{
    uint64_t st = seed;
    const kiln_size *size = kiln_args_size(args);
    for (int i = 0; i < active->k.nargs; i++) {
        const kiln_arg_info *a = &active->args[i];
        const source_arg *sa = &active->spec[i];
        void *p = kiln_args_at(args, i);
        if (a->is_scalar) {
            double v = sa->int_value ? (double)eval_or(sa->int_value, NULL, size, 0) : sa->float_value;
            kiln_poison_with(a->elem, p, 1, 0);
            switch (a->elem) {
            case KILN_F32: *(float *)p = (float)v; break;
            case KILN_F64: *(double *)p = v; break;
            case KILN_I32: *(int32_t *)p = (int32_t)v; break;
            case KILN_U32: *(uint32_t *)p = (uint32_t)v; break;
            case KILN_I64: *(int64_t *)p = (int64_t)v; break;
            case KILN_U64: *(uint64_t *)p = (uint64_t)v; break;
            case KILN_I16: *(int16_t *)p = (int16_t)v; break;
            case KILN_U16: *(uint16_t *)p = (uint16_t)v; break;
            case KILN_I8: *(int8_t *)p = (int8_t)v; break;
            case KILN_U8: *(uint8_t *)p = (uint8_t)v; break;
            default: break;
            }
            continue;
        }
        if (a->dir == KILN_OUT)
            continue;
        size_t count = a->count(size);
        for (size_t e = 0; e < count; e++) {
            double v = kiln_rand_uniform(&st, sa->lo, sa->hi);
            switch (a->elem) {
            case KILN_F32: ((float *)p)[e] = (float)v; break;
            case KILN_F64: ((double *)p)[e] = v; break;
            case KILN_I32: ((int32_t *)p)[e] = (int32_t)floor(v); break;
            case KILN_U32: ((uint32_t *)p)[e] = (uint32_t)floor(v); break;
            case KILN_I64: ((int64_t *)p)[e] = (int64_t)floor(v); break;
            case KILN_U64: ((uint64_t *)p)[e] = (uint64_t)floor(v); break;
            case KILN_I16: ((int16_t *)p)[e] = (int16_t)floor(v); break;
            case KILN_U16: ((uint16_t *)p)[e] = (uint16_t)floor(v); break;
            case KILN_I8: ((int8_t *)p)[e] = (int8_t)floor(v); break;
            case KILN_U8: ((uint8_t *)p)[e] = (uint8_t)floor(v); break;
            default: break;
            }
        }
    }
}

static double element_value(kiln_scalar s, const void *p, size_t e)
{
    switch (s) {
    case KILN_F32: return ((const float *)p)[e];
    case KILN_F64: return ((const double *)p)[e];
    default: return 0;
    }
}

/* Runs the reference kernel (the source under its default configuration, or
 * the --reference one) on the host C target on these inputs. 0 ok, -1 with err. */
static int run_reference(kiln_args *args, char *err, size_t errlen)
{
    kiln_config cfg;
    default_config(active, &cfg);
    const kiln_size *size = kiln_args_size(args);
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_proc *proc = source_import(active->ref_path ? active->ref_path : active->path,
                                    active->ref_text ? active->ref_text : active->text,
                                    active->ref_function ? active->ref_function : active->function, &cfg, ctx);
    char *src = proc ? kiln_generate(proc, KILN_LANG_C, NULL, err, errlen) : NULL;
    if (!proc)
        snprintf(err, errlen, "reference: %s", kiln_errmsg(ctx));
    kiln_rt *rt = src ? kiln_rt_open("host", err, errlen) : NULL;
    kiln_program *prog = rt ? kiln_program_build(rt, src, kiln_proc_name(proc), "", NULL) : NULL;
    if (rt && !prog)
        snprintf(err, errlen, "reference: the host C build failed: %s", kiln_rt_errmsg(rt));
    kiln_buf *bufs[MAX_SOURCE_ARGS] = {0};
    int rc = prog ? 0 : -1;
    for (int i = 0; rc == 0 && i < active->k.nargs; i++) {
        size_t bytes = kiln_args_bytes(args, i);
        if (active->args[i].is_scalar) {
            rc = kiln_program_set_scalar(rt, prog, i, kiln_args_at(args, i), bytes);
            continue;
        }
        bufs[i] = kiln_buf_new(rt, bytes);
        rc = !bufs[i] || kiln_buf_write(rt, bufs[i], kiln_args_at(args, i), bytes) ||
             kiln_program_set_buf(rt, prog, i, bufs[i]);
    }
    /* the kernel itself runs over its grid; a --reference function runs once */
    kiln_geometry geo = {1, {1, 1, 1}, {1, 1, 1}};
    if (!active->ref_function)
        active->k.geometry(&cfg, size, &geo);
    double ns;
    if (rc == 0 && (rc = kiln_program_run(rt, prog, &geo, &ns)) != 0)
        snprintf(err, errlen, "reference: the run failed: %s", kiln_rt_errmsg(rt));
    for (int i = 0; rc == 0 && i < active->k.nargs; i++) {
        const kiln_arg_info *a = &active->args[i];
        if (a->is_scalar || a->dir == KILN_IN)
            continue;
        size_t bytes = kiln_args_bytes(args, i), count = a->count(size);
        void *got = malloc(bytes);
        rc = !got || kiln_buf_read(rt, bufs[i], got, bytes);
        if (rc == 0 && kiln_scalar_is_float(a->elem)) {
            double *want = kiln_args_want(args, a->name);
            for (size_t e = 0; e < count; e++)
                want[e] = element_value(a->elem, got, e);
        } else if (rc == 0) {
            memcpy(kiln_args_exact(args, a->name), got, bytes);
        }
        free(got);
    }
    for (int i = 0; i < active->k.nargs; i++)
        if (bufs[i])
            kiln_buf_free(rt, bufs[i]);
    if (prog)
        kiln_program_free(rt, prog);
    kiln_rt_close(rt);
    free(src);
    kiln_ctx_free(ctx);
    return rc ? -1 : 0;
}

static void source_reference(kiln_args *args)
{
    char err[512] = "";
    if (run_reference(args, err, sizeof err) == 0)
        return;
    /* no expected values: every variant is then wrong, and the message says why */
    fprintf(stderr, "kiln: tune: %s\n", err);
    for (int i = 0; i < active->k.nargs; i++) {
        const kiln_arg_info *a = &active->args[i];
        if (a->is_scalar || a->dir == KILN_IN || !kiln_scalar_is_float(a->elem))
            continue;
        double *want = kiln_args_want(args, a->name);
        for (size_t e = 0; e < a->count(kiln_args_size(args)); e++)
            want[e] = NAN;
    }
}

static void source_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    memset(geo, 0, sizeof *geo);
    geo->dims = active->grid_dims;
    for (int d = 0; d < 3; d++) {
        geo->global[d] = d < geo->dims ? (size_t)eval_or(active->global[d], cfg, size, 1) : 1;
        geo->local[d] = active->local[0] ? (d < geo->dims ? (size_t)eval_or(active->local[d], cfg, size, 1) : 1) : 0;
    }
}

/* Element counts: one trampoline per argument position (the callback has no argument index). */
#define COUNT_FN(i) \
    static size_t count_##i(const kiln_size *size) \
    { \
        return (size_t)eval_or(active->spec[i].count, NULL, size, 0); \
    }
COUNT_FN(0) COUNT_FN(1) COUNT_FN(2) COUNT_FN(3) COUNT_FN(4) COUNT_FN(5) COUNT_FN(6) COUNT_FN(7)
COUNT_FN(8) COUNT_FN(9) COUNT_FN(10) COUNT_FN(11) COUNT_FN(12) COUNT_FN(13) COUNT_FN(14) COUNT_FN(15)
static size_t (*const count_fns[16])(const kiln_size *) = {
    count_0, count_1, count_2, count_3, count_4, count_5, count_6, count_7,
    count_8, count_9, count_10, count_11, count_12, count_13, count_14, count_15,
};

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* "P=v1,v2,..." */
static int parse_param(source_kernel *s, const char *text, char *err, size_t errlen)
{
    int i = s->k.nparams;
    const char *eq = strchr(text, '=');
    if (i == MAX_SOURCE_PARAMS)
        return fail(err, errlen, "--param: more than %d parameters", MAX_SOURCE_PARAMS);
    if (!eq || eq == text || (size_t)(eq - text) >= sizeof s->param_names[i])
        return fail(err, errlen, "--param %s: expected NAME=V1,V2,...", text);
    snprintf(s->param_names[i], sizeof s->param_names[i], "%.*s", (int)(eq - text), text);
    int n = 0;
    for (const char *p = eq + 1; *p;) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || (*end && *end != ',') || n == 64)
            return fail(err, errlen, "--param %s: values must be decimal integers separated by commas", text);
        s->values[i][n++] = v;
        p = *end ? end + 1 : end;
    }
    if (n == 0)
        return fail(err, errlen, "--param %s: no values", text);
    s->params[i] = (kiln_param){.name = s->param_names[i], .help = "macro of the source", .nvalues = n,
                                .values = s->values[i], .default_value = s->values[i][0]};
    s->k.nparams = i + 1;
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Splits at top-level `sep` (outside parentheses and brackets); returns the count. */
static int split(char *text, char sep, char **parts, int max)
{
    int n = 0, depth = 0;
    parts[n++] = text;
    for (char *p = text; *p; p++) {
        if (*p == '(' || *p == '[')
            depth++;
        else if (*p == ')' || *p == ']')
            depth--;
        else if (*p == sep && depth == 0 && n < max) {
            *p = '\0';
            parts[n++] = p + 1;
        }
    }
    return n;
}

static kiln_cexpr *parse_expr(const char *what, const char *text, char *err, size_t errlen)
{
    char perr[256];
    kiln_cexpr *e = kiln_cexpr_parse(text, perr, sizeof perr);
    if (!e)
        fail(err, errlen, "%s '%s': %s", what, text, perr);
    return e;
}

/* --grid "G0[,G1[,G2]] [: L0[,L1[,L2]]]" over the parameters and n, nx, ny, nz. */
static int parse_grid(source_kernel *s, const char *text, char *err, size_t errlen)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", text);
    char *halves[2], *dims[3];
    int nh = split(buf, ':', halves, 2);
    s->grid_dims = split(halves[0], ',', dims, 3);
    for (int d = 0; d < s->grid_dims; d++)
        if (!(s->global[d] = parse_expr("--grid", trim(dims[d]), err, errlen)))
            return -1;
    if (nh == 2) {
        if (split(halves[1], ',', dims, 3) != s->grid_dims)
            return fail(err, errlen, "--grid %s: the local size needs %d dimensions", text, s->grid_dims);
        for (int d = 0; d < s->grid_dims; d++)
            if (!(s->local[d] = parse_expr("--grid", trim(dims[d]), err, errlen)))
                return -1;
    }
    return 0;
}

/* --args "a[n*n]; b[n*n] in 0..1; n=n; alpha=0.5": each argument of the
 * kernel by name: arrays with their element count, scalars with their value;
 * optional direction (in, out, inout) and input range lo..hi. */
static int parse_args(source_kernel *s, const char *text, char *err, size_t errlen)
{
    char buf[2048], *items[MAX_SOURCE_ARGS + 1];
    snprintf(buf, sizeof buf, "%s", text);
    int n = split(buf, ';', items, MAX_SOURCE_ARGS + 1);
    for (int i = 0; i < n; i++) {
        char *item = trim(items[i]);
        if (!*item)
            continue;
        char *words[6];
        int nw = 0;
        for (char *w = strtok(item, " \t"); w && nw < 6; w = strtok(NULL, " \t"))
            words[nw++] = w;
        char *name = words[0], *len = strchr(name, '['), *eq = strchr(name, '=');
        int at = -1;
        if (len)
            *len++ = '\0';
        if (eq)
            *eq++ = '\0';
        for (int a = 0; a < s->k.nargs; a++)
            if (strcmp(s->imported[a].name, name) == 0)
                at = a;
        if (at < 0)
            return fail(err, errlen, "--args: the kernel has no argument '%s'", name);
        source_arg *sa = &s->spec[at];
        kiln_arg_info *ai = &s->args[at];
        if (sa->name[0])
            return fail(err, errlen, "--args: '%s' is given twice", name);
        snprintf(sa->name, sizeof sa->name, "%s", name);
        if (ai->is_scalar) {
            if (!eq)
                return fail(err, errlen, "--args: scalar '%s' needs a value: %s=EXPR", name, name);
            char *end;
            if (kiln_scalar_is_float(ai->elem)) {
                sa->float_value = strtod(eq, &end);
                if (end == eq || *trim(end))
                    return fail(err, errlen, "--args: '%s=%s': the value of a floating scalar is a number", name, eq);
            } else if (!(sa->int_value = parse_expr("--args", eq, err, errlen)))
                return -1;
        } else {
            char *close = len ? strrchr(len, ']') : NULL;
            if (!close)
                return fail(err, errlen, "--args: array '%s' needs its element count: %s[EXPR]", name, name);
            *close = '\0';
            if (!(sa->count = parse_expr("--args", len, err, errlen)))
                return -1;
        }
        for (int w = 1; w < nw; w++) {
            char *dots = strstr(words[w], "..");
            if (strcmp(words[w], "in") == 0 || strcmp(words[w], "out") == 0 || strcmp(words[w], "inout") == 0) {
                kiln_dir d = words[w][0] == 'o' ? KILN_OUT : words[w][2] == 'o' ? KILN_INOUT : KILN_IN;
                if (ai->is_scalar || (d == KILN_IN) != (ai->dir == KILN_IN))
                    return fail(err, errlen, "--args: '%s' is %s in the kernel, not %s", name,
                                ai->dir == KILN_IN ? "read only" : "written", words[w]);
                ai->dir = d;
            } else if (dots) {
                char *end_lo, *end_hi;
                *dots = '\0';
                sa->lo = strtod(words[w], &end_lo);
                sa->hi = strtod(dots + 2, &end_hi);
                if (end_lo == words[w] || *end_lo || end_hi == dots + 2 || *end_hi || !(sa->lo <= sa->hi))
                    return fail(err, errlen, "--args: '%s': the input range is LO..HI, two numbers, LO <= HI", name);
            } else {
                return fail(err, errlen, "--args: '%s': unknown word '%s' (in, out, inout or LO..HI)", name,
                            words[w]);
            }
        }
    }
    for (int a = 0; a < s->k.nargs; a++)
        if (!s->spec[a].name[0])
            return fail(err, errlen, "--args does not give argument '%s' (%s)", s->imported[a].name,
                        s->args[a].is_scalar ? "a scalar: NAME=VALUE" : "an array: NAME[COUNT]");
    return 0;
}

static int check_one(const char *what, const kiln_cexpr *e, const kiln_config *cfg, const kiln_size *size,
                     long long min, char *err, size_t errlen)
{
    names_view v = {cfg, size};
    long long out;
    char why[256];
    if (kiln_cexpr_eval(e, lookup_name, &v, &out, why, sizeof why) != 0)
        return fail(err, errlen, "%s: %s", what, why);
    if (out < min)
        return fail(err, errlen, "%s is %lld at the default configuration and this size, less than %lld", what, out,
                    min);
    return 0;
}

/* Every count, integer value and grid size evaluates, at the default
 * configuration and the size given, to something usable: a name the
 * expressions cannot know or an empty array is refused before anything runs. */
static int check_expressions(source_kernel *s, const kiln_size *size, char *err, size_t errlen)
{
    kiln_config cfg;
    char what[128];
    default_config(s, &cfg);
    for (int i = 0; i < s->k.nargs; i++) {
        snprintf(what, sizeof what, "--args: the %s of '%s'", s->spec[i].count ? "element count" : "value",
                 s->spec[i].name);
        if (s->spec[i].count && check_one(what, s->spec[i].count, NULL, size, 1, err, errlen) != 0)
            return -1;
        if (s->spec[i].int_value && check_one(what, s->spec[i].int_value, NULL, size, LLONG_MIN, err, errlen) != 0)
            return -1;
    }
    for (int d = 0; d < s->grid_dims; d++) {
        snprintf(what, sizeof what, "--grid: global size %d", d);
        if (check_one(what, s->global[d], &cfg, size, 1, err, errlen) != 0)
            return -1;
        snprintf(what, sizeof what, "--grid: local size %d", d);
        if (s->local[d] && check_one(what, s->local[d], &cfg, size, 1, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* The kernel's arguments, as the default configuration imports them. */
static int import_signature(source_kernel *s, char *err, size_t errlen)
{
    kiln_config cfg;
    default_config(s, &cfg);
    kiln_ctx *ctx = kiln_ctx_new();
    kiln_proc *proc = source_import(s->path, s->text, s->function, &cfg, ctx);
    if (!proc) {
        fail(err, errlen, "%s", kiln_errmsg(ctx));
        kiln_ctx_free(ctx);
        return -1;
    }
    int n = kiln_import_args(proc, s->imported, MAX_SOURCE_ARGS);
    if (n > 16) {
        kiln_ctx_free(ctx);
        return fail(err, errlen, "%s has %d arguments; --source takes kernels of at most 16", s->function, n);
    }
    s->k.nargs = n;
    for (int i = 0; i < n; i++) {
        /* names live in the arena: keep a copy */
        s->imported[i].name = strdup(s->imported[i].name);
        s->args[i] = (kiln_arg_info){.name = s->imported[i].name, .elem = s->imported[i].elem,
                                     .dir = s->imported[i].dir, .is_scalar = !s->imported[i].is_array,
                                     .count = s->imported[i].is_array ? count_fns[i] : NULL,
                                     .tolerance = s->tolerance};
        s->spec[i].lo = 0;
        s->spec[i].hi = kiln_scalar_is_float(s->imported[i].elem) ? 1 : 100;
    }
    kiln_ctx_free(ctx);
    return 0;
}

const kiln_kernel *cli_source_kernel(const cli_source_opts *o, char *err, size_t errlen)
{
    static source_kernel s;
    if (active)
        return fail(err, errlen, "one --source per run"), NULL;
    memset(&s, 0, sizeof s);
    s.path = o->path;
    s.function = o->kernel;
    s.ndefines = o->ndefines;
    s.tolerance = o->tolerance > 0 ? o->tolerance : 1e-4;
    for (int i = 0; i < o->ndefines; i++)
        s.defines[i] = o->defines[i];
    if (!o->kernel)
        return fail(err, errlen, "--source needs --kernel NAME"), NULL;
    if (!(s.text = slurp(o->path)))
        return fail(err, errlen, "--source: cannot read %s", o->path), NULL;
    if (o->reference) {
        char *colon = strrchr(o->reference, ':');
        static char ref_path[1024];
        if (!colon)
            return fail(err, errlen, "--reference wants FILE:FUNCTION"), NULL;
        snprintf(ref_path, sizeof ref_path, "%.*s", (int)(colon - o->reference), o->reference);
        s.ref_path = ref_path;
        s.ref_function = colon + 1;
        if (!(s.ref_text = slurp(ref_path)))
            return fail(err, errlen, "--reference: cannot read %s", ref_path), NULL;
    }
    for (int i = 0; i < o->nparams; i++)
        if (parse_param(&s, o->params[i], err, errlen) != 0)
            return NULL;
    if (o->nwhere > (int)(sizeof s.constraints / sizeof s.constraints[0]))
        return fail(err, errlen, "more than 16 --where constraints"), NULL;
    for (int i = 0; i < o->nwhere; i++)
        s.constraints[i] = o->where[i];
    s.importer = kiln_importer_new();
    active = &s;
    if (import_signature(&s, err, errlen) != 0 || parse_args(&s, o->args ? o->args : "", err, errlen) != 0 ||
        parse_grid(&s, o->grid ? o->grid : "n", err, errlen) != 0) {
        active = NULL;
        return NULL;
    }
    if (check_expressions(&s, &o->size, err, errlen) != 0) {
        active = NULL;
        return NULL;
    }
    const char *base = strrchr(o->path, '/');
    snprintf(s.name, sizeof s.name, "%s@%s", o->kernel, base ? base + 1 : o->path);
    s.k.name = s.name;
    s.k.summary = "an imported kernel (--source)";
    s.k.args = s.args;
    s.k.params = s.params;
    s.k.nconstraints = o->nwhere;
    s.k.constraints = s.constraints;
    s.k.default_size = o->size;
    s.k.langs = (1u << KILN_LANG_CL) | (1u << KILN_LANG_C);
    s.k.build = source_build;
    s.k.inputs = source_inputs;
    s.k.reference = source_reference;
    s.k.geometry = source_geometry;
    return &s.k;
}
