/*
 * test_rt_opencl: the OpenCL backend on whatever platform is installed (PoCL
 * here) with hand-written OpenCL C: listing, selection, build (and its
 * errors), run, profiling time, time limits, the binary cache. Skips (77)
 * only when no OpenCL device exists, and fails then where
 * KILN_REQUIRE_DEVICES=1.
 */
#include <ctype.h>
#include <time.h>
#include "check.h"
#include "kiln/runtime.h"
#include "rt_test_util.h"

#define N 4096

static double wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *saxpy_cl =
    "__kernel void saxpy(const int n, const float a, __global const float *x,\n"
    "                    __global float *y)\n"
    "{\n"
    "    int i = get_global_id(0);\n"
    "    if (i < n)\n"
    "        y[i] = a * x[i] + y[i];\n"
    "}\n";

/* Runs saxpy with the given local size and checks y = a x + y. */
static void check_saxpy(kiln_rt *rt, kiln_program *prog, size_t local, float a)
{
    static float hx[N], hy[N], out[N];
    double want[N];
    for (int i = 0; i < N; i++) {
        hx[i] = (float)i * 0.25f;
        hy[i] = 3.0f - (float)i;
        want[i] = (double)a * hx[i] + hy[i];
    }
    kiln_buf *x = kiln_buf_new(rt, sizeof hx), *y = kiln_buf_new(rt, sizeof hy);
    CHECK_MSG(x && y, "buffers: %s", kiln_rt_errmsg(rt));
    if (!x || !y) {
        kiln_buf_free(rt, x);
        kiln_buf_free(rt, y);
        return;
    }
    int n = N;
    CHECK(kiln_buf_write(rt, x, hx, sizeof hx) == 0);
    CHECK(kiln_buf_write(rt, y, hy, sizeof hy) == 0);
    CHECK(kiln_program_set_scalar(rt, prog, 0, &n, sizeof n) == 0);
    CHECK(kiln_program_set_scalar(rt, prog, 1, &a, sizeof a) == 0);
    CHECK(kiln_program_set_buf(rt, prog, 2, x) == 0);
    CHECK(kiln_program_set_buf(rt, prog, 3, y) == 0);
    kiln_geometry geo = {.dims = 1, .global = {N}, .local = {local}};
    double ns = -1;
    int rc = kiln_program_run(rt, prog, &geo, &ns);
    CHECK_MSG(rc == 0, "run: %s", kiln_rt_errmsg(rt));
    CHECK_MSG(ns > 0, "profiling time %g ns", ns);
    kiln_poison(KILN_F32, out, N);
    CHECK(kiln_buf_read(rt, y, out, sizeof out) == 0);
    kiln_verify_report r;
    kiln_verify(KILN_F32, out, want, N, kiln_default_tolerance(KILN_F32), &r);
    CHECK_MSG(r.ok, "saxpy wrong: max_rel %g at %zu, nonfinite %zu", r.max_rel_err, r.worst_index,
              r.nonfinite);
    kiln_buf_free(rt, x);
    kiln_buf_free(rt, y);
}

static void test_selectors(const kiln_device_info *first)
{
    char err[1024];
    const char *msg = err;
    kiln_rt *rt;
    /* a case-changed substring of the device name */
    char sub[9] = "";
    snprintf(sub, sizeof sub, "%.8s", first->name);
    for (char *p = sub; *p; p++)
        *p = (char)(isupper((unsigned char)*p) ? tolower((unsigned char)*p)
                                               : toupper((unsigned char)*p));
    const char *sels[] = {sub, "0", "", NULL};
    char by_index[32];
    snprintf(by_index, sizeof by_index, "%d:%d", first->platform_index, first->device_index);
    for (int i = 0; i < 4; i++) {
        const char *sel = i == 3 ? by_index : sels[i];
        rt = kiln_rt_open(sel, err, sizeof err);
        CHECK_MSG(rt != NULL, "selector \"%s\": %s", sel, err);
        if (rt) {
            CHECK_MSG(strcmp(kiln_rt_device(rt)->fingerprint, first->fingerprint) == 0,
                      "selector \"%s\" opened %s", sel, kiln_rt_device(rt)->name);
            kiln_rt_close(rt);
        }
    }
    rt = kiln_rt_open("host", err, sizeof err);
    CHECK(rt && strcmp(kiln_rt_device(rt)->backend, "host") == 0);
    kiln_rt_close(rt);

    rt = kiln_rt_open("no-such-device-xyz", err, sizeof err);
    CHECK(rt == NULL);
    CHECK_STR_CONTAINS(msg, "no device matches selector \"no-such-device-xyz\"");
    CHECK_STR_CONTAINS(msg, first->name); /* the error lists what exists */
    rt = kiln_rt_open("99:0", err, sizeof err);
    CHECK(rt == NULL);
    CHECK_STR_CONTAINS(msg, "\"99:0\"");
    rt = kiln_rt_open("999", err, sizeof err);
    CHECK(rt == NULL);
}

/* Spins `spins` iterations while flag[0] is 0 (and sets it), 1 after: a
 * kernel slow only on its first run. */
static const char *slow_once_cl =
    "__kernel void slow_once(__global volatile int *flag, __global float *out, const int spins)\n"
    "{\n"
    "    int n = flag[0] == 0 ? spins : 1;\n"
    "    float acc = 0.0f;\n"
    "    for (int i = 0; i < n; i++)\n"
    "        acc = acc * 0.999f + (float)(i & 7);\n"
    "    flag[0] = 1;\n"
    "    out[0] = acc;\n"
    "}\n";

/* Runs slow_once after setting the flag to `flag`; the status, *ms the kernel's time. */
static int run_slow_once(kiln_rt *rt, kiln_program *prog, kiln_buf *flag_buf, int flag,
                         int spins, double *ms)
{
    kiln_geometry one = {.dims = 1, .global = {1}};
    double ns = 0;
    CHECK(kiln_buf_write(rt, flag_buf, &flag, sizeof flag) == 0);
    CHECK(kiln_program_set_scalar(rt, prog, 2, &spins, sizeof spins) == 0);
    int rc = kiln_program_run(rt, prog, &one, &ns);
    *ms = ns / 1e6;
    return rc;
}

/* The limit counts from when the kernel runs, and a kernel past it is
 * confirmed: waited on for as long again (OpenCL cannot cancel it), then run
 * once more if it finished meanwhile. */
static void check_timeouts(kiln_rt *rt)
{
    kiln_program *prog = kiln_program_build(rt, slow_once_cl, "slow_once", NULL, NULL);
    kiln_buf *flag = kiln_buf_new(rt, sizeof(int)), *out = kiln_buf_new(rt, sizeof(float));
    CHECK_MSG(prog && flag && out, "slow_once: %s", kiln_rt_errmsg(rt));
    if (!(prog && flag && out))
        goto done;
    CHECK(kiln_program_set_buf(rt, prog, 0, flag) == 0);
    CHECK(kiln_program_set_buf(rt, prog, 1, out) == 0);
    CHECK(kiln_rt_set_timeout(rt, 0) == 0);
    /* Past its limit on the first run only (2/3 of it), within it on the
     * confirming run: not a timeout. On a CPU device a kernel's running time
     * is wall time shared with the machine's load, so the slow run lands in
     * the window this needs (past the limit, within twice it) only while the
     * load stays within -33%..+33% of the calibration's: each attempt
     * calibrates again, and one of three must show the confirmation. */
    int spins = 1 << 20, limit = 0, confirmed = 0;
    double slow_ms = 0, fast_ms = 0, ms = 0;
    for (int attempt = 0; attempt < 3 && !confirmed; attempt++) {
        CHECK(kiln_rt_set_timeout(rt, 0) == 0);
        /* calibrate: about 300 ms for the slow first run */
        slow_ms = 0;
        for (int i = 0; i < 12 && slow_ms < 150; i++) {
            CHECK(run_slow_once(rt, prog, flag, 0, spins, &slow_ms) == 0);
            if (slow_ms < 150)
                spins = slow_ms > 1 && 300 / slow_ms * spins < 1 << 30 ? (int)(300 / slow_ms * spins)
                                                                        : spins * 4;
        }
        CHECK(run_slow_once(rt, prog, flag, 0, spins, &slow_ms) == 0);
        CHECK(run_slow_once(rt, prog, flag, 1, spins, &fast_ms) == 0);
        CHECK_MSG(slow_ms >= 100 && fast_ms < slow_ms / 10, "calibration: slow %.1f ms, fast %.1f ms",
                  slow_ms, fast_ms);
        limit = (int)(slow_ms * 2 / 3);
        CHECK(kiln_rt_set_timeout(rt, limit) == 0);
        int rc = run_slow_once(rt, prog, flag, 0, spins, &ms);
        /* confirmed: the time is the second, fast run's (the slow run alone
         * may have come in under the limit if the load fell: try again) */
        confirmed = rc == 0 && ms < fast_ms * 10 + 5;
        fprintf(stderr, "attempt %d: slow %.1f ms, limit %d ms: status %d, %.1f ms%s%s\n", attempt + 1, slow_ms,
                limit, rc, ms, rc ? ": " : "", rc ? kiln_rt_errmsg(rt) : "");
    }
    CHECK_MSG(confirmed, "a kernel slow once was not confirmed as fast in three attempts");

    /* 5x its limit on every run: a timeout, after waiting as long again */
    double t0 = wall_ms();
    int rc = run_slow_once(rt, prog, flag, 0, spins * 5, &ms);
    double took = wall_ms() - t0;
    CHECK_MSG(rc == KILN_RT_TIMEOUT, "5x the limit: status %d", rc);
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "nor in as long again");
    CHECK_MSG(took >= 2 * limit * 0.95, "timeout after %.0f ms, limit %d ms", took, limit);
    fprintf(stderr, "slow once: %.1f ms, then %.1f ms; limit %d ms; 5x: timeout after %.0f ms\n",
            slow_ms, fast_ms, limit, took);

    /* Queued behind that kernel, which still runs (it sets the flag when it
     * ends, so this run is fast): the limit counts from when it runs, not
     * from the enqueue. No buffer write here: it would wait in the queue. */
    kiln_geometry one = {.dims = 1, .global = {1}};
    t0 = wall_ms();
    rc = kiln_program_run(rt, prog, &one, NULL);
    took = wall_ms() - t0;
    CHECK_MSG(rc == 0, "queued for %.0f ms behind a running kernel, limit %d ms: status %d: %s",
              took, limit, rc, kiln_rt_errmsg(rt));
    /* it waited past its own limit in the queue (the kernel ahead of it had
     * about 5x the limit left to run, less what load changes), yet was not a
     * timeout */
    CHECK_MSG(took > limit, "the run waited only %.0f ms in the queue (limit %d ms)", took, limit);
    CHECK(kiln_rt_set_timeout(rt, 0) == 0);
done:
    kiln_buf_free(rt, flag);
    kiln_buf_free(rt, out);
    kiln_program_free(rt, prog);
}

int main(void)
{
    char cache[512];
    if (!test_cache_dir(cache, sizeof cache))
        SKIP("cannot create a temp folder");
    kiln_device_info *devs = NULL;
    int ndev = 0;
    char err[1024];
    CHECK(kiln_devices_list(&devs, &ndev, err, sizeof err) == 0);
    int ncl = 0;
    for (int i = 0; i < ndev; i++) {
        CHECK(is_hex16(devs[i].fingerprint));
        if (strcmp(devs[i].backend, "opencl") == 0) {
            CHECK_MSG(i == ncl, "OpenCL devices come first");
            CHECK(devs[i].name[0] && devs[i].platform[0] && devs[i].version[0]);
            CHECK(devs[i].compute_units > 0 && devs[i].global_mem_bytes > 0);
            CHECK(devs[i].max_wg_size > 0 && devs[i].platform_index >= 0);
            ncl++;
        }
    }
    CHECK(ndev == ncl + 1 && strcmp(devs[ndev - 1].backend, "host") == 0);
    if (ncl == 0) {
        free(devs);
        remove_dir(cache);
        SKIP_NO_DEVICE("no OpenCL platform/device installed (%s)", err[0] ? err : "no error");
    }
    kiln_device_info first = devs[0];
    free(devs);

    test_selectors(&first);

    kiln_rt *rt = kiln_rt_open(NULL, err, sizeof err);
    CHECK_MSG(rt != NULL, "open default: %s", err);
    if (!rt)
        CHECK_DONE();
    CHECK(strcmp(kiln_rt_device(rt)->backend, "opencl") == 0);
    CHECK(kiln_rt_lang(rt) == KILN_LANG_CL);
    CHECK(kiln_rt_can_cancel(rt) == 0);
    CHECK(kiln_rt_set_compiler(rt, "cc", "-O2") == KILN_RT_ERROR);

    /* build: the binary lands in the cache */
    char *log = NULL;
    kiln_program *saxpy = kiln_program_build(rt, saxpy_cl, "saxpy", "-cl-fast-relaxed-math", &log);
    CHECK_MSG(saxpy != NULL, "build: %s\n%s", kiln_rt_errmsg(rt), log ? log : "");
    CHECK(log != NULL);
    free(log);
    char bin_path[1024];
    CHECK(count_entries(cache, ".clbin", bin_path, sizeof bin_path) == 1);
    ino_t first_inode = inode_of(bin_path);
    if (saxpy) {
        check_saxpy(rt, saxpy, 0, 2.0f);
        check_saxpy(rt, saxpy, 64, -0.5f);
    }

    /* a second build comes from the cache and works the same */
    kiln_program *again = kiln_program_build(rt, saxpy_cl, "saxpy", "-cl-fast-relaxed-math", NULL);
    CHECK_MSG(again != NULL, "cached build: %s", kiln_rt_errmsg(rt));
    CHECK(count_entries(cache, ".clbin", NULL, 0) == 1 && inode_of(bin_path) == first_inode);
    if (again)
        check_saxpy(rt, again, 0, 1.5f);
    kiln_program_free(rt, again);

    /* a corrupt entry falls back to building from source */
    unlink(bin_path);
    FILE *f = fopen(bin_path, "w");
    if (f) {
        fputs("garbage, not a binary", f);
        fclose(f);
    }
    again = kiln_program_build(rt, saxpy_cl, "saxpy", "-cl-fast-relaxed-math", NULL);
    CHECK_MSG(again != NULL, "build over a corrupt entry: %s", kiln_rt_errmsg(rt));
    if (again)
        check_saxpy(rt, again, 0, 4.0f);
    kiln_program_free(rt, again);

    /* a syntax error: NULL, the log has the compiler's words, the message the call */
    log = NULL;
    kiln_program *bad = kiln_program_build(
        rt, "__kernel void broken(__global float *y) { y[0] = undeclared_thing + ; }\n", "broken",
        NULL, &log);
    CHECK(bad == NULL);
    CHECK_STR_CONTAINS(log, "undeclared_thing");
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "clBuildProgram: CL_BUILD_PROGRAM_FAILURE");
    free(log);

    /* a kernel name that is not in the program */
    bad = kiln_program_build(rt, saxpy_cl, "saxpz", NULL, NULL);
    CHECK(bad == NULL);
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "CL_INVALID_KERNEL_NAME");

    /* bad options */
    bad = kiln_program_build(rt, saxpy_cl, "saxpy", "-no-such-option-kiln", NULL);
    CHECK(bad == NULL);
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "clBuildProgram");

    if (saxpy) {
        /* an out-of-range argument index is OpenCL's error, named */
        int v = 0;
        CHECK(kiln_program_set_scalar(rt, saxpy, 7, &v, sizeof v) == KILN_RT_ERROR);
        CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "CL_INVALID_ARG_INDEX");

        /* timing on profiling events, with the event-polling path of a time limit */
        CHECK(kiln_rt_set_timeout(rt, 10000) == 0);
        check_saxpy(rt, saxpy, 0, 1.0f);
        kiln_buf *x = kiln_buf_new(rt, N * sizeof(float)), *y = kiln_buf_new(rt, N * sizeof(float));
        int n = N;
        float a = 1.0f;
        kiln_program_set_scalar(rt, saxpy, 0, &n, sizeof n);
        kiln_program_set_scalar(rt, saxpy, 1, &a, sizeof a);
        kiln_program_set_buf(rt, saxpy, 2, x);
        kiln_program_set_buf(rt, saxpy, 3, y);
        kiln_geometry geo = {.dims = 1, .global = {N}};
        kiln_time_stats s;
        int rc = kiln_program_time(rt, saxpy, &geo, NULL, &s);
        CHECK_MSG(rc == 0, "time: %s", kiln_rt_errmsg(rt));
        CHECK(s.samples >= 3 && s.samples <= 50);
        CHECK(s.min_ns > 0 && s.min_ns <= s.median_ns && s.median_ns <= s.max_ns);
        CHECK(s.iqr_ns >= 0 && s.iqr_ns <= s.max_ns - s.min_ns);
        CHECK(s.mad_ns >= 0 && s.mad_ns <= s.max_ns - s.min_ns);
        CHECK(s.noisy == (s.samples < 3 || s.iqr_ns > 0.1 * s.median_ns));
        kiln_buf_free(rt, x);
        kiln_buf_free(rt, y);
    }

    kiln_program_free(rt, saxpy);
    check_timeouts(rt);
    kiln_rt_close(rt);
    remove_dir(cache);
    CHECK_DONE();
}
