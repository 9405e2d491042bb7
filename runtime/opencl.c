/*
 * opencl.c: the OpenCL backend, through the ICD loader, so any installed
 * platform works (PoCL, a vendor driver, a remoted device). One context and
 * one in-order profiling queue per kiln_rt; kernel time is END - START of the
 * kernel's profiling event. Every CL call is checked and a failure names the
 * call and the error code. Built programs go through the binary cache.
 *
 * Builds ahead (kiln_program_compile) run on other threads with the same
 * context (the OpenCL API is thread-safe but for clSetKernelArg, which they
 * do not call). A program built ahead waits in a short list, keyed as the
 * cache is, until kiln_program_build takes it: a vendor's binary may be an
 * intermediate form (NVIDIA's PTX) that costs a second compilation to load.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <CL/cl.h>
#include "runtime/rt_int.h"

/* A program built ahead, until kiln_program_build takes it. */
typedef struct built_ahead {
    char key[17];
    cl_program program;
    struct built_ahead *next;
} built_ahead;

typedef struct cl_state {
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    pthread_mutex_t ahead_lock;
    built_ahead *ahead;
    kiln_build_pool *pool; /* builds ahead in kiln-build processes (made at the first, under ahead_lock) */
} cl_state;

typedef struct cl_prog {
    cl_program program;
    cl_kernel kernel;
} cl_prog;

static const char *cl_err_name(cl_int code)
{
    switch (code) {
#define E(name, value) case value: return #name;
    E(CL_SUCCESS, 0)
    E(CL_DEVICE_NOT_FOUND, -1) E(CL_DEVICE_NOT_AVAILABLE, -2) E(CL_COMPILER_NOT_AVAILABLE, -3)
    E(CL_MEM_OBJECT_ALLOCATION_FAILURE, -4) E(CL_OUT_OF_RESOURCES, -5)
    E(CL_OUT_OF_HOST_MEMORY, -6) E(CL_PROFILING_INFO_NOT_AVAILABLE, -7)
    E(CL_MEM_COPY_OVERLAP, -8) E(CL_IMAGE_FORMAT_MISMATCH, -9)
    E(CL_IMAGE_FORMAT_NOT_SUPPORTED, -10) E(CL_BUILD_PROGRAM_FAILURE, -11)
    E(CL_MAP_FAILURE, -12) E(CL_MISALIGNED_SUB_BUFFER_OFFSET, -13)
    E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST, -14) E(CL_COMPILE_PROGRAM_FAILURE, -15)
    E(CL_LINKER_NOT_AVAILABLE, -16) E(CL_LINK_PROGRAM_FAILURE, -17)
    E(CL_DEVICE_PARTITION_FAILED, -18) E(CL_KERNEL_ARG_INFO_NOT_AVAILABLE, -19)
    E(CL_INVALID_VALUE, -30) E(CL_INVALID_DEVICE_TYPE, -31) E(CL_INVALID_PLATFORM, -32)
    E(CL_INVALID_DEVICE, -33) E(CL_INVALID_CONTEXT, -34) E(CL_INVALID_QUEUE_PROPERTIES, -35)
    E(CL_INVALID_COMMAND_QUEUE, -36) E(CL_INVALID_HOST_PTR, -37)
    E(CL_INVALID_MEM_OBJECT, -38) E(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR, -39)
    E(CL_INVALID_IMAGE_SIZE, -40) E(CL_INVALID_SAMPLER, -41) E(CL_INVALID_BINARY, -42)
    E(CL_INVALID_BUILD_OPTIONS, -43) E(CL_INVALID_PROGRAM, -44)
    E(CL_INVALID_PROGRAM_EXECUTABLE, -45) E(CL_INVALID_KERNEL_NAME, -46)
    E(CL_INVALID_KERNEL_DEFINITION, -47) E(CL_INVALID_KERNEL, -48)
    E(CL_INVALID_ARG_INDEX, -49) E(CL_INVALID_ARG_VALUE, -50) E(CL_INVALID_ARG_SIZE, -51)
    E(CL_INVALID_KERNEL_ARGS, -52) E(CL_INVALID_WORK_DIMENSION, -53)
    E(CL_INVALID_WORK_GROUP_SIZE, -54) E(CL_INVALID_WORK_ITEM_SIZE, -55)
    E(CL_INVALID_GLOBAL_OFFSET, -56) E(CL_INVALID_EVENT_WAIT_LIST, -57)
    E(CL_INVALID_EVENT, -58) E(CL_INVALID_OPERATION, -59) E(CL_INVALID_GL_OBJECT, -60)
    E(CL_INVALID_BUFFER_SIZE, -61) E(CL_INVALID_MIP_LEVEL, -62)
    E(CL_INVALID_GLOBAL_WORK_SIZE, -63) E(CL_INVALID_PROPERTY, -64)
    E(CL_INVALID_IMAGE_DESCRIPTOR, -65) E(CL_INVALID_COMPILER_OPTIONS, -66)
    E(CL_INVALID_LINKER_OPTIONS, -67) E(CL_INVALID_DEVICE_PARTITION_COUNT, -68)
    E(CL_INVALID_PIPE_SIZE, -69) E(CL_INVALID_DEVICE_QUEUE, -70) E(CL_INVALID_SPEC_ID, -71)
    E(CL_MAX_SIZE_RESTRICTION_EXCEEDED, -72) E(CL_PLATFORM_NOT_FOUND_KHR, -1001)
#undef E
    default: return "unknown OpenCL error";
    }
}

/* Leaves "call: CL_NAME (code)" in rt and returns -1. */
static int cl_fail(kiln_rt *rt, const char *call, cl_int code)
{
    return kiln_rt_fail(rt, "%s: %s (%d)", call, cl_err_name(code), (int)code);
}

/* ---- probing ------------------------------------------------------------ */

static void dev_string(cl_device_id dev, cl_device_info what, char *out, size_t outlen)
{
    if (clGetDeviceInfo(dev, what, outlen, out, NULL) != CL_SUCCESS)
        out[0] = '\0';
    out[outlen - 1] = '\0';
}

static void describe_device(cl_platform_id plat, cl_device_id dev, kiln_device_info *info)
{
    memset(info, 0, sizeof *info);
    snprintf(info->backend, sizeof info->backend, "opencl");
    if (clGetPlatformInfo(plat, CL_PLATFORM_NAME, sizeof info->platform, info->platform, NULL) !=
        CL_SUCCESS)
        info->platform[0] = '\0';
    info->platform[sizeof info->platform - 1] = '\0';
    dev_string(dev, CL_DEVICE_NAME, info->name, sizeof info->name);
    dev_string(dev, CL_DEVICE_VENDOR, info->vendor, sizeof info->vendor);
    dev_string(dev, CL_DRIVER_VERSION, info->driver, sizeof info->driver);
    dev_string(dev, CL_DEVICE_VERSION, info->version, sizeof info->version);
    cl_uint units = 0;
    cl_ulong global_mem = 0, local_mem = 0;
    size_t wg = 0;
    cl_device_fp_config fp64 = 0;
    clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof global_mem, &global_mem, NULL);
    cl_ulong max_alloc = 0;
    if (clGetDeviceInfo(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc, &max_alloc, NULL) == CL_SUCCESS)
        info->max_alloc_bytes = max_alloc;
    clGetDeviceInfo(dev, CL_DEVICE_LOCAL_MEM_SIZE, sizeof local_mem, &local_mem, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
    if (clGetDeviceInfo(dev, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp64, &fp64, NULL) != CL_SUCCESS)
        fp64 = 0;
    info->compute_units = (int)units;
    info->global_mem_bytes = global_mem;
    info->local_mem_bytes = local_mem;
    info->max_wg_size = wg;
    info->has_f64 = fp64 != 0;
    cl_device_type type = 0;
    info->on_cpu = clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof type, &type, NULL) == CL_SUCCESS &&
                   (type & CL_DEVICE_TYPE_CPU) != 0;
}

/* The platform list; *n = 0 (and 0 returned) when no platform is installed. */
static int get_platforms(cl_platform_id **out, cl_uint *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    cl_int rc = clGetPlatformIDs(0, NULL, n);
    if (rc == -1001 /* CL_PLATFORM_NOT_FOUND_KHR: the loader found no ICD */ || (rc == CL_SUCCESS && *n == 0)) {
        *n = 0;
        return 0;
    }
    if (rc != CL_SUCCESS) {
        kiln_errf(err, errlen, "clGetPlatformIDs: %s (%d)", cl_err_name(rc), (int)rc);
        return -1;
    }
    *out = calloc(*n, sizeof **out);
    if (!*out) {
        kiln_errf(err, errlen, "out of memory listing OpenCL platforms");
        return -1;
    }
    if ((rc = clGetPlatformIDs(*n, *out, NULL)) != CL_SUCCESS) {
        kiln_errf(err, errlen, "clGetPlatformIDs: %s (%d)", cl_err_name(rc), (int)rc);
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* The devices of one platform; *n = 0 when it has none. */
static int get_devices(cl_platform_id plat, cl_device_id **out, cl_uint *n, char *err,
                       size_t errlen)
{
    *out = NULL;
    *n = 0;
    cl_int rc = clGetDeviceIDs(plat, CL_DEVICE_TYPE_ALL, 0, NULL, n);
    if (rc == CL_DEVICE_NOT_FOUND || (rc == CL_SUCCESS && *n == 0)) {
        *n = 0;
        return 0;
    }
    if (rc == CL_SUCCESS && !(*out = calloc(*n, sizeof **out)))
        rc = CL_OUT_OF_HOST_MEMORY;
    if (rc == CL_SUCCESS)
        rc = clGetDeviceIDs(plat, CL_DEVICE_TYPE_ALL, *n, *out, NULL);
    if (rc != CL_SUCCESS) {
        kiln_errf(err, errlen, "clGetDeviceIDs: %s (%d)", cl_err_name(rc), (int)rc);
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

static int cl_probe(kiln_devlist *list, char *err, size_t errlen)
{
    cl_platform_id *plats;
    cl_uint nplat;
    if (get_platforms(&plats, &nplat, err, errlen) != 0)
        return -1;
    int rc = 0;
    for (cl_uint p = 0; p < nplat && rc == 0; p++) {
        cl_device_id *devs;
        cl_uint ndev;
        /* A broken platform loses only its own devices. */
        if (get_devices(plats[p], &devs, &ndev, err, errlen) != 0)
            continue;
        for (cl_uint d = 0; d < ndev; d++) {
            kiln_device_info info;
            describe_device(plats[p], devs[d], &info);
            info.platform_index = (int)p;
            info.device_index = (int)d;
            if (kiln_devlist_push(list, &info) != 0) {
                kiln_errf(err, errlen, "out of memory listing OpenCL devices");
                rc = -1;
                break;
            }
        }
        free(devs);
    }
    free(plats);
    return rc;
}

/* ---- context ------------------------------------------------------------ */

static int cl_open(kiln_rt *rt)
{
    cl_platform_id *plats;
    cl_uint nplat;
    cl_device_id *devs = NULL;
    cl_uint ndev = 0;
    if (get_platforms(&plats, &nplat, rt->err, sizeof rt->err) != 0)
        return -1;
    int p = rt->info.platform_index, d = rt->info.device_index;
    if (p < 0 || (cl_uint)p >= nplat) {
        free(plats);
        return kiln_rt_fail(rt, "OpenCL platform %d is gone", p);
    }
    int rc = get_devices(plats[p], &devs, &ndev, rt->err, sizeof rt->err);
    free(plats);
    if (rc != 0)
        return -1;
    if (d < 0 || (cl_uint)d >= ndev) {
        free(devs);
        return kiln_rt_fail(rt, "OpenCL device %d:%d is gone", p, d);
    }
    cl_state *st = calloc(1, sizeof *st);
    if (!st) {
        free(devs);
        return kiln_rt_fail(rt, "out of memory opening an OpenCL device");
    }
    st->device = devs[d];
    free(devs);
    pthread_mutex_init(&st->ahead_lock, NULL);
    cl_int code;
    st->context = clCreateContext(NULL, 1, &st->device, NULL, NULL, &code);
    if (!st->context) {
        free(st);
        return cl_fail(rt, "clCreateContext", code);
    }
    st->queue = clCreateCommandQueue(st->context, st->device, CL_QUEUE_PROFILING_ENABLE, &code);
    if (!st->queue) {
        clReleaseContext(st->context);
        free(st);
        return cl_fail(rt, "clCreateCommandQueue", code);
    }
    rt->impl = st;
    return 0;
}

static void cl_close(kiln_rt *rt)
{
    cl_state *st = rt->impl;
    if (!st)
        return;
    while (st->ahead) {
        built_ahead *b = st->ahead;
        st->ahead = b->next;
        clReleaseProgram(b->program);
        free(b);
    }
    kiln_build_pool_free(st->pool);
    pthread_mutex_destroy(&st->ahead_lock);
    clReleaseCommandQueue(st->queue);
    clReleaseContext(st->context);
    free(st);
    rt->impl = NULL;
}

/* ---- buffers ------------------------------------------------------------ */

static int cl_buf_new(kiln_rt *rt, kiln_buf *buf)
{
    cl_state *st = rt->impl;
    cl_int code;
    cl_mem mem = clCreateBuffer(st->context, CL_MEM_READ_WRITE, buf->bytes, NULL, &code);
    if (!mem)
        return cl_fail(rt, "clCreateBuffer", code);
    buf->handle = mem;
    return 0;
}

static int cl_buf_write(kiln_rt *rt, kiln_buf *buf, const void *host, size_t bytes)
{
    cl_state *st = rt->impl;
    cl_int code = clEnqueueWriteBuffer(st->queue, (cl_mem)buf->handle, CL_TRUE, 0, bytes, host, 0,
                                       NULL, NULL);
    return code == CL_SUCCESS ? 0 : cl_fail(rt, "clEnqueueWriteBuffer", code);
}

static int cl_buf_read(kiln_rt *rt, kiln_buf *buf, void *host, size_t bytes)
{
    cl_state *st = rt->impl;
    cl_int code = clEnqueueReadBuffer(st->queue, (cl_mem)buf->handle, CL_TRUE, 0, bytes, host, 0,
                                      NULL, NULL);
    return code == CL_SUCCESS ? 0 : cl_fail(rt, "clEnqueueReadBuffer", code);
}

static int cl_buf_fill(kiln_rt *rt, kiln_buf *buf, const void *pattern, size_t pattern_bytes, size_t bytes)
{
    cl_state *st = rt->impl;
    cl_event done;
    cl_int code = clEnqueueFillBuffer(st->queue, (cl_mem)buf->handle, pattern, pattern_bytes, 0, bytes, 0, NULL,
                                      &done);
    if (code != CL_SUCCESS)
        return cl_fail(rt, "clEnqueueFillBuffer", code);
    code = clWaitForEvents(1, &done);
    clReleaseEvent(done);
    return code == CL_SUCCESS ? 0 : cl_fail(rt, "clEnqueueFillBuffer (its wait)", code);
}

static void cl_buf_free(kiln_rt *rt, kiln_buf *buf)
{
    (void)rt;
    if (buf->handle)
        clReleaseMemObject((cl_mem)buf->handle);
    buf->handle = NULL;
}

/* ---- programs ----------------------------------------------------------- */

/* The build log of the program on our device, malloc'ed (NULL if none). */
static char *build_log(cl_program program, cl_device_id device)
{
    size_t size = 0;
    if (clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, NULL, &size) !=
            CL_SUCCESS ||
        size == 0)
        return NULL;
    char *log = malloc(size + 1);
    if (!log)
        return NULL;
    if (clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, size, log, NULL) !=
        CL_SUCCESS) {
        free(log);
        return NULL;
    }
    log[size] = '\0';
    return log;
}

/* The program's binary for our (single) device, malloc'ed, or NULL. */
static unsigned char *program_binary(cl_program program, size_t *bytes)
{
    size_t size = 0;
    if (clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL) !=
            CL_SUCCESS ||
        size == 0)
        return NULL;
    unsigned char *bin = malloc(size);
    if (!bin)
        return NULL;
    if (clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) != CL_SUCCESS) {
        free(bin);
        return NULL;
    }
    *bytes = size;
    return bin;
}

/* A program from a cached binary, built; NULL on any failure, which just
 * means "rebuild from source", so nothing is reported. */
static cl_program program_from_binary(cl_state *st, const unsigned char *bin, size_t bytes, const char *options)
{
    cl_int code, status;
    cl_program program = clCreateProgramWithBinary(st->context, 1, &st->device, &bytes, &bin,
                                                   &status, &code);
    if (!program)
        return NULL;
    if (code != CL_SUCCESS || status != CL_SUCCESS ||
        clBuildProgram(program, 1, &st->device, options, NULL, NULL) != CL_SUCCESS) {
        clReleaseProgram(program);
        return NULL;
    }
    return program;
}

/* The cached binary at path, built; NULL when absent or unusable. */
static cl_program program_from_cache(cl_state *st, const char *path, const char *options)
{
    size_t bytes;
    unsigned char *bin = kiln_cache_read(path, &bytes);
    cl_program program = bin ? program_from_binary(st, bin, bytes, options) : NULL;
    free(bin);
    return program;
}

/* cp gets program and its kernel (0), or nothing (-1, program released). */
static int adopt_built(cl_state *st, cl_prog *cp, cl_program program, const char *kernel_name, char **log)
{
    cl_int code;
    cl_kernel kernel = clCreateKernel(program, kernel_name, &code);
    if (!kernel) {
        clReleaseProgram(program);
        return -1;
    }
    cp->program = program;
    cp->kernel = kernel;
    *log = build_log(program, st->device);
    return 0;
}

/* The program built ahead under key, taken out of the list (NULL: none). */
static cl_program take_built_ahead(cl_state *st, const char *key)
{
    cl_program program = NULL;
    pthread_mutex_lock(&st->ahead_lock);
    for (built_ahead **at = &st->ahead; *at; at = &(*at)->next) {
        if (strcmp((*at)->key, key) == 0) {
            built_ahead *b = *at;
            *at = b->next;
            program = b->program;
            free(b);
            break;
        }
    }
    pthread_mutex_unlock(&st->ahead_lock);
    return program;
}

static void keep_built_ahead(cl_state *st, built_ahead *b)
{
    pthread_mutex_lock(&st->ahead_lock);
    b->next = st->ahead;
    st->ahead = b;
    pthread_mutex_unlock(&st->ahead_lock);
}

/* A program built from source for the device (a compilation, as kiln_rt_compiles
 * counts them), its build log in *log once the build ran. NULL with *call naming
 * the OpenCL call that failed and *code its error. */
static cl_program program_from_source(kiln_rt *rt, const cl_state *st, const char *source, const char *options,
                                      char **log, const char **call, cl_int *code)
{
    size_t len = strlen(source);
    cl_program program = clCreateProgramWithSource(st->context, 1, &source, &len, code);
    if (!program) {
        *call = "clCreateProgramWithSource";
        return NULL;
    }
    kiln_rt_count_compile(rt);
    *code = clBuildProgram(program, 1, &st->device, options, NULL, NULL);
    *log = build_log(program, st->device);
    if (*code != CL_SUCCESS) {
        *call = "clBuildProgram";
        clReleaseProgram(program);
        return NULL;
    }
    return program;
}

/* Stores a built program's binary at path in the cache. */
static void cache_program(cl_program program, const char *path)
{
    size_t bytes;
    unsigned char *bin = program_binary(program, &bytes);
    if (bin)
        kiln_cache_write(path, bin, bytes); /* a failed write only costs a rebuild later */
    free(bin);
}

/* The pool of build processes when rt uses one (made at the first call). */
static kiln_build_pool *build_pool(kiln_rt *rt, cl_state *st)
{
    int n = kiln_rt_build_procs(rt);
    if (n <= 0)
        return NULL;
    pthread_mutex_lock(&st->ahead_lock);
    if (!st->pool) {
        char selector[32];
        snprintf(selector, sizeof selector, "%d:%d", rt->info.platform_index, rt->info.device_index);
        st->pool = kiln_build_pool_new(selector, rt->info.fingerprint, n);
    }
    pthread_mutex_unlock(&st->ahead_lock);
    return st->pool;
}

static void cl_prestart_builds(kiln_rt *rt)
{
    kiln_build_pool *pool = build_pool(rt, rt->impl);
    if (pool)
        kiln_build_pool_prestart(pool);
}

/* Builds source in a build process and loads the binary it returns: 0 with
 * *program, -1 with err (the build failed there or its process died), 1
 * when no build process can start (build here instead). */
static int program_from_helper(kiln_rt *rt, cl_state *st, kiln_build_pool *pool, const char *source,
                               const char *options, const char *cache_path, cl_program *program, char **log,
                               char *err, size_t errlen)
{
    unsigned char *bin;
    size_t bytes;
    int status;
    char why[1024];
    double t0 = kiln_trace_now();
    int rc = kiln_build_pool_build(pool, source, options, &bin, &bytes, log, &status, why, sizeof why);
    kiln_trace_span("build in kiln-build", NULL, t0);
    if (rc == 2)
        return 1;
    kiln_rt_count_compile(rt);
    if (rc == 1) {
        kiln_errf(err, errlen, "clBuildProgram: %s (%d)", cl_err_name(status), status);
        return -1;
    }
    if (rc < 0) {
        kiln_errf(err, errlen, "%s", why);
        return -1;
    }
    t0 = kiln_trace_now();
    *program = program_from_binary(st, bin, bytes, options);
    kiln_trace_span("load the binary", NULL, t0);
    t0 = kiln_trace_now();
    if (*program && cache_path)
        kiln_cache_write(cache_path, bin, bytes); /* a failed write only costs a rebuild later */
    kiln_trace_span("cache the binary", NULL, t0);
    free(bin);
    return *program ? 0 : 1;
}

/* Builds ahead: from the cache if there, else from source (in a build
 * process when rt uses them), the binary then going to the cache; the
 * program waits in the list for kiln_program_build. */
static int cl_compile(kiln_rt *rt, const char *source, const char *kernel_name, const char *options, char **log,
                      char *err, size_t errlen)
{
    (void)kernel_name;
    cl_state *st = rt->impl;
    char key[17], path[4096];
    kiln_cache_key(source, options, rt->info.fingerprint, key);
    int cached = kiln_cache_path(key, ".clbin", path, sizeof path) == 0;
    built_ahead *b = calloc(1, sizeof *b);
    if (!b) {
        kiln_errf(err, errlen, "out of memory building ahead");
        return -1;
    }
    snprintf(b->key, sizeof b->key, "%s", key);
    double t0 = kiln_trace_now();
    if (cached && (b->program = program_from_cache(st, path, options)) != NULL) {
        kiln_trace_span("load from the cache", NULL, t0);
        keep_built_ahead(st, b);
        return 0;
    }
    kiln_build_pool *pool = build_pool(rt, st);
    int rc = pool ? program_from_helper(rt, st, pool, source, options, cached ? path : NULL, &b->program, log,
                                        err, errlen)
                  : 1;
    if (rc < 0) {
        free(b);
        return -1;
    }
    if (rc == 0) {
        keep_built_ahead(st, b);
        return 0;
    }
    free(*log);
    *log = NULL;
    const char *call;
    cl_int code;
    t0 = kiln_trace_now();
    b->program = program_from_source(rt, st, source, options, log, &call, &code);
    kiln_trace_span("build", NULL, t0);
    if (!b->program) {
        free(b);
        kiln_errf(err, errlen, "%s: %s (%d)", call, cl_err_name(code), (int)code);
        return -1;
    }
    t0 = kiln_trace_now();
    if (cached)
        cache_program(b->program, path);
    kiln_trace_span("cache the binary", NULL, t0);
    keep_built_ahead(st, b);
    return 0;
}

/* ---- the build process's side (kiln-build) -------------------------------- */

int kiln_cl_build_serve(const char *selector, const char *fingerprint, int fd)
{
    char err[1024];
    kiln_rt *rt = kiln_rt_open(selector, err, sizeof err);
    if (!rt || strcmp(rt->info.backend, "opencl") != 0 || strcmp(rt->info.fingerprint, fingerprint) != 0) {
        if (rt)
            snprintf(err, sizeof err, "device %s is %s (fingerprint %s), not the one asked for (%s)", selector,
                     rt->info.name, rt->info.fingerprint, fingerprint);
        kiln_bp_hello(fd, -1, err);
        kiln_rt_close(rt);
        return -1;
    }
    cl_state *st = rt->impl;
    int rc = kiln_bp_hello(fd, 0, "ready");
    char *source, *options;
    while (rc == 0 && kiln_bp_next_request(fd, &source, &options) == 0) {
        char *log = NULL;
        const char *call;
        cl_int code = CL_SUCCESS;
        cl_program program = program_from_source(rt, st, source, options, &log, &call, &code);
        size_t bytes = 0;
        unsigned char *bin = program ? program_binary(program, &bytes) : NULL;
        if (program && !bin)
            code = CL_INVALID_BINARY;
        rc = kiln_bp_answer(fd, program ? code : code != CL_SUCCESS ? code : CL_BUILD_PROGRAM_FAILURE, log, bin,
                            bytes);
        free(bin);
        free(log);
        if (program)
            clReleaseProgram(program);
        free(source);
        free(options);
    }
    kiln_rt_close(rt);
    return 0;
}

static int cl_build(kiln_rt *rt, kiln_program *prog, const char *source, const char *options,
                    char **log)
{
    cl_state *st = rt->impl;
    cl_prog *cp = calloc(1, sizeof *cp);
    if (!cp)
        return kiln_rt_fail(rt, "out of memory building a program");

    char key[17], path[4096];
    kiln_cache_key(source, options, rt->info.fingerprint, key);
    /* built ahead, else cached: a failure there is made again from source below, with its message */
    cl_program ahead = take_built_ahead(st, key);
    int cached = kiln_cache_path(key, ".clbin", path, sizeof path) == 0;
    if (!ahead && cached)
        ahead = program_from_cache(st, path, options);
    if (ahead && adopt_built(st, cp, ahead, prog->kernel_name, log) == 0) {
        prog->impl = cp;
        return 0;
    }

    const char *call;
    cl_int code;
    if (!(cp->program = program_from_source(rt, st, source, options, log, &call, &code))) {
        free(cp);
        return cl_fail(rt, call, code);
    }
    cp->kernel = clCreateKernel(cp->program, prog->kernel_name, &code);
    if (!cp->kernel) {
        kiln_rt_fail(rt, "clCreateKernel(\"%s\"): %s (%d)", prog->kernel_name, cl_err_name(code),
                     (int)code);
        goto fail;
    }
    if (cached)
        cache_program(cp->program, path);
    prog->impl = cp;
    return 0;
fail:
    clReleaseProgram(cp->program);
    free(cp);
    return -1;
}

static void cl_program_free(kiln_rt *rt, kiln_program *prog)
{
    (void)rt;
    cl_prog *cp = prog->impl;
    if (!cp)
        return;
    clReleaseKernel(cp->kernel);
    clReleaseProgram(cp->program);
    free(cp);
    prog->impl = NULL;
}

static int cl_set_buf(kiln_rt *rt, kiln_program *prog, int index, kiln_buf *buf)
{
    cl_prog *cp = prog->impl;
    cl_mem mem = (cl_mem)buf->handle;
    cl_int code = clSetKernelArg(cp->kernel, (cl_uint)index, sizeof mem, &mem);
    if (code != CL_SUCCESS)
        return kiln_rt_fail(rt, "clSetKernelArg(%d, buffer): %s (%d)", index, cl_err_name(code),
                            (int)code);
    return 0;
}

static int cl_set_scalar(kiln_rt *rt, kiln_program *prog, int index, const void *value,
                         size_t bytes)
{
    cl_prog *cp = prog->impl;
    cl_int code = clSetKernelArg(cp->kernel, (cl_uint)index, bytes, value);
    if (code != CL_SUCCESS)
        return kiln_rt_fail(rt, "clSetKernelArg(%d, %zu-byte scalar): %s (%d)", index, bytes,
                            cl_err_name(code), (int)code);
    return 0;
}

static int cl_set_local(kiln_rt *rt, kiln_program *prog, int index, size_t bytes)
{
    cl_prog *cp = prog->impl;
    cl_int code = clSetKernelArg(cp->kernel, (cl_uint)index, bytes, NULL);
    if (code != CL_SUCCESS)
        return kiln_rt_fail(rt, "clSetKernelArg(%d, %zu-byte __local): %s (%d)", index, bytes, cl_err_name(code),
                            (int)code);
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The wait on a command that never starts running, as a multiple of the
 * time limit (plus 1 s), counted from the enqueue. */
#define CL_WAIT_BACKSTOP 20

/* A command's completion as its event's callback tells it, so that a wait
 * sleeps until the command ends instead of polling (a poll's sleep, on a
 * loaded host, can cost more than a short kernel). The waiter and the
 * callback share it; the last of them frees it. */
typedef struct completion {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int done;
    int refs;
} completion;

static void completion_drop(completion *c)
{
    pthread_mutex_lock(&c->lock);
    int last = --c->refs == 0;
    pthread_mutex_unlock(&c->lock);
    if (last) {
        pthread_cond_destroy(&c->changed);
        pthread_mutex_destroy(&c->lock);
        free(c);
    }
}

static void CL_CALLBACK on_complete(cl_event ev, cl_int status, void *user)
{
    (void)ev;
    (void)status;
    completion *c = user;
    pthread_mutex_lock(&c->lock);
    c->done = 1;
    pthread_cond_broadcast(&c->changed);
    pthread_mutex_unlock(&c->lock);
    completion_drop(c);
}

/* A completion told by ev's callback; NULL when none can be had (then the
 * wait polls). */
static completion *completion_of(cl_event ev)
{
    completion *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->changed, &attr);
    pthread_condattr_destroy(&attr);
    c->refs = 2;
    if (clSetEventCallback(ev, CL_COMPLETE, on_complete, c) != CL_SUCCESS) {
        c->refs = 1;
        completion_drop(c);
        return NULL;
    }
    return c;
}

/* Sleeps until c is done or sleep_ns have passed (without c: sleeps). */
static void completion_wait(completion *c, long sleep_ns)
{
    if (!c) {
        struct timespec ts = {0, sleep_ns};
        nanosleep(&ts, NULL);
        return;
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += sleep_ns;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&c->lock);
    while (!c->done && pthread_cond_timedwait(&c->changed, &c->lock, &until) == 0) {
    }
    pthread_mutex_unlock(&c->lock);
}

/* Waits for ev. The limit (timeout_ms, 0 = none) counts from when the
 * command is first seen CL_RUNNING (or from the call when running is set):
 * the time a command waits to be submitted, on a loaded host or behind the
 * device's other work, is not the kernel's. A command never seen running
 * (an implementation may skip the state) is still ended by the backstop.
 * Between looks at its state the wait sleeps until the command completes
 * (its event's callback) or the next look is due. 0 done, KILN_RT_TIMEOUT
 * (rt->err says why), or -1. */
static int wait_event(kiln_rt *rt, cl_event ev, int timeout_ms, int running)
{
    if (timeout_ms == 0) {
        cl_int code = clWaitForEvents(1, &ev);
        return code == CL_SUCCESS ? 0 : cl_fail(rt, "clWaitForEvents", code);
    }
    double start = now_ms(), running_since = running ? start : -1;
    double backstop = start + (double)timeout_ms * CL_WAIT_BACKSTOP + 1000.0;
    /* looks at least every eighth of the time waited so far (10 us to 5 ms):
     * a kernel is seen done within about an eighth of its time after it
     * ends, when its callback comes later than that */
    long sleep_ns = 10000;
    completion *c = completion_of(ev);
    int rc;
    for (;;) {
        cl_int status;
        cl_int code = clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status,
                                     &status, NULL);
        if (code != CL_SUCCESS) {
            rc = cl_fail(rt, "clGetEventInfo", code);
            break;
        }
        if (status == CL_COMPLETE) {
            rc = 0;
            break;
        }
        if (status < 0) {
            rc = kiln_rt_fail(rt, "kernel execution failed: %s (%d)", cl_err_name(status), (int)status);
            break;
        }
        double now = now_ms();
        if (status == CL_RUNNING && running_since < 0)
            running_since = now;
        if ((running_since >= 0 && now - running_since >= timeout_ms) || now >= backstop) {
            kiln_rt_fail(rt, "kernel did not finish within %d ms %s", timeout_ms,
                         running_since >= 0 ? "of running" : "(it never started running)");
            rc = KILN_RT_TIMEOUT;
            break;
        }
        completion_wait(c, sleep_ns);
        double waited_ns = (now_ms() - start) * 1e6 / 8;
        sleep_ns = waited_ns < 10000 ? 10000 : waited_ns > 5e6 ? 5000000 : (long)waited_ns;
    }
    if (c)
        completion_drop(c);
    return rc;
}

/* Enqueues one run of the kernel, unflushed; 0 or -1. */
static int enqueue_kernel(kiln_rt *rt, const kiln_geometry *geo, cl_kernel kernel, cl_event *ev)
{
    cl_state *st = rt->impl;
    const size_t *local = geo->local[0] ? geo->local : NULL;
    cl_int code = clEnqueueNDRangeKernel(st->queue, kernel, (cl_uint)geo->dims, NULL,
                                         geo->global, local, 0, NULL, ev);
    return code == CL_SUCCESS ? 0 : cl_fail(rt, "clEnqueueNDRangeKernel", code);
}

/* Enqueues one run of the kernel and flushes; 0 or -1. */
static int enqueue_run(kiln_rt *rt, const kiln_geometry *geo, cl_kernel kernel, cl_event *ev)
{
    cl_state *st = rt->impl;
    if (enqueue_kernel(rt, geo, kernel, ev) != 0)
        return -1;
    cl_int code = clFlush(st->queue);
    if (code != CL_SUCCESS) {
        clReleaseEvent(*ev);
        return cl_fail(rt, "clFlush", code);
    }
    return 0;
}

/* The time of a completed run from its profiling event; 0 or -1. */
static int event_time(kiln_rt *rt, cl_event ev, double *elapsed_ns)
{
    cl_ulong start = 0, end = 0;
    cl_int code = clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof start, &start, NULL);
    if (code == CL_SUCCESS)
        code = clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof end, &end, NULL);
    if (code != CL_SUCCESS)
        return cl_fail(rt, "clGetEventProfilingInfo", code);
    *elapsed_ns = end > start ? (double)(end - start) : 0.0;
    return 0;
}

/* A run past its limit is confirmed before it is final. OpenCL cannot
 * cancel a kernel, so a second run cannot start while the first still
 * occupies the queue: confirmation waits one more limit on the running
 * kernel. Still running then, it is a timeout (and the queue stays busy until
 * it ends); finished by then, it was slowed by something else (the device
 * shared, a first-run cost): *slowed is set, and the caller decides (cl_run
 * runs it once more, within the limit; a series keeps its time). */
static int wait_confirmed(kiln_rt *rt, cl_event ev, int *slowed)
{
    *slowed = 0;
    int rc = wait_event(rt, ev, rt->timeout_ms, 0);
    if (rc != KILN_RT_TIMEOUT)
        return rc;
    rc = wait_event(rt, ev, rt->timeout_ms, 1);
    if (rc == KILN_RT_TIMEOUT)
        kiln_rt_fail(rt,
                     "kernel did not finish within %d ms, nor in as long again (OpenCL "
                     "cannot cancel it; the queue stays busy until it ends)",
                     rt->timeout_ms);
    *slowed = rc == 0;
    return rc;
}

static int cl_run(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, double *elapsed_ns)
{
    cl_prog *cp = prog->impl;
    cl_event ev = NULL;
    if (enqueue_run(rt, geo, cp->kernel, &ev) != 0)
        return -1;
    int slowed;
    int rc = wait_confirmed(rt, ev, &slowed);
    if (rc == 0 && slowed) {
        clReleaseEvent(ev);
        if (enqueue_run(rt, geo, cp->kernel, &ev) != 0)
            return -1;
        rc = wait_event(rt, ev, rt->timeout_ms, 0);
    }
    if (rc == 0)
        rc = event_time(rt, ev, elapsed_ns);
    clReleaseEvent(ev);
    return rc;
}

/* n runs queued at once (one flush), then waited in order: the device runs
 * them back to back while the host waits for the first. Each run's limit
 * is confirmed as in cl_run; one slowed by something else keeps its time. */
static int cl_run_series(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, int n, double *samples_ns)
{
    cl_state *st = rt->impl;
    cl_prog *cp = prog->impl;
    cl_event *evs = calloc((size_t)(n > 0 ? n : 1), sizeof *evs);
    if (!evs)
        return kiln_rt_fail(rt, "out of memory queueing %d runs", n);
    int rc = 0, queued = 0;
    while (queued < n && (rc = enqueue_kernel(rt, geo, cp->kernel, &evs[queued])) == 0)
        queued++;
    cl_int code = clFlush(st->queue);
    if (rc == 0 && code != CL_SUCCESS)
        rc = cl_fail(rt, "clFlush", code);
    for (int i = 0, slowed; rc == 0 && i < queued; i++)
        if ((rc = wait_confirmed(rt, evs[i], &slowed)) == 0)
            rc = event_time(rt, evs[i], &samples_ns[i]);
    for (int i = 0; i < queued; i++)
        clReleaseEvent(evs[i]);
    free(evs);
    return rc;
}

const kiln_rt_ops kiln_rt_opencl_ops = {
    .backend = "opencl",
    .lang = KILN_LANG_CL,
    .can_cancel = 0,
    .probe = cl_probe,
    .open = cl_open,
    .close = cl_close,
    .compile = cl_compile,
    .buf_new = cl_buf_new,
    .buf_write = cl_buf_write,
    .buf_read = cl_buf_read,
    .buf_free = cl_buf_free,
    .buf_fill = cl_buf_fill,
    .prestart_builds = cl_prestart_builds,
    .build = cl_build,
    .program_free = cl_program_free,
    .set_buf = cl_set_buf,
    .set_scalar = cl_set_scalar,
    .set_local = cl_set_local,
    .run = cl_run,
    .run_series = cl_run_series,
    .compiler_changed = NULL,
};
