/*
 * runner.h: running SPECFEM kernels on a device outside the tuner, the way
 * an application does: named device buffers shared by every kernel that has
 * an argument of that name (displ, veloc, accel, ibool, ...), one built
 * program per kernel, scalars set by name, launches with a chosen geometry.
 * Errors go to err (snprintf-like); nothing prints.
 */
#ifndef KILN_SPECFEM_RUNNER_H
#define KILN_SPECFEM_RUNNER_H

#include "kiln/kernel.h"
#include "kiln/runtime.h"

typedef struct specfem_buffers specfem_buffers;
typedef struct specfem_launch specfem_launch;

specfem_buffers *specfem_buffers_new(kiln_rt *rt);
void specfem_buffers_free(specfem_buffers *b);
/* Creates or overwrites the buffer `name` with bytes of host data. */
int specfem_buffers_put(specfem_buffers *b, const char *name, const void *host, size_t bytes, char *err, size_t errlen);
/* Reads buffer `name` back (bytes must be its size or less). */
int specfem_buffers_get(specfem_buffers *b, const char *name, void *host, size_t bytes, char *err, size_t errlen);

/* Builds k for cfg and size on b's device; every array argument is bound to
 * the buffer of its name, made from args' data when b has none yet; scalars
 * take args' values. NULL with err on a build or binding failure. */
specfem_launch *specfem_launch_new(specfem_buffers *b, const kiln_kernel *k, const kiln_config *cfg,
                                   const kiln_size *size, kiln_args *args, char *err, size_t errlen);
void specfem_launch_free(specfem_launch *l);
/* Sets scalar argument `name` (an i32 or a float/double argument). */
int specfem_launch_set(specfem_launch *l, const char *name, double value, char *err, size_t errlen);
/* One run with geo (NULL: the kernel's own geometry for the size). */
int specfem_launch_run(specfem_launch *l, const kiln_geometry *geo, char *err, size_t errlen);

#endif
