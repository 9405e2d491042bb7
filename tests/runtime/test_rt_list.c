/*
 * test_rt_list: kiln_program_run_list on the host backend, whose worker runs
 * a list back to back and answers at its end, and with KILN_HOST_WORKER=0
 * (one run after the other). What a list must keep from single runs:
 *   - order: each run reads what the one before it wrote, and each run's
 *     time is its own (a long run then a short one);
 *   - one submission: the worker goes from one run to the next without
 *     sleeping (its voluntary context switches over a list of 20 runs);
 *   - a crash in the middle is KILN_RT_CRASHED, the runs after it do not
 *     happen, and the next run gets a fresh worker;
 *   - each run has its own time limit: three runs of 60% of the limit each
 *     are no timeout, a hang after a short run is one, and the worker is
 *     replaced;
 *   - a run that cannot be requested (an argument never set) fails the list
 *     before anything runs;
 *   - lists longer than one message of answers, and bad arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "kiln/runtime.h"
#include "rt_test_util.h"

#define LIMIT_MS 100

/* out[0] = 2 in[0] + k */
static const char *step_src =
    "#include <stddef.h>\n"
    "void step_entry(void *const *args, const size_t *global, const size_t *local)\n"
    "{\n"
    "    const double *in = args[0];\n"
    "    double *out = args[1];\n"
    "    const double k = *(const double *)args[2];\n"
    "    (void)global; (void)local;\n"
    "    out[0] = 2.0 * in[0] + k;\n"
    "}\n";

/* Spins until its thread has used args[0] (a double) ms of CPU time, then
 * adds 1 to args[1][0] and writes its process id into args[1][1]. */
static const char *spin_src =
    CPU_MS_SOURCE
    "void spin_entry(void *const *args, const size_t *global, const size_t *local)\n"
    "{\n"
    "    double ms = *(const double *)args[0];\n"
    "    long long *out = args[1];\n"
    "    (void)global; (void)local;\n"
    "    double t0 = cpu_ms();\n"
    "    while (cpu_ms() - t0 < ms) {}\n"
    "    out[0] += 1;\n"
    "    out[1] = (long long)getpid();\n"
    "}\n";

static const kiln_geometry one = {.dims = 1, .global = {1}, .local = {1}};

/* A spin program of its own (arguments are a program's), counting into out. */
static kiln_program *spinner(kiln_rt *rt, double ms, kiln_buf *out)
{
    kiln_program *p = kiln_program_build(rt, spin_src, "spin", NULL, NULL);
    CHECK_MSG(p != NULL, "build spin: %s", kiln_rt_errmsg(rt));
    if (p && (kiln_program_set_scalar(rt, p, 0, &ms, sizeof ms) != 0 || kiln_program_set_buf(rt, p, 1, out) != 0))
        CHECK_MSG(0, "spin arguments: %s", kiln_rt_errmsg(rt));
    return p;
}

static kiln_buf *counter(kiln_rt *rt)
{
    long long zero[2] = {0, 0};
    kiln_buf *b = kiln_buf_new(rt, sizeof zero);
    CHECK(b && kiln_buf_write(rt, b, zero, sizeof zero) == 0);
    return b;
}

static long long count_of(kiln_rt *rt, kiln_buf *b, long long *pid)
{
    long long v[2] = {-1, -1};
    CHECK(kiln_buf_read(rt, b, v, sizeof v) == 0);
    if (pid)
        *pid = v[1];
    return v[0];
}

static kiln_geometry geos[200];

/* a -> b -> c -> a, each out = 2 in + k: a ends as 8 a0 + 11 (k = 1, 2, 3). */
static void check_order(kiln_rt *rt, const char *scheme)
{
    kiln_buf *buf[3];
    kiln_program *step[3];
    for (int i = 0; i < 3; i++) {
        buf[i] = kiln_buf_new(rt, sizeof(double));
        step[i] = kiln_program_build(rt, step_src, "step", NULL, NULL);
        CHECK_MSG(buf[i] && step[i], "%s: %s", scheme, kiln_rt_errmsg(rt));
        if (!buf[i] || !step[i])
            return;
    }
    for (int i = 0; i < 3; i++) {
        double k = i + 1;
        CHECK(kiln_program_set_buf(rt, step[i], 0, buf[i]) == 0);
        CHECK(kiln_program_set_buf(rt, step[i], 1, buf[(i + 1) % 3]) == 0);
        CHECK(kiln_program_set_scalar(rt, step[i], 2, &k, sizeof k) == 0);
    }
    double a0 = 5.0, got = 0, ns[3] = {-1, -1, -1};
    CHECK(kiln_buf_write(rt, buf[0], &a0, sizeof a0) == 0);
    int rc = kiln_program_run_list(rt, 3, step, geos, ns);
    CHECK_MSG(rc == 0, "%s: list: %s", scheme, kiln_rt_errmsg(rt));
    CHECK(kiln_buf_read(rt, buf[0], &got, sizeof got) == 0);
    CHECK_MSG(got == 8 * a0 + 11, "%s: a = %g after a -> b -> c -> a, want %g", scheme, got, 8 * a0 + 11);
    CHECK_MSG(ns[0] > 0 && ns[1] > 0 && ns[2] > 0, "%s: times %g %g %g", scheme, ns[0], ns[1], ns[2]);
    for (int i = 0; i < 3; i++) {
        kiln_program_free(rt, step[i]);
        kiln_buf_free(rt, buf[i]);
    }

    /* each run's time is its own: 30 ms of CPU, then 1 ms */
    kiln_buf *out = counter(rt);
    kiln_program *spin[2] = {spinner(rt, 30, out), spinner(rt, 1, out)};
    if (out && spin[0] && spin[1]) {
        rc = kiln_program_run_list(rt, 2, spin, geos, ns);
        CHECK_MSG(rc == 0, "%s: spin list: %s", scheme, kiln_rt_errmsg(rt));
        CHECK_MSG(ns[0] >= 29e6 && ns[1] >= 0.9e6 && ns[1] < ns[0] / 3, "%s: times %g then %g ns, want 30 then 1 ms",
                  scheme, ns[0], ns[1]);
        CHECK(count_of(rt, out, NULL) == 2);
    }
    kiln_program_free(rt, spin[0]);
    kiln_program_free(rt, spin[1]);
    kiln_buf_free(rt, out);
}

/* Voluntary context switches of process pid so far; -1 if unreadable. */
static long voluntary_switches(long long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%lld/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
            break;
    fclose(f);
    return n;
}

/* The worker of a list: one process for all its runs, which does not sleep
 * between them; a crash and a hang in a list. */
static void check_worker(kiln_rt *rt)
{
    enum { RUNS = 20 };
    kiln_buf *out = counter(rt);
    kiln_program *spin[RUNS];
    for (int i = 0; i < RUNS; i++)
        spin[i] = spinner(rt, 2, out);
    double ns[RUNS];
    long long pid = 0;
    CHECK(kiln_program_run_list(rt, 1, spin, geos, ns) == 0); /* a worker that has every program */
    CHECK(kiln_program_run_list(rt, RUNS, spin, geos, ns) == 0);
    CHECK(count_of(rt, out, &pid) == RUNS + 1 && pid > 0 && pid != (long long)getpid());
    /* A worker that waited for each request would sleep at least once a run. */
    long before = voluntary_switches(pid);
    CHECK(kiln_program_run_list(rt, RUNS, spin, geos, ns) == 0);
    long slept = voluntary_switches(pid) - before;
    CHECK_MSG(before >= 0 && slept < RUNS / 2, "the worker slept %ld times in a list of %d runs", slept, RUNS);
    long long same = 0;
    CHECK(count_of(rt, out, &same) == 2 * RUNS + 1 && same == pid);

    /* a crash in the middle: the run before it happened, the one after it did not */
    kiln_buf *after = counter(rt);
    kiln_program *boom = kiln_program_build(rt, crash_source(), "boom", NULL, NULL);
    kiln_program *late = spinner(rt, 0, after);
    CHECK_MSG(boom && late, "%s", kiln_rt_errmsg(rt));
    if (boom && late) {
        kiln_program *list[3] = {spin[0], boom, late};
        ns[0] = -1;
        CHECK(kiln_program_run_list(rt, 3, list, geos, ns) == KILN_RT_CRASHED);
        CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "signal 11");
        CHECK(ns[0] == 0);
        CHECK(count_of(rt, out, NULL) == 2 * RUNS + 2);
        CHECK(count_of(rt, after, NULL) == 0);
        long long fresh = 0;
        CHECK(kiln_program_run_list(rt, 1, &late, geos, ns) == 0);
        CHECK(count_of(rt, after, &fresh) == 1 && fresh > 0 && fresh != pid);
    }

    /* time limits: each run has its own */
    CHECK(kiln_rt_set_timeout(rt, LIMIT_MS) == 0);
    kiln_program *long_runs[3];
    for (int i = 0; i < 3; i++)
        long_runs[i] = spinner(rt, 0.6 * LIMIT_MS, out);
    if (long_runs[0] && long_runs[1] && long_runs[2]) {
        int rc = kiln_program_run_list(rt, 3, long_runs, geos, ns);
        CHECK_MSG(rc == 0, "three runs of 60%% of the limit: %s", kiln_rt_errmsg(rt));
    }
    kiln_program *hang = kiln_program_build(rt, hang_source(), "hang", NULL, NULL);
    CHECK_MSG(hang != NULL, "%s", kiln_rt_errmsg(rt));
    if (hang && late) {
        long long before_hang = 0, fresh = 0;
        CHECK(kiln_program_run_list(rt, 1, &late, geos, ns) == 0);
        count_of(rt, after, &before_hang);
        kiln_program *list[3] = {spin[0], hang, late};
        long long ran = count_of(rt, after, NULL);
        CHECK(kiln_program_run_list(rt, 3, list, geos, ns) == KILN_RT_TIMEOUT);
        CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "100 ms");
        CHECK(count_of(rt, after, NULL) == ran);
        CHECK(kiln_program_run_list(rt, 1, &late, geos, ns) == 0);
        CHECK(count_of(rt, after, &fresh) == ran + 1 && fresh != before_hang);
    }
    CHECK(kiln_rt_set_timeout(rt, 0) == 0);

    /* an argument never set: the list fails before anything runs */
    kiln_program *unset = kiln_program_build(rt, spin_src, "spin", NULL, NULL);
    if (unset && kiln_program_set_buf(rt, unset, 1, out) == 0) { /* argument 0 never set */
        long long ran = count_of(rt, out, NULL);
        kiln_program *list[2] = {spin[0], unset};
        CHECK(kiln_program_run_list(rt, 2, list, geos, ns) == KILN_RT_ERROR);
        CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "never set");
        CHECK(count_of(rt, out, NULL) == ran);
    }
    kiln_program_free(rt, unset);
    kiln_program_free(rt, hang);
    for (int i = 0; i < 3; i++)
        kiln_program_free(rt, long_runs[i]);
    kiln_program_free(rt, boom);
    kiln_program_free(rt, late);
    kiln_buf_free(rt, after);
    for (int i = 0; i < RUNS; i++)
        kiln_program_free(rt, spin[i]);
    kiln_buf_free(rt, out);
}

/* More runs than one message of answers holds, and bad arguments. */
static void check_long_list(kiln_rt *rt, const char *scheme)
{
    enum { RUNS = 150 };
    kiln_buf *out = counter(rt);
    kiln_program *spin = spinner(rt, 0, out);
    kiln_program *list[RUNS];
    double ns[RUNS];
    for (int i = 0; i < RUNS; i++)
        list[i] = spin;
    if (spin) {
        int rc = kiln_program_run_list(rt, RUNS, list, geos, ns);
        CHECK_MSG(rc == 0, "%s: %d runs: %s", scheme, RUNS, kiln_rt_errmsg(rt));
        CHECK_MSG(count_of(rt, out, NULL) == RUNS, "%s: %lld of %d runs", scheme, count_of(rt, out, NULL), RUNS);
        CHECK(kiln_program_run_list(rt, 0, list, geos, ns) == KILN_RT_ERROR);
        CHECK(kiln_program_run_list(rt, 1, list, NULL, ns) == KILN_RT_ERROR);
        kiln_geometry bad = {.dims = 0};
        CHECK(kiln_program_run_list(rt, 1, list, &bad, ns) == KILN_RT_ERROR);
        CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "dims");
    }
    kiln_program_free(rt, spin);
    kiln_buf_free(rt, out);
}

static kiln_rt *open_host(const char *worker)
{
    char err[512];
    setenv("KILN_HOST_WORKER", worker, 1);
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    unsetenv("KILN_HOST_WORKER");
    CHECK_MSG(rt != NULL, "open host: %s", err);
    if (rt)
        CHECK(kiln_rt_set_compiler(rt, "cc", "-O2") == 0);
    return rt;
}

int main(void)
{
    char cache[512];
    if (!test_cache_dir(cache, sizeof cache))
        SKIP("cannot create a temp folder");
    for (int i = 0; i < (int)(sizeof geos / sizeof geos[0]); i++)
        geos[i] = one;
    kiln_rt *rt = open_host("1");
    if (rt) {
        check_order(rt, "worker");
        check_worker(rt);
        check_long_list(rt, "worker");
        kiln_rt_close(rt);
    }
    rt = open_host("0");
    if (rt) {
        check_order(rt, "fork per run");
        check_long_list(rt, "fork per run");
        kiln_rt_close(rt);
    }
    remove_dir(cache);
    CHECK_DONE();
}
