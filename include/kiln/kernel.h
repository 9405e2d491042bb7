/*
 * kiln/kernel.h: the kernel module contract.
 *
 * A kernel is registered with its name, its arguments (element types,
 * directions, element counts as functions of the problem size), its parameter
 * space (finite value lists and constraint expressions), a description
 * `build(ctx, config, size) -> kernel procedure`, an input generator, a double
 * precision reference, its launch geometry, and FLOP and byte counts.
 *
 * Built-in kernels live in kernels/; user kernels are plugins: a shared object
 * exporting `kiln_plugin_kernels` (see KILN_PLUGIN_SYMBOL).
 */
#ifndef KILN_KERNEL_H
#define KILN_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include "kiln/dsl.h"
#include "kiln/gen.h"
#include "kiln/runtime.h"

/* The most parameters a configuration holds (a configuration is a value). */
#define KILN_MAX_PARAMS 64

/* A tunable parameter: a name and a finite list of integer values (booleans
 * are {0, 1}; enumerations list their value names in `names`). Written with
 * KILN_VALUES: {.name = "vec", .help = "...", KILN_VALUES(1, 2, 4), .default_value = 1}. */
typedef struct kiln_param {
    const char *name;
    const char *help;
    int nvalues;
    const long long *values;
    long long default_value;               /* the "default configuration" */
    const char *const *names;              /* optional enum names (nvalues of them), NULL otherwise */
    int categorical;                       /* values are unordered choices (implied by `names`) */
} kiln_param;

/* A configuration: one value per parameter of its kernel, in declaration order. */
typedef struct kiln_config {
    int n;
    const char *names[KILN_MAX_PARAMS];    /* borrowed from the kernel's kiln_param */
    long long values[KILN_MAX_PARAMS];
} kiln_config;

/* Value of parameter `name`; `fallback` if the configuration has no such
 * parameter. Inside kiln_kernel_build / kiln_kernel_geometry a name the kernel
 * does not declare fails the call with that name. */
long long kiln_config_get(const kiln_config *c, const char *name, long long fallback);
/* Canonical JSON {"a":1,"b":2} with keys in declaration order; returns chars written (snprintf-like). */
int kiln_config_json(const kiln_config *c, char *buf, size_t len);

/* A problem size: up to three extents, x first: "512x256" is nx = 512 (the
 * fastest-varying index), ny = 256; "4096" is n = nx = 4096. */
typedef struct kiln_size {
    int ndims;
    long long d[3];
} kiln_size;

int kiln_size_parse(const char *text, kiln_size *out);  /* 0 ok, -1 malformed */
int kiln_size_format(const kiln_size *s, char *buf, size_t len); /* "512x512" */

/* One argument of the kernel, as the description's kiln_arg_* call declares it
 * (name, element type, direction, scalar or array, position). kiln compares
 * the two before anything runs (kiln_kernel_check). */
typedef struct kiln_arg_info {
    const char *name;
    kiln_scalar elem;
    kiln_dir dir;
    int is_scalar;
    /* element count of an array argument for this size (ignored for scalars) */
    size_t (*count)(const kiln_size *size);
    /* floating outputs: error bound per unit of magnitude; 0 = kiln_tolerance(elem, terms) */
    double tolerance;
} kiln_arg_info;

/* The data of every argument for one (kernel, size), reached by name (or by
 * position) from the input generator and the reference. Arrays have count(size)
 * elements, scalars room for one value. */
typedef struct kiln_args kiln_args;

typedef struct kiln_kernel {
    const char *name;
    const char *summary;
    int nargs;
    const kiln_arg_info *args;             /* in the kernel's argument order: KILN_ARGS(...) */
    int nparams;
    const kiln_param *params;              /* KILN_PARAMS(...) */
    /* Constraints over the parameters, the size (names n, nx, ny, nz; n == nx)
     * and the device's limits (local_mem_bytes, max_wg_size), in kiln's
     * expression language: "wg * unroll <= max_wg_size", "nx % (vec * ppx) == 0". */
    int nconstraints;
    const char *const *constraints;        /* KILN_CONSTRAINTS(...) */
    kiln_size default_size;
    /* Languages the description supports (bit mask of 1 << kiln_lang). */
    unsigned langs;

    /* Builds the kernel for one configuration and size; NULL with the reason in
     * kiln_errmsg(ctx) if the configuration cannot be built. Its kiln_arg_*
     * calls must match `args` (checked). */
    kiln_proc *(*build)(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size);
    /* Fills every `in`/`inout` array and every scalar (kiln_args_ptr) from a
     * seeded generator; outputs are left to kiln (poisoned). */
    void (*inputs)(kiln_args *args, uint64_t seed);
    /* Computes, in double precision, the expected content of every `out`/`inout`
     * array from the inputs: kiln_args_want for floating outputs (with
     * kiln_args_magnitude, the sum of |terms| of each element), kiln_args_exact
     * for integer outputs. */
    void (*reference)(kiln_args *args);
    /* Launch geometry for a configuration and size. */
    void (*geometry)(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo);
    double (*flops)(const kiln_size *size);   /* floating-point operations per run */
    double (*bytes)(const kiln_size *size);   /* compulsory DRAM traffic per run */
} kiln_kernel;

/* Lists sized by their initializers, for kiln_kernel and kiln_param tables. */
#define KILN_COUNT_OF(T, ...) ((int)(sizeof((T[]){__VA_ARGS__}) / sizeof(T)))
#define KILN_ARGS(...) .nargs = KILN_COUNT_OF(kiln_arg_info, __VA_ARGS__), .args = (const kiln_arg_info[]){__VA_ARGS__}
#define KILN_PARAMS(...) .nparams = KILN_COUNT_OF(kiln_param, __VA_ARGS__), .params = (const kiln_param[]){__VA_ARGS__}
#define KILN_CONSTRAINTS(...) \
    .nconstraints = KILN_COUNT_OF(const char *, __VA_ARGS__), .constraints = (const char *const[]){__VA_ARGS__}
#define KILN_VALUES(...) .nvalues = KILN_COUNT_OF(long long, __VA_ARGS__), .values = (const long long[]){__VA_ARGS__}
#define KILN_NAMES(...) .names = (const char *const[]){__VA_ARGS__}

/* ---- the arguments' data (kiln_args) ---------------------------------- */

/* Allocates every argument of k for `size` (outputs poisoned with pattern 0)
 * and the reference arrays. NULL with err on a missing count or no memory. */
kiln_args *kiln_args_new(const kiln_kernel *k, const kiln_size *size, char *err, size_t errlen);
void kiln_args_free(kiln_args *a);
/* Runs k->inputs then k->reference. -1 with err when a callback is missing
 * or asked for an argument the kernel does not have (or for the wrong kind of
 * reference array). */
int kiln_args_generate(kiln_args *a, uint64_t seed, char *err, size_t errlen);

const kiln_size *kiln_args_size(const kiln_args *a);
/* The data of argument `name` (arrays: count(size) elements of its type,
 * scalars: one value). On an unknown name kiln records the misuse and returns
 * a zeroed scratch area, so a callback does not crash before kiln reports it. */
void *kiln_args_ptr(kiln_args *a, const char *name);
/* The data of argument i, NULL out of range. */
void *kiln_args_at(const kiln_args *a, int i);
/* Floating out/inout array `name`: the expected values (double precision). */
double *kiln_args_want(kiln_args *a, const char *name);
/* Floating out/inout array `name`: the sum of |terms| that makes each element
 * (what its rounding error follows), and the number of terms summed per
 * element. Without it an element is bounded relative to its own value. */
double *kiln_args_magnitude(kiln_args *a, const char *name, double terms);
/* Integer out/inout array `name`: the expected values in the element's own type. */
void *kiln_args_exact(kiln_args *a, const char *name);
/* What output argument i is verified against (want, magnitude, terms,
 * tolerance or exact); -1 for inputs and scalars. */
int kiln_args_expect(const kiln_args *a, int i, kiln_expect *out);
/* Bytes of argument i's data (scalars: the element size). */
size_t kiln_args_bytes(const kiln_args *a, int i);

/* ---- checked calls into a kernel ------------------------------------- */

/* k->build, failing (kiln_errmsg) when the description reads a parameter the
 * kernel does not declare, or when its arguments differ from k->args; the
 * context is then reset and holds only that error. */
kiln_proc *kiln_kernel_build(const kiln_kernel *k, kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size);
/* k->geometry; -1 with err when it reads a parameter the kernel does not declare. */
int kiln_kernel_geometry(const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo,
                         char *err, size_t errlen);
/* 0 when proc's arguments are k->args (names, order, element types,
 * directions, scalar or array); -1 with err naming the first that differs. */
int kiln_kernel_match_args(const kiln_kernel *k, const kiln_proc *proc, char *err, size_t errlen);
/* Everything that can be checked before tuning: the callbacks are there, the
 * table is complete, and the description built for `cfg` at `size` declares
 * the table's arguments and reads only declared parameters. 0 ok, -1 with err. */
int kiln_kernel_check(const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size, char *err,
                      size_t errlen);

/* Built-in kernels (kernels/), NULL-terminated. */
const kiln_kernel *const *kiln_builtin_kernels(void);
/* Every known kernel, built-ins then plugins: index 0.. until NULL. */
const kiln_kernel *kiln_kernel_at(int index);
/* Finds a kernel by name among the built-ins and loaded plugins; NULL if none. */
const kiln_kernel *kiln_kernel_find(const char *name);
/* Loads a plugin shared object; its kernels join kiln_kernel_find. 0 ok, -1 with err. */
int kiln_plugin_load(const char *path, char *err, size_t errlen);
/* Plugins export: const kiln_kernel *const *kiln_plugin_kernels(void); (NULL-terminated) */
#define KILN_PLUGIN_SYMBOL "kiln_plugin_kernels"

/* Small deterministic generator for inputs (splitmix64): same seed, same data everywhere. */
uint64_t kiln_rand_next(uint64_t *state);
double kiln_rand_uniform(uint64_t *state, double lo, double hi);

/* The micro-kernels a device's peaks are measured with (`kiln peaks`), for
 * rooflines: FLOP/s (peak_fma) and bytes/s (peak_stream). Not registered:
 * kiln_kernel_find does not know them. */
extern const kiln_kernel kiln_kernel_peak_fma, kiln_kernel_peak_stream;

#endif
