/*
 * cache.c: the compiled-binary cache. An entry is one file named by the hash
 * of everything that affects the binary (source, options, device
 * fingerprint, kiln's version), so a stale entry can never be picked up: a change makes a new
 * key. Entries are written to a temp file and renamed, so a reader never sees
 * half a binary, even with several kiln processes sharing the folder.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "runtime/rt_int.h"

/* mkdir -p; 0 when the folder exists afterwards. */
static int make_dirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char saved = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return -1;
            buf[i] = saved;
        }
    }
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

int kiln_cache_dir(char *out, size_t outlen)
{
    const char *env = getenv("KILN_CACHE_DIR");
    int n;
    if (env && *env) {
        n = snprintf(out, outlen, "%s", env);
    } else if ((env = getenv("XDG_CACHE_HOME")) && *env) {
        n = snprintf(out, outlen, "%s/kiln", env);
    } else if ((env = getenv("HOME")) && *env) {
        n = snprintf(out, outlen, "%s/.cache/kiln", env);
    } else {
        return -1;
    }
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    return make_dirs(out);
}

void kiln_cache_key_version(const char *source, const char *options, const char *fingerprint,
                            const char *version, char out[17])
{
    /* NUL separators keep ("ab","c") and ("a","bc") apart. */
    const char *parts[] = {source, options, fingerprint, version};
    size_t len[4], total = 0;
    for (int i = 0; i < 4; i++)
        total += (len[i] = strlen(parts[i])) + 1;
    char *buf = malloc(total);
    if (!buf) {
        out[0] = '\0';
        return;
    }
    size_t at = 0;
    for (int i = 0; i < 4; i++) {
        memcpy(buf + at, parts[i], len[i] + 1);
        at += len[i] + 1;
    }
    kiln_hash_hex(buf, total, out);
    free(buf);
}

void kiln_cache_key(const char *source, const char *options, const char *fingerprint,
                    char out[17])
{
    kiln_cache_key_version(source, options, fingerprint, KILN_VERSION, out);
}

int kiln_cache_path(const char *key, const char *suffix, char *out, size_t outlen)
{
    char dir[3072];
    if (!key[0] || kiln_cache_dir(dir, sizeof dir) != 0)
        return -1;
    int n = snprintf(out, outlen, "%s/%s%s", dir, key, suffix);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

void *kiln_cache_read(const char *path, size_t *bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    long size;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    data = malloc((size_t)size);
    if (data && fread(data, 1, (size_t)size, f) != (size_t)size) {
        free(data);
        data = NULL;
    }
    if (data)
        *bytes = (size_t)size;
out:
    fclose(f);
    return data;
}

int kiln_cache_write(const char *path, const void *data, size_t bytes)
{
    static unsigned counter; /* atomic: builds ahead write entries from several threads */
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%u", path, (long)getpid(),
                     __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
    if (n < 0 || (size_t)n >= sizeof tmp)
        return -1;
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, bytes, f) == bytes;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}
