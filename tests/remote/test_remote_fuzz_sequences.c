/*
 * test_remote_fuzz_sequences.c: fuzzing past the frame decoder. Every frame
 * is well formed, so each one reaches its operation; the values are hostile:
 * ids drawn from a small pool so that they name objects of other kinds or
 * objects already released, kernel arguments of every kind given to every
 * argument (a sampler, an image, __local and __global arguments, indices past
 * the end, huge __local sizes), buffers released while kernels name them,
 * wait lists of failed or unknown events, user events set twice, program
 * binaries the daemon handed out given back intact, with flipped bytes, cut
 * short or made up. A client thread plays the sequence against one session in
 * this process (over a socketpair), reading every reply, so a binary taken
 * from one reply can be given back in a later frame. The session must answer
 * every frame that expects an answer and never crash (under ASan in CI);
 * after all cases no object or mapping is left.
 * KILN_FUZZ_SECONDS (default 20) and KILN_FUZZ_SEED set the run.
 */
#include "check.h"
#include "fuzz_util.h"
#include "runtime/remote/daemon_int.h"
#include "runtime/remote/wire.h"

#include <CL/cl.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *k_src =
    "__kernel void bufs(__global float *a, __global float *b, const int n) { a[get_global_id(0) % 64] = b[0] + n; }\n"
    "__kernel void loc(__global float *a, __local float *t) { t[0] = 1.0f; a[0] = t[0]; }\n"
    "__kernel void smp(__global float *a, sampler_t s) { a[0] = 2.0f; }\n"
    "__kernel void img(__read_only image2d_t i, __global float *a) { a[0] = 3.0f; }\n";
static const char *const k_names[] = {"bufs", "loc", "smp", "img", "nope"};

#define POOL 24 /* ids 1..POOL: every kind shares them */

static uint64_t g_rng;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}
static uint64_t pick(uint64_t n) { return rnd() % n; }
/* Mostly the ids the prologue gave objects (1..9), sometimes others of the pool, 0 or far off. */
static uint64_t any_id(void) { return pick(8) == 0 ? pick(3) * 1000 : pick(3) ? 1 + pick(9) : 1 + pick(POOL); }

struct player {
    int sock;
    struct kr_conn conn;
    struct kr_buf out;
    uint64_t seq;
    unsigned char *binary; /* the last binary the daemon handed out */
    size_t binary_len;
    int lost; /* the session stopped answering */
    unsigned long long answers, successes; /* replies, and those with CL_SUCCESS */
};

/* Sends the frame begun at start; for a frame that replies, reads the reply (keeping a binary if it is one). */
static void play(struct player *pl, size_t start, uint32_t op, int fd)
{
    kr_frame_end(&pl->out, start);
    if (kr_send_all(pl->sock, pl->out.data, pl->out.len, fd) != 0)
        pl->lost = 1;
    pl->out.len = 0;
    if (pl->lost || kr_opcode_replies(op) != 1)
        return;
    struct kr_header h;
    const uint8_t *payload;
    if (kr_conn_read_frame(&pl->conn, &h, &payload) != 1 || h.seq != pl->seq || h.opcode != (op | KR_REPLY_BIT)) {
        pl->lost = 1;
        return;
    }
    struct kr_reader r;
    kr_reader_init(&r, payload, h.length);
    cl_int err = kr_get_i32(&r);
    pl->answers++;
    pl->successes += err == CL_SUCCESS;
    if (op == KR_OP_PROGRAM_INFO && err == CL_SUCCESS && kr_get_u32(&r) == 1) {
        size_t len;
        const void *bin = kr_get_blob(&r, &len, KR_FRAME_MAX_PAYLOAD);
        if (bin && len) {
            free(pl->binary);
            pl->binary = malloc(len);
            if (pl->binary)
                memcpy(pl->binary, bin, len);
            pl->binary_len = pl->binary ? len : 0;
        }
    }
}

static size_t begin(struct player *pl, uint32_t op) { return kr_frame_begin(&pl->out, op, ++pl->seq); }

static void put_wait_list(struct player *pl)
{
    uint32_t n = (uint32_t)pick(3);
    kr_put_u32(&pl->out, n);
    for (uint32_t i = 0; i < n; i++)
        kr_put_u64(&pl->out, any_id());
}

/* A sealed memfd of size bytes, as the ICD makes for a buffer; -1 when none. */
static int shared_memory(uint64_t size)
{
    int fd = memfd_create("kiln-fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd >= 0 && (ftruncate(fd, (off_t)size) != 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0)) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* The binary to give back: intact, flipped, cut short or made up. */
static void put_binary(struct player *pl)
{
    size_t len = pl->binary_len ? pl->binary_len : 64;
    unsigned char *b = malloc(len);
    if (!b) {
        kr_put_blob(&pl->out, "x", 1);
        return;
    }
    if (pl->binary_len)
        memcpy(b, pl->binary, len);
    else
        for (size_t i = 0; i < len; i++)
            b[i] = (unsigned char)rnd();
    switch (pick(4)) {
    case 0: break;
    case 1:
        for (int i = 0; i < 8; i++)
            b[pick(len)] ^= (unsigned char)(1 + pick(255));
        break;
    case 2: len = len / 2 + 1; break;
    default: b[0] ^= 0xff; break;
    }
    kr_put_blob(&pl->out, b, len);
    free(b);
}

/* One operation with hostile values. */
static void step(struct player *pl)
{
    size_t s;
    uint32_t op;
    int fd = -1;
    switch (pick(20)) {
    case 0:
        s = begin(pl, op = KR_OP_CREATE_CONTEXT);
        kr_put_u64(&pl->out, any_id());
        kr_put_u32(&pl->out, 1);
        kr_put_u32(&pl->out, (uint32_t)pick(2));
        break;
    case 1:
        s = begin(pl, op = KR_OP_CREATE_QUEUE);
        kr_put_u64(&pl->out, any_id());
        kr_put_u64(&pl->out, any_id());
        kr_put_u32(&pl->out, 0);
        kr_put_u64(&pl->out, pick(2) ? CL_QUEUE_PROFILING_ENABLE : 0);
        break;
    case 2: {
        uint64_t size = pick(5) ? 64 * (1 + pick(64)) : pick(3) == 0 ? 0 : (uint64_t)1 << 41;
        fd = size && size < (1u << 20) ? shared_memory(size) : shared_memory(4096);
        s = begin(pl, op = KR_OP_CREATE_BUFFER);
        kr_put_u64(&pl->out, any_id());
        kr_put_u64(&pl->out, any_id());
        kr_put_u64(&pl->out, CL_MEM_READ_WRITE);
        kr_put_u64(&pl->out, size);
        break;
    }
    case 3:
        s = begin(pl, op = KR_OP_CREATE_PROGRAM_SOURCE);
        kr_put_u64(&pl->out, any_id());
        kr_put_u64(&pl->out, any_id());
        kr_put_blob(&pl->out, k_src, strlen(k_src));
        break;
    case 4:
        s = begin(pl, op = KR_OP_BUILD_PROGRAM);
        kr_put_u64(&pl->out, any_id());
        kr_put_u32(&pl->out, 0);
        kr_put_blob(&pl->out, "", 0);
        break;
    case 5: {
        const char *name = k_names[pick(sizeof k_names / sizeof k_names[0])];
        s = begin(pl, op = KR_OP_CREATE_KERNEL);
        kr_put_u64(&pl->out, any_id());
        kr_put_u64(&pl->out, any_id());
        kr_put_blob(&pl->out, name, strlen(name));
        break;
    }
    case 6:
    case 7: {
        uint32_t kind = (uint32_t)pick(3);
        s = begin(pl, op = KR_OP_SET_ARG);
        kr_put_u64(&pl->out, any_id());
        kr_put_u32(&pl->out, (uint32_t)pick(5));
        kr_put_u32(&pl->out, kind);
        if (kind == KR_ARG_MEM) {
            kr_put_u64(&pl->out, pick(4) ? any_id() : 0);
        } else if (kind == KR_ARG_LOCAL) {
            kr_put_u64(&pl->out, pick(3) ? (uint64_t)4 << pick(12) : (uint64_t)-1 >> pick(40));
        } else {
            uint64_t junk = rnd();
            kr_put_blob(&pl->out, &junk, (size_t)(1u << pick(4)));
        }
        break;
    }
    case 8:
    case 9:
        s = begin(pl, op = KR_OP_NDRANGE);
        kr_put_u64(&pl->out, any_id());
        kr_put_u64(&pl->out, any_id());
        kr_put_u32(&pl->out, (uint32_t)(1 + pick(3)));
        for (int i = 0; i < 3; i++)
            kr_put_u64(&pl->out, pick(4) ? 0 : pick(64));
        for (int i = 0; i < 3; i++)
            kr_put_u64(&pl->out, 1 + pick(64));
        kr_put_u32(&pl->out, (uint32_t)pick(2));
        for (int i = 0; i < 3; i++)
            kr_put_u64(&pl->out, 1 << pick(4));
        put_wait_list(pl);
        kr_put_u64(&pl->out, pick(2) ? any_id() : 0);
        break;
    case 10:
        s = begin(pl, op = KR_OP_COPY_BUFFER);
        kr_put_u64(&pl->out, any_id());
        kr_put_u64(&pl->out, any_id());
        kr_put_u64(&pl->out, any_id());
        kr_put_u64(&pl->out, pick(128));
        kr_put_u64(&pl->out, pick(128));
        kr_put_u64(&pl->out, pick(256));
        put_wait_list(pl);
        kr_put_u64(&pl->out, pick(2) ? any_id() : 0);
        break;
    case 11:
        s = begin(pl, op = pick(2) ? KR_OP_MARKER : KR_OP_BARRIER);
        kr_put_u64(&pl->out, any_id());
        put_wait_list(pl);
        kr_put_u64(&pl->out, pick(2) ? any_id() : 0);
        break;
    case 12:
        s = begin(pl, op = KR_OP_CREATE_USER_EVENT);
        kr_put_u64(&pl->out, any_id());
        kr_put_u64(&pl->out, any_id());
        break;
    case 13:
        /* CL_COMPLETE or an error status: a failed user event gating queued work aborts PoCL 3.1, which only
         * the session's process isolation contains; in this in-process harness it is kept to ungated events. */
        s = begin(pl, op = KR_OP_SET_USER_EVENT);
        kr_put_u64(&pl->out, any_id());
        kr_put_i32(&pl->out, CL_COMPLETE);
        break;
    case 14:
    case 15:
        s = begin(pl, op = KR_OP_RELEASE);
        kr_put_u32(&pl->out, (uint32_t)(1 + pick(6)));
        kr_put_u64(&pl->out, any_id());
        break;
    case 16:
        s = begin(pl, op = pick(2) ? KR_OP_FINISH : KR_OP_EVENT_STATUS);
        kr_put_u64(&pl->out, any_id());
        break;
    case 17:
        s = begin(pl, op = KR_OP_WAIT);
        kr_put_u64(&pl->out, pick(2) ? any_id() : 0);
        put_wait_list(pl);
        break;
    case 18:
        s = begin(pl, op = KR_OP_PROGRAM_INFO);
        kr_put_u64(&pl->out, any_id());
        kr_put_u32(&pl->out, pick(3) ? CL_PROGRAM_BINARIES : CL_PROGRAM_KERNEL_NAMES);
        break;
    default:
        s = begin(pl, op = KR_OP_CREATE_PROGRAM_BINARY);
        kr_put_u64(&pl->out, any_id());
        kr_put_u64(&pl->out, any_id());
        kr_put_u32(&pl->out, 1);
        kr_put_u32(&pl->out, 0);
        put_binary(pl);
        break;
    }
    play(pl, s, op, fd);
    if (fd >= 0)
        close(fd);
}

struct session_arg {
    const struct kr_platform *p;
    int sock, rc;
};

static void *serve(void *arg)
{
    struct session_arg *a = arg;
    a->rc = kr_session_run(a->p, a->sock);
    return NULL;
}

/* Objects for the hostile steps to work on: context 1, queue 2, program 3 built, kernels 4-7, buffers 8 and 9. */
static void prologue(struct player *pl)
{
    size_t s = begin(pl, KR_OP_CREATE_CONTEXT);
    kr_put_u64(&pl->out, 1);
    kr_put_u32(&pl->out, 1);
    kr_put_u32(&pl->out, 0);
    play(pl, s, KR_OP_CREATE_CONTEXT, -1);
    s = begin(pl, KR_OP_CREATE_QUEUE);
    kr_put_u64(&pl->out, 2);
    kr_put_u64(&pl->out, 1);
    kr_put_u32(&pl->out, 0);
    kr_put_u64(&pl->out, 0);
    play(pl, s, KR_OP_CREATE_QUEUE, -1);
    s = begin(pl, KR_OP_CREATE_PROGRAM_SOURCE);
    kr_put_u64(&pl->out, 3);
    kr_put_u64(&pl->out, 1);
    kr_put_blob(&pl->out, k_src, strlen(k_src));
    play(pl, s, KR_OP_CREATE_PROGRAM_SOURCE, -1);
    s = begin(pl, KR_OP_BUILD_PROGRAM);
    kr_put_u64(&pl->out, 3);
    kr_put_u32(&pl->out, 0);
    kr_put_blob(&pl->out, "", 0);
    play(pl, s, KR_OP_BUILD_PROGRAM, -1);
    for (uint64_t k = 0; k < 4; k++) {
        s = begin(pl, KR_OP_CREATE_KERNEL);
        kr_put_u64(&pl->out, 4 + k);
        kr_put_u64(&pl->out, 3);
        kr_put_blob(&pl->out, k_names[k], strlen(k_names[k]));
        play(pl, s, KR_OP_CREATE_KERNEL, -1);
    }
    for (uint64_t b = 8; b <= 9; b++) {
        int fd = shared_memory(4096);
        s = begin(pl, KR_OP_CREATE_BUFFER);
        kr_put_u64(&pl->out, b);
        kr_put_u64(&pl->out, 1);
        kr_put_u64(&pl->out, CL_MEM_READ_WRITE);
        kr_put_u64(&pl->out, 4096);
        play(pl, s, KR_OP_CREATE_BUFFER, fd);
        if (fd >= 0)
            close(fd);
    }
}

static unsigned long long g_answers, g_successes;

/* One case: a HELLO, the prologue, then `steps` hostile operations; 0 when every frame that replies was answered. */
static int one_case(const struct kr_platform *p, int steps)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return -1;
    struct session_arg a = {p, sv[0], 0};
    pthread_t t;
    pthread_create(&t, NULL, serve, &a);
    struct player pl;
    memset(&pl, 0, sizeof pl);
    pl.sock = sv[1];
    kr_conn_init(&pl.conn, sv[1]);
    size_t s = begin(&pl, KR_OP_HELLO);
    kr_put_u32(&pl.out, KR_PROTOCOL_VERSION);
    play(&pl, s, KR_OP_HELLO, -1);
    prologue(&pl);
    for (int i = 0; i < steps && !pl.lost; i++)
        step(&pl);
    shutdown(sv[1], SHUT_WR);
    pthread_join(t, NULL);
    close(sv[0]);
    close(sv[1]);
    kr_conn_free(&pl.conn);
    kr_buf_free(&pl.out);
    free(pl.binary);
    g_answers += pl.answers;
    g_successes += pl.successes;
    return pl.lost ? -1 : 0;
}

int main(void)
{
    struct kr_platform p;
    char err[512];
    if (kr_platform_load(&p, NULL, err, sizeof err) != 0)
        SKIP_NO_DEVICE("no OpenCL platform to fuzz against: %s", err);
    const char *secs = getenv("KILN_FUZZ_SECONDS"), *seed = getenv("KILN_FUZZ_SEED");
    long seconds = secs ? atol(secs) : 20;
    g_rng = seed ? strtoull(seed, NULL, 10) | 1 : 0x9e3779b97f4a7c15ull;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int cases = 0, lost = 0;
    do {
        uint64_t case_seed = g_rng;
        int rc = one_case(&p, 20 + (int)pick(200));
        if (rc != 0) {
            lost++;
            fprintf(stderr, "case %d (rng state %llu): the session stopped answering\n", cases,
                    (unsigned long long)case_seed);
        }
        cases++;
        clock_gettime(CLOCK_MONOTONIC, &t1);
    } while (t1.tv_sec - t0.tv_sec < seconds);
    fprintf(stderr, "%d sequences of hostile frames, %llu replies (%llu CL_SUCCESS), %d sessions stopped answering\n",
            cases, g_answers, g_successes, lost);
    CHECK(cases >= 10);
    CHECK(lost == 0);
    struct kr_daemon_stats st;
    CHECK_MSG(fuzz_nothing_left(&st), "left behind: %llu sessions, %llu objects, %llu mappings",
              (unsigned long long)st.sessions, (unsigned long long)st.objects, (unsigned long long)st.mappings);
    kr_platform_unload(&p);
    CHECK_DONE();
}
