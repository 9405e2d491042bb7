/*
 * strategy_search.c: the bookkeeping every search strategy shares (see
 * strategy_int.h): the generator, the point maps, drawing valid points not yet
 * proposed, neighbours and perturbations, and hearing reports and history.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "autotuner/strategy_int.h"

/* ---- generator -------------------------------------------------------- */

uint64_t strategy_rand64(uint64_t *rng)
{
    uint64_t z = (*rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

uint64_t strategy_rand_below(uint64_t *rng, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = strategy_rand64(rng);
    while (x >= limit);
    return x % n;
}

double strategy_rand_unit(uint64_t *rng)
{
    return (double)(strategy_rand64(rng) >> 11) * 0x1p-53;
}

/* ---- point maps ------------------------------------------------------- */

static uint64_t mix(uint64_t key)
{
    uint64_t s = key;
    return strategy_rand64(&s);
}

/* The slot of key, or of the empty slot where it would go. */
static uint64_t slot_of(const point_map *m, uint64_t key)
{
    uint64_t h = mix(key) & (m->cap - 1);
    while (m->keys[h] && m->keys[h] != key + 1)
        h = (h + 1) & (m->cap - 1);
    return h;
}

static int grow(point_map *m)
{
    if (m->cap && (m->count + 1) * 2 <= m->cap)
        return 0;
    point_map bigger = {.cap = m->cap ? m->cap * 2 : 64};
    bigger.keys = calloc(bigger.cap, sizeof *bigger.keys);
    bigger.values = malloc(bigger.cap * sizeof *bigger.values);
    if (!bigger.keys || !bigger.values) {
        free(bigger.keys);
        free(bigger.values);
        return -1;
    }
    for (uint64_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        uint64_t h = slot_of(&bigger, m->keys[i] - 1);
        bigger.keys[h] = m->keys[i];
        bigger.values[h] = m->values[i];
    }
    bigger.count = m->count;
    point_map_free(m);
    *m = bigger;
    return 0;
}

int point_map_put(point_map *m, uint64_t key, double value)
{
    if (grow(m) != 0)
        return -1;
    uint64_t h = slot_of(m, key);
    if (m->keys[h])
        return 0;
    m->keys[h] = key + 1;
    m->values[h] = value;
    m->count++;
    return 1;
}

int point_map_set(point_map *m, uint64_t key, double value)
{
    if (point_map_put(m, key, value) < 0)
        return -1;
    m->values[slot_of(m, key)] = value;
    return 0;
}

int point_map_get(const point_map *m, uint64_t key, double *value)
{
    if (!m->cap)
        return 0;
    uint64_t h = slot_of(m, key);
    if (!m->keys[h])
        return 0;
    if (value)
        *value = m->values[h];
    return 1;
}

void point_map_free(point_map *m)
{
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

/* ---- the search ------------------------------------------------------- */

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int enumerate_valid(search *s)
{
    size_t cap = 0;
    if (search_reserve(&s->valid, &cap, 1024, sizeof *s->valid) != 0)
        return -1;
    for (uint64_t i = kiln_space_next_valid(s->space, 0); i < s->total; i = kiln_space_next_valid(s->space, i + 1)) {
        if (search_reserve(&s->valid, &cap, s->nvalid + 1, sizeof *s->valid) != 0)
            return -1;
        s->valid[s->nvalid++] = i;
    }
    return 0;
}

int search_init(search *s, const kiln_strategy_ctx *ctx)
{
    memset(s, 0, sizeof *s);
    s->space = ctx->space;
    s->nparams = kiln_space_nparams(ctx->space);
    for (int i = 0; i < s->nparams; i++) {
        s->nvalues[i] = kiln_space_param(ctx->space, i)->nvalues;
        s->categorical[i] = kiln_space_categorical(ctx->space, i);
    }
    s->total = kiln_space_total(ctx->space);
    s->budget = ctx->budget;
    s->time_budget_s = ctx->time_budget_s;
    s->start_s = monotonic_s();
    s->rng = ctx->seed;
    s->best = STRATEGY_FAILED;
    s->enumerated = s->total <= STRATEGY_ENUM_LIMIT;
    if (s->enumerated && enumerate_valid(s) != 0) {
        search_free(s);
        return -1;
    }
    return 0;
}

void search_free(search *s)
{
    point_map_free(&s->seen);
    point_map_free(&s->heard);
    free(s->valid);
    s->valid = NULL;
}

void *search_state_new(size_t bytes, const kiln_strategy_ctx *ctx, int history)
{
    search *s = calloc(1, bytes);
    if (!s)
        return NULL;
    if (search_init(s, ctx) != 0) {
        free(s);
        return NULL;
    }
    if (history)
        search_hear_history(s, ctx);
    return s;
}

void search_state_free(void *state)
{
    if (state)
        search_free(state);
    free(state);
}

int search_reserve(void *buf, size_t *cap, size_t need, size_t size)
{
    void **p = buf;
    if (need <= *cap)
        return 0;
    size_t want = *cap ? *cap : 32;
    while (want < need)
        want *= 2;
    void *bigger = realloc(*p, want * size);
    if (!bigger)
        return -1;
    *p = bigger;
    *cap = want;
    return 0;
}

int search_spent(const search *s)
{
    if (s->budget && s->proposed >= s->budget)
        return 1;
    return s->time_budget_s > 0 && monotonic_s() - s->start_s >= s->time_budget_s;
}

void search_decode(const search *s, uint64_t index, int *idx)
{
    for (int i = s->nparams - 1; i >= 0; i--) {
        idx[i] = (int)(index % (uint64_t)s->nvalues[i]);
        index /= (uint64_t)s->nvalues[i];
    }
}

uint64_t search_encode(const search *s, const int *idx)
{
    return kiln_space_index_of(s->space, idx);
}

int search_fresh(const search *s, uint64_t index)
{
    return index < s->total && !point_map_get(&s->seen, index, NULL) && kiln_space_index_valid(s->space, index);
}

void search_take(search *s, uint64_t index, kiln_config *out)
{
    if (point_map_set(&s->seen, index, 1) == 0)
        s->outstanding++;
    s->proposed++;
    kiln_space_point(s->space, index, out);
}

int search_draw(search *s, uint64_t *index)
{
    if (s->enumerated) {
        /* Fisher-Yates over the points not yet drawn; one proposed by another
         * route is moved behind the cursor and skipped, once. */
        while (s->drawn < s->nvalid) {
            uint64_t j = s->drawn + strategy_rand_below(&s->rng, s->nvalid - s->drawn);
            uint64_t pick = s->valid[j];
            s->valid[j] = s->valid[s->drawn];
            s->valid[s->drawn++] = pick;
            if (!point_map_get(&s->seen, pick, NULL)) {
                *index = pick;
                return 1;
            }
        }
        return 0;
    }
    for (unsigned misses = 0; misses < STRATEGY_MAX_MISSES; misses++) {
        uint64_t pick = strategy_rand_below(&s->rng, s->total);
        if (search_fresh(s, pick)) {
            *index = pick;
            return 1;
        }
    }
    return 0;
}

int search_sample(search *s, uint64_t *index)
{
    if (!s->enumerated)
        return search_draw(s, index);
    while (s->drawn < s->nvalid) {
        uint64_t j = s->drawn + strategy_rand_below(&s->rng, s->nvalid - s->drawn);
        if (!point_map_get(&s->seen, s->valid[j], NULL)) {
            *index = s->valid[j];
            return 1;
        }
        uint64_t skip = s->valid[j];
        s->valid[j] = s->valid[s->drawn];
        s->valid[s->drawn++] = skip;
    }
    return 0;
}

static void remember(search *s, uint64_t index, double value)
{
    double old;
    int had = point_map_get(&s->heard, index, &old);
    if ((had && old <= value) || point_map_set(&s->heard, index, value) != 0)
        return;
    s->nheard += !had;
    if (value < s->best) {
        s->best = value;
        s->best_index = index;
    }
}

static double figure_of(const kiln_observation *obs)
{
    return obs->verdict == KILN_OK && obs->objective >= 0 ? obs->objective : STRATEGY_FAILED;
}

int search_hear(search *s, const kiln_observation *obs, uint64_t *index, double *value)
{
    int idx[KILN_MAX_PARAMS];
    if (!obs || !obs->config || kiln_space_indices(s->space, obs->config, idx) != 0)
        return 0;
    *index = search_encode(s, idx);
    *value = figure_of(obs);
    double pending = 0;
    if (point_map_get(&s->seen, *index, &pending) && pending == 1 && s->outstanding) {
        s->outstanding--;
        point_map_set(&s->seen, *index, 0);
    } else {
        point_map_put(&s->seen, *index, 0);
    }
    remember(s, *index, *value);
    return 1;
}

int search_heard(const search *s, uint64_t index, double *value)
{
    return point_map_get(&s->heard, index, value);
}

void search_hear_history(search *s, const kiln_strategy_ctx *ctx)
{
    for (size_t i = 0; i < ctx->nhistory; i++) {
        int idx[KILN_MAX_PARAMS];
        const kiln_observation *obs = &ctx->history[i];
        if (!obs->config || kiln_space_indices(s->space, obs->config, idx) != 0)
            continue;
        uint64_t index = search_encode(s, idx);
        if (!kiln_space_index_valid(s->space, index))
            continue;
        point_map_put(&s->seen, index, 0);
        remember(s, index, figure_of(obs));
    }
}

size_t search_neighbours(const search *s, uint64_t index, int fresh_only, uint64_t *out, size_t max)
{
    int idx[KILN_MAX_PARAMS];
    size_t n = 0;
    search_decode(s, index, idx);
    for (int p = 0; p < s->nparams && n < max; p++) {
        int here = idx[p];
        for (int v = 0; v < s->nvalues[p] && n < max; v++) {
            if (v == here || (!s->categorical[p] && abs(v - here) != 1))
                continue;
            idx[p] = v;
            uint64_t near = search_encode(s, idx);
            if (fresh_only ? search_fresh(s, near) : kiln_space_index_valid(s->space, near))
                out[n++] = near;
        }
        idx[p] = here;
    }
    return n;
}

/* One random single-parameter move of idx (a parameter of one value stays). */
static void random_move(search *s, int *idx)
{
    int p = (int)strategy_rand_below(&s->rng, (uint64_t)s->nparams);
    int nv = s->nvalues[p];
    if (nv < 2)
        return;
    if (s->categorical[p]) {
        int v = (int)strategy_rand_below(&s->rng, (uint64_t)nv - 1);
        idx[p] = v >= idx[p] ? v + 1 : v;
    } else if (idx[p] == 0) {
        idx[p] = 1;
    } else if (idx[p] == nv - 1) {
        idx[p] = nv - 2;
    } else {
        idx[p] += strategy_rand_below(&s->rng, 2) ? 1 : -1;
    }
}

int search_perturb(search *s, uint64_t index, int moves, int tries, uint64_t *out)
{
    if (s->nparams == 0)
        return 0;
    for (int t = 0; t < tries; t++) {
        int idx[KILN_MAX_PARAMS];
        search_decode(s, index, idx);
        for (int m = 0; m < moves; m++)
            random_move(s, idx);
        uint64_t near = search_encode(s, idx);
        if (search_fresh(s, near)) {
            *out = near;
            return 1;
        }
    }
    return 0;
}

uint64_t search_horizon(const search *s)
{
    if (s->budget)
        return s->budget;
    return s->enumerated ? (s->nvalid ? s->nvalid : 1) : 1000;
}

size_t search_max_neighbours(const search *s)
{
    size_t n = 0;
    for (int p = 0; p < s->nparams; p++)
        n += s->categorical[p] ? (size_t)s->nvalues[p] - 1 : 2;
    return n;
}
