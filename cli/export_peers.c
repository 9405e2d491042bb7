/*
 * export_peers.c: results in the formats other tools read.
 *   t4          Kernel Tuner's T4 results format (schema 1.0.0): one result per
 *               current configuration, times in ms, verdicts as T4 invalidity
 *   csv-params  CSV with one column per parameter (the union over the rows
 *               written, in the order first seen): what a data frame wants
 *   header      a C header: the best configuration of each kernel per device
 *               and size as #defines, ranked as `kiln best` ranks
 * Each reads the rows through kiln_db_foreach and writes them to `out`; where
 * the output goes (never over the database) is export.c's business.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"

typedef struct peer_export {
    FILE *out;
    int ok_only;
    int count;
    /* csv-params: the parameter columns */
    char *params[64];
    int nparams;
    /* header: the (kernel, device, size) of each best, in the order first seen */
    struct problem {
        char *kernel, *fp, *size;
        char prefix[336];        /* KILN_<KERNEL>_<DEVICE>_<SIZE> */
        char group[200];         /* KILN_<KERNEL>_<SIZE>: the names a -DKILN_TARGET_<DEVICE> picks */
        char target[144];        /* KILN_TARGET_<DEVICE> */
        int found;
        kiln_config_pairs best;
    } *problems;
    int nproblems, cap;
    int failed;                 /* out of memory, or a row kiln cannot read */
    char err[512];
} peer_export;

static int row_wanted(const peer_export *x, const kiln_db_row *r)
{
    return strcmp(r->verdict, "running") != 0 && (!x->ok_only || strcmp(r->verdict, "ok") == 0);
}

static int fail_row(peer_export *x, const kiln_db_row *r, const char *why)
{
    snprintf(x->err, sizeof x->err, "result %lld of '%s': %s", (long long)r->id, r->kernel, why);
    x->failed = 1;
    return 1;
}

/* ---- t4 --------------------------------------------------------------- */

/* kiln's verdicts as T4's invalidity: what went wrong, or "correct". */
static const char *t4_invalidity(const char *verdict)
{
    static const struct {
        const char *verdict, *invalidity;
    } map[] = {
        {"ok", "correct"},        {"wrong", "correctness"}, {"build_error", "compile"},
        {"run_error", "runtime"}, {"crashed", "runtime"},   {"timeout", "timeout"},
        {"skipped", "constraints"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].verdict, verdict) == 0)
            return map[i].invalidity;
    return "runtime";
}

static void t4_measurement(FILE *out, int *first, const char *name, double value, const char *unit)
{
    fprintf(out, "%s{\"name\":\"%s\",\"value\":%.9g,\"unit\":\"%s\"}", *first ? "" : ",", name, value, unit);
    *first = 0;
}

static int t4_row(void *user, const kiln_db_row *r)
{
    peer_export *x = user;
    if (!row_wanted(x, r) || r->superseded_by != 0)
        return 0;
    FILE *out = x->out;
    fputs(x->count ? ",\n  {" : "\n  {", out);
    fputs("\"timestamp\":", out);
    cli_json_string(out, r->created);
    fprintf(out, ",\"configuration\":%s,\"times\":{}", r->config_json ? r->config_json : "{}");
    fprintf(out, ",\"invalidity\":\"%s\",\"correctness\":%d", t4_invalidity(r->verdict),
            strcmp(r->verdict, "ok") == 0);
    fputs(",\"measurements\":[", out);
    int first = 1;
    if (r->samples > 0) {
        t4_measurement(out, &first, "time", r->median_ns / 1e6, "ms");
        if (r->min_ns >= 0)
            t4_measurement(out, &first, "time_min", r->min_ns / 1e6, "ms");
        if (r->max_ns >= 0)
            t4_measurement(out, &first, "time_max", r->max_ns / 1e6, "ms");
        if (r->mad_ns >= 0)
            t4_measurement(out, &first, "time_mad", r->mad_ns / 1e6, "ms");
        if (r->confirmed_rounds > 0)
            t4_measurement(out, &first, "time_confirmed", r->confirmed_median_ns / 1e6, "ms");
        t4_measurement(out, &first, "samples", r->samples, "");
        if (r->gflops > 0)
            t4_measurement(out, &first, "gflops", r->gflops, "GFLOP/s");
        if (r->gbytes_per_s > 0)
            t4_measurement(out, &first, "gbytes_per_s", r->gbytes_per_s, "GB/s");
    }
    fputs("],\"objectives\":[\"time\"],\"kiln\":{", out);
    const struct {
        const char *key, *value;
    } ext[] = {{"kernel", r->kernel}, {"device", r->device_name}, {"device_fingerprint", r->device_fp},
               {"size", r->size},     {"verdict", r->verdict},    {"error", r->error_text}};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        fprintf(out, "%s\"%s\":", i ? "," : "", ext[i].key);
        cli_json_string(out, ext[i].value);
    }
    fputs("}}", out);
    x->count++;
    return 0;
}

/* ---- csv-params ------------------------------------------------------- */

/* A wanted row's configuration: 1 read into *p, 0 not wanted, -1 unreadable (x->failed). */
static int wanted_pairs(peer_export *x, const kiln_db_row *r, kiln_config_pairs *p)
{
    if (!row_wanted(x, r))
        return 0;
    if (kiln_config_pairs_parse(r->config_json ? r->config_json : "", p) != 0) {
        fail_row(x, r, "its configuration is not {\"name\":integer,...}");
        return -1;
    }
    return 1;
}

static int collect_params(void *user, const kiln_db_row *r)
{
    peer_export *x = user;
    kiln_config_pairs p;
    int wanted = wanted_pairs(x, r, &p);
    if (wanted <= 0)
        return wanted < 0; /* a row that cannot be read stops the export */
    for (int i = 0; i < p.count; i++) {
        int known = 0;
        for (int j = 0; j < x->nparams && !known; j++)
            known = strcmp(x->params[j], p.names[i]) == 0;
        if (known)
            continue;
        if (x->nparams == (int)(sizeof x->params / sizeof x->params[0]) ||
            !(x->params[x->nparams] = strdup(p.names[i]))) {
            kiln_config_pairs_clear(&p);
            return fail_row(x, r, "too many parameter names across the rows (64 at most)");
        }
        x->nparams++;
    }
    kiln_config_pairs_clear(&p);
    return 0;
}

static void csv_number(FILE *out, int present, const char *printf_format, double v)
{
    fputc(',', out);
    if (present)
        fprintf(out, printf_format, v);
}

static int csv_params_row(void *user, const kiln_db_row *r)
{
    peer_export *x = user;
    kiln_config_pairs p;
    int wanted = wanted_pairs(x, r, &p);
    if (wanted <= 0)
        return wanted < 0; /* a row that cannot be read stops the export */
    FILE *out = x->out;
    const char *text[] = {r->kernel, r->device_name, r->device_fp, r->size};
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
        if (i)
            fputc(',', out);
        cli_csv_string(out, text[i]);
    }
    for (int j = 0; j < x->nparams; j++) {
        long long v;
        fputc(',', out);
        if (kiln_config_pairs_get(&p, x->params[j], &v) == 0)
            fprintf(out, "%lld", v);
    }
    kiln_config_pairs_clear(&p);
    int timed = r->samples > 0;
    fputc(',', out);
    cli_csv_string(out, r->verdict);
    csv_number(out, timed && r->median_ns >= 0, "%.1f", r->median_ns);
    csv_number(out, timed && r->min_ns >= 0, "%.1f", r->min_ns);
    csv_number(out, timed && r->max_ns >= 0, "%.1f", r->max_ns);
    csv_number(out, timed, "%.0f", r->samples);
    csv_number(out, r->confirmed_rounds > 0, "%.1f", r->confirmed_median_ns);
    csv_number(out, r->gflops > 0, "%.4f", r->gflops);
    csv_number(out, r->gbytes_per_s > 0, "%.4f", r->gbytes_per_s);
    fputc(',', out);
    cli_csv_string(out, r->superseded_by ? "superseded" : "current");
    fputc('\n', out);
    x->count++;
    return 0;
}

/* ---- header ----------------------------------------------------------- */

/* An identifier part: upper-case letters and digits, '_' for each run of anything else. */
static void macro_part(char *buf, size_t len, const char *s)
{
    size_t n = 0;
    int gap = 0;
    for (; s && *s && n + 2 < len; s++) {
        if (isalnum((unsigned char)*s)) {
            if (gap && n)
                buf[n++] = '_';
            buf[n++] = (char)toupper((unsigned char)*s);
            gap = 0;
        } else {
            gap = 1;
        }
    }
    buf[n] = '\0';
}

/* Collects each (kernel, device, size) with a correct current result; two
 * that would share a macro prefix (two devices of one name) are refused:
 * their values would redefine each other. */
static int collect_problems(void *user, const kiln_db_row *r)
{
    peer_export *x = user;
    if (strcmp(r->verdict, "ok") != 0 || r->superseded_by != 0 || r->samples <= 0)
        return 0;
    char k[128], d[128], z[64], prefix[336];
    macro_part(k, sizeof k, r->kernel);
    macro_part(d, sizeof d, r->device_name);
    macro_part(z, sizeof z, r->size);
    snprintf(prefix, sizeof prefix, "KILN_%s_%s_%s", k, d, z);
    for (int i = 0; i < x->nproblems; i++) {
        const struct problem *q = &x->problems[i];
        int same = strcmp(q->kernel, r->kernel) == 0 && strcmp(q->fp, r->device_fp) == 0 &&
                   strcmp(q->size, r->size) == 0;
        if (same)
            return 0;
        if (strcmp(q->prefix, prefix) == 0) {
            char why[480];
            snprintf(why, sizeof why,
                     "its macros (%s_...) would redefine those of device %s; export one device at a time (--device)",
                     prefix, q->fp);
            return fail_row(x, r, why);
        }
    }
    if (x->nproblems == x->cap) {
        int cap = x->cap ? 2 * x->cap : 16;
        struct problem *grown = realloc(x->problems, (size_t)cap * sizeof *grown);
        if (!grown)
            return fail_row(x, r, "out of memory");
        x->problems = grown;
        x->cap = cap;
    }
    struct problem *p = &x->problems[x->nproblems++];
    memset(p, 0, sizeof *p);
    snprintf(p->group, sizeof p->group, "KILN_%s_%s", k, z);
    snprintf(p->target, sizeof p->target, "KILN_TARGET_%s", d);
    p->kernel = strdup(r->kernel);
    p->fp = strdup(r->device_fp);
    p->size = strdup(r->size);
    snprintf(p->prefix, sizeof p->prefix, "%s", prefix);
    if (!p->kernel || !p->fp || !p->size)
        return fail_row(x, r, "out of memory");
    return 0;
}

/* Text inside a C comment: no comment end, no line break. */
static void comment_text(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\n' || *s == '\r')
            fputc(' ', out);
        else if (*s == '*' && s[1] == '/')
            fputs("* ", out);
        else
            fputc(*s, out);
    }
}

/* For each kernel and size, the short names KILN_<KERNEL>_<SIZE>_<PARAMETER>
 * set to the values of the device -DKILN_TARGET_<DEVICE> names (as Kernel
 * Tuner's headers pick a device with -DTARGET_<DEVICE>). */
static void header_targets(peer_export *x)
{
    FILE *out = x->out;
    for (int i = 0; i < x->nproblems; i++) {
        int first = x->problems[i].found;
        for (int j = 0; j < i && first; j++)
            first = !x->problems[j].found || strcmp(x->problems[j].group, x->problems[i].group) != 0;
        if (!first)
            continue;
        fprintf(out, "\n/* %s_<PARAMETER>: the values of the device -DKILN_TARGET_<DEVICE> names */\n",
                x->problems[i].group);
        int branch = 0;
        for (int j = i; j < x->nproblems; j++) {
            const struct problem *p = &x->problems[j];
            if (!p->found || strcmp(p->group, x->problems[i].group) != 0)
                continue;
            fprintf(out, "#%s defined(%s)\n", branch++ ? "elif" : "if", p->target);
            for (int k = 0; k < p->best.count; k++) {
                char name[128];
                macro_part(name, sizeof name, p->best.names[k]);
                fprintf(out, "#define %s_%s %s_%s\n", p->group, name, p->prefix, name);
            }
        }
        fputs("#endif\n", out);
    }
}

static int header_write(peer_export *x, kiln_db *db)
{
    FILE *out = x->out;
    fputs("/* The best configuration kiln measured for each kernel, device and size\n"
          " * (kiln export --format header, kiln " KILN_VERSION "), ranked as `kiln best` ranks:\n"
          " * KILN_<KERNEL>_<DEVICE>_<SIZE>_<PARAMETER> is the parameter's value, and with\n"
          " * -DKILN_TARGET_<DEVICE> so is KILN_<KERNEL>_<SIZE>_<PARAMETER>. */\n"
          "#ifndef KILN_TUNED_H\n#define KILN_TUNED_H\n",
          out);
    for (int i = 0; i < x->nproblems; i++) {
        struct problem *p = &x->problems[i];
        kiln_db_row best;
        int found = kiln_db_best(db, p->kernel, p->fp, p->size, &best);
        if (found < 0) {
            snprintf(x->err, sizeof x->err, "%s", kiln_db_errmsg(db));
            return -1;
        }
        if (!found)
            continue;
        if (kiln_config_pairs_parse(best.config_json ? best.config_json : "", &p->best) != 0) {
            fail_row(x, &best, "its configuration is not {\"name\":integer,...}");
            kiln_db_row_free(&best);
            return -1;
        }
        p->found = 1;
        fputs("\n/* ", out);
        comment_text(out, best.kernel);
        fputs(" on ", out);
        comment_text(out, best.device_name);
        fprintf(out, " (%s), size %s: median %.0f ns", best.device_fp, best.size,
                best.confirmed_rounds > 0 ? best.confirmed_median_ns : best.median_ns);
        fputs(best.confirmed_rounds > 0 ? " (confirmed) */\n" : " */\n", out);
        for (int j = 0; j < p->best.count; j++) {
            char name[128];
            macro_part(name, sizeof name, p->best.names[j]);
            fprintf(out, p->best.values[j] < 0 ? "#define %s_%s (%lld)\n" : "#define %s_%s %lld\n", p->prefix, name,
                    p->best.values[j]);
        }
        kiln_db_row_free(&best);
        x->count++;
    }
    header_targets(x);
    fputs("\n#endif\n", out);
    return 0;
}

/* ---- the entry point --------------------------------------------------- */

static void peer_export_clear(peer_export *x)
{
    for (int i = 0; i < x->nparams; i++)
        free(x->params[i]);
    for (int i = 0; i < x->nproblems; i++) {
        free(x->problems[i].kernel);
        free(x->problems[i].fp);
        free(x->problems[i].size);
        kiln_config_pairs_clear(&x->problems[i].best);
    }
    free(x->problems);
}

int cli_export_peer(FILE *out, int format, kiln_db *db, const char *kernel, const char *device_fp,
                    const char *size, int ok_only, int *count, char *err, size_t errlen)
{
    peer_export x;
    memset(&x, 0, sizeof x);
    x.out = out;
    x.ok_only = ok_only;
    int rc = 0;
    if (format == CLI_FORMAT_T4) {
        fputs("{\"schema_version\":\"1.0.0\",\"results\":[", out);
        rc = kiln_db_foreach(db, kernel, device_fp, size, t4_row, &x);
        fputs(x.count ? "\n]}\n" : "]}\n", out);
    } else if (format == CLI_FORMAT_CSV_PARAMS) {
        rc = kiln_db_foreach(db, kernel, device_fp, size, collect_params, &x);
        if (rc == 0 && !x.failed) {
            fputs("kernel,device,device_fingerprint,size", out);
            for (int j = 0; j < x.nparams; j++) {
                fputc(',', out);
                cli_csv_string(out, x.params[j]);
            }
            fputs(",verdict,median_ns,min_ns,max_ns,samples,confirmed_median_ns,gflops,gbytes_per_s,status\n", out);
            rc = kiln_db_foreach(db, kernel, device_fp, size, csv_params_row, &x);
        }
    } else if (format == CLI_FORMAT_HEADER) {
        rc = kiln_db_foreach(db, kernel, device_fp, size, collect_problems, &x);
        if (rc == 0 && !x.failed)
            rc = header_write(&x, db);
    }
    if (rc < 0 && !x.err[0])
        snprintf(x.err, sizeof x.err, "%s", kiln_db_errmsg(db));
    if (rc < 0 || x.failed)
        snprintf(err, errlen, "%s", x.err);
    *count = x.count;
    peer_export_clear(&x);
    return rc < 0 || x.failed ? -1 : 0;
}
