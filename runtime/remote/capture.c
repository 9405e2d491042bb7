/*
 * capture.c: kiln-remoted --capture writes the kernel launches of the
 * applications it serves as regression cases (see capture.h). The case is
 * written with the trace writer of regress/ (C library only); buffers are
 * read through the real platform, so it works the same whether the device
 * computes in the shared pages or in copy mode.
 */
#include "runtime/remote/capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln/regress.h"
#include "runtime/remote/wire.h"

int kr_capture_init(struct kr_capture *c, const char *dir, const char *filter, unsigned max_per_kernel, char *err,
                    size_t errlen)
{
    memset(c, 0, sizeof *c);
    struct stat st;
    if (strlen(dir) >= sizeof c->dir || (filter && strlen(filter) >= sizeof c->filter)) {
        snprintf(err, errlen, "--capture: folder or kernel name too long");
        return -1;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK) != 0) {
        snprintf(err, errlen, "--capture %s: not a folder this daemon can write", dir);
        return -1;
    }
    snprintf(c->dir, sizeof c->dir, "%s", dir);
    snprintf(c->filter, sizeof c->filter, "%s", filter ? filter : "");
    c->max_per_kernel = max_per_kernel;
    /* The daemon's sessions are processes sharing this struct's memory. */
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&c->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    return 0;
}

int kr_capture_claim(struct kr_capture *c, const char *name, unsigned long long *seq)
{
    if (c->filter[0] && strcmp(c->filter, name) != 0)
        return 0;
    int take = 0;
    pthread_mutex_lock(&c->lock);
    int i = 0;
    while (i < c->nnames && strcmp(c->seen[i].name, name) != 0)
        i++;
    if (i == c->nnames && c->nnames < KR_CAPTURE_MAX_NAMES) {
        snprintf(c->seen[i].name, sizeof c->seen[i].name, "%s", name);
        c->seen[i].count = 0;
        c->nnames++;
    }
    if (i < c->nnames && c->seen[i].count < c->max_per_kernel) {
        c->seen[i].count++;
        *seq = c->sequence++;
        take = 1;
    }
    pthread_mutex_unlock(&c->lock);
    return take;
}

struct kr_capture_case {
    kiln_trace_writer *w;
    const struct kr_capture_launch *l;
    unsigned char *data;       /* room for the largest buffer */
    int unreadable;            /* a buffer could not be read before the launch */
    char path[4400];
};

static void format_list(const size_t *v, cl_uint n, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (cl_uint i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%zu", i ? "," : "", v[i]);
}

/* The launch's description, scalars and __local sizes. */
static void write_description(kiln_trace_writer *w, const struct kr_capture_launch *l, unsigned long long seq)
{
    const struct _cl_icd_dispatch *D = l->D;
    char device[256] = "", text[128];
    cl_device_id dev = NULL;
    if (D->clGetCommandQueueInfo(l->queue, CL_QUEUE_DEVICE, sizeof dev, &dev, NULL) == CL_SUCCESS)
        D->clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof device - 1, device, NULL);
    kiln_trace_meta(w, "kind", "opencl");
    kiln_trace_meta(w, "source", l->source);
    kiln_trace_meta(w, "options", l->options ? l->options : "");
    kiln_trace_meta(w, "kernel_name", l->kernel_name);
    kiln_trace_meta(w, "device", device);
    kiln_trace_meta(w, "captured_by", "kiln-remoted");
    snprintf(text, sizeof text, "%llu", seq);
    kiln_trace_meta(w, "launch", text);
    kiln_geometry geo = {(int)l->dim, {1, 1, 1}, {0, 0, 0}};
    int offset = 0;
    for (cl_uint d = 0; d < l->dim && d < 3; d++) {
        geo.global[d] = l->global[d];
        geo.local[d] = l->local ? l->local[d] : 0;
        offset |= l->offset[d] != 0;
    }
    kiln_trace_geometry(w, &geo);
    if (offset) {
        format_list(l->offset, l->dim, text, sizeof text);
        kiln_trace_meta(w, "offset", text);
    }
}

/* Refuses what a case cannot replay: an argument never set, a NULL buffer,
 * one buffer bound twice (the replay would give each its own copy). */
static const char *unreplayable(const struct kr_capture_launch *l)
{
    for (uint32_t i = 0; i < l->nargs; i++) {
        const struct kr_capture_arg *a = &l->args[i];
        if (a->kind == UINT32_MAX)
            return "an argument was never set";
        if (a->kind == KR_ARG_MEM && !a->mem)
            return "a NULL buffer argument";
        if (a->kind == KR_ARG_BYTES && a->len == 0)
            return "an empty scalar argument";
        for (uint32_t j = 0; a->kind == KR_ARG_MEM && j < i; j++)
            if (l->args[j].kind == KR_ARG_MEM && l->args[j].mem == a->mem)
                return "one buffer bound to two arguments";
    }
    return NULL;
}

static int read_buffer(const struct kr_capture_launch *l, const struct kr_capture_arg *a, void *dst)
{
    return l->D->clEnqueueReadBuffer(l->queue, a->mem, CL_TRUE, 0, a->mem_bytes, dst, 0, NULL, NULL) == CL_SUCCESS
               ? 0
               : -1;
}

struct kr_capture_case *kr_capture_before(struct kr_capture *c, unsigned long long seq,
                                          const struct kr_capture_launch *l)
{
    const char *why = unreplayable(l);
    if (why) {
        fprintf(stderr, "kiln-remoted: capture: launch %llu of %s not captured: %s\n", seq, l->kernel_name, why);
        __atomic_add_fetch(&c->failed, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    struct kr_capture_case *cc = calloc(1, sizeof *cc);
    size_t largest = 1;
    for (uint32_t i = 0; i < l->nargs; i++)
        if (l->args[i].kind == KR_ARG_MEM && l->args[i].mem_bytes > largest)
            largest = l->args[i].mem_bytes;
    if (!cc || !(cc->data = malloc(largest))) {
        fprintf(stderr, "kiln-remoted: capture: out of memory for %zu bytes\n", largest);
        free(cc);
        __atomic_add_fetch(&c->failed, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    cc->l = l;
    char name[128];
    size_t n = 0;
    for (const char *p = l->kernel_name; *p && n + 1 < sizeof name; p++)
        name[n++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ? *p : '_';
    name[n] = '\0';
    snprintf(cc->path, sizeof cc->path, "%s/%06llu-%s.ktr", c->dir, seq, name);
    char err[512];
    if (!(cc->w = kiln_trace_begin(cc->path, err, sizeof err))) {
        fprintf(stderr, "kiln-remoted: capture: %s\n", err);
        kr_capture_after(c, cc, CL_INVALID_VALUE);
        return NULL;
    }
    write_description(cc->w, l, seq);
    /* what the launch reads: everything queued before it has run */
    l->D->clFinish(l->queue);
    for (uint32_t i = 0; i < l->nargs; i++) {
        const struct kr_capture_arg *a = &l->args[i];
        if (a->kind == KR_ARG_BYTES)
            kiln_trace_raw_scalar(cc->w, a->name, a->len, a->bytes);
        else if (a->kind == KR_ARG_LOCAL)
            kiln_trace_local(cc->w, a->name, a->len);
        else if (read_buffer(l, a, cc->data) == 0)
            kiln_trace_array(cc->w, a->name, KILN_VOID, KILN_INOUT, a->mem_bytes, cc->data);
        else
            cc->unreadable = 1;
    }
    return cc;
}

void kr_capture_after(struct kr_capture *c, struct kr_capture_case *cc, cl_int status)
{
    const struct kr_capture_launch *l = cc->l;
    int keep = cc->w && status == CL_SUCCESS && !cc->unreadable;
    if (keep) {
        l->D->clFinish(l->queue);
        for (uint32_t i = 0; i < l->nargs; i++) {
            const struct kr_capture_arg *a = &l->args[i];
            if (a->kind != KR_ARG_MEM)
                continue;
            if (read_buffer(l, a, cc->data) != 0) {
                keep = 0;
                break;
            }
            kiln_trace_output(cc->w, a->name, cc->data);
        }
    }
    char err[512] = "";
    int rc = cc->w ? kiln_trace_end(cc->w, keep, err, sizeof err) : -1;
    if (keep && rc == 0)
        __atomic_add_fetch(&c->written, 1, __ATOMIC_RELAXED);
    else {
        __atomic_add_fetch(&c->failed, 1, __ATOMIC_RELAXED);
        fprintf(stderr, "kiln-remoted: capture: %s not written: %s\n", cc->path,
                err[0] ? err : status != CL_SUCCESS ? "the launch failed" : "a buffer could not be read");
    }
    free(cc->data);
    free(cc);
}
