/*
 * kiln/frontend.h: importing existing OpenCL C and C99 kernels.
 *
 * kiln_import parses a kernel through libclang (with -D definitions applied)
 * and rebuilds it with the DSL's own builders, so the tree it returns is
 * checked like a description's and every statement keeps the file, line and
 * column it came from. What the DSL cannot express (pointer arithmetic beyond
 * indexing, structs, goto, switch cases that fall through, do-while, loops
 * that are not counted loops, calls to functions that take pointers...)
 * fails the import with a message naming the construct and its position:
 * nothing is dropped. A switch whose cases end with break becomes an
 * if / else chain; the file's functions the kernel calls become helpers.
 *
 * A for loop preceded by `#pragma kiln unroll(U)` is unrolled U times (U a
 * number or a macro, of the file or given with -D; 0 unrolls fully).
 *
 * kiln_describe prints a tree back as a kiln description: the C source of a
 * plugin whose build function makes the same calls.
 */
#ifndef KILN_FRONTEND_H
#define KILN_FRONTEND_H

#include <stddef.h>
#include "kiln/dsl.h"

typedef enum kiln_source_lang {
    KILN_SOURCE_AUTO = 0, /* by extension: .cl is OpenCL C, anything else C99 */
    KILN_SOURCE_OPENCL,
    KILN_SOURCE_C99
} kiln_source_lang;

typedef struct kiln_import_opts {
    const char *path;              /* file name (positions, language); read unless `text` is given */
    const char *text;              /* the source text itself, or NULL */
    const char *kernel;            /* the function to import */
    int ndefines;
    const char *const *defines;    /* "NAME=VALUE" or "NAME", as -D */
    kiln_source_lang lang;
    const char *note;              /* a comment put first in the kernel's body, or NULL */
} kiln_import_opts;

/* libclang's index, kept across imports (a tuning run imports every variant). */
typedef struct kiln_importer kiln_importer;

kiln_importer *kiln_importer_new(void);
void kiln_importer_free(kiln_importer *imp);

/* Builds the kernel in ctx; NULL with the reason in kiln_errmsg(ctx)
 * ("gemm.cl:12:9: goto: not expressible in kiln"). */
kiln_proc *kiln_import(kiln_importer *imp, kiln_ctx *ctx, const kiln_import_opts *opts);

/* An imported kernel's arguments, in order. */
typedef struct kiln_import_arg {
    const char *name;
    kiln_scalar elem;
    kiln_dir dir;       /* const pointers are in; written ones out, or inout when also read */
    int is_array;
} kiln_import_arg;

/* Fills up to max entries; returns the number of arguments. */
int kiln_import_args(const kiln_proc *kernel, kiln_import_arg *out, int max);

/* A kiln description of `kernel` (helpers included) as a plugin source whose
 * build function rebuilds the same tree; malloc'ed, NULL with err. `source`
 * names the input in the header comment. */
char *kiln_describe(const kiln_proc *kernel, const char *source, char *err, size_t errlen);

#endif
