/*
 * floor_probe.c: is the ~7.5 us a small kernel takes on NVIDIA's OpenCL (the
 * "launch floor" of the BigDFT 64^3 passes, tiles/floor.log) the kernel's own
 * time or what the profiling adds? A f32 triad z = x + a*y of N floats, three
 * ways, alternately in each round:
 *   profiled  median of CL_PROFILING_COMMAND_END - START, one kernel at a time
 *             on a profiling queue (what kiln's timings report);
 *   stream    wall clock of LAUNCHES kernels enqueued back to back on a queue
 *             without profiling and one clFinish, divided by LAUNCHES (what an
 *             application applying an operator many times sees);
 *   finish    wall clock of one enqueue + clFinish on that queue (the round
 *             trip of a single launch).
 * Also, on the profiling queue, LAUNCHES back to back: the median of
 * START(k+1) - END(k) (the gap the device leaves between dependent kernels)
 * and of END - START inside such a stream.
 *
 * usage: floor_probe PLATFORM_SUBSTRING ROUNDS LAUNCHES N [N ...]
 * build: gcc -O2 -std=c11 floor_probe.c -lOpenCL -o floor_probe
 */
#define _POSIX_C_SOURCE 200809L
#define CL_TARGET_OPENCL_VERSION 120
#define PROBE_NAME "floor_probe"
#include "probe_cl.h"

static const char *src =
    "__kernel void triad(__global float *z, __global const float *x,\n"
    "                    __global const float *y, const float a, const int n)\n"
    "{ int i = get_global_id(0); if (i < n) z[i] = x[i] + a * y[i]; }\n";

static double ev_us(cl_event ev, cl_profiling_info what)
{
    cl_ulong t = 0;
    cl_int code = clGetEventProfilingInfo(ev, what, sizeof t, &t, NULL);
    if (code != CL_SUCCESS)
        die("clGetEventProfilingInfo", code);
    return t / 1e3;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: floor_probe PLATFORM_SUBSTRING ROUNDS LAUNCHES N [N ...]\n");
        return 2;
    }
    int rounds = atoi(argv[2]), launches = atoi(argv[3]);
    if (rounds < 1 || launches < 2) {
        fprintf(stderr, "floor_probe: ROUNDS >= 1 and LAUNCHES >= 2\n");
        return 2;
    }
    char dname[256];
    cl_device_id dev = probe_device(argv[1], dname, sizeof dname);
    cl_int code;
    cl_context ctx = probe_context(dev);
    cl_command_queue prof = probe_queue(ctx, dev, CL_QUEUE_PROFILING_ENABLE), plain = probe_queue(ctx, dev, 0);
    cl_program prog = clCreateProgramWithSource(ctx, 1, &src, NULL, &code);
    if (code != CL_SUCCESS || (code = clBuildProgram(prog, 1, &dev, "", NULL, NULL)) != CL_SUCCESS)
        die("building the triad", code);
    cl_kernel k = clCreateKernel(prog, "triad", &code);
    if (code != CL_SUCCESS)
        die("clCreateKernel", code);
    printf("device: %s; rounds %d, %d launches per stream; times in us, median (min..max over rounds)\n",
           dname, rounds, launches);
    printf("%10s %10s  %-22s %-22s %-22s %-22s %-22s\n", "floats", "bytes", "profiled", "stream/launch",
           "finish", "stream END-START", "stream gap");

    double *prof_us = malloc(sizeof(double) * rounds), *stream_us = malloc(sizeof(double) * rounds),
           *fin_us = malloc(sizeof(double) * rounds), *in_us = malloc(sizeof(double) * rounds),
           *gap_us = malloc(sizeof(double) * rounds), *tmp = malloc(sizeof(double) * launches);
    cl_event *evs = malloc(sizeof(cl_event) * launches);
    for (int a = 4; a < argc; a++) {
        int n = atoi(argv[a]);
        size_t bytes = sizeof(float) * (size_t)n;
        cl_mem z = clCreateBuffer(ctx, CL_MEM_READ_WRITE, bytes, NULL, &code);
        cl_mem x = clCreateBuffer(ctx, CL_MEM_READ_WRITE, bytes, NULL, &code);
        cl_mem y = clCreateBuffer(ctx, CL_MEM_READ_WRITE, bytes, NULL, &code);
        if (code != CL_SUCCESS)
            die("clCreateBuffer", code);
        float zero = 0.0f, av = 0.5f;
        clEnqueueFillBuffer(plain, x, &zero, sizeof zero, 0, bytes, 0, NULL, NULL);
        clEnqueueFillBuffer(plain, y, &zero, sizeof zero, 0, bytes, 0, NULL, NULL);
        clFinish(plain);
        clSetKernelArg(k, 0, sizeof z, &z);
        clSetKernelArg(k, 1, sizeof x, &x);
        clSetKernelArg(k, 2, sizeof y, &y);
        clSetKernelArg(k, 3, sizeof av, &av);
        clSetKernelArg(k, 4, sizeof n, &n);
        size_t local = 256, global = ((size_t)n + local - 1) / local * local;
        for (int w = 0; w < 20; w++) /* warm both queues */
            clEnqueueNDRangeKernel(w % 2 ? prof : plain, k, 1, NULL, &global, &local, 0, NULL, NULL);
        clFinish(prof);
        clFinish(plain);
        for (int r = 0; r < rounds; r++) {
            cl_event ev;
            if ((code = clEnqueueNDRangeKernel(prof, k, 1, NULL, &global, &local, 0, NULL, &ev)) != CL_SUCCESS)
                die("clEnqueueNDRangeKernel", code);
            clWaitForEvents(1, &ev);
            prof_us[r] = ev_us(ev, CL_PROFILING_COMMAND_END) - ev_us(ev, CL_PROFILING_COMMAND_START);
            clReleaseEvent(ev);

            double t0 = now_us();
            for (int i = 0; i < launches; i++)
                clEnqueueNDRangeKernel(plain, k, 1, NULL, &global, &local, 0, NULL, NULL);
            clFinish(plain);
            stream_us[r] = (now_us() - t0) / launches;

            t0 = now_us();
            clEnqueueNDRangeKernel(plain, k, 1, NULL, &global, &local, 0, NULL, NULL);
            clFinish(plain);
            fin_us[r] = now_us() - t0;

            for (int i = 0; i < launches; i++)
                clEnqueueNDRangeKernel(prof, k, 1, NULL, &global, &local, 0, NULL, &evs[i]);
            clFinish(prof);
            for (int i = 0; i < launches; i++)
                tmp[i] = ev_us(evs[i], CL_PROFILING_COMMAND_END) - ev_us(evs[i], CL_PROFILING_COMMAND_START);
            in_us[r] = median(tmp, launches);
            for (int i = 0; i + 1 < launches; i++)
                tmp[i] = ev_us(evs[i + 1], CL_PROFILING_COMMAND_START) - ev_us(evs[i], CL_PROFILING_COMMAND_END);
            gap_us[r] = median(tmp, launches - 1);
            for (int i = 0; i < launches; i++)
                clReleaseEvent(evs[i]);
        }
        double *cols[5] = {prof_us, stream_us, fin_us, in_us, gap_us};
        printf("%10d %10zu ", n, 3 * bytes);
        for (int c = 0; c < 5; c++) {
            double med = median(cols[c], rounds);
            char cell[64];
            snprintf(cell, sizeof cell, "%.2f (%.2f..%.2f)", med, cols[c][0], cols[c][rounds - 1]);
            printf(" %-22s", cell);
        }
        printf("\n");
        clReleaseMemObject(z);
        clReleaseMemObject(x);
        clReleaseMemObject(y);
    }
    return 0;
}
