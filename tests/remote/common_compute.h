/*
 * common_compute.h: a small computation through whichever platform is given,
 * checked against the host, used by the tests that need "a client that works".
 */
#ifndef KILN_TEST_REMOTE_COMMON_COMPUTE_H
#define KILN_TEST_REMOTE_COMMON_COMPUTE_H

#include "harness.h"

#include <CL/cl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs y = a*x + y (seeded by `seed`) `rounds` times; returns 0 when every result is exact. */
static int compute_saxpy(cl_platform_id p, int seed, int rounds)
{
    static const char *src = "__kernel void saxpy(__global const float *x, __global float *y, const float a) {\n"
                             "    size_t i = get_global_id(0); y[i] = a * x[i] + y[i]; }\n";
    enum { n = 1024 };
    cl_int err;
    cl_device_id dev;
    if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &dev, NULL) != CL_SUCCESS)
        return 1;
    cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    cl_command_queue q = ctx ? clCreateCommandQueue(ctx, dev, 0, &err) : NULL;
    cl_program prog = q ? clCreateProgramWithSource(ctx, 1, &src, NULL, &err) : NULL;
    if (!prog || clBuildProgram(prog, 1, &dev, NULL, NULL, NULL) != CL_SUCCESS)
        return 2;
    cl_kernel k = clCreateKernel(prog, "saxpy", &err);
    float x[n], y[n], expect[n], got[n];
    for (int i = 0; i < n; i++) {
        x[i] = (float)((i * 7 + seed) % 97);
        y[i] = expect[i] = (float)((i + seed) % 13);
    }
    cl_mem mx = clCreateBuffer(ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sizeof x, x, &err);
    cl_mem my = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof y, y, &err);
    float a = (float)(seed % 5 + 1);
    int bad = !k || !mx || !my;
    if (!bad) {
        clSetKernelArg(k, 0, sizeof mx, &mx);
        clSetKernelArg(k, 1, sizeof my, &my);
        clSetKernelArg(k, 2, sizeof a, &a);
        size_t global = n;
        for (int r = 0; r < rounds; r++) {
            bad |= clEnqueueNDRangeKernel(q, k, 1, NULL, &global, NULL, 0, NULL, NULL) != CL_SUCCESS;
            for (int i = 0; i < n; i++)
                expect[i] = a * x[i] + expect[i];
        }
        bad |= clEnqueueReadBuffer(q, my, CL_TRUE, 0, sizeof got, got, 0, NULL, NULL) != CL_SUCCESS;
        for (int i = 0; i < n && !bad; i++)
            bad |= got[i] != expect[i];
    }
    clReleaseMemObject(mx);
    clReleaseMemObject(my);
    clReleaseKernel(k);
    clReleaseProgram(prog);
    clReleaseCommandQueue(q);
    clReleaseContext(ctx);
    return bad ? 3 : 0;
}

/* compute_saxpy on the remoted platform in a new process (a new session); its exit status, 0 when exact. */
__attribute__((unused)) static int compute_saxpy_new_client(int seed, int rounds)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(compute_saxpy(harness_platform("kiln-remote"), seed, rounds));
    int status = -1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#endif
