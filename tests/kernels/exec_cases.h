/*
 * exec_cases.h: the execution tests' loop: each case (kernel, size,
 * settings) is evaluated by kiln_evaluate on one target (argv[1], as
 * example_open_target reads it) and must be ok: verified against the kernel's
 * double precision reference, outputs poisoned first so that an unwritten
 * element fails too, and timed. Needs check.h.
 */
#ifndef KILN_TEST_EXEC_CASES_H
#define KILN_TEST_EXEC_CASES_H

#include "examples_util.h"
#include "kiln/tuner.h"

typedef struct example_case {
    const kiln_kernel *kernel;
    const char *size;
    const char *settings;
} example_case;

/* Runs every case on the target; the failures are CHECKs. Skips (exit 77) as
 * example_open_target does when the target is absent. */
static inline void example_run_cases(int argc, char **argv, const example_case *cases, size_t ncases, uint64_t seed)
{
    kiln_rt *rt = example_open_target(argc, argv);
    if (!rt)
        return;
    const char *target = kiln_lang_name(kiln_rt_lang(rt));
    char err[1024] = "";
    fprintf(stderr, "device: %s\n", kiln_rt_device(rt)->name);

    kiln_tune_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.seed = seed;
    opts.timing = (kiln_time_opts){0, 1, 1, 1.0};
    for (size_t i = 0; i < ncases; i++) {
        const kiln_kernel *k = cases[i].kernel;
        kiln_size size;
        kiln_config cfg;
        CHECK(kiln_size_parse(cases[i].size, &size) == 0);
        CHECK_MSG(example_config(k, cases[i].settings, &cfg) == 0, "%s: bad settings '%s'", k->name,
                  cases[i].settings);
        opts.kernel = k;
        opts.size = size;
        kiln_eval ev;
        memset(&ev, 0, sizeof ev);
        int rc = kiln_evaluate(rt, k, &cfg, &size, &opts, &ev, err, sizeof err);
        CHECK_MSG(rc == 0, "%s %s [%s]: %s", k->name, cases[i].size, cases[i].settings, err);
        CHECK_MSG(rc != 0 || ev.verdict == KILN_OK, "%s %s [%s] on %s: %s: %s", k->name, cases[i].size,
                  cases[i].settings, target, kiln_verdict_name(ev.verdict), ev.error_text ? ev.error_text : "");
        if (rc == 0 && ev.verdict == KILN_OK) {
            CHECK(ev.verify.ok && ev.verify.nonfinite == 0 && ev.verify.max_err_ratio <= 1.0);
            CHECK(ev.time.samples >= 1 && ev.time.median_ns > 0);
        }
        kiln_eval_clear(&ev);
    }
    kiln_rt_close(rt);
}

#endif
