/*
 * daemon_int.h: the daemon's private interface. platform.c loads the real
 * OpenCL platform; session.c serves one client connection against it; the
 * kiln-remoted program (remoted.c) accepts connections and checks callers.
 * The fuzz test links the same code and drives kr_session_run directly.
 */
#ifndef KILN_REMOTE_DAEMON_INT_H
#define KILN_REMOTE_DAEMON_INT_H

#include <stddef.h>
#include <stdint.h>

#include <CL/cl_icd.h>

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
void kr_daemon_stats(struct kr_daemon_stats *out);

#endif
