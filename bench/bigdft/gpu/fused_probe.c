/*
 * fused_probe.c: can one launch do the three passes of a periodic 3-D
 * magic-filter-shaped operator (16 taps, -8..7) at n^3 in double precision
 * faster than three launches? NVIDIA's OpenCL costs ~7 us a launch
 * (floor_probe.log), which bounds a 64^3 operator of three launches.
 *
 * The same pass, y(j, i) = sum_l f_l x((i + l - 8) mod n, j) with x (n, ndat)
 * and y (ndat, n), ndat = n^2, run two ways, alternately in each round:
 *   three  three launches of a pass kernel (one line per work-item, the line
 *          copied to local memory, the taps unrolled);
 *   fused  one launch of a kernel that runs the three passes with a barrier
 *          across the whole grid between them (a global counter every
 *          work-group increments and waits on; the grid is sized so that all
 *          work-groups are resident, which OpenCL does not promise: a probe,
 *          not a kernel for kiln). Each pass reads a buffer no work-group has
 *          read before in that launch, so no stale cached line is read.
 * Each way: wall clock of LAUNCHES operators enqueued back to back without
 * profiling and one clFinish, per operator. Both results are checked against
 * a double-precision host loop first.
 *
 * usage: fused_probe PLATFORM_SUBSTRING N WG GROUPS ROUNDS LAUNCHES
 * build: gcc -O2 -std=c11 fused_probe.c -lOpenCL -lm -o fused_probe
 */
#define _POSIX_C_SOURCE 200809L
#define CL_TARGET_OPENCL_VERSION 120
#define PROBE_NAME "fused_probe"
#include "probe_cl.h"
#include <math.h>

static const char *src =
    "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n"
    "#define TAP(l) acc += f[l] * line[(i + (l) + NN - 8) % NN];\n"
    "static void pass(__global const double *x, __global double *y, __constant double *f,\n"
    "                 __local double *lines, int first, int step)\n"
    "{\n"
    "    const int ndat = NN * NN, lid = get_local_id(0), wg = get_local_size(0);\n"
    "    __local double *line = lines + lid * NN;\n"
    "    for (int base = first; base < ndat; base += step) {\n"
    "        /* the work-group's wg lines, read row by row: consecutive work-items\n"
    "           read consecutive points of one line */\n"
    "        for (int k = lid; k < wg * NN; k += wg) {\n"
    "            int l = k / NN, i = k % NN;\n"
    "            if (base + l < ndat) lines[l * NN + i] = x[(size_t)(base + l) * NN + i];\n"
    "        }\n"
    "        barrier(CLK_LOCAL_MEM_FENCE);\n"
    "        int j = base + lid;\n"
    "        if (j < ndat)\n"
    "            for (int i = 0; i < NN; i++) {\n"
    "                double acc = 0.0;\n"
    "                TAP(0) TAP(1) TAP(2) TAP(3) TAP(4) TAP(5) TAP(6) TAP(7)\n"
    "                TAP(8) TAP(9) TAP(10) TAP(11) TAP(12) TAP(13) TAP(14) TAP(15)\n"
    "                y[j + (size_t)ndat * i] = acc;\n"
    "            }\n"
    "        barrier(CLK_LOCAL_MEM_FENCE);\n"
    "    }\n"
    "}\n"
    "__kernel void one_pass(__global const double *x, __global double *y, __constant double *f,\n"
    "                       __local double *lines)\n"
    "{\n"
    "    pass(x, y, f, lines, get_group_id(0) * get_local_size(0), get_global_size(0));\n"
    "}\n"
    "static void grid_wait(volatile __global int *count, int target)\n"
    "{\n"
    "    barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE);\n"
    "    if (get_local_id(0) == 0) {\n"
    "        mem_fence(CLK_GLOBAL_MEM_FENCE);\n"
    "        atomic_inc(count);\n"
    "        while (atomic_add(count, 0) < target) {}\n"
    "    }\n"
    "    barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE);\n"
    "}\n"
    "__kernel void fused(__global const double *x, __global double *t1, __global double *t2,\n"
    "                    __global double *y, __constant double *f, __local double *lines,\n"
    "                    volatile __global int *count, int base)\n"
    "{\n"
    "    int first = get_group_id(0) * get_local_size(0), step = get_global_size(0);\n"
    "    int groups = get_num_groups(0);\n"
    "    pass(x, t1, f, lines, first, step);\n"
    "    grid_wait(count, base + groups);\n"
    "    pass(t1, t2, f, lines, first, step);\n"
    "    grid_wait(count, base + 2 * groups);\n"
    "    pass(t2, y, f, lines, first, step);\n"
    "}\n";

static void host_pass(const double *x, double *y, const double *f, int n)
{
    int ndat = n * n;
    for (int j = 0; j < ndat; j++)
        for (int i = 0; i < n; i++) {
            double acc = 0.0;
            for (int l = 0; l < 16; l++)
                acc += f[l] * x[(size_t)j * n + (i + l + n - 8) % n];
            y[j + (size_t)ndat * i] = acc;
        }
}

/* One 3-D operator on the queue: way 0 three launches of one_pass (x -> t1 ->
 * t2 -> y; the kernel's arguments are reset between enqueues, which capture
 * them), way 1 one launch of fused, whose counter target moves past the
 * previous launch's. */
struct operator_args {
    cl_command_queue q;
    cl_kernel one_pass, fused;
    cl_mem ins[3], outs[3];
    size_t global, local;
    int base, groups;
};

static void enqueue_operator(struct operator_args *op, int way)
{
    cl_int code;
    if (way == 0) {
        for (int p = 0; p < 3; p++) {
            clSetKernelArg(op->one_pass, 0, sizeof(cl_mem), &op->ins[p]);
            clSetKernelArg(op->one_pass, 1, sizeof(cl_mem), &op->outs[p]);
            code = clEnqueueNDRangeKernel(op->q, op->one_pass, 1, NULL, &op->global, &op->local, 0, NULL, NULL);
            if (code != CL_SUCCESS)
                die("enqueue one_pass", code);
        }
        return;
    }
    clSetKernelArg(op->fused, 7, sizeof op->base, &op->base);
    code = clEnqueueNDRangeKernel(op->q, op->fused, 1, NULL, &op->global, &op->local, 0, NULL, NULL);
    if (code != CL_SUCCESS)
        die("enqueue fused", code);
    op->base += 2 * op->groups;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: fused_probe PLATFORM_SUBSTRING N WG GROUPS ROUNDS LAUNCHES\n");
        return 2;
    }
    int n = atoi(argv[2]), wg = atoi(argv[3]), groups = atoi(argv[4]);
    int rounds = atoi(argv[5]), launches = atoi(argv[6]);
    if (n < 16 || wg < 1 || groups < 1 || rounds < 1 || launches < 1) {
        fprintf(stderr, "fused_probe: N >= 16, the rest >= 1\n");
        return 2;
    }
    char dname[256];
    cl_device_id dev = probe_device(argv[1], dname, sizeof dname);
    cl_int code;
    cl_uint units = 0;
    clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL);
    cl_context ctx = probe_context(dev);
    cl_command_queue q = probe_queue(ctx, dev, 0);
    char opts[64];
    snprintf(opts, sizeof opts, "-DNN=%d", n);
    cl_program prog = clCreateProgramWithSource(ctx, 1, &src, NULL, &code);
    if (code != CL_SUCCESS)
        die("clCreateProgramWithSource", code);
    if ((code = clBuildProgram(prog, 1, &dev, opts, NULL, NULL)) != CL_SUCCESS) {
        char log[8192] = "";
        clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, sizeof log, log, NULL);
        fprintf(stderr, "%s\n", log);
        die("clBuildProgram", code);
    }
    cl_kernel k1 = clCreateKernel(prog, "one_pass", &code);
    cl_kernel kf = clCreateKernel(prog, "fused", &code);
    if (code != CL_SUCCESS)
        die("clCreateKernel", code);

    size_t pts = (size_t)n * n * n, bytes = pts * sizeof(double);
    double f[16], *hx = malloc(bytes), *h1 = malloc(bytes), *h2 = malloc(bytes), *href = malloc(bytes),
           *hy = malloc(bytes);
    srand(7);
    for (int l = 0; l < 16; l++)
        f[l] = (rand() / (double)RAND_MAX - 0.5) / 8.0;
    for (size_t p = 0; p < pts; p++)
        hx[p] = rand() / (double)RAND_MAX - 0.5;
    host_pass(hx, h1, f, n);
    host_pass(h1, h2, f, n);
    host_pass(h2, href, f, n);

    cl_mem x = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, bytes, hx, &code);
    cl_mem t1 = clCreateBuffer(ctx, CL_MEM_READ_WRITE, bytes, NULL, &code);
    cl_mem t2 = clCreateBuffer(ctx, CL_MEM_READ_WRITE, bytes, NULL, &code);
    cl_mem y = clCreateBuffer(ctx, CL_MEM_READ_WRITE, bytes, NULL, &code);
    cl_mem fb = clCreateBuffer(ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sizeof f, f, &code);
    int zero = 0;
    cl_mem cnt = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof zero, &zero, &code);
    if (code != CL_SUCCESS)
        die("clCreateBuffer", code);
    size_t local = (size_t)wg, global = (size_t)wg * groups, lbytes = sizeof(double) * n * wg;
    clSetKernelArg(k1, 2, sizeof fb, &fb);
    clSetKernelArg(k1, 3, lbytes, NULL);
    clSetKernelArg(kf, 0, sizeof x, &x);
    clSetKernelArg(kf, 1, sizeof t1, &t1);
    clSetKernelArg(kf, 2, sizeof t2, &t2);
    clSetKernelArg(kf, 3, sizeof y, &y);
    clSetKernelArg(kf, 4, sizeof fb, &fb);
    clSetKernelArg(kf, 5, lbytes, NULL);
    clSetKernelArg(kf, 6, sizeof cnt, &cnt);

    struct operator_args op = {q, k1, kf, {x, t1, t2}, {t1, t2, y}, global, local, 0, groups};

    const char *names[2] = {"three", "fused"};
    for (int way = 0; way < 2; way++) {
        double zerod = 0.0;
        clEnqueueFillBuffer(q, y, &zerod, sizeof zerod, 0, bytes, 0, NULL, NULL);
        enqueue_operator(&op, way);
        if ((code = clEnqueueReadBuffer(q, y, CL_TRUE, 0, bytes, hy, 0, NULL, NULL)) != CL_SUCCESS)
            die("read back", code);
        double err = 0.0, mag = 0.0;
        for (size_t p = 0; p < pts; p++) {
            err = fmax(err, fabs(hy[p] - href[p]));
            mag = fmax(mag, fabs(href[p]));
        }
        printf("%s: max |error| %.3g of max |y| %.3g\n", names[way], err, mag);
        if (!(err <= 1e-12 * mag)) {
            fprintf(stderr, "fused_probe: %s is wrong\n", names[way]);
            return 1;
        }
    }
    double *t[2] = {malloc(sizeof(double) * rounds), malloc(sizeof(double) * rounds)};
    for (int w = 0; w < 10; w++) {
        enqueue_operator(&op, 0);
        enqueue_operator(&op, 1);
    }
    clFinish(q);
    for (int r = 0; r < rounds; r++)
        for (int way = 0; way < 2; way++) {
            double t0 = now_us();
            for (int i = 0; i < launches; i++)
                enqueue_operator(&op, way);
            clFinish(q);
            t[way][r] = (now_us() - t0) / launches;
        }
    double flops = 3.0 * 32.0 * (double)pts;
    printf("device: %s (%u compute units); n=%d wg=%d groups=%d; %d rounds of %d operators back to back\n",
           dname, units, n, wg, groups, rounds, launches);
    for (int way = 0; way < 2; way++) {
        double med = median(t[way], rounds);
        printf("%s: %.2f us per 3-D operator (%.2f..%.2f), %.1f GFLOP/s\n", names[way], med, t[way][0],
               t[way][rounds - 1], flops / med / 1e3);
    }
    return 0;
}
