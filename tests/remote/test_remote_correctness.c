/*
 * test_remote_correctness.c: an ordinary OpenCL 1.2 program run twice in one
 * process, on native PoCL and through the remoting ICD, must give the same
 * bits. Along the way it checks the rest of the 1.2 surface a program uses:
 * device info, build failure and log, binaries round trip, kernel info,
 * copy/fill/map, events with profiling, user events, callbacks, markers, and
 * a clean error for what is not supported. With --copy-mode the daemon keeps
 * device memory apart from the shared memory (as a discrete GPU would).
 */
#include "check.h"
#include "harness.h"

#include <math.h>
#include <stdint.h>

static const char *k_source =
    "__kernel void blend(__global const float *a, __global const float *b, __global float *out,\n"
    "                  __global uint *hash, const float scale, const uint n, __local float *tile) {\n"
    "    size_t i = get_global_id(0);\n"
    "    size_t l = get_local_id(0);\n"
    "    tile[l] = a[i];\n"
    "    barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    float x = tile[(l + 1) % get_local_size(0)];\n"
    "    if (i < n) {\n"
    "        out[i] = fma(sin(x) * scale, b[i], sqrt(fabs(a[i])) / (1.0f + b[i] * b[i]));\n"
    "        uint h = (uint)i * 2654435761u;\n"
    "        h ^= as_uint(out[i]);\n"
    "        hash[i] = h * 0x9e3779b9u;\n"
    "    }\n"
    "}\n"
    "__kernel void twice(__global float *v) { v[get_global_id(0)] *= 2.0f; }\n";

#define N 4096
#define WG 64

struct run_result {
    float out[N];
    cl_uint hash[N];
    float copied[N];
    float mapped_sum;
    cl_int errors;
};

static int g_callback_status = 1;
static void CL_CALLBACK on_complete(cl_event e, cl_int status, void *user)
{
    (void)e;
    *(int *)user = status;
}

/* Runs the whole program on platform p; fills r; checks the remote-only behaviour when remote. */
static void run_program(cl_platform_id p, int remote, struct run_result *r)
{
    cl_int err;
    cl_device_id dev;
    CHECK(clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &dev, NULL) == CL_SUCCESS);
    char name[256] = {0};
    CHECK(clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof name, name, NULL) == CL_SUCCESS);
    CHECK(name[0] != 0);
    cl_uint units = 0;
    CHECK(clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL) == CL_SUCCESS && units > 0);
    cl_platform_id dev_platform = NULL;
    CHECK(clGetDeviceInfo(dev, CL_DEVICE_PLATFORM, sizeof dev_platform, &dev_platform, NULL) == CL_SUCCESS);
    CHECK(dev_platform == p);

    cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    CHECK(ctx && err == CL_SUCCESS);
    cl_command_queue q = clCreateCommandQueue(ctx, dev, CL_QUEUE_PROFILING_ENABLE, &err);
    CHECK(q && err == CL_SUCCESS);

    /* A program that does not compile: the error and the log come back. */
    const char *bad = "__kernel void broken(__global float *x) { x[0] = undeclared_thing; }";
    cl_program bp = clCreateProgramWithSource(ctx, 1, &bad, NULL, &err);
    CHECK(bp && err == CL_SUCCESS);
    CHECK(clBuildProgram(bp, 1, &dev, "", NULL, NULL) == CL_BUILD_PROGRAM_FAILURE);
    char log[8192] = {0};
    CHECK(clGetProgramBuildInfo(bp, dev, CL_PROGRAM_BUILD_LOG, sizeof log, log, NULL) == CL_SUCCESS);
    CHECK_STR_CONTAINS(log, "undeclared_thing");
    clReleaseProgram(bp);

    cl_program prog = clCreateProgramWithSource(ctx, 1, &k_source, NULL, &err);
    CHECK(prog && err == CL_SUCCESS);
    CHECK(clBuildProgram(prog, 1, &dev, "-cl-std=CL1.2 -cl-kernel-arg-info", NULL, NULL) == CL_SUCCESS);
    cl_build_status bs = CL_BUILD_NONE;
    CHECK(clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_STATUS, sizeof bs, &bs, NULL) == CL_SUCCESS);
    CHECK(bs == CL_BUILD_SUCCESS);

    /* Binaries: sizes, contents, and a program rebuilt from them. */
    size_t bin_size = 0;
    CHECK(clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof bin_size, &bin_size, NULL) == CL_SUCCESS);
    CHECK(bin_size > 0);
    unsigned char *bin = malloc(bin_size ? bin_size : 1);
    CHECK(clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) == CL_SUCCESS);
    cl_int bin_status = -1;
    cl_program prog2 = clCreateProgramWithBinary(ctx, 1, &dev, &bin_size, (const unsigned char **)&bin, &bin_status, &err);
    CHECK(prog2 && err == CL_SUCCESS && bin_status == CL_SUCCESS);
    CHECK(clBuildProgram(prog2, 1, &dev, NULL, NULL, NULL) == CL_SUCCESS);
    free(bin);

    /* The kernel comes from the program rebuilt from binaries. */
    cl_kernel k = clCreateKernel(prog2, "blend", &err);
    CHECK_MSG(k && err == CL_SUCCESS, "clCreateKernel: %d", err);
    cl_kernel missing = clCreateKernel(prog, "no_such_kernel", &err);
    CHECK(!missing && err == CL_INVALID_KERNEL_NAME);
    cl_kernel all[4];
    cl_uint nk = 0;
    CHECK(clCreateKernelsInProgram(prog, 4, all, &nk) == CL_SUCCESS && nk == 2);
    for (cl_uint i = 0; i < nk && i < 4; i++)
        clReleaseKernel(all[i]);
    cl_uint nargs = 0;
    CHECK(clGetKernelInfo(k, CL_KERNEL_NUM_ARGS, sizeof nargs, &nargs, NULL) == CL_SUCCESS && nargs == 7);
    char kname[64] = {0};
    CHECK(clGetKernelInfo(k, CL_KERNEL_FUNCTION_NAME, sizeof kname, kname, NULL) == CL_SUCCESS);
    CHECK(strcmp(kname, "blend") == 0);
    size_t kwg = 0;
    CHECK(clGetKernelWorkGroupInfo(k, dev, CL_KERNEL_WORK_GROUP_SIZE, sizeof kwg, &kwg, NULL) == CL_SUCCESS && kwg >= WG);
    cl_kernel_arg_address_qualifier aq = 0;
    /* Argument info is promised for source builds; binaries may lack it. */
    cl_kernel ksrc = clCreateKernel(prog, "blend", &err);
    err = clGetKernelArgInfo(ksrc, 6, CL_KERNEL_ARG_ADDRESS_QUALIFIER, sizeof aq, &aq, NULL);
    CHECK_MSG(err == CL_SUCCESS, "clGetKernelArgInfo: %d", err);
    clReleaseKernel(ksrc);
    CHECK(aq == CL_KERNEL_ARG_ADDRESS_LOCAL);

    float *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    for (int i = 0; i < N; i++) {
        a[i] = (float)sin(i * 0.37) * 100.0f - 3.0f;
        b[i] = (float)cos(i * 1.91) * 0.5f + (float)(i % 7);
    }
    cl_mem ma = clCreateBuffer(ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, N * sizeof(float), a, &err);
    CHECK(ma && err == CL_SUCCESS);
    cl_mem mb = clCreateBuffer(ctx, CL_MEM_READ_ONLY, N * sizeof(float), NULL, &err);
    cl_mem mo = clCreateBuffer(ctx, CL_MEM_READ_WRITE, N * sizeof(float), NULL, &err);
    cl_mem mh = clCreateBuffer(ctx, CL_MEM_WRITE_ONLY, N * sizeof(cl_uint), NULL, &err);
    cl_mem mc = clCreateBuffer(ctx, CL_MEM_READ_WRITE, N * sizeof(float), NULL, &err);
    CHECK(mb && mo && mh && mc);
    CHECK(clEnqueueWriteBuffer(q, mb, CL_TRUE, 0, N * sizeof(float), b, 0, NULL, NULL) == CL_SUCCESS);
    size_t mem_size = 0;
    CHECK(clGetMemObjectInfo(mb, CL_MEM_SIZE, sizeof mem_size, &mem_size, NULL) == CL_SUCCESS && mem_size == N * sizeof(float));
    float zero = 0.0f;
    CHECK(clEnqueueFillBuffer(q, mo, &zero, sizeof zero, 0, N * sizeof(float), 0, NULL, NULL) == CL_SUCCESS);
    CHECK(clEnqueueFillBuffer(q, mh, &zero, sizeof zero, 0, N * sizeof(cl_uint), 0, NULL, NULL) == CL_SUCCESS);

    float scale = 1.75f;
    cl_uint n = N - 5; /* the last items stay as the fill left them */
    CHECK(clSetKernelArg(k, 0, sizeof ma, &ma) == CL_SUCCESS);
    CHECK(clSetKernelArg(k, 1, sizeof mb, &mb) == CL_SUCCESS);
    CHECK(clSetKernelArg(k, 2, sizeof mo, &mo) == CL_SUCCESS);
    CHECK(clSetKernelArg(k, 3, sizeof mh, &mh) == CL_SUCCESS);
    CHECK(clSetKernelArg(k, 4, sizeof scale, &scale) == CL_SUCCESS);
    CHECK(clSetKernelArg(k, 5, sizeof n, &n) == CL_SUCCESS);
    CHECK(clSetKernelArg(k, 6, WG * sizeof(float), NULL) == CL_SUCCESS);
    CHECK(clSetKernelArg(k, 7, sizeof n, &n) == CL_INVALID_ARG_INDEX);

    /* A user event gates the kernel: nothing may run before it is set. */
    cl_event gate = clCreateUserEvent(ctx, &err);
    CHECK(gate && err == CL_SUCCESS);
    size_t global = N, local = WG;
    cl_event kev = NULL;
    CHECK(clEnqueueNDRangeKernel(q, k, 1, NULL, &global, &local, 1, &gate, &kev) == CL_SUCCESS);
    CHECK(clSetEventCallback(kev, CL_COMPLETE, on_complete, &g_callback_status) == CL_SUCCESS);
    CHECK(clFlush(q) == CL_SUCCESS);
    cl_int st = CL_COMPLETE;
    CHECK(clGetEventInfo(kev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof st, &st, NULL) == CL_SUCCESS);
    CHECK_MSG(st > CL_COMPLETE, "kernel ran before its user event was set (status %d)", st);
    CHECK(clSetUserEventStatus(gate, CL_COMPLETE) == CL_SUCCESS);
    CHECK(clWaitForEvents(1, &kev) == CL_SUCCESS);
    CHECK(clGetEventInfo(kev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof st, &st, NULL) == CL_SUCCESS && st == CL_COMPLETE);
    CHECK(g_callback_status == CL_COMPLETE);
    g_callback_status = 1;
    cl_ulong t_start = 0, t_end = 0, t_queued = 0;
    CHECK(clGetEventProfilingInfo(kev, CL_PROFILING_COMMAND_QUEUED, sizeof t_queued, &t_queued, NULL) == CL_SUCCESS);
    CHECK(clGetEventProfilingInfo(kev, CL_PROFILING_COMMAND_START, sizeof t_start, &t_start, NULL) == CL_SUCCESS);
    CHECK(clGetEventProfilingInfo(kev, CL_PROFILING_COMMAND_END, sizeof t_end, &t_end, NULL) == CL_SUCCESS);
    CHECK(t_start > 0 && t_end >= t_start && t_start >= t_queued);
    cl_command_type ct = 0;
    CHECK(clGetEventInfo(kev, CL_EVENT_COMMAND_TYPE, sizeof ct, &ct, NULL) == CL_SUCCESS && ct == CL_COMMAND_NDRANGE_KERNEL);

    /* Copy, then a second kernel on the copy, ordered by an event and a marker. */
    cl_event cev = NULL, mev = NULL;
    CHECK(clEnqueueCopyBuffer(q, mo, mc, 0, 0, N * sizeof(float), 0, NULL, &cev) == CL_SUCCESS);
    cl_kernel k2 = clCreateKernel(prog, "twice", &err);
    CHECK(k2 && clSetKernelArg(k2, 0, sizeof mc, &mc) == CL_SUCCESS);
    CHECK(clEnqueueNDRangeKernel(q, k2, 1, NULL, &global, NULL, 1, &cev, NULL) == CL_SUCCESS);
    CHECK(clEnqueueMarkerWithWaitList(q, 0, NULL, &mev) == CL_SUCCESS);
    CHECK(clWaitForEvents(1, &mev) == CL_SUCCESS);

    CHECK(clEnqueueReadBuffer(q, mo, CL_TRUE, 0, N * sizeof(float), r->out, 0, NULL, NULL) == CL_SUCCESS);
    CHECK(clEnqueueReadBuffer(q, mh, CL_FALSE, 0, N * sizeof(cl_uint), r->hash, 0, NULL, NULL) == CL_SUCCESS);
    CHECK(clEnqueueReadBuffer(q, mc, CL_TRUE, 0, N * sizeof(float), r->copied, 0, NULL, NULL) == CL_SUCCESS);
    CHECK(clFinish(q) == CL_SUCCESS);

    /* Map for writing, change, unmap, read back through a map for reading. */
    float *mp = clEnqueueMapBuffer(q, mc, CL_TRUE, CL_MAP_WRITE, 0, 16 * sizeof(float), 0, NULL, NULL, &err);
    CHECK(mp && err == CL_SUCCESS);
    if (mp) {
        for (int i = 0; i < 16; i++)
            mp[i] = (float)i;
        CHECK(clEnqueueUnmapMemObject(q, mc, mp, 0, NULL, NULL) == CL_SUCCESS);
    }
    CHECK(clEnqueueNDRangeKernel(q, k2, 1, NULL, &global, NULL, 0, NULL, NULL) == CL_SUCCESS);
    float *rp = clEnqueueMapBuffer(q, mc, CL_TRUE, CL_MAP_READ, 0, 16 * sizeof(float), 0, NULL, NULL, &err);
    CHECK(rp && err == CL_SUCCESS);
    r->mapped_sum = 0;
    if (rp) {
        for (int i = 0; i < 16; i++)
            r->mapped_sum += rp[i];
        CHECK(clEnqueueUnmapMemObject(q, mc, rp, 0, NULL, NULL) == CL_SUCCESS);
    }
    CHECK(r->mapped_sum == 240.0f); /* 2 * (0 + ... + 15) */

    /* Errors the program must see as errors. */
    CHECK(clEnqueueReadBuffer(q, mo, CL_TRUE, 8, N * sizeof(float), r->out + 1, 0, NULL, NULL) == CL_INVALID_VALUE);
    size_t bad_local = 48;
    CHECK(clEnqueueNDRangeKernel(q, k, 1, NULL, &global, &bad_local, 0, NULL, NULL) == CL_INVALID_WORK_GROUP_SIZE);
    if (remote) {
        cl_image_format fmt = {CL_RGBA, CL_FLOAT};
        cl_image_desc desc = {0};
        desc.image_type = CL_MEM_OBJECT_IMAGE2D;
        desc.image_width = desc.image_height = 4;
        cl_mem img = clCreateImage(ctx, CL_MEM_READ_WRITE, &fmt, &desc, NULL, &err);
        CHECK(!img && err == CL_INVALID_OPERATION); /* sub-buffers work: test_remote_rect */
    }
    CHECK(clFinish(q) == CL_SUCCESS);

    clReleaseEvent(gate);
    clReleaseEvent(kev);
    clReleaseEvent(cev);
    clReleaseEvent(mev);
    clReleaseKernel(k);
    clReleaseKernel(k2);
    clReleaseProgram(prog);
    clReleaseProgram(prog2);
    clReleaseMemObject(ma);
    clReleaseMemObject(mb);
    clReleaseMemObject(mo);
    clReleaseMemObject(mh);
    clReleaseMemObject(mc);
    CHECK(clReleaseCommandQueue(q) == CL_SUCCESS);
    CHECK(clReleaseContext(ctx) == CL_SUCCESS);
    free(a);
    free(b);
}

int main(int argc, char **argv)
{
    int copy_mode = argc > 1 && strcmp(argv[1], "--copy-mode") == 0;
    struct harness h;
    if (harness_init(&h, 1) != 0)
        SKIP_NO_DEVICE("no PoCL vendors entry in /etc/OpenCL/vendors: no native device to compare with");
    CHECK_MSG(harness_start_daemon(&h, copy_mode ? "--copy-mode" : NULL, NULL) == 0, "kiln-remoted did not start");
    alarm(50);

    cl_platform_id native = harness_platform("Portable Computing Language");
    cl_platform_id remote = harness_platform("kiln-remote");
    if (!native) {
        harness_stop(&h);
        SKIP_NO_DEVICE("PoCL platform not found through the ICD loader");
    }
    CHECK(remote != NULL);
    char version[256] = {0};
    CHECK(remote && clGetPlatformInfo(remote, CL_PLATFORM_VERSION, sizeof version, version, NULL) == CL_SUCCESS);
    CHECK_STR_CONTAINS(version, "OpenCL 1.2");

    static struct run_result rn, rr;
    run_program(native, 0, &rn);
    if (remote)
        run_program(remote, 1, &rr);
    CHECK_MSG(memcmp(rn.out, rr.out, sizeof rn.out) == 0, "kernel output differs between native and remoted");
    CHECK_MSG(memcmp(rn.hash, rr.hash, sizeof rn.hash) == 0, "hash output differs between native and remoted");
    CHECK_MSG(memcmp(rn.copied, rr.copied, sizeof rn.copied) == 0, "copied+doubled output differs");
    CHECK(rn.out[N - 1] == 0.0f && rn.out[10] != 0.0f);
    CHECK(rr.copied[10] == 2.0f * rr.out[10]);

    CHECK(harness_daemon_alive(&h));
    harness_stop(&h);
    CHECK_DONE();
}
