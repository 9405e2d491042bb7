/*
 * simulate.c: a search replayed on recorded results (kiln_simulate). The
 * records are indexed by point; the strategy is driven as the tuning loop
 * drives it (batches of proposals, every one reported once), and each
 * proposal is answered from its record, or as a failure when there is none
 * (counted: the record did not cover the space). No device, no clock: the
 * same strategy, seed and records give the same replay.
 */
#include <stdlib.h>
#include <string.h>

#include "autotuner/strategy_int.h"
#include "autotuner/tuner_int.h"

typedef struct replay {
    const kiln_sim_opts *opts;
    const kiln_sim_record *records;
    point_map at;              /* point index -> record position */
    kiln_sim_result *out;
} replay;

/* Indexes the records of valid points (the lowest objective of a point
 * recorded twice stands) and finds the optimum. */
static int index_records(replay *r, size_t n)
{
    kiln_sim_result *out = r->out;
    out->optimum = -1;
    for (size_t i = 0; i < n; i++) {
        int idx[KILN_MAX_PARAMS];
        if (kiln_space_indices(r->opts->space, &r->records[i].config, idx) != 0)
            continue;
        uint64_t index = kiln_space_index_of(r->opts->space, idx);
        if (!kiln_space_index_valid(r->opts->space, index))
            continue;
        double before;
        const kiln_sim_record *rec = &r->records[i];
        int ok = rec->verdict == KILN_OK && rec->objective >= 0;
        if (point_map_get(&r->at, index, &before)) {
            const kiln_sim_record *old = &r->records[(size_t)before];
            if (!ok || (old->verdict == KILN_OK && old->objective <= rec->objective))
                continue;
        } else {
            out->recorded++;
        }
        if (point_map_set(&r->at, index, (double)i) != 0)
            return -1;
        if (ok && (out->optimum < 0 || rec->objective < out->optimum))
            out->optimum = rec->objective;
    }
    return 0;
}

/* Answers one proposal; 1 when the search may stop (the optimum is reached). */
static int answer(replay *r, void *state, const kiln_config *c)
{
    kiln_sim_result *out = r->out;
    kiln_observation obs = {.config = c, .verdict = KILN_SKIPPED, .objective = -1, .time_ns = -1};
    int idx[KILN_MAX_PARAMS];
    double at;
    out->evaluations++;
    if (kiln_space_indices(r->opts->space, c, idx) == 0 &&
        point_map_get(&r->at, kiln_space_index_of(r->opts->space, idx), &at)) {
        const kiln_sim_record *rec = &r->records[(size_t)at];
        obs.verdict = rec->verdict;
        obs.objective = obs.time_ns = rec->verdict == KILN_OK ? rec->objective : -1;
    } else if (out->unmeasured++ == 0) {
        out->first_unmeasured = *c;
    }
    r->opts->strategy->report(state, &obs);
    if (obs.verdict != KILN_OK || obs.objective < 0 || (out->best >= 0 && obs.objective >= out->best))
        return 0;
    out->best = obs.objective;
    out->best_config = *c;
    out->best_after = out->evaluations;
    double ratio = out->best / out->optimum;
    if (!out->within5 && ratio <= 1.05)
        out->within5 = out->evaluations;
    if (!out->within1 && ratio <= 1.01)
        out->within1 = out->evaluations;
    if (!out->at_optimum && ratio <= 1)
        out->at_optimum = out->evaluations;
    return ratio <= 1 + r->opts->stop_within;
}

int kiln_simulate(const kiln_sim_opts *opts, const kiln_sim_record *records, size_t n, kiln_sim_result *out,
                  char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->best = -1;
    replay r = {.opts = opts, .records = records, .out = out};
    if (index_records(&r, n) != 0) {
        point_map_free(&r.at);
        kiln_tuner_errf(err, errlen, "out of memory indexing %zu records", n);
        return -1;
    }
    out->valid = kiln_space_total(opts->space) <= STRATEGY_ENUM_LIMIT ? kiln_space_count_valid(opts->space) : 0;
    kiln_strategy_ctx ctx = {.space = opts->space, .budget = opts->budget, .seed = opts->seed};
    void *state = opts->strategy->init(&ctx);
    if (!state) {
        point_map_free(&r.at);
        kiln_tuner_errf(err, errlen, "strategy '%s' could not start", opts->strategy->name);
        return -1;
    }
    size_t batch = opts->batch ? opts->batch : 1;
    kiln_config *proposals = malloc(batch * sizeof *proposals);
    int done = proposals == NULL;
    while (!done && (!opts->budget || out->evaluations < opts->budget)) {
        size_t got = opts->strategy->propose(state, proposals, batch);
        if (got == 0)
            break; /* every proposal is answered at once, so none is outstanding */
        for (size_t i = 0; i < got; i++)
            done |= answer(&r, state, &proposals[i]);
    }
    int failed = proposals == NULL;
    free(proposals);
    opts->strategy->fini(state);
    point_map_free(&r.at);
    if (failed)
        kiln_tuner_errf(err, errlen, "out of memory for a batch of %zu", batch);
    return failed ? -1 : 0;
}
