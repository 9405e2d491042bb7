/*
 * timing.c: turning runs into a measurement. Warm-up runs are discarded (first
 * runs pay for page faults, lazy compilation, cold caches); then samples are
 * taken until there are enough of them and they cover the time budget, so a
 * fast kernel gets many samples and a slow one is not run for minutes. The
 * result is the median with its spread: min, max, the interquartile range and
 * the median absolute deviation, and a flag for a spread too wide to rank by.
 */
#include <math.h>
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

int kiln_program_time(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo,
                      const kiln_time_opts *opts, kiln_time_stats *out)
{
    kiln_time_opts o;
    if (opts)
        o = *opts;
    else
        kiln_time_opts_default(&o);
    memset(out, 0, sizeof *out);
    if (o.warmup < 0 || o.min_reps < 1 || o.max_reps < o.min_reps || o.budget_ms < 0)
        return kiln_rt_fail(rt,
                            "kiln_program_time: bad options (warmup %d, min_reps %d, max_reps %d, "
                            "budget %g ms): need warmup >= 0, 1 <= min_reps <= max_reps, "
                            "budget >= 0",
                            o.warmup, o.min_reps, o.max_reps, o.budget_ms);
    double ns;
    for (int i = 0; i < o.warmup; i++) {
        int rc = kiln_program_run(rt, prog, geo, &ns);
        if (rc != 0)
            return rc;
    }
    double *samples = malloc((size_t)o.max_reps * sizeof *samples);
    if (!samples)
        return kiln_rt_fail(rt, "kiln_program_time: out of memory for %d samples", o.max_reps);
    double total_ns = 0, budget_ns = o.budget_ms * 1e6;
    int n = 0;
    while (n < o.max_reps && (n < o.min_reps || total_ns < budget_ns)) {
        int rc = kiln_program_run(rt, prog, geo, &ns);
        if (rc != 0) {
            free(samples);
            return rc;
        }
        samples[n++] = ns;
        total_ns += ns;
    }
    kiln_stats_of(samples, n, out);
    free(samples);
    return 0;
}
