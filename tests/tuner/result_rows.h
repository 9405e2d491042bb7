/*
 * result_rows.h: devices and results stored by hand, for the tests of what
 * the database answers (best, fallbacks, the lookup API). Needs check.h.
 */
#ifndef KILN_TEST_RESULT_ROWS_H
#define KILN_TEST_RESULT_ROWS_H

#include <stdio.h>
#include <string.h>
#include "kiln/tuner.h"

/* An OpenCL device of the test platform with this name and fingerprint; its id. */
static inline int64_t add_device(kiln_db *db, const char *name, const char *fp)
{
    kiln_device_info d;
    memset(&d, 0, sizeof d);
    snprintf(d.backend, sizeof d.backend, "opencl");
    snprintf(d.platform, sizeof d.platform, "Test Platform");
    snprintf(d.name, sizeof d.name, "%s", name);
    snprintf(d.driver, sizeof d.driver, "1.0");
    snprintf(d.fingerprint, sizeof d.fingerprint, "%s", fp);
    return kiln_db_device(db, &d);
}

/* A result of run `run` (0: none) timed at median_ns over 5 samples, with
 * counters_json (NULL: none). */
static inline void add_result(kiln_db *db, int64_t run, const char *kernel, int64_t device, const char *size,
                              const char *config, kiln_verdict verdict, double median_ns, const char *counters_json)
{
    kiln_result r;
    memset(&r, 0, sizeof r);
    r.run_id = run;
    r.device_id = device;
    r.kernel = kernel;
    r.lang = "cl";
    r.size = size;
    r.config_json = config;
    r.source_hash = "00112233aabbccdd";
    r.data_hash = "d0d0d0d0d0d0d0d0";
    r.verdict = verdict;
    r.time.median_ns = r.time.min_ns = r.time.max_ns = median_ns;
    r.time.samples = 5;
    r.worst_index = -1;
    r.counters_json = counters_json;
    CHECK_MSG(kiln_db_result_add(db, &r) == 0, "%s", kiln_db_errmsg(db));
}

#endif
