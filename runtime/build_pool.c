/*
 * build_pool.c: OpenCL builds in processes of their own (kiln-build).
 *
 * Some drivers compile one program at a time per process whatever the number
 * of threads asking (NVIDIA's OpenCL: 64 matmul variants took 5.0 to 5.6 s on
 * 1, 2, 4 or 16 threads of one process, 4.2 s on 4 processes; bench/tuner).
 * The pool starts up to `max` helper processes, each opening the same device
 * (checked by fingerprint), and hands each build to an idle one over a socket
 * pair; the helper answers the build's status, log and program binary, which
 * the caller loads. A helper that dies while building fails that build only
 * (the compiler crashed on that source), and the next build starts a new one;
 * one that does not answer within the build time limit is killed (the
 * compiler hangs), one that does not end when the pool closes, 2 s later.
 *
 * The wire, in host byte order (both ends on one machine):
 *   hello    helper -> pool: int32 status (0 ready), uint32 n, n bytes of text
 *   request  pool -> helper: uint32 source bytes, uint32 option bytes, both
 *   answer   helper -> pool: int32 CL status, uint32 log bytes, uint64 binary
 *            bytes, the log, the binary
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "runtime/rt_int.h"

extern char **environ;

enum { HELPER_FD = 3, MAX_PROCS = 64 };
enum { SLOT_EMPTY, SLOT_STARTING, SLOT_IDLE, SLOT_BUSY }; /* STARTING: spawned, its hello not read yet */

typedef struct slot {
    int state;
    pid_t pid;
    int fd;
} slot;

struct kiln_build_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    char selector[32], fingerprint[17];
    int max;
    int off;                 /* no helper could start: callers build themselves */
    char why_off[512];
    slot slots[MAX_PROCS];
};

/* ---- framing -------------------------------------------------------------- */

static int kiln_bp_write(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int kiln_bp_read(int fd, void *data, size_t n)
{
    char *p = data;
    while (n > 0) {
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* n bytes read into a new buffer (NUL-terminated), or NULL. */
static char *read_block(int fd, uint64_t n)
{
    if (n > (uint64_t)1 << 32)
        return NULL;
    char *b = malloc((size_t)n + 1);
    if (b && kiln_bp_read(fd, b, (size_t)n) != 0) {
        free(b);
        return NULL;
    }
    if (b)
        b[n] = '\0';
    return b;
}

int kiln_bp_hello(int fd, int status, const char *text)
{
    int32_t s = status;
    uint32_t n = (uint32_t)strlen(text);
    return kiln_bp_write(fd, &s, sizeof s) || kiln_bp_write(fd, &n, sizeof n) || kiln_bp_write(fd, text, n) ? -1
                                                                                                           : 0;
}

int kiln_bp_next_request(int fd, char **source, char **options)
{
    uint32_t len[2];
    *source = *options = NULL;
    if (kiln_bp_read(fd, len, sizeof len) != 0)
        return -1;
    *source = read_block(fd, len[0]);
    *options = *source ? read_block(fd, len[1]) : NULL;
    if (!*options) {
        free(*source);
        *source = NULL;
        return -1;
    }
    return 0;
}

int kiln_bp_answer(int fd, int status, const char *log, const void *bin, size_t bytes)
{
    int32_t s = status;
    uint32_t nlog = log ? (uint32_t)strlen(log) : 0;
    uint64_t nbin = bin ? bytes : 0;
    return kiln_bp_write(fd, &s, sizeof s) || kiln_bp_write(fd, &nlog, sizeof nlog) ||
                   kiln_bp_write(fd, &nbin, sizeof nbin) || kiln_bp_write(fd, log, nlog) ||
                   kiln_bp_write(fd, bin, (size_t)nbin)
               ? -1
               : 0;
}

/* ---- the helper's side ---------------------------------------------------- */

int kiln_build_helper_main(int argc, char **argv)
{
    /* It ends when the socket does: the pool closed it, or the process
     * that started it ended (a parent-death signal would come when the
     * thread that started it ends, which a worker thread may do first). */
    if (argc != 3) {
        fprintf(stderr, "usage: kiln-build P:D FINGERPRINT (started by kiln, talking on descriptor %d)\n",
                HELPER_FD);
        return 2;
    }
    return kiln_cl_build_serve(argv[1], argv[2], HELPER_FD) == 0 ? 0 : 1;
}

/* ---- the pool's side ------------------------------------------------------ */

/* The helper program: $KILN_BUILD_HELPER, else kiln-build beside this
 * program, else where it is installed, else in the build tree. */
static int helper_path(char *out, size_t len)
{
    const char *env = getenv("KILN_BUILD_HELPER");
    if (env && *env) {
        snprintf(out, len, "%s", env);
        return access(out, X_OK);
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            if (snprintf(out, len, "%s/kiln-build", self) < (int)len && access(out, X_OK) == 0)
                return 0;
        }
    }
#ifdef KILN_BUILD_HELPER_INSTALLED
    snprintf(out, len, "%s", KILN_BUILD_HELPER_INSTALLED);
    if (access(out, X_OK) == 0)
        return 0;
#endif
#ifdef KILN_BUILD_HELPER_TREE
    snprintf(out, len, "%s", KILN_BUILD_HELPER_TREE);
    if (access(out, X_OK) == 0)
        return 0;
#endif
    return -1;
}

kiln_build_pool *kiln_build_pool_new(const char *selector, const char *fingerprint, int max)
{
    kiln_build_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->freed, NULL);
    snprintf(p->selector, sizeof p->selector, "%s", selector);
    snprintf(p->fingerprint, sizeof p->fingerprint, "%s", fingerprint);
    p->max = max < 1 ? 1 : max > MAX_PROCS ? MAX_PROCS : max;
    return p;
}

/* What a helper's end meant, for an error: its exit status or signal. */
static void describe_end(pid_t pid, char *out, size_t len)
{
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    if (r != pid)
        snprintf(out, len, "ended");
    else if (WIFSIGNALED(status))
        snprintf(out, len, "was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(out, len, "exited with status %d", WEXITSTATUS(status));
}

/* Spawns a helper into s (its pid and socket), not waiting for its hello:
 * 0, or -1 with why. */
static int spawn_helper(kiln_build_pool *p, slot *s, char *why, size_t whylen)
{
    char path[PATH_MAX];
    if (helper_path(path, sizeof path) != 0) {
        snprintf(why, whylen, "no kiln-build program found (set KILN_BUILD_HELPER)");
        return -1;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(why, whylen, "socketpair: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], HELPER_FD);
    char *argv[] = {path, p->selector, p->fingerprint, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    if (rc != 0) {
        close(sv[0]);
        kiln_errf(why, whylen, "starting %s: %s", path, strerror(rc));
        return -1;
    }
    s->pid = pid;
    s->fd = sv[0];
    return 0;
}

/* Reads the hello of the helper spawned into s: 0 when it is ready, else -1
 * with why (s's socket closed, the helper's end reaped). */
static int await_hello(slot *s, char *why, size_t whylen)
{
    int32_t status;
    uint32_t n;
    char *text = NULL;
    if (kiln_bp_read(s->fd, &status, sizeof status) != 0 || kiln_bp_read(s->fd, &n, sizeof n) != 0 ||
        !(text = read_block(s->fd, n)) || status != 0) {
        char end[128], path[PATH_MAX];
        close(s->fd);
        describe_end(s->pid, end, sizeof end);
        if (helper_path(path, sizeof path) != 0)
            snprintf(path, sizeof path, "kiln-build");
        if (text && *text)
            kiln_errf(why, whylen, "%s: %s", path, text);
        else
            kiln_errf(why, whylen, "%s %s before it was ready", path, end);
        free(text);
        return -1;
    }
    free(text);
    return 0;
}

/* Starts a helper into s and waits until it is ready: 0, or -1 with why. */
static int start_helper(kiln_build_pool *p, slot *s, char *why, size_t whylen)
{
    return spawn_helper(p, s, why, whylen) == 0 ? await_hello(s, why, whylen) : -1;
}

/* The pool off: builds go back to the caller, why_off says why. Under p->lock. */
static void turn_off(kiln_build_pool *p, const char *why)
{
    p->off = 1;
    snprintf(p->why_off, sizeof p->why_off, "%s", why);
    pthread_cond_broadcast(&p->freed);
}

void kiln_build_pool_prestart(kiln_build_pool *p)
{
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->max && !p->off; i++) {
        slot *s = &p->slots[i];
        char why[512];
        if (s->state != SLOT_EMPTY)
            continue;
        if (spawn_helper(p, s, why, sizeof why) == 0)
            s->state = SLOT_STARTING;
        else
            turn_off(p, why);
    }
    pthread_mutex_unlock(&p->lock);
}

/* An idle helper, started if needed and allowed; NULL when the pool is off. */
static slot *acquire(kiln_build_pool *p)
{
    pthread_mutex_lock(&p->lock);
    for (;;) {
        if (p->off) {
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
        slot *empty = NULL, *starting = NULL;
        for (int i = 0; i < p->max; i++) {
            if (p->slots[i].state == SLOT_IDLE) {
                p->slots[i].state = SLOT_BUSY;
                pthread_mutex_unlock(&p->lock);
                return &p->slots[i];
            }
            if (p->slots[i].state == SLOT_EMPTY && !empty)
                empty = &p->slots[i];
            if (p->slots[i].state == SLOT_STARTING && !starting)
                starting = &p->slots[i];
        }
        if (starting) {
            /* prestarted: wait for its hello here, outside the lock */
            starting->state = SLOT_BUSY;
            pthread_mutex_unlock(&p->lock);
            char why[512];
            double t0 = kiln_trace_now();
            int ready = await_hello(starting, why, sizeof why) == 0;
            kiln_trace_span("wait for a kiln-build to start", NULL, t0);
            if (ready)
                return starting;
            pthread_mutex_lock(&p->lock);
            starting->state = SLOT_EMPTY;
            turn_off(p, why);
            continue;
        }
        if (empty) {
            empty->state = SLOT_BUSY;
            pthread_mutex_unlock(&p->lock);
            char why[512];
            double t0 = kiln_trace_now();
            int started = start_helper(p, empty, why, sizeof why) == 0;
            kiln_trace_span("start a kiln-build", NULL, t0);
            if (started)
                return empty;
            pthread_mutex_lock(&p->lock);
            empty->state = SLOT_EMPTY;
            turn_off(p, why);
            continue;
        }
        pthread_cond_wait(&p->freed, &p->lock);
    }
}

static void release(kiln_build_pool *p, slot *s, int alive)
{
    pthread_mutex_lock(&p->lock);
    s->state = alive ? SLOT_IDLE : SLOT_EMPTY;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

/* Sends one request to s: -1 when s was gone before it took it. */
static int send_request(slot *s, const char *source, const char *options)
{
    uint32_t len[2] = {(uint32_t)strlen(source), (uint32_t)strlen(options)};
    return kiln_bp_write(s->fd, len, sizeof len) || kiln_bp_write(s->fd, source, len[0]) ||
                   kiln_bp_write(s->fd, options, len[1])
               ? -1
               : 0;
}

/* How long a helper may take over one build before it is killed:
 * $KILN_BUILD_TIMEOUT_MS, else 10 minutes (a compiler that hangs). */
static int build_timeout_ms(void)
{
    const char *env = getenv("KILN_BUILD_TIMEOUT_MS");
    long ms = env && *env ? strtol(env, NULL, 10) : 0;
    return ms > 0 && ms < INT_MAX ? (int)ms : 600000;
}

/* 1 when fd has something to read (or its end) within ms, 0 when not. */
static int readable_within(int fd, int ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    for (;;) {
        int r = poll(&pfd, 1, ms);
        if (r < 0 && errno == EINTR)
            continue;
        return r != 0;
    }
}

/* Ends a helper that is gone (or must go): its end described in `end`. */
static void bury(kiln_build_pool *p, slot *s, char *end, size_t len)
{
    close(s->fd);
    describe_end(s->pid, end, len);
    release(p, s, 0);
}

int kiln_build_pool_build(kiln_build_pool *p, const char *source, const char *options, unsigned char **bin,
                          size_t *bytes, char **log, int *status, char *err, size_t errlen)
{
    *bin = NULL;
    *bytes = 0;
    *log = NULL;
    *status = 0;
    slot *s;
    char end[128];
    /* a helper found gone before it took the request (killed while idle)
     * is replaced: every idle one may be gone, then a new one starts */
    for (int attempt = 0;; attempt++) {
        if (!(s = acquire(p))) {
            kiln_errf(err, errlen, "%s", p->why_off);
            return 2;
        }
        if (send_request(s, source, options) == 0)
            break;
        pid_t pid = s->pid;
        bury(p, s, end, sizeof end);
        if (attempt == p->max) {
            kiln_errf(err, errlen, "the build process (kiln-build, pid %d) %s before it took the build", (int)pid,
                      end);
            return -1;
        }
    }
    int32_t st;
    uint32_t nlog;
    uint64_t nbin;
    int timeout_ms = build_timeout_ms();
    if (!readable_within(s->fd, timeout_ms)) {
        pid_t pid = s->pid;
        kill(pid, SIGKILL);
        bury(p, s, end, sizeof end);
        kiln_errf(err, errlen, "the build process (kiln-build, pid %d) did not answer within %.1f s building this "
                  "variant (KILN_BUILD_TIMEOUT_MS), and was killed", (int)pid, timeout_ms / 1000.0);
        return -1;
    }
    if (kiln_bp_read(s->fd, &st, sizeof st) == 0 && kiln_bp_read(s->fd, &nlog, sizeof nlog) == 0 &&
        kiln_bp_read(s->fd, &nbin, sizeof nbin) == 0 && (*log = read_block(s->fd, nlog)) != NULL &&
        (*bin = (unsigned char *)read_block(s->fd, nbin)) != NULL) {
        release(p, s, 1);
        *status = st;
        *bytes = (size_t)nbin;
        if (st != 0 || nbin == 0) {
            free(*bin);
            *bin = NULL;
            return 1;
        }
        return 0;
    }
    free(*log);
    *log = NULL;
    pid_t pid = s->pid;
    bury(p, s, end, sizeof end);
    kiln_errf(err, errlen, "the build process (kiln-build, pid %d) %s while building this variant", (int)pid, end);
    return -1;
}

/* The helpers are told to end (their sockets closed) and given 2 s to; one
 * still compiling then (a compiler that hangs) is killed. */
void kiln_build_pool_free(kiln_build_pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < MAX_PROCS; i++)
        if (p->slots[i].state != SLOT_EMPTY)
            close(p->slots[i].fd);
    for (int waited_ms = 0;; waited_ms += 10) {
        int left = 0;
        for (int i = 0; i < MAX_PROCS; i++) {
            slot *s = &p->slots[i];
            if (s->state == SLOT_EMPTY)
                continue;
            int status;
            pid_t r = waitpid(s->pid, &status, WNOHANG);
            if (r == s->pid || (r < 0 && errno != EINTR)) {
                s->state = SLOT_EMPTY;
                continue;
            }
            left++;
            if (waited_ms >= 2000)
                kill(s->pid, SIGKILL);
        }
        if (!left)
            break;
        usleep(10 * 1000);
    }
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
