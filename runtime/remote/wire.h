/*
 * wire.h: the remoting protocol's framing, shared by the client ICD and the
 * daemon. A frame is a 16-byte little-endian header (payload length u32,
 * opcode u32, sequence u64) followed by the payload, itself a run of
 * fixed-width little-endian fields and length-prefixed blobs. The length is
 * checked against KR_FRAME_MAX_PAYLOAD before any allocation. Shared-memory
 * file descriptors travel as SCM_RIGHTS on the frame that needs them.
 */
#ifndef KILN_REMOTE_WIRE_H
#define KILN_REMOTE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define KR_PROTOCOL_VERSION 3u
#define KR_FRAME_HEADER_BYTES 16u
#define KR_FRAME_MAX_PAYLOAD (64u << 20)
#define KR_REPLY_BIT 0x80000000u
/*
 * Reply status of FINISH and WAIT when the work is still running after the
 * daemon's wait slice: the client asks again, letting its other threads use
 * the connection in between (OpenCL's own status codes are all <= 0).
 */
#define KR_STATUS_PENDING 1
/*
 * Pipelined copy-mode transfers: the daemon never cuts a chunked read finer than
 * this (a client asking for less gets this), which bounds the progress frames.
 */
#define KR_CHUNK_MIN_BYTES (64u << 10)
/* Descriptors queued on a connection and not yet claimed by a frame. */
#define KR_MAX_PENDING_FDS 8

enum kr_opcode {
#define KR_OP(name, value, replies) KR_OP_##name = value,
#include "opcodes.def"
#undef KR_OP
    KR_OP_COUNT_
};

/* Object kinds in RELEASE frames and in the daemon's session table. */
enum kr_kind { KR_KIND_NONE, KR_KIND_CONTEXT, KR_KIND_QUEUE, KR_KIND_MEM, KR_KIND_PROGRAM,
               KR_KIND_KERNEL, KR_KIND_EVENT };

/* SET_ARG kinds: how the daemon turns the argument bytes into a real argument. */
enum kr_arg_kind { KR_ARG_BYTES, KR_ARG_MEM, KR_ARG_LOCAL };

struct kr_header {
    uint32_t length;
    uint32_t opcode;
    uint64_t seq;
};

/* Whether a request with this opcode gets a reply; -1 for an unknown opcode. */
int kr_opcode_replies(uint32_t opcode);
const char *kr_opcode_name(uint32_t opcode);

void kr_header_encode(uint8_t out[KR_FRAME_HEADER_BYTES], const struct kr_header *h);
/* 0 on success, -1 when the declared payload exceeds KR_FRAME_MAX_PAYLOAD. */
int kr_header_decode(const uint8_t in[KR_FRAME_HEADER_BYTES], struct kr_header *h);

/* Growable output buffer; `failed` is sticky after an allocation failure. */
struct kr_buf {
    uint8_t *data;
    size_t len, cap;
    int failed;
};

void kr_buf_free(struct kr_buf *b);
void kr_put_raw(struct kr_buf *b, const void *p, size_t n);
void kr_put_u32(struct kr_buf *b, uint32_t v);
void kr_put_u64(struct kr_buf *b, uint64_t v);
void kr_put_i32(struct kr_buf *b, int32_t v);
/* u32 length, then the bytes. */
void kr_put_blob(struct kr_buf *b, const void *p, size_t n);
/* Starts a frame in b; returns its offset for kr_frame_end. */
size_t kr_frame_begin(struct kr_buf *b, uint32_t opcode, uint64_t seq);
void kr_frame_end(struct kr_buf *b, size_t start);

/* Bounds-checked payload reader; `bad` is sticky once a read runs past the end. */
struct kr_reader {
    const uint8_t *p;
    size_t len, pos;
    int bad;
};

void kr_reader_init(struct kr_reader *r, const void *p, size_t len);
uint32_t kr_get_u32(struct kr_reader *r);
uint64_t kr_get_u64(struct kr_reader *r);
int32_t kr_get_i32(struct kr_reader *r);
/* Returns a pointer into the payload and its length (at most max), or NULL. */
const void *kr_get_blob(struct kr_reader *r, size_t *n, size_t max);
const void *kr_get_raw(struct kr_reader *r, size_t n);
/* True when every byte was consumed and nothing ran past the end. */
int kr_reader_done(const struct kr_reader *r);

/* One socket end with a read buffer and the descriptors received on it. */
struct kr_conn {
    int fd;
    uint8_t *rbuf;
    size_t rlen, rpos, rcap;
    int fds[KR_MAX_PENDING_FDS];
    int nfds;
    int fd_overflow;
    /* Daemon side: a frame begun must arrive whole within this (0: wait for ever). */
    unsigned frame_timeout_ms;
    int64_t frame_deadline_ms; /* CLOCK_MONOTONIC, while a frame is incomplete */
};

void kr_conn_init(struct kr_conn *c, int fd);
/* Closes pending descriptors and frees the buffer; does not close c->fd. */
void kr_conn_free(struct kr_conn *c);
/*
 * Reads one frame. Returns 1 with *payload pointing into the connection's
 * buffer (valid until the next call), 0 at a clean end of stream, -1 on an
 * error, an oversized frame, a stream that ends inside a frame or (with
 * frame_timeout_ms) a frame left incomplete for longer than that.
 */
int kr_conn_read_frame(struct kr_conn *c, struct kr_header *h, const uint8_t **payload);
/* True when every byte received so far has been consumed as frames. */
int kr_conn_drained(const struct kr_conn *c);
/* Pops the oldest received descriptor, or -1. */
int kr_conn_take_fd(struct kr_conn *c);
/* Writes all of p, attaching fd (if >= 0) to the first byte. 0 or -1. */
int kr_send_all(int sock, const void *p, size_t n, int fd);

/*
 * The socket both ends use when none is named ($KILN_REMOTE_SOCKET, --socket):
 * $XDG_RUNTIME_DIR/kiln/remoted.sock, or /tmp/kiln-UID/remoted.sock where
 * XDG_RUNTIME_DIR is unset (the daemon makes that directory, mode 0700, and
 * refuses it when it belongs to anyone else). 0, or -1 when it does not fit cap.
 */
int kr_default_socket_path(char *out, size_t cap);

/*
 * A rectangle of a buffer command (clEnqueueCopyBufferRect and friends), in
 * bytes: origin and region are (x bytes, y rows, z slices).
 */
struct kr_rect {
    uint64_t origin[3], region[3];
    uint64_t row_pitch, slice_pitch; /* 0: tightly packed */
};

/*
 * Replaces zero pitches by their defaults, checks the region and pitches, and
 * gives the span [*first, *end) of the bytes the rectangle touches. 0, or -1
 * when the region is empty, a pitch too small, the slice pitch not a multiple
 * of the row pitch, or the span overflows or passes buffer_size.
 */
int kr_rect_span(struct kr_rect *r, uint64_t buffer_size, uint64_t *first, uint64_t *end);

#endif
