/*
 * test_remote_concurrency.c: several client processes, each with several
 * threads sharing its one connection, compute at the same time through one
 * daemon; every result must be exact.
 */
#include "check.h"
#include "common_compute.h"
#include "harness.h"

#include <pthread.h>

#define PROCESSES 3
#define THREADS 3

struct job {
    cl_platform_id p;
    int seed;
    int result;
};

static void *thread_main(void *arg)
{
    struct job *j = arg;
    j->result = compute_saxpy(j->p, j->seed, 8);
    return NULL;
}

static int process_main(int index)
{
    cl_platform_id p = harness_platform("kiln-remote");
    if (!p)
        return 10;
    pthread_t t[THREADS];
    struct job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (struct job){p, index * THREADS + i, -1};
        pthread_create(&t[i], NULL, thread_main, &jobs[i]);
    }
    int bad = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        bad |= jobs[i].result != 0;
    }
    return bad;
}

int main(void)
{
    struct harness h;
    CHECK(harness_init(&h, 1) == 0);
    CHECK_MSG(harness_start_daemon(&h, NULL, NULL) == 0, "kiln-remoted did not start");
    alarm(50);
    pid_t pids[PROCESSES];
    for (int i = 0; i < PROCESSES; i++) {
        pids[i] = fork();
        if (pids[i] == 0)
            _exit(process_main(i));
    }
    for (int i = 0; i < PROCESSES; i++) {
        int status = -1;
        waitpid(pids[i], &status, 0);
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "client process %d: status %d", i, status);
    }
    CHECK(harness_daemon_alive(&h));
    harness_stop(&h);
    CHECK_DONE();
}
