/*
 * rt_int.h: the runtime's private contract. A backend (OpenCL, host C) is one
 * ops table; rt.c owns device selection, argument checking and the error
 * buffer, and dispatches everything device-specific through the table.
 * cache.c owns the compiled-binary cache shared by the backends.
 */
#ifndef KILN_RT_INT_H
#define KILN_RT_INT_H

#include <stdarg.h>
#include "kiln/runtime.h"

/* A growable list of devices that probes append to. */
typedef struct kiln_devlist {
    kiln_device_info *items;
    int count, cap;
} kiln_devlist;

/* Appends a device (copied); fills its fingerprint. -1 on allocation failure. */
int kiln_devlist_push(kiln_devlist *list, const kiln_device_info *dev);

typedef struct kiln_rt_ops {
    const char *backend; /* matches kiln_device_info.backend */
    kiln_lang lang;
    int can_cancel;      /* a run past its time limit ends, leaving the device free */
    int builds_apart;    /* the compiler runs in a process of its own: a build cannot take kiln down */
    /* Appends this backend's devices; -1 (with err) when probing failed. A
     * backend with no device is not an error. */
    int (*probe)(kiln_devlist *list, char *err, size_t errlen);
    int (*open)(kiln_rt *rt);   /* rt->info is set; fills rt->impl */
    void (*close)(kiln_rt *rt);
    int (*buf_new)(kiln_rt *rt, kiln_buf *buf); /* buf->bytes is set */
    int (*buf_write)(kiln_rt *rt, kiln_buf *buf, const void *host, size_t bytes);
    int (*buf_read)(kiln_rt *rt, kiln_buf *buf, void *host, size_t bytes);
    void (*buf_free)(kiln_rt *rt, kiln_buf *buf);
    /* Optional: kiln_buf_fill where the buffer is (checked). Without it the
     * pattern is copied into a host buffer and written. */
    int (*buf_fill)(kiln_rt *rt, kiln_buf *buf, const void *pattern, size_t pattern_bytes, size_t bytes);
    /* prog->kernel_name is set. Returns -1 on failure; *log gets the log
     * (malloc'ed) whenever one exists, success or not. */
    int (*build)(kiln_rt *rt, kiln_program *prog, const char *source, const char *options,
                 char **log);
    void (*program_free)(kiln_rt *rt, kiln_program *prog);
    /* Optional: kiln_program_compile. Called from any thread while another
     * uses rt: touches only what it locks itself, never rt->err. */
    int (*compile)(kiln_rt *rt, const char *source, const char *kernel_name, const char *options, char **log,
                   char *err, size_t errlen);
    int (*set_buf)(kiln_rt *rt, kiln_program *prog, int index, kiln_buf *buf);
    int (*set_scalar)(kiln_rt *rt, kiln_program *prog, int index, const void *value,
                      size_t bytes);
    /* Optional: a __local allocation of `bytes` (NULL: the backend has none). */
    int (*set_local)(kiln_rt *rt, kiln_program *prog, int index, size_t bytes);
    /* geo is checked and normalised (unused dims = 1, local all 0 or all set). */
    int (*run)(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, double *elapsed_ns);
    /* Optional: n runs queued back to back, then waited in order, each one's
     * time in samples_ns[i] (so the host's wait for one run overlaps the
     * next); a status as run's. Without it, n calls of run. */
    int (*run_series)(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, int n, double *samples_ns);
    /* Optional: kiln_rt_prestart_builds. */
    void (*prestart_builds)(kiln_rt *rt);
    /* Optional: kiln_program_run_list, the geometries normalised. Without
     * it, n calls of run. */
    int (*run_list)(kiln_rt *rt, int n, kiln_program *const *progs, const kiln_geometry *geos, double *elapsed_ns);
    /* Optional: the host compiler changed (rt->cc, rt->cflags updated). */
    int (*compiler_changed)(kiln_rt *rt);
    /* Optional: one run that counts rt->counters on the threads that run the
     * kernel, adding them to vals (spec order) and setting *threads. Without
     * it, rt.c counts every thread of this process around ops->run. */
    int (*run_counted)(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo,
                       double *elapsed_ns, long long *vals, int *threads);
} kiln_rt_ops;

/* ---- event counters and energy (counters.c) ----------------------------- */

enum { KC_SW = 1, KC_PAPI = 2 };
typedef struct kiln_counter_spec {
    int n;
    char names[KILN_MAX_COUNTERS][64];
    int source[KILN_MAX_COUNTERS]; /* KC_SW or KC_PAPI */
    int sw[KILN_MAX_COUNTERS];     /* index of a software event */
    unsigned serial;               /* changes with every new spec */
} kiln_counter_spec;

/* Parses a comma-separated list ("auto" = everything countable here); note
 * gets what "auto" skipped. -1 with err naming the event and listing the
 * available ones. */
int kc_resolve(const char *list, kiln_counter_spec *spec, char *note, size_t notelen, char *err,
               size_t errlen);
/* Counting the calling thread: start, then stop adding to vals. */
int kc_thread_start(const kiln_counter_spec *spec, char *err, size_t errlen);
void kc_thread_stop(const kiln_counter_spec *spec, long long *vals);
/* Counting every thread of this process. stop adds to vals, returns the
 * threads counted and frees the group. */
typedef struct kc_group kc_group;
kc_group *kc_process_start(const kiln_counter_spec *spec, char *err, size_t errlen);
int kc_process_stop(kc_group *g, long long *vals);
void kc_process_abort(kc_group *g);

/* n runs of prog, their times in samples_ns (rt.c): back to back where the
 * backend can queue them. */
int kiln_program_run_series(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, int n, double *samples_ns);

/* kiln_program_run with rt->counters counted (rt.c). */
int kiln_program_run_counted(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo,
                             double *elapsed_ns, long long *vals, int *threads);

typedef struct kc_energy {
    char source[16];  /* "rapl" or "nvml" */
    void *nvml_dev;
} kc_energy;
int kc_energy_open(kc_energy *e, const kiln_device_info *dev, char *err, size_t errlen);
int kc_energy_read(const kc_energy *e, double *joules);
double kc_energy_range(const kc_energy *e); /* the counter's wrap-around, 0 = none known */

struct kiln_rt {
    const kiln_rt_ops *ops;
    kiln_device_info info;
    int timeout_ms;
    char cc[256];      /* host C compiler command */
    char cflags[512];  /* host C compiler flags */
    char err[2048];
    void *impl;        /* backend state */
    kiln_counter_spec *counters; /* what kiln_program_count counts; NULL = nothing */
    int energy;                  /* kiln_program_count measures energy too */
    kc_energy energy_src;
    unsigned long compiles;      /* builds from source (atomic: builds ahead run on other threads) */
    int build_procs;             /* OpenCL builds ahead in up to this many kiln-build processes; -1 auto */
    void *kept;                  /* kiln_rt_keep's slot */
    void (*kept_release)(kiln_rt *rt, void *data);
};

struct kiln_buf {
    size_t bytes;
    void *host;        /* host backend: the shared mapping */
    void *handle;      /* OpenCL backend: the cl_mem */
};

struct kiln_program {
    char *kernel_name;
    void *impl;        /* backend state */
};

extern const kiln_rt_ops kiln_rt_opencl_ops;
extern const kiln_rt_ops kiln_rt_host_ops;

/* Sets rt->err (printf-style) and returns -1. */
int kiln_rt_fail(kiln_rt *rt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void kiln_rt_vfail(kiln_rt *rt, const char *fmt, va_list ap);
/* snprintf into an err buffer that may be NULL. */
void kiln_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Host backend defaults: $KILN_CC or "cc", and "-O3 -march=native". */
const char *kiln_host_default_cc(void);
#define KILN_HOST_DEFAULT_FLAGS "-O3 -march=native"
/* Compiler version line of `cc --version` (empty when it cannot be run). */
void kiln_host_compiler_version(const char *cc, char *out, size_t outlen);
/* Recomputes info->fingerprint from backend, platform, name, driver, compute units. */
void kiln_device_fingerprint(kiln_device_info *info);

/* ---- compiled-binary cache (cache.c) ----------------------------------- */

/* The cache folder ($KILN_CACHE_DIR, $XDG_CACHE_HOME/kiln, ~/.cache/kiln),
 * created if missing. -1 when there is none usable (the cache is then off). */
int kiln_cache_dir(char *out, size_t outlen);
/* Key of a build: hash of source, options, device fingerprint and this
 * kiln's version (a new kiln may generate or load binaries differently). */
void kiln_cache_key(const char *source, const char *options, const char *fingerprint,
                    char out[17]);
/* The same for a given kiln version. */
void kiln_cache_key_version(const char *source, const char *options, const char *fingerprint,
                            const char *version, char out[17]);
/* Counts one build from source on rt (any thread). */
void kiln_rt_count_compile(kiln_rt *rt);

/* ---- builds in processes of their own (build_pool.c) -------------------- */

typedef struct kiln_build_pool kiln_build_pool;
/* Up to max kiln-build helpers, started as builds come, each opening the
 * device `selector` ("P:D") and checking its fingerprint. */
kiln_build_pool *kiln_build_pool_new(const char *selector, const char *fingerprint, int max);
/* Builds source in a helper. 0: built, *bin (malloc'ed, *bytes) the program
 * binary; 1: the build failed, *status its CL error; *log (malloc'ed, may be
 * NULL) the build log in both cases. -1: the helper died building it (err
 * says how; the source crashed the compiler). 2: no helper could start (err
 * says why; the pool stays off): build elsewhere. */
int kiln_build_pool_build(kiln_build_pool *p, const char *source, const char *options, unsigned char **bin,
                          size_t *bytes, char **log, int *status, char *err, size_t errlen);
void kiln_build_pool_free(kiln_build_pool *p);
/* Spawns every helper not started yet without waiting for them to be ready
 * (their devices open while the caller goes on); a build takes a ready one
 * first, else waits for one of these. */
void kiln_build_pool_prestart(kiln_build_pool *p);
/* The helper's side: answers builds on fd for the device `selector` if its
 * fingerprint is `fingerprint` (opencl.c); 0 when the pool closed it. */
int kiln_cl_build_serve(const char *selector, const char *fingerprint, int fd);
int kiln_build_helper_main(int argc, char **argv); /* kiln-build's main */
int kiln_bp_hello(int fd, int status, const char *text);
int kiln_bp_next_request(int fd, char **source, char **options); /* -1 at the end */
int kiln_bp_answer(int fd, int status, const char *log, const void *bin, size_t bytes);
/* Path of a cache entry "<dir>/<key><suffix>"; -1 when the cache is off. */
int kiln_cache_path(const char *key, const char *suffix, char *out, size_t outlen);
/* Reads a whole cache entry (malloc'ed); NULL when absent. */
void *kiln_cache_read(const char *path, size_t *bytes);
/* Writes an entry atomically (temp file + rename); -1 on failure. */
int kiln_cache_write(const char *path, const void *data, size_t bytes);

#endif
