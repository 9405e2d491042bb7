/*
 * test_remote_limits.c: one client cannot exhaust what the others need. With
 * the default limits: a client creating 4 KiB buffers in a loop (once enough
 * to exhaust vm.max_map_count of a shared daemon) is refused past its object
 * limit with CL_OUT_OF_RESOURCES while another client computes; program
 * sources of 60 MiB are refused past the session's program bytes. With
 * limits set by options: connections past the per-uid count get a HELLO
 * reply of CL_OUT_OF_RESOURCES, connections that send half a header are
 * dropped after the frame timeout, a queue past its pending-commands limit
 * refuses what it cannot drain, and a daemon at its descriptor limit refuses
 * clients promptly instead of leaving them hanging. After each, a new client
 * works. A socket that accepts but never answers gives the ICD an error within
 * its connect timeout.
 */
#include "check.h"
#include "common_compute.h"
#include "harness.h"

#include <poll.h>
#include <sys/resource.h>

/* The hog: 4 KiB buffers until the ICD fails or 70 000; reports the finish status, holds them until told. */
static void buffer_hog(int report, int hold)
{
    struct harness_client c;
    if (harness_client_open(&c, NULL) != 0)
        _exit(1);
    cl_int err = CL_SUCCESS, fin;
    for (int i = 0; i < 70000 && err == CL_SUCCESS; i++)
        clCreateBuffer(c.ctx, CL_MEM_READ_WRITE, 4096, NULL, &err);
    fin = clFinish(c.q);
    if (write(report, &fin, sizeof fin) != (ssize_t)sizeof fin)
        _exit(2);
    char x;
    if (read(hold, &x, 1) < 0)
        _exit(3);
    _exit(0);
}

static void many_buffers(void)
{
    int rep[2], hold[2];
    CHECK(pipe(rep) == 0 && pipe(hold) == 0);
    pid_t hog = fork();
    if (hog == 0) {
        close(rep[0]);
        close(hold[1]);
        buffer_hog(rep[1], hold[0]);
    }
    close(rep[1]);
    close(hold[0]);
    cl_int fin = 1;
    CHECK(read(rep[0], &fin, sizeof fin) == (ssize_t)sizeof fin);
    CHECK_MSG(fin == CL_OUT_OF_RESOURCES, "the hog's finish: %d, not CL_OUT_OF_RESOURCES", fin);
    int status = compute_saxpy_new_client(11, 2);
    CHECK_MSG(status == 0, "while the hog holds its buffers a new client failed: status %d", status);
    close(hold[1]);
    close(rep[0]);
    waitpid(hog, NULL, 0);
}

/* Sources of 60 MiB: the fifth exceeds the default 256 MiB; one released makes room again. */
static void big_sources(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct harness_client c;
        if (harness_client_open(&c, NULL) != 0)
            _exit(1);
        size_t len = (size_t)60 << 20;
        char *src = malloc(len + 1);
        if (!src)
            _exit(2);
        memset(src, ' ', len);
        memcpy(src, "__kernel void k(__global int *x) { x[0] = 1; }", 47);
        src[len] = 0;
        const char *s = src;
        cl_program progs[6];
        cl_int errs[6];
        for (int i = 0; i < 6; i++)
            progs[i] = clCreateProgramWithSource(c.ctx, 1, &s, &len, &errs[i]);
        int ok = 1;
        for (int i = 0; i < 4; i++)
            ok &= progs[i] != NULL && errs[i] == CL_SUCCESS;
        if (!ok)
            _exit(3);
        if (progs[4] || errs[4] != CL_OUT_OF_RESOURCES)
            _exit(4);
        clReleaseProgram(progs[0]);
        cl_int err;
        cl_program again = clCreateProgramWithSource(c.ctx, 1, &s, &len, &err);
        _exit(again && err == CL_SUCCESS ? 0 : 5);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "60 MiB sources: client status %d (3: refused early, "
              "4: the fifth was accepted, 5: no room after a release)", status);
}

/* The daemon's first answer on fd: a reply's status, 1000 when it closes the connection, -1 when nothing comes. */
static int first_answer(int fd, int timeout_ms)
{
    struct kr_conn c;
    kr_conn_init(&c, fd);
    int status = -1;
    struct pollfd pf = {fd, POLLIN, 0};
    if (poll(&pf, 1, timeout_ms) > 0) {
        struct kr_header h;
        const uint8_t *payload;
        status = 1000;
        if (kr_conn_read_frame(&c, &h, &payload) == 1) {
            struct kr_reader r;
            kr_reader_init(&r, payload, h.length);
            status = kr_get_i32(&r);
        }
    }
    kr_conn_free(&c);
    return status;
}

/* 12 connections sending half a header with at most 8 sessions per uid and a 1 s frame timeout. */
static void half_headers(void)
{
    struct harness h;
    CHECK(harness_init(&h, 1) == 0);
    CHECK_MSG(harness_start_daemon(&h, "--max-sessions-per-uid", "8") == 0, "kiln-remoted did not start");
    enum { CONNS = 12 };
    int fds[CONNS];
    for (int i = 0; i < CONNS; i++) {
        fds[i] = harness_connect(&h);
        CHECK(fds[i] >= 0);
        if (fds[i] >= 0 && send(fds[i], "\x04\0\0\0\x01\0\0\0", 8, MSG_NOSIGNAL) != 8)
            fprintf(stderr, "connection %d: closed before half a header was sent\n", i);
        harness_sleep_ms(50); /* in order: the daemon sees them one by one */
    }
    int refused = 0, dropped = 0;
    time_t deadline = time(NULL) + 60; /* six times the default frame timeout, for all of them */
    for (int i = 0; i < CONNS; i++) {
        long left_ms = (long)(deadline - time(NULL)) * 1000;
        int st = fds[i] >= 0 ? first_answer(fds[i], left_ms > 0 ? (int)left_ms : 0) : -1;
        refused += st == CL_OUT_OF_RESOURCES;
        dropped += st == 1000;
        if (fds[i] >= 0)
            close(fds[i]);
    }
    CHECK_MSG(refused == CONNS - 8 && dropped == 8, "%d refused (expected %d), %d dropped (expected 8)", refused,
              CONNS - 8, dropped);
    int status = compute_saxpy_new_client(13, 2);
    CHECK_MSG(status == 0, "after the half-sent frames a new client failed: status %d", status);
    harness_stop(&h);
}

/* 150 kernels behind a user event with --max-pending 100: 100 run, 50 are refused, then the queue takes more. */
static void pending_commands(void)
{
    struct harness h;
    CHECK(harness_init(&h, 1) == 0);
    CHECK_MSG(harness_start_daemon(&h, "--max-pending", "100") == 0, "kiln-remoted did not start");
    pid_t pid = fork();
    if (pid == 0) {
        static const char *src = "__kernel void add_one(__global int *x) { x[0] += 1; }";
        struct harness_client c;
        cl_int err;
        if (harness_client_open(&c, src) != 0)
            _exit(2);
        cl_kernel k = clCreateKernel(c.prog, "add_one", &err);
        int zero = 0, got = -1;
        cl_mem m = clCreateBuffer(c.ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof zero, &zero, &err);
        cl_event gate = clCreateUserEvent(c.ctx, &err);
        clSetKernelArg(k, 0, sizeof m, &m);
        size_t one = 1;
        for (int i = 0; i < 150; i++)
            clEnqueueNDRangeKernel(c.q, k, 1, NULL, &one, NULL, i == 0, i == 0 ? &gate : NULL, NULL);
        clFlush(c.q);
        clSetUserEventStatus(gate, CL_COMPLETE);
        if (clFinish(c.q) != CL_OUT_OF_RESOURCES)
            _exit(3);
        clEnqueueReadBuffer(c.q, m, CL_TRUE, 0, sizeof got, &got, 0, NULL, NULL);
        if (got != 100)
            _exit(4);
        for (int i = 0; i < 10; i++)
            clEnqueueNDRangeKernel(c.q, k, 1, NULL, &one, NULL, 0, NULL, NULL);
        if (clFinish(c.q) != CL_SUCCESS)
            _exit(5);
        clEnqueueReadBuffer(c.q, m, CL_TRUE, 0, sizeof got, &got, 0, NULL, NULL);
        _exit(got == 110 ? 0 : 6);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "pending commands: client status %d (3: no refusal "
              "reported, 4: not exactly 100 ran, 5/6: the drained queue refused more)", status);
    harness_stop(&h);
}

/* CPU seconds the process has used (user and system), from /proc; -1 when unreadable. */
static double cpu_seconds(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long utime, stime;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* The daemon at a soft limit of 20 descriptors: 16 connections each get an answer within 20 s, some a refusal. */
static void descriptor_limit(void)
{
    struct harness h;
    CHECK(harness_init(&h, 1) == 0);
    struct rlimit old, low;
    CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0);
    low = old;
    low.rlim_cur = 20;
    CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
    int started = harness_start_daemon(&h, NULL, NULL);
    CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
    CHECK_MSG(started == 0, "kiln-remoted did not start");
    enum { CONNS = 16 };
    int fds[CONNS];
    int served = 0, refused = 0, closed = 0, hung = 0;
    for (int i = 0; i < CONNS; i++) {
        fds[i] = harness_connect(&h);
        uint8_t hello[KR_FRAME_HEADER_BYTES + 4] = {4, 0, 0, 0, KR_OP_HELLO, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
                                                    KR_PROTOCOL_VERSION, 0, 0, 0};
        int st = fds[i] < 0 ? 1000 : send(fds[i], hello, sizeof hello, MSG_NOSIGNAL) < 0 ? 1000
                                                                                       : first_answer(fds[i], 20000);
        served += st == CL_SUCCESS;
        refused += st == CL_OUT_OF_RESOURCES;
        closed += st == 1000;
        hung += st == -1;
    }
    CHECK_MSG(served >= 1 && refused >= 1 && hung == 0, "%d served, %d refused, %d closed at once, %d left hanging",
              served, refused, closed, hung);
    /* Still at the limit, a client that connects and waits must not make the daemon spin (a spinning
     * daemon takes a core's worth of seconds; one that backs off takes next to nothing). */
    double before = cpu_seconds(h.daemon);
    int waiting = harness_connect(&h);
    harness_sleep_ms(3000);
    double used = cpu_seconds(h.daemon) - before;
    CHECK_MSG(before >= 0 && used < 0.25, "at the descriptor limit the daemon used %.2f s of CPU in 3 s", used);
    if (waiting >= 0)
        close(waiting);
    for (int i = 0; i < CONNS; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    harness_sleep_ms(500);
    int status = compute_saxpy_new_client(17, 2);
    CHECK_MSG(status == 0, "after the descriptor limit a new client failed: status %d", status);
    harness_stop(&h);
}

/* A socket that takes connections but never answers: the ICD gives up within its connect timeout. */
static void silent_daemon(void)
{
    struct harness h;
    CHECK(harness_init(&h, 0) == 0);
    struct sockaddr_un addr = {0};
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, h.socket, strlen(h.socket) + 1);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(ls >= 0 && bind(ls, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(ls, 4) == 0);
    setenv("KILN_REMOTE_CONNECT_TIMEOUT_MS", "1000", 1);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(60); /* a hang is the failure */
        cl_platform_id ps[4];
        cl_uint n = 0;
        cl_int err = clGetPlatformIDs(4, ps, &n);
        _exit(err != CL_SUCCESS || n == 0 ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "against a silent socket: client status %d "
              "(signal 14: it hung)", status);
    unsetenv("KILN_REMOTE_CONNECT_TIMEOUT_MS");
    close(ls);
    harness_stop(&h);
}

int main(void)
{
    struct harness h;
    signal(SIGPIPE, SIG_IGN);
    alarm(280);
    CHECK(harness_init(&h, 1) == 0);
    CHECK_MSG(harness_start_daemon(&h, NULL, NULL) == 0, "kiln-remoted did not start");
    many_buffers();
    big_sources();
    harness_stop(&h);
    half_headers();
    pending_commands();
    descriptor_limit();
    silent_daemon();
    CHECK_DONE();
}
