/*
 * clblast_sgemm.c: times CLBlast's SGEMM (C = A B, row-major, square n, alpha 1,
 * beta 0) on one OpenCL device, as kiln's gemm is timed: inputs on the device,
 * each call waited for, warm-up first; prints the median, min and max in ms and
 * the median GFLOP/s.
 * usage: clblast_sgemm N [REPS] [PLATFORM_INDEX] [DEVICE_INDEX]
 * build: cc -O2 clblast_sgemm.c -lclblast -lOpenCL -o clblast_sgemm
 */
#define CL_TARGET_OPENCL_VERSION 120
#include <clblast_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define CL_CHECK(call)                                                  \
    do {                                                                \
        cl_int e_ = (call);                                             \
        if (e_ != CL_SUCCESS) {                                         \
            fprintf(stderr, "%s failed: %d\n", #call, (int)e_);         \
            return 1;                                                   \
        }                                                               \
    } while (0)

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s N [REPS] [PLATFORM] [DEVICE]\n", argv[0]);
        return 2;
    }
    size_t n = (size_t)atol(argv[1]);
    int reps = argc > 2 ? atoi(argv[2]) : 10;
    int pi = argc > 3 ? atoi(argv[3]) : 0, di = argc > 4 ? atoi(argv[4]) : 0;
    if (n == 0 || reps < 1 || reps > 1000) {
        fprintf(stderr, "bad N or REPS\n");
        return 2;
    }
    cl_platform_id plats[16];
    cl_uint np = 0, nd = 0;
    CL_CHECK(clGetPlatformIDs(16, plats, &np));
    if ((cl_uint)pi >= np) {
        fprintf(stderr, "no platform %d\n", pi);
        return 1;
    }
    cl_device_id devs[16];
    CL_CHECK(clGetDeviceIDs(plats[pi], CL_DEVICE_TYPE_ALL, 16, devs, &nd));
    if ((cl_uint)di >= nd) {
        fprintf(stderr, "no device %d\n", di);
        return 1;
    }
    cl_device_id dev = devs[di];
    char name[256] = "";
    clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof name, name, NULL);
    cl_int err;
    cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    CL_CHECK(err);
    cl_command_queue q = clCreateCommandQueue(ctx, dev, 0, &err);
    CL_CHECK(err);
    size_t bytes = n * n * sizeof(float);
    float *host = malloc(bytes);
    if (!host)
        return 1;
    unsigned s = 1;
    for (size_t i = 0; i < n * n; i++) {
        s = s * 1103515245u + 12345u;
        host[i] = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
    cl_mem a = clCreateBuffer(ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, host, &err);
    CL_CHECK(err);
    cl_mem b = clCreateBuffer(ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, host, &err);
    CL_CHECK(err);
    cl_mem c = clCreateBuffer(ctx, CL_MEM_WRITE_ONLY, bytes, NULL, &err);
    CL_CHECK(err);
    double *ms = malloc((size_t)(reps + 1) * sizeof *ms);
    for (int r = -1; r < reps; r++) { /* r = -1: warm-up (CLBlast compiles its kernels) */
        cl_event ev = NULL;
        double t0 = now_ms();
        CLBlastStatusCode st = CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo, n, n, n,
                                            1.0f, a, 0, n, b, 0, n, 0.0f, c, 0, n, &q, &ev);
        if (st != CLBlastSuccess) {
            fprintf(stderr, "CLBlastSgemm failed: %d\n", (int)st);
            return 1;
        }
        CL_CHECK(clWaitForEvents(1, &ev));
        double t1 = now_ms();
        clReleaseEvent(ev);
        if (r >= 0)
            ms[r] = t1 - t0;
    }
    qsort(ms, (size_t)reps, sizeof *ms, cmp_double);
    double med = reps % 2 ? ms[reps / 2] : 0.5 * (ms[reps / 2 - 1] + ms[reps / 2]);
    printf("clblast sgemm n=%zu device=\"%s\" reps=%d median_ms=%.3f min_ms=%.3f max_ms=%.3f gflops=%.2f\n", n, name,
           reps, med, ms[0], ms[reps - 1], 2.0 * n * n * n / (med * 1e6));
    clReleaseMemObject(a);
    clReleaseMemObject(b);
    clReleaseMemObject(c);
    clReleaseCommandQueue(q);
    clReleaseContext(ctx);
    free(host);
    free(ms);
    return 0;
}
