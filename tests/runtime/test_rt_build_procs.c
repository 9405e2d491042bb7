/*
 * test_rt_build_procs.c: OpenCL builds ahead in kiln-build processes, on the
 * first OpenCL device (exits 77 where there is none). Sources compiled ahead
 * from several threads are built by helper processes (seen as children of
 * this one) and found built by kiln_program_build, computing what they
 * should; a source that does not build fails with the helper's log; the
 * helpers end with the device. A helper that dies building a source fails
 * that build only, naming the signal, and the next build gets a new helper;
 * a helper killed while idle is replaced without failing the build; a helper
 * that cannot serve the device (refused at its start, or another device's
 * fingerprint) turns the pool off and the builds come back to this process.
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "runtime/rt_int.h"
#include "check.h"
#include "rt_test_util.h"

#define NAHEAD 6   /* sources 0..5 are built ahead by threads; 6..11 by the later checks */
#define NSOURCES 12
static char sources[NSOURCES][256];
static const char *source_list[NSOURCES];

/* Children of this process whose name is `comm`; *pid gets one of them. */
static int children_named(const char *comm, pid_t *pid)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t got = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[got] = '\0';
        char *open = strchr(buf, '('), *close = strrchr(buf, ')');
        if (!open || !close)
            continue;
        int ppid = 0;
        char state;
        if (sscanf(close + 2, "%c %d", &state, &ppid) != 2 || ppid != getpid() || state == 'Z')
            continue;
        if ((size_t)(close - open - 1) == strlen(comm) && strncmp(open + 1, comm, strlen(comm)) == 0) {
            n++;
            if (pid)
                *pid = (pid_t)atoi(e->d_name);
        }
    }
    if (d)
        closedir(d);
    return n;
}

/* pid is a zombie whose threads have all exited. */
static int zombie_alone(pid_t pid)
{
    char path[64], st = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    int got = fscanf(f, "%*d %*s %c", &st);
    fclose(f);
    if (got != 1 || st != 'Z')
        return 0;
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    int tasks = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        tasks += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return tasks <= 1;
}

/* Builds source i on rt and checks that every element is i + 1. */
static void build_and_run(kiln_rt *rt, int i)
{
    kiln_program *prog = kiln_program_build(rt, sources[i], "fill", "", NULL);
    CHECK_MSG(prog != NULL, "source %d: %s", i, kiln_rt_errmsg(rt));
    if (!prog)
        return;
    kiln_buf *buf = kiln_buf_new(rt, 64 * sizeof(float));
    float out[64] = {0};
    kiln_geometry geo = {.dims = 1, .global = {64, 1, 1}};
    double ns;
    CHECK(buf && kiln_program_set_buf(rt, prog, 0, buf) == 0 && kiln_program_run(rt, prog, &geo, &ns) == 0 &&
          kiln_buf_read(rt, buf, out, sizeof out) == 0);
    int right = 0;
    for (int e = 0; e < 64; e++)
        right += out[e] == (float)(i + 1);
    CHECK_MSG(right == 64, "source %d: %d of 64 elements right", i, right);
    kiln_buf_free(rt, buf);
    kiln_program_free(rt, prog);
}

static kiln_rt *open_cl(int procs)
{
    char err[512];
    kiln_rt *rt = kiln_rt_open(NULL, err, sizeof err);
    if (rt)
        CHECK(kiln_rt_set_build_procs(rt, procs) == 0 && kiln_rt_build_procs(rt) == procs);
    return rt;
}

/* What a fake helper writes first: status 0 and the 5 bytes "ready". */
#define HELLO_READY "printf '\\000\\000\\000\\000\\005\\000\\000\\000ready' >&3\n"

/* A fake kiln-build, a shell script dir/name of the given body, made the
 * helper that pools start from now on. */
static void use_fake_helper(const char *dir, const char *name, const char *body)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(path, 0755);
    setenv("KILN_BUILD_HELPER", path, 1);
}

static void check_real_helpers(void)
{
    kiln_rt *rt = open_cl(2);
    unsigned long before = kiln_rt_compiles(rt);
    ahead_job jobs[3];
    pthread_t th[3];
    for (int t = 0; t < 3; t++) {
        jobs[t] = (ahead_job){.rt = rt, .sources = source_list, .count = NAHEAD, .first = t, .step = 3};
        pthread_create(&th[t], NULL, compile_some, &jobs[t]);
    }
    for (int t = 0; t < 3; t++) {
        pthread_join(th[t], NULL);
        CHECK_MSG(jobs[t].failed == 0, "thread %d: %s", t, jobs[t].err);
    }
    int helpers = children_named("kiln-build", NULL);
    CHECK_MSG(helpers >= 1 && helpers <= 2, "%d kiln-build processes for a pool of 2", helpers);
    CHECK_MSG(kiln_rt_compiles(rt) - before == NAHEAD, "%lu compilations for %d sources",
              kiln_rt_compiles(rt) - before, NAHEAD);
    for (int i = 0; i < NAHEAD; i++)
        build_and_run(rt, i);
    CHECK_MSG(kiln_rt_compiles(rt) - before == NAHEAD, "kiln_program_build compiled again (%lu)",
              kiln_rt_compiles(rt) - before);

    /* a source that does not build: the helper's status and log */
    char *log = NULL, err[512] = "";
    const char *broken = "__kernel void fill(__global float *a) { a[0] = undeclared_name; }\n";
    CHECK(kiln_program_compile(rt, broken, "fill", "", &log, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "clBuildProgram") != NULL, "error: %s", err);
    CHECK_MSG(log && strstr(log, "undeclared_name"), "log: %s", log ? log : "(none)");
    free(log);

    /* helpers killed while idle are replaced: the next build succeeds */
    pid_t victim = 0;
    int killed = 0;
    while (children_named("kiln-build", &victim) > 0 && killed < 8) {
        kill(victim, SIGKILL);
        /* gone once only its leader is left, a zombie: every other thread
         * exited and the descriptors are closed */
        for (int w = 0; w < 300 && !zombie_alone(victim); w++)
            usleep(10 * 1000);
        killed++;
    }
    CHECK_MSG(killed >= 1, "no helper to kill");
    char src[256];
    snprintf(src, sizeof src, "__kernel void fill(__global float *a) { a[get_global_id(0)] = 41.0f + 1.0f; }\n");
    log = NULL;
    CHECK_MSG(kiln_program_compile(rt, src, "fill", "", &log, err, sizeof err) == 0,
              "after the helpers were killed while idle: %s", err);
    free(log);
    kiln_rt_close(rt);
    CHECK_MSG(children_named("kiln-build", NULL) == 0, "kiln-build processes left after kiln_rt_close");
}

static void check_dying_helper(const char *dir)
{
    char starts[4200], body[8800];
    snprintf(starts, sizeof starts, "%s/starts", dir);
    /* ready, then a crash on the first request */
    snprintf(body, sizeof body, "echo start >> '%s'\n" HELLO_READY "head -c 8 <&3 >/dev/null\nkill -SEGV $$", starts);
    use_fake_helper(dir, "dies.sh", body);
    kiln_rt *rt = open_cl(1);
    char *log = NULL, err[512] = "";
    CHECK(kiln_program_compile(rt, sources[6], "fill", "", &log, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "signal 11") && strstr(err, "while building this variant"), "error: %s", err);
    free(log);
    log = NULL;
    CHECK(kiln_program_compile(rt, sources[7], "fill", "", &log, err, sizeof err) == -1);
    free(log);
    FILE *f = fopen(starts, "r");
    int n = 0;
    char line[64];
    while (f && fgets(line, sizeof line, f))
        n++;
    if (f)
        fclose(f);
    CHECK_MSG(n == 2, "a new helper for the next build: %d started for 2 builds", n);
    kiln_rt_close(rt);
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A helper that answers a failed build at once, then never reads its
 * socket again (as one stuck in a compiler would): closing the device
 * ends it within a few seconds. */
static void check_stuck_helper(const char *dir)
{
    char pidfile[4200], body[9000];
    snprintf(pidfile, sizeof pidfile, "%s/stuck.pid", dir);
    snprintf(body, sizeof body,
             "echo $$ > '%s'\n" HELLO_READY
             "printf '\\365\\377\\377\\377\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000\\000' >&3\n"
             "exec sleep 60",
             pidfile);
    use_fake_helper(dir, "stuck.sh", body);
    kiln_rt *rt = open_cl(1);
    char *log = NULL, err[512] = "";
    CHECK(kiln_program_compile(rt, sources[9], "fill", "", &log, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "CL_BUILD_PROGRAM_FAILURE"), "the helper's answer: %s", err);
    free(log);
    FILE *f = fopen(pidfile, "r");
    int helper = 0;
    CHECK(f && fscanf(f, "%d", &helper) == 1 && helper > 0);
    if (f)
        fclose(f);
    double t0 = seconds();
    kiln_rt_close(rt);
    double took = seconds() - t0;
    CHECK_MSG(took < 5, "closing the device took %.1f s with a helper that does not end", took);
    CHECK_MSG(helper > 0 && kill(helper, 0) != 0, "the stuck helper (pid %d) is still there", helper);
    unsetenv("KILN_BUILD_HELPER");
}

/* A helper that never answers a build (a compiler that hangs) is killed
 * after the build time limit, failing that build only. */
static void check_hanging_helper(const char *dir)
{
    use_fake_helper(dir, "hangs.sh", HELLO_READY "exec sleep 60");
    setenv("KILN_BUILD_TIMEOUT_MS", "300", 1);
    kiln_rt *rt = open_cl(1);
    char *log = NULL, err[512] = "";
    double t0 = seconds();
    CHECK(kiln_program_compile(rt, sources[6], "fill", "", &log, err, sizeof err) == -1);
    double took = seconds() - t0;
    CHECK_MSG(strstr(err, "did not answer within 0.3 s") && strstr(err, "killed"), "error: %s", err);
    CHECK_MSG(took < 5, "the hanging build took %.1f s to fail", took);
    free(log);
    kiln_rt_close(rt);
    unsetenv("KILN_BUILD_TIMEOUT_MS");
    unsetenv("KILN_BUILD_HELPER");
}

static void check_refusing_helper(const char *dir)
{
    use_fake_helper(dir, "refuses.sh", "printf '\\377\\377\\377\\377\\010\\000\\000\\000no device' >&3");
    kiln_rt *rt = open_cl(2);
    unsigned long before = kiln_rt_compiles(rt);
    char *log = NULL, err[512] = "";
    CHECK_MSG(kiln_program_compile(rt, sources[8], "fill", "", &log, err, sizeof err) == 0,
              "a build where no helper starts: %s", err);
    free(log);
    CHECK(kiln_rt_compiles(rt) - before == 1);
    build_and_run(rt, 8);
    kiln_rt_close(rt);
    unsetenv("KILN_BUILD_HELPER");

    /* the real helper, asked for a device whose fingerprint is not its own */
    rt = open_cl(0);
    char selector[32];
    snprintf(selector, sizeof selector, "%d:%d", kiln_rt_device(rt)->platform_index,
             kiln_rt_device(rt)->device_index);
    kiln_build_pool *pool = kiln_build_pool_new(selector, "0123456789abcdef", 1);
    unsigned char *bin;
    size_t bytes;
    int status;
    log = NULL;
    int rc = kiln_build_pool_build(pool, sources[9], "", &bin, &bytes, &log, &status, err, sizeof err);
    CHECK_MSG(rc == 2 && strstr(err, "fingerprint"), "another device's fingerprint: rc %d, %s", rc, err);
    free(log);
    kiln_build_pool_free(pool);
    kiln_rt_close(rt);
}

/* kiln_rt_prestart_builds: every helper of the pool is started at once,
 * before any build asks (children seen while nothing was built), and the
 * builds then go to them; a pool whose prestarted helpers refuse builds
 * here, as when they start with the first build. */
static void check_prestart(const char *dir)
{
    kiln_rt *rt = open_cl(3);
    CHECK(children_named("kiln-build", NULL) == 0);
    kiln_rt_prestart_builds(rt);
    int started = children_named("kiln-build", NULL);
    CHECK_MSG(started == 3, "%d kiln-build processes prestarted for a pool of 3", started);
    unsigned long before = kiln_rt_compiles(rt);
    char *log = NULL, err[512] = "";
    CHECK_MSG(kiln_program_compile(rt, sources[10], "fill", "", &log, err, sizeof err) == 0, "%s", err);
    free(log);
    CHECK(kiln_rt_compiles(rt) - before == 1);
    build_and_run(rt, 10);
    CHECK_MSG(children_named("kiln-build", NULL) == 3, "the build started another helper");
    kiln_rt_close(rt);
    CHECK(children_named("kiln-build", NULL) == 0);

    use_fake_helper(dir, "refuses.sh", "printf '\\377\\377\\377\\377\\010\\000\\000\\000no device' >&3");
    rt = open_cl(2);
    kiln_rt_prestart_builds(rt);
    log = NULL;
    CHECK_MSG(kiln_program_compile(rt, sources[11], "fill", "", &log, err, sizeof err) == 0,
              "a build where the prestarted helpers refuse: %s", err);
    free(log);
    build_and_run(rt, 11);
    kiln_rt_close(rt);
    unsetenv("KILN_BUILD_HELPER");
    /* on a device without build processes it does nothing */
    rt = open_cl(0);
    kiln_rt_prestart_builds(rt);
    CHECK(children_named("kiln-build", NULL) == 0);
    kiln_rt_close(rt);
}

int main(void)
{
    char dir[4096], err[512];
    if (!test_cache_dir(dir, sizeof dir))
        return 1;
    kiln_rt *probe = kiln_rt_open(NULL, err, sizeof err);
    if (!probe || strcmp(kiln_rt_device(probe)->backend, "opencl") != 0) {
        kiln_rt_close(probe);
        SKIP_NO_DEVICE("no OpenCL device (%s)", probe ? "only the host" : err);
    }
    kiln_rt_close(probe);
    for (int i = 0; i < NSOURCES; i++)
        snprintf(sources[i], sizeof sources[i],
                 "__kernel void fill(__global float *a) { a[get_global_id(0)] = %d.0f; }\n", i + 1);
    for (int i = 0; i < NSOURCES; i++)
        source_list[i] = sources[i];
    unsetenv("KILN_BUILD_HELPER");
    check_real_helpers();
    check_prestart(dir);
    check_dying_helper(dir);
    check_refusing_helper(dir);
    check_stuck_helper(dir);
    check_hanging_helper(dir);
    CHECK_DONE();
}
