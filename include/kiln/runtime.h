/*
 * kiln/runtime.h: build, run, time and verify a variant on a device.
 *
 * A device is reached through a backend (an ops table: probe, build, set_args,
 * run, read, release): OpenCL through the ICD loader (any platform: PoCL,
 * NVIDIA, a remoted one) or the host C compiler (source -> shared object ->
 * dlopen). A kiln_rt is one open device; every call returns 0 on success or -1
 * and leaves the reason in kiln_rt_errmsg. Nothing here prints or exits.
 */
#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include "kiln/dsl.h"
#include "kiln/gen.h"

typedef struct kiln_device_info {
    char backend[16];      /* "opencl" or "host" */
    char platform[128];    /* platform name ("Portable Computing Language"), or "host" */
    char name[256];        /* device name */
    char vendor[128];
    char driver[128];      /* driver version (OpenCL) or compiler version (host) */
    char version[128];     /* device OpenCL version, or "C99" */
    int compute_units;
    uint64_t global_mem_bytes;
    uint64_t max_alloc_bytes; /* largest single buffer (CL_DEVICE_MAX_MEM_ALLOC_SIZE); 0 = unknown */
    uint64_t local_mem_bytes;
    size_t max_wg_size;
    int has_f64;
    int platform_index, device_index; /* -1 for host */
    char fingerprint[17];  /* 16 hex digits: hash of backend, platform, name, driver, compute units */
    int on_cpu;            /* it computes on CPU cores (host C, an OpenCL CPU device): work beside a
                            * run competes with it */
} kiln_device_info;

/* Every device kiln can use: OpenCL devices of every platform, then the host. */
int kiln_devices_list(kiln_device_info **out, int *count, char *err, size_t errlen);

typedef struct kiln_rt kiln_rt;

/* Opens a device. selector: NULL or "" = the first OpenCL device, or the host
 * when no OpenCL device exists; "host"; "P:D" or "D" (indices as listed by
 * kiln_devices_list); otherwise a case-insensitive substring of the device or
 * platform name. NULL on failure with the reason in err. */
kiln_rt *kiln_rt_open(const char *selector, char *err, size_t errlen);
void kiln_rt_close(kiln_rt *rt);
const kiln_device_info *kiln_rt_device(const kiln_rt *rt);
kiln_lang kiln_rt_lang(const kiln_rt *rt);  /* the language the device builds */
const char *kiln_rt_errmsg(const kiln_rt *rt);

/* Host-C backend settings (defaults: $KILN_CC or "cc", "-O3 -march=native"). */
int kiln_rt_set_compiler(kiln_rt *rt, const char *cc, const char *flags);
/* What the backend adds to the source when it builds (host: compiler and
 * flags; OpenCL: ""), for a result's identity. -1 when it does not fit. */
int kiln_rt_build_options(const kiln_rt *rt, char *out, size_t len);

typedef struct kiln_buf kiln_buf;
typedef struct kiln_program kiln_program;

kiln_buf *kiln_buf_new(kiln_rt *rt, size_t bytes);
int kiln_buf_write(kiln_rt *rt, kiln_buf *buf, const void *host, size_t bytes);
int kiln_buf_read(kiln_rt *rt, kiln_buf *buf, void *host, size_t bytes);
void kiln_buf_free(kiln_rt *rt, kiln_buf *buf);
/* Fills the buffer's first `bytes` with copies of `pattern` (pattern_bytes of
 * 1, 2, 4, 8, 16, 32, 64 or 128, dividing bytes) where the buffer is, without a
 * transfer from the host where the device can (clEnqueueFillBuffer); done
 * when it returns. */
int kiln_buf_fill(kiln_rt *rt, kiln_buf *buf, const void *pattern, size_t pattern_bytes, size_t bytes);

/* Something a caller keeps with rt (one slot: device data kept across calls),
 * released by `release` when rt closes, or when the slot is set again. */
void kiln_rt_keep(kiln_rt *rt, void *data, void (*release)(kiln_rt *rt, void *data));
/* What kiln_rt_keep put there, NULL when nothing. */
void *kiln_rt_kept(const kiln_rt *rt);

/* Builds `source` (in kiln_rt_lang) and finds `kernel_name`. NULL on a build
 * error; *log (if non-NULL) then receives the compiler log, malloc'ed. On
 * success *log receives the (possibly empty) log too. A compiled-binary cache
 * keyed by a hash of source, options and device avoids rebuilding. */
kiln_program *kiln_program_build(kiln_rt *rt, const char *source, const char *kernel_name,
                                 const char *options, char **log);
void kiln_program_free(kiln_rt *rt, kiln_program *prog);
/* Builds ahead: compiles source for rt's device so that a later
 * kiln_program_build of the same source, kernel and options on rt finds it
 * built (through the compiled-binary cache, or handed over in memory). Safe
 * to call from several threads at once while one other thread uses rt;
 * errors go to err, never to kiln_rt_errmsg. 0 built (now or before), 1
 * nothing done (the backend builds only where it runs, or the cache is off),
 * -1 the build failed: err and *log (malloc'ed, may be NULL) say why, and
 * kiln_program_build would fail the same way. */
int kiln_program_compile(kiln_rt *rt, const char *source, const char *kernel_name, const char *options,
                         char **log, char *err, size_t errlen);
/* How many builds from source (compiler runs) rt has made, ahead or not: a
 * build the binary cache answered does not count. */
unsigned long kiln_rt_compiles(const kiln_rt *rt);
/* 1 when rt's compiler runs in a process of its own (the host C compiler),
 * so that no build can take kiln down; 0 when it runs inside kiln (OpenCL). */
int kiln_rt_builds_apart(const kiln_rt *rt);
/* OpenCL: kiln_program_compile hands each build to one of up to n kiln-build
 * processes (each opens the same device and returns the program's binary,
 * which is loaded here), for drivers that compile one program at a time per
 * process however many threads ask. 0: build in this process. -1 (the
 * default): $KILN_BUILD_PROCS if set, else a quarter of the cores on
 * NVIDIA's OpenCL platform (at least 1) and 0 elsewhere. A helper that
 * cannot start makes the builds come back here; one that has not answered a
 * build after $KILN_BUILD_TIMEOUT_MS (default 10 minutes) is killed and that
 * build fails. No effect on the host. */
int kiln_rt_set_build_procs(kiln_rt *rt, int n);
/* The number set or chosen by default (0 on the host backend). */
int kiln_rt_build_procs(const kiln_rt *rt);
/* Starts the kiln-build processes now, without waiting for them to open the
 * device (a tuning calls it before computing its reference), so that the
 * first builds find them ready. No effect where none are used. */
void kiln_rt_prestart_builds(kiln_rt *rt);
int kiln_program_set_buf(kiln_rt *rt, kiln_program *prog, int index, kiln_buf *buf);
int kiln_program_set_scalar(kiln_rt *rt, kiln_program *prog, int index, const void *value, size_t bytes);
/* A __local allocation of `bytes` for argument index (OpenCL; -1 on the host). */
int kiln_program_set_local(kiln_rt *rt, kiln_program *prog, int index, size_t bytes);

typedef struct kiln_geometry {
    int dims;              /* 1..3 */
    size_t global[3];      /* total work-items per dimension */
    size_t local[3];       /* work-group size per dimension; all 0 = let the device choose */
} kiln_geometry;

/* Status codes of kiln_program_run / kiln_program_time (0 = success). */
enum { KILN_RT_ERROR = -1, KILN_RT_TIMEOUT = -2, KILN_RT_CRASHED = -3 };

/* Per-run time limit in milliseconds (0 = none). The host backend runs each
 * call in a child process (buffers are shared memory) so that a crash gives
 * KILN_RT_CRASHED and a hang KILN_RT_TIMEOUT instead of taking kiln down.
 * The limit is on the kernel's own time, not the wall time since the call:
 * on the host the CPU time of the process running it (per thread; a generous
 * wall-clock backstop ends a kernel blocked without using the CPU), on OpenCL
 * the time since the command was seen running. A run past the limit is
 * confirmed before it is KILN_RT_TIMEOUT: on the host it is run once more in
 * a fresh process; OpenCL cannot cancel a kernel, so it is waited on for as
 * long again, and run once more if it finished meanwhile. */
int kiln_rt_set_timeout(kiln_rt *rt, int timeout_ms);
/* 1 when a run past its time limit is ended and leaves the device free (the
 * host backend kills its worker); 0 where the kernel keeps the device busy
 * until it ends (OpenCL cannot cancel a kernel). */
int kiln_rt_can_cancel(const kiln_rt *rt);

/* One run, waited for. *elapsed_ns gets the kernel's time (profiling events on
 * OpenCL, a monotonic clock around the call on the host). */
int kiln_program_run(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, double *elapsed_ns);

/* n runs in order (progs[i] on geos[i]; each may read what an earlier one
 * wrote), as one submission where the backend gains by it: on the host the
 * worker runs them back to back and answers at the end, so neither process
 * sleeps and wakes between two of them; on OpenCL they are n runs, one after
 * the other (queueing them under one flush was not shown to gain on PoCL:
 * in bench/bigdft/cpu/launch/ one of two identical instances of an operator
 * was slower than the other whichever way it was launched). elapsed_ns[i] gets run i's
 * kernel time. Each run has its own time limit; a run past it, or a crash,
 * fails the list (the status as kiln_program_run's) and the runs after it do
 * not happen. At most KILN_RUN_LIST_MAX runs. */
#define KILN_RUN_LIST_MAX 4096
int kiln_program_run_list(kiln_rt *rt, int n, kiln_program *const *progs, const kiln_geometry *geos,
                          double *elapsed_ns);

/* ---- timing ----------------------------------------------------------- */

typedef struct kiln_time_opts {
    int warmup;            /* runs discarded first (default 1) */
    int min_reps;          /* at least this many samples (default 3) */
    int max_reps;          /* at most this many (default 50) */
    double budget_ms;      /* stop after min_reps once the samples add up to this (default 200) */
    /* A race against the best so far (0 = none): after KILN_RACE_MIN_SAMPLES
     * samples (and min_reps), the series stops as soon as its fastest sample
     * is slower than race_ns * (1 + KILN_RACE_MARGIN). A sample falls at or
     * below its series' median with probability >= 1/2 whatever the noise,
     * so a variant whose median is within that margin of race_ns is stopped
     * with probability at most 2^-KILN_RACE_MIN_SAMPLES (1/8), and one truly
     * as fast as race_ns far less often: all its samples would have to be
     * 25% above its own median. */
    double race_ns;
} kiln_time_opts;
#define KILN_RACE_MIN_SAMPLES 3
#define KILN_RACE_MARGIN 0.25
/* The race's rule: 1 when a series of n samples, the fastest fastest_ns,
 * has lost against race_ns (0 = no race), 0 while it goes on. */
int kiln_time_race_lost(int n, double fastest_ns, double race_ns);

typedef struct kiln_time_stats {
    double median_ns, min_ns, max_ns;
    int samples;
    double mad_ns;         /* median absolute deviation of the samples */
    double iqr_ns;         /* interquartile range (third quartile - first) */
    int noisy;             /* the spread is too large for the median to rank variants */
    int stopped_early;     /* the race (race_ns) ended the series: fewer samples, slower than the best */
} kiln_time_stats;

void kiln_time_opts_default(kiln_time_opts *o);
int kiln_program_time(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo,
                      const kiln_time_opts *opts, kiln_time_stats *out);
/* Median, min, max, MAD and IQR of n samples (sorts a copy). Quartiles are
 * interpolated linearly between order statistics (position p * (n - 1) for
 * p = 1/4, 3/4). noisy: fewer than KILN_TIME_MIN_SAMPLES samples, or an IQR
 * above KILN_TIME_NOISY_IQR of the median (two variants closer than that
 * cannot be ranked by their medians). */
#define KILN_TIME_MIN_SAMPLES 3
#define KILN_TIME_NOISY_IQR 0.10
void kiln_stats_of(const double *samples_ns, int n, kiln_time_stats *out);

/* ---- event counters and energy ----------------------------------------- */

/* Events: PAPI presets (PAPI_TOT_INS) or native names, and the kernel's
 * software events sw:task-clock (ns), sw:page-faults, sw:context-switches,
 * sw:cpu-migrations. The host backend counts the threads that run the kernel
 * (each thread of an OpenMP team, summed); an OpenCL device is counted on
 * every host thread of this process, which for PoCL are the threads that run
 * the kernel and for a GPU only the driver's host side. */
#define KILN_MAX_COUNTERS 16

/* Sets the events kiln_program_count counts: a comma-separated list, "auto"
 * for every event countable here (skipped, if not NULL, names the rest),
 * NULL or "" for none. -1 with the event named and the available events
 * listed when one cannot be counted. */
int kiln_rt_set_counters(kiln_rt *rt, const char *events, char *skipped, size_t skippedlen);
/* Measures energy too (RAPL for the host's CPUs and PoCL, NVML for NVIDIA
 * GPUs). -1 with the reason when the device has no energy source. */
int kiln_rt_set_energy(kiln_rt *rt, int on);
/* 1 when kiln_rt_set_counters or kiln_rt_set_energy asked for something. */
int kiln_rt_counts_asked(const kiln_rt *rt);
/* 1 when kiln_rt_set_energy is on. */
int kiln_rt_measures_energy(const kiln_rt *rt);
/* What can be counted on this machine, one line. */
void kiln_counters_available(char *out, size_t len);

typedef struct kiln_counts {
    int n;                                   /* events counted */
    char name[KILN_MAX_COUNTERS][64];
    double per_run[KILN_MAX_COUNTERS];       /* mean per run, summed over threads */
    int threads;                             /* threads counted in a run */
    char scope[32];                          /* "kernel threads" or "process threads" */
    int runs;
    double elapsed_ns;                       /* mean time of a counted run */
    double energy_j, power_w;                /* per run, and mean power; < 0 when not measured */
    char energy_source[16];
} kiln_counts;

/* Runs the program over a series (opts as for timing; with energy, the
 * series lasts at least KILN_ENERGY_MIN_MS) with the events set by
 * kiln_rt_set_counters counted, apart from the timed runs so that counting
 * never perturbs a time. Energy is the series' energy over its wall time
 * (mean power) times the mean run time. */
#define KILN_ENERGY_MIN_MS 500.0
int kiln_program_count(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo,
                       const kiln_time_opts *opts, kiln_counts *out);
/* {"events":{"PAPI_TOT_INS":1.2e6,...},"threads":2,"scope":"kernel threads",
 *  "runs":40,"energy_j":0.0123,"power_w":230.5,"energy_source":"nvml"}.
 * -1 when it does not fit. */
int kiln_counts_json(const kiln_counts *c, char *out, size_t len);

/* ---- verification ----------------------------------------------------- */

typedef struct kiln_verify_report {
    int ok;
    double max_abs_err;
    double max_rel_err;    /* |got - want| / |want|, informative (cancelling sums make it large) */
    double rel_l2_err;     /* ||got - want||_2 / ||want||_2, informative */
    double max_err_ratio;  /* largest |got - want| / bound of an element: ok needs <= 1 */
    size_t worst_index;    /* element with the largest err/bound ratio (first mismatch for integers) */
    size_t nonfinite;      /* NaN/Inf elements where the reference is finite (unwritten outputs) */
    size_t mismatches;     /* elements over their bound (integers: elements that differ) */
    double tolerance;      /* bound per unit of magnitude: bound_i = tolerance * magnitude_i */
} kiln_verify_report;

/* What one output array is compared with. Floating outputs: each element's
 * error is bounded by the magnitude of what was summed to make it,
 *     |got_i - want_i| <= tolerance * magnitude_i,
 * tolerance = kiln_tolerance(elem, terms) unless given: a probabilistic
 * rounding-error bound (Higham & Mary 2019) that holds for a right kernel
 * whatever its summation order, and is tight enough that one term of 16384
 * left out fails. Integer outputs compare exactly, in their own type. */
typedef struct kiln_expect {
    kiln_scalar elem;
    size_t n;
    const double *want;      /* floating outputs: the double precision reference */
    const double *magnitude; /* floating outputs: sum of |terms| per element; NULL = |want_i| */
    double terms;            /* floating outputs: terms summed per element (< 1 counts as 1) */
    double tolerance;        /* floating outputs: 0 = kiln_tolerance(elem, terms) */
    const void *exact;       /* integer outputs: the expected values in elem's own type */
} kiln_expect;

/* Unit roundoff of a floating type (2^-24 for f32, 2^-53 for f64); 0 for integers. */
double kiln_unit_roundoff(kiln_scalar elem);
/* KILN_VERIFY_LAMBDA * sqrt(max(terms, 1)) * unit roundoff of elem. */
#define KILN_VERIFY_LAMBDA 3.0
double kiln_tolerance(kiln_scalar elem, double terms);
/* Compares `got` (e->n elements typed e->elem) with what e expects. */
void kiln_verify_expect(const kiln_expect *e, const void *got, kiln_verify_report *out);

/* The older value-relative rule, for callers that have no magnitudes (runtime
 * tests): tolerance f32 1e-4, f64 1e-10, integers exact (through double). */
double kiln_default_tolerance(kiln_scalar elem);
/* ok when nothing is non-finite and rel_l2_err <= tol and every element has
 * |got-want| <= tol * max(|want|, scale) with scale = max |want| * 1e-3 + tiny. */
void kiln_verify(kiln_scalar elem, const void *got, const double *want, size_t n, double tol,
                 kiln_verify_report *out);
/* Fills n elements of type elem with the "unwritten" marker: NaN for floats;
 * 0xA5 bytes for integers (pattern 0) or 0x5A bytes (pattern 1). An integer
 * output is only known written when two runs poisoned with both patterns
 * agree with the reference. */
void kiln_poison_with(kiln_scalar elem, void *data, size_t n, int pattern);
/* kiln_poison_with(elem, data, n, 0). */
void kiln_poison(kiln_scalar elem, void *data, size_t n);

/* ---- where the time goes: a trace ---------------------------------------- */

/* Starts writing, to path, every span kiln marks from now on (opening the
 * device, building, uploading, running, verifying, timing, storing), one
 * JSON object a span in Chrome's trace event format (an array of "X"
 * events: chrome://tracing and Perfetto read it; a file cut short by a crash
 * still reads). One trace at a time per process: -1 with err when one is on
 * or the file cannot be made. */
int kiln_trace_start(const char *path, char *err, size_t errlen);
/* Ends the array and closes the file; no-op when no trace is on. */
void kiln_trace_stop(void);
/* 1 while a trace is on. */
int kiln_trace_on(void);
/* Now in ns on the trace's clock (CLOCK_MONOTONIC); 0 when no trace is on. */
double kiln_trace_now(void);
/* A span of the calling thread from t0 (kiln_trace_now) until now, named
 * `name`; `detail` (or NULL) is kept as its args.detail. No-op when t0 is 0. */
void kiln_trace_span(const char *name, const char *detail, double t0);

/* 64-bit FNV-1a of data as 16 lowercase hex digits (source hashes, fingerprints). */
void kiln_hash_hex(const void *data, size_t len, char out[17]);

#endif
