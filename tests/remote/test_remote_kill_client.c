/*
 * test_remote_kill_client.c: a client is killed while its kernel runs. The
 * daemon must finish that work, free every object and mapping of the session,
 * and keep serving: a second client computes correctly afterwards.
 */
#include "check.h"
#include "common_compute.h"
#include "harness.h"

static const char *k_spin = "__kernel void spin(__global float *x, const uint iters) {\n"
                            "    float v = x[get_global_id(0)];\n"
                            "    for (uint i = 0; i < iters; i++) v = v * 1.0000001f + 0.5f;\n"
                            "    x[get_global_id(0)] = v; }\n";

/* The doomed client: buffers, a program, a long kernel; then it reports and waits to die. */
static void doomed_client(int report_fd)
{
    cl_platform_id p = harness_platform("kiln-remote");
    cl_int err;
    cl_device_id dev;
    if (!p || clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &dev, NULL) != CL_SUCCESS)
        _exit(1);
    cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    cl_command_queue q = clCreateCommandQueue(ctx, dev, 0, &err);
    cl_program prog = clCreateProgramWithSource(ctx, 1, &k_spin, NULL, &err);
    if (clBuildProgram(prog, 1, &dev, NULL, NULL, NULL) != CL_SUCCESS)
        _exit(2);
    cl_kernel k = clCreateKernel(prog, "spin", &err);
    size_t n = 1 << 15;
    cl_mem bufs[4];
    for (int i = 0; i < 4; i++)
        bufs[i] = clCreateBuffer(ctx, CL_MEM_READ_WRITE, n * sizeof(float), NULL, &err);
    cl_uint iters = 40000;
    clSetKernelArg(k, 0, sizeof bufs[0], &bufs[0]);
    clSetKernelArg(k, 1, sizeof iters, &iters);
    cl_event ev;
    clEnqueueNDRangeKernel(q, k, 1, NULL, &n, NULL, 0, NULL, &ev);
    clFlush(q);
    char c = 'r';
    if (write(report_fd, &c, 1) != 1)
        _exit(3);
    for (;;)
        pause();
}

int main(void)
{
    struct harness h;
    CHECK(harness_init(&h, 1) == 0);
    CHECK_MSG(harness_start_daemon(&h, NULL, NULL) == 0, "kiln-remoted did not start");
    alarm(50);
    struct raw r;
    CHECK(raw_open(&r, &h) == 0);
    CHECK(raw_hello(&r) == CL_SUCCESS);
    uint64_t base[3] = {0}, now[3] = {0};
    CHECK(raw_stats(&r, base) == CL_SUCCESS);
    CHECK(base[0] == 1 && base[1] == 0 && base[2] == 0);

    pid_t child = harness_fork_reporting(doomed_client);
    CHECK(child > 0);
    /* The daemon may still be reading the client's last frames: poll briefly. */
    for (int i = 0; i < 100 && !(now[1] >= 9); i++) {
        CHECK(raw_stats(&r, now) == CL_SUCCESS);
        if (now[1] < 9)
            harness_sleep_ms(20);
    }
    CHECK_MSG(now[0] == 2 && now[1] >= 9 && now[2] == 4, "while the client lives: %llu sessions, %llu objects, %llu mappings",
              (unsigned long long)now[0], (unsigned long long)now[1], (unsigned long long)now[2]);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);

    /* The session ends after its kernel; its objects and mappings go. */
    for (int i = 0; i < 300; i++) {
        CHECK(raw_stats(&r, now) == CL_SUCCESS);
        if (now[0] == 1 && now[1] == 0 && now[2] == 0)
            break;
        harness_sleep_ms(50);
    }
    CHECK_MSG(now[0] == 1 && now[1] == 0 && now[2] == 0, "after the kill: %llu sessions, %llu objects, %llu mappings",
              (unsigned long long)now[0], (unsigned long long)now[1], (unsigned long long)now[2]);
    CHECK(harness_daemon_alive(&h));

    int status = compute_saxpy_new_client(3, 4);
    CHECK_MSG(status == 0, "second client failed: status %d", status);
    raw_close(&r);
    harness_stop(&h);
    CHECK_DONE();
}
