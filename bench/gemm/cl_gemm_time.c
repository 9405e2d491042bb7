/*
 * cl_gemm_time.c: one OpenCL C gemm source, outside kiln, to see what the
 * vendor's compiler makes of it, on the first GPU (else the first device):
 * the build log (with NVIDIA's -cl-nv-verbose: registers, spills), the
 * program binary (PTX on NVIDIA) and the kernel's time, median of REPS runs
 * by profiling events, after a
 * warm-up, with 64 outputs checked against a double-precision dot product.
 * The kernel takes (int m, int n, int k, a, b, c): C = A B, row-major, square N.
 * usage: cl_gemm_time FILE KERNEL N LX LY GX GY REPS PTX_OUT [BUILD_OPTIONS]
 *   -> "FILE n=N median_ms=.. min_ms=.. tflops=.. check=ok|WRONG"
 * build: cc -O2 -o cl_gemm_time cl_gemm_time.c -lOpenCL -lm
 */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, cl_int code)
{
    fprintf(stderr, "cl_gemm_time: %s failed (%d)\n", what, (int)code);
    exit(1);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)len + 1);
    if (!s || fread(s, 1, (size_t)len, f) != (size_t)len)
        exit(1);
    s[len] = 0;
    fclose(f);
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 10) {
        fprintf(stderr, "usage: cl_gemm_time FILE KERNEL N LX LY GX GY REPS PTX_OUT [BUILD_OPTIONS]\n");
        return 2;
    }
    int n = atoi(argv[3]), reps = atoi(argv[8]);
    size_t local[2] = {(size_t)atol(argv[4]), (size_t)atol(argv[5])};
    size_t global[2] = {(size_t)atol(argv[6]), (size_t)atol(argv[7])};
    const char *options = argc > 10 ? argv[10] : "";
    cl_int code;
    cl_platform_id platform;
    cl_device_id device;
    if ((code = clGetPlatformIDs(1, &platform, NULL)) != CL_SUCCESS)
        die("clGetPlatformIDs", code);
    if (clGetDeviceIDs(platform, CL_DEVICE_TYPE_GPU, 1, &device, NULL) != CL_SUCCESS &&
        (code = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL)) != CL_SUCCESS)
        die("clGetDeviceIDs", code);
    cl_context context = clCreateContext(NULL, 1, &device, NULL, NULL, &code);
    if (!context)
        die("clCreateContext", code);
    cl_command_queue queue = clCreateCommandQueue(context, device, CL_QUEUE_PROFILING_ENABLE, &code);
    if (!queue)
        die("clCreateCommandQueue", code);

    char *source = read_text(argv[1]);
    cl_program program = clCreateProgramWithSource(context, 1, (const char **)&source, NULL, &code);
    if (!program)
        die("clCreateProgramWithSource", code);
    cl_int built = clBuildProgram(program, 1, &device, options, NULL, NULL);
    size_t log_len = 0;
    clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, NULL, &log_len);
    char *log = calloc(1, log_len + 1);
    clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, log_len, log, NULL);
    printf("%s build log: %s\n", argv[1], log);
    if (built != CL_SUCCESS)
        die("clBuildProgram", built);
    size_t bin_len = 0;
    clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof bin_len, &bin_len, NULL);
    unsigned char *bin = malloc(bin_len);
    clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL);
    FILE *ptx = fopen(argv[9], "wb");
    if (ptx) {
        fwrite(bin, 1, bin_len, ptx);
        fclose(ptx);
    }
    cl_kernel kernel = clCreateKernel(program, argv[2], &code);
    if (!kernel)
        die("clCreateKernel", code);

    size_t count = (size_t)n * (size_t)n;
    float *a = malloc(count * sizeof *a), *b = malloc(count * sizeof *b), *c = malloc(count * sizeof *c);
    unsigned state = 12345u;
    for (size_t i = 0; i < count; i++) {
        state = state * 1664525u + 1013904223u;
        a[i] = (float)(state >> 8) / 8388608.0f - 1.0f;
        state = state * 1664525u + 1013904223u;
        b[i] = (float)(state >> 8) / 8388608.0f - 1.0f;
    }
    cl_mem da = clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, count * 4, a, &code);
    cl_mem db = clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, count * 4, b, &code);
    cl_mem dc = clCreateBuffer(context, CL_MEM_WRITE_ONLY, count * 4, NULL, &code);
    if (!dc)
        die("clCreateBuffer", code);
    clSetKernelArg(kernel, 0, sizeof n, &n);
    clSetKernelArg(kernel, 1, sizeof n, &n);
    clSetKernelArg(kernel, 2, sizeof n, &n);
    clSetKernelArg(kernel, 3, sizeof da, &da);
    clSetKernelArg(kernel, 4, sizeof db, &db);
    clSetKernelArg(kernel, 5, sizeof dc, &dc);

    double *ms = malloc((size_t)(reps + 1) * sizeof *ms);
    for (int r = 0; r <= reps; r++) { /* run 0 is the warm-up */
        cl_event ev;
        if ((code = clEnqueueNDRangeKernel(queue, kernel, 2, NULL, global, local, 0, NULL, &ev)) != CL_SUCCESS)
            die("clEnqueueNDRangeKernel", code);
        clWaitForEvents(1, &ev);
        cl_ulong t0, t1;
        clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL);
        clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
        ms[r] = (double)(t1 - t0) * 1e-6;
        clReleaseEvent(ev);
    }
    if ((code = clEnqueueReadBuffer(queue, dc, CL_TRUE, 0, count * 4, c, 0, NULL, NULL)) != CL_SUCCESS)
        die("clEnqueueReadBuffer", code);
    int wrong = 0;
    for (int s = 0; s < 64; s++) {
        state = state * 1664525u + 1013904223u;
        size_t i = (state >> 4) % (size_t)n, j = (state >> 16) % (size_t)n;
        double sum = 0.0, mag = 0.0;
        for (size_t p = 0; p < (size_t)n; p++) {
            sum += (double)a[i * n + p] * b[p * n + j];
            mag += fabs((double)a[i * n + p] * b[p * n + j]);
        }
        wrong += fabs(c[i * n + j] - sum) > 1e-5 * mag + 1e-30;
    }
    qsort(ms + 1, (size_t)reps, sizeof *ms, cmp_double);
    double median = ms[1 + reps / 2];
    printf("%s n=%d median_ms=%.4f min_ms=%.4f tflops=%.3f check=%s\n", argv[1], n, median, ms[1],
           2.0 * n * (double)n * n / (median * 1e-3) / 1e12, wrong ? "WRONG" : "ok");
    return 0;
}
