/*
 * space.c: a kernel's search space for one problem size. Parameters are finite
 * value lists; points are numbered in mixed radix (last parameter fastest);
 * constraints are kiln expressions bound once to a slot array holding the
 * parameter values followed by the size names n, nx, ny, nz and the device
 * limits local_mem_bytes, max_wg_size.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autotuner/cexpr_int.h"
#include "autotuner/tuner_int.h"

enum { SIZE_N, SIZE_NX, SIZE_NY, SIZE_NZ, LIMIT_LOCAL_MEM, LIMIT_MAX_WG, SIZE_SLOTS };
static const char *const size_names[SIZE_SLOTS] = {"n", "nx", "ny", "nz", "local_mem_bytes", "max_wg_size"};

struct kiln_space {
    const kiln_kernel *kernel;
    int nparams;
    uint64_t total;
    long long size_values[SIZE_SLOTS];
    int nconstraints;
    kiln_cexpr **constraints;   /* k->nconstraints of them */
    int *last_param;            /* per constraint: the last parameter it reads, -1 for none */
};


/* Parameters shadow the size and limit names, so a parameter called "n" still works. */
static int slot_of(void *user, const char *name)
{
    const kiln_space *s = user;
    for (int i = 0; i < s->nparams; i++)
        if (s->kernel->params[i].name && strcmp(s->kernel->params[i].name, name) == 0)
            return i;
    for (int i = 0; i < SIZE_SLOTS; i++)
        if (strcmp(size_names[i], name) == 0)
            return s->nparams + i;
    return -1;
}

typedef struct name_check {
    kiln_space *space;
    const char *bad;
    int last_param;
} name_check;

static int check_name(void *user, const char *name, int column)
{
    (void)column;
    name_check *nc = user;
    int slot = slot_of(nc->space, name);
    if (slot < 0) {
        nc->bad = name;
        return 1;
    }
    if (slot < nc->space->nparams && slot > nc->last_param)
        nc->last_param = slot;
    return 0;
}

kiln_space *kiln_space_new(const kiln_kernel *k, const kiln_size *size, char *err, size_t errlen)
{
    if (!k) {
        kiln_tuner_errf(err, errlen, "no kernel");
        return NULL;
    }
    if (k->nparams < 0 || k->nparams > KILN_MAX_PARAMS) {
        kiln_tuner_errf(err, errlen, "kernel '%s': %d parameters (limit %d)", k->name, k->nparams, KILN_MAX_PARAMS);
        return NULL;
    }
    if (k->nconstraints < 0 || (k->nconstraints > 0 && !k->constraints) || (k->nparams > 0 && !k->params)) {
        kiln_tuner_errf(err, errlen, "kernel '%s': %d constraints or %d parameters without their list", k->name,
                        k->nconstraints, k->nparams);
        return NULL;
    }
    kiln_space *s = calloc(1, sizeof *s);
    if (s && (!(s->constraints = calloc((size_t)k->nconstraints + 1, sizeof *s->constraints)) ||
              !(s->last_param = calloc((size_t)k->nconstraints + 1, sizeof *s->last_param)))) {
        free(s->constraints);
        free(s);
        s = NULL;
    }
    if (!s) {
        kiln_tuner_errf(err, errlen, "out of memory");
        return NULL;
    }
    s->kernel = k;
    s->nparams = k->nparams;
    s->total = 1;
    for (int i = 0; i < k->nparams; i++) {
        const kiln_param *p = &k->params[i];
        if (!p->name || !*p->name) {
            kiln_tuner_errf(err, errlen, "kernel '%s': parameter %d has no name", k->name, i + 1);
            goto fail;
        }
        if (p->nvalues < 1 || !p->values) {
            kiln_tuner_errf(err, errlen, "kernel '%s': parameter '%s' has %d values (expected at least 1)", k->name,
                            p->name, p->nvalues);
            goto fail;
        }
        if (s->total > UINT64_MAX / (uint64_t)p->nvalues) {
            kiln_tuner_errf(err, errlen, "kernel '%s': search space has more than 2^64 points", k->name);
            goto fail;
        }
        s->total *= (uint64_t)p->nvalues;
    }

    /* Missing dimensions are 1 so that "ny % wg_y == 0" holds for a 1-D size. */
    long long d[3] = {1, 1, 1};
    if (size)
        for (int i = 0; i < size->ndims && i < 3; i++)
            d[i] = size->d[i];
    s->size_values[SIZE_N] = d[0];
    s->size_values[SIZE_NX] = d[0];
    s->size_values[SIZE_NY] = d[1];
    s->size_values[SIZE_NZ] = d[2];
    s->size_values[LIMIT_LOCAL_MEM] = KILN_SPACE_DEFAULT_LOCAL_MEM;
    s->size_values[LIMIT_MAX_WG] = KILN_SPACE_DEFAULT_MAX_WG;

    for (int i = 0; i < k->nconstraints; i++) {
        const char *text = k->constraints[i];
        char perr[256];
        if (!text) {
            kiln_tuner_errf(err, errlen, "constraint %d: missing text", i + 1);
            goto fail;
        }
        kiln_cexpr *e = kiln_cexpr_parse(text, perr, sizeof perr);
        if (!e) {
            kiln_tuner_errf(err, errlen, "constraint %d '%s': %s", i + 1, text, perr);
            goto fail;
        }
        s->constraints[s->nconstraints++] = e;
        name_check nc = {s, NULL, -1};
        if (kiln_cexpr_visit_names(e, check_name, &nc) != 0) {
            kiln_tuner_errf(err, errlen, "constraint %d '%s': unknown name '%s'", i + 1, text, nc.bad);
            goto fail;
        }
        s->last_param[i] = nc.last_param;
        if (kiln_cexpr_bind(e, slot_of, s, perr, sizeof perr) < 0) {
            kiln_tuner_errf(err, errlen, "constraint %d '%s': %s", i + 1, text, perr);
            goto fail;
        }
    }
    return s;
fail:
    kiln_space_free(s);
    return NULL;
}

void kiln_space_set_limits(kiln_space *s, long long local_mem_bytes, long long max_wg_size)
{
    s->size_values[LIMIT_LOCAL_MEM] = local_mem_bytes > 0 ? local_mem_bytes : KILN_SPACE_DEFAULT_LOCAL_MEM;
    s->size_values[LIMIT_MAX_WG] = max_wg_size > 0 ? max_wg_size : KILN_SPACE_DEFAULT_MAX_WG;
}

void kiln_space_set_device(kiln_space *s, const kiln_device_info *dev)
{
    long long local = dev->local_mem_bytes > (uint64_t)LLONG_MAX ? LLONG_MAX : (long long)dev->local_mem_bytes;
    long long wg = dev->max_wg_size > (size_t)LLONG_MAX ? LLONG_MAX : (long long)dev->max_wg_size;
    kiln_space_set_limits(s, local, wg);
}

void kiln_space_free(kiln_space *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nconstraints; i++)
        kiln_cexpr_free(s->constraints[i]);
    free(s->constraints);
    free(s->last_param);
    free(s);
}

uint64_t kiln_space_total(const kiln_space *s)
{
    return s->total;
}

/* Index of the first failing constraint, -1 when all hold, -2 - i when
 * constraint i could not be evaluated (err filled). */
static int first_failing(const kiln_space *s, const long long *slots, char *err, size_t errlen)
{
    for (int i = 0; i < s->nconstraints; i++) {
        long long v;
        if (kiln_cexpr_eval_slots(s->constraints[i], slots, &v, err, errlen) < 0)
            return -2 - i;
        if (!v)
            return i;
    }
    return -1;
}

static void index_values(const kiln_space *s, uint64_t index, long long *values)
{
    for (int i = s->nparams - 1; i >= 0; i--) {
        const kiln_param *p = &s->kernel->params[i];
        uint64_t radix = (uint64_t)p->nvalues;
        values[i] = p->values[index % radix];
        index /= radix;
    }
}

int kiln_space_index_valid(const kiln_space *s, uint64_t index)
{
    long long slots[KILN_MAX_PARAMS + SIZE_SLOTS];
    index_values(s, index, slots);
    memcpy(slots + s->nparams, s->size_values, sizeof s->size_values);
    return first_failing(s, slots, NULL, 0) == -1;
}

/* 1 when every constraint whose last parameter is `depth` holds for slots[]. */
static int holds_at(const kiln_space *s, int depth, const long long *slots)
{
    for (int i = 0; i < s->nconstraints; i++) {
        long long v;
        if (s->last_param[i] == depth && (kiln_cexpr_eval_slots(s->constraints[i], slots, &v, NULL, 0) < 0 || !v))
            return 0;
    }
    return 1;
}

/* The first valid point at or after the one of value indices digits[] (each
 * level `tight` while every level above took digits[]' own value), its value
 * indices left in digits[]; 0 when there is none. Pruned as count_from. */
static int next_from(const kiln_space *s, int depth, long long *slots, int *digits, int tight)
{
    if (depth == s->nparams)
        return 1;
    const kiln_param *p = &s->kernel->params[depth];
    int start = tight ? digits[depth] : 0;
    for (int v = start; v < p->nvalues; v++) {
        slots[depth] = p->values[v];
        if (holds_at(s, depth, slots) && next_from(s, depth + 1, slots, digits, tight && v == start)) {
            digits[depth] = v;
            return 1;
        }
    }
    return 0;
}

uint64_t kiln_space_next_valid(const kiln_space *s, uint64_t from)
{
    if (from >= s->total)
        return s->total;
    long long slots[KILN_MAX_PARAMS + SIZE_SLOTS];
    int digits[KILN_MAX_PARAMS];
    uint64_t rest = from;
    for (int i = s->nparams - 1; i >= 0; i--) {
        uint64_t radix = (uint64_t)s->kernel->params[i].nvalues;
        digits[i] = (int)(rest % radix);
        rest /= radix;
    }
    memcpy(slots + s->nparams, s->size_values, sizeof s->size_values);
    if (!holds_at(s, -1, slots) || !next_from(s, 0, slots, digits, 1))
        return s->total;
    uint64_t index = 0;
    for (int i = 0; i < s->nparams; i++)
        index = index * (uint64_t)s->kernel->params[i].nvalues + (uint64_t)digits[i];
    return index;
}

/* Valid points with parameters 0 .. depth - 1 fixed in slots[]: a constraint
 * is tested as soon as the parameters it reads are set, and a failure prunes
 * every point below, so a large space is not walked point by point. */
static uint64_t count_from(const kiln_space *s, int depth, long long *slots)
{
    if (depth == s->nparams)
        return 1;
    const kiln_param *p = &s->kernel->params[depth];
    uint64_t count = 0;
    for (int v = 0; v < p->nvalues; v++) {
        slots[depth] = p->values[v];
        if (holds_at(s, depth, slots))
            count += count_from(s, depth + 1, slots);
    }
    return count;
}

uint64_t kiln_space_count_valid(const kiln_space *s)
{
    long long slots[KILN_MAX_PARAMS + SIZE_SLOTS];
    for (int i = 0; i < s->nparams; i++)
        slots[i] = s->kernel->params[i].values[0];
    memcpy(slots + s->nparams, s->size_values, sizeof s->size_values);
    return holds_at(s, -1, slots) ? count_from(s, 0, slots) : 0;
}

void kiln_space_point(const kiln_space *s, uint64_t index, kiln_config *out)
{
    out->n = s->nparams;
    for (int i = 0; i < s->nparams; i++)
        out->names[i] = s->kernel->params[i].name;
    index_values(s, index % (s->total ? s->total : 1), out->values);
}

int kiln_space_nparams(const kiln_space *s)
{
    return s->nparams;
}

const kiln_param *kiln_space_param(const kiln_space *s, int i)
{
    return i >= 0 && i < s->nparams ? &s->kernel->params[i] : NULL;
}

int kiln_space_categorical(const kiln_space *s, int i)
{
    const kiln_param *p = kiln_space_param(s, i);
    return p && (p->categorical || p->names);
}

static int value_index(const kiln_param *p, long long v);
static int config_values(const kiln_space *s, const kiln_config *c, long long *values, char *err, size_t errlen);

int kiln_space_indices(const kiln_space *s, const kiln_config *c, int *idx)
{
    long long values[KILN_MAX_PARAMS];
    if (config_values(s, c, values, NULL, 0) != 0)
        return -1;
    for (int i = 0; i < s->nparams; i++)
        if ((idx[i] = value_index(&s->kernel->params[i], values[i])) < 0)
            return -1;
    return 0;
}

void kiln_space_from_indices(const kiln_space *s, const int *idx, kiln_config *out)
{
    out->n = s->nparams;
    for (int i = 0; i < s->nparams; i++) {
        out->names[i] = s->kernel->params[i].name;
        out->values[i] = s->kernel->params[i].values[idx[i]];
    }
}

uint64_t kiln_space_index_of(const kiln_space *s, const int *idx)
{
    uint64_t index = 0;
    for (int i = 0; i < s->nparams; i++)
        index = index * (uint64_t)s->kernel->params[i].nvalues + (uint64_t)idx[i];
    return index;
}

void kiln_space_default(const kiln_space *s, kiln_config *out)
{
    out->n = s->nparams;
    for (int i = 0; i < s->nparams; i++) {
        out->names[i] = s->kernel->params[i].name;
        out->values[i] = s->kernel->params[i].default_value;
    }
}

static int param_index(const kiln_space *s, const char *name)
{
    for (int i = 0; i < s->nparams; i++)
        if (strcmp(s->kernel->params[i].name, name) == 0)
            return i;
    return -1;
}

static int value_index(const kiln_param *p, long long v)
{
    for (int i = 0; i < p->nvalues; i++)
        if (p->values[i] == v)
            return i;
    return -1;
}

/* "1, 2, 4" or "row, col" (enum names where the parameter has them). */
static void list_values(const kiln_param *p, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < p->nvalues && used < len; i++) {
        int w = p->names && p->names[i] ? snprintf(buf + used, len - used, "%s%s", i ? ", " : "", p->names[i])
                            : snprintf(buf + used, len - used, "%s%lld", i ? ", " : "", p->values[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static void list_params(const kiln_space *s, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < s->nparams && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", s->kernel->params[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* The configuration's values in the space's parameter order; -1 with err when
 * one is missing. Matches by position first (the usual case), then by name. */
static int config_values(const kiln_space *s, const kiln_config *c, long long *values, char *err,
                         size_t errlen)
{
    for (int i = 0; i < s->nparams; i++) {
        const char *name = s->kernel->params[i].name;
        int found = -1;
        if (i < c->n && c->names[i] && strcmp(c->names[i], name) == 0)
            found = i;
        for (int j = 0; found < 0 && j < c->n; j++)
            if (c->names[j] && strcmp(c->names[j], name) == 0)
                found = j;
        if (found < 0) {
            kiln_tuner_errf(err, errlen, "configuration has no value for parameter '%s'", name);
            return -1;
        }
        values[i] = c->values[found];
    }
    return 0;
}

int kiln_space_check(const kiln_space *s, const kiln_config *c, char *why, size_t whylen)
{
    long long slots[KILN_MAX_PARAMS + SIZE_SLOTS];
    if (config_values(s, c, slots, why, whylen) < 0)
        return -1;
    for (int i = 0; i < s->nparams; i++) {
        const kiln_param *p = &s->kernel->params[i];
        if (value_index(p, slots[i]) < 0) {
            char allowed[256];
            list_values(p, allowed, sizeof allowed);
            kiln_tuner_errf(why, whylen, "%s=%lld is not one of its values (%s)", p->name, slots[i], allowed);
            return 0;
        }
    }
    memcpy(slots + s->nparams, s->size_values, sizeof s->size_values);
    char eerr[256];
    int i = first_failing(s, slots, eerr, sizeof eerr);
    if (i == -1)
        return 1;
    if (i >= 0) {
        kiln_tuner_errf(why, whylen, "%s", s->kernel->constraints[i]);
        return 0;
    }
    i = -2 - i;
    kiln_tuner_errf(why, whylen, "constraint %d '%s': %s", i + 1, s->kernel->constraints[i], eerr);
    return -1;
}

static const char *trim(char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        text[--len] = '\0';
    return text;
}

int kiln_space_set(const kiln_space *s, kiln_config *c, const char *assignment, char *err, size_t errlen)
{
    char buf[256];
    if (!assignment || strlen(assignment) >= sizeof buf) {
        kiln_tuner_errf(err, errlen, "setting too long or missing (expected name=value)");
        return -1;
    }
    strcpy(buf, assignment);
    char *eq = strchr(buf, '=');
    if (!eq) {
        kiln_tuner_errf(err, errlen, "setting '%s': expected name=value", assignment);
        return -1;
    }
    *eq = '\0';
    const char *name = trim(buf);
    const char *value = trim(eq + 1);

    /* A configuration not yet filled for this space starts from the default. */
    int filled = c->n == s->nparams;
    for (int i = 0; filled && i < s->nparams; i++)
        filled = c->names[i] == s->kernel->params[i].name;
    if (!filled)
        kiln_space_default(s, c);

    int pi = param_index(s, name);
    if (pi < 0) {
        char params[256];
        list_params(s, params, sizeof params);
        kiln_tuner_errf(err, errlen, "unknown parameter '%s' (parameters of %s: %s)", name, s->kernel->name,
                s->nparams ? params : "none");
        return -1;
    }
    const kiln_param *p = &s->kernel->params[pi];
    char allowed[256];
    list_values(p, allowed, sizeof allowed);
    if (!*value) {
        kiln_tuner_errf(err, errlen, "parameter '%s': missing value (allowed: %s)", p->name, allowed);
        return -1;
    }
    int vi = -1;
    for (int i = 0; i < p->nvalues && vi < 0; i++)
        if (p->names && p->names[i] && strcmp(p->names[i], value) == 0)
            vi = i;
    if (vi < 0) {
        /* decimal only: "010" and "0x10" are not the values 8 and 16 */
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        int leading_zero = value[0] == '0' && value[1] != '\0';
        int signed_leading_zero = value[0] == '-' && value[1] == '0' && value[2] != '\0';
        if (end == value || *end != '\0' || errno == ERANGE || leading_zero || signed_leading_zero) {
            kiln_tuner_errf(err, errlen, "parameter '%s': '%s' is not a number or a value name (allowed: %s)",
                    p->name, value, allowed);
            return -1;
        }
        vi = value_index(p, v);
        if (vi < 0) {
            kiln_tuner_errf(err, errlen, "parameter '%s': %s is not allowed (allowed: %s)", p->name, value, allowed);
            return -1;
        }
    }
    c->values[pi] = p->values[vi];
    return 0;
}
