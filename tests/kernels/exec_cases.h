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
    fprintf(stderr, "device: %s\n", kiln_rt_device(rt)->name);
    for (size_t i = 0; i < ncases; i++) {
        double ratio = example_check_runs(rt, cases[i].kernel, cases[i].size, cases[i].settings, seed);
        CHECK_MSG(ratio <= 1.0, "%s %s [%s]: error %.3g of its bound", cases[i].kernel->name, cases[i].size,
                  cases[i].settings, ratio);
    }
    kiln_rt_close(rt);
}

#endif
