/*
 * strategy.c: the search strategies behind kiln_strategy tables.
 *
 * exhaustive: every valid point in index order, at most `budget` of them.
 * random: valid points drawn uniformly without repetition from a seeded
 *   generator, so the same seed replays the same sequence (search_draw: spaces
 *   up to STRATEGY_ENUM_LIMIT points are enumerated once and shuffled lazily,
 *   larger ones sampled by rejection). Stored results are proposed like any
 *   other point: the loop answers them at once.
 * The others live in strategy_local.c (annealing, ils),
 * strategy_population.c (genetic, pso) and strategy_model.c (model), over
 * the bookkeeping of strategy_search.c.
 */
#include <stdlib.h>
#include <string.h>

#include "autotuner/strategy_int.h"

/* ---- exhaustive ------------------------------------------------------- */

typedef struct exhaustive_state {
    const kiln_space *space;
    uint64_t budget, emitted, cursor;
} exhaustive_state;

static void *exhaustive_init(const kiln_strategy_ctx *ctx)
{
    exhaustive_state *st = calloc(1, sizeof *st);
    if (st) {
        st->space = ctx->space;
        st->budget = ctx->budget;
    }
    return st;
}

static int exhaustive_next(void *state, kiln_config *out)
{
    exhaustive_state *st = state;
    uint64_t total = kiln_space_total(st->space);
    if (st->budget && st->emitted >= st->budget)
        return 0;
    uint64_t index = kiln_space_next_valid(st->space, st->cursor);
    if (index >= total) {
        st->cursor = total;
        return 0;
    }
    kiln_space_point(st->space, index, out);
    st->cursor = index + 1;
    st->emitted++;
    return 1;
}

static size_t exhaustive_propose(void *state, kiln_config *out, size_t max)
{
    size_t n = 0;
    while (n < max && exhaustive_next(state, &out[n]))
        n++;
    return n;
}

static void ignore_report(void *state, const kiln_observation *obs)
{
    (void)state;
    (void)obs;
}

static void free_state(void *state)
{
    free(state);
}

static const kiln_strategy exhaustive_strategy = {
    .name = "exhaustive",
    .help = "every valid configuration in order",
    .init = exhaustive_init,
    .propose = exhaustive_propose,
    .report = ignore_report,
    .fini = free_state,
};

/* ---- random ----------------------------------------------------------- */

static void *random_init(const kiln_strategy_ctx *ctx)
{
    return search_state_new(sizeof(search), ctx, 0);
}

static size_t random_propose(void *state, kiln_config *out, size_t max)
{
    search *s = state;
    size_t n = 0;
    uint64_t index;
    while (n < max && !search_spent(s) && search_draw(s, &index))
        search_take(s, index, &out[n++]);
    return n;
}

static const kiln_strategy random_strategy = {
    .name = "random",
    .help = "uniformly random, no repetition (seeded)",
    .init = random_init,
    .propose = random_propose,
    .report = ignore_report,
    .fini = search_state_free,
};

/* ---- registry --------------------------------------------------------- */

static const kiln_strategy *const all_strategies[] = {
    &exhaustive_strategy, &random_strategy, &kiln_strategy_annealing, &kiln_strategy_genetic,
    &kiln_strategy_pso, &kiln_strategy_ils, &kiln_strategy_model, NULL};

const kiln_strategy *const *kiln_strategies(void)
{
    return all_strategies;
}

const kiln_strategy *kiln_strategy_find(const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; all_strategies[i]; i++)
        if (strcmp(all_strategies[i]->name, name) == 0)
            return all_strategies[i];
    return NULL;
}
