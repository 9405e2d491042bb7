/*
 * test_rt_fill: kiln_buf_fill on the host backend and on OpenCL (PoCL here):
 * every pattern width, a fill of part of a buffer leaving the rest alone,
 * the refusals (a width that is no power of two or does not divide the
 * bytes, more bytes than the buffer has); and kiln_rt_keep's slot, released
 * once when set again and once when rt closes. The OpenCL half skips only
 * where no OpenCL device exists (a failure where KILN_REQUIRE_DEVICES=1).
 */
#include <math.h>
#include <string.h>
#include "check.h"
#include "kiln/runtime.h"

enum { BYTES = 4096 };

static void check_fill(kiln_rt *rt, const char *where)
{
    static unsigned char back[BYTES], before[BYTES];
    kiln_buf *b = kiln_buf_new(rt, BYTES);
    CHECK_MSG(b != NULL, "%s: buffer: %s", where, kiln_rt_errmsg(rt));
    if (!b)
        return;
    for (size_t width = 1; width <= 128; width *= 2) {
        unsigned char pattern[128];
        for (size_t i = 0; i < width; i++)
            pattern[i] = (unsigned char)(0x11 * (i + 1) + width);
        for (size_t i = 0; i < BYTES; i++)
            before[i] = (unsigned char)(i * 7);
        CHECK(kiln_buf_write(rt, b, before, BYTES) == 0);
        size_t part = BYTES / 2;
        int rc = kiln_buf_fill(rt, b, pattern, width, part);
        CHECK_MSG(rc == 0, "%s: fill of %zu-byte pattern: %s", where, width, kiln_rt_errmsg(rt));
        CHECK(kiln_buf_read(rt, b, back, BYTES) == 0);
        int filled = 1, kept = memcmp(back + part, before + part, BYTES - part) == 0;
        for (size_t i = 0; i < part; i++)
            filled &= back[i] == pattern[i % width];
        CHECK_MSG(filled && kept, "%s: %zu-byte pattern: filled %d, the rest kept %d", where, width, filled, kept);
    }
    float nan = NAN;
    CHECK(kiln_buf_fill(rt, b, &nan, sizeof nan, BYTES) == 0);
    float f[BYTES / sizeof(float)];
    CHECK(kiln_buf_read(rt, b, f, BYTES) == 0);
    int all_nan = 1;
    for (size_t i = 0; i < BYTES / sizeof(float); i++)
        all_nan &= isnan(f[i]) != 0;
    CHECK_MSG(all_nan, "%s: NaN fill", where);
    unsigned char p[8] = {0};
    CHECK(kiln_buf_fill(rt, b, p, 3, 3 * 100) != 0 && strstr(kiln_rt_errmsg(rt), "3 bytes"));
    CHECK(kiln_buf_fill(rt, b, p, 8, 12) != 0 && strstr(kiln_rt_errmsg(rt), "cannot fill 12 bytes"));
    CHECK(kiln_buf_fill(rt, b, p, 4, 2 * BYTES) != 0 && strstr(kiln_rt_errmsg(rt), "buffer"));
    kiln_buf_free(rt, b);
}

static int released, released_by;

static void release(kiln_rt *rt, void *data)
{
    (void)rt;
    released++;
    released_by = *(int *)data;
}

static void check_keep(kiln_rt *rt)
{
    static int one = 1, two = 2;
    released = 0;
    CHECK(kiln_rt_kept(rt) == NULL);
    kiln_rt_keep(rt, &one, release);
    CHECK(kiln_rt_kept(rt) == &one && released == 0);
    kiln_rt_keep(rt, &two, release);
    CHECK(kiln_rt_kept(rt) == &two && released == 1 && released_by == 1);
    kiln_rt_close(rt);
    CHECK(released == 2 && released_by == 2);
}

int main(void)
{
    char err[512];
    kiln_rt *rt = kiln_rt_open("host", err, sizeof err);
    CHECK_MSG(rt != NULL, "host: %s", err);
    if (rt) {
        CHECK(kiln_rt_device(rt)->on_cpu == 1);
        check_fill(rt, "host");
        check_keep(rt);
    }
    rt = kiln_rt_open("0:0", err, sizeof err);
    if (!rt || strcmp(kiln_rt_device(rt)->backend, "opencl") != 0)
        SKIP_NO_DEVICE("no OpenCL device: %s", err);
    /* PoCL's device is the CPU; a GPU's is not */
    CHECK(kiln_rt_device(rt)->on_cpu == (strstr(kiln_rt_device(rt)->platform, "Portable") != NULL));
    check_fill(rt, "opencl");
    check_keep(rt);
    CHECK_DONE();
}
