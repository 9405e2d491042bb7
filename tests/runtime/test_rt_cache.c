/*
 * test_rt_cache.c: builds ahead and the compiled-binary cache, on the host
 * backend (no argument) or the first OpenCL device ("opencl"; exits 77 where
 * there is none). Sources compiled ahead on several threads at once are
 * found built by kiln_program_build (no second compilation); a restart (a
 * new kiln_rt on the same cache folder) compiles nothing; a source that does
 * not build fails ahead with its log; a cache key changes with each of
 * source, options, device fingerprint and kiln version.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/rt_int.h"
#include "check.h"
#include "rt_test_util.h"

#define NSOURCES 6

static int on_opencl;
static char sources[NSOURCES][512];
static const char *source_list[NSOURCES];

/* Source i writes the value i + 1 to every element of its argument. */
static void make_source(int i, char *out, size_t len)
{
    if (on_opencl)
        snprintf(out, len, "__kernel void fill(__global float *a) { a[get_global_id(0)] = %d.0f; }\n", i + 1);
    else
        snprintf(out, len,
                 "#include <stddef.h>\n"
                 "void fill_entry(void *const *args, const size_t *global, const size_t *local)\n"
                 "{ (void)local; float *a = args[0]; for (size_t i = 0; i < global[0]; i++) a[i] = %d.0f; }\n",
                 i + 1);
}

/* Builds source i on rt and checks what it computes. */
static void build_and_run(kiln_rt *rt, int i)
{
    kiln_program *prog = kiln_program_build(rt, sources[i], "fill", "", NULL);
    CHECK_MSG(prog != NULL, "source %d: %s", i, kiln_rt_errmsg(rt));
    kiln_buf *buf = kiln_buf_new(rt, 64 * sizeof(float));
    float out[64] = {0};
    kiln_geometry geo = {.dims = 1, .global = {64}};
    if (prog && buf && kiln_program_set_buf(rt, prog, 0, buf) == 0 && kiln_program_run(rt, prog, &geo, NULL) == 0 &&
        kiln_buf_read(rt, buf, out, sizeof out) == 0)
        CHECK_MSG(out[0] == (float)(i + 1) && out[63] == (float)(i + 1), "source %d computed %g", i, out[0]);
    else
        CHECK_MSG(0, "source %d did not run: %s", i, kiln_rt_errmsg(rt));
    kiln_buf_free(rt, buf);
    kiln_program_free(rt, prog);
}

static void test_keys(void)
{
    char a[17], b[17];
    kiln_cache_key_version("src", "-O2", "fp", "1.0", a);
    kiln_cache_key_version("src", "-O2", "fp", "1.1", b);
    CHECK_MSG(strcmp(a, b) != 0, "a new kiln version keeps the key %s", a);
    kiln_cache_key_version("src", "-O3", "fp", "1.0", b);
    CHECK(strcmp(a, b) != 0);
    kiln_cache_key_version("src", "-O2", "fq", "1.0", b);
    CHECK(strcmp(a, b) != 0);
    kiln_cache_key_version("srd", "-O2", "fp", "1.0", b);
    CHECK(strcmp(a, b) != 0);
    kiln_cache_key_version("src-", "O2", "fp", "1.0", b);
    CHECK(strcmp(a, b) != 0);
    kiln_cache_key("src", "-O2", "fp", a);
    kiln_cache_key_version("src", "-O2", "fp", KILN_VERSION, b);
    CHECK(strcmp(a, b) == 0);
}

int main(int argc, char **argv)
{
    on_opencl = argc > 1 && strcmp(argv[1], "opencl") == 0;
    char dir[512], err[1024];
    if (!test_cache_dir(dir, sizeof dir)) {
        perror("test_cache_dir");
        return 1;
    }
    test_keys();
    kiln_rt *rt = kiln_rt_open(on_opencl ? NULL : "host", err, sizeof err);
    if (on_opencl && (!rt || strcmp(kiln_rt_device(rt)->backend, "opencl") != 0)) {
        printf("SKIP: no OpenCL device (%s)\n", rt ? "only the host" : err);
        kiln_rt_close(rt);
        return 77;
    }
    CHECK_MSG(rt != NULL, "%s", err);
    if (!rt)
        CHECK_DONE();
    for (int i = 0; i < NSOURCES; i++)
        make_source(i, sources[i], sizeof sources[i]);
    for (int i = 0; i < NSOURCES; i++)
        source_list[i] = sources[i];

    /* Three threads build ahead while nothing else runs; then each source is
     * built where it runs, without compiling again. */
    ahead_job jobs[3];
    pthread_t th[3];
    for (int t = 0; t < 3; t++) {
        jobs[t] = (ahead_job){.rt = rt, .sources = source_list, .count = NSOURCES, .first = t, .step = 3};
        CHECK(pthread_create(&th[t], NULL, compile_some, &jobs[t]) == 0);
    }
    for (int t = 0; t < 3; t++) {
        pthread_join(th[t], NULL);
        CHECK_MSG(jobs[t].failed == 0, "thread %d: %s", t, jobs[t].err);
    }
    CHECK_MSG(kiln_rt_compiles(rt) == NSOURCES, "%lu compilations for %d sources", kiln_rt_compiles(rt), NSOURCES);
    for (int i = 0; i < NSOURCES; i++)
        build_and_run(rt, i);
    CHECK_MSG(kiln_rt_compiles(rt) == NSOURCES, "building what was built ahead compiled again: %lu",
              kiln_rt_compiles(rt));

    /* A source that does not build fails ahead, with the compiler's log. */
    char *log = NULL;
    const char *broken = on_opencl ? "__kernel void fill(__global float *a) { a[0] = undeclared; }\n"
                                   : "void fill_entry(void) { return undeclared; }\n";
    CHECK(kiln_program_compile(rt, broken, "fill", "", &log, err, sizeof err) == -1);
    CHECK_MSG(log && strstr(log, "undeclared"), "log: %s", log ? log : "(none)");
    free(log);
    kiln_rt_close(rt);

    /* A restart: the same cache folder, a new runtime; nothing is compiled. */
    rt = kiln_rt_open(on_opencl ? NULL : "host", err, sizeof err);
    CHECK_MSG(rt != NULL, "%s", err);
    if (rt) {
        for (int i = 0; i < NSOURCES; i++) {
            CHECK(kiln_program_compile(rt, sources[i], "fill", "", NULL, err, sizeof err) == 0);
            build_and_run(rt, i);
        }
        CHECK_MSG(kiln_rt_compiles(rt) == 0, "a restart compiled %lu times", kiln_rt_compiles(rt));
        kiln_rt_close(rt);
    }
    remove_dir(dir);
    CHECK_DONE();
}
