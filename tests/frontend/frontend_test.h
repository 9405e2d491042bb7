/*
 * frontend_test.h: what the frontend's tests share: importing a text and
 * running a kernel's tree on the host C target with given buffers.
 */
#ifndef KILN_TESTS_FRONTEND_TEST_H
#define KILN_TESTS_FRONTEND_TEST_H

#include <stdlib.h>
#include <string.h>
#include "kiln/frontend.h"
#include "kiln/gen.h"
#include "kiln/runtime.h"

/* Imports kernel `name` of `text` (named `path`) with the -D definitions;
 * NULL with the message copied to err. */
static inline kiln_proc *import_text(kiln_importer *imp, kiln_ctx *ctx, const char *path, const char *text,
                                     const char *name, int ndefs, const char *const *defs, char *err, size_t len)
{
    kiln_import_opts o = {.path = path, .text = text, .kernel = name, .ndefines = ndefs, .defines = defs};
    kiln_proc *p = kiln_import(imp, ctx, &o);
    snprintf(err, len, "%s", p ? "" : kiln_errmsg(ctx));
    return p;
}

/* One argument's data for run_on_host: a buffer (bytes of it) or a scalar's value. */
typedef struct host_arg {
    void *data;
    size_t bytes;
    int is_scalar;
} host_arg;

/* Generates C from proc, builds and runs it on the host over geo; buffers
 * are copied in and read back. 0 ok, -1 with err. */
static inline int run_on_host(kiln_rt *rt, const kiln_proc *proc, int nargs, host_arg *args, const kiln_geometry *geo,
                              char *err, size_t len)
{
    char *src = kiln_generate(proc, KILN_LANG_C, NULL, err, len);
    if (!src)
        return -1;
    char *log = NULL;
    kiln_program *prog = kiln_program_build(rt, src, kiln_proc_name(proc), "", &log);
    free(src);
    if (!prog) {
        snprintf(err, len, "build: %s", log ? log : kiln_rt_errmsg(rt));
        free(log);
        return -1;
    }
    free(log);
    kiln_buf *bufs[16] = {0};
    int rc = 0;
    for (int i = 0; i < nargs && i < 16 && rc == 0; i++) {
        if (args[i].is_scalar) {
            rc = kiln_program_set_scalar(rt, prog, i, args[i].data, args[i].bytes);
            continue;
        }
        bufs[i] = kiln_buf_new(rt, args[i].bytes);
        rc = !bufs[i] || kiln_buf_write(rt, bufs[i], args[i].data, args[i].bytes) ||
             kiln_program_set_buf(rt, prog, i, bufs[i]);
    }
    double ns;
    if (rc == 0)
        rc = kiln_program_run(rt, prog, geo, &ns);
    for (int i = 0; i < nargs && i < 16 && rc == 0; i++)
        if (!args[i].is_scalar)
            rc = kiln_buf_read(rt, bufs[i], args[i].data, args[i].bytes);
    if (rc)
        snprintf(err, len, "run: %s", kiln_rt_errmsg(rt));
    for (int i = 0; i < nargs && i < 16; i++)
        if (bufs[i])
            kiln_buf_free(rt, bufs[i]);
    kiln_program_free(rt, prog);
    return rc ? -1 : 0;
}

#endif
