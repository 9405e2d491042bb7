/*
 * builtin.c: the kernel registry: built-in kernels and those loaded from plugins.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include "kiln/kernel.h"
#include "kernels/examples/examples.h"
#include "kernels/specfem/specfem.h"
#include "kernels/bigdft/bigdft.h"

static const kiln_kernel *const builtin_kernels[] = {
    &kiln_kernel_triad,
    &kiln_kernel_matmul,
    &kiln_kernel_laplace,
    &kiln_kernel_laplace_rgb,
    &kiln_kernel_specfem_stiffness,
    &kiln_kernel_specfem_stiffness_f64,
    &kiln_kernel_specfem_stiffness_att,
    &kiln_kernel_specfem_update_disp_veloc,
    &kiln_kernel_specfem_update_accel,
    &kiln_kernel_specfem_update_veloc,
    &kiln_kernel_specfem_prepare_boundary,
    &kiln_kernel_specfem_assemble_boundary,
    &kiln_kernel_specfem_stacey,
    &kiln_kernel_specfem_add_sources,
    &kiln_kernel_bigdft_magicfilter,
    &kiln_kernel_bigdft_magicfilter3d,
    &kiln_kernel_bigdft_magicfilter_f32,
    &kiln_kernel_bigdft_magicfilter_grow,
    &kiln_kernel_bigdft_magicfilter_shrink,
    &kiln_kernel_bigdft_analysis,
    &kiln_kernel_bigdft_analysis_f32,
    &kiln_kernel_bigdft_synthesis,
    &kiln_kernel_bigdft_synthesis_f32,
    &kiln_kernel_bigdft_kinetic,
    &kiln_kernel_bigdft_kinetic3d,
    &kiln_kernel_bigdft_kinetic3d_fused,
    &kiln_kernel_bigdft_kinetic_dot,
    &kiln_kernel_gemm_nn,
    &kiln_kernel_gemm_tn,
    &kiln_kernel_gemm_nt,
    &kiln_kernel_gemm_f64_nn,
    &kiln_kernel_gemm_f64_tn,
    &kiln_kernel_gemm_f64_nt,
    NULL,
};

#define MAX_PLUGIN_KERNELS 64
static const kiln_kernel *plugin_kernels[MAX_PLUGIN_KERNELS];
static int plugin_count;

const kiln_kernel *const *kiln_builtin_kernels(void)
{
    return builtin_kernels;
}

const kiln_kernel *kiln_kernel_at(int index)
{
    int nbuiltin = (int)(sizeof builtin_kernels / sizeof builtin_kernels[0]) - 1;
    if (index < 0)
        return NULL;
    if (index < nbuiltin)
        return builtin_kernels[index];
    index -= nbuiltin;
    return index < plugin_count ? plugin_kernels[index] : NULL;
}

const kiln_kernel *kiln_kernel_find(const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; i < plugin_count; i++)
        if (strcmp(plugin_kernels[i]->name, name) == 0)
            return plugin_kernels[i];
    for (int i = 0; builtin_kernels[i]; i++)
        if (strcmp(builtin_kernels[i]->name, name) == 0)
            return builtin_kernels[i];
    return NULL;
}

/* All of a plugin's kernels are registered or none: on any error the ones
 * already added are taken back and the shared object is closed. */
int kiln_plugin_load(const char *path, char *err, size_t errlen)
{
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(err, errlen, "cannot load plugin %s: %s", path, dlerror());
        return -1;
    }
    const kiln_kernel *const *(*list)(void);
    *(void **)&list = dlsym(handle, KILN_PLUGIN_SYMBOL);
    if (!list) {
        snprintf(err, errlen, "plugin %s does not export %s", path, KILN_PLUGIN_SYMBOL);
        dlclose(handle);
        return -1;
    }
    const kiln_kernel *const *ks = list();
    int first = plugin_count;
    for (int i = 0; ks && ks[i]; i++) {
        if (!ks[i]->name || !ks[i]->build) {
            snprintf(err, errlen, "plugin %s: kernel %d has no name or no build function", path, i);
            goto fail;
        }
        if (plugin_count == MAX_PLUGIN_KERNELS) {
            snprintf(err, errlen, "plugin %s: more than %d plugin kernels", path, MAX_PLUGIN_KERNELS);
            goto fail;
        }
        plugin_kernels[plugin_count++] = ks[i];
    }
    if (plugin_count == first) {
        snprintf(err, errlen, "plugin %s registers no kernel", path);
        goto fail;
    }
    return 0; /* the handle stays open: kernels point into it */
fail:
    plugin_count = first;
    dlclose(handle);
    return -1;
}
