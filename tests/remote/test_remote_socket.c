/*
 * test_remote_socket.c: where the daemon listens and whom the client trusts.
 * A file already at the socket path survives and the daemon refuses to start;
 * a live daemon's socket is not taken; a dead daemon's stale socket is
 * replaced; the directory and socket get their modes (0700/0600, shared with a
 * group 02710/0660) and a directory others can write to is refused; the
 * client ICD refuses a daemon of another uid (really, with a daemon run as
 * 'nobody' when the test runs as root; everywhere through the ICD's
 * KILN_REMOTE_TEST_PEER_UID hook that reports another peer uid).
 */
#define _GNU_SOURCE
#include "check.h"
#include "files.h"
#include "harness.h"

#include <fcntl.h>
#include <grp.h>

#define NOBODY 65534

/* In a child: becomes kiln-remoted on path with args (NULL-terminated) after --vendors, stderr in log. */
static void exec_daemon(const struct harness *h, const char *path, const char *const *args, const char *log)
{
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0)
        dup2(fd, 2);
    const char *argv[16] = {KR_DAEMON_PATH, "--socket", path, "--vendors", h->vendors};
    int n = 5;
    for (; args && *args && n < 15; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    execv(KR_DAEMON_PATH, (char *const *)argv);
    _exit(127);
}

/*
 * Runs kiln-remoted with args (NULL-terminated, after --vendors) as uid run_as
 * (-1: ours), its stderr in log. Returns its pid once it listens on path, or
 * -1 once it exited (*status set) or after 15 s.
 */
static pid_t daemon_spawn(const struct harness *h, const char *path, const char *const *args, int run_as,
                          const char *log, int *status)
{
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (run_as >= 0 && (setgroups(0, NULL) != 0 || setgid((gid_t)run_as) != 0 || setuid((uid_t)run_as) != 0))
            _exit(126);
        exec_daemon(h, path, args, log);
    }
    struct harness probe = *h;
    snprintf(probe.socket, sizeof probe.socket, "%s", path);
    for (int i = 0; i < 300; i++) {
        if (waitpid(pid, status, WNOHANG) == pid)
            return -1;
        int s = harness_connect(&probe);
        if (s >= 0) {
            close(s);
            return pid;
        }
        harness_sleep_ms(50);
    }
    kill(pid, SIGKILL);
    waitpid(pid, status, 0);
    return -1;
}

/*
 * The exit status of a daemon that must refuse to start (its message in log);
 * 0 when it was still running after 15 s. Something else may listen on path.
 */
static int daemon_refusal(const struct harness *h, const char *path, const char *const *args, const char *log)
{
    pid_t pid = fork();
    if (pid == 0) {
        exec_daemon(h, path, args, log);
    }
    int status = -1;
    for (int i = 0; i < 300; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
        harness_sleep_ms(50);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return 0;
}

static void daemon_stop(pid_t pid, int sig)
{
    if (pid > 0) {
        kill(pid, sig);
        waitpid(pid, NULL, 0);
    }
}

/* A raw HELLO on path: 1 when a daemon answered it. */
static int answers_hello(const struct harness *h, const char *path)
{
    struct harness probe = *h;
    snprintf(probe.socket, sizeof probe.socket, "%s", path);
    struct raw r;
    if (raw_open(&r, &probe) != 0)
        return 0;
    int ok = raw_hello(&r) == CL_SUCCESS;
    raw_close(&r);
    return ok;
}

static int is_socket(const char *path, struct stat *st)
{
    return lstat(path, st) == 0 && S_ISSOCK(st->st_mode);
}

static void check_regular_file_survives(const struct harness *h, const char *log)
{
    char path[400];
    snprintf(path, sizeof path, "%s/notes.sock", h->dir);
    CHECK(write_file(path, "a user's own file\n") == 0);
    CHECK_MSG(daemon_refusal(h, path, NULL, log) == 1, "the daemon started over a regular file");
    char *text = read_file(path);
    CHECK_MSG(text && strcmp(text, "a user's own file\n") == 0, "the file at the socket path changed: %s",
              text ? text : "(gone)");
    free(text);
    char *msg = read_file(log);
    CHECK_STR_CONTAINS(msg, "is not a socket");
    free(msg);
}

/* A live daemon keeps its socket; killed, it leaves a stale socket the next daemon replaces. */
static void check_live_and_stale(const struct harness *h, const char *log)
{
    char dir[400], path[440];
    snprintf(dir, sizeof dir, "%s/run", h->dir);
    snprintf(path, sizeof path, "%s/remoted.sock", dir);
    int status;
    pid_t first = daemon_spawn(h, path, NULL, -1, log, &status);
    CHECK_MSG(first > 0, "kiln-remoted did not start in a fresh directory");
    struct stat before = {0}, after = {0}, st = {0};
    CHECK(is_socket(path, &before));
    CHECK_MSG(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700, "directory mode %04o, not 0700",
              (unsigned)(st.st_mode & 07777));
    CHECK_MSG((before.st_mode & 07777) == 0600, "socket mode %04o, not 0600", (unsigned)(before.st_mode & 07777));

    CHECK_MSG(daemon_refusal(h, path, NULL, log) == 1, "a second daemon started on a live daemon's socket");
    char *msg = read_file(log);
    CHECK_STR_CONTAINS(msg, "already listening");
    free(msg);
    CHECK(is_socket(path, &after) && after.st_ino == before.st_ino);
    CHECK_MSG(answers_hello(h, path), "the first daemon lost its socket");

    daemon_stop(first, SIGKILL); /* no clean-up: a stale socket stays */
    CHECK_MSG(is_socket(path, &st), "a killed daemon's socket vanished");
    pid_t second = daemon_spawn(h, path, NULL, -1, log, &status);
    CHECK_MSG(second > 0, "a stale socket was not replaced");
    CHECK(answers_hello(h, path));
    daemon_stop(second, SIGTERM);
    CHECK_MSG(lstat(path, &st) != 0, "a stopped daemon left its socket behind");
}

static void check_directory_rules(const struct harness *h, const char *log)
{
    char dir[400], path[440], link[400];
    snprintf(dir, sizeof dir, "%s/open", h->dir);
    CHECK(mkdir(dir, 0700) == 0 && chmod(dir, 0777) == 0);
    snprintf(path, sizeof path, "%s/remoted.sock", dir);
    CHECK_MSG(daemon_refusal(h, path, NULL, log) == 1, "the daemon listened in a directory anyone can write to");
    char *msg = read_file(log);
    CHECK_STR_CONTAINS(msg, "may write to it");
    free(msg);
    struct stat st = {0};
    CHECK(lstat(path, &st) != 0);

    snprintf(link, sizeof link, "%s/elsewhere", h->dir);
    char target[400];
    snprintf(target, sizeof target, "%s/target", h->dir);
    CHECK(mkdir(target, 0700) == 0 && symlink(target, link) == 0);
    snprintf(path, sizeof path, "%s/remoted.sock", link);
    CHECK_MSG(daemon_refusal(h, path, NULL, log) == 1, "the daemon followed a symbolic link to its directory");

    /* Shared with a group: set-group-id directory reachable by the group, socket writable by it. */
    snprintf(dir, sizeof dir, "%s/shared", h->dir);
    snprintf(path, sizeof path, "%s/remoted.sock", dir);
    char gid[32];
    snprintf(gid, sizeof gid, "%u", (unsigned)getegid());
    const char *args[] = {"--group", gid, NULL};
    int status;
    pid_t pid = daemon_spawn(h, path, args, -1, log, &status);
    CHECK_MSG(pid > 0, "kiln-remoted --group did not start");
    CHECK_MSG(stat(dir, &st) == 0 && (st.st_mode & 07777) == 02710 && st.st_gid == getegid(),
              "shared directory mode %04o group %u", (unsigned)(st.st_mode & 07777), (unsigned)st.st_gid);
    CHECK_MSG(lstat(path, &st) == 0 && (st.st_mode & 07777) == 0660 && st.st_gid == getegid(),
              "shared socket mode %04o group %u", (unsigned)(st.st_mode & 07777), (unsigned)st.st_gid);
    daemon_stop(pid, SIGTERM);
}

/* In a child that has not loaded OpenCL: 0 when the ICD offers the remoted platform at path. */
static int client_sees_platform(const char *path, const char *fake_peer, const char *trust)
{
    pid_t pid = fork();
    if (pid == 0) {
        setenv("KILN_REMOTE_SOCKET", path, 1);
        if (fake_peer)
            setenv("KILN_REMOTE_TEST_PEER_UID", fake_peer, 1);
        if (trust)
            setenv("KILN_REMOTE_TRUST_UID", trust, 1);
        _exit(harness_platform("kiln-remote") ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

static void check_client_trust(struct harness *h, const char *log)
{
    CHECK_MSG(harness_start_daemon(h, NULL, NULL) == 0, "kiln-remoted did not start");
    const char *own = h->socket;
    CHECK_MSG(client_sees_platform(own, NULL, NULL) == 0, "the client refused a daemon of its own uid");
    CHECK_MSG(client_sees_platform(own, "4242", NULL) == 1, "the client used a daemon reported as uid 4242");
    CHECK_MSG(client_sees_platform(own, "4242", "17, 4242") == 0, "KILN_REMOTE_TRUST_UID=4242 was not honoured");
    CHECK_MSG(client_sees_platform(own, "0", NULL) == 0, "the client refused a daemon reported as root");
    daemon_stop(h->daemon, SIGTERM);
    h->daemon = 0;
    if (geteuid() != 0)
        return;

    /* Root runs a real daemon as 'nobody' in nobody's directory: root's client must refuse it. */
    char dir[400], cache[420], path[440];
    int status;
    snprintf(dir, sizeof dir, "%s/nobody", h->dir);
    snprintf(cache, sizeof cache, "%s/cache", dir);
    CHECK(mkdir(dir, 0700) == 0 && chown(dir, NOBODY, NOBODY) == 0);
    snprintf(path, sizeof path, "%s/run/remoted.sock", dir);
    setenv("POCL_CACHE_DIR", cache, 1);
    const char *args[] = {"--allow-uid", "0", NULL};
    pid_t pid = daemon_spawn(h, path, args, NOBODY, log, &status);
    unsetenv("POCL_CACHE_DIR");
    CHECK_MSG(pid > 0, "kiln-remoted did not start as nobody (status %d)", status);
    CHECK_MSG(client_sees_platform(path, NULL, NULL) == 1, "root's client used a daemon run by nobody");
    CHECK_MSG(client_sees_platform(path, NULL, "65534") == 0, "KILN_REMOTE_TRUST_UID=65534 was not honoured");
    daemon_stop(pid, SIGTERM);
}

/* As root: without --group another uid cannot reach the socket; with it (and --allow-uid) it is served. */
static int nobody_says_hello(const struct harness *h, const char *path)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(setgroups(0, NULL) == 0 && setgid(NOBODY) == 0 && setuid(NOBODY) == 0 ? !answers_hello(h, path) : 3);
    int status = -1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void check_group_sharing(const struct harness *h, const char *log)
{
    if (geteuid() != 0)
        return;
    char path[400];
    int status;
    snprintf(path, sizeof path, "%s/private/remoted.sock", h->dir);
    const char *allow[] = {"--allow-uid", "65534", NULL};
    pid_t pid = daemon_spawn(h, path, allow, -1, log, &status);
    CHECK(pid > 0);
    CHECK_MSG(!nobody_says_hello(h, path), "another uid reached a private socket");
    daemon_stop(pid, SIGTERM);

    snprintf(path, sizeof path, "%s/group/remoted.sock", h->dir);
    const char *shared[] = {"--allow-uid", "65534", "--group", "65534", NULL};
    pid = daemon_spawn(h, path, shared, -1, log, &status);
    CHECK(pid > 0);
    CHECK_MSG(nobody_says_hello(h, path), "a member of the sharing group was not served");
    daemon_stop(pid, SIGTERM);
}

int main(void)
{
    struct harness h;
    CHECK(harness_init(&h, 1) == 0);
    alarm(250);
    char log[400];
    snprintf(log, sizeof log, "%s/daemon.log", h.dir);
    check_regular_file_survives(&h, log);
    check_live_and_stale(&h, log);
    check_directory_rules(&h, log);
    check_client_trust(&h, log);
    check_group_sharing(&h, log);
    harness_stop(&h);
    CHECK_DONE();
}
