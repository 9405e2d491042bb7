/*
 * host_bench: what a run costs on kiln's host-C backend, per scheme, in one
 * process: the wall time of kiln_program_run for an empty kernel (the
 * scheme's overhead per run) and for a STREAM triad a = b + s c over
 * 3 x 64 MiB of floats (kernel time as reported, and wall time per call).
 * Schemes: "fork" (KILN_HOST_WORKER=0 with a 10 s limit: a child per run),
 * "worker" (the persistent worker, 10 s limit), "direct" (KILN_HOST_WORKER=0,
 * no limit: a plain call in this process, the floor).
 * usage: host_bench [empty_reps, default 500] [triad_reps, default 21]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kiln/runtime.h"

static const char *empty_src =
    "#include <stddef.h>\n"
    "void empty_entry(void *const *args, const size_t *global, const size_t *local)\n"
    "{ (void)args; (void)global; (void)local; }\n";

static const char *triad_src =
    "#include <stddef.h>\n"
    "void triad_entry(void *const *args, const size_t *global, const size_t *local)\n"
    "{\n"
    "    float *restrict a = args[0];\n"
    "    const float *restrict b = args[1];\n"
    "    const float *restrict c = args[2];\n"
    "    const float s = *(const float *)args[3];\n"
    "    (void)local;\n"
    "    for (size_t i = 0; i < global[0]; i++)\n"
    "        a[i] = b[i] + s * c[i];\n"
    "}\n";

#define TRIAD_N ((size_t)1 << 24)

static double wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int fail(const char *what, kiln_rt *rt)
{
    fprintf(stderr, "host_bench: %s: %s\n", what, rt ? kiln_rt_errmsg(rt) : "");
    return 1;
}

static void print_row(const char *scheme, const char *what, const double *samples, int n)
{
    kiln_time_stats s;
    kiln_stats_of(samples, n, &s);
    printf("| %-6s | %-28s | %5d | %12.1f | %12.1f | %12.1f |\n", scheme, what, n,
           s.median_ns / 1e3, s.min_ns / 1e3, s.max_ns / 1e3);
}

static int bench(const char *scheme, int empty_reps, int triad_reps)
{
    setenv("KILN_HOST_WORKER", strcmp(scheme, "worker") == 0 ? "1" : "0", 1);
    char err[512];
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    if (!rt) {
        fprintf(stderr, "host_bench: %s\n", err);
        return 1;
    }
    if (kiln_rt_set_timeout(rt, strcmp(scheme, "direct") == 0 ? 0 : 10000) != 0)
        return fail("timeout", rt);
    kiln_program *empty = kiln_program_build(rt, empty_src, "empty", NULL, NULL);
    kiln_program *triad = kiln_program_build(rt, triad_src, "triad", NULL, NULL);
    if (!empty || !triad)
        return fail("build", rt);
    size_t bytes = TRIAD_N * sizeof(float);
    kiln_buf *a = kiln_buf_new(rt, bytes), *b = kiln_buf_new(rt, bytes), *c = kiln_buf_new(rt, bytes);
    float *host = malloc(bytes);
    if (!a || !b || !c || !host)
        return fail("buffers", rt);
    for (size_t i = 0; i < TRIAD_N; i++)
        host[i] = (float)(i % 1000);
    kiln_buf_write(rt, b, host, bytes);
    kiln_buf_write(rt, c, host, bytes);
    memset(host, 0, bytes);
    kiln_buf_write(rt, a, host, bytes);
    float s3 = 3.0f;
    kiln_program_set_buf(rt, empty, 0, a);
    for (int i = 0; i < 3; i++)
        kiln_program_set_buf(rt, triad, i, i == 0 ? a : i == 1 ? b : c);
    kiln_program_set_scalar(rt, triad, 3, &s3, sizeof s3);

    int reps = empty_reps > triad_reps ? empty_reps : triad_reps;
    double *call = malloc((size_t)reps * sizeof *call), *kern = malloc((size_t)reps * sizeof *kern);
    kiln_geometry one = {.dims = 1, .global = {1}, .local = {1}};
    kiln_geometry all = {.dims = 1, .global = {TRIAD_N}, .local = {64}};
    double ns;
    /* The first run of each counts too (reported apart): it pays for starting a worker. */
    double t0 = wall_ns();
    if (kiln_program_run(rt, empty, &one, &ns) != 0)
        return fail("empty", rt);
    double first_empty = wall_ns() - t0;
    for (int r = 0; r < empty_reps; r++) {
        t0 = wall_ns();
        if (kiln_program_run(rt, empty, &one, &ns) != 0)
            return fail("empty", rt);
        call[r] = wall_ns() - t0;
    }
    print_row(scheme, "empty: wall per run (us)", call, empty_reps);
    printf("| %-6s | %-28s | %5d | %12.1f |              |              |\n", scheme,
           "empty: first run (us)", 1, first_empty / 1e3);

    t0 = wall_ns();
    if (kiln_program_run(rt, triad, &all, &ns) != 0)
        return fail("triad", rt);
    double first_triad = wall_ns() - t0;
    for (int r = 0; r < triad_reps; r++) {
        t0 = wall_ns();
        if (kiln_program_run(rt, triad, &all, &kern[r]) != 0)
            return fail("triad", rt);
        call[r] = wall_ns() - t0;
    }
    kiln_buf_read(rt, a, host, bytes);
    size_t bad = 0;
    for (size_t i = 0; i < TRIAD_N; i++)
        bad += host[i] != 4.0f * (float)(i % 1000);
    if (bad) {
        fprintf(stderr, "host_bench: %s: triad wrong in %zu elements\n", scheme, bad);
        return 1;
    }
    print_row(scheme, "triad 3x64MiB: kernel (us)", kern, triad_reps);
    print_row(scheme, "triad 3x64MiB: wall/run (us)", call, triad_reps);
    printf("| %-6s | %-28s | %5d | %12.1f |              |              |\n", scheme,
           "triad: first run wall (us)", 1, first_triad / 1e3);
    kiln_time_stats st;
    kiln_stats_of(kern, triad_reps, &st);
    printf("| %-6s | %-28s |       | %12.2f |              |              |\n", scheme,
           "triad: GB/s at median", 3.0 * (double)bytes / st.median_ns);

    free(call);
    free(kern);
    free(host);
    kiln_buf_free(rt, a);
    kiln_buf_free(rt, b);
    kiln_buf_free(rt, c);
    kiln_program_free(rt, empty);
    kiln_program_free(rt, triad);
    kiln_rt_close(rt);
    return 0;
}

int main(int argc, char **argv)
{
    int empty_reps = argc > 1 ? atoi(argv[1]) : 500;
    int triad_reps = argc > 2 ? atoi(argv[2]) : 21;
    if (empty_reps < 1 || triad_reps < 1) {
        fprintf(stderr, "usage: host_bench [empty_reps] [triad_reps]\n");
        return 2;
    }
    printf("| scheme | measure                      |  reps |       median |          min |          max |\n");
    printf("|--------|------------------------------|-------|--------------|--------------|--------------|\n");
    static const char *const schemes[] = {"fork", "worker", "direct"};
    for (int i = 0; i < 3; i++)
        if (bench(schemes[i], empty_reps, triad_reps) != 0)
            return 1;
    return 0;
}
