/*
 * confirm.c: confirmed figures for the fastest variants of a run.
 *
 * A variant's median comes from one measurement session; a neighbour's load,
 * a frequency change or a cold cache can favour whichever ran at a good
 * moment. At the end of a run the fastest few current results are measured
 * again, interleaved (A B C D E, A B C D E, ...), and the median of their
 * round medians with its spread is stored beside each; `best` ranks by it.
 *
 * Each finalist is built once and kept with its arguments bound (its first
 * run verified again), and each round is a short series of its own: the
 * rounds together take about the samples and the time budget of one
 * measurement, not one whole measurement (a build, uploads, two
 * verifications) per round.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "autotuner/tuner_int.h"

#define CONFIRM_DEFAULT_ROUNDS 5
/* Rounds whose median absolute deviation exceeds this share of their median
 * disagree too much for the figure to rank variants: the result is flagged noisy. */
#define CONFIRM_NOISY_SHARE 0.05

typedef struct candidate {
    int64_t row_id;
    double median_ns;
    kiln_config cfg;
    char source_hash[17];      /* the stored identity: a variant whose source changed since is not confirmed */
    double *round_ns;          /* one median per round, NaN where the round failed */
    kiln_kept_variant *kept;   /* built and bound; NULL when it could not be (stale, failed) */
} candidate;

typedef struct candidates {
    const kiln_tune_opts *opts;
    const char *data_hash;
    candidate *items;
    int n, cap;
} candidates;

/* Keeps the cap fastest current OK rows of this run's verification data. */
static int collect(void *user, const kiln_db_row *row)
{
    candidates *c = user;
    if (row->superseded_by || !row->verdict || strcmp(row->verdict, "ok") != 0 || row->median_ns <= 0 ||
        !row->data_hash || strcmp(row->data_hash, c->data_hash) != 0)
        return 0;
    kiln_config cfg;
    if (kiln_config_from_json(c->opts->kernel, row->config_json, &cfg, NULL, 0) != 0)
        return 0;
    int pos = c->n;
    while (pos > 0 && c->items[pos - 1].median_ns > row->median_ns)
        pos--;
    if (pos >= c->cap)
        return 0;
    if (c->n == c->cap)
        c->n--;
    memmove(&c->items[pos + 1], &c->items[pos], (size_t)(c->n - pos) * sizeof c->items[0]);
    c->items[pos].row_id = row->id;
    c->items[pos].median_ns = row->median_ns;
    c->items[pos].cfg = cfg;
    c->items[pos].round_ns = NULL;
    c->items[pos].kept = NULL;
    snprintf(c->items[pos].source_hash, sizeof c->items[pos].source_hash, "%s",
             row->source_hash ? row->source_hash : "");
    c->n++;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median and median absolute deviation of the finite values; 0 rounds when none. */
static int median_mad(const double *v, int n, double *median, double *mad)
{
    double *x = malloc((size_t)n * sizeof *x);
    int m = 0;
    if (!x)
        return 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i]))
            x[m++] = v[i];
    if (m > 0) {
        qsort(x, (size_t)m, sizeof *x, cmp_double);
        *median = m % 2 ? x[m / 2] : 0.5 * (x[m / 2 - 1] + x[m / 2]);
        for (int i = 0; i < m; i++)
            x[i] = fabs(x[i] - *median);
        qsort(x, (size_t)m, sizeof *x, cmp_double);
        *mad = m % 2 ? x[m / 2] : 0.5 * (x[m / 2 - 1] + x[m / 2]);
    }
    free(x);
    return m;
}

/* The candidate built and bound once for every round; NULL when its source
 * is not the stored one any more, or it fails now. */
static kiln_kept_variant *keep(kiln_rt *rt, const kiln_tune_opts *opts, const candidate *c, const char *build_options)
{
    kiln_eval ev;
    char kname[256], identity[17];
    kiln_kept_variant *kept = NULL;
    if (kiln_variant_prepare(rt, opts->kernel, &c->cfg, &opts->size, opts, &ev, kname, sizeof kname) == 0) {
        kiln_identity_hash(ev.source_hash, build_options, identity);
        if (strcmp(identity, c->source_hash) == 0)
            kept = kiln_variant_keep(rt, opts->kernel, &c->cfg, &opts->size, opts, kname, &ev);
    }
    kiln_eval_clear(&ev);
    return kept;
}

/* One round's series: its share of one measurement's samples and time. */
static kiln_time_opts round_timing(const kiln_tune_opts *opts, int rounds)
{
    kiln_time_opts t;
    kiln_time_opts_default(&t);
    if (opts->timing.min_reps > 0)
        t = opts->timing;
    t.race_ns = 0;
    if (t.min_reps < KILN_TIME_MIN_SAMPLES)
        t.min_reps = KILN_TIME_MIN_SAMPLES;
    t.max_reps = t.max_reps / rounds > t.min_reps ? t.max_reps / rounds : t.min_reps;
    t.budget_ms /= rounds;
    return t;
}

/* One round's median of a candidate, NaN when it has no kept variant or failed. */
static double measure_once(candidate *c, const kiln_time_opts *topts)
{
    kiln_time_stats st;
    if (!c->kept || kiln_variant_retime(c->kept, topts, &st) != 0 || st.samples == 0) {
        kiln_variant_release(c->kept);
        c->kept = NULL; /* a failure now: no more rounds for it */
        return NAN;
    }
    return st.median_ns;
}

int kiln_tune_confirm(kiln_db *db, kiln_rt *rt, const kiln_tune_opts *opts, const char *size,
                      const char *data_hash, const char *build_options, kiln_tune_summary *summary)
{
    int *confirmed = &summary->confirmed;
    const kiln_kernel *k = opts->kernel;
    int rounds = opts->confirm_rounds > 0 ? opts->confirm_rounds : CONFIRM_DEFAULT_ROUNDS;
    candidates c = {.opts = opts, .data_hash = data_hash, .cap = opts->confirm_top};
    *confirmed = 0;
    c.items = calloc((size_t)c.cap + 1, sizeof *c.items);
    if (!c.items)
        return 0;
    int rc = kiln_db_foreach(db, k->name, kiln_rt_device(rt)->fingerprint, size, collect, &c);
    for (int i = 0; rc == 0 && i < c.n; i++) {
        c.items[i].round_ns = malloc((size_t)rounds * sizeof(double));
        if (!c.items[i].round_ns)
            rc = -1;
    }
    for (int i = 0; rc == 0 && i < c.n; i++)
        c.items[i].kept = keep(rt, opts, &c.items[i], build_options);
    /* A B C D E, A B C D E, ...: every round sees the machine in the same state for all. */
    kiln_time_opts topts = round_timing(opts, rounds);
    for (int round = 0; rc == 0 && round < rounds; round++) {
        if (opts->stop && *opts->stop)
            rounds = round;
        for (int i = 0; i < c.n && round < rounds; i++)
            c.items[i].round_ns[round] = measure_once(&c.items[i], &topts);
    }
    int64_t best_row = 0;
    for (int i = 0; rc == 0 && i < c.n; i++) {
        double median = 0, mad = 0;
        int n = median_mad(c.items[i].round_ns, rounds, &median, &mad);
        if (n == 0)
            continue;
        if (kiln_db_result_confirm(db, c.items[i].row_id, median, mad, n, mad > CONFIRM_NOISY_SHARE * median) != 0) {
            rc = -1;
        } else if ((*confirmed)++ == 0 || median < summary->best_ns ||
                   (median == summary->best_ns && c.items[i].row_id < best_row)) {
            /* the run's best is the one best will answer with, ties going to the older
             * row as there (the clock counts in steps: equal medians happen) */
            best_row = c.items[i].row_id;
            summary->best_ns = median;
            summary->best = c.items[i].cfg;
            kiln_config_json(&c.items[i].cfg, summary->best_json, sizeof summary->best_json);
        }
    }
    for (int i = 0; i < c.n; i++) {
        free(c.items[i].round_ns);
        kiln_variant_release(c.items[i].kept);
    }
    free(c.items);
    return rc;
}
