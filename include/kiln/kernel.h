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

#define KILN_MAX_PARAMS 16
#define KILN_MAX_VALUES 32
#define KILN_MAX_ARGS 16

/* A tunable parameter: a name and a finite list of integer values (booleans
 * are {0, 1}; enumerations list their value names in `names`). */
typedef struct kiln_param {
    const char *name;
    const char *help;
    int nvalues;
    long long values[KILN_MAX_VALUES];
    long long default_value;               /* the "default configuration" */
    const char *names[KILN_MAX_VALUES];    /* optional enum names, NULL otherwise */
} kiln_param;

/* A configuration: one value per parameter of its kernel, in declaration order. */
typedef struct kiln_config {
    int n;
    const char *names[KILN_MAX_PARAMS];    /* borrowed from the kernel's kiln_param */
    long long values[KILN_MAX_PARAMS];
} kiln_config;

/* Value of parameter `name`; `fallback` if the configuration has no such parameter. */
long long kiln_config_get(const kiln_config *c, const char *name, long long fallback);
/* Canonical JSON {"a":1,"b":2} with keys in declaration order; returns chars written (snprintf-like). */
int kiln_config_json(const kiln_config *c, char *buf, size_t len);

/* A problem size: up to three extents ("4096", "512x512", "64x64x64"). */
typedef struct kiln_size {
    int ndims;
    long long d[3];
} kiln_size;

int kiln_size_parse(const char *text, kiln_size *out);  /* 0 ok, -1 malformed */
int kiln_size_format(const kiln_size *s, char *buf, size_t len); /* "512x512" */

typedef struct kiln_arg_info {
    const char *name;
    kiln_scalar elem;
    kiln_dir dir;
    int is_scalar;
    /* element count of an array argument for this size (ignored for scalars) */
    size_t (*count)(const kiln_size *size);
    double tolerance;                      /* 0 = kiln_default_tolerance(elem) */
} kiln_arg_info;

typedef struct kiln_kernel {
    const char *name;
    const char *summary;
    int nargs;
    kiln_arg_info args[KILN_MAX_ARGS];     /* in the kernel's argument order */
    int nparams;
    kiln_param params[KILN_MAX_PARAMS];
    /* Constraints over the parameters and the size (names n, nx, ny, nz; n == nx),
     * in kiln's expression language: "wg * unroll <= 256", "nx % (vec * ppx) == 0". */
    int nconstraints;
    const char *constraints[16];
    kiln_size default_size;
    /* Languages the description supports (bit mask of 1 << kiln_lang). */
    unsigned langs;

    /* Builds the kernel for one configuration and size; NULL with the reason in
     * kiln_errmsg(ctx) if the configuration cannot be built. */
    kiln_proc *(*build)(kiln_ctx *ctx, const kiln_config *cfg, const kiln_size *size);
    /* Fills every `in`/`inout` array and every scalar of `args` (allocated by the
     * caller: arrays with count(size) elements, scalars with room for one value)
     * from a seeded generator; outputs are left to the caller. */
    void (*inputs)(const kiln_size *size, uint64_t seed, void *const *args);
    /* Computes, in double precision, the expected content of every `out`/`inout`
     * array: want[i] has count(size) elements for those args, NULL for others. */
    void (*reference)(const kiln_size *size, void *const *args, double *const *want);
    /* Launch geometry for a configuration and size. */
    void (*geometry)(const kiln_config *cfg, const kiln_size *size, kiln_geometry *geo);
    double (*flops)(const kiln_size *size);   /* floating-point operations per run */
    double (*bytes)(const kiln_size *size);   /* compulsory DRAM traffic per run */
} kiln_kernel;

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

#endif
