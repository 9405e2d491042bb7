/*
 * bad_plugin.c: a plugin whose first kernel is well formed and whose second
 * has no build function. Loading it must fail and register neither.
 */
#include <stddef.h>
#include "kiln/kernel.h"

static kiln_proc *never_built(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size)
{
    (void)ctx;
    (void)cfg;
    (void)size;
    return NULL;
}

static const kiln_kernel well_formed = {
    .name = "bad_plugin_first",
    .summary = "registered only if the whole plugin is",
    .default_size = {1, {16, 1, 1}},
    .langs = 1u << KILN_LANG_C,
    .build = never_built,
};

static const kiln_kernel no_build = {
    .name = "bad_plugin_second",
    .summary = "has no build function",
    .default_size = {1, {16, 1, 1}},
    .langs = 1u << KILN_LANG_C,
};

const kiln_kernel *const *kiln_plugin_kernels(void);
const kiln_kernel *const *kiln_plugin_kernels(void)
{
    static const kiln_kernel *const list[] = {&well_formed, &no_build, NULL};
    return list;
}
