/*
 * harness.h: what the remoting tests share: a private vendors folder naming
 * the remoting ICD (and PoCL, for native comparison), a daemon started on a
 * socket in a temporary folder, raw protocol connections for the tests that
 * must speak to the daemon without the ICD, and platform lookup by name.
 */
#ifndef KILN_TEST_REMOTE_HARNESS_H
#define KILN_TEST_REMOTE_HARNESS_H

#include "runtime/remote/wire.h"

#include <CL/cl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct harness {
    char dir[256];
    char vendors[300];
    char socket[300];
    pid_t daemon;
    int own_stats; /* start the daemon without --stats-all: STATS tells a session only about itself */
};

static void harness_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

__attribute__((unused)) static void harness_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Connects to the daemon's socket; -1 when nothing listens. */
static int harness_connect(const struct harness *h)
{
    struct sockaddr_un addr = {0};
    addr.sun_family = AF_UNIX;
    if (strlen(h->socket) >= sizeof addr.sun_path)
        return -1;
    memcpy(addr.sun_path, h->socket, strlen(h->socket) + 1);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s >= 0 && connect(s, (struct sockaddr *)&addr, sizeof addr) == 0)
        return s;
    if (s >= 0)
        close(s);
    return -1;
}

/* Makes the folder and the vendors list; with_pocl also lists the native platform. */
static int harness_init(struct harness *h, int with_pocl)
{
    memset(h, 0, sizeof *h);
    /* The socket's path must fit sun_path (108 bytes) and be reachable by another
     * uid (test_remote_protocol), which a build tree under a private home is not. */
    snprintf(h->dir, sizeof h->dir, "/tmp/kiln-remote-test-XXXXXX"); /* paths-ok: see above */
    if (!mkdtemp(h->dir))
        return -1;
    chmod(h->dir, 0711); /* a client under another uid must reach the socket to be refused by the daemon */
    snprintf(h->vendors, sizeof h->vendors, "%s/vendors", h->dir);
    snprintf(h->socket, sizeof h->socket, "%s/remoted.sock", h->dir);
    mkdir(h->vendors, 0755);
    char path[512];
    snprintf(path, sizeof path, "%s/kiln-remote.icd", h->vendors);
    harness_write(path, KR_ICD_PATH "\n");
    if (with_pocl) {
        FILE *f = fopen("/etc/OpenCL/vendors/pocl.icd", "r");
        char lib[256] = {0};
        if (!f)
            return -1;
        if (!fgets(lib, sizeof lib, f))
            lib[0] = 0;
        fclose(f);
        snprintf(path, sizeof path, "%s/pocl.icd", h->vendors);
        harness_write(path, lib);
    }
    setenv("OCL_ICD_VENDORS", h->vendors, 1);
    setenv("KILN_REMOTE_SOCKET", h->socket, 1);
    return 0;
}

/*
 * Starts kiln-remoted with the harness's vendors folder (which lists the
 * remoting ICD first: the daemon must skip it), with daemon-wide STATS unless
 * h->own_stats, plus extra arguments, and waits until it accepts connections.
 * Returns 0 or -1.
 */
static int harness_start_daemon(struct harness *h, const char *extra1, const char *extra2)
{
    h->daemon = fork();
    if (h->daemon == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a test killed by its timeout takes the daemon with it */
        const char *argv[10] = {KR_DAEMON_PATH, "--socket", h->socket, "--vendors", h->vendors, "--stats-all", NULL};
        int n = h->own_stats ? 5 : 6;
        if (extra1)
            argv[n++] = extra1;
        if (extra2)
            argv[n++] = extra2;
        argv[n] = NULL;
        execv(KR_DAEMON_PATH, (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        int s = harness_connect(h);
        if (s >= 0) {
            close(s);
            return 0;
        }
        int status;
        if (waitpid(h->daemon, &status, WNOHANG) == h->daemon) {
            h->daemon = 0;
            return -1;
        }
        harness_sleep_ms(50);
    }
    return -1;
}

__attribute__((unused)) static int harness_daemon_alive(const struct harness *h)
{
    int status;
    return h->daemon > 0 && waitpid(h->daemon, &status, WNOHANG) == 0;
}

static void harness_stop(struct harness *h)
{
    if (h->daemon > 0) {
        kill(h->daemon, SIGTERM);
        waitpid(h->daemon, NULL, 0);
        h->daemon = 0;
    }
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", h->dir);
}

/* The first platform whose name contains `needle` and not `unless` (NULL: anything), or NULL. */
static cl_platform_id harness_platform_unless(const char *needle, const char *unless)
{
    cl_platform_id ps[8];
    cl_uint n = 0;
    if (clGetPlatformIDs(8, ps, &n) != CL_SUCCESS)
        return NULL;
    for (cl_uint i = 0; i < n && i < 8; i++) {
        char name[256] = {0};
        clGetPlatformInfo(ps[i], CL_PLATFORM_NAME, sizeof name, name, NULL);
        if (strstr(name, needle) && !(unless && strstr(name, unless)))
            return ps[i];
    }
    return NULL;
}

/* The first platform whose name contains `needle`, or NULL. */
__attribute__((unused)) static cl_platform_id harness_platform(const char *needle)
{
    return harness_platform_unless(needle, NULL);
}

/* PoCL itself, not the remoted platform that carries its name in parentheses. */
__attribute__((unused)) static cl_platform_id harness_native_platform(void)
{
    return harness_platform_unless("Portable Computing Language", "kiln-remote");
}

/* A context and an in-order queue on the first device of p; NULL when p has none. */
__attribute__((unused)) static cl_command_queue harness_queue(cl_platform_id p, cl_device_id *d, cl_context *ctx)
{
    cl_int err;
    if (!p || clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, d, NULL) != CL_SUCCESS)
        return NULL;
    *ctx = clCreateContext(NULL, 1, d, NULL, NULL, &err);
    return *ctx ? clCreateCommandQueue(*ctx, *d, 0, &err) : NULL;
}

/* ---- clients through the ICD ---- */

struct harness_client {
    cl_device_id dev;
    cl_context ctx;
    cl_command_queue q;
    cl_program prog; /* NULL without a source */
};

/* A context and a queue on the remoted device and, given src, its program built; 0 or -1. */
__attribute__((unused)) static int harness_client_open(struct harness_client *c, const char *src)
{
    memset(c, 0, sizeof *c);
    if (!(c->q = harness_queue(harness_platform("kiln-remote"), &c->dev, &c->ctx)))
        return -1;
    if (!src)
        return 0;
    cl_int err;
    c->prog = clCreateProgramWithSource(c->ctx, 1, &src, NULL, &err);
    return c->prog && clBuildProgram(c->prog, 1, &c->dev, NULL, NULL, NULL) == CL_SUCCESS ? 0 : -1;
}

/*
 * Forks a client that runs fn(report_fd): fn writes one byte 'r' when it is
 * where the test wants it, then waits to be killed. Returns its pid once the
 * byte has arrived, or -1.
 */
__attribute__((unused)) static pid_t harness_fork_reporting(void (*fn)(int report_fd))
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        fn(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    char c = 0;
    int ok = read(fds[0], &c, 1) == 1 && c == 'r';
    close(fds[0]);
    return ok ? child : -1;
}


/* ---- raw protocol: for tests that play a (misbehaving) client by hand ---- */

struct raw {
    int sock;
    struct kr_conn conn;
    struct kr_buf out;
    uint64_t seq;
    struct kr_reader reply;
};

__attribute__((unused)) static int raw_open(struct raw *r, const struct harness *h)
{
    memset(r, 0, sizeof *r);
    r->sock = harness_connect(h);
    if (r->sock < 0)
        return -1;
    struct timeval tv = {10, 0};
    setsockopt(r->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    kr_conn_init(&r->conn, r->sock);
    return 0;
}

__attribute__((unused)) static void raw_close(struct raw *r)
{
    kr_conn_free(&r->conn);
    kr_buf_free(&r->out);
    if (r->sock >= 0)
        close(r->sock);
    r->sock = -1;
}

__attribute__((unused)) static size_t raw_begin(struct raw *r, uint32_t op) { return kr_frame_begin(&r->out, op, ++r->seq); }

/* Sends what is queued (with fd attached if >= 0). 0 or -1. */
__attribute__((unused)) static int raw_send(struct raw *r, size_t start, int fd)
{
    kr_frame_end(&r->out, start);
    int rc = kr_send_all(r->sock, r->out.data, r->out.len, fd);
    r->out.len = 0;
    return rc;
}

/* Reads one reply; returns its status, or 1000 when the connection dropped. */
__attribute__((unused)) static int raw_reply(struct raw *r)
{
    struct kr_header hd;
    const uint8_t *payload;
    if (kr_conn_read_frame(&r->conn, &hd, &payload) != 1)
        return 1000;
    kr_reader_init(&r->reply, payload, hd.length);
    return kr_get_i32(&r->reply);
}

__attribute__((unused)) static int raw_call(struct raw *r, size_t start)
{
    if (raw_send(r, start, -1) != 0)
        return 1000;
    return raw_reply(r);
}

/* True when the daemon closed this connection (read returns end of stream). */
__attribute__((unused)) static int raw_dropped(struct raw *r)
{
    char c;
    ssize_t n = recv(r->sock, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

__attribute__((unused)) static int raw_hello(struct raw *r)
{
    size_t s = raw_begin(r, KR_OP_HELLO);
    kr_put_u32(&r->out, KR_PROTOCOL_VERSION);
    return raw_call(r, s);
}

/* Live sessions, objects and shared mappings: daemon-wide (--stats-all) or this session's. */
__attribute__((unused)) static int raw_stats(struct raw *r, uint64_t out[3])
{
    size_t s = raw_begin(r, KR_OP_STATS);
    int st = raw_call(r, s);
    for (int i = 0; i < 3; i++)
        out[i] = kr_get_u64(&r->reply);
    return st;
}

#endif
