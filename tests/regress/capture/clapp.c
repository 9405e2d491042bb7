/*
 * clapp.c: a small OpenCL application written against the Khronos headers
 * only (no kiln header, no kiln library), for the capture tests: it runs a
 * 3-point blur five times (ping-pong between two buffers), a histogram of
 * the result with atomics, an in-place scale with a scalar argument, and
 * per-work-group sums in a __local scratch argument, then prints a checksum of everything it computed. `--variant 2` builds the
 * program with -DVARIANT2, whose blur reads its own element for the right
 * neighbour: a second version of the application with a regression.
 * usage: clapp [--variant N] [N_ELEMENTS]
 */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *source =
    "__kernel void blur(__global const float *in, __global float *out, int n, float w)\n"
    "{\n"
    "    int i = get_global_id(0);\n"
    "    if (i >= n) return;\n"
    "    float l = in[i > 0 ? i - 1 : i], r = in[i + 1 < n ? i + 1 : i];\n"
    "#ifdef VARIANT2\n"
    "    r = in[i];\n"
    "#endif\n"
    "    out[i] = w * l + (1.0f - 2.0f * w) * in[i] + w * r;\n"
    "}\n"
    "__kernel void histogram(__global const float *v, __global uint *bins, int n)\n"
    "{\n"
    "    int i = get_global_id(0);\n"
    "    if (i < n) {\n"
    "        int b = (int)((v[i] + 1.0f) * 8.0f);\n"
    "        atomic_inc(&bins[clamp(b, 0, 15)]);\n"
    "    }\n"
    "}\n"
    "__kernel void scale(__global float *v, float s)\n"
    "{\n"
    "    size_t i = get_global_id(0);\n"
    "    v[i] = s * v[i] * v[i] - v[i];\n"
    "}\n"
    "__kernel void block_sum(__global const float *v, __global float *sums, __local float *scratch)\n"
    "{\n"
    "    size_t l = get_local_id(0), m = get_local_size(0);\n"
    "    scratch[l] = v[get_global_id(0)];\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    for (size_t step = m / 2; step > 0; step /= 2) {\n"
    "        if (l < step)\n"
    "            scratch[l] += scratch[l + step];\n"
    "        barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    }\n"
    "    if (l == 0)\n"
    "        sums[get_group_id(0)] = scratch[0];\n"
    "}\n";

#define CHECK_CL(call)                                                              \
    do {                                                                            \
        cl_int e_ = (call);                                                         \
        if (e_ != CL_SUCCESS) {                                                     \
            fprintf(stderr, "clapp: %s: OpenCL error %d (line %d)\n", #call, e_, __LINE__); \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

int main(int argc, char **argv)
{
    int variant = 1, n = 4096;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--variant") == 0 && i + 1 < argc)
            variant = atoi(argv[++i]);
        else
            n = atoi(argv[i]);
    }
    if (n < 2 || n % 64) {
        fprintf(stderr, "clapp: N must be a multiple of 64\n");
        return 2;
    }
    cl_platform_id platform;
    cl_device_id device;
    cl_uint count;
    cl_int err;
    CHECK_CL(clGetPlatformIDs(1, &platform, &count));
    CHECK_CL(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL));
    cl_context ctx = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
    CHECK_CL(err);
    cl_command_queue q = clCreateCommandQueue(ctx, device, 0, &err);
    CHECK_CL(err);
    cl_program prog = clCreateProgramWithSource(ctx, 1, &source, NULL, &err);
    CHECK_CL(err);
    if (clBuildProgram(prog, 1, &device, variant == 2 ? "-cl-std=CL1.2 -DVARIANT2" : "-cl-std=CL1.2", NULL, NULL) !=
        CL_SUCCESS) {
        char log[4096] = "";
        clGetProgramBuildInfo(prog, device, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
        fprintf(stderr, "clapp: build failed:\n%s\n", log);
        return 1;
    }
    float *v = malloc((size_t)n * sizeof *v);
    uint32_t bins[16] = {0};
    uint64_t state = 12345;
    for (int i = 0; i < n; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        v[i] = (float)((double)(state >> 11) / 9007199254740992.0 * 2.0 - 1.0);
    }
    size_t bytes = (size_t)n * sizeof *v;
    cl_mem a = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, bytes, v, &err);
    CHECK_CL(err);
    cl_mem b = clCreateBuffer(ctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
    CHECK_CL(err);
    cl_mem hist = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof bins, bins, &err);
    CHECK_CL(err);
    cl_kernel blur = clCreateKernel(prog, "blur", &err);
    CHECK_CL(err);
    cl_kernel histogram = clCreateKernel(prog, "histogram", &err);
    CHECK_CL(err);
    cl_kernel scale = clCreateKernel(prog, "scale", &err);
    CHECK_CL(err);
    cl_kernel block_sum = clCreateKernel(prog, "block_sum", &err);
    CHECK_CL(err);
    size_t ngroups = (size_t)n / 64;
    float *sums = malloc(ngroups * sizeof *sums);
    cl_mem sums_mem = clCreateBuffer(ctx, CL_MEM_READ_WRITE, ngroups * sizeof *sums, NULL, &err);
    CHECK_CL(err);
    float w = 0.25f, s = 0.75f;
    size_t global = (size_t)n, local = 64;
    for (int it = 0; it < 5; it++) {
        cl_mem from = it % 2 ? b : a, to = it % 2 ? a : b;
        CHECK_CL(clSetKernelArg(blur, 0, sizeof from, &from));
        CHECK_CL(clSetKernelArg(blur, 1, sizeof to, &to));
        CHECK_CL(clSetKernelArg(blur, 2, sizeof n, &n));
        CHECK_CL(clSetKernelArg(blur, 3, sizeof w, &w));
        CHECK_CL(clEnqueueNDRangeKernel(q, blur, 1, NULL, &global, &local, 0, NULL, NULL));
    }
    /* five passes: the result is in b */
    CHECK_CL(clSetKernelArg(histogram, 0, sizeof b, &b));
    CHECK_CL(clSetKernelArg(histogram, 1, sizeof hist, &hist));
    CHECK_CL(clSetKernelArg(histogram, 2, sizeof n, &n));
    CHECK_CL(clEnqueueNDRangeKernel(q, histogram, 1, NULL, &global, NULL, 0, NULL, NULL));
    CHECK_CL(clSetKernelArg(scale, 0, sizeof b, &b));
    CHECK_CL(clSetKernelArg(scale, 1, sizeof s, &s));
    CHECK_CL(clEnqueueNDRangeKernel(q, scale, 1, NULL, &global, &local, 0, NULL, NULL));
    CHECK_CL(clSetKernelArg(block_sum, 0, sizeof b, &b));
    CHECK_CL(clSetKernelArg(block_sum, 1, sizeof sums_mem, &sums_mem));
    CHECK_CL(clSetKernelArg(block_sum, 2, local * sizeof(float), NULL));
    CHECK_CL(clEnqueueNDRangeKernel(q, block_sum, 1, NULL, &global, &local, 0, NULL, NULL));
    CHECK_CL(clEnqueueReadBuffer(q, b, CL_TRUE, 0, bytes, v, 0, NULL, NULL));
    CHECK_CL(clEnqueueReadBuffer(q, sums_mem, CL_TRUE, 0, ngroups * sizeof *sums, sums, 0, NULL, NULL));
    CHECK_CL(clEnqueueReadBuffer(q, hist, CL_TRUE, 0, sizeof bins, bins, 0, NULL, NULL));
    uint64_t h = fnv(fnv(fnv(0xcbf29ce484222325ULL, v, bytes), bins, sizeof bins), sums, ngroups * sizeof *sums);
    printf("clapp: n %d variant %d checksum %016llx bins", n, variant, (unsigned long long)h);
    for (int i = 0; i < 16; i++)
        printf(" %u", bins[i]);
    printf("\n");
    clReleaseKernel(blur);
    clReleaseKernel(histogram);
    clReleaseKernel(scale);
    clReleaseKernel(block_sum);
    clReleaseMemObject(sums_mem);
    free(sums);
    clReleaseMemObject(a);
    clReleaseMemObject(b);
    clReleaseMemObject(hist);
    clReleaseProgram(prog);
    clReleaseCommandQueue(q);
    clReleaseContext(ctx);
    free(v);
    return 0;
}
