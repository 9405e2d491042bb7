/*
 * test_plugin_load.c: a plugin that fails to load leaves nothing behind: none
 * of its kernels registered (they would point into an unloaded object) and
 * its shared object closed; loading it again gives the same error.
 */
#include <dlfcn.h>
#include "check.h"
#include "kiln/kernel.h"

static int count_kernels(void)
{
    int n = 0;
    while (kiln_kernel_at(n))
        n++;
    return n;
}

int main(void)
{
    int before = count_kernels();
    for (int attempt = 0; attempt < 2; attempt++) {
        char err[512] = "";
        CHECK(kiln_plugin_load(KILN_BAD_PLUGIN, err, sizeof err) == -1);
        CHECK_STR_CONTAINS(err, "kernel 1 has no name or no build function");
        CHECK_MSG(kiln_kernel_find("bad_plugin_first") == NULL, "half of the plugin stayed registered");
        CHECK(count_kernels() == before);
        /* RTLD_NOLOAD finds the object only if a handle to it is still open. */
        void *still_open = dlopen(KILN_BAD_PLUGIN, RTLD_NOW | RTLD_NOLOAD);
        CHECK_MSG(still_open == NULL, "the failed plugin's handle was leaked");
        if (still_open)
            dlclose(still_open);
    }
    char err[512] = "";
    CHECK(kiln_plugin_load("/nonexistent/plugin.so", err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "/nonexistent/plugin.so");
    CHECK(count_kernels() == before);
    CHECK_DONE();
}
