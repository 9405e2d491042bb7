/*
 * test_remote_kill_daemon.c: the daemon dies while a kernel runs. Every
 * pending event must fail, a thread blocked in a wait must return, later
 * calls must return errors, and nothing may hang (an alarm fails the test).
 */
#include "check.h"
#include "harness.h"

#include <pthread.h>

static const char *k_spin =
    "__kernel void spin(__global float *x, const uint iters) {\n"
    "    float v = x[get_global_id(0)];\n"
    "    for (uint i = 0; i < iters; i++) v = v * 1.0000001f + 0.5f;\n"
    "    x[get_global_id(0)] = v;\n"
    "}\n";

struct waiter {
    cl_event ev;
    cl_int result;
    int done;
};

static void *wait_thread(void *arg)
{
    struct waiter *w = arg;
    w->result = clWaitForEvents(1, &w->ev);
    w->done = 1;
    return NULL;
}

int main(void)
{
    struct harness h;
    CHECK(harness_init(&h, 1) == 0);
    CHECK_MSG(harness_start_daemon(&h, NULL, NULL) == 0, "kiln-remoted did not start");
    alarm(40);
    cl_platform_id p = harness_platform("kiln-remote");
    if (!p) {
        harness_stop(&h);
        SKIP_NO_DEVICE("remoting platform did not appear");
    }
    cl_int err;
    cl_device_id dev;
    CHECK(clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &dev, NULL) == CL_SUCCESS);
    cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    cl_command_queue q = clCreateCommandQueue(ctx, dev, 0, &err);
    cl_program prog = clCreateProgramWithSource(ctx, 1, &k_spin, NULL, &err);
    CHECK(clBuildProgram(prog, 1, &dev, NULL, NULL, NULL) == CL_SUCCESS);
    cl_kernel k = clCreateKernel(prog, "spin", &err);
    size_t n = 1 << 16;
    cl_mem buf = clCreateBuffer(ctx, CL_MEM_READ_WRITE, n * sizeof(float), NULL, &err);
    CHECK(buf && err == CL_SUCCESS);
    cl_uint iters = 200000; /* seconds of work on a small CPU: still running when the daemon dies */
    CHECK(clSetKernelArg(k, 0, sizeof buf, &buf) == CL_SUCCESS);
    CHECK(clSetKernelArg(k, 1, sizeof iters, &iters) == CL_SUCCESS);
    cl_event ev1 = NULL, ev2 = NULL;
    CHECK(clEnqueueNDRangeKernel(q, k, 1, NULL, &n, NULL, 0, NULL, &ev1) == CL_SUCCESS);
    CHECK(clEnqueueNDRangeKernel(q, k, 1, NULL, &n, NULL, 1, &ev1, &ev2) == CL_SUCCESS);
    CHECK(clFlush(q) == CL_SUCCESS);

    struct waiter w = {ev2, 0, 0};
    pthread_t t;
    pthread_create(&t, NULL, wait_thread, &w);
    harness_sleep_ms(300);
    CHECK_MSG(!w.done, "the wait returned before the kernels could finish");
    kill(h.daemon, SIGKILL);
    waitpid(h.daemon, NULL, 0);
    h.daemon = 0;
    pthread_join(t, NULL);
    CHECK_MSG(w.result == CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST, "blocked wait returned %d", w.result);

    cl_int st = CL_COMPLETE;
    CHECK(clGetEventInfo(ev1, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof st, &st, NULL) == CL_SUCCESS);
    CHECK_MSG(st < 0, "pending event status after the daemon died: %d", st);
    CHECK(clGetEventInfo(ev2, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof st, &st, NULL) == CL_SUCCESS);
    CHECK_MSG(st < 0, "pending event status after the daemon died: %d", st);
    CHECK(clWaitForEvents(1, &ev1) == CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
    CHECK(clFinish(q) != CL_SUCCESS);
    CHECK(clEnqueueNDRangeKernel(q, k, 1, NULL, &n, NULL, 0, NULL, NULL) != CL_SUCCESS);
    float host[16];
    CHECK(clEnqueueReadBuffer(q, buf, CL_TRUE, 0, sizeof host, host, 0, NULL, NULL) != CL_SUCCESS);
    cl_mem b2 = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 4096, NULL, &err);
    CHECK(!b2 && err != CL_SUCCESS);
    cl_program p2 = clCreateProgramWithSource(ctx, 1, &k_spin, NULL, &err);
    CHECK(!p2 && err != CL_SUCCESS);
    /* Releases still succeed: the application can clean up. */
    CHECK(clReleaseEvent(ev1) == CL_SUCCESS);
    CHECK(clReleaseEvent(ev2) == CL_SUCCESS);
    CHECK(clReleaseMemObject(buf) == CL_SUCCESS);
    CHECK(clReleaseKernel(k) == CL_SUCCESS);
    CHECK(clReleaseProgram(prog) == CL_SUCCESS);
    CHECK(clReleaseCommandQueue(q) == CL_SUCCESS);
    CHECK(clReleaseContext(ctx) == CL_SUCCESS);
    harness_stop(&h);
    CHECK_DONE();
}
