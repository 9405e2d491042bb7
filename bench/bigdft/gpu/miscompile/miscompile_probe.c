/*
 * miscompile_probe.c: runs one kernel source of bigdft.kinetic (as `kiln
 * generate` writes it, for n = 32 and 7 lines, work-group 64) on a device and
 * counts the elements of xt that are not x transposed (xt starts filled with
 * -12345, so an element never written shows), for each build option string
 * given. It tells a compiler's mistake from the description's: the same
 * source right on one device and wrong on another, or right with
 * -cl-opt-disable and wrong without.
 *
 * usage: miscompile_probe PLATFORM_PART SOURCE.cl [OPTIONS]...
 * build: gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L miscompile_probe.c -lOpenCL
 */
#define CL_TARGET_OPENCL_VERSION 120
#define PROBE_NAME "miscompile_probe"
#include "../probe_cl.h"

#define N 32
#define NDAT 7

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, PROBE_NAME ": cannot read %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)len + 1);
    if (!s || fread(s, 1, (size_t)len, f) != (size_t)len)
        exit(1);
    s[len] = '\0';
    fclose(f);
    return s;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: miscompile_probe PLATFORM_PART SOURCE.cl [OPTIONS]...\n");
        return 2;
    }
    char dname[256];
    cl_device_id dev = probe_device(argv[1], dname, sizeof dname);
    cl_int code;
    cl_context ctx = probe_context(dev);
    cl_command_queue q = probe_queue(ctx, dev, 0);
    const char *src = read_file(argv[2]);
    size_t count = (size_t)N * NDAT, bytes = count * sizeof(double);
    double x[N * NDAT], y[N * NDAT], xt[N * NDAT], yt[N * NDAT];
    for (size_t k = 0; k < count; k++) {
        x[k] = (double)(k % 97) / 97.0 - 0.5;
        y[k] = 0.0;
    }
    int nopts = argc > 3 ? argc - 3 : 1;
    for (int o = 0; o < nopts; o++) {
        const char *opts = argc > 3 ? argv[3 + o] : "";
        cl_program prog = clCreateProgramWithSource(ctx, 1, &src, NULL, &code);
        if (code != CL_SUCCESS)
            die("clCreateProgramWithSource", code);
        if ((code = clBuildProgram(prog, 1, &dev, opts, NULL, NULL)) != CL_SUCCESS)
            die("clBuildProgram", code);
        cl_kernel k = clCreateKernel(prog, "kinetic", &code);
        if (code != CL_SUCCESS)
            die("clCreateKernel", code);
        cl_mem bx = clCreateBuffer(ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, x, &code);
        cl_mem by = clCreateBuffer(ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, y, &code);
        double nan_fill[N * NDAT];
        for (size_t i = 0; i < count; i++)
            nan_fill[i] = -12345.0;
        cl_mem bxt = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, bytes, nan_fill, &code);
        cl_mem byt = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, bytes, nan_fill, &code);
        cl_int n = N, ndat = NDAT;
        double scale = -1.0;
        clSetKernelArg(k, 0, sizeof n, &n);
        clSetKernelArg(k, 1, sizeof ndat, &ndat);
        clSetKernelArg(k, 2, sizeof scale, &scale);
        clSetKernelArg(k, 3, sizeof bx, &bx);
        clSetKernelArg(k, 4, sizeof by, &by);
        clSetKernelArg(k, 5, sizeof bxt, &bxt);
        clSetKernelArg(k, 6, sizeof byt, &byt);
        size_t global = 64, local = 64;
        if ((code = clEnqueueNDRangeKernel(q, k, 1, NULL, &global, &local, 0, NULL, NULL)) != CL_SUCCESS)
            die("clEnqueueNDRangeKernel", code);
        clEnqueueReadBuffer(q, bxt, CL_TRUE, 0, bytes, xt, 0, NULL, NULL);
        clEnqueueReadBuffer(q, byt, CL_TRUE, 0, bytes, yt, 0, NULL, NULL);
        int bad_x = 0, unwritten = 0;
        char rows[N + 1];
        for (int i = 0; i < N; i++) {
            int row_bad = 0;
            for (int j = 0; j < NDAT; j++) {
                double got = xt[i * NDAT + j];
                if (got != x[j * N + i]) {
                    bad_x++;
                    row_bad = 1;
                    unwritten += got == -12345.0;
                }
            }
            rows[i] = row_bad ? 'x' : '.';
        }
        rows[N] = '\0';
        printf("%s, options \"%s\": %d of %zu xt wrong (%d never written); points with a wrong line: %s\n", dname, opts,
               bad_x, count, unwritten, rows);
        clReleaseMemObject(bx);
        clReleaseMemObject(by);
        clReleaseMemObject(bxt);
        clReleaseMemObject(byt);
        clReleaseKernel(k);
        clReleaseProgram(prog);
    }
    return 0;
}
