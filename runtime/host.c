/*
 * host.c: the host-C backend. A variant in C99 is compiled by the system
 * compiler into a shared object, loaded with dlopen, and its entry point
 *   void <kernel>_entry(void *const *args, const size_t *global, const size_t *local)
 * is called. Buffers are shared anonymous mappings so that, when a time limit
 * is set, each run can happen in a forked child: a kernel that crashes or
 * hangs then kills only the child, and its writes still reach the buffers.
 * Shared objects go through the binary cache like OpenCL binaries do.
 *
 * OpenMP kernels always run in a child: an OpenMP runtime that has started
 * its threads in a process does not survive fork (the child's team waits for
 * threads that do not exist), so the parent must never start them. The child
 * starts the team before the clock does, so a run's time is the kernel's.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "runtime/rt_int.h"

typedef void (*host_entry_fn)(void *const *args, const size_t *global, const size_t *local);
/* libgomp's entry for a parallel region (the ABI GCC emits calls to). */
typedef void (*gomp_parallel_fn)(void (*fn)(void *), void *data, unsigned nthreads, unsigned flags);

typedef struct host_state {
    char tmpdir[4096];  /* sources and uncached objects of this kiln_rt */
    unsigned serial;    /* makes file names unique within tmpdir */
} host_state;

typedef struct host_prog {
    void *dl;
    host_entry_fn entry;
    int openmp;                   /* built with -fopenmp: run in a child only */
    gomp_parallel_fn gomp_parallel; /* to start the thread team before timing, if libgomp */
    void **args;        /* what the entry point receives */
    void **owned;       /* copies of scalar values (owned[i] == args[i] for scalars) */
    int nargs;
} host_prog;

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

static int host_open(kiln_rt *rt)
{
    host_state *st = calloc(1, sizeof *st);
    if (!st)
        return kiln_rt_fail(rt, "out of memory opening the host");
    const char *tmp = getenv("TMPDIR");
    snprintf(st->tmpdir, sizeof st->tmpdir, "%s/kiln-host-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(st->tmpdir)) {
        int e = errno;
        free(st);
        return kiln_rt_fail(rt, "mkdtemp: %s", strerror(e));
    }
    rt->impl = st;
    return 0;
}

static void host_close(kiln_rt *rt)
{
    host_state *st = rt->impl;
    if (!st)
        return;
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
    free(st);
    rt->impl = NULL;
}

/* ---- buffers ------------------------------------------------------------ */

static int host_buf_new(kiln_rt *rt, kiln_buf *buf)
{
    void *p = mmap(NULL, buf->bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return kiln_rt_fail(rt, "mmap(%zu bytes): %s", buf->bytes, strerror(errno));
    buf->host = p;
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
    (void)rt;
    if (buf->host)
        munmap(buf->host, buf->bytes);
    buf->host = NULL;
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

/* dlopen + dlsym; 0 on success, else -1 with the reason in rt. */
static int load_object(kiln_rt *rt, host_prog *hp, const char *path, const char *kernel_name)
{
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl)
        return kiln_rt_fail(rt, "dlopen: %s", dlerror());
    char sym[512];
    snprintf(sym, sizeof sym, "%s%s", kernel_name, KILN_C_ENTRY_SUFFIX);
    void *fn = dlsym(dl, sym);
    if (!fn) {
        dlclose(dl);
        return kiln_rt_fail(rt, "dlsym: no symbol \"%s\" in the built object (is the kernel named "
                                "\"%s\"?)",
                            sym, kernel_name);
    }
    hp->dl = dl;
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

static int host_build(kiln_rt *rt, kiln_program *prog, const char *source, const char *options,
                      char **log)
{
    host_state *st = rt->impl;
    host_prog *hp = calloc(1, sizeof *hp);
    if (!hp)
        return kiln_rt_fail(rt, "out of memory building a program");

    /* -fopenmp only where it is used: it costs a libgomp dependency otherwise. */
    char flags[2048];
    hp->openmp = strstr(source, "#pragma omp") != NULL;
    snprintf(flags, sizeof flags, "%s%s%s%s", rt->cflags, hp->openmp ? " -fopenmp" : "",
             *options ? " " : "", options);
    char build_id[2600];
    snprintf(build_id, sizeof build_id, "%s|%s", rt->cc, flags);
    char key[17], cache_path[4096], out_path[4200];
    kiln_cache_key(source, build_id, rt->info.fingerprint, key);
    int cached = kiln_cache_path(key, ".so", cache_path, sizeof cache_path) == 0;
    if (cached && access(cache_path, R_OK) == 0 &&
        load_object(rt, hp, cache_path, prog->kernel_name) == 0) {
        prog->impl = hp;
        return 0;
    }

    unsigned serial = st->serial++;
    char src_path[4200];
    snprintf(src_path, sizeof src_path, "%s/k%u.c", st->tmpdir, serial);
    if (cached)
        snprintf(out_path, sizeof out_path, "%s.tmp.%ld.%u", cache_path, (long)getpid(), serial);
    else
        snprintf(out_path, sizeof out_path, "%s/k%u.so", st->tmpdir, serial);
    if (write_file(src_path, source) != 0) {
        int e = errno;
        free(hp);
        return kiln_rt_fail(rt, "writing %s: %s", src_path, strerror(e));
    }

    char cmd[16384];
    snprintf(cmd, sizeof cmd, "%s %s -shared -fPIC -o ", rt->cc, flags);
    shell_quote(cmd, sizeof cmd, out_path);
    strncat(cmd, " ", sizeof cmd - strlen(cmd) - 1);
    shell_quote(cmd, sizeof cmd, src_path);
    strncat(cmd, " -lm 2>&1", sizeof cmd - strlen(cmd) - 1);
    int status;
    *log = run_capture(cmd, &status);
    unlink(src_path);
    if (status != 0) {
        unlink(out_path);
        free(hp);
        if (status < 0)
            return kiln_rt_fail(rt, "could not run the compiler: %s", cmd);
        return kiln_rt_fail(rt, "compiler exited with status %d: %s", status, cmd);
    }
    const char *load_path = out_path;
    if (cached) {
        if (rename(out_path, cache_path) == 0)
            load_path = cache_path;
    }
    int rc = load_object(rt, hp, load_path, prog->kernel_name);
    /* Once mapped, the file is not needed (an uncached object would only pile up). */
    if (load_path == out_path)
        unlink(out_path);
    if (rc != 0) {
        free(hp);
        return -1;
    }
    prog->impl = hp;
    return 0;
}

static void host_program_free(kiln_rt *rt, kiln_program *prog)
{
    (void)rt;
    host_prog *hp = prog->impl;
    if (!hp)
        return;
    for (int i = 0; i < hp->nargs; i++)
        free(hp->owned[i]);
    free(hp->owned);
    free(hp->args);
    if (hp->dl)
        dlclose(hp->dl);
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
    void **owned = realloc(hp->owned, (size_t)n * sizeof *owned);
    if (!owned)
        return kiln_rt_fail(rt, "out of memory setting argument %d", index);
    hp->owned = owned;
    for (int i = hp->nargs; i < n; i++)
        hp->args[i] = hp->owned[i] = NULL;
    hp->nargs = n;
    return 0;
}

static int host_set_buf(kiln_rt *rt, kiln_program *prog, int index, kiln_buf *buf)
{
    host_prog *hp = prog->impl;
    if (reserve_arg(rt, hp, index) != 0)
        return -1;
    free(hp->owned[index]);
    hp->owned[index] = NULL;
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
    free(hp->owned[index]);
    hp->owned[index] = hp->args[index] = copy;
    return 0;
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

/* Runs the kernel in a child; the child reports its time through the pipe.
 * rt->timeout_ms == 0 waits for as long as it takes. */
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

    double deadline = now_ns() + rt->timeout_ms * 1e6;
    double ns = 0;
    size_t got = 0;
    int timed_out = 0;
    while (got < sizeof ns) {
        double left_ms = (deadline - now_ns()) / 1e6;
        if (rt->timeout_ms > 0 && left_ms <= 0) {
            timed_out = 1;
            break;
        }
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        int pr = poll(&pfd, 1, rt->timeout_ms > 0 ? (int)left_ms + 1 : -1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            break;
        if (pr == 0)
            continue; /* the deadline check above decides */
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

static int host_run(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, double *elapsed_ns)
{
    host_prog *hp = prog->impl;
    for (int i = 0; i < hp->nargs; i++)
        if (!hp->args[i])
            return kiln_rt_fail(rt, "argument %d of %s was never set", i, prog->kernel_name);
    size_t global[3], local[3];
    for (int d = 0; d < 3; d++) {
        global[d] = geo->global[d];
        local[d] = geo->local[d];
    }
    if (local[0] == 0) {
        local[0] = divisor_at_most(global[0], 64);
        local[1] = local[2] = 1;
    }
    if (rt->timeout_ms > 0 || hp->openmp)
        return run_in_child(rt, hp, global, local, elapsed_ns);
    double t0 = now_ns();
    hp->entry(hp->args, global, local);
    *elapsed_ns = now_ns() - t0;
    return 0;
}

const kiln_rt_ops kiln_rt_host_ops = {
    .backend = "host",
    .lang = KILN_LANG_C,
    .probe = host_probe,
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
    .compiler_changed = host_compiler_changed,
};
