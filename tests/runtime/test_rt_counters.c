/*
 * test_rt_counters: event counts and energy around a series of runs.
 *
 * What is counted is checked against what the kernels are known to do, not
 * against kiln's own arithmetic: a kernel that maps and touches P fresh pages
 * per run takes P page faults per run (plus a few of its own), and an OpenMP
 * kernel whose T threads each touch P pages takes T * P, counted on T
 * threads. Events this machine cannot count are refused by name with the
 * list of those it can; energy is read from a powercap folder whose counter
 * a thread of this test advances at a known power.
 */
#include <pthread.h>
#include <time.h>
#include "check.h"
#include "kiln/runtime.h"
#include "fake_rapl.h"
#include "rt_test_util.h"

#define PAGES 512

/* P fresh pages per run, touched one byte each: P minor faults. */
static const char *faults_src =
    "#define _DEFAULT_SOURCE\n"
    "#include <stddef.h>\n"
    "#include <sys/mman.h>\n"
    "void faults_entry(void *const *args, const size_t *global, const size_t *local)\n"
    "{\n"
    "    const int pages = *(const int *)args[0];\n"
    "    int *threads = args[1];\n"
    "    (void)global; (void)local;\n"
    "    char *p = mmap(NULL, (size_t)pages * 4096, PROT_READ | PROT_WRITE,\n"
    "                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "    if (p == MAP_FAILED) return;\n"
    "    for (int i = 0; i < pages; i++) p[(size_t)i * 4096] = 1;\n"
    "    munmap(p, (size_t)pages * 4096);\n"
    "    threads[0] = 1;\n"
    "}\n";

/* The same on every thread of an OpenMP team, which reports its size. */
static const char *omp_faults_src =
    "#define _DEFAULT_SOURCE\n"
    "#include <stddef.h>\n"
    "#include <sys/mman.h>\n"
    "#include <omp.h>\n"
    "void ompfaults_entry(void *const *args, const size_t *global, const size_t *local)\n"
    "{\n"
    "    const int pages = *(const int *)args[0];\n"
    "    int *threads = args[1];\n"
    "    (void)global; (void)local;\n"
    "    #pragma omp parallel\n"
    "    {\n"
    "        char *p = mmap(NULL, (size_t)pages * 4096, PROT_READ | PROT_WRITE,\n"
    "                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);\n"
    "        if (p != MAP_FAILED) {\n"
    "            for (int i = 0; i < pages; i++) p[(size_t)i * 4096] = 1;\n"
    "            munmap(p, (size_t)pages * 4096);\n"
    "        }\n"
    "        #pragma omp single\n"
    "        threads[0] = omp_get_num_threads();\n"
    "    }\n"
    "}\n";

static double event(const kiln_counts *c, const char *name)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->name[i], name) == 0)
            return c->per_run[i];
    return -1;
}

/* Counts prog (args: pages, threads out) and checks the faults per run. */
static void check_faults(kiln_rt *rt, kiln_program *prog, kiln_buf *tbuf, const char *what)
{
    int pages = PAGES, team = 0;
    CHECK(kiln_buf_write(rt, tbuf, &team, sizeof team) == 0);
    CHECK(kiln_program_set_scalar(rt, prog, 0, &pages, sizeof pages) == 0);
    CHECK(kiln_program_set_buf(rt, prog, 1, tbuf) == 0);
    kiln_geometry geo = {.dims = 1, .global = {1}};
    kiln_time_opts o;
    kiln_time_opts_default(&o);
    o.min_reps = 5;
    o.max_reps = 5;
    kiln_counts c;
    int rc = kiln_program_count(rt, prog, &geo, &o, &c);
    CHECK_MSG(rc == 0, "%s: %s", what, kiln_rt_errmsg(rt));
    CHECK(kiln_buf_read(rt, tbuf, &team, sizeof team) == 0);
    CHECK_MSG(team >= 1, "%s: the kernel did not report its threads", what);
    double faults = event(&c, "sw:page-faults"), task = event(&c, "sw:task-clock");
    CHECK_MSG(c.runs == 5, "%s: %d runs", what, c.runs);
    CHECK_MSG(c.threads == team, "%s: %d threads counted, the kernel ran on %d", what, c.threads, team);
    CHECK_MSG(strcmp(c.scope, "kernel threads") == 0, "%s: scope %s", what, c.scope);
    /* each thread's own pages, and a handful for its stack and mmap's bookkeeping */
    CHECK_MSG(faults >= (double)team * PAGES && faults <= (double)team * PAGES * 1.05 + 32,
              "%s: %.1f page faults per run, expected %d x %d", what, faults, team, PAGES);
    /* CPU time of the counted threads: positive, and not more than they had */
    CHECK_MSG(task > 0 && task <= c.elapsed_ns * team * 1.5 + 5e6,
              "%s: task-clock %.0f ns per run, run %.0f ns on %d threads", what, task, c.elapsed_ns, team);
    char json[2048];
    CHECK(kiln_counts_json(&c, json, sizeof json) == 0);
    CHECK_STR_CONTAINS(json, "\"sw:page-faults\":");
    CHECK_STR_CONTAINS(json, "\"scope\":\"kernel threads\"");
    CHECK(strstr(json, "energy_j") == NULL);
}

static void test_host_counts(kiln_rt *rt)
{
    char skipped[512];
    CHECK_MSG(kiln_rt_set_counters(rt, "sw:page-faults, sw:task-clock", skipped, sizeof skipped) == 0,
              "%s", kiln_rt_errmsg(rt));
    kiln_buf *tbuf = kiln_buf_new(rt, sizeof(int));
    kiln_program *one = kiln_program_build(rt, faults_src, "faults", NULL, NULL);
    kiln_program *team = kiln_program_build(rt, omp_faults_src, "ompfaults", NULL, NULL);
    CHECK_MSG(one && team && tbuf, "build: %s", kiln_rt_errmsg(rt));
    if (one)
        check_faults(rt, one, tbuf, "one thread");
    if (team)
        check_faults(rt, team, tbuf, "OpenMP team");
    /* the event list changes: the worker is told */
    CHECK(kiln_rt_set_counters(rt, "sw:context-switches", NULL, 0) == 0);
    kiln_counts c;
    kiln_geometry geo = {.dims = 1, .global = {1}};
    if (one) {
        CHECK_MSG(kiln_program_count(rt, one, &geo, NULL, &c) == 0, "%s", kiln_rt_errmsg(rt));
        CHECK(c.n == 1 && strcmp(c.name[0], "sw:context-switches") == 0 && c.per_run[0] >= 0);
    }
    /* nothing asked for: an error, not an empty result */
    CHECK(kiln_rt_set_counters(rt, NULL, NULL, 0) == 0);
    if (one) {
        CHECK(kiln_program_count(rt, one, &geo, NULL, &c) != 0);
        CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "neither events");
    }
    kiln_program_free(rt, one);
    kiln_program_free(rt, team);
    kiln_buf_free(rt, tbuf);
}

/* Events this machine cannot count are refused by name, with what it can. */
static void test_refusals(kiln_rt *rt)
{
    char avail[2048], skipped[1024];
    kiln_counters_available(avail, sizeof avail);
    CHECK_STR_CONTAINS(avail, "sw:task-clock");

    CHECK(kiln_rt_set_counters(rt, "PAPI_NO_SUCH_EVENT", NULL, 0) != 0);
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "'PAPI_NO_SUCH_EVENT'");
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "available: sw:task-clock");
    CHECK(kiln_rt_set_counters(rt, "sw:task-clock,sw:nothing", NULL, 0) != 0);
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "'sw:nothing'");
    CHECK(kiln_rt_set_counters(rt, " , ", NULL, 0) != 0);
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "no event");

    /* A PAPI preset: refused by name where PAPI lists it as unavailable
     * (a machine without hardware counters, as CI's), counted where not. */
    int papi_has = strstr(avail, "PAPI_TOT_INS") != NULL;
    int rc = kiln_rt_set_counters(rt, "PAPI_TOT_INS", NULL, 0);
    if (papi_has) {
        CHECK_MSG(rc == 0, "%s", kiln_rt_errmsg(rt));
    } else {
        CHECK(rc != 0);
        CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "'PAPI_TOT_INS' is not available on this machine");
    }

    /* auto takes what exists and says what it skipped */
    CHECK_MSG(kiln_rt_set_counters(rt, "auto", skipped, sizeof skipped) == 0, "%s", kiln_rt_errmsg(rt));
    if (!papi_has)
        CHECK_STR_CONTAINS(skipped, "PAPI");
    CHECK(kiln_rt_set_counters(rt, NULL, NULL, 0) == 0);
}

static void test_energy(kiln_rt *rt, const char dir[1024])
{
    /* no powercap folder: refused with the reason */
    char none[4200];
    snprintf(none, sizeof none, "%s/no-powercap", dir);
    setenv("KILN_POWERCAP_DIR", none, 1);
    CHECK(kiln_rt_set_energy(rt, 1) != 0);
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "no energy measurement");
    CHECK_STR_CONTAINS(kiln_rt_errmsg(rt), "no-powercap");

    fake_rapl f;
    CHECK(fake_rapl_start(&f, dir, 40.0) == 0);
    CHECK_MSG(kiln_rt_set_energy(rt, 1) == 0, "%s", kiln_rt_errmsg(rt));

    kiln_buf *tbuf = kiln_buf_new(rt, sizeof(int));
    kiln_program *prog = kiln_program_build(rt, faults_src, "faults", NULL, NULL);
    CHECK_MSG(prog && tbuf, "%s", kiln_rt_errmsg(rt));
    if (prog && tbuf) {
        int pages = 16;
        kiln_program_set_scalar(rt, prog, 0, &pages, sizeof pages);
        kiln_program_set_buf(rt, prog, 1, tbuf);
        kiln_geometry geo = {.dims = 1, .global = {1}};
        kiln_counts c;
        double t0 = fake_rapl_now_us();
        CHECK_MSG(kiln_program_count(rt, prog, &geo, NULL, &c) == 0, "%s", kiln_rt_errmsg(rt));
        double series_ms = (fake_rapl_now_us() - t0) / 1e3;
        /* energy asked for alone: no events, a series of at least 500 ms */
        CHECK(c.n == 0 && strcmp(c.energy_source, "rapl") == 0);
        CHECK_MSG(series_ms >= KILN_ENERGY_MIN_MS, "series of %.0f ms", series_ms);
        /* wide: under load the writer thread lags by tens of ms at either end */
        CHECK_MSG(c.power_w > 20 && c.power_w < 60, "power %.2f W, the counter advances at 40 W", c.power_w);
        CHECK_MSG(fabs(c.energy_j - c.power_w * c.elapsed_ns * 1e-9) <= 1e-9 * c.energy_j + 1e-15,
                  "energy per run %g J, power %g W, run %g ns", c.energy_j, c.power_w, c.elapsed_ns);
        char json[1024];
        CHECK(kiln_counts_json(&c, json, sizeof json) == 0);
        CHECK_STR_CONTAINS(json, "\"energy_source\":\"rapl\"");
    }
    fake_rapl_stop(&f);
    CHECK(kiln_rt_set_energy(rt, 0) == 0);
    kiln_program_free(rt, prog);
    kiln_buf_free(rt, tbuf);
}

/* OpenCL: the process's threads, PoCL's workers among them. */
static void test_opencl_counts(void)
{
    char err[512];
    kiln_device_info *devs = NULL;
    int n = 0, sel = -1;
    if (kiln_devices_list(&devs, &n, err, sizeof err) == 0)
        for (int i = 0; i < n && sel < 0; i++)
            if (strcmp(devs[i].backend, "opencl") == 0)
                sel = i;
    if (sel < 0) {
        free(devs);
        SKIP_NO_DEVICE("no OpenCL device for the process-threads case");
    }
    char selector[32];
    snprintf(selector, sizeof selector, "%d:%d", devs[sel].platform_index, devs[sel].device_index);
    free(devs);
    kiln_rt *rt = kiln_rt_open(selector, err, sizeof err);
    CHECK_MSG(rt != NULL, "%s", err);
    if (!rt)
        return;
    const char *src = "__kernel void spin(__global float *v, int reps) {\n"
                      "    size_t i = get_global_id(0); float x = v[i];\n"
                      "    for (int r = 0; r < reps; r++) x = x * 0.999f + 0.5f;\n"
                      "    v[i] = x;\n}\n";
    kiln_program *prog = kiln_program_build(rt, src, "spin", NULL, NULL);
    kiln_buf *b = kiln_buf_new(rt, 4096 * sizeof(float));
    CHECK_MSG(prog && b, "%s", kiln_rt_errmsg(rt));
    CHECK_MSG(kiln_rt_set_counters(rt, "sw:task-clock", NULL, 0) == 0, "%s", kiln_rt_errmsg(rt));
    if (prog && b) {
        float zero[4096] = {0};
        int reps = 2000;
        kiln_buf_write(rt, b, zero, sizeof zero);
        kiln_program_set_buf(rt, prog, 0, b);
        kiln_program_set_scalar(rt, prog, 1, &reps, sizeof reps);
        kiln_geometry geo = {.dims = 1, .global = {4096}};
        kiln_counts c;
        CHECK_MSG(kiln_program_count(rt, prog, &geo, NULL, &c) == 0, "%s", kiln_rt_errmsg(rt));
        CHECK_MSG(c.threads >= 1 && strcmp(c.scope, "process threads") == 0, "%d threads, %s", c.threads,
                  c.scope);
        CHECK_MSG(c.n == 1 && c.per_run[0] > 0, "task-clock %g", c.per_run[0]);
    }
    kiln_program_free(rt, prog);
    kiln_buf_free(rt, b);
    kiln_rt_close(rt);
}

int main(void)
{
    char dir[1024], err[512];
    if (!test_cache_dir(dir, sizeof dir))
        SKIP("cannot create a temp folder");
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    CHECK_MSG(rt != NULL, "%s", err);
    if (rt) {
        test_refusals(rt);
        test_host_counts(rt);
        test_energy(rt, dir);
        kiln_rt_close(rt);
    }
    test_opencl_counts();
    if (test_scratch_remove(dir) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    CHECK_DONE();
}
