/*
 * rt.c: the backend-independent half of the runtime. It lists devices from
 * every backend, picks one from a selector, checks the caller's arguments
 * once (so backends can trust them) and dispatches through the ops table.
 * The error message of a kiln_rt lives here.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "runtime/rt_int.h"
#include "kiln/lookup.h"

/* In listing order: OpenCL devices first, then the host. */
static const kiln_rt_ops *const backends[] = {&kiln_rt_opencl_ops, &kiln_rt_host_ops};
#define NBACKENDS (sizeof backends / sizeof backends[0])

void kiln_errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void kiln_rt_vfail(kiln_rt *rt, const char *fmt, va_list ap)
{
    vsnprintf(rt->err, sizeof rt->err, fmt, ap);
}

int kiln_rt_fail(kiln_rt *rt, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kiln_rt_vfail(rt, fmt, ap);
    va_end(ap);
    return -1;
}

void kiln_device_fingerprint(kiln_device_info *info)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s|%s|%s|%s|%d", info->backend, info->platform,
                     info->name, info->driver, info->compute_units);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof buf)
        n = (int)sizeof buf - 1;
    kiln_hash_hex(buf, (size_t)n, info->fingerprint);
}

/* For applications that name their device as kiln does (kiln/lookup.h):
 * the fields are cut to the lengths kiln_device_info holds, as a probe cuts them. */
int kiln_lookup_fingerprint(const char *backend, const char *platform, const char *device, const char *driver,
                            int compute_units, char out[17])
{
    if (!backend || !platform || !device || !driver || !out)
        return -1;
    kiln_device_info info;
    memset(&info, 0, sizeof info);
    snprintf(info.backend, sizeof info.backend, "%s", backend);
    snprintf(info.platform, sizeof info.platform, "%s", platform);
    snprintf(info.name, sizeof info.name, "%s", device);
    snprintf(info.driver, sizeof info.driver, "%s", driver);
    info.compute_units = compute_units;
    kiln_device_fingerprint(&info);
    memcpy(out, info.fingerprint, 17);
    return 0;
}

int kiln_devlist_push(kiln_devlist *list, const kiln_device_info *dev)
{
    if (list->count == list->cap) {
        int cap = list->cap ? list->cap * 2 : 4;
        kiln_device_info *items = realloc(list->items, (size_t)cap * sizeof *items);
        if (!items)
            return -1;
        list->items = items;
        list->cap = cap;
    }
    list->items[list->count] = *dev;
    kiln_device_fingerprint(&list->items[list->count]);
    list->count++;
    return 0;
}

/* Probes the given backends. A backend that fails to probe only loses its own
 * devices; its reason is kept in err so that an empty list can say why. */
static int probe_backends(const kiln_rt_ops *const *which, size_t nwhich, kiln_devlist *list,
                          char *err, size_t errlen)
{
    char why[1024];
    if (err && errlen)
        err[0] = '\0';
    for (size_t i = 0; i < nwhich; i++) {
        why[0] = '\0';
        int before = list->count;
        if (which[i]->probe(list, why, sizeof why) != 0) {
            list->count = before;
            kiln_errf(err, errlen, "%s: %s", which[i]->backend, why);
        }
    }
    return 0;
}

int kiln_devices_list(kiln_device_info **out, int *count, char *err, size_t errlen)
{
    kiln_devlist list = {0};
    probe_backends(backends, NBACKENDS, &list, err, errlen);
    *out = list.items;
    *count = list.count;
    return 0;
}

static const kiln_rt_ops *ops_for(const char *backend)
{
    for (size_t i = 0; i < NBACKENDS; i++)
        if (strcmp(backends[i]->backend, backend) == 0)
            return backends[i];
    return NULL;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return n == 0;
}

/* "12" -> 12; -1 unless the whole string is digits. */
static int parse_index(const char *s, size_t len)
{
    if (len == 0 || len > 6)
        return -1;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Index into list of the device the selector names, or -1. */
static int select_device(const kiln_devlist *list, const char *sel)
{
    if (!sel || !*sel) {
        for (int i = 0; i < list->count; i++)
            if (strcmp(list->items[i].backend, "opencl") == 0)
                return i;
        for (int i = 0; i < list->count; i++)
            if (strcmp(list->items[i].backend, "host") == 0)
                return i;
        return -1;
    }
    const char *colon = strchr(sel, ':');
    if (colon) {
        int p = parse_index(sel, (size_t)(colon - sel));
        int d = parse_index(colon + 1, strlen(colon + 1));
        if (p >= 0 && d >= 0) {
            for (int i = 0; i < list->count; i++)
                if (list->items[i].platform_index == p && list->items[i].device_index == d &&
                    strcmp(list->items[i].backend, "opencl") == 0)
                    return i;
            return -1;
        }
    }
    int d = parse_index(sel, strlen(sel));
    if (d >= 0)
        return d < list->count ? d : -1;
    for (int i = 0; i < list->count; i++)
        if (contains_nocase(list->items[i].name, sel) ||
            contains_nocase(list->items[i].platform, sel))
            return i;
    return -1;
}

kiln_rt *kiln_rt_open(const char *selector, char *err, size_t errlen)
{
    kiln_devlist list = {0};
    char why[1024] = "";
    int is_host = selector && strcasecmp(selector, "host") == 0;
    if (is_host) {
        /* Touching OpenCL is not needed (and may be slow) just to reach the host. */
        static const kiln_rt_ops *const host_only[] = {&kiln_rt_host_ops};
        probe_backends(host_only, 1, &list, why, sizeof why);
    } else {
        probe_backends(backends, NBACKENDS, &list, why, sizeof why);
    }
    int pick = is_host ? (list.count > 0 ? 0 : -1) : select_device(&list, selector);
    if (pick < 0) {
        char avail[1024] = "";
        size_t used = 0;
        for (int i = 0; i < list.count && used < sizeof avail; i++) {
            int n = snprintf(avail + used, sizeof avail - used, "%s%d: %s [%s]", i ? ", " : "",
                             i, list.items[i].name, list.items[i].platform);
            if (n < 0)
                break;
            used += (size_t)n;
        }
        kiln_errf(err, errlen, "no device matches selector \"%s\" (available: %s)%s%s",
                  selector ? selector : "", list.count ? avail : "none",
                  why[0] ? "; " : "", why);
        free(list.items);
        return NULL;
    }
    kiln_rt *rt = calloc(1, sizeof *rt);
    if (!rt) {
        kiln_errf(err, errlen, "out of memory opening a device");
        free(list.items);
        return NULL;
    }
    rt->info = list.items[pick];
    rt->build_procs = -1;
    free(list.items);
    rt->ops = ops_for(rt->info.backend);
    snprintf(rt->cc, sizeof rt->cc, "%s", kiln_host_default_cc());
    snprintf(rt->cflags, sizeof rt->cflags, "%s", KILN_HOST_DEFAULT_FLAGS);
    if (!rt->ops || rt->ops->open(rt) != 0) {
        kiln_errf(err, errlen, "opening %s: %s", rt->info.name,
                  rt->ops ? rt->err : "no backend for this device");
        free(rt);
        return NULL;
    }
    return rt;
}

void kiln_rt_close(kiln_rt *rt)
{
    if (!rt)
        return;
    kiln_rt_keep(rt, NULL, NULL);
    rt->ops->close(rt);
    free(rt->counters);
    free(rt);
}

const kiln_device_info *kiln_rt_device(const kiln_rt *rt)
{
    return &rt->info;
}

kiln_lang kiln_rt_lang(const kiln_rt *rt)
{
    return rt->ops->lang;
}

const char *kiln_rt_errmsg(const kiln_rt *rt)
{
    return rt ? rt->err : "no runtime (kiln_rt_open failed)";
}

int kiln_rt_set_compiler(kiln_rt *rt, const char *cc, const char *flags)
{
    if (!rt->ops->compiler_changed)
        return kiln_rt_fail(rt, "kiln_rt_set_compiler: device \"%s\" is not the host-C backend",
                            rt->info.name);
    const char *new_cc = cc && *cc ? cc : kiln_host_default_cc();
    const char *new_flags = flags ? flags : KILN_HOST_DEFAULT_FLAGS;
    if (strlen(new_cc) >= sizeof rt->cc || strlen(new_flags) >= sizeof rt->cflags)
        return kiln_rt_fail(rt, "kiln_rt_set_compiler: compiler command or flags too long");
    char old_cc[sizeof rt->cc], old_flags[sizeof rt->cflags];
    memcpy(old_cc, rt->cc, sizeof old_cc);
    memcpy(old_flags, rt->cflags, sizeof old_flags);
    snprintf(rt->cc, sizeof rt->cc, "%s", new_cc);
    snprintf(rt->cflags, sizeof rt->cflags, "%s", new_flags);
    if (rt->ops->compiler_changed(rt) != 0) {
        /* keep the last working compiler: the error message stays */
        memcpy(rt->cc, old_cc, sizeof old_cc);
        memcpy(rt->cflags, old_flags, sizeof old_flags);
        char msg[sizeof rt->err];
        memcpy(msg, rt->err, sizeof msg);
        rt->ops->compiler_changed(rt);
        memcpy(rt->err, msg, sizeof msg);
        return -1;
    }
    return 0;
}

int kiln_rt_can_cancel(const kiln_rt *rt)
{
    return rt->ops->can_cancel;
}

int kiln_rt_set_timeout(kiln_rt *rt, int timeout_ms)
{
    if (timeout_ms < 0)
        return kiln_rt_fail(rt, "kiln_rt_set_timeout: negative timeout %d ms", timeout_ms);
    rt->timeout_ms = timeout_ms;
    return 0;
}

/* ---- buffers ------------------------------------------------------------ */

kiln_buf *kiln_buf_new(kiln_rt *rt, size_t bytes)
{
    if (bytes == 0) {
        kiln_rt_fail(rt, "kiln_buf_new: zero-byte buffer");
        return NULL;
    }
    kiln_buf *buf = calloc(1, sizeof *buf);
    if (!buf) {
        kiln_rt_fail(rt, "kiln_buf_new: out of memory");
        return NULL;
    }
    buf->bytes = bytes;
    if (rt->ops->buf_new(rt, buf) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int check_transfer(kiln_rt *rt, const char *what, kiln_buf *buf, const void *host,
                          size_t bytes)
{
    if (!buf || !host)
        return kiln_rt_fail(rt, "%s: NULL %s", what, buf ? "host pointer" : "buffer");
    if (bytes > buf->bytes)
        return kiln_rt_fail(rt, "%s: %zu bytes requested but the buffer holds %zu", what, bytes,
                            buf->bytes);
    return 0;
}

int kiln_buf_write(kiln_rt *rt, kiln_buf *buf, const void *host, size_t bytes)
{
    if (check_transfer(rt, "kiln_buf_write", buf, host, bytes) != 0)
        return -1;
    return bytes ? rt->ops->buf_write(rt, buf, host, bytes) : 0;
}

int kiln_buf_read(kiln_rt *rt, kiln_buf *buf, void *host, size_t bytes)
{
    if (check_transfer(rt, "kiln_buf_read", buf, host, bytes) != 0)
        return -1;
    return bytes ? rt->ops->buf_read(rt, buf, host, bytes) : 0;
}

int kiln_buf_fill(kiln_rt *rt, kiln_buf *buf, const void *pattern, size_t pattern_bytes, size_t bytes)
{
    int power_of_two = pattern_bytes && (pattern_bytes & (pattern_bytes - 1)) == 0;
    if (!buf || !pattern || !power_of_two || pattern_bytes > 128 || bytes % pattern_bytes != 0)
        return kiln_rt_fail(rt, "kiln_buf_fill: a pattern of %zu bytes cannot fill %zu bytes", pattern_bytes,
                            bytes);
    if (bytes > buf->bytes)
        return kiln_rt_fail(rt, "kiln_buf_fill: %zu bytes asked of a %zu-byte buffer", bytes, buf->bytes);
    if (bytes == 0)
        return 0;
    if (rt->ops->buf_fill)
        return rt->ops->buf_fill(rt, buf, pattern, pattern_bytes, bytes);
    unsigned char *host = malloc(bytes);
    if (!host)
        return kiln_rt_fail(rt, "kiln_buf_fill: out of memory");
    for (size_t at = 0; at < bytes; at += pattern_bytes)
        memcpy(host + at, pattern, pattern_bytes);
    int rc = rt->ops->buf_write(rt, buf, host, bytes);
    free(host);
    return rc;
}

void kiln_rt_keep(kiln_rt *rt, void *data, void (*release)(kiln_rt *rt, void *data))
{
    if (rt->kept && rt->kept_release)
        rt->kept_release(rt, rt->kept);
    rt->kept = data;
    rt->kept_release = release;
}

void *kiln_rt_kept(const kiln_rt *rt)
{
    return rt->kept;
}

void kiln_buf_free(kiln_rt *rt, kiln_buf *buf)
{
    if (!buf)
        return;
    rt->ops->buf_free(rt, buf);
    free(buf);
}

/* ---- programs ----------------------------------------------------------- */

kiln_program *kiln_program_build(kiln_rt *rt, const char *source, const char *kernel_name,
                                 const char *options, char **log)
{
    if (log)
        *log = NULL;
    if (!source || !kernel_name || !*kernel_name) {
        kiln_rt_fail(rt, "kiln_program_build: %s", source ? "no kernel name" : "no source");
        return NULL;
    }
    kiln_program *prog = calloc(1, sizeof *prog);
    if (!prog || !(prog->kernel_name = strdup(kernel_name))) {
        free(prog);
        kiln_rt_fail(rt, "kiln_program_build: out of memory");
        return NULL;
    }
    char *build_log = NULL;
    int rc = rt->ops->build(rt, prog, source, options ? options : "", &build_log);
    if (log)
        *log = build_log ? build_log : strdup("");
    else
        free(build_log);
    if (rc != 0) {
        free(prog->kernel_name);
        free(prog);
        return NULL;
    }
    return prog;
}

int kiln_program_compile(kiln_rt *rt, const char *source, const char *kernel_name, const char *options,
                         char **log, char *err, size_t errlen)
{
    if (log)
        *log = NULL;
    if (!source || !kernel_name || !*kernel_name) {
        kiln_errf(err, errlen, "kiln_program_compile: %s", source ? "no kernel name" : "no source");
        return -1;
    }
    if (!rt->ops->compile)
        return 1;
    char *build_log = NULL;
    int rc = rt->ops->compile(rt, source, kernel_name, options ? options : "", &build_log, err, errlen);
    if (log)
        *log = build_log;
    else
        free(build_log);
    return rc;
}

void kiln_rt_count_compile(kiln_rt *rt)
{
    __atomic_fetch_add(&rt->compiles, 1, __ATOMIC_RELAXED);
}

int kiln_rt_builds_apart(const kiln_rt *rt)
{
    return rt->ops->builds_apart;
}

int kiln_rt_set_build_procs(kiln_rt *rt, int n)
{
    if (n < -1)
        return kiln_rt_fail(rt, "build processes: %d is not a count (0 or more, -1 = the default)", n);
    rt->build_procs = n;
    return 0;
}

void kiln_rt_prestart_builds(kiln_rt *rt)
{
    if (rt->ops->prestart_builds && kiln_rt_build_procs(rt) > 0)
        rt->ops->prestart_builds(rt);
}

int kiln_rt_build_procs(const kiln_rt *rt)
{
    if (!rt->ops->compile || strcmp(rt->info.backend, "opencl") != 0)
        return 0;
    if (rt->build_procs >= 0)
        return rt->build_procs;
    const char *env = getenv("KILN_BUILD_PROCS");
    if (env && *env) {
        int n = atoi(env);
        return n > 0 ? n : 0;
    }
    if (!strstr(rt->info.platform, "NVIDIA"))
        return 0;
    /* a quarter of the cores: on 16, 4 processes searched faster than 8 or
     * 16 (bench/tuner), the measuring thread and the loading of the binaries
     * the helpers return keeping the others */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 7 ? (int)(cores / 4) : 1;
}

unsigned long kiln_rt_compiles(const kiln_rt *rt)
{
    return __atomic_load_n(&rt->compiles, __ATOMIC_RELAXED);
}

void kiln_program_free(kiln_rt *rt, kiln_program *prog)
{
    if (!prog)
        return;
    rt->ops->program_free(rt, prog);
    free(prog->kernel_name);
    free(prog);
}

/* Argument indices beyond this are surely a bug in the caller. */
#define MAX_ARGS 256

int kiln_program_set_buf(kiln_rt *rt, kiln_program *prog, int index, kiln_buf *buf)
{
    if (!prog || !buf)
        return kiln_rt_fail(rt, "kiln_program_set_buf: NULL %s", prog ? "buffer" : "program");
    if (index < 0 || index >= MAX_ARGS)
        return kiln_rt_fail(rt, "kiln_program_set_buf: argument index %d out of range", index);
    return rt->ops->set_buf(rt, prog, index, buf);
}

int kiln_program_set_scalar(kiln_rt *rt, kiln_program *prog, int index, const void *value,
                            size_t bytes)
{
    if (!prog || !value || bytes == 0)
        return kiln_rt_fail(rt, "kiln_program_set_scalar: %s",
                            !prog ? "NULL program" : !value ? "NULL value" : "zero-byte value");
    if (index < 0 || index >= MAX_ARGS)
        return kiln_rt_fail(rt, "kiln_program_set_scalar: argument index %d out of range", index);
    return rt->ops->set_scalar(rt, prog, index, value, bytes);
}

int kiln_program_set_local(kiln_rt *rt, kiln_program *prog, int index, size_t bytes)
{
    if (!prog || bytes == 0)
        return kiln_rt_fail(rt, "kiln_program_set_local: %s", !prog ? "NULL program" : "zero bytes");
    if (index < 0 || index >= MAX_ARGS)
        return kiln_rt_fail(rt, "kiln_program_set_local: argument index %d out of range", index);
    if (!rt->ops->set_local)
        return kiln_rt_fail(rt, "the %s backend has no __local arguments", rt->ops->backend);
    return rt->ops->set_local(rt, prog, index, bytes);
}

/* Checks geo and normalises it into g (unused dims = 1, local all 0 or all set). */
static int geometry_normalise(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, kiln_geometry *g)
{
    if (!prog || !geo)
        return kiln_rt_fail(rt, "kiln_program_run: NULL %s", prog ? "geometry" : "program");
    if (geo->dims < 1 || geo->dims > 3)
        return kiln_rt_fail(rt, "kiln_program_run: dims = %d, must be 1, 2 or 3", geo->dims);
    *g = (kiln_geometry){.dims = geo->dims, .global = {1, 1, 1}, .local = {0, 0, 0}};
    int any_local = 0, all_local = 1;
    for (int d = 0; d < geo->dims; d++) {
        if (geo->global[d] == 0)
            return kiln_rt_fail(rt, "kiln_program_run: global size is 0 in dimension %d", d);
        g->global[d] = geo->global[d];
        any_local |= geo->local[d] != 0;
        all_local &= geo->local[d] != 0;
    }
    if (any_local && !all_local)
        return kiln_rt_fail(rt, "kiln_program_run: local size given for some dimensions only");
    if (any_local) {
        for (int d = 0; d < 3; d++) {
            g->local[d] = d < geo->dims ? geo->local[d] : 1;
            if (g->global[d] % g->local[d] != 0)
                return kiln_rt_fail(rt,
                                    "kiln_program_run: global size %zu is not a multiple of "
                                    "local size %zu in dimension %d",
                                    g->global[d], g->local[d], d);
        }
    }
    return 0;
}

int kiln_program_run(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, double *elapsed_ns)
{
    kiln_geometry g;
    if (geometry_normalise(rt, prog, geo, &g) != 0)
        return -1;
    double ns = 0;
    int rc = rt->ops->run(rt, prog, &g, &ns);
    if (elapsed_ns)
        *elapsed_ns = rc == 0 ? ns : 0;
    return rc;
}

int kiln_program_run_list(kiln_rt *rt, int n, kiln_program *const *progs, const kiln_geometry *geos,
                          double *elapsed_ns)
{
    if (n < 1 || n > KILN_RUN_LIST_MAX || !progs || !geos || !elapsed_ns)
        return kiln_rt_fail(rt, "kiln_program_run_list: %d runs (1 to %d, with programs, geometries and times)", n,
                            KILN_RUN_LIST_MAX);
    kiln_geometry *g = malloc((size_t)n * sizeof *g);
    if (!g)
        return kiln_rt_fail(rt, "kiln_program_run_list: out of memory for %d runs", n);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        elapsed_ns[i] = 0;
        rc = geometry_normalise(rt, progs[i], &geos[i], &g[i]);
    }
    if (rc == 0 && rt->ops->run_list)
        rc = rt->ops->run_list(rt, n, progs, g, elapsed_ns);
    for (int i = 0; rc == 0 && !rt->ops->run_list && i < n; i++)
        rc = rt->ops->run(rt, progs[i], &g[i], &elapsed_ns[i]);
    if (rc != 0)
        for (int i = 0; i < n; i++)
            elapsed_ns[i] = 0;
    free(g);
    return rc;
}

int kiln_program_run_series(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo, int n, double *samples_ns)
{
    kiln_geometry g;
    if (geometry_normalise(rt, prog, geo, &g) != 0)
        return -1;
    if (rt->ops->run_series)
        return rt->ops->run_series(rt, prog, &g, n, samples_ns);
    for (int i = 0; i < n; i++) {
        int rc = rt->ops->run(rt, prog, &g, &samples_ns[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int kiln_program_run_counted(kiln_rt *rt, kiln_program *prog, const kiln_geometry *geo,
                             double *elapsed_ns, long long *vals, int *threads)
{
    kiln_geometry g;
    if (!rt->counters)
        return kiln_rt_fail(rt, "no event to count (kiln_rt_set_counters)");
    if (geometry_normalise(rt, prog, geo, &g) != 0)
        return -1;
    if (rt->ops->run_counted)
        return rt->ops->run_counted(rt, prog, &g, elapsed_ns, vals, threads);
    kc_group *grp = kc_process_start(rt->counters, rt->err, sizeof rt->err);
    if (!grp)
        return -1;
    int rc = rt->ops->run(rt, prog, &g, elapsed_ns);
    if (rc != 0) {
        kc_process_abort(grp);
        return rc;
    }
    *threads = kc_process_stop(grp, vals);
    return 0;
}

int kiln_rt_set_counters(kiln_rt *rt, const char *events, char *skipped, size_t skippedlen)
{
    static unsigned serial;
    if (skipped && skippedlen)
        skipped[0] = '\0';
    free(rt->counters);
    rt->counters = NULL;
    if (!events || !*events)
        return 0;
    kiln_counter_spec *spec = malloc(sizeof *spec);
    if (!spec)
        return kiln_rt_fail(rt, "out of memory");
    if (kc_resolve(events, spec, skipped, skippedlen, rt->err, sizeof rt->err) != 0) {
        free(spec);
        return -1;
    }
    spec->serial = ++serial;
    rt->counters = spec;
    return 0;
}

int kiln_rt_counts_asked(const kiln_rt *rt)
{
    return rt->counters != NULL || rt->energy;
}

int kiln_rt_measures_energy(const kiln_rt *rt)
{
    return rt->energy;
}

int kiln_rt_set_energy(kiln_rt *rt, int on)
{
    rt->energy = 0;
    if (!on)
        return 0;
    if (kc_energy_open(&rt->energy_src, &rt->info, rt->err, sizeof rt->err) != 0)
        return -1;
    rt->energy = 1;
    return 0;
}

/* The build options of a result's identity: what the backend adds to the
 * source when it builds (compiler and flags on the host; OpenCL builds get
 * none from kiln today). */
int kiln_rt_build_options(const kiln_rt *rt, char *out, size_t len)
{
    int n = rt->ops->compiler_changed ? snprintf(out, len, "%s %s", rt->cc, rt->cflags) : snprintf(out, len, "%s", "");
    return n >= 0 && (size_t)n < len ? 0 : -1;
}
