/*
 * pairs.c: a stored configuration ({"name":integer,...}, as kiln_config_json
 * writes it) read into name/value pairs without the kernel that declared it:
 * for the lookup API and the exports, which answer from the database alone.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kiln/tuner.h"

static const char *skip_space(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/* -1 when json is not such an object (a database written by something else). */
static int parse_object(kiln_config_pairs *c, const char *json)
{
    const char *p = skip_space(json);
    if (*p++ != '{')
        return -1;
    p = skip_space(p);
    if (*p == '}')
        return *skip_space(p + 1) ? -1 : 0;
    for (;;) {
        if (*p++ != '"' || c->count == KILN_MAX_PARAMS)
            return -1;
        const char *end = strchr(p, '"');
        if (!end || end == p || memchr(p, '\\', (size_t)(end - p)))
            return -1;
        char *name = strndup(p, (size_t)(end - p));
        if (!name)
            return -1;
        c->names[c->count++] = name; /* counted at once: freed on every failure below */
        p = skip_space(end + 1);
        if (*p++ != ':')
            return -1;
        char *num_end;
        errno = 0;
        p = skip_space(p);
        c->values[c->count - 1] = strtoll(p, &num_end, 10);
        if (num_end == p || errno == ERANGE)
            return -1;
        p = skip_space(num_end);
        if (*p == '}')
            return *skip_space(p + 1) ? -1 : 0;
        if (*p++ != ',')
            return -1;
        p = skip_space(p);
    }
}

int kiln_config_pairs_parse(const char *json, kiln_config_pairs *c)
{
    memset(c, 0, sizeof *c);
    int rc = parse_object(c, json);
    if (rc != 0)
        kiln_config_pairs_clear(c);
    return rc;
}

void kiln_config_pairs_clear(kiln_config_pairs *c)
{
    for (int i = 0; i < c->count; i++)
        free(c->names[i]);
    memset(c, 0, sizeof *c);
}

int kiln_config_pairs_get(const kiln_config_pairs *c, const char *name, long long *value)
{
    for (int i = 0; name && i < c->count; i++)
        if (strcmp(c->names[i], name) == 0) {
            *value = c->values[i];
            return 0;
        }
    return -1;
}
