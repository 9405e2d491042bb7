/*
 * timing.c: turning runs into a measurement. Warm-up runs are discarded (first
 * runs pay for page faults, lazy compilation, cold caches); then samples are
 * taken until there are enough of them and they cover the time budget, so a
 * fast kernel gets many samples and a slow one is not run for minutes. The
 * result is the median with its spread: min, max, the interquartile range and
 * the median absolute deviation, and a flag for a spread too wide to rank by.
 */
#include <math.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/rt_int.h"

void kiln_time_opts_default(kiln_time_opts *o)
{
    o->warmup = 1;
    o->min_reps = 3;
    o->max_reps = 50;
    o->budget_ms = 200.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-quantile of n sorted values, interpolated between order statistics. */
static double quantile_sorted(const double *sorted, int n, double p)
{
    double pos = p * (n - 1);
    int lo = (int)pos;
    if (lo >= n - 1)
        return sorted[n - 1];
    return sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo]);
}

void kiln_stats_of(const double *samples_ns, int n, kiln_time_stats *out)
{
    memset(out, 0, sizeof *out);
    if (n <= 0)
        return;
    double *sorted = malloc(2 * (size_t)n * sizeof *sorted);
    if (!sorted)
        return;
    memcpy(sorted, samples_ns, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_double);
    out->min_ns = sorted[0];
    out->max_ns = sorted[n - 1];
    out->median_ns = quantile_sorted(sorted, n, 0.5);
    out->iqr_ns = quantile_sorted(sorted, n, 0.75) - quantile_sorted(sorted, n, 0.25);
    double *dev = sorted + n;
    for (int i = 0; i < n; i++)
        dev[i] = fabs(sorted[i] - out->median_ns);
    qsort(dev, (size_t)n, sizeof *dev, cmp_double);
    out->mad_ns = quantile_sorted(dev, n, 0.5);
    out->samples = n;
    out->noisy = n < KILN_TIME_MIN_SAMPLES || out->iqr_ns > KILN_TIME_NOISY_IQR * out->median_ns;
    free(sorted);
}

/* The options of a series (defaults for NULL), checked. */
static int series_options(kiln_rt *rt, const kiln_time_opts *opts, kiln_time_opts *o, const char *what)
{
    if (opts)
        *o = *opts;
    else
        kiln_time_opts_default(o);
    if (o->warmup < 0 || o->min_reps < 1 || o->max_reps < o->min_reps || o->budget_ms < 0)
        return kiln_rt_fail(rt,
                            "%s: bad options (warmup %d, min_reps %d, max_reps %d, "
                            "budget %g ms): need warmup >= 0, 1 <= min_reps <= max_reps, "
                            "budget >= 0",
                            what, o->warmup, o->min_reps, o->max_reps, o->budget_ms);
    return 0;
}

/* series_options, then the warm-up runs. */
static int series_begin(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, const kiln_time_opts *opts,
                        kiln_time_opts *o, const char *what)
{
    if (series_options(rt, opts, o, what) != 0)
        return -1;
    double ns;
    for (int i = 0; i < o->warmup; i++) {
        int rc = kiln_program_run(rt, prog, geo, &ns);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int kiln_time_race_lost(int n, double fastest_ns, double race_ns)
{
    return race_ns > 0 && n >= KILN_RACE_MIN_SAMPLES && fastest_ns > race_ns * (1 + KILN_RACE_MARGIN);
}

/* Runs queued at once after the first batch: enough to fill what is left of
 * the budget at the mean so far, at most this many. */
#define SERIES_BATCH_MAX 16

int kiln_program_time(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo,
                      const kiln_time_opts *opts, kiln_time_stats *out)
{
    kiln_time_opts o;
    memset(out, 0, sizeof *out);
    if (series_options(rt, opts, &o, "kiln_program_time") != 0)
        return -1;
    /* the warm-up runs go in the first batch, their times dropped */
    double *samples = malloc(((size_t)o.max_reps + (size_t)o.warmup) * sizeof *samples);
    if (!samples)
        return kiln_rt_fail(rt, "kiln_program_time: out of memory for %d samples", o.max_reps);
    double total_ns = 0, budget_ns = o.budget_ms * 1e6, fastest_ns = 0;
    int n = 0, raced = 0, lost = 0, first = 1;
    while (!raced && n < o.max_reps && (n < o.min_reps || total_ns < budget_ns)) {
        int k = o.min_reps - n;
        if (k <= 0) {
            double left = (budget_ns - total_ns) / (total_ns / n);
            k = left < 1 ? 1 : left > SERIES_BATCH_MAX ? SERIES_BATCH_MAX : (int)ceil(left);
            if (k > o.max_reps - n)
                k = o.max_reps - n;
        }
        int skip = first ? o.warmup : 0;
        int rc = kiln_program_run_series(rt, prog, geo, k + skip, samples + n);
        if (rc != 0) {
            free(samples);
            return rc;
        }
        if (skip)
            memmove(samples + n, samples + n + skip, (size_t)k * sizeof *samples);
        first = 0;
        for (int i = 0; i < k && !raced; i++) {
            double ns = samples[n++];
            total_ns += ns;
            fastest_ns = n == 1 || ns < fastest_ns ? ns : fastest_ns;
            /* a series stops at the first sample that loses the race; it
             * stopped early if it would have gone on */
            raced = n >= o.min_reps && kiln_time_race_lost(n, fastest_ns, o.race_ns);
            lost = raced && n < o.max_reps && total_ns < budget_ns;
        }
    }
    kiln_stats_of(samples, n, out);
    out->stopped_early = lost;
    free(samples);
    return 0;
}

static double wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int kiln_program_count(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo,
                       const kiln_time_opts *opts, kiln_counts *out)
{
    kiln_time_opts o;
    memset(out, 0, sizeof *out);
    out->energy_j = out->power_w = -1;
    if (!rt->counters && !rt->energy)
        return kiln_rt_fail(rt, "kiln_program_count: neither events (kiln_rt_set_counters) nor "
                                "energy (kiln_rt_set_energy) asked for");
    int rc0 = series_begin(rt, prog, geo, opts, &o, "kiln_program_count");
    if (rc0 != 0)
        return rc0;
    double ns;
    double budget_ns = o.budget_ms * 1e6;
    if (rt->energy && budget_ns < KILN_ENERGY_MIN_MS * 1e6)
        budget_ns = KILN_ENERGY_MIN_MS * 1e6;
    long long vals[KILN_MAX_COUNTERS] = {0};
    double e0 = 0, e1 = 0, total_ns = 0, t0 = wall_ns(), wall = 0;
    if (rt->energy && kc_energy_read(&rt->energy_src, &e0) != 0)
        return kiln_rt_fail(rt, "reading energy (%s) failed", rt->energy_src.source);
    int n = 0, threads = 0;
    /* With energy, the series runs until its wall time covers the budget:
     * the counters (NVML's especially) advance in steps of milliseconds. */
    while (n < o.min_reps || (rt->energy ? wall : total_ns) < budget_ns) {
        if (!rt->energy && n >= o.max_reps)
            break;
        int t = 0, rc = rt->counters ? kiln_program_run_counted(rt, prog, geo, &ns, vals, &t)
                                     : kiln_program_run(rt, prog, geo, &ns);
        if (rc != 0)
            return rc;
        if (t > threads)
            threads = t;
        total_ns += ns;
        n++;
        wall = wall_ns() - t0;
    }
    if (rt->energy) {
        if (kc_energy_read(&rt->energy_src, &e1) != 0)
            return kiln_rt_fail(rt, "reading energy (%s) failed", rt->energy_src.source);
        double joules = e1 - e0;
        if (joules < 0)
            joules += kc_energy_range(&rt->energy_src);
        out->power_w = wall > 0 ? joules / (wall * 1e-9) : 0;
        out->energy_j = out->power_w * (total_ns / n) * 1e-9;
        snprintf(out->energy_source, sizeof out->energy_source, "%s", rt->energy_src.source);
    }
    out->runs = n;
    out->elapsed_ns = total_ns / n;
    out->threads = threads;
    snprintf(out->scope, sizeof out->scope, "%s",
             rt->ops->run_counted ? "kernel threads" : "process threads");
    if (rt->counters) {
        out->n = rt->counters->n;
        for (int i = 0; i < out->n; i++) {
            snprintf(out->name[i], sizeof out->name[i], "%s", rt->counters->names[i]);
            out->per_run[i] = (double)vals[i] / n;
        }
    }
    return 0;
}

int kiln_counts_json(const kiln_counts *c, char *out, size_t len)
{
    size_t used = 0;
    int w = snprintf(out, len, "{\"events\":{");
    for (int i = 0; w >= 0 && i < c->n; i++) {
        used += (size_t)w;
        if (used >= len)
            return -1;
        w = snprintf(out + used, len - used, "%s\"%s\":%.17g", i ? "," : "", c->name[i], c->per_run[i]);
    }
    if (w < 0 || (used += (size_t)w) >= len)
        return -1;
    w = snprintf(out + used, len - used, "},\"threads\":%d,\"scope\":\"%s\",\"runs\":%d,\"run_ns\":%.17g",
                 c->threads, c->scope, c->runs, c->elapsed_ns);
    if (w < 0 || (used += (size_t)w) >= len)
        return -1;
    if (c->energy_source[0])
        w = snprintf(out + used, len - used, ",\"energy_j\":%.17g,\"power_w\":%.17g,\"energy_source\":\"%s\"}",
                     c->energy_j, c->power_w, c->energy_source);
    else
        w = snprintf(out + used, len - used, "}");
    return w < 0 || used + (size_t)w >= len ? -1 : 0;
}
