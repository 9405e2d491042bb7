/*
 * remoted.c: the kiln-remoted program. Listens on a Unix socket in a
 * directory of its own (listen.c), checks each caller's uid with SO_PEERCRED
 * and serves each accepted connection as one session in its own process
 * (spawn.c: this process never loads OpenCL). As a program (not a library) it
 * logs to stderr.
 */
#include "runtime/remote/daemon_int.h"
#include "runtime/remote/capture.h"
#include "runtime/remote/listen.h"
#include "runtime/remote/wire.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_ALLOWED_UIDS 16

static uid_t g_allowed[MAX_ALLOWED_UIDS];
static int g_nallowed;
static struct kr_spawn g_spawn;
static struct kr_listener g_listener;

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

static void usage(const struct kr_limits *d)
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
            "  --verbose        log every session's end\n"
            "Limits (each session is a process of its own; a request past a limit fails with\n"
            "CL_OUT_OF_RESOURCES in that session only):\n"
            "  --max-objects N           live objects of a session (default %llu)\n"
            "  --max-mapped-mib N        MiB of buffers a session holds (default %llu)\n"
            "  --max-program-mib N       MiB of program sources and binaries a session holds (default %llu)\n"
            "  --max-pending N           commands queued without the queue draining (default %llu)\n"
            "  --max-sessions N          sessions at once (default %u)\n"
            "  --max-sessions-per-uid N  sessions of one uid at once (default %u)\n"
            "  --frame-timeout-ms N      a frame begun must arrive whole within N ms (default %u)\n",
            (unsigned long long)d->objects, (unsigned long long)(d->mapped_bytes >> 20),
            (unsigned long long)(d->program_bytes >> 20), (unsigned long long)d->pending, d->sessions,
            d->sessions_per_uid, d->frame_timeout_ms);
}

/* Reads the number after a limit option; 0 or -1 (not a whole number from 1 to max). */
static int limit_arg(const char *opt, const char *text, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end || errno || v == 0 || v > max) {
        fprintf(stderr, "kiln-remoted: %s %s: expected a whole number from 1 to %llu\n", opt, text, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* Parses one limit option at argv[*i]; 1 when it was one (and valid), 0 when not a limit, -1 when invalid. */
static int parse_limit(int argc, char **argv, int *i, struct kr_limits *l)
{
    static const struct {
        const char *name;
        unsigned long long max, scale;
        int field;
    } opts[] = {{"--max-objects", 1ull << 32, 1, 0},       {"--max-mapped-mib", 1ull << 30, 1ull << 20, 1},
                {"--max-program-mib", 1ull << 20, 1ull << 20, 2}, {"--max-pending", 1ull << 32, 1, 3},
                {"--max-sessions", 65536, 1, 4},             {"--max-sessions-per-uid", 65536, 1, 5},
                {"--frame-timeout-ms", 86400000, 1, 6}};
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++) {
        if (strcmp(argv[*i], opts[k].name) != 0)
            continue;
        unsigned long long v;
        if (*i + 1 >= argc || limit_arg(opts[k].name, argv[*i + 1], opts[k].max, &v) != 0)
            return -1;
        ++*i;
        v *= opts[k].scale;
        switch (opts[k].field) {
        case 0: l->objects = v; break;
        case 1: l->mapped_bytes = v; break;
        case 2: l->program_bytes = v; break;
        case 3: l->pending = v; break;
        case 4: l->sessions = (unsigned)v; break;
        case 5: l->sessions_per_uid = (unsigned)v; break;
        default: l->frame_timeout_ms = (unsigned)v; break;
        }
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = getenv("KILN_REMOTE_SOCKET"), *vendors = NULL, *group = NULL;
    int copy_mode = 0, chunk_blocking = 0, stats_all = 0;
    const char *capture_dir = NULL, *capture_kernel = NULL;
    unsigned long capture_max = 10;
    int verbose = 0;
    struct kr_limits limits, defaults;
    kr_limits_default(&limits);
    defaults = limits;
    for (int i = 1; i < argc; i++) {
        int lim = parse_limit(argc, argv, &i, &limits);
        if (lim < 0)
            return 2;
        if (lim > 0)
            continue;
        if (!strcmp(argv[i], "--help")) {
            usage(&defaults);
            return 0;
        } else if (!strcmp(argv[i], "--socket") && i + 1 < argc)
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
            verbose = 1;
        else {
            usage(&defaults);
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

    char err[1024], desc[700];
    struct kr_spawn_config cfg = {vendors, copy_mode, chunk_blocking, verbose, NULL, limits,
                                  kr_shared_create(limits.sessions), stats_all};
    if (!cfg.shared) {
        fprintf(stderr, "kiln-remoted: cannot map memory shared with the sessions\n");
        return 1;
    }
    if (capture_dir) {
        cfg.capture = mmap(NULL, sizeof *cfg.capture, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (cfg.capture == MAP_FAILED ||
            kr_capture_init(cfg.capture, capture_dir, capture_kernel, (unsigned)capture_max, err, sizeof err) != 0) {
            fprintf(stderr, "kiln-remoted: %s\n", cfg.capture == MAP_FAILED ? "out of memory" : err);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    if (kr_spawn_start(&g_spawn, &cfg, desc, sizeof desc, err, sizeof err) != 0) {
        fprintf(stderr, "kiln-remoted: %s\n", err);
        return 1;
    }

    if (kr_listen_open(&g_listener, path, share_gid, err, sizeof err) != 0) {
        fprintf(stderr, "kiln-remoted: %s\n", err);
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    fprintf(stderr, "kiln-remoted: serving %s on %s\n", desc, path);
    kr_spawn_serve(&g_spawn, g_listener.fd, uid_allowed);
    fprintf(stderr, "kiln-remoted: accept: %s\n", strerror(errno));
    kr_listen_cleanup(&g_listener);
    return 1;
}
