/*
 * fuzz_trace.h: the trace reader fed any bytes, for the libFuzzer target
 * (fuzz_trace.c) and the deterministic mutation test (test_trace_fuzz.c).
 * The bytes become a file in memory (memfd) that the reader opens by path,
 * as it opens any case; everything the reader offers is then exercised:
 * verification, the geometry, every blob read into a buffer of its size.
 * Returns 1 when the bytes were a valid case.
 */
#ifndef KILN_TEST_FUZZ_TRACE_H
#define KILN_TEST_FUZZ_TRACE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kiln/regress.h"

static inline int fuzz_trace_one(const uint8_t *data, size_t size)
{
    int fd = memfd_create("kiln-trace-fuzz", 0);
    if (fd < 0)
        return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64], err[512];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    kiln_trace *t = kiln_trace_open(path, err, sizeof err);
    int valid = 0;
    if (t) {
        valid = kiln_trace_verify(t, err, sizeof err) == 0;
        kiln_geometry geo;
        kiln_trace_get_geometry(t, &geo, err, sizeof err);
        (void)kiln_trace_get(t, "kind");
        for (int i = 0; i < kiln_trace_nargs(t); i++) {
            const kiln_trace_arg *a = kiln_trace_arg_at(t, i);
            for (int which = KILN_TRACE_INPUT; which <= KILN_TRACE_MAGNITUDE; which++) {
                const kiln_trace_blob *b = which == KILN_TRACE_INPUT    ? &a->input
                                           : which == KILN_TRACE_OUTPUT ? &a->output
                                                                        : &a->magnitude;
                void *buf = b->present ? malloc(b->bytes ? (size_t)b->bytes : 1) : NULL;
                if (buf)
                    valid &= kiln_trace_read(t, i, which, buf, err, sizeof err) == 0;
                free(buf);
            }
        }
        kiln_trace_free(t);
    }
    close(fd);
    return valid;
}

#endif
