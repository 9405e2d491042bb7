/*
 * strategy_model.c: model-guided search ("model"). A Gaussian process
 * (Matern 5/2; ordinal parameters by their value indices scaled to [0, 1],
 * categorical ones by whether they differ) is fitted to the log of the
 * objectives heard so far, with a length scale per parameter chosen by
 * marginal likelihood (a pattern search on their logarithms under a weak
 * prior, from the best common scale and from the last fit); the next points
 * are the candidates of highest expected improvement, among
 * MODEL_CANDIDATES sampled valid points not yet proposed and the fresh
 * neighbours of the best points (every point left, where few are left).
 *
 * A batch and the proposals still in flight are chosen as one: each point
 * picked (or in flight) conditions the model's variance as if measured at
 * its predicted mean, so the next pick looks elsewhere. Failed variants are
 * heard as a little worse than the worst correct one. The first
 * MODEL_INITIAL points (fewer with stored results) are a maximin design: the
 * first at random, each next the candidate farthest from every point known.
 * The model keeps at most MODEL_MAX_TRAIN points (the best, then the latest).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "autotuner/strategy_int.h"

#define MODEL_INITIAL 6
#define MODEL_CANDIDATES 384
#define MODEL_MAX_TRAIN 192
#define MODEL_KEEP_BEST 128
#define MODEL_NUGGET 1e-2
#define MODEL_XI 0.01
/* length scales: their range, the prior's centre and spread (natural log),
 * the common scales tried as a start, and the set size refitted every time */
#define MODEL_SCALE_MIN 0.05
#define MODEL_SCALE_MAX 20.0
#define MODEL_SCALE_PRIOR_LOG 0.0
#define MODEL_SCALE_PRIOR_SD 0.75
#define MODEL_COMMON_SCALES 6
#define MODEL_REFIT_ALWAYS 48

typedef struct sample {
    uint64_t index;
    double y;                  /* log objective, or INFINITY for a failure */
} sample;

typedef struct model_state {
    search s;
    sample *heard;             /* in report order */
    size_t nheard, heard_cap;
    uint64_t *pending;         /* proposals not yet reported */
    size_t npending, pending_cap;
    /* scratch, sized at init */
    double *x;                 /* training points, MODEL_MAX_TRAIN x nparams */
    double *y, *chol, *alpha, *work;
    uint64_t *near;
    size_t near_cap;
    double log_scale[KILN_MAX_PARAMS]; /* the length scales of the last fit */
    size_t fitted_n;           /* its training set's size (0: none yet) */
} model_state;

static void model_fini(void *state)
{
    model_state *m = state;
    if (!m)
        return;
    free(m->heard);
    free(m->pending);
    free(m->x);
    free(m->y);
    free(m->chol);
    free(m->alpha);
    free(m->work);
    free(m->near);
    search_state_free(m);
}

static int push_heard(model_state *m, uint64_t index, double y)
{
    if (search_reserve(&m->heard, &m->heard_cap, m->nheard + 1, sizeof *m->heard) != 0)
        return -1;
    m->heard[m->nheard++] = (sample){index, y};
    return 0;
}

static double log_figure(double value)
{
    return value >= STRATEGY_FAILED ? INFINITY : log(value > 1e-300 ? value : 1e-300);
}

static void *model_init(const kiln_strategy_ctx *ctx)
{
    model_state *m = search_state_new(sizeof *m, ctx, 1);
    if (!m)
        return NULL;
    int np = m->s.nparams ? m->s.nparams : 1;
    m->near_cap = search_max_neighbours(&m->s) + 1;
    m->x = malloc((size_t)MODEL_MAX_TRAIN * (size_t)np * sizeof *m->x);
    m->y = malloc(MODEL_MAX_TRAIN * sizeof *m->y);
    m->chol = malloc((size_t)MODEL_MAX_TRAIN * MODEL_MAX_TRAIN * sizeof *m->chol);
    m->alpha = malloc(MODEL_MAX_TRAIN * sizeof *m->alpha);
    m->work = malloc(MODEL_MAX_TRAIN * sizeof *m->work);
    m->near = malloc(m->near_cap * sizeof *m->near);
    if (!m->x || !m->y || !m->chol || !m->alpha || !m->work || !m->near) {
        model_fini(m);
        return NULL;
    }
    for (size_t i = 0; i < ctx->nhistory; i++) {
        int idx[KILN_MAX_PARAMS];
        double value;
        if (!ctx->history[i].config || kiln_space_indices(m->s.space, ctx->history[i].config, idx) != 0)
            continue;
        uint64_t index = search_encode(&m->s, idx);
        if (search_heard(&m->s, index, &value) && push_heard(m, index, log_figure(value)) != 0) {
            model_fini(m);
            return NULL;
        }
    }
    return m;
}

/* ---- the Gaussian process --------------------------------------------- */

typedef struct gp {
    const search *s;
    const double *x;           /* n points of s->nparams coordinates */
    size_t n;
    double inv_scale[KILN_MAX_PARAMS]; /* 1 / length scale, per parameter */
    double *chol;              /* lower Cholesky factor of K + nugget, n x n */
    double *alpha;             /* (K + nugget)^-1 y */
    double ymin;               /* lowest standardised target */
} gp;

static void coordinates(const search *s, uint64_t index, double *x)
{
    int idx[KILN_MAX_PARAMS];
    search_decode(s, index, idx);
    for (int d = 0; d < s->nparams; d++)
        x[d] = s->categorical[d] || s->nvalues[d] < 2 ? idx[d] : (double)idx[d] / (s->nvalues[d] - 1);
}

/* Squared distance between points a and b in the model's coordinates:
 * ordinal parameters by their coordinate, categorical ones by whether they
 * differ (Hamming), each divided by its length scale (inv_scale, or 1 when
 * NULL). */
static double distance2(const search *s, const double *a, const double *b, const double *inv_scale)
{
    double r2 = 0;
    for (int d = 0; d < s->nparams; d++) {
        double diff = (s->categorical[d] ? (double)(a[d] != b[d]) : a[d] - b[d]) * (inv_scale ? inv_scale[d] : 1);
        r2 += diff * diff;
    }
    return r2;
}

/* Matern 5/2 over the scaled distance. */
static double kernel(const gp *g, const double *a, const double *b)
{
    double r = sqrt(5.0 * distance2(g->s, a, b, g->inv_scale));
    return (1 + r + r * r / 3) * exp(-r);
}

/* Factors K + nugget into g->chol; the log determinant, or NAN when not positive. */
static double factor(gp *g)
{
    size_t n = g->n;
    int np = g->s->nparams;
    double logdet = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j <= i; j++) {
            double sum = kernel(g, &g->x[i * (size_t)np], &g->x[j * (size_t)np]) + (i == j ? MODEL_NUGGET : 0);
            for (size_t k = 0; k < j; k++)
                sum -= g->chol[i * n + k] * g->chol[j * n + k];
            if (i == j) {
                if (sum <= 0)
                    return NAN;
                g->chol[i * n + i] = sqrt(sum);
                logdet += 2 * log(g->chol[i * n + i]);
            } else {
                g->chol[i * n + j] = sum / g->chol[j * n + j];
            }
        }
    }
    return logdet;
}

/* Solves L v = b in place. */
static void forward(const gp *g, double *v)
{
    size_t n = g->n;
    for (size_t i = 0; i < n; i++) {
        double sum = v[i];
        for (size_t k = 0; k < i; k++)
            sum -= g->chol[i * n + k] * v[k];
        v[i] = sum / g->chol[i * n + i];
    }
}

static void backward(const gp *g, double *v)
{
    size_t n = g->n;
    for (size_t i = n; i-- > 0;) {
        double sum = v[i];
        for (size_t k = i + 1; k < n; k++)
            sum -= g->chol[k * n + i] * v[k];
        v[i] = sum / g->chol[i * n + i];
    }
}

/* Fits alpha for targets y at the length scale; the negative log marginal
 * likelihood (up to a constant), INFINITY when the factorisation fails. */
static double fit(gp *g, const double *y, double *work)
{
    double logdet = factor(g);
    if (isnan(logdet))
        return INFINITY;
    memcpy(work, y, g->n * sizeof *work);
    forward(g, work);
    double fit_term = 0;
    for (size_t i = 0; i < g->n; i++)
        fit_term += work[i] * work[i];
    backward(g, work);
    memcpy(g->alpha, work, g->n * sizeof *work);
    return 0.5 * fit_term + 0.5 * logdet;
}

/* Mean and variance at point x; v (n values) gets L^-1 k(x). */
static void predict(const gp *g, const double *x, double *v, double *mean, double *var)
{
    int np = g->s->nparams;
    double mu = 0;
    for (size_t i = 0; i < g->n; i++) {
        v[i] = kernel(g, x, &g->x[i * (size_t)np]);
        mu += v[i] * g->alpha[i];
    }
    forward(g, v);
    double explained = 0;
    for (size_t i = 0; i < g->n; i++)
        explained += v[i] * v[i];
    *mean = mu;
    *var = 1 + MODEL_NUGGET - explained;
    if (*var < 1e-12)
        *var = 1e-12;
}

static double expected_improvement(double ymin, double mean, double var)
{
    double sd = sqrt(var), gain = ymin - mean - MODEL_XI;
    double z = gain / sd;
    return gain * 0.5 * erfc(-z / sqrt(2.0)) + sd * exp(-0.5 * z * z) * 0.3989422804014327 /* 1/sqrt(2 pi) */;
}

static int by_y(const void *a, const void *b)
{
    const sample *p = a, *q = b;
    return p->y < q->y ? -1 : p->y > q->y ? 1 : p->index < q->index ? -1 : p->index > q->index;
}

/* The training set (the best heard, then the latest) into m->x and m->y,
 * standardised; 0 when fewer than two correct figures are known. */
static size_t training_set(model_state *m, sample *chosen)
{
    size_t n = m->nheard, ok = 0;
    for (size_t i = 0; i < n; i++)
        ok += isfinite(m->heard[i].y);
    if (ok < 2)
        return 0;
    if (n <= MODEL_MAX_TRAIN) {
        memcpy(chosen, m->heard, n * sizeof *chosen);
    } else {
        sample *sorted = malloc(n * sizeof *sorted);
        if (!sorted)
            return 0;
        memcpy(sorted, m->heard, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, by_y);
        memcpy(chosen, sorted, MODEL_KEEP_BEST * sizeof *chosen);
        double cut = sorted[MODEL_KEEP_BEST - 1].y;
        free(sorted);
        size_t count = MODEL_KEEP_BEST;
        for (size_t i = n; i-- > 0 && count < MODEL_MAX_TRAIN;)
            if (m->heard[i].y > cut)
                chosen[count++] = m->heard[i];
        n = count;
    }
    double lo = INFINITY, hi = -INFINITY, sum = 0, sq = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(chosen[i].y)) {
            lo = fmin(lo, chosen[i].y);
            hi = fmax(hi, chosen[i].y);
        }
    double failed = hi + 0.25 * (hi - lo) + 0.1;
    for (size_t i = 0; i < n; i++) {
        m->y[i] = isfinite(chosen[i].y) ? chosen[i].y : failed;
        sum += m->y[i];
        sq += m->y[i] * m->y[i];
        coordinates(&m->s, chosen[i].index, &m->x[i * (size_t)m->s.nparams]);
    }
    double mean = sum / (double)n, sd = sqrt(fmax(sq / (double)n - mean * mean, 0));
    if (sd < 1e-9)
        sd = 1;
    for (size_t i = 0; i < n; i++)
        m->y[i] = (m->y[i] - mean) / sd;
    return n;
}

/* The negative log marginal likelihood of the training set at the length
 * scales exp(log_scale), with a weak log-normal prior on each scale (few
 * points do not pin many scales down); INFINITY when K is not positive. */
static double scales_cost(model_state *m, gp *g, const double *log_scale)
{
    double prior = 0;
    for (int d = 0; d < m->s.nparams; d++) {
        g->inv_scale[d] = exp(-log_scale[d]);
        double z = (log_scale[d] - MODEL_SCALE_PRIOR_LOG) / MODEL_SCALE_PRIOR_SD;
        prior += 0.5 * z * z;
    }
    return fit(g, m->y, m->work) + prior;
}

/* Pattern search on the log length scales from `start`: each parameter's
 * scale halved or doubled while the cost falls, then quartered steps, and
 * so on. The scales end in start; their cost is returned. */
static double fit_from(model_state *m, gp *g, double *start)
{
    double cost = scales_cost(m, g, start);
    double lo = log(MODEL_SCALE_MIN), hi = log(MODEL_SCALE_MAX);
    for (double step = log(2.0); step > 0.15; step /= 2) {
        int improved = 1;
        for (int round = 0; improved && round < 8; round++) {
            improved = 0;
            for (int d = 0; d < m->s.nparams; d++)
                for (int dir = -1; dir <= 1; dir += 2) {
                    double keep = start[d];
                    start[d] = fmin(hi, fmax(lo, keep + dir * step));
                    double c = start[d] != keep ? scales_cost(m, g, start) : INFINITY;
                    if (c < cost) {
                        cost = c;
                        improved = 1;
                        break;
                    }
                    start[d] = keep;
                }
        }
    }
    return cost;
}

/* The length scales of highest (penalised) marginal likelihood into
 * m->log_scale: from the last fit's and from the best common scale. */
static void fit_scales(model_state *m, gp *g)
{
    int np = m->s.nparams;
    double common[KILN_MAX_PARAMS], best_common = INFINITY, common_log = 0;
    double lo = log(MODEL_SCALE_MIN), hi = log(MODEL_SCALE_MAX);
    for (int i = 0; i < MODEL_COMMON_SCALES; i++) {
        double l = lo + (hi - lo) * (i + 0.5) / MODEL_COMMON_SCALES;
        for (int d = 0; d < np; d++)
            common[d] = l;
        double c = scales_cost(m, g, common);
        if (c < best_common) {
            best_common = c;
            common_log = l;
        }
    }
    for (int d = 0; d < np; d++)
        common[d] = common_log;
    double cost = fit_from(m, g, common);
    if (m->fitted_n) {
        double warm[KILN_MAX_PARAMS];
        memcpy(warm, m->log_scale, (size_t)np * sizeof *warm);
        if (fit_from(m, g, warm) < cost)
            memcpy(common, warm, (size_t)np * sizeof *warm);
    }
    memcpy(m->log_scale, common, (size_t)np * sizeof *common);
}

/* Fits the model to what was heard: 0, or -1 when there is nothing to fit.
 * The length scales are fitted again while the set is small, then each time
 * it has grown by an eighth. */
static int model_fit(model_state *m, gp *g)
{
    sample chosen[MODEL_MAX_TRAIN];
    size_t n = training_set(m, chosen);
    if (n == 0)
        return -1;
    *g = (gp){.s = &m->s, .x = m->x, .n = n, .chol = m->chol, .alpha = m->alpha};
    if (n <= MODEL_REFIT_ALWAYS || n >= m->fitted_n + m->fitted_n / 8 || n < m->fitted_n) {
        fit_scales(m, g);
        m->fitted_n = n;
    }
    if (!isfinite(scales_cost(m, g, m->log_scale)))
        return -1;
    g->ymin = INFINITY;
    for (size_t i = 0; i < n; i++)
        g->ymin = fmin(g->ymin, m->y[i]);
    return 0;
}

/* ---- choosing a batch ------------------------------------------------- */

typedef struct candidate {
    uint64_t index;
    double x[KILN_MAX_PARAMS];
    double mean, var;
    double *v;                 /* L^-1 k(x), n values */
    double *u;                 /* conditioning terms, one per pick */
    int taken;
} candidate;

/* Every valid point not yet proposed, where the space is enumerated and at
 * most MODEL_CANDIDATES are left: appended to out[*n .. cap), 1; else 0. */
static int all_left(model_state *m, uint64_t *out, size_t *n, size_t cap)
{
    if (!m->s.enumerated || m->s.nvalid - m->s.drawn > MODEL_CANDIDATES)
        return 0;
    for (uint64_t i = m->s.drawn; i < m->s.nvalid && *n < cap; i++)
        if (search_fresh(&m->s, m->s.valid[i]))
            out[(*n)++] = m->s.valid[i];
    return 1;
}

/* Sampled valid points not yet proposed appended to out until it holds upto. */
static void sample_more(model_state *m, uint64_t *out, size_t *n, size_t upto)
{
    for (size_t tries = 0; *n < upto && tries < 2 * MODEL_CANDIDATES; tries++) {
        uint64_t index;
        if (!search_sample(&m->s, &index))
            break;
        out[(*n)++] = index;
    }
}

/* Candidates: the pending points first (conditioned on, never proposed),
 * then the fresh neighbours of the best few points, then sampled points. */
static size_t gather(model_state *m, uint64_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < m->npending && n < cap; i++)
        out[n++] = m->pending[i];
    size_t pending = n;
    if (all_left(m, out, &n, cap))
        return n;
    sample *sorted = malloc(m->nheard * sizeof *sorted);
    if (sorted) {
        memcpy(sorted, m->heard, m->nheard * sizeof *sorted);
        qsort(sorted, m->nheard, sizeof *sorted, by_y);
        for (size_t b = 0; b < m->nheard && b < 8 && n < cap; b++) {
            size_t nn = search_neighbours(&m->s, sorted[b].index, 1, m->near, m->near_cap);
            for (size_t i = 0; i < nn && n < cap; i++)
                out[n++] = m->near[i];
        }
        free(sorted);
    }
    sample_more(m, out, &n, pending + MODEL_CANDIDATES < cap ? pending + MODEL_CANDIDATES : cap);
    return n;
}

/* Conditions every candidate's variance on candidate p, pick number k. */
static void condition(const gp *g, candidate *c, size_t nc, size_t p, size_t k)
{
    double sd = sqrt(c[p].var);
    for (size_t i = 0; i < nc; i++) {
        double cov = kernel(g, c[i].x, c[p].x);
        for (size_t j = 0; j < g->n; j++)
            cov -= c[i].v[j] * c[p].v[j];
        for (size_t q = 0; q < k; q++)
            cov -= c[i].u[q] * c[p].u[q];
        c[i].u[k] = cov / sd;
    }
    for (size_t i = 0; i < nc; i++)
        c[i].var = fmax(c[i].var - c[i].u[k] * c[i].u[k], 1e-12);
    c[p].taken = 1;
}

/* Up to max points of highest expected improvement into picks; how many. */
static size_t choose(model_state *m, const gp *g, uint64_t *picks, size_t max)
{
    size_t cap = m->npending + MODEL_CANDIDATES + 8 * m->near_cap;
    uint64_t *index = malloc(cap * sizeof *index);
    size_t nc = index ? gather(m, index, cap) : 0;
    size_t conditions = m->npending + max;
    candidate *c = calloc(nc ? nc : 1, sizeof *c);
    double *mem = calloc(nc ? nc * (g->n + conditions) : 1, sizeof *mem);
    size_t npicked = 0;
    if (!c || !mem || nc == 0)
        goto done;
    for (size_t i = 0; i < nc; i++) {
        c[i].index = index[i];
        c[i].v = mem + i * (g->n + conditions);
        c[i].u = c[i].v + g->n;
        coordinates(&m->s, index[i], c[i].x);
        predict(g, c[i].x, c[i].v, &c[i].mean, &c[i].var);
    }
    size_t k = 0;
    for (size_t i = 0; i < m->npending && i < nc; i++)
        condition(g, c, nc, i, k++);
    while (npicked < max) {
        size_t best = nc;
        double best_ei = -1;
        for (size_t i = 0; i < nc; i++) {
            if (c[i].taken || !search_fresh(&m->s, c[i].index))
                continue;
            double ei = expected_improvement(g->ymin, c[i].mean, c[i].var);
            if (ei > best_ei) {
                best_ei = ei;
                best = i;
            }
        }
        if (best == nc)
            break;
        picks[npicked++] = c[best].index;
        for (size_t i = 0; i < nc; i++)
            if (c[i].index == c[best].index)
                c[i].taken = 1;
        condition(g, c, nc, best, k++);
    }
done:
    free(index);
    free(c);
    free(mem);
    return npicked;
}

static int push_pending(model_state *m, uint64_t index)
{
    if (search_reserve(&m->pending, &m->pending_cap, m->npending + 1, sizeof *m->pending) != 0)
        return -1;
    m->pending[m->npending++] = index;
    return 0;
}

/* A point of the initial design: the first at random, then the candidate
 * farthest from every point heard or in flight (maximin). */
static int design_point(model_state *m, uint64_t *pick)
{
    size_t known = m->nheard + m->npending;
    if (known == 0)
        return search_draw(&m->s, pick);
    uint64_t *cand = malloc(MODEL_CANDIDATES * sizeof *cand);
    double *at = malloc(known * (size_t)m->s.nparams * sizeof *at);
    size_t nc = 0;
    if (cand && at && !all_left(m, cand, &nc, MODEL_CANDIDATES))
        sample_more(m, cand, &nc, MODEL_CANDIDATES);
    for (size_t i = 0; at && i < known; i++) {
        uint64_t index = i < m->nheard ? m->heard[i].index : m->pending[i - m->nheard];
        coordinates(&m->s, index, &at[i * (size_t)m->s.nparams]);
    }
    double best = -1;
    size_t from = nc ? (size_t)strategy_rand_below(&m->s.rng, nc) : 0;
    for (size_t k = 0; k < nc; k++) {
        size_t c = (from + k) % nc;
        double x[KILN_MAX_PARAMS], nearest = INFINITY;
        coordinates(&m->s, cand[c], x);
        for (size_t i = 0; i < known; i++)
            nearest = fmin(nearest, distance2(&m->s, x, &at[i * (size_t)m->s.nparams], NULL));
        if (nearest > best) {
            best = nearest;
            *pick = cand[c];
        }
    }
    free(cand);
    free(at);
    return best >= 0 ? 1 : search_draw(&m->s, pick);
}

static size_t model_propose(void *state, kiln_config *out, size_t max)
{
    model_state *m = state;
    size_t n = 0;
    uint64_t pick;
    /* the initial design */
    while (n < max && !search_spent(&m->s) && m->nheard + m->npending < MODEL_INITIAL && design_point(m, &pick) &&
           push_pending(m, pick) == 0)
        search_take(&m->s, pick, &out[n++]);
    if (n == max || search_spent(&m->s) || m->nheard + m->npending < MODEL_INITIAL)
        return n;
    uint64_t budget_left = m->s.budget ? m->s.budget - m->s.proposed : max;
    size_t want = max - n < budget_left ? max - n : (size_t)budget_left;
    gp g;
    uint64_t *picks = malloc((want ? want : 1) * sizeof *picks);
    if (!picks)
        return n;
    size_t got = 0;
    if (model_fit(m, &g) == 0)
        got = choose(m, &g, picks, want);
    else if (m->npending)
        want = 0; /* nothing to learn from yet: wait for the initial design */
    while (got < want && search_draw(&m->s, &picks[got]))
        got++; /* no model yet, or too few candidates: random points */
    for (size_t i = 0; i < got && !search_spent(&m->s) && push_pending(m, picks[i]) == 0; i++)
        search_take(&m->s, picks[i], &out[n++]);
    free(picks);
    return n;
}

static void model_report(void *state, const kiln_observation *obs)
{
    model_state *m = state;
    uint64_t index;
    double value;
    if (!search_hear(&m->s, obs, &index, &value))
        return;
    for (size_t i = 0; i < m->npending; i++)
        if (m->pending[i] == index) {
            m->pending[i] = m->pending[--m->npending];
            break;
        }
    for (size_t i = 0; i < m->nheard; i++)
        if (m->heard[i].index == index) {
            m->heard[i].y = fmin(m->heard[i].y, log_figure(value));
            return;
        }
    push_heard(m, index, log_figure(value));
}

int strategy_model_length_scales(const kiln_strategy_ctx *ctx, const uint64_t *points, const double *objectives,
                                 size_t n, double *scales)
{
    model_state *m = model_init(ctx);
    int rc = m ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = push_heard(m, points[i], log_figure(objectives[i]));
    gp g;
    if (rc == 0)
        rc = model_fit(m, &g);
    for (int d = 0; rc == 0 && d < m->s.nparams; d++)
        scales[d] = exp(m->log_scale[d]);
    model_fini(m);
    return rc;
}

const kiln_strategy kiln_strategy_model = {
    .name = "model",
    .help = "Gaussian process, expected improvement (seeded)",
    .init = model_init,
    .propose = model_propose,
    .report = model_report,
    .fini = model_fini,
};
