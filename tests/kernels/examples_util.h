/*
 * examples_util.h: what the example-kernel tests share: configurations from
 * "name=value,..." text over a kernel's defaults, and the test cases each file
 * runs (kernel, size, configuration), so that every test speaks of the same
 * variants.
 */
#ifndef KILN_TEST_EXAMPLES_UTIL_H
#define KILN_TEST_EXAMPLES_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kiln/kernel.h"
#include "kernels/examples/examples.h"

/* The kernel's default configuration with "a=1,b=2" applied; -1 on an unknown
 * name or a value outside the parameter's list. */
static inline int example_config(const kiln_kernel *k, const char *settings, kiln_config *out)
{
    out->n = k->nparams;
    for (int i = 0; i < k->nparams; i++) {
        out->names[i] = k->params[i].name;
        out->values[i] = k->params[i].default_value;
    }
    const char *p = settings;
    while (p && *p) {
        const char *eq = strchr(p, '=');
        if (!eq)
            return -1;
        int found = -1;
        for (int i = 0; i < k->nparams; i++)
            if (strlen(k->params[i].name) == (size_t)(eq - p) && strncmp(k->params[i].name, p, (size_t)(eq - p)) == 0)
                found = i;
        if (found < 0)
            return -1;
        char *end;
        long long v = strtoll(eq + 1, &end, 10);
        int listed = 0;
        for (int j = 0; j < k->params[found].nvalues; j++)
            listed |= k->params[found].values[j] == v;
        if (!listed || (*end != ',' && *end != '\0'))
            return -1;
        out->values[found] = v;
        p = *end == ',' ? end + 1 : end;
    }
    return 0;
}

/* The device named by a test's first argument: "cl" for the default OpenCL device
 * (the test skips with exit 77 where there is none), anything else or nothing for
 * the host C compiler. NULL, with the failure recorded, if it cannot be opened.
 * Needs check.h. */
static inline kiln_rt *example_open_target(int argc, char **argv)
{
    const char *target = argc > 1 ? argv[1] : "host";
    int want_cl = strcmp(target, "cl") == 0;
    char err[1024] = "";
    kiln_rt *rt = kiln_rt_open(want_cl ? NULL : "host", err, sizeof err);
    if (want_cl && (!rt || kiln_rt_lang(rt) != KILN_LANG_CL)) {
        kiln_rt_close(rt);
        SKIP_NO_DEVICE("no OpenCL device (%s)", rt ? "only the host was found" : err);
    }
    CHECK_MSG(rt != NULL, "cannot open the %s device: %s", target, err);
    return rt;
}

#endif
