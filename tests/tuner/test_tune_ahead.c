/*
 * test_tune_ahead.c: the tuning loop with variants generated and built ahead
 * on worker threads (host backend), against a copy kernel whose `mode` says
 * how each variant behaves: most copy, one crashes its run, one hangs, two
 * are slow, and one takes the whole kiln process down while it is measured.
 *
 * Under the workers every variant gets its row and its verdict, no marker is
 * left, each source is compiled once, and the race stops the slow variants
 * early, stored with their fewer samples and marked, never the best. When
 * a restart that measures everything again compiles nothing. When
 * kiln dies with variants built ahead, the one in flight is retried alone and
 * recorded crashed the second time; the variants built ahead that never ran
 * are measured as new, with no crash held against them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>
#include "check.h"
#include "files.h"
#include "kiln/tuner.h"

enum { MODE_CRASH = 3, MODE_DIES = 4, MODE_HANG = 5, MODE_SLOW_A = 7, MODE_SLOW_B = 8, NMODES = 10 };

/* Set in a child: the geometry of MODE_DIES ends the process (exit 42), as
 * a crash in a driver inside kiln would. DIE_AFTER_AHEAD: once some later
 * variant is marked, built ahead. DIE_ALONE: after 3 s of looking for a
 * build in flight (exit 43 if one is seen: the workers were not held). */
enum { DIE_NEVER, DIE_AFTER_AHEAD, DIE_ALONE };
static int die_in_geometry;
static char child_db[600];

static long long sql_value(const char *path, const char *sql);

static void die_now(void)
{
    const char *other_marked = "SELECT count(*) FROM results WHERE verdict = 'running' AND config_json <> '{\"mode\":4}'";
    const char *building = "SELECT count(*) FROM results WHERE verdict = 'running' AND error_text = '" KILN_STAGE_BUILDING "'";
    for (int ms = 0; ms < (die_in_geometry == DIE_ALONE ? 3000 : 60000); ms += 2) {
        if (die_in_geometry == DIE_AFTER_AHEAD && sql_value(child_db, other_marked) > 0)
            break;
        if (die_in_geometry == DIE_ALONE && sql_value(child_db, building) > 0)
            _exit(43);
        usleep(2000);
    }
    _exit(42);
}

static size_t copy_count(const kiln_size *size)
{
    return (size_t)size->d[0];
}

static kiln_proc *copy_build(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    long long mode = kiln_config_get(cfg, "mode", 0);
    (void)size;
    kiln_kernel_begin(ctx, "pool_copy");
    kiln_var *n = kiln_arg_scalar(ctx, "n", KILN_T(I32));
    kiln_var *a = kiln_arg_array(ctx, "a", KILN_T(F32), KILN_OUT, kiln_ref(ctx, n));
    kiln_var *b = kiln_arg_array(ctx, "b", KILN_T(F32), KILN_IN, kiln_ref(ctx, n));
    kiln_var *i = kiln_decl_const(ctx, "i", KILN_T(I64), kiln_global_id(ctx, 0));
    /* the mode in the source: every variant is a source of its own */
    kiln_var *tag = kiln_decl_const(ctx, "tag", KILN_T(I32), kiln_int(ctx, mode));
    kiln_if_begin(ctx, kiln_lt(ctx, kiln_ref(ctx, i), kiln_ref(ctx, n)));
    if (mode == MODE_CRASH) {
        kiln_assign(ctx, kiln_at(ctx, a, kiln_mul(ctx, kiln_ref(ctx, i), kiln_int(ctx, 1LL << 40))),
                    kiln_at(ctx, b, kiln_ref(ctx, i)));
        kiln_assign(ctx, kiln_at(ctx, a, kiln_add(ctx, kiln_ref(ctx, i), kiln_int(ctx, 1LL << 40))),
                    kiln_at(ctx, b, kiln_ref(ctx, i)));
    } else if (mode == MODE_HANG) {
        kiln_var *k = kiln_decl(ctx, "k", KILN_T(I32), kiln_ref(ctx, tag));
        kiln_while_begin(ctx, kiln_bin(ctx, KILN_GE, kiln_ref(ctx, k), kiln_int(ctx, 0)));
        kiln_assign(ctx, kiln_at(ctx, a, kiln_ref(ctx, i)), kiln_at(ctx, b, kiln_ref(ctx, i)));
        kiln_assign(ctx, kiln_ref(ctx, k), kiln_bin(ctx, KILN_BAND, kiln_add(ctx, kiln_ref(ctx, k), kiln_int(ctx, 1)),
                                                    kiln_int(ctx, 0xffff)));
        kiln_while_end(ctx);
    }
    kiln_assign(ctx, kiln_at(ctx, a, kiln_ref(ctx, i)), kiln_at(ctx, b, kiln_ref(ctx, i)));
    kiln_if_end(ctx);
    return kiln_proc_end(ctx);
}

static void copy_inputs(kiln_args *args, uint64_t seed)
{
    long long n = kiln_args_size(args)->d[0];
    *(int32_t *)kiln_args_ptr(args, "n") = (int32_t)n;
    float *b = kiln_args_ptr(args, "b");
    for (long long i = 0; i < n; i++)
        b[i] = (float)kiln_rand_uniform(&seed, -1, 1);
}

static void copy_reference(kiln_args *args)
{
    long long n = kiln_args_size(args)->d[0];
    const float *b = kiln_args_ptr(args, "b");
    double *a = kiln_args_want(args, "a");
    for (long long i = 0; i < n; i++)
        a[i] = b[i];
}

/* The slow modes launch 2^21 work-items, almost all idle: far slower than a
 * copy of 4096, still far within the time limit. */
static void copy_geometry(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo)
{
    long long mode = kiln_config_get(cfg, "mode", 0);
    if (mode == MODE_DIES && die_in_geometry)
        die_now();
    geo->dims = 1;
    geo->global[0] = mode == MODE_SLOW_A || mode == MODE_SLOW_B ? (size_t)1 << 21 : (size_t)size->d[0];
    geo->local[0] = 64;
}

static const kiln_kernel pool_copy = {
    .name = "pool_copy",
    .summary = "a copy whose mode says how it goes wrong (tests)",
    KILN_ARGS({.name = "n", .elem = KILN_I32, .dir = KILN_IN, .is_scalar = 1},
              {.name = "a", .elem = KILN_F32, .dir = KILN_OUT, .count = copy_count},
              {.name = "b", .elem = KILN_F32, .dir = KILN_IN, .count = copy_count}),
    KILN_PARAMS({.name = "mode", .help = "3 crash, 4 kills kiln, 5 hang, 7 and 8 slow, else a copy",
                 KILN_VALUES(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), .default_value = 0}),
    .default_size = {1, {4096, 1, 1}},
    .langs = 1u << KILN_LANG_C,
    .build = copy_build,
    .inputs = copy_inputs,
    .reference = copy_reference,
    .geometry = copy_geometry,
};

/* pool_copy without the mode that kills kiln. */
static kiln_kernel without_dying(void)
{
    static const char *const constraints[] = {"mode != 4"};
    kiln_kernel k = pool_copy;
    k.constraints = constraints;
    k.nconstraints = 1;
    return k;
}

static void opts_for(kiln_tune_opts *o, const kiln_kernel *k)
{
    memset(o, 0, sizeof *o);
    o->kernel = k;
    o->size = k->default_size;
    o->strategy = kiln_strategy_find("exhaustive");
    o->seed = 1;
    o->jobs = 3;
    o->timeout_ms = 300;
    kiln_time_opts_default(&o->timing);
    o->timing.min_reps = 3;
    o->timing.max_reps = 20;
    o->timing.budget_ms = 50;
}

/* The first column of the first row of a query on the file at path, -1 on an error. */
static long long sql_value(const char *path, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(h, 5000);
        if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

#define MODE_IS(m) "config_json = '{\"mode\":" #m "}'"

/* Crash, hang and slow variants under the workers: every row right. */
static void test_verdicts_under_the_pool(const char *dir)
{
    char path[600], err[512];
    snprintf(path, sizeof path, "%s/verdicts.db", dir);
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    kiln_db *db = rt ? kiln_db_open(path, err, sizeof err) : NULL;
    CHECK_MSG(rt && db, "%s", err);
    if (!rt || !db)
        return;
    kiln_kernel k = without_dying();
    kiln_tune_opts o;
    kiln_tune_summary sum;
    opts_for(&o, &k);
    kiln_rt_set_timeout(rt, o.timeout_ms);
    CHECK_MSG(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0, "%s", err);
    kiln_db_close(db);
    CHECK_MSG(sum.evaluated == NMODES - 1 && sum.ok == NMODES - 3, "evaluated %llu ok %llu",
              (unsigned long long)sum.evaluated, (unsigned long long)sum.ok);
    CHECK(sql_value(path, "SELECT count(*) FROM results") == NMODES - 1);
    CHECK(sql_value(path, "SELECT count(*) FROM results WHERE verdict = 'crashed' AND " MODE_IS(3)) == 1);
    CHECK(sql_value(path, "SELECT count(*) FROM results WHERE verdict = 'timeout' AND " MODE_IS(5)) == 1);
    CHECK(sql_value(path, "SELECT count(*) FROM results WHERE verdict = 'running'") == 0);
    /* each source compiled once: built ahead, then found built where it runs */
    CHECK_MSG(kiln_rt_compiles(rt) == NMODES - 1, "%lu compilations of %d sources", kiln_rt_compiles(rt),
              NMODES - 1);
    /* the race: the slow ones stopped at 3 samples, marked, their fastest
     * sample over 1.25 x the best (which only fell since); the best timed fully */
    CHECK_MSG(sql_value(path, "SELECT count(*) FROM results WHERE stopped_early = 1 AND samples = 3 AND ("
                              MODE_IS(7) " OR " MODE_IS(8) ")") == 2,
              "slow variants stopped early: %lld",
              sql_value(path, "SELECT count(*) FROM results WHERE stopped_early = 1"));
    CHECK(sql_value(path, "SELECT count(*) FROM results r WHERE stopped_early = 1 AND min_ns <= 1.25 * "
                          "(SELECT min(median_ns) FROM results WHERE verdict = 'ok')") == 0);
    CHECK(sql_value(path, "SELECT stopped_early FROM results WHERE verdict = 'ok' ORDER BY median_ns LIMIT 1") == 0);
    CHECK(sql_value(path, "SELECT min(samples) FROM results WHERE verdict = 'ok' AND stopped_early = 0") > 3);
    /* where the time went, recorded for every measured variant */
    CHECK(sql_value(path, "SELECT count(*) FROM results WHERE verdict = 'ok' AND generate_ns > 0 AND build_ns > 0"
                          " AND verify_ns > 0 AND measure_ns > 0") == NMODES - 3);
    kiln_rt_close(rt);

    /* a restart measuring everything again builds nothing: the binary cache has it all */
    rt = kiln_rt_open("host", err, sizeof err);
    db = rt ? kiln_db_open(path, err, sizeof err) : NULL;
    CHECK_MSG(rt && db, "%s", err);
    if (!rt || !db)
        return;
    kiln_rt_set_timeout(rt, o.timeout_ms);
    o.rerun = ~0u;
    CHECK_MSG(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(sum.evaluated == NMODES - 1 && kiln_rt_compiles(rt) == 0, "a restart ran %llu variants, compiled %lu",
              (unsigned long long)sum.evaluated, kiln_rt_compiles(rt));
    kiln_db_close(db);
    kiln_rt_close(rt);
}

/* A child tunes pool_copy with its dying mode armed (how: DIE_...), with a
 * compile cache of its own (cache): its exit status. */
static int tune_in_child(const char *path, int how, const char *cache)
{
    pid_t pid = fork();
    if (pid == 0) {
        char err[512];
        die_in_geometry = how;
        snprintf(child_db, sizeof child_db, "%s", path);
        setenv("KILN_CACHE_DIR", cache, 1);
        kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
        kiln_db *db = rt ? kiln_db_open(path, err, sizeof err) : NULL;
        if (!db)
            _exit(1);
        kiln_tune_opts o;
        kiln_tune_summary sum;
        opts_for(&o, &pool_copy);
        kiln_rt_set_timeout(rt, o.timeout_ms);
        kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err);
        _exit(0);
    }
    int ws = 0;
    waitpid(pid, &ws, 0);
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static void test_death_with_builds_ahead(const char *dir)
{
    char path[600], err[512];
    char cache1[600], cache2[600];
    snprintf(path, sizeof path, "%s/death.db", dir);
    snprintf(cache1, sizeof cache1, "%s/cache-first", dir);
    snprintf(cache2, sizeof cache2, "%s/cache-second", dir);
    CHECK(tune_in_child(path, DIE_AFTER_AHEAD, cache1) == 42);
    /* mode 4 was in flight; variants after it were built ahead, marked */
    CHECK(sql_value(path, "SELECT count(*) FROM results WHERE verdict = 'running' AND error_text = '"
                          KILN_STAGE_RUNNING "' AND " MODE_IS(4)) == 1);
    long long ahead = sql_value(path, "SELECT count(*) FROM results WHERE verdict = 'running' AND NOT " MODE_IS(4));
    CHECK_MSG(ahead >= 1, "no variant was marked while built ahead (%lld)", ahead);
    /* the retry runs it alone: it dies again, with no other build in flight
     * (a cold cache: the workers, were they not held, would be compiling) */
    CHECK(tune_in_child(path, DIE_ALONE, cache2) == 42);
    CHECK(sql_value(path, "SELECT crashes FROM results WHERE verdict = 'running' AND " MODE_IS(4)) == 1);
    /* held while it ran: the others were built before it, waiting, none building */
    CHECK(sql_value(path, "SELECT count(*) FROM results WHERE verdict = 'running' AND error_text <> '"
                          KILN_STAGE_WAITING "'") == 1);
    /* the third run records it crashed and measures everything else */
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    kiln_db *db = rt ? kiln_db_open(path, err, sizeof err) : NULL;
    CHECK_MSG(rt && db, "%s", err);
    if (!rt || !db)
        return;
    kiln_tune_opts o;
    kiln_tune_summary sum;
    opts_for(&o, &pool_copy);
    kiln_rt_set_timeout(rt, o.timeout_ms);
    CHECK_MSG(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0, "%s", err);
    kiln_db_close(db);
    kiln_rt_close(rt);
    CHECK(sql_value(path, "SELECT count(*) FROM results WHERE verdict = 'running'") == 0);
    CHECK(sql_value(path, "SELECT count(*) FROM results WHERE verdict = 'crashed' AND crashes = 2 AND "
                          MODE_IS(4)) == 1);
    CHECK(sql_value(path, "SELECT count(*) FROM results WHERE superseded_by IS NULL") == NMODES);
    CHECK(sql_value(path, "SELECT count(*) FROM results WHERE verdict = 'ok'") == NMODES - 3);
    /* no crash is held against a variant that was only built ahead */
    CHECK(sql_value(path, "SELECT count(*) FROM results WHERE crashes > 0 AND NOT " MODE_IS(4)) == 0);
}

int main(void)
{
    char dir[512];
    if (!test_scratch_dir(dir, sizeof dir, "kiln-tune-ahead-XXXXXX")) {
        perror("test_scratch_dir");
        return 1;
    }
    /* a compile cache of this run's own: the counts of compilations start from nothing */
    char cache[600];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    setenv("KILN_CACHE_DIR", cache, 1);
    test_verdicts_under_the_pool(dir);
    test_death_with_builds_ahead(dir);
    CHECK(test_scratch_remove(dir) == 0);
    CHECK_DONE();
}
