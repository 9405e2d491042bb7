/*
 * tune_search.c: what `kiln tune` adds to a kernel's search before it runs:
 * restrictions from the command line (--set P=V[,V...] and --where EXPR,
 * turned into constraints of a copy of the kernel), and --simulate, a search
 * replayed on the results a database recorded (no device is opened).
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* ---- restrictions ----------------------------------------------------- */

static char *format_text(const char *fmt, const char *a, const char *b)
{
    size_t len = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *text = malloc(len);
    if (text)
        snprintf(text, len, fmt, a, b);
    return text;
}

/* The constraint of one --set: "P == V" or "P == V1 || P == V2 ...". */
static char *set_constraint(const kiln_space *space, const char *assignment, char *err, size_t errlen)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        snprintf(err, errlen, "--set %s: expected P=V or P=V1,V2,...", assignment);
        return NULL;
    }
    size_t namelen = (size_t)(eq - assignment), len = 0, cap = 8 * strlen(assignment) + 64;
    char *text = malloc(cap);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int count = 0;
    for (const char *v = eq + 1;; v++) {
        const char *end = strchr(v, ',');
        size_t vlen = end ? (size_t)(end - v) : strlen(v);
        char one[256];
        kiln_config cfg = {.n = 0};
        snprintf(one, sizeof one, "%.*s=%.*s", (int)namelen, assignment, (int)vlen, v);
        if (vlen == 0 || cli_check_setting(one) != 0 || kiln_space_set(space, &cfg, one, err, errlen) != 0) {
            if (vlen == 0 || cli_check_setting(one) != 0)
                snprintf(err, errlen, "--set %s: '%.*s' is not a decimal integer or a value name", assignment,
                         (int)vlen, v);
            free(text);
            return NULL;
        }
        int param = 0;
        while (strlen(cfg.names[param]) != namelen || strncmp(cfg.names[param], assignment, namelen) != 0)
            param++; /* kiln_space_set found it */
        len += (size_t)snprintf(text + len, cap - len, "%s%.*s == %lld", count ? " || " : "", (int)namelen, assignment,
                                cfg.values[param]);
        count++;
        if (!end)
            break;
        v = end;
    }
    return text;
}

/* The constraint of one --where, EXPR itself, checked alone against the
 * kernel's parameters and the size names: NULL with err naming the column of
 * a syntax error or the unknown name. */
static char *where_constraint(const kiln_kernel *k, const kiln_size *size, const char *expr, char *err, size_t errlen)
{
    char *text = format_text("%s%s", expr, "");
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    const char *alone[1] = {text};
    kiln_kernel probe = *k;
    probe.constraints = alone;
    probe.nconstraints = 1;
    char serr[512], prefix[600];
    kiln_space *space = kiln_space_new(&probe, size, serr, sizeof serr);
    if (space) {
        kiln_space_free(space);
        return text;
    }
    /* "constraint 1 'EXPR': why" says no more than "--where 'EXPR': why" */
    snprintf(prefix, sizeof prefix, "constraint 1 '%s': ", text);
    const char *why = strncmp(serr, prefix, strlen(prefix)) == 0 ? serr + strlen(prefix) : serr;
    snprintf(err, errlen, "--where '%s': %s", expr, why);
    free(text);
    return NULL;
}

void cli_restriction_free(cli_restriction *r)
{
    for (int i = 0; i < r->nadded; i++)
        free(r->added[i]);
    free(r->added);
    free(r->constraints);
    memset(r, 0, sizeof *r);
}

const kiln_kernel *cli_restrict(const kiln_kernel *k, const kiln_size *size, const char *const *sets, int nsets,
                                const char *const *wheres, int nwheres, cli_restriction *out, char *err,
                                size_t errlen)
{
    memset(out, 0, sizeof *out);
    char serr[512];
    kiln_space *space = kiln_space_new(k, size, serr, sizeof serr);
    if (!space) {
        snprintf(err, errlen, "%s", serr);
        return NULL;
    }
    int total = k->nconstraints + nsets + nwheres;
    out->constraints = calloc((size_t)total + 1, sizeof *out->constraints);
    out->added = calloc((size_t)(nsets + nwheres) + 1, sizeof *out->added);
    if (!out->constraints || !out->added) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    out->kernel = *k;
    for (int i = 0; i < k->nconstraints; i++)
        out->constraints[i] = k->constraints[i];
    for (int i = 0; i < nsets; i++) {
        char *text = set_constraint(space, sets[i], err, errlen);
        if (!text)
            goto fail;
        out->added[out->nadded++] = text;
    }
    for (int i = 0; i < nwheres; i++) {
        char *text = where_constraint(k, size, wheres[i], err, errlen);
        if (!text)
            goto fail;
        out->added[out->nadded++] = text;
    }
    for (int i = 0; i < out->nadded; i++)
        out->constraints[k->nconstraints + i] = out->added[i];
    out->kernel.constraints = out->constraints;
    out->kernel.nconstraints = total;
    kiln_space_free(space);
    return &out->kernel;
fail:
    kiln_space_free(space);
    cli_restriction_free(out);
    return NULL;
}

/* ---- simulation ------------------------------------------------------- */

typedef struct recorded {
    const kiln_kernel *kernel;
    const char *device_fp, *size; /* filters, NULL = any */
    kiln_sim_record *records;
    size_t n, cap;
    char fps[8][64], sizes[8][64], device_name[256];
    int nfps, nsizes;
    int bad_rows;              /* configurations that do not parse onto the kernel */
} recorded;

static void note_distinct(char (*list)[64], int *n, const char *value, size_t width)
{
    for (int i = 0; i < *n; i++)
        if (strncmp(list[i], value, width - 1) == 0)
            return;
    if (*n < 8)
        snprintf(list[(*n)++], width, "%s", value);
}

static int collect_recorded(void *user, const kiln_db_row *row)
{
    recorded *r = user;
    kiln_verdict verdict;
    if (row->superseded_by || kiln_verdict_parse(row->verdict, &verdict) != 0 || verdict == KILN_RUNNING)
        return 0;
    int known = r->nfps;
    note_distinct(r->fps, &r->nfps, row->device_fp ? row->device_fp : "", 17);
    if (r->nfps > known && row->device_name)
        snprintf(r->device_name, sizeof r->device_name, "%s", row->device_name);
    note_distinct(r->sizes, &r->nsizes, row->size ? row->size : "", 64);
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        kiln_sim_record *bigger = realloc(r->records, cap * sizeof *bigger);
        if (!bigger)
            return 1;
        r->records = bigger;
        r->cap = cap;
    }
    kiln_sim_record *rec = &r->records[r->n];
    char err[256];
    if (kiln_config_from_json(r->kernel, row->config_json, &rec->config, err, sizeof err) != 0) {
        r->bad_rows++;
        return 0;
    }
    rec->verdict = verdict;
    rec->objective = verdict == KILN_OK ? row->median_ns : -1;
    r->n++;
    return 0;
}

static void list_choices(char *buf, size_t len, char (*list)[64], int n, size_t width)
{
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%.*s", i ? ", " : "", (int)width, list[i]);
    }
}

/* The results to replay: of one device and one size, chosen or the only ones. */
static int load_recorded(kiln_db *db, const cli_simulation *sim, recorded *r, char *err, size_t errlen)
{
    char fp[17], size[64], choices[600];
    if (sim->device) {
        int found = kiln_db_device_named(db, sim->device, fp);
        if (found <= 0) {
            snprintf(err, errlen, found < 0 ? "%s" : "no device named '%s' in the database",
                     found < 0 ? kiln_db_errmsg(db) : sim->device);
            return found < 0 ? -1 : -2;
        }
        r->device_fp = fp;
    }
    if (sim->size_given) {
        kiln_size_format(&sim->size, size, sizeof size);
        r->size = size;
    }
    r->kernel = sim->kernel;
    if (kiln_db_foreach(db, sim->kernel->name, r->device_fp, r->size, collect_recorded, r) != 0) {
        snprintf(err, errlen, "%s", kiln_db_errmsg(db));
        return -1;
    }
    if (r->n == 0) {
        snprintf(err, errlen, "no results of %s%s%s recorded in the database to replay: run 'kiln tune %s --strategy exhaustive' first",
                 sim->kernel->name, r->size ? " at size " : "", r->size ? r->size : "", sim->kernel->name);
        return -2;
    }
    if (r->nfps > 1) {
        list_choices(choices, sizeof choices, r->fps, r->nfps, 16);
        snprintf(err, errlen, "results of %s from %d devices (%s): choose one with --device", sim->kernel->name,
                 r->nfps, choices);
        return -2;
    }
    if (r->nsizes > 1) {
        list_choices(choices, sizeof choices, r->sizes, r->nsizes, 63);
        snprintf(err, errlen, "results of %s at %d sizes (%s): choose one with --size", sim->kernel->name, r->nsizes,
                 choices);
        return -2;
    }
    return 0;
}

static void print_config(FILE *out, const kiln_config *c)
{
    for (int i = 0; i < c->n; i++)
        fprintf(out, "%s%s=%lld", i ? " " : "", c->names[i], c->values[i]);
}

static void print_reached(FILE *out, const char *what, uint64_t after)
{
    if (after)
        fprintf(out, "  %-28s %llu evaluations\n", what, (unsigned long long)after);
    else
        fprintf(out, "  %-28s not reached\n", what);
}

int cli_simulate(FILE *out, kiln_db *db, const cli_simulation *sim, char *err, size_t errlen)
{
    recorded r = {.n = 0};
    int rc = load_recorded(db, sim, &r, err, errlen);
    kiln_space *space = NULL;
    kiln_size size = sim->size;
    if (rc == 0 && !sim->size_given && cli_parse_size(r.sizes[0], &size) != 0) {
        snprintf(err, errlen, "recorded size '%s' does not parse", r.sizes[0]);
        rc = -1;
    }
    char serr[512];
    if (rc == 0 && !(space = kiln_space_new(sim->kernel, &size, serr, sizeof serr))) {
        snprintf(err, errlen, "%s", serr);
        rc = -2;
    }
    kiln_sim_result res;
    kiln_sim_opts opts = {.space = space, .strategy = sim->strategy, .budget = sim->budget, .seed = sim->seed};
    if (rc == 0 && kiln_simulate(&opts, r.records, r.n, &res, err, errlen) != 0)
        rc = -1;
    if (rc == 0) {
        fprintf(out, "replaying %s (size %s) on %s [%s] from the database: %llu recorded configurations of %llu valid",
                sim->kernel->name, r.sizes[0], r.device_name, r.fps[0], (unsigned long long)res.recorded,
                (unsigned long long)res.valid);
        fprintf(out, "%s\n", res.valid && res.recorded < res.valid ? " (not a complete exhaustive run)" : "");
        if (r.bad_rows)
            fprintf(out, "  %d stored configurations are not configurations of %s today: left out\n", r.bad_rows,
                    sim->kernel->name);
        fprintf(out, "strategy %s, seed %llu%s\n", sim->strategy->name, (unsigned long long)sim->seed,
                sim->budget ? "" : ", no budget: until the recorded optimum is found");
        if (res.unmeasured) {
            fprintf(out, "warning: %llu proposed configurations have no recorded result and were answered as failures; the first: ",
                    (unsigned long long)res.unmeasured);
            print_config(out, &res.first_unmeasured);
            fputc('\n', out);
        }
        fprintf(out, "  %-28s %llu evaluations\n", "searched", (unsigned long long)res.evaluations);
        print_reached(out, "within 5% of the optimum", res.within5);
        print_reached(out, "within 1% of the optimum", res.within1);
        print_reached(out, "the optimum", res.at_optimum);
        if (res.best >= 0) {
            fprintf(out, "best found: ");
            print_config(out, &res.best_config);
            fprintf(out, "  %.6g ns after %llu evaluations (recorded optimum %.6g ns)\n", res.best,
                    (unsigned long long)res.best_after, res.optimum);
        } else {
            fprintf(out, "best found: none (no correct result among the configurations proposed)\n");
        }
        fprintf(out, "simulation strategy=%s seed=%llu evaluations=%llu within5=%llu within1=%llu optimum=%llu "
                     "best_ns=%.6g optimum_ns=%.6g valid=%llu recorded=%llu unmeasured=%llu\n",
                sim->strategy->name, (unsigned long long)sim->seed, (unsigned long long)res.evaluations,
                (unsigned long long)res.within5, (unsigned long long)res.within1, (unsigned long long)res.at_optimum,
                res.best, res.optimum, (unsigned long long)res.valid, (unsigned long long)res.recorded,
                (unsigned long long)res.unmeasured);
    }
    kiln_space_free(space);
    free(r.records);
    return rc;
}
