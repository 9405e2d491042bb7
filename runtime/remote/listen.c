/*
 * listen.c: where kiln-remoted listens. A Unix socket is only as private as
 * its directory: the daemon keeps it in a directory of its own uid that nobody
 * else can write to (so no other user can take the name first or swap the
 * file), gives the socket its mode before it exists on disk (fchmod on the
 * unbound socket and a umask, never a chmod by path), and never removes a
 * file it did not make: what already sits at the path is replaced only when
 * it is a socket of the daemon's uid that nobody answers on.
 */
#include "runtime/remote/listen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCKET_MODE_PRIVATE 0600
#define SOCKET_MODE_SHARED 0660

/* Splits path into its directory and last name; -1 when there is no name. */
static int split_path(const char *path, char *dir, size_t dircap, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dircap, ".");
        *base = path;
    } else {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        if (n >= dircap)
            return -1;
        memcpy(dir, path, n);
        dir[n] = 0;
        *base = slash + 1;
    }
    return **base && strcmp(*base, ".") && strcmp(*base, "..") ? 0 : -1;
}

/* Opens the socket's directory (made if missing), checks and, when shared, adjusts it. -1 on refusal. */
static int open_directory(const char *dir, gid_t share_gid, char *err, size_t errlen)
{
    int shared = share_gid != (gid_t)-1;
    int made = mkdir(dir, 0700) == 0;
    if (!made && errno != EEXIST) {
        snprintf(err, errlen, "cannot create the socket's directory %s: %s", dir, strerror(errno));
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (dfd < 0 || fstat(dfd, &st) != 0) {
        snprintf(err, errlen, "cannot open the socket's directory %s: %s%s", dir, strerror(errno),
                 errno == ELOOP || errno == ENOTDIR ? " (it must be a real directory, not a symbolic link)" : "");
        if (dfd >= 0)
            close(dfd);
        return -1;
    }
    const char *why = NULL;
    if (st.st_uid != geteuid())
        why = "it belongs to another uid";
    else if (st.st_mode & (S_IWGRP | S_IWOTH))
        why = "group or others may write to it";
    else if (shared && st.st_gid != share_gid && fchown(dfd, (uid_t)-1, share_gid) != 0)
        why = "it cannot be given to the group asked for (is the daemon a member?)";
    else if (shared && fchmod(dfd, (st.st_mode & 07777) | S_ISGID | S_IXGRP) != 0)
        why = "its mode cannot be set to let the group reach the socket";
    else if (made && !shared && fchmod(dfd, 0700) != 0)
        why = "its mode cannot be set to 0700";
    if (why) {
        snprintf(err, errlen,
                 "refusing the socket's directory %s (uid %u, mode %04o): %s; the socket must live in a directory "
                 "the daemon's uid %u owns and nobody else can write to (default $XDG_RUNTIME_DIR/kiln)",
                 dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), why, (unsigned)geteuid());
        close(dfd);
        return -1;
    }
    return dfd;
}

/* 0: nothing answers on addr (a stale socket); 1: something listens; -1: cannot tell (errno). */
static int socket_answers(const struct sockaddr_un *addr)
{
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0)
        return -1;
    int rc = connect(s, (const struct sockaddr *)addr, sizeof *addr);
    int e = errno;
    close(s);
    if (rc == 0 || e == EAGAIN || e == EINPROGRESS) /* EAGAIN: a live daemon with a full backlog */
        return 1;
    errno = e;
    return e == ECONNREFUSED ? 0 : -1;
}

/* Leaves the name free for bind: removes only a stale socket of our uid. -1 on refusal. */
static int clear_stale(int dfd, const char *base, const struct sockaddr_un *addr, char *err, size_t errlen)
{
    struct stat st;
    if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot examine %s: %s", addr->sun_path, strerror(errno));
        return -1;
    }
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket: left alone (remove it yourself or choose another --socket)",
                 addr->sun_path);
        return -1;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, errlen, "%s is a socket of uid %u, not ours: left alone", addr->sun_path, (unsigned)st.st_uid);
        return -1;
    }
    int live = socket_answers(addr);
    if (live != 0) {
        if (live > 0)
            snprintf(err, errlen, "a daemon is already listening on %s: left alone (stop it first)", addr->sun_path);
        else
            snprintf(err, errlen, "cannot tell whether a daemon listens on %s: %s", addr->sun_path, strerror(errno));
        return -1;
    }
    if (unlinkat(dfd, base, 0) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove the stale socket %s: %s", addr->sun_path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Binds fd at addr with its mode set before the file exists; records the file's identity. */
static int bind_private(struct kr_listener *l, int dfd, const char *base, const struct sockaddr_un *addr,
                        gid_t share_gid, char *err, size_t errlen)
{
    int shared = share_gid != (gid_t)-1;
    mode_t mode = shared ? SOCKET_MODE_SHARED : SOCKET_MODE_PRIVATE;
    mode_t old_mask = umask(0777 & ~mode);
    int rc = fchmod(l->fd, mode) == 0 ? bind(l->fd, (const struct sockaddr *)addr, sizeof *addr) : -1;
    int e = errno;
    umask(old_mask);
    if (rc != 0) {
        snprintf(err, errlen, "cannot bind %s: %s", addr->sun_path, strerror(e));
        return -1;
    }
    struct stat st;
    if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISSOCK(st.st_mode) ||
        (st.st_mode & 0777) != mode || (shared && st.st_gid != share_gid)) {
        snprintf(err, errlen, "%s did not come out as a socket of mode %04o%s", addr->sun_path, (unsigned)mode,
                 shared ? " in the group asked for" : "");
        unlinkat(dfd, base, 0);
        return -1;
    }
    l->dev = st.st_dev;
    l->ino = st.st_ino;
    return 0;
}

int kr_listen_open(struct kr_listener *l, const char *path, gid_t share_gid, char *err, size_t errlen)
{
    memset(l, 0, sizeof *l);
    l->fd = -1;
    struct sockaddr_un addr = {0};
    addr.sun_family = AF_UNIX;
    char dir[sizeof addr.sun_path];
    const char *base;
    if (strlen(path) >= sizeof addr.sun_path) {
        snprintf(err, errlen, "socket path too long (at most %zu bytes): %s", sizeof addr.sun_path - 1, path);
        return -1;
    }
    if (split_path(path, dir, sizeof dir, &base) != 0) {
        snprintf(err, errlen, "socket path names no file: %s", path);
        return -1;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    int dfd = open_directory(dir, share_gid, err, errlen);
    if (dfd < 0)
        return -1;
    int rc = clear_stale(dfd, base, &addr, err, errlen);
    if (rc == 0 && (l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
        rc = -1;
    }
    if (rc == 0)
        rc = bind_private(l, dfd, base, &addr, share_gid, err, errlen);
    memcpy(l->path, path, strlen(path) + 1);
    if (rc == 0 && listen(l->fd, 64) != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
        kr_listen_cleanup(l);
        rc = -1;
    }
    close(dfd);
    if (rc != 0 && l->fd >= 0) {
        close(l->fd);
        l->fd = -1;
    }
    return rc;
}

void kr_listen_cleanup(const struct kr_listener *l)
{
    struct stat st;
    if (l->ino && lstat(l->path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == l->dev && st.st_ino == l->ino)
        unlink(l->path);
}
