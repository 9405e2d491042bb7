/*
 * kiln/gen.h: source generators. One C-family walker, one hooks table per target.
 *
 * kiln_generate prints every procedure of the kernel's context (helper
 * functions first, then the kernel) as one translation unit. Output is
 * deterministic: the same tree and options give the same bytes.
 *
 * OpenCL C: a __kernel function with __global/__local/__constant qualifiers.
 * C99: the kernel becomes a function looping over the NDRange (groups outside,
 * work-items inside; barriers split the body into work-item loops), plus an
 * entry point with a fixed signature that the host-C backend calls:
 *
 *   void <kernel>_entry(void *const *args, const size_t *global, const size_t *local);
 *
 * args[i] is the buffer pointer of array argument i and a pointer to the value
 * of scalar argument i; global/local hold three sizes each (unused dims = 1).
 */
#ifndef KILN_GEN_H
#define KILN_GEN_H

#include "kiln/dsl.h"

typedef enum kiln_lang { KILN_LANG_CL = 0, KILN_LANG_C = 1, KILN_LANG_COUNT } kiln_lang;

const char *kiln_lang_name(kiln_lang lang);          /* "cl", "c" */
int kiln_lang_parse(const char *name, kiln_lang *out); /* 0 ok, -1 unknown */

typedef struct kiln_gen_opts {
    int openmp;   /* C: put `#pragma omp parallel for` on the work-group loop */
} kiln_gen_opts;

/* Source text of the kernel and its helpers, malloc'ed (caller frees); NULL on
 * error with the reason in err (a construct the target cannot express). */
char *kiln_generate(const kiln_proc *kernel, kiln_lang lang, const kiln_gen_opts *opts,
                    char *err, size_t errlen);

/* Name of the symbol the host-C backend calls: "<kernel>_entry". */
#define KILN_C_ENTRY_SUFFIX "_entry"

#endif
