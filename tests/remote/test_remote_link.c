/*
 * test_remote_link.c: separate compilation through the remoting, next to
 * native PoCL: a program compiled with another program as an included header,
 * a second compiled program, both linked into one whose kernel calls across
 * them; and the errors for a source that does not compile and a link of
 * nothing.
 */
#include "check.h"
#include "harness.h"

#define N 64

static const char *k_header = "inline float scale(void) { return 2.5f; }\n";
static const char *k_main = "#include \"scale.h\"\n"
                            "float offset(uint i);\n"
                            "__kernel void fill(__global float *out) {\n"
                            "    uint i = get_global_id(0);\n"
                            "    out[i] = scale() * (float)i + offset(i);\n"
                            "}\n";
static const char *k_other = "float offset(uint i) { return (float)(i % 7u) - 3.0f; }\n";
static const char *k_broken = "float offset(uint i) { return i +; }\n";

struct outcome {
    float out[N];
    cl_int broken, empty_link;
    int failed;
};

static cl_program source(cl_context ctx, const char *text)
{
    cl_int err;
    return clCreateProgramWithSource(ctx, 1, &text, NULL, &err);
}

/* Fills o (zeroed by the caller); -1 when p offers no device. */
static int run_on(cl_platform_id p, struct outcome *o)
{
    cl_device_id d;
    cl_context ctx;
    cl_command_queue q = harness_queue(p, &d, &ctx);
    if (!q)
        return -1;
    cl_int err;
    cl_program header = source(ctx, k_header), main_prog = source(ctx, k_main), other = source(ctx, k_other);
    const char *names[] = {"scale.h"};
    if (clCompileProgram(main_prog, 1, &d, "", 1, &header, names, NULL, NULL) != CL_SUCCESS ||
        clCompileProgram(other, 1, &d, NULL, 0, NULL, NULL, NULL, NULL) != CL_SUCCESS)
        o->failed = 1;
    cl_program parts[] = {main_prog, other};
    cl_program linked = clLinkProgram(ctx, 1, &d, "", 2, parts, NULL, NULL, &err);
    cl_kernel k = linked ? clCreateKernel(linked, "fill", &err) : NULL;
    cl_mem out = clCreateBuffer(ctx, CL_MEM_WRITE_ONLY, sizeof o->out, NULL, &err);
    size_t n = N;
    if (!k || !out || clSetKernelArg(k, 0, sizeof out, &out) != CL_SUCCESS ||
        clEnqueueNDRangeKernel(q, k, 1, NULL, &n, NULL, 0, NULL, NULL) != CL_SUCCESS ||
        clEnqueueReadBuffer(q, out, CL_TRUE, 0, sizeof o->out, o->out, 0, NULL, NULL) != CL_SUCCESS)
        o->failed = 1;
    cl_program broken = source(ctx, k_broken);
    o->broken = clCompileProgram(broken, 1, &d, NULL, 0, NULL, NULL, NULL, NULL);
    cl_program none = clLinkProgram(ctx, 1, &d, NULL, 0, NULL, NULL, NULL, &o->empty_link);
    if (none)
        clReleaseProgram(none);
    clReleaseProgram(broken);
    if (k)
        clReleaseKernel(k);
    if (linked)
        clReleaseProgram(linked);
    clReleaseProgram(header);
    clReleaseProgram(main_prog);
    clReleaseProgram(other);
    if (out)
        clReleaseMemObject(out);
    clReleaseCommandQueue(q);
    clReleaseContext(ctx);
    return 0;
}

int main(void)
{
    struct harness h;
    CHECK(harness_init(&h, 1) == 0);
    CHECK_MSG(harness_start_daemon(&h, NULL, NULL) == 0, "kiln-remoted did not start");
    alarm(120);
    static struct outcome native, remote;
    CHECK_MSG(run_on(harness_native_platform(), &native) == 0, "native PoCL unusable");
    CHECK_MSG(run_on(harness_platform("kiln-remote"), &remote) == 0, "remoted platform unusable");
    CHECK_MSG(!native.failed, "compile or link failed natively");
    CHECK_MSG(!remote.failed, "compile or link failed remoted");
    for (int i = 0; i < N; i++) {
        float expected = 2.5f * (float)i + (float)(i % 7) - 3.0f;
        CHECK_MSG(remote.out[i] == expected && native.out[i] == expected, "out[%d]: %g remoted, %g natively, %g expected",
                  i, remote.out[i], native.out[i], expected);
    }
    CHECK_MSG(native.broken == CL_COMPILE_PROGRAM_FAILURE && remote.broken == native.broken,
              "a source that does not compile: %d remoted, %d natively", remote.broken, native.broken);
    CHECK_MSG(native.empty_link == CL_INVALID_VALUE && remote.empty_link == native.empty_link,
              "a link of nothing: %d remoted, %d natively", remote.empty_link, native.empty_link);
    harness_stop(&h);
    CHECK_DONE();
}
