/*
 * test_objective: what a tuning run minimises. With --objective energy (or
 * edp) the strategy is told each variant's energy (or energy x time) as the
 * database stores it, measured and resumed alike, and the summary names the
 * variant with the lowest; without an energy measurement such a run is
 * refused before anything is stored. Energy comes from a powercap counter
 * this test advances (no RAPL on CI's VM).
 */
#include <sqlite3.h>
#include "check.h"
#include "fake_rapl.h"
#include "files.h"
#include "kiln/tuner.h"
#include "result_rows.h"

/* The exhaustive strategy, keeping what it is told. */
#define MAX_SEEN 64
static struct {
    char json[MAX_SEEN][256];
    double value[MAX_SEEN];
    int n;
} told;

static void record_report(void *state, const kiln_observation *obs)
{
    (void)state;
    if (told.n < MAX_SEEN) {
        kiln_config_json(obs->config, told.json[told.n], sizeof told.json[0]);
        told.value[told.n++] = obs->objective;
    }
}

static double told_for(const char *json)
{
    for (int i = told.n; i-- > 0;)
        if (strcmp(told.json[i], json) == 0)
            return told.value[i];
    return -2;
}

typedef struct stored {
    char json[256];
    double median_ns, energy_j;
} stored;

static int collect(void *user, const kiln_db_row *row)
{
    stored *s = user;
    if (row->superseded_by || strcmp(row->verdict, "ok") != 0)
        return 0;
    for (int i = 0; i < 8; i++)
        if (!s[i].json[0]) {
            snprintf(s[i].json, sizeof s[i].json, "%s", row->config_json);
            s[i].median_ns = row->median_ns;
            s[i].energy_j = kiln_counters_energy_j(row->counters_json);
            return 0;
        }
    return 0;
}

static const char *const three[] = {"vec == 1 && per_item == 1 && wg <= 128"};

int main(void)
{
    char dir[1024], path[1200], err[512];
    if (!test_scratch_dir(dir, sizeof dir, "kiln-objective-XXXXXX"))
        SKIP("cannot make a scratch folder");
    snprintf(path, sizeof path, "%s/kiln.db", dir);
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    CHECK_MSG(rt && db, "%s", err);
    if (!rt || !db)
        CHECK_DONE();
    kiln_kernel k = *kiln_kernel_find("triad");
    k.constraints = three;
    k.nconstraints = 1;
    kiln_strategy recording = *kiln_strategy_find("exhaustive");
    recording.report = record_report;
    kiln_tune_opts o;
    memset(&o, 0, sizeof o);
    o.kernel = &k;
    o.size = (kiln_size){1, {4096, 1, 1}};
    o.strategy = &recording;
    o.seed = 1;
    kiln_time_opts_default(&o.timing);
    o.timing.max_reps = 3;
    o.timing.budget_ms = 1;
    kiln_tune_summary sum;

    /* no energy measured: refused, nothing stored */
    o.objective = KILN_OBJECTIVE_ENERGY;
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) != 0);
    CHECK_STR_CONTAINS(err, "the objective 'energy' needs the energy");
    stored rows[8];
    memset(rows, 0, sizeof rows);
    CHECK(kiln_db_foreach(db, NULL, NULL, NULL, collect, rows) == 0 && !rows[0].json[0]);

    fake_rapl f;
    CHECK(fake_rapl_start(&f, dir, 30.0) == 0);
    CHECK_MSG(kiln_rt_set_energy(rt, 1) == 0, "%s", kiln_rt_errmsg(rt));
    CHECK_MSG(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(sum.ok == 3, "%llu ok", (unsigned long long)sum.ok);
    CHECK(kiln_db_foreach(db, NULL, NULL, NULL, collect, rows) == 0);
    double lowest = -1;
    const char *lowest_json = "";
    for (int i = 0; i < 3; i++) {
        CHECK_MSG(rows[i].json[0] && rows[i].energy_j > 0, "row %d: energy %g", i, rows[i].energy_j);
        /* the strategy was told what the database keeps */
        CHECK_MSG(told_for(rows[i].json) == rows[i].energy_j, "%s: told %g, stored %g J", rows[i].json,
                  told_for(rows[i].json), rows[i].energy_j);
        if (lowest < 0 || rows[i].energy_j < lowest) {
            lowest = rows[i].energy_j;
            lowest_json = rows[i].json;
        }
    }
    CHECK_MSG(strcmp(sum.best_objective_json, lowest_json) == 0 && sum.best_objective == lowest,
              "summary names %s (%g J), the lowest stored is %s (%g J)", sum.best_objective_json,
              sum.best_objective, lowest_json, lowest);

    /* resumed under the energy-delay product: told energy x time of the stored rows */
    told.n = 0;
    o.objective = KILN_OBJECTIVE_EDP;
    CHECK_MSG(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0, "%s", err);
    CHECK(sum.resumed == 3 && sum.evaluated == 0);
    for (int i = 0; i < 3; i++) {
        double edp = rows[i].energy_j * rows[i].median_ns * 1e-9;
        CHECK_MSG(told_for(rows[i].json) == edp, "%s: told %g, energy x time %g", rows[i].json,
                  told_for(rows[i].json), edp);
    }
    /* under time, the median */
    told.n = 0;
    o.objective = KILN_OBJECTIVE_TIME;
    CHECK(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0);
    CHECK(told_for(rows[0].json) == rows[0].median_ns);

    /* kiln_db_best ranks by the objective: three rows that each win one
     * (fastest; least energy; least energy x time) and one without energy */
    static const struct {
        const char *config;
        double median_ns;
        const char *counters;
    } crafted[] = {
        {"{\"wg\":1}", 100, "{\"events\":{},\"energy_j\":3}"},
        {"{\"wg\":2}", 200, "{\"events\":{},\"energy_j\":1}"},
        {"{\"wg\":3}", 400, "{\"events\":{},\"energy_j\":0.6}"},
        {"{\"wg\":4}", 50, NULL},
    };
    int64_t dev = kiln_db_device(db, kiln_rt_device(rt));
    int64_t run = kiln_db_run_begin(db, "crafted", dev, "exhaustive", 0, 1, "64", "test");
    for (size_t i = 0; i < sizeof crafted / sizeof crafted[0]; i++)
        add_result(db, run, "crafted", dev, "64", crafted[i].config, KILN_OK, crafted[i].median_ns,
                   crafted[i].counters);
    const struct {
        kiln_objective o;
        const char *want;
    } ranks[] = {{KILN_OBJECTIVE_TIME, "{\"wg\":4}"}, {KILN_OBJECTIVE_ENERGY, "{\"wg\":3}"},
                 {KILN_OBJECTIVE_EDP, "{\"wg\":2}"}};
    for (size_t i = 0; i < sizeof ranks / sizeof ranks[0]; i++) {
        kiln_db_row best;
        kiln_db_set_objective(db, ranks[i].o);
        CHECK(kiln_db_best(db, "crafted", NULL, "64", &best) == 1);
        CHECK_MSG(strcmp(best.config_json, ranks[i].want) == 0, "best by %s: %s, want %s",
                  kiln_objective_name(ranks[i].o), best.config_json, ranks[i].want);
        kiln_db_row_free(&best);
    }
    /* results without an energy are no answer under energy, one under time */
    fake_rapl_stop(&f);
    CHECK(kiln_rt_set_energy(rt, 0) == 0);
    o.size = (kiln_size){1, {8192, 1, 1}};
    CHECK_MSG(kiln_tune(db, rt, &o, NULL, NULL, &sum, err, sizeof err) == 0 && sum.ok == 3, "%s", err);
    kiln_db_row best;
    kiln_db_set_objective(db, KILN_OBJECTIVE_ENERGY);
    CHECK(kiln_db_best(db, "triad", NULL, "8192", &best) == 0);
    kiln_db_set_objective(db, KILN_OBJECTIVE_TIME);
    CHECK(kiln_db_best(db, "triad", NULL, "8192", &best) == 1);
    kiln_db_row_free(&best);

    /* derived figures: a counted FP event against the declared count */
    kiln_counts c;
    memset(&c, 0, sizeof c);
    c.n = 2;
    snprintf(c.name[0], sizeof c.name[0], "sw:task-clock");
    snprintf(c.name[1], sizeof c.name[1], "PAPI_DP_OPS");
    c.per_run[0] = 1e6;
    c.per_run[1] = 3e6;
    c.elapsed_ns = 1.5e6;
    c.runs = 4;
    c.threads = 1;
    c.energy_j = c.power_w = -1;
    char json[2048];
    CHECK(kiln_counts_json_derived(&c, 2e6, 8e6, json, sizeof json) == 0);
    CHECK_STR_CONTAINS(json, "\"declared_flops\":2000000,\"declared_bytes\":8000000,\"bytes_per_flop\":4");
    CHECK_STR_CONTAINS(json, "\"counted_gflops\":2,\"counted_over_declared\":1.5}");
    CHECK(kiln_counts_json_derived(&c, 0, 0, json, sizeof json) == 0);
    CHECK(strstr(json, "declared") == NULL && strstr(json, "\"counted_gflops\":2}"));
    CHECK(kiln_counts_json_derived(&c, 2e6, 8e6, json, 40) != 0);

    kiln_objective parsed;
    CHECK(kiln_objective_parse("edp", &parsed) == 0 && parsed == KILN_OBJECTIVE_EDP);
    CHECK(kiln_objective_parse("joules", &parsed) != 0);
    CHECK(kiln_counters_energy_j("{\"events\":{}}") == -1);
    kiln_db_close(db);
    kiln_rt_close(rt);
    CHECK(test_scratch_remove(dir) == 0);
    CHECK_DONE();
}
