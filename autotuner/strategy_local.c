/*
 * strategy_local.c: searches that walk from point to neighbouring point
 * (ordinal parameters one value up or down, categorical ones any other value).
 *
 * annealing: simulated annealing. Each proposal is a random neighbour of the
 *   current point; a report moves the current point there when it is better,
 *   or worse by a factor r with probability exp(-log(r) / T), T falling
 *   geometrically from ANNEAL_T0 to ANNEAL_T1 over the budget. Failed variants
 *   are never accepted. Where every neighbour was proposed, a random jump.
 * ils: iterated local search. Hill climbing to a local optimum (the
 *   neighbours of the current point, in random order, moving to the first
 *   better one heard), then a perturbation of the best point found so far
 *   (ILS_MOVES random moves) starts the next climb.
 *
 * Both start from the best stored result where there is one, and cope with
 * reports in any order: a report only compares its figure with the current
 * point's.
 */
#include <math.h>
#include <stdlib.h>

#include "autotuner/strategy_int.h"

#define ANNEAL_T0 0.3
#define ANNEAL_T1 0.003
#define ILS_MOVES 3
#define PERTURB_TRIES 64

typedef struct walker {
    search s;
    int has_current;
    uint64_t current;
    double current_value;
    uint64_t restart;          /* a proposal that becomes the current point when heard */
    int restart_pending;
    uint64_t *near;            /* neighbour buffer */
    size_t near_cap;
} walker;

static void walker_fini(void *state)
{
    walker *w = state;
    if (w)
        free(w->near);
    search_state_free(w);
}

static void *walker_init(const kiln_strategy_ctx *ctx)
{
    walker *w = search_state_new(sizeof *w, ctx, 1);
    if (!w)
        return NULL;
    w->near_cap = search_max_neighbours(&w->s) + 1;
    if (!(w->near = malloc(w->near_cap * sizeof *w->near))) {
        walker_fini(w);
        return NULL;
    }
    if (w->s.best < STRATEGY_FAILED) {
        w->has_current = 1;
        w->current = w->s.best_index;
        w->current_value = w->s.best;
    }
    return w;
}

static void walker_move(walker *w, uint64_t index, double value)
{
    w->has_current = 1;
    w->current = index;
    w->current_value = value;
}

/* Hears a report: the current point moves to a restart point or a better
 * one (2); 1 when heard and not moved, 0 when not a point of the space. */
static int walker_hear(walker *w, const kiln_observation *obs, uint64_t *index, double *value)
{
    if (!search_hear(&w->s, obs, index, value))
        return 0;
    if ((w->restart_pending && *index == w->restart) || !w->has_current || *value < w->current_value) {
        w->restart_pending &= *index != w->restart;
        walker_move(w, *index, *value);
        return 2;
    }
    return 1;
}

/* A jump away from a dead end: a perturbation of `from`, else any fresh point.
 * The point becomes the current one when it is heard. */
static int walker_jump(walker *w, uint64_t from, uint64_t *out)
{
    if (!(w->has_current && search_perturb(&w->s, from, ILS_MOVES, PERTURB_TRIES, out)) && !search_draw(&w->s, out))
        return 0;
    w->restart = *out;
    w->restart_pending = 1;
    return 1;
}

/* ---- simulated annealing --------------------------------------------- */

static size_t anneal_propose(void *state, kiln_config *out, size_t max)
{
    walker *w = state;
    size_t n = 0;
    while (n < max && !search_spent(&w->s)) {
        uint64_t pick;
        if (!w->has_current) {
            if (!search_draw(&w->s, &pick))
                break;
        } else {
            size_t nn = search_neighbours(&w->s, w->current, 1, w->near, w->near_cap);
            if (nn)
                pick = w->near[strategy_rand_below(&w->s.rng, nn)];
            else if (!walker_jump(w, w->current, &pick))
                break;
        }
        search_take(&w->s, pick, &out[n++]);
    }
    return n;
}

static double anneal_temperature(const walker *w)
{
    double progress = (double)w->s.nheard / (double)search_horizon(&w->s);
    if (progress > 1)
        progress = 1;
    return ANNEAL_T0 * pow(ANNEAL_T1 / ANNEAL_T0, progress);
}

static void anneal_report(void *state, const kiln_observation *obs)
{
    walker *w = state;
    uint64_t index;
    double value;
    if (walker_hear(w, obs, &index, &value) != 1 || value >= STRATEGY_FAILED)
        return;
    double worse = log(value / w->current_value);
    if (strategy_rand_unit(&w->s.rng) < exp(-worse / anneal_temperature(w)))
        walker_move(w, index, value);
}

const kiln_strategy kiln_strategy_annealing = {
    .name = "annealing",
    .help = "simulated annealing over neighbours (seeded)",
    .init = walker_init,
    .propose = anneal_propose,
    .report = anneal_report,
    .fini = walker_fini,
};

/* ---- iterated local search -------------------------------------------- */

/* Moves the current point to its best neighbour already heard, if better. */
static void ils_follow_heard(walker *w)
{
    for (;;) {
        size_t nn = search_neighbours(&w->s, w->current, 0, w->near, w->near_cap);
        uint64_t best = w->current;
        double best_value = w->current_value;
        for (size_t i = 0; i < nn; i++) {
            double v;
            if (search_heard(&w->s, w->near[i], &v) && v < best_value) {
                best = w->near[i];
                best_value = v;
            }
        }
        if (best == w->current)
            return;
        walker_move(w, best, best_value);
    }
}

static size_t ils_propose(void *state, kiln_config *out, size_t max)
{
    walker *w = state;
    size_t n = 0;
    while (n < max && !search_spent(&w->s)) {
        uint64_t pick;
        if (!w->has_current) {
            if (w->restart_pending)
                break; /* the starting point is in flight */
            if (!walker_jump(w, 0, &pick))
                break;
            search_take(&w->s, pick, &out[n++]);
            continue;
        }
        ils_follow_heard(w);
        size_t nn = search_neighbours(&w->s, w->current, 1, w->near, w->near_cap);
        if (nn) {
            pick = w->near[strategy_rand_below(&w->s.rng, nn)];
        } else if (w->s.outstanding) {
            break; /* a neighbour in flight may still move the climb */
        } else if (!walker_jump(w, w->s.best < STRATEGY_FAILED ? w->s.best_index : w->current, &pick)) {
            break;
        }
        search_take(&w->s, pick, &out[n++]);
    }
    return n;
}

static void ils_report(void *state, const kiln_observation *obs)
{
    uint64_t index;
    double value;
    walker_hear(state, obs, &index, &value);
}

const kiln_strategy kiln_strategy_ils = {
    .name = "ils",
    .help = "iterated local search over neighbours (seeded)",
    .init = walker_init,
    .propose = ils_propose,
    .report = ils_report,
    .fini = walker_fini,
};
