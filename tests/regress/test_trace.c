/*
 * test_trace.c: the trace format and its bad input. A case written through
 * the C API reads back field for field and byte for byte; every prefix of a
 * case and every single-byte change of it is refused, by the table's checks
 * or by a checksum, with an error naming the file and a field; a future
 * version, a foreign file and a writer misused are refused; a failed write
 * leaves the case already at the path untouched.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "files.h"
#include "kiln/regress.h"

static char workdir[512];

static void scratch_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", workdir, name);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc(*len + 1);
    if (p && fread(p, 1, *len, f) != *len) {
        free(p);
        p = NULL;
    }
    fclose(f);
    return p;
}

static void spit(const char *path, const unsigned char *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(p, 1, len, f) == len);
    if (f)
        fclose(f);
}

enum { N_F32 = 100, N_U8 = 37, N_F64 = 9 };

/* A small case with every kind of argument. */
static int write_sample(const char *path, float *x, unsigned char *rgb_before, unsigned char *rgb_after, double *y)
{
    char err[512] = "";
    for (int i = 0; i < N_F32; i++)
        x[i] = (float)i * 0.25f - 3.0f;
    for (int i = 0; i < N_U8; i++) {
        rgb_before[i] = (unsigned char)(i * 7);
        rgb_after[i] = (unsigned char)(255 - i);
    }
    for (int i = 0; i < N_F64; i++)
        y[i] = 1.0 / (i + 1);
    kiln_trace_writer *w = kiln_trace_begin(path, err, sizeof err);
    CHECK_MSG(w != NULL, "%s", err);
    if (!w)
        return -1;
    int32_t n = N_F32;
    unsigned char raw[3] = {1, 2, 3};
    kiln_geometry geo = {2, {64, 8, 1}, {16, 4, 0}};
    uint64_t shape[2] = {10, 10};
    kiln_trace_meta(w, "kind", "opencl");
    kiln_trace_meta(w, "kernel_name", "sample");
    kiln_trace_meta(w, "note", "x");
    kiln_trace_meta(w, "note", "replaced");
    kiln_trace_geometry(w, &geo);
    kiln_trace_scalar(w, "n", KILN_I32, &n);
    kiln_trace_raw_scalar(w, "raw", sizeof raw, raw);
    kiln_trace_array(w, "x", KILN_F32, KILN_IN, N_F32, x);
    kiln_trace_shape(w, "x", 2, shape);
    kiln_trace_array(w, "rgb", KILN_U8, KILN_INOUT, N_U8, rgb_before);
    kiln_trace_array(w, "y", KILN_F64, KILN_OUT, N_F64, NULL);
    kiln_trace_bound(w, "y", 5, 1e-12);
    kiln_trace_local(w, "scratch", 256);
    kiln_trace_output(w, "rgb", rgb_after);
    kiln_trace_output(w, "y", y);
    double mag[N_F64];
    for (int i = 0; i < N_F64; i++)
        mag[i] = 2.0 * y[i];
    kiln_trace_magnitude(w, "y", mag);
    int rc = kiln_trace_end(w, 1, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    return rc;
}

static void test_round_trip(void)
{
    char path[600], err[512] = "";
    float x[N_F32], xr[N_F32];
    unsigned char before[N_U8], after[N_U8], got[N_U8];
    double y[N_F64], yr[N_F64];
    scratch_path(path, sizeof path, "sample.ktr");
    if (write_sample(path, x, before, after, y) != 0)
        return;
    kiln_trace *t = kiln_trace_open(path, err, sizeof err);
    CHECK_MSG(t != NULL, "%s", err);
    if (!t)
        return;
    CHECK(strcmp(kiln_trace_get(t, "kind"), "opencl") == 0);
    CHECK(strcmp(kiln_trace_get(t, "note"), "replaced") == 0);
    CHECK(kiln_trace_get(t, "absent") == NULL);
    kiln_geometry geo;
    CHECK(kiln_trace_get_geometry(t, &geo, err, sizeof err) == 0);
    CHECK(geo.dims == 2 && geo.global[0] == 64 && geo.global[1] == 8 && geo.local[0] == 16 && geo.local[1] == 4);
    CHECK(kiln_trace_nargs(t) == 6);
    const kiln_trace_arg *a = kiln_trace_arg_at(t, 0);
    int32_t n = 0;
    CHECK(a && strcmp(a->name, "n") == 0 && a->kind == KILN_TRACE_SCALAR && a->elem == KILN_I32);
    CHECK(kiln_trace_read(t, 0, 0, &n, err, sizeof err) == 0 && n == N_F32);
    a = kiln_trace_arg_at(t, 1);
    unsigned char raw[3] = {0};
    CHECK(a && a->elem == KILN_VOID && a->count == 3 && kiln_trace_read(t, 1, 0, raw, err, sizeof err) == 0);
    CHECK(raw[0] == 1 && raw[2] == 3);
    a = kiln_trace_arg_at(t, 2);
    CHECK(a && a->ndims == 2 && a->shape[0] == 10 && a->shape[1] == 10 && a->dir == KILN_IN && !a->output.present);
    CHECK(kiln_trace_read(t, 2, 0, xr, err, sizeof err) == 0 && memcmp(x, xr, sizeof x) == 0);
    CHECK(kiln_trace_read(t, 2, 1, xr, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "field 'args[2].output': not in the trace");
    a = kiln_trace_arg_at(t, 3);
    CHECK(a && a->dir == KILN_INOUT && a->elem == KILN_U8);
    CHECK(kiln_trace_read(t, 3, 0, got, err, sizeof err) == 0 && memcmp(got, before, sizeof got) == 0);
    CHECK(kiln_trace_read(t, 3, 1, got, err, sizeof err) == 0 && memcmp(got, after, sizeof got) == 0);
    a = kiln_trace_arg_at(t, 4);
    CHECK(a && a->dir == KILN_OUT && !a->input.present && a->terms == 5 && a->tolerance == 1e-12);
    CHECK(kiln_trace_read(t, 4, 1, yr, err, sizeof err) == 0 && memcmp(y, yr, sizeof y) == 0);
    CHECK(a && a->magnitude.present && kiln_trace_read(t, 4, KILN_TRACE_MAGNITUDE, yr, err, sizeof err) == 0);
    CHECK(yr[3] == 2.0 * y[3]);

    a = kiln_trace_arg_at(t, 5);
    CHECK(a && a->kind == KILN_TRACE_LOCAL && a->count == 256 && !a->input.present && !a->output.present);
    CHECK(kiln_trace_arg_at(t, 6) == NULL);
    CHECK_MSG(kiln_trace_verify(t, err, sizeof err) == 0, "%s", err);
    kiln_trace_free(t);
}

/* Opens and verifies: 0 when both pass, -1 with err. */
static int open_verify(const char *path, char *err, size_t errlen)
{
    kiln_trace *t = kiln_trace_open(path, err, errlen);
    int rc = t && kiln_trace_verify(t, err, errlen) == 0 ? 0 : -1;
    kiln_trace_free(t);
    return rc;
}

/* Replaces the content of the in-memory file fd. */
static void refill(int fd, const unsigned char *p, size_t len)
{
    CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, p, len, 0) == (ssize_t)len);
}

static void test_every_prefix_and_flip(void)
{
    char path[600], bad[600], err[512];
    float x[N_F32];
    unsigned char before[N_U8], after[N_U8];
    double y[N_F64];
    scratch_path(path, sizeof path, "whole.ktr");
    /* the damaged copies live in memory: thousands of them, read by path like any case */
    int fd = memfd_create("bad.ktr", 0);
    CHECK(fd >= 0);
    snprintf(bad, sizeof bad, "/proc/self/fd/%d", fd);
    if (fd < 0 || write_sample(path, x, before, after, y) != 0)
        return;
    size_t len;
    unsigned char *whole = slurp(path, &len);
    CHECK(whole != NULL);
    if (!whole)
        return;
    int refused = 0, named = 0;
    for (size_t cut = 0; cut < len; cut++) {
        refill(fd, whole, cut);
        err[0] = '\0';
        refused += open_verify(bad, err, sizeof err) != 0;
        named += strstr(err, bad) != NULL && strstr(err, "field '") != NULL;
    }
    CHECK_MSG(refused == (int)len && named == (int)len, "%d of %zu prefixes refused, %d named a field", refused, len,
              named);
    refused = named = 0;
    int by_checksum = 0;
    for (size_t i = 0; i < len; i++) {
        whole[i] ^= 0x10;
        refill(fd, whole, len);
        whole[i] ^= 0x10;
        err[0] = '\0';
        refused += open_verify(bad, err, sizeof err) != 0;
        named += strstr(err, bad) != NULL && strstr(err, "field '") != NULL;
        by_checksum += strstr(err, "checksum mismatch") != NULL;
    }
    CHECK_MSG(refused == (int)len && named == (int)len, "%d of %zu one-byte changes refused, %d named a field",
              refused, len, named);
    /* the arrays' bytes and the table are each guarded by a checksum */
    CHECK_MSG(by_checksum > (int)len / 2, "%d of %zu changes caught by a checksum", by_checksum, len);

    /* a future version: the field and the versions read are named */
    whole[8] = 2;
    refill(fd, whole, len);
    CHECK(open_verify(bad, err, sizeof err) != 0);
    CHECK_STR_CONTAINS(err, "field 'version': format version 2; this kiln reads versions 1 to 1");
    whole[8] = 1;
    memcpy(whole, "KILNTRCX", 8);
    refill(fd, whole, len);
    CHECK(open_verify(bad, err, sizeof err) != 0);
    CHECK_STR_CONTAINS(err, "field 'magic': not a kiln trace");
    free(whole);
    close(fd);
}

/* A large array is checked in pieces; a change in its last byte is found. */
static void test_large_array(void)
{
    char path[600], err[512] = "";
    scratch_path(path, sizeof path, "large.ktr");
    size_t n = (3u << 20) + 5;
    unsigned char *data = malloc(n);
    CHECK(data != NULL);
    if (!data)
        return;
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)(i * 2654435761u >> 13);
    kiln_trace_writer *w = kiln_trace_begin(path, err, sizeof err);
    kiln_trace_meta(w, "kind", "opencl");
    kiln_trace_array(w, "big", KILN_VOID, KILN_IN, n, data);
    CHECK_MSG(kiln_trace_end(w, 1, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(open_verify(path, err, sizeof err) == 0, "%s", err);
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 40 + (long)n - 1, SEEK_SET);
        fputc(data[n - 1] ^ 1, f);
        fclose(f);
    }
    kiln_trace *t = kiln_trace_open(path, err, sizeof err);
    CHECK_MSG(t != NULL, "the table is intact: %s", err);
    CHECK(t && kiln_trace_verify(t, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "field 'args[0] 'big'.input': checksum mismatch");
    CHECK(t && kiln_trace_read(t, 0, 0, data, err, sizeof err) == -1);
    kiln_trace_free(t);
    free(data);
}

static void test_writer_misuse(void)
{
    char path[600], err[512] = "";
    scratch_path(path, sizeof path, "kept.ktr");
    spit(path, (const unsigned char *)"precious", 8);
    float v[4] = {1, 2, 3, 4};

    kiln_trace_writer *w = kiln_trace_begin(path, err, sizeof err);
    kiln_trace_array(w, "o", KILN_F32, KILN_OUT, 4, NULL);
    CHECK(kiln_trace_end(w, 1, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "array 'o': its output after the call was never given");

    w = kiln_trace_begin(path, err, sizeof err);
    CHECK(kiln_trace_array(w, "o", KILN_F32, KILN_OUT, 4, v) == -1);
    CHECK(kiln_trace_end(w, 1, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "an out array has no content before the call");

    w = kiln_trace_begin(path, err, sizeof err);
    kiln_trace_array(w, "i", KILN_F32, KILN_IN, 4, v);
    CHECK(kiln_trace_array(w, "i", KILN_F32, KILN_IN, 4, v) == -1);
    CHECK(kiln_trace_end(w, 1, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "argument 'i' given twice");

    w = kiln_trace_begin(path, err, sizeof err);
    kiln_trace_array(w, "i", KILN_F32, KILN_IN, 4, v);
    CHECK(kiln_trace_output(w, "i", v) == -1);
    CHECK(kiln_trace_end(w, 1, err, sizeof err) == -1);
    CHECK_STR_CONTAINS(err, "'i' is not an out or inout array");

    /* abandoned on purpose */
    w = kiln_trace_begin(path, err, sizeof err);
    kiln_trace_array(w, "i", KILN_F32, KILN_IN, 4, v);
    CHECK(kiln_trace_end(w, 0, err, sizeof err) == 0);

    size_t len;
    unsigned char *kept = slurp(path, &len);
    CHECK_MSG(kept && len == 8 && memcmp(kept, "precious", 8) == 0, "a failed write replaced the file");
    free(kept);
    CHECK(kiln_trace_begin("/nonexistent-folder/x.ktr", err, sizeof err) == NULL);
    CHECK_STR_CONTAINS(err, "/nonexistent-folder/x.ktr: cannot write");
}

int main(void)
{
    /* KILN_TRACE_SAMPLE=FILE: writes the sample case there (the fuzz corpus has it) */
    const char *sample = getenv("KILN_TRACE_SAMPLE");
    if (sample) {
        float x[N_F32];
        unsigned char before[N_U8], after[N_U8];
        double y[N_F64];
        return write_sample(sample, x, before, after, y) == 0 ? 0 : 1;
    }
    if (!test_scratch_dir(workdir, sizeof workdir, "kiln-trace-XXXXXX")) {
        fprintf(stderr, "mkdtemp %s: %s\n", workdir, strerror(errno));
        return 1;
    }
    test_round_trip();
    test_every_prefix_and_flip();
    test_large_array();
    test_writer_misuse();
    if (test_scratch_remove(workdir) != 0)
        fprintf(stderr, "could not remove %s\n", workdir);
    CHECK_DONE();
}
