/*
 * remote_kiln.h: what the tests that run kiln itself through the remoting ICD
 * share: finding the native and the remoted device, and one small tuning run.
 */
#ifndef KILN_TEST_REMOTE_KILN_H
#define KILN_TEST_REMOTE_KILN_H

#include "kiln/tuner.h"

#include <stdlib.h>
#include <string.h>

/* "P:D" of the first OpenCL device whose platform name does (remote=1) or does not start with "kiln-remote". */
static int find_device(int remote, char *sel, size_t len)
{
    kiln_device_info *devs = NULL;
    int n = 0;
    char err[256];
    if (kiln_devices_list(&devs, &n, err, sizeof err) != 0)
        return -1;
    int found = -1;
    for (int i = 0; i < n && found < 0; i++) {
        if (strcmp(devs[i].backend, "opencl") != 0)
            continue;
        int is_remote = strncmp(devs[i].platform, "kiln-remote", 11) == 0;
        if (is_remote == remote) {
            snprintf(sel, len, "%d:%d", devs[i].platform_index, devs[i].device_index);
            found = 0;
        }
    }
    free(devs);
    return found;
}

/* kiln_tune of matmul 64 on rt, `budget` variants, each verified; 0 when every one ran and none failed. */
__attribute__((unused)) static int tune_matmul(kiln_db *db, kiln_rt *rt, int budget, int seed, char *err, size_t errlen)
{
    kiln_tune_opts o;
    memset(&o, 0, sizeof o);
    o.kernel = kiln_kernel_find("matmul");
    o.size = (kiln_size){1, {64, 1, 1}};
    o.strategy = kiln_strategy_find("random");
    o.budget = budget;
    o.seed = seed;
    kiln_time_opts_default(&o.timing);
    o.timing.budget_ms = 5;
    kiln_tune_summary sum;
    if (kiln_tune(db, rt, &o, NULL, NULL, &sum, err, errlen) != 0)
        return -1;
    if (sum.ok < (unsigned long long)budget || sum.failed != 0) {
        snprintf(err, errlen, "ok %llu failed %llu", (unsigned long long)sum.ok, (unsigned long long)sum.failed);
        return -1;
    }
    return 0;
}

#endif
