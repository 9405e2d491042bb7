/*
 * counters.c: hardware and software event counts and energy around a series
 * of runs.
 *
 * Events come from two sources. PAPI (presets such as PAPI_TOT_INS, or native
 * names with "::") counts what the CPU's performance monitoring unit counts,
 * where the machine exposes one; kiln asks PAPI which events exist and
 * refuses the others by name. The Linux kernel's software events
 * ("sw:task-clock", "sw:page-faults", "sw:context-switches",
 * "sw:cpu-migrations", through perf_event_open) exist wherever perf events
 * are allowed at all, virtual machines without a PMU included.
 *
 * Counting happens on threads: kc_thread_start/stop count the calling thread
 * (the host backend's worker calls them on each thread of an OpenMP team);
 * kc_process_start/stop attach to every thread of this process (an OpenCL
 * driver that runs kernels on its own threads, as PoCL does, is counted
 * that way: the host-side threads of the driver, not the device itself).
 *
 * Energy: RAPL through the powercap interface (/sys/class/powercap) for the
 * host's CPU packages, NVML (libnvidia-ml, loaded at run time) for NVIDIA
 * GPUs. Both are cumulative counters read before and after a series.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef KILN_HAVE_PAPI
#include <papi.h>
#include <pthread.h>
#endif
#include "runtime/rt_int.h"

/* ---- software events (perf_event_open) ---------------------------------- */

static const struct {
    const char *name;
    unsigned long long config;
} sw_events[] = {
    {"sw:task-clock", PERF_COUNT_SW_TASK_CLOCK},
    {"sw:page-faults", PERF_COUNT_SW_PAGE_FAULTS},
    {"sw:context-switches", PERF_COUNT_SW_CONTEXT_SWITCHES},
    {"sw:cpu-migrations", PERF_COUNT_SW_CPU_MIGRATIONS},
};
#define N_SW_EVENTS (int)(sizeof sw_events / sizeof sw_events[0])

/* An event counter on thread tid (0: the calling thread), disabled; -1 on failure. */
static int sw_open(unsigned long long config, pid_t tid)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.type = PERF_TYPE_SOFTWARE;
    a.size = sizeof a;
    a.config = config;
    a.disabled = 1;
    a.exclude_kernel = 1; /* what perf_event_paranoid 2 allows */
    a.exclude_hv = 1;
    return (int)syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static int sw_find(const char *name)
{
    for (int i = 0; i < N_SW_EVENTS; i++)
        if (strcasecmp(name, sw_events[i].name) == 0)
            return i;
    return -1;
}

static int sw_usable(int i)
{
    int fd = sw_open(sw_events[i].config, 0);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

static void sw_start_fd(int fd)
{
    ioctl(fd, PERF_EVENT_IOC_RESET, 0);
    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
}

static long long sw_stop_fd(int fd)
{
    long long v = 0;
    ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
    if (read(fd, &v, sizeof v) != (ssize_t)sizeof v)
        v = 0;
    return v;
}

/* ---- PAPI --------------------------------------------------------------- */

#ifdef KILN_HAVE_PAPI
static unsigned long self_thread_id(void)
{
    return (unsigned long)pthread_self();
}

/* PAPI, initialised once in this process (a forked worker starts afresh). */
static pid_t papi_owner;
static char papi_why[256];

static int papi_ready(void)
{
    if (papi_owner == getpid())
        return 1;
    if (PAPI_is_initialized() != PAPI_NOT_INITED)
        PAPI_shutdown(); /* state inherited from the parent across fork */
    int v = PAPI_library_init(PAPI_VER_CURRENT);
    if (v != PAPI_VER_CURRENT) {
        snprintf(papi_why, sizeof papi_why, "PAPI_library_init: %s",
                 v > 0 ? "version mismatch" : PAPI_strerror(v));
        return 0;
    }
    if (PAPI_thread_init(self_thread_id) != PAPI_OK) {
        snprintf(papi_why, sizeof papi_why, "PAPI_thread_init failed");
        return 0;
    }
    papi_owner = getpid();
    return 1;
}

static int papi_usable(const char *name)
{
    return papi_ready() && PAPI_query_named_event(name) == PAPI_OK;
}

/* What PAPI can count here, or why nothing. */
static void papi_list(char *out, size_t len)
{
    size_t used = strlen(out);
    if (!papi_ready()) {
        snprintf(out + used, len - used, "%sPAPI: none (%s)", used ? "; " : "", papi_why);
        return;
    }
    const PAPI_hw_info_t *hw = PAPI_get_hardware_info();
    int ncounters = PAPI_num_cmp_hwctrs(0);
    int any = 0, code = PAPI_PRESET_MASK;
    if (PAPI_enum_event(&code, PAPI_ENUM_FIRST) == PAPI_OK) {
        do {
            char name[PAPI_MAX_STR_LEN];
            if (PAPI_query_event(code) != PAPI_OK || PAPI_event_code_to_name(code, name) != PAPI_OK)
                continue;
            used = strlen(out);
            snprintf(out + used, len - used, "%s%s", used ? ", " : "", name);
            any = 1;
        } while (PAPI_enum_event(&code, PAPI_PRESET_ENUM_AVAIL) == PAPI_OK);
    }
    if (!any) {
        used = strlen(out);
        snprintf(out + used, len - used, "%sPAPI %d.%d: no event (%d hardware counters%s)",
                 used ? "; " : "", PAPI_VERSION_MAJOR(PAPI_VERSION), PAPI_VERSION_MINOR(PAPI_VERSION),
                 ncounters < 0 ? 0 : ncounters, hw && hw->virtualized ? ", a virtual machine" : "");
    }
}

static int spec_papi_count(const kiln_counter_spec *spec)
{
    int n = 0;
    for (int i = 0; i < spec->n; i++)
        n += spec->source[i] == KC_PAPI;
    return n;
}

/* An event set of spec's PAPI events, attached to tid (0: the calling thread). */
static int papi_eventset(const kiln_counter_spec *spec, pid_t tid, char *err, size_t errlen)
{
    int es = PAPI_NULL, rc;
    if ((rc = PAPI_create_eventset(&es)) != PAPI_OK)
        goto fail;
    if (tid) {
        if ((rc = PAPI_assign_eventset_component(es, 0)) != PAPI_OK ||
            (rc = PAPI_attach(es, (unsigned long)tid)) != PAPI_OK)
            goto fail;
    }
    for (int i = 0; i < spec->n; i++)
        if (spec->source[i] == KC_PAPI && (rc = PAPI_add_named_event(es, spec->names[i])) != PAPI_OK) {
            kiln_errf(err, errlen, "PAPI cannot count %s%s: %s", spec->names[i],
                      tid ? " on another thread" : "", PAPI_strerror(rc));
            PAPI_cleanup_eventset(es);
            PAPI_destroy_eventset(&es);
            return -1;
        }
    return es;
fail:
    kiln_errf(err, errlen, "PAPI event set: %s", PAPI_strerror(rc));
    if (es != PAPI_NULL)
        PAPI_destroy_eventset(&es);
    return -1;
}

/* Stops es and adds its values to vals, in spec order. */
static void papi_collect(const kiln_counter_spec *spec, int es, long long *vals)
{
    long long got[KILN_MAX_COUNTERS] = {0};
    PAPI_stop(es, got);
    for (int i = 0, k = 0; i < spec->n; i++)
        if (spec->source[i] == KC_PAPI)
            vals[i] += got[k++];
}
#endif


/* ---- resolving a list of names ------------------------------------------ */

void kiln_counters_available(char *out, size_t len)
{
    if (!out || len == 0)
        return;
    out[0] = '\0';
    for (int i = 0; i < N_SW_EVENTS; i++)
        if (sw_usable(i)) {
            size_t used = strlen(out);
            snprintf(out + used, len - used, "%s%s", used ? ", " : "", sw_events[i].name);
        }
    if (!out[0])
        snprintf(out, len, "no software event (perf_event_open: %s)", strerror(errno));
#ifdef KILN_HAVE_PAPI
    papi_list(out, len);
#else
    size_t used = strlen(out);
    snprintf(out + used, len - used, "; PAPI: none (kiln was built without PAPI)");
#endif
}

static int spec_add(kiln_counter_spec *spec, const char *name, int source, int sw, char *err,
                    size_t errlen)
{
    for (int i = 0; i < spec->n; i++)
        if (strcasecmp(spec->names[i], name) == 0)
            return 0;
    if (spec->n == KILN_MAX_COUNTERS) {
        kiln_errf(err, errlen, "more than %d events asked for (at '%s')", KILN_MAX_COUNTERS, name);
        return -1;
    }
    snprintf(spec->names[spec->n], sizeof spec->names[0], "%s", sw >= 0 ? sw_events[sw].name : name);
    spec->source[spec->n] = source;
    spec->sw[spec->n] = sw;
    spec->n++;
    return 0;
}

static int resolve_one(kiln_counter_spec *spec, const char *name, char *err, size_t errlen)
{
    char avail[2048];
    int sw = sw_find(name);
    if (sw >= 0) {
        if (sw_usable(sw))
            return spec_add(spec, name, KC_SW, sw, err, errlen);
        kiln_counters_available(avail, sizeof avail);
        kiln_errf(err, errlen, "event '%s' cannot be counted here (perf_event_open: %s); available: %s",
                  name, strerror(errno), avail);
        return -1;
    }
    if (strncmp(name, "sw:", 3) == 0) {
        kiln_counters_available(avail, sizeof avail);
        kiln_errf(err, errlen, "unknown software event '%s'; available: %s", name, avail);
        return -1;
    }
#ifdef KILN_HAVE_PAPI
    if (papi_usable(name))
        return spec_add(spec, name, KC_PAPI, -1, err, errlen);
#endif
    kiln_counters_available(avail, sizeof avail);
    kiln_errf(err, errlen, "event '%s' is not available on this machine; available: %s", name, avail);
    return -1;
}

/* "auto": every software event and every PAPI preset this machine counts. */
static void resolve_auto(kiln_counter_spec *spec, char *note, size_t notelen)
{
    char skipped[1024] = "";
    for (int i = 0; i < N_SW_EVENTS; i++) {
        if (sw_usable(i))
            spec_add(spec, sw_events[i].name, KC_SW, i, NULL, 0);
        else
            snprintf(skipped + strlen(skipped), sizeof skipped - strlen(skipped), "%s%s",
                     skipped[0] ? ", " : "", sw_events[i].name);
    }
#ifdef KILN_HAVE_PAPI
    int code = PAPI_PRESET_MASK, papi = 0;
    if (papi_ready() && PAPI_enum_event(&code, PAPI_ENUM_FIRST) == PAPI_OK) {
        do {
            char name[PAPI_MAX_STR_LEN];
            if (spec->n < KILN_MAX_COUNTERS && PAPI_query_event(code) == PAPI_OK &&
                PAPI_event_code_to_name(code, name) == PAPI_OK) {
                spec_add(spec, name, KC_PAPI, -1, NULL, 0);
                papi++;
            }
        } while (PAPI_enum_event(&code, PAPI_PRESET_ENUM_AVAIL) == PAPI_OK);
    }
    if (!papi)
        snprintf(skipped + strlen(skipped), sizeof skipped - strlen(skipped),
                 "%severy PAPI preset (%s)", skipped[0] ? ", " : "",
                 papi_owner == getpid() ? "no hardware counter" : papi_why);
#else
    snprintf(skipped + strlen(skipped), sizeof skipped - strlen(skipped),
             "%severy PAPI event (kiln was built without PAPI)", skipped[0] ? ", " : "");
#endif
    if (note && notelen)
        snprintf(note, notelen, "%s", skipped);
}

int kc_resolve(const char *list, kiln_counter_spec *spec, char *note, size_t notelen, char *err,
               size_t errlen)
{
    memset(spec, 0, sizeof *spec);
    if (note && notelen)
        note[0] = '\0';
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf) {
        kiln_errf(err, errlen, "event list too long (%zu characters)", strlen(list));
        return -1;
    }
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        size_t n = strlen(tok);
        while (n && tok[n - 1] == ' ')
            tok[--n] = '\0';
        if (!*tok)
            continue;
        if (strcasecmp(tok, "auto") == 0)
            resolve_auto(spec, note, notelen);
        else if (resolve_one(spec, tok, err, errlen) != 0)
            return -1;
    }
    if (spec->n == 0) {
        char avail[2048];
        kiln_counters_available(avail, sizeof avail);
        kiln_errf(err, errlen, "no event to count in '%s'; available: %s", list, avail);
        return -1;
    }
    return 0;
}

/* ---- counting the calling thread ---------------------------------------- */

/* Per thread: its perf descriptors and PAPI event set, opened at its first
 * start and kept (threads of an OpenMP team live as long as the worker). */
static __thread int thread_fd[KILN_MAX_COUNTERS];
static __thread int thread_open = 0;
static __thread unsigned thread_spec_serial;
#ifdef KILN_HAVE_PAPI
static __thread int thread_es = -1;
#endif

static void thread_close(void)
{
    for (int i = 0; i < KILN_MAX_COUNTERS; i++)
        if (thread_open && thread_fd[i] >= 0)
            close(thread_fd[i]);
#ifdef KILN_HAVE_PAPI
    if (thread_es >= 0) {
        PAPI_cleanup_eventset(thread_es);
        PAPI_destroy_eventset(&thread_es);
        thread_es = -1;
    }
#endif
    thread_open = 0;
}

int kc_thread_start(const kiln_counter_spec *spec, char *err, size_t errlen)
{
    if (thread_open && thread_spec_serial != spec->serial)
        thread_close();
    if (!thread_open) {
        for (int i = 0; i < KILN_MAX_COUNTERS; i++)
            thread_fd[i] = -1;
        for (int i = 0; i < spec->n; i++)
            if (spec->source[i] == KC_SW && (thread_fd[i] = sw_open(sw_events[spec->sw[i]].config, 0)) < 0) {
                kiln_errf(err, errlen, "perf_event_open %s: %s", spec->names[i], strerror(errno));
                thread_open = 1;
                thread_close();
                return -1;
            }
        thread_open = 1;
        thread_spec_serial = spec->serial;
#ifdef KILN_HAVE_PAPI
        if (spec_papi_count(spec)) {
            if (!papi_ready()) {
                kiln_errf(err, errlen, "%s", papi_why);
                thread_close();
                return -1;
            }
            PAPI_register_thread();
            if ((thread_es = papi_eventset(spec, 0, err, errlen)) < 0) {
                thread_close();
                return -1;
            }
        }
#endif
    }
    for (int i = 0; i < spec->n; i++)
        if (thread_fd[i] >= 0)
            sw_start_fd(thread_fd[i]);
#ifdef KILN_HAVE_PAPI
    if (thread_es >= 0 && PAPI_start(thread_es) != PAPI_OK) {
        kiln_errf(err, errlen, "PAPI_start failed");
        return -1;
    }
#endif
    return 0;
}

void kc_thread_stop(const kiln_counter_spec *spec, long long *vals)
{
    if (!thread_open)
        return;
    for (int i = 0; i < spec->n; i++)
        if (thread_fd[i] >= 0)
            vals[i] += sw_stop_fd(thread_fd[i]);
#ifdef KILN_HAVE_PAPI
    if (thread_es >= 0)
        papi_collect(spec, thread_es, vals);
#endif
}

/* ---- counting every thread of this process ------------------------------ */

struct kc_group {
    const kiln_counter_spec *spec;
    int nthreads;
    int (*fd)[KILN_MAX_COUNTERS];
    int *es;
};

kc_group *kc_process_start(const kiln_counter_spec *spec, char *err, size_t errlen)
{
    DIR *dir = opendir("/proc/self/task");
    if (!dir) {
        kiln_errf(err, errlen, "/proc/self/task: %s", strerror(errno));
        return NULL;
    }
    kc_group *g = calloc(1, sizeof *g);
    int cap = 0;
    struct dirent *de;
    while (g && (de = readdir(dir))) {
        pid_t tid = (pid_t)atoi(de->d_name);
        if (tid <= 0)
            continue;
        if (g->nthreads == cap) {
            cap = cap ? 2 * cap : 16;
            void *fd = realloc(g->fd, (size_t)cap * sizeof *g->fd);
            void *es = realloc(g->es, (size_t)cap * sizeof *g->es);
            if (fd)
                g->fd = fd;
            if (es)
                g->es = es;
            if (!fd || !es) {
                kiln_errf(err, errlen, "out of memory");
                closedir(dir);
                kc_process_abort(g);
                return NULL;
            }
        }
        int t = g->nthreads++;
        g->es[t] = -1;
        for (int i = 0; i < KILN_MAX_COUNTERS; i++)
            g->fd[t][i] = -1;
        for (int i = 0; i < spec->n; i++)
            if (spec->source[i] == KC_SW)
                g->fd[t][i] = sw_open(sw_events[spec->sw[i]].config, tid);
#ifdef KILN_HAVE_PAPI
        if (spec_papi_count(spec) && papi_ready())
            g->es[t] = papi_eventset(spec, tid, NULL, 0);
#endif
    }
    closedir(dir);
    if (!g)
        return NULL;
    g->spec = spec;
    /* Reset and enable last, so that opening is not counted. */
    for (int t = 0; t < g->nthreads; t++) {
        for (int i = 0; i < spec->n; i++)
            if (g->fd[t][i] >= 0)
                sw_start_fd(g->fd[t][i]);
#ifdef KILN_HAVE_PAPI
        if (g->es[t] >= 0)
            PAPI_start(g->es[t]);
#endif
    }
    return g;
}

int kc_process_stop(kc_group *g, long long *vals)
{
    int counted = 0;
    for (int t = 0; t < g->nthreads; t++) {
        int any = 0;
        for (int i = 0; i < g->spec->n; i++)
            if (g->fd[t][i] >= 0) {
                long long v = sw_stop_fd(g->fd[t][i]);
                vals[i] += v;
                any = 1;
            }
#ifdef KILN_HAVE_PAPI
        if (g->es[t] >= 0) {
            papi_collect(g->spec, g->es[t], vals);
            any = 1;
        }
#endif
        counted += any;
    }
    kc_process_abort(g);
    return counted;
}

void kc_process_abort(kc_group *g)
{
    if (!g)
        return;
    for (int t = 0; t < g->nthreads; t++) {
        for (int i = 0; i < KILN_MAX_COUNTERS; i++)
            if (g->fd && g->fd[t][i] >= 0)
                close(g->fd[t][i]);
#ifdef KILN_HAVE_PAPI
        if (g->es && g->es[t] >= 0) {
            PAPI_cleanup_eventset(g->es[t]);
            PAPI_destroy_eventset(&g->es[t]);
        }
#endif
    }
    free(g->fd);
    free(g->es);
    free(g);
}

/* ---- energy ------------------------------------------------------------- */

/* RAPL package domains: /sys/class/powercap/intel-rapl:N/energy_uj (AMD's
 * packages appear under the same name). Sums the packages' counters. */
static int rapl_read(double *joules, double *range_j, char *why, size_t whylen)
{
    const char *root = getenv("KILN_POWERCAP_DIR");
    if (!root || !*root)
        root = "/sys/class/powercap";
    DIR *dir = opendir(root);
    if (!dir) {
        kiln_errf(why, whylen, "%s: %s", root, strerror(errno));
        return -1;
    }
    double sum = 0, range = 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        /* intel-rapl:0 is a package; intel-rapl:0:0 a part of it */
        const char *p = de->d_name;
        if (strncmp(p, "intel-rapl:", 11) != 0 || strchr(p + 11, ':'))
            continue;
        char path[4200];
        unsigned long long uj = 0, max = 0;
        snprintf(path, sizeof path, "%s/%s/energy_uj", root, p);
        FILE *f = fopen(path, "r");
        if (!f || fscanf(f, "%llu", &uj) != 1) {
            kiln_errf(why, whylen, "%s: %s", path, f ? "unreadable" : strerror(errno));
            if (f)
                fclose(f);
            closedir(dir);
            return -1;
        }
        fclose(f);
        snprintf(path, sizeof path, "%s/%s/max_energy_range_uj", root, p);
        if ((f = fopen(path, "r"))) {
            if (fscanf(f, "%llu", &max) != 1)
                max = 0;
            fclose(f);
        }
        sum += (double)uj * 1e-6;
        range += (double)max * 1e-6;
        n++;
    }
    closedir(dir);
    if (n == 0) {
        kiln_errf(why, whylen, "%s has no RAPL package domain (intel-rapl:N)", root);
        return -1;
    }
    *joules = sum;
    *range_j = range;
    return 0;
}

/* NVML, loaded at run time so that kiln needs no CUDA to build or run. */
typedef struct nvml_api {
    void *dl;
    int (*init)(void);
    int (*count)(unsigned *);
    int (*handle)(unsigned, void **);
    int (*name)(void *, char *, unsigned);
    int (*energy)(void *, unsigned long long *);
    const char *(*error)(int);
} nvml_api;

static nvml_api nvml;

static int nvml_load(char *why, size_t whylen)
{
    if (nvml.dl)
        return 0;
    const char *lib = getenv("KILN_NVML_LIBRARY");
    void *dl = dlopen(lib && *lib ? lib : "libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        kiln_errf(why, whylen, "NVML: %s", dlerror());
        return -1;
    }
    void *f[6] = {dlsym(dl, "nvmlInit_v2"), dlsym(dl, "nvmlDeviceGetCount_v2"),
                  dlsym(dl, "nvmlDeviceGetHandleByIndex_v2"), dlsym(dl, "nvmlDeviceGetName"),
                  dlsym(dl, "nvmlDeviceGetTotalEnergyConsumption"), dlsym(dl, "nvmlErrorString")};
    for (int i = 0; i < 6; i++)
        if (!f[i]) {
            kiln_errf(why, whylen, "NVML: a function is missing from the library (%d)", i);
            dlclose(dl);
            return -1;
        }
    memcpy(&nvml.init, &f[0], sizeof f[0]);
    memcpy(&nvml.count, &f[1], sizeof f[1]);
    memcpy(&nvml.handle, &f[2], sizeof f[2]);
    memcpy(&nvml.name, &f[3], sizeof f[3]);
    memcpy(&nvml.energy, &f[4], sizeof f[4]);
    memcpy(&nvml.error, &f[5], sizeof f[5]);
    int rc = nvml.init();
    if (rc != 0) {
        kiln_errf(why, whylen, "nvmlInit: %s", nvml.error(rc));
        dlclose(dl);
        return -1;
    }
    nvml.dl = dl;
    return 0;
}

/* The NVML device whose name matches the OpenCL device's (the only one when
 * names repeat: kiln cannot tell same-named GPUs apart without PCI ids). */
static void *nvml_device(const char *cl_name, char *why, size_t whylen)
{
    if (nvml_load(why, whylen) != 0)
        return NULL;
    unsigned n = 0;
    if (nvml.count(&n) != 0 || n == 0) {
        kiln_errf(why, whylen, "NVML sees no GPU");
        return NULL;
    }
    void *found = NULL;
    int matches = 0;
    for (unsigned i = 0; i < n; i++) {
        void *h;
        char name[96];
        if (nvml.handle(i, &h) != 0 || nvml.name(h, name, sizeof name) != 0)
            continue;
        if (strcasestr(cl_name, name) || strcasestr(name, cl_name)) {
            found = h;
            matches++;
        }
    }
    if (matches == 1)
        return found;
    if (matches)
        kiln_errf(why, whylen, "NVML: %d GPUs are named like '%s'", matches, cl_name);
    else
        kiln_errf(why, whylen, "NVML: no GPU named like '%s'", cl_name);
    return NULL;
}

int kc_energy_open(kc_energy *e, const kiln_device_info *dev, char *err, size_t errlen)
{
    char why[512] = "";
    memset(e, 0, sizeof *e);
    int cpu = strcmp(dev->backend, "host") == 0 || strcasestr(dev->platform, "Portable Computing");
    if (!cpu && (strcasestr(dev->vendor, "NVIDIA") || strcasestr(dev->platform, "NVIDIA"))) {
        e->nvml_dev = nvml_device(dev->name, why, sizeof why);
        if (e->nvml_dev) {
            snprintf(e->source, sizeof e->source, "nvml");
            return 0;
        }
    } else if (cpu) {
        double j, range;
        if (rapl_read(&j, &range, why, sizeof why) == 0) {
            snprintf(e->source, sizeof e->source, "rapl");
            return 0;
        }
    } else {
        snprintf(why, sizeof why, "kiln reads energy from RAPL (CPUs) and NVML (NVIDIA GPUs) only");
    }
    kiln_errf(err, errlen, "no energy measurement for %s: %s", dev->name, why);
    return -1;
}

int kc_energy_read(const kc_energy *e, double *joules)
{
    if (e->nvml_dev) {
        unsigned long long mj = 0;
        if (nvml.energy(e->nvml_dev, &mj) != 0)
            return -1;
        *joules = (double)mj * 1e-3;
        return 0;
    }
    double range;
    return rapl_read(joules, &range, NULL, 0);
}

double kc_energy_range(const kc_energy *e)
{
    double j, range = 0;
    if (!e->nvml_dev && rapl_read(&j, &range, NULL, 0) != 0)
        range = 0;
    return range;
}
