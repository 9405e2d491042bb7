/*
 * remoted.c: the kiln-remoted program. Loads the real OpenCL platform, listens
 * on a Unix socket in a directory of its own (listen.c), checks each caller's
 * uid with SO_PEERCRED and serves each accepted connection as one session on
 * its own thread. As a program (not a library) it logs to stderr.
 */
#include "runtime/remote/daemon_int.h"
#include "runtime/remote/capture.h"
#include "runtime/remote/listen.h"
#include "runtime/remote/wire.h"

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_ALLOWED_UIDS 16

static struct kr_platform g_platform;
static struct kr_capture g_capture;
static uid_t g_allowed[MAX_ALLOWED_UIDS];
static int g_nallowed;
static int g_verbose;
static struct kr_listener g_listener;

struct client {
    int fd;
    pid_t pid;
    uid_t uid;
};

static void *serve(void *arg)
{
    struct client c = *(struct client *)arg;
    free(arg);
    int rc = kr_session_run(&g_platform, c.fd);
    close(c.fd);
    if (g_verbose || rc != 0)
        fprintf(stderr, "kiln-remoted: session of pid %d (uid %u) %s\n", (int)c.pid, (unsigned)c.uid,
                rc == 0 ? "closed" : "dropped: protocol violation or broken connection");
    return NULL;
}

static int uid_allowed(uid_t uid)
{
    for (int i = 0; i < g_nallowed; i++)
        if (g_allowed[i] == uid)
            return 1;
    return 0;
}

static void on_signal(int sig)
{
    kr_listen_cleanup(&g_listener);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: kiln-remoted [--socket PATH] [--group GROUP] [--vendors DIR] [--allow-uid UID]... [--copy-mode]\n"
            "                    [--chunk-blocking] [--stats-all] [--verbose]\n"
            "  --socket PATH    Unix socket to listen on (default $KILN_REMOTE_SOCKET, else\n"
            "                   $XDG_RUNTIME_DIR/kiln/remoted.sock, else /tmp/kiln-UID/remoted.sock); its directory\n"
            "                   is made mode 0700 if missing and must belong to the daemon's uid, writable by\n"
            "                   nobody else; a file already at PATH is replaced only if it is a dead socket\n"
            "  --group GROUP    let GROUP's members reach the socket (directory 0710 + setgid, socket 0660);\n"
            "                   they still need --allow-uid\n"
            "  --vendors DIR    folder of *.icd files naming the real platform (default /etc/OpenCL/vendors)\n"
            "  --allow-uid UID  accept callers with this uid (repeatable; default: the daemon's own uid)\n"
            "  --copy-mode      never let the device compute in the shared memory (as on a discrete GPU)\n"
            "  --chunk-blocking pipelined copy-mode transfers: one blocking device copy per chunk\n"
            "                   (default: non-blocking copies with events)\n"
            "  --capture DIR    write kernel launches as regression cases (kiln regress check) into DIR\n"
            "  --capture-kernel NAME   only launches of kernel NAME\n"
            "  --capture-max N  the first N launches of each kernel (default 10)\n"
            "  --stats-all      STATS answers daemon-wide counts (every session's); default: the caller's own\n"
            "  --verbose        log every session's end\n");
}

int main(int argc, char **argv)
{
    const char *path = getenv("KILN_REMOTE_SOCKET"), *vendors = NULL, *group = NULL;
    int copy_mode = 0, chunk_blocking = 0, stats_all = 0;
    const char *capture_dir = NULL, *capture_kernel = NULL;
    unsigned long capture_max = 10;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--socket") && i + 1 < argc)
            path = argv[++i];
        else if (!strcmp(argv[i], "--group") && i + 1 < argc)
            group = argv[++i];
        else if (!strcmp(argv[i], "--stats-all"))
            stats_all = 1;
        else if (!strcmp(argv[i], "--vendors") && i + 1 < argc)
            vendors = argv[++i];
        else if (!strcmp(argv[i], "--allow-uid") && i + 1 < argc && g_nallowed < MAX_ALLOWED_UIDS)
            g_allowed[g_nallowed++] = (uid_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--copy-mode"))
            copy_mode = 1;
        else if (!strcmp(argv[i], "--chunk-blocking"))
            chunk_blocking = 1;
        else if (!strcmp(argv[i], "--capture") && i + 1 < argc)
            capture_dir = argv[++i];
        else if (!strcmp(argv[i], "--capture-kernel") && i + 1 < argc)
            capture_kernel = argv[++i];
        else if (!strcmp(argv[i], "--capture-max") && i + 1 < argc && argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9')
            capture_max = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--verbose"))
            g_verbose = 1;
        else {
            usage();
            return 2;
        }
    }
    char default_path[108];
    if (!path || !*path) {
        if (kr_default_socket_path(default_path, sizeof default_path) != 0) {
            fprintf(stderr, "kiln-remoted: the default socket path is too long; name one with --socket\n");
            return 2;
        }
        path = default_path;
    }
    gid_t share_gid = (gid_t)-1;
    if (group) {
        char *end;
        unsigned long gid = strtoul(group, &end, 10);
        struct group *gr = *end || !*group ? getgrnam(group) : NULL;
        if ((*end || !*group) && !gr) {
            fprintf(stderr, "kiln-remoted: --group %s: no such group\n", group);
            return 2;
        }
        share_gid = gr ? gr->gr_gid : (gid_t)gid;
    }
    if (g_nallowed == 0)
        g_allowed[g_nallowed++] = geteuid();

    char err[1024];
    if (kr_platform_load(&g_platform, vendors, err, sizeof err) != 0) {
        fprintf(stderr, "kiln-remoted: %s\n", err);
        return 1;
    }
    if (copy_mode)
        g_platform.in_place = 0;
    g_platform.chunk_blocking = chunk_blocking;
    g_platform.stats_all = stats_all;
    if (capture_dir) {
        if (kr_capture_init(&g_capture, capture_dir, capture_kernel, (unsigned)capture_max, err, sizeof err) != 0) {
            fprintf(stderr, "kiln-remoted: %s\n", err);
            return 2;
        }
        g_platform.capture = &g_capture;
    }

    if (kr_listen_open(&g_listener, path, share_gid, err, sizeof err) != 0) {
        fprintf(stderr, "kiln-remoted: %s\n", err);
        return 1;
    }
    int ls = g_listener.fd;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    fprintf(stderr, "kiln-remoted: serving %s (%u device%s, %s) on %s\n", g_platform.library, g_platform.ndevices,
            g_platform.ndevices == 1 ? "" : "s", g_platform.in_place ? "in-place shared buffers" : "copy mode",
            path);

    for (;;) {
        int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE)
                continue;
            fprintf(stderr, "kiln-remoted: accept: %s\n", strerror(errno));
            return 1;
        }
        struct ucred cred;
        socklen_t len = sizeof cred;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || !uid_allowed(cred.uid)) {
            fprintf(stderr, "kiln-remoted: refused connection from uid %u (pid %d)\n", (unsigned)cred.uid,
                    (int)cred.pid);
            close(fd);
            continue;
        }
        struct client *c = malloc(sizeof *c);
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (c) {
            c->fd = fd;
            c->pid = cred.pid;
            c->uid = cred.uid;
        }
        if (!c || pthread_create(&t, &attr, serve, c) != 0) {
            free(c);
            close(fd);
        }
        pthread_attr_destroy(&attr);
    }
}
