/*
 * listen.h: the daemon's listening socket (listen.c). The socket lives in a
 * directory the daemon owns that nobody else may write to; an existing file at
 * the path is replaced only when it is a stale socket of the daemon's own uid.
 */
#ifndef KILN_REMOTE_LISTEN_H
#define KILN_REMOTE_LISTEN_H

#include <stddef.h>
#include <sys/types.h>

struct kr_listener {
    int fd;
    char path[108]; /* sun_path's size */
    dev_t dev;      /* the socket file this daemon created: removed only if still there */
    ino_t ino;
};

/*
 * Creates the socket's directory if missing (mode 0700, or 0710 with group
 * `share_gid` and the set-group-id bit when share_gid is not (gid_t)-1), checks
 * it, probes what is already at `path`, and binds and listens. The socket is
 * created with mode 0600 (0660 when shared). Returns 0, or -1 with the cause
 * in err and nothing at the path touched.
 */
int kr_listen_open(struct kr_listener *l, const char *path, gid_t share_gid, char *err, size_t errlen);

/* Removes the socket file if it is still the one kr_listen_open made. Async-signal-safe. */
void kr_listen_cleanup(const struct kr_listener *l);

#endif
