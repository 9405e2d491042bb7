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
 * A variant left in flight by a process that died is retried once, alone,
 * and recorded crashed only when it took kiln down a second time.
 *
 * Worker threads (ahead.c) generate and build the strategy's proposals ahead
 * while the device measures one variant at a time, in the order proposed.
 * Each variant built ahead is marked in flight before its build (a compiler
 * inside kiln's process can take it down), then "waiting" once built: one
 * left waiting by a process that died never ran and is measured again
 * without counting a crash. A retry runs with the workers held, so that a
 * second crash has one suspect.
 *
 * Timed runs race against the best so far (kiln_time_opts.race_ns): a
 * variant whose first samples are all far slower stops early, stored with
 * its fewer samples and marked stopped_early.
 */
#include <math.h>
#include <pthread.h>
#include <unistd.h>
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
    int stage_building, stage_waiting; /* a running marker's stage (KILN_STAGE_...) */
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
    if (r->verdict == KILN_RUNNING && row->error_text) {
        r->stage_building = strcmp(row->error_text, KILN_STAGE_BUILDING) == 0;
        r->stage_waiting = strcmp(row->error_text, KILN_STAGE_WAITING) == 0;
    }
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

/* One configuration on its way: proposed, generated and built ahead by a
 * worker, then measured by the loop in the order proposed. */
typedef struct job {
    kiln_ahead_item item;      /* the pool's; first */
    struct tune_run *t;
    struct job *next;          /* in the run's queue */
    kiln_config cfg;
    char *json;
    int is_default;
    int echo_default;          /* the strategy's own proposal of the default: hears its result */
    /* what the worker found */
    int prepared;              /* generated (ev.source set) */
    int built;                 /* built ahead: 1, failed ahead (ev holds the build error): -1, not tried: 0 */
    int isolate;               /* a retry: generated only, built and measured with the workers held */
    int db_failed;
    kiln_eval ev;
    char kname[256];
    char identity[17];
    const struct known_result *seen;
    int how;                   /* the reuse decided for it (reuse, below) */
    int64_t marker;            /* its in-flight marker, -1 when none */
} job;

/* One tuning run's state, shared by the steps of the loop. */
typedef struct tune_run {
    kiln_db *db;
    kiln_rt *rt;
    const kiln_tune_opts *opts;
    kiln_tune_opts measure_opts; /* opts with the timing the loop uses (the race's bar) */
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
    kiln_ahead *ahead;         /* the workers; NULL: everything on this thread */
    kiln_db *worker_db;        /* their connection, under worker_db_lock */
    pthread_mutex_t worker_db_lock;
    job *head, *tail;          /* proposed, not measured yet */
    size_t queued;
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

/* The result row of a job, before its verdict. */
static kiln_result result_of(const tune_run *t, const job *j)
{
    kiln_result r;
    memset(&r, 0, sizeof r);
    r.run_id = t->s.run_id;
    r.device_id = t->device_id;
    r.kernel = t->k->name;
    r.lang = t->lang;
    r.size = t->size_text;
    r.config_json = j->json;
    r.source_hash = j->identity;
    r.data_hash = t->data_hash;
    r.worst_index = -1;
    r.attempts = j->seen && j->seen->verdict == KILN_TIMEOUT ? j->seen->attempts + 1 : 1;
    r.crashes = j->seen && j->seen->verdict == KILN_RUNNING ? j->seen->crashes : 0;
    return r;
}

/* On a worker (or the loop, without workers): generates the variant and,
 * when it is to be measured, marks it in flight and builds it ahead. A
 * retry is only generated: it is built with the workers held. */
static void prepare_job(void *user, kiln_ahead_item *item)
{
    (void)user;
    job *j = (job *)item;
    tune_run *t = j->t;
    if (j->echo_default)
        return;
    double t0 = kiln_trace_now();
    /* A configuration the description or the generator refuses has no source:
     * its identity is the empty hash, and the refusal, made again just now, is
     * the stored one. */
    j->prepared = kiln_variant_prepare(t->rt, t->k, &j->cfg, &t->opts->size, t->opts, &j->ev, j->kname,
                                       sizeof j->kname) == 0;
    kiln_trace_span("generate", j->json, t0);
    if (j->prepared)
        kiln_identity_hash(j->ev.source_hash, t->build_options, j->identity);
    j->seen = known_find(&t->known, j->identity, t->data_hash, j->json);
    reuse how = decide(t, j->seen);
    j->how = how;
    if (how == REUSE_RETRY)
        j->isolate = 1;
    if (!j->prepared || how != REUSE_NONE)
        return;
    kiln_db *db = t->worker_db ? t->worker_db : t->db;
    kiln_result r = result_of(t, j);
    t0 = kiln_trace_now();
    if (t->worker_db)
        pthread_mutex_lock(&t->worker_db_lock);
    if (kiln_db_kernel_source(db, t->k->name, t->lang, j->identity, j->ev.source) >= 0)
        j->marker = kiln_db_result_begin(db, &r);
    j->db_failed = j->marker < 0 || kiln_db_result_stage(db, j->marker, KILN_STAGE_BUILDING) != 0;
    if (t->worker_db)
        pthread_mutex_unlock(&t->worker_db_lock);
    kiln_trace_span("mark building", NULL, t0);
    if (j->db_failed)
        return;
    t0 = kiln_trace_now();
    j->built = kiln_variant_build_ahead(t->rt, j->kname, &j->ev) == 0 ? 1 : -1;
    kiln_trace_span("build ahead", j->json, t0);
    t0 = kiln_trace_now();
    if (t->worker_db)
        pthread_mutex_lock(&t->worker_db_lock);
    j->db_failed = kiln_db_result_stage(db, j->marker, KILN_STAGE_WAITING) != 0;
    if (t->worker_db)
        pthread_mutex_unlock(&t->worker_db_lock);
    kiln_trace_span("mark built", NULL, t0);
}

/* Measures a prepared job (unless its build failed ahead) and stores its
 * result in place of its marker. The runtime has already run a timed-out
 * variant once more, alone, before it said timeout; where it can cancel a
 * kernel (the host backend) that second run was complete and the timeout
 * is final. On OpenCL a kernel that never finished could not be run again:
 * the next tuning run tries it once more. -1 on a database error. */
static int measure_and_store(tune_run *t, job *j, kiln_result *r)
{
    const kiln_kernel *k = t->k;
    const kiln_tune_opts *opts = t->opts;
    kiln_eval *ev = &j->ev;
    if (j->prepared && j->built >= 0) {
        t->measure_opts.timing.race_ns = opts->no_race || opts->objective != KILN_OBJECTIVE_TIME ? 0 : t->s.best_ns;
        double t0 = kiln_trace_now();
        kiln_variant_measure(t->rt, k, &j->cfg, &opts->size, &t->measure_opts, j->kname, ev);
        kiln_trace_span("measure", j->json, t0);
        if (ev->verdict == KILN_TIMEOUT && kiln_rt_can_cancel(t->rt))
            r->attempts = 2;
    }
    t->s.evaluated++;
    r->verdict = ev->verdict;
    r->time = ev->time;
    r->phase = ev->phase;
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
    double t0 = kiln_trace_now();
    int rc = j->marker >= 0 ? kiln_db_result_finish(t->db, j->marker, r) : kiln_db_result_add(t->db, r);
    kiln_trace_span("store result", NULL, t0);
    if (rc != 0)
        return -1;
    j->marker = -1;
    return 0;
}

/* A retry of a variant left in flight by a process that died: with the
 * workers held (nothing else in flight), built and measured here, so that
 * a second crash can only be its own. -1 on a database error. */
static int retry_alone(tune_run *t, job *j, kiln_result *r)
{
    if (kiln_db_result_retry(t->db, j->seen->row_id, j->seen->crashes + 1) != 0)
        return -1;
    j->marker = j->seen->row_id;
    r->crashes = j->seen->crashes + 1;
    t->s.retried++;
    if (t->ahead)
        kiln_ahead_pause(t->ahead);
    int rc = measure_and_store(t, j, r);
    if (t->ahead)
        kiln_ahead_resume(t->ahead);
    return rc;
}

/* Tells the strategy, for its own proposal cfg of the default configuration,
 * the default's result (measured already: not measured again). */
static void echo_default(tune_run *t, const kiln_config *cfg)
{
    kiln_observation o = t->def_obs;
    o.config = cfg;
    o.resumed = 1;
    if (t->opts->strategy->report)
        t->opts->strategy->report(t->state, &o);
}

/* Evaluates (or reuses) one prepared job, in the loop's thread. 1 when the
 * run must stop (a timeout the device cannot cancel: why in s.stopped), 0
 * to go on, -1 on a database error. */
static int finish_job(tune_run *t, job *j, uint64_t total)
{
    const kiln_tune_opts *opts = t->opts;
    const known_result *seen = j->seen;
    kiln_tune_event e;
    memset(&e, 0, sizeof e);
    e.index = t->s.evaluated + t->s.resumed + 1;
    e.total = total;
    e.config = &j->cfg;
    e.config_json = j->json;
    if (j->echo_default) {
        echo_default(t, &j->cfg);
        return 0;
    }
    if (j->db_failed)
        return -1;
    kiln_result r = result_of(t, j);
    char why[512];
    switch ((reuse)j->how) {
    case REUSE_STORED:
        t->s.resumed++;
        e.resumed = 1;
        if (seen->verdict == KILN_OK)
            summary_note(&t->s, &j->cfg, j->json, 1, seen->median_ns, j->is_default,
                         kiln_objective_value(opts->objective, seen->median_ns, seen->energy_j));
        tell(t, &e, &j->cfg, seen->verdict, seen->median_ns, seen->energy_j, j->is_default);
        return 0;
    case REUSE_SKIP:
        t->s.resumed++;
        e.resumed = 1;
        snprintf(why, sizeof why, "in flight in kiln pid %lld on %s", seen->owner.pid, seen->owner.host);
        e.error_text = why;
        tell(t, &e, &j->cfg, KILN_RUNNING, 0, -1, j->is_default);
        return 0;
    case REUSE_CRASHED:
        snprintf(why, sizeof why,
                 "kiln stopped twice while this variant ran (row %lld): the variant crashed the device driver or "
                 "the run was killed; it is not run again",
                 (long long)seen->row_id);
        r.verdict = KILN_CRASHED;
        r.crashes = seen->crashes + 1;
        r.error_text = why;
        if (kiln_db_result_finish(t->db, seen->row_id, &r) != 0)
            return -1;
        t->s.resumed++;
        t->s.failed++;
        e.resumed = 1;
        e.error_text = why;
        tell(t, &e, &j->cfg, KILN_CRASHED, 0, -1, j->is_default);
        return 0;
    case REUSE_RETRY:
        if (retry_alone(t, j, &r) != 0)
            return -1;
        break;
    case REUSE_NONE: {
        double t0 = kiln_trace_now();
        int failed = j->marker >= 0 && kiln_db_result_stage(t->db, j->marker, KILN_STAGE_RUNNING) != 0;
        kiln_trace_span("mark running", NULL, t0);
        if (failed)
            return -1;
        if (measure_and_store(t, j, &r) != 0)
            return -1;
        break;
    }
    }
    kiln_eval *ev = &j->ev;
    double energy_j = kiln_counters_energy_j(ev->counters_json);
    summary_note(&t->s, &j->cfg, j->json, ev->verdict == KILN_OK, ev->time.median_ns, j->is_default,
                 kiln_objective_value(opts->objective, ev->time.median_ns, energy_j));
    e.gflops = r.gflops;
    e.gbytes_per_s = r.gbytes_per_s;
    e.error_text = ev->error_text;
    tell(t, &e, &j->cfg, ev->verdict, ev->time.median_ns, energy_j, j->is_default);
    /* The queue stays busy behind a kernel that timed out: every later variant would wait on it. */
    if (ev->verdict == KILN_TIMEOUT && !kiln_rt_can_cancel(t->rt)) {
        snprintf(t->s.stopped, sizeof t->s.stopped,
                 "configuration %.160s did not finish within %d ms and the OpenCL device cannot cancel it; "
                 "the run stops here (stored as timeout; run the same command again to go on)",
                 j->json, opts->timeout_ms);
        return 1;
    }
    return 0;
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

static int same_config(const kiln_config *a, const kiln_config *b)
{
    return a->n == b->n && memcmp(a->values, b->values, (size_t)a->n * sizeof a->values[0]) == 0;
}

/* Frees a job, removing its marker if it has one still: it was never measured. */
static void job_free(tune_run *t, job *j)
{
    /* through the workers' connection first: the loop's may be the one that failed */
    int gone = 0;
    if (j->marker >= 0 && t->worker_db) {
        pthread_mutex_lock(&t->worker_db_lock);
        gone = kiln_db_result_abandon(t->worker_db, j->marker) == 0;
        pthread_mutex_unlock(&t->worker_db_lock);
    }
    if (j->marker >= 0 && !gone)
        kiln_db_result_abandon(t->db, j->marker);
    kiln_eval_clear(&j->ev);
    free(j->json);
    free(j);
}

/* Queues cfg: to the workers, or prepared here when there are none. -1 when out of memory. */
static int enqueue(tune_run *t, const kiln_config *cfg, int is_default, int echo_default)
{
    job *j = calloc(1, sizeof *j);
    if (!j || !(j->json = config_json_new(cfg))) {
        free(j); /* nothing stored yet */
        return -1;
    }
    j->t = t;
    j->cfg = *cfg;
    j->is_default = is_default;
    j->echo_default = echo_default;
    j->marker = -1;
    j->ev.phase = (kiln_phase_ns){-1, -1, -1, -1};
    if (t->tail)
        t->tail->next = j;
    else
        t->head = j;
    t->tail = j;
    t->queued++;
    if (t->ahead)
        kiln_ahead_push(t->ahead, &j->item);
    return 0;
}

/* Asks the strategy for up to `room` more configurations. The strategy's
 * own proposal of the default is not measured again: it hears the
 * default's result (at once when known). 0 ok, -1 out of memory; *done when
 * the strategy has nothing more and nothing of it is outstanding. */
static int refill(tune_run *t, size_t room, const kiln_config *def, int default_valid, int *done)
{
    kiln_config batch[64];
    while (room > 0 && !*done) {
        size_t want = room < 64 ? room : 64;
        size_t n = t->opts->strategy->propose(t->state, batch, want);
        if (n == 0) {
            *done = t->queued == 0;
            return 0;
        }
        for (size_t i = 0; i < n; i++) {
            int is_default = default_valid && same_config(&batch[i], def);
            if (is_default && t->def_seen) {
                echo_default(t, &batch[i]);
                continue;
            }
            if (enqueue(t, &batch[i], is_default, is_default) != 0)
                return -1;
            room--;
        }
    }
    return 0;
}

/* The strategy's loop, the default configuration first. Returns the run's
 * status text, NULL on a database error. */
static const char *tune_loop(tune_run *t, kiln_space *space, uint64_t valid, size_t lookahead)
{
    const kiln_tune_opts *opts = t->opts;
    uint64_t planned = opts->budget && opts->budget < valid ? opts->budget : valid;
    kiln_config def;
    kiln_space_default(space, &def);
    char why[256];
    int default_valid = kiln_space_check(space, &def, why, sizeof why) == 1;
    t->s.default_in_space = default_valid;
    double t0 = now_s();
    uint64_t total = planned + (opts->budget && default_valid ? 1 : 0); /* the default comes on top of a budget */
    if (default_valid && enqueue(t, &def, 1, 0) != 0)
        return "out of memory";
    int done = 0;
    for (;;) {
        if (opts->stop && *opts->stop)
            return "interrupted";
        if (opts->time_budget_s > 0 && now_s() - t0 > opts->time_budget_s)
            return "time budget reached";
        if (t->queued < lookahead && refill(t, lookahead - t->queued, &def, default_valid, &done) != 0)
            return "out of memory";
        job *j = t->head;
        if (!j)
            return "done";
        if (t->ahead) {
            double w0 = now_s(), s0 = kiln_trace_now();
            kiln_ahead_wait(t->ahead, &j->item);
            t->s.waited_s += now_s() - w0;
            kiln_trace_span("wait for build", NULL, s0);
        } else
            prepare_job(NULL, &j->item);
        int rc = finish_job(t, j, total);
        t->head = j->next;
        if (!t->head)
            t->tail = NULL;
        t->queued--;
        job_free(t, j);
        if (rc < 0)
            return NULL;
        if (rc > 0)
            return "stopped after a timeout";
    }
}

/* Stops the workers and removes the markers of what was built ahead and
 * never measured (the run stopped first): it never ran. */
static void drop_queue(tune_run *t)
{
    kiln_ahead_free(t->ahead);
    t->ahead = NULL;
    while (t->head) {
        job *j = t->head;
        t->head = j->next;
        job_free(t, j);
    }
    t->tail = NULL;
    t->queued = 0;
    if (t->worker_db) {
        kiln_db_close(t->worker_db);
        pthread_mutex_destroy(&t->worker_db_lock);
    }
    t->worker_db = NULL;
}

/* The workers of a run: opts->jobs threads (0: one per core), with a
 * database connection of their own. None when a single thread is asked for
 * or none can start: everything then happens in the loop's thread. */
static void start_workers(tune_run *t)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int n = t->opts->jobs > 0 ? t->opts->jobs : cores > 0 ? (int)cores : 1;
    if (n > 256)
        n = 256;
    char err[256];
    if (!(t->worker_db = kiln_db_reopen(t->db, err, sizeof err)))
        return;
    pthread_mutex_init(&t->worker_db_lock, NULL);
    t->ahead = kiln_ahead_new(n, prepare_job, NULL);
    if (!t->ahead) {
        kiln_db_close(t->worker_db);
        t->worker_db = NULL;
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

static int same_owner(const kiln_owner *a, const kiln_owner *b)
{
    return a->pid == b->pid && strcmp(a->host, b->host) == 0 && strcmp(a->start, b->start) == 0;
}

/* 1 when the dead owner of marker r left a variant in flight (measured) too. */
static int owner_was_running(const known_set *ks, const known_result *r)
{
    for (size_t i = 0; i < ks->n; i++) {
        const known_result *o = &ks->items[i];
        if (o->verdict == KILN_RUNNING && !o->stage_building && !o->stage_waiting && same_owner(&o->owner, &r->owner))
            return 1;
    }
    return 0;
}

/* Markers of a process that died on variants built ahead that never ran:
 * built and waiting, or being built when it died while it measured another
 * (that one is the suspect), or by a compiler of its own process (which
 * cannot take kiln down). They go, and the variants are measured as new.
 * A build inside kiln (OpenCL) in flight when nothing ran stays a suspect,
 * retried alone. -1 on a database error. */
static int forget_never_ran(tune_run *t)
{
    size_t kept = 0;
    char *never_ran = calloc(t->known.n + 1, 1);
    if (!never_ran)
        return -1;
    for (size_t i = 0; i < t->known.n; i++) {
        const known_result *r = &t->known.items[i];
        never_ran[i] = r->verdict == KILN_RUNNING && !kiln_owner_alive(&r->owner) &&
                       (r->stage_waiting || (r->stage_building && (kiln_rt_builds_apart(t->rt) ||
                                                                   owner_was_running(&t->known, r))));
    }
    int rc = 0;
    for (size_t i = 0; i < t->known.n; i++) {
        known_result *r = &t->known.items[i];
        if (never_ran[i] && rc == 0 && kiln_db_result_abandon(t->db, r->row_id) == 0) {
            free(r->source_hash);
            free(r->data_hash);
            free(r->config_json);
            continue;
        }
        rc = never_ran[i] ? -1 : rc;
        t->known.items[kept++] = *r;
    }
    t->known.n = kept;
    free(never_ran);
    return rc;
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
    double t0 = kiln_trace_now();
    int refused = kiln_eval_precheck(k, *space, &t->opts->size, t->opts->seed, err, errlen) != 0;
    kiln_trace_span("inputs and reference", NULL, t0);
    if (refused)
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
        kiln_db_foreach(t->db, k->name, dev->fingerprint, t->size_text, known_add, &t->known) < 0 ||
        forget_never_ran(t) != 0) {
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

    /* the build processes open the device while the reference is computed */
    if (opts->jobs != 1)
        kiln_rt_prestart_builds(rt);
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
    t.measure_opts = *opts;
    if (t.measure_opts.timing.min_reps <= 0)
        kiln_time_opts_default(&t.measure_opts.timing);
    start_workers(&t);
    /* enough proposals queued that every worker has one to build and the next is ready */
    size_t lookahead = t.ahead ? 2 * (size_t)(opts->jobs > 0 ? opts->jobs : sysconf(_SC_NPROCESSORS_ONLN)) + 2 : 1;
    double search0 = now_s();
    t.s.build_procs = t.ahead ? kiln_rt_build_procs(rt) : 0;
    const char *status = tune_loop(&t, space, valid, lookahead);
    t.s.search_s = now_s() - search0;
    drop_queue(&t);
    kiln_eval_release_device(rt); /* the finalists have buffers of their own */
    if (status && strcmp(status, "done") == 0 && opts->confirm_top > 0 &&
        kiln_tune_confirm(db, rt, opts, t.size_text, t.data_hash, t.build_options,
                          &t.s) != 0)
        status = NULL;
    if (!status) {
        /* The database failed (a full disk): leave it as an interruption would. */
        kiln_tuner_errf(err, errlen, "database: %s", kiln_db_errmsg(db));
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
    kiln_eval_release_device(rt);
    kiln_eval_release_cache();
    if (summary)
        *summary = t.s;
    return rc;
}
