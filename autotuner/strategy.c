/*
 * strategy.c: the search strategies behind kiln_strategy tables.
 *
 * exhaustive: every valid point in index order, at most `budget` of them.
 * random: valid points drawn uniformly without repetition from a seeded
 *   generator, so the same seed replays the same sequence. Spaces up to
 *   RANDOM_ENUM_LIMIT points are enumerated once and shuffled lazily (exact and
 *   finite); larger ones are sampled by rejection with a set of points already
 *   proposed.
 */
#include <stdlib.h>
#include <string.h>

#include "kiln/tuner.h"


#define RANDOM_ENUM_LIMIT (UINT64_C(1) << 24)
/* Large spaces: this many draws in a row without a new valid point ends the search. */
#define RANDOM_MAX_MISSES (1u << 20)

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
    while (st->cursor < total) {
        uint64_t index = st->cursor++;
        if (kiln_space_index_valid(st->space, index)) {
            kiln_space_point(st->space, index, out);
            st->emitted++;
            return 1;
        }
    }
    return 0;
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
    .help = "every valid configuration in order (the budget stops it early)",
    .init = exhaustive_init,
    .propose = exhaustive_propose,
    .report = ignore_report,
    .fini = free_state,
};

/* ---- random ----------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform in [0, n) without modulo bias. */
static uint64_t rand_below(uint64_t *state, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = splitmix64(state);
    while (x >= limit);
    return x % n;
}

typedef struct random_state {
    const kiln_space *space;
    uint64_t budget, emitted, rng;
    /* enumerated mode */
    uint32_t *valid;
    uint64_t nvalid, pos;
    /* sampled mode: open-addressing set of proposed indices (stored + 1; 0 = empty) */
    uint64_t *seen;
    uint64_t seen_cap, seen_count;
    int enumerated;
} random_state;

static void random_fini(void *state)
{
    random_state *st = state;
    if (!st)
        return;
    free(st->valid);
    free(st->seen);
    free(st);
}

static void *random_init(const kiln_strategy_ctx *ctx)
{
    random_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    const kiln_space *space = ctx->space;
    st->space = space;
    st->budget = ctx->budget;
    st->rng = ctx->seed;
    uint64_t total = kiln_space_total(space);
    if (total <= RANDOM_ENUM_LIMIT) {
        st->enumerated = 1;
        size_t cap = 1024;
        st->valid = malloc(cap * sizeof *st->valid);
        if (!st->valid)
            goto fail;
        for (uint64_t i = 0; i < total; i++) {
            if (!kiln_space_index_valid(space, i))
                continue;
            if (st->nvalid == cap) {
                uint32_t *grown = realloc(st->valid, 2 * cap * sizeof *grown);
                if (!grown)
                    goto fail;
                st->valid = grown;
                cap *= 2;
            }
            st->valid[st->nvalid++] = (uint32_t)i;
        }
    } else {
        st->seen_cap = 1024;
        st->seen = calloc(st->seen_cap, sizeof *st->seen);
        if (!st->seen)
            goto fail;
    }
    return st;
fail:
    random_fini(st);
    return NULL;
}

static uint64_t hash_index(uint64_t x)
{
    uint64_t s = x;
    return splitmix64(&s);
}

/* Inserts index into the seen set: 1 inserted, 0 already present, -1 no memory. */
static int seen_insert(random_state *st, uint64_t index)
{
    if ((st->seen_count + 1) * 2 > st->seen_cap) {
        uint64_t cap = st->seen_cap * 2;
        uint64_t *grown = calloc(cap, sizeof *grown);
        if (!grown)
            return -1;
        for (uint64_t i = 0; i < st->seen_cap; i++) {
            if (!st->seen[i])
                continue;
            uint64_t h = hash_index(st->seen[i] - 1) & (cap - 1);
            while (grown[h])
                h = (h + 1) & (cap - 1);
            grown[h] = st->seen[i];
        }
        free(st->seen);
        st->seen = grown;
        st->seen_cap = cap;
    }
    uint64_t h = hash_index(index) & (st->seen_cap - 1);
    while (st->seen[h]) {
        if (st->seen[h] == index + 1)
            return 0;
        h = (h + 1) & (st->seen_cap - 1);
    }
    st->seen[h] = index + 1;
    st->seen_count++;
    return 1;
}

static int random_next(void *state, kiln_config *out)
{
    random_state *st = state;
    if (st->budget && st->emitted >= st->budget)
        return 0;
    if (st->enumerated) {
        if (st->pos >= st->nvalid)
            return 0;
        /* One step of Fisher-Yates: pick among the points not yet proposed. */
        uint64_t j = st->pos + rand_below(&st->rng, st->nvalid - st->pos);
        uint32_t pick = st->valid[j];
        st->valid[j] = st->valid[st->pos];
        st->valid[st->pos] = pick;
        st->pos++;
        st->emitted++;
        kiln_space_point(st->space, pick, out);
        return 1;
    }
    uint64_t total = kiln_space_total(st->space);
    for (unsigned misses = 0; misses < RANDOM_MAX_MISSES; misses++) {
        uint64_t index = rand_below(&st->rng, total);
        if (!kiln_space_index_valid(st->space, index))
            continue;
        int fresh = seen_insert(st, index);
        if (fresh < 0)
            return 0;
        if (fresh) {
            st->emitted++;
            kiln_space_point(st->space, index, out);
            return 1;
        }
    }
    return 0;
}

static size_t random_propose(void *state, kiln_config *out, size_t max)
{
    size_t n = 0;
    while (n < max && random_next(state, &out[n]))
        n++;
    return n;
}

static const kiln_strategy random_strategy = {
    .name = "random",
    .help = "uniformly random valid configurations without repetition (seeded)",
    .init = random_init,
    .propose = random_propose,
    .report = ignore_report,
    .fini = random_fini,
};

/* ---- registry --------------------------------------------------------- */

static const kiln_strategy *const all_strategies[] = {&exhaustive_strategy, &random_strategy, NULL};

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
