/*
 * remote_bench.c: remoted next to native in one process. The vendors list
 * (OCL_ICD_VENDORS) names both PoCL and the remoting ICD; every measurement
 * runs on both platforms alternately and reports median and spread (p10..p90)
 * after warm-up. Prints a Markdown table. Connection set-up is the remoted
 * side alone: connect, HELLO and its reply on KILN_REMOTE_SOCKET, as the
 * first call of a new client pays it.
 * Usage: kiln_remote_bench [max MiB, default 256; 0: latency rows only] [min MiB of the bandwidth rows, default 1]
 */
#include <CL/cl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct stats {
    double median, p10, p90;
};

static struct stats summarize(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    struct stats s = {v[n / 2], v[n / 10], v[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1]};
    return s;
}

struct env {
    cl_context ctx;
    cl_command_queue q;
    cl_kernel empty, compute;
    cl_device_id dev;
};

/* `empty` takes an unused argument: NVIDIA's OpenCL compiler emits PTX that its
 * own assembler rejects for a kernel with no parameters and an empty body. */
static const char *k_src = "__kernel void empty(__global int *unused) { (void)unused; }\n"
                           "__kernel void compute(__global float *x, const uint iters) {\n"
                           "    size_t i = get_global_id(0); float v = x[i];\n"
                           "    for (uint k = 0; k < iters; k++) v = v * 0.999999f + 0.000001f;\n"
                           "    x[i] = v; }\n";

static int setup(cl_platform_id p, struct env *e)
{
    cl_int err;
    if ((err = clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &e->dev, NULL)) != CL_SUCCESS) {
        fprintf(stderr, "clGetDeviceIDs: %d\n", err);
        return -1;
    }
    e->ctx = clCreateContext(NULL, 1, &e->dev, NULL, NULL, &err);
    if (!e->ctx) {
        fprintf(stderr, "clCreateContext: %d\n", err);
        return -1;
    }
    e->q = clCreateCommandQueue(e->ctx, e->dev, 0, &err);
    if (!e->q) {
        fprintf(stderr, "clCreateCommandQueue: %d\n", err);
        return -1;
    }
    cl_program prog = clCreateProgramWithSource(e->ctx, 1, &k_src, NULL, &err);
    if ((err = clBuildProgram(prog, 1, &e->dev, NULL, NULL, NULL)) != CL_SUCCESS) {
        char log[4096] = "";
        clGetProgramBuildInfo(prog, e->dev, CL_PROGRAM_BUILD_LOG, sizeof log, log, NULL);
        fprintf(stderr, "clBuildProgram: %d\n%s\n", err, log);
        return -1;
    }
    e->empty = clCreateKernel(prog, "empty", &err);
    if (!e->empty)
        fprintf(stderr, "clCreateKernel(empty): %d\n", err);
    cl_mem none = NULL;
    if (e->empty && clSetKernelArg(e->empty, 0, sizeof none, &none) != CL_SUCCESS)
        fprintf(stderr, "clSetKernelArg(empty): failed\n");
    e->compute = clCreateKernel(prog, "compute", &err);
    if (!e->compute)
        fprintf(stderr, "clCreateKernel(compute): %d\n", err);
    clReleaseProgram(prog);
    return e->empty && e->compute ? 0 : -1;
}

static void row(const char *what, const char *unit, struct stats n, struct stats r)
{
    printf("| %s | %.4g (%.4g..%.4g) | %.4g (%.4g..%.4g) | %+.1f%% |\n", what, n.median, n.p10, n.p90, r.median, r.p10,
           r.p90, (r.median / n.median - 1.0) * 100.0);
    (void)unit;
}

#define REPS 31

/* Reads exactly n bytes; 0 or -1. */
static int read_all(int fd, void *p, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, (char *)p + got, n - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/*
 * One new connection: connect, a HELLO frame (16-byte header: length 4,
 * opcode 1, sequence 1; then a version the daemon answers whatever it is),
 * the whole reply. Microseconds, or -1.
 */
static double connect_once_us(const char *path)
{
    struct sockaddr_un addr = {0};
    addr.sun_family = AF_UNIX;
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    static const unsigned char hello[20] = {4, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    unsigned char reply[256];
    double t = now_s();
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    int ok = fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
             write(fd, hello, sizeof hello) == (ssize_t)sizeof hello && read_all(fd, reply, 16) == 0;
    unsigned len = ok ? (unsigned)reply[0] | (unsigned)reply[1] << 8 : 0;
    ok = ok && len <= sizeof reply && read_all(fd, reply, len) == 0;
    double us = (now_s() - t) * 1e6;
    if (fd >= 0)
        close(fd);
    return ok ? us : -1;
}

/* n connections, gap_ms apart (time for the daemon to ready the next session; 0: back to back). */
static struct stats connect_latency(const char *path, int n, int gap_ms)
{
    double v[64];
    int got = 0;
    for (int i = 0; i < n && i < 64; i++) {
        struct timespec gap = {gap_ms / 1000, (long)(gap_ms % 1000) * 1000000L};
        nanosleep(&gap, NULL);
        double us = connect_once_us(path);
        if (us >= 0)
            v[got++] = us;
    }
    if (got == 0) {
        struct stats none = {-1, -1, -1};
        return none;
    }
    return summarize(v, got);
}

static void remote_row(const char *what, struct stats r)
{
    printf("| %s | - | %.4g (%.4g..%.4g) | - |\n", what, r.median, r.p10, r.p90);
}

int main(int argc, char **argv)
{
    size_t max_mib = argc > 1 ? (size_t)atoi(argv[1]) : 256;
    const char *sock = getenv("KILN_REMOTE_SOCKET");
    size_t min_mib = argc > 2 && atoi(argv[2]) > 0 ? (size_t)atoi(argv[2]) : 1;
    cl_platform_id ps[8], native = NULL, remote = NULL;
    cl_uint np = 0;
    /* the native platform to compare with: PoCL unless KILN_BENCH_NATIVE names another */
    const char *native_name = getenv("KILN_BENCH_NATIVE") ? getenv("KILN_BENCH_NATIVE") : "Portable Computing Language";
    clGetPlatformIDs(8, ps, &np);
    for (cl_uint i = 0; i < np; i++) {
        char name[256] = {0};
        clGetPlatformInfo(ps[i], CL_PLATFORM_NAME, sizeof name, name, NULL);
        if (strstr(name, "kiln-remote"))
            remote = ps[i];
        else if (strstr(name, native_name))
            native = ps[i];
    }
    if (!native || !remote) {
        fprintf(stderr, "need both the native platform '%s' and kiln-remote (OCL_ICD_VENDORS, KILN_REMOTE_SOCKET)\n", native_name);
        return 1;
    }
    struct env env[2];
    if (setup(native, &env[0]) || setup(remote, &env[1])) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    printf("| measurement (median, p10..p90) | native (%s) | remoted | remoted vs native |\n|---|---|---|---|\n",
           native_name);

    /* 1. empty kernel enqueue + finish latency, microseconds */
    {
        struct stats s[2];
        for (int w = 0; w < 2; w++) {
            double v[REPS * 10];
            size_t one = 1;
            for (int i = 0; i < 20; i++) {
                clEnqueueNDRangeKernel(env[w].q, env[w].empty, 1, NULL, &one, NULL, 0, NULL, NULL);
                clFinish(env[w].q);
            }
            for (int i = 0; i < REPS * 10; i++) {
                double t = now_s();
                clEnqueueNDRangeKernel(env[w].q, env[w].empty, 1, NULL, &one, NULL, 0, NULL, NULL);
                clFinish(env[w].q);
                v[i] = (now_s() - t) * 1e6;
            }
            s[w] = summarize(v, REPS * 10);
        }
        row("empty kernel enqueue+finish latency (us)", "us", s[0], s[1]);
    }
    /* 2. pipelined enqueues: the enqueue call alone (us each) and the throughput with the finish (per s) */
    {
        struct stats call[2], rate[2];
        enum { N = 5000 };
        for (int w = 0; w < 2; w++) {
            double vc[11], vr[11];
            size_t one = 1;
            for (int rep = 0; rep < 11; rep++) {
                double t0 = now_s();
                for (int i = 0; i < N; i++)
                    clEnqueueNDRangeKernel(env[w].q, env[w].empty, 1, NULL, &one, NULL, 0, NULL, NULL);
                double t1 = now_s();
                clFinish(env[w].q);
                double t2 = now_s();
                vc[rep] = (t1 - t0) / N * 1e6;
                vr[rep] = N / (t2 - t0);
            }
            call[w] = summarize(vc, 11);
            rate[w] = summarize(vr, 11);
        }
        row("pipelined: enqueue call, amortised (us)", "us", call[0], call[1]);
        row("pipelined: enqueues completed per second", "/s", rate[0], rate[1]);
    }
    /* 2b. one round trip: clFinish on an idle queue, microseconds */
    {
        struct stats s[2];
        for (int w = 0; w < 2; w++) {
            double v[REPS * 10];
            for (int i = 0; i < 20; i++)
                clFinish(env[w].q);
            for (int i = 0; i < REPS * 10; i++) {
                double t = now_s();
                clFinish(env[w].q);
                v[i] = (now_s() - t) * 1e6;
            }
            s[w] = summarize(v, REPS * 10);
        }
        row("clFinish on an idle queue (us)", "us", s[0], s[1]);
    }
    /* 2c. connection set-up, remoted only */
    if (sock) {
        remote_row("connection set-up: connect + HELLO reply, 1 s apart (us)", connect_latency(sock, 15, 1000));
        remote_row("connection set-up: connect + HELLO reply, back to back (us)", connect_latency(sock, 15, 0));
    }
    if (max_mib == 0)
        return 0;
    /* 3. bandwidth: blocking write, blocking read, map-write-unmap; GB/s */
    for (size_t mib = min_mib; mib <= max_mib; mib *= 4) {
        size_t bytes = mib << 20;
        char *host = malloc(bytes);
        memset(host, 1, bytes);
        struct stats sw[2], sr[2], sm[2];
        int reps = mib >= 64 ? 7 : 15;
        for (int w = 0; w < 2; w++) {
            cl_int err;
            cl_mem b = clCreateBuffer(env[w].ctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
            double vw[15], vr[15], vm[15];
            for (int i = -2; i < reps; i++) {
                double t0 = now_s();
                clEnqueueWriteBuffer(env[w].q, b, CL_TRUE, 0, bytes, host, 0, NULL, NULL);
                double t1 = now_s();
                clEnqueueReadBuffer(env[w].q, b, CL_TRUE, 0, bytes, host, 0, NULL, NULL);
                double t2 = now_s();
                char *p = clEnqueueMapBuffer(env[w].q, b, CL_TRUE, CL_MAP_WRITE, 0, bytes, 0, NULL, NULL, &err);
                memset(p, 2, bytes);
                clEnqueueUnmapMemObject(env[w].q, b, p, 0, NULL, NULL);
                clFinish(env[w].q);
                double t3 = now_s();
                if (i >= 0) {
                    vw[i] = bytes / (t1 - t0) / 1e9;
                    vr[i] = bytes / (t2 - t1) / 1e9;
                    vm[i] = bytes / (t3 - t2) / 1e9;
                }
            }
            sw[w] = summarize(vw, reps);
            sr[w] = summarize(vr, reps);
            sm[w] = summarize(vm, reps);
            clReleaseMemObject(b);
        }
        char label[96];
        snprintf(label, sizeof label, "write %zu MiB (GB/s)", mib);
        row(label, "GB/s", sw[0], sw[1]);
        snprintf(label, sizeof label, "read %zu MiB (GB/s)", mib);
        row(label, "GB/s", sr[0], sr[1]);
        snprintf(label, sizeof label, "map+memset+unmap %zu MiB (GB/s)", mib);
        row(label, "GB/s", sm[0], sm[1]);
        free(host);
    }
    /* 4. a compute kernel: 1M floats x 500 iterations, enqueue + finish, ms */
    {
        struct stats s[2];
        size_t n = 1 << 20;
        cl_uint iters = 500;
        for (int w = 0; w < 2; w++) {
            cl_int err;
            cl_mem b = clCreateBuffer(env[w].ctx, CL_MEM_READ_WRITE, n * sizeof(float), NULL, &err);
            clSetKernelArg(env[w].compute, 0, sizeof b, &b);
            clSetKernelArg(env[w].compute, 1, sizeof iters, &iters);
            double v[9];
            for (int i = -1; i < 9; i++) {
                double t = now_s();
                clEnqueueNDRangeKernel(env[w].q, env[w].compute, 1, NULL, &n, NULL, 0, NULL, NULL);
                clFinish(env[w].q);
                if (i >= 0)
                    v[i] = (now_s() - t) * 1e3;
            }
            s[w] = summarize(v, 9);
            clReleaseMemObject(b);
        }
        row("compute kernel 1M floats x 500 iters (ms)", "ms", s[0], s[1]);
    }
    return 0;
}
