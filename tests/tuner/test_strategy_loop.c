/*
 * test_strategy_loop: what the tuning loop tells a strategy. A strategy that
 * proposes the default configuration (measured first by the loop) hears its
 * result instead of silence; every proposal is reported once, with its
 * verdict, objective and time; init sees the device, the size and the
 * results already stored (a second run starts from the first one's).
 */
#include <string.h>
#include "check.h"
#include "files.h"
#include "kiln/tuner.h"
#include "tune_util.h"

#define MAX_TOLD 64
static struct {
    kiln_config proposed[MAX_TOLD];
    int nproposed;
    kiln_config told[MAX_TOLD];
    kiln_observation obs[MAX_TOLD];
    int ntold;
    size_t nhistory, history_ok;
    int saw_device, saw_size;
} rec;

typedef struct {
    const kiln_space *space;
    int next;          /* the next point to propose: the default first, then point indices 0.. */
    kiln_config def;
} probe_state;

static void *probe_init(const kiln_strategy_ctx *ctx)
{
    probe_state *st = calloc(1, sizeof *st);
    st->space = ctx->space;
    kiln_space_default(ctx->space, &st->def);
    rec.nhistory = ctx->nhistory;
    rec.history_ok = 0;
    for (size_t i = 0; i < ctx->nhistory; i++)
        rec.history_ok += ctx->history[i].verdict == KILN_OK && ctx->history[i].objective > 0 &&
                          ctx->history[i].resumed;
    rec.saw_device = ctx->device && ctx->device->name[0];
    rec.saw_size = ctx->size && ctx->size->d[0] == 4096;
    return st;
}

/* The default, then the first two valid points. */
static size_t probe_propose(void *state, kiln_config *out, size_t max)
{
    probe_state *st = state;
    if (max < 1)
        return 0;
    if (st->next == 0) {
        st->next = 1;
        *out = st->def;
    } else {
        uint64_t total = kiln_space_total(st->space);
        int found = 0;
        for (uint64_t i = (uint64_t)st->next - 1; i < total && !found; i++, st->next++) {
            if (!kiln_space_index_valid(st->space, i))
                continue;
            kiln_space_point(st->space, i, out);
            found = memcmp(out->values, st->def.values, (size_t)out->n * sizeof out->values[0]) != 0;
        }
        if (!found || rec.nproposed >= 3)
            return 0;
    }
    if (rec.nproposed < MAX_TOLD)
        rec.proposed[rec.nproposed++] = *out;
    return 1;
}

static void probe_report(void *state, const kiln_observation *obs)
{
    (void)state;
    if (rec.ntold < MAX_TOLD) {
        rec.told[rec.ntold] = *obs->config;
        rec.obs[rec.ntold] = *obs;
        rec.obs[rec.ntold].config = &rec.told[rec.ntold];
        rec.ntold++;
    }
}

static void probe_fini(void *state)
{
    free(state);
}

static const kiln_strategy probe = {
    .name = "probe", .help = "test", .init = probe_init, .propose = probe_propose, .report = probe_report,
    .fini = probe_fini};

static int same(const kiln_config *a, const kiln_config *b)
{
    return a->n == b->n && memcmp(a->values, b->values, (size_t)a->n * sizeof a->values[0]) == 0;
}

int main(void)
{
    char dir[] = "kiln-strategy-loop-XXXXXX", err[512];
    kiln_rt *rt;
    kiln_db *db;
    int opened = tune_util_open(dir, &rt, &db, err, sizeof err) == 0;
    CHECK_MSG(opened, "%s", err);
    if (!opened)
        CHECK_DONE();
    kiln_tune_opts o;
    tune_util_opts(&o, kiln_kernel_find("triad"), &(kiln_size){1, {4096, 1, 1}}, 0);
    o.strategy = &probe;
    kiln_tune_summary sum;

    for (int run = 0; run < 2; run++) {
        memset(&rec, 0, sizeof rec);
        CHECK_MSG(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0, "%s", err);
        CHECK(rec.saw_device && rec.saw_size);
        /* the first run starts from nothing, the second from the first's three results */
        CHECK_MSG(rec.nhistory == (run ? 3u : 0u), "run %d: history of %zu", run, rec.nhistory);
        CHECK_MSG(rec.history_ok == rec.nhistory, "run %d: %zu of %zu history rows ok", run, rec.history_ok,
                  rec.nhistory);
        CHECK_MSG(rec.nproposed == 3, "run %d: %d proposals", run, rec.nproposed);
        /* every proposal reported exactly once, in order, the default's too */
        int reports_of_default = 0;
        for (int i = 0; i < rec.ntold; i++)
            reports_of_default += same(&rec.told[i], &rec.proposed[0]);
        CHECK_MSG(reports_of_default == 2, "run %d: the default reported %d times (the loop's and the strategy's)",
                  run, reports_of_default);
        CHECK_MSG(rec.ntold == rec.nproposed + 1, "run %d: %d reports for %d proposals and the default", run,
                  rec.ntold, rec.nproposed);
        for (int i = 0; i < rec.ntold; i++) {
            CHECK_MSG(rec.obs[i].verdict == KILN_OK && rec.obs[i].objective > 0 &&
                          rec.obs[i].objective == rec.obs[i].time_ns,
                      "run %d report %d: verdict %d objective %g time %g", run, i, rec.obs[i].verdict,
                      rec.obs[i].objective, rec.obs[i].time_ns);
            CHECK_MSG(rec.obs[i].resumed == (run || i == 1), "run %d report %d: resumed %d", run, i,
                      rec.obs[i].resumed);
        }
        /* the strategy's own proposal of the default hears the default's figure */
        CHECK(rec.ntold >= 2 && rec.obs[1].objective == rec.obs[0].objective);
        CHECK_MSG(sum.evaluated + sum.resumed == 3, "run %d: %llu evaluated, %llu resumed", run,
                  (unsigned long long)sum.evaluated, (unsigned long long)sum.resumed);
    }
    kiln_db_close(db);
    kiln_rt_close(rt);
    test_scratch_remove(dir);
    CHECK_DONE();
}
