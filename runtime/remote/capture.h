/*
 * capture.h: kiln-remoted --capture. The daemon sees every OpenCL call of an
 * unmodified application: at a kernel launch it has the program's source and
 * build options, the kernel's name, every argument's value and every buffer.
 * A captured launch is written as a regression case (docs/trace-format.md):
 * each buffer's bytes before the launch and after it, scalars as bytes,
 * __local sizes, the NDRange. Cases replay through kiln regress check.
 */
#ifndef KILN_REMOTE_CAPTURE_H
#define KILN_REMOTE_CAPTURE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <CL/cl_icd.h>

#define KR_CAPTURE_MAX_NAMES 1024

/* What the daemon captures, shared by its sessions (one process each: the daemon maps it shared). */
struct kr_capture {
    char dir[4096];
    char filter[256];          /* capture only kernels of this name; "" = every kernel */
    unsigned max_per_kernel;   /* the first N launches of each kernel name */
    pthread_mutex_t lock;
    unsigned long long sequence;
    int nnames;
    struct {
        char name[256];
        unsigned count;
    } seen[KR_CAPTURE_MAX_NAMES];
    unsigned long long written, failed;
};

/* One kernel argument as the application set it. */
struct kr_capture_arg {
    uint32_t kind;             /* enum kr_arg_kind; UINT32_MAX: never set */
    cl_mem mem;                /* KR_ARG_MEM at launch (NULL: a NULL buffer) */
    size_t mem_bytes;
    unsigned char *bytes;      /* KR_ARG_BYTES: the value (owned by the session) */
    size_t len;                /* bytes, or the __local size */
    char name[128];            /* from clGetKernelArgInfo, or "argN" */
};

/* One launch: what the case records. */
struct kr_capture_launch {
    const struct _cl_icd_dispatch *D;
    cl_command_queue queue;
    cl_kernel kernel;
    const char *source, *options, *kernel_name;
    cl_uint dim;
    const size_t *offset, *global, *local; /* local NULL: the device chooses */
    uint32_t nargs;
    const struct kr_capture_arg *args;
};

/* 0, or -1 with err (the folder cannot be written). */
int kr_capture_init(struct kr_capture *c, const char *dir, const char *filter, unsigned max_per_kernel, char *err,
                    size_t errlen);
/* Whether this launch of kernel `name` is captured (the filter, the first N
 * of each name); *seq numbers it. */
int kr_capture_claim(struct kr_capture *c, const char *name, unsigned long long *seq);

/* A capture in progress: the case is open with every input written. */
struct kr_capture_case;
/* Waits for the queue, reads every buffer and writes the inputs. NULL when
 * the launch cannot be captured (the reason goes to stderr, the launch runs). */
struct kr_capture_case *kr_capture_before(struct kr_capture *c, unsigned long long seq,
                                          const struct kr_capture_launch *l);
/* After the launch was enqueued (status: its error): waits, reads the
 * buffers again and puts the case in place. */
void kr_capture_after(struct kr_capture *c, struct kr_capture_case *cc, cl_int status);

#endif
