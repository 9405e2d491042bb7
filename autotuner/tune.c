/*
 * tune.c: the tuning loop. A strategy proposes configurations; each one is
 * built, measured and stored as one database row, whatever its verdict.
 *
 * A stored result is reused (resume) only for the same identity: kernel,
 * device fingerprint, size, configuration, the hash of the generated source
 * with the build options, and the hash of the verification data. Anything
 * else is measured again and the new row supersedes the old one.
 *
 * The default configuration is always measured first so that every run can
 * say how much tuning bought. One tuning process holds a device at a time.
 * A variant left in flight by a process that died is retried once, and
 * recorded crashed only when it took kiln down a second time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "autotuner/tuner_int.h"

typedef struct known_result {
    char *source_hash;
    char *data_hash;
    char *config_json;
    kiln_verdict verdict;
    double median_ns;
    double energy_j;           /* -1 when not measured */
    int64_t row_id;
    int crashes;
    int attempts;
    kiln_owner owner;          /* of a running marker */
} known_result;

typedef struct known_set {
    known_result *items;
    size_t n, cap;
} known_set;

static int known_add(void *user, const kiln_db_row *row)
{
    known_set *ks = user;
    if (row->superseded_by)
        return 0;
    if (ks->n == ks->cap) {
        size_t cap = ks->cap ? ks->cap * 2 : 64;
        known_result *items = realloc(ks->items, cap * sizeof *items);
        if (!items)
            return 1;
        ks->items = items;
        ks->cap = cap;
    }
    known_result *r = &ks->items[ks->n++];
    memset(r, 0, sizeof *r);
    r->source_hash = strdup(row->source_hash ? row->source_hash : "");
    r->data_hash = strdup(row->data_hash ? row->data_hash : "");
    r->config_json = strdup(row->config_json ? row->config_json : "");
    if (!row->verdict || kiln_verdict_parse(row->verdict, &r->verdict) != 0)
        r->verdict = KILN_RUN_ERROR;
    r->row_id = row->id;
    r->median_ns = row->median_ns;
    r->energy_j = kiln_counters_energy_j(row->counters_json);
    r->crashes = row->crashes;
    r->attempts = row->attempts;
    r->owner.pid = row->owner_pid;
    snprintf(r->owner.host, sizeof r->owner.host, "%s", row->owner_host ? row->owner_host : "");
    snprintf(r->owner.start, sizeof r->owner.start, "%s", row->owner_start ? row->owner_start : "");
    return 0;
}

static const known_result *known_find(const known_set *ks, const char *hash, const char *data_hash,
                                      const char *json)
{
    for (size_t i = ks->n; i-- > 0;) {
        const known_result *r = &ks->items[i];
        if (strcmp(r->source_hash, hash) == 0 && strcmp(r->data_hash, data_hash) == 0 &&
            strcmp(r->config_json, json) == 0)
            return r;
    }
    return NULL;
}

static void known_free(known_set *ks)
{
    for (size_t i = 0; i < ks->n; i++) {
        free(ks->items[i].source_hash);
        free(ks->items[i].data_hash);
        free(ks->items[i].config_json);
    }
    free(ks->items);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Bookkeeping for the summary: best, slowest, default, best by the objective. */
static void summary_note(kiln_tune_summary *s, const kiln_config *c, const char *json, int ok, double median_ns,
                         int is_default, double objective)
{
    if (!ok) {
        s->failed++;
        return;
    }
    s->ok++;
    if (objective >= 0 && (s->best_objective < 0 || objective < s->best_objective)) {
        s->best_objective = objective;
        snprintf(s->best_objective_json, sizeof s->best_objective_json, "%s", json);
    }
    if (s->best_ns < 0 || median_ns < s->best_ns) {
        s->best_ns = median_ns;
        s->best = *c;
        snprintf(s->best_json, sizeof s->best_json, "%s", json);
    }
    if (median_ns > s->slowest_ns)
        s->slowest_ns = median_ns;
    if (is_default)
        s->default_ns = median_ns;
}

/* One tuning run's state, shared by the steps of the loop. */
typedef struct tune_run {
    kiln_db *db;
    kiln_rt *rt;
    const kiln_tune_opts *opts;
    const kiln_kernel *k;
    const char *lang;
    int64_t device_id;
    char size_text[64];
    char build_options[1024];
    char data_hash[17];
    known_set known;
    void *state;               /* the strategy's */
    kiln_observation def_obs;  /* the default configuration's, once measured (def_seen) */
    int def_seen;
    kiln_tune_summary s;
    void (*progress)(void *user, const kiln_tune_event *ev);
    void *user;
    int64_t marker;            /* the in-flight marker, -1 when none */
} tune_run;

/* How a configuration went, as the strategy hears it. */
static kiln_observation observation(const tune_run *t, const kiln_config *cfg, kiln_verdict verdict,
                                    double median_ns, double energy_j, int resumed)
{
    kiln_observation o = {.config = cfg, .verdict = verdict, .objective = -1, .time_ns = -1, .resumed = resumed};
    if (verdict == KILN_OK) {
        o.objective = kiln_objective_value(t->opts->objective, median_ns, energy_j);
        o.time_ns = median_ns;
    }
    return o;
}

/* Tells the strategy and the caller how a configuration went. */
static void tell(tune_run *t, kiln_tune_event *e, const kiln_config *cfg, kiln_verdict verdict, double median_ns,
                 double energy_j, int is_default)
{
    e->verdict = verdict;
    e->median_ns = median_ns;
    kiln_observation o = observation(t, cfg, verdict, median_ns, energy_j, e->resumed);
    if (is_default) {
        t->def_obs = o;
        t->def_seen = 1;
    }
    if (t->opts->strategy->report)
        t->opts->strategy->report(t->state, &o);
    if (t->progress)
        t->progress(t->user, e);
}

/* What to do with a configuration already in the database. */
typedef enum reuse { REUSE_NONE, REUSE_STORED, REUSE_SKIP, REUSE_CRASHED, REUSE_RETRY } reuse;

static reuse decide(const tune_run *t, const known_result *seen)
{
    if (!seen)
        return REUSE_NONE;
    /* A timeout is final once two runs agree: one may be the load of the moment. */
    if (seen->verdict == KILN_TIMEOUT && seen->attempts < 2)
        return REUSE_NONE;
    if (seen->verdict != KILN_RUNNING)
        return t->opts->rerun & (1u << seen->verdict) ? REUSE_NONE : REUSE_STORED;
    kiln_owner self;
    kiln_owner_self(&self);
    int mine = seen->owner.pid == self.pid && strcmp(seen->owner.host, self.host) == 0;
    if (!mine && seen->owner.pid > 0 && kiln_owner_alive(&seen->owner))
        return REUSE_SKIP; /* in flight in another live process, not a crash */
    return seen->crashes + 1 >= 2 ? REUSE_CRASHED : REUSE_RETRY;
}

/* Measures one configuration (prepared or not) and stores its result in
 * place of the marker. The runtime has already run a timed-out variant once
 * more, alone, before it said timeout; where it can cancel a kernel (the host
 * backend) that second run was complete and the timeout is final. On OpenCL a
 * kernel that never finished could not be run again: the next tuning run
 * tries it once more. -1 on a database error. */
static int measure_and_store(tune_run *t, const kiln_config *cfg, const char *kname, int prepared,
                             kiln_result *r, kiln_eval *ev)
{
    const kiln_kernel *k = t->k;
    const kiln_tune_opts *opts = t->opts;
    if (prepared) {
        kiln_variant_measure(t->rt, k, cfg, &opts->size, opts, kname, ev);
        if (ev->verdict == KILN_TIMEOUT && kiln_rt_can_cancel(t->rt))
            r->attempts = 2;
    }
    t->s.evaluated++;
    r->verdict = ev->verdict;
    r->time = ev->time;
    r->max_abs_err = ev->verify.max_abs_err;
    r->max_rel_err = ev->verify.max_rel_err;
    r->worst_index = ev->verdict == KILN_WRONG ? (int64_t)ev->verify.worst_index : -1;
    r->error_text = ev->error_text;
    r->counters_json = ev->counters_json;
    if (ev->verdict == KILN_OK && ev->time.median_ns > 0) {
        double sec = ev->time.median_ns * 1e-9;
        r->gflops = k->flops ? k->flops(&opts->size) / sec * 1e-9 : 0;
        r->gbytes_per_s = k->bytes ? k->bytes(&opts->size) / sec * 1e-9 : 0;
    }
    int rc = t->marker >= 0 ? kiln_db_result_finish(t->db, t->marker, r) : kiln_db_result_add(t->db, r);
    if (rc != 0)
        return -1;
    t->marker = -1;
    return 0;
}

/* Evaluates (or reuses) one configuration. 1 when the run must stop (a
 * timeout the device cannot cancel: why in s.stopped), 0 to go on, -1 on a
 * database error. */
static int tune_one(tune_run *t, const kiln_config *cfg, const char *json, int is_default, uint64_t total)
{
    const kiln_tune_opts *opts = t->opts;
    kiln_eval ev;
    char kname[256], identity[17] = "";
    kiln_tune_event e;
    memset(&e, 0, sizeof e);
    e.index = t->s.evaluated + t->s.resumed + 1;
    e.total = total;
    e.config = cfg;
    e.config_json = json;

    /* A configuration the description or the generator refuses has no source:
     * its identity is the empty hash, and the refusal, made again just now, is
     * the stored one. */
    int prepared = kiln_variant_prepare(t->rt, t->k, cfg, &opts->size, opts, &ev, kname, sizeof kname) == 0;
    if (prepared)
        kiln_identity_hash(ev.source_hash, t->build_options, identity);
    const known_result *seen = known_find(&t->known, identity, t->data_hash, json);
    kiln_result r;
    memset(&r, 0, sizeof r);
    r.run_id = t->s.run_id;
    r.device_id = t->device_id;
    r.kernel = t->k->name;
    r.lang = t->lang;
    r.size = t->size_text;
    r.config_json = json;
    r.source_hash = identity;
    r.data_hash = t->data_hash;
    r.worst_index = -1;
    r.attempts = seen && seen->verdict == KILN_TIMEOUT ? seen->attempts + 1 : 1;

    int rc = 0;
    char why[512];
    switch (decide(t, seen)) {
    case REUSE_STORED:
        t->s.resumed++;
        e.resumed = 1;
        if (seen->verdict == KILN_OK)
            summary_note(&t->s, cfg, json, 1, seen->median_ns, is_default,
                         kiln_objective_value(opts->objective, seen->median_ns, seen->energy_j));
        tell(t, &e, cfg, seen->verdict, seen->median_ns, seen->energy_j, is_default);
        break;
    case REUSE_SKIP:
        t->s.resumed++;
        e.resumed = 1;
        snprintf(why, sizeof why, "in flight in kiln pid %lld on %s", seen->owner.pid, seen->owner.host);
        e.error_text = why;
        tell(t, &e, cfg, KILN_RUNNING, 0, -1, is_default);
        break;
    case REUSE_CRASHED:
        snprintf(why, sizeof why,
                 "kiln stopped twice while this variant ran (row %lld): the variant crashed the device driver or "
                 "the run was killed; it is not run again",
                 (long long)seen->row_id);
        r.verdict = KILN_CRASHED;
        r.crashes = seen->crashes + 1;
        r.error_text = why;
        if (kiln_db_result_finish(t->db, seen->row_id, &r) != 0) {
            rc = -1;
            break;
        }
        t->s.resumed++;
        t->s.failed++;
        e.resumed = 1;
        e.error_text = why;
        tell(t, &e, cfg, KILN_CRASHED, 0, -1, is_default);
        break;
    case REUSE_RETRY:
    case REUSE_NONE:
        if (seen && seen->verdict == KILN_RUNNING) {
            /* Left in flight by a process that died: once may be a kill, so it runs again. */
            if (kiln_db_result_retry(t->db, seen->row_id, seen->crashes + 1) != 0) {
                rc = -1;
                break;
            }
            t->marker = seen->row_id;
            r.crashes = seen->crashes + 1;
            t->s.retried++;
        } else if (prepared) {
            /* The source and the in-flight marker are stored before the variant
             * runs, so that nothing is lost if it takes the process down. */
            if (kiln_db_kernel_source(t->db, t->k->name, t->lang, identity, ev.source) < 0 ||
                (t->marker = kiln_db_result_begin(t->db, &r)) < 0) {
                t->marker = -1;
                rc = -1;
                break;
            }
        }
        if (measure_and_store(t, cfg, kname, prepared, &r, &ev) != 0) {
            rc = -1;
            break;
        }
        double energy_j = kiln_counters_energy_j(ev.counters_json);
        summary_note(&t->s, cfg, json, ev.verdict == KILN_OK, ev.time.median_ns, is_default,
                     kiln_objective_value(opts->objective, ev.time.median_ns, energy_j));
        e.gflops = r.gflops;
        e.gbytes_per_s = r.gbytes_per_s;
        e.error_text = ev.error_text;
        tell(t, &e, cfg, ev.verdict, ev.time.median_ns, energy_j, is_default);
        /* The queue stays busy behind a kernel that timed out: every later variant would wait on it. */
        if (ev.verdict == KILN_TIMEOUT && !kiln_rt_can_cancel(t->rt)) {
            snprintf(t->s.stopped, sizeof t->s.stopped,
                     "configuration %.160s did not finish within %d ms and the OpenCL device cannot cancel it; "
                     "the run stops here (stored as timeout; run the same command again to go on)",
                     json, opts->timeout_ms);
            rc = 1;
        }
        break;
    }
    kiln_eval_clear(&ev);
    return rc;
}

/* cfg as JSON in a string of its own size (malloc'ed; NULL when out of
 * memory): many parameters with long names take more than any fixed buffer. */
static char *config_json_new(const kiln_config *cfg)
{
    size_t len = (size_t)kiln_config_json(cfg, NULL, 0) + 1;
    char *json = malloc(len);
    if (json)
        kiln_config_json(cfg, json, len);
    return json;
}

/* The next configuration to measure: the default first, then the strategy's.
 * The strategy's own proposal of the default, measured already, is not
 * measured again: it hears the default's result at once. 0 when the strategy
 * is done. */
static int next_config(tune_run *t, kiln_config *cfg, int *default_pending, const kiln_config *def,
                       int default_valid)
{
    if (*default_pending) {
        *default_pending = 0;
        *cfg = *def;
        return 1;
    }
    while (t->opts->strategy->propose(t->state, cfg, 1) == 1) {
        int same = cfg->n == def->n && memcmp(cfg->values, def->values, (size_t)cfg->n * sizeof cfg->values[0]) == 0;
        if (!(same && default_valid && t->def_seen))
            return 1;
        kiln_observation o = t->def_obs;
        o.config = cfg;
        o.resumed = 1;
        if (t->opts->strategy->report)
            t->opts->strategy->report(t->state, &o);
    }
    return 0;
}

/* The strategy's loop, the default configuration first. Returns the run's
 * status text, NULL on a database error. */
static const char *tune_loop(tune_run *t, kiln_space *space, uint64_t valid)
{
    const kiln_tune_opts *opts = t->opts;
    uint64_t planned = opts->budget && opts->budget < valid ? opts->budget : valid;
    kiln_config def;
    kiln_space_default(space, &def);
    char why[256];
    int default_valid = kiln_space_check(space, &def, why, sizeof why) == 1;
    int default_pending = default_valid;
    t->s.default_in_space = default_valid;
    double t0 = now_s();
    uint64_t total = planned + (opts->budget && default_valid ? 1 : 0); /* the default comes on top of a budget */

    for (;;) {
        if (opts->stop && *opts->stop)
            return "interrupted";
        if (opts->time_budget_s > 0 && now_s() - t0 > opts->time_budget_s)
            return "time budget reached";
        kiln_config cfg;
        if (!next_config(t, &cfg, &default_pending, &def, default_valid))
            return "done";
        char *json = config_json_new(&cfg);
        if (!json)
            return "out of memory";
        int is_default = cfg.n == def.n && memcmp(cfg.values, def.values, (size_t)cfg.n * sizeof cfg.values[0]) == 0;
        int rc = tune_one(t, &cfg, json, is_default, total);
        free(json);
        if (rc < 0)
            return NULL;
        if (rc > 0)
            return "stopped after a timeout";
    }
}

/* After a run that visited every configuration, a marker left by a process
 * that died and matched none of them belongs to a source or data that is no
 * more (the description changed since): it was never a result, and goes. */
static void forget_stale_markers(tune_run *t)
{
    for (size_t i = 0; i < t->known.n; i++) {
        const known_result *r = &t->known.items[i];
        if (r->verdict == KILN_RUNNING && !kiln_owner_alive(&r->owner))
            kiln_db_result_abandon(t->db, r->row_id);
    }
}

/* Everything before the loop: the space, the device and its claim, the
 * identity of this run's data, what is already stored. -1 with err. */
static int tune_start(tune_run *t, kiln_space **space, uint64_t *valid, char *err, size_t errlen)
{
    const kiln_kernel *k = t->k;
    const kiln_device_info *dev = kiln_rt_device(t->rt);
    if (!(k->langs & (1u << kiln_rt_lang(t->rt)))) {
        kiln_tuner_errf(err, errlen, "kernel '%s' has no %s description for device '%s'", k->name, t->lang,
                        dev->name);
        return -1;
    }
    *space = kiln_space_new(k, &t->opts->size, err, errlen);
    if (!*space)
        return -1;
    kiln_space_set_device(*space, dev);
    *valid = kiln_space_count_valid(*space);
    if (*valid == 0) {
        kiln_tuner_errf(err, errlen, "no configuration of '%s' satisfies its constraints at size %s", k->name,
                        t->size_text);
        return -1;
    }
    if (kiln_eval_precheck(k, *space, &t->opts->size, t->opts->seed, err, errlen) != 0)
        return -1; /* a broken kernel contract: refused before any row is written */
    if (kiln_rt_build_options(t->rt, t->build_options, sizeof t->build_options) != 0) {
        kiln_tuner_errf(err, errlen, "the build options of device '%s' are too long", dev->name);
        return -1;
    }
    if (kiln_eval_data_hash(k, &t->opts->size, t->opts->seed, t->data_hash, err, errlen) != 0)
        return -1;
    t->device_id = kiln_db_device(t->db, dev);
    if (t->device_id < 0) {
        kiln_tuner_errf(err, errlen, "database: %s", kiln_db_errmsg(t->db));
        return -1;
    }
    char holder[512];
    int claim = kiln_db_claim_device(t->db, t->device_id, k->name, t->size_text, holder, sizeof holder);
    if (claim != 0) {
        if (claim > 0)
            kiln_tuner_errf(err, errlen, "device '%s' is being tuned by %s; wait for it or stop it", dev->name,
                            holder);
        else
            kiln_tuner_errf(err, errlen, "database: %s", kiln_db_errmsg(t->db));
        t->device_id = -1;
        return -1;
    }
    int64_t died = 0;
    if (kiln_db_close_dead_runs(t->db, &died) != 0 ||
        kiln_db_foreach(t->db, k->name, dev->fingerprint, t->size_text, known_add, &t->known) < 0) {
        kiln_tuner_errf(err, errlen, "database: %s", kiln_db_errmsg(t->db));
        return -1;
    }
    return 0;
}

/* The stored results a strategy starts from: those of this run's data whose
 * configuration is still a point of the space. */
typedef struct history {
    kiln_observation *obs;
    kiln_config *configs;
    size_t n;
} history;

static void history_free(history *h)
{
    free(h->obs);
    free(h->configs);
}

static int history_of(const tune_run *t, const kiln_space *space, history *h)
{
    memset(h, 0, sizeof *h);
    if (!t->known.n)
        return 0;
    h->obs = calloc(t->known.n, sizeof *h->obs);
    h->configs = calloc(t->known.n, sizeof *h->configs);
    if (!h->obs || !h->configs) {
        history_free(h);
        return -1;
    }
    int idx[KILN_MAX_PARAMS];
    for (size_t i = 0; i < t->known.n; i++) {
        const known_result *r = &t->known.items[i];
        kiln_config *c = &h->configs[h->n];
        if (r->verdict == KILN_RUNNING || strcmp(r->data_hash, t->data_hash) != 0 ||
            kiln_config_from_json(t->k, r->config_json, c, NULL, 0) != 0 || kiln_space_indices(space, c, idx) != 0)
            continue;
        h->obs[h->n] = observation(t, c, r->verdict, r->median_ns, r->energy_j, 1);
        h->n++;
    }
    return 0;
}

int kiln_tune(kiln_db *db, kiln_rt *rt, const kiln_tune_opts *opts,
              void (*progress)(void *user, const kiln_tune_event *ev), void *user,
              kiln_tune_summary *summary, char *err, size_t errlen)
{
    tune_run t;
    memset(&t, 0, sizeof t);
    t.db = db;
    t.rt = rt;
    t.opts = opts;
    t.k = opts->kernel;
    t.lang = kiln_lang_name(kiln_rt_lang(rt));
    t.progress = progress;
    t.user = user;
    t.marker = -1;
    t.device_id = -1;
    t.s.best_ns = -1;
    t.s.slowest_ns = -1;
    t.s.default_ns = -1;
    t.s.best_objective = -1;
    kiln_size_format(&opts->size, t.size_text, sizeof t.size_text);
    if (opts->objective != KILN_OBJECTIVE_TIME && !kiln_rt_measures_energy(rt)) {
        kiln_tuner_errf(err, errlen, "the objective '%s' needs the energy of each variant: measure it "
                        "(kiln_rt_set_energy, kiln tune --energy)", kiln_objective_name(opts->objective));
        return -1;
    }
    kiln_space *space = NULL;
    uint64_t valid = 0;
    int rc = -1;

    if (tune_start(&t, &space, &valid, err, errlen) != 0)
        goto out;
    t.s.run_id = kiln_db_run_begin(db, t.k->name, t.device_id, opts->strategy->name, opts->budget, opts->seed,
                                   t.size_text, opts->command ? opts->command : "");
    if (t.s.run_id < 0) {
        kiln_tuner_errf(err, errlen, "database: %s", kiln_db_errmsg(db));
        goto out;
    }
    history hist;
    if (history_of(&t, space, &hist) != 0) {
        kiln_tuner_errf(err, errlen, "out of memory");
        kiln_db_run_end(db, t.s.run_id, "failed");
        goto out;
    }
    kiln_strategy_ctx ctx = {.space = space,
                             .budget = opts->budget,
                             .time_budget_s = opts->time_budget_s,
                             .seed = opts->seed,
                             .device = kiln_rt_device(rt),
                             .size = &opts->size,
                             .history = hist.obs,
                             .nhistory = hist.n};
    t.state = opts->strategy->init(&ctx);
    history_free(&hist);
    if (!t.state) {
        kiln_tuner_errf(err, errlen, "strategy '%s' could not start", opts->strategy->name);
        kiln_db_run_end(db, t.s.run_id, "failed");
        goto out;
    }
    const char *status = tune_loop(&t, space, valid);
    if (status && strcmp(status, "done") == 0 && opts->confirm_top > 0 &&
        kiln_tune_confirm(db, rt, opts, t.size_text, t.data_hash, t.build_options,
                          &t.s) != 0)
        status = NULL;
    if (!status) {
        /* The database failed (a full disk): leave it as an interruption would. */
        kiln_tuner_errf(err, errlen, "database: %s", kiln_db_errmsg(db));
        if (t.marker >= 0)
            kiln_db_result_abandon(db, t.marker);
        kiln_db_run_end(db, t.s.run_id, "failed: database error");
        goto out;
    }
    if (strcmp(status, "done") == 0 && t.s.evaluated + t.s.resumed >= valid)
        forget_stale_markers(&t);
    kiln_db_run_end(db, t.s.run_id, status);
    rc = 0;
out:
    if (t.device_id >= 0)
        kiln_db_release_device(db, t.device_id);
    if (t.state)
        opts->strategy->fini(t.state);
    kiln_space_free(space);
    known_free(&t.known);
    kiln_eval_release_cache();
    if (summary)
        *summary = t.s;
    return rc;
}
