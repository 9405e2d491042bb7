/*
 * db.c: the tuning database, one SQLite file.
 *
 * Owns the schema (devices, kernels, runs, results, traces, meta), its
 * migrations (PRAGMA user_version, one function per version), the refusal of
 * files that are not kiln databases, and the queries behind resume, `best`
 * and reports. WAL with synchronous=NORMAL: a killed process loses at most
 * the statement in flight, and readers never block the tuner.
 *
 * A file is inspected through a read-only connection before anything is
 * written, so a foreign file (text, another application's SQLite database, a
 * kiln database from a newer schema) is refused byte-for-byte untouched.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "kiln/tuner.h"
#include "autotuner/tuner_int.h"

#ifndef KILN_VERSION
#define KILN_VERSION "unknown"
#endif

#define DB_BUSY_TIMEOUT_MS 10000
#define NOW_SQL "(strftime('%Y-%m-%dT%H:%M:%fZ','now'))"

/* ---- verdicts --------------------------------------------------------- */

static const char *const verdict_names[] = {
    [KILN_OK] = "ok",
    [KILN_WRONG] = "wrong",
    [KILN_BUILD_ERROR] = "build_error",
    [KILN_RUN_ERROR] = "run_error",
    [KILN_TIMEOUT] = "timeout",
    [KILN_CRASHED] = "crashed",
    [KILN_SKIPPED] = "skipped",
    [KILN_RUNNING] = "running",
};

int kiln_verdict_parse(const char *name, kiln_verdict *out)
{
    for (size_t v = 0; v < sizeof verdict_names / sizeof verdict_names[0]; v++)
        if (name && strcmp(name, verdict_names[v]) == 0) {
            *out = (kiln_verdict)v;
            return 0;
        }
    return -1;
}

const char *kiln_verdict_name(kiln_verdict v)
{
    if ((int)v < 0 || (size_t)v >= sizeof verdict_names / sizeof verdict_names[0])
        return "unknown";
    return verdict_names[v];
}

/* ---- schema and migrations -------------------------------------------- */

static const char schema_v1[] =
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);"
    "CREATE TABLE devices ("
    "  id INTEGER PRIMARY KEY,"
    "  fingerprint TEXT NOT NULL UNIQUE,"
    "  backend TEXT, platform TEXT, name TEXT, vendor TEXT, driver TEXT, version TEXT,"
    "  compute_units INTEGER, global_mem INTEGER,"
    "  first_seen TEXT NOT NULL DEFAULT " NOW_SQL ");"
    "CREATE TABLE kernels ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL, lang TEXT, source_hash TEXT NOT NULL, source TEXT,"
    "  created TEXT NOT NULL DEFAULT " NOW_SQL ","
    "  UNIQUE (name, source_hash));"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  kernel TEXT NOT NULL,"
    "  device INTEGER REFERENCES devices(id),"
    "  strategy TEXT, budget INTEGER, seed INTEGER, size TEXT, command TEXT, kiln_version TEXT,"
    "  started TEXT NOT NULL DEFAULT " NOW_SQL ","
    "  ended TEXT,"
    "  status TEXT NOT NULL DEFAULT 'running');"
    "CREATE TABLE results ("
    "  id INTEGER PRIMARY KEY,"
    "  run INTEGER REFERENCES runs(id),"
    "  kernel TEXT NOT NULL,"
    "  device INTEGER NOT NULL REFERENCES devices(id),"
    "  lang TEXT, size TEXT NOT NULL, config_json TEXT NOT NULL, source_hash TEXT NOT NULL,"
    "  verdict TEXT NOT NULL,"
    "  median_ns REAL, min_ns REAL, max_ns REAL, samples INTEGER,"
    "  gflops REAL, gbytes_per_s REAL,"
    "  max_abs_err REAL, max_rel_err REAL, worst_index INTEGER,"
    "  error_text TEXT, counters_json TEXT,"
    "  created TEXT NOT NULL DEFAULT " NOW_SQL ");"
    "CREATE INDEX results_identity ON results (kernel, device, size, source_hash, config_json);"
    "CREATE INDEX results_speed ON results (kernel, verdict, median_ns);"
    "CREATE TABLE traces ("
    "  id INTEGER PRIMARY KEY,"
    "  kernel TEXT NOT NULL,"
    "  device INTEGER REFERENCES devices(id),"
    "  size TEXT NOT NULL, config_json TEXT,"
    "  inputs BLOB, outputs BLOB,"
    "  created TEXT NOT NULL DEFAULT " NOW_SQL ");"
    "CREATE INDEX traces_kernel ON traces (kernel, size);"
    "INSERT INTO meta (key, value) VALUES ('application', 'kiln'), ('created_by', '" KILN_VERSION "');";

/* Schema 2: a result's identity gains the verification data hash, and rows
 * are superseded instead of reused (one current row per identity, enforced);
 * markers record their owner and crash count; timings their spread and
 * confirmed figures; one tuning process per device holds a claim. Rows of
 * schema 1 are kept: their hashes covered the source alone and they carry no
 * data hash, so nothing resumes from them; of duplicates, the newest stays
 * current. */
static const char schema_v2[] =
    "ALTER TABLE results ADD COLUMN data_hash TEXT;"
    "ALTER TABLE results ADD COLUMN superseded_by INTEGER;"
    "ALTER TABLE results ADD COLUMN mad_ns REAL;"
    "ALTER TABLE results ADD COLUMN iqr_ns REAL;"
    "ALTER TABLE results ADD COLUMN noisy INTEGER;"
    "ALTER TABLE results ADD COLUMN confirmed_median_ns REAL;"
    "ALTER TABLE results ADD COLUMN confirmed_mad_ns REAL;"
    "ALTER TABLE results ADD COLUMN confirmed_rounds INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE results ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE results ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE results ADD COLUMN owner_pid INTEGER;"
    "ALTER TABLE results ADD COLUMN owner_host TEXT;"
    "ALTER TABLE results ADD COLUMN owner_start TEXT;"
    "ALTER TABLE runs ADD COLUMN owner_pid INTEGER;"
    "ALTER TABLE runs ADD COLUMN owner_host TEXT;"
    "ALTER TABLE runs ADD COLUMN owner_start TEXT;"
    "UPDATE results SET superseded_by = (SELECT max(n.id) FROM results n WHERE n.kernel = results.kernel"
    " AND n.device = results.device AND n.size = results.size AND n.config_json = results.config_json"
    " AND n.verdict <> 'running')"
    " WHERE verdict <> 'running' AND EXISTS (SELECT 1 FROM results n WHERE n.kernel = results.kernel"
    " AND n.device = results.device AND n.size = results.size AND n.config_json = results.config_json"
    " AND n.verdict <> 'running' AND n.id > results.id);"
    "CREATE INDEX results_config ON results (kernel, device, size, config_json);"
    "CREATE UNIQUE INDEX results_current ON results (kernel, device, size, config_json, source_hash, data_hash)"
    " WHERE superseded_by IS NULL AND verdict <> 'running';"
    "CREATE TABLE device_claims ("
    "  device INTEGER PRIMARY KEY REFERENCES devices(id),"
    "  kernel TEXT, size TEXT, pid INTEGER NOT NULL, host TEXT NOT NULL, proc_start TEXT,"
    "  started TEXT NOT NULL DEFAULT " NOW_SQL ");";

/* Schema 3: where each evaluation's time went (generation, build,
 * verification, timed runs; NULL where not recorded), and whether the race
 * against the best so far ended its timed runs early (fewer samples). */
static const char schema_v3[] =
    "ALTER TABLE results ADD COLUMN generate_ns REAL;"
    "ALTER TABLE results ADD COLUMN build_ns REAL;"
    "ALTER TABLE results ADD COLUMN verify_ns REAL;"
    "ALTER TABLE results ADD COLUMN measure_ns REAL;"
    "ALTER TABLE results ADD COLUMN stopped_early INTEGER NOT NULL DEFAULT 0;";

/* migrations[i] takes a database from user_version i to i + 1. */
static const struct {
    const char *what;
    const char *sql;
} migrations[] = {
    {"initial schema", schema_v1},
    {"result identity, owners, spread, device claims", schema_v2},
    {"time per step of each evaluation, early stops", schema_v3},
};
#define DB_SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* ---- the handle ------------------------------------------------------- */

enum stmt_id { ST_RESULT_ADD, ST_RESULT_EXISTS, ST_SUPERSEDE_MARK, ST_SUPERSEDE_FIX, ST_COUNT };

static const char *const stmt_sql[ST_COUNT] = {
    [ST_RESULT_ADD] =
        "INSERT INTO results (run, kernel, device, lang, size, config_json, source_hash, verdict,"
        " median_ns, min_ns, max_ns, samples, gflops, gbytes_per_s, max_abs_err, max_rel_err,"
        " worst_index, error_text, counters_json, data_hash, mad_ns, iqr_ns, noisy, crashes,"
        " owner_pid, owner_host, owner_start, attempts, generate_ns, build_ns, verify_ns, measure_ns,"
        " stopped_early)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
        " ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)",
    [ST_RESULT_EXISTS] =
        "SELECT 1 FROM results WHERE kernel = ?1 AND device = ?2 AND size = ?3 AND source_hash = ?4"
        " AND config_json = ?5 AND data_hash IS ?6 AND superseded_by IS NULL AND verdict <> 'running' LIMIT 1",
    /* -1 marks the rows the next insert supersedes (the unique index must not
     * see two current rows of one identity while it happens); then they name it */
    [ST_SUPERSEDE_MARK] =
        "UPDATE results SET superseded_by = -1 WHERE kernel = ?1 AND device = ?2 AND size = ?3"
        " AND config_json = ?4 AND verdict <> 'running' AND superseded_by IS NULL",
    [ST_SUPERSEDE_FIX] =
        "UPDATE results SET superseded_by = ?5 WHERE kernel = ?1 AND device = ?2 AND size = ?3"
        " AND config_json = ?4 AND superseded_by = -1",
};

struct kiln_db {
    sqlite3 *h;
    kiln_owner self;           /* this process, owner of its markers and claims */
    sqlite3_stmt *stmts[ST_COUNT];
    char errmsg[512];
    kiln_objective objective;  /* what best ranks by */
};

void kiln_db_set_objective(kiln_db *db, kiln_objective o)
{
    db->objective = o;
}


static int db_fail(kiln_db *db, const char *what)
{
    snprintf(db->errmsg, sizeof db->errmsg, "%s: %s", what, sqlite3_errmsg(db->h));
    return -1;
}

static sqlite3_stmt *prepare(kiln_db *db, const char *sql, const char *what)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
        db_fail(db, what);
        return NULL;
    }
    return st;
}

/* A cached statement, reset and unbound. */
static sqlite3_stmt *cached(kiln_db *db, enum stmt_id id, const char *what)
{
    if (!db->stmts[id])
        db->stmts[id] = prepare(db, stmt_sql[id], what);
    else {
        sqlite3_reset(db->stmts[id]);
        sqlite3_clear_bindings(db->stmts[id]);
    }
    return db->stmts[id];
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* NaN and infinities are stored as NULL: "not measured". */
static void bind_real(sqlite3_stmt *st, int i, double v)
{
    if (v == v && v - v == 0)
        sqlite3_bind_double(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* ---- opening ---------------------------------------------------------- */

typedef enum file_kind { FILE_EMPTY, FILE_KILN, FILE_FOREIGN } file_kind;

/* Classifies an open database without writing to it. */
static int inspect(sqlite3 *h, file_kind *kind, int *version, char *detail, size_t detaillen)
{
    sqlite3_stmt *st = NULL;
    int tables = 0, has_meta = 0, rc;
    *kind = FILE_FOREIGN;
    *version = 0;
    if (sqlite3_prepare_v2(h,
                           "SELECT count(*), coalesce(sum(name = 'meta'), 0) FROM sqlite_master"
                           " WHERE type = 'table'",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        kiln_tuner_errf(detail, detaillen, "%s", sqlite3_errmsg(h));
        sqlite3_finalize(st);
        return -1;
    }
    tables = sqlite3_column_int(st, 0);
    has_meta = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);

    if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        kiln_tuner_errf(detail, detaillen, "%s", sqlite3_errmsg(h));
        sqlite3_finalize(st);
        return -1;
    }
    *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);

    if (tables == 0 && *version == 0) {
        *kind = FILE_EMPTY;
        return 0;
    }
    if (!has_meta) {
        kiln_tuner_errf(detail, detaillen, "an SQLite database with %d table%s and no kiln meta table", tables,
                tables == 1 ? "" : "s");
        return 0;
    }
    rc = sqlite3_prepare_v2(h, "SELECT value FROM meta WHERE key = 'application'", -1, &st, NULL);
    if (rc != SQLITE_OK) {
        kiln_tuner_errf(detail, detaillen, "its meta table is unreadable: %s", sqlite3_errmsg(h));
        sqlite3_finalize(st);
        return 0;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) &&
        strcmp((const char *)sqlite3_column_text(st, 0), "kiln") == 0)
        *kind = FILE_KILN;
    else if (rc == SQLITE_ROW)
        kiln_tuner_errf(detail, detaillen, "its meta table names application '%s'",
                sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
    else
        kiln_tuner_errf(detail, detaillen, "its meta table names no application");
    sqlite3_finalize(st);
    return 0;
}

/* "file:PATH?mode=ro&immutable=1" with PATH percent-encoded; NULL if out of memory. */
static char *immutable_uri(const char *path)
{
    static const char suffix[] = "?mode=ro&immutable=1";
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(path);
    char *uri = malloc(5 + 3 * len + sizeof suffix);
    if (!uri)
        return NULL;
    char *o = uri;
    memcpy(o, "file:", 5);
    o += 5;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/._-~", *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    memcpy(o, suffix, sizeof suffix);
    return uri;
}

/* Refuses what must not be opened for writing; 0 when the file may be used. */
static int check_existing(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT)
            return 0;
        kiln_tuner_errf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(sb.st_mode)) {
        kiln_tuner_errf(err, errlen, "%s is a directory, not a kiln database", path);
        return -1;
    }
    if (sb.st_size == 0)
        return 0;

    /* Checked by hand so a text file gets a plain answer, not SQLite's guess. */
    static const char magic[16] = "SQLite format 3";
    char head[16] = {0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        kiln_tuner_errf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    if (got != sizeof head || memcmp(head, magic, sizeof magic) != 0) {
        kiln_tuner_errf(err, errlen, "%s is not a kiln database (not an SQLite file)", path);
        return -1;
    }

    /* Without a -wal file all content is in the main file, and an immutable
     * read of it creates no -wal/-shm beside a database that is not ours. */
    char *uri = NULL;
    size_t plen = strlen(path);
    char *wal = malloc(plen + 5);
    if (wal) {
        memcpy(wal, path, plen);
        memcpy(wal + plen, "-wal", 5);
        if (stat(wal, &sb) != 0 && errno == ENOENT)
            uri = immutable_uri(path);
        free(wal);
    }
    sqlite3 *h = NULL;
    char detail[256] = "";
    file_kind kind;
    int version;
    int open_rc = uri ? sqlite3_open_v2(uri, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL)
                      : sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL);
    free(uri);
    if (open_rc != SQLITE_OK) {
        kiln_tuner_errf(err, errlen, "%s: cannot open: %s", path, h ? sqlite3_errmsg(h) : "out of memory");
        sqlite3_close(h);
        return -1;
    }
    sqlite3_busy_timeout(h, DB_BUSY_TIMEOUT_MS);
    int rc = inspect(h, &kind, &version, detail, sizeof detail);
    sqlite3_close(h);
    if (rc < 0) {
        kiln_tuner_errf(err, errlen, "%s is not a kiln database (%s)", path, detail);
        return -1;
    }
    if (kind == FILE_FOREIGN) {
        kiln_tuner_errf(err, errlen, "%s is not a kiln database (%s)", path, detail);
        return -1;
    }
    if (kind == FILE_KILN && version > DB_SCHEMA_VERSION) {
        kiln_tuner_errf(err, errlen,
                "%s has kiln database schema version %d, newer than this kiln (%s) understands (%d);"
                " use a newer kiln",
                path, version, KILN_VERSION, DB_SCHEMA_VERSION);
        return -1;
    }
    return 0;
}

static int exec(sqlite3 *h, const char *sql, char *err, size_t errlen, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        kiln_tuner_errf(err, errlen, "%s: %s", what, msg ? msg : sqlite3_errmsg(h));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Brings the schema up to DB_SCHEMA_VERSION under a write lock, so two
 * processes opening a new file at once do not both create it. */
static int migrate(sqlite3 *h, const char *path, char *err, size_t errlen)
{
    file_kind kind;
    int version;
    char detail[256] = "";
    /* Up to date: no write lock, so readers never wait behind a tuning run. */
    if (inspect(h, &kind, &version, detail, sizeof detail) == 0 && kind == FILE_KILN &&
        version == DB_SCHEMA_VERSION)
        return 0;
    if (exec(h, "BEGIN IMMEDIATE", err, errlen, path) < 0)
        return -1;
    if (inspect(h, &kind, &version, detail, sizeof detail) < 0 || kind == FILE_FOREIGN) {
        kiln_tuner_errf(err, errlen, "%s is not a kiln database (%s)", path, detail);
        goto rollback;
    }
    if (version > DB_SCHEMA_VERSION) {
        kiln_tuner_errf(err, errlen, "%s has kiln database schema version %d, newer than this kiln understands (%d)",
                path, version, DB_SCHEMA_VERSION);
        goto rollback;
    }
    for (int v = version; v < DB_SCHEMA_VERSION; v++) {
        char what[128], pragma[64];
        snprintf(what, sizeof what, "%s: migration to schema %d (%s)", path, v + 1, migrations[v].what);
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if (exec(h, migrations[v].sql, err, errlen, what) < 0 || exec(h, pragma, err, errlen, what) < 0)
            goto rollback;
    }
    if (exec(h, "COMMIT", err, errlen, path) < 0)
        goto rollback;
    return 0;
rollback:
    sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

const char *kiln_db_default_path(void)
{
    const char *env = getenv("KILN_DB");
    return env && *env ? env : "kiln.db";
}

/* The settings of a read-write connection, and its owner. -1 with err. */
static int db_connect(kiln_db *db, const char *path, char *err, size_t errlen)
{
    sqlite3_busy_timeout(db->h, DB_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(db->h, 1);
    if (exec(db->h, "PRAGMA journal_mode = WAL", err, errlen, path) < 0 ||
        exec(db->h, "PRAGMA synchronous = NORMAL", err, errlen, path) < 0 ||
        exec(db->h, "PRAGMA foreign_keys = ON", err, errlen, path) < 0)
        return -1;
    kiln_owner_self(&db->self);
    return 0;
}

kiln_db *kiln_db_open(const char *path, char *err, size_t errlen)
{
    if (!path || !*path)
        path = kiln_db_default_path();
    if (check_existing(path, err, errlen) < 0)
        return NULL;
    kiln_db *db = calloc(1, sizeof *db);
    if (!db) {
        kiln_tuner_errf(err, errlen, "out of memory");
        return NULL;
    }
    if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        kiln_tuner_errf(err, errlen, "%s: cannot open: %s", path, db->h ? sqlite3_errmsg(db->h) : "out of memory");
        goto fail;
    }
    if (db_connect(db, path, err, errlen) != 0 || migrate(db->h, path, err, errlen) < 0)
        goto fail;
    return db;
fail:
    sqlite3_close(db->h);
    free(db);
    return NULL;
}

kiln_db *kiln_db_reopen(kiln_db *db, char *err, size_t errlen)
{
    const char *path = sqlite3_db_filename(db->h, "main");
    kiln_db *again = path && *path ? calloc(1, sizeof *again) : NULL;
    if (!again) {
        kiln_tuner_errf(err, errlen, "%s", path && *path ? "out of memory" : "the database has no file to open again");
        return NULL;
    }
    /* No look at the file first (check_existing): closing a descriptor of it
     * would drop this process's locks on it, which the open connection holds. */
    if (sqlite3_open_v2(path, &again->h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        db_connect(again, path, err, errlen) != 0) {
        if (again->h)
            kiln_tuner_errf(err, errlen, "%s: cannot open again: %s", path, sqlite3_errmsg(again->h));
        sqlite3_close(again->h);
        free(again);
        return NULL;
    }
    again->objective = db->objective;
    return again;
}

void kiln_db_close(kiln_db *db)
{
    if (!db)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(db->stmts[i]);
    sqlite3_close(db->h);
    free(db);
}

const char *kiln_db_errmsg(const kiln_db *db)
{
    return db ? db->errmsg : "no database";
}

/* ---- writing ---------------------------------------------------------- */

/* Runs a statement expecting no row; finalizes it. */
static int step_done(kiln_db *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        db_fail(db, what);
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

/* Runs a query whose first column is an id; -1 when there is no row. */
static int64_t step_id(kiln_db *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    int64_t id = -1;
    if (rc == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        snprintf(db->errmsg, sizeof db->errmsg, "%s: no row", what);
    else
        db_fail(db, what);
    sqlite3_finalize(st);
    return id;
}

int64_t kiln_db_device(kiln_db *db, const kiln_device_info *dev)
{
    const char *what = "recording the device";
    if (!dev->fingerprint[0]) {
        snprintf(db->errmsg, sizeof db->errmsg, "%s: device '%s' has no fingerprint", what, dev->name);
        return -1;
    }
    sqlite3_stmt *st = prepare(db,
                               "INSERT OR IGNORE INTO devices (fingerprint, backend, platform, name, vendor,"
                               " driver, version, compute_units, global_mem)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                               what);
    if (!st)
        return -1;
    bind_text(st, 1, dev->fingerprint);
    bind_text(st, 2, dev->backend);
    bind_text(st, 3, dev->platform);
    bind_text(st, 4, dev->name);
    bind_text(st, 5, dev->vendor);
    bind_text(st, 6, dev->driver);
    bind_text(st, 7, dev->version);
    sqlite3_bind_int(st, 8, dev->compute_units);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)dev->global_mem_bytes);
    if (step_done(db, st, what) < 0)
        return -1;
    st = prepare(db, "SELECT id FROM devices WHERE fingerprint = ?1", what);
    if (!st)
        return -1;
    bind_text(st, 1, dev->fingerprint);
    return step_id(db, st, what);
}

int64_t kiln_db_kernel_source(kiln_db *db, const char *kernel, const char *lang, const char *source_hash,
                              const char *source)
{
    const char *what = "recording a kernel source";
    if (!kernel || !source_hash) {
        snprintf(db->errmsg, sizeof db->errmsg, "%s: kernel name and source hash are required", what);
        return -1;
    }
    sqlite3_stmt *st = prepare(db,
                               "INSERT OR IGNORE INTO kernels (name, lang, source_hash, source)"
                               " VALUES (?1, ?2, ?3, ?4)",
                               what);
    if (!st)
        return -1;
    bind_text(st, 1, kernel);
    bind_text(st, 2, lang);
    bind_text(st, 3, source_hash);
    bind_text(st, 4, source);
    if (step_done(db, st, what) < 0)
        return -1;
    st = prepare(db, "SELECT id FROM kernels WHERE name = ?1 AND source_hash = ?2", what);
    if (!st)
        return -1;
    bind_text(st, 1, kernel);
    bind_text(st, 2, source_hash);
    return step_id(db, st, what);
}

int64_t kiln_db_run_begin(kiln_db *db, const char *kernel, int64_t device_id, const char *strategy,
                          uint64_t budget, uint64_t seed, const char *size, const char *command)
{
    const char *what = "starting a run";
    sqlite3_stmt *st = prepare(db,
                               "INSERT INTO runs (kernel, device, strategy, budget, seed, size, command,"
                               " kiln_version, owner_pid, owner_host, owner_start)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                               what);
    if (!st)
        return -1;
    bind_text(st, 1, kernel);
    if (device_id > 0)
        sqlite3_bind_int64(st, 2, device_id);
    bind_text(st, 3, strategy);
    /* Stored as SQLite's signed 64-bit integers; read back with a cast. */
    sqlite3_bind_int64(st, 4, (sqlite3_int64)budget);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)seed);
    bind_text(st, 6, size);
    bind_text(st, 7, command);
    bind_text(st, 8, KILN_VERSION);
    sqlite3_bind_int64(st, 9, db->self.pid);
    bind_text(st, 10, db->self.host);
    bind_text(st, 11, db->self.start);
    if (step_done(db, st, what) < 0)
        return -1;
    return sqlite3_last_insert_rowid(db->h);
}

int kiln_db_run_end(kiln_db *db, int64_t run_id, const char *status)
{
    const char *what = "ending a run";
    sqlite3_stmt *st = prepare(db, "UPDATE runs SET ended = " NOW_SQL ", status = ?2 WHERE id = ?1", what);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, run_id);
    bind_text(st, 2, status ? status : "done");
    if (step_done(db, st, what) < 0)
        return -1;
    if (sqlite3_changes(db->h) == 0) {
        snprintf(db->errmsg, sizeof db->errmsg, "%s: no run %lld", what, (long long)run_id);
        return -1;
    }
    return 0;
}

/* Runs sql (no rows) inside the caller's transaction or as its own. */
static int exec_db(kiln_db *db, const char *sql, const char *what)
{
    char err[256];
    if (exec(db->h, sql, err, sizeof err, what) != 0) {
        snprintf(db->errmsg, sizeof db->errmsg, "%s", err);
        return -1;
    }
    return 0;
}

/* Marks (by = -1) or names (by = the new row) the rows r supersedes. */
static int supersede(kiln_db *db, enum stmt_id id, const kiln_result *r, int64_t by, const char *what)
{
    sqlite3_stmt *st = cached(db, id, what);
    if (!st)
        return -1;
    bind_text(st, 1, r->kernel);
    sqlite3_bind_int64(st, 2, r->device_id);
    bind_text(st, 3, r->size);
    bind_text(st, 4, r->config_json);
    if (id == ST_SUPERSEDE_FIX)
        sqlite3_bind_int64(st, 5, by);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_fail(db, what);
}

/* Inserts r and supersedes the current rows of its configuration; inside a
 * transaction the caller holds. Returns the new row id, -1 on error. */
static int64_t insert_result(kiln_db *db, const kiln_result *r, const kiln_owner *owner)
{
    const char *what = "adding a result";
    if (!r->kernel || !r->size || !r->config_json || !r->source_hash) {
        snprintf(db->errmsg, sizeof db->errmsg,
                 "%s: kernel, size, config_json and source_hash are required", what);
        return -1;
    }
    int finished = r->verdict != KILN_RUNNING;
    if (finished && supersede(db, ST_SUPERSEDE_MARK, r, -1, what) != 0)
        return -1;
    sqlite3_stmt *st = cached(db, ST_RESULT_ADD, what);
    if (!st)
        return -1;
    if (r->run_id > 0)
        sqlite3_bind_int64(st, 1, r->run_id);
    bind_text(st, 2, r->kernel);
    sqlite3_bind_int64(st, 3, r->device_id);
    bind_text(st, 4, r->lang);
    bind_text(st, 5, r->size);
    bind_text(st, 6, r->config_json);
    bind_text(st, 7, r->source_hash);
    bind_text(st, 8, kiln_verdict_name(r->verdict));
    if (r->time.samples > 0) {
        bind_real(st, 9, r->time.median_ns);
        bind_real(st, 10, r->time.min_ns);
        bind_real(st, 11, r->time.max_ns);
        sqlite3_bind_int(st, 12, r->time.samples);
        bind_real(st, 21, r->time.mad_ns);
        bind_real(st, 22, r->time.iqr_ns);
        sqlite3_bind_int(st, 23, r->time.noisy);
    }
    bind_real(st, 13, r->gflops);
    bind_real(st, 14, r->gbytes_per_s);
    bind_real(st, 15, r->max_abs_err);
    bind_real(st, 16, r->max_rel_err);
    if (r->worst_index >= 0)
        sqlite3_bind_int64(st, 17, r->worst_index);
    bind_text(st, 18, r->error_text);
    bind_text(st, 19, r->counters_json);
    bind_text(st, 20, r->data_hash);
    sqlite3_bind_int(st, 24, r->crashes);
    if (owner) {
        sqlite3_bind_int64(st, 25, owner->pid);
        bind_text(st, 26, owner->host);
        bind_text(st, 27, owner->start);
    }
    sqlite3_bind_int(st, 28, r->attempts > 1 ? r->attempts : 1);
    const double phase[] = {r->phase.generate_ns, r->phase.build_ns, r->phase.verify_ns, r->phase.measure_ns};
    for (int i = 0; i < 4; i++)
        if (phase[i] > 0)
            bind_real(st, 29 + i, phase[i]);
    sqlite3_bind_int(st, 33, r->time.samples > 0 && r->time.stopped_early);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, what);
    int64_t id = sqlite3_last_insert_rowid(db->h);
    if (finished && supersede(db, ST_SUPERSEDE_FIX, r, id, what) != 0)
        return -1;
    return id;
}

static int begin_write(kiln_db *db, const char *what)
{
    return exec_db(db, "BEGIN IMMEDIATE", what);
}

/* Commits on rc == 0, rolls back otherwise; returns the final status. */
static int end_write(kiln_db *db, int rc, const char *what)
{
    if (rc == 0)
        return exec_db(db, "COMMIT", what) == 0 ? 0 : (sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL), -1);
    sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int kiln_db_result_add(kiln_db *db, const kiln_result *r)
{
    const char *what = "adding a result";
    if (begin_write(db, what) != 0)
        return -1;
    return end_write(db, insert_result(db, r, NULL) < 0 ? -1 : 0, what);
}

int64_t kiln_db_result_begin(kiln_db *db, const kiln_result *r)
{
    kiln_result running = *r;
    running.verdict = KILN_RUNNING;
    running.time.samples = 0;
    running.error_text = KILN_STAGE_RUNNING;
    return insert_result(db, &running, &db->self);
}

int kiln_db_result_finish(kiln_db *db, int64_t row_id, const kiln_result *r)
{
    const char *what = "finishing a result";
    if (begin_write(db, what) != 0)
        return -1;
    sqlite3_stmt *del = prepare(db, "DELETE FROM results WHERE id = ?1 AND verdict = 'running'", what);
    int rc = -1;
    if (del) {
        sqlite3_bind_int64(del, 1, row_id);
        rc = step_done(db, del, what);
    }
    if (rc == 0)
        rc = insert_result(db, r, NULL) < 0 ? -1 : 0;
    return end_write(db, rc, what);
}

/* Runs one UPDATE/DELETE on a row id ?1, with where the statement has them an
 * integer ?2 and this process's host ?3, start ?4 and pid ?5. */
static int update_row(kiln_db *db, const char *sql, int64_t row_id, long long value, const char *what)
{
    sqlite3_stmt *st = prepare(db, sql, what);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, row_id);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, value);
    if (sqlite3_bind_parameter_count(st) >= 3)
        bind_text(st, 3, db->self.host);
    if (sqlite3_bind_parameter_count(st) >= 4)
        bind_text(st, 4, db->self.start);
    if (sqlite3_bind_parameter_count(st) >= 5)
        sqlite3_bind_int64(st, 5, db->self.pid);
    return step_done(db, st, what);
}

int kiln_db_result_retry(kiln_db *db, int64_t row_id, int crashes)
{
    return update_row(db,
                      "UPDATE results SET crashes = ?2, owner_host = ?3, owner_start = ?4, owner_pid = ?5,"
                      " created = " NOW_SQL " WHERE id = ?1 AND verdict = 'running'",
                      row_id, crashes, "retrying a variant");
}

int kiln_db_result_stage(kiln_db *db, int64_t row_id, const char *stage)
{
    const char *what = "marking a variant's stage";
    sqlite3_stmt *st = prepare(db, "UPDATE results SET error_text = ?2 WHERE id = ?1 AND verdict = 'running'", what);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, row_id);
    bind_text(st, 2, stage);
    return step_done(db, st, what);
}

int kiln_db_result_abandon(kiln_db *db, int64_t row_id)
{
    return update_row(db, "DELETE FROM results WHERE id = ?1 AND verdict = 'running'", row_id, 0,
                      "removing an in-flight marker");
}

int kiln_db_result_exists(kiln_db *db, const char *kernel, const char *source_hash, const char *data_hash,
                          int64_t device_id, const char *size, const char *config_json)
{
    sqlite3_stmt *st = cached(db, ST_RESULT_EXISTS, "looking up a result");
    if (!st)
        return -1;
    bind_text(st, 1, kernel);
    sqlite3_bind_int64(st, 2, device_id);
    bind_text(st, 3, size);
    bind_text(st, 4, source_hash);
    bind_text(st, 5, config_json);
    bind_text(st, 6, data_hash);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return db_fail(db, "looking up a result");
}

int kiln_db_result_confirm(kiln_db *db, int64_t row_id, double median_ns, double mad_ns, int rounds, int noisy)
{
    const char *what = "storing confirmed figures";
    sqlite3_stmt *st = prepare(db,
                               "UPDATE results SET confirmed_median_ns = ?2, confirmed_mad_ns = ?3,"
                               " confirmed_rounds = ?4, noisy = max(coalesce(noisy, 0), ?5) WHERE id = ?1",
                               what);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, row_id);
    bind_real(st, 2, median_ns);
    bind_real(st, 3, mad_ns);
    sqlite3_bind_int(st, 4, rounds);
    sqlite3_bind_int(st, 5, noisy != 0);
    return step_done(db, st, what);
}

int kiln_db_limit_pages(kiln_db *db, int pages)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %d", pages);
    return exec_db(db, sql, "limiting the database size");
}

/* ---- forgetting ------------------------------------------------------- */

int kiln_db_forget(kiln_db *db, const char *kernel, const char *device_fp, const char *size,
                   const char *verdict, int all, int64_t *removed)
{
    const char *what = "forgetting results";
    *removed = 0;
    if (!kernel && !device_fp && !size && !verdict && !all) {
        snprintf(db->errmsg, sizeof db->errmsg, "%s: no filter given (say which results, or all)", what);
        return -1;
    }
    sqlite3_stmt *st = prepare(db,
                               "DELETE FROM results WHERE (?1 IS NULL OR kernel = ?1)"
                               " AND (?2 IS NULL OR device IN (SELECT id FROM devices WHERE fingerprint = ?2))"
                               " AND (?3 IS NULL OR size = ?3) AND (?4 IS NULL OR verdict = ?4)",
                               what);
    if (!st)
        return -1;
    bind_text(st, 1, kernel);
    bind_text(st, 2, device_fp);
    bind_text(st, 3, size);
    bind_text(st, 4, verdict);
    if (step_done(db, st, what) < 0)
        return -1;
    *removed = sqlite3_changes(db->h);
    /* A row that superseded a forgotten one no longer has a successor to answer for. */
    return exec_db(db,
                   "UPDATE results SET superseded_by = NULL WHERE superseded_by IS NOT NULL"
                   " AND superseded_by NOT IN (SELECT id FROM results) AND NOT EXISTS (SELECT 1 FROM results n"
                   " WHERE n.superseded_by IS NULL AND n.verdict <> 'running' AND n.kernel = results.kernel"
                   " AND n.device = results.device AND n.size = results.size"
                   " AND n.config_json = results.config_json)",
                   what) < 0 ? -1 : 0;
}

/* ---- one tuning process per device ------------------------------------ */

int kiln_db_claim_device(kiln_db *db, int64_t device_id, const char *kernel, const char *size,
                         char *holder, size_t holderlen)
{
    const char *what = "claiming the device";
    if (begin_write(db, what) != 0)
        return -1;
    sqlite3_stmt *st = prepare(db,
                               "SELECT pid, host, coalesce(proc_start, ''), coalesce(kernel, ''),"
                               " coalesce(size, ''), started FROM device_claims WHERE device = ?1",
                               what);
    int rc = st ? 0 : -1, held = 0;
    if (st) {
        sqlite3_bind_int64(st, 1, device_id);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            kiln_owner o;
            memset(&o, 0, sizeof o);
            o.pid = sqlite3_column_int64(st, 0);
            snprintf(o.host, sizeof o.host, "%s", (const char *)sqlite3_column_text(st, 1));
            snprintf(o.start, sizeof o.start, "%s", (const char *)sqlite3_column_text(st, 2));
            int mine = o.pid == db->self.pid && strcmp(o.host, db->self.host) == 0;
            if (!mine && kiln_owner_alive(&o)) {
                held = 1;
                kiln_tuner_errf(holder, holderlen, "kiln pid %lld on host %s (tuning %s at size %s since %s)", o.pid,
                                o.host, (const char *)sqlite3_column_text(st, 3),
                                (const char *)sqlite3_column_text(st, 4), (const char *)sqlite3_column_text(st, 5));
            }
        } else if (step != SQLITE_DONE) {
            rc = db_fail(db, what);
        }
        sqlite3_finalize(st);
    }
    if (rc == 0 && !held) {
        st = prepare(db,
                     "INSERT OR REPLACE INTO device_claims (device, kernel, size, pid, host, proc_start)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                     what);
        rc = st ? 0 : -1;
        if (st) {
            sqlite3_bind_int64(st, 1, device_id);
            bind_text(st, 2, kernel);
            bind_text(st, 3, size);
            sqlite3_bind_int64(st, 4, db->self.pid);
            bind_text(st, 5, db->self.host);
            bind_text(st, 6, db->self.start);
            rc = step_done(db, st, what);
        }
    }
    if (end_write(db, held ? -1 : rc, what) != 0 && !held)
        return -1;
    return held ? 1 : 0;
}

int kiln_db_close_dead_runs(kiln_db *db, int64_t *closed)
{
    const char *what = "closing the runs of processes that died";
    *closed = 0;
    sqlite3_stmt *st = prepare(db,
                               "SELECT id, owner_pid, coalesce(owner_start, '') FROM runs"
                               " WHERE ended IS NULL AND status = 'running' AND owner_host = ?1",
                               what);
    if (!st)
        return -1;
    bind_text(st, 1, db->self.host);
    int64_t dead[64];
    int n = 0, rc;
    while (n < 64 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        kiln_owner o;
        memset(&o, 0, sizeof o);
        o.pid = sqlite3_column_int64(st, 1);
        snprintf(o.host, sizeof o.host, "%s", db->self.host);
        snprintf(o.start, sizeof o.start, "%s", (const char *)sqlite3_column_text(st, 2));
        if (!kiln_owner_alive(&o))
            dead[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    for (int i = 0; i < n; i++) {
        if (update_row(db, "UPDATE runs SET status = 'died' WHERE id = ?1 AND ended IS NULL", dead[i], 0, what) != 0)
            return -1;
        (*closed)++;
    }
    return 0;
}

int kiln_db_release_device(kiln_db *db, int64_t device_id)
{
    return update_row(db, "DELETE FROM device_claims WHERE device = ?1 AND pid = ?2 AND host = ?3", device_id,
                      db->self.pid, "releasing the device");
}

int kiln_db_abandon(const char *path, const char *status, char *err, size_t errlen)
{
    sqlite3 *h = NULL;
    kiln_owner self;
    kiln_owner_self(&self);
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        kiln_tuner_errf(err, errlen, "%s: cannot open: %s", path, h ? sqlite3_errmsg(h) : "out of memory");
        sqlite3_close(h);
        return -1;
    }
    sqlite3_busy_timeout(h, DB_BUSY_TIMEOUT_MS);
    sqlite3_stmt *st = NULL;
    int rc = exec(h, "BEGIN IMMEDIATE", err, errlen, path);
    static const char *const sql[] = {
        "DELETE FROM results WHERE verdict = 'running' AND owner_pid = ?1 AND owner_host = ?2",
        "UPDATE runs SET ended = " NOW_SQL ", status = ?3 WHERE ended IS NULL AND owner_pid = ?1"
        " AND owner_host = ?2",
        "DELETE FROM device_claims WHERE pid = ?1 AND host = ?2",
    };
    for (size_t i = 0; rc == 0 && i < sizeof sql / sizeof sql[0]; i++) {
        if (sqlite3_prepare_v2(h, sql[i], -1, &st, NULL) != SQLITE_OK) {
            rc = -1;
            break;
        }
        sqlite3_bind_int64(st, 1, self.pid);
        sqlite3_bind_text(st, 2, self.host, -1, SQLITE_TRANSIENT);
        if (sqlite3_bind_parameter_count(st) >= 3)
            sqlite3_bind_text(st, 3, status, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = -1;
        sqlite3_finalize(st);
    }
    if (rc == 0)
        rc = exec(h, "COMMIT", err, errlen, path);
    else
        kiln_tuner_errf(err, errlen, "%s: closing what this process left open: %s", path, sqlite3_errmsg(h));
    if (rc != 0)
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(h);
    return rc;
}

/* ---- reading ---------------------------------------------------------- */

#define ROW_COLUMNS                                                                                  \
    "SELECT r.kernel, r.lang, r.size, r.config_json, r.source_hash, d.name, d.fingerprint, r.verdict," \
    " r.error_text, r.created, r.median_ns, r.min_ns, r.max_ns, r.gflops, r.gbytes_per_s,"           \
    " r.max_abs_err, r.max_rel_err, r.samples, r.run, r.id, r.data_hash, r.mad_ns, r.iqr_ns,"         \
    " r.noisy, r.confirmed_median_ns, r.confirmed_mad_ns, r.confirmed_rounds, r.crashes,"            \
    " r.owner_pid, r.owner_host, r.owner_start, r.superseded_by, u.seed, r.attempts, r.counters_json,"  \
    " r.generate_ns, r.build_ns, r.verify_ns, r.measure_ns, r.stopped_early"

/* What schema 3 adds, as a read of schema 1 sees it: nothing recorded. */
#define COLUMNS_V3 " NULL AS generate_ns, NULL AS build_ns, NULL AS verify_ns, NULL AS measure_ns, 0 AS stopped_early"

/* The results of schema 1 as schema 2 reads them, for a database opened
 * read-only before its migration: nothing superseded, nothing confirmed. */
#define RESULTS_V1                                                                                    \
    "(SELECT *, NULL AS data_hash, NULL AS mad_ns, NULL AS iqr_ns, 0 AS noisy,"                      \
    " NULL AS confirmed_median_ns, NULL AS confirmed_mad_ns, 0 AS confirmed_rounds, 0 AS crashes,"   \
    " NULL AS owner_pid, NULL AS owner_host, NULL AS owner_start, NULL AS superseded_by,"            \
    " 1 AS attempts," COLUMNS_V3 " FROM results)"

/* A query over results rows: ROW_COLUMNS, then `tail` (WHERE ..., ORDER BY ...). */
static sqlite3_stmt *prepare_rows(kiln_db *db, const char *tail, const char *what)
{
    static const char *const sources[] = {"results", RESULTS_V1};
    sqlite3_stmt *st = NULL;
    for (size_t i = 0; i < sizeof sources / sizeof sources[0] && !st; i++) {
        char *sql = sqlite3_mprintf("%s FROM %s r JOIN devices d ON d.id = r.device LEFT JOIN runs u ON u.id = r.run %s",
                                    ROW_COLUMNS, sources[i], tail);
        if (!sql)
            break;
        if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
            if (i == 0)
                db_fail(db, what); /* the message of the current schema's query */
            sqlite3_finalize(st);
            st = NULL;
        }
        sqlite3_free(sql);
    }
    return st;
}

static char *column_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    if (!s)
        return NULL;
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    char *copy = malloc(n + 1);
    if (copy) {
        memcpy(copy, s, n);
        copy[n] = '\0';
    }
    return copy;
}

static double column_real(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? -1.0 : sqlite3_column_double(st, i);
}

static void read_row(sqlite3_stmt *st, kiln_db_row *out)
{
    memset(out, 0, sizeof *out);
    out->kernel = column_dup(st, 0);
    out->lang = column_dup(st, 1);
    out->size = column_dup(st, 2);
    out->config_json = column_dup(st, 3);
    out->source_hash = column_dup(st, 4);
    out->device_name = column_dup(st, 5);
    out->device_fp = column_dup(st, 6);
    out->verdict = column_dup(st, 7);
    out->error_text = column_dup(st, 8);
    out->created = column_dup(st, 9);
    out->median_ns = column_real(st, 10);
    out->min_ns = column_real(st, 11);
    out->max_ns = column_real(st, 12);
    out->gflops = column_real(st, 13);
    out->gbytes_per_s = column_real(st, 14);
    out->max_abs_err = column_real(st, 15);
    out->max_rel_err = column_real(st, 16);
    out->samples = sqlite3_column_int(st, 17);
    out->run_id = sqlite3_column_int64(st, 18);
    out->id = sqlite3_column_int64(st, 19);
    out->data_hash = column_dup(st, 20);
    out->mad_ns = column_real(st, 21);
    out->iqr_ns = column_real(st, 22);
    out->noisy = sqlite3_column_int(st, 23);
    out->confirmed_median_ns = column_real(st, 24);
    out->confirmed_mad_ns = column_real(st, 25);
    out->confirmed_rounds = sqlite3_column_int(st, 26);
    out->crashes = sqlite3_column_int(st, 27);
    out->owner_pid = sqlite3_column_int64(st, 28);
    out->owner_host = column_dup(st, 29);
    out->owner_start = column_dup(st, 30);
    out->superseded_by = sqlite3_column_int64(st, 31);
    out->seed = (uint64_t)sqlite3_column_int64(st, 32);
    out->attempts = sqlite3_column_int(st, 33);
    out->counters_json = column_dup(st, 34);
    out->phase = (kiln_phase_ns){column_real(st, 35), column_real(st, 36), column_real(st, 37), column_real(st, 38)};
    out->stopped_early = sqlite3_column_int(st, 39);
}

void kiln_db_row_free(kiln_db_row *r)
{
    if (!r)
        return;
    free(r->kernel);
    free(r->lang);
    free(r->size);
    free(r->config_json);
    free(r->source_hash);
    free(r->device_name);
    free(r->device_fp);
    free(r->verdict);
    free(r->error_text);
    free(r->created);
    free(r->data_hash);
    free(r->counters_json);
    free(r->owner_host);
    free(r->owner_start);
    memset(r, 0, sizeof *r);
}

int kiln_db_best(kiln_db *db, const char *kernel, const char *device_fp, const char *size,
                 kiln_db_row *out)
{
    return kiln_db_best_vouched(db, kernel, device_fp, size, NULL, NULL, out);
}

int kiln_db_best_vouched(kiln_db *db, const char *kernel, const char *device_fp, const char *size,
                         kiln_db_vouch_fn vouch, void *user, kiln_db_row *out)
{
    const char *what = "looking up the best result";
#define BEST_WHERE                                                                        \
    "WHERE r.kernel = ?1 AND r.verdict = 'ok' AND r.median_ns IS NOT NULL"               \
    " AND r.superseded_by IS NULL"                                                        \
    " AND (?2 IS NULL OR d.fingerprint = ?2) AND (?3 IS NULL OR r.size = ?3)"
#define ENERGY "json_extract(r.counters_json, '$.energy_j')"
    static const char *const order[] = {
        [KILN_OBJECTIVE_TIME] = BEST_WHERE
        " ORDER BY r.confirmed_median_ns IS NULL, coalesce(r.confirmed_median_ns, r.median_ns), r.id",
        [KILN_OBJECTIVE_ENERGY] = BEST_WHERE " AND json_valid(r.counters_json) AND " ENERGY " >= 0"
        " ORDER BY " ENERGY ", r.id",
        [KILN_OBJECTIVE_EDP] = BEST_WHERE " AND json_valid(r.counters_json) AND " ENERGY " >= 0"
        " ORDER BY " ENERGY " * coalesce(r.confirmed_median_ns, r.median_ns), r.id",
    };
#undef BEST_WHERE
#undef ENERGY
    sqlite3_stmt *st = prepare_rows(db, order[db->objective], what);
    if (!st)
        return -1;
    bind_text(st, 1, kernel);
    bind_text(st, 2, device_fp);
    bind_text(st, 3, size);
    int rc = SQLITE_DONE, found = 0;
    while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        kiln_db_row row;
        read_row(st, &row);
        char err[256] = "";
        int ok = vouch ? vouch(user, &row, err, sizeof err) : 1;
        if (ok < 0) {
            snprintf(db->errmsg, sizeof db->errmsg, "%s: %s", what, err);
            kiln_db_row_free(&row);
            found = -1;
            break;
        }
        if (ok && out)
            *out = row;
        else
            kiln_db_row_free(&row);
        found = ok;
    }
    if (!found && rc != SQLITE_DONE)
        found = db_fail(db, what);
    sqlite3_finalize(st);
    return found;
}

int kiln_db_foreach(kiln_db *db, const char *kernel, const char *device_fp, const char *size,
                    int (*cb)(void *user, const kiln_db_row *row), void *user)
{
    const char *what = "reading results";
    sqlite3_stmt *st = prepare_rows(db,
                               "WHERE (?1 IS NULL OR r.kernel = ?1) AND (?2 IS NULL OR d.fingerprint = ?2)"
                               " AND (?3 IS NULL OR r.size = ?3) ORDER BY r.id",
                               what);
    if (!st)
        return -1;
    bind_text(st, 1, kernel);
    bind_text(st, 2, device_fp);
    bind_text(st, 3, size);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        kiln_db_row row;
        read_row(st, &row);
        int stop = cb(user, &row);
        kiln_db_row_free(&row);
        if (stop) {
            rc = SQLITE_DONE;
            break;
        }
    }
    int status = rc == SQLITE_DONE ? 0 : db_fail(db, what);
    sqlite3_finalize(st);
    return status;
}

/* ---- read-only opening ------------------------------------------------ */

/* For show, best, export and the application lookup API: the database may
 * ship read-only with an application or belong to another user, so nothing is
 * created, migrated or written, not even an empty file. Without a -wal file
 * every committed result is in the main file and it is read as immutable:
 * SQLite then needs no -shm and no lock, which a read-only directory could not
 * give (sqlite.org/wal.html, "Read-Only Databases"). With a -wal file a tuner
 * may be writing: it is opened normally, read-only, to see its latest rows. */
kiln_db *kiln_db_open_readonly(const char *path, char *err, size_t errlen)
{
    if (!path || !*path)
        path = kiln_db_default_path();
    struct stat sb;
    if (stat(path, &sb) != 0) {
        kiln_tuner_errf(err, errlen, "no kiln database at %s (%s)", path, strerror(errno));
        return NULL;
    }
    if (S_ISREG(sb.st_mode) && sb.st_size == 0) {
        kiln_tuner_errf(err, errlen, "%s is empty, not a kiln database", path);
        return NULL;
    }
    size_t plen = strlen(path);
    char *side = malloc(plen + 5);
    if (!side) {
        kiln_tuner_errf(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(side, path, plen);
    memcpy(side + plen, "-wal", 5);
    int has_wal = stat(side, &sb) == 0;
    memcpy(side + plen, "-shm", 5);
    int has_shm = stat(side, &sb) == 0;
    free(side);
    if (has_wal && !has_shm) {
        /* Left by a writer that was killed: SQLite must create the -shm file to read the log. */
        sqlite3 *h = NULL;
        int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(h, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
        sqlite3_close(h);
        if ((rc & 0xff) == SQLITE_CANTOPEN) {
            kiln_tuner_errf(err, errlen,
                            "%s cannot be read: its write-ahead log (%s-wal) holds results, and reading it needs a"
                            " %s-shm file that this user cannot create there; its owner can fold the log in"
                            " (sqlite3 %s 'PRAGMA wal_checkpoint(TRUNCATE)'), or copy the database and its -wal"
                            " file elsewhere",
                            path, path, path, path);
            return NULL;
        }
    }
    if (check_existing(path, err, errlen) < 0)
        return NULL;

    kiln_db *db = calloc(1, sizeof *db);
    if (!db) {
        kiln_tuner_errf(err, errlen, "out of memory");
        return NULL;
    }
    char *uri = has_wal ? NULL : immutable_uri(path);
    int rc = uri ? sqlite3_open_v2(uri, &db->h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL)
                 : sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READONLY, NULL);
    free(uri);
    file_kind kind;
    int version = 0;
    char detail[256] = "";
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db->h, DB_BUSY_TIMEOUT_MS);
        sqlite3_extended_result_codes(db->h, 1);
        rc = inspect(db->h, &kind, &version, detail, sizeof detail) == 0 ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc != SQLITE_OK) {
        kiln_tuner_errf(err, errlen, "%s: cannot open read-only: %s%s", path,
                        detail[0] ? detail : db->h ? sqlite3_errmsg(db->h) : "out of memory",
                        has_wal ? " (its -wal file needs a writable directory or an existing -shm file)" : "");
        goto fail;
    }
    if (kind != FILE_KILN) {
        kiln_tuner_errf(err, errlen, "%s is not a kiln database (%s)", path, detail[0] ? detail : "no tables");
        goto fail;
    }
    if (version != DB_SCHEMA_VERSION) {
        kiln_tuner_errf(err, errlen,
                        "%s has kiln database schema version %d and this kiln (%s) reads version %d;"
                        " a command that writes (kiln tune) upgrades it",
                        path, version, KILN_VERSION, DB_SCHEMA_VERSION);
        goto fail;
    }
    return db;
fail:
    sqlite3_close(db->h);
    free(db);
    return NULL;
}

/* ---- the fallback of `best` and the lookup API ------------------------ */

/* The sizes of a kernel's current correct results (on one device, or any),
 * nearest `size` first: by the ratio of element counts (a tuned 4096 is as
 * near 2048 as 1024 is; the larger wins a tie), then by name. */
typedef struct size_rank {
    char *size;
    double distance, volume;
} size_rank;

static double size_volume(const char *text)
{
    kiln_size s;
    if (kiln_size_parse(text, &s) != 0)
        return -1;
    double v = 1;
    for (int i = 0; i < s.ndims; i++)
        v *= (double)s.d[i];
    return v;
}

static int size_rank_cmp(const void *a, const void *b)
{
    const size_rank *x = a, *y = b;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    if (x->volume != y->volume)
        return x->volume > y->volume ? -1 : 1;
    return strcmp(x->size, y->size);
}

static void size_ranks_free(size_rank *r, int n)
{
    for (int i = 0; i < n; i++)
        free(r[i].size);
    free(r);
}

/* -1 on error; else the count of sizes in *out (sorted, malloc'ed). */
static int sizes_nearest(kiln_db *db, const char *kernel, const char *device_fp, const char *size, size_rank **out)
{
    const char *what = "listing the tuned sizes";
    *out = NULL;
    double want = size_volume(size);
    if (want <= 0) {
        snprintf(db->errmsg, sizeof db->errmsg, "%s: bad size '%s': expected N, NxM or NxMxK", what, size);
        return -1;
    }
    sqlite3_stmt *st = prepare(db,
                               "SELECT DISTINCT r.size FROM results r JOIN devices d ON d.id = r.device"
                               " WHERE r.kernel = ?1 AND r.verdict = 'ok' AND r.median_ns IS NOT NULL"
                               " AND r.superseded_by IS NULL AND (?2 IS NULL OR d.fingerprint = ?2)",
                               what);
    if (!st)
        return -1;
    bind_text(st, 1, kernel);
    bind_text(st, 2, device_fp);
    int n = 0, cap = 0, rc;
    size_rank *ranks = NULL;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *text = column_dup(st, 0);
        double v = text ? size_volume(text) : -1;
        if (v <= 0) { /* not a size kiln writes: never an answer */
            free(text);
            continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            size_rank *grown = realloc(ranks, (size_t)cap * sizeof *ranks);
            if (!grown) {
                free(text);
                rc = SQLITE_NOMEM;
                break;
            }
            ranks = grown;
        }
        ranks[n++] = (size_rank){text, fabs(log(v / want)), v};
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        size_ranks_free(ranks, n);
        snprintf(db->errmsg, sizeof db->errmsg, "%s: %s", what, rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(db->h));
        return -1;
    }
    if (n > 1)
        qsort(ranks, (size_t)n, sizeof *ranks, size_rank_cmp);
    *out = ranks;
    return n;
}

/* The best vouched row at the size nearest `size` (the exact size excluded:
 * the level before looked there). 1 found, 0 none, -1 error. */
static int best_nearest(kiln_db *db, const char *kernel, const char *device_fp, const char *size,
                        kiln_db_vouch_fn vouch, void *user, kiln_db_row *out)
{
    size_rank *ranks;
    int n = sizes_nearest(db, kernel, device_fp, size, &ranks);
    int found = n < 0 ? -1 : 0;
    for (int i = 0; i < n && found == 0; i++)
        if (strcmp(ranks[i].size, size) != 0)
            found = kiln_db_best_vouched(db, kernel, device_fp, ranks[i].size, vouch, user, out);
    size_ranks_free(ranks, n > 0 ? n : 0);
    return found;
}

int kiln_db_best_fallback(kiln_db *db, const char *kernel, const char *device_fp, const char *size,
                          kiln_db_vouch_fn vouch, void *user, kiln_db_row *out, kiln_provenance *from)
{
    *from = KILN_FROM_DEFAULT;
    if (size && !*size)
        size = NULL;
    if (device_fp && !*device_fp)
        device_fp = NULL;
    /* Without a size any size is this size; without a device any device is this one. */
    const struct {
        kiln_provenance from;
        int this_device, nearest;
    } levels[] = {
        {KILN_FROM_EXACT, 1, 0},
        {KILN_FROM_NEAREST_SIZE, 1, 1},
        {KILN_FROM_OTHER_DEVICE, 0, 0},
        {KILN_FROM_OTHER_DEVICE_SIZE, 0, 1},
    };
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        if ((levels[i].nearest && !size) || (!levels[i].this_device && !device_fp))
            continue;
        const char *fp = levels[i].this_device ? device_fp : NULL;
        int found = levels[i].nearest ? best_nearest(db, kernel, fp, size, vouch, user, out)
                                      : kiln_db_best_vouched(db, kernel, fp, size, vouch, user, out);
        if (found != 0) {
            if (found > 0)
                *from = levels[i].from;
            return found;
        }
    }
    return 0;
}

const char *kiln_provenance_name(kiln_provenance p)
{
    static const char *const names[] = {
        [KILN_FROM_EXACT] = "exact",
        [KILN_FROM_NEAREST_SIZE] = "nearest size",
        [KILN_FROM_OTHER_DEVICE] = "other device",
        [KILN_FROM_OTHER_DEVICE_SIZE] = "other device, nearest size",
        [KILN_FROM_DEFAULT] = "default",
    };
    return (int)p >= 0 && (size_t)p < sizeof names / sizeof names[0] ? names[p] : "unknown";
}

int kiln_db_device_named(kiln_db *db, const char *name, char fp[17])
{
    const char *what = "looking up the device";
    sqlite3_stmt *st = prepare(db,
                               "SELECT fingerprint FROM devices WHERE fingerprint = ?1"
                               " OR instr(lower(name), lower(?1)) > 0 OR instr(lower(platform), lower(?1)) > 0"
                               " ORDER BY fingerprint = ?1 DESC, instr(lower(name), lower(?1)) = 0, id DESC LIMIT 1",
                               what);
    if (!st)
        return -1;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        snprintf(fp, 17, "%s", (const char *)sqlite3_column_text(st, 0));
        found = 1;
    } else if (rc != SQLITE_DONE) {
        found = db_fail(db, what);
    }
    sqlite3_finalize(st);
    return found;
}

int kiln_db_variant_source(kiln_db *db, const char *kernel, const char *source_hash, char **lang, char **source)
{
    const char *what = "reading a variant's source";
    *lang = *source = NULL;
    sqlite3_stmt *st = prepare(db, "SELECT lang, source FROM kernels WHERE name = ?1 AND source_hash = ?2", what);
    if (!st)
        return -1;
    bind_text(st, 1, kernel);
    bind_text(st, 2, source_hash);
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 1) != SQLITE_NULL) {
        *lang = column_dup(st, 0);
        *source = column_dup(st, 1);
        found = *source ? 1 : db_fail(db, what);
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        found = db_fail(db, what);
    }
    sqlite3_finalize(st);
    return found;
}
