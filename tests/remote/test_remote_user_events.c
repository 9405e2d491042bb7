/*
 * test_remote_user_events.c: user events behave as natively. (1) One thread
 * of a client waits (clFinish, then clWaitForEvents) on work gated by a user
 * event that another thread of the same client sets later: both waits return
 * and the result is right. (2) A client killed while its work waits on a user
 * event it never set, with a thread blocked in clFinish on it: its session
 * ends, every object and mapping of it goes, and the daemon keeps serving.
 */
#include "check.h"
#include "common_compute.h"
#include "harness.h"

#include <pthread.h>

static const char *k_src = "__kernel void add_one(__global float *x) { x[get_global_id(0)] += 1.0f; }\n";

enum { N = 1024 };

struct gated {
    struct harness_client c;
    cl_kernel k;
    cl_mem m;
    cl_event gate, done;
};

/* add_one on a zeroed buffer, enqueued behind a user event nobody has set yet; 0 or -1. */
static int gated_open(struct gated *g)
{
    cl_int err;
    if (harness_client_open(&g->c, k_src) != 0)
        return -1;
    g->k = clCreateKernel(g->c.prog, "add_one", &err);
    float zero[N] = {0};
    g->m = clCreateBuffer(g->c.ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof zero, zero, &err);
    g->gate = clCreateUserEvent(g->c.ctx, &err);
    size_t global = N;
    if (!g->k || !g->m || !g->gate || clSetKernelArg(g->k, 0, sizeof g->m, &g->m) != CL_SUCCESS)
        return -1;
    clReleaseProgram(g->c.prog);
    return clEnqueueNDRangeKernel(g->c.q, g->k, 1, NULL, &global, NULL, 1, &g->gate, &g->done) == CL_SUCCESS ? 0 : -1;
}

struct waiter {
    struct gated *g;
    int use_finish;
    cl_int result;
    volatile int returned;
};

static void *wait_main(void *arg)
{
    struct waiter *w = arg;
    w->result = w->use_finish ? clFinish(w->g->c.q) : clWaitForEvents(1, &w->g->done);
    w->returned = 1;
    return NULL;
}

/* One thread waits, this one sets the gate a little later; the wait must return within a minute. */
static void wait_in_one_thread_set_in_another(int use_finish)
{
    struct gated g;
    CHECK_MSG(gated_open(&g) == 0, "the gated kernel could not be enqueued");
    struct waiter w = {&g, use_finish, 1, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, wait_main, &w) == 0);
    harness_sleep_ms(300); /* let the waiter block first */
    CHECK(!w.returned);
    CHECK(clSetUserEventStatus(g.gate, CL_COMPLETE) == CL_SUCCESS);
    for (int i = 0; i < 600 && !w.returned; i++)
        harness_sleep_ms(100);
    CHECK_MSG(w.returned, "%s did not return after another thread set the user event",
              use_finish ? "clFinish" : "clWaitForEvents");
    if (!w.returned) {
        fprintf(stderr, "deadlocked: giving up\n");
        _exit(1);
    }
    pthread_join(t, NULL);
    CHECK_MSG(w.result == CL_SUCCESS, "the wait returned %d", w.result);
    float got[N];
    CHECK(clEnqueueReadBuffer(g.c.q, g.m, CL_TRUE, 0, sizeof got, got, 0, NULL, NULL) == CL_SUCCESS);
    int exact = 1;
    for (int i = 0; i < N; i++)
        exact &= got[i] == 1.0f;
    CHECK_MSG(exact, "the gated kernel did not run exactly once");
    clReleaseEvent(g.done);
    clReleaseEvent(g.gate);
    clReleaseMemObject(g.m);
    clReleaseKernel(g.k);
    clReleaseCommandQueue(g.c.q);
    clReleaseContext(g.c.ctx);
}

/* The doomed client: gated work, a thread blocked in clFinish on it; reports, then waits to be killed. */
static void doomed_client(int report_fd)
{
    struct gated g;
    if (gated_open(&g) != 0)
        _exit(1);
    struct waiter w = {&g, 1, 1, 0};
    pthread_t t;
    pthread_create(&t, NULL, wait_main, &w);
    harness_sleep_ms(200);
    char c = 'r';
    if (write(report_fd, &c, 1) != 1)
        _exit(3);
    for (;;)
        pause();
}

static void killed_while_waiting(const struct harness *h)
{
    struct raw r;
    CHECK(raw_open(&r, h) == 0);
    CHECK(raw_hello(&r) == CL_SUCCESS);
    uint64_t base[3] = {0}, now[3] = {0};
    CHECK(raw_stats(&r, base) == CL_SUCCESS);
    pid_t child = harness_fork_reporting(doomed_client);
    CHECK(child > 0);
    CHECK(raw_stats(&r, now) == CL_SUCCESS);
    CHECK_MSG(now[0] == base[0] + 1 && now[1] > base[1], "while the client waits: %llu sessions, %llu objects",
              (unsigned long long)now[0], (unsigned long long)now[1]);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    for (int i = 0; i < 300; i++) {
        CHECK(raw_stats(&r, now) == CL_SUCCESS);
        if (now[0] == base[0] && now[1] == base[1] && now[2] == base[2])
            break;
        harness_sleep_ms(50);
    }
    CHECK_MSG(now[0] == base[0] && now[1] == base[1] && now[2] == base[2],
              "after the kill: %llu sessions, %llu objects, %llu mappings (before: %llu, %llu, %llu)",
              (unsigned long long)now[0], (unsigned long long)now[1], (unsigned long long)now[2],
              (unsigned long long)base[0], (unsigned long long)base[1], (unsigned long long)base[2]);
    raw_close(&r);
}

int main(void)
{
    struct harness h;
    signal(SIGPIPE, SIG_IGN);
    CHECK(harness_init(&h, 1) == 0);
    CHECK_MSG(harness_start_daemon(&h, NULL, NULL) == 0, "kiln-remoted did not start");
    alarm(240);
    /* Every client is a process of its own: this one never opens the ICD (a forked child would share its connection). */
    killed_while_waiting(&h);
    pid_t pid = fork();
    if (pid == 0) {
        wait_in_one_thread_set_in_another(1);
        wait_in_one_thread_set_in_another(0);
        _exit(check_failures ? 1 : 0);
    }
    int two_threads = -1;
    waitpid(pid, &two_threads, 0);
    CHECK_MSG(WIFEXITED(two_threads) && WEXITSTATUS(two_threads) == 0, "the two-thread client failed: status %d",
              two_threads);
    CHECK(harness_daemon_alive(&h));
    int status = compute_saxpy_new_client(7, 2);
    CHECK_MSG(status == 0, "a new client failed: status %d", status);
    harness_stop(&h);
    CHECK_DONE();
}
