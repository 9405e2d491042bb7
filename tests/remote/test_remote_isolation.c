/*
 * test_remote_isolation.c: a client that would crash the real driver harms
 * nobody else. Each doomed client is an ordinary OpenCL program in its own
 * process that does what kills a native PoCL process: a sampler argument set
 * to arbitrary bytes, a buffer released while a kernel argument still names
 * it, a program binary with flipped bytes, and a kernel that stores through a
 * wild pointer (a crash no validation can foresee). The first three must get
 * the error a careful driver would give (or, for the released buffer, the
 * buffer kept alive as reference counting does); the last may lose its own
 * session only. Throughout, a bystander client holding a buffer keeps
 * computing correct results, a raw session stays connected, and a new client
 * works at the end.
 */
#include "check.h"
#include "common_compute.h"
#include "doomed.h"
#include "harness.h"

#include <CL/cl.h>
#include <stdint.h>

static const char *k_src =
    "__kernel void with_sampler(__global float *x, sampler_t s) { x[get_global_id(0)] = 1.0f; }\n"
    "__kernel void add_one(__global float *x) { x[get_global_id(0)] += 1.0f; }\n";

enum { N = 256 };


/* Runs add_one on m `rounds` times and checks that every element grew by exactly that. */
static int add_one_checked(struct harness_client *c, cl_program prog, cl_mem m, float *expect, int rounds)
{
    cl_int err;
    cl_kernel k = clCreateKernel(prog, "add_one", &err);
    if (!k || clSetKernelArg(k, 0, sizeof m, &m) != CL_SUCCESS)
        return -1;
    size_t global = N;
    for (int r = 0; r < rounds; r++) {
        if (clEnqueueNDRangeKernel(c->q, k, 1, NULL, &global, NULL, 0, NULL, NULL) != CL_SUCCESS)
            return -1;
        for (int i = 0; i < N; i++)
            expect[i] += 1.0f;
    }
    float got[N];
    int bad = clEnqueueReadBuffer(c->q, m, CL_TRUE, 0, sizeof got, got, 0, NULL, NULL) != CL_SUCCESS;
    for (int i = 0; i < N && !bad; i++)
        bad = got[i] != expect[i];
    clReleaseKernel(k);
    return bad ? -1 : 0;
}

/* A sampler argument given 8 arbitrary bytes, then a launch: the daemon refuses the bytes, they never reach
 * the driver (the launch then fails for want of that argument; the first error is the one reported). */
static int doom_sampler(struct harness_client *c)
{
    cl_int err;
    cl_kernel k = clCreateKernel(c->prog, "with_sampler", &err);
    cl_mem m = clCreateBuffer(c->ctx, CL_MEM_READ_WRITE, N * sizeof(float), NULL, &err);
    uint64_t junk = 0x4141414141414141ull;
    if (!k || !m || clSetKernelArg(k, 0, sizeof m, &m) != CL_SUCCESS)
        return 20;
    clSetKernelArg(k, 1, sizeof junk, &junk);
    size_t global = N;
    clEnqueueNDRangeKernel(c->q, k, 1, NULL, &global, NULL, 0, NULL, NULL);
    err = clFinish(c->q);
    return err == CL_INVALID_SAMPLER ? 0 : 21;
}

/* A buffer released while a kernel still names it: the kernel keeps it alive. */
static int doom_released_buffer(struct harness_client *c)
{
    cl_int err;
    cl_kernel k = clCreateKernel(c->prog, "add_one", &err);
    cl_mem m = clCreateBuffer(c->ctx, CL_MEM_READ_WRITE, N * sizeof(float), NULL, &err);
    if (!k || !m || clSetKernelArg(k, 0, sizeof m, &m) != CL_SUCCESS)
        return 30;
    clReleaseMemObject(m);
    size_t global = N;
    err = clEnqueueNDRangeKernel(c->q, k, 1, NULL, &global, NULL, 0, NULL, NULL);
    if (err != CL_SUCCESS)
        return 31;
    return clFinish(c->q) == CL_SUCCESS ? 0 : 32;
}

/* The program's binary as the daemon gave it; malloc'ed. */
static unsigned char *program_binary(cl_program prog, size_t *size)
{
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof *size, size, NULL) != CL_SUCCESS || *size == 0)
        return NULL;
    unsigned char *bin = malloc(*size);
    if (bin && clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) != CL_SUCCESS) {
        free(bin);
        return NULL;
    }
    return bin;
}

/* A binary with flipped bytes is refused; the same binary unchanged builds and computes. */
static int doom_flipped_binary(struct harness_client *c)
{
    size_t size = 0;
    unsigned char *bin = program_binary(c->prog, &size);
    if (!bin || size < 64)
        return 40;
    const unsigned char *cbin = bin;
    cl_int err, status = 0;
    cl_program good = clCreateProgramWithBinary(c->ctx, 1, &c->dev, &size, &cbin, &status, &err);
    if (!good || clBuildProgram(good, 1, &c->dev, NULL, NULL, NULL) != CL_SUCCESS)
        return 41;
    float expect[N] = {0};
    cl_mem m = clCreateBuffer(c->ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof expect, expect, &err);
    if (add_one_checked(c, good, m, expect, 2) != 0)
        return 42;
    for (size_t i = size / 2; i < size / 2 + 8; i++)
        bin[i] ^= 0x5a;
    status = 0;
    cl_program bad = clCreateProgramWithBinary(c->ctx, 1, &c->dev, &size, &cbin, &status, &err);
    if (bad) {
        clBuildProgram(bad, 1, &c->dev, NULL, NULL, NULL); /* what crashed the daemon */
        return 43;
    }
    free(bin);
    return err == CL_INVALID_BINARY && status == CL_INVALID_BINARY ? 0 : 44;
}

/* A store through a wild pointer inside the kernel (doomed.h): only this client's session may end. */
static int doom_wild_store(struct harness_client *c)
{
    (void)c;
    return wild_store_client();
}

typedef int (*doom_fn)(struct harness_client *);

static int run_doomed(doom_fn fn)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct harness_client c;
        _exit(harness_client_open(&c, k_src) != 0 ? 10 : fn(&c));
    }
    int status = -1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* The bystander: one session holding a buffer, computing one round per byte on `in`, answering on `out`. */
static void bystander(int in, int out)
{
    struct harness_client c;
    char ok = harness_client_open(&c, k_src) == 0 ? 'y' : 'n';
    float expect[N];
    for (int i = 0; i < N; i++)
        expect[i] = (float)i;
    cl_int err;
    cl_mem m = clCreateBuffer(c.ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof expect, expect, &err);
    char cmd;
    while (read(in, &cmd, 1) == 1) {
        if (ok == 'y' && add_one_checked(&c, c.prog, m, expect, 3) != 0)
            ok = 'n';
        if (write(out, &ok, 1) != 1)
            break;
    }
    _exit(0);
}

int main(void)
{
    struct harness h;
    signal(SIGPIPE, SIG_IGN); /* a lost session must show as an error, not end the test */
    CHECK(harness_init(&h, 1) == 0);
    CHECK_MSG(harness_start_daemon(&h, NULL, NULL) == 0, "kiln-remoted did not start");
    alarm(240);
    struct raw r;
    CHECK(raw_open(&r, &h) == 0);
    CHECK(raw_hello(&r) == CL_SUCCESS);

    int to_b[2], from_b[2];
    CHECK(pipe(to_b) == 0 && pipe(from_b) == 0);
    pid_t b = fork();
    if (b == 0) {
        close(to_b[1]);
        close(from_b[0]);
        bystander(to_b[0], from_b[1]);
    }
    close(to_b[0]);
    close(from_b[1]);

    static const struct {
        const char *what;
        doom_fn fn;
    } dooms[] = {{"sampler argument of arbitrary bytes", doom_sampler},
                 {"buffer released while a kernel names it", doom_released_buffer},
                 {"program binary with flipped bytes", doom_flipped_binary},
                 {"kernel storing through a wild pointer", doom_wild_store}};
    for (size_t i = 0; i < sizeof dooms / sizeof dooms[0]; i++) {
        int rc = run_doomed(dooms[i].fn);
        CHECK_MSG(rc == 0, "%s: the doomed client ended with %d", dooms[i].what, rc);
        char c = 'x', ans = 0;
        CHECK(write(to_b[1], &c, 1) == 1);
        CHECK_MSG(read(from_b[0], &ans, 1) == 1 && ans == 'y', "after the %s the bystander lost its work",
                  dooms[i].what);
        uint64_t st[3];
        CHECK_MSG(raw_stats(&r, st) == CL_SUCCESS, "after the %s the raw session is gone", dooms[i].what);
        CHECK_MSG(harness_daemon_alive(&h), "after the %s the daemon is gone", dooms[i].what);
    }
    close(to_b[1]);
    waitpid(b, NULL, 0);

    int status = compute_saxpy_new_client(5, 3);
    CHECK_MSG(status == 0, "a new client failed: status %d", status);
    raw_close(&r);
    harness_stop(&h);
    CHECK_DONE();
}
