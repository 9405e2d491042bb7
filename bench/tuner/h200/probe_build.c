/* How an OpenCL driver's compiler scales: N sources built serially, by T
 * threads on one context, by T threads with a context each, by P processes,
 * and batched B kernels per program. usage: probe MODE K FILES...
 *   MODE: serial | fetch | binload | threads | threadctx | procs | batch | procbatch
 *   | run | fetchrun (each build followed by one run; FETCH_AFTER=1 fetches after it)
 * PROBE_PLATFORM: a substring of the platform name (default NVIDIA). */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int nsrc;
static char **src;
static cl_platform_id plat;
static cl_device_id dev;
static int next;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static char *slurp(const char *p)
{
    FILE *f = fopen(p, "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc(n + 1);
    fread(s, 1, n, f);
    s[n] = 0;
    fclose(f);
    return s;
}

static void pick_device(void)
{
    cl_platform_id ps[8];
    cl_uint np;
    clGetPlatformIDs(8, ps, &np);
    for (cl_uint i = 0; i < np; i++) {
        char name[256];
        clGetPlatformInfo(ps[i], CL_PLATFORM_NAME, sizeof name, name, NULL);
        if (strstr(name, getenv("PROBE_PLATFORM") ? getenv("PROBE_PLATFORM") : "NVIDIA")) {
            plat = ps[i];
            clGetDeviceIDs(plat, CL_DEVICE_TYPE_ALL, 1, &dev, NULL);
            return;
        }
    }
    fprintf(stderr, "no platform\n");
    exit(1);
}

static cl_context make_ctx(void)
{
    cl_int e;
    cl_context c = clCreateContext(NULL, 1, &dev, NULL, NULL, &e);
    if (!c) {
        fprintf(stderr, "context %d\n", e);
        exit(1);
    }
    return c;
}

/* asks the driver for p's binary (what a binary cache costs), then drops it */
static void fetch_binary(cl_program p)
{
    size_t sz;
    clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof sz, &sz, NULL);
    unsigned char *b = malloc(sz);
    clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof b, &b, NULL);
    free(b);
}

/* builds source text s on c; returns 0 on success */
static int build(cl_context c, const char *s, int fetch)
{
    cl_int e;
    size_t len = strlen(s);
    cl_program p = clCreateProgramWithSource(c, 1, &s, &len, &e);
    e = clBuildProgram(p, 1, &dev, "", NULL, NULL);
    if (e != CL_SUCCESS)
        fprintf(stderr, "build %d\n", e);
    if (fetch) {
        fetch_binary(p);
    }
    clReleaseProgram(p);
    return e;
}

/* builds s, fetches the binary if asked, then runs one work-group of it */
static void build_run(cl_context c, cl_command_queue q, const char *s, int fetch)
{
    cl_int e;
    size_t len = strlen(s);
    cl_program p = clCreateProgramWithSource(c, 1, &s, &len, &e);
    e = clBuildProgram(p, 1, &dev, "", NULL, NULL);
    if (fetch) {
        fetch_binary(p);
    }
    cl_kernel k = clCreateKernel(p, "matmul", &e);
    size_t lx = 8, ly = 8;
    const char *at = strstr(s, "reqd_work_group_size(");
    if (at)
        sscanf(at, "reqd_work_group_size(%zu, %zu", &lx, &ly);
    static cl_mem buf;
    if (!buf)
        buf = clCreateBuffer(c, CL_MEM_READ_WRITE, 64 * 64 * 4 * 4, NULL, &e);
    int n = 64;
    clSetKernelArg(k, 0, sizeof n, &n);
    for (int i = 1; i < 4; i++)
        clSetKernelArg(k, i, sizeof buf, &buf);
    size_t g[2] = {lx, ly}, l[2] = {lx, ly};
    e = clEnqueueNDRangeKernel(q, k, 2, NULL, g, l, 0, NULL, NULL);
    if (e)
        fprintf(stderr, "enqueue %d\n", e);
    clFinish(q);
    if (getenv("FETCH_AFTER")) {
        fetch_binary(p);
    }
    clReleaseKernel(k);
    clReleaseProgram(p);
}

static cl_context shared;
static int per_thread_ctx;

static void *worker(void *arg)
{
    (void)arg;
    cl_context c = per_thread_ctx ? make_ctx() : shared;
    for (;;) {
        pthread_mutex_lock(&lock);
        int i = next++;
        pthread_mutex_unlock(&lock);
        if (i >= nsrc)
            break;
        build(c, src[i], 0);
    }
    if (per_thread_ctx)
        clReleaseContext(c);
    return NULL;
}

/* one program holding sources [from, to), each kernel renamed */
static char *batch_source(int from, int to)
{
    size_t cap = 1;
    for (int i = from; i < to; i++)
        cap += strlen(src[i]) + 64;
    char *b = malloc(cap), *o = b;
    for (int i = from; i < to; i++) {
        const char *s = src[i], *at = strstr(s, "void matmul(");
        o += sprintf(o, "%.*svoid matmul_%d(%s\n", (int)(at - s), s, i, at + strlen("void matmul("));
    }
    return b;
}

int main(int argc, char **argv)
{
    const char *mode = argv[1];
    int k = atoi(argv[2]);
    nsrc = argc - 3;
    src = malloc(sizeof *src * nsrc);
    for (int i = 0; i < nsrc; i++)
        src[i] = slurp(argv[3 + i]);
    double t0 = now();
    if (!strcmp(mode, "serial") || !strcmp(mode, "fetch")) {
        pick_device();
        cl_context c = make_ctx();
        double t1 = now();
        for (int i = 0; i < nsrc; i++)
            build(c, src[i], !strcmp(mode, "fetch"));
        printf("%s: context %.3f s, %d builds %.3f s (%.1f ms each)\n", mode, t1 - t0, nsrc, now() - t1,
               (now() - t1) * 1e3 / nsrc);
    } else if (!strcmp(mode, "threads") || !strcmp(mode, "threadctx")) {
        pick_device();
        per_thread_ctx = !strcmp(mode, "threadctx");
        if (!per_thread_ctx)
            shared = make_ctx();
        double t1 = now();
        pthread_t th[64];
        for (int i = 0; i < k; i++)
            pthread_create(&th[i], NULL, worker, NULL);
        for (int i = 0; i < k; i++)
            pthread_join(th[i], NULL);
        printf("%s %d: set-up %.3f s, %d builds %.3f s\n", mode, k, t1 - t0, nsrc, now() - t1);
    } else if (!strcmp(mode, "procs") || !strcmp(mode, "procbatch")) {
        for (int p = 0; p < k; p++) {
            if (fork() == 0) {
                pick_device();
                cl_context c = make_ctx();
                int from = p * nsrc / k, to = (p + 1) * nsrc / k;
                if (!strcmp(mode, "procbatch")) {
                    char *b = batch_source(from, to);
                    build(c, b, 0);
                } else {
                    for (int i = from; i < to; i++)
                        build(c, src[i], 0);
                }
                _exit(0);
            }
        }
        while (wait(NULL) > 0)
            ;
        printf("%s %d: %d builds %.3f s (processes from fork to exit)\n", mode, k, nsrc, now() - t0);
    } else if (!strcmp(mode, "run") || !strcmp(mode, "fetchrun")) {
        pick_device();
        cl_context c = make_ctx();
        cl_int e;
        cl_command_queue q = clCreateCommandQueue(c, dev, 0, &e);
        double t1 = now();
        for (int i = 0; i < nsrc; i++)
            build_run(c, q, src[i], !strcmp(mode, "fetchrun"));
        printf("%s: %d builds + first runs %.3f s (%.1f ms each)\n", mode, nsrc, now() - t1, (now() - t1) * 1e3 / nsrc);
    } else if (!strcmp(mode, "binload")) {
        pick_device();
        cl_context c = make_ctx();
        unsigned char **bins = malloc(sizeof *bins * nsrc);
        size_t *sizes = malloc(sizeof *sizes * nsrc);
        double t1 = now();
        for (int i = 0; i < nsrc; i++) {
            cl_int e;
            size_t len = strlen(src[i]);
            const char *s = src[i];
            cl_program p = clCreateProgramWithSource(c, 1, &s, &len, &e);
            clBuildProgram(p, 1, &dev, "", NULL, NULL);
            clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof sizes[i], &sizes[i], NULL);
            bins[i] = malloc(sizes[i]);
            clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof bins[i], &bins[i], NULL);
            clReleaseProgram(p);
        }
        double t2 = now();
        for (int i = 0; i < nsrc; i++) {
            cl_int e, st;
            const unsigned char *b = bins[i];
            cl_program p = clCreateProgramWithBinary(c, 1, &dev, &sizes[i], &b, &st, &e);
            e = clBuildProgram(p, 1, &dev, "", NULL, NULL);
            if (e != CL_SUCCESS)
                fprintf(stderr, "binary build %d\n", e);
            cl_kernel kk = clCreateKernel(p, "matmul", &e);
            clReleaseKernel(kk);
            clReleaseProgram(p);
        }
        printf("binload: %d source builds + fetch %.3f s; %d builds from binary %.3f s (%.1f ms each, %zu bytes first)\n",
               nsrc, t2 - t1, nsrc, now() - t2, (now() - t2) * 1e3 / nsrc, sizes[0]);
    } else if (!strcmp(mode, "batch")) {
        pick_device();
        cl_context c = make_ctx();
        double t1 = now();
        for (int from = 0; from < nsrc; from += k) {
            int to = from + k < nsrc ? from + k : nsrc;
            char *b = batch_source(from, to);
            build(c, b, 0);
            free(b);
        }
        printf("batch %d: context %.3f s, %d sources in %d programs %.3f s\n", mode ? k : 0, t1 - t0, nsrc,
               (nsrc + k - 1) / k, now() - t1);
    }
    return 0;
}
