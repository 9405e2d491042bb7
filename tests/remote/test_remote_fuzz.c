/*
 * test_remote_fuzz.c: deterministic mutation fuzzing of the daemon's frame
 * decoder and dispatch, in process against the real platform. Each case is a
 * stream of valid frames (creates, enqueues, waits, releases) mutated by bit
 * flips, boundary values, truncation and splicing, fed to one session over a
 * socketpair. The session may reply or drop the stream but must not crash,
 * and after all cases no object or mapping may be left. Half of the cases run
 * with the daemon in copy mode, so the transfer paths see the same input, and
 * a tenth with capture on (kiln-remoted --capture) from a seed that builds a
 * program, so the hooks that record sources, arguments and launches see it.
 */
#include "check.h"
#include "files.h"
#include "runtime/remote/daemon_int.h"
#include "runtime/remote/capture.h"
#include "runtime/remote/wire.h"
#include "fuzz_util.h"

#include <stdlib.h>

#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t g_rng = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}


static void mutate(uint8_t *d, size_t *n, size_t cap)
{
    int rounds = 1 + (int)(rnd() % 8);
    for (int i = 0; i < rounds && *n > 0; i++) {
        size_t at = rnd() % *n;
        switch (rnd() % 7) {
        case 0: d[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
        case 1: d[at] = (uint8_t[]){0, 0xff, 0x7f, 0x80, 1}[rnd() % 5]; break;
        case 2: if (at + 4 <= *n) { uint32_t v = (uint32_t[]){0, 0xffffffffu, KR_FRAME_MAX_PAYLOAD, 1u << 31, 16}[rnd() % 5]; memcpy(d + at, &v, 4); } break;
        case 3: *n = at; break; /* truncate */
        case 4: { size_t len = rnd() % 64, from = rnd() % *n; /* splice a chunk elsewhere */
            if (from + len <= *n && *n + len <= cap) { memmove(d + at + len, d + at, *n - at); memmove(d + at, d + from + (from >= at ? len : 0), len); *n += len; } } break;
        case 5: if (at + 8 <= *n) { uint64_t v = rnd() % 16; memcpy(d + at, &v, 8); } break; /* plausible id */
        default: d[at] = (uint8_t)rnd(); break;
        }
    }
}

/* The seed with a program built from source and kernel 4 created from it
 * after the queue (frame 6), and a well-formed launch of it after its
 * arguments are set (before the seed's own NDRange, frame 10), so that
 * capture sees sources, arguments and a launch it can write. */
static void build_capture_seed(const struct kr_buf *seed, struct kr_buf *out)
{
    static const char src[] = "__kernel void k(__global float *a, int n) { a[get_global_id(0) % 1024] = n; }";
    size_t at = 0, f;
    for (int frame = 0; at + KR_FRAME_HEADER_BYTES <= seed->len; frame++) {
        struct kr_header h;
        kr_header_decode(seed->data + at, &h);
        kr_put_raw(out, seed->data + at, KR_FRAME_HEADER_BYTES + h.length);
        at += KR_FRAME_HEADER_BYTES + h.length;
        if (frame == 5) {
            f = kr_frame_begin(out, KR_OP_CREATE_PROGRAM_SOURCE, 100);
            kr_put_u64(out, 11);
            kr_put_u64(out, 1);
            kr_put_blob(out, src, sizeof src - 1);
            kr_frame_end(out, f);
            f = kr_frame_begin(out, KR_OP_BUILD_PROGRAM, 101);
            kr_put_u64(out, 11);
            kr_put_u32(out, 0);
            kr_put_blob(out, "", 0);
            kr_frame_end(out, f);
            f = kr_frame_begin(out, KR_OP_CREATE_KERNEL, 102);
            kr_put_u64(out, 4);
            kr_put_u64(out, 11);
            kr_put_blob(out, "k", 1);
            kr_frame_end(out, f);
        } else if (frame == 8) {
            f = kr_frame_begin(out, KR_OP_NDRANGE, 103);
            kr_put_u64(out, 2);
            kr_put_u64(out, 4);
            kr_put_u32(out, 1);
            for (int i = 0; i < 6; i++)
                kr_put_u64(out, i == 3 ? 64 : i > 3 ? 1 : 0); /* offset 0, global 64 */
            kr_put_u32(out, 0);                               /* the device picks the local size */
            for (int i = 0; i < 3; i++)
                kr_put_u64(out, 0);
            kr_put_u32(out, 0); /* no wait list */
            kr_put_u64(out, 0); /* no event */
            kr_frame_end(out, f);
        }
    }
}

int main(void)
{
    /* The header decoder alone: a length past the maximum is refused before any allocation. */
    for (int i = 0; i < 100000; i++) {
        uint8_t hdr[KR_FRAME_HEADER_BYTES];
        for (int j = 0; j < (int)sizeof hdr; j++)
            hdr[j] = (uint8_t)rnd();
        struct kr_header h;
        int rc = kr_header_decode(hdr, &h);
        CHECK(rc == (h.length > KR_FRAME_MAX_PAYLOAD ? -1 : 0));
    }

    struct kr_platform p;
    char err[512];
    if (kr_platform_load(&p, NULL, err, sizeof err) != 0)
        SKIP_NO_DEVICE("no OpenCL platform to fuzz against: %s", err);
    const int in_place = p.in_place;
    struct kr_buf seed = {0};
    build_seed(&seed);
    CHECK(!seed.failed);

    static struct kr_capture capture;
    char capture_dir[512];
    CHECK(test_scratch_dir(capture_dir, sizeof capture_dir, "kiln-fuzz-capture-XXXXXX") != NULL);
    CHECK_MSG(kr_capture_init(&capture, capture_dir, NULL, 20, err, sizeof err) == 0, "%s", err);

    struct kr_buf capture_seed = {0};
    build_capture_seed(&seed, &capture_seed);
    CHECK(!capture_seed.failed);

    size_t cap = capture_seed.len * 2 + 256;
    uint8_t *buf = malloc(cap);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int cases = 0, clean = 0;
    for (; cases < 20000; cases++) {
        /* every tenth case: capture on, its seed building a program to capture */
        const struct kr_buf *from = cases % 10 == 1 ? &capture_seed : &seed;
        size_t n = from->len;
        memcpy(buf, from->data, n);
        if (cases > 1)
            mutate(buf, &n, cap);
        p.in_place = cases % 2 ? in_place : 0; /* half the cases in copy mode */
        p.capture = from == &capture_seed ? &capture : NULL;
        int rc = fuzz_session(&p, buf, n);
        CHECK(rc != -2);
        clean += rc == 0;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (t1.tv_sec - t0.tv_sec > 20)
            break;
    }
    fprintf(stderr, "%d fuzz cases, %d ended cleanly, the rest were dropped; %llu launches captured, %llu not\n",
            cases, clean, capture.written, capture.failed);
    CHECK(cases >= 200);
    CHECK(clean >= 1); /* at least the unmutated seed */
    /* no buffer exists without a descriptor, so capture refuses these launches
     * by name; the capture tests (tests/regress) write real ones */
    CHECK_MSG(capture.written + capture.failed >= 1, "the unmutated capture seed's launch never reached capture");

    struct kr_daemon_stats st;
    CHECK_MSG(fuzz_nothing_left(&st), "left behind: %llu sessions, %llu objects, %llu mappings",
              (unsigned long long)st.sessions, (unsigned long long)st.objects, (unsigned long long)st.mappings);
    CHECK(test_scratch_remove(capture_dir) == 0);
    free(buf);
    kr_buf_free(&seed);
    kr_buf_free(&capture_seed);
    kr_platform_unload(&p);
    CHECK_DONE();
}
