/*
 * lookup.c: the application's run-time lookup (kiln/lookup.h) over the
 * tuning database, opened read-only. The fallback is the database's own
 * (kiln_db_best_fallback, which `kiln best` uses too); this file names the
 * device, reads the stored configuration into name/value pairs so that an
 * application needs no JSON parser, and fetches the variant's source.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln/lookup.h"
#include "kiln/tuner.h"

struct kiln_lookup {
    kiln_db *db;
    char errmsg[512];
};

struct kiln_choice {
    kiln_provenance from;
    kiln_config_pairs params;
    char *config_json, *device, *fingerprint, *size, *source, *lang;
    double time_ns;
};

kiln_lookup *kiln_lookup_open(const char *path, char *err, size_t errlen)
{
    kiln_db *db = kiln_db_open_readonly(path, err, errlen);
    if (!db)
        return NULL;
    kiln_lookup *l = calloc(1, sizeof *l);
    if (!l) {
        kiln_db_close(db);
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->db = db;
    return l;
}

void kiln_lookup_close(kiln_lookup *l)
{
    if (!l)
        return;
    kiln_db_close(l->db);
    free(l);
}

const char *kiln_lookup_errmsg(const kiln_lookup *l)
{
    return l ? l->errmsg : "no lookup";
}

void kiln_choice_free(kiln_choice *c)
{
    if (!c)
        return;
    kiln_config_pairs_clear(&c->params);
    free(c->config_json);
    free(c->device);
    free(c->fingerprint);
    free(c->size);
    free(c->source);
    free(c->lang);
    free(c);
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

/* The choice a result row makes. NULL with l->errmsg. */
static kiln_choice *choice_from_row(kiln_lookup *l, const kiln_db_row *row, kiln_provenance from)
{
    kiln_choice *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(l->errmsg, sizeof l->errmsg, "out of memory");
        return NULL;
    }
    c->from = from;
    c->config_json = dup_or_empty(row->config_json);
    c->device = dup_or_empty(row->device_name);
    c->fingerprint = dup_or_empty(row->device_fp);
    c->size = dup_or_empty(row->size);
    c->time_ns = row->confirmed_rounds > 0 ? row->confirmed_median_ns : row->median_ns;
    if (!c->config_json || !c->device || !c->fingerprint || !c->size) {
        snprintf(l->errmsg, sizeof l->errmsg, "out of memory");
        kiln_choice_free(c);
        return NULL;
    }
    if (kiln_config_pairs_parse(c->config_json, &c->params) != 0) {
        snprintf(l->errmsg, sizeof l->errmsg, "result %lld of '%s' holds a configuration kiln cannot read: %.200s",
                 (long long)row->id, row->kernel, c->config_json);
        kiln_choice_free(c);
        return NULL;
    }
    if (row->source_hash && kiln_db_variant_source(l->db, row->kernel, row->source_hash, &c->lang, &c->source) < 0) {
        snprintf(l->errmsg, sizeof l->errmsg, "%s", kiln_db_errmsg(l->db));
        kiln_choice_free(c);
        return NULL;
    }
    return c;
}

static kiln_choice *default_choice(kiln_lookup *l)
{
    kiln_db_row none;
    memset(&none, 0, sizeof none);
    none.median_ns = -1;
    none.config_json = "{}";
    return choice_from_row(l, &none, KILN_FROM_DEFAULT);
}

kiln_choice *kiln_lookup_best(kiln_lookup *l, const char *kernel, const char *device, const char *size)
{
    if (!l)
        return NULL;
    l->errmsg[0] = '\0';
    if (!kernel || !*kernel) {
        snprintf(l->errmsg, sizeof l->errmsg, "no kernel named");
        return NULL;
    }
    char size_text[64] = "";
    if (size && *size) {
        kiln_size s;
        if (kiln_size_parse(size, &s) != 0) {
            snprintf(l->errmsg, sizeof l->errmsg, "bad size '%.100s': expected N, NxM or NxMxK, positive integers",
                     size);
            return NULL;
        }
        kiln_size_format(&s, size_text, sizeof size_text);
    }
    /* A device name no tuned device has: every result is of another device. */
    char fp[17] = "";
    const char *device_fp = NULL;
    if (device && *device) {
        int named = kiln_db_device_named(l->db, device, fp);
        if (named < 0) {
            snprintf(l->errmsg, sizeof l->errmsg, "%s", kiln_db_errmsg(l->db));
            return NULL;
        }
        device_fp = named ? fp : "(no such device)";
    }
    kiln_db_row row;
    kiln_provenance from;
    int found = kiln_db_best_fallback(l->db, kernel, device_fp, size_text[0] ? size_text : NULL, NULL, NULL, &row,
                                      &from);
    if (found < 0) {
        snprintf(l->errmsg, sizeof l->errmsg, "%s", kiln_db_errmsg(l->db));
        return NULL;
    }
    if (!found)
        return default_choice(l);
    kiln_choice *c = choice_from_row(l, &row, from);
    kiln_db_row_free(&row);
    return c;
}

kiln_provenance kiln_choice_provenance(const kiln_choice *c)
{
    return c ? c->from : KILN_FROM_DEFAULT;
}

int kiln_choice_get(const kiln_choice *c, const char *name, long long *value)
{
    return c ? kiln_config_pairs_get(&c->params, name, value) : -1;
}

long long kiln_choice_value(const kiln_choice *c, const char *name, long long fallback)
{
    long long v;
    return kiln_choice_get(c, name, &v) == 0 ? v : fallback;
}

int kiln_choice_count(const kiln_choice *c)
{
    return c ? c->params.count : 0;
}

const char *kiln_choice_name(const kiln_choice *c, int i)
{
    return c && i >= 0 && i < c->params.count ? c->params.names[i] : NULL;
}

long long kiln_choice_value_at(const kiln_choice *c, int i)
{
    return c && i >= 0 && i < c->params.count ? c->params.values[i] : 0;
}

const char *kiln_choice_config_json(const kiln_choice *c)
{
    return c ? c->config_json : "{}";
}

const char *kiln_choice_device(const kiln_choice *c)
{
    return c ? c->device : "";
}

const char *kiln_choice_fingerprint(const kiln_choice *c)
{
    return c ? c->fingerprint : "";
}

const char *kiln_choice_size(const kiln_choice *c)
{
    return c ? c->size : "";
}

double kiln_choice_time_ns(const kiln_choice *c)
{
    return c ? c->time_ns : -1;
}

const char *kiln_choice_source(const kiln_choice *c)
{
    return c ? c->source : NULL;
}

const char *kiln_choice_lang(const kiln_choice *c)
{
    return c ? c->lang : NULL;
}
