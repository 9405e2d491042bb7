/*
 * test_db.c: the tuning database: results round trip, best and resume
 * queries, refusal of foreign files (left byte-identical), a newer schema
 * refused, and a writer killed with SIGKILL mid-loop leaving a readable,
 * consistent file.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "files.h"
#include "autotuner/tuner_int.h"

/* A char array as a plain pointer, so CHECK_STR_CONTAINS may test it for NULL. */
static const char *text(const char *s)
{
    return s;
}

static char dir[256];

static void path_in_dir(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

static char *read_all(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)*len + 1);
    if (data && fread(data, 1, (size_t)*len, f) != (size_t)*len) {
        free(data);
        data = NULL;
    }
    fclose(f);
    return data;
}

static int sql(const char *path, const char *statements)
{
    sqlite3 *h;
    if (sqlite3_open(path, &h) != SQLITE_OK) {
        sqlite3_close(h);
        return -1;
    }
    int rc = sqlite3_exec(h, statements, NULL, NULL, NULL);
    sqlite3_close(h);
    return rc == SQLITE_OK ? 0 : -1;
}

/* First column of the first row of a query, as an integer (-1 on error). */
static long long sql_int(const char *path, const char *query)
{
    sqlite3 *h;
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(h, 5000);
        if (sqlite3_prepare_v2(h, query, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

static int integrity_ok(const char *path)
{
    sqlite3 *h;
    sqlite3_stmt *st = NULL;
    int ok = 0;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    sqlite3_finalize(st);
    sqlite3_close(h);
    return ok;
}

static kiln_device_info test_device(const char *name, const char *fp)
{
    kiln_device_info d;
    memset(&d, 0, sizeof d);
    snprintf(d.backend, sizeof d.backend, "opencl");
    snprintf(d.platform, sizeof d.platform, "Test Platform");
    snprintf(d.name, sizeof d.name, "%s", name);
    snprintf(d.vendor, sizeof d.vendor, "Test Vendor");
    snprintf(d.driver, sizeof d.driver, "1.2.3");
    snprintf(d.version, sizeof d.version, "OpenCL 3.0");
    d.compute_units = 8;
    d.global_mem_bytes = UINT64_C(17179869184);
    snprintf(d.fingerprint, sizeof d.fingerprint, "%s", fp);
    return d;
}

static kiln_result make_result(int64_t run, int64_t device, const char *config, kiln_verdict v, double median)
{
    kiln_result r;
    memset(&r, 0, sizeof r);
    r.run_id = run;
    r.device_id = device;
    r.kernel = "saxpy";
    r.lang = "opencl";
    r.size = "4096";
    r.config_json = config;
    r.source_hash = "00112233aabbccdd";
    r.data_hash = "d0d0d0d0d0d0d0d0";
    r.verdict = v;
    if (median > 0) {
        r.time.median_ns = median;
        r.time.min_ns = median * 0.9;
        r.time.max_ns = median * 1.2;
        r.time.samples = 11;
        r.gflops = 8192.0 / median;
        r.gbytes_per_s = 49152.0 / median;
    }
    r.worst_index = -1;
    return r;
}

typedef struct collected {
    int n;
    char configs[16][64];
    char verdicts[16][16];
    double median[16];
    int samples[16];
    char error[16][64];
} collected;

static int collect_row(void *user, const kiln_db_row *row)
{
    collected *c = user;
    if (c->n < 16) {
        snprintf(c->configs[c->n], sizeof c->configs[0], "%s", row->config_json);
        snprintf(c->verdicts[c->n], sizeof c->verdicts[0], "%s", row->verdict);
        snprintf(c->error[c->n], sizeof c->error[0], "%s", row->error_text ? row->error_text : "");
        c->median[c->n] = row->median_ns;
        c->samples[c->n] = row->samples;
    }
    c->n++;
    return 0;
}

static int stop_after_two(void *user, const kiln_db_row *row)
{
    (void)row;
    return ++*(int *)user >= 2;
}

static void test_round_trip(void)
{
    char path[512], err[512] = "";
    path_in_dir(path, sizeof path, "tune.db");
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    if (!db)
        return;
    CHECK(sql_int(path, "PRAGMA user_version") == 3);
    CHECK(sql_int(path, "SELECT count(*) FROM meta WHERE key = 'application' AND value = 'kiln'") == 1);

    kiln_device_info d1 = test_device("Fast GPU", "aaaaaaaaaaaaaaaa");
    kiln_device_info d2 = test_device("Slow CPU", "bbbbbbbbbbbbbbbb");
    int64_t dev1 = kiln_db_device(db, &d1), dev2 = kiln_db_device(db, &d2);
    CHECK(dev1 > 0 && dev2 > 0 && dev1 != dev2);
    CHECK(kiln_db_device(db, &d1) == dev1); /* idempotent */
    kiln_device_info nofp = test_device("x", "");
    CHECK(kiln_db_device(db, &nofp) == -1);
    CHECK_STR_CONTAINS(kiln_db_errmsg(db), "fingerprint");

    int64_t k1 = kiln_db_kernel_source(db, "saxpy", "opencl", "00112233aabbccdd", "__kernel void saxpy() {}");
    CHECK(k1 > 0);
    CHECK(kiln_db_kernel_source(db, "saxpy", "opencl", "00112233aabbccdd", "__kernel void saxpy() {}") == k1);
    CHECK(kiln_db_kernel_source(db, "saxpy", "opencl", "ffff", "other") != k1);

    int64_t run = kiln_db_run_begin(db, "saxpy", dev1, "exhaustive", 0, UINT64_C(0xFFFFFFFFFFFFFFFF), "4096",
                                    "kiln tune saxpy");
    CHECK(run > 0);

    kiln_result r = make_result(run, dev1, "{\"wg\":64}", KILN_OK, 5000);
    CHECK(kiln_db_result_add(db, &r) == 0);
    r = make_result(run, dev1, "{\"wg\":128}", KILN_OK, 3000); /* the fastest OK */
    CHECK(kiln_db_result_add(db, &r) == 0);
    r = make_result(run, dev1, "{\"wg\":256}", KILN_WRONG, 1000); /* faster but wrong */
    r.max_abs_err = 0.5;
    r.max_rel_err = 0.25;
    r.worst_index = 17;
    r.error_text = "max rel err 0.25 at 17";
    CHECK(kiln_db_result_add(db, &r) == 0);
    r = make_result(run, dev1, "{\"wg\":512}", KILN_BUILD_ERROR, 0);
    r.error_text = "error: unknown type 'flaot'";
    CHECK(kiln_db_result_add(db, &r) == 0);
    r = make_result(run, dev2, "{\"wg\":64}", KILN_OK, 2000); /* fastest overall, other device */
    CHECK(kiln_db_result_add(db, &r) == 0);
    r = make_result(run, dev1, "{\"wg\":32}", KILN_OK, 2500);
    r.size = "8192"; /* fastest on dev1, other size */
    CHECK(kiln_db_result_add(db, &r) == 0);
    r = make_result(run, 9999, "{\"wg\":1}", KILN_OK, 1); /* no such device: foreign key */
    CHECK(kiln_db_result_add(db, &r) == -1);
    CHECK(strlen(kiln_db_errmsg(db)) > 0);
    CHECK(kiln_db_run_end(db, run, "done") == 0);
    CHECK(kiln_db_run_end(db, run + 100, "done") == -1);

    kiln_db_row best;
    CHECK(kiln_db_best(db, "saxpy", "aaaaaaaaaaaaaaaa", "4096", &best) == 1);
    CHECK(best.config_json && strcmp(best.config_json, "{\"wg\":128}") == 0);
    CHECK(best.median_ns == 3000 && best.samples == 11);
    CHECK(best.verdict && strcmp(best.verdict, "ok") == 0);
    CHECK(best.device_name && strcmp(best.device_name, "Fast GPU") == 0);
    CHECK(best.device_fp && strcmp(best.device_fp, "aaaaaaaaaaaaaaaa") == 0);
    CHECK(best.run_id == run && best.created && best.lang && strcmp(best.lang, "opencl") == 0);
    kiln_db_row_free(&best);
    CHECK(kiln_db_best(db, "saxpy", NULL, "4096", &best) == 1);
    CHECK(best.config_json && strcmp(best.config_json, "{\"wg\":64}") == 0 && best.median_ns == 2000);
    kiln_db_row_free(&best);
    CHECK(kiln_db_best(db, "saxpy", "aaaaaaaaaaaaaaaa", NULL, &best) == 1);
    CHECK(best.size && strcmp(best.size, "8192") == 0 && best.median_ns == 2500);
    kiln_db_row_free(&best);
    CHECK(kiln_db_best(db, "saxpy", "cccccccccccccccc", NULL, &best) == 0);
    CHECK(kiln_db_best(db, "sgemm", NULL, NULL, &best) == 0);

    /* resume: the identity is kernel, source hash, data hash, device, size, configuration */
    CHECK(kiln_db_result_exists(db, "saxpy", "00112233aabbccdd", "e0e0e0e0e0e0e0e0", dev1, "4096", "{\"wg\":64}") == 0);
    CHECK(kiln_db_result_exists(db, "saxpy", "00112233aabbccdd", NULL, dev1, "4096", "{\"wg\":64}") == 0);
    CHECK(kiln_db_result_exists(db, "saxpy", "00112233aabbccdd", "d0d0d0d0d0d0d0d0", dev1, "4096", "{\"wg\":64}") == 1);
    CHECK(kiln_db_result_exists(db, "saxpy", "00112233aabbccdd", "d0d0d0d0d0d0d0d0", dev1, "4096", "{\"wg\":512}") == 1);
    CHECK(kiln_db_result_exists(db, "saxpy", "00112233aabbccdd", "d0d0d0d0d0d0d0d0", dev1, "4096", "{\"wg\":1024}") == 0);
    CHECK(kiln_db_result_exists(db, "saxpy", "ffffffffffffffff", "d0d0d0d0d0d0d0d0", dev1, "4096", "{\"wg\":64}") == 0);
    CHECK(kiln_db_result_exists(db, "saxpy", "00112233aabbccdd", "d0d0d0d0d0d0d0d0", dev2, "4096", "{\"wg\":128}") == 0);
    CHECK(kiln_db_result_exists(db, "saxpy", "00112233aabbccdd", "d0d0d0d0d0d0d0d0", dev1, "8192", "{\"wg\":64}") == 0);
    CHECK(kiln_db_result_exists(db, "sgemm", "00112233aabbccdd", "d0d0d0d0d0d0d0d0", dev1, "4096", "{\"wg\":64}") == 0);
    kiln_db_close(db);

    /* reopen: everything is still there, in insertion order */
    db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "reopen: %s", err);
    if (!db)
        return;
    collected c;
    memset(&c, 0, sizeof c);
    CHECK(kiln_db_foreach(db, NULL, NULL, NULL, collect_row, &c) == 0);
    CHECK(c.n == 6);
    CHECK(strcmp(c.configs[0], "{\"wg\":64}") == 0 && strcmp(c.configs[3], "{\"wg\":512}") == 0);
    CHECK(strcmp(c.verdicts[2], "wrong") == 0 && strcmp(c.verdicts[3], "build_error") == 0);
    CHECK(c.median[1] == 3000 && c.samples[1] == 11);
    CHECK(c.median[3] < 0 && c.samples[3] == 0); /* not measured */
    CHECK(strcmp(c.error[3], "error: unknown type 'flaot'") == 0);
    memset(&c, 0, sizeof c);
    CHECK(kiln_db_foreach(db, "saxpy", "aaaaaaaaaaaaaaaa", "4096", collect_row, &c) == 0);
    CHECK(c.n == 4);
    memset(&c, 0, sizeof c);
    CHECK(kiln_db_foreach(db, NULL, "bbbbbbbbbbbbbbbb", NULL, collect_row, &c) == 0);
    CHECK(c.n == 1 && strcmp(c.configs[0], "{\"wg\":64}") == 0);
    int stopped = 0;
    CHECK(kiln_db_foreach(db, NULL, NULL, NULL, stop_after_two, &stopped) == 0);
    CHECK(stopped == 2);
    kiln_db_close(db);

    CHECK(sql_int(path, "SELECT count(*) FROM results WHERE verdict = 'wrong' AND worst_index = 17"
                        " AND max_rel_err = 0.25") == 1);
    CHECK(sql_int(path, "SELECT seed FROM runs") == -1); /* uint64 max stored as its int64 bits */
    CHECK(sql_int(path, "SELECT count(*) FROM runs WHERE status = 'done' AND ended IS NOT NULL"
                        " AND kiln_version IS NOT NULL") == 1);
    CHECK(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                        " AND name = 'results_identity'") == 1);
    CHECK(integrity_ok(path));
}

/* A file that is not a kiln database must be refused and left as it was. */
static void expect_refused(const char *path, const char *want)
{
    char err[512] = "";
    long before_len = 0, after_len = 0;
    char *before = read_all(path, &before_len);
    CHECK(before != NULL);
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db == NULL, "%s was opened", path);
    kiln_db_close(db);
    CHECK_STR_CONTAINS(text(err), path);
    CHECK_STR_CONTAINS(text(err), want);
    char *after = read_all(path, &after_len);
    CHECK(after != NULL);
    CHECK_MSG(before && after && before_len == after_len && memcmp(before, after, (size_t)before_len) == 0,
              "%s changed", path);
    free(before);
    free(after);
}

static void test_foreign_files(void)
{
    char path[512], err[512];

    path_in_dir(path, sizeof path, "notes.txt");
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("These are my notes, not a database.\n", f);
        fclose(f);
    }
    expect_refused(path, "is not a kiln database (not an SQLite file)");

    path_in_dir(path, sizeof path, "other.sqlite");
    CHECK(sql(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);"
                    "INSERT INTO customers (name) VALUES ('Ada'), ('Grace');") == 0);
    expect_refused(path, "is not a kiln database (");
    CHECK(sql_int(path, "SELECT count(*) FROM customers") == 2);

    /* another application's database in WAL mode: refused, and no -wal/-shm left beside it */
    path_in_dir(path, sizeof path, "other-wal.sqlite");
    CHECK(sql(path, "PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);") == 0);
    {
        char side[600];
        struct stat sb;
        snprintf(side, sizeof side, "%s-wal", path);
        CHECK(stat(side, &sb) != 0); /* the last connection to close removed it */
        expect_refused(path, "no kiln meta table");
        CHECK_MSG(stat(side, &sb) != 0, "%s was created", side);
        snprintf(side, sizeof side, "%s-shm", path);
        CHECK_MSG(stat(side, &sb) != 0, "%s was created", side);
    }

    path_in_dir(path, sizeof path, "other-meta.sqlite");
    CHECK(sql(path, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
                    "INSERT INTO meta VALUES ('application', 'spreadsheet');") == 0);
    expect_refused(path, "application 'spreadsheet'");

    /* an empty file, or an SQLite file without tables, becomes a kiln database */
    path_in_dir(path, sizeof path, "empty.db");
    f = fopen(path, "w");
    if (f)
        fclose(f);
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "empty file: %s", err);
    kiln_db_close(db);
    CHECK(sql_int(path, "SELECT count(*) FROM meta WHERE value = 'kiln'") == 1);

    /* a name with characters that mean something in a URI, created then reopened */
    path_in_dir(path, sizeof path, "odd name?mode=rw#50%.db");
    for (int round = 0; round < 2; round++) {
        db = kiln_db_open(path, err, sizeof err);
        CHECK_MSG(db != NULL, "round %d: %s", round, err);
        kiln_db_close(db);
    }
    CHECK(sql_int(path, "SELECT count(*) FROM meta WHERE value = 'kiln'") == 1);

    /* a directory is refused with its name */
    db = kiln_db_open(dir, err, sizeof err);
    CHECK(db == NULL);
    CHECK_STR_CONTAINS(text(err), "directory");
    kiln_db_close(db);
}

static void test_newer_schema(void)
{
    char path[512], err[512];
    path_in_dir(path, sizeof path, "future.db");
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    kiln_db_close(db);
    CHECK(sql(path, "PRAGMA user_version = 7") == 0);
    expect_refused(path, "schema version 7, newer than this kiln");
    CHECK(sql_int(path, "PRAGMA user_version") == 7);
}

static void test_default_path(void)
{
    unsetenv("KILN_DB");
    CHECK(strcmp(kiln_db_default_path(), "kiln.db") == 0);
    setenv("KILN_DB", "/data/tuning.db", 1);
    CHECK(strcmp(kiln_db_default_path(), "/data/tuning.db") == 0);
    unsetenv("KILN_DB");
}

/* A writer killed with SIGKILL mid-loop: every committed row survives. */
static void test_killed_writer(void)
{
    char path[512], err[512];
    path_in_dir(path, sizeof path, "killed.db");
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    if (!db)
        return;
    kiln_device_info d = test_device("Victim", "dddddddddddddddd");
    int64_t dev = kiln_db_device(db, &d);
    CHECK(dev > 0);
    kiln_db_close(db);

    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        kiln_db *child = kiln_db_open(path, err, sizeof err);
        if (!child)
            _exit(3);
        int64_t run = kiln_db_run_begin(child, "saxpy", dev, "exhaustive", 0, 1, "4096", "kiln tune");
        for (long i = 0;; i++) {
            char config[64];
            snprintf(config, sizeof config, "{\"i\":%ld}", i);
            kiln_result r = make_result(run, dev, config, KILN_OK, 1000.0 + (double)i);
            if (kiln_db_result_add(child, &r) != 0)
                _exit(4);
        }
    }
    /* Wait until a good number of rows are committed, then kill mid-loop. */
    long long rows = 0;
    for (int tries = 0; tries < 600 && rows < 300; tries++) {
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
        rows = sql_int(path, "SELECT count(*) FROM results");
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            CHECK_MSG(0, "writer exited early with %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            return;
        }
    }
    CHECK(kill(pid, SIGKILL) == 0);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK_MSG(rows >= 300, "only %lld rows before the kill", rows);

    db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "reopen after kill: %s", err);
    if (!db)
        return;
    collected c;
    memset(&c, 0, sizeof c);
    CHECK(kiln_db_foreach(db, "saxpy", NULL, NULL, collect_row, &c) == 0);
    CHECK_MSG(c.n >= rows, "%d rows after reopen, %lld seen before the kill", c.n, rows);
    kiln_db_row best;
    CHECK(kiln_db_best(db, "saxpy", "dddddddddddddddd", "4096", &best) == 1);
    CHECK(best.config_json && strcmp(best.config_json, "{\"i\":0}") == 0);
    kiln_db_row_free(&best);
    /* committed rows form a prefix of the loop: nothing lost in the middle */
    CHECK(kiln_db_result_exists(db, "saxpy", "00112233aabbccdd", "d0d0d0d0d0d0d0d0", dev, "4096", "{\"i\":0}") == 1);
    char last[64];
    snprintf(last, sizeof last, "{\"i\":%d}", c.n - 1);
    CHECK(kiln_db_result_exists(db, "saxpy", "00112233aabbccdd", "d0d0d0d0d0d0d0d0", dev, "4096", last) == 1);
    /* and the database still takes writes */
    kiln_result r = make_result(0, dev, "{\"after\":1}", KILN_OK, 1);
    CHECK(kiln_db_result_add(db, &r) == 0);
    kiln_db_close(db);
    CHECK(integrity_ok(path));
    CHECK(sql_int(path, "SELECT count(*) FROM runs WHERE status = 'running'") == 1);
}


/* Today's schema 1 as kiln made it, with the rows two tuners left in it. */
static const char schema1[] =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE devices (id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE, backend TEXT, platform TEXT,"
    " name TEXT, vendor TEXT, driver TEXT, version TEXT, compute_units INTEGER, global_mem INTEGER,"
    " first_seen TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));"
    "CREATE TABLE kernels (id INTEGER PRIMARY KEY, name TEXT NOT NULL, lang TEXT, source_hash TEXT NOT NULL,"
    " source TEXT, created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
    " UNIQUE (name, source_hash));"
    "CREATE TABLE runs (id INTEGER PRIMARY KEY, kernel TEXT NOT NULL, device INTEGER REFERENCES devices(id),"
    " strategy TEXT, budget INTEGER, seed INTEGER, size TEXT, command TEXT, kiln_version TEXT,"
    " started TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), ended TEXT,"
    " status TEXT NOT NULL DEFAULT 'running');"
    "CREATE TABLE results (id INTEGER PRIMARY KEY, run INTEGER REFERENCES runs(id), kernel TEXT NOT NULL,"
    " device INTEGER NOT NULL REFERENCES devices(id), lang TEXT, size TEXT NOT NULL, config_json TEXT NOT NULL,"
    " source_hash TEXT NOT NULL, verdict TEXT NOT NULL, median_ns REAL, min_ns REAL, max_ns REAL,"
    " samples INTEGER, gflops REAL, gbytes_per_s REAL, max_abs_err REAL, max_rel_err REAL,"
    " worst_index INTEGER, error_text TEXT, counters_json TEXT,"
    " created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));"
    "CREATE INDEX results_identity ON results (kernel, device, size, source_hash, config_json);"
    "CREATE INDEX results_speed ON results (kernel, verdict, median_ns);"
    "CREATE TABLE traces (id INTEGER PRIMARY KEY, kernel TEXT NOT NULL, device INTEGER REFERENCES devices(id),"
    " size TEXT NOT NULL, config_json TEXT, inputs BLOB, outputs BLOB,"
    " created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));"
    "CREATE INDEX traces_kernel ON traces (kernel, size);"
    "INSERT INTO meta (key, value) VALUES ('application', 'kiln'), ('created_by', '0.1');"
    "PRAGMA user_version = 1;"
    "INSERT INTO devices (id, fingerprint, name) VALUES (1, 'aaaaaaaaaaaaaaaa', 'Old GPU');"
    "INSERT INTO runs (id, kernel, device, seed, size) VALUES (1, 'saxpy', 1, 1, '4096'), (2, 'saxpy', 1, 1, '4096');"
    "INSERT INTO results (run, kernel, device, size, config_json, source_hash, verdict, median_ns, samples) VALUES"
    " (1, 'saxpy', 1, '4096', '{\"wg\":64}', '00112233aabbccdd', 'ok', 1000, 3),"
    " (2, 'saxpy', 1, '4096', '{\"wg\":64}', '00112233aabbccdd', 'ok', 4000, 3),"
    " (1, 'saxpy', 1, '4096', '{\"wg\":128}', '00112233aabbccdd', 'ok', 2000, 3),"
    " (2, 'saxpy', 1, '4096', '{\"wg\":256}', '00112233aabbccdd', 'running', NULL, NULL);";

/* A database made by schema 1 migrates: its rows are kept, the older of two
 * rows of one configuration is superseded, and nothing resumes from them. */
static void test_migration_from_v1(void)
{
    char path[512], err[512];
    path_in_dir(path, sizeof path, "v1.db");
    CHECK(sql(path, schema1) == 0);
    CHECK(sql_int(path, "PRAGMA user_version") == 1);
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    if (!db)
        return;
    CHECK(sql_int(path, "PRAGMA user_version") == 3);
    CHECK(sql_int(path, "SELECT count(*) FROM results") == 4);
    CHECK(sql_int(path, "SELECT superseded_by FROM results WHERE median_ns = 1000") ==
          sql_int(path, "SELECT id FROM results WHERE median_ns = 4000"));
    kiln_db_row best;
    /* the newest row of {"wg":64} (4000) is current: 2000 wins, the stale 1000 never answers */
    CHECK(kiln_db_best(db, "saxpy", "aaaaaaaaaaaaaaaa", "4096", &best) == 1);
    CHECK(best.median_ns == 2000 && best.data_hash == NULL);
    kiln_db_row_free(&best);
    /* the old hashes covered the source alone and carry no data hash: no resume from them */
    CHECK(kiln_db_result_exists(db, "saxpy", "00112233aabbccdd", "d0d0d0d0d0d0d0d0", 1, "4096", "{\"wg\":128}") == 0);
    kiln_db_close(db);
    CHECK(integrity_ok(path));
}

static int vouch_not_128(void *user, const kiln_db_row *row, char *err, size_t errlen)
{
    (void)user;
    (void)err;
    (void)errlen;
    return strstr(row->config_json, "128") == NULL;
}

/* A new identity for a configuration supersedes the old row; best answers
 * only with current rows, confirmed figures first, and what a caller vouches for. */
static void test_identity_and_best(void)
{
    char path[512], err[512];
    path_in_dir(path, sizeof path, "identity.db");
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    if (!db)
        return;
    kiln_device_info d = test_device("GPU", "aaaaaaaaaaaaaaaa");
    int64_t dev = kiln_db_device(db, &d);
    int64_t run = kiln_db_run_begin(db, "saxpy", dev, "exhaustive", 0, 1, "4096", "kiln tune saxpy");
    kiln_result r = make_result(run, dev, "{\"wg\":64}", KILN_OK, 1000);
    CHECK(kiln_db_result_add(db, &r) == 0);
    r = make_result(run, dev, "{\"wg\":128}", KILN_OK, 2000);
    CHECK(kiln_db_result_add(db, &r) == 0);
    r = make_result(run, dev, "{\"wg\":256}", KILN_OK, 3000);
    CHECK(kiln_db_result_add(db, &r) == 0);
    /* the source of wg=64 changed and the new variant is wrong: the old 1000 must not answer */
    r = make_result(run, dev, "{\"wg\":64}", KILN_WRONG, 500);
    r.source_hash = "ffffffffffffffff";
    CHECK(kiln_db_result_add(db, &r) == 0);
    kiln_db_row best;
    CHECK(kiln_db_best(db, "saxpy", NULL, "4096", &best) == 1);
    CHECK_MSG(best.median_ns == 2000, "best answered %g", best.median_ns);
    kiln_db_row_free(&best);
    CHECK(kiln_db_result_exists(db, "saxpy", "00112233aabbccdd", "d0d0d0d0d0d0d0d0", dev, "4096", "{\"wg\":64}") == 0);
    CHECK(kiln_db_result_exists(db, "saxpy", "ffffffffffffffff", "d0d0d0d0d0d0d0d0", dev, "4096", "{\"wg\":64}") == 1);
    /* the same identity measured again: one current row of it, the old one kept */
    r = make_result(run, dev, "{\"wg\":256}", KILN_OK, 2500);
    r.time.mad_ns = 25;
    r.time.iqr_ns = 40;
    CHECK(kiln_db_result_add(db, &r) == 0);
    CHECK(sql_int(path, "SELECT count(*) FROM results WHERE config_json = '{\"wg\":256}'") == 2);
    CHECK(sql_int(path, "SELECT count(*) FROM results WHERE config_json = '{\"wg\":256}' AND superseded_by IS NULL") == 1);
    /* the unique index holds one current row per identity */
    CHECK(sql(path, "INSERT INTO results (kernel, device, size, config_json, source_hash, data_hash, verdict)"
                    " SELECT kernel, device, size, config_json, source_hash, data_hash, verdict FROM results"
                    " WHERE superseded_by IS NULL AND config_json = '{\"wg\":128}'") != 0);
    /* a caller that cannot vouch for wg=128 gets the next one */
    CHECK(kiln_db_best_vouched(db, "saxpy", NULL, "4096", vouch_not_128, NULL, &best) == 1);
    CHECK(best.median_ns == 2500);
    kiln_db_row_free(&best);
    /* confirmed figures come first */
    int64_t id256 = sql_int(path, "SELECT id FROM results WHERE median_ns = 2500");
    CHECK(kiln_db_result_confirm(db, id256, 2400, 10, 5, 0) == 0);
    CHECK(kiln_db_best(db, "saxpy", NULL, "4096", &best) == 1);
    CHECK(best.median_ns == 2500 && best.confirmed_median_ns == 2400 && best.confirmed_rounds == 5);
    CHECK(best.noisy == 0 && best.confirmed_mad_ns == 10);
    CHECK(best.mad_ns == 25 && best.iqr_ns == 40 && best.samples == 11); /* the spread of the samples */
    kiln_db_row_free(&best);
    CHECK(kiln_db_result_confirm(db, id256, 2400, 500, 5, 1) == 0);
    CHECK(kiln_db_best(db, "saxpy", NULL, "4096", &best) == 1);
    CHECK(best.noisy == 1 && best.confirmed_mad_ns == 500);
    kiln_db_row_free(&best);
    /* forget: refuses without a filter, counts what it removed */
    int64_t removed = -1;
    CHECK(kiln_db_forget(db, NULL, NULL, NULL, NULL, 0, &removed) == -1);
    CHECK(kiln_db_forget(db, "saxpy", NULL, NULL, "wrong", 0, &removed) == 0 && removed == 1);
    CHECK(kiln_db_forget(db, "saxpy", "bbbbbbbbbbbbbbbb", NULL, NULL, 0, &removed) == 0 && removed == 0);
    /* wg=64's superseded ok row has no current successor any more: it is current again */
    CHECK(sql_int(path, "SELECT count(*) FROM results WHERE config_json = '{\"wg\":64}' AND superseded_by IS NULL") == 1);
    CHECK(kiln_db_forget(db, NULL, NULL, NULL, NULL, 1, &removed) == 0 && removed == 4);
    kiln_db_close(db);
    CHECK(integrity_ok(path));
}

/* Markers and claims name their owner; a dead owner's claim (or one whose pid
 * a later process reuses) is taken over, a live one's refused; abandon and a
 * full disk leave no marker and close the run. */
static void test_owners_and_claims(void)
{
    char path[512], err[512], holder[256] = "";
    path_in_dir(path, sizeof path, "claims.db");
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    if (!db)
        return;
    kiln_device_info d = test_device("GPU", "aaaaaaaaaaaaaaaa");
    int64_t dev = kiln_db_device(db, &d);
    CHECK(kiln_db_claim_device(db, dev, "saxpy", "4096", holder, sizeof holder) == 0);
    CHECK(kiln_db_claim_device(db, dev, "saxpy", "4096", holder, sizeof holder) == 0); /* mine already */
    kiln_owner self;
    kiln_owner_self(&self);
    CHECK(sql_int(path, "SELECT pid FROM device_claims") == self.pid);
    /* a live process (the parent of this test) holds it */
    char q[512];
    snprintf(q, sizeof q, "UPDATE device_claims SET pid = %lld, proc_start = NULL", (long long)getppid());
    CHECK(sql(path, q) == 0);
    CHECK(kiln_db_claim_device(db, dev, "saxpy", "4096", holder, sizeof holder) == 1);
    char want[64];
    snprintf(want, sizeof want, "pid %lld", (long long)getppid());
    CHECK_STR_CONTAINS(text(holder), want);
    /* the pid of a live process that started after the claim's owner: the
     * owner died and its pid was reused; the claim is taken over */
    snprintf(q, sizeof q, "UPDATE device_claims SET pid = %lld, proc_start = '1'", (long long)getppid());
    CHECK(sql(path, q) == 0);
    CHECK(kiln_db_claim_device(db, dev, "saxpy", "4096", holder, sizeof holder) == 0);
    CHECK(sql_int(path, "SELECT pid FROM device_claims") == self.pid);
    /* a dead process held it */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    snprintf(q, sizeof q, "UPDATE device_claims SET pid = %lld", (long long)child);
    CHECK(sql(path, q) == 0);
    CHECK(kiln_db_claim_device(db, dev, "saxpy", "4096", holder, sizeof holder) == 0);
    CHECK(sql_int(path, "SELECT pid FROM device_claims") == self.pid);

    int64_t run = kiln_db_run_begin(db, "saxpy", dev, "exhaustive", 0, 1, "4096", "kiln tune saxpy");
    kiln_result r = make_result(run, dev, "{\"wg\":64}", KILN_OK, 1000);
    int64_t marker = kiln_db_result_begin(db, &r);
    CHECK(marker > 0);
    CHECK(sql_int(path, "SELECT owner_pid FROM results WHERE verdict = 'running'") == self.pid);
    CHECK(kiln_db_abandon(path, "interrupted", err, sizeof err) == 0);
    CHECK(sql_int(path, "SELECT count(*) FROM results WHERE verdict = 'running'") == 0);
    CHECK(sql_int(path, "SELECT count(*) FROM runs WHERE status = 'interrupted' AND ended IS NOT NULL") == 1);
    CHECK(sql_int(path, "SELECT count(*) FROM device_claims") == 0);

    /* a run whose process died (kill -9) is closed as "died" by the next one; a live one is not */
    int64_t live_run = kiln_db_run_begin(db, "saxpy", dev, "exhaustive", 0, 1, "4096", "kiln tune saxpy");
    child = fork();
    if (child == 0) {
        kiln_db *cdb = kiln_db_open(path, err, sizeof err);
        _exit(cdb && kiln_db_run_begin(cdb, "saxpy", dev, "exhaustive", 0, 1, "4096", "kiln tune saxpy") > 0 ? 0 : 1);
    }
    int status = -1;
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    int64_t closed = -1;
    CHECK(kiln_db_close_dead_runs(db, &closed) == 0 && closed == 1);
    CHECK(sql_int(path, "SELECT count(*) FROM runs WHERE status = 'died'") == 1);
    snprintf(q, sizeof q, "SELECT count(*) FROM runs WHERE status = 'running' AND id = %lld", (long long)live_run);
    CHECK(sql_int(path, q) == 1);
    CHECK(kiln_db_run_end(db, live_run, "done") == 0);

    /* a full disk: the insert fails with a message, the marker can still go */
    run = kiln_db_run_begin(db, "saxpy", dev, "exhaustive", 0, 1, "4096", "kiln tune saxpy");
    marker = kiln_db_result_begin(db, &r);
    CHECK(marker > 0);
    long long pages = sql_int(path, "PRAGMA page_count");
    CHECK(kiln_db_limit_pages(db, (int)pages) == 0);
    static char big[200000];
    memset(big, 'x', sizeof big - 1);
    r.error_text = big;
    CHECK(kiln_db_result_finish(db, marker, &r) == -1);
    CHECK_STR_CONTAINS(kiln_db_errmsg(db), "full");
    CHECK(kiln_db_result_abandon(db, marker) == 0);
    CHECK(kiln_db_run_end(db, run, "failed: database error") == 0);
    kiln_db_close(db);
    CHECK(sql_int(path, "SELECT count(*) FROM results WHERE verdict = 'running'") == 0);
    CHECK(sql_int(path, "SELECT count(*) FROM runs WHERE ended IS NULL AND status <> 'died'") == 0);
    CHECK(integrity_ok(path));
}

static int first_row(void *user, const kiln_db_row *row)
{
    kiln_db_row *out = user;
    out->phase = row->phase;
    out->stopped_early = row->stopped_early;
    out->samples = row->samples;
    return 1;
}

/* Where an evaluation's time went, and an early stop, are stored and read
 * back; a database of schema 2 migrates, its rows saying "not recorded". */
static void test_phases(void)
{
    char path[512], err[512];
    path_in_dir(path, sizeof path, "phases.db");
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    if (!db)
        return;
    kiln_device_info d = test_device("GPU", "aaaaaaaaaaaaaaaa");
    int64_t dev = kiln_db_device(db, &d);
    kiln_result r = make_result(0, dev, "{\"wg\":64}", KILN_OK, 5000);
    r.phase = (kiln_phase_ns){.generate_ns = 1e6, .build_ns = 2e8, .verify_ns = 3e5, .measure_ns = 4e7};
    r.time.samples = 3;
    r.time.stopped_early = 1;
    CHECK(kiln_db_result_add(db, &r) == 0);
    kiln_db_row row;
    memset(&row, 0, sizeof row);
    CHECK(kiln_db_foreach(db, "saxpy", NULL, NULL, first_row, &row) == 0);
    CHECK_MSG(row.phase.generate_ns == 1e6 && row.phase.build_ns == 2e8 && row.phase.verify_ns == 3e5 &&
                  row.phase.measure_ns == 4e7,
              "phases read back %g %g %g %g", row.phase.generate_ns, row.phase.build_ns, row.phase.verify_ns,
              row.phase.measure_ns);
    CHECK(row.stopped_early == 1 && row.samples == 3);
    kiln_db_close(db);
    /* schema 2, as an older kiln left it */
    CHECK(sql(path, "ALTER TABLE results DROP COLUMN generate_ns; ALTER TABLE results DROP COLUMN build_ns;"
                    "ALTER TABLE results DROP COLUMN verify_ns; ALTER TABLE results DROP COLUMN measure_ns;"
                    "ALTER TABLE results DROP COLUMN stopped_early; PRAGMA user_version = 2;") == 0);
    db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    if (!db)
        return;
    CHECK(sql_int(path, "PRAGMA user_version") == 3);
    memset(&row, 0, sizeof row);
    CHECK(kiln_db_foreach(db, "saxpy", NULL, NULL, first_row, &row) == 0);
    CHECK(row.phase.generate_ns == -1 && row.phase.measure_ns == -1 && row.stopped_early == 0 && row.samples == 3);
    kiln_db_close(db);
}

static void remove_dir(void)
{
    static const char *const names[] = {
        "tune.db", "tune.db-wal", "tune.db-shm", "notes.txt", "other.sqlite", "other.sqlite-wal",
        "other.sqlite-shm", "other-meta.sqlite", "other-meta.sqlite-wal", "other-meta.sqlite-shm",
        "empty.db", "empty.db-wal", "empty.db-shm", "future.db", "future.db-wal", "future.db-shm",
        "killed.db", "killed.db-wal", "killed.db-shm", "other-wal.sqlite", "other-wal.sqlite-wal",
        "other-wal.sqlite-shm", "odd name?mode=rw#50%.db", "odd name?mode=rw#50%.db-wal",
        "odd name?mode=rw#50%.db-shm", "v1.db", "v1.db-wal", "v1.db-shm", "identity.db", "identity.db-wal",
        "identity.db-shm", "claims.db", "claims.db-wal", "claims.db-shm", NULL,
    };
    char path[512];
    for (int i = 0; names[i]; i++) {
        path_in_dir(path, sizeof path, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

int main(void)
{
    if (!test_scratch_dir(dir, sizeof dir, "kiln-test-db-XXXXXX")) {
        perror("test_scratch_dir");
        return 1;
    }
    CHECK(strcmp(kiln_verdict_name(KILN_OK), "ok") == 0);
    CHECK(strcmp(kiln_verdict_name(KILN_BUILD_ERROR), "build_error") == 0);
    CHECK(strcmp(kiln_verdict_name(KILN_SKIPPED), "skipped") == 0);
    CHECK(strcmp(kiln_verdict_name((kiln_verdict)99), "unknown") == 0);

    test_default_path();
    test_round_trip();
    test_foreign_files();
    test_newer_schema();
    test_killed_writer();
    test_migration_from_v1();
    test_identity_and_best();
    test_owners_and_claims();
    test_phases();
    remove_dir();
    CHECK_DONE();
}
