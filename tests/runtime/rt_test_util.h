/* rt_test_util.h: a private cache folder per test run, and looking into it. */
#ifndef KILN_RT_TEST_UTIL_H
#define KILN_RT_TEST_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "files.h"
#include "kiln/runtime.h"

/* Points KILN_CACHE_DIR at a fresh folder in the build tree, so that tests
 * never touch the user's cache. */
static inline char *test_cache_dir(char *buf, size_t len)
{
    if (!test_scratch_dir(buf, len, "kiln-rt-test-XXXXXX"))
        return NULL;
    setenv("KILN_CACHE_DIR", buf, 1);
    return buf;
}

/* Number of entries of dir ending in suffix; *path receives the last one. */
static inline int count_entries(const char *dir, const char *suffix, char *path, size_t len)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    size_t ls = strlen(suffix);
    while ((e = readdir(d)) != NULL) {
        size_t le = strlen(e->d_name);
        if (le > ls && strcmp(e->d_name + le - ls, suffix) == 0) {
            n++;
            if (path)
                snprintf(path, len, "%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    return n;
}

/* A thread's share of builds ahead: sources first, first + step, ... below
 * count, compiled on rt (kiln_program_compile of kernel "fill"). */
typedef struct ahead_job {
    kiln_rt *rt;
    const char *const *sources;
    int count, first, step, failed;
    char err[512];
} ahead_job;

static inline void *compile_some(void *arg)
{
    ahead_job *j = arg;
    for (int i = j->first; i < j->count; i += j->step) {
        char *log = NULL;
        if (kiln_program_compile(j->rt, j->sources[i], "fill", "", &log, j->err, sizeof j->err) != 0)
            j->failed++;
        free(log);
    }
    return NULL;
}

static inline void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
    rmdir(dir);
}

static inline ino_t inode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_ino : 0;
}

static inline int is_hex16(const char *s)
{
    if (strlen(s) != 16)
        return 0;
    for (; *s; s++)
        if (!strchr("0123456789abcdef", *s))
            return 0;
    return 1;
}

/* A host-C kernel (entry point hang_entry) that never returns. */
/* A kernel source's start: cpu_ms(), the CPU time its calling thread has
 * used, in ms (a string literal, to begin a longer one). */
#define CPU_MS_SOURCE                                                                                        \
    "#define _POSIX_C_SOURCE 200809L\n"                                                                       \
    "#include <stddef.h>\n"                                                                                   \
    "#include <time.h>\n"                                                                                     \
    "#include <unistd.h>\n"                                                                                   \
    "static double cpu_ms(void)\n"                                                                            \
    "{\n"                                                                                                     \
    "    struct timespec t;\n"                                                                                \
    "    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);\n"                                                       \
    "    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;\n"                                                          \
    "}\n"

/* boom_entry: writes through a null pointer. */
static inline const char *crash_source(void)
{
    return "#include <stddef.h>\n"
           "void boom_entry(void *const *args, const size_t *global, const size_t *local)\n"
           "{\n"
           "    (void)args; (void)global; (void)local;\n"
           "    *(volatile int *)0 = 1;\n"
           "}\n";
}

static inline const char *hang_source(void)
{
    return "#include <stddef.h>\n"
           "void hang_entry(void *const *args, const size_t *global, const size_t *local)\n"
           "{\n"
           "    volatile int forever = 1;\n"
           "    (void)args; (void)global; (void)local;\n"
           "    while (forever) {}\n"
           "}\n";
}

#endif
