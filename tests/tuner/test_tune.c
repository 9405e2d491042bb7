/*
 * test_tune.c: the tuning loop on the host backend: every variant is a row,
 * a rerun resumes without measuring again, a variant left "running" by a run
 * that died is recorded as crashed and not rerun, and a variant that crashes
 * the host backend's child is a row, not the end of the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "autotuner/tuner_int.h"
#include "check.h"

typedef struct verdict_count {
    int by_verdict[KILN_RUNNING + 1];
    int total;
} verdict_count;

static int count_rows(void *user, const kiln_db_row *row)
{
    verdict_count *c = user;
    for (int v = 0; v <= KILN_RUNNING; v++)
        if (strcmp(row->verdict, kiln_verdict_name((kiln_verdict)v)) == 0)
            c->by_verdict[v]++;
    c->total++;
    return 0;
}

static verdict_count count(kiln_db *db)
{
    verdict_count c;
    memset(&c, 0, sizeof c);
    kiln_db_foreach(db, NULL, NULL, NULL, count_rows, &c);
    return c;
}

static void tune_opts(kiln_tune_opts *o, const kiln_kernel *k, const kiln_size *size, uint64_t budget)
{
    memset(o, 0, sizeof *o);
    o->kernel = k;
    o->size = *size;
    o->strategy = kiln_strategy_find("exhaustive");
    o->budget = budget;
    o->seed = 1;
    kiln_time_opts_default(&o->timing);
    o->timing.min_reps = 1;
    o->timing.max_reps = 2;
    o->timing.budget_ms = 1;
}

int main(void)
{
    char dir[] = "/tmp/kiln-tune-test-XXXXXX", path[256], err[512];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/kiln.db", dir);
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    CHECK_MSG(rt != NULL, "%s", err);
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(db != NULL, "%s", err);
    if (!rt || !db)
        CHECK_DONE();
    const kiln_kernel *k = kiln_kernel_find("triad");
    kiln_size size = {1, {4096, 1, 1}};
    kiln_tune_opts o;
    kiln_tune_summary sum;

    /* A first run: 4 configurations, 4 rows. */
    tune_opts(&o, k, &size, 4);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(sum.evaluated == 4 && sum.resumed == 0 && sum.ok == 4);
    verdict_count c = count(db);
    CHECK(c.total == 4 && c.by_verdict[KILN_OK] == 4 && c.by_verdict[KILN_RUNNING] == 0);

    /* The same run again measures nothing. */
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(sum.evaluated == 0 && sum.resumed == 4 && sum.ok == 4);
    CHECK(count(db).total == 4);

    /* A run that died with the fifth configuration in flight left a "running" row. */
    kiln_space *space = kiln_space_new(k, &size, err, sizeof err);
    kiln_config fifth;
    uint64_t valid = 0;
    for (uint64_t i = 0; i < kiln_space_total(space); i++) {
        kiln_space_point(space, i, &fifth);
        if (kiln_space_check(space, &fifth, err, sizeof err) == 1 && ++valid == 5)
            break;
    }
    kiln_space_free(space);
    kiln_eval ev;
    char kname[64], json[256];
    CHECK(kiln_variant_prepare(rt, k, &fifth, &size, &o, &ev, kname, sizeof kname) == 0);
    kiln_config_json(&fifth, json, sizeof json);
    kiln_result r;
    memset(&r, 0, sizeof r);
    r.kernel = k->name;
    r.lang = "c";
    r.size = "4096";
    r.config_json = json;
    r.source_hash = ev.source_hash;
    r.device_id = kiln_db_device(db, kiln_rt_device(rt));
    r.worst_index = -1;
    int64_t marker = kiln_db_result_begin(db, &r);
    CHECK(marker > 0);
    kiln_eval_clear(&ev);
    CHECK(count(db).by_verdict[KILN_RUNNING] == 1);

    /* Resuming records it as crashed, does not run it, and measures the rest. */
    tune_opts(&o, k, &size, 6);
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK_MSG(sum.resumed == 5 && sum.evaluated == 1 && sum.failed == 1, "resumed %llu evaluated %llu failed %llu",
              (unsigned long long)sum.resumed, (unsigned long long)sum.evaluated, (unsigned long long)sum.failed);
    c = count(db);
    CHECK(c.by_verdict[KILN_RUNNING] == 0);
    CHECK(c.by_verdict[KILN_CRASHED] == 1);
    CHECK(c.total == 6);

    /* The best result ignores the crashed row. */
    kiln_db_row best;
    CHECK(kiln_db_best(db, k->name, kiln_rt_device(rt)->fingerprint, "4096", &best) == 1);
    CHECK(strcmp(best.verdict, "ok") == 0);
    kiln_db_row_free(&best);

    kiln_db_close(db);
    kiln_rt_close(rt);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    CHECK(system(path) == 0);
    CHECK_DONE();
}
