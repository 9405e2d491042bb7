/*
 * wire.c: encoding and decoding of protocol frames and the socket I/O that
 * carries them (buffered reads, SCM_RIGHTS descriptors, short writes).
 * Nothing here knows what an opcode means beyond whether it replies.
 */
#include "runtime/remote/wire.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int kr_opcode_replies(uint32_t opcode)
{
    switch (opcode) {
#define KR_OP(name, value, replies) case value: return replies;
#include "runtime/remote/opcodes.def"
#undef KR_OP
    default: return -1;
    }
}

const char *kr_opcode_name(uint32_t opcode)
{
    switch (opcode & ~KR_REPLY_BIT) {
#define KR_OP(name, value, replies) case value: return #name;
#include "runtime/remote/opcodes.def"
#undef KR_OP
    default: return "UNKNOWN";
    }
}

static void put_le(uint8_t *out, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *in, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)in[i] << (8 * i);
    return v;
}

void kr_header_encode(uint8_t out[KR_FRAME_HEADER_BYTES], const struct kr_header *h)
{
    put_le(out, h->length, 4);
    put_le(out + 4, h->opcode, 4);
    put_le(out + 8, h->seq, 8);
}

int kr_header_decode(const uint8_t in[KR_FRAME_HEADER_BYTES], struct kr_header *h)
{
    h->length = (uint32_t)get_le(in, 4);
    h->opcode = (uint32_t)get_le(in + 4, 4);
    h->seq = get_le(in + 8, 8);
    return h->length > KR_FRAME_MAX_PAYLOAD ? -1 : 0;
}

void kr_buf_free(struct kr_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static uint8_t *buf_grow(struct kr_buf *b, size_t n)
{
    if (b->failed)
        return NULL;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d) {
            b->failed = 1;
            return NULL;
        }
        b->data = d;
        b->cap = cap;
    }
    uint8_t *p = b->data + b->len;
    b->len += n;
    return p;
}

void kr_put_raw(struct kr_buf *b, const void *p, size_t n)
{
    uint8_t *d = buf_grow(b, n);
    if (d && n)
        memcpy(d, p, n);
}

void kr_put_u32(struct kr_buf *b, uint32_t v)
{
    uint8_t *d = buf_grow(b, 4);
    if (d)
        put_le(d, v, 4);
}

void kr_put_u64(struct kr_buf *b, uint64_t v)
{
    uint8_t *d = buf_grow(b, 8);
    if (d)
        put_le(d, v, 8);
}

void kr_put_i32(struct kr_buf *b, int32_t v) { kr_put_u32(b, (uint32_t)v); }

void kr_put_blob(struct kr_buf *b, const void *p, size_t n)
{
    if (n > KR_FRAME_MAX_PAYLOAD) {
        b->failed = 1;
        return;
    }
    kr_put_u32(b, (uint32_t)n);
    kr_put_raw(b, p, n);
}

size_t kr_frame_begin(struct kr_buf *b, uint32_t opcode, uint64_t seq)
{
    size_t start = b->len;
    uint8_t *d = buf_grow(b, KR_FRAME_HEADER_BYTES);
    if (d) {
        struct kr_header h = {0, opcode, seq};
        kr_header_encode(d, &h);
    }
    return start;
}

void kr_frame_end(struct kr_buf *b, size_t start)
{
    if (b->failed)
        return;
    size_t payload = b->len - start - KR_FRAME_HEADER_BYTES;
    if (payload > KR_FRAME_MAX_PAYLOAD) {
        b->failed = 1;
        return;
    }
    put_le(b->data + start, payload, 4);
}

void kr_reader_init(struct kr_reader *r, const void *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->bad = 0;
}

const void *kr_get_raw(struct kr_reader *r, size_t n)
{
    if (r->bad || n > r->len - r->pos) {
        r->bad = 1;
        return NULL;
    }
    const void *p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint32_t kr_get_u32(struct kr_reader *r)
{
    const uint8_t *p = kr_get_raw(r, 4);
    return p ? (uint32_t)get_le(p, 4) : 0;
}

uint64_t kr_get_u64(struct kr_reader *r)
{
    const uint8_t *p = kr_get_raw(r, 8);
    return p ? get_le(p, 8) : 0;
}

int32_t kr_get_i32(struct kr_reader *r) { return (int32_t)kr_get_u32(r); }

const void *kr_get_blob(struct kr_reader *r, size_t *n, size_t max)
{
    uint32_t len = kr_get_u32(r);
    if (r->bad || len > max) {
        r->bad = 1;
        *n = 0;
        return NULL;
    }
    *n = len;
    const void *p = kr_get_raw(r, len);
    return p ? p : (len == 0 && !r->bad ? r->p + r->pos : NULL);
}

int kr_reader_done(const struct kr_reader *r) { return !r->bad && r->pos == r->len; }

void kr_conn_init(struct kr_conn *c, int fd)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
}

void kr_conn_free(struct kr_conn *c)
{
    for (int i = 0; i < c->nfds; i++)
        close(c->fds[i]);
    c->nfds = 0;
    free(c->rbuf);
    c->rbuf = NULL;
    c->rlen = c->rpos = c->rcap = 0;
}

int kr_conn_take_fd(struct kr_conn *c)
{
    if (c->nfds == 0)
        return -1;
    int fd = c->fds[0];
    memmove(c->fds, c->fds + 1, (size_t)(c->nfds - 1) * sizeof(int));
    c->nfds--;
    return fd;
}

int kr_conn_drained(const struct kr_conn *c) { return c->rpos == c->rlen; }

static int64_t monotonic_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A frame has begun: waits for more of it until its deadline. 0, or -1 (ETIMEDOUT) past it. */
static int frame_wait(struct kr_conn *c)
{
    int64_t now = monotonic_ms();
    if (!c->frame_deadline_ms)
        c->frame_deadline_ms = now + c->frame_timeout_ms;
    struct pollfd pf = {c->fd, POLLIN, 0};
    int rc = -1;
    while (now < c->frame_deadline_ms && (rc = poll(&pf, 1, (int)(c->frame_deadline_ms - now))) < 0 && errno == EINTR)
        now = monotonic_ms();
    if (rc > 0)
        return 0;
    errno = ETIMEDOUT;
    return -1;
}

/* Reads more bytes so that at least `need` unconsumed bytes are buffered. */
static int conn_fill(struct kr_conn *c, size_t need)
{
    if (c->rpos > 0 && c->rpos == c->rlen)
        c->rpos = c->rlen = 0;
    if (c->rlen - c->rpos >= need)
        return 1;
    if (c->rpos + need > c->rcap) {
        if (c->rpos > 0) {
            memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
            c->rlen -= c->rpos;
            c->rpos = 0;
        }
        if (need > c->rcap) {
            size_t cap = c->rcap ? c->rcap : 65536;
            while (cap < need)
                cap *= 2;
            uint8_t *d = realloc(c->rbuf, cap);
            if (!d)
                return -1;
            c->rbuf = d;
            c->rcap = cap;
        }
    }
    while (c->rlen - c->rpos < need) {
        if (c->frame_timeout_ms && c->rlen > c->rpos && frame_wait(c) != 0)
            return -1;
        union {
            struct cmsghdr h;
            char space[CMSG_SPACE(sizeof(int) * KR_MAX_PENDING_FDS)];
        } ctl;
        struct iovec iov = {c->rbuf + c->rlen, c->rcap - c->rlen};
        struct msghdr m = {0};
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = ctl.space;
        m.msg_controllen = sizeof ctl.space;
        ssize_t n = recvmsg(c->fd, &m, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
            if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
                continue;
            size_t count = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
                if (c->nfds < KR_MAX_PENDING_FDS) {
                    c->fds[c->nfds++] = fd;
                } else {
                    close(fd);
                    c->fd_overflow = 1;
                }
            }
        }
        if (m.msg_flags & MSG_CTRUNC)
            c->fd_overflow = 1;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        c->rlen += (size_t)n;
    }
    return 1;
}

int kr_conn_read_frame(struct kr_conn *c, struct kr_header *h, const uint8_t **payload)
{
    int rc = conn_fill(c, KR_FRAME_HEADER_BYTES);
    if (rc <= 0)
        return rc == 0 && c->rlen == c->rpos ? 0 : -1;
    if (kr_header_decode(c->rbuf + c->rpos, h) != 0)
        return -1;
    rc = conn_fill(c, KR_FRAME_HEADER_BYTES + (size_t)h->length);
    if (rc <= 0)
        return -1;
    c->frame_deadline_ms = 0;
    *payload = c->rbuf + c->rpos + KR_FRAME_HEADER_BYTES;
    c->rpos += KR_FRAME_HEADER_BYTES + (size_t)h->length;
    return 1;
}

int kr_send_all(int sock, const void *p, size_t n, int fd)
{
    const uint8_t *d = p;
    while (n > 0) {
        union {
            struct cmsghdr h;
            char space[CMSG_SPACE(sizeof(int))];
        } ctl;
        struct iovec iov = {(void *)d, n};
        struct msghdr m = {0};
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        if (fd >= 0) {
            memset(&ctl, 0, sizeof ctl);
            m.msg_control = ctl.space;
            m.msg_controllen = sizeof ctl.space;
            struct cmsghdr *h = CMSG_FIRSTHDR(&m);
            h->cmsg_level = SOL_SOCKET;
            h->cmsg_type = SCM_RIGHTS;
            h->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(h), &fd, sizeof fd);
        }
        ssize_t w = sendmsg(sock, &m, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        fd = -1;
        d += w;
        n -= (size_t)w;
    }
    return 0;
}
