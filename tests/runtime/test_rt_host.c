/*
 * test_rt_host: the host-C backend with hand-written entry points (the
 * contract of kiln/gen.h): build, run, cache, compile errors, a kernel that
 * crashes and one that hangs, and timing. Runs happen in a persistent worker
 * process: a kernel that reports its process id shows when the worker is kept
 * and when it is replaced, and the worker's /proc maps show buffers handed
 * over and let go. KILN_HOST_WORKER=0 (a fork per run) is checked as well.
 */
#include <signal.h>
#include <time.h>
#include "check.h"
#include "kiln/runtime.h"
#include "rt_test_util.h"

#define N 4096

static const char *saxpy_src =
    "#include <stddef.h>\n"
    "void saxpy_entry(void *const *args, const size_t *global, const size_t *local)\n"
    "{\n"
    "    const int n = *(const int *)args[0];\n"
    "    const float a = *(const float *)args[1];\n"
    "    const float *x = args[2];\n"
    "    float *y = args[3];\n"
    "    for (size_t g = 0; g < global[0]; g += local[0])\n"
    "        for (size_t l = 0; l < local[0]; l++) {\n"
    "            size_t i = g + l;\n"
    "            if (i < (size_t)n)\n"
    "                y[i] = a * x[i] + y[i];\n"
    "        }\n"
    "}\n";

static const char *omp_src =
    "#include <stddef.h>\n"
    "void twice_entry(void *const *args, const size_t *global, const size_t *local)\n"
    "{\n"
    "    double *v = args[0];\n"
    "    (void)local;\n"
    "    #pragma omp parallel for\n"
    "    for (long i = 0; i < (long)global[0]; i++)\n"
    "        v[i] = 2.0 * v[i];\n"
    "}\n";

/* Writes the id of the process that runs it into args[0][0]. */
static const char *pid_src =
    "#include <stddef.h>\n"
    "#include <unistd.h>\n"
    "void pid_entry(void *const *args, const size_t *global, const size_t *local)\n"
    "{\n"
    "    long long *out = args[0];\n"
    "    (void)global; (void)local;\n"
    "    out[0] = (long long)getpid();\n"
    "}\n";

static double wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Runs saxpy once on fresh inputs and checks y = a x + y against doubles. */
static void check_saxpy(kiln_rt *rt, kiln_program *prog, kiln_buf *x, kiln_buf *y, float a)
{
    static float hx[N], hy[N], out[N];
    double want[N];
    for (int i = 0; i < N; i++) {
        hx[i] = (float)i * 0.5f;
        hy[i] = 1.0f - (float)i;
        want[i] = (double)a * hx[i] + hy[i];
    }
    int n = N;
    CHECK(kiln_buf_write(rt, x, hx, sizeof hx) == 0);
    CHECK(kiln_buf_write(rt, y, hy, sizeof hy) == 0);
    CHECK(kiln_program_set_scalar(rt, prog, 0, &n, sizeof n) == 0);
    CHECK(kiln_program_set_scalar(rt, prog, 1, &a, sizeof a) == 0);
    CHECK(kiln_program_set_buf(rt, prog, 2, x) == 0);
    CHECK(kiln_program_set_buf(rt, prog, 3, y) == 0);
    kiln_geometry geo = {.dims = 1, .global = {N}, .local = {0}};
    double ns = -1;
    int rc = kiln_program_run(rt, prog, &geo, &ns);
    CHECK_MSG(rc == 0, "run: %s", kiln_rt_errmsg(rt));
    CHECK(ns > 0);
    kiln_poison(KILN_F32, out, N);
    CHECK(kiln_buf_read(rt, y, out, sizeof out) == 0);
    kiln_verify_report r;
    kiln_verify(KILN_F32, out, want, N, kiln_default_tolerance(KILN_F32), &r);
    CHECK_MSG(r.ok, "saxpy wrong: max_rel %g at %zu, nonfinite %zu", r.max_rel_err, r.worst_index,
              r.nonfinite);
}

/* Id of the process that ran prog (writing its pid into buf); -1 when the run failed. */
static long long run_pid(kiln_rt *rt, kiln_program *prog, kiln_buf *buf)
{
    long long pid = -1;
    kiln_geometry geo = {.dims = 1, .global = {1}};
    if (kiln_program_set_buf(rt, prog, 0, buf) != 0 || kiln_buf_write(rt, buf, &pid, sizeof pid) != 0)
        return -1;
    int rc = kiln_program_run(rt, prog, &geo, NULL);
    CHECK_MSG(rc == 0, "pid run: %s", kiln_rt_errmsg(rt));
    if (rc != 0 || kiln_buf_read(rt, buf, &pid, sizeof pid) != 0)
        return -1;
    return pid;
}

/* Distinct kiln buffers (memfd "kiln-buf-N") mapped by process pid; -1 if unreadable. */
static int mapped_kiln_bufs(long long pid)
{
    char path[64], line[1024], seen[64][32];
    int n = 0;
    snprintf(path, sizeof path, "/proc/%lld/maps", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        const char *at = strstr(line, "kiln-buf-");
        if (!at)
            continue;
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(at, " \n"), at);
        int known = 0;
        for (int i = 0; i < n; i++)
            known |= strcmp(seen[i], name) == 0;
        if (!known && n < 64)
            snprintf(seen[n++], sizeof seen[0], "%s", name);
    }
    fclose(f);
    return n;
}

/* The worker: one process for many runs, handed buffers made after it
 * started, letting go of freed ones, replaced after a crash or a timeout. */
static void check_worker(kiln_rt *rt, kiln_program *saxpy, kiln_buf *x, kiln_buf *y)
{
    kiln_program *pid = kiln_program_build(rt, pid_src, "pid", NULL, NULL);
    kiln_program *boom = kiln_program_build(rt, crash_source(), "boom", NULL, NULL);
    kiln_program *hang = kiln_program_build(rt, hang_source(), "hang", NULL, NULL);
    CHECK_MSG(pid && boom && hang, "build: %s", kiln_rt_errmsg(rt));
    kiln_buf *out = kiln_buf_new(rt, sizeof(long long));
    CHECK(out != NULL);
    if (!pid || !boom || !hang || !out)
        goto done;
    kiln_geometry one = {.dims = 1, .global = {1}};

    /* no time limit: still not this process, and the same worker run after run */
    CHECK(kiln_rt_set_timeout(rt, 0) == 0);
    long long w1 = run_pid(rt, pid, out);
    CHECK(w1 > 0 && w1 != (long long)getpid());
    CHECK(run_pid(rt, pid, out) == w1);
    CHECK(kiln_rt_set_timeout(rt, 60000) == 0);
    CHECK(run_pid(rt, pid, out) == w1);
    check_saxpy(rt, saxpy, x, y, 1.5f); /* another program in between */
    CHECK(run_pid(rt, pid, out) == w1);

    /* a buffer made after the worker started reaches it, and goes when freed */
    int before = mapped_kiln_bufs(w1);
    CHECK_MSG(before >= 3, "worker maps %d kiln buffers", before); /* x, y, out */
    kiln_buf *late = kiln_buf_new(rt, 1 << 20);
    CHECK(late != NULL);
    if (late) {
        CHECK(run_pid(rt, pid, late) == w1);
        CHECK(mapped_kiln_bufs(w1) == before + 1);
        CHECK(kiln_program_set_buf(rt, pid, 0, out) == 0);
        kiln_buf_free(rt, late);
        CHECK(run_pid(rt, pid, out) == w1); /* the release is handled before this run */
        CHECK(mapped_kiln_bufs(w1) == before);
    }

    /* a freed buffer still set as an argument is refused, not run */
    kiln_buf *gone = kiln_buf_new(rt, sizeof(long long));
    CHECK(gone && kiln_program_set_buf(rt, pid, 0, gone) == 0);
    kiln_buf_free(rt, gone);
    CHECK(kiln_program_run(rt, pid, &one, NULL) == KILN_RT_ERROR);
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "freed");

    /* a crash ends the worker, the next run gets a new one that has everything */
    CHECK(kiln_program_run(rt, boom, &one, NULL) == KILN_RT_CRASHED);
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "signal 11");
    long long w2 = run_pid(rt, pid, out);
    CHECK(w2 > 0 && w2 != w1);
    check_saxpy(rt, saxpy, x, y, -0.5f);
    CHECK(run_pid(rt, pid, out) == w2);

    /* so does a timeout */
    CHECK(kiln_rt_set_timeout(rt, 100) == 0);
    CHECK(kiln_program_run(rt, hang, &one, NULL) == KILN_RT_TIMEOUT);
    CHECK(kiln_rt_set_timeout(rt, 60000) == 0);
    long long w3 = run_pid(rt, pid, out);
    CHECK(w3 > 0 && w3 != w2);

    /* without a time limit a crash is reported as well (the caller survives) */
    CHECK(kiln_rt_set_timeout(rt, 0) == 0);
    CHECK(kiln_program_run(rt, boom, &one, NULL) == KILN_RT_CRASHED);
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "signal 11");
    CHECK(run_pid(rt, pid, out) > 0);

    /* another runtime's worker maps its own buffers only, not this one's */
    char err[512];
    kiln_rt *other = kiln_rt_open("host", err, sizeof err);
    CHECK_MSG(other != NULL, "second host runtime: %s", err);
    if (other) {
        CHECK(kiln_rt_set_compiler(other, "cc", "-O2") == 0);
        kiln_program *opid = kiln_program_build(other, pid_src, "pid", NULL, NULL);
        kiln_buf *oout = kiln_buf_new(other, sizeof(long long));
        CHECK(opid && oout);
        if (opid && oout) {
            long long wo = run_pid(other, opid, oout);
            CHECK(wo > 0 && wo != run_pid(rt, pid, out));
            CHECK_MSG(mapped_kiln_bufs(wo) == 1, "other worker maps %d kiln buffers",
                      mapped_kiln_bufs(wo));
        }
        kiln_buf_free(other, oout);
        kiln_program_free(other, opid);
        kiln_rt_close(other);
    }
done:
    kiln_buf_free(rt, out);
    kiln_program_free(rt, pid);
    kiln_program_free(rt, boom);
    kiln_program_free(rt, hang);
}

/* KILN_HOST_WORKER=0: a child forked per run under a time limit, else a direct call. */
static void check_fork_per_run(void)
{
    setenv("KILN_HOST_WORKER", "0", 1);
    char err[512];
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    unsetenv("KILN_HOST_WORKER");
    CHECK_MSG(rt != NULL, "open host: %s", err);
    if (!rt)
        return;
    CHECK(kiln_rt_set_compiler(rt, "cc", "-O2") == 0);
    kiln_program *pid = kiln_program_build(rt, pid_src, "pid", NULL, NULL);
    kiln_program *boom = kiln_program_build(rt, crash_source(), "boom", NULL, NULL);
    kiln_buf *out = kiln_buf_new(rt, sizeof(long long));
    CHECK_MSG(pid && boom && out, "%s", kiln_rt_errmsg(rt));
    if (pid && boom && out) {
        CHECK(run_pid(rt, pid, out) == (long long)getpid());
        CHECK(kiln_rt_set_timeout(rt, 60000) == 0);
        long long c1 = run_pid(rt, pid, out), c2 = run_pid(rt, pid, out);
        CHECK(c1 > 0 && c2 > 0 && c1 != c2 && c1 != (long long)getpid());
        kiln_geometry one = {.dims = 1, .global = {1}};
        CHECK(kiln_program_run(rt, boom, &one, NULL) == KILN_RT_CRASHED);
        CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "signal 11");
        CHECK(run_pid(rt, pid, out) > 0);
    }
    kiln_buf_free(rt, out);
    kiln_program_free(rt, pid);
    kiln_program_free(rt, boom);
    kiln_rt_close(rt);
}

int main(void)
{
    char cache[512];
    if (!test_cache_dir(cache, sizeof cache))
        SKIP("cannot create a temp folder");
    char err[512];
    kiln_rt *rt = kiln_rt_open("HOST", err, sizeof err);
    CHECK_MSG(rt != NULL, "open host: %s", err);
    if (!rt)
        CHECK_DONE();
    const kiln_device_info *info = kiln_rt_device(rt);
    CHECK(strcmp(info->backend, "host") == 0 && strcmp(info->platform, "host") == 0);
    CHECK(info->name[0] != '\0' && info->driver[0] != '\0');
    CHECK(info->compute_units >= 1 && info->platform_index == -1);
    CHECK(is_hex16(info->fingerprint));
    CHECK(kiln_rt_lang(rt) == KILN_LANG_C);
    CHECK(kiln_rt_can_cancel(rt) == 1);

    /* Plain -O2: valgrind cannot run every instruction -march=native may pick. */
    char old_fp[17];
    memcpy(old_fp, info->fingerprint, sizeof old_fp);
    CHECK(kiln_rt_set_compiler(rt, "cc", "-O2") == 0);
    CHECK(strcmp(info->fingerprint, old_fp) == 0); /* same compiler, same device */

    kiln_buf *x = kiln_buf_new(rt, N * sizeof(float));
    kiln_buf *y = kiln_buf_new(rt, N * sizeof(float));
    CHECK(x && y);

    /* build, run, check; the object lands in the cache */
    char *log = NULL;
    kiln_program *saxpy = kiln_program_build(rt, saxpy_src, "saxpy", "-DUNUSED=1", &log);
    CHECK_MSG(saxpy != NULL, "build: %s\n%s", kiln_rt_errmsg(rt), log ? log : "");
    CHECK(log != NULL);
    free(log);
    char so_path[1024];
    CHECK(count_entries(cache, ".so", so_path, sizeof so_path) == 1);
    ino_t first_inode = inode_of(so_path);
    if (saxpy)
        check_saxpy(rt, saxpy, x, y, 2.5f);

    /* the same build again is a cache hit: the entry is not rewritten */
    kiln_program *again = kiln_program_build(rt, saxpy_src, "saxpy", "-DUNUSED=1", NULL);
    CHECK_MSG(again != NULL, "cached build: %s", kiln_rt_errmsg(rt));
    CHECK(count_entries(cache, ".so", NULL, 0) == 1 && inode_of(so_path) == first_inode);
    if (again)
        check_saxpy(rt, again, x, y, -1.0f);
    kiln_program_free(rt, again);

    /* other options make another entry */
    again = kiln_program_build(rt, saxpy_src, "saxpy", "-DUNUSED=2", NULL);
    CHECK(again != NULL && count_entries(cache, ".so", NULL, 0) == 2);
    kiln_program_free(rt, again);

    /* a corrupt cache entry is rebuilt, not trusted (in a cache of its own, as a
     * loaded object's path would be served from memory by dlopen) */
    char cache2[512];
    if (test_cache_dir(cache2, sizeof cache2)) {
        again = kiln_program_build(rt, saxpy_src, "saxpy", NULL, NULL);
        kiln_program_free(rt, again);
        char entry[1024];
        CHECK(count_entries(cache2, ".so", entry, sizeof entry) == 1);
        unlink(entry);
        FILE *f = fopen(entry, "w");
        if (f) {
            fputs("not an object", f);
            fclose(f);
        }
        again = kiln_program_build(rt, saxpy_src, "saxpy", NULL, NULL);
        CHECK_MSG(again != NULL, "rebuild over a corrupt entry: %s", kiln_rt_errmsg(rt));
        if (again)
            check_saxpy(rt, again, x, y, 0.5f);
        kiln_program_free(rt, again);
        remove_dir(cache2);
        setenv("KILN_CACHE_DIR", cache, 1);
    }

    /* a compile error: NULL, and the log says what went wrong */
    log = NULL;
    kiln_program *bad = kiln_program_build(rt, "void broken_entry(void) { int x = ; }\n", "broken",
                                           NULL, &log);
    CHECK(bad == NULL);
    CHECK_STR_CONTAINS(log, "error");
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "compiler exited with status");
    free(log);

    /* the entry point is missing: a clear dlsym message */
    bad = kiln_program_build(rt, saxpy_src, "nosuch", NULL, NULL);
    CHECK(bad == NULL);
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "nosuch_entry");

    /* argument checking */
    if (saxpy) {
        kiln_geometry geo = {.dims = 0, .global = {N}};
        CHECK(kiln_program_run(rt, saxpy, &geo, NULL) == KILN_RT_ERROR);
        CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "dims");
        geo = (kiln_geometry){.dims = 1, .global = {N}, .local = {100}};
        CHECK(kiln_program_run(rt, saxpy, &geo, NULL) == KILN_RT_ERROR);
        CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "not a multiple");
        static float big[N + 1];
        CHECK(kiln_buf_write(rt, x, big, sizeof big) == KILN_RT_ERROR);
        CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "buffer holds");
    }
    CHECK(kiln_rt_set_timeout(rt, -5) == KILN_RT_ERROR);

    /* OpenMP in the source turns -fopenmp on */
    kiln_program *twice = kiln_program_build(rt, omp_src, "twice", NULL, NULL);
    CHECK_MSG(twice != NULL, "openmp build: %s", kiln_rt_errmsg(rt));
    if (twice) {
        double hv[1000], want[1000];
        for (int i = 0; i < 1000; i++) {
            hv[i] = i;
            want[i] = 2.0 * i;
        }
        kiln_buf *v = kiln_buf_new(rt, sizeof hv);
        CHECK(v && kiln_buf_write(rt, v, hv, sizeof hv) == 0);
        CHECK(kiln_program_set_buf(rt, twice, 0, v) == 0);
        kiln_geometry geo = {.dims = 1, .global = {1000}, .local = {10}};
        CHECK(kiln_program_run(rt, twice, &geo, NULL) == 0);
        CHECK(kiln_buf_read(rt, v, hv, sizeof hv) == 0);
        kiln_verify_report r;
        kiln_verify(KILN_F64, hv, want, 1000, 1e-12, &r);
        CHECK(r.ok);
        /* again in a child, after this process already ran OpenMP threads */
        CHECK(kiln_rt_set_timeout(rt, 60000) == 0); /* generous: valgrind and a busy machine */
        int rc = kiln_program_run(rt, twice, &geo, NULL);
        CHECK_MSG(rc == 0, "openmp in a child: %s", kiln_rt_errmsg(rt));
        CHECK(kiln_rt_set_timeout(rt, 0) == 0);
        CHECK(kiln_buf_read(rt, v, hv, sizeof hv) == 0);
        for (int i = 0; i < 1000; i++)
            want[i] *= 2.0;
        kiln_verify(KILN_F64, hv, want, 1000, 1e-12, &r);
        CHECK(r.ok);
        kiln_buf_free(rt, v);
        kiln_program_free(rt, twice);
    }

    /* timing: warm-up, then between min_reps and max_reps samples */
    if (saxpy) {
        kiln_geometry geo = {.dims = 1, .global = {N}};
        kiln_time_opts o = {.warmup = 2, .min_reps = 5, .max_reps = 20, .budget_ms = 1.0};
        kiln_time_stats s;
        int rc = kiln_program_time(rt, saxpy, &geo, &o, &s);
        CHECK_MSG(rc == 0, "time: %s", kiln_rt_errmsg(rt));
        CHECK_MSG(s.samples >= 5 && s.samples <= 20, "samples %d", s.samples);
        CHECK(s.min_ns > 0 && s.min_ns <= s.median_ns && s.median_ns <= s.max_ns);
        o.max_reps = 2; /* below min_reps */
        CHECK(kiln_program_time(rt, saxpy, &geo, &o, &s) == KILN_RT_ERROR);
        CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "min_reps");
    }

    /* with a time limit, runs happen in a child: a crash is reported, not suffered */
    CHECK(kiln_rt_set_timeout(rt, 60000) == 0);
    kiln_program *boom = kiln_program_build(rt, crash_source(), "boom", NULL, NULL);
    CHECK_MSG(boom != NULL, "build boom: %s", kiln_rt_errmsg(rt));
    if (boom) {
        kiln_geometry geo = {.dims = 1, .global = {1}};
        double ns = -1;
        CHECK(kiln_program_run(rt, boom, &geo, &ns) == KILN_RT_CRASHED);
        CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "signal 11");
        CHECK(ns == 0);
        kiln_program_free(rt, boom);
    }
    /* ... and the runtime still works, with results crossing back from the child */
    if (saxpy)
        check_saxpy(rt, saxpy, x, y, 3.0f);

    /* a hang is cut at the limit */
    CHECK(kiln_rt_set_timeout(rt, 200) == 0);
    kiln_program *hang = kiln_program_build(rt, hang_source(), "hang", NULL, NULL);
    CHECK_MSG(hang != NULL, "build hang: %s", kiln_rt_errmsg(rt));
    if (hang) {
        kiln_geometry geo = {.dims = 1, .global = {1}};
        double t0 = wall_ms();
        CHECK(kiln_program_run(rt, hang, &geo, NULL) == KILN_RT_TIMEOUT);
        double took = wall_ms() - t0;
        CHECK_MSG(took >= 190 && took < 10000, "timeout took %g ms", took);
        CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "200 ms");
        kiln_program_free(rt, hang);
    }
    if (saxpy)
        check_saxpy(rt, saxpy, x, y, -2.0f);
    CHECK(kiln_rt_set_timeout(rt, 0) == 0);

    if (saxpy)
        check_worker(rt, saxpy, x, y);
    check_fork_per_run();
    CHECK(kiln_rt_set_timeout(rt, 0) == 0);

    /* the default flags (-O3 -march=native) build and run too */
    CHECK(kiln_rt_set_compiler(rt, NULL, NULL) == 0);
    kiln_program *native = kiln_program_build(rt, saxpy_src, "saxpy", NULL, NULL);
    CHECK_MSG(native != NULL, "default flags: %s", kiln_rt_errmsg(rt));
    /* valgrind cannot execute every instruction -march=native may choose (AVX-512) */
    const char *preload = getenv("LD_PRELOAD");
    if (native && !(preload && strstr(preload, "valgrind")))
        check_saxpy(rt, native, x, y, 1.25f);
    kiln_program_free(rt, native);
    /* a compiler that does not exist is refused up front */
    CHECK(kiln_rt_set_compiler(rt, "/nonexistent/kiln-cc", NULL) == KILN_RT_ERROR);
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "/nonexistent/kiln-cc");
    CHECK(kiln_rt_device(rt)->driver[0] != '\0'); /* the previous compiler stays */
    kiln_program *still = kiln_program_build(rt, saxpy_src, "saxpy", "-DSTILL", NULL);
    CHECK_MSG(still != NULL, "after a refused compiler: %s", kiln_rt_errmsg(rt));
    kiln_program_free(rt, still);

    kiln_program_free(rt, saxpy);
    kiln_buf_free(rt, x);
    kiln_buf_free(rt, y);
    kiln_rt_close(rt);
    remove_dir(cache);
    CHECK_DONE();
}
