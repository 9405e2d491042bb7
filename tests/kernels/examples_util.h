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
#include "kiln/tuner.h"
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

/* Evaluates k at size `size_text` in the configuration "a=1,..." on rt (one
 * timed run) and checks that it built, ran and verified, with no unwritten
 * output. Returns the largest error as a fraction of its bound, -1 when it
 * did not verify. Needs check.h. */
static inline double example_check_runs(kiln_rt *rt, const kiln_kernel *k, const char *size_text,
                                        const char *settings, uint64_t seed)
{
    char err[1024] = "";
    kiln_size size;
    kiln_config cfg;
    CHECK(kiln_size_parse(size_text, &size) == 0);
    CHECK_MSG(example_config(k, settings, &cfg) == 0, "%s: bad settings '%s'", k->name, settings);
    kiln_tune_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.seed = seed;
    opts.timing = (kiln_time_opts){.warmup = 0, .min_reps = 1, .max_reps = 1, .budget_ms = 1.0};
    opts.kernel = k;
    opts.size = size;
    kiln_eval ev;
    memset(&ev, 0, sizeof ev);
    int rc = kiln_evaluate(rt, k, &cfg, &size, &opts, &ev, err, sizeof err);
    CHECK_MSG(rc == 0, "%s %s [%s]: %s", k->name, size_text, settings, err);
    CHECK_MSG(rc != 0 || ev.verdict == KILN_OK, "%s %s [%s] on %s: %s: %s", k->name, size_text, settings,
              kiln_lang_name(kiln_rt_lang(rt)), kiln_verdict_name(ev.verdict), ev.error_text ? ev.error_text : "");
    double ratio = -1;
    if (rc == 0 && ev.verdict == KILN_OK) {
        CHECK(ev.verify.ok && ev.verify.nonfinite == 0);
        CHECK(ev.time.samples >= 1 && ev.time.median_ns > 0);
        ratio = ev.verify.max_err_ratio;
    }
    kiln_eval_clear(&ev);
    return ratio;
}

/* Builds k in configuration cfg (ctx reset first) and prints it in every
 * language, CHECKing each step. 1 when every language printed; *cl (if not
 * NULL) gets the OpenCL C text, malloc'ed, or NULL. Needs check.h. */
static inline int example_builds_everywhere(kiln_ctx *ctx, const kiln_kernel *k, const kiln_config *cfg,
                                            const kiln_size *size, const char *size_text, char **cl)
{
    char err[512] = "", json[512];
    if (cl)
        *cl = NULL;
    kiln_ctx_reset(ctx);
    kiln_proc *proc = kiln_kernel_build(k, ctx, cfg, size);
    kiln_config_json(cfg, json, sizeof json);
    CHECK_MSG(proc != NULL, "%s %s %s: %s", k->name, size_text, json, kiln_errmsg(ctx));
    if (!proc)
        return 0;
    int printed = 1;
    for (int lang = 0; lang < KILN_LANG_COUNT; lang++) {
        char *src = kiln_generate(proc, (kiln_lang)lang, NULL, err, sizeof err);
        CHECK_MSG(src != NULL, "%s %s %s (%s): %s", k->name, size_text, json, kiln_lang_name((kiln_lang)lang), err);
        printed &= src != NULL;
        if (cl && lang == KILN_LANG_CL)
            *cl = src;
        else
            free(src);
    }
    return printed;
}

/* k's space at size_text (parsed into *size), or NULL after a failed check. */
static inline kiln_space *example_space(const kiln_kernel *k, const char *size_text, kiln_size *size)
{
    char err[512] = "";
    CHECK(kiln_size_parse(size_text, size) == 0);
    kiln_space *space = kiln_space_new(k, size, err, sizeof err);
    CHECK_MSG(space != NULL, "%s: %s", k->name, err);
    return space;
}

/* Every valid configuration of k's space at size_text that keep() takes (all
 * of them when keep is NULL) builds a tree and prints in every language.
 * Returns how many were valid and taken; *total (if not NULL) gets the
 * space's size, and *size the parsed size. */
static inline uint64_t example_space_builds(const kiln_kernel *k, const char *size_text,
                                            int (*keep)(const kiln_config *cfg), uint64_t *total)
{
    kiln_size size;
    kiln_space *space = example_space(k, size_text, &size);
    if (!space)
        return 0;
    kiln_ctx *ctx = kiln_ctx_new();
    uint64_t n = kiln_space_total(space), taken = 0, built = 0;
    for (uint64_t i = 0; i < n; i++) {
        kiln_config cfg;
        char why[256] = "";
        kiln_space_point(space, i, &cfg);
        int ok = kiln_space_check(space, &cfg, why, sizeof why);
        CHECK_MSG(ok >= 0, "%s: constraint error: %s", k->name, why);
        if (ok != 1 || (keep && !keep(&cfg)))
            continue;
        taken++;
        built += example_builds_everywhere(ctx, k, &cfg, &size, size_text, NULL);
    }
    CHECK_MSG(built == taken, "%s at %s: %llu of %llu configurations built", k->name, size_text,
              (unsigned long long)built, (unsigned long long)taken);
    CHECK_MSG(keep || taken == kiln_space_count_valid(space), "%s: %llu valid of %llu", k->name,
              (unsigned long long)taken, (unsigned long long)n);
    if (total)
        *total = n;
    kiln_ctx_free(ctx);
    kiln_space_free(space);
    return taken;
}

/* Every valid configuration of k's space at size_text builds a tree and prints in
 * every language; the count of valid ones is the space's own. */
static inline void example_whole_space(const kiln_kernel *k, const char *size_text)
{
    uint64_t total = 0, valid = example_space_builds(k, size_text, NULL, &total);
    CHECK_MSG(valid > 1, "%s: %llu valid of %llu", k->name, (unsigned long long)valid, (unsigned long long)total);
    fprintf(stderr, "%s at %s: %llu of %llu configurations valid, all built\n", k->name, size_text,
            (unsigned long long)valid, (unsigned long long)total);
}

#endif
