/*
 * kiln/lookup_cl.h: the chosen variant built on the application's own
 * OpenCL context (kiln/lookup.h finds it; this header needs OpenCL's).
 */
#ifndef KILN_LOOKUP_CL_H
#define KILN_LOOKUP_CL_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <stddef.h>
#include "kiln/lookup.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Builds the chosen variant's OpenCL C (kiln_choice_source) for `device` of
 * `context`, with the options it was tuned with (none): the application
 * then takes its kernel with clCreateKernel (the kernel's name) and launches
 * it with the geometry of the configuration. NULL with err when the choice
 * holds no source (a default choice), holds C rather than OpenCL C, or the
 * build fails (err then begins with the build log). */
cl_program kiln_choice_build_opencl(const kiln_choice *c, cl_context context, cl_device_id device, char *err,
                                    size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
