/*
 * regress.c: `kiln regress record|check`, the regression harness's command.
 * record runs one variant (or the default) of a kiln kernel and writes the
 * call as a case; check replays cases on a device through the recorded
 * variant, other variants, or the tuned best, or compares two recordings
 * (--against), prints one row per (case, variant) and exits 1 when any case
 * regressed or could not be checked. A bad case is a row of its own: the
 * other cases are still checked.
 */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli/cli.h"
#include "cli/regress.h"
#include "kiln/regress.h"
#include "kiln/tuner.h"

#define EXIT_WORK 1
#define EXIT_USAGE 2
#define MAX_SETS 64

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "kiln: regress: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

static const char record_usage[] =
    "usage: kiln regress record KERNEL [--size N] [--set NAME=VALUE]... [--best] [--seed N]\n"
    "                           [--device D] [--db FILE] -o FILE\n\n"
    "Runs one variant of KERNEL (the default configuration changed by each --set, or\n"
    "with --best the fastest tuned one for this device and size) on inputs made with\n"
    "--seed (default 1), checks its outputs against the kernel's reference, and writes\n"
    "the call (inputs, outputs, configuration, geometry) as a case to FILE.\n";

static const char check_usage[] =
    "usage: kiln regress check CASE|DIR... [--device D] [--set NAME=VALUE]... [--best | --all-variants]\n"
    "                          [--db FILE] [--against DIR_B]\n\n"
    "Replays each case (a DIR stands for its *.ktr files) on the device: a kiln\n"
    "kernel's case through the recorded variant (changed by each --set), the tuned\n"
    "best (--best) or every valid variant (--all-variants); a captured OpenCL case\n"
    "through its recorded source. Outputs are compared with the recorded ones within\n"
    "the verification rules (captured bytes must be identical). --against DIR_B\n"
    "compares each case with the one of the same name in DIR_B, without running.\n"
    "Exit status 1 when any case differs, fails or cannot be read.\n";

/* ---- record ---- */

/* The configuration `start` (NULL: the default) changed by each --set and
 * valid for k at size: 0, or -1 with err (an unknown parameter or value, a
 * constraint broken). */
static int config_of(const kiln_kernel *k, const kiln_size *size, const kiln_config *start, const char **sets,
                     int nsets, kiln_config *cfg, char *err, size_t errlen)
{
    char why[256];
    kiln_space *space = kiln_space_new(k, size, err, errlen);
    if (!space)
        return -1;
    if (start)
        *cfg = *start;
    else
        kiln_space_default(space, cfg);
    int rc = 0;
    for (int i = 0; rc == 0 && i < nsets; i++) {
        if (cli_check_setting(sets[i]) != 0) {
            snprintf(err, errlen, "--set %s: the value must be a decimal integer or a value name", sets[i]);
            rc = -1;
        } else if (kiln_space_set(space, cfg, sets[i], why, sizeof why) != 0) {
            snprintf(err, errlen, "kernel '%s': %s", k->name, why);
            rc = -1;
        }
    }
    if (rc == 0 && kiln_space_check(space, cfg, why, sizeof why) != 1) {
        snprintf(err, errlen, "kernel '%s': the configuration violates constraint '%s'", k->name, why);
        rc = -1;
    }
    kiln_space_free(space);
    return rc;
}

/* The fastest tuned configuration of k on rt's device at size; 0 found, -1 none (err says). */
static int best_config(const char *db_path, const kiln_kernel *k, kiln_rt *rt, const kiln_size *size,
                       kiln_config *out, char *err, size_t errlen)
{
    char size_text[96];
    kiln_size_format(size, size_text, sizeof size_text);
    kiln_db *db = kiln_db_open_readonly(db_path, err, errlen);
    if (!db)
        return -1;
    kiln_db_row row;
    int found = kiln_db_best(db, k->name, kiln_rt_device(rt)->fingerprint, size_text, &row);
    int rc = -1;
    if (found < 0)
        snprintf(err, errlen, "%s", kiln_db_errmsg(db));
    else if (found == 0)
        snprintf(err, errlen, "no tuned result of '%s' at size %s on %s in %s", k->name, size_text,
                 kiln_rt_device(rt)->name, db_path);
    else {
        rc = kiln_config_from_json(k, row.config_json, out, err, errlen);
        kiln_db_row_free(&row);
    }
    kiln_db_close(db);
    return rc;
}

static kiln_rt *open_device(const char *selector)
{
    char err[512];
    kiln_rt *rt = kiln_rt_open(selector, err, sizeof err);
    if (!rt)
        die(EXIT_WORK, "--device: %s", err);
    return rt;
}

static int cmd_record(int argc, char **argv)
{
    const char *size_text = NULL, *device = NULL, *out = NULL, *db_path = NULL, *sets[MAX_SETS];
    int nsets = 0, best = 0;
    uint64_t seed = 1;
    static const struct option longopts[] = {
        {"size", required_argument, 0, 'n'}, {"set", required_argument, 0, 's'},
        {"best", no_argument, 0, 'b'},       {"seed", required_argument, 0, 'r'},
        {"device", required_argument, 0, 'd'}, {"db", required_argument, 0, 'D'},
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:s:br:d:D:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': size_text = optarg; break;
        case 's':
            if (nsets == MAX_SETS)
                die(EXIT_USAGE, "record: too many --set options");
            sets[nsets++] = optarg;
            break;
        case 'b': best = 1; break;
        case 'r':
            if (cli_parse_u64(optarg, 0, UINT64_MAX, &seed) != 0)
                die(EXIT_USAGE, "record: --seed: '%s' is not a decimal integer", optarg);
            break;
        case 'd': device = optarg; break;
        case 'D': db_path = optarg; break;
        case 'o': out = optarg; break;
        case 'h': fputs(record_usage, stdout); return 0;
        default: exit(EXIT_USAGE);
        }
    }
    if (optind != argc - 1 || !out)
        die(EXIT_USAGE, "record: expected one KERNEL and -o FILE (see 'kiln regress record --help')");
    if (best && nsets)
        die(EXIT_USAGE, "record: --best and --set do not go together");
    const kiln_kernel *k = kiln_kernel_find(argv[optind]);
    if (!k)
        die(EXIT_USAGE, "record: unknown kernel '%s' (see 'kiln kernels')", argv[optind]);
    kiln_size size = k->default_size;
    if (size_text && cli_parse_size(size_text, &size) != 0)
        die(EXIT_USAGE, "record: --size: bad size '%s'", size_text);
    kiln_rt *rt = open_device(device);
    char err[1024];
    kiln_config cfg;
    if (best && best_config(db_path ? db_path : kiln_db_default_path(), k, rt, &size, &cfg, err, sizeof err) != 0)
        die(EXIT_WORK, "record: --best: %s", err);
    if (!best && config_of(k, &size, NULL, sets, nsets, &cfg, err, sizeof err) != 0)
        die(EXIT_USAGE, "record: %s", err);
    int rc = kiln_regress_record(rt, k, &cfg, &size, seed, out, err, sizeof err);
    char json[512], size_str[96];
    kiln_config_json(&cfg, json, sizeof json);
    kiln_size_format(&size, size_str, sizeof size_str);
    if (rc == 0)
        printf("recorded %s %s at size %s on %s: %s\n", k->name, json, size_str, kiln_rt_device(rt)->name, out);
    kiln_rt_close(rt);
    if (rc != 0)
        die(EXIT_WORK, "record: %s", err);
    return 0;
}

/* ---- check ---- */

typedef struct case_list {
    char **paths;
    int n, cap;
} case_list;

static void list_add(case_list *l, const char *path)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        l->paths = realloc(l->paths, (size_t)l->cap * sizeof *l->paths);
        if (!l->paths)
            die(EXIT_WORK, "out of memory");
    }
    if (!(l->paths[l->n++] = strdup(path)))
        die(EXIT_WORK, "out of memory");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or a folder's *.ktr files in name order. */
static void list_cases(case_list *l, const char *arg)
{
    struct stat st;
    if (stat(arg, &st) != 0 || !S_ISDIR(st.st_mode)) {
        list_add(l, arg); /* a missing file is that case's error row */
        return;
    }
    DIR *d = opendir(arg);
    if (!d)
        die(EXIT_WORK, "check: cannot read folder %s", arg);
    int first = l->n;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".ktr") == 0) {
            char path[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", arg, e->d_name);
            list_add(l, path);
        }
    }
    closedir(d);
    if (l->n == first)
        die(EXIT_USAGE, "check: folder %s holds no .ktr case", arg);
    qsort(l->paths + first, (size_t)(l->n - first), sizeof *l->paths, cmp_str);
}

typedef struct check_run {
    kiln_rt *rt;
    const char *device_name;
    const char *db_path;
    const char **sets;
    int nsets, best, all_variants;
    const char *against;
    cli_table *table;
    int bad;                    /* rows that fail the check */
} check_run;

static void add_row(check_run *r, const char *path, const char *variant, const char *verdict, const char *detail)
{
    char pretty[512];
    size_t o = 0;
    for (const char *p = variant; *p && o + 1 < sizeof pretty; p++)
        if (*p != '{' && *p != '}' && *p != '"')
            pretty[o++] = *p == ':' ? '=' : *p == ',' ? ' ' : *p;
    pretty[o] = '\0';
    cli_table_row(r->table, path, pretty, r->device_name, verdict, detail);
    if (strcmp(verdict, "ok") != 0)
        r->bad++;
}

static void row_of_result(check_run *r, const char *path, const kiln_regress_result *res)
{
    add_row(r, path, res->variant, kiln_regress_verdict_name(res->verdict), res->detail[0] ? res->detail : "-");
}

static void row_of_error(check_run *r, const char *path, const char *err)
{
    fprintf(stderr, "kiln: regress: %s\n", err);
    add_row(r, path, "-", "error", err);
}

/* The variants a kiln case is checked with: recorded (with --set), best, or all. */
static void check_kiln_variants(check_run *r, const char *path, const kiln_trace *t)
{
    const kiln_kernel *k;
    kiln_size size;
    kiln_config recorded, cfg;
    char err[1024];
    kiln_regress_result res;
    if (kiln_regress_case_config(t, &k, &size, &recorded, err, sizeof err) != 0) {
        row_of_error(r, path, err);
        return;
    }
    if (r->all_variants) {
        kiln_space *space = kiln_space_new(k, &size, err, sizeof err);
        if (!space) {
            row_of_error(r, path, err);
            return;
        }
        char why[256];
        for (uint64_t i = 0; i < kiln_space_total(space); i++) {
            kiln_space_point(space, i, &cfg);
            if (kiln_space_check(space, &cfg, why, sizeof why) != 1)
                continue;
            if (kiln_regress_check(r->rt, t, &cfg, &res, err, sizeof err) != 0)
                row_of_error(r, path, err);
            else
                row_of_result(r, path, &res);
        }
        kiln_space_free(space);
        return;
    }
    if (r->best) {
        if (best_config(r->db_path, k, r->rt, &size, &cfg, err, sizeof err) != 0) {
            row_of_error(r, path, err);
            return;
        }
    } else if (config_of(k, &size, &recorded, r->sets, r->nsets, &cfg, err, sizeof err) != 0) {
        row_of_error(r, path, err);
        return;
    }
    if (kiln_regress_check(r->rt, t, &cfg, &res, err, sizeof err) != 0)
        row_of_error(r, path, err);
    else
        row_of_result(r, path, &res);
}

static void check_against(check_run *r, const char *path, const kiln_trace *a)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char other[PATH_MAX], err[1024];
    snprintf(other, sizeof other, "%s/%s", r->against, base);
    kiln_trace *b = kiln_trace_open(other, err, sizeof err);
    kiln_regress_result res;
    if (!b || kiln_trace_verify(b, err, sizeof err) != 0)
        row_of_error(r, path, err);
    else if (kiln_regress_compare(a, b, &res, err, sizeof err) != 0)
        row_of_error(r, path, err);
    else {
        snprintf(res.variant, sizeof res.variant, "against %.400s", other);
        row_of_result(r, path, &res);
    }
    kiln_trace_free(b);
}

static void check_one(check_run *r, const char *path)
{
    char err[1024];
    kiln_trace *t = kiln_trace_open(path, err, sizeof err);
    if (!t || kiln_trace_verify(t, err, sizeof err) != 0) {
        row_of_error(r, path, err);
        kiln_trace_free(t);
        return;
    }
    if (r->against)
        check_against(r, path, t);
    else if (strcmp(kiln_regress_case_kind(t), "kiln") == 0)
        check_kiln_variants(r, path, t);
    else {
        kiln_regress_result res;
        if (kiln_regress_check(r->rt, t, NULL, &res, err, sizeof err) != 0)
            row_of_error(r, path, err);
        else
            row_of_result(r, path, &res);
    }
    kiln_trace_free(t);
}

static int cmd_check(int argc, char **argv)
{
    check_run r = {0};
    const char *device = NULL, *sets[MAX_SETS];
    static const struct option longopts[] = {
        {"device", required_argument, 0, 'd'}, {"set", required_argument, 0, 's'},
        {"best", no_argument, 0, 'b'},         {"all-variants", no_argument, 0, 'a'},
        {"db", required_argument, 0, 'D'},     {"against", required_argument, 0, 'A'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:s:baD:A:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': device = optarg; break;
        case 's':
            if (r.nsets == MAX_SETS)
                die(EXIT_USAGE, "check: too many --set options");
            sets[r.nsets++] = optarg;
            break;
        case 'b': r.best = 1; break;
        case 'a': r.all_variants = 1; break;
        case 'D': r.db_path = optarg; break;
        case 'A': r.against = optarg; break;
        case 'h': fputs(check_usage, stdout); return 0;
        default: exit(EXIT_USAGE);
        }
    }
    if (optind >= argc)
        die(EXIT_USAGE, "check: expected at least one CASE (see 'kiln regress check --help')");
    if (r.best + r.all_variants + (r.nsets > 0) > 1)
        die(EXIT_USAGE, "check: --set, --best and --all-variants exclude each other");
    if (r.against && (device || r.best || r.all_variants || r.nsets))
        die(EXIT_USAGE, "check: --against compares recordings and runs nothing: no --device, --set, --best");
    r.sets = sets;
    if (!r.db_path)
        r.db_path = kiln_db_default_path();
    case_list cases = {0};
    for (int i = optind; i < argc; i++)
        list_cases(&cases, argv[i]);
    char device_text[400];
    if (!r.against) {
        r.rt = open_device(device);
        const kiln_device_info *info = kiln_rt_device(r.rt);
        if (strcmp(info->backend, "host") == 0)
            snprintf(device_text, sizeof device_text, "%s", info->name);
        else
            snprintf(device_text, sizeof device_text, "%.200s [%.150s]", info->name, info->platform);
        r.device_name = device_text;
    } else {
        r.device_name = "-";
    }
    r.table = cli_table_new(5, "case", "variant", "device", "verdict", "errors");
    for (int i = 0; i < cases.n; i++)
        check_one(&r, cases.paths[i]);
    cli_table_print(r.table, stdout);
    printf("%d case%s, %d row%s not ok\n", cases.n, cases.n == 1 ? "" : "s", r.bad, r.bad == 1 ? "" : "s");
    cli_table_free(r.table);
    for (int i = 0; i < cases.n; i++)
        free(cases.paths[i]);
    free(cases.paths);
    if (r.rt)
        kiln_rt_close(r.rt);
    return r.bad ? EXIT_WORK : 0;
}

int cli_regress(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs("usage: kiln regress record|check ... (see 'kiln regress record --help', 'kiln regress check --help')\n",
              argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "record") == 0)
        return cmd_record(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    die(EXIT_USAGE, "unknown subcommand '%s' (record or check)", argv[1]);
}
