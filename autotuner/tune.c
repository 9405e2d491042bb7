/*
 * tune.c: the tuning loop. A strategy proposes configurations; each one is
 * built, measured and stored as one database row, whatever its verdict. A
 * configuration already measured with the same source, device and size is not
 * run again (resume). The default configuration is always measured first so
 * that every run can say how much tuning bought.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "autotuner/tuner_int.h"

typedef struct known_result {
    char *source_hash;
    char *config_json;
    kiln_verdict verdict;
    double median_ns;
    int64_t row_id;
} known_result;

typedef struct known_set {
    known_result *items;
    size_t n, cap;
} known_set;

static int known_add(void *user, const kiln_db_row *row)
{
    known_set *ks = user;
    if (ks->n == ks->cap) {
        size_t cap = ks->cap ? ks->cap * 2 : 64;
        known_result *items = realloc(ks->items, cap * sizeof *items);
        if (!items)
            return 1;
        ks->items = items;
        ks->cap = cap;
    }
    known_result *r = &ks->items[ks->n++];
    r->source_hash = strdup(row->source_hash ? row->source_hash : "");
    r->config_json = strdup(row->config_json ? row->config_json : "");
    r->verdict = KILN_RUN_ERROR;
    r->row_id = row->id;
    for (int v = KILN_OK; v <= KILN_RUNNING; v++)
        if (row->verdict && strcmp(row->verdict, kiln_verdict_name((kiln_verdict)v)) == 0)
            r->verdict = (kiln_verdict)v;
    r->median_ns = row->median_ns;
    return 0;
}

static const known_result *known_find(const known_set *ks, const char *hash, const char *json)
{
    for (size_t i = ks->n; i-- > 0;)
        if (strcmp(ks->items[i].source_hash, hash) == 0 && strcmp(ks->items[i].config_json, json) == 0)
            return &ks->items[i];
    return NULL;
}

static void known_free(known_set *ks)
{
    for (size_t i = 0; i < ks->n; i++) {
        free(ks->items[i].source_hash);
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

/* Bookkeeping for the summary: best, slowest, default. */
static void summary_note(kiln_tune_summary *s, const kiln_config *c, const char *json, int ok, double median_ns,
                         int is_default)
{
    if (!ok) {
        s->failed++;
        return;
    }
    s->ok++;
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

int kiln_tune(kiln_db *db, kiln_rt *rt, const kiln_tune_opts *opts,
              void (*progress)(void *user, const kiln_tune_event *ev), void *user,
              kiln_tune_summary *summary, char *err, size_t errlen)
{
    const kiln_kernel *k = opts->kernel;
    kiln_tune_summary s;
    memset(&s, 0, sizeof s);
    s.best_ns = -1;
    s.slowest_ns = -1;
    s.default_ns = -1;
    int rc = -1;
    kiln_space *space = NULL;
    void *state = NULL;
    known_set known = {0};
    const kiln_device_info *dev = kiln_rt_device(rt);
    const char *lang = kiln_lang_name(kiln_rt_lang(rt));
    char size_text[64];
    kiln_size_format(&opts->size, size_text, sizeof size_text);

    if (!(k->langs & (1u << kiln_rt_lang(rt)))) {
        snprintf(err, errlen, "kernel '%s' has no %s description for device '%s'", k->name, lang, dev->name);
        return -1;
    }
    space = kiln_space_new(k, &opts->size, err, errlen);
    if (!space)
        return -1;
    uint64_t valid = kiln_space_count_valid(space);
    if (valid == 0) {
        snprintf(err, errlen, "no configuration of '%s' satisfies its constraints at size %s", k->name, size_text);
        goto out;
    }
    if (kiln_eval_precheck(k, space, &opts->size, opts->seed, err, errlen) != 0)
        goto out; /* a broken kernel contract: refused before any row is written */
    int64_t device_id = kiln_db_device(db, dev);
    if (device_id < 0) {
        snprintf(err, errlen, "database: %s", kiln_db_errmsg(db));
        goto out;
    }
    if (kiln_db_foreach(db, k->name, dev->fingerprint, size_text, known_add, &known) < 0) {
        snprintf(err, errlen, "database: %s", kiln_db_errmsg(db));
        goto out;
    }
    s.run_id = kiln_db_run_begin(db, k->name, device_id, opts->strategy->name, opts->budget, opts->seed,
                                 size_text, opts->command ? opts->command : "");
    if (s.run_id < 0) {
        snprintf(err, errlen, "database: %s", kiln_db_errmsg(db));
        goto out;
    }
    state = opts->strategy->init(space, opts->budget, opts->seed);
    if (!state) {
        snprintf(err, errlen, "strategy '%s' could not start", opts->strategy->name);
        kiln_db_run_end(db, s.run_id, "failed");
        goto out;
    }

    uint64_t planned = opts->budget && opts->budget < valid ? opts->budget : valid;
    kiln_config def;
    kiln_space_default(space, &def);
    char why[256];
    int default_valid = kiln_space_check(space, &def, why, sizeof why) == 1;
    int default_pending = default_valid;
    s.default_in_space = default_valid;
    char default_json[512];
    kiln_config_json(&def, default_json, sizeof default_json);
    double t0 = now_s();
    const char *status = "done";
    kiln_eval ev;
    memset(&ev, 0, sizeof ev);

    for (;;) {
        if (opts->stop && *opts->stop) {
            status = "interrupted";
            break;
        }
        if (opts->time_budget_s > 0 && now_s() - t0 > opts->time_budget_s) {
            status = "time budget reached";
            break;
        }
        kiln_config cfg;
        int from_strategy = 1;
        if (default_pending) {
            cfg = def;
            default_pending = 0;
            from_strategy = 0;
        } else if (!opts->strategy->next(state, &cfg)) {
            break;
        }
        char json[512];
        kiln_config_json(&cfg, json, sizeof json);
        int is_default = strcmp(json, default_json) == 0;
        /* The default was measured first: the strategy's copy of it is not run twice. */
        if (from_strategy && is_default && default_valid)
            continue;

        char kname[256];
        kiln_tune_event e;
        memset(&e, 0, sizeof e);
        e.index = s.evaluated + s.resumed + 1;
        e.total = planned + (opts->budget && default_valid ? 1 : 0); /* the default comes on top of a budget */
        e.config = &cfg;
        e.config_json = json;

        int prepared = kiln_variant_prepare(rt, k, &cfg, &opts->size, opts, &ev, kname, sizeof kname) == 0;
        const known_result *seen = prepared ? known_find(&known, ev.source_hash, json) : NULL;
        kiln_result r;
        memset(&r, 0, sizeof r);
        r.run_id = s.run_id;
        r.device_id = device_id;
        r.kernel = k->name;
        r.lang = lang;
        r.size = size_text;
        r.config_json = json;
        r.source_hash = ev.source ? ev.source_hash : "";
        r.worst_index = -1;

        if (seen && seen->verdict == KILN_RUNNING) {
            /* An earlier run stopped while this variant was in flight: it took
             * the process down (or the process was killed). Not run again. */
            char why_text[256];
            snprintf(why_text, sizeof why_text,
                     "kiln stopped while this variant ran (row %lld): the variant crashed the device driver or "
                     "the run was killed; it is not run again",
                     (long long)seen->row_id);
            r.verdict = KILN_CRASHED;
            r.error_text = why_text;
            if (kiln_db_result_finish(db, seen->row_id, &r) != 0) {
                goto db_failed;
            }
            s.resumed++;
            s.failed++;
            e.resumed = 1;
            e.verdict = KILN_CRASHED;
            e.error_text = why_text;
            if (progress)
                progress(user, &e);
            if (opts->strategy->report)
                opts->strategy->report(state, &cfg, -1);
            kiln_eval_clear(&ev);
            continue;
        }
        if (seen) {
            s.resumed++;
            e.resumed = 1;
            e.verdict = seen->verdict;
            e.median_ns = seen->median_ns;
            if (seen->verdict == KILN_OK)
                summary_note(&s, &cfg, json, 1, seen->median_ns, is_default);
            if (progress)
                progress(user, &e);
            if (opts->strategy->report)
                opts->strategy->report(state, &cfg, seen->verdict == KILN_OK ? seen->median_ns : -1);
            kiln_eval_clear(&ev);
            continue;
        }

        int64_t marker = -1;
        if (prepared) {
            /* The source and the in-flight marker are stored before the variant
             * runs, so that nothing is lost if it takes the process down. */
            if (kiln_db_kernel_source(db, k->name, lang, ev.source_hash, ev.source) < 0 ||
                (marker = kiln_db_result_begin(db, &r)) < 0) {
                goto db_failed;
            }
            kiln_variant_measure(rt, k, &cfg, &opts->size, opts, kname, &ev);
        }
        s.evaluated++;

        r.verdict = ev.verdict;
        r.time = ev.time;
        r.max_abs_err = ev.verify.max_abs_err;
        r.max_rel_err = ev.verify.max_rel_err;
        r.worst_index = ev.verdict == KILN_WRONG ? (int64_t)ev.verify.worst_index : -1;
        r.error_text = ev.error_text;
        if (ev.verdict == KILN_OK && ev.time.median_ns > 0) {
            double sec = ev.time.median_ns * 1e-9;
            r.gflops = k->flops ? k->flops(&opts->size) / sec * 1e-9 : 0;
            r.gbytes_per_s = k->bytes ? k->bytes(&opts->size) / sec * 1e-9 : 0;
        }
        if ((marker >= 0 ? kiln_db_result_finish(db, marker, &r) : kiln_db_result_add(db, &r)) != 0) {
            goto db_failed;
        }
        summary_note(&s, &cfg, json, ev.verdict == KILN_OK, ev.time.median_ns, is_default);
        if (opts->strategy->report)
            opts->strategy->report(state, &cfg, ev.verdict == KILN_OK ? ev.time.median_ns : -1);

        e.verdict = ev.verdict;
        e.median_ns = ev.time.median_ns;
        e.gflops = r.gflops;
        e.gbytes_per_s = r.gbytes_per_s;
        e.error_text = ev.error_text;
        if (progress)
            progress(user, &e);
        kiln_eval_clear(&ev);
        /* OpenCL cannot cancel a kernel: the queue stays busy behind one that
         * timed out, so every later variant would wait on it. */
        if (e.verdict == KILN_TIMEOUT && strcmp(dev->backend, "opencl") == 0) {
            status = "stopped after a timeout";
            snprintf(s.stopped, sizeof s.stopped,
                     "configuration %.160s did not finish within %d ms and the OpenCL device cannot cancel it; "
                     "the run stops here (stored as timeout; run the same command again to go on)",
                     json, opts->timeout_ms);
            break;
        }
    }
    kiln_db_run_end(db, s.run_id, status);
    rc = 0;
    goto out;

db_failed:
    snprintf(err, errlen, "database: %s", kiln_db_errmsg(db));
    kiln_eval_clear(&ev);
    kiln_db_run_end(db, s.run_id, "failed");
out:
    if (state)
        opts->strategy->fini(state);
    kiln_space_free(space);
    known_free(&known);
    kiln_eval_release_cache();
    if (summary)
        *summary = s;
    return rc;
}
