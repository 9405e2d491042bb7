/*
 * test_remote_protocol.c: a misbehaving client, by hand. Unknown, stale and
 * wrong-kind ids, out-of-range offsets and sizes, unsealed or short shared
 * memory, oversized and truncated frames, unknown opcodes and unexpected
 * descriptors must each give a clean OpenCL error or a dropped connection,
 * never a daemon crash; callers with another uid are refused; STATS tells a
 * session only about itself unless the daemon runs with --stats-all.
 */
#define _GNU_SOURCE
#include "check.h"
#include "harness.h"

#include <fcntl.h>
#include <sys/mman.h>

static uint64_t g_next_id = 100;

static int create_context(struct raw *r, uint64_t id)
{
    size_t s = raw_begin(r, KR_OP_CREATE_CONTEXT);
    kr_put_u64(&r->out, id);
    kr_put_u32(&r->out, 1);
    kr_put_u32(&r->out, 0);
    return raw_call(r, s);
}

static int create_queue(struct raw *r, uint64_t id, uint64_t ctx)
{
    size_t s = raw_begin(r, KR_OP_CREATE_QUEUE);
    kr_put_u64(&r->out, id);
    kr_put_u64(&r->out, ctx);
    kr_put_u32(&r->out, 0);
    kr_put_u64(&r->out, 0);
    return raw_call(r, s);
}

static int finish(struct raw *r, uint64_t q)
{
    size_t s = raw_begin(r, KR_OP_FINISH);
    kr_put_u64(&r->out, q);
    return raw_call(r, s);
}

/* A buffer backed by a memfd of file_size bytes, sealed or not; no reply (see FINISH). */
static void create_buffer(struct raw *r, uint64_t id, uint64_t ctx, uint64_t size, size_t file_size, int seal)
{
    int fd = memfd_create("test", MFD_ALLOW_SEALING);
    if (ftruncate(fd, (off_t)file_size) != 0)
        fprintf(stderr, "ftruncate failed\n");
    if (seal)
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
    size_t s = raw_begin(r, KR_OP_CREATE_BUFFER);
    kr_put_u64(&r->out, id);
    kr_put_u64(&r->out, ctx);
    kr_put_u64(&r->out, CL_MEM_READ_WRITE);
    kr_put_u64(&r->out, size);
    raw_send(r, s, fd);
    close(fd);
}

static void copy(struct raw *r, uint64_t q, uint64_t src, uint64_t dst, uint64_t so, uint64_t dof, uint64_t size)
{
    size_t s = raw_begin(r, KR_OP_COPY_BUFFER);
    kr_put_u64(&r->out, q);
    kr_put_u64(&r->out, src);
    kr_put_u64(&r->out, dst);
    kr_put_u64(&r->out, so);
    kr_put_u64(&r->out, dof);
    kr_put_u64(&r->out, size);
    kr_put_u32(&r->out, 0);
    kr_put_u64(&r->out, 0);
    raw_send(r, s, -1);
}

/* Sends raw bytes on a fresh connection and reports whether the daemon dropped it. */
static int dropped_after(const struct harness *h, const void *bytes, size_t n, int fd)
{
    struct raw r;
    if (raw_open(&r, h) != 0)
        return 0;
    kr_send_all(r.sock, bytes, n, fd);
    shutdown(r.sock, SHUT_WR);
    int dropped = raw_dropped(&r);
    raw_close(&r);
    return dropped;
}

static void check_bad_frames(const struct harness *h)
{
    uint8_t frame[64] = {0};
    struct kr_header hd = {KR_FRAME_MAX_PAYLOAD + 1, KR_OP_HELLO, 1};
    kr_header_encode(frame, &hd);
    CHECK_MSG(dropped_after(h, frame, KR_FRAME_HEADER_BYTES, -1), "oversized frame not dropped");

    hd = (struct kr_header){4, KR_OP_CREATE_QUEUE, 1}; /* a queue create needs 28 bytes */
    kr_header_encode(frame, &hd);
    CHECK_MSG(dropped_after(h, frame, KR_FRAME_HEADER_BYTES + 4, -1), "short payload not dropped");

    hd = (struct kr_header){100, KR_OP_HELLO, 1}; /* the stream ends inside the frame */
    kr_header_encode(frame, &hd);
    CHECK_MSG(dropped_after(h, frame, KR_FRAME_HEADER_BYTES + 10, -1), "truncated frame not dropped");

    hd = (struct kr_header){8, KR_OP_HELLO, 1}; /* trailing bytes after a valid HELLO */
    kr_header_encode(frame, &hd);
    CHECK_MSG(dropped_after(h, frame, KR_FRAME_HEADER_BYTES + 8, -1), "over-long payload not dropped");

    hd = (struct kr_header){0, 0x7777, 1};
    kr_header_encode(frame, &hd);
    CHECK_MSG(dropped_after(h, frame, KR_FRAME_HEADER_BYTES, -1), "unknown opcode not dropped");

    hd = (struct kr_header){4, KR_OP_HELLO, 1}; /* a descriptor nobody asked for */
    kr_header_encode(frame, &hd);
    frame[16] = KR_PROTOCOL_VERSION;
    int fd = memfd_create("stray", 0);
    CHECK_MSG(dropped_after(h, frame, KR_FRAME_HEADER_BYTES + 4, fd), "unexpected descriptor not dropped");
    close(fd);
}

static void check_ids_and_ranges(const struct harness *h)
{
    struct raw r;
    CHECK(raw_open(&r, h) == 0);
    CHECK(raw_hello(&r) == CL_SUCCESS);
    uint64_t ctx = g_next_id++, q = g_next_id++, other = g_next_id++;
    CHECK(create_queue(&r, q, 999999) == CL_INVALID_CONTEXT); /* unknown */
    CHECK(create_context(&r, ctx) == CL_SUCCESS);
    CHECK(create_context(&r, ctx) == CL_INVALID_VALUE); /* id already in use */
    CHECK(create_queue(&r, q, ctx) == CL_SUCCESS);
    CHECK(finish(&r, ctx) == CL_INVALID_COMMAND_QUEUE); /* wrong kind */
    CHECK(finish(&r, q) == CL_SUCCESS);

    uint64_t buf = g_next_id++;
    create_buffer(&r, buf, ctx, 4096, 4096, 1);
    CHECK(finish(&r, q) == CL_SUCCESS);
    copy(&r, q, buf, buf, 0, 4000, 200); /* past the end */
    CHECK(finish(&r, q) == CL_INVALID_VALUE);
    copy(&r, q, buf, buf, UINT64_MAX - 8, 0, 16); /* offset + size overflows */
    CHECK(finish(&r, q) == CL_INVALID_VALUE);
    copy(&r, q, buf, 424242, 0, 0, 16); /* unknown destination */
    CHECK(finish(&r, q) == CL_INVALID_MEM_OBJECT);
    copy(&r, q, buf, buf, 0, 2048, 1024); /* a valid copy still works */
    CHECK(finish(&r, q) == CL_SUCCESS);

    create_buffer(&r, g_next_id++, ctx, 4096, 4096, 0); /* unsealed: could shrink under the daemon */
    CHECK(finish(&r, q) == CL_INVALID_VALUE);
    create_buffer(&r, g_next_id++, ctx, 8192, 4096, 1); /* smaller than claimed */
    CHECK(finish(&r, q) == CL_INVALID_VALUE);

    size_t s = raw_begin(&r, KR_OP_WAIT); /* unknown event */
    kr_put_u64(&r.out, 0);
    kr_put_u32(&r.out, 1);
    kr_put_u64(&r.out, 31337);
    CHECK(raw_call(&r, s) == CL_INVALID_EVENT);

    s = raw_begin(&r, KR_OP_RELEASE); /* release, then use: stale */
    kr_put_u32(&r.out, KR_KIND_MEM);
    kr_put_u64(&r.out, buf);
    raw_send(&r, s, -1);
    copy(&r, q, buf, buf, 0, 2048, 16);
    CHECK(finish(&r, q) == CL_INVALID_MEM_OBJECT);

    s = raw_begin(&r, KR_OP_DEVICE_INFO); /* device index out of range */
    kr_put_u32(&r.out, 77);
    kr_put_u32(&r.out, CL_DEVICE_NAME);
    CHECK(raw_call(&r, s) == CL_INVALID_DEVICE);
    (void)other;
    raw_close(&r);
}

/*
 * STATS answers for the caller's own session: a second client sees none of the
 * first one's objects and mappings; with --stats-all (daemon_wide) it sees them.
 */
static void check_stats_scope(int daemon_wide)
{
    struct harness h;
    CHECK(harness_init(&h, 1) == 0);
    h.own_stats = !daemon_wide;
    CHECK(harness_start_daemon(&h, NULL, NULL) == 0);
    struct raw owner, other;
    CHECK(raw_open(&owner, &h) == 0 && raw_hello(&owner) == CL_SUCCESS);
    uint64_t ctx = g_next_id++, q = g_next_id++, buf = g_next_id++;
    CHECK(create_context(&owner, ctx) == CL_SUCCESS && create_queue(&owner, q, ctx) == CL_SUCCESS);
    create_buffer(&owner, buf, ctx, 8192, 8192, 1);
    CHECK(finish(&owner, q) == CL_SUCCESS);
    uint64_t mine[3] = {0}, theirs[3] = {0};
    CHECK(raw_stats(&owner, mine) == CL_SUCCESS);
    CHECK_MSG(mine[0] == 1 && mine[1] == 3 && mine[2] == 1,
              "the owner sees %llu sessions, %llu objects, %llu mappings", (unsigned long long)mine[0],
              (unsigned long long)mine[1], (unsigned long long)mine[2]);
    CHECK(raw_open(&other, &h) == 0 && raw_hello(&other) == CL_SUCCESS);
    CHECK(raw_stats(&other, theirs) == CL_SUCCESS);
    uint64_t sessions = daemon_wide ? 2 : 1, objects = daemon_wide ? 3 : 0, mappings = daemon_wide ? 1 : 0;
    CHECK_MSG(theirs[0] == sessions && theirs[1] == objects && theirs[2] == mappings,
              "%s: another session sees %llu sessions, %llu objects, %llu mappings",
              daemon_wide ? "--stats-all" : "by default", (unsigned long long)theirs[0],
              (unsigned long long)theirs[1], (unsigned long long)theirs[2]);
    raw_close(&other);
    raw_close(&owner);
    harness_stop(&h);
}

/* Exits 0 when the daemon refused this process's connection, or its socket's mode did. */
static int refused(const struct harness *h)
{
    struct raw r;
    if (raw_open(&r, h) != 0)
        return errno == EACCES ? 0 : 1;
    int st = raw_hello(&r);
    raw_close(&r);
    return st == 1000 ? 0 : 2;
}

int main(void)
{
    struct harness h;
    CHECK(harness_init(&h, 1) == 0);
    CHECK_MSG(harness_start_daemon(&h, NULL, NULL) == 0, "kiln-remoted did not start");
    alarm(50);
    check_bad_frames(&h);
    CHECK(harness_daemon_alive(&h));
    check_ids_and_ranges(&h);
    CHECK(harness_daemon_alive(&h));

    struct raw r;
    CHECK(raw_open(&r, &h) == 0 && raw_hello(&r) == CL_SUCCESS);
    uint64_t stats[3] = {0};
    for (int i = 0; i < 100; i++) {
        CHECK(raw_stats(&r, stats) == CL_SUCCESS);
        if (stats[0] == 1 && stats[1] == 0 && stats[2] == 0)
            break;
        harness_sleep_ms(20);
    }
    CHECK_MSG(stats[0] == 1 && stats[1] == 0 && stats[2] == 0, "left behind: %llu sessions, %llu objects, %llu mappings",
              (unsigned long long)stats[0], (unsigned long long)stats[1], (unsigned long long)stats[2]);
    raw_close(&r);

    /* Another user: the daemon serves only its own uid unless told otherwise. */
    if (geteuid() == 0) {
        pid_t child = fork();
        if (child == 0)
            _exit(setuid(65534) == 0 ? refused(&h) : 3);
        int status = -1;
        waitpid(child, &status, 0);
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a 'nobody' client was not refused (status %d)", status);
    }
    harness_stop(&h);

    /* A daemon allowing only uid 4242 refuses us. */
    struct harness h2;
    CHECK(harness_init(&h2, 1) == 0);
    CHECK(harness_start_daemon(&h2, "--allow-uid", "4242") == 0);
    CHECK_MSG(refused(&h2) == 0, "a caller with a uid not allowed was served");
    CHECK(harness_daemon_alive(&h2));
    harness_stop(&h2);

    check_stats_scope(0);
    check_stats_scope(1);
    CHECK_DONE();
}
