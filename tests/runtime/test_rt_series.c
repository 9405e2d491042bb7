/*
 * test_rt_series.c: timed runs queued back to back (kiln_program_time on the
 * first OpenCL device; exits 77 where there is none). A kernel that counts
 * its runs in a buffer shows that every run asked for ran, warm-up included,
 * and no other, with a fixed count and with a time budget (the series
 * grows in batches); when the race against a faster variant stops the
 * series, it keeps the samples up to the one that lost. Every sample is a
 * kernel's own time, and a kernel made longer takes longer in the samples.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/rt_int.h"
#include "check.h"
#include "rt_test_util.h"

static const char *source =
    "__kernel void count(__global volatile int *runs, __global float *sink, int spin)\n"
    "{\n"
    "    if (get_global_id(0) == 0)\n"
    "        atomic_inc(runs);\n"
    "    float x = (float)get_global_id(0);\n"
    "    for (int i = 0; i < spin; i++)\n"
    "        x = x * 0.999f + 1.0f;\n"
    "    sink[get_global_id(0)] = x;\n"
    "}\n";

enum { ITEMS = 256 };

typedef struct fixture {
    kiln_rt *rt;
    kiln_program *prog;
    kiln_buf *runs, *sink;
    kiln_geometry geo;
} fixture;

static int runs_so_far(fixture *f)
{
    int n = -1;
    CHECK(kiln_buf_read(f->rt, f->runs, &n, sizeof n) == 0);
    return n;
}

static void reset(fixture *f, int spin)
{
    int zero = 0;
    CHECK(kiln_buf_write(f->rt, f->runs, &zero, sizeof zero) == 0);
    CHECK(kiln_program_set_scalar(f->rt, f->prog, 2, &spin, sizeof spin) == 0);
}

static void check_series(fixture *f, const char *what, kiln_time_opts o, int spin, int want_lo, int want_hi)
{
    kiln_time_stats s;
    reset(f, spin);
    int rc = kiln_program_time(f->rt, f->prog, &f->geo, &o, &s);
    CHECK_MSG(rc == 0, "%s: %s", what, kiln_rt_errmsg(f->rt));
    int ran = runs_so_far(f);
    CHECK_MSG(s.samples >= want_lo && s.samples <= want_hi, "%s: %d samples, want %d..%d", what, s.samples,
              want_lo, want_hi);
    CHECK_MSG(ran == s.samples + o.warmup, "%s: %d runs for %d samples and %d warm-up", what, ran, s.samples,
              o.warmup);
    CHECK_MSG(s.min_ns > 0 && s.median_ns >= s.min_ns && s.max_ns >= s.median_ns, "%s: min %g median %g max %g",
              what, s.min_ns, s.median_ns, s.max_ns);
}

int main(void)
{
    char err[512], dir[4096];
    if (!test_cache_dir(dir, sizeof dir))
        return 1;
    fixture f = {0};
    f.rt = kiln_rt_open(NULL, err, sizeof err);
    if (!f.rt || strcmp(kiln_rt_device(f.rt)->backend, "opencl") != 0) {
        kiln_rt_close(f.rt);
        SKIP_NO_DEVICE("no OpenCL device (%s)", f.rt ? "only the host" : err);
    }
    f.prog = kiln_program_build(f.rt, source, "count", "", NULL);
    CHECK_MSG(f.prog != NULL, "%s", kiln_rt_errmsg(f.rt));
    if (!f.prog)
        CHECK_DONE();
    f.runs = kiln_buf_new(f.rt, sizeof(int));
    f.sink = kiln_buf_new(f.rt, ITEMS * sizeof(float));
    f.geo = (kiln_geometry){.dims = 1, .global = {ITEMS, 1, 1}};
    CHECK(kiln_program_set_buf(f.rt, f.prog, 0, f.runs) == 0 && kiln_program_set_buf(f.rt, f.prog, 1, f.sink) == 0);

    kiln_time_opts o;
    kiln_time_opts_default(&o);
    o.warmup = 1, o.min_reps = 7, o.max_reps = 7, o.budget_ms = 0;
    check_series(&f, "7 runs", o, 10, 7, 7);
    o.warmup = 2, o.min_reps = 3, o.max_reps = 40, o.budget_ms = 20;
    /* each run a few hundred us on a CPU device: the budget is covered
     * before 40, in batches after the first 3 */
    check_series(&f, "a 20 ms budget", o, 4000, 5, 39);
    kiln_time_stats s;
    o.warmup = 0, o.min_reps = 3, o.max_reps = 3, o.budget_ms = 0;
    reset(&f, 20000);
    CHECK(kiln_program_time(f.rt, f.prog, &f.geo, &o, &s) == 0);
    double slow = s.median_ns;
    reset(&f, 10);
    CHECK(kiln_program_time(f.rt, f.prog, &f.geo, &o, &s) == 0);
    CHECK_MSG(slow > 2 * s.median_ns, "2000x the work took %g ns against %g", slow, s.median_ns);

    /* the race: against a best 100x faster, the series stops at its third
     * sample (the first that may lose), marked stopped early, even where
     * that sample came in a batch with later ones (which ran, not kept) */
    o.warmup = 1, o.min_reps = 1, o.max_reps = 40, o.budget_ms = 1000;
    o.race_ns = s.median_ns / 100;
    reset(&f, 20000);
    CHECK(kiln_program_time(f.rt, f.prog, &f.geo, &o, &s) == 0);
    CHECK_MSG(s.samples == 3 && s.stopped_early, "race lost: %d samples, stopped early %d", s.samples,
              s.stopped_early);
    CHECK_MSG(runs_so_far(&f) >= 4, "race lost: %d runs for 3 samples and 1 warm-up", runs_so_far(&f));

    kiln_buf_free(f.rt, f.runs);
    kiln_buf_free(f.rt, f.sink);
    kiln_program_free(f.rt, f.prog);
    kiln_rt_close(f.rt);
    CHECK_DONE();
}
