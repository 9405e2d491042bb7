/*
 * test_strategies: every strategy but exhaustive, driven the way the tuning
 * loop may drive it. Each proposes only valid points, never one twice, and
 * ends: on a space where most points are invalid, on one with a single valid
 * point, and on ones too large to enumerate (gemm's); keeps to its budget in
 * evaluations and in seconds; replays by seed and differs between seeds;
 * copes with batches reported out of order and proposals asked for before
 * earlier ones are reported; goes on through failed variants; starts from
 * the stored results without proposing them again; and each smart one
 * finds better points than random within a small budget on an objective
 * with structure (median over seeds).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "fixture.h"
#include "kiln/tuner.h"

static const char *const smart[] = {"annealing", "genetic", "pso", "ils", "model"};
#define NSMART (int)(sizeof smart / sizeof smart[0])
static const char *const searching[] = {"random", "annealing", "genetic", "pso", "ils", "model"};
#define NSEARCHING (int)(sizeof searching / sizeof searching[0])

/* ---- spaces ----------------------------------------------------------- */

static const long long eight[] = {1, 2, 3, 4, 5, 6, 7, 8};
static const long long four[] = {0, 1, 2, 3};
static const char *const shapes[] = {"row", "col", "tile", "diag"};

/* p0..p4 ordinal 1..8, shape categorical: 131072 points, about 80% valid */
static const kiln_kernel structured = {
    .name = "structured",
    KILN_PARAMS({.name = "p0", .nvalues = 8, .values = eight}, {.name = "p1", .nvalues = 8, .values = eight},
                {.name = "p2", .nvalues = 8, .values = eight}, {.name = "p3", .nvalues = 8, .values = eight},
                {.name = "p4", .nvalues = 8, .values = eight},
                {.name = "shape", .nvalues = 4, .values = four, .names = shapes}),
    KILN_CONSTRAINTS("p0 + p1 <= 13"),
};

/* 32768 points, 56 of them valid (p0 < p1 < p2 and p3 = p4 = 1) */
static const kiln_kernel sparse = {
    .name = "sparse",
    KILN_PARAMS({.name = "p0", .nvalues = 8, .values = eight}, {.name = "p1", .nvalues = 8, .values = eight},
                {.name = "p2", .nvalues = 8, .values = eight}, {.name = "p3", .nvalues = 8, .values = eight},
                {.name = "p4", .nvalues = 8, .values = eight}),
    KILN_CONSTRAINTS("p0 < p1 && p1 < p2", "p3 == 1 && p4 == 1"),
};

static const kiln_kernel single = {
    .name = "single",
    KILN_PARAMS({.name = "p0", .nvalues = 8, .values = eight}, {.name = "p1", .nvalues = 8, .values = eight},
                {.name = "shape", .nvalues = 4, .values = four, .names = shapes}),
    KILN_CONSTRAINTS("p0 == 5 && p1 == 3 && shape == 2"),
};

/* 8^10 = 2^30 points, about 3% valid: never enumerated */
static const char *const ten_names[10] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
static kiln_param ten_params[10];
static kiln_kernel huge = {.name = "huge", .nparams = 10, .params = ten_params,
                           KILN_CONSTRAINTS("a + b + c + d <= 12", "e * f <= 16")};

/* ---- objective -------------------------------------------------------- */

/* A bowl with its optimum 1.0 at p = (6, 3, 5, 2, 7), shape tile, a coupling
 * of p0 and p1, and a region that fails (p2 == 8). */
static double objective_of(const kiln_config *c, kiln_verdict *verdict)
{
    static const double centre[5] = {6, 3, 5, 2, 7}, weight[5] = {0.5, 0.3, 0.2, 0.15, 0.1};
    double f = 1;
    for (int d = 0; d < 5 && d < c->n; d++)
        f += weight[d] * (double)(c->values[d] - centre[d]) * (double)(c->values[d] - centre[d]);
    if (c->n > 5)
        f += c->values[5] == 2 ? 0 : 0.8;
    f += 0.05 * (double)(c->values[0] - c->values[1] - 3) * (double)(c->values[0] - c->values[1] - 3);
    *verdict = c->n > 2 && c->values[2] == 8 ? KILN_RUN_ERROR : KILN_OK;
    return f;
}

/* ---- a driver --------------------------------------------------------- */

typedef struct drive_opts {
    uint64_t budget;
    double time_budget_s;
    uint64_t seed;
    size_t batch;              /* asked for at a time */
    int reverse;               /* report each batch last first */
    int hold;                  /* report all but the last `hold` proposals before asking again */
    int all_fail;              /* every variant fails */
    const kiln_observation *history;
    size_t nhistory;
} drive_opts;

#define MAX_RECORD 4096
typedef struct record {
    uint64_t points[MAX_RECORD];
    int n;
    int invalid, duplicates, reports, unended;
    double best;
} record;

static uint64_t key_of(const kiln_space *s, const kiln_config *c)
{
    int idx[KILN_MAX_PARAMS];
    if (kiln_space_indices(s, c, idx) != 0)
        return UINT64_MAX;
    return kiln_space_index_of(s, idx);
}

static void hear(const kiln_strategy *st, void *state, const kiln_config *c, const drive_opts *o, record *r)
{
    kiln_verdict v;
    double f = objective_of(c, &v);
    if (o->all_fail)
        v = KILN_BUILD_ERROR;
    kiln_observation obs = {.config = c, .verdict = v, .objective = v == KILN_OK ? f : -1,
                            .time_ns = v == KILN_OK ? f : -1};
    if (v == KILN_OK && f < r->best)
        r->best = f;
    st->report(state, &obs);
    r->reports++;
}

/* Runs strategy `name` on s to its end (or 5000 proposals) and records it. */
static void drive(const char *name, const kiln_space *s, const drive_opts *o, record *r)
{
    memset(r, 0, sizeof *r);
    r->best = INFINITY;
    const kiln_strategy *st = kiln_strategy_find(name);
    CHECK_MSG(st != NULL, "no strategy '%s'", name);
    if (!st)
        return;
    kiln_size size = {.ndims = 1, .d = {64, 1, 1}};
    kiln_strategy_ctx ctx = {.space = s, .budget = o->budget, .time_budget_s = o->time_budget_s, .seed = o->seed,
                             .size = &size, .history = o->history, .nhistory = o->nhistory};
    void *state = st->init(&ctx);
    CHECK_MSG(state != NULL, "%s: init failed", name);
    if (!state)
        return;
    static kiln_config held[MAX_RECORD];
    int nheld = 0;
    kiln_config batch[64];
    for (int round = 0; round < 5000; round++) {
        size_t got = st->propose(state, batch, o->batch);
        CHECK_MSG(got <= o->batch, "%s: %zu proposals for %zu asked", name, got, o->batch);
        if (got == 0 && nheld == 0)
            break;
        for (size_t i = 0; i < got; i++) {
            char why[160];
            if (kiln_space_check(s, &batch[i], why, sizeof why) != 1) {
                r->invalid++;
                continue;
            }
            uint64_t key = key_of(s, &batch[i]);
            for (int j = 0; j < r->n; j++)
                r->duplicates += r->points[j] == key;
            if (r->n < MAX_RECORD)
                r->points[r->n++] = key;
            if (nheld < MAX_RECORD)
                held[nheld++] = batch[i];
        }
        /* report what is held, in order or last first, keeping back `hold` of them */
        int keep = got ? o->hold : 0;
        while (nheld > keep) {
            int at = o->reverse ? nheld - 1 : 0;
            kiln_config c = held[at];
            if (!o->reverse)
                memmove(&held[0], &held[1], (size_t)(nheld - 1) * sizeof held[0]);
            nheld--;
            hear(st, state, &c, o, r);
        }
        if (round == 4999)
            r->unended = 1;
    }
    st->fini(state);
}

static double median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int same_points(const record *a, const record *b)
{
    return a->n == b->n && memcmp(a->points, b->points, (size_t)a->n * sizeof a->points[0]) == 0;
}

int main(void)
{
    for (int p = 0; p < 10; p++)
        ten_params[p] = (kiln_param){.name = ten_names[p], .nvalues = 8, .values = eight};
    for (int i = 0; i < NSEARCHING; i++)
        CHECK_MSG(kiln_strategy_find(searching[i]) != NULL, "strategy '%s' is not registered", searching[i]);
    kiln_space *st = fixture_space_of(&structured), *sp = fixture_space_of(&sparse), *one = fixture_space_of(&single), *big = fixture_space_of(&huge);
    if (!st || !sp || !one || !big)
        CHECK_DONE();
    const kiln_kernel *gemm_kernel = kiln_kernel_find("gemm");
    CHECK_MSG(gemm_kernel != NULL, "no gemm kernel registered");
    char gerr[256];
    kiln_space *gemm = gemm_kernel ? kiln_space_new(gemm_kernel, &(kiln_size){3, {256, 256, 256}}, gerr, sizeof gerr)
                                   : NULL;
    CHECK_MSG(!gemm_kernel || gemm, "%s", gerr);
    CHECK(!gemm || kiln_space_total(gemm) > (UINT64_C(1) << 25));
    uint64_t sparse_valid = kiln_space_count_valid(sp);
    CHECK(sparse_valid == 56); /* p0 < p1 < p2 among 8 values: 8 choose 3 */
    record r, r2;

    for (int i = 0; i < NSEARCHING; i++) {
        const char *name = searching[i];
        /* most points invalid: every valid point once, nothing else, then the end */
        drive(name, sp, &(drive_opts){.seed = 3, .batch = 4}, &r);
        CHECK_MSG(r.invalid == 0 && r.duplicates == 0 && !r.unended, "%s on the sparse space: %d invalid, %d repeated",
                  name, r.invalid, r.duplicates);
        CHECK_MSG((uint64_t)r.n == sparse_valid, "%s on the sparse space: %d of %llu valid points", name, r.n,
                  (unsigned long long)sparse_valid);
        CHECK_MSG(r.reports == r.n, "%s: %d reports for %d proposals", name, r.reports, r.n);
        /* a single valid point: proposed once */
        drive(name, one, &(drive_opts){.seed = 5, .batch = 8}, &r);
        CHECK_MSG(r.n == 1 && r.invalid == 0 && !r.unended, "%s on the one-point space: %d proposals, %d invalid", name,
                  r.n, r.invalid);
        /* budgets: evaluations, and seconds */
        drive(name, st, &(drive_opts){.budget = 37, .seed = 9, .batch = 5}, &r);
        CHECK_MSG(r.n == 37 && r.invalid == 0 && r.duplicates == 0, "%s with a budget of 37: %d proposals", name, r.n);
        drive(name, st, &(drive_opts){.time_budget_s = 1e-9, .seed = 9, .batch = 5}, &r);
        CHECK_MSG(r.n <= 5, "%s with a budget of 1 ns: %d proposals", name, r.n);
        /* same seed, same reports: same proposals; another seed: others */
        drive(name, st, &(drive_opts){.budget = 60, .seed = 11, .batch = 3}, &r);
        drive(name, st, &(drive_opts){.budget = 60, .seed = 11, .batch = 3}, &r2);
        CHECK_MSG(same_points(&r, &r2), "%s: seed 11 twice gave different proposals", name);
        drive(name, st, &(drive_opts){.budget = 60, .seed = 12, .batch = 3}, &r2);
        CHECK_MSG(!same_points(&r, &r2), "%s: seeds 11 and 12 gave the same proposals", name);
        /* batches reported last first, with proposals held back across asks */
        drive(name, st, &(drive_opts){.budget = 300, .seed = 13, .batch = 16, .reverse = 1, .hold = 5}, &r);
        CHECK_MSG(r.n == 300 && r.invalid == 0 && r.duplicates == 0 && r.reports == 300,
                  "%s out of order: %d proposals, %d invalid, %d repeated, %d reports", name, r.n, r.invalid,
                  r.duplicates, r.reports);
        CHECK_MSG(r.best < 3, "%s out of order: best %g", name, r.best);
        /* every variant failing: the search goes on to its budget */
        drive(name, st, &(drive_opts){.budget = 50, .seed = 15, .batch = 4, .all_fail = 1}, &r);
        CHECK_MSG(r.n == 50 && r.invalid == 0 && r.duplicates == 0, "%s with every variant failing: %d proposals",
                  name, r.n);
        /* spaces too large to enumerate: 2^30 points, and gemm's 35.8 million (2% valid) */
        drive(name, big, &(drive_opts){.budget = 40, .seed = 17, .batch = 4}, &r);
        CHECK_MSG(r.n == 40 && r.invalid == 0 && r.duplicates == 0, "%s on 2^30 points: %d proposals, %d invalid",
                  name, r.n, r.invalid);
        if (gemm) {
            drive(name, gemm, &(drive_opts){.budget = 30, .seed = 19, .batch = 8, .reverse = 1}, &r);
            CHECK_MSG(r.n == 30 && r.invalid == 0 && r.duplicates == 0, "%s on gemm: %d proposals, %d invalid", name,
                      r.n, r.invalid);
        }
    }

    /* stored results: a smart strategy starts from them and proposes none again */
    {
        static kiln_config stored[3];
        kiln_observation history[3];
        const long long points[3][6] = {{6, 3, 5, 2, 7, 2}, {1, 1, 1, 1, 1, 0}, {8, 2, 8, 8, 8, 3}};
        for (int h = 0; h < 3; h++) {
            stored[h].n = 6;
            for (int d = 0; d < 6; d++) {
                stored[h].names[d] = kiln_space_param(st, d)->name;
                stored[h].values[d] = points[h][d];
            }
            kiln_verdict v;
            double f = objective_of(&stored[h], &v);
            history[h] = (kiln_observation){.config = &stored[h], .verdict = v, .objective = v == KILN_OK ? f : -1,
                                            .time_ns = v == KILN_OK ? f : -1, .resumed = 1};
        }
        for (int i = 0; i < NSMART; i++) {
            drive(smart[i], st, &(drive_opts){.budget = 80, .seed = 21, .batch = 4, .history = history, .nhistory = 3},
                  &r);
            int again = 0;
            for (int j = 0; j < r.n; j++)
                for (int h = 0; h < 3; h++)
                    again += r.points[j] == key_of(st, &stored[h]);
            CHECK_MSG(again == 0 && r.n == 80, "%s proposed %d stored results again (%d proposals)", smart[i], again,
                      r.n);
        }
        /* iterated local search climbs from the stored optimum: its first proposals are its neighbours */
        drive("ils", st, &(drive_opts){.budget = 4, .seed = 21, .batch = 4, .history = history, .nhistory = 3}, &r);
        int idx0[KILN_MAX_PARAMS];
        kiln_space_indices(st, &stored[0], idx0);
        for (int j = 0; j < r.n; j++) {
            uint64_t key = r.points[j];
            int changed = 0, step_ok = 1;
            for (int d = 5; d >= 0; d--) {
                int nv = kiln_space_param(st, d)->nvalues, v = (int)(key % (uint64_t)nv);
                key /= (uint64_t)nv;
                changed += v != idx0[d];
                step_ok &= v == idx0[d] || kiln_space_categorical(st, d) || abs(v - idx0[d]) == 1;
            }
            CHECK_MSG(changed == 1 && step_ok, "ils proposal %d is not a neighbour of the stored optimum", j);
        }
    }

    /* smarter than random: the best found in 80 evaluations, median over 11 seeds */
    {
        enum { SEEDS = 11, BUDGET = 80 };
        double random_best[SEEDS];
        for (int seed = 0; seed < SEEDS; seed++) {
            drive("random", st, &(drive_opts){.budget = BUDGET, .seed = 100 + (uint64_t)seed, .batch = 4}, &r);
            random_best[seed] = r.best;
        }
        double random_median = median(random_best, SEEDS);
        for (int i = 0; i < NSMART; i++) {
            double best[SEEDS];
            for (int seed = 0; seed < SEEDS; seed++) {
                drive(smart[i], st, &(drive_opts){.budget = BUDGET, .seed = 100 + (uint64_t)seed, .batch = 4}, &r);
                best[seed] = r.best;
            }
            double m = median(best, SEEDS);
            CHECK_MSG(m < random_median, "%s: median best %.3f, random's %.3f", smart[i], m, random_median);
            fprintf(stderr, "%-10s median best in %d evaluations: %.3f (random %.3f, optimum 1)\n", smart[i], BUDGET, m,
                    random_median);
        }
    }
    kiln_space_free(st);
    kiln_space_free(sp);
    kiln_space_free(one);
    kiln_space_free(big);
    kiln_space_free(gemm);
    CHECK_DONE();
}
