/*
 * spawn.c: one process per session. The listening process never loads or
 * calls OpenCL (forking a process whose driver has started threads is unsafe,
 * NVIDIA's especially), so it can fork at any time: it keeps one warm session
 * process that has already loaded the platform, hands it each accepted
 * connection over a private socket (SCM_RIGHTS) and forks the next warm one.
 * A session process serves its one client and exits; a driver crash ends that
 * process only. The listener reaps them, clears their counters, counts
 * sessions per uid, refuses connections past the limits with a HELLO reply of
 * CL_OUT_OF_RESOURCES and, at the descriptor limit, refuses and backs off
 * instead of spinning. Session processes die with the listener.
 */
#include "runtime/remote/daemon_int.h"
#include "runtime/remote/wire.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* After the client hangs up, how long a session may take to clean up before its process just exits. */
#define HANGUP_GRACE_MS 2000
/* Back-off after the descriptor limit or a warm process that died before serving. */
#define BACKOFF_MS 200
/* The next warm process is forked this long after a hand-off, so that loading its platform does not
 * compete with the first replies of the session just handed off. */
#define WARM_DELAY_MS 100
/* A refused connection stays open this long, so that the client's HELLO is sent and the refusal read. */
#define LINGER_MS 1000

/* What the warm process reports once it has loaded the platform. */
struct ready_report {
    int32_t ok;
    uint32_t ndevices;
    int32_t in_place;
    char library[512];
    char err[512];
};

/* What the listener sends with a client's descriptor. */
struct handoff {
    uint32_t slot;
    int32_t pid;
    uint32_t uid;
};

struct kr_spawn_child {
    pid_t pid;
    uid_t uid;
    unsigned slot;
    /* Kept open until the process ends: closing it with the warm report unread would reset
     * the connection before the process has read its client's descriptor. */
    int ctl;
};

static int g_sigchld[2] = {-1, -1};

static int64_t close_lingering(struct kr_spawn *sp, int force);

static void on_sigchld(int sig)
{
    (void)sig;
    int saved = errno;
    char c = 1;
    ssize_t w = write(g_sigchld[1], &c, 1);
    (void)w;
    errno = saved;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* In the session process: ends the process once the client has gone and the session did not finish in time. */
static void *watch_hangup(void *arg)
{
    int fd = *(int *)arg;
    struct pollfd pf = {fd, 0, 0};
    while (poll(&pf, 1, -1) < 0 || !(pf.revents & (POLLHUP | POLLERR)))
        ;
    sleep_ms(HANGUP_GRACE_MS);
    _exit(3);
    return NULL;
}

/* Waits for the listener's hand-off: the client's descriptor (and *h), or -1 when the listener is gone. */
static int receive_client(int ctl, struct handoff *h)
{
    int fd = -1;
    union {
        struct cmsghdr hdr;
        char space[CMSG_SPACE(sizeof(int))];
    } cmsg;
    struct iovec iov = {h, sizeof *h};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cmsg.space;
    m.msg_controllen = sizeof cmsg.space;
    ssize_t n;
    while ((n = recvmsg(ctl, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    struct cmsghdr *c = n == (ssize_t)sizeof *h ? CMSG_FIRSTHDR(&m) : NULL;
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

/* The warm process: loads the platform, reports, waits for its client, serves it and exits. */
static void warm_main(const struct kr_spawn_config *cfg, int ctl, int listen_fd)
{
    if (listen_fd >= 0)
        close(listen_fd);
    /* Drivers open many files; the listener may run at a lower soft limit than a session needs. */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    struct kr_platform p;
    struct ready_report rep;
    memset(&rep, 0, sizeof rep);
    rep.ok = kr_platform_load(&p, cfg->vendors, rep.err, sizeof rep.err) == 0;
    if (rep.ok) {
        if (cfg->copy_mode)
            p.in_place = 0;
        p.chunk_blocking = cfg->chunk_blocking;
        p.stats_all = cfg->stats_all;
        p.capture = cfg->capture;
        p.limits = &cfg->limits;
        p.shared = cfg->shared;
        p.exit_frees = 1;
        rep.ndevices = p.ndevices;
        rep.in_place = p.in_place;
        snprintf(rep.library, sizeof rep.library, "%s", p.library);
    }
    if (send(ctl, &rep, sizeof rep, MSG_NOSIGNAL) != (ssize_t)sizeof rep || !rep.ok)
        _exit(1);
    struct handoff h;
    int fd = receive_client(ctl, &h);
    close(ctl);
    if (fd < 0)
        _exit(0); /* the listener went away before a client came */
    p.slot = h.slot;
    pthread_t t;
    if (pthread_create(&t, NULL, watch_hangup, &fd) != 0)
        _exit(1);
    int rc = kr_session_run(&p, fd);
    if (cfg->verbose || rc != 0)
        fprintf(stderr, "kiln-remoted: session of pid %d (uid %u) %s\n", (int)h.pid, (unsigned)h.uid,
                rc == 0 ? "closed" : "dropped: protocol violation, broken connection or limit");
    _exit(rc == 0 ? 0 : 2);
}

/* Forks a warm process; its control socket in *ctl. The pid, or -1. */
static pid_t spawn_warm(struct kr_spawn *sp, int *ctl)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* sessions end with the daemon */
        if (getppid() != parent)
            _exit(0);
        signal(SIGCHLD, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        close(sv[0]);
        close(g_sigchld[0]);
        close(g_sigchld[1]);
        if (sp->warm_ctl >= 0)
            close(sp->warm_ctl);
        for (unsigned i = 0; i < sp->nchildren; i++)
            if (sp->children[i].pid > 0)
                close(sp->children[i].ctl);
        if (sp->reserve_fd >= 0)
            close(sp->reserve_fd);
        close_lingering(sp, 1);
        warm_main(&sp->cfg, sv[1], sp->listen_fd);
    }
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        return -1;
    }
    *ctl = sv[0];
    return pid;
}

int kr_spawn_start(struct kr_spawn *sp, const struct kr_spawn_config *cfg, char *desc, size_t desclen, char *err,
                   size_t errlen)
{
    memset(sp, 0, sizeof *sp);
    sp->cfg = *cfg;
    sp->listen_fd = sp->warm_ctl = sp->reserve_fd = -1;
    for (int i = 0; i < KR_SPAWN_LINGER; i++)
        sp->linger_fd[i] = -1;
    sp->nchildren = cfg->limits.sessions;
    sp->children = calloc(sp->nchildren, sizeof *sp->children);
    if (!sp->children || pipe2(g_sigchld, O_NONBLOCK | O_CLOEXEC) != 0) {
        snprintf(err, errlen, "out of memory or descriptors");
        return -1;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    sp->warm = spawn_warm(sp, &sp->warm_ctl);
    struct ready_report rep;
    if (sp->warm < 0 || recv(sp->warm_ctl, &rep, sizeof rep, 0) != (ssize_t)sizeof rep || !rep.ok) {
        snprintf(err, errlen, "%s", sp->warm < 0 ? "cannot fork a session process" : rep.err);
        return -1;
    }
    snprintf(desc, desclen, "%s (%u device%s, %s)", rep.library, rep.ndevices, rep.ndevices == 1 ? "" : "s",
             rep.in_place ? "in-place shared buffers" : "copy mode");
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Closes the refused connections whose time is up (all of them with force); the next deadline, or -1. */
static int64_t close_lingering(struct kr_spawn *sp, int force)
{
    int64_t now = now_ms(), next = -1;
    for (int i = 0; i < KR_SPAWN_LINGER; i++) {
        if (sp->linger_fd[i] < 0)
            continue;
        if (force || sp->linger_until[i] <= now) {
            close(sp->linger_fd[i]);
            sp->linger_fd[i] = -1;
        } else if (next < 0 || sp->linger_until[i] < next) {
            next = sp->linger_until[i];
        }
    }
    return next;
}

/*
 * Refuses a connection: a HELLO reply of CL_OUT_OF_RESOURCES (the client's
 * first frame is HELLO, seq 1); the connection lingers half-closed for a
 * while unless there is no room (or linger is 0).
 */
static void refuse(struct kr_spawn *sp, int fd, const char *why, uid_t uid, int linger)
{
    struct kr_buf b = {0};
    size_t start = kr_frame_begin(&b, KR_OP_HELLO | KR_REPLY_BIT, 1);
    kr_put_i32(&b, CL_OUT_OF_RESOURCES);
    kr_put_u32(&b, KR_PROTOCOL_VERSION);
    kr_put_u32(&b, 0);
    kr_put_u32(&b, 0);
    kr_frame_end(&b, start);
    if (!b.failed) {
        int flags = fcntl(fd, F_GETFL);
        fcntl(fd, F_SETFL, flags | O_NONBLOCK); /* never wait on a client that does not read */
        ssize_t w = send(fd, b.data, b.len, MSG_NOSIGNAL);
        (void)w;
    }
    kr_buf_free(&b);
    shutdown(fd, SHUT_WR);
    int slot = -1;
    for (int i = 0; linger && i < KR_SPAWN_LINGER && slot < 0; i++)
        if (sp->linger_fd[i] < 0)
            slot = i;
    if (slot >= 0) {
        sp->linger_fd[slot] = fd;
        sp->linger_until[slot] = now_ms() + LINGER_MS;
    } else {
        close(fd);
    }
    if (uid == (uid_t)-1)
        fprintf(stderr, "kiln-remoted: refused a connection: %s\n", why);
    else
        fprintf(stderr, "kiln-remoted: refused a connection of uid %u: %s\n", (unsigned)uid, why);
}

static unsigned sessions_of(const struct kr_spawn *sp, uid_t uid, unsigned *all)
{
    unsigned n = 0;
    *all = 0;
    for (unsigned i = 0; i < sp->nchildren; i++)
        if (sp->children[i].pid > 0) {
            (*all)++;
            n += sp->children[i].uid == uid;
        }
    return n;
}

static void reap(struct kr_spawn *sp)
{
    char sink[64];
    while (read(g_sigchld[0], sink, sizeof sink) > 0)
        ;
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == sp->warm) {
            /* died before serving anyone: the platform no longer loads (descriptors, memory) */
            close(sp->warm_ctl);
            sp->warm = -1;
            sp->warm_ctl = -1;
            sp->backoff_until_ms = now_ms() + BACKOFF_MS;
            continue;
        }
        for (unsigned i = 0; i < sp->nchildren; i++) {
            struct kr_spawn_child *c = &sp->children[i];
            if (c->pid != pid)
                continue;
            if (WIFSIGNALED(status))
                fprintf(stderr, "kiln-remoted: session process %d (uid %u) ended by signal %d; other sessions go on\n",
                        (int)pid, (unsigned)c->uid, WTERMSIG(status));
            kr_shared_clear_slot(sp->cfg.shared, c->slot);
            close(c->ctl);
            c->pid = 0;
        }
    }
}

/* Hands fd to the warm process as the session in slot; 0, or -1 (fd still ours). */
static int hand_off(struct kr_spawn *sp, int fd, const struct ucred *cred, unsigned slot)
{
    struct handoff h = {slot, cred->pid, cred->uid};
    return kr_send_all(sp->warm_ctl, &h, sizeof h, fd);
}

/* Serves one accepted connection: checks, limits, hand-off to the warm process. */
static void serve_connection(struct kr_spawn *sp, int fd, int (*uid_allowed)(uid_t))
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || !uid_allowed(cred.uid)) {
        fprintf(stderr, "kiln-remoted: refused connection from uid %u (pid %d)\n", (unsigned)cred.uid, (int)cred.pid);
        close(fd);
        return;
    }
    unsigned all, mine = sessions_of(sp, cred.uid, &all);
    if (all >= sp->cfg.limits.sessions) {
        refuse(sp, fd, "too many sessions (--max-sessions)", cred.uid, 1);
        return;
    }
    if (mine >= sp->cfg.limits.sessions_per_uid) {
        refuse(sp, fd, "too many sessions of this uid (--max-sessions-per-uid)", cred.uid, 1);
        return;
    }
    if (sp->warm < 0)
        sp->warm = spawn_warm(sp, &sp->warm_ctl);
    unsigned slot = 0;
    while (slot < sp->nchildren && sp->children[slot].pid > 0)
        slot++;
    if (sp->warm < 0 || slot == sp->nchildren || hand_off(sp, fd, &cred, slot) != 0) {
        refuse(sp, fd, "no session process could be started", cred.uid, 1);
        return;
    }
    close(fd);
    sp->children[slot] = (struct kr_spawn_child){sp->warm, cred.uid, slot, sp->warm_ctl};
    sp->warm = -1;
    sp->warm_ctl = -1;
    sp->warm_at_ms = now_ms() + WARM_DELAY_MS; /* the next client's */
}

/*
 * At the descriptor limit: refuse the oldest waiting connection with the
 * reserve descriptor freed for it, then stop accepting for a while.
 */
static void at_fd_limit(struct kr_spawn *sp)
{
    close_lingering(sp, 1);
    if (sp->reserve_fd >= 0) {
        close(sp->reserve_fd);
        sp->reserve_fd = -1;
    }
    int fd = accept4(sp->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0)
        refuse(sp, fd, "the daemon is at its descriptor limit", (uid_t)-1, 0);
    sp->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    sp->backoff_until_ms = now_ms() + BACKOFF_MS;
}

int kr_spawn_serve(struct kr_spawn *sp, int listen_fd, int (*uid_allowed)(uid_t))
{
    sp->listen_fd = listen_fd;
    sp->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    for (;;) {
        int64_t next_close = close_lingering(sp, 0), now = now_ms();
        int waiting = sp->backoff_until_ms > now;
        if (!waiting) {
            sp->backoff_until_ms = 0;
            if (sp->warm < 0 && sp->warm_at_ms <= now && (sp->warm = spawn_warm(sp, &sp->warm_ctl)) < 0)
                sp->warm_at_ms = now + BACKOFF_MS; /* no descriptors or processes left: try again later */
        }
        int64_t until = waiting ? sp->backoff_until_ms : sp->warm < 0 ? sp->warm_at_ms : -1;
        if (next_close >= 0 && (until < 0 || next_close < until))
            until = next_close;
        struct pollfd pf[2] = {{g_sigchld[0], POLLIN, 0}, {listen_fd, POLLIN, 0}};
        int rc = poll(pf, waiting ? 1 : 2, until < 0 ? -1 : (int)(until > now ? until - now : 0));
        if (rc < 0 && errno != EINTR)
            return -1;
        reap(sp);
        if (waiting || rc <= 0 || !(pf[1].revents & POLLIN))
            continue;
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0)
            serve_connection(sp, fd, uid_allowed);
        else if (errno == EMFILE || errno == ENFILE)
            at_fd_limit(sp);
        else if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
            return -1;
    }
}
