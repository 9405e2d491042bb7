/*
 * test_remote_crash_storm.c: clients crash the real driver in a loop (a
 * kernel storing through a wild pointer, doomed.h) while well-behaved clients
 * tune with kiln (every variant verified against its reference) and compute
 * saxpy (every result exact) through the same daemon. The well-behaved
 * clients lose nothing: every tuning run completes with no failed variant,
 * every result is exact, every crasher loses its own session only, and the
 * daemon serves a new client at the end.
 */
#include "check.h"
#include "common_compute.h"
#include "doomed.h"
#include "harness.h"
#include "remote_kiln.h"

#define CRASHERS 2
#define CRASHES_EACH 6
#define TUNERS 2
#define TUNE_ROUNDS 3
#define SAXPY_ROUNDS 12

/* One crasher: a new process (a new session) per crash; the number of crashes that went as expected. */
static int crasher(void)
{
    int expected = 0;
    for (int i = 0; i < CRASHES_EACH; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(wild_store_client());
        int status = -1;
        waitpid(pid, &status, 0);
        expected += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    return expected == CRASHES_EACH ? 0 : 10 + expected;
}

/* One tuner: kiln_tune TUNE_ROUNDS times into its own database; 0 when every variant ran and verified. */
static int tuner(const char *dir, int index)
{
    char sel[32], err[512], path[512];
    if (find_device(1, sel, sizeof sel) != 0)
        return 20;
    kiln_rt *rt = kiln_rt_open(sel, err, sizeof err);
    if (!rt)
        return 21;
    snprintf(path, sizeof path, "%s/tuner%d.db", dir, index);
    kiln_db *db = kiln_db_open(path, err, sizeof err);
    int rc = db ? 0 : 22;
    for (int r = 0; r < TUNE_ROUNDS && rc == 0; r++)
        if (tune_matmul(db, rt, 4, 100 * index + r, err, sizeof err) != 0) {
            fprintf(stderr, "tuner %d round %d: %s\n", index, r, err);
            rc = 23;
        }
    if (db)
        kiln_db_close(db);
    kiln_rt_close(rt);
    return rc;
}

static pid_t start(int kind, const char *dir, int index)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(kind == 0 ? crasher() : kind == 1 ? tuner(dir, index) : compute_saxpy(harness_platform("kiln-remote"),
                                                                                      index, SAXPY_ROUNDS));
    return pid;
}

int main(void)
{
    struct harness h;
    signal(SIGPIPE, SIG_IGN);
    CHECK(harness_init(&h, 1) == 0);
    CHECK_MSG(harness_start_daemon(&h, NULL, NULL) == 0, "kiln-remoted did not start");
    alarm(550);
    static const char *const what[] = {"crasher", "tuner", "saxpy client"};
    pid_t pids[CRASHERS + TUNERS + 1];
    int kinds[CRASHERS + TUNERS + 1], n = 0;
    for (int i = 0; i < TUNERS; i++)
        kinds[n] = 1, pids[n] = start(1, h.dir, i), n++;
    kinds[n] = 2, pids[n] = start(2, h.dir, 9), n++;
    for (int i = 0; i < CRASHERS; i++)
        kinds[n] = 0, pids[n] = start(0, h.dir, i), n++;
    for (int i = 0; i < n; i++) {
        int status = -1;
        waitpid(pids[i], &status, 0);
        CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s %d ended with status %d", what[kinds[i]], i,
                  status);
    }
    CHECK(harness_daemon_alive(&h));
    int status = compute_saxpy_new_client(21, 2);
    CHECK_MSG(status == 0, "after the storm a new client failed: status %d", status);
    harness_stop(&h);
    CHECK_DONE();
}
