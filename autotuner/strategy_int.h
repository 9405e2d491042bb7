/*
 * strategy_int.h: what the search strategies share (strategy_search.c): a
 * seeded generator, a set of point indices, and a `search` that every
 * strategy but exhaustive embeds. A search knows the space by point index,
 * keeps every point proposed (never proposed twice) and every figure heard
 * (history and reports), counts the budget in proposals and seconds, and draws
 * valid points not yet proposed: from a list of the valid points where the
 * space is small enough to enumerate, by rejection where it is not.
 */
#ifndef KILN_STRATEGY_INT_H
#define KILN_STRATEGY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/tuner.h"

/* Spaces up to this many points (before constraints) are enumerated once. */
#define STRATEGY_ENUM_LIMIT (UINT64_C(1) << 22)
/* Large spaces: this many draws in a row without a new valid point gives up. */
#define STRATEGY_MAX_MISSES (1u << 20)

uint64_t strategy_rand64(uint64_t *rng);
/* Uniform in [0, n) without modulo bias (n > 0). */
uint64_t strategy_rand_below(uint64_t *rng, uint64_t n);
/* Uniform in [0, 1). */
double strategy_rand_unit(uint64_t *rng);

/* Open-addressing map from point index to a figure (stored key + 1; 0 = empty). */
typedef struct point_map {
    uint64_t *keys;
    double *values;
    uint64_t cap, count;
} point_map;
/* 1 inserted, 0 already present (value kept), -1 no memory. */
int point_map_put(point_map *m, uint64_t key, double value);
/* Inserts or overwrites: 0, or -1 no memory. */
int point_map_set(point_map *m, uint64_t key, double value);
/* 1 and *value set when present, else 0. */
int point_map_get(const point_map *m, uint64_t key, double *value);
void point_map_free(point_map *m);

/* Failed variants (verdict != ok) are heard as this figure: worse than any. */
#define STRATEGY_FAILED 1e300

typedef struct search {
    const kiln_space *space;
    int nparams;
    int nvalues[KILN_MAX_PARAMS];
    int categorical[KILN_MAX_PARAMS];
    uint64_t total;
    uint64_t budget, proposed;     /* proposals allowed (0 = no limit) and made */
    double time_budget_s, start_s;
    uint64_t rng;
    point_map seen;                /* proposed (1 while unreported, then 0) or heard (0) */
    point_map heard;               /* figures heard: objective, STRATEGY_FAILED for a failure */
    uint64_t outstanding;          /* proposals not yet reported */
    uint64_t nheard;
    double best;                   /* lowest objective heard (STRATEGY_FAILED when none) */
    uint64_t best_index;
    /* enumerated spaces: the valid points, those at [0, drawn) already seen */
    uint64_t *valid;
    uint64_t nvalid, drawn;
    int enumerated;
} search;

/* 0, or -1 when out of memory (the search is then freed). */
int search_init(search *s, const kiln_strategy_ctx *ctx);
void search_free(search *s);
/* A strategy's state of `bytes` whose first member is a search: zeroed, the
 * search started (and told ctx's history when `history`); NULL when out of
 * memory. search_state_free frees one. */
void *search_state_new(size_t bytes, const kiln_strategy_ctx *ctx, int history);
void search_state_free(void *state);
/* Makes room for `need` elements of `size` bytes in *buf (capacity *cap,
 * doubled as needed): 0, or -1 when out of memory (*buf kept). */
int search_reserve(void *buf, size_t *cap, size_t need, size_t size);
/* 1 when the budget (proposals or seconds) is spent. */
int search_spent(const search *s);
/* Point index <-> per-parameter value indices. */
void search_decode(const search *s, uint64_t index, int *idx);
uint64_t search_encode(const search *s, const int *idx);
/* 1 when point index is valid and not yet proposed. */
int search_fresh(const search *s, uint64_t index);
/* Records a proposal of point index into out (counts it, marks it seen). */
void search_take(search *s, uint64_t index, kiln_config *out);
/* A valid point not yet proposed, uniformly: 1 and *index, 0 when none is left
 * (or none was found in STRATEGY_MAX_MISSES draws of a large space). */
int search_draw(search *s, uint64_t *index);
/* A valid point not yet proposed, uniformly, left to be drawn or taken
 * later (a model's candidate): 1 and *index, 0 when none was found. */
int search_sample(search *s, uint64_t *index);
/* Hears one report: the point's index (1), or 0 when its configuration is not
 * a point of the space. *value gets the figure heard. */
int search_hear(search *s, const kiln_observation *obs, uint64_t *index, double *value);
/* The figure heard for point index: 1 and *value, 0 when none yet. */
int search_heard(const search *s, uint64_t index, double *value);
/* Valid neighbours of point index (only those not yet proposed with
 * fresh_only): ordinal parameters one value up or down, categorical ones any
 * other value. Fills out[0 .. max) and returns how many. */
size_t search_neighbours(const search *s, uint64_t index, int fresh_only, uint64_t *out, size_t max);
/* The most neighbours a point of s can have. */
size_t search_max_neighbours(const search *s);
/* A valid point not yet proposed near `index`: `moves` random single-parameter
 * moves (ordinal: one step, categorical: any other value), tried `tries`
 * times; 1 and *out, else 0. */
int search_perturb(search *s, uint64_t index, int moves, int tries, uint64_t *out);
/* The history of ctx heard as reports (none of them counts as a proposal). */
void search_hear_history(search *s, const kiln_strategy_ctx *ctx);
/* A budget in evaluations to scale schedules by: the budget, else the valid
 * points where enumerated, else 1000. */
uint64_t search_horizon(const search *s);

/* The strategies of strategy_local.c, strategy_population.c, strategy_model.c. */
extern const kiln_strategy kiln_strategy_annealing, kiln_strategy_ils, kiln_strategy_genetic, kiln_strategy_pso,
    kiln_strategy_model;

/* The model's length scales (one per parameter, in coordinates where an
 * ordinal parameter spans [0, 1]) fitted to the objectives of n points, as
 * the model strategy fits them (its tests look at them): 0, or -1. */
int strategy_model_length_scales(const kiln_strategy_ctx *ctx, const uint64_t *points, const double *objectives,
                                 size_t n, double *scales);

#endif
