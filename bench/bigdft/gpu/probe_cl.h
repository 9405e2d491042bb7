/*
 * probe_cl.h: what floor_probe.c, fused_probe.c and miscompile/miscompile_probe.c share: the error exit, a
 * monotonic clock in microseconds, a median, the first device of the first
 * OpenCL platform whose name contains a given part, and a context and queue on it.
 * Each probe defines PROBE_NAME (its name in messages) before including it.
 */
#ifndef PROBE_CL_H
#define PROBE_CL_H

#include <CL/cl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *what, cl_int code)
{
    fprintf(stderr, PROBE_NAME ": %s failed (%d)\n", what, code);
    exit(1);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n), which it leaves sorted (v[0] and v[n-1] then give the range). */
static double median(double *v, int n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The device, its name into dname; exits naming the part when no platform has it. */
static cl_device_id probe_device(const char *platform_part, char *dname, size_t dname_len)
{
    cl_platform_id plats[16];
    cl_uint np = 0;
    cl_int code = clGetPlatformIDs(16, plats, &np);
    if (code != CL_SUCCESS)
        die("clGetPlatformIDs", code);
    cl_platform_id plat = NULL;
    for (cl_uint p = 0; p < np && p < 16 && !plat; p++) {
        char name[256] = "";
        clGetPlatformInfo(plats[p], CL_PLATFORM_NAME, sizeof name, name, NULL);
        if (strstr(name, platform_part))
            plat = plats[p];
    }
    if (!plat) {
        fprintf(stderr, PROBE_NAME ": no platform named like '%s'\n", platform_part);
        exit(1);
    }
    cl_device_id dev;
    if ((code = clGetDeviceIDs(plat, CL_DEVICE_TYPE_ALL, 1, &dev, NULL)) != CL_SUCCESS)
        die("clGetDeviceIDs", code);
    dname[0] = '\0';
    clGetDeviceInfo(dev, CL_DEVICE_NAME, dname_len, dname, NULL);
    return dev;
}

/* A context of dev alone, and a queue on it with the given properties; both exit on an error. */
static cl_context probe_context(cl_device_id dev)
{
    cl_int code;
    cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &code);
    if (code != CL_SUCCESS)
        die("clCreateContext", code);
    return ctx;
}

static cl_command_queue probe_queue(cl_context ctx, cl_device_id dev, cl_command_queue_properties props)
{
    cl_int code;
    cl_command_queue q = clCreateCommandQueue(ctx, dev, props, &code);
    if (code != CL_SUCCESS)
        die(props & CL_QUEUE_PROFILING_ENABLE ? "clCreateCommandQueue (profiling)" : "clCreateCommandQueue", code);
    return q;
}

#endif
