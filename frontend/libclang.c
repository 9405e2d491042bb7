/*
 * libclang.c: opens libclang with RTLD_LOCAL and fills the table of the
 * functions the importer calls (libclang.def). See libclang.h for why.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "frontend/libclang.h"

const kiln_libclang *kiln_libclang_api;

static kiln_libclang table;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void load(void)
{
    const char *candidates[] = {getenv("KILN_LIBCLANG"), KILN_LIBCLANG_PATH, "libclang.so.1", "libclang-14.so.1",
                                "libclang-15.so.1", "libclang-16.so.1", "libclang-17.so.1", "libclang-18.so.1",
                                "libclang-19.so.1", "libclang.so"};
    void *handle = NULL;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0] && !handle; i++)
        if (candidates[i] && candidates[i][0])
            handle = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(load_error, sizeof load_error,
                 "libclang is not installed (Debian: apt-get install libclang-dev; or set KILN_LIBCLANG to its path)");
        return;
    }
#define F(ret, name, params)                                                                                  \
    *(void **)&table.name = dlsym(handle, "clang_" #name);                                                   \
    if (!table.name) {                                                                                        \
        snprintf(load_error, sizeof load_error, "libclang has no clang_%s (kiln needs libclang 14 or later)", \
                 #name);                                                                                      \
        return;                                                                                               \
    }
#include "frontend/libclang.def"
#undef F
    kiln_libclang_api = &table; /* the handle stays open for the process */
}

const kiln_libclang *kiln_libclang_load(char *err, size_t errlen)
{
    pthread_once(&once, load);
    if (!kiln_libclang_api)
        snprintf(err, errlen, "%s", load_error);
    return kiln_libclang_api;
}
