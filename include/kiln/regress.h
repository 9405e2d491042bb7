/*
 * kiln/regress.h: the regression harness. A case (a trace file, format in
 * docs/trace-format.md) holds one kernel call: which kernel (a kiln kernel's
 * name, or an OpenCL program's source, build options and kernel name), its
 * configuration and problem size, the launch geometry, and every argument's
 * data before the call and, for outputs, after it, each array with its own
 * checksum. Cases are written by `kiln regress record`, by an application
 * through the writer below, or by kiln-remoted's capture; they are replayed
 * through today's variants on any device and compared with the recorded
 * outputs under runtime/'s verification rules.
 *
 * Every call returns 0 (or a pointer) on success and -1 (NULL) with the
 * reason in err: the file and the field at fault. Nothing here prints.
 */
#ifndef KILN_REGRESS_H
#define KILN_REGRESS_H

#include <stddef.h>
#include <stdint.h>
#include "kiln/kernel.h"
#include "kiln/runtime.h"

/* The trace format version this kiln writes and the newest it reads. */
#define KILN_TRACE_VERSION 1

/* What an argument is: a scalar (its value is the input), a global array, or
 * an OpenCL __local allocation (a size, no data). */
typedef enum kiln_trace_kind { KILN_TRACE_SCALAR, KILN_TRACE_ARRAY, KILN_TRACE_LOCAL } kiln_trace_kind;

/* Data stored for one argument: `bytes` at `offset`, FNV-1a 64 checksum. */
typedef struct kiln_trace_blob {
    int present;
    uint64_t offset, bytes, checksum;
} kiln_trace_blob;

/* One argument as the trace describes it. elem KILN_VOID: raw bytes (an
 * argument captured without a type; count is then in bytes). */
typedef struct kiln_trace_arg {
    const char *name;
    kiln_trace_kind kind;
    kiln_scalar elem;
    kiln_dir dir;
    uint64_t count;          /* elements (raw: bytes; local: bytes) */
    int ndims;               /* shape: 1..3 extents whose product is count */
    uint64_t shape[3];
    double terms;            /* floating outputs: terms summed per element (0: unknown) */
    double tolerance;        /* floating outputs: bound per unit of magnitude (0: kiln's rule) */
    kiln_trace_blob input;   /* scalars, in and inout arrays */
    kiln_trace_blob output;  /* out and inout arrays */
    kiln_trace_blob magnitude; /* optional, floating outputs: sum of |terms| per element (f64) */
} kiln_trace_arg;

/* Which data of an argument kiln_trace_read reads. */
enum { KILN_TRACE_INPUT, KILN_TRACE_OUTPUT, KILN_TRACE_MAGNITUDE };

/* ---- writing a case (also the application's API) ---------------------- */

typedef struct kiln_trace_writer kiln_trace_writer;

/* Starts a case written to a temporary file beside path, renamed to path by
 * kiln_trace_end: a failed or abandoned case never replaces a good one. */
kiln_trace_writer *kiln_trace_begin(const char *path, char *err, size_t errlen);
/* A metadata entry (docs/trace-format.md lists the keys kiln reads). */
int kiln_trace_meta(kiln_trace_writer *w, const char *key, const char *value);
/* The launch geometry (stored as the metadata keys work_dim, global, local). */
int kiln_trace_geometry(kiln_trace_writer *w, const kiln_geometry *geo);
/* A scalar argument and its value (kiln_scalar_bytes(elem) bytes). */
int kiln_trace_scalar(kiln_trace_writer *w, const char *name, kiln_scalar elem, const void *value);
/* A scalar known only as bytes (a captured launch): 1 to 65536 of them. */
int kiln_trace_raw_scalar(kiln_trace_writer *w, const char *name, uint64_t bytes, const void *value);
/* An array argument of count elements; `before` is its content before the
 * call (in and inout; NULL for out). elem KILN_VOID: count raw bytes. */
int kiln_trace_array(kiln_trace_writer *w, const char *name, kiln_scalar elem, kiln_dir dir, uint64_t count,
                     const void *before);
/* A __local argument of `bytes`. */
int kiln_trace_local(kiln_trace_writer *w, const char *name, uint64_t bytes);
/* Optional for a floating array: its shape, terms per element, tolerance. */
int kiln_trace_shape(kiln_trace_writer *w, const char *name, int ndims, const uint64_t *extents);
int kiln_trace_bound(kiln_trace_writer *w, const char *name, double terms, double tolerance);
/* Optional for a floating out/inout array: the sum of |terms| that made
 * each element (count doubles), which its rounding error follows. Without it
 * an element is bounded relative to its own value, which a sum that cancels
 * fails. */
int kiln_trace_magnitude(kiln_trace_writer *w, const char *name, const double *magnitude);
/* The content of out/inout array `name` after the call. */
int kiln_trace_output(kiln_trace_writer *w, const char *name, const void *after);
/* Writes the table and puts the file in place (keep), or removes it. Checks
 * that every output was given. Frees w whatever happens. */
int kiln_trace_end(kiln_trace_writer *w, int keep, char *err, size_t errlen);

/* ---- reading a case ---------------------------------------------------- */

typedef struct kiln_trace kiln_trace;

/* Reads and checks the prologue and the table (format version, table
 * checksum, every field's range, every blob inside the file); reads no array
 * data. NULL with err naming the file and the field. */
kiln_trace *kiln_trace_open(const char *path, char *err, size_t errlen);
void kiln_trace_free(kiln_trace *t);
const char *kiln_trace_path(const kiln_trace *t);
/* Metadata value of key, NULL when absent. */
const char *kiln_trace_get(const kiln_trace *t, const char *key);
int kiln_trace_nargs(const kiln_trace *t);
const kiln_trace_arg *kiln_trace_arg_at(const kiln_trace *t, int index);
/* The recorded launch geometry; -1 with err naming the field. */
int kiln_trace_get_geometry(const kiln_trace *t, kiln_geometry *geo, char *err, size_t errlen);
/* Reads a blob of argument index (which: KILN_TRACE_INPUT, _OUTPUT or
 * _MAGNITUDE) into dst, which holds blob->bytes, verifying its checksum as
 * it streams. */
int kiln_trace_read(const kiln_trace *t, int index, int which, void *dst, char *err, size_t errlen);
/* Streams every blob through its checksum in fixed-size pieces. */
int kiln_trace_verify(const kiln_trace *t, char *err, size_t errlen);

/* ---- record, replay, compare -------------------------------------------- */

/* Records one call of kernel k: configuration cfg (NULL: the default) at
 * size, inputs from the kernel's generator with seed, run on rt. The output
 * must pass the kernel's verification against its reference, or nothing is
 * written. */
int kiln_regress_record(kiln_rt *rt, const kiln_kernel *k, const kiln_config *cfg, const kiln_size *size,
                        uint64_t seed, const char *path, char *err, size_t errlen);

typedef enum kiln_regress_verdict {
    KILN_REGRESS_OK,       /* within the verification rules (captured cases: bit-identical) */
    KILN_REGRESS_DIFFERS,  /* a regression: an output differs */
    KILN_REGRESS_FAILED    /* the variant did not build or run */
} kiln_regress_verdict;
const char *kiln_regress_verdict_name(kiln_regress_verdict v);

typedef struct kiln_regress_result {
    kiln_regress_verdict verdict;
    char variant[512];     /* configuration JSON, or "captured" */
    char detail[512];      /* what differed or failed */
    size_t mismatches;     /* elements (raw: bytes) over their bound in the worst output */
    double max_err_ratio;  /* largest |got - recorded| / bound (0 when exact) */
} kiln_regress_result;

/* The case's kind: "kiln" (a kiln kernel) or "opencl" (a program's source). */
const char *kiln_regress_case_kind(const kiln_trace *t);
/* The configuration recorded in a kiln case (for its kernel). */
int kiln_regress_case_config(const kiln_trace *t, const kiln_kernel **k, kiln_size *size, kiln_config *cfg,
                             char *err, size_t errlen);
/* Replays case t on rt: a kiln case through kernel k's variant cfg (NULL:
 * the recorded one), an OpenCL case through its recorded source. Returns 0
 * with the verdict in out, -1 when the case itself cannot be replayed (an
 * unknown kernel, sizes that do not match the kernel: err names the field). */
int kiln_regress_check(kiln_rt *rt, const kiln_trace *t, const kiln_config *cfg, kiln_regress_result *out,
                       char *err, size_t errlen);
/* Compares the outputs of two recordings of the same call (same inputs). */
int kiln_regress_compare(const kiln_trace *a, const kiln_trace *b, kiln_regress_result *out, char *err,
                         size_t errlen);

#endif
