/*
 * test_lookup.c: the application's run-time lookup (kiln/lookup.h), linked
 * against the shared libkiln as an application links it. Every fallback
 * level answers with the row the rules name (worked out by hand below, for a
 * database whose rows make each rule decide something: a fast result at a
 * small size that "nearest" must not pick, a tie between two sizes, a faster
 * wrong row); parameters read by name; the stored source comes back; the
 * fingerprint is kiln's; a read-only database in a read-only folder is read
 * without a file created; and a tuner holding the write lock neither blocks
 * the lookup nor is blocked by it.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "files.h"
#include "kiln/lookup.h"
#include "kiln/tuner.h"
#include "result_rows.h"

static char dir[512];

static const char *in_dir(const char *name)
{
    return path_in(dir, name);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A result of no run, without counters. */
static void add(kiln_db *db, const char *kernel, int64_t device, const char *size, const char *config,
                kiln_verdict verdict, double median_ns)
{
    add_result(db, 0, kernel, device, size, config, verdict, median_ns, NULL);
}

static int find_config(void *user, const kiln_db_row *row)
{
    if (strcmp(row->kernel, "conf") == 0 && strcmp(row->config_json, "{\"wg\":1}") == 0)
        *(int64_t *)user = row->id;
    return 0;
}

/* Device A ("Fast GPU") and B ("Slow CPU"), kernel saxpy:
 *   A 4096: wg=64 5000 ns, wg=128 3000, wg=256 1000 but wrong, wg=512 build error
 *   A 1024: wg=32 100 (fastest of A, at a small size)
 *   A 16384: wg=16 9000
 *   B 4096: wg=8 2000;  B 65536: wg=4 1500
 * kernel multi (three parameters, one negative) on A at 64, and kernel conf
 * on A at 4096: wg=1 3000 ns confirmed at 2500, wg=2 2000 never confirmed. */
static void make_database(const char *path)
{
    char err[512] = "";
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    if (!db)
        exit(1);
    int64_t a = add_device(db, "Fast GPU", "aaaaaaaaaaaaaaaa"), b = add_device(db, "Slow CPU", "bbbbbbbbbbbbbbbb");
    CHECK(a > 0 && b > 0);
    add(db, "saxpy", a, "4096", "{\"wg\":64}", KILN_OK, 5000);
    add(db, "saxpy", a, "4096", "{\"wg\":128}", KILN_OK, 3000);
    add(db, "saxpy", a, "4096", "{\"wg\":256}", KILN_WRONG, 1000);
    add(db, "saxpy", a, "4096", "{\"wg\":512}", KILN_BUILD_ERROR, -1);
    add(db, "saxpy", a, "1024", "{\"wg\":32}", KILN_OK, 100);
    add(db, "saxpy", a, "16384", "{\"wg\":16}", KILN_OK, 9000);
    add(db, "saxpy", b, "4096", "{\"wg\":8}", KILN_OK, 2000);
    add(db, "saxpy", b, "65536", "{\"wg\":4}", KILN_OK, 1500);
    add(db, "multi", a, "64", "{\"unroll\":4,\"vec\":-2,\"wg\":128}", KILN_OK, 700);
    add(db, "broken", a, "8", "{\"wg\":1}x", KILN_OK, 10);
    add(db, "broken", a, "16", "{\"wg\":\"a\"}", KILN_OK, 10);
    add(db, "conf", a, "4096", "{\"wg\":1}", KILN_OK, 3000);
    add(db, "conf", a, "4096", "{\"wg\":2}", KILN_OK, 2000);
    int64_t id = -1;
    CHECK(kiln_db_foreach(db, "conf", NULL, NULL, find_config, &id) == 0 && id > 0);
    CHECK(kiln_db_result_confirm(db, id, 2500, 10, 5, 0) == 0);
    CHECK(kiln_db_kernel_source(db, "saxpy", "cl", "00112233aabbccdd", "__kernel void saxpy(void) {}\n") > 0);
    kiln_db_close(db);
}

/* The answer to one question: provenance, wg, size and device of the row. */
static void expect(kiln_lookup *l, const char *device, const char *size, kiln_provenance from, long long wg,
                   const char *at_size, const char *on_device)
{
    kiln_choice *c = kiln_lookup_best(l, "saxpy", device, size);
    CHECK_MSG(c != NULL, "%s", kiln_lookup_errmsg(l));
    if (!c)
        return;
    CHECK_MSG(kiln_choice_provenance(c) == from, "device %s size %s: provenance '%s', expected '%s'",
              device ? device : "(any)", size ? size : "(any)", kiln_provenance_name(kiln_choice_provenance(c)),
              kiln_provenance_name(from));
    CHECK_MSG(kiln_choice_value(c, "wg", -1) == wg, "device %s size %s: wg %lld, expected %lld",
              device ? device : "(any)", size ? size : "(any)", kiln_choice_value(c, "wg", -1), wg);
    CHECK_MSG(strcmp(kiln_choice_size(c), at_size) == 0, "size %s: answered at %s, expected %s",
              size ? size : "(any)", kiln_choice_size(c), at_size);
    CHECK_MSG(strcmp(kiln_choice_device(c), on_device) == 0, "device %s: answered by %s", device ? device : "(any)",
              kiln_choice_device(c));
    kiln_choice_free(c);
}

static void test_fallback(kiln_lookup *l)
{
    expect(l, "aaaaaaaaaaaaaaaa", "4096", KILN_FROM_EXACT, 128, "4096", "Fast GPU"); /* the wrong 1000 ns never */
    expect(l, "fast gpu", "4096", KILN_FROM_EXACT, 128, "4096", "Fast GPU");         /* by part of its name */
    /* nearest size: 1024 and 4096 are both a factor 2 from 2048; the larger wins, not the faster */
    expect(l, "Fast", "2048", KILN_FROM_NEAREST_SIZE, 128, "4096", "Fast GPU");
    expect(l, "Fast", "12000", KILN_FROM_NEAREST_SIZE, 16, "16384", "Fast GPU");
    expect(l, "Fast", "1000", KILN_FROM_NEAREST_SIZE, 32, "1024", "Fast GPU");
    expect(l, "Fast", "32x32", KILN_FROM_NEAREST_SIZE, 32, "1024", "Fast GPU");      /* by element count */
    expect(l, "Slow CPU", "1024", KILN_FROM_NEAREST_SIZE, 8, "4096", "Slow CPU");
    /* a device never tuned: the fastest of the others at this size, then at the nearest */
    expect(l, "Quantum", "4096", KILN_FROM_OTHER_DEVICE, 8, "4096", "Slow CPU");
    expect(l, "Quantum", "60000", KILN_FROM_OTHER_DEVICE_SIZE, 4, "65536", "Slow CPU");
    expect(l, "cccccccccccccccc", "16384", KILN_FROM_OTHER_DEVICE, 16, "16384", "Fast GPU");
    /* no device: any device is this one; no size: any size is this one */
    expect(l, NULL, "4096", KILN_FROM_EXACT, 8, "4096", "Slow CPU");
    expect(l, "", "3000", KILN_FROM_NEAREST_SIZE, 8, "4096", "Slow CPU");
    expect(l, "Fast GPU", NULL, KILN_FROM_EXACT, 32, "1024", "Fast GPU");
    expect(l, "Quantum", "", KILN_FROM_OTHER_DEVICE, 32, "1024", "Fast GPU");

    /* nothing tuned: the caller's defaults */
    kiln_choice *c = kiln_lookup_best(l, "sgemm", "Fast GPU", "4096");
    CHECK(c != NULL);
    long long v = 5;
    CHECK(kiln_choice_provenance(c) == KILN_FROM_DEFAULT);
    CHECK(kiln_choice_value(c, "wg", 77) == 77 && kiln_choice_get(c, "wg", &v) == -1 && v == 5);
    CHECK(kiln_choice_count(c) == 0 && strcmp(kiln_choice_config_json(c), "{}") == 0);
    CHECK(kiln_choice_source(c) == NULL && kiln_choice_time_ns(c) < 0 && strcmp(kiln_choice_device(c), "") == 0);
    CHECK(strcmp(kiln_provenance_name(kiln_choice_provenance(c)), "default") == 0);
    kiln_choice_free(c);

    /* bad input: a clear error, no answer */
    CHECK(kiln_lookup_best(l, "saxpy", NULL, "12x") == NULL);
    CHECK_STR_CONTAINS(kiln_lookup_errmsg(l), "bad size '12x'");
    CHECK(kiln_lookup_best(l, "saxpy", NULL, "0") == NULL);
    CHECK(kiln_lookup_best(l, "", NULL, NULL) == NULL);
    CHECK_STR_CONTAINS(kiln_lookup_errmsg(l), "no kernel");
    /* a configuration that is not kiln's {"name":integer,...}: refused, not half read */
    CHECK(kiln_lookup_best(l, "broken", "Fast GPU", "8") == NULL);
    CHECK_STR_CONTAINS(kiln_lookup_errmsg(l), "a configuration kiln cannot read: {\"wg\":1}x");
    CHECK(kiln_lookup_best(l, "broken", "Fast GPU", "16") == NULL);
    CHECK_STR_CONTAINS(kiln_lookup_errmsg(l), "cannot read");
}

static void test_parameters(kiln_lookup *l)
{
    kiln_choice *c = kiln_lookup_best(l, "multi", "Fast GPU", "64");
    CHECK_MSG(c != NULL, "%s", kiln_lookup_errmsg(l));
    if (!c)
        return;
    long long v = 0;
    CHECK(kiln_choice_count(c) == 3);
    CHECK(kiln_choice_get(c, "vec", &v) == 0 && v == -2);
    CHECK(kiln_choice_value(c, "unroll", 1) == 4 && kiln_choice_value(c, "wg", 1) == 128);
    CHECK(kiln_choice_value(c, "un", 9) == 9 && kiln_choice_value(c, "wgx", 9) == 9); /* whole names only */
    CHECK(strcmp(kiln_choice_name(c, 0), "unroll") == 0 && kiln_choice_value_at(c, 2) == 128);
    CHECK(kiln_choice_name(c, 3) == NULL && kiln_choice_name(c, -1) == NULL);
    CHECK(kiln_choice_time_ns(c) == 700);
    CHECK(strcmp(kiln_choice_fingerprint(c), "aaaaaaaaaaaaaaaa") == 0);
    CHECK(kiln_choice_source(c) == NULL); /* multi's source was never stored */
    kiln_choice_free(c);

    c = kiln_lookup_best(l, "saxpy", "Fast GPU", "4096");
    CHECK(c && kiln_choice_source(c) && strcmp(kiln_choice_source(c), "__kernel void saxpy(void) {}\n") == 0);
    CHECK(c && kiln_choice_lang(c) && strcmp(kiln_choice_lang(c), "cl") == 0);
    kiln_choice_free(c);
}

/* Ranked as kiln best ranks: a confirmed median before any unconfirmed one. */
static void test_confirmed(kiln_lookup *l)
{
    kiln_choice *c = kiln_lookup_best(l, "conf", "Fast GPU", "4096");
    CHECK(c && kiln_choice_provenance(c) == KILN_FROM_EXACT);
    CHECK_MSG(c && kiln_choice_value(c, "wg", -1) == 1, "wg %lld", kiln_choice_value(c, "wg", -1));
    CHECK_MSG(c && kiln_choice_time_ns(c) == 2500, "time %g", kiln_choice_time_ns(c));
    kiln_choice_free(c);
}

/* A tuner holding the write lock (a transaction in flight) does not block
 * the lookup, which reads the last committed results; the tuner commits while
 * the lookup is open, and the next lookup sees it. */
static void test_concurrent_writer(const char *path)
{
    char err[512];
    kiln_db *writer = kiln_db_open(path, err, sizeof err); /* WAL: its -wal file stays while it is open */
    CHECK_MSG(writer != NULL, "%s", err);
    kiln_lookup *l = kiln_lookup_open(path, err, sizeof err);
    CHECK_MSG(l != NULL, "%s", err);
    sqlite3 *h = NULL;
    CHECK(sqlite3_open(path, &h) == SQLITE_OK);
    if (!writer || !l || !h)
        goto out;
    CHECK(sqlite3_exec(h, "BEGIN IMMEDIATE; UPDATE results SET median_ns = 1 WHERE kernel = 'saxpy'"
                          " AND config_json = '{\"wg\":64}'", NULL, NULL, NULL) == SQLITE_OK);
    double t0 = now_s();
    kiln_choice *c = kiln_lookup_best(l, "saxpy", "Fast GPU", "4096");
    double waited = now_s() - t0;
    CHECK_MSG(c != NULL, "%s", kiln_lookup_errmsg(l));
    CHECK_MSG(waited < 2, "the lookup waited %.1f s for the writer", waited);
    CHECK(c && kiln_choice_value(c, "wg", -1) == 128); /* not the uncommitted change */
    kiln_choice_free(c);
    CHECK_MSG(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(h));
    c = kiln_lookup_best(l, "saxpy", "Fast GPU", "4096");
    CHECK(c && kiln_choice_value(c, "wg", -1) == 64 && kiln_choice_time_ns(c) == 1);
    kiln_choice_free(c);
out:
    sqlite3_close(h);
    kiln_lookup_close(l);
    kiln_db_close(writer);
}

static int fnv_fingerprint_matches(const char *text, const char *fp)
{
    uint64_t h = 1469598103934665603ULL; /* 64-bit FNV-1a, written out here */
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    return strcmp(hex, fp) == 0;
}

static void test_fingerprint(void)
{
    char fp[17];
    CHECK(kiln_lookup_fingerprint("opencl", "Portable Computing Language", "cpu-haswell", "5.0", 2, fp) == 0);
    CHECK(strlen(fp) == 16 && fnv_fingerprint_matches("opencl|Portable Computing Language|cpu-haswell|5.0|2", fp));
    CHECK(kiln_lookup_fingerprint("opencl", NULL, "x", "y", 1, fp) == -1);
    /* the host device's, as the runtime computes it when it opens the device */
    char err[512];
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    CHECK_MSG(rt != NULL, "%s", err);
    if (rt) {
        const kiln_device_info *d = kiln_rt_device(rt);
        CHECK(kiln_lookup_fingerprint(d->backend, d->platform, d->name, d->driver, d->compute_units, fp) == 0);
        CHECK_MSG(strcmp(fp, d->fingerprint) == 0, "%s, the runtime says %s", fp, d->fingerprint);
        kiln_rt_close(rt);
    }
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/test_lookup.XXXXXX", KILN_BINARY_DIR);
    if (!mkdtemp(dir))
        SKIP("cannot create a directory in the build tree: %s", strerror(errno));
    const char *path = in_dir("kiln.db");
    make_database(path);
    test_fingerprint();

    /* shipped read-only: a read-only file in a read-only folder, nothing created */
    struct stat before, after;
    CHECK(stat(path, &before) == 0);
    CHECK(chmod(path, 0444) == 0 && chmod(dir, 0555) == 0);
    char err[512] = "";
    kiln_lookup *l = kiln_lookup_open(path, err, sizeof err);
    CHECK_MSG(l != NULL, "%s", err);
    if (l) {
        test_fallback(l);
        test_parameters(l);
        test_confirmed(l);
        kiln_lookup_close(l);
    }
    CHECK(!file_exists(in_dir("kiln.db-wal")) && !file_exists(in_dir("kiln.db-shm")));
    CHECK(stat(path, &after) == 0 && after.st_size == before.st_size && after.st_mtime == before.st_mtime);
    CHECK(chmod(dir, 0755) == 0 && chmod(path, 0644) == 0);
    test_concurrent_writer(path);

    CHECK(kiln_lookup_open(in_dir("none.db"), err, sizeof err) == NULL);
    CHECK_STR_CONTAINS((const char *)err, "no kiln database");
    CHECK(!file_exists(in_dir("none.db")));

    const char *files[] = {"kiln.db", "kiln.db-wal", "kiln.db-shm"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(in_dir(files[i]));
    rmdir(dir);
    CHECK_DONE();
}
