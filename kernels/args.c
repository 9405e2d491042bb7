/*
 * args.c: the data of a kernel's arguments for one problem size (kiln_args):
 * what the input generator fills, what the reference reads, and what each
 * output is verified against. Callbacks reach arguments by name, so the
 * table's order is written in one place; a name or a kind of reference array
 * the kernel does not have is recorded and reported by kiln_args_generate,
 * never a crash in the plugin.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kiln/kernel.h"
#include "kernels/kernels_int.h"

typedef struct arg_data {
    size_t count;        /* elements (1 for scalars) */
    size_t bytes;        /* of data */
    void *data;
    double *want;        /* floating outputs */
    double *magnitude;   /* floating outputs, once the reference asks for it */
    double terms;
    void *exact;         /* integer outputs */
} arg_data;

struct kiln_args {
    const kiln_kernel *kernel;
    kiln_size size;
    arg_data *arg;
    size_t largest;      /* bytes of the largest array, doubles included */
    void *scratch;       /* handed out on a misuse, so the caller survives to be told */
    char misuse[256];
};

static int is_output(const kiln_arg_info *a)
{
    return !a->is_scalar && a->dir != KILN_IN;
}

static void misuse(kiln_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void misuse(kiln_args *a, const char *fmt, ...)
{
    if (a->misuse[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->misuse, sizeof a->misuse, fmt, ap);
    va_end(ap);
}

static void *scratch(kiln_args *a)
{
    if (!a->scratch)
        a->scratch = calloc(1, a->largest);
    return a->scratch;
}

kiln_args *kiln_args_new(const kiln_kernel *k, const kiln_size *size, char *err, size_t errlen)
{
    kiln_args *a = calloc(1, sizeof *a);
    if (!a || !(a->arg = calloc((size_t)(k->nargs > 0 ? k->nargs : 1), sizeof *a->arg))) {
        free(a);
        kiln_kernels_errf(err, errlen, "out of memory");
        return NULL;
    }
    a->kernel = k;
    a->size = *size;
    a->largest = 8;
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *ai = &k->args[i];
        arg_data *d = &a->arg[i];
        size_t elem = kiln_scalar_bytes(ai->elem);
        if (!ai->is_scalar && !ai->count) {
            kiln_kernels_errf(err, errlen, "kernel '%s': array argument '%s' has no count function", k->name, ai->name);
            kiln_args_free(a);
            return NULL;
        }
        d->count = ai->is_scalar ? 1 : ai->count(size);
        if (elem && d->count > ((size_t)-1) / 8 / elem) {
            kiln_kernels_errf(err, errlen, "argument '%s': %zu elements do not fit in memory", ai->name, d->count);
            kiln_args_free(a);
            return NULL;
        }
        d->bytes = d->count * elem;
        if (d->bytes == 0)
            d->bytes = 8; /* an empty array still gets a buffer */
        d->data = calloc(1, d->bytes);
        int ok = d->data != NULL;
        if (ok && is_output(ai)) {
            if (kiln_scalar_is_float(ai->elem))
                ok = (d->want = calloc(d->count ? d->count : 1, sizeof(double))) != NULL;
            else
                ok = (d->exact = calloc(1, d->bytes)) != NULL;
            if (ai->dir == KILN_OUT)
                kiln_poison(ai->elem, d->data, d->count);
        }
        if (!ok) {
            kiln_kernels_errf(err, errlen, "out of memory for the data of argument '%s' (%zu bytes)", ai->name, d->bytes);
            kiln_args_free(a);
            return NULL;
        }
        size_t widest = d->count * 8 > d->bytes ? d->count * 8 : d->bytes;
        if (widest > a->largest)
            a->largest = widest;
    }
    return a;
}

void kiln_args_free(kiln_args *a)
{
    if (!a)
        return;
    for (int i = 0; a->arg && i < a->kernel->nargs; i++) {
        free(a->arg[i].data);
        free(a->arg[i].want);
        free(a->arg[i].magnitude);
        free(a->arg[i].exact);
    }
    free(a->arg);
    free(a->scratch);
    free(a);
}

int kiln_args_generate(kiln_args *a, uint64_t seed, char *err, size_t errlen)
{
    const kiln_kernel *k = a->kernel;
    if (!k->inputs || !k->reference) {
        kiln_kernels_errf(err, errlen, "kernel '%s' has no %s function", k->name, !k->inputs ? "inputs" : "reference");
        return -1;
    }
    a->misuse[0] = '\0';
    k->inputs(a, seed);
    if (a->misuse[0]) {
        kiln_kernels_errf(err, errlen, "kernel '%s', inputs: %s", k->name, a->misuse);
        return -1;
    }
    k->reference(a);
    if (a->misuse[0]) {
        kiln_kernels_errf(err, errlen, "kernel '%s', reference: %s", k->name, a->misuse);
        return -1;
    }
    return 0;
}

const kiln_size *kiln_args_size(const kiln_args *a)
{
    return &a->size;
}

static int find(const kiln_args *a, const char *name)
{
    for (int i = 0; name && i < a->kernel->nargs; i++)
        if (a->kernel->args[i].name && strcmp(a->kernel->args[i].name, name) == 0)
            return i;
    return -1;
}

void *kiln_args_ptr(kiln_args *a, const char *name)
{
    int i = find(a, name);
    if (i < 0) {
        misuse(a, "no argument '%s'", name ? name : "(null)");
        return scratch(a);
    }
    return a->arg[i].data;
}

void *kiln_args_at(const kiln_args *a, int i)
{
    return i >= 0 && i < a->kernel->nargs ? a->arg[i].data : NULL;
}

size_t kiln_args_bytes(const kiln_args *a, int i)
{
    return i >= 0 && i < a->kernel->nargs ? a->arg[i].bytes : 0;
}

/* Index of output `name` of a floating (want_float) or integer element type. */
static int output(kiln_args *a, const char *name, int want_float, const char *what)
{
    int i = find(a, name);
    if (i < 0) {
        misuse(a, "no argument '%s'", name ? name : "(null)");
        return -1;
    }
    const kiln_arg_info *ai = &a->kernel->args[i];
    if (!is_output(ai)) {
        misuse(a, "%s of '%s', which is not an out/inout array", what, name);
        return -1;
    }
    if (kiln_scalar_is_float(ai->elem) != want_float) {
        misuse(a, "%s of '%s', a %s array (use %s)", what, name, kiln_scalar_name(ai->elem),
               want_float ? "kiln_args_exact" : "kiln_args_want");
        return -1;
    }
    return i;
}

double *kiln_args_want(kiln_args *a, const char *name)
{
    int i = output(a, name, 1, "kiln_args_want");
    return i < 0 ? scratch(a) : a->arg[i].want;
}

double *kiln_args_magnitude(kiln_args *a, const char *name, double terms)
{
    int i = output(a, name, 1, "kiln_args_magnitude");
    if (i < 0)
        return scratch(a);
    arg_data *d = &a->arg[i];
    if (!d->magnitude && !(d->magnitude = calloc(d->count ? d->count : 1, sizeof(double)))) {
        misuse(a, "out of memory for the magnitudes of '%s'", name);
        return scratch(a);
    }
    d->terms = terms;
    return d->magnitude;
}

void *kiln_args_exact(kiln_args *a, const char *name)
{
    int i = output(a, name, 0, "kiln_args_exact");
    return i < 0 ? scratch(a) : a->arg[i].exact;
}

int kiln_args_expect(const kiln_args *a, int i, kiln_expect *out)
{
    if (i < 0 || i >= a->kernel->nargs || !is_output(&a->kernel->args[i]))
        return -1;
    const kiln_arg_info *ai = &a->kernel->args[i];
    const arg_data *d = &a->arg[i];
    *out = (kiln_expect){.elem = ai->elem,
                         .n = d->count,
                         .want = d->want,
                         .magnitude = d->magnitude,
                         .terms = d->magnitude ? d->terms : 1,
                         .tolerance = ai->tolerance,
                         .exact = d->exact};
    return 0;
}
