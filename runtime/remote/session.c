/*
 * session.c: one client connection served against the real platform. The
 * session owns a table from client-chosen ids to real OpenCL handles; every
 * frame is decoded with bounds checks, every id is looked up with its kind,
 * every offset and size is checked against the buffer before the real call.
 * Frames that do not reply (creates, enqueues, releases) report failures
 * through their event (a failed-event entry) and the next clFinish.
 * A malformed frame drops the connection; the session then finishes its
 * queues and releases everything it owned (or, in kiln-remoted, where the
 * session is a process of its own, the process exits and the system does).
 * Kernel arguments are checked against their kind and type, a kernel holds
 * the buffers its arguments name, binaries come back only if the daemon
 * handed them out (shared.c), and what a session holds is bounded by its
 * limits (struct kr_limits). Waits answer in slices while a user event is
 * unset, so that the client's other threads can set it.
 *
 * Copy mode pipelines large transfers (see op_write_chunk, op_read_chunked):
 * the device copy of one chunk runs while the client copies the next one
 * between its memory and the shared pages.
 */
#include "runtime/remote/daemon_int.h"
#include "runtime/remote/capture.h"
#include "runtime/remote/wire.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef F_GET_SEALS
#define F_GET_SEALS 1034
#define F_SEAL_SHRINK 0x0002
#endif

#define MAX_WAIT_EVENTS 4096u
#define MAX_DEVICES_PER_CALL 16u
/* Write chunks whose device copy may still run; a client sending more waits for the oldest. */
#define MAX_PENDING_CHUNKS 64u
/* Chunked read: device copies in flight ahead of the one the client is told about. */
#define READ_WINDOW 4u
/*
 * A FINISH or WAIT answers KR_STATUS_PENDING after waiting this long, so that
 * the client's other threads get the connection (to set a user event, say).
 */
#define WAIT_SLICE_MS 50
/* At the pending-commands limit, how long the queue may take to drain before a refusal. */
#define DRAIN_WAIT_MS 200

void kr_limits_default(struct kr_limits *l)
{
    l->objects = 16384;
    l->mapped_bytes = (uint64_t)32 << 30;
    l->program_bytes = (uint64_t)256 << 20;
    l->pending = 100000;
    l->sessions = 256;
    l->sessions_per_uid = 32;
    l->frame_timeout_ms = 10000;
}

/* Shared memory of sessions run without a daemon (the fuzz tests): one slot, this process only. */
static struct kr_shared *g_local;
static pthread_once_t g_local_once = PTHREAD_ONCE_INIT;
static void local_create(void) { g_local = kr_shared_create(1); }

static struct kr_shared *local_shared(void)
{
    pthread_once(&g_local_once, local_create);
    return g_local;
}

static struct kr_limits g_default_limits;
static void limits_default_once(void) { kr_limits_default(&g_default_limits); }

void kr_daemon_stats(struct kr_daemon_stats *out)
{
    memset(out, 0, sizeof *out);
    if (local_shared())
        kr_shared_stats(local_shared(), out);
}

struct entry {
    uint64_t id; /* 0: empty slot */
    uint32_t kind;
    cl_int status; /* an event whose command never reached the device */
    void *handle;
    void *host; /* mem: the shared mapping */
    size_t size;
    uint32_t *arg_quals; /* kernel: address qualifier per argument, 0 when unknown */
    uint8_t *arg_types;  /* kernel: what each argument may be given (enum arg_type) */
    cl_mem *arg_mems;    /* kernel: the buffer each argument holds, retained as the driver would not */
    uint32_t nargs;
    size_t program_bytes; /* program: source or binary bytes, counted against the limit */
    int user_event;       /* event: a user event not set yet (failed if the client goes away) */
    int callback_set;     /* event: wake_waiters is registered */
    uint64_t pending;     /* queue: commands enqueued since it was last seen idle */
    int refusing;         /* queue: at the pending limit and not drained: refused without waiting */
    uint64_t order;
    /* with --capture: a program's source and build options; a kernel's name,
     * its program's source and options, and its arguments as last set */
    char *source, *options, *name;
    struct kr_capture_arg *cap_args;
};

/* What a kernel argument may be given, from its qualifier and type name. */
enum arg_type { ARG_UNKNOWN, ARG_VALUE, ARG_BUFFER, ARG_LOCAL, ARG_SAMPLER, ARG_OPAQUE };

struct session {
    const struct kr_platform *P;
    const struct _cl_icd_dispatch *D;
    const struct kr_limits *L;
    struct kr_shared *sh;
    struct kr_counters *cnt;
    unsigned long long chunks_at_start; /* the slot's copy count when this session took it */
    uint64_t program_bytes;
    uint64_t unset_user_events; /* created and not yet set: only they can hold work for ever */
    cl_int insert_err; /* why the last insert failed */
    struct kr_conn conn;
    struct entry *tab;
    size_t cap, count;
    uint64_t next_order;
    cl_int deferred;
    struct kr_buf out;
    /* Non-blocking device writes of HOST_TO_DEVICE_CHUNK frames, oldest first, and
     * the first error among those chunks; both settle at the next HOST_TO_DEVICE. */
    cl_event chunk_ev[MAX_PENDING_CHUNKS];
    unsigned nchunk_ev;
    cl_int chunk_err;
    int broken; /* a reply could not be sent mid-command: drop the connection */
};

struct mapping {
    void *p;
    size_t len;
    struct kr_counters *cnt; /* in shared memory: outlives the session */
};

static void CL_CALLBACK unmap_on_destroy(cl_mem m, void *user)
{
    (void)m;
    struct mapping *mp = user;
    munmap(mp->p, mp->len);
    atomic_fetch_sub(&mp->cnt->mappings, 1);
    atomic_fetch_sub(&mp->cnt->mapped_bytes, mp->len);
    free(mp);
}

/* ---- the id table: open addressing, linear probing, backward-shift delete ---- */

static size_t slot_of(const struct session *s, uint64_t id)
{
    uint64_t h = id * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 20) & (s->cap - 1);
}

static struct entry *lookup(struct session *s, uint64_t id, uint32_t kind)
{
    if (id == 0 || s->cap == 0)
        return NULL;
    for (size_t i = slot_of(s, id);; i = (i + 1) & (s->cap - 1)) {
        if (s->tab[i].id == 0)
            return NULL;
        if (s->tab[i].id == id)
            return s->tab[i].kind == kind ? &s->tab[i] : NULL;
    }
}

static int table_grow(struct session *s)
{
    size_t cap = s->cap ? s->cap * 2 : 256;
    struct entry *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    struct entry *old = s->tab;
    size_t oldcap = s->cap;
    s->tab = t;
    s->cap = cap;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].id)
            continue;
        size_t j = slot_of(s, old[i].id);
        while (t[j].id)
            j = (j + 1) & (cap - 1);
        t[j] = old[i];
    }
    free(old);
    return 0;
}

/*
 * Adds an entry; NULL with s->insert_err when the id is 0 or already in use
 * (a client bug or attack: CL_INVALID_VALUE) or the session holds its limit of
 * objects (CL_OUT_OF_RESOURCES).
 */
static struct entry *insert(struct session *s, uint64_t id, uint32_t kind, void *handle)
{
    s->insert_err = CL_INVALID_VALUE;
    if (id == 0)
        return NULL;
    s->insert_err = CL_OUT_OF_RESOURCES;
    if (s->count >= s->L->objects || ((s->count + 1) * 2 > s->cap && table_grow(s) != 0))
        return NULL;
    s->insert_err = CL_INVALID_VALUE;
    size_t i = slot_of(s, id);
    for (; s->tab[i].id; i = (i + 1) & (s->cap - 1))
        if (s->tab[i].id == id)
            return NULL;
    struct entry *e = &s->tab[i];
    memset(e, 0, sizeof *e);
    e->id = id;
    e->kind = kind;
    e->handle = handle;
    e->order = s->next_order++;
    s->count++;
    atomic_fetch_add(&s->cnt->objects, 1);
    return e;
}

static void remove_entry(struct session *s, struct entry *e)
{
    size_t i = (size_t)(e - s->tab);
    s->tab[i].id = 0;
    s->count--;
    atomic_fetch_sub(&s->cnt->objects, 1);
    for (size_t j = (i + 1) & (s->cap - 1); s->tab[j].id; j = (j + 1) & (s->cap - 1)) {
        size_t home = slot_of(s, s->tab[j].id);
        /* Move j back into the hole when its home is not in (i, j]. */
        int between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            s->tab[i] = s->tab[j];
            s->tab[j].id = 0;
            i = j;
        }
    }
}

static void release_handle(struct session *s, struct entry *e)
{
    const struct _cl_icd_dispatch *D = s->D;
    if (!e->handle)
        return;
    switch (e->kind) {
    case KR_KIND_CONTEXT: D->clReleaseContext(e->handle); break;
    case KR_KIND_QUEUE: D->clReleaseCommandQueue(e->handle); break;
    case KR_KIND_MEM: D->clReleaseMemObject(e->handle); break;
    case KR_KIND_PROGRAM:
        D->clReleaseProgram(e->handle);
        s->program_bytes -= e->program_bytes;
        break;
    case KR_KIND_KERNEL:
        D->clReleaseKernel(e->handle);
        for (uint32_t i = 0; e->arg_mems && i < e->nargs; i++)
            if (e->arg_mems[i])
                D->clReleaseMemObject(e->arg_mems[i]);
        free(e->arg_mems);
        free(e->arg_types);
        free(e->arg_quals);
        e->arg_mems = NULL;
        e->arg_types = NULL;
        e->arg_quals = NULL;
        for (uint32_t i = 0; e->cap_args && i < e->nargs; i++)
            free(e->cap_args[i].bytes);
        free(e->cap_args);
        e->cap_args = NULL;
        break;
    case KR_KIND_EVENT: D->clReleaseEvent(e->handle); break;
    default: break;
    }
    e->handle = NULL;
    free(e->source);
    free(e->options);
    free(e->name);
    e->source = e->options = e->name = NULL;
}

/* ---- helpers for decoding and replying ---- */

static void defer_error(struct session *s, cl_int err)
{
    if (err != CL_SUCCESS && s->deferred == CL_SUCCESS)
        s->deferred = err;
}

static cl_device_id device_at(struct session *s, uint32_t index)
{
    return index < s->P->ndevices ? s->P->devices[index] : NULL;
}

/* Records the event of an enqueue: the real one, or a failed entry carrying err. Returns the entry or NULL. */
static struct entry *finish_enqueue(struct session *s, uint64_t ev_id, cl_int err, cl_event ev)
{
    if (err != CL_SUCCESS)
        defer_error(s, err);
    if (ev_id == 0) {
        if (ev)
            s->D->clReleaseEvent(ev);
        return NULL;
    }
    struct entry *e = insert(s, ev_id, KR_KIND_EVENT, err == CL_SUCCESS ? ev : NULL);
    if (!e) {
        if (ev)
            s->D->clReleaseEvent(ev);
        defer_error(s, s->insert_err == CL_OUT_OF_RESOURCES ? CL_OUT_OF_RESOURCES : CL_INVALID_EVENT);
        return NULL;
    }
    e->status = err == CL_SUCCESS ? CL_SUCCESS : err;
    return e;
}

/*
 * Reads a wait list. Returns the number of real events in *out (caller
 * frees), with *err set when an id is unknown or names a failed command.
 */
static cl_event *read_wait_list(struct session *s, struct kr_reader *r, cl_uint *n_out, cl_int *err)
{
    uint32_t n = kr_get_u32(r);
    *n_out = 0;
    if (r->bad || n > MAX_WAIT_EVENTS) {
        r->bad = 1;
        return NULL;
    }
    cl_event *list = n ? malloc(n * sizeof *list) : NULL;
    if (n && !list) {
        r->bad = 1;
        return NULL;
    }
    cl_uint count = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t id = kr_get_u64(r);
        struct entry *e = lookup(s, id, KR_KIND_EVENT);
        if (!e)
            *err = CL_INVALID_EVENT_WAIT_LIST;
        else if (!e->handle)
            *err = CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST;
        else
            list[count++] = e->handle;
    }
    *n_out = count;
    return list;
}

/* What every enqueue frame ends with: a wait list and the event id the client chose. */
struct enqueue_tail {
    cl_event *waits; /* NULL when empty */
    cl_uint nw;
    uint64_t ev_id;  /* 0: no event wanted */
    cl_int err;      /* CL_SUCCESS, or why the wait list is unusable */
};

/* -1 (nothing to free) when the frame is malformed: the connection is dropped. */
static int read_enqueue_tail(struct session *s, struct kr_reader *r, struct enqueue_tail *t)
{
    t->err = CL_SUCCESS;
    t->waits = read_wait_list(s, r, &t->nw, &t->err);
    t->ev_id = kr_get_u64(r);
    if (r->bad) {
        free(t->waits);
        return -1;
    }
    if (t->nw == 0) {
        free(t->waits);
        t->waits = NULL;
    }
    return 0;
}

static void end_enqueue(struct session *s, struct enqueue_tail *t, struct entry *q, cl_int err, cl_event ev)
{
    free(t->waits);
    if (err == CL_SUCCESS)
        q->pending++;
    finish_enqueue(s, t->ev_id, err, ev);
}

/* ---- waiting without blocking the session for good ---- */

/* Written to by the driver's callback whenever an event a wait watches ends. */
static int g_wake[2] = {-1, -1};
static pthread_once_t g_wake_once = PTHREAD_ONCE_INIT;

static void wake_create(void)
{
    if (pipe2(g_wake, O_NONBLOCK | O_CLOEXEC) != 0)
        g_wake[0] = g_wake[1] = -1;
}

static void CL_CALLBACK wake_waiters(cl_event ev, cl_int status, void *user)
{
    (void)ev, (void)status, (void)user;
    char c = 1;
    ssize_t w = write(g_wake[1], &c, 1); /* a full pipe already holds a wake-up */
    (void)w;
}

static void watch_event(struct session *s, cl_event ev)
{
    pthread_once(&g_wake_once, wake_create);
    s->D->clSetEventCallback(ev, CL_COMPLETE, wake_waiters, NULL);
}

enum wait_result { WAIT_DONE, WAIT_PENDING, WAIT_HANGUP };

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

/*
 * Waits up to ms for every event of list (each watched) to end, completed or
 * failed. WAIT_HANGUP: the client closed its end meanwhile, nobody is left to
 * answer (a half-closed connection still has its frames to serve).
 */
static enum wait_result wait_events(struct session *s, const cl_event *list, cl_uint n, int ms)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int done = 1;
        for (cl_uint i = 0; i < n && done; i++) {
            cl_int st = CL_COMPLETE;
            if (s->D->clGetEventInfo(list[i], CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof st, &st, NULL) == CL_SUCCESS &&
                st > CL_COMPLETE)
                done = 0;
        }
        if (done)
            return WAIT_DONE;
        long left = ms - elapsed_ms(&t0);
        if (left <= 0)
            return WAIT_PENDING;
        struct pollfd pf[2] = {{s->conn.fd, 0, 0}, {g_wake[0], POLLIN, 0}};
        int woken = g_wake[0] >= 0;
        if (poll(pf, woken ? 2 : 1, woken ? (int)left : 1) > 0 && (pf[0].revents & (POLLHUP | POLLERR)))
            return WAIT_HANGUP;
        char sink[64];
        while (woken && read(g_wake[0], sink, sizeof sink) > 0)
            ;
    }
}

/*
 * Waits up to ms for q's commands so far (and the n events of extra) to end,
 * in slices only while the session has a user event not yet set.
 * CL_SUCCESS or the queue's error, KR_STATUS_PENDING when they are still
 * running, CL_DEVICE_NOT_AVAILABLE (the session breaks) when the client hung up.
 */
static cl_int queue_wait(struct session *s, struct entry *q, const cl_event *extra, cl_uint n, int ms)
{
    /* Only a user event the client has not set can hold work for ever; without one, wait as the driver does
     * (one blocking call, no marker: the cheapest round trip). */
    if (s->unset_user_events == 0) {
        cl_int err = q ? s->D->clFinish(q->handle) : CL_SUCCESS;
        if (q && err == CL_SUCCESS)
            q->pending = 0, q->refusing = 0;
        if (err == CL_SUCCESS && n)
            err = s->D->clWaitForEvents(n, extra);
        return err;
    }
    cl_event list[MAX_WAIT_EVENTS + 1];
    cl_uint count = 0;
    if (q && s->D->clEnqueueMarkerWithWaitList(q->handle, 0, NULL, &list[count]) == CL_SUCCESS) {
        watch_event(s, list[count++]);
        s->D->clFlush(q->handle);
    }
    for (cl_uint i = 0; i < n; i++)
        list[count++] = extra[i];
    enum wait_result w = wait_events(s, list, count, ms);
    if (q && count > n)
        s->D->clReleaseEvent(list[0]);
    if (w == WAIT_HANGUP) {
        s->broken = 1;
        return CL_DEVICE_NOT_AVAILABLE;
    }
    if (w == WAIT_PENDING)
        return KR_STATUS_PENDING;
    cl_int err = q ? s->D->clFinish(q->handle) : CL_SUCCESS; /* at once now: for its status */
    if (q && err == CL_SUCCESS)
        q->pending = 0, q->refusing = 0;
    if (err == CL_SUCCESS && n)
        err = s->D->clWaitForEvents(n, extra);
    return err;
}

/*
 * Whether q may take one more command: past the pending limit only once it
 * has drained. A queue that did not drain in time refuses at once until a
 * finish or wait sees it idle.
 */
static cl_int queue_room(struct session *s, struct entry *q)
{
    if (q->pending < s->L->pending)
        return CL_SUCCESS;
    if (q->refusing)
        return CL_OUT_OF_RESOURCES;
    cl_int err = queue_wait(s, q, NULL, 0, DRAIN_WAIT_MS);
    q->refusing = err == KR_STATUS_PENDING;
    return q->refusing ? CL_OUT_OF_RESOURCES : err;
}

static size_t reply_begin(struct session *s, uint32_t opcode, uint64_t seq, cl_int err)
{
    size_t start = kr_frame_begin(&s->out, opcode | KR_REPLY_BIT, seq);
    kr_put_i32(&s->out, err);
    return start;
}

/* Generic clGet*Info: query size, then value; reply err + blob. */
typedef cl_int (*info_query)(struct session *s, void *obj, uint64_t extra, uint32_t param, size_t size,
                             void *value, size_t *size_ret);

static void reply_info(struct session *s, uint32_t opcode, uint64_t seq, info_query q, void *obj,
                       uint64_t extra, uint32_t param)
{
    size_t size = 0;
    cl_int err = q(s, obj, extra, param, 0, NULL, &size);
    void *value = NULL;
    if (err == CL_SUCCESS && size > KR_FRAME_MAX_PAYLOAD - 64)
        err = CL_OUT_OF_RESOURCES;
    if (err == CL_SUCCESS && size) {
        value = malloc(size);
        err = value ? q(s, obj, extra, param, size, value, NULL) : CL_OUT_OF_HOST_MEMORY;
    }
    size_t start = reply_begin(s, opcode, seq, err);
    kr_put_blob(&s->out, value, err == CL_SUCCESS ? size : 0);
    kr_frame_end(&s->out, start);
    free(value);
}

static void reply_error_blob(struct session *s, uint32_t opcode, uint64_t seq, cl_int err)
{
    size_t start = reply_begin(s, opcode, seq, err);
    kr_put_blob(&s->out, NULL, 0);
    kr_frame_end(&s->out, start);
}

static cl_int q_platform(struct session *s, void *o, uint64_t x, uint32_t param, size_t n, void *v, size_t *r)
{
    (void)o, (void)x;
    return s->D->clGetPlatformInfo(s->P->platform, param, n, v, r);
}
static cl_int q_device(struct session *s, void *o, uint64_t x, uint32_t param, size_t n, void *v, size_t *r)
{
    (void)x;
    return s->D->clGetDeviceInfo(o, param, n, v, r);
}
static cl_int q_program(struct session *s, void *o, uint64_t x, uint32_t param, size_t n, void *v, size_t *r)
{
    (void)x;
    return s->D->clGetProgramInfo(o, param, n, v, r);
}
static cl_int q_build(struct session *s, void *o, uint64_t x, uint32_t param, size_t n, void *v, size_t *r)
{
    cl_device_id d = device_at(s, (uint32_t)x);
    return d ? s->D->clGetProgramBuildInfo(o, d, param, n, v, r) : CL_INVALID_DEVICE;
}
static cl_int q_kernel(struct session *s, void *o, uint64_t x, uint32_t param, size_t n, void *v, size_t *r)
{
    (void)x;
    return s->D->clGetKernelInfo(o, param, n, v, r);
}
static cl_int q_wg(struct session *s, void *o, uint64_t x, uint32_t param, size_t n, void *v, size_t *r)
{
    cl_device_id d = device_at(s, (uint32_t)x);
    return d ? s->D->clGetKernelWorkGroupInfo(o, d, param, n, v, r) : CL_INVALID_DEVICE;
}
static cl_int q_arg(struct session *s, void *o, uint64_t x, uint32_t param, size_t n, void *v, size_t *r)
{
    return s->D->clGetKernelArgInfo(o, (cl_uint)x, param, n, v, r);
}

static void reply_status(struct session *s, uint32_t op, uint64_t seq, cl_int err)
{
    kr_frame_end(&s->out, reply_begin(s, op, seq, err));
}

/* ---- creates ---- */

static void op_create_context(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t id = kr_get_u64(r);
    uint32_t n = kr_get_u32(r);
    cl_device_id devs[MAX_DEVICES_PER_CALL];
    cl_int err = n == 0 || n > MAX_DEVICES_PER_CALL ? CL_INVALID_VALUE : CL_SUCCESS;
    for (uint32_t i = 0; i < n && i < MAX_DEVICES_PER_CALL; i++)
        if (!(devs[i] = device_at(s, kr_get_u32(r))))
            err = CL_INVALID_DEVICE;
    if (r->bad)
        return;
    cl_context ctx = NULL;
    if (err == CL_SUCCESS) {
        cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)s->P->platform, 0};
        ctx = s->D->clCreateContext(props, n, devs, NULL, NULL, &err);
    }
    if (ctx && !insert(s, id, KR_KIND_CONTEXT, ctx)) {
        s->D->clReleaseContext(ctx);
        err = s->insert_err;
    }
    reply_status(s, KR_OP_CREATE_CONTEXT, seq, err);
}

static void op_create_queue(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t id = kr_get_u64(r), ctx_id = kr_get_u64(r);
    cl_device_id dev = device_at(s, kr_get_u32(r));
    uint64_t props = kr_get_u64(r);
    if (r->bad)
        return;
    struct entry *ctx = lookup(s, ctx_id, KR_KIND_CONTEXT);
    cl_int err = !ctx ? CL_INVALID_CONTEXT : !dev ? CL_INVALID_DEVICE : CL_SUCCESS;
    cl_command_queue q = NULL;
    if (err == CL_SUCCESS)
        q = s->D->clCreateCommandQueue(ctx->handle, dev, (cl_command_queue_properties)props, &err);
    if (q && !insert(s, id, KR_KIND_QUEUE, q)) {
        s->D->clReleaseCommandQueue(q);
        err = s->insert_err;
    }
    reply_status(s, KR_OP_CREATE_QUEUE, seq, err);
}

static void op_create_buffer(struct session *s, struct kr_reader *r)
{
    uint64_t id = kr_get_u64(r), ctx_id = kr_get_u64(r), flags = kr_get_u64(r), size = kr_get_u64(r);
    int fd = kr_conn_take_fd(&s->conn);
    if (r->bad) {
        if (fd >= 0)
            close(fd);
        return;
    }
    cl_int err = CL_SUCCESS;
    struct entry *ctx = lookup(s, ctx_id, KR_KIND_CONTEXT);
    struct stat st;
    int seals = fd >= 0 ? fcntl(fd, F_GET_SEALS) : -1;
    if (!ctx)
        err = CL_INVALID_CONTEXT;
    else if (size == 0 || size > ((uint64_t)1 << 40))
        err = CL_INVALID_BUFFER_SIZE;
    else if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < size)
        err = CL_INVALID_VALUE;
    else if (seals < 0 || !(seals & F_SEAL_SHRINK))
        err = CL_INVALID_VALUE; /* a shrinkable file could fault the daemon later */
    else if (s->count >= s->L->objects || atomic_load(&s->cnt->mapped_bytes) + size > s->L->mapped_bytes)
        err = CL_OUT_OF_RESOURCES; /* also what keeps one session under vm.max_map_count */
    void *host = MAP_FAILED;
    if (err == CL_SUCCESS) {
        host = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (host == MAP_FAILED)
            err = CL_OUT_OF_HOST_MEMORY;
    }
    if (fd >= 0)
        close(fd);
    cl_mem m = NULL;
    if (err == CL_SUCCESS) {
        cl_mem_flags access = flags & (CL_MEM_READ_WRITE | CL_MEM_WRITE_ONLY | CL_MEM_READ_ONLY);
        /* In place: the device computes in the shared pages. Copy mode: they seed the device's copy. */
        m = s->D->clCreateBuffer(ctx->handle, access | (s->P->in_place ? CL_MEM_USE_HOST_PTR : CL_MEM_COPY_HOST_PTR),
                                 (size_t)size, host, &err);
    }
    if (!m) {
        if (host != MAP_FAILED)
            munmap(host, (size_t)size);
    } else {
        struct mapping *mp = malloc(sizeof *mp);
        if (mp) {
            mp->p = host;
            mp->len = (size_t)size;
            mp->cnt = s->cnt;
            atomic_fetch_add(&s->cnt->mappings, 1);
            atomic_fetch_add(&s->cnt->mapped_bytes, mp->len);
            if (s->D->clSetMemObjectDestructorCallback(m, unmap_on_destroy, mp) != CL_SUCCESS) {
                atomic_fetch_sub(&s->cnt->mappings, 1);
                atomic_fetch_sub(&s->cnt->mapped_bytes, mp->len);
                free(mp);
                mp = NULL;
            }
        }
        struct entry *e = mp ? insert(s, id, KR_KIND_MEM, m) : NULL;
        if (!e) {
            s->D->clReleaseMemObject(m);
            if (!mp)
                munmap(host, (size_t)size);
            err = mp ? s->insert_err : CL_OUT_OF_HOST_MEMORY;
        } else {
            e->host = host;
            e->size = (size_t)size;
        }
    }
    defer_error(s, err);
}

static int range_ok(const struct entry *m, uint64_t offset, uint64_t size);

/* A sub-buffer of a buffer of this session: no reply, failures through the next FINISH. */
static void op_create_sub_buffer(struct session *s, struct kr_reader *r)
{
    uint64_t id = kr_get_u64(r), parent_id = kr_get_u64(r), flags = kr_get_u64(r), origin = kr_get_u64(r);
    uint64_t size = kr_get_u64(r);
    if (r->bad)
        return;
    struct entry *parent = lookup(s, parent_id, KR_KIND_MEM);
    cl_int err = !parent ? CL_INVALID_MEM_OBJECT : !range_ok(parent, origin, size) ? CL_INVALID_VALUE : CL_SUCCESS;
    cl_mem m = NULL;
    if (err == CL_SUCCESS) {
        cl_buffer_region region = {(size_t)origin, (size_t)size};
        cl_mem_flags access = flags & (CL_MEM_READ_WRITE | CL_MEM_WRITE_ONLY | CL_MEM_READ_ONLY);
        m = s->D->clCreateSubBuffer(parent->handle, access, CL_BUFFER_CREATE_TYPE_REGION, &region, &err);
    }
    void *host = m ? (char *)parent->host + origin : NULL; /* read before insert moves the table */
    struct entry *e = m ? insert(s, id, KR_KIND_MEM, m) : NULL;
    if (m && !e) {
        s->D->clReleaseMemObject(m);
        err = CL_INVALID_VALUE;
    } else if (e) {
        e->host = host;
        e->size = (size_t)size;
    }
    defer_error(s, err);
}

static void op_create_program_source(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t id = kr_get_u64(r), ctx_id = kr_get_u64(r);
    size_t len;
    const char *src = kr_get_blob(r, &len, KR_FRAME_MAX_PAYLOAD);
    if (r->bad)
        return;
    struct entry *ctx = lookup(s, ctx_id, KR_KIND_CONTEXT);
    cl_int err = ctx ? CL_SUCCESS : CL_INVALID_CONTEXT;
    cl_program p = NULL;
    if (err == CL_SUCCESS && len == 0)
        err = CL_INVALID_VALUE;
    if (err == CL_SUCCESS && s->program_bytes + len > s->L->program_bytes)
        err = CL_OUT_OF_RESOURCES;
    if (err == CL_SUCCESS)
        p = s->D->clCreateProgramWithSource(ctx->handle, 1, &src, &len, &err);
    struct entry *e = p ? insert(s, id, KR_KIND_PROGRAM, p) : NULL;
    if (p && !e) {
        s->D->clReleaseProgram(p);
        err = s->insert_err;
    } else if (e) {
        e->program_bytes = len;
        s->program_bytes += len;
        if (s->P->capture)
            e->source = strndup(src, len);
    }
    reply_status(s, KR_OP_CREATE_PROGRAM_SOURCE, seq, err);
}

static void op_create_program_binary(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t id = kr_get_u64(r), ctx_id = kr_get_u64(r);
    uint32_t n = kr_get_u32(r);
    cl_device_id devs[MAX_DEVICES_PER_CALL];
    const unsigned char *bins[MAX_DEVICES_PER_CALL];
    size_t lens[MAX_DEVICES_PER_CALL];
    cl_int status[MAX_DEVICES_PER_CALL] = {0};
    cl_int err = n == 0 || n > MAX_DEVICES_PER_CALL ? CL_INVALID_VALUE : CL_SUCCESS;
    for (uint32_t i = 0; i < n && i < MAX_DEVICES_PER_CALL; i++) {
        if (!(devs[i] = device_at(s, kr_get_u32(r))))
            err = CL_INVALID_DEVICE;
        bins[i] = kr_get_blob(r, &lens[i], KR_FRAME_MAX_PAYLOAD);
        if (lens[i] == 0)
            err = CL_INVALID_VALUE;
    }
    if (r->bad)
        return;
    struct entry *ctx = lookup(s, ctx_id, KR_KIND_CONTEXT);
    if (!ctx)
        err = CL_INVALID_CONTEXT;
    size_t total = 0;
    for (uint32_t i = 0; err == CL_SUCCESS && i < n; i++) {
        total += lens[i];
        /* Drivers trust their binaries (PoCL asserts on a damaged one): only this daemon's own are passed on. */
        if (!kr_provenance_has(s->sh, bins[i], lens[i]))
            status[i] = err = CL_INVALID_BINARY;
    }
    if (err == CL_SUCCESS && s->program_bytes + total > s->L->program_bytes)
        err = CL_OUT_OF_RESOURCES;
    cl_program p = NULL;
    if (err == CL_SUCCESS)
        p = s->D->clCreateProgramWithBinary(ctx->handle, n, devs, lens, bins, status, &err);
    struct entry *e = p ? insert(s, id, KR_KIND_PROGRAM, p) : NULL;
    if (p && !e) {
        s->D->clReleaseProgram(p);
        err = s->insert_err;
    } else if (e) {
        e->program_bytes = total;
        s->program_bytes += total;
    }
    size_t start = reply_begin(s, KR_OP_CREATE_PROGRAM_BINARY, seq, err);
    for (uint32_t i = 0; i < n && i < MAX_DEVICES_PER_CALL; i++)
        kr_put_i32(&s->out, status[i]);
    kr_frame_end(&s->out, start);
}

/* What a build, compile or link frame names: devices, then the application's options. */
struct build_request {
    cl_device_id devs[MAX_DEVICES_PER_CALL];
    uint32_t n;
    const char *opts; /* not terminated */
    size_t len;
    char *options;    /* opts with -cl-kernel-arg-info, terminated (caller frees) */
};

static cl_int read_build_request(struct session *s, struct kr_reader *r, struct build_request *b)
{
    b->n = kr_get_u32(r);
    cl_int err = b->n > MAX_DEVICES_PER_CALL ? CL_INVALID_VALUE : CL_SUCCESS;
    for (uint32_t i = 0; i < b->n && i < MAX_DEVICES_PER_CALL; i++)
        if (!(b->devs[i] = device_at(s, kr_get_u32(r))))
            err = CL_INVALID_DEVICE;
    b->opts = kr_get_blob(r, &b->len, 65536);
    b->options = NULL;
    if (r->bad)
        return err;
    /* Argument qualifiers let the daemon check every kernel argument's kind. */
    static const char arg_info[] = " -cl-kernel-arg-info";
    b->options = malloc(b->len + sizeof arg_info);
    if (!b->options)
        return CL_OUT_OF_HOST_MEMORY;
    memcpy(b->options, b->opts, b->len);
    memcpy(b->options + b->len, arg_info, sizeof arg_info);
    return err;
}

static void op_build_program(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t id = kr_get_u64(r);
    struct build_request b;
    cl_int err = read_build_request(s, r, &b);
    const cl_device_id *devs = b.devs;
    uint32_t n = b.n;
    const char *opts = b.opts, *options = b.options;
    size_t len = b.len;
    if (r->bad)
        return;
    struct entry *p = lookup(s, id, KR_KIND_PROGRAM);
    if (!p && err == CL_SUCCESS)
        err = CL_INVALID_PROGRAM;
    if (err == CL_SUCCESS)
        err = s->D->clBuildProgram(p->handle, n, n ? devs : NULL, options, NULL, NULL);
    if (err == CL_SUCCESS && s->P->capture) {
        free(p->options);
        p->options = strndup(opts, len); /* the application's own options */
    }
    free(b.options);
    reply_status(s, KR_OP_BUILD_PROGRAM, seq, err);
}

#define MAX_LINK_INPUTS 64u

/* Programs named by id (headers of a compile, inputs of a link), with a name each when names is set. */
static cl_int read_programs(struct session *s, struct kr_reader *r, cl_program *progs, char **names, uint32_t *count)
{
    *count = kr_get_u32(r);
    if (*count > MAX_LINK_INPUTS) {
        r->bad = 1;
        return CL_INVALID_VALUE;
    }
    cl_int err = CL_SUCCESS;
    for (uint32_t i = 0; i < *count; i++) {
        struct entry *e = lookup(s, kr_get_u64(r), KR_KIND_PROGRAM);
        progs[i] = e ? e->handle : NULL;
        if (!e)
            err = CL_INVALID_PROGRAM;
        if (names) {
            size_t len;
            const char *name = kr_get_blob(r, &len, 4096);
            names[i] = r->bad ? NULL : strndup(name, len);
            if (!r->bad && !names[i])
                err = CL_OUT_OF_HOST_MEMORY;
        }
    }
    return err;
}

/* clCompileProgram with headers given as programs of this session. */
static void op_compile_program(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t id = kr_get_u64(r);
    struct build_request b;
    cl_int err = read_build_request(s, r, &b);
    cl_program headers[MAX_LINK_INPUTS];
    char *names[MAX_LINK_INPUTS] = {0};
    uint32_t nh = 0;
    cl_int herr = r->bad ? CL_SUCCESS : read_programs(s, r, headers, names, &nh);
    struct entry *p = lookup(s, id, KR_KIND_PROGRAM);
    if (err == CL_SUCCESS)
        err = !p ? CL_INVALID_PROGRAM : herr;
    if (!r->bad && err == CL_SUCCESS)
        err = s->D->clCompileProgram(p->handle, b.n, b.n ? b.devs : NULL, b.options, nh, nh ? headers : NULL,
                                     nh ? (const char **)names : NULL, NULL, NULL);
    for (uint32_t i = 0; i < nh; i++)
        free(names[i]);
    free(b.options);
    if (!r->bad)
        reply_status(s, KR_OP_COMPILE_PROGRAM, seq, err);
}

/* clLinkProgram of compiled programs of this session into a new program with the id the client chose. */
static void op_link_program(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t id = kr_get_u64(r), ctx_id = kr_get_u64(r);
    struct build_request b;
    cl_int err = read_build_request(s, r, &b);
    cl_program inputs[MAX_LINK_INPUTS];
    uint32_t np = 0;
    cl_int perr = r->bad ? CL_SUCCESS : read_programs(s, r, inputs, NULL, &np);
    struct entry *ctx = lookup(s, ctx_id, KR_KIND_CONTEXT);
    if (err == CL_SUCCESS)
        err = !ctx ? CL_INVALID_CONTEXT : np == 0 ? CL_INVALID_VALUE : perr;
    cl_program p = NULL;
    if (!r->bad && err == CL_SUCCESS)
        p = s->D->clLinkProgram(ctx->handle, b.n, b.n ? b.devs : NULL, b.options, np, inputs, NULL, NULL, &err);
    if (p && err != CL_SUCCESS) {
        s->D->clReleaseProgram(p);
        p = NULL;
    }
    if (p && !insert(s, id, KR_KIND_PROGRAM, p)) {
        s->D->clReleaseProgram(p);
        err = CL_INVALID_VALUE;
    }
    free(b.options);
    if (!r->bad)
        reply_status(s, KR_OP_LINK_PROGRAM, seq, err);
}

/* Arguments of a kernel to be captured, none set yet, named by the program. */
static struct kr_capture_arg *capture_args(struct session *s, cl_kernel k, cl_uint nargs)
{
    struct kr_capture_arg *a = calloc(nargs + 1, sizeof *a);
    for (cl_uint i = 0; a && i < nargs; i++) {
        a[i].kind = UINT32_MAX;
        if (s->D->clGetKernelArgInfo(k, i, CL_KERNEL_ARG_NAME, sizeof a[i].name - 1, a[i].name, NULL) != CL_SUCCESS ||
            !a[i].name[0])
            snprintf(a[i].name, sizeof a[i].name, "arg%u", i);
    }
    return a;
}

/* What argument i of k may be given: from its address qualifier and, for private ones, its type's name. */
static uint8_t arg_type(struct session *s, cl_kernel k, cl_uint i, uint32_t qual)
{
    char type[64] = {0};
    int named = s->D->clGetKernelArgInfo(k, i, CL_KERNEL_ARG_TYPE_NAME, sizeof type - 1, type, NULL) == CL_SUCCESS;
    if (named && !strncmp(type, "sampler_t", 9))
        return ARG_SAMPLER;
    /* images, pipes, device queues and the like: handles this remoting cannot create */
    static const char *const opaque[] = {"image", "pipe", "queue_t", "clk_event_t", "reserve_id_t", "event_t"};
    for (size_t j = 0; named && j < sizeof opaque / sizeof opaque[0]; j++)
        if (!strncmp(type, opaque[j], strlen(opaque[j])))
            return ARG_OPAQUE;
    switch (qual) {
    case CL_KERNEL_ARG_ADDRESS_GLOBAL:
    case CL_KERNEL_ARG_ADDRESS_CONSTANT: return ARG_BUFFER;
    case CL_KERNEL_ARG_ADDRESS_LOCAL: return ARG_LOCAL;
    case CL_KERNEL_ARG_ADDRESS_PRIVATE: return named ? ARG_VALUE : ARG_UNKNOWN;
    default: return ARG_UNKNOWN;
    }
}

static void op_create_kernel(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t id = kr_get_u64(r), prog_id = kr_get_u64(r);
    size_t len;
    const char *name_bytes = kr_get_blob(r, &len, 4096);
    if (r->bad)
        return;
    char name[4097];
    memcpy(name, name_bytes, len);
    name[len] = 0;
    struct entry *p = lookup(s, prog_id, KR_KIND_PROGRAM);
    cl_int err = p ? CL_SUCCESS : CL_INVALID_PROGRAM;
    cl_kernel k = NULL;
    if (err == CL_SUCCESS)
        k = s->D->clCreateKernel(p->handle, name, &err);
    cl_uint nargs = 0;
    if (k && s->D->clGetKernelInfo(k, CL_KERNEL_NUM_ARGS, sizeof nargs, &nargs, NULL) != CL_SUCCESS)
        nargs = 0;
    uint32_t *quals = k ? calloc(nargs + 1, sizeof *quals) : NULL;
    uint8_t *types = k ? calloc(nargs + 1, sizeof *types) : NULL;
    cl_mem *mems = k ? calloc(nargs + 1, sizeof *mems) : NULL;
    if (!types || !mems) {
        free(quals);
        quals = NULL;
    }
    for (cl_uint i = 0; quals && i < nargs; i++) {
        cl_kernel_arg_address_qualifier q = 0;
        if (s->D->clGetKernelArgInfo(k, i, CL_KERNEL_ARG_ADDRESS_QUALIFIER, sizeof q, &q, NULL) == CL_SUCCESS)
            quals[i] = (uint32_t)q;
        types[i] = arg_type(s, k, i, quals[i]);
    }
    struct kr_capture_arg *cap = k && quals && s->P->capture && p->source ? capture_args(s, k, nargs) : NULL;
    char *cap_source = cap ? strdup(p->source) : NULL, *cap_options = cap ? strdup(p->options ? p->options : "") : NULL;
    struct entry *e = k && quals ? insert(s, id, KR_KIND_KERNEL, k) : NULL;
    if (e && cap && cap_source && cap_options && (e->name = strdup(name))) {
        e->cap_args = cap;
        e->source = cap_source;
        e->options = cap_options;
    } else {
        free(cap);
        free(cap_source);
        free(cap_options);
    }
    if (k && !e) {
        s->D->clReleaseKernel(k);
        err = quals ? s->insert_err : CL_OUT_OF_HOST_MEMORY;
        free(quals);
        free(types);
        free(mems);
        k = NULL;
        quals = NULL;
    } else if (e) {
        e->arg_quals = quals;
        e->arg_types = types;
        e->arg_mems = mems;
        e->nargs = nargs;
    } else {
        free(types);
        free(mems);
    }
    size_t start = reply_begin(s, KR_OP_CREATE_KERNEL, seq, err);
    kr_put_u32(&s->out, k ? nargs : 0);
    for (cl_uint i = 0; k && i < nargs; i++)
        kr_put_u32(&s->out, quals[i]);
    kr_frame_end(&s->out, start);
}

/* ---- asynchronous commands ---- */

/* Argument index of k now holds m (NULL: no buffer); the kernel keeps its own reference. */
static void hold_arg_mem(struct session *s, struct entry *k, uint32_t index, cl_mem m)
{
    if (m)
        s->D->clRetainMemObject(m);
    if (k->arg_mems[index])
        s->D->clReleaseMemObject(k->arg_mems[index]);
    k->arg_mems[index] = m;
}

static void op_set_arg(struct session *s, struct kr_reader *r)
{
    uint64_t id = kr_get_u64(r);
    uint32_t index = kr_get_u32(r), kind = kr_get_u32(r);
    struct entry *k = lookup(s, id, KR_KIND_KERNEL);
    cl_int err = k ? CL_SUCCESS : CL_INVALID_KERNEL;
    /*
     * Client bytes must never reach the device where it expects a handle or a
     * pointer: the argument's kind must agree with its qualifier, and where
     * the qualifier is unknown, pointer-sized bytes are refused. Samplers,
     * images and other handles this remoting cannot create are refused by
     * their type's name (a private sampler_t is a handle to the driver).
     */
    uint32_t q = k && index < k->nargs ? k->arg_quals[index] : 0;
    uint8_t type = k && index < k->nargs ? k->arg_types[index] : ARG_UNKNOWN;
    if (k && index >= k->nargs)
        err = CL_INVALID_ARG_INDEX;
    else if (k && type == ARG_SAMPLER)
        err = CL_INVALID_SAMPLER;
    else if (k && type == ARG_OPAQUE)
        err = kind == KR_ARG_MEM ? CL_INVALID_MEM_OBJECT : CL_INVALID_ARG_VALUE;
    else if (k && q && (q == CL_KERNEL_ARG_ADDRESS_GLOBAL || q == CL_KERNEL_ARG_ADDRESS_CONSTANT) != (kind == KR_ARG_MEM))
        err = CL_INVALID_ARG_VALUE;
    else if (k && q && (q == CL_KERNEL_ARG_ADDRESS_LOCAL) != (kind == KR_ARG_LOCAL))
        err = CL_INVALID_ARG_VALUE;
    if (kind == KR_ARG_BYTES) {
        size_t len;
        const void *v = kr_get_blob(r, &len, 65536);
        if (err == CL_SUCCESS && q == 0 && (len == sizeof(void *) || len == 0))
            err = CL_INVALID_ARG_VALUE;
        if (!r->bad && err == CL_SUCCESS)
            err = s->D->clSetKernelArg(k->handle, index, len, len ? v : NULL);
        if (!r->bad && err == CL_SUCCESS)
            hold_arg_mem(s, k, index, NULL);
        if (!r->bad && err == CL_SUCCESS && k->cap_args) {
            struct kr_capture_arg *a = &k->cap_args[index];
            unsigned char *copy = malloc(len ? len : 1);
            free(a->bytes);
            a->bytes = copy;
            a->kind = copy ? KR_ARG_BYTES : UINT32_MAX;
            a->len = len;
            if (copy && len)
                memcpy(copy, v, len);
        }
    } else if (kind == KR_ARG_MEM) {
        uint64_t mem_id = kr_get_u64(r);
        struct entry *m = mem_id ? lookup(s, mem_id, KR_KIND_MEM) : NULL;
        if (mem_id && !m && err == CL_SUCCESS)
            err = CL_INVALID_MEM_OBJECT;
        cl_mem handle = m ? m->handle : NULL;
        if (!r->bad && err == CL_SUCCESS)
            err = s->D->clSetKernelArg(k->handle, index, sizeof handle, &handle);
        if (!r->bad && err == CL_SUCCESS)
            hold_arg_mem(s, k, index, handle);
        if (!r->bad && err == CL_SUCCESS && k->cap_args) {
            k->cap_args[index].kind = KR_ARG_MEM;
            k->cap_args[index].mem = handle;
            k->cap_args[index].mem_bytes = m ? m->size : 0;
        }
    } else if (kind == KR_ARG_LOCAL) {
        uint64_t size = kr_get_u64(r);
        if (!r->bad && err == CL_SUCCESS)
            err = s->D->clSetKernelArg(k->handle, index, (size_t)size, NULL);
        if (!r->bad && err == CL_SUCCESS)
            hold_arg_mem(s, k, index, NULL);
        if (!r->bad && err == CL_SUCCESS && k->cap_args) {
            k->cap_args[index].kind = KR_ARG_LOCAL;
            k->cap_args[index].len = (size_t)size;
        }
    } else {
        r->bad = 1;
    }
    defer_error(s, err);
}

static void op_ndrange(struct session *s, struct kr_reader *r)
{
    uint64_t q_id = kr_get_u64(r), k_id = kr_get_u64(r);
    uint32_t dim = kr_get_u32(r);
    size_t off[3], global[3], local[3];
    for (int i = 0; i < 3; i++)
        off[i] = (size_t)kr_get_u64(r);
    for (int i = 0; i < 3; i++)
        global[i] = (size_t)kr_get_u64(r);
    uint32_t has_local = kr_get_u32(r);
    for (int i = 0; i < 3; i++)
        local[i] = (size_t)kr_get_u64(r);
    struct enqueue_tail t;
    if (read_enqueue_tail(s, r, &t) != 0)
        return;
    cl_int err = t.err;
    struct entry *q = lookup(s, q_id, KR_KIND_QUEUE), *k = lookup(s, k_id, KR_KIND_KERNEL);
    if (!q)
        err = CL_INVALID_COMMAND_QUEUE;
    else if (!k)
        err = CL_INVALID_KERNEL;
    else if (dim < 1 || dim > 3)
        err = CL_INVALID_WORK_DIMENSION;
    if (err == CL_SUCCESS)
        err = queue_room(s, q);
    cl_event ev = NULL;
    /* --capture: the buffers before the launch now, after it below */
    struct kr_capture_case *cc = NULL;
    struct kr_capture_launch launch;
    unsigned long long capture_seq;
    if (err == CL_SUCCESS && k->cap_args && kr_capture_claim(s->P->capture, k->name, &capture_seq)) {
        launch = (struct kr_capture_launch){s->D, q->handle, k->handle, k->source, k->options, k->name, dim, off,
                                            global, has_local ? local : NULL, k->nargs, k->cap_args};
        cc = kr_capture_before(s->P->capture, capture_seq, &launch);
    }
    if (err == CL_SUCCESS)
        err = s->D->clEnqueueNDRangeKernel(q->handle, k->handle, dim, off, global, has_local ? local : NULL, t.nw,
                                           t.waits, t.ev_id ? &ev : NULL);
    if (cc)
        kr_capture_after(s->P->capture, cc, err);
    end_enqueue(s, &t, q, err, ev);
}

/* Checks [offset, offset + size) against a buffer without overflow. */
static int range_ok(const struct entry *m, uint64_t offset, uint64_t size)
{
    return m && size > 0 && offset <= m->size && size <= m->size - offset;
}

static void op_copy_buffer(struct session *s, struct kr_reader *r)
{
    uint64_t q_id = kr_get_u64(r), src_id = kr_get_u64(r), dst_id = kr_get_u64(r);
    uint64_t so = kr_get_u64(r), dof = kr_get_u64(r), size = kr_get_u64(r);
    struct enqueue_tail t;
    if (read_enqueue_tail(s, r, &t) != 0)
        return;
    cl_int err = t.err;
    struct entry *q = lookup(s, q_id, KR_KIND_QUEUE);
    struct entry *src = lookup(s, src_id, KR_KIND_MEM), *dst = lookup(s, dst_id, KR_KIND_MEM);
    if (!q)
        err = CL_INVALID_COMMAND_QUEUE;
    else if (!src || !dst)
        err = CL_INVALID_MEM_OBJECT;
    else if (!range_ok(src, so, size) || !range_ok(dst, dof, size))
        err = CL_INVALID_VALUE;
    if (err == CL_SUCCESS)
        err = queue_room(s, q);
    cl_event ev = NULL;
    if (err == CL_SUCCESS)
        err = s->D->clEnqueueCopyBuffer(q->handle, src->handle, dst->handle, (size_t)so, (size_t)dof, (size_t)size,
                                        t.nw, t.waits, t.ev_id ? &ev : NULL);
    end_enqueue(s, &t, q, err, ev);
}

static cl_int check_transfer(struct session *s, uint64_t q_id, uint64_t m_id, uint64_t off, uint64_t size,
                             struct entry **q, struct entry **m);

static void read_rect(struct kr_reader *r, struct kr_rect *rect, const uint64_t region[3])
{
    for (int i = 0; i < 3; i++)
        rect->origin[i] = kr_get_u64(r);
    memcpy(rect->region, region, sizeof rect->region);
    rect->row_pitch = kr_get_u64(r);
    rect->slice_pitch = kr_get_u64(r);
}

/* Frame: queue, source, destination, region, then per side origin and pitches; an enqueue tail. */
static void op_copy_buffer_rect(struct session *s, struct kr_reader *r)
{
    uint64_t q_id = kr_get_u64(r), src_id = kr_get_u64(r), dst_id = kr_get_u64(r), region[3];
    for (int i = 0; i < 3; i++)
        region[i] = kr_get_u64(r);
    struct kr_rect from, to;
    read_rect(r, &from, region);
    read_rect(r, &to, region);
    struct enqueue_tail t;
    if (read_enqueue_tail(s, r, &t) != 0)
        return;
    /* Each side's span is checked against its buffer like any transfer. */
    uint64_t f0 = 0, f1 = 0, t0 = 0, t1 = 0;
    int shaped = kr_rect_span(&from, UINT64_MAX, &f0, &f1) == 0 && kr_rect_span(&to, UINT64_MAX, &t0, &t1) == 0;
    struct entry *q, *src, *dst;
    cl_int src_err = check_transfer(s, q_id, src_id, f0, f1 - f0, &q, &src);
    cl_int dst_err = check_transfer(s, q_id, dst_id, t0, t1 - t0, &q, &dst);
    cl_int err = t.err != CL_SUCCESS ? t.err : src_err != CL_SUCCESS ? src_err : dst_err;
    if (err == CL_SUCCESS && !shaped)
        err = CL_INVALID_VALUE;
    if (err == CL_SUCCESS)
        err = queue_room(s, q);
    cl_event ev = NULL;
    if (err == CL_SUCCESS) {
        size_t so[3], dof[3], n[3];
        for (int i = 0; i < 3; i++) {
            so[i] = (size_t)from.origin[i];
            dof[i] = (size_t)to.origin[i];
            n[i] = (size_t)region[i];
        }
        err = s->D->clEnqueueCopyBufferRect(q->handle, src->handle, dst->handle, so, dof, n, (size_t)from.row_pitch,
                                            (size_t)from.slice_pitch, (size_t)to.row_pitch, (size_t)to.slice_pitch,
                                            t.nw, t.waits, t.ev_id ? &ev : NULL);
    }
    end_enqueue(s, &t, q, err, ev);
}

static void op_fill_buffer(struct session *s, struct kr_reader *r)
{
    uint64_t q_id = kr_get_u64(r), m_id = kr_get_u64(r);
    size_t plen;
    const void *pattern = kr_get_blob(r, &plen, 128);
    uint64_t off = kr_get_u64(r), size = kr_get_u64(r);
    struct enqueue_tail t;
    if (read_enqueue_tail(s, r, &t) != 0)
        return;
    cl_int err = t.err;
    struct entry *q = lookup(s, q_id, KR_KIND_QUEUE), *m = lookup(s, m_id, KR_KIND_MEM);
    if (!q)
        err = CL_INVALID_COMMAND_QUEUE;
    else if (!m)
        err = CL_INVALID_MEM_OBJECT;
    else if (!range_ok(m, off, size) || plen == 0)
        err = CL_INVALID_VALUE;
    if (err == CL_SUCCESS)
        err = queue_room(s, q);
    cl_event ev = NULL;
    if (err == CL_SUCCESS)
        err = s->D->clEnqueueFillBuffer(q->handle, m->handle, pattern, plen, (size_t)off, (size_t)size, t.nw,
                                        t.waits, t.ev_id ? &ev : NULL);
    end_enqueue(s, &t, q, err, ev);
}

static void op_marker(struct session *s, struct kr_reader *r, int barrier)
{
    uint64_t q_id = kr_get_u64(r);
    struct enqueue_tail t;
    if (read_enqueue_tail(s, r, &t) != 0)
        return;
    cl_int err = t.err;
    struct entry *q = lookup(s, q_id, KR_KIND_QUEUE);
    if (!q)
        err = CL_INVALID_COMMAND_QUEUE;
    if (err == CL_SUCCESS)
        err = queue_room(s, q);
    cl_event ev = NULL;
    if (err == CL_SUCCESS)
        err = (barrier ? s->D->clEnqueueBarrierWithWaitList : s->D->clEnqueueMarkerWithWaitList)(
            q->handle, t.nw, t.waits, t.ev_id ? &ev : NULL);
    end_enqueue(s, &t, q, err, ev);
}

static void op_create_user_event(struct session *s, struct kr_reader *r)
{
    uint64_t ctx_id = kr_get_u64(r), ev_id = kr_get_u64(r);
    if (r->bad)
        return;
    struct entry *ctx = lookup(s, ctx_id, KR_KIND_CONTEXT);
    cl_int err = ctx ? CL_SUCCESS : CL_INVALID_CONTEXT;
    cl_event ev = NULL;
    if (ctx)
        ev = s->D->clCreateUserEvent(ctx->handle, &err);
    struct entry *e = finish_enqueue(s, ev_id, err, ev);
    if (e && e->handle) {
        e->user_event = 1;
        s->unset_user_events++;
    }
}

static void op_set_user_event(struct session *s, struct kr_reader *r)
{
    uint64_t ev_id = kr_get_u64(r);
    int32_t status = kr_get_i32(r);
    if (r->bad)
        return;
    struct entry *e = lookup(s, ev_id, KR_KIND_EVENT);
    cl_int err = e && e->handle ? s->D->clSetUserEventStatus(e->handle, status) : CL_INVALID_EVENT;
    if (err == CL_SUCCESS && e->user_event) {
        e->user_event = 0;
        s->unset_user_events--;
    }
    defer_error(s, err);
}

static void op_release(struct session *s, struct kr_reader *r)
{
    uint32_t kind = kr_get_u32(r);
    uint64_t id = kr_get_u64(r);
    if (r->bad)
        return;
    struct entry *e = lookup(s, id, kind);
    if (!e) {
        defer_error(s, CL_INVALID_VALUE);
        return;
    }
    release_handle(s, e);
    remove_entry(s, e);
}

/* ---- synchronous commands ---- */

static void op_finish(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t q_id = kr_get_u64(r);
    if (r->bad)
        return;
    struct entry *q = lookup(s, q_id, KR_KIND_QUEUE);
    cl_int err = q ? queue_wait(s, q, NULL, 0, WAIT_SLICE_MS) : CL_INVALID_COMMAND_QUEUE;
    if (err != KR_STATUS_PENDING) { /* the deferred error waits for the answer that ends the finish */
        if (err == CL_SUCCESS && s->deferred != CL_SUCCESS)
            err = s->deferred;
        s->deferred = CL_SUCCESS;
    }
    reply_status(s, KR_OP_FINISH, seq, err);
}

static cl_int event_status(struct session *s, struct entry *e)
{
    if (!e)
        return CL_INVALID_EVENT;
    if (!e->handle)
        return e->status;
    cl_int st = CL_COMPLETE;
    if (s->D->clGetEventInfo(e->handle, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof st, &st, NULL) != CL_SUCCESS)
        st = CL_INVALID_EVENT;
    return st;
}

static void op_wait(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t q_id = kr_get_u64(r);
    uint32_t n = kr_get_u32(r);
    if (r->bad || n > MAX_WAIT_EVENTS) {
        r->bad = 1;
        return;
    }
    struct entry **es = n ? calloc(n, sizeof *es) : NULL;
    cl_event *real = n ? calloc(n, sizeof *real) : NULL;
    if (n && (!es || !real)) {
        free(es);
        free(real);
        r->bad = 1;
        return;
    }
    cl_int err = CL_SUCCESS;
    cl_uint nreal = 0;
    for (uint32_t i = 0; i < n; i++) {
        es[i] = lookup(s, kr_get_u64(r), KR_KIND_EVENT);
        if (!es[i])
            err = CL_INVALID_EVENT;
        else if (es[i]->handle)
            real[nreal++] = es[i]->handle;
        if (es[i] && es[i]->handle && !es[i]->callback_set) {
            watch_event(s, es[i]->handle);
            es[i]->callback_set = 1;
        }
    }
    if (!r->bad) {
        struct entry *q = q_id ? lookup(s, q_id, KR_KIND_QUEUE) : NULL;
        if (q_id && !q && err == CL_SUCCESS)
            err = CL_INVALID_COMMAND_QUEUE;
        if (err == CL_SUCCESS)
            err = queue_wait(s, q, real, nreal, WAIT_SLICE_MS);
        size_t start = reply_begin(s, KR_OP_WAIT, seq, err);
        for (uint32_t i = 0; i < n; i++)
            kr_put_i32(&s->out, es[i] ? event_status(s, es[i]) : CL_INVALID_EVENT);
        kr_frame_end(&s->out, start);
    }
    free(es);
    free(real);
}

static void op_event_status(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t id = kr_get_u64(r);
    if (r->bad)
        return;
    struct entry *e = lookup(s, id, KR_KIND_EVENT);
    size_t start = reply_begin(s, KR_OP_EVENT_STATUS, seq, e ? CL_SUCCESS : CL_INVALID_EVENT);
    kr_put_i32(&s->out, event_status(s, e));
    kr_frame_end(&s->out, start);
}

static void op_event_profiling(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t id = kr_get_u64(r);
    if (r->bad)
        return;
    struct entry *e = lookup(s, id, KR_KIND_EVENT);
    cl_ulong t[4] = {0};
    static const cl_profiling_info params[4] = {CL_PROFILING_COMMAND_QUEUED, CL_PROFILING_COMMAND_SUBMIT,
                                                CL_PROFILING_COMMAND_START, CL_PROFILING_COMMAND_END};
    cl_int err = !e ? CL_INVALID_EVENT : !e->handle ? CL_PROFILING_INFO_NOT_AVAILABLE : CL_SUCCESS;
    for (int i = 0; i < 4 && err == CL_SUCCESS; i++)
        err = s->D->clGetEventProfilingInfo(e->handle, params[i], sizeof t[i], &t[i], NULL);
    size_t start = reply_begin(s, KR_OP_EVENT_PROFILING, seq, err);
    for (int i = 0; i < 4; i++)
        kr_put_u64(&s->out, t[i]);
    kr_frame_end(&s->out, start);
}

static cl_int check_transfer(struct session *s, uint64_t q_id, uint64_t m_id, uint64_t off, uint64_t size,
                             struct entry **q, struct entry **m)
{
    *q = lookup(s, q_id, KR_KIND_QUEUE);
    *m = lookup(s, m_id, KR_KIND_MEM);
    return !*q ? CL_INVALID_COMMAND_QUEUE : !*m ? CL_INVALID_MEM_OBJECT : !range_ok(*m, off, size) ? CL_INVALID_VALUE
                                                                                                 : CL_SUCCESS;
}

/* Waits for one device copy and releases its event: CL_SUCCESS or why the copy failed. */
static cl_int wait_release(struct session *s, cl_event ev)
{
    cl_int err = s->D->clWaitForEvents(1, &ev);
    cl_int st = CL_COMPLETE;
    if (err == CL_SUCCESS &&
        s->D->clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof st, &st, NULL) == CL_SUCCESS && st < 0)
        err = st;
    s->D->clReleaseEvent(ev);
    return err;
}

static void chunk_error(struct session *s, cl_int err)
{
    if (err != CL_SUCCESS && s->chunk_err == CL_SUCCESS)
        s->chunk_err = err;
}

/* Waits for every pending write chunk; returns (and forgets) the first error among them. */
static cl_int drain_chunks(struct session *s)
{
    for (unsigned i = 0; i < s->nchunk_ev; i++)
        chunk_error(s, wait_release(s, s->chunk_ev[i]));
    s->nchunk_ev = 0;
    cl_int err = s->chunk_err;
    s->chunk_err = CL_SUCCESS;
    return err;
}

/* Copy mode only (device not computing in place): blocking transfer between the mapping and the device.
 * A HOST_TO_DEVICE also ends a pipelined write: it answers for the chunks sent before it. */
static void op_transfer(struct session *s, struct kr_reader *r, uint64_t seq, int to_device)
{
    uint64_t q_id = kr_get_u64(r), m_id = kr_get_u64(r), off = kr_get_u64(r), size = kr_get_u64(r);
    if (r->bad)
        return;
    struct entry *q, *m;
    cl_int err = check_transfer(s, q_id, m_id, off, size, &q, &m);
    /* A read must see the chunks written before it; a write's last chunk may overlap their copies. */
    cl_int pending = to_device ? CL_SUCCESS : drain_chunks(s);
    if (err == CL_SUCCESS && !s->P->in_place) {
        char *host = (char *)m->host + off;
        err = to_device ? s->D->clEnqueueWriteBuffer(q->handle, m->handle, CL_TRUE, (size_t)off, (size_t)size, host,
                                                     0, NULL, NULL)
                        : s->D->clEnqueueReadBuffer(q->handle, m->handle, CL_TRUE, (size_t)off, (size_t)size, host,
                                                    0, NULL, NULL);
    } else if (err == CL_SUCCESS) {
        err = s->D->clFinish(q->handle);
    }
    if (to_device)
        pending = drain_chunks(s);
    if (err == CL_SUCCESS)
        err = pending;
    reply_status(s, to_device ? KR_OP_HOST_TO_DEVICE : KR_OP_DEVICE_TO_HOST, seq, err);
}

/*
 * Copy mode, one chunk of a pipelined write (no reply): the client has filled
 * these shared pages and fills the next chunk's while the device copies this
 * one. The copy is non-blocking with an event kept until the HOST_TO_DEVICE
 * that ends the write, which reports the first failure. With the device
 * computing in place there is nothing to copy.
 */
static void op_write_chunk(struct session *s, struct kr_reader *r)
{
    uint64_t q_id = kr_get_u64(r), m_id = kr_get_u64(r), off = kr_get_u64(r), size = kr_get_u64(r);
    if (r->bad)
        return;
    struct entry *q, *m;
    cl_int err = check_transfer(s, q_id, m_id, off, size, &q, &m);
    if (err == CL_SUCCESS && !s->P->in_place) {
        char *host = (char *)m->host + off;
        if (s->P->chunk_blocking) {
            err = s->D->clEnqueueWriteBuffer(q->handle, m->handle, CL_TRUE, (size_t)off, (size_t)size, host, 0, NULL,
                                             NULL);
        } else {
            if (s->nchunk_ev == MAX_PENDING_CHUNKS) {
                chunk_error(s, wait_release(s, s->chunk_ev[0]));
                memmove(s->chunk_ev, s->chunk_ev + 1, (MAX_PENDING_CHUNKS - 1) * sizeof *s->chunk_ev);
                s->nchunk_ev--;
            }
            cl_event ev = NULL;
            err = s->D->clEnqueueWriteBuffer(q->handle, m->handle, CL_FALSE, (size_t)off, (size_t)size, host, 0, NULL,
                                             &ev);
            if (err == CL_SUCCESS) {
                s->chunk_ev[s->nchunk_ev++] = ev;
                err = s->D->clFlush(q->handle);
            }
        }
        atomic_fetch_add(&s->cnt->chunks, 1);
    }
    chunk_error(s, err);
}

/* Sends a chunked read's progress frame now, in the middle of the command. */
static void send_progress(struct session *s, uint64_t seq, uint64_t ready)
{
    size_t start = reply_begin(s, KR_OP_DEVICE_TO_HOST_CHUNKED, seq, CL_SUCCESS);
    kr_put_u64(&s->out, ready);
    kr_frame_end(&s->out, start);
    if (s->out.failed || kr_send_all(s->conn.fd, s->out.data, s->out.len, -1) != 0)
        s->broken = 1;
    s->out.len = 0;
}

/*
 * The device copies of a chunked read, READ_WINDOW in flight (one at a time,
 * blocking, with --chunk-blocking); a progress frame follows each chunk but
 * the last. Every copy issued is waited for, even after an error or a lost
 * client. *ready: bytes from the start known to be in the shared pages.
 */
static cl_int read_chunks(struct session *s, struct entry *q, struct entry *m, uint64_t off, uint64_t size,
                          uint64_t chunk, uint64_t seq, uint64_t *ready)
{
    const int blocking = s->P->chunk_blocking;
    const uint64_t window = blocking ? 1 : READ_WINDOW;
    if (chunk < KR_CHUNK_MIN_BYTES)
        chunk = KR_CHUNK_MIN_BYTES;
    if (chunk > size)
        chunk = size;
    uint64_t n = (size + chunk - 1) / chunk, issued = 0, landed = 0;
    cl_event ev[READ_WINDOW] = {0};
    char *host = (char *)m->host + off;
    cl_int err = CL_SUCCESS;
    while (landed < n) {
        while (err == CL_SUCCESS && !s->broken && issued < n && issued - landed < window) {
            uint64_t at = issued * chunk, len = size - at < chunk ? size - at : chunk;
            err = s->D->clEnqueueReadBuffer(q->handle, m->handle, blocking ? CL_TRUE : CL_FALSE, (size_t)(off + at),
                                            (size_t)len, host + at, 0, NULL, blocking ? NULL : &ev[issued % window]);
            if (err == CL_SUCCESS) {
                issued++;
                atomic_fetch_add(&s->cnt->chunks, 1);
            }
        }
        if (!blocking && err == CL_SUCCESS && issued > landed)
            err = s->D->clFlush(q->handle);
        if (landed == issued)
            break; /* nothing in flight: an error or a lost client stopped the issuing */
        cl_int e = blocking ? CL_SUCCESS : wait_release(s, ev[landed % window]);
        landed++;
        if (err == CL_SUCCESS)
            err = e;
        if (err != CL_SUCCESS || s->broken)
            continue; /* keep waiting for what was issued */
        *ready = landed == n ? size : landed * chunk;
        if (landed < n)
            send_progress(s, seq, *ready);
    }
    return err;
}

/*
 * Copy mode, a pipelined read: the device fills the shared pages chunk by
 * chunk and the client copies chunk k out while chunk k+1 lands. Replies:
 * (status, bytes ready from the start) per chunk; the frame with an error or
 * with the whole size is the last. `chunk` is the client's wish, at least
 * KR_CHUNK_MIN_BYTES.
 */
static void op_read_chunked(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t q_id = kr_get_u64(r), m_id = kr_get_u64(r), off = kr_get_u64(r), size = kr_get_u64(r);
    uint64_t chunk = kr_get_u64(r);
    if (!kr_reader_done(r))
        return; /* nothing may be sent for a frame that does not decode */
    struct entry *q, *m;
    cl_int err = check_transfer(s, q_id, m_id, off, size, &q, &m);
    cl_int pending = drain_chunks(s);
    if (err == CL_SUCCESS)
        err = pending;
    uint64_t ready = 0;
    if (err == CL_SUCCESS && s->P->in_place) {
        err = s->D->clFinish(q->handle);
        ready = size;
    } else if (err == CL_SUCCESS) {
        err = read_chunks(s, q, m, off, size, chunk, seq, &ready);
    }
    if (s->broken)
        return;
    size_t start = reply_begin(s, KR_OP_DEVICE_TO_HOST_CHUNKED, seq, err);
    kr_put_u64(&s->out, ready);
    kr_frame_end(&s->out, start);
}

static void op_hello(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint32_t version = kr_get_u32(r);
    if (r->bad)
        return;
    size_t start = reply_begin(s, KR_OP_HELLO, seq, version == KR_PROTOCOL_VERSION ? CL_SUCCESS : CL_INVALID_VALUE);
    kr_put_u32(&s->out, KR_PROTOCOL_VERSION);
    kr_put_u32(&s->out, (uint32_t)s->P->in_place);
    kr_put_u32(&s->out, s->P->ndevices);
    kr_frame_end(&s->out, start);
}

static void op_device_ids(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t type = kr_get_u64(r);
    if (r->bad)
        return;
    uint32_t match[16], n = 0;
    for (uint32_t i = 0; i < s->P->ndevices; i++) {
        cl_device_type t = 0;
        s->D->clGetDeviceInfo(s->P->devices[i], CL_DEVICE_TYPE, sizeof t, &t, NULL);
        if (type == CL_DEVICE_TYPE_ALL || (t & type) || (type == CL_DEVICE_TYPE_DEFAULT && i == 0))
            match[n++] = i;
    }
    size_t start = reply_begin(s, KR_OP_DEVICE_IDS, seq, n ? CL_SUCCESS : CL_DEVICE_NOT_FOUND);
    kr_put_u32(&s->out, n);
    for (uint32_t i = 0; i < n; i++)
        kr_put_u32(&s->out, match[i]);
    kr_frame_end(&s->out, start);
}

static void op_program_info(struct session *s, struct kr_reader *r, uint64_t seq)
{
    uint64_t id = kr_get_u64(r);
    uint32_t param = kr_get_u32(r);
    if (r->bad)
        return;
    struct entry *p = lookup(s, id, KR_KIND_PROGRAM);
    if (!p) {
        reply_error_blob(s, KR_OP_PROGRAM_INFO, seq, CL_INVALID_PROGRAM);
        return;
    }
    if (param != CL_PROGRAM_BINARIES) {
        reply_info(s, KR_OP_PROGRAM_INFO, seq, q_program, p->handle, 0, param);
        return;
    }
    /* Binaries: the client cannot pass its pointers, so send each binary as a blob. */
    cl_uint n = 0;
    cl_int err = s->D->clGetProgramInfo(p->handle, CL_PROGRAM_NUM_DEVICES, sizeof n, &n, NULL);
    size_t sizes[MAX_DEVICES_PER_CALL] = {0};
    unsigned char *bins[MAX_DEVICES_PER_CALL] = {0};
    size_t total = 0;
    if (err == CL_SUCCESS && n > MAX_DEVICES_PER_CALL)
        err = CL_OUT_OF_RESOURCES;
    if (err == CL_SUCCESS)
        err = s->D->clGetProgramInfo(p->handle, CL_PROGRAM_BINARY_SIZES, n * sizeof(size_t), sizes, NULL);
    for (cl_uint i = 0; err == CL_SUCCESS && i < n; i++) {
        total += sizes[i];
        if (total > KR_FRAME_MAX_PAYLOAD - 1024)
            err = CL_OUT_OF_RESOURCES;
        else if (sizes[i] && !(bins[i] = malloc(sizes[i])))
            err = CL_OUT_OF_HOST_MEMORY;
    }
    if (err == CL_SUCCESS)
        err = s->D->clGetProgramInfo(p->handle, CL_PROGRAM_BINARIES, n * sizeof(unsigned char *), bins, NULL);
    for (cl_uint i = 0; err == CL_SUCCESS && i < n; i++)
        if (sizes[i])
            kr_provenance_add(s->sh, bins[i], sizes[i]);
    size_t start = reply_begin(s, KR_OP_PROGRAM_INFO, seq, err);
    kr_put_u32(&s->out, err == CL_SUCCESS ? n : 0);
    for (cl_uint i = 0; err == CL_SUCCESS && i < n; i++)
        kr_put_blob(&s->out, bins[i], sizes[i]);
    kr_frame_end(&s->out, start);
    for (cl_uint i = 0; i < n && i < MAX_DEVICES_PER_CALL; i++)
        free(bins[i]);
}

static void op_object_info(struct session *s, struct kr_reader *r, uint64_t seq, uint32_t op)
{
    uint64_t id = kr_get_u64(r);
    uint64_t extra = op == KR_OP_KERNEL_INFO ? 0 : kr_get_u32(r);
    uint32_t param = kr_get_u32(r);
    if (r->bad)
        return;
    if (op == KR_OP_PROGRAM_BUILD_INFO) {
        struct entry *p = lookup(s, id, KR_KIND_PROGRAM);
        if (p)
            reply_info(s, op, seq, q_build, p->handle, extra, param);
        else
            reply_error_blob(s, op, seq, CL_INVALID_PROGRAM);
        return;
    }
    struct entry *k = lookup(s, id, KR_KIND_KERNEL);
    if (!k) {
        reply_error_blob(s, op, seq, CL_INVALID_KERNEL);
        return;
    }
    info_query q = op == KR_OP_KERNEL_INFO ? q_kernel : op == KR_OP_KERNEL_WG_INFO ? q_wg : q_arg;
    reply_info(s, op, seq, q, k->handle, extra, param);
}

/* The caller's own session only, unless the daemon runs with --stats-all: other sessions may be other users'. */
static void op_stats(struct session *s, uint64_t seq)
{
    struct kr_daemon_stats st = {1, s->count, atomic_load(&s->cnt->mappings),
                                 atomic_load(&s->cnt->chunks) - s->chunks_at_start};
    if (s->P->stats_all)
        kr_shared_stats(s->sh, &st);
    size_t start = reply_begin(s, KR_OP_STATS, seq, CL_SUCCESS);
    kr_put_u64(&s->out, st.sessions);
    kr_put_u64(&s->out, st.objects);
    kr_put_u64(&s->out, st.mappings);
    kr_put_u64(&s->out, s->count);
    kr_put_u64(&s->out, st.chunks);
    kr_frame_end(&s->out, start);
}

/* Decodes and runs one frame. -1 means the frame was malformed: drop the connection. */
static int dispatch(struct session *s, const struct kr_header *h, const uint8_t *payload)
{
    struct kr_reader rd, *r = &rd;
    kr_reader_init(r, payload, h->length);
    uint64_t seq = h->seq;
    size_t out_before = s->out.len;
    switch (h->opcode) {
    case KR_OP_HELLO: op_hello(s, r, seq); break;
    case KR_OP_PLATFORM_INFO: {
        uint32_t param = kr_get_u32(r);
        if (!r->bad)
            reply_info(s, h->opcode, seq, q_platform, NULL, 0, param);
        break;
    }
    case KR_OP_DEVICE_IDS: op_device_ids(s, r, seq); break;
    case KR_OP_DEVICE_INFO: {
        cl_device_id d = device_at(s, kr_get_u32(r));
        uint32_t param = kr_get_u32(r);
        if (!r->bad && d)
            reply_info(s, h->opcode, seq, q_device, d, 0, param);
        else if (!r->bad)
            reply_error_blob(s, h->opcode, seq, CL_INVALID_DEVICE);
        break;
    }
    case KR_OP_CREATE_CONTEXT: op_create_context(s, r, seq); break;
    case KR_OP_CREATE_QUEUE: op_create_queue(s, r, seq); break;
    case KR_OP_CREATE_BUFFER: op_create_buffer(s, r); break;
    case KR_OP_CREATE_PROGRAM_SOURCE: op_create_program_source(s, r, seq); break;
    case KR_OP_CREATE_PROGRAM_BINARY: op_create_program_binary(s, r, seq); break;
    case KR_OP_BUILD_PROGRAM: op_build_program(s, r, seq); break;
    case KR_OP_PROGRAM_INFO: op_program_info(s, r, seq); break;
    case KR_OP_PROGRAM_BUILD_INFO:
    case KR_OP_KERNEL_INFO:
    case KR_OP_KERNEL_WG_INFO:
    case KR_OP_KERNEL_ARG_INFO: op_object_info(s, r, seq, h->opcode); break;
    case KR_OP_CREATE_KERNEL: op_create_kernel(s, r, seq); break;
    case KR_OP_SET_ARG: op_set_arg(s, r); break;
    case KR_OP_NDRANGE: op_ndrange(s, r); break;
    case KR_OP_COPY_BUFFER: op_copy_buffer(s, r); break;
    case KR_OP_FILL_BUFFER: op_fill_buffer(s, r); break;
    case KR_OP_COPY_BUFFER_RECT: op_copy_buffer_rect(s, r); break;
    case KR_OP_CREATE_SUB_BUFFER: op_create_sub_buffer(s, r); break;
    case KR_OP_COMPILE_PROGRAM: op_compile_program(s, r, seq); break;
    case KR_OP_LINK_PROGRAM: op_link_program(s, r, seq); break;
    case KR_OP_MARKER: op_marker(s, r, 0); break;
    case KR_OP_BARRIER: op_marker(s, r, 1); break;
    case KR_OP_FLUSH: {
        struct entry *q = lookup(s, kr_get_u64(r), KR_KIND_QUEUE);
        if (!r->bad)
            defer_error(s, q ? s->D->clFlush(q->handle) : CL_INVALID_COMMAND_QUEUE);
        break;
    }
    case KR_OP_FINISH: op_finish(s, r, seq); break;
    case KR_OP_WAIT: op_wait(s, r, seq); break;
    case KR_OP_EVENT_STATUS: op_event_status(s, r, seq); break;
    case KR_OP_EVENT_PROFILING: op_event_profiling(s, r, seq); break;
    case KR_OP_CREATE_USER_EVENT: op_create_user_event(s, r); break;
    case KR_OP_SET_USER_EVENT: op_set_user_event(s, r); break;
    case KR_OP_RELEASE: op_release(s, r); break;
    case KR_OP_STATS: op_stats(s, seq); break;
    case KR_OP_HOST_TO_DEVICE: op_transfer(s, r, seq, 1); break;
    case KR_OP_DEVICE_TO_HOST: op_transfer(s, r, seq, 0); break;
    case KR_OP_HOST_TO_DEVICE_CHUNK: op_write_chunk(s, r); break;
    case KR_OP_DEVICE_TO_HOST_CHUNKED: op_read_chunked(s, r, seq); break;
    default: return -1;
    }
    if (!kr_reader_done(r)) {
        s->out.len = out_before; /* never answer a frame that did not decode */
        return -1;
    }
    return s->out.failed || s->broken ? -1 : 0;
}

static void session_cleanup(struct session *s)
{
    /* A user event the client never set would hold its queue's work forever. It is set complete, not
     * failed: a failed user event that gates queued work aborts PoCL (3.1, 5.0). The work it releases
     * runs on buffers no one reads; in a session process the watcher ends it if that takes long. */
    for (size_t i = 0; i < s->cap; i++)
        if (s->tab[i].id && s->tab[i].kind == KR_KIND_EVENT && s->tab[i].user_event)
            s->D->clSetUserEventStatus(s->tab[i].handle, CL_COMPLETE);
    drain_chunks(s);
    /* Pending work first: a killed client's kernels may still use its buffers. */
    for (size_t i = 0; i < s->cap; i++)
        if (s->tab[i].id && s->tab[i].kind == KR_KIND_QUEUE)
            s->D->clFinish(s->tab[i].handle);
    static const uint32_t order[] = {KR_KIND_EVENT, KR_KIND_KERNEL, KR_KIND_PROGRAM, KR_KIND_MEM, KR_KIND_QUEUE,
                                     KR_KIND_CONTEXT};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        for (size_t i = 0; i < s->cap; i++)
            if (s->tab[i].id && s->tab[i].kind == order[k]) {
                release_handle(s, &s->tab[i]);
                s->tab[i].id = 0;
                s->count--;
                atomic_fetch_sub(&s->cnt->objects, 1);
            }
    free(s->tab);
    s->tab = NULL;
    s->cap = 0;
}

int kr_session_run(const struct kr_platform *p, int sock)
{
    static pthread_once_t defaults_once = PTHREAD_ONCE_INIT;
    pthread_once(&defaults_once, limits_default_once);
    struct session s;
    memset(&s, 0, sizeof s);
    s.P = p;
    s.D = p->D;
    s.L = p->limits ? p->limits : &g_default_limits;
    s.sh = p->shared ? p->shared : local_shared();
    s.cnt = s.sh ? kr_shared_slot(s.sh, p->shared ? p->slot : 0) : NULL;
    if (!s.cnt)
        return -1;
    atomic_store(&s.cnt->live, 1);
    s.chunks_at_start = atomic_load(&s.cnt->chunks); /* a slot keeps the copies of the sessions before */
    kr_conn_init(&s.conn, sock);
    s.conn.frame_timeout_ms = s.L->frame_timeout_ms;
    int result = 0;
    for (;;) {
        struct kr_header h;
        const uint8_t *payload;
        int rc = kr_conn_read_frame(&s.conn, &h, &payload);
        if (rc <= 0) {
            result = rc;
            break;
        }
        if (s.conn.fd_overflow || dispatch(&s, &h, payload) != 0) {
            result = -1;
            break;
        }
        /* Descriptors nobody claimed once every received byte is consumed were unexpected. */
        if (kr_conn_drained(&s.conn) && s.conn.nfds > 0) {
            result = -1;
            break;
        }
        if (s.out.len) {
            int w = kr_send_all(sock, s.out.data, s.out.len, -1);
            s.out.len = 0;
            if (w != 0) {
                result = -1;
                break;
            }
        }
    }
    if (!p->exit_frees)
        session_cleanup(&s);
    kr_conn_free(&s.conn);
    kr_buf_free(&s.out);
    atomic_store(&s.cnt->live, 0);
    return result;
}
