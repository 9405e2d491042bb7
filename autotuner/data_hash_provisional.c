/*
 * data_hash_provisional.c: the hash of a kernel's verification data, until
 * the evaluator computes it beside its own cached inputs and reference.
 *
 * The inputs are made as the evaluator makes them (outputs poisoned, then the
 * kernel's input generator), the reference is computed from them, and both
 * are hashed: a changed input generator or reference changes the hash, so
 * results verified against the old data are not reused.
 */
#include <stdlib.h>
#include <string.h>
#include "autotuner/tuner_int.h"

static size_t data_count(const kiln_arg_info *a, const kiln_size *size)
{
    return a->is_scalar ? 1 : a->count(size);
}

/* FNV-1a over more bytes, continuing from h. */
static uint64_t fnv_more(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

int kiln_eval_data_hash(const kiln_kernel *k, const kiln_size *size, uint64_t seed, char out[17], char *err,
                        size_t errlen)
{
    if (!k->inputs || !k->reference) {
        kiln_tuner_errf(err, errlen, "kernel '%s' has no %s callback", k->name, k->inputs ? "reference" : "inputs");
        return -1;
    }
    void *args[KILN_MAX_ARGS] = {0};
    double *want[KILN_MAX_ARGS] = {0};
    int rc = -1;
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        size_t bytes = data_count(a, size) * kiln_scalar_bytes(a->elem);
        args[i] = calloc(1, bytes ? bytes : 8);
        if (!a->is_scalar && a->dir != KILN_IN)
            want[i] = calloc(data_count(a, size), sizeof(double));
        if (!args[i] || (!a->is_scalar && a->dir != KILN_IN && !want[i])) {
            kiln_tuner_errf(err, errlen, "out of memory for the data of argument '%s'", a->name);
            goto out;
        }
        if (!a->is_scalar && a->dir == KILN_OUT)
            kiln_poison(a->elem, args[i], data_count(a, size));
    }
    k->inputs(size, seed, args);
    k->reference(size, args, want);
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < k->nargs; i++) {
        const kiln_arg_info *a = &k->args[i];
        h = fnv_more(h, a->name, strlen(a->name) + 1);
        h = fnv_more(h, args[i], data_count(a, size) * kiln_scalar_bytes(a->elem));
        if (want[i])
            h = fnv_more(h, want[i], data_count(a, size) * sizeof(double));
    }
    char text[17];
    kiln_hash_hex(&h, sizeof h, text);
    memcpy(out, text, 17);
    rc = 0;
out:
    for (int i = 0; i < k->nargs; i++) {
        free(args[i]);
        free(want[i]);
    }
    return rc;
}
