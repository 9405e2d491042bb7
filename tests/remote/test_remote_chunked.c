/*
 * test_remote_chunked.c: pipelined (chunked) transfers against a daemon in
 * copy mode. Writes, reads and maps of sizes that are not multiples of the
 * chunk, at odd offsets, just below and at the pipelining threshold, ordered
 * after kernels, must give exactly the bytes a plain model predicts; the
 * daemon must report that it really cut them into chunks. A misbehaving client
 * (out-of-range or wrong-kind chunks, truncated frames, a client that leaves
 * in the middle of a chunked read) gets clean errors or a dropped connection;
 * a daemon killed in the middle of a chunked write or read makes the call
 * fail instead of hanging. With --chunk-blocking the daemon copies each chunk
 * with a blocking call instead of events.
 */
#define _GNU_SOURCE
#include "check.h"
#include "harness.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>

#define CHUNK_KIB 128
#define CHUNK ((size_t)CHUNK_KIB << 10)
#define SIZE (((size_t)3 << 20) + 4099) /* not a multiple of the chunk */

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static void fill_random(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_rng ^= g_rng << 13;
        g_rng ^= g_rng >> 7;
        g_rng ^= g_rng << 17;
        p[i] = (unsigned char)g_rng;
    }
}

static const char *k_bump = "__kernel void bump(__global uchar *v) { v[get_global_id(0)] += 3; }\n";

/* Daemon-wide count of device copies made for pipelined transfers (STATS, fifth field). */
static uint64_t daemon_chunks(const struct harness *h)
{
    struct raw r;
    uint64_t st[3] = {0}, chunks = 0;
    if (raw_open(&r, h) != 0 || raw_hello(&r) != CL_SUCCESS || raw_stats(&r, st) != CL_SUCCESS)
        chunks = UINT64_MAX;
    else {
        kr_get_u64(&r.reply);
        chunks = kr_get_u64(&r.reply);
        if (!kr_reader_done(&r.reply))
            chunks = UINT64_MAX;
    }
    raw_close(&r);
    return chunks;
}

/* ---- the daemon dies mid-transfer: run in a child that never loaded OpenCL before ---- */

static int write_all_byte(int fd)
{
    char c = 'r';
    return write(fd, &c, 1) == 1 ? 0 : -1;
}

static int transfer_until_error(int write, int ready_fd)
{
    cl_platform_id p = harness_platform("kiln-remote");
    if (!p)
        return 10;
    cl_int err;
    cl_device_id dev;
    if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &dev, NULL) != CL_SUCCESS)
        return 11;
    cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    cl_command_queue q = clCreateCommandQueue(ctx, dev, 0, &err);
    size_t size = (size_t)16 << 20;
    unsigned char *host = malloc(size);
    cl_mem b = clCreateBuffer(ctx, CL_MEM_READ_WRITE, size, NULL, &err);
    if (!host || !b)
        return 12;
    memset(host, 7, size);
    err = clEnqueueWriteBuffer(q, b, CL_TRUE, 0, size, host, 0, NULL, NULL);
    if (err != CL_SUCCESS)
        return 13;
    if (write_all_byte(ready_fd) != 0)
        return 14;
    /* Every iteration is a 128-chunk transfer: the kill lands inside one. */
    for (int i = 0; i < 1000000 && err == CL_SUCCESS; i++)
        err = write ? clEnqueueWriteBuffer(q, b, CL_TRUE, 1, size - 1, host, 0, NULL, NULL)
                    : clEnqueueReadBuffer(q, b, CL_TRUE, 1, size - 1, host, 0, NULL, NULL);
    if (err != CL_DEVICE_NOT_AVAILABLE)
        return 15;
    if (clEnqueueReadBuffer(q, b, CL_TRUE, 0, size, host, 0, NULL, NULL) == CL_SUCCESS ||
        clEnqueueWriteBuffer(q, b, CL_TRUE, 0, size, host, 0, NULL, NULL) == CL_SUCCESS || clFinish(q) == CL_SUCCESS)
        return 16;
    if (clReleaseMemObject(b) != CL_SUCCESS || clReleaseCommandQueue(q) != CL_SUCCESS ||
        clReleaseContext(ctx) != CL_SUCCESS)
        return 17;
    free(host);
    return 0;
}

static void check_killed_mid_transfer(int write, const char *extra)
{
    struct harness h;
    CHECK(harness_init(&h, 1) == 0);
    setenv("KILN_REMOTE_CHUNK_KIB", "128", 1);
    CHECK_MSG(harness_start_daemon(&h, "--copy-mode", extra) == 0, "kiln-remoted did not start");
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        _exit(transfer_until_error(write, fds[1]));
    }
    close(fds[1]);
    char c;
    CHECK_MSG(read(fds[0], &c, 1) == 1, "the %s child did not start transferring", write ? "write" : "read");
    close(fds[0]);
    harness_sleep_ms(150);
    kill(h.daemon, SIGKILL);
    waitpid(h.daemon, NULL, 0);
    h.daemon = 0;
    int status = -1;
    for (int i = 0; i < 200 && waitpid(child, &status, WNOHANG) == 0; i++)
        harness_sleep_ms(50);
    if (waitpid(child, &status, WNOHANG) == 0) {
        CHECK_MSG(0, "a chunked %s hung after the daemon died", write ? "write" : "read");
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
    }
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "chunked %s after the daemon died: child status %d",
              write ? "write" : "read", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    harness_stop(&h);
}

/* ---- bytes: pipelined transfers against a model ---- */

struct range {
    size_t off, size;
};

static void check_bytes(const struct harness *h)
{
    cl_platform_id p = harness_platform("kiln-remote");
    CHECK_MSG(p != NULL, "remoting platform missing");
    if (!p)
        return;
    cl_int err;
    cl_device_id dev;
    CHECK(clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &dev, NULL) == CL_SUCCESS);
    cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    cl_command_queue q = clCreateCommandQueue(ctx, dev, 0, &err);
    CHECK(q && err == CL_SUCCESS);
    const size_t n = SIZE;
    unsigned char *model = malloc(n), *src = malloc(n), *got = malloc(n);
    CHECK(model && src && got);
    cl_mem b = clCreateBuffer(ctx, CL_MEM_READ_WRITE, n, NULL, &err);
    CHECK(b && err == CL_SUCCESS);
    uint64_t chunks0 = daemon_chunks(h);

    fill_random(model, n);
    CHECK(clEnqueueWriteBuffer(q, b, CL_TRUE, 0, n, model, 0, NULL, NULL) == CL_SUCCESS);
    memset(got, 0, n);
    CHECK(clEnqueueReadBuffer(q, b, CL_TRUE, 0, n, got, 0, NULL, NULL) == CL_SUCCESS);
    CHECK_MSG(memcmp(got, model, n) == 0, "whole-buffer round trip differs");
    uint64_t chunks1 = daemon_chunks(h);
    /* a write of n bytes sends n / CHUNK - 1 chunk frames (the rest rides on the final call); a read n / CHUNK + 1 */
    CHECK_MSG(chunks1 != UINT64_MAX && chunks1 - chunks0 >= 2 * (n / CHUNK),
              "the daemon made %llu chunk copies for a %zu-byte write and read (chunk %zu)",
              (unsigned long long)(chunks1 - chunks0), n, CHUNK);

    const struct range cases[] = {
        {1, n - 1},                   /* odd offset, odd size, to the end */
        {777, n - 777 - 13},          /* odd at both ends */
        {4099, 2 * CHUNK},            /* exactly the threshold, two whole chunks */
        {3, 2 * CHUNK - 1},           /* just below it: the unpipelined path */
        {CHUNK, 5 * CHUNK},           /* chunk-aligned multiples */
        {13, 5 * CHUNK + 1},          /* one byte past a multiple */
        {n - 2 * CHUNK - 5, 2 * CHUNK + 5}, /* the last bytes of the buffer */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct range r = cases[c];
        fill_random(src, r.size);
        CHECK(clEnqueueWriteBuffer(q, b, CL_TRUE, r.off, r.size, src, 0, NULL, NULL) == CL_SUCCESS);
        memcpy(model + r.off, src, r.size);
        memset(got, 0, n);
        CHECK(clEnqueueReadBuffer(q, b, CL_TRUE, 0, n, got, 0, NULL, NULL) == CL_SUCCESS);
        CHECK_MSG(memcmp(got, model, n) == 0, "case %zu (offset %zu, %zu bytes): buffer differs after the write", c,
                  r.off, r.size);
        memset(got, 0, n);
        CHECK(clEnqueueReadBuffer(q, b, CL_TRUE, r.off, r.size, got, 0, NULL, NULL) == CL_SUCCESS);
        CHECK_MSG(memcmp(got, model + r.off, r.size) == 0, "case %zu: ranged read differs", c);
        CHECK_MSG(got[r.size] == 0, "case %zu: a read wrote past its end", c);
    }

    /* Pipelined reads and writes stay ordered with kernels on the queue. */
    cl_program prog = clCreateProgramWithSource(ctx, 1, &k_bump, NULL, &err);
    CHECK(clBuildProgram(prog, 1, &dev, NULL, NULL, NULL) == CL_SUCCESS);
    cl_kernel k = clCreateKernel(prog, "bump", &err);
    CHECK(k && clSetKernelArg(k, 0, sizeof b, &b) == CL_SUCCESS);
    size_t global = n;
    CHECK(clEnqueueNDRangeKernel(q, k, 1, NULL, &global, NULL, 0, NULL, NULL) == CL_SUCCESS);
    for (size_t i = 0; i < n; i++)
        model[i] = (unsigned char)(model[i] + 3);
    CHECK(clEnqueueReadBuffer(q, b, CL_TRUE, 5, n - 10, got, 0, NULL, NULL) == CL_SUCCESS);
    CHECK_MSG(memcmp(got, model + 5, n - 10) == 0, "a chunked read did not see the kernel before it");
    fill_random(src, n);
    CHECK(clEnqueueWriteBuffer(q, b, CL_TRUE, 0, n, src, 0, NULL, NULL) == CL_SUCCESS);
    CHECK(clEnqueueNDRangeKernel(q, k, 1, NULL, &global, NULL, 0, NULL, NULL) == CL_SUCCESS);
    for (size_t i = 0; i < n; i++)
        model[i] = (unsigned char)(src[i] + 3);
    CHECK(clEnqueueReadBuffer(q, b, CL_TRUE, 0, n, got, 0, NULL, NULL) == CL_SUCCESS);
    CHECK_MSG(memcmp(got, model, n) == 0, "a kernel did not see the chunked write before it");

    /* Maps of a buffer on the application's memory: both copies of the map and the unmap are pipelined. */
    unsigned char *user = malloc(n);
    fill_random(user, n);
    memcpy(model, user, n);
    cl_mem ub = clCreateBuffer(ctx, CL_MEM_READ_WRITE | CL_MEM_USE_HOST_PTR, n, user, &err);
    CHECK(ub && err == CL_SUCCESS);
    CHECK(clEnqueueWriteBuffer(q, ub, CL_TRUE, 0, n, model, 0, NULL, NULL) == CL_SUCCESS);
    memset(user, 0, n); /* the map must bring the device's bytes back */
    size_t moff = 5, msize = n - 9;
    unsigned char *m = clEnqueueMapBuffer(q, ub, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, moff, msize, 0, NULL, NULL, &err);
    CHECK(m == user + moff && err == CL_SUCCESS);
    if (m) {
        CHECK_MSG(memcmp(m, model + moff, msize) == 0, "mapped bytes differ");
        fill_random(m, msize);
        memcpy(model + moff, m, msize);
        CHECK(clEnqueueUnmapMemObject(q, ub, m, 0, NULL, NULL) == CL_SUCCESS);
    }
    CHECK(clEnqueueReadBuffer(q, ub, CL_TRUE, 0, n, got, 0, NULL, NULL) == CL_SUCCESS);
    CHECK_MSG(memcmp(got, model, n) == 0, "bytes written through a map did not reach the device");
    CHECK(clFinish(q) == CL_SUCCESS);

    clReleaseMemObject(ub);
    clReleaseKernel(k);
    clReleaseProgram(prog);
    clReleaseMemObject(b);
    clReleaseCommandQueue(q);
    clReleaseContext(ctx);
    free(user);
    free(model);
    free(src);
    free(got);
}

/* ---- a misbehaving client, by hand ---- */

static int raw_setup(struct raw *r, const struct harness *h, uint64_t size)
{
    if (raw_open(r, h) != 0 || raw_hello(r) != CL_SUCCESS)
        return -1;
    size_t s = raw_begin(r, KR_OP_CREATE_CONTEXT);
    kr_put_u64(&r->out, 1);
    kr_put_u32(&r->out, 1);
    kr_put_u32(&r->out, 0);
    if (raw_call(r, s) != CL_SUCCESS)
        return -1;
    s = raw_begin(r, KR_OP_CREATE_QUEUE);
    kr_put_u64(&r->out, 2);
    kr_put_u64(&r->out, 1);
    kr_put_u32(&r->out, 0);
    kr_put_u64(&r->out, 0);
    if (raw_call(r, s) != CL_SUCCESS)
        return -1;
    int fd = memfd_create("chunked", MFD_ALLOW_SEALING);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0)
        return -1;
    s = raw_begin(r, KR_OP_CREATE_BUFFER);
    kr_put_u64(&r->out, 3);
    kr_put_u64(&r->out, 1);
    kr_put_u64(&r->out, CL_MEM_READ_WRITE);
    kr_put_u64(&r->out, size);
    int rc = raw_send(r, s, fd);
    close(fd);
    s = raw_begin(r, KR_OP_FINISH);
    kr_put_u64(&r->out, 2);
    return rc == 0 && raw_call(r, s) == CL_SUCCESS ? 0 : -1;
}

static void send_chunk(struct raw *r, uint64_t q, uint64_t m, uint64_t off, uint64_t size)
{
    size_t s = raw_begin(r, KR_OP_HOST_TO_DEVICE_CHUNK);
    kr_put_u64(&r->out, q);
    kr_put_u64(&r->out, m);
    kr_put_u64(&r->out, off);
    kr_put_u64(&r->out, size);
    raw_send(r, s, -1);
}

static int end_write(struct raw *r, uint64_t off, uint64_t size)
{
    size_t s = raw_begin(r, KR_OP_HOST_TO_DEVICE);
    kr_put_u64(&r->out, 2);
    kr_put_u64(&r->out, 3);
    kr_put_u64(&r->out, off);
    kr_put_u64(&r->out, size);
    return raw_call(r, s);
}

static void send_chunked_read(struct raw *r, uint64_t off, uint64_t size, uint64_t chunk)
{
    size_t s = raw_begin(r, KR_OP_DEVICE_TO_HOST_CHUNKED);
    kr_put_u64(&r->out, 2);
    kr_put_u64(&r->out, 3);
    kr_put_u64(&r->out, off);
    kr_put_u64(&r->out, size);
    kr_put_u64(&r->out, chunk);
    raw_send(r, s, -1);
}

static void check_misbehaving(const struct harness *h)
{
    const uint64_t size = (uint64_t)1 << 20;
    struct raw r;
    CHECK_MSG(raw_setup(&r, h, size) == 0, "raw session setup failed");
    /* a chunk's error comes back with the HOST_TO_DEVICE that ends the write, and only there */
    send_chunk(&r, 2, 3, size - 10, 100);
    CHECK(end_write(&r, 0, 64) == CL_INVALID_VALUE);
    CHECK(end_write(&r, 0, 64) == CL_SUCCESS);
    send_chunk(&r, 2, 3, UINT64_MAX - 5, 10); /* offset + size wraps */
    CHECK(end_write(&r, 0, 64) == CL_INVALID_VALUE);
    send_chunk(&r, 2, 3, 0, 0);
    CHECK(end_write(&r, 0, 64) == CL_INVALID_VALUE);
    send_chunk(&r, 3, 2, 0, 64); /* ids of the wrong kinds */
    CHECK(end_write(&r, 0, 64) == CL_INVALID_COMMAND_QUEUE);
    send_chunk(&r, 2, 99, 0, 64);
    CHECK(end_write(&r, 0, 64) == CL_INVALID_MEM_OBJECT);
    for (int i = 0; i < 200; i++) /* more chunks than the daemon keeps pending */
        send_chunk(&r, 2, 3, (uint64_t)(i % 16) * 65536, 65536);
    CHECK(end_write(&r, size - 7, 7) == CL_SUCCESS);

    send_chunked_read(&r, size - 10, 11, 65536);
    CHECK(raw_reply(&r) == CL_INVALID_VALUE);
    send_chunked_read(&r, 0, size, 0); /* a chunk of 0 means the smallest the daemon allows */
    int frames = 0, ok = 1;
    uint64_t last = 0;
    for (;;) {
        int st = raw_reply(&r);
        uint64_t ready = kr_get_u64(&r.reply);
        frames++;
        if (st != CL_SUCCESS || ready <= last || ready > size) {
            ok = 0;
            break;
        }
        last = ready;
        if (ready == size)
            break;
    }
    CHECK_MSG(ok && frames == (int)(size / KR_CHUNK_MIN_BYTES), "chunked read: %d frames, last at %llu", frames,
              (unsigned long long)last);
    CHECK(end_write(&r, 0, size) == CL_SUCCESS); /* the session still answers in order */
    raw_close(&r);

    /* a chunked read whose frame is one field short is dropped, with nothing answered */
    CHECK(raw_setup(&r, h, size) == 0);
    size_t s = raw_begin(&r, KR_OP_DEVICE_TO_HOST_CHUNKED);
    kr_put_u64(&r.out, 2);
    kr_put_u64(&r.out, 3);
    kr_put_u64(&r.out, 0);
    kr_put_u64(&r.out, size);
    raw_send(&r, s, -1);
    CHECK_MSG(raw_dropped(&r), "a truncated chunked read was not dropped");
    raw_close(&r);

    /* a client that leaves in the middle of a long chunked read and of a chunked write */
    const uint64_t big = (uint64_t)64 << 20;
    CHECK(raw_setup(&r, h, big) == 0);
    send_chunked_read(&r, 0, big, 0);
    raw_close(&r);
    CHECK(raw_setup(&r, h, big) == 0);
    for (uint64_t off = 0; off < big; off += 1 << 20)
        send_chunk(&r, 2, 3, off, 1 << 20);
    raw_close(&r);
    uint64_t st[3] = {0};
    struct raw probe;
    CHECK(raw_open(&probe, h) == 0 && raw_hello(&probe) == CL_SUCCESS);
    for (int i = 0; i < 100; i++) {
        CHECK(raw_stats(&probe, st) == CL_SUCCESS);
        if (st[0] == 1 && st[1] == 0 && st[2] == 0)
            break;
        harness_sleep_ms(50);
    }
    CHECK_MSG(st[0] == 1 && st[1] == 0 && st[2] == 0, "left behind: %llu sessions, %llu objects, %llu mappings",
              (unsigned long long)st[0], (unsigned long long)st[1], (unsigned long long)st[2]);
    raw_close(&probe);
}

int main(int argc, char **argv)
{
    const char *extra = argc > 1 && strcmp(argv[1], "--chunk-blocking") == 0 ? "--chunk-blocking" : NULL;
    alarm(55);
    /* First, while this process has not loaded OpenCL: the children must connect afresh. */
    check_killed_mid_transfer(1, extra);
    check_killed_mid_transfer(0, extra);

    struct harness h;
    CHECK(harness_init(&h, 1) == 0);
    char kib[32];
    snprintf(kib, sizeof kib, "%d", CHUNK_KIB);
    setenv("KILN_REMOTE_CHUNK_KIB", kib, 1);
    CHECK_MSG(harness_start_daemon(&h, "--copy-mode", extra) == 0, "kiln-remoted did not start");
    check_misbehaving(&h);
    check_bytes(&h);
    CHECK_MSG(harness_daemon_alive(&h), "the daemon died");
    harness_stop(&h);
    CHECK_DONE();
}
