/*
 * tune_util.h: what the tuning tests share: a host device and a database in a
 * fresh folder under the build tree, and short tuning options.
 */
#ifndef KILN_TEST_TUNE_UTIL_H
#define KILN_TEST_TUNE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kiln/tuner.h"

/* Makes folder `dir` (a mkdtemp template) and opens the host backend and
 * dir/kiln.db. 0 ok, -1 with err. */
static int tune_util_open(char *dir, kiln_rt **rt, kiln_db **db, char *err, size_t errlen)
{
    char path[512];
    *rt = NULL;
    *db = NULL;
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "cannot make %s", dir);
        return -1;
    }
    snprintf(path, sizeof path, "%s/kiln.db", dir);
    if (!(*rt = kiln_rt_open("host", err, errlen)) || !(*db = kiln_db_open(path, err, errlen)))
        return -1;
    return 0;
}

/* Exhaustive search of k at size with a few quick repetitions per variant. */
static void tune_util_opts(kiln_tune_opts *o, const kiln_kernel *k, const kiln_size *size, uint64_t budget)
{
    memset(o, 0, sizeof *o);
    o->kernel = k;
    o->size = *size;
    o->strategy = kiln_strategy_find("exhaustive");
    o->budget = budget;
    o->seed = 1;
    kiln_time_opts_default(&o->timing);
    o->timing.min_reps = 2;
    o->timing.max_reps = 3;
    o->timing.budget_ms = 1;
}

#endif
