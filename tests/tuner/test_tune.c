/*
 * test_tune.c: the tuning loop on the host backend: every variant is a row,
 * a rerun resumes without measuring again, a variant left "running" by a run
 * that died is retried once and recorded crashed the second time, one left by
 * a live process is left alone, and each part of a result's identity (size,
 * source, build options, device fingerprint, verification data) changed alone
 * makes resume measure again and keeps best from answering with a stale row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>
#include "autotuner/tuner_int.h"
#include "check.h"
#include "files.h"

typedef struct verdict_count {
    int by_verdict[KILN_RUNNING + 1];
    int total;
} verdict_count;

static int count_rows(void *user, const kiln_db_row *row)
{
    verdict_count *c = user;
    for (int v = 0; v <= KILN_RUNNING; v++)
        if (strcmp(row->verdict, kiln_verdict_name((kiln_verdict)v)) == 0)
            c->by_verdict[v]++;
    c->total++;
    return 0;
}

static verdict_count count(kiln_db *db)
{
    verdict_count c;
    memset(&c, 0, sizeof c);
    kiln_db_foreach(db, NULL, NULL, NULL, count_rows, &c);
    return c;
}

static void tune_opts(kiln_tune_opts *o, const kiln_kernel *k, const kiln_size *size, uint64_t budget)
{
    memset(o, 0, sizeof *o);
    o->kernel = k;
    o->size = *size;
    o->strategy = kiln_strategy_find("exhaustive");
    o->budget = budget;
    o->seed = 1;
    kiln_time_opts_default(&o->timing);
    o->timing.min_reps = 1;
    o->timing.max_reps = 2;
    o->timing.budget_ms = 1;
}

/* Runs sql on the file at path; for a query, the first column of its first
 * row, else 0 (-1 on an error). */
static long long sql_count(const char *path, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(h, 5000);
        if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
            int rc = sqlite3_step(st);
            v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

/* The n-th valid configuration (1-based) in exhaustive order. */
static kiln_config nth_valid(const kiln_kernel *k, const kiln_size *size, int n)
{
    char err[256];
    kiln_space *space = kiln_space_new(k, size, err, sizeof err);
    kiln_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int valid = 0;
    for (uint64_t i = 0; space && i < kiln_space_total(space); i++) {
        kiln_space_point(space, i, &cfg);
        if (kiln_space_check(space, &cfg, err, sizeof err) == 1 && ++valid == n)
            break;
    }
    kiln_space_free(space);
    return cfg;
}

/* A child process stores an in-flight marker of cfg, as a tuner would before
 * running it, then dies (or, with stay, lives on until killed: its pid). */
static pid_t leave_marker(const char *path, kiln_rt *rt, const kiln_tune_opts *o, const kiln_config *cfg,
                          int crashes, int stay)
{
    int ready[2];
    if (pipe(ready) != 0)
        return -1;
    pid_t pid = fork();
    if (pid != 0) {
        char byte = 0;
        close(ready[1]);
        if (read(ready[0], &byte, 1) != 1)
            byte = 0;
        close(ready[0]);
        if (!stay)
            waitpid(pid, NULL, 0);
        CHECK_MSG(byte == 1, "the child could not store its marker");
        return pid;
    }
    char err[256], kname[64], json[256], identity[17], options[1024], data[17];
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    kiln_eval ev;
    if (!db || kiln_variant_prepare(rt, o->kernel, cfg, &o->size, o, &ev, kname, sizeof kname) != 0 ||
        kiln_rt_build_options(rt, options, sizeof options) != 0 ||
        kiln_eval_data_hash(o->kernel, &o->size, o->seed, data, err, sizeof err) != 0)
        _exit(1);
    kiln_identity_hash(ev.source_hash, options, identity);
    kiln_config_json(cfg, json, sizeof json);
    kiln_result r;
    memset(&r, 0, sizeof r);
    r.kernel = o->kernel->name;
    r.lang = "c";
    r.size = "4096";
    r.config_json = json;
    r.source_hash = identity;
    r.data_hash = data;
    r.crashes = crashes;
    r.device_id = kiln_db_device(db, kiln_rt_device(rt));
    r.worst_index = -1;
    char byte = kiln_db_result_begin(db, &r) > 0;
    kiln_db_close(db);
    if (write(ready[1], &byte, 1) != 1)
        _exit(1);
    if (stay)
        pause();
    _exit(0);
}

/* Stands for a driver update: the same device with a new driver version. */
void kiln_device_fingerprint(kiln_device_info *info);

static const kiln_kernel *triad;

/* triad's reference, shifted: every variant is wrong against it. */
static void shifted_reference(kiln_args *a)
{
    triad->reference(a);
    for (int i = 0; i < triad->nargs; i++) {
        const kiln_arg_info *arg = &triad->args[i];
        if (arg->is_scalar || arg->dir == KILN_IN)
            continue;
        double *want = kiln_args_want(a, arg->name);
        for (size_t j = 0; j < arg->count(kiln_args_size(a)); j++)
            want[j] += 1.0;
    }
}

/* triad at 4096 whatever the size asked: its source and its data do not
 * depend on the size, so only the size itself tells results apart. */
static const kiln_size fixed_size = {1, {4096, 1, 1}};

static size_t fixed_count(const kiln_size *size)
{
    (void)size;
    return 4096;
}

static kiln_proc *fixed_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)size;
    return triad->build(ctx, cfg, &fixed_size);
}

/* Copies argument i (every argument when outputs is 0, the inputs and
 * scalars only otherwise) between two data sets of one shape. */
static void copy_args(kiln_args *to, const kiln_args *from, int inputs_only)
{
    for (int i = 0; i < triad->nargs; i++)
        if (!inputs_only || triad->args[i].is_scalar || triad->args[i].dir != KILN_OUT)
            memcpy(kiln_args_at(to, i), kiln_args_at(from, i), kiln_args_bytes(from, i));
}

static void fixed_inputs(kiln_args *a, uint64_t seed)
{
    kiln_args *t = kiln_args_new(triad, &fixed_size, NULL, 0);
    triad->inputs(t, seed);
    copy_args(a, t, 1);
    kiln_args_free(t);
}

static void fixed_reference(kiln_args *a)
{
    kiln_args *t = kiln_args_new(triad, &fixed_size, NULL, 0);
    copy_args(t, a, 1);
    triad->reference(t);
    memcpy(kiln_args_want(a, "a"), kiln_args_want(t, "a"), 4096 * sizeof(double));
    memcpy(kiln_args_magnitude(a, "a", 2), kiln_args_magnitude(t, "a", 2), 4096 * sizeof(double));
    kiln_args_free(t);
}

static void fixed_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    (void)size;
    triad->geometry(cfg, &fixed_size, geo);
}

typedef struct config_set {
    char json[16][256];
    int n;
} config_set;

static void note_config(void *user, const kiln_tune_event *ev)
{
    config_set *s = user;
    if (s->n < 16)
        snprintf(s->json[s->n++], sizeof s->json[0], "%s", ev->config_json);
}

static int in_set(const config_set *s, const char *json)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->json[i], json) == 0)
            return 1;
    return 0;
}

/* Each part of a result's identity, changed alone, makes resume measure again
 * and keeps best from answering with the stale row. */
static void test_identity(kiln_db *db, kiln_rt *rt, const kiln_kernel *k)
{
    char err[512];
    kiln_size size = {1, {4096, 1, 1}}, other_size = {1, {8192, 1, 1}};
    kiln_tune_opts o;
    kiln_tune_summary sum;
    const char *fp = kiln_rt_device(rt)->fingerprint;
    kiln_db_forget(db, NULL, NULL, NULL, NULL, 1, &(int64_t){0});

    config_set all = {.n = 0}, first = {.n = 0}, rest = {.n = 0};
    tune_opts(&o, k, &size, 4);
    CHECK(kiln_tune(db, rt, &o, note_config, &all, &sum, err, sizeof err) == 0 && sum.evaluated == 4);

    /* size, alone: a kernel whose source and data ignore it */
    triad = k;
    kiln_kernel fixed = *k;
    fixed.build = fixed_build;
    fixed.inputs = fixed_inputs;
    fixed.reference = fixed_reference;
    fixed.geometry = fixed_geometry;
    kiln_arg_info fixed_args[16];
    for (int i = 0; i < fixed.nargs && i < 16; i++) {
        fixed_args[i] = k->args[i];
        fixed_args[i].count = fixed_count;
    }
    fixed.args = fixed_args;
    tune_opts(&o, &fixed, &size, 4);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0 && sum.resumed == 4);
    tune_opts(&o, &fixed, &other_size, 4);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK_MSG(sum.evaluated == 4 && sum.resumed == 0, "another size: evaluated %llu resumed %llu",
              (unsigned long long)sum.evaluated, (unsigned long long)sum.resumed);

    /* generated source: the OpenMP variant of the same configurations */
    tune_opts(&o, k, &size, 2);
    o.openmp = 1;
    CHECK(kiln_tune(db, rt, &o, note_config, &first, &sum, err, sizeof err) == 0);
    CHECK_MSG(sum.evaluated == (uint64_t)first.n && sum.resumed == 0, "another source: evaluated %llu resumed %llu",
              (unsigned long long)sum.evaluated, (unsigned long long)sum.resumed);
    /* best answers only with what the caller vouches for: those measured with
     * OpenMP, or the others without */
    for (int i = 0; i < all.n; i++)
        if (!in_set(&first, all.json[i]))
            snprintf(rest.json[rest.n++], sizeof rest.json[0], "%s", all.json[i]);
    CHECK(rest.n > 0 && first.n > 0);
    for (int openmp = 0; openmp <= 1; openmp++) {
        kiln_identity *id = kiln_identity_new(rt, k, &size, openmp, err, sizeof err);
        kiln_db_row best;
        CHECK(id && kiln_db_best_vouched(db, k->name, fp, "4096", kiln_identity_vouch, id, &best) == 1);
        CHECK_MSG(in_set(openmp ? &first : &rest, best.config_json ? best.config_json : ""),
                  "openmp=%d: best answered %s", openmp, best.config_json ? best.config_json : "nothing");
        kiln_db_row_free(&best);
        kiln_identity_free(id);
    }

    /* build options */
    CHECK(kiln_rt_set_compiler(rt, NULL, "-O1") == 0);
    tune_opts(&o, k, &size, 4);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK_MSG(sum.evaluated == 4 && sum.resumed == 0, "other flags: evaluated %llu resumed %llu",
              (unsigned long long)sum.evaluated, (unsigned long long)sum.resumed);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0 && sum.resumed == 4);

    /* device fingerprint: a new driver version */
    kiln_device_info *dev = (kiln_device_info *)kiln_rt_device(rt);
    kiln_device_info saved = *dev;
    snprintf(dev->driver, sizeof dev->driver, "%.100s (updated)", saved.driver);
    kiln_device_fingerprint(dev);
    CHECK(strcmp(dev->fingerprint, saved.fingerprint) != 0);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK_MSG(sum.evaluated == 4 && sum.resumed == 0, "new driver: evaluated %llu resumed %llu",
              (unsigned long long)sum.evaluated, (unsigned long long)sum.resumed);
    char updated_fp[17];
    memcpy(updated_fp, dev->fingerprint, sizeof updated_fp);
    *dev = saved;

    /* verification data: a reference that makes every variant wrong, then
     * the right one again: the wrong verdicts are not replayed */
    kiln_kernel shifted = *k;
    shifted.reference = shifted_reference;
    tune_opts(&o, &shifted, &size, 4);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK_MSG(sum.evaluated == 4 && sum.ok == 0, "shifted reference: evaluated %llu ok %llu",
              (unsigned long long)sum.evaluated, (unsigned long long)sum.ok);
    kiln_db_row best;
    CHECK(kiln_db_best(db, k->name, fp, "4096", &best) == 0); /* the latest of each is wrong */
    tune_opts(&o, k, &size, 4);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK_MSG(sum.evaluated == 4 && sum.ok == 4, "reference restored: evaluated %llu ok %llu",
              (unsigned long long)sum.evaluated, (unsigned long long)sum.ok);
    CHECK(kiln_db_best(db, k->name, fp, "4096", &best) == 1);
    kiln_db_row_free(&best);

    /* --rerun: stored results of a verdict are measured again, the old rows kept */
    o.rerun = 1u << KILN_OK;
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(sum.evaluated == 4 && sum.resumed == 0);
    o.rerun = 1u << KILN_WRONG;
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(sum.evaluated == 0 && sum.resumed == 4);

    /* confirmation: the fastest are measured again and best prefers them */
    o.confirm_top = 3;
    o.confirm_rounds = 3;
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK_MSG(sum.confirmed == 3, "%d confirmed", sum.confirmed);
    CHECK(kiln_db_best(db, k->name, fp, "4096", &best) == 1);
    CHECK(best.confirmed_rounds == 3 && best.confirmed_median_ns > 0);
    /* the run names as its best what best answers */
    CHECK(best.config_json && strcmp(sum.best_json, best.config_json) == 0 && sum.best_ns == best.confirmed_median_ns);
    kiln_db_row_free(&best);
    /* vouching reads each row's size and device: a row at another size is
     * checked at its size; a row of another device by its data alone */
    tune_opts(&o, k, &other_size, 2);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    kiln_identity *id = kiln_identity_new(rt, k, &size, 0, err, sizeof err);
    CHECK(id && kiln_db_best_vouched(db, k->name, fp, "8192", kiln_identity_vouch, id, &best) == 1);
    CHECK(best.size && strcmp(best.size, "8192") == 0);
    kiln_db_row_free(&best);
    CHECK(id && kiln_db_best_vouched(db, k->name, updated_fp, "4096", kiln_identity_vouch, id, &best) == 1);
    kiln_db_row_free(&best);
    /* an OpenCL device's row: its source cannot be made here, its data can */
    kiln_device_info gpu = saved;
    snprintf(gpu.backend, sizeof gpu.backend, "opencl");
    snprintf(gpu.fingerprint, sizeof gpu.fingerprint, "0123456789abcdef");
    char data[17], json[256];
    kiln_config cfg = nth_valid(k, &size, 1);
    kiln_config_json(&cfg, json, sizeof json);
    CHECK(kiln_eval_data_hash(k, &size, 1, data, err, sizeof err) == 0);
    kiln_result r;
    memset(&r, 0, sizeof r);
    r.run_id = sum.run_id;
    r.device_id = kiln_db_device(db, &gpu);
    r.kernel = k->name;
    r.lang = "cl";
    r.size = "4096";
    r.config_json = json;
    r.source_hash = "fedcba9876543210";
    r.data_hash = data;
    r.verdict = KILN_OK;
    r.time.median_ns = r.time.min_ns = r.time.max_ns = 1000;
    r.time.samples = 3;
    r.worst_index = -1;
    CHECK(kiln_db_result_add(db, &r) == 0);
    CHECK(id && kiln_db_best_vouched(db, k->name, gpu.fingerprint, "4096", kiln_identity_vouch, id, &best) == 1);
    kiln_db_row_free(&best);
    r.data_hash = "0000000000000000"; /* verified against other data: not vouched for */
    CHECK(kiln_db_result_add(db, &r) == 0);
    CHECK(id && kiln_db_best_vouched(db, k->name, gpu.fingerprint, "4096", kiln_identity_vouch, id, &best) == 0);
    kiln_identity_free(id);
    CHECK(kiln_rt_set_compiler(rt, NULL, NULL) == 0);
}

/* Opens (creates) the database `name` in dir; its path in path. */
static kiln_db *open_in(const char *dir, const char *name, char *path, size_t len)
{
    char err[512];
    snprintf(path, len, "%s/%s", dir, name);
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    return db;
}

/* A copy of triad (k) restricted by one more constraint. */
static kiln_kernel triad_where(const kiln_kernel *k, const char *constraint)
{
    static const char *constraints[32];
    kiln_kernel copy = *k;
    triad = k;
    for (int i = 0; i < k->nconstraints && i < 31; i++)
        constraints[i] = k->constraints[i];
    constraints[copy.nconstraints++] = constraint;
    copy.constraints = constraints;
    return copy;
}

/* A marker of a dead process whose source is no more (the description
 * changed since) goes once a run has visited every configuration. */
static void test_stale_marker(const char *dir, kiln_rt *rt, const kiln_kernel *k)
{
    char path[256], err[512];
    kiln_db *db = open_in(dir, "stale.db", path, sizeof path);
    if (!db)
        return;
    kiln_kernel small = triad_where(k, "vec == 1 && wg == 64");
    kiln_size size = {1, {4096, 1, 1}};
    kiln_tune_opts o;
    kiln_tune_summary sum;
    tune_opts(&o, &small, &size, 0);
    kiln_config cfg = nth_valid(&small, &size, 1);
    leave_marker(path, rt, &o, &cfg, 0, 0);
    CHECK(sql_count(path, "UPDATE results SET source_hash = '0123456789abcdef' WHERE verdict = 'running'") == 0);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(sum.evaluated == 4 && sum.retried == 0);
    CHECK(count(db).by_verdict[KILN_RUNNING] == 0);
    kiln_db_close(db);
}

/* Constraints see the tuned device's limits, not the defaults: the host
 * allows work-groups of 1024, the defaults 256. */
static void test_device_limits(const char *dir, kiln_rt *rt, const kiln_kernel *k)
{
    char path[256], err[512];
    kiln_db *db = open_in(dir, "limits.db", path, sizeof path);
    if (!db)
        return;
    CHECK(kiln_rt_device(rt)->max_wg_size == 1024);
    kiln_kernel wide = triad_where(k, "vec == 1 && per_item == 1 && wg > max_wg_size / 2");
    kiln_size size = {1, {4096, 1, 1}};
    kiln_tune_opts o;
    kiln_tune_summary sum;
    tune_opts(&o, &wide, &size, 0);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK_MSG(sum.evaluated == 1 && sum.ok == 1, "evaluated %llu (only wg 1024 exceeds 1024 / 2)",
              (unsigned long long)sum.evaluated);
    kiln_db_close(db);
}

/* triad, refusing per_item == 2 in its description. */
static kiln_proc *refusing_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    if (kiln_config_get(cfg, "per_item", 1) == 2) {
        kiln_fail(ctx, "per_item 2 is refused");
        return NULL;
    }
    return triad->build(ctx, cfg, size);
}

/* A configuration the description refuses is stored once and resumed, not
 * stored again by every run. */
static void test_refused_resumes(const char *dir, kiln_rt *rt, const kiln_kernel *k)
{
    char path[256], err[512];
    kiln_db *db = open_in(dir, "refused.db", path, sizeof path);
    if (!db)
        return;
    kiln_kernel refusing = triad_where(k, "vec == 1 && wg == 64");
    refusing.build = refusing_build;
    kiln_size size = {1, {4096, 1, 1}};
    kiln_tune_opts o;
    kiln_tune_summary sum;
    tune_opts(&o, &refusing, &size, 0);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(sum.evaluated == 4 && sum.failed == 1);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK_MSG(sum.evaluated == 0 && sum.resumed == 4, "evaluated %llu resumed %llu",
              (unsigned long long)sum.evaluated, (unsigned long long)sum.resumed);
    CHECK(count(db).total == 4);
    o.rerun = 1u << KILN_BUILD_ERROR;
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(sum.evaluated == 1 && sum.resumed == 3);
    kiln_db_close(db);
}

/* triad, with a launch of 2^30 idle work-items the first `slow_launches`
 * times it is asked for its geometry: far slower than the time limit.
 * kiln_tune asks for the geometry once more, before any run, when it checks
 * the kernel's contract: PRECHECK_CALLS is that call. */
static int slow_launches;
enum { PRECHECK_CALLS = 1 };

static void slow_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    triad->geometry(cfg, size, geo);
    if (slow_launches-- > 0)
        geo->global[0] = (size_t)1 << 30;
}

/* The runtime confirms a timeout by a second run alone before it says so
 * (tests/runtime/test_rt_host_timeout.c: a variant slow only once is not a
 * timeout). On the host backend that timeout is final: stored with two
 * attempts, not run again by resume. A timeout seen once (OpenCL, whose
 * kernel cannot be run again while it has not finished) is run again by the
 * next run. */
static void test_timeout_confirmed(const char *dir, kiln_rt *rt, const kiln_kernel *k)
{
    char path[256], err[512];
    kiln_db *db = open_in(dir, "timeout.db", path, sizeof path);
    if (!db)
        return;
    kiln_kernel slow = triad_where(k, "vec == 1 && wg == 64 && per_item == 1");
    slow.geometry = slow_geometry;
    kiln_size size = {1, {4096, 1, 1}};
    kiln_tune_opts o;
    kiln_tune_summary sum;
    tune_opts(&o, &slow, &size, 0);
    /* 2^30 idle work-items take about 300 ms of CPU time on this kind of
     * machine (less than the wall time under load): a limit of 300 ms made
     * the slow launch pass as ok at load 2. 50 ms leaves a 6x margin both
     * ways (the fast launch takes microseconds). */
    o.timeout_ms = 50;
    kiln_rt_set_timeout(rt, 50);
    slow_launches = 0;
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK_MSG(sum.ok == 1 && sum.evaluated == 1, "fast: ok %llu", (unsigned long long)sum.ok);
    slow_launches = PRECHECK_CALLS + 1;
    o.rerun = 1u << KILN_OK;
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(sum.ok == 0 && count(db).by_verdict[KILN_TIMEOUT] == 1);
    CHECK(sql_count(path, "SELECT 1 FROM results WHERE verdict = 'timeout' AND attempts = 2") == 1);
    o.rerun = 0;
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(sum.evaluated == 0 && sum.resumed == 1);
    CHECK(sql_count(path, "UPDATE results SET attempts = 1 WHERE verdict = 'timeout'") == 0);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(sum.evaluated == 1 && sum.ok == 1);
    kiln_rt_set_timeout(rt, 0);
    kiln_db_close(db);
}

/* A database error in the middle of a run (a full disk) leaves the database
 * as an interruption does: no marker left running, the run ended with a status. */
static void test_disk_full(const char *dir, kiln_rt *rt, const kiln_kernel *k)
{
    char path[256], err[512];
    kiln_db *db = open_in(dir, "full.db", path, sizeof path);
    if (!db)
        return;
    kiln_size size = {1, {4096, 1, 1}};
    kiln_tune_opts o;
    kiln_tune_summary sum;
    tune_opts(&o, k, &size, 0);
    /* below the file's size: SQLite keeps the pages it has and grows no more */
    CHECK(kiln_db_limit_pages(db, 1) == 0);
    int rc = kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err);
    CHECK_MSG(rc == -1, "a run on a full disk returned %d", rc);
    CHECK_STR_CONTAINS(err, "full");
    CHECK(count(db).by_verdict[KILN_RUNNING] == 0);
    kiln_db_close(db);
    long long open_runs = sql_count(path, "SELECT count(*) FROM runs WHERE ended IS NULL OR status NOT LIKE 'failed%'");
    CHECK_MSG(open_runs == 0, "%lld runs left open", open_runs);
    db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    if (!db)
        return;
    CHECK(count(db).by_verdict[KILN_RUNNING] == 0);
    /* the run is closed, and the device free for the next one */
    tune_opts(&o, k, &size, 1);
    CHECK_MSG(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0, "%s", err);
    kiln_db_close(db);
}

int main(void)
{
    char dir[256], path[512], err[512];
    if (!test_scratch_dir(dir, sizeof dir, "kiln-tune-test-XXXXXX")) {
        perror("test_scratch_dir");
        return 1;
    }
    snprintf(path, sizeof path, "%s/kiln.db", dir);
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    CHECK_MSG(rt != NULL, "%s", err);
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    if (!rt || !db)
        CHECK_DONE();
    const kiln_kernel *k = kiln_kernel_find("triad");
    kiln_size size = {1, {4096, 1, 1}};
    kiln_tune_opts o;
    kiln_tune_summary sum;

    /* A first run: 4 configurations, 4 rows. */
    tune_opts(&o, k, &size, 4);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(sum.evaluated == 4 && sum.resumed == 0 && sum.ok == 4);
    verdict_count c = count(db);
    CHECK(c.total == 4 && c.by_verdict[KILN_OK] == 4 && c.by_verdict[KILN_RUNNING] == 0);

    /* The same run again measures nothing. */
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(sum.evaluated == 0 && sum.resumed == 4 && sum.ok == 4);
    CHECK(count(db).total == 4);

    /* A run that died (its owner is gone) with the fifth configuration in
     * flight: once may be a kill, so resuming runs it again. */
    kiln_config fifth = nth_valid(k, &size, 5), sixth = nth_valid(k, &size, 6);
    leave_marker(path, rt, &o, &fifth, 0, 0);
    CHECK(count(db).by_verdict[KILN_RUNNING] == 1);
    tune_opts(&o, k, &size, 5);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK_MSG(sum.resumed == 4 && sum.evaluated == 1 && sum.retried == 1 && sum.failed == 0,
              "resumed %llu evaluated %llu retried %llu failed %llu", (unsigned long long)sum.resumed,
              (unsigned long long)sum.evaluated, (unsigned long long)sum.retried, (unsigned long long)sum.failed);
    c = count(db);
    CHECK(c.by_verdict[KILN_RUNNING] == 0 && c.by_verdict[KILN_CRASHED] == 0 && c.by_verdict[KILN_OK] == 5);

    /* The sixth took kiln down a second time: crashed for good, not run again. */
    leave_marker(path, rt, &o, &sixth, 1, 0);
    tune_opts(&o, k, &size, 6);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK_MSG(sum.resumed == 6 && sum.evaluated == 0 && sum.failed == 1, "resumed %llu evaluated %llu failed %llu",
              (unsigned long long)sum.resumed, (unsigned long long)sum.evaluated, (unsigned long long)sum.failed);
    c = count(db);
    CHECK(c.by_verdict[KILN_RUNNING] == 0 && c.by_verdict[KILN_CRASHED] == 1);

    /* The best result ignores the crashed row. */
    kiln_db_row best;
    CHECK(kiln_db_best(db, k->name, kiln_rt_device(rt)->fingerprint, "4096", &best) == 1);
    CHECK(strcmp(best.verdict, "ok") == 0);
    kiln_db_row_free(&best);

    /* A marker whose owner still runs is not a crash: it is left alone. */
    kiln_config seventh = nth_valid(k, &size, 7);
    pid_t alive = leave_marker(path, rt, &o, &seventh, 0, 1);
    tune_opts(&o, k, &size, 7);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(sum.evaluated == 0 && sum.retried == 0);
    c = count(db);
    CHECK(c.by_verdict[KILN_RUNNING] == 1 && c.by_verdict[KILN_CRASHED] == 1);
    if (alive > 0) {
        kill(alive, SIGKILL);
        waitpid(alive, NULL, 0);
    }
    /* ... and once it is gone, retried. */
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(sum.evaluated == 1 && sum.retried == 1);
    CHECK(count(db).by_verdict[KILN_RUNNING] == 0);

    /* stored configurations parse back onto the kernel's parameters, strictly */
    kiln_config back;
    char json[256];
    kiln_config third = nth_valid(k, &size, 3);
    kiln_config_json(&third, json, sizeof json);
    CHECK(kiln_config_from_json(k, json, &back, err, sizeof err) == 0);
    CHECK(back.n == third.n && memcmp(back.values, third.values, sizeof back.values) == 0);
    CHECK(kiln_config_from_json(k, "{\"vec\":1,\"per_item\":1,\"wgs\":64}", &back, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "no parameter 'wgs'");
    CHECK(kiln_config_from_json(k, "{\"vec\":1}", &back, err, sizeof err) == -1);
    CHECK(kiln_config_from_json(k, "{\"vec\":x}", &back, err, sizeof err) == -1);

    test_identity(db, rt, k);
    test_device_limits(dir, rt, k);
    test_disk_full(dir, rt, k);
    test_stale_marker(dir, rt, k);
    test_refused_resumes(dir, rt, k);
    test_timeout_confirmed(dir, rt, k);
    kiln_db_close(db);
    kiln_rt_close(rt);
    CHECK(test_scratch_remove(dir) == 0);
    CHECK_DONE();
}
