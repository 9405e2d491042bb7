/*
 * fuzz_util.h: what the remoting fuzzers share: the seed stream (valid frames
 * for every decoder the daemon has, with ids that refer to each other) and one
 * session fed a byte stream over a socketpair, as a client would send it.
 */
#ifndef KILN_TEST_REMOTE_FUZZ_UTIL_H
#define KILN_TEST_REMOTE_FUZZ_UTIL_H

#include <CL/cl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include "runtime/remote/daemon_int.h"
#include "runtime/remote/wire.h"

/* The seed stream: every decoder the fuzzer should reach, with ids that refer to each other. */
static inline void build_seed(struct kr_buf *b)
{
    uint64_t seq = 1;
    size_t s;
#define FRAME(op) s = kr_frame_begin(b, KR_OP_##op, seq++)
#define END() kr_frame_end(b, s)
    FRAME(HELLO); kr_put_u32(b, KR_PROTOCOL_VERSION); END();
    FRAME(PLATFORM_INFO); kr_put_u32(b, CL_PLATFORM_NAME); END();
    FRAME(DEVICE_IDS); kr_put_u64(b, CL_DEVICE_TYPE_ALL); END();
    FRAME(DEVICE_INFO); kr_put_u32(b, 0); kr_put_u32(b, CL_DEVICE_MAX_WORK_GROUP_SIZE); END();
    FRAME(CREATE_CONTEXT); kr_put_u64(b, 1); kr_put_u32(b, 1); kr_put_u32(b, 0); END();
    FRAME(CREATE_QUEUE); kr_put_u64(b, 2); kr_put_u64(b, 1); kr_put_u32(b, 0); kr_put_u64(b, CL_QUEUE_PROFILING_ENABLE); END();
    FRAME(CREATE_BUFFER); kr_put_u64(b, 3); kr_put_u64(b, 1); kr_put_u64(b, CL_MEM_READ_WRITE); kr_put_u64(b, 4096); END();
    FRAME(SET_ARG); kr_put_u64(b, 4); kr_put_u32(b, 0); kr_put_u32(b, KR_ARG_MEM); kr_put_u64(b, 3); END();
    FRAME(SET_ARG); kr_put_u64(b, 4); kr_put_u32(b, 1); kr_put_u32(b, KR_ARG_BYTES); kr_put_blob(b, "abcd", 4); END();
    FRAME(NDRANGE); kr_put_u64(b, 2); kr_put_u64(b, 4); kr_put_u32(b, 1);
    for (int i = 0; i < 9; i++) kr_put_u64(b, i < 3 ? 0 : 64);
    kr_put_u32(b, 0); kr_put_u64(b, 5); END();
    FRAME(FILL_BUFFER); kr_put_u64(b, 2); kr_put_u64(b, 3); kr_put_blob(b, "\1\2\3\4", 4); kr_put_u64(b, 0);
    kr_put_u64(b, 1024); kr_put_u32(b, 0); kr_put_u64(b, 6); END();
    FRAME(COPY_BUFFER); kr_put_u64(b, 2); kr_put_u64(b, 3); kr_put_u64(b, 3); kr_put_u64(b, 0); kr_put_u64(b, 2048);
    kr_put_u64(b, 512); kr_put_u32(b, 1); kr_put_u64(b, 6); kr_put_u64(b, 7); END();
    FRAME(MARKER); kr_put_u64(b, 2); kr_put_u32(b, 2); kr_put_u64(b, 6); kr_put_u64(b, 7); kr_put_u64(b, 8); END();
    FRAME(CREATE_USER_EVENT); kr_put_u64(b, 1); kr_put_u64(b, 9); END();
    FRAME(SET_USER_EVENT); kr_put_u64(b, 9); kr_put_i32(b, CL_COMPLETE); END();
    FRAME(BARRIER); kr_put_u64(b, 2); kr_put_u32(b, 1); kr_put_u64(b, 9); kr_put_u64(b, 10); END();
    FRAME(FLUSH); kr_put_u64(b, 2); END();
    FRAME(WAIT); kr_put_u64(b, 2); kr_put_u32(b, 2); kr_put_u64(b, 8); kr_put_u64(b, 10); END();
    FRAME(EVENT_STATUS); kr_put_u64(b, 6); END();
    FRAME(EVENT_PROFILING); kr_put_u64(b, 7); END();
    FRAME(KERNEL_INFO); kr_put_u64(b, 4); kr_put_u32(b, CL_KERNEL_NUM_ARGS); END();
    FRAME(KERNEL_WG_INFO); kr_put_u64(b, 4); kr_put_u32(b, 0); kr_put_u32(b, CL_KERNEL_WORK_GROUP_SIZE); END();
    FRAME(PROGRAM_INFO); kr_put_u64(b, 11); kr_put_u32(b, CL_PROGRAM_BINARIES); END();
    FRAME(PROGRAM_BUILD_INFO); kr_put_u64(b, 11); kr_put_u32(b, 0); kr_put_u32(b, CL_PROGRAM_BUILD_LOG); END();
    FRAME(DEVICE_TO_HOST); kr_put_u64(b, 2); kr_put_u64(b, 3); kr_put_u64(b, 0); kr_put_u64(b, 64); END();
    FRAME(HOST_TO_DEVICE_CHUNK); kr_put_u64(b, 2); kr_put_u64(b, 3); kr_put_u64(b, 0); kr_put_u64(b, 2048); END();
    FRAME(HOST_TO_DEVICE); kr_put_u64(b, 2); kr_put_u64(b, 3); kr_put_u64(b, 2048); kr_put_u64(b, 2048); END();
    FRAME(DEVICE_TO_HOST_CHUNKED); kr_put_u64(b, 2); kr_put_u64(b, 3); kr_put_u64(b, 0); kr_put_u64(b, 4096);
    kr_put_u64(b, 1024); END();
    FRAME(FINISH); kr_put_u64(b, 2); END();
    FRAME(STATS); END();
    FRAME(RELEASE); kr_put_u32(b, KR_KIND_EVENT); kr_put_u64(b, 6); END();
    FRAME(RELEASE); kr_put_u32(b, KR_KIND_QUEUE); kr_put_u64(b, 2); END();
    FRAME(RELEASE); kr_put_u32(b, KR_KIND_CONTEXT); kr_put_u64(b, 1); END();
#undef FRAME
#undef END
}

struct fuzz_feeder {
    int fd;
    const uint8_t *data;
    size_t n;
};

/* Sends the stream, closes the writing side, and drains the replies. */
static inline void *fuzz_feed(void *arg)
{
    struct fuzz_feeder *f = arg;
    kr_send_all(f->fd, f->data, f->n, -1);
    shutdown(f->fd, SHUT_WR);
    char sink[4096];
    while (read(f->fd, sink, sizeof sink) > 0)
        ;
    return NULL;
}

/* Serves one session on p fed `data`: kr_session_run's result (0 clean end), or -2
 * when no socketpair could be made. */
static inline int fuzz_session(const struct kr_platform *p, const uint8_t *data, size_t n)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return -2;
    struct fuzz_feeder f = {sv[1], data, n};
    pthread_t t;
    pthread_create(&t, NULL, fuzz_feed, &f);
    int rc = kr_session_run(p, sv[0]);
    close(sv[0]);
    pthread_join(t, NULL);
    close(sv[1]);
    return rc;
}

/* Whether the sessions run in this process left no session, object or mapping (waits up to 2 s for the
 * driver's last destructor callbacks); *st holds what is left. */
static inline int fuzz_nothing_left(struct kr_daemon_stats *st)
{
    for (int i = 0; i < 100; i++) {
        kr_daemon_stats(st);
        if (st->objects == 0 && st->mappings == 0)
            break;
        usleep(20000);
    }
    return st->sessions == 0 && st->objects == 0 && st->mappings == 0;
}

#endif
