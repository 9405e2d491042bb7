/*
 * icd.c: the client side of OpenCL API remoting, an ICD the loader picks up.
 * Every handle starts with the dispatch table pointer; the library exports
 * only clIcdGetPlatformIDsKHR, clGetExtensionFunctionAddress and
 * clGetPlatformInfo and binds its own symbols to itself.
 *
 * Speed: object and event ids are chosen here, so creates and enqueues need
 * no reply; they accumulate in a batch sent with the next call that needs an
 * answer (or past a size threshold or at clFlush). Buffers live in sealed
 * memfd shared memory mapped on both sides; with a device that computes in
 * place, reads, writes and maps are memcpy or pointer arithmetic here, after
 * at most one round trip that orders them after the queue's earlier work.
 * Device info is fetched once per parameter. When the device cannot compute
 * in place (copy mode), large transfers are pipelined in chunks so that this
 * side's memcpy of one chunk overlaps the daemon's device copy of another.
 *
 * Failure: when the daemon goes away every later call fails with
 * CL_DEVICE_NOT_AVAILABLE, pending events report that error and waits return.
 */
#include "runtime/remote/wire.h"

#include <CL/cl_icd.h>
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#define KR_EXPORT __attribute__((visibility("default")))
#define MAGIC_LIVE 0x6b726f62u /* "krob" */
#define BATCH_FLUSH_BYTES (64u << 10)
#define MAX_DEVICES 16
#define ERR_GONE CL_DEVICE_NOT_AVAILABLE
/*
 * Copy mode: a transfer of at least CHUNK_MIN_CHUNKS chunks is pipelined (see
 * write_pipelined, read_pipelined). KILN_REMOTE_CHUNK_KIB overrides the chunk
 * size (0 turns pipelining off; values under KR_CHUNK_MIN_BYTES are raised to it).
 */
#define CHUNK_DEFAULT_BYTES ((size_t)4 << 20)
#define CHUNK_MIN_CHUNKS 2
/* Connecting and the first reply must not take longer (KILN_REMOTE_CONNECT_TIMEOUT_MS overrides). */
#define CONNECT_TIMEOUT_MS 10000

KR_EXPORT const int kiln_remote_icd_marker = 1;

static struct _cl_icd_dispatch g_dispatch;

/* ---------------------------------------------------------------- objects */

struct kr_obj {
    const struct _cl_icd_dispatch *dispatch;
    uint32_t magic, kind;
    uint64_t id;
    atomic_int refs;
};

struct info_cache {
    struct info_cache *next;
    cl_uint param;
    size_t size;
    unsigned char value[];
};

struct _cl_platform_id {
    const struct _cl_icd_dispatch *dispatch;
};

struct _cl_device_id {
    const struct _cl_icd_dispatch *dispatch;
    uint32_t index;
    struct info_cache *cache;
};

struct _cl_context {
    struct kr_obj o;
    cl_uint ndev;
    cl_device_id devs[MAX_DEVICES];
};

struct _cl_command_queue {
    struct kr_obj o;
    cl_context ctx;
    cl_device_id dev;
    cl_command_queue_properties props;
    uint64_t serial;    /* commands enqueued so far */
    uint64_t completed; /* commands known complete (after a finish) */
};

struct map_record {
    struct map_record *next;
    void *ptr;
    size_t offset, size;
    cl_map_flags flags;
};

struct mem_callback {
    struct mem_callback *next;
    void(CL_CALLBACK *fn)(cl_mem, void *);
    void *user;
};

struct _cl_mem {
    struct kr_obj o;
    cl_context ctx;
    cl_mem_flags flags;
    size_t size;
    void *shared;    /* the memfd mapping; a sub-buffer's points into its parent's */
    void *user_host; /* CL_MEM_USE_HOST_PTR: the application's memory */
    cl_mem parent;   /* a sub-buffer's buffer (held), NULL for a buffer */
    size_t origin;   /* a sub-buffer's offset in its parent */
    struct map_record *maps;
    cl_uint map_count;
    struct mem_callback *callbacks;
};

struct _cl_program {
    struct kr_obj o;
    cl_context ctx;
    char *source;
};

struct _cl_kernel {
    struct kr_obj o;
    cl_program prog;
    cl_uint nargs;
    uint32_t *qualifier;
    unsigned char *is_set;
    char *name;
};

struct event_callback {
    struct event_callback *next;
    cl_int type;
    void(CL_CALLBACK *fn)(cl_event, cl_int, void *);
    void *user;
};

struct _cl_event {
    struct kr_obj o;
    cl_context ctx;
    cl_command_queue queue;
    cl_command_type type;
    uint64_t serial;   /* position in its queue */
    cl_int status;     /* last status known here */
    int remote;        /* the daemon holds an event with this id */
    int have_profile;
    cl_ulong profile[4];
    struct event_callback *callbacks;
    struct _cl_event *next_pending; /* in g.pending_callbacks */
};

static struct {
    pthread_mutex_t lock;
    pthread_once_t once;
    int sock;
    int connected;
    int dead;
    int in_place;
    size_t chunk; /* copy-mode pipelining chunk, 0: off */
    uint32_t ndevices;
    struct kr_conn conn;
    struct kr_buf batch;
    uint64_t seq;
    atomic_ullong next_id;
    struct kr_reader reply;
    struct _cl_platform_id platform;
    struct _cl_device_id devices[MAX_DEVICES];
    struct _cl_event *pending_callbacks;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER, .once = PTHREAD_ONCE_INIT, .sock = -1};

static void *obj_new(size_t size, uint32_t kind)
{
    struct kr_obj *o = calloc(1, size);
    if (!o)
        return NULL;
    o->dispatch = &g_dispatch;
    o->magic = MAGIC_LIVE;
    o->kind = kind;
    o->id = atomic_fetch_add(&g.next_id, 1);
    atomic_init(&o->refs, 1);
    return o;
}

static int obj_ok(const void *p, uint32_t kind)
{
    const struct kr_obj *o = p;
    return o && o->dispatch == &g_dispatch && o->magic == MAGIC_LIVE && o->kind == kind;
}

static int device_ok(cl_device_id d)
{
    return d && d >= g.devices && d < g.devices + g.ndevices;
}

static cl_ulong now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (cl_ulong)ts.tv_sec * 1000000000ull + (cl_ulong)ts.tv_nsec;
}

static cl_int copy_info(size_t size, void *value, size_t *size_ret, const void *src, size_t len)
{
    if (value) {
        if (size < len)
            return CL_INVALID_VALUE;
        if (len)
            memcpy(value, src, len);
    }
    if (size_ret)
        *size_ret = len;
    return CL_SUCCESS;
}

#define SET_ERR(e)         \
    do {                   \
        if (errcode_ret)   \
            *errcode_ret = (e); \
    } while (0)

/* ------------------------------------------------------------- transport */

static void mark_dead(void)
{
    g.dead = 1;
    g.batch.len = 0;
}

/* Sends the batch; lock held. */
static int flush_batch(void)
{
    if (g.dead)
        return ERR_GONE;
    if (g.batch.failed) {
        mark_dead();
        return CL_OUT_OF_HOST_MEMORY;
    }
    if (g.batch.len == 0)
        return CL_SUCCESS;
    if (kr_send_all(g.sock, g.batch.data, g.batch.len, -1) != 0) {
        mark_dead();
        return ERR_GONE;
    }
    g.batch.len = 0;
    return CL_SUCCESS;
}

static size_t begin(uint32_t opcode)
{
    return kr_frame_begin(&g.batch, opcode, ++g.seq);
}

/* Ends an asynchronous frame; lock held. */
static void end_async(size_t start)
{
    kr_frame_end(&g.batch, start);
    if (g.batch.len >= BATCH_FLUSH_BYTES)
        flush_batch();
}

/*
 * Ends a request frame, sends the batch and reads the reply into g.reply.
 * Returns the reply's status, or ERR_GONE when the daemon is unreachable.
 */
static cl_int end_call(size_t start)
{
    kr_frame_end(&g.batch, start);
    uint64_t seq = g.seq;
    uint32_t opcode;
    memcpy(&opcode, g.batch.data + start + 4, 4);
    cl_int err = flush_batch();
    if (err != CL_SUCCESS)
        return err;
    struct kr_header h;
    const uint8_t *payload;
    if (kr_conn_read_frame(&g.conn, &h, &payload) != 1 || h.seq != seq || h.opcode != (opcode | KR_REPLY_BIT)) {
        mark_dead();
        return ERR_GONE;
    }
    kr_reader_init(&g.reply, payload, h.length);
    cl_int status = kr_get_i32(&g.reply);
    if (g.reply.bad) {
        mark_dead();
        return ERR_GONE;
    }
    return status;
}

/*
 * A FINISH or WAIT the daemon answered with KR_STATUS_PENDING: lets the
 * application's other threads use the connection (to set the user event this
 * one waits for, say) before the caller asks again; lock held on return.
 */
static void let_others_in(void)
{
    pthread_mutex_unlock(&g.lock);
    sched_yield();
    pthread_mutex_lock(&g.lock);
}

/* Reads an info blob from g.reply into the caller's buffer. */
static cl_int reply_info(cl_int err, size_t size, void *value, size_t *size_ret)
{
    size_t len;
    const void *blob = kr_get_blob(&g.reply, &len, KR_FRAME_MAX_PAYLOAD);
    if (err != CL_SUCCESS)
        return err;
    if (g.reply.bad)
        return ERR_GONE;
    return copy_info(size, value, size_ret, blob, len);
}

/* Whether uid is named in KILN_REMOTE_TRUST_UID (decimal uids separated by commas or spaces). */
static int uid_trusted_by_environment(uid_t uid)
{
    const char *list = getenv("KILN_REMOTE_TRUST_UID");
    while (list && *list) {
        char *end;
        unsigned long v = strtoul(list, &end, 10);
        if (end == list) {
            list++;
            continue;
        }
        if (v == (unsigned long)uid)
            return 1;
        list = end;
    }
    return 0;
}

/*
 * Whoever listens on the socket receives this process's buffers: before
 * anything is sent, its uid must be ours, root's or one in
 * KILN_REMOTE_TRUST_UID. KILN_REMOTE_TEST_PEER_UID replaces the uid the kernel
 * reports, so that a test run by one user can play a daemon of another.
 */
static int daemon_trusted(int s, const char *path)
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof cred)
        return 0;
    const char *fake = getenv("KILN_REMOTE_TEST_PEER_UID");
    uid_t uid = fake && *fake ? (uid_t)strtoul(fake, NULL, 10) : cred.uid;
    if (uid == geteuid() || uid == 0 || uid_trusted_by_environment(uid))
        return 1;
    fprintf(stderr, "kiln-remote: not using %s: the daemon there runs as uid %u, neither yours (%u) nor root; "
            "list it in KILN_REMOTE_TRUST_UID to trust it\n", path, (unsigned)uid, (unsigned)geteuid());
    return 0;
}

static void connect_once(void)
{
    char default_path[sizeof ((struct sockaddr_un *)0)->sun_path];
    const char *path = getenv("KILN_REMOTE_SOCKET");
    if ((!path || !*path) && kr_default_socket_path(default_path, sizeof default_path) == 0)
        path = default_path;
    struct sockaddr_un addr = {0};
    addr.sun_family = AF_UNIX;
    if (!path || !*path || strlen(path) >= sizeof addr.sun_path)
        return;
    strcpy(addr.sun_path, path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return;
    /* A daemon that never accepts or never answers gives an error, not a hang. */
    const char *timeout_env = getenv("KILN_REMOTE_CONNECT_TIMEOUT_MS");
    long timeout_ms = timeout_env && *timeout_env ? strtol(timeout_env, NULL, 10) : CONNECT_TIMEOUT_MS;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000}, forever = {0, 0};
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(s, (struct sockaddr *)&addr, sizeof addr) != 0 || !daemon_trusted(s, path)) {
        close(s);
        return;
    }
    g.sock = s;
    kr_conn_init(&g.conn, s);
    g.chunk = CHUNK_DEFAULT_BYTES;
    const char *chunk_kib = getenv("KILN_REMOTE_CHUNK_KIB");
    if (chunk_kib && *chunk_kib) {
        unsigned long long kib = strtoull(chunk_kib, NULL, 10);
        g.chunk = kib == 0 ? 0 : kib > ((size_t)1 << 30) ? (size_t)1 << 40 : (size_t)kib << 10;
        if (g.chunk && g.chunk < KR_CHUNK_MIN_BYTES)
            g.chunk = KR_CHUNK_MIN_BYTES;
    }
    atomic_init(&g.next_id, 1);
    g.platform.dispatch = &g_dispatch;
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_HELLO);
    kr_put_u32(&g.batch, KR_PROTOCOL_VERSION);
    cl_int err = end_call(start);
    if (err == CL_SUCCESS) {
        kr_get_u32(&g.reply);
        g.in_place = (int)kr_get_u32(&g.reply);
        g.ndevices = kr_get_u32(&g.reply);
        if (g.reply.bad || g.ndevices == 0 || g.ndevices > MAX_DEVICES)
            err = CL_INVALID_VALUE;
    }
    if (err == CL_SUCCESS) {
        for (uint32_t i = 0; i < g.ndevices; i++) {
            g.devices[i].dispatch = &g_dispatch;
            g.devices[i].index = i;
        }
        g.connected = 1;
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &forever, sizeof forever);
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof forever);
    } else {
        mark_dead();
    }
    pthread_mutex_unlock(&g.lock);
}

static int ensure_connected(void)
{
    pthread_once(&g.once, connect_once);
    return g.connected;
}

/* ---------------------------------------------------------------- events */

static cl_event event_new(cl_context ctx, cl_command_queue q, cl_command_type type)
{
    cl_event e = obj_new(sizeof *e, KR_KIND_EVENT);
    if (!e)
        return NULL;
    e->ctx = ctx;
    e->queue = q;
    e->type = type;
    e->status = CL_QUEUED;
    if (q)
        atomic_fetch_add(&q->o.refs, 1);
    if (ctx)
        atomic_fetch_add(&ctx->o.refs, 1);
    return e;
}

/* The status known without asking the daemon; lock held. */
static cl_int event_known_status(cl_event e)
{
    if (e->status <= CL_COMPLETE)
        return e->status;
    if (e->queue && e->queue->completed >= e->serial && e->serial)
        e->status = CL_COMPLETE;
    else if (g.dead)
        e->status = ERR_GONE;
    return e->status;
}

/* A command finished here (read, write, map): complete at once, profiled with host time. */
static cl_event event_local_complete(cl_command_queue q, cl_command_type type, cl_ulong t0)
{
    cl_event e = event_new(q->ctx, q, type);
    if (e) {
        cl_ulong t1 = now_ns();
        e->status = CL_COMPLETE;
        e->have_profile = 1;
        e->profile[0] = e->profile[1] = e->profile[2] = t0;
        e->profile[3] = t1;
    }
    return e;
}

/* Runs callbacks whose trigger has been reached; called without the lock. */
static void run_callbacks(void)
{
    for (;;) {
        pthread_mutex_lock(&g.lock);
        struct _cl_event **pp = &g.pending_callbacks, *e = NULL;
        struct event_callback *cb = NULL;
        cl_int st = 0;
        for (; *pp; pp = &(*pp)->next_pending) {
            st = event_known_status(*pp);
            struct event_callback **cp = &(*pp)->callbacks;
            for (; *cp; cp = &(*cp)->next)
                if (st <= (*cp)->type)
                    break;
            if (*cp) {
                cb = *cp;
                *cp = cb->next;
                e = *pp;
                if (!e->callbacks)
                    *pp = e->next_pending;
                break;
            }
        }
        pthread_mutex_unlock(&g.lock);
        if (!cb)
            return;
        cb->fn(e, st < 0 ? st : cb->type, cb->user);
        free(cb);
        if (!e->callbacks)
            g_dispatch.clReleaseEvent(e);
    }
}

/* Writes a wait list to the batch: remote events by id, the others are complete. */
static cl_int put_wait_list(cl_uint n, const cl_event *list, cl_context ctx)
{
    if ((n == 0) != (list == NULL))
        return CL_INVALID_EVENT_WAIT_LIST;
    cl_uint remote = 0;
    for (cl_uint i = 0; i < n; i++) {
        if (!obj_ok(list[i], KR_KIND_EVENT) || (ctx && list[i]->ctx != ctx))
            return CL_INVALID_EVENT_WAIT_LIST;
        if (list[i]->remote && event_known_status(list[i]) != CL_COMPLETE)
            remote++;
    }
    kr_put_u32(&g.batch, remote);
    for (cl_uint i = 0; i < n; i++)
        if (list[i]->remote && event_known_status(list[i]) != CL_COMPLETE)
            kr_put_u64(&g.batch, list[i]->o.id);
    return CL_SUCCESS;
}

/* ------------------------------------------------------ platform, devices */

static cl_int kr_get_platform_ids(cl_uint n, cl_platform_id *platforms, cl_uint *n_ret)
{
    if ((n == 0 && platforms) || (!platforms && !n_ret))
        return CL_INVALID_VALUE;
    if (!ensure_connected()) {
        if (n_ret)
            *n_ret = 0;
        return CL_PLATFORM_NOT_FOUND_KHR;
    }
    if (platforms)
        platforms[0] = &g.platform;
    if (n_ret)
        *n_ret = 1;
    return CL_SUCCESS;
}

KR_EXPORT cl_int CL_API_CALL clIcdGetPlatformIDsKHR(cl_uint n, cl_platform_id *platforms, cl_uint *n_ret)
{
    return kr_get_platform_ids(n, platforms, n_ret);
}

static cl_int remote_platform_info(cl_platform_info param, char *out, size_t cap)
{
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_PLATFORM_INFO);
    kr_put_u32(&g.batch, param);
    size_t len = 0;
    cl_int err = reply_info(end_call(start), cap - 1, out, &len);
    pthread_mutex_unlock(&g.lock);
    out[err == CL_SUCCESS && len < cap ? len : 0] = 0;
    return err;
}

KR_EXPORT cl_int CL_API_CALL clGetPlatformInfo(cl_platform_id p, cl_platform_info param, size_t size, void *value,
                                               size_t *size_ret)
{
    if (p != &g.platform)
        return CL_INVALID_PLATFORM;
    char real[512], text[700];
    switch (param) {
    case CL_PLATFORM_ICD_SUFFIX_KHR: snprintf(text, sizeof text, "kiln"); break;
    case CL_PLATFORM_PROFILE: snprintf(text, sizeof text, "FULL_PROFILE"); break;
    case CL_PLATFORM_VENDOR: snprintf(text, sizeof text, "kiln"); break;
    case CL_PLATFORM_EXTENSIONS: snprintf(text, sizeof text, "cl_khr_icd"); break;
    case CL_PLATFORM_NAME:
    case CL_PLATFORM_VERSION: {
        cl_int err = remote_platform_info(param, real, sizeof real);
        if (err != CL_SUCCESS)
            return err;
        if (param == CL_PLATFORM_NAME)
            snprintf(text, sizeof text, "kiln-remote (%s)", real);
        else
            snprintf(text, sizeof text, "OpenCL 1.2 kiln-remote over %s", real);
        break;
    }
    default: return CL_INVALID_VALUE;
    }
    return copy_info(size, value, size_ret, text, strlen(text) + 1);
}

static cl_int kr_get_device_ids(cl_platform_id p, cl_device_type type, cl_uint n, cl_device_id *devices,
                                cl_uint *n_ret)
{
    if (p != &g.platform && p != NULL)
        return CL_INVALID_PLATFORM;
    if ((n == 0 && devices) || (!devices && !n_ret))
        return CL_INVALID_VALUE;
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_DEVICE_IDS);
    kr_put_u64(&g.batch, type);
    cl_int err = end_call(start);
    uint32_t count = err == CL_SUCCESS ? kr_get_u32(&g.reply) : 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t idx = kr_get_u32(&g.reply);
        if (idx >= g.ndevices)
            err = CL_INVALID_DEVICE;
        else if (devices && i < n)
            devices[i] = &g.devices[idx];
    }
    pthread_mutex_unlock(&g.lock);
    if (n_ret)
        *n_ret = err == CL_SUCCESS ? count : 0;
    return err;
}

/*
 * The device as the remoting offers it: what this ICD implements, not what
 * the real driver could do. OpenCL 1.2 without images, samplers, sub-devices,
 * built-in kernels or anything of OpenCL 2.0 and later (SVM, pipes, device
 * queues, IL): those queries answer as a 1.2 device without images does, so
 * an application never takes a path the ICD would then refuse. Only
 * extensions that add nothing but kernel-language features pass.
 */
#define ICD_VERSION_MAJOR 1
#define ICD_VERSION_MINOR 2

static const char *const g_kernel_only_extensions[] = {
    "cl_khr_byte_addressable_store", "cl_khr_fp16", "cl_khr_fp64",
    "cl_khr_global_int32_base_atomics", "cl_khr_global_int32_extended_atomics",
    "cl_khr_local_int32_base_atomics", "cl_khr_local_int32_extended_atomics",
    "cl_khr_int64_base_atomics", "cl_khr_int64_extended_atomics", "cl_khr_select_fprounding_mode",
    "cl_khr_extended_bit_ops", "cl_khr_expect_assume", "cl_khr_kernel_clock", "cl_ext_float_atomics",
};

static int kernel_only_extension(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof g_kernel_only_extensions / sizeof *g_kernel_only_extensions; i++)
        if (strlen(g_kernel_only_extensions[i]) == len && memcmp(g_kernel_only_extensions[i], name, len) == 0)
            return 1;
    return 0;
}

/* The real extension list with only kernel-language extensions kept; out holds at least len + 1 bytes. */
static size_t filter_extensions(const char *real, size_t len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len && real[i];) {
        size_t j = i;
        while (j < len && real[j] && real[j] != ' ')
            j++;
        if (j > i && kernel_only_extension(real + i, j - i)) {
            memcpy(out + n, real + i, j - i);
            n += j - i;
            out[n++] = ' ';
        }
        i = j + 1;
    }
    out[n] = 0;
    return n + 1;
}

/*
 * "OpenCL C X.Y ..." at most the ICD's version; "OpenCL X.Y ..." for the device
 * version always names the ICD's, with the real text kept after it.
 */
static size_t capped_version(const char *real, size_t len, int c_version, char *out, size_t cap)
{
    const char *prefix = c_version ? "OpenCL C " : "OpenCL ";
    int major = 0, minor = 0;
    size_t plen = strlen(prefix);
    if (len > plen && strncmp(real, prefix, plen) == 0)
        sscanf(real + plen, "%d.%d", &major, &minor);
    int n;
    if (c_version && major * 10 + minor <= ICD_VERSION_MAJOR * 10 + ICD_VERSION_MINOR && major > 0)
        n = snprintf(out, cap, "%.*s", (int)strnlen(real, len), real);
    else
        n = snprintf(out, cap, "%s%d.%d kiln-remote (%.*s)", prefix, ICD_VERSION_MAJOR, ICD_VERSION_MINOR,
                     (int)strnlen(real, len), real);
    return n < 0 ? 1 : (size_t)n < cap ? (size_t)n + 1 : cap;
}

/* Answers for what the remoting does not offer; 1 when param was one of them (*err set). */
static int device_info_withheld(cl_device_info param, size_t size, void *value, size_t *size_ret, cl_int *err)
{
    static const size_t zero_size = 0;
    static const cl_uint zero_uint = 0;
    static const cl_bool no = CL_FALSE;
    static const cl_device_partition_property no_partition = 0;
    switch (param) {
    case CL_DEVICE_IMAGE_SUPPORT: *err = copy_info(size, value, size_ret, &no, sizeof no); return 1;
    case CL_DEVICE_MAX_READ_IMAGE_ARGS:
    case CL_DEVICE_MAX_WRITE_IMAGE_ARGS:
    case CL_DEVICE_MAX_SAMPLERS:
    case CL_DEVICE_PARTITION_MAX_SUB_DEVICES: *err = copy_info(size, value, size_ret, &zero_uint, sizeof zero_uint); return 1;
    case CL_DEVICE_IMAGE2D_MAX_WIDTH:
    case CL_DEVICE_IMAGE2D_MAX_HEIGHT:
    case CL_DEVICE_IMAGE3D_MAX_WIDTH:
    case CL_DEVICE_IMAGE3D_MAX_HEIGHT:
    case CL_DEVICE_IMAGE3D_MAX_DEPTH:
    case CL_DEVICE_IMAGE_MAX_BUFFER_SIZE:
    case CL_DEVICE_IMAGE_MAX_ARRAY_SIZE: *err = copy_info(size, value, size_ret, &zero_size, sizeof zero_size); return 1;
    case CL_DEVICE_PARTITION_AFFINITY_DOMAIN: {
        cl_device_affinity_domain none = 0;
        *err = copy_info(size, value, size_ret, &none, sizeof none);
        return 1;
    }
    case CL_DEVICE_PARTITION_PROPERTIES:
        *err = copy_info(size, value, size_ret, &no_partition, sizeof no_partition);
        return 1;
    case CL_DEVICE_PARTITION_TYPE: *err = copy_info(size, value, size_ret, NULL, 0); return 1;
    case CL_DEVICE_BUILT_IN_KERNELS: *err = copy_info(size, value, size_ret, "", 1); return 1;
    default: break;
    }
    /* OpenCL 2.0 and later (SVM, pipes, device queues, IL, 3.0 capabilities): unknown to a 1.2 device. */
    if (param >= CL_DEVICE_IMAGE_PITCH_ALIGNMENT && param <= CL_DEVICE_LATEST_CONFORMANCE_VERSION_PASSED) {
        *err = CL_INVALID_VALUE;
        return 1;
    }
    return 0;
}

/* The real device's answer to param, fetched once and cached; lock held. NULL with *err on failure. */
static struct info_cache *device_info_cached(cl_device_id d, cl_device_info param, cl_int *err)
{
    struct info_cache *c = d->cache;
    while (c && c->param != param)
        c = c->next;
    if (c)
        return c;
    size_t start = begin(KR_OP_DEVICE_INFO);
    kr_put_u32(&g.batch, d->index);
    kr_put_u32(&g.batch, param);
    *err = end_call(start);
    size_t len = 0;
    const void *blob = kr_get_blob(&g.reply, &len, KR_FRAME_MAX_PAYLOAD);
    if (*err == CL_SUCCESS && g.reply.bad)
        *err = ERR_GONE;
    if (*err != CL_SUCCESS)
        return NULL;
    /* Text answers get room for a rewritten version (capped_version) and a terminating zero. */
    if (!(c = malloc(sizeof *c + len + 96))) {
        *err = CL_OUT_OF_HOST_MEMORY;
        return NULL;
    }
    c->param = param;
    c->size = len;
    memcpy(c->value, blob, len);
    if (param == CL_DEVICE_EXTENSIONS)
        c->size = filter_extensions((const char *)blob, len, (char *)c->value);
    else if (param == CL_DEVICE_VERSION || param == CL_DEVICE_OPENCL_C_VERSION) {
        char real[512];
        size_t n = len < sizeof real - 1 ? len : sizeof real - 1;
        memcpy(real, blob, n);
        real[n] = 0;
        c->size = capped_version(real, n, param == CL_DEVICE_OPENCL_C_VERSION, (char *)c->value, len + 96);
    }
    c->next = d->cache;
    d->cache = c;
    return c;
}

static cl_int kr_get_device_info(cl_device_id d, cl_device_info param, size_t size, void *value, size_t *size_ret)
{
    if (!device_ok(d))
        return CL_INVALID_DEVICE;
    cl_int err = CL_SUCCESS;
    if (device_info_withheld(param, size, value, size_ret, &err))
        return err;
    switch (param) {
    case CL_DEVICE_PLATFORM: {
        cl_platform_id p = &g.platform;
        return copy_info(size, value, size_ret, &p, sizeof p);
    }
    case CL_DEVICE_PARENT_DEVICE: {
        cl_device_id none = NULL;
        return copy_info(size, value, size_ret, &none, sizeof none);
    }
    case CL_DEVICE_REFERENCE_COUNT: {
        cl_uint one = 1;
        return copy_info(size, value, size_ret, &one, sizeof one);
    }
    default: break;
    }
    pthread_mutex_lock(&g.lock);
    struct info_cache *c = device_info_cached(d, param, &err);
    if (c)
        err = copy_info(size, value, size_ret, c->value, c->size);
    pthread_mutex_unlock(&g.lock);
    return err;
}

static size_t device_max_wg(cl_device_id d)
{
    size_t v = 0;
    if (kr_get_device_info(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof v, &v, NULL) != CL_SUCCESS)
        return 0;
    return v;
}

static cl_int kr_retain_device(cl_device_id d) { return device_ok(d) ? CL_SUCCESS : CL_INVALID_DEVICE; }

static cl_int kr_create_sub_devices(cl_device_id d, const cl_device_partition_property *props, cl_uint n,
                                    cl_device_id *out, cl_uint *n_ret)
{
    (void)props, (void)n, (void)out, (void)n_ret;
    return device_ok(d) ? CL_INVALID_VALUE : CL_INVALID_DEVICE;
}

/* --------------------------------------------------------------- contexts */

static cl_context kr_create_context(const cl_context_properties *props, cl_uint ndev, const cl_device_id *devs,
                                    void(CL_CALLBACK *notify)(const char *, const void *, size_t, void *),
                                    void *user, cl_int *errcode_ret)
{
    (void)notify, (void)user;
    for (const cl_context_properties *p = props; p && p[0]; p += 2)
        if (p[0] == CL_CONTEXT_PLATFORM && (cl_platform_id)p[1] != &g.platform) {
            SET_ERR(CL_INVALID_PLATFORM);
            return NULL;
        }
    if (ndev == 0 || !devs || ndev > MAX_DEVICES || !ensure_connected()) {
        SET_ERR(ndev == 0 || !devs || ndev > MAX_DEVICES ? CL_INVALID_VALUE : ERR_GONE);
        return NULL;
    }
    for (cl_uint i = 0; i < ndev; i++)
        if (!device_ok(devs[i])) {
            SET_ERR(CL_INVALID_DEVICE);
            return NULL;
        }
    cl_context c = obj_new(sizeof *c, KR_KIND_CONTEXT);
    if (!c) {
        SET_ERR(CL_OUT_OF_HOST_MEMORY);
        return NULL;
    }
    c->ndev = ndev;
    memcpy(c->devs, devs, ndev * sizeof *devs);
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_CREATE_CONTEXT);
    kr_put_u64(&g.batch, c->o.id);
    kr_put_u32(&g.batch, ndev);
    for (cl_uint i = 0; i < ndev; i++)
        kr_put_u32(&g.batch, devs[i]->index);
    cl_int err = end_call(start);
    pthread_mutex_unlock(&g.lock);
    SET_ERR(err);
    if (err != CL_SUCCESS) {
        free(c);
        return NULL;
    }
    return c;
}

static cl_context kr_create_context_from_type(const cl_context_properties *props, cl_device_type type,
                                              void(CL_CALLBACK *notify)(const char *, const void *, size_t,
                                                                        void *),
                                              void *user, cl_int *errcode_ret)
{
    cl_device_id devs[MAX_DEVICES];
    cl_uint n = 0;
    cl_int err = ensure_connected() ? kr_get_device_ids(&g.platform, type, MAX_DEVICES, devs, &n) : ERR_GONE;
    if (err != CL_SUCCESS) {
        SET_ERR(err);
        return NULL;
    }
    return kr_create_context(props, n, devs, notify, user, errcode_ret);
}

static int obj_release_ex(struct kr_obj *o, int known_to_daemon);

/* Drops one reference; at zero, tells the daemon (batched); the caller frees. */
static int obj_release(struct kr_obj *o)
{
    return obj_release_ex(o, 1);
}

static int obj_release_ex(struct kr_obj *o, int known_to_daemon)
{
    if (atomic_fetch_sub(&o->refs, 1) != 1)
        return 0;
    pthread_mutex_lock(&g.lock);
    if (!g.dead && known_to_daemon) {
        size_t start = begin(KR_OP_RELEASE);
        kr_put_u32(&g.batch, o->kind);
        kr_put_u64(&g.batch, o->id);
        end_async(start);
    }
    pthread_mutex_unlock(&g.lock);
    o->magic = 0;
    return 1;
}

static cl_int kr_retain_context(cl_context c)
{
    if (!obj_ok(c, KR_KIND_CONTEXT))
        return CL_INVALID_CONTEXT;
    atomic_fetch_add(&c->o.refs, 1);
    return CL_SUCCESS;
}

static cl_int kr_release_context(cl_context c)
{
    if (!obj_ok(c, KR_KIND_CONTEXT))
        return CL_INVALID_CONTEXT;
    if (obj_release(&c->o))
        free(c);
    return CL_SUCCESS;
}

static cl_int kr_get_context_info(cl_context c, cl_context_info param, size_t size, void *value, size_t *size_ret)
{
    if (!obj_ok(c, KR_KIND_CONTEXT))
        return CL_INVALID_CONTEXT;
    cl_uint u;
    switch (param) {
    case CL_CONTEXT_REFERENCE_COUNT: u = (cl_uint)atomic_load(&c->o.refs); return copy_info(size, value, size_ret, &u, sizeof u);
    case CL_CONTEXT_NUM_DEVICES: return copy_info(size, value, size_ret, &c->ndev, sizeof c->ndev);
    case CL_CONTEXT_DEVICES: return copy_info(size, value, size_ret, c->devs, c->ndev * sizeof(cl_device_id));
    case CL_CONTEXT_PROPERTIES: {
        cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)&g.platform, 0};
        return copy_info(size, value, size_ret, props, sizeof props);
    }
    default: return CL_INVALID_VALUE;
    }
}

/* ----------------------------------------------------------------- queues */

static cl_command_queue kr_create_queue(cl_context c, cl_device_id d, cl_command_queue_properties props,
                                        cl_int *errcode_ret)
{
    if (!obj_ok(c, KR_KIND_CONTEXT)) {
        SET_ERR(CL_INVALID_CONTEXT);
        return NULL;
    }
    int in_ctx = 0;
    for (cl_uint i = 0; i < c->ndev; i++)
        in_ctx |= c->devs[i] == d;
    if (!in_ctx) {
        SET_ERR(CL_INVALID_DEVICE);
        return NULL;
    }
    if (props & ~(cl_command_queue_properties)(CL_QUEUE_PROFILING_ENABLE | CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE)) {
        SET_ERR(CL_INVALID_VALUE);
        return NULL;
    }
    cl_command_queue q = obj_new(sizeof *q, KR_KIND_QUEUE);
    if (!q) {
        SET_ERR(CL_OUT_OF_HOST_MEMORY);
        return NULL;
    }
    q->ctx = c;
    q->dev = d;
    q->props = props;
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_CREATE_QUEUE);
    kr_put_u64(&g.batch, q->o.id);
    kr_put_u64(&g.batch, c->o.id);
    kr_put_u32(&g.batch, d->index);
    kr_put_u64(&g.batch, props);
    cl_int err = end_call(start);
    pthread_mutex_unlock(&g.lock);
    SET_ERR(err);
    if (err != CL_SUCCESS) {
        free(q);
        return NULL;
    }
    atomic_fetch_add(&c->o.refs, 1);
    return q;
}

static cl_command_queue kr_create_queue_with_properties(cl_context c, cl_device_id d, const cl_queue_properties *props,
                                                        cl_int *errcode_ret)
{
    cl_command_queue_properties flags = 0;
    for (const cl_queue_properties *p = props; p && p[0]; p += 2) {
        if (p[0] != CL_QUEUE_PROPERTIES) {
            SET_ERR(CL_INVALID_VALUE);
            return NULL;
        }
        flags = (cl_command_queue_properties)p[1];
    }
    return kr_create_queue(c, d, flags, errcode_ret);
}

static cl_int kr_retain_queue(cl_command_queue q)
{
    if (!obj_ok(q, KR_KIND_QUEUE))
        return CL_INVALID_COMMAND_QUEUE;
    atomic_fetch_add(&q->o.refs, 1);
    return CL_SUCCESS;
}

static cl_int kr_finish(cl_command_queue q);

static cl_int kr_release_queue(cl_command_queue q)
{
    if (!obj_ok(q, KR_KIND_QUEUE))
        return CL_INVALID_COMMAND_QUEUE;
    if (atomic_load(&q->o.refs) == 1 && q->completed < q->serial)
        kr_finish(q); /* the last release implies a flush; finishing keeps callbacks honest */
    if (obj_release(&q->o)) {
        cl_context c = q->ctx;
        free(q);
        kr_release_context(c);
    }
    return CL_SUCCESS;
}

static cl_int kr_get_queue_info(cl_command_queue q, cl_command_queue_info param, size_t size, void *value,
                                size_t *size_ret)
{
    if (!obj_ok(q, KR_KIND_QUEUE))
        return CL_INVALID_COMMAND_QUEUE;
    cl_uint u;
    switch (param) {
    case CL_QUEUE_CONTEXT: return copy_info(size, value, size_ret, &q->ctx, sizeof q->ctx);
    case CL_QUEUE_DEVICE: return copy_info(size, value, size_ret, &q->dev, sizeof q->dev);
    case CL_QUEUE_REFERENCE_COUNT: u = (cl_uint)atomic_load(&q->o.refs); return copy_info(size, value, size_ret, &u, sizeof u);
    case CL_QUEUE_PROPERTIES: return copy_info(size, value, size_ret, &q->props, sizeof q->props);
    default: return CL_INVALID_VALUE;
    }
}

static cl_int kr_flush(cl_command_queue q)
{
    if (!obj_ok(q, KR_KIND_QUEUE))
        return CL_INVALID_COMMAND_QUEUE;
    pthread_mutex_lock(&g.lock);
    cl_int err = ERR_GONE;
    if (!g.dead) {
        size_t start = begin(KR_OP_FLUSH);
        kr_put_u64(&g.batch, q->o.id);
        kr_frame_end(&g.batch, start);
        err = flush_batch();
    }
    pthread_mutex_unlock(&g.lock);
    return err;
}

static cl_int kr_finish(cl_command_queue q)
{
    if (!obj_ok(q, KR_KIND_QUEUE))
        return CL_INVALID_COMMAND_QUEUE;
    pthread_mutex_lock(&g.lock);
    uint64_t upto = q->serial;
    cl_int err;
    for (;;) {
        size_t start = begin(KR_OP_FINISH);
        kr_put_u64(&g.batch, q->o.id);
        if ((err = end_call(start)) != KR_STATUS_PENDING)
            break;
        let_others_in();
    }
    if (err != ERR_GONE && q->completed < upto)
        q->completed = upto;
    pthread_mutex_unlock(&g.lock);
    run_callbacks();
    return err;
}

/* Waits (one round trip) until q's earlier commands and the wait list are done; lock held. */
static cl_int sync_before_host_access(cl_command_queue q, cl_uint nw, const cl_event *wl)
{
    int need = q->completed < q->serial;
    for (cl_uint i = 0; i < nw; i++)
        need |= wl[i]->remote && event_known_status(wl[i]) > CL_COMPLETE;
    if (!need)
        return g.dead ? ERR_GONE : CL_SUCCESS;
    uint64_t upto = q->serial;
    cl_int err;
    uint32_t n;
    do {
        size_t start = begin(KR_OP_WAIT);
        kr_put_u64(&g.batch, q->o.id);
        size_t count_at = g.batch.len;
        err = put_wait_list(nw, wl, q->ctx);
        if (err != CL_SUCCESS) {
            g.batch.len = start;
            return err;
        }
        memcpy(&n, g.batch.data + count_at, 4);
        err = end_call(start);
    } while (err == KR_STATUS_PENDING && (let_others_in(), 1));
    if (err == CL_SUCCESS) {
        q->completed = upto;
        for (uint32_t i = 0; i < n; i++)
            if (kr_get_i32(&g.reply) < 0)
                err = CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST;
    }
    return err;
}

/* ---------------------------------------------------------------- buffers */

/*
 * Live buffers, so that a kernel argument whose qualifier the device does not
 * report can still be recognised as a buffer without dereferencing it.
 */
static struct {
    cl_mem *slots;
    size_t cap, count;
} g_mems;

static size_t mem_slot(cl_mem m, size_t cap) { return (size_t)(((uintptr_t)m >> 4) * 0x9e3779b97f4a7c15ull >> 7) & (cap - 1); }

/* lock held */
static int mem_registry_add(cl_mem m)
{
    if ((g_mems.count + 1) * 2 > g_mems.cap) {
        size_t cap = g_mems.cap ? g_mems.cap * 2 : 64;
        cl_mem *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t i = 0; i < g_mems.cap; i++)
            if (g_mems.slots[i]) {
                size_t j = mem_slot(g_mems.slots[i], cap);
                while (slots[j])
                    j = (j + 1) & (cap - 1);
                slots[j] = g_mems.slots[i];
            }
        free(g_mems.slots);
        g_mems.slots = slots;
        g_mems.cap = cap;
    }
    size_t i = mem_slot(m, g_mems.cap);
    while (g_mems.slots[i])
        i = (i + 1) & (g_mems.cap - 1);
    g_mems.slots[i] = m;
    g_mems.count++;
    return 0;
}

/* lock held */
static int mem_registry_has(cl_mem m)
{
    if (!g_mems.cap)
        return 0;
    for (size_t i = mem_slot(m, g_mems.cap); g_mems.slots[i]; i = (i + 1) & (g_mems.cap - 1))
        if (g_mems.slots[i] == m)
            return 1;
    return 0;
}

/* lock held; backward-shift deletion keeps probe chains whole */
static void mem_registry_remove(cl_mem m)
{
    if (!g_mems.cap)
        return;
    size_t i = mem_slot(m, g_mems.cap);
    while (g_mems.slots[i] && g_mems.slots[i] != m)
        i = (i + 1) & (g_mems.cap - 1);
    if (!g_mems.slots[i])
        return;
    g_mems.slots[i] = NULL;
    g_mems.count--;
    for (size_t j = (i + 1) & (g_mems.cap - 1); g_mems.slots[j]; j = (j + 1) & (g_mems.cap - 1)) {
        size_t home = mem_slot(g_mems.slots[j], g_mems.cap);
        int between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            g_mems.slots[i] = g_mems.slots[j];
            g_mems.slots[j] = NULL;
            i = j;
        }
    }
}

static cl_mem kr_create_buffer(cl_context c, cl_mem_flags flags, size_t size, void *host, cl_int *errcode_ret)
{
    const cl_mem_flags access = CL_MEM_READ_WRITE | CL_MEM_WRITE_ONLY | CL_MEM_READ_ONLY;
    const cl_mem_flags known = access | CL_MEM_USE_HOST_PTR | CL_MEM_ALLOC_HOST_PTR | CL_MEM_COPY_HOST_PTR |
                               CL_MEM_HOST_WRITE_ONLY | CL_MEM_HOST_READ_ONLY | CL_MEM_HOST_NO_ACCESS;
    if (!obj_ok(c, KR_KIND_CONTEXT)) {
        SET_ERR(CL_INVALID_CONTEXT);
        return NULL;
    }
    int uses_host = (flags & (CL_MEM_USE_HOST_PTR | CL_MEM_COPY_HOST_PTR)) != 0;
    if ((flags & ~known) || __builtin_popcountll(flags & access) > 1 ||
        ((flags & CL_MEM_USE_HOST_PTR) && (flags & (CL_MEM_COPY_HOST_PTR | CL_MEM_ALLOC_HOST_PTR))) ||
        uses_host != (host != NULL)) {
        SET_ERR(uses_host != (host != NULL) ? CL_INVALID_HOST_PTR : CL_INVALID_VALUE);
        return NULL;
    }
    cl_ulong max_alloc = 0;
    kr_get_device_info(c->devs[0], CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc, &max_alloc, NULL);
    if (size == 0 || (max_alloc && size > max_alloc)) {
        SET_ERR(CL_INVALID_BUFFER_SIZE);
        return NULL;
    }
    int fd = memfd_create("kiln-remote-buffer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    void *shared = MAP_FAILED;
    if (fd >= 0 && ftruncate(fd, (off_t)size) == 0 &&
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0)
        shared = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    cl_mem m = shared != MAP_FAILED ? obj_new(sizeof *m, KR_KIND_MEM) : NULL;
    if (!m) {
        if (shared != MAP_FAILED)
            munmap(shared, size);
        if (fd >= 0)
            close(fd);
        SET_ERR(CL_OUT_OF_HOST_MEMORY);
        return NULL;
    }
    m->ctx = c;
    m->flags = flags;
    m->size = size;
    m->shared = shared;
    if (flags & CL_MEM_USE_HOST_PTR)
        m->user_host = host;
    if (host)
        memcpy(shared, host, size);
    pthread_mutex_lock(&g.lock);
    cl_int err = flush_batch();
    if (err == CL_SUCCESS && mem_registry_add(m) != 0)
        err = CL_OUT_OF_HOST_MEMORY;
    if (err == CL_SUCCESS) {
        size_t start = begin(KR_OP_CREATE_BUFFER);
        kr_put_u64(&g.batch, m->o.id);
        kr_put_u64(&g.batch, c->o.id);
        kr_put_u64(&g.batch, flags);
        kr_put_u64(&g.batch, size);
        kr_frame_end(&g.batch, start);
        if (g.batch.failed || kr_send_all(g.sock, g.batch.data, g.batch.len, fd) != 0) {
            mark_dead();
            err = ERR_GONE;
        }
        g.batch.len = 0;
        if (err != CL_SUCCESS)
            mem_registry_remove(m);
    }
    pthread_mutex_unlock(&g.lock);
    close(fd);
    if (err != CL_SUCCESS) {
        munmap(shared, size);
        free(m);
        SET_ERR(err);
        return NULL;
    }
    atomic_fetch_add(&c->o.refs, 1);
    SET_ERR(CL_SUCCESS);
    return m;
}

static cl_int kr_retain_mem(cl_mem m)
{
    if (!obj_ok(m, KR_KIND_MEM))
        return CL_INVALID_MEM_OBJECT;
    atomic_fetch_add(&m->o.refs, 1);
    return CL_SUCCESS;
}

static cl_int kr_release_mem(cl_mem m)
{
    if (!obj_ok(m, KR_KIND_MEM))
        return CL_INVALID_MEM_OBJECT;
    if (obj_release(&m->o)) {
        pthread_mutex_lock(&g.lock);
        mem_registry_remove(m);
        pthread_mutex_unlock(&g.lock);
        for (struct mem_callback *cb = m->callbacks, *next; cb; cb = next) {
            next = cb->next;
            cb->fn(m, cb->user);
            free(cb);
        }
        for (struct map_record *r = m->maps, *next; r; r = next) {
            next = r->next;
            free(r);
        }
        if (m->parent)
            kr_release_mem(m->parent);
        else
            munmap(m->shared, m->size);
        cl_context c = m->ctx;
        free(m);
        kr_release_context(c);
    }
    return CL_SUCCESS;
}

/*
 * A sub-buffer shares its parent's shared pages (at origin) and, in the
 * daemon, is a real sub-buffer of the real parent, so every command on it
 * works as on any buffer. Flags it does not name are inherited.
 */
static cl_mem kr_create_sub_buffer(cl_mem parent, cl_mem_flags flags, cl_buffer_create_type type, const void *info,
                                   cl_int *errcode_ret)
{
    const cl_mem_flags access = CL_MEM_READ_WRITE | CL_MEM_WRITE_ONLY | CL_MEM_READ_ONLY;
    const cl_mem_flags host_access = CL_MEM_HOST_WRITE_ONLY | CL_MEM_HOST_READ_ONLY | CL_MEM_HOST_NO_ACCESS;
    const cl_mem_flags host_ptr = CL_MEM_USE_HOST_PTR | CL_MEM_ALLOC_HOST_PTR | CL_MEM_COPY_HOST_PTR;
    const cl_buffer_region *region = info;
    cl_int err = CL_SUCCESS;
    cl_uint align_bits = 0;
    if (!obj_ok(parent, KR_KIND_MEM) || parent->parent)
        err = CL_INVALID_MEM_OBJECT;
    else if ((flags & ~(access | host_access)) || __builtin_popcountll(flags & access) > 1 ||
             __builtin_popcountll(flags & host_access) > 1 || type != CL_BUFFER_CREATE_TYPE_REGION || !region)
        err = CL_INVALID_VALUE;
    else if (region->size == 0)
        err = CL_INVALID_BUFFER_SIZE;
    else if (region->origin > parent->size || region->size > parent->size - region->origin)
        err = CL_INVALID_VALUE;
    else if (kr_get_device_info(parent->ctx->devs[0], CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits, &align_bits,
                                NULL) == CL_SUCCESS && align_bits >= 8 && region->origin % (align_bits / 8))
        err = CL_MISALIGNED_SUB_BUFFER_OFFSET;
    cl_mem m = err == CL_SUCCESS ? obj_new(sizeof *m, KR_KIND_MEM) : NULL;
    if (err == CL_SUCCESS && !m)
        err = CL_OUT_OF_HOST_MEMORY;
    if (err != CL_SUCCESS) {
        SET_ERR(err);
        return NULL;
    }
    m->ctx = parent->ctx;
    m->flags = (flags & access ? flags & access : parent->flags & access) |
               (flags & host_access ? flags & host_access : parent->flags & host_access) | (parent->flags & host_ptr);
    m->size = region->size;
    m->shared = (char *)parent->shared + region->origin;
    m->user_host = parent->user_host ? (char *)parent->user_host + region->origin : NULL;
    m->parent = parent;
    m->origin = region->origin;
    pthread_mutex_lock(&g.lock);
    err = g.dead ? ERR_GONE : mem_registry_add(m) != 0 ? CL_OUT_OF_HOST_MEMORY : CL_SUCCESS;
    if (err == CL_SUCCESS) {
        size_t start = begin(KR_OP_CREATE_SUB_BUFFER);
        kr_put_u64(&g.batch, m->o.id);
        kr_put_u64(&g.batch, parent->o.id);
        kr_put_u64(&g.batch, m->flags & access);
        kr_put_u64(&g.batch, region->origin);
        kr_put_u64(&g.batch, region->size);
        end_async(start);
    }
    pthread_mutex_unlock(&g.lock);
    if (err != CL_SUCCESS) {
        free(m);
        SET_ERR(err);
        return NULL;
    }
    atomic_fetch_add(&parent->o.refs, 1);
    atomic_fetch_add(&m->ctx->o.refs, 1);
    SET_ERR(CL_SUCCESS);
    return m;
}

static cl_int kr_set_mem_destructor(cl_mem m, void(CL_CALLBACK *fn)(cl_mem, void *), void *user)
{
    if (!obj_ok(m, KR_KIND_MEM))
        return CL_INVALID_MEM_OBJECT;
    if (!fn)
        return CL_INVALID_VALUE;
    struct mem_callback *cb = malloc(sizeof *cb);
    if (!cb)
        return CL_OUT_OF_HOST_MEMORY;
    cb->fn = fn;
    cb->user = user;
    pthread_mutex_lock(&g.lock);
    cb->next = m->callbacks;
    m->callbacks = cb;
    pthread_mutex_unlock(&g.lock);
    return CL_SUCCESS;
}

static cl_int kr_get_mem_info(cl_mem m, cl_mem_info param, size_t size, void *value, size_t *size_ret)
{
    if (!obj_ok(m, KR_KIND_MEM))
        return CL_INVALID_MEM_OBJECT;
    cl_uint u;
    size_t zero = 0;
    void *none = NULL;
    cl_mem_object_type type = CL_MEM_OBJECT_BUFFER;
    switch (param) {
    case CL_MEM_TYPE: return copy_info(size, value, size_ret, &type, sizeof type);
    case CL_MEM_FLAGS: return copy_info(size, value, size_ret, &m->flags, sizeof m->flags);
    case CL_MEM_SIZE: return copy_info(size, value, size_ret, &m->size, sizeof m->size);
    case CL_MEM_HOST_PTR: return copy_info(size, value, size_ret, &m->user_host, sizeof m->user_host);
    case CL_MEM_MAP_COUNT: return copy_info(size, value, size_ret, &m->map_count, sizeof m->map_count);
    case CL_MEM_REFERENCE_COUNT: u = (cl_uint)atomic_load(&m->o.refs); return copy_info(size, value, size_ret, &u, sizeof u);
    case CL_MEM_CONTEXT: return copy_info(size, value, size_ret, &m->ctx, sizeof m->ctx);
    case CL_MEM_ASSOCIATED_MEMOBJECT:
        return copy_info(size, value, size_ret, m->parent ? (void *)&m->parent : (void *)&none, sizeof none);
    case CL_MEM_OFFSET: return copy_info(size, value, size_ret, m->parent ? &m->origin : &zero, sizeof zero);
    default: return CL_INVALID_VALUE;
    }
}

/* Common checks of a buffer command; fills *err and returns 0 when invalid. */
static int check_buffer_cmd(cl_command_queue q, cl_mem m, size_t off, size_t size, cl_int *err)
{
    if (!obj_ok(q, KR_KIND_QUEUE))
        *err = CL_INVALID_COMMAND_QUEUE;
    else if (!obj_ok(m, KR_KIND_MEM))
        *err = CL_INVALID_MEM_OBJECT;
    else if (m->ctx != q->ctx)
        *err = CL_INVALID_CONTEXT;
    else if (size == 0 || off > m->size || size > m->size - off)
        *err = CL_INVALID_VALUE;
    else
        return 1;
    return 0;
}

/* Copy mode only: a blocking transfer between the shared mapping and the device; lock held. */
static cl_int transfer(uint32_t op, cl_command_queue q, cl_mem m, size_t off, size_t size)
{
    size_t start = begin(op);
    kr_put_u64(&g.batch, q->o.id);
    kr_put_u64(&g.batch, m->o.id);
    kr_put_u64(&g.batch, off);
    kr_put_u64(&g.batch, size);
    cl_int err = end_call(start);
    if (err == CL_SUCCESS)
        q->completed = q->serial;
    return err;
}

static int pipelined(size_t size)
{
    return !g.in_place && g.chunk && size / g.chunk >= CHUNK_MIN_CHUNKS;
}

/*
 * Copy mode: src's size bytes into the buffer at off, through the shared
 * pages; lock held. Pipelined: each chunk but the last is copied into the
 * shared pages and announced at once (HOST_TO_DEVICE_CHUNK, no reply), so the
 * daemon's device copy of chunk k runs while chunk k+1 is copied here; the
 * last chunk goes as a blocking HOST_TO_DEVICE, whose reply covers them all.
 */
static cl_int write_through(cl_command_queue q, cl_mem m, size_t off, size_t size, const void *src)
{
    const char *from = src;
    char *to = (char *)m->shared + off;
    size_t done = 0;
    if (pipelined(size)) {
        for (; size - done > g.chunk; done += g.chunk) {
            memcpy(to + done, from + done, g.chunk);
            size_t start = begin(KR_OP_HOST_TO_DEVICE_CHUNK);
            kr_put_u64(&g.batch, q->o.id);
            kr_put_u64(&g.batch, m->o.id);
            kr_put_u64(&g.batch, off + done);
            kr_put_u64(&g.batch, g.chunk);
            kr_frame_end(&g.batch, start);
            cl_int err = flush_batch();
            if (err != CL_SUCCESS)
                return err;
        }
    }
    memcpy(to + done, from + done, size - done);
    return transfer(KR_OP_HOST_TO_DEVICE, q, m, off + done, size - done);
}

/*
 * Copy mode: the buffer's size bytes at off into dst, through the shared
 * pages; lock held. Pipelined: one DEVICE_TO_HOST_CHUNKED request, then a
 * reply per chunk (status, bytes ready from the start); each chunk is copied
 * out here while the daemon reads the next one from the device.
 */
static cl_int read_through(cl_command_queue q, cl_mem m, size_t off, size_t size, void *dst)
{
    const char *from = (const char *)m->shared + off;
    if (!pipelined(size)) {
        cl_int err = transfer(KR_OP_DEVICE_TO_HOST, q, m, off, size);
        if (err == CL_SUCCESS)
            memcpy(dst, from, size);
        return err;
    }
    size_t start = begin(KR_OP_DEVICE_TO_HOST_CHUNKED);
    kr_put_u64(&g.batch, q->o.id);
    kr_put_u64(&g.batch, m->o.id);
    kr_put_u64(&g.batch, off);
    kr_put_u64(&g.batch, size);
    kr_put_u64(&g.batch, g.chunk);
    kr_frame_end(&g.batch, start);
    uint64_t seq = g.seq;
    cl_int err = flush_batch();
    size_t copied = 0;
    while (err == CL_SUCCESS && copied < size) {
        struct kr_header h;
        const uint8_t *payload;
        if (kr_conn_read_frame(&g.conn, &h, &payload) != 1 || h.seq != seq ||
            h.opcode != (KR_OP_DEVICE_TO_HOST_CHUNKED | KR_REPLY_BIT)) {
            mark_dead();
            return ERR_GONE;
        }
        kr_reader_init(&g.reply, payload, h.length);
        cl_int status = kr_get_i32(&g.reply);
        uint64_t ready = kr_get_u64(&g.reply);
        if (!kr_reader_done(&g.reply) || (status == CL_SUCCESS && (ready <= copied || ready > size))) {
            mark_dead(); /* progress must move forward inside the request */
            return ERR_GONE;
        }
        if (status != CL_SUCCESS)
            return status; /* the daemon's last frame for this request */
        memcpy((char *)dst + copied, from + copied, (size_t)ready - copied);
        copied = (size_t)ready;
    }
    if (err == CL_SUCCESS)
        q->completed = q->serial;
    return err;
}

static cl_int kr_rw_buffer(cl_command_queue q, cl_mem m, int write, size_t off, size_t size, void *ptr, cl_uint nw,
                           const cl_event *wl, cl_event *event)
{
    cl_int err = CL_SUCCESS;
    if (!check_buffer_cmd(q, m, off, size, &err))
        return err;
    if (!ptr)
        return CL_INVALID_VALUE;
    if ((nw == 0) != (wl == NULL))
        return CL_INVALID_EVENT_WAIT_LIST;
    cl_ulong t0 = now_ns();
    pthread_mutex_lock(&g.lock);
    /* Non-blocking transfers complete before returning: allowed, and it needs no staging copy. */
    err = sync_before_host_access(q, nw, wl);
    if (err == CL_SUCCESS) {
        if (g.in_place && write)
            memcpy((char *)m->shared + off, ptr, size);
        else if (g.in_place)
            memcpy(ptr, (char *)m->shared + off, size);
        else
            err = write ? write_through(q, m, off, size, ptr) : read_through(q, m, off, size, ptr);
    }
    pthread_mutex_unlock(&g.lock);
    if (err == CL_SUCCESS && event && !(*event = event_local_complete(q, write ? CL_COMMAND_WRITE_BUFFER
                                                                               : CL_COMMAND_READ_BUFFER, t0)))
        err = CL_OUT_OF_HOST_MEMORY;
    return err;
}

static cl_int kr_read_buffer(cl_command_queue q, cl_mem m, cl_bool blocking, size_t off, size_t size, void *ptr,
                             cl_uint nw, const cl_event *wl, cl_event *ev)
{
    (void)blocking;
    return kr_rw_buffer(q, m, 0, off, size, ptr, nw, wl, ev);
}

static cl_int kr_write_buffer(cl_command_queue q, cl_mem m, cl_bool blocking, size_t off, size_t size,
                              const void *ptr, cl_uint nw, const cl_event *wl, cl_event *ev)
{
    (void)blocking;
    return kr_rw_buffer(q, m, 1, off, size, (void *)ptr, nw, wl, ev);
}

/* Queues an asynchronous command's tail (event id) and its client event; lock held. */
static cl_int enqueue_tail(cl_command_queue q, size_t start, cl_command_type type, cl_event *event)
{
    cl_event e = NULL;
    if (event) {
        e = event_new(q->ctx, q, type);
        if (!e) {
            g.batch.len = start;
            return CL_OUT_OF_HOST_MEMORY;
        }
        e->remote = 1;
    }
    kr_put_u64(&g.batch, e ? e->o.id : 0);
    end_async(start);
    q->serial++;
    if (e) {
        e->serial = q->serial;
        *event = e;
    }
    return g.dead ? ERR_GONE : CL_SUCCESS;
}

static cl_int kr_copy_buffer(cl_command_queue q, cl_mem src, cl_mem dst, size_t so, size_t dof, size_t size,
                             cl_uint nw, const cl_event *wl, cl_event *event)
{
    cl_int err = CL_SUCCESS;
    if (!check_buffer_cmd(q, src, so, size, &err) || !check_buffer_cmd(q, dst, dof, size, &err))
        return err;
    if (src == dst && so < dof + size && dof < so + size)
        return CL_MEM_COPY_OVERLAP;
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_COPY_BUFFER);
    kr_put_u64(&g.batch, q->o.id);
    kr_put_u64(&g.batch, src->o.id);
    kr_put_u64(&g.batch, dst->o.id);
    kr_put_u64(&g.batch, so);
    kr_put_u64(&g.batch, dof);
    kr_put_u64(&g.batch, size);
    err = put_wait_list(nw, wl, q->ctx);
    if (err == CL_SUCCESS)
        err = enqueue_tail(q, start, CL_COMMAND_COPY_BUFFER, event);
    else
        g.batch.len = start;
    pthread_mutex_unlock(&g.lock);
    return err;
}

/* ------------------------------------------------- rectangular transfers */

static void rect_set(struct kr_rect *r, const size_t *origin, const size_t *region, size_t row_pitch,
                     size_t slice_pitch)
{
    for (int i = 0; i < 3; i++) {
        r->origin[i] = origin[i];
        r->region[i] = region[i];
    }
    r->row_pitch = row_pitch;
    r->slice_pitch = slice_pitch;
}

/*
 * Whether two rectangles of one buffer with the same pitches share a byte:
 * their boxes in (byte in row, row, slice) intersect. A box that runs past the
 * end of its row is judged by its span alone.
 */
static int rect_overlap(const struct kr_rect *a, uint64_t a_first, uint64_t a_end, const struct kr_rect *b,
                        uint64_t b_first, uint64_t b_end)
{
    if (a_first >= b_end || b_first >= a_end)
        return 0;
    uint64_t at[3] = {a_first % a->row_pitch, a_first % a->slice_pitch / a->row_pitch, a_first / a->slice_pitch};
    uint64_t bt[3] = {b_first % b->row_pitch, b_first % b->slice_pitch / b->row_pitch, b_first / b->slice_pitch};
    if (at[0] + a->region[0] > a->row_pitch || bt[0] + b->region[0] > b->row_pitch ||
        at[1] + a->region[1] > a->slice_pitch / a->row_pitch || bt[1] + b->region[1] > b->slice_pitch / b->row_pitch)
        return 1;
    for (int i = 0; i < 3; i++)
        if (at[i] >= bt[i] + b->region[i] || bt[i] >= at[i] + a->region[i])
            return 0;
    return 1;
}

static cl_int kr_copy_buffer_rect(cl_command_queue q, cl_mem src, cl_mem dst, const size_t *so, const size_t *dof,
                                  const size_t *region, size_t src_row, size_t src_slice, size_t dst_row,
                                  size_t dst_slice, cl_uint nw, const cl_event *wl, cl_event *event)
{
    cl_int err = CL_SUCCESS;
    if (!check_buffer_cmd(q, src, 0, 1, &err) || !check_buffer_cmd(q, dst, 0, 1, &err))
        return err;
    if (!so || !dof || !region)
        return CL_INVALID_VALUE;
    struct kr_rect from, to;
    uint64_t f0, f1, t0, t1;
    rect_set(&from, so, region, src_row, src_slice);
    rect_set(&to, dof, region, dst_row, dst_slice);
    if (kr_rect_span(&from, src->size, &f0, &f1) != 0 || kr_rect_span(&to, dst->size, &t0, &t1) != 0)
        return CL_INVALID_VALUE;
    if (src == dst && (from.row_pitch != to.row_pitch || from.slice_pitch != to.slice_pitch))
        return CL_INVALID_VALUE;
    if (src == dst && rect_overlap(&from, f0, f1, &to, t0, t1))
        return CL_MEM_COPY_OVERLAP;
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_COPY_BUFFER_RECT);
    kr_put_u64(&g.batch, q->o.id);
    kr_put_u64(&g.batch, src->o.id);
    kr_put_u64(&g.batch, dst->o.id);
    for (int i = 0; i < 3; i++)
        kr_put_u64(&g.batch, region[i]);
    const struct kr_rect *sides[2] = {&from, &to};
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 3; i++)
            kr_put_u64(&g.batch, sides[k]->origin[i]);
        kr_put_u64(&g.batch, sides[k]->row_pitch);
        kr_put_u64(&g.batch, sides[k]->slice_pitch);
    }
    err = put_wait_list(nw, wl, q->ctx);
    if (err == CL_SUCCESS)
        err = enqueue_tail(q, start, CL_COMMAND_COPY_BUFFER_RECT, event);
    else
        g.batch.len = start;
    pthread_mutex_unlock(&g.lock);
    return err;
}

/* Copies the rows of a rectangle between the buffer's shared pages and host memory. */
static void copy_rows(char *shared, const struct kr_rect *b, uint64_t b_first, char *host, const struct kr_rect *h,
                      uint64_t h_first, int write)
{
    for (uint64_t z = 0; z < b->region[2]; z++)
        for (uint64_t y = 0; y < b->region[1]; y++) {
            char *dev = shared + b_first + z * b->slice_pitch + y * b->row_pitch;
            char *mem = host + h_first + z * h->slice_pitch + y * h->row_pitch;
            memcpy(write ? dev : mem, write ? mem : dev, (size_t)b->region[0]);
        }
}

/*
 * clEnqueueReadBufferRect and clEnqueueWriteBufferRect, done here on the shared
 * pages like any read or write. Copy mode first brings the rectangle's whole
 * span from the device (a write keeps the bytes between its rows), and a
 * write sends the span back.
 */
static cl_int kr_rw_buffer_rect(cl_command_queue q, cl_mem m, int write, const size_t *bo, const size_t *ho,
                                const size_t *region, size_t b_row, size_t b_slice, size_t h_row, size_t h_slice,
                                void *ptr, cl_uint nw, const cl_event *wl, cl_event *event)
{
    cl_int err = CL_SUCCESS;
    if (!check_buffer_cmd(q, m, 0, 1, &err))
        return err;
    if (!bo || !ho || !region || !ptr)
        return CL_INVALID_VALUE;
    if ((nw == 0) != (wl == NULL))
        return CL_INVALID_EVENT_WAIT_LIST;
    struct kr_rect b, h;
    uint64_t b_first, b_end, h_first, h_end;
    rect_set(&b, bo, region, b_row, b_slice);
    rect_set(&h, ho, region, h_row, h_slice);
    if (kr_rect_span(&b, m->size, &b_first, &b_end) != 0 || kr_rect_span(&h, UINT64_MAX, &h_first, &h_end) != 0)
        return CL_INVALID_VALUE;
    cl_ulong t0 = now_ns();
    pthread_mutex_lock(&g.lock);
    err = sync_before_host_access(q, nw, wl);
    if (err == CL_SUCCESS && !g.in_place)
        err = transfer(KR_OP_DEVICE_TO_HOST, q, m, (size_t)b_first, (size_t)(b_end - b_first));
    if (err == CL_SUCCESS)
        copy_rows(m->shared, &b, b_first, ptr, &h, h_first, write);
    if (err == CL_SUCCESS && !g.in_place && write)
        err = transfer(KR_OP_HOST_TO_DEVICE, q, m, (size_t)b_first, (size_t)(b_end - b_first));
    pthread_mutex_unlock(&g.lock);
    cl_command_type type = write ? CL_COMMAND_WRITE_BUFFER_RECT : CL_COMMAND_READ_BUFFER_RECT;
    if (err == CL_SUCCESS && event && !(*event = event_local_complete(q, type, t0)))
        err = CL_OUT_OF_HOST_MEMORY;
    return err;
}

static cl_int kr_read_buffer_rect(cl_command_queue q, cl_mem m, cl_bool blocking, const size_t *bo, const size_t *ho,
                                  const size_t *region, size_t b_row, size_t b_slice, size_t h_row, size_t h_slice,
                                  void *ptr, cl_uint nw, const cl_event *wl, cl_event *event)
{
    (void)blocking;
    return kr_rw_buffer_rect(q, m, 0, bo, ho, region, b_row, b_slice, h_row, h_slice, ptr, nw, wl, event);
}

static cl_int kr_write_buffer_rect(cl_command_queue q, cl_mem m, cl_bool blocking, const size_t *bo,
                                   const size_t *ho, const size_t *region, size_t b_row, size_t b_slice,
                                   size_t h_row, size_t h_slice, const void *ptr, cl_uint nw, const cl_event *wl,
                                   cl_event *event)
{
    (void)blocking;
    return kr_rw_buffer_rect(q, m, 1, bo, ho, region, b_row, b_slice, h_row, h_slice, (void *)ptr, nw, wl, event);
}

static cl_int kr_fill_buffer(cl_command_queue q, cl_mem m, const void *pattern, size_t psize, size_t off,
                             size_t size, cl_uint nw, const cl_event *wl, cl_event *event)
{
    cl_int err = CL_SUCCESS;
    if (!check_buffer_cmd(q, m, off, size, &err))
        return err;
    if (!pattern || psize == 0 || psize > 128 || (psize & (psize - 1)) || off % psize || size % psize)
        return CL_INVALID_VALUE;
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_FILL_BUFFER);
    kr_put_u64(&g.batch, q->o.id);
    kr_put_u64(&g.batch, m->o.id);
    kr_put_blob(&g.batch, pattern, psize);
    kr_put_u64(&g.batch, off);
    kr_put_u64(&g.batch, size);
    err = put_wait_list(nw, wl, q->ctx);
    if (err == CL_SUCCESS)
        err = enqueue_tail(q, start, CL_COMMAND_FILL_BUFFER, event);
    else
        g.batch.len = start;
    pthread_mutex_unlock(&g.lock);
    return err;
}

static void *kr_map_buffer(cl_command_queue q, cl_mem m, cl_bool blocking, cl_map_flags flags, size_t off,
                           size_t size, cl_uint nw, const cl_event *wl, cl_event *event, cl_int *errcode_ret)
{
    (void)blocking;
    cl_int err = CL_SUCCESS;
    if (!check_buffer_cmd(q, m, off, size, &err) || (nw == 0) != (wl == NULL)) {
        SET_ERR(err == CL_SUCCESS ? CL_INVALID_EVENT_WAIT_LIST : err);
        return NULL;
    }
    struct map_record *rec = malloc(sizeof *rec);
    if (!rec) {
        SET_ERR(CL_OUT_OF_HOST_MEMORY);
        return NULL;
    }
    cl_ulong t0 = now_ns();
    pthread_mutex_lock(&g.lock);
    err = sync_before_host_access(q, nw, wl);
    /* With the application's memory behind the buffer, the copy into it can overlap the device's. */
    int copied = 0;
    if (err == CL_SUCCESS && !g.in_place && !(flags & CL_MAP_WRITE_INVALIDATE_REGION)) {
        if (m->user_host) {
            err = read_through(q, m, off, size, (char *)m->user_host + off);
            copied = 1;
        } else {
            err = transfer(KR_OP_DEVICE_TO_HOST, q, m, off, size);
        }
    }
    void *ptr = NULL;
    if (err == CL_SUCCESS) {
        ptr = (char *)m->shared + off;
        if (m->user_host) {
            ptr = (char *)m->user_host + off;
            if (!copied)
                memcpy(ptr, (char *)m->shared + off, size);
        }
        rec->ptr = ptr;
        rec->offset = off;
        rec->size = size;
        rec->flags = flags;
        rec->next = m->maps;
        m->maps = rec;
        m->map_count++;
    }
    pthread_mutex_unlock(&g.lock);
    if (err != CL_SUCCESS) {
        free(rec);
        SET_ERR(err);
        return NULL;
    }
    if (event)
        *event = event_local_complete(q, CL_COMMAND_MAP_BUFFER, t0);
    SET_ERR(CL_SUCCESS);
    return ptr;
}

static cl_int kr_unmap(cl_command_queue q, cl_mem m, void *ptr, cl_uint nw, const cl_event *wl, cl_event *event)
{
    cl_int err = CL_SUCCESS;
    if (!obj_ok(q, KR_KIND_QUEUE))
        return CL_INVALID_COMMAND_QUEUE;
    if (!obj_ok(m, KR_KIND_MEM))
        return CL_INVALID_MEM_OBJECT;
    if ((nw == 0) != (wl == NULL))
        return CL_INVALID_EVENT_WAIT_LIST;
    cl_ulong t0 = now_ns();
    pthread_mutex_lock(&g.lock);
    struct map_record **pp = &m->maps;
    while (*pp && (*pp)->ptr != ptr)
        pp = &(*pp)->next;
    struct map_record *rec = *pp;
    if (!rec) {
        pthread_mutex_unlock(&g.lock);
        return CL_INVALID_VALUE;
    }
    *pp = rec->next;
    m->map_count--;
    int wrote = (rec->flags & (CL_MAP_WRITE | CL_MAP_WRITE_INVALIDATE_REGION)) != 0;
    if (wrote && m->user_host && !g.in_place)
        err = write_through(q, m, rec->offset, rec->size, rec->ptr);
    else if (wrote && m->user_host)
        memcpy((char *)m->shared + rec->offset, rec->ptr, rec->size);
    else if (wrote && !g.in_place)
        err = transfer(KR_OP_HOST_TO_DEVICE, q, m, rec->offset, rec->size);
    pthread_mutex_unlock(&g.lock);
    free(rec);
    if (err == CL_SUCCESS && event)
        *event = event_local_complete(q, CL_COMMAND_UNMAP_MEM_OBJECT, t0);
    return err;
}

static cl_int kr_migrate(cl_command_queue q, cl_uint n, const cl_mem *mems, cl_mem_migration_flags flags,
                         cl_uint nw, const cl_event *wl, cl_event *event);

/* --------------------------------------------------------------- programs */

static cl_program program_new(cl_context c)
{
    cl_program p = obj_new(sizeof *p, KR_KIND_PROGRAM);
    if (p)
        p->ctx = c;
    return p;
}

static cl_program program_created(cl_program p, cl_int err, cl_int *errcode_ret)
{
    SET_ERR(err);
    if (err != CL_SUCCESS) {
        free(p->source);
        free(p);
        return NULL;
    }
    atomic_fetch_add(&p->ctx->o.refs, 1);
    return p;
}

static cl_program kr_create_program_source(cl_context c, cl_uint count, const char **strings, const size_t *lengths,
                                           cl_int *errcode_ret)
{
    if (!obj_ok(c, KR_KIND_CONTEXT)) {
        SET_ERR(CL_INVALID_CONTEXT);
        return NULL;
    }
    if (count == 0 || !strings) {
        SET_ERR(CL_INVALID_VALUE);
        return NULL;
    }
    size_t total = 0;
    for (cl_uint i = 0; i < count; i++) {
        if (!strings[i]) {
            SET_ERR(CL_INVALID_VALUE);
            return NULL;
        }
        total += lengths && lengths[i] ? lengths[i] : strlen(strings[i]);
    }
    cl_program p = program_new(c);
    char *src = p ? malloc(total + 1) : NULL;
    if (!src) {
        free(p);
        SET_ERR(CL_OUT_OF_HOST_MEMORY);
        return NULL;
    }
    size_t at = 0;
    for (cl_uint i = 0; i < count; i++) {
        size_t len = lengths && lengths[i] ? lengths[i] : strlen(strings[i]);
        memcpy(src + at, strings[i], len);
        at += len;
    }
    src[total] = 0;
    p->source = src;
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_CREATE_PROGRAM_SOURCE);
    kr_put_u64(&g.batch, p->o.id);
    kr_put_u64(&g.batch, c->o.id);
    kr_put_blob(&g.batch, src, total);
    cl_int err = end_call(start);
    pthread_mutex_unlock(&g.lock);
    return program_created(p, err, errcode_ret);
}

static cl_program kr_create_program_binary(cl_context c, cl_uint n, const cl_device_id *devs, const size_t *lengths,
                                           const unsigned char **bins, cl_int *status, cl_int *errcode_ret)
{
    if (!obj_ok(c, KR_KIND_CONTEXT)) {
        SET_ERR(CL_INVALID_CONTEXT);
        return NULL;
    }
    if (n == 0 || n > MAX_DEVICES || !devs || !lengths || !bins) {
        SET_ERR(CL_INVALID_VALUE);
        return NULL;
    }
    for (cl_uint i = 0; i < n; i++) {
        if (!device_ok(devs[i])) {
            SET_ERR(CL_INVALID_DEVICE);
            return NULL;
        }
        if (!bins[i] || lengths[i] == 0) {
            SET_ERR(CL_INVALID_VALUE);
            return NULL;
        }
    }
    cl_program p = program_new(c);
    if (!p) {
        SET_ERR(CL_OUT_OF_HOST_MEMORY);
        return NULL;
    }
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_CREATE_PROGRAM_BINARY);
    kr_put_u64(&g.batch, p->o.id);
    kr_put_u64(&g.batch, c->o.id);
    kr_put_u32(&g.batch, n);
    for (cl_uint i = 0; i < n; i++) {
        kr_put_u32(&g.batch, devs[i]->index);
        kr_put_blob(&g.batch, bins[i], lengths[i]);
    }
    cl_int err = end_call(start);
    for (cl_uint i = 0; i < n && err != ERR_GONE; i++) {
        cl_int st = kr_get_i32(&g.reply);
        if (status)
            status[i] = st;
    }
    pthread_mutex_unlock(&g.lock);
    return program_created(p, err, errcode_ret);
}

static cl_int kr_retain_program(cl_program p)
{
    if (!obj_ok(p, KR_KIND_PROGRAM))
        return CL_INVALID_PROGRAM;
    atomic_fetch_add(&p->o.refs, 1);
    return CL_SUCCESS;
}

static cl_int kr_release_program(cl_program p)
{
    if (!obj_ok(p, KR_KIND_PROGRAM))
        return CL_INVALID_PROGRAM;
    if (obj_release(&p->o)) {
        cl_context c = p->ctx;
        free(p->source);
        free(p);
        kr_release_context(c);
    }
    return CL_SUCCESS;
}

#define MAX_LINK_INPUTS 64u

/* Checks a device list as clBuildProgram, clCompileProgram and clLinkProgram do. */
static cl_int check_build_devices(cl_uint n, const cl_device_id *devs, void(CL_CALLBACK *notify)(cl_program, void *),
                                  void *user)
{
    if ((n == 0) != (devs == NULL) || n > MAX_DEVICES || (!notify && user))
        return CL_INVALID_VALUE;
    for (cl_uint i = 0; i < n; i++)
        if (!device_ok(devs[i]))
            return CL_INVALID_DEVICE;
    return CL_SUCCESS;
}

/* Writes a build request's device list and options; lock held. */
static void put_build_request(cl_uint n, const cl_device_id *devs, const char *options)
{
    kr_put_u32(&g.batch, n);
    for (cl_uint i = 0; i < n; i++)
        kr_put_u32(&g.batch, devs[i]->index);
    kr_put_blob(&g.batch, options ? options : "", options ? strlen(options) : 0);
}

static cl_int check_programs(cl_uint n, const cl_program *progs, const char **names)
{
    if ((n == 0) != (progs == NULL) || n > MAX_LINK_INPUTS)
        return CL_INVALID_VALUE;
    for (cl_uint i = 0; i < n; i++) {
        if (!obj_ok(progs[i], KR_KIND_PROGRAM))
            return CL_INVALID_PROGRAM;
        if (names && !names[i])
            return CL_INVALID_VALUE;
    }
    return CL_SUCCESS;
}

/* BUILD_PROGRAM, or COMPILE_PROGRAM with its headers (nh of them), then the application's callback. */
static cl_int program_request(uint32_t op, cl_program p, cl_uint n, const cl_device_id *devs, const char *options,
                              cl_uint nh, const cl_program *headers, const char **names,
                              void(CL_CALLBACK *notify)(cl_program, void *), void *user)
{
    pthread_mutex_lock(&g.lock);
    size_t start = begin(op);
    kr_put_u64(&g.batch, p->o.id);
    put_build_request(n, devs, options);
    if (op == KR_OP_COMPILE_PROGRAM) {
        kr_put_u32(&g.batch, nh);
        for (cl_uint i = 0; i < nh; i++) {
            kr_put_u64(&g.batch, headers[i]->o.id);
            kr_put_blob(&g.batch, names[i], strlen(names[i]));
        }
    }
    cl_int err = end_call(start);
    pthread_mutex_unlock(&g.lock);
    if (notify)
        notify(p, user);
    return err;
}

static cl_int kr_build_program(cl_program p, cl_uint n, const cl_device_id *devs, const char *options,
                               void(CL_CALLBACK *notify)(cl_program, void *), void *user)
{
    if (!obj_ok(p, KR_KIND_PROGRAM))
        return CL_INVALID_PROGRAM;
    cl_int err = check_build_devices(n, devs, notify, user);
    return err != CL_SUCCESS ? err : program_request(KR_OP_BUILD_PROGRAM, p, n, devs, options, 0, NULL, NULL, notify, user);
}

static cl_int kr_compile_program(cl_program p, cl_uint n, const cl_device_id *devs, const char *options, cl_uint nh,
                                 const cl_program *headers, const char **names,
                                 void(CL_CALLBACK *notify)(cl_program, void *), void *user)
{
    if (!obj_ok(p, KR_KIND_PROGRAM))
        return CL_INVALID_PROGRAM;
    cl_int err = check_build_devices(n, devs, notify, user);
    if (err == CL_SUCCESS && nh && !names)
        err = CL_INVALID_VALUE;
    if (err == CL_SUCCESS)
        err = check_programs(nh, headers, names);
    if (err != CL_SUCCESS)
        return err;
    return program_request(KR_OP_COMPILE_PROGRAM, p, n, devs, options, nh, headers, names, notify, user);
}

static cl_program kr_link_program(cl_context c, cl_uint n, const cl_device_id *devs, const char *options, cl_uint np,
                                  const cl_program *inputs, void(CL_CALLBACK *notify)(cl_program, void *), void *user,
                                  cl_int *errcode_ret)
{
    cl_int err = !obj_ok(c, KR_KIND_CONTEXT) ? CL_INVALID_CONTEXT : check_build_devices(n, devs, notify, user);
    if (err == CL_SUCCESS)
        err = np == 0 ? CL_INVALID_VALUE : check_programs(np, inputs, NULL);
    cl_program p = err == CL_SUCCESS ? program_new(c) : NULL;
    if (err == CL_SUCCESS && !p)
        err = CL_OUT_OF_HOST_MEMORY;
    if (err != CL_SUCCESS) {
        SET_ERR(err);
        return NULL;
    }
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_LINK_PROGRAM);
    kr_put_u64(&g.batch, p->o.id);
    kr_put_u64(&g.batch, c->o.id);
    put_build_request(n, devs, options);
    kr_put_u32(&g.batch, np);
    for (cl_uint i = 0; i < np; i++)
        kr_put_u64(&g.batch, inputs[i]->o.id);
    err = end_call(start);
    pthread_mutex_unlock(&g.lock);
    p = program_created(p, err, errcode_ret);
    if (p && notify)
        notify(p, user);
    return p;
}

static cl_int kr_get_program_info(cl_program p, cl_program_info param, size_t size, void *value, size_t *size_ret)
{
    if (!obj_ok(p, KR_KIND_PROGRAM))
        return CL_INVALID_PROGRAM;
    cl_uint u;
    switch (param) {
    case CL_PROGRAM_REFERENCE_COUNT: u = (cl_uint)atomic_load(&p->o.refs); return copy_info(size, value, size_ret, &u, sizeof u);
    case CL_PROGRAM_CONTEXT: return copy_info(size, value, size_ret, &p->ctx, sizeof p->ctx);
    case CL_PROGRAM_NUM_DEVICES: return copy_info(size, value, size_ret, &p->ctx->ndev, sizeof(cl_uint));
    case CL_PROGRAM_DEVICES: return copy_info(size, value, size_ret, p->ctx->devs, p->ctx->ndev * sizeof(cl_device_id));
    case CL_PROGRAM_SOURCE: return copy_info(size, value, size_ret, p->source ? p->source : "", p->source ? strlen(p->source) + 1 : 1);
    default: break;
    }
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_PROGRAM_INFO);
    kr_put_u64(&g.batch, p->o.id);
    kr_put_u32(&g.batch, param);
    cl_int err = end_call(start);
    if (param != CL_PROGRAM_BINARIES) {
        err = reply_info(err, size, value, size_ret);
    } else if (err == CL_SUCCESS) {
        /* value is an array of caller-allocated pointers, one per device. */
        uint32_t n = kr_get_u32(&g.reply);
        if (size_ret)
            *size_ret = n * sizeof(unsigned char *);
        if (value && size < n * sizeof(unsigned char *))
            err = CL_INVALID_VALUE;
        for (uint32_t i = 0; i < n && err == CL_SUCCESS; i++) {
            size_t len;
            const void *bin = kr_get_blob(&g.reply, &len, KR_FRAME_MAX_PAYLOAD);
            unsigned char *dst = value ? ((unsigned char **)value)[i] : NULL;
            if (g.reply.bad)
                err = ERR_GONE;
            else if (dst)
                memcpy(dst, bin, len);
        }
    }
    pthread_mutex_unlock(&g.lock);
    return err;
}

static cl_int kr_get_program_build_info(cl_program p, cl_device_id d, cl_program_build_info param, size_t size,
                                        void *value, size_t *size_ret)
{
    if (!obj_ok(p, KR_KIND_PROGRAM))
        return CL_INVALID_PROGRAM;
    if (!device_ok(d))
        return CL_INVALID_DEVICE;
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_PROGRAM_BUILD_INFO);
    kr_put_u64(&g.batch, p->o.id);
    kr_put_u32(&g.batch, d->index);
    kr_put_u32(&g.batch, param);
    cl_int err = reply_info(end_call(start), size, value, size_ret);
    pthread_mutex_unlock(&g.lock);
    return err;
}

/* ---------------------------------------------------------------- kernels */

static cl_kernel kr_create_kernel(cl_program p, const char *name, cl_int *errcode_ret)
{
    if (!obj_ok(p, KR_KIND_PROGRAM)) {
        SET_ERR(CL_INVALID_PROGRAM);
        return NULL;
    }
    if (!name || strlen(name) > 4096) {
        SET_ERR(CL_INVALID_VALUE);
        return NULL;
    }
    cl_kernel k = obj_new(sizeof *k, KR_KIND_KERNEL);
    if (!k || !(k->name = strdup(name))) {
        free(k);
        SET_ERR(CL_OUT_OF_HOST_MEMORY);
        return NULL;
    }
    k->prog = p;
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_CREATE_KERNEL);
    kr_put_u64(&g.batch, k->o.id);
    kr_put_u64(&g.batch, p->o.id);
    kr_put_blob(&g.batch, name, strlen(name));
    cl_int err = end_call(start);
    if (err == CL_SUCCESS) {
        k->nargs = kr_get_u32(&g.reply);
        if (k->nargs > 4096)
            err = CL_OUT_OF_RESOURCES;
        k->qualifier = calloc(k->nargs + 1, sizeof *k->qualifier);
        k->is_set = calloc(k->nargs + 1, 1);
        if (!k->qualifier || !k->is_set)
            err = CL_OUT_OF_HOST_MEMORY;
        for (cl_uint i = 0; i < k->nargs && err == CL_SUCCESS; i++)
            k->qualifier[i] = kr_get_u32(&g.reply);
        if (g.reply.bad)
            err = ERR_GONE;
    }
    pthread_mutex_unlock(&g.lock);
    SET_ERR(err);
    if (err != CL_SUCCESS) {
        free(k->qualifier);
        free(k->is_set);
        free(k->name);
        free(k);
        return NULL;
    }
    atomic_fetch_add(&p->o.refs, 1);
    return k;
}

static cl_int kr_create_kernels_in_program(cl_program p, cl_uint n, cl_kernel *kernels, cl_uint *n_ret)
{
    size_t len = 0;
    cl_int err = kr_get_program_info(p, CL_PROGRAM_KERNEL_NAMES, 0, NULL, &len);
    char *names = err == CL_SUCCESS ? malloc(len + 1) : NULL;
    if (err == CL_SUCCESS && !names)
        err = CL_OUT_OF_HOST_MEMORY;
    if (err == CL_SUCCESS)
        err = kr_get_program_info(p, CL_PROGRAM_KERNEL_NAMES, len, names, NULL);
    if (err != CL_SUCCESS) {
        free(names);
        return err == CL_INVALID_PROGRAM_EXECUTABLE ? err : err;
    }
    names[len] = 0;
    cl_uint count = 0;
    for (char *save = NULL, *tok = strtok_r(names, ";", &save); tok; tok = strtok_r(NULL, ";", &save))
        count++;
    if (kernels && n < count) {
        free(names);
        return CL_INVALID_VALUE;
    }
    if (kernels) {
        err = kr_get_program_info(p, CL_PROGRAM_KERNEL_NAMES, len, names, NULL);
        names[len] = 0;
        cl_uint i = 0;
        for (char *save = NULL, *tok = strtok_r(names, ";", &save); tok && err == CL_SUCCESS;
             tok = strtok_r(NULL, ";", &save))
            kernels[i++] = kr_create_kernel(p, tok, &err);
    }
    free(names);
    if (n_ret)
        *n_ret = count;
    return err;
}

static cl_int kr_retain_kernel(cl_kernel k)
{
    if (!obj_ok(k, KR_KIND_KERNEL))
        return CL_INVALID_KERNEL;
    atomic_fetch_add(&k->o.refs, 1);
    return CL_SUCCESS;
}

static cl_int kr_release_kernel(cl_kernel k)
{
    if (!obj_ok(k, KR_KIND_KERNEL))
        return CL_INVALID_KERNEL;
    if (obj_release(&k->o)) {
        cl_program p = k->prog;
        free(k->qualifier);
        free(k->is_set);
        free(k->name);
        free(k);
        kr_release_program(p);
    }
    return CL_SUCCESS;
}

static int mem_arg_candidate(cl_mem m)
{
    pthread_mutex_lock(&g.lock);
    int known = mem_registry_has(m);
    pthread_mutex_unlock(&g.lock);
    return known;
}

static cl_int kr_set_kernel_arg(cl_kernel k, cl_uint index, size_t size, const void *value)
{
    if (!obj_ok(k, KR_KIND_KERNEL))
        return CL_INVALID_KERNEL;
    if (index >= k->nargs)
        return CL_INVALID_ARG_INDEX;
    uint32_t q = k->qualifier[index];
    uint32_t kind;
    uint64_t mem_id = 0;
    if (q == CL_KERNEL_ARG_ADDRESS_GLOBAL || q == CL_KERNEL_ARG_ADDRESS_CONSTANT) {
        if (size != sizeof(cl_mem))
            return CL_INVALID_ARG_SIZE;
        cl_mem m = value ? *(const cl_mem *)value : NULL;
        if (m && (!obj_ok(m, KR_KIND_MEM) || m->ctx != k->prog->ctx))
            return CL_INVALID_MEM_OBJECT;
        kind = KR_ARG_MEM;
        mem_id = m ? m->o.id : 0;
    } else if (q == 0 && value && size == sizeof(cl_mem) && mem_arg_candidate(*(const cl_mem *)value)) {
        cl_mem m = *(const cl_mem *)value;
        if (m->ctx != k->prog->ctx)
            return CL_INVALID_MEM_OBJECT;
        kind = KR_ARG_MEM;
        mem_id = m->o.id;
    } else if (q == CL_KERNEL_ARG_ADDRESS_LOCAL || (!value && q == 0)) {
        if (value)
            return CL_INVALID_ARG_VALUE;
        if (size == 0)
            return CL_INVALID_ARG_SIZE;
        kind = KR_ARG_LOCAL;
    } else {
        if (!value)
            return CL_INVALID_ARG_VALUE;
        if (size == 0 || size > 65536)
            return CL_INVALID_ARG_SIZE;
        kind = KR_ARG_BYTES;
    }
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_SET_ARG);
    kr_put_u64(&g.batch, k->o.id);
    kr_put_u32(&g.batch, index);
    kr_put_u32(&g.batch, kind);
    if (kind == KR_ARG_MEM)
        kr_put_u64(&g.batch, mem_id);
    else if (kind == KR_ARG_LOCAL)
        kr_put_u64(&g.batch, size);
    else
        kr_put_blob(&g.batch, value, size);
    end_async(start);
    k->is_set[index] = 1;
    cl_int err = g.dead ? ERR_GONE : CL_SUCCESS;
    pthread_mutex_unlock(&g.lock);
    return err;
}

static cl_int kr_get_kernel_info(cl_kernel k, cl_kernel_info param, size_t size, void *value, size_t *size_ret)
{
    if (!obj_ok(k, KR_KIND_KERNEL))
        return CL_INVALID_KERNEL;
    cl_uint u;
    switch (param) {
    case CL_KERNEL_FUNCTION_NAME: return copy_info(size, value, size_ret, k->name, strlen(k->name) + 1);
    case CL_KERNEL_NUM_ARGS: return copy_info(size, value, size_ret, &k->nargs, sizeof k->nargs);
    case CL_KERNEL_REFERENCE_COUNT: u = (cl_uint)atomic_load(&k->o.refs); return copy_info(size, value, size_ret, &u, sizeof u);
    case CL_KERNEL_CONTEXT: return copy_info(size, value, size_ret, &k->prog->ctx, sizeof(cl_context));
    case CL_KERNEL_PROGRAM: return copy_info(size, value, size_ret, &k->prog, sizeof k->prog);
    default: break;
    }
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_KERNEL_INFO);
    kr_put_u64(&g.batch, k->o.id);
    kr_put_u32(&g.batch, param);
    cl_int err = reply_info(end_call(start), size, value, size_ret);
    pthread_mutex_unlock(&g.lock);
    return err;
}

static cl_int kr_get_kernel_wg_info(cl_kernel k, cl_device_id d, cl_kernel_work_group_info param, size_t size,
                                    void *value, size_t *size_ret)
{
    if (!obj_ok(k, KR_KIND_KERNEL))
        return CL_INVALID_KERNEL;
    if (d == NULL && k->prog->ctx->ndev == 1)
        d = k->prog->ctx->devs[0];
    if (!device_ok(d))
        return CL_INVALID_DEVICE;
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_KERNEL_WG_INFO);
    kr_put_u64(&g.batch, k->o.id);
    kr_put_u32(&g.batch, d->index);
    kr_put_u32(&g.batch, param);
    cl_int err = reply_info(end_call(start), size, value, size_ret);
    pthread_mutex_unlock(&g.lock);
    return err;
}

static cl_int kr_get_kernel_arg_info(cl_kernel k, cl_uint index, cl_kernel_arg_info param, size_t size, void *value,
                                     size_t *size_ret)
{
    if (!obj_ok(k, KR_KIND_KERNEL))
        return CL_INVALID_KERNEL;
    if (index >= k->nargs)
        return CL_INVALID_ARG_INDEX;
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_KERNEL_ARG_INFO);
    kr_put_u64(&g.batch, k->o.id);
    kr_put_u32(&g.batch, index);
    kr_put_u32(&g.batch, param);
    cl_int err = reply_info(end_call(start), size, value, size_ret);
    pthread_mutex_unlock(&g.lock);
    return err;
}

static cl_int kr_ndrange(cl_command_queue q, cl_kernel k, cl_uint dim, const size_t *offset, const size_t *global,
                         const size_t *local, cl_uint nw, const cl_event *wl, cl_event *event)
{
    if (!obj_ok(q, KR_KIND_QUEUE))
        return CL_INVALID_COMMAND_QUEUE;
    if (!obj_ok(k, KR_KIND_KERNEL))
        return CL_INVALID_KERNEL;
    if (k->prog->ctx != q->ctx)
        return CL_INVALID_CONTEXT;
    if (dim < 1 || dim > 3)
        return CL_INVALID_WORK_DIMENSION;
    if (!global)
        return CL_INVALID_GLOBAL_WORK_SIZE;
    for (cl_uint i = 0; i < k->nargs; i++)
        if (!k->is_set[i])
            return CL_INVALID_KERNEL_ARGS;
    size_t wg = 1;
    for (cl_uint i = 0; i < dim; i++) {
        if (global[i] == 0)
            return CL_INVALID_GLOBAL_WORK_SIZE;
        if (local && (local[i] == 0 || global[i] % local[i]))
            return CL_INVALID_WORK_GROUP_SIZE;
        wg *= local ? local[i] : 1;
    }
    size_t max_wg = local ? device_max_wg(q->dev) : 0;
    if (local && max_wg && wg > max_wg)
        return CL_INVALID_WORK_GROUP_SIZE;
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_NDRANGE);
    kr_put_u64(&g.batch, q->o.id);
    kr_put_u64(&g.batch, k->o.id);
    kr_put_u32(&g.batch, dim);
    for (cl_uint i = 0; i < 3; i++)
        kr_put_u64(&g.batch, offset && i < dim ? offset[i] : 0);
    for (cl_uint i = 0; i < 3; i++)
        kr_put_u64(&g.batch, i < dim ? global[i] : 1);
    kr_put_u32(&g.batch, local != NULL);
    for (cl_uint i = 0; i < 3; i++)
        kr_put_u64(&g.batch, local && i < dim ? local[i] : 1);
    cl_int err = put_wait_list(nw, wl, q->ctx);
    if (err == CL_SUCCESS)
        err = enqueue_tail(q, start, CL_COMMAND_NDRANGE_KERNEL, event);
    else
        g.batch.len = start;
    pthread_mutex_unlock(&g.lock);
    return err;
}

static cl_int kr_task(cl_command_queue q, cl_kernel k, cl_uint nw, const cl_event *wl, cl_event *event)
{
    size_t one = 1;
    return kr_ndrange(q, k, 1, NULL, &one, &one, nw, wl, event);
}

static cl_int enqueue_marker(cl_command_queue q, int barrier, cl_uint nw, const cl_event *wl, cl_event *event)
{
    if (!obj_ok(q, KR_KIND_QUEUE))
        return CL_INVALID_COMMAND_QUEUE;
    pthread_mutex_lock(&g.lock);
    size_t start = begin(barrier ? KR_OP_BARRIER : KR_OP_MARKER);
    kr_put_u64(&g.batch, q->o.id);
    cl_int err = put_wait_list(nw, wl, q->ctx);
    if (err == CL_SUCCESS)
        err = enqueue_tail(q, start, barrier ? CL_COMMAND_BARRIER : CL_COMMAND_MARKER, event);
    else
        g.batch.len = start;
    pthread_mutex_unlock(&g.lock);
    return err;
}

static cl_int kr_marker_wl(cl_command_queue q, cl_uint nw, const cl_event *wl, cl_event *e)
{
    return enqueue_marker(q, 0, nw, wl, e);
}
static cl_int kr_barrier_wl(cl_command_queue q, cl_uint nw, const cl_event *wl, cl_event *e)
{
    return enqueue_marker(q, 1, nw, wl, e);
}
static cl_int kr_marker(cl_command_queue q, cl_event *e)
{
    return e ? enqueue_marker(q, 0, 0, NULL, e) : CL_INVALID_VALUE;
}
static cl_int kr_barrier(cl_command_queue q) { return enqueue_marker(q, 1, 0, NULL, NULL); }
static cl_int kr_wait_for_events_enqueue(cl_command_queue q, cl_uint n, const cl_event *list)
{
    return n && list ? enqueue_marker(q, 1, n, list, NULL) : CL_INVALID_VALUE;
}

static cl_int kr_migrate(cl_command_queue q, cl_uint n, const cl_mem *mems, cl_mem_migration_flags flags,
                         cl_uint nw, const cl_event *wl, cl_event *event)
{
    (void)flags;
    if (n == 0 || !mems)
        return CL_INVALID_VALUE;
    for (cl_uint i = 0; i < n; i++)
        if (!obj_ok(mems[i], KR_KIND_MEM))
            return CL_INVALID_MEM_OBJECT;
    /* Shared memory is already where both sides can reach it. */
    return enqueue_marker(q, 0, nw, wl, event);
}

/* ----------------------------------------------------------------- events */

static cl_int kr_wait_for_events(cl_uint n, const cl_event *list)
{
    if (n == 0 || !list)
        return CL_INVALID_VALUE;
    for (cl_uint i = 0; i < n; i++)
        if (!obj_ok(list[i], KR_KIND_EVENT))
            return CL_INVALID_EVENT;
    pthread_mutex_lock(&g.lock);
    cl_int err = CL_SUCCESS;
    cl_uint remote = 0;
    for (cl_uint i = 0; i < n; i++)
        if (event_known_status(list[i]) > CL_COMPLETE && list[i]->remote)
            remote++;
    int replied = 0;
    while (remote && !g.dead) {
        size_t start = begin(KR_OP_WAIT);
        kr_put_u64(&g.batch, 0);
        kr_put_u32(&g.batch, remote);
        for (cl_uint i = 0; i < n; i++)
            if (event_known_status(list[i]) > CL_COMPLETE && list[i]->remote)
                kr_put_u64(&g.batch, list[i]->o.id);
        err = end_call(start);
        if ((replied = err != KR_STATUS_PENDING))
            break;
        let_others_in();
        /* another thread may have learnt some of these meanwhile: ask only for the rest */
        remote = 0;
        for (cl_uint i = 0; i < n; i++)
            remote += event_known_status(list[i]) > CL_COMPLETE && list[i]->remote;
        err = CL_SUCCESS;
    }
    if (replied && err != ERR_GONE) {
        for (cl_uint i = 0; i < n; i++)
            if (list[i]->status > CL_COMPLETE && list[i]->remote) {
                cl_int st = kr_get_i32(&g.reply);
                list[i]->status = g.reply.bad ? ERR_GONE : st;
            }
    }
    for (cl_uint i = 0; i < n; i++)
        if (event_known_status(list[i]) != CL_COMPLETE)
            err = CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST;
    pthread_mutex_unlock(&g.lock);
    run_callbacks();
    return err;
}

static cl_int kr_get_event_info(cl_event e, cl_event_info param, size_t size, void *value, size_t *size_ret)
{
    if (!obj_ok(e, KR_KIND_EVENT))
        return CL_INVALID_EVENT;
    cl_uint u;
    switch (param) {
    case CL_EVENT_COMMAND_QUEUE: return copy_info(size, value, size_ret, &e->queue, sizeof e->queue);
    case CL_EVENT_CONTEXT: return copy_info(size, value, size_ret, &e->ctx, sizeof e->ctx);
    case CL_EVENT_COMMAND_TYPE: return copy_info(size, value, size_ret, &e->type, sizeof e->type);
    case CL_EVENT_REFERENCE_COUNT: u = (cl_uint)atomic_load(&e->o.refs); return copy_info(size, value, size_ret, &u, sizeof u);
    case CL_EVENT_COMMAND_EXECUTION_STATUS: break;
    default: return CL_INVALID_VALUE;
    }
    pthread_mutex_lock(&g.lock);
    cl_int st = event_known_status(e);
    cl_int err = CL_SUCCESS;
    if (st > CL_COMPLETE && e->remote) {
        size_t start = begin(KR_OP_EVENT_STATUS);
        kr_put_u64(&g.batch, e->o.id);
        err = end_call(start);
        if (err == CL_SUCCESS) {
            st = kr_get_i32(&g.reply);
            if (!g.reply.bad && st < e->status)
                e->status = st;
        } else if (err == ERR_GONE) {
            st = e->status = ERR_GONE;
            err = CL_SUCCESS;
        }
    }
    pthread_mutex_unlock(&g.lock);
    if (err != CL_SUCCESS)
        return err;
    run_callbacks();
    return copy_info(size, value, size_ret, &st, sizeof st);
}

static cl_int kr_retain_event(cl_event e)
{
    if (!obj_ok(e, KR_KIND_EVENT))
        return CL_INVALID_EVENT;
    atomic_fetch_add(&e->o.refs, 1);
    return CL_SUCCESS;
}

static cl_int kr_release_event(cl_event e)
{
    if (!obj_ok(e, KR_KIND_EVENT))
        return CL_INVALID_EVENT;
    if (obj_release_ex(&e->o, e->remote)) {
        cl_command_queue q = e->queue;
        cl_context c = e->ctx;
        free(e);
        if (q)
            kr_release_queue(q);
        if (c)
            kr_release_context(c);
    }
    return CL_SUCCESS;
}

static cl_int kr_get_event_profiling_info(cl_event e, cl_profiling_info param, size_t size, void *value,
                                          size_t *size_ret)
{
    if (!obj_ok(e, KR_KIND_EVENT))
        return CL_INVALID_EVENT;
    if (param < CL_PROFILING_COMMAND_QUEUED || param > CL_PROFILING_COMMAND_END)
        return CL_INVALID_VALUE;
    if (!e->queue || !(e->queue->props & CL_QUEUE_PROFILING_ENABLE))
        return CL_PROFILING_INFO_NOT_AVAILABLE;
    pthread_mutex_lock(&g.lock);
    cl_int err = CL_SUCCESS;
    if (!e->have_profile) {
        if (event_known_status(e) != CL_COMPLETE) {
            err = CL_PROFILING_INFO_NOT_AVAILABLE;
        } else {
            size_t start = begin(KR_OP_EVENT_PROFILING);
            kr_put_u64(&g.batch, e->o.id);
            err = end_call(start);
            for (int i = 0; i < 4 && err == CL_SUCCESS; i++)
                e->profile[i] = kr_get_u64(&g.reply);
            if (err == CL_SUCCESS && !g.reply.bad)
                e->have_profile = 1;
        }
    }
    pthread_mutex_unlock(&g.lock);
    if (err != CL_SUCCESS)
        return err;
    return copy_info(size, value, size_ret, &e->profile[param - CL_PROFILING_COMMAND_QUEUED], sizeof(cl_ulong));
}

static cl_event kr_create_user_event(cl_context c, cl_int *errcode_ret)
{
    if (!obj_ok(c, KR_KIND_CONTEXT)) {
        SET_ERR(CL_INVALID_CONTEXT);
        return NULL;
    }
    cl_event e = event_new(c, NULL, CL_COMMAND_USER);
    if (!e) {
        SET_ERR(CL_OUT_OF_HOST_MEMORY);
        return NULL;
    }
    e->status = CL_SUBMITTED;
    e->remote = 1;
    pthread_mutex_lock(&g.lock);
    size_t start = begin(KR_OP_CREATE_USER_EVENT);
    kr_put_u64(&g.batch, c->o.id);
    kr_put_u64(&g.batch, e->o.id);
    end_async(start);
    cl_int err = g.dead ? ERR_GONE : CL_SUCCESS;
    pthread_mutex_unlock(&g.lock);
    SET_ERR(err);
    if (err != CL_SUCCESS) {
        kr_release_context(c);
        free(e);
        return NULL;
    }
    return e;
}

static cl_int kr_set_user_event_status(cl_event e, cl_int status)
{
    if (!obj_ok(e, KR_KIND_EVENT) || e->type != CL_COMMAND_USER)
        return CL_INVALID_EVENT;
    if (status > CL_COMPLETE)
        return CL_INVALID_VALUE;
    pthread_mutex_lock(&g.lock);
    cl_int err = CL_SUCCESS;
    if (e->status <= CL_COMPLETE) {
        err = CL_INVALID_OPERATION;
    } else {
        size_t start = begin(KR_OP_SET_USER_EVENT);
        kr_put_u64(&g.batch, e->o.id);
        kr_put_i32(&g.batch, status);
        kr_frame_end(&g.batch, start);
        /* Sent now: commands waiting on it may be all the daemon has left to run. */
        err = flush_batch();
        if (err == CL_SUCCESS)
            e->status = status;
    }
    pthread_mutex_unlock(&g.lock);
    run_callbacks();
    return err;
}

static cl_int kr_set_event_callback(cl_event e, cl_int type, void(CL_CALLBACK *fn)(cl_event, cl_int, void *),
                                    void *user)
{
    if (!obj_ok(e, KR_KIND_EVENT))
        return CL_INVALID_EVENT;
    if (!fn || (type != CL_COMPLETE && type != CL_SUBMITTED && type != CL_RUNNING))
        return CL_INVALID_VALUE;
    struct event_callback *cb = malloc(sizeof *cb);
    if (!cb)
        return CL_OUT_OF_HOST_MEMORY;
    cb->type = type;
    cb->fn = fn;
    cb->user = user;
    pthread_mutex_lock(&g.lock);
    if (!e->callbacks) {
        atomic_fetch_add(&e->o.refs, 1); /* held until the last callback ran */
        e->next_pending = g.pending_callbacks;
        g.pending_callbacks = e;
    }
    cb->next = e->callbacks;
    e->callbacks = cb;
    pthread_mutex_unlock(&g.lock);
    run_callbacks();
    return CL_SUCCESS;
}

/* ------------------------------------------------- unsupported entry points */

static cl_int unsupported_status(void) { return CL_INVALID_OPERATION; }
static void *unsupported_handle(void) { return NULL; }

/* Parameter names exist only to spell the prototypes the dispatch table expects. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define UNSUPPORTED_CREATE(name, ...)                                      \
    static void *name(__VA_ARGS__, cl_int *errcode_ret)                    \
    {                                                                      \
        SET_ERR(CL_INVALID_OPERATION);                                     \
        return NULL;                                                       \
    }

UNSUPPORTED_CREATE(no_image2d, cl_context a, cl_mem_flags b, const cl_image_format *c, size_t d, size_t e, size_t f,
                   void *h)
UNSUPPORTED_CREATE(no_image3d, cl_context a, cl_mem_flags b, const cl_image_format *c, size_t d, size_t e, size_t f,
                   size_t h, size_t i, void *j)
UNSUPPORTED_CREATE(no_image, cl_context a, cl_mem_flags b, const cl_image_format *c, const cl_image_desc *d, void *e)
UNSUPPORTED_CREATE(no_sampler, cl_context a, cl_bool b, cl_addressing_mode c, cl_filter_mode d)
UNSUPPORTED_CREATE(no_builtin_kernels, cl_context a, cl_uint b, const cl_device_id *c, const char *d)
UNSUPPORTED_CREATE(no_pipe, cl_context a, cl_mem_flags b, cl_uint c, cl_uint d, const cl_pipe_properties *e)
UNSUPPORTED_CREATE(no_sampler_props, cl_context a, const cl_sampler_properties *b)
UNSUPPORTED_CREATE(no_clone_kernel, cl_kernel a)
UNSUPPORTED_CREATE(no_program_il, cl_context a, const void *b, size_t c)
UNSUPPORTED_CREATE(no_buffer_props, cl_context a, const cl_mem_properties *b, cl_mem_flags c, size_t d, void *e)
UNSUPPORTED_CREATE(no_image_props, cl_context a, const cl_mem_properties *b, cl_mem_flags c, const cl_image_format *d,
                   const cl_image_desc *e, void *f)
UNSUPPORTED_CREATE(no_map_image, cl_command_queue a, cl_mem b, cl_bool c, cl_map_flags d, const size_t *e,
                   const size_t *f, size_t *h, size_t *i, cl_uint j, const cl_event *k, cl_event *l)

#pragma GCC diagnostic pop

static cl_int kr_unload_compiler(void) { return CL_SUCCESS; }
static cl_int kr_unload_platform_compiler(cl_platform_id p) { return p == &g.platform ? CL_SUCCESS : CL_INVALID_PLATFORM; }

static void *lookup_extension(const char *name)
{
    if (name && strcmp(name, "clIcdGetPlatformIDsKHR") == 0)
        return (void *)clIcdGetPlatformIDsKHR;
    return NULL;
}

KR_EXPORT void *CL_API_CALL clGetExtensionFunctionAddress(const char *name) { return lookup_extension(name); }

static void *kr_get_extension_for_platform(cl_platform_id p, const char *name)
{
    return p == &g.platform ? lookup_extension(name) : NULL;
}

/* ---------------------------------------------------------- dispatch table */

#define SET(slot, fn) g_dispatch.slot = fn

__attribute__((constructor)) static void fill_dispatch(void)
{
    /* Every slot first answers CL_INVALID_OPERATION; pointer-returning slots answer NULL. */
    void (**slots)(void) = (void (**)(void))&g_dispatch;
    for (size_t i = 0; i < sizeof g_dispatch / sizeof *slots; i++)
        slots[i] = (void (*)(void))unsupported_status;
    void (*null_fn)(void) = (void (*)(void))unsupported_handle;
    memcpy(&g_dispatch.clCreateFromGLBuffer, &null_fn, sizeof null_fn);
    memcpy(&g_dispatch.clCreateFromGLTexture2D, &null_fn, sizeof null_fn);
    memcpy(&g_dispatch.clCreateFromGLTexture3D, &null_fn, sizeof null_fn);
    memcpy(&g_dispatch.clCreateFromGLRenderbuffer, &null_fn, sizeof null_fn);
    memcpy(&g_dispatch.clCreateFromGLTexture, &null_fn, sizeof null_fn);
    memcpy(&g_dispatch.clCreateEventFromGLsyncKHR, &null_fn, sizeof null_fn);
    memcpy(&g_dispatch.clCreateFromEGLImageKHR, &null_fn, sizeof null_fn);
    memcpy(&g_dispatch.clCreateEventFromEGLSyncKHR, &null_fn, sizeof null_fn);
    memcpy(&g_dispatch.clSVMAlloc, &null_fn, sizeof null_fn);

    SET(clGetPlatformIDs, kr_get_platform_ids);
    SET(clGetPlatformInfo, clGetPlatformInfo);
    SET(clGetDeviceIDs, kr_get_device_ids);
    SET(clGetDeviceInfo, kr_get_device_info);
    SET(clCreateSubDevices, kr_create_sub_devices);
    SET(clRetainDevice, kr_retain_device);
    SET(clReleaseDevice, kr_retain_device);
    SET(clCreateContext, kr_create_context);
    SET(clCreateContextFromType, kr_create_context_from_type);
    SET(clRetainContext, kr_retain_context);
    SET(clReleaseContext, kr_release_context);
    SET(clGetContextInfo, kr_get_context_info);
    SET(clCreateCommandQueue, kr_create_queue);
    SET(clCreateCommandQueueWithProperties, kr_create_queue_with_properties);
    SET(clRetainCommandQueue, kr_retain_queue);
    SET(clReleaseCommandQueue, kr_release_queue);
    SET(clGetCommandQueueInfo, kr_get_queue_info);
    SET(clFlush, kr_flush);
    SET(clFinish, kr_finish);
    SET(clCreateBuffer, kr_create_buffer);
    SET(clRetainMemObject, kr_retain_mem);
    SET(clReleaseMemObject, kr_release_mem);
    SET(clGetMemObjectInfo, kr_get_mem_info);
    SET(clSetMemObjectDestructorCallback, kr_set_mem_destructor);
    SET(clEnqueueReadBuffer, kr_read_buffer);
    SET(clEnqueueWriteBuffer, kr_write_buffer);
    SET(clEnqueueCopyBuffer, kr_copy_buffer);
    SET(clEnqueueCopyBufferRect, kr_copy_buffer_rect);
    SET(clEnqueueReadBufferRect, kr_read_buffer_rect);
    SET(clEnqueueWriteBufferRect, kr_write_buffer_rect);
    SET(clEnqueueFillBuffer, kr_fill_buffer);
    SET(clEnqueueMapBuffer, kr_map_buffer);
    SET(clEnqueueUnmapMemObject, kr_unmap);
    SET(clEnqueueMigrateMemObjects, kr_migrate);
    SET(clCreateProgramWithSource, kr_create_program_source);
    SET(clCreateProgramWithBinary, kr_create_program_binary);
    SET(clRetainProgram, kr_retain_program);
    SET(clReleaseProgram, kr_release_program);
    SET(clBuildProgram, kr_build_program);
    SET(clGetProgramInfo, kr_get_program_info);
    SET(clGetProgramBuildInfo, kr_get_program_build_info);
    SET(clUnloadCompiler, kr_unload_compiler);
    SET(clUnloadPlatformCompiler, kr_unload_platform_compiler);
    SET(clCreateKernel, kr_create_kernel);
    SET(clCreateKernelsInProgram, kr_create_kernels_in_program);
    SET(clRetainKernel, kr_retain_kernel);
    SET(clReleaseKernel, kr_release_kernel);
    SET(clSetKernelArg, kr_set_kernel_arg);
    SET(clGetKernelInfo, kr_get_kernel_info);
    SET(clGetKernelWorkGroupInfo, kr_get_kernel_wg_info);
    SET(clGetKernelArgInfo, kr_get_kernel_arg_info);
    SET(clEnqueueNDRangeKernel, kr_ndrange);
    SET(clEnqueueTask, kr_task);
    SET(clEnqueueMarker, kr_marker);
    SET(clEnqueueBarrier, kr_barrier);
    SET(clEnqueueWaitForEvents, kr_wait_for_events_enqueue);
    SET(clEnqueueMarkerWithWaitList, kr_marker_wl);
    SET(clEnqueueBarrierWithWaitList, kr_barrier_wl);
    SET(clWaitForEvents, kr_wait_for_events);
    SET(clGetEventInfo, kr_get_event_info);
    SET(clRetainEvent, kr_retain_event);
    SET(clReleaseEvent, kr_release_event);
    SET(clGetEventProfilingInfo, kr_get_event_profiling_info);
    SET(clCreateUserEvent, kr_create_user_event);
    SET(clSetUserEventStatus, kr_set_user_event_status);
    SET(clSetEventCallback, kr_set_event_callback);
    SET(clGetExtensionFunctionAddress, clGetExtensionFunctionAddress);
    SET(clGetExtensionFunctionAddressForPlatform, kr_get_extension_for_platform);
    SET(clCreateSubBuffer, kr_create_sub_buffer);
    g_dispatch.clCreateImage2D = (cl_api_clCreateImage2D)no_image2d;
    g_dispatch.clCreateImage3D = (cl_api_clCreateImage3D)no_image3d;
    g_dispatch.clCreateImage = (cl_api_clCreateImage)no_image;
    g_dispatch.clCreateSampler = (cl_api_clCreateSampler)no_sampler;
    g_dispatch.clCreateProgramWithBuiltInKernels = (cl_api_clCreateProgramWithBuiltInKernels)no_builtin_kernels;
    SET(clCompileProgram, kr_compile_program);
    SET(clLinkProgram, kr_link_program);
    g_dispatch.clCreatePipe = (cl_api_clCreatePipe)no_pipe;
    g_dispatch.clCreateSamplerWithProperties = (cl_api_clCreateSamplerWithProperties)no_sampler_props;
    g_dispatch.clCloneKernel = (cl_api_clCloneKernel)no_clone_kernel;
    g_dispatch.clCreateProgramWithIL = (cl_api_clCreateProgramWithIL)no_program_il;
    g_dispatch.clCreateBufferWithProperties = (cl_api_clCreateBufferWithProperties)no_buffer_props;
    g_dispatch.clCreateImageWithProperties = (cl_api_clCreateImageWithProperties)no_image_props;
    g_dispatch.clEnqueueMapImage = (cl_api_clEnqueueMapImage)no_map_image;
}
