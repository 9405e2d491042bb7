/*
 * daemon_int.h: the daemon's private interface. platform.c loads the real
 * OpenCL platform; session.c serves one client connection against it; the
 * kiln-remoted program (remoted.c) accepts connections and checks callers.
 * The fuzz test links the same code and drives kr_session_run directly.
 */
#ifndef KILN_REMOTE_DAEMON_INT_H
#define KILN_REMOTE_DAEMON_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <CL/cl_icd.h>

/*
 * What one session may hold (kiln-remoted options; defaults in kr_limits_default,
 * README "Limits"). A request past a limit fails with CL_OUT_OF_RESOURCES on that
 * session only. The listener enforces the session counts.
 */
struct kr_limits {
    uint64_t objects;         /* live ids: contexts, queues, buffers, programs, kernels, events */
    uint64_t mapped_bytes;    /* shared buffer bytes still mapped */
    uint64_t program_bytes;   /* source and binary bytes of live programs */
    uint64_t pending;         /* commands enqueued since the queue was last seen idle */
    unsigned sessions;        /* sessions at once, all users */
    unsigned sessions_per_uid;
    unsigned frame_timeout_ms; /* a frame begun must arrive whole within this */
};
void kr_limits_default(struct kr_limits *l);

/* Counters of one session, in memory the listener shares with every session process. */
struct kr_counters {
    atomic_uint live;
    atomic_ullong objects, mappings, mapped_bytes;
    atomic_ullong chunks; /* device copies made for pipelined transfers, ever */
};

struct kr_shared;
/* Maps the shared memory (before any fork); NULL when it cannot. */
struct kr_shared *kr_shared_create(unsigned nslots);
struct kr_counters *kr_shared_slot(struct kr_shared *sh, unsigned slot);
unsigned kr_shared_nslots(const struct kr_shared *sh);
void kr_shared_clear_slot(struct kr_shared *sh, unsigned slot);
/* Program binaries this daemon gave a client; only those are built from binary. */
void kr_provenance_add(struct kr_shared *sh, const void *bin, size_t len);
int kr_provenance_has(const struct kr_shared *sh, const void *bin, size_t len);

struct kr_platform {
    void *lib;
    cl_platform_id platform;
    const struct _cl_icd_dispatch *D;
    cl_device_id devices[16];
    cl_uint ndevices;
    /* The device computes in the memory given with CL_MEM_USE_HOST_PTR. */
    int in_place;
    /* Copy mode, pipelined transfers: one blocking device copy per chunk instead of
     * non-blocking copies with events (kiln-remoted --chunk-blocking; for measuring). */
    int chunk_blocking;
    /* kiln-remoted --stats-all: STATS reports every session's counts, not only the caller's */
    int stats_all;
    char library[512];
    /* kiln-remoted --capture: kernel launches written as regression cases (NULL: off) */
    struct kr_capture *capture;
    /* NULL: kr_limits_default */
    const struct kr_limits *limits;
    /* NULL: a process-local region (one session at a time, as in the fuzz test) */
    struct kr_shared *shared;
    unsigned slot;
    /*
     * The session's process exits when the session ends (kiln-remoted): the
     * system frees everything at once, so the session neither waits for its
     * queues nor releases its objects one by one. (Failing a user event that
     * gates queued work, the orderly way, aborts PoCL 3.1.)
     */
    int exit_frees;
};

/*
 * Loads the first usable platform listed by the *.icd files of vendors_dir
 * (NULL: /etc/OpenCL/vendors), skipping any library that is a remoting ICD.
 * Returns 0, or -1 with a message in err.
 */
int kr_platform_load(struct kr_platform *p, const char *vendors_dir, char *err, size_t errlen);
void kr_platform_unload(struct kr_platform *p);

/*
 * Serves one connection until the client closes it or breaks the protocol,
 * then waits for the session's pending work and releases all its objects.
 * Returns 0 for a clean close, -1 for a dropped (misbehaving) connection.
 */
int kr_session_run(const struct kr_platform *p, int sock);

struct kr_daemon_stats {
    uint64_t sessions, objects, mappings;
    uint64_t chunks; /* device copies made for pipelined transfers, ever */
};
/* The counters of sessions run in this process without a daemon's shared memory (the fuzz tests). */
void kr_daemon_stats(struct kr_daemon_stats *out);
/* Sums the live sessions' counters. */
void kr_shared_stats(struct kr_shared *sh, struct kr_daemon_stats *out);

/* ---- the listener's session processes (spawn.c) ---- */

struct kr_spawn_config {
    const char *vendors;
    int copy_mode, chunk_blocking, verbose;
    struct kr_capture *capture; /* in shared memory, or NULL */
    struct kr_limits limits;
    struct kr_shared *shared;   /* limits.sessions slots */
    int stats_all;              /* STATS answers every session's counts, not the caller's */
};

struct kr_spawn {
    struct kr_spawn_config cfg;
    struct kr_spawn_child *children; /* limits.sessions entries */
    unsigned nchildren;
    pid_t warm;   /* the process that has loaded the platform and waits for a client, or -1 */
    int warm_ctl; /* its control socket */
    int listen_fd, reserve_fd;
    int64_t backoff_until_ms;
    int64_t warm_at_ms; /* when to fork the next warm process */
#define KR_SPAWN_LINGER 64
    int linger_fd[KR_SPAWN_LINGER]; /* refused connections left open a moment (-1: free) */
    int64_t linger_until[KR_SPAWN_LINGER];
};

/*
 * Forks the first warm session process and waits until it has loaded the
 * platform. Call before the process starts any thread. 0 with a description
 * of the platform in desc, or -1 with the reason in err.
 */
int kr_spawn_start(struct kr_spawn *sp, const struct kr_spawn_config *cfg, char *desc, size_t desclen, char *err,
                   size_t errlen);
/* Accepts connections on listen_fd and serves each in its own process; returns -1 only on a fatal error. */
int kr_spawn_serve(struct kr_spawn *sp, int listen_fd, int (*uid_allowed)(uid_t));

#endif
