/*
 * test_db_readonly.c: the lookup API on a database it must not change.
 * kiln_db_open_readonly reads a kiln database in a read-only file and
 * directory and answers kiln_db_best; it creates nothing (no database, no
 * -wal, no -shm), refuses a missing, empty or foreign file untouched, and a
 * write through its handle fails.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "files.h"
#include "kiln/tuner.h"

static char dir[512];

static const char *in_dir(const char *name)
{
    return path_in(dir, name);
}

static off_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_size : -1;
}

static kiln_result result(int64_t device, const char *config, double median_ns)
{
    kiln_result r;
    memset(&r, 0, sizeof r);
    r.device_id = device;
    r.kernel = "lookup";
    r.lang = "c";
    r.size = "1024";
    r.config_json = config;
    r.source_hash = "0123456789abcdef";
    r.verdict = KILN_OK;
    r.time.median_ns = r.time.min_ns = r.time.max_ns = median_ns;
    r.time.samples = 5;
    r.worst_index = -1;
    return r;
}

/* A kiln database with two results, written and closed (checkpointed). */
static void make_database(const char *path)
{
    char err[512] = "";
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    if (!db)
        exit(1);
    kiln_device_info dev;
    memset(&dev, 0, sizeof dev);
    snprintf(dev.backend, sizeof dev.backend, "host");
    snprintf(dev.name, sizeof dev.name, "test device");
    snprintf(dev.fingerprint, sizeof dev.fingerprint, "feedfacefeedface");
    int64_t device = kiln_db_device(db, &dev);
    CHECK(device > 0);
    kiln_result slow = result(device, "{\"x\":1}", 2000), fast = result(device, "{\"x\":2}", 1000);
    CHECK(kiln_db_result_add(db, &slow) == 0);
    CHECK(kiln_db_result_add(db, &fast) == 0);
    kiln_db_close(db);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/test_db_readonly.XXXXXX", KILN_BINARY_DIR);
    if (!mkdtemp(dir))
        SKIP("cannot create a directory in the build tree: %s", strerror(errno));
    const char *path = in_dir("kiln.db");
    make_database(path);
    CHECK(!file_exists(in_dir("kiln.db-wal")));
    off_t size = file_size(path);
    CHECK(chmod(path, 0444) == 0);
    CHECK(chmod(dir, 0555) == 0);

    char err[512] = "";
    kiln_db *db = kiln_db_open_readonly(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    if (db) {
        kiln_db_row row;
        CHECK(kiln_db_best(db, "lookup", "feedfacefeedface", "1024", &row) == 1);
        CHECK(row.config_json && strcmp(row.config_json, "{\"x\":2}") == 0);
        kiln_db_row_free(&row);
        /* Nothing is written through a read-only handle, whoever runs it (root included). */
        kiln_result extra = result(1, "{\"x\":3}", 500);
        CHECK(kiln_db_result_add(db, &extra) == -1);
        CHECK_STR_CONTAINS(kiln_db_errmsg(db), "readonly");
        CHECK(!file_exists(in_dir("kiln.db-wal")) && !file_exists(in_dir("kiln.db-shm")));
        kiln_db_close(db);
    }
    CHECK(file_size(path) == size);
    CHECK(!file_exists(in_dir("kiln.db-wal")) && !file_exists(in_dir("kiln.db-shm")));
    CHECK(chmod(dir, 0755) == 0);

    /* Missing, empty, foreign: refused, and nothing created or written. */
    CHECK(kiln_db_open_readonly(in_dir("none.db"), err, sizeof err) == NULL);
    CHECK_STR_CONTAINS((const char *)err, "no kiln database");
    CHECK(!file_exists(in_dir("none.db")));
    FILE *f = fopen(in_dir("empty.db"), "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    CHECK(kiln_db_open_readonly(in_dir("empty.db"), err, sizeof err) == NULL);
    CHECK_STR_CONTAINS((const char *)err, "is empty, not a kiln database");
    CHECK(file_size(in_dir("empty.db")) == 0);
    f = fopen(in_dir("notes.db"), "w");
    if (f) {
        fputs("notes\n", f);
        fclose(f);
    }
    CHECK(kiln_db_open_readonly(in_dir("notes.db"), err, sizeof err) == NULL);
    CHECK_STR_CONTAINS((const char *)err, "not a kiln database");
    CHECK(file_size(in_dir("notes.db")) == 6);

    const char *files[] = {"kiln.db", "empty.db", "notes.db"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(in_dir(files[i]));
    rmdir(dir);
    CHECK_DONE();
}
