/*
 * host.c: the host-C backend. A variant in C99 is compiled by the system
 * compiler into a shared object, loaded with dlopen, and its entry point
 *   void <kernel>_entry(void *const *args, const size_t *global, const size_t *local)
 * is called. Shared objects go through the binary cache like OpenCL binaries do.
 *
 * Runs happen in a worker process, so that a kernel that crashes or hangs
 * kills only the worker: the run gives KILN_RT_CRASHED or KILN_RT_TIMEOUT and
 * the next run forks a new worker. The worker is forked once, not per run:
 * forking per run made the child fault in every page of every buffer again
 * on each run, which cost more than the kernel for large buffers. A run is a
 * request on a socket (program, arguments, geometry); the worker calls the
 * entry point between two CLOCK_MONOTONIC reads and answers with the time.
 * A list of runs (kiln_program_run_list) is all its requests sent at once
 * and one answer for them all after the last: the worker goes from run to
 * run without sleeping, and the parent sleeps once. A process woken from
 * sleep on a loaded machine may wait for a core, and on this 2-core machine
 * those waits were most of a 64^3 3-D operator's launch cost (launch.sh).
 *
 * Buffers are memfd mappings (MAP_SHARED), so the worker sees the parent's
 * writes and the parent sees the kernel's. A buffer reaches a worker as its
 * memfd, passed over the socket (SCM_RIGHTS) before the first run that uses
 * it; the worker maps it and keeps it mapped, so its pages fault in once per
 * worker, not once per run. Mappings are not inherited across fork
 * (MADV_DONTFORK): a worker of another kiln_rt, or any other child, would
 * otherwise keep a freed buffer's memory alive. A worker does inherit the
 * programs loaded when it is forked (same addresses); one built later is
 * passed as its opened shared object, which the worker loads through
 * /proc/self/fd. Each record carries the generation of the worker that has
 * it, so nothing is sent twice to one worker and everything is sent again to
 * its successor. Freeing a buffer or a program tells the worker to unmap or
 * unload it too, so its memory really goes.
 *
 * OpenMP: a runtime that has started its threads in a process does not
 * survive fork (the child's team waits for threads that do not exist), so the
 * parent never runs kernel code; the worker never forks. The worker starts
 * the team before the clock does, so a run's time is the kernel's.
 *
 * Time limits count the CPU time of the process that runs the kernel (its
 * CPU clock over its thread count), not the wall time since the request: on
 * a loaded machine a kernel waiting for a core is not running, and a 32 ms
 * kernel must not become a timeout because ten other processes share its
 * two cores. Dividing by the threads keeps an OpenMP team of n busy threads
 * from using up the limit n times faster; idle threads of an earlier team
 * make the limit looser, never tighter (a kernel's busiest thread's own time
 * would be exact, but another process's threads are readable only in /proc's
 * clock ticks).
 * A wall-clock backstop (HOST_WALL_BACKSTOP times the limit, plus
 * a second) still ends a kernel that blocks without using the CPU. A run past
 * its limit is confirmed by one more run in a fresh worker, with nothing else
 * of this runtime in flight, before it is reported as KILN_RT_TIMEOUT.
 *
 * KILN_HOST_WORKER=0 selects the former scheme (for comparison): a fork per
 * run when a time limit is set or the kernel uses OpenMP, otherwise a direct
 * call in the calling process.
 */
#define _GNU_SOURCE /* memfd_create, close_range */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "runtime/rt_int.h"

typedef void (*host_entry_fn)(void *const *args, const size_t *global, const size_t *local);
/* libgomp's entry for a parallel region (the ABI GCC emits calls to). */
typedef void (*gomp_parallel_fn)(void (*fn)(void *), void *data, unsigned nthreads, unsigned flags);

/* A buffer's record (kiln_buf.handle on this backend). */
typedef struct host_buf {
    unsigned id;          /* names it to the worker; never 0 */
    int fd;               /* the memfd behind the mapping */
    void *host;
    size_t bytes;
    unsigned worker_gen;  /* generation of the worker that maps it */
    struct host_buf *prev, *next;
} host_buf;

/* One argument as set: a buffer (by id, as it may be freed meanwhile) or a scalar. */
typedef struct host_arg {
    unsigned buf_id;      /* 0 for a scalar */
    void *scalar;         /* owned copy, 16-byte aligned */
    size_t scalar_bytes;
} host_arg;

typedef struct host_prog {
    unsigned id;
    void *dl;
    host_entry_fn entry;
    int openmp;                     /* built with -fopenmp: never run in this process */
    gomp_parallel_fn gomp_parallel; /* to start the thread team before timing, if libgomp */
    int so_fd;                      /* the loaded object, for workers forked before it */
    char entry_sym[512];
    unsigned worker_gen;            /* generation of the worker that has it loaded */
    host_arg *slots;
    void **args;                    /* what the entry point receives (KILN_HOST_WORKER=0) */
    int nargs;
    struct host_prog *prev, *next;
} host_prog;

/* What a worker tells its parent through shared memory, without a message:
 * the CPU time of its process when it started its latest run, so that each
 * run of a list gets its own time limit while the answers of the list come
 * together at its end. Written by the worker, read by the parent (atomics). */
typedef struct worker_progress {
    uint64_t run_cpu0_ns;
} worker_progress;

typedef struct host_state {
    char tmpdir[4096];    /* sources and uncached objects of this kiln_rt */
    unsigned serial;      /* makes file names unique within tmpdir */
    unsigned next_id;     /* of buffers and programs */
    int use_worker;       /* 0: KILN_HOST_WORKER=0, a fork per run */
    pid_t worker_pid;     /* 0: none running */
    int worker_sock;
    unsigned worker_gen;  /* counts the workers forked */
    unsigned counters_gen, counters_serial; /* the worker that has the event list, and which list */
    worker_progress *progress; /* shared with the worker (MAP_SHARED, inherited at fork) */
    host_buf *bufs;       /* live ones: a worker forked now inherits them */
    host_prog *progs;
} host_state;

const char *kiln_host_default_cc(void)
{
    const char *cc = getenv("KILN_CC");
    return cc && *cc ? cc : "cc";
}

/* Appends s to out, single-quoted for /bin/sh. */
static void shell_quote(char *out, size_t outlen, const char *s)
{
    size_t n = strlen(out);
    if (n + 1 < outlen)
        out[n++] = '\'';
    for (; *s && n + 5 < outlen; s++) {
        if (*s == '\'') {
            memcpy(out + n, "'\\''", 4);
            n += 4;
        } else {
            out[n++] = *s;
        }
    }
    if (n + 1 < outlen)
        out[n++] = '\'';
    out[n] = '\0';
}

/* Runs a shell command; returns its output (malloc'ed) and exit status in
 * *status (-1 if it could not run or was killed). */
static char *run_capture(const char *cmd, int *status)
{
    *status = -1;
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    if (!out) {
        pclose(p);
        return NULL;
    }
    size_t got;
    while ((got = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            char *bigger = realloc(out, cap * 2);
            if (!bigger)
                break;
            out = bigger;
            cap *= 2;
        }
    }
    out[len] = '\0';
    int ws = pclose(p);
    if (ws != -1 && WIFEXITED(ws))
        *status = WEXITSTATUS(ws);
    return out;
}

void kiln_host_compiler_version(const char *cc, char *out, size_t outlen)
{
    char cmd[1024];
    int status;
    out[0] = '\0';
    snprintf(cmd, sizeof cmd, "%s --version 2>/dev/null", cc);
    char *text = run_capture(cmd, &status);
    if (text && status == 0) {
        size_t line = strcspn(text, "\n");
        snprintf(out, outlen, "%.*s", (int)line, text);
    }
    free(text);
}

/* Value of "key : value" from /proc/cpuinfo, or empty. */
static void cpuinfo_field(const char *key, char *out, size_t outlen)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[1024];
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) != 0)
            continue;
        const char *colon = strchr(line + klen, ':');
        if (!colon)
            continue;
        colon++;
        while (*colon == ' ' || *colon == '\t')
            colon++;
        snprintf(out, outlen, "%.*s", (int)strcspn(colon, "\n"), colon);
        break;
    }
    fclose(f);
}

static int host_probe(kiln_devlist *list, char *err, size_t errlen)
{
    kiln_device_info info;
    memset(&info, 0, sizeof info);
    snprintf(info.backend, sizeof info.backend, "host");
    snprintf(info.platform, sizeof info.platform, "host");
    cpuinfo_field("model name", info.name, sizeof info.name);
    if (!info.name[0])
        snprintf(info.name, sizeof info.name, "host CPU");
    cpuinfo_field("vendor_id", info.vendor, sizeof info.vendor);
    kiln_host_compiler_version(kiln_host_default_cc(), info.driver, sizeof info.driver);
    snprintf(info.version, sizeof info.version, "C99");
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    info.compute_units = ncpu > 0 ? (int)ncpu : 1;
    info.global_mem_bytes = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    info.local_mem_bytes = 0;
    info.max_wg_size = 1024; /* work-items of a group are loop iterations: no hardware limit */
    info.has_f64 = 1;
    info.on_cpu = 1;
    info.platform_index = info.device_index = -1;
    if (kiln_devlist_push(list, &info) != 0) {
        kiln_errf(err, errlen, "out of memory listing the host");
        return -1;
    }
    return 0;
}

static int host_compiler_changed(kiln_rt *rt)
{
    kiln_host_compiler_version(rt->cc, rt->info.driver, sizeof rt->info.driver);
    kiln_device_fingerprint(&rt->info);
    if (!rt->info.driver[0])
        return kiln_rt_fail(rt, "compiler \"%s\" does not run (\"%s --version\" failed)", rt->cc,
                            rt->cc);
    return 0;
}

static void worker_stop(host_state *st);

static int host_open(kiln_rt *rt)
{
    host_state *st = calloc(1, sizeof *st);
    if (!st)
        return kiln_rt_fail(rt, "out of memory opening the host");
    const char *tmp = getenv("TMPDIR");
    snprintf(st->tmpdir, sizeof st->tmpdir, "%s/kiln-host-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(st->tmpdir)) {
        int e = errno;
        char dir[sizeof st->tmpdir];
        snprintf(dir, sizeof dir, "%s", st->tmpdir);
        free(st);
        return kiln_rt_fail(rt, "cannot make a work folder %s (for the host compiler's files; set TMPDIR): %s", dir,
                            strerror(e));
    }
    const char *w = getenv("KILN_HOST_WORKER");
    st->use_worker = !(w && strcmp(w, "0") == 0);
    st->worker_sock = -1;
    st->progress = mmap(NULL, sizeof *st->progress, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (st->progress == MAP_FAILED) {
        int e = errno;
        rmdir(st->tmpdir);
        free(st);
        return kiln_rt_fail(rt, "mmap of the worker's progress page: %s", strerror(e));
    }
    rt->impl = st;
    return 0;
}

static void host_close(kiln_rt *rt)
{
    host_state *st = rt->impl;
    if (!st)
        return;
    worker_stop(st);
    DIR *dir = opendir(st->tmpdir);
    if (dir) {
        struct dirent *e;
        char path[8192];
        while ((e = readdir(dir)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", st->tmpdir, e->d_name);
            unlink(path);
        }
        closedir(dir);
    }
    rmdir(st->tmpdir);
    munmap(st->progress, sizeof *st->progress);
    free(st);
    rt->impl = NULL;
}

/* ---- talking to the worker ---------------------------------------------- */

/* Messages on the worker's socket (SOCK_SEQPACKET: one message per send). */
enum wire_kind { WIRE_ADD_BUF = 1, WIRE_FREE_BUF, WIRE_ADD_PROG, WIRE_FREE_PROG, WIRE_RUN,
                 WIRE_COUNTERS };

typedef struct wire_head {
    uint32_t kind;
    uint32_t id;                  /* the buffer or program */
    uint64_t bytes;               /* ADD_BUF: its size; the memfd comes along */
    uint32_t openmp;              /* ADD_PROG: look up GOMP_parallel; the object comes along */
    uint32_t nargs;               /* RUN: wire_arg entries that follow */
    uint32_t count;               /* RUN: count the events last set by COUNTERS */
    uint32_t more;                /* RUN: more runs of its list follow (see worker_main) */
    uint64_t global[3], local[3]; /* RUN */
} wire_head;
/* ADD_PROG: the entry symbol follows, NUL-terminated. RUN: nargs wire_arg, then
 * the bytes of the scalars, in argument order. COUNTERS: the event list
 * follows, NUL-terminated; the worker resolves it itself. */
typedef struct wire_arg {
    uint32_t buf_id;       /* 0 for a scalar */
    uint32_t scalar_bytes;
} wire_arg;

typedef struct wire_reply {
    int32_t failed;        /* the worker could not run it: msg says why */
    int32_t threads;       /* counted runs: the threads that counted */
    double ns;
    int64_t counts[KILN_MAX_COUNTERS]; /* counted runs: summed over the threads */
    char msg[400];
} wire_reply;

#define WIRE_MAX 65536
/* The most runs in one list: their answers travel in one message. */
#define HOST_LIST_MAX 64


/* One message, with fd (if >= 0) passed along; 0 on success. */
static int wire_send(int sock, const void *msg, size_t len, int fd)
{
    struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    union {
        struct cmsghdr align;
        char space[CMSG_SPACE(sizeof(int))];
    } ctl;
    if (fd >= 0) {
        memset(&ctl, 0, sizeof ctl);
        mh.msg_control = ctl.space;
        mh.msg_controllen = sizeof ctl.space;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t n;
    do
        n = sendmsg(sock, &mh, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)len ? 0 : -1;
}

/* One message into buf; *fd gets a descriptor that came along, else -1.
 * Returns the length, 0 at end of stream, -1 on error. */
static ssize_t wire_recv(int sock, void *buf, size_t cap, int *fd)
{
    struct iovec iov = {.iov_base = buf, .iov_len = cap};
    union {
        struct cmsghdr align;
        char space[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
                        .msg_controllen = sizeof ctl.space};
    ssize_t n;
    do
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    *fd = -1;
    if (n < 0)
        return -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            memcpy(fd, CMSG_DATA(c), sizeof *fd);
    if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
        return -1;
    return n;
}

/* ---- the worker process -------------------------------------------------- */

typedef struct worker_buf {
    unsigned id;
    void *host;
    size_t bytes;
} worker_buf;

typedef struct worker_prog {
    unsigned id;
    void *dl;
    host_entry_fn entry;            /* NULL when loading failed: err says why */
    gomp_parallel_fn gomp_parallel;
    char err[300];
} worker_prog;

typedef struct worker {
    int sock;
    const char *tmpdir;   /* the runtime's, for the links worker_load makes */
    worker_buf *bufs;
    int nbufs, cap_bufs;
    worker_prog *progs;
    int nprogs, cap_progs;
    void **args;          /* of the run in progress */
    uint32_t cap_args;
    unsigned char *copies; /* its scalars, 16-byte aligned each */
    size_t cap_copies;
    kiln_counter_spec spec; /* what a counted run counts (spec.n = 0: nothing set) */
    char spec_err[400];
    worker_progress *progress;
    wire_reply answers[HOST_LIST_MAX]; /* of the list in progress, sent at its last run */
    int nanswers;
    int list_failed;       /* a run of the list in progress failed: the rest are not run */
} worker;

/* A counted run on an OpenMP team: each thread starts its own counters in a
 * parallel region before the kernel's and adds them up in one after it. The
 * team's threads persist between regions (libgomp reuses them), so they are
 * the kernel's threads; what they count between the regions is their
 * waiting for the kernel's region to start. */
typedef struct team_count {
    const kiln_counter_spec *spec;
    pthread_mutex_t lock;
    int64_t sums[KILN_MAX_COUNTERS];
    int threads, failed;
    char err[256];
} team_count;

static void team_start(void *data)
{
    team_count *tc = data;
    char err[256];
    if (kc_thread_start(tc->spec, err, sizeof err) != 0) {
        pthread_mutex_lock(&tc->lock);
        if (!tc->failed++)
            snprintf(tc->err, sizeof tc->err, "%s", err);
        pthread_mutex_unlock(&tc->lock);
    }
}

static void team_stop(void *data)
{
    team_count *tc = data;
    long long vals[KILN_MAX_COUNTERS] = {0};
    kc_thread_stop(tc->spec, vals);
    pthread_mutex_lock(&tc->lock);
    for (int i = 0; i < tc->spec->n; i++)
        tc->sums[i] += vals[i];
    tc->threads++;
    pthread_mutex_unlock(&tc->lock);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void no_op(void *data)
{
    (void)data;
}

/* Grows an array of n elements of size elem to hold one more; 0 on success. */
static int grow(void **items, int n, int *cap, size_t elem)
{
    if (n < *cap)
        return 0;
    int bigger = *cap ? *cap * 2 : 16;
    void *p = realloc(*items, (size_t)bigger * elem);
    if (!p)
        return -1;
    *items = p;
    *cap = bigger;
    return 0;
}

static worker_buf *worker_find_buf(worker *w, unsigned id)
{
    for (int i = 0; i < w->nbufs; i++)
        if (w->bufs[i].id == id)
            return &w->bufs[i];
    return NULL;
}

static worker_prog *worker_find_prog(worker *w, unsigned id)
{
    for (int i = 0; i < w->nprogs; i++)
        if (w->progs[i].id == id)
            return &w->progs[i];
    return NULL;
}

static void worker_add_buf(worker *w, unsigned id, void *host, size_t bytes)
{
    if (grow((void **)&w->bufs, w->nbufs, &w->cap_bufs, sizeof *w->bufs) != 0) {
        if (host)
            munmap(host, bytes);
        return; /* a run naming it then answers "unknown buffer" */
    }
    w->bufs[w->nbufs++] = (worker_buf){.id = id, .host = host, .bytes = bytes};
}

static worker_prog *worker_add_prog(worker *w, unsigned id)
{
    if (grow((void **)&w->progs, w->nprogs, &w->cap_progs, sizeof *w->progs) != 0)
        return NULL;
    worker_prog *p = &w->progs[w->nprogs++];
    memset(p, 0, sizeof *p);
    p->id = id;
    return p;
}

static void pin_openmp_runtime(void);

/* ADD_PROG: loads the object passed as fd and finds its entry point. */
static void worker_load(worker *w, const wire_head *h, const char *sym, int fd)
{
    worker_prog *p = worker_add_prog(w, h->id);
    if (!p) {
        if (fd >= 0)
            close(fd);
        return;
    }
    if (fd < 0) {
        snprintf(p->err, sizeof p->err, "the program's object did not reach the worker");
        return;
    }
    /* dlopen knows an object by the name it was opened with: /proc/self/fd/N
     * would name the next program passed as fd N too, and dlopen would hand
     * back this one. A link named after the program is unique. */
    char target[64], path[4200];
    snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
    snprintf(path, sizeof path, "%s/w%ld-p%u.so", w->tmpdir, (long)getpid(), h->id);
    if (symlink(target, path) != 0) {
        snprintf(p->err, sizeof p->err, "symlink %.200s: %s", path, strerror(errno));
        close(fd);
        return;
    }
    p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    unlink(path);
    close(fd);
    if (!p->dl) {
        snprintf(p->err, sizeof p->err, "dlopen in the worker: %s", dlerror());
        return;
    }
    void *fn = dlsym(p->dl, sym);
    if (!fn) {
        snprintf(p->err, sizeof p->err, "dlsym in the worker: no symbol \"%.200s\"", sym);
        return;
    }
    memcpy(&p->entry, &fn, sizeof fn);
    if (h->openmp) {
        pin_openmp_runtime();
        void *gp = dlsym(p->dl, "GOMP_parallel");
        if (gp)
            memcpy(&p->gomp_parallel, &gp, sizeof gp);
    }
}

static void worker_reply(worker *w, int failed, double ns, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The answer of the run in progress, kept with those of its list. */
static wire_reply *worker_answer(worker *w)
{
    wire_reply *rep = &w->answers[w->nanswers < HOST_LIST_MAX ? w->nanswers++ : HOST_LIST_MAX - 1];
    memset(rep, 0, sizeof *rep);
    return rep;
}

static void worker_reply(worker *w, int failed, double ns, const char *fmt, ...)
{
    wire_reply *rep = worker_answer(w);
    rep->failed = failed;
    rep->ns = ns;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->msg, sizeof rep->msg, fmt, ap);
    va_end(ap);
    w->list_failed |= failed;
}

/* Marks the start of a run for the parent's time limit (worker_progress). */
static void worker_run_starts(worker *w)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0)
        __atomic_store_n(&w->progress->run_cpu0_ns, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec,
                         __ATOMIC_RELEASE);
}

/* A RUN with counting: the counters of the threads that run the kernel,
 * summed, come back with the time. */
static void worker_run_counted(worker *w, const worker_prog *p, void **args, const size_t *global,
                               const size_t *local)
{
    if (w->spec.n == 0) {
        worker_reply(w, 1, 0, "counting: %s", w->spec_err[0] ? w->spec_err : "no event was set");
        return;
    }
    team_count tc = {.spec = &w->spec};
    pthread_mutex_init(&tc.lock, NULL);
    if (p->gomp_parallel)
        p->gomp_parallel(team_start, &tc, 0, 0);
    else
        team_start(&tc);
    if (tc.failed) {
        worker_reply(w, 1, 0, "counting: %s", tc.err);
        pthread_mutex_destroy(&tc.lock);
        return;
    }
    worker_run_starts(w);
    double t0 = now_ns();
    p->entry(args, global, local);
    double ns = now_ns() - t0;
    if (p->gomp_parallel)
        p->gomp_parallel(team_stop, &tc, 0, 0);
    else
        team_stop(&tc);
    pthread_mutex_destroy(&tc.lock);
    wire_reply *rep = worker_answer(w);
    rep->ns = ns;
    memcpy(rep->counts, tc.sums, sizeof rep->counts);
    rep->threads = tc.threads;
    snprintf(rep->msg, sizeof rep->msg, "ok");
}

/* RUN: rebuilds the argument array in this address space, calls, times, answers. */
static void worker_run(worker *w, const unsigned char *msg, size_t len)
{
    wire_head h;
    memcpy(&h, msg, sizeof h);
    if (w->list_failed) {
        worker_reply(w, 1, 0, "not run: an earlier run of its list failed");
        return;
    }
    worker_prog *p = worker_find_prog(w, h.id);
    if (!p || !p->entry) {
        worker_reply(w, 1, 0, "%s", p ? p->err : "the program was never handed to the worker");
        return;
    }
    size_t table = (size_t)h.nargs * sizeof(wire_arg);
    if (len < sizeof h + table) {
        worker_reply(w, 1, 0, "truncated run request");
        return;
    }
    const unsigned char *scalars = msg + sizeof h + table;
    size_t scalar_room = 16;
    for (uint32_t i = 0; i < h.nargs; i++) {
        wire_arg a;
        memcpy(&a, msg + sizeof h + i * sizeof a, sizeof a);
        scalar_room += (a.scalar_bytes + 15) / 16 * 16;
    }
    /* Kept from run to run: a kernel that crashes leaves nothing allocated behind. */
    if (h.nargs > w->cap_args) {
        void **args = realloc(w->args, h.nargs * sizeof *args);
        if (!args) {
            worker_reply(w, 1, 0, "out of memory in the worker");
            return;
        }
        w->args = args;
        w->cap_args = h.nargs;
    }
    if (scalar_room > w->cap_copies) {
        free(w->copies);
        w->copies = aligned_alloc(16, scalar_room);
        w->cap_copies = w->copies ? scalar_room : 0;
        if (!w->copies) {
            worker_reply(w, 1, 0, "out of memory in the worker");
            return;
        }
    }
    void **args = w->args;
    unsigned char *copies = w->copies;
    size_t in = 0, out = 0;
    for (uint32_t i = 0; i < h.nargs; i++) {
        wire_arg a;
        memcpy(&a, msg + sizeof h + i * sizeof a, sizeof a);
        if (a.buf_id) {
            worker_buf *b = worker_find_buf(w, a.buf_id);
            if (!b || !b->host) {
                worker_reply(w, 1, 0, "argument %u: buffer %u is not mapped in the worker", i,
                             a.buf_id);
                return;
            }
            args[i] = b->host;
        } else {
            if (scalars + in + a.scalar_bytes > msg + len) {
                worker_reply(w, 1, 0, "truncated run request");
                return;
            }
            memcpy(copies + out, scalars + in, a.scalar_bytes);
            args[i] = copies + out;
            in += a.scalar_bytes;
            out += (a.scalar_bytes + 15) / 16 * 16;
        }
    }
    size_t global[3], local[3];
    for (int d = 0; d < 3; d++) {
        global[d] = (size_t)h.global[d];
        local[d] = (size_t)h.local[d];
    }
    if (h.count) {
        worker_run_counted(w, p, args, global, local);
        return;
    }
    if (p->gomp_parallel)
        p->gomp_parallel(no_op, NULL, 0, 0);
    worker_run_starts(w);
    double t0 = now_ns();
    p->entry(args, global, local);
    double ns = now_ns() - t0;
    worker_reply(w, 0, ns, "ok");
}

/* Closes every descriptor but stdio and keep: the worker must not hold the
 * parent's memfds (their memory would outlive kiln_buf_free) or sockets. */
static void close_inherited_fds(int keep)
{
    if ((keep == 3 || close_range(3, (unsigned)keep - 1, 0) == 0) &&
        close_range((unsigned)keep + 1, ~0U, 0) == 0)
        return;
    for (int fd = 3; fd < 65536; fd++)
        if (fd != keep)
            close(fd);
}

/* The worker's life: serves requests until the socket closes. The runs of
 * a list (RUN with `more` set on all but its last) are answered together
 * after the last: the requests are all queued on the socket, so the worker
 * goes from one run to the next without sleeping and the parent is woken
 * once. On a loaded machine each wake-up of a sleeping process can wait for
 * a core for a scheduler slice, which costs more than a small kernel. */
static void worker_main(const host_state *st, int sock, pid_t parent) __attribute__((noreturn));
static void worker_main(const host_state *st, int sock, pid_t parent)
{
    /* A worker left behind by a killed kiln would spin on a hung kernel forever. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(0);
    close_inherited_fds(sock);
    worker w;
    memset(&w, 0, sizeof w);
    w.sock = sock;
    w.tmpdir = st->tmpdir;
    w.progress = st->progress;
    /* Programs loaded at the fork are loaded here too, at the same addresses. */
    for (const host_prog *hp = st->progs; hp; hp = hp->next) {
        worker_prog *p = worker_add_prog(&w, hp->id);
        if (p) {
            p->dl = hp->dl;
            p->entry = hp->entry;
            p->gomp_parallel = hp->gomp_parallel;
        }
    }
    static unsigned char msg[WIRE_MAX];
    for (;;) {
        int fd;
        ssize_t n = wire_recv(sock, msg, sizeof msg - 1, &fd);
        if (n <= 0)
            _exit(0); /* the runtime is gone */
        wire_head h;
        if ((size_t)n < sizeof h) {
            if (fd >= 0)
                close(fd);
            continue;
        }
        memcpy(&h, msg, sizeof h);
        switch (h.kind) {
        case WIRE_ADD_BUF: {
            void *host = MAP_FAILED;
            if (fd >= 0) {
                host = mmap(NULL, (size_t)h.bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                close(fd);
            }
            worker_add_buf(&w, h.id, host == MAP_FAILED ? NULL : host, (size_t)h.bytes);
            break;
        }
        case WIRE_FREE_BUF: {
            worker_buf *b = worker_find_buf(&w, h.id);
            if (b) {
                if (b->host)
                    munmap(b->host, b->bytes);
                *b = w.bufs[--w.nbufs];
            }
            break;
        }
        case WIRE_ADD_PROG:
            msg[n] = '\0';
            worker_load(&w, &h, (const char *)msg + sizeof h, fd);
            break;
        case WIRE_FREE_PROG: {
            worker_prog *p = worker_find_prog(&w, h.id);
            if (p) {
                if (p->dl)
                    dlclose(p->dl);
                *p = w.progs[--w.nprogs];
            }
            break;
        }
        case WIRE_RUN:
            worker_run(&w, msg, (size_t)n);
            if (!h.more) {
                wire_send(sock, w.answers, (size_t)w.nanswers * sizeof w.answers[0], -1);
                w.nanswers = 0;
                w.list_failed = 0;
            }
            break;
        case WIRE_COUNTERS:
            msg[n] = '\0';
            if (kc_resolve((const char *)msg + sizeof h, &w.spec, NULL, 0, w.spec_err,
                           sizeof w.spec_err) != 0)
                w.spec.n = 0;
            break;
        default:
            if (fd >= 0)
                close(fd);
            break;
        }
    }
}

/* ---- the worker, seen from the parent ------------------------------------ */

/* Forks a worker; the programs loaded now are its own from the start. */
static int worker_start(kiln_rt *rt)
{
    host_state *st = rt->impl;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return kiln_rt_fail(rt, "socketpair: %s", strerror(errno));
    pid_t parent = getpid();
    __atomic_store_n(&st->progress->run_cpu0_ns, 0, __ATOMIC_RELEASE); /* a new process's clock */
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        return kiln_rt_fail(rt, "fork: %s", strerror(e));
    }
    if (pid == 0) {
        close(sv[0]);
        worker_main(st, sv[1], parent);
    }
    close(sv[1]);
    st->worker_pid = pid;
    st->worker_sock = sv[0];
    st->worker_gen++;
    for (host_prog *hp = st->progs; hp; hp = hp->next)
        hp->worker_gen = st->worker_gen;
    return 0;
}

/* Kills the worker (if it still runs) and reaps it; its wait status. */
static int worker_end(host_state *st)
{
    int ws = 0;
    if (st->worker_pid > 0) {
        /* After it died on its own the kill is a no-op: the status stays its own. */
        kill(st->worker_pid, SIGKILL);
        while (waitpid(st->worker_pid, &ws, 0) < 0 && errno == EINTR) {
        }
    }
    if (st->worker_sock >= 0)
        close(st->worker_sock);
    st->worker_pid = 0;
    st->worker_sock = -1;
    return ws;
}

static void worker_stop(host_state *st)
{
    worker_end(st);
}

/* The worker is gone in the middle of a run: reap it and say how it ended. */
static int worker_lost(kiln_rt *rt)
{
    int ws = worker_end(rt->impl);
    if (WIFSIGNALED(ws)) {
        kiln_rt_fail(rt, "kernel crashed: signal %d (%s)", WTERMSIG(ws), strsignal(WTERMSIG(ws)));
        return KILN_RT_CRASHED;
    }
    kiln_rt_fail(rt, "kernel process exited (status %d) before finishing the run",
                 WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
    return KILN_RT_CRASHED;
}

/* Tells a worker that has id mapped or loaded to let it go. */
static void worker_forget(host_state *st, uint32_t kind, unsigned id, unsigned gen)
{
    if (!st || st->worker_pid <= 0 || gen != st->worker_gen)
        return;
    wire_head h;
    memset(&h, 0, sizeof h);
    h.kind = kind;
    h.id = id;
    /* A worker dead by now is noticed at the next run. */
    wire_send(st->worker_sock, &h, sizeof h, -1);
}

/* ---- buffers ------------------------------------------------------------ */

static int host_buf_new(kiln_rt *rt, kiln_buf *buf)
{
    host_state *st = rt->impl;
    host_buf *b = calloc(1, sizeof *b);
    if (!b)
        return kiln_rt_fail(rt, "out of memory making a buffer");
    b->id = ++st->next_id;
    b->bytes = buf->bytes;
    char name[32];
    snprintf(name, sizeof name, "kiln-buf-%u", b->id);
    b->fd = memfd_create(name, MFD_CLOEXEC);
    if (b->fd < 0) {
        int e = errno;
        free(b);
        return kiln_rt_fail(rt, "memfd_create: %s", strerror(e));
    }
    if (ftruncate(b->fd, (off_t)buf->bytes) != 0) {
        int e = errno;
        close(b->fd);
        free(b);
        return kiln_rt_fail(rt, "ftruncate(%zu bytes): %s", buf->bytes, strerror(e));
    }
    b->host = mmap(NULL, buf->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
    if (b->host == MAP_FAILED) {
        int e = errno;
        close(b->fd);
        free(b);
        return kiln_rt_fail(rt, "mmap(%zu bytes): %s", buf->bytes, strerror(e));
    }
    /* The per-run fork of KILN_HOST_WORKER=0 needs the buffers inherited. */
    if (st->use_worker)
        madvise(b->host, buf->bytes, MADV_DONTFORK);
    b->next = st->bufs;
    if (st->bufs)
        st->bufs->prev = b;
    st->bufs = b;
    buf->host = b->host;
    buf->handle = b;
    return 0;
}

static int host_buf_write(kiln_rt *rt, kiln_buf *buf, const void *host, size_t bytes)
{
    (void)rt;
    memcpy(buf->host, host, bytes);
    return 0;
}

static int host_buf_read(kiln_rt *rt, kiln_buf *buf, void *host, size_t bytes)
{
    (void)rt;
    memcpy(host, buf->host, bytes);
    return 0;
}

static void host_buf_free(kiln_rt *rt, kiln_buf *buf)
{
    host_state *st = rt->impl;
    host_buf *b = buf->handle;
    if (!b)
        return;
    worker_forget(st, WIRE_FREE_BUF, b->id, b->worker_gen);
    if (b->prev)
        b->prev->next = b->next;
    else if (st && st->bufs == b)
        st->bufs = b->next;
    if (b->next)
        b->next->prev = b->prev;
    munmap(b->host, b->bytes);
    close(b->fd);
    free(b);
    buf->host = NULL;
    buf->handle = NULL;
}

static host_buf *find_buf(host_state *st, unsigned id)
{
    for (host_buf *b = st->bufs; b; b = b->next)
        if (b->id == id)
            return b;
    return NULL;
}

/* ---- programs ----------------------------------------------------------- */

/* An OpenMP runtime pulled in by a kernel keeps worker threads alive after the
 * parallel region; unloading it with the kernel's dlclose would pull the code
 * from under them. Marking it never-unloaded (it is loaded once per process
 * anyway) makes dlclose of kernels safe. */
static void pin_openmp_runtime(void)
{
    static const char *const names[] = {"libgomp.so.1", "libomp.so", "libomp.so.5", "libiomp5.so"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        /* Only succeeds when already loaded; the extra reference is never dropped. */
        dlopen(names[i], RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
    }
}

/* dlopen + dlsym, and keeps the object open for workers; 0 on success, else
 * -1 with the reason in rt. */
static int load_object(kiln_rt *rt, host_prog *hp, const char *path, const char *kernel_name)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kiln_rt_fail(rt, "opening %s: %s", path, strerror(errno));
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        close(fd);
        return kiln_rt_fail(rt, "dlopen: %s", dlerror());
    }
    snprintf(hp->entry_sym, sizeof hp->entry_sym, "%s%s", kernel_name, KILN_C_ENTRY_SUFFIX);
    void *fn = dlsym(dl, hp->entry_sym);
    if (!fn) {
        dlclose(dl);
        close(fd);
        return kiln_rt_fail(rt, "dlsym: no symbol \"%s\" in the built object (is the kernel named "
                                "\"%s\"?)",
                            hp->entry_sym, kernel_name);
    }
    hp->dl = dl;
    hp->so_fd = fd;
    /* POSIX guarantees a data pointer from dlsym converts to a function pointer. */
    memcpy(&hp->entry, &fn, sizeof fn);
    if (hp->openmp) {
        pin_openmp_runtime();
        void *gp = dlsym(dl, "GOMP_parallel");
        if (gp)
            memcpy(&hp->gomp_parallel, &gp, sizeof gp);
    }
    return 0;
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    size_t len = strlen(text);
    int ok = fwrite(text, 1, len, f) == len;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* A built program joins the live list (a worker forked later inherits it). */
static void adopt_program(host_state *st, kiln_program *prog, host_prog *hp)
{
    hp->id = ++st->next_id;
    hp->next = st->progs;
    if (st->progs)
        st->progs->prev = hp;
    st->progs = hp;
    prog->impl = hp;
}

/* The compiler flags of source (-fopenmp only where it is used: it costs a
 * libgomp dependency otherwise) and the cache path of its object; *cached 0
 * when the cache is off. */
static void object_key(const kiln_rt *rt, const char *source, const char *options, char *flags, size_t flagslen,
                       char *cache_path, size_t pathlen, int *cached)
{
    int openmp = strstr(source, "#pragma omp") != NULL;
    snprintf(flags, flagslen, "%s%s%s%s", rt->cflags, openmp ? " -fopenmp" : "", *options ? " " : "", options);
    char build_id[2600], key[17];
    snprintf(build_id, sizeof build_id, "%s|%s", rt->cc, flags);
    kiln_cache_key(source, build_id, rt->info.fingerprint, key);
    *cached = kiln_cache_path(key, ".so", cache_path, pathlen) == 0;
}

/* Runs the compiler on source into out_path (a file of tmpdir for the
 * source). Thread-safe: touches no state but the serial. -1 with err. */
static int compile_object(kiln_rt *rt, const char *source, const char *flags, const char *out_path, char **log,
                          char *err, size_t errlen)
{
    host_state *st = rt->impl;
    unsigned serial = __atomic_fetch_add(&st->serial, 1, __ATOMIC_RELAXED);
    char src_path[4200];
    snprintf(src_path, sizeof src_path, "%s/k%u.c", st->tmpdir, serial);
    if (write_file(src_path, source) != 0) {
        kiln_errf(err, errlen, "writing %s: %s", src_path, strerror(errno));
        return -1;
    }
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "%s %s -shared -fPIC -o ", rt->cc, flags);
    shell_quote(cmd, sizeof cmd, out_path);
    strncat(cmd, " ", sizeof cmd - strlen(cmd) - 1);
    shell_quote(cmd, sizeof cmd, src_path);
    strncat(cmd, " -lm 2>&1", sizeof cmd - strlen(cmd) - 1);
    int status;
    kiln_rt_count_compile(rt);
    *log = run_capture(cmd, &status);
    unlink(src_path);
    if (status == 0)
        return 0;
    unlink(out_path);
    if (status < 0)
        kiln_errf(err, errlen, "could not run the compiler: %s", cmd);
    else
        kiln_errf(err, errlen, "compiler exited with status %d: %s", status, cmd);
    return -1;
}

/* A temporary name beside path, unique in this process. */
static void temp_beside(host_state *st, const char *path, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s.tmp.%ld.%u", path, (long)getpid(), __atomic_fetch_add(&st->serial, 1, __ATOMIC_RELAXED));
}

/* Builds ahead into the cache: the object is renamed into place whole. */
static int host_compile(kiln_rt *rt, const char *source, const char *kernel_name, const char *options, char **log,
                        char *err, size_t errlen)
{
    (void)kernel_name;
    char flags[2048], cache_path[4096], tmp[4200];
    int cached;
    object_key(rt, source, options, flags, sizeof flags, cache_path, sizeof cache_path, &cached);
    if (!cached)
        return 1;
    if (access(cache_path, R_OK) == 0)
        return 0;
    temp_beside(rt->impl, cache_path, tmp, sizeof tmp);
    if (compile_object(rt, source, flags, tmp, log, err, errlen) != 0)
        return -1;
    if (rename(tmp, cache_path) != 0) {
        unlink(tmp);
        return 1;
    }
    return 0;
}

static int host_build(kiln_rt *rt, kiln_program *prog, const char *source, const char *options,
                      char **log)
{
    host_state *st = rt->impl;
    host_prog *hp = calloc(1, sizeof *hp);
    if (!hp)
        return kiln_rt_fail(rt, "out of memory building a program");
    hp->so_fd = -1;
    hp->openmp = strstr(source, "#pragma omp") != NULL;
    char flags[2048], cache_path[4096], out_path[4200];
    int cached;
    object_key(rt, source, options, flags, sizeof flags, cache_path, sizeof cache_path, &cached);
    if (cached && access(cache_path, R_OK) == 0 &&
        load_object(rt, hp, cache_path, prog->kernel_name) == 0) {
        adopt_program(st, prog, hp);
        return 0;
    }
    if (cached)
        temp_beside(st, cache_path, out_path, sizeof out_path);
    else
        snprintf(out_path, sizeof out_path, "%s/k%u.so", st->tmpdir,
                 __atomic_fetch_add(&st->serial, 1, __ATOMIC_RELAXED));
    if (compile_object(rt, source, flags, out_path, log, rt->err, sizeof rt->err) != 0) {
        free(hp);
        return -1;
    }
    const char *load_path = out_path;
    if (cached) {
        if (rename(out_path, cache_path) == 0)
            load_path = cache_path;
    }
    int rc = load_object(rt, hp, load_path, prog->kernel_name);
    /* Once mapped and open, the file is not needed (an uncached object would only pile up). */
    if (load_path == out_path)
        unlink(out_path);
    if (rc != 0) {
        free(hp);
        return -1;
    }
    adopt_program(st, prog, hp);
    return 0;
}

static void host_program_free(kiln_rt *rt, kiln_program *prog)
{
    host_state *st = rt->impl;
    host_prog *hp = prog->impl;
    if (!hp)
        return;
    worker_forget(st, WIRE_FREE_PROG, hp->id, hp->worker_gen);
    if (hp->prev)
        hp->prev->next = hp->next;
    else if (st && st->progs == hp)
        st->progs = hp->next;
    if (hp->next)
        hp->next->prev = hp->prev;
    for (int i = 0; i < hp->nargs; i++)
        free(hp->slots[i].scalar);
    free(hp->slots);
    free(hp->args);
    if (hp->dl)
        dlclose(hp->dl);
    if (hp->so_fd >= 0)
        close(hp->so_fd);
    free(hp);
    prog->impl = NULL;
}

/* Makes room for argument index; 0 on success. */
static int reserve_arg(kiln_rt *rt, host_prog *hp, int index)
{
    if (index < hp->nargs)
        return 0;
    int n = index + 1;
    void **args = realloc(hp->args, (size_t)n * sizeof *args);
    if (!args)
        return kiln_rt_fail(rt, "out of memory setting argument %d", index);
    hp->args = args;
    host_arg *slots = realloc(hp->slots, (size_t)n * sizeof *slots);
    if (!slots)
        return kiln_rt_fail(rt, "out of memory setting argument %d", index);
    hp->slots = slots;
    for (int i = hp->nargs; i < n; i++) {
        hp->args[i] = NULL;
        hp->slots[i] = (host_arg){0};
    }
    hp->nargs = n;
    return 0;
}

static int host_set_buf(kiln_rt *rt, kiln_program *prog, int index, kiln_buf *buf)
{
    host_prog *hp = prog->impl;
    host_buf *b = buf->handle;
    if (reserve_arg(rt, hp, index) != 0)
        return -1;
    free(hp->slots[index].scalar);
    hp->slots[index] = (host_arg){.buf_id = b->id};
    hp->args[index] = buf->host;
    return 0;
}

static int host_set_scalar(kiln_rt *rt, kiln_program *prog, int index, const void *value,
                           size_t bytes)
{
    host_prog *hp = prog->impl;
    if (reserve_arg(rt, hp, index) != 0)
        return -1;
    /* 16-byte aligned whatever the type, as the entry point dereferences it typed. */
    void *copy = aligned_alloc(16, (bytes + 15) / 16 * 16);
    if (!copy)
        return kiln_rt_fail(rt, "out of memory setting argument %d", index);
    memcpy(copy, value, bytes);
    free(hp->slots[index].scalar);
    hp->slots[index] = (host_arg){.scalar = copy, .scalar_bytes = bytes};
    hp->args[index] = copy;
    return 0;
}

/* ---- runs --------------------------------------------------------------- */

/* The wall-clock backstop of a time limit, as a multiple of it (plus 1 s). */
#define HOST_WALL_BACKSTOP 20

/* The clocks a run's time limit is measured on. */
typedef struct run_clock {
    pid_t pid;            /* the process running the kernel */
    clockid_t cpu;        /* its CPU-time clock */
    int has_cpu;          /* 0: the clock is unavailable, the limit counts wall time */
    double cpu0_ns;       /* its CPU time when the run was requested */
    double wall0_ns;
    int runs;             /* of the list awaited: the wall-clock backstop is theirs together */
    const worker_progress *progress; /* NULL, or where the worker marks each run's start */
} run_clock;

static double clock_ns(clockid_t id, int *ok)
{
    struct timespec ts;
    *ok = clock_gettime(id, &ts) == 0;
    return *ok ? (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec : 0;
}

static void run_clock_start(run_clock *c, pid_t pid, int runs, const worker_progress *progress)
{
    c->pid = pid;
    c->runs = runs;
    c->progress = progress;
    c->has_cpu = clock_getcpuclockid(pid, &c->cpu) == 0;
    if (c->has_cpu)
        c->cpu0_ns = clock_ns(c->cpu, &c->has_cpu);
    c->wall0_ns = now_ns();
}

/* Threads of process pid (field 20 of /proc/<pid>/stat); 1 when unknown. */
static int process_threads(pid_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    const char *p = strrchr(line, ')'); /* the command name may hold spaces */
    long threads = 0;
    for (int field = 2; p && field < 20; field++) {
        p = strchr(p + 1, ' ');
        if (p && field == 19)
            threads = strtol(p + 1, NULL, 10);
    }
    return threads > 0 ? (int)threads : 1;
}

/* Milliseconds of its limit the run has left (<= 0: past it), counted on
 * the kernel's CPU time per thread, or on the wall-clock backstop. In a
 * list, each run's CPU time counts from its own start. */
static double run_left_ms(const run_clock *c, int timeout_ms)
{
    double wall_ms = (now_ns() - c->wall0_ns) / 1e6;
    double backstop_ms = ((double)timeout_ms * HOST_WALL_BACKSTOP + 1000.0) * c->runs;
    if (!c->has_cpu)
        return (double)timeout_ms * c->runs - wall_ms;
    double cpu0_ns = c->cpu0_ns;
    if (c->progress) {
        double started_ns = (double)__atomic_load_n(&c->progress->run_cpu0_ns, __ATOMIC_ACQUIRE);
        cpu0_ns = started_ns > cpu0_ns ? started_ns : cpu0_ns;
    }
    int ok;
    double cpu_ms = (clock_ns(c->cpu, &ok) - cpu0_ns) / 1e6 / process_threads(c->pid);
    if (!ok) /* the process is gone: its end is on the socket */
        cpu_ms = 0;
    double left = timeout_ms - cpu_ms;
    return backstop_ms - wall_ms < left ? backstop_ms - wall_ms : left;
}

/* Waits until fd is readable: 1, or 0 once the run is past its limit
 * (rt->timeout_ms; 0 = none), or -1 when poll fails (errno set). A thread
 * gains at most 1 ms of CPU time per ms, so sleeping for what is left of the
 * limit never overshoots it. */
static int wait_readable(kiln_rt *rt, const run_clock *c, int fd)
{
    for (;;) {
        double left_ms = rt->timeout_ms > 0 ? run_left_ms(c, rt->timeout_ms) : 0;
        if (rt->timeout_ms > 0 && left_ms <= 0)
            return 0;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr = poll(&pfd, 1, rt->timeout_ms > 0 ? (int)left_ms + 1 : -1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr != 0)
            return pr > 0 ? 1 : -1;
    }
}

/* Waits for the worker's answers to a list of n runs (one message); 0
 * with reps[0 .. n - 1] filled, or the status of a list that did not end
 * well. */
static int await_replies(kiln_rt *rt, int n, wire_reply *reps)
{
    host_state *st = rt->impl;
    run_clock clock;
    run_clock_start(&clock, st->worker_pid, n, st->progress);
    for (;;) {
        int ready = wait_readable(rt, &clock, st->worker_sock);
        if (ready == 0) {
            worker_end(st);
            if (n == 1)
                kiln_rt_fail(rt, "kernel did not finish within %d ms (worker process killed)", rt->timeout_ms);
            else
                kiln_rt_fail(rt, "a kernel of a list of %d runs did not finish within %d ms (worker process killed)",
                             n, rt->timeout_ms);
            return KILN_RT_TIMEOUT;
        }
        if (ready < 0) {
            int e = errno;
            worker_end(st);
            return kiln_rt_fail(rt, "poll on the worker: %s", strerror(e));
        }
        ssize_t r = recv(st->worker_sock, reps, (size_t)n * sizeof *reps, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == (ssize_t)((size_t)n * sizeof *reps))
            return 0;
        return worker_lost(rt); /* end of stream: it died before answering */
    }
}

/* One run of a list. */
typedef struct host_run_req {
    host_prog *hp;
    size_t global[3], local[3];
} host_run_req;

/* Sends one RUN (more: others of its list follow) to the running worker,
 * handing it first whatever it does not have yet; 0, 1 when the worker is
 * gone, -1 on an error of the request itself (message in rt). */
static int send_run(kiln_rt *rt, const host_run_req *req, int counted, int more)
{
    host_state *st = rt->impl;
    host_prog *hp = req->hp;
    size_t len = sizeof(wire_head) + (size_t)hp->nargs * sizeof(wire_arg); /* below WIRE_MAX: prepare_run */
    for (int i = 0; i < hp->nargs; i++)
        len += hp->slots[i].scalar_bytes;
    unsigned char *msg = malloc(len);
    if (!msg)
        return kiln_rt_fail(rt, "out of memory making a run request");
    int lost = 0;
    wire_head h;
    if (hp->worker_gen != st->worker_gen) {
        size_t symlen = strlen(hp->entry_sym) + 1;
        unsigned char add[sizeof h + sizeof hp->entry_sym];
        memset(&h, 0, sizeof h);
        h.kind = WIRE_ADD_PROG;
        h.id = hp->id;
        h.openmp = (uint32_t)hp->openmp;
        memcpy(add, &h, sizeof h);
        memcpy(add + sizeof h, hp->entry_sym, symlen);
        lost |= wire_send(st->worker_sock, add, sizeof h + symlen, hp->so_fd);
        hp->worker_gen = st->worker_gen;
    }
    if (counted && (st->counters_gen != st->worker_gen || st->counters_serial != rt->counters->serial)) {
        /* the worker resolves the names itself: PAPI lives in its process */
        char list[sizeof rt->counters->names + KILN_MAX_COUNTERS] = "";
        for (int i = 0; i < rt->counters->n; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? "," : "",
                     rt->counters->names[i]);
        unsigned char cm[sizeof h + sizeof list];
        memset(&h, 0, sizeof h);
        h.kind = WIRE_COUNTERS;
        memcpy(cm, &h, sizeof h);
        memcpy(cm + sizeof h, list, strlen(list) + 1);
        lost |= wire_send(st->worker_sock, cm, sizeof h + strlen(list) + 1, -1);
        st->counters_gen = st->worker_gen;
        st->counters_serial = rt->counters->serial;
    }
    memset(&h, 0, sizeof h);
    h.kind = WIRE_RUN;
    h.id = hp->id;
    h.count = (uint32_t)counted;
    h.more = (uint32_t)more;
    h.nargs = (uint32_t)hp->nargs;
    for (int d = 0; d < 3; d++) {
        h.global[d] = req->global[d];
        h.local[d] = req->local[d];
    }
    memcpy(msg, &h, sizeof h);
    unsigned char *scalars = msg + sizeof h + (size_t)hp->nargs * sizeof(wire_arg);
    for (int i = 0; i < hp->nargs && !lost; i++) {
        const host_arg *a = &hp->slots[i];
        wire_arg wa = {.buf_id = a->buf_id, .scalar_bytes = (uint32_t)a->scalar_bytes};
        memcpy(msg + sizeof h + (size_t)i * sizeof wa, &wa, sizeof wa);
        if (a->buf_id) {
            host_buf *b = find_buf(st, a->buf_id);
            if (b->worker_gen != st->worker_gen) {
                wire_head add;
                memset(&add, 0, sizeof add);
                add.kind = WIRE_ADD_BUF;
                add.id = b->id;
                add.bytes = b->bytes;
                lost |= wire_send(st->worker_sock, &add, sizeof add, b->fd);
                b->worker_gen = st->worker_gen;
            }
        } else {
            memcpy(scalars, a->scalar, a->scalar_bytes);
            scalars += a->scalar_bytes;
        }
    }
    if (!lost)
        lost = wire_send(st->worker_sock, msg, len, -1);
    free(msg);
    return lost ? 1 : 0;
}

/* A list of n runs (at most HOST_LIST_MAX) in the worker (started if none
 * runs), all requests sent before the first answer is awaited; each run's
 * time in elapsed_ns[i]. vals (n == 1 only) gets the counts of a counted run. */
static int run_list_in_worker(kiln_rt *rt, int n, const host_run_req *reqs, double *elapsed_ns, long long *vals,
                              int *threads)
{
    host_state *st = rt->impl;
    if (st->worker_pid <= 0 && worker_start(rt) != 0)
        return -1;
    int lost = 0;
    for (int i = 0; i < n && !lost; i++) {
        lost = send_run(rt, &reqs[i], vals != NULL, i < n - 1);
        if (lost < 0) {
            if (i > 0)
                worker_end(st); /* the runs sent wait for their list's last, which cannot come now */
            return -1;
        }
    }
    if (lost)
        return worker_lost(rt); /* it died between runs, or on what it was handed */
    wire_reply *reps = malloc((size_t)n * sizeof *reps);
    if (!reps) {
        worker_end(st);
        return kiln_rt_fail(rt, "out of memory awaiting %d runs", n);
    }
    int rc = await_replies(rt, n, reps);
    for (int i = 0; rc == 0 && i < n; i++) {
        if (reps[i].failed) {
            rc = kiln_rt_fail(rt, "host worker: %s", reps[i].msg);
            break;
        }
        elapsed_ns[i] = reps[i].ns;
    }
    if (rc == 0 && vals) {
        for (int i = 0; i < rt->counters->n; i++)
            vals[i] += reps[0].counts[i];
        *threads = reps[0].threads;
    }
    free(reps);
    return rc;
}

/* KILN_HOST_WORKER=0: the kernel runs in a child forked for this run alone,
 * which reports its time through a pipe. rt->timeout_ms == 0 waits for as
 * long as it takes. */
static int run_in_child(kiln_rt *rt, host_prog *hp, const size_t *global, const size_t *local,
                        double *elapsed_ns)
{
    int fds[2];
    if (pipe(fds) != 0)
        return kiln_rt_fail(rt, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        return kiln_rt_fail(rt, "fork: %s", strerror(e));
    }
    if (pid == 0) {
        close(fds[0]);
        if (hp->gomp_parallel)
            hp->gomp_parallel(no_op, NULL, 0, 0);
        double t0 = now_ns();
        hp->entry(hp->args, global, local);
        double ns = now_ns() - t0;
        ssize_t w = write(fds[1], &ns, sizeof ns);
        _exit(w == (ssize_t)sizeof ns ? 0 : 1);
    }
    close(fds[1]);

    run_clock clock;
    run_clock_start(&clock, pid, 1, NULL);
    double ns = 0;
    size_t got = 0;
    int timed_out = 0;
    while (got < sizeof ns) {
        int ready = wait_readable(rt, &clock, fds[0]);
        timed_out = ready == 0;
        if (ready <= 0)
            break;
        ssize_t r = read(fds[0], (char *)&ns + got, sizeof ns - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* EOF: the child died before reporting */
        got += (size_t)r;
    }
    close(fds[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    int ws;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
        kiln_rt_fail(rt, "kernel did not finish within %d ms (child process killed)",
                     rt->timeout_ms);
        return KILN_RT_TIMEOUT;
    }
    if (WIFSIGNALED(ws)) {
        kiln_rt_fail(rt, "kernel crashed: signal %d (%s)", WTERMSIG(ws), strsignal(WTERMSIG(ws)));
        return KILN_RT_CRASHED;
    }
    if (got < sizeof ns || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        kiln_rt_fail(rt, "kernel process exited (status %d) before finishing the run",
                     WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
        return KILN_RT_CRASHED;
    }
    *elapsed_ns = ns;
    return 0;
}

/* Largest divisor of n not above cap: the work-group size when none is given. */
static size_t divisor_at_most(size_t n, size_t cap)
{
    for (size_t d = cap < n ? cap : n; d > 1; d--)
        if (n % d == 0)
            return d;
    return 1;
}

/* Checks prog's arguments and fills req for a run of it on geo; 0 or -1. */
static int prepare_run(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, host_run_req *req)
{
    host_state *st = rt->impl;
    host_prog *hp = prog->impl;
    size_t bytes = sizeof(wire_head) + (size_t)hp->nargs * sizeof(wire_arg);
    for (int i = 0; i < hp->nargs; i++) {
        if (!hp->args[i])
            return kiln_rt_fail(rt, "argument %d of %s was never set", i, prog->kernel_name);
        if (hp->slots[i].buf_id && !find_buf(st, hp->slots[i].buf_id))
            return kiln_rt_fail(rt, "argument %d of %s: its buffer was freed", i,
                                prog->kernel_name);
        bytes += hp->slots[i].scalar_bytes;
    }
    if (st->use_worker && bytes >= WIRE_MAX)
        return kiln_rt_fail(rt, "arguments of %d bytes are more than a run request holds (%d)", (int)bytes,
                            WIRE_MAX);
    req->hp = hp;
    for (int d = 0; d < 3; d++) {
        req->global[d] = geo->global[d];
        req->local[d] = geo->local[d];
    }
    if (req->local[0] == 0) {
        req->local[0] = divisor_at_most(req->global[0], 64);
        req->local[1] = req->local[2] = 1;
    }
    return 0;
}

/* A list of runs in the worker, a run past its limit confirmed by running
 * the list once more in a fresh process before it is final: something
 * outside the kernel (a first-run cost, a stalled machine) must not make a
 * fast kernel a timeout. */
static int run_list_confirmed(kiln_rt *rt, int n, const host_run_req *reqs, double *elapsed_ns, long long *vals,
                              int *threads)
{
    long long got[KILN_MAX_COUNTERS] = {0};
    int rc = run_list_in_worker(rt, n, reqs, elapsed_ns, vals ? got : NULL, threads);
    if (rc == KILN_RT_TIMEOUT) {
        memset(got, 0, sizeof got);
        rc = run_list_in_worker(rt, n, reqs, elapsed_ns, vals ? got : NULL, threads);
        if (rc == KILN_RT_TIMEOUT)
            kiln_rt_fail(rt,
                         "kernel did not finish within %d ms of its CPU time, twice (the run "
                         "was repeated in a fresh process; both were killed)",
                         rt->timeout_ms);
    }
    for (int i = 0; rc == 0 && vals && i < rt->counters->n; i++)
        vals[i] += got[i];
    return rc;
}

/* One run; vals (NULL: not counted) gets rt->counters' counts added. */
static int host_run_any(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, double *elapsed_ns,
                        long long *vals, int *threads)
{
    host_state *st = rt->impl;
    host_prog *hp = prog->impl;
    host_run_req req;
    if (prepare_run(rt, prog, geo, &req) != 0)
        return -1;
    if (vals && !st->use_worker)
        return kiln_rt_fail(rt, "counting events needs the host worker (KILN_HOST_WORKER=0 is set)");
    if (st->use_worker)
        return run_list_confirmed(rt, 1, &req, elapsed_ns, vals, threads);
    if (rt->timeout_ms > 0 || hp->openmp) {
        int rc = run_in_child(rt, hp, req.global, req.local, elapsed_ns);
        if (rc == KILN_RT_TIMEOUT) {
            /* confirmed as run_list_confirmed does */
            rc = run_in_child(rt, hp, req.global, req.local, elapsed_ns);
            if (rc == KILN_RT_TIMEOUT)
                kiln_rt_fail(rt,
                             "kernel did not finish within %d ms of its CPU time, twice (the run "
                             "was repeated in a fresh process; both were killed)",
                             rt->timeout_ms);
        }
        return rc;
    }
    double t0 = now_ns();
    hp->entry(hp->args, req.global, req.local);
    *elapsed_ns = now_ns() - t0;
    return 0;
}

static int host_run(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, double *elapsed_ns)
{
    return host_run_any(rt, prog, geo, elapsed_ns, NULL, NULL);
}

/* n runs in order: with the worker, in lists of up to HOST_LIST_MAX that it
 * runs back to back and answers together (see worker_main). */
static int host_run_list(kiln_rt *rt, int n, kiln_program *const *progs, const kiln_geometry *geos,
                         double *elapsed_ns)
{
    host_state *st = rt->impl;
    if (!st->use_worker) {
        for (int i = 0; i < n; i++) {
            int rc = host_run(rt, progs[i], &geos[i], &elapsed_ns[i]);
            if (rc != 0)
                return rc;
        }
        return 0;
    }
    host_run_req reqs[HOST_LIST_MAX];
    for (int first = 0; first < n; first += HOST_LIST_MAX) {
        int m = n - first < HOST_LIST_MAX ? n - first : HOST_LIST_MAX;
        for (int i = 0; i < m; i++)
            if (prepare_run(rt, progs[first + i], &geos[first + i], &reqs[i]) != 0)
                return -1;
        int rc = run_list_confirmed(rt, m, reqs, elapsed_ns + first, NULL, NULL);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int host_run_counted(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo,
                            double *elapsed_ns, long long *vals, int *threads)
{
    return host_run_any(rt, prog, geo, elapsed_ns, vals, threads);
}

const kiln_rt_ops kiln_rt_host_ops = {
    .backend = "host",
    .lang = KILN_LANG_C,
    .can_cancel = 1,
    .probe = host_probe,
    .compile = host_compile,
    .builds_apart = 1,
    .open = host_open,
    .close = host_close,
    .buf_new = host_buf_new,
    .buf_write = host_buf_write,
    .buf_read = host_buf_read,
    .buf_free = host_buf_free,
    .build = host_build,
    .program_free = host_program_free,
    .set_buf = host_set_buf,
    .set_scalar = host_set_scalar,
    .run = host_run,
    .run_list = host_run_list,
    .run_counted = host_run_counted,
    .compiler_changed = host_compiler_changed,
};
