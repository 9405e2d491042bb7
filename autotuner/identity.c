/*
 * identity.c: what a result's identity is made of, recomputed by a caller
 * that has the kernel at hand: the hash of a configuration's generated source
 * together with the build options the backend adds, and the hash of the
 * verification data of a seed. Resume and `best` reuse a stored result only
 * when both match.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "autotuner/tuner_int.h"

struct kiln_identity {
    kiln_rt *rt;
    const kiln_kernel *kernel;
    kiln_size size;
    kiln_tune_opts opts;       /* what the generator reads (openmp) */
    char build_options[1024];
    int have_data;             /* data_hash holds the hash of (data_size, data_seed) */
    kiln_size data_size;
    uint64_t data_seed;
    char data_hash[17];
};

kiln_identity *kiln_identity_new(kiln_rt *rt, const kiln_kernel *k, const kiln_size *size, int openmp,
                                 char *err, size_t errlen)
{
    kiln_identity *id = calloc(1, sizeof *id);
    if (!id) {
        kiln_tuner_errf(err, errlen, "out of memory");
        return NULL;
    }
    id->rt = rt;
    id->kernel = k;
    id->size = *size;
    id->opts.kernel = k;
    id->opts.size = *size;
    id->opts.openmp = openmp;
    if (kiln_rt_build_options(rt, id->build_options, sizeof id->build_options) != 0) {
        kiln_tuner_errf(err, errlen, "the build options of device '%s' are too long", kiln_rt_device(rt)->name);
        free(id);
        return NULL;
    }
    return id;
}

void kiln_identity_free(kiln_identity *id)
{
    free(id);
}

/* The source hash of cfg at a size. */
static int source_hash_at(kiln_identity *id, const kiln_config *cfg, const kiln_size *size, char out[17], char *err,
                          size_t errlen)
{
    kiln_eval ev;
    char name[256];
    if (kiln_variant_prepare(id->rt, id->kernel, cfg, size, &id->opts, &ev, name, sizeof name) != 0) {
        kiln_tuner_errf(err, errlen, "%s", ev.error_text ? ev.error_text : "the variant cannot be generated");
        kiln_eval_clear(&ev);
        return -1;
    }
    kiln_identity_hash(ev.source_hash, id->build_options, out);
    kiln_eval_clear(&ev);
    return 0;
}

int kiln_identity_source_hash(kiln_identity *id, const kiln_config *cfg, char out[17], char *err, size_t errlen)
{
    return source_hash_at(id, cfg, &id->size, out, err, errlen);
}

void kiln_identity_hash(const char *source_hash, const char *build_options, char out[17])
{
    size_t ls = strlen(source_hash), lo = strlen(build_options);
    char *buf = malloc(ls + lo + 2);
    if (!buf) {
        memcpy(out, "0000000000000000", 17);
        return;
    }
    memcpy(buf, source_hash, ls);
    buf[ls] = '\n';
    memcpy(buf + ls + 1, build_options, lo + 1);
    kiln_hash_hex(buf, ls + lo + 1, out);
    free(buf);
}

static int same_size(const kiln_size *a, const kiln_size *b)
{
    return a->ndims == b->ndims && memcmp(a->d, b->d, (size_t)a->ndims * sizeof a->d[0]) == 0;
}

/* The row's size and seed make its data; its device decides whether the
 * source can be checked here: a row of another device (another language,
 * other build options) is vouched for by its data alone. */
int kiln_identity_vouch(void *identity, const kiln_db_row *row, char *err, size_t errlen)
{
    kiln_identity *id = identity;
    kiln_size size;
    if (!row->data_hash || !row->source_hash || !row->size || kiln_size_parse(row->size, &size) != 0)
        return 0;
    if (!id->have_data || id->data_seed != row->seed || !same_size(&id->data_size, &size)) {
        if (kiln_eval_data_hash(id->kernel, &size, row->seed, id->data_hash, err, errlen) != 0)
            return -1;
        id->have_data = 1;
        id->data_seed = row->seed;
        id->data_size = size;
    }
    if (strcmp(row->data_hash, id->data_hash) != 0)
        return 0;
    if (!row->device_fp || strcmp(row->device_fp, kiln_rt_device(id->rt)->fingerprint) != 0)
        return 1;
    kiln_config cfg;
    char hash[17];
    if (kiln_config_from_json(id->kernel, row->config_json, &cfg, err, errlen) != 0)
        return 0; /* the kernel's parameters changed since: not this kernel's result any more */
    if (source_hash_at(id, &cfg, &size, hash, err, errlen) != 0)
        return 0;
    return strcmp(hash, row->source_hash) == 0;
}

int kiln_config_from_json(const kiln_kernel *k, const char *json, kiln_config *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->n = k->nparams;
    for (int i = 0; i < k->nparams; i++)
        out->names[i] = k->params[i].name;
    const char *p = json ? json : "";
    int seen = 0;
    while (*p && *p != '{')
        p++;
    if (*p++ != '{')
        goto bad;
    for (;;) {
        while (isspace((unsigned char)*p) || *p == ',')
            p++;
        if (*p == '}')
            break;
        if (*p++ != '"')
            goto bad;
        const char *name = p;
        while (*p && *p != '"')
            p++;
        size_t len = (size_t)(p - name);
        if (*p++ != '"')
            goto bad;
        while (isspace((unsigned char)*p) || *p == ':')
            p++;
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p)
            goto bad;
        p = end;
        int found = -1;
        for (int i = 0; i < k->nparams; i++)
            if (strlen(k->params[i].name) == len && strncmp(k->params[i].name, name, len) == 0)
                found = i;
        if (found < 0) {
            kiln_tuner_errf(err, errlen, "configuration %s: kernel '%s' has no parameter '%.*s'", json, k->name,
                            (int)len, name);
            return -1;
        }
        out->values[found] = v;
        seen++;
    }
    if (seen != k->nparams) {
        kiln_tuner_errf(err, errlen, "configuration %s: kernel '%s' has %d parameters", json, k->name, k->nparams);
        return -1;
    }
    return 0;
bad:
    kiln_tuner_errf(err, errlen, "configuration %s is not a JSON object of integers", json ? json : "(null)");
    return -1;
}
