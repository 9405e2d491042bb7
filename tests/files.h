/*
 * files.h: whole-file read and write for the tests (golden files, generated
 * sources), and the scratch folders they work in, inside the build tree.
 */
#ifndef KILN_TEST_FILES_H
#define KILN_TEST_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The file's bytes, NUL-terminated and malloc'ed; NULL if it cannot be read. */
static inline char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (text && fread(text, 1, (size_t)len, f) != (size_t)len) {
        free(text);
        text = NULL;
    }
    if (text)
        text[len] = '\0';
    fclose(f);
    return text;
}

/* Writes text to path (replacing it); 0 or -1. */
static inline int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t len = strlen(text);
    int ok = fwrite(text, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Makes a fresh folder from `name` (a mkdtemp template: "kiln-db-XXXXXX")
 * in the build tree's test folder (never in /tmp); its path in buf. NULL
 * when it cannot be made (the path too long, or mkdtemp failed). */
static inline char *test_scratch_dir(char *buf, size_t len, const char *name)
{
    const char *parts[] = {KILN_BINARY_DIR "/test-env", KILN_BINARY_DIR "/test-env/tmp"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        (void)mkdir(parts[i], 0755); /* made by CMake; again for a test run by hand after a clean */
    int n = snprintf(buf, len, "%s/%s", parts[1], name);
    if (n < 0 || (size_t)n >= len)
        return NULL;
    return mkdtemp(buf);
}

/* Removes a scratch folder and everything in it; 0 on success. */
static inline int test_scratch_remove(const char *dir)
{
    char cmd[4200];
    int n = snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return n > 0 && (size_t)n < sizeof cmd && system(cmd) == 0 ? 0 : -1;
}

/* 1 when something exists at path. */
static inline int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* "dir/name" in one of four rotating buffers (four may be in use at once). */
static inline const char *path_in(const char *dir, const char *name)
{
    static char buf[4][600];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "%s/%s", dir, name);
    return b;
}

#endif
