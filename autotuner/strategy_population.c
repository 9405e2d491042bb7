/*
 * strategy_population.c: searches that keep a population of points.
 *
 * genetic: a steady-state genetic algorithm. The population is the
 *   GENETIC_POP best points heard so far (stored results included); each
 *   proposal is a child of two parents picked by tournaments of two, by
 *   uniform crossover and a mutation of each parameter with probability
 *   1/nparams (ordinal: one step, categorical: any other value), so batches
 *   and reports in any order need no generations. Until the population is
 *   full, random points.
 * pso: particle swarm over the value indices. PSO_PARTICLES particles, each
 *   with a position and velocity per parameter, pulled towards its own best
 *   and the swarm's; a categorical parameter takes its own best's or the
 *   swarm's value, or keeps its own. A particle's next point waits for its
 *   last one's report. A point that is invalid or already proposed is
 *   repaired to a fresh one near it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "autotuner/strategy_int.h"

#define GENETIC_POP 24
#define GENETIC_TRIES 64
#define REPAIR_TRIES 32
#define PSO_PARTICLES 12
#define PSO_INERTIA 0.72
#define PSO_PULL 1.49

/* A fresh point near idx: idx itself, else a few random moves away, else any. */
static int repair(search *s, const int *idx, uint64_t *out)
{
    uint64_t index = search_encode(s, idx);
    if (search_fresh(s, index)) {
        *out = index;
        return 1;
    }
    for (int moves = 1; moves <= 3; moves++)
        if (search_perturb(s, index, moves, REPAIR_TRIES / 3, out))
            return 1;
    return search_draw(s, out);
}

/* ---- genetic algorithm ------------------------------------------------ */

typedef struct member {
    uint64_t index;
    double value;
} member;

typedef struct genetic_state {
    search s;
    member pop[GENETIC_POP];   /* the best heard, lowest value first */
    int npop;
} genetic_state;

static void genetic_admit(genetic_state *g, uint64_t index, double value)
{
    for (int i = 0; i < g->npop; i++)
        if (g->pop[i].index == index)
            return;
    int at = g->npop;
    while (at > 0 && g->pop[at - 1].value > value)
        at--;
    if (at >= GENETIC_POP)
        return;
    int last = g->npop < GENETIC_POP ? g->npop : GENETIC_POP - 1;
    memmove(&g->pop[at + 1], &g->pop[at], (size_t)(last - at) * sizeof g->pop[0]);
    g->pop[at] = (member){index, value};
    if (g->npop < GENETIC_POP)
        g->npop++;
}

/* Admits every heard point of the history (the search's map holds them). */
static void genetic_admit_history(genetic_state *g, const kiln_strategy_ctx *ctx)
{
    for (size_t i = 0; i < ctx->nhistory; i++) {
        int idx[KILN_MAX_PARAMS];
        double value;
        if (!ctx->history[i].config || kiln_space_indices(g->s.space, ctx->history[i].config, idx) != 0)
            continue;
        uint64_t index = search_encode(&g->s, idx);
        if (search_heard(&g->s, index, &value))
            genetic_admit(g, index, value);
    }
}

static void *genetic_init(const kiln_strategy_ctx *ctx)
{
    genetic_state *g = search_state_new(sizeof *g, ctx, 1);
    if (g)
        genetic_admit_history(g, ctx);
    return g;
}

static const member *tournament(genetic_state *g)
{
    const member *a = &g->pop[strategy_rand_below(&g->s.rng, (uint64_t)g->npop)];
    const member *b = &g->pop[strategy_rand_below(&g->s.rng, (uint64_t)g->npop)];
    return a->value <= b->value ? a : b;
}

static void mutate(search *s, int *idx, double rate)
{
    for (int p = 0; p < s->nparams; p++) {
        int nv = s->nvalues[p];
        if (nv < 2 || strategy_rand_unit(&s->rng) >= rate)
            continue;
        if (s->categorical[p]) {
            int v = (int)strategy_rand_below(&s->rng, (uint64_t)nv - 1);
            idx[p] = v >= idx[p] ? v + 1 : v;
        } else {
            int step = strategy_rand_below(&s->rng, 2) ? 1 : -1;
            idx[p] = idx[p] + step < 0 || idx[p] + step >= nv ? idx[p] - step : idx[p] + step;
        }
    }
}

static int genetic_child(genetic_state *g, uint64_t *out)
{
    search *s = &g->s;
    for (int t = 0; t < GENETIC_TRIES; t++) {
        int a[KILN_MAX_PARAMS], b[KILN_MAX_PARAMS];
        search_decode(s, tournament(g)->index, a);
        search_decode(s, tournament(g)->index, b);
        for (int p = 0; p < s->nparams; p++)
            if (strategy_rand_below(&s->rng, 2))
                a[p] = b[p];
        /* the rate grows with failed tries, so a converged population still finds new points */
        mutate(s, a, (1.0 + t / 8) / (s->nparams ? s->nparams : 1));
        uint64_t index = search_encode(s, a);
        if (search_fresh(s, index)) {
            *out = index;
            return 1;
        }
    }
    return search_draw(s, out);
}

static size_t genetic_propose(void *state, kiln_config *out, size_t max)
{
    genetic_state *g = state;
    size_t n = 0;
    while (n < max && !search_spent(&g->s)) {
        uint64_t pick;
        /* random points until half a population is heard or in flight */
        int filling = g->npop < 2 || (uint64_t)g->npop + g->s.outstanding < GENETIC_POP / 2;
        if (!(filling ? search_draw(&g->s, &pick) : genetic_child(g, &pick)))
            break;
        search_take(&g->s, pick, &out[n++]);
    }
    return n;
}

static void genetic_report(void *state, const kiln_observation *obs)
{
    genetic_state *g = state;
    uint64_t index;
    double value;
    if (search_hear(&g->s, obs, &index, &value))
        genetic_admit(g, index, value);
}

const kiln_strategy kiln_strategy_genetic = {
    .name = "genetic",
    .help = "steady-state genetic algorithm (seeded)",
    .init = genetic_init,
    .propose = genetic_propose,
    .report = genetic_report,
    .fini = search_state_free,
};

/* ---- particle swarm --------------------------------------------------- */

typedef struct particle {
    double pos[KILN_MAX_PARAMS], vel[KILN_MAX_PARAMS];
    int started, pending;
    uint64_t at;               /* the point proposed last */
    uint64_t best_index;
    double best_value;
} particle;

typedef struct pso_state {
    search s;
    particle swarm[PSO_PARTICLES];
    int next;                  /* round robin */
} pso_state;

static void *pso_init(const kiln_strategy_ctx *ctx)
{
    return search_state_new(sizeof(pso_state), ctx, 1);
}

/* The particle's next point: a move, or its first (random) point. */
static int pso_step(pso_state *p, particle *q, uint64_t *out)
{
    search *s = &p->s;
    int idx[KILN_MAX_PARAMS];
    if (!q->started) {
        if (!search_draw(s, out))
            return 0;
        search_decode(s, *out, idx);
        for (int d = 0; d < s->nparams; d++) {
            q->pos[d] = idx[d];
            q->vel[d] = (strategy_rand_unit(&s->rng) - 0.5) * s->nvalues[d] * 0.5;
        }
        q->started = 1;
        q->best_value = INFINITY; /* above any figure, a failure's too */
        return 1;
    }
    int own[KILN_MAX_PARAMS], swarm[KILN_MAX_PARAMS];
    search_decode(s, q->best_value < INFINITY ? q->best_index : q->at, own);
    search_decode(s, s->best < STRATEGY_FAILED ? s->best_index : q->at, swarm);
    for (int d = 0; d < s->nparams; d++) {
        double r1 = strategy_rand_unit(&s->rng), r2 = strategy_rand_unit(&s->rng);
        if (s->categorical[d]) {
            idx[d] = r1 < 0.3 ? own[d] : r1 < 0.6 ? swarm[d] : (int)(q->pos[d] + 0.5);
            if (r2 < 0.1)
                idx[d] = (int)strategy_rand_below(&s->rng, (uint64_t)s->nvalues[d]);
            q->pos[d] = idx[d];
            continue;
        }
        q->vel[d] = PSO_INERTIA * q->vel[d] + PSO_PULL * r1 * (own[d] - q->pos[d]) +
                    PSO_PULL * r2 * (swarm[d] - q->pos[d]);
        q->pos[d] += q->vel[d];
        double hi = s->nvalues[d] - 1;
        if (q->pos[d] < 0 || q->pos[d] > hi) {
            q->pos[d] = q->pos[d] < 0 ? 0 : hi;
            q->vel[d] = -0.5 * q->vel[d];
        }
        idx[d] = (int)lround(q->pos[d]);
    }
    if (!repair(s, idx, out))
        return 0;
    search_decode(s, *out, idx);
    for (int d = 0; d < s->nparams; d++)
        if (fabs(idx[d] - q->pos[d]) > 0.5)
            q->pos[d] = idx[d];
    return 1;
}

static size_t pso_propose(void *state, kiln_config *out, size_t max)
{
    pso_state *p = state;
    size_t n = 0;
    for (int tried = 0; tried < PSO_PARTICLES && n < max && !search_spent(&p->s); tried++) {
        particle *q = &p->swarm[p->next];
        p->next = (p->next + 1) % PSO_PARTICLES;
        if (q->pending)
            continue;
        uint64_t pick;
        if (!pso_step(p, q, &pick))
            break;
        q->pending = 1;
        q->at = pick;
        search_take(&p->s, pick, &out[n++]);
        tried = -1; /* a particle moved: look round the swarm again */
    }
    return n;
}

static void pso_report(void *state, const kiln_observation *obs)
{
    pso_state *p = state;
    uint64_t index;
    double value;
    if (!search_hear(&p->s, obs, &index, &value))
        return;
    for (int i = 0; i < PSO_PARTICLES; i++) {
        particle *q = &p->swarm[i];
        if (!q->pending || q->at != index)
            continue;
        q->pending = 0;
        if (value < q->best_value) {
            q->best_value = value;
            q->best_index = index;
        }
    }
}

const kiln_strategy kiln_strategy_pso = {
    .name = "pso",
    .help = "particle swarm over value indices (seeded)",
    .init = pso_init,
    .propose = pso_propose,
    .report = pso_report,
    .fini = search_state_free,
};
