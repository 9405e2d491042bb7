/*
 * doomed.h: a client that crashes the real driver on purpose. Its kernel
 * stores through a wild pointer: PoCL's worker thread takes SIGSEGV and, on a
 * native platform, the whole process dies. No check of the daemon's can see it
 * coming; only the isolation of sessions keeps other clients alive.
 */
#ifndef KILN_TEST_REMOTE_DOOMED_H
#define KILN_TEST_REMOTE_DOOMED_H

#include "harness.h"

#include <CL/cl.h>

/* Runs the wild store on the remoted platform; 0 when the session was lost as it should be (CL_DEVICE_NOT_AVAILABLE). */
static int wild_store_client(void)
{
    static const char *src = "__kernel void wild_store(__global int *x, const ulong where) {\n"
                             "    if (get_global_id(0) == 0) *(__global int *)where = x[0]; }\n";
    struct harness_client c;
    cl_int err;
    if (harness_client_open(&c, src) != 0)
        return 2;
    cl_kernel k = clCreateKernel(c.prog, "wild_store", &err);
    cl_mem m = clCreateBuffer(c.ctx, CL_MEM_READ_WRITE, 64, NULL, &err);
    cl_ulong where = 16;
    if (!k || !m || clSetKernelArg(k, 0, sizeof m, &m) != CL_SUCCESS ||
        clSetKernelArg(k, 1, sizeof where, &where) != CL_SUCCESS)
        return 3;
    size_t global = 1;
    clEnqueueNDRangeKernel(c.q, k, 1, NULL, &global, NULL, 0, NULL, NULL);
    return clFinish(c.q) == CL_DEVICE_NOT_AVAILABLE ? 0 : 4;
}

#endif
