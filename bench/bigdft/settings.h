/*
 * settings.h: a BigDFT kernel's configuration from "name=value,..." on the
 * command lines of bench3d and chain (no tuner library here, so that the
 * programs link with the runtime alone).
 */
#ifndef KILN_BENCH_BIGDFT_SETTINGS_H
#define KILN_BENCH_BIGDFT_SETTINGS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kiln/kernel.h"

/* The kernel's default configuration with settings applied; -1 (and a message
 * on stderr naming prog) for a name the kernel does not have. */
static int bench_config_of(const char *prog, const kiln_kernel *k, const char *settings, kiln_config *cfg)
{
    cfg->n = k->nparams;
    for (int i = 0; i < k->nparams; i++) {
        cfg->names[i] = k->params[i].name;
        cfg->values[i] = k->params[i].default_value;
    }
    for (const char *p = settings; *p;) {
        size_t len = strcspn(p, ","), name_len = strcspn(p, "=");
        int found = -1;
        for (int i = 0; i < k->nparams && name_len < len; i++)
            if (strlen(k->params[i].name) == name_len && strncmp(k->params[i].name, p, name_len) == 0)
                found = i;
        if (found < 0) {
            fprintf(stderr, "%s: '%.*s' is no NAME=VALUE of %s\n", prog, (int)len, p, k->name);
            return -1;
        }
        cfg->values[found] = strtoll(p + name_len + 1, NULL, 10);
        p += len + (p[len] == ',');
    }
    return 0;
}

#endif
