/*
 * test_remote_rect.c: clEnqueueCopyBufferRect, clEnqueueReadBufferRect and
 * clEnqueueWriteBufferRect through the remoting give the bytes native PoCL
 * gives, with odd pitches and origins, default (zero) pitches, 3-D regions
 * and interleaved rows of one buffer, and the same errors for an empty
 * region, a rectangle past the buffer's end, a slice pitch that is not a
 * multiple of the row pitch, and overlapping rectangles of one buffer.
 * Sub-buffers likewise: filled, written, copied from and computed in by a
 * kernel, their info, and the errors for a misaligned or too large region.
 * With --copy-mode the daemon never lets the device compute in the shared pages.
 */
#include "check.h"
#include "harness.h"

#define BUF_BYTES 4099 /* odd, so that no rectangle ends on a round boundary by luck */
#define HOST_BYTES 3001
#define N_ERRORS 8

/* What one platform produced: the bytes of every output and the status of every refused call. */
struct outcome {
    unsigned char copied[BUF_BYTES], copied_default[BUF_BYTES], interleaved[BUF_BYTES], written[BUF_BYTES];
    unsigned char read_back[HOST_BYTES];
    unsigned char sub_parent[BUF_BYTES];
    size_t sub_offset;
    int sub_parent_ok;
    cl_int errors[N_ERRORS];
    int failed; /* a call that must succeed did not */
};

static void pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 131u + seed * 17u + (i >> 7));
}

static cl_mem buffer_with(cl_context ctx, cl_command_queue q, unsigned seed, struct outcome *o)
{
    unsigned char init[BUF_BYTES];
    pattern(init, sizeof init, seed);
    cl_int err;
    cl_mem m = clCreateBuffer(ctx, CL_MEM_READ_WRITE, BUF_BYTES, NULL, &err);
    if (!m || clEnqueueWriteBuffer(q, m, CL_TRUE, 0, BUF_BYTES, init, 0, NULL, NULL) != CL_SUCCESS)
        o->failed = 1;
    return m;
}

static void read_all(cl_command_queue q, cl_mem m, unsigned char *out, struct outcome *o)
{
    if (clEnqueueReadBuffer(q, m, CL_TRUE, 0, BUF_BYTES, out, 0, NULL, NULL) != CL_SUCCESS)
        o->failed = 1;
}

static void copies(cl_context ctx, cl_command_queue q, struct outcome *o)
{
    cl_mem a = buffer_with(ctx, q, 1, o), b = buffer_with(ctx, q, 2, o);
    /* 3-D, odd pitches and origins on both sides; an event waited for. */
    size_t so[3] = {3, 1, 1}, dof[3] = {5, 2, 0}, region[3] = {13, 4, 3};
    cl_event ev = NULL;
    if (clEnqueueCopyBufferRect(q, a, b, so, dof, region, 29, 29 * 7, 31, 31 * 9, 0, NULL, &ev) != CL_SUCCESS ||
        clWaitForEvents(1, &ev) != CL_SUCCESS)
        o->failed = 1;
    if (ev)
        clReleaseEvent(ev);
    read_all(q, b, o->copied, o);

    /* Zero pitches: tightly packed rows and slices. */
    size_t so2[3] = {7, 0, 0}, dof2[3] = {1, 1, 1}, region2[3] = {9, 2, 3};
    if (clEnqueueCopyBufferRect(q, b, a, so2, dof2, region2, 0, 0, 0, 0, 0, NULL, NULL) != CL_SUCCESS)
        o->failed = 1;
    read_all(q, a, o->copied_default, o);

    /* One buffer, interleaved: the first 16 bytes of each 128-byte row copied onto bytes 64 to 79. */
    size_t so3[3] = {0, 0, 0}, dof3[3] = {64, 0, 0}, region3[3] = {16, 10, 1};
    if (clEnqueueCopyBufferRect(q, a, a, so3, dof3, region3, 128, 0, 128, 0, 0, NULL, NULL) != CL_SUCCESS)
        o->failed = 1;
    read_all(q, a, o->interleaved, o);

    size_t big[3] = {100, 100, 1}, none[3] = {0, 4, 1}, origin0[3] = {0, 0, 0}, two[3] = {4, 2, 2};
    o->errors[0] = clEnqueueCopyBufferRect(q, a, b, so, dof, none, 0, 0, 0, 0, 0, NULL, NULL);
    o->errors[1] = clEnqueueCopyBufferRect(q, a, b, origin0, origin0, big, 0, 0, 0, 0, 0, NULL, NULL);
    o->errors[2] = clEnqueueCopyBufferRect(q, a, b, origin0, origin0, two, 10, 25, 10, 20, 0, NULL, NULL);
    size_t near[3] = {2, 1, 0};
    o->errors[3] = clEnqueueCopyBufferRect(q, a, a, origin0, near, two, 16, 64, 16, 64, 0, NULL, NULL);
    if (clFinish(q) != CL_SUCCESS)
        o->failed = 1;
    clReleaseMemObject(a);
    clReleaseMemObject(b);
}

static void transfers(cl_context ctx, cl_command_queue q, struct outcome *o)
{
    cl_mem m = buffer_with(ctx, q, 3, o);
    unsigned char host[HOST_BYTES];
    pattern(host, sizeof host, 4);
    size_t bo[3] = {7, 2, 1}, ho[3] = {1, 3, 0}, region[3] = {11, 3, 2};
    if (clEnqueueReadBufferRect(q, m, CL_TRUE, bo, ho, region, 23, 23 * 6, 17, 17 * 7, host, 0, NULL, NULL) !=
        CL_SUCCESS)
        o->failed = 1;
    memcpy(o->read_back, host, sizeof host);

    /* Written after a kernel-free enqueue: the write must follow the queue's earlier copy. */
    cl_mem other = buffer_with(ctx, q, 5, o);
    if (clEnqueueCopyBuffer(q, other, m, 0, 0, BUF_BYTES, 0, NULL, NULL) != CL_SUCCESS)
        o->failed = 1;
    size_t wbo[3] = {5, 1, 2}, who[3] = {3, 0, 1}, wregion[3] = {19, 5, 2};
    cl_event ev = NULL;
    if (clEnqueueWriteBufferRect(q, m, CL_FALSE, wbo, who, wregion, 37, 37 * 8, 21, 0, host, 0, NULL, &ev) !=
            CL_SUCCESS ||
        clWaitForEvents(1, &ev) != CL_SUCCESS)
        o->failed = 1;
    if (ev)
        clReleaseEvent(ev);
    read_all(q, m, o->written, o);
    size_t past[3] = {BUF_BYTES - 4, 0, 0}, row[3] = {8, 1, 1};
    o->errors[4] = clEnqueueReadBufferRect(q, m, CL_TRUE, past, ho, row, 0, 0, 0, 0, host, 0, NULL, NULL);
    o->errors[5] = clEnqueueWriteBufferRect(q, m, CL_TRUE, bo, ho, row, 4, 0, 0, 0, host, 0, NULL, NULL);
    clReleaseMemObject(other);
    clReleaseMemObject(m);
}

static const char *k_bump = "__kernel void bump(__global uchar *v) { v[get_global_id(0)] += 3; }\n";

static void sub_buffers(cl_context ctx, cl_device_id d, cl_command_queue q, struct outcome *o)
{
    cl_uint align_bits = 0;
    clGetDeviceInfo(d, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits, &align_bits, NULL);
    size_t align = align_bits >= 8 ? align_bits / 8 : 1;
    cl_mem parent = buffer_with(ctx, q, 6, o);
    cl_buffer_region region = {align * 2, 1000};
    cl_int err;
    cl_mem sub = clCreateSubBuffer(parent, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, &region, &err);
    if (!sub) {
        o->failed = 1;
        clReleaseMemObject(parent);
        return;
    }
    cl_mem assoc = NULL;
    if (clGetMemObjectInfo(sub, CL_MEM_ASSOCIATED_MEMOBJECT, sizeof assoc, &assoc, NULL) != CL_SUCCESS ||
        clGetMemObjectInfo(sub, CL_MEM_OFFSET, sizeof o->sub_offset, &o->sub_offset, NULL) != CL_SUCCESS)
        o->failed = 1;
    o->sub_parent_ok = assoc == parent;
    unsigned char text[40];
    pattern(text, sizeof text, 7);
    unsigned char seven = 7;
    cl_program prog = clCreateProgramWithSource(ctx, 1, &k_bump, NULL, &err);
    cl_kernel k = prog && clBuildProgram(prog, 1, &d, "", NULL, NULL) == CL_SUCCESS ? clCreateKernel(prog, "bump", &err)
                                                                                     : NULL;
    size_t n = 600;
    if (!k || clEnqueueFillBuffer(q, sub, &seven, 1, 100, 300, 0, NULL, NULL) != CL_SUCCESS ||
        clEnqueueWriteBuffer(q, sub, CL_TRUE, 960, sizeof text, text, 0, NULL, NULL) != CL_SUCCESS ||
        clSetKernelArg(k, 0, sizeof sub, &sub) != CL_SUCCESS ||
        clEnqueueNDRangeKernel(q, k, 1, NULL, &n, NULL, 0, NULL, NULL) != CL_SUCCESS ||
        clEnqueueCopyBuffer(q, sub, parent, 0, 3000, 1000, 0, NULL, NULL) != CL_SUCCESS)
        o->failed = 1;
    read_all(q, parent, o->sub_parent, o);
    cl_buffer_region odd = {align + 1, 16}, past = {BUF_BYTES - 8, 16};
    cl_mem bad = clCreateSubBuffer(parent, 0, CL_BUFFER_CREATE_TYPE_REGION, align > 1 ? &odd : &past, &o->errors[6]);
    if (bad)
        clReleaseMemObject(bad);
    bad = clCreateSubBuffer(parent, 0, CL_BUFFER_CREATE_TYPE_REGION, &past, &o->errors[7]);
    if (bad)
        clReleaseMemObject(bad);
    if (k)
        clReleaseKernel(k);
    if (prog)
        clReleaseProgram(prog);
    clReleaseMemObject(parent); /* before the sub-buffer: it keeps the parent alive */
    clReleaseMemObject(sub);
}

static int run_on(cl_platform_id p, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    cl_device_id d;
    cl_context ctx;
    cl_command_queue q = harness_queue(p, &d, &ctx);
    if (!q)
        return -1;
    copies(ctx, q, o);
    transfers(ctx, q, o);
    sub_buffers(ctx, d, q, o);
    if (clFinish(q) != CL_SUCCESS)
        o->failed = 1;
    clReleaseCommandQueue(q);
    clReleaseContext(ctx);
    return 0;
}

static void compare(const char *what, const unsigned char *native, const unsigned char *remote, size_t n)
{
    size_t i = 0;
    while (i < n && native[i] == remote[i])
        i++;
    CHECK_MSG(i == n, "%s: byte %zu is %u remoted, %u natively", what, i, i < n ? remote[i] : 0u,
              i < n ? native[i] : 0u);
}

int main(int argc, char **argv)
{
    int copy_mode = argc > 1 && strcmp(argv[1], "--copy-mode") == 0;
    struct harness h;
    CHECK(harness_init(&h, 1) == 0);
    CHECK_MSG(harness_start_daemon(&h, copy_mode ? "--copy-mode" : NULL, NULL) == 0, "kiln-remoted did not start");
    alarm(100);
    static struct outcome native, remote;
    CHECK_MSG(run_on(harness_native_platform(), &native) == 0, "native PoCL unusable");
    CHECK_MSG(run_on(harness_platform("kiln-remote"), &remote) == 0, "remoted platform unusable");
    CHECK_MSG(!native.failed, "a rectangular command failed natively");
    CHECK_MSG(!remote.failed, "a rectangular command failed remoted");
    compare("3-D copy, odd pitches", native.copied, remote.copied, BUF_BYTES);
    compare("copy with default pitches", native.copied_default, remote.copied_default, BUF_BYTES);
    compare("interleaved rows of one buffer", native.interleaved, remote.interleaved, BUF_BYTES);
    compare("read rectangle", native.read_back, remote.read_back, HOST_BYTES);
    compare("write rectangle", native.written, remote.written, BUF_BYTES);
    compare("sub-buffer's parent", native.sub_parent, remote.sub_parent, BUF_BYTES);
    CHECK_MSG(remote.sub_parent_ok && remote.sub_offset == native.sub_offset && native.sub_offset > 0,
              "sub-buffer info: parent %s, offset %zu remoted, %zu natively", remote.sub_parent_ok ? "right" : "wrong",
              remote.sub_offset, native.sub_offset);
    static const cl_int expected[N_ERRORS] = {CL_INVALID_VALUE, CL_INVALID_VALUE, CL_INVALID_VALUE,
                                              CL_MEM_COPY_OVERLAP, CL_INVALID_VALUE, CL_INVALID_VALUE,
                                              CL_MISALIGNED_SUB_BUFFER_OFFSET, CL_INVALID_VALUE};
    for (int i = 0; i < N_ERRORS; i++) {
        CHECK_MSG(remote.errors[i] == expected[i], "refusal %d: %d remoted, expected %d", i, remote.errors[i],
                  expected[i]);
        /* PoCL 3.1 accepts an empty region (the specification asks for CL_INVALID_VALUE). */
        if (i != 0)
            CHECK_MSG(native.errors[i] == expected[i], "refusal %d: %d natively, expected %d", i, native.errors[i],
                      expected[i]);
    }
    harness_stop(&h);
    CHECK_DONE();
}
