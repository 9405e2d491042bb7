/*
 * main.c: the `kiln` command. The only place that prints to the user and
 * exits. Exit codes: 0 success, 1 the work failed, 2 bad usage.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/regress.h"
#include "kiln/tuner.h"

#define EXIT_WORK 1
#define EXIT_USAGE 2

static const char *progname = "kiln";

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

static const char *main_usage =
    "usage: kiln [--plugin FILE.so]... COMMAND [ARGS]\n"
    "\n"
    "Kernel metaprogramming and autotuning.\n"
    "\n"
    "commands:\n"
    "  devices                     list the OpenCL devices and the host, with fingerprints\n"
    "  kernels [NAME]              list registered kernels, their parameters and space sizes\n"
    "  generate KERNEL [options]   print the source of one variant\n"
    "  tune KERNEL [options]       build, run, time and verify variants; store them in the database\n"
    "  best KERNEL [options]       the best known configuration (with fallback)\n"
    "  show [KERNEL] [options]     results stored in the database\n"
    "  export [options]            results as CSV or JSON\n"
    "  forget [KERNEL] [filters]   remove stored results\n"
    "  plot KERNEL [options]       one tuning run as an SVG picture\n"
    "  peaks [options]             measure the device's FLOP/s and bytes/s peaks (for rooflines)\n"
    "  regress record|check ...    record kernel calls as cases; replay and compare them\n"
    "  import FILE --kernel NAME   an OpenCL C or C kernel as a kiln description\n"
    "\n"
    "Run 'kiln COMMAND --help' for a command's options.\n"
    "The database is $KILN_DB or ./kiln.db unless --db is given.\n"
    "Exit status: 0 success, 1 the work failed, 2 bad usage.\n";

/* ---- shared helpers --------------------------------------------------- */

static const kiln_kernel *find_kernel_or_die(const char *name)
{
    const kiln_kernel *k = kiln_kernel_find(name);
    if (!k) {
        fprintf(stderr, "%s: unknown kernel '%s'; known kernels:", progname, name);
        for (int i = 0; kiln_kernel_at(i); i++)
            fprintf(stderr, " %s", kiln_kernel_at(i)->name);
        fputc('\n', stderr);
        exit(EXIT_USAGE);
    }
    return k;
}

static kiln_size parse_size_or_die(const char *text)
{
    kiln_size s;
    if (cli_parse_size(text, &s) != 0)
        die(EXIT_USAGE, "--size: bad size '%s': expected N, NxM or NxMxK, each a decimal integer from 1 to %lld",
            text, LLONG_MAX);
    return s;
}

static kiln_size size_or_default(const kiln_kernel *k, const char *text)
{
    return text ? parse_size_or_die(text) : k->default_size;
}

/* A "name=value" --set whose value is a number must be plain decimal: 0x10
 * or 010 would otherwise be read as 16 or 8. */
static void check_setting_or_die(const char *command, const char *assignment)
{
    if (cli_check_setting(assignment) != 0)
        die(EXIT_USAGE, "%s: --set %s: the value must be a decimal integer or a value name", command, assignment);
}

static kiln_rt *open_device_or_die(const char *selector)
{
    char err[512];
    kiln_rt *rt = kiln_rt_open(selector, err, sizeof err);
    if (!rt) {
        /* A selector that names no device is a usage error; a device that
         * exists but fails to open is failed work. */
        static const char no_match[] = "no device matches selector";
        die(selector && *selector && strncmp(err, no_match, sizeof no_match - 1) == 0 ? EXIT_USAGE : EXIT_WORK,
            "--device: %s", err);
    }
    return rt;
}

static kiln_db *open_db_or_die(const char *path)
{
    char err[512];
    kiln_db *db = kiln_db_open(path ? path : kiln_db_default_path(), err, sizeof err);
    if (!db)
        die(EXIT_WORK, "%s", err);
    return db;
}

/* For the commands that only read: nothing is created or written. */
static kiln_db *open_db_readonly_or_die(const char *command, const char *path)
{
    char err[512];
    if (access(path, F_OK) != 0)
        die(EXIT_WORK, "%s: no database at %s (run 'kiln tune' first, or give --db)", command, path);
    kiln_db *db = kiln_db_open_readonly(path, err, sizeof err);
    if (!db)
        die(EXIT_WORK, "%s: %s", command, err);
    return db;
}

static void format_time(double ns, char *buf, size_t len)
{
    if (ns < 0)
        snprintf(buf, len, "-");
    else if (ns < 1e3)
        snprintf(buf, len, "%.0f ns", ns);
    else if (ns < 1e6)
        snprintf(buf, len, "%.2f us", ns * 1e-3);
    else if (ns < 1e9)
        snprintf(buf, len, "%.3f ms", ns * 1e-6);
    else
        snprintf(buf, len, "%.3f s", ns * 1e-9);
}

/* "{"a":1,"b":2}" -> "a=1 b=2" */
static void config_pretty(const char *json, char *buf, size_t len)
{
    size_t o = 0;
    for (const char *p = json; *p && o + 1 < len; p++) {
        if (*p == '{' || *p == '}' || *p == '"')
            continue;
        buf[o++] = *p == ':' ? '=' : *p == ',' ? ' ' : *p;
    }
    buf[o] = '\0';
}


/* "sw:page-faults=512 sw:task-clock=1.2e+06 (2 threads) 1.3 mJ 41 W" from
 * kiln_counts_json's text; "-" when nothing was counted. */
static void counters_pretty(const char *json, char *buf, size_t len)
{
    snprintf(buf, len, "-");
    if (!json || !*json)
        return;
    const char *err = strstr(json, "\"error\":\"");
    if (err) {
        snprintf(buf, len, "not counted: %.*s", (int)strcspn(err + 9, "\""), err + 9);
        return;
    }
    size_t o = 0;
    const char *p = strstr(json, "\"events\":{");
    for (p = p ? p + 10 : NULL; p && *p == '"' && o + 1 < len;) {
        const char *name = p + 1, *q = strchr(name, '"');
        if (!q || q[1] != ':')
            break;
        char *end;
        double v = strtod(q + 2, &end);
        o += (size_t)snprintf(buf + o, len - o, "%s%.*s=%.4g", o ? " " : "", (int)(q - name), name, v);
        p = *end == ',' ? end + 1 : NULL;
    }
    double threads = kiln_counters_figure(json, "threads"), ratio = kiln_counters_figure(json, "counted_over_declared");
    double joules = kiln_counters_figure(json, "energy_j"), watts = kiln_counters_figure(json, "power_w");
    if (o && o < len && threads >= 0)
        o += (size_t)snprintf(buf + o, len - o, " (%g thread%s)", threads, threads == 1 ? "" : "s");
    if (o < len && ratio >= 0)
        o += (size_t)snprintf(buf + o, len - o, " FLOPs counted/declared %.3g", ratio);
    if (o < len && joules >= 0 && watts >= 0)
        snprintf(buf + o, len - o, "%s%.4g mJ %.4g W", o ? " " : "", joules * 1e3, watts);
}

/* ---- kiln devices ----------------------------------------------------- */

static int cmd_devices(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: kiln devices\n\nLists every device kiln can use: OpenCL devices as P:D (platform:device)\n"
               "indices, then the host C compiler. Select one with --device P:D, a name\n"
               "substring, or 'host'.\n");
        return 0;
    }
    if (argc > 1)
        die(EXIT_USAGE, "devices: unexpected argument '%s'", argv[1]);
    kiln_device_info *devs = NULL;
    int n = 0;
    char err[512];
    if (kiln_devices_list(&devs, &n, err, sizeof err) != 0)
        die(EXIT_WORK, "%s", err);
    cli_table *t = cli_table_new(7, "id", "backend", "platform", "device", "driver", "CUs", "fingerprint");
    for (int i = 0; i < n; i++) {
        char id[32], cus[16];
        if (devs[i].platform_index >= 0)
            snprintf(id, sizeof id, "%d:%d", devs[i].platform_index, devs[i].device_index);
        else
            snprintf(id, sizeof id, "host");
        snprintf(cus, sizeof cus, "%d", devs[i].compute_units);
        cli_table_row(t, id, devs[i].backend, devs[i].platform, devs[i].name, devs[i].driver, cus,
                      devs[i].fingerprint);
    }
    cli_table_print(t, stdout);
    cli_table_free(t);
    free(devs);
    return 0;
}

/* ---- kiln kernels ----------------------------------------------------- */

static void print_kernel(const kiln_kernel *k)
{
    char size[64], err[512];
    kiln_size_format(&k->default_size, size, sizeof size);
    printf("%s — %s\n", k->name, k->summary ? k->summary : "");
    printf("  languages: %s%s%s\n", k->langs & (1u << KILN_LANG_CL) ? "cl" : "",
           (k->langs & (1u << KILN_LANG_CL)) && (k->langs & (1u << KILN_LANG_C)) ? ", " : "",
           k->langs & (1u << KILN_LANG_C) ? "c" : "");
    printf("  arguments:");
    for (int i = 0; i < k->nargs; i++)
        printf(" %s(%s %s%s)", k->args[i].name, k->args[i].dir == KILN_IN ? "in" : k->args[i].dir == KILN_OUT ? "out" : "inout",
               kiln_scalar_name(k->args[i].elem), k->args[i].is_scalar ? "" : "[]");
    printf("\n  parameters:\n");
    int name_width = 0;
    for (int i = 0; i < k->nparams; i++)
        if ((int)strlen(k->params[i].name) > name_width)
            name_width = (int)strlen(k->params[i].name);
    for (int i = 0; i < k->nparams; i++) {
        const kiln_param *p = &k->params[i];
        printf("    %-*s  {", name_width, p->name);
        for (int v = 0; v < p->nvalues; v++) {
            if (p->names && p->names[v])
                printf("%s%s", v ? ", " : "", p->names[v]);
            else
                printf("%s%lld", v ? ", " : "", p->values[v]);
        }
        printf("}  default %lld", p->default_value);
        if (p->help)
            printf("  — %s", p->help);
        printf("\n");
    }
    if (k->nconstraints) {
        printf("  constraints:\n");
        for (int i = 0; i < k->nconstraints; i++)
            printf("    %s\n", k->constraints[i]);
    }
    kiln_space *s = kiln_space_new(k, &k->default_size, err, sizeof err);
    if (s) {
        printf("  space at size %s: %llu points, %llu valid\n", size, (unsigned long long)kiln_space_total(s),
               (unsigned long long)kiln_space_count_valid(s));
        kiln_space_free(s);
    } else {
        printf("  space: %s\n", err);
    }
}

static int cmd_kernels(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: kiln kernels [NAME]\n\nLists registered kernels (built-ins and --plugin ones) with their\n"
               "arguments, parameters, constraints and space size at the default size.\n");
        return 0;
    }
    if (argc > 2)
        die(EXIT_USAGE, "kernels: too many arguments");
    if (argc == 2) {
        print_kernel(find_kernel_or_die(argv[1]));
        return 0;
    }
    for (int i = 0; kiln_kernel_at(i); i++) {
        if (i)
            printf("\n");
        print_kernel(kiln_kernel_at(i));
    }
    return 0;
}

/* ---- kiln generate ---------------------------------------------------- */

static int cmd_generate(int argc, char **argv)
{
    const char *lang_name = "cl", *size_text = NULL;
    const char *sets[64];
    int nsets = 0, openmp = 0;
    static const struct option longopts[] = {
        {"lang", required_argument, 0, 'l'}, {"set", required_argument, 0, 's'},
        {"size", required_argument, 0, 'n'}, {"openmp", no_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "l:s:n:oh", longopts, NULL)) != -1) {
        switch (c) {
        case 'l': lang_name = optarg; break;
        case 's':
            if (nsets == 64)
                die(EXIT_USAGE, "generate: too many --set options");
            sets[nsets++] = optarg;
            break;
        case 'n': size_text = optarg; break;
        case 'o': openmp = 1; break;
        case 'h':
            printf("usage: kiln generate KERNEL [--lang cl|c] [--set NAME=VALUE]... [--size N] [--openmp]\n\n"
                   "Prints the source of one variant: the default configuration, changed by\n"
                   "each --set. --size gives the problem size the description may specialise on.\n"
                   "--openmp (C only) parallelises the work-group loop.\n");
            return 0;
        default: exit(EXIT_USAGE);
        }
    }
    if (optind != argc - 1)
        die(EXIT_USAGE, "generate: expected one KERNEL (see 'kiln generate --help')");
    const kiln_kernel *k = find_kernel_or_die(argv[optind]);
    kiln_lang lang;
    if (kiln_lang_parse(lang_name, &lang) != 0)
        die(EXIT_USAGE, "generate: unknown language '%s' (cl or c)", lang_name);
    if (!(k->langs & (1u << lang)))
        die(EXIT_USAGE, "generate: kernel '%s' has no %s description", k->name, lang_name);
    kiln_size size = size_or_default(k, size_text);
    char err[512];
    kiln_space *space = kiln_space_new(k, &size, err, sizeof err);
    if (!space)
        die(EXIT_WORK, "%s", err);
    kiln_config cfg;
    kiln_space_default(space, &cfg);
    for (int i = 0; i < nsets; i++) {
        check_setting_or_die("generate", sets[i]);
        if (kiln_space_set(space, &cfg, sets[i], err, sizeof err) != 0)
            die(EXIT_USAGE, "generate: %s", err);
    }
    char why[256];
    int valid = kiln_space_check(space, &cfg, why, sizeof why);
    kiln_space_free(space);
    if (valid != 1)
        die(EXIT_USAGE, "generate: configuration violates constraint '%s'", why);

    kiln_ctx *ctx = kiln_ctx_new();
    kiln_proc *proc = kiln_kernel_build(k, ctx, &cfg, &size);
    if (!proc) {
        fprintf(stderr, "%s: generate: %s\n", progname, kiln_errmsg(ctx));
        kiln_ctx_free(ctx);
        return EXIT_WORK;
    }
    kiln_gen_opts gopts = {.openmp = openmp};
    char *src = kiln_generate(proc, lang, &gopts, err, sizeof err);
    kiln_ctx_free(ctx);
    if (!src)
        die(EXIT_WORK, "generate: %s", err);
    fputs(src, stdout);
    free(src);
    return 0;
}

/* ---- kiln tune -------------------------------------------------------- */

#define EXIT_INTERRUPTED 130

static volatile int stop_requested;
static int second_signal_pipe[2] = {-1, -1};
static const char *interrupted_db_path;

/* The first Ctrl-C, SIGTERM or SIGHUP stops after the configuration in
 * flight; a second one does not wait for it (interrupt_watch). */
static void on_interrupt(int sig)
{
    (void)sig;
    if (stop_requested && second_signal_pipe[1] >= 0) {
        char byte = 1;
        ssize_t n = write(second_signal_pipe[1], &byte, 1);
        (void)n;
    }
    stop_requested = 1;
}

/* A thread waiting for the second signal: it closes what this process left
 * open in the database (its in-flight marker, its run, its device claim)
 * through a connection of its own, as the first signal would have, and exits
 * 130 without waiting for the configuration in flight. */
static void *interrupt_watch(void *arg)
{
    (void)arg;
    char byte, err[512];
    while (read(second_signal_pipe[0], &byte, 1) != 1)
        if (errno != EINTR)
            return NULL;
    if (kiln_db_abandon(interrupted_db_path, "interrupted", err, sizeof err) != 0)
        fprintf(stderr, "\n%s: tune: %s\n", progname, err);
    else
        fprintf(stderr, "\n%s: tune: interrupted again: stopped without waiting for the configuration in flight\n",
                progname);
    _exit(EXIT_INTERRUPTED);
}

static void catch_interruptions(const char *db_path)
{
    pthread_t watcher;
    interrupted_db_path = db_path;
    if (pipe(second_signal_pipe) == 0 && pthread_create(&watcher, NULL, interrupt_watch, NULL) == 0)
        pthread_detach(watcher);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sa.sa_flags = SA_RESTART; /* as signal() had it: the runtime's waits go on */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* --rerun=VERDICT[,VERDICT]|all as a mask of verdict bits; exits 2 on an unknown name. */
static unsigned parse_rerun(const char *list)
{
    if (strcmp(list, "all") == 0)
        return ~(1u << KILN_RUNNING);
    unsigned mask = 0;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        kiln_verdict v;
        if (kiln_verdict_parse(name, &v) != 0 || v == KILN_RUNNING)
            die(EXIT_USAGE, "tune: --rerun wants verdicts (ok, wrong, build_error, run_error, timeout, crashed,"
                            " skipped) separated by commas, or all; got '%s'", name);
        mask |= 1u << v;
    }
    if (!mask)
        die(EXIT_USAGE, "tune: --rerun wants at least one verdict, or all");
    return mask;
}

typedef struct tune_view {
    int tty;
    int verbose;
    double best_ns;
    uint64_t failed;
    double start_s;        /* monotonic clock at the start of the run */
    uint64_t measured;     /* variants run in this process (not resumed) */
} tune_view;

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* "12 s elapsed, about 1 min 40 s left" from the pace of the variants run so far. */
static void format_eta(const tune_view *v, const kiln_tune_event *e, char *buf, size_t len)
{
    double elapsed = monotonic_s() - v->start_s;
    uint64_t left = e->total > e->index ? e->total - e->index : 0;
    if (v->measured == 0 || left == 0) {
        snprintf(buf, len, "%.0f s elapsed", elapsed);
        return;
    }
    double rest = elapsed / (double)v->measured * (double)left;
    if (rest < 90)
        snprintf(buf, len, "%.0f s elapsed, about %.0f s left", elapsed, rest);
    else
        snprintf(buf, len, "%.0f s elapsed, about %.0f min left", elapsed, rest / 60);
}

static void tune_progress(void *user, const kiln_tune_event *e)
{
    tune_view *v = user;
    char t[32], cfg[256], line[512];
    format_time(e->verdict == KILN_OK ? e->median_ns : -1, t, sizeof t);
    config_pretty(e->config_json, cfg, sizeof cfg);
    if (e->verdict == KILN_OK && (v->best_ns < 0 || e->median_ns < v->best_ns))
        v->best_ns = e->median_ns;
    if (e->verdict != KILN_OK && !e->resumed)
        v->failed++;
    if (!e->resumed)
        v->measured++;
    char best[32], eta[96];
    format_eta(v, e, eta, sizeof eta);
    format_time(v->best_ns, best, sizeof best);
    snprintf(line, sizeof line, "[%llu/%llu] %s: %s%s %s", (unsigned long long)e->index,
             (unsigned long long)(e->total > e->index ? e->total : e->index), cfg, kiln_verdict_name(e->verdict),
             e->resumed ? " (stored)" : "", t);
    if (v->tty && !v->verbose) {
        fprintf(stderr, "\r\033[K%s  | best %s, %llu failed, %s", line, best, (unsigned long long)v->failed, eta);
        if (e->verdict != KILN_OK && e->verdict != KILN_SKIPPED && !e->resumed && e->error_text) {
            char first[200];
            snprintf(first, sizeof first, "%s", e->error_text);
            char *nl = strchr(first, '\n');
            if (nl)
                *nl = '\0';
            fprintf(stderr, "\r\033[K%s\n    %s\n", line, first);
        }
        fflush(stderr);
    } else {
        fprintf(stderr, "%s", line);
        if (e->verdict == KILN_OK && e->gflops > 0)
            fprintf(stderr, "  %.2f GFLOP/s", e->gflops);
        if (e->verdict == KILN_OK && e->gbytes_per_s > 0)
            fprintf(stderr, "  %.2f GB/s", e->gbytes_per_s);
        if (e->verdict != KILN_OK && !e->resumed && e->error_text) {
            char first[200];
            snprintf(first, sizeof first, "%s", e->error_text);
            char *nl = strchr(first, '\n');
            if (nl)
                *nl = '\0';
            fprintf(stderr, "\n    %s", first);
        }
        fputc('\n', stderr);
    }
}

typedef struct top_rows {
    kiln_db_row rows[8];
    int n;
    int64_t run_id;
} top_rows;

/* The order kiln_db_best answers in: confirmed results by their confirmed
 * median, then the others by their median. */
static int ranks_before(const kiln_db_row *a, const kiln_db_row *b)
{
    if ((a->confirmed_rounds > 0) != (b->confirmed_rounds > 0))
        return a->confirmed_rounds > 0;
    return a->confirmed_rounds > 0 ? a->confirmed_median_ns < b->confirmed_median_ns : a->median_ns < b->median_ns;
}

static int collect_ok(void *user, const kiln_db_row *row)
{
    top_rows *t = user;
    if (strcmp(row->verdict, "ok") != 0 || row->superseded_by)
        return 0;
    /* keep the 5 fastest, sorted as best ranks them: confirmed figures first */
    int pos = t->n;
    while (pos > 0 && ranks_before(row, &t->rows[pos - 1]))
        pos--;
    if (pos >= 5)
        return 0;
    if (t->n == 5)
        kiln_db_row_free(&t->rows[4]);
    else
        t->n++;
    memmove(&t->rows[pos + 1], &t->rows[pos], (size_t)(t->n - 1 - pos) * sizeof t->rows[0]);
    kiln_db_row *r = &t->rows[pos];
    memset(r, 0, sizeof *r);
    r->config_json = strdup(row->config_json);
    r->verdict = strdup(row->verdict);
    r->median_ns = row->median_ns;
    r->min_ns = row->min_ns;
    r->max_ns = row->max_ns;
    r->samples = row->samples;
    r->gflops = row->gflops;
    r->gbytes_per_s = row->gbytes_per_s;
    r->confirmed_median_ns = row->confirmed_median_ns;
    r->confirmed_rounds = row->confirmed_rounds;
    r->noisy = row->noisy;
    return 0;
}

/* Refuses, before anything runs, a size, a --set or a --where that leaves no
 * valid configuration under the device's limits (local memory, work-group
 * size; the portable defaults when dev is NULL, as in a simulation): one usage
 * error naming the constraint, not a row per variant. */
static void check_space_or_die(const kiln_kernel *k, const kiln_size *size, const char *const *fixed, int nfixed,
                               const char *const *wheres, int nwheres, const kiln_device_info *dev)
{
    char err[512], size_str[64], why[256] = "", sets[512] = "";
    kiln_size_format(size, size_str, sizeof size_str);
    if (size->ndims > k->default_size.ndims)
        die(EXIT_USAGE, "tune: %s takes a size of %d dimension%s, not %s", k->name, k->default_size.ndims,
            k->default_size.ndims == 1 ? "" : "s", size_str);
    kiln_space *space = kiln_space_new(k, size, err, sizeof err);
    if (!space)
        die(EXIT_WORK, "tune: %s", err);
    if (dev)
        kiln_space_set_device(space, dev);
    uint64_t valid = kiln_space_count_valid(space);
    kiln_config cfg;
    kiln_space_default(space, &cfg);
    for (int i = 0; i < nfixed; i++)
        kiln_space_set(space, &cfg, fixed[i], err, sizeof err);
    int default_ok = kiln_space_check(space, &cfg, why, sizeof why);
    kiln_space_free(space);
    if (valid > 0)
        return;
    for (int i = 0; i < nfixed + nwheres; i++) {
        size_t used = strlen(sets);
        snprintf(sets + used, sizeof sets - used, i < nfixed ? "%s--set %s" : "%s--where '%s'", i ? " " : " with ",
                 i < nfixed ? fixed[i] : wheres[i - nfixed]);
    }
    if (default_ok == 0)
        die(EXIT_USAGE, "tune: no configuration of %s is valid at size %s%s: constraint '%s' fails", k->name, size_str,
            sets, why);
    die(EXIT_USAGE, "tune: no configuration of %s is valid at size %s%s", k->name, size_str, sets);
}


/* Refuses a size whose arrays cannot be allocated: one array past the device's
 * largest allocation, all of them past its memory, or the host's copies (the
 * arrays, their double-precision references) past the host's memory. */
static void check_memory_or_die(const kiln_kernel *k, const kiln_size *size, const kiln_device_info *dev)
{
    char size_str[64];
    kiln_size_format(size, size_str, sizeof size_str);
    /* The kernel's count functions multiply extents in size_t: refuse what would wrap. */
    double elements = 1;
    for (int d = 0; d < size->ndims; d++)
        elements *= (double)size->d[d];
    if (elements >= 0x1p52)
        die(EXIT_USAGE, "tune: size %s is too large: %.3g elements", size_str, elements);
    uint64_t device_total = 0, host_total = 0;
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        if (a->is_scalar || !a->count)
            continue;
        uint64_t count = a->count(size), bytes, copies;
        if (__builtin_mul_overflow(count, (uint64_t)kiln_scalar_bytes(a->elem), &bytes) ||
            __builtin_mul_overflow(count, (uint64_t)sizeof(double), &copies) ||
            __builtin_add_overflow(device_total, bytes, &device_total) ||
            __builtin_add_overflow(host_total, bytes + (a->dir != KILN_IN ? copies : 0), &host_total))
            die(EXIT_USAGE, "tune: size %s is too large: the size of argument '%s' overflows", size_str, a->name);
        if (dev->max_alloc_bytes && bytes > dev->max_alloc_bytes)
            die(EXIT_USAGE, "tune: at size %s argument '%s' of %s needs %.3g GB, more than the %.3g GB %s can allocate at once",
                size_str, a->name, k->name, (double)bytes * 1e-9, (double)dev->max_alloc_bytes * 1e-9, dev->name);
    }
    if (dev->global_mem_bytes && device_total > dev->global_mem_bytes)
        die(EXIT_USAGE, "tune: at size %s the arguments of %s need %.3g GB, more than the %.3g GB of %s", size_str,
            k->name, (double)device_total * 1e-9, (double)dev->global_mem_bytes * 1e-9, dev->name);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t host_mem = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    if (host_mem && host_total > host_mem)
        die(EXIT_USAGE, "tune: at size %s the host copies of %s's arguments need %.3g GB, more than the %.3g GB of memory",
            size_str, k->name, (double)host_total * 1e-9, (double)host_mem * 1e-9);
}

/* --counters and --energy: refused before anything runs when the machine
 * cannot count them; 'auto' says what it left out. */
static void set_counting_or_die(kiln_rt *rt, const char *counters, int energy)
{
    char skipped[1024];
    if (counters && kiln_rt_set_counters(rt, counters, skipped, sizeof skipped) != 0)
        die(EXIT_USAGE, "tune: --counters: %s", kiln_rt_errmsg(rt));
    if (counters && skipped[0])
        fprintf(stderr, "%s: tune: --counters auto: not countable here: %s\n", progname, skipped);
    if (energy && kiln_rt_set_energy(rt, 1) != 0)
        die(EXIT_USAGE, "tune: --energy: %s", kiln_rt_errmsg(rt));
}

/* kiln tune --simulate: a replay on the database's results, no device. */
static int tune_simulate(const kiln_kernel *k, const kiln_size *size, int size_given, const char *device,
                         const char *db_path, const kiln_strategy *strategy, uint64_t budget, double time_budget,
                         uint64_t seed, kiln_objective objective, cli_restriction *restricted, const char **fixed)
{
    if (time_budget > 0)
        die(EXIT_USAGE, "tune: --simulate replays without a clock: give --budget N, not --time");
    if (objective != KILN_OBJECTIVE_TIME)
        die(EXIT_USAGE, "tune: --simulate replays the recorded times: --objective %s is not replayed",
            kiln_objective_name(objective));
    kiln_db *db = open_db_readonly_or_die("tune --simulate", db_path ? db_path : kiln_db_default_path());
    cli_simulation sim = {.kernel = k, .size = *size, .size_given = size_given, .device = device,
                          .strategy = strategy, .budget = budget, .seed = seed};
    char err[1024];
    int rc = cli_simulate(stdout, db, &sim, err, sizeof err);
    kiln_db_close(db);
    cli_restriction_free(restricted);
    free(fixed);
    if (rc != 0)
        die(rc == -2 ? EXIT_USAGE : EXIT_WORK, "tune --simulate: %s", err);
    return 0;
}

static int cmd_tune(int argc, char **argv)
{
    const char *device = NULL, *size_text = NULL, *strategy_name = "exhaustive", *db_path = NULL;
    uint64_t budget = 0, seed = 1;
    double time_budget = 0;
    int openmp = 0, timeout_ms = 10000, verbose = 0, reps = 0, nfixed = 0, confirm_top = 5, simulate = 0;
    unsigned rerun = 0;
    const char *counters = NULL, *trace_path = NULL;
    int energy = 0;
    kiln_objective objective = KILN_OBJECTIVE_TIME;
    int jobs = 0, no_race = 0, max_reps = 0, build_procs = -1;
    /* every --set of the command line: at most one per argument */
    const char **fixed = calloc((size_t)argc, sizeof *fixed);
    if (!fixed)
        die(EXIT_WORK, "tune: out of memory");
    /* --source: a kernel file tuned as it is (cli/import.c) */
    const char *source_params[16], *source_where[16], *source_defines[64];
    cli_source_opts source = {.params = source_params, .where = source_where, .defines = source_defines};
    static const struct option longopts[] = {
        {"source", required_argument, 0, 1}, {"kernel", required_argument, 0, 2}, {"param", required_argument, 0, 3},
        {"where", required_argument, 0, 4}, {"args", required_argument, 0, 5}, {"grid", required_argument, 0, 6},
        {"reference", required_argument, 0, 7}, {"define", required_argument, 0, 8},
        {"tolerance", required_argument, 0, 9},
        {"device", required_argument, 0, 'd'}, {"size", required_argument, 0, 'n'},
        {"set", required_argument, 0, 'x'}, {"strategy", required_argument, 0, 's'}, {"budget", required_argument, 0, 'b'},
        {"time", required_argument, 0, 't'}, {"db", required_argument, 0, 'D'},
        {"seed", required_argument, 0, 'S'}, {"openmp", no_argument, 0, 'o'},
        {"timeout", required_argument, 0, 'T'}, {"reps", required_argument, 0, 'r'},
        {"verbose", no_argument, 0, 'v'}, {"help", no_argument, 0, 'h'},
        {"rerun", required_argument, 0, 'R'}, {"confirm", required_argument, 0, 'C'},
        {"counters", required_argument, 0, 'K'}, {"energy", no_argument, 0, 'E'},
        {"objective", required_argument, 0, 'O'}, {"simulate", no_argument, 0, 10},
        {"jobs", required_argument, 0, 20}, {"no-race", no_argument, 0, 21}, {"max-reps", required_argument, 0, 22},
        {"build-procs", required_argument, 0, 23}, {"trace", required_argument, 0, 24}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:n:x:s:b:t:D:S:oT:r:vh", longopts, NULL)) != -1) {
        switch (c) {
        case 1: source.path = optarg; break;
        case 2: source.kernel = optarg; break;
        case 3:
            if (source.nparams == 16)
                die(EXIT_USAGE, "tune: too many --param options");
            source_params[source.nparams++] = optarg;
            break;
        case 4:
            if (source.nwhere == 16)
                die(EXIT_USAGE, "tune: too many --where options");
            source_where[source.nwhere++] = optarg;
            break;
        case 5: source.args = optarg; break;
        case 6: source.grid = optarg; break;
        case 7: source.reference = optarg; break;
        case 8:
            if (source.ndefines == 64)
                die(EXIT_USAGE, "tune: too many --define options");
            source_defines[source.ndefines++] = optarg;
            break;
        case 9:
            if (cli_parse_seconds(optarg, &source.tolerance) != 0)
                die(EXIT_USAGE, "tune: --tolerance wants a number > 0, got '%s'", optarg);
            break;
        case 10: simulate = 1; break;
        case 20:
            if (cli_parse_int(optarg, 1, 256, &jobs) != 0)
                die(EXIT_USAGE, "tune: --jobs wants a count of build threads from 1 to 256, got '%s'", optarg);
            break;
        case 21: no_race = 1; break;
        case 22:
            if (cli_parse_int(optarg, 1, 1000000, &max_reps) != 0)
                die(EXIT_USAGE, "tune: --max-reps wants a count from 1 to 1000000, got '%s'", optarg);
            break;
        case 23:
            if (cli_parse_int(optarg, 0, 64, &build_procs) != 0)
                die(EXIT_USAGE, "tune: --build-procs wants a count of build processes from 0 to 64, got '%s'",
                    optarg);
            break;
        case 24: trace_path = optarg; break;
        case 'R': rerun = parse_rerun(optarg); break;
        case 'K': counters = optarg; break;
        case 'E': energy = 1; break;
        case 'O':
            if (kiln_objective_parse(optarg, &objective) != 0)
                die(EXIT_USAGE, "tune: --objective wants time, energy or edp, got '%s'", optarg);
            if (objective != KILN_OBJECTIVE_TIME)
                energy = 1;
            break;
        case 'C':
            if (cli_parse_int(optarg, 0, 100, &confirm_top) != 0)
                die(EXIT_USAGE, "tune: --confirm wants a count from 0 to 100, got '%s'", optarg);
            break;
        case 'x':
            check_setting_or_die("tune", optarg);
            fixed[nfixed++] = optarg;
            break;
        case 'd': device = optarg; break;
        case 'n': size_text = optarg; break;
        case 's': strategy_name = optarg; break;
        case 'b':
            if (cli_parse_u64(optarg, 0, UINT64_MAX, &budget) != 0)
                die(EXIT_USAGE, "tune: --budget wants a count of configurations (a decimal integer >= 0), got '%s'",
                    optarg);
            break;
        case 't':
            if (cli_parse_seconds(optarg, &time_budget) != 0)
                die(EXIT_USAGE, "tune: --time wants a finite number of seconds > 0, got '%s'", optarg);
            break;
        case 'D': db_path = optarg; break;
        case 'S':
            if (cli_parse_u64(optarg, 0, UINT64_MAX, &seed) != 0)
                die(EXIT_USAGE, "tune: --seed wants a decimal integer from 0 to %llu, got '%s'",
                    (unsigned long long)UINT64_MAX, optarg);
            break;
        case 'o': openmp = 1; break;
        case 'T':
            if (cli_parse_int(optarg, 0, INT_MAX, &timeout_ms) != 0)
                die(EXIT_USAGE, "tune: --timeout wants milliseconds from 0 to %d, got '%s'", INT_MAX, optarg);
            break;
        case 'r':
            if (cli_parse_int(optarg, 1, 1000000, &reps) != 0)
                die(EXIT_USAGE, "tune: --reps wants a count from 1 to 1000000, got '%s'", optarg);
            break;
        case 'v': verbose = 1; break;
        case 'h': {
            char strategies[2048] = "";
            for (const kiln_strategy *const *st = kiln_strategies(); *st; st++) {
                size_t used = strlen(strategies);
                snprintf(strategies + used, sizeof strategies - used, "                   %-11s %s\n", (*st)->name,
                         (*st)->help);
            }
            printf("usage: kiln tune KERNEL [options]\n"
                   "       kiln tune --source FILE --kernel NAME --args SPEC --grid G [--param P=V,...]... [options]\n\n"
                   "Builds, runs, verifies and times configurations of KERNEL on one device and\n"
                   "stores one row per configuration in the database. The default configuration\n"
                   "is measured first. Configurations already stored for the same source, device\n"
                   "and size are not run again, so an interrupted run resumes where it stopped.\n"
                   "The fastest are measured again at the end, interleaved, as confirmed figures.\n\n"
                   "options:\n"
                   "  --device D     'host', P:D index, or a device/platform name substring\n"
                   "                 (default: first OpenCL device, else the host compiler)\n"
                   "  --size N       problem size: N, NxM or NxMxK (default: the kernel's)\n"
                   "  --set P=V      fix parameter P to value V (repeatable): tune the rest;\n"
                   "                 P=V1,V2,... searches only those values of P\n"
                   "  --where EXPR   search only configurations where EXPR holds (repeatable): a\n"
                   "                 constraint over the parameters and n, nx, ny, nz, e.g.\n"
                   "                 'wpt * vec <= 16'\n"
                   "  --strategy S   how configurations are chosen (default exhaustive):\n"
                   "%s"
                   "  --budget N     evaluate at most N configurations (0 = all)\n"
                   "  --time S       stop starting new configurations after S seconds\n"
                   "  --seed N       seed of inputs and of the strategies (default 1)\n"
                   "  --simulate     replay the strategy on the results the database recorded for\n"
                   "                 this kernel, device (--device) and size, without a device: the\n"
                   "                 evaluations it needs to come within 5%% and 1%% of the recorded\n"
                   "                 optimum, and the best it finds (after an exhaustive run)\n"
                   "  --db FILE      database (default $KILN_DB or ./kiln.db)\n"
                   "  --timeout MS   per-run limit, 0 = none (default 10000); on OpenCL, which\n"
                   "                 cannot cancel a kernel, a timeout stops the run\n"
                   "  --reps N       timed repetitions at least (default 3; more within 200 ms)\n"
                   "  --max-reps N   timed repetitions at most (default 50)\n"
                   "  --jobs N       threads generating and building variants ahead while the device\n"
                   "                 measures one at a time (default: one per core)\n"
                   "  --build-procs N  OpenCL: hand the builds ahead to up to N kiln-build processes\n"
                   "                 (0 = build in kiln's own threads); default a quarter of the cores on\n"
                   "                 NVIDIA's OpenCL, which compiles one program at a time per\n"
                   "                 process, else 0 ($KILN_BUILD_PROCS overrides the default)\n"
                   "  --trace FILE   write where the time goes, span by span on each thread (opening\n"
                   "                 the device, generating, building, uploading, running, verifying,\n"
                   "                 timing, storing), as Chrome trace events (JSON: Perfetto or\n"
                   "                 chrome://tracing read it)\n"
                   "  --no-race      time every variant fully; by default a variant whose first 3\n"
                   "                 samples are all over 1.25x the best median so far stops there\n"
                   "                 (stored with its fewer samples, marked stopped early)\n"
                   "  --openmp       C target: parallelise the work-group loop with OpenMP\n"
                   "  --verbose      one line per configuration even on a terminal\n"
                   "  --rerun V[,V]  measure stored results of these verdicts again (or 'all');\n"
                   "                 the new rows supersede the old ones, which are kept\n"
                   "  --confirm N    re-measure the N fastest at the end, 5 rounds (default 5, 0 = none)\n"
                   "  --counters E[,E]  count events over a series of runs of their own, after the\n"
                   "                 timed ones: PAPI presets or native names (PAPI_TOT_INS), the\n"
                   "                 kernel's software events (sw:task-clock, sw:page-faults,\n"
                   "                 sw:context-switches, sw:cpu-migrations), or 'auto' for every\n"
                   "                 event countable here; an event that is not is refused, naming it\n"
                   "  --energy       joules and watts per run (RAPL for CPUs, NVML for NVIDIA GPUs)\n"
                   "  --objective O  what the strategy minimises: time (default), energy or edp\n"
                   "                 (energy x time; both imply --energy); the summary names the best\n"
                   "'kiln show --counters' and the exports show what was counted.\n"
                   "tuning an OpenCL C or C kernel as it is (see docs/importing-kernels.md):\n"
                   "  --source FILE  the kernel's file; --kernel NAME its function\n"
                   "  --param P=V,.. a macro and its values (the first is the default)\n"
                   "  --where EXPR   a constraint over the macros and n, nx, ny, nz\n"
                   "  --define D=V   a fixed -D definition\n"
                   "  --args SPEC    'a[n*n]; b[n*n] -1..1; n=n; alpha=0.5': counts, values, ranges\n"
                   "  --grid G       global sizes ':' local sizes, e.g. 'n/WPT, n : TS/WPT, TS'\n"
                   "  --reference F:NAME  the expected outputs from F's NAME on the host C target\n"
                   "                 (default: the kernel under its default macros)\n"
                   "  --tolerance X  relative error allowed on floating outputs (default 1e-4)\n"
                   "Ctrl-C (or SIGTERM, SIGHUP) stops after the configuration in flight; a second one\n"
                   "stops at once. The run is kept either way and kiln exits 130.\n"
                   "One kiln tunes a device at a time: a second one is refused, naming the first.\n",
                   strategies);
            free(fixed);
            return 0;
        }
        default: exit(EXIT_USAGE);
        }
    }
    const kiln_kernel *k;
    if (source.path) {
        if (optind != argc)
            die(EXIT_USAGE, "tune: --source takes no KERNEL argument (name the function with --kernel)");
        char serr[1024];
        source.size = size_text ? parse_size_or_die(size_text) : (kiln_size){1, {1024, 1, 1}};
        if (!(k = cli_source_kernel(&source, serr, sizeof serr)))
            die(EXIT_USAGE, "tune: %s", serr);
    } else {
        if (optind != argc - 1)
            die(EXIT_USAGE, "tune: expected one KERNEL (see 'kiln tune --help')");
        k = find_kernel_or_die(argv[optind]);
    }
    kiln_size size = size_or_default(k, size_text);
    /* a --source kernel's --where constrain its macros already */
    const char *const *wheres = source.path ? NULL : source_where;
    int nwheres = source.path ? 0 : source.nwhere;
    cli_restriction restricted = {.constraints = NULL};
    if (nfixed || nwheres) {
        char rerr[1024];
        if (!(k = cli_restrict(k, &size, fixed, nfixed, wheres, nwheres, &restricted, rerr, sizeof rerr)))
            die(EXIT_USAGE, "tune: %s", rerr);
    }
    const kiln_strategy *strategy = kiln_strategy_find(strategy_name);
    if (!strategy) {
        fprintf(stderr, "%s: tune: unknown strategy '%s'; known:", progname, strategy_name);
        for (const kiln_strategy *const *s = kiln_strategies(); *s; s++)
            fprintf(stderr, " %s", (*s)->name);
        fputc('\n', stderr);
        cli_restriction_free(&restricted);
        free(fixed);
        return EXIT_USAGE;
    }
    if (simulate) {
        check_space_or_die(k, &size, fixed, nfixed, wheres, nwheres, NULL);
        return tune_simulate(k, &size, size_text != NULL, device, db_path, strategy, budget, time_budget, seed,
                             objective, &restricted, fixed);
    }
    if (trace_path) {
        char terr[512];
        if (kiln_trace_start(trace_path, terr, sizeof terr) != 0)
            die(EXIT_USAGE, "tune: --trace: %s", terr);
        atexit(kiln_trace_stop);
    }
    double open0 = kiln_trace_now();
    kiln_rt *rt = open_device_or_die(device);
    kiln_trace_span("open the device", NULL, open0);
    check_space_or_die(k, &size, fixed, nfixed, wheres, nwheres, kiln_rt_device(rt));
    check_memory_or_die(k, &size, kiln_rt_device(rt));
    kiln_rt_set_timeout(rt, timeout_ms);
    kiln_rt_set_build_procs(rt, build_procs);
    set_counting_or_die(rt, counters, energy);
    kiln_db *db = open_db_or_die(db_path);

    char command[1024] = "";
    for (int i = 0; i < argc; i++) {
        size_t used = strlen(command);
        snprintf(command + used, sizeof command - used, "%s%s", i ? " " : "kiln ", argv[i]);
    }
    kiln_tune_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.kernel = k;
    opts.size = size;
    opts.strategy = strategy;
    opts.budget = budget;
    opts.time_budget_s = time_budget;
    opts.seed = seed;
    opts.openmp = openmp;
    opts.timeout_ms = timeout_ms;
    kiln_time_opts_default(&opts.timing);
    if (reps)
        opts.timing.min_reps = reps;
    if (max_reps && reps > max_reps)
        die(EXIT_USAGE, "tune: --reps %d is more than --max-reps %d", reps, max_reps);
    if (max_reps)
        opts.timing.max_reps = max_reps;
    if (opts.timing.min_reps > opts.timing.max_reps)
        opts.timing.min_reps = opts.timing.max_reps;
    if (opts.timing.max_reps < opts.timing.min_reps)
        opts.timing.max_reps = opts.timing.min_reps;
    opts.command = command;
    opts.stop = &stop_requested;
    opts.rerun = rerun;
    opts.confirm_top = confirm_top;
    opts.jobs = jobs;
    opts.no_race = no_race;
    opts.objective = objective;

    const kiln_device_info *dev = kiln_rt_device(rt);
    char size_str[64];
    kiln_size_format(&size, size_str, sizeof size_str);
    fprintf(stderr, "tuning %s (size %s) on %s [%s, %s] with %s search%s\n", k->name, size_str, dev->name,
            dev->platform, kiln_lang_name(kiln_rt_lang(rt)), strategy->name,
            budget ? "" : " of every valid configuration");

    catch_interruptions(db_path ? db_path : kiln_db_default_path());
    tune_view view = {.tty = isatty(2), .verbose = verbose, .best_ns = -1, .start_s = monotonic_s()};
    kiln_tune_summary sum;
    char err[512];
    int rc = kiln_tune(db, rt, &opts, tune_progress, &view, &sum, err, sizeof err);
    if (view.tty && !verbose)
        fprintf(stderr, "\n");
    if (rc != 0) {
        kiln_db_close(db);
        kiln_rt_close(rt);
        die(EXIT_WORK, "tune: %s", err);
    }

    if (sum.stopped[0]) {
        /* The device still runs the kernel that timed out: releasing it could block. */
        kiln_db_close(db);
        fprintf(stderr, "%s: tune: %s\n", progname, sum.stopped);
        fflush(NULL);
        _exit(EXIT_WORK);
    }
    printf("\n%s on %s, size %s: %llu configurations run, %llu already stored, %llu ok, %llu failed%s\n", k->name,
           dev->name, size_str, (unsigned long long)sum.evaluated, (unsigned long long)sum.resumed,
           (unsigned long long)sum.ok, (unsigned long long)sum.failed, stop_requested ? " (interrupted)" : "");
    if (sum.retried)
        printf("%llu left in flight by a run that died were run again\n", (unsigned long long)sum.retried);
    if (sum.confirmed)
        printf("the %d fastest were measured again in interleaved rounds (confirmed figures)\n", sum.confirmed);
    if (sum.ok == 0) {
        printf("no configuration produced a correct result\n");
        kiln_db_close(db);
        kiln_rt_close(rt);
        cli_restriction_free(&restricted);
        free(fixed);
        return stop_requested ? EXIT_INTERRUPTED : EXIT_WORK;
    }
    top_rows top = {.n = 0};
    kiln_db_foreach(db, k->name, dev->fingerprint, size_str, collect_ok, &top);
    cli_table *t = cli_table_new(7, "rank", "configuration", "median", "min..max", "confirmed", "GFLOP/s", "GB/s");
    for (int i = 0; i < top.n; i++) {
        char rank[16], cfg[256], med[32], lo[32], hi[32], range[72], gf[32], gb[32], conf[48] = "";
        snprintf(rank, sizeof rank, "%d", i + 1);
        config_pretty(top.rows[i].config_json, cfg, sizeof cfg);
        format_time(top.rows[i].median_ns, med, sizeof med);
        if (top.rows[i].confirmed_rounds > 0) {
            format_time(top.rows[i].confirmed_median_ns, conf, sizeof conf);
            if (top.rows[i].noisy)
                snprintf(conf + strlen(conf), sizeof conf - strlen(conf), " (noisy)");
        }
        format_time(top.rows[i].min_ns, lo, sizeof lo);
        format_time(top.rows[i].max_ns, hi, sizeof hi);
        snprintf(range, sizeof range, "%s..%s", lo, hi);
        snprintf(gf, sizeof gf, "%.2f", top.rows[i].gflops);
        snprintf(gb, sizeof gb, "%.2f", top.rows[i].gbytes_per_s);
        cli_table_row(t, rank, cfg, med, range, conf, gf, gb);
        kiln_db_row_free(&top.rows[i]);
    }
    cli_table_print(t, stdout);
    cli_table_free(t);

    char best_cfg[256], best_t[32], slow_t[32], def_t[32];
    config_pretty(sum.best_json, best_cfg, sizeof best_cfg);
    format_time(sum.best_ns, best_t, sizeof best_t);
    format_time(sum.slowest_ns, slow_t, sizeof slow_t);
    format_time(sum.default_ns, def_t, sizeof def_t);
    printf("\nbest: %s  %s\n", best_cfg, best_t);
    printf("  %.2fx faster than the slowest correct configuration (%s)\n", sum.slowest_ns / sum.best_ns, slow_t);
    if (sum.default_ns > 0)
        printf("  %.2fx faster than the default configuration (%s)\n", sum.default_ns / sum.best_ns, def_t);
    else if (!sum.default_in_space)
        printf("  (the default configuration is outside the space searched)\n");
    else
        printf("  the default configuration gave no correct result\n");
    if (opts.objective != KILN_OBJECTIVE_TIME && sum.best_objective >= 0) {
        config_pretty(sum.best_objective_json, best_cfg, sizeof best_cfg);
        if (opts.objective == KILN_OBJECTIVE_ENERGY)
            printf("lowest energy: %s  %.4g mJ per run\n", best_cfg, sum.best_objective * 1e3);
        else
            printf("lowest energy-delay product: %s  %.4g uJ s per run\n", best_cfg, sum.best_objective * 1e6);
    }
    if (sum.search_s > 0) {
        char procs[64] = "";
        if (sum.build_procs > 0)
            snprintf(procs, sizeof procs, ", builds in up to %d kiln-build processes", sum.build_procs);
        printf("search: %.1f s, %.1f s of it waiting for builds ahead%s\n", sum.search_s, sum.waited_s, procs);
    }
    printf("stored in %s (run %lld)\n", db_path ? db_path : kiln_db_default_path(), (long long)sum.run_id);
    kiln_db_close(db);
    kiln_rt_close(rt);
    cli_restriction_free(&restricted);
    free(fixed);
    return stop_requested ? EXIT_INTERRUPTED : 0;
}

static int stop_at_first(void *user, const kiln_db_row *row)
{
    (void)row;
    *(int *)user = 1;
    return 1;
}

/* 1 when the database holds any result of the kernel, whatever its verdict;
 * -1 when it cannot be read. */
static int kernel_has_rows(kiln_db *db, const char *name)
{
    int seen = 0;
    if (kiln_db_foreach(db, name, NULL, NULL, stop_at_first, &seen) < 0)
        return -1;
    return seen;
}

/* ---- kiln best -------------------------------------------------------- */

/* The identities of a kernel's variants without and with OpenMP: a stored
 * row is current when either generates it. */
typedef struct vouchers {
    kiln_identity *id[2];
} vouchers;

static int vouch_either(void *user, const kiln_db_row *row, char *err, size_t errlen)
{
    vouchers *v = user;
    int rc = kiln_identity_vouch(v->id[0], row, err, errlen);
    return rc == 0 ? kiln_identity_vouch(v->id[1], row, err, errlen) : rc;
}

static void vouchers_free(vouchers *v)
{
    kiln_identity_free(v->id[0]);
    kiln_identity_free(v->id[1]);
}

static int cmd_best(int argc, char **argv)
{
    const char *device = NULL, *size_text = NULL, *db_path = NULL;
    int json = 0;
    kiln_objective objective = KILN_OBJECTIVE_TIME;
    static const struct option longopts[] = {
        {"device", required_argument, 0, 'd'}, {"size", required_argument, 0, 'n'},
        {"db", required_argument, 0, 'D'}, {"json", no_argument, 0, 'j'},
        {"objective", required_argument, 0, 'O'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:n:D:jh", longopts, NULL)) != -1) {
        switch (c) {
        case 'O':
            if (kiln_objective_parse(optarg, &objective) != 0)
                die(EXIT_USAGE, "best: --objective wants time, energy or edp, got '%s'", optarg);
            break;
        case 'd': device = optarg; break;
        case 'n': size_text = optarg; break;
        case 'D': db_path = optarg; break;
        case 'j': json = 1; break;
        case 'h':
            printf("usage: kiln best KERNEL [--device D] [--size N] [--db FILE] [--json] [--objective O]\n\n"
                   "The fastest correct configuration known for KERNEL on the device (default:\n"
                   "the default device) at the size (default: the kernel's). When that exact\n"
                   "pair was never tuned it falls back, and says so: this device at the nearest\n"
                   "tuned size, then any device at this size, then any device at the nearest\n"
                   "size (the rules of the lookup API, kiln/lookup.h). The database is only\n"
                   "read; a kernel it knows needs no --plugin (without one, and without --size,\n"
                   "any size on this device is an exact match). --objective energy or edp\n"
                   "ranks by the energy per run (or energy x time) of results tuned with\n"
                   "--energy, and answers only with those.\n");
            return 0;
        default: exit(EXIT_USAGE);
        }
    }
    if (optind != argc - 1)
        die(EXIT_USAGE, "best: expected one KERNEL (see 'kiln best --help')");
    const char *name = argv[optind];
    /* The database knows every kernel it tuned: a plugin need not be loaded.
     * Without it the kernel's default size is unknown, so any size matches. */
    const kiln_kernel *k = kiln_kernel_find(name);
    kiln_size size;
    char size_str[64] = "";
    if (size_text || k) {
        size = size_or_default(k, size_text);
        kiln_size_format(&size, size_str, sizeof size_str);
    }
    const char *path = db_path ? db_path : kiln_db_default_path();
    kiln_db *db = open_db_readonly_or_die("best", path);
    int stored = k ? 1 : kernel_has_rows(db, name);
    if (stored <= 0) {
        char err[512];
        snprintf(err, sizeof err, "%s", kiln_db_errmsg(db));
        kiln_db_close(db);
        if (stored < 0)
            die(EXIT_WORK, "best: %s", err);
        find_kernel_or_die(name); /* unknown here and there: lists the known kernels */
    }
    kiln_rt *rt = open_device_or_die(device);
    const kiln_device_info *dev = kiln_rt_device(rt);

    /* With the kernel at hand, a row answers only if today's description
     * still generates its source and data (with or without OpenMP). */
    vouchers v = {{NULL, NULL}};
    if (k) {
        char err[512];
        for (int openmp = 0; openmp <= 1; openmp++)
            if (!(v.id[openmp] = kiln_identity_new(rt, k, &size, openmp, err, sizeof err))) {
                kiln_db_close(db);
                kiln_rt_close(rt);
                die(EXIT_WORK, "best: %s", err);
            }
    }
    kiln_db_row row;
    kiln_provenance from;
    kiln_db_set_objective(db, objective);
    int found = kiln_db_best_fallback(db, name, dev->fingerprint, size_str[0] ? size_str : NULL,
                                      k ? vouch_either : NULL, &v, &row, &from);
    if (found < 0) {
        char err[512];
        snprintf(err, sizeof err, "%s", kiln_db_errmsg(db));
        kiln_db_close(db);
        kiln_rt_close(rt);
        vouchers_free(&v);
        die(EXIT_WORK, "best: %s", err);
    }
    if (!found) {
        if (objective != KILN_OBJECTIVE_TIME)
            fprintf(stderr, "%s: best: no correct result of '%s' with an energy in %s; run 'kiln tune %s --energy' first\n",
                    progname, name, path, name);
        else
            fprintf(stderr, "%s: best: no correct result for '%s' in %s; run 'kiln tune %s' first\n", progname, name,
                    path, name);
        kiln_db_close(db);
        kiln_rt_close(rt);
        vouchers_free(&v);
        return EXIT_WORK;
    }
    /* Without a size, any size on this device is an exact match. */
    int fell_back = from != KILN_FROM_EXACT;
    char t[32], cfg[256];
    format_time(row.median_ns, t, sizeof t);
    config_pretty(row.config_json, cfg, sizeof cfg);
    if (json) {
        printf("{\"kernel\":");
        cli_json_string(stdout, row.kernel);
        printf(",\"device\":");
        cli_json_string(stdout, row.device_name);
        printf(",\"device_fingerprint\":");
        cli_json_string(stdout, row.device_fp);
        printf(",\"size\":");
        cli_json_string(stdout, row.size);
        printf(",\"config\":%s,\"median_ns\":%.1f,\"samples\":%d", row.config_json ? row.config_json : "null",
               row.median_ns, row.samples);
        printf(",\"confirmed_median_ns\":");
        cli_json_number(stdout, row.confirmed_rounds > 0, "%.1f", row.confirmed_median_ns);
        printf(",\"confirmed_rounds\":%d,\"noisy\":%s", row.confirmed_rounds, row.noisy ? "true" : "false");
        printf(",\"gflops\":");
        cli_json_number(stdout, row.gflops > 0, "%.3f", row.gflops);
        printf(",\"gbytes_per_s\":");
        cli_json_number(stdout, row.gbytes_per_s > 0, "%.3f", row.gbytes_per_s);
        double energy_j = kiln_counters_energy_j(row.counters_json);
        printf(",\"energy_j\":");
        cli_json_number(stdout, energy_j >= 0, "%.6g", energy_j);
        printf(",\"objective\":\"%s\"", kiln_objective_name(objective));
        printf(",\"match\":\"%s\"}\n", fell_back ? kiln_provenance_name(from) : "exact match");
    } else {
        printf("%s on %s, size %s: %s\n", row.kernel, row.device_name, row.size, cfg);
        printf("  median %s over %d runs", t, row.samples);
        if (row.confirmed_rounds > 0) {
            char ct[32];
            format_time(row.confirmed_median_ns, ct, sizeof ct);
            printf("; confirmed %s over %d interleaved rounds", ct, row.confirmed_rounds);
        }
        if (row.noisy)
            printf(" (noisy: the spread is too large to rank it against close ones)");
        if (row.gflops > 0)
            printf(", %.2f GFLOP/s", row.gflops);
        if (row.gbytes_per_s > 0)
            printf(", %.2f GB/s", row.gbytes_per_s);
        double energy_j = kiln_counters_energy_j(row.counters_json);
        if (energy_j >= 0)
            printf(", %.4g mJ per run", energy_j * 1e3);
        printf("\n");
        if (objective != KILN_OBJECTIVE_TIME)
            printf("  (ranked by %s)\n", objective == KILN_OBJECTIVE_ENERGY ? "energy per run" : "energy x time");
        if (fell_back)
            printf("  (fallback: %s; this device (%s)%s%s was never tuned)\n", kiln_provenance_name(from), dev->name,
                   size_str[0] ? " at size " : "", size_str);
    }
    kiln_db_row_free(&row);
    kiln_db_close(db);
    vouchers_free(&v);
    kiln_rt_close(rt);
    return 0;
}

/* ---- kiln show / export ----------------------------------------------- */

typedef struct show_ctx {
    cli_table *table;
    FILE *out;
    int format;
    int count;
    int ok_only;
    int counters;   /* a column of what was counted */
    int phases;     /* columns of where each evaluation's time went, and their totals */
    double phase_total_ns[4];
    int stopped_early;
} show_ctx;

/* A phase's time for a table cell ("-": not recorded). */
static void phase_cell(double ns, char *out, size_t len)
{
    if (ns < 0)
        snprintf(out, len, "-");
    else
        format_time(ns, out, len);
}

/* The row's runs ("12", "3 stopped early") and its phase cells; adds to the totals. */
static void phase_cells(show_ctx *s, const kiln_db_row *r, char cells[5][32])
{
    if (r->samples > 0)
        snprintf(cells[0], 32, "%d%s", r->samples, r->stopped_early ? " stopped early" : "");
    else
        snprintf(cells[0], 32, "-");
    const double ns[4] = {r->phase.generate_ns, r->phase.build_ns, r->phase.verify_ns, r->phase.measure_ns};
    for (int i = 0; i < 4; i++) {
        phase_cell(ns[i], cells[i + 1], 32);
        if (ns[i] > 0)
            s->phase_total_ns[i] += ns[i];
    }
    s->stopped_early += r->samples > 0 && r->stopped_early;
}

static int show_row(void *user, const kiln_db_row *r)
{
    show_ctx *s = user;
    if (s->ok_only && strcmp(r->verdict, "ok") != 0)
        return 0;
    if (s->format == CLI_FORMAT_TABLE) {
        char cfg[256], t[32], gf[32] = "-", gb[32] = "-";
        config_pretty(r->config_json ? r->config_json : "", cfg, sizeof cfg);
        format_time(strcmp(r->verdict, "ok") == 0 && r->samples > 0 ? r->median_ns : -1, t, sizeof t);
        if (r->gflops > 0)
            snprintf(gf, sizeof gf, "%.2f", r->gflops);
        if (r->gbytes_per_s > 0)
            snprintf(gb, sizeof gb, "%.2f", r->gbytes_per_s);
        if (s->counters) {
            char cnt[512];
            counters_pretty(r->counters_json, cnt, sizeof cnt);
            cli_table_row(s->table, r->kernel, r->device_name, r->size, cfg, r->verdict, t, gf, gb, cnt);
        } else if (s->phases) {
            char ph[5][32];
            phase_cells(s, r, ph);
            cli_table_row(s->table, r->kernel, r->device_name, r->size, cfg, r->verdict, t, ph[0], ph[1], ph[2],
                          ph[3], ph[4]);
        } else {
            cli_table_row(s->table, r->kernel, r->device_name, r->size, cfg, r->verdict, t, gf, gb);
        }
    } else {
        cli_export_row(s->out, s->format, r, s->count);
    }
    s->count++;
    return 0;
}

static int show_or_export(int argc, char **argv, int is_export)
{
    const char *command = is_export ? "export" : "show";
    const char *device = NULL, *size_text = NULL, *db_path = NULL, *format = is_export ? "csv" : "table";
    const char *output = NULL;
    int ok_only = 0, counters = 0, phases = 0;
    static const struct option longopts[] = {
        {"device", required_argument, 0, 'd'}, {"size", required_argument, 0, 'n'},
        {"db", required_argument, 0, 'D'}, {"format", required_argument, 0, 'f'},
        {"output", required_argument, 0, 'o'}, {"ok", no_argument, 0, 'k'},
        {"counters", no_argument, 0, 'K'}, {"phases", no_argument, 0, 'P'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:n:D:f:o:kh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': device = optarg; break;
        case 'n': size_text = optarg; break;
        case 'D': db_path = optarg; break;
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 'k': ok_only = 1; break;
        case 'K': counters = 1; break;
        case 'P': phases = 1; break;
        case 'h':
            printf("usage: kiln %s [KERNEL] [--device D] [--size N] [--db FILE] [--ok]%s [--format %s]%s\n\n"
                   "%s every stored result (optionally of one kernel, one device, one size),\n"
                   "in the order they were measured. --ok keeps correct results only. The\n"
                   "database is only read (it may be read-only); no kernel plugin is needed.\n"
                   "Values never measured are empty in CSV and null in JSON; the counters\n"
                   "column holds what 'kiln tune --counters/--energy' counted, per run.%s\n",
                   command, is_export ? "" : " [--counters|--phases]", is_export ? "csv|json|t4|csv-params|header" : "table|csv|json",
                   is_export ? " [--output FILE]" : "", is_export ? "Writes" : "Shows",
                   is_export ? "\n--output FILE is written whole or not at all, and never over the database.\n"
                               "For other tools: t4 is Kernel Tuner's T4 results format (current results,\n"
                               "times in ms); csv-params has one column per parameter; header is a C header\n"
                               "with the best configuration of each kernel, device and size as #defines\n"
                               "(KILN_<KERNEL>_<DEVICE>_<SIZE>_<PARAMETER>)."
                             : "\n--counters adds a column with the events and energy counted per run.\n"
                               "--phases adds the timed runs of each result (and whether the race against\n"
                               "the best so far stopped them early) and where its evaluation's time went:\n"
                               "generating the source, building it, verifying the outputs, the timed runs;\n"
                               "then their totals. CSV and JSON always carry them (stopped_early,\n"
                               "generate_ns, build_ns, verify_ns, measure_ns).");
            return 0;
        default: exit(EXIT_USAGE);
        }
    }
    if (argc - optind > 1)
        die(EXIT_USAGE, "%s: at most one KERNEL", command);
    if (output && !is_export)
        die(EXIT_USAGE, "show: --output is an export option");
    const char *kernel = optind < argc ? argv[optind] : NULL;
    int fmt = strcmp(format, "table") == 0 && !is_export ? CLI_FORMAT_TABLE
              : strcmp(format, "csv") == 0                ? CLI_FORMAT_CSV
              : strcmp(format, "json") == 0               ? CLI_FORMAT_JSON
              : strcmp(format, "t4") == 0 && is_export    ? CLI_FORMAT_T4
              : strcmp(format, "csv-params") == 0 && is_export ? CLI_FORMAT_CSV_PARAMS
              : strcmp(format, "header") == 0 && is_export ? CLI_FORMAT_HEADER
                                                          : -1;
    if (fmt < 0)
        die(EXIT_USAGE, "%s: unknown format '%s' (%s)", command, format,
            is_export ? "csv, json, t4, csv-params or header" : "table, csv or json");
    char size_str[64] = "";
    if (size_text) {
        kiln_size size = parse_size_or_die(size_text);
        kiln_size_format(&size, size_str, sizeof size_str);
    }
    const char *path = db_path ? db_path : kiln_db_default_path();
    char err[512];
    cli_output out;
    int opened = cli_output_open(&out, output, path, err, sizeof err);
    if (opened != 0)
        die(opened == -2 ? EXIT_USAGE : EXIT_WORK, "%s: %s", command, err);
    char fp[17] = "";
    if (device) {
        kiln_rt *rt = open_device_or_die(device);
        snprintf(fp, sizeof fp, "%s", kiln_rt_device(rt)->fingerprint);
        kiln_rt_close(rt);
    }
    kiln_db *db = kiln_db_open_readonly(path, err, sizeof err);
    if (!db) {
        char ignored[8];
        cli_output_close(&out, 0, ignored, sizeof ignored);
        if (access(path, F_OK) != 0)
            die(EXIT_WORK, "%s: no database at %s (run 'kiln tune' first, or give --db)", command, path);
        die(EXIT_WORK, "%s: %s", command, err);
    }
    if (counters && fmt != CLI_FORMAT_TABLE)
        die(EXIT_USAGE, "show: --counters is a table option (csv and json always carry the counters)");
    if (phases && (fmt != CLI_FORMAT_TABLE || counters))
        die(EXIT_USAGE, "show: --phases is a table option, without --counters (csv and json always carry the phases)");
    show_ctx s = {.format = fmt, .out = out.f, .ok_only = ok_only, .counters = counters, .phases = phases};
    int rc;
    if (fmt >= CLI_FORMAT_T4) { /* the formats other tools read: export_peers.c */
        rc = cli_export_peer(s.out, fmt, db, kernel, device ? fp : NULL, size_text ? size_str : NULL, ok_only,
                             &s.count, err, sizeof err);
        kiln_db_close(db);
        goto written;
    }
    if (fmt == CLI_FORMAT_TABLE && counters)
        s.table = cli_table_new(9, "kernel", "device", "size", "configuration", "verdict", "median", "GFLOP/s", "GB/s",
                                "counters per run");
    else if (fmt == CLI_FORMAT_TABLE && phases)
        s.table = cli_table_new(11, "kernel", "device", "size", "configuration", "verdict", "median", "timed runs",
                                "generate", "build", "verify", "measure");
    else if (fmt == CLI_FORMAT_TABLE)
        s.table = cli_table_new(8, "kernel", "device", "size", "configuration", "verdict", "median", "GFLOP/s", "GB/s");
    else
        cli_export_begin(s.out, fmt);
    rc = kiln_db_foreach(db, kernel, device ? fp : NULL, size_text ? size_str : NULL, show_row, &s);
    if (rc < 0)
        snprintf(err, sizeof err, "%s", kiln_db_errmsg(db));
    kiln_db_close(db);
    if (fmt == CLI_FORMAT_TABLE) {
        cli_table_print(s.table, s.out);
        cli_table_free(s.table);
        fprintf(s.out, "%d result%s\n", s.count, s.count == 1 ? "" : "s");
        if (phases) {
            char ph[4][32];
            for (int i = 0; i < 4; i++)
                format_time(s.phase_total_ns[i], ph[i], sizeof ph[i]);
            fprintf(s.out, "in all: generate %s, build %s, verify %s, measure %s; %d stopped early\n", ph[0], ph[1],
                    ph[2], ph[3], s.stopped_early);
        }
    } else {
        cli_export_end(s.out, fmt, s.count);
    }
written:
    if (rc < 0) {
        char ignored[8];
        cli_output_close(&out, 0, ignored, sizeof ignored);
        die(EXIT_WORK, "%s: %s", command, err);
    }
    if (cli_output_close(&out, 1, err, sizeof err) != 0)
        die(EXIT_WORK, "%s: %s", command, err);
    return 0;
}

static int cmd_show(int argc, char **argv)
{
    return show_or_export(argc, argv, 0);
}

static int cmd_export(int argc, char **argv)
{
    return show_or_export(argc, argv, 1);
}

/* ---- dispatch --------------------------------------------------------- */

/* ---- kiln forget ------------------------------------------------------ */

/* A fingerprint as stored (16 hex digits), or the fingerprint of the device a selector opens. */
static void device_fingerprint(const char *selector, char fp[17])
{
    size_t n = strspn(selector, "0123456789abcdef");
    if (n == 16 && !selector[16]) {
        memcpy(fp, selector, 17);
        return;
    }
    kiln_rt *rt = open_device_or_die(selector);
    memcpy(fp, kiln_rt_device(rt)->fingerprint, 17);
    kiln_rt_close(rt);
}

static int cmd_forget(int argc, char **argv)
{
    const char *device = NULL, *size_text = NULL, *verdict = NULL, *db_path = NULL, *kernel = NULL;
    int all = 0;
    static const struct option longopts[] = {
        {"device", required_argument, 0, 'd'}, {"size", required_argument, 0, 'n'},
        {"verdict", required_argument, 0, 'V'}, {"db", required_argument, 0, 'D'},
        {"all", no_argument, 0, 'a'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:n:D:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': device = optarg; break;
        case 'n': size_text = optarg; break;
        case 'V': verdict = optarg; break;
        case 'D': db_path = optarg; break;
        case 'a': all = 1; break;
        case 'h':
            printf("usage: kiln forget [KERNEL] [--device D] [--size S] [--verdict V] [--db F] [--all]\n\n"
                   "Removes stored results matching every filter given (superseded ones included),\n"
                   "and says how many. Without any filter it refuses unless --all is given.\n"
                   "  --device D     a fingerprint (16 hex digits) or a selector as 'kiln tune' takes\n"
                   "  --verdict V    ok, wrong, build_error, run_error, timeout, crashed, skipped, running\n");
            return 0;
        default: exit(EXIT_USAGE);
        }
    }
    if (optind < argc - 1)
        die(EXIT_USAGE, "forget: expected at most one KERNEL (see 'kiln forget --help')");
    if (optind == argc - 1)
        kernel = argv[optind];
    kiln_verdict v;
    if (verdict && kiln_verdict_parse(verdict, &v) != 0)
        die(EXIT_USAGE, "forget: unknown verdict '%s'", verdict);
    char size_str[64];
    if (size_text) {
        kiln_size size;
        if (kiln_size_parse(size_text, &size) != 0)
            die(EXIT_USAGE, "forget: bad size '%s': expected N, NxM or NxMxK with positive integers", size_text);
        kiln_size_format(&size, size_str, sizeof size_str);
    }
    if (!kernel && !device && !size_text && !verdict && !all)
        die(EXIT_USAGE, "forget: say which results (KERNEL, --device, --size, --verdict), or --all");
    char fp[17];
    if (device)
        device_fingerprint(device, fp);
    kiln_db *db = open_db_or_die(db_path);
    int64_t removed = 0;
    int rc = kiln_db_forget(db, kernel, device ? fp : NULL, size_text ? size_str : NULL, verdict, all, &removed);
    if (rc != 0) {
        char err[600];
        snprintf(err, sizeof err, "%s", kiln_db_errmsg(db));
        kiln_db_close(db);
        die(EXIT_WORK, "forget: %s", err);
    }
    kiln_db_close(db);
    printf("forgot %lld result%s\n", (long long)removed, removed == 1 ? "" : "s");
    return fflush(stdout) == 0 ? 0 : EXIT_WORK;
}

/* ---- kiln plot -------------------------------------------------------- */

static int cmd_plot(int argc, char **argv)
{
    const char *device = NULL, *size_text = NULL, *db_path = NULL, *output = NULL, *run_text = NULL;
    const char *colour_by = NULL;
    int roofline = 0;
    static const struct option longopts[] = {
        {"device", required_argument, 0, 'd'}, {"size", required_argument, 0, 'n'},
        {"db", required_argument, 0, 'D'},     {"output", required_argument, 0, 'o'},
        {"run", required_argument, 0, 'r'},    {"roofline", no_argument, 0, 'R'},
        {"colour-by", required_argument, 0, 'C'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:n:D:o:r:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': device = optarg; break;
        case 'n': size_text = optarg; break;
        case 'D': db_path = optarg; break;
        case 'o': output = optarg; break;
        case 'r': run_text = optarg; break;
        case 'R': roofline = 1; break;
        case 'C': colour_by = optarg; break;
        case 'h':
            printf("usage: kiln plot KERNEL [--device D] [--size N] [--run ID] [--roofline] [--db FILE]\n"
                   "                 [--colour-by NAME] [--output FILE.svg]\n\n"
                   "Draws one tuning run of KERNEL (the latest matching the filters, or --run ID)\n"
                   "as SVG: the median time of each variant in evaluation order with the best so\n"
                   "far, then the times per value of each parameter; --roofline adds the variants\n"
                   "on the device's roofline (its peaks: 'kiln peaks'). --colour-by NAME colours\n"
                   "the variants by a figure of their counters (an event such as sw:task-clock or\n"
                   "PAPI_TOT_INS, or energy_j, power_w: kiln tune --counters, --energy). The\n"
                   "database is only read.\n");
            return 0;
        default: exit(EXIT_USAGE);
        }
    }
    if (optind != argc - 1)
        die(EXIT_USAGE, "plot: expected one KERNEL (see 'kiln plot --help')");
    uint64_t run = 0;
    if (run_text && cli_parse_u64(run_text, 1, INT64_MAX, &run) != 0)
        die(EXIT_USAGE, "plot: --run: expected a run id (a positive decimal integer), not '%s'", run_text);
    char size_str[64] = "", fp[17] = "", err[512];
    if (size_text) {
        kiln_size size = parse_size_or_die(size_text);
        kiln_size_format(&size, size_str, sizeof size_str);
    }
    if (device)
        device_fingerprint(device, fp);
    const char *path = db_path ? db_path : kiln_db_default_path();
    kiln_db *db = open_db_readonly_or_die("plot", path);
    cli_output out;
    int opened = cli_output_open(&out, output, path, err, sizeof err);
    if (opened != 0) {
        kiln_db_close(db);
        die(opened == -2 ? EXIT_USAGE : EXIT_WORK, "plot: %s", err);
    }
    int rc = cli_plot(out.f, db, argv[optind], device ? fp : NULL, size_text ? size_str : NULL, (int64_t)run,
                      roofline, colour_by, err, sizeof err);
    kiln_db_close(db);
    if (rc != 0) {
        char ignored[8];
        cli_output_close(&out, 0, ignored, sizeof ignored);
        die(EXIT_WORK, "plot: %s", err);
    }
    if (cli_output_close(&out, 1, err, sizeof err) != 0)
        die(EXIT_WORK, "plot: %s", err);
    return 0;
}

/* ---- kiln peaks ------------------------------------------------------- */

static int cmd_peaks(int argc, char **argv)
{
    const char *device = NULL, *db_path = NULL, *budget_text = NULL, *size_text = NULL, *items_text = NULL;
    static const struct option longopts[] = {
        {"device", required_argument, 0, 'd'}, {"db", required_argument, 0, 'D'},
        {"budget", required_argument, 0, 'b'}, {"size", required_argument, 0, 'n'},
        {"fma-items", required_argument, 0, 'f'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:D:b:n:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': device = optarg; break;
        case 'D': db_path = optarg; break;
        case 'b': budget_text = optarg; break;
        case 'n': size_text = optarg; break;
        case 'f': items_text = optarg; break;
        case 'h':
            printf("usage: kiln peaks [--device D] [--budget N] [--size N] [--fma-items M] [--db FILE]\n\n"
                   "Tunes the two micro-kernels of a roofline on the device and stores them like\n"
                   "any result: peak_fma (M work-items, default 1048576, of 2048 independent\n"
                   "multiply-adds each: FLOP/s) and peak_stream (the copy a = b of N floats,\n"
                   "default 16777216: bytes/s). Each tries --budget random configurations\n"
                   "(default 12). 'kiln plot --roofline' reads the highest figures stored.\n");
            return 0;
        default: exit(EXIT_USAGE);
        }
    }
    if (optind != argc)
        die(EXIT_USAGE, "peaks: unexpected argument '%s'", argv[optind]);
    uint64_t budget = 12;
    if (budget_text && cli_parse_u64(budget_text, 1, UINT32_MAX, &budget) != 0)
        die(EXIT_USAGE, "peaks: --budget: expected a positive decimal integer, not '%s'", budget_text);
    const kiln_kernel *kernels[] = {&kiln_kernel_peak_fma, &kiln_kernel_peak_stream};
    kiln_size sizes[] = {size_or_default(&kiln_kernel_peak_fma, items_text),
                         size_or_default(&kiln_kernel_peak_stream, size_text)};
    kiln_rt *rt = open_device_or_die(device);
    kiln_db *db = open_db_or_die(db_path);
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
        kiln_tune_opts o;
        memset(&o, 0, sizeof o);
        o.kernel = kernels[i];
        o.size = sizes[i];
        o.strategy = kiln_strategy_find("random");
        o.budget = budget;
        o.seed = 1;
        o.command = "kiln peaks";
        kiln_time_opts_default(&o.timing);
        kiln_tune_summary sum;
        char err[512];
        if (kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) != 0) {
            kiln_db_close(db);
            kiln_rt_close(rt);
            die(EXIT_WORK, "peaks: %s: %s", kernels[i]->name, err);
        }
        char size_str[64];
        kiln_size_format(&sizes[i], size_str, sizeof size_str);
        kiln_db_row best;
        if (kiln_db_best(db, kernels[i]->name, kiln_rt_device(rt)->fingerprint, size_str, &best) == 1) {
            printf("%s on %s: %.2f %s\n", kernels[i]->name, best.device_name, i == 0 ? best.gflops : best.gbytes_per_s,
                   i == 0 ? "GFLOP/s" : "GB/s");
            kiln_db_row_free(&best);
        } else {
            printf("%s on %s: no correct result\n", kernels[i]->name, kiln_rt_device(rt)->name);
        }
    }
    kiln_db_close(db);
    kiln_rt_close(rt);
    return 0;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"devices", cmd_devices}, {"kernels", cmd_kernels}, {"generate", cmd_generate}, {"tune", cmd_tune},
    {"best", cmd_best},       {"show", cmd_show},       {"export", cmd_export},
    {"forget", cmd_forget},   {"plot", cmd_plot},       {"peaks", cmd_peaks},
    {"regress", cli_regress},
    {"import", cli_cmd_import},
};

int main(int argc, char **argv)
{
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(main_usage, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("kiln %s\n", KILN_VERSION);
            return 0;
        }
        if (strcmp(argv[i], "--plugin") == 0 && i + 1 < argc) {
            char err[512];
            if (kiln_plugin_load(argv[i + 1], err, sizeof err) != 0)
                die(EXIT_USAGE, "%s", err);
            i += 2;
            continue;
        }
        die(EXIT_USAGE, "unknown option '%s' (see 'kiln --help')", argv[i]);
    }
    if (i >= argc) {
        fputs(main_usage, stderr);
        return EXIT_USAGE;
    }
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        if (strcmp(argv[i], commands[c].name) != 0)
            continue;
        int rc = commands[c].run(argc - i, argv + i);
        /* A report cut short (disk full, a closed pipe) is failed work, not success. */
        if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
            fprintf(stderr, "%s: %s: writing to standard output: %s\n", progname, argv[i],
                    strerror(errno ? errno : EIO));
            return rc ? rc : EXIT_WORK;
        }
        return rc;
    }
    die(EXIT_USAGE, "unknown command '%s' (see 'kiln --help')", argv[i]);
}
