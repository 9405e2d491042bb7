/*
 * registry.c: configurations, problem sizes, and the seeded generator every
 * input generator uses. (The list of kernels is in builtin.c.)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kiln/kernel.h"

long long kiln_config_get(const kiln_config *c, const char *name, long long fallback)
{
    for (int i = 0; c && i < c->n; i++)
        if (strcmp(c->names[i], name) == 0)
            return c->values[i];
    return fallback;
}

int kiln_config_json(const kiln_config *c, char *buf, size_t len)
{
    size_t used = 0;
    int w = snprintf(buf, len, "{");
    used += (size_t)(w > 0 ? w : 0);
    for (int i = 0; i < c->n; i++) {
        w = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0, "%s\"%s\":%lld",
                     i ? "," : "", c->names[i], c->values[i]);
        used += (size_t)(w > 0 ? w : 0);
    }
    w = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0, "}");
    used += (size_t)(w > 0 ? w : 0);
    return (int)used;
}

int kiln_size_parse(const char *text, kiln_size *out)
{
    kiln_size s = {0, {1, 1, 1}};
    const char *p = text;
    if (!p || !*p)
        return -1;
    for (;;) {
        if (!isdigit((unsigned char)*p) || s.ndims == 3)
            return -1;
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (v <= 0 || errno == ERANGE) /* past LLONG_MAX: not clamped to it */
            return -1;
        s.d[s.ndims++] = v;
        p = end;
        if (*p == '\0')
            break;
        if (*p != 'x' && *p != 'X')
            return -1;
        p++;
    }
    *out = s;
    return 0;
}

int kiln_size_format(const kiln_size *s, char *buf, size_t len)
{
    switch (s->ndims) {
    case 1: return snprintf(buf, len, "%lld", s->d[0]);
    case 2: return snprintf(buf, len, "%lldx%lld", s->d[0], s->d[1]);
    default: return snprintf(buf, len, "%lldx%lldx%lld", s->d[0], s->d[1], s->d[2]);
    }
}

uint64_t kiln_rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double kiln_rand_uniform(uint64_t *state, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(kiln_rand_next(state) >> 11) * 0x1.0p-53);
}
